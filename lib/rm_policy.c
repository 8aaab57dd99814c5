/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_policy - the Exchange 5.5 relay model (KB Q193922), with reasons */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rm_policy.h"
#include "rm_text.h"

static const char *const rule_names[RM_RULE__COUNT] = {
    "deny-list",
    "allow-list",
    "local-ip",
    "auth",
    "deny-only",
    "default-deny",
    "local-submission",
};


static const struct {
    const char *name;
    unsigned bit;
} flag_names[] = {
    {"deny", RM_FLAG_DENY},
    {"allow", RM_FLAG_ALLOW},
    {"local", RM_FLAG_LOCAL},
    {"auth", RM_FLAG_AUTH},
};

const char *rm_rule_name(enum rm_rule r)
{
    return (unsigned) r < RM_RULE__COUNT ? rule_names[r] : "unknown";
}

/*
 * decide_from - the six steps, given whether the client is on the deny and
 * allow lists (looked up by the caller, one at a time or in a batch).
 */
static void decide_from(const rm_policy *p, const rm_query *q, bool on_deny, rm_match dm,
                        bool on_allow, rm_match am, rm_decision *d)
{
    unsigned f = p->flags;

    d->list = -1;
    d->match.entry = 0;
    if (q->client.family == RM_AF_NONE && p->local_submission_allow) {
        d->allow = true;
        d->rule = RM_RULE_LOCAL_SUBMISSION;
        return;
    }
    if ((f & RM_FLAG_DENY) && on_deny) {
        d->allow = false;
        d->rule = RM_RULE_DENY_LIST;
        d->list = RM_LIST_DENY;
        d->match = dm;
        return;
    }
    if ((f & RM_FLAG_ALLOW) && on_allow) {
        d->allow = true;
        d->rule = RM_RULE_ALLOW_LIST;
        d->list = RM_LIST_ALLOW;
        d->match = am;
        return;
    }
    if ((f & RM_FLAG_LOCAL) && p->lists[RM_LIST_LOCAL] && q->local.family != RM_AF_NONE
        && rm_list_match(p->lists[RM_LIST_LOCAL], &q->local, &d->match)) {
        d->allow = true;
        d->rule = RM_RULE_LOCAL_IP;
        d->list = RM_LIST_LOCAL;
        return;
    }
    d->match.entry = 0;
    if ((f & RM_FLAG_AUTH) && q->auth) {
        d->allow = true;
        d->rule = RM_RULE_AUTH;
        return;
    }
    if (f == RM_FLAG_DENY) {
        d->allow = true;
        d->rule = RM_RULE_DENY_ONLY;
        return;
    }
    d->allow = false;
    d->rule = RM_RULE_DEFAULT;
}

/* consulted - the list of kind k if its rule is on and it exists */

static const rm_list *consulted(const rm_policy *p, enum rm_list_kind k, unsigned flag)
{
    return (p->flags & flag) ? p->lists[k] : NULL;
}

/* rm_policy_decide - the first rule that applies decides */

void    rm_policy_decide(const rm_policy *p, const rm_query *q, rm_decision *d)
{
    const rm_list *deny = consulted(p, RM_LIST_DENY, RM_FLAG_DENY);
    const rm_list *allow = consulted(p, RM_LIST_ALLOW, RM_FLAG_ALLOW);
    rm_match dm = {0}, am = {0};
    bool    on_deny = deny && rm_list_match(deny, &q->client, &dm);
    bool    on_allow = !on_deny && allow && rm_list_match(allow, &q->client, &am);

    decide_from(p, q, on_deny, dm, on_allow, am, d);
}

/* rm_policy_decide_batch - the same for many clients that share the rest
 * of the query, with the list lookups made in batches */

void    rm_policy_decide_batch(const rm_policy *p, const rm_query *q, const rm_addr *clients,
                               size_t n, rm_decision *out)
{
    enum { CHUNK = 256 };
    const rm_list *deny = consulted(p, RM_LIST_DENY, RM_FLAG_DENY);
    const rm_list *allow = consulted(p, RM_LIST_ALLOW, RM_FLAG_ALLOW);
    bool    dh[CHUNK], ah[CHUNK];
    rm_match dm[CHUNK], am[CHUNK];

    for (size_t base = 0; base < n; base += CHUNK) {
        size_t  k = n - base < CHUNK ? n - base : CHUNK;

        if (deny)
            rm_list_match_batch(deny, clients + base, k, dh, dm);
        if (allow)
            rm_list_match_batch(allow, clients + base, k, ah, am);
        /* cppcheck-suppress knownConditionTrueFalse ; false positive: base < n, so k >= 1 */
        for (size_t i = 0; i < k; i++) {
            rm_query one = *q;

            one.client = clients[base + i];
            decide_from(p, &one, deny && dh[i], deny ? dm[i] : (rm_match) {0},
                        allow && ah[i], allow ? am[i] : (rm_match) {0}, &out[base + i]);
        }
    }
}

/* rm_flags_parse - names or the Exchange RelayFlags number */

int     rm_flags_parse(const char *s, unsigned *flags, char *err, size_t errlen)
{
    unsigned f = 0;
    const char *p = s;

    while (*p == ' ' || *p == '\t')
        p++;
    if (*p >= '0' && *p <= '9') {
        unsigned v = 0;
        const char *q = p;

        while (*q >= '0' && *q <= '9' && v < 100)
            v = v * 10 + (unsigned) (*q++ - '0');
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '\0' || v > RM_FLAGS_ALL) {
            char    qs[RM_QUOTE_LEN(40)];

            snprintf(err, errlen, "relay_flags number must be 0 to 15, not %s",
                     rm_text_quote(qs, sizeof(qs), s, strlen(s)));
            return -1;
        }
        *flags = v;
        return 0;
    }
    while (*p) {
        size_t  n = strcspn(p, ", \t");
        size_t  k;

        if (n == 0) {
            p++;
            continue;
        }
        if (n == 4 && strncasecmp(p, "none", 4) == 0) {
            p += n;
            continue;
        }
        for (k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++)
            if (strlen(flag_names[k].name) == n && strncasecmp(p, flag_names[k].name, n) == 0)
                break;
        if (k == sizeof(flag_names) / sizeof(flag_names[0])) {
            char    qs[RM_QUOTE_LEN(40)];

            snprintf(err, errlen, "unknown relay flag %s (use deny, allow, local, auth, or 0-15)",
                     rm_text_quote(qs, sizeof(qs), p, n));
            return -1;
        }
        f |= flag_names[k].bit;
        p += n;
    }
    *flags = f;
    return 0;
}

/* rm_flags_format - "deny, allow"; "none" for 0 */

size_t  rm_flags_format(unsigned flags, char *buf, size_t len)
{
    size_t  o = 0;

    if (len == 0)
        return 0;
    buf[0] = '\0';
    for (size_t k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++) {
        if (flags & flag_names[k].bit) {
            int     n = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", flag_names[k].name);

            if (n < 0 || (size_t) n >= len - o)
                return o;
            o += (size_t) n;
        }
    }
    if (o == 0) {
        snprintf(buf, len, "none");
        o = strlen(buf);
    }
    return o;
}
