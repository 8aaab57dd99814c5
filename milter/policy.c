/* SPDX-License-Identifier: BSD-2-Clause */
/* policy - the Postfix policy service: an epoll loop, and the one verdict-to-action function */

#include "config.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netdb.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlog.h"
#include "policy.h"
#include "rm_logfmt.h"
#include "rm_pol.h"
#include "rm_verdict.h"
#include "sockutil.h"
#include "state.h"

#define OUT_LEN 4096                    /* replies not yet taken by the peer */
#define EVENTS 64

/* One connection: what it sent that is not answered yet, and the answers. */
typedef struct pconn {
    int     fd;
    bool    writing;                    /* waiting for EPOLLOUT: reading is paused */
    time_t  last;                       /* when it last made progress */
    size_t  inlen, outoff, outlen;
    struct pconn *prev, *next;
    char    in[RM_POL_MAX_REQUEST];
    char    out[OUT_LEN];
} pconn;

static struct {
    int     lfd, ep, wake;
    char    path[4096];                 /* a unix socket's path, to remove at stop */
    dev_t   dev;
    ino_t   ino;
    pthread_t thread;
    bool    started, listening;
    pconn  *conns;
    size_t  nconns;
} pol = {-1, -1, -1, "", 0, 0, 0, false, false, NULL, 0};

static time_t now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* bracket - "<addr>" for the log; NULL when there is none */

static const char *bracket(const char *addr, char *buf, size_t len)
{
    if (addr[0] == '\0')
        return NULL;
    snprintf(buf, len, "<%s>", addr);
    return buf;
}

/*
 * log_decision - the one line per decision (rm_logfmt), as the milter
 * writes it: info for a decision, a warning when none could be made.
 * action is what Postfix was told; in report mode, "would-" and what it
 * would have been told.  in and v may be NULL (no verdict: reason says why).
 */
static void log_decision(const rm_snapshot *s, const rm_pol_req *r, const rm_verdict_in *in,
                         const rm_verdict *v, enum rm_pol_action a, const char *reason)
{
    char    line[RM_LOGFMT_LINE_MAX], rb[RM_POL_RCPT_LEN + 2], sb[RM_POL_RCPT_LEN + 2], act[64];
    rm_logfmt_facts f = {0};

    snprintf(act, sizeof(act), "%s%s", s && s->cfg->mode == RM_MODE_REPORT ? "would-" : "",
             rm_pol_action_name(a));
    f.action = act;
    f.queue_id = r->queue_id;
    f.client = r->client_address;
    f.helo = r->helo_name;
    f.sender = bracket(r->sender, sb, sizeof(sb));
    f.sasl_user = r->sasl_username;
    f.server = r->server_address;
    f.rcpt = bracket(r->recipient, rb, sizeof(rb));
    f.reason = reason;
    rm_logfmt_decision(line, sizeof(line), &f, s, in, v);
    if (v == NULL || v->kind == RM_VERDICT_NONE)
        mlog_warnx("%s", line);
    else
        mlog_info("%s", line);
}

/*
 * no_decision - on_error's action: tempfail defers relay recipients,
 * accept leaves them to the restrictions after ours, reject rejects them.
 * Local recipients pass under all three: Postfix's resolver decides.
 */
static enum rm_pol_action no_decision(const rm_snapshot *s, const rm_pol_req *r, const rm_verdict_in *in,
                                      const rm_verdict *v, const char *why)
{
    enum rm_on_error how = s ? s->cfg->on_error : RM_ON_ERROR_TEMPFAIL;
    enum rm_pol_action a = how == RM_ON_ERROR_ACCEPT ? RM_POL_DUNNO
        : how == RM_ON_ERROR_REJECT ? RM_POL_REJECT_UNAUTH : RM_POL_DEFER_UNAUTH;

    state_count(RM_CTL_D_ERROR);
    log_decision(s, r, in, v, a, why);
    return s && s->cfg->mode == RM_MODE_REPORT ? RM_POL_DUNNO : a;
}

/*
 * policy_answer - one request's verdict, turned into an access(5) action.
 * The one place that does so.  The recipient is taken as relay (see
 * rm_pol_verdict_in): a client that may relay gets OK; one that may not
 * gets reject_unauth_destination, under which Postfix still accepts the
 * recipients it delivers itself.  Report mode answers DUNNO, always.
 */
static enum rm_pol_action policy_answer(const rm_pol_req *r, const char *parse_err)
{
    rm_snapshot *s = state_acquire();
    bool    report = s && s->cfg->mode == RM_MODE_REPORT;
    rm_verdict_in in;
    rm_verdict v;
    char    why[256];
    enum rm_pol_action a;

    if (parse_err != NULL) {
        a = no_decision(s, r, NULL, NULL, parse_err);
        goto done;
    }
    switch (rm_pol_verdict_in(r, &in, why, sizeof(why))) {
    case RM_POL_NOT_RCPT:
        a = RM_POL_DUNNO;               /* relay is decided per recipient, at RCPT */
        goto done;
    case RM_POL_UNUSABLE:
        a = no_decision(s, r, NULL, NULL, why);
        goto done;
    default:
        break;
    }
    rm_verdict_decide(s, &in, &v);
    switch (v.kind) {
    case RM_VERDICT_NONE:
        a = no_decision(s, r, &in, &v, NULL);
        break;
    case RM_VERDICT_ALLOW:
        state_count(rm_ctl_decision_of_rule(v.decision.rule));
        if (s != NULL && s->cfg->log_allowed)
            log_decision(s, r, &in, &v, RM_POL_OK, NULL);
        a = report ? RM_POL_DUNNO : RM_POL_OK;
        break;
    case RM_VERDICT_DENY:
        state_count(rm_ctl_decision_of_rule(v.decision.rule));
        log_decision(s, r, &in, &v, RM_POL_REJECT_UNAUTH, NULL);
        a = report ? RM_POL_DUNNO : RM_POL_REJECT_UNAUTH;
        break;
    default:
        a = RM_POL_DUNNO;               /* local: not asked for with rcpt_is_relay */
        break;
    }
done:
    rm_snapshot_unref(s);
    return a;
}

/* listen_inet - "PORT@HOST": a listening TCP socket */

static int listen_inet(const char *v, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    char    port[16];
    const char *at = strchr(v, '@');
    int     fd, e, one = 1;

    snprintf(port, sizeof(port), "%.*s", (int) (at - v), v);
    if ((e = getaddrinfo(at + 1, port, &hints, &res)) != 0) {
        snprintf(err, errlen, "%s: %s", at + 1, gai_strerror(e));
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1
        || bind(fd, res->ai_addr, res->ai_addrlen) == -1 || listen(fd, SOMAXCONN) == -1) {
        snprintf(err, errlen, "cannot listen on port %s of %s: %s", port, at + 1, strerror(errno));
        if (fd != -1)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* raise_nofile - room for POLICY_MAX_CONN descriptors, if the hard limit allows */

static void raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < POLICY_MAX_CONN + 256) {
        rl.rlim_cur = rl.rlim_max < POLICY_MAX_CONN + 256 ? rl.rlim_max : POLICY_MAX_CONN + 256;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int     policy_open(const char *spec, uid_t uid, gid_t gid, char *err, size_t errlen)
{
    struct stat st;

    if (strncmp(spec, "unix:", 5) == 0) {
        snprintf(pol.path, sizeof(pol.path), "%s", spec + 5);
        if ((pol.lfd = sockutil_listen(pol.path, uid, gid, err, errlen)) == -1)
            return -1;
        if (lstat(pol.path, &st) == 0) {
            pol.dev = st.st_dev;
            pol.ino = st.st_ino;
        }
        if (fcntl(pol.lfd, F_SETFL, O_NONBLOCK) == -1) {
            snprintf(err, errlen, "%s: %s", spec, strerror(errno));
            return -1;
        }
    } else if ((pol.lfd = listen_inet(spec + 5, err, errlen)) == -1) {
        return -1;
    }
    raise_nofile();
    return 0;
}

/* conn_close - unlink and free one connection */

static void conn_close(pconn *c)
{
    close(c->fd);                       /* leaves the epoll set with it */
    if (c->prev)
        c->prev->next = c->next;
    else
        pol.conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pol.nconns--;
    free(c);
}

/* conn_flush - write what is pending; switch between reading and writing */

static int conn_flush(pconn *c)
{
    struct epoll_event ev = {.data.ptr = c};
    ssize_t n;

    while (c->outoff < c->outlen) {
        if ((n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff)) > 0) {
            c->outoff += (size_t) n;
            c->last = now_s();
            continue;
        }
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        return -1;
    }
    if (c->outoff == c->outlen)
        c->outoff = c->outlen = 0;
    if (c->writing == (c->outlen > 0))
        return 0;
    c->writing = c->outlen > 0;
    ev.events = c->writing ? EPOLLOUT : EPOLLIN;
    return epoll_ctl(pol.ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/*
 * conn_serve - answer every whole request in the input, while there is
 * room for the answers.  A request that breaks the framing caps can not be
 * told from the next one: the connection is closed, and Postfix applies
 * smtpd_policy_service_default_action.  Returns -1 to close.
 */
static int conn_serve(pconn *c)
{
    long    n;
    rm_pol_req r;
    char    err[256];
    enum rm_pol_action a;

    while (c->outlen + RM_POL_MAX_REPLY <= OUT_LEN && (n = rm_pol_frame(c->in, c->inlen)) != 0) {
        if (n < 0) {
            mlog_warnx("policy: closing a connection: a request over %d bytes, %d lines or "
                       "%d bytes a line, or with a NUL byte", RM_POL_MAX_REQUEST, RM_POL_MAX_ATTRS,
                       RM_POL_MAX_LINE);
            return -1;
        }
        if (rm_pol_parse(c->in, (size_t) n, &r, err, sizeof(err)) < 0)
            a = policy_answer(&r, err);
        else
            a = policy_answer(&r, NULL);
        c->outlen += rm_pol_format_reply(a, c->out + c->outlen, OUT_LEN - c->outlen);
        memmove(c->in, c->in + n, c->inlen - (size_t) n);
        c->inlen -= (size_t) n;
    }
    return conn_flush(c);
}

/* conn_read - take what the peer sent, answer it */

static int conn_read(pconn *c)
{
    ssize_t n;

    for (;;) {
        if (c->inlen == sizeof(c->in))
            return conn_serve(c);       /* full: rm_pol_frame refuses it, or replies wait */
        n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
        if (n > 0) {
            c->inlen += (size_t) n;
            c->last = now_s();
            if (conn_serve(c) < 0)
                return -1;
            if (c->writing)
                return 0;
            continue;
        }
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;                      /* end of file or an error */
    }
}

/* accept_all - every pending connection, up to POLICY_MAX_CONN */

static void accept_all(void)
{
    static time_t warned;
    struct epoll_event ev = {.events = EPOLLIN};
    pconn  *c;
    int     fd;

    while ((fd = accept4(pol.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
        if (pol.nconns >= POLICY_MAX_CONN || (c = calloc(1, sizeof(*c))) == NULL) {
            if (now_s() != warned)
                mlog_warnx("policy: refusing a connection: %zu are open (at most %d), or out of memory",
                           pol.nconns, POLICY_MAX_CONN);
            warned = now_s();
            close(fd);
            continue;
        }
        c->fd = fd;
        c->last = now_s();
        ev.data.ptr = c;
        if (epoll_ctl(pol.ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
            mlog_warn("policy: epoll_ctl");
            close(fd);
            free(c);
            continue;
        }
        c->next = pol.conns;
        if (pol.conns)
            pol.conns->prev = c;
        pol.conns = c;
        pol.nconns++;
    }
    if (errno == EMFILE || errno == ENFILE) {
        /* Out of descriptors: stop listening until the next sweep. */
        mlog_warn("policy: accept");
        (void) epoll_ctl(pol.ep, EPOLL_CTL_DEL, pol.lfd, NULL);
        pol.listening = false;
    }
}

/* sweep - close connections that stalled or idled too long; listen again */

static void sweep(time_t now)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    pconn  *c, *next;

    for (c = pol.conns; c; c = next) {
        next = c->next;
        if ((c->inlen > 0 || c->outlen > 0) ? now - c->last > POLICY_STALL_TIMEOUT
            : now - c->last > POLICY_IDLE_TIMEOUT)
            conn_close(c);
    }
    if (!pol.listening && epoll_ctl(pol.ep, EPOLL_CTL_ADD, pol.lfd, &ev) == 0)
        pol.listening = true;
}

static void *policy_main(void *arg)
{
    struct epoll_event evs[EVENTS];
    time_t  swept = now_s();

    (void) arg;
    for (;;) {
        int     n = epoll_wait(pol.ep, evs, EVENTS, 1000);

        if (n == -1 && errno != EINTR) {
            mlog_warn("policy: epoll_wait");
            sleep(1);
        }
        for (int i = 0; i < n; i++) {
            pconn  *c = evs[i].data.ptr;

            if (c == NULL) {
                accept_all();
            } else if (c == (pconn *) &pol.wake) {
                return NULL;
            } else if ((evs[i].events & EPOLLOUT) ? conn_flush(c) < 0 || (!c->writing && conn_serve(c) < 0)
                       : conn_read(c) < 0) {
                conn_close(c);
            }
        }
        if (now_s() != swept)
            sweep(swept = now_s());
    }
}

int     policy_start(void)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    int     e;

    if ((pol.ep = epoll_create1(EPOLL_CLOEXEC)) == -1 || (pol.wake = eventfd(0, EFD_CLOEXEC)) == -1
        || epoll_ctl(pol.ep, EPOLL_CTL_ADD, pol.lfd, &ev) == -1) {
        mlog_err("policy: epoll");
        return -1;
    }
    pol.listening = true;
    ev.data.ptr = &pol.wake;
    if (epoll_ctl(pol.ep, EPOLL_CTL_ADD, pol.wake, &ev) == -1) {
        mlog_err("policy: epoll");
        return -1;
    }
    if ((e = pthread_create(&pol.thread, NULL, policy_main, NULL)) != 0) {
        errno = e;
        mlog_err("cannot start the policy thread");
        return -1;
    }
    pol.started = true;
    return 0;
}

void    policy_stop(void)
{
    if (pol.started) {
        (void) !write(pol.wake, &(uint64_t) {1}, sizeof(uint64_t));
        pthread_join(pol.thread, NULL);
        pol.started = false;
    }
    for (pconn *c = pol.conns, *next; c != NULL; c = next) {
        next = c->next;
        conn_close(c);
    }
    if (pol.lfd != -1)
        close(pol.lfd);
    pol.lfd = -1;
    if (pol.path[0] && pol.ino && sockutil_same(pol.path, pol.dev, pol.ino))
        (void) unlink(pol.path);
    if (pol.ep != -1)
        close(pol.ep);
    if (pol.wake != -1)
        close(pol.wake);
    pol.ep = pol.wake = -1;
}
