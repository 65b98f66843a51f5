/*
 * pprof.c -- a report's allocation sites as a pprof profile, for
 * `slotprof report --format pprof` (go tool pprof, Pyroscope, Grafana,
 * speedscope, ...).
 *
 * The profile is a perftools.profiles.Profile (tools/proto/profile.proto,
 * vendored from github.com/google/pprof), encoded with protobuf-c and
 * gzipped, as the format requires on disk.  Its shape:
 *
 *   sample_type  savable_bytes/bytes, instances/count, allocations/count
 *                (in that order; the default is savable_bytes)
 *   sample       one per allocation site, values in that order, label
 *                class = "module.qualname"; locations leaf first: the
 *                site's frames innermost first, then one root location
 *                for the class itself, so every tree starts at a class
 *   [unsampled]  the site without frames: one location under its class
 *
 * Each distinct (function, file) is one Function; each frame of the
 * report's frame table is one Location with one Line.  Every location
 * belongs to one Mapping marked as symbolized already (has_functions,
 * has_filenames, has_line_numbers): without it pprof makes up a mapping
 * of its own and says "Main binary filename not available." on every run.
 * Python names go in Function.name only, with system_name empty: pprof
 * "demangles" a function whose two names are equal, and its C++ heuristic
 * cuts "<module>" or "<listcomp>" down to nothing.  A native frame keeps
 * its symbol in both, so C++ symbols are demangled as usual.
 *
 * A negative savable_bytes stays negative (a class that would grow with
 * slots); pprof sums it like any value (its "total" and percentages are
 * over absolute values).
 *
 * A report without an allocations section (allocs=off, an older library)
 * still gives a profile: one [unsampled] sample per class of classes[],
 * with only the first two sample types -- there is no allocation count
 * to show, and pprof then refuses -sample_index=allocations instead of
 * showing zeros.
 *
 * This file owns the translation only; it never reads or writes files.
 */
#include "cli.h"                /* sp_render_pprof, internal.h */

#include "profile.pb-c.h"       /* generated from tools/proto/profile.proto */

#include <inttypes.h>           /* PRIu64 */
#include <limits.h>             /* UINT_MAX */
#include <stdarg.h>             /* va_list */
#include <stdio.h>              /* vsnprintf, sscanf */
#include <string.h>             /* memcpy, memset, strcmp */
#include <time.h>               /* struct tm, timegm */
#include <zlib.h>               /* deflate */

/* Fixed strings of the table, interned first in this order. */
static const char *const FIXED[] = {
    "", "savable_bytes", "bytes", "instances", "count", "allocations",
    "class", "[unsampled]",
};
#define NFIXED SP_ARRAY_LEN(FIXED)
/* Their string table indices. */
enum {
    S_EMPTY = 0, S_SAVABLE, S_BYTES, S_INSTANCES, S_COUNT, S_ALLOCATIONS,
    S_CLASS, S_UNSAMPLED,
};

/* Everything the profile points to.  Every array is sized up front from
 * the report (an upper bound), so nothing moves once a pointer to it has
 * been taken. */
struct pprof {
    Perftools__Profiles__Profile prof;
    char *err;
    size_t errlen;
    bool failed;

    char **strings;             /* borrowed, or in owned[] */
    size_t nstrings, max_strings;
    char **owned;               /* strings composed here */
    size_t nowned, max_owned;

    Perftools__Profiles__Function *functions;
    Perftools__Profiles__Function **function_ptrs;
    size_t nfunctions, max_functions;
    Perftools__Profiles__Location *locations;
    Perftools__Profiles__Location **location_ptrs;
    Perftools__Profiles__Line *lines;           /* one per location */
    Perftools__Profiles__Line **line_ptrs;
    size_t nlocations, max_locations;

    Perftools__Profiles__Sample *samples;
    Perftools__Profiles__Sample **sample_ptrs;
    Perftools__Profiles__Label *labels;         /* one per sample */
    Perftools__Profiles__Label **label_ptrs;
    uint64_t *location_ids;                     /* all samples' stacks */
    int64_t *values;                            /* nvalues per sample */
    size_t nsamples, max_samples, nlocation_ids, max_location_ids;
    size_t nvalues;

    Perftools__Profiles__Mapping mapping;   /* the only one, id 1 */
    Perftools__Profiles__Mapping *mapping_ptr;
    Perftools__Profiles__ValueType types[3];
    Perftools__Profiles__ValueType *type_ptrs[3];
    int64_t comment;

    /* Lookups; every key is borrowed from the report or from strings. */
    struct sp_strmap string_ix;     /* tag 0: string -> table index */
    struct sp_strmap module_ix;     /* tag 0: module -> small id */
    struct sp_strmap class_ix;      /* tag module id: qualname ->
                                       index into r->classes */
    struct sp_strmap root_ix;       /* tag module id: qualname ->
                                       location id of the class root */
    struct sp_strmap function_ix;   /* tag file index: name -> id */
    uint64_t unsampled_location;    /* 0 until first needed */
};

static void
fail(struct pprof *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct pprof *p, const char *fmt, ...)
{
    if (p->failed) {
        return;                 /* keep the first reason */
    }
    p->failed = true;
    if (p->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
}

static void
fail_memory(struct pprof *p)
{
    fail(p, "out of memory building the pprof profile");
}

/* n elements of size each, zeroed; NULL (and p failed) on overflow or
 * allocation failure.  n == 0 still allocates, so NULL means failure. */
static void *
array(struct pprof *p, size_t n, size_t size)
{
    void *a = sp_calloc(n ? n : 1, size);
    if (a == NULL) {
        fail_memory(p);
    }
    return a;
}

/* a + b, or SIZE_MAX when that overflows (an allocation of SIZE_MAX then
 * fails, which is the error we want). */
static size_t
add_sizes(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* The string table index of s (NULL: ""), interning it.  s must outlive
 * the profile. */
static int64_t
intern(struct pprof *p, const char *s)
{
    int64_t ix;

    if (s == NULL) {
        return S_EMPTY;
    }
    if (sp_strmap_get(&p->string_ix, 0, s, &ix)) {
        return ix;
    }
    if (SP_NEVER(p->nstrings >= p->max_strings)) {
        fail(p, "pprof: string table overflow");
        return S_EMPTY;
    }
    ix = (int64_t)p->nstrings;
    if (sp_strmap_put(&p->string_ix, 0, s, ix) < 0) {
        fail_memory(p);
        return S_EMPTY;
    }
    p->strings[p->nstrings++] = (char *)s;  /* protobuf-c never writes it */
    return ix;
}

/* A string composed here, kept until the profile is freed; NULL (p
 * failed) on allocation failure. */
static char *
own(struct pprof *p, char *s)
{
    if (s == NULL || SP_NEVER(p->nowned >= p->max_owned)) {
        sp_free(s);
        fail_memory(p);
        return NULL;
    }
    p->owned[p->nowned++] = s;
    return s;
}

/* A small id per distinct module string (module strings are borrowed
 * from the report and outlive p). */
static uint64_t
module_id(struct pprof *p, const char *module)
{
    int64_t id;

    if (module == NULL) {
        module = "";
    }
    if (sp_strmap_get(&p->module_ix, 0, module, &id)) {
        return (uint64_t)id;
    }
    id = (int64_t)p->module_ix.len + 1;
    if (sp_strmap_put(&p->module_ix, 0, module, id) < 0) {
        fail_memory(p);
    }
    return (uint64_t)id;
}

/* The id of the Function (name, file), created with start_line on first
 * use.  tag_bit keeps class roots apart from frames of the same name;
 * native: a symbol, which pprof may demangle. */
static uint64_t
function(struct pprof *p, const char *name, const char *file,
         int64_t start_line, unsigned tag_bit, bool native)
{
    int64_t name_ix = intern(p, name);
    int64_t file_ix = intern(p, file);
    uint64_t tag = ((uint64_t)file_ix << 2) | (native ? 2u : 0u) | tag_bit;
    int64_t id;

    if (p->failed) {
        return 0;
    }
    if (sp_strmap_get(&p->function_ix, tag, name, &id)) {
        return (uint64_t)id;
    }
    if (SP_NEVER(p->nfunctions >= p->max_functions)) {
        fail(p, "pprof: function table overflow");
        return 0;
    }
    Perftools__Profiles__Function *f = &p->functions[p->nfunctions];
    perftools__profiles__function__init(f);
    f->id = p->nfunctions + 1;
    f->name = name_ix;
    f->system_name = native ? name_ix : S_EMPTY;
    f->filename = file_ix;
    f->start_line = start_line;
    if (sp_strmap_put(&p->function_ix, tag, name, (int64_t)f->id) < 0) {
        fail_memory(p);
        return 0;
    }
    p->function_ptrs[p->nfunctions++] = f;
    return f->id;
}

/* A new Location with one Line; its id. */
static uint64_t
location(struct pprof *p, uint64_t function_id, int64_t line)
{
    if (p->failed) {
        return 0;
    }
    if (SP_NEVER(p->nlocations >= p->max_locations)) {
        fail(p, "pprof: location table overflow");
        return 0;
    }
    size_t i = p->nlocations++;
    Perftools__Profiles__Line *ln = &p->lines[i];
    Perftools__Profiles__Location *loc = &p->locations[i];

    perftools__profiles__line__init(ln);
    ln->function_id = function_id;
    ln->line = line;
    p->line_ptrs[i] = ln;
    perftools__profiles__location__init(loc);
    loc->id = i + 1;
    loc->mapping_id = 1;
    loc->n_line = 1;
    loc->line = &p->line_ptrs[i];
    p->location_ptrs[i] = loc;
    return loc->id;
}

/* The root location of class (module, qualname), with the file and line
 * of its entry in r->classes when there is one.  *name_ix: the string
 * index of "module.qualname" (the label value). */
static uint64_t
class_root(struct pprof *p, const struct sp_report *r, const char *module,
           const char *qualname, int64_t *name_ix)
{
    uint64_t mod = module_id(p, module);
    int64_t v;

    if (qualname == NULL) {
        qualname = "";
    }
    if (p->failed) {
        return 0;
    }
    if (sp_strmap_get(&p->root_ix, mod, qualname, &v)) {
        uint64_t id = (uint64_t)v;
        /* the root's function name is its label value */
        *name_ix = p->functions[p->lines[id - 1].function_id - 1].name;
        return id;
    }

    struct sp_buf name;
    sp_buf_init(&name);
    if (module != NULL && module[0] != '\0') {
        sp_buf_puts(&name, module);
        sp_buf_puts(&name, ".");
    }
    sp_buf_puts(&name, qualname);
    if (!sp_buf_ok(&name)) {
        sp_buf_free(&name);
        fail_memory(p);
        return 0;
    }
    /* an empty name leaves data NULL: own a copy either way */
    const char *display = own(p, sp_strdup(name.data ? name.data : ""));
    sp_buf_free(&name);
    if (display == NULL) {
        return 0;
    }

    const char *file = NULL;
    int line = 0;
    if (sp_strmap_get(&p->class_ix, mod, qualname, &v)) {
        file = r->classes[v].file;
        line = r->classes[v].line;
    }
    uint64_t fid = function(p, display, file, line, 1, false);
    uint64_t id = location(p, fid, line);
    if (p->failed) {
        return 0;
    }
    if (sp_strmap_put(&p->root_ix, mod, qualname, (int64_t)id) < 0) {
        fail_memory(p);
        return 0;
    }
    *name_ix = p->functions[fid - 1].name;
    return id;
}

/* The location "[unsampled]", shared by every class. */
static uint64_t
unsampled(struct pprof *p)
{
    if (p->unsampled_location == 0) {
        uint64_t fid = function(p, FIXED[S_UNSAMPLED], NULL, 0, 0, false);
        p->unsampled_location = location(p, fid, 0);
    }
    return p->unsampled_location;
}

/* u as a pprof value (int64); fails p when it does not fit. */
static int64_t
value_of(struct pprof *p, uint64_t u, const char *what, size_t site)
{
    if (u > INT64_MAX) {
        fail(p, "allocations.sites[%zu].%s: %" PRIu64 " does not fit a "
             "pprof value", site, what, u);
        return 0;
    }
    return (int64_t)u;
}

/* Append one sample: stack (leaf first, already in p->location_ids from
 * first_id on, nids of them), values, label class = class_ix. */
static void
add_sample(struct pprof *p, size_t first_id, size_t nids,
           const int64_t *values, int64_t class_ix)
{
    if (p->failed) {
        return;
    }
    if (SP_NEVER(p->nsamples >= p->max_samples)) {
        fail(p, "pprof: sample table overflow");
        return;
    }
    size_t i = p->nsamples++;
    Perftools__Profiles__Sample *s = &p->samples[i];
    Perftools__Profiles__Label *l = &p->labels[i];

    perftools__profiles__label__init(l);
    l->key = S_CLASS;
    l->str = class_ix;
    p->label_ptrs[i] = l;
    perftools__profiles__sample__init(s);
    s->n_location_id = nids;
    s->location_id = &p->location_ids[first_id];
    s->n_value = p->nvalues;
    s->value = &p->values[i * p->nvalues];
    memcpy(s->value, values, p->nvalues * sizeof(*values));
    s->n_label = 1;
    s->label = &p->label_ptrs[i];
    p->sample_ptrs[i] = s;
}

/* Append id to the stack being built. */
static void
push_location(struct pprof *p, uint64_t id)
{
    if (SP_NEVER(p->nlocation_ids >= p->max_location_ids)) {
        fail(p, "pprof: stack table overflow");
        return;
    }
    p->location_ids[p->nlocation_ids++] = id;
}

/* One sample per allocation site. */
static void
add_sites(struct pprof *p, const struct sp_report *r)
{
    const struct sp_allocs *a = &r->allocs;
    uint64_t *frame_loc = array(p, a->nframes, sizeof(*frame_loc));

    if (frame_loc == NULL) {
        return;
    }
    for (size_t i = 0; i < a->nsites && !p->failed; i++) {
        const struct sp_site *s = &a->sites[i];
        size_t first = p->nlocation_ids;
        int64_t name_ix = 0;
        int64_t values[3];

        /* leaf first: the allocating frame is the last of s->frames */
        for (size_t k = s->nframes; k-- > 0 && !p->failed;) {
            uint32_t f = s->frames[k];
            if (f >= a->nframes) {
                fail(p, "allocations.sites[%zu].frames[%zu]: frame %" PRIu32
                     " is past the frame table (%zu frames)", i, k, f,
                     a->nframes);
                break;
            }
            if (frame_loc[f] == 0) {
                const struct sp_frame *fr = &a->frames[f];
                const char *fn = fr->function ? fr->function : "?";
                uint64_t fid = function(p, fn, fr->file, 0, 0, fr->native);
                frame_loc[f] = location(p, fid, fr->line);
            }
            push_location(p, frame_loc[f]);
        }
        if (s->nframes == 0) {
            push_location(p, unsampled(p));
        }
        push_location(p, class_root(p, r, s->module, s->qualname, &name_ix));
        values[0] = s->savable_bytes;
        values[1] = value_of(p, s->instances, "instances", i);
        values[2] = value_of(p, s->allocations, "allocations", i);
        add_sample(p, first, p->nlocation_ids - first, values, name_ix);
    }
    sp_free(frame_loc);
}

/* Without an allocations section: one [unsampled] sample per class. */
static void
add_classes(struct pprof *p, const struct sp_report *r)
{
    for (size_t i = 0; i < r->nclasses && !p->failed; i++) {
        const struct sp_class *c = &r->classes[i];
        size_t first = p->nlocation_ids;
        int64_t name_ix = 0;
        int64_t values[2];

        push_location(p, unsampled(p));
        push_location(p, class_root(p, r, c->module, c->qualname, &name_ix));
        values[0] = c->savings_bytes;
        if (c->instances > INT64_MAX) {
            fail(p, "classes[%zu].instances: %" PRIu64 " does not fit a "
                 "pprof value", i, c->instances);
        }
        values[1] = (int64_t)c->instances;
        add_sample(p, first, p->nlocation_ids - first, values, name_ix);
    }
}

/* "2026-11-22T06:07:04.250Z" -> nanoseconds since the epoch; 0 when s
 * is empty or not in that form. */
static int64_t
parse_written_at(const char *s)
{
    struct tm tm;
    int ms = 0, n = 0;

    memset(&tm, 0, sizeof(tm));
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6) {
        return 0;
    }
    s += n;
    if (s[0] == '.') {
        int digits = 0;
        for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
            if (digits < 3) {
                ms = ms * 10 + (*s - '0');
            }
        }
        for (; digits < 3; digits++) {
            ms *= 10;
        }
    }
    if (strcmp(s, "Z") != 0) {
        return 0;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || t < 0) {
        return 0;
    }
    return (int64_t)t * 1000000000 + (int64_t)ms * 1000000;
}

/* Size every table from the report (upper bounds) and intern the fixed
 * strings. */
static bool
setup(struct pprof *p, const struct sp_report *r)
{
    const struct sp_allocs *a = &r->allocs;
    size_t nsamples = a->present ? a->nsites : r->nclasses;
    size_t stack = 0;

    if (a->present) {
        for (size_t i = 0; i < a->nsites; i++) {
            /* frames, or [unsampled]; then the class root */
            stack = add_sizes(stack, add_sizes(a->sites[i].nframes, 2));
        }
    } else {
        stack = add_sizes(nsamples, nsamples);
    }
    size_t nframes = a->present ? a->nframes : 0;
    /* a location per frame, a root per sample (at most), [unsampled] */
    size_t nloc = add_sizes(add_sizes(nframes, nsamples), 1);

    p->max_samples = nsamples;
    p->max_location_ids = stack;
    p->max_locations = nloc;
    p->max_functions = nloc;
    p->max_owned = add_sizes(nsamples, 1);
    /* per function a name and a file, the comment, the fixed ones */
    p->max_strings = add_sizes(add_sizes(nloc, nloc), NFIXED + 1);
    p->nvalues = a->present ? 3 : 2;

    p->strings = array(p, p->max_strings, sizeof(*p->strings));
    p->owned = array(p, p->max_owned, sizeof(*p->owned));
    p->functions = array(p, p->max_functions, sizeof(*p->functions));
    p->function_ptrs = array(p, p->max_functions, sizeof(*p->function_ptrs));
    p->locations = array(p, nloc, sizeof(*p->locations));
    p->location_ptrs = array(p, nloc, sizeof(*p->location_ptrs));
    p->lines = array(p, nloc, sizeof(*p->lines));
    p->line_ptrs = array(p, nloc, sizeof(*p->line_ptrs));
    p->samples = array(p, nsamples, sizeof(*p->samples));
    p->sample_ptrs = array(p, nsamples, sizeof(*p->sample_ptrs));
    p->labels = array(p, nsamples, sizeof(*p->labels));
    p->label_ptrs = array(p, nsamples, sizeof(*p->label_ptrs));
    p->location_ids = array(p, stack, sizeof(*p->location_ids));
    p->values = array(p, nsamples, p->nvalues * sizeof(*p->values));
    if (p->failed) {
        return false;
    }
    for (size_t i = 0; i < NFIXED; i++) {
        intern(p, FIXED[i]);
    }
    /* first entry wins, as in a lookup by name */
    for (size_t i = 0; i < r->nclasses && !p->failed; i++) {
        const struct sp_class *c = &r->classes[i];
        uint64_t mod = module_id(p, c->module);
        if (!p->failed && sp_strmap_put(&p->class_ix, mod,
                                        c->qualname ? c->qualname : "",
                                        (int64_t)i) < 0) {
            fail_memory(p);
        }
    }
    return !p->failed;
}

/* The header fields: sample types, time, comment. */
static void
fill_profile(struct pprof *p, const struct sp_report *r)
{
    static const int types[3][2] = {
        {S_SAVABLE, S_BYTES}, {S_INSTANCES, S_COUNT},
        {S_ALLOCATIONS, S_COUNT},
    };
    Perftools__Profiles__Profile *prof = &p->prof;

    for (size_t i = 0; i < p->nvalues; i++) {
        perftools__profiles__value_type__init(&p->types[i]);
        p->types[i].type = types[i][0];
        p->types[i].unit = types[i][1];
        p->type_ptrs[i] = &p->types[i];
    }
    char *comment = NULL;
    struct sp_buf cb;
    sp_buf_init(&cb);
    sp_buf_printf(&cb, "slotprof report: CPython %s, pid %d",
                  r->python[0] ? r->python : "?", r->pid);
    if (!r->allocs.present) {
        sp_buf_puts(&cb, "; allocations were not counted");
    }
    if (sp_buf_ok(&cb)) {
        comment = own(p, cb.data);  /* takes the buffer */
    } else {
        sp_buf_free(&cb);
        fail_memory(p);
    }
    if (comment != NULL) {
        p->comment = intern(p, comment);
    }

    perftools__profiles__mapping__init(&p->mapping);
    p->mapping.id = 1;
    p->mapping.has_functions = 1;
    p->mapping.has_filenames = 1;
    p->mapping.has_line_numbers = 1;
    p->mapping_ptr = &p->mapping;

    perftools__profiles__profile__init(prof);
    prof->n_sample_type = p->nvalues;
    prof->sample_type = p->type_ptrs;
    prof->n_sample = p->nsamples;
    prof->sample = p->sample_ptrs;
    prof->n_mapping = 1;
    prof->mapping = &p->mapping_ptr;
    prof->n_location = p->nlocations;
    prof->location = p->location_ptrs;
    prof->n_function = p->nfunctions;
    prof->function = p->function_ptrs;
    prof->n_string_table = p->nstrings;
    prof->string_table = p->strings;
    prof->time_nanos = parse_written_at(r->session.written_at);
    prof->duration_nanos = 0;
    prof->n_comment = 1;
    prof->comment = &p->comment;
    prof->default_sample_type = S_SAVABLE;
}

/* Append data, gzipped (RFC 1952), to b. */
static bool
gzip_into(struct pprof *p, const uint8_t *data, size_t len,
          struct sp_buf *b)
{
    z_stream zs;
    unsigned char out[16384];
    int ret;

    memset(&zs, 0, sizeof(zs));
    /* windowBits 15 + 16: a gzip header and trailer instead of zlib's */
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        fail(p, "cannot start gzip compression: %s",
             zs.msg ? zs.msg : "zlib error");
        return false;
    }
    do {
        if (zs.avail_in == 0 && len > 0) {
            /* avail_in is an unsigned int: feed at most UINT_MAX at once */
            zs.next_in = (Bytef *)data;
            zs.avail_in = len > UINT_MAX ? UINT_MAX : (uInt)len;
            data += zs.avail_in;
            len -= zs.avail_in;
        }
        zs.next_out = out;
        zs.avail_out = sizeof(out);
        ret = deflate(&zs, len == 0 ? Z_FINISH : Z_NO_FLUSH);
        if (ret == Z_STREAM_ERROR) {
            break;
        }
        sp_buf_append(b, (const char *)out, sizeof(out) - zs.avail_out);
    } while (ret != Z_STREAM_END);
    deflateEnd(&zs);
    if (ret != Z_STREAM_END) {
        fail(p, "gzip compression failed");
        return false;
    }
    if (!sp_buf_ok(b)) {
        fail_memory(p);
        return false;
    }
    return true;
}

static void
release(struct pprof *p)
{
    for (size_t i = 0; i < p->nowned; i++) {
        sp_free(p->owned[i]);
    }
    sp_free(p->owned);
    sp_free(p->strings);
    sp_free(p->functions);
    sp_free(p->function_ptrs);
    sp_free(p->locations);
    sp_free(p->location_ptrs);
    sp_free(p->lines);
    sp_free(p->line_ptrs);
    sp_free(p->samples);
    sp_free(p->sample_ptrs);
    sp_free(p->labels);
    sp_free(p->label_ptrs);
    sp_free(p->location_ids);
    sp_free(p->values);
    sp_strmap_free(&p->string_ix);
    sp_strmap_free(&p->module_ix);
    sp_strmap_free(&p->class_ix);
    sp_strmap_free(&p->root_ix);
    sp_strmap_free(&p->function_ix);
}

bool
sp_render_pprof(const struct sp_report *r, struct sp_buf *b, char *err,
                size_t errlen)
{
    struct pprof p;
    uint8_t *packed = NULL;

    memset(&p, 0, sizeof(p));
    p.err = err;
    p.errlen = errlen;
    sp_strmap_init(&p.string_ix);
    sp_strmap_init(&p.module_ix);
    sp_strmap_init(&p.class_ix);
    sp_strmap_init(&p.root_ix);
    sp_strmap_init(&p.function_ix);

    if (setup(&p, r)) {
        if (r->allocs.present) {
            add_sites(&p, r);
        } else {
            add_classes(&p, r);
        }
    }
    if (!p.failed) {
        fill_profile(&p, r);
    }
    if (!p.failed) {
        size_t len = perftools__profiles__profile__get_packed_size(&p.prof);
        packed = sp_malloc(len ? len : 1);
        if (packed == NULL) {
            fail_memory(&p);
        } else {
            size_t done = perftools__profiles__profile__pack(&p.prof, packed);
            if (SP_NEVER(done != len)) {
                fail(&p, "pprof: encoded %zu bytes, expected %zu", done, len);
            } else {
                gzip_into(&p, packed, len, b);
            }
        }
    }
    sp_free(packed);
    release(&p);
    return !p.failed;
}
