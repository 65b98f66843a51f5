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
#include <stdio.h>              /* snprintf, vsnprintf */
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

/* Position of node k in an MRO, or -1. */
static int
mro_pos(const struct sp_pnode *node, int k)
{
    for (size_t i = 0; i < node->nmro; i++) {
        if (node->mro[i] == k) {
            return (int)i;
        }
    }
    return -1;
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
#define TAG_DEFAULT(k) (((uint64_t)(k) << 3) | 5)   /* node k's defaults */

struct decl {
    struct names *per_node;     /* names declared by each node */
    struct sp_strmap map;       /* the sets above, by tag */
    size_t **below;             /* per node: classes with it in their MRO */
    size_t *nbelow;
    int **desc;                 /* per node: nodes with it in their MRO
                                   (itself included), instances or not */
    size_t *ndesc;
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

/* Basename of a path, or "?" */
static const char *
base_of(const char *path)
{
    const char *slash = path != NULL ? strrchr(path, '/') : NULL;
    return path == NULL ? "?" : slash != NULL ? slash + 1 : path;
}

/* Append one default to a step's moved or inits list. */
static bool
add_moved(struct sp_moved_default **v, size_t *n, const char *name,
          int line, const struct sp_pnode *from)
{
    void *p = sp_realloc(*v, (*n + 1) * sizeof(**v));
    if (p == NULL) {
        return false;
    }
    *v = p;
    struct sp_moved_default *m = &(*v)[*n];
    memset(m, 0, sizeof(*m));
    (*n)++;
    m->name = sp_strdup(name);
    m->line = line;
    if (from != NULL) {
        m->from_module = sp_strdup(from->module);
        m->from_qualname = sp_strdup(from->qualname);
    }
    return m->name != NULL
           && (from == NULL
               || (m->from_module != NULL && m->from_qualname != NULL));
}

/* The evidence that a class attribute is an instance attribute too. */
static void
why_hazard(char *out, size_t outlen, const struct sp_class *c,
           const struct sp_attr *a, const struct sp_pdefault *df)
{
    char n1[32], n2[32];
    if (a->max_instances > 0) {
        sp_fmt_count(n1, sizeof(n1), a->max_instances);
        sp_fmt_count(n2, sizeof(n2), c->max_instances);
        snprintf(out, outlen, "instances set it (%s of %s at one census)",
                 n1, n2);
    }
    else if (a->in_code) {
        snprintf(out, outlen, "no instance set it while profiled, but the "
                 "class's own code assigns self.%s", df->name);
    }
    else {
        snprintf(out, outlen, "no instance set it while profiled, but %s:%d "
                 "assigns .%s", base_of(df->stored_file), df->stored_line,
                 df->name);
    }
}

/* The step of c's plan that edits node k, appended (form "init_only":
 * no __slots__ of its own, its __init__ only) when k is not one of the
 * classes its slots change.  NULL on allocation failure. */
static struct sp_plan_step *
step_of(struct sp_class *c, const struct sp_pnode *k)
{
    for (size_t s = 0; s < c->nplan; s++) {
        if (strcmp(c->plan[s].qualname, k->qualname) == 0
            && strcmp(c->plan[s].module, k->module) == 0) {
            return &c->plan[s];
        }
    }
    void *p = sp_realloc(c->plan, (c->nplan + 1) * sizeof(*c->plan));
    if (p == NULL) {
        return NULL;
    }
    c->plan = p;
    struct sp_plan_step *st = &c->plan[c->nplan++];
    memset(st, 0, sizeof(*st));
    st->form = SP_FORM_INIT_ONLY;
    st->module = sp_strdup(k->module);
    st->qualname = sp_strdup(k->qualname);
    st->names = sp_calloc(1, sizeof(char *));
    if (st->module == NULL || st->qualname == NULL || st->names == NULL) {
        return NULL;
    }
    return st;
}

/* Would an __init__ added to node o pass arguments on?  Only if an
 * __init__ after o in the MRO of dn takes them: a class of the MRO that
 * defines one, or a builtin base's own (object.__init__ refuses
 * arguments once a class overrides __init__). */
static bool
init_takes_args(const struct sp_plan_in *in, const struct sp_pnode *dn,
                int o)
{
    int po = mro_pos(dn, o);
    for (size_t p = (size_t)(po + 1); p < dn->nmro; p++) {
        if (in->nodes[dn->mro[p]].has_init) {
            return true;
        }
    }
    return dn->builtin_init;
}

/* Class attribute df leaves the body of node k.  Every class that read
 * k's value -- k and each class below it where no class in between
 * defines the name again -- must get it from the first __init__ that
 * runs for its instances: the first class of its MRO down to k that
 * defines one, else k itself, given one.  Not a class further up: an
 * __init__ need not call super().__init__().  Those __init__s join c's
 * plan; *owner: the one for c's own class (-1 if c does not read k's
 * value).  n_owners: how many. */
static bool
set_in_inits(struct sp_class *c, const struct sp_plan_in *in,
             const struct decl *d, int k, const struct sp_pdefault *df,
             int self, int *owner, size_t *n_owners)
{
    const struct sp_pnode *definer = &in->nodes[k];
    *owner = -1;
    *n_owners = 0;
    for (size_t j = 0; j < d->ndesc[k]; j++) {
        const struct sp_pnode *dn = &in->nodes[d->desc[k][j]];
        int pk = mro_pos(dn, k), o = k;
        bool shadowed = false;
        for (int p = 0; p < pk && !shadowed; p++) {
            shadowed = node_has(d, TAG_DEFAULT(dn->mro[p]), df->name);
        }
        for (int p = 0; p < pk && !shadowed; p++) {
            if (in->nodes[dn->mro[p]].has_init) {
                o = dn->mro[p];
                break;
            }
        }
        if (shadowed) {
            continue;       /* it reads another class's value */
        }
        const struct sp_pnode *on = &in->nodes[o];
        if (!on->editable) {
            return sp_class_add_issue(
                c, "class-default-elsewhere", true,
                "%s.%s reads class attribute %s.%s too, but is not your "
                "code: its __init__ cannot be made to set it", on->module,
                on->qualname, definer->qualname, df->name);
        }
        struct sp_plan_step *st = step_of(c, on);
        if (st == NULL) {
            return false;
        }
        bool dup = false;
        for (size_t m = 0; m < st->ninits && !dup; m++) {
            dup = strcmp(st->inits[m].name, df->name) == 0;
        }
        if (dup) {
            if (d->desc[k][j] == self) {
                *owner = o;
            }
            continue;
        }
        if (!on->has_init) {
            st->add_init = true;
            st->init_args |= init_takes_args(in, dn, o);
        }
        if (!add_moved(&st->inits, &st->ninits, df->name, df->line,
                       definer)) {
            return false;
        }
        (*n_owners)++;
        if (d->desc[k][j] == self) {
            *owner = o;
        }
    }
    return true;
}

/* The warning for class attribute df of node k, moved for class c. */
static bool
moved_issue(struct sp_class *c, const struct sp_plan_in *in, int k,
            const struct sp_pdefault *df, const struct sp_attr *a,
            int owner, size_t n_owners)
{
    const struct sp_pnode *definer = &in->nodes[k];
    const struct sp_pnode *on = &in->nodes[owner >= 0 ? owner : k];
    char why[256], where[64] = "", more[96] = "";
    why_hazard(why, sizeof(why), c, a, df);
    if (df->line > 0) {
        snprintf(where, sizeof(where), " (%s:%d)", base_of(definer->file),
                 df->line);
    }
    if (n_owners > 1) {
        snprintf(more, sizeof(more), " (and the __init__ of %zu more "
                 "class%s below %s that read it)", n_owners - 1,
                 n_owners > 2 ? "es" : "", definer->qualname);
    }
    bool add = !on->has_init;
    return sp_class_add_issue(
        c, "class-default-moved", false,
        "class attribute %s.%s%s is an instance attribute too: %s.  The "
        "plan makes it a slot, takes it out of the body of %s, and %s "
        "%s.__init__%s%s set self.%s to that value first, unless it is set "
        "already.  %s.%s then names the slot, not the value, and an "
        "instance made without running __init__ lacks it",
        definer->qualname, df->name, where, why, definer->qualname,
        add ? "gives" : "has", on->qualname,
        add ? " (calling super().__init__(*args, **kwargs))" : "", more,
        df->name, definer->qualname, df->name);
}

/* The class attributes of the MRO that are hazards for class i (their
 * name is an attribute instances carry: census, own code, or stored by
 * some code -- add_hazards put those in the attrs): each definer's
 * step takes it out of its body, and the __init__s of the classes that
 * read its value set it (set_in_inits).  stepidx: the step of each MRO
 * position, -1 for a class that is not a step. */
static bool
plan_defaults(struct sp_class *c, const struct sp_plan_in *in, size_t i,
              const struct decl *d, const int *stepidx)
{
    const struct sp_pnode *self = &in->nodes[in->class_node[i]];
    bool ok = true;
    for (size_t m = 0; m < self->nmro && ok; m++) {
        int k = self->mro[m];
        const struct sp_pnode *node = &in->nodes[k];
        for (size_t j = 0; j < node->ndefaults && ok; j++) {
            const struct sp_pdefault *df = &node->defaults[j];
            int64_t at;
            if (!sp_strmap_get(&d->map, TAG_ATTR(i), df->name, &at)
                || !node->editable) {
                continue;   /* not the user's: blocked as such already */
            }
            if (stepidx[m] < 0) {
                ok = sp_class_add_issue(
                    c, "class-default-slotted", true,
                    "%s.%s declares __slots__ already and keeps '%s' as a "
                    "class attribute, which instances also set: once the "
                    "plan removes the __dict__, setting it raises "
                    "AttributeError ('%s' object attribute '%s' is "
                    "read-only); move it out of %s by hand", node->module,
                    node->qualname, df->name, c->qualname, df->name,
                    node->qualname);
                continue;
            }
            struct sp_plan_step *st = &c->plan[stepidx[m]];
            int owner;
            size_t n_owners;
            ok = add_moved(&st->moved, &st->nmoved, df->name, df->line, NULL)
                 && set_in_inits(c, in, d, k, df, in->class_node[i], &owner,
                                 &n_owners);
            if (ok && owner >= 0) {
                ok = moved_issue(c, in, k, df, &c->attrs[at], owner,
                                 n_owners);
            }
        }
    }
    return ok;
}

/* The form of step st (node k): empty slots on a var-sized base, the
 * dataclass decorator when every name is a field, else __slots__. */
static bool
step_form(struct sp_class *c, const struct sp_plan_in *in, size_t i, int k,
          const struct decl *d, struct sp_plan_step *st)
{
    const struct sp_pnode *node = &in->nodes[k];
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
            return false;
        }
    }
    return true;
}

/* Append node k's step to c's plan: the names decided for it that no
 * more basic class of this MRO declares already (a second slot would
 * shadow the first and waste 8 bytes; that only happens when the plan
 * is blocked anyway, by a lay-out conflict). */
static struct sp_plan_step *
add_step(struct sp_class *c, const struct sp_pnode *node,
         const struct names *l, const struct names *all)
{
    struct names own = {0};
    for (size_t a = 0; a < l->n; a++) {
        if (!names_has(all, l->v[a]) && !names_add(&own, l->v[a])) {
            names_free(&own);
            return NULL;
        }
    }
    struct sp_plan_step *st = &c->plan[c->nplan++];
    st->module = sp_strdup(node->module);
    st->qualname = sp_strdup(node->qualname);
    st->names = copy_names(&own);
    st->nnames = own.n;
    names_free(&own);
    if (st->module == NULL || st->qualname == NULL || st->names == NULL) {
        return NULL;
    }
    return st;
}

/* Issues of step st (node k) that need the step's names: not editable,
 * off the layout chain, a name that is also a class attribute of k
 * which cannot move (a method, a descriptor, a dataclass field default
 * outside the dataclass form); and the slot count. */
static bool
step_names(struct sp_class *c, const struct sp_plan_in *in, int k,
           const struct decl *d, const struct sp_plan_step *st, bool chained,
           struct names *all, struct sp_plan_out *out)
{
    const struct sp_pnode *node = &in->nodes[k];
    if (!node->editable
        && !sp_class_add_issue(
            c, "base-not-editable", true,
            "%s.%s has no __slots__ and is not your code (standard "
            "library, installed package or builtin module; mine=PATH "
            "makes a package yours): its instances keep a __dict__",
            node->module, node->qualname)) {
        return false;
    }
    if (!chained && d->per_node[k].n > 0
        && !sp_class_add_issue(
            c, "layout-conflict", true,
            "%s.%s would declare non-empty slots but is not on the "
            "layout chain of %s: 'multiple bases have instance lay-out "
            "conflict'", node->module, node->qualname, c->qualname)) {
        return false;
    }
    for (size_t a = 0; a < st->nnames; a++) {
        const char *n = st->names[a];
        if (!names_add(all, n)) {
            return false;
        }
        if (strcmp(n, WEAKREF_NAME) == 0) {
            out->add_weakref = true;
            continue;
        }
        if (chained) {
            out->nslots++;
        }
        if (node_has(d, TAG_CLASSVAR(k), n) && st->form != SP_FORM_DATACLASS
            && !sp_class_add_issue(
                c, "class-variable", true,
                "'%s' is a class attribute of %s (not plain data: it cannot "
                "move into __init__) and an instance attribute: __slots__ "
                "naming it raises ValueError ('%s' in __slots__ conflicts "
                "with class variable)", n, node->qualname, n)) {
            return false;
        }
    }
    return true;
}

/* The steps of class i's plan: the MRO's classes lacking __slots__, base
 * first; every name they declare goes into all; stepidx[m]: the step of
 * MRO position m, -1 when that class is not one. */
static bool
plan_steps(struct sp_report *r, const struct sp_plan_in *in, size_t i,
           const struct decl *d, struct names *all, struct sp_plan_out *out,
           int *stepidx)
{
    struct sp_class *c = &r->classes[i];
    const struct sp_pnode *self = &in->nodes[in->class_node[i]];
    int chain[MAX_CHAIN];
    size_t nchain = layout_chain(in, in->class_node[i], chain, MAX_CHAIN);

    c->plan = sp_calloc(self->nmro ? self->nmro : 1, sizeof(*c->plan));
    if (c->plan == NULL) {
        return false;
    }
    for (size_t m = self->nmro; m-- > 0;) {
        int k = self->mro[m];
        const struct sp_pnode *node = &in->nodes[k];
        const struct names *l = &d->per_node[k];
        bool chained = on_chain(chain, nchain, k);
        stepidx[m] = -1;
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
        struct sp_plan_step *st = add_step(c, node, l, all);
        if (st == NULL || !step_form(c, in, i, k, d, st)
            || !step_names(c, in, k, d, st, chained, all, out)) {
            return false;
        }
        stepidx[m] = (int)(c->nplan - 1);
    }
    return true;
}

/* A class attribute that cannot move (class_vars: a method, a
 * descriptor) named like a slot another class of the MRO declares.
 * What happens depends on which comes first in the instance's MRO:
 * attribute lookup takes the first class that has the name. */
static bool
shadowed(struct sp_class *c, const struct sp_plan_in *in, size_t i,
         const struct decl *d, const struct names *all)
{
    const struct sp_pnode *self = &in->nodes[in->class_node[i]];
    for (size_t s = 0; s < all->n; s++) {
        const char *n = all->v[s];
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
            const char *dq = in->nodes[declarer].qualname;
            bool ok_issue;
            if (mro_pos(self, a) < mro_pos(self, declarer)) {
                ok_issue = sp_class_add_issue(
                    c, "class-variable", true,
                    "class attribute %s.%s comes before the slot '%s' "
                    "declared in %s in the MRO of %s: setting it on an "
                    "instance raises AttributeError ('%s' object attribute "
                    "'%s' is read-only)", node->qualname, n, n, dq,
                    c->qualname, c->qualname, n);
            }
            else {
                ok_issue = sp_class_add_issue(
                    c, "class-variable", true,
                    "the slot '%s' declared in %s comes before class "
                    "attribute %s.%s in the MRO of %s: reading it on an "
                    "instance that never set it raises AttributeError "
                    "instead of giving %s.%s", n, dq, node->qualname, n,
                    c->qualname, node->qualname, n);
            }
            if (!ok_issue) {
                return false;
            }
        }
    }
    return true;
}

/* What the code of the classes of the MRO does that __slots__ change,
 * and what the program does anywhere: none of it shows in a census, all
 * of it breaks a plan applied as printed.  Warnings (review), but for
 * the dataclass form under zero-argument super() before 3.14, which
 * raises. */
static bool
code_issues(struct sp_class *c, const struct sp_plan_in *in, size_t i,
            bool weakref_planned)
{
    const struct sp_pnode *self = &in->nodes[in->class_node[i]];
    bool ok = true;
    for (size_t m = 0; m < self->nmro && ok; m++) {
        const struct sp_pnode *k = &in->nodes[self->mro[m]];
        if (k->dynamic.file != NULL) {
            ok = sp_class_add_issue(
                c, "dynamic-attributes", false,
                "the code of %s sets attributes by computed names or uses "
                "its own __dict__ (%s:%d): a name no census saw, or the "
                "__dict__, raises AttributeError once it has __slots__",
                k->qualname, base_of(k->dynamic.file), k->dynamic.line);
        }
        if (ok && k->classdict.file != NULL) {
            ok = sp_class_add_issue(
                c, "class-namespace-read", false,
                "%s:%d reads the namespace of %s (vars(), __dict__): "
                "__slots__ put a member descriptor there for every slot "
                "name, which changes what it finds",
                base_of(k->classdict.file), k->classdict.line, k->qualname);
        }
    }
    for (size_t s = 0; s < c->nplan && ok; s++) {
        const struct sp_plan_step *st = &c->plan[s];
        for (size_t m = 0; m < self->nmro && ok; m++) {
            const struct sp_pnode *k = &in->nodes[self->mro[m]];
            if (st->form == SP_FORM_DATACLASS && !in->dataclass_super_ok
                && k->super0.file != NULL
                && strcmp(k->qualname, st->qualname) == 0
                && strcmp(k->module, st->module) == 0) {
                ok = sp_class_add_issue(
                    c, "dataclass-super", true,
                    "@dataclass(slots=True) replaces %s with a new class, "
                    "and zero-argument super() in its methods (%s:%d) "
                    "still names the old one: TypeError (super(type, obj): "
                    "obj must be an instance or subtype of type) before "
                    "CPython 3.14; write super(%s, self)", k->qualname,
                    base_of(k->super0.file), k->super0.line, k->qualname);
            }
        }
    }
    if (ok && in->weakref_use.file != NULL && !weakref_planned
        && !in->base_has_weakref[i]) {
        ok = sp_class_add_issue(
            c, "weakref-in-program", false,
            "the program uses weak references (%s:%d), though no census "
            "saw one to a %s: with __slots__ and no '__weakref__', "
            "weakref.ref() of one raises TypeError",
            base_of(in->weakref_use.file), in->weakref_use.line,
            c->qualname);
    }
    if (ok && in->pickle_use.file != NULL) {
        ok = sp_class_add_issue(
            c, "pickle-in-program", false,
            "the program loads pickles or pickles with protocol 0 or 1 "
            "(%s:%d): pickles written before adding __slots__ hold a "
            "__dict__ and no longer load (AttributeError), and protocols "
            "0 and 1 need a __getstate__ (TypeError)",
            base_of(in->pickle_use.file), in->pickle_use.line);
    }
    if (ok && in->class_assign.file != NULL) {
        ok = sp_class_add_issue(
            c, "class-assignment", false,
            "the program assigns __class__ (%s:%d): between a class with "
            "__slots__ and one without, or with other slots, that raises "
            "TypeError (object layout differs); give every class an "
            "object switches between the same __slots__",
            base_of(in->class_assign.file), in->class_assign.line);
    }
    return ok;
}

/* Does node k have live instances of its own (a class of the report)?
 * Then its names were planned with the others. */
static bool
is_instance_class(const struct sp_plan_in *in, const struct decl *d, int k)
{
    for (size_t b = 0; b < d->nbelow[k]; b++) {
        if (in->class_node[d->below[k][b]] == k) {
            return true;
        }
    }
    return false;
}

/* Is name n declared by a class of node k's layout chain? */
static bool
chain_declares(const struct sp_plan_in *in, const struct decl *d, int k,
               const char *n)
{
    for (int p = k; p >= 0; p = in->nodes[p].layout_parent) {
        if (names_has(&d->per_node[p], n)) {
            return true;
        }
    }
    return false;
}

/* Each class the plan gives __slots__ can have instances of its own,
 * and its code -- and its bases' -- runs on them: every name that code
 * assigns as self.X needs a slot on its own layout chain.  A base off
 * the instance class's layout chain (a mixin: empty slots only) whose
 * own __init__ sets attributes breaks its own instances. */
static bool
own_needs(struct sp_class *c, const struct sp_plan_in *in, size_t i,
          const struct decl *d, const int *stepidx)
{
    const struct sp_pnode *self = &in->nodes[in->class_node[i]];
    for (size_t m = 1; m < self->nmro; m++) {
        int k = self->mro[m];
        const struct sp_pnode *kn = &in->nodes[k];
        if (stepidx[m] < 0 || c->plan[stepidx[m]].form == SP_FORM_INIT_ONLY
            || !kn->editable || d->nbelow[k] == 0 || kn->called.file == NULL
            || is_instance_class(in, d, k)) {
            continue;   /* an abstract base, as far as the code shows */
        }
        for (size_t q = 0; q < kn->nmro; q++) {
            const struct sp_pnode *qn = &in->nodes[kn->mro[q]];
            for (size_t j = 0; j < qn->nself_stores; j++) {
                const char *n = qn->self_stores[j];
                if (chain_declares(in, d, k, n)) {
                    continue;
                }
                return sp_class_add_issue(
                    c, "own-instances", true,
                    "the plan gives %s.%s __slots__ too, but the code of %s "
                    "assigns self.%s and no class of %s's own layout chain "
                    "declares it: an instance of %s itself (%s:%d calls "
                    "%s) would raise AttributeError", kn->module,
                    kn->qualname, qn->qualname, n, kn->qualname,
                    kn->qualname, base_of(kn->called.file), kn->called.line,
                    kn->qualname);
            }
        }
    }
    return true;
}

/* Build class i's steps, suggested slots and issues from the decisions. */
static bool
plan_class(struct sp_report *r, const struct sp_plan_in *in, size_t i,
           const struct decl *d, struct sp_plan_out *out)
{
    struct sp_class *c = &r->classes[i];
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
    const struct sp_pnode *self = &in->nodes[in->class_node[i]];
    int *stepidx = sp_calloc(self->nmro ? self->nmro : 1, sizeof(int));
    bool stepped = stepidx != NULL
                   && plan_steps(r, in, i, d, &all, out, stepidx)
                   && plan_defaults(c, in, i, d, stepidx)
                   && own_needs(c, in, i, d, stepidx);
    sp_free(stepidx);
    if (!stepped || !shadowed(c, in, i, d, &all)
        || !code_issues(c, in, i, names_has(&all, WEAKREF_NAME))) {
        goto fail;
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

    ok = true;
fail:
    names_free(&all);
    return ok;
}

/* The class whose slots make a class's layout, along its layout chain
 * (typeobject.c, solid_base): the first class of the chain that adds
 * slots (adds[]), else -2 for a builtin base with a layout of its own,
 * -1 for object. */
static int
solid(const struct sp_plan_in *in, int k, const bool *adds)
{
    int last = k;
    for (int p = k; p >= 0; p = in->nodes[p].layout_parent) {
        if (adds[p]) {
            return p;
        }
        last = p;
    }
    return in->nodes[last].builtin_layout ? -2 : -1;
}

static bool
on_layout_chain(const struct sp_plan_in *in, int k, int of)
{
    for (int p = of; p >= 0; p = in->nodes[p].layout_parent) {
        if (p == k) {
            return true;
        }
    }
    return false;
}

/* Can bases whose solid bases are x and y be combined?  object with
 * anything; a class with one of its own chain; a builtin with a class
 * whose chain ends in a builtin (the same one, as far as we can tell). */
static bool
compatible(const struct sp_plan_in *in, int x, int y)
{
    if (x == -1 || y == -1 || x == y) {
        return true;
    }
    if (x == -2 || y == -2) {
        int u = x == -2 ? y : x;
        int last = u;
        for (int p = u; p >= 0; p = in->nodes[p].layout_parent) {
            last = p;
        }
        return in->nodes[last].builtin_layout;
    }
    return on_layout_chain(in, x, y) || on_layout_chain(in, y, x);
}

/* Does node k's class statement fail with slots in the classes adds[]
 * says?  Then *a, *b: the two solid bases that clash. */
static bool
statement_fails(const struct sp_plan_in *in, int k, const bool *adds, int *a,
                int *b)
{
    const struct sp_pnode *node = &in->nodes[k];
    int first = -1;
    for (size_t i = 0; i <= node->nbases; i++) {
        int s;
        if (i < node->nbases) {
            s = solid(in, node->bases[i], adds);
        }
        else if (node->builtin_direct) {
            s = -2;     /* a builtin base with a layout, listed directly */
        }
        else {
            break;
        }
        if (!compatible(in, first, s)) {
            *a = first;
            *b = s;
            return true;
        }
        if (first == -1 || (s >= 0 && (first == -2
                                       || on_layout_chain(in, first, s)))) {
            first = s;
        }
    }
    return false;
}

/* A plan edits a base class for one class, and every other class that
 * inherits from it changes too: one whose bases then both have slots
 * -- with instances or not, with a plan or not -- fails at its class
 * statement ("multiple bases have instance lay-out conflict").  Each
 * plan that gives slots to one of the two clashing bases is blocked,
 * naming that class. */
static bool
descendant_conflicts(struct sp_report *r, const struct sp_plan_in *in,
                     const struct decl *d)
{
    size_t nn = in->nnodes ? in->nnodes : 1;
    bool *before = sp_calloc(nn, sizeof(bool));
    bool *after = sp_calloc(nn, sizeof(bool));
    bool *blamed = sp_calloc(nn, sizeof(bool));
    int *culprit = sp_calloc(nn, sizeof(int));
    bool ok = before != NULL && after != NULL && blamed != NULL
              && culprit != NULL;
    for (size_t k = 0; k < in->nnodes && ok; k++) {
        const struct names *l = &d->per_node[k];
        before[k] = in->nodes[k].existing_slots > 0;
        after[k] = before[k];
        for (size_t j = 0; j < l->n; j++) {
            after[k] |= strcmp(l->v[j], WEAKREF_NAME) != 0;
        }
    }
    for (size_t k = 0; k < in->nnodes && ok; k++) {
        int x, y;
        if (in->nodes[k].nbases + in->nodes[k].builtin_direct < 2
            || statement_fails(in, (int)k, before,
                                                       &x, &y)
            || !statement_fails(in, (int)k, after, &x, &y)) {
            continue;
        }
        int clash[2] = {x, y};
        for (size_t j = 0; j < 2; j++) {
            if (clash[j] >= 0 && !before[clash[j]]) {
                blamed[clash[j]] = true;
                culprit[clash[j]] = (int)k;
            }
        }
    }
    for (size_t i = 0; i < r->nclasses && ok; i++) {
        struct sp_class *c = &r->classes[i];
        const struct sp_pnode *self = &in->nodes[in->class_node[i]];
        for (size_t m = 0; m < self->nmro && ok; m++) {
            int k = self->mro[m];
            if (!blamed[k] || in->nodes[k].has_slots
                || culprit[k] == in->class_node[i]) {
                continue;   /* its own statement: plan_steps said so */
            }
            const struct sp_pnode *b = &in->nodes[k];
            const struct sp_pnode *v = &in->nodes[culprit[k]];
            ok = sp_class_add_issue(
                c, "layout-conflict", true,
                "the plan gives %s.%s non-empty slots, and %s.%s inherits "
                "from it and from another class that has (or gets) slots "
                "of its own: its class statement would fail with "
                "'multiple bases have instance lay-out conflict' (TypeError)",
                b->module, b->qualname, v->module, v->qualname);
        }
    }
    sp_free(before);
    sp_free(after);
    sp_free(blamed);
    sp_free(culprit);
    return ok;
}

/* The verdict from the issues: blocked by any blocker, review by any
 * warning, else safe. */
static void
set_verdict(struct sp_class *c)
{
    c->verdict = SP_VERDICT_SAFE;
    for (size_t k = 0; k < c->nissues; k++) {
        enum sp_verdict v =
            c->issues[k].blocks ? SP_VERDICT_BLOCKED : SP_VERDICT_REVIEW;
        if (v > c->verdict) {
            c->verdict = v;
        }
    }
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

/* Per node, every node with it in its MRO: the classes a change to it
 * changes, with instances or not. */
static bool
desc_init(struct decl *d, const struct sp_plan_in *in)
{
    size_t nn = in->nnodes ? in->nnodes : 1;
    d->desc = sp_calloc(nn, sizeof(int *));
    d->ndesc = sp_calloc(nn, sizeof(size_t));
    if (d->desc == NULL || d->ndesc == NULL) {
        return false;
    }
    for (size_t j = 0; j < in->nnodes; j++) {
        for (size_t m = 0; m < in->nodes[j].nmro; m++) {
            d->ndesc[in->nodes[j].mro[m]]++;
        }
    }
    for (size_t k = 0; k < in->nnodes; k++) {
        d->desc[k] = sp_calloc(d->ndesc[k] ? d->ndesc[k] : 1, sizeof(int));
        if (d->desc[k] == NULL) {
            return false;
        }
        d->ndesc[k] = 0;
    }
    for (size_t j = 0; j < in->nnodes; j++) {
        for (size_t m = 0; m < in->nodes[j].nmro; m++) {
            int k = in->nodes[j].mro[m];
            d->desc[k][d->ndesc[k]++] = (int)j;
        }
    }
    return true;
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
        for (size_t j = 0; j < node->ndefaults; j++) {
            if (sp_strmap_put(&d->map, TAG_DEFAULT(k), node->defaults[j].name,
                              (int64_t)j) < 0) {
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
    return desc_init(d, in);
}

static void
decl_free(struct decl *d, size_t nnodes)
{
    for (size_t k = 0; k < nnodes && d->desc != NULL; k++) {
        sp_free(d->desc[k]);
    }
    sp_free(d->desc);
    sp_free(d->ndesc);
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

/* A class attribute that code assigns on some object (somewhere in the
 * program's own code) may be assigned on any instance below it: with
 * slots that raises unless the name is a slot.  Such names join the
 * attrs of every class with it in the MRO (0 instances) before the
 * plan is decided, so the plan declares them and moves the attribute
 * (step_moved).  Names instances carry are there already. */
static bool
add_hazards(struct sp_report *r, const struct sp_plan_in *in)
{
    for (size_t i = 0; i < r->nclasses; i++) {
        struct sp_class *c = &r->classes[i];
        const struct sp_pnode *self = &in->nodes[in->class_node[i]];
        struct sp_strmap have;
        bool ok = true;
        sp_strmap_init(&have);
        for (size_t a = 0; a < c->nattrs && ok; a++) {
            ok = sp_strmap_put(&have, 0, c->attrs[a].name, 0) >= 0;
        }
        for (size_t m = 0; m < self->nmro && ok; m++) {
            const struct sp_pnode *node = &in->nodes[self->mro[m]];
            for (size_t j = 0; j < node->ndefaults && ok; j++) {
                const char *n = node->defaults[j].name;
                if (node->defaults[j].stored_file == NULL
                    || sp_strmap_get(&have, 0, n, NULL)) {
                    continue;
                }
                void *p = sp_realloc(c->attrs,
                                     (c->nattrs + 1) * sizeof(*c->attrs));
                char *copy = sp_strdup(n);
                if (p != NULL) {
                    c->attrs = p;
                }
                if (p == NULL || copy == NULL) {
                    sp_free(copy);
                    ok = false;
                    break;
                }
                memset(&c->attrs[c->nattrs], 0, sizeof(*c->attrs));
                c->attrs[c->nattrs++].name = copy;
                ok = sp_strmap_put(&have, 0, copy, 0) >= 0;
            }
        }
        sp_strmap_free(&have);
        if (!ok) {
            return false;
        }
    }
    return true;
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
    memset(&d, 0, sizeof(d));
    if (!add_hazards(r, in) || !decl_init(&d, r, in)
        || (order = by_instances(r)) == NULL) {
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
    if (!descendant_conflicts(r, in, &d)) {
        goto done;
    }
    for (size_t i = 0; i < r->nclasses; i++) {
        set_verdict(&r->classes[i]);
    }
    ok = true;
done:
    sp_free(order);
    decl_free(&d, in->nnodes);
    return ok;
}
