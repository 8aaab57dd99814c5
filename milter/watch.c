/* SPDX-License-Identifier: BSD-2-Clause */
/* watch - reload when a list file or the domains file changes (inotify) */

#include "config.h"

#include <sys/inotify.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlog.h"
#include "rm_kind.h"
#include "state.h"
#include "watch.h"

#define MAX_FILES (RM_LIST__COUNT + 1)
#define EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB)

/* A watched file: the directory's watch, the file's name in it. */
typedef struct wfile {
    int     wd;
    char    dir[PATH_MAX];
    char    name[NAME_MAX + 1];
    bool    writing;                    /* modified and not yet closed */
} wfile;

static struct {
    int     fd;                         /* inotify */
    int     wake[2];
    pthread_t thread;
    int     running;
    uint64_t generation;                /* the snapshot the watches follow */
    wfile   f[MAX_FILES];
    int     n;
} W = {.fd = -1, .wake = {-1, -1}};

/* add_file - watch path's directory for path */

static void add_file(const char *path)
{
    const char *slash = strrchr(path, '/');
    wfile  *w;

    if (slash == NULL || W.n >= MAX_FILES || strlen(slash + 1) > NAME_MAX)
        return;
    w = &W.f[W.n];
    if (slash == path)
        snprintf(w->dir, sizeof(w->dir), "/");
    else
        snprintf(w->dir, sizeof(w->dir), "%.*s", (int) (slash - path), path);
    snprintf(w->name, sizeof(w->name), "%s", slash + 1);
    w->writing = false;
    if ((w->wd = inotify_add_watch(W.fd, w->dir, EVENTS | IN_ONLYDIR)) == -1) {
        mlog_warn("watch_files: cannot watch %s", w->dir);
        return;
    }
    W.n++;
}

/* rewatch - follow the configuration in force: its local files, or none */

static void rewatch(void)
{
    int     old[MAX_FILES] = {0}, nold = W.n;
    rm_snapshot *s = state_acquire();
    const rm_config *c;

    for (int i = 0; i < W.n; i++)
        old[i] = W.f[i].wd;
    W.n = 0;
    W.generation = s ? s->generation : 0;
    if (s && (c = s->cfg)->watch_files) {
        for (int k = 0; k < RM_LIST__COUNT; k++)
            if ((c->relay_flags & rm_kind_flag((enum rm_list_kind) k)) && c->list_url[k][0] == '\0')
                add_file(c->list_path[k]);
        if (strncmp(c->local_domains, "file:", 5) == 0 && c->domains_url[0] == '\0') {
            char    path[PATH_MAX];
            const char *p = c->local_domains + 5;

            if (p[0] == '/')
                snprintf(path, sizeof(path), "%s", p);
            else
                snprintf(path, sizeof(path), "%s/%s", c->dir, p);
            add_file(path);
        }
    }
    /* A directory still watched kept its wd: remove only the others. */
    for (int i = 0; i < nold; i++) {
        bool    kept = false;

        for (int j = 0; j < W.n; j++)
            kept |= W.f[j].wd == old[i];
        if (!kept)
            (void) inotify_rm_watch(W.fd, old[i]);
    }
    rm_snapshot_unref(s);
}

/* on_events - mark what changed; true if a watched file did */

static bool on_events(void)
{
    char    buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool    hit = false;
    ssize_t n;

    while ((n = read(W.fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *e = (const struct inotify_event *) (void *) p;

            p += sizeof(*e) + e->len;
            if (e->mask & IN_Q_OVERFLOW) {
                hit = true;
                continue;
            }
            for (int i = 0; i < W.n; i++) {
                if (W.f[i].wd != e->wd || e->len == 0 || strcmp(W.f[i].name, e->name) != 0)
                    continue;
                hit = true;
                if (e->mask & IN_MODIFY)
                    W.f[i].writing = true;
                if (e->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE))
                    W.f[i].writing = false;
            }
        }
    }
    return hit;
}

static bool writing(void)
{
    for (int i = 0; i < W.n; i++)
        if (W.f[i].writing)
            return true;
    return false;
}

static long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * watch_main - wait for events; reload WATCH_SETTLE_MS after the last
 * one, unless a file is still being written (modified, not yet closed):
 * that waits for its close, so a half-written file is never loaded.
 */
static void *watch_main(void *arg)
{
    static rm_diag d;
    long    due = -1;

    (void) arg;
    for (;;) {
        struct pollfd pf[2] = {{W.fd, POLLIN, 0}, {W.wake[0], POLLIN, 0}};
        long    wait = due < 0 ? 1000 : due - now_ms();
        rm_snapshot *s;
        uint64_t gen;
        uint32_t entries[RM_LIST__COUNT];

        if (poll(pf, 2, (int) (wait < 0 ? 0 : wait)) == -1 && errno != EINTR) {
            mlog_warn("watch_files: poll");
            sleep(1);
        }
        if (pf[1].revents)
            break;
        if (pf[0].revents && on_events())
            due = now_ms() + WATCH_SETTLE_MS;
        if (due >= 0 && now_ms() >= due && !writing()) {
            due = -1;
            (void) state_reload("a watched file changed", &d, &gen, entries);
            rewatch();
            continue;
        }
        /* A reload from elsewhere may have changed the files to watch. */
        s = state_acquire();
        if (s && s->generation != W.generation)
            rewatch();
        rm_snapshot_unref(s);
    }
    return NULL;
}

int     watch_start(void)
{
    int     e;

    if ((W.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
        mlog_warn("watch_files: inotify; files reload only on SIGHUP and relayctl reload");
        return 0;
    }
    if (pipe2(W.wake, O_CLOEXEC) == -1) {
        mlog_err("pipe");
        return -1;
    }
    rewatch();
    if ((e = pthread_create(&W.thread, NULL, watch_main, NULL)) != 0) {
        errno = e;
        mlog_err("cannot start the file watch thread");
        return -1;
    }
    W.running = 1;
    return 0;
}

void    watch_stop(void)
{
    if (!W.running)
        return;
    (void) !write(W.wake[1], "q", 1);
    pthread_join(W.thread, NULL);
    W.running = 0;
    close(W.fd);
    close(W.wake[0]);
    close(W.wake[1]);
}
