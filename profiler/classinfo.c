/*
 * classinfo.c -- from census aggregates (type pointers, borrowed keys) to
 * a plain sp_report that outlives the census.
 *
 * For each class with live instances it copies out names and counts,
 * finds where the class is defined, describes every heap class of its MRO
 * to the planner (plan.c: who declares which slots), gathers the evidence
 * for blockers that needs the type objects (cached_property, attribute
 * hook overrides, materialized dicts), and asks the version backend what
 * a slotted instance would take.
 *
 * Reads type dicts, tp_mro and sys.modules directly: no attribute lookup
 * that could run a metaclass's Python code, no calls into user code, no
 * access to any instance's __dict__.  GIL held throughout.
 */
#include "pyapi.h"

#include <stdarg.h>             /* va_list */
#include <string.h>             /* strcmp, strncmp, strlen */

/* UTF-8 copy of a str in the profiler's heap; NULL if not a str. */
static char *
copy_str(PyObject *s)
{
    Py_ssize_t n;
    if (s == NULL || !PyUnicode_Check(s)) {
        return NULL;
    }
    const char *u = PyUnicode_AsUTF8AndSize(s, &n);
    if (u == NULL) {
        PyErr_Clear();
        return NULL;
    }
    return sp_strndup(u, (size_t)n);
}

/* A borrowed item of a type's own dict, no lookup through the MRO. */
static PyObject *
own_item(PyTypeObject *tp, const char *name)
{
    if (tp->tp_dict == NULL) {
        return NULL;
    }
    PyObject *v = PyDict_GetItemString(tp->tp_dict, name);
    PyErr_Clear();
    return v;
}

/* Where the standard library lives: the directory of os.py. */
struct env {
    PyObject *modules;      /* sys.modules, borrowed */
    char stdlib[SP_PATH_MAX];
    size_t stdlib_len;
    PyObject *dc_field;     /* dataclasses._FIELD, borrowed or NULL */
};

static const char *
module_file(struct env *e, PyObject *modname, char *buf, size_t len)
{
    if (e->modules == NULL || modname == NULL || !PyDict_Check(e->modules)) {
        return NULL;
    }
    PyObject *mod = PyDict_GetItemWithError(e->modules, modname);
    if (mod == NULL || !PyModule_Check(mod)) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *f = PyDict_GetItemString(PyModule_GetDict(mod), "__file__");
    PyErr_Clear();
    Py_ssize_t n;
    const char *u = f && PyUnicode_Check(f) ? PyUnicode_AsUTF8AndSize(f, &n)
                                            : NULL;
    if (u == NULL || (size_t)n >= len) {
        PyErr_Clear();
        return NULL;
    }
    memcpy(buf, u, (size_t)n + 1);
    return buf;
}

static void
env_init(struct env *e)
{
    char buf[SP_PATH_MAX];
    memset(e, 0, sizeof(*e));
    e->modules = PySys_GetObject("modules");
    PyObject *os_name = PyUnicode_FromString("os");
    const char *f = os_name ? module_file(e, os_name, buf, sizeof(buf))
                            : NULL;
    Py_XDECREF(os_name);
    PyErr_Clear();
    if (f != NULL) {
        const char *slash = strrchr(f, '/');
        if (slash != NULL) {
            e->stdlib_len = (size_t)(slash - f) + 1;
            memcpy(e->stdlib, f, e->stdlib_len);
            e->stdlib[e->stdlib_len] = '\0';
        }
    }
    PyObject *dc = e->modules && PyDict_Check(e->modules)
                       ? PyDict_GetItemString(e->modules, "dataclasses")
                       : NULL;
    if (dc != NULL && PyModule_Check(dc)) {
        e->dc_field = PyDict_GetItemString(PyModule_GetDict(dc), "_FIELD");
    }
    PyErr_Clear();
}

/* Code the user can edit: not builtins, not the standard library, not an
 * installed package.  __main__ is always the user's. */
static bool
editable(struct env *e, PyTypeObject *tp, const char *module,
         const char *file)
{
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        return false;
    }
    if (module != NULL && strcmp(module, "__main__") == 0) {
        return true;
    }
    if (file == NULL) {
        return false;   /* builtin or frozen module, or made by exec() */
    }
    if (strstr(file, "/site-packages/") || strstr(file, "/dist-packages/")) {
        return false;
    }
    if (e->stdlib_len > 0 && strncmp(file, e->stdlib, e->stdlib_len) == 0) {
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- nodes */

struct node {
    PyTypeObject *tp;
    char *module;
    char *qualname;
    char *file;
    int *mro;
    char **class_vars;
    char **fields;
    char **mentions;
    size_t mentions_cap;
    struct sp_pnode pub;
};

struct nodes {
    struct node *v;
    size_t n;
    size_t cap;
};

static void
nodes_free(struct nodes *ns)
{
    for (size_t i = 0; i < ns->n; i++) {
        struct node *d = &ns->v[i];
        sp_free(d->module);
        sp_free(d->qualname);
        sp_free(d->file);
        sp_free(d->mro);
        for (size_t j = 0; j < d->pub.nclass_vars; j++) {
            sp_free(d->class_vars[j]);
        }
        sp_free(d->class_vars);
        for (size_t j = 0; j < d->pub.nfields; j++) {
            sp_free(d->fields[j]);
        }
        sp_free(d->fields);
        for (size_t j = 0; j < d->pub.nmentions; j++) {
            sp_free(d->mentions[j]);
        }
        sp_free(d->mentions);
    }
    sp_free(ns->v);
}

static int
node_find(struct nodes *ns, PyTypeObject *tp)
{
    for (size_t i = 0; i < ns->n; i++) {
        if (ns->v[i].tp == tp) {
            return (int)i;
        }
    }
    return -1;
}

/* functools.cached_property (a C type nowhere; a Python class in
 * functools). */
static bool
is_cached_property(PyObject *v)
{
    PyTypeObject *vt = Py_TYPE(v);
    if (strcmp(vt->tp_name, "cached_property") != 0
        && strcmp(vt->tp_name, "functools.cached_property") != 0) {
        return false;
    }
    PyObject *m = (vt->tp_flags & Py_TPFLAGS_HEAPTYPE)
                      ? own_item(vt, "__module__") : NULL;
    return m == NULL || !PyUnicode_Check(m)
           || PyUnicode_CompareWithASCIIString(m, "functools") == 0;
}

/* Names in a class's own dict that some instance also carries: declaring
 * them as slots raises ValueError (typeobject.c, type_new: "conflicts
 * with class variable"), or hides a default. */
static bool
collect_class_vars(struct node *d, struct sp_census_class *cls, size_t n)
{
    PyObject *dict = d->tp->tp_dict;
    size_t cap = 0;
    if (dict == NULL) {
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < cls[i].nnames; j++) {
            PyObject *key = cls[i].names[j].key;
            if (!PyUnicode_Check(key)) {
                continue;
            }
            PyObject *v = PyDict_GetItemWithError(dict, key);
            if (v == NULL) {
                PyErr_Clear();
                continue;
            }
            if (is_cached_property(v)) {
                continue;   /* its own blocker says what is wrong */
            }
            char *name = copy_str(key);
            if (name == NULL) {
                return false;
            }
            bool dup = false;
            for (size_t k = 0; k < d->pub.nclass_vars; k++) {
                dup |= strcmp(d->class_vars[k], name) == 0;
            }
            if (dup) {
                sp_free(name);
                continue;
            }
            if (d->pub.nclass_vars == cap) {
                cap = cap ? cap * 2 : 4;
                void *p = sp_realloc(d->class_vars, cap * sizeof(char *));
                if (p == NULL) {
                    sp_free(name);
                    return false;
                }
                d->class_vars = p;
            }
            d->class_vars[d->pub.nclass_vars++] = name;
        }
    }
    return true;
}

/* Is key one of the attribute names some instance carries? */
static bool
seen_name(PyObject *key, struct sp_census_class *cls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < cls[i].nnames; j++) {
            PyObject *k = cls[i].names[j].key;
            if (k == key || (PyUnicode_Check(k) && PyUnicode_Check(key)
                             && PyUnicode_Compare(k, key) == 0)) {
                return true;
            }
        }
    }
    PyErr_Clear();
    return false;
}

static bool
mention_add(struct node *d, PyObject *key, struct sp_census_class *cls,
            size_t n)
{
    if (!PyUnicode_Check(key) || !seen_name(key, cls, n)) {
        return true;
    }
    char *name = copy_str(key);
    if (name == NULL) {
        return false;
    }
    for (size_t k = 0; k < d->pub.nmentions; k++) {
        if (strcmp(d->mentions[k], name) == 0) {
            sp_free(name);
            return true;
        }
    }
    if (d->pub.nmentions == d->mentions_cap) {
        size_t cap = d->mentions_cap ? d->mentions_cap * 2 : 8;
        void *p = sp_realloc(d->mentions, cap * sizeof(char *));
        if (p == NULL) {
            sp_free(name);
            return false;
        }
        d->mentions = p;
        d->mentions_cap = cap;
    }
    d->mentions[d->pub.nmentions++] = name;
    return true;
}

/* Names a code object (and the code nested in it: closures,
 * comprehensions) loads or stores as attributes or globals: co_names. */
static bool
scan_code(struct node *d, PyObject *code, int depth,
          struct sp_census_class *cls, size_t n)
{
    if (code == NULL || !PyCode_Check(code) || depth > 8) {
        return true;
    }
    PyCodeObject *co = (PyCodeObject *)code;
    if (co->co_names != NULL && PyTuple_Check(co->co_names)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(co->co_names); i++) {
            if (!mention_add(d, PyTuple_GET_ITEM(co->co_names, i), cls, n)) {
                return false;
            }
        }
    }
    if (co->co_consts != NULL && PyTuple_Check(co->co_consts)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(co->co_consts); i++) {
            if (!scan_code(d, PyTuple_GET_ITEM(co->co_consts, i), depth + 1,
                           cls, n)) {
                return false;
            }
        }
    }
    return true;
}

/* The functions behind a class-dict value: plain functions, static and
 * class methods, property accessors. */
static bool
scan_value(struct node *d, PyObject *v, struct sp_census_class *cls,
           size_t n)
{
    static const char *const inner[] = {"__func__", "fget", "fset", "fdel"};
    if (PyFunction_Check(v)) {
        return scan_code(d, PyFunction_GET_CODE(v), 0, cls, n);
    }
    if (!PyObject_TypeCheck(v, &PyStaticMethod_Type)
        && !PyObject_TypeCheck(v, &PyClassMethod_Type)
        && !PyObject_TypeCheck(v, &PyProperty_Type)) {
        return true;
    }
    for (size_t i = 0; i < SP_ARRAY_LEN(inner); i++) {
        PyObject *f = PyObject_GetAttrString(v, inner[i]);
        if (f == NULL) {
            PyErr_Clear();
            continue;
        }
        bool ok = !PyFunction_Check(f)
                  || scan_code(d, PyFunction_GET_CODE(f), 0, cls, n);
        Py_DECREF(f);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Which seen attribute names the class's own code touches.  3.13 records
 * exactly the `self.X = ...` stores of its methods in
 * __static_attributes__ (compile.c); before that, co_names of its
 * functions is the nearest evidence (it also holds globals and loads,
 * hence the intersection with the names instances carry). */
static bool
collect_mentions(struct node *d, struct sp_census_class *cls, size_t n)
{
    PyObject *dict = d->tp->tp_dict;
    PyObject *key, *v;
    Py_ssize_t pos = 0;

    if (dict == NULL) {
        return true;
    }
    PyObject *st = PyDict_GetItemString(dict, "__static_attributes__");
    PyErr_Clear();
    if (st != NULL && PyTuple_Check(st)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(st); i++) {
            if (!mention_add(d, PyTuple_GET_ITEM(st, i), cls, n)) {
                return false;
            }
        }
        return true;
    }
    while (PyDict_Next(dict, &pos, &key, &v)) {
        if (!scan_value(d, v, cls, n)) {
            return false;
        }
    }
    return true;
}

/* Dataclass fields proper (not ClassVar/InitVar pseudo-fields). */
static bool
collect_fields(struct env *e, struct node *d, PyObject *fields)
{
    Py_ssize_t pos = 0;
    PyObject *key, *field;
    size_t cap = (size_t)PyDict_Size(fields);
    d->fields = sp_calloc(cap ? cap : 1, sizeof(char *));
    if (d->fields == NULL) {
        return false;
    }
    while (PyDict_Next(fields, &pos, &key, &field)) {
        if (e->dc_field != NULL) {
            PyObject *ft = PyObject_GetAttrString(field, "_field_type");
            bool proper = ft == e->dc_field;
            Py_XDECREF(ft);
            PyErr_Clear();
            if (!proper) {
                continue;
            }
        }
        char *name = copy_str(key);
        if (name == NULL) {
            return false;
        }
        d->fields[d->pub.nfields++] = name;
    }
    return true;
}

static uint64_t
count_existing_slots(PyObject *slots)
{
    uint64_t n = 0;
    if (PyUnicode_Check(slots)) {
        return PyUnicode_CompareWithASCIIString(slots, "__dict__") != 0
               && PyUnicode_CompareWithASCIIString(slots, "__weakref__") != 0;
    }
    if (!PyTuple_Check(slots) && !PyList_Check(slots)) {
        return 0;
    }
    Py_ssize_t len = PySequence_Fast_GET_SIZE(slots);
    for (Py_ssize_t i = 0; i < len; i++) {
        PyObject *s = PySequence_Fast_GET_ITEM(slots, i);
        if (PyUnicode_Check(s)
            && PyUnicode_CompareWithASCIIString(s, "__dict__") != 0
            && PyUnicode_CompareWithASCIIString(s, "__weakref__") != 0) {
            n++;
        }
    }
    return n;
}

/* Add tp (a heap type) and, recursively, the heap classes of its MRO.
 * Returns the node index, -1 on allocation failure. */
static int
node_add(struct env *e, struct nodes *ns, PyTypeObject *tp,
         struct sp_census_class *cls, size_t ncls)
{
    int idx = node_find(ns, tp);
    if (idx >= 0) {
        return idx;
    }
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 32;
        void *p = sp_realloc(ns->v, cap * sizeof(*ns->v));
        if (p == NULL) {
            return -1;
        }
        ns->v = p;
        ns->cap = cap;
    }
    idx = (int)ns->n++;
    struct node *d = &ns->v[idx];
    char buf[SP_PATH_MAX];
    memset(d, 0, sizeof(*d));
    d->tp = tp;
    d->pub.layout_parent = -1;

    PyObject *modname = own_item(tp, "__module__");
    d->module = copy_str(modname);
    if (d->module == NULL) {
        d->module = sp_strdup("builtins");
    }
    d->qualname = copy_str(((PyHeapTypeObject *)tp)->ht_qualname);
    if (d->qualname == NULL) {
        d->qualname = sp_strdup(tp->tp_name);
    }
    const char *file = module_file(e, modname, buf, sizeof(buf));
    if (file == NULL && sp_main_file[0] != '\0'
        && strcmp(d->module, "__main__") == 0) {
        file = sp_main_file;
    }
    if (file != NULL) {
        d->file = sp_strdup(file);
    }
    if (d->module == NULL || d->qualname == NULL) {
        return -1;
    }
    d->pub.editable = editable(e, tp, d->module, d->file);
    PyObject *slots = own_item(tp, "__slots__");
    d->pub.has_slots = slots != NULL;
    if (slots != NULL) {
        d->pub.existing_slots = count_existing_slots(slots);
    }
    PyObject *fields = own_item(tp, "__dataclass_fields__");
    if (fields != NULL && PyDict_Check(fields)) {
        d->pub.dataclass = true;
        if (!collect_fields(e, d, fields)) {
            return -1;
        }
    }
    if (!collect_class_vars(d, cls, ncls) || !collect_mentions(d, cls, ncls)) {
        return -1;
    }

    /* MRO: heap classes only (object, tuple, ... are not plan material).
     * Recursion may move ns->v: index, don't hold d across it. */
    PyObject *mro = tp->tp_mro;
    Py_ssize_t nmro = mro && PyTuple_Check(mro) ? PyTuple_GET_SIZE(mro) : 0;
    int *m = sp_calloc((size_t)nmro + 1, sizeof(int));
    if (m == NULL) {
        return -1;
    }
    size_t k = 0;
    m[k++] = idx;
    for (Py_ssize_t i = 1; i < nmro; i++) {
        PyObject *b = PyTuple_GET_ITEM(mro, i);
        if (!PyType_Check(b)
            || !(((PyTypeObject *)b)->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
            continue;
        }
        int bi = node_add(e, ns, (PyTypeObject *)b, cls, ncls);
        if (bi < 0) {
            sp_free(m);
            return -1;
        }
        m[k++] = bi;
    }
    d = &ns->v[idx];
    d->mro = m;
    d->pub.nmro = k;
    PyTypeObject *base = tp->tp_base;
    if (base != NULL && (base->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        d->pub.layout_parent = node_find(ns, base);
    }
    return idx;
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
            if (!is_cached_property(v)) {
                continue;
            }
            const char *kn = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key)
                                                  : NULL;
            PyErr_Clear();
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
                || own_item(b, hooks[h].name) == NULL) {
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
    if (c->dicts_materialized > 0
        && !sp_class_add_issue(
            c, "materialized-dict", false,
            "%llu of %llu instances had their __dict__ created (obj.__dict__"
            " or vars() was used); with __slots__ that raises AttributeError",
            (unsigned long long)c->dicts_materialized,
            (unsigned long long)c->instances)) {
        return false;
    }
    if (c->non_str_keys > 0
        && !sp_class_add_issue(
            c, "non-str-key", true,
            "%llu instances have a non-str key in their __dict__, which no "
            "slot can hold", (unsigned long long)c->non_str_keys)) {
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
        char *name = copy_str(k->names[j].key);
        if (name == NULL) {
            continue;
        }
        c->attrs[c->nattrs].name = name;
        c->attrs[c->nattrs].instances = k->names[j].instances;
        c->nattrs++;
    }
    return true;
}

struct sp_report *
sp_classinfo_report(struct sp_census_class *cls, size_t n,
                    const struct sp_config *cfg)
{
    struct sp_report *r = sp_calloc(1, sizeof(*r));
    struct nodes ns = {0};
    struct env e;
    int *class_node = sp_calloc(n ? n : 1, sizeof(int));
    bool *flags = sp_calloc(n ? 3 * n : 1, sizeof(bool));
    struct sp_plan_out *out = sp_calloc(n ? n : 1, sizeof(*out));
    struct sp_pnode *pub = NULL;
    const char **base_name = sp_calloc(n ? n : 1, sizeof(char *));
    bool ok = false;

    if (r == NULL || class_node == NULL || flags == NULL || out == NULL
        || base_name == NULL) {
        goto done;
    }
    snprintf(r->python, sizeof(r->python), "%s", SP_PY_VERSION);
    r->min_instances = cfg->min_instances;
    r->classes = sp_calloc(n ? n : 1, sizeof(*r->classes));
    if (r->classes == NULL) {
        goto done;
    }
    env_init(&e);
    bool *base_has_dict = flags, *base_varsize = flags + n,
         *base_has_weakref = flags + 2 * n;

    for (size_t i = 0; i < n; i++) {
        struct sp_class *c = &r->classes[r->nclasses++];
        PyTypeObject *tp = cls[i].tp;
        int idx = node_add(&e, &ns, tp, cls, n);
        if (idx < 0 || !fill_class(c, &cls[i])) {
            goto done;
        }
        class_node[i] = idx;
        c->module = sp_strdup(ns.v[idx].module);
        c->qualname = sp_strdup(ns.v[idx].qualname);
        if (c->module == NULL || c->qualname == NULL) {
            goto done;
        }
        if (ns.v[idx].file != NULL) {
            c->file = sp_strdup(ns.v[idx].file);
            c->line = sp_sourceloc_class_line(c->file, c->qualname);
        }
        PyTypeObject *bb = builtin_base(tp);
        base_has_dict[i] = bb != NULL && bb->tp_dictoffset != 0;
        base_varsize[i] = bb != NULL && bb->tp_itemsize != 0;
        base_has_weakref[i] = bb != NULL && sp_pyver.type_has_weakref(bb);
        base_name[i] = bb != NULL ? bb->tp_name : "object";
        if (!check_instances(c) || !check_cached_property(c, tp)
            || !check_overrides(c, tp)) {
            goto done;
        }
    }

    pub = sp_calloc(ns.n ? ns.n : 1, sizeof(*pub));
    if (pub == NULL) {
        goto done;
    }
    for (size_t i = 0; i < ns.n; i++) {
        struct node *d = &ns.v[i];
        pub[i] = d->pub;
        pub[i].module = d->module;
        pub[i].qualname = d->qualname;
        pub[i].mro = d->mro;
        pub[i].class_vars = (const char *const *)d->class_vars;
        pub[i].fields = (const char *const *)d->fields;
        pub[i].mentions = (const char *const *)d->mentions;
    }
    struct sp_plan_in in = {
        .nodes = pub,
        .nnodes = ns.n,
        .class_node = class_node,
        .base_has_dict = base_has_dict,
        .base_varsize = base_varsize,
        .base_has_weakref = base_has_weakref,
        .base_name = base_name,
        .dataclass_slots_ok = PY_VERSION_HEX >= 0x030A0000,
    };
    if (!sp_plan_build(r, &in, out)) {
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        struct sp_class *c = &r->classes[i];
        PyTypeObject *bb = builtin_base(cls[i].tp);
        if (!out[i].removable || bb == NULL) {
            c->bytes_slotted = c->bytes_now;
        }
        else if (bb->tp_itemsize != 0) {
            c->bytes_slotted =
                sp_model_bytes(cls[i].var_slotted[out[i].add_weakref]);
        }
        else {
            c->bytes_slotted = sp_model_bytes(
                c->instances * sp_pyver.slotted_bytes(bb, 0, out[i].nslots,
                                                      out[i].add_weakref));
        }
        c->savings_bytes = (int64_t)c->bytes_now - (int64_t)c->bytes_slotted;
        c->recommended = c->instances >= cfg->min_instances
                         && c->savings_bytes > 0
                         && c->verdict != SP_VERDICT_BLOCKED;
    }
    sp_report_sort(r);
    ok = true;
done:
    PyErr_Clear();
    sp_free(pub);
    nodes_free(&ns);
    sp_free(class_node);
    sp_free(flags);
    sp_free(out);
    sp_free(base_name);
    if (!ok && r != NULL) {
        sp_report_free(r);
        r = NULL;
    }
    return r;
}
