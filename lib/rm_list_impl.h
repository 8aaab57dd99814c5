/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_LIST_IMPL_H
#define RM_LIST_IMPL_H

/*
 * rm_list_impl - the inside of a loaded list, shared by its three rooms
 * and by no one else: the loader (rm_list.c: reads, parses, lays out the
 * arena, describes entries), the index (rm_index.c: sorts, sweeps, builds
 * the first level and the line index, answers one lookup) and the batch
 * path (rm_batch.c).  It owns the record layout and the search steps.
 *
 * The search steps are static inline here, not functions of rm_index.c,
 * because the batch passes interleave them across a group of lookups: a
 * call per step would cost what overlapping the cache misses gains.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "rm_list.h"
#include "rm_mask.h"

#define META_LINE_BITS  28
#define META_LINE_MAX   ((1u << META_LINE_BITS) - 1)
#define META_FORM_SHIFT 28
#define META_CLIPPED    (1u << 31)
#define META_LINE(m)    ((m) & META_LINE_MAX)
#define META_FORM(m)    ((enum rm_form) (((m) >> META_FORM_SHIFT) & 7u))

/*
 * Records are kept apart from their provenance (meta: line, form, clipped)
 * so that a lookup touches only what decides: for IPv4 the 8-byte
 * [lo, hi] records, for IPv6 first a dense array of the top 64 bits of
 * each start (eight to a cache line), then one 32-byte record.
 */
typedef struct rec4 {
    uint32_t lo;
    uint32_t hi;
} rec4;

typedef struct rec6 {
    uint64_t lo_h, lo_l;
    uint64_t hi_h, hi_l;
} rec6;

typedef rm_mask_entry side;                /* rm_mask indexes them */

typedef struct clip {
    uint32_t idx;                       /* record index (family's own array) */
    uint32_t family;
    rm_u128 orig_lo;
} clip;

typedef struct level1 {
    uint32_t *fl;                       /* 2^bits + 1 record indices */
    unsigned shift;                     /* common prefix length of the starts */
    unsigned bits;                      /* 0: no first level */
    unsigned steps;                     /* 2^steps >= the most records in a slot */
} level1;

/*
 * One bucket of the line index, one cache line.  off[0..n) are the
 * boundaries in the bucket, ascending, as offsets from its first address;
 * the rest are 0xffff.  Bit i of type says whether off[i] starts a record
 * (1) or a gap (0).  base is the index of the first record that starts in
 * the bucket or after it, and carry says whether the bucket begins inside
 * record base - 1.
 */
#define LINE4_MIN_RECORDS  ((uint64_t) 6 << 16) /* 2^16 buckets, about 6 records each */
#define SUM4_BYTES         ((size_t) 1 << 22)   /* the summary: 2^24 /24s, 2 bits each */
#define LINE4_LANES        28
#define LINE4_CAP          27                   /* type bits that fit beside the count */
#define LINE4_FULL         31u                  /* count value of a full bucket */
#define LINE4_TYPE_MASK    ((1u << LINE4_CAP) - 1)

typedef struct lbucket {
    _Alignas(64) uint16_t off[LINE4_LANES];
    uint32_t base;                      /* bit 31: carry; bits 0-30: first record */
    uint32_t info;                      /* bits 0-26: type; bits 27-31: count */
} lbucket;

typedef struct line4 {
    lbucket *b;
    unsigned bits;                      /* 0: no line index */
    unsigned span;                      /* a bucket covers 2^span addresses, span <= 16 */
} line4;

struct rm_list {
    rm_list_head head;                  /* first: rm_list_match reads it inline */
    char   *name;
    size_t  bytes;
    uint32_t n4, k4;                    /* records, indexed records */
    uint32_t n6, k6;
    uint32_t nside;
    uint32_t nclip;
    bool    v6_maps_v4;                 /* some IPv6 entry reaches into ::ffff:0:0/96 */
    rec4   *r4;
    uint32_t *m4;
    rec6   *r6;
    uint32_t *m6;
    uint64_t *key6;                     /* top 64 bits of r6[i].lo */
    side   *sd;
    rm_mask_index mx;                   /* the index of sd */
    clip   *cl;
    level1  l4, l6;
    line4   ln4;
    /* What the single-lookup fast path reads, beside the header's other
     * fields: the line index answers x alone when fast4 is set and
     * x - lo4 < span4 (x inside [first start, last start)). */
    bool    fast4;
    uint32_t lo4, span4;
};

#define R6LO(r) ((((rm_u128) (r)->lo_h) << 64) | (r)->lo_l)
#define R6HI(r) ((((rm_u128) (r)->hi_h) << 64) | (r)->hi_l)

/* Index building and lookups outside the hot path (rm_index.c). */

/* rm_index_plan - first-level and line-index sizes (in bits, 0: none) for
 * at most n4 IPv4 and n6 IPv6 records, and the bytes of the IPv4 summary
 * (0: none); the loader sizes the arena by them and sets head.sum4 to the
 * summary's place in it */
void    rm_index_plan(uint64_t n4, uint64_t n6, unsigned *b4, unsigned *b6, unsigned *bl4,
                      size_t *sum4);

/* rec_swap - swap records i and j (of size bytes each), and their meta */

static inline __attribute__((always_inline))
void    rec_swap(unsigned char *r, uint32_t *m, size_t size, size_t i, size_t j)
{
    unsigned char t[sizeof(rec6)];      /* the larger record */
    uint32_t u = m[i];

    memcpy(t, r + i * size, size);
    memcpy(r + i * size, r + j * size, size);
    memcpy(r + j * size, t, size);
    m[i] = m[j];
    m[j] = u;
}

/* rm_index_sort4, rm_index_sort6 - sort r[0..n) by (lo, hi descending,
 * line), with their meta m[0..n) in step (rm_sort.c) */
void    rm_index_sort4(rec4 *r, uint32_t *m, size_t n);
void    rm_index_sort6(rec6 *r, uint32_t *m, size_t n);

/* rm_index_radix4 - the same order as rm_index_sort4 (which then finds the
 * records in order), by a radix sort through len bytes of scratch that it
 * may overwrite; false, with r and m untouched, when the scratch is under
 * 12 bytes a record or the records are not in line order (rm_sort.c) */
bool    rm_index_radix4(rec4 *r, uint32_t *m, size_t n, void *scratch, size_t len);

/* rm_index_build - sort, sweep and index the records parsed into l;
 * clipcap is the size of l->cl */
void    rm_index_build(rm_list *l, uint32_t clipcap);

/* rm_index_match_side - the side table, as (IP AND mask) == net */
bool    rm_index_match_side(const rm_list *l, enum rm_family f, rm_u128 v, rm_match *m);

/* The search steps. */

/* bucket6 - the first-level slot of x: bits [shift, shift+bits) */

static inline uint32_t bucket6(rm_u128 x, unsigned shift, unsigned bits)
{
    return (uint32_t) ((x << shift) >> (128 - bits));
}

/* bucket4 - the same for IPv4 (and for the line index, with its bits) */

static inline uint32_t bucket4(uint32_t x, unsigned shift, unsigned bits)
{
    return (uint32_t) (((uint64_t) x << (32 + shift)) >> (64 - bits));
}

/* pop32 - bits set in v (no popcnt instruction in the x86-64 baseline) */

static inline unsigned pop32(uint32_t v)
{
    v = v - ((v >> 1) & 0x55555555u);
    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
    return (((v + (v >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24;
}

/* line4_le - bit i set when off[i] <= o, for all 28 lanes of a bucket (the
 * compiler makes the generic loop a few vector compares too) */

static inline uint32_t line4_le(const lbucket *bk, uint32_t o)
{
#if defined(__SSE2__)
    /* Lane i of the mask is set when off[i] <= o, that is when the
     * saturating difference off[i] - o is zero. */
    const __m128i *v = (const __m128i *) (const void *) bk;
    __m128i ov = _mm_set1_epi16((short) o), z = _mm_setzero_si128();
    __m128i a = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_load_si128(v), ov), z);
    __m128i b = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_load_si128(v + 1), ov), z);
    __m128i c = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_load_si128(v + 2), ov), z);
    __m128i d = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_load_si128(v + 3), ov), z);

    return (uint32_t) _mm_movemask_epi8(_mm_packs_epi16(a, b))
        | ((uint32_t) _mm_movemask_epi8(_mm_packs_epi16(c, d)) << 16);
#else
    uint32_t m = 0;

    for (unsigned i = 0; i < LINE4_LANES; i++)
        m |= (uint32_t) (bk->off[i] <= o) << i;
    return m;
#endif
}

/*
 * line4_find - answer x from its bucket: returns whether x is inside a
 * record and sets *cand to the last record starting at or below x (-1 if
 * none), as find4 would; returns -1 if the bucket is full.  The count is
 * clamped to the bucket's boundaries, since unused lanes hold 0xffff,
 * which an offset of 0xffff reaches.
 */
static inline int line4_find(const lbucket *bk, uint32_t o, int64_t *cand)
{
    uint32_t info = bk->info, n = info >> 27, m, le, t;

    if (n == LINE4_FULL)
        return -1;
    /* The offsets ascend, so the lanes at or below o are a prefix; the
     * count clamps off the unused lanes (0xffff, which o can equal) and
     * the bucket's last 8 bytes (base and info, lanes 28 to 31). */
    m = line4_le(bk, o) & (((uint32_t) 1 << n) - 1);
    le = (uint32_t) __builtin_ctz(~m);
    /* Bit 0: the region before the first boundary (the carry); bit i+1:
     * the region off[i] begins. */
    t = ((info & LINE4_TYPE_MASK) << 1) | (bk->base >> 31);
    *cand = (int64_t) (bk->base & 0x7fffffffu) + pop32(info & m) - 1;
    return (int) ((t >> le) & 1);
}

/* line4_slot - x's bucket in the line index, or -1 if the index does not
 * answer x: no index, or x outside (first start, last start), where find4
 * answers at once and x may lie outside the common prefix. */
static inline int64_t line4_slot(const rm_list *l, uint32_t x)
{
    if (l->ln4.bits == 0 || x < l->r4[0].lo || x >= l->r4[l->k4 - 1].lo)
        return -1;
    return bucket4(x, l->l4.shift, l->ln4.bits);
}

/* sum4_none - is x's /24 wholly outside the IPv4 intervals by the
 * summary?  The line index leaves out gaps there (see rm_index.c), so it
 * must not be asked about such an x. */
static inline bool sum4_none(const rm_list *l, uint32_t x)
{
    return l->head.sum4 != NULL && rm_list_sum4(&l->head, x) == RM_SUM4_NONE;
}

/* line4_off - x's offset inside its line-index bucket */

static inline uint32_t line4_off(const rm_list *l, uint32_t x)
{
    return x & (((uint32_t) 1 << l->ln4.span) - 1);
}

/*
 * search4 - the slot of x holds records [pos, end); a fixed number of
 * steps finds the last whose start is <= x.  Probes stay inside the slot,
 * so a lookup reads the slot's cache line and no other.  If no record of
 * the slot starts at or below x, the answer is the record before it.
 * With no data-dependent branches (a conditional move per step) the
 * processor runs several lookups' memory reads at once.
 */
static inline int64_t search4(const rm_list *l, uint32_t x, uint32_t pos, uint32_t end)
{
    const rec4 *r = l->r4;

    for (uint32_t step = ((uint32_t) 1 << l->l4.steps) >> 1; step > 0; step >>= 1) {
        uint32_t probe = pos + step < end ? pos + step : pos;

        pos = r[probe].lo <= x ? probe : pos;
    }
    return (int64_t) pos - (r[pos].lo > x);
}

/*
 * find4 - the last indexed record whose start is <= x, or -1.  The first
 * level gives the first record of x's slot; search4 finds the answer
 * there.  Records past the slot start above x, so probing past it is
 * harmless, and probes past the end are clamped to the last record, which
 * starts above x too.
 */
static inline int64_t find4(const rm_list *l, uint32_t x)
{
    const rec4 *r = l->r4;
    uint32_t k = l->k4, last;

    if (k == 0 || x < r[0].lo)
        return -1;
    last = k - 1;
    if (x >= r[last].lo)
        return last;
    if (l->l4.bits) {
        uint32_t b = bucket4(x, l->l4.shift, l->l4.bits);

        return search4(l, x, l->l4.fl[b], l->l4.fl[b + 1]);
    }
    return search4(l, x, 0, k);
}

/* inside4 - is x inside record c, the answer of find4 or line4_find?
 * Computed, not branched on: a lookup's answer is as unpredictable as the
 * addresses are.  An empty family is the one branch (as predictable as
 * the list): with no records there is no r4[0] in the arena to read. */
static inline bool inside4(const rm_list *l, int64_t c, uint32_t x)
{
    uint32_t idx = c < 0 ? 0 : (uint32_t) c;

    return l->k4 > 0 && ((c >= 0) & (x <= l->r4[idx].hi));
}

/* search6 - as search4, over the top-64-bit keys from the first record of
 * x's slot */

static inline int64_t search6(const rm_list *l, uint64_t xh, uint32_t pos, uint32_t end)
{
    const uint64_t *k6 = l->key6;

    for (uint32_t step = ((uint32_t) 1 << l->l6.steps) >> 1; step > 0; step >>= 1) {
        uint32_t probe = pos + step < end ? pos + step : pos;

        pos = k6[probe] <= xh ? probe : pos;
    }
    return (int64_t) pos - (k6[pos] > xh);
}

/* find6_full - the last record of [lo, lo + n) whose whole 128-bit start
 * is <= x, or lo - 1 */

static inline int64_t find6_full(const rm_list *l, rm_u128 x, uint32_t lo, uint32_t n)
{
    while (n > 0) {
        uint32_t half = n / 2;

        if (R6LO(&l->r6[lo + half]) <= x) {
            lo += half + 1;
            n -= half + 1;
        } else {
            n = half;
        }
    }
    return (int64_t) lo - 1;
}

/*
 * find6_settle - c is the last record whose key (top 64 bits of its
 * start) is <= x's top half.  When that key equals x's top half and the
 * record starts above x (hosts in one /64, say), the answer is among the
 * records with that key: the first of them is found, then whole starts
 * decide from there.  Every IPv6 search ends here.
 */
static inline int64_t find6_settle(const rm_list *l, rm_u128 x, int64_t c)
{
    const uint64_t *k6 = l->key6;
    uint64_t xh = (uint64_t) (x >> 64);

    /* Evaluated without short-circuit: inside a /64 the keys are equal
     * half the time, and a branch there would be guessed wrong as often. */
    if (c >= 0 && ((k6[c] == xh) & (l->r6[c].lo_l > (uint64_t) x))) {
        uint32_t first = 0, len = (uint32_t) c + 1;

        while (len > 0) {
            uint32_t half = len / 2;

            if (k6[first + half] < xh) {
                first += half + 1;
                len -= half + 1;
            } else {
                len = half;
            }
        }
        c = find6_full(l, x, first, (uint32_t) c - first + 1);
    }
    return c;
}

/* find6 - the last indexed record whose start is <= x, or -1, searched as
 * find4 searches, over the dense top-64-bit keys */

static inline int64_t find6(const rm_list *l, rm_u128 x)
{
    uint64_t xh = (uint64_t) (x >> 64);
    uint32_t k = l->k6, last;
    int64_t c;

    if (k == 0 || x < R6LO(&l->r6[0]))
        return -1;
    last = k - 1;
    if (x >= R6LO(&l->r6[last]))
        return last;
    if (l->l6.bits) {
        uint32_t b = bucket6(x, l->l6.shift, l->l6.bits);

        c = search6(l, xh, l->l6.fl[b], l->l6.fl[b + 1]);
    } else {
        c = search6(l, xh, 0, k);
    }
    return find6_settle(l, x, c);
}

/* inside6 - is v inside record c, the answer of find6?  As inside4. */

static inline bool inside6(const rm_list *l, int64_t c, rm_u128 v)
{
    uint32_t idx = c < 0 ? 0 : (uint32_t) c;

    return l->k6 > 0 && ((c >= 0) & (v <= R6HI(&l->r6[idx])));
}

#endif
