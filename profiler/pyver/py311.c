/*
 * py311.c -- the CPython 3.11 backend: the only file of a 3.11 build that
 * knows how 3.11 lays out GC lists, managed dicts, values arrays and keys.
 *
 * On 3.11 an instance of a class made by a `class` statement (flag
 * Py_TPFLAGS_MANAGED_DICT) is one block of 16 (pre-header: a values
 * pointer and a dict pointer) + 16 (PyGC_Head) + tp_basicsize (24 for a
 * plain class: the PyObject header and the __weakref__ slot), plus a
 * separate values array that object_new allocates at once
 * (_PyObject_InitializeDict) and fills as attributes are set; the keys
 * live once in the class (ht_cached_keys).  A dict object appears only
 * when something asks for `__dict__`, or an attribute cannot go into the
 * shared keys; it then takes over the values array, and owns a keys
 * table of its own once it stops sharing.  Types that are not managed
 * (subclasses of var-sized bases such as tuple or int, of BaseException,
 * C types with tp_dictoffset) keep a dict pointer at tp_dictoffset as on
 * 3.10, and their dict, made on the first setattr, is an ordinary
 * combined dict: only managed-dict classes get shared keys
 * (Objects/typeobject.c type_ready_managed_dict).
 *
 * Everything here reads memory only: no allocation, no Python call, no
 * exception, and never the `__dict__` attribute (PyObject_GenericGetDict
 * and _PyObject_GetDictPtr create the dict they return).
 *
 * Sources: Objects/dictobject.c, Objects/typeobject.c,
 * Objects/longobject.c of the tag v3.11.0 of python/cpython (files named
 * at each fact), and the installed headers this file is compiled against.
 * The headers of 3.11.2 (Debian's static /usr/bin/python3.11) and 3.11.7
 * are the same for every structure used here (pycore_dict.h, pycore_gc.h,
 * pycore_object.h, pycore_interp.h), and so are the layouts measured
 * under both.
 *
 * This file is compiled only into a 3.11 build (Makefile picks
 * pyver/py$(MAJOR)$(MINOR).c) and exports only the table `sp_pyver`.
 */

/* struct _is (interp->gc), struct _dictkeysobject and struct _dictvalues
 * live in internal headers that refuse to compile without Py_BUILD_CORE.
 * Confined to this file: nothing else in the library sees CPython
 * internals. */
#define Py_BUILD_CORE 1

#include "pyapi.h"              /* struct sp_pyver, sp_model_cost */

#include "pycore_frame.h"       /* _PyInterpreterFrame */
#include "pycore_dict.h"        /* struct _dictkeysobject, _dictvalues */
#include "pycore_gc.h"          /* PyGC_Head, struct _gc_runtime_state */
#include "pycore_interp.h"      /* PyInterpreterState.gc */
#include "pycore_runtime.h"     /* _PyRuntime, _Py_AuditHookEntry */

#include <string.h>             /* memset */

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#error "py311.c is the CPython 3.11 backend; build against 3.11 headers"
#endif

/* ------------------------------------------------------------------ */
/* Layout facts. */

#define WORD ((uint64_t)sizeof(PyObject *))

/* Include/internal/pycore_object.h _PyType_PreHeaderSize: two words in
 * front of the PyGC_Head when Py_TPFLAGS_MANAGED_DICT is set.  The values
 * pointer is word -4 (_PyObject_ValuesPointer), the dict pointer word -3
 * (_PyObject_ManagedDictPointer), counted from the object. */
#define PREHEADER_SIZE (2 * WORD)
#define VALUES_WORD 4
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
 * and GC header included, before allocator rounding.  Every heap type's
 * tp_alloc is PyType_GenericAlloc (type_new), which asks for
 * _PyObject_VAR_SIZE(type, nitems + 1) -- "note that we need to add one,
 * for the sentinel" -- plus _PyType_PreHeaderSize(type) (GC header and
 * the managed-dict words) in one block (Objects/typeobject.c
 * _PyType_AllocNoTrack).  For itemsize 0 that is tp_basicsize. */
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
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
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

/* Objects/dictobject.c new_keys_object: one PyObject_Malloc of
 * sizeof(PyDictKeysObject) + (1 << dk_log2_index_bytes) index bytes +
 * USABLE_FRACTION(1 << dk_log2_size) entries (PyDictUnicodeEntry, 16, for
 * all-str tables; PyDictKeyEntry, 24, with the hash, otherwise).  Tables
 * of PyDict_MINSIZE may come from keys_free_list, which only holds blocks
 * of that same size; clone_combined_dict_keys copies _PyDict_KeysSize(),
 * the same sum. */
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
 * headed in interp->gc (Include/internal/pycore_interp.h, struct _is):
 * the three generations and the permanent generation that gc.freeze()
 * fills (Include/internal/pycore_gc.h, struct _gc_runtime_state).  Lists
 * are circular and doubly linked through PyGC_Head; the low bit of
 * _gc_next is a flag (NEXT_MASK_UNREACHABLE) only on the collector's
 * private list during a collection, masked here all the same.  The object
 * follows its header: Modules/gcmodule.c FROM_GC.  This is the walk
 * gc.get_objects() does (gcmodule.c append_objects), minus the list. */
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
         * (gcmodule.c _PyGC_InitState makes every head point to itself). */
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

/* Cost (sp_model_cost) of a values array: the block new_values allocated.
 *
 * Objects/dictobject.c new_values(size) allocates, with PyMem_Malloc,
 * prefix + 8 * size bytes where prefix = _Py_SIZE_ROUND_UP(size + 2, 8),
 * and keeps only the prefix (byte values[-1]); size itself is not stored.
 * The prefix leaves eight candidates, p - 9 <= size <= p - 2.  What else
 * is known:
 *
 * - size was shared_keys_usable_size(keys) = dk_nentries + dk_usable of
 *   the keys at allocation time.  Inserting a key moves one unit from
 *   dk_usable to dk_nentries; init_inline_values (each new instance of a
 *   managed-dict class) takes one from dk_usable while it is above 1;
 *   nothing gives it back (shared keys are never resized).  So the sum
 *   only falls, and every live array is at least the sum now.  The sum
 *   starts at SHARED_KEYS_MAX_SIZE (30, _PyDict_NewKeysForClass); arrays
 *   of managed-dict instances, made after the decrement, are at most 29.
 * - Once dk_usable is down to 1 the sum is frozen, and every later
 *   instance gets exactly the sum now: nearly all instances of a class
 *   with more than ~30 of them.  So when the sum now is a candidate it is
 *   the answer.  Only the first instances of the class (at most 7) share
 *   that prefix with a larger size; they are counted short, by at most 7
 *   words each.
 * - A prefix above the one of the sum now was made by one of the first
 *   ~29 instances, which got one size each in turn (29, 28, ...).  For
 *   those the mean cost of the remaining candidates is counted: exact on
 *   average over the class when they are all alive, off by at most 4
 *   words for one instance.
 *
 * Arrays of dicts made by new_dict_with_shared_keys for instances that
 * object_new did not make (dict or str subclasses) never saw a
 * decrement: their size is the sum now, exactly.  Checked against the
 * pymalloc size class of each block (pool header szidx) for the first 40
 * instances of classes of 1 to 28 attributes: within 61 B in total. */
static uint64_t
values_bytes(PyDictValues *values, PyDictKeysObject *dk)
{
    uint64_t p = ((uint8_t *)values)[-1];
    uint64_t now = (uint64_t)(dk->dk_nentries + dk->dk_usable);
    if (SP_NEVER(p < 8 || p % 8 != 0)) {
        return sp_model_cost(round_word(now + 2) + now * WORD);
    }
    uint64_t lo = p >= 10 ? p - 9 : 1;
    uint64_t hi = p - 2;
    if (now >= lo && now <= hi) {
        return sp_model_cost(p + now * WORD);
    }
    if (now > lo) {
        lo = now;
    }
    if (hi > SHARED_KEYS_MAX_SIZE - 1) {
        hi = SHARED_KEYS_MAX_SIZE - 1;
    }
    if (lo > hi) {
        /* Keys that are not the ones the array was sized for (a
         * __class__ assignment): take the smallest candidate. */
        lo = hi = p >= 10 ? p - 9 : 1;
    }
    uint64_t sum = 0;
    for (uint64_t size = lo; size <= hi; size++) {
        sum += sp_model_cost(p + size * WORD);
    }
    uint64_t count = hi - lo + 1;
    return (sum + count / 2) / count;
}

/* The names of the values present, in insertion order.
 * Include/internal/pycore_dict.h: "[-1] = prefix size. [-2] = used size.
 * size[-2-n...] = insertion order" -- _PyDictValues_AddToInsertionOrder
 * writes the k-th index at byte values[-3 - k].  Indices at or above
 * dk_nentries name no key; indices below it are below every array's
 * size (see values_bytes), so reading the slot is in bounds. */
static void
values_names(PyDictValues *values, PyDictKeysObject *dk, sp_name_fn name_fn,
             void *arg)
{
    if (name_fn == NULL || SP_NEVER(dk->dk_kind == DICT_KEYS_GENERAL)) {
        return;
    }
    const uint8_t *bytes = (const uint8_t *)values;
    uint64_t nentries = (uint64_t)dk->dk_nentries;
    uint64_t used = bytes[-2];
    PyDictUnicodeEntry *ep = unicode_entries(dk);
    if (!SP_NEVER(used + 2 > bytes[-1])) {
        for (uint64_t k = 0; k < used; k++) {
            uint64_t ix = bytes[-3 - (ptrdiff_t)k];
            if (ix < nentries && values->values[ix] != NULL) {
                name_fn(ep[ix].me_key, arg);
            }
        }
        return;
    }
    for (uint64_t ix = 0; ix < nentries; ix++) {
        if (values->values[ix] != NULL) {
            name_fn(ep[ix].me_key, arg);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Dict objects. */

/* Cost of a dict object and of what it alone owns, and its names
 * in storage order.  Objects/dictobject.c (3.11):
 * - the dict object: new_dict takes it from the dict free list or
 *   PyObject_GC_New, a GC block either way (16 + 48);
 * - split table (ma_values != NULL): the values array is the instance's
 *   (the one init_inline_values made, handed over by
 *   make_dict_from_instance_attributes, or one from
 *   new_dict_with_shared_keys); the keys are the class's;
 * - combined table (ma_values == NULL): the keys table is the dict's own
 *   (dk_refcnt 1), values inside the entries;
 * - an empty dict (PyDict_New, dict.clear()) points at the static
 *   empty_keys_struct, the only keys with dk_log2_size 0. */
static uint64_t
dict_bytes(PyDictObject *mp, struct sp_inst *out, sp_name_fn name_fn,
           void *arg)
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
        bytes += values_bytes(mp->ma_values, dk);
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
 * Objects/object.c _PyObject_DictPointer, reimplemented: a negative
 * tp_dictoffset counts from the end of the variable part,
 * _PyObject_VAR_SIZE(tp, |ob_size|) (3.11 ints keep their sign in
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

/* Do instances of tp get a values array when they are made, so that a
 * dict object is the exception (someone read `__dict__`, or an attribute
 * did not fit the shared keys) rather than how they store attributes?
 * object_new is the only caller of _PyObject_InitializeDict
 * (Objects/typeobject.c), and only classes whose solid base is object
 * reach it; tuple, int, str, dict, list... subclasses are created by
 * their base's tp_new and make their dict on the first setattr.  object
 * is the one type without a tp_base. */
static bool
starts_with_values(PyTypeObject *tp)
{
    PyTypeObject *b = tp;
    while (b->tp_base != NULL && (b->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        b = b->tp_base;
    }
    return b->tp_base == NULL;
}

static bool
type_has_dict(PyTypeObject *tp)
{
    return (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT)
           || tp->tp_dictoffset != 0;
}

/* 3.11 has no managed weakref: __weakref__ is a word inside the object. */
static bool
type_has_weakref(PyTypeObject *tp)
{
    return tp->tp_weaklistoffset != 0;
}

static void
measure(PyObject *op, struct sp_inst *out, sp_name_fn name_fn, void *arg)
{
    PyTypeObject *tp = Py_TYPE(op);

    memset(out, 0, sizeof(*out));
    if (tp->tp_itemsize != 0) {
        /* What the type's tp_new passed to tp_alloc: tuple_subtype_new
         * and bytes_subtype_new the length, long_subtype_new
         * (Objects/longobject.c) |ob_size|, 0 for zero. */
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

    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        PyDictValues *values = ((PyDictValues **)op)[-VALUES_WORD];
        PyObject *dict = ((PyObject **)op)[-DICT_WORD];
        PyDictKeysObject *dk = CACHED_KEYS(tp);
        /* Objects/dictobject.c: PyObject_GenericGetDict and
         * _PyObject_StoreInstanceAttribute clear the values pointer when
         * they publish a dict, so at most one of the two is set. */
        if (values != NULL && !SP_NEVER(dk == NULL)) {
            out->bytes += values_bytes(values, dk);
            values_names(values, dk, name_fn, arg);
        }
        if (dict != NULL && !SP_NEVER(!PyDict_Check(dict))) {
            out->materialized = starts_with_values(tp);
            out->bytes += dict_bytes((PyDictObject *)dict, out, name_fn,
                                     arg);
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
    out->bytes += dict_bytes((PyDictObject *)*dictptr, out, name_fn, arg);
}

/* The same instance with its names as __slots__.  Objects/typeobject.c
 * type_new_descriptors (3.11): members start at base->tp_basicsize, one
 * word per slot, then __weakref__ (add_weak) as one more word;
 * tp_basicsize is the end, tp_itemsize is the base's; no managed dict,
 * so no pre-header.  type_new_alloc sets Py_TPFLAGS_HAVE_GC on every heap
 * type ("All heap types need GC"), so even `__slots__ = ()` instances
 * carry a PyGC_Head.  A var-sized base (tuple, int, bytes) accepts only
 * `__slots__ = ()` and never __weakref__ (type_new_slots_impl: "nonempty
 * __slots__ not supported for subtype of ..."); the word is added anyway
 * when asked, as the size such a layout would have. */
static uint64_t
slotted_bytes(PyTypeObject *base, uint64_t nitems, uint64_t nslots,
              bool add_weakref)
{
    uint64_t size = (uint64_t)base->tp_basicsize + nslots * WORD;
    if (add_weakref && base->tp_weaklistoffset == 0) {
        size += WORD;
    }
    if (base->tp_itemsize != 0) {
        /* PyType_GenericAlloc: _PyObject_VAR_SIZE(type, nitems + 1). */
        size = var_size(size, (uint64_t)base->tp_itemsize, nitems + 1);
    }
    return sp_model_cost(sizeof(PyGC_Head) + size);
}

/* 3.11 decides key sharing per instance: ht_cached_keys is never cleared
 * (Objects/dictobject.c _PyObjectDict_SetItem no longer touches it). */
static bool
keys_sharing_lost(PyTypeObject *tp)
{
    (void)tp;
    return false;
}

/* ------------------------------------------------------------------ */
/* The audit hook list (internal/pycore_runtime.h: _Py_AuditHookEntry, and Python/sysmodule.c
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

/* Include/internal/pycore_object.h _PyType_PreHeaderSize, which
 * Modules/gcmodule.c PyObject_GC_Del subtracts before PyObject_Free. */
static size_t
block_offset(PyTypeObject *tp)
{
    return (PyType_IS_GC(tp) ? sizeof(PyGC_Head) : 0)
           + ((tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) ? (size_t)PREHEADER_SIZE : 0);
}

/* tstate->cframe->current_frame and ->previous
 * (Include/internal/pycore_frame.h): the interpreter frames, no frame
 * objects made.  An incomplete frame has not run its first instruction
 * (_PyFrame_IsIncomplete) and is left out as Python's tracebacks do. */
static size_t
frames(struct sp_pyframe *out, size_t max)
{
    PyThreadState *ts = _PyThreadState_UncheckedGet();
    size_t n = 0;
    if (ts == NULL || ts->cframe == NULL) {
        return 0;
    }
    for (_PyInterpreterFrame *f = ts->cframe->current_frame;
         f != NULL && n < max; f = f->previous) {
        if (f->f_code == NULL || _PyFrame_IsIncomplete(f)) {
            continue;
        }
        out[n].code = (PyObject *)f->f_code;
        out[n].name = f->f_code->co_qualname;
        out[n].file = f->f_code->co_filename;
        out[n].addr = _PyInterpreterFrame_LASTI(f) * (int)sizeof(_Py_CODEUNIT);
        n++;
    }
    return n;
}

const struct sp_pyver sp_pyver = {
    .name = "3.11",
    .pool_size = 16384,         /* obmalloc.c: USE_LARGE_POOLS (64-bit with
                                   the radix tree), POOL_BITS 14 */
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
};
