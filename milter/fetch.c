/* SPDX-License-Identifier: BSD-2-Clause */
/* fetch - URL lists: poll, verify, check, cache by rename, reload */

#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "http.h"
#include "mlog.h"
#include "rm_config.h"
#include "rm_domains.h"
#include "rm_file.h"
#include "rm_kind.h"
#include "rm_mem.h"
#include "rm_source.h"
#include "state.h"

#define SLOT_DOMAINS RM_LIST__COUNT
#define SLOTS (RM_LIST__COUNT + 1)
#define META_MAX 16384
#define START_TIMEOUT 15                /* seconds a fetch may take at start, at most */


/* One URL list: its cached copy, and what happened to it. */
typedef struct source {
    char    url[RM_URL_LEN];            /* "" when this list is not a URL now */
    char    cache[RM_PATH_LEN];
    rm_source_meta meta;                /* validators of the cached copy */
    time_t  last_fetch;
    time_t  last_ok;                    /* the server last confirmed the cached copy */
    time_t  last_change;
    char    last_error[512];
    uint64_t ok, not_modified, failed;
} source;

static struct {
    pthread_mutex_t lock;               /* guards src[]; never held during I/O */
    pthread_mutex_t wait_lock;
    pthread_cond_t wake;
    int     quit;
    int     running;
    pthread_t thread;
    unsigned interval;
    char    config_path[RM_PATH_LEN];
    char    config_error[512];          /* the last one logged, not to repeat it */
    source  src[SLOTS];
} F = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wait_lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
};

/* cache_of - where a slot's list is read from, in configuration c */

static const char *cache_of(const rm_config *c, int i)
{
    return i == SLOT_DOMAINS ? c->local_domains + 5 : c->list_path[i];
}

/* slot_key - the setting a slot's URL is written in */

static const char *slot_key(int i)
{
    return i == SLOT_DOMAINS ? "local_domains" : rm_kind_get((enum rm_list_kind) i)->config_key;
}

/* url_of - the URL a slot is fetched from in c, or "" (a file, or its rule off) */

static const char *url_of(const rm_config *c, int i)
{
    if (i == SLOT_DOMAINS)
        return c->domains_url;
    return (c->relay_flags & rm_kind_flag((enum rm_list_kind) i)) ? c->list_url[i] : "";
}

/* load_meta - the sidecar of a cached copy, if it is that URL's */

static void load_meta(source *s)
{
    char    path[RM_PATH_LEN + 8], *buf;
    size_t  len;
    rm_diag d;

    rm_diag_init(&d);
    if (rm_source_meta_path(s->cache, path, sizeof(path)) < 0 || access(s->cache, F_OK) != 0
        || access(path, F_OK) != 0 || rm_file_read(path, NULL, META_MAX, &buf, &len, NULL, &d) < 0)
        return;
    if (rm_source_meta_parse(buf, len, &s->meta) < 0 || strcmp(s->meta.url, s->url) != 0)
        memset(&s->meta, 0, sizeof(s->meta));
    s->last_change = s->meta.fetched;
    rm_free(buf);
}

/* sync_slots - follow the configuration: a URL that changed starts afresh */

static void sync_slots(const rm_config *c)
{
    pthread_mutex_lock(&F.lock);
    for (int i = 0; i < SLOTS; i++) {
        source *s = &F.src[i];

        if (strcmp(s->url, url_of(c, i)) == 0 && (s->url[0] == '\0' || strcmp(s->cache, cache_of(c, i)) == 0))
            continue;
        memset(s, 0, sizeof(*s));
        if (url_of(c, i)[0] == '\0')
            continue;
        snprintf(s->url, sizeof(s->url), "%s", url_of(c, i));
        snprintf(s->cache, sizeof(s->cache), "%s", cache_of(c, i));
        load_meta(s);
    }
    pthread_mutex_unlock(&F.lock);
}

/* write_temp - buf into a new file in the cache directory; its name in tmp */

static int write_temp(const char *cache, const char *buf, size_t len, char *tmp, size_t tlen)
{
    const char *slash = strrchr(cache, '/');
    size_t  off = 0;
    int     fd;

    if (slash == NULL || snprintf(tmp, tlen, "%.*s/.%s.XXXXXX", (int) (slash - cache), cache, slash + 1) >= (int) tlen)
        return -1;
    if ((fd = mkstemp(tmp)) == -1)
        return -1;
    while (off < len) {
        ssize_t n = write(fd, buf + off, len - off);

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            break;
        off += (size_t) n;
    }
    if (off < len || fchmod(fd, 0644) == -1 || fsync(fd) == -1) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) == -1) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* check_list - load the new copy with the daemon's own loader; errors name the URL */

static int check_list(int i, const rm_config *c, const char *tmp, const char *url, char *err, size_t elen)
{
    static rm_diag d;                   /* only the fetch thread (or start) uses it */
    rm_limits lim = {c->max_entries, c->max_list_bytes};
    char    value[RM_PATH_LEN + 8];
    const rm_diag_msg *m;
    int     rc;

    rm_diag_init(&d);
    if (i == SLOT_DOMAINS) {
        rm_domains *dom;

        snprintf(value, sizeof(value), "file:%s", tmp);
        if ((rc = rm_domains_parse(value, NULL, url, 0, &c->trust, &dom, &d)) == 0)
            rm_domains_free(dom);
    } else {
        rm_list *l;

        if ((rc = rm_list_load(tmp, &c->trust, &lim, &l, &d)) == 0)
            rm_list_free(l);
    }
    if (rc == 0)
        return 0;
    for (size_t k = 0; k < d.count; k++)
        if (strcmp(d.msgs[k].file, tmp) == 0)
            snprintf(d.msgs[k].file, sizeof(d.msgs[k].file), "%s", url);
    if ((m = rm_diag_first_error(&d)) != NULL)
        rm_diag_format(m, err, elen);
    else
        snprintf(err, elen, "%s: the list has errors", url);
    if (d.errors > 1)
        snprintf(err + strlen(err), elen - strlen(err), " (and %zu more errors)", d.errors - 1);
    return -1;
}

/* same_as_cache - is the body the copy already cached? (servers without validators) */

static bool same_as_cache(const char *cache, const http_resp *r, uint64_t max)
{
    char   *buf;
    size_t  len;
    bool    same;
    rm_diag d;

    rm_diag_init(&d);
    if (rm_file_read(cache, NULL, max, &buf, &len, NULL, &d) < 0)
        return false;
    same = len == r->len && memcmp(buf, r->body, len) == 0;
    rm_free(buf);
    return same;
}

/* write_meta - the sidecar, by rename */

static void write_meta(const char *cache, const rm_source_meta *m)
{
    char    path[RM_PATH_LEN + 8], tmp[RM_PATH_LEN + 32], buf[RM_URL_LEN + 2 * RM_VALIDATOR_LEN + 64];
    size_t  n = rm_source_meta_format(m, buf, sizeof(buf));

    if (n == 0 || rm_source_meta_path(cache, path, sizeof(path)) < 0
        || write_temp(path, buf, n, tmp, sizeof(tmp)) < 0) {
        mlog_warn("cannot write the validators of %s", cache);
        return;
    }
    if (rename(tmp, path) == -1) {
        mlog_warn("cannot rename %s to %s", tmp, path);
        unlink(tmp);
    }
}

/*
 * accept_body - a 200: signature, then the loader, then the cache by
 * rename.  *changed says whether the cached copy is now different.
 */
static int accept_body(int i, const rm_config *c, const char *url, const char *cache,
                       const http_resp *r, rm_source_meta *m, bool *changed, char *err, size_t elen)
{
    char    tmp[RM_PATH_LEN + 32];
    long long signed_at = 0;

    *changed = false;
    if (c->list_signing_key[0]
        && http_check_signature(&(http_req) {url, c->list_ca_file, c->list_fetch_timeout, 0, NULL, NULL},
                                c->list_signing_key, &c->trust, r->body, r->len, &signed_at, err, elen) < 0)
        return -1;
    /* A server broken into could serve an older signed list, say one that
     * still allowed a network since removed: refuse to go back in time. */
    if (c->list_signing_key[0] && signed_at < m->signed_at && access(cache, F_OK) == 0) {
        snprintf(err, elen, "signed at %lld, before the copy in force (signed at %lld): an old list "
                 "served again; refused (sign it anew to go back to it)", signed_at, m->signed_at);
        return -1;
    }
    m->signed_at = signed_at;
    if (same_as_cache(cache, r, c->max_list_bytes))
        return 0;
    if (write_temp(cache, r->body, r->len, tmp, sizeof(tmp)) < 0) {
        snprintf(err, elen, "cannot write a new copy next to %s: %s", cache, strerror(errno));
        return -1;
    }
    if (check_list(i, c, tmp, url, err, elen) < 0) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, cache) == -1) {
        snprintf(err, elen, "cannot rename the new copy to %s: %s", cache, strerror(errno));
        unlink(tmp);
        return -1;
    }
    *changed = true;
    return 0;
}

/* failed - count and remember a failed fetch */

static void failed(int i, time_t now, const char *err)
{
    pthread_mutex_lock(&F.lock);
    F.src[i].last_fetch = now;
    F.src[i].failed++;
    snprintf(F.src[i].last_error, sizeof(F.src[i].last_error), "%s", err);
    pthread_mutex_unlock(&F.lock);
}

/* fetch_one - one conditional GET of slot i; 1 changed, 0 unchanged, -1 failed */

static int fetch_one(int i, const rm_config *c, char *err, size_t elen)
{
    char    url[RM_URL_LEN], cache[RM_PATH_LEN];
    rm_source_meta was;
    http_resp r = {0};
    time_t  now = time(NULL);
    bool    changed;
    int     rc;

    pthread_mutex_lock(&F.lock);
    snprintf(url, sizeof(url), "%s", F.src[i].url);
    snprintf(cache, sizeof(cache), "%s", F.src[i].cache);
    was = F.src[i].meta;
    pthread_mutex_unlock(&F.lock);
    /* Without a cached copy the validators would make the server send nothing. */
    if (access(cache, F_OK) != 0)
        was.etag[0] = was.last_modified[0] = '\0';
    if (http_get(&(http_req) {url, c->list_ca_file, c->list_fetch_timeout, c->max_list_bytes,
                              was.etag, was.last_modified}, &r, err, elen) < 0) {
        failed(i, now, err);
        return -1;
    }
    if (r.status == 304) {
        pthread_mutex_lock(&F.lock);
        F.src[i].last_fetch = F.src[i].last_ok = now;
        F.src[i].not_modified++;
        F.src[i].last_error[0] = '\0';
        pthread_mutex_unlock(&F.lock);
        return 0;
    }
    rc = accept_body(i, c, url, cache, &r, &was, &changed, err, elen);
    if (rc < 0) {
        free(r.body);
        failed(i, now, err);
        return -1;
    }
    snprintf(was.url, sizeof(was.url), "%s", url);
    snprintf(was.etag, sizeof(was.etag), "%s", r.etag);
    snprintf(was.last_modified, sizeof(was.last_modified), "%s", r.last_modified);
    if (changed || was.fetched == 0)
        was.fetched = now;
    free(r.body);
    write_meta(cache, &was);
    pthread_mutex_lock(&F.lock);
    F.src[i].meta = was;
    F.src[i].last_fetch = F.src[i].last_ok = now;
    if (changed)
        F.src[i].last_change = now;
    F.src[i].ok++;
    F.src[i].last_error[0] = '\0';
    pthread_mutex_unlock(&F.lock);
    return changed ? 1 : 0;
}

/* load_config - the configuration file as it is now; NULL (logged once) on errors */

static rm_config *load_config(void)
{
    static rm_diag d;
    rm_config *c;
    char    text[sizeof(F.config_error)];

    rm_diag_init(&d);
    if (rm_config_load(F.config_path, &c, &d) == 0) {
        F.config_error[0] = '\0';
        return c;
    }
    if (rm_diag_first_error(&d))
        rm_diag_format(rm_diag_first_error(&d), text, sizeof(text));
    else
        snprintf(text, sizeof(text), "%s: cannot be read", F.config_path);
    if (strcmp(text, F.config_error) != 0)
        mlog_warnx("URL lists not fetched: the configuration has errors: %s", text);
    snprintf(F.config_error, sizeof(F.config_error), "%s", text);
    return NULL;
}

/*
 * fetch_round - every URL list once (only_missing: those with no cached
 * copy yet); reload when one changed (not at start)
 */
static void fetch_round(bool at_start, bool only_missing)
{
    static rm_diag d;
    rm_config *c;
    char    err[1024], when[40];
    bool    changed = false;
    uint64_t gen;
    uint32_t entries[RM_LIST__COUNT];

    if ((c = load_config()) == NULL)
        return;
    sync_slots(c);
    F.interval = c->list_poll_interval;
    /* At start nothing is served yet, and the service manager waits. */
    if (at_start && c->list_fetch_timeout > START_TIMEOUT)
        c->list_fetch_timeout = START_TIMEOUT;
    for (int i = 0; i < SLOTS; i++) {
        int     rc;

        if (url_of(c, i)[0] == '\0' || (only_missing && access(cache_of(c, i), F_OK) == 0))
            continue;
        rc = fetch_one(i, c, err, sizeof(err));
        if (rc > 0) {
            changed = true;
            mlog_info("%s %s: a new version fetched into %s", slot_key(i), url_of(c, i), cache_of(c, i));
        } else if (rc < 0 && !at_start) {
            mlog_warnx("%s %s: %s; the list in force stays", slot_key(i), url_of(c, i), err);
        } else if (rc < 0 && access(cache_of(c, i), F_OK) == 0) {
            pthread_mutex_lock(&F.lock);
            rm_ctl_format_time(F.src[i].meta.fetched, when, sizeof(when));
            pthread_mutex_unlock(&F.lock);
            mlog_warnx("%s %s: %s; starting from the cached copy %s (fetched %s)",
                       slot_key(i), url_of(c, i), err, cache_of(c, i), when);
        } else if (rc < 0) {
            mlog_errx("%s %s: %s; and there is no cached copy (%s)", slot_key(i), url_of(c, i), err,
                      cache_of(c, i));
        }
    }
    rm_config_free(c);
    if (changed && !at_start)
        (void) state_reload("a URL list changed", &d, &gen, entries);
}

/* make_cache_dir - list_cache_dir, owned by the daemon's user */

static void make_cache_dir(const rm_config *c)
{
    struct passwd *pw;

    if (mkdir(c->list_cache_dir, 0755) == -1) {
        if (errno != EEXIST)
            mlog_warn("cannot create list_cache_dir %s", c->list_cache_dir);
        return;
    }
    /* cppcheck-suppress getpwnamCalled ; no other thread is started yet */
    if (c->user[0] && geteuid() == 0 && (pw = getpwnam(c->user)) != NULL
        && chown(c->list_cache_dir, pw->pw_uid, pw->pw_gid) == -1)
        mlog_warn("cannot give list_cache_dir %s to user %s", c->list_cache_dir, c->user);
    mlog_info("created list_cache_dir %s", c->list_cache_dir);
}

int     fetch_init(const char *config_path, bool only_missing)
{
    rm_config *c;

    snprintf(F.config_path, sizeof(F.config_path), "%s", config_path);
    F.interval = 60;
    if (http_global_init() < 0) {
        mlog_errx("libcurl cannot be initialized");
        return -1;
    }
    if ((c = load_config()) == NULL)
        return 0;                       /* the snapshot build reports the errors */
    if (rm_config_has_urls(c))
        make_cache_dir(c);
    rm_config_free(c);
    fetch_round(true, only_missing);
    return 0;
}

/* sleep_jittered - the poll interval, give or take a tenth; false when told to quit */

static bool sleep_jittered(void)
{
    long    ms = (long) F.interval * 1000, spread = ms / 5 + 1;
    struct timespec until;
    bool    quit;

    ms += random() % spread - spread / 2;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&F.wait_lock);
    while (!F.quit && pthread_cond_timedwait(&F.wake, &F.wait_lock, &until) != ETIMEDOUT)
        continue;  /* cppcheck-suppress redundantContinue ; the empty loop body, written out */
    quit = F.quit;
    pthread_mutex_unlock(&F.wait_lock);
    return !quit;
}

static void *fetch_main(void *arg)
{
    (void) arg;
    while (sleep_jittered())
        fetch_round(false, false);
    return NULL;
}

int     fetch_start(void)
{
    pthread_condattr_t ca;
    int     e;

    srandom((unsigned) time(NULL) ^ (unsigned) getpid());
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_destroy(&F.wake);
    pthread_cond_init(&F.wake, &ca);
    pthread_condattr_destroy(&ca);
    if ((e = pthread_create(&F.thread, NULL, fetch_main, NULL)) != 0) {
        errno = e;
        mlog_err("cannot start the list fetch thread");
        return -1;
    }
    F.running = 1;
    return 0;
}

void    fetch_stop(void)
{
    if (!F.running)
        return;
    pthread_mutex_lock(&F.wait_lock);
    F.quit = 1;
    pthread_cond_signal(&F.wake);
    pthread_mutex_unlock(&F.wait_lock);
    pthread_join(F.thread, NULL);
    F.running = 0;
}

/* fetch_status - one URL list's line of STATUS */

int     fetch_status(int slot, rm_ctl_source *out)
{
    source *s;
    time_t  now = time(NULL), known;

    if (slot < 0 || slot >= SLOTS)
        return 0;
    pthread_mutex_lock(&F.lock);
    s = &F.src[slot];
    if (s->url[0] == '\0') {
        pthread_mutex_unlock(&F.lock);
        return 0;
    }
    out->url = true;
    snprintf(out->source, sizeof(out->source), "%s", s->url);
    snprintf(out->cache, sizeof(out->cache), "%s", s->cache);
    snprintf(out->etag, sizeof(out->etag), "%s", s->meta.etag);
    snprintf(out->last_modified, sizeof(out->last_modified), "%s", s->meta.last_modified);
    snprintf(out->last_error, sizeof(out->last_error), "%s", s->last_error);
    out->last_fetch = s->last_fetch;
    out->last_change = s->last_change;
    known = s->last_ok ? s->last_ok : s->meta.fetched;
    out->age_seconds = known && now > known ? (uint64_t) (now - known) : 0;
    out->fetch_ok = s->ok;
    out->fetch_not_modified = s->not_modified;
    out->fetch_failed = s->failed;
    pthread_mutex_unlock(&F.lock);
    return 1;
}
