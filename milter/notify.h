/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef NOTIFY_H
#define NOTIFY_H

/* notify - tell the service manager (sd_notify) where the daemon stands */

#include <stdint.h>

#include "rm_policy.h"

/*
 * With Type=notify, systemd starts the units ordered after relaymilter
 * (Postfix, Sendmail) only once it says READY=1, and keeps "systemctl
 * reload" waiting between RELOADING=1 and the next READY=1.  Each call
 * queues one datagram for $NOTIFY_SOCKET, which a thread of this module
 * sends, in order: no caller ever waits for the service manager (one that
 * stops reading can not hold a reload or SIGTERM).  Without that variable
 * (not run by systemd, or -n) it does nothing.  A message that cannot be
 * sent, or finds the queue full, is logged once and otherwise ignored:
 * the daemon serves all the same.  Safe to call from any thread.
 */

/* notify_ready - READY=1, and STATUS= with the generation in force, its
 * list sizes, and whether the last reload failed */
void    notify_ready(uint64_t generation, const uint32_t entries[RM_LIST__COUNT], int reload_failed);

/* notify_reloading - RELOADING=1 with MONOTONIC_USEC= (systemd 253 and
 * later want the time, to tell this reload from an earlier one) */
void    notify_reloading(void);

/* notify_stopping - STOPPING=1, waiting up to a second for it to leave */
void    notify_stopping(void);

#endif
