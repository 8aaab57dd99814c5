/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_verdict - one recipient's verdict: local, allow, deny or no decision */

#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rm_kind.h"
#include "rm_snapshot.h"
#include "rm_verdict.h"

static const char *const kind_names[RM_VERDICT__COUNT] = {
    [RM_VERDICT_LOCAL] = "local",
    [RM_VERDICT_ALLOW] = "allow",
    [RM_VERDICT_DENY] = "deny",
    [RM_VERDICT_NONE] = "no-decision",
};

/* These are the reasons the milter has always logged; keep them stable. */
static const char *const nodec_names[RM_NODEC__COUNT] = {
    [RM_NODEC_NONE] = "",
    [RM_NODEC_NO_POLICY] = "no-policy-loaded",
    [RM_NODEC_NO_RECIPIENT] = "no-recipient",
    [RM_NODEC_NO_RCPT_MAILER] = "no-rcpt_mailer-macro",
    [RM_NODEC_UNPARSEABLE_RCPT] = "unparseable-recipient",
    [RM_NODEC_CLIENT_ADDR_BAD] = "unknown-client-address-family",
    [RM_NODEC_LOCAL_ADDR_BAD] = "bad-daemon_addr-macro",
    [RM_NODEC_LOCAL_ADDR_WILDCARD] = "wildcard-daemon_addr-and-no-if_addr",
    [RM_NODEC_LOCAL_ADDR_MISSING] = "no-daemon_addr-or-if_addr-macro",
};

static const char *const state_names[RM_ADDR__COUNT] = {
    [RM_ADDR_KNOWN] = "known",
    [RM_ADDR_MISSING] = "missing",
    [RM_ADDR_BAD] = "bad",
    [RM_ADDR_WILDCARD] = "wildcard",
};

const char *rm_verdict_kind_name(enum rm_verdict_kind k)
{
    return (unsigned) k < RM_VERDICT__COUNT ? kind_names[k] : "unknown";
}

const char *rm_verdict_nodec_name(enum rm_verdict_nodec n)
{
    return (unsigned) n < RM_NODEC__COUNT ? nodec_names[n] : "unknown";
}

const char *rm_addr_state_name(enum rm_addr_state s)
{
    return (unsigned) s < RM_ADDR__COUNT ? state_names[s] : "unknown";
}

void    rm_verdict_in_init(rm_verdict_in *in)
{
    memset(in, 0, sizeof(*in));
    in->client_state = RM_ADDR_MISSING;
    in->local_state = RM_ADDR_MISSING;
}

/* no_decision - set v to "no decision", for reason n */

static void no_decision(rm_verdict *v, enum rm_verdict_nodec n)
{
    v->kind = RM_VERDICT_NONE;
    v->nodec = n;
}

/*
 * classify - is the recipient local?  Returns 1 local, 0 relay, -1 no
 * decision (v says why).  With relay_detect = domains an address that does
 * not parse counts as relay: junk must never open the relay.  With
 * relay_detect = mailer the MTA has resolved the recipient: its mailer
 * decides, as long as nothing is routed.  An unqualified recipient
 * (RCPT TO:<user>, which Sendmail and Postfix both accept) has no domain
 * to parse, but the mailer still knows where it goes.
 */
static int classify(const rm_snapshot *s, const rm_verdict_in *in, rm_verdict *v)
{
    const rm_config *cfg = s->cfg;

    v->classified = true;
    if (cfg->relay_detect == RM_DETECT_DOMAINS)
        return rm_rcpt_classify(in->rcpt, in->rcpt_len, s->domains, &v->rcpt) == RM_RCPT_LOCAL;
    if (in->mailer == NULL || in->mailer[0] == '\0') {
        v->classified = false;
        no_decision(v, RM_NODEC_NO_RCPT_MAILER);
        return -1;
    }
    if (rm_rcpt_parse(in->rcpt, in->rcpt_len, &v->rcpt) < 0
        && (v->rcpt.why != RM_RCPT_WHY_NO_DOMAIN || v->rcpt.source_route)) {
        v->classified = false;
        no_decision(v, RM_NODEC_UNPARSEABLE_RCPT);
        return -1;
    }
    v->by_mailer = true;
    return rm_config_mailer_is_local(cfg, in->mailer) && v->rcpt.routing == 0;
}

/*
 * local_rule_unanswered - without the server-side address the local-IP
 * rule could not be asked.  A rule before it still decides, and so does
 * the auth rule's allow: the local rule could only have allowed as well.
 * Any later rule's answer might have been the local rule's allow instead,
 * so that is no decision.  Returns the reason, or RM_NODEC_NONE.
 */
static enum rm_verdict_nodec local_rule_unanswered(const rm_snapshot *s, const rm_verdict_in *in,
                                                   const rm_decision *d)
{
    if (!(s->cfg->relay_flags & RM_FLAG_LOCAL) || in->client_state != RM_ADDR_KNOWN
        || in->local_state == RM_ADDR_KNOWN)
        return RM_NODEC_NONE;
    if (d->rule != RM_RULE_DENY_ONLY && d->rule != RM_RULE_DEFAULT)
        return RM_NODEC_NONE;
    switch (in->local_state) {
    case RM_ADDR_BAD:
        return RM_NODEC_LOCAL_ADDR_BAD;
    case RM_ADDR_WILDCARD:
        return RM_NODEC_LOCAL_ADDR_WILDCARD;
    default:
        return RM_NODEC_LOCAL_ADDR_MISSING;
    }
}

/* rm_verdict_query - what the policy is asked for in */

void    rm_verdict_query(const rm_verdict_in *in, rm_query *q)
{
    memset(q, 0, sizeof(*q));
    if (in->client_state == RM_ADDR_KNOWN)
        q->client = in->client;
    if (in->local_state == RM_ADDR_KNOWN)
        q->local = in->local;
    q->auth = in->auth;
}

/* rm_verdict_decide - classify the recipient, then ask the policy */

void    rm_verdict_decide(const rm_snapshot *s, const rm_verdict_in *in, rm_verdict *v)
{
    rm_query q;
    int     local;

    memset(v, 0, sizeof(*v));
    v->decision.list = -1;
    if (s == NULL) {
        no_decision(v, RM_NODEC_NO_POLICY);
        return;
    }
    if (!in->rcpt_is_relay) {
        if (in->rcpt == NULL) {
            no_decision(v, RM_NODEC_NO_RECIPIENT);
            return;
        }
        if ((local = classify(s, in, v)) < 0)
            return;
        if (local) {
            v->kind = RM_VERDICT_LOCAL;
            return;
        }
    }
    if (in->client_state == RM_ADDR_BAD || in->client_state == RM_ADDR_WILDCARD) {
        no_decision(v, RM_NODEC_CLIENT_ADDR_BAD);
        return;
    }
    rm_verdict_query(in, &q);
    rm_snapshot_decide(s, &q, &v->decision);
    rm_verdict_of_decision(s, in, v);
}

/* rm_verdict_of_decision - finish a verdict from the policy's decision */

void    rm_verdict_of_decision(const rm_snapshot *s, const rm_verdict_in *in, rm_verdict *v)
{
    v->asked_policy = true;
    if ((v->nodec = local_rule_unanswered(s, in, &v->decision)) != RM_NODEC_NONE) {
        v->kind = RM_VERDICT_NONE;
        return;
    }
    v->kind = v->decision.allow ? RM_VERDICT_ALLOW : RM_VERDICT_DENY;
}

/* rm_verdict_relay_reason - why the recipient counts as relay */

size_t  rm_verdict_relay_reason(const rm_verdict *v, const rm_verdict_in *in,
                                char *buf, size_t len)
{
    const char *why, *route;
    int     n;

    if (len)
        buf[0] = '\0';
    if (!v->classified || v->kind == RM_VERDICT_LOCAL)
        return 0;
    why = rm_rcpt_why_name(v->rcpt.why);
    route = v->rcpt.source_route ? "source-route," : "";
    if (v->by_mailer && v->rcpt.routing == 0)
        n = snprintf(buf, len, "%smailer-%.64s", route, in->mailer);
    else if (v->rcpt.kind == RM_RCPT_INVALID)
        n = snprintf(buf, len, "invalid-%s", why);
    else if (v->rcpt.literal && v->rcpt.why == RM_RCPT_WHY_REMOTE_DOMAIN)
        n = snprintf(buf, len, "%sforeign-literal", route);
    else
        n = snprintf(buf, len, "%s%s", route, why);
    return n < 0 ? 0 : (size_t) n;
}

/* sa_port - the port of an AF_INET or AF_INET6 address */

static unsigned sa_port(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *) (const void *) sa)->sin_port);
    return ntohs(((const struct sockaddr_in6 *) (const void *) sa)->sin6_port);
}

/* is_loopback_host - 127.0.0.1 or ::1, the addresses cleanup fabricates */

static bool is_loopback_host(const rm_addr *a)
{
    return (a->family == RM_AF_INET && a->v == 0x7f000001u)
        || (a->family == RM_AF_INET6 && a->v == 1);
}

/* rm_verdict_client - the client's state, from the MTA's connect step */

enum rm_addr_state rm_verdict_client(const struct sockaddr *sa, const char *hostname,
                                     rm_addr *a, enum rm_conn_kind *kind)
{
    enum rm_conn_kind k;
    enum rm_addr_state st;

    memset(a, 0, sizeof(*a));
    if (sa == NULL || sa->sa_family == AF_UNIX) {
        k = RM_CONN_LOCAL_SMTP;
        st = RM_ADDR_MISSING;
    } else if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) {
        k = RM_CONN_OTHER;
        st = RM_ADDR_BAD;
    } else {
        rm_addr_from_sockaddr(sa, a);   /* folds ::ffff:a.b.c.d */
        if (sa_port(sa) == 0 && is_loopback_host(a) && hostname != NULL
            && strcmp(hostname, "localhost") == 0) {
            memset(a, 0, sizeof(*a));
            k = RM_CONN_NON_SMTP;
            st = RM_ADDR_MISSING;
        } else {
            k = RM_CONN_SMTP;
            st = RM_ADDR_KNOWN;
        }
    }
    if (kind)
        *kind = k;
    return st;
}

/* rm_verdict_server_state - KNOWN, or WILDCARD for an "any address" */

enum rm_addr_state rm_verdict_server_state(const rm_addr *a)
{
    return a->v == 0 ? RM_ADDR_WILDCARD : RM_ADDR_KNOWN;
}

/* rm_verdict_macro_addr - a macro's address: brackets and IPv6: taken off */

enum rm_addr_state rm_verdict_macro_addr(const char *v, rm_addr *a)
{
    char    buf[128];
    size_t  n;
    char   *p = buf;

    if (v == NULL || v[0] == '\0')
        return RM_ADDR_MISSING;
    if ((n = strlen(v)) >= sizeof(buf))
        return RM_ADDR_BAD;
    memcpy(buf, v, n + 1);
    if (p[0] == '[' && n >= 2 && p[n - 1] == ']') {
        p[n - 1] = '\0';
        p++;
    }
    if (strncasecmp(p, "IPv6:", 5) == 0)
        p += 5;
    return rm_addr_from_str(p, a, NULL) == 0 ? RM_ADDR_KNOWN : RM_ADDR_BAD;
}

int     rm_verdict_kind_parse(const char *name)
{
    for (int k = 0; k < RM_VERDICT__COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return k;
    return -1;
}

/* rcpt_reason - why a classified recipient is local or relay */

static void rcpt_reason(const rm_verdict *v, const rm_verdict_in *in, rm_verdict_report *r)
{
    if (!v->classified)
        return;
    if (v->kind == RM_VERDICT_LOCAL) {
        snprintf(r->recipient, sizeof(r->recipient), "local");
        if (v->by_mailer)
            snprintf(r->recipient_reason, sizeof(r->recipient_reason), "mailer-%.64s", in->mailer);
        else
            snprintf(r->recipient_reason, sizeof(r->recipient_reason), "%s",
                     rm_rcpt_why_name(v->rcpt.why));
        return;
    }
    snprintf(r->recipient, sizeof(r->recipient), "relay");
    rm_verdict_relay_reason(v, in, r->recipient_reason, sizeof(r->recipient_reason));
}

/* rm_verdict_report_make - the verdict's fields as text */

void    rm_verdict_report_make(const rm_snapshot *s, const rm_verdict_in *in,
                               const rm_verdict *v, rm_verdict_report *r)
{
    rm_entry_info info;

    memset(r, 0, sizeof(*r));
    r->kind = v->kind;
    snprintf(r->no_decision, sizeof(r->no_decision), "%s", rm_verdict_nodec_name(v->nodec));
    rcpt_reason(v, in, r);
    if (!v->asked_policy)
        return;
    snprintf(r->rule, sizeof(r->rule), "%s", rm_rule_name(v->decision.rule));
    if (s == NULL || v->decision.list < 0 || v->decision.list >= RM_LIST__COUNT)
        return;
    if (rm_list_entry(s->lists[v->decision.list], v->decision.match.entry, &info) < 0)
        return;
    snprintf(r->list, sizeof(r->list), "%s", rm_kind_name((enum rm_list_kind) v->decision.list));
    snprintf(r->file, sizeof(r->file), "%s", rm_list_name(s->lists[v->decision.list]));
    r->line = info.line;
    rm_entry_format(&info.entry, r->entry, sizeof(r->entry));
}
