/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_index - a loaded list's index: sweep, first level, line index,
 * summary, and the single lookup */

/*
 * rm_index owns what happens to a list's records after the loader
 * (rm_list.c) has parsed them into the arena and rm_sort.c has sorted
 * them: the sweep that leaves disjoint intervals at the front, the first
 * level, the line index and the summary built in place, and the single
 * lookup rm_list_match over them.
 * The batch lookup is rm_batch.c's; the record layout and the search
 * steps both lookups share are in rm_list_impl.h.
 *
 * Index.  Entries that are intervals (hosts, prefixes, ranges, contiguous
 * Exchange masks) are records sorted by (lo, hi descending, line).  A sweep
 * moves the records that some earlier record covers completely to the end
 * ("shadowed": they can never be the first answer), and trims the start of
 * a record that overlaps its predecessor partially (only ranges do that),
 * remembering the original start in a small clip table.  What remains at
 * the front is a sorted array of disjoint intervals: the candidate for an
 * address is the last record whose start is <= the address.  A
 * direct-indexed first level (DXR-style) on the bits after the common
 * prefix of all starts narrows the binary search to a few records.
 * Exchange entries with non-contiguous or dead masks match no interval;
 * they live in a side table, matched as (IP AND mask) == net through
 * rm_mask's index: a hash table per distinct mask.
 *
 * Line index.  A large IPv4 list (LINE4_MIN_RECORDS and up) outgrows the
 * caches, and then the first level and the records cost a lookup two or
 * three cache misses.  So the span of its starts is also cut into buckets
 * of at most 2^16 addresses, and each bucket is one 64-byte line that
 * holds, as 16-bit offsets, where each region inside it begins (a record,
 * or a gap after one) and which of the two it is.  One line then answers
 * the lookup: whether x is inside a record, and which.  The few buckets
 * with more boundaries than a line holds are marked full, and their
 * lookups take the first-level path.
 *
 * Summary.  The same lists also get two bits per /24 (4 MiB): none, all
 * or some of its addresses inside the intervals.  rm_list_match reads
 * it inline (rm_list.h), and one byte then answers most IPv4 clients
 * without a call: every client of a "none" /24 of a list without IPv4
 * side entries or IPv6 entries over ::ffff:0:0/96, and every client of an
 * "all" /24 whose caller does not ask which entry matched.  A /24 is "all"
 * only when one record covers it (one covered by several together is
 * "mixed", which costs its lookups the whole path and nothing else).
 * Since no lookup asks the line index about a "none" /24, the line index
 * leaves out the gaps that only such /24s hold (gap_unasked); a bucket
 * then holds about one boundary per record instead of two, and half as
 * many buckets as before do.
 */

#include <assert.h>
#include <string.h>

#include "rm_list_impl.h"
#include "rm_list_isa.h"

/* rec_lo, rec_hi, rec_set_lo - a record of either family, as 128 bits */

static inline rm_u128 rec_lo(const rm_list *l, enum rm_family f, uint32_t i)
{
    return f == RM_AF_INET ? l->r4[i].lo : R6LO(&l->r6[i]);
}

static inline rm_u128 rec_hi(const rm_list *l, enum rm_family f, uint32_t i)
{
    return f == RM_AF_INET ? l->r4[i].hi : R6HI(&l->r6[i]);
}

static inline void rec_set_lo(rm_list *l, enum rm_family f, uint32_t i, rm_u128 v)
{
    if (f == RM_AF_INET) {
        l->r4[i].lo = (uint32_t) v;
    } else {
        l->r6[i].lo_h = (uint64_t) (v >> 64);
        l->r6[i].lo_l = (uint64_t) v;
    }
}

/*
 * sweep - move the records of family f that an earlier record covers
 * behind the indexed ones, and trim the start of a record that overlaps
 * its predecessor partially (only ranges do), remembering in the clip
 * table where it started.  Returns the number of indexed records.
 */
static uint32_t sweep(rm_list *l, enum rm_family f, uint32_t clipcap)
{
    uint32_t n = f == RM_AF_INET ? l->n4 : l->n6;
    uint32_t *m = f == RM_AF_INET ? l->m4 : l->m6;
    uint32_t w = 0;
    rm_u128 maxhi = 0;

    for (uint32_t i = 0; i < n; i++) {
        rm_u128 lo = rec_lo(l, f, i), hi = rec_hi(l, f, i);

        if (w > 0 && hi <= maxhi)
            continue;
        if (w > 0 && lo <= maxhi && l->nclip < clipcap) {
            l->cl[l->nclip].idx = w;
            l->cl[l->nclip].family = f;
            l->cl[l->nclip].orig_lo = lo;
            l->nclip++;
            m[i] |= META_CLIPPED;
            rec_set_lo(l, f, i, maxhi + 1);
        }
        if (i != w) {
            if (f == RM_AF_INET)
                rec_swap((unsigned char *) l->r4, m, sizeof(rec4), w, i);
            else
                rec_swap((unsigned char *) l->r6, m, sizeof(rec6), w, i);
        }
        maxhi = hi;
        w++;
    }
    return w;
}

/* level1_bits - first-level size for k records: about 2^spread per slot */

static unsigned level1_bits(uint64_t k, unsigned spread, unsigned max)
{
    unsigned b = 0;

    while (((uint64_t) 1 << (b + 1)) <= (k >> spread) && b < max)
        b++;
    return k >= 64 ? b : 0;
}

/* line4_bits - line index size for n IPv4 records: 12 to 24 records a
 * bucket (their gaps mostly left out, beside the summary), and at least
 * 2^16 buckets, so that a bucket spans at most 2^16 addresses whatever the
 * common prefix; 0 below LINE4_MIN_RECORDS, where the list stays in the
 * caches and the first level is as fast. */
static unsigned line4_bits(uint64_t n)
{
    unsigned b = 16;

    if (n < LINE4_MIN_RECORDS)
        return 0;
    while (b < 24 && ((uint64_t) 24 << b) <= n)
        b++;
    return b;
}

/* rm_index_plan - the index sizes the arena is laid out for */

void    rm_index_plan(uint64_t n4, uint64_t n6, unsigned *b4, unsigned *b6, unsigned *bl4,
                      size_t *sum4)
{
    /* IPv4: a slot per record or so (4 bytes each); IPv6: one per two, to
     * stay within its memory budget. */
    *b4 = level1_bits(n4, 1, 22);
    *b6 = level1_bits(n6, 1, 21);
    *bl4 = line4_bits(n4);
    /* The summary and the line index go together: the line index leaves
     * out what the summary answers. */
    *sum4 = *bl4 ? SUM4_BYTES : 0;
}

/* steps_for - binary search steps that cover n records */

static unsigned steps_for(uint32_t n)
{
    unsigned s = 0;

    while (((uint64_t) 1 << s) < n)
        s++;
    return s;
}

/* clz128 - leading zero bits of x as a width-bit number */

static unsigned clz128(rm_u128 x, unsigned width)
{
    unsigned n = 0;

    while (n < width && !((x >> (width - 1 - n)) & 1))
        n++;
    return n;
}

/* level1_build - fl[j] is the first record whose slot is >= j */

static void level1_build(level1 *l1, unsigned width, rm_u128 first, rm_u128 last,
                         uint32_t k, rm_u128 (*lo_at)(const void *, uint32_t), const void *recs)
{
    uint32_t slots, i = 0, j;

    l1->shift = clz128(first ^ last, width);
    if (l1->shift >= width)
        l1->bits = 0;
    if (l1->bits > width - l1->shift)
        l1->bits = width - l1->shift;
    if (l1->bits == 0)
        return;
    /* level1_bits() caps bits at 22; clang's analyzer loses that in its
     * loop, and the assertion gives it back. */
    assert(l1->bits < 32);
    slots = (uint32_t) 1 << l1->bits;
    for (j = 0; j < slots; j++) {
        while (i < k && (width == 32 ? bucket4((uint32_t) lo_at(recs, i), l1->shift, l1->bits)
                         : bucket6(lo_at(recs, i), l1->shift, l1->bits)) < j)
            i++;
        l1->fl[j] = i;
    }
    l1->fl[slots] = k;
    {
        uint32_t most = 0;

        for (j = 0; j < slots; j++)
            if (l1->fl[j + 1] - l1->fl[j] > most)
                most = l1->fl[j + 1] - l1->fl[j];
        l1->steps = steps_for(most);
    }
}

/* lo_at4, lo_at6 - record i's start, for level1_build */

static rm_u128 lo_at4(const void *recs, uint32_t i)
{
    return ((const rec4 *) recs)[i].lo;
}

static rm_u128 lo_at6(const void *recs, uint32_t i)
{
    return R6LO(&((const rec6 *) recs)[i]);
}

/* sum4_mark - or code into the summary entry of /24 number p */

static void sum4_mark(uint8_t *s, uint32_t p, unsigned code)
{
    s[p >> 2] |= (uint8_t) (code << ((p & 3) * 2));
}

/*
 * sum4_build - the summary from the swept IPv4 records (disjoint,
 * ascending): the /24s a record covers whole are "all", the /24s at its
 * ends that it covers in part are "mixed" (two records that meet inside
 * a /24 both mark it so), the rest stay "none".  Runs of four whole /24s
 * are one byte each.
 */
static void sum4_build(rm_list *l)
{
    uint8_t *s = (uint8_t *) (uintptr_t) l->head.sum4;

    memset(s, 0, SUM4_BYTES);
    for (uint32_t i = 0; i < l->k4; i++) {
        uint32_t lo = l->r4[i].lo, hi = l->r4[i].hi;
        uint64_t p = (lo >> 8) + ((lo & 0xff) != 0);             /* first whole /24 */
        uint64_t q = ((uint64_t) hi + 1) >> 8;                     /* one past the last */

        if (lo & 0xff)
            sum4_mark(s, lo >> 8, RM_SUM4_MIXED);
        if ((hi & 0xff) != 0xff)
            sum4_mark(s, hi >> 8, RM_SUM4_MIXED);
        for (; p < q && (p & 3); p++)
            sum4_mark(s, (uint32_t) p, RM_SUM4_ALL);
        if (p < q && q - p >= 4) {
            memset(s + (p >> 2), 0x55, (size_t) ((q - p) >> 2));
            p += (q - p) & ~(uint64_t) 3;
        }
        for (; p < q; p++)
            sum4_mark(s, (uint32_t) p, RM_SUM4_ALL);
    }
}

/*
 * gap_unasked - may the line index leave out the gap that starts at e,
 * the address after record i?  It may when no lookup asks the line index
 * about any address from e to the next boundary in e's bucket, that is
 * when all of them lie in "none" /24s (sum4_none): when e starts a /24
 * and the next record starts a /24 too, or starts in a /24 that begins
 * past the bucket.  Without a summary it may not.
 */
static bool gap_unasked(const rm_list *l, uint32_t i, uint32_t e)
{
    uint64_t end = (uint64_t) (e | (((uint32_t) 1 << l->ln4.span) - 1)) + 1;
    uint32_t s;

    if (l->head.sum4 == NULL || (e & 0xff) != 0)
        return false;
    if (i + 1 == l->k4)
        return true;
    s = l->r4[i + 1].lo;
    return (s & 0xff) == 0 || (uint64_t) (s & ~(uint32_t) 0xff) >= end;
}

/* line4_add - add boundary x (type 1: a record starts, 0: a gap) to its
 * bucket, or mark the bucket full */

static void line4_add(line4 *ln, unsigned shift, uint32_t x, uint32_t type)
{
    lbucket *bk = &ln->b[bucket4(x, shift, ln->bits)];
    uint32_t n = bk->info >> 27;

    if (n == LINE4_FULL)
        return;
    if (n == LINE4_CAP) {
        bk->info = LINE4_FULL << 27;
        return;
    }
    bk->off[n] = (uint16_t) (x & (((uint32_t) 1 << ln->span) - 1));
    bk->info = ((bk->info & LINE4_TYPE_MASK) | (type << n)) | ((n + 1) << 27);
}

/*
 * line4_build - fill the line index from the swept IPv4 records (disjoint,
 * ascending), after level1_build has found their common prefix.  The
 * boundaries are each record's start, and the address after its end unless
 * the next record starts there; they come in ascending order.
 */
static void line4_build(rm_list *l)
{
    line4  *ln = &l->ln4;
    const rec4 *r = l->r4;
    uint32_t k = l->k4, nb, i = 0;
    unsigned shift = l->l4.shift;
    uint32_t top, prefix;

    if (ln->bits == 0 || k < 2 || l->l4.bits == 0 || shift >= 32) {
        ln->bits = 0;
        return;
    }
    if (ln->bits > 32 - shift)
        ln->bits = 32 - shift;
    ln->span = 32 - shift - ln->bits;
    nb = (uint32_t) 1 << ln->bits;
    top = shift ? ~(0xffffffffu >> shift) : 0;
    prefix = r[0].lo & top;
    for (uint32_t j = 0; j < nb; j++) {
        uint32_t start = prefix | (uint32_t) ((uint64_t) j << ln->span);
        uint32_t carry;

        while (i < k && r[i].lo < start)
            i++;
        carry = i > 0 && r[i - 1].hi >= start;
        memset(ln->b[j].off, 0xff, sizeof(ln->b[j].off));
        ln->b[j].base = i | (carry << 31);
        ln->b[j].info = 0;
    }
    for (i = 0; i < k; i++) {
        uint32_t e = r[i].hi + 1;

        line4_add(ln, shift, r[i].lo, 1);
        if (r[i].hi != 0xffffffffu && (i + 1 == k || r[i + 1].lo != e) && (e & top) == prefix
            && !gap_unasked(l, i, e))
            line4_add(ln, shift, e, 0);
    }
}

/* maps_v4 - does some IPv6 entry reach into ::ffff:0:0/96?  IPv4 clients
 * are matched as IPv4, but such an entry (::/80, say) matches them too, so
 * lookups of IPv4 clients must also try the mapped form. */

static bool maps_v4(const rm_list *l)
{
    for (uint32_t i = 0; i < l->k6; i++)
        if (R6LO(&l->r6[i]) <= RM_V4_MAPPED_HI && R6HI(&l->r6[i]) >= RM_V4_MAPPED_LO)
            return true;
    for (uint32_t i = 0; i < l->nside; i++)
        if (l->sd[i].family == RM_AF_INET6
            && ((RM_V4_MAPPED_LO ^ l->sd[i].net) & l->sd[i].mask & ~(rm_u128) 0xffffffffu) == 0)
            return true;
    return false;
}

/* rm_index_build - sort, sweep and index the parsed records in place */

void    rm_index_build(rm_list *l, uint32_t clipcap)
{
    rm_index_sort4(l->r4, l->m4, l->n4);
    rm_index_sort6(l->r6, l->m6, l->n6);
    l->k4 = sweep(l, RM_AF_INET, clipcap);
    l->k6 = sweep(l, RM_AF_INET6, clipcap);
    for (uint32_t i = 0; i < l->n6; i++)
        l->key6[i] = l->r6[i].lo_h;
    l->v6_maps_v4 = maps_v4(l);
    if (l->k4 > 1)
        level1_build(&l->l4, 32, l->r4[0].lo, l->r4[l->k4 - 1].lo, l->k4, lo_at4, l->r4);
    else
        l->l4.bits = 0;
    if (l->l4.bits == 0)
        l->l4.steps = steps_for(l->k4);
    if (l->k6 > 1)
        level1_build(&l->l6, 128, R6LO(&l->r6[0]), R6LO(&l->r6[l->k6 - 1]), l->k6, lo_at6, l->r6);
    else
        l->l6.bits = 0;
    if (l->l6.bits == 0)
        l->l6.steps = steps_for(l->k6);
    /* A "none" /24 answers a client alone only if nothing else can match
     * it: no IPv4 side entry, no IPv6 entry over ::ffff:0:0/96. */
    l->head.decide[RM_SUM4_NONE] = rm_mask_groups(&l->mx, RM_AF_INET) == 0 && !l->v6_maps_v4 ? 0 : 2;
    l->head.decide[RM_SUM4_ALL] = 1;
    l->head.decide[RM_SUM4_MIXED] = 2;
    l->head.decide[3] = 2;
    if (l->head.sum4)
        sum4_build(l);
    line4_build(l);
    l->fast4 = l->ln4.bits && l->nside == 0 && !l->v6_maps_v4;
    if (l->fast4) {
        l->lo4 = l->r4[0].lo;
        l->span4 = l->r4[l->k4 - 1].lo - l->lo4;
    }
}

/* rm_index_match_side - the side table, through its index */

bool    rm_index_match_side(const rm_list *l, enum rm_family f, rm_u128 v, rm_match *m)
{
    int64_t s = rm_mask_find(&l->mx, f, v);

    if (s < 0)
        return false;
    if (m)
        m->entry = l->n4 + l->n6 + (uint32_t) s;
    return true;
}

/* match6 - an IPv6 client: its intervals, then the side table */

static bool match6(const rm_list *l, rm_u128 v, rm_match *m)
{
    int64_t i = find6(l, v);
    bool    hit = inside6(l, i, v);

    if (m)
        m->entry = l->n4 + (i < 0 ? 0 : (uint32_t) i);
    if (l->nside == 0)
        return hit;
    return hit || rm_index_match_side(l, RM_AF_INET6, v, m);
}

/* match_slow - does a match any entry?  IPv4-mapped IPv6 addresses are
 * IPv4 clients: they match IPv4 entries, and IPv6 entries that cover their
 * mapped form.  Every lookup the fast path below does not answer. */

static bool match_slow(const rm_list *l, const rm_addr *a, rm_match *m)
{
    uint32_t x;
    int64_t i, b;
    int     h;
    bool    hit;

    if (a->family == RM_AF_INET6) {
        if ((a->v >> 32) != 0xffff)
            return match6(l, a->v, m);
        x = (uint32_t) a->v;
    } else if (a->family == RM_AF_INET) {
        x = (uint32_t) a->v;
    } else {
        return false;
    }
    b = line4_slot(l, x);
    i = -1;
    h = b < 0 ? -1 : sum4_none(l, x) ? 0 : line4_find(&l->ln4.b[b], line4_off(l, x), &i);
    if (h < 0)
        i = find4(l, x);
    hit = h >= 0 ? h : inside4(l, i, x);
    if (m)
        m->entry = i < 0 ? 0 : (uint32_t) i;
    if (l->nside == 0 && !l->v6_maps_v4)
        return hit;
    if (hit)
        return true;
    if (l->nside && rm_index_match_side(l, RM_AF_INET, x, m))
        return true;
    return l->v6_maps_v4 && match6(l, RM_V4_MAPPED_LO | x, m);
}

/* pop32_hw - bits set in v, by the processor's popcnt where the caller
 * is compiled for it */

static inline __attribute__((always_inline)) unsigned pop32_hw(uint32_t v)
{
    return (unsigned) __builtin_popcount(v);
}

/*
 * match_fast - the single lookup.  The common shape, an IPv4 client of a
 * large IPv4 list without side entries, is answered inline from the
 * client's line index bucket: a family test, a range test, one cache line,
 * a few vector compares; the entry's index (a popcount) is computed only
 * when the caller asks for it.  Everything else goes to match_slow.  The
 * body is inlined twice, with the generic popcount (hw false) and with the
 * processor's popcnt instruction; rm_list_match_full calls the one this
 * processor runs (chosen once, at start), and both are tested.  (The
 * summary is read before either, inline in rm_list_match; they read it
 * again, so that each answers any client alone.)
 */
static inline __attribute__((always_inline)) bool match_fast(const rm_list *l, const rm_addr *a,
                                                             rm_match *m, bool hw)
{
    uint32_t x = (uint32_t) a->v;

    if (a->family == RM_AF_INET && l->fast4 && x - l->lo4 < l->span4) {
        const lbucket *bk;
        uint32_t info, n;

        if (sum4_none(l, x))
            return false;               /* fast4: nothing else can match x */
        bk = &l->ln4.b[bucket4(x, l->l4.shift, l->ln4.bits)];
        info = bk->info;
        n = info >> 27;
        if (n != LINE4_FULL) {
            uint32_t le = line4_le(bk, line4_off(l, x)) & (((uint32_t) 1 << n) - 1);
            uint32_t t = ((info & LINE4_TYPE_MASK) << 1) | (bk->base >> 31);
            uint32_t h = (t >> __builtin_ctz(~le)) & 1;

            if (m)
                m->entry = h ? (bk->base & 0x7fffffffu)
                    + (hw ? pop32_hw(info & le) : pop32(info & le)) - 1 : 0;
            return h;
        }
    }
    return match_slow(l, a, m);
}

/* rm_list_match_generic - the single lookup, for any x86-64 or other */

bool    rm_list_match_generic(const rm_list *l, const rm_addr *a, rm_match *m)
{
    return match_fast(l, a, m, false);
}

#if RM_HAVE_POPCNT
/* rm_list_match_popcnt - the single lookup, for processors with popcnt */

__attribute__((target("popcnt")))
bool    rm_list_match_popcnt(const rm_list *l, const rm_addr *a, rm_match *m)
{
    return match_fast(l, a, m, true);
}

/* Whether this processor has popcnt: asked once, at program start, by a
 * constructor (an ifunc resolver would run before the sanitizers are up). */
static bool have_popcnt;

static void __attribute__((constructor)) pick_match(void)
{
    __builtin_cpu_init();
    have_popcnt = __builtin_cpu_supports("popcnt");
}

/* rm_list_match_full - the build this processor runs */

bool    rm_list_match_full(const rm_list *l, const rm_addr *a, rm_match *m)
{
    return have_popcnt ? rm_list_match_popcnt(l, a, m) : rm_list_match_generic(l, a, m);
}

/* rm_list_match_isa - the build rm_list_match runs */

const char *rm_list_match_isa(void)
{
    return have_popcnt ? "popcnt" : "generic";
}
#else
/* rm_list_match_full, rm_list_match_isa - the generic build, the only one */

bool    rm_list_match_full(const rm_list *l, const rm_addr *a, rm_match *m)
{
    return rm_list_match_generic(l, a, m);
}

const char *rm_list_match_isa(void)
{
    return "generic";
}
#endif

/* rm_list_index_stats - what the index is made of */

void    rm_list_index_stats(const rm_list *l, rm_index_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->indexed4 = l->k4;
    st->indexed6 = l->k6;
    st->slots4 = l->l4.bits ? (uint32_t) 1 << l->l4.bits : 0;
    st->slots6 = l->l6.bits ? (uint32_t) 1 << l->l6.bits : 0;
    st->masks4 = rm_mask_groups(&l->mx, RM_AF_INET);
    st->masks6 = rm_mask_groups(&l->mx, RM_AF_INET6);
    for (uint32_t p = 0; l->head.sum4 && p < (1u << 24); p++) {
        unsigned c = (l->head.sum4[p >> 2] >> ((p & 3) * 2)) & 3u;

        st->sum4[c < 3 ? c : RM_SUM4_MIXED]++;
    }
    if (l->ln4.bits == 0)
        return;
    st->buckets4 = (uint32_t) 1 << l->ln4.bits;
    for (uint32_t j = 0; j < st->buckets4; j++)
        st->full4 += (l->ln4.b[j].info >> 27) == LINE4_FULL;
}
