/*
 * classnode.c -- heap classes described for the planner (plan.c), and
 * what the interpreter tells about whose code they are.
 *
 * For every heap class of the MROs of the classes with live instances:
 * module, qualname, source file and whose code it is (struct env:
 * standard library, installed package, the user's own -- the program's
 * directory and mine= paths), its own __slots__, dataclass fields, class
 * attributes (plain-data defaults the plan can move, and the others),
 * the names its own code assigns as self.X (source.c, and CPython
 * 3.13+'s __static_attributes__) and the names its functions mention.
 *
 * It runs inside gc callbacks and at exit, with borrowed pointers, so it
 * never runs Python code: type dicts are walked (sp_py_dict_get), never
 * looked up by hash; strings are encoded by pystr.c; only exact
 * staticmethod/classmethod/property objects are asked for their
 * function (C getters).  Nothing recurses per class; nothing big lives
 * on the stack.  GIL held throughout.
 */
#include "classinfo.h"

#include <structmember.h>       /* PyMemberDef, T_OBJECT_EX */
#include <string.h>             /* strcmp, strncmp, strlen, strrchr */

/* ---------------------------------------------------------------- env */

/* A scratch buffer for one encoded string at a time; reports are not
 * built concurrently (bootstrap.c's in_census), so one is enough. */
static struct sp_buf scratch;

const char *
sp_env_utf8(PyObject *s, bool *oom)
{
    scratch.len = 0;
    scratch.failed = false;
    sp_buf_append(&scratch, "", 0);
    if (oom != NULL) {
        *oom = false;
    }
    if (!sp_py_put_utf8(&scratch, s) || !sp_buf_ok(&scratch)) {
        if (oom != NULL) {
            *oom = scratch.failed;
        }
        return NULL;
    }
    return scratch.data;
}

static char *
copy_str(PyObject *s, bool *oom)
{
    const char *u = sp_env_utf8(s, oom);
    char *c = u != NULL ? sp_strdup(u) : NULL;
    if (u != NULL) {
        *oom = c == NULL;
    }
    return c;
}

static PyObject *
own_item(PyTypeObject *tp, const char *name)
{
    return sp_py_dict_get(tp->tp_dict, name);
}

void
sp_env_free(struct env *e)
{
    for (size_t i = 0; i < e->nmods; i++) {
        sp_free(e->names[i]);
    }
    for (size_t i = 0; i < e->nmine; i++) {
        sp_free(e->mine[i]);
    }
    for (size_t i = 0; i < e->nyours; i++) {
        sp_free(e->yours[i]);
    }
    sp_free(e->names);
    sp_free(e->mods);
    sp_free(e->stdlib);
    sp_free(e->prog_dir);
    sp_free(e->mine);
    sp_free(e->yours);
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

char *
sp_env_module_file(struct env *e, const char *name)
{
    PyObject *mod = env_module(e, name);
    bool oom;
    if (mod == NULL) {
        return NULL;
    }
    PyObject *f = sp_py_dict_get(PyModule_GetDict(mod), "__file__");
    return f != NULL && PyUnicode_CheckExact(f) ? copy_str(f, &oom) : NULL;
}

/* sys.modules by name: exact str keys, module values. */
static bool
list_modules(struct env *e)
{
    PyObject *modules = PySys_GetObject("modules");
    PyObject *key, *value;
    Py_ssize_t pos = 0;

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
    return true;
}

/* dataclasses' markers.  Field._field_type is a __slots__ member: read
 * the slot itself.  If the program replaced the descriptor or Field's
 * attribute lookup, asking for the attribute would run its code: then
 * fields are not read at all. */
static void
find_dataclasses(struct env *e)
{
    PyObject *dc = env_module(e, "dataclasses");
    if (dc != NULL) {
        e->dc_field = sp_py_dict_get(PyModule_GetDict(dc), "_FIELD");
        PyObject *ft = sp_py_dict_get(PyModule_GetDict(dc), "Field");
        e->dc_field_type = ft && PyType_Check(ft) ? (PyTypeObject *)ft : NULL;
    }
    e->field_type_offset = -1;
    if (e->dc_field_type != NULL
        && e->dc_field_type->tp_getattro == PyObject_GenericGetAttr) {
        PyObject *m = sp_py_dict_get(e->dc_field_type->tp_dict,
                                     "_field_type");
        if (m != NULL && Py_TYPE(m) == &PyMemberDescr_Type) {
            PyMemberDef *def = ((PyMemberDescrObject *)m)->d_member;
            if (def->type == T_OBJECT || def->type == T_OBJECT_EX) {
                e->field_type_offset = def->offset;
            }
        }
    }
}

/* The program's directory and the mine= paths. */
static bool
find_yours(struct env *e, const struct sp_config *cfg)
{
    const char *slash = strrchr(sp_main_file, '/');
    if (slash != NULL) {
        e->prog_dir = sp_strndup(sp_main_file,
                                 (size_t)(slash - sp_main_file) + 1);
        if (e->prog_dir == NULL) {
            return false;
        }
    }
    for (const char *p = cfg->mine; *p != '\0';) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        void *np = sp_realloc(e->mine, (e->nmine + 1) * sizeof(char *));
        if (np == NULL) {
            return false;
        }
        e->mine = np;
        if ((e->mine[e->nmine] = sp_strndup(p, n)) == NULL) {
            return false;
        }
        e->nmine++;
        p += n + (colon != NULL);
    }
    return true;
}

bool
sp_env_init(struct env *e, const struct sp_config *cfg)
{
    memset(e, 0, sizeof(*e));
    if (!list_modules(e) || !find_yours(e, cfg)) {
        return false;
    }
    e->stdlib = sp_env_module_file(e, "os");
    if (e->stdlib != NULL) {
        char *slash = strrchr(e->stdlib, '/');
        e->stdlib_len = slash ? (size_t)(slash - e->stdlib) + 1 : 0;
    }
    find_dataclasses(e);
    return true;
}

/* Is file dir itself or inside it? */
static bool
under(const char *file, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') {
        n--;
    }
    return n > 0 && strncmp(file, dir, n) == 0
           && (file[n] == '/' || file[n] == '\0' || dir[n - 1] == '/');
}

/* Whose code a module's file is: mine= paths first (an installed
 * package can be the user's own), then installed packages (also a
 * virtual environment inside the program's directory), the standard
 * library, and any other file -- the program's directory and whatever
 * it puts on sys.path. */
static enum sp_origin
file_origin(struct env *e, const char *file)
{
    for (size_t i = 0; i < e->nmine; i++) {
        if (under(file, e->mine[i])) {
            return SP_ORIGIN_YOURS;
        }
    }
    if (strstr(file, "/site-packages/") || strstr(file, "/dist-packages/")) {
        return SP_ORIGIN_INSTALLED;
    }
    if (e->stdlib_len > 0 && strncmp(file, e->stdlib, e->stdlib_len) == 0
        && (e->prog_dir == NULL || !under(file, e->prog_dir))) {
        return SP_ORIGIN_STDLIB;
    }
    return SP_ORIGIN_YOURS;
}

enum sp_origin
sp_env_origin(struct env *e, PyTypeObject *tp, const char *module,
              const char *file)
{
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        return SP_ORIGIN_BUILTIN;
    }
    if (module != NULL && strcmp(module, "__main__") == 0) {
        return SP_ORIGIN_YOURS;
    }
    if (file == NULL) {
        return SP_ORIGIN_BUILTIN;   /* builtin or frozen module, exec() */
    }
    return file_origin(e, file);
}

/* The source files of the user's modules (and the script), listed on
 * first need: where code that assigns a class attribute is looked for. */
static bool
list_yours(struct env *e)
{
    if (e->yours_listed) {
        return true;
    }
    e->yours_listed = true;
    e->yours = sp_calloc(e->nmods + 2, sizeof(char *));
    if (e->yours == NULL) {
        return false;
    }
    if (sp_main_file[0] != '\0'
        && (e->yours[e->nyours++] = sp_strdup(sp_main_file)) == NULL) {
        return false;
    }
    for (size_t i = 0; i < e->nmods; i++) {
        char *f = sp_env_module_file(e, e->names[i]);
        size_t n = f != NULL ? strlen(f) : 0;
        if (f == NULL || n < 3 || strcmp(f + n - 3, ".py") != 0
            || file_origin(e, f) != SP_ORIGIN_YOURS
            || (sp_main_file[0] != '\0' && strcmp(f, sp_main_file) == 0)) {
            sp_free(f);
            continue;
        }
        e->yours[e->nyours++] = f;
    }
    return true;
}

/* The first place the user's code assigns `.name` on any object (or
 * setattr(x, 'name', ...)); false if none. */
static bool
stored_where(struct env *e, const char *name, const char **file, int *line)
{
    if (!list_yours(e)) {
        return false;
    }
    for (size_t i = 0; i < e->nyours; i++) {
        int l = sp_source_store_line(sp_source_get(e->yours[i]), name);
        if (l > 0) {
            *file = e->yours[i];
            *line = l;
            return true;
        }
    }
    return false;
}

bool
sp_env_use(struct env *e, const char *use, struct sp_pfact *out)
{
    out->file = NULL;
    out->line = 0;
    if (!list_yours(e)) {
        return false;
    }
    for (size_t i = 0; i < e->nyours; i++) {
        int l = strcmp(use, "__class__=") == 0
                    ? sp_source_store_line(sp_source_get(e->yours[i]),
                                           "__class__")
                    : sp_source_use_line(sp_source_get(e->yours[i]), use);
        if (l > 0) {
            out->file = e->yours[i];
            out->line = l;
            return true;
        }
    }
    return false;
}

/* What the class's own code does that slots change (source.c facts);
 * code anywhere reading its namespace by its name counts as its own
 * reading it. */
static void
collect_facts(struct env *e, struct node *d, const struct sp_source *src,
              int cls)
{
    struct {
        const char *fact;
        struct sp_pfact *out;
    } facts[] = {{"dynamic", &d->pub.dynamic},
                 {"classdict", &d->pub.classdict},
                 {"super0", &d->pub.super0}};
    for (size_t i = 0; i < SP_ARRAY_LEN(facts); i++) {
        int line = sp_source_class_fact(src, cls, facts[i].fact);
        facts[i].out->file = line > 0 ? d->file : NULL;
        facts[i].out->line = line;
    }
    const char *dot = strrchr(d->qualname, '.');
    char key[300];
    if (d->pub.classdict.line == 0) {
        snprintf(key, sizeof(key), "classdict:%s",
                 dot != NULL ? dot + 1 : d->qualname);
        (void)sp_env_use(e, key, &d->pub.classdict);
    }
    snprintf(key, sizeof(key), "call:%s", dot != NULL ? dot + 1 : d->qualname);
    (void)sp_env_use(e, key, &d->pub.called);
}

/* ---------------------------------------------------------------- nodes */

static void
list_free(struct names_list *l)
{
    for (size_t j = 0; j < l->n; j++) {
        sp_free(l->v[j]);
    }
    sp_free(l->v);
}

void
sp_nodes_free(struct nodes *ns)
{
    for (size_t i = 0; i < ns->n; i++) {
        struct node *d = &ns->v[i];
        sp_free(d->module);
        sp_free(d->qualname);
        sp_free(d->file);
        sp_free(d->mro);
        sp_free(d->bases);
        list_free(&d->class_vars);
        list_free(&d->fields);
        list_free(&d->mentions);
        list_free(&d->self_stores);
        for (size_t j = 0; j < d->ndefaults; j++) {
            sp_free((char *)d->defaults[j].name);
        }
        sp_free(d->defaults);
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
    for (size_t h = sp_hash_ptr(tp, ns->map_cap);;
         h = (h + 1) & (ns->map_cap - 1)) {
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
        for (size_t i = 0; i < ns->map_cap; i++) {
            if (ns->map[i].tp != NULL) {
                size_t h = sp_hash_ptr(ns->map[i].tp, ncap);
                while (nm[h].tp != NULL) {
                    h = (h + 1) & (ncap - 1);
                }
                nm[h] = ns->map[i];
            }
        }
        sp_free(ns->map);
        ns->map = nm;
        ns->map_cap = ncap;
    }
    size_t h = sp_hash_ptr(tp, ns->map_cap);
    while (ns->map[h].tp != NULL) {
        h = (h + 1) & (ns->map_cap - 1);
    }
    ns->map[h].tp = tp;
    ns->map[h].idx = idx;
    return true;
}

/* The lists of a node, for list_add's dedup tag. */
enum { L_CLASS_VARS, L_FIELDS, L_MENTIONS, L_SELF, L_DEFAULTS };

/* Add name to one of node k's lists, once.  -1 on OOM, 0 if there. */
static int
list_add(struct nodes *ns, int k, struct names_list *l, int which,
         const char *name)
{
    uint64_t tag = ((uint64_t)(unsigned)k << 3) | (uint64_t)which;
    if (sp_strmap_get(&ns->dedup, tag, name, NULL)) {
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

static bool
listed(const struct nodes *ns, int k, int which, const char *name)
{
    uint64_t tag = ((uint64_t)(unsigned)k << 3) | (uint64_t)which;
    return sp_strmap_get(&ns->dedup, tag, name, NULL);
}

bool
sp_is_data_descriptor(PyTypeObject *tp, const char *name)
{
    PyObject *mro = tp->tp_mro;
    Py_ssize_t n = mro != NULL && PyTuple_Check(mro) ? PyTuple_GET_SIZE(mro)
                                                     : 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *b = PyTuple_GET_ITEM(mro, i);
        PyObject *v = PyType_Check(b)
                          ? sp_py_dict_get(((PyTypeObject *)b)->tp_dict, name)
                          : NULL;
        if (v != NULL) {
            return Py_TYPE(v)->tp_descr_set != NULL;
        }
    }
    return false;
}

bool
sp_is_cached_property(PyObject *v)
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

/* Plain data: what a class body's `name = value` makes when value is not
 * code.  Not a function, method or class, not a module, not a
 * descriptor of any kind (staticmethod, classmethod, property,
 * cached_property, anything with __get__ or __set__). */
static bool
is_plain_data(PyObject *v)
{
    PyTypeObject *vt = Py_TYPE(v);
    return !PyType_Check(v) && !PyModule_Check(v) && !PyFunction_Check(v)
           && !PyCFunction_Check(v) && !PyMethod_Check(v)
           && vt->tp_descr_get == NULL && vt->tp_descr_set == NULL;
}

static bool
is_dunder(const char *n)
{
    size_t len = strlen(n);
    return len > 4 && n[0] == '_' && n[1] == '_' && n[len - 1] == '_'
           && n[len - 2] == '_';
}

/* The plain-data class attributes of node k (not dunders, not dataclass
 * fields, which the dataclass form handles), with the line that assigns
 * each in the class body when the class is the user's. */
static bool
collect_defaults(struct nodes *ns, int k, const struct sp_source *src,
                 int cls)
{
    PyObject *dict = ns->v[k].tp->tp_dict, *key, *v;
    Py_ssize_t pos = 0;
    if (dict == NULL || !PyDict_Check(dict)) {
        return true;
    }
    while (PyDict_Next(dict, &pos, &key, &v)) {
        bool oom;
        const char *name = PyUnicode_CheckExact(key) ? sp_env_utf8(key, &oom)
                                                     : NULL;
        if (name == NULL || is_dunder(name) || !is_plain_data(v)
            || listed(ns, k, L_FIELDS, name)) {
            continue;
        }
        struct node *d = &ns->v[k];
        if (d->ndefaults == d->defaults_cap) {
            size_t cap = d->defaults_cap ? d->defaults_cap * 2 : 4;
            void *p = sp_realloc(d->defaults, cap * sizeof(*d->defaults));
            if (p == NULL) {
                return false;
            }
            d->defaults = p;
            d->defaults_cap = cap;
        }
        struct sp_pdefault *df = &d->defaults[d->ndefaults];
        memset(df, 0, sizeof(*df));
        if ((df->name = sp_strdup(name)) == NULL) {
            return false;
        }
        df->line = sp_source_default_line(src, cls, name);
        d->ndefaults++;
    }
    return true;
}

/* The names node k's own code assigns as self.X: CPython 3.13+ lists
 * them in __static_attributes__ (compile.c); source.c finds them in the
 * class body on every version.  The user's classes only: the others are
 * not changed by a plan. */
static bool
collect_self_stores(struct nodes *ns, int k, const struct sp_source *src,
                    int cls)
{
    PyObject *st = own_item(ns->v[k].tp, "__static_attributes__");
    if (st != NULL && PyTuple_CheckExact(st)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(st); i++) {
            PyObject *s = PyTuple_GET_ITEM(st, i);
            bool oom;
            const char *n = PyUnicode_CheckExact(s) ? sp_env_utf8(s, &oom)
                                                    : NULL;
            if (n != NULL && !sp_is_data_descriptor(ns->v[k].tp, n)
                && list_add(ns, k, &ns->v[k].self_stores, L_SELF, n) < 0) {
                return false;
            }
        }
    }
    const char *names[256];
    size_t n = sp_source_self_stores(src, cls, names, SP_ARRAY_LEN(names));
    if (n > SP_ARRAY_LEN(names)) {
        n = SP_ARRAY_LEN(names);    /* a class that sets more: the rest
                                       come from censuses only */
    }
    for (size_t i = 0; i < n; i++) {
        if (!sp_is_data_descriptor(ns->v[k].tp, names[i])
            && list_add(ns, k, &ns->v[k].self_stores, L_SELF, names[i]) < 0) {
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
        bool oom;
        const char *name = PyUnicode_CheckExact(key) ? sp_env_utf8(key, &oom)
                                                     : NULL;
        if (proper && name != NULL
            && list_add(ns, k, &ns->v[k].fields, L_FIELDS, name) < 0) {
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

/* Module, qualname, file and origin of a new node. */
static bool
describe(struct env *e, struct node *d)
{
    PyTypeObject *tp = d->tp;
    bool oom;
    PyObject *modname = own_item(tp, "__module__");
    d->module = PyUnicode_CheckExact(modname) ? copy_str(modname, &oom)
                                              : NULL;
    if (d->module == NULL) {
        d->module = sp_strdup("builtins");
    }
    d->qualname = copy_str(((PyHeapTypeObject *)tp)->ht_qualname, &oom);
    if (d->qualname == NULL) {
        d->qualname = sp_strdup(tp->tp_name);
    }
    if (d->module == NULL || d->qualname == NULL) {
        return false;
    }
    if (PyUnicode_CheckExact(modname)) {
        d->file = sp_env_module_file(e, d->module);
    }
    if (d->file == NULL && sp_main_file[0] != '\0'
        && strcmp(d->module, "__main__") == 0) {
        d->file = sp_strdup(sp_main_file);
    }
    d->origin = sp_env_origin(e, tp, d->module, d->file);
    return true;
}

/* A builtin type whose instances carry more than object's: a base
 * that decides the layout of its subclasses (typeobject.c,
 * extra_ivars). */
static bool
has_layout(PyTypeObject *tp)
{
    return tp != &PyBaseObject_Type
           && (tp->tp_basicsize > PyBaseObject_Type.tp_basicsize
               || tp->tp_itemsize != 0);
}

/* The heap classes of its MRO (all described already), self first. */
static bool
set_mro(struct nodes *ns, int idx)
{
    struct node *d = &ns->v[idx];
    PyObject *mro = d->tp->tp_mro;
    Py_ssize_t nmro = mro && PyTuple_Check(mro) ? PyTuple_GET_SIZE(mro) : 0;
    d->mro = sp_calloc((size_t)nmro + 1, sizeof(int));
    if (d->mro == NULL) {
        return false;
    }
    d->mro[d->pub.nmro++] = idx;
    for (Py_ssize_t i = 1; i < nmro; i++) {
        PyObject *b = PyTuple_GET_ITEM(mro, i);
        int bi = PyType_Check(b) ? node_find(ns, (PyTypeObject *)b) : -1;
        if (bi >= 0) {
            d->mro[d->pub.nmro++] = bi;
        }
    }
    PyTypeObject *base = d->tp->tp_base;
    if (base != NULL && (base->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        d->pub.layout_parent = node_find(ns, base);
    }
    /* Direct bases, and builtins with a layout of their own. */
    PyObject *bases = d->tp->tp_bases;
    Py_ssize_t nb = bases && PyTuple_Check(bases) ? PyTuple_GET_SIZE(bases)
                                                  : 0;
    d->bases = sp_calloc((size_t)nb + 1, sizeof(int));
    if (d->bases == NULL) {
        return false;
    }
    for (Py_ssize_t i = 0; i < nb; i++) {
        PyObject *b = PyTuple_GET_ITEM(bases, i);
        if (!PyType_Check(b)) {
            continue;
        }
        if (((PyTypeObject *)b)->tp_flags & Py_TPFLAGS_HEAPTYPE) {
            int bi = node_find(ns, (PyTypeObject *)b);
            if (bi >= 0) {
                d->bases[d->pub.nbases++] = bi;
            }
        }
        else if (has_layout((PyTypeObject *)b)) {
            d->pub.builtin_direct = true;
        }
    }
    PyTypeObject *bb = d->tp;
    while (bb != NULL && (bb->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        bb = bb->tp_base;
    }
    d->pub.builtin_layout = bb != NULL && has_layout(bb);
    d->pub.builtin_init = bb != NULL
                          && bb->tp_init != PyBaseObject_Type.tp_init;
    return true;
}

/* Describe one heap class whose MRO's heap classes are all known already
 * (sp_nodes_add adds bases first).  The node index, -1 on allocation
 * failure. */
static int
node_add_one(struct env *e, struct nodes *ns, PyTypeObject *tp)
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
    idx = (int)ns->n;
    if (!map_insert(ns, tp, idx)) {
        return -1;
    }
    ns->n++;
    struct node *d = &ns->v[idx];
    memset(d, 0, sizeof(*d));
    d->tp = tp;
    d->pub.layout_parent = -1;
    if (!describe(e, d)) {
        return -1;
    }
    d->pub.editable = d->origin == SP_ORIGIN_YOURS;
    d->pub.has_init = own_item(tp, "__init__") != NULL;
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
    const struct sp_source *src =
        d->pub.editable ? sp_source_get(d->file) : NULL;
    int cls = sp_source_class(src, d->qualname);
    if (!collect_defaults(ns, idx, src, cls)
        || (d->pub.editable && !collect_self_stores(ns, idx, src, cls))
        || !set_mro(ns, idx)) {
        return -1;
    }
    if (d->pub.editable) {
        collect_facts(e, &ns->v[idx], src, cls);
    }
    return idx;
}

/* The classes below the user's classes described: a plan that gives a
 * base slots changes every class that inherits from it, with instances
 * or not (plan.c, descendant_conflicts).  Breadth first, through
 * type.__subclasses__ (the C method itself, not a lookup through the
 * class that a metaclass could override), at most MAX_DESCENDANTS. */
#define MAX_DESCENDANTS 20000

bool
sp_nodes_add_descendants(struct env *e, struct nodes *ns)
{
    size_t added = 0;
    for (size_t k = 0; k < ns->n && added < MAX_DESCENDANTS; k++) {
        if (!ns->v[k].pub.editable) {
            continue;
        }
        /* type.__subclasses__(tp), looked up on type itself (3.12+ keep
         * a static type's dict outside tp_dict). */
        PyObject *subs = PyObject_CallMethod((PyObject *)&PyType_Type,
                                             "__subclasses__", "O",
                                             (PyObject *)ns->v[k].tp);
        if (subs == NULL || !PyList_Check(subs)) {
            PyErr_Clear();
            Py_XDECREF(subs);
            continue;
        }
        bool ok = true;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(subs) && ok; i++) {
            PyObject *c = PyList_GET_ITEM(subs, i);
            if (PyType_Check(c)
                && (((PyTypeObject *)c)->tp_flags & Py_TPFLAGS_HEAPTYPE)
                && node_find(ns, (PyTypeObject *)c) < 0
                && added++ < MAX_DESCENDANTS) {
                ok = sp_nodes_add(e, ns, (PyTypeObject *)c) >= 0;
            }
        }
        Py_DECREF(subs);
        if (!ok) {
            return false;
        }
    }
    return true;
}

int
sp_nodes_add(struct env *e, struct nodes *ns, PyTypeObject *tp)
{
    /* Most basic first, so each class finds its bases described.  No
     * recursion: MROs can be thousands of classes deep. */
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

/* ------------------------------------------------ what depends on names */

/* Class attributes named like a name instances carry that the plan
 * cannot move: methods, descriptors, dataclass field defaults (the
 * dataclass form moves those itself).  Declaring such a name as a slot
 * raises ValueError (typeobject.c, type_new: "conflicts with class
 * variable"), or the two shadow each other. */
static bool
collect_class_vars(struct env *e, struct nodes *ns, int k)
{
    PyObject *dict = ns->v[k].tp->tp_dict, *key, *v;
    Py_ssize_t pos = 0;
    if (dict == NULL || !PyDict_Check(dict)) {
        return true;
    }
    while (PyDict_Next(dict, &pos, &key, &v)) {
        bool oom;
        const char *name = PyUnicode_CheckExact(key) ? sp_env_utf8(key, &oom)
                                                     : NULL;
        if (name == NULL || !sp_strmap_get(&e->seen, 0, name, NULL)
            || sp_is_cached_property(v)
            || (is_plain_data(v) && !listed(ns, k, L_FIELDS, name))) {
            continue;   /* cached_property: its own blocker says why */
        }
        if (list_add(ns, k, &ns->v[k].class_vars, L_CLASS_VARS, name) < 0) {
            return false;
        }
    }
    return true;
}

static bool
mention_add(struct env *e, struct nodes *ns, int k, PyObject *key)
{
    bool oom;
    const char *name = PyUnicode_CheckExact(key) ? sp_env_utf8(key, &oom)
                                                 : NULL;
    if (name == NULL || !sp_strmap_get(&e->seen, 0, name, NULL)) {
        return true;
    }
    return list_add(ns, k, &ns->v[k].mentions, L_MENTIONS, name) >= 0;
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

/* Which names the class's own code touches: its self.X stores when known
 * (__static_attributes__, the source), else co_names of its functions --
 * the nearest evidence before 3.13 (it also holds globals and loads,
 * hence the intersection with the names instances carry). */
static bool
collect_mentions(struct env *e, struct nodes *ns, int k)
{
    struct node *d = &ns->v[k];
    PyObject *dict = d->tp->tp_dict, *key, *v;
    Py_ssize_t pos = 0;
    if (d->self_stores.n > 0) {
        for (size_t i = 0; i < d->self_stores.n; i++) {
            if (sp_strmap_get(&e->seen, 0, d->self_stores.v[i], NULL)
                && list_add(ns, k, &d->mentions, L_MENTIONS,
                            d->self_stores.v[i]) < 0) {
                return false;
            }
        }
        return true;
    }
    if (dict == NULL || !PyDict_Check(dict)) {
        return true;
    }
    while (PyDict_Next(dict, &pos, &key, &v)) {
        if (!scan_value(e, ns, k, v)) {
            return false;
        }
    }
    return true;
}

bool
sp_nodes_finish(struct env *e, struct nodes *ns)
{
    for (size_t k = 0; k < ns->n; k++) {
        struct node *d = &ns->v[k];
        if (!collect_class_vars(e, ns, (int)k)
            || !collect_mentions(e, ns, (int)k)) {
            return false;
        }
        for (size_t j = 0; j < d->ndefaults && d->pub.editable; j++) {
            struct sp_pdefault *df = &d->defaults[j];
            (void)stored_where(e, df->name, &df->stored_file,
                               &df->stored_line);
        }
    }
    return true;
}

void
sp_nodes_pub(const struct nodes *ns, size_t i, struct sp_pnode *out)
{
    const struct node *d = &ns->v[i];
    *out = d->pub;
    out->module = d->module;
    out->qualname = d->qualname;
    out->file = d->file;
    out->mro = d->mro;
    out->bases = d->bases;
    out->class_vars = (const char *const *)d->class_vars.v;
    out->nclass_vars = d->class_vars.n;
    out->fields = (const char *const *)d->fields.v;
    out->nfields = d->fields.n;
    out->mentions = (const char *const *)d->mentions.v;
    out->nmentions = d->mentions.n;
    out->self_stores = (const char *const *)d->self_stores.v;
    out->nself_stores = d->self_stores.n;
    out->defaults = d->defaults;
    out->ndefaults = d->ndefaults;
}
