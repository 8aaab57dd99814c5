/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_VERDICT_H
#define RM_VERDICT_H

/*
 * rm_verdict - the whole answer for one recipient: local, allow, deny, or
 * no decision, with its reason.  This module owns every rule that turns
 * what the MTA told us (recipient, mailer, client and server addresses,
 * authentication) into a verdict: whether the recipient counts as relay,
 * when a missing server address leaves the local-IP rule unanswerable, and
 * when the input is too broken to decide.  The milter, the policy service,
 * the control socket's CHECK and `relayctl check` all call rm_verdict_decide
 * and only translate its result; none of them decides anything itself.
 */

#include <stdbool.h>
#include <stddef.h>

#include "rm_addr.h"
#include "rm_config.h"
#include "rm_entry.h"
#include "rm_policy.h"
#include "rm_rcpt.h"

struct rm_snapshot;
struct sockaddr;

/* What is known of an address the MTA passed. */
enum rm_addr_state {
    RM_ADDR_KNOWN = 0,                  /* parsed: see the rm_addr */
    RM_ADDR_MISSING,                    /* none given (local submission, no macro) */
    RM_ADDR_BAD,                        /* given but not an address */
    RM_ADDR_WILDCARD,                   /* 0.0.0.0 or ::, a listener's "any address" */
    RM_ADDR__COUNT
};

enum rm_verdict_kind {
    RM_VERDICT_LOCAL = 0,               /* a local recipient: the policy was not asked */
    RM_VERDICT_ALLOW,                   /* a relay recipient the client may relay to */
    RM_VERDICT_DENY,                    /* a relay recipient the client may not relay to */
    RM_VERDICT_NONE,                    /* no decision can be made: on_error applies */
    RM_VERDICT__COUNT
};

/* Why no decision could be made.  Names (rm_verdict_nodec_name) are stable:
 * logs and tests use them. */
enum rm_verdict_nodec {
    RM_NODEC_NONE = 0,                  /* a decision was made */
    RM_NODEC_NO_POLICY,                 /* no snapshot loaded */
    RM_NODEC_NO_RECIPIENT,              /* the MTA passed no recipient */
    RM_NODEC_NO_RCPT_MAILER,            /* relay_detect = mailer, but no {rcpt_mailer} */
    RM_NODEC_UNPARSEABLE_RCPT,          /* relay_detect = mailer, and the address is junk */
    RM_NODEC_CLIENT_ADDR_BAD,           /* the client address is of an unknown family */
    RM_NODEC_LOCAL_ADDR_BAD,            /* local rule on; the server address is not an address */
    RM_NODEC_LOCAL_ADDR_WILDCARD,       /* local rule on; only a wildcard server address */
    RM_NODEC_LOCAL_ADDR_MISSING,        /* local rule on; no server address at all */
    RM_NODEC__COUNT
};

/* Everything one recipient decision needs.  Strings are borrowed. */
typedef struct rm_verdict_in {
    const char *rcpt;                   /* RCPT TO address (brackets optional); NULL: see below */
    size_t  rcpt_len;
    bool    rcpt_is_relay;              /* no recipient to classify: the MTA already
                                         * knows it is a relay recipient (the policy
                                         * service; relayctl check without --rcpt) */
    const char *mailer;                 /* the MTA's resolved mailer ({rcpt_mailer}); NULL if none */
    rm_addr client;                     /* valid when client_state is KNOWN */
    enum rm_addr_state client_state;    /* MISSING: local submission */
    rm_addr local;                      /* the server side; valid when KNOWN */
    enum rm_addr_state local_state;
    bool    auth;                       /* the client authenticated */
} rm_verdict_in;

/* What was decided, and why. */
typedef struct rm_verdict {
    enum rm_verdict_kind kind;
    enum rm_verdict_nodec nodec;        /* RM_NODEC_NONE unless kind is NONE */
    bool    classified;                 /* rcpt below holds the recipient's analysis */
    bool    by_mailer;                  /* relay_detect = mailer: the mailer decided */
    rm_rcpt rcpt;                       /* why it counts as local, relay or invalid */
    bool    asked_policy;               /* decision below is valid */
    rm_decision decision;               /* the policy's rule, list and entry */
} rm_verdict;

/* rm_verdict_in_init - no recipient, no addresses, no auth */
void    rm_verdict_in_init(rm_verdict_in *in);

/*
 * rm_verdict_decide - decide for one recipient under snapshot s (which
 * may be NULL: no policy loaded, no decision).  Never allocates, never
 * fails; the reason is always set.
 */
void    rm_verdict_decide(const struct rm_snapshot *s, const rm_verdict_in *in, rm_verdict *v);

/* rm_verdict_query - the policy query rm_verdict_decide makes for in */
void    rm_verdict_query(const rm_verdict_in *in, rm_query *q);

/*
 * rm_verdict_of_decision - the verdict for a relay recipient whose policy
 * decision (v->decision, for in's addresses) was made in a batch
 * (rm_policy_decide_batch): what rm_verdict_decide would have answered.
 */
void    rm_verdict_of_decision(const struct rm_snapshot *s, const rm_verdict_in *in, rm_verdict *v);

/* rm_verdict_kind_name - local, allow, deny, no-decision */
const char *rm_verdict_kind_name(enum rm_verdict_kind k);

/* rm_verdict_nodec_name - "no-rcpt_mailer-macro", ...; "" for NONE */
const char *rm_verdict_nodec_name(enum rm_verdict_nodec n);

/* rm_verdict_relay_reason - why the recipient counts as relay, as a stable
 * name: remote-domain, percent-hack, bang-path, at-in-local-part,
 * source-route, foreign-literal (an address literal not listed as local),
 * invalid-<why>, mailer-<name>... "" when not classified
 * as relay (local, or no recipient given). */
size_t  rm_verdict_relay_reason(const rm_verdict *v, const rm_verdict_in *in,
                                char *buf, size_t len);

/* How the MTA presented the client at connect (rm_verdict_client). */
enum rm_conn_kind {
    RM_CONN_SMTP = 0,                   /* an SMTP client with an address */
    RM_CONN_LOCAL_SMTP,                 /* SMTP without a network peer: stdin,
                                         * a unix socket (sendmail -bs) */
    RM_CONN_NON_SMTP,                   /* no SMTP at all: Postfix's cleanup
                                         * running non_smtpd_milters (pickup) */
    RM_CONN_OTHER                       /* an address of an unknown family */
};

/*
 * rm_verdict_client - what the MTA's connect step says about the client:
 * sa is the peer address it passed (NULL when it passed none), hostname
 * the name it gave with it.  A local submission is one without a peer
 * address, or Postfix's cleanup, which presents every non-SMTP message
 * as hostname "localhost", address 127.0.0.1 (or ::1) and port 0.  A TCP
 * peer can not have port 0, and an SMTP client chooses neither its
 * address's port nor the hostname (the MTA's reverse lookup), so no
 * client can pose as one; HELO is not looked at.  Fills *a (KNOWN) and
 * returns the client's state for rm_verdict_in: MISSING for a local
 * submission.  *kind (may be NULL) says which case it was.
 */
enum rm_addr_state rm_verdict_client(const struct sockaddr *sa, const char *hostname,
                                     rm_addr *a, enum rm_conn_kind *kind);

/* rm_addr_state_name - known, missing, bad, wildcard */
const char *rm_addr_state_name(enum rm_addr_state s);

/* rm_verdict_server_state - a server-side address as the MTA named it:
 * 0.0.0.0 and :: are a listener's "any address", which says nothing about
 * the address the client reached (WILDCARD); others are KNOWN. */
enum rm_addr_state rm_verdict_server_state(const rm_addr *a);

/*
 * rm_verdict_macro_addr - an address as an MTA's macro gives it:
 * "192.0.2.1", "2001:db8::1", "IPv6:2001:db8::1", or either in brackets
 * (Sendmail writes literals).  NULL or empty is MISSING, anything else
 * that does not parse is BAD; KNOWN fills *a.
 */
enum rm_addr_state rm_verdict_macro_addr(const char *v, rm_addr *a);

/*
 * A verdict as text: what relayctl check prints, what the control CHECK
 * replies, field for field, so that the two can be compared.  Empty
 * strings mean "does not apply".
 */
typedef struct rm_verdict_report {
    enum rm_verdict_kind kind;
    char    rule[32];                   /* rm_rule_name; "" when the policy was not asked */
    char    no_decision[48];            /* rm_verdict_nodec_name; "" */
    char    recipient[16];              /* local, relay; "" when no recipient was classified */
    char    recipient_reason[96];       /* local-domain, percent-hack, mailer-smtp, ... */
    char    list[8];                    /* allow, deny, local: the list that decided; "" */
    char    file[RM_PATH_LEN];
    unsigned line;
    char    entry[RM_ENTRY_STRLEN];     /* canonical, as rm_entry_format writes it */
} rm_verdict_report;

/* rm_verdict_report_make - the report of v, decided under s for in */
void    rm_verdict_report_make(const struct rm_snapshot *s, const rm_verdict_in *in,
                               const rm_verdict *v, rm_verdict_report *r);

/* rm_verdict_kind_parse - "allow" etc. back to the kind; -1 if unknown */
int     rm_verdict_kind_parse(const char *name);

#endif
