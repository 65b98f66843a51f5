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

/* A reader that went away must not kill the host with SIGPIPE: a
 * program that restored SIG_DFL (as CLI tools are told to) would exit 141
 * at the report.  SIGPIPE is blocked around our writes; if one raised a
 * SIGPIPE that was not pending before, it is taken back. */
struct pipe_guard {
    sigset_t set, old;
    bool was_pending;
};

static void
guard_begin(struct pipe_guard *g)
{
    sigset_t pending;
    sigemptyset(&g->set);
    sigaddset(&g->set, SIGPIPE);
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &g->set, &g->old);
}

static void
guard_end(struct pipe_guard *g)
{
    sigset_t pending;
    int saved = errno;
    if (!g->was_pending) {
        struct timespec zero = {0, 0};
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE)) {
            sigtimedwait(&g->set, NULL, &zero);
        }
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
    errno = saved;
}

ssize_t
sp_write_some(int fd, const void *data, size_t len)
{
    struct pipe_guard g;
    ssize_t w;

    guard_begin(&g);
    do {
        w = write(fd, data, len);
    } while (w < 0 && errno == EINTR);
    guard_end(&g);
    return w;
}

bool
sp_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    struct pipe_guard g;
    bool ok = true;

    guard_begin(&g);
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
    guard_end(&g);
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
    /* Paths and class names come from the program: no control
     * characters on the user's terminal, and one line stays one line. */
    char clean[sizeof(line)];
    n += sp_text_clean(clean, sizeof(line) - n - 1, line + n);
    memcpy(line + sizeof(prefix) - 1, clean, n - (sizeof(prefix) - 1));
    line[n++] = '\n';

    int saved = errno;
    sp_write_all(2, line, n);
    errno = saved;
}
