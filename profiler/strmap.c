/*
 * strmap.c -- a map from strings to small integers, in the profiler's own
 * heap.  The planner and the class introspection ask "is this name one
 * of those?" for every name of every class; with linear lists that was
 * quadratic (16,000 classes took 27 s at exit in review).  Open
 * addressing, FNV-1a, keys borrowed (the caller keeps them alive).
 */
#include "internal.h"

#include <string.h>             /* strcmp */

static uint64_t
fnv1a(const char *s, uint64_t seed)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return h;
}

void
sp_strmap_init(struct sp_strmap *m)
{
    m->slots = NULL;
    m->cap = 0;
    m->len = 0;
}

void
sp_strmap_free(struct sp_strmap *m)
{
    sp_free(m->slots);
    sp_strmap_init(m);
}

static struct sp_strmap_slot *
find(const struct sp_strmap *m, const char *key, uint64_t tag, uint64_t h)
{
    size_t i = (size_t)h & (m->cap - 1);
    for (;;) {
        struct sp_strmap_slot *s = &m->slots[i];
        if (s->key == NULL
            || (s->hash == h && s->tag == tag && strcmp(s->key, key) == 0)) {
            return s;
        }
        i = (i + 1) & (m->cap - 1);
    }
}

static bool
grow(struct sp_strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    struct sp_strmap_slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = sp_calloc(ncap, sizeof(*m->slots));
    if (m->slots == NULL) {
        m->slots = old;
        return false;
    }
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].key != NULL) {
            *find(m, old[i].key, old[i].tag, old[i].hash) = old[i];
        }
    }
    sp_free(old);
    return true;
}

bool
sp_strmap_get(const struct sp_strmap *m, uint64_t tag, const char *key,
              int64_t *value)
{
    if (m->len == 0) {
        return false;
    }
    struct sp_strmap_slot *s = find(m, key, tag, fnv1a(key, tag));
    if (s->key == NULL) {
        return false;
    }
    if (value != NULL) {
        *value = s->value;
    }
    return true;
}

int
sp_strmap_put(struct sp_strmap *m, uint64_t tag, const char *key,
              int64_t value)
{
    if ((m->len + 1) * 2 > m->cap && !grow(m)) {
        return -1;
    }
    uint64_t h = fnv1a(key, tag);
    struct sp_strmap_slot *s = find(m, key, tag, h);
    if (s->key != NULL) {
        return 0;
    }
    s->key = key;
    s->tag = tag;
    s->hash = h;
    s->value = value;
    m->len++;
    return 1;
}

size_t
sp_hash_ptr(const void *p, size_t cap)
{
    /* Objects are 16-byte aligned: drop the zero bits, then mix
     * (splitmix64's finalizer) so neighbours spread over the table. */
    uint64_t x = (uint64_t)(uintptr_t)p >> 4;
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return (size_t)x & (cap - 1);
}
