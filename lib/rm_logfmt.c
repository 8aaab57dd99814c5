/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_logfmt - one key=value log line per recipient decision, and its reader */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rm_logfmt.h"
#include "rm_snapshot.h"

/* The keys, in the order every line has them. */
enum lkey {
    L_VERDICT, L_ACTION, L_QUEUE_ID, L_CLIENT, L_HELO, L_SENDER, L_SASL_USER,
    L_SERVER, L_RCPT, L_RULE, L_LIST, L_ENTRY, L_RELAY_REASON, L_REASON, L__COUNT
};

static const char *const key_names[L__COUNT] = {
    [L_VERDICT] = "verdict", [L_ACTION] = "action", [L_QUEUE_ID] = "queue_id",
    [L_CLIENT] = "client", [L_HELO] = "helo", [L_SENDER] = "sender",
    [L_SASL_USER] = "sasl_user", [L_SERVER] = "server", [L_RCPT] = "rcpt",
    [L_RULE] = "rule", [L_LIST] = "list", [L_ENTRY] = "entry",
    [L_RELAY_REASON] = "relay_reason", [L_REASON] = "reason",
};

#define TRUNCATED " truncated=yes"
#define HEX "0123456789abcdef"

const char *rm_logfmt_key(size_t i)
{
    return i < L__COUNT ? key_names[i] : NULL;
}

/* is_bare - may this byte stand in a value without quotes? */

static bool is_bare(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* byte_len - the bytes c takes inside quotes */

static size_t byte_len(unsigned char c)
{
    return (c == '"' || c == '\\') ? 2 : (c <= 0x20 || c >= 0x7f) ? 4 : 1;
}

/* value_len - the bytes v takes in a line, quoted where it has to be */

static size_t value_len(const char *v)
{
    size_t  n = 0;
    bool    bare = v[0] != '\0';

    for (const unsigned char *p = (const unsigned char *) v; *p; p++) {
        bare = bare && is_bare(*p);
        n += byte_len(*p);
    }
    return bare ? n : n + 2;
}

/*
 * put_value - write v as value_len() said, or, when that is over cap
 * (at least 2), the longest start of v that fits in cap bytes, and set
 * *cut; dst has room
 */
static char *put_value(char *dst, const char *v, size_t cap, bool *cut)
{
    bool    bare = v[0] != '\0';
    size_t  used = 2;                   /* the quotes */

    for (const unsigned char *p = (const unsigned char *) v; *p && bare; p++)
        bare = is_bare(*p);
    if (bare) {
        size_t  n = strlen(v);

        if (n > cap) {
            n = cap;
            *cut = true;
        }
        memcpy(dst, v, n);
        return dst + n;
    }
    *dst++ = '"';
    for (const unsigned char *p = (const unsigned char *) v; *p; p++) {
        if ((used += byte_len(*p)) > cap) {
            *cut = true;
            break;
        }
        if (*p == '"' || *p == '\\') {
            *dst++ = '\\';
            *dst++ = (char) *p;
        } else if (byte_len(*p) == 4) {
            *dst++ = '\\';
            *dst++ = 'x';
            *dst++ = HEX[*p >> 4];
            *dst++ = HEX[*p & 15];
        } else {
            *dst++ = (char) *p;
        }
    }
    *dst++ = '"';
    return dst;
}

/*
 * A line being built: every pair is added, a value cut to cap when the
 * whole line would not fit; in a buffer too small for that, whole pairs
 * are left out instead.
 */
typedef struct line {
    char   *buf;
    size_t  len;                        /* room, NUL and TRUNCATED reserved */
    size_t  pos;
    size_t  cap;                        /* the most a value may take */
    bool    truncated;
} line;

static void add(line *l, enum lkey k, const char *v)
{
    size_t  kn = strlen(key_names[k]), vn = value_len(v), need;

    need = (l->pos ? 1 : 0) + kn + 1 + (vn < l->cap ? vn : l->cap);
    if (l->pos + need > l->len) {
        l->truncated = true;
        l->cap = 0;                     /* no later pair either */
        return;
    }
    if (l->pos)
        l->buf[l->pos++] = ' ';
    memcpy(l->buf + l->pos, key_names[k], kn);
    l->pos += kn;
    l->buf[l->pos++] = '=';
    l->pos = (size_t) (put_value(l->buf + l->pos, v, l->cap, &l->truncated) - l->buf);
}

/* line_need - the bytes of a whole line whose values take at most cap */

static size_t line_need(const char *const val[L__COUNT], size_t cap)
{
    size_t  n = L__COUNT - 1, vn;

    for (size_t k = 0; k < L__COUNT; k++) {
        vn = value_len(val[k]);
        n += strlen(key_names[k]) + 1 + (vn < cap ? vn : cap);
    }
    return n;
}

/*
 * fair_cap - the most a value may take so that the line fits in room:
 * no limit when it fits as it is, else the largest cap that fits, so that
 * a client's long values share the room and never push out the short
 * ones that say what was decided.  No limit either when even values of 2
 * bytes ("") do not fit: then whole pairs are left out.
 */
static size_t fair_cap(const char *const val[L__COUNT], size_t room)
{
    size_t  lo = 2, hi = room, mid;

    if (line_need(val, SIZE_MAX) <= room || line_need(val, lo) > room)
        return SIZE_MAX;
    while (lo < hi) {                   /* need(lo) fits, need(hi + 1) does not */
        mid = lo + (hi - lo + 1) / 2;
        if (line_need(val, mid) <= room)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* rm_logfmt_decision - the whole line for one decision */

size_t  rm_logfmt_decision(char *buf, size_t len, const rm_logfmt_facts *f,
                           const rm_snapshot *s, const rm_verdict_in *in, const rm_verdict *v)
{
    char    where[RM_PATH_LEN + 16] = "", entry[RM_ENTRY_STRLEN] = "", why[128] = "";
    const char *reason = f->reason, *val[L__COUNT];
    line    l = {buf, 0, 0, 0, false};
    bool    have = s != NULL && in != NULL && v != NULL;

    if (len < sizeof(TRUNCATED) + 1) {
        if (len)
            buf[0] = '\0';
        return 0;
    }
    l.len = len - sizeof(TRUNCATED);
    if (have) {
        if (v->asked_policy)
            rm_snapshot_where(s, &v->decision, where, sizeof(where), entry, sizeof(entry));
        rm_verdict_relay_reason(v, in, why, sizeof(why));
        if (v->kind == RM_VERDICT_NONE)
            reason = rm_verdict_nodec_name(v->nodec);
    }
    val[L_VERDICT] = rm_verdict_kind_name(have ? v->kind : RM_VERDICT_NONE);
    val[L_ACTION] = f->action;
    val[L_QUEUE_ID] = f->queue_id;
    val[L_CLIENT] = f->client;
    val[L_HELO] = f->helo;
    val[L_SENDER] = f->sender;
    val[L_SASL_USER] = f->sasl_user;
    val[L_SERVER] = f->server;
    val[L_RCPT] = f->rcpt;
    val[L_RULE] = have && v->asked_policy ? rm_rule_name(v->decision.rule) : "";
    val[L_LIST] = where;
    val[L_ENTRY] = entry;
    val[L_RELAY_REASON] = why;
    val[L_REASON] = reason;
    for (size_t k = 0; k < L__COUNT; k++)
        if (val[k] == NULL)
            val[k] = "";
    l.cap = fair_cap(val, l.len);
    for (size_t k = 0; k < L__COUNT && l.cap > 0; k++)
        add(&l, (enum lkey) k, val[k]);
    if (l.truncated) {
        memcpy(buf + l.pos, TRUNCATED, sizeof(TRUNCATED));
        return l.pos + sizeof(TRUNCATED) - 1;
    }
    buf[l.pos] = '\0';
    return l.pos;
}

/* hexval - 0..15 for a lowercase hex digit (what put_value writes), or -1 */

static int hexval(char c)
{
    const char *p = c ? strchr(HEX, c) : NULL;

    return p ? (int) (p - HEX) : -1;
}

/* read_quoted - decode "..." at q (after the opening quote); returns the
 * byte after the closing quote, or NULL */

static const char *read_quoted(const char *q, char *val, size_t vlen)
{
    size_t  n = 0;
    int     hi, lo;
    char    c;

    for (;;) {
        if (*q == '\0')
            return NULL;
        if (*q == '"')
            break;
        if (*q == '\\') {
            if (q[1] == '"' || q[1] == '\\') {
                c = q[1];
                q += 2;
            } else if (q[1] == 'x' && (hi = hexval(q[2])) >= 0 && (lo = hexval(q[3])) >= 0) {
                c = (char) (hi << 4 | lo);
                q += 4;
            } else {
                return NULL;
            }
        } else if (is_bare((unsigned char) *q)) {
            c = *q++;
        } else {
            return NULL;                /* raw space or control byte */
        }
        if (n + 1 >= vlen)
            return NULL;
        val[n++] = c;
    }
    val[n] = '\0';
    return q + 1;
}

/* rm_logfmt_next - one pair of a line */

int     rm_logfmt_next(const char **p, char *key, size_t klen, char *val, size_t vlen)
{
    const char *s = *p, *k, *e;
    size_t  n;

    while (*s == ' ')
        s++;
    if (*s == '\0') {
        *p = s;
        return 0;
    }
    for (k = s; (*s >= 'a' && *s <= 'z') || *s == '_'; s++)
        ;
    if (s == k || *s != '=' || (size_t) (s - k) >= klen || vlen == 0)
        return -1;
    memcpy(key, k, (size_t) (s - k));
    key[s - k] = '\0';
    s++;
    if (*s == '"') {
        if ((e = read_quoted(s + 1, val, vlen)) == NULL)
            return -1;
    } else {
        for (e = s; *e && *e != ' '; e++)
            if (!is_bare((unsigned char) *e))
                return -1;
        if ((n = (size_t) (e - s)) == 0 || n >= vlen)
            return -1;
        memcpy(val, s, n);
        val[n] = '\0';
    }
    if (*e != '\0' && *e != ' ')
        return -1;
    *p = e;
    return 1;
}
