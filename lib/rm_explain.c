/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_explain - every rule in order, and what it said */

#include <stdio.h>
#include <string.h>

#include "rm_explain.h"
#include "rm_kind.h"
#include "rm_snapshot.h"

static const char *const state_names[RM_STEP__COUNT] = {
    [RM_STEP_OFF] = "off",
    [RM_STEP_NO_ADDRESS] = "no-address",
    [RM_STEP_NOT_LISTED] = "not-listed",
    [RM_STEP_MATCHED] = "matched",
    [RM_STEP_NO] = "no",
    [RM_STEP_YES] = "yes",
};

const char *rm_step_state_name(enum rm_step_state st)
{
    return (unsigned) st < RM_STEP__COUNT ? state_names[st] : "unknown";
}

/* list_step - the step of list k's rule: look a up in list k */

static void list_step(const rm_snapshot *s, enum rm_list_kind k,
                      const rm_addr *a, const char *none, rm_explain_step *st)
{
    rm_entry_info info;
    rm_match m;

    st->rule = rm_kind_get(k)->rule;
    if (!(s->cfg->relay_flags & rm_kind_flag(k))) {
        st->state = RM_STEP_OFF;
        return;
    }
    if (a == NULL) {
        st->state = RM_STEP_NO_ADDRESS;
        snprintf(st->detail, sizeof(st->detail), "%s", none);
        return;
    }
    rm_addr_format(a, st->detail, sizeof(st->detail));
    if (!rm_list_match(s->lists[k], a, &m) || rm_list_entry(s->lists[k], m.entry, &info) < 0) {
        st->state = RM_STEP_NOT_LISTED;
        return;
    }
    st->state = RM_STEP_MATCHED;
    snprintf(st->file, sizeof(st->file), "%s", rm_list_name(s->lists[k]));
    st->line = info.line;
    rm_entry_format(&info.entry, st->entry, sizeof(st->entry));
}

/* rm_explain - each rule's answer */

size_t  rm_explain(const rm_snapshot *s, const rm_verdict_in *in, const rm_verdict *v,
                   rm_explain_step *steps)
{
    const rm_addr *client = in->client_state == RM_ADDR_KNOWN ? &in->client : NULL;
    const rm_addr *local = in->local_state == RM_ADDR_KNOWN ? &in->local : NULL;
    unsigned f;
    size_t  n = 0;

    if (s == NULL || !v->asked_policy)
        return 0;
    f = s->cfg->relay_flags;
    memset(steps, 0, sizeof(*steps) * RM_EXPLAIN_STEPS);
    for (int r = 0; r < RM_EXPLAIN_STEPS; r++)
        steps[r].rule = (enum rm_rule) r;
    /* The local-submission rule comes first in evaluation; show it first. */
    steps[n].rule = RM_RULE_LOCAL_SUBMISSION;
    steps[n].state = client ? RM_STEP_NO : s->cfg->local_submission_allow ? RM_STEP_YES : RM_STEP_OFF;
    snprintf(steps[n++].detail, sizeof(steps[0].detail), "%s",
             client ? "the client has an address" : "no client address (local submission)");
    list_step(s, RM_LIST_DENY, client, "no client address", &steps[n++]);
    list_step(s, RM_LIST_ALLOW, client, "no client address", &steps[n++]);
    list_step(s, RM_LIST_LOCAL, local, in->local_state == RM_ADDR_WILDCARD
              ? "only a wildcard server address" : "no server address", &steps[n++]);
    steps[n].rule = RM_RULE_AUTH;
    steps[n].state = !(f & RM_FLAG_AUTH) ? RM_STEP_OFF : in->auth ? RM_STEP_YES : RM_STEP_NO;
    snprintf(steps[n++].detail, sizeof(steps[0].detail), "%s",
             in->auth ? "the client authenticated" : "the client did not authenticate");
    steps[n].rule = RM_RULE_DENY_ONLY;
    steps[n].state = f == RM_FLAG_DENY ? RM_STEP_YES : RM_STEP_OFF;
    if (f == RM_FLAG_DENY)
        snprintf(steps[n].detail, sizeof(steps[0].detail), "deny is the only rule on: allow");
    n++;
    steps[n].rule = RM_RULE_DEFAULT;
    steps[n].state = RM_STEP_YES;
    snprintf(steps[n++].detail, sizeof(steps[0].detail), "when nothing above decided: deny");
    for (size_t k = 0; k < n; k++)
        steps[k].decided = v->kind != RM_VERDICT_NONE && steps[k].rule == v->decision.rule;
    return n;
}

/* rm_explain_format - "allow-list: matched 192.0.2.7 at allow.list:2 192.0.2.0/24" */

size_t  rm_explain_format(const rm_explain_step *st, char *buf, size_t len)
{
    const char *name = rm_rule_name(st->rule), *dec = st->decided ? " (decides)" : "";
    int     n;

    switch (st->state) {
    case RM_STEP_OFF:
        n = snprintf(buf, len, "%s: off%s", name,
                     st->rule == RM_RULE_LOCAL_SUBMISSION ? " (local_submission = policy)"
                     : st->rule == RM_RULE_DENY_ONLY ? " (applies only when deny is the one rule on)"
                     : " in relay_flags");
        break;
    case RM_STEP_MATCHED:
        n = snprintf(buf, len, "%s: %s matched by %s:%u %s%s", name, st->detail, st->file, st->line,
                     st->entry, dec);
        break;
    case RM_STEP_NOT_LISTED:
        n = snprintf(buf, len, "%s: %s not listed", name, st->detail);
        break;
    case RM_STEP_NO_ADDRESS:
        n = snprintf(buf, len, "%s: not asked: %s", name, st->detail);
        break;
    default:
        n = snprintf(buf, len, "%s: %s%s%s%s", name, st->state == RM_STEP_YES ? "applies" : "does not apply",
                     st->detail[0] ? " (" : "", st->detail, st->detail[0] ? ")" : "");
        if (n >= 0 && (size_t) n < len)
            n += snprintf(buf + n, len - (size_t) n, "%s", dec);
        break;
    }
    return n < 0 ? 0 : (size_t) n;
}
