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

/*
 * number - the decimal number at s (at most n bytes) into *v: the count
 * of digits taken, or 0 when there is none or it has a leading zero (the
 * daemon writes none).  *over is set when it exceeds max.
 */
static size_t number(const char *s, size_t n, uint64_t max, uint64_t *v, bool *over)
{
    size_t  i = 0;

    *v = 0;
    *over = false;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        unsigned d = (unsigned) (s[i] - '0');

        if (*v > (max - d) / 10)
            *over = true;
        else
            *v = *v * 10 + d;
        i++;
    }
    return i > 1 && s[0] == '0' ? 0 : i;
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
        if ((k = number(line + i, n - i, max, v, &over)) == 0)
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

/*
 * reply_check - what every reply is before it is read: not empty, no
 * control byte, the last line ended (a reply cut short has not).  Then an
 * ERR is 1 with its text in err.  Returns 0, 1 or -1 with why in err.
 */
static int reply_check(const char *reply, char *err, size_t errlen)
{
    unsigned line = 1;
    size_t  col = 1, n = 0;

    if (reply[0] == '\0') {
        snprintf(err, errlen, "the reply is empty");
        return -1;
    }
    for (const char *p = reply; *p; p++, n++) {
        unsigned char c = (unsigned char) *p;

        if (c == '\n') {
            line++;
            col = 1;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            snprintf(err, errlen, "control byte 0x%02x in line %u, column %zu of the reply", c, line, col);
            return -1;
        }
        col++;
    }
    if (reply[n - 1] != '\n') {
        snprintf(err, errlen, "the reply is cut short: line %u has no newline", line);
        return -1;
    }
    if (strncmp(reply, "ERR ", 4) == 0) {
        snprintf(err, errlen, "%.*s", (int) strcspn(reply + 4, "\n"), reply + 4);
        return 1;
    }
    return 0;
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
    if ((rc = reply_check(reply, err, errlen)) < 0)
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

/*
 * A walk over a reply's fields, one direction or the other.  Writing, each
 * field's value is turned into text and given to fn.  Reading, each field
 * is taken from the next line; the first failure is kept in err and the
 * rest of the walk does nothing.
 */
enum vtype {
    V_U64,                              /* uint64_t */
    V_U32,                              /* uint32_t */
    V_LONG,                             /* long, not negative */
    V_LINE,                             /* unsigned, not 0 */
    V_TIME,                             /* time_t, ISO 8601 */
    V_NEVER,                            /* time_t, ISO 8601, or "never" for 0 */
    V_FLAGS,                            /* unsigned relay_flags, rm_flags_format */
    V_KIND,                             /* enum rm_verdict_kind */
    V_TEXT,                             /* char[size] */
    V_SOME,                             /* char[size], not empty: a field there when it is not */
    V_NONE                              /* char[size], written "none" when empty */
};

typedef struct walker {
    bool    reading;
    void    (*fn) (void *ctx, const char *key, const char *value);
    void   *ctx;
    const char *next;                   /* reading: the next line */
    unsigned lineno;                    /* its number in the reply */
    char   *err;
    size_t  errlen;
    bool    failed;
    bool    newer;                      /* reading: skip keys a newer daemon added */
    const char *first;                  /* reading: the first field's line */
} walker;

static void value_text(enum vtype t, const void *val, char *buf, size_t len)
{
    switch (t) {
    case V_U64:
        snprintf(buf, len, "%llu", (unsigned long long) *(const uint64_t *) val);
        break;
    case V_U32:
        snprintf(buf, len, "%lu", (unsigned long) *(const uint32_t *) val);
        break;
    case V_LONG:
        snprintf(buf, len, "%ld", *(const long *) val);
        break;
    case V_LINE:
        snprintf(buf, len, "%u", *(const unsigned *) val);
        break;
    case V_NEVER:
        if (*(const time_t *) val == 0) {
            snprintf(buf, len, "never");
            break;
        }
        /* FALLTHROUGH */
    case V_TIME:
        rm_ctl_format_time(*(const time_t *) val, buf, len);
        break;
    case V_FLAGS:
        rm_flags_format(*(const unsigned *) val, buf, len);
        break;
    case V_KIND:
        snprintf(buf, len, "%s", rm_verdict_kind_name(*(const enum rm_verdict_kind *) val));
        break;
    case V_TEXT:
    case V_SOME:
    case V_NONE:
        snprintf(buf, len, "%s", t == V_NONE && *(const char *) val == '\0' ? "none" : (const char *) val);
        break;
    }
}

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date */

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    return era * 146097 + (long long) (yoe * 365 + yoe / 4 - yoe / 100 + doy) - 719468;
}

/* read_time - "2024-05-01T12:00:00Z" back to a time_t; -1 if it is not
 * what rm_ctl_format_time writes */

static int read_time(const char *v, time_t *t)
{
    unsigned f[6];
    char    back[40];
    static const unsigned at[6] = {0, 5, 8, 11, 14, 17}, width[6] = {4, 2, 2, 2, 2, 2};

    if (strlen(v) != 20)
        return -1;
    for (int i = 0; i < 6; i++) {
        f[i] = 0;
        for (unsigned k = 0; k < width[i]; k++) {
            char    c = v[at[i] + k];

            if (c < '0' || c > '9')
                return -1;
            f[i] = f[i] * 10 + (unsigned) (c - '0');
        }
    }
    if (f[1] < 1 || f[1] > 12)
        return -1;
    *t = (time_t) (days_from_civil(f[0], f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5]);
    rm_ctl_format_time(*t, back, sizeof(back));
    return strcmp(back, v) == 0 ? 0 : -1;   /* a 31st of April does not read back */
}

/* value_read - v as a value of type t into val; -1 with why */

static int value_read(enum vtype t, const char *v, void *val, size_t size, char *why, size_t whylen)
{
    static const uint64_t max[] = {[V_U64] = UINT64_MAX, [V_U32] = UINT32_MAX, [V_LONG] = LONG_MAX,
                                   [V_LINE] = UINT_MAX};
    char    e[128], back[64];
    uint64_t n;
    bool    over;
    int     k;

    switch (t) {
    case V_U64:
    case V_U32:
    case V_LONG:
    case V_LINE:
        if (v[0] == '\0' || number(v, strlen(v), max[t], &n, &over) != strlen(v)) {
            snprintf(why, whylen, "is not a number");
            return -1;
        }
        if (over || (t == V_LINE && n == 0)) {
            snprintf(why, whylen, over ? "is over %llu" : "is not a line number",
                     (unsigned long long) max[t]);
            return -1;
        }
        if (t == V_U64)
            *(uint64_t *) val = n;
        else if (t == V_U32)
            *(uint32_t *) val = (uint32_t) n;
        else if (t == V_LONG)
            *(long *) val = (long) n;
        else
            *(unsigned *) val = (unsigned) n;
        return 0;
    case V_NEVER:
        if (strcmp(v, "never") == 0) {
            *(time_t *) val = 0;
            return 0;
        }
        /* FALLTHROUGH */
    case V_TIME:
        if (read_time(v, (time_t *) val) < 0) {
            snprintf(why, whylen, "is not a time as YYYY-MM-DDTHH:MM:SSZ");
            return -1;
        }
        return 0;
    case V_FLAGS:
        if (rm_flags_parse(v, (unsigned *) val, e, sizeof(e)) < 0
            || (rm_flags_format(*(unsigned *) val, back, sizeof(back)), strcmp(back, v) != 0)) {
            snprintf(why, whylen, "is not relay flags as \"deny, allow\"");
            return -1;
        }
        return 0;
    case V_KIND:
        if ((k = rm_verdict_kind_parse(v)) < 0) {
            snprintf(why, whylen, "is not a verdict");
            return -1;
        }
        *(enum rm_verdict_kind *) val = (enum rm_verdict_kind) k;
        return 0;
    case V_TEXT:
    case V_SOME:
    case V_NONE:
        if (t != V_TEXT && v[0] == '\0') {  /* none is "none" */
            snprintf(why, whylen, "is empty");
            return -1;
        }
        if (strlen(v) >= size) {
            snprintf(why, whylen, "is over %zu bytes", size - 1);
            return -1;
        }
        snprintf(val, size, "%s", t == V_NONE && strcmp(v, "none") == 0 ? "" : v);
        return 0;
    }
    return -1;
}

/* walk_fail - keep the first failure of a reading walk */

static void walk_fail(walker *w, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static void walk_fail(walker *w, const char *fmt,...)
{
    va_list ap;

    if (w->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(w->err, w->errlen, fmt, ap);
    va_end(ap);
    w->failed = true;
}

/* line_is - does the line at p hold key's field? */

static bool line_is(const char *p, const char *key)
{
    size_t  n = strlen(key);

    return strncmp(p, key, n) == 0 && p[n] == ':' && p[n + 1] == ' ';
}

/* keyed - is the line at p a "key: value" line, its key lower case, digits and _? */

static bool keyed(const char *p)
{
    size_t  n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");

    return n > 0 && p[n] == ':' && p[n + 1] == ' ';
}

/* read_before - has the walk read a field of the key at p already? */

static bool read_before(const walker *w, const char *p)
{
    size_t  n = strcspn(p, ":");

    for (const char *q = w->first; q < w->next; q += strcspn(q, "\n") + 1)
        if (strncmp(q, p, n + 1) == 0)
            return true;
    return false;
}

/*
 * skip_newer - reading a walk that tolerates a newer daemon: when key's
 * line comes later, after only well-formed lines of keys not read yet,
 * step over those (fields this relayctl does not know).  A key read twice
 * is not skipped, and one this walk knows but finds out of order is then
 * missing where it is asked for: both fail.
 */
static void skip_newer(walker *w, const char *key)
{
    const char *p = w->next;
    unsigned skipped = 0;

    if (!w->newer || w->failed)
        return;
    while (*p && keyed(p) && !line_is(p, key) && !read_before(w, p)) {
        p += strcspn(p, "\n");
        p += *p == '\n';
        skipped++;
    }
    if (*p && line_is(p, key)) {
        w->next = p;
        w->lineno += skipped;
    }
}

/* next_is - reading: is the next line key's? */

static bool next_is(walker *w, const char *key)
{
    skip_newer(w, key);
    return !w->failed && line_is(w->next, key);
}

/* field - one field: written as its line, or read from the next line */

static void field(walker *w, const char *key, enum vtype t, void *val, size_t size)
{
    char    text[4096], why[128];
    size_t  n;

    if (w->failed)
        return;
    if (!w->reading) {
        value_text(t, val, text, sizeof(text));
        w->fn(w->ctx, key, text);
        return;
    }
    skip_newer(w, key);
    n = strcspn(w->next, "\n");
    if (!next_is(w, key)) {
        if (n == 0)
            walk_fail(w, "the reply ends before \"%s\"", key);
        else
            walk_fail(w, "line %u: want \"%s\", got \"%.*s\"", w->lineno, key, (int) (n > 80 ? 80 : n), w->next);
        return;
    }
    if (n - strlen(key) - 2 >= sizeof(text)) {
        walk_fail(w, "line %u: \"%s\" is over %zu bytes", w->lineno, key, sizeof(text) - 1);
        return;
    }
    snprintf(text, sizeof(text), "%.*s", (int) (n - strlen(key) - 2), w->next + strlen(key) + 2);
    if (value_read(t, text, val, size, why, sizeof(why)) < 0) {
        walk_fail(w, "line %u: \"%s\" %s: \"%.80s\"", w->lineno, key, why, text);
        return;
    }
    w->next += n + 1;
    w->lineno++;
}

/* group - whether the fields that key begins are there: writing, present
 * says; reading, the next line does */

static bool group(walker *w, const char *key, bool present)
{
    return w->reading ? next_is(w, key) : present;
}

/*
 * read_start - a reply of its kind whose first line is first (whole, or
 * as its start when prefix): a walker to read the rest, or 1 (ERR) or -1
 * as reply_check says.
 */
static int read_start(walker *w, const char *reply, const char *first, bool prefix,
                      const char *what, char *err, size_t errlen)
{
    size_t  n = strcspn(reply, "\n"), k = strlen(first);
    int     rc;

    memset(w, 0, sizeof(*w));
    if ((rc = reply_check(reply, err, errlen)) != 0)
        return rc;
    if (prefix ? n < k || strncmp(reply, first, k) != 0 : n != k || strncmp(reply, first, k) != 0) {
        snprintf(err, errlen, "not a %s reply: \"%.*s\"", what, (int) (n > 80 ? 80 : n), reply);
        return -1;
    }
    w->reading = true;
    w->next = reply + n + 1;
    w->lineno = 2;
    w->err = err;
    w->errlen = errlen;
    return 0;
}

/* read_end - the walk has read every field: nothing may be left over */

static int read_end(walker *w)
{
    while (w->newer && !w->failed && keyed(w->next) && !read_before(w, w->next)) {
        w->next += strcspn(w->next, "\n");
        w->next += *w->next == '\n';
        w->lineno++;
    }
    if (!w->failed && *w->next)
        walk_fail(w, "line %u is left over after the last field: \"%.*s\"", w->lineno,
                  (int) strcspn(w->next, "\n") > 80 ? 80 : (int) strcspn(w->next, "\n"), w->next);
    return w->failed ? -1 : 0;
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
    if (!group(w, source_key(key, sizeof(key), s->name, "source"), s->name && s->source[0]))
        return;
    field(w, key, V_SOME, s->source, sizeof(s->source));
    s->url = group(w, source_key(key, sizeof(key), s->name, "cache"), s->url);
    if (s->url) {
        field(w, key, V_TEXT, s->cache, sizeof(s->cache));
        field(w, source_key(key, sizeof(key), s->name, "etag"), V_NONE, s->etag, sizeof(s->etag));
        field(w, source_key(key, sizeof(key), s->name, "last_modified"), V_NONE, s->last_modified,
              sizeof(s->last_modified));
        field(w, source_key(key, sizeof(key), s->name, "last_fetch"), V_NEVER, &s->last_fetch, 0);
    }
    field(w, source_key(key, sizeof(key), s->name, "last_change"), V_NEVER, &s->last_change, 0);
    field(w, source_key(key, sizeof(key), s->name, "last_error"), V_NONE, s->last_error, sizeof(s->last_error));
    field(w, source_key(key, sizeof(key), s->name, "age_seconds"), V_U64, &s->age_seconds, 0);
    for (int r = 0; s->url && r < RM_CTL_FETCH__COUNT; r++) {
        char    what[32];

        snprintf(what, sizeof(what), "fetches_%s", rm_ctl_fetch_name((enum rm_ctl_fetch) r));
        field(w, source_key(key, sizeof(key), s->name, what), V_U64, fetches[r], 0);
    }
}

/* status_walk - the fields of STATUS, in order (writing, st is only read) */

static void status_walk(walker *w, rm_ctl_status *st)
{
    char    key[64];

    field(w, "pid", V_LONG, &st->pid, 0);
    field(w, "version", V_TEXT, st->version, sizeof(st->version));
    field(w, "uptime_seconds", V_U64, &st->uptime_seconds, 0);
    field(w, "generation", V_U64, &st->generation, 0);
    field(w, "loaded_at", V_TIME, &st->loaded_at, 0);
    field(w, "relay_flags", V_FLAGS, &st->relay_flags, 0);
    field(w, "mode", V_TEXT, st->mode, sizeof(st->mode));
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        snprintf(key, sizeof(key), "entries_%s", rm_kind_name((enum rm_list_kind) k));
        field(w, key, V_U32, &st->entries[k], 0);
    }
    field(w, "reloads_ok", V_U64, &st->reloads_ok, 0);
    field(w, "reloads_failed", V_U64, &st->reloads_failed, 0);
    field(w, "last_reload", V_TEXT, st->last_reload, sizeof(st->last_reload));
    field(w, "last_reload_error", V_NONE, st->last_reload_error, sizeof(st->last_reload_error));
    for (int k = 0; k < RM_CTL_D__COUNT; k++) {
        snprintf(key, sizeof(key), "decisions_%s", rm_ctl_decision_name((enum rm_ctl_decision) k));
        field(w, key, V_U64, &st->decisions[k], 0);
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
    if ((rc = read_start(&w, reply, "OK status", false, "STATUS", err, errlen)) != 0)
        return rc;
    w.newer = true;                     /* a newer daemon may report more */
    w.first = w.next;
    status_walk(&w, st);
    return read_end(&w);
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
    field(w, "verdict", V_KIND, &r->kind, 0);
    for (size_t k = 0; k < sizeof(report_fields) / sizeof(report_fields[0]); k++) {
        char   *v = (char *) r + report_fields[k].off;

        if (group(w, report_fields[k].key, v[0] != '\0'))
            field(w, report_fields[k].key, V_SOME, v, report_fields[k].size);
    }
    if (group(w, "line", r->line != 0))
        field(w, "line", V_LINE, &r->line, 0);
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
    if ((rc = read_start(&w, reply, "OK ", true, "CHECK", err, errlen)) != 0)
        return rc;
    check_walk(&w, r);
    if (read_end(&w) < 0)
        return -1;
    check_summary(r, summary, sizeof(summary));
    if (strlen(summary) != n || strncmp(summary, reply, n) != 0) {
        snprintf(err, errlen, "line 1 does not say what the fields say: \"%.*s\"", (int) (n > 80 ? 80 : n), reply);
        return -1;
    }
    return 0;
}
