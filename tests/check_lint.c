/* SPDX-License-Identifier: BSD-2-Clause */
/* check_lint - rm_lint_list and rm_lint_entry_refused: one table row per list */

/*
 * A row is a list's text and its kind (-1: not known), and every finding
 * lint must report, in order, each as "FILE:LINE:COL: SEVERITY: TEXT"
 * (line and column 0 when the finding is not about one).  The list is
 * loaded by the real loader first, as relayctl lint and import do.  Rows
 * with notext call lint without the file's text: every column is 1.
 */

#include "unit_util.h"

#include "rm_lint.h"
#include "rm_policy.h"

#define BUF(s) {s, sizeof(s) - 1}
#define F "l:"                          /* the list's name in messages */
#define ANY (-1)

typedef struct bytes {
    const char *p;
    size_t  len;
} bytes;

typedef struct lint_row {
    const char *what;
    int     kind;
    bytes   in;
    bool    notext;
    long    want;                       /* the return value */
    const char *findings;               /* every finding, "a | b", or "" */
} lint_row;

#define OPEN_ALLOW "as an allow list this opens relaying to the whole Internet"
#define OPEN_DENY "as a deny list this refuses every client"
#define OPEN_LOCAL "as a local-IP list this lets every client relay"

static const lint_row rows[] = {
    /* -- nothing to say -- */
    {"an empty list", RM_LIST_ALLOW, BUF(""), false, 0, ""},
    {"comments only", RM_LIST_ALLOW, BUF("# a\n\n  # b\n"), false, 0, ""},
    {"disjoint entries", RM_LIST_ALLOW, BUF("10.0.0.0/8\n192.0.2.1\n2001:db8::/32\n192.0.2.2\n"), false, 0, ""},
    {"adjacent, not overlapping", RM_LIST_DENY, BUF("192.0.2.0/25\n192.0.2.128/25\n"), false, 0, ""},
    {"an Exchange mask that is a netmask", RM_LIST_ALLOW, BUF("192.0.2.0;255.255.255.0\n"), false, 0, ""},

    /* -- dead Exchange entries -- */
    {"a net with bits outside its mask", RM_LIST_ALLOW, BUF("10.0.0.1\n192.0.2.1;255.255.255.0\n"), false, 1,
     F "2:1: warning: entry 192.0.2.1;255.255.255.0 can never match: its net has bits outside its mask, "
     "and Exchange matched (IP AND mask) == net (did you mean 192.0.2.0;255.255.255.0?)"},
    {"a wildcard (inverse) mask", RM_LIST_DENY, BUF("  192.0.2.0;0.0.0.255\n"), false, 1,
     F "1:3: warning: entry 192.0.2.0;0.0.0.255 can never match: its mask is a wildcard (inverse) mask, "
     "and Exchange matched (IP AND mask) == net (did you mean 192.0.2.0/24?)"},
    {"a dead entry is not also a duplicate", RM_LIST_ALLOW,
     BUF("192.0.2.1;255.255.255.0\n192.0.2.1;255.255.255.0\n"), false, 2,
     F "1:1: warning: entry 192.0.2.1;255.255.255.0 can never match: its net has bits outside its mask, "
     "and Exchange matched (IP AND mask) == net (did you mean 192.0.2.0;255.255.255.0?) | "
     F "2:1: warning: entry 192.0.2.1;255.255.255.0 can never match: its net has bits outside its mask, "
     "and Exchange matched (IP AND mask) == net (did you mean 192.0.2.0;255.255.255.0?)"},

    /* -- repeated and covered entries -- */
    {"the same entry twice", RM_LIST_ALLOW, BUF("192.0.2.1\n10.0.0.1\n192.0.2.1\n"), false, 1,
     F "3:1: warning: entry 192.0.2.1 repeats line 1 (192.0.2.1)"},
    {"the same addresses in another form", RM_LIST_DENY, BUF("192.0.2.0/24\n\t192.0.2.0-192.0.2.255\n"), false, 1,
     F "2:2: warning: entry 192.0.2.0-192.0.2.255 repeats line 1 (192.0.2.0/24)"},
    {"covered by a later, wider line", RM_LIST_ALLOW, BUF("192.0.2.7\n192.0.2.0/24\n"), false, 1,
     F "1:1: warning: entry 192.0.2.7 is covered by line 2 (192.0.2.0/24)"},
    {"a chain: each is covered by the widest", RM_LIST_ALLOW,
     BUF("10.0.0.0/8\n10.1.0.0/16\n10.1.2.0/24\n"), false, 2,
     F "2:1: warning: entry 10.1.0.0/16 is covered by line 1 (10.0.0.0/8) | "
     F "3:1: warning: entry 10.1.2.0/24 is covered by line 1 (10.0.0.0/8)"},
    {"the same start, the wider later", RM_LIST_ALLOW, BUF("192.0.2.0/25\n192.0.2.0/24\n"), false, 1,
     F "1:1: warning: entry 192.0.2.0/25 is covered by line 2 (192.0.2.0/24)"},
    {"the same start, the wider first", RM_LIST_ALLOW, BUF("192.0.2.0/24\n192.0.2.0/25\n"), false, 1,
     F "2:1: warning: entry 192.0.2.0/25 is covered by line 1 (192.0.2.0/24)"},
    {"a non-contiguous mask is matched as written, never covered", RM_LIST_ALLOW,
     BUF("0.0.0.0/8\n192.0.0.1;255.0.255.255\n192.0.0.1;255.0.255.255\n"), false, 0, ""},
    {"overlapping, neither covers the other", RM_LIST_ALLOW,
     BUF("192.0.2.0-192.0.2.100\n192.0.2.50-192.0.2.200\n"), false, 0, ""},
    {"the same range in both families is no repeat", RM_LIST_ALLOW, BUF("0.0.0.1\n::1\n"), false, 0, ""},
    {"IPv6 covered", RM_LIST_LOCAL, BUF("2001:db8::/32\n2001:db8:1::/48\n"), false, 1,
     F "2:1: warning: entry 2001:db8:1::/48 is covered by line 1 (2001:db8::/32)"},

    /* -- whole families -- */
    {"0.0.0.0/0 in an allow list is an error", RM_LIST_ALLOW, BUF("10.0.0.1\n0.0.0.0/0\n"), false, 2,
     F "1:1: warning: entry 10.0.0.1 is covered by line 2 (0.0.0.0/0) | "
     F "2:1: error: entry matches every IPv4 address: " OPEN_ALLOW},
    {"0.0.0.0/0 in a local-IP list is an error", RM_LIST_LOCAL, BUF("0.0.0.0/0\n"), false, 1,
     F "1:1: error: entry matches every IPv4 address: " OPEN_LOCAL},
    {"0.0.0.0/0 in a deny list is a warning", RM_LIST_DENY, BUF("0.0.0.0/0\n"), false, 1,
     F "1:1: warning: entry matches every IPv4 address: " OPEN_DENY},
    {"0.0.0.0/0 in a list of no known kind", ANY, BUF("0.0.0.0/0\n"), false, 1,
     F "1:1: warning: entry matches every IPv4 address: " OPEN_ALLOW},
    {"::/0 matches every IPv4 client too", RM_LIST_ALLOW, BUF("::/0\n"), false, 1,
     F "1:1: error: entry matches every IPv6 address and, through ::ffff:0:0/96, every IPv4 "
     "address: " OPEN_ALLOW},
    {"the union of two halves", RM_LIST_ALLOW, BUF("128.0.0.0/1\n# x\n0.0.0.0/1\n"), false, 1,
     F "0:0: error: together, the entries match every IPv4 address: " OPEN_ALLOW},
    {"the union with overlaps and a covered entry", RM_LIST_DENY,
     BUF("0.0.0.0-100.0.0.0\n50.0.0.0-200.0.0.0\n60.0.0.0/8\n200.0.0.1-255.255.255.255\n"), false, 2,
     F "3:1: warning: entry 60.0.0.0/8 is covered by line 2 (50.0.0.0-200.0.0.0) | "
     F "0:0: warning: together, the entries match every IPv4 address: " OPEN_DENY},
    {"a gap of one address", RM_LIST_ALLOW, BUF("0.0.0.0-100.0.0.0\n100.0.0.2-255.255.255.255\n"), false, 0, ""},
    {"not starting at 0", RM_LIST_ALLOW, BUF("0.0.0.1-255.255.255.255\n"), false, 0, ""},
    {"the IPv6 union", RM_LIST_LOCAL, BUF("::/1\n8000::/1\n"), false, 2,
     F "1:1: error: entry ::/1 covers ::ffff:0:0/96, so it matches every IPv4 client too: " OPEN_LOCAL " | "
     F "0:0: error: together, the entries match every IPv6 address: " OPEN_LOCAL},

    /* -- IPv6 entries that reach IPv4 clients -- */
    {"an IPv6 entry over ::ffff:0:0/96, allow", RM_LIST_ALLOW, BUF("::fffe:0:0/95\n"), false, 1,
     F "1:1: error: entry ::fffe:0:0/95 covers ::ffff:0:0/96, so it matches every IPv4 client too: " OPEN_ALLOW},
    {"an IPv6 entry over ::ffff:0:0/96, deny", RM_LIST_DENY, BUF("::/64\n"), false, 1,
     F "1:1: warning: entry ::/64 covers ::ffff:0:0/96, so it matches every IPv4 client too: " OPEN_DENY},
    {"an IPv6 range into ::ffff:0:0/96", RM_LIST_ALLOW, BUF("::fffe:0:0-::ffff:0:ff\n"), false, 1,
     F "1:1: warning: entry ::fffe:0:0-::ffff:0.0.0.255 reaches into ::ffff:0:0/96, so it also matches "
     "IPv4 clients"},
    {"a range over all of ::ffff:0:0/96", RM_LIST_ALLOW, BUF("::fffe:0:0-::1:0:0:0\n"), false, 1,
     F "1:1: error: entry ::fffe:0:0-::1:0:0:0 covers ::ffff:0:0/96, so it matches every IPv4 client "
     "too: " OPEN_ALLOW},
    {"a non-contiguous IPv6 mask that reaches in", RM_LIST_DENY, BUF("::ffff:0:1;ffff::ffff:ffff:0:ffff\n"),
     false, 1, F "1:1: warning: entry ::ffff:0.0.0.1;ffff::ffff:ffff:0:ffff reaches into ::ffff:0:0/96, so it "
     "also matches IPv4 clients"},
    {"a non-contiguous mask over ::ffff:0:0/96 but not its low bits", RM_LIST_ALLOW,
     BUF("::ffff:0:0;ffff::ffff:ffff:0:ffff\n"), false, 1,
     F "1:1: warning: entry ::ffff:0.0.0.0;ffff::ffff:ffff:0:ffff reaches into ::ffff:0:0/96, so it "
     "also matches IPv4 clients"},
    /* Clearing the net (the hint for other dead entries) would suggest an
     * entry for every address: the hint is the host instead. */
    {"a mask of 0 with a net: dead", RM_LIST_DENY, BUF("192.0.2.1;0.0.0.0\n"), false, 1,
     F "1:1: warning: entry 192.0.2.1;0.0.0.0 can never match: its mask is empty, "
     "and Exchange matched (IP AND mask) == net (did you mean the one host 192.0.2.1? "
     "with its net cleared, it would match every address)"},
    {"an IPv6 entry beside ::ffff:0:0/96", RM_LIST_ALLOW, BUF("::fffe:0:0/96\n::1:0:0:0/96\n"), false, 0, ""},

    /* -- columns -- */
    {"a column after blanks", RM_LIST_ALLOW, BUF("192.0.2.1\n \t 192.0.2.1\n"), false, 1,
     F "2:4: warning: entry 192.0.2.1 repeats line 1 (192.0.2.1)"},
    {"a byte order mark is not a column", RM_LIST_ALLOW, BUF("\xef\xbb\xbf  0.0.0.0/0\n"), false, 1,
     F "1:3: error: entry matches every IPv4 address: " OPEN_ALLOW},
    {"CRLF lines", RM_LIST_ALLOW, BUF("10.0.0.1\r\n  10.0.0.1\r\n"), false, 1,
     F "2:3: warning: entry 10.0.0.1 repeats line 1 (10.0.0.1)"},
    {"a form feed before the entry is a column", RM_LIST_ALLOW, BUF("10.0.0.1\n\f10.0.0.1\n"), false, 1,
     F "2:2: warning: entry 10.0.0.1 repeats line 1 (10.0.0.1)"},
    {"without the text, column 1", RM_LIST_ALLOW, BUF("10.0.0.1\n   10.0.0.1\n"), true, 1,
     F "2:1: warning: entry 10.0.0.1 repeats line 1 (10.0.0.1)"},
};

typedef struct found {
    char    buf[32768];
    size_t  len;
    int     calls;
} found;

static void gather(void *ctx, const rm_diag_msg *m)
{
    found  *f = ctx;
    char    line[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];

    /* Raw line and column: "not about a line" must be 0, not 1. */
    snprintf(line, sizeof(line), "%s:%u:%u: %s: %s", m->file, m->line, m->col,
             m->severity == RM_SEV_ERROR ? "error" : "warning", m->text);
    ck_assert_msg(f->len + strlen(line) + 4 < sizeof(f->buf), "too many findings for the test's buffer");
    f->len += (size_t) snprintf(f->buf + f->len, sizeof(f->buf) - f->len, "%s%s",
                                f->calls++ ? " | " : "", line);
}

/* load - the list as the loader makes it; fails the test if it does not load */

static rm_list *load(const char *what, const bytes *in)
{
    const rm_limits lim = {RM_DEFAULT_MAX_ENTRIES, RM_DEFAULT_MAX_BYTES};
    rm_list *l = NULL;
    rm_diag d;
    char    dump[2048];

    rm_diag_init(&d);
    ck_assert_msg(rm_list_load_buffer("l", in->p, in->len, &lim, &l, &d) == 0, "%s: the list does not load: %s",
                  what, u_diag_dump(&d, dump, sizeof(dump)));
    return l;
}

START_TEST(test_rows)
{
    const lint_row *t = &rows[_i];
    rm_list *l = load(t->what, &t->in);
    found   f = {{0}, 0, 0};
    long    n = rm_lint_list(l, t->kind, t->notext ? NULL : t->in.p, t->notext ? 0 : t->in.len, gather, &f);

    ck_assert_msg(strcmp(f.buf, t->findings) == 0, "%s: findings\n  got  %s\n  want %s", t->what,
                  f.buf, t->findings);
    ck_assert_msg(n == t->want, "%s: returned %ld, want %ld", t->what, n, t->want);
    rm_list_free(l);
}
END_TEST

/* rm_lint_entry_refused: the entry relayctl add refuses without --force */

static const struct {
    const char *entry;
    int     kind;
    bool    refused;
    const char *why;
} refusals[] = {
    {"192.0.2.1", RM_LIST_ALLOW, false, ""},
    {"10.0.0.0/8", RM_LIST_LOCAL, false, ""},
    {"192.0.2.1;255.255.255.0", RM_LIST_DENY, true, "entry 192.0.2.1;255.255.255.0 can never match: its net has "
     "bits outside its mask, and Exchange matched (IP AND mask) == net (did you mean 192.0.2.0;255.255.255.0?)"},
    {"10.0.0.0;0.255.255.255", RM_LIST_ALLOW, true, "entry 10.0.0.0;0.255.255.255 can never match: its mask is "
     "a wildcard (inverse) mask, and Exchange matched (IP AND mask) == net (did you mean 10.0.0.0/8?)"},
    {"0.0.0.0/0", RM_LIST_ALLOW, true, "entry matches every IPv4 address: " OPEN_ALLOW},
    {"0.0.0.0-255.255.255.255", RM_LIST_LOCAL, true, "entry matches every IPv4 address: " OPEN_LOCAL},
    {"0.0.0.0/0", RM_LIST_DENY, false, ""},
    {"::/0", RM_LIST_ALLOW, true, "entry matches every IPv6 address and, through ::ffff:0:0/96, every IPv4 "
     "address: " OPEN_ALLOW},
    {"::ffff:0:0/96", RM_LIST_ALLOW, true, "entry matches every IPv4 address: " OPEN_ALLOW},  /* 0.0.0.0/0 */
    {"::/8", RM_LIST_LOCAL, true, "entry ::/8 covers ::ffff:0:0/96, so it matches every IPv4 client too: "
     OPEN_LOCAL},
    {"::/8", RM_LIST_DENY, false, ""},
    {"::fffe:0:0-::ffff:0:ff", RM_LIST_ALLOW, false, ""},
    {"0.0.0.0/1", RM_LIST_ALLOW, false, ""},
};

START_TEST(test_refused)
{
    rm_entry e;
    rm_perr err;
    char    why[RM_DIAG_TEXT_LEN];
    const char *s = refusals[_i].entry;

    ck_assert_msg(rm_entry_parse(s, strlen(s), &e, &err) == 0, "%s: %s", s, err.msg);
    why[0] = '\0';
    ck_assert_msg(rm_lint_entry_refused(&e, refusals[_i].kind, why, sizeof(why)) == refusals[_i].refused,
                  "%s (kind %d): refused is %d, want %d (%s)", s, refusals[_i].kind, !refusals[_i].refused,
                  refusals[_i].refused, why);
    if (refusals[_i].refused)
        ck_assert_str_eq(why, refusals[_i].why);
}
END_TEST

/* A big list: 100,000 entries, every 1,000th repeated at the end; lint
 * reports each repeat once, in line order, and nothing else. */
START_TEST(test_huge)
{
    const unsigned n = 100000;
    size_t  cap = (size_t) n * 24, len = 0;
    char   *buf = malloc(cap);
    found  *f = calloc(1, sizeof(*f));
    bytes   in;
    rm_list *l;
    long    got;
    char    want[256];

    ck_assert(buf != NULL && f != NULL);
    for (unsigned i = 0; i < n; i++)
        len += (size_t) snprintf(buf + len, cap - len, "10.%u.%u.%u\n", i >> 16, (i >> 8) & 255, i & 255);
    for (unsigned i = 0; i < n; i += 1000)
        len += (size_t) snprintf(buf + len, cap - len, "10.%u.%u.%u\n", i >> 16, (i >> 8) & 255, i & 255);
    in.p = buf;
    in.len = len;
    l = load("huge", &in);
    got = rm_lint_list(l, RM_LIST_ALLOW, buf, len, gather, f);
    ck_assert_int_eq(got, 100);
    ck_assert_int_eq(f->calls, 100);
    snprintf(want, sizeof(want), F "%u:1: warning: entry 10.1.130.184 repeats line %u (10.1.130.184)",
             n + 100, 99000 + 1);              /* 99000 = 1 << 16 | 130 << 8 | 184 */
    ck_assert_msg(strstr(f->buf, want) != NULL && strlen(f->buf) - strlen(want) == (size_t) (strstr(f->buf, want) - f->buf),
                  "the last finding is not \"%s\"", want);
    rm_list_free(l);
    free(f);
    free(buf);
}
END_TEST

int main(void)
{
    Suite  *s = suite_create("rm_lint");
    TCase  *tc = tcase_create("lint");

    tcase_add_loop_test(tc, test_rows, 0, (int) NELEM(rows));
    tcase_add_loop_test(tc, test_refused, 0, (int) NELEM(refusals));
    tcase_add_test(tc, test_huge);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return u_run(s);
}
