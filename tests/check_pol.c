/* SPDX-License-Identifier: BSD-2-Clause */
/* check_pol - rm_pol: framing, parsing and formatting Postfix policy requests and replies */

#include "unit_util.h"

#include "rm_pol.h"

#define REQ "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n" \
    "client_address=192.0.2.7\nclient_name=mx.example\nserver_address=10.0.0.25\n" \
    "helo_name=mx.example\nsender=a@example.org\nqueue_id=\n" \
    "sasl_username=\nrecipient=user@remote.example\ninstance=a.b.c\nsize=0\n\n"

/* Framing: input, bytes given, want (length, 0 more, -1 refused). */
static const struct {
    const char *in;
    long    want;
} frames[] = {
    {"", 0},
    {"request=smtpd_access_policy\n", 0},
    {"request=smtpd_access_policy", 0},
    {"\n", 1},
    {"a=b\n\n", 5},
    {"a=b\n\nc=d\n\n", 5},                 /* pipelined: the first one only */
    {"a=b\n\nc=", 5},
    {"a=b\nc=d\n\n", 9},
    {"a=\0b\n\n", -1},                     /* see the length below */
};

START_TEST(test_frame)
{
    for (size_t i = 0; i < NELEM(frames); i++) {
        size_t  n = i == NELEM(frames) - 1 ? 6 : strlen(frames[i].in);

        ck_assert_msg(rm_pol_frame(frames[i].in, n) == frames[i].want, "row %zu: want %ld got %ld",
                      i, frames[i].want, rm_pol_frame(frames[i].in, n));
    }
    ck_assert_int_eq(rm_pol_frame(REQ, strlen(REQ)), (long) strlen(REQ));
}
END_TEST

/* The caps: a line, a request, the number of lines. */
START_TEST(test_frame_caps)
{
    static char buf[RM_POL_MAX_REQUEST * 2];
    size_t  n;

    /* A line of exactly RM_POL_MAX_LINE bytes (newline included) passes; one more does not. */
    memset(buf, 'a', sizeof(buf));
    buf[0] = 'x';
    buf[1] = '=';
    buf[RM_POL_MAX_LINE - 1] = '\n';
    buf[RM_POL_MAX_LINE] = '\n';
    ck_assert_int_eq(rm_pol_frame(buf, RM_POL_MAX_LINE + 1), RM_POL_MAX_LINE + 1);
    memset(buf, 'a', sizeof(buf));
    buf[RM_POL_MAX_LINE] = '\n';
    ck_assert_int_eq(rm_pol_frame(buf, RM_POL_MAX_LINE + 2), -1);
    buf[RM_POL_MAX_LINE] = 'a';         /* a line not yet ended, already over the cap */
    ck_assert_int_eq(rm_pol_frame(buf, RM_POL_MAX_LINE + 1), -1);
    ck_assert_int_eq(rm_pol_frame(buf, RM_POL_MAX_LINE), 0);
    /* Never ending, within the line cap: refused once the request cap is reached. */
    for (n = 0; n + 100 <= sizeof(buf); n += 100) {
        memset(buf + n, 'b', 99);
        buf[n + 99] = '\n';
    }
    ck_assert_int_eq(rm_pol_frame(buf, RM_POL_MAX_REQUEST - 1), -1);     /* too many lines */
    /* Lines under the cap, RM_POL_MAX_ATTRS - 1 of them, and the end: accepted. */
    n = 0;
    for (int i = 0; i < RM_POL_MAX_ATTRS - 1; i++)
        n += (size_t) snprintf(buf + n, sizeof(buf) - n, "a%d=b\n", i);
    buf[n++] = '\n';
    ck_assert_int_eq(rm_pol_frame(buf, n), (long) n);
    n = 0;
    for (int i = 0; i < RM_POL_MAX_ATTRS; i++)
        n += (size_t) snprintf(buf + n, sizeof(buf) - n, "a%d=b\n", i);
    buf[n++] = '\n';
    ck_assert_int_eq(rm_pol_frame(buf, n), -1);
    /* A request that fills the buffer without an end can never become one. */
    memset(buf, 'c', RM_POL_MAX_REQUEST);
    for (n = 1000; n < RM_POL_MAX_REQUEST; n += 1000)
        buf[n] = '\n';
    ck_assert_int_eq(rm_pol_frame(buf, RM_POL_MAX_REQUEST - 1), 0);
    ck_assert_int_eq(rm_pol_frame(buf, RM_POL_MAX_REQUEST), -1);
}
END_TEST

START_TEST(test_parse)
{
    rm_pol_req r;
    char    err[256];

    ck_assert_int_eq(rm_pol_parse(REQ, strlen(REQ), &r, err, sizeof(err)), 0);
    ck_assert_str_eq(r.request, "smtpd_access_policy");
    ck_assert_str_eq(r.protocol_state, "RCPT");
    ck_assert_str_eq(r.client_address, "192.0.2.7");
    ck_assert_str_eq(r.server_address, "10.0.0.25");
    ck_assert_str_eq(r.sasl_username, "");
    ck_assert_str_eq(r.recipient, "user@remote.example");
    ck_assert_str_eq(r.instance, "a.b.c");
    ck_assert_str_eq(r.helo_name, "mx.example");
    ck_assert_str_eq(r.sender, "a@example.org");
    ck_assert_str_eq(r.queue_id, "");
    ck_assert_uint_eq(r.have, (1u << RM_POL_ATTR__COUNT) - 1);
}
END_TEST

/* Refused requests: input, words the error must contain. */
static const struct {
    const char *in;
    const char *err;
} bad[] = {
    {"request=smtpd_access_policy\nno equals\n\n", "line 2: \"no equals\", not name=value"},
    {"=value\n\n", "line 1: \"=value\", not name=value"},
    {"client_address=1.2.3.4\nclient_address=5.6.7.8\n\n", "line 2: client_address given twice"},
    {"a=b\n", "does not end with an empty line"},
    {"a=b", "does not end with an empty line"},
    {"a=b\n\nc=d\n\n", "line 2: bytes after the empty line"},
    {"bad\x01line\"\n\n", "line 1: \"bad\\x01line\\\"\", not name=value"},
    {"client_address=" "0123456789012345678901234567890123456789012345678901234567890123\n\n",
     "line 1: client_address is 64 bytes long, at most 63 are read"},
};

START_TEST(test_parse_bad)
{
    rm_pol_req r;
    char    err[256];

    for (size_t i = 0; i < NELEM(bad); i++) {
        ck_assert_msg(rm_pol_parse(bad[i].in, strlen(bad[i].in), &r, err, sizeof(err)) == -1, "row %zu", i);
        ck_assert_msg(strstr(err, bad[i].err) != NULL, "row %zu: want \"%s\" in \"%s\"", i, bad[i].err, err);
    }
    ck_assert_int_eq(rm_pol_parse("a=\0\n\n", 5, &r, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "line 1: a NUL byte");
}
END_TEST

/* What is formatted parses back to the same request, and the same text. */
START_TEST(test_symmetry)
{
    rm_pol_req r, again;
    char    buf[RM_POL_MAX_REQUEST], buf2[RM_POL_MAX_REQUEST], err[256];
    size_t  n;

    ck_assert_int_eq(rm_pol_parse(REQ, strlen(REQ), &r, err, sizeof(err)), 0);
    n = rm_pol_format_request(&r, buf, sizeof(buf));
    ck_assert_uint_gt(n, 0);
    ck_assert_int_eq(rm_pol_frame(buf, n), (long) n);
    ck_assert_int_eq(rm_pol_parse(buf, n, &again, err, sizeof(err)), 0);
    ck_assert_int_eq(memcmp(&r, &again, sizeof(r)), 0);
    ck_assert_uint_eq(rm_pol_format_request(&again, buf2, sizeof(buf2)), n);
    ck_assert_int_eq(memcmp(buf, buf2, n), 0);
    ck_assert_uint_eq(rm_pol_format_request(&r, buf, n), 0);    /* no room for the NUL */
    memset(&r, 0, sizeof(r));
    ck_assert_uint_eq(rm_pol_format_request(&r, buf, sizeof(buf)), 1);
    ck_assert_str_eq(buf, "\n");
}
END_TEST

START_TEST(test_reply)
{
    char    buf[RM_POL_MAX_REPLY];
    enum rm_pol_action a;
    static const char *const want[RM_POL_ACTION__COUNT] = {
        "action=OK\n\n", "action=DUNNO\n\n", "action=reject_unauth_destination\n\n",
        "action=defer_unauth_destination\n\n",
    };

    for (int i = 0; i < RM_POL_ACTION__COUNT; i++) {
        size_t  n = rm_pol_format_reply((enum rm_pol_action) i, buf, sizeof(buf));

        ck_assert_str_eq(buf, want[i]);
        ck_assert_uint_eq(n, strlen(want[i]));
        ck_assert_int_eq(rm_pol_parse_reply(buf, n, &a), 0);
        ck_assert_int_eq(a, i);
    }
    ck_assert_uint_eq(rm_pol_format_reply(RM_POL_ACTION__COUNT, buf, sizeof(buf)), 0);
    ck_assert_uint_eq(rm_pol_format_reply(RM_POL_OK, buf, 11), 0);
    ck_assert_int_eq(rm_pol_parse_reply("action=OK\n", 10, &a), -1);
    ck_assert_int_eq(rm_pol_parse_reply("action=ok\n\n", 11, &a), -1);
    ck_assert_int_eq(rm_pol_parse_reply("action=REJECT\n\n", 15, &a), -1);
    ck_assert_ptr_null(rm_pol_action_name(RM_POL_ACTION__COUNT));
    ck_assert_str_eq(rm_pol_attr_name(RM_POL_SERVER_ADDRESS), "server_address");
    ck_assert_ptr_null(rm_pol_attr_name(RM_POL_ATTR__COUNT));
}
END_TEST

/* What a request asks: input attributes, want kind, client and local states, auth. */
static const struct {
    const char *in;
    enum rm_pol_kind kind;
    enum rm_addr_state client, local;
    bool    auth;
    const char *err;
} asks[] = {
    {REQ, RM_POL_DECIDE, RM_ADDR_KNOWN, RM_ADDR_KNOWN, false, ""},
    {"request=smtpd_access_policy\nclient_address=2001:db8::7\nsasl_username=u\n\n",
     RM_POL_DECIDE, RM_ADDR_KNOWN, RM_ADDR_MISSING, true, ""},
    {"request=smtpd_access_policy\nclient_address=::ffff:192.0.2.7\nserver_address=0.0.0.0\n\n",
     RM_POL_DECIDE, RM_ADDR_KNOWN, RM_ADDR_WILDCARD, false, ""},
    {"request=smtpd_access_policy\nclient_address=junk\nserver_address=junk\n\n",
     RM_POL_DECIDE, RM_ADDR_BAD, RM_ADDR_BAD, false, ""},
    {"request=smtpd_access_policy\nclient_address=\n\n", RM_POL_UNUSABLE, 0, 0, false, "no client_address"},
    {"request=smtpd_access_policy\n\n", RM_POL_UNUSABLE, 0, 0, false, "no client_address"},
    {"client_address=192.0.2.7\n\n", RM_POL_UNUSABLE, 0, 0, false, "not request=smtpd_access_policy"},
    {"request=junk\nclient_address=192.0.2.7\n\n", RM_POL_UNUSABLE, 0, 0, false, "not request"},
    {"request=smtpd_access_policy\nprotocol_state=DATA\nclient_address=192.0.2.7\n\n",
     RM_POL_NOT_RCPT, 0, 0, false, ""},
    {"\n", RM_POL_UNUSABLE, 0, 0, false, "not request"},
};

START_TEST(test_verdict_in)
{
    rm_pol_req r;
    rm_verdict_in in;
    char    err[256];
    enum rm_pol_kind k;

    for (size_t i = 0; i < NELEM(asks); i++) {
        ck_assert_int_eq(rm_pol_parse(asks[i].in, strlen(asks[i].in), &r, err, sizeof(err)), 0);
        err[0] = '\0';
        k = rm_pol_verdict_in(&r, &in, err, sizeof(err));
        ck_assert_msg(k == asks[i].kind, "row %zu: kind %d", i, (int) k);
        ck_assert_msg(strstr(err, asks[i].err) != NULL, "row %zu: err \"%s\"", i, err);
        if (k != RM_POL_DECIDE)
            continue;
        ck_assert_msg(in.rcpt_is_relay, "row %zu: Postfix decides locality", i);
        ck_assert_msg(in.client_state == asks[i].client, "row %zu: client %d", i, (int) in.client_state);
        ck_assert_msg(in.local_state == asks[i].local, "row %zu: local %d", i, (int) in.local_state);
        ck_assert_msg(in.auth == asks[i].auth, "row %zu: auth", i);
    }
    /* An IPv4-mapped client is the IPv4 address, as the milter sees it. */
    rm_pol_parse(asks[2].in, strlen(asks[2].in), &r, err, sizeof(err));
    rm_pol_verdict_in(&r, &in, err, sizeof(err));
    ck_assert_int_eq(in.client.family, RM_AF_INET);
    ck_assert_str_eq(in.rcpt ? in.rcpt : "(null)", "(null)");
    rm_pol_parse(REQ, strlen(REQ), &r, err, sizeof(err));
    rm_pol_verdict_in(&r, &in, err, sizeof(err));
    ck_assert_str_eq(in.rcpt, "user@remote.example");
    ck_assert_uint_eq(in.rcpt_len, strlen("user@remote.example"));
}
END_TEST

static Suite *pol_suite(void)
{
    Suite  *s = suite_create("pol");
    TCase  *tc = tcase_create("pol");

    tcase_add_test(tc, test_frame);
    tcase_add_test(tc, test_frame_caps);
    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_parse_bad);
    tcase_add_test(tc, test_symmetry);
    tcase_add_test(tc, test_reply);
    tcase_add_test(tc, test_verdict_in);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(pol_suite());
}
