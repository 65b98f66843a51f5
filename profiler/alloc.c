/*
 * alloc.c -- the profiler's own heap.
 *
 * libslotprof links a private copy of jemalloc (libjemalloc_pic.a) whose
 * symbols the version script makes local: inside this library `malloc`
 * and friends bind to that copy, while the host process keeps glibc's
 * malloc and CPython's pymalloc.  So nothing the profiler keeps lands in
 * the heaps it measures, and its footprint can be read from jemalloc.
 *
 * Rule for the rest of the library: never free() memory that libc
 * allocated (strdup, realpath(NULL), getline...): it came from glibc.
 * Use the sp_* functions below for everything.
 *
 * In the unit-test build (SLOTPROF_TEST) and in sanitizer builds
 * (SLOTPROF_SYSTEM_ALLOC, so ASan sees the profiler's own heap) these are
 * plain libc calls.
 */
#include "internal.h"

#include <stdlib.h>             /* malloc, the jemalloc one in the library */
#include <string.h>             /* memcpy, strlen */

#if !defined(SLOTPROF_TEST) && !defined(SLOTPROF_SYSTEM_ALLOC)
/* jemalloc's introspection entry point, unprefixed in Debian's
 * libjemalloc_pic.a (local to this library). */
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
            size_t newlen);
#endif

#if !defined(SLOTPROF_TEST) && !defined(SLOTPROF_SYSTEM_ALLOC)
/* jemalloc reads its options from MALLOC_CONF through secure_getenv().
 * That variable belongs to the host (its own jemalloc, if any): with
 * MALLOC_CONF=abort_conf:true,... or prof:true our private copy would
 * abort the host or write heap profiles into its directory.  This
 * definition is local to the library, so only our jemalloc sees it; it
 * hides MALLOC_CONF and answers everything else from the environment. */
extern char **environ;

char *secure_getenv(const char *name);

char *
secure_getenv(const char *name)
{
    size_t n = strlen(name);
    if (strcmp(name, "MALLOC_CONF") == 0 || environ == NULL) {
        return NULL;
    }
    for (char **e = environ; *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}
#endif

void *
sp_malloc(size_t n)
{
    return malloc(n ? n : 1);
}

void *
sp_calloc(size_t count, size_t n)
{
    return calloc(count ? count : 1, n ? n : 1);
}

void *
sp_realloc(void *p, size_t n)
{
    return realloc(p, n ? n : 1);
}

void
sp_free(void *p)
{
    free(p);
}

char *
sp_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = sp_malloc(len + 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

char *
sp_strdup(const char *s)
{
    return sp_strndup(s, strlen(s));
}

uint64_t
sp_alloc_footprint(void)
{
#if defined(SLOTPROF_TEST) || defined(SLOTPROF_SYSTEM_ALLOC)
    return 0;
#else
    /* stats are cached per epoch: bump it first. */
    uint64_t epoch = 1;
    size_t len = sizeof(epoch);
    size_t active = 0;
    if (mallctl("epoch", &epoch, &len, &epoch, len) != 0) {
        return 0;
    }
    len = sizeof(active);
    if (mallctl("stats.active", &active, &len, NULL, 0) != 0) {
        return 0;
    }
    return (uint64_t)active;
#endif
}
