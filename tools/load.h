/*
 * load.h -- the parts of the report loader (sp_report_load, cli.h).
 *
 * jansson parses the document; the loader then walks it with tables, one
 * per JSON object of docs/report-format.md, each row naming a key, what it
 * must hold and where in the report it goes (load_schema.c).  One
 * interpreter (load_field.c) reads every row, so a key's type, its
 * "missing" and "expected ..., found ..." messages and its default come
 * from its kind, the same for all keys.  What is not one key into one
 * field -- the blockers and warnings sharing one array, stack frames
 * indexing the frame table, the column-wise series (load_series.c) -- is
 * a row of kind SP_LOAD_CUSTOM calling a function of its own.
 *
 * Adding a report field is one row in load_schema.c, in the table of the
 * object the key belongs to:
 *
 *     U64("new_count", new_count, 0),     optional: 0 when missing
 *     U64("new_count", new_count, REQ),   a missing key is an error
 *
 * (and its word in tests/fuzz/report.dict, for the fuzzer).
 * Messages name the key by its path ("classes[3].plan[0].names") and go
 * through sp_load_fail(): one sentence, the first failure wins.
 */
#ifndef SLOTPROF_LOAD_H
#define SLOTPROF_LOAD_H

#include "cli.h"                /* struct sp_report, internal.h */

#include <jansson.h>            /* json_t */
#include <stdbool.h>            /* bool */
#include <stddef.h>             /* size_t */

/* The report and what it borrows, in one allocation (cli.h: free with
 * sp_report_load_free). */
struct sp_loaded {
    struct sp_report report;    /* first: the pointer callers hold */
    struct sp_series series;    /* report.session.series when present */
    bool has_series;
    char **owned;               /* strings internal.h calls static */
    size_t nowned;
    size_t owned_cap;
};

/* One load in progress. */
struct sp_load_ctx {
    const char *name;           /* of the input, for messages */
    char *err;
    size_t errlen;
    bool failed;
    struct sp_loaded *L;
};

/* Where a value sits, for messages: "classes[3].plan[0].names" ("" is
 * the document itself).  A path too long for the buffer is cut. */
struct sp_load_where {
    char s[256];
};
void sp_load_at_key(struct sp_load_where *out, const struct sp_load_where *in,
                    const char *key);
void sp_load_at_index(struct sp_load_where *out,
                      const struct sp_load_where *in, size_t i);

/* Records "NAME: <message>" as the load's error, unless one is recorded
 * already.  Returns false, for `return sp_load_fail(...)`. */
bool sp_load_fail(struct sp_load_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* What v is, for messages: its number ("-1", "1.0"), or its type ("a
 * string", "null"); buf holds a number's text. */
const char *sp_load_describe(const json_t *v, char *buf, size_t len);
/* "W: expected WHAT, found V" (V: sp_load_describe).  False. */
bool sp_load_wrong(struct sp_load_ctx *c, const struct sp_load_where *w,
                   const char *what, const json_t *v);

/* A word internal.h keeps as a static string (census triggers,
 * session.kind, allocs.counting): a literal for the known words, else a
 * copy the loaded report owns.  NULL after recording an error. */
const char *sp_load_intern(struct sp_load_ctx *c, const char *s);

/* ------------------------------------------------------------ the tables */

enum sp_load_kind {
    SP_LOAD_U64,        /* uint64_t: an integer from 0 to 2^63-1 */
    SP_LOAD_I64,        /* int64_t */
    SP_LOAD_INT,        /* int from 0 to INT_MAX; null gives 0 */
    SP_LOAD_BOOL,       /* bool */
    SP_LOAD_SECONDS,    /* double; null gives NaN (the writer's null) */
    SP_LOAD_MICROS,     /* uint64_t microseconds from seconds; null: 0 */
    SP_LOAD_STR,        /* char *, a copy; null gives NULL */
    SP_LOAD_CHARS,      /* char[aux], NUL-terminated; null gives "" */
    SP_LOAD_WORD,       /* const char *, sp_load_intern(); null: NULL */
    SP_LOAD_ENUM,       /* an enum: the index of the string in words */
    SP_LOAD_NAMES,      /* char ** of strings, count at aux */
    SP_LOAD_NUMBER,     /* a derived number: checked, not stored */
    SP_LOAD_OBJECT,     /* an object read by table sub into base + at */
    SP_LOAD_ARRAY,      /* objects read by table sub into a fresh array:
                           pointer at `at`, count (size_t) at aux */
    SP_LOAD_CUSTOM,     /* fn reads what it needs of the object */
};

/* Row flags. */
#define SP_LOAD_REQUIRED 0x1    /* missing: an error (else the default) */
#define SP_LOAD_NULLABLE 0x2    /* null accepted, with the kind's meaning */
#define SP_LOAD_PRESENT 0x4     /* OBJECT: set the bool at aux when read */

struct sp_load_table;

/* A custom row: reads from object o (at w) into base.  False after
 * recording an error. */
typedef bool (*sp_load_fn)(struct sp_load_ctx *c, const json_t *o,
                           const struct sp_load_where *w, void *base);

struct sp_load_field {
    const char *key;
    enum sp_load_kind kind;
    unsigned flags;
    size_t at;                  /* offset of the destination in base */
    size_t aux;                 /* CHARS: capacity; NAMES, ARRAY: offset of
                                   the count; OBJECT: of the presence flag */
    const struct sp_load_table *sub;    /* OBJECT, ARRAY */
    const char *const *words;   /* ENUM: the words, NULL-terminated */
    const char *dflt;           /* WORD: the value of a missing key */
    sp_load_fn fn;              /* CUSTOM */
};

/* The rows of one JSON object, in the order they are checked (the first
 * failure is the one reported); size: of the struct one element fills
 * (ARRAY). */
struct sp_load_table {
    const struct sp_load_field *rows;
    size_t nrows;
    size_t size;
};

/* Reads the members of object o (at w) into base, row by row.  False
 * after recording an error; what was read stays in base, owned by it. */
bool sp_load_object(struct sp_load_ctx *c, const json_t *o,
                    const struct sp_load_where *w,
                    const struct sp_load_table *t, void *base);

/* For custom rows: the member key of o, or NULL (an error recorded when
 * required: "W.KEY: missing"). */
const json_t *sp_load_member(struct sp_load_ctx *c, const json_t *o,
                             const struct sp_load_where *w, const char *key,
                             bool required);
/* v as a C string: a JSON string without NUL characters (with nullable,
 * null gives NULL without an error).  NULL after recording an error. */
const char *sp_load_cstr(struct sp_load_ctx *c, const json_t *v,
                         const struct sp_load_where *w, bool nullable);

/* load_schema.c: the document's table (docs/report-format.md). */
extern const struct sp_load_table sp_load_report_v1;
/* load_series.c: the "series" key (a custom row of the document). */
bool sp_load_series(struct sp_load_ctx *c, const json_t *root,
                    const struct sp_load_where *w, void *report);

#endif /* SLOTPROF_LOAD_H */
