/* SPDX-License-Identifier: BSD-2-Clause */
/* check_rcpt - relay-recipient detection against the classic open-relay tricks */

/*
 * One row per RCPT TO argument: what relaymilter must make of it, with the
 * local domains example.com, [192.0.2.1] and [IPv6:2001:db8::25].  The
 * rows follow the relay-test batteries that probe mail servers for open
 * relays (percent hacks, bang paths, source routes, quoted and escaped
 * routing characters, double @, address literals of this host and of
 * others) and RFC 5321's syntax.  A recipient is local only when its
 * final domain is listed and nothing in its local part routes.
 */

#include <stdbool.h>

#include "rm_domains.h"
#include "rm_rcpt.h"
#include "unit_util.h"

#define LOCAL_DOMAINS "example.com, [192.0.2.1], [IPv6:2001:db8::25]"

#define L RM_RCPT_LOCAL
#define R RM_RCPT_RELAY
#define I RM_RCPT_INVALID

typedef struct rcpt_case {
    const char *in;
    enum rm_rcpt_kind want;
    const char *why;                    /* rm_rcpt_why_name */
    const char *domain;                 /* the final domain as written; NULL: not checked */
} rcpt_case;

static const rcpt_case cases[] = {
    /* local recipients */
    {"<user@example.com>", L, "local-domain", "example.com"},
    {"user@example.com", L, "local-domain", "example.com"},
    {"<USER@EXAMPLE.COM>", L, "local-domain", "EXAMPLE.COM"},
    {"<user@Example.Com.>", L, "local-domain", "Example.Com."},
    {"<first.last+tag@example.com>", L, "local-domain", "example.com"},
    {"<\"john doe\"@example.com>", L, "local-domain", "example.com"},
    {"<\"a\\\"b\"@example.com>", L, "local-domain", "example.com"},
    {" <user@example.com> ", L, "local-domain", "example.com"},
    {"< user@example.com >", L, "local-domain", "example.com"},
    {"<user@[192.0.2.1]>", L, "local-domain", "[192.0.2.1]"},
    {"<user@[IPv6:2001:db8::25]>", L, "local-domain", "[IPv6:2001:db8::25]"},
    {"<user@[IPv6:2001:DB8:0:0:0:0:0:25]>", L, "local-domain", NULL},
    {"<postmaster>", L, "postmaster", ""},
    {"<PostMaster>", L, "postmaster", ""},
    /* source routes: only the final domain counts (RFC 5321 C, F.2) */
    {"<@relay.example.net:user@example.com>", L, "local-domain", "example.com"},
    {"<@a.example,@b.example:user@example.com>", L, "local-domain", "example.com"},
    {"<@[IPv6:::1]:user@example.com>", L, "local-domain", "example.com"},
    {"<@example.com:user@example.net>", R, "remote-domain", "example.net"},
    {"<@a.example,@example.com:user@example.net>", R, "remote-domain", "example.net"},
    /* remote domains */
    {"<user@example.net>", R, "remote-domain", "example.net"},
    {"<user@sub.example.com>", R, "remote-domain", "sub.example.com"},
    {"<user@example.com.evil.example>", R, "remote-domain", NULL},
    {"<user@example.comx>", R, "remote-domain", NULL},
    {"<user@xn--bcher-kva.example>", R, "remote-domain", NULL},
    {"<user@exam_ple.com>", R, "remote-domain", NULL},
    {"<user@127.0.0.1>", R, "remote-domain", "127.0.0.1"},
    /* address literals of this host and of others: local only if listed */
    {"<user@[127.0.0.1]>", R, "remote-domain", "[127.0.0.1]"},
    {"<user@[IPv6:::1]>", R, "remote-domain", "[IPv6:::1]"},
    {"<user@[198.51.100.7]>", R, "remote-domain", NULL},
    /* percent hacks */
    {"<user%example.net@example.com>", R, "percent-hack", "example.com"},
    {"<user%example.net%example.com@example.com>", R, "percent-hack", NULL},
    {"<user%example.com@example.com>", R, "percent-hack", NULL},
    {"<\"user%example.net\"@example.com>", R, "percent-hack", NULL},
    {"<user\\%example.net@example.com>", R, "percent-hack", NULL},
    {"<user%example.net@[192.0.2.1]>", R, "percent-hack", NULL},
    {"<@relay.example:user%example.net@example.com>", R, "percent-hack", NULL},
    /* bang paths */
    {"<example.net!user@example.com>", R, "bang-path", "example.com"},
    {"<a.example!b.example!user@example.com>", R, "bang-path", NULL},
    {"<\"example.net!user\"@example.com>", R, "bang-path", NULL},
    {"<example.net\\!user@example.com>", R, "bang-path", NULL},
    /* @ in the local part: double @, quoted and escaped */
    {"<user@example.net@example.com>", R, "at-in-local-part", "example.com"},
    {"<\"user@example.net\"@example.com>", R, "at-in-local-part", "example.com"},
    {"<user\\@example.net@example.com>", R, "at-in-local-part", "example.com"},
    {"<user@@example.com>", R, "at-in-local-part", "example.com"},
    {"<\"user@example.net\"@[192.0.2.1]>", R, "at-in-local-part", NULL},
    {"<user%a.example@example.net@example.com>", R, "at-in-local-part", NULL},
    /* invalid: nothing, or not an address */
    {"<>", I, "null-recipient", NULL},
    {"", I, "null-recipient", NULL},
    {"<  >", I, "null-recipient", NULL},
    {"<user@example.com", I, "syntax", NULL},
    {"user@example.com>", I, "syntax", NULL},
    {"<<user@example.com>>", I, "syntax", NULL},
    {"<\"unterminated@example.com>", I, "syntax", NULL},
    {"<user(comment)@example.com>", I, "syntax", NULL},
    {"<us,er@example.com>", I, "syntax", NULL},
    {"<us er@example.com>", I, "syntax", NULL},
    {"<user\\>", I, "syntax", NULL},
    {"<@example.com>", I, "bad-source-route", NULL},
    {"<@a.example:>", I, "bad-source-route", NULL},
    {"<@a.example,user@example.com>", I, "bad-source-route", NULL},
    {"<@bad..example:user@example.com>", I, "bad-source-route", NULL},
    {"<user>", I, "no-domain", NULL},
    {"<user%example.net>", I, "no-domain", NULL},
    {"<example.net!user>", I, "no-domain", NULL},
    {"<user@>", I, "bad-domain", NULL},
    {"<user@exa mple.com>", I, "bad-domain", NULL},
    {"<user@example..com>", I, "bad-domain", NULL},
    {"<user@.example.com>", I, "bad-domain", NULL},
    {"<user@example.com..>", I, "bad-domain", NULL},
    {"<user@example.com\r>", I, "bad-domain", NULL},
    {"<user@[300.1.1.1]>", I, "bad-address-literal", NULL},
    {"<user@[IPv6:zz::1]>", I, "bad-address-literal", NULL},
    {"<user@[1.2.3.4>", I, "bad-address-literal", NULL},
    {"<user@[tag:content]>", I, "bad-address-literal", NULL},
    {"<user@[192.0.2.1]x>", I, "bad-address-literal", NULL},
};

static rm_domains *local_domains(void)
{
    rm_domains *s = NULL;
    rm_diag d;

    rm_diag_init(&d);
    ck_assert_msg(rm_domains_parse(LOCAL_DOMAINS, NULL, "test", 1, NULL, &s, &d) == 0,
                  "local_domains of the test do not parse");
    return s;
}

START_TEST(test_table)
{
    const rcpt_case *c = &cases[_i];
    rm_domains *local = local_domains();
    rm_rcpt r;
    enum rm_rcpt_kind got = rm_rcpt_classify(c->in, strlen(c->in), local, &r);

    ck_assert_msg(got == c->want && strcmp(rm_rcpt_why_name(r.why), c->why) == 0,
                  "row %d: \"%s\": want %s (%s), got %s (%s)", _i, c->in,
                  rm_rcpt_kind_name(c->want), c->why, rm_rcpt_kind_name(got), rm_rcpt_why_name(r.why));
    ck_assert_int_eq(r.kind, got);
    if (c->domain != NULL)
        ck_assert_msg(r.domain_len == strlen(c->domain)
                      && memcmp(c->in + r.domain_off, c->domain, r.domain_len) == 0,
                      "row %d: \"%s\": domain want \"%s\", got \"%.*s\"", _i, c->in, c->domain,
                      (int) r.domain_len, c->in + r.domain_off);
    rm_domains_free(local);
}
END_TEST

/* The rule's other half: every routed row is a relay attempt, and every
 * row whose domain is not listed is never local. */
START_TEST(test_routed_never_local)
{
    rm_domains *local = local_domains();

    for (size_t i = 0; i < NELEM(cases); i++) {
        rm_rcpt r;

        rm_rcpt_classify(cases[i].in, strlen(cases[i].in), local, &r);
        if (r.routing)
            ck_assert_msg(r.kind != RM_RCPT_LOCAL, "\"%s\" is routed but local", cases[i].in);
    }
    rm_domains_free(local);
}
END_TEST

START_TEST(test_no_local_domains)
{
    rm_rcpt r;

    ck_assert_int_eq(rm_rcpt_classify("<user@example.com>", 18, NULL, &r), RM_RCPT_RELAY);
    ck_assert_int_eq(rm_rcpt_classify("<postmaster>", 12, NULL, &r), RM_RCPT_LOCAL);
    ck_assert_int_eq(rm_rcpt_classify("<>", 2, NULL, &r), RM_RCPT_INVALID);
}
END_TEST

START_TEST(test_parse_parts)
{
    static const char in[] = "<@hop.example:\"a%b\"@example.com>";
    rm_rcpt r;

    ck_assert_int_eq(rm_rcpt_parse(in, strlen(in), &r), 0);
    ck_assert(r.source_route);
    ck_assert(!r.literal);
    ck_assert_uint_eq(r.routing, RM_RCPT_ROUTE_PERCENT);
    ck_assert_int_eq((int) r.local_len, 5);
    ck_assert(memcmp(in + r.local_off, "\"a%b\"", 5) == 0);
    ck_assert(memcmp(in + r.domain_off, "example.com", r.domain_len) == 0);
    ck_assert_int_eq(rm_rcpt_parse("<u@[192.0.2.1]>", 15, &r), 0);
    ck_assert(r.literal);
    ck_assert_int_eq(rm_rcpt_parse("<u@@x.example>", 14, &r), 0);
    ck_assert_uint_eq(r.routing, RM_RCPT_ROUTE_AT);
}
END_TEST

/* Lengths are honoured: nothing past len is read, and a long input is refused. */
START_TEST(test_lengths)
{
    rm_domains *local = local_domains();
    char    big[RM_RCPT_MAX + 20];
    rm_rcpt r;

    /* "<user@example.com>garbage" with len stopping before the garbage */
    ck_assert_int_eq(rm_rcpt_classify("<user@example.com>garbage", 18, local, &r), RM_RCPT_LOCAL);
    ck_assert_int_eq(rm_rcpt_classify("<user@example.com>", 17, local, &r), RM_RCPT_INVALID);
    memset(big, 'a', sizeof(big));
    memcpy(big + sizeof(big) - 13, "@example.com", 12);
    big[sizeof(big) - 1] = '\0';
    ck_assert_int_eq(rm_rcpt_classify(big, strlen(big), local, &r), RM_RCPT_INVALID);
    ck_assert_str_eq(rm_rcpt_why_name(r.why), "too-long");
    /* a 63-byte label is fine, 64 is not */
    snprintf(big, sizeof(big), "<u@%063d.example>", 0);
    ck_assert_int_eq(rm_rcpt_classify(big, strlen(big), local, &r), RM_RCPT_RELAY);
    snprintf(big, sizeof(big), "<u@%064d.example>", 0);
    ck_assert_int_eq(rm_rcpt_classify(big, strlen(big), local, &r), RM_RCPT_INVALID);
    rm_domains_free(local);
}
END_TEST

/* Every byte value in every position: no crash, and never local unless
 * the address is exactly a listed one. */
START_TEST(test_bytes)
{
    rm_domains *local = local_domains();
    char    buf[32];
    rm_rcpt r;

    for (int pos = 0; pos < 18; pos++) {
        for (int b = 1; b < 256; b++) {
            snprintf(buf, sizeof(buf), "<user@example.com>");
            if (buf[pos] == (char) b)
                continue;
            buf[pos] = (char) b;
            if (rm_rcpt_classify(buf, strlen(buf), local, &r) == RM_RCPT_LOCAL)
                ck_assert_msg(r.routing == 0 && r.why == RM_RCPT_WHY_LOCAL_DOMAIN
                              && rm_domains_contains(local, buf + r.domain_off, r.domain_len),
                              "byte %d at %d made a local recipient with routing", b, pos);
        }
    }
    rm_domains_free(local);
}
END_TEST

START_TEST(test_names)
{
    for (int w = 0; w < RM_RCPT_WHY__COUNT; w++)
        ck_assert_str_ne(rm_rcpt_why_name((enum rm_rcpt_why) w), "unknown");
    ck_assert_str_eq(rm_rcpt_why_name(RM_RCPT_WHY__COUNT), "unknown");
    ck_assert_str_eq(rm_rcpt_kind_name(RM_RCPT_LOCAL), "local");
    ck_assert_str_eq(rm_rcpt_kind_name(RM_RCPT_RELAY), "relay");
    ck_assert_str_eq(rm_rcpt_kind_name(RM_RCPT_INVALID), "invalid");
}
END_TEST

static Suite *rcpt_suite(void)
{
    Suite  *s = suite_create("rcpt");
    TCase  *tc = tcase_create("rcpt");

    tcase_add_loop_test(tc, test_table, 0, (int) NELEM(cases));
    tcase_add_test(tc, test_routed_never_local);
    tcase_add_test(tc, test_no_local_domains);
    tcase_add_test(tc, test_parse_parts);
    tcase_add_test(tc, test_lengths);
    tcase_add_test(tc, test_bytes);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(rcpt_suite());
}
