/*
 * py315.c -- the CPython 3.15 backend.  What 3.15 shares with 3.14 (GC
 * lists, managed dicts, inline values at obj + tp_basicsize, shared keys
 * pre-sized from __static_attributes__, frames, the ref tracer) is in
 * family314.h; this file holds what is 3.15's alone:
 *
 * - a subclass of tuple accepts any __slots__: the slots follow the
 *   items (Objects/typeobject.c type_new_slots_impl, which refuses named
 *   slots only over a var-sized base other than tuple: "arbitrary
 *   __slots__ not supported for subtype of '%s'"); its instances are
 *   _PyObject_VAR_SIZE(type, n + 1) with the type's tp_basicsize grown
 *   by one word per slot (checked live: `__slots__ = ('a',)` over tuple
 *   gives tp_basicsize 40, itemsize 8).
 * - __dict__ and __weakref__ in __slots__ are allowed over every
 *   var-sized base (tuple, int, bytes) and are managed: __weakref__ sets
 *   Py_TPFLAGS_MANAGED_WEAKREF (tp_weaklistoffset -32, the pre-header)
 *   instead of adding a word.
 * - PyRefTracer_TRACKER_REMOVED (Include/cpython/object.h): the event a
 *   replaced tracer receives; family314.h's tracer ignores it.
 * - pymalloc may use 2 MiB arenas (PYMALLOC_USE_HUGEPAGES,
 *   Include/internal/pycore_obmalloc.h); pools stay 16 KiB, and pools are
 *   all the cost model sees.
 * - FRAME_OWNED_BY_CSTACK is gone (Include/internal/
 *   pycore_interpframe_structs.h): entry frames are
 *   FRAME_OWNED_BY_INTERPRETER, which family314.h skips on both.
 *
 * Sources: Objects/typeobject.c, Objects/object.c of python/cpython's
 * 3.15 branch, and the installed 3.15.2 headers.
 */
#define SP_PYVER_NAME "3.15"

#include "family314.h"

#if PY_VERSION_HEX < 0x030F0000 || PY_VERSION_HEX >= 0x03100000
#error "py315.c is the CPython 3.15 backend; build against 3.15 headers"
#endif

static bool
varsize_names_ok(PyTypeObject *base)
{
    return PyType_IsSubtype(base, &PyTuple_Type) != 0;
}

static bool
varsize_weakref_managed(PyTypeObject *base)
{
    (void)base;
    return true;
}
