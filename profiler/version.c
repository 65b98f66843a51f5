/*
 * version.c -- may this build run in this interpreter?
 *
 * A backend reads internal layouts from the headers it was compiled
 * against, so the library runs only in exactly that X.Y.Z, and never in a
 * free-threaded build (another object header: ob_tid, no PyGC_Head
 * before the object).  Python-free, so the decision is unit-tested; the
 * caller passes Py_GetVersion()'s string, which works before
 * Py_Initialize.
 */
#include "internal.h"

#include <stdio.h>              /* snprintf, sscanf */
#include <string.h>             /* strlen, strncmp, strstr, strcspn */

bool
sp_version_check(const char *built, const char *running, char *err,
                 size_t errlen)
{
    size_t n = strlen(built);
    if (strncmp(running, built, n) != 0
        || (running[n] != ' ' && running[n] != '\0')) {
        int k = (int)strcspn(running, " ");
        snprintf(err, errlen,
                 "this library was built for CPython %s but this is "
                 "CPython %.*s; build one with 'make PYTHON=/path/to/this/"
                 "python' (running unprofiled)", built, k > 31 ? 31 : k,
                 running);
        return false;
    }
    /* 3.13t: "3.13.0 experimental free-threading build (main, ...)";
     * 3.14t, 3.15t: "3.14.10 free-threading build (main, ...)".  Named
     * as its users know it: python3.14t. */
    if (strstr(running, "free-threading") != NULL) {
        int major = 0, minor = 0;
        if (sscanf(built, "%d.%d", &major, &minor) != 2) {
            major = minor = 0;
        }
        snprintf(err, errlen,
                 "this is the free-threaded build of CPython %s "
                 "(python%d.%dt), whose object layout slotprof does not "
                 "support; running unprofiled", built, major, minor);
        return false;
    }
    return true;
}
