/* SPDX-License-Identifier: BSD-2-Clause */
/* notify - tell the service manager (sd_notify) where the daemon stands */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "mlog.h"
#include "notify.h"

/*
 * sd_notify() blocks while the service manager's socket is full, and a
 * manager that stops reading (hung, or a NOTIFY_SOCKET that nobody reads)
 * would then hold a reload with its lock, and SIGTERM, for ever.  So the
 * callers only queue their message; one sender thread of this module
 * calls sd_notify(), in order.  A message that finds the queue full is
 * dropped (and said once): the manager is not listening anyway.
 *
 * STOPPING=1 is the last message: a reload that a signal, the control
 * socket, the file watcher or a fetch starts while the daemon winds down
 * still runs, but the manager, which is already stopping the service,
 * is not told RELOADING=1 or READY=1 again.
 */
#define QUEUE_LEN 8
#define MSG_LEN 256
#define STOP_WAIT_MS 1000               /* notify_stopping waits this long */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;                /* a message queued, or one sent */
    char    msg[QUEUE_LEN][MSG_LEN];
    unsigned head, count;               /* count includes the one being sent */
    bool    started, broken;
    bool    stopped;                    /* STOPPING=1 queued: nothing more */
    pthread_t thread;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static bool warned;                     /* under q.lock */

/* warn_once - the first failure only; q.lock held */

static void warn_once(const char *why)
{
    if (!warned) {
        warned = true;
        mlog_warnx("cannot notify the service manager at $NOTIFY_SOCKET: %s", why);
    }
}

/* sender - send the queued messages, oldest first */

static void *sender(void *arg)
{
    char    msg[MSG_LEN];
    int     r;

    (void) arg;
    pthread_mutex_lock(&q.lock);
    for (;;) {
        while (q.count == 0)
            pthread_cond_wait(&q.cond, &q.lock);
        memcpy(msg, q.msg[q.head], sizeof(msg));
        pthread_mutex_unlock(&q.lock);
        r = sd_notify(0, msg);
        pthread_mutex_lock(&q.lock);
        if (r < 0)
            warn_once(strerror(-r));
        q.head = (q.head + 1) % QUEUE_LEN;
        q.count--;
        pthread_cond_broadcast(&q.cond);
    }
    return NULL;
}

/* notify_send - queue one message (last: the final one); never waits for the manager */

static void notify_send(const char *msg, bool last)
{
    int     err;

    if (getenv("NOTIFY_SOCKET") == NULL)
        return;                         /* what sd_notify() would do */
    pthread_mutex_lock(&q.lock);
    if (q.stopped) {
        pthread_mutex_unlock(&q.lock);
        return;
    }
    q.stopped = last;
    if (!q.started && !q.broken) {
        if ((err = pthread_create(&q.thread, NULL, sender, NULL)) == 0) {
            q.started = true;
            pthread_detach(q.thread);
        } else {
            q.broken = true;
            warn_once(strerror(err));
        }
    }
    if (q.started && q.count == QUEUE_LEN) {
        warn_once("it does not read its socket; messages are dropped");
    } else if (q.started) {
        snprintf(q.msg[(q.head + q.count) % QUEUE_LEN], MSG_LEN, "%s", msg);
        q.count++;
        pthread_cond_broadcast(&q.cond);
    }
    pthread_mutex_unlock(&q.lock);
}

void    notify_ready(uint64_t generation, const uint32_t entries[RM_LIST__COUNT], int reload_failed)
{
    char    msg[MSG_LEN];

    snprintf(msg, sizeof(msg), "READY=1\nSTATUS=generation %llu in force: deny %lu, allow %lu, "
             "local %lu entries%s", (unsigned long long) generation,
             (unsigned long) entries[RM_LIST_DENY], (unsigned long) entries[RM_LIST_ALLOW],
             (unsigned long) entries[RM_LIST_LOCAL],
             reload_failed ? "; the last reload failed, the previous lists remain in force" : "");
    notify_send(msg, false);
}

void    notify_reloading(void)
{
    struct timespec ts;
    char    msg[96];

    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long) ts.tv_sec * 1000000ULL + (unsigned long long) ts.tv_nsec / 1000);
    notify_send(msg, false);
}

void    notify_stopping(void)
{
    struct timespec until;

    notify_send("STOPPING=1", true);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += STOP_WAIT_MS / 1000;
    pthread_mutex_lock(&q.lock);
    while (q.started && q.count > 0)
        if (pthread_cond_timedwait(&q.cond, &q.lock, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&q.lock);
}
