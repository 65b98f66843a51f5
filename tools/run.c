/*
 * run.c -- `slotprof run`: start a program with the right libslotprof.so
 * preloaded.
 *
 * A library is built per CPython X.Y.Z, so the one to preload depends on
 * the interpreter COMMAND runs.  This file finds that interpreter (the
 * command itself, the #! line of a script, or --python), asks it once for
 * its version and real executable -- with LD_PRELOAD removed, so nothing
 * is profiled by the question -- finds the matching library, puts it in
 * LD_PRELOAD and SLOTPROF_OPTIONS, and execs COMMAND.  After the exec
 * slotprof is gone: the exit status, the signals, the terminal and the
 * process id are the program's own.
 *
 * Only a command named like a Python interpreter (its name contains
 * "python", as does a pyenv shim's) or a script whose #! line names one
 * is asked anything: running an arbitrary program with `-c CODE` could do
 * anything at all.  Anything else needs --python or --lib.
 *
 * Exit status when COMMAND does not start: 2 for a usage error or no
 * library, 127 when COMMAND is not found, 126 when it cannot be executed
 * (as a shell says).
 */
#include "cli.h"

#include <errno.h>              /* errno, ENOENT, EINTR */
#include <fcntl.h>              /* open, O_RDONLY */
#include <limits.h>             /* PATH_MAX */
#include <poll.h>               /* poll: the probe's time limit */
#include <signal.h>             /* kill, SIGKILL */
#include <stdio.h>              /* fprintf, snprintf */
#include <stdlib.h>             /* getenv, setenv, unsetenv, realpath */
#include <string.h>             /* strchr, strcmp, strerror, strstr */
#include <sys/stat.h>           /* stat, S_ISREG */
#include <sys/wait.h>           /* waitpid, WIFEXITED */
#include <time.h>               /* clock_gettime */
#include <unistd.h>             /* access, execv, execvp, fork, pipe */

#define RUN_USAGE \
    "usage: slotprof run [--option KEY=VALUE]... [--output PATH] " \
    "[--lib PATH]\n" \
    "                    [--python PATH] [--] COMMAND [ARGS...]\n"

/* What the interpreter is asked.  The third line tells CPython from
 * PyPy, whose sys.version starts with a version number too. */
#define PROBE_CODE \
    "import sys; print(sys.version.split()[0]); print(sys.executable); " \
    "print(sys.implementation.name)"

/* A probe that takes longer is stuck (a sitecustomize waiting for
 * something); the user's program has not started yet. */
#define PROBE_TIMEOUT_MS 30000

struct run_args {
    const char **options;       /* KEY=VALUE items, in the order given */
    size_t noptions;
    const char *lib;            /* --lib, or NULL */
    const char *python;         /* --python, or NULL */
    char **command;             /* COMMAND ARGS..., NULL-terminated */
    char *output;               /* "output=PATH" of --output, owned */
};

struct probe {
    char version[32];           /* "3.12.1" */
    char executable[PATH_MAX];  /* sys.executable; "" when Python has none */
};

static void
usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "slotprof: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n" RUN_USAGE "Try 'slotprof run --help'.\n");
}

static void
print_help(void)
{
    printf(RUN_USAGE
"\n"
"Run COMMAND with the libslotprof.so built for the CPython it runs\n"
"preloaded.  The exit status is COMMAND's own (127 if it is not found,\n"
"126 if it cannot be executed, 2 if slotprof cannot set it up).\n"
"\n"
"  --option KEY=VALUE  add KEY=VALUE to SLOTPROF_OPTIONS (repeatable; after\n"
"                      any SLOTPROF_OPTIONS already set, so it wins)\n"
"  --output PATH       the same as --option output=PATH\n"
"  --lib PATH          preload this library (COMMAND is not asked its\n"
"                      version)\n"
"  --python PATH       the interpreter COMMAND runs, when COMMAND is not one\n"
"                      (a shell script, a launcher)\n"
"\n"
"The library is searched in $SLOTPROF_LIB_DIR/cpython-X.Y.Z/,\n"
"PREFIX/lib/slotprof/cpython-X.Y.Z/ (PREFIX: two levels above the slotprof\n"
"binary) and the build tree's build/cpython-X.Y.Z/.  See slotprof(1).\n");
}

/* An option taking a value: "--name VALUE" or "--name=VALUE".  Returns
 * the value and advances *i, NULL when argv[*i] is not that option; a
 * missing value is a usage error (*bad set). */
static const char *
option_value(int argc, char **argv, int *i, const char *name, bool *bad)
{
    size_t n = strlen(name);
    const char *a = argv[*i];

    if (strncmp(a, name, n) != 0) {
        return NULL;
    }
    if (a[n] == '=') {
        return a + n + 1;
    }
    if (a[n] != '\0') {
        return NULL;
    }
    if (*i + 1 >= argc) {
        usage_error("%s needs a value", name);
        *bad = true;
        return NULL;
    }
    *i += 1;
    return argv[*i];
}

/* SLOTPROF_OPTIONS has no quoting: a comma always ends an option. */
static bool
check_option(const char *kv)
{
    if (kv[0] == '\0') {
        usage_error("%s", "--option needs KEY=VALUE, got an empty string");
        return false;
    }
    if (strchr(kv, ',') != NULL) {
        fprintf(stderr, "slotprof: --option '%s': a value cannot contain a "
                "comma (SLOTPROF_OPTIONS separates options with commas)\n",
                kv);
        return false;
    }
    return true;
}

/* 0 when parsed, else the exit status (0 after --help is signalled by
 * *done). */
static int
parse_args(int argc, char **argv, struct run_args *ra, bool *done)
{
    int i;
    bool bad = false;

    ra->options = calloc((size_t)argc + 1, sizeof(*ra->options));
    if (ra->options == NULL) {
        fprintf(stderr, "slotprof: out of memory\n");
        return 2;
    }
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v;

        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0') {
            break;                      /* COMMAND */
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_help();
            *done = true;
            return 0;
        }
        if ((v = option_value(argc, argv, &i, "--option", &bad)) != NULL) {
            if (!check_option(v)) {
                return 2;
            }
            ra->options[ra->noptions++] = v;
        }
        else if ((v = option_value(argc, argv, &i, "--output", &bad))
                 != NULL) {
            size_t n = strlen(v) + sizeof("output=");
            char *kv = malloc(n);
            if (kv == NULL) {
                fprintf(stderr, "slotprof: out of memory\n");
                return 2;
            }
            snprintf(kv, n, "output=%s", v);
            if (v[0] == '\0' || !check_option(kv)) {
                if (v[0] == '\0') {
                    usage_error("%s", "--output needs a path");
                }
                free(kv);
                return 2;
            }
            free(ra->output);       /* a second --output */
            ra->output = kv;
            ra->options[ra->noptions++] = kv;
        }
        else if ((v = option_value(argc, argv, &i, "--lib", &bad)) != NULL) {
            ra->lib = v;
        }
        else if ((v = option_value(argc, argv, &i, "--python", &bad))
                 != NULL) {
            ra->python = v;
        }
        else if (!bad) {
            usage_error("unknown option '%s'", a);
            return 2;
        }
        if (bad) {
            return 2;
        }
    }
    if (i >= argc) {
        usage_error("%s", "no COMMAND to run");
        return 2;
    }
    ra->command = argv + i;
    return 0;
}

static bool
is_exec_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode)
           && access(path, X_OK) == 0;
}

/* name through PATH into out, as execvp(3) searches it (a name with a
 * '/' is taken as it is).  False when there is no such executable. */
static bool
resolve_command(const char *name, char *out, size_t outlen)
{
    const char *path = getenv("PATH");

    if (strchr(name, '/') != NULL) {
        if (snprintf(out, outlen, "%s", name) >= (int)outlen) {
            return false;
        }
        return access(name, F_OK) == 0;
    }
    if (name[0] == '\0') {
        return false;
    }
    if (path == NULL) {
        path = "/bin:/usr/bin";         /* execvp's default */
    }
    for (const char *p = path;; p++) {
        const char *end = strchr(p, ':');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        /* An empty entry is the current directory. */
        int w = n == 0 ? snprintf(out, outlen, "./%s", name)
                       : snprintf(out, outlen, "%.*s/%s", (int)n, p, name);
        if (w > 0 && (size_t)w < outlen && is_exec_file(out)) {
            return true;
        }
        if (end == NULL) {
            break;
        }
        p = end;
    }
    return false;
}

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s != NULL ? s + 1 : path;
}

static bool
looks_like_python(const char *path)
{
    return strstr(base_name(path), "python") != NULL;
}

/* The interpreter a script's #! line names, through env(1) if that is
 * what it names, into out.  False when the file has no #! line naming a
 * Python. */
static bool
shebang_python(const char *script, char *out, size_t outlen)
{
    char line[512];
    int fd = open(script, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        return false;
    }
    n = read(fd, line, sizeof(line) - 1);
    close(fd);
    if (n < 3 || line[0] != '#' || line[1] != '!') {
        return false;
    }
    line[n] = '\0';
    line[strcspn(line, "\r\n")] = '\0';

    /* Words: the interpreter, then its arguments (env -S splits them). */
    char *words[16];
    size_t nw = 0;
    for (char *tok = strtok(line + 2, " \t"); tok != NULL && nw < 16;
         tok = strtok(NULL, " \t")) {
        words[nw++] = tok;
    }
    if (nw == 0) {
        return false;
    }
    const char *interp = words[0];
    if (strcmp(base_name(interp), "env") == 0) {
        interp = NULL;
        for (size_t k = 1; k < nw; k++) {
            if (words[k][0] != '-' && strchr(words[k], '=') == NULL) {
                interp = words[k];
                break;
            }
        }
        if (interp == NULL || !resolve_command(interp, out, outlen)) {
            return false;
        }
    }
    else if (snprintf(out, outlen, "%s", interp) >= (int)outlen) {
        return false;
    }
    return looks_like_python(out);
}

static long
ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000L
           + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Run `python -c PROBE_CODE` without LD_PRELOAD and read its answer.
 * False after printing one slotprof: line. */
static bool
probe_python(const char *python, struct probe *pr)
{
    char out[8192];
    size_t len = 0;
    int fds[2], status;
    pid_t pid;
    struct timespec t0;
    bool timed_out = false;

    if (pipe2(fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "slotprof: pipe: %s\n", strerror(errno));
        return false;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "slotprof: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) {
            dup2(null, 0);
        }
        dup2(fds[1], 1);
        unsetenv("LD_PRELOAD");
        char *const av[] = {(char *)python, "-c", PROBE_CODE, NULL};
        execv(python, av);
        fprintf(stderr, "slotprof: cannot run %s: %s\n", python,
                strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        long left = PROBE_TIMEOUT_MS - ms_since(&t0);
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        if (left <= 0) {
            timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            continue;               /* the loop top sees the time */
        }
        ssize_t n = read(fds[0], out + len, sizeof(out) - 1 - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
        if (len == sizeof(out) - 1) {
            break;                  /* more than any answer: not Python */
        }
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    out[len] = '\0';
    if (timed_out) {
        fprintf(stderr, "slotprof: %s did not answer within %d s when asked "
                "its version\n", python, PROBE_TIMEOUT_MS / 1000);
        return false;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "slotprof: %s -c '...' failed when asked its "
                "version (%s %d); give --python PATH or --lib PATH\n",
                python, WIFEXITED(status) ? "exit status" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return false;
    }

    /* Three lines: version, executable, implementation. */
    char *lines[3] = {NULL, NULL, NULL};
    char *p = out;
    for (int k = 0; k < 3 && p != NULL && *p != '\0'; k++) {
        lines[k] = p;
        p = strchr(p, '\n');
        if (p != NULL) {
            *p++ = '\0';
        }
    }
    const char *v = lines[0];
    bool ok = v != NULL && v[0] >= '0' && v[0] <= '9'
              && strlen(v) < sizeof(pr->version) && lines[2] != NULL;
    for (const char *c = v; ok && *c != '\0'; c++) {
        ok = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
             *c == '.' || *c == '+';
    }
    if (!ok) {
        fprintf(stderr, "slotprof: %s did not answer like a Python "
                "interpreter when asked its version; give --python PATH "
                "or --lib PATH\n", python);
        return false;
    }
    if (strcmp(lines[2], "cpython") != 0) {
        fprintf(stderr, "slotprof: %s is %s, not CPython; slotprof "
                "profiles CPython only\n", python, lines[2]);
        return false;
    }
    snprintf(pr->version, sizeof(pr->version), "%s", v);
    snprintf(pr->executable, sizeof(pr->executable), "%s",
             lines[1] != NULL ? lines[1] : "");
    return true;
}

/* The directory two levels above the running binary: PREFIX for an
 * installed PREFIX/bin/slotprof, build/ for build/tools/slotprof. */
static bool
self_prefix(char *out, size_t outlen)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n <= 0) {
        return false;
    }
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *s = strrchr(exe, '/');
        if (s == NULL) {
            return false;
        }
        *s = '\0';
    }
    if (exe[0] == '\0') {
        strcpy(exe, "/");
    }
    return snprintf(out, outlen, "%s", exe) < (int)outlen;
}

/* The library for CPython `version`, as an absolute path, into lib.
 * False after printing one slotprof: line naming every place looked in
 * and how to build the library. */
static bool
find_library(const struct probe *pr, const char *python, char *lib,
             size_t liblen)
{
    char cand[3][PATH_MAX + 128];  /* prefix + a fixed tail */
    size_t ncand = 0;
    const char *dir = getenv("SLOTPROF_LIB_DIR");
    char prefix[PATH_MAX];

    if (dir != NULL && dir[0] != '\0') {
        snprintf(cand[ncand++], sizeof(cand[0]),
                 "%s/cpython-%s/libslotprof.so", dir, pr->version);
    }
    if (self_prefix(prefix, sizeof(prefix))) {
        const char *sep = strcmp(prefix, "/") == 0 ? "" : "/";
        snprintf(cand[ncand++], sizeof(cand[0]),
                 "%s%slib/slotprof/cpython-%s/libslotprof.so", prefix, sep,
                 pr->version);
        snprintf(cand[ncand++], sizeof(cand[0]),
                 "%s%scpython-%s/libslotprof.so", prefix, sep, pr->version);
    }
    for (size_t i = 0; i < ncand; i++) {
        struct stat st;
        if (stat(cand[i], &st) == 0 && S_ISREG(st.st_mode)
            && realpath(cand[i], lib) != NULL && strlen(lib) < liblen) {
            return true;
        }
    }
    fprintf(stderr, "slotprof: no libslotprof.so for CPython %s; looked "
            "in", pr->version);
    for (size_t i = 0; i < ncand; i++) {
        fprintf(stderr, "%s %s", i ? "," : "", cand[i]);
    }
    fprintf(stderr, "; build it with: make PYTHON=%s\n",
            pr->executable[0] != '\0' ? pr->executable : python);
    return false;
}

/* LD_PRELOAD with lib first (kept as it is when lib is in it already). */
static bool
set_preload(const char *lib)
{
    const char *old = getenv("LD_PRELOAD");

    if (old == NULL || old[0] == '\0') {
        return setenv("LD_PRELOAD", lib, 1) == 0;
    }
    /* ld.so separates entries with spaces or colons. */
    size_t n = strlen(lib);
    for (const char *p = old; (p = strstr(p, lib)) != NULL; p += n) {
        bool starts = p == old || p[-1] == ' ' || p[-1] == ':';
        bool ends = p[n] == '\0' || p[n] == ' ' || p[n] == ':';
        if (starts && ends) {
            return true;
        }
    }
    size_t len = n + 1 + strlen(old) + 1;
    char *v = malloc(len);
    if (v == NULL) {
        return false;
    }
    snprintf(v, len, "%s %s", lib, old);
    bool ok = setenv("LD_PRELOAD", v, 1) == 0;
    free(v);
    return ok;
}

/* SLOTPROF_OPTIONS: the existing value, then ours (a repeated key
 * overrides an earlier one, so ours win). */
static bool
set_options(const struct run_args *ra)
{
    const char *old = getenv("SLOTPROF_OPTIONS");
    size_t len = 1;

    if (ra->noptions == 0) {
        return true;
    }
    if (old != NULL) {
        len += strlen(old) + 1;
    }
    for (size_t i = 0; i < ra->noptions; i++) {
        len += strlen(ra->options[i]) + 1;
    }
    char *v = malloc(len), *p = v;
    if (v == NULL) {
        return false;
    }
    *p = '\0';
    if (old != NULL && old[0] != '\0') {
        p += sprintf(p, "%s", old);
    }
    for (size_t i = 0; i < ra->noptions; i++) {
        p += sprintf(p, "%s%s", p == v ? "" : ",", ra->options[i]);
    }
    bool ok = setenv("SLOTPROF_OPTIONS", v, 1) == 0;
    free(v);
    return ok;
}

/* The options the library will read, checked by the library's own
 * parser (config.c), so that a typo stops here instead of running the
 * program unprofiled behind one log line. */
static bool
check_options(void)
{
    struct sp_config cfg;
    char err[512];

    if (sp_config_parse(getenv("SLOTPROF_OPTIONS"), &cfg, err,
                        sizeof(err))) {
        return true;
    }
    fprintf(stderr, "slotprof: %s\n", err);
    return false;
}

/* Returns only when COMMAND could not be started. */
static int
run(const struct run_args *ra)
{
    char cmd[PATH_MAX], python[PATH_MAX], lib[PATH_MAX];
    int rc;

    if (!resolve_command(ra->command[0], cmd, sizeof(cmd))) {
        fprintf(stderr, "slotprof: %s: command not found\n", ra->command[0]);
        return 127;
    }
    if (!set_options(ra)) {
        fprintf(stderr, "slotprof: cannot set the environment: %s\n",
                strerror(errno));
        return 2;
    }
    if (!check_options()) {
        return 2;
    }

    if (ra->lib != NULL) {
        if (realpath(ra->lib, lib) == NULL) {
            fprintf(stderr, "slotprof: --lib %s: %s\n", ra->lib,
                    strerror(errno));
            return 2;
        }
    }
    else {
        struct probe pr;
        if (ra->python != NULL) {
            if (!resolve_command(ra->python, python, sizeof(python))) {
                fprintf(stderr, "slotprof: --python %s: not found\n",
                        ra->python);
                return 2;
            }
        }
        else if (looks_like_python(cmd)) {
            snprintf(python, sizeof(python), "%s", cmd);
        }
        else if (!shebang_python(cmd, python, sizeof(python))) {
            fprintf(stderr, "slotprof: cannot tell which Python %s runs "
                    "(it is not named python*, nor a script with a python "
                    "#! line); give --python PATH or --lib PATH\n",
                    ra->command[0]);
            return 2;
        }
        if (!probe_python(python, &pr)
            || !find_library(&pr, python, lib, sizeof(lib))) {
            return 2;
        }
    }

    if (!set_preload(lib)) {
        fprintf(stderr, "slotprof: cannot set the environment: %s\n",
                strerror(errno));
        return 2;
    }
    fflush(NULL);
    execvp(ra->command[0], ra->command);
    rc = errno == ENOENT ? 127 : 126;
    fprintf(stderr, "slotprof: cannot run %s: %s\n", ra->command[0],
            strerror(errno));
    return rc;
}

int
sp_cmd_run(int argc, char **argv)
{
    struct run_args ra = {0};
    bool done = false;
    int rc;

    if ((rc = parse_args(argc, argv, &ra, &done)) == 0 && !done) {
        rc = run(&ra);
    }
    free(ra.output);
    free(ra.options);
    return rc;
}
