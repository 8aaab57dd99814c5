/* SPDX-License-Identifier: BSD-2-Clause */
/* check_mask - Exchange entries with non-contiguous masks, through rm_mask's index */

/*
 * Random lists of Exchange entries whose masks are not prefixes (some with
 * a dead net, some written twice, IPv4 and IPv6, among prefixes in some
 * rounds) are asked about random addresses and addresses built inside
 * their entries.  The oracle is the definition itself, checked entry by
 * entry in file order: (address AND mask) == net, or lo <= address <= hi
 * for a prefix.  The answer must agree, one lookup at a time (through each
 * build of rm_list_match) and in batches; the entry reported must contain
 * the address and, in a list of such entries alone, be the first that
 * does.  The index must hold one table per distinct live mask.
 */

#include "config.h"

#include <check.h>
#include <stdbool.h>

#include "unit_util.h"
#include "rm_list_isa.h"

#define MAX_ENTRIES 3000

typedef struct tentry {
    enum rm_family family;
    bool    side;                       /* Exchange entry with a mask; else a prefix */
    rm_u128 net, mask;                  /* side */
    rm_u128 lo, hi;                     /* prefix */
} tentry;

typedef struct tlist {
    tentry  e[MAX_ENTRIES];
    size_t  n;
    char    text[MAX_ENTRIES * 100];
    size_t  len;
} tlist;

static rm_u128 all_of(enum rm_family f)
{
    return f == RM_AF_INET ? (rm_u128) 0xffffffffu : ~(rm_u128) 0;
}

/* hole_mask - ones with 1..8 zero bits between them, never a prefix */

static rm_u128 hole_mask(u_rng *r, enum rm_family f)
{
    unsigned bits = f == RM_AF_INET ? 32 : 128;

    for (;;) {
        unsigned top = 1 + (unsigned) u_below(r, bits / 2);      /* leading ones */
        unsigned hole = 1 + (unsigned) u_below(r, 8);
        unsigned more = 1 + (unsigned) u_below(r, bits / 4);     /* ones after the hole */
        rm_u128 m;

        if (top + hole + more > bits)
            continue;
        m = (all_of(f) << (bits - top)) & all_of(f);
        m |= ((((rm_u128) 1 << more) - 1) << (bits - top - hole - more));
        if (u_below(r, 4) == 0 && top + hole + more + 2 < bits)
            m |= 1;                     /* and a last one far below */
        if (rm_plen_from_mask(m, bits) < 0)
            return m;
    }
}

/* add_text - a line "a;b" (b given) or "a/" (a prefix's start) */

static void add_text(tlist *l, const rm_addr *a, const rm_addr *b)
{
    char    x[RM_ADDR_STRLEN], y[RM_ADDR_STRLEN];

    rm_addr_format(a, x, sizeof(x));
    if (b) {
        rm_addr_format(b, y, sizeof(y));
        l->len += (size_t) snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s;%s\n", x, y);
    } else {
        l->len += (size_t) snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s/", x);
    }
}

static void add_text_host(char *text, size_t *len, const rm_addr *a)
{
    char    x[RM_ADDR_STRLEN];

    rm_addr_format(a, x, sizeof(x));
    *len += (size_t) sprintf(text + *len, "%s\n", x);
}

static void add_text_side(char *text, size_t *len, const rm_addr *a, const rm_addr *b)
{
    char    x[RM_ADDR_STRLEN], y[RM_ADDR_STRLEN];

    rm_addr_format(a, x, sizeof(x));
    rm_addr_format(b, y, sizeof(y));
    *len += (size_t) sprintf(text + *len, "%s;%s\n", x, y);
}

static rm_addr mk(enum rm_family f, rm_u128 v)
{
    rm_addr a;

    memset(&a, 0, sizeof(a));
    a.family = f;
    a.v = v;
    return a;
}

/* build - n entries drawn from nmask masks; prefixes too when mixed */

static void build(u_rng *r, tlist *l, size_t n, unsigned nmask, bool mixed)
{
    rm_u128 masks[2][64];
    rm_u128 v6base = ((rm_u128) 0x20010db8u) << 96;

    memset(l, 0, sizeof(*l));
    for (unsigned k = 0; k < nmask; k++) {
        masks[0][k] = hole_mask(r, RM_AF_INET);
        masks[1][k] = hole_mask(r, RM_AF_INET6);
    }
    while (l->n < n) {
        tentry *e = &l->e[l->n];
        bool    v6 = u_below(r, 4) == 0;
        rm_addr a, b;

        e->family = v6 ? RM_AF_INET6 : RM_AF_INET;
        if (mixed && u_below(r, 3) == 0) {
            unsigned plen = v6 ? 32 + (unsigned) u_below(r, 97) : 8 + (unsigned) u_below(r, 25);
            rm_u128 host = rm_mask_from_plen(plen, v6 ? 128 : 32) ^ all_of(e->family);
            rm_u128 v = v6 ? v6base | (u_rand128(r) & ((((rm_u128) 1) << 96) - 1)) : (uint32_t) u_rand64(r);

            e->lo = v & ~host & all_of(e->family);
            e->hi = e->lo | host;
            a = mk(e->family, e->lo);
            add_text(l, &a, NULL);
            l->len += (size_t) snprintf(l->text + l->len, sizeof(l->text) - l->len, "%u\n", plen);
        } else {
            e->side = true;
            e->mask = masks[v6][u_below(r, nmask)];
            if (l->n > 0 && u_below(r, 10) == 0 && l->e[l->n - 1].side && l->e[l->n - 1].family == e->family) {
                e->mask = l->e[l->n - 1].mask;                  /* written twice */
                e->net = l->e[l->n - 1].net;
            } else {
                rm_u128 v = v6 ? v6base | (u_rand128(r) & ((((rm_u128) 1) << 96) - 1)) : (uint32_t) u_rand64(r);

                e->net = v & e->mask;
                if (u_below(r, 12) == 0)
                    e->net |= ~e->mask & all_of(e->family) & (0 - (~e->mask & all_of(e->family)));  /* dead */
            }
            a = mk(e->family, e->net);
            b = mk(e->family, e->mask);
            add_text(l, &a, &b);
        }
        l->n++;
    }
}

/* covers - does e contain a?  An IPv4 client is also its IPv4-mapped form,
 * which IPv6 entries may contain. */
static bool covers(const tentry *e, const rm_addr *a)
{
    if (e->family == RM_AF_INET6 && a->family == RM_AF_INET) {
        rm_addr m = mk(RM_AF_INET6, RM_V4_MAPPED_LO | a->v);

        return covers(e, &m);
    }
    if (e->family != a->family)
        return false;
    if (e->side)
        return (a->v & e->mask) == e->net;
    return a->v >= e->lo && a->v <= e->hi;
}

/* first - the first entry (file order) that contains a, or -1; an IPv4
 * client's own family first, then the IPv6 entries over its mapped form */

static long first(const tlist *l, const rm_addr *a)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < l->n; i++)
            if ((l->e[i].family == a->family) == (pass == 0) && covers(&l->e[i], a))
                return (long) i;
    return -1;
}

static rm_addr query(u_rng *r, const tlist *l)
{
    const tentry *e = &l->e[u_below(r, l->n)];
    rm_u128 v = u_rand128(r) & all_of(e->family);

    if (u_below(r, 2) == 0)             /* anywhere in the entries' space */
        return mk(e->family, e->family == RM_AF_INET ? v
                  : (((rm_u128) 0x20010db8u) << 96) | (v & ((((rm_u128) 1) << 96) - 1)));
    if (e->side)
        return mk(e->family, e->net | (v & ~e->mask & all_of(e->family)));
    return mk(e->family, e->lo | (v & (e->hi - e->lo)));
}

/* distinct_live - distinct masks of live non-contiguous entries of f */

static uint32_t distinct_live(const tlist *l, enum rm_family f)
{
    rm_u128 seen[64];
    uint32_t n = 0;

    for (size_t i = 0; i < l->n; i++) {
        const tentry *e = &l->e[i];
        uint32_t k;

        if (!e->side || e->family != f || (e->net & ~e->mask) != 0)
            continue;
        for (k = 0; k < n && seen[k] != e->mask; k++)
            continue;
        if (k == n)
            seen[n++] = e->mask;
    }
    return n;
}

typedef bool (*lookup_fn)(const rm_list *, const rm_addr *, rm_match *);

static void ask(const rm_list *l, const tlist *t, lookup_fn fn, const rm_addr *q, size_t nq,
                bool mixed, int round, size_t *matched)
{
    bool    bh[256];
    rm_match bm[256];

    for (size_t base = 0; base < nq; base += 256) {
        size_t  g = nq - base < 256 ? nq - base : 256;

        rm_list_match_batch(l, q + base, g, bh, bm);
        for (size_t i = base; i < base + g; i++) {
            long    want = first(t, &q[i]);
            rm_match m;
            rm_entry_info info;
            char    as[RM_ADDR_STRLEN];
            bool    got = fn(l, &q[i], &m);

            if (got != (want >= 0)) {
                char    text[RM_ENTRY_STRLEN] = "";

                if (got && rm_list_entry(l, m.entry, &info) == 0)
                    rm_entry_format(&info.entry, text, sizeof(text));
                ck_abort_msg("round %d: %s: want %s, got %s (entry %u, line %u, \"%s\")", round, u_fmt(&q[i], as),
                             want >= 0 ? "match" : "no match", got ? "match" : "no match",
                             got ? m.entry : 0, got ? info.line : 0, text);
            }
            U_CHECK(bh[i - base] == got, "round %d: %s: batch and single disagree", round, u_fmt(&q[i], as));
            if (!got)
                continue;
            (*matched)++;
            U_CHECK(bm[i - base].entry == m.entry, "round %d: %s: batch names entry %u, single %u",
                    round, u_fmt(&q[i], as), bm[i - base].entry, m.entry);
            U_CHECK(rm_list_entry(l, m.entry, &info) == 0, "rm_list_entry failed");
            U_CHECK(info.line >= 1 && info.line <= t->n && covers(&t->e[info.line - 1], &q[i]),
                    "round %d: %s: reported line %u does not contain it", round, u_fmt(&q[i], as), info.line);
            if (!mixed)
                U_CHECK((long) info.line - 1 == want, "round %d: %s: reported line %u, the first is %ld",
                        round, u_fmt(&q[i], as), info.line, want + 1);
        }
    }
}

static const lookup_fn builds[] = {
    rm_list_match,
    rm_list_match_generic,
};

START_TEST(test_mask_random)
{
    static const unsigned nmasks[] = {1, 2, 16, 40};
    static const size_t sizes[] = {1, 5, 50, 400, 3000};
    static tlist t;
    static rm_addr q[4096];
    u_rng   r = {u_seed("check_mask random")};
    size_t  matched = 0, total = 0;

    for (int round = 0; round < 40; round++) {
        bool    mixed = round % 2;
        rm_list *l = NULL;
        rm_diag d;
        rm_index_stats st;
        size_t  nq = 4096;

        build(&r, &t, sizes[round % NELEM(sizes)], nmasks[(round / 2) % NELEM(nmasks)], mixed);
        rm_diag_init(&d);
        ck_assert_msg(rm_list_load_buffer("masks", t.text, t.len, NULL, &l, &d) == 0, "round %d: load failed", round);
        rm_list_index_stats(l, &st);
        ck_assert_uint_eq(st.masks4, distinct_live(&t, RM_AF_INET));
        ck_assert_uint_eq(st.masks6, distinct_live(&t, RM_AF_INET6));
        for (size_t i = 0; i < nq; i++)
            q[i] = query(&r, &t);
        ask(l, &t, builds[round % NELEM(builds)], q, nq, mixed, round, &matched);
        total += nq;
        rm_list_free(l);
    }
    printf("check_mask: %zu addresses, %zu matched\n", total, matched);
    ck_assert_msg(matched > total / 5, "only %zu of %zu matched: the test is blind", matched, total);
}
END_TEST

/* Many entries of one mask land in one table, probed once; entries of a
 * dead mask are in none; a list of them alone matches nothing. */
START_TEST(test_mask_tables)
{
    static const char text[] =
        "10.0.5.0;255.0.255.0\n"        /* 1 */
        "10.1.5.0;255.0.255.0\n"        /* 2: the same net as 1 under the mask */
        "11.0.6.0;255.0.255.0\n"        /* 3 */
        "12.0.0.1;255.0.255.0\n"        /* 4: dead */
        "192.0.0.7;255.0.0.255\n";      /* 5 */
    rm_list *l = NULL;
    rm_diag d;
    rm_index_stats st;
    rm_match m;
    rm_entry_info info;
    rm_addr a;
    static const struct {
        const char *addr;
        unsigned line;                  /* 0: no match */
    } cases[] = {
        {"10.77.5.9", 1}, {"10.1.5.0", 1}, {"11.200.6.255", 3}, {"11.200.7.255", 0},
        {"12.0.0.1", 0}, {"12.5.0.1", 0}, {"192.1.2.7", 5}, {"192.1.2.8", 0}, {"9.0.5.0", 0},
    };

    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load_buffer("t", text, sizeof(text) - 1, NULL, &l, &d), 0);
    rm_list_index_stats(l, &st);
    ck_assert_uint_eq(st.masks4, 2);
    ck_assert_uint_eq(st.masks6, 0);
    for (size_t i = 0; i < NELEM(cases); i++) {
        bool    got;

        ck_assert_int_eq(rm_addr_from_str(cases[i].addr, &a, NULL), 0);
        got = rm_list_match(l, &a, &m);
        ck_assert_msg(got == (cases[i].line != 0), "%s: want %s", cases[i].addr, cases[i].line ? "match" : "no match");
        if (!got)
            continue;
        ck_assert_int_eq(rm_list_entry(l, m.entry, &info), 0);
        ck_assert_msg(info.line == cases[i].line, "%s: line %u, want %u", cases[i].addr, info.line, cases[i].line);
    }
    rm_list_free(l);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load_buffer("dead", "12.0.0.1;255.0.255.0\n", 21, NULL, &l, &d), 0);
    rm_list_index_stats(l, &st);
    ck_assert_uint_eq(st.masks4, 0);
    ck_assert_int_eq(rm_addr_from_str("12.0.0.1", &a, NULL), 0);
    ck_assert(!rm_list_match(l, &a, &m));
    rm_list_free(l);
}
END_TEST

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

    return x < y ? -1 : x > y;
}

/*
 * A list large enough for the IPv4 line index (and the batch paths that
 * answer whole groups from it), with non-contiguous entries beside its
 * hosts: batches must still consult them after the line index misses.
 */
START_TEST(test_mask_line_index)
{
    enum { HOSTS = 450000, SIDES = 300, QUERIES = 200000 };
    u_rng   r = {u_seed("check_mask line index")};
    uint32_t *h = malloc(HOSTS * sizeof(*h));
    char   *text = malloc((size_t) HOSTS * 18 + SIDES * 40);
    rm_addr *q = malloc(QUERIES * sizeof(*q));
    bool   *bh = malloc(QUERIES * sizeof(*bh));
    rm_match *bm = malloc(QUERIES * sizeof(*bm));
    uint32_t sn[SIDES], sm[SIDES], masks[16];
    size_t  len = 0, matched = 0, by_side = 0;
    rm_list *l = NULL;
    rm_diag d;
    rm_index_stats st;

    ck_assert(h && text && q && bh && bm);
    /* At least 16 ones each, so that misses stay common: a mask of a few
     * ones would match most addresses. */
    for (int k = 0; k < 16; k++)
        do
            masks[k] = (uint32_t) hole_mask(&r, RM_AF_INET);
        while (__builtin_popcount(masks[k]) < 16);
    for (size_t i = 0; i < HOSTS; i++) {
        rm_addr a = u_v4(h[i] = (uint32_t) u_rand64(&r));

        add_text_host(text, &len, &a);
    }
    for (size_t i = 0; i < SIDES; i++) {
        rm_addr a, b;

        sm[i] = masks[u_below(&r, 16)];
        sn[i] = (uint32_t) u_rand64(&r) & sm[i];
        a = u_v4(sn[i]);
        b = u_v4(sm[i]);
        add_text_side(text, &len, &a, &b);
    }
    qsort(h, HOSTS, sizeof(*h), cmp_u32);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load_buffer("big", text, len, NULL, &l, &d), 0);
    rm_list_index_stats(l, &st);
    ck_assert_uint_gt(st.buckets4, 0);
    for (size_t i = 0; i < QUERIES; i++) {
        uint32_t v = (uint32_t) u_rand64(&r);
        size_t  k = u_below(&r, SIDES);

        switch (u_below(&r, 3)) {
        case 0:
            v = h[u_below(&r, HOSTS)];
            break;
        case 1:
            v = sn[k] | (v & ~sm[k]);
            break;
        }
        q[i] = u_v4(v);
    }
    rm_list_match_batch(l, q, QUERIES, bh, bm);
    for (size_t i = 0; i < QUERIES; i++) {
        uint32_t v = (uint32_t) q[i].v;
        bool    want = bsearch(&v, h, HOSTS, sizeof(*h), cmp_u32) != NULL, side = false;
        rm_match m;
        char    as[RM_ADDR_STRLEN];
        bool    got;

        for (size_t k = 0; k < SIDES && !want; k++)
            want = side = (v & sm[k]) == sn[k];
        got = rm_list_match(l, &q[i], &m);
        U_CHECK(got == want, "%s: want %s, got %s", u_fmt(&q[i], as), want ? "match" : "no match",
                got ? "match" : "no match");
        U_CHECK(bh[i] == got, "%s: batch says %s", u_fmt(&q[i], as), bh[i] ? "match" : "no match");
        U_CHECK(!got || bm[i].entry == m.entry, "%s: batch names entry %u, single %u", u_fmt(&q[i], as),
                bm[i].entry, m.entry);
        matched += got;
        by_side += side;
    }
    printf("check_mask: line index: %d addresses, %zu matched, %zu by a non-contiguous entry alone\n",
           QUERIES, matched, by_side);
    ck_assert_uint_gt(by_side, QUERIES / 5);
    ck_assert_uint_lt(matched, QUERIES - QUERIES / 10);
    rm_list_free(l);
    free(h);
    free(text);
    free(q);
    free(bh);
    free(bm);
}
END_TEST

static Suite *mask_suite(void)
{
    Suite  *s = suite_create("mask");
    TCase  *tc = tcase_create("index");

    tcase_add_test(tc, test_mask_tables);
    tcase_add_test(tc, test_mask_random);
    tcase_add_test(tc, test_mask_line_index);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(mask_suite());
}
