/* SPDX-License-Identifier: BSD-2-Clause */
/* check_entry - list entry forms, their errors, and address text */

/*
 * Every valid form of DESIGN.md "List entries" is a row: input, and the
 * entry it must become (values read independently with inet_pton).  Every
 * error is a row: the file as written, and the one message wanted, exactly
 * as rm_list_load_buffer reports it through rm_diag_format.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/un.h>

#include "unit_util.h"

#define LIST_NAME "t.list"
#define ALL32 ((rm_u128) 0xffffffffu)
#define ALL128 (~(rm_u128) 0)

/* A list pointer no load may write: *out must be left alone on error. */
static char sentinel_storage;
#define SENTINEL ((rm_list *) (void *) &sentinel_storage)

/* Valid entries. */

typedef struct good_case {
    const char *in;
    enum rm_family family;
    enum rm_form form;
    const char *lo;                     /* NULL: not an interval, not checked */
    const char *hi;
    int     plen;
    bool    interval;
    bool    dead;
    const char *net;                    /* Exchange form only */
    const char *mask;
    const char *text;                   /* rm_entry_format */
} good_case;

#define V4 RM_AF_INET
#define V6 RM_AF_INET6

static const good_case good[] = {
    /* one host */
    {"192.0.2.7", V4, RM_FORM_HOST, "192.0.2.7", "192.0.2.7", 32, true, false, NULL, NULL, "192.0.2.7"},
    {"0.0.0.0", V4, RM_FORM_HOST, "0.0.0.0", "0.0.0.0", 32, true, false, NULL, NULL, "0.0.0.0"},
    {"255.255.255.255", V4, RM_FORM_HOST, "255.255.255.255", "255.255.255.255", 32, true, false, NULL, NULL, "255.255.255.255"},
    {"2001:db8::7", V6, RM_FORM_HOST, "2001:db8::7", "2001:db8::7", 128, true, false, NULL, NULL, "2001:db8::7"},
    {"2001:DB8:0:0:0:0:0:7", V6, RM_FORM_HOST, "2001:db8::7", "2001:db8::7", 128, true, false, NULL, NULL, "2001:db8::7"},
    {"[2001:db8::7]", V6, RM_FORM_HOST, "2001:db8::7", "2001:db8::7", 128, true, false, NULL, NULL, "2001:db8::7"},
    {"::", V6, RM_FORM_HOST, "::", "::", 128, true, false, NULL, NULL, "::"},
    {"::192.0.2.7", V6, RM_FORM_HOST, "::c000:207", "::c000:207", 128, true, false, NULL, NULL, "::c000:207"},
    /* a prefix */
    {"192.0.2.0/24", V4, RM_FORM_CIDR, "192.0.2.0", "192.0.2.255", 24, true, false, NULL, NULL, "192.0.2.0/24"},
    {"0.0.0.0/0", V4, RM_FORM_CIDR, "0.0.0.0", "255.255.255.255", 0, true, false, NULL, NULL, "0.0.0.0/0"},
    {"192.0.2.7/32", V4, RM_FORM_CIDR, "192.0.2.7", "192.0.2.7", 32, true, false, NULL, NULL, "192.0.2.7/32"},
    {"128.0.0.0/1", V4, RM_FORM_CIDR, "128.0.0.0", "255.255.255.255", 1, true, false, NULL, NULL, "128.0.0.0/1"},
    {"198.51.100.64/26", V4, RM_FORM_CIDR, "198.51.100.64", "198.51.100.127", 26, true, false, NULL, NULL, "198.51.100.64/26"},
    {"2001:db8::/32", V6, RM_FORM_CIDR, "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 32, true, false, NULL, NULL, "2001:db8::/32"},
    {"[2001:db8::]/32", V6, RM_FORM_CIDR, "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 32, true, false, NULL, NULL, "2001:db8::/32"},
    {"[2001:0DB8:0:0::]/48", V6, RM_FORM_CIDR, "2001:db8::", "2001:db8:0:ffff:ffff:ffff:ffff:ffff", 48, true, false, NULL, NULL, "2001:db8::/48"},
    {"::/0", V6, RM_FORM_CIDR, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, true, false, NULL, NULL, "::/0"},
    {"2001:db8::7/128", V6, RM_FORM_CIDR, "2001:db8::7", "2001:db8::7", 128, true, false, NULL, NULL, "2001:db8::7/128"},
    {"2001:db8::80/121", V6, RM_FORM_CIDR, "2001:db8::80", "2001:db8::ff", 121, true, false, NULL, NULL, "2001:db8::80/121"},
    {"::fffe:0:0/95", V6, RM_FORM_CIDR, "::fffe:0:0", "::ffff:ffff:ffff", 95, true, false, NULL, NULL, "::fffe:0:0/95"},
    /* a prefix with a dotted mask */
    {"192.0.2.0/255.255.255.0", V4, RM_FORM_MASK, "192.0.2.0", "192.0.2.255", 24, true, false, NULL, NULL, "192.0.2.0/255.255.255.0"},
    {"10.0.0.0/255.0.0.0", V4, RM_FORM_MASK, "10.0.0.0", "10.255.255.255", 8, true, false, NULL, NULL, "10.0.0.0/255.0.0.0"},
    {"0.0.0.0/0.0.0.0", V4, RM_FORM_MASK, "0.0.0.0", "255.255.255.255", 0, true, false, NULL, NULL, "0.0.0.0/0.0.0.0"},
    {"192.0.2.7/255.255.255.255", V4, RM_FORM_MASK, "192.0.2.7", "192.0.2.7", 32, true, false, NULL, NULL, "192.0.2.7/255.255.255.255"},
    {"172.16.0.0/255.240.0.0", V4, RM_FORM_MASK, "172.16.0.0", "172.31.255.255", 12, true, false, NULL, NULL, "172.16.0.0/255.240.0.0"},
    /* Exchange's Net;mask: contiguous, non-contiguous, dead */
    {"192.0.2.0;255.255.255.0", V4, RM_FORM_EXCH, "192.0.2.0", "192.0.2.255", 24, true, false, "192.0.2.0", "255.255.255.0", "192.0.2.0;255.255.255.0"},
    {"192.0.2.7;255.255.255.255", V4, RM_FORM_EXCH, "192.0.2.7", "192.0.2.7", 32, true, false, "192.0.2.7", "255.255.255.255", "192.0.2.7;255.255.255.255"},
    {"0.0.0.0;0.0.0.0", V4, RM_FORM_EXCH, "0.0.0.0", "255.255.255.255", 0, true, false, "0.0.0.0", "0.0.0.0", "0.0.0.0;0.0.0.0"},
    {"10.0.255.0;255.0.255.0", V4, RM_FORM_EXCH, NULL, NULL, -1, false, false, "10.0.255.0", "255.0.255.0", "10.0.255.0;255.0.255.0"},
    {"0.0.0.1;0.0.0.1", V4, RM_FORM_EXCH, NULL, NULL, -1, false, false, "0.0.0.1", "0.0.0.1", "0.0.0.1;0.0.0.1"},
    {"10.0.0.1;255.255.255.0", V4, RM_FORM_EXCH, NULL, NULL, 24, false, true, "10.0.0.1", "255.255.255.0", "10.0.0.1;255.255.255.0"},
    {"10.1.0.0;255.0.255.0", V4, RM_FORM_EXCH, NULL, NULL, -1, false, true, "10.1.0.0", "255.0.255.0", "10.1.0.0;255.0.255.0"},
    {"2001:db8::;ffff:ffff::", V6, RM_FORM_EXCH, "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 32, true, false, "2001:db8::", "ffff:ffff::", "2001:db8::;ffff:ffff::"},
    {"2001:db8::1;ffff:ffff::", V6, RM_FORM_EXCH, NULL, NULL, 32, false, true, "2001:db8::1", "ffff:ffff::", "2001:db8::1;ffff:ffff::"},
    {"2001:db8::1;ffff:ffff::ffff", V6, RM_FORM_EXCH, NULL, NULL, -1, false, false, "2001:db8::1", "ffff:ffff::ffff", "2001:db8::1;ffff:ffff::ffff"},
    /* an inclusive range */
    {"192.0.2.10-192.0.2.20", V4, RM_FORM_RANGE, "192.0.2.10", "192.0.2.20", -1, true, false, NULL, NULL, "192.0.2.10-192.0.2.20"},
    {"192.0.2.0-192.0.2.255", V4, RM_FORM_RANGE, "192.0.2.0", "192.0.2.255", 24, true, false, NULL, NULL, "192.0.2.0-192.0.2.255"},
    {"192.0.2.7-192.0.2.7", V4, RM_FORM_RANGE, "192.0.2.7", "192.0.2.7", 32, true, false, NULL, NULL, "192.0.2.7-192.0.2.7"},
    {"0.0.0.0-255.255.255.255", V4, RM_FORM_RANGE, "0.0.0.0", "255.255.255.255", 0, true, false, NULL, NULL, "0.0.0.0-255.255.255.255"},
    {"2001:db8::1-2001:db8::ff", V6, RM_FORM_RANGE, "2001:db8::1", "2001:db8::ff", -1, true, false, NULL, NULL, "2001:db8::1-2001:db8::ff"},
    {"[2001:db8::1]-[2001:db8::ff]", V6, RM_FORM_RANGE, "2001:db8::1", "2001:db8::ff", -1, true, false, NULL, NULL, "2001:db8::1-2001:db8::ff"},
    /* IPv4-mapped entries fold to IPv4 */
    {"::ffff:192.0.2.7", V4, RM_FORM_HOST, "192.0.2.7", "192.0.2.7", 32, true, false, NULL, NULL, "192.0.2.7"},
    {"::FFFF:c000:0207", V4, RM_FORM_HOST, "192.0.2.7", "192.0.2.7", 32, true, false, NULL, NULL, "192.0.2.7"},
    {"::ffff:192.0.2.7/128", V4, RM_FORM_CIDR, "192.0.2.7", "192.0.2.7", 32, true, false, NULL, NULL, "192.0.2.7/32"},
    {"::ffff:192.0.2.0/120", V4, RM_FORM_CIDR, "192.0.2.0", "192.0.2.255", 24, true, false, NULL, NULL, "192.0.2.0/24"},
    {"[::ffff:192.0.2.0]/120", V4, RM_FORM_CIDR, "192.0.2.0", "192.0.2.255", 24, true, false, NULL, NULL, "192.0.2.0/24"},
    {"::ffff:0.0.0.0/96", V4, RM_FORM_CIDR, "0.0.0.0", "255.255.255.255", 0, true, false, NULL, NULL, "0.0.0.0/0"},
    {"::ffff:192.0.2.10-::ffff:192.0.2.20", V4, RM_FORM_RANGE, "192.0.2.10", "192.0.2.20", -1, true, false, NULL, NULL, "192.0.2.10-192.0.2.20"},
    {"::ffff:10.0.0.0;ffff:ffff:ffff:ffff:ffff:ffff:ff00:0", V4, RM_FORM_EXCH, "10.0.0.0", "10.255.255.255", 8, true, false, "10.0.0.0", "255.0.0.0", "10.0.0.0;255.0.0.0"},
    {"::ffff:10.0.255.0;ffff:ffff:ffff:ffff:ffff:ffff:ff00:ff00", V4, RM_FORM_EXCH, NULL, NULL, -1, false, false, "10.0.255.0", "255.0.255.0", "10.0.255.0;255.0.255.0"},
};

static rm_u128 ref_v(const char *s)
{
    return u_pton(s).v;
}

/* same_entry - compare two parsed entries field by field; NULL or why not */

static const char *same_entry(const rm_entry *a, const rm_entry *b)
{
    if (a->family != b->family)
        return "family";
    if (a->form != b->form)
        return "form";
    if (a->plen != b->plen)
        return "plen";
    if (a->interval != b->interval)
        return "interval";
    if (a->dead != b->dead)
        return "dead";
    if (a->interval && (a->lo != b->lo || a->hi != b->hi))
        return "lo/hi";
    if (a->form == RM_FORM_EXCH && (a->net != b->net || a->mask != b->mask))
        return "net/mask";
    return NULL;
}

/* Each valid form parses into exactly the entry wanted. */

START_TEST(test_entry_forms)
{
    const good_case *c = &good[_i];
    rm_entry e, again;
    rm_perr err;
    char    text[RM_ENTRY_STRLEN], h1[33], h2[33];
    const char *why;

    memset(&err, 0, sizeof(err));
    ck_assert_msg(rm_entry_parse(c->in, strlen(c->in), &e, &err) == 0,
                  "input \"%s\": want ok, got error at %zu: %s", c->in, err.off, err.msg);
    ck_assert_msg(e.family == c->family, "input \"%s\": family want %d got %d", c->in, c->family, e.family);
    ck_assert_msg(e.form == c->form, "input \"%s\": form want %d got %d", c->in, c->form, e.form);
    ck_assert_msg(e.plen == c->plen, "input \"%s\": plen want %d got %d", c->in, c->plen, e.plen);
    ck_assert_msg(e.interval == c->interval, "input \"%s\": interval want %d got %d", c->in, c->interval, e.interval);
    ck_assert_msg(e.dead == c->dead, "input \"%s\": dead want %d got %d", c->in, c->dead, e.dead);
    if (c->lo) {
        ck_assert_msg(e.lo == ref_v(c->lo), "input \"%s\": lo want %s got %s", c->in,
                      u_hex128(ref_v(c->lo), h1), u_hex128(e.lo, h2));
        ck_assert_msg(e.hi == ref_v(c->hi), "input \"%s\": hi want %s got %s", c->in,
                      u_hex128(ref_v(c->hi), h1), u_hex128(e.hi, h2));
    }
    if (c->net) {
        ck_assert_msg(e.net == ref_v(c->net), "input \"%s\": net want %s got %s", c->in,
                      u_hex128(ref_v(c->net), h1), u_hex128(e.net, h2));
        ck_assert_msg(e.mask == ref_v(c->mask), "input \"%s\": mask want %s got %s", c->in,
                      u_hex128(ref_v(c->mask), h1), u_hex128(e.mask, h2));
    }
    rm_entry_format(&e, text, sizeof(text));
    ck_assert_msg(strcmp(text, c->text) == 0, "input \"%s\": text want \"%s\" got \"%s\"",
                  c->in, c->text, text);
    /* The formatted text is itself an entry, and means the same. */
    ck_assert_msg(rm_entry_parse(text, strlen(text), &again, &err) == 0,
                  "formatted \"%s\" of \"%s\" does not parse: %s", text, c->in, err.msg);
    why = same_entry(&e, &again);
    ck_assert_msg(why == NULL, "formatted \"%s\" of \"%s\" parses differently: %s", text, c->in, why);
}
END_TEST

/* m - match a in l; the index of the entry, or -1 */

static long m(const rm_list *l, rm_addr a)
{
    rm_match mt;

    return rm_list_match(l, &a, &mt) ? (long) mt.entry : -1;
}

static rm_addr mkaddr(enum rm_family f, rm_u128 v)
{
    rm_addr a;

    a.family = f;
    a.v = v;
    return a;
}

/* Each valid form, loaded as a one-entry list, matches what it says. */

START_TEST(test_entry_loaded_matches)
{
    const good_case *c = &good[_i];
    char    buf[256], text[RM_ENTRY_STRLEN], dump[2048], a1[RM_ADDR_STRLEN];
    rm_list *l = SENTINEL;
    rm_diag d;
    rm_entry_info info;
    rm_u128 all = c->family == V4 ? ALL32 : ALL128;

    rm_diag_init(&d);
    snprintf(buf, sizeof(buf), "# line 1 is a comment\n  %s\t# and a comment after it\n", c->in);
    ck_assert_msg(rm_list_load_buffer(LIST_NAME, buf, strlen(buf), NULL, &l, &d) == 0,
                  "input \"%s\": load failed: %s", c->in, u_diag_dump(&d, dump, sizeof(dump)));
    ck_assert_msg(l != SENTINEL && l != NULL, "input \"%s\": no list", c->in);
    ck_assert_uint_eq(d.errors, 0);
    ck_assert_uint_eq(rm_list_count(l), 1);
    ck_assert_uint_eq(rm_list_count_family(l, c->family), 1);
    ck_assert_str_eq(rm_list_name(l), LIST_NAME);
    ck_assert_int_eq(rm_list_entry(l, 0, &info), 0);
    ck_assert_int_eq(rm_list_entry(l, 1, &info) , -1);
    ck_assert_int_eq(rm_list_entry(l, 0, &info), 0);
    ck_assert_msg(info.line == 2, "input \"%s\": line want 2 got %u", c->in, info.line);
    rm_entry_format(&info.entry, text, sizeof(text));
    ck_assert_msg(strcmp(text, c->text) == 0, "input \"%s\": listed text want \"%s\" got \"%s\"",
                  c->in, c->text, text);

#define mk(v) mkaddr(c->family, (v))
    if (c->interval) {
        rm_u128 lo = ref_v(c->lo), hi = ref_v(c->hi);

        rm_u128 mid = lo + (hi - lo) / 2;

        /* (An IPv6 entry reaching into ::ffff:0:0/96 matches its mapped
         * addresses too: "::fffe:0:0/95" ends at ::ffff:255.255.255.255.) */
        ck_assert_msg(m(l, mk(lo)) == 0, "input \"%s\": first address %s does not match", c->in, u_fmt(&(rm_addr) {c->family, lo}, a1));
        ck_assert_msg(m(l, mk(hi)) == 0, "input \"%s\": last address %s does not match", c->in, u_fmt(&(rm_addr) {c->family, hi}, a1));
        ck_assert_msg(m(l, mk(mid)) == 0, "input \"%s\": middle address %s does not match", c->in, u_fmt(&(rm_addr) {c->family, mid}, a1));
        if (lo > 0)
            ck_assert_msg(m(l, mk(lo - 1)) == -1, "input \"%s\": address before the first matches", c->in);
        if (hi < all)
            ck_assert_msg(m(l, mk(hi + 1)) == -1, "input \"%s\": address after the last matches", c->in);
        if (c->family == V4) {
            /* An IPv4-mapped client matches the IPv4 entry. */
            ck_assert_msg(m(l, u_v6((((rm_u128) 0xffff) << 32) | lo)) == 0,
                          "input \"%s\": IPv4-mapped first address does not match", c->in);
            /* IPv4 entries never match IPv6 clients outside ::ffff:0:0/96 */
            ck_assert_msg(m(l, u_v6(lo)) == -1, "input \"%s\": IPv6 ::%s matches an IPv4 entry", c->in, c->lo);
        }
    } else {
        rm_u128 net = ref_v(c->net), mask = ref_v(c->mask);

        if (c->dead) {
            /* Nothing matches: (IP AND mask) can never equal a net with
             * bits outside the mask. */
            ck_assert_msg(m(l, mk(net)) == -1, "input \"%s\": dead entry matches its net", c->in);
            ck_assert_msg(m(l, mk(net & mask)) == -1, "input \"%s\": dead entry matches net AND mask", c->in);
            ck_assert_msg(m(l, mk(net | (~mask & all))) == -1, "input \"%s\": dead entry matches", c->in);
        } else {
            rm_u128 low_mask_bit = mask & (~mask + 1);

            ck_assert_msg(m(l, mk(net)) == 0, "input \"%s\": net does not match", c->in);
            ck_assert_msg(m(l, mk(net | (~mask & all))) == 0, "input \"%s\": net with every free bit does not match", c->in);
            ck_assert_msg(m(l, mk(net ^ low_mask_bit)) == -1, "input \"%s\": a masked bit flipped still matches", c->in);
        }
    }
#undef mk
    rm_list_free(l);
}
END_TEST

/* Errors.  Each file holds one fault; want is the one message. */

typedef struct bad_case {
    const char *buf;
    size_t  len;
    const char *want;
} bad_case;

#define B(s, w) { s, sizeof(s) - 1, w }

static const bad_case bad[] = {
    /* host bits outside the mask, with the suggestion */
    B("192.0.2.1/24\n", "t.list:1:1: error: host bits set outside the /24 mask (did you mean 192.0.2.0/24?) in \"192.0.2.1/24\""),
    B("  2001:db8::1/32\n", "t.list:1:3: error: host bits set outside the /32 mask (did you mean 2001:db8::/32?) in \"2001:db8::1/32\""),
    B("10.0.0.0/8\n192.0.2.1/255.255.255.0\n", "t.list:2:1: error: host bits set outside the /24 mask (did you mean 192.0.2.0/24?) in \"192.0.2.1/255.255.255.0\""),
    B("[2001:db8::1]/64\n", "t.list:1:1: error: host bits set outside the /64 mask (did you mean 2001:db8::/64?) in \"[2001:db8::1]/64\""),
    /* "/" with nothing after it */
    B("10.0.0.0/\n", "t.list:1:10: error: prefix length missing after '/' in \"10.0.0.0/\""),
    B("[2001:db8::]/\n", "t.list:1:14: error: prefix length missing after '/' in \"[2001:db8::]/\""),
    /* octets over 255 */
    B("192.0.2.256\n", "t.list:1:9: error: IPv4 octet 256 is over 255 in \"192.0.2.256\""),
    B("999.0.0.1\n", "t.list:1:1: error: IPv4 octet 999 is over 255 in \"999.0.0.1\""),
    B("1000.0.0.1\n", "t.list:1:1: error: IPv4 octet \"1000\" is over 255 in \"1000.0.0.1\""),
    B("192.0.2.0/255.256.0.0\n", "t.list:1:15: error: bad dotted netmask in \"192.0.2.0/255.256.0.0\""),
    /* prefix length over 32 / 128 */
    B("10.0.0.0/33\n", "t.list:1:10: error: prefix length over 32 in \"10.0.0.0/33\""),
    B("10.0.0.0/4294967328\n", "t.list:1:10: error: prefix length over 32 in \"10.0.0.0/4294967328\""),
    B("2001:db8::/129\n", "t.list:1:12: error: prefix length over 128 in \"2001:db8::/129\""),
    B("::ffff:10.0.0.0/129\n", "t.list:1:17: error: prefix length over 128 in \"::ffff:10.0.0.0/129\""),
    B("10.0.0.0/2x\n", "t.list:1:11: error: prefix length must be a decimal number in \"10.0.0.0/2x\""),
    /* leading zeros */
    B("192.0.2.010\n", "t.list:1:9: error: IPv4 octet with a leading zero is ambiguous (octal?); write it without the zero in \"192.0.2.010\""),
    B("010.0.2.1\n", "t.list:1:1: error: IPv4 octet with a leading zero is ambiguous (octal?); write it without the zero in \"010.0.2.1\""),
    B("00.0.0.0\n", "t.list:1:1: error: IPv4 octet with a leading zero is ambiguous (octal?); write it without the zero in \"00.0.0.0\""),
    B("10.0.0.0/08\n", "t.list:1:10: error: prefix length with a leading zero in \"10.0.0.0/08\""),
    /* zone ids */
    B("fe80::1%eth0\n", "t.list:1:8: error: IPv6 zone ids (%...) are not accepted in \"fe80::1%eth0\""),
    B("fe80::%2\n", "t.list:1:7: error: IPv6 zone ids (%...) are not accepted in \"fe80::%2\""),
    /* short forms */
    B("10.1\n", "t.list:1:5: error: short IPv4 forms are not accepted; write all four octets in \"10.1\""),
    B("10.1.2\n", "t.list:1:7: error: short IPv4 forms are not accepted; write all four octets in \"10.1.2\""),
    B("167772161\n", "t.list:1:1: error: IPv4 octet \"167772161\" is over 255 in \"167772161\""),
    B("1.2.3.\n", "t.list:1:7: error: IPv4 address is incomplete: expected four decimal octets in \"1.2.3.\""),
    B("1.2.3.4.5\n", "t.list:1:8: error: IPv4 address has more than four octets in \"1.2.3.4.5\""),
    /* hex forms */
    B("0x0a.0.0.1\n", "t.list:1:1: error: hexadecimal IPv4 forms are not accepted; write four decimal octets in \"0x0a.0.0.1\""),
    B("10.0x1.0.1\n", "t.list:1:5: error: hexadecimal IPv4 forms are not accepted; write four decimal octets in \"10.0x1.0.1\""),
    /* reversed ranges, mixed-family ranges, broken ranges */
    B("192.0.2.20-192.0.2.10\n", "t.list:1:12: error: range is reversed (end before start) in \"192.0.2.20-192.0.2.10\""),
    B("2001:db8::9-2001:db8::1\n", "t.list:1:13: error: range is reversed (end before start) in \"2001:db8::9-2001:db8::1\""),
    B("192.0.2.1-2001:db8::1\n", "t.list:1:11: error: range mixes IPv4 and IPv6 in \"192.0.2.1-2001:db8::1\""),
    B("2001:db8::1-192.0.2.1\n", "t.list:1:13: error: range mixes IPv4 and IPv6 in \"2001:db8::1-192.0.2.1\""),
    B("192.0.2.1-\n", "t.list:1:10: error: range end missing after '-' in \"192.0.2.1-\""),
    B("192.0.2.1-192.0.2.0/24\n", "t.list:1:20: error: unexpected '/' after '-' in \"192.0.2.1-192.0.2.0/24\""),
    /* NUL bytes */
    B("192.0.2.1\0\n", "t.list:1:10: error: NUL byte (is this a binary file?)"),
    B("# a comment\n10.0.0.1\n\0\1\2\n", "t.list:3:1: error: NUL byte (is this a binary file?)"),
    /* non-UTF-8 bytes, in a comment or anywhere */
    B("192.0.2.1 # caf\xe9\n", "t.list:1:16: error: not UTF-8 text: byte 0xE9"),
    B("10.0.0.1 # \xc0\xaf\n", "t.list:1:12: error: not UTF-8 text: byte 0xC0"),
    B("10.0.0.1 # \xed\xa0\x80\n", "t.list:1:12: error: not UTF-8 text: byte 0xED"),
    B("10.0.0.1 # \xf5\x80\x80\x80\n", "t.list:1:12: error: not UTF-8 text: byte 0xF5"),
    B("10.0.0.1\n# \xe2\x82", "t.list:2:3: error: not UTF-8 text: byte 0xE2"),
    /* UTF-8 that is valid, but not an entry */
    B("192.0.2.1\xc3\xa9\n", "t.list:1:10: error: unexpected character U+00E9 (entries are ASCII) in \"192.0.2.1\\u00E9\""),
    /* input that would drive a terminal, and look-alikes, quoted safely and named */
    B("\x1b[2J\x1b[H192.0.2.1\n", "t.list:1:1: error: unexpected byte 0x1B (entries are ASCII) in \"\\x1b[2J\\x1b[H192.0.2.1\""),
    B("\xef\xbc\x91" "92.0.2.1\n", "t.list:1:1: error: unexpected character U+FF11 FULLWIDTH DIGIT ONE (entries are ASCII) in \"\\uFF1192.0.2.1\""),
    B("192.0.2.1\xc2\xa0\n", "t.list:1:10: error: unexpected character U+00A0 NO-BREAK SPACE (entries are ASCII) in \"192.0.2.1\\u00A0\""),
    B("192.0.2.0\xe2\x81\x84" "24\n", "t.list:1:10: error: unexpected character U+2044 FRACTION SLASH (entries are ASCII) in \"192.0.2.0\\u204424\""),
    /* UTF-16 byte order marks */
    B("\xff\xfe" "1\0009\0002\0.\0", "t.list:1:1: error: file is UTF-16 (byte order mark FF FE); save it as UTF-8 or ASCII"),
    B("\xfe\xff\0" "1\0009\0002", "t.list:1:1: error: file is UTF-16 (byte order mark FE FF); save it as UTF-8 or ASCII"),
    /* text after an entry */
    B("192.0.2.1 foo\n", "t.list:1:10: error: unexpected space (one entry per line) in \"192.0.2.1 foo\""),
    B("192.0.2.1\tfoo\n", "t.list:1:10: error: unexpected space (one entry per line) in \"192.0.2.1\\x09foo\""),
    B("  192.0.2.0/24 192.0.2.0/25 # two\n", "t.list:1:15: error: unexpected space (one entry per line) in \"192.0.2.0/24 192.0.2.0/25\""),
    B("192.0.2.1,192.0.2.2\n", "t.list:1:10: error: unexpected character after IPv4 address in \"192.0.2.1,192.0.2.2\""),
    B("192.0.2.1foo\n", "t.list:1:10: error: unexpected character after IPv4 address in \"192.0.2.1foo\""),
    B("192.0.2.0/24/25\n", "t.list:1:13: error: unexpected '/' after '/' in \"192.0.2.0/24/25\""),
    /* brackets, masks */
    B("[192.0.2.1]\n", "t.list:1:1: error: brackets are only for IPv6 addresses in \"[192.0.2.1]\""),
    B("[2001:db8::1\n", "t.list:1:1: error: '[' without a matching ']' in \"[2001:db8::1\""),
    B("192.0.2.0;\n", "t.list:1:10: error: mask missing after ';' in \"192.0.2.0;\""),
    B("192.0.2.0;ffff::\n", "t.list:1:11: error: mask and address are of different families in \"192.0.2.0;ffff::\""),
    B("192.0.2.0;255.255.0\n", "t.list:1:20: error: short IPv4 forms are not accepted; write all four octets in \"192.0.2.0;255.255.0\""),
    B("192.0.2.0/255.0.255.0\n", "t.list:1:11: error: netmask is not contiguous (write Exchange's 'net;mask' form to match with it) in \"192.0.2.0/255.0.255.0\""),
    /* a wildcard (inverse) mask, as Cisco writes them: the prefix it means */
    B("192.0.2.0/0.0.0.255\n", "t.list:1:11: error: this is a wildcard (inverse) mask, not a netmask: did you mean 192.0.2.0/24? in \"192.0.2.0/0.0.0.255\""),
    B("10.1.0.0/0.0.255.255\n", "t.list:1:10: error: this is a wildcard (inverse) mask, not a netmask: did you mean 10.1.0.0/16? in \"10.1.0.0/0.0.255.255\""),
    B("2001:db8::/255.255.0.0\n", "t.list:1:12: error: a dotted mask needs an IPv4 address in \"2001:db8::/255.255.0.0\""),
    B("192.0.2.0/255.255.0\n", "t.list:1:20: error: bad dotted netmask in \"192.0.2.0/255.255.0\""),
    /* IPv6 text faults */
    B("1:2:3:4:5:6:7:8:9\n", "t.list:1:17: error: IPv6 address has more than eight groups in \"1:2:3:4:5:6:7:8:9\""),
    B("1::2::3\n", "t.list:1:5: error: IPv6 address has more than one '::' in \"1::2::3\""),
    B("12345::\n", "t.list:1:1: error: IPv6 group has more than four hex digits in \"12345::\""),
    B("1:2:3\n", "t.list:1:6: error: IPv6 address has fewer than eight groups and no '::' in \"1:2:3\""),
    B(":1::\n", "t.list:1:1: error: IPv6 address cannot start with a single ':' in \":1::\""),
    B("1:\n", "t.list:1:2: error: IPv6 address ends with a single ':' in \"1:\""),
    B("g::1\n", "t.list:1:1: error: unexpected character in IPv6 address in \"g::1\""),
    B("1:2:3:4:5:6:7::8\n", "t.list:1:1: error: IPv6 '::' must stand for at least one group in \"1:2:3:4:5:6:7::8\""),
    B("1:2:3:4:5:6:7:1.2.3.4\n", "t.list:1:15: error: IPv6 address is too long for an IPv4 tail in \"1:2:3:4:5:6:7:1.2.3.4\""),
    B("::ffff:1.2.3\n", "t.list:1:13: error: short IPv4 forms are not accepted; write all four octets in \"::ffff:1.2.3\""),
    /* not an address at all */
    B("localhost\n", "t.list:1:1: error: not an IP address in \"localhost\""),
    B("/24\n", "t.list:1:1: error: expected an IP address in \"/24\""),
    B("-\n", "t.list:1:1: error: expected an IP address in \"-\""),
};

/* Each fault gives exactly its message, and the list is not loaded. */

START_TEST(test_entry_errors)
{
    const bad_case *c = &bad[_i];
    rm_list *l = SENTINEL;
    rm_diag d;
    char    got[1024], dump[4096];
    int     rc;

    rm_diag_init(&d);
    rc = rm_list_load_buffer(LIST_NAME, c->buf, c->len, NULL, &l, &d);
    ck_assert_msg(rc == -1, "case %d: want -1, got %d (want message %s)", _i, rc, c->want);
    ck_assert_msg(l == SENTINEL, "case %d: *out was written on error", _i);
    ck_assert_msg(d.errors == 1 && d.count == 1, "case %d: want 1 message \"%s\", got %zu: %s",
                  _i, c->want, d.errors, u_diag_dump(&d, dump, sizeof(dump)));
    u_diag_str(&d, 0, got, sizeof(got));
    ck_assert_msg(strcmp(got, c->want) == 0, "case %d:\n want \"%s\"\n got  \"%s\"", _i, c->want, got);
}
END_TEST

/* Lines over 4096 bytes are refused; 4096 exactly are accepted. */

START_TEST(test_entry_long_lines)
{
    static char buf[3 * RM_MAX_LINE];
    rm_list *l = SENTINEL;
    rm_diag d;
    char    got[1024], dump[4096];
    size_t  n;

    /* exactly RM_MAX_LINE bytes: an entry, spaces, a comment; then CRLF */
    n = (size_t) snprintf(buf, sizeof(buf), "192.0.2.1 #");
    memset(buf + n, 'x', RM_MAX_LINE - n);
    n = RM_MAX_LINE;
    memcpy(buf + n, "\r\n10.0.0.0/8\n", 13);
    n += 13;
    rm_diag_init(&d);
    ck_assert_msg(rm_list_load_buffer(LIST_NAME, buf, n, NULL, &l, &d) == 0,
                  "a %d-byte line is refused: %s", RM_MAX_LINE, u_diag_dump(&d, dump, sizeof(dump)));
    ck_assert_uint_eq(rm_list_count(l), 2);
    rm_list_free(l);

    /* one byte more */
    l = SENTINEL;
    n = (size_t) snprintf(buf, sizeof(buf), "10.0.0.1\n192.0.2.1 #");
    memset(buf + n, 'x', 9 + RM_MAX_LINE + 1 - n);
    n = 9 + RM_MAX_LINE + 1;
    buf[n++] = '\n';
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load_buffer(LIST_NAME, buf, n, NULL, &l, &d), -1);
    ck_assert_msg(l == SENTINEL, "*out written on error");
    ck_assert_uint_eq(d.errors, 1);
    u_diag_str(&d, 0, got, sizeof(got));
    ck_assert_str_eq(got, "t.list:2:4097: error: line is longer than 4096 bytes");

    /* a long last line without a newline */
    l = SENTINEL;
    memset(buf, ' ', 2 * RM_MAX_LINE);
    memcpy(buf + 2 * RM_MAX_LINE - 9, "192.0.2.1", 9);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load_buffer(LIST_NAME, buf, 2 * RM_MAX_LINE, NULL, &l, &d), -1);
    ck_assert_msg(l == SENTINEL, "*out written on error");
    u_diag_str(&d, 0, got, sizeof(got));
    ck_assert_str_eq(got, "t.list:1:4097: error: line is longer than 4096 bytes");
}
END_TEST

/* Accepted layouts: each file, the lines its entries must come from. */

typedef struct layout_case {
    const char *buf;
    size_t  len;
    unsigned lines[4];                  /* 0 ends */
    const char *texts[4];
} layout_case;

#define L(s, ...) { s, sizeof(s) - 1, __VA_ARGS__ }

static const layout_case layouts[] = {
    /* empty, blank, comments only */
    L("", {0}, {NULL}),
    L("\n\n\n", {0}, {NULL}),
    L("# nothing here\n   # nor here\n\t\n", {0}, {NULL}),
    /* UTF-8 byte order mark */
    L("\xef\xbb\xbf" "192.0.2.1\n", {1}, {"192.0.2.1"}),
    L("\xef\xbb\xbf# comment\n10.0.0.0/8\n", {2}, {"10.0.0.0/8"}),
    /* CRLF line ends */
    L("192.0.2.1\r\n# c\r\n10.0.0.0/8\r\n", {1, 3}, {"192.0.2.1", "10.0.0.0/8"}),
    L("2001:db8::/32 \r\n", {1}, {"2001:db8::/32"}),
    /* comments, blank lines, surrounding white space */
    L("# header\n\n   \t\n192.0.2.1   # host\n\t10.0.0.0/8\t\n#\n2001:db8::/32#x\n",
      {4, 5, 7}, {"192.0.2.1", "10.0.0.0/8", "2001:db8::/32"}),
    L(" \f\v192.0.2.1\v\f \n", {1}, {"192.0.2.1"}),
    /* no newline at the end */
    L("10.0.0.1\n192.0.2.1", {1, 2}, {"10.0.0.1", "192.0.2.1"}),
    /* UTF-8 text in comments */
    L("192.0.2.1 # caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7\n", {1}, {"192.0.2.1"}),
};

START_TEST(test_entry_layouts)
{
    const layout_case *c = &layouts[_i];
    rm_list *l = SENTINEL;
    rm_diag d;
    char    dump[4096], text[RM_ENTRY_STRLEN];
    unsigned n = 0;

    while (n < NELEM(c->lines) && c->lines[n])
        n++;
    rm_diag_init(&d);
    ck_assert_msg(rm_list_load_buffer(LIST_NAME, c->buf, c->len, NULL, &l, &d) == 0,
                  "case %d: want ok, got %s", _i, u_diag_dump(&d, dump, sizeof(dump)));
    ck_assert_uint_eq(d.errors, 0);
    ck_assert_uint_eq(d.warnings, 0);
    ck_assert_msg(rm_list_count(l) == n, "case %d: want %u entries, got %u", _i, n, rm_list_count(l));
    /* Entries may be stored in any order: find each wanted line. */
    for (unsigned k = 0; k < n; k++) {
        bool    found = false;

        for (uint32_t i = 0; i < rm_list_count(l); i++) {
            rm_entry_info info;

            ck_assert_int_eq(rm_list_entry(l, i, &info), 0);
            if (info.line != c->lines[k])
                continue;
            rm_entry_format(&info.entry, text, sizeof(text));
            ck_assert_msg(strcmp(text, c->texts[k]) == 0, "case %d line %u: want \"%s\" got \"%s\"",
                          _i, c->lines[k], c->texts[k], text);
            found = true;
        }
        ck_assert_msg(found, "case %d: no entry from line %u", _i, c->lines[k]);
    }
    rm_list_free(l);
}
END_TEST

/* Every error of a file is reported, in order, and nothing is loaded. */

START_TEST(test_entry_all_errors_reported)
{
    static const char file[] =
        "192.0.2.1\n"                   /* 1 good */
        "10.1\n"                        /* 2 */
        "# fine\n"                      /* 3 */
        "10.0.0.0/8\n"                  /* 4 good */
        "192.0.2.1/24\n"                /* 5 */
        "fe80::1%eth0\n"                /* 6 */
        "2001:db8::/32\n"               /* 7 good */
        "x\0y\n"                        /* 8 */
        "10.0.0.1 # \xff\n"             /* 9 */
        "192.0.2.9-192.0.2.1\n";        /* 10 */
    static const struct {
        unsigned line;
        unsigned col;
    } want[] = {{2, 5}, {5, 1}, {6, 8}, {8, 2}, {9, 12}, {10, 11}};
    rm_list *l = SENTINEL;
    rm_diag d;
    char    dump[8192];

    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load_buffer(LIST_NAME, file, sizeof(file) - 1, NULL, &l, &d), -1);
    ck_assert_msg(l == SENTINEL, "*out written on error");
    ck_assert_msg(d.errors == NELEM(want) && d.count == NELEM(want),
                  "want %zu errors, got %zu: %s", NELEM(want), d.errors, u_diag_dump(&d, dump, sizeof(dump)));
    for (size_t i = 0; i < NELEM(want); i++) {
        ck_assert_msg(d.msgs[i].severity == RM_SEV_ERROR, "message %zu is not an error", i);
        ck_assert_msg(d.msgs[i].line == want[i].line && d.msgs[i].col == want[i].col,
                      "message %zu: want %u:%u got %u:%u (%s)", i, want[i].line, want[i].col,
                      d.msgs[i].line, d.msgs[i].col, d.msgs[i].text);
        ck_assert_str_eq(d.msgs[i].file, LIST_NAME);
    }
}
END_TEST

/* More errors than the diag keeps: all are counted, the first are kept. */

START_TEST(test_entry_many_errors_counted)
{
    static char buf[200 * 16];
    size_t  n = 0;
    rm_list *l = SENTINEL;
    rm_diag d;
    const unsigned bad_lines = 150;

    for (unsigned i = 1; i <= bad_lines; i++)
        n += (size_t) snprintf(buf + n, sizeof(buf) - n, "10.0.0.%u\n10.%u\n", i, i);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_list_load_buffer(LIST_NAME, buf, n, NULL, &l, &d), -1);
    ck_assert_msg(l == SENTINEL, "*out written on error");
    ck_assert_uint_eq(d.errors, bad_lines);
    ck_assert_uint_eq(d.count, RM_DIAG_MAX);
    ck_assert_uint_eq(d.dropped, bad_lines - RM_DIAG_MAX);
    for (unsigned i = 0; i < RM_DIAG_MAX; i++)
        ck_assert_msg(d.msgs[i].line == 2 * (i + 1), "message %u: want line %u got %u",
                      i, 2 * (i + 1), d.msgs[i].line);
}
END_TEST

/* The message format itself: parts that are 0 are left out. */

START_TEST(test_diag_format)
{
    rm_diag d;
    char    got[1024];

    rm_diag_init(&d);
    rm_diag_add(&d, RM_SEV_ERROR, "a.list", 3, 7, "bad %s", "thing");
    rm_diag_add(&d, RM_SEV_WARNING, "a.list", 3, 0, "meh");
    rm_diag_add(&d, RM_SEV_ERROR, "a.list", 0, 0, "whole file");
    rm_diag_add(&d, RM_SEV_ERROR, NULL, 0, 0, "nowhere");
    ck_assert_uint_eq(d.errors, 3);
    ck_assert_uint_eq(d.warnings, 1);
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), "a.list:3:7: error: bad thing");
    ck_assert_str_eq(u_diag_str(&d, 1, got, sizeof(got)), "a.list:3: warning: meh");
    ck_assert_str_eq(u_diag_str(&d, 2, got, sizeof(got)), "a.list: error: whole file");
    ck_assert_str_eq(u_diag_str(&d, 3, got, sizeof(got)), "error: nowhere");
    ck_assert_ptr_eq(rm_diag_first_error(&d), &d.msgs[0]);
}
END_TEST

/* Addresses: parse, then format in canonical form (RFC 5952 for IPv6). */

static const struct {
    const char *in;
    const char *want;
} canon[] = {
    {"192.0.2.1", "192.0.2.1"},
    {"0.0.0.0", "0.0.0.0"},
    {"255.255.255.255", "255.255.255.255"},
    {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},     /* 4.1 leading zeros */
    {"2001:DB8::1", "2001:db8::1"},     /* 4.3 lower case */
    {"ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"},
    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},  /* 4.2.3 first of equal runs */
    {"2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"},   /* 4.2.3 longest run */
    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},       /* 4.2.2 not for one group */
    {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
    {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
    {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
    {"0:0:1:0:0:0:0:0", "0:0:1::"},
    {"0:0:0:0:0:0:0:0", "::"},
    {"::", "::"},
    {"::1", "::1"},
    {"0:0:0:0:0:0:0:1", "::1"},
    {"1::", "1::"},
    {"2001:db8::0:0", "2001:db8::"},
    {"fe80::0001:0002", "fe80::1:2"},
    {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
    {"1:2:3:4:5:6:0.0.0.9", "1:2:3:4:5:6:0:9"},
    {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},       /* 5: mapped in mixed notation */
    {"::ffff:c000:201", "::ffff:192.0.2.1"},
    {"0:0:0:0:0:FFFF:192.0.2.1", "::ffff:192.0.2.1"},
};

START_TEST(test_addr_canonical)
{
    rm_addr a, ref = u_pton(canon[_i].in);
    rm_perr err;
    char    got[RM_ADDR_STRLEN], h1[33], h2[33];
    size_t  n;

    memset(&err, 0, sizeof(err));
    ck_assert_msg(rm_addr_parse(canon[_i].in, strlen(canon[_i].in), &a, &err) == 0,
                  "\"%s\": %s", canon[_i].in, err.msg);
    ck_assert_msg(a.family == ref.family && a.v == ref.v, "\"%s\": value want %s got %s",
                  canon[_i].in, u_hex128(ref.v, h1), u_hex128(a.v, h2));
    n = rm_addr_format(&a, got, sizeof(got));
    ck_assert_msg(strcmp(got, canon[_i].want) == 0, "\"%s\": want \"%s\" got \"%s\"",
                  canon[_i].in, canon[_i].want, got);
    ck_assert_uint_eq(n, strlen(canon[_i].want));
}
END_TEST

/* Randomized round trip against libc: inet_ntop follows RFC 5952 too. */

START_TEST(test_addr_random_roundtrip)
{
    u_rng   r = {u_seed("check_entry addr round trip")};

    for (int iter = 0; iter < 50000; iter++) {
        unsigned g[8];
        rm_u128 v = 0;
        rm_addr a, back;
        rm_perr err;
        char    ours[RM_ADDR_STRLEN], libc[INET6_ADDRSTRLEN], full[64], h[33];
        unsigned char b[16];
        bool    v4compat;

        if (iter % 4 == 0) {
            uint32_t x = (uint32_t) u_rand64(&r);

            a = u_v4(x);
            snprintf(full, sizeof(full), "%u.%u.%u.%u", x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255);
            rm_addr_format(&a, ours, sizeof(ours));
            U_CHECK(strcmp(ours, full) == 0, "IPv4 %s formatted as %s", full, ours);
            U_CHECK(rm_addr_parse(ours, strlen(ours), &back, &err) == 0 && back.family == RM_AF_INET
                          && back.v == x, "IPv4 %s does not parse back", ours);
            continue;
        }
        /* Zero groups are common, so that "::" runs of every length and
         * place occur, and so do IPv4-mapped addresses. */
        for (int k = 0; k < 8; k++) {
            uint64_t pick = u_below(&r, 4);

            g[k] = pick < 2 ? 0 : pick == 2 ? (unsigned) u_below(&r, 16) : (unsigned) u_below(&r, 65536);
        }
        if (u_below(&r, 8) == 0) {
            g[0] = g[1] = g[2] = g[3] = g[4] = 0;
            g[5] = 0xffff;
        }
        for (int k = 0; k < 8; k++) {
            v = (v << 16) | g[k];
            b[2 * k] = (unsigned char) (g[k] >> 8);
            b[2 * k + 1] = (unsigned char) g[k];
        }
        a = u_v6(v);
        rm_addr_format(&a, ours, sizeof(ours));
        U_CHECK(inet_ntop(AF_INET6, b, libc, sizeof(libc)) != NULL, "inet_ntop failed");
        /* glibc writes IPv4-compatible addresses (::a.b.c.d, deprecated
         * by RFC 4291) in dotted form; RFC 5952 does not ask for that. */
        v4compat = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0 && g[6] != 0;
        if (!v4compat)
            U_CHECK(strcmp(ours, libc) == 0, "%s: want \"%s\" (inet_ntop) got \"%s\"",
                          u_hex128(v, h), libc, ours);
        U_CHECK(rm_addr_parse(ours, strlen(ours), &back, &err) == 0, "\"%s\" does not parse: %s", ours, err.msg);
        U_CHECK(back.family == RM_AF_INET6 && back.v == v, "\"%s\" parses to another value", ours);
        snprintf(full, sizeof(full), "%X:%x:%04x:%X:%x:%04X:%x:%x", g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
        U_CHECK(rm_addr_parse(full, strlen(full), &back, &err) == 0, "\"%s\" does not parse: %s", full, err.msg);
        U_CHECK(back.family == RM_AF_INET6 && back.v == v, "\"%s\" parses to another value", full);
    }
}
END_TEST

/* rm_addr_from_str: brackets for IPv6, IPv4-mapped folded. */

START_TEST(test_addr_from_str)
{
    static const struct {
        const char *in;
        int     rc;
        enum rm_family family;
        const char *want;
    } t[] = {
        {"192.0.2.1", 0, RM_AF_INET, "192.0.2.1"},
        {"2001:db8::1", 0, RM_AF_INET6, "2001:db8::1"},
        {"[2001:db8::1]", 0, RM_AF_INET6, "2001:db8::1"},
        {"::ffff:192.0.2.7", 0, RM_AF_INET, "192.0.2.7"},
        {"[::ffff:192.0.2.7]", 0, RM_AF_INET, "192.0.2.7"},
        {"[192.0.2.1]", -1, RM_AF_NONE, NULL},
        {"[2001:db8::1", -1, RM_AF_NONE, NULL},
        {"", -1, RM_AF_NONE, NULL},
        {"fe80::1%lo", -1, RM_AF_NONE, NULL},
        {" 192.0.2.1", -1, RM_AF_NONE, NULL},
        {"192.0.2.1 ", -1, RM_AF_NONE, NULL},
    };

    for (size_t i = 0; i < NELEM(t); i++) {
        rm_addr a;
        rm_perr err;
        char    got[RM_ADDR_STRLEN];
        int     rc;

        memset(&err, 0, sizeof(err));
        rc = rm_addr_from_str(t[i].in, &a, &err);
        ck_assert_msg(rc == t[i].rc, "\"%s\": want rc %d got %d", t[i].in, t[i].rc, rc);
        if (rc < 0) {
            ck_assert_msg(err.msg[0] != '\0', "\"%s\": error without a message", t[i].in);
            continue;
        }
        ck_assert_msg(a.family == t[i].family, "\"%s\": family want %d got %d", t[i].in, t[i].family, a.family);
        rm_addr_format(&a, got, sizeof(got));
        ck_assert_msg(strcmp(got, t[i].want) == 0, "\"%s\": want %s got %s", t[i].in, t[i].want, got);
    }
}
END_TEST

/* rm_addr_from_sockaddr and rm_addr_unmap. */

START_TEST(test_addr_sockaddr)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    struct sockaddr_un sun;
    rm_addr a;
    char    got[RM_ADDR_STRLEN];

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
    rm_addr_from_sockaddr((const struct sockaddr *) (const void *) &sin, &a);
    ck_assert_int_eq(a.family, RM_AF_INET);
    ck_assert_str_eq(u_fmt(&a, got), "192.0.2.1");

    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "2001:db8::abcd", &sin6.sin6_addr);
    rm_addr_from_sockaddr((const struct sockaddr *) (const void *) &sin6, &a);
    ck_assert_int_eq(a.family, RM_AF_INET6);
    ck_assert_str_eq(u_fmt(&a, got), "2001:db8::abcd");

    inet_pton(AF_INET6, "::ffff:198.51.100.3", &sin6.sin6_addr);
    rm_addr_from_sockaddr((const struct sockaddr *) (const void *) &sin6, &a);
    ck_assert_int_eq(a.family, RM_AF_INET);
    ck_assert_str_eq(u_fmt(&a, got), "198.51.100.3");

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    rm_addr_from_sockaddr((const struct sockaddr *) (const void *) &sun, &a);
    ck_assert_int_eq(a.family, RM_AF_NONE);
    rm_addr_from_sockaddr(NULL, &a);
    ck_assert_int_eq(a.family, RM_AF_NONE);

    a = u_pton("::ffff:10.1.2.3");
    rm_addr_unmap(&a);
    ck_assert_int_eq(a.family, RM_AF_INET);
    ck_assert_str_eq(u_fmt(&a, got), "10.1.2.3");
    a = u_pton("::10.1.2.3");          /* IPv4-compatible: not mapped */
    rm_addr_unmap(&a);
    ck_assert_int_eq(a.family, RM_AF_INET6);
    a = u_pton("1::ffff:10.1.2.3");
    rm_addr_unmap(&a);
    ck_assert_int_eq(a.family, RM_AF_INET6);
}
END_TEST

/* Prefix helpers. */

START_TEST(test_addr_masks)
{
    static const struct {
        unsigned plen, bits;
        rm_u128 mask;
    } t[] = {
        {0, 32, 0},
        {1, 32, 0x80000000u},
        {8, 32, 0xff000000u},
        {24, 32, 0xffffff00u},
        {31, 32, 0xfffffffeu},
        {32, 32, 0xffffffffu},
        {0, 128, 0},
        {1, 128, (rm_u128) 1 << 127},
        {64, 128, ((rm_u128) 0xffffffffffffffffull) << 64},
        {96, 128, ~(rm_u128) 0 << 32},
        {127, 128, ~(rm_u128) 1},
        {128, 128, ~(rm_u128) 0},
    };
    char    h1[33], h2[33];

    for (size_t i = 0; i < NELEM(t); i++) {
        rm_u128 got = rm_mask_from_plen(t[i].plen, t[i].bits);

        ck_assert_msg(got == t[i].mask, "/%u of %u: want %s got %s", t[i].plen, t[i].bits,
                      u_hex128(t[i].mask, h1), u_hex128(got, h2));
        ck_assert_int_eq(rm_plen_from_mask(t[i].mask, t[i].bits), (int) t[i].plen);
    }
    ck_assert_int_eq(rm_plen_from_mask(0xff00ff00u, 32), -1);
    ck_assert_int_eq(rm_plen_from_mask(0x7fffffffu, 32), -1);
    ck_assert_int_eq(rm_plen_from_mask(1, 32), -1);
    ck_assert_int_eq(rm_plen_from_mask(((rm_u128) 1 << 127) | 1, 128), -1);
}
END_TEST

static Suite *entry_suite(void)
{
    Suite  *s = suite_create("entry");
    TCase  *tc;

    tc = tcase_create("forms");
    tcase_add_loop_test(tc, test_entry_forms, 0, (int) NELEM(good));
    tcase_add_loop_test(tc, test_entry_loaded_matches, 0, (int) NELEM(good));
    tcase_add_loop_test(tc, test_entry_layouts, 0, (int) NELEM(layouts));
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_loop_test(tc, test_entry_errors, 0, (int) NELEM(bad));
    tcase_add_test(tc, test_entry_long_lines);
    tcase_add_test(tc, test_entry_all_errors_reported);
    tcase_add_test(tc, test_entry_many_errors_counted);
    tcase_add_test(tc, test_diag_format);
    suite_add_tcase(s, tc);

    tc = tcase_create("addr");
    tcase_add_loop_test(tc, test_addr_canonical, 0, (int) NELEM(canon));
    tcase_add_test(tc, test_addr_random_roundtrip);
    tcase_add_test(tc, test_addr_from_str);
    tcase_add_test(tc, test_addr_sockaddr);
    tcase_add_test(tc, test_addr_masks);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(entry_suite());
}
