/* rm_policy - the Exchange 5.5 relay model (KB Q193922), with reasons */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rm_policy.h"

static const char *const rule_names[RM_RULE__COUNT] = {
    "deny-list",
    "allow-list",
    "local-ip",
    "auth",
    "deny-only",
    "default-deny",
    "local-submission",
};

static const char *const list_names[RM_LIST__COUNT] = {"deny", "allow", "local"};

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

const char *rm_list_kind_name(enum rm_list_kind k)
{
    return (unsigned) k < RM_LIST__COUNT ? list_names[k] : "unknown";
}

static bool on_list(const rm_policy *p, enum rm_list_kind k, const rm_addr *a, rm_match *m)
{
    const rm_list *l = p->lists[k];

    return l != NULL && a->family != RM_AF_NONE && rm_list_match(l, a, m);
}

/* rm_policy_decide - the first rule that applies decides */

void    rm_policy_decide(const rm_policy *p, const rm_query *q, rm_decision *d)
{
    unsigned f = p->flags;

    d->list = -1;
    d->match.entry = 0;
    if (q->client.family == RM_AF_NONE && p->local_submission_allow) {
        d->allow = true;
        d->rule = RM_RULE_LOCAL_SUBMISSION;
        return;
    }
    if ((f & RM_FLAG_DENY) && on_list(p, RM_LIST_DENY, &q->client, &d->match)) {
        d->allow = false;
        d->rule = RM_RULE_DENY_LIST;
        d->list = RM_LIST_DENY;
        return;
    }
    if ((f & RM_FLAG_ALLOW) && on_list(p, RM_LIST_ALLOW, &q->client, &d->match)) {
        d->allow = true;
        d->rule = RM_RULE_ALLOW_LIST;
        d->list = RM_LIST_ALLOW;
        return;
    }
    if ((f & RM_FLAG_LOCAL) && on_list(p, RM_LIST_LOCAL, &q->local, &d->match)) {
        d->allow = true;
        d->rule = RM_RULE_LOCAL_IP;
        d->list = RM_LIST_LOCAL;
        return;
    }
    if ((f & RM_FLAG_AUTH) && q->auth) {
        d->allow = true;
        d->rule = RM_RULE_AUTH;
        return;
    }
    d->match.entry = 0;
    if (f == RM_FLAG_DENY) {
        d->allow = true;
        d->rule = RM_RULE_DENY_ONLY;
        return;
    }
    d->allow = false;
    d->rule = RM_RULE_DEFAULT;
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
            snprintf(err, errlen, "relay_flags number must be 0 to 15, not \"%s\"", s);
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
            snprintf(err, errlen, "unknown relay flag \"%.*s\" (use deny, allow, local, auth, or 0-15)",
                     (int) (n > 40 ? 40 : n), p);
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
