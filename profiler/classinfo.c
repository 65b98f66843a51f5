/*
 * classinfo.c -- from census aggregates (type pointers, borrowed keys) to
 * a plain sp_report that outlives the census.
 *
 * For each class with live instances it copies out names and counts,
 * gives it every name the run has seen on it (history.c) and the names
 * its own code assigns (classnode.c), finds where it is defined and
 * whose code it is, describes every heap class of its MRO to the
 * planner (classnode.c, plan.c: who declares which slots), gathers the
 * evidence for blockers that needs the type objects (cached_property,
 * attribute hook overrides, materialized dicts), and asks the version
 * backend what a slotted instance would take.
 *
 * It runs inside gc callbacks and at exit, with borrowed pointers from
 * the census, so it must never run Python code (see classnode.c).  GIL
 * held throughout.
 */
#include "classinfo.h"

#include <string.h>             /* strcmp */

/* ---------------------------------------------------------------- issues */

/* Take the attribute `name` out of c (a cached_property's cache). */
static void
drop_attr(struct sp_class *c, const char *name)
{
    for (size_t a = 0; a < c->nattrs; a++) {
        if (strcmp(c->attrs[a].name, name) == 0) {
            sp_free(c->attrs[a].name);
            memmove(&c->attrs[a], &c->attrs[a + 1],
                    (c->nattrs - a - 1) * sizeof(*c->attrs));
            c->nattrs--;
            return;
        }
    }
}

/* functools.cached_property anywhere in the MRO needs an instance dict.
 * Its cached value is in the instances' __dict__ under its name, but no
 * slot can take that name (the class statement would refuse it: the
 * name is the cached_property's), so the plan leaves it out. */
static bool
check_cached_property(struct sp_class *c, PyTypeObject *tp)
{
    PyObject *mro = tp->tp_mro;
    if (mro == NULL || !PyTuple_Check(mro)) {
        return true;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *b = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        PyObject *key, *v;
        Py_ssize_t pos = 0;
        if (!PyType_Check(b) || b->tp_dict == NULL) {
            continue;
        }
        while (PyDict_Next(b->tp_dict, &pos, &key, &v)) {
            if (!sp_is_cached_property(v)) {
                continue;
            }
            const char *kn = sp_env_utf8(key, NULL);
            if (kn != NULL) {
                drop_attr(c, kn);
            }
            if (!sp_class_add_issue(
                    c, "cached-property", true,
                    "functools.cached_property '%s' on %s keeps its value "
                    "in the instance __dict__, and no slot can take its "
                    "name: with __slots__, reading it raises TypeError (no "
                    "'__dict__' to cache it in); add '__dict__' to the "
                    "slots or drop it",
                    kn ? kn : "?", b->tp_name)) {
                return false;
            }
        }
    }
    return true;
}

/* __getattr__/__setattr__/__getstate__ defined by a class of the MRO. */
static bool
check_overrides(struct sp_class *c, PyTypeObject *tp)
{
    static const struct {
        const char *name;
        const char *code;
        const char *why;
    } hooks[] = {
        {"__getattr__", "getattr-override",
         "may read self.__dict__, which slots remove"},
        {"__setattr__", "setattr-override",
         "may write self.__dict__, which slots remove"},
        {"__getstate__", "getstate-override",
         "may return self.__dict__; check pickling and copy after "
         "adding slots"},
    };
    PyObject *mro = tp->tp_mro;
    if (mro == NULL || !PyTuple_Check(mro)) {
        return true;
    }
    for (size_t h = 0; h < SP_ARRAY_LEN(hooks); h++) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
            PyTypeObject *b = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
            if (!PyType_Check(b) || !(b->tp_flags & Py_TPFLAGS_HEAPTYPE)
                || sp_py_dict_get(b->tp_dict, hooks[h].name) == NULL) {
                continue;
            }
            if (!sp_class_add_issue(c, hooks[h].code, false,
                                    "%s defines %s, which %s", b->tp_name,
                                    hooks[h].name, hooks[h].why)) {
                return false;
            }
            break;
        }
    }
    return true;
}

static bool
check_instances(struct sp_class *c)
{
    char n1[32], n2[32];
    sp_fmt_count(n1, sizeof(n1), c->dicts_materialized);
    sp_fmt_count(n2, sizeof(n2), c->instances);
    if (c->dicts_materialized > 0
        && !sp_class_add_issue(
            c, "materialized-dict", false,
            "%s of %s instances had their __dict__ created (obj.__dict__"
            " or vars() was used); with __slots__, obj.__dict__ raises "
            "AttributeError and vars(obj) TypeError",
            n1, n2)) {
        return false;
    }
    sp_fmt_count(n1, sizeof(n1), c->non_str_keys);
    if (c->non_str_keys > 0
        && !sp_class_add_issue(
            c, "non-str-key", true,
            "%s instances have a non-str key in their __dict__, which no "
            "slot can hold", n1)) {
        return false;
    }
    /* Sparse attribute sets: the slots cost 8 B on every instance, set or
     * not.  Say which names are rare. */
    uint64_t carried = 0;
    for (size_t i = 0; i < c->nattrs; i++) {
        carried += c->attrs[i].instances;
    }
    if (c->nattrs > 1 && c->instances > 0
        && carried * 4 < (uint64_t)c->nattrs * c->instances * 3) {
        if (!sp_class_add_issue(
                c, "variable-attributes", false,
                "instances carry %.1f of the %zu names on average; every "
                "slot costs 8 B on every instance, set or not",
                (double)carried / (double)c->instances, c->nattrs)) {
            return false;
        }
    }
    return true;
}

/* ---------------------------------------------------------------- report */

static bool
fill_class(struct sp_class *c, struct sp_census_class *k)
{
    c->instances = k->instances;
    c->bytes_now = sp_model_bytes(k->bytes);
    c->dicts_materialized = k->materialized;
    c->dicts_unshared = k->unshared;
    c->weakrefs = k->weakrefs;
    c->non_str_keys = k->non_str_keys;
    c->keys_sharing_lost = sp_pyver.keys_sharing_lost(k->tp);
    c->attrs = sp_calloc(k->nnames ? k->nnames : 1, sizeof(*c->attrs));
    if (c->attrs == NULL) {
        return false;
    }
    for (size_t j = 0; j < k->nnames; j++) {
        bool oom;
        const char *u = sp_env_utf8(k->names[j].key, &oom);
        char *name = u != NULL ? sp_strdup(u) : NULL;
        if (name == NULL) {
            if (oom || u != NULL) {
                return false;
            }
            continue;
        }
        c->attrs[c->nattrs].name = name;
        c->attrs[c->nattrs].instances = k->names[j].instances;
        c->nattrs++;
    }
    return true;
}

/* The names the own code of the classes of c's MRO assigns as self.X:
 * marked in_code, and added (0 instances) when no census saw them --
 * unless the assignment goes through a data descriptor. */
static bool
add_code_names(struct sp_class *c, const struct nodes *ns, int idx)
{
    struct sp_strmap have;
    bool ok = true;
    sp_strmap_init(&have);
    for (size_t a = 0; a < c->nattrs && ok; a++) {
        ok = sp_strmap_put(&have, 0, c->attrs[a].name, (int64_t)a) >= 0;
    }
    const struct node *self = &ns->v[idx];
    for (size_t m = 0; m < self->pub.nmro && ok; m++) {
        const struct names_list *l = &ns->v[self->mro[m]].self_stores;
        for (size_t j = 0; j < l->n && ok; j++) {
            int64_t a;
            if (sp_strmap_get(&have, 0, l->v[j], &a)) {
                c->attrs[a].in_code = true;
                continue;
            }
            if (sp_is_data_descriptor(self->tp, l->v[j])) {
                continue;
            }
            void *p = sp_realloc(c->attrs, (c->nattrs + 1) * sizeof(*c->attrs));
            char *copy = sp_strdup(l->v[j]);
            if (p != NULL) {
                c->attrs = p;
            }
            if (p == NULL || copy == NULL) {
                sp_free(copy);
                ok = false;
                break;
            }
            memset(&c->attrs[c->nattrs], 0, sizeof(*c->attrs));
            c->attrs[c->nattrs].name = copy;
            c->attrs[c->nattrs].in_code = true;
            ok = sp_strmap_put(&have, 0, copy, (int64_t)c->nattrs++) >= 0;
        }
    }
    sp_strmap_free(&have);
    return ok;
}

/* The nearest non-heap type along tp_base: the builtin layout an instance
 * keeps whatever the plan (object, tuple, BaseException, ...). */
static PyTypeObject *
builtin_base(PyTypeObject *tp)
{
    while (tp != NULL && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        tp = tp->tp_base;
    }
    return tp;
}

/* What a report was planned from, kept with it (sp_report.plan_ctx):
 * the exit report shows the census where memory peaked, and its plans
 * must hold the names censuses after it saw too (sp_classinfo_replan).
 * Plain data and static types only (builtin bases live as long as the
 * interpreter): nothing here keeps a class alive.  Arrays by the
 * class's position at planning (sp_class.plan_index). */
struct plan_ctx {
    struct nodes ns;            /* type pointers in it are not used again */
    struct env e;               /* its strings: evidence file names */
    struct sp_pnode *pub;
    size_t n;
    int *class_node;
    bool *flags;                /* base_has_dict, base_varsize,
                                   base_has_weakref, base_names_ok */
    const char **base_name;
    PyTypeObject **base;        /* builtin base: a static type */
    uint64_t (*var_slotted)[2]; /* var-sized, no named slots */
    struct sp_census_class *var;    /* var-sized with named slots:
                                       counts per item number */
    struct sp_pfact weakref_use, pickle_use, class_assign;
    uint64_t min_instances;
};

static void
ctx_free(void *p)
{
    struct plan_ctx *x = p;
    if (x == NULL) {
        return;
    }
    sp_free(x->pub);
    sp_nodes_free(&x->ns);
    sp_env_free(&x->e);
    sp_free(x->class_node);
    sp_free(x->flags);
    sp_free(x->base_name);
    sp_free(x->base);
    sp_free(x->var_slotted);
    sp_free(x->var);
    sp_free(x);
}

static bool
ctx_alloc(struct plan_ctx *x, size_t n)
{
    size_t one = n ? n : 1;
    x->n = n;
    x->class_node = sp_calloc(one, sizeof(int));
    x->flags = sp_calloc(4 * one, sizeof(bool));
    x->base_name = sp_calloc(one, sizeof(char *));
    x->base = sp_calloc(one, sizeof(PyTypeObject *));
    x->var_slotted = sp_calloc(one, sizeof(*x->var_slotted));
    x->var = sp_calloc(one, sizeof(*x->var));
    return x->class_node != NULL && x->flags != NULL && x->base_name != NULL
           && x->base != NULL && x->var_slotted != NULL && x->var != NULL;
}

/* Class i: names and counts, its node, where and whose it is, facts
 * about its builtin base, and the issues that need its type. */
static bool
add_class(struct sp_report *r, struct plan_ctx *x, struct sp_census_class *k,
          size_t i, struct sp_history *hist, double at)
{
    struct sp_class *c = &r->classes[r->nclasses++];
    PyTypeObject *tp = k->tp;
    size_t n = x->n;
    c->plan_index = i;
    if (!fill_class(c, k)) {
        return false;
    }
    int idx = sp_nodes_add(&x->e, &x->ns, tp);
    if (idx < 0) {
        return false;
    }
    x->class_node[i] = idx;
    const struct node *d = &x->ns.v[idx];
    c->module = sp_strdup(d->module);
    c->qualname = sp_strdup(d->qualname);
    if (c->module == NULL || c->qualname == NULL
        || !sp_history_merge(hist, c, at) || !add_code_names(c, &x->ns, idx)) {
        return false;
    }
    c->origin = d->origin;
    if (d->file != NULL) {
        if ((c->file = sp_strdup(d->file)) == NULL) {
            return false;
        }
        const struct sp_source *src = sp_source_get(c->file);
        c->line = sp_source_class_line(src,
                                       sp_source_class(src, c->qualname));
    }
    /* Not the user's, and no `class` statement where its module says:
     * implemented in C, or made at run time. */
    if (c->origin != SP_ORIGIN_YOURS && c->line == 0) {
        c->origin = SP_ORIGIN_BUILTIN;
    }
    PyTypeObject *bb = builtin_base(tp);
    x->base[i] = bb;
    x->flags[i] = bb != NULL && bb->tp_dictoffset != 0;
    x->flags[n + i] = bb != NULL && bb->tp_itemsize != 0;
    x->flags[2 * n + i] = bb != NULL && sp_pyver.type_has_weakref(bb);
    x->flags[3 * n + i] = x->flags[n + i] && sp_pyver.varsize_names_ok != NULL
                          && sp_pyver.varsize_names_ok(bb);
    x->base_name[i] = bb != NULL ? bb->tp_name : "object";
    x->var_slotted[i][0] = k->var_slotted[0];
    x->var_slotted[i][1] = k->var_slotted[1];
    memcpy(x->var[i].var_lens, k->var_lens, sizeof(k->var_lens));
    x->var[i].var_other = k->var_other;
    x->var[i].var_other_items = k->var_other_items;
    for (size_t a = 0; a < c->nattrs; a++) {
        if (sp_strmap_put(&x->e.seen, 0, c->attrs[a].name, 0) < 0) {
            return false;
        }
    }
    c->nissues_census = 0;
    bool ok = check_instances(c) && check_cached_property(c, tp)
              && check_overrides(c, tp);
    c->nissues_census = c->nissues;
    return ok;
}

/* Bytes with the plan applied, the saving, and whether to recommend. */
static void
slotted_bytes(struct sp_report *r, const struct plan_ctx *x,
              const struct sp_plan_out *out)
{
    for (size_t j = 0; j < r->nclasses; j++) {
        struct sp_class *c = &r->classes[j];
        size_t i = c->plan_index;
        const struct sp_plan_out *o = &out[j];
        PyTypeObject *bb = x->base[i];
        if (!o->removable || bb == NULL) {
            c->bytes_slotted = c->bytes_now;
        }
        else if (bb->tp_itemsize != 0 && o->nslots > 0) {
            c->bytes_slotted = sp_model_bytes(sp_census_var_slotted(
                &x->var[i], bb, o->nslots, o->add_weakref));
        }
        else if (bb->tp_itemsize != 0) {
            c->bytes_slotted = sp_model_bytes(x->var_slotted[i][o->add_weakref]);
        }
        else {
            c->bytes_slotted = sp_model_bytes(
                c->instances
                * sp_pyver.slotted_bytes(bb, 0, o->nslots, o->add_weakref));
        }
        c->savings_bytes = (int64_t)c->bytes_now - (int64_t)c->bytes_slotted;
        c->recommended = c->instances >= x->min_instances
                         && c->savings_bytes > 0
                         && c->verdict != SP_VERDICT_BLOCKED;
    }
}

/* Plan r's classes (in their current order) from x; then the bytes. */
static bool
plan(struct sp_report *r, struct plan_ctx *x)
{
    size_t n = r->nclasses, one = n ? n : 1;
    int *class_node = sp_calloc(one, sizeof(int));
    bool *flags = sp_calloc(4 * one, sizeof(bool));
    const char **base_name = sp_calloc(one, sizeof(char *));
    struct sp_plan_out *out = sp_calloc(one, sizeof(*out));
    bool ok = class_node != NULL && flags != NULL && base_name != NULL
              && out != NULL;
    for (size_t j = 0; j < n && ok; j++) {
        size_t i = r->classes[j].plan_index;
        class_node[j] = x->class_node[i];
        for (size_t f = 0; f < 4; f++) {
            flags[f * n + j] = x->flags[f * x->n + i];
        }
        base_name[j] = x->base_name[i];
    }
    struct sp_plan_in in = {
        .nodes = x->pub,
        .nnodes = x->ns.n,
        .class_node = class_node,
        .base_has_dict = flags,
        .base_varsize = flags + n,
        .base_has_weakref = flags + 2 * n,
        .base_names_ok = flags + 3 * n,
        .base_name = base_name,
        .dataclass_slots_ok = PY_VERSION_HEX >= 0x030A0000,
        .dataclass_weakref_ok = PY_VERSION_HEX >= 0x030B0000,
        .dataclass_super_ok = PY_VERSION_HEX >= 0x030E0000,
        .weakref_use = x->weakref_use,
        .pickle_use = x->pickle_use,
        .class_assign = x->class_assign,
    };
    ok = ok && sp_plan_build(r, &in, out);
    if (ok) {
        slotted_bytes(r, x, out);
        sp_report_sort(r);
    }
    sp_free(class_node);
    sp_free(flags);
    sp_free(base_name);
    sp_free(out);
    return ok;
}

/* The planner's view of the nodes, and what the program does anywhere. */
static bool
finish_ctx(struct plan_ctx *x)
{
    if (!sp_nodes_finish(&x->e, &x->ns)) {
        return false;
    }
    x->pub = sp_calloc(x->ns.n ? x->ns.n : 1, sizeof(*x->pub));
    if (x->pub == NULL) {
        return false;
    }
    for (size_t i = 0; i < x->ns.n; i++) {
        sp_nodes_pub(&x->ns, i, &x->pub[i]);
    }
    (void)sp_env_use(&x->e, "weakref", &x->weakref_use);
    if (!sp_env_use(&x->e, "pickle-load", &x->pickle_use)) {
        (void)sp_env_use(&x->e, "pickle-protocol", &x->pickle_use);
    }
    (void)sp_env_use(&x->e, "__class__=", &x->class_assign);
    return true;
}

struct sp_report *
sp_classinfo_report(struct sp_census_class *cls, size_t n,
                    const struct sp_config *cfg, struct sp_history *hist,
                    double at)
{
    struct sp_report *r = sp_calloc(1, sizeof(*r));
    struct plan_ctx *x = sp_calloc(1, sizeof(*x));
    bool ok = r != NULL && x != NULL && ctx_alloc(x, n);

    if (ok) {
        snprintf(r->python, sizeof(r->python), "%s", SP_PY_VERSION);
        const char *alloc = sp_allocs_allocator_name();
        if (alloc == NULL) {
            alloc = sp_allocator_name();
        }
        snprintf(r->allocator, sizeof(r->allocator), "%s",
                 alloc != NULL ? alloc : "custom");
        r->min_instances = cfg->min_instances;
        x->min_instances = cfg->min_instances;
        r->classes = sp_calloc(n ? n : 1, sizeof(*r->classes));
        ok = r->classes != NULL && sp_env_init(&x->e, cfg);
    }
    for (size_t i = 0; i < n && ok; i++) {
        ok = add_class(r, x, &cls[i], i, hist, at);
    }
    ok = ok && sp_nodes_add_descendants(&x->e, &x->ns) && finish_ctx(x)
         && plan(r, x);
    PyErr_Clear();
    if (!ok) {
        ctx_free(x);
        sp_report_free(r);
        return NULL;
    }
    r->plan_ctx = x;
    r->plan_ctx_free = ctx_free;
    return r;
}

bool
sp_classinfo_replan(struct sp_report *r, struct sp_history *hist)
{
    struct plan_ctx *x = r->plan_ctx;
    if (x == NULL || r->plan_ctx_free != ctx_free) {
        return true;        /* not planned here: nothing to redo */
    }
    for (size_t j = 0; j < r->nclasses; j++) {
        struct sp_class *c = &r->classes[j];
        sp_class_unplan(c);
        if (!sp_history_merge(hist, c, r->chosen.at_seconds)
            || !add_code_names(c, &x->ns, x->class_node[c->plan_index])) {
            return false;
        }
    }
    bool ok = plan(r, x);
    PyErr_Clear();
    return ok;
}
