/*
 * check_pyver.c -- the cost model per CPython version, exactly.
 *
 * One source, compiled once per interpreter against that interpreter's
 * headers and linked with the backend and allocator objects of that
 * build (build/cpython-X.Y.Z/pyver/pyXY.o, model.o) and with that
 * interpreter's own libpython, which it embeds (`make unit-pyver`).  Each
 * test runs a small Python snippet that makes instances of a known shape,
 * hands them to the backend (sp_pyver.measure, slotted_bytes, ...) and
 * compares the cost it reports, in 1/256 B, with the cost this file
 * derives from the version's layout: the blocks CPython allocates for
 * that shape, written out below with the CPython source each size comes
 * from.  The expectations never call backend code; expect_cost() is this
 * file's own statement of the allocator arithmetic.
 *
 * The sizes written out here were also checked, outside this suite,
 * against the blocks the live interpreters really allocate (the size
 * class in each block's pymalloc pool header, glibc's chunk header above
 * 512 B) on 3.8.18, 3.9.18, 3.10.13, 3.11.2, 3.11.7, 3.12.1, 3.13.0,
 * 3.14.10 and 3.15.2.
 *
 * The interpreter is initialized once, in main(); Check forks each test
 * from there, so every test starts from the same fresh interpreter and
 * its classes are new (3.11+ shared keys depend on a class's history).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>             /* the embedded interpreter */

#include "pyapi.h"              /* struct sp_pyver, sp_pyver, sp_inst */

#include <check.h>              /* Check */
#include <stdio.h>              /* snprintf */
#include <stdlib.h>             /* EXIT_SUCCESS, EXIT_FAILURE */
#include <string.h>             /* strlen, memcpy */

#ifndef SP_TEST_PYTHON
#error "build with -DSP_TEST_PYTHON='\"/path/to/python3\"' (make unit-pyver)"
#endif

/* ------------------------------------------------------------------ */
/* Which layout this interpreter has. */

#if PY_VERSION_HEX < 0x030B0000
#define LAYOUT_DICT 1           /* 3.8-3.10: every instance owns a dict */
#elif PY_VERSION_HEX < 0x030D0000
#define LAYOUT_VALUES 1         /* 3.11, 3.12: a separate values array */
#else
#define LAYOUT_INLINE 1         /* 3.13+: values inline in the object */
#endif
/* 3.14+: inline values for every managed-dict class of itemsize 0, at
 * obj + tp_basicsize (3.13: only when tp_basicsize is 16), and shared
 * keys filled from __static_attributes__ when the class is made. */
#define INLINE_ANY_BASE (PY_VERSION_HEX >= 0x030E0000)

/* ------------------------------------------------------------------ */
/* The allocator (Objects/obmalloc.c; glibc malloc/malloc.c). */

#define WORD 8u
/* obmalloc.c: POOL_SIZE is SYSTEM_PAGE_SIZE (4 KiB) on 3.8/3.9; from
 * 3.10, WITH_PYMALLOC_RADIX_TREE turns on USE_LARGE_POOLS, POOL_BITS 14
 * (3.12+: Include/internal/pycore_obmalloc.h). */
#if PY_VERSION_HEX < 0x030A0000
#define POOL_SIZE 4096u
#else
#define POOL_SIZE 16384u
#endif
/* obmalloc.c: POOL_OVERHEAD, sizeof(struct pool_header) -- four pointers
 * and four uints, 48 B -- rounded up to ALIGNMENT 16. */
#define POOL_OVERHEAD 48u
#define SMALL_REQUEST_THRESHOLD 512u

static uint64_t
round8(uint64_t n)
{
    return (n + 7) & ~(uint64_t)7;
}

static uint64_t
round16(uint64_t n)
{
    return (n + 15) & ~(uint64_t)15;
}

/* What a request of n bytes costs, in 1/256 B: up to 512 B a pymalloc
 * block of round16(n), plus its share of the pool's header and unusable
 * tail (the pool divided equally among the blocks it holds), rounded to
 * the nearest unit; above, glibc's chunk, request2size(n): n + SIZE_SZ
 * rounded to MALLOC_ALIGNMENT 16, at least MINSIZE 32. */
static uint64_t
expect_cost(uint64_t n)
{
    ck_assert_uint_gt(n, 0);
    if (n > SMALL_REQUEST_THRESHOLD) {
        uint64_t chunk = round16(n + 8);
        return (chunk < 32 ? 32 : chunk) * 256;
    }
    uint64_t per_pool = (POOL_SIZE - POOL_OVERHEAD) / round16(n);
    return (POOL_SIZE * 256 + per_pool / 2) / per_pool;
}

/* ------------------------------------------------------------------ */
/* Layout facts common to every version. */

/* PyGC_Head: two words (Include/cpython/objimpl.h on 3.8,
 * Include/internal/pycore_gc.h from 3.9), in front of every GC object;
 * every heap type is GC (typeobject.c type_new: "All heap types need
 * GC"). */
#define GC_HEAD 16u

/* A dict object: PyDictObject (Include/cpython/dictobject.h; 3.8
 * Include/dictobject.h) is PyObject_HEAD, ma_used, ma_version_tag (3.13:
 * _ma_watcher_tag), ma_keys, ma_values; dictobject.c new_dict takes it
 * from the free list or PyObject_GC_New, a GC block either way. */
#define DICT_OBJECT (GC_HEAD + 48u)
_Static_assert(sizeof(PyDictObject) == 48, "PyDictObject");

/* Objects/dictobject.c: USABLE_FRACTION. */
static uint64_t
usable(uint64_t dk_size)
{
    return (dk_size << 1) / 3;
}

/* The table size a dict that must hold at least minsize entries gets
 * when it grows: dictresize / calculate_log2_keysize (3.11+) take the
 * smallest power of two >= minsize, at least PyDict_MINSIZE 8. */
static uint64_t
table_for(uint64_t minsize)
{
    uint64_t size = 8;
    while (size < minsize) {
        size <<= 1;
    }
    return size;
}

/* The tuple and int headers a var-sized subclass starts from:
 * PyTupleObject up to ob_item (Include/cpython/tupleobject.h),
 * PyLongObject up to its 4-byte digits (Include/longintrepr.h, 3.11+
 * Include/cpython/longintrepr.h; 3.12 turned ob_size into lv_tag, the
 * same word). */
#if PY_VERSION_HEX < 0x030E0000
#define TUPLE_BASICSIZE 24u
#else
#define TUPLE_BASICSIZE 32u     /* 3.14: Py_hash_t ob_hash, the cached hash */
#endif
#define TUPLE_ITEMSIZE 8u
#define INT_BASICSIZE 24u
#define INT_ITEMSIZE 4u
_Static_assert(offsetof(PyTupleObject, ob_item) == TUPLE_BASICSIZE,
               "PyTupleObject");

/* Objects/typeobject.c PyType_GenericAlloc (every heap type's tp_alloc)
 * asks for _PyObject_VAR_SIZE(type, nitems + 1) -- one item more, "for
 * the sentinel" -- which rounds to a word (Include/cpython/objimpl.h). */
static uint64_t
var_size(uint64_t basicsize, uint64_t itemsize, uint64_t nitems)
{
    return round8(basicsize + (nitems + 1) * itemsize);
}

/* PyBaseExceptionObject (Include/cpython/pyerrors.h): PyObject_HEAD,
 * dict, args, (3.11+ notes,) traceback, context, cause,
 * suppress_context (a char, padded to a word): 64 B, 72 from 3.11. */
#if PY_VERSION_HEX < 0x030B0000
#define EXC_BASICSIZE 64u
#else
#define EXC_BASICSIZE 72u
#endif
_Static_assert(sizeof(PyBaseExceptionObject) == EXC_BASICSIZE,
               "PyBaseExceptionObject");

/* ------------------------------------------------------------------ */
/* Layout per version: what a plain class's instance (`class C:` whose
 * __init__ sets n attributes a0..a{n-1}) is made of.
 *
 *   expect_plain(n)      an instance made after the class's shared keys
 *                        settled (here: the last of 40 instances)
 *   expect_newest(n)     the one instance of a brand-new class
 *   expect_dict_read(n)  expect_plain(n) after `obj.__dict__` was read
 *   expect_big(n)        n > 30 names, any instance but the first
 *   VAR_ATTR_DICT        the dict of a tuple/int subclass's instance
 *                        after one attribute was set on it
 *   EXC_ATTR_DICT        the same for an Exception subclass
 */

#if LAYOUT_DICT
/* 3.8-3.10.  Object: GC header + tp_basicsize 32 -- PyObject, then the
 * __dict__ and __weakref__ words type_new adds (add_dict, add_weak).
 * Attributes: a dict made on the first setattr (_PyObjectDict_SetItem),
 * split over the class's keys (ht_cached_keys, made by type_new for
 * every type with a tp_dictoffset): it owns only a values array of
 * USABLE_FRACTION(dk_size) words (new_dict_with_shared_keys, new_values:
 * PyMem_NEW(PyObject *, size)).  The keys start at PyDict_MINSIZE 8; the
 * first instance that fills them makes insertdict resize
 * (insertion_resize: dictresize(mp, GROWTH_RATE(mp)), GROWTH_RATE =
 * ma_used * 3) and _PyObjectDict_SetItem gives the class the grown keys
 * (make_keys_shared), so every instance of an n-name class has the same
 * values array. */
#define PLAIN_OBJECT (GC_HEAD + 32u)

static uint64_t
split_keys_size(uint64_t n)
{
    uint64_t size = 8;
    while (usable(size) < n) {
        size = table_for(3 * usable(size));
    }
    return size;
}

static uint64_t
expect_plain(uint64_t n)
{
    return expect_cost(PLAIN_OBJECT) + expect_cost(DICT_OBJECT)
           + expect_cost(WORD * usable(split_keys_size(n)));
}

static uint64_t
expect_newest(uint64_t n)
{
    return expect_plain(n);
}

static uint64_t
expect_dict_read(uint64_t n)
{
    return expect_plain(n);     /* __dict__ is the dict already there */
}

static uint64_t
expect_big(uint64_t n)
{
    return expect_plain(n);     /* no limit on shared keys before 3.11 */
}

/* Objects/dict-common.h struct _dictkeysobject (dk_refcnt, dk_size,
 * dk_lookup, dk_usable, dk_nentries: 40 B), then dk_size one-byte
 * indices (dk_size <= 0xff) and USABLE_FRACTION(dk_size) PyDictKeyEntry
 * of 24 B (hash, key, value): dictobject.c new_keys_object. */
static uint64_t
combined_keys(uint64_t dk_size)
{
    return 40 + dk_size + 24 * usable(dk_size);
}

/* A tuple/int/Exception subclass also has a tp_dictoffset, hence shared
 * keys: one attribute makes a split dict with 5 values. */
#define VAR_ATTR_DICT \
    (expect_cost(DICT_OBJECT) + expect_cost(WORD * usable(8)))
#define VAR_ATTR_UNSHARED false
#define EXC_ATTR_DICT VAR_ATTR_DICT
#define EXC_ATTR_UNSHARED false

/* Subclasses of tuple and int: the dict pointer is one more word at the
 * end of the fixed part (tp_dictoffset -8, type_new), no pre-header, no
 * __weakref__ (var-sized base). */
#define VAR_PRESIZE 0u
#define VAR_DICT_WORD WORD
/* Objects/longobject.c long_subtype_new: tp_alloc(type, |Py_SIZE(tmp)|),
 * 0 digits for zero. */
#define INT_ZERO_DIGITS 0u
/* Exception subclass: BaseException + the __weakref__ word. */
#define EXC_OBJECT (GC_HEAD + EXC_BASICSIZE + WORD)
#define MATERIALIZES false
#endif /* LAYOUT_DICT */

#if LAYOUT_VALUES || LAYOUT_INLINE
/* 3.11+.  Include/internal/pycore_object.h _PyType_PreHeaderSize: two
 * words in front of the GC header of a MANAGED_DICT (3.12+: or
 * MANAGED_WEAKREF) type. */
#define PRE_HEADER 16u

/* Objects/dictobject.c: SHARED_KEYS_MAX_SIZE 30.  _PyDict_NewKeysForClass
 * starts a class's keys with dk_usable = 30, "max size+1 as it will
 * shrink by one before each new object": every instance made by
 * object_new takes one from dk_usable while it is above 1; inserting a
 * key moves one from dk_usable to dk_nentries.  So the sum
 * dk_nentries + dk_usable (shared_keys_usable_size) is 30 - (instances
 * made) until dk_usable reaches 1, and n + 1 for ever after. */
#define SHARED_KEYS_MAX 30u

/* Only managed-dict classes split over shared keys from 3.11 on
 * (3.13: typeobject.c type_ready_managed_dict makes ht_cached_keys for
 * them alone).  An Exception subclass is not one -- BaseException has a
 * tp_dictoffset of its own -- so its dict starts empty (PyDict_New) and
 * the first insert gives it PyDict_MINSIZE keys of its own
 * (insert_to_emptydict).  [Checked live on 3.11-3.13: a 128-byte keys
 * block, dk_refcnt 1.] */
#define EXC_ATTR_DICT \
    (expect_cost(DICT_OBJECT) + expect_cost(combined_keys(8)))
#define EXC_ATTR_UNSHARED true

/* Combined keys of str keys (3.11+: Include/internal/pycore_dict.h):
 * struct _dictkeysobject is dk_refcnt, dk_log2_size, dk_log2_index_bytes,
 * dk_kind, dk_version, dk_usable, dk_nentries (32 B), then the indices (1
 * byte each below 256 slots) and USABLE_FRACTION entries of
 * PyDictUnicodeEntry (key, value: 16 B): dictobject.c new_keys_object. */
static uint64_t
combined_keys(uint64_t dk_size)
{
    return 32 + dk_size + 16 * usable(dk_size);
}

/* More than 30 names: the 30th does not fit the class's keys
 * (insert_into_dictkeys: dk_usable is 0), so
 * _PyObject_StoreInstanceAttribute makes a dict from the values
 * (make_dict_from_instance_attributes) and inserts into it; insertdict
 * finds no room and resizes it to a combined table
 * (insertion_resize: GROWTH_RATE = ma_used * 3 = 87 -> 128 slots), which
 * frees a separate values array (dictresize).  Every instance but the
 * first has a capacity of 29 (the first took the sum to 29 and filled
 * it). */
#if INLINE_ANY_BASE
/* 3.14+: the class's keys hold the first 30 of its __static_attributes__
 * from the start (dictobject.c _PyDict_NewKeysForClass: insert_split_key
 * until the keys are full), dk_usable 0: every instance has a capacity
 * of 30 and the 31st name makes the dict.  The combined table it then
 * gets is, in these tests, the smallest with room for twice the names it
 * holds (ma_used + 1): 64 slots for the 31 names here, 8 for the 2 of
 * test_setattr_names.  [Checked against the live keys block:
 * dk_log2_size 6 and 3.  Not a rule of every path: the integration
 * shape attrs31, whose 31st store runs specialized, gets 128 slots on
 * 3.14 as on 3.13; the backend reads whatever the dict has.] */
#define BIG_CAPACITY 30u
#define SPLIT_TO_COMBINED(used) table_for(2 * ((used) + 1))
#else
#define BIG_CAPACITY 29u
#define SPLIT_TO_COMBINED(used) table_for(3 * (used))
#endif
#define BIG_KEYS combined_keys(SPLIT_TO_COMBINED(BIG_CAPACITY))
#endif

#if LAYOUT_VALUES
/* 3.11, 3.12.  Object: pre-header + GC header + tp_basicsize: 24 on 3.11
 * (PyObject and the __weakref__ word; the dict lives in the pre-header,
 * Py_TPFLAGS_MANAGED_DICT), 16 on 3.12 (__weakref__ moved to the
 * pre-header too, Py_TPFLAGS_MANAGED_WEAKREF).  Attributes: a values
 * array object_new allocates at once (_PyObject_InitializeDict ->
 * init_inline_values: first the dk_usable decrement, then
 * new_values(shared_keys_usable_size(keys))), of
 * _Py_SIZE_ROUND_UP(size + 2, 8) prefix bytes + 8 * size
 * (dictobject.c new_values). */
#if PY_VERSION_HEX < 0x030C0000
#define PLAIN_OBJECT (PRE_HEADER + GC_HEAD + 24u)
#else
#define PLAIN_OBJECT (PRE_HEADER + GC_HEAD + 16u)
#endif

static uint64_t
values_array(uint64_t size)
{
    return round8(size + 2) + WORD * size;
}

static uint64_t
expect_plain(uint64_t n)
{
    return expect_cost(PLAIN_OBJECT) + expect_cost(values_array(n + 1));
}

static uint64_t
expect_newest(uint64_t n)
{
    (void)n;                    /* 30 - 1: its own decrement */
    return expect_cost(PLAIN_OBJECT)
           + expect_cost(values_array(SHARED_KEYS_MAX - 1));
}

/* PyObject_GenericGetDict: make_dict_from_instance_attributes wraps the
 * values array in a new dict object, which takes it over. */
static uint64_t
expect_dict_read(uint64_t n)
{
    return expect_plain(n) + expect_cost(DICT_OBJECT);
}

static uint64_t
expect_big(uint64_t n)
{
    (void)n;
    return expect_cost(PLAIN_OBJECT) + expect_cost(DICT_OBJECT)
           + expect_cost(BIG_KEYS);
}

#if PY_VERSION_HEX < 0x030C0000
/* 3.11: a tuple/int subclass is not MANAGED_DICT (only bases of itemsize
 * 0 get a managed dict: typeobject.c type_new_descriptors); its dict, at
 * tp_dictoffset -8, is combined like an Exception subclass's. */
#define VAR_ATTR_DICT EXC_ATTR_DICT
#define VAR_ATTR_UNSHARED true
#define VAR_PRESIZE 0u
#define VAR_DICT_WORD WORD
#define INT_ZERO_DIGITS 0u      /* long_subtype_new: |Py_SIZE(tmp)| */
#define EXC_OBJECT (GC_HEAD + EXC_BASICSIZE + WORD)
#else
/* 3.12: a tuple/int subclass is MANAGED_DICT (the dict pointer in the
 * pre-header, tp_dictoffset -1, no word in the object), but object_new
 * does not make it, so it has no values array: the first setattr makes a
 * dict split over the class's keys with new_dict_with_shared_keys, whose
 * values array is shared_keys_usable_size = 30 (never decremented). */
#define VAR_ATTR_DICT \
    (expect_cost(DICT_OBJECT) + expect_cost(values_array(SHARED_KEYS_MAX)))
#define VAR_ATTR_UNSHARED false
#define VAR_PRESIZE PRE_HEADER
#define VAR_DICT_WORD 0u
/* longobject.c long_subtype_new: at least one digit ("Fast operations
 * for single digit integers (including zero) assume that there is always
 * at least one digit present"). */
#define INT_ZERO_DIGITS 1u
/* Exception subclass: BaseException's own dict, plus a managed weakref
 * (pre-header). */
#define EXC_OBJECT (PRE_HEADER + GC_HEAD + EXC_BASICSIZE)
#endif
#define MATERIALIZES true
#endif /* LAYOUT_VALUES */

#if LAYOUT_INLINE
/* 3.13.  One block: pre-header + GC header + tp_basicsize 16 + the
 * inline values, _PyInlineValuesSize (Include/internal/pycore_dict.h):
 * round8(size) order bytes + (size + 1) words (a header word, then the
 * values).  Objects/typeobject.c _PyType_AllocNoTrack sizes the block
 * with size = shared_keys_usable_size(keys) *before*
 * _PyObject_InitInlineValues (dictobject.c) takes one from dk_usable:
 * while dk_usable > 1 an object is allocated for one value more than the
 * capacity it records. */
static uint64_t
inline_object_over(uint64_t basicsize, uint64_t size)
{
    return PRE_HEADER + GC_HEAD + basicsize + round8(size)
           + WORD * (size + 1);
}

static uint64_t
inline_object(uint64_t size)
{
    return inline_object_over(16, size);
}

static uint64_t
expect_plain(uint64_t n)
{
    /* dk_usable is down to 1: allocated for n + 1, capacity n + 1.  On
     * 3.14+ the keys hold the n names from the start: at n = 29 dk_usable
     * is 1 already (30 = n + 1), at 30 it is 0 (capacity 30 = n). */
    if (INLINE_ANY_BASE && n >= SHARED_KEYS_MAX) {
        return expect_cost(inline_object(SHARED_KEYS_MAX));
    }
    return expect_cost(inline_object(n + 1));
}

static uint64_t
expect_newest(uint64_t n)
{
    (void)n;                    /* allocated for 30, capacity 29 */
    return expect_cost(inline_object(SHARED_KEYS_MAX));
}

/* _PyObject_MaterializeManagedDict: a dict object that wraps the inline
 * values (make_dict_from_instance_attributes); they stay in the object. */
static uint64_t
expect_dict_read(uint64_t n)
{
    return expect_plain(n) + expect_cost(DICT_OBJECT);
}

/* The inline area stays in the object, marked invalid, when the dict
 * grows into combined keys (dictresize). */
static uint64_t
expect_big(uint64_t n)
{
    (void)n;
    return expect_cost(inline_object(BIG_CAPACITY))
           + expect_cost(DICT_OBJECT) + expect_cost(BIG_KEYS);
}

/* A tuple/int subclass is MANAGED_DICT but has no inline values
 * (type_ready_managed_dict: only tp_itemsize 0 and tp_basicsize
 * sizeof(PyObject)); the first setattr makes a dict split over the
 * class's keys (ensure_nonmanaged_dict -> new_dict_with_shared_keys)
 * with a values array of values_size_from_count(30): (30 + 1) words +
 * round8(30) order bytes. */
#define VAR_ATTR_DICT \
    (expect_cost(DICT_OBJECT) + expect_cost(31u * WORD + round8(30)))
#define VAR_ATTR_UNSHARED false
#define VAR_PRESIZE PRE_HEADER
#define VAR_DICT_WORD 0u
#define INT_ZERO_DIGITS 1u
#define EXC_OBJECT (PRE_HEADER + GC_HEAD + EXC_BASICSIZE)
#define MATERIALIZES true
#endif /* LAYOUT_INLINE */

/* ------------------------------------------------------------------ */
/* Running Python. */

/* Helpers every test may use.  plain(n) makes a class whose __init__
 * sets a0..a{n-1}, in that order, to small ints. */
static const char prelude[] =
    "import gc, sys, weakref\n"
    "def plain(n, name='C'):\n"
    "    body = ''.join('        self.a%d = %d\\n' % (i, i)\n"
    "                   for i in range(n)) or '        pass\\n'\n"
    "    ns = {}\n"
    "    exec('class %s:\\n    def __init__(self):\\n%s' % (name, body),\n"
    "         ns)\n"
    "    return ns[name]\n";

static PyObject *ns;            /* the test's globals */

/* Run statements; a Python error fails the test with its traceback. */
static void
py(const char *code)
{
    PyObject *r = PyRun_String(code, Py_file_input, ns, ns);
    if (r == NULL) {
        PyErr_Print();
        fflush(stderr);
    }
    ck_assert_msg(r != NULL, "Python failed:\n%s", code);
    Py_DECREF(r);
}

/* Evaluate an expression: a new reference. */
static PyObject *
eval(const char *expr)
{
    PyObject *r = PyRun_String(expr, Py_eval_input, ns, ns);
    if (r == NULL) {
        PyErr_Print();
        fflush(stderr);
    }
    ck_assert_msg(r != NULL, "Python failed: %s", expr);
    return r;
}

static long
eval_long(const char *expr)
{
    PyObject *r = eval(expr);
    long v = PyLong_AsLong(r);
    Py_DECREF(r);
    ck_assert_msg(!PyErr_Occurred(), "not an int: %s", expr);
    return v;
}

/* The type an expression evaluates to; borrowed (ns keeps it alive). */
static PyTypeObject *
eval_type(const char *expr)
{
    PyObject *r = eval(expr);
    ck_assert_msg(PyType_Check(r), "not a type: %s", expr);
    Py_DECREF(r);
    return (PyTypeObject *)r;
}

static void
setup(void)
{
    ns = PyDict_New();
    ck_assert_ptr_nonnull(ns);
    ck_assert_int_eq(
        PyDict_SetItemString(ns, "__builtins__", PyEval_GetBuiltins()), 0);
    py(prelude);
    /* census.c does the same before measuring. */
    sp_model_set_pool_size(sp_pyver.pool_size);
}

static void
teardown(void)
{
    Py_CLEAR(ns);
}

/* ------------------------------------------------------------------ */
/* Measuring. */

struct measured {
    struct sp_inst inst;
    char names[1024];           /* "a0,a1,..." in the order reported */
    size_t len;
};

static void
collect_name(PyObject *key, void *arg)
{
    struct measured *m = arg;
    const char *s = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : "?";
    ck_assert_ptr_nonnull(s);
    size_t n = strlen(s);
    ck_assert_uint_lt(m->len + n + 2, sizeof(m->names));
    if (m->len > 0) {
        m->names[m->len++] = ',';
    }
    memcpy(m->names + m->len, s, n + 1);
    m->len += n;
}

/* Measure the object an expression evaluates to (kept alive by ns). */
static void
measure(const char *expr, struct measured *m)
{
    PyObject *op = eval(expr);
    ck_assert_msg(sp_pyver.type_has_dict(Py_TYPE(op)),
                  "%s: type_has_dict is false", expr);
    memset(m, 0, sizeof(*m));
    sp_pyver.measure(op, &m->inst, collect_name, m);
    ck_assert_msg(!PyErr_Occurred(), "measure(%s) left an exception", expr);
    Py_DECREF(op);
}

/* "a0,a1,...,a{n-1}" */
static const char *
attr_names(unsigned n)
{
    static char buf[1024];
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < n; i++) {
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%sa%u",
                                i ? "," : "", i);
    }
    return buf;
}

#define ck_assert_cost(m, want)                                           \
    ck_assert_msg((m).inst.bytes == (want),                               \
                  "cost %llu/256 B (%.2f B), want %llu/256 B (%.2f B)",   \
                  (unsigned long long)(m).inst.bytes,                     \
                  (double)(m).inst.bytes / 256,                           \
                  (unsigned long long)(want), (double)(want) / 256)

/* ------------------------------------------------------------------ */
/* The table. */

START_TEST(test_table)
{
    char name[16];
    snprintf(name, sizeof(name), "%d.%d", PY_MAJOR_VERSION,
             PY_MINOR_VERSION);
    ck_assert_str_eq(sp_pyver.name, name);
    ck_assert_uint_eq(sp_pyver.pool_size, POOL_SIZE);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Plain classes. */

static const unsigned plain_sizes[] = {1, 5, 12};

/* The last ten of 40 instances: made after the class's keys settled. */
START_TEST(test_plain)
{
    unsigned n = plain_sizes[_i];
    char code[128];
    struct measured m;

    snprintf(code, sizeof(code),
             "C = plain(%u)\nobjs = [C() for _ in range(40)]\n", n);
    py(code);
    for (int i = 30; i < 40; i++) {
        snprintf(code, sizeof(code), "objs[%d]", i);
        measure(code, &m);
        ck_assert_cost(m, expect_plain(n));
        ck_assert_str_eq(m.names, attr_names(n));
        ck_assert_uint_eq(m.inst.nitems, 0);
        ck_assert(!m.inst.materialized);
        ck_assert(!m.inst.unshared);
        ck_assert(!m.inst.weakref);
    }
}
END_TEST

/* 40 names: past SHARED_KEYS_MAX_SIZE on 3.11+. */
START_TEST(test_plain_40)
{
    struct measured m;

    py("C = plain(40)\nobjs = [C() for _ in range(3)]\n");
    measure("objs[2]", &m);
    ck_assert_cost(m, expect_big(40));
    ck_assert_str_eq(m.names, attr_names(40));
#if LAYOUT_DICT
    ck_assert(!m.inst.unshared);
    ck_assert(!m.inst.materialized);
#else
    ck_assert(m.inst.unshared);     /* combined keys of its own */
    ck_assert(m.inst.materialized);
#endif
}
END_TEST

/* The one instance of a new class: on 3.11+ it took the first slot from
 * the class's keys. */
START_TEST(test_newest)
{
    struct measured m;

    py("C = plain(5)\no = C()\n");
    measure("o", &m);
    ck_assert_cost(m, expect_newest(5));
    ck_assert_str_eq(m.names, attr_names(5));
}
END_TEST

START_TEST(test_dict_read)
{
    struct measured m;

    py("C = plain(5)\nobjs = [C() for _ in range(40)]\n"
       "d = objs[-1].__dict__\n");
    measure("objs[-1]", &m);
    ck_assert_cost(m, expect_dict_read(5));
    ck_assert_str_eq(m.names, attr_names(5));   /* each name once */
    ck_assert(m.inst.materialized == MATERIALIZES);
    ck_assert(!m.inst.unshared);
    /* Its neighbour is untouched. */
    measure("objs[-2]", &m);
    ck_assert_cost(m, expect_plain(5));
    ck_assert(!m.inst.materialized);
}
END_TEST

/* Does op have a dict object now?  Read where CPython keeps the pointer,
 * without the API calls that make one (PyObject_GenericGetDict; 3.11+
 * _PyObject_GetDictPtr).  Not gc.get_referents(): 3.13's
 * PyObject_VisitManagedDict does not visit a dict while the inline
 * values are valid. */
static bool
has_dict(PyObject *op)
{
#if LAYOUT_DICT
    /* Objects/object.c: only computes the address of the slot. */
    PyObject **p = _PyObject_GetDictPtr(op);
    return p != NULL && *p != NULL;
#else
    ck_assert(Py_TYPE(op)->tp_flags & Py_TPFLAGS_MANAGED_DICT);
    /* Include/internal/pycore_object.h: word -3 from the object is
     * _PyObject_ManagedDictPointer (3.11, 3.13) / the PyDictOrValues of
     * _PyObject_DictOrValuesPointer (3.12: bit 0 set means values). */
    uintptr_t w = ((uintptr_t *)op)[-3];
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
    return w != 0 && (w & 1) == 0;
#else
    return w != 0;
#endif
#endif
}

/* How many items of the list `expr` have a dict object. */
static long
count_dicts(const char *expr)
{
    PyObject *list = eval(expr);
    long n = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        n += has_dict(PyList_GET_ITEM(list, i));
    }
    Py_DECREF(list);
    return n;
}

/* Measuring must not make the dict it is not supposed to touch. */
START_TEST(test_measure_makes_no_dict)
{
    struct measured m;
    char expr[64];

    py("E = plain(0, 'E')\nes = [E() for _ in range(40)]\n"
       "C = plain(5)\ncs = [C() for _ in range(40)]\n");
    long before_c = count_dicts("cs");
#if LAYOUT_DICT
    ck_assert_int_eq(before_c, 40);     /* the dict is the storage */
#else
    ck_assert_int_eq(before_c, 0);
#endif
    ck_assert_int_eq(count_dicts("es"), 0);
    for (int i = 0; i < 40; i++) {
        snprintf(expr, sizeof(expr), "es[%d]", i);
        measure(expr, &m);
        ck_assert_str_eq(m.names, "");
        snprintf(expr, sizeof(expr), "cs[%d]", i);
        measure(expr, &m);
    }
    ck_assert_int_eq(count_dicts("es"), 0);
    ck_assert_int_eq(count_dicts("cs"), before_c);
    /* The probe sees a dict when there is one. */
    py("cs[0].__dict__\nes[0].__dict__\n");
    ck_assert_int_eq(count_dicts("es"), 1);
#if !LAYOUT_DICT
    ck_assert_int_eq(count_dicts("cs"), 1);
#endif
}
END_TEST

START_TEST(test_weakref)
{
    struct measured m;

    py("C = plain(2)\nobjs = [C() for _ in range(40)]\n"
       "r = weakref.ref(objs[-1])\n");
    measure("objs[-1]", &m);
    ck_assert(m.inst.weakref);
    ck_assert_cost(m, expect_plain(2));   /* the slot is there anyway */
    measure("objs[-2]", &m);
    ck_assert(!m.inst.weakref);
    ck_assert_cost(m, expect_plain(2));
    ck_assert(sp_pyver.type_has_weakref(eval_type("C")));
}
END_TEST

/* What type_has_dict / type_has_weakref say of a few layouts. */
START_TEST(test_type_facts)
{
    py("class S: __slots__ = ('a',)\n"
       "class SW: __slots__ = ('a', '__weakref__')\n"
       "class SD: __slots__ = ('a', '__dict__')\n"
       "class T(tuple): pass\n"
       "class I(int): pass\n"
       "class X(Exception): pass\n");
    ck_assert(!sp_pyver.type_has_dict(eval_type("S")));
    ck_assert(!sp_pyver.type_has_weakref(eval_type("S")));
    ck_assert(!sp_pyver.type_has_dict(eval_type("SW")));
    ck_assert(sp_pyver.type_has_weakref(eval_type("SW")));
    ck_assert(sp_pyver.type_has_dict(eval_type("SD")));
    ck_assert(!sp_pyver.type_has_weakref(eval_type("SD")));
    /* Var-sized bases get a __dict__ but no __weakref__ (type_new:
     * may_add_weak needs tp_itemsize 0). */
    ck_assert(sp_pyver.type_has_dict(eval_type("T")));
    ck_assert(!sp_pyver.type_has_weakref(eval_type("T")));
    ck_assert(sp_pyver.type_has_dict(eval_type("I")));
    ck_assert(!sp_pyver.type_has_weakref(eval_type("I")));
    /* BaseException has a dict and no weaklist: the subclass adds it. */
    ck_assert(sp_pyver.type_has_dict(eval_type("X")));
    ck_assert(sp_pyver.type_has_weakref(eval_type("X")));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Var-sized and builtin bases. */

START_TEST(test_tuple_subclass)
{
    struct measured m;
    uint64_t object = expect_cost(
        VAR_PRESIZE + GC_HEAD
        + var_size(TUPLE_BASICSIZE + VAR_DICT_WORD, TUPLE_ITEMSIZE, 3));

    py("class T(tuple): pass\n"
       "t = T((1, 2, 3))\nu = T((1, 2, 3))\nu.x = 1\n");
    measure("t", &m);
    ck_assert_uint_eq(m.inst.nitems, 3);
    ck_assert_cost(m, object);
    ck_assert_str_eq(m.names, "");
    ck_assert(!m.inst.materialized);

    measure("u", &m);
    ck_assert_uint_eq(m.inst.nitems, 3);
    ck_assert_cost(m, object + VAR_ATTR_DICT);
    ck_assert_str_eq(m.names, "x");
    ck_assert(m.inst.unshared == VAR_ATTR_UNSHARED);
    ck_assert(!m.inst.materialized);
}
END_TEST

START_TEST(test_int_subclass)
{
    struct measured m;
    /* 10**30 < 2**120: four 30-bit digits (PYLONG_BITS_IN_DIGIT). */
    uint64_t big = expect_cost(
        VAR_PRESIZE + GC_HEAD
        + var_size(INT_BASICSIZE + VAR_DICT_WORD, INT_ITEMSIZE, 4));
    uint64_t zero = expect_cost(
        VAR_PRESIZE + GC_HEAD
        + var_size(INT_BASICSIZE + VAR_DICT_WORD, INT_ITEMSIZE,
                   INT_ZERO_DIGITS));

    ck_assert_int_eq(eval_long("sys.int_info.bits_per_digit"), 30);
    py("class I(int): pass\n"
       "i = I(10**30)\nz = I(0)\nn = I(-10**30)\nk = I(10**30)\nk.x = 1\n");
    measure("i", &m);
    ck_assert_uint_eq(m.inst.nitems, 4);
    ck_assert_cost(m, big);
    measure("n", &m);
    ck_assert_uint_eq(m.inst.nitems, 4);
    ck_assert_cost(m, big);
    measure("z", &m);
    ck_assert_uint_eq(m.inst.nitems, INT_ZERO_DIGITS);
    ck_assert_cost(m, zero);
    measure("k", &m);
    ck_assert_cost(m, big + VAR_ATTR_DICT);
    ck_assert_str_eq(m.names, "x");
    ck_assert(m.inst.unshared == VAR_ATTR_UNSHARED);
}
END_TEST

START_TEST(test_exception_subclass)
{
    struct measured m;

    py("class X(Exception): pass\n"
       "e = X('m')\nf = X('m')\nf.x = 1\n");
    measure("e", &m);
    ck_assert_uint_eq(m.inst.nitems, 0);
    ck_assert_cost(m, expect_cost(EXC_OBJECT));
    ck_assert_str_eq(m.names, "");
    measure("f", &m);
    ck_assert_cost(m, expect_cost(EXC_OBJECT) + EXC_ATTR_DICT);
    ck_assert_str_eq(m.names, "x");
    ck_assert(m.inst.unshared == EXC_ATTR_UNSHARED);
    ck_assert(!m.inst.materialized);
}
END_TEST

#if LAYOUT_INLINE
/* ------------------------------------------------------------------ */
/* Managed-dict classes whose tp_basicsize is not 16: over a base with
 * slots, over list, dict, str.  3.14+: inline values at
 * obj + tp_basicsize (Include/internal/pycore_object.h
 * _PyObject_InlineValues), allocated with the object
 * (_PyType_AllocNoTrack), n + 1 of them once the class's keys settled.
 * 3.13: no inline values (type_ready_managed_dict wants tp_basicsize
 * 16): the first setattr makes a dict split over the class's keys, with
 * a values array of values_size_from_count(30) -- the same dict as a
 * tuple subclass's (VAR_ATTR_DICT). */
_Static_assert(sizeof(PyListObject) == 40, "PyListObject");
_Static_assert(sizeof(PyDictObject) == 48, "PyDictObject");
_Static_assert(sizeof(PyUnicodeObject) == 64, "PyUnicodeObject");

static uint64_t
expect_over(uint64_t basicsize, uint64_t n)
{
#if INLINE_ANY_BASE
    return expect_cost(inline_object_over(basicsize, n + 1));
#else
    (void)n;
    return expect_cost(PRE_HEADER + GC_HEAD + basicsize) + VAR_ATTR_DICT;
#endif
}

/* The last of 40 instances of `cls`, made by `make`, which sets a, b, c
 * (or a, b) in __init__. */
static void
check_over(const char *classdef, const char *make, uint64_t basicsize,
           uint64_t n)
{
    char code[512];
    struct measured m;

    snprintf(code, sizeof(code), "%sobjs = [%s for _ in range(40)]\n",
             classdef, make);
    py(code);
    measure("objs[-1]", &m);
    ck_assert_cost(m, expect_over(basicsize, n));
    ck_assert_str_eq(m.names, n == 3 ? "a,b,c" : "a,b");
    ck_assert(!m.inst.materialized);
    ck_assert(!m.inst.unshared);
    measure("objs[-2]", &m);
    ck_assert_cost(m, expect_over(basicsize, n));
}

START_TEST(test_dict_over_slotted)
{
    /* S: PyObject + one slot word = 24. */
    check_over("class S:\n    __slots__ = ('s',)\n"
               "class D(S):\n    def __init__(self):\n"
               "        self.a = 1\n        self.b = 2\n        self.c = 3\n",
               "D()", 24, 3);
}
END_TEST

START_TEST(test_list_subclass)
{
    check_over("class L(list):\n    def __init__(self):\n"
               "        self.a = 1\n        self.b = 2\n",
               "L()", sizeof(PyListObject), 2);
}
END_TEST

START_TEST(test_dict_subclass)
{
    check_over("class DD(dict):\n    def __init__(self):\n"
               "        self.a = 1\n        self.b = 2\n",
               "DD()", sizeof(PyDictObject), 2);
}
END_TEST

/* The characters of a str subclass's instance are a block of their own
 * (Objects/unicodeobject.c unicode_subtype_new), the same with slots:
 * not the instance's cost here. */
START_TEST(test_str_subclass)
{
    check_over("class St(str):\n    def __init__(self, v):\n"
               "        self.a = 1\n        self.b = 2\n",
               "St('abc')", sizeof(PyUnicodeObject), 2);
}
END_TEST

/* Names set with setattr() are not in __static_attributes__: as on 3.13
 * the first instance to set a name adds it to the class's keys while they
 * have room.  Here 40 instances exist before any name is set: their
 * creation took dk_usable from 30 down to 1 (capacity 1 for the last
 * eleven), 'x' takes the last unit, and 'y' finds no room, in the keys
 * or the values: _PyObject_StoreInstanceAttribute makes a dict from the
 * values (make_dict_from_instance_attributes), insertdict resizes it to
 * combined keys of its own, and the inline values stay in the object,
 * invalid.  The keys: 8 slots on 3.14+ (SPLIT_TO_COMBINED), 16 on 3.13.
 * [3.13: checked against the live keys block, dk_log2_size 4.] */
#if INLINE_ANY_BASE
#define SETATTR_TABLE SPLIT_TO_COMBINED(1)
#else
#define SETATTR_TABLE 16u
#endif
START_TEST(test_setattr_names)
{
    struct measured m;

    py("class O:\n"
       "    def fill(self, names):\n"
       "        for k in names:\n"
       "            setattr(self, k, 1)\n"
       "objs = [O() for _ in range(40)]\n"
       "for o in objs:\n"
       "    o.fill(['x', 'y', 'z'])\n");
    measure("objs[-1]", &m);
    ck_assert_cost(m, expect_cost(inline_object(1)) + expect_cost(DICT_OBJECT)
                          + expect_cost(combined_keys(SETATTR_TABLE)));
    ck_assert_str_eq(m.names, "x,y,z");
    ck_assert(m.inst.unshared);
    ck_assert(m.inst.materialized);
}
END_TEST
#endif /* LAYOUT_INLINE */

#if INLINE_ANY_BASE
/* 28 to 31 names assigned in __init__ (__static_attributes__): up to 30
 * fit the class's keys and the inline values; the 31st makes a dict. */
static const unsigned static_sizes[] = {28, 29, 30, 31};

START_TEST(test_static_attrs)
{
    unsigned n = static_sizes[_i];
    char code[128];
    struct measured m;

    snprintf(code, sizeof(code),
             "C = plain(%u)\nobjs = [C() for _ in range(40)]\n"
             "assert len(C.__static_attributes__) == %u\n", n, n);
    py(code);
    for (int i = 38; i < 40; i++) {
        snprintf(code, sizeof(code), "objs[%d]", i);
        measure(code, &m);
        ck_assert_str_eq(m.names, attr_names(n));
        bool big = n > SHARED_KEYS_MAX;
        ck_assert_cost(m, big ? expect_big(n) : expect_plain(n));
        ck_assert(m.inst.materialized == big);
        ck_assert(m.inst.unshared == big);
    }
}
END_TEST
#endif /* INLINE_ANY_BASE */

/* ------------------------------------------------------------------ */
/* Slotted. */

/* Objects/typeobject.c type_new: slots are words from the base's
 * tp_basicsize on; every heap type has a GC header; no pre-header unless
 * __weakref__ on 3.12+ (Py_TPFLAGS_MANAGED_WEAKREF). */
START_TEST(test_slotted_bytes)
{
    PyTypeObject *object = &PyBaseObject_Type;
#if PY_VERSION_HEX < 0x030C0000
    const uint64_t weakref = WORD;          /* a __weakref__ slot */
#else
    const uint64_t weakref = PRE_HEADER;    /* managed weakref */
#endif

    ck_assert_uint_eq(sp_pyver.slotted_bytes(object, 0, 0, false),
                      expect_cost(GC_HEAD + 16));
    ck_assert_uint_eq(sp_pyver.slotted_bytes(object, 0, 5, false),
                      expect_cost(GC_HEAD + 16 + 5 * WORD));
    ck_assert_uint_eq(sp_pyver.slotted_bytes(object, 0, 5, true),
                      expect_cost(GC_HEAD + 16 + 5 * WORD + weakref));
    ck_assert_uint_eq(sp_pyver.slotted_bytes(object, 0, 40, false),
                      expect_cost(GC_HEAD + 16 + 40 * WORD));
    /* `__slots__ = ()` over a var-sized base. */
    ck_assert_uint_eq(
        sp_pyver.slotted_bytes(&PyTuple_Type, 3, 0, false),
        expect_cost(GC_HEAD + var_size(TUPLE_BASICSIZE, TUPLE_ITEMSIZE, 3)));
    ck_assert_uint_eq(
        sp_pyver.slotted_bytes(&PyLong_Type, 4, 0, false),
        expect_cost(GC_HEAD + var_size(INT_BASICSIZE, INT_ITEMSIZE, 4)));

#if PY_VERSION_HEX >= 0x030F0000
    /* 3.15: named slots over tuple, after the items: tp_basicsize one
     * word larger per slot, _PyObject_VAR_SIZE(type, n + 1).  __weakref__
     * over any var-sized base is managed: the pre-header, no word. */
    py("class TS(tuple): __slots__ = ('a', 'b')\n"
       "class IW(int): __slots__ = ('__weakref__',)\n");
    ck_assert_int_eq(eval_long("TS.__basicsize__"),
                     TUPLE_BASICSIZE + 2 * WORD);
    ck_assert_int_eq(eval_long("IW.__weakrefoffset__"), -4 * (long)WORD);
    ck_assert(sp_pyver.varsize_names_ok(&PyTuple_Type));
    ck_assert(!sp_pyver.varsize_names_ok(&PyLong_Type));
    ck_assert(!sp_pyver.varsize_names_ok(&PyBytes_Type));
    ck_assert_uint_eq(
        sp_pyver.slotted_bytes(&PyTuple_Type, 3, 2, false),
        expect_cost(GC_HEAD + var_size(TUPLE_BASICSIZE + 2 * WORD,
                                       TUPLE_ITEMSIZE, 3)));
    ck_assert_uint_eq(
        sp_pyver.slotted_bytes(&PyLong_Type, 4, 0, true),
        expect_cost(PRE_HEADER + GC_HEAD
                    + var_size(INT_BASICSIZE, INT_ITEMSIZE, 4)));
#else
    ck_assert(sp_pyver.varsize_names_ok == NULL
              || !sp_pyver.varsize_names_ok(&PyTuple_Type));
#endif

    /* The same, against the interpreter: for a fixed-size type
     * sys.getsizeof is the whole request (tp_basicsize + GC header +
     * pre-header). */
    py("class S: __slots__ = tuple('abcde')\n"
       "class SW: __slots__ = tuple('abcde') + ('__weakref__',)\n");
    ck_assert_uint_eq(sp_pyver.slotted_bytes(object, 0, 5, false),
                      expect_cost((uint64_t)eval_long("sys.getsizeof(S())")));
    ck_assert_uint_eq(sp_pyver.slotted_bytes(object, 0, 5, true),
                      expect_cost((uint64_t)eval_long("sys.getsizeof(SW())")));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Key sharing and names. */

START_TEST(test_keys_sharing)
{
    struct measured m;

#if LAYOUT_DICT
    /* Deleting an attribute from a split dict combines it (dictobject.c
     * _PyDict_DelItem_KnownHash: dictresize(mp, DK_SIZE(keys))), and
     * _PyObjectDict_SetItem drops the class's keys for good: later dicts
     * are combined, PyDict_MINSIZE keys of their own.  The two dicts
     * still split over the old keys hold them alone now and are charged
     * half the keys block each (pyapi.h: shared keys are not counted
     * while the class holds them). */
    uint64_t own_keys = expect_cost(combined_keys(8));
    py("K = plain(2, 'K')\nks = [K() for _ in range(3)]\n");
    ck_assert(!sp_pyver.keys_sharing_lost(eval_type("K")));
    py("del ks[0].a0\nk = K()\n");
    ck_assert(sp_pyver.keys_sharing_lost(eval_type("K")));

    measure("ks[0]", &m);
    ck_assert_cost(m, expect_cost(PLAIN_OBJECT) + expect_cost(DICT_OBJECT)
                          + own_keys);
    ck_assert(m.inst.unshared);
    ck_assert_str_eq(m.names, "a1");

    measure("ks[1]", &m);
    ck_assert_cost(m, expect_plain(2) + own_keys / 2);
    ck_assert(!m.inst.unshared);
    ck_assert_str_eq(m.names, "a0,a1");

    measure("k", &m);
    ck_assert_cost(m, expect_cost(PLAIN_OBJECT) + expect_cost(DICT_OBJECT)
                          + own_keys);
    ck_assert(m.inst.unshared);
    ck_assert_str_eq(m.names, "a0,a1");
#else
    /* 3.11+: a deletion only clears a value and its place in the
     * insertion order (_PyObject_StoreInstanceAttribute,
     * delete_index_from_values); the class keeps its keys. */
    py("K = plain(2, 'K')\nks = [K() for _ in range(40)]\n");
    ck_assert(!sp_pyver.keys_sharing_lost(eval_type("K")));
    py("del ks[-1].a0\nk = K()\n");
    ck_assert(!sp_pyver.keys_sharing_lost(eval_type("K")));

    measure("ks[-1]", &m);
    ck_assert_cost(m, expect_plain(2));
    ck_assert(!m.inst.unshared);
    ck_assert_str_eq(m.names, "a1");

    measure("k", &m);
    ck_assert_cost(m, expect_plain(2));
    ck_assert(!m.inst.unshared);
    ck_assert_str_eq(m.names, "a0,a1");
#endif
    /* A slotted class has no keys to lose. */
    py("class S: __slots__ = ('a',)\n");
    ck_assert(!sp_pyver.keys_sharing_lost(eval_type("S")));
}
END_TEST

/* Names come in the order the instance stored them, whatever order its
 * class's keys have; a name deleted and set again comes last. */
START_TEST(test_names_order)
{
    struct measured m;

    py("class O:\n"
       "    def fill(self, names):\n"
       "        for k in names:\n"
       "            setattr(self, k, 1)\n"
       "a = O(); a.fill(['zeta', 'alpha', 'mid'])\n"
       "b = O(); b.fill(['alpha', 'zeta', 'mid'])\n"
       "c = O(); c.fill(['zeta', 'alpha', 'mid'])\n"
       "del c.alpha\nc.alpha = 2\n");
    measure("a", &m);
    ck_assert_str_eq(m.names, "zeta,alpha,mid");
    measure("b", &m);
    ck_assert_str_eq(m.names, "alpha,zeta,mid");
    measure("c", &m);
    ck_assert_str_eq(m.names, "zeta,mid,alpha");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Visiting the GC lists. */

struct visit {
    PyTypeObject *tp;
    PyObject *seen[16];
    uint64_t nseen;
    uint64_t calls;
};

static int
visit_count(PyObject *op, void *arg)
{
    struct visit *v = arg;
    v->calls++;
    if (Py_TYPE(op) == v->tp) {
        if (v->nseen < SP_ARRAY_LEN(v->seen)) {
            v->seen[v->nseen] = op;
        }
        v->nseen++;
    }
    return 0;
}

/* Visit everything; check that the instances of V are exactly the items
 * of the list `expr`, in that order (creation order). */
static void
check_visit(const char *expr)
{
    struct visit v = {.tp = eval_type("V")};
    PyObject *list = eval(expr);
    uint64_t n = sp_pyver.visit_objects(visit_count, &v);

    ck_assert_uint_eq(n, v.calls);
    ck_assert_uint_eq(v.nseen, (uint64_t)PyList_GET_SIZE(list));
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        ck_assert_msg(v.seen[i] == PyList_GET_ITEM(list, i),
                      "%s: instance %zd seen out of order", expr, i);
    }
    Py_DECREF(list);
}

START_TEST(test_visit_objects)
{
    /* No automatic collection may reorder the lists under the test. */
    py("gc.collect()\ngc.disable()\n"
       "class V:\n"
       "    def __init__(self, i): self.i = i\n"
       "vs = [V(i) for i in range(7)]\n");
    check_visit("vs");
    py("gc.collect()\n");       /* all in the oldest generation now */
    check_visit("vs");
    py("gc.freeze()\n");        /* all in the permanent generation */
    ck_assert_int_ge(eval_long("gc.get_freeze_count()"), 7);
    check_visit("vs");
    py("vs += [V(i) for i in range(7, 10)]\n");    /* young ones after */
    check_visit("vs");
}
END_TEST

static int
visit_stop(PyObject *op, void *arg)
{
    (void)op;
    (*(uint64_t *)arg)++;
    return 1;
}

START_TEST(test_visit_stops)
{
    uint64_t calls = 0;
    ck_assert_uint_eq(sp_pyver.visit_objects(visit_stop, &calls), 1);
    ck_assert_uint_eq(calls, 1);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *
pyver_suite(void)
{
    static char name[64];
    snprintf(name, sizeof(name), "pyver-%s", Py_GetVersion());
    name[strcspn(name, " ")] = '\0';

    Suite *s = suite_create(name);
    TCase *tc = tcase_create("cost");

    tcase_set_timeout(tc, 10);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_table);
    tcase_add_loop_test(tc, test_plain, 0, (int)SP_ARRAY_LEN(plain_sizes));
    tcase_add_test(tc, test_plain_40);
    tcase_add_test(tc, test_newest);
    tcase_add_test(tc, test_dict_read);
    tcase_add_test(tc, test_measure_makes_no_dict);
    tcase_add_test(tc, test_weakref);
    tcase_add_test(tc, test_type_facts);
    tcase_add_test(tc, test_tuple_subclass);
    tcase_add_test(tc, test_int_subclass);
    tcase_add_test(tc, test_exception_subclass);
#if LAYOUT_INLINE
    tcase_add_test(tc, test_dict_over_slotted);
    tcase_add_test(tc, test_list_subclass);
    tcase_add_test(tc, test_dict_subclass);
    tcase_add_test(tc, test_str_subclass);
    tcase_add_test(tc, test_setattr_names);
#endif
#if INLINE_ANY_BASE
    tcase_add_loop_test(tc, test_static_attrs, 0,
                        (int)SP_ARRAY_LEN(static_sizes));
#endif
    tcase_add_test(tc, test_slotted_bytes);
    tcase_add_test(tc, test_keys_sharing);
    tcase_add_test(tc, test_names_order);
    tcase_add_test(tc, test_visit_objects);
    tcase_add_test(tc, test_visit_stops);
    suite_add_tcase(s, tc);
    return s;
}

/* The interpreter this binary embeds, isolated from the environment
 * (PYTHONPATH, user site) and without `site`: the tests need only
 * builtin modules.  program_name lets it find its own prefix. */
static bool
start_python(void)
{
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.site_import = 0;
    PyStatus st = PyConfig_SetBytesString(&config, &config.program_name,
                                          SP_TEST_PYTHON);
    if (!PyStatus_Exception(st)) {
        st = Py_InitializeFromConfig(&config);
    }
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st)) {
        fprintf(stderr, "check_pyver: cannot start %s: %s\n", SP_TEST_PYTHON,
                st.err_msg ? st.err_msg : "?");
        return false;
    }
    return true;
}

int
main(void)
{
    if (!start_python()) {
        return EXIT_FAILURE;
    }
    /* The backend must be the one for the libpython linked in. */
    size_t nv = strlen(PY_VERSION);
    if (strncmp(Py_GetVersion(), PY_VERSION, nv) != 0
        || Py_GetVersion()[nv] != ' ') {
        fprintf(stderr, "check_pyver: built for %s, running %s\n",
                PY_VERSION, Py_GetVersion());
        return EXIT_FAILURE;
    }

    SRunner *sr = srunner_create(pyver_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
