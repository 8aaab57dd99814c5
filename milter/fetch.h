/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef FETCH_H
#define FETCH_H

/*
 * fetch - the daemon's URL lists: a conditional GET of each every
 * list_poll_interval (jittered), the signature checked, the list checked
 * with the loader, the last good copy written to list_cache_dir by
 * rename, then the normal reload.  What decides (URLs, cache names,
 * signatures, validators) is in lib/; this does the I/O and the timing.
 */

#include <stdbool.h>

#include "rm_ctl.h"

/*
 * fetch_init - once, at start, before the first snapshot is built: make
 * the cache directory (owned by the configured user) and fetch
 * every URL list of the configuration once (only_missing: those with no
 * cached copy yet, as -n does), so that the first snapshot has the newest
 * lists.  A list that cannot be fetched is logged: the daemon then starts
 * from its cached copy, or (with none) the snapshot build refuses to
 * start.  Returns 0, or -1 when libcurl cannot start.
 */
int     fetch_init(const char *config_path, bool only_missing);

/* fetch_start - the polling thread; fetch_stop - end it and wait */
int     fetch_start(void);
void    fetch_stop(void);

/* fetch_status - fill a URL list's source entry; 0 if name has no URL now */
int     fetch_status(int slot, rm_ctl_source *out);

#endif
