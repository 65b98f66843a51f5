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
in_list(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i], s) == 0) {
            return true;
        }
    }
    return false;
}

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

static bool
carries(const struct sp_class *c, const char *name)
{
    for (size_t i = 0; i < c->nattrs; i++) {
        if (strcmp(c->attrs[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static uint64_t
carried_by(const struct sp_class *c, const char *name)
{
    for (size_t i = 0; i < c->nattrs; i++) {
        if (strcmp(c->attrs[i].name, name) == 0) {
            return c->attrs[i].instances;
        }
    }
    return 0;
}

/* A growable list of names (borrowed strings). */
struct names {
    const char **v;
    size_t n;
    size_t cap;
};

static bool
names_add(struct names *l, const char *s)
{
    if (in_list(l->v, l->n, s)) {
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
    l->v[l->n++] = s;
    return true;
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

/* Every class with live instances that has node k in its MRO carries n
 * (so declaring n in k burdens nobody). */
static bool
all_below_carry(const struct sp_report *r, const struct sp_plan_in *in,
                int k, const char *n)
{
    for (size_t j = 0; j < r->nclasses; j++) {
        const struct sp_pnode *nj = &in->nodes[in->class_node[j]];
        if (in_mro(nj, k) && !carries(&r->classes[j], n)) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------ the plan */

struct decl {
    struct names *per_node;     /* names declared by each node */
};

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
            const struct sp_pnode *node = &in->nodes[cand[m]];
            named |= in_list(node->mentions, node->nmentions, n);
        }
        for (size_t m = ncand; m-- > 0;) {      /* most basic first */
            const struct sp_pnode *node = &in->nodes[cand[m]];
            if ((!named || in_list(node->mentions, node->nmentions, n))
                && all_below_carry(r, in, cand[m], n)) {
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
all_fields(const struct sp_pnode *node, char *const *names, size_t n,
           const char **missing)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], WEAKREF_NAME) != 0
            && !in_list(node->fields, node->nfields, names[i])) {
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
            if (!in_list(all.v, all.n, l->v[a]) && !names_add(&own, l->v[a])) {
                sp_free(own.v);
                goto fail;
            }
        }
        struct sp_plan_step *st = &c->plan[c->nplan++];
        st->module = sp_strdup(node->module);
        st->qualname = sp_strdup(node->qualname);
        st->names = copy_names(&own);
        st->nnames = own.n;
        sp_free(own.v);
        l = NULL;       /* from here on, the step's own names */
        if (st->module == NULL || st->qualname == NULL || st->names == NULL) {
            goto fail;
        }
        const char *missing = NULL;
        if (in->base_varsize[i] && st->nnames == 0) {
            st->form = SP_FORM_EMPTY_SLOTS;
        }
        else if (node->dataclass && in->dataclass_slots_ok
                 && all_fields(node, st->names, st->nnames, &missing)) {
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
            if (in_list(node->class_vars, node->nclass_vars, n) && !field_ok
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
            if (in_list(d->per_node[self->mro[m]].v,
                        d->per_node[self->mro[m]].n, n)) {
                declarer = self->mro[m];
            }
        }
        for (size_t m = 0; m < self->nmro && declarer >= 0; m++) {
            int a = self->mro[m];
            const struct sp_pnode *node = &in->nodes[a];
            if (a == declarer
                || !in_list(node->class_vars, node->nclass_vars, n)) {
                continue;
            }
            uint64_t have = carried_by(c, n);
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
                ok_issue = sp_class_add_issue(
                    c, "class-default-hidden", blocks,
                    "%s.%s is a class default for '%s'; %llu of %llu "
                    "instances %s: with a slot, reading an unset '%s' "
                    "raises AttributeError instead of giving the default",
                    node->qualname, n, n,
                    (unsigned long long)(c->instances - have),
                    (unsigned long long)c->instances,
                    blocks ? "rely on it" : "rely on it (none do now)", n);
            }
            if (!ok_issue) {
                goto fail;
            }
        }
    }

    /* Names on a var-sized builtin base cannot be slots. */
    if (in->base_varsize[i] && c->nattrs > 0
        && !sp_class_add_issue(
            c, "varsize-base", true,
            "nonempty __slots__ not supported for subtype of '%s' (CPython "
            "raises TypeError), and %zu attribute names are set on "
            "instances", in->base_name[i], c->nattrs)) {
        goto fail;
    }

    /* None lost: every name carried is declared along the MRO. */
    for (size_t a = 0; a < c->nattrs; a++) {
        if (SP_NEVER(!in_list(all.v, all.n, c->attrs[a].name))
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
        ordered = !in_list(all.v, all.n, c->attrs[a].name)
                  || names_add(&order, c->attrs[a].name);
    }
    for (size_t a = 0; a < all.n && ordered; a++) {
        ordered = strcmp(all.v[a], WEAKREF_NAME) == 0
                  || names_add(&order, all.v[a]);
    }
    if (ordered && in_list(all.v, all.n, WEAKREF_NAME)) {
        ordered = names_add(&order, WEAKREF_NAME);
    }
    c->suggested_slots = ordered ? copy_names(&order) : NULL;
    c->nsuggested = order.n;
    sp_free(order.v);
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
    sp_free(all.v);
    return ok;
}

bool
sp_plan_build(struct sp_report *r, const struct sp_plan_in *in,
              struct sp_plan_out *out)
{
    struct decl d;
    bool ok = false;

    d.per_node = sp_calloc(in->nnodes ? in->nnodes : 1, sizeof(struct names));
    if (d.per_node == NULL) {
        return false;
    }
    /* Decide in a stable order: most instances first, so first-seen
     * order within a class follows its most common subclass. */
    size_t *order = sp_calloc(r->nclasses ? r->nclasses : 1, sizeof(size_t));
    if (order == NULL) {
        goto done;
    }
    for (size_t i = 0; i < r->nclasses; i++) {
        order[i] = i;
    }
    for (size_t i = 1; i < r->nclasses; i++) {
        size_t v = order[i], j = i;
        while (j > 0
               && r->classes[order[j - 1]].instances < r->classes[v].instances) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
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
    for (size_t k = 0; k < in->nnodes; k++) {
        sp_free(d.per_node[k].v);
    }
    sp_free(d.per_node);
    return ok;
}
