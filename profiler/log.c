/*
 * log.c -- the only way libslotprof speaks to the user inside the host:
 * one line on fd 2 beginning "slotprof: ".  Never stdout, never stdio
 * (the host may have its own buffering on stderr), one write(2) per line
 * so lines from several processes do not interleave mid-line.
 */
#include "internal.h"

#include <errno.h>              /* errno, EINTR */
#include <stdarg.h>             /* va_list */
#include <stdio.h>              /* vsnprintf */
#include <string.h>             /* memcpy */
#include <unistd.h>             /* write */

void
sp_log(const char *fmt, ...)
{
    char line[1024];
    static const char prefix[] = "slotprof: ";
    size_t n = sizeof(prefix) - 1;
    va_list ap;

    memcpy(line, prefix, n);
    va_start(ap, fmt);
    int k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    if (k < 0) {
        return;
    }
    n += (size_t)k < sizeof(line) - n - 1 ? (size_t)k : sizeof(line) - n - 2;
    line[n++] = '\n';

    int saved = errno;
    const char *p = line;
    while (n > 0) {
        ssize_t w = write(2, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    errno = saved;
}
