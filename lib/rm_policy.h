/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_POLICY_H
#define RM_POLICY_H

/* rm_policy - the Exchange 5.5 relay model (KB Q193922), with reasons */

#include <stdbool.h>
#include <stddef.h>

#include "rm_list.h"

#define RM_FLAG_DENY  1u
#define RM_FLAG_ALLOW 2u
#define RM_FLAG_LOCAL 4u
#define RM_FLAG_AUTH  8u
#define RM_FLAGS_ALL  15u

enum rm_list_kind {
    RM_LIST_DENY = 0,
    RM_LIST_ALLOW = 1,
    RM_LIST_LOCAL = 2,
    RM_LIST__COUNT = 3
};

/* Which rule decided.  The order is the evaluation order of DESIGN.md. */
enum rm_rule {
    RM_RULE_DENY_LIST = 0,              /* 1. client on the deny list: deny */
    RM_RULE_ALLOW_LIST,                 /* 2. client on the allow list: allow */
    RM_RULE_LOCAL_IP,                   /* 3. server address on the local-IP list: allow */
    RM_RULE_AUTH,                       /* 4. authenticated: allow */
    RM_RULE_DENY_ONLY,                  /* 5. deny is the only flag: allow */
    RM_RULE_DEFAULT,                    /* 6. otherwise: deny */
    RM_RULE_LOCAL_SUBMISSION,           /* no client address, local_submission = allow */
    RM_RULE__COUNT
};

/* What the policy is asked. */
typedef struct rm_query {
    rm_addr client;                     /* RM_AF_NONE: local submission */
    rm_addr local;                      /* server side; RM_AF_NONE: unknown */
    bool    auth;
} rm_query;

typedef struct rm_decision {
    bool    allow;
    enum rm_rule rule;
    int     list;                       /* enum rm_list_kind, or -1 */
    rm_match match;                     /* valid when list >= 0 */
} rm_decision;

/* The lists a decision consults; any may be NULL (treated as empty). */
typedef struct rm_policy {
    unsigned flags;
    bool    local_submission_allow;
    const rm_list *lists[RM_LIST__COUNT];
} rm_policy;

/* rm_policy_decide - evaluate the six steps; never allocates, never fails */
void    rm_policy_decide(const rm_policy *p, const rm_query *q, rm_decision *d);

/* rm_policy_decide_batch - decide for n clients sharing q's local address
 * and authentication (q->client is ignored); answers as rm_policy_decide
 * would, with the list lookups made in batches (rm_list_match_batch). */
void    rm_policy_decide_batch(const rm_policy *p, const rm_query *q, const rm_addr *clients,
                               size_t n, rm_decision *out);

/* rm_flags_parse - "allow, auth", "deny allow", "none", or 0..15.
 * Returns 0, or -1 with a message in err. */
int     rm_flags_parse(const char *s, unsigned *flags, char *err, size_t errlen);

/* rm_flags_format - "deny, allow" style; "none" for 0 */
size_t  rm_flags_format(unsigned flags, char *buf, size_t len);

/* rm_rule_name - stable names used in logs, counters and relayctl output */
const char *rm_rule_name(enum rm_rule r);

/* A list kind's name, flag and settings: rm_kind. */

#endif
