/* SPDX-License-Identifier: BSD-2-Clause */
/* check_list - loading and matching whole lists, against libcidr */

/*
 * The Exchange 5.5 service this project replaces crashed when its allow
 * list held two entries (KB Q179289), so lists of 2, 3 and 1000 entries
 * come first.  Then overlapping entries and provenance, IPv4-mapped
 * clients, Exchange's non-contiguous and dead masks, the caps, and a
 * randomized cross-check of every answer against libcidr's cidr_contains.
 */

#include <libcidr.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "unit_util.h"
#include "rm_list_impl.h"
#include "rm_list_isa.h"

#define LIST_NAME "t.list"
#define ALL32 ((rm_u128) 0xffffffffu)
#define ALL128 (~(rm_u128) 0)
#define MAPPED(v4) ((((rm_u128) 0xffff) << 32) | (rm_u128) (v4))

static char sentinel_storage;
#define SENTINEL ((rm_list *) (void *) &sentinel_storage)

/* What the test itself knows about one entry it wrote. */

typedef struct want_entry {
    unsigned line;
    enum rm_family family;
    bool    interval;                   /* else Exchange net;mask */
    bool    dead;
    rm_u128 lo, hi;
    rm_u128 net, mask;
    char    text[RM_ENTRY_STRLEN];      /* canonical, as rm_entry_format should say */
} want_entry;

static rm_addr mkaddr(enum rm_family f, rm_u128 v)
{
    rm_addr a;

    a.family = f;
    a.v = v;
    return a;
}

static bool want_contains(const want_entry *w, const rm_addr *a)
{
    if (w->family != a->family)
        return false;
    if (w->interval)
        return w->lo <= a->v && a->v <= w->hi;
    return !w->dead && (a->v & w->mask) == w->net;
}

/* entry_contains - does the entry as the list describes it contain a? */

static bool entry_contains(const rm_entry *e, const rm_addr *a)
{
    if (e->family != a->family)
        return false;
    if (e->interval)
        return e->lo <= a->v && a->v <= e->hi;
    return (a->v & e->mask) == e->net;
}

/*
 * The IPv4-mapped rule of the library: an IPv4 client is matched by IPv4
 * entries, and by IPv6 entries that contain its mapped form ::ffff:a.b.c.d
 * (an IPv6 entry such as ::/80 reaches into ::ffff:0:0/96).
 */
static rm_addr mapped_of(const rm_addr *a)
{
    return mkaddr(RM_AF_INET6, MAPPED(a->v));
}

static bool want_covers(const want_entry *w, const rm_addr *a)
{
    rm_addr m6;

    if (want_contains(w, a))
        return true;
    if (a->family != RM_AF_INET)
        return false;
    m6 = mapped_of(a);
    return want_contains(w, &m6);
}

static bool entry_covers(const rm_entry *e, const rm_addr *a)
{
    rm_addr m6;

    if (entry_contains(e, a))
        return true;
    if (a->family != RM_AF_INET)
        return false;
    m6 = mapped_of(a);
    return entry_contains(e, &m6);
}

/*
 * The builds of the single lookup (rm_list_isa.h): the loop tests below
 * run once through each, so that the build this processor does not pick
 * is tested as well as the one it does.  lookup is the one in use.
 */
typedef bool (*lookup_fn)(const rm_list *, const rm_addr *, rm_match *);

static const struct {
    const char *name;
    lookup_fn fn;
} lookups[] = {
    {"rm_list_match", rm_list_match},
    {"generic", rm_list_match_generic},
#if RM_HAVE_POPCNT
    {"popcnt", rm_list_match_popcnt},
#endif
};

static lookup_fn lookup = rm_list_match;

/* use_lookup - test through build i; false if this processor cannot run it */
static bool use_lookup(int i)
{
#if RM_HAVE_POPCNT
    __builtin_cpu_init();
    if (lookups[i].fn == rm_list_match_popcnt && !__builtin_cpu_supports("popcnt")) {
        printf("check_list: no popcnt on this processor; its build is not run\n");
        return false;
    }
#endif
    lookup = lookups[i].fn;
    printf("check_list: lookups through %s (rm_list_match runs %s)\n", lookups[i].name, rm_list_match_isa());
    return true;
}

static const char *fmt_v(enum rm_family f, rm_u128 v, char *buf)
{
    rm_addr a = mkaddr(f, v);

    rm_addr_format(&a, buf, RM_ADDR_STRLEN);
    return buf;
}

static rm_list *load_ok(const char *buf, size_t len, const rm_limits *lim)
{
    rm_list *l = SENTINEL;
    rm_diag d;
    char    dump[8192];

    rm_diag_init(&d);
    ck_assert_msg(rm_list_load_buffer(LIST_NAME, buf, len, lim, &l, &d) == 0,
                  "load failed: %s", u_diag_dump(&d, dump, sizeof(dump)));
    ck_assert_msg(l != SENTINEL && l != NULL, "load returned 0 without a list");
    ck_assert_uint_eq(d.errors, 0);
    return l;
}

/*
 * check_addr - ask the list about a; the answer must be "some wanted entry
 * contains a", and the entry reported must contain a both as the list
 * describes it and as the test wrote it on that line.
 */
static void check_addr(const rm_list *l, const want_entry *w, size_t n, rm_addr a, const char *ctx)
{
    rm_match m;
    bool    want = false, got;
    char    as[RM_ADDR_STRLEN], text[RM_ENTRY_STRLEN];
    rm_entry_info info;
    size_t  k;
    rm_addr asked = a;

    /* An IPv4-mapped client is the IPv4 client it carries. */
    if (a.family == RM_AF_INET6 && (a.v >> 32) == 0xffff)
        a = u_v4((uint32_t) a.v);
    for (k = 0; k < n && !want; k++)
        want = want_covers(&w[k], &a);
    got = lookup(l, &asked, &m);
    U_CHECK(got == want, "%s: address %s: want %s, got %s", ctx, u_fmt(&a, as),
                  want ? "match" : "no match", got ? "match" : "no match");
    if (!got)
        return;
    U_CHECK(m.entry < rm_list_count(l), "%s: %s: match index %u out of range", ctx, u_fmt(&a, as), m.entry);
    U_CHECK(rm_list_entry(l, m.entry, &info) == 0, "rm_list_entry failed");
    rm_entry_format(&info.entry, text, sizeof(text));
    U_CHECK(entry_covers(&info.entry, &a), "%s: %s matched entry %u \"%s\" (line %u), which does not contain it",
                  ctx, u_fmt(&a, as), m.entry, text, info.line);
    for (k = 0; k < n; k++)
        if (w[k].line == info.line)
            break;
    U_CHECK(k < n, "%s: %s matched line %u, where no entry was written", ctx, u_fmt(&a, as), info.line);
    U_CHECK(want_covers(&w[k], &a), "%s: %s matched line %u \"%s\", which does not contain it",
                  ctx, u_fmt(&a, as), info.line, w[k].text);
    U_CHECK(strcmp(text, w[k].text) == 0, "%s: line %u: entry text want \"%s\" got \"%s\"",
                  ctx, info.line, w[k].text, text);
}

/*
 * Lists of disjoint entries, one of every form in turn, each in its own
 * block with room around it.  Entry i of a list of n.
 */
static void disjoint_entry(unsigned i, want_entry *w, char *line, size_t len)
{
    char    a[RM_ADDR_STRLEN], b[RM_ADDR_STRLEN];
    unsigned form = i % 10;
    bool    v6 = form >= 5;
    rm_u128 base = v6 ? (((rm_u128) 0x20010db8u) << 96) | ((rm_u128) i << 32)
        : (rm_u128) (0x0a000000u + i * 1024u);
    rm_u128 all = v6 ? ALL128 : ALL32;

    memset(w, 0, sizeof(*w));
    w->family = v6 ? RM_AF_INET6 : RM_AF_INET;
    w->interval = true;
    switch (form % 5) {
    case 0:                            /* host */
        w->lo = w->hi = base + 5;
        snprintf(line, len, "%s", fmt_v(w->family, w->lo, a));
        snprintf(w->text, sizeof(w->text), "%s", line);
        break;
    case 1:                            /* prefix */
        w->lo = base + 64;
        w->hi = base + 127;
        if (v6)
            snprintf(line, len, "[%s]/122", fmt_v(w->family, w->lo, a));
        else
            snprintf(line, len, "%s/26", fmt_v(w->family, w->lo, a));
        snprintf(w->text, sizeof(w->text), v6 ? "%s/122" : "%s/26", fmt_v(w->family, w->lo, a));
        break;
    case 2:                            /* v4: dotted mask; v6: prefix */
        w->lo = base + 256;
        w->hi = base + 511;
        if (v6)
            snprintf(line, len, "%s/120", fmt_v(w->family, w->lo, a));
        else
            snprintf(line, len, "%s/255.255.255.0", fmt_v(w->family, w->lo, a));
        snprintf(w->text, sizeof(w->text), "%s", line);
        break;
    case 3:                            /* Exchange, contiguous */
        w->lo = base + 512;
        w->hi = base + 639;
        w->net = w->lo;
        w->mask = all & ~(rm_u128) 127;
        snprintf(line, len, "%s;%s", fmt_v(w->family, w->net, a), fmt_v(w->family, w->mask, b));
        snprintf(w->text, sizeof(w->text), "%s", line);
        break;
    default:                           /* range */
        w->lo = base + 700;
        w->hi = base + 1000;
        snprintf(line, len, "%s-%s", fmt_v(w->family, w->lo, a), fmt_v(w->family, w->hi, b));
        snprintf(w->text, sizeof(w->text), "%s", line);
        break;
    }
}

/* Lists of 1, 2, 3 and 1000 entries: every entry matches its own first,
 * last and inside addresses, and the addresses just outside do not. */

static const unsigned sizes[] = {1, 2, 3, 10, 1000};

START_TEST(test_list_disjoint_sizes)
{
    unsigned n = sizes[_i];
    want_entry *w = calloc(n, sizeof(*w));
    char   *buf = malloc((size_t) n * 128 + 64);
    size_t  len = 0;
    rm_list *l;
    char    ctx[64];

    ck_assert_ptr_nonnull(w);
    ck_assert_ptr_nonnull(buf);
    len += (size_t) sprintf(buf + len, "# %u entries\n", n);
    /* Write them in reverse order, so the list must sort. */
    for (unsigned k = 0; k < n; k++) {
        unsigned i = n - 1 - k;
        char    line[128];

        disjoint_entry(i, &w[i], line, sizeof(line));
        w[i].line = k + 2;
        len += (size_t) sprintf(buf + len, "%s\n", line);
    }
    l = load_ok(buf, len, NULL);
    ck_assert_uint_eq(rm_list_count(l), n);
    snprintf(ctx, sizeof(ctx), "%u entries", n);
    for (unsigned i = 0; i < n; i++) {
        rm_addr a;
        rm_match m;
        rm_entry_info info;

        check_addr(l, w, n, mkaddr(w[i].family, w[i].lo), ctx);
        check_addr(l, w, n, mkaddr(w[i].family, w[i].hi), ctx);
        check_addr(l, w, n, mkaddr(w[i].family, w[i].lo + (w[i].hi - w[i].lo) / 2), ctx);
        check_addr(l, w, n, mkaddr(w[i].family, w[i].lo - 1), ctx);
        check_addr(l, w, n, mkaddr(w[i].family, w[i].hi + 1), ctx);
        /* and the match is this very entry */
        a = mkaddr(w[i].family, w[i].lo);
        ck_assert_msg(rm_list_match(l, &a, &m), "%s: entry %u does not match", ctx, i);
        ck_assert_int_eq(rm_list_entry(l, m.entry, &info), 0);
        ck_assert_msg(info.line == w[i].line, "%s: entry written on line %u reported on line %u",
                      ctx, w[i].line, info.line);
    }
    rm_list_free(l);
    free(buf);
    free(w);
}
END_TEST

/* The two- and three-entry allow lists of KB Q179289, as written there. */

START_TEST(test_list_exchange_two_entries)
{
    static const char two[] = "192.168.1.0;255.255.255.0\n192.168.2.0;255.255.255.0\n";
    static const char three[] = "10.0.0.0;255.0.0.0\n172.16.0.0;255.240.0.0\n192.168.0.0;255.255.0.0\n";
    static const struct {
        const char *list;
        const char *addr;
        unsigned line;                  /* 0: no match */
    } t[] = {
        {two, "192.168.1.0", 1}, {two, "192.168.1.255", 1}, {two, "192.168.2.0", 2},
        {two, "192.168.2.77", 2}, {two, "192.168.2.255", 2}, {two, "192.168.0.255", 0},
        {two, "192.168.3.0", 0}, {two, "10.0.0.1", 0},
        {three, "10.255.255.255", 1}, {three, "172.16.0.0", 2}, {three, "172.31.255.255", 2},
        {three, "172.32.0.0", 0}, {three, "192.168.100.1", 3}, {three, "192.169.0.0", 0},
        {three, "9.255.255.255", 0}, {three, "11.0.0.0", 0},
    };

    for (size_t i = 0; i < NELEM(t); i++) {
        rm_list *l = load_ok(t[i].list, strlen(t[i].list), NULL);
        rm_addr a = u_addr(t[i].addr);
        rm_match m;
        rm_entry_info info;
        bool    got = rm_list_match(l, &a, &m);

        ck_assert_msg(got == (t[i].line != 0), "%s: want %s got %s", t[i].addr,
                      t[i].line ? "match" : "no match", got ? "match" : "no match");
        if (got) {
            ck_assert_int_eq(rm_list_entry(l, m.entry, &info), 0);
            ck_assert_msg(info.line == t[i].line, "%s: want line %u got %u", t[i].addr, t[i].line, info.line);
        }
        rm_list_free(l);
    }
}
END_TEST

/*
 * Overlapping, nested, duplicate and partially overlapping entries.  Every
 * address of the regions is asked; the reported entry must contain it.
 */

static const char *const overlap_lines[] = {
    "10.0.0.0/22",                      /* 1 */
    "10.0.1.0/24",                      /* 2 nested */
    "10.0.1.0/24",                      /* 3 duplicate */
    "10.0.1.7",                         /* 4 nested host */
    "10.0.4.10-10.0.4.20",              /* 5 ranges overlapping each other */
    "10.0.4.15-10.0.4.30",              /* 6 */
    "10.0.4.25-10.0.4.40",              /* 7 */
    "10.0.4.0/28",                      /* 8 prefix overlapping range 5 */
    "10.0.4.32/27",                     /* 9 prefix overlapping range 7 */
    "10.0.5.0-10.0.5.255",              /* 10 same set as 11 */
    "10.0.5.0/24",                      /* 11 */
    "10.0.6.0;255.255.255.0",           /* 12 Exchange, contiguous */
    "10.0.6.128/25",                    /* 13 nested in 12 */
    "10.0.7.0-10.0.7.100",              /* 14 */
    "10.0.7.50-10.0.7.60",              /* 15 nested range */
    "10.0.8.0/24",                      /* 16 starts inside range 17 */
    "10.0.7.200-10.0.8.50",             /* 17 */
    "10.0.9.0-10.0.9.10",               /* 18 adjacent to 19 */
    "10.0.9.11-10.0.9.20",              /* 19 */
    "10.0.10.1;255.255.255.0",          /* 20 dead */
    "10.0.255.0;255.0.255.0",           /* 21 non-contiguous */
    "10.0.11.0-10.0.11.9",              /* 22 partial overlap chain */
    "10.0.11.5-10.0.11.19",             /* 23 */
    "10.0.11.15-10.0.11.29",            /* 24 */
    "10.0.11.0/27",                     /* 25 covers 22-24 */
    "2001:db8::/120",                   /* 26 */
    "2001:db8::10-2001:db8::1ff",       /* 27 */
    "2001:db8::100/120",                /* 28 */
    "2001:db8::180-2001:db8::2ff",      /* 29 */
    "[2001:db8::]/120",                 /* 30 duplicate of 26 */
    "2001:db8::5",                      /* 31 */
    "2001:db8::3f0-2001:db8::3f0",      /* 32 one-address range */
    "::ffff:10.0.12.0/120",             /* 33 mapped: 10.0.12.0/24 */
    "10.0.12.128-10.0.13.5",            /* 34 */
};

static size_t parse_wants(const char *const *lines, size_t n, want_entry *w, char *buf, size_t cap)
{
    size_t  len = 0;

    for (size_t i = 0; i < n; i++) {
        rm_entry e;
        rm_perr err;

        /* The test's own view: lo/hi from inet_pton, not from the library. */
        char    tmp[128], *dash, *slash, *semi;

        memset(&w[i], 0, sizeof(w[i]));
        w[i].line = (unsigned) (2 * i + 2);
        snprintf(tmp, sizeof(tmp), "%s", lines[i]);
        if (tmp[0] == '[') {
            char   *close = strchr(tmp, ']');

            memmove(tmp, tmp + 1, (size_t) (close - tmp - 1));
            memmove(close - 1, close + 1, strlen(close + 1) + 1);
        }
        dash = strchr(tmp, '-');
        slash = strchr(tmp, '/');
        semi = strchr(tmp, ';');
        w[i].interval = true;
        if (dash) {
            *dash = '\0';
            w[i].lo = u_pton(tmp).v;
            w[i].hi = u_pton(dash + 1).v;
            w[i].family = u_pton(tmp).family;
        } else if (slash) {
            unsigned plen = (unsigned) atoi(slash + 1);
            rm_addr a;

            *slash = '\0';
            a = u_pton(tmp);
            w[i].family = a.family;
            w[i].lo = a.v;
            w[i].hi = a.v | (a.family == RM_AF_INET ? ALL32 >> plen : (plen == 128 ? 0 : ALL128 >> plen));
        } else if (semi) {
            rm_addr a, m;

            *semi = '\0';
            a = u_pton(tmp);
            m = u_pton(semi + 1);
            w[i].family = a.family;
            w[i].net = a.v;
            w[i].mask = m.v;
            w[i].dead = (a.v & ~m.v) != 0;
            if (rm_plen_from_mask(m.v, a.family == RM_AF_INET ? 32 : 128) >= 0 && !w[i].dead) {
                w[i].lo = a.v;
                w[i].hi = a.v | (~m.v & (a.family == RM_AF_INET ? ALL32 : ALL128));
            } else {
                w[i].interval = false;
            }
        } else {
            w[i].family = u_pton(tmp).family;
            w[i].lo = w[i].hi = u_pton(tmp).v;
        }
        /* Entries inside ::ffff:0:0/96 are IPv4 entries. */
        if (w[i].family == RM_AF_INET6 && w[i].interval && (w[i].lo >> 32) == 0xffff && (w[i].hi >> 32) == 0xffff) {
            w[i].family = RM_AF_INET;
            w[i].lo &= ALL32;
            w[i].hi &= ALL32;
        }
        /* The canonical text is the library's formatting of its own parse;
         * that parse is checked form by form in check_entry. */
        ck_assert_msg(rm_entry_parse(lines[i], strlen(lines[i]), &e, &err) == 0, "%s: %s", lines[i], err.msg);
        rm_entry_format(&e, w[i].text, sizeof(w[i].text));
        len += (size_t) snprintf(buf + len, cap - len, "# entry %zu\n%s\n", i + 1, lines[i]);
    }
    return len;
}

START_TEST(test_list_overlaps)
{
    want_entry w[NELEM(overlap_lines)];
    char    buf[8192];
    size_t  len = parse_wants(overlap_lines, NELEM(overlap_lines), w, buf, sizeof(buf));
    rm_list *l = load_ok(buf, len, NULL);
    rm_u128 v6base = u_pton("2001:db8::").v;

    ck_assert_uint_eq(rm_list_count(l), NELEM(overlap_lines));
    for (uint32_t x = 0x0a000000u - 16; x < 0x0a000000u + 14 * 256; x++) {
        check_addr(l, w, NELEM(w), u_v4(x), "overlaps v4");
        check_addr(l, w, NELEM(w), u_v6(MAPPED(x)), "overlaps mapped");
    }
    for (uint32_t x = 0x0a00ff00u; x < 0x0a010000u; x++)
        check_addr(l, w, NELEM(w), u_v4(x), "overlaps non-contiguous");
    for (uint32_t x = 0x0a01ff00u; x < 0x0a020100u; x++)
        check_addr(l, w, NELEM(w), u_v4(x), "overlaps non-contiguous");
    for (rm_u128 x = v6base; x < v6base + 0x500; x++)
        check_addr(l, w, NELEM(w), u_v6(x), "overlaps v6");
    check_addr(l, w, NELEM(w), u_v6(v6base - 1), "overlaps v6");
    rm_list_free(l);
}
END_TEST

/* Provenance: which line, and the entry as written (canonical form). */

START_TEST(test_list_provenance)
{
    static const char file[] =
        "# allow list\n"                                /* 1 */
        "\n"                                            /* 2 */
        "10.0.0.0/255.0.0.0   # the office\n"           /* 3 */
        "192.168.0.0;255.255.0.0\n"                     /* 4 */
        "  [2001:DB8::]/32\n"                           /* 5 */
        "::ffff:192.0.2.0/120\n"                        /* 6 */
        "198.51.100.10-198.51.100.20\r\n"               /* 7 */
        "2001:db8:1::1-2001:db8:1::ff\n"                /* 8 */
        "203.0.113.7\n"                                 /* 9 */
        "172.16.0.0;255.240.0.255\n";                   /* 10 */
    static const struct {
        const char *addr;
        unsigned line;
        const char *text;
    } t[] = {
        {"10.1.2.3", 3, "10.0.0.0/255.0.0.0"},
        {"192.168.77.1", 4, "192.168.0.0;255.255.0.0"},
        {"2001:db8:ffff::1", 5, "2001:db8::/32"},
        {"192.0.2.200", 6, "192.0.2.0/24"},
        {"::ffff:192.0.2.200", 6, "192.0.2.0/24"},
        {"198.51.100.15", 7, "198.51.100.10-198.51.100.20"},
        {"2001:db8:1::80", 5, "2001:db8::/32"},
        {"203.0.113.7", 9, "203.0.113.7"},
        {"172.20.9.0", 10, "172.16.0.0;255.240.0.255"},
        {"172.20.9.1", 0, NULL},
        {"198.51.100.21", 0, NULL},
        {"2001:db9::", 0, NULL},
    };
    rm_list *l = load_ok(file, sizeof(file) - 1, NULL);

    ck_assert_uint_eq(rm_list_count(l), 8);
    ck_assert_uint_eq(rm_list_count_family(l, RM_AF_INET), 6);
    ck_assert_uint_eq(rm_list_count_family(l, RM_AF_INET6), 2);
    for (size_t i = 0; i < NELEM(t); i++) {
        rm_addr a = u_addr(t[i].addr);
        rm_match m;
        rm_entry_info info;
        char    text[RM_ENTRY_STRLEN];
        bool    got = rm_list_match(l, &a, &m);

        ck_assert_msg(got == (t[i].line != 0), "%s: want %s", t[i].addr, t[i].line ? "match" : "no match");
        if (!got)
            continue;
        ck_assert_int_eq(rm_list_entry(l, m.entry, &info), 0);
        rm_entry_format(&info.entry, text, sizeof(text));
        ck_assert_msg(info.line == t[i].line && strcmp(text, t[i].text) == 0,
                      "%s: want line %u \"%s\", got line %u \"%s\"", t[i].addr, t[i].line, t[i].text,
                      info.line, text);
    }
    rm_list_free(l);
}
END_TEST

/* IPv4-mapped clients match IPv4 entries, and only mapped ones do. */

START_TEST(test_list_mapped_clients)
{
    static const char file[] = "192.0.2.0/24\n2001:db8::/32\n10.0.0.1-10.0.0.9\n";
    static const struct {
        const char *addr;
        bool    match;
    } t[] = {
        {"::ffff:192.0.2.7", true},
        {"::ffff:192.0.2.0", true},
        {"::ffff:192.0.2.255", true},
        {"::ffff:192.0.3.0", false},
        {"::ffff:10.0.0.5", true},
        {"::ffff:10.0.0.10", false},
        {"::192.0.2.7", false},         /* IPv4-compatible is not mapped */
        {"::ffff:0:192.0.2.7", false},  /* SIIT translated, not mapped */
        {"64:ff9b::192.0.2.7", false},  /* NAT64, not mapped */
        {"2001:db8::c000:207", true},
    };
    rm_list *l = load_ok(file, sizeof(file) - 1, NULL);

    for (size_t i = 0; i < NELEM(t); i++) {
        rm_addr a = u_pton(t[i].addr);
        bool    got = rm_list_match(l, &a, NULL);

        ck_assert_msg(got == t[i].match, "%s: want %s", t[i].addr, t[i].match ? "match" : "no match");
    }
    rm_list_free(l);

    /* An IPv6 entry that reaches into ::ffff:0:0/96 matches the IPv4
     * clients whose mapped form it contains, in either notation. */
    {
        static const struct {
            const char *list;
            const char *addr;
            bool    match;
        } v6[] = {
            {"::/80\n", "192.0.2.7", true},
            {"::/80\n", "::ffff:192.0.2.7", true},
            {"::/80\n", "::1", true},
            {"::/80\n", "1::", false},
            {"::fffe:ffff:fff0-::ffff:a00:5\n", "10.0.0.5", true},
            {"::fffe:ffff:fff0-::ffff:a00:5\n", "0.0.0.0", true},
            {"::fffe:ffff:fff0-::ffff:a00:5\n", "10.0.0.6", false},
            {"::fffe:ffff:fff0-::ffff:a00:5\n", "::fffe:ffff:fff1", true},
            {"::ffff:0:0;ffff:ffff:ffff:ffff:ffff:ffff:0:ff\n", "192.0.2.0", true},
            {"::ffff:0:0;ffff:ffff:ffff:ffff:ffff:ffff:0:ff\n", "192.0.2.1", false},
            {"::;ffff:ffff:ffff:ffff:ffff:0:0:ff\n", "10.0.0.0", true},
            {"::;ffff:ffff:ffff:ffff:ffff:0:0:ff\n", "10.0.0.9", false},
        };

        for (size_t i = 0; i < NELEM(v6); i++) {
            rm_addr a = u_pton(v6[i].addr);
            rm_match mt;
            rm_entry_info info;
            bool    got;

            l = load_ok(v6[i].list, strlen(v6[i].list), NULL);
            got = rm_list_match(l, &a, &mt);
            ck_assert_msg(got == v6[i].match, "list %.40s, %s: want %s", v6[i].list, v6[i].addr,
                          v6[i].match ? "match" : "no match");
            if (got) {
                ck_assert_int_eq(rm_list_entry(l, mt.entry, &info), 0);
                ck_assert_uint_eq(info.line, 1);
            }
            rm_list_free(l);
        }
    }

    /* A mapped entry is an IPv4 entry: plain IPv4 clients match it. */
    l = load_ok("::ffff:198.51.100.0/120\n", 24, NULL);
    ck_assert_uint_eq(rm_list_count_family(l, RM_AF_INET), 1);
    {
        rm_addr a = u_pton("198.51.100.99"), b = u_pton("198.51.101.0");

        ck_assert(rm_list_match(l, &a, NULL));
        ck_assert(!rm_list_match(l, &b, NULL));
    }
    rm_list_free(l);
}
END_TEST

/* Non-contiguous Exchange masks match exactly (IP AND mask) == net, and
 * dead ones (net bits outside the mask) never match.  All of 10/8. */

START_TEST(test_list_exchange_masks)
{
    static const char file[] =
        "10.0.255.0;255.0.255.0\n"      /* 1: 10.*.255.* */
        "10.0.0.1;255.255.255.0\n"      /* 2: dead */
        "10.1.0.0;255.0.255.0\n"        /* 3: dead (net has .1 outside the mask) */
        "10.0.0.7;255.0.0.255\n";       /* 4: 10.*.*.7 */
    rm_list *l = load_ok(file, sizeof(file) - 1, NULL);
    unsigned n1 = 0, n4 = 0;

    ck_assert_uint_eq(rm_list_count(l), 4);
    for (uint32_t x = 0x0a000000u; x <= 0x0affffffu; x++) {
        rm_addr a = u_v4(x);
        rm_match m;
        bool    want1 = (x & 0xff00ff00u) == 0x0a00ff00u;
        bool    want4 = (x & 0xff0000ffu) == 0x0a000007u;
        bool    got = rm_list_match(l, &a, &m);

        if (got != (want1 || want4)) {
            char    as[RM_ADDR_STRLEN];

            ck_abort_msg("%s: want %s got %s", u_fmt(&a, as), want1 || want4 ? "match" : "no match",
                         got ? "match" : "no match");
        }
        if (got) {
            rm_entry_info info;

            U_CHECK(rm_list_entry(l, m.entry, &info) == 0, "rm_list_entry failed");
            U_CHECK((info.line == 1 && want1) || (info.line == 4 && want4), "wrong line %u", info.line);
            U_CHECK(!info.entry.dead, "a dead entry matched");
            n1 += info.line == 1;
            n4 += info.line == 4;
        }
    }
    /* 10.*.255.*: 65536 addresses; 10.*.*.7: 65536, 256 of them shared */
    ck_assert_uint_eq(n1 + n4, 65536 + 65536 - 256);
    /* The dead entries are listed, and say so. */
    for (uint32_t i = 0; i < rm_list_count(l); i++) {
        rm_entry_info info;

        ck_assert_int_eq(rm_list_entry(l, i, &info), 0);
        ck_assert_msg(info.entry.dead == (info.line == 2 || info.line == 3), "line %u: dead flag %d",
                      info.line, info.entry.dead);
    }
    rm_list_free(l);
}
END_TEST

/* max_entries and max_bytes: over the cap, a clear error and nothing. */

START_TEST(test_list_caps)
{
    static const char four[] = "# four entries\n10.0.0.1\n10.0.0.2\n# x\n10.0.0.3\n10.0.0.4\n";
    static const struct {
        uint64_t max_entries, max_bytes;
        const char *want;               /* NULL: loads */
    } t[] = {
        {4, 1000, NULL},
        {3, 1000, "t.list: error: list has 4 entries, over max_entries = 3; nothing loaded"},
        {1, 1000, "t.list: error: list has 4 entries, over max_entries = 1; nothing loaded"},
        {4, sizeof(four) - 1, NULL},
        {4, sizeof(four) - 2, "t.list: error: file is 55 bytes, over the cap of 54 bytes; nothing loaded"},
        {4, 1, "t.list: error: file is 55 bytes, over the cap of 1 bytes; nothing loaded"},
    };

    ck_assert_uint_eq(sizeof(four) - 1, 55);
    for (size_t i = 0; i < NELEM(t); i++) {
        rm_limits lim = {t[i].max_entries, t[i].max_bytes};
        rm_list *l = SENTINEL;
        rm_diag d;
        char    got[1024];
        int     rc;

        rm_diag_init(&d);
        rc = rm_list_load_buffer(LIST_NAME, four, sizeof(four) - 1, &lim, &l, &d);
        if (t[i].want == NULL) {
            ck_assert_msg(rc == 0, "case %zu: want ok", i);
            ck_assert_uint_eq(rm_list_count(l), 4);
            rm_list_free(l);
            continue;
        }
        ck_assert_msg(rc == -1, "case %zu: want -1", i);
        ck_assert_msg(l == SENTINEL, "case %zu: *out written on error", i);
        ck_assert_uint_eq(d.errors, 1);
        ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), t[i].want);
    }
}
END_TEST

/* The same caps and errors through rm_list_load, from a file. */

START_TEST(test_list_load_file)
{
    char    dir[256], path[512], want[1024], got[1024];
    rm_limits lim = {2, 1 << 20};
    rm_list *l = SENTINEL;
    rm_diag d;
    rm_entry_info info;
    rm_addr a = u_addr("192.0.2.9");
    rm_match m;

    u_tmpdir(dir, sizeof(dir));
    u_path(path, sizeof(path), dir, "allow.list");
    u_write_str(path, "# two\n192.0.2.0/24\n2001:db8::/32\n");
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load(path, NULL, &lim, &l, &d), 0);
    ck_assert_str_eq(rm_list_name(l), path);
    ck_assert(rm_list_match(l, &a, &m));
    ck_assert_int_eq(rm_list_entry(l, m.entry, &info), 0);
    ck_assert_uint_eq(info.line, 2);
    ck_assert_uint_ge(rm_list_bytes(l), 2 * sizeof(rm_u128));
    rm_list_free(l);

    /* over max_entries */
    u_write_str(path, "192.0.2.0/24\n2001:db8::/32\n10.0.0.1\n");
    l = SENTINEL;
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load(path, NULL, &lim, &l, &d), -1);
    ck_assert_ptr_eq(l, SENTINEL);
    snprintf(want, sizeof(want), "%s: error: list has 3 entries, over max_entries = 2; nothing loaded", path);
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), want);

    /* over max_bytes */
    lim.max_entries = 100;
    lim.max_bytes = 10;
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load(path, NULL, &lim, &l, &d), -1);
    ck_assert_ptr_eq(l, SENTINEL);
    snprintf(want, sizeof(want), "%s: error: file is 36 bytes, over the cap of 10 bytes; nothing loaded", path);
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), want);

    /* errors name the file path */
    u_write_str(path, "192.0.2.0/24\n10.1\n");
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load(path, NULL, NULL, &l, &d), -1);
    ck_assert_ptr_eq(l, SENTINEL);
    snprintf(want, sizeof(want), "%s:2:5: error: short IPv4 forms are not accepted; write all four octets in \"10.1\"", path);
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), want);

    /* a missing file, a directory */
    unlink(path);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load(path, NULL, NULL, &l, &d), -1);
    ck_assert_ptr_eq(l, SENTINEL);
    snprintf(want, sizeof(want), "%s: error: cannot open: %s", path, strerror(ENOENT));
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), want);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load(dir, NULL, NULL, &l, &d), -1);
    ck_assert_ptr_eq(l, SENTINEL);
    snprintf(want, sizeof(want), "%s: error: not a regular file (it is a directory)", dir);
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), want);
    u_rmtree(dir);
}
END_TEST

/* An empty list matches nothing. */

START_TEST(test_list_empty)
{
    rm_list *l = SENTINEL;
    rm_diag d;
    rm_addr a4 = u_addr("0.0.0.0"), a6 = u_addr("::"), none = {RM_AF_NONE, 0};
    rm_entry_info info;

    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_empty("deny_list", &l, &d), 0);
    ck_assert_str_eq(rm_list_name(l), "deny_list");
    ck_assert_uint_eq(rm_list_count(l), 0);
    ck_assert(!rm_list_match(l, &a4, NULL));
    ck_assert(!rm_list_match(l, &a6, NULL));
    ck_assert(!rm_list_match(l, &none, NULL));
    ck_assert_int_eq(rm_list_entry(l, 0, &info), -1);
    rm_list_free(l);

    /* A client without an address matches no list, not even ::/0. */
    l = load_ok("0.0.0.0/0\n::/0\n", 15, NULL);
    ck_assert(rm_list_match(l, &a4, NULL));
    ck_assert(rm_list_match(l, &a6, NULL));
    ck_assert(!rm_list_match(l, &none, NULL));
    rm_list_free(l);
}
END_TEST

/*
 * The randomized cross-check.  Random lists of every form; the reference
 * answer for an address is "some entry contains it", where a prefix-like
 * entry (host, prefix, dotted mask, contiguous Exchange mask) contains it
 * when libcidr's cidr_contains says so, a range when lo <= x <= hi (libcidr
 * has no ranges), a non-contiguous Exchange entry when (x AND mask) == net,
 * and a dead one never.
 */

enum okind { OK_CIDR, OK_RANGE, OK_NONCONTIG, OK_DEAD };

typedef struct oentry {
    enum rm_family family;
    enum okind kind;
    rm_u128 lo, hi, net, mask;
    CIDR   *cidr;
    unsigned line;
} oentry;

typedef struct olist {
    oentry *e;
    size_t  n;
    rm_u128 cl4[6], cl6[6];             /* cluster bases */
    unsigned *line_to_entry;            /* line -> index + 1, 0: none */
    unsigned nlines;
} olist;

static void v6_bytes(rm_u128 v, unsigned char *b)
{
    for (int k = 15; k >= 0; k--) {
        b[k] = (unsigned char) v;
        v >>= 8;
    }
}

/* ref_text - an address as libc writes it (the reference notation) */

static const char *ref_text(enum rm_family f, rm_u128 v, char *buf, size_t len)
{
    if (f == RM_AF_INET) {
        uint32_t x = (uint32_t) v;

        snprintf(buf, len, "%u.%u.%u.%u", x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255);
    } else {
        unsigned char b[16];

        v6_bytes(v, b);
        inet_ntop(AF_INET6, b, buf, (socklen_t) len);
    }
    return buf;
}

/* any_text - the same address in one of the notations a list may use */

static const char *any_text(u_rng *r, enum rm_family f, rm_u128 v, char *buf, size_t len)
{
    if (f == RM_AF_INET6 && u_below(r, 3) == 0) {
        unsigned g[8];

        for (int k = 0; k < 8; k++)
            g[k] = (unsigned) (v >> (16 * (7 - k))) & 0xffff;
        snprintf(buf, len, u_below(r, 2) ? "%x:%x:%x:%x:%x:%x:%x:%x" : "%04X:%04X:%04X:%04X:%04X:%04X:%04X:%04X",
                 g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
        return buf;
    }
    return ref_text(f, v, buf, len);
}

static rm_u128 all_of(enum rm_family f)
{
    return f == RM_AF_INET ? ALL32 : ALL128;
}

static unsigned bits_of(enum rm_family f)
{
    return f == RM_AF_INET ? 32 : 128;
}

static rm_u128 plen_mask(enum rm_family f, unsigned plen)
{
    unsigned bits = bits_of(f);

    return plen == 0 ? 0 : all_of(f) & ~((((rm_u128) 1) << (bits - plen)) - 1);
}

/* random_plen - mostly long prefixes (small blocks), sometimes short */

static unsigned random_plen(u_rng *r, enum rm_family f)
{
    unsigned bits = bits_of(f);
    uint64_t p = u_below(r, 16);

    if (p == 0)
        return (unsigned) u_below(r, bits / 4 + 1);
    if (p < 4)
        return bits - 24 + (unsigned) u_below(r, 9);
    return bits - 12 + (unsigned) u_below(r, 13);
}

static rm_u128 random_in_cluster(u_rng *r, const olist *o, enum rm_family f)
{
    if (f == RM_AF_INET)
        return o->cl4[u_below(r, NELEM(o->cl4))] | (u_rand64(r) & 0xffffu);
    return o->cl6[u_below(r, NELEM(o->cl6))] | (u_rand64(r) & 0xffffffu);
}

/*
 * cidr_parse - cidr_from_str on a copy with zero bytes in front of it.
 * libcidr 1.2.3 compares the tail of short strings with suffixes such as
 * ".ip6.arpa" starting before the string (AddressSanitizer sees a stack
 * underflow); the padding keeps those reads inside our buffer.
 */
static CIDR *cidr_parse(const char *s)
{
    char    pad[32 + 128];

    memset(pad, 0, 32);
    snprintf(pad + 32, sizeof(pad) - 32, "%s", s);
    return cidr_from_str(pad + 32);
}

/* make_entry - one random entry, its text into line */

static void make_entry(u_rng *r, olist *o, oentry *e, char *line, size_t len)
{
    enum rm_family f = u_below(r, 2) ? RM_AF_INET : RM_AF_INET6;
    rm_u128 all = all_of(f), x = random_in_cluster(r, o, f);
    char    a[64], b[64], c[96];
    uint64_t form = u_below(r, 20);
    bool    mapped_text = f == RM_AF_INET && u_below(r, 8) == 0;
    unsigned plen;

    memset(e, 0, sizeof(*e));
    e->family = f;
    if (form < 3) {                     /* host */
        e->kind = OK_CIDR;
        e->lo = e->hi = x;
        plen = bits_of(f);
        if (mapped_text)
            snprintf(line, len, "::ffff:%s", ref_text(f, x, a, sizeof(a)));
        else if (f == RM_AF_INET6 && u_below(r, 4) == 0)
            snprintf(line, len, "[%s]", any_text(r, f, x, a, sizeof(a)));
        else
            snprintf(line, len, "%s", any_text(r, f, x, a, sizeof(a)));
    } else if (form < 8) {              /* prefix */
        e->kind = OK_CIDR;
        plen = random_plen(r, f);
        e->lo = x & plen_mask(f, plen);
        e->hi = e->lo | (~plen_mask(f, plen) & all);
        if (mapped_text)
            snprintf(line, len, "::ffff:%s/%u", ref_text(f, e->lo, a, sizeof(a)), plen + 96);
        else if (f == RM_AF_INET6 && u_below(r, 4) == 0)
            snprintf(line, len, "[%s]/%u", any_text(r, f, e->lo, a, sizeof(a)), plen);
        else
            snprintf(line, len, "%s/%u", any_text(r, f, e->lo, a, sizeof(a)), plen);
    } else if (form < 10 && f == RM_AF_INET) {  /* dotted mask */
        e->kind = OK_CIDR;
        plen = random_plen(r, f);
        e->lo = x & plen_mask(f, plen);
        e->hi = e->lo | (~plen_mask(f, plen) & all);
        snprintf(line, len, "%s/%s", ref_text(f, e->lo, a, sizeof(a)), ref_text(f, plen_mask(f, plen), b, sizeof(b)));
    } else if (form < 12) {             /* Exchange, contiguous */
        e->kind = OK_CIDR;
        plen = random_plen(r, f);
        e->lo = x & plen_mask(f, plen);
        e->hi = e->lo | (~plen_mask(f, plen) & all);
        snprintf(line, len, "%s;%s", any_text(r, f, e->lo, a, sizeof(a)),
                 any_text(r, f, plen_mask(f, plen), b, sizeof(b)));
    } else if (form < 17) {             /* range */
        unsigned span_bits = (unsigned) u_below(r, f == RM_AF_INET ? 18 : 26);
        rm_u128 span = u_rand128(r) & ((((rm_u128) 1) << span_bits) - 1);

        if (u_below(r, 16) == 0)
            span = 0;
        e->kind = OK_RANGE;
        e->lo = x;
        e->hi = (all - x < span) ? all : x + span;
        if (mapped_text)
            snprintf(line, len, "::ffff:%s-::ffff:%s", ref_text(f, e->lo, a, sizeof(a)), ref_text(f, e->hi, b, sizeof(b)));
        else if (f == RM_AF_INET6 && u_below(r, 4) == 0)
            snprintf(line, len, "[%s]-[%s]", any_text(r, f, e->lo, a, sizeof(a)), any_text(r, f, e->hi, b, sizeof(b)));
        else
            snprintf(line, len, "%s-%s", any_text(r, f, e->lo, a, sizeof(a)), any_text(r, f, e->hi, b, sizeof(b)));
        plen = 0;
    } else {                            /* Exchange, non-contiguous or dead */
        unsigned top = bits_of(f) - (f == RM_AF_INET ? 16 : 24);
        rm_u128 low = all >> top;       /* the cluster's free bits */

        e->mask = plen_mask(f, top) | (u_rand128(r) & low);
        if (rm_plen_from_mask(e->mask, bits_of(f)) >= 0)
            e->mask ^= (rm_u128) 1 << u_below(r, bits_of(f) - top);
        if (rm_plen_from_mask(e->mask, bits_of(f)) >= 0)
            e->mask = plen_mask(f, top) | 1;    /* surely not contiguous */
        e->net = x & e->mask;
        e->kind = OK_NONCONTIG;
        if (form == 19 && e->mask != all) {
            rm_u128 free_bits = ~e->mask & all;

            e->net |= free_bits & (~free_bits + 1);     /* its lowest free bit */
            e->kind = OK_DEAD;
        }
        snprintf(line, len, "%s;%s", any_text(r, f, e->net, a, sizeof(a)), any_text(r, f, e->mask, b, sizeof(b)));
        plen = 0;
    }
    if (e->kind == OK_CIDR) {
        snprintf(c, sizeof(c), "%s/%u", ref_text(f, e->lo, a, sizeof(a)), plen);
        e->cidr = cidr_parse(c);
        ck_assert_msg(e->cidr != NULL, "libcidr refuses \"%s\"", c);
    }
}

static void build_random_list(u_rng *r, olist *o, size_t n, char **bufp, size_t *lenp)
{
    size_t  cap = n * 160 + 256, len = 0;
    char   *buf = malloc(cap);
    unsigned line = 0;

    ck_assert_ptr_nonnull(buf);
    for (size_t k = 0; k < NELEM(o->cl4); k++) {
        uint64_t p = u_below(r, 8);

        /* the edges of the address space are clusters now and then */
        o->cl4[k] = p == 0 ? 0 : p == 1 ? 0xffff0000u : (rm_u128) ((uint32_t) u_rand64(r) & 0xffff0000u);
        o->cl6[k] = p == 0 ? 0 : p == 1 ? ALL128 << 24 : u_rand128(r) & (ALL128 << 24);
        if (p > 1 && u_below(r, 2))
            o->cl6[k] = (((rm_u128) 0x20010db8u) << 96) | ((rm_u128) u_below(r, 4) << 64) | (o->cl6[k] & ((rm_u128) 0xff << 24));
        /* and IPv4-mapped space, where IPv6 entries meet IPv4 clients */
        if (p == 2)
            o->cl6[k] = MAPPED(o->cl4[k]);
    }
    o->n = n;
    o->e = calloc(n, sizeof(oentry));
    o->line_to_entry = calloc(3 * n + 8, sizeof(unsigned));
    ck_assert_ptr_nonnull(o->e);
    ck_assert_ptr_nonnull(o->line_to_entry);
    for (size_t i = 0; i < n; i++) {
        char    text[200];

        make_entry(r, o, &o->e[i], text, sizeof(text));
        /* comments, blank lines and white space around some entries */
        if (u_below(r, 10) == 0) {
            len += (size_t) snprintf(buf + len, cap - len, u_below(r, 2) ? "# comment %zu\n" : "\n", i);
            line++;
        }
        line++;
        o->e[i].line = line;
        o->line_to_entry[line] = (unsigned) i + 1;
        len += (size_t) snprintf(buf + len, cap - len, "%s%s%s\n", u_below(r, 8) ? "" : " \t",
                                 text, u_below(r, 8) ? "" : "  # why");
    }
    o->nlines = line;
    *bufp = buf;
    *lenp = len;
}

static void free_olist(olist *o)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->e[i].cidr)
            cidr_free(o->e[i].cidr);
    free(o->e);
    free(o->line_to_entry);
}

static CIDR *addr_cidr(const rm_addr *a)
{
    if (a->family == RM_AF_INET) {
        struct in_addr in;

        in.s_addr = htonl((uint32_t) a->v);
        return cidr_from_inaddr(&in);
    } else {
        struct in6_addr in6;

        v6_bytes(a->v, in6.s6_addr);
        return cidr_from_in6addr(&in6);
    }
}

static bool oracle_one(const oentry *e, const rm_addr *a, CIDR *ac)
{
    if (e->family != a->family)
        return false;
    switch (e->kind) {
    case OK_CIDR:
        return cidr_contains(e->cidr, ac) == 0;
    case OK_RANGE:
        return e->lo <= a->v && a->v <= e->hi;
    case OK_NONCONTIG:
        return (a->v & e->mask) == e->net;
    default:
        return false;
    }
}

/* random_query - half of them in or at the edges of an entry */

static rm_addr random_query(u_rng *r, const olist *o)
{
    uint64_t p = u_below(r, 8);

    if (p < 4) {
        const oentry *e = &o->e[u_below(r, o->n)];
        rm_u128 all = all_of(e->family), v;

        switch (e->kind) {
        case OK_CIDR:
        case OK_RANGE:
            switch (u_below(r, 5)) {
            case 0:
                v = e->lo;
                break;
            case 1:
                v = e->hi;
                break;
            case 2:
                v = e->lo == 0 ? e->lo : e->lo - 1;
                break;
            case 3:
                v = e->hi == all ? e->hi : e->hi + 1;
                break;
            default:
                v = e->hi - e->lo == all ? u_rand128(r) & all : e->lo + u_rand128(r) % (e->hi - e->lo + 1);
                break;
            }
            break;
        default:
            v = e->net | (u_rand128(r) & ~e->mask & all);
            if (u_below(r, 3) == 0)
                v ^= (rm_u128) 1 << u_below(r, bits_of(e->family));
            break;
        }
        return mkaddr(e->family, v);
    }
    if (p < 6) {
        enum rm_family f = u_below(r, 2) ? RM_AF_INET : RM_AF_INET6;

        return mkaddr(f, random_in_cluster(r, o, f));
    }
    if (p == 6)
        return u_v4((uint32_t) u_rand64(r));
    return u_v6(u_rand128(r));
}

START_TEST(test_list_random_vs_libcidr)
{
    if (!use_lookup(_i))
        return;
    static const size_t list_sizes[] = {1, 2, 3, 5, 10, 30, 70, 150, 400, 1000, 3000};
    const int rounds = 110;
    const int queries = 1000;
    u_rng   r = {u_seed("check_list random lists vs libcidr")};
    unsigned long total = 0, matched = 0;

    for (int round = 0; round < rounds; round++) {
        olist   o;
        char   *buf;
        size_t  len, n = list_sizes[round % NELEM(list_sizes)];
        rm_list *l;

        memset(&o, 0, sizeof(o));
        build_random_list(&r, &o, n, &buf, &len);
        l = load_ok(buf, len, NULL);
        ck_assert_uint_eq(rm_list_count(l), n);
        for (int q = 0; q < queries; q++) {
            rm_addr asked = random_query(&r, &o), a = asked, m6;
            CIDR   *ac, *ac6 = NULL;
            bool    want = false, got, got_other;
            rm_match m;
            char    as[RM_ADDR_STRLEN];

            /* The client as the oracle sees it: an IPv4-mapped address
             * is the IPv4 client it carries, matched by IPv4 entries and
             * by IPv6 entries that contain its mapped form. */
            if (a.family == RM_AF_INET6 && (a.v >> 32) == 0xffff)
                a = u_v4((uint32_t) a.v);
            ac = addr_cidr(&a);
            U_CHECK(ac != NULL, "libcidr: no CIDR for an address");
            if (a.family == RM_AF_INET) {
                m6 = mapped_of(&a);
                ac6 = addr_cidr(&m6);
                U_CHECK(ac6 != NULL, "libcidr: no CIDR for an address");
            }
            for (size_t k = 0; k < o.n && !want; k++)
                want = oracle_one(&o.e[k], &a, ac) || (ac6 && oracle_one(&o.e[k], &m6, ac6));
            got = lookup(l, &asked, &m);
            if (got != want) {
                fprintf(stderr, "list (round %d):\n%s", round, buf);
                ck_abort_msg("round %d: %s: libcidr says %s, the list says %s", round, u_fmt(&asked, as),
                             want ? "match" : "no match", got ? "match" : "no match");
            }
            if (got) {
                rm_entry_info info;
                unsigned idx;

                U_CHECK(rm_list_entry(l, m.entry, &info) == 0, "rm_list_entry failed");
                U_CHECK(entry_covers(&info.entry, &a), "round %d: %s: reported entry does not contain it",
                        round, u_fmt(&asked, as));
                U_CHECK(info.line >= 1 && info.line <= o.nlines && (idx = o.line_to_entry[info.line]) != 0,
                        "round %d: %s: reported line %u holds no entry", round, u_fmt(&asked, as), info.line);
                U_CHECK(oracle_one(&o.e[idx - 1], &a, ac) || (ac6 && oracle_one(&o.e[idx - 1], &m6, ac6)),
                        "round %d: %s: reported line %u does not contain it", round, u_fmt(&asked, as), info.line);
                matched++;
            }
            /* the same client in its other notation: the same answer */
            if (a.family == RM_AF_INET) {
                rm_addr other = asked.family == RM_AF_INET ? mapped_of(&a) : a;

                got_other = lookup(l, &other, NULL);
                U_CHECK(got_other == want, "round %d: %s as %s: want %s", round, u_fmt(&asked, as),
                        other.family == RM_AF_INET ? "IPv4" : "IPv4-mapped", want ? "match" : "no match");
            }
            if (ac6)
                cidr_free(ac6);
            cidr_free(ac);
            total++;
        }
        rm_list_free(l);
        free_olist(&o);
        free(buf);
    }
    printf("check_list: %lu random addresses, %lu matched\n", total, matched);
    ck_assert_uint_ge(total, 100000);
    /* half of the queries aim at entries: if few match, the test is blind */
    ck_assert_msg(matched > total / 5, "only %lu of %lu addresses matched", matched, total);
}
END_TEST

/*
 * The line index: large IPv4 lists are answered from one cache line per
 * lookup (see rm_index.c).  A list big enough to have one, with the cases
 * its buckets must get right: the first and last addresses, a range over
 * many buckets (the bucket begins inside a record), records that touch
 * (no gap between them), boundaries at a bucket's first and last offsets,
 * and a cluster dense enough to fill a bucket (whose lookups fall back to
 * the first level).  Every answer, one at a time and in batches, is
 * checked against the written entries merged into disjoint intervals.
 */
#define LINE_N 420000

typedef struct span {
    rm_u128 lo, hi;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void span_add(span *iv, size_t *n, char *buf, size_t *len, enum rm_family f,
                     rm_u128 lo, rm_u128 hi, unsigned plen)
{
    char    a[RM_ADDR_STRLEN], b[RM_ADDR_STRLEN];

    fmt_v(f, lo, a);
    if (plen)
        *len += (size_t) sprintf(buf + *len, "%s/%u\n", a, plen);
    else if (lo == hi)
        *len += (size_t) sprintf(buf + *len, "%s\n", a);
    else
        *len += (size_t) sprintf(buf + *len, "%s-%s\n", a, fmt_v(f, hi, b));
    iv[*n].lo = lo;
    iv[*n].hi = hi;
    (*n)++;
}

/* merged - the written intervals as disjoint, ascending unions; returns their count */
static size_t merged(const span *iv, size_t n, span *out)
{
    size_t  k = 0;

    for (size_t i = 0; i < n; i++) {
        if (k > 0 && (out[k - 1].hi == ALL128 || iv[i].lo <= out[k - 1].hi + 1)) {
            if (iv[i].hi > out[k - 1].hi)
                out[k - 1].hi = iv[i].hi;
        } else {
            out[k++] = iv[i];
        }
    }
    return k;
}

static bool in_merged(const span *u, size_t k, rm_u128 x)
{
    size_t  lo = 0, hi = k;

    while (lo < hi) {
        size_t  mid = lo + (hi - lo) / 2;

        if (u[mid].lo <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && x <= u[lo - 1].hi;
}

/*
 * check_answers - ask l about q[0..nq) one at a time and in one batch,
 * each with and without asking which entry matched (the summary answers
 * the second kind alone): all must give want[i], both that name an entry
 * the same one, and that entry must contain the client (an IPv4-mapped
 * address is the IPv4 client it carries).
 */
static void check_answers(const rm_list *l, const rm_addr *q, size_t nq, const bool *want, const char *ctx)
{
    bool   *bh = malloc(nq * sizeof(*bh)), *bh0 = malloc(nq * sizeof(*bh0));
    rm_match *bm = malloc(nq * sizeof(*bm));
    size_t  matched = 0;

    ck_assert(bh && bh0 && bm);
    rm_list_match_batch(l, q, nq, bh, bm);
    rm_list_match_batch(l, q, nq, bh0, NULL);
    for (size_t i = 0; i < nq; i++) {
        rm_match m;
        rm_entry_info info;
        char    as[RM_ADDR_STRLEN];
        bool    mapped = q[i].family == RM_AF_INET6 && (q[i].v >> 32) == 0xffff;
        rm_addr a = mapped ? u_v4((uint32_t) q[i].v) : q[i];
        bool    got = lookup(l, &q[i], &m), got0 = lookup(l, &q[i], NULL);

        U_CHECK(got == want[i], "%s: query %zu: %s: want %s, got %s", ctx, i, u_fmt(&q[i], as),
                want[i] ? "match" : "no match", got ? "match" : "no match");
        U_CHECK(got0 == got, "%s: query %zu: %s: without the entry asked, %s", ctx, i, u_fmt(&q[i], as),
                got0 ? "match" : "no match");
        U_CHECK(bh[i] == got, "%s: query %zu: %s: batch says %s, one lookup %s", ctx, i, u_fmt(&q[i], as),
                bh[i] ? "match" : "no match", got ? "match" : "no match");
        U_CHECK(bh0[i] == got, "%s: query %zu: %s: batch without entries says %s", ctx, i, u_fmt(&q[i], as),
                bh0[i] ? "match" : "no match");
        if (!got)
            continue;
        matched++;
        U_CHECK(bm[i].entry == m.entry, "%s: query %zu: %s: batch names entry %u, one lookup %u", ctx, i,
                u_fmt(&q[i], as), bm[i].entry, m.entry);
        U_CHECK(rm_list_entry(l, m.entry, &info) == 0, "rm_list_entry failed");
        U_CHECK(entry_covers(&info.entry, &a), "%s: query %zu: %s: entry %u (line %u) does not contain it",
                ctx, i, u_fmt(&q[i], as), m.entry, info.line);
    }
    free(bm);
    free(bh0);
    free(bh);
    printf("check_list: %s: %zu addresses, %zu matched\n", ctx, nq, matched);
    /* a quarter of the queries at least lie inside entries: if few match,
     * the test is blind */
    ck_assert_msg(matched > nq / 4, "%s: only %zu of %zu addresses matched", ctx, matched, nq);
}

START_TEST(test_list_line_index)
{
    if (!use_lookup(_i))
        return;
    u_rng   r = {u_seed("check_list line index")};
    span   *iv = malloc((LINE_N + 8) * sizeof(*iv)), *u = malloc((LINE_N + 8) * sizeof(*u));
    char   *buf = malloc((size_t) LINE_N * 40);
    size_t  n = 0, len = 0, k, nq = 0, qcap = 600000;
    rm_addr *q = malloc(qcap * sizeof(*q));
    bool   *want = malloc(qcap * sizeof(*want));
    rm_index_stats st;
    rm_list *l;

    ck_assert(iv && u && buf && q && want);
    span_add(iv, &n, buf, &len, RM_AF_INET, 0, 0, 0);                               /* 0.0.0.0 */
    span_add(iv, &n, buf, &len, RM_AF_INET, 0xffffffffu, 0xffffffffu, 0);           /* 255.255.255.255 */
    span_add(iv, &n, buf, &len, RM_AF_INET, 0x14000000u, 0x1403ffffu, 0);           /* 20.0.0.0-20.3.255.255 */
    span_add(iv, &n, buf, &len, RM_AF_INET, 0x28000000u, 0x280000ffu, 24);          /* 40.0.0.0/24 */
    span_add(iv, &n, buf, &len, RM_AF_INET, 0x28000100u, 0x280001ffu, 24);          /* 40.0.1.0/24, touching it */
    span_add(iv, &n, buf, &len, RM_AF_INET, 0x3200ffffu, 0x3200ffffu, 0);           /* 50.0.255.255 */
    span_add(iv, &n, buf, &len, RM_AF_INET, 0x32010000u, 0x32010000u, 0);           /* 50.1.0.0 */
    span_add(iv, &n, buf, &len, RM_AF_INET, 0x1e10ff00u, 0x1e110000u, 0);           /* ends on a bucket's first address */
    span_add(iv, &n, buf, &len, RM_AF_INET, 0x1e12ffffu, 0x1e130005u, 0);           /* starts on a bucket's last */
    span_add(iv, &n, buf, &len, RM_AF_INET, 0x1e20ff00u, 0x1e20ffffu, 0);           /* ends on a bucket's last */
    for (uint32_t i = 0; i < 200; i++)                                  /* 30.0.0.0/23, every other */
        span_add(iv, &n, buf, &len, RM_AF_INET, 0x1e000000u + 2 * i, 0x1e000000u + 2 * i, 0);
    /* The random entries keep out of 29.255.0.0 - 30.255.255.255, so that
     * none covers the cluster (a covered record is swept away). */
    while (n < LINE_N) {
        uint32_t x = (uint32_t) u_rand64(&r), form = (uint32_t) u_below(&r, 10);

        if (x >> 24 == 30 || x >> 16 == 0x1dff)
            continue;

        if (form < 4) {
            span_add(iv, &n, buf, &len, RM_AF_INET, x, x, 0);
        } else if (form < 8) {
            unsigned plen = 16 + (unsigned) u_below(&r, 16);
            uint32_t mask = ~(0xffffffffu >> plen);

            span_add(iv, &n, buf, &len, RM_AF_INET, x & mask, (x & mask) | ~mask, plen);
        } else {
            uint64_t w = u_below(&r, form == 8 ? 4096 : (1u << 16));
            uint32_t hi = (uint64_t) x + w > 0xffffffffu ? 0xffffffffu : (uint32_t) (x + w);

            span_add(iv, &n, buf, &len, RM_AF_INET, x, hi, 0);
        }
    }
    l = load_ok(buf, len, NULL);
    ck_assert_uint_eq(rm_list_count(l), n);
    rm_list_index_stats(l, &st);
    printf("check_list: line index: %u buckets, %u full, %u records indexed\n",
           st.buckets4, st.full4, st.indexed4);
    ck_assert_msg(st.buckets4 > 0, "a list of %zu IPv4 entries has no line index", n);
    ck_assert_msg(st.full4 > 0, "the dense cluster did not fill a bucket");
    ck_assert_msg(st.full4 < st.buckets4 / 10, "%u of %u buckets are full", st.full4, st.buckets4);

    qsort(iv, n, sizeof(*iv), span_cmp);
    k = merged(iv, n, u);
    /* The queries: both ends of every written entry and the addresses just
     * outside them, every address of the dense cluster and around it, and
     * random addresses; some asked in IPv4-mapped form. */
    for (size_t i = 0; i < n && nq + 4 <= qcap - 200000; i += 1 + (size_t) u_below(&r, 4)) {
        q[nq++] = u_v4(iv[i].lo);
        q[nq++] = u_v4(iv[i].hi);
        q[nq++] = u_v4(iv[i].lo - 1);
        q[nq++] = u_v4(iv[i].hi + 1);
    }
    for (uint32_t x = 0x1dffff00u; x < 0x1e000300u; x++)
        q[nq++] = u_v4(x);
    for (uint32_t x = 0x1e10fffeu; x < 0x1e110003u; x++)
        q[nq++] = u_v4(x);
    for (uint32_t x = 0x1e12fffeu; x < 0x1e130008u; x++)
        q[nq++] = u_v4(x);
    for (uint32_t x = 0x1e20fffeu; x < 0x1e210002u; x++)
        q[nq++] = u_v4(x);
    while (nq < qcap)
        q[nq++] = u_v4((uint32_t) u_rand64(&r));
    for (size_t i = 0; i < nq; i += 7)
        q[i] = mkaddr(RM_AF_INET6, MAPPED((uint32_t) q[i].v));
    /* A few IPv6 clients, so that some batch groups are mixed. */
    for (size_t i = 0; i < nq; i += 5003)
        q[i] = mkaddr(RM_AF_INET6, (((rm_u128) 0x20010db8u) << 96) | i);

    for (size_t i = 0; i < nq; i++)
        want[i] = (q[i].family == RM_AF_INET || (q[i].v >> 32) == 0xffff) && in_merged(u, k, (uint32_t) q[i].v);
    check_answers(l, q, nq, want, "line index");
    rm_list_free(l);
    free(want);
    free(q);
    free(buf);
    free(u);
    free(iv);
}
END_TEST

/*
 * The IPv4 summary (two bits per /24, rm_index.c) comes with the line
 * index: a list one entry short of LINE4_MIN_RECORDS has neither, one of
 * exactly that many has both.  Both are asked about the edges of every
 * /24 that the entries below begin or end in or beside: a /24 covered
 * whole ("all"), one covered by two /25s together or by a range one
 * address short at either end, hosts on its first and last addresses, a
 * range over several whole /24s with ragged ends, /24s that touch, and a
 * record that ends on a /24 whose next record starts inside a /24 of the
 * same or of a later line-index bucket (the gaps the line index may and
 * may not leave out).  Then the same list with Exchange entries whose
 * masks are not prefixes, and with an IPv6 range that reaches into the
 * IPv4-mapped space (over 0.0.0.0-12.255.255.255): a "none" /24 no
 * longer answers alone there.  The same three for
 * a list of 1,000, whose batches are searched inline (direct4_group).
 */
#define SUM_N ((size_t) 393216)            /* LINE4_MIN_RECORDS */

static void sum_edges(span *iv, size_t *n, char *buf, size_t *len, rm_addr *q, size_t *nq)
{
    static const uint32_t pat[][2] = {
        {0x0b000000u, 0x0b0000ffu},     /* 11.0.0.0/24: all */
        {0x0b000100u, 0x0b00017fu},     /* 11.0.1.0/25 and */
        {0x0b000180u, 0x0b0001ffu},     /* 11.0.1.128/25: mixed, covered */
        {0x0b000301u, 0x0b0003ffu},     /* 11.0.3.1-11.0.3.255 */
        {0x0b000500u, 0x0b0005feu},     /* 11.0.5.0-11.0.5.254 */
        {0x0b000700u, 0x0b000700u},     /* 11.0.7.0 */
        {0x0b0007ffu, 0x0b0007ffu},     /* 11.0.7.255 */
        {0x0b000980u, 0x0b000e7fu},     /* 11.0.9.128-11.0.14.127 */
        {0x0b001000u, 0x0b0011ffu},     /* 11.0.16.0/23, then touching: */
        {0x0b001200u, 0x0b0012ffu},     /* 11.0.18.0/24 */
        {0x0b001400u, 0x0b0014ffu},     /* a /24, then the next record */
        {0x0b001680u, 0x0b001680u},     /* inside a /24 of the same bucket */
        {0x0b01ff00u, 0x0b01ffffu},     /* a bucket's last /24, then */
        {0x0b020040u, 0x0b020040u},     /* inside the next bucket's first /24 */
        {0x0b04ff00u, 0x0b04ffffu},     /* the same, */
        {0x0b0a0040u, 0x0b0a0040u},     /* buckets later */
        {0x0b100000u, 0x0b13ffffu},     /* 11.16.0.0/14: memset runs */
        {0x0b200001u, 0x0b2400feu},     /* ragged, over many */
    };

    for (size_t i = 0; i < NELEM(pat); i++)
        span_add(iv, n, buf, len, RM_AF_INET, pat[i][0], pat[i][1], 0);
    for (size_t i = 0; i < NELEM(pat); i++) {
        for (int e = 0; e < 2; e++) {
            uint32_t p = (pat[i][e] & ~0xffu) - 0x100u;

            /* every edge of the /24 before, of its own and of the next */
            for (int k = 0; k < 3; k++, p += 0x100u) {
                static const uint32_t off[] = {0, 1, 0x7f, 0x80, 0xfe, 0xff};

                for (size_t o = 0; o < NELEM(off); o++)
                    q[(*nq)++] = u_v4(p + off[o]);
            }
            q[(*nq)++] = u_v4(pat[i][e] - 1);
            q[(*nq)++] = u_v4(pat[i][e] + 1);
        }
    }
}

/* sum_fill - random entries outside 11.0.0.0/8 up to n in all */
static void sum_fill(u_rng *r, span *iv, size_t *n, char *buf, size_t *len, size_t want)
{
    while (*n < want) {
        uint32_t x = (uint32_t) u_rand64(r), form = (uint32_t) u_below(r, 10);

        if (x >> 24 == 11)
            continue;
        if (form < 4) {
            span_add(iv, n, buf, len, RM_AF_INET, x, x, 0);
        } else {
            unsigned plen = form < 8 ? 20 + (unsigned) u_below(r, 5) : 25 + (unsigned) u_below(r, 7);
            uint32_t mask = ~(0xffffffffu >> plen);

            span_add(iv, n, buf, len, RM_AF_INET, x & mask, (x & mask) | ~mask, plen);
        }
    }
}

START_TEST(test_list_summary)
{
    if (!use_lookup(_i))
        return;
    u_rng   r = {u_seed("check_list summary")};
    span   *iv = malloc((SUM_N + 8) * sizeof(*iv)), *u = malloc((SUM_N + 8) * sizeof(*u));
    char   *buf = malloc(SUM_N * 40 + 4096);
    size_t  qcap = 300000;
    rm_addr *q = malloc(qcap * sizeof(*q));
    bool   *want = malloc(qcap * sizeof(*want));

    ck_assert(iv && u && buf && q && want);
    /* Rounds 0 and 4: one short of the threshold, and a list that stays
     * in the caches (whose batches are searched inline); 1: at it; 2 and
     * 5: with a side entry; 3 and 6: with the IPv6 range. */
    for (int round = 0; round < 7; round++) {
        int     extra = round < 4 ? round : round - 3;
        size_t  n = 0, len = 0, nq = 0, k;
        rm_index_stats st;
        rm_list *l;
        char    ctx[64];

        sum_edges(iv, &n, buf, &len, q, &nq);
        sum_fill(&r, iv, &n, buf, &len, round >= 4 ? 1000 : round == 0 ? SUM_N - 1 : SUM_N - (round >= 2));
        if (extra == 2)
            len += (size_t) sprintf(buf + len, "11.0.30.0;255.0.255.0\n");
        if (extra == 3)
            len += (size_t) sprintf(buf + len, "::fffe:ffff:ffff-::ffff:cff:ffff\n");
        l = load_ok(buf, len, NULL);
        rm_list_index_stats(l, &st);
        printf("check_list: summary round %d: %u none, %u all, %u mixed; %u of %u buckets full; %zu bytes\n",
               round, st.sum4[RM_SUM4_NONE], st.sum4[RM_SUM4_ALL], st.sum4[RM_SUM4_MIXED],
               st.full4, st.buckets4, rm_list_bytes(l));
        if (round == 0 || round >= 4) {
            ck_assert_uint_eq(st.sum4[RM_SUM4_ALL] + st.sum4[RM_SUM4_MIXED] + st.sum4[RM_SUM4_NONE], 0);
            ck_assert_uint_eq(st.buckets4, 0);
        } else {
            ck_assert_uint_eq(st.sum4[RM_SUM4_ALL] + st.sum4[RM_SUM4_MIXED] + st.sum4[RM_SUM4_NONE], 1u << 24);
            ck_assert_uint_gt(st.sum4[RM_SUM4_ALL], 0);
            ck_assert_uint_gt(st.buckets4, 0);
        }
        qsort(iv, n, sizeof(*iv), span_cmp);
        k = merged(iv, n, u);
        for (uint32_t x = 0x0b001e00u; x < 0x0b001f00u; x++)        /* around the side entry */
            q[nq++] = u_v4(x);
        for (uint32_t x = 0x0bff1e00u; x < 0x0bff1e10u; x++)
            q[nq++] = u_v4(x);
        for (size_t i = 0; i < n && nq + 4 <= qcap - 60000; i += 1 + (size_t) u_below(&r, 16)) {
            q[nq++] = u_v4((uint32_t) iv[i].lo);
            q[nq++] = u_v4((uint32_t) iv[i].hi);
            q[nq++] = u_v4((uint32_t) iv[i].lo - 1);
            q[nq++] = u_v4((uint32_t) iv[i].hi + 1);
        }
        while (nq < qcap - 10) {
            /* Every other one inside an entry; with the IPv6 entry, the
             * others inside 12.0.0.0/8. */
            uint32_t x = (uint32_t) u_rand64(&r);
            const span *e = &iv[u_below(&r, n)];

            if (nq % 2 == 0)
                x = (uint32_t) e->lo + (uint32_t) (x % ((uint64_t) (e->hi - e->lo) + 1));
            else if (extra == 3)
                x = 0x0c000000u | (x & 0xffffffu);
            q[nq++] = u_v4(x);
        }
        /* Some asked in IPv4-mapped form, in the last quarter only: a
         * batch group with none is answered by the summary pass. */
        for (size_t i = nq - nq / 4; i < nq; i += 11)
            q[i] = mkaddr(RM_AF_INET6, MAPPED((uint32_t) q[i].v));
        for (size_t i = 0; i < nq; i++) {
            uint32_t x = (uint32_t) q[i].v;

            want[i] = in_merged(u, k, x)
                || (extra == 2 && (x & 0xff00ff00u) == 0x0b001e00u)
                || (extra == 3 && x < 0x0d000000u);
        }
        snprintf(ctx, sizeof(ctx), "summary round %d", round);
        check_answers(l, q, nq, want, ctx);
        rm_list_free(l);
    }
    free(want);
    free(q);
    free(buf);
    free(u);
    free(iv);
}
END_TEST

/*
 * Batches of IPv6 lookups take their own path (v6_group in rm_batch.c); the
 * same check for it, on a list of IPv6 prefixes, ranges and hosts, with
 * hundreds of hosts in one /64 (whose keys, the top 64 bits, are all equal,
 * so the whole address must decide) and a range over many first-level
 * slots.
 */
#define V6_N 30000
#define DB8(hi, lo) ((((rm_u128) 0x20010db8u) << 96) | ((rm_u128) (hi) << 64) | (rm_u128) (lo))

START_TEST(test_list_v6_batch)
{
    u_rng   r = {u_seed("check_list IPv6 batches")};
    span   *iv = malloc((V6_N + 8) * sizeof(*iv)), *u = malloc((V6_N + 8) * sizeof(*u));
    char   *buf = malloc((size_t) V6_N * 100);
    size_t  n = 0, len = 0, k, nq = 0, qcap = 300000;
    rm_addr *q = malloc(qcap * sizeof(*q));
    bool   *want = malloc(qcap * sizeof(*want));
    rm_list *l;

    ck_assert(iv && u && buf && q && want);
    /* Some IPv4 entries, which come first in the entry numbering. */
    for (uint32_t i = 0; i < 3; i++)
        len += (size_t) sprintf(buf + len, "192.0.2.%u\n", i);
    span_add(iv, &n, buf, &len, RM_AF_INET6, DB8(0x10000, 0), DB8(0x3ffff, ~0ull), 0);
    for (uint64_t i = 0; i < 400; i++)                                  /* 2001:db8:0:7::/64, hosts */
        span_add(iv, &n, buf, &len, RM_AF_INET6, DB8(7, 3 * i + 1), DB8(7, 3 * i + 1), 0);
    while (n < V6_N) {
        rm_u128 x = u_below(&r, 2) ? DB8(u_rand64(&r) & 0xffffffffu, u_rand64(&r))
            : (((rm_u128) 1) << 125) | (u_rand128(&r) >> 3);
        uint64_t form = u_below(&r, 10);

        if ((x >> 64) == (DB8(7, 0) >> 64))
            continue;
        if (form < 2) {
            span_add(iv, &n, buf, &len, RM_AF_INET6, x, x, 0);
        } else if (form < 8) {
            unsigned plen = 32 + (unsigned) u_below(&r, 97);
            rm_u128 mask = plen == 128 ? ALL128 : ~(ALL128 >> plen);

            span_add(iv, &n, buf, &len, RM_AF_INET6, x & mask, (x & mask) | ~mask, plen);
        } else {
            rm_u128 w = u_rand128(&r) >> (u_below(&r, 2) ? 100 : 60);

            span_add(iv, &n, buf, &len, RM_AF_INET6, x, ALL128 - x < w ? ALL128 : x + w, 0);
        }
    }
    l = load_ok(buf, len, NULL);
    ck_assert_uint_eq(rm_list_count(l), n + 3);
    qsort(iv, n, sizeof(*iv), span_cmp);
    k = merged(iv, n, u);
    for (size_t i = 0; i < n && nq + 4 <= qcap / 2; i++) {
        q[nq++] = u_v6(iv[i].lo);
        q[nq++] = u_v6(iv[i].hi);
        q[nq++] = u_v6(iv[i].lo - 1);
        q[nq++] = u_v6(iv[i].hi + 1);
    }
    for (uint64_t x = 0; x < 1300; x++)
        q[nq++] = u_v6(DB8(7, x));
    while (nq < qcap)
        q[nq++] = u_v6(u_below(&r, 2) ? DB8(u_rand64(&r) & 0xffffffffu, u_rand64(&r))
                       : (((rm_u128) 1) << 125) | (u_rand128(&r) >> 3));
    /* A few IPv4 clients, so that some batch groups are mixed. */
    for (size_t i = 0; i < nq; i += 5003)
        q[i] = u_v4(0xc0000200u + (uint32_t) (i % 5));

    for (size_t i = 0; i < nq; i++)
        want[i] = q[i].family == RM_AF_INET6 ? in_merged(u, k, q[i].v) : (uint32_t) q[i].v < 0xc0000203u;
    check_answers(l, q, nq, want, "IPv6 batches");
    rm_list_free(l);
    free(want);
    free(q);
    free(buf);
    free(u);
    free(iv);
}
END_TEST

/*
 * The two sorts of the IPv4 records: the radix sort a load from a file
 * runs through its spent buffer, and the introsort everything else runs.
 * Each shape makes one key decide after another: starts from a few values
 * (0 and 0xffffffff among them), the same start with different ends, the
 * same start and end on many lines, whole duplicates.
 */
static const char *const sort_shapes[] = {"few", "same-lo", "all-equal", "edges", "random"};

static uint32_t sort_value(u_rng *r, int shape)
{
    static const uint32_t edges[] = {0, 1, 0xff, 0x100, 0xffffff00u, 0xfffffffeu, 0xffffffffu};

    switch (shape) {
    case 0:
        return (uint32_t) u_below(r, 4) << 24 | (uint32_t) u_below(r, 3);
    case 1:
        return 0x0a000000u;
    case 2:
        return 0xc0000200u;
    case 3:
        return edges[u_below(r, NELEM(edges))];
    default:
        return (uint32_t) u_rand64(r);
    }
}

/* sort_fill - n records of one shape, in line order as a load parses them */

static void sort_fill(u_rng *r, int shape, rec4 *rec, uint32_t *meta, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t lo = sort_value(r, shape), hi = sort_value(r, shape == 1 ? 3 : shape);

        if (hi < lo) {
            uint32_t t = hi;

            hi = lo;
            lo = t;
        }
        rec[i].lo = lo;
        rec[i].hi = hi;
        meta[i] = (uint32_t) (i + 1) | ((uint32_t) u_below(r, 4) << META_FORM_SHIFT);
    }
}

/* Both sorts give the same records and meta, in (lo, hi descending, line) */
START_TEST(test_list_sort_radix)
{
    static const size_t counts[] = {1, 2, 17, 1000, 20000};
    u_rng   r = {u_seed("check_list radix sort") + (uint64_t) _i};

    for (size_t z = 0; z < NELEM(counts); z++) {
        size_t  n = counts[z], len = n * 12 + 4;
        rec4   *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b));
        uint32_t *am = malloc(n * sizeof(*am)), *bm = malloc(n * sizeof(*bm));
        unsigned char *scratch = malloc(len + 1);

        ck_assert(a && b && am && bm && scratch);
        sort_fill(&r, _i, a, am, n);
        memcpy(b, a, n * sizeof(*a));
        memcpy(bm, am, n * sizeof(*am));
        rm_index_sort4(a, am, n);
        /* scratch + 1: the radix sort aligns what it is lent */
        ck_assert_msg(rm_index_radix4(b, bm, n, scratch + 1, len), "%s: radix sort declined", sort_shapes[_i]);
        for (size_t i = 0; i < n; i++) {
            ck_assert_msg(a[i].lo == b[i].lo && a[i].hi == b[i].hi && am[i] == bm[i],
                          "%s n=%zu: record %zu differs: [%08x,%08x] line %u vs [%08x,%08x] line %u",
                          sort_shapes[_i], n, i, a[i].lo, a[i].hi, META_LINE(am[i]),
                          b[i].lo, b[i].hi, META_LINE(bm[i]));
            if (i > 0)
                ck_assert_msg(b[i - 1].lo < b[i].lo
                              || (b[i - 1].lo == b[i].lo && (b[i - 1].hi > b[i].hi
                                  || (b[i - 1].hi == b[i].hi && META_LINE(bm[i - 1]) < META_LINE(bm[i])))),
                              "%s n=%zu: records %zu and %zu out of order", sort_shapes[_i], n, i - 1, i);
        }
        free(a);
        free(b);
        free(am);
        free(bm);
        free(scratch);
    }
}
END_TEST

/* The radix sort declines, touching nothing, when its scratch is short or
 * the lines do not ascend; the introsort is then what sorts */
START_TEST(test_list_sort_radix_declines)
{
    rec4    rec[3] = {{5, 9}, {1, 2}, {5, 9}}, was[3];
    uint32_t meta[3] = {1, 2, 3}, wasm[3];
    _Alignas(4) unsigned char scratch[3 * 12];

    memcpy(was, rec, sizeof(rec));
    memcpy(wasm, meta, sizeof(meta));
    ck_assert(!rm_index_radix4(rec, meta, 3, scratch, sizeof(scratch) - 1));
    ck_assert(!rm_index_radix4(rec, meta, 3, NULL, 0));
    meta[1] = 7;
    wasm[1] = 7;
    ck_assert(!rm_index_radix4(rec, meta, 3, scratch, sizeof(scratch)));
    ck_assert(memcmp(rec, was, sizeof(rec)) == 0 && memcmp(meta, wasm, sizeof(meta)) == 0);
    meta[1] = 2;
    ck_assert(rm_index_radix4(rec, meta, 3, scratch, sizeof(scratch)));
    ck_assert(rec[0].lo == 1 && meta[0] == 2 && meta[1] == 1 && meta[2] == 3);
}
END_TEST

/* sort_compare - every record's ends and their neighbours get the same
 * answer and the same line from lists a and b */

static void sort_compare(const rm_list *a, const rm_list *b, const rec4 *rec, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t probe[4] = {rec[i].lo, rec[i].hi, rec[i].lo - 1, rec[i].hi + 1};

        for (unsigned k = 0; k < 4; k++) {
            rm_addr x = mkaddr(RM_AF_INET, probe[k]);
            rm_match ma, mb;
            rm_entry_info ia, ib;
            bool    ha = rm_list_match(a, &x, &ma), hb = rm_list_match(b, &x, &mb);

            ck_assert_msg(ha == hb, "%s: %08x: %d vs %d", what, probe[k], ha, hb);
            if (!ha)
                continue;
            ck_assert_int_eq(rm_list_entry(a, ma.entry, &ia), 0);
            ck_assert_int_eq(rm_list_entry(b, mb.entry, &ib), 0);
            ck_assert_msg(ia.line == ib.line, "%s: %08x: line %u vs %u", what, probe[k], ia.line, ib.line);
        }
    }
}

/* A list loaded from a file (radix sort, or the introsort when its lines
 * are too short to lend 12 bytes a record) answers as the same text
 * loaded from memory (the introsort) */
START_TEST(test_list_sort_load)
{
    enum { N = 3000 };
    u_rng   r = {u_seed("check_list sort load") + (uint64_t) _i};
    static rec4 rec[N];
    static uint32_t meta[N];
    char    dir[256], path[512], *text = malloc((size_t) N * 64 + 1), *p = text;
    rm_list *a = SENTINEL, *b = SENTINEL;
    rm_diag d;
    bool    pad = _i % 2 == 0;

    ck_assert(text != NULL);
    sort_fill(&r, _i / 2, rec, meta, N);
    for (size_t i = 0; i < N; i++) {
        uint32_t lo = rec[i].lo, hi = rec[i].hi;

        if (pad)
            p += sprintf(p, "%u.%u.%u.%u-%u.%u.%u.%u   # padded\n", lo >> 24, (lo >> 16) & 255,
                         (lo >> 8) & 255, lo & 255, hi >> 24, (hi >> 16) & 255, (hi >> 8) & 255, hi & 255);
        else                            /* as short as the shape makes them: for
                                         * the first shapes, under 12 bytes a
                                         * line, too few to lend the radix sort */
            p += sprintf(p, "%u.%u.%u.%u\n", lo >> 24, (lo >> 16) & 255, (lo >> 8) & 255, lo & 255);
        if (!pad)
            rec[i].hi = lo;
    }
    u_tmpdir(dir, sizeof(dir));
    u_path(path, sizeof(path), dir, "sort.list");
    u_write_str(path, text);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load(path, NULL, NULL, &a, &d), 0);
    ck_assert_int_eq(rm_list_load_buffer("mem", text, (size_t) (p - text), NULL, &b, &d), 0);
    sort_compare(a, b, rec, N, sort_shapes[_i / 2]);
    rm_list_free(a);
    rm_list_free(b);
    u_rmtree(dir);
    free(text);
}
END_TEST

/* rm_list_match runs the popcnt build exactly where the processor has it */
START_TEST(test_list_isa)
{
#if RM_HAVE_POPCNT
    __builtin_cpu_init();
    ck_assert_str_eq(rm_list_match_isa(), __builtin_cpu_supports("popcnt") ? "popcnt" : "generic");
#else
    ck_assert_str_eq(rm_list_match_isa(), "generic");
#endif
}
END_TEST

static Suite *list_suite(void)
{
    Suite  *s = suite_create("list");
    TCase  *tc;

    tc = tcase_create("multi-entry");
    tcase_add_loop_test(tc, test_list_disjoint_sizes, 0, (int) NELEM(sizes));
    tcase_add_test(tc, test_list_isa);
    tcase_add_test(tc, test_list_exchange_two_entries);
    tcase_add_test(tc, test_list_overlaps);
    tcase_add_test(tc, test_list_provenance);
    tcase_add_test(tc, test_list_mapped_clients);
    tcase_add_test(tc, test_list_exchange_masks);
    tcase_add_test(tc, test_list_caps);
    tcase_add_test(tc, test_list_load_file);
    tcase_add_test(tc, test_list_empty);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("random");
    tcase_add_loop_test(tc, test_list_random_vs_libcidr, 0, (int) NELEM(lookups));
    tcase_add_loop_test(tc, test_list_line_index, 0, (int) NELEM(lookups));
    tcase_add_loop_test(tc, test_list_summary, 0, (int) NELEM(lookups));
    tcase_add_test(tc, test_list_v6_batch);
    tcase_add_loop_test(tc, test_list_sort_radix, 0, (int) NELEM(sort_shapes));
    tcase_add_test(tc, test_list_sort_radix_declines);
    tcase_add_loop_test(tc, test_list_sort_load, 0, 2 * (int) NELEM(sort_shapes));
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(list_suite());
}
