/*
 * slotprof.c -- the `slotprof` command: main, the subcommand table, and
 * `slotprof report`.
 *
 * The command works outside the profiled process (heaptrack's split: the
 * in-process part small, rendering elsewhere).  Each subcommand is one
 * function `int sp_cmd_NAME(int argc, char **argv)` in its own file
 * (cli.h); this file only dispatches, and implements `report`, which is
 * load.c plus one renderer.
 *
 * Subcommands and renderers built in other files may be missing from a
 * build: weak fallbacks below then say "not built in" and exit 2, so the
 * command links whatever subset of tools/ is there.
 *
 * Exit codes: 0 ok, 1 a check failed (diff --fail-if-worse), 2 usage
 * error or unreadable input.  Messages: one "slotprof: " line on stderr.
 */
#include "cli.h"

#include <errno.h>              /* errno, EPIPE */
#include <inttypes.h>           /* strtoumax */
#include <stdarg.h>             /* va_list */
#include <stdio.h>              /* fprintf, fputs, stderr, stdout */
#include <stdlib.h>             /* strtoull */
#include <string.h>             /* strcmp, strncmp, strerror */

#ifndef SP_TOOLS_VERSION
#define SP_TOOLS_VERSION "0.2.0"
#endif

#define MAIN_USAGE \
    "usage: slotprof COMMAND [ARGS...]\n" \
    "\n" \
    "Which classes should declare __slots__, and how many bytes would that\n" \
    "save?  Profile a CPython program, then read, compare and merge its\n" \
    "reports.\n" \
    "\n" \
    "commands:\n" \
    "  run [--option K=V]... -- PYTHON PROGRAM...\n" \
    "                       run a program under libslotprof.so\n" \
    "  report FILE.json [--format text|json|folded|html|pprof]\n" \
    "                       render a JSON report\n" \
    "  diff BEFORE.json AFTER.json [--fail-if-worse[=BYTES]]\n" \
    "                       compare two reports\n" \
    "  merge FILE.json... [-o OUT]\n" \
    "                       merge the reports of one session\n" \
    "  help [COMMAND]       this text, or a command's\n" \
    "\n" \
    "`slotprof COMMAND --help` describes each command.\n" \
    "exit status: 0 ok, 1 a check failed (diff --fail-if-worse),\n" \
    "2 usage error or unreadable input.\n"

#define REPORT_USAGE \
    "usage: slotprof report FILE.json [--format FORMAT] [--weight WEIGHT]\n" \
    "                       [--top N] [-o OUT]\n" \
    "\n" \
    "Render a JSON report written by libslotprof (`-` reads stdin).\n" \
    "\n" \
    "  -f, --format FORMAT  text (default): the report the library prints;\n" \
    "                       json: the report again, as the library writes " \
    "it;\n" \
    "                       folded: one `class;frame;... WEIGHT` line per\n" \
    "                         allocation site, for flamegraph.pl, inferno,\n" \
    "                         speedscope;\n" \
    "                       html: one self-contained page;\n" \
    "                       pprof: a gzipped profile.proto (`go tool " \
    "pprof`)\n" \
    "  -w, --weight WEIGHT  folded: savable_bytes (default), instances or\n" \
    "                       allocations\n" \
    "      --top N          text: rows in the table (default 20, 0 = all)\n" \
    "  -o, --output OUT     write to OUT (atomically) instead of stdout\n" \
    "  -h, --help           this text\n"

void
sp_cli_error(const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "slotprof: %s\n", line);
}

bool
sp_cli_write_out(const char *path_or_null, const struct sp_buf *b)
{
    if (!sp_buf_ok(b)) {
        sp_cli_error("out of memory");
        return false;
    }
    if (path_or_null == NULL || strcmp(path_or_null, "-") == 0) {
        fflush(stdout);
        if (!sp_write_all(1, b->data != NULL ? b->data : "", b->len)) {
            /* A reader that went away (`| head`) is not worth a line. */
            if (errno != EPIPE) {
                sp_cli_error("cannot write to stdout: %s", strerror(errno));
            }
            return false;
        }
        return true;
    }
    /* Logs "slotprof: cannot write report to PATH: REASON" itself. */
    return sp_output_write_atomic(path_or_null, b->data != NULL ? b->data : "",
                                  b->len);
}

/* ------------------------------------------------------------ fallbacks */

/* Weak: a build without the file that defines the real one still links. */
__attribute__((weak)) int
sp_cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    sp_cli_error("command run is not built in");
    return SP_EXIT_USAGE;
}

__attribute__((weak)) int
sp_cmd_diff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    sp_cli_error("command diff is not built in");
    return SP_EXIT_USAGE;
}

__attribute__((weak)) int
sp_cmd_merge(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    sp_cli_error("command merge is not built in");
    return SP_EXIT_USAGE;
}

__attribute__((weak)) void
sp_render_html(const struct sp_report *r, struct sp_buf *b)
{
    (void)r;
    (void)b;
    sp_cli_error("format html is not built in");
    exit(SP_EXIT_USAGE);
}

__attribute__((weak)) bool
sp_render_pprof(const struct sp_report *r, struct sp_buf *b, char *err,
                size_t errlen)
{
    (void)r;
    (void)b;
    (void)err;
    (void)errlen;
    sp_cli_error("format pprof is not built in");
    exit(SP_EXIT_USAGE);
}

/* ------------------------------------------------------------ report */

enum format { FMT_TEXT, FMT_JSON, FMT_FOLDED, FMT_HTML, FMT_PPROF };

static bool
parse_format(const char *s, enum format *f)
{
    static const struct {
        const char *name;
        enum format f;
    } formats[] = {
        {"text", FMT_TEXT}, {"json", FMT_JSON}, {"folded", FMT_FOLDED},
        {"html", FMT_HTML}, {"pprof", FMT_PPROF},
    };

    for (size_t i = 0; i < SP_ARRAY_LEN(formats); i++) {
        if (strcmp(s, formats[i].name) == 0) {
            *f = formats[i].f;
            return true;
        }
    }
    return false;
}

/* The value of option argv[*i]: "--name=VALUE" or "--name VALUE" (then
 * *i moves on).  NULL, with a message, when it is missing. */
static const char *
option_value(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);

    if (strncmp(a, name, n) == 0 && a[n] == '=') {
        return a + n + 1;
    }
    if (*i + 1 >= argc) {
        sp_cli_error("%s needs a value (slotprof report --help)", name);
        return NULL;
    }
    return argv[++*i];
}

/* Does argv[i] name option `long_name` (or short_name), with or without
 * "=VALUE"? */
static bool
is_option(const char *a, const char *long_name, const char *short_name)
{
    size_t n = strlen(long_name);

    if (short_name != NULL && strcmp(a, short_name) == 0) {
        return true;
    }
    return strncmp(a, long_name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

int
sp_cmd_report(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *v;
    enum format fmt = FMT_TEXT;
    enum sp_weight weight = SP_WEIGHT_SAVABLE_BYTES;
    bool weight_given = false;
    uint64_t top = 20;
    char err[512];
    int rc = SP_EXIT_USAGE;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(REPORT_USAGE, stdout);
            return SP_EXIT_OK;
        }
        if (is_option(a, "--format", "-f")) {
            if ((v = option_value(argc, argv, &i, "--format")) == NULL) {
                return SP_EXIT_USAGE;
            }
            if (!parse_format(v, &fmt)) {
                sp_cli_error("unknown format '%s' (text, json, folded, html "
                             "or pprof)", v);
                return SP_EXIT_USAGE;
            }
        }
        else if (is_option(a, "--weight", "-w")) {
            if ((v = option_value(argc, argv, &i, "--weight")) == NULL) {
                return SP_EXIT_USAGE;
            }
            if (!sp_weight_parse(v, &weight)) {
                sp_cli_error("unknown weight '%s' (savable_bytes, instances "
                             "or allocations)", v);
                return SP_EXIT_USAGE;
            }
            weight_given = true;
        }
        else if (is_option(a, "--output", "-o")) {
            if ((v = option_value(argc, argv, &i, "--output")) == NULL) {
                return SP_EXIT_USAGE;
            }
            out = v;
        }
        else if (is_option(a, "--top", NULL)) {
            char *end;
            if ((v = option_value(argc, argv, &i, "--top")) == NULL) {
                return SP_EXIT_USAGE;
            }
            errno = 0;
            unsigned long long n = strtoull(v, &end, 10);
            if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0) {
                sp_cli_error("--top wants a number of rows (0 = all), not "
                             "'%s'", v);
                return SP_EXIT_USAGE;
            }
            top = n;
        }
        else if (strcmp(a, "--") == 0) {
            if (i + 2 != argc || file != NULL) {
                sp_cli_error("one report after '--' (slotprof report "
                             "--help)");
                return SP_EXIT_USAGE;
            }
            file = argv[++i];
        }
        else if (a[0] == '-' && a[1] != '\0') {
            sp_cli_error("unknown option '%s' (slotprof report --help)", a);
            return SP_EXIT_USAGE;
        }
        else if (file != NULL) {
            sp_cli_error("one report at a time: '%s' and '%s' (slotprof "
                         "merge joins reports)", file, a);
            return SP_EXIT_USAGE;
        }
        else {
            file = a;
        }
    }
    if (file == NULL) {
        sp_cli_error("which report? usage: slotprof report FILE.json "
                     "[--format FORMAT] (slotprof report --help)");
        return SP_EXIT_USAGE;
    }
    if (weight_given && fmt != FMT_FOLDED) {
        sp_cli_error("--weight applies to --format folded only");
        return SP_EXIT_USAGE;
    }

    struct sp_report *r = sp_report_load(file, err, sizeof(err));
    if (r == NULL) {
        sp_cli_error("%s", err);
        return SP_EXIT_USAGE;
    }
    struct sp_buf b;
    sp_buf_init(&b);
    switch (fmt) {
    case FMT_TEXT:
        sp_report_text(r, top, &b);
        break;
    case FMT_JSON:
        sp_report_json(r, &b);
        break;
    case FMT_FOLDED:
        if (!sp_render_folded_possible(r, weight, err, sizeof(err))) {
            sp_cli_error("%s: %s", file, err);
            goto done;
        }
        sp_render_folded(r, weight, &b);
        break;
    case FMT_HTML:
        sp_render_html(r, &b);
        break;
    case FMT_PPROF:
        err[0] = '\0';
        if (!sp_render_pprof(r, &b, err, sizeof(err))) {
            sp_cli_error("%s: %s", file,
                         err[0] != '\0' ? err : "cannot render pprof");
            goto done;
        }
        break;
    }
    rc = sp_cli_write_out(out, &b) ? SP_EXIT_OK : SP_EXIT_USAGE;
done:
    sp_buf_free(&b);
    sp_report_load_free(r);
    return rc;
}

/* ------------------------------------------------------------ main */

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {"run", sp_cmd_run},
    {"report", sp_cmd_report},
    {"diff", sp_cmd_diff},
    {"merge", sp_cmd_merge},
};

static int
find_command(const char *name)
{
    for (size_t i = 0; i < SP_ARRAY_LEN(commands); i++) {
        if (strcmp(name, commands[i].name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

int
main(int argc, char **argv)
{
    int k;

    if (argc < 2) {
        fputs(MAIN_USAGE, stderr);
        return SP_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(MAIN_USAGE, stdout);
        return SP_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("slotprof %s\n", SP_TOOLS_VERSION);
        return SP_EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc == 2) {
            fputs(MAIN_USAGE, stdout);
            return SP_EXIT_OK;
        }
        if (argc > 3 || (k = find_command(argv[2])) < 0) {
            sp_cli_error("no command '%s' (slotprof --help lists them)",
                         argv[2]);
            return SP_EXIT_USAGE;
        }
        char help[] = "--help";
        char *hargv[] = {argv[2], help, NULL};
        return commands[k].fn(2, hargv);
    }
    if ((k = find_command(cmd)) < 0) {
        sp_cli_error("unknown command '%s' (slotprof --help lists them)",
                     cmd);
        return SP_EXIT_USAGE;
    }
    return commands[k].fn(argc - 1, argv + 1);
}
