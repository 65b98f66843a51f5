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
 * It runs inside gc callbacks and at exit, with borrowed pointers from the
 * census, so it must never run Python code: no dict lookup by hash (a str
 * subclass key's __eq__ or a non-str __module__'s __hash__ would run), no
 * attribute lookup on objects of types it has not checked exactly, no
 * encoding through codecs.  Dicts are searched by walking them with
 * PyDict_Next and comparing exact str keys; strings are encoded here.
 * Nothing recurses per class, and nothing big lives on the stack: a gc
 * callback may run on a thread with a 32 KiB stack.  GIL held throughout.
 */
#include "pyapi.h"

#include <structmember.h>       /* PyMemberDef, T_OBJECT_EX */
#include <stdarg.h>             /* va_list */
#include <string.h>             /* strcmp, strncmp, strlen */

/* ---------------------------------------------------------------- strings */

/* Append s as UTF-8 to b, encoding it here (no codec, no cache in the
 * host's heap).  A lone surrogate becomes \udcXX and NUL \x00, so a name
 * that cannot be UTF-8 is still shown, recognizably.  False if s is not
 * a str this can read. */
static bool
put_utf8(struct sp_buf *b, PyObject *s)
{
    if (s == NULL || !PyUnicode_Check(s) || !sp_unicode_ready(s)) {
        return false;
    }
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        char u[4];
        if (c == 0) {
            sp_buf_puts(b, "\\x00");
        }
        else if (c < 0x80) {
            u[0] = (char)c;
            sp_buf_append(b, u, 1);
        }
        else if (c < 0x800) {
            u[0] = (char)(0xc0 | (c >> 6));
            u[1] = (char)(0x80 | (c & 0x3f));
            sp_buf_append(b, u, 2);
        }
        else if (c >= 0xd800 && c <= 0xdfff) {
            sp_buf_printf(b, "\\u%04x", (unsigned)c);
        }
        else if (c < 0x10000) {
            u[0] = (char)(0xe0 | (c >> 12));
            u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
            u[2] = (char)(0x80 | (c & 0x3f));
            sp_buf_append(b, u, 3);
        }
        else {
            u[0] = (char)(0xf0 | (c >> 18));
            u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
            u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
            u[3] = (char)(0x80 | (c & 0x3f));
            sp_buf_append(b, u, 4);
        }
    }
    return true;
}

/* A scratch buffer for one encoded string at a time; censuses do not
 * nest (bootstrap.c's in_census), so one is enough. */
static struct sp_buf scratch;

/* s encoded into the scratch buffer; NULL if not a str or out of memory.
 * Valid until the next call. */
static const char *
utf8(PyObject *s)
{
    scratch.len = 0;
    scratch.failed = false;
    sp_buf_append(&scratch, "", 0);
    if (!put_utf8(&scratch, s) || !sp_buf_ok(&scratch)) {
        return NULL;
    }
    return scratch.data;
}

/* A copy in the profiler's heap.  NULL and *oom = false if s is not a
 * str; NULL and *oom = true if memory ran out. */
static char *
copy_str(PyObject *s, bool *oom)
{
    const char *u = utf8(s);
    char *c = NULL;
    *oom = false;
    if (u == NULL) {
        *oom = scratch.failed;
        return NULL;
    }
    c = sp_strdup(u);
    *oom = c == NULL;
    return c;
}

/* The value of an exact-str key equal to name in dict, found by walking
 * the dict: no hashing, no __eq__ of anything. */
static PyObject *
dict_find(PyObject *dict, const char *name)
{
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    if (dict == NULL || !PyDict_Check(dict)) {
        return NULL;
    }
    while (PyDict_Next(dict, &pos, &key, &value)) {
        if (PyUnicode_CheckExact(key) && sp_unicode_ready(key)
            && PyUnicode_CompareWithASCIIString(key, name) == 0) {
            return value;
        }
    }
    return NULL;
}

/* A borrowed item of a type's own dict, no lookup through the MRO. */
static PyObject *
own_item(PyTypeObject *tp, const char *name)
{
    return dict_find(tp->tp_dict, name);
}

/* ---------------------------------------------------------------- modules */

/* What the census needs of the interpreter, gathered once: sys.modules by
 * name, where the standard library lives, dataclasses' markers. */
struct env {
    struct sp_strmap modules;   /* name -> index into mods */
    PyObject **mods;            /* borrowed module objects */
    char **names;               /* owned keys of the map */
    size_t nmods;
    char *stdlib;               /* directory of os.py, with '/' */
    size_t stdlib_len;
    PyObject *dc_field;         /* dataclasses._FIELD, borrowed */
    PyTypeObject *dc_field_type;/* dataclasses.Field, borrowed */
    Py_ssize_t field_type_offset;   /* of Field._field_type's slot, or -1 */
    struct sp_strmap seen;      /* every attribute name of the census */
};

static void
env_free(struct env *e)
{
    for (size_t i = 0; i < e->nmods; i++) {
        sp_free(e->names[i]);
    }
    sp_free(e->names);
    sp_free(e->mods);
    sp_free(e->stdlib);
    sp_strmap_free(&e->modules);
    sp_strmap_free(&e->seen);
}

static PyObject *
env_module(struct env *e, const char *name)
{
    int64_t i;
    if (name == NULL || !sp_strmap_get(&e->modules, 0, name, &i)) {
        return NULL;
    }
    return e->mods[i];
}

/* The module's __file__ if it is an exact str; a copy, or NULL. */
static char *
module_file(struct env *e, const char *name)
{
    PyObject *mod = env_module(e, name);
    bool oom;
    if (mod == NULL) {
        return NULL;
    }
    PyObject *f = dict_find(PyModule_GetDict(mod), "__file__");
    return f != NULL && PyUnicode_CheckExact(f) ? copy_str(f, &oom) : NULL;
}

static bool
env_init(struct env *e)
{
    PyObject *modules = PySys_GetObject("modules");
    PyObject *key, *value;
    Py_ssize_t pos = 0;

    memset(e, 0, sizeof(*e));
    PyErr_Clear();
    if (modules == NULL || !PyDict_Check(modules)) {
        return true;
    }
    size_t cap = (size_t)PyDict_Size(modules) + 1;
    e->mods = sp_calloc(cap, sizeof(*e->mods));
    e->names = sp_calloc(cap, sizeof(*e->names));
    if (e->mods == NULL || e->names == NULL) {
        return false;
    }
    while (PyDict_Next(modules, &pos, &key, &value) && e->nmods < cap) {
        bool oom;
        if (!PyUnicode_CheckExact(key) || !PyModule_Check(value)) {
            continue;
        }
        char *name = copy_str(key, &oom);
        if (name == NULL) {
            if (oom) {
                return false;
            }
            continue;
        }
        e->names[e->nmods] = name;
        e->mods[e->nmods] = value;
        if (sp_strmap_put(&e->modules, 0, name, (int64_t)e->nmods) < 0) {
            sp_free(name);
            return false;
        }
        e->nmods++;
    }
    e->stdlib = module_file(e, "os");
    if (e->stdlib != NULL) {
        char *slash = strrchr(e->stdlib, '/');
        e->stdlib_len = slash ? (size_t)(slash - e->stdlib) + 1 : 0;
    }
    PyObject *dc = env_module(e, "dataclasses");
    if (dc != NULL) {
        e->dc_field = dict_find(PyModule_GetDict(dc), "_FIELD");
        PyObject *ft = dict_find(PyModule_GetDict(dc), "Field");
        e->dc_field_type = ft && PyType_Check(ft) ? (PyTypeObject *)ft : NULL;
    }
    /* Field._field_type is a __slots__ member: read the slot itself.  If
     * the program replaced the descriptor or Field's attribute lookup,
     * asking for the attribute would run its code: then fields are not
     * read at all. */
    e->field_type_offset = -1;
    if (e->dc_field_type != NULL
        && e->dc_field_type->tp_getattro == PyObject_GenericGetAttr) {
        PyObject *m = dict_find(e->dc_field_type->tp_dict, "_field_type");
        if (m != NULL && Py_TYPE(m) == &PyMemberDescr_Type) {
            PyMemberDef *def = ((PyMemberDescrObject *)m)->d_member;
            if (def->type == T_OBJECT || def->type == T_OBJECT_EX) {
                e->field_type_offset = def->offset;
            }
        }
    }
    return true;
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
    struct names_list {
        char **v;
        size_t n;
        size_t cap;
    } class_vars, fields, mentions;
    struct sp_pnode pub;
};

struct node_slot {
    PyTypeObject *tp;
    int idx;
};

struct nodes {
    struct node *v;
    size_t n;
    size_t cap;
    struct node_slot *map;      /* type -> node index, open addressing */
    size_t map_cap;
    struct sp_strmap dedup;     /* (node index, name): a list has it */
};

static void
list_free(struct names_list *l)
{
    for (size_t j = 0; j < l->n; j++) {
        sp_free(l->v[j]);
    }
    sp_free(l->v);
}

static void
nodes_free(struct nodes *ns)
{
    for (size_t i = 0; i < ns->n; i++) {
        struct node *d = &ns->v[i];
        sp_free(d->module);
        sp_free(d->qualname);
        sp_free(d->file);
        sp_free(d->mro);
        list_free(&d->class_vars);
        list_free(&d->fields);
        list_free(&d->mentions);
    }
    sp_free(ns->v);
    sp_free(ns->map);
    sp_strmap_free(&ns->dedup);
}

static int
node_find(const struct nodes *ns, PyTypeObject *tp)
{
    if (ns->map_cap == 0) {
        return -1;
    }
    for (size_t h = sp_hash_ptr(tp, ns->map_cap);; h = (h + 1) & (ns->map_cap - 1)) {
        if (ns->map[h].tp == tp) {
            return ns->map[h].idx;
        }
        if (ns->map[h].tp == NULL) {
            return -1;
        }
    }
}

static bool
map_insert(struct nodes *ns, PyTypeObject *tp, int idx)
{
    if ((ns->n + 1) * 2 > ns->map_cap) {
        size_t ncap = ns->map_cap ? ns->map_cap * 2 : 64;
        struct node_slot *nm = sp_calloc(ncap, sizeof(*nm));
        if (nm == NULL) {
            return false;
        }
        struct node_slot *old = ns->map;
        size_t ocap = ns->map_cap;
        ns->map = nm;
        ns->map_cap = ncap;
        for (size_t i = 0; i < ocap; i++) {
            if (old[i].tp != NULL) {
                size_t h = sp_hash_ptr(old[i].tp, ncap);
                while (nm[h].tp != NULL) {
                    h = (h + 1) & (ncap - 1);
                }
                nm[h] = old[i];
            }
        }
        sp_free(old);
    }
    size_t h = sp_hash_ptr(tp, ns->map_cap);
    while (ns->map[h].tp != NULL) {
        h = (h + 1) & (ns->map_cap - 1);
    }
    ns->map[h].tp = tp;
    ns->map[h].idx = idx;
    return true;
}

/* Add the encoded name to one of node k's lists, once.  -1 on OOM. */
static int
list_add(struct nodes *ns, int k, struct names_list *l, int which,
         const char *name)
{
    int64_t dummy;
    uint64_t tag = ((uint64_t)(unsigned)k << 2) | (uint64_t)which;
    if (sp_strmap_get(&ns->dedup, tag, name, &dummy)) {
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        void *p = sp_realloc(l->v, cap * sizeof(char *));
        if (p == NULL) {
            return -1;
        }
        l->v = p;
        l->cap = cap;
    }
    char *c = sp_strdup(name);
    if (c == NULL) {
        return -1;
    }
    l->v[l->n++] = c;
    return sp_strmap_put(&ns->dedup, tag, c, 0) < 0 ? -1 : 1;
}

/* functools.cached_property (a Python class in functools). */
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
    return m == NULL || !PyUnicode_CheckExact(m)
           || PyUnicode_CompareWithASCIIString(m, "functools") == 0;
}

/* Names in a class's own dict that some instance also carries: declaring
 * them as slots raises ValueError (typeobject.c, type_new: "conflicts
 * with class variable"), or hides a default.  One walk over the class's
 * dict, each key looked up in the census's set of names. */
static bool
collect_class_vars(struct env *e, struct nodes *ns, int k)
{
    PyObject *dict = ns->v[k].tp->tp_dict, *key, *v;
    Py_ssize_t pos = 0;
    if (dict == NULL || !PyDict_Check(dict)) {
        return true;
    }
    while (PyDict_Next(dict, &pos, &key, &v)) {
        const char *name = PyUnicode_CheckExact(key) ? utf8(key) : NULL;
        if (name == NULL || !sp_strmap_get(&e->seen, 0, name, NULL)
            || is_cached_property(v)) {
            continue;   /* cached_property: its own blocker says why */
        }
        if (list_add(ns, k, &ns->v[k].class_vars, 0, name) < 0) {
            return false;
        }
    }
    return true;
}

static bool
mention_add(struct env *e, struct nodes *ns, int k, PyObject *key)
{
    const char *name = PyUnicode_CheckExact(key) ? utf8(key) : NULL;
    if (name == NULL || !sp_strmap_get(&e->seen, 0, name, NULL)) {
        return true;
    }
    return list_add(ns, k, &ns->v[k].mentions, 1, name) >= 0;
}

/* Names a code object (and the code nested in it: closures,
 * comprehensions) loads or stores as attributes or globals: co_names.
 * Nested code is visited with an explicit stack in the profiler's heap,
 * not recursion. */
static bool
scan_code(struct env *e, struct nodes *ns, int k, PyObject *code)
{
    PyObject **stack = NULL;
    size_t top = 0, cap = 0;
    bool ok = true;

    if (code == NULL || !PyCode_Check(code)) {
        return true;
    }
    for (PyObject *next = code; next != NULL && ok;
         next = top > 0 ? stack[--top] : NULL) {
        PyCodeObject *co = (PyCodeObject *)next;
        PyObject *names = co->co_names, *consts = co->co_consts;
        if (names != NULL && PyTuple_Check(names)) {
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names) && ok; i++) {
                ok = mention_add(e, ns, k, PyTuple_GET_ITEM(names, i));
            }
        }
        if (consts == NULL || !PyTuple_Check(consts)) {
            continue;
        }
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(consts) && ok; i++) {
            PyObject *c = PyTuple_GET_ITEM(consts, i);
            if (!PyCode_Check(c)) {
                continue;
            }
            if (top == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                PyObject **p = sp_realloc(stack, ncap * sizeof(*p));
                if (p == NULL) {
                    ok = false;
                    break;
                }
                stack = p;
                cap = ncap;
            }
            stack[top++] = c;
        }
    }
    sp_free(stack);
    return ok;
}

/* The functions behind a class-dict value: plain functions, and exact
 * staticmethod / classmethod / property objects (a subclass could define
 * __getattribute__, so it is not asked anything). */
static bool
scan_value(struct env *e, struct nodes *ns, int k, PyObject *v)
{
    static const char *const inner[] = {"__func__", "fget", "fset", "fdel"};
    if (PyFunction_Check(v)) {
        return scan_code(e, ns, k, PyFunction_GET_CODE(v));
    }
    if (Py_TYPE(v) != &PyStaticMethod_Type
        && Py_TYPE(v) != &PyClassMethod_Type
        && Py_TYPE(v) != &PyProperty_Type) {
        return true;
    }
    for (size_t i = 0; i < SP_ARRAY_LEN(inner); i++) {
        PyObject *f = PyObject_GetAttrString(v, inner[i]);
        if (f == NULL) {
            PyErr_Clear();
            continue;
        }
        bool ok = !PyFunction_Check(f)
                  || scan_code(e, ns, k, PyFunction_GET_CODE(f));
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
collect_mentions(struct env *e, struct nodes *ns, int k)
{
    PyObject *dict = ns->v[k].tp->tp_dict, *key, *v;
    Py_ssize_t pos = 0;
    if (dict == NULL || !PyDict_Check(dict)) {
        return true;
    }
    PyObject *st = dict_find(dict, "__static_attributes__");
    if (st != NULL && PyTuple_CheckExact(st)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(st); i++) {
            if (!mention_add(e, ns, k, PyTuple_GET_ITEM(st, i))) {
                return false;
            }
        }
        return true;
    }
    while (PyDict_Next(dict, &pos, &key, &v)) {
        if (!scan_value(e, ns, k, v)) {
            return false;
        }
    }
    return true;
}

/* Dataclass fields proper (not ClassVar/InitVar pseudo-fields): values
 * of exactly dataclasses.Field whose _field_type is dataclasses._FIELD. */
static bool
collect_fields(struct env *e, struct nodes *ns, int k, PyObject *fields)
{
    PyObject *key, *field;
    Py_ssize_t pos = 0;
    if (!PyDict_CheckExact(fields)) {
        return true;
    }
    while (PyDict_Next(fields, &pos, &key, &field)) {
        if (e->dc_field_type == NULL || Py_TYPE(field) != e->dc_field_type) {
            continue;
        }
        bool proper = e->field_type_offset >= 0
                      && *(PyObject **)((char *)field + e->field_type_offset)
                             == e->dc_field;
        const char *name = PyUnicode_CheckExact(key) ? utf8(key) : NULL;
        if (proper && name != NULL
            && list_add(ns, k, &ns->v[k].fields, 2, name) < 0) {
            return false;
        }
    }
    return true;
}

static uint64_t
count_existing_slots(PyObject *slots)
{
    uint64_t n = 0;
    if (PyUnicode_CheckExact(slots)) {
        return PyUnicode_CompareWithASCIIString(slots, "__dict__") != 0
               && PyUnicode_CompareWithASCIIString(slots, "__weakref__") != 0;
    }
    if (!PyTuple_CheckExact(slots) && !PyList_CheckExact(slots)) {
        return 0;
    }
    Py_ssize_t len = PySequence_Fast_GET_SIZE(slots);
    for (Py_ssize_t i = 0; i < len; i++) {
        PyObject *s = PySequence_Fast_GET_ITEM(slots, i);
        if (PyUnicode_CheckExact(s)
            && PyUnicode_CompareWithASCIIString(s, "__dict__") != 0
            && PyUnicode_CompareWithASCIIString(s, "__weakref__") != 0) {
            n++;
        }
    }
    return n;
}

/* Describe one heap class whose MRO's heap classes are all known already
 * (node_add_mro adds bases first).  Returns the node index, -1 on
 * allocation failure. */
static int
node_add_one(struct env *e, struct nodes *ns, PyTypeObject *tp)
{
    int idx = node_find(ns, tp);
    bool oom;
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
    idx = (int)ns->n;
    if (!map_insert(ns, tp, idx)) {
        return -1;
    }
    ns->n++;
    struct node *d = &ns->v[idx];
    memset(d, 0, sizeof(*d));
    d->tp = tp;
    d->pub.layout_parent = -1;

    PyObject *modname = own_item(tp, "__module__");
    d->module = PyUnicode_CheckExact(modname) ? copy_str(modname, &oom)
                                              : NULL;
    if (d->module == NULL) {
        d->module = sp_strdup("builtins");
    }
    PyObject *qn = ((PyHeapTypeObject *)tp)->ht_qualname;
    d->qualname = copy_str(qn, &oom);
    if (d->qualname == NULL) {
        d->qualname = sp_strdup(tp->tp_name);
    }
    if (d->module == NULL || d->qualname == NULL) {
        return -1;
    }
    if (PyUnicode_CheckExact(modname)) {
        d->file = module_file(e, d->module);
    }
    if (d->file == NULL && sp_main_file[0] != '\0'
        && strcmp(d->module, "__main__") == 0) {
        d->file = sp_strdup(sp_main_file);
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
        if (!collect_fields(e, ns, idx, fields)) {
            return -1;
        }
    }
    if (!collect_class_vars(e, ns, idx) || !collect_mentions(e, ns, idx)) {
        return -1;
    }

    /* MRO: heap classes only (object, tuple, ... are not plan material). */
    d = &ns->v[idx];
    PyObject *mro = tp->tp_mro;
    Py_ssize_t nmro = mro && PyTuple_Check(mro) ? PyTuple_GET_SIZE(mro) : 0;
    d->mro = sp_calloc((size_t)nmro + 1, sizeof(int));
    if (d->mro == NULL) {
        return -1;
    }
    d->mro[d->pub.nmro++] = idx;
    for (Py_ssize_t i = 1; i < nmro; i++) {
        PyObject *b = PyTuple_GET_ITEM(mro, i);
        int bi = PyType_Check(b) ? node_find(ns, (PyTypeObject *)b) : -1;
        if (bi >= 0) {
            d->mro[d->pub.nmro++] = bi;
        }
    }
    PyTypeObject *base = tp->tp_base;
    if (base != NULL && (base->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        d->pub.layout_parent = node_find(ns, base);
    }
    return idx;
}

/* Add tp and the heap classes of its MRO, most basic first, so each
 * class finds its own bases described (a base's MRO is part of its
 * subclass's).  No recursion: MROs can be thousands of classes deep. */
static int
node_add_mro(struct env *e, struct nodes *ns, PyTypeObject *tp)
{
    PyObject *mro = tp->tp_mro;
    Py_ssize_t nmro = mro && PyTuple_Check(mro) ? PyTuple_GET_SIZE(mro) : 0;
    for (Py_ssize_t i = nmro; i-- > 1;) {
        PyObject *b = PyTuple_GET_ITEM(mro, i);
        if (PyType_Check(b)
            && (((PyTypeObject *)b)->tp_flags & Py_TPFLAGS_HEAPTYPE)
            && node_add_one(e, ns, (PyTypeObject *)b) < 0) {
            return -1;
        }
    }
    return node_add_one(e, ns, tp);
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
            const char *kn = utf8(key);
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
        char *name = copy_str(k->names[j].key, &oom);
        if (name == NULL) {
            if (oom) {
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

struct sp_report *
sp_classinfo_report(struct sp_census_class *cls, size_t n,
                    const struct sp_config *cfg)
{
    struct sp_report *r = sp_calloc(1, sizeof(*r));
    struct nodes ns;
    struct env e;
    int *class_node = sp_calloc(n ? n : 1, sizeof(int));
    bool *flags = sp_calloc(n ? 4 * n : 1, sizeof(bool));
    struct sp_plan_out *out = sp_calloc(n ? n : 1, sizeof(*out));
    struct sp_pnode *pub = NULL;
    const char **base_name = sp_calloc(n ? n : 1, sizeof(char *));
    bool ok = false;

    memset(&ns, 0, sizeof(ns));
    memset(&e, 0, sizeof(e));
    if (r == NULL || class_node == NULL || flags == NULL || out == NULL
        || base_name == NULL) {
        goto done;
    }
    snprintf(r->python, sizeof(r->python), "%s", SP_PY_VERSION);
    const char *alloc = sp_allocs_allocator_name();
    if (alloc == NULL) {
        alloc = sp_allocator_name();
    }
    snprintf(r->allocator, sizeof(r->allocator), "%s",
             alloc != NULL ? alloc : "custom");
    r->min_instances = cfg->min_instances;
    r->classes = sp_calloc(n ? n : 1, sizeof(*r->classes));
    if (r->classes == NULL || !env_init(&e)) {
        goto done;
    }
    bool *base_has_dict = flags, *base_varsize = flags + n,
         *base_has_weakref = flags + 2 * n, *base_names_ok = flags + 3 * n;

    /* Names first: the class walk below only keeps class variables and
     * mentions that some instance carries. */
    for (size_t i = 0; i < n; i++) {
        struct sp_class *c = &r->classes[r->nclasses++];
        if (!fill_class(c, &cls[i])) {
            goto done;
        }
        for (size_t a = 0; a < c->nattrs; a++) {
            if (sp_strmap_put(&e.seen, 0, c->attrs[a].name, 0) < 0) {
                goto done;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct sp_class *c = &r->classes[i];
        PyTypeObject *tp = cls[i].tp;
        int idx = node_add_mro(&e, &ns, tp);
        if (idx < 0) {
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
            if (c->file == NULL) {
                goto done;
            }
            c->line = sp_sourceloc_class_line(c->file, c->qualname);
        }
        PyTypeObject *bb = builtin_base(tp);
        base_has_dict[i] = bb != NULL && bb->tp_dictoffset != 0;
        base_varsize[i] = bb != NULL && bb->tp_itemsize != 0;
        base_has_weakref[i] = bb != NULL && sp_pyver.type_has_weakref(bb);
        base_names_ok[i] = base_varsize[i] && sp_pyver.varsize_names_ok
                           && sp_pyver.varsize_names_ok(bb);
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
        pub[i].class_vars = (const char *const *)d->class_vars.v;
        pub[i].nclass_vars = d->class_vars.n;
        pub[i].fields = (const char *const *)d->fields.v;
        pub[i].nfields = d->fields.n;
        pub[i].mentions = (const char *const *)d->mentions.v;
        pub[i].nmentions = d->mentions.n;
    }
    struct sp_plan_in in = {
        .nodes = pub,
        .nnodes = ns.n,
        .class_node = class_node,
        .base_has_dict = base_has_dict,
        .base_varsize = base_varsize,
        .base_has_weakref = base_has_weakref,
        .base_names_ok = base_names_ok,
        .base_name = base_name,
        .dataclass_slots_ok = PY_VERSION_HEX >= 0x030A0000,
        .dataclass_weakref_ok = PY_VERSION_HEX >= 0x030B0000,
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
        else if (bb->tp_itemsize != 0 && out[i].nslots > 0) {
            c->bytes_slotted = sp_model_bytes(sp_census_var_slotted(
                &cls[i], bb, out[i].nslots, out[i].add_weakref));
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
    env_free(&e);
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
