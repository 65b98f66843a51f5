/*
 * py38.c -- the CPython 3.8 backend: the only file of a 3.8 build that
 * knows how 3.8 lays out GC lists, instance dicts and their keys.
 *
 * On 3.8 an instance of a class made by a `class` statement is one block
 * (PyGC_Head + tp_basicsize, 16 + 32 for a plain class) holding a pointer
 * at tp_dictoffset.  That pointer stays NULL until the first attribute is
 * set; then _PyObjectDict_SetItem makes a separate dict object (another
 * block, 16 + 48) which, while the class still shares keys
 * (ht_cached_keys != NULL), is a split table: the keys belong to the
 * class, the instance owns only a values array.  Once sharing breaks the
 * instance owns a combined table (keys, hashes and values in one block).
 * Everything here reads memory only: no allocation, no Python call, no
 * exception, and never the `__dict__` attribute (reading it creates the
 * dict of an instance that has no attribute yet).
 *
 * Sources: the tag v3.8.x of python/cpython, files named at each fact, and
 * the interpreter's own installed headers (this file is compiled against
 * them).  Objects/dict-common.h is not installed, so the two dict structs
 * it defines are mirrored below; their layout was checked against a live
 * 3.8.18 (dk_size is the second word of the keys object).
 *
 * This file is compiled only into a 3.8 build (Makefile picks
 * pyver/py$(MAJOR)$(MINOR).c) and exports only the table `sp_pyver`.
 */

/* _PyRuntime (_PyRuntimeState.gc) and struct _gc_runtime_state live in
 * internal headers that refuse to compile without Py_BUILD_CORE.
 * Confined to this file: nothing else in the library sees CPython
 * internals. */
#define Py_BUILD_CORE 1

#include "pyapi.h"              /* struct sp_pyver, sp_model_cost;
                                   PyGC_Head (Include/cpython/objimpl.h) */

#include "pycore_pymem.h"       /* struct _gc_runtime_state, NUM_GENERATIONS */
#include "pycore_pystate.h"     /* _PyRuntime */

#include "frameobject.h"        /* PyFrameObject (f_back, f_code, f_lasti) */

#include <string.h>             /* memset */

#if PY_VERSION_HEX < 0x03080000 || PY_VERSION_HEX >= 0x03090000
#error "py38.c is the CPython 3.8 backend; build against 3.8 headers"
#endif

/* ------------------------------------------------------------------ */
/* Dict internals, mirrored from Objects/dict-common.h (3.8).  */

/* Objects/dict-common.h: PyDictKeyEntry. */
struct keyentry {
    Py_hash_t me_hash;
    PyObject *me_key;
    PyObject *me_value;         /* only meaningful for combined tables */
};

/* Objects/dict-common.h: struct _dictkeysobject.  dk_usable counts the
 * entries still free, not the capacity: the capacity is
 * USABLE_FRACTION(dk_size). */
struct keys {
    Py_ssize_t dk_refcnt;
    Py_ssize_t dk_size;         /* hash table slots, a power of 2 */
    void *dk_lookup;            /* dict_lookup_func */
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[];          /* dk_size indices, then the entries */
};

/* Objects/dictobject.c: PyDict_MINSIZE, USABLE_FRACTION. */
#define DICT_MINSIZE 8
#define USABLE_FRACTION(n) (((n) << 1) / 3)

/* Objects/dictobject.c: DK_IXSIZE, the width of one index in dk_indices
 * (64-bit build). */
static size_t
index_width(Py_ssize_t size)
{
    if (size <= 0xff) {
        return 1;
    }
    if (size <= 0xffff) {
        return 2;
    }
    if (size <= 0xffffffff) {
        return 4;
    }
    return sizeof(int64_t);
}

/* Objects/dictobject.c: DK_ENTRIES. */
static const struct keyentry *
entries(const struct keys *dk)
{
    return (const struct keyentry *)
        (dk->dk_indices + (size_t)dk->dk_size * index_width(dk->dk_size));
}

/* ------------------------------------------------------------------ */
/* Walking the GC lists. */

/* On 3.8 the GC state is process-wide, _PyRuntime.gc
 * (Include/internal/pycore_pystate.h, _PyRuntimeState), shared by every
 * interpreter; it moved into the interpreter in 3.9.  Every GC-tracked
 * object is on one of the lists it heads: the three generations and the
 * permanent generation that gc.freeze() fills
 * (Include/internal/pycore_pymem.h, struct _gc_runtime_state).  Lists
 * are circular and doubly linked through PyGC_Head; outside a collection
 * _gc_next is a plain pointer (Include/cpython/objimpl.h: "Lowest bit of
 * _gc_next is used for flags only in GC", and only on the collector's
 * private `unreachable` list, never on a generation list).  The object
 * follows its header: Modules/gcmodule.c FROM_GC.  This is the walk
 * gc.get_objects() does (gcmodule.c append_objects), minus the list. */
static uint64_t
visit_objects(sp_visit_fn fn, void *arg)
{
    struct _gc_runtime_state *gcstate = &_PyRuntime.gc;
    PyGC_Head *heads[NUM_GENERATIONS + 1];
    for (int i = 0; i < NUM_GENERATIONS; i++) {
        heads[i] = &gcstate->generations[i].head;
    }
    heads[NUM_GENERATIONS] = &gcstate->permanent_generation.head;

    uint64_t n = 0;
    /* Oldest first: the permanent generation, then 2, 1, 0, each list
     * from its head, so objects come in creation order (young lists are
     * appended to older ones) and "first seen" means first created. */
    for (size_t i = SP_ARRAY_LEN(heads); i-- > 0;) {
        PyGC_Head *head = heads[i];
        PyGC_Head *g = (PyGC_Head *)head->_gc_next;
        /* A zero link means the state was never initialized
         * (_PyGC_Initialize makes every head point to itself). */
        while (g != NULL && g != head) {
            /* Read the link first: fn may not free op, but if it ever
             * untracked it, op's _gc_next would read 0. */
            PyGC_Head *next = (PyGC_Head *)g->_gc_next;
            n++;
            if (fn((PyObject *)(g + 1), arg) != 0) {
                return n;
            }
            g = next;
        }
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* One instance. */

static bool
type_has_dict(PyTypeObject *tp)
{
    return tp->tp_dictoffset != 0;
}

static bool
type_has_weakref(PyTypeObject *tp)
{
    return tp->tp_weaklistoffset != 0;
}

/* Bytes requested for an object of type tp with nitems items, header
 * included, before allocator rounding.  Objects/typeobject.c
 * PyType_GenericAlloc (every heap type's tp_alloc, set by type_new) asks
 * for _PyObject_VAR_SIZE(type, nitems + 1) -- "add one, for the
 * sentinel" -- which for itemsize 0 is tp_basicsize; Modules/gcmodule.c
 * _PyObject_GC_Alloc prepends sizeof(PyGC_Head) for Py_TPFLAGS_HAVE_GC
 * types. */
static uint64_t
object_request(PyTypeObject *tp, uint64_t nitems)
{
    uint64_t size = (uint64_t)tp->tp_basicsize;
    if (tp->tp_itemsize != 0) {
        /* Include/cpython/objimpl.h: _PyObject_VAR_SIZE rounds up to
         * SIZEOF_VOID_P. */
        size += (nitems + 1) * (uint64_t)tp->tp_itemsize;
        size = (size + SIZEOF_VOID_P - 1) & ~(uint64_t)(SIZEOF_VOID_P - 1);
    }
    if (PyType_IS_GC(tp)) {
        size += sizeof(PyGC_Head);
    }
    return size;
}

/* Where op keeps its dict pointer, or NULL.  Objects/object.c
 * _PyObject_GetDictPtr, reimplemented so that nothing can create the
 * dict: a negative tp_dictoffset counts from the end of the variable
 * part, _PyObject_VAR_SIZE(tp, |ob_size|) (ints keep their sign in
 * ob_size). */
static PyObject **
dict_ptr(PyObject *op, PyTypeObject *tp)
{
    Py_ssize_t offset = tp->tp_dictoffset;
    if (offset == 0) {
        return NULL;
    }
    if (offset < 0) {
        Py_ssize_t tsize = Py_SIZE(op);
        if (tsize < 0) {
            tsize = -tsize;
        }
        size_t size = (size_t)tp->tp_basicsize
                      + (size_t)tsize * (size_t)tp->tp_itemsize;
        size = (size + SIZEOF_VOID_P - 1) & ~(size_t)(SIZEOF_VOID_P - 1);
        offset += (Py_ssize_t)size;
        if (SP_NEVER(offset <= 0)) {
            return NULL;
        }
    }
    return (PyObject **)((char *)op + offset);
}

/* Real bytes of an instance dict, and its names in storage order.
 *
 * Objects/dictobject.c (3.8):
 * - the dict object: new_dict takes it from the dict free list or
 *   PyObject_GC_New, a GC block either way (16 + 48);
 * - split table (ma_values != NULL): new_dict_with_shared_keys and
 *   make_keys_shared allocate the values array with
 *   new_values(USABLE_FRACTION(DK_SIZE(keys))), i.e.
 *   PyMem_Malloc(8 * usable).  The keys are the class's while they are
 *   its CACHED_KEYS and are not counted.  Once the class dropped them
 *   (_PyObjectDict_SetItem, sharing lost or keys grown) they live on
 *   only for the split dicts made before, which hold one dk_refcnt each:
 *   each such instance is charged an equal share of the keys block, so
 *   the shares add up to what the keys really take;
 * - combined table: new_keys_object allocates sizeof(PyDictKeysObject)
 *   (40) + index width * dk_size + sizeof(PyDictKeyEntry) (24) *
 *   USABLE_FRACTION(dk_size) with PyObject_Malloc; keys of dk_size
 *   PyDict_MINSIZE may come from keys_free_list, which holds blocks of
 *   that same size;
 * - an empty dict (PyDict_New, dict.clear()) points at the static
 *   empty_keys_struct (dk_size 1) and the static empty_values: nothing
 *   allocated besides the dict object.
 * _PyDict_SizeOf computes the same sum. */
static uint64_t
dict_bytes(PyTypeObject *tp, PyDictObject *mp, struct sp_inst *out,
           sp_name_fn name_fn, void *arg)
{
    PyTypeObject *dtp = Py_TYPE(mp);
    uint64_t bytes = sp_model_cost(object_request(dtp, 0));
    const struct keys *dk = (const struct keys *)mp->ma_keys;
    if (SP_NEVER(dk == NULL) || dk->dk_size < DICT_MINSIZE) {
        return bytes;           /* empty_keys_struct: nothing stored */
    }
    Py_ssize_t usable = USABLE_FRACTION(dk->dk_size);
    const struct keyentry *ep = entries(dk);
    Py_ssize_t n = dk->dk_nentries;
    if (SP_NEVER(n < 0 || n > usable)) {
        n = n < 0 ? 0 : usable;
    }

    /* Objects/dictobject.c new_keys_object: the keys block. */
    uint64_t keys_block = sp_model_cost(
        sizeof(struct keys)
        + (uint64_t)dk->dk_size * index_width(dk->dk_size)
        + (uint64_t)usable * sizeof(struct keyentry));

    if (mp->ma_values != NULL) {
        bytes += sp_model_cost((uint64_t)usable * sizeof(PyObject *));
        if ((tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
            && (const void *)((PyHeapTypeObject *)tp)->ht_cached_keys
               != (const void *)dk
            && dk->dk_refcnt > 0) {
            bytes += keys_block / (uint64_t)dk->dk_refcnt;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            if (mp->ma_values[i] != NULL && name_fn != NULL) {
                name_fn(ep[i].me_key, arg);
            }
        }
        return bytes;
    }

    out->unshared = true;
    bytes += keys_block;
    for (Py_ssize_t i = 0; i < n; i++) {
        /* Deleted entries have me_key and me_value NULL
         * (dictobject.c delitem_common). */
        if (ep[i].me_value != NULL && name_fn != NULL) {
            name_fn(ep[i].me_key, arg);
        }
    }
    return bytes;
}

static void
measure(PyObject *op, struct sp_inst *out, sp_name_fn name_fn, void *arg)
{
    PyTypeObject *tp = Py_TYPE(op);

    memset(out, 0, sizeof(*out));
    if (tp->tp_itemsize != 0) {
        Py_ssize_t size = Py_SIZE(op);
        out->nitems = (uint64_t)(size < 0 ? -size : size);
    }
    out->bytes = sp_model_cost(object_request(tp, out->nitems));

    /* Objects/weakrefobject.c: the list head at tp_weaklistoffset is
     * non-NULL exactly while a weak reference or proxy to op exists. */
    if (tp->tp_weaklistoffset > 0) {
        PyObject **wr = (PyObject **)((char *)op + tp->tp_weaklistoffset);
        out->weakref = *wr != NULL;
    }

    /* On 3.8 the dict is never created behind the instance's back: it
     * exists exactly when an attribute was set or __dict__ was read. */
    out->materialized = false;
    PyObject **dictptr = dict_ptr(op, tp);
    if (dictptr == NULL || *dictptr == NULL) {
        return;
    }
    /* Objects/typeobject.c subtype_setdict only accepts dicts (and dict
     * subclasses) as __dict__. */
    if (SP_NEVER(!PyDict_Check(*dictptr))) {
        return;
    }
    out->bytes += dict_bytes(tp, (PyDictObject *)*dictptr, out, name_fn,
                             arg);
}

/* The same instance with its names as __slots__.  Objects/typeobject.c
 * type_new: members start at base->tp_basicsize, one pointer per slot,
 * then __weakref__ (add_weak) after them; tp_basicsize is the end,
 * tp_itemsize is the base's.  type_new sets Py_TPFLAGS_HAVE_GC on every
 * heap type ("All heap types need GC"), so even `__slots__ = ()`
 * instances carry a PyGC_Head.  A var-sized base (tuple, int, bytes)
 * accepts only `__slots__ = ()` and never __weakref__ ("nonempty
 * __slots__ not supported for subtype of ..."); callers pass nslots 0
 * and add_weakref false there. */
static uint64_t
slotted_bytes(PyTypeObject *base, uint64_t nitems, uint64_t nslots,
              bool add_weakref)
{
    uint64_t basicsize = (uint64_t)base->tp_basicsize
                         + nslots * sizeof(PyObject *)
                         + (add_weakref ? sizeof(PyObject *) : 0);
    uint64_t size = basicsize;
    if (base->tp_itemsize != 0) {
        /* PyType_GenericAlloc: _PyObject_VAR_SIZE(type, nitems + 1). */
        size += (nitems + 1) * (uint64_t)base->tp_itemsize;
        size = (size + SIZEOF_VOID_P - 1) & ~(uint64_t)(SIZEOF_VOID_P - 1);
    }
    return sp_model_cost(sizeof(PyGC_Head) + size);
}

/* Objects/dictobject.c _PyObjectDict_SetItem: once an instance's split
 * dict cannot take a key in the shared order (a deletion, a different
 * insertion order, a non-str key, a resize while other instances share
 * the keys), the class's CACHED_KEYS is set to NULL for good; every dict
 * created afterwards is combined.  type_new only makes cached keys for
 * types with a tp_dictoffset. */
static bool
keys_sharing_lost(PyTypeObject *tp)
{
    return (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
           && tp->tp_dictoffset != 0
           && ((PyHeapTypeObject *)tp)->ht_cached_keys == NULL;
}

/* ------------------------------------------------------------------ */
/* The audit hook list (internal/pycore_pystate.h: _Py_AuditHookEntry, and Python/sysmodule.c
 * _PySys_ClearAuditHooks).  A hook added before Py_Initialize is
 * allocated with the default raw allocator; at finalization CPython
 * frees every entry with the allocator in force then, which under
 * PYTHONMALLOC=*debug / -X dev aborts ("bad ID").  Called from the hook
 * itself during the cpython._PySys_ClearAuditHooks event, before that
 * loop, it unlinks our entry, which is then left allocated for the last
 * microseconds of the process. */
static void
unlink_audit_hook(Py_AuditHookFunction hook)
{
    _Py_AuditHookEntry **pp = &_PyRuntime.audit_hook_head;
    while (*pp != NULL) {
        if ((*pp)->hookCFunction == hook) {
            *pp = (*pp)->next;
            return;
        }
        pp = &(*pp)->next;
    }
}

/* ------------------------------------------------------------------ */
/* Allocations (allocs.c). */

/* Objects/obmalloc.c via Modules/gcmodule.c PyObject_GC_Del: a GC
 * object's block starts at its PyGC_Head; other objects are their block. */
static size_t
block_offset(PyTypeObject *tp)
{
    return PyType_IS_GC(tp) ? sizeof(PyGC_Head) : 0;
}

/* tstate->frame and f_back (Include/cpython/frameobject.h): frame objects
 * exist for every running function on this version.  f_lasti is a byte
 * offset on 3.8/3.9 and an instruction index on 3.10
 * (Objects/frameobject.c PyFrame_GetLineNumber). */
static size_t
frames(struct sp_pyframe *out, size_t max)
{
    PyThreadState *ts = _PyThreadState_UncheckedGet();
    size_t n = 0;
    for (PyFrameObject *f = ts != NULL ? ts->frame : NULL;
         f != NULL && n < max; f = f->f_back) {
        PyCodeObject *co = f->f_code;
        if (co == NULL) {
            continue;
        }
        out[n].code = (PyObject *)co;
        out[n].name = co->co_name;
        out[n].file = co->co_filename;
        out[n].addr = f->f_lasti;
        n++;
    }
    return n;
}

const struct sp_pyver sp_pyver = {
    .name = "3.8",
    .pool_size = 4096,          /* POOL_SIZE = SYSTEM_PAGE_SIZE, obmalloc.c */
    .visit_objects = visit_objects,
    .type_has_dict = type_has_dict,
    .measure = measure,
    .slotted_bytes = slotted_bytes,
    .type_has_weakref = type_has_weakref,
    .keys_sharing_lost = keys_sharing_lost,
    .unlink_audit_hook = unlink_audit_hook,
    .counting = SP_COUNT_TP_ALLOC,
    .block_offset = block_offset,
    .frames = frames,
    .tracer_install = NULL,
    .tracer_installed = NULL,
    /* Python/ceval.c (3.8), _PyEval_AddPendingCall: while
     * pending.finishing it calls PyErr_Print(). */
    .pending_call_may_print = true,
};
