/* SPDX-License-Identifier: BSD-2-Clause */
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
#include "rm_logfmt.h"
#include "rm_rcpt.h"
#include "rm_verdict.h"
#include "state.h"

#define TEMPFAIL_REPLY "451 4.3.0 Relay permission can not be checked now, try again later"

/* The macros we ask for, per stage (smfi_setsymlist).  Postfix has no HELO
 * macro: the HELO step itself brings the name. */
#define MACROS_CONNECT "{daemon_addr} {if_addr} {daemon_name} j _"
#define MACROS_ENVFROM "{auth_authen} {auth_type} i"
#define MACROS_ENVRCPT "{rcpt_addr} {rcpt_host} {rcpt_mailer} i"

/*
 * The protocol steps we do not need; the MTA may not offer them all.  DATA
 * stays on although nothing is decided there: Postfix sends the DATA-stage
 * macros even for a milter that switched the step off, and that unanswered
 * write is then held by the peer's delayed ACK, so that end of message
 * waits some 40 ms (Nagle).  Answering DATA (libmilter's CONTINUE) carries
 * the ACK.  Found by bench/e2e-overhead.sh.  HELO stays on for the log.
 */
#define STEPS_OFF (SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN)

#define TEXT_MAX 330                    /* a sender, SASL user, HELO name or recipient */

static atomic_int in_flight;

/*
 * What the end of a non-SMTP message must do.  Postfix's cleanup can not
 * reject one recipient of a message that did not come by SMTP ("can't
 * reject recipient in non-smtpd(8) submission": the message stays in the
 * maildrop queue and is retried for ever); a rejection at the end of the
 * message bounces it at once, and a temporary failure there keeps it for
 * a later try.  So RCPT only remembers, and EOM answers.
 */
enum eom_action { EOM_ACCEPT = 0, EOM_TEMPFAIL, EOM_REJECT };

/* Per message: from MAIL to the end of the message or an abort. */
typedef struct cb_msg {
    bool    auth;                       /* {auth_authen} was not empty */
    char    sender[TEXT_MAX];           /* MAIL FROM, for the log */
    char    sasl_user[TEXT_MAX];
    enum eom_action eom;                /* non-SMTP: the answer at the end */
    char    eom_rcpt[TEXT_MAX];         /* ... and the first recipient that caused it */
} cb_msg;

/* Per connection: from connect to close. */
typedef struct cb_conn {
    rm_addr client;
    enum rm_addr_state client_state;    /* MISSING: local submission */
    enum rm_conn_kind kind;             /* NON_SMTP: decisions wait for EOM */
    rm_addr local;                      /* the server side of the connection */
    enum rm_addr_state local_state;
    char    client_text[RM_ADDR_STRLEN];
    char    server_text[RM_ADDR_STRLEN];
    char    helo[TEXT_MAX];
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

/* copy_text - a macro or argument for the log; "" when absent */

static void copy_text(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

/* bracket - "<addr>", angle brackets added when missing; "" for none */

static const char *bracket(const char *addr, char *buf, size_t len)
{
    if (addr == NULL)
        snprintf(buf, len, "%s", "");
    else if (addr[0] == '<')
        snprintf(buf, len, "%.320s", addr);
    else
        snprintf(buf, len, "<%.320s>", addr);
    return buf;
}

/*
 * log_decision - the one line per decision (rm_logfmt): info for a
 * decision, a warning when none could be made.  c, in and v may be NULL
 * (no connection state, or no verdict: reason says why).
 */
static void log_decision(SMFICTX *ctx, const rm_snapshot *s, const cb_conn *c, const char *rcpt,
                         const rm_verdict_in *in, const rm_verdict *v, const char *action,
                         const char *reason)
{
    char    line[RM_LOGFMT_LINE_MAX], rb[TEXT_MAX + 2];
    rm_logfmt_facts f = {0};

    f.action = action;
    f.queue_id = smfi_getsymval(ctx, (char *) "i");
    f.rcpt = bracket(rcpt, rb, sizeof(rb));
    f.reason = reason;
    if (c) {
        f.client = c->client_text;
        f.server = c->server_text;
        f.helo = c->helo;
        if (c->msg) {
            f.sender = c->msg->sender;
            f.sasl_user = c->msg->sasl_user;
        }
    }
    rm_logfmt_decision(line, sizeof(line), &f, s, in, v);
    if (v == NULL || v->kind == RM_VERDICT_NONE)
        mlog_warnx("%s", line);
    else
        mlog_info("%s", line);
}

/* defer_to_eom - a non-SMTP message: remember what its end must answer */

static sfsistat defer_to_eom(cb_conn *c, enum eom_action a, const char *rcpt)
{
    if (c->msg && a > c->msg->eom) {
        c->msg->eom = a;
        copy_text(c->msg->eom_rcpt, sizeof(c->msg->eom_rcpt), rcpt);
    }
    return SMFIS_CONTINUE;
}

static bool non_smtp(const cb_conn *c)
{
    return c != NULL && c->kind == RM_CONN_NON_SMTP && c->msg != NULL;
}

/*
 * on_error - no decision can be made: the configuration's on_error says
 * what happens (tempfail, accept, reject).  Report mode never rejects.
 * The one place that turns a failure into a milter reply.
 */
static sfsistat on_error(SMFICTX *ctx, const rm_snapshot *s, cb_conn *c, const char *rcpt,
                         const rm_verdict_in *in, const rm_verdict *v, const char *reason)
{
    enum rm_on_error how = s ? s->cfg->on_error : RM_ON_ERROR_TEMPFAIL;
    bool    report = s && s->cfg->mode == RM_MODE_REPORT;
    bool    later = non_smtp(c);
    const char *action;

    state_count(RM_CTL_D_ERROR);
    if (how == RM_ON_ERROR_ACCEPT || (how == RM_ON_ERROR_REJECT && report))
        action = how == RM_ON_ERROR_ACCEPT ? "accept" : "would-reject";
    else if (how == RM_ON_ERROR_TEMPFAIL)
        action = later ? "tempfail-message" : "tempfail";
    else
        action = later ? "reject-message" : "reject";
    log_decision(ctx, s, c, rcpt, in, v, action, reason);
    switch (how) {
    case RM_ON_ERROR_TEMPFAIL:
        if (later)
            return defer_to_eom(c, EOM_TEMPFAIL, rcpt);
        return set_reply(ctx, TEMPFAIL_REPLY, SMFIS_TEMPFAIL);
    case RM_ON_ERROR_REJECT:
        if (report)
            return SMFIS_CONTINUE;
        if (later)
            return defer_to_eom(c, EOM_REJECT, rcpt);
        return set_reply(ctx, s->cfg->reject_reply, SMFIS_REJECT);
    default:
        return SMFIS_CONTINUE;
    }
}

/* on_error_now - on_error with the snapshot in force */

static sfsistat on_error_now(SMFICTX *ctx, cb_conn *c, const char *rcpt, const char *reason)
{
    rm_snapshot *s = state_acquire();
    sfsistat r = on_error(ctx, s, c, rcpt, NULL, NULL, reason);

    rm_snapshot_unref(s);
    return r;
}

/* macro_addr - the address in a macro, as lib reads an MTA's macros */

static enum rm_addr_state macro_addr(SMFICTX *ctx, const char *name, rm_addr *a)
{
    return rm_verdict_macro_addr(smfi_getsymval(ctx, (char *) name), a);
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

    enter();
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        mlog_errx("out of memory at connect");
        return leave(on_error_now(ctx, NULL, NULL, "out-of-memory"));
    }
    c->client_state = rm_verdict_client(hostaddr, hostname, &c->client, &c->kind);
    if (c->client_state == RM_ADDR_KNOWN)
        rm_addr_format(&c->client, c->client_text, sizeof(c->client_text));
    else
        snprintf(c->client_text, sizeof(c->client_text), "%s",
                 c->client_state == RM_ADDR_MISSING ? "local" : "unknown");
    /*
     * {daemon_addr}, else {if_addr}.  Sendmail's {daemon_addr} is the
     * address the listener was configured with: 0.0.0.0 (or IPv6:::) for
     * one on every address, which says nothing about the address the
     * client reached.  Then only {if_addr}, the connection's own address,
     * does; Sendmail leaves that empty on loopback.
     */
    d = macro_addr(ctx, "{daemon_addr}", &da);
    if (d == RM_ADDR_KNOWN)
        d = rm_verdict_server_state(&da);
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
    if (c->local_state == RM_ADDR_KNOWN)
        rm_addr_format(&c->local, c->server_text, sizeof(c->server_text));
    if (smfi_setpriv(ctx, c) == MI_FAILURE) {
        free(c);
        return leave(on_error_now(ctx, NULL, NULL, "cannot-keep-connection-state"));
    }
    return leave(SMFIS_CONTINUE);
}

/* cb_helo - the HELO name, for the log only: the client chose it */

static sfsistat cb_helo(SMFICTX *ctx, char *name)
{
    cb_conn *c = smfi_getpriv(ctx);

    enter();
    if (c != NULL)
        copy_text(c->helo, sizeof(c->helo), name);
    return leave(SMFIS_CONTINUE);
}

/* cb_envfrom - a new message: did the client authenticate? */

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
    cb_conn *c = smfi_getpriv(ctx);
    const char *authen;

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
    copy_text(c->msg->sasl_user, sizeof(c->msg->sasl_user), authen);
    bracket(argv ? argv[0] : NULL, c->msg->sender, sizeof(c->msg->sender));
    return leave(SMFIS_CONTINUE);
}

/* rcpt_decide - the verdict for one recipient, turned into a milter reply */

static sfsistat rcpt_decide(SMFICTX *ctx, const rm_snapshot *s, cb_conn *c, const char *rcpt)
{
    rm_verdict_in in;
    rm_verdict v;
    bool    report;

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
        return on_error(ctx, s, c, rcpt, &in, &v, NULL);
    case RM_VERDICT_ALLOW:
        state_count(rm_ctl_decision_of_rule(v.decision.rule));
        if (s->cfg->log_allowed)
            log_decision(ctx, s, c, rcpt, &in, &v, "accept", NULL);
        return SMFIS_CONTINUE;
    default:
        state_count(rm_ctl_decision_of_rule(v.decision.rule));
        report = s->cfg->mode == RM_MODE_REPORT;
        log_decision(ctx, s, c, rcpt, &in, &v,
                     report ? "would-reject" : non_smtp(c) ? "reject-message" : "reject", NULL);
        if (report)
            return SMFIS_CONTINUE;
        if (non_smtp(c))
            return defer_to_eom(c, EOM_REJECT, rcpt);
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
        r = on_error(ctx, s, c, rcpt, NULL, NULL, "no-connection-state");
    else
        r = rcpt_decide(ctx, s, c, rcpt);
    rm_snapshot_unref(s);
    return leave(r);
}

/*
 * eom_reply - a non-SMTP message that RCPT could not refuse: reject it
 * (Postfix bounces it to the sender at once) or fail it for now.  The text
 * names the recipient, since the other recipients bounce with it; bytes
 * that do not belong in a reply are replaced.
 */
static sfsistat eom_reply(SMFICTX *ctx, const cb_msg *m)
{
    rm_snapshot *s = state_acquire();
    char    reply[512], rb[TEXT_MAX + 2];
    sfsistat r;

    bracket(m->eom_rcpt, rb, sizeof(rb));
    for (char *p = rb; *p; p++)
        if (*p == '%' || (unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
            *p = '?';
    if (m->eom == EOM_REJECT && s != NULL) {
        snprintf(reply, sizeof(reply), "%.300s (relay recipient %s)", s->cfg->reject_reply, rb);
        r = set_reply(ctx, reply, SMFIS_REJECT);
    } else {
        r = set_reply(ctx, TEMPFAIL_REPLY, SMFIS_TEMPFAIL);
    }
    rm_snapshot_unref(s);
    return r;
}

/* cb_eom, cb_abort - the message is over: its state goes */

static sfsistat cb_eom(SMFICTX *ctx)
{
    cb_conn *c = smfi_getpriv(ctx);
    sfsistat r = SMFIS_CONTINUE;

    enter();
    if (c && c->msg && c->msg->eom != EOM_ACCEPT)
        r = eom_reply(ctx, c->msg);
    free_msg(c);
    return leave(r);
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
    .xxfi_helo = cb_helo,
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
