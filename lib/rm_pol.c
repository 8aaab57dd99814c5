/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_pol - Postfix's policy delegation protocol: requests and replies */

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "rm_pol.h"
#include "rm_text.h"

/* One row per attribute we read: its name and where its value goes. */
static const struct {
    const char *name;
    size_t  off;
    size_t  size;
} attrs[RM_POL_ATTR__COUNT] = {
    [RM_POL_REQUEST] = {"request", offsetof(rm_pol_req, request), RM_POL_WORD_LEN},
    [RM_POL_PROTOCOL_STATE] = {"protocol_state", offsetof(rm_pol_req, protocol_state), RM_POL_WORD_LEN},
    [RM_POL_CLIENT_ADDRESS] = {"client_address", offsetof(rm_pol_req, client_address), RM_POL_ADDR_LEN},
    [RM_POL_SERVER_ADDRESS] = {"server_address", offsetof(rm_pol_req, server_address), RM_POL_ADDR_LEN},
    [RM_POL_SASL_USERNAME] = {"sasl_username", offsetof(rm_pol_req, sasl_username), RM_POL_NAME_LEN},
    [RM_POL_RECIPIENT] = {"recipient", offsetof(rm_pol_req, recipient), RM_POL_RCPT_LEN},
    [RM_POL_INSTANCE] = {"instance", offsetof(rm_pol_req, instance), RM_POL_WORD_LEN},
    [RM_POL_HELO_NAME] = {"helo_name", offsetof(rm_pol_req, helo_name), RM_POL_NAME_LEN},
    [RM_POL_SENDER] = {"sender", offsetof(rm_pol_req, sender), RM_POL_RCPT_LEN},
    [RM_POL_QUEUE_ID] = {"queue_id", offsetof(rm_pol_req, queue_id), RM_POL_WORD_LEN},
};

/* The actions, read both ways: rm_pol_format_reply and rm_pol_parse_reply. */
static const char *const action_names[RM_POL_ACTION__COUNT] = {
    [RM_POL_OK] = "OK",
    [RM_POL_DUNNO] = "DUNNO",
    [RM_POL_REJECT_UNAUTH] = "reject_unauth_destination",
    [RM_POL_DEFER_UNAUTH] = "defer_unauth_destination",
};

const char *rm_pol_action_name(enum rm_pol_action a)
{
    return (unsigned) a < RM_POL_ACTION__COUNT ? action_names[a] : NULL;
}

const char *rm_pol_attr_name(enum rm_pol_attr a)
{
    return (unsigned) a < RM_POL_ATTR__COUNT ? attrs[a].name : NULL;
}

/* rm_pol_frame - the length of the first whole request in buf */

long    rm_pol_frame(const char *buf, size_t len)
{
    size_t  start = 0, lines = 0;

    for (;;) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t  end = nl ? (size_t) (nl - buf) + 1 : len;

        if (memchr(buf + start, '\0', end - start) != NULL)
            return -1;
        if (end - start > RM_POL_MAX_LINE || end > RM_POL_MAX_REQUEST)
            return -1;
        if (nl == NULL)
            return len >= RM_POL_MAX_REQUEST ? -1 : 0;      /* full, and no end in sight */
        if (end - start == 1)
            return (long) end;
        if (++lines >= RM_POL_MAX_ATTRS)
            return -1;
        start = end;
    }
}

/* attr_of - the attribute we read with this name, or -1 */

static int attr_of(const char *name, size_t n)
{
    for (int a = 0; a < RM_POL_ATTR__COUNT; a++)
        if (strlen(attrs[a].name) == n && memcmp(attrs[a].name, name, n) == 0)
            return a;
    return -1;
}

/* parse_line - one name=value line (no newline) into r */

static int parse_line(const char *s, size_t n, unsigned lineno, rm_pol_req *r,
                      char *err, size_t errlen)
{
    const char *eq = memchr(s, '=', n);
    char    q[RM_QUOTE_LEN(64)];
    size_t  nlen, vlen;
    int     a;

    if (eq == NULL || eq == s) {
        rm_text_quote(q, sizeof(q), s, n);
        snprintf(err, errlen, "line %u: %s, not name=value", lineno, q);
        return -1;
    }
    nlen = (size_t) (eq - s);
    vlen = n - nlen - 1;
    if ((a = attr_of(s, nlen)) < 0)
        return 0;                       /* an attribute we do not read */
    if (r->have & (1u << a)) {
        snprintf(err, errlen, "line %u: %s given twice", lineno, attrs[a].name);
        return -1;
    }
    if (vlen >= attrs[a].size) {
        snprintf(err, errlen, "line %u: %s is %zu bytes long, at most %zu are read",
                 lineno, attrs[a].name, vlen, attrs[a].size - 1);
        return -1;
    }
    memcpy((char *) r + attrs[a].off, eq + 1, vlen);
    ((char *) r + attrs[a].off)[vlen] = '\0';
    r->have |= 1u << a;
    return 0;
}

/* rm_pol_parse - one whole request into r */

int     rm_pol_parse(const char *buf, size_t len, rm_pol_req *r, char *err, size_t errlen)
{
    size_t  start = 0;
    unsigned lineno = 0;

    memset(r, 0, sizeof(*r));
    if (err && errlen)
        err[0] = '\0';
    while (start < len) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t  n;

        lineno++;
        if (nl == NULL)
            break;
        n = (size_t) (nl - buf) - start;
        if (n == 0) {
            if ((size_t) (nl - buf) + 1 == len)
                return 0;
            snprintf(err, errlen, "line %u: bytes after the empty line", lineno);
            return -1;
        }
        if (memchr(buf + start, '\0', n) != NULL) {
            snprintf(err, errlen, "line %u: a NUL byte", lineno);
            return -1;
        }
        if (parse_line(buf + start, n, lineno, r, err, errlen) < 0)
            return -1;
        start = (size_t) (nl - buf) + 1;
    }
    snprintf(err, errlen, "the request does not end with an empty line");
    return -1;
}

/* rm_pol_format_request - r as name=value lines and the empty line */

size_t  rm_pol_format_request(const rm_pol_req *r, char *buf, size_t len)
{
    size_t  o = 0;
    int     n;

    for (int a = 0; a < RM_POL_ATTR__COUNT; a++) {
        if (!(r->have & (1u << a)))
            continue;
        n = snprintf(buf + o, len - o, "%s=%s\n", attrs[a].name, (const char *) r + attrs[a].off);
        if (n < 0 || (size_t) n >= len - o)
            return 0;
        o += (size_t) n;
    }
    if (o + 2 > len)
        return 0;
    buf[o++] = '\n';
    buf[o] = '\0';
    return o;
}

/* addr_state - an attribute's address: MISSING when empty, WILDCARD, KNOWN or BAD */

static enum rm_addr_state addr_state(const rm_pol_req *r, enum rm_pol_attr a, rm_addr *out)
{
    const char *v = (const char *) r + attrs[a].off;

    if (!(r->have & (1u << a)) || v[0] == '\0')
        return RM_ADDR_MISSING;
    if (rm_addr_from_str(v, out, NULL) < 0)
        return RM_ADDR_BAD;
    return out->v == 0 ? RM_ADDR_WILDCARD : RM_ADDR_KNOWN;
}

/*
 * rm_pol_verdict_in - what the request asks.  A request without a client
 * address is refused rather than taken as a local submission: Postfix
 * always sends one, so its absence means a broken or foreign client, and
 * the local_submission rule may allow.
 */
enum rm_pol_kind rm_pol_verdict_in(const rm_pol_req *r, rm_verdict_in *in, char *err, size_t errlen)
{
    rm_verdict_in_init(in);
    if (!(r->have & (1u << RM_POL_REQUEST)) || strcmp(r->request, "smtpd_access_policy") != 0) {
        snprintf(err, errlen, "not request=smtpd_access_policy");
        return RM_POL_UNUSABLE;
    }
    if ((r->have & (1u << RM_POL_PROTOCOL_STATE)) && strcmp(r->protocol_state, "RCPT") != 0)
        return RM_POL_NOT_RCPT;
    if ((in->client_state = addr_state(r, RM_POL_CLIENT_ADDRESS, &in->client)) == RM_ADDR_MISSING) {
        snprintf(err, errlen, "no client_address");
        return RM_POL_UNUSABLE;
    }
    in->local_state = addr_state(r, RM_POL_SERVER_ADDRESS, &in->local);
    in->rcpt_is_relay = true;
    if (r->have & (1u << RM_POL_RECIPIENT)) {
        in->rcpt = r->recipient;
        in->rcpt_len = strlen(r->recipient);
    }
    in->auth = r->sasl_username[0] != '\0';
    return RM_POL_DECIDE;
}

/* rm_pol_format_reply - "action=NAME" and the empty line */

size_t  rm_pol_format_reply(enum rm_pol_action a, char *buf, size_t len)
{
    const char *name = rm_pol_action_name(a);
    int     n;

    if (name == NULL)
        return 0;
    n = snprintf(buf, len, "action=%s\n\n", name);
    return n < 0 || (size_t) n >= len ? 0 : (size_t) n;
}

/* rm_pol_parse_reply - a whole reply back to its action */

int     rm_pol_parse_reply(const char *buf, size_t len, enum rm_pol_action *a)
{
    for (int i = 0; i < RM_POL_ACTION__COUNT; i++) {
        char    want[RM_POL_MAX_REPLY];
        size_t  n = rm_pol_format_reply((enum rm_pol_action) i, want, sizeof(want));

        if (n == len && memcmp(buf, want, n) == 0) {
            *a = (enum rm_pol_action) i;
            return 0;
        }
    }
    return -1;
}
