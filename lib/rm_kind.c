/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_kind - the three list kinds, one row each */

#include <string.h>

#include "rm_kind.h"

static const rm_kind kinds[RM_LIST__COUNT] = {
    [RM_LIST_DENY] = {"deny", NULL, RM_FLAG_DENY, RM_RULE_DENY_LIST,
    RM_VAR_DENY_LIST, RM_DEF_DENY_LIST, "RelayDenyList"},
    [RM_LIST_ALLOW] = {"allow", NULL, RM_FLAG_ALLOW, RM_RULE_ALLOW_LIST,
    RM_VAR_ALLOW_LIST, RM_DEF_ALLOW_LIST, "RelayAllowList"},
    [RM_LIST_LOCAL] = {"local", "local-ip", RM_FLAG_LOCAL, RM_RULE_LOCAL_IP,
    RM_VAR_LOCAL_IP_LIST, RM_DEF_LOCAL_IP_LIST, "RelayLocalIPList"},
};

const rm_kind *rm_kind_get(enum rm_list_kind k)
{
    return (unsigned) k < RM_LIST__COUNT ? &kinds[k] : NULL;
}

const char *rm_kind_name(enum rm_list_kind k)
{
    return (unsigned) k < RM_LIST__COUNT ? kinds[k].name : "unknown";
}

unsigned rm_kind_flag(enum rm_list_kind k)
{
    return (unsigned) k < RM_LIST__COUNT ? kinds[k].flag : 0;
}

/* rm_kind_code - relayctl's word for a list, to its kind */

int     rm_kind_code(const char *word)
{
    for (int k = 0; k < RM_LIST__COUNT; k++)
        if (strcmp(word, kinds[k].name) == 0
            || (kinds[k].alias && strcmp(word, kinds[k].alias) == 0))
            return k;
    return -1;
}
