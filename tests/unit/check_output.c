/*
 * check_output.c -- atomic report files (profiler/output.c): the file
 * appears whole, replaces what was there, never writes through a symlink,
 * and a failure leaves no temp file, no open descriptor, and exactly one
 * "slotprof: " line on stderr.
 *
 * Each test works in its own mkdtemp() directory, removed by the
 * teardown.  The tests run forked (Check's default), so a stderr
 * redirection ends with its test.
 */
#include "internal.h"

#include <check.h>              /* Check */
#include <dirent.h>             /* opendir, readdir */
#include <errno.h>              /* errno */
#include <fcntl.h>              /* open */
#include <ftw.h>                /* nftw: teardown */
#include <grp.h>                /* setgroups */
#include <stdio.h>              /* remove, snprintf */
#include <stdlib.h>             /* mkdtemp, EXIT_SUCCESS */
#include <string.h>             /* strcmp, strlen, memset */
#include <sys/socket.h>         /* socket, bind */
#include <sys/stat.h>           /* lstat, chmod, mkdir, umask */
#include <sys/un.h>             /* sockaddr_un */
#include <sys/wait.h>           /* waitpid */
#include <unistd.h>             /* dup2, fork, read, symlink, write */

static char dir[64];

static void
setup(void)
{
    strcpy(dir, "/tmp/slotprof-check-output-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    umask(022);
}

static int
remove_one(const char *path, const struct stat *st, int flag,
           struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* rm -r dir.  Runs only when the test passed (Check skips a checked
 * teardown after a failure), so a failed test leaves its files to look
 * at. */
static void
teardown(void)
{
    nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void
path_in(char *out, size_t outlen, const char *name)
{
    snprintf(out, outlen, "%s/%s", dir, name);
}

/* The whole content of path (at most 4 KiB, NUL-terminated). */
static const char *
slurp(const char *path)
{
    static char buf[4096];
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = '\0';
    close(fd);
    return buf;
}

static void
spit(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
    close(fd);
}

/* Entries of directory d other than . and .., comma-separated. */
static const char *
listing(const char *d)
{
    static char out[1024];
    DIR *dp = opendir(d);
    struct dirent *e;
    size_t k = 0;

    ck_assert_ptr_nonnull(dp);
    out[0] = '\0';
    while ((e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%s",
                              k ? "," : "", e->d_name);
    }
    closedir(dp);
    return out;
}

static int
count_fds(void)
{
    DIR *dp = opendir("/proc/self/fd");
    int n = 0;

    ck_assert_ptr_nonnull(dp);
    while (readdir(dp) != NULL) {
        n++;
    }
    closedir(dp);
    return n;
}

/* stderr capture: fd 2 goes to a file until capture_end(). */
static int saved_stderr = -1;
static char capture_path[128];

static void
capture_begin(void)
{
    snprintf(capture_path, sizeof(capture_path), "%s.stderr", dir);
    int fd = open(capture_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    saved_stderr = dup(2);
    ck_assert_int_ge(saved_stderr, 0);
    ck_assert_int_eq(dup2(fd, 2), 2);
    close(fd);
}

static const char *
capture_end(void)
{
    ck_assert_int_eq(dup2(saved_stderr, 2), 2);
    close(saved_stderr);
    saved_stderr = -1;
    const char *s = slurp(capture_path);
    unlink(capture_path);
    return s;
}

/* ------------------------------------------------------------ success */

START_TEST(test_writes_file)
{
    char path[128];
    struct stat st;

    path_in(path, sizeof(path), "report.json");
    capture_begin();
    ck_assert(sp_output_write_atomic(path, "{\"a\": 1}\n", 9));
    ck_assert_str_eq(capture_end(), "");
    ck_assert_str_eq(slurp(path), "{\"a\": 1}\n");
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    /* No temp file is left beside it. */
    ck_assert_str_eq(listing(dir), "report.json");
}
END_TEST

START_TEST(test_relative_path_and_empty_data)
{
    char path[128];

    ck_assert_int_eq(chdir(dir), 0);
    ck_assert(sp_output_write_atomic("r.txt", "", 0));
    path_in(path, sizeof(path), "r.txt");
    ck_assert_str_eq(slurp(path), "");
    ck_assert_str_eq(listing(dir), "r.txt");
}
END_TEST

START_TEST(test_large_data)
{
    static char data[1 << 20];
    char path[128];
    struct stat st;

    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (char)('a' + i % 26);
    }
    path_in(path, sizeof(path), "big");
    ck_assert(sp_output_write_atomic(path, data, sizeof(data)));
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, (off_t)sizeof(data));
}
END_TEST

START_TEST(test_replaces_existing)
{
    char path[128];

    path_in(path, sizeof(path), "report.json");
    spit(path, "an older and much longer report\n");
    ck_assert(sp_output_write_atomic(path, "new\n", 4));
    ck_assert_str_eq(slurp(path), "new\n");
    ck_assert_str_eq(listing(dir), "report.json");
}
END_TEST

START_TEST(test_symlink_replaced_not_followed)
{
    char path[128], target[128];
    struct stat st;

    path_in(path, sizeof(path), "report.json");
    path_in(target, sizeof(target), "precious");
    spit(target, "keep me\n");
    ck_assert_int_eq(symlink(target, path), 0);
    ck_assert(sp_output_write_atomic(path, "new\n", 4));
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_str_eq(slurp(path), "new\n");
    ck_assert_str_eq(slurp(target), "keep me\n");
}
END_TEST

START_TEST(test_dangling_symlink_replaced)
{
    char path[128], target[128];
    struct stat st;

    path_in(path, sizeof(path), "report.json");
    path_in(target, sizeof(target), "would-be-created");
    ck_assert_int_eq(symlink(target, path), 0);
    ck_assert(sp_output_write_atomic(path, "x", 1));
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(lstat(target, &st), -1);
}
END_TEST

START_TEST(test_devices_written_in_place)
{
    /* /dev/null is a character device: written into, never renamed over
     * (root renaming over a device node would replace it).  A link to
     * it elsewhere is a link: replaced, its target untouched. */
    char link[128];
    struct stat st;

    capture_begin();
    ck_assert(sp_output_write_atomic("/dev/null", "x", 1));
    ck_assert_int_eq(lstat("/dev/null", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
    path_in(link, sizeof(link), "to-null");
    ck_assert_int_eq(symlink("/dev/null", link), 0);
    ck_assert(sp_output_write_atomic(link, "x", 1));
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_str_eq(slurp(link), "x");
    ck_assert_int_eq(lstat("/dev/null", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
    ck_assert_str_eq(capture_end(), "");
}
END_TEST

START_TEST(test_fifo_refused_never_blocks)
{
    /* A FIFO at the report path -- planted by anyone who can create
     * entries in the directory -- is refused at once with one line: no
     * open(2), so no wait for a reader, and nobody reads the report
     * through it.  The Check timeout (default 4 s) fails a hang. */
    char fifo[128], want[256];
    struct stat st;

    path_in(fifo, sizeof(fifo), "r.json");
    ck_assert_int_eq(mkfifo(fifo, 0666), 0);
    snprintf(want, sizeof(want), "slotprof: cannot write report to %s: "
             "it is a FIFO, not a regular file; nothing written\n", fifo);
    capture_begin();
    ck_assert(!sp_output_write_atomic(fifo, "{}", 2));
    ck_assert_str_eq(capture_end(), want);
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    ck_assert_str_eq(listing(dir), "r.json");
}
END_TEST

START_TEST(test_failure_line_has_no_controls)
{
    /* A path with a newline, an escape sequence and a C1 control: the
     * "slotprof:" line stays one line with '?' in their place. */
    char fifo[128], want[256];

    path_in(fifo, sizeof(fifo), "a\nb\x1b[31mc\xc2\x9b");
    ck_assert_int_eq(mkfifo(fifo, 0666), 0);
    snprintf(want, sizeof(want), "slotprof: cannot write report to %s/"
             "a?b?[31mc?: it is a FIFO, not a regular file; nothing "
             "written\n", dir);
    capture_begin();
    ck_assert(!sp_output_write_atomic(fifo, "{}", 2));
    ck_assert_str_eq(capture_end(), want);
}
END_TEST

START_TEST(test_fifo_with_reader_refused)
{
    /* Even with a reader waiting, the report does not go into a FIFO. */
    char fifo[128], buf[8];

    path_in(fifo, sizeof(fifo), "r.json");
    ck_assert_int_eq(mkfifo(fifo, 0666), 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK);
    ck_assert_int_ge(rd, 0);
    capture_begin();
    ck_assert(!sp_output_write_atomic(fifo, "secret", 6));
    capture_end();
    ck_assert_int_eq(read(rd, buf, sizeof(buf)), 0);
    close(rd);
}
END_TEST

START_TEST(test_symlink_to_fifo_replaced)
{
    /* A link to a FIFO is a link: replaced by the report, the FIFO left
     * alone and never opened (docs/report-format.md). */
    char fifo[128], link[128];
    struct stat st;

    path_in(fifo, sizeof(fifo), "fifo");
    path_in(link, sizeof(link), "r.json");
    ck_assert_int_eq(mkfifo(fifo, 0666), 0);
    ck_assert_int_eq(symlink(fifo, link), 0);
    capture_begin();
    ck_assert(sp_output_write_atomic(link, "new\n", 4));
    ck_assert_str_eq(capture_end(), "");
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_str_eq(slurp(link), "new\n");
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
}
END_TEST

START_TEST(test_socket_refused)
{
    char path[100], want[256];
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    path_in(path, sizeof(path), "sock");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    snprintf(want, sizeof(want), "slotprof: cannot write report to %s: "
             "it is a socket, not a regular file; nothing written\n", path);
    capture_begin();
    ck_assert(!sp_output_write_atomic(path, "x", 1));
    ck_assert_str_eq(capture_end(), want);
    close(fd);
}
END_TEST

START_TEST(test_own_descriptors_written)
{
    /* /dev/fd/N, /proc/self/fd/N and /proc/PID/fd/N name a descriptor of
     * the process: the report goes into that descriptor, even a pipe,
     * without opening anything. */
    int p[2];
    char path[64], buf[32];

    ck_assert_int_eq(pipe(p), 0);
    snprintf(path, sizeof(path), "/dev/fd/%d", p[1]);
    ck_assert(sp_output_write_atomic(path, "a", 1));
    snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
    ck_assert(sp_output_write_atomic(path, "b", 1));
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)getpid(), p[1]);
    ck_assert(sp_output_write_atomic(path, "c", 1));
    close(p[1]);
    ssize_t n = read(p[0], buf, sizeof(buf) - 1);
    ck_assert_int_eq(n, 3);
    buf[n] = '\0';
    ck_assert_str_eq(buf, "abc");
    close(p[0]);
}
END_TEST

START_TEST(test_failure_logged_once_across_outputs)
{
    /* A session alternates its JSON report (failing here) and its text
     * report (working): the JSON failure is said once, not at every
     * snapshot. */
    char fifo[128], ok[128], want[256];

    path_in(fifo, sizeof(fifo), "r.json");
    path_in(ok, sizeof(ok), "r.txt");
    ck_assert_int_eq(mkfifo(fifo, 0666), 0);
    snprintf(want, sizeof(want), "slotprof: cannot write report to %s: "
             "it is a FIFO, not a regular file; nothing written\n", fifo);
    capture_begin();
    for (int i = 0; i < 3; i++) {
        ck_assert(!sp_output_write_atomic(fifo, "{}", 2));
        ck_assert(sp_output_write_atomic(ok, "text", 4));
    }
    ck_assert_str_eq(capture_end(), want);
}
END_TEST

START_TEST(test_dev_shm_regular_file_replaced)
{
    /* A regular file under /dev (tmpfs /dev/shm) is a file, not a
     * stream: created if missing, replaced whole if present. */
    char path[128];
    snprintf(path, sizeof(path), "/dev/shm/check_output.%d.json",
             (int)getpid());
    unlink(path);
    ck_assert(sp_output_write_atomic(path, "new\n", 4));
    ck_assert_str_eq(slurp(path), "new\n");
    spit(path, "an older and much longer report\n");
    ck_assert(sp_output_write_atomic(path, "two\n", 4));
    ck_assert_str_eq(slurp(path), "two\n");
    unlink(path);
}
END_TEST

/* ------------------------------------------------------------ failure */

START_TEST(test_unwritable_dir)
{
    char ro[128], path[160], want[256];

    path_in(ro, sizeof(ro), "ro");
    ck_assert_int_eq(mkdir(ro, 0555), 0);
    ck_assert_int_eq(chmod(dir, 0755), 0);
    snprintf(path, sizeof(path), "%s/report.json", ro);
    snprintf(want, sizeof(want), "slotprof: cannot write report to %s: "
             "Permission denied\n", path);

    /* root writes anywhere: the call runs in a child that becomes nobody
     * so the permission bits count, and this process (still allowed to)
     * cleans up.  Exit status: 0 = returned false, no fd leaked. */
    capture_begin();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0
            && (setgroups(0, NULL) != 0 || setgid(65534) != 0
                || setuid(65534) != 0)) {
            _exit(3);
        }
        int fds = count_fds();
        bool ok = sp_output_write_atomic(path, "data", 4);
        _exit(ok ? 1 : count_fds() != fds ? 2 : 0);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    const char *err = capture_end();
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert_str_eq(err, want);
    ck_assert_str_eq(listing(ro), "");
}
END_TEST

START_TEST(test_rename_fails_temp_removed)
{
    /* The final path is a non-empty directory: the temp file is made and
     * written, rename(2) fails, and the temp file must go. */
    char path[128], inner[160], want[256];

    path_in(path, sizeof(path), "report.json");
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(inner, sizeof(inner), "%s/x", path);
    spit(inner, "x");
    snprintf(want, sizeof(want), "slotprof: cannot write report to %s: "
             "Is a directory\n", path);
    int fds = count_fds();
    capture_begin();
    ck_assert(!sp_output_write_atomic(path, "data", 4));
    ck_assert_str_eq(capture_end(), want);
    ck_assert_str_eq(listing(dir), "report.json");
    ck_assert_int_eq(count_fds(), fds);
}
END_TEST

START_TEST(test_missing_dir)
{
    char path[160], want[256];

    snprintf(path, sizeof(path), "%s/no/such/dir/report.json", dir);
    snprintf(want, sizeof(want), "slotprof: cannot write report to %s: "
             "No such file or directory\n", path);
    capture_begin();
    ck_assert(!sp_output_write_atomic(path, "data", 4));
    ck_assert_str_eq(capture_end(), want);
}
END_TEST

/* A session writes every few seconds: the same failure is said once,
 * a different one (or the same after a success) again. */
START_TEST(test_same_failure_logged_once)
{
    char path[160], other[160], good[160], want[800];

    snprintf(path, sizeof(path), "%s/no/such/dir/a.json", dir);
    snprintf(other, sizeof(other), "%s/no/such/dir/b.json", dir);
    path_in(good, sizeof(good), "good.json");
    snprintf(want, sizeof(want),
             "slotprof: cannot write report to %s: No such file or "
             "directory\n"
             "slotprof: cannot write report to %s: No such file or "
             "directory\n"
             "slotprof: cannot write report to %s: No such file or "
             "directory\n", path, other, path);
    capture_begin();
    ck_assert(!sp_output_write_atomic(path, "data", 4));
    ck_assert(!sp_output_write_atomic(path, "data", 4));
    ck_assert(!sp_output_write_atomic(other, "data", 4));
    ck_assert(!sp_output_write_atomic(other, "data", 4));
    ck_assert(sp_output_write_atomic(good, "data", 4));
    ck_assert(!sp_output_write_atomic(path, "data", 4));
    ck_assert_str_eq(capture_end(), want);
    unlink(good);
}
END_TEST

START_TEST(test_path_is_a_directory_name)
{
    char path[160], want[256];

    snprintf(path, sizeof(path), "%s/", dir);
    snprintf(want, sizeof(want), "slotprof: cannot write report to %s: "
             "Is a directory\n", path);
    capture_begin();
    ck_assert(!sp_output_write_atomic(path, "data", 4));
    ck_assert_str_eq(capture_end(), want);
    ck_assert_str_eq(listing(dir), "");
}
END_TEST

START_TEST(test_name_too_long)
{
    /* A basename that fits NAME_MAX but not once the temp suffix is
     * added: open(2) refuses the temp name, nothing is created. */
    char path[400], want[600];
    char base[251];

    memset(base, 'n', sizeof(base) - 1);
    base[sizeof(base) - 1] = '\0';
    snprintf(path, sizeof(path), "%s/%s", dir, base);
    snprintf(want, sizeof(want), "slotprof: cannot write report to %s: "
             "File name too long\n", path);
    capture_begin();
    ck_assert(!sp_output_write_atomic(path, "data", 4));
    ck_assert_str_eq(capture_end(), want);
    ck_assert_str_eq(listing(dir), "");
}
END_TEST

START_TEST(test_no_fd_leak_on_success)
{
    char path[128];

    path_in(path, sizeof(path), "r");
    int fds = count_fds();
    for (int i = 0; i < 50; i++) {
        ck_assert(sp_output_write_atomic(path, "x", 1));
    }
    ck_assert_int_eq(count_fds(), fds);
    ck_assert_str_eq(listing(dir), "r");
}
END_TEST

static Suite *
output_suite(void)
{
    Suite *s = suite_create("output");
    TCase *tc = tcase_create("write");

    tcase_set_timeout(tc, 10);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_writes_file);
    tcase_add_test(tc, test_relative_path_and_empty_data);
    tcase_add_test(tc, test_large_data);
    tcase_add_test(tc, test_replaces_existing);
    tcase_add_test(tc, test_symlink_replaced_not_followed);
    tcase_add_test(tc, test_dangling_symlink_replaced);
    tcase_add_test(tc, test_devices_written_in_place);
    tcase_add_test(tc, test_fifo_refused_never_blocks);
    tcase_add_test(tc, test_fifo_with_reader_refused);
    tcase_add_test(tc, test_failure_line_has_no_controls);
    tcase_add_test(tc, test_symlink_to_fifo_replaced);
    tcase_add_test(tc, test_socket_refused);
    tcase_add_test(tc, test_own_descriptors_written);
    tcase_add_test(tc, test_failure_logged_once_across_outputs);
    tcase_add_test(tc, test_dev_shm_regular_file_replaced);
    tcase_add_test(tc, test_no_fd_leak_on_success);
    suite_add_tcase(s, tc);

    tc = tcase_create("fail");
    tcase_set_timeout(tc, 10);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_unwritable_dir);
    tcase_add_test(tc, test_rename_fails_temp_removed);
    tcase_add_test(tc, test_missing_dir);
    tcase_add_test(tc, test_same_failure_logged_once);
    tcase_add_test(tc, test_path_is_a_directory_name);
    tcase_add_test(tc, test_name_too_long);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(output_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
