/*
 * py314.c -- the CPython 3.14 backend.  What 3.14 shares with 3.15 (GC
 * lists, managed dicts, inline values at obj + tp_basicsize, shared keys
 * pre-sized from __static_attributes__, frames, the ref tracer) is in
 * family314.h; this file holds what is 3.14's alone:
 *
 * - which releases it accepts: 3.14.5 and later.  3.14.0-3.14.4 shipped
 *   the incremental collector (Include/internal/pycore_interp_structs.h
 *   struct _gc_runtime_state: young, old[2] and a space bit in each
 *   object's _gc_next; Python/gc.c), which 3.14.5 reverted to three
 *   generations, leaving dummy fields where its state was.  This backend
 *   walks the three generations only: built against the headers of an
 *   earlier 3.14 it stops the build here, and a library built for a later
 *   3.14 refuses to run in one (version.c: exact X.Y.Z) with one
 *   `slotprof:` line.
 * - over a var-sized builtin base (tuple, int, bytes) a class accepts
 *   only `__slots__ = ()`: Objects/typeobject.c type_new_slots_impl,
 *   "nonempty __slots__ not supported for subtype of '%s'" -- named
 *   slots, __dict__ and __weakref__ alike.
 *
 * Sources: Objects/typeobject.c, Python/gc.c of python/cpython's 3.14
 * branch, and the installed 3.14.10 headers.
 */
#define SP_PYVER_NAME "3.14"

#include "family314.h"

#if PY_VERSION_HEX < 0x030E0000 || PY_VERSION_HEX >= 0x030F0000
#error "py314.c is the CPython 3.14 backend; build against 3.14 headers"
#endif
#if PY_VERSION_HEX < 0x030E05F0
#error "CPython 3.14.0-3.14.4 (incremental GC) is not supported: use 3.14.5 or later"
#endif

static bool
varsize_names_ok(PyTypeObject *base)
{
    (void)base;
    return false;
}

static bool
varsize_weakref_managed(PyTypeObject *base)
{
    (void)base;
    return false;
}
