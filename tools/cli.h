/*
 * cli.h -- what the files of the `slotprof` command share.
 *
 * The command renders reports outside the profiled process: it reads a
 * JSON report back into the library's own `struct sp_report`
 * (profiler/internal.h) and renders it with the library's writers
 * (sp_report_text, sp_report_json) or with the tools' own (folded, html,
 * pprof).  Each subcommand lives in its own file and has one entry point
 * here; slotprof.c only dispatches.
 *
 * Exit codes of every subcommand: 0 ok, 1 a check failed (diff
 * --fail-if-worse), 2 usage error or unreadable / invalid input.  Every
 * message goes to stderr as one line prefixed "slotprof: ".
 *
 * The tools are built with -DSLOTPROF_BUILD -DSLOTPROF_SYSTEM_ALLOC:
 * sp_malloc is libc's malloc here, and internal.h is usable as is.
 */
#ifndef SLOTPROF_CLI_H
#define SLOTPROF_CLI_H

#include "internal.h"           /* struct sp_report, struct sp_buf */

#include <stdbool.h>            /* bool */
#include <stddef.h>             /* size_t */

/* Exit codes. */
#define SP_EXIT_OK 0
#define SP_EXIT_WORSE 1
#define SP_EXIT_USAGE 2

/* ------------------------------------------------------------------ */
/* load.c -- a JSON report (docs/report-format.md, version 1) back into a
 * struct sp_report, parsed by jansson and read by the field tables of
 * load_schema.c (load.h).  Keys "added within version 1" that are missing
 * take their documented defaults, so older reports load; unknown keys are
 * ignored; a key of the wrong type, a document that is not a
 * "slotprof-report" or of another version is an error.  Integers are
 * read from -2^63 to 2^63-1 (jansson's long long).
 *
 * The report returned owns everything it points to, including what
 * internal.h calls static (census triggers, session.kind, allocs.counting)
 * and the series (session.series points into the same allocation).
 * Free it with sp_report_load_free(), NEVER sp_report_free(): the
 * report is the first member of a larger allocation.
 *
 * On failure: NULL, and one sentence in err (no "slotprof: " prefix),
 * beginning with the file name: "r.json: classes[2].instances: expected
 * an integer from 0 to 2^63-1, found -1", "r.json: not valid JSON: line
 * 3, column 17 (byte 40): invalid token near '01'". */
struct sp_report *sp_report_load(const char *path, char *err, size_t errlen);
/* The same from memory; name is what error messages call the input. */
struct sp_report *sp_report_load_mem(const char *data, size_t len,
                                     const char *name, char *err,
                                     size_t errlen);
/* Frees a report from sp_report_load*() (NULL is fine). */
void sp_report_load_free(struct sp_report *r);

/* ------------------------------------------------------------------ */
/* folded.c -- one line per allocation site, "frame;frame;... WEIGHT", the
 * input of flamegraph.pl, inferno and speedscope. */
enum sp_weight {
    SP_WEIGHT_SAVABLE_BYTES = 0,    /* the default */
    SP_WEIGHT_INSTANCES,
    SP_WEIGHT_ALLOCATIONS,
};
/* "savable_bytes", "instances", "allocations" -> w.  False otherwise. */
bool sp_weight_parse(const char *s, enum sp_weight *w);
const char *sp_weight_name(enum sp_weight w);
/* The folded stacks of r for weight w.  A report without allocation
 * sites gives one "module.qualname;[unsampled] W" line per class (no
 * line at all for SP_WEIGHT_ALLOCATIONS without an allocations section:
 * check sp_render_folded_possible first). */
void sp_render_folded(const struct sp_report *r, enum sp_weight w,
                      struct sp_buf *b);
/* False, with a sentence in err, when r lacks what weight w needs. */
bool sp_render_folded_possible(const struct sp_report *r, enum sp_weight w,
                               char *err, size_t errlen);

/* html.c -- one self-contained HTML page. */
void sp_render_html(const struct sp_report *r, struct sp_buf *b);
/* pprof.c -- a gzipped profile.proto.  False with a sentence in err. */
bool sp_render_pprof(const struct sp_report *r, struct sp_buf *b, char *err,
                     size_t errlen);

/* ------------------------------------------------------------------ */
/* Subcommands.  argv[0] is the subcommand's name ("run", "diff", ...);
 * each returns the process's exit code. */
int sp_cmd_report(int argc, char **argv);   /* slotprof.c */
int sp_cmd_run(int argc, char **argv);      /* run.c */
int sp_cmd_diff(int argc, char **argv);     /* diff.c */
int sp_cmd_merge(int argc, char **argv);    /* merge.c */

/* ------------------------------------------------------------------ */
/* slotprof.c -- small helpers for every subcommand. */

/* Write b to path, or to stdout when path is NULL or "-".  A file is
 * written atomically (sp_output_write_atomic).  False after printing one
 * "slotprof: " line (also when b failed to allocate). */
bool sp_cli_write_out(const char *path_or_null, const struct sp_buf *b);
/* One line "slotprof: ..." on stderr. */
void sp_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SLOTPROF_CLI_H */
