/* SPDX-License-Identifier: BSD-2-Clause */
/* check_ctl - the control-socket protocol: command lines in, replies out and read back */

/*
 * Command lines are a table: the line as a client sends it, and either the
 * request it must become or the error reply it must get.  Replies are
 * compared with the exact text that relayctl and the end-to-end tests read.
 */

#include <limits.h>
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

/* want_refused - row's parse returned rc with err: as the table wants,
 * and err one line without control bytes */

static void want_refused(int row, int rc, const char *err, int want_rc, const char *want)
{
    ck_assert_msg(rc == want_rc, "row %d: want %d, got %d (%s)", row, want_rc, rc, err);
    ck_assert_msg(strstr(err, want) != NULL, "row %d: want \"%s\" in \"%s\"", row, want, err);
    ck_assert_msg(strchr(err, '\n') == NULL && strchr(err, '\033') == NULL, "row %d: the error is one safe line", row);
}

/* Every RELOAD reply the daemon formats is read back as what it says. */
static const rm_ctl_reload_reply reload_replies[] = {
    {RM_CTL_RELOADED, 12, {[RM_LIST_DENY] = 1}, 0, 0},
    {RM_CTL_RELOADED, 1, {0, 0, 0}, 0, 0},
    {RM_CTL_RELOADED, UINT64_MAX, {UINT32_MAX, UINT32_MAX, UINT32_MAX}, 0, 0},
    {RM_CTL_RELOAD_FAILED, 11, {0}, 0, 1},
    {RM_CTL_RELOAD_FAILED, 0, {0}, 0, 3},
    {RM_CTL_RELOAD_FAILED, UINT64_MAX, {0}, 0, 0},
    {RM_CTL_RELOAD_RUNNING, 9, {0}, 20, 0},
    {RM_CTL_RELOAD_RUNNING, UINT64_MAX, {0}, UINT32_MAX, 0},
};

START_TEST(test_reload_roundtrip)
{
    const rm_ctl_reload_reply *want = &reload_replies[_i];
    static rm_diag d;
    static char mem[8192];
    rm_ctl_reload_reply got;
    rm_ctl_buf b;
    char    err[512] = "";

    rm_diag_init(&d);
    for (size_t k = 0; k < want->errors; k++)
        rm_diag_add(&d, RM_SEV_ERROR, "a.list", (unsigned) k + 1, 2, "bad: \"x\"");
    rm_diag_add(&d, RM_SEV_WARNING, "a.list", 9, 1, "a warning is not sent");
    rm_ctl_buf_init(&b, mem, sizeof(mem));
    if (want->outcome == RM_CTL_RELOADED)
        rm_ctl_reply_reload_ok(&b, want->generation, want->entries);
    else if (want->outcome == RM_CTL_RELOAD_FAILED)
        rm_ctl_reply_reload_failed(&b, want->generation, &d);
    else
        rm_ctl_reply_reload_timeout(&b, want->seconds, want->generation);
    ck_assert_msg(rm_ctl_parse_reload_reply(b.data, &got, err, sizeof(err)) == 0, "row %d: %s: %s", _i, b.data, err);
    ck_assert_msg(memcmp(&got, want, sizeof(got)) == 0, "row %d: \"%s\" reads back otherwise", _i, b.data);
}
END_TEST

/* A reply that is refused: rc -1 (not a reply) or 1 (an ERR), and a
 * substring of the error. */
typedef struct refusal {
    const char *reply;
    int     rc;
    const char *err;
} refusal;

/* What is not a RELOAD reply is refused with a reason, never half read;
 * an ERR of another kind is 1, with its text. */
static const refusal reload_bad[] = {
    {"", -1, "the reply is empty"},
    {"OK reloaded generation 7: deny 3, allow 1, local 0 entries", -1, "cut short: line 1 has no newline"},
    {"OK reloaded generation 7: deny 3, allow 1, local 0 entries\nmore\n", -1, "line 2 of the RELOAD reply is left over: \"more\""},
    {"OK reloaded generation 7: deny 3, allow 1, local 0 entries, 5 urls\n", -1, "not a RELOAD reply"},
    {"OK reloaded generation 7: deny 3, allow 1\n", -1, "not a RELOAD reply"},
    {"OK reloaded generation 18446744073709551616: deny 3, allow 1, local 0 entries\n", -1,
     "the number \"18446744073709551616\" is over 18446744073709551615"},
    {"OK reloaded generation 99999999999999999999999999999999999999999999999999: deny 3, allow 1, local 0 entries\n",
     -1, "is over 18446744073709551615"},
    {"OK reloaded generation 7: deny 4294967296, allow 1, local 0 entries\n", -1, "4294967296 is over 4294967295"},
    {"OK reloaded generation 07: deny 3, allow 1, local 0 entries\n", -1, "not a RELOAD reply"},
    {"OK reloaded generation -7: deny 3, allow 1, local 0 entries\n", -1, "not a RELOAD reply"},
    {"OK reloaded generation 7: deny 3, allow 1, local 0 ent\001ries\n", -1, "control byte 0x01 in line 1, column 55"},
    {"OK reloaded generation 7: deny 3, allow 1, local 0 entries\r\n", -1, "control byte 0x0d"},
    {"OK status\n", -1, "not a RELOAD reply: \"OK status\""},
    {"hello\n", -1, "not a RELOAD reply: \"hello\""},
    {"ERR reload still running after 20 seconds\n; generation 5", -1, "cut short: line 2"},
    {"ERR reload still running after 4294967296 seconds; generation 5 stays in force until it ends\n", -1,
     "is over 4294967295"},
    {"ERR reload failed; previous lists remain in force (generation 3)\nx.list:1:1: error: \033[2J\n", -1,
     "control byte 0x1b in line 2, column 20"},
    {"ERR reload failed; previous lists remain in force\n", 1, "reload failed; previous lists remain in force"},
    {"ERR permission denied\n", 1, "permission denied"},
    {"ERR too many control clients (256 at once); try again\n", 1, "too many control clients (256 at once); try again"},
};

START_TEST(test_reload_bad)
{
    rm_ctl_reload_reply r;
    char    err[512] = "";
    int     rc = rm_ctl_parse_reload_reply(reload_bad[_i].reply, &r, err, sizeof(err));

    want_refused(_i, rc, err, reload_bad[_i].rc, reload_bad[_i].err);
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

/* What is not a CHECK reply is refused with a reason, never half read;
 * an ERR is 1, with its text. */
static const refusal check_bad[] = {
    {"ERR no policy is loaded\n", 1, "no policy is loaded"},
    {"OK allow auth\n", -1, "the reply ends before \"verdict\""},
    {"OK allow auth\nverdict: maybe\n", -1, "line 2: \"verdict\" is not a verdict: \"maybe\""},
    {"OK allow auth\nverdict: allow\nrule: auth\nline: x\n", -1, "line 4: \"line\" is not a number"},
    {"OK allow auth\nverdict: allow\nrule: auth\nline: 0\n", -1, "\"line\" is not a line number"},
    {"OK allow auth\nverdict: allow\nrule: auth\nline: 4294967296\n", -1, "\"line\" is over 4294967295"},
    {"OK allow auth\nverdict: allow\nrule: auth\nline: 99999999999999999999999999\n", -1, "is over 4294967295"},
    {"OK allow auth\nverdict: allow\nrule: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", -1, "\"rule\" is over 31 bytes"},
    {"OK allow auth\nverdict: allow\nrule: auth", -1, "cut short: line 3 has no newline"},
    {"OK allow auth\nverdict: allow\nrule: auth\nfoo: bar\n", -1, "line 4 is left over after the last field: \"foo: bar\""},
    {"OK allow auth\nverdict: allow\nrule: auth\nrule: auth\n", -1, "line 4 is left over"},
    {"OK allow auth\nrule: auth\nverdict: allow\n", -1, "line 2: want \"verdict\", got \"rule: auth\""},
    {"OK allow auth\nverdict: allow\nrule: au\001th\n", -1, "control byte 0x01 in line 3, column 9"},
    {"OK allow auth\nverdict: allow\nrule: auth\n\n", -1, "line 4 is left over"},
    {"OK deny auth\nverdict: allow\nrule: auth\n", -1, "line 1 does not say what the fields say"},
    {"OK no-decision x\nverdict: no-decision\nrule: \nno_decision: x\n", -1, "line 3: \"rule\" is empty"},
    {"OK allow auth extra\nverdict: allow\nrule: auth\n", -1, "line 1 does not say what the fields say"},
    {"hello\n", -1, "not a CHECK reply: \"hello\""},
    {"hello", -1, "cut short"},
    {"", -1, "the reply is empty"},
};

START_TEST(test_reply_check_bad)
{
    rm_verdict_report r;
    char    err[256] = "";
    int     rc = rm_ctl_parse_check_reply(check_bad[_i].reply, &r, err, sizeof(err));

    want_refused(_i, rc, err, check_bad[_i].rc, check_bad[_i].err);
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

/* status_base - the status every STATUS row starts from */

static void status_base(rm_ctl_status *st)
{
    memset(st, 0, sizeof(*st));
    st->pid = 4242;
    snprintf(st->version, sizeof(st->version), "0.1.0");
    st->uptime_seconds = 61;
    st->generation = 3;
    st->loaded_at = 1714564800;         /* 2024-05-01T12:00:00Z */
    st->relay_flags = RM_FLAG_ALLOW | RM_FLAG_AUTH;
    snprintf(st->mode, sizeof(st->mode), "enforce");
    st->entries[RM_LIST_DENY] = 1;
    st->entries[RM_LIST_ALLOW] = 2;
    st->entries[RM_LIST_LOCAL] = 3;
    st->reloads_ok = 2;
    st->reloads_failed = 1;
    snprintf(st->last_reload, sizeof(st->last_reload), "failed");
    snprintf(st->last_reload_error, sizeof(st->last_reload_error), "a.list:1:1: error: bad");
    for (int k = 0; k < RM_CTL_D__COUNT; k++)
        st->decisions[k] = (uint64_t) k + 1;
    for (int i = 0; i < RM_CTL_SOURCES; i++)
        st->sources[i].name = rm_ctl_source_name(i);   /* as the daemon names them all */
}

static const char status_want[] =
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

START_TEST(test_reply_status)
{
    char    mem[4096];
    rm_ctl_buf b;
    static rm_ctl_status st;

    status_base(&st);
    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_status(&b, &st);
    ck_assert_str_eq(b.data, status_want);

    snprintf(st.last_reload, sizeof(st.last_reload), "none");
    st.last_reload_error[0] = '\0';
    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_status(&b, &st);
    ck_assert_msg(strstr(b.data, "\nlast_reload: none\nlast_reload_error: none\n") != NULL, "%s", b.data);
}
END_TEST

/* The rows of the STATUS round trip: each changes the base status. */
static void st_none(rm_ctl_status *st)
{
    (void) st;
}

static void st_zero(rm_ctl_status *st)
{
    memset(st, 0, sizeof(*st));
    snprintf(st->mode, sizeof(st->mode), "none");
    snprintf(st->last_reload, sizeof(st->last_reload), "none");
}

static void st_max(rm_ctl_status *st)
{
    st->pid = LONG_MAX;
    st->uptime_seconds = st->generation = st->reloads_ok = st->reloads_failed = UINT64_MAX;
    for (int k = 0; k < RM_LIST__COUNT; k++)
        st->entries[k] = UINT32_MAX;
    for (int k = 0; k < RM_CTL_D__COUNT; k++)
        st->decisions[k] = UINT64_MAX - (uint64_t) k;
    st->relay_flags = RM_FLAGS_ALL;
    st->loaded_at = 253402300799;       /* 9999-12-31T23:59:59Z */
}

static void st_files(rm_ctl_status *st)
{
    snprintf(st->sources[RM_LIST_DENY].source, RM_URL_LEN, "/etc/relaymilter/deny.list");
    st->sources[RM_LIST_DENY].last_change = 1714564800;
    st->sources[RM_LIST_DENY].age_seconds = 5;
    snprintf(st->sources[RM_LIST__COUNT].source, RM_URL_LEN, "/etc/relaymilter/my domains");
    st->sources[RM_LIST__COUNT].last_error[0] = '\0';
}

static void st_urls(rm_ctl_status *st)
{
    rm_ctl_source *s = &st->sources[RM_LIST_ALLOW];

    st_files(st);
    s->url = true;
    snprintf(s->source, sizeof(s->source), "https://lists.example/allow.list");
    snprintf(s->cache, sizeof(s->cache), "/var/cache/relaymilter/allow.list");
    snprintf(s->etag, sizeof(s->etag), "\"5f-abc\"");
    snprintf(s->last_modified, sizeof(s->last_modified), "Wed, 01 May 2024 12:00:00 GMT");
    s->last_fetch = 1714564900;
    s->last_change = 951782400;         /* a leap day */
    snprintf(s->last_error, sizeof(s->last_error), "the server answered HTTP 500: stays at: the copy");
    s->age_seconds = 100;
    s->fetch_ok = 7;
    s->fetch_not_modified = 70;
    s->fetch_failed = UINT64_MAX;
    s = &st->sources[RM_LIST_LOCAL];
    s->url = true;
    snprintf(s->source, sizeof(s->source), "https://lists.example/local.list");
    snprintf(s->cache, sizeof(s->cache), "/var/cache/relaymilter/local.list");
}

static void (*const status_rows[])(rm_ctl_status *) = {st_none, st_zero, st_max, st_files, st_urls};

/* A status, written as a reply and read back, is the same status, and
 * rm_ctl_status_fields gives the reply's lines again. */
static void append_field(void *ctx, const char *key, const char *value)
{
    char   *out = ctx;

    snprintf(out + strlen(out), 65536 - strlen(out), "%s: %s\n", key, value);
}

START_TEST(test_status_roundtrip)
{
    static rm_ctl_status st, back;
    static char mem[65536], fields[65536];
    char    err[512] = "";
    rm_ctl_buf b;

    status_base(&st);
    status_rows[_i](&st);
    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_status(&b, &st);
    ck_assert(!b.truncated);
    ck_assert_msg(rm_ctl_parse_status_reply(b.data, &back, err, sizeof(err)) == 0, "row %d: %s\n%s", _i, err, b.data);
    for (int i = 0; i < RM_CTL_SOURCES; i++)
        ck_assert_ptr_eq(back.sources[i].name, rm_ctl_source_name(i));
    if (_i == 1)
        for (int i = 0; i < RM_CTL_SOURCES; i++)
            st.sources[i].name = rm_ctl_source_name(i);
    ck_assert_msg(memcmp(&st, &back, sizeof(st)) == 0, "row %d reads back otherwise:\n%s", _i, b.data);
    fields[0] = '\0';
    rm_ctl_status_fields(&back, append_field, fields);
    ck_assert_str_eq(fields, strchr(b.data, '\n') + 1);
}
END_TEST

/* The base reply, changed: what the daemon never writes is refused. */
static const struct {
    const char *find, *put;             /* the first find becomes put */
    int     rc;
    const char *err;
} status_bad[] = {
    {"decisions_error: 9\n", "decisions_error: 9", -1, "cut short: line 24 has no newline"},
    {"decisions_error: 9\n", "", -1, "the reply ends before \"decisions_error\""},
    {"last_reload: failed\n", "", -1, "line 14: want \"last_reload\", got \"last_reload_error: a.list:1:1: error: bad\""},
    /* Keys a newer daemon adds are stepped over; anything else is not. */
    {"decisions_error: 9\n", "decisions_error: 9\nfoo: 1\n", 0, ""},
    {"pid: 4242\n", "pid: 4242\nnew_counter: 1\nnew_text: a b\n", 0, ""},
    {"decisions_error: 9\n", "decisions_error: 9\nFoo bar\n", -1, "line 25 is left over after the last field: \"Foo bar\""},
    {"decisions_error: 9\n", "decisions_error: 9\ngeneration: 1\n", -1, "line 25 is left over after the last field: \"generation: 1\""},
    {"pid: 4242\n", "pid: 4242\nnew: 1\nx y\n", -1, "line 3: want \"version\", got \"new: 1\""},
    {"decisions_error: 9\n", "decisions_error: 9\nlist_deny_source: /x\nlist_deny_last_change: never\n", -1,
     "the reply ends before \"list_deny_last_error\""},
    {"decisions_error: 9\n", "decisions_error: 9\nlist_deny_source: \n", -1, "\"list_deny_source\" is empty"},
    {"last_reload_error: a.list:1:1: error: bad", "last_reload_error: ", -1, "\"last_reload_error\" is empty"},
    {"pid: 4242\n", "pid: 4242\npid: 4242\n", -1, "line 3: want \"version\", got \"pid: 4242\""},
    {"mode: enforce", "mood: enforce", -1, "line 8: want \"mode\", got \"mood: enforce\""},
    {"mode: enforce", "mode:enforce", -1, "want \"mode\""},
    {"uptime_seconds: 61", "uptime_seconds: 18446744073709551616", -1, "\"uptime_seconds\" is over 18446744073709551615"},
    {"uptime_seconds: 61", "uptime_seconds: 18446744073709551615", 0, ""},
    {"entries_deny: 1", "entries_deny: 4294967296", -1, "\"entries_deny\" is over 4294967295"},
    {"pid: 4242", "pid: 9223372036854775808", -1, "\"pid\" is over 9223372036854775807"},
    {"pid: 4242", "pid: -1", -1, "\"pid\" is not a number"},
    {"generation: 3", "generation: 3x", -1, "\"generation\" is not a number: \"3x\""},
    {"generation: 3", "generation: 03", -1, "\"generation\" is not a number"},
    {"generation: 3", "generation: ", -1, "\"generation\" is not a number"},
    {"generation: 3", "generation:  3", -1, "\"generation\" is not a number"},
    {"loaded_at: 2024-05-01T12:00:00Z", "loaded_at: 2024-02-30T12:00:00Z", -1, "\"loaded_at\" is not a time"},
    {"loaded_at: 2024-05-01T12:00:00Z", "loaded_at: 2024-05-01 12:00:00", -1, "\"loaded_at\" is not a time"},
    {"loaded_at: 2024-05-01T12:00:00Z", "loaded_at: never", -1, "\"loaded_at\" is not a time"},
    {"relay_flags: allow, auth", "relay_flags: allow, frob", -1, "\"relay_flags\" is not relay flags"},
    {"relay_flags: allow, auth", "relay_flags: 10", -1, "\"relay_flags\" is not relay flags"},
    {"version: 0.1.0", "version: 0.1\033[2J", -1, "control byte 0x1b in line 3, column 13"},
    {"version: 0.1.0", "version: 0.1\177", -1, "control byte 0x7f in line 3"},
    {"version: 0.1.0\n", "version: 0.1.0\r\n", -1, "control byte 0x0d in line 3"},
    {"OK status\n", "OK statusx\n", -1, "not a STATUS reply: \"OK statusx\""},
    {"OK status\n", "", -1, "not a STATUS reply: \"pid: 4242\""},
    {"OK status\n", "ERR no\n", 1, "no"},
};

START_TEST(test_status_bad)
{
    static char text[8192];
    static rm_ctl_status st;
    const char *at = strstr(status_want, status_bad[_i].find);
    char    err[512] = "";
    int     rc;

    ck_assert_ptr_nonnull(at);
    snprintf(text, sizeof(text), "%.*s%s%s", (int) (at - status_want), status_want, status_bad[_i].put,
             at + strlen(status_bad[_i].find));
    rc = rm_ctl_parse_status_reply(text, &st, err, sizeof(err));
    want_refused(_i, rc, err, status_bad[_i].rc, status_bad[_i].err);
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
    tcase_add_loop_test(tc, test_reload_roundtrip, 0, (int) NELEM(reload_replies));
    tcase_add_loop_test(tc, test_reload_bad, 0, (int) NELEM(reload_bad));
    tcase_add_loop_test(tc, test_reply_check, 0, (int) NELEM(check_replies));
    tcase_add_loop_test(tc, test_reply_check_bad, 0, (int) NELEM(check_bad));
    tcase_add_test(tc, test_check_request_roundtrip);
    tcase_add_test(tc, test_reply_status);
    tcase_add_loop_test(tc, test_status_roundtrip, 0, (int) NELEM(status_rows));
    tcase_add_loop_test(tc, test_status_bad, 0, (int) NELEM(status_bad));
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
