/* SPDX-License-Identifier: BSD-2-Clause */
/* check_logfmt - rm_logfmt: the decision line, its quoting and its reader */

#include "unit_util.h"

#include "rm_logfmt.h"
#include "rm_snapshot.h"
#include "rm_verdict.h"

#define NKEYS 14

/* A parsed line: the keys in order and their values. */
typedef struct parsed {
    size_t  n;
    char    key[NKEYS + 2][32];
    char    val[NKEYS + 2][1024];
} parsed;

/* parse - the whole line, or fail the test */

static void parse(const char *line, parsed *p)
{
    const char *s = line;
    int     r;

    p->n = 0;
    while ((r = rm_logfmt_next(&s, p->key[p->n], sizeof(p->key[0]), p->val[p->n],
                               sizeof(p->val[0]))) == 1) {
        ck_assert_msg(p->n + 1 < NKEYS + 2, "too many pairs in %s", line);
        p->n++;
    }
    ck_assert_msg(r == 0, "pair %zu does not parse at \"%s\" in: %s", p->n, s, line);
}

/* value - the value of key in p, or NULL */

static const char *value(const parsed *p, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->key[i], key) == 0)
            return p->val[i];
    return NULL;
}

static void assert_printable(const char *line)
{
    for (const unsigned char *c = (const unsigned char *) line; *c; c++)
        ck_assert_msg(*c >= 0x20 && *c < 0x7f, "byte 0x%02x in: %s", *c, line);
}

/* A verdict from a real snapshot: deny list line 2. */
START_TEST(test_deny_line)
{
    char    dir[256], conf[512], path[512], line[RM_LOGFMT_LINE_MAX], want[600], got[2048];
    rm_snapshot *s = NULL;
    rm_verdict_in in;
    rm_verdict v;
    rm_diag d;
    parsed  p;
    rm_logfmt_facts f = {.action = "reject", .queue_id = "4B1C2A7F01", .client = "192.0.2.66",
        .helo = "client.example", .sender = "<a@example.org>", .sasl_user = "",
        .server = "192.0.2.1", .rcpt = "<u%example.net@example.com>"};

    u_tmpdir(dir, sizeof(dir));
    u_write_str(u_path(conf, sizeof(conf), dir, "relaymilter.conf"),
                "relay_flags = deny, allow\nlocal_domains = example.com\n");
    u_write_str(u_path(path, sizeof(path), dir, "deny.list"), "# deny\n192.0.2.66\n");
    u_write_str(u_path(path, sizeof(path), dir, "allow.list"), "192.0.2.0/24\n");
    u_write_str(u_path(path, sizeof(path), dir, "local-ip.list"), "\n");
    rm_diag_init(&d);
    ck_assert_msg(rm_snapshot_build(conf, 1, &s, &d) == 0, "build: %s",
                  u_diag_dump(&d, got, sizeof(got)));
    rm_verdict_in_init(&in);
    in.rcpt = "<u%example.net@example.com>";
    in.rcpt_len = strlen(in.rcpt);
    in.client = u_pton("192.0.2.66");
    in.client_state = RM_ADDR_KNOWN;
    rm_verdict_decide(s, &in, &v);
    ck_assert_int_eq(v.kind, RM_VERDICT_DENY);
    rm_logfmt_decision(line, sizeof(line), &f, s, &in, &v);
    assert_printable(line);
    parse(line, &p);
    ck_assert_uint_eq(p.n, NKEYS);
    for (size_t i = 0; i < NKEYS; i++)
        ck_assert_str_eq(p.key[i], rm_logfmt_key(i));
    ck_assert_ptr_null(rm_logfmt_key(NKEYS));
    ck_assert_str_eq(value(&p, "verdict"), "deny");
    ck_assert_str_eq(value(&p, "action"), "reject");
    ck_assert_str_eq(value(&p, "queue_id"), "4B1C2A7F01");
    ck_assert_str_eq(value(&p, "client"), "192.0.2.66");
    ck_assert_str_eq(value(&p, "helo"), "client.example");
    ck_assert_str_eq(value(&p, "sender"), "<a@example.org>");
    ck_assert_str_eq(value(&p, "sasl_user"), "");
    ck_assert_str_eq(value(&p, "server"), "192.0.2.1");
    ck_assert_str_eq(value(&p, "rcpt"), "<u%example.net@example.com>");
    ck_assert_str_eq(value(&p, "rule"), "deny-list");
    snprintf(want, sizeof(want), "%s/deny.list:2", dir);
    ck_assert_str_eq(value(&p, "list"), want);
    ck_assert_str_eq(value(&p, "entry"), "192.0.2.66");
    ck_assert_str_eq(value(&p, "relay_reason"), "percent-hack");
    ck_assert_str_eq(value(&p, "reason"), "");
    ck_assert_msg(strstr(line, " sasl_user=\"\" ") != NULL, "empty is \"\": %s", line);

    /* No verdict at all: no-decision, with the caller's reason. */
    f.reason = "no-connection-state";
    rm_logfmt_decision(line, sizeof(line), &f, NULL, NULL, NULL);
    parse(line, &p);
    ck_assert_str_eq(value(&p, "verdict"), "no-decision");
    ck_assert_str_eq(value(&p, "reason"), "no-connection-state");
    ck_assert_str_eq(value(&p, "rule"), "");
    rm_snapshot_unref(s);
    u_rmtree(dir);
}
END_TEST

/* Values that must be quoted come back byte for byte; nothing raw leaks. */
START_TEST(test_quoting)
{
    static const char *const odd[] = {
        "", " ", "a b", "\"", "\\", "a\"b\\c", "x=y", "\x1b[2J", "line\nforged=yes",
        "\r", "\x7f", "\xef\xbc\x91", "\xff", "tab\there", "<\"odd sender\"@example.org>",
    };
    char    line[RM_LOGFMT_LINE_MAX];
    parsed  p;

    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        rm_logfmt_facts f = {.action = "reject", .helo = odd[i], .sender = odd[i],
            .rcpt = odd[i], .reason = "r"};

        rm_logfmt_decision(line, sizeof(line), &f, NULL, NULL, NULL);
        assert_printable(line);
        parse(line, &p);
        ck_assert_uint_eq(p.n, NKEYS);
        ck_assert_str_eq(value(&p, "helo"), odd[i]);
        ck_assert_str_eq(value(&p, "sender"), odd[i]);
        ck_assert_str_eq(value(&p, "rcpt"), odd[i]);
        ck_assert_str_eq(value(&p, "reason"), "r");
    }
    /* The escapes as documented. */
    {
        rm_logfmt_facts f = {.helo = "a \"b\"\\\x1b"};

        rm_logfmt_decision(line, sizeof(line), &f, NULL, NULL, NULL);
        ck_assert_msg(strstr(line, " helo=\"a\\x20\\\"b\\\"\\\\\\x1b\" ") != NULL, "%s", line);
    }
}
END_TEST

/* Random bytes, random lengths: every line parses back to its values. */
START_TEST(test_random)
{
    u_rng   r = {u_seed("logfmt")};
    char    line[RM_LOGFMT_LINE_MAX], v[3][120];      /* 3 x 4 x 120 fits a line */
    parsed  p;

    for (int round = 0; round < 2000; round++) {
        for (int k = 0; k < 3; k++) {
            size_t  n = (size_t) u_below(&r, sizeof(v[k]));

            for (size_t i = 0; i < n; i++)
                v[k][i] = (char) (1 + u_below(&r, 255));
            v[k][n] = '\0';
        }
        rm_logfmt_facts f = {.client = v[0], .helo = v[1], .rcpt = v[2]};

        rm_logfmt_decision(line, sizeof(line), &f, NULL, NULL, NULL);
        parse(line, &p);
        /* One assertion per round: Check's are slow by the thousand. */
        bool    same = p.n == NKEYS && strcmp(value(&p, "client"), v[0]) == 0
            && strcmp(value(&p, "helo"), v[1]) == 0 && strcmp(value(&p, "rcpt"), v[2]) == 0;

        for (const unsigned char *c = (const unsigned char *) line; *c; c++)
            same = same && *c >= 0x20 && *c < 0x7f;
        if (!same)
            ck_abort_msg("round %d does not read back: %s", round, line);
    }
}
END_TEST

/* A buffer too small: whole pairs only, then truncated=yes; still parses. */
START_TEST(test_truncated)
{
    char    line[80], big[RM_LOGFMT_LINE_MAX], helo[1500];
    parsed  p;
    size_t  n;

    memset(helo, '\x01', sizeof(helo) - 1);
    helo[sizeof(helo) - 1] = '\0';
    rm_logfmt_facts f = {.action = "reject", .client = "192.0.2.9", .helo = helo, .rcpt = "<x@y>"};

    n = rm_logfmt_decision(line, sizeof(line), &f, NULL, NULL, NULL);
    ck_assert_uint_eq(n, strlen(line));
    ck_assert_msg(n >= 14 && strcmp(line + n - 14, " truncated=yes") == 0, "%s", line);
    parse(line, &p);
    ck_assert_str_eq(value(&p, "client"), "192.0.2.9");
    ck_assert_ptr_null(value(&p, "helo"));
    ck_assert_str_eq(value(&p, "truncated"), "yes");
    /* 1500 bytes that each take four: over the line limit, cut, parses. */
    rm_logfmt_decision(big, sizeof(big), &f, NULL, NULL, NULL);
    ck_assert_uint_lt(strlen(big), sizeof(big));
    parse(big, &p);
    ck_assert_str_eq(value(&p, "truncated"), "yes");
    ck_assert_uint_eq(rm_logfmt_decision(line, 4, &f, NULL, NULL, NULL), 0);
    ck_assert_str_eq(line, "");
}
END_TEST

/*
 * A value never holds a raw space, so every space separates two pairs and
 * " key=" appears only where that key's pair starts: a client's HELO or
 * sender can not add a pair that a grep for " verdict=allow" or
 * " rule=allow-list " would find (relaymilter(8)'s examples).
 */
START_TEST(test_no_forged_pair)
{
    static const char *const forged[] = {
        "x verdict=allow rule=allow-list", " verdict=allow", "a\" verdict=allow \"b",
        "verdict=allow", "\t verdict=allow", " ", "sasl user",
    };
    char    line[RM_LOGFMT_LINE_MAX];
    parsed  p;

    for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
        rm_logfmt_facts f = {.action = "reject", .helo = forged[i], .sender = forged[i],
            .sasl_user = forged[i], .rcpt = forged[i], .reason = "r"};
        size_t  spaces = 0;

        rm_logfmt_decision(line, sizeof(line), &f, NULL, NULL, NULL);
        for (const char *c = line; *c; c++)
            spaces += *c == ' ';
        ck_assert_msg(spaces == NKEYS - 1, "%zu spaces for %d pairs: %s", spaces, NKEYS, line);
        ck_assert_msg(strstr(line, " verdict=") == NULL && strstr(line, " rule=allow") == NULL,
                      "a value reads as a pair: %s", line);
        parse(line, &p);
        ck_assert_uint_eq(p.n, NKEYS);
        ck_assert_str_eq(value(&p, "helo"), forged[i]);
        ck_assert_str_eq(value(&p, "sasl_user"), forged[i]);
    }
}
END_TEST

/* is_prefix - is got the start of want? */

static bool is_prefix(const char *got, const char *want)
{
    return strncmp(got, want, strlen(got)) == 0;
}

/*
 * The longest values a milter passes (329 bytes each), every byte one that
 * takes four in the line: the decision's own facts are still all there,
 * whole; only the client's long values are cut, each to a fair share, and
 * the line says truncated=yes.
 */
START_TEST(test_hostile_lengths)
{
    char    line[RM_LOGFMT_LINE_MAX], helo[330], sender[330], user[330], rcpt[330];
    parsed  p;

    memset(helo, '\xff', sizeof(helo) - 1);
    memset(user, '\x1b', sizeof(user) - 1);
    memset(sender, '\xc3', sizeof(sender) - 1);
    memset(rcpt, '\x01', sizeof(rcpt) - 1);
    helo[329] = user[329] = sender[329] = rcpt[329] = '\0';
    sender[0] = rcpt[0] = '<';
    rm_logfmt_facts f = {.action = "reject", .queue_id = "4B1C2A7F01", .client = "192.0.2.66",
        .helo = helo, .sender = sender, .sasl_user = user, .server = "192.0.2.1", .rcpt = rcpt,
        .reason = "no-rcpt_mailer-macro"};

    ck_assert_uint_lt(rm_logfmt_decision(line, sizeof(line), &f, NULL, NULL, NULL), sizeof(line));
    assert_printable(line);
    parse(line, &p);
    ck_assert_msg(p.n == NKEYS + 1, "%zu pairs: %s", p.n, line);
    for (size_t i = 0; i < NKEYS; i++)
        ck_assert_str_eq(p.key[i], rm_logfmt_key(i));
    ck_assert_str_eq(p.key[NKEYS], "truncated");
    ck_assert_str_eq(p.val[NKEYS], "yes");
    ck_assert_str_eq(value(&p, "verdict"), "no-decision");
    ck_assert_str_eq(value(&p, "queue_id"), "4B1C2A7F01");
    ck_assert_str_eq(value(&p, "client"), "192.0.2.66");
    ck_assert_str_eq(value(&p, "server"), "192.0.2.1");
    ck_assert_str_eq(value(&p, "reason"), "no-rcpt_mailer-macro");
    ck_assert(is_prefix(value(&p, "helo"), helo) && is_prefix(value(&p, "sender"), sender));
    ck_assert(is_prefix(value(&p, "sasl_user"), user) && is_prefix(value(&p, "rcpt"), rcpt));
    ck_assert_msg(strlen(value(&p, "rcpt")) >= 60, "the recipient is cut to nothing: %s", line);
}
END_TEST

/* Random long values into buffers of random size: every line parses, has
 * every key once the buffer holds them, and each value read back is the
 * start of the one given, whole unless the line says truncated=yes. */
START_TEST(test_random_cut)
{
    u_rng   r = {u_seed("logfmt-cut")};
    char    line[RM_LOGFMT_LINE_MAX], v[4][330];
    parsed  p;

    for (int round = 0; round < 2000; round++) {
        size_t  len = 200 + (size_t) u_below(&r, sizeof(line) - 200);
        bool    good;

        for (int k = 0; k < 4; k++) {
            size_t  n = (size_t) u_below(&r, sizeof(v[k]));

            for (size_t i = 0; i < n; i++)
                v[k][i] = (char) (1 + u_below(&r, 255));
            v[k][n] = '\0';
        }
        rm_logfmt_facts f = {.client = "192.0.2.9", .helo = v[0], .sender = v[1], .sasl_user = v[2],
            .rcpt = v[3], .reason = "r"};

        ck_assert_uint_lt(rm_logfmt_decision(line, len, &f, NULL, NULL, NULL), len);
        parse(line, &p);
        good = p.n >= NKEYS && strcmp(value(&p, "client"), "192.0.2.9") == 0
            && strcmp(value(&p, "reason"), "r") == 0;
        for (int k = 0; k < 4 && good; k++) {
            const char *got = value(&p, (const char *[]) {"helo", "sender", "sasl_user", "rcpt"}[k]);

            good = is_prefix(got, v[k]) && (p.n > NKEYS || strcmp(got, v[k]) == 0);
        }
        if (!good)
            ck_abort_msg("round %d (buffer %zu) does not read back: %s", round, len, line);
    }
}
END_TEST

/* The reader refuses what the writer never writes. */
START_TEST(test_malformed)
{
    static const char *const bad[] = {
        "k=\"open", "k=a\"b", "=x", "K=x", "k=", "k=\"\\q\"", "k=\"\\x1\"", "k=\"\\x1B\"", "k=\"a\"b",
        "k=\x1b", "k", "k=\"\\", "k=\"a b\"", "k=\"\x1b\"", "k=\"\xc3\xa9\"",
    };
    char    key[32], val[64];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *s = bad[i];

        ck_assert_msg(rm_logfmt_next(&s, key, sizeof(key), val, sizeof(val)) == -1, "accepted: %s", bad[i]);
        ck_assert_ptr_eq(s, bad[i]);
    }
    {
        const char *s = "k=\"0123456789\"";

        ck_assert_int_eq(rm_logfmt_next(&s, key, sizeof(key), val, 5), -1);
        s = "  ";
        ck_assert_int_eq(rm_logfmt_next(&s, key, sizeof(key), val, sizeof(val)), 0);
    }
}
END_TEST

static Suite *logfmt_suite(void)
{
    Suite  *s = suite_create("logfmt");
    TCase  *tc = tcase_create("logfmt");

    tcase_add_test(tc, test_deny_line);
    tcase_add_test(tc, test_quoting);
    tcase_add_test(tc, test_random);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_no_forged_pair);
    tcase_add_test(tc, test_hostile_lengths);
    tcase_add_test(tc, test_random_cut);
    tcase_add_test(tc, test_malformed);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(logfmt_suite());
}
