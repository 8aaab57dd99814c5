/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_RCPT_H
#define RM_RCPT_H

/* rm_rcpt - is an RCPT TO address a local recipient or a relay attempt? */

#include <stdbool.h>
#include <stddef.h>

#include "rm_domains.h"

/*
 * The rule: a recipient is local only when its final domain is one of the
 * local domains AND its local part holds no routing character (%, ! or @)
 * in any form: bare, inside a quoted string, or escaped with a backslash.
 * Anything routed is a relay attempt, because some MTA down the line may
 * honour the route.  Source routes (@a,@b:user@d) are dropped as RFC 5321
 * says; only d counts.  An address that does not parse is invalid; the
 * caller decides what invalid means (relaymilter treats it as a relay
 * attempt, so that it can never open the relay).
 */
enum rm_rcpt_kind {
    RM_RCPT_LOCAL = 0,
    RM_RCPT_RELAY = 1,
    RM_RCPT_INVALID = 2
};

/* Why; stable names (rm_rcpt_why_name) for logs and tests. */
enum rm_rcpt_why {
    RM_RCPT_WHY_LOCAL_DOMAIN = 0,       /* local: the domain is listed */
    RM_RCPT_WHY_POSTMASTER,             /* local: bare "postmaster" (RFC 5321 4.5.1) */
    RM_RCPT_WHY_REMOTE_DOMAIN,          /* relay: the domain is not listed */
    RM_RCPT_WHY_PERCENT,                /* relay: % in the local part */
    RM_RCPT_WHY_BANG,                   /* relay: ! in the local part */
    RM_RCPT_WHY_AT,                     /* relay: @ in the local part (user@remote@local) */
    RM_RCPT_WHY_NULL,                   /* invalid: <> or empty */
    RM_RCPT_WHY_SYNTAX,                 /* invalid: brackets, quotes, characters */
    RM_RCPT_WHY_ROUTE,                  /* invalid: a malformed source route */
    RM_RCPT_WHY_NO_DOMAIN,              /* invalid: no @domain */
    RM_RCPT_WHY_BAD_DOMAIN,             /* invalid: not a domain name */
    RM_RCPT_WHY_BAD_LITERAL,            /* invalid: not an [IPv4] or [IPv6:...] literal */
    RM_RCPT_WHY_TOO_LONG,               /* invalid: over RM_RCPT_MAX bytes */
    RM_RCPT_WHY__COUNT
};

#define RM_RCPT_MAX 998                 /* bytes; RFC 5321 caps a path at 256 */

/* What rm_rcpt_parse found.  Offsets point into the caller's input. */
typedef struct rm_rcpt {
    enum rm_rcpt_kind kind;
    enum rm_rcpt_why why;
    bool    source_route;               /* an @a,@b: prefix was present (and dropped) */
    bool    literal;                    /* the domain is an address literal */
    unsigned routing;                   /* RM_RCPT_ROUTE_* bits seen in the local part */
    size_t  local_off, local_len;       /* the local part, quotes included */
    size_t  domain_off, domain_len;     /* the final domain; length 0 when none */
} rm_rcpt;

#define RM_RCPT_ROUTE_PERCENT 1u
#define RM_RCPT_ROUTE_BANG    2u
#define RM_RCPT_ROUTE_AT      4u

/*
 * rm_rcpt_parse - split s[0..len) (angle brackets optional) into local
 * part and final domain and note routing characters, without deciding
 * whether the domain is local.  Returns 0 with r->kind RM_RCPT_RELAY (a
 * routed local part sets r->why accordingly, else RM_RCPT_WHY_REMOTE_DOMAIN),
 * or -1 with r->kind RM_RCPT_INVALID and r->why saying what is wrong.
 * Never allocates; never reads past s[len - 1].
 */
int     rm_rcpt_parse(const char *s, size_t len, rm_rcpt *r);

/*
 * rm_rcpt_classify - parse, then decide: local, relay or invalid.  local
 * may be NULL (no local domains: only a bare postmaster is local).
 */
enum rm_rcpt_kind rm_rcpt_classify(const char *s, size_t len, const rm_domains *local, rm_rcpt *r);

const char *rm_rcpt_kind_name(enum rm_rcpt_kind k);  /* local, relay, invalid */
const char *rm_rcpt_why_name(enum rm_rcpt_why w);    /* local-domain, percent-hack, ... */

#endif
