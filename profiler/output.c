/*
 * output.c -- putting a finished report on disk in one piece.
 *
 * A report is written to a temporary file beside its final path and then
 * renamed over it, so a reader (a CI step, a tool polling the file, the
 * next run's comparison) sees the old file or the whole new one, never a
 * half-written one -- also when the process is killed mid-write or two
 * processes of one job write the same path.
 *
 * This file owns the temporary name, the write loop and the clean-up;
 * it does not choose paths (config.c and bootstrap.c do) and does not
 * format anything.  Failure is one sp_log() line and `false`: the host
 * program must not notice that its report could not be written.
 *
 * No fsync(): the report is written once, at exit, by a process that is
 * going away.  rename() already gives readers and a crashed process the
 * all-or-nothing they need; fsync() would only add protection against a
 * machine crash in the seconds after exit, and costs a disk flush (tens
 * of milliseconds, more on busy disks) at the exit of every profiled
 * process -- with many workers, every one of them.
 */
#include "internal.h"

#include <errno.h>              /* errno, EEXIST, EISDIR, ETIMEDOUT... */
#include <fcntl.h>              /* open, O_* */
#include <poll.h>               /* poll: a device that is not ready */
#include <stdatomic.h>          /* atomic_uint: the temp-name counter */
#include <stdio.h>              /* rename, snprintf */
#include <sys/stat.h>           /* lstat, stat, S_ISREG */
#include <string.h>             /* strerror, strrchr */
#include <unistd.h>             /* write, close, unlink, getpid */

/* How many names to try when a temp file of ours already exists (left by
 * a killed process whose pid has come back). */
#define SP_TEMP_TRIES 16

/* Distinguishes temp files of threads of one process writing at once;
 * the pid distinguishes processes (a forked child gets a new pid). */
static atomic_uint counter;

/* Create and open a new temp file beside path; its name goes to tmp.
 * -1 with errno set on failure (nothing is left behind then). */
static int
open_temp(const char *path, char *tmp, size_t tmplen)
{
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash + 1 - path) : 0;
    const char *base = slash ? slash + 1 : path;

    if (*base == '\0') {
        errno = EISDIR;         /* "dir/": there is no file name to use */
        return -1;
    }
    for (int i = 0; i < SP_TEMP_TRIES; i++) {
        unsigned n = atomic_fetch_add(&counter, 1);
        /* A dot file, so ls and globs like *.json pass it by. */
        int w = snprintf(tmp, tmplen, "%.*s.%s.slotprof-tmp.%ld.%u", dirlen,
                         path, base, (long)getpid(), n);
        if (w < 0 || (size_t)w >= tmplen) {
            errno = ENAMETOOLONG;
            return -1;
        }
        /* O_EXCL: never reuse (or truncate) a file someone else made,
         * and fail on any existing name, a symlink planted there
         * included -- O_NOFOLLOW states that intent on its own;
         * O_CLOEXEC: a child the host execs must not inherit it.  The
         * umask applies to 0644 as it does for any file the program
         * creates. */
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
                           | O_NOFOLLOW, 0644);
        if (fd >= 0 || errno != EEXIST) {
            return fd;
        }
    }
    return -1;                  /* errno is EEXIST */
}

/* What the entry at a report path is, and so how it is written. */
enum target {
    T_FILE,         /* none, a regular file, or a link: replaced whole */
    T_OWN_FD,       /* names a descriptor of this process: written to it */
    T_DEVICE,       /* a character device (/dev/null, a terminal) */
    T_REFUSED,      /* a FIFO, socket or block device: never opened */
};

/* The descriptor a path names when it is one of this process's own:
 * /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N,
 * /proc/<our pid>/fd/N.  Writing to the descriptor itself is what the
 * host's own writes do; opening the path again would reopen whatever
 * the descriptor points at (a FIFO, a socket: open(2) can block or fail).
 * -1 for any other path. */
static int
own_fd(const char *path)
{
    char self[32];
    const char *num = NULL;

    if (strcmp(path, "/dev/stdout") == 0) {
        return 1;
    }
    if (strcmp(path, "/dev/stderr") == 0) {
        return 2;
    }
    snprintf(self, sizeof(self), "/proc/%ld/fd/", (long)getpid());
    if (strncmp(path, "/dev/fd/", 8) == 0) {
        num = path + 8;
    }
    else if (strncmp(path, "/proc/self/fd/", 14) == 0) {
        num = path + 14;
    }
    else if (strncmp(path, self, strlen(self)) == 0) {
        num = path + strlen(self);
    }
    if (num == NULL || *num < '0' || *num > '9') {
        return -1;
    }
    long fd = 0;
    for (; *num >= '0' && *num <= '9' && fd < 1000000; num++) {
        fd = fd * 10 + (*num - '0');
    }
    return *num == '\0' && fd < 1000000 ? (int)fd : -1;
}

/* Classify path without opening it.  Never follows a link, except the
 * system's own links under /dev and /proc (/dev/stdin -> /proc/self/fd/0,
 * /dev/log ...), whose target decides: a character device is written,
 * anything else refused -- replacing them as root would break the system.
 * A link anywhere else is replaced, never followed, so a link planted at
 * a predictable report path cannot make us write into its target, and a
 * FIFO planted there cannot make us block or hand it the report.
 * *what says what a refused entry is. */
static enum target
classify(const char *path, const char **what)
{
    struct stat l, t;

    *what = NULL;
    if (own_fd(path) >= 0) {
        return T_OWN_FD;
    }
    if (lstat(path, &l) != 0) {
        return T_FILE;                  /* a new file */
    }
    if (S_ISLNK(l.st_mode)) {
        if (strncmp(path, "/dev/", 5) != 0
            && strncmp(path, "/proc/", 6) != 0) {
            return T_FILE;              /* the link itself is replaced */
        }
        if (stat(path, &t) != 0) {
            *what = "a dangling system link";
            return T_REFUSED;
        }
        l = t;
        if (S_ISREG(l.st_mode) || S_ISDIR(l.st_mode)) {
            *what = "a system link to a file";
            return T_REFUSED;
        }
    }
    if (S_ISREG(l.st_mode) || S_ISDIR(l.st_mode)) {
        return T_FILE;      /* a directory fails at rename(2), cleanly */
    }
    if (S_ISCHR(l.st_mode)) {
        return T_DEVICE;
    }
    *what = S_ISFIFO(l.st_mode)   ? "a FIFO"
            : S_ISSOCK(l.st_mode) ? "a socket"
                                  : "a block device";
    return T_REFUSED;
}

/* How long a device may keep us waiting, in all: a terminal stopped
 * with ^S must not freeze the host at its exit. */
#define SP_DEVICE_WAIT_MS 1000

/* Write into a character device: opened non-blocking (never created,
 * never made the controlling terminal), checked to be what lstat saw,
 * and given at most SP_DEVICE_WAIT_MS to take the data.  False with
 * errno set (ETIMEDOUT when it would not take it). */
static bool
write_device(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    bool ok = false;
    int waited = 0;

    if (fd < 0) {
        return false;
    }
    if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) {
        errno = EINVAL;         /* swapped for something else since */
        goto done;
    }
    while (len > 0) {
        size_t chunk = len < 65536 ? len : 65536;
        ssize_t w = sp_write_some(fd, data, chunk);
        if (w > 0) {
            data += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            goto done;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int step = SP_DEVICE_WAIT_MS - waited;
        if (step <= 0) {
            errno = ETIMEDOUT;
            goto done;
        }
        step = step < 50 ? step : 50;
        if (poll(&p, 1, step) < 0 && errno != EINTR) {
            goto done;
        }
        waited += step;
    }
    ok = true;
done:
    {
        int saved = errno;
        if (close(fd) != 0 && ok) {
            return false;
        }
        errno = saved;
    }
    return ok;
}

/* The last failure logged, "PATH: REASON".  A sampling session writes
 * every few seconds for days: an output that cannot be written is said
 * once, not 86,400 times, until it works again or fails differently.
 * Only a success on the same path clears it: the JSON report and the
 * text report alternate, and one working must not make the other's
 * failure be said again at every snapshot. */
static char last_failure[SP_PATH_MAX + 128];

static void
log_failure(const char *path, const char *reason)
{
    char msg[sizeof(last_failure)];
    snprintf(msg, sizeof(msg), "%s: %s", path, reason);
    if (strcmp(msg, last_failure) == 0) {
        return;
    }
    memcpy(last_failure, msg, sizeof(msg));
    sp_log("cannot write report to %s", msg);
}

static void
log_success(const char *path)
{
    size_t n = strlen(path);
    if (strncmp(last_failure, path, n) == 0 && last_failure[n] == ':') {
        last_failure[0] = '\0';
    }
}

bool
sp_output_write_atomic(const char *path, const char *data, size_t len)
{
    char tmp[SP_PATH_MAX + 64];
    char why[96];
    const char *what;
    int fd, rc;

    switch (classify(path, &what)) {
    case T_OWN_FD:
        if (sp_write_all(own_fd(path), data, len)) {
            log_success(path);
            return true;
        }
        goto fail;
    case T_DEVICE:
        if (write_device(path, data, len)) {
            log_success(path);
            return true;
        }
        if (errno == ETIMEDOUT) {
            snprintf(why, sizeof(why), "the device took no data for %d ms",
                     SP_DEVICE_WAIT_MS);
            log_failure(path, why);
            return false;
        }
        goto fail;
    case T_REFUSED:
        snprintf(why, sizeof(why), "it is %s, not a regular file; nothing "
                 "written", what);
        log_failure(path, why);
        return false;
    case T_FILE:
        break;
    }
    fd = open_temp(path, tmp, sizeof(tmp));
    if (fd < 0) {
        goto fail;
    }
    if (!sp_write_all(fd, data, len)) {
        goto fail_close;
    }
    /* close() is where NFS and some FUSE file systems report a failed
     * write, so its error counts.  It is not retried on EINTR: on Linux
     * the descriptor is gone either way, and a retry could close a
     * descriptor another thread has just been given. */
    rc = close(fd);
    if (rc != 0) {
        goto fail_unlink;
    }
    /* rename(2) replaces the directory entry at path.  If that entry is
     * a symlink, the link itself is replaced and its target is left
     * alone: a link planted at a predictable report path cannot make us
     * overwrite another file. */
    if (rename(tmp, path) != 0) {
        goto fail_unlink;
    }
    log_success(path);
    return true;

fail_close:
    {
        int saved = errno;
        close(fd);
        errno = saved;
    }
fail_unlink:
    {
        int saved = errno;
        unlink(tmp);
        errno = saved;
    }
fail:
    log_failure(path, strerror(errno));
    return false;
}
