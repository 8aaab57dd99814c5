/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_snapshot - one immutable, reference-counted policy: config and lists */

#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rm_kind.h"
#include "rm_mem.h"
#include "rm_snapshot.h"

/* url_cached - a URL list is read from its last good copy: is there one? */

static int url_cached(const rm_config *cfg, const char *url, const char *key,
                      const char *cache, rm_diag *d)
{
    if (url[0] == '\0' || access(cache, F_OK) == 0)
        return 1;
    rm_diag_add(d, RM_SEV_ERROR, cfg->path, rm_config_key_line(cfg, key), 0,
                "%s %s: not fetched, and no copy cached as %s; the list is not loaded",
                key, url, cache);
    return 0;
}

/* rm_snapshot_from_config - load every list of cfg into a new snapshot */

int     rm_snapshot_from_config(rm_config *cfg,
                                uint64_t generation, rm_snapshot **out, rm_diag *d)
{
    rm_snapshot *s;
    rm_limits lim = {cfg->max_entries, cfg->max_list_bytes};
    size_t  errors_before = d->errors;
    int     k;

    if ((s = rm_calloc(1, sizeof(*s))) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, cfg->path, 0, 0, "out of memory");
        return -1;
    }
    for (k = 0; k < RM_LIST__COUNT; k++) {
        const rm_kind *kind = rm_kind_get((enum rm_list_kind) k);

        if (!(cfg->relay_flags & kind->flag)) {
            if (rm_list_empty(kind->config_key, &s->lists[k], d) < 0)
                break;
            continue;
        }
        if (!url_cached(cfg, cfg->list_url[k], kind->config_key, cfg->list_path[k], d))
            continue;
        if (rm_list_load(cfg->list_path[k], &cfg->trust, &lim, &s->lists[k], d) < 0)
            continue;                   /* keep going: report every list's errors */
    }
    if (cfg->local_domains[0] != '\0'
        && url_cached(cfg, cfg->domains_url, "local_domains", cfg->local_domains + 5, d)
        && rm_domains_parse(cfg->local_domains, cfg->dir, cfg->path,
                            rm_config_key_line(cfg, "local_domains"), &cfg->trust, &s->domains, d) < 0) {
        /* reported */
    }
    if (d->errors > errors_before) {
        for (k = 0; k < RM_LIST__COUNT; k++)
            rm_list_free(s->lists[k]);
        rm_domains_free(s->domains);
        rm_free(s);
        return -1;
    }
    s->refs = 1;
    s->generation = generation;
    s->loaded_at = time(NULL);
    s->cfg = cfg;
    s->policy.flags = cfg->relay_flags;
    s->policy.local_submission_allow = cfg->local_submission_allow;
    for (k = 0; k < RM_LIST__COUNT; k++)
        s->policy.lists[k] = s->lists[k];
    *out = s;
    return 0;
}

/* rm_snapshot_build - configuration and lists, all or nothing */

int     rm_snapshot_build(const char *config_path, uint64_t generation, rm_snapshot **out, rm_diag *d)
{
    rm_config *cfg;

    if (rm_config_load(config_path, &cfg, d) < 0)
        return -1;
    if (rm_snapshot_from_config(cfg, generation, out, d) < 0) {
        rm_config_free(cfg);
        return -1;
    }
    return 0;
}

rm_snapshot *rm_snapshot_ref(rm_snapshot *s)
{
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
    return s;
}

void    rm_snapshot_unref(rm_snapshot *s)
{
    if (s == NULL)
        return;
    if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (int k = 0; k < RM_LIST__COUNT; k++)
        rm_list_free(s->lists[k]);
    rm_domains_free(s->domains);
    rm_config_free(s->cfg);
    rm_free(s);
}

void    rm_snapshot_decide(const rm_snapshot *s, const rm_query *q, rm_decision *d)
{
    rm_policy_decide(&s->policy, q, d);
}

/* rm_snapshot_where - FILE:LINE and entry text of the deciding entry */

size_t  rm_snapshot_where(const rm_snapshot *s, const rm_decision *d,
                          char *where, size_t wlen, char *entry, size_t elen)
{
    rm_entry_info info;
    const rm_list *l;

    if (wlen)
        where[0] = '\0';
    if (elen)
        entry[0] = '\0';
    if (d->list < 0 || d->list >= RM_LIST__COUNT)
        return 0;
    l = s->lists[d->list];
    if (rm_list_entry(l, d->match.entry, &info) < 0)
        return 0;
    rm_entry_format(&info.entry, entry, elen);
    return (size_t) snprintf(where, wlen, "%s:%u", rm_list_name(l), info.line);
}

/* rm_snapshot_explain - one line: rule, where, entry */

size_t  rm_snapshot_explain(const rm_snapshot *s, const rm_decision *d, char *buf, size_t len)
{
    char    where[RM_PATH_LEN + 16], entry[RM_ENTRY_STRLEN];
    int     n;

    if (rm_snapshot_where(s, d, where, sizeof(where), entry, sizeof(entry)) > 0)
        n = snprintf(buf, len, "%s %s %s", rm_rule_name(d->rule), where, entry);
    else
        n = snprintf(buf, len, "%s", rm_rule_name(d->rule));
    return n < 0 ? 0 : (size_t) n;
}

/* The holder. */

int     rm_holder_init(rm_holder *h)
{
    h->cur = NULL;
    return pthread_mutex_init(&h->lock, NULL) == 0 ? 0 : -1;
}

void    rm_holder_destroy(rm_holder *h)
{
    rm_snapshot_unref(h->cur);
    h->cur = NULL;
    pthread_mutex_destroy(&h->lock);
}

/* rm_holder_acquire - a reference to the current snapshot.  The lock makes
 * "read the pointer, take a reference" one step, so a swap can never free
 * a snapshot between the two. */

rm_snapshot *rm_holder_acquire(rm_holder *h)
{
    rm_snapshot *s;

    pthread_mutex_lock(&h->lock);
    s = h->cur ? rm_snapshot_ref(h->cur) : NULL;
    pthread_mutex_unlock(&h->lock);
    return s;
}

void    rm_holder_swap(rm_holder *h, rm_snapshot *next)
{
    rm_snapshot *old;

    pthread_mutex_lock(&h->lock);
    old = h->cur;
    h->cur = next;
    pthread_mutex_unlock(&h->lock);
    rm_snapshot_unref(old);
}
