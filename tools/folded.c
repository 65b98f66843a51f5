/*
 * folded.c -- a report as folded stacks, the input of flame graph tools
 * (flamegraph.pl, inferno-flamegraph, speedscope's "folded" import).
 *
 * One line per allocation site (docs/report-format.md,
 * allocations.sites[]):
 *
 *     module.qualname;FRAME;FRAME;...;FRAME WEIGHT
 *
 * The class is the root frame, so a flame graph splits first by class and
 * then by where its instances were created; the site's frames follow
 * outermost first, the allocating frame last.  A frame reads
 *
 *     function (file:line)          a Python frame
 *     function (file)               ... whose line is unknown
 *     function                      ... whose file is unknown too
 *     function [native] (dso)       a native frame in a known DSO
 *     function [native]             a native frame, DSO unknown
 *
 * and the unsampled remainder of a class (a site without frames) is
 * "module.qualname;[unsampled]".  WEIGHT is the site's savable_bytes
 * (default), instances or allocations; a line whose weight is zero or
 * negative is left out, since those tools want positive sample counts.
 *
 * A report without an allocations section has no sites: each class of
 * classes[] is then one "module.qualname;[unsampled] W" line weighted by
 * its savings_bytes or instances (allocations cannot be shown).
 *
 * Names come from the program and may contain anything: the tools split
 * frames at ';' and lines at '\n', and take the last space-separated
 * field as the count, so ';' becomes ':' and every control character
 * (newline, tab, ...) becomes '?'.  flamegraph.pl also reads a stack
 * that ends in " DIGITS" as a differential line (two counts), so a last
 * frame ending that way has that space written as '_'.  Order: the
 * report's own (sites by class, then weight), so the same report always
 * gives the same bytes.
 */
#include "cli.h"

#include <inttypes.h>           /* PRIu64, PRId64 */
#include <stdio.h>              /* snprintf */
#include <string.h>             /* strcmp */

bool
sp_weight_parse(const char *s, enum sp_weight *w)
{
    static const enum sp_weight all[] = {
        SP_WEIGHT_SAVABLE_BYTES, SP_WEIGHT_INSTANCES, SP_WEIGHT_ALLOCATIONS,
    };

    for (size_t i = 0; i < SP_ARRAY_LEN(all); i++) {
        if (strcmp(s, sp_weight_name(all[i])) == 0) {
            *w = all[i];
            return true;
        }
    }
    return false;
}

const char *
sp_weight_name(enum sp_weight w)
{
    switch (w) {
    case SP_WEIGHT_SAVABLE_BYTES:
        return "savable_bytes";
    case SP_WEIGHT_INSTANCES:
        return "instances";
    case SP_WEIGHT_ALLOCATIONS:
        return "allocations";
    }
    return "savable_bytes";
}

/* s with ';' as ':' and control characters as '?'. */
static void
put_name(struct sp_buf *b, const char *s)
{
    const char *run = s;

    if (s == NULL) {
        sp_buf_puts(b, "?");
        return;
    }
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ';' || c < 0x20 || c == 0x7f) {
            sp_buf_append(b, run, (size_t)(s - run));
            sp_buf_puts(b, c == ';' ? ":" : "?");
            run = s + 1;
        }
    }
    sp_buf_append(b, run, (size_t)(s - run));
}

static void
put_class(struct sp_buf *b, const char *module, const char *qualname)
{
    put_name(b, module);
    sp_buf_puts(b, ".");
    put_name(b, qualname);
}

static void
put_frame(struct sp_buf *b, const struct sp_frame *f)
{
    put_name(b, f->function != NULL ? f->function : "?");
    if (f->native) {
        sp_buf_puts(b, " [native]");
    }
    if (f->file != NULL) {
        sp_buf_puts(b, " (");
        put_name(b, f->file);
        if (f->line > 0 && !f->native) {
            sp_buf_printf(b, ":%d", f->line);
        }
        sp_buf_puts(b, ")");
    }
}

/* The stack just written into b starts at `start`: if it ends in
 * " DIGITS" or " DIGITS.DIGITS", flamegraph.pl would take those digits
 * for a count (its regex: /^(.*)\s+?(\d+(?:\.\d*)?)$/).  Turn the space
 * into '_'. */
static void
guard_tail(struct sp_buf *b, size_t start)
{
    size_t i = b->len;
    bool digit = false, dot = false;

    if (!sp_buf_ok(b)) {
        return;
    }
    while (i > start) {
        char c = b->data[i - 1];
        if (c >= '0' && c <= '9') {
            digit = true;
        }
        else if (c == '.' && !dot) {
            dot = true;
        }
        else {
            break;
        }
        i--;
    }
    if (digit && i > start && b->data[i - 1] == ' ') {
        b->data[i - 1] = '_';
    }
}

static int64_t
site_weight(const struct sp_site *s, enum sp_weight w)
{
    switch (w) {
    case SP_WEIGHT_SAVABLE_BYTES:
        return s->savable_bytes;
    case SP_WEIGHT_INSTANCES:
        return s->instances > INT64_MAX ? INT64_MAX : (int64_t)s->instances;
    case SP_WEIGHT_ALLOCATIONS:
        return s->allocations > INT64_MAX ? INT64_MAX
                                          : (int64_t)s->allocations;
    }
    return 0;
}

static bool
has_sites(const struct sp_report *r)
{
    return r->allocs.present && r->allocs.nsites > 0;
}

bool
sp_render_folded_possible(const struct sp_report *r, enum sp_weight w,
                          char *err, size_t errlen)
{
    if (w == SP_WEIGHT_ALLOCATIONS && !r->allocs.present) {
        snprintf(err, errlen, "--weight allocations needs allocation counts, "
                 "and this report has none (\"allocations\": null)");
        return false;
    }
    return true;
}

void
sp_render_folded(const struct sp_report *r, enum sp_weight w,
                 struct sp_buf *b)
{
    const struct sp_allocs *a = &r->allocs;

    if (!has_sites(r)) {
        if (w == SP_WEIGHT_ALLOCATIONS) {
            return;
        }
        for (size_t i = 0; i < r->nclasses; i++) {
            const struct sp_class *c = &r->classes[i];
            int64_t x = w == SP_WEIGHT_INSTANCES
                            ? (c->instances > INT64_MAX
                                   ? INT64_MAX
                                   : (int64_t)c->instances)
                            : c->savings_bytes;
            if (x <= 0) {
                continue;
            }
            put_class(b, c->module, c->qualname);
            sp_buf_printf(b, ";[unsampled] %" PRId64 "\n", x);
        }
        return;
    }
    for (size_t i = 0; i < a->nsites; i++) {
        const struct sp_site *s = &a->sites[i];
        int64_t x = site_weight(s, w);
        if (x <= 0) {
            continue;
        }
        size_t start = b->len;
        put_class(b, s->module, s->qualname);
        if (s->nframes == 0) {
            sp_buf_puts(b, ";[unsampled]");
        }
        for (size_t k = 0; k < s->nframes; k++) {
            sp_buf_puts(b, ";");
            if (s->frames[k] < a->nframes) {
                put_frame(b, &a->frames[s->frames[k]]);
            }
            else {
                sp_buf_puts(b, "?");    /* load.c refuses such a report */
            }
        }
        guard_tail(b, start);
        sp_buf_printf(b, " %" PRId64 "\n", x);
    }
}
