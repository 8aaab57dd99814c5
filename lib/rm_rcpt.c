/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_rcpt - is an RCPT TO address a local recipient or a relay attempt? */

#include <string.h>
#include <strings.h>

#include "rm_rcpt.h"

#define MAX_DOMAIN 255
#define MAX_LABEL  63

static const char *const kind_names[] = {"local", "relay", "invalid"};

static const char *const why_names[RM_RCPT_WHY__COUNT] = {
    [RM_RCPT_WHY_LOCAL_DOMAIN] = "local-domain",
    [RM_RCPT_WHY_POSTMASTER] = "postmaster",
    [RM_RCPT_WHY_REMOTE_DOMAIN] = "remote-domain",
    [RM_RCPT_WHY_PERCENT] = "percent-hack",
    [RM_RCPT_WHY_BANG] = "bang-path",
    [RM_RCPT_WHY_AT] = "at-in-local-part",
    [RM_RCPT_WHY_NULL] = "null-recipient",
    [RM_RCPT_WHY_SYNTAX] = "syntax",
    [RM_RCPT_WHY_ROUTE] = "bad-source-route",
    [RM_RCPT_WHY_NO_DOMAIN] = "no-domain",
    [RM_RCPT_WHY_BAD_DOMAIN] = "bad-domain",
    [RM_RCPT_WHY_BAD_LITERAL] = "bad-address-literal",
    [RM_RCPT_WHY_TOO_LONG] = "too-long",
};

const char *rm_rcpt_kind_name(enum rm_rcpt_kind k)
{
    return (unsigned) k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "unknown";
}

const char *rm_rcpt_why_name(enum rm_rcpt_why w)
{
    return (unsigned) w < RM_RCPT_WHY__COUNT ? why_names[w] : "unknown";
}

static int invalid(rm_rcpt *r, enum rm_rcpt_why why)
{
    r->kind = RM_RCPT_INVALID;
    r->why = why;
    return -1;
}

static int is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* is_atext - RFC 5321 atext; bytes over 127 pass for SMTPUTF8 local parts */

static int is_atext(unsigned char c)
{
    if (c >= 0x80)
        return 1;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/*
 * domain_ok - a domain name (letters, digits, hyphen, underscore; labels
 * of 1 to 63; one trailing dot allowed) or an address literal that
 * rm_domain_normalize accepts.  Sets *literal.
 */
static enum rm_rcpt_why domain_ok(const char *d, size_t len, bool *literal)
{
    char    buf[MAX_DOMAIN + 32];
    size_t  i, label = 0;

    *literal = false;
    if (len == 0)
        return RM_RCPT_WHY_BAD_DOMAIN;
    if (d[0] == '[') {
        *literal = true;
        if (d[len - 1] != ']' || rm_domain_normalize(d, len, buf, sizeof(buf)) < 0)
            return RM_RCPT_WHY_BAD_LITERAL;
        return RM_RCPT_WHY__COUNT;
    }
    if (d[len - 1] == '.')
        len--;                          /* one trailing dot: the root */
    if (len == 0 || len > MAX_DOMAIN)
        return RM_RCPT_WHY_BAD_DOMAIN;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) d[i];

        if (c == '.') {
            if (label == 0)
                return RM_RCPT_WHY_BAD_DOMAIN;  /* empty label: "a..b", ".a" */
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '-' || c == '_'))
            return RM_RCPT_WHY_BAD_DOMAIN;
        if (++label > MAX_LABEL)
            return RM_RCPT_WHY_BAD_DOMAIN;
    }
    return label == 0 ? RM_RCPT_WHY_BAD_DOMAIN : RM_RCPT_WHY__COUNT;
}

/*
 * skip_route - "@a,@b:" at s[i..end): returns the index after the colon,
 * or 0 when the route is malformed.  A hop may be an address literal,
 * whose IPv6 form holds colons of its own.
 */
static size_t skip_route(const char *s, size_t i, size_t end)
{
    for (;;) {
        size_t  start, stop;
        bool    lit;

        if (i >= end || s[i] != '@')
            return 0;
        start = ++i;
        if (i < end && s[i] == '[') {
            while (i < end && s[i] != ']')
                i++;
            if (i == end)
                return 0;
            i++;
        } else {
            while (i < end && s[i] != ',' && s[i] != ':')
                i++;
        }
        stop = i;
        if (domain_ok(s + start, stop - start, &lit) != RM_RCPT_WHY__COUNT)
            return 0;
        if (i >= end)
            return 0;
        if (s[i] == ':')
            return i + 1;
        if (s[i] != ',')
            return 0;
        i++;
    }
}

/* routing_bit - the routing flag a local-part character stands for, if any */

static unsigned routing_bit(unsigned char c, bool at_counts)
{
    return c == '%' ? RM_RCPT_ROUTE_PERCENT : c == '!' ? RM_RCPT_ROUTE_BANG
        : c == '@' && at_counts ? RM_RCPT_ROUTE_AT : 0;
}

/*
 * unwrap - the mailbox inside s[*b..*e): blanks trimmed, then the angle
 * brackets and the blanks inside them.  Returns RM_RCPT_WHY__COUNT, or
 * why it is not a path.
 */
static enum rm_rcpt_why unwrap(const char *s, size_t *b, size_t *e)
{
    while (*b < *e && is_wsp(s[*b]))
        (*b)++;
    while (*e > *b && is_wsp(s[*e - 1]))
        (*e)--;
    if (*b < *e && s[*b] == '<') {
        if (s[*e - 1] != '>' || *e - *b < 2)
            return RM_RCPT_WHY_SYNTAX;
        (*b)++;
        (*e)--;
        while (*b < *e && is_wsp(s[*b]))
            (*b)++;
        while (*e > *b && is_wsp(s[*e - 1]))
            (*e)--;
    } else if (*b < *e && s[*e - 1] == '>') {
        return RM_RCPT_WHY_SYNTAX;
    }
    return *b == *e ? RM_RCPT_WHY_NULL : RM_RCPT_WHY__COUNT;
}

/*
 * walk_mailbox - walk s[b..e) once.  The split is the last @ that is
 * neither quoted nor escaped (*at, or (size_t) -1 when there is none);
 * every routing character before it, in whatever form, is noted in
 * r->routing.  Characters outside quotes must be atext or dots.  Returns
 * RM_RCPT_WHY__COUNT, or why the mailbox is invalid.
 */
static enum rm_rcpt_why walk_mailbox(const char *s, size_t b, size_t e, rm_rcpt *r, size_t *at)
{
    bool    quoted = false;

    *at = (size_t) -1;
    for (size_t i = b; i < e; i++) {
        unsigned char c = (unsigned char) s[i];

        if (c == '\\') {
            if (i + 1 >= e)
                return RM_RCPT_WHY_SYNTAX;
            c = (unsigned char) s[++i];
            if (c < 0x20 || c == 0x7f)
                return RM_RCPT_WHY_SYNTAX;
            if (*at != (size_t) -1)
                return RM_RCPT_WHY_BAD_DOMAIN;
            r->routing |= routing_bit(c, true);
            continue;
        }
        if (c == '"') {
            if (*at != (size_t) -1)
                return RM_RCPT_WHY_BAD_DOMAIN;
            quoted = !quoted;
            continue;
        }
        if (quoted) {
            if (c < 0x20 || c == 0x7f)
                return RM_RCPT_WHY_SYNTAX;
            r->routing |= routing_bit(c, true);
            continue;
        }
        if (c == '@') {
            if (*at != (size_t) -1)
                r->routing |= RM_RCPT_ROUTE_AT;     /* the earlier one was routing */
            *at = i;
            continue;
        }
        if (*at != (size_t) -1)
            continue;                   /* domain text: checked later */
        if (c == '.' || is_atext(c)) {
            r->routing |= routing_bit(c, false);
            continue;
        }
        return RM_RCPT_WHY_SYNTAX;
    }
    return quoted ? RM_RCPT_WHY_SYNTAX : RM_RCPT_WHY__COUNT;
}

/*
 * rewalk_local - the part before the last @ may hold an earlier bare @:
 * that one is routing, not the split.  Its text was walked as domain
 * text, so walk s[b..at) again as local-part text.
 */
static enum rm_rcpt_why rewalk_local(const char *s, size_t b, size_t at, rm_rcpt *r)
{
    for (size_t i = b; i < at; i++) {
        unsigned char c = (unsigned char) s[i];

        if (c == '\\' || c == '"') {
            /* escapes and quotes were checked in the first walk */
            if (c == '\\')
                i++;
            else
                while (++i < at && s[i] != '"')
                    if (s[i] == '\\')
                        i++;
            continue;
        }
        if (c == '%')
            r->routing |= RM_RCPT_ROUTE_PERCENT;
        else if (c == '!')
            r->routing |= RM_RCPT_ROUTE_BANG;
        else if (c != '@' && c != '.' && !is_atext(c))
            return RM_RCPT_WHY_SYNTAX;
    }
    return RM_RCPT_WHY__COUNT;
}

/* rm_rcpt_parse - split into local part and final domain */

int     rm_rcpt_parse(const char *s, size_t len, rm_rcpt *r)
{
    size_t  b = 0, e = len, i, at;
    enum rm_rcpt_why why;

    memset(r, 0, sizeof(*r));
    if (len > RM_RCPT_MAX)
        return invalid(r, RM_RCPT_WHY_TOO_LONG);
    if ((why = unwrap(s, &b, &e)) != RM_RCPT_WHY__COUNT)
        return invalid(r, why);

    /* A source route is dropped; only the mailbox after it counts. */
    if (s[b] == '@') {
        if ((i = skip_route(s, b, e)) == 0)
            return invalid(r, RM_RCPT_WHY_ROUTE);
        r->source_route = true;
        b = i;
        if (b == e)
            return invalid(r, RM_RCPT_WHY_ROUTE);
    }
    if ((why = walk_mailbox(s, b, e, r, &at)) != RM_RCPT_WHY__COUNT)
        return invalid(r, why);

    if (at == (size_t) -1) {
        r->local_off = b;
        r->local_len = e - b;
        /* RFC 5321 4.5.1: "postmaster" without a domain must be accepted. */
        if (e - b == 10 && strncasecmp(s + b, "postmaster", 10) == 0) {
            r->kind = RM_RCPT_LOCAL;
            r->why = RM_RCPT_WHY_POSTMASTER;
            return 0;
        }
        return invalid(r, RM_RCPT_WHY_NO_DOMAIN);
    }
    if (at == b)
        return invalid(r, RM_RCPT_WHY_SYNTAX);      /* no local part */
    r->local_off = b;
    r->local_len = at - b;
    r->domain_off = at + 1;
    r->domain_len = e - (at + 1);
    if ((r->routing & RM_RCPT_ROUTE_AT) && (why = rewalk_local(s, b, at, r)) != RM_RCPT_WHY__COUNT)
        return invalid(r, why);
    if ((why = domain_ok(s + r->domain_off, r->domain_len, &r->literal)) != RM_RCPT_WHY__COUNT)
        return invalid(r, why);
    r->kind = RM_RCPT_RELAY;
    r->why = (r->routing & RM_RCPT_ROUTE_AT) ? RM_RCPT_WHY_AT
        : (r->routing & RM_RCPT_ROUTE_PERCENT) ? RM_RCPT_WHY_PERCENT
        : (r->routing & RM_RCPT_ROUTE_BANG) ? RM_RCPT_WHY_BANG
        : RM_RCPT_WHY_REMOTE_DOMAIN;
    return 0;
}

/* rm_rcpt_classify - local only when the domain is local and nothing is routed */

enum rm_rcpt_kind rm_rcpt_classify(const char *s, size_t len, const rm_domains *local, rm_rcpt *r)
{
    if (rm_rcpt_parse(s, len, r) < 0)
        return r->kind;
    if (r->kind == RM_RCPT_LOCAL)
        return r->kind;                 /* bare postmaster */
    if (r->routing == 0 && rm_domains_contains(local, s + r->domain_off, r->domain_len)) {
        r->kind = RM_RCPT_LOCAL;
        r->why = RM_RCPT_WHY_LOCAL_DOMAIN;
    }
    return r->kind;
}
