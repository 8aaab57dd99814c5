/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rm_ctl - the control-socket protocol, requests: a command line parsed
 * and formatted, and the names STATUS gives counters and sources.  The replies,
 * written and read back, are rm_ctl_reply.c's.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rm_ctl.h"
#include "rm_kind.h"

#define USAGE_CHECK "usage: CHECK ADDRESS|none [local=ADDRESS] [auth] [rcpt=XTEXT] [mailer=XTEXT]"

static const char *const decision_names[RM_CTL_D__COUNT] = {
    [RM_CTL_D_DENY_LIST] = "deny_list",
    [RM_CTL_D_ALLOW_LIST] = "allow_list",
    [RM_CTL_D_LOCAL_IP] = "local_ip",
    [RM_CTL_D_AUTH] = "auth",
    [RM_CTL_D_DEFAULT_DENY] = "default_deny",
    [RM_CTL_D_DENY_ONLY] = "deny_only",
    [RM_CTL_D_LOCAL_SUBMISSION] = "local_submission",
    [RM_CTL_D_LOCAL_RECIPIENT] = "local_recipient",
    [RM_CTL_D_ERROR] = "error",
};

const char *rm_ctl_decision_name(enum rm_ctl_decision k)
{
    return (unsigned) k < RM_CTL_D__COUNT ? decision_names[k] : "unknown";
}

static const char *const fetch_names[RM_CTL_FETCH__COUNT] = {
    [RM_CTL_FETCH_OK] = "ok",
    [RM_CTL_FETCH_NOT_MODIFIED] = "not_modified",
    [RM_CTL_FETCH_FAILED] = "failed",
};

const char *rm_ctl_fetch_name(enum rm_ctl_fetch r)
{
    return (unsigned) r < RM_CTL_FETCH__COUNT ? fetch_names[r] : "unknown";
}

/* rm_ctl_source_name - the lists' names, then the domains file's */

const char *rm_ctl_source_name(int i)
{
    if (i >= 0 && i < RM_LIST__COUNT)
        return rm_kind_name((enum rm_list_kind) i);
    return i == RM_LIST__COUNT ? "domains" : "unknown";
}

enum rm_ctl_decision rm_ctl_decision_of_rule(enum rm_rule r)
{
    switch (r) {
    case RM_RULE_DENY_LIST:
        return RM_CTL_D_DENY_LIST;
    case RM_RULE_ALLOW_LIST:
        return RM_CTL_D_ALLOW_LIST;
    case RM_RULE_LOCAL_IP:
        return RM_CTL_D_LOCAL_IP;
    case RM_RULE_AUTH:
        return RM_CTL_D_AUTH;
    case RM_RULE_DENY_ONLY:
        return RM_CTL_D_DENY_ONLY;
    case RM_RULE_DEFAULT:
        return RM_CTL_D_DEFAULT_DENY;
    case RM_RULE_LOCAL_SUBMISSION:
        return RM_CTL_D_LOCAL_SUBMISSION;
    default:
        return RM_CTL_D_ERROR;
    }
}

/* quote - "text" for an error reply: printable, at most 64 bytes shown */

static void quote(char *dst, size_t dlen, const char *s, size_t n)
{
    size_t  o = 0, i;

    if (dlen < 3) {
        if (dlen)
            dst[0] = '\0';
        return;
    }
    dst[o++] = '"';
    for (i = 0; i < n && o + 5 < dlen; i++) {
        unsigned char c = (unsigned char) s[i];

        if (i == 64) {
            dst[o++] = '.';
            dst[o++] = '.';
            dst[o++] = '.';
            break;
        }
        dst[o++] = (c < 0x20 || c == 0x7f || c == '"') ? '?' : (char) c;
    }
    dst[o++] = '"';
    dst[o] = '\0';
}

static int is_sep(char c)
{
    return c == ' ' || c == '\t';
}

static int parse_addr(const char *s, size_t n, rm_addr *a, char *err, size_t errlen)
{
    char    tmp[RM_CTL_MAX_LINE + 1], q[80];
    rm_perr pe;

    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (rm_addr_from_str(tmp, a, &pe) < 0) {
        quote(q, sizeof(q), s, n);
        snprintf(err, errlen, "bad address %s: %s", q, pe.msg);
        return -1;
    }
    return 0;
}

/* xtext_decode - RFC 3461 xtext into out (NUL-terminated); -1 if bad */

static int xtext_decode(const char *s, size_t n, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t  o = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];

        if (c == '+') {
            const char *hi, *lo;

            if (i + 2 >= n || s[i + 1] == '\0' || s[i + 2] == '\0'
                || (hi = strchr(hex, s[i + 1])) == NULL || (lo = strchr(hex, s[i + 2])) == NULL)
                return -1;
            c = (unsigned char) (((hi - hex) << 4) | (lo - hex));
            if (c == '\0')
                return -1;
            i += 2;
        } else if (c <= ' ' || c >= 0x7f || c == '=') {
            return -1;
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = (char) c;
    }
    out[o] = '\0';
    return 0;
}

/* xtext_encode - s as xtext into out; returns the length it needs */

static size_t xtext_encode(const char *s, char *out, size_t outlen)
{
    size_t  o = 0;

    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        char    enc[4];
        size_t  k = 1;

        if (c <= ' ' || c >= 0x7f || c == '+' || c == '=')
            k = (size_t) snprintf(enc, sizeof(enc), "+%02X", c);
        else
            enc[0] = (char) c;
        if (o + k < outlen)
            memcpy(out + o, enc, k);
        o += k;
    }
    if (outlen)
        out[o < outlen ? o : outlen - 1] = '\0';
    return o;
}

/* check_word - one word after CHECK's address: local=, auth, rcpt=, mailer= */

static int check_word(const char *w, size_t n, rm_ctl_req *req, unsigned *seen,
                      char *err, size_t errlen)
{
    char    q[80];

#define KEY(k) (n > sizeof(k) - 1 && strncasecmp(w, k, sizeof(k) - 1) == 0)
    if (n == 4 && strncasecmp(w, "auth", 4) == 0 && !(*seen & 1)) {
        req->auth = true;
        *seen |= 1;
        return 0;
    }
    if (KEY("local=") && !(*seen & 2)) {
        if (parse_addr(w + 6, n - 6, &req->local, err, errlen) < 0)
            return -1;
        req->local_state = rm_verdict_server_state(&req->local);
        *seen |= 2;
        return 0;
    }
    if (KEY("rcpt=") && !(*seen & 4)) {
        if (xtext_decode(w + 5, n - 5, req->rcpt, sizeof(req->rcpt)) < 0) {
            quote(q, sizeof(q), w, n);
            snprintf(err, errlen, "bad xtext in %s", q);
            return -1;
        }
        req->has_rcpt = true;
        *seen |= 4;
        return 0;
    }
    if (KEY("mailer=") && !(*seen & 8)) {
        if (xtext_decode(w + 7, n - 7, req->mailer, sizeof(req->mailer)) < 0) {
            quote(q, sizeof(q), w, n);
            snprintf(err, errlen, "bad xtext (or over %d bytes) in %s", RM_CTL_MAILER_LEN - 1, q);
            return -1;
        }
        req->has_mailer = true;
        *seen |= 8;
        return 0;
    }
#undef KEY
    quote(q, sizeof(q), w, n);
    snprintf(err, errlen, "unexpected %s; %s", q, USAGE_CHECK);
    return -1;
}

/* parse_check - the words of a CHECK line */

static int parse_check(const char *const *tok, const size_t *tlen, size_t ntok,
                       rm_ctl_req *req, char *err, size_t errlen)
{
    unsigned seen = 0;

    req->local_state = RM_ADDR_MISSING;
    if (ntok < 2) {
        snprintf(err, errlen, "%s", USAGE_CHECK);
        return -1;
    }
    if (tlen[1] == 4 && strncasecmp(tok[1], "none", 4) == 0)
        req->client_state = RM_ADDR_MISSING;
    else if (parse_addr(tok[1], tlen[1], &req->client, err, errlen) < 0)
        return -1;
    for (size_t k = 2; k < ntok; k++)
        if (check_word(tok[k], tlen[k], req, &seen, err, errlen) < 0)
            return -1;
    return 0;
}

/* rm_ctl_parse - one command line into a request */

int     rm_ctl_parse(const char *line, size_t len, rm_ctl_req *req, char *err, size_t errlen)
{
    const char *tok[8];
    size_t  tlen[8], ntok = 0, i = 0;
    char    q[80];

    memset(req, 0, sizeof(*req));
    if (len > 0 && line[len - 1] == '\n')
        len--;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len >= RM_CTL_MAX_LINE) {
        snprintf(err, errlen, "command line is over %d bytes", RM_CTL_MAX_LINE - 1);
        return -1;
    }
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char) line[k];

        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            snprintf(err, errlen, "control character at byte %zu of the command line", k + 1);
            return -1;
        }
    }
    while (i < len) {
        while (i < len && is_sep(line[i]))
            i++;
        if (i == len)
            break;
        if (ntok == sizeof(tok) / sizeof(tok[0])) {
            snprintf(err, errlen, "too many words on the command line");
            return -1;
        }
        tok[ntok] = line + i;
        while (i < len && !is_sep(line[i]))
            i++;
        tlen[ntok] = (size_t) (line + i - tok[ntok]);
        ntok++;
    }
    if (ntok == 0) {
        snprintf(err, errlen, "empty command; expected RELOAD, STATUS or CHECK");
        return -1;
    }
#define IS(k, word) (tlen[k] == sizeof(word) - 1 && strncasecmp(tok[k], word, tlen[k]) == 0)
    if (IS(0, "RELOAD") || IS(0, "STATUS")) {
        req->cmd = IS(0, "RELOAD") ? RM_CTL_RELOAD : RM_CTL_STATUS;
        if (ntok > 1) {
            snprintf(err, errlen, "usage: %s (it takes no arguments)",
                     req->cmd == RM_CTL_RELOAD ? "RELOAD" : "STATUS");
            return -1;
        }
        return 0;
    }
    if (IS(0, "CHECK")) {
        req->cmd = RM_CTL_CHECK;
        return parse_check(tok, tlen, ntok, req, err, errlen);
    }
#undef IS
    quote(q, sizeof(q), tok[0], tlen[0]);
    snprintf(err, errlen, "unknown command %s", q);
    return -1;
}

/* append - add text at *o of buf (len bytes), counting what does not fit */

static void append(char *buf, size_t len, size_t *o, const char *text, bool xtext)
{
    char   *at = *o < len ? buf + *o : NULL;
    size_t  room = *o < len ? len - *o : 0;

    if (xtext) {
        *o += xtext_encode(text, at ? at : buf, at ? room : 0);
        return;
    }
    if (at)
        snprintf(at, room, "%s", text);
    *o += strlen(text);
}

/* format_check - CHECK's line; the length it needs */

static size_t format_check(const rm_ctl_req *req, char *buf, size_t len)
{
    char    a[RM_ADDR_STRLEN];
    size_t  o = 0;

    append(buf, len, &o, "CHECK ", false);
    if (req->client_state == RM_ADDR_KNOWN)
        rm_addr_format(&req->client, a, sizeof(a));
    else
        snprintf(a, sizeof(a), "none");
    append(buf, len, &o, a, false);
    if (req->local_state != RM_ADDR_MISSING) {
        rm_addr_format(&req->local, a, sizeof(a));
        append(buf, len, &o, " local=", false);
        append(buf, len, &o, a, false);
    }
    if (req->auth)
        append(buf, len, &o, " auth", false);
    if (req->has_rcpt) {
        append(buf, len, &o, " rcpt=", false);
        append(buf, len, &o, req->rcpt, true);
    }
    if (req->has_mailer) {
        append(buf, len, &o, " mailer=", false);
        append(buf, len, &o, req->mailer, true);
    }
    append(buf, len, &o, "\n", false);
    return o;
}

/* rm_ctl_format_request - the command line for a request */

size_t  rm_ctl_format_request(const rm_ctl_req *req, char *buf, size_t len)
{
    int     n;

    switch (req->cmd) {
    case RM_CTL_RELOAD:
        n = snprintf(buf, len, "RELOAD\n");
        break;
    case RM_CTL_STATUS:
        n = snprintf(buf, len, "STATUS\n");
        break;
    default:
        return format_check(req, buf, len);
    }
    return n < 0 ? 0 : (size_t) n;
}

/* rm_ctl_req_check - a CHECK request from a verdict's input */

int     rm_ctl_req_check(const rm_verdict_in *in, rm_ctl_req *req, char *err, size_t errlen)
{
    memset(req, 0, sizeof(*req));
    req->cmd = RM_CTL_CHECK;
    req->auth = in->auth;
    req->client_state = in->client_state;
    req->client = in->client;
    if (in->client_state != RM_ADDR_KNOWN && in->client_state != RM_ADDR_MISSING) {
        snprintf(err, errlen, "CHECK carries a client address or none, not a %s one",
                 rm_addr_state_name(in->client_state));
        return -1;
    }
    req->local_state = in->local_state;
    req->local = in->local;
    if (in->local_state == RM_ADDR_BAD) {
        snprintf(err, errlen, "CHECK cannot carry a server address that is not an address");
        return -1;
    }
    if (!in->rcpt_is_relay && in->rcpt) {
        if (in->rcpt_len >= sizeof(req->rcpt) || memchr(in->rcpt, '\0', in->rcpt_len)) {
            snprintf(err, errlen, "the recipient is over %zu bytes or holds a NUL byte", sizeof(req->rcpt) - 1);
            return -1;
        }
        memcpy(req->rcpt, in->rcpt, in->rcpt_len);
        req->rcpt[in->rcpt_len] = '\0';
        req->has_rcpt = true;
    }
    if (in->mailer) {
        if (strlen(in->mailer) >= sizeof(req->mailer)) {
            snprintf(err, errlen, "the mailer name is over %zu bytes", sizeof(req->mailer) - 1);
            return -1;
        }
        snprintf(req->mailer, sizeof(req->mailer), "%s", in->mailer);
        req->has_mailer = true;
    }
    return 0;
}

/* rm_ctl_req_verdict_in - the verdict's input a CHECK asks about */

void    rm_ctl_req_verdict_in(const rm_ctl_req *req, rm_verdict_in *in)
{
    rm_verdict_in_init(in);
    in->client_state = req->client_state;
    in->client = req->client;
    in->local_state = req->local_state;
    in->local = req->local;
    in->auth = req->auth;
    in->rcpt_is_relay = !req->has_rcpt;
    if (req->has_rcpt) {
        in->rcpt = req->rcpt;
        in->rcpt_len = strlen(req->rcpt);
    }
    in->mailer = req->has_mailer ? req->mailer : NULL;
}
