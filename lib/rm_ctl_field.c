/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rm_ctl_field - the walk over a control reply's "key: value" fields that
 * rm_ctl_reply's replies are written with and read back by: each field's
 * value in text and back (numbers, times, flags, verdicts, text), the
 * checks every reply passes before it is read, and the tolerance for
 * fields a newer daemon adds.  Private to rm_ctl_reply.c.
 */

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rm_ctl.h"
#include "rm_ctl_field.h"

/*
 * rm_ctlf_number - the decimal number at s (at most n bytes) into *v: the count
 * of digits taken, or 0 when there is none or it has a leading zero (the
 * daemon writes none).  *over is set when it exceeds max.
 */
size_t  rm_ctlf_number(const char *s, size_t n, uint64_t max, uint64_t *v, bool *over)
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

/*
 * rm_ctlf_reply_check - what every reply is before it is read: not empty, no
 * control byte, the last line ended (a reply cut short has not).  Then an
 * ERR is 1 with its text in err.  Returns 0, 1 or -1 with why in err.
 */
int     rm_ctlf_reply_check(const char *reply, char *err, size_t errlen)
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
        if (v[0] == '\0' || rm_ctlf_number(v, strlen(v), max[t], &n, &over) != strlen(v)) {
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

/* rm_ctlf_field - one field: written as its line, or read from the next line */

void    rm_ctlf_field(walker *w, const char *key, enum vtype t, void *val, size_t size)
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

/* rm_ctlf_group - whether the fields that key begins are there: writing, present
 * says; reading, the next line does */

bool    rm_ctlf_group(walker *w, const char *key, bool present)
{
    return w->reading ? next_is(w, key) : present;
}

/*
 * rm_ctlf_read_start - a reply of its kind whose first line is first (whole, or
 * as its start when prefix): a walker to read the rest, or 1 (ERR) or -1
 * as reply_check says.
 */
int     rm_ctlf_read_start(walker *w, const char *reply, const char *first, bool prefix,
                      const char *what, char *err, size_t errlen)
{
    size_t  n = strcspn(reply, "\n"), k = strlen(first);
    int     rc;

    memset(w, 0, sizeof(*w));
    if ((rc = rm_ctlf_reply_check(reply, err, errlen)) != 0)
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

/* rm_ctlf_read_end - the walk has read every field: nothing may be left over */

int     rm_ctlf_read_end(walker *w)
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
