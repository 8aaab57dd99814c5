/* callbacks - the libmilter side: negotiate, connect, MAIL, RCPT, EOM, abort, close */

#include "config.h"

#include <sys/socket.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libmilter/mfapi.h>

#include "callbacks.h"
#include "mlog.h"
#include "rm_rcpt.h"
#include "rm_verdict.h"
#include "state.h"

#define TEMPFAIL_REPLY "451 4.3.0 Relay permission can not be checked now, try again later"

/* The macros we ask for, per stage (smfi_setsymlist). */
#define MACROS_CONNECT "{daemon_addr} {if_addr} {daemon_name} j _"
#define MACROS_ENVFROM "{auth_authen} {auth_type} i"
#define MACROS_ENVRCPT "{rcpt_addr} {rcpt_host} {rcpt_mailer} i"

/*
 * The protocol steps we do not need; the MTA may not offer them all.  DATA
 * stays on although nothing is decided there: Postfix sends the DATA-stage
 * macros even for a milter that switched the step off, and that unanswered
 * write is then held by the peer's delayed ACK, so that end of message
 * waits some 40 ms (Nagle).  Answering DATA (libmilter's CONTINUE) carries
 * the ACK.  Found by bench/e2e-overhead.sh.
 */
#define STEPS_OFF (SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY \
                   | SMFIP_NOUNKNOWN)

static atomic_int in_flight;

/* Per message: from MAIL to the end of the message or an abort. */
typedef struct cb_msg {
    bool    auth;                       /* {auth_authen} was not empty */
} cb_msg;

/* Per connection: from connect to close. */
typedef struct cb_conn {
    rm_addr client;
    enum rm_addr_state client_state;    /* MISSING: local submission */
    rm_addr local;                      /* the server side of the connection */
    enum rm_addr_state local_state;
    char    client_text[RM_ADDR_STRLEN];
    cb_msg *msg;                        /* NULL outside a transaction */
} cb_conn;

int     callbacks_in_flight(void)
{
    return atomic_load(&in_flight);
}

static void enter(void)
{
    atomic_fetch_add(&in_flight, 1);
}

static sfsistat leave(sfsistat r)
{
    atomic_fetch_sub(&in_flight, 1);
    return r;
}

/* set_reply - "550 5.7.1 text" split into the three parts smfi_setreply wants */

static sfsistat set_reply(SMFICTX *ctx, const char *reply, sfsistat status)
{
    char    buf[512], *xcode, *text = NULL;

    snprintf(buf, sizeof(buf), "%s", reply);
    if ((xcode = strchr(buf, ' ')) != NULL) {
        *xcode++ = '\0';
        if ((text = strchr(xcode, ' ')) != NULL)
            *text++ = '\0';
    }
    if (smfi_setreply(ctx, buf, xcode, text) == MI_FAILURE)
        mlog_warnx("libmilter refused the reply \"%s\"; the MTA's default reply is used", reply);
    return status;
}

static const char *client_name(const cb_conn *c)
{
    if (c == NULL)
        return "unknown";
    return c->client_text;
}

/* rcpt_fmt - "<addr>" for the log, angle brackets added when missing;
 * "none" before there is a recipient (connect, MAIL) */

static const char *rcpt_fmt(const char *rcpt, char *buf, size_t len)
{
    if (rcpt == NULL)
        snprintf(buf, len, "none");
    else if (rcpt[0] == '<')
        snprintf(buf, len, "%.320s", rcpt);
    else
        snprintf(buf, len, "<%.320s>", rcpt);
    return buf;
}

/*
 * on_error - no decision can be made: the configuration's on_error says
 * what happens (tempfail, accept, reject).  Report mode never rejects.
 * The one place that turns a failure into a milter reply.
 */
static sfsistat on_error(SMFICTX *ctx, const rm_snapshot *s, const cb_conn *c,
                         const char *rcpt, const char *reason)
{
    enum rm_on_error how = s ? s->cfg->on_error : RM_ON_ERROR_TEMPFAIL;
    bool    report = s && s->cfg->mode == RM_MODE_REPORT;
    char    rb[400];
    const char *action;

    state_count(RM_CTL_D_ERROR);
    action = how == RM_ON_ERROR_ACCEPT ? "accept" : how == RM_ON_ERROR_TEMPFAIL ? "tempfail"
        : report ? "would-reject" : "reject";
    mlog_warnx("no decision client=%s rcpt=%s reason=%s action=%s",
               client_name(c), rcpt_fmt(rcpt, rb, sizeof(rb)), reason, action);
    switch (how) {
    case RM_ON_ERROR_TEMPFAIL:
        return set_reply(ctx, TEMPFAIL_REPLY, SMFIS_TEMPFAIL);
    case RM_ON_ERROR_REJECT:
        if (!report)
            return set_reply(ctx, s->cfg->reject_reply, SMFIS_REJECT);
        return SMFIS_CONTINUE;
    default:
        return SMFIS_CONTINUE;
    }
}

/* on_error_now - on_error with the snapshot in force */

static sfsistat on_error_now(SMFICTX *ctx, const cb_conn *c, const char *rcpt, const char *reason)
{
    rm_snapshot *s = state_acquire();
    sfsistat r = on_error(ctx, s, c, rcpt, reason);

    rm_snapshot_unref(s);
    return r;
}

/*
 * macro_addr - the address in a macro: "192.0.2.1", "2001:db8::1",
 * "IPv6:2001:db8::1" or "[...]" (Sendmail writes literals).  An empty or
 * missing macro is MISSING, anything else that does not parse is BAD.
 */
static enum rm_addr_state macro_addr(SMFICTX *ctx, const char *name, rm_addr *a)
{
    const char *v = smfi_getsymval(ctx, (char *) name);
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

static void free_msg(cb_conn *c)
{
    if (c && c->msg) {
        free(c->msg);
        c->msg = NULL;
    }
}

/* cb_negotiate - switch off the steps we do not use, ask for our macros */

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                             unsigned long f2, unsigned long f3,
                             unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    (void) f2;
    (void) f3;
    enter();
    *pf0 = 0;
    *pf1 = f1 & STEPS_OFF;
    *pf2 = 0;
    *pf3 = 0;
    if (f0 & SMFIF_SETSYMLIST) {
        *pf0 |= SMFIF_SETSYMLIST;
        if (smfi_setsymlist(ctx, SMFIM_CONNECT, (char *) MACROS_CONNECT) == MI_FAILURE
            || smfi_setsymlist(ctx, SMFIM_ENVFROM, (char *) MACROS_ENVFROM) == MI_FAILURE
            || smfi_setsymlist(ctx, SMFIM_ENVRCPT, (char *) MACROS_ENVRCPT) == MI_FAILURE)
            mlog_warnx("smfi_setsymlist failed; the MTA's configured macros are used");
    }
    return leave(SMFIS_CONTINUE);
}

/* cb_connect - remember the client and the server side of the connection */

static sfsistat cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
    cb_conn *c;
    enum rm_addr_state d, i;
    rm_addr da, ia;

    (void) hostname;
    enter();
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        mlog_errx("out of memory at connect");
        return leave(on_error_now(ctx, NULL, NULL, "out-of-memory"));
    }
    if (hostaddr == NULL || hostaddr->sa_family == AF_UNIX) {
        c->client_state = RM_ADDR_MISSING;
        snprintf(c->client_text, sizeof(c->client_text), "local");
    } else if (hostaddr->sa_family == AF_INET || hostaddr->sa_family == AF_INET6) {
        rm_addr_from_sockaddr(hostaddr, &c->client);   /* folds ::ffff:a.b.c.d */
        c->client_state = RM_ADDR_KNOWN;
        rm_addr_format(&c->client, c->client_text, sizeof(c->client_text));
    } else {
        c->client_state = RM_ADDR_BAD;
        snprintf(c->client_text, sizeof(c->client_text), "unknown");
    }
    /*
     * {daemon_addr}, else {if_addr}.  Sendmail's {daemon_addr} is the
     * address the listener was configured with: 0.0.0.0 (or IPv6:::) for
     * one on every address, which says nothing about the address the
     * client reached.  Then only {if_addr}, the connection's own address,
     * does; Sendmail leaves that empty on loopback.
     */
    d = macro_addr(ctx, "{daemon_addr}", &da);
    if (d == RM_ADDR_KNOWN && da.v == 0)
        d = RM_ADDR_WILDCARD;
    i = d == RM_ADDR_KNOWN ? RM_ADDR_MISSING : macro_addr(ctx, "{if_addr}", &ia);
    if (d == RM_ADDR_KNOWN) {
        c->local = da;
        c->local_state = RM_ADDR_KNOWN;
    } else if (i == RM_ADDR_KNOWN) {
        c->local = ia;
        c->local_state = RM_ADDR_KNOWN;
    } else {
        c->local_state = (d == RM_ADDR_BAD || i == RM_ADDR_BAD) ? RM_ADDR_BAD : d;
    }
    if (smfi_setpriv(ctx, c) == MI_FAILURE) {
        free(c);
        return leave(on_error_now(ctx, NULL, NULL, "cannot-keep-connection-state"));
    }
    return leave(SMFIS_CONTINUE);
}

/* cb_envfrom - a new message: did the client authenticate? */

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
    cb_conn *c = smfi_getpriv(ctx);
    const char *authen;

    (void) argv;
    enter();
    if (c == NULL)
        return leave(on_error_now(ctx, NULL, NULL, "no-connection-state"));
    free_msg(c);
    if ((c->msg = calloc(1, sizeof(*c->msg))) == NULL) {
        mlog_errx("out of memory at MAIL");
        return leave(on_error_now(ctx, c, NULL, "out-of-memory"));
    }
    authen = smfi_getsymval(ctx, (char *) "{auth_authen}");
    c->msg->auth = authen != NULL && authen[0] != '\0';
    return leave(SMFIS_CONTINUE);
}

/* log_denial - one line per denied (or, in report mode, would-be denied) recipient */

static void log_denial(const rm_snapshot *s, const cb_conn *c, const char *rcpt,
                       const rm_decision *d, bool report)
{
    char    where[RM_PATH_LEN + 16], entry[RM_ENTRY_STRLEN], rb[400];

    rcpt_fmt(rcpt, rb, sizeof(rb));
    if (rm_snapshot_where(s, d, where, sizeof(where), entry, sizeof(entry)) > 0)
        mlog_info("%s client=%s rcpt=%s rule=%s list=%s entry=%s", report ? "would-deny" : "deny",
                  c->client_text, rb, rm_rule_name(d->rule), where, entry);
    else
        mlog_info("%s client=%s rcpt=%s rule=%s", report ? "would-deny" : "deny",
                  c->client_text, rb, rm_rule_name(d->rule));
}

/* rcpt_decide - the verdict for one recipient, turned into a milter reply */

static sfsistat rcpt_decide(SMFICTX *ctx, const rm_snapshot *s, const cb_conn *c, const char *rcpt)
{
    rm_verdict_in in;
    rm_verdict v;

    rm_verdict_in_init(&in);
    in.rcpt = rcpt;
    in.rcpt_len = rcpt ? strlen(rcpt) : 0;
    in.mailer = smfi_getsymval(ctx, (char *) "{rcpt_mailer}");
    in.client = c->client;
    in.client_state = c->client_state;
    in.local = c->local;
    in.local_state = c->local_state;
    in.auth = c->msg != NULL && c->msg->auth;
    rm_verdict_decide(s, &in, &v);

    switch (v.kind) {
    case RM_VERDICT_LOCAL:
        state_count(RM_CTL_D_LOCAL_RECIPIENT);
        return SMFIS_CONTINUE;
    case RM_VERDICT_NONE:
        return on_error(ctx, s, c, rcpt, rm_verdict_nodec_name(v.nodec));
    case RM_VERDICT_ALLOW:
        state_count(rm_ctl_decision_of_rule(v.decision.rule));
        return SMFIS_CONTINUE;
    default:
        state_count(rm_ctl_decision_of_rule(v.decision.rule));
        log_denial(s, c, rcpt, &v.decision, s->cfg->mode == RM_MODE_REPORT);
        if (s->cfg->mode == RM_MODE_REPORT)
            return SMFIS_CONTINUE;
        return set_reply(ctx, s->cfg->reject_reply, SMFIS_REJECT);
    }
}

/* cb_envrcpt - decide one recipient; a rejection affects it alone */

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
    cb_conn *c = smfi_getpriv(ctx);
    const char *rcpt = argv ? argv[0] : NULL;
    rm_snapshot *s;
    sfsistat r;

    enter();
    s = state_acquire();
    if (c == NULL)
        r = on_error(ctx, s, c, rcpt, "no-connection-state");
    else
        r = rcpt_decide(ctx, s, c, rcpt);
    rm_snapshot_unref(s);
    return leave(r);
}

/* cb_eom, cb_abort - the message is over: its state goes */

static sfsistat cb_eom(SMFICTX *ctx)
{
    enter();
    free_msg(smfi_getpriv(ctx));
    return leave(SMFIS_CONTINUE);
}

static sfsistat cb_abort(SMFICTX *ctx)
{
    enter();
    free_msg(smfi_getpriv(ctx));
    return leave(SMFIS_CONTINUE);
}

/* cb_close - the connection is over: everything goes */

static sfsistat cb_close(SMFICTX *ctx)
{
    cb_conn *c;

    enter();
    if ((c = smfi_getpriv(ctx)) != NULL) {
        free_msg(c);
        free(c);
        smfi_setpriv(ctx, NULL);
    }
    return leave(SMFIS_CONTINUE);
}

static char filter_name[] = "relaymilter";

static struct smfiDesc filter = {
    .xxfi_name = filter_name,
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_NONE,
    .xxfi_connect = cb_connect,
    .xxfi_helo = NULL,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_header = NULL,
    .xxfi_eoh = NULL,
    .xxfi_body = NULL,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_unknown = NULL,
    .xxfi_data = NULL,
    .xxfi_negotiate = cb_negotiate,
};

int     callbacks_register(void)
{
    return smfi_register(filter) == MI_SUCCESS ? 0 : -1;
}
