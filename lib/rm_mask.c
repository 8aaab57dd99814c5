/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_mask - hash tables for Exchange entries with non-contiguous masks */

/*
 * Build.  The entries' indices are sorted by (family, mask, index) with a
 * heapsort (no qsort(): a load must not allocate behind the arena's back),
 * then each run of one (family, mask) becomes a group: a table of 2^bits
 * slots, at least twice its entries, filled by linear probing in
 * index order, so that of two entries with one net the first is kept.
 * Probes never wrap: the table is followed by as many slots again (and 8
 * more), so an
 * entry is at most maxd slots after its home, and a lookup compares the
 * slots from x's home eight at a time (one vector compare; maxd is rarely
 * 8 or more) without a branch on what they hold: a lookup's probes, one
 * per mask, then run in parallel instead of each waiting on a mispredicted
 * loop exit.
 *
 * Filter.  Most lookups match no such entry, and each of their probes is
 * a read from a table as large as its group, anywhere in it.  So every
 * entry also sets one bit, chosen by a second hash of (group, net), in a
 * bitmap of about 16 bits per entry (at most 32 KiB, which stays in the
 * first-level cache): a probe whose bit is clear cannot match and is left
 * out, and of the others only about one in sixteen is read in vain.
 */

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "rm_mask.h"

#define EMPTY UINT32_MAX                 /* no entry found */

/* A group's slots: 2^bits homes, as many again for entries pushed past
 * them, and 8 so that a probe's last 8-slot read stays inside. */
#define AREA(bits) (((uint32_t) 2 << (bits)) + 8)

struct rm_mask_group {
    rm_u128 mask;
    uint32_t slot0;                     /* first slot in s4 or s6 */
    uint16_t bits;                      /* 2^bits home slots, 2^bits more after them */
    uint16_t maxd;                      /* the farthest an entry is from its home */
};

/* A slot is the net alone: what a probe compares.  A free slot holds the
 * group's ~mask, which no (address AND mask) equals.  The entry index of
 * slot j is idx[j], read only on a match. */
struct rm_mask_slot4 {
    uint32_t net;
};

struct rm_mask_slot6 {
    rm_u128 net;
};

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t) 63;
}

/*
 * layout - where each array of the index of n entries (n6 IPv6 at most)
 * lies in mem, and the bytes all take: rm_mask_bytes and rm_mask_build
 * both use it, so that they agree.  A group's table is at most 24 slots
 * per entry (AREA of a power of two that is 8, or under 4n).
 */
#define FILTER_MIN_BITS 9
#define FILTER_MAX_BITS 18               /* 32 KiB */

/* filter_bits - the filter of n entries: 2^bits >= 16n, within the bounds */
static unsigned filter_bits(uint64_t n)
{
    unsigned b = FILTER_MIN_BITS;

    while (b < FILTER_MAX_BITS && ((uint64_t) 1 << b) < 16 * n)
        b++;
    return b;
}

static size_t layout(rm_mask_index *ix, char *mem, uint64_t n, uint64_t n6)
{
    const size_t sizes[] = {
        n * sizeof(rm_mask_group), 24 * n * sizeof(rm_mask_slot4), 24 * n * sizeof(uint32_t),
        24 * n6 * sizeof(rm_mask_slot6), 24 * n6 * sizeof(uint32_t), n * sizeof(uint32_t),
        ((size_t) 1 << filter_bits(n)) / 8,
    };
    void  **at[] = {
        (void **) &ix->g, (void **) &ix->s4, (void **) &ix->idx4, (void **) &ix->s6,
        (void **) &ix->idx6, (void **) &ix->order, (void **) &ix->filter,
    };
    size_t  off = 0;

    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        if (mem)
            *at[k] = mem + off;
        off += align64(sizes[k]);
    }
    return off;
}

size_t  rm_mask_bytes(uint64_t n, uint64_t n6)
{
    rm_mask_index ix;

    return n == 0 ? 0 : layout(&ix, NULL, n, n6);
}

static inline uint32_t hash4(uint32_t key, unsigned bits)
{
    return (uint32_t) (((uint64_t) key * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}

static inline uint32_t hash6(rm_u128 key, unsigned bits)
{
    uint64_t x = (uint64_t) (key >> 64) * 0x9e3779b97f4a7c15ull ^ (uint64_t) key;

    return (uint32_t) ((x * 0xbf58476d1ce4e5b9ull) >> (64 - bits));
}

/* filter_bit - the filter's bit for net in group k */
static inline uint32_t filter_bit(uint32_t k, rm_u128 net, unsigned bits)
{
    uint64_t x = (uint64_t) net ^ ((uint64_t) k << 40);

    /* An IPv4 net takes one multiply; only IPv6 folds its top half in. */
    if (net >> 64)
        x ^= (uint64_t) (net >> 64) * 0xc2b2ae3d27d4eb4full;
    return (uint32_t) ((x * 0xff51afd7ed558ccdull) >> (64 - bits));
}

static inline bool filter_has(const rm_mask_index *ix, uint32_t k, rm_u128 key)
{
    uint32_t b = filter_bit(k, key, ix->fbits);

    return (ix->filter[b >> 6] >> (b & 63)) & 1;
}

static int cmp_entry(const rm_mask_entry *e, uint32_t a, uint32_t b)
{
    if (e[a].family != e[b].family)
        return e[a].family < e[b].family ? -1 : 1;
    if (e[a].mask != e[b].mask)
        return e[a].mask < e[b].mask ? -1 : 1;
    return a < b ? -1 : a > b;
}

static void sift(const rm_mask_entry *e, uint32_t *o, size_t root, size_t n)
{
    while (2 * root + 1 < n) {
        size_t  child = 2 * root + 1, sw = root;
        uint32_t t;

        if (cmp_entry(e, o[sw], o[child]) < 0)
            sw = child;
        if (child + 1 < n && cmp_entry(e, o[sw], o[child + 1]) < 0)
            sw = child + 1;
        if (sw == root)
            return;
        t = o[root];
        o[root] = o[sw];
        o[sw] = t;
        root = sw;
    }
}

static void sort_order(const rm_mask_entry *e, uint32_t *o, size_t n)
{
    for (size_t s = n / 2; s-- > 0;)
        sift(e, o, s, n);
    for (size_t end = n; end-- > 1;) {
        uint32_t t = o[0];

        o[0] = o[end];
        o[end] = t;
        sift(e, o, 0, end);
    }
}

/* fill - one group's table from the entries o[0..n), all of one mask */

static void fill(rm_mask_index *ix, uint32_t k, bool v6, const rm_mask_entry *e,
                 const uint32_t *o, size_t n)
{
    rm_mask_group *g = &ix->g[k];
    uint32_t size = AREA(g->bits);
    uint32_t *idx = (v6 ? ix->idx6 : ix->idx4) + g->slot0;
    rm_u128 empty = ~g->mask;

    for (uint32_t j = 0; j < size; j++) {
        if (v6)
            ix->s6[g->slot0 + j].net = empty;
        else
            ix->s4[g->slot0 + j].net = (uint32_t) empty;
    }
    g->maxd = 0;
    for (size_t i = 0; i < n; i++) {
        const rm_mask_entry *x = &e[o[i]];
        uint32_t h, d = 0;

        if ((x->net & ~x->mask) != 0)
            continue;                   /* dead: matches nothing */
        h = filter_bit(k, x->net, ix->fbits);
        ix->filter[h >> 6] |= (uint64_t) 1 << (h & 63);
        if (v6) {
            rm_mask_slot6 *s = &ix->s6[g->slot0];

            h = hash6(x->net, g->bits);
            while (s[h + d].net != empty && s[h + d].net != x->net)
                d++;
            if (s[h + d].net == empty) {
                s[h + d].net = x->net;
                idx[h + d] = o[i];
            }
        } else {
            rm_mask_slot4 *s = &ix->s4[g->slot0];

            h = hash4((uint32_t) x->net, g->bits);
            while (s[h + d].net != (uint32_t) empty && s[h + d].net != (uint32_t) x->net)
                d++;
            if (s[h + d].net == (uint32_t) empty) {
                s[h + d].net = (uint32_t) x->net;
                idx[h + d] = o[i];
            }
        }
        g->maxd = d > g->maxd ? (uint16_t) d : g->maxd;
    }
}

/* rm_mask_build - group by (family, mask), then one table per group */

void    rm_mask_build(rm_mask_index *ix, void *mem, uint64_t n6, const rm_mask_entry *e, uint32_t n)
{
    uint32_t next4 = 0, next6 = 0, ng = 0;

    memset(ix, 0, sizeof(*ix));
    if (n == 0)
        return;
    layout(ix, mem, n, n6);
    ix->fbits = filter_bits(n);
    memset(ix->filter, 0, ((size_t) 1 << ix->fbits) / 8);
    for (uint32_t i = 0; i < n; i++)
        ix->order[i] = i;
    sort_order(e, ix->order, n);
    for (uint32_t i = 0, j; i < n; i = j) {
        const rm_mask_entry *x = &e[ix->order[i]];
        bool    v6 = x->family == RM_AF_INET6;
        uint32_t live = 0;
        rm_mask_group *g;

        for (j = i; j < n && e[ix->order[j]].family == x->family && e[ix->order[j]].mask == x->mask; j++)
            live += (e[ix->order[j]].net & ~x->mask) == 0;
        if (live == 0)
            continue;
        g = &ix->g[ng++];
        g->mask = x->mask;
        g->bits = 3;                    /* a probe reads 8 slots from a home < 2^bits */
        while (((uint64_t) 1 << g->bits) < 2 * (uint64_t) live)
            g->bits++;
        g->slot0 = v6 ? next6 : next4;
        if (v6) {
            next6 += AREA(g->bits);
            ix->ng6++;
        } else {
            next4 += AREA(g->bits);
            ix->ng4++;
        }
        fill(ix, ng - 1, v6, e, ix->order + i, j - i);
    }
}

/* probe8 - bit j set when s[j] == key, j < 8 */

static inline uint32_t probe8(const uint32_t *s, uint32_t key)
{
#if defined(__SSE2__)
    __m128i k = _mm_set1_epi32((int) key);
    __m128i a = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *) (const void *) s), k);
    __m128i b = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *) (const void *) (s + 4)), k);

    return (uint32_t) _mm_movemask_ps(_mm_castsi128_ps(a)) | ((uint32_t) _mm_movemask_ps(_mm_castsi128_ps(b)) << 4);
#else
    uint32_t m = 0;

    for (unsigned j = 0; j < 8; j++)
        /* cppcheck-suppress objectIndex ; s is a bucket of 8 keys, never one variable */
        m |= (uint32_t) (s[j] == key) << j;
    return m;
#endif
}

/* rm_mask_find - a probe per group of the family; the lowest index wins */

int64_t rm_mask_find(const rm_mask_index *ix, enum rm_family f, rm_u128 v)
{
    uint32_t best = EMPTY;

    if (f == RM_AF_INET) {
        for (uint32_t k = 0; k < ix->ng4; k++) {
            const rm_mask_group *g = &ix->g[k];
            uint32_t key = (uint32_t) v & (uint32_t) g->mask, h = g->slot0 + hash4(key, g->bits);

            if (!filter_has(ix, k, key))
                continue;
            /* Eight slots at a time, however far the farthest entry is:
             * only the entry itself can hold key, wherever it lies. */
            for (uint32_t d = 0; d <= g->maxd; d += 8) {
                uint32_t hit = probe8(&ix->s4[h + d].net, key);

                if (hit && ix->idx4[h + d + (uint32_t) __builtin_ctz(hit)] < best)
                    best = ix->idx4[h + d + (uint32_t) __builtin_ctz(hit)];
            }
        }
    } else if (f == RM_AF_INET6) {
        for (uint32_t k = ix->ng4; k < ix->ng4 + ix->ng6; k++) {
            const rm_mask_group *g = &ix->g[k];
            rm_u128 key = v & g->mask;
            uint32_t h = g->slot0 + hash6(key, g->bits);

            if (!filter_has(ix, k, key))
                continue;
            for (uint32_t d = 0; d <= g->maxd; d++)
                if (ix->s6[h + d].net == key && ix->idx6[h + d] < best)
                    best = ix->idx6[h + d];
        }
    }
    return best == EMPTY ? -1 : (int64_t) best;
}

uint32_t rm_mask_groups(const rm_mask_index *ix, enum rm_family f)
{
    return f == RM_AF_INET ? ix->ng4 : f == RM_AF_INET6 ? ix->ng6 : 0;
}
