/* SPDX-License-Identifier: BSD-2-Clause */
/* reloader - the thread that runs every reload, and merges requests for them */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlog.h"
#include "reloader.h"
#include "rm_ctl.h"
#include "state.h"

#define REPLY_MAX (96 * 1024)

static struct {
    pthread_mutex_t lock;               /* guards everything up to the thread */
    pthread_cond_t cond;                /* a request, or quit; and the thread's end */
    uint64_t requested;                 /* the last ticket handed out */
    uint64_t started;                   /* the last ticket a started reload covers */
    unsigned origins;                   /* of the requests not yet started */
    int     quit;
    int     ended;
    reloader_result *head;
    reloader_result **tail;
    int     pipe[2];
    int     running;
    pthread_t thread;
    /* Used by the thread only: too big for comfort on a stack. */
    rm_diag diag;
    char    reply[REPLY_MAX];
} rl = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER,
    .tail = &rl.head,
    .pipe = {-1, -1},
};

/* origin_text - which requests a reload serves, for its log line */

static void origin_text(unsigned origins, uint64_t merged, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", origins & RELOADER_SIGHUP ? "SIGHUP" : "",
             (origins & RELOADER_SIGHUP) && (origins & RELOADER_CONTROL) ? " and " : "",
             origins & RELOADER_CONTROL ? "control socket" : "");
    if (merged > 1)
        snprintf(buf + strlen(buf), len - strlen(buf), ", %llu requests merged",
                 (unsigned long long) merged);
}

/* reload_once - run one reload that covers tickets up to covers; queue its result */

static void reload_once(uint64_t covers, const char *origin)
{
    uint64_t gen;
    uint32_t entries[RM_LIST__COUNT];
    rm_ctl_buf b;
    reloader_result *r;

    rm_ctl_buf_init(&b, rl.reply, sizeof(rl.reply));
    if (state_reload(origin, &rl.diag, &gen, entries) == 0)
        rm_ctl_reply_reload_ok(&b, gen, entries);
    else
        rm_ctl_reply_reload_failed(&b, gen, &rl.diag);
    if ((r = malloc(sizeof(*r) + b.len + 1)) == NULL) {
        mlog_warnx("out of memory: the answer of a reload is lost; its clients are told at their deadline");
        return;
    }
    r->next = NULL;
    r->covers = covers;
    r->len = b.len;
    memcpy(r->reply, b.data, b.len + 1);
    pthread_mutex_lock(&rl.lock);
    *rl.tail = r;
    rl.tail = &r->next;
    pthread_mutex_unlock(&rl.lock);
    (void) !write(rl.pipe[1], "r", 1);  /* full: a wake-up is pending anyway */
}

static void *reloader_main(void *arg)
{
    (void) arg;
    pthread_mutex_lock(&rl.lock);
    for (;;) {
        char    origin[96];
        uint64_t covers, merged;

        while (rl.requested == rl.started && !rl.quit)
            pthread_cond_wait(&rl.cond, &rl.lock);
        if (rl.quit)
            break;
        covers = rl.requested;
        merged = covers - rl.started;
        origin_text(rl.origins, merged, origin, sizeof(origin));
        rl.started = covers;
        rl.origins = 0;
        pthread_mutex_unlock(&rl.lock);
        reload_once(covers, origin);
        pthread_mutex_lock(&rl.lock);
    }
    rl.ended = 1;
    pthread_cond_broadcast(&rl.cond);
    pthread_mutex_unlock(&rl.lock);
    return NULL;
}

int     reloader_start(void)
{
    int     e;

    if (pipe2(rl.pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
        mlog_err("cannot start the reload thread: pipe");
        return -1;
    }
    if ((e = pthread_create(&rl.thread, NULL, reloader_main, NULL)) != 0) {
        errno = e;
        mlog_err("cannot start the reload thread");
        return -1;
    }
    rl.running = 1;
    return 0;
}

uint64_t reloader_request(enum reloader_origin origin)
{
    uint64_t ticket;

    pthread_mutex_lock(&rl.lock);
    ticket = ++rl.requested;
    rl.origins |= (unsigned) origin;
    pthread_cond_broadcast(&rl.cond);
    pthread_mutex_unlock(&rl.lock);
    return ticket;
}

int     reloader_fd(void)
{
    return rl.pipe[0];
}

reloader_result *reloader_take(void)
{
    reloader_result *r;

    pthread_mutex_lock(&rl.lock);
    if ((r = rl.head) != NULL) {
        rl.head = r->next;
        if (rl.head == NULL)
            rl.tail = &rl.head;
    }
    pthread_mutex_unlock(&rl.lock);
    return r;
}

int     reloader_stop(int wait_ms)
{
    struct timespec until;
    reloader_result *r;
    int     ended;

    if (!rl.running)
        return 0;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (long) (wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&rl.lock);
    rl.quit = 1;
    pthread_cond_broadcast(&rl.cond);
    while (!rl.ended && pthread_cond_timedwait(&rl.cond, &rl.lock, &until) == 0)
        continue;  /* cppcheck-suppress redundantContinue ; the empty loop body, written out */
    ended = rl.ended;
    pthread_mutex_unlock(&rl.lock);
    rl.running = 0;
    if (!ended) {
        pthread_detach(rl.thread);
        return -1;
    }
    pthread_join(rl.thread, NULL);
    while ((r = reloader_take()) != NULL)
        free(r);
    return 0;
}
