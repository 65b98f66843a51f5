/*
 * plan.c -- who must declare which __slots__, and what would break.
 *
 * An instance loses its __dict__ only if every class of its MRO declares
 * __slots__, so a recommendation is a plan over a hierarchy, not a tuple
 * for one class.  Python-free: classinfo.c describes each heap class as a
 * node (layout parent = tp_base, MRO, own class variables, dataclass
 * fields, editable or not), this file decides.
 *
 * Where a name is declared.  Along the layout chain (tp_base links) of a
 * class C, among the classes that lack __slots__, a name n goes to the
 * most basic class K such that every class with live instances below K
 * carries n -- and, when the methods of some class of the chain name n,
 * K must be one of those (its code is where `self.n = ...` lives).  So attributes set by a shared base __init__ are declared
 * once in the base, attributes only one subclass uses stay in that
 * subclass, and no name is declared twice along one MRO (CPython allows
 * it, but it wastes 8 bytes per instance and shadows the base's slot).
 * Classes of the MRO off the layout chain (mixins) get __slots__ = ():
 * two bases with non-empty slots cannot be combined ("multiple bases have
 * instance lay-out conflict", typeobject.c best_base/solid_base).
 *
 * Every check below that blocks mirrors an error CPython raises or a
 * behaviour change; each carries the evidence seen.
 */
#include "internal.h"

#include <stdarg.h>             /* va_list */
#include <stdio.h>              /* vsnprintf */
#include <string.h>             /* strcmp */

#define WEAKREF_NAME "__weakref__"

bool
sp_class_add_issue(struct sp_class *c, const char *code, bool blocks,
                   const char *fmt, ...)
{
    char detail[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    /* One issue per code and detail: the same evidence twice is noise. */
    for (size_t i = 0; i < c->nissues; i++) {
        if (strcmp(c->issues[i].code, code) == 0
            && strcmp(c->issues[i].detail, detail) == 0) {
            return true;
        }
    }
    void *p = sp_realloc(c->issues, (c->nissues + 1) * sizeof(*c->issues));
    if (p == NULL) {
        return false;
    }
    c->issues = p;
    struct sp_issue *is = &c->issues[c->nissues];
    is->code = sp_strdup(code);
    is->detail = sp_strdup(detail);
    is->blocks = blocks;
    if (is->code == NULL || is->detail == NULL) {
        sp_free(is->code);
        sp_free(is->detail);
        return false;
    }
    c->nissues++;
    return true;
}

/* ------------------------------------------------------------ helpers */

static bool
in_mro(const struct sp_pnode *node, int k)
{
    for (size_t i = 0; i < node->nmro; i++) {
        if (node->mro[i] == k) {
            return true;
        }
    }
    return false;
}



/* A growable list of names (borrowed strings), with a set beside it so
 * membership is not a scan: classes can carry tens of thousands of
 * names. */
struct names {
    const char **v;
    size_t n;
    size_t cap;
    struct sp_strmap set;
};

static bool
names_has(const struct names *l, const char *s)
{
    return sp_strmap_get(&l->set, 0, s, NULL);
}

static bool
names_add(struct names *l, const char *s)
{
    if (names_has(l, s)) {
        return true;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        void *p = sp_realloc(l->v, cap * sizeof(char *));
        if (p == NULL) {
            return false;
        }
        l->v = p;
        l->cap = cap;
    }
    if (sp_strmap_put(&l->set, 0, s, 0) < 0) {
        return false;
    }
    l->v[l->n++] = s;
    return true;
}

static void
names_free(struct names *l)
{
    sp_free(l->v);
    sp_strmap_free(&l->set);
}

/* The layout chain of class node k, derived first: k, tp_base, ... while
 * heap classes. */
static size_t
layout_chain(const struct sp_plan_in *in, int k, int *out, size_t max)
{
    size_t n = 0;
    while (k >= 0 && n < max) {
        out[n++] = k;
        k = in->nodes[k].layout_parent;
    }
    return n;
}

static bool
on_chain(const int *chain, size_t n, int k)
{
    for (size_t i = 0; i < n; i++) {
        if (chain[i] == k) {
            return true;
        }
    }
    return false;
}

#define MAX_CHAIN 64

/* ------------------------------------------------------------ the plan */

/* Tags of the plan-wide string map (struct decl.map). */
#define TAG_ATTR(i) (((uint64_t)(i) << 3) | 0)      /* class i's names */
#define TAG_MENTION(k) (((uint64_t)(k) << 3) | 1)   /* node k's code */
#define TAG_CLASSVAR(k) (((uint64_t)(k) << 3) | 2)  /* node k's dict */
#define TAG_FIELD(k) (((uint64_t)(k) << 3) | 3)     /* node k's fields */
#define TAG_BELOW(k) (((uint64_t)(k) << 3) | 4)     /* all_below_carry memo */

struct decl {
    struct names *per_node;     /* names declared by each node */
    struct sp_strmap map;       /* the sets above, by tag */
    size_t **below;             /* per node: classes with it in their MRO */
    size_t *nbelow;
};

static bool
node_has(const struct decl *d, uint64_t tag, const char *s)
{
    return sp_strmap_get(&d->map, tag, s, NULL);
}

/* Every class with live instances that has node k in its MRO carries n
 * (so declaring n in k burdens nobody).  Memoized per (k, n). */
static int
all_below_carry(struct decl *d, int k, const char *n)
{
    int64_t v;
    if (sp_strmap_get(&d->map, TAG_BELOW(k), n, &v)) {
        return (int)v;
    }
    v = 1;
    for (size_t b = 0; b < d->nbelow[k] && v; b++) {
        v = node_has(d, TAG_ATTR(d->below[k][b]), n);
    }
    return sp_strmap_put(&d->map, TAG_BELOW(k), n, v) < 0 ? -1 : (int)v;
}

/* Decide, for class i, where each of its names is declared. */
static bool
assign_names(const struct sp_report *r, const struct sp_plan_in *in,
             size_t i, struct decl *d)
{
    const struct sp_class *c = &r->classes[i];
    int chain[MAX_CHAIN];
    int cand[MAX_CHAIN];
    size_t nchain = layout_chain(in, in->class_node[i], chain, MAX_CHAIN);
    size_t ncand = 0;

    for (size_t k = 0; k < nchain; k++) {
        if (!in->nodes[chain[k]].has_slots) {
            cand[ncand++] = chain[k];
        }
    }
    if (ncand == 0) {
        /* Slots everywhere on the layout chain already: the dict comes
         * from a mixin.  The class's own slots take the names. */
        cand[ncand++] = in->class_node[i];
    }
    for (size_t a = 0; a < c->nattrs; a++) {
        const char *n = c->attrs[a].name;
        int k = cand[0];
        /* If some class of the chain has code that names n, the name
         * belongs to one of those: that is where `self.n = ...` lives. */
        bool named = false;
        for (size_t m = 0; m < ncand; m++) {
            named |= node_has(d, TAG_MENTION(cand[m]), n);
        }
        for (size_t m = ncand; m-- > 0;) {      /* most basic first */
            if (named && !node_has(d, TAG_MENTION(cand[m]), n)) {
                continue;
            }
            int below = all_below_carry(d, cand[m], n);
            if (below < 0) {
                return false;
            }
            if (below) {
                k = cand[m];
                break;
            }
        }
        if (!names_add(&d->per_node[k], n)) {
            return false;
        }
    }
    if (c->weakrefs > 0 && !in->base_has_weakref[i]
        && !names_add(&d->per_node[cand[ncand - 1]], WEAKREF_NAME)) {
        return false;
    }
    return true;
}

static bool
all_fields(const struct decl *d, int k, char *const *names, size_t n,
           const char **missing)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], WEAKREF_NAME) != 0
            && !node_has(d, TAG_FIELD(k), names[i])) {
            *missing = names[i];
            return false;
        }
    }
    return true;
}

static char **
copy_names(const struct names *l)
{
    char **v = sp_calloc(l->n ? l->n : 1, sizeof(char *));
    if (v == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < l->n; i++) {
        v[i] = sp_strdup(l->v[i]);
        if (v[i] == NULL) {
            for (size_t j = 0; j < i; j++) {
                sp_free(v[j]);
            }
            sp_free(v);
            return NULL;
        }
    }
    return v;
}

/* Build class i's steps, suggested slots and issues from the decisions. */
static bool
plan_class(struct sp_report *r, const struct sp_plan_in *in, size_t i,
           const struct decl *d, struct sp_plan_out *out)
{
    struct sp_class *c = &r->classes[i];
    const struct sp_pnode *self = &in->nodes[in->class_node[i]];
    int chain[MAX_CHAIN];
    size_t nchain = layout_chain(in, in->class_node[i], chain, MAX_CHAIN);
    struct names all = {0};
    bool ok = false;

    out->removable = !in->base_has_dict[i];
    if (in->base_has_dict[i]
        && !sp_class_add_issue(
            c, "base-has-dict", true,
            "its builtin base %s carries a __dict__ of its own: no __slots__ "
            "can remove it", in->base_name[i])) {
        return false;
    }

    /* Steps: the MRO's classes lacking __slots__, base first. */
    c->plan = sp_calloc(self->nmro ? self->nmro : 1, sizeof(*c->plan));
    if (c->plan == NULL) {
        return false;
    }
    for (size_t m = self->nmro; m-- > 0;) {
        int k = self->mro[m];
        const struct sp_pnode *node = &in->nodes[k];
        const struct names *l = &d->per_node[k];
        bool chained = on_chain(chain, nchain, k);
        if (node->has_slots && l->n == 0) {
            if (chained) {
                out->nslots += node->existing_slots;
            }
            else if (node->existing_slots > 0 && self->has_slots == false
                     && nchain > 0
                     && !sp_class_add_issue(
                         c, "layout-conflict", true,
                         "%s.%s already declares slots but is not on the "
                         "layout chain of %s: once the chain gets slots too, "
                         "the class statement fails with 'multiple bases "
                         "have instance lay-out conflict'",
                         node->module, node->qualname, c->qualname)) {
                return false;
            }
            continue;
        }
        /* A name a more basic class of this MRO declares already is not
         * declared again (a second slot would shadow the first and waste
         * 8 bytes); that only happens when the plan is blocked anyway
         * (a lay-out conflict). */
        struct names own = {0};
        for (size_t a = 0; a < l->n; a++) {
            if (!names_has(&all, l->v[a]) && !names_add(&own, l->v[a])) {
                names_free(&own);
                goto fail;
            }
        }
        struct sp_plan_step *st = &c->plan[c->nplan++];
        st->module = sp_strdup(node->module);
        st->qualname = sp_strdup(node->qualname);
        st->names = copy_names(&own);
        st->nnames = own.n;
        names_free(&own);
        l = NULL;       /* from here on, the step's own names */
        if (st->module == NULL || st->qualname == NULL || st->names == NULL) {
            goto fail;
        }
        const char *missing = NULL;
        if (in->base_varsize[i] && st->nnames == 0) {
            st->form = SP_FORM_EMPTY_SLOTS;
        }
        else if (node->dataclass && in->dataclass_slots_ok
                 && all_fields(d, k, st->names, st->nnames, &missing)
                 && (in->dataclass_weakref_ok
                     || !names_has(&d->per_node[k], WEAKREF_NAME))) {
            st->form = SP_FORM_DATACLASS;
        }
        else {
            st->form = SP_FORM_SLOTS;
            if (missing != NULL
                && !sp_class_add_issue(
                    c, "dataclass-extra-attribute", false,
                    "'%s' is set on instances of dataclass %s but is not a "
                    "field, so @dataclass(slots=True) cannot hold it: "
                    "declare __slots__ by hand", missing, node->qualname)) {
                goto fail;
            }
        }
        if (!node->editable
            && !sp_class_add_issue(
                c, "base-not-editable", true,
                "%s.%s has no __slots__ and is not your code (standard "
                "library, installed package or builtin module): its "
                "instances keep a __dict__", node->module, node->qualname)) {
            goto fail;
        }
        if (!chained && d->per_node[k].n > 0
            && !sp_class_add_issue(
                c, "layout-conflict", true,
                "%s.%s would declare non-empty slots but is not on the "
                "layout chain of %s: 'multiple bases have instance lay-out "
                "conflict'", node->module, node->qualname, c->qualname)) {
            goto fail;
        }
        for (size_t a = 0; a < st->nnames; a++) {
            const char *n = st->names[a];
            if (!names_add(&all, n)) {
                goto fail;
            }
            if (strcmp(n, WEAKREF_NAME) == 0) {
                out->add_weakref = true;
                continue;
            }
            if (chained) {
                out->nslots++;
            }
            bool field_ok = st->form == SP_FORM_DATACLASS;
            if (node_has(d, TAG_CLASSVAR(k), n) && !field_ok
                && !sp_class_add_issue(
                    c, "class-variable", true,
                    "'%s' is a class variable of %s and an instance "
                    "attribute: __slots__ naming it raises ValueError "
                    "(conflicts with class variable)", n, node->qualname)) {
                goto fail;
            }
        }
    }

    /* Class variables elsewhere in the MRO named like a slot. */
    for (size_t s = 0; s < all.n; s++) {
        const char *n = all.v[s];
        int declarer = -1;
        for (size_t m = 0; m < self->nmro; m++) {
            if (names_has(&d->per_node[self->mro[m]], n)) {
                declarer = self->mro[m];
            }
        }
        for (size_t m = 0; m < self->nmro && declarer >= 0; m++) {
            int a = self->mro[m];
            const struct sp_pnode *node = &in->nodes[a];
            if (a == declarer || !node_has(d, TAG_CLASSVAR(a), n)) {
                continue;
            }
            int64_t at = -1;
            uint64_t have = sp_strmap_get(&d->map, TAG_ATTR(i), n, &at)
                                ? c->attrs[at].instances : 0;
            bool ok_issue;
            if (!in_mro(&in->nodes[declarer], a)) {
                ok_issue = sp_class_add_issue(
                    c, "class-variable", true,
                    "class variable %s.%s shadows the slot '%s' declared in "
                    "%s: setting it on an instance raises AttributeError",
                    node->qualname, n, n, in->nodes[declarer].qualname);
            }
            else {
                bool blocks = have < c->instances;
                char rely[32], all_[32];
                sp_fmt_count(rely, sizeof(rely), c->instances - have);
                sp_fmt_count(all_, sizeof(all_), c->instances);
                ok_issue = sp_class_add_issue(
                    c, "class-default-hidden", blocks,
                    "%s.%s is a class default for '%s'; %s of %s "
                    "instances %s: with a slot, reading an unset '%s' "
                    "raises AttributeError instead of giving the default",
                    node->qualname, n, n, rely, all_,
                    blocks ? "rely on it" : "rely on it (none do now)", n);
            }
            if (!ok_issue) {
                goto fail;
            }
        }
    }

    /* Names on a var-sized builtin base cannot be slots (3.15: but on
     * tuple they can). */
    if (in->base_varsize[i] && c->nattrs > 0
        && !(in->base_names_ok != NULL && in->base_names_ok[i])
        && !sp_class_add_issue(
            c, "varsize-base", true,
            "nonempty __slots__ not supported for subtype of '%s' (CPython "
            "raises TypeError), and %zu attribute names are set on "
            "instances", in->base_name[i], c->nattrs)) {
        goto fail;
    }

    /* None lost: every name carried is declared along the MRO. */
    for (size_t a = 0; a < c->nattrs; a++) {
        if (SP_NEVER(!names_has(&all, c->attrs[a].name))
            && !sp_class_add_issue(c, "plan-incomplete", true,
                                   "'%s' has no slot in the plan",
                                   c->attrs[a].name)) {
            goto fail;
        }
    }
    /* The instance's slots in first-seen order, then names declared for
     * other classes' sake that these instances never set, __weakref__
     * last. */
    struct names order = {0};
    bool ordered = true;
    for (size_t a = 0; a < c->nattrs && ordered; a++) {
        ordered = !names_has(&all, c->attrs[a].name)
                  || names_add(&order, c->attrs[a].name);
    }
    for (size_t a = 0; a < all.n && ordered; a++) {
        ordered = strcmp(all.v[a], WEAKREF_NAME) == 0
                  || names_add(&order, all.v[a]);
    }
    if (ordered && names_has(&all, WEAKREF_NAME)) {
        ordered = names_add(&order, WEAKREF_NAME);
    }
    c->suggested_slots = ordered ? copy_names(&order) : NULL;
    c->nsuggested = order.n;
    names_free(&order);
    if (c->suggested_slots == NULL) {
        goto fail;
    }

    c->verdict = SP_VERDICT_SAFE;
    for (size_t k = 0; k < c->nissues; k++) {
        enum sp_verdict v =
            c->issues[k].blocks ? SP_VERDICT_BLOCKED : SP_VERDICT_REVIEW;
        if (v > c->verdict) {
            c->verdict = v;
        }
    }
    ok = true;
fail:
    names_free(&all);
    return ok;
}

/* Class indices ordered by instances, most first, ties by index: a
 * stable merge sort in the profiler's heap (glibc's qsort may take its
 * scratch memory from the host's malloc). */
static size_t *
by_instances(const struct sp_report *r)
{
    size_t n = r->nclasses;
    size_t *a = sp_calloc(n ? n : 1, sizeof(size_t));
    size_t *t = sp_calloc(n ? n : 1, sizeof(size_t));
    if (a == NULL || t == NULL) {
        sp_free(a);
        sp_free(t);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        a[i] = i;
    }
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t x = lo, y = mid, o = lo;
            while (x < mid || y < hi) {
                bool left = y >= hi
                    || (x < mid && r->classes[a[x]].instances
                                   >= r->classes[a[y]].instances);
                t[o++] = left ? a[x++] : a[y++];
            }
        }
        size_t *sw = a;
        a = t;
        t = sw;
    }
    sp_free(t);
    return a;
}

/* The sets plan decisions look names up in, and, per node, the classes
 * with live instances that have it in their MRO. */
static bool
decl_init(struct decl *d, const struct sp_report *r,
          const struct sp_plan_in *in)
{
    memset(d, 0, sizeof(*d));
    d->per_node = sp_calloc(in->nnodes ? in->nnodes : 1, sizeof(struct names));
    d->below = sp_calloc(in->nnodes ? in->nnodes : 1, sizeof(size_t *));
    d->nbelow = sp_calloc(in->nnodes ? in->nnodes : 1, sizeof(size_t));
    if (d->per_node == NULL || d->below == NULL || d->nbelow == NULL) {
        return false;
    }
    for (size_t i = 0; i < r->nclasses; i++) {
        const struct sp_class *c = &r->classes[i];
        for (size_t a = 0; a < c->nattrs; a++) {
            if (sp_strmap_put(&d->map, TAG_ATTR(i), c->attrs[a].name,
                              (int64_t)a) < 0) {
                return false;
            }
        }
        const struct sp_pnode *node = &in->nodes[in->class_node[i]];
        for (size_t m = 0; m < node->nmro; m++) {
            d->nbelow[node->mro[m]]++;
        }
    }
    for (size_t k = 0; k < in->nnodes; k++) {
        const struct sp_pnode *node = &in->nodes[k];
        d->below[k] = sp_calloc(d->nbelow[k] ? d->nbelow[k] : 1,
                                sizeof(size_t));
        if (d->below[k] == NULL) {
            return false;
        }
        d->nbelow[k] = 0;
        for (size_t j = 0; j < node->nmentions; j++) {
            if (sp_strmap_put(&d->map, TAG_MENTION(k), node->mentions[j], 0)
                < 0) {
                return false;
            }
        }
        for (size_t j = 0; j < node->nclass_vars; j++) {
            if (sp_strmap_put(&d->map, TAG_CLASSVAR(k), node->class_vars[j],
                              0) < 0) {
                return false;
            }
        }
        for (size_t j = 0; j < node->nfields; j++) {
            if (sp_strmap_put(&d->map, TAG_FIELD(k), node->fields[j], 0)
                < 0) {
                return false;
            }
        }
    }
    for (size_t i = 0; i < r->nclasses; i++) {
        const struct sp_pnode *node = &in->nodes[in->class_node[i]];
        for (size_t m = 0; m < node->nmro; m++) {
            int k = node->mro[m];
            d->below[k][d->nbelow[k]++] = i;
        }
    }
    return true;
}

static void
decl_free(struct decl *d, size_t nnodes)
{
    for (size_t k = 0; k < nnodes; k++) {
        if (d->per_node != NULL) {
            names_free(&d->per_node[k]);
        }
        if (d->below != NULL) {
            sp_free(d->below[k]);
        }
    }
    sp_free(d->per_node);
    sp_free(d->below);
    sp_free(d->nbelow);
    sp_strmap_free(&d->map);
}

bool
sp_plan_build(struct sp_report *r, const struct sp_plan_in *in,
              struct sp_plan_out *out)
{
    struct decl d;
    size_t *order = NULL;
    bool ok = false;

    /* Decide in a stable order: most instances first, so first-seen
     * order within a class follows its most common subclass. */
    if (!decl_init(&d, r, in) || (order = by_instances(r)) == NULL) {
        goto done;
    }
    for (size_t i = 0; i < r->nclasses; i++) {
        if (!assign_names(r, in, order[i], &d)) {
            goto done;
        }
    }
    for (size_t i = 0; i < r->nclasses; i++) {
        memset(&out[i], 0, sizeof(out[i]));
        if (!plan_class(r, in, i, &d, &out[i])) {
            goto done;
        }
    }
    ok = true;
done:
    sp_free(order);
    decl_free(&d, in->nnodes);
    return ok;
}
