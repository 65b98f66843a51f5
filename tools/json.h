/*
 * json.h -- a small, strict RFC 8259 JSON parser into a tree.
 *
 * Strict means: exactly the grammar of RFC 8259 and nothing more (no
 * comments, no trailing commas, no NaN, no leading zeros, no byte order
 * mark, no raw control characters in strings), input and strings valid
 * UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF), and
 * every \u escape a scalar value (a high surrogate only with its low one).
 * Duplicate object keys are kept, in order: the caller decides (the
 * report loader rejects them for the keys it reads).
 *
 * Objects keep their key order.  Numbers keep their text, so a caller
 * reads an integer exactly (up to 2^64 - 1, or down to -2^63) instead of
 * through a double.  Nesting deeper than SP_JSON_MAX_DEPTH is an error
 * (the parser recurses once per level).
 *
 * Only libc: plain malloc and free.
 */
#ifndef SLOTPROF_JSON_H
#define SLOTPROF_JSON_H

#include <stdbool.h>            /* bool */
#include <stddef.h>             /* size_t */
#include <stdint.h>             /* uint64_t, int64_t */

#define SP_JSON_MAX_DEPTH 256

enum sp_json_type {
    SP_JSON_NULL = 0,
    SP_JSON_FALSE,
    SP_JSON_TRUE,
    SP_JSON_NUMBER,
    SP_JSON_STRING,
    SP_JSON_ARRAY,
    SP_JSON_OBJECT,
};

struct sp_json_member;

struct sp_json {
    enum sp_json_type type;
    size_t offset;          /* of the value's first byte in the input */
    /* STRING: the decoded UTF-8, NUL-terminated (len excludes the NUL;
     * a "\u0000" escape makes strlen(text) < len).  NUMBER: its text as
     * written.  Otherwise NULL. */
    char *text;
    size_t len;
    struct sp_json *items;              /* ARRAY: n elements */
    struct sp_json_member *members;     /* OBJECT: n members, in order */
    size_t n;
};

struct sp_json_member {
    char *key;              /* decoded, NUL-terminated */
    size_t keylen;
    size_t offset;          /* of the key's opening quote */
    struct sp_json value;
};

/* Parse data[0..len) as one JSON text.  On success *out holds the root
 * (free it with sp_json_free) and true is returned.  On failure false,
 * *out is zeroed and err holds "byte N: what was wrong" (N counted from
 * 0). */
bool sp_json_parse(const char *data, size_t len, struct sp_json *out,
                   char *err, size_t errlen);
/* Frees what v owns (not v itself) and zeroes it. */
void sp_json_free(struct sp_json *v);

/* The first member of object v named key, or NULL (also when v is not an
 * object).  With dup non-NULL, *dup is set when key occurs again. */
const struct sp_json *sp_json_get(const struct sp_json *v, const char *key,
                                  bool *dup);

/* A NUMBER written as an integer (no fraction, no exponent) that fits:
 * true and *out set; false otherwise. */
bool sp_json_u64(const struct sp_json *v, uint64_t *out);
bool sp_json_i64(const struct sp_json *v, int64_t *out);
/* Any NUMBER, as the nearest double (strtod; the C locale is assumed). */
bool sp_json_double(const struct sp_json *v, double *out);

/* "null", "a string", ...: for error messages. */
const char *sp_json_type_name(enum sp_json_type t);

#endif /* SLOTPROF_JSON_H */
