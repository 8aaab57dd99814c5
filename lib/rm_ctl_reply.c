/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rm_ctl_reply - the control socket's replies, written and read back.
 *
 * A reply's first line starts with OK or ERR; "key: value" lines follow.
 * The fields of a reply are one walk over its struct (status_walk,
 * check_walk): writing, the walk turns each field into its line; reading,
 * the same walk takes each field from the next line.  So the two sides
 * cannot disagree on a key, on the order of the keys, or on the form of a
 * value.  A first line with numbers in it is a pattern in which "#" is a
 * number: fill() writes it, match() reads it.
 */

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rm_ctl.h"
#include "rm_ctl_field.h"
#include "rm_kind.h"

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

/* fill - pat with each "#" replaced by the next number of v */

static void fill(char *buf, size_t len, const char *pat, const uint64_t *v)
{
    size_t  o = 0;

    for (; *pat && o + 1 < len; pat++) {
        int     k;

        if (*pat != '#') {
            buf[o++] = *pat;
            continue;
        }
        k = snprintf(buf + o, len - o, "%llu", (unsigned long long) *v++);
        if (k < 0 || (size_t) k >= len - o) {
            o = len - 1;
            break;
        }
        o += (size_t) k;
    }
    buf[o] = '\0';
}

/*
 * match - does line (n bytes) read as pat, each "#" a number into the
 * next of v?  1 yes, 0 no; -1 when it does but a number is over max, with
 * why in err.
 */
static int match(const char *line, size_t n, const char *pat, uint64_t max, uint64_t *v,
                 char *err, size_t errlen)
{
    size_t  i = 0;

    for (; *pat; pat++) {
        size_t  k;
        bool    over;

        if (*pat != '#') {
            if (i >= n || line[i] != *pat)
                return 0;
            i++;
            continue;
        }
        if ((k = rm_ctlf_number(line + i, n - i, max, v, &over)) == 0)
            return 0;
        if (over) {
            snprintf(err, errlen, "line 1: the number \"%.*s\" is over %llu", (int) (k > 40 ? 40 : k),
                     line + i, (unsigned long long) max);
            return -1;
        }
        i += k;
        v++;
    }
    return i == n;
}

/* The RELOAD replies' first lines. */
static const char RELOAD_OK[] = "OK reloaded generation #: deny #, allow #, local # entries";
static const char RELOAD_FAILED[] = "ERR reload failed; previous lists remain in force (generation #)";
static const char RELOAD_RUNNING[] =
    "ERR reload still running after # seconds; generation # stays in force until it ends";

void    rm_ctl_reply_reload_ok(rm_ctl_buf *b, uint64_t generation, const uint32_t entries[RM_LIST__COUNT])
{
    const uint64_t v[] = {generation, entries[RM_LIST_DENY], entries[RM_LIST_ALLOW], entries[RM_LIST_LOCAL]};
    char    line[sizeof(RELOAD_OK) + 4 * 20];

    fill(line, sizeof(line), RELOAD_OK, v);
    rm_ctl_line(b, "%s", line);
}

/* rm_ctl_reply_reload_failed - the refusal, then every error kept */

void    rm_ctl_reply_reload_failed(rm_ctl_buf *b, uint64_t generation, const rm_diag *d)
{
    char    text[RM_CTL_ERROR_LEN];

    fill(text, sizeof(text), RELOAD_FAILED, &generation);
    rm_ctl_line(b, "%s", text);
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
    const uint64_t v[] = {seconds, generation};
    char    line[sizeof(RELOAD_RUNNING) + 2 * 20];

    fill(line, sizeof(line), RELOAD_RUNNING, v);
    rm_ctl_line(b, "%s", line);
}

/* small - numbers v[from..n) fit 32 bits; else -1 with why */

static int small(const uint64_t *v, int from, int n, char *err, size_t errlen)
{
    for (int i = from; i < n; i++)
        if (v[i] > UINT32_MAX) {
            snprintf(err, errlen, "line 1: the number %llu is over %lu", (unsigned long long) v[i],
                     (unsigned long) UINT32_MAX);
            return -1;
        }
    return 0;
}

/* rm_ctl_parse_reload_reply - a RELOAD reply back into what it says */

int     rm_ctl_parse_reload_reply(const char *reply, rm_ctl_reload_reply *r, char *err, size_t errlen)
{
    size_t  n = strcspn(reply, "\n");
    uint64_t v[4];
    int     rc, m;

    memset(r, 0, sizeof(*r));
    if ((rc = rm_ctlf_reply_check(reply, err, errlen)) < 0)
        return -1;
    if ((m = match(reply, n, RELOAD_OK, UINT64_MAX, v, err, errlen)) != 0) {
        if (m < 0 || small(v, 1, 4, err, errlen) < 0)
            return -1;
        r->outcome = RM_CTL_RELOADED;
        r->generation = v[0];
        r->entries[RM_LIST_DENY] = (uint32_t) v[1];
        r->entries[RM_LIST_ALLOW] = (uint32_t) v[2];
        r->entries[RM_LIST_LOCAL] = (uint32_t) v[3];
    } else if ((m = match(reply, n, RELOAD_FAILED, UINT64_MAX, v, err, errlen)) != 0) {
        if (m < 0)
            return -1;
        r->outcome = RM_CTL_RELOAD_FAILED;
        r->generation = v[0];
        for (const char *p = reply + n + 1; *p; p += strcspn(p, "\n") + 1)
            r->errors++;
        return 0;                       /* the lines of errors are the daemon's text */
    } else if ((m = match(reply, n, RELOAD_RUNNING, UINT64_MAX, v, err, errlen)) != 0) {
        if (m < 0 || small(v, 0, 1, err, errlen) < 0)
            return -1;
        r->outcome = RM_CTL_RELOAD_RUNNING;
        r->seconds = (unsigned) v[0];
        r->generation = v[1];
    } else if (rc == 1) {
        return 1;
    } else {
        snprintf(err, errlen, "not a RELOAD reply: \"%.*s\"", (int) (n > 80 ? 80 : n), reply);
        return -1;
    }
    if (reply[n + 1] != '\0') {
        snprintf(err, errlen, "line 2 of the RELOAD reply is left over: \"%.*s\"",
                 (int) (strcspn(reply + n + 1, "\n") > 80 ? 80 : strcspn(reply + n + 1, "\n")), reply + n + 1);
        return -1;
    }
    return 0;
}

/* source_key - "list_NAME_KEY" */

static const char *source_key(char *buf, size_t len, const char *name, const char *key)
{
    snprintf(buf, len, "list_%s_%s", name, key);
    return buf;
}

/* source_walk - the lines of one list's source; times as ISO 8601 or "never" */

static void source_walk(walker *w, rm_ctl_source *s, int i)
{
    uint64_t *const fetches[RM_CTL_FETCH__COUNT] = {
        [RM_CTL_FETCH_OK] = &s->fetch_ok, [RM_CTL_FETCH_NOT_MODIFIED] = &s->fetch_not_modified,
        [RM_CTL_FETCH_FAILED] = &s->fetch_failed,
    };
    char    key[64];

    if (w->reading)
        s->name = rm_ctl_source_name(i);
    if (s->name == NULL)
        return;                         /* writing a source that is not there */
    if (!rm_ctlf_group(w, source_key(key, sizeof(key), s->name, "source"), s->source[0] != '\0'))
        return;
    rm_ctlf_field(w, key, V_SOME, s->source, sizeof(s->source));
    s->url = rm_ctlf_group(w, source_key(key, sizeof(key), s->name, "cache"), s->url);
    if (s->url) {
        rm_ctlf_field(w, key, V_TEXT, s->cache, sizeof(s->cache));
        rm_ctlf_field(w, source_key(key, sizeof(key), s->name, "etag"), V_NONE, s->etag, sizeof(s->etag));
        rm_ctlf_field(w, source_key(key, sizeof(key), s->name, "last_modified"), V_NONE, s->last_modified,
              sizeof(s->last_modified));
        rm_ctlf_field(w, source_key(key, sizeof(key), s->name, "last_fetch"), V_NEVER, &s->last_fetch, 0);
    }
    rm_ctlf_field(w, source_key(key, sizeof(key), s->name, "last_change"), V_NEVER, &s->last_change, 0);
    rm_ctlf_field(w, source_key(key, sizeof(key), s->name, "last_error"), V_NONE, s->last_error, sizeof(s->last_error));
    rm_ctlf_field(w, source_key(key, sizeof(key), s->name, "age_seconds"), V_U64, &s->age_seconds, 0);
    for (int r = 0; s->url && r < RM_CTL_FETCH__COUNT; r++) {
        char    what[32];

        snprintf(what, sizeof(what), "fetches_%s", rm_ctl_fetch_name((enum rm_ctl_fetch) r));
        rm_ctlf_field(w, source_key(key, sizeof(key), s->name, what), V_U64, fetches[r], 0);
    }
}

/* status_walk - the fields of STATUS, in order (writing, st is only read) */

static void status_walk(walker *w, rm_ctl_status *st)
{
    char    key[64];

    rm_ctlf_field(w, "pid", V_LONG, &st->pid, 0);
    rm_ctlf_field(w, "version", V_TEXT, st->version, sizeof(st->version));
    rm_ctlf_field(w, "uptime_seconds", V_U64, &st->uptime_seconds, 0);
    rm_ctlf_field(w, "generation", V_U64, &st->generation, 0);
    rm_ctlf_field(w, "loaded_at", V_TIME, &st->loaded_at, 0);
    rm_ctlf_field(w, "relay_flags", V_FLAGS, &st->relay_flags, 0);
    rm_ctlf_field(w, "mode", V_TEXT, st->mode, sizeof(st->mode));
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        snprintf(key, sizeof(key), "entries_%s", rm_kind_name((enum rm_list_kind) k));
        rm_ctlf_field(w, key, V_U32, &st->entries[k], 0);
    }
    rm_ctlf_field(w, "reloads_ok", V_U64, &st->reloads_ok, 0);
    rm_ctlf_field(w, "reloads_failed", V_U64, &st->reloads_failed, 0);
    rm_ctlf_field(w, "last_reload", V_TEXT, st->last_reload, sizeof(st->last_reload));
    rm_ctlf_field(w, "last_reload_error", V_NONE, st->last_reload_error, sizeof(st->last_reload_error));
    for (int k = 0; k < RM_CTL_D__COUNT; k++) {
        snprintf(key, sizeof(key), "decisions_%s", rm_ctl_decision_name((enum rm_ctl_decision) k));
        rm_ctlf_field(w, key, V_U64, &st->decisions[k], 0);
    }
    for (int i = 0; i < RM_CTL_SOURCES; i++)
        source_walk(w, &st->sources[i], i);
}

void    rm_ctl_status_fields(const rm_ctl_status *st,
                             void (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
    walker  w = {.fn = fn,.ctx = ctx};

    status_walk(&w, (rm_ctl_status *) st);
}

/* reply_line - a walk's "key: value" line into the reply buffer */

static void reply_line(void *ctx, const char *key, const char *value)
{
    rm_ctl_line(ctx, "%s: %s", key, value);
}

void    rm_ctl_reply_status(rm_ctl_buf *b, const rm_ctl_status *st)
{
    rm_ctl_line(b, "OK status");
    rm_ctl_status_fields(st, reply_line, b);
}

int     rm_ctl_parse_status_reply(const char *reply, rm_ctl_status *st, char *err, size_t errlen)
{
    walker  w;
    int     rc;

    memset(st, 0, sizeof(*st));
    if ((rc = rm_ctlf_read_start(&w, reply, "OK status", false, "STATUS", err, errlen)) != 0)
        return rc;
    w.newer = true;                     /* a newer daemon may report more */
    w.first = w.next;
    status_walk(&w, st);
    return rm_ctlf_read_end(&w);
}

/*
 * The text fields of a CHECK reply, in order, each there when it is not
 * empty; "verdict" comes before them and "line" after.
 */
#define RF(f) offsetof(rm_verdict_report, f), sizeof(((rm_verdict_report *) 0)->f)
static const struct {
    const char *key;
    size_t  off, size;
} report_fields[] = {
    {"rule", RF(rule)},
    {"no_decision", RF(no_decision)},
    {"recipient", RF(recipient)},
    {"recipient_reason", RF(recipient_reason)},
    {"list", RF(list)},
    {"file", RF(file)},
    {"entry", RF(entry)},
};
#undef RF

/* check_walk - the fields of a CHECK reply after its first line */

static void check_walk(walker *w, rm_verdict_report *r)
{
    rm_ctlf_field(w, "verdict", V_KIND, &r->kind, 0);
    for (size_t k = 0; k < sizeof(report_fields) / sizeof(report_fields[0]); k++) {
        char   *v = (char *) r + report_fields[k].off;

        if (rm_ctlf_group(w, report_fields[k].key, v[0] != '\0'))
            rm_ctlf_field(w, report_fields[k].key, V_SOME, v, report_fields[k].size);
    }
    if (rm_ctlf_group(w, "line", r->line != 0))
        rm_ctlf_field(w, "line", V_LINE, &r->line, 0);
}

/* check_summary - a CHECK reply's first line: the verdict in one line */

static void check_summary(const rm_verdict_report *r, char *buf, size_t len)
{
    const char *kind = rm_verdict_kind_name(r->kind);

    if (r->kind == RM_VERDICT_LOCAL)
        snprintf(buf, len, "OK local %s", r->recipient_reason);
    else if (r->kind == RM_VERDICT_NONE)
        snprintf(buf, len, "OK no-decision %s", r->no_decision);
    else if (r->file[0])
        snprintf(buf, len, "OK %s %s %s:%u %s", kind, r->rule, r->file, r->line, r->entry);
    else
        snprintf(buf, len, "OK %s %s", kind, r->rule);
}

/* rm_ctl_reply_check - the summary line, then each field that applies */

void    rm_ctl_reply_check(rm_ctl_buf *b, const rm_verdict_report *r)
{
    char    summary[sizeof(r->file) + sizeof(r->entry) + 128];
    walker  w = {.fn = reply_line,.ctx = b};

    check_summary(r, summary, sizeof(summary));
    rm_ctl_line(b, "%s", summary);
    check_walk(&w, (rm_verdict_report *) r);
}

/* rm_ctl_parse_check_reply - the fields back, and the first line must
 * say what they say */

int     rm_ctl_parse_check_reply(const char *reply, rm_verdict_report *r, char *err, size_t errlen)
{
    char    summary[sizeof(r->file) + sizeof(r->entry) + 128];
    walker  w;
    size_t  n = strcspn(reply, "\n");
    int     rc;

    memset(r, 0, sizeof(*r));
    if ((rc = rm_ctlf_read_start(&w, reply, "OK ", true, "CHECK", err, errlen)) != 0)
        return rc;
    check_walk(&w, r);
    if (rm_ctlf_read_end(&w) < 0)
        return -1;
    check_summary(r, summary, sizeof(summary));
    if (strlen(summary) != n || strncmp(summary, reply, n) != 0) {
        snprintf(err, errlen, "line 1 does not say what the fields say: \"%.*s\"", (int) (n > 80 ? 80 : n), reply);
        return -1;
    }
    return 0;
}
