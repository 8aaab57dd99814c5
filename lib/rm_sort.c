/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_sort - the sort of a loaded list's records, for rm_index */

/*
 * rm_sort owns the order the index is built on: IPv4 and IPv6 records,
 * with their meta in step, by (lo, hi descending, line).  rm_index.c
 * calls it once per family before the sweep.  The loader may sort the
 * IPv4 records first, by a radix sort through memory it lends (the file
 * buffer, once parsed); the sort rm_index.c calls then finds them in
 * order and returns.
 */

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "rm_list_impl.h"

/*
 * Sorting: an introspective quicksort over records and their meta in
 * step, so that a load never calls qsort() (glibc's may allocate behind
 * our back).  rec_sort is written once for both record types; rm_index_sort4
 * and rm_index_sort6 inline it with a constant record size and comparison, which the
 * compiler then inlines too, so each is as fast as a sort written for its
 * type.  The recursion is an explicit stack, which is what lets the body
 * be inlined.
 */

#define REC_MAX   sizeof(rec6)           /* the larger record */
#define SORT_STACK 64                    /* the larger half is pushed: log2(n) */

typedef int rec_cmp(const void *a, uint32_t am, const void *b, uint32_t bm);

/* cmp4 - order IPv4 records by start, longer first, then by line */

static inline int cmp4(const void *av, uint32_t am, const void *bv, uint32_t bm)
{
    const rec4 *a = av, *b = bv;

    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    if (a->hi != b->hi)
        return a->hi > b->hi ? -1 : 1;
    if (META_LINE(am) != META_LINE(bm))
        return META_LINE(am) < META_LINE(bm) ? -1 : 1;
    return 0;
}

/* cmp6 - the same order for IPv6 records */

static inline int cmp6(const void *av, uint32_t am, const void *bv, uint32_t bm)
{
    const rec6 *a = av, *b = bv;

    if (a->lo_h != b->lo_h)
        return a->lo_h < b->lo_h ? -1 : 1;
    if (a->lo_l != b->lo_l)
        return a->lo_l < b->lo_l ? -1 : 1;
    if (a->hi_h != b->hi_h)
        return a->hi_h > b->hi_h ? -1 : 1;
    if (a->hi_l != b->hi_l)
        return a->hi_l > b->hi_l ? -1 : 1;
    if (META_LINE(am) != META_LINE(bm))
        return META_LINE(am) < META_LINE(bm) ? -1 : 1;
    return 0;
}

#define REC(r, i) ((r) + (size_t) (i) * size)
#define INLINE    static inline __attribute__((always_inline))

/* rec_sift - heapsort's sift-down of root in r[0..n) */

INLINE void rec_sift(unsigned char *r, uint32_t *m, size_t size, rec_cmp *cmp, size_t root, size_t n)
{
    while (2 * root + 1 < n) {
        size_t  child = 2 * root + 1, sw = root;

        if (cmp(REC(r, sw), m[sw], REC(r, child), m[child]) < 0)
            sw = child;
        if (child + 1 < n && cmp(REC(r, sw), m[sw], REC(r, child + 1), m[child + 1]) < 0)
            sw = child + 1;
        if (sw == root)
            return;
        rec_swap(r, m, size, root, sw);
        root = sw;
    }
}

/* rec_heap - heapsort r[0..n): what a partition past its depth becomes */

INLINE void rec_heap(unsigned char *r, uint32_t *m, size_t size, rec_cmp *cmp, size_t n)
{
    for (size_t s = n / 2; s-- > 0;)
        rec_sift(r, m, size, cmp, s, n);
    for (size_t e = n; e-- > 1;) {
        rec_swap(r, m, size, 0, e);
        rec_sift(r, m, size, cmp, 0, e);
    }
}

/* rec_insertion - insertion sort of r[0..n), for the short partitions */

INLINE void rec_insertion(unsigned char *r, uint32_t *m, size_t size, rec_cmp *cmp, size_t n)
{
    unsigned char t[REC_MAX];

    for (size_t i = 1; i < n; i++) {
        uint32_t tm = m[i];
        size_t  k = i;

        memcpy(t, REC(r, i), size);
        while (k > 0 && cmp(t, tm, REC(r, k - 1), m[k - 1]) < 0) {
            memcpy(REC(r, k), REC(r, k - 1), size);
            m[k] = m[k - 1];
            k--;
        }
        memcpy(REC(r, k), t, size);
        m[k] = tm;
    }
}

/* rec_partition - median-of-three Hoare partition of r[0..n), n > 16:
 * returns j, with r[0..j] <= pivot <= r[j+1..n) */

INLINE size_t rec_partition(unsigned char *r, uint32_t *m, size_t size, rec_cmp *cmp, size_t n)
{
    unsigned char pivot[REC_MAX];
    size_t  mid = (n - 1) / 2, i = 0, j = n - 1;
    uint32_t pm;

    if (cmp(REC(r, mid), m[mid], REC(r, 0), m[0]) < 0)
        rec_swap(r, m, size, mid, 0);
    if (cmp(REC(r, n - 1), m[n - 1], REC(r, 0), m[0]) < 0)
        rec_swap(r, m, size, n - 1, 0);
    if (cmp(REC(r, n - 1), m[n - 1], REC(r, mid), m[mid]) < 0)
        rec_swap(r, m, size, n - 1, mid);
    memcpy(pivot, REC(r, mid), size);
    pm = m[mid];
    for (;;) {
        while (cmp(REC(r, i), m[i], pivot, pm) < 0)
            i++;
        while (cmp(pivot, pm, REC(r, j), m[j]) < 0)
            j--;
        if (i >= j)
            return j;
        rec_swap(r, m, size, i, j);
        i++;
        j--;
    }
}

/* sort_depth - partitions a chain may take before it turns to heapsort */

static unsigned sort_depth(size_t n)
{
    unsigned d = 0;

    while (n > 1) {
        n >>= 1;
        d++;
    }
    return 2 * d + 4;
}

/* rec_sort - sort records r[0..n) of size bytes and their meta m[0..n) */

INLINE void rec_sort(unsigned char *recs, uint32_t *meta, size_t n, size_t size, rec_cmp *cmp)
{
    struct {
        size_t  off, n;
        unsigned depth;
    }       stack[SORT_STACK];
    size_t  sp = 0, i = 1;

    /* Already in order (sorted by the radix sort, or written so): one
     * pass of comparisons the processor predicts. */
    while (i < n && cmp(REC(recs, i - 1), meta[i - 1], REC(recs, i), meta[i]) <= 0)
        i++;
    if (i >= n)
        return;
    stack[sp].off = 0;
    stack[sp].n = n;
    stack[sp++].depth = sort_depth(n);
    while (sp > 0) {
        size_t  off = stack[--sp].off, j;
        unsigned depth = stack[sp].depth;
        unsigned char *r = recs + off * size;
        uint32_t *m = meta + off;

        n = stack[sp].n;
        while (n > 16) {
            if (depth-- == 0) {
                rec_heap(r, m, size, cmp, n);
                n = 0;
                break;
            }
            j = rec_partition(r, m, size, cmp, n);
            /* Push the larger side, go on with the smaller: the stack
             * then never holds more than log2(n) entries. */
            assert(sp < SORT_STACK);
            stack[sp].depth = depth;
            if (j + 1 < n - j - 1) {
                stack[sp].off = off + j + 1;
                stack[sp++].n = n - j - 1;
                n = j + 1;
            } else {
                stack[sp].off = off;
                stack[sp++].n = j + 1;
                off += j + 1;
                r = REC(r, j + 1);
                m += j + 1;
                n -= j + 1;
            }
        }
        rec_insertion(r, m, size, cmp, n);
    }
}

/* rm_index_sort4 - sort the IPv4 records */

void    rm_index_sort4(rec4 *r, uint32_t *m, size_t n)
{
    rec_sort((unsigned char *) r, m, n, sizeof(*r), cmp4);
}

/* rm_index_sort6 - sort the IPv6 records */

void    rm_index_sort6(rec6 *r, uint32_t *m, size_t n)
{
    rec_sort((unsigned char *) r, m, n, sizeof(*r), cmp6);
}

/*
 * The radix sort of IPv4 records: a stable LSD sort by the 64-bit key
 * (lo, ~hi), a byte at a time, which gives (lo, hi descending) and, since
 * the records were parsed in line order and every pass is stable, line
 * ascending among equal keys: the introsort's order without a comparison.
 * One pass counts every byte of every key; a byte that is the same in
 * every record orders nothing and its pass is skipped.  The passes go
 * back and forth between the arena's arrays and the scratch, which holds
 * records and meta packed side by side (12 bytes a record).
 */

#define RADIX_DIGITS 8                  /* bytes of the key */

typedef struct rrec4 {
    uint32_t lo, hi, meta;
} rrec4;

/* key4 - the key the radix sort orders by: lo ascending, hi descending */

static inline uint64_t key4(uint32_t lo, uint32_t hi)
{
    return ((uint64_t) lo << 32) | (uint32_t) ~hi;
}

/* radix_count - the histogram of every byte of every key, and whether the
 * lines ascend (what stability needs) */

static bool radix_count(const rec4 *r, const uint32_t *m, size_t n,
                        uint32_t cnt[RADIX_DIGITS][256])
{
    memset(cnt, 0, sizeof(uint32_t) * RADIX_DIGITS * 256);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = key4(r[i].lo, r[i].hi);

        if (i > 0 && META_LINE(m[i]) < META_LINE(m[i - 1]))
            return false;
        for (unsigned d = 0; d < RADIX_DIGITS; d++)
            cnt[d][(k >> (8 * d)) & 255]++;
    }
    return true;
}

/* radix_starts - turn counts into where each digit value starts; false
 * when one value holds every record (the pass would order nothing) */

static bool radix_starts(uint32_t c[256], size_t n)
{
    uint32_t sum = 0;

    for (unsigned v = 0; v < 256; v++) {
        uint32_t t = c[v];

        if (t == n)
            return false;
        c[v] = sum;
        sum += t;
    }
    return true;
}

/* rm_index_radix4 - see rm_list_impl.h */

bool    rm_index_radix4(rec4 *r, uint32_t *m, size_t n, void *scratch, size_t len)
{
    uint32_t cnt[RADIX_DIGITS][256];
    uintptr_t a = ((uintptr_t) scratch + 3) & ~(uintptr_t) 3;
    rrec4  *s = (rrec4 *) a;
    bool    packed = false;             /* the records are in s */

    if (scratch == NULL || a - (uintptr_t) scratch > len
        || (len - (a - (uintptr_t) scratch)) / sizeof(rrec4) < n || n > UINT32_MAX)
        return false;
    if (!radix_count(r, m, n, cnt))
        return false;
    for (unsigned d = 0; d < RADIX_DIGITS; d++) {
        unsigned sh = 8 * d;
        uint32_t *pos = cnt[d];

        if (!radix_starts(pos, n))
            continue;
        if (!packed) {
            for (size_t i = 0; i < n; i++) {
                rrec4  *o = &s[pos[(key4(r[i].lo, r[i].hi) >> sh) & 255]++];

                o->lo = r[i].lo;
                o->hi = r[i].hi;
                o->meta = m[i];
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                uint32_t j = pos[(key4(s[i].lo, s[i].hi) >> sh) & 255]++;

                r[j].lo = s[i].lo;
                r[j].hi = s[i].hi;
                m[j] = s[i].meta;
            }
        }
        packed = !packed;
    }
    if (packed) {
        for (size_t i = 0; i < n; i++) {
            r[i].lo = s[i].lo;
            r[i].hi = s[i].hi;
            m[i] = s[i].meta;
        }
    }
    return true;
}
