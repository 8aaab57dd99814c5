/* control - the control socket: RELOAD, STATUS, CHECK for relayctl */

#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "mlog.h"
#include "rm_ctl.h"
#include "sockutil.h"
#include "state.h"

#define REPLY_MAX (96 * 1024)

static struct {
    int     fd;
    int     wake[2];
    char    path[RM_PATH_LEN];
    dev_t   dev;
    ino_t   ino;
    pthread_t thread;
    int     running;
    /* Used by the control thread only: too big for comfort on a stack. */
    rm_diag diag;
    char    reply[REPLY_MAX];
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

/* ms_left - milliseconds until deadline, at least 0 */

static int ms_left(const struct timespec *deadline)
{
    struct timespec now;
    long long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long long) (deadline->tv_sec - now.tv_sec) * 1000
        + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms < 0 ? 0 : (int) ms;
}

/* send_all - the whole reply, or give up at the deadline */

static void send_all(int fd, const char *p, size_t len, const struct timespec *deadline)
{
    while (len > 0) {
        struct pollfd pf = {fd, POLLOUT, 0};
        ssize_t n;
        int     r = poll(&pf, 1, ms_left(deadline));

        if (r == -1 && errno == EINTR)
            continue;
        if (r <= 0)
            return;                     /* timeout or error: drop the client */
        n = send(fd, p, len, MSG_NOSIGNAL);
        if (n == -1 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return;
        p += n;
        len -= (size_t) n;
    }
}

/*
 * finish - say we are done and drain what the client still sends, briefly:
 * closing a socket with unread input resets the connection, and the client
 * could lose the reply.
 */
static void finish(int fd, const struct timespec *deadline)
{
    char    buf[4096];
    size_t  drained = 0;

    if (shutdown(fd, SHUT_WR) == -1)
        return;
    while (drained < 64 * 1024) {
        struct pollfd pf = {fd, POLLIN, 0};
        int     ms = ms_left(deadline);
        ssize_t r;

        if (poll(&pf, 1, ms > 1000 ? 1000 : ms) <= 0)
            return;
        if ((r = read(fd, buf, sizeof(buf))) <= 0)
            return;
        drained += (size_t) r;
    }
}

/* read_line - one line; returns its length (0: nothing usable), -2 if too long */

static ssize_t read_line(int fd, char *buf, size_t cap, const struct timespec *deadline)
{
    size_t  n = 0;

    while (n < cap) {
        struct pollfd pf = {fd, POLLIN, 0};
        ssize_t r;
        int     p = poll(&pf, 1, ms_left(deadline));

        if (p == -1 && errno == EINTR)
            continue;
        if (p <= 0)
            return 0;                   /* timeout: the client gets nothing */
        r = read(fd, buf + n, cap - n);
        if (r == -1 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r < 0)
            return 0;
        if (r == 0)
            return (ssize_t) n;         /* EOF: take what came */
        if (memchr(buf + n, '\n', (size_t) r) != NULL) {
            n += (size_t) r;
            return (ssize_t) ((char *) memchr(buf, '\n', n) - buf + 1);
        }
        n += (size_t) r;
    }
    return -2;
}

/* do_check - the live policy's answer, as relayctl check words it */

static void do_check(rm_ctl_buf *b, const rm_ctl_req *req)
{
    rm_snapshot *s = state_acquire();
    char    where[RM_PATH_LEN + 16], entry[RM_ENTRY_STRLEN];
    rm_query q;
    rm_decision d;

    if (s == NULL) {
        rm_ctl_reply_err(b, "no policy is loaded");
        return;
    }
    memset(&q, 0, sizeof(q));
    q.client = req->client;
    q.local = req->local;
    q.auth = req->auth;
    rm_snapshot_decide(s, &q, &d);
    rm_snapshot_where(s, &d, where, sizeof(where), entry, sizeof(entry));
    rm_ctl_reply_check(b, d.allow, d.rule, where, entry);
    rm_snapshot_unref(s);
}

/* serve - one client: credentials, one line, one reply */

static void serve(int fd)
{
    struct timespec deadline;
    struct ucred cred;
    socklen_t clen = sizeof(cred);
    char    line[RM_CTL_MAX_LINE + 1], err[512], errtext[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];
    rm_ctl_buf b;
    rm_ctl_req req;
    ssize_t n;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += CONTROL_TIMEOUT;
    rm_ctl_buf_init(&b, ctl.reply, sizeof(ctl.reply));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == -1
        || (cred.uid != 0 && cred.uid != geteuid())) {
        mlog_warnx("control socket: refused a client with uid %ld (only root and the daemon's user may use it)",
                   clen == sizeof(cred) ? (long) cred.uid : -1L);
        rm_ctl_reply_err(&b, "permission denied");
        send_all(fd, b.data, b.len, &deadline);
        finish(fd, &deadline);
        return;
    }
    if ((n = read_line(fd, line, RM_CTL_MAX_LINE, &deadline)) == 0)
        return;
    if (n == -2) {
        snprintf(err, sizeof(err), "command line is over %d bytes", RM_CTL_MAX_LINE - 1);
        rm_ctl_reply_err(&b, err);
    } else if (rm_ctl_parse(line, (size_t) n, &req, err, sizeof(err)) < 0) {
        rm_ctl_reply_err(&b, err);
    } else if (req.cmd == RM_CTL_RELOAD) {
        uint64_t gen;
        uint32_t entries[RM_LIST__COUNT];

        /* The reply may come after the deadline; give it a fresh one. */
        if (state_reload("control socket", &ctl.diag, &gen, entries) == 0)
            rm_ctl_reply_reload_ok(&b, gen, entries);
        else
            rm_ctl_reply_reload_failed(&b, gen, &ctl.diag);
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += CONTROL_TIMEOUT;
    } else if (req.cmd == RM_CTL_STATUS) {
        rm_ctl_status st;

        state_status(&st, errtext, sizeof(errtext));
        rm_ctl_reply_status(&b, &st);
    } else {
        do_check(&b, &req);
    }
    send_all(fd, b.data, b.len, &deadline);
    finish(fd, &deadline);
}

static void *control_main(void *arg)
{
    (void) arg;
    for (;;) {
        struct pollfd pf[2] = {{ctl.fd, POLLIN, 0}, {ctl.wake[0], POLLIN, 0}};
        int     fd;

        if (poll(pf, 2, -1) == -1) {
            if (errno != EINTR) {
                mlog_warn("control socket: poll");
                sleep(1);
            }
            continue;
        }
        if (pf[1].revents)
            break;
        if (!(pf[0].revents & POLLIN))
            continue;
        if ((fd = accept4(ctl.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) == -1) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                mlog_warn("control socket: accept");
                nanosleep(&(const struct timespec) {0, 100000000}, NULL);  /* 0.1 s */
            }
            continue;
        }
        serve(fd);
        close(fd);
    }
    return NULL;
}

int     control_start(void)
{
    int     e;

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
