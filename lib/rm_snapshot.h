/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_SNAPSHOT_H
#define RM_SNAPSHOT_H

/* rm_snapshot - one immutable, reference-counted policy: config and lists */

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "rm_config.h"
#include "rm_domains.h"
#include "rm_list.h"
#include "rm_policy.h"

typedef struct rm_snapshot {
    int     refs;                       /* atomic; see rm_snapshot_ref */
    uint64_t generation;
    time_t  loaded_at;
    rm_config *cfg;
    rm_domains *domains;
    rm_list *lists[RM_LIST__COUNT];     /* never NULL: an unused rule has an empty list */
    rm_policy policy;                   /* points into lists[] */
} rm_snapshot;

/*
 * rm_snapshot_build - load the configuration and every list it names, off
 * to the side.  A list whose rule is off is not read (an empty one stands
 * in).  On success *out holds a snapshot with one reference.  On failure
 * nothing is allocated, every error found in every file is in d, and the
 * caller's current snapshot is untouched.  Every file is a policy source
 * for the configuration's user (rm_config_load, rm_trust_open).
 */
int     rm_snapshot_build(const char *config_path, uint64_t generation, rm_snapshot **out, rm_diag *d);

/* rm_snapshot_from_config - the same with an already loaded configuration,
 * which the snapshot takes over on success (and leaves to the caller on
 * failure). */
int     rm_snapshot_from_config(rm_config *cfg, uint64_t generation, rm_snapshot **out, rm_diag *d);

rm_snapshot *rm_snapshot_ref(rm_snapshot *s);
void    rm_snapshot_unref(rm_snapshot *s);  /* frees on the last reference */

/* rm_snapshot_decide - the policy of this snapshot */
void    rm_snapshot_decide(const rm_snapshot *s, const rm_query *q, rm_decision *d);

/*
 * rm_snapshot_explain - "allow-list allow.list:3 192.0.2.0/24" style text:
 * rule, then FILE:LINE and the entry as parsed, when a list decided.
 */
size_t  rm_snapshot_explain(const rm_snapshot *s, const rm_decision *d, char *buf, size_t len);

/* rm_snapshot_where - just "FILE:LINE" and the entry text, or "" */
size_t  rm_snapshot_where(const rm_snapshot *s, const rm_decision *d,
                          char *where, size_t wlen, char *entry, size_t elen);

/*
 * The holder: where the daemon keeps its current snapshot.  acquire takes
 * a reference to the current snapshot (the caller unrefs it when done);
 * swap installs a new one and drops the holder's reference to the old,
 * which is freed when its last reader is done.
 */
typedef struct rm_holder {
    pthread_mutex_t lock;
    rm_snapshot *cur;
} rm_holder;

int     rm_holder_init(rm_holder *h);
void    rm_holder_destroy(rm_holder *h);
rm_snapshot *rm_holder_acquire(rm_holder *h);        /* NULL if none yet */
void    rm_holder_swap(rm_holder *h, rm_snapshot *next);  /* takes next's reference */

#endif
