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
 *
 * A block's share of memory is more than the block: pymalloc carves pools
 * (4 KiB on 3.8/3.9, 16 KiB from 3.10, where obmalloc.c turns on
 * USE_LARGE_POOLS with the radix tree) into equal blocks behind a 48-byte
 * pool header, and the tail that does not fit a whole block is lost.  A
 * 272-byte object on 3.8 really occupies 4096 / 14 = 292.6 bytes of RSS.
 * sp_model_cost() gives that share, exactly, in 1/256 byte units so sums
 * over millions of instances do not drift.
 */
#include "internal.h"

#define SP_PYMALLOC_ALIGN 16u
#define SP_PYMALLOC_MAX 512u
#define SP_GLIBC_HDR 8u
#define SP_GLIBC_ALIGN 16u
#define SP_GLIBC_MIN 32u
/* sizeof(struct pool_header) rounded to ALIGNMENT: POOL_OVERHEAD. */
#define SP_POOL_OVERHEAD 48u

static uint64_t pool_size = 16384;

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

void
sp_model_set_pool_size(uint64_t bytes)
{
    pool_size = bytes;
}

uint64_t
sp_model_cost(uint64_t n)
{
    uint64_t block = sp_model_block(n);
    if (n > SP_PYMALLOC_MAX || pool_size <= SP_POOL_OVERHEAD) {
        return block << SP_COST_SHIFT;
    }
    uint64_t per_pool = (pool_size - SP_POOL_OVERHEAD) / block;
    /* Rounded to the nearest unit: at most 1/512 B off per block. */
    return ((pool_size << SP_COST_SHIFT) + per_pool / 2) / per_pool;
}

uint64_t
sp_model_bytes(uint64_t cost)
{
    return (cost + (1u << (SP_COST_SHIFT - 1))) >> SP_COST_SHIFT;
}
