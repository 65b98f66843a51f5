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

#include <errno.h>              /* errno, EINTR, EEXIST, EIO, EISDIR... */
#include <fcntl.h>              /* open, O_* */
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

/* All of data, through short writes and signals. */

/* Is path a stream to write into rather than a file to replace?
 * /dev/null, a FIFO, a terminal, and links to them (/dev/stderr ->
 * /proc/self/fd/2): renaming over /dev/stdout as root would replace the
 * system's symlink with a regular file.  A link under /dev or /proc names
 * a descriptor even when it points at a regular file (stdout redirected to
 * a file), so it is appended to, never replaced or truncated.  Any other
 * link is replaced, not followed: a link planted at a predictable report
 * path cannot make us overwrite its target. */
static bool
is_stream(const char *path)
{
    struct stat l, t;
    if (lstat(path, &l) != 0) {
        return false;                   /* a new file */
    }
    if (S_ISREG(l.st_mode) || S_ISDIR(l.st_mode)) {
        return false;
    }
    if (!S_ISLNK(l.st_mode)) {
        return true;                    /* device, FIFO, socket */
    }
    if (stat(path, &t) != 0) {
        return false;                   /* dangling link: replace it */
    }
    if (!S_ISREG(t.st_mode)) {
        return !S_ISDIR(t.st_mode);
    }
    return strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0;
}

/* Written in place: opened as it is, never created or truncated. */
static bool
write_in_place(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    bool ok = sp_write_all(fd, data, len);
    int saved = errno;
    if (close(fd) != 0 && ok) {
        return false;
    }
    errno = saved;
    return ok;
}

/* The last failure logged, "PATH: REASON".  A sampling session writes
 * every few seconds for days: an output that cannot be written is said
 * once, not 86,400 times, until it works again or fails differently. */
static char last_failure[SP_PATH_MAX + 128];

static void
log_failure(const char *path, int err)
{
    char msg[sizeof(last_failure)];
    snprintf(msg, sizeof(msg), "%s: %s", path, strerror(err));
    if (strcmp(msg, last_failure) == 0) {
        return;
    }
    memcpy(last_failure, msg, sizeof(msg));
    sp_log("cannot write report to %s", msg);
}

bool
sp_output_write_atomic(const char *path, const char *data, size_t len)
{
    char tmp[SP_PATH_MAX + 64];
    int fd, rc;

    if (is_stream(path)) {
        if (write_in_place(path, data, len)) {
            last_failure[0] = '\0';
            return true;
        }
        goto fail;
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
    last_failure[0] = '\0';
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
    log_failure(path, errno);
    return false;
}
