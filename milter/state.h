/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef STATE_H
#define STATE_H

/* state - what the daemon's threads share: the current snapshot, the counters, reload */

#include <stdint.h>

#include "rm_ctl.h"
#include "rm_diag.h"
#include "rm_snapshot.h"

/*
 * state_init - remember the configuration path and the start time, and
 * build the first snapshot (generation 1).  Configuration and list files
 * that group or others can write are refused.  Returns 0, or -1 with every
 * error in d; nothing is logged here.
 */
int     state_init(const char *config_path, rm_diag *d);

/* state_acquire - a reference to the current snapshot; rm_snapshot_unref() it */
rm_snapshot *state_acquire(void);

/* state_startup_config - the configuration the daemon started with (sockets,
 * user, pid file are taken from it only) */
const rm_config *state_startup_config(void);

/* state_count - one decision more of this kind (atomic) */
void    state_count(enum rm_ctl_decision k);

/*
 * state_reload - build a new snapshot off to the side and swap it in, or
 * keep the current one on any error.  Reloads are serialized.  origin
 * ("SIGHUP", "control socket") goes into the one log line written about
 * the result.  On return *generation is the generation in force and
 * entries[] its list sizes.  Returns 0 (reloaded) or -1 (kept; d says why).
 */
int     state_reload(const char *origin, rm_diag *d, uint64_t *generation,
                     uint32_t entries[RM_LIST__COUNT]);

/*
 * state_status - fill st for STATUS.
 * It never waits for a reload in progress: the figures are those of the
 * policy in force, taken in one step (see state.c).
 */
void    state_status(rm_ctl_status *st);

/* state_generation - the generation in force */
uint64_t state_generation(void);

/* state_entries - list sizes of a snapshot, by enum rm_list_kind */
void    state_entries(const rm_snapshot *s, uint32_t entries[RM_LIST__COUNT]);

#endif
