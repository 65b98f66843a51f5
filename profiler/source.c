/*
 * source.c -- what a module's source text says about its classes.
 *
 * Three questions need the program's source, and asking CPython would
 * mean running Python code (inspect, ast) inside the host:
 *   - where is `class X` (the report's "where", and the evidence lines);
 *   - which attributes does a class's own code assign through `self.X`
 *     (CPython 3.13+ records these in __static_attributes__; older
 *     versions do not): a name only a rarely taken path sets is still a
 *     name the slots must hold;
 *   - does any code of the program assign `.X` on some object, or call
 *     setattr(obj, 'X', ...): a class-level default X that code assigns
 *     on an instance is a hazard under __slots__ (plan.c).
 *
 * A small tokenizer in the spirit of Python's own (Parser/tokenizer.c):
 * comments, string literals of every form (prefixes, triple quotes,
 * f-strings with nested replacement fields), brackets, backslash
 * continuations, logical lines and indentation.  Each logical line is
 * split into simple statements, and assignment targets are found the
 * way the grammar finds them: everything left of a top-level `=`, an
 * augmented assignment, an annotated assignment with a value, `del`,
 * `for ... in` and `with ... as`.  It is not a parser: code it cannot
 * read gives fewer facts, never a crash.
 *
 * Every file is read and indexed once per process (regular files only,
 * opened non-blocking, at most 16 MiB), then only the index is kept, in
 * the profiler's own heap: censuses that ask about 3,000 classes of one
 * module read it once.  Python-free.
 */
#include "internal.h"

#include <fcntl.h>              /* open */
#include <stdio.h>              /* snprintf */
#include <string.h>             /* memcmp, strlen, strncmp */
#include <sys/stat.h>           /* fstat, S_ISREG */
#include <unistd.h>             /* read, close */

#define MAX_SOURCE (16u << 20)
#define MAX_BLOCKS 256          /* nesting depth we follow */
#define MAX_FSTRING 8           /* f-string nesting we follow */

/* What the index keeps, per file.  Strings are owned by the index. */
struct rec {
    uint32_t cls;           /* class index, for SELF and DEFAULT */
    uint8_t kind;
    int line;
    const char *name;       /* interned in the index's names */
};

/* Record kinds.  SELF and DEFAULT are kept in recs (iterated per
 * class); the others only in the index, first line first.  FACT: what a
 * class's own code does (tag by class); USE: what any code of the file
 * does (tag 0). */
enum { K_SELF = 1, K_DEFAULT = 2, K_ANY = 3, K_FACT = 4, K_USE = 5 };

struct sp_source {
    char *path;
    char **qualnames;       /* per class, in source order */
    int *lines;             /* class statement lines */
    size_t nclasses;
    struct rec *recs;       /* SELF and DEFAULT records, source order */
    size_t nrecs;
    struct sp_strmap index; /* (tag, name) -> line; see tag() */
    struct sp_strmap names; /* interned strings (tag 0) */
    char **owned;           /* the interned strings, to free them */
    size_t nowned;
};

/* Tags of the index map: classes by qualname, records by (class, kind),
 * stores anywhere by name. */
static uint64_t
tag(uint64_t cls, int kind)
{
    return (cls << 3) | (uint64_t)kind;
}
#define TAG_CLASS 0     /* qualname -> class index (kind 0, cls 0) */

/* ------------------------------------------------------------ reading */

static char *
slurp(const char *path, size_t *len)
{
    /* A module's __file__ can be a FIFO or a terminal (python /dev/stdin):
     * never block on it, read regular files only. */
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = sp_malloc(cap + 1);
    while (buf != NULL) {
        if (n == cap) {
            if (cap >= MAX_SOURCE) {
                break;
            }
            char *nb = sp_realloc(buf, cap * 2 + 1);
            if (nb == NULL) {
                sp_free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k <= 0) {
            break;
        }
        n += (size_t)k;
    }
    close(fd);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* ------------------------------------------------------------ tokens */

enum { T_NAME = 1, T_STR, T_NUM, T_OP };

struct tok {
    const char *p;
    uint32_t len;
    uint8_t kind;
    uint8_t open;           /* T_OP '(' '[' '{': 1 if it opens a call or
                               subscript (follows an expression) */
    uint16_t depth;         /* bracket depth before the token */
    int line;
};

struct lexer {
    const char *s;          /* current position */
    int line;
    struct tok *toks;       /* the current logical line */
    size_t ntoks, cap;
    bool failed;
};

static bool
is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
           || c >= 0x80;
}

static bool
is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static void
push_tok(struct lexer *lx, const char *p, size_t len, int kind, int depth,
         int line)
{
    if (lx->ntoks == lx->cap) {
        size_t cap = lx->cap ? lx->cap * 2 : 256;
        void *np = sp_realloc(lx->toks, cap * sizeof(*lx->toks));
        if (np == NULL) {
            lx->failed = true;
            return;
        }
        lx->toks = np;
        lx->cap = cap;
    }
    struct tok *t = &lx->toks[lx->ntoks++];
    t->p = p;
    t->len = (uint32_t)len;
    t->kind = (uint8_t)kind;
    t->open = 0;
    t->depth = (uint16_t)(depth < 65535 ? depth : 65535);
    t->line = line;
}

/* Skip a string literal whose opening quote is at p (prefix already
 * read); fstring: replacement fields may hold any code, nested strings
 * included (3.12 allows the same quote inside).  Returns the position
 * after the literal; counts newlines into *line. */
static const char *
skip_string(const char *p, bool raw, bool fstring, int *line, int nest)
{
    char q = *p;
    bool triple = p[1] == q && p[2] == q;
    p += triple ? 3 : 1;
    while (*p != '\0') {
        if (*p == '\\' && p[1] != '\0') {
            if (p[1] == '\n') {
                (*line)++;
            }
            p += 2;
            continue;
        }
        (void)raw;      /* a raw string still cannot end at \" */
        if (*p == '\n') {
            if (!triple) {
                return p;       /* unterminated: the line ends it */
            }
            (*line)++;
        }
        if (*p == q && (!triple || (p[1] == q && p[2] == q))) {
            return p + (triple ? 3 : 1);
        }
        if (fstring && *p == '{') {
            if (p[1] == '{') {
                p += 2;
                continue;
            }
            /* A replacement field: code up to the matching '}'. */
            int depth = 1;
            p++;
            while (*p != '\0' && depth > 0) {
                if (*p == '"' || *p == '\'') {
                    p = nest < MAX_FSTRING
                            ? skip_string(p, false, true, line, nest + 1)
                            : p + 1;
                    continue;
                }
                if (*p == '{') {
                    depth++;
                }
                else if (*p == '}') {
                    depth--;
                }
                else if (*p == '\n') {
                    (*line)++;
                }
                p++;
            }
            continue;
        }
        p++;
    }
    return p;
}

/* A string prefix (r, b, u, f, and pairs) right before a quote? */
static bool
string_prefix(const char *p, size_t n, bool *raw, bool *fstring)
{
    *raw = *fstring = false;
    if (n > 2) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = (char)(p[i] | 0x20);
        if (c == 'r') {
            *raw = true;
        }
        else if (c == 'f' || c == 't') {
            *fstring = true;
        }
        else if (c != 'b' && c != 'u') {
            return false;
        }
    }
    return true;
}

static const char *const ops3[] = {"**=", "//=", ">>=", "<<=", "...", NULL};
static const char *const ops2[] = {"+=", "-=", "*=", "/=", "%=", "@=", "&=",
                                   "|=", "^=", "==", "!=", "<=", ">=", ":=",
                                   "->", "**", "//", "<<", ">>", NULL};

static size_t
op_len(const char *p)
{
    for (size_t i = 0; ops3[i] != NULL; i++) {
        if (strncmp(p, ops3[i], 3) == 0) {
            return 3;
        }
    }
    for (size_t i = 0; ops2[i] != NULL; i++) {
        if (strncmp(p, ops2[i], 2) == 0) {
            return 2;
        }
    }
    return 1;
}

/* Read one logical line into lx->toks.  Returns its indentation, or -1
 * at the end of the file.  Blank and comment-only lines are skipped. */
static int
next_line(struct lexer *lx)
{
    for (;;) {
        const char *p = lx->s;
        int indent = 0;
        lx->ntoks = 0;
        if (*p == '\0') {
            return -1;
        }
        while (*p == ' ' || *p == '\t' || *p == '\f') {
            indent = *p == '\t' ? (indent / 8 + 1) * 8 : *p == '\f' ? 0
                                                                      : indent + 1;
            p++;
        }
        int depth = 0;
        while (*p != '\0') {
            unsigned char c = (unsigned char)*p;
            if (c == '#') {
                while (*p != '\0' && *p != '\n') {
                    p++;
                }
                continue;
            }
            if (c == '\\' && p[1] == '\n') {
                p += 2;
                lx->line++;
                continue;
            }
            if (c == '\\' && p[1] == '\r' && p[2] == '\n') {
                p += 3;
                lx->line++;
                continue;
            }
            if (c == '\n') {
                lx->line++;
                p++;
                if (depth == 0) {
                    break;
                }
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
                p++;
                continue;
            }
            if (is_name_start(c)) {
                const char *q = p;
                while (is_name_char((unsigned char)*q)) {
                    q++;
                }
                bool raw, fs;
                if ((*q == '"' || *q == '\'')
                    && string_prefix(p, (size_t)(q - p), &raw, &fs)) {
                    int line = lx->line;
                    const char *e = skip_string(q, raw, fs, &lx->line, 0);
                    push_tok(lx, p, (size_t)(e - p), T_STR, depth, line);
                    p = e;
                    continue;
                }
                push_tok(lx, p, (size_t)(q - p), T_NAME, depth, lx->line);
                p = q;
                continue;
            }
            if (c == '"' || c == '\'') {
                int line = lx->line;
                const char *e = skip_string(p, false, false, &lx->line, 0);
                push_tok(lx, p, (size_t)(e - p), T_STR, depth, line);
                p = e;
                continue;
            }
            if ((c >= '0' && c <= '9')
                || (c == '.' && p[1] >= '0' && p[1] <= '9')) {
                const char *q = p + 1;
                while (is_name_char((unsigned char)*q) || *q == '.'
                       || ((*q == '+' || *q == '-')
                           && (q[-1] == 'e' || q[-1] == 'E'))) {
                    q++;
                }
                push_tok(lx, p, (size_t)(q - p), T_NUM, depth, lx->line);
                p = q;
                continue;
            }
            size_t n = op_len(p);
            push_tok(lx, p, n, T_OP, depth, lx->line);
            if (n == 1 && (c == '(' || c == '[' || c == '{')) {
                /* Opens a call or subscript when it follows an
                 * expression; otherwise a display or a group. */
                struct tok *t = &lx->toks[lx->ntoks - 1];
                if (lx->ntoks >= 2 && c != '{') {
                    const struct tok *b = &lx->toks[lx->ntoks - 2];
                    t->open = b->kind == T_NAME || b->kind == T_STR
                              || (b->kind == T_OP && b->len == 1
                                  && (*b->p == ')' || *b->p == ']'
                                      || *b->p == '}'));
                }
                depth++;
            }
            else if (n == 1 && (c == ')' || c == ']' || c == '}')) {
                depth = depth > 0 ? depth - 1 : 0;
            }
            p += n;
        }
        lx->s = p;
        if (lx->failed) {
            return -1;
        }
        if (lx->ntoks > 0) {
            return indent;
        }
    }
}

/* ------------------------------------------------------------ index */

static bool
tok_is(const struct tok *t, const char *s)
{
    size_t n = strlen(s);
    return t->len == n && memcmp(t->p, s, n) == 0;
}

static bool
op_is(const struct tok *t, const char *s)
{
    return t->kind == T_OP && tok_is(t, s);
}

static bool
is_keyword(const struct tok *t)
{
    static const char *const kw[] = {
        "False", "None", "True", "and", "as", "assert", "async", "await",
        "break", "class", "continue", "def", "del", "elif", "else",
        "except", "finally", "for", "from", "global", "if", "import", "in",
        "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield", NULL};
    if (t->kind != T_NAME) {
        return false;
    }
    for (size_t i = 0; kw[i] != NULL; i++) {
        if (tok_is(t, kw[i])) {
            return true;
        }
    }
    return false;
}

struct block {
    int indent;
    bool is_class;
    int cls;                /* class index when is_class */
    int body_indent;        /* first statement's indentation, -1 unknown */
    size_t qual_len;        /* length of the qualname prefix it adds */
};

struct indexer {
    struct sp_source *src;
    struct block blocks[MAX_BLOCKS];
    int nblocks;
    struct sp_buf qual;     /* qualname of the innermost block */
    struct rec *recs;
    size_t nrecs, recs_cap;
    bool failed;
};

/* The index's copy of a name (one per distinct name). */
static const char *
intern(struct sp_source *s, const char *p, size_t n)
{
    char tmp[256];
    if (n >= sizeof(tmp)) {
        return NULL;
    }
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    int64_t i;
    if (sp_strmap_get(&s->names, 0, tmp, &i)) {
        return s->owned[i];
    }
    char *c = sp_strndup(p, n);
    void *np = sp_realloc(s->owned, (s->nowned + 1) * sizeof(char *));
    if (c == NULL || np == NULL) {
        sp_free(c);
        if (np != NULL) {
            s->owned = np;
        }
        return NULL;
    }
    s->owned = np;
    s->owned[s->nowned] = c;
    if (sp_strmap_put(&s->names, 0, c, (int64_t)s->nowned) < 0) {
        sp_free(c);
        return NULL;
    }
    s->nowned++;
    return c;
}

/* The innermost class whose methods enclose the current line (through
 * any number of defs, at least one), or -1: where `self.X` stores go,
 * as CPython's compiler files them (__static_attributes__). */
static int
method_class(const struct indexer *ix)
{
    bool in_def = false;
    for (int i = ix->nblocks; i-- > 0;) {
        if (!ix->blocks[i].is_class) {
            in_def = true;
        }
        else {
            return in_def ? ix->blocks[i].cls : -1;
        }
    }
    return -1;
}

/* The class whose body the current line is directly in, or -1. */
static int
body_class(const struct indexer *ix, int indent)
{
    if (ix->nblocks == 0) {
        return -1;
    }
    const struct block *b = &ix->blocks[ix->nblocks - 1];
    return b->is_class && b->body_indent == indent ? b->cls : -1;
}

static void
add_rec(struct indexer *ix, int cls, int kind, const char *name, int line)
{
    struct sp_source *s = ix->src;
    int64_t old;
    uint64_t t = kind == K_ANY || kind == K_USE ? tag(0, kind)
                                                : tag((uint64_t)cls, kind);
    if (name == NULL || sp_strmap_get(&s->index, t, name, &old)) {
        return;     /* the first line is the evidence */
    }
    if (sp_strmap_put(&s->index, t, name, line) < 0) {
        ix->failed = true;
        return;
    }
    if (kind != K_SELF && kind != K_DEFAULT) {
        return;
    }
    if (ix->nrecs == ix->recs_cap) {
        size_t cap = ix->recs_cap ? ix->recs_cap * 2 : 64;
        void *np = sp_realloc(ix->recs, cap * sizeof(*ix->recs));
        if (np == NULL) {
            ix->failed = true;
            return;
        }
        ix->recs = np;
        ix->recs_cap = cap;
    }
    ix->recs[ix->nrecs++] = (struct rec){(uint32_t)cls, (uint8_t)kind, line,
                                         name};
}

/* An attribute store of t[i+1] (t[i] is the '.'); self: the object is
 * the plain name `self`. */
static void
store_attr(struct indexer *ix, const struct tok *t, size_t i, size_t lo)
{
    const struct tok *name = &t[i + 1];
    const char *n = intern(ix->src, name->p, name->len);
    add_rec(ix, 0, K_ANY, n, name->line);
    bool self = i > lo && t[i - 1].kind == T_NAME && tok_is(&t[i - 1], "self")
                && (i - 1 == lo || !op_is(&t[i - 2], "."));
    int cls = self ? method_class(ix) : -1;
    if (cls >= 0) {
        add_rec(ix, cls, K_SELF, n, name->line);
    }
}

/* Inside a call or subscript bracket (relative to the segment start)? */
static bool
in_call(const struct tok *t, size_t lo, size_t i)
{
    int want = t[i].depth;
    for (size_t k = i; k-- > lo && want > t[lo].depth;) {
        if (t[k].kind == T_OP && t[k].depth == want - 1 && t[k].len == 1
            && (*t[k].p == '(' || *t[k].p == '[' || *t[k].p == '{')) {
            if (t[k].open || *t[k].p == '{') {
                return true;
            }
            want--;
        }
    }
    return false;
}

/* A target list t[lo, hi): attribute stores in it, and at a class's
 * body level a lone NAME is a class attribute the body assigns. */
static void
target(struct indexer *ix, const struct tok *t, size_t lo, size_t hi,
       int body_cls)
{
    if (hi <= lo) {
        return;
    }
    if (body_cls >= 0 && hi == lo + 1 && t[lo].kind == T_NAME
        && !is_keyword(&t[lo])) {
        add_rec(ix, body_cls, K_DEFAULT,
                intern(ix->src, t[lo].p, t[lo].len), t[lo].line);
    }
    for (size_t i = lo; i + 1 < hi; i++) {
        if (!op_is(&t[i], ".") || t[i + 1].kind != T_NAME) {
            continue;
        }
        /* The attribute ends the primary: nothing after it but the end,
         * a comma or a closing bracket of the target list. */
        const struct tok *after = i + 2 < hi ? &t[i + 2] : NULL;
        if (after != NULL
            && !(after->kind == T_OP && after->len == 1
                 && (*after->p == ',' || *after->p == ')'
                     || *after->p == ']'))) {
            continue;
        }
        if (!in_call(t, lo, i)) {
            store_attr(ix, t, i, lo);
        }
    }
}

/* setattr(obj, 'name', value) with a literal name. */
static void
setattr_calls(struct indexer *ix, const struct tok *t, size_t lo, size_t hi)
{
    for (size_t i = lo; i + 4 < hi; i++) {
        if (t[i].kind != T_NAME || !tok_is(&t[i], "setattr")
            || !op_is(&t[i + 1], "(")
            || (i > lo && op_is(&t[i - 1], "."))) {
            continue;
        }
        size_t k = i + 2;
        int d = t[i + 1].depth + 1;
        while (k < hi && !(op_is(&t[k], ",") && t[k].depth == d)) {
            k++;
        }
        /* The literal must be the whole argument: "opt%d" % i is not
         * a name. */
        if (k + 2 >= hi || t[k + 1].kind != T_STR
            || !(op_is(&t[k + 2], ",") || op_is(&t[k + 2], ")"))) {
            /* A name computed at run time: the class's attributes
             * depend on the data. */
            int mc = k == i + 3 && tok_is(&t[i + 2], "self")
                         ? method_class(ix) : -1;
            if (mc >= 0) {
                add_rec(ix, mc, K_FACT, "dynamic", t[i].line);
            }
            continue;
        }
        const struct tok *s = &t[k + 1];
        char q = *s->p;
        if ((q != '\'' && q != '"') || s->len < 3 || s->p[1] == q
            || s->p[s->len - 1] != q) {
            continue;       /* a prefix, triple quotes: not a plain name */
        }
        const char *n = intern(ix->src, s->p + 1, s->len - 2);
        add_rec(ix, 0, K_ANY, n, s->line);
        bool self = k == i + 3 && tok_is(&t[i + 2], "self");
        int cls = self ? method_class(ix) : -1;
        if (cls >= 0) {
            add_rec(ix, cls, K_SELF, n, s->line);
        }
    }
}

/* One simple statement t[lo, hi). */
static void
statement(struct indexer *ix, const struct tok *t, size_t lo, size_t hi,
          int body_cls)
{
    if (hi <= lo) {
        return;
    }
    setattr_calls(ix, t, lo, hi);
    int d = t[lo].depth;
    if (t[lo].kind == T_NAME && tok_is(&t[lo], "del")) {
        target(ix, t, lo + 1, hi, -1);
        return;
    }
    size_t seg = lo;
    size_t colon = 0;
    for (size_t i = lo; i < hi; i++) {
        const struct tok *x = &t[i];
        if (x->depth != d || (x->kind != T_NAME && x->kind != T_OP)) {
            continue;
        }
        if (x->kind == T_NAME) {
            if (tok_is(x, "lambda")) {
                return;         /* its defaults look like assignments */
            }
            continue;
        }
        if (x->len == 1 && *x->p == ':' && colon == 0 && seg == lo) {
            colon = i;          /* an annotation: target is left of it */
        }
        else if (x->len == 1 && *x->p == '=') {
            target(ix, t, seg, colon ? colon : i, body_cls);
            seg = i + 1;
            colon = 0;
        }
        else if (x->len >= 2 && x->p[x->len - 1] == '=' && x->p[0] != '='
                 && x->p[0] != '!' && x->p[0] != '<' && x->p[0] != '>'
                 && x->p[0] != ':') {
            target(ix, t, seg, i, -1);      /* augmented: not a default */
            return;
        }
        else if ((x->len == 3 && (memcmp(x->p, ">>=", 3) == 0
                                  || memcmp(x->p, "<<=", 3) == 0))) {
            target(ix, t, seg, i, -1);
            return;
        }
    }
}

/* The header of a compound statement t[lo, colon): for/with targets. */
static void
header(struct indexer *ix, const struct tok *t, size_t lo, size_t colon)
{
    size_t i = lo;
    if (t[i].kind == T_NAME && tok_is(&t[i], "async")) {
        i++;
    }
    if (i >= colon) {
        return;
    }
    int d = t[i].depth;
    if (tok_is(&t[i], "for")) {
        size_t k = i + 1;
        while (k < colon && !(t[k].depth == d && tok_is(&t[k], "in"))) {
            k++;
        }
        target(ix, t, i + 1, k, -1);
    }
    else if (tok_is(&t[i], "with")) {
        for (size_t k = i + 1; k < colon; k++) {
            if (t[k].depth == d && t[k].kind == T_NAME
                && tok_is(&t[k], "as")) {
                size_t e = k + 1;
                while (e < colon && !(t[e].depth == d && op_is(&t[e], ","))) {
                    e++;
                }
                target(ix, t, k + 1, e, -1);
            }
        }
    }
}

static const char *const compound[] = {
    "if", "elif", "else", "while", "for", "try", "except", "finally",
    "with", "async", "match", "case", NULL};

/* The statements of one logical line (after a compound header's colon,
 * the simple statements on the same line). */
static void
statements(struct indexer *ix, const struct tok *t, size_t lo, size_t hi,
           int body_cls)
{
    if (lo >= hi) {
        return;
    }
    int d = t[lo].depth;
    bool is_compound = false;
    for (size_t k = 0; compound[k] != NULL && t[lo].kind == T_NAME; k++) {
        is_compound |= tok_is(&t[lo], compound[k]);
    }
    if (tok_is(&t[lo], "match") || tok_is(&t[lo], "case")) {
        /* Soft keywords: a statement unless the line ends in ':'. */
        is_compound = op_is(&t[hi - 1], ":");
    }
    if (is_compound) {
        size_t c = lo + 1;
        while (c < hi && !(t[c].depth == d && op_is(&t[c], ":"))) {
            c++;
        }
        header(ix, t, lo, c);
        statements(ix, t, c + 1, hi, -1);
        return;
    }
    size_t s = lo;
    for (size_t i = lo; i <= hi; i++) {
        if (i == hi || (t[i].depth == d && op_is(&t[i], ";"))) {
            statement(ix, t, s, i, body_cls);
            s = i + 1;
        }
    }
}

/* A class or def header at t[lo]: push its block.  Returns the index of
 * the header's ':' (the body may follow on the same line), or 0. */
static size_t
open_block(struct indexer *ix, const struct tok *t, size_t n, int indent)
{
    size_t i = 0;
    if (tok_is(&t[0], "async")) {
        i = 1;
    }
    bool cls = tok_is(&t[i], "class");
    if (!(cls || tok_is(&t[i], "def")) || i + 1 >= n
        || t[i + 1].kind != T_NAME) {
        return 0;
    }
    if (ix->nblocks == MAX_BLOCKS) {
        return 0;
    }
    struct sp_source *s = ix->src;
    struct block *b = &ix->blocks[ix->nblocks];
    b->indent = indent;
    b->is_class = cls;
    b->body_indent = -1;
    b->cls = -1;
    size_t before = ix->qual.len;
    if (before > 0) {
        sp_buf_puts(&ix->qual, ".");
    }
    sp_buf_append(&ix->qual, t[i + 1].p, t[i + 1].len);
    if (cls) {
        char **nq = sp_realloc(s->qualnames,
                               (s->nclasses + 1) * sizeof(char *));
        int *nl = sp_realloc(s->lines, (s->nclasses + 1) * sizeof(int));
        if (nq != NULL) {
            s->qualnames = nq;
        }
        if (nl != NULL) {
            s->lines = nl;
        }
        char *q = sp_buf_ok(&ix->qual) ? sp_strdup(ix->qual.data) : NULL;
        if (nq == NULL || nl == NULL || q == NULL) {
            sp_free(q);
            ix->failed = true;
            return 0;
        }
        s->qualnames[s->nclasses] = q;
        s->lines[s->nclasses] = t[i].line;
        b->cls = (int)s->nclasses++;
        (void)sp_strmap_put(&s->index, TAG_CLASS, q, b->cls);
    }
    else {
        sp_buf_puts(&ix->qual, ".<locals>");
    }
    b->qual_len = ix->qual.len - before;
    ix->nblocks++;
    size_t c = i + 2;
    while (c < n && !(t[c].depth == t[0].depth && op_is(&t[c], ":"))) {
        c++;
    }
    return c < n ? c : 0;
}

static void
pop_blocks(struct indexer *ix, int indent)
{
    while (ix->nblocks > 0 && ix->blocks[ix->nblocks - 1].indent >= indent) {
        struct block *b = &ix->blocks[--ix->nblocks];
        /* qual_len counts the '.' that joined it to its parent. */
        ix->qual.len -= b->qual_len <= ix->qual.len ? b->qual_len
                                                     : ix->qual.len;
        if (ix->qual.data != NULL) {
            ix->qual.data[ix->qual.len] = '\0';
        }
    }
}

static bool
name_is(const struct tok *t, const char *s)
{
    return t->kind == T_NAME && tok_is(t, s);
}

/* Is t[i] the end of an expression naming the instance's class:
 * self.__class__, type(self) (t[i] its ')'), or cls? */
static bool
names_own_class(const struct tok *t, size_t lo, size_t i)
{
    if (name_is(&t[i], "cls")) {
        return i == lo || !op_is(&t[i - 1], ".");
    }
    if (name_is(&t[i], "__class__")) {
        return i >= lo + 2 && op_is(&t[i - 1], ".") && name_is(&t[i - 2], "self");
    }
    return op_is(&t[i], ")") && i >= lo + 3 && name_is(&t[i - 1], "self")
           && op_is(&t[i - 2], "(") && name_is(&t[i - 3], "type");
}

/* The argument tokens of a one-argument call whose '(' is at t[i]:
 * [i + 1, *end), or false. */
static bool
one_arg(const struct tok *t, size_t n, size_t i, size_t *end)
{
    int d = t[i].depth + 1;     /* of the arguments, and the ')' */
    for (size_t k = i + 1; k < n; k++) {
        if (t[k].depth == d && op_is(&t[k], ")")) {
            *end = k;
            return k > i + 1;
        }
        if (t[k].depth == d && op_is(&t[k], ",")) {
            return false;
        }
    }
    return false;
}

static const char *const weak_names[] = {
    "weakref", "WeakSet", "WeakValueDictionary", "WeakKeyDictionary",
    "WeakMethod", NULL};
static const char *const pickle_mods[] = {
    "pickle", "cPickle", "_pickle", "shelve", "dill", "cloudpickle", NULL};

static bool
in_list(const struct tok *t, const char *const *list)
{
    for (size_t k = 0; list[k] != NULL; k++) {
        if (name_is(t, list[k])) {
            return true;
        }
    }
    return false;
}

/* pickle.dumps(obj, 0), pickle.dump(obj, f, 1), protocol=0/1: a
 * protocol that cannot pickle slotted instances without __getstate__.
 * t[i] is dump or dumps, t[i + 1] its '('. */
static bool
old_protocol(const struct tok *t, size_t n, size_t i)
{
    int d = t[i + 1].depth + 1;
    size_t want = tok_is(&t[i], "dumps") ? 1 : 2, arg = 0;
    for (size_t k = i + 2; k < n && t[k].depth >= d; k++) {
        if (t[k].depth != d) {
            continue;
        }
        if (op_is(&t[k], ",")) {
            arg++;
            continue;
        }
        bool zero_one = t[k].kind == T_NUM && t[k].len == 1
                        && (*t[k].p == '0' || *t[k].p == '1');
        if (name_is(&t[k], "protocol") && k + 2 < n && op_is(&t[k + 1], "=")
            && t[k + 2].kind == T_NUM && t[k + 2].len == 1
            && (*t[k + 2].p == '0' || *t[k + 2].p == '1')) {
            return true;
        }
        if (arg == want && zero_one
            && (op_is(&t[k + 1], ",") || op_is(&t[k + 1], ")"))
            && (op_is(&t[k - 1], ",") || op_is(&t[k - 1], "("))) {
            return true;
        }
    }
    return false;
}

/* What a logical line uses that slots change, wherever it stands:
 * facts of the class whose method it is in (its own __dict__, its
 * class's namespace, zero-argument super()) and uses anywhere (weak
 * references, pickles, a class's namespace by its name). */
static void
uses(struct indexer *ix, const struct tok *t, size_t n)
{
    int mc = method_class(ix);
    for (size_t i = 0; i < n; i++) {
        const struct tok *x = &t[i];
        bool dotted = i > 0 && op_is(&t[i - 1], ".");
        if (x->kind != T_NAME) {
            continue;
        }
        if (!dotted && tok_is(x, "super") && i + 2 < n
            && op_is(&t[i + 1], "(") && op_is(&t[i + 2], ")") && mc >= 0) {
            add_rec(ix, mc, K_FACT, "super0", x->line);
        }
        if (tok_is(x, "__dict__") && dotted && i >= 2) {
            if (name_is(&t[i - 2], "self")
                && (i == 2 || !op_is(&t[i - 3], "."))) {
                if (mc >= 0) {
                    add_rec(ix, mc, K_FACT, "dynamic", x->line);
                }
            }
            else if (names_own_class(t, 0, i - 2)) {
                if (mc >= 0) {
                    add_rec(ix, mc, K_FACT, "classdict", x->line);
                }
            }
            else if (t[i - 2].kind == T_NAME
                     && (i == 2 || !op_is(&t[i - 3], "."))) {
                char key[300];
                snprintf(key, sizeof(key), "classdict:%.*s",
                         (int)t[i - 2].len, t[i - 2].p);
                add_rec(ix, 0, K_USE, intern(ix->src, key, strlen(key)),
                        x->line);
            }
        }
        size_t end;
        if (!dotted && tok_is(x, "vars") && i + 1 < n
            && op_is(&t[i + 1], "(") && one_arg(t, n, i + 1, &end)) {
            if (end == i + 3 && name_is(&t[i + 2], "self")) {
                if (mc >= 0) {
                    add_rec(ix, mc, K_FACT, "dynamic", x->line);
                }
            }
            else if (names_own_class(t, i + 2, end - 1)) {
                if (mc >= 0) {
                    add_rec(ix, mc, K_FACT, "classdict", x->line);
                }
            }
            else if (end == i + 3 && t[i + 2].kind == T_NAME) {
                char key[300];
                snprintf(key, sizeof(key), "classdict:%.*s",
                         (int)t[i + 2].len, t[i + 2].p);
                add_rec(ix, 0, K_USE, intern(ix->src, key, strlen(key)),
                        x->line);
            }
        }
        if (in_list(x, weak_names)) {
            add_rec(ix, 0, K_USE, "weakref", x->line);
        }
        /* A call of NAME or of anything.NAME: a class made an instance
         * of, maybe (not a def's or class statement's own name). */
        if (i + 1 < n && op_is(&t[i + 1], "(") && !is_keyword(x)
            && !(i > 0 && (name_is(&t[i - 1], "def")
                           || name_is(&t[i - 1], "class")))) {
            char key[300];
            snprintf(key, sizeof(key), "call:%.*s", (int)x->len, x->p);
            add_rec(ix, 0, K_USE, intern(ix->src, key, strlen(key)),
                    x->line);
        }
        if (!dotted && in_list(x, pickle_mods) && i + 3 < n
            && op_is(&t[i + 1], ".") && t[i + 2].kind == T_NAME) {
            const struct tok *f = &t[i + 2];
            if (tok_is(f, "load") || tok_is(f, "loads")
                || tok_is(f, "Unpickler") || tok_is(f, "open")) {
                add_rec(ix, 0, K_USE, "pickle-load", x->line);
            }
            else if ((tok_is(f, "dumps") || tok_is(f, "dump"))
                     && op_is(&t[i + 3], "(") && old_protocol(t, n, i + 2)) {
                add_rec(ix, 0, K_USE, "pickle-protocol", x->line);
            }
        }
    }
}

static void
index_text(struct indexer *ix, const char *text)
{
    struct lexer lx = {.s = text, .line = 1};
    int indent;

    while ((indent = next_line(&lx)) >= 0 && !ix->failed) {
        const struct tok *t = lx.toks;
        size_t n = lx.ntoks;
        pop_blocks(ix, indent);
        if (ix->nblocks > 0 && ix->blocks[ix->nblocks - 1].body_indent < 0) {
            ix->blocks[ix->nblocks - 1].body_indent = indent;
        }
        if (op_is(&t[0], "@")) {
            continue;           /* a decorator */
        }
        int body_cls = body_class(ix, indent);
        size_t colon = open_block(ix, t, n, indent);
        uses(ix, t, n);
        if (colon != 0) {
            /* `class A: x = 1`: the body on the header's line. */
            struct block *b = &ix->blocks[ix->nblocks - 1];
            if (colon + 1 < n) {
                b->body_indent = indent + 1;
                statements(ix, t, colon + 1, n,
                           b->is_class ? b->cls : -1);
            }
            continue;
        }
        statements(ix, t, 0, n, body_cls);
    }
    ix->failed |= lx.failed;
    sp_free(lx.toks);
}

/* ------------------------------------------------------------ cache */

static struct sp_source **cache;
static size_t ncache;
static struct sp_strmap cache_index;    /* path -> cache index, -1 = none */

static void
source_free(struct sp_source *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->nclasses; i++) {
        sp_free(s->qualnames[i]);
    }
    for (size_t i = 0; i < s->nowned; i++) {
        sp_free(s->owned[i]);
    }
    sp_free(s->qualnames);
    sp_free(s->lines);
    sp_free(s->recs);
    sp_free(s->owned);
    sp_strmap_free(&s->index);
    sp_strmap_free(&s->names);
    sp_free(s->path);
    sp_free(s);
}

/* Index path's text; NULL if unreadable or out of memory. */
static struct sp_source *
build(const char *path)
{
    size_t len;
    char *text = slurp(path, &len);
    if (text == NULL) {
        return NULL;
    }
    struct sp_source *s = sp_calloc(1, sizeof(*s));
    struct indexer ix;
    memset(&ix, 0, sizeof(ix));
    ix.src = s;
    sp_buf_init(&ix.qual);
    if (s != NULL && (s->path = sp_strdup(path)) != NULL) {
        index_text(&ix, text);
    }
    sp_free(text);
    sp_buf_free(&ix.qual);
    if (s == NULL || s->path == NULL || ix.failed) {
        sp_free(ix.recs);
        source_free(s);
        return NULL;
    }
    s->recs = ix.recs;
    s->nrecs = ix.nrecs;
    return s;
}

const struct sp_source *
sp_source_get(const char *path)
{
    int64_t i;
    if (path == NULL) {
        return NULL;
    }
    if (sp_strmap_get(&cache_index, 0, path, &i)) {
        return i >= 0 ? cache[i] : NULL;
    }
    struct sp_source *s = build(path);
    void *np = sp_realloc(cache, (ncache + 1) * sizeof(*cache));
    if (np == NULL) {
        source_free(s);
        return NULL;
    }
    cache = np;
    cache[ncache] = s;
    /* The key must outlive the map: the index's own copy, or a copy. */
    const char *key = s != NULL ? s->path : sp_strdup(path);
    if (key == NULL
        || sp_strmap_put(&cache_index, 0, key, s != NULL ? (int64_t)ncache
                                                         : -1) < 0) {
        source_free(s);
        return NULL;
    }
    ncache++;
    return s;
}

void
sp_source_reset(void)
{
    for (size_t i = 0; i < ncache; i++) {
        source_free(cache[i]);
    }
    for (size_t i = 0; i < cache_index.cap; i++) {
        const struct sp_strmap_slot *sl = &cache_index.slots[i];
        if (sl->key != NULL && sl->value < 0) {
            sp_free((char *)sl->key);
        }
    }
    sp_free(cache);
    cache = NULL;
    ncache = 0;
    sp_strmap_free(&cache_index);
}

/* ------------------------------------------------------------ queries */

int
sp_source_class(const struct sp_source *s, const char *qualname)
{
    int64_t i;
    if (s == NULL || qualname == NULL
        || !sp_strmap_get(&s->index, TAG_CLASS, qualname, &i)) {
        return -1;
    }
    return (int)i;
}

int
sp_source_class_line(const struct sp_source *s, int cls)
{
    return s != NULL && cls >= 0 && (size_t)cls < s->nclasses
               ? s->lines[cls] : 0;
}

size_t
sp_source_self_stores(const struct sp_source *s, int cls,
                      const char **names, size_t max)
{
    size_t n = 0;
    if (s == NULL || cls < 0) {
        return 0;
    }
    for (size_t i = 0; i < s->nrecs; i++) {
        if (s->recs[i].cls == (uint32_t)cls && s->recs[i].kind == K_SELF) {
            if (n < max) {
                names[n] = s->recs[i].name;
            }
            n++;
        }
    }
    return n;
}

int
sp_source_default_line(const struct sp_source *s, int cls, const char *name)
{
    int64_t line;
    if (s == NULL || cls < 0
        || !sp_strmap_get(&s->index, tag((uint64_t)cls, K_DEFAULT), name,
                          &line)) {
        return 0;
    }
    return (int)line;
}

int
sp_source_store_line(const struct sp_source *s, const char *name)
{
    int64_t line;
    if (s == NULL || !sp_strmap_get(&s->index, tag(0, K_ANY), name, &line)) {
        return 0;
    }
    return (int)line;
}

int
sp_source_class_fact(const struct sp_source *s, int cls, const char *fact)
{
    int64_t line;
    if (s == NULL || cls < 0
        || !sp_strmap_get(&s->index, tag((uint64_t)cls, K_FACT), fact,
                          &line)) {
        return 0;
    }
    return (int)line;
}

int
sp_source_use_line(const struct sp_source *s, const char *use)
{
    int64_t line;
    if (s == NULL || !sp_strmap_get(&s->index, tag(0, K_USE), use, &line)) {
        return 0;
    }
    return (int)line;
}
