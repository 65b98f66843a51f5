/*
 * family314.h -- what the CPython 3.14 and 3.15 backends share: the only
 * code of a 3.14 or 3.15 build that knows how these versions lay out GC
 * lists, managed dicts, inline values, keys and frames.  Included by
 * exactly one of pyver/py314.c and pyver/py315.c, which say what differs
 * (the way redis's ae.c includes one backend); never compiled alone.
 *
 * On 3.14 and 3.15 an instance of a class made by a `class` statement
 * (flags Py_TPFLAGS_MANAGED_DICT, MANAGED_WEAKREF and INLINE_VALUES) is a
 * single block: 16 (pre-header: the weakref list and the dict pointer) +
 * 16 (PyGC_Head) + tp_basicsize + the attribute values inline after it,
 * at obj + tp_basicsize (a one-word header holding their capacity, one
 * word per value, then the insertion order bytes).  3.13 gave inline
 * values only to classes of tp_basicsize 16; 3.14 to every managed-dict
 * class of tp_itemsize 0 (Objects/typeobject.c type_ready_managed_dict):
 * a dict class over a base with slots, subclasses of list, dict, str,
 * set...  The keys live once in the class (ht_cached_keys), and 3.14
 * fills them when the class is made with the names of
 * __static_attributes__, the attributes its methods assign through self
 * (Objects/dictobject.c _PyDict_NewKeysForClass), up to
 * SHARED_KEYS_MAX_SIZE 30; names set otherwise (setattr) are added by the
 * first instance that sets them, as on 3.13.  A dict object appears only
 * when something asks for `__dict__`, or an attribute cannot go into the
 * shared keys; it first wraps the inline values, and takes a copy of its
 * own (or a combined keys table) once it must grow apart from them; the
 * inline area stays in the object, marked invalid.  Managed-dict classes
 * over a var-sized base (tuple, int, bytes) have no inline values: the
 * first setattr makes a dict split over the class keys with a separately
 * allocated values array.  C types with a tp_dictoffset and the
 * subclasses of BaseException keep a dict pointer at tp_dictoffset,
 * whose dict is an ordinary combined one.
 *
 * Free-threaded builds (3.14t, 3.15t: no PyGC_Head, a 32-byte object
 * header, mimalloc heaps) are not handled here; the version files refuse
 * to compile against them.
 *
 * Everything here reads memory only: no allocation, no Python call, no
 * exception, and never the `__dict__` attribute (PyObject_GenericGetDict
 * and _PyObject_GetDictPtr create the dict they return).
 *
 * Sources: Objects/dictobject.c, Objects/typeobject.c,
 * Objects/longobject.c, Objects/tupleobject.c, Python/gc.c,
 * Python/sysmodule.c and Objects/object.c of python/cpython's 3.14 and
 * 3.15 branches (files named at each fact), and the installed headers of
 * the interpreter this file is compiled against (Debian's 3.14.10 and
 * 3.15.2: tests/get-python.sh).
 *
 * The version file defines, before including this file:
 *   SP_PYVER_NAME            "3.14"
 * and after it, these functions, which this file declares:
 *   varsize_names_ok(base)   may a class over the var-sized builtin base
 *                            declare named slots?
 *   varsize_weakref_managed(base)  does __weakref__ over that base set
 *                            Py_TPFLAGS_MANAGED_WEAKREF (a pre-header)
 *                            rather than add a word?
 */

/* struct _is (interp->gc), struct _dictkeysobject and struct _dictvalues
 * live in internal headers that refuse to compile without Py_BUILD_CORE.
 * Confined to the backend: nothing else in the library sees CPython
 * internals. */
#define Py_BUILD_CORE 1

#include "pyapi.h"              /* struct sp_pyver, sp_model_cost */

#include "pycore_audit.h"       /* _Py_AuditHookEntry */
#include "pycore_dict.h"        /* struct _dictkeysobject, _dictvalues */
#include "pycore_gc.h"          /* PyGC_Head, struct _gc_runtime_state */
#include "pycore_interp.h"      /* PyInterpreterState.gc */
#include "pycore_interpframe.h" /* _PyInterpreterFrame, _PyFrame_* */
#include "pycore_runtime.h"     /* _PyRuntime */
#include "pycore_stackref.h"    /* PyStackRef_IsNull, _AsPyObjectBorrow */

#include <string.h>             /* memset */

#ifndef SP_PYVER_NAME
#error "family314.h is included by pyver/py314.c or py315.c only"
#endif
#ifdef Py_GIL_DISABLED
#error "the free-threaded build (3.14t, 3.15t) is not supported"
#endif

static bool varsize_names_ok(PyTypeObject *base);
static bool varsize_weakref_managed(PyTypeObject *base);

/* ------------------------------------------------------------------ */
/* Layout facts. */

#define WORD ((uint64_t)sizeof(PyObject *))

/* Include/internal/pycore_object.h _PyType_PreHeaderSize: two words in
 * front of the PyGC_Head when either flag of Py_TPFLAGS_PREHEADER
 * (MANAGED_DICT, MANAGED_WEAKREF) is set.  Counted from the object, word
 * -4 is the weakref list (MANAGED_WEAKREF_OFFSET, which type_new stores
 * in tp_weaklistoffset) and word -3 the dict pointer, NULL until a dict
 * is made (MANAGED_DICT_OFFSET, _PyObject_ManagedDictPointer). */
#define PREHEADER_SIZE (2 * WORD)
#define DICT_WORD 3

/* Objects/dictobject.c: USABLE_FRACTION. */
#define USABLE_FRACTION(n) (((n) << 1) / 3)

/* Objects/dictobject.c: CACHED_KEYS. */
#define CACHED_KEYS(tp) (((PyHeapTypeObject *)(tp))->ht_cached_keys)

static uint64_t
round_word(uint64_t n)
{
    return (n + WORD - 1) & ~(WORD - 1);
}

/* Include/cpython/objimpl.h _PyObject_VAR_SIZE. */
static uint64_t
var_size(uint64_t basicsize, uint64_t itemsize, uint64_t nitems)
{
    return round_word(basicsize + nitems * itemsize);
}

/* Bytes requested for an object of type tp with nitems items, pre-header
 * and GC header included, inline values not included, before allocator
 * rounding.  Every heap type's tp_alloc is PyType_GenericAlloc
 * (type_new), which asks for _PyObject_VAR_SIZE(type, nitems + 1) -- "The
 * +1 on nitems is needed for most types but not all" -- plus
 * _PyType_PreHeaderSize(type) (GC header and the two managed words) in
 * one block (Objects/typeobject.c _PyType_AllocNoTrack); the same block
 * holds _PyInlineValuesSize(type) more for Py_TPFLAGS_INLINE_VALUES,
 * which measure adds (inline_request).  For itemsize 0 the first part is
 * tp_basicsize. */
static uint64_t
object_request(PyTypeObject *tp, uint64_t nitems)
{
    uint64_t size = (uint64_t)tp->tp_basicsize;
    if (tp->tp_itemsize != 0) {
        size = var_size(size, (uint64_t)tp->tp_itemsize, nitems + 1);
    }
    if (PyType_IS_GC(tp)) {
        size += sizeof(PyGC_Head);
    }
    if (tp->tp_flags & Py_TPFLAGS_PREHEADER) {
        size += PREHEADER_SIZE;
    }
    return size;
}

/* Include/internal/pycore_dict.h DK_ENTRIES / DK_UNICODE_ENTRIES without
 * their asserts: the entries follow 1 << dk_log2_index_bytes index bytes. */
static PyDictUnicodeEntry *
unicode_entries(PyDictKeysObject *dk)
{
    return (PyDictUnicodeEntry *)
        (dk->dk_indices + ((size_t)1 << dk->dk_log2_index_bytes));
}

static PyDictKeyEntry *
general_entries(PyDictKeysObject *dk)
{
    return (PyDictKeyEntry *)
        (dk->dk_indices + ((size_t)1 << dk->dk_log2_index_bytes));
}

/* Objects/dictobject.c new_keys_object: one PyMem_Malloc of
 * sizeof(PyDictKeysObject) + (1 << dk_log2_index_bytes) index bytes +
 * USABLE_FRACTION(1 << dk_log2_size) entries (PyDictUnicodeEntry, 16, for
 * all-str tables; PyDictKeyEntry, 24, with the hash, otherwise).  Tables
 * of PyDict_MINSIZE may come from the dictkeys free list, which only
 * holds blocks of that same size; clone_combined_dict_keys copies
 * _PyDict_KeysSize(), the same sum. */
static uint64_t
keys_request(PyDictKeysObject *dk)
{
    uint64_t es = dk->dk_kind == DICT_KEYS_GENERAL
                  ? sizeof(PyDictKeyEntry) : sizeof(PyDictUnicodeEntry);
    uint64_t usable = USABLE_FRACTION((uint64_t)1 << dk->dk_log2_size);
    return sizeof(PyDictKeysObject)
           + ((uint64_t)1 << dk->dk_log2_index_bytes) + usable * es;
}

/* ------------------------------------------------------------------ */
/* Walking the GC lists. */

/* Every GC-tracked object of the main interpreter is on one of the lists
 * headed in interp->gc (Include/internal/pycore_interp_structs.h, struct
 * _gc_runtime_state since 3.14): the three generations (3.14.5+: again;
 * the incremental collector of 3.14.0-3.14.4 had young and old[2], see
 * py314.c) and the permanent generation that gc.freeze() fills.  Lists
 * are circular and doubly linked through PyGC_Head; the low bit of
 * _gc_next is a flag (NEXT_MASK_UNREACHABLE) only on the collector's
 * private list during a collection, masked here all the same.  The object
 * follows its header: Python/gc.c FROM_GC.  This is the walk
 * gc.get_objects() does (gc.c append_objects), minus the list. */
static uint64_t
visit_objects(sp_visit_fn fn, void *arg)
{
    PyInterpreterState *interp = PyInterpreterState_Main();
    if (SP_NEVER(interp == NULL)) {
        return 0;
    }
    struct _gc_runtime_state *gcstate = &interp->gc;
    /* Oldest first, so that objects come about in the order they were
     * made and a class shows its first instances first:
     * _PyObject_GC_TRACK appends to the tail of generation 0, a
     * collection appends the survivors to the tail of the next older
     * list (gc_list_merge), gc.freeze() moves everything to the
     * permanent generation.  Only a full collection breaks the order a
     * little: it merges generation 0 before generation 1 into 2
     * (gc_collect_main). */
    PyGC_Head *heads[NUM_GENERATIONS + 1];
    heads[0] = &gcstate->permanent_generation.head;
    for (int i = 0; i < NUM_GENERATIONS; i++) {
        heads[i + 1] = &gcstate->generations[NUM_GENERATIONS - 1 - i].head;
    }

    uint64_t n = 0;
    for (size_t i = 0; i < SP_ARRAY_LEN(heads); i++) {
        PyGC_Head *head = heads[i];
        PyGC_Head *g = (PyGC_Head *)(head->_gc_next & ~(uintptr_t)1);
        /* A zero link means the state was never initialized
         * (gc.c _PyGC_InitState makes every head point to itself). */
        while (g != NULL && g != head) {
            /* Read the link first: fn may not free op, but if it ever
             * untracked it, op's _gc_next would read 0. */
            PyGC_Head *next = (PyGC_Head *)(g->_gc_next & ~(uintptr_t)1);
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
/* Values arrays. */

/* Include/internal/pycore_dict.h: struct _dictvalues is capacity, size,
 * embedded and valid (one byte each, padded to a word), then `capacity`
 * value words, then the insertion order, one byte per value
 * (get_insertion_order_array), rounded up to a word. */

/* Objects/dictobject.c values_size_from_count: the size of a values
 * array that new_values allocates on its own (PyMem_Malloc), for split
 * dicts (new_dict_with_shared_keys) and copies (copy_values, which
 * _PyDict_DetachFromObject uses).  capacity is stored and exact. */
static uint64_t
values_request(PyDictValues *values)
{
    uint64_t count = values->capacity;
    return (count + 1) * WORD + round_word(count);
}

/* The inline values' share of the object's block.
 * Objects/typeobject.c _PyType_AllocNoTrack adds
 * _PyInlineValuesSize(type) (pycore_dict.h: round8(size) + (size + 1) *
 * 8 with size = shared_keys_usable_size(keys), dk_nentries + dk_usable)
 * *before* it calls _PyObject_InitInlineValues, which first takes one
 * from dk_usable while it is above 1 and only then stores the capacity
 * from the same sum.  So the object was allocated for capacity + 1,
 * except when dk_usable was already down to 1 (or 0), which freezes the
 * sum for good: nothing ever adds to dk_usable (shared keys are never
 * resized), inserting a key moves a unit from dk_usable to dk_nentries.
 * Hence a capacity above the sum now was decremented (allocated for
 * capacity + 1), and so was one equal to it while dk_usable is still
 * above 1 (the newest instance); a capacity equal to a frozen sum was
 * not -- except for the one instance whose decrement froze the sum,
 * counted 8 (or, across a word of order bytes, 16) bytes short.
 * Checked against the pymalloc size class of each block (pool header
 * szidx) for the first 40 instances of classes of 1 to 28 attributes:
 * exact but for that one instance (16 B short, when it rounds across). */
static uint64_t
inline_request(PyDictValues *values, PyDictKeysObject *dk)
{
    uint64_t cap = values->capacity;
    uint64_t now = (uint64_t)(dk->dk_nentries + dk->dk_usable);
    /* dk_usable still above 1 proves this instance took its unit too
     * (the newest instance of a class whose keys are still filling). */
    uint64_t size = (cap > now || dk->dk_usable > 1) ? cap + 1 : cap;
    return round_word(size) + (size + 1) * WORD;
}

/* The names of the values present, in insertion order
 * (pycore_dict.h _PyDictValues_AddToInsertionOrder: the k-th index at
 * get_insertion_order_array(values)[k], `size` of them).  Indices at or
 * above dk_nentries name no key. */
static void
values_names(PyDictValues *values, PyDictKeysObject *dk, sp_name_fn name_fn,
             void *arg)
{
    if (name_fn == NULL || SP_NEVER(dk->dk_kind == DICT_KEYS_GENERAL)) {
        return;
    }
    uint64_t cap = values->capacity;
    uint64_t limit = (uint64_t)dk->dk_nentries;
    if (limit > cap) {
        limit = cap;
    }
    const uint8_t *order = (const uint8_t *)&values->values[cap];
    PyDictUnicodeEntry *ep = unicode_entries(dk);
    uint64_t used = values->size;
    if (!SP_NEVER(used > cap)) {
        for (uint64_t k = 0; k < used; k++) {
            uint64_t ix = order[k];
            if (ix < limit && values->values[ix] != NULL) {
                name_fn(ep[ix].me_key, arg);
            }
        }
        return;
    }
    for (uint64_t ix = 0; ix < limit; ix++) {
        if (values->values[ix] != NULL) {
            name_fn(ep[ix].me_key, arg);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Dict objects. */

/* Cost of a dict object and of what it alone owns, and its names
 * in storage order (unless they were reported from the inline values
 * the dict wraps).  Objects/dictobject.c:
 * - the dict object: new_dict takes it from the dict free list or
 *   PyObject_GC_New, a GC block either way (16 + 48);
 * - split table (ma_values != NULL): values that are embedded (the
 *   inline values of an object, wrapped by
 *   make_dict_from_instance_attributes) belong to that object's block;
 *   others were allocated for this dict (new_dict_with_shared_keys,
 *   copy_values); the keys are the class's (or, after
 *   `a.__dict__ = b.__dict__`, shared with another instance);
 * - combined table (ma_values == NULL): the keys table is the dict's own
 *   (dk_refcnt 1), values inside the entries;
 * - an empty dict (PyDict_New, dict.clear()) points at the static
 *   empty_keys_struct, the only keys with dk_log2_size 0. */
static uint64_t
dict_bytes(PyDictObject *mp, PyDictValues *own_inline, struct sp_inst *out,
           sp_name_fn name_fn, void *arg)
{
    uint64_t bytes = sp_model_cost(object_request(Py_TYPE(mp), 0));
    PyDictKeysObject *dk = mp->ma_keys;
    if (SP_NEVER(dk == NULL) || dk->dk_log2_size == 0) {
        return bytes;
    }
    if (mp->ma_values != NULL) {
        if (SP_NEVER(dk->dk_kind != DICT_KEYS_SPLIT)) {
            return bytes;
        }
        if (mp->ma_values->embedded) {
            /* Counted with the object it lives in: ours (names already
             * reported by measure) or, if this dict was taken from
             * another instance, that one's. */
            if (mp->ma_values != own_inline) {
                values_names(mp->ma_values, dk, name_fn, arg);
            }
            return bytes;
        }
        bytes += sp_model_cost(values_request(mp->ma_values));
        values_names(mp->ma_values, dk, name_fn, arg);
        return bytes;
    }

    out->unshared = true;
    bytes += sp_model_cost(keys_request(dk));
    if (name_fn == NULL) {
        return bytes;
    }
    /* Deleted entries have me_key and me_value NULL (delitem_common). */
    Py_ssize_t n = dk->dk_nentries;
    if (dk->dk_kind == DICT_KEYS_GENERAL) {
        PyDictKeyEntry *ep = general_entries(dk);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (ep[i].me_key != NULL && ep[i].me_value != NULL) {
                name_fn(ep[i].me_key, arg);
            }
        }
    }
    else {
        PyDictUnicodeEntry *ep = unicode_entries(dk);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (ep[i].me_key != NULL && ep[i].me_value != NULL) {
                name_fn(ep[i].me_key, arg);
            }
        }
    }
    return bytes;
}

/* Where a non-managed op keeps its dict pointer, or NULL.
 * Objects/object.c _PyObject_ComputedDictPointer, reimplemented: a
 * negative tp_dictoffset counts from the end of the variable part,
 * _PyObject_VAR_SIZE(tp, |ob_size|).  Heap subclasses of int (whose
 * ob_size is lv_tag) are managed, so this only serves C types. */
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
        offset += (Py_ssize_t)var_size((uint64_t)tp->tp_basicsize,
                                       (uint64_t)tp->tp_itemsize,
                                       (uint64_t)tsize);
        if (SP_NEVER(offset <= 0)) {
            return NULL;
        }
    }
    return (PyObject **)((char *)op + offset);
}

/* ------------------------------------------------------------------ */
/* The table's functions. */

static bool
type_has_dict(PyTypeObject *tp)
{
    return (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT)
           || tp->tp_dictoffset != 0;
}

/* A managed weakref also sets tp_weaklistoffset (to
 * MANAGED_WEAKREF_OFFSET); the flag is tested as well for C types that
 * set only the flag before PyType_Ready fills the offset. */
static bool
type_has_weakref(PyTypeObject *tp)
{
    return tp->tp_weaklistoffset != 0
           || (tp->tp_flags & Py_TPFLAGS_MANAGED_WEAKREF);
}

/* What the type's tp_new passed to tp_alloc, which sized the block:
 * tuple_subtype_new and bytes_subtype_new the length (Py_SIZE);
 * long_subtype_new (Objects/longobject.c) the digit count, at least 1
 * ("Fast operations for single digit integers (including zero) assume
 * that there is always at least one digit present"); ints keep the
 * digit count in lv_tag >> _PyLong_NON_SIZE_BITS
 * (Include/cpython/longintrepr.h), not in ob_size. */
static uint64_t
alloc_nitems(PyObject *op)
{
    if (PyLong_Check(op)) {
        uint64_t n = (uint64_t)(((PyLongObject *)op)->long_value.lv_tag
                                >> _PyLong_NON_SIZE_BITS);
        return n == 0 ? 1 : n;
    }
    Py_ssize_t size = Py_SIZE(op);
    return (uint64_t)(size < 0 ? -size : size);
}

static void
measure(PyObject *op, struct sp_inst *out, sp_name_fn name_fn, void *arg)
{
    PyTypeObject *tp = Py_TYPE(op);

    memset(out, 0, sizeof(*out));
    if (tp->tp_itemsize != 0) {
        out->nitems = alloc_nitems(op);
    }
    uint64_t request = object_request(tp, out->nitems);

    /* Include/internal/pycore_object.h _PyObject_InlineValues: at
     * obj + tp_basicsize (type_ready_managed_dict sets INLINE_VALUES for
     * every managed-dict type of itemsize 0; the flag is not inherited,
     * each heap type gets its own keys). */
    PyDictValues *inl = NULL;
    PyDictKeysObject *dk = NULL;
    if ((tp->tp_flags & Py_TPFLAGS_INLINE_VALUES)
        && !SP_NEVER(CACHED_KEYS(tp) == NULL)) {
        inl = (PyDictValues *)((char *)op + tp->tp_basicsize);
        dk = CACHED_KEYS(tp);
        request += inline_request(inl, dk);
    }
    out->bytes = sp_model_cost(request);

    /* Objects/weakrefobject.c: the list head at tp_weaklistoffset
     * (_PyObject_GET_WEAKREFS_LISTPTR; negative for a managed weakref,
     * word -4) is non-NULL exactly while a weak reference or proxy to op
     * exists. */
    if (tp->tp_weaklistoffset != 0) {
        PyObject **wr = (PyObject **)((char *)op + tp->tp_weaklistoffset);
        out->weakref = *wr != NULL;
    }

    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        PyObject *dict = ((PyObject **)op)[-DICT_WORD];
        if (dict != NULL && SP_NEVER(!PyDict_Check(dict))) {
            dict = NULL;
        }
        /* Objects/dictobject.c: while `valid`, the inline values hold the
         * attributes, wrapped by the dict if there is one
         * (_PyObject_MaterializeManagedDict_LockHeld); once a dict had
         * to part from them (_PyDict_DetachFromObject, or a resize of
         * the dict) they are marked invalid and the dict has them all. */
        if (inl != NULL && inl->valid
            && (dict == NULL
                || ((PyDictObject *)dict)->ma_values == inl)) {
            values_names(inl, dk, name_fn, arg);
        }
        if (dict != NULL) {
            /* Materialized: a dict beside inline values, which hold the
             * attributes of every instance that never needed one.  Types
             * without inline values (over a base with slots or a
             * var-sized base, not made by object_new) store their
             * attributes in a dict from the first setattr on. */
            out->materialized = inl != NULL;
            out->bytes += dict_bytes((PyDictObject *)dict, inl, out,
                                     name_fn, arg);
        }
        return;
    }

    /* A dict at tp_dictoffset is how these types always store attributes:
     * not "materialized" in the sense of the flag (nobody forced it). */
    PyObject **dictptr = dict_ptr(op, tp);
    if (dictptr == NULL || *dictptr == NULL) {
        return;
    }
    /* Objects/typeobject.c subtype_setdict only accepts dicts (and dict
     * subclasses) as __dict__. */
    if (SP_NEVER(!PyDict_Check(*dictptr))) {
        return;
    }
    out->bytes += dict_bytes((PyDictObject *)*dictptr, NULL, out, name_fn,
                             arg);
}

/* The same instance with its names as __slots__.  Objects/typeobject.c
 * type_new_descriptors: one word per slot on top of the base's
 * tp_basicsize; tp_itemsize is the base's.  __weakref__ (add_weak,
 * type_new_slots) takes no word over a base of itemsize 0: it sets
 * Py_TPFLAGS_MANAGED_WEAKREF, and with it the two-word pre-header.
 * inherit_special passes the base's Py_TPFLAGS_PREHEADER flags on, so a
 * base that has a pre-header keeps it.  type_new_alloc sets
 * Py_TPFLAGS_HAVE_GC on every heap type ("All heap types need GC"), so
 * even `__slots__ = ()` instances carry a PyGC_Head.  Over a var-sized
 * base (tuple, int, bytes) what __slots__ may hold is the version's
 * (varsize_names_ok, varsize_weakref_managed); a layout the version
 * refuses is counted as the words it would take, the size such a layout
 * would have. */
static uint64_t
slotted_bytes(PyTypeObject *base, uint64_t nitems, uint64_t nslots,
              bool add_weakref)
{
    uint64_t size = (uint64_t)base->tp_basicsize + nslots * WORD;
    bool preheader = (base->tp_flags & Py_TPFLAGS_PREHEADER) != 0;
    if (add_weakref && !type_has_weakref(base)) {
        if (base->tp_itemsize == 0 || varsize_weakref_managed(base)) {
            preheader = true;
        }
        else {
            size += WORD;
        }
    }
    if (base->tp_itemsize != 0) {
        /* PyType_GenericAlloc: _PyObject_VAR_SIZE(type, nitems + 1). */
        size = var_size(size, (uint64_t)base->tp_itemsize, nitems + 1);
    }
    size += sizeof(PyGC_Head);
    if (preheader) {
        size += PREHEADER_SIZE;
    }
    return sp_model_cost(size);
}

/* Key sharing is decided per instance (3.11+): ht_cached_keys is never cleared
 * (Objects/dictobject.c _PyObjectDict_SetItem no longer touches it). */
static bool
keys_sharing_lost(PyTypeObject *tp)
{
    (void)tp;
    return false;
}

/* ------------------------------------------------------------------ */
/* The audit hook list: _PyRuntime.audit_hooks.head
 * (Include/internal/pycore_runtime_structs.h), entries
 * _Py_AuditHookEntry (3.14: Include/internal/pycore_audit.h), freed by
 * Python/sysmodule.c _PySys_ClearAuditHooks.  A hook added before Py_Initialize is
 * allocated with the default raw allocator; at finalization CPython
 * frees every entry with the allocator in force then, which under
 * PYTHONMALLOC=*debug / -X dev aborts ("bad ID").  Called from the hook
 * itself during the cpython._PySys_ClearAuditHooks event, before that
 * loop, it unlinks our entry, which is then left allocated for the last
 * microseconds of the process. */
static void
unlink_audit_hook(Py_AuditHookFunction hook)
{
    _Py_AuditHookEntry **pp = &_PyRuntime.audit_hooks.head;
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

/* Include/internal/pycore_object.h _PyType_PreHeaderSize. */
static size_t
block_offset(PyTypeObject *tp)
{
    return (PyType_IS_GC(tp) ? sizeof(PyGC_Head) : 0)
           + ((tp->tp_flags & Py_TPFLAGS_PREHEADER) ? (size_t)PREHEADER_SIZE
                                                     : 0);
}

/* tstate->current_frame and ->previous; _PyInterpreterFrame is in
 * Include/internal/pycore_interpframe_structs.h since 3.14.  f_executable
 * is a _PyStackRef (pycore_stackref.h): a tagged pointer whose null is
 * not 0 (PyStackRef_IsNull), borrowed as an object with the tag bits
 * masked.  Entry frames of the C stack (3.14 FRAME_OWNED_BY_CSTACK, gone
 * in 3.15) and the interpreter's own are owned by FRAME_OWNED_BY_INTERPRETER
 * or above, which _PyFrame_IsIncomplete also treats as incomplete
 * (pycore_interpframe.h); frames that have not started are left out too. */
static size_t
frames(struct sp_pyframe *out, size_t max)
{
    PyThreadState *ts = PyThreadState_GetUnchecked();
    size_t n = 0;
    for (_PyInterpreterFrame *f = ts != NULL ? ts->current_frame : NULL;
         f != NULL && n < max; f = f->previous) {
        if (f->owner >= FRAME_OWNED_BY_INTERPRETER
            || PyStackRef_IsNull(f->f_executable)) {
            continue;
        }
        PyObject *exe = PyStackRef_AsPyObjectBorrow(f->f_executable);
        if (!PyCode_Check(exe) || _PyFrame_IsIncomplete(f)) {
            continue;
        }
        PyCodeObject *co = (PyCodeObject *)exe;
        out[n].code = (PyObject *)co;
        out[n].name = co->co_qualname;
        out[n].file = co->co_filename;
        out[n].addr = _PyInterpreterFrame_LASTI(f) * (int)sizeof(_Py_CODEUNIT);
        n++;
    }
    return n;
}

/* PyRefTracer (Include/cpython/object.h, 3.13+): one process-wide tracer,
 * called for every object created (Objects/object.c new_reference) and
 * before most deallocations (_Py_Dealloc; not those of the eval loop's
 * own Py_DECREF in 3.13.0, python/cpython gh-130382, so allocs.c counts
 * frees elsewhere).  tracemalloc sets its own and,
 * when stopped, sets NULL (Modules/_tracemalloc.c): so the profiler
 * chains to whatever was there when it installed itself, and allocs.c
 * checks at every census that it is still in place. */
static PyRefTracer prev_tracer;
static void *prev_data;
static sp_alloc_event_fn on_event;

static int
tracer(PyObject *op, PyRefTracerEvent event, void *data)
{
    (void)data;
    /* 3.15 adds PyRefTracer_TRACKER_REMOVED, sent (op NULL) to the tracer
     * being replaced: nothing to count, and not ours to pass on. */
    if (event != PyRefTracer_CREATE && event != PyRefTracer_DESTROY) {
        return 0;
    }
    on_event(op, event == PyRefTracer_CREATE);
    if (prev_tracer != NULL) {
        return prev_tracer(op, event, prev_data);
    }
    return 0;
}

static bool
tracer_installed(void)
{
    void *d = NULL;
    return PyRefTracer_GetTracer(&d) == tracer;
}

/* Is tracemalloc tracing?  Its tracer (_PyTraceMalloc_TraceRef, data
 * NULL) is a local symbol, so it is recognized by its owner's state:
 * _PyRuntime.tracemalloc.config.tracing (Include/internal/
 * pycore_tracemalloc.h), read, not asked -- PYTHONTRACEMALLOC starts it
 * from C without importing _tracemalloc, and an import could run Python
 * finders. */
static bool
tracemalloc_tracing(void)
{
    return _PyRuntime.tracemalloc.config.tracing != 0;
}

/* Installs the tracer.  At start a tracer already there is chained to
 * only if it is tracemalloc's (PYTHONTRACEMALLOC=1), which never looks at
 * what PyRefTracer_GetTracer() returns; any other stays in place, alone,
 * and *foreign says so: replacing it would be visible to its owner.
 * Later the tracer is only put back where nobody holds the place
 * (tracemalloc.stop() leaves NULL). */
static bool
tracer_install(sp_alloc_event_fn fn, bool *foreign)
{
    static bool once;
    void *d = NULL;
    PyRefTracer cur = PyRefTracer_GetTracer(&d);
    *foreign = false;
    if (cur == tracer) {
        return true;
    }
    if (cur != NULL) {
        if (once || d != NULL || !tracemalloc_tracing()) {
            *foreign = !once;
            return false;
        }
    }
    once = true;
    on_event = fn;
    prev_tracer = cur;
    prev_data = d;
    return PyRefTracer_SetTracer(tracer, NULL) == 0;
}

const struct sp_pyver sp_pyver = {
    .name = SP_PYVER_NAME,
    .pool_size = 16384,         /* obmalloc.c: USE_LARGE_POOLS (64-bit with
                                   the radix tree), POOL_BITS 14 */
    .visit_objects = visit_objects,
    .type_has_dict = type_has_dict,
    .measure = measure,
    .slotted_bytes = slotted_bytes,
    .type_has_weakref = type_has_weakref,
    .keys_sharing_lost = keys_sharing_lost,
    .unlink_audit_hook = unlink_audit_hook,
    .counting = SP_COUNT_REFTRACER,
    .block_offset = block_offset,
    .frames = frames,
    .tracer_install = tracer_install,
    .tracer_installed = tracer_installed,
    .varsize_names_ok = varsize_names_ok,
};
