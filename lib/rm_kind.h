/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_KIND_H
#define RM_KIND_H

/*
 * rm_kind - the three list kinds, one row each: the word relayctl and
 * STATUS use, the relay_flags rule that consults the list, its
 * configuration setting and default file, and the Exchange 5.5 registry
 * value it imports from.  The library, the daemon and relayctl read
 * these rows; nothing else spells a list's setting or value name.
 *
 * A setting's name and default are macros too, in the way of Postfix's
 * VAR_ and DEF_ names, because rm_config's rows are compile-time
 * constants that need them as well.
 */

#include "rm_policy.h"

#define RM_VAR_DENY_LIST     "deny_list"
#define RM_DEF_DENY_LIST     "deny.list"
#define RM_VAR_ALLOW_LIST    "allow_list"
#define RM_DEF_ALLOW_LIST    "allow.list"
#define RM_VAR_LOCAL_IP_LIST "local_ip_list"
#define RM_DEF_LOCAL_IP_LIST "local-ip.list"

typedef struct rm_kind {
    const char *name;                   /* deny, allow, local */
    const char *alias;                  /* another word relayctl takes, or NULL */
    unsigned flag;                      /* the relay_flags bit that reads the list */
    enum rm_rule rule;                  /* the rule that decides by it */
    const char *config_key;             /* its setting in relaymilter.conf */
    const char *default_file;           /* that setting's default */
    const char *exchange_value;         /* its value under MSExchangeIMC\Parameters */
} rm_kind;

/* rm_kind_get - the row of kind k; NULL when k is no kind */
const rm_kind *rm_kind_get(enum rm_list_kind k);

/* rm_kind_name - "deny", "allow" or "local"; "unknown" when k is no kind */
const char *rm_kind_name(enum rm_list_kind k);

/* rm_kind_flag - the relay_flags bit of the rule that consults list k */
unsigned rm_kind_flag(enum rm_list_kind k);

/* rm_kind_code - the kind a name or alias (exact case) stands for, or -1 */
int     rm_kind_code(const char *word);

#endif
