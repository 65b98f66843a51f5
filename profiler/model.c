/*
 * model.c -- allocator arithmetic shared by every version backend.
 *
 * An object's cost is not its requested size: CPython serves requests of
 * up to 512 bytes from pymalloc size classes 16 bytes apart
 * (Objects/obmalloc.c: ALIGNMENT 16 on 64-bit since 3.8,
 * SMALL_REQUEST_THRESHOLD 512), and larger ones from glibc malloc, whose
 * chunk for a request n is n + 8 (the size field) rounded up to 16, at
 * least 32 (malloc/malloc.c request2size, MINSIZE).  This file is the one
 * place that knows those numbers.
 */
#include "internal.h"

#define SP_PYMALLOC_ALIGN 16u
#define SP_PYMALLOC_MAX 512u
#define SP_GLIBC_HDR 8u
#define SP_GLIBC_ALIGN 16u
#define SP_GLIBC_MIN 32u

uint64_t
sp_model_block(uint64_t n)
{
    if (n == 0) {
        /* PyObject_Malloc(0) returns a unique pointer: a 16-byte block. */
        return SP_PYMALLOC_ALIGN;
    }
    if (n <= SP_PYMALLOC_MAX) {
        return (n + SP_PYMALLOC_ALIGN - 1) & ~(uint64_t)(SP_PYMALLOC_ALIGN - 1);
    }
    uint64_t c = (n + SP_GLIBC_HDR + SP_GLIBC_ALIGN - 1)
                 & ~(uint64_t)(SP_GLIBC_ALIGN - 1);
    return c < SP_GLIBC_MIN ? SP_GLIBC_MIN : c;
}
