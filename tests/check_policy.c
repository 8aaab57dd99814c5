/* SPDX-License-Identifier: BSD-2-Clause */
/* check_policy - the six steps of KB Q193922, flags, local submission */

/*
 * The truth table: every relay_flags value, client on the deny list or
 * not, on the allow list or not, the server address on the local-IP list
 * or not, authenticated or not, for IPv4, IPv6 and IPv4-mapped clients.
 * The expected answer comes from the test's own statement of DESIGN.md's
 * six steps, never from the library.
 */

#include <stdbool.h>

#include "unit_util.h"
#include "rm_policy.h"
#include "rm_snapshot.h"

/* The stable rule names (README, relayctl output, counters). */
static const char *const rule_names[RM_RULE__COUNT] = {
    [RM_RULE_DENY_LIST] = "deny-list",
    [RM_RULE_ALLOW_LIST] = "allow-list",
    [RM_RULE_LOCAL_IP] = "local-ip",
    [RM_RULE_AUTH] = "auth",
    [RM_RULE_DENY_ONLY] = "deny-only",
    [RM_RULE_DEFAULT] = "default-deny",
    [RM_RULE_LOCAL_SUBMISSION] = "local-submission",
};

/* The lists: where each client and server address stands. */

static const char deny_text[] =
    "# deny list\n"
    "203.0.113.0/24\n"                  /* 2: the denied client */
    "10.9.9.9\n"                        /* 3: the client on both lists */
    "2001:db8:bad::/48\n"               /* 4 */
    "2001:db8:b0b::9\n";                /* 5 */
static const char allow_text[] =
    "192.0.2.0/24\n"                    /* 1: the allowed client */
    "\n"
    "10.9.9.9\n"                        /* 3 */
    "2001:db8:600d::/48\n"              /* 4 */
    "2001:db8:b0b::9\n";                /* 5 */
static const char local_text[] =
    "192.0.2.25\n"                      /* 1 */
    "2001:db8::25\n";                   /* 2 */

enum fam { F_V4, F_V6, F_MAPPED, F__COUNT };

/* [family][on deny][on allow] */
static const char *const clients[F__COUNT][2][2] = {
    [F_V4] = {{"198.51.100.1", "192.0.2.5"}, {"203.0.113.5", "10.9.9.9"}},
    [F_V6] = {{"2001:db8:1::1", "2001:db8:600d::5"}, {"2001:db8:bad::5", "2001:db8:b0b::9"}},
    [F_MAPPED] = {{"::ffff:198.51.100.1", "::ffff:192.0.2.5"}, {"::ffff:203.0.113.5", "::ffff:10.9.9.9"}},
};
/* [family][deny or allow list][on deny][on allow]: the line that matches */
static const unsigned client_line[F__COUNT][2][2][2] = {
    [F_V4] = {{{0, 0}, {2, 3}}, {{0, 1}, {0, 3}}},
    [F_V6] = {{{0, 0}, {4, 5}}, {{0, 4}, {0, 5}}},
    [F_MAPPED] = {{{0, 0}, {2, 3}}, {{0, 1}, {0, 3}}},
};
/* [family][on local]; the local-IP line is 1 (IPv4) or 2 (IPv6) */
static const char *const locals[F__COUNT][2] = {
    [F_V4] = {"192.0.2.26", "192.0.2.25"},
    [F_V6] = {"2001:db8::26", "2001:db8::25"},
    [F_MAPPED] = {"::ffff:192.0.2.26", "::ffff:192.0.2.25"},
};

typedef struct expect {
    bool    allow;
    enum rm_rule rule;
    int     list;
} expect;

/*
 * expected - DESIGN.md "The policy", restated: the steps in order, the
 * first that applies decides.
 */
static expect expected(unsigned flags, bool on_deny, bool on_allow, bool on_local, bool auth)
{
    const struct {
        bool    applies;
        expect  e;
    } steps[] = {
        {(flags & 1) != 0 && on_deny, {false, RM_RULE_DENY_LIST, RM_LIST_DENY}},
        {(flags & 2) != 0 && on_allow, {true, RM_RULE_ALLOW_LIST, RM_LIST_ALLOW}},
        {(flags & 4) != 0 && on_local, {true, RM_RULE_LOCAL_IP, RM_LIST_LOCAL}},
        {(flags & 8) != 0 && auth, {true, RM_RULE_AUTH, -1}},
        {flags == 1, {true, RM_RULE_DENY_ONLY, -1}},
        {true, {false, RM_RULE_DEFAULT, -1}},
    };
    size_t  i = 0;

    while (!steps[i].applies)
        i++;
    return steps[i].e;
}

static rm_list *lists[RM_LIST__COUNT];

static rm_list *load(const char *name, const char *text)
{
    rm_list *l = NULL;
    rm_diag d;
    char    dump[4096];

    rm_diag_init(&d);
    ck_assert_msg(rm_list_load_buffer(name, text, strlen(text), NULL, &l, &d) == 0,
                  "%s: %s", name, u_diag_dump(&d, dump, sizeof(dump)));
    return l;
}

static void setup_lists(void)
{
    lists[RM_LIST_DENY] = load("deny.list", deny_text);
    lists[RM_LIST_ALLOW] = load("allow.list", allow_text);
    lists[RM_LIST_LOCAL] = load("local-ip.list", local_text);
}

static void teardown_lists(void)
{
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        rm_list_free(lists[k]);
        lists[k] = NULL;
    }
}

static rm_policy make_policy(unsigned flags, bool local_submission_allow)
{
    rm_policy p;

    memset(&p, 0, sizeof(p));
    p.flags = flags;
    p.local_submission_allow = local_submission_allow;
    for (int k = 0; k < RM_LIST__COUNT; k++)
        p.lists[k] = lists[k];
    return p;
}

/* The whole truth table: 16 flags x deny x allow x local x auth x family. */

#define TT_ROWS (16 * 2 * 2 * 2 * 2 * F__COUNT)

START_TEST(test_policy_truth_table)
{
    unsigned flags = (unsigned) _i & 15;
    bool    on_deny = (_i >> 4) & 1, on_allow = (_i >> 5) & 1;
    bool    on_local = (_i >> 6) & 1, auth = (_i >> 7) & 1;
    enum fam f = (enum fam) (_i >> 8);
    rm_policy p = make_policy(flags, true);
    rm_query q;
    rm_decision d;
    expect  w = expected(flags, on_deny, on_allow, on_local, auth);
    char    row[200];

    snprintf(row, sizeof(row), "flags=%u deny=%d allow=%d local=%d auth=%d client=%s local=%s",
             flags, on_deny, on_allow, on_local, auth, clients[f][on_deny][on_allow], locals[f][on_local]);
    memset(&q, 0, sizeof(q));
    q.client = u_pton(clients[f][on_deny][on_allow]);
    q.local = u_pton(locals[f][on_local]);
    q.auth = auth;
    memset(&d, 0x5a, sizeof(d));
    rm_policy_decide(&p, &q, &d);
    ck_assert_msg(d.allow == w.allow && d.rule == w.rule && d.list == w.list,
                  "%s: want %s by %s (list %d), got %s by %s (list %d)", row,
                  w.allow ? "allow" : "deny", rule_names[w.rule], w.list,
                  d.allow ? "allow" : "deny", rm_rule_name(d.rule), d.list);
    ck_assert_msg(strcmp(rm_rule_name(d.rule), rule_names[w.rule]) == 0, "%s: rule name want %s got %s",
                  row, rule_names[w.rule], rm_rule_name(d.rule));
    /* the reason names the entry that decided */
    if (w.list >= 0) {
        rm_entry_info info;
        unsigned want_line = w.list == RM_LIST_LOCAL ? (f == F_V6 ? 2 : 1)
            : client_line[f][w.list == RM_LIST_ALLOW][on_deny][on_allow];

        ck_assert_int_eq(rm_list_entry(lists[w.list], d.match.entry, &info), 0);
        ck_assert_msg(info.line == want_line, "%s: want %s line %u, got line %u", row,
                      rm_list_name(lists[w.list]), want_line, info.line);
    }
}
END_TEST

/* Rule names are stable: logs, counters and relayctl print them. */

START_TEST(test_policy_names)
{
    for (int r = 0; r < RM_RULE__COUNT; r++)
        ck_assert_str_eq(rm_rule_name((enum rm_rule) r), rule_names[r]);
    ck_assert_str_eq(rm_rule_name(RM_RULE__COUNT), "unknown");
}
END_TEST

/*
 * KB Q193922's five scenarios.  Each is a configuration and a handful of
 * connections with the answer an Exchange administrator expects.
 */

typedef struct conn {
    const char *client;
    const char *local;
    bool    auth;
    bool    allow;
    enum rm_rule rule;
} conn;

static void scenario(unsigned flags, const char *deny, const char *allow, const char *local,
                     const conn *c, size_t n)
{
    rm_policy p;

    memset(&p, 0, sizeof(p));
    p.flags = flags;
    p.local_submission_allow = true;
    p.lists[RM_LIST_DENY] = load("deny.list", deny);
    p.lists[RM_LIST_ALLOW] = load("allow.list", allow);
    p.lists[RM_LIST_LOCAL] = load("local-ip.list", local);
    for (size_t i = 0; i < n; i++) {
        rm_query q;
        rm_decision d;

        memset(&q, 0, sizeof(q));
        q.client = u_pton(c[i].client);
        q.local = u_pton(c[i].local);
        q.auth = c[i].auth;
        rm_policy_decide(&p, &q, &d);
        ck_assert_msg(d.allow == c[i].allow && d.rule == c[i].rule,
                      "flags=%u client %s to %s%s: want %s (%s), got %s (%s)", flags, c[i].client,
                      c[i].local, c[i].auth ? " auth" : "", c[i].allow ? "allow" : "deny",
                      rule_names[c[i].rule], d.allow ? "allow" : "deny", rm_rule_name(d.rule));
    }
    for (int k = 0; k < RM_LIST__COUNT; k++)
        rm_list_free((rm_list *) p.lists[k]);
}

/* 1: everyone may relay except the hosts on the deny list (RelayFlags = 1) */

START_TEST(test_kb_deny_only)
{
    static const conn c[] = {
        {"192.0.2.66", "192.0.2.25", false, false, RM_RULE_DENY_LIST},
        {"192.0.2.66", "192.0.2.25", true, false, RM_RULE_DENY_LIST},
        {"192.0.2.67", "192.0.2.25", false, true, RM_RULE_DENY_ONLY},
        {"198.51.100.1", "192.0.2.25", false, true, RM_RULE_DENY_ONLY},
        {"2001:db8::1", "2001:db8::25", false, true, RM_RULE_DENY_ONLY},
        {"::ffff:192.0.2.66", "192.0.2.25", false, false, RM_RULE_DENY_LIST},
    };

    scenario(1, "192.0.2.66\n", "192.0.2.0/24\n", "192.0.2.25\n", c, NELEM(c));
}
END_TEST

/* 2: only the hosts on the allow list may relay (RelayFlags = 2) */

START_TEST(test_kb_allow_only)
{
    static const conn c[] = {
        {"192.0.2.5", "192.0.2.25", false, true, RM_RULE_ALLOW_LIST},
        {"192.0.2.255", "192.0.2.25", false, true, RM_RULE_ALLOW_LIST},
        {"192.0.3.1", "192.0.2.25", false, false, RM_RULE_DEFAULT},
        {"192.0.3.1", "192.0.2.25", true, false, RM_RULE_DEFAULT},   /* auth is off */
        {"192.0.2.66", "192.0.2.25", false, true, RM_RULE_ALLOW_LIST}, /* deny is off */
        {"198.51.100.1", "192.0.2.25", false, false, RM_RULE_DEFAULT},  /* local is off */
    };

    scenario(2, "192.0.2.66\n", "192.0.2.0/24\n", "192.0.2.25\n", c, NELEM(c));
}
END_TEST

/* 3: a subnet may relay, except part of it (RelayFlags = 3) */

START_TEST(test_kb_allow_except_subset)
{
    static const conn c[] = {
        {"192.168.1.1", "10.0.0.25", false, true, RM_RULE_ALLOW_LIST},
        {"192.168.4.255", "10.0.0.25", false, true, RM_RULE_ALLOW_LIST},
        {"192.168.5.0", "10.0.0.25", false, false, RM_RULE_DENY_LIST},
        {"192.168.5.9", "10.0.0.25", false, false, RM_RULE_DENY_LIST},
        {"192.168.5.255", "10.0.0.25", true, false, RM_RULE_DENY_LIST},
        {"192.168.6.0", "10.0.0.25", false, true, RM_RULE_ALLOW_LIST},
        {"192.168.255.255", "10.0.0.25", false, true, RM_RULE_ALLOW_LIST},
        {"10.0.0.1", "10.0.0.25", false, false, RM_RULE_DEFAULT},
        {"192.169.0.1", "10.0.0.25", false, false, RM_RULE_DEFAULT},
    };

    scenario(3, "192.168.5.0/24\n", "192.168.0.0/16\n", "10.0.0.25\n", c, NELEM(c));
}
END_TEST

/* 4: clients of one interface may relay (RelayFlags = 4) */

START_TEST(test_kb_local_interfaces)
{
    static const conn c[] = {
        {"198.51.100.1", "10.0.0.25", false, true, RM_RULE_LOCAL_IP},
        {"198.51.100.1", "10.0.0.26", false, false, RM_RULE_DEFAULT},
        {"192.0.2.5", "10.0.0.26", false, false, RM_RULE_DEFAULT},      /* allow is off */
        {"2001:db8::1", "2001:db8::25", false, true, RM_RULE_LOCAL_IP},
        {"2001:db8::1", "::ffff:10.0.0.25", false, true, RM_RULE_LOCAL_IP},
        {"198.51.100.1", "10.0.0.26", true, false, RM_RULE_DEFAULT},     /* auth is off */
    };

    scenario(4, "192.0.2.66\n", "192.0.2.0/24\n", "10.0.0.25\n2001:db8::25\n", c, NELEM(c));
}
END_TEST

/* 5: authenticated clients may relay (RelayFlags = 8) */

START_TEST(test_kb_authenticated)
{
    static const conn c[] = {
        {"198.51.100.1", "10.0.0.25", true, true, RM_RULE_AUTH},
        {"198.51.100.1", "10.0.0.25", false, false, RM_RULE_DEFAULT},
        {"192.0.2.66", "10.0.0.25", true, true, RM_RULE_AUTH},          /* deny is off */
        {"192.0.2.5", "10.0.0.25", false, false, RM_RULE_DEFAULT},      /* allow is off */
    };

    scenario(8, "192.0.2.66\n", "192.0.2.0/24\n", "10.0.0.25\n", c, NELEM(c));
}
END_TEST

/* Missing lists are empty lists. */

START_TEST(test_policy_null_lists)
{
    rm_policy p;
    rm_query q;
    rm_decision d;

    for (unsigned flags = 0; flags < 16; flags++) {
        for (int auth = 0; auth < 2; auth++) {
            expect  w = expected(flags, false, false, false, auth);

            memset(&p, 0, sizeof(p));
            p.flags = flags;
            memset(&q, 0, sizeof(q));
            q.client = u_pton("192.0.2.1");
            q.local = u_pton("192.0.2.25");
            q.auth = auth;
            rm_policy_decide(&p, &q, &d);
            ck_assert_msg(d.allow == w.allow && d.rule == w.rule && d.list == -1,
                          "flags=%u auth=%d: want %s got %s", flags, auth, rule_names[w.rule], rm_rule_name(d.rule));
        }
    }
}
END_TEST

/*
 * Local submission: a client without an address.  With local_submission
 * = allow it relays; with policy it meets the same six steps, where no
 * list can hold it.
 */

START_TEST(test_policy_local_submission)
{
    unsigned flags = (unsigned) _i & 15;
    bool    auth = (_i >> 4) & 1, on_local = (_i >> 5) & 1;
    rm_query q;
    rm_decision d;
    rm_policy p;
    expect  w;

    memset(&q, 0, sizeof(q));
    q.client.family = RM_AF_NONE;
    q.local = u_pton(locals[F_V4][on_local]);
    q.auth = auth;

    p = make_policy(flags, true);
    rm_policy_decide(&p, &q, &d);
    ck_assert_msg(d.allow && d.rule == RM_RULE_LOCAL_SUBMISSION && d.list == -1,
                  "flags=%u auth=%d local=%d, local_submission=allow: want allow by local-submission, got %s by %s",
                  flags, auth, on_local, d.allow ? "allow" : "deny", rm_rule_name(d.rule));

    p = make_policy(flags, false);
    w = expected(flags, false, false, on_local, auth);
    rm_policy_decide(&p, &q, &d);
    ck_assert_msg(d.allow == w.allow && d.rule == w.rule && d.list == w.list,
                  "flags=%u auth=%d local=%d, local_submission=policy: want %s by %s, got %s by %s",
                  flags, auth, on_local, w.allow ? "allow" : "deny", rule_names[w.rule],
                  d.allow ? "allow" : "deny", rm_rule_name(d.rule));

    /* and a client with an address is never a local submission */
    q.client = u_pton("198.51.100.1");
    p = make_policy(flags, true);
    rm_policy_decide(&p, &q, &d);
    ck_assert_msg(d.rule != RM_RULE_LOCAL_SUBMISSION, "flags=%u: a client with an address was a local submission", flags);
}
END_TEST

/* rm_flags_parse: names, numbers, and errors with their messages. */

START_TEST(test_flags_parse)
{
    static const struct {
        const char *in;
        int     rc;
        unsigned flags;
        const char *err;
    } t[] = {
        {"deny", 0, 1, NULL},
        {"allow", 0, 2, NULL},
        {"local", 0, 4, NULL},
        {"auth", 0, 8, NULL},
        {"allow, auth", 0, 10, NULL},
        {"auth,allow", 0, 10, NULL},
        {"deny allow", 0, 3, NULL},
        {"DENY,Allow,LOCAL,auth", 0, 15, NULL},
        {"  deny \t local  ", 0, 5, NULL},
        {"allow,,auth", 0, 10, NULL},
        {"allow allow", 0, 2, NULL},
        {"none", 0, 0, NULL},
        {"NONE", 0, 0, NULL},
        {" 7 ", 0, 7, NULL},
        {"16", -1, 0, "relay_flags number must be 0 to 15, not \"16\""},
        {"100", -1, 0, "relay_flags number must be 0 to 15, not \"100\""},
        {"99999999999999999999", -1, 0, "relay_flags number must be 0 to 15, not \"99999999999999999999\""},
        {"1x", -1, 0, "relay_flags number must be 0 to 15, not \"1x\""},
        {"0x3", -1, 0, "relay_flags number must be 0 to 15, not \"0x3\""},
        {"3 allow", -1, 0, "relay_flags number must be 0 to 15, not \"3 allow\""},
        {"-1", -1, 0, "unknown relay flag \"-1\" (use deny, allow, local, auth, or 0-15)"},
        {"allowed", -1, 0, "unknown relay flag \"allowed\" (use deny, allow, local, auth, or 0-15)"},
        {"allow; auth", -1, 0, "unknown relay flag \"allow;\" (use deny, allow, local, auth, or 0-15)"},
        {"allow, 2", -1, 0, "unknown relay flag \"2\" (use deny, allow, local, auth, or 0-15)"},
        {"relay", -1, 0, "unknown relay flag \"relay\" (use deny, allow, local, auth, or 0-15)"},
    };

    for (unsigned n = 0; n <= 15; n++) {
        char    in[8], err[256] = "";
        unsigned f = 99;

        snprintf(in, sizeof(in), "%u", n);
        ck_assert_msg(rm_flags_parse(in, &f, err, sizeof(err)) == 0 && f == n, "\"%s\": want %u got %u (%s)", in, n, f, err);
    }
    for (size_t i = 0; i < NELEM(t); i++) {
        char    err[256] = "";
        unsigned f = 99;
        int     rc = rm_flags_parse(t[i].in, &f, err, sizeof(err));

        ck_assert_msg(rc == t[i].rc, "\"%s\": want rc %d got %d (%s)", t[i].in, t[i].rc, rc, err);
        if (rc == 0) {
            ck_assert_msg(f == t[i].flags, "\"%s\": want %u got %u", t[i].in, t[i].flags, f);
        } else {
            ck_assert_msg(strcmp(err, t[i].err) == 0, "\"%s\":\n want \"%s\"\n got  \"%s\"", t[i].in, t[i].err, err);
            ck_assert_msg(f == 99, "\"%s\": flags written on error", t[i].in);
        }
    }
}
END_TEST

/* rm_flags_format: names in rule order; parse(format(f)) == f. */

START_TEST(test_flags_format)
{
    static const char *const want[16] = {
        "none", "deny", "allow", "deny, allow", "local", "deny, local", "allow, local",
        "deny, allow, local", "auth", "deny, auth", "allow, auth", "deny, allow, auth",
        "local, auth", "deny, local, auth", "allow, local, auth", "deny, allow, local, auth",
    };
    char    buf[64], err[256];
    size_t  n;

    for (unsigned f = 0; f < 16; f++) {
        unsigned back = 99;

        n = rm_flags_format(f, buf, sizeof(buf));
        ck_assert_msg(strcmp(buf, want[f]) == 0, "%u: want \"%s\" got \"%s\"", f, want[f], buf);
        ck_assert_uint_eq(n, strlen(want[f]));
        ck_assert_msg(rm_flags_parse(buf, &back, err, sizeof(err)) == 0 && back == f, "\"%s\" parses to %u", buf, back);
    }
    /* a short buffer holds whole names only, always terminated */
    n = rm_flags_format(15, buf, 12);
    ck_assert_str_eq(buf, "deny, allow");
    ck_assert_uint_eq(n, 11);
    ck_assert_uint_eq(rm_flags_format(3, buf, 0), 0);
}
END_TEST

/* A snapshot explains its decisions: rule, FILE:LINE and the entry. */

START_TEST(test_snapshot_explain)
{
    char    dir[256], conf[512], path[512], want[1024], got[1024], where[1024], entry[128];
    rm_snapshot *s = NULL;
    rm_diag d;
    rm_query q;
    rm_decision dec;
    static const struct {
        const char *client;
        const char *local;
        bool    auth;
        const char *list;               /* NULL: no file */
        const char *explain;            /* after "RULE FILE:LINE " or alone */
        const char *rule;
    } t[] = {
        {"192.168.5.9", "10.0.0.26", false, "deny.list:2", "192.168.5.0/24", "deny-list"},
        {"192.168.7.1", "10.0.0.26", false, "allow.list:1", "192.168.0.0/16", "allow-list"},
        {"198.51.100.1", "10.0.0.25", false, "local-ip.list:3", "10.0.0.0;255.255.255.0", "local-ip"},
        {"198.51.100.1", "10.0.1.25", true, NULL, NULL, "auth"},
        {"198.51.100.1", "10.0.1.25", false, NULL, NULL, "default-deny"},
    };

    u_tmpdir(dir, sizeof(dir));
    u_write_str(u_path(conf, sizeof(conf), dir, "relaymilter.conf"), "relay_flags = 15\n");
    u_write_str(u_path(path, sizeof(path), dir, "deny.list"), "# deny\n192.168.5.0/24\n");
    u_write_str(u_path(path, sizeof(path), dir, "allow.list"), "192.168.0.0/16\n");
    u_write_str(u_path(path, sizeof(path), dir, "local-ip.list"), "# the MX\n\n10.0.0.0;255.255.255.0\n");
    rm_diag_init(&d);
    ck_assert_msg(rm_snapshot_build(conf, 7, &s, &d) == 0, "build: %s", u_diag_dump(&d, got, sizeof(got)));
    ck_assert_uint_eq(s->generation, 7);
    for (size_t i = 0; i < NELEM(t); i++) {
        memset(&q, 0, sizeof(q));
        q.client = u_pton(t[i].client);
        q.local = u_pton(t[i].local);
        q.auth = t[i].auth;
        rm_snapshot_decide(s, &q, &dec);
        ck_assert_str_eq(rm_rule_name(dec.rule), t[i].rule);
        rm_snapshot_explain(s, &dec, got, sizeof(got));
        rm_snapshot_where(s, &dec, where, sizeof(where), entry, sizeof(entry));
        if (t[i].list) {
            snprintf(want, sizeof(want), "%s %s/%s %s", t[i].rule, dir, t[i].list, t[i].explain);
            ck_assert_str_eq(got, want);
            snprintf(want, sizeof(want), "%s/%s", dir, t[i].list);
            ck_assert_str_eq(where, want);
            ck_assert_str_eq(entry, t[i].explain);
        } else {
            ck_assert_str_eq(got, t[i].rule);
            ck_assert_str_eq(where, "");
            ck_assert_str_eq(entry, "");
        }
    }
    rm_snapshot_unref(s);
    u_rmtree(dir);
}
END_TEST

static Suite *policy_suite(void)
{
    Suite  *s = suite_create("policy");
    TCase  *tc;

    tc = tcase_create("truth-table");
    tcase_add_checked_fixture(tc, setup_lists, teardown_lists);
    tcase_add_loop_test(tc, test_policy_truth_table, 0, TT_ROWS);
    tcase_add_loop_test(tc, test_policy_local_submission, 0, 64);
    suite_add_tcase(s, tc);

    tc = tcase_create("kb-q193922");
    tcase_add_test(tc, test_kb_deny_only);
    tcase_add_test(tc, test_kb_allow_only);
    tcase_add_test(tc, test_kb_allow_except_subset);
    tcase_add_test(tc, test_kb_local_interfaces);
    tcase_add_test(tc, test_kb_authenticated);
    suite_add_tcase(s, tc);

    tc = tcase_create("misc");
    tcase_add_test(tc, test_policy_names);
    tcase_add_test(tc, test_policy_null_lists);
    tcase_add_test(tc, test_flags_parse);
    tcase_add_test(tc, test_flags_format);
    tcase_add_test(tc, test_snapshot_explain);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(policy_suite());
}
