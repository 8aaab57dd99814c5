/* rm_ctl - the control-socket protocol: parse a command line, format replies */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rm_ctl.h"

#define USAGE_CHECK "usage: CHECK ADDRESS [local=ADDRESS] [auth]"

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
        bool    seen_local = false, seen_auth = false;

        req->cmd = RM_CTL_CHECK;
        if (ntok < 2) {
            snprintf(err, errlen, "%s", USAGE_CHECK);
            return -1;
        }
        if (parse_addr(tok[1], tlen[1], &req->client, err, errlen) < 0)
            return -1;
        for (size_t k = 2; k < ntok; k++) {
            if (IS(k, "auth") && !seen_auth) {
                req->auth = seen_auth = true;
            } else if (tlen[k] > 6 && strncasecmp(tok[k], "local=", 6) == 0 && !seen_local) {
                if (parse_addr(tok[k] + 6, tlen[k] - 6, &req->local, err, errlen) < 0)
                    return -1;
                seen_local = true;
            } else {
                quote(q, sizeof(q), tok[k], tlen[k]);
                snprintf(err, errlen, "unexpected %s; %s", q, USAGE_CHECK);
                return -1;
            }
        }
        return 0;
    }
#undef IS
    quote(q, sizeof(q), tok[0], tlen[0]);
    snprintf(err, errlen, "unknown command %s", q);
    return -1;
}

/* rm_ctl_format_request - the command line for a request */

size_t  rm_ctl_format_request(const rm_ctl_req *req, char *buf, size_t len)
{
    char    c[RM_ADDR_STRLEN], l[RM_ADDR_STRLEN];
    int     n;

    switch (req->cmd) {
    case RM_CTL_RELOAD:
        n = snprintf(buf, len, "RELOAD\n");
        break;
    case RM_CTL_STATUS:
        n = snprintf(buf, len, "STATUS\n");
        break;
    default:
        rm_addr_format(&req->client, c, sizeof(c));
        if (req->local.family != RM_AF_NONE)
            rm_addr_format(&req->local, l, sizeof(l));
        n = snprintf(buf, len, "CHECK %s%s%s%s\n", c,
                     req->local.family != RM_AF_NONE ? " local=" : "",
                     req->local.family != RM_AF_NONE ? l : "",
                     req->auth ? " auth" : "");
        break;
    }
    return n < 0 ? 0 : (size_t) n;
}

/* The reply buffer. */

void    rm_ctl_buf_init(rm_ctl_buf *b, char *mem, size_t cap)
{
    b->data = mem;
    b->cap = cap;
    b->len = 0;
    b->truncated = false;
    if (cap)
        mem[0] = '\0';
}

/* rm_ctl_line - append one line, made safe, and its newline */

void    rm_ctl_line(rm_ctl_buf *b, const char *fmt,...)
{
    char    line[2048];
    va_list ap;
    int     n;
    size_t  k;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t) n >= sizeof(line))
        n = sizeof(line) - 1;
    for (k = 0; k < (size_t) n; k++)
        if ((unsigned char) line[k] < 0x20 || line[k] == 0x7f)
            line[k] = '?';
    if (b->cap == 0 || b->len + (size_t) n + 2 > b->cap) {
        b->truncated = true;
        return;                         /* whole lines or nothing */
    }
    memcpy(b->data + b->len, line, (size_t) n);
    b->len += (size_t) n;
    b->data[b->len++] = '\n';
    b->data[b->len] = '\0';
}

void    rm_ctl_reply_err(rm_ctl_buf *b, const char *text)
{
    rm_ctl_line(b, "ERR %s", text);
}

void    rm_ctl_reply_reload_ok(rm_ctl_buf *b, uint64_t generation, const uint32_t entries[RM_LIST__COUNT])
{
    rm_ctl_line(b, "OK reloaded generation %llu: deny %lu, allow %lu, local %lu entries",
                (unsigned long long) generation, (unsigned long) entries[RM_LIST_DENY],
                (unsigned long) entries[RM_LIST_ALLOW], (unsigned long) entries[RM_LIST_LOCAL]);
}

/* rm_ctl_reply_reload_failed - the refusal, then every error kept */

void    rm_ctl_reply_reload_failed(rm_ctl_buf *b, uint64_t generation, const rm_diag *d)
{
    char    text[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];

    rm_ctl_line(b, "ERR reload failed; previous lists remain in force (generation %llu)",
                (unsigned long long) generation);
    for (size_t i = 0; i < d->count; i++) {
        if (d->msgs[i].severity != RM_SEV_ERROR)
            continue;
        rm_diag_format(&d->msgs[i], text, sizeof(text));
        rm_ctl_line(b, "%s", text);
    }
    if (d->dropped)
        rm_ctl_line(b, "error: %zu more messages were not kept", d->dropped);
}

/* rm_ctl_reply_reload_timeout - a reload that outlasted the wait for it */

void    rm_ctl_reply_reload_timeout(rm_ctl_buf *b, unsigned seconds, uint64_t generation)
{
    rm_ctl_line(b, "ERR reload still running after %u seconds; generation %llu stays in force until it ends",
                seconds, (unsigned long long) generation);
}

/* rm_ctl_reload_outcome - the reply's first line, read back */

enum rm_ctl_outcome rm_ctl_reload_outcome(const char *reply, uint64_t *generation)
{
    static const struct {
        const char *prefix;
        const char *gen;                /* where the generation follows */
        enum rm_ctl_outcome outcome;
    } forms[] = {
        {"OK reloaded generation ", "OK reloaded generation ", RM_CTL_RELOADED},
        {"ERR reload failed; ", "(generation ", RM_CTL_RELOAD_FAILED},
        {"ERR reload still running after ", "; generation ", RM_CTL_RELOAD_RUNNING},
    };
    size_t  eol = strcspn(reply, "\n");

    *generation = 0;
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        const char *g;

        if (strncmp(reply, forms[i].prefix, strlen(forms[i].prefix)) != 0)
            continue;
        g = strstr(reply, forms[i].gen);
        if (g != NULL && (size_t) (g - reply) < eol)
            *generation = strtoull(g + strlen(forms[i].gen), NULL, 10);
        return forms[i].outcome;
    }
    return RM_CTL_RELOAD_OTHER;
}

/* rm_ctl_format_time - ISO 8601 in UTC */

size_t  rm_ctl_format_time(time_t t, char *buf, size_t len)
{
    struct tm tm;

    if (len == 0)
        return 0;
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, len, "unknown");
        return strlen(buf);
    }
    return strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void    rm_ctl_reply_status(rm_ctl_buf *b, const rm_ctl_status *st)
{
    char    when[40], flags[64];

    rm_ctl_format_time(st->loaded_at, when, sizeof(when));
    rm_flags_format(st->relay_flags, flags, sizeof(flags));
    rm_ctl_line(b, "OK status");
    rm_ctl_line(b, "pid: %ld", st->pid);
    rm_ctl_line(b, "version: %s", st->version);
    rm_ctl_line(b, "uptime_seconds: %llu", (unsigned long long) st->uptime_seconds);
    rm_ctl_line(b, "generation: %llu", (unsigned long long) st->generation);
    rm_ctl_line(b, "loaded_at: %s", when);
    rm_ctl_line(b, "relay_flags: %s", flags);
    rm_ctl_line(b, "mode: %s", st->mode);
    rm_ctl_line(b, "entries_deny: %lu", (unsigned long) st->entries[RM_LIST_DENY]);
    rm_ctl_line(b, "entries_allow: %lu", (unsigned long) st->entries[RM_LIST_ALLOW]);
    rm_ctl_line(b, "entries_local: %lu", (unsigned long) st->entries[RM_LIST_LOCAL]);
    rm_ctl_line(b, "reloads_ok: %llu", (unsigned long long) st->reloads_ok);
    rm_ctl_line(b, "reloads_failed: %llu", (unsigned long long) st->reloads_failed);
    rm_ctl_line(b, "last_reload: %s", st->last_reload);
    rm_ctl_line(b, "last_reload_error: %s",
                st->last_reload_error && st->last_reload_error[0] ? st->last_reload_error : "none");
    for (int k = 0; k < RM_CTL_D__COUNT; k++)
        rm_ctl_line(b, "decisions_%s: %llu", decision_names[k],
                    (unsigned long long) st->decisions[k]);
}

/* rm_ctl_reply_check - the same words as relayctl check */

void    rm_ctl_reply_check(rm_ctl_buf *b, bool allow, enum rm_rule rule,
                           const char *where, const char *entry)
{
    if (where && where[0])
        rm_ctl_line(b, "OK %s %s %s%s%s", allow ? "allow" : "deny", rm_rule_name(rule),
                    where, entry && entry[0] ? " " : "", entry ? entry : "");
    else
        rm_ctl_line(b, "OK %s %s", allow ? "allow" : "deny", rm_rule_name(rule));
}
