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

/* functools.cached_property anywhere in the MRO needs an instance dict. */
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
            if (!sp_class_add_issue(
                    c, "cached-property", true,
                    "functools.cached_property '%s' on %s stores its value "
                    "in the instance __dict__; with __slots__ it raises "
                    "TypeError (add '__dict__' to the slots or drop it)",
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
            " or vars() was used); with __slots__ that raises AttributeError",
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
 * marked in_code, and added (0 instances) when no census saw them. */
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

/* Everything a report builds, freed in one place. */
struct build {
    struct sp_report *r;
    struct nodes ns;
    struct env e;
    int *class_node;
    bool *flags;            /* base_has_dict, base_varsize,
                               base_has_weakref: n each */
    const char **base_name;
    struct sp_plan_out *out;
    struct sp_pnode *pub;
};

static void
build_free(struct build *b, bool keep_report)
{
    sp_free(b->pub);
    sp_nodes_free(&b->ns);
    sp_env_free(&b->e);
    sp_free(b->class_node);
    sp_free(b->flags);
    sp_free(b->out);
    sp_free(b->base_name);
    if (!keep_report) {
        sp_report_free(b->r);
    }
}

/* Class i: names and counts, its node, where and whose it is, facts
 * about its builtin base, and the issues that need its type. */
static bool
add_class(struct build *b, struct sp_census_class *k, size_t i, size_t n,
          struct sp_history *hist, double at)
{
    struct sp_class *c = &b->r->classes[b->r->nclasses++];
    PyTypeObject *tp = k->tp;
    if (!fill_class(c, k)) {
        return false;
    }
    int idx = sp_nodes_add(&b->e, &b->ns, tp);
    if (idx < 0) {
        return false;
    }
    b->class_node[i] = idx;
    const struct node *d = &b->ns.v[idx];
    c->module = sp_strdup(d->module);
    c->qualname = sp_strdup(d->qualname);
    if (c->module == NULL || c->qualname == NULL
        || !sp_history_merge(hist, c, at) || !add_code_names(c, &b->ns, idx)) {
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
    b->flags[i] = bb != NULL && bb->tp_dictoffset != 0;
    b->flags[n + i] = bb != NULL && bb->tp_itemsize != 0;
    b->flags[2 * n + i] = bb != NULL && sp_pyver.type_has_weakref(bb);
    b->base_name[i] = bb != NULL ? bb->tp_name : "object";
    for (size_t a = 0; a < c->nattrs; a++) {
        if (sp_strmap_put(&b->e.seen, 0, c->attrs[a].name, 0) < 0) {
            return false;
        }
    }
    return check_instances(c) && check_cached_property(c, tp)
           && check_overrides(c, tp);
}

/* Bytes with the plan applied, the saving, and whether to recommend. */
static void
slotted_bytes(struct build *b, struct sp_census_class *cls, size_t n,
              const struct sp_config *cfg)
{
    for (size_t i = 0; i < n; i++) {
        struct sp_class *c = &b->r->classes[i];
        const struct sp_plan_out *o = &b->out[i];
        PyTypeObject *bb = builtin_base(cls[i].tp);
        if (!o->removable || bb == NULL) {
            c->bytes_slotted = c->bytes_now;
        }
        else if (bb->tp_itemsize != 0) {
            c->bytes_slotted =
                sp_model_bytes(cls[i].var_slotted[o->add_weakref]);
        }
        else {
            c->bytes_slotted = sp_model_bytes(
                c->instances
                * sp_pyver.slotted_bytes(bb, 0, o->nslots, o->add_weakref));
        }
        c->savings_bytes = (int64_t)c->bytes_now - (int64_t)c->bytes_slotted;
        c->recommended = c->instances >= cfg->min_instances
                         && c->savings_bytes > 0
                         && c->verdict != SP_VERDICT_BLOCKED;
    }
}

static bool
plan(struct build *b, size_t n)
{
    if (!sp_nodes_finish(&b->e, &b->ns)) {
        return false;
    }
    b->pub = sp_calloc(b->ns.n ? b->ns.n : 1, sizeof(*b->pub));
    if (b->pub == NULL) {
        return false;
    }
    for (size_t i = 0; i < b->ns.n; i++) {
        sp_nodes_pub(&b->ns, i, &b->pub[i]);
    }
    struct sp_plan_in in = {
        .nodes = b->pub,
        .nnodes = b->ns.n,
        .class_node = b->class_node,
        .base_has_dict = b->flags,
        .base_varsize = b->flags + n,
        .base_has_weakref = b->flags + 2 * n,
        .base_name = b->base_name,
        .dataclass_slots_ok = PY_VERSION_HEX >= 0x030A0000,
        .dataclass_weakref_ok = PY_VERSION_HEX >= 0x030B0000,
        .dataclass_super_ok = PY_VERSION_HEX >= 0x030E0000,
    };
    (void)sp_env_use(&b->e, "weakref", &in.weakref_use);
    if (!sp_env_use(&b->e, "pickle-load", &in.pickle_use)) {
        (void)sp_env_use(&b->e, "pickle-protocol", &in.pickle_use);
    }
    (void)sp_env_use(&b->e, "__class__=", &in.class_assign);
    return sp_plan_build(b->r, &in, b->out);
}

struct sp_report *
sp_classinfo_report(struct sp_census_class *cls, size_t n,
                    const struct sp_config *cfg, struct sp_history *hist,
                    double at)
{
    struct build b;
    size_t one = n ? n : 1;

    memset(&b, 0, sizeof(b));
    b.r = sp_calloc(1, sizeof(*b.r));
    b.class_node = sp_calloc(one, sizeof(int));
    b.flags = sp_calloc(3 * one, sizeof(bool));
    b.out = sp_calloc(one, sizeof(*b.out));
    b.base_name = sp_calloc(one, sizeof(char *));
    bool ok = b.r != NULL && b.class_node != NULL && b.flags != NULL
              && b.out != NULL && b.base_name != NULL;
    if (ok) {
        snprintf(b.r->python, sizeof(b.r->python), "%s", SP_PY_VERSION);
        const char *alloc = sp_allocs_allocator_name();
        if (alloc == NULL) {
            alloc = sp_allocator_name();
        }
        snprintf(b.r->allocator, sizeof(b.r->allocator), "%s",
                 alloc != NULL ? alloc : "custom");
        b.r->min_instances = cfg->min_instances;
        b.r->classes = sp_calloc(one, sizeof(*b.r->classes));
        ok = b.r->classes != NULL && sp_env_init(&b.e, cfg);
    }
    for (size_t i = 0; i < n && ok; i++) {
        ok = add_class(&b, &cls[i], i, n, hist, at);
    }
    ok = ok && plan(&b, n);
    if (ok) {
        slotted_bytes(&b, cls, n, cfg);
        sp_report_sort(b.r);
    }
    PyErr_Clear();
    struct sp_report *r = ok ? b.r : NULL;
    build_free(&b, ok);
    return r;
}
