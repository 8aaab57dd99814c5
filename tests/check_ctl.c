/* SPDX-License-Identifier: BSD-2-Clause */
/* check_ctl - the control-socket protocol: command lines in, reply text out */

/*
 * Command lines are a table: the line as a client sends it, and either the
 * request it must become or the error reply it must get.  Replies are
 * compared with the exact text that relayctl and the end-to-end tests read.
 */

#include <stdbool.h>

#include "rm_ctl.h"
#include "unit_util.h"

typedef struct parse_case {
    const char *line;
    int     rc;                         /* 0 or -1 */
    enum rm_ctl_cmd cmd;
    const char *client;                 /* CHECK: canonical text, or NULL */
    const char *local;                  /* CHECK local=: canonical text, or NULL */
    bool    auth;
    const char *err;                    /* rc -1: a substring of the error reply */
} parse_case;

static const parse_case parse_cases[] = {
    {"RELOAD\n", 0, RM_CTL_RELOAD, NULL, NULL, false, NULL},
    {"RELOAD", 0, RM_CTL_RELOAD, NULL, NULL, false, NULL},
    {"RELOAD\r\n", 0, RM_CTL_RELOAD, NULL, NULL, false, NULL},
    {"reload\n", 0, RM_CTL_RELOAD, NULL, NULL, false, NULL},
    {"  STATUS  \n", 0, RM_CTL_STATUS, NULL, NULL, false, NULL},
    {"CHECK 192.0.2.7\n", 0, RM_CTL_CHECK, "192.0.2.7", NULL, false, NULL},
    {"CHECK 192.0.2.7 auth\n", 0, RM_CTL_CHECK, "192.0.2.7", NULL, true, NULL},
    {"CHECK 192.0.2.7 local=10.0.0.1\n", 0, RM_CTL_CHECK, "192.0.2.7", "10.0.0.1", false, NULL},
    {"CHECK 2001:db8::7 auth local=2001:db8::1\n", 0, RM_CTL_CHECK, "2001:db8::7", "2001:db8::1", true, NULL},
    {"CHECK [2001:db8::7]\n", 0, RM_CTL_CHECK, "2001:db8::7", NULL, false, NULL},
    {"CHECK ::ffff:192.0.2.7\n", 0, RM_CTL_CHECK, "192.0.2.7", NULL, false, NULL},
    {"check\t192.0.2.7\tAUTH\n", 0, RM_CTL_CHECK, "192.0.2.7", NULL, true, NULL},
    {"CHECK none\n", 0, RM_CTL_CHECK, NULL, NULL, false, NULL},
    {"CHECK 192.0.2.7 rcpt=x@example.net mailer=smtp\n", 0, RM_CTL_CHECK, "192.0.2.7", NULL, false, NULL},
    {"CHECK 192.0.2.7 local=0.0.0.0\n", 0, RM_CTL_CHECK, "192.0.2.7", "0.0.0.0", false, NULL},
    {"CHECK 192.0.2.7 rcpt=a+2\n", -1, 0, NULL, NULL, false, "bad xtext"},
    {"CHECK 192.0.2.7 rcpt=a+00b\n", -1, 0, NULL, NULL, false, "bad xtext"},
    {"CHECK 192.0.2.7 rcpt=a=b\n", -1, 0, NULL, NULL, false, "bad xtext"},
    {"CHECK 192.0.2.7 rcpt=a rcpt=b\n", -1, 0, NULL, NULL, false, "unexpected \"rcpt=b\""},
    {"CHECK 192.0.2.7 mailer=\n", -1, 0, NULL, NULL, false, "unexpected \"mailer=\""},
    {"\n", -1, 0, NULL, NULL, false, "empty command"},
    {"", -1, 0, NULL, NULL, false, "empty command"},
    {"FOO\n", -1, 0, NULL, NULL, false, "unknown command \"FOO\""},
    {"RELOADX\n", -1, 0, NULL, NULL, false, "unknown command \"RELOADX\""},
    {"RELOAD now\n", -1, 0, NULL, NULL, false, "usage: RELOAD"},
    {"STATUS all\n", -1, 0, NULL, NULL, false, "usage: STATUS"},
    {"CHECK\n", -1, 0, NULL, NULL, false, "usage: CHECK ADDRESS|none [local=ADDRESS] [auth] [rcpt=XTEXT] [mailer=XTEXT]"},
    {"CHECK 192.0.2\n", -1, 0, NULL, NULL, false, "bad address \"192.0.2\""},
    {"CHECK 192.0.2.07\n", -1, 0, NULL, NULL, false, "bad address"},
    {"CHECK 192.0.2.7 local=\n", -1, 0, NULL, NULL, false, "unexpected \"local=\""},
    {"CHECK 192.0.2.7 local=x\n", -1, 0, NULL, NULL, false, "bad address \"x\""},
    {"CHECK 192.0.2.7 auth auth\n", -1, 0, NULL, NULL, false, "unexpected \"auth\""},
    {"CHECK 192.0.2.7 relay\n", -1, 0, NULL, NULL, false, "unexpected \"relay\""},
    {"CHECK 192.0.2.7 local=10.0.0.1 local=10.0.0.2\n", -1, 0, NULL, NULL, false, "unexpected"},
    {"STA\001TUS\n", -1, 0, NULL, NULL, false, "control character at byte 4"},
    {"a b c d e f g h i\n", -1, 0, NULL, NULL, false, "too many words"},
};

START_TEST(test_parse)
{
    const parse_case *c = &parse_cases[_i];
    rm_ctl_req req;
    char    err[512] = "", buf[RM_ADDR_STRLEN];
    int     rc = rm_ctl_parse(c->line, strlen(c->line), &req, err, sizeof(err));

    ck_assert_msg(rc == c->rc, "row %d \"%s\": want rc %d, got %d (%s)", _i, c->line, c->rc, rc, err);
    if (rc < 0) {
        ck_assert_msg(strstr(err, c->err) != NULL, "row %d: want \"%s\" in \"%s\"", _i, c->err, err);
        return;
    }
    ck_assert_int_eq(req.cmd, c->cmd);
    ck_assert_int_eq(req.auth, c->auth);
    if (c->client) {
        rm_addr_format(&req.client, buf, sizeof(buf));
        ck_assert_str_eq(buf, c->client);
    }
    if (c->local) {
        rm_addr_format(&req.local, buf, sizeof(buf));
        ck_assert_str_eq(buf, c->local);
    } else {
        ck_assert_int_eq(req.local.family, RM_AF_NONE);
    }
}
END_TEST

START_TEST(test_long_line)
{
    char    line[RM_CTL_MAX_LINE + 10], err[256];
    rm_ctl_req req;

    memset(line, 'A', sizeof(line));
    ck_assert_int_eq(rm_ctl_parse(line, sizeof(line), &req, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "over 1023 bytes") != NULL, "got \"%s\"", err);
    /* the longest allowed line: 1023 bytes and the newline */
    snprintf(line, sizeof(line), "CHECK 192.0.2.7");
    memset(line + 15, ' ', RM_CTL_MAX_LINE - 1 - 15);
    line[RM_CTL_MAX_LINE - 1] = '\n';
    ck_assert_int_eq(rm_ctl_parse(line, RM_CTL_MAX_LINE, &req, err, sizeof(err)), 0);
}
END_TEST

/* An unknown command is quoted safely and briefly. */
START_TEST(test_unknown_quoted)
{
    char    line[300], err[256];
    rm_ctl_req req;

    memset(line, 'x', 200);
    line[0] = '"';
    line[200] = '\n';
    ck_assert_int_eq(rm_ctl_parse(line, 201, &req, err, sizeof(err)), -1);
    ck_assert_msg(strncmp(err, "unknown command \"?xxx", 21) == 0, "got \"%s\"", err);
    ck_assert_msg(strstr(err, "...\"") != NULL, "long words are cut: \"%s\"", err);
    ck_assert_msg(strlen(err) < 100, "got %zu bytes", strlen(err));
}
END_TEST

START_TEST(test_format_request)
{
    const char *lines[] = {"RELOAD\n", "STATUS\n", "CHECK 192.0.2.7\n", "CHECK 192.0.2.7 auth\n",
        "CHECK 2001:db8::7 local=10.0.0.1 auth\n", "CHECK none local=:: rcpt=\"a+20b\"@x+2By mailer=smtp\n"};

    for (size_t i = 0; i < NELEM(lines); i++) {
        rm_ctl_req req;
        char    err[256], out[256];

        ck_assert_int_eq(rm_ctl_parse(lines[i], strlen(lines[i]), &req, err, sizeof(err)), 0);
        rm_ctl_format_request(&req, out, sizeof(out));
        ck_assert_str_eq(out, lines[i]);
    }
}
END_TEST

START_TEST(test_reply_reload)
{
    char    mem[4096];
    rm_ctl_buf b;
    const uint32_t entries[RM_LIST__COUNT] = {[RM_LIST_DENY] = 3,[RM_LIST_ALLOW] = 1200,[RM_LIST_LOCAL] = 0};
    static rm_diag d;

    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_reload_ok(&b, 7, entries);
    ck_assert_str_eq(b.data, "OK reloaded generation 7: deny 3, allow 1200, local 0 entries\n");

    rm_diag_init(&d);
    rm_diag_add(&d, RM_SEV_ERROR, "/etc/relaymilter/allow.list", 4, 1, "not an IP address in \"x\"");
    rm_diag_add(&d, RM_SEV_WARNING, "/etc/relaymilter/relaymilter.conf", 2, 1, "set again");
    rm_diag_add(&d, RM_SEV_ERROR, "/etc/relaymilter/deny.list", 0, 0, "cannot open: No such file or directory");
    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_reload_failed(&b, 6, &d);
    ck_assert_str_eq(b.data,
                     "ERR reload failed; previous lists remain in force (generation 6)\n"
                     "/etc/relaymilter/allow.list:4:1: error: not an IP address in \"x\"\n"
                     "/etc/relaymilter/deny.list: error: cannot open: No such file or directory\n");
}
END_TEST

/* Every RELOAD reply the daemon formats is read back as what it says. */
START_TEST(test_reload_outcome)
{
    static rm_diag d;
    char    mem[4096];
    const uint32_t entries[RM_LIST__COUNT] = {[RM_LIST_DENY] = 1};
    rm_ctl_buf b;
    uint64_t gen;
    static const struct {
        const char *reply;
        enum rm_ctl_outcome want;
        uint64_t gen;
    } table[] = {
        {"ERR reload failed; previous lists remain in force\n", RM_CTL_RELOAD_FAILED, 0},
        {"ERR too many control clients (256 at once); try again\n", RM_CTL_RELOAD_OTHER, 0},
        {"ERR permission denied\n", RM_CTL_RELOAD_OTHER, 0},
        {"OK status\n", RM_CTL_RELOAD_OTHER, 0},
        {"", RM_CTL_RELOAD_OTHER, 0},
        {"ERR reload still running after 20 seconds\n; generation 5", RM_CTL_RELOAD_RUNNING, 0},
    };

    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_reload_ok(&b, 12, entries);
    ck_assert_int_eq(rm_ctl_reload_outcome(b.data, &gen), RM_CTL_RELOADED);
    ck_assert_uint_eq(gen, 12);

    rm_diag_init(&d);
    rm_diag_add(&d, RM_SEV_ERROR, "a.list", 1, 1, "bad");
    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_reload_failed(&b, 11, &d);
    ck_assert_int_eq(rm_ctl_reload_outcome(b.data, &gen), RM_CTL_RELOAD_FAILED);
    ck_assert_uint_eq(gen, 11);

    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_reload_timeout(&b, 20, 9);
    ck_assert_str_eq(b.data, "ERR reload still running after 20 seconds; generation 9 stays in force until it ends\n");
    ck_assert_int_eq(rm_ctl_reload_outcome(b.data, &gen), RM_CTL_RELOAD_RUNNING);
    ck_assert_uint_eq(gen, 9);

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        ck_assert_msg(rm_ctl_reload_outcome(table[i].reply, &gen) == table[i].want, "%s", table[i].reply);
        ck_assert_msg(gen == table[i].gen, "%s: generation %llu", table[i].reply, (unsigned long long) gen);
    }
}
END_TEST
START_TEST(test_reply_reload_many)
{
    static char mem[128 * 1024];
    static rm_diag d;
    rm_ctl_buf b;
    size_t  lines = 0;

    rm_diag_init(&d);
    for (int i = 0; i < RM_DIAG_MAX + 5; i++)
        rm_diag_add(&d, RM_SEV_ERROR, "a.list", (unsigned) i + 1, 1, "bad");
    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_reload_failed(&b, 1, &d);
    for (size_t i = 0; i < b.len; i++)
        lines += b.data[i] == '\n';
    ck_assert_uint_eq(lines, 1 + RM_DIAG_MAX + 1);
    ck_assert_msg(strstr(b.data, "error: 5 more messages were not kept\n") != NULL, "%s", b.data);
}
END_TEST

/* A report, written as a reply and read back, is the same report. */
static const struct {
    rm_verdict_report r;
    const char *want;                   /* the reply's text */
} check_replies[] = {
    {{RM_VERDICT_ALLOW, "allow-list", "", "relay", "remote-domain", "allow",
      "/etc/relaymilter/allow.list", 3, "192.0.2.0/24"},
     "OK allow allow-list /etc/relaymilter/allow.list:3 192.0.2.0/24\nverdict: allow\nrule: allow-list\n"
     "recipient: relay\nrecipient_reason: remote-domain\nlist: allow\n"
     "file: /etc/relaymilter/allow.list\nentry: 192.0.2.0/24\nline: 3\n"},
    {{RM_VERDICT_DENY, "default-deny", "", "", "", "", "", 0, ""},
     "OK deny default-deny\nverdict: deny\nrule: default-deny\n"},
    {{RM_VERDICT_ALLOW, "auth", "", "", "", "", "", 0, ""}, "OK allow auth\nverdict: allow\nrule: auth\n"},
    {{RM_VERDICT_LOCAL, "", "", "local", "local-domain", "", "", 0, ""},
     "OK local local-domain\nverdict: local\nrecipient: local\nrecipient_reason: local-domain\n"},
    {{RM_VERDICT_NONE, "default-deny", "no-daemon_addr-or-if_addr-macro", "", "", "", "", 0, ""},
     "OK no-decision no-daemon_addr-or-if_addr-macro\nverdict: no-decision\nrule: default-deny\n"
     "no_decision: no-daemon_addr-or-if_addr-macro\n"},
    {{RM_VERDICT_ALLOW, "allow-list", "", "", "", "allow", "/srv/my lists/a.list", 12, "10.0.0.0/8"},
     "OK allow allow-list /srv/my lists/a.list:12 10.0.0.0/8\nverdict: allow\nrule: allow-list\n"
     "list: allow\nfile: /srv/my lists/a.list\nentry: 10.0.0.0/8\nline: 12\n"},
};

START_TEST(test_reply_check)
{
    char    mem[8192], err[256];
    rm_ctl_buf b;
    rm_verdict_report back;

    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_check(&b, &check_replies[_i].r);
    ck_assert_str_eq(b.data, check_replies[_i].want);
    ck_assert_msg(rm_ctl_parse_check_reply(b.data, &back, err, sizeof(err)) == 0, "row %d: %s", _i, err);
    ck_assert_msg(memcmp(&back, &check_replies[_i].r, sizeof(back)) == 0, "row %d: read back differs", _i);
}
END_TEST

/* What is not a CHECK reply is refused with a reason, never half read. */
START_TEST(test_reply_check_bad)
{
    static const struct {
        const char *reply, *err;
    } bad[] = {
        {"ERR no policy is loaded\n", "no policy is loaded"},
        {"OK allow auth\n", "no verdict line"},
        {"OK allow auth\nverdict: maybe\n", "bad line"},
        {"OK allow auth\nverdict: allow\nline: x\n", "bad line"},
        {"OK allow auth\nverdict: allow\nline: 0\n", "bad line"},
        {"OK allow auth\nverdict: allow\nrule: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "bad line"},
        {"hello", "not a CHECK reply"},
    };
    rm_verdict_report r;
    char    err[256];

    for (size_t i = 0; i < NELEM(bad); i++) {
        ck_assert_msg(rm_ctl_parse_check_reply(bad[i].reply, &r, err, sizeof(err)) == -1, "row %zu", i);
        ck_assert_msg(strstr(err, bad[i].err) != NULL, "row %zu: want \"%s\" in \"%s\"", i, bad[i].err, err);
    }
}
END_TEST

/* A verdict's input travels through CHECK unchanged: every state and any
 * recipient, spaces, "+", "=" and control bytes included. */
START_TEST(test_check_request_roundtrip)
{
    static const char *const rcpts[] = {"x@example.net", "\"a b\"@example.com", "u%v@w", "a+b=c@d",
        "x\r\ny@z", "@a,@b:u@d", "<>"};
    rm_verdict_in in, out;
    static rm_ctl_req req, again;
    char    line[RM_CTL_MAX_LINE * 3], err[256];

    for (size_t i = 0; i < NELEM(rcpts); i++) {
        rm_verdict_in_init(&in);
        in.client_state = i % 2 ? RM_ADDR_MISSING : RM_ADDR_KNOWN;
        in.client = u_pton("192.0.2.7");
        in.local_state = i % 3 == 0 ? RM_ADDR_WILDCARD : i % 3 == 1 ? RM_ADDR_KNOWN : RM_ADDR_MISSING;
        in.local = in.local_state == RM_ADDR_WILDCARD ? u_pton("0.0.0.0") : u_pton("2001:db8::25");
        in.rcpt = rcpts[i];
        in.rcpt_len = strlen(rcpts[i]);
        in.mailer = i % 2 ? "smtp" : NULL;
        in.auth = i % 2;
        ck_assert_int_eq(rm_ctl_req_check(&in, &req, err, sizeof(err)), 0);
        ck_assert_uint_lt(rm_ctl_format_request(&req, line, sizeof(line)), RM_CTL_MAX_LINE);
        ck_assert_msg(rm_ctl_parse(line, strlen(line), &again, err, sizeof(err)) == 0, "\"%s\": %s", line, err);
        rm_ctl_req_verdict_in(&again, &out);
        ck_assert_int_eq(out.client_state, in.client_state);
        ck_assert_int_eq(out.local_state, in.local_state);
        ck_assert_int_eq(out.auth, in.auth);
        ck_assert_uint_eq(out.rcpt_len, in.rcpt_len);
        ck_assert(memcmp(out.rcpt, in.rcpt, in.rcpt_len) == 0);
        ck_assert(!out.rcpt_is_relay);
        if (in.mailer)
            ck_assert_str_eq(out.mailer, in.mailer);
        else
            ck_assert_ptr_null(out.mailer);
    }
    /* What CHECK cannot carry is refused before anything is sent. */
    rm_verdict_in_init(&in);
    in.client_state = RM_ADDR_BAD;
    ck_assert_int_eq(rm_ctl_req_check(&in, &req, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_reply_status)
{
    static const char want[] =
        "OK status\n"
        "pid: 4242\n"
        "version: 0.1.0\n"
        "uptime_seconds: 61\n"
        "generation: 3\n"
        "loaded_at: 2024-05-01T12:00:00Z\n"
        "relay_flags: allow, auth\n"
        "mode: enforce\n"
        "entries_deny: 1\n"
        "entries_allow: 2\n"
        "entries_local: 3\n"
        "reloads_ok: 2\n"
        "reloads_failed: 1\n"
        "last_reload: failed\n"
        "last_reload_error: a.list:1:1: error: bad\n"
        "decisions_deny_list: 1\n"
        "decisions_allow_list: 2\n"
        "decisions_local_ip: 3\n"
        "decisions_auth: 4\n"
        "decisions_default_deny: 5\n"
        "decisions_deny_only: 6\n"
        "decisions_local_submission: 7\n"
        "decisions_local_recipient: 8\n"
        "decisions_error: 9\n";
    char    mem[4096];
    rm_ctl_buf b;
    rm_ctl_status st;

    memset(&st, 0, sizeof(st));
    st.pid = 4242;
    st.version = "0.1.0";
    st.uptime_seconds = 61;
    st.generation = 3;
    st.loaded_at = 1714564800;          /* 2024-05-01T12:00:00Z */
    st.relay_flags = RM_FLAG_ALLOW | RM_FLAG_AUTH;
    st.mode = "enforce";
    st.entries[RM_LIST_DENY] = 1;
    st.entries[RM_LIST_ALLOW] = 2;
    st.entries[RM_LIST_LOCAL] = 3;
    st.reloads_ok = 2;
    st.reloads_failed = 1;
    st.last_reload = "failed";
    st.last_reload_error = "a.list:1:1: error: bad";
    for (int k = 0; k < RM_CTL_D__COUNT; k++)
        st.decisions[k] = (uint64_t) k + 1;
    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_status(&b, &st);
    ck_assert_str_eq(b.data, want);

    st.last_reload = "none";
    st.last_reload_error = "";
    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_status(&b, &st);
    ck_assert_msg(strstr(b.data, "\nlast_reload: none\nlast_reload_error: none\n") != NULL, "%s", b.data);
}
END_TEST

/* Lines are whole or absent, never cut, and never carry control characters. */
START_TEST(test_buf)
{
    char    mem[32];
    rm_ctl_buf b;

    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_line(&b, "OK %s", "first");
    rm_ctl_line(&b, "this line is far too long for the buffer");
    ck_assert(b.truncated);
    ck_assert_str_eq(b.data, "OK first\n");
    rm_ctl_line(&b, "a\rb\nc\033d");
    ck_assert_str_eq(b.data, "OK first\na?b?c?d\n");
    ck_assert_uint_eq(b.len, strlen(b.data));
    rm_ctl_buf_init(&b, mem, 0);
    rm_ctl_line(&b, "x");
    ck_assert(b.truncated);
}
END_TEST

START_TEST(test_decisions)
{
    static const char *const names[RM_CTL_D__COUNT] = {"deny_list", "allow_list", "local_ip",
        "auth", "default_deny", "deny_only", "local_submission", "local_recipient", "error"};

    for (int k = 0; k < RM_CTL_D__COUNT; k++)
        ck_assert_str_eq(rm_ctl_decision_name((enum rm_ctl_decision) k), names[k]);
    ck_assert_int_eq(rm_ctl_decision_of_rule(RM_RULE_DENY_LIST), RM_CTL_D_DENY_LIST);
    ck_assert_int_eq(rm_ctl_decision_of_rule(RM_RULE_ALLOW_LIST), RM_CTL_D_ALLOW_LIST);
    ck_assert_int_eq(rm_ctl_decision_of_rule(RM_RULE_LOCAL_IP), RM_CTL_D_LOCAL_IP);
    ck_assert_int_eq(rm_ctl_decision_of_rule(RM_RULE_AUTH), RM_CTL_D_AUTH);
    ck_assert_int_eq(rm_ctl_decision_of_rule(RM_RULE_DENY_ONLY), RM_CTL_D_DENY_ONLY);
    ck_assert_int_eq(rm_ctl_decision_of_rule(RM_RULE_DEFAULT), RM_CTL_D_DEFAULT_DENY);
    ck_assert_int_eq(rm_ctl_decision_of_rule(RM_RULE_LOCAL_SUBMISSION), RM_CTL_D_LOCAL_SUBMISSION);
}
END_TEST

START_TEST(test_time)
{
    char    buf[40];

    rm_ctl_format_time(0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
    rm_ctl_format_time(951782400, buf, sizeof(buf));
    ck_assert_str_eq(buf, "2000-02-29T00:00:00Z");
}
END_TEST

static Suite *ctl_suite(void)
{
    Suite  *s = suite_create("ctl");
    TCase  *tc = tcase_create("ctl");

    tcase_add_loop_test(tc, test_parse, 0, (int) NELEM(parse_cases));
    tcase_add_test(tc, test_long_line);
    tcase_add_test(tc, test_unknown_quoted);
    tcase_add_test(tc, test_format_request);
    tcase_add_test(tc, test_reply_reload);
    tcase_add_test(tc, test_reply_reload_many);
    tcase_add_test(tc, test_reload_outcome);
    tcase_add_loop_test(tc, test_reply_check, 0, (int) NELEM(check_replies));
    tcase_add_test(tc, test_reply_check_bad);
    tcase_add_test(tc, test_check_request_roundtrip);
    tcase_add_test(tc, test_reply_status);
    tcase_add_test(tc, test_buf);
    tcase_add_test(tc, test_decisions);
    tcase_add_test(tc, test_time);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(ctl_suite());
}
