/* SPDX-License-Identifier: BSD-2-Clause */
/* state - what the daemon's threads share: the current snapshot, the counters, reload */

#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "mlog.h"
#include "notify.h"
#include "rm_text.h"
#include "state.h"

enum last_reload { LAST_NONE = 0, LAST_OK, LAST_FAILED };

/*
 * What STATUS shows of the policy and its reloads: a copy written in one
 * step with each swap (or failed reload) under a lock of its own, held
 * only to copy a few fields, so a STATUS never waits for a reload to
 * finish and its figures always describe one moment.
 */
typedef struct status_copy {
    uint64_t generation;
    time_t  loaded_at;
    unsigned relay_flags;
    const char *mode;
    uint32_t entries[RM_LIST__COUNT];
    uint64_t reloads_ok;
    uint64_t reloads_failed;
    enum last_reload last;
    char    last_error[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];
} status_copy;

static struct {
    char    config_path[RM_PATH_LEN];
    time_t  started;
    rm_holder holder;
    rm_config *startup;                 /* a copy of the first configuration */
    pthread_mutex_t reload_lock;        /* one reload at a time */
    pthread_mutex_t status_lock;        /* guards status */
    status_copy status;
    atomic_uint_fast64_t decisions[RM_CTL_D__COUNT];
} st = {
    .reload_lock = PTHREAD_MUTEX_INITIALIZER,
    .status_lock = PTHREAD_MUTEX_INITIALIZER,
};

void    state_entries(const rm_snapshot *s, uint32_t entries[RM_LIST__COUNT])
{
    for (int k = 0; k < RM_LIST__COUNT; k++)
        entries[k] = s ? rm_list_count(s->lists[k]) : 0;
}

/* publish - the status copy of snapshot s (NULL: unchanged) and the outcome */

static void publish(const rm_snapshot *s, enum last_reload last, const char *error)
{
    pthread_mutex_lock(&st.status_lock);
    if (s != NULL) {
        st.status.generation = s->generation;
        st.status.loaded_at = s->loaded_at;
        st.status.relay_flags = s->cfg->relay_flags;
        st.status.mode = rm_name_str(rm_config_mode_names, s->cfg->mode);
        state_entries(s, st.status.entries);
    }
    if (last == LAST_OK)
        st.status.reloads_ok++;
    else if (last == LAST_FAILED)
        st.status.reloads_failed++;
    if (last != LAST_NONE)
        st.status.last = last;
    if (error != NULL)
        snprintf(st.status.last_error, sizeof(st.status.last_error), "%s", error);
    pthread_mutex_unlock(&st.status_lock);
}

/* state_init - the first snapshot */

int     state_init(const char *config_path, rm_diag *d)
{
    rm_snapshot *s;

    snprintf(st.config_path, sizeof(st.config_path), "%s", config_path);
    st.started = time(NULL);
    if (rm_holder_init(&st.holder) < 0) {
        rm_diag_add(d, RM_SEV_ERROR, NULL, 0, 0, "cannot initialize a mutex");
        return -1;
    }
    if (rm_snapshot_build(config_path, 1, &s, d) < 0)
        return -1;
    if ((st.startup = rm_config_defaults(NULL)) == NULL) {
        rm_snapshot_unref(s);
        rm_diag_add(d, RM_SEV_ERROR, NULL, 0, 0, "out of memory");
        return -1;
    }
    /* Only the fixed-size settings are needed later; local_domains stays "". */
    {
        char   *keep = st.startup->local_domains;

        *st.startup = *s->cfg;
        st.startup->local_domains = keep;
    }
    publish(s, LAST_NONE, NULL);
    rm_holder_swap(&st.holder, s);
    return 0;
}

const rm_config *state_startup_config(void)
{
    return st.startup;
}

rm_snapshot *state_acquire(void)
{
    return rm_holder_acquire(&st.holder);
}

void    state_count(enum rm_ctl_decision k)
{
    if ((unsigned) k < RM_CTL_D__COUNT)
        atomic_fetch_add_explicit(&st.decisions[k], 1, memory_order_relaxed);
}

/* warn_fixed - settings that only take effect at start */

static void warn_fixed(const rm_config *now)
{
    static const struct {
        const char *name;
        size_t  off;
    } fixed[] = {
        {"milter_socket", offsetof(rm_config, milter_socket)},
        {"policy_socket", offsetof(rm_config, policy_socket)},
        {"control_socket", offsetof(rm_config, control_socket)},
        {"user", offsetof(rm_config, user)},
        {"pid_file", offsetof(rm_config, pid_file)},
    };
    const rm_config *was = st.startup;
    char    q[RM_QUOTE_LEN(128)];

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        const char *a = (const char *) was + fixed[i].off, *b = (const char *) now + fixed[i].off;

        if (strcmp(a, b) != 0)
            mlog_warnx("%s changed to %s; it takes effect when relaymilter restarts", fixed[i].name,
                       rm_text_quote(q, sizeof(q), b, strlen(b)));
    }
}

/*
 * warn_emptied - a list that had entries and now has none loads (an empty
 * file is a valid list), but it is more often a writer's accident than an
 * administrator's intent, and an emptied deny list fails open: say so.
 */
static void warn_emptied(const rm_snapshot *was, const rm_snapshot *now)
{
    static const char *const what[RM_LIST__COUNT] = {
        [RM_LIST_DENY] = "the clients it denied are now judged by the rules after it",
        [RM_LIST_ALLOW] = "no client relays by it any more",
        [RM_LIST_LOCAL] = "no local interface is trusted by it any more",
    };
    uint32_t before[RM_LIST__COUNT], after[RM_LIST__COUNT];

    if (was == NULL)
        return;
    state_entries(was, before);
    state_entries(now, after);
    /* The same file, read both times: not a rule switched off, whose list
     * is an empty one named after its key, nor a list moved elsewhere. */
    for (int k = 0; k < RM_LIST__COUNT; k++)
        if (before[k] > 0 && after[k] == 0
            && strcmp(rm_list_name(now->lists[k]), now->cfg->list_path[k]) == 0
            && strcmp(rm_list_name(was->lists[k]), rm_list_name(now->lists[k])) == 0)
            mlog_warnx("%s is now empty (it had %lu entries): %s", now->cfg->list_path[k],
                       (unsigned long) before[k], what[k]);
}

/* mode_flags - "mode enforce, relay_flags allow, auth" for reload lines */

static const char *mode_flags(const rm_snapshot *s, char *buf, size_t len)
{
    char    flags[64];

    if (s == NULL)
        return snprintf(buf, len, "no policy"), buf;
    rm_flags_format(s->cfg->relay_flags, flags, sizeof(flags));
    snprintf(buf, len, "mode %s, relay_flags %s", rm_name_str(rm_config_mode_names, s->cfg->mode), flags);
    return buf;
}

/* state_reload - all or nothing */

int     state_reload(const char *origin, rm_diag *d, uint64_t *generation,
                     uint32_t entries[RM_LIST__COUNT])
{
    rm_snapshot *cur, *next;
    uint64_t gen;
    char    first[sizeof(st.status.last_error)], mf[128];
    int     rc;

    rm_diag_init(d);
    pthread_mutex_lock(&st.reload_lock);
    notify_reloading();
    cur = rm_holder_acquire(&st.holder);
    gen = cur ? cur->generation : 0;
    if (rm_snapshot_build(st.config_path, gen + 1, &next, d) == 0) {
        for (size_t i = 0; i < d->count; i++) {
            char    text[sizeof(st.status.last_error)];

            rm_diag_format(&d->msgs[i], text, sizeof(text));
            mlog_warnx("%s", text);
        }
        warn_fixed(next->cfg);
        warn_emptied(cur, next);
        *generation = gen + 1;
        state_entries(next, entries);
        /*
         * Swap, then publish: once STATUS shows the new generation, every
         * decision and CHECK already uses it.  next stays alive in the
         * holder meanwhile, since only a reload, serialized by the lock
         * held here, can swap it out.
         */
        rm_holder_swap(&st.holder, next);   /* takes our reference */
        publish(next, LAST_OK, NULL);
        mlog_info("reloaded generation %llu (%s): %s; deny %lu, allow %lu, local %lu entries",
                  (unsigned long long) *generation, origin, mode_flags(next, mf, sizeof(mf)),
                  (unsigned long) entries[RM_LIST_DENY],
                  (unsigned long) entries[RM_LIST_ALLOW], (unsigned long) entries[RM_LIST_LOCAL]);
        rc = 0;
    } else {
        const rm_diag_msg *m = rm_diag_first_error(d);

        if (m)
            rm_diag_format(m, first, sizeof(first));
        else
            snprintf(first, sizeof(first), "error: reload failed for an unknown reason");
        *generation = gen;
        state_entries(cur, entries);
        publish(NULL, LAST_FAILED, first);
        mlog_errx("reload failed (%s); previous lists remain in force (generation %llu, %s): %s%s",
                  origin, (unsigned long long) gen, mode_flags(cur, mf, sizeof(mf)), first,
                  d->errors > 1 ? " (and more errors; relaymilter -n lists them all)" : "");
        rc = -1;
    }
    notify_ready(*generation, entries, rc < 0);
    rm_snapshot_unref(cur);
    pthread_mutex_unlock(&st.reload_lock);
    return rc;
}

/*
 * sources_status - where each list in force comes from: a URL list as the
 * fetcher knows it, a file as loaded (its age counts from the load).
 */
static void sources_status(const rm_snapshot *s, rm_ctl_status *out, time_t now)
{
    const rm_config *c = s->cfg;

    for (int i = 0; i < RM_CTL_SOURCES; i++) {
        rm_ctl_source *src = &out->sources[i];

        src->name = rm_ctl_source_name(i);
        if (fetch_status(i, src))
            continue;
        if (i < RM_LIST__COUNT && c->list_url[i][0] == '\0'
            && strcmp(rm_list_name(s->lists[i]), c->list_path[i]) == 0)
            snprintf(src->source, sizeof(src->source), "%s", c->list_path[i]);
        else if (i == RM_LIST__COUNT && strncmp(c->local_domains, "file:", 5) == 0 && c->domains_url[0] == '\0')
            snprintf(src->source, sizeof(src->source), "%s", c->local_domains + 5);
        else
            continue;
        src->last_change = s->loaded_at;
        src->age_seconds = now > s->loaded_at ? (uint64_t) (now - s->loaded_at) : 0;
    }
}

/*
 * state_status - one consistent picture for STATUS, from the copy each
 * reload writes in one step: the generation and entries in force agree
 * with the reload counters and the last reload's outcome.  It never
 * waits for a reload: during one it shows the policy still in force.
 */
void    state_status(rm_ctl_status *out)
{
    status_copy c;
    time_t  now = time(NULL);

    pthread_mutex_lock(&st.status_lock);
    c = st.status;
    pthread_mutex_unlock(&st.status_lock);
    memset(out, 0, sizeof(*out));
    out->pid = (long) getpid();
    snprintf(out->version, sizeof(out->version), "%s", PACKAGE_VERSION);
    out->uptime_seconds = now > st.started ? (uint64_t) (now - st.started) : 0;
    out->generation = c.generation;
    out->loaded_at = c.loaded_at;
    out->relay_flags = c.relay_flags;
    snprintf(out->mode, sizeof(out->mode), "%s", c.mode ? c.mode : "none");
    memcpy(out->entries, c.entries, sizeof(out->entries));
    out->reloads_ok = c.reloads_ok;
    out->reloads_failed = c.reloads_failed;
    snprintf(out->last_reload, sizeof(out->last_reload), "%s",
             c.last == LAST_OK ? "ok" : c.last == LAST_FAILED ? "failed" : "none");
    snprintf(out->last_reload_error, sizeof(out->last_reload_error), "%s", c.last_error);
    for (int k = 0; k < RM_CTL_D__COUNT; k++)
        out->decisions[k] = atomic_load_explicit(&st.decisions[k], memory_order_relaxed);
    {
        rm_snapshot *s = rm_holder_acquire(&st.holder);

        if (s)
            sources_status(s, out, now);
        rm_snapshot_unref(s);
    }
}

uint64_t state_generation(void)
{
    uint64_t g;

    pthread_mutex_lock(&st.status_lock);
    g = st.status.generation;
    pthread_mutex_unlock(&st.status_lock);
    return g;
}
