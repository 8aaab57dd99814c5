/* SPDX-License-Identifier: BSD-2-Clause */
/* check_verdict - rm_verdict: every rule a recipient decision makes, as tables */

#include "unit_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "rm_snapshot.h"
#include "rm_verdict.h"

/* A snapshot built from a configuration written by the test. */
typedef struct fixture {
    char    dir[256];
    rm_snapshot *s;
} fixture;

static void fx_build(fixture *f, const char *conf_text)
{
    char    conf[512], path[512], got[2048];
    rm_diag d;

    u_tmpdir(f->dir, sizeof(f->dir));
    u_write_str(u_path(conf, sizeof(conf), f->dir, "relaymilter.conf"), conf_text);
    u_write_str(u_path(path, sizeof(path), f->dir, "deny.list"), "192.0.2.66\n");
    u_write_str(u_path(path, sizeof(path), f->dir, "allow.list"), "# office\n192.0.2.0/24\n");
    u_write_str(u_path(path, sizeof(path), f->dir, "local-ip.list"), "10.0.0.25\n");
    rm_diag_init(&d);
    f->s = NULL;
    ck_assert_msg(rm_snapshot_build(conf, 1, &f->s, &d) == 0, "build: %s",
                  u_diag_dump(&d, got, sizeof(got)));
}

static void fx_free(fixture *f)
{
    rm_snapshot_unref(f->s);
    u_rmtree(f->dir);
}

/* addr_in - "": missing; "bad": bad; "*": wildcard; else an address */

static void addr_in(const char *text, rm_addr *a, enum rm_addr_state *st)
{
    memset(a, 0, sizeof(*a));
    if (text[0] == '\0')
        *st = RM_ADDR_MISSING;
    else if (strcmp(text, "bad") == 0)
        *st = RM_ADDR_BAD;
    else if (strcmp(text, "*") == 0)
        *st = RM_ADDR_WILDCARD;
    else {
        *a = u_pton(text);
        *st = RM_ADDR_KNOWN;
    }
}

typedef struct row {
    const char *rcpt;                   /* NULL: rcpt_is_relay */
    const char *mailer;                 /* NULL: none */
    const char *client;
    const char *local;
    bool    auth;
    const char *want;                   /* kind name */
    const char *why;                    /* rule name, or the no-decision reason */
    const char *relay;                  /* rm_verdict_relay_reason */
} row;

static void run_rows(const char *conf, const row *t, size_t n)
{
    fixture f;
    rm_verdict_in in;
    rm_verdict v;
    char    reason[128];
    const char *why;

    fx_build(&f, conf);
    for (size_t i = 0; i < n; i++) {
        rm_verdict_in_init(&in);
        if (t[i].rcpt) {
            in.rcpt = t[i].rcpt;
            in.rcpt_len = strlen(t[i].rcpt);
        } else
            in.rcpt_is_relay = true;
        in.mailer = t[i].mailer;
        addr_in(t[i].client, &in.client, &in.client_state);
        addr_in(t[i].local, &in.local, &in.local_state);
        in.auth = t[i].auth;
        rm_verdict_decide(f.s, &in, &v);
        why = v.kind == RM_VERDICT_NONE ? rm_verdict_nodec_name(v.nodec)
            : v.kind == RM_VERDICT_LOCAL ? "" : rm_rule_name(v.decision.rule);
        rm_verdict_relay_reason(&v, &in, reason, sizeof(reason));
        ck_assert_msg(strcmp(rm_verdict_kind_name(v.kind), t[i].want) == 0
                      && strcmp(why, t[i].why) == 0 && strcmp(reason, t[i].relay) == 0,
                      "row %zu (%s from %s to %s): want %s %s [%s], got %s %s [%s]", i,
                      t[i].rcpt ? t[i].rcpt : "(relay)", t[i].client, t[i].local,
                      t[i].want, t[i].why, t[i].relay,
                      rm_verdict_kind_name(v.kind), why, reason);
    }
    fx_free(&f);
}

START_TEST(test_domains)
{
    static const row t[] = {
        /* local recipients never ask the policy, whoever the client */
        {"<u@example.org>", NULL, "192.0.2.66", "10.0.0.25", false, "local", "", ""},
        {"<U@EXAMPLE.ORG.>", NULL, "203.0.113.9", "", false, "local", "", ""},
        {"<postmaster>", NULL, "203.0.113.9", "", false, "local", "", ""},
        /* relay recipients: deny before allow, then allow, local-ip, auth, default */
        {"<u@remote.example>", NULL, "192.0.2.66", "10.0.0.25", true, "deny", "deny-list", "remote-domain"},
        {"<u@remote.example>", NULL, "192.0.2.7", "", false, "allow", "allow-list", "remote-domain"},
        {"<u@remote.example>", NULL, "203.0.113.9", "10.0.0.25", false, "allow", "local-ip", "remote-domain"},
        {"<u@remote.example>", NULL, "203.0.113.9", "10.0.0.26", true, "allow", "auth", "remote-domain"},
        {"<u@remote.example>", NULL, "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "remote-domain"},
        /* routing tricks count as relay, and say which trick */
        {"<u%remote.example@example.org>", NULL, "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "percent-hack"},
        {"<remote.example!u@example.org>", NULL, "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "bang-path"},
        {"<\"u@remote.example\"@example.org>", NULL, "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "at-in-local-part"},
        {"<@example.org:u@remote.example>", NULL, "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "source-route,remote-domain"},
        {"<u@[198.51.100.1]>", NULL, "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "foreign-literal"},
        /* junk counts as relay: it can never open the relay */
        {"<>", NULL, "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "invalid-null-recipient"},
        {"<u@exa mple.org>", NULL, "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "invalid-bad-domain"},
        {"<u@remote.example", NULL, "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "invalid-syntax"},
        /* local submission (no client address): local_submission = allow */
        {"<u@remote.example>", NULL, "", "", false, "allow", "local-submission", "remote-domain"},
        /* an address of an unknown family: no decision */
        {"<u@remote.example>", NULL, "bad", "10.0.0.25", false, "no-decision", "unknown-client-address-family", "remote-domain"},
        /* the local rule is on: without a server address a late rule can not decide */
        {"<u@remote.example>", NULL, "203.0.113.9", "", false, "no-decision", "no-daemon_addr-or-if_addr-macro", "remote-domain"},
        {"<u@remote.example>", NULL, "203.0.113.9", "bad", false, "no-decision", "bad-daemon_addr-macro", "remote-domain"},
        {"<u@remote.example>", NULL, "203.0.113.9", "*", false, "no-decision", "wildcard-daemon_addr-and-no-if_addr", "remote-domain"},
        /* ... but an earlier rule, or auth's allow, still decides */
        {"<u@remote.example>", NULL, "192.0.2.66", "", false, "deny", "deny-list", "remote-domain"},
        {"<u@remote.example>", NULL, "192.0.2.7", "*", false, "allow", "allow-list", "remote-domain"},
        {"<u@remote.example>", NULL, "203.0.113.9", "", true, "allow", "auth", "remote-domain"},
        /* no recipient to classify: the policy alone */
        {NULL, NULL, "203.0.113.9", "10.0.0.25", false, "allow", "local-ip", ""},
        {NULL, NULL, "192.0.2.66", "10.0.0.25", false, "deny", "deny-list", ""},
    };

    run_rows("relay_flags = 15\nlocal_domains = example.org\n", t, NELEM(t));
}
END_TEST

START_TEST(test_mailer)
{
    static const row t[] = {
        {"<u@example.org>", "local", "203.0.113.9", "10.0.0.26", false, "local", "", ""},
        {"<u@example.org>", "LMTP", "203.0.113.9", "10.0.0.26", false, "local", "", ""},
        /* the mailer is remote: relay, whatever the domain says */
        {"<u@example.org>", "smtp", "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "mailer-smtp"},
        {"<u@remote.example>", "smtp", "192.0.2.7", "10.0.0.26", false, "allow", "allow-list", "mailer-smtp"},
        /* a routed local part is relay even when the MTA resolved it local */
        {"<u%remote.example@example.org>", "local", "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "percent-hack"},
        /* an unqualified recipient: its mailer decides */
        {"<user>", "local", "203.0.113.9", "10.0.0.26", false, "local", "", ""},
        {"<user>", "esmtp", "203.0.113.9", "10.0.0.26", false, "deny", "default-deny", "mailer-esmtp"},
        /* no mailer macro, or junk: no decision */
        {"<u@remote.example>", NULL, "203.0.113.9", "10.0.0.26", false, "no-decision", "no-rcpt_mailer-macro", ""},
        {"<u@remote.example>", "", "203.0.113.9", "10.0.0.26", false, "no-decision", "no-rcpt_mailer-macro", ""},
        {"<@bad,:user>", "local", "203.0.113.9", "10.0.0.26", false, "no-decision", "unparseable-recipient", ""},
    };

    run_rows("relay_flags = deny, allow\nrelay_detect = mailer\n", t, NELEM(t));
}
END_TEST

START_TEST(test_flags)
{
    static const row t[] = {
        /* deny alone: everyone not denied relays; the local rule is off, so
         * a missing server address is no obstacle */
        {"<u@remote.example>", NULL, "203.0.113.9", "", false, "allow", "deny-only", "remote-domain"},
        {"<u@remote.example>", NULL, "192.0.2.66", "", false, "deny", "deny-list", "remote-domain"},
        /* local submission under policy: a client with no address is judged */
        {"<u@remote.example>", NULL, "", "", false, "allow", "deny-only", "remote-domain"},
    };
    static const row none[] = {
        {"<u@remote.example>", NULL, "192.0.2.7", "10.0.0.25", true, "deny", "default-deny", "remote-domain"},
        {"<u@example.net>", NULL, "192.0.2.7", "10.0.0.25", true, "local", "", ""},
    };

    run_rows("relay_flags = deny\nlocal_submission = policy\n", t, NELEM(t));
    run_rows("relay_flags = 0\nlocal_domains = example.net\n", none, NELEM(none));
}
END_TEST

START_TEST(test_no_policy)
{
    rm_verdict_in in;
    rm_verdict v;

    rm_verdict_in_init(&in);
    in.rcpt_is_relay = true;
    rm_verdict_decide(NULL, &in, &v);
    ck_assert_str_eq(rm_verdict_kind_name(v.kind), "no-decision");
    ck_assert_str_eq(rm_verdict_nodec_name(v.nodec), "no-policy-loaded");

    /* a recipient is needed unless the caller says it is relay */
    {
        fixture f;

        fx_build(&f, "relay_flags = allow\n");
        rm_verdict_in_init(&in);
        rm_verdict_decide(f.s, &in, &v);
        ck_assert_str_eq(rm_verdict_nodec_name(v.nodec), "no-recipient");
        fx_free(&f);
    }
    ck_assert_str_eq(rm_verdict_kind_name(RM_VERDICT__COUNT), "unknown");
    ck_assert_str_eq(rm_verdict_nodec_name(RM_NODEC__COUNT), "unknown");
    ck_assert_str_eq(rm_addr_state_name(RM_ADDR_WILDCARD), "wildcard");
}
END_TEST

/*
 * test_client - the connect step's client: no address and Postfix's
 * cleanup (localhost, 127.0.0.1 or ::1, port 0) are local submissions;
 * anything a client could present (another name, another address, a port)
 * is an SMTP client with its address.
 */
START_TEST(test_client)
{
    static const struct {
        const char *host;
        const char *ip;                 /* NULL: no address; "unix": AF_UNIX */
        unsigned port;
        const char *want;               /* state name */
        enum rm_conn_kind kind;
    } rows[] = {
        {"localhost", NULL, 0, "missing", RM_CONN_LOCAL_SMTP},
        {"localhost", "unix", 0, "missing", RM_CONN_LOCAL_SMTP},
        {"localhost", "127.0.0.1", 0, "missing", RM_CONN_NON_SMTP},
        {"localhost", "::1", 0, "missing", RM_CONN_NON_SMTP},
        {"localhost", "::ffff:127.0.0.1", 0, "missing", RM_CONN_NON_SMTP},
        {"localhost", "127.0.0.1", 52344, "known", RM_CONN_SMTP},
        {"localhost", "::1", 1, "known", RM_CONN_SMTP},
        {"[127.0.0.1]", "127.0.0.1", 0, "known", RM_CONN_SMTP},
        {"LOCALHOST", "127.0.0.1", 0, "known", RM_CONN_SMTP},
        {"localhost.", "127.0.0.1", 0, "known", RM_CONN_SMTP},
        {NULL, "127.0.0.1", 0, "known", RM_CONN_SMTP},
        {"localhost", "127.0.0.2", 0, "known", RM_CONN_SMTP},
        {"localhost", "192.0.2.7", 0, "known", RM_CONN_SMTP},
        {"client.example", "192.0.2.7", 25000, "known", RM_CONN_SMTP},
    };

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct sockaddr_storage ss;
        struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;
        struct sockaddr_un *sun = (struct sockaddr_un *) &ss;
        const struct sockaddr *sa = (const struct sockaddr *) &ss;
        enum rm_conn_kind kind;
        enum rm_addr_state st;
        rm_addr a;
        char    buf[RM_ADDR_STRLEN];

        memset(&ss, 0, sizeof(ss));
        if (rows[i].ip == NULL) {
            sa = NULL;
        } else if (strcmp(rows[i].ip, "unix") == 0) {
            sun->sun_family = AF_UNIX;
        } else if (inet_pton(AF_INET, rows[i].ip, &sin->sin_addr) == 1) {
            sin->sin_family = AF_INET;
            sin->sin_port = htons((uint16_t) rows[i].port);
        } else {
            ck_assert(inet_pton(AF_INET6, rows[i].ip, &sin6->sin6_addr) == 1);
            sin6->sin6_family = AF_INET6;
            sin6->sin6_port = htons((uint16_t) rows[i].port);
        }
        st = rm_verdict_client(sa, rows[i].host, &a, &kind);
        ck_assert_msg(strcmp(rm_addr_state_name(st), rows[i].want) == 0 && kind == rows[i].kind,
                      "row %zu (%s, %s, port %u): want %s/%d, got %s/%d", i,
                      rows[i].host ? rows[i].host : "(null)", rows[i].ip ? rows[i].ip : "(none)",
                      rows[i].port, rows[i].want, rows[i].kind, rm_addr_state_name(st), kind);
        if (st == RM_ADDR_KNOWN)
            ck_assert_str_eq(u_fmt(&a, buf), rows[i].ip);
        else
            ck_assert_int_eq(a.family, RM_AF_NONE);
    }
}
END_TEST

/* An MTA's address macros: Postfix's plain form, Sendmail's literals. */
START_TEST(test_macro_addr)
{
    static const struct {
        const char *v;
        const char *want;               /* state name */
        const char *addr;               /* KNOWN: as formatted */
    } rows[] = {
        {NULL, "missing", NULL},
        {"", "missing", NULL},
        {"192.0.2.1", "known", "192.0.2.1"},
        {"[192.0.2.1]", "known", "192.0.2.1"},
        {"2001:db8::1", "known", "2001:db8::1"},
        {"IPv6:2001:db8::1", "known", "2001:db8::1"},
        {"ipv6:2001:db8::1", "known", "2001:db8::1"},
        {"[IPv6:2001:db8::1]", "known", "2001:db8::1"},
        {"[2001:db8::1]", "known", "2001:db8::1"},
        {"::ffff:192.0.2.1", "known", "192.0.2.1"},
        {"0.0.0.0", "known", "0.0.0.0"},
        {"[192.0.2.1", "bad", NULL},
        {"192.0.2.1]", "bad", NULL},
        {"[]", "bad", NULL},
        {"IPv6:192.0.2.1x", "bad", NULL},
        {"IPv4:192.0.2.1", "bad", NULL},
        {"192.0.2.256", "bad", NULL},
        {"mx.example", "bad", NULL},
        {"192.0.2.1 ", "bad", NULL},
        {"[[192.0.2.1]]", "bad", NULL},
    };
    char    longv[200];

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        rm_addr a = {0};
        char    buf[RM_ADDR_STRLEN];
        enum rm_addr_state st = rm_verdict_macro_addr(rows[i].v, &a);

        ck_assert_msg(strcmp(rm_addr_state_name(st), rows[i].want) == 0, "row %zu (%s): want %s, got %s",
                      i, rows[i].v ? rows[i].v : "(null)", rows[i].want, rm_addr_state_name(st));
        if (rows[i].addr)
            ck_assert_str_eq(u_fmt(&a, buf), rows[i].addr);
    }
    /* Longer than any address: BAD, whatever it starts with. */
    memset(longv, ' ', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    memcpy(longv, "192.0.2.1", 9);
    {
        rm_addr a;

        ck_assert_int_eq(rm_verdict_macro_addr(longv, &a), RM_ADDR_BAD);
    }
}
END_TEST

static Suite *verdict_suite(void)
{
    Suite  *s = suite_create("verdict");
    TCase  *tc = tcase_create("verdict");

    tcase_add_test(tc, test_domains);
    tcase_add_test(tc, test_mailer);
    tcase_add_test(tc, test_flags);
    tcase_add_test(tc, test_no_policy);
    tcase_add_test(tc, test_client);
    tcase_add_test(tc, test_macro_addr);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(verdict_suite());
}
