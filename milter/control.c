/* SPDX-License-Identifier: BSD-2-Clause */
/* control - the control socket: RELOAD, STATUS, CHECK for relayctl */

/*
 * One thread serves every client from one poll loop; every socket is
 * nonblocking, so no client can make the loop wait.  A client lives in
 * one of four states, each with its own deadline:
 *
 *   READ    until its line is complete (CONTROL_LINE_MS from connect);
 *   RELOAD  waiting for a reload that started after its request (the
 *           reloader thread runs it; CONTROL_RELOAD_SECONDS at most);
 *   WRITE   until it has taken the reply (CONTROL_REPLY_MS);
 *   DRAIN   the reply sent and the write side shut, reading what the
 *           client still sends until it hangs up: closing a socket with
 *           unread input resets it, and the client could lose the reply.
 *
 * STATUS and CHECK are answered at once from the policy in force and the
 * status copy state.c keeps, so they never wait for a reload.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "mlog.h"
#include "reloader.h"
#include "rm_ctl.h"
#include "sockutil.h"
#include "state.h"

#define REPLY_MAX (96 * 1024)
#define DRAIN_MS 1000                   /* for a client to hang up after its reply */
#define DRAIN_MAX (64 * 1024)           /* bytes read and thrown away after a reply */
#define ACCEPTS_PER_ROUND 64            /* so that a flood of connects cannot starve clients */
#define CAP_LOG_SECONDS 10              /* at most one "too many clients" log line per this */

/*
 * A client that is refused (another user's, or one over the cap) still
 * gets a slot, from a few kept for this, so that it is told why before
 * the close (a close before it has written its line would break its pipe
 * instead), and it never takes one of the slots served clients have;
 * past those few it is closed at once.
 */
#define REFUSED_MAX 64
#define REFUSED_DRAIN_MS 100            /* a refused client's slot is soon free again */
#define SLOTS (CONTROL_CLIENTS_MAX + REFUSED_MAX)

enum cstate { C_FREE = 0, C_READ, C_RELOAD, C_WRITE, C_DRAIN };

typedef struct client {
    int     fd;
    enum cstate state;
    bool    refused;                    /* over the cap: only told so */
    long long deadline;                 /* CLOCK_MONOTONIC, ms */
    uint64_t ticket;                    /* RELOAD: the reloader's ticket */
    size_t  len;                        /* READ: bytes in line */
    size_t  drain_left;                 /* DRAIN: bytes still read before giving up */
    char   *reply;                      /* WRITE: malloc()ed */
    size_t  rlen;
    size_t  roff;
    char    line[RM_CTL_MAX_LINE];
} client;

static struct {
    int     fd;
    int     wake[2];
    char    path[RM_PATH_LEN];
    dev_t   dev;
    ino_t   ino;
    pthread_t thread;
    int     running;
    int     nclients;                   /* served, not counting the refused */
    int     nrefused;                   /* being told that they are over the cap */
    unsigned long cap_refused;          /* since the last log line about it */
    time_t  cap_logged;
    long long accept_again;             /* after accept() ran out of descriptors */
    client  clients[SLOTS];
    struct pollfd pf[SLOTS + 3];
    client *pc[SLOTS + 3];              /* the client of each pf[], or NULL */
    char    reply[REPLY_MAX];           /* used by the control thread only */
} ctl = {.fd = -1, .wake = {-1, -1}};

int     control_open(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
    struct stat st;

    if ((ctl.fd = sockutil_listen(path, uid, gid, err, errlen)) < 0)
        return -1;
    snprintf(ctl.path, sizeof(ctl.path), "%s", path);
    if (lstat(path, &st) == 0) {        /* to remove only our own socket at stop */
        ctl.dev = st.st_dev;
        ctl.ino = st.st_ino;
    }
    if (fcntl(ctl.fd, F_SETFL, O_NONBLOCK) == -1 || pipe2(ctl.wake, O_CLOEXEC) == -1) {
        snprintf(err, errlen, "control socket setup: %s", strerror(errno));
        close(ctl.fd);
        ctl.fd = -1;
        unlink(path);
        return -1;
    }
    return 0;
}

/* now_ms - the monotonic clock in milliseconds */

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* drop - close a client and free its slot */

static void drop(client *c)
{
    close(c->fd);
    free(c->reply);
    if (c->refused)
        ctl.nrefused--;
    else
        ctl.nclients--;
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}

/* discard_input - read and throw away what is there, at most max bytes; -1 at EOF or error */

static ssize_t discard_input(int fd, size_t max)
{
    char    buf[16384];
    size_t  got = 0;

    while (got < max) {
        ssize_t r = read(fd, buf, sizeof(buf) < max - got ? sizeof(buf) : max - got);

        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1 && errno == EAGAIN)
            break;
        if (r <= 0)
            return -1;
        got += (size_t) r;
    }
    return (ssize_t) got;
}

/* to_drain - the reply is out: shut the write side and read until the client hangs up */

static void to_drain(client *c, size_t max, int ms)
{
    if (shutdown(c->fd, SHUT_WR) == -1) {
        drop(c);
        return;
    }
    c->state = C_DRAIN;
    c->drain_left = max;
    c->deadline = now_ms() + ms;
}

/* flush - send what the socket takes; on to DRAIN when all is out */

static void flush(client *c)
{
    while (c->roff < c->rlen) {
        ssize_t n = send(c->fd, c->reply + c->roff, c->rlen - c->roff, MSG_NOSIGNAL);

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && errno == EAGAIN)
            return;                     /* poll says when there is room */
        if (n <= 0) {
            drop(c);
            return;
        }
        c->roff += (size_t) n;
    }
    to_drain(c, c->drain_left ? c->drain_left : DRAIN_MAX, DRAIN_MS);
}

/* reply - send b to the client (copied), then drain up to drain_max bytes */

static void reply(client *c, const rm_ctl_buf *b, size_t drain_max)
{
    free(c->reply);
    if ((c->reply = malloc(b->len + 1)) == NULL) {
        mlog_warnx("control socket: out of memory for a reply; the client is closed");
        drop(c);
        return;
    }
    memcpy(c->reply, b->data, b->len + 1);
    c->rlen = b->len;
    c->roff = 0;
    c->drain_left = drain_max;
    c->state = C_WRITE;
    c->deadline = now_ms() + CONTROL_REPLY_MS;
    flush(c);
}

/* reply_err - an ERR line as the reply */

static void reply_err(client *c, const char *text, size_t drain_max)
{
    rm_ctl_buf b;

    rm_ctl_buf_init(&b, ctl.reply, sizeof(ctl.reply));
    rm_ctl_reply_err(&b, text);
    reply(c, &b, drain_max);
}

/* do_check - the live policy's verdict, by the call the milter makes */

static void do_check(rm_ctl_buf *b, const rm_ctl_req *req)
{
    rm_snapshot *s = state_acquire();
    rm_verdict_report r;
    rm_verdict_in in;
    rm_verdict v;

    if (s == NULL) {
        rm_ctl_reply_err(b, "no policy is loaded");
        return;
    }
    rm_ctl_req_verdict_in(req, &in);
    rm_verdict_decide(s, &in, &v);
    rm_verdict_report_make(s, &in, &v, &r);
    rm_ctl_reply_check(b, &r);
    rm_snapshot_unref(s);
}

/* command - the client's line is complete: answer it, or wait for a reload */

static void command(client *c, size_t n)
{
    char    err[512];
    rm_ctl_buf b;
    rm_ctl_req req;
    rm_ctl_status st;

    rm_ctl_buf_init(&b, ctl.reply, sizeof(ctl.reply));
    if (rm_ctl_parse(c->line, n, &req, err, sizeof(err)) < 0) {
        rm_ctl_reply_err(&b, err);
    } else if (req.cmd == RM_CTL_RELOAD) {
        c->ticket = reloader_request(RELOADER_CONTROL);
        c->state = C_RELOAD;
        c->deadline = now_ms() + CONTROL_RELOAD_SECONDS * 1000LL;
        return;
    } else if (req.cmd == RM_CTL_STATUS) {
        state_status(&st);
        rm_ctl_reply_status(&b, &st);
    } else {
        do_check(&b, &req);
    }
    reply(c, &b, DRAIN_MAX);
}

/*
 * on_read - READ: take what came.  A line that does not fit is answered
 * with ERR at once, and what follows of it is read and thrown away (up to
 * CONTROL_DISCARD_MAX bytes), so that the client can finish writing and
 * read the answer instead of meeting a reset.
 */
static void on_read(client *c)
{
    char    err[128];

    while (c->len < sizeof(c->line)) {
        ssize_t r = read(c->fd, c->line + c->len, sizeof(c->line) - c->len);
        char   *nl;

        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1 && errno == EAGAIN)
            return;
        if (r == -1 || (r == 0 && c->len == 0)) {
            drop(c);                    /* gone, or hung up without a word */
            return;
        }
        if (r == 0) {
            command(c, c->len);         /* EOF: take what came */
            return;
        }
        if ((nl = memchr(c->line + c->len, '\n', (size_t) r)) != NULL) {
            command(c, (size_t) (nl - c->line) + 1);
            return;
        }
        c->len += (size_t) r;
    }
    snprintf(err, sizeof(err), "command line is over %d bytes", RM_CTL_MAX_LINE - 1);
    reply_err(c, err, CONTROL_DISCARD_MAX);
    if (c->state == C_DRAIN)            /* the rest of the line gets the time a line gets */
        c->deadline = now_ms() + CONTROL_LINE_MS;
}

/* on_results - reloads have ended: answer every client whose reload it was */

static void on_results(void)
{
    char    buf[64];
    reloader_result *r;

    while (read(reloader_fd(), buf, sizeof(buf)) > 0)
        continue;  /* cppcheck-suppress redundantContinue ; the empty loop body, written out */
    while ((r = reloader_take()) != NULL) {
        for (int i = 0; i < SLOTS; i++) {
            client *c = &ctl.clients[i];
            rm_ctl_buf b = {r->reply, r->len, r->len + 1, false};

            if (c->state == C_RELOAD && c->ticket <= r->covers)
                reply(c, &b, DRAIN_MAX);
        }
        free(r);
    }
}

/* cap_log - say in the log that the cap refused clients, not too often */

static void cap_log(void)
{
    time_t  now = time(NULL);

    ctl.cap_refused++;
    if (now - ctl.cap_logged >= CAP_LOG_SECONDS) {
        mlog_warnx("control socket: %d clients already connected, the most it serves at once; "
                   "refused %lu new client%s", CONTROL_CLIENTS_MAX, ctl.cap_refused,
                   ctl.cap_refused == 1 ? "" : "s");
        ctl.cap_logged = now;
        ctl.cap_refused = 0;
    }
}

/* on_accept - new clients: checked with SO_PEERCRED, each given a slot and a deadline */

static void on_accept(void)
{
    for (int k = 0; k < ACCEPTS_PER_ROUND; k++) {
        struct ucred cred;
        socklen_t clen = sizeof(cred);
        client *c = NULL;
        char    text[128];
        bool    refused;
        int     fd;

        if ((fd = accept4(ctl.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) == -1) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                mlog_warn("control socket: accept");
                ctl.accept_again = now_ms() + 100;  /* not a busy loop meanwhile */
            }
            return;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == -1
            || (cred.uid != 0 && cred.uid != geteuid())) {
            mlog_warnx("control socket: refused a client with uid %ld (only root and the daemon's user may use it)",
                       clen == sizeof(cred) ? (long) cred.uid : -1L);
            snprintf(text, sizeof(text), "permission denied");
            refused = true;
        } else if (ctl.nclients >= CONTROL_CLIENTS_MAX) {
            cap_log();
            snprintf(text, sizeof(text), "too many control clients (%d at once); try again",
                     CONTROL_CLIENTS_MAX);
            refused = true;
        } else {
            refused = false;
        }
        for (int i = 0; i < SLOTS && c == NULL; i++)
            if (ctl.clients[i].state == C_FREE)
                c = &ctl.clients[i];
        if (c == NULL || (refused && ctl.nrefused >= REFUSED_MAX)) {
            close(fd);                  /* no word for it: too many refused at once */
            continue;
        }
        memset(c, 0, sizeof(*c));
        c->fd = fd;
        c->state = C_READ;
        c->deadline = now_ms() + CONTROL_LINE_MS;
        c->refused = refused;
        if (!refused) {
            ctl.nclients++;
            continue;
        }
        ctl.nrefused++;
        reply_err(c, text, DRAIN_MAX);
        if (c->state == C_DRAIN)
            c->deadline = now_ms() + REFUSED_DRAIN_MS;
    }
}

/* on_deadline - a client's time in its state is up */

static void on_deadline(client *c)
{
    char    text[128];
    rm_ctl_buf b;

    switch (c->state) {
    case C_READ:                        /* a word, best effort, then close */
        snprintf(text, sizeof(text), "no complete command line within %d seconds", CONTROL_LINE_MS / 1000);
        rm_ctl_buf_init(&b, ctl.reply, sizeof(ctl.reply));
        rm_ctl_reply_err(&b, text);
        (void) !send(c->fd, b.data, b.len, MSG_NOSIGNAL);
        drop(c);
        break;
    case C_RELOAD:
        rm_ctl_buf_init(&b, ctl.reply, sizeof(ctl.reply));
        rm_ctl_reply_reload_timeout(&b, CONTROL_RELOAD_SECONDS, state_generation());
        reply(c, &b, DRAIN_MAX);
        break;
    default:
        drop(c);                        /* did not take its reply, or hang up */
        break;
    }
}

/* on_event - what poll said about a client */

static void on_event(client *c, short revents)
{
    if (c->state == C_RELOAD) {         /* only a hang-up is asked for */
        if (revents & (POLLHUP | POLLERR))
            drop(c);
    } else if (c->state == C_READ) {
        on_read(c);
    } else if (c->state == C_WRITE) {
        if (revents & (POLLOUT | POLLERR | POLLHUP))
            flush(c);
    } else if (c->state == C_DRAIN) {
        ssize_t got = discard_input(c->fd, c->drain_left);

        if (got < 0 || (size_t) got >= c->drain_left)
            drop(c);
        else
            c->drain_left -= (size_t) got;
    }
}

/* poll_set - fill ctl.pf for one round; returns the count and the poll timeout */

static nfds_t poll_set(int *timeout)
{
    static const short want[] = {
        [C_READ] = POLLIN, [C_RELOAD] = 0, [C_WRITE] = POLLOUT, [C_DRAIN] = POLLIN,
    };
    long long now = now_ms(), next = -1;
    nfds_t  n = 0;

    ctl.pf[n] = (struct pollfd) {ctl.wake[0], POLLIN, 0};
    ctl.pc[n++] = NULL;
    ctl.pf[n] = (struct pollfd) {reloader_fd(), POLLIN, 0};
    ctl.pc[n++] = NULL;
    ctl.pf[n] = (struct pollfd) {ctl.fd, ctl.accept_again > now ? 0 : POLLIN, 0};
    ctl.pc[n++] = NULL;
    if (ctl.accept_again > now)
        next = ctl.accept_again;
    for (int i = 0; i < SLOTS; i++) {
        client *c = &ctl.clients[i];

        if (c->state == C_FREE)
            continue;
        ctl.pf[n] = (struct pollfd) {c->fd, want[c->state], 0};
        ctl.pc[n++] = c;
        if (next < 0 || c->deadline < next)
            next = c->deadline;
    }
    *timeout = next < 0 ? -1 : next <= now ? 0 : (int) (next - now);
    return n;
}

static void *control_main(void *arg)
{
    (void) arg;
    for (;;) {
        int     timeout;
        nfds_t  n = poll_set(&timeout);
        long long now;

        if (poll(ctl.pf, n, timeout) == -1) {
            if (errno != EINTR) {
                mlog_warn("control socket: poll");
                nanosleep(&(const struct timespec) {0, 100000000}, NULL);  /* 0.1 s */
            }
            continue;
        }
        if (ctl.pf[0].revents)
            break;
        if (ctl.pf[1].revents)
            on_results();
        for (nfds_t i = 3; i < n; i++)
            if (ctl.pf[i].revents && ctl.pc[i]->state != C_FREE && ctl.pc[i]->fd == ctl.pf[i].fd)
                on_event(ctl.pc[i], ctl.pf[i].revents);
        now = now_ms();
        for (int i = 0; i < SLOTS; i++)
            if (ctl.clients[i].state != C_FREE && ctl.clients[i].deadline <= now)
                on_deadline(&ctl.clients[i]);
        if (ctl.pf[2].revents & POLLIN)
            on_accept();
    }
    for (int i = 0; i < SLOTS; i++)
        if (ctl.clients[i].state != C_FREE)
            drop(&ctl.clients[i]);
    return NULL;
}

int     control_start(void)
{
    int     e;

    for (int i = 0; i < SLOTS; i++)
        ctl.clients[i].fd = -1;
    if ((e = pthread_create(&ctl.thread, NULL, control_main, NULL)) != 0) {
        errno = e;
        mlog_err("cannot start the control thread");
        return -1;
    }
    ctl.running = 1;
    return 0;
}

void    control_stop(void)
{
    if (ctl.running) {
        (void) !write(ctl.wake[1], "x", 1);
        pthread_join(ctl.thread, NULL);
        ctl.running = 0;
    }
    if (ctl.fd >= 0) {
        close(ctl.fd);
        ctl.fd = -1;
        /* Remove the socket only if it is still ours; it may be gone already. */
        if (sockutil_same(ctl.path, ctl.dev, ctl.ino))
            (void) unlink(ctl.path);
    }
}
