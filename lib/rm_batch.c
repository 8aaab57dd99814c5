/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_batch - many lookups at once, their cache misses overlapped */

/*
 * rm_batch owns rm_list_match_batch: n lookups answered as rm_list_match
 * (rm_index.c) answers each, in groups of BATCH_GROUP.  Each step's memory
 * (a first-level slot or line-index bucket, then the slot's records, then
 * the candidate record) is prefetched for the whole group before any of it
 * is used, so that a group's cache misses are in flight together instead
 * of queueing one after another.  A group takes the first of three paths
 * that can answer all of it: the IPv4 summary (sum4_group), the line
 * index alone (line4_group), the IPv6 keys alone (v6_group), or a mixed
 * pass (batch_group) that sends what it cannot answer to rm_list_match.
 * The side table is asked last, for the misses (side_pass).  The search
 * steps are rm_list_impl.h's, the same the single lookup runs.  A list
 * that stays in the caches has no misses to overlap: its IPv4 groups are
 * searched inline, one address after another (direct4_group).
 */

#include "rm_list_impl.h"

#define BATCH_GROUP 64
#define BATCH_DIRECT_BYTES (256u * 1024)  /* below: one lookup at a time */

/* is_v4 - is a an IPv4 client: IPv4, or IPv4-mapped IPv6? */

static inline bool is_v4(const rm_addr *a)
{
    return a->family == RM_AF_INET || (a->family == RM_AF_INET6 && (a->v >> 32) == 0xffff);
}

/*
 * v6_group - a group of IPv6 lookups (no IPv4-mapped addresses) in four
 * passes, each prefetching what the next one reads: first-level slot, the
 * slot's keys, the candidate record.  Returns false, having written
 * nothing, unless every address of the group is an IPv6 client inside
 * (first start, last start).  Side entries are side_pass's.
 */
static bool v6_group(const rm_list *l, const rm_addr *a, size_t g, bool *hit, rm_match *m)
{
    uint32_t pos[BATCH_GROUP], end[BATCH_GROUP];
    int64_t c[BATCH_GROUP];
    rm_u128 first = R6LO(&l->r6[0]), last = R6LO(&l->r6[l->k6 - 1]);
    unsigned shift = l->l6.shift, bits = l->l6.bits;
    bool    all = true;

    for (size_t i = 0; i < g; i++) {
        rm_u128 v = a[i].v;

        all &= (a[i].family == RM_AF_INET6) & ((v >> 32) != 0xffff) & (v >= first) & (v < last);
        pos[i] = bucket6(v, shift, bits);
        __builtin_prefetch(&l->l6.fl[pos[i]]);
    }
    if (!all)
        return false;
    for (size_t i = 0; i < g; i++) {
        end[i] = l->l6.fl[pos[i] + 1];
        pos[i] = l->l6.fl[pos[i]];
        __builtin_prefetch(&l->key6[pos[i]]);
        __builtin_prefetch(&l->key6[end[i] - 1]);
    }
    for (size_t i = 0; i < g; i++) {
        c[i] = search6(l, (uint64_t) (a[i].v >> 64), pos[i], end[i]);
        __builtin_prefetch(&l->r6[c[i] < 0 ? 0 : c[i]]);
    }
    for (size_t i = 0; i < g; i++) {
        int64_t ci = find6_settle(l, a[i].v, c[i]);

        hit[i] = inside6(l, ci, a[i].v);
        if (m)
            m[i].entry = l->n4 + (ci < 0 ? 0 : (uint32_t) ci);
    }
    return true;
}

/*
 * line4_group - a group of lookups answered from the line index alone, in
 * two passes: the buckets of all, prefetched; then the answers.  Returns
 * false, having written nothing, unless every address of the group is an
 * IPv4 client inside (first start, last start) of a list without IPv6
 * entries over ::ffff:0:0/96.  A full bucket's address is looked up alone;
 * side entries are side_pass's.
 */
static __attribute__((noinline)) bool line4_group(const rm_list *l, const rm_addr *a, size_t g, bool *hit, rm_match *m)
{
    uint32_t bk[BATCH_GROUP], lo = l->r4[0].lo, last = l->r4[l->k4 - 1].lo;
    unsigned shift = l->l4.shift, bits = l->ln4.bits;
    bool    all = true;

    for (size_t i = 0; i < g; i++) {
        uint32_t v = (uint32_t) a[i].v;

        all &= is_v4(&a[i]) & (v >= lo) & (v < last);
        bk[i] = bucket4(v, shift, bits);
        __builtin_prefetch(&l->ln4.b[bk[i]]);
    }
    if (!all)
        return false;
    for (size_t i = 0; i < g; i++) {
        int64_t c = -1;
        int     h = sum4_none(l, (uint32_t) a[i].v) ? 0
            : line4_find(&l->ln4.b[bk[i]], line4_off(l, (uint32_t) a[i].v), &c);

        if (h < 0) {
            hit[i] = rm_list_match(l, &a[i], m ? &m[i] : NULL);
            continue;
        }
        hit[i] = h;
        if (m)
            m[i].entry = c < 0 ? 0 : (uint32_t) c;
    }
    return true;
}

/* How batch_group's first pass sorted each address. */
enum how {
    HOW_DECIDED,                        /* c[i] is the answer already */
    HOW_SEARCH4,                        /* slot[i]: an IPv4 first-level slot */
    HOW_SEARCH6,                        /* slot[i]: an IPv6 first-level slot */
    HOW_ALONE                           /* rm_list_match answers it */
};

/* batch_slots - batch_group's first pass: the first-level slot of each
 * address, prefetched, or its answer where the ends of the records give it
 * at once */

static void batch_slots(const rm_list *l, const rm_addr *a, size_t g,
                        uint32_t *slot, int64_t *c, uint8_t *how)
{
    bool    fast4 = !l->v6_maps_v4 && l->l4.bits && l->k4 > 1;
    bool    fast6 = l->l6.bits && l->k6 > 1;

    for (size_t i = 0; i < g; i++) {
        const rm_addr *x = &a[i];

        how[i] = HOW_ALONE;
        if (fast4 && is_v4(x)) {
            uint32_t v = (uint32_t) x->v;

            if (v < l->r4[0].lo) {
                c[i] = -1;
                how[i] = HOW_DECIDED;
            } else if (v >= l->r4[l->k4 - 1].lo) {
                c[i] = l->k4 - 1;
                how[i] = HOW_DECIDED;
            } else {
                slot[i] = bucket4(v, l->l4.shift, l->l4.bits);
                __builtin_prefetch(&l->l4.fl[slot[i]]);
                how[i] = HOW_SEARCH4;
            }
        } else if (fast6 && x->family == RM_AF_INET6 && (x->v >> 32) != 0xffff) {
            if (x->v < R6LO(&l->r6[0])) {
                c[i] = -1;
                how[i] = HOW_DECIDED;
            } else if (x->v >= R6LO(&l->r6[l->k6 - 1])) {
                c[i] = l->k6 - 1;
                how[i] = HOW_DECIDED;
            } else {
                slot[i] = bucket6(x->v, l->l6.shift, l->l6.bits);
                __builtin_prefetch(&l->l6.fl[slot[i]]);
                how[i] = HOW_SEARCH6;
            }
        }
    }
}

/*
 * batch_group - up to BATCH_GROUP lookups, each answered as rm_list_match
 * answers as far as its intervals go (side entries are side_pass's):
 * slots (batch_slots), the slots' records, the candidate records, then the
 * answers, each pass prefetching for the next.  IPv4 clients of a list
 * without IPv6 entries over ::ffff:0:0/96, and IPv6 clients, take this
 * path; any other address is looked up alone.
 */
static void batch_group(const rm_list *l, const rm_addr *a, size_t g, bool *hit, rm_match *m)
{
    uint32_t slot[BATCH_GROUP], end[BATCH_GROUP];
    int64_t c[BATCH_GROUP];
    uint8_t how[BATCH_GROUP];

    batch_slots(l, a, g, slot, c, how);
    for (size_t i = 0; i < g; i++) {
        if (how[i] == HOW_SEARCH4) {
            end[i] = l->l4.fl[slot[i] + 1];
            slot[i] = l->l4.fl[slot[i]];
            __builtin_prefetch(&l->r4[slot[i]]);
            __builtin_prefetch(&l->r4[end[i] - 1]);
        } else if (how[i] == HOW_SEARCH6) {
            end[i] = l->l6.fl[slot[i] + 1];
            slot[i] = l->l6.fl[slot[i]];
            __builtin_prefetch(&l->key6[slot[i]]);
            __builtin_prefetch(&l->key6[end[i] - 1]);
        }
    }
    for (size_t i = 0; i < g; i++) {
        if (how[i] == HOW_SEARCH4) {
            c[i] = search4(l, (uint32_t) a[i].v, slot[i], end[i]);
        } else if (how[i] == HOW_SEARCH6) {
            c[i] = search6(l, (uint64_t) (a[i].v >> 64), slot[i], end[i]);
            __builtin_prefetch(&l->r6[c[i] < 0 ? 0 : c[i]]);
        }
    }
    for (size_t i = 0; i < g; i++) {
        const rm_addr *x = &a[i];

        if (how[i] == HOW_ALONE) {
            hit[i] = rm_list_match(l, x, m ? &m[i] : NULL);
        } else if (x->family == RM_AF_INET || (x->v >> 32) == 0xffff) {
            hit[i] = inside4(l, c[i], (uint32_t) x->v);
            if (m)
                m[i].entry = c[i] < 0 ? 0 : (uint32_t) c[i];
        } else {
            c[i] = find6_settle(l, x->v, c[i]);
            hit[i] = inside6(l, c[i], x->v);
            if (m)
                m[i].entry = l->n4 + (c[i] < 0 ? 0 : (uint32_t) c[i]);
        }
    }
}

/*
 * sum4_group - a group of IPv4 lookups answered from the summary where it
 * can: the byte of each, prefetched for the whole group, then the answers
 * that byte gives (as rm_list_match's inline part gives them).  The others
 * (a mixed /24, or a hit whose entry the caller wants) have their
 * line-index buckets prefetched meanwhile and are answered from them;
 * what no bucket answers is gathered and answered by batch_group, its
 * misses overlapped too.  Returns false, having written nothing, unless
 * every address of the group is IPv4.  Side entries are side_pass's.
 */
static bool sum4_group(const rm_list *l, const rm_addr *a, size_t g, bool *hit, rm_match *m)
{
    const rm_list_head *h = &l->head;
    bool    by_line = !l->v6_maps_v4 && l->ln4.bits, lh[BATCH_GROUP], all = true;
    uint32_t lo = l->k4 ? l->r4[0].lo : 0, last = l->k4 ? l->r4[l->k4 - 1].lo : 0;
    uint8_t line[BATCH_GROUP], left[BATCH_GROUP];
    size_t  nline = 0, nleft = 0;
    rm_addr la[BATCH_GROUP];
    rm_match lm[BATCH_GROUP];

    /* A caller that wants the entry of each hit needs the bucket of most:
     * it is fetched beside the summary rather than after it. */
    for (size_t i = 0; i < g; i++) {
        uint32_t x = (uint32_t) a[i].v;

        all &= a[i].family == RM_AF_INET;
        __builtin_prefetch(&h->sum4[x >> 10]);
        if (m && by_line && x >= lo && x < last)
            __builtin_prefetch(&l->ln4.b[bucket4(x, l->l4.shift, l->ln4.bits)]);
    }
    if (!all)
        return false;
    for (size_t i = 0; i < g; i++) {
        uint32_t x = (uint32_t) a[i].v;
        unsigned c = rm_list_sum4(h, x), d = h->decide[c];

        if (d == 0 || (d == 1 && m == NULL)) {
            hit[i] = d;
        } else if (c == RM_SUM4_NONE) {
            hit[i] = false;             /* no interval: side_pass, or the mapped form */
            if (l->v6_maps_v4) {
                la[nleft] = a[i];
                left[nleft++] = (uint8_t) i;
            }
        } else if (by_line && x >= lo && x < last) {
            if (m == NULL)
                __builtin_prefetch(&l->ln4.b[bucket4(x, l->l4.shift, l->ln4.bits)]);
            line[nline++] = (uint8_t) i;
        } else {
            la[nleft] = a[i];
            left[nleft++] = (uint8_t) i;
        }
    }
    for (size_t j = 0; j < nline; j++) {
        size_t  i = line[j];
        uint32_t x = (uint32_t) a[i].v;
        int64_t c;
        int     r = line4_find(&l->ln4.b[bucket4(x, l->l4.shift, l->ln4.bits)], line4_off(l, x), &c);

        if (r < 0) {
            la[nleft] = a[i];
            left[nleft++] = (uint8_t) i;
            continue;
        }
        hit[i] = r;
        if (m)
            m[i].entry = c < 0 ? 0 : (uint32_t) c;
    }
    if (nleft == 0)
        return true;
    batch_group(l, la, nleft, lh, m ? lm : NULL);
    for (size_t j = 0; j < nleft; j++) {
        hit[left[j]] = lh[j];
        if (m)
            m[left[j]] = lm[j];
    }
    return true;
}

/*
 * side_pass - the side table for the misses of a group whose intervals
 * the passes above answered.  The group paths take lists with side entries
 * too (not with IPv6 entries over ::ffff:0:0/96, which only rm_list_match
 * answers for IPv4 clients): a client is then matched by its intervals
 * first and by the side table after, as rm_list_match does.  A miss that
 * rm_list_match answered already is asked again, to no effect.
 */
static void side_pass(const rm_list *l, const rm_addr *a, size_t g, bool *hit, rm_match *m)
{
    for (size_t i = 0; i < g; i++) {
        bool    v4 = is_v4(&a[i]);

        if (!hit[i] && a[i].family != RM_AF_NONE)
            hit[i] = rm_index_match_side(l, v4 ? RM_AF_INET : RM_AF_INET6,
                                         v4 ? (uint32_t) a[i].v : a[i].v, m ? &m[i] : NULL);
    }
}

/*
 * direct4_group - a group of IPv4 lookups of a list that stays in the
 * caches, each searched inline (no call, no prefetch).  Returns false,
 * having written nothing, unless every address is IPv4 and no IPv6 entry
 * reaches over ::ffff:0:0/96.  Side entries are side_pass's.
 */
static bool direct4_group(const rm_list *l, const rm_addr *a, size_t g, bool *hit, rm_match *m)
{
    bool    all = !l->v6_maps_v4;

    for (size_t i = 0; i < g; i++)
        all &= a[i].family == RM_AF_INET;
    if (!all)
        return false;
    for (size_t i = 0; i < g; i++) {
        uint32_t x = (uint32_t) a[i].v;
        int64_t c = find4(l, x);

        hit[i] = inside4(l, c, x);
        if (m)
            m[i].entry = c < 0 ? 0 : (uint32_t) c;
    }
    return true;
}

/*
 * rm_list_match_batch - n lookups, each answered as rm_list_match answers,
 * in groups of BATCH_GROUP: inline for a list in the caches
 * (direct4_group), else from the summary (sum4_group) or the line index
 * (line4_group) when a whole group can be, else from the IPv6 keys
 * (v6_group), else by batch_group.
 */
void    rm_list_match_batch(const rm_list *l, const rm_addr *a, size_t n, bool *hit, rm_match *m)
{
    bool    by_line = !l->v6_maps_v4 && l->ln4.bits;
    bool    by_v6 = l->l6.bits && l->k6 > 1;

    for (size_t base = 0; base < n; base += BATCH_GROUP) {
        size_t  g = n - base < BATCH_GROUP ? n - base : BATCH_GROUP;
        rm_match *mg = m ? m + base : NULL;

        /* A list that stays in the caches has no misses to overlap: the
         * prefetch passes would only add work to each lookup. */
        if (l->bytes <= BATCH_DIRECT_BYTES) {
            if (direct4_group(l, a + base, g, hit + base, mg)) {
                if (l->nside)
                    side_pass(l, a + base, g, hit + base, mg);
            } else {
                for (size_t i = base; i < base + g; i++)
                    hit[i] = rm_list_match(l, &a[i], m ? &m[i] : NULL);
            }
            continue;
        }

        /* The next group's addresses, a line at a time: the hardware's
         * stream prefetcher falls behind while this group's misses fill
         * the queues. */
        if (base + 2 * BATCH_GROUP <= n)
            for (const char *p = (const char *) &a[base + BATCH_GROUP];
                 p < (const char *) &a[base + 2 * BATCH_GROUP]; p += 64)
                __builtin_prefetch(p);
        if (!(l->head.sum4 && sum4_group(l, a + base, g, hit + base, mg))
            && !(by_line && line4_group(l, a + base, g, hit + base, mg))
            && !(by_v6 && v6_group(l, a + base, g, hit + base, mg)))
            batch_group(l, a + base, g, hit + base, mg);
        if (l->nside)
            side_pass(l, a + base, g, hit + base, mg);
    }
}
