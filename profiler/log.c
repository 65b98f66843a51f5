/*
 * log.c -- the only way libslotprof speaks to the user inside the host:
 * one line on fd 2 beginning "slotprof: ".  Never stdout, never stdio
 * (the host may have its own buffering on stderr), one write(2) per line
 * so lines from several processes do not interleave mid-line, SIGPIPE
 * blocked around it.
 */
#include "internal.h"

#include <errno.h>              /* errno, EINTR */
#include <signal.h>             /* pthread_sigmask, sigtimedwait, SIGPIPE */
#include <stdarg.h>             /* va_list */
#include <stdio.h>              /* vsnprintf */
#include <string.h>             /* memcpy */
#include <unistd.h>             /* write */

bool
sp_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    sigset_t pipe_set, old, pending;
    bool ok = true, was_pending;

    /* A reader that went away must not kill the host with SIGPIPE: a
     * program that restored SIG_DFL (as CLI tools are told to) would
     * exit 141 at the report.  Block it around the write; if the write
     * raised one that was not pending before, take it back. */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            if (w == 0) {
                errno = EIO;    /* no progress and no reason: give up */
            }
            ok = false;
            break;
        }
        p += w;
        len -= (size_t)w;
    }
    int saved = errno;
    if (!was_pending) {
        struct timespec zero = {0, 0};
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE)) {
            sigtimedwait(&pipe_set, NULL, &zero);
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return ok;
}

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
    sp_write_all(2, line, n);
    errno = saved;
}
