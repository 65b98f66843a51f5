/*
 * classinfo.h -- shared by classinfo.c (census aggregates -> report) and
 * classnode.c (heap classes -> planner nodes): what the interpreter
 * offers a census (struct env) and the table of classes described to
 * the planner (struct nodes).  Private to those two files.
 */
#ifndef SLOTPROF_CLASSINFO_H
#define SLOTPROF_CLASSINFO_H

#include "pyapi.h"

/* What a report needs of the interpreter, gathered once per report:
 * sys.modules by name, where the standard library lives, dataclasses'
 * markers, whose code is whose, and the names instances carry. */
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
    struct sp_strmap seen;      /* every attribute name of the report */
    char *prog_dir;             /* the script's directory, '/'-ended */
    char **mine;                /* mine= paths */
    size_t nmine;
    char **yours;               /* source files of the user's modules */
    size_t nyours;
    bool yours_listed;
};

bool sp_env_init(struct env *e, const struct sp_config *cfg);
void sp_env_free(struct env *e);
/* s encoded into a scratch buffer, valid until the next call; NULL if
 * not a str or out of memory (*oom tells which when oom != NULL). */
const char *sp_env_utf8(PyObject *s, bool *oom);
/* The module's __file__ if it is an exact str; a copy, or NULL. */
char *sp_env_module_file(struct env *e, const char *name);
/* The first place in the user's source files that does `use` (a
 * source.c use, or "__class__=" for an assignment of __class__): into
 * out, false (out empty) if none. */
bool sp_env_use(struct env *e, const char *use, struct sp_pfact *out);
/* Whose code a class is, by its type, module and source file. */
enum sp_origin sp_env_origin(struct env *e, PyTypeObject *tp,
                             const char *module, const char *file);

struct names_list {
    char **v;
    size_t n;
    size_t cap;
};

struct node {
    PyTypeObject *tp;
    char *module;
    char *qualname;
    char *file;
    enum sp_origin origin;
    int *mro;
    int *bases;
    struct names_list class_vars, fields, mentions, self_stores;
    struct sp_pdefault *defaults;   /* names owned; stored_file borrowed
                                       from env.yours */
    size_t ndefaults, defaults_cap;
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
    struct sp_strmap dedup;     /* (node index, list, name): listed */
};

/* Is name a data descriptor somewhere in tp's MRO (a property, a slot
 * of a base, __dict__)?  Then `self.name = ...` goes through it, not
 * into the instance.  Dicts walked, not looked up. */
bool sp_is_data_descriptor(PyTypeObject *tp, const char *name);
/* functools.cached_property (a Python class in functools)? */
bool sp_is_cached_property(PyObject *v);

void sp_nodes_free(struct nodes *ns);
/* Describe tp and the heap classes of its MRO (bases first); the node
 * index of tp, -1 on allocation failure.  Names-independent facts only:
 * sp_nodes_finish() adds what depends on the names instances carry. */
int sp_nodes_add(struct env *e, struct nodes *ns, PyTypeObject *tp);
/* Describe the classes that inherit from the user's classes described
 * so far, with instances or not.  False on allocation failure. */
bool sp_nodes_add_descendants(struct env *e, struct nodes *ns);
/* Once env.seen holds every name of the report: class attributes named
 * like them, the names each class's code mentions, and where code
 * assigns each class default.  False on allocation failure. */
bool sp_nodes_finish(struct env *e, struct nodes *ns);
/* The planner's view of node i (pointers into ns). */
void sp_nodes_pub(const struct nodes *ns, size_t i, struct sp_pnode *out);

#endif /* SLOTPROF_CLASSINFO_H */
