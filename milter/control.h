/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef CONTROL_H
#define CONTROL_H

/* control - the control socket: RELOAD, STATUS, CHECK for relayctl */

#include <sys/types.h>

/*
 * control_open - create the socket at path (a stale one is replaced, a
 * live one is not), mode 0660, owned by uid:gid (-1: unchanged).  Call it
 * while still privileged.  Returns 0, or -1 with the reason in err.
 */
int     control_open(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen);

/*
 * control_start - serve the socket from a thread of its own, every client
 * at once from one poll loop (see control.c).  Peers are checked with
 * SO_PEERCRED: uid 0 or the daemon's own uid.  A client has
 * CONTROL_LINE_MS to send its whole line, then CONTROL_REPLY_MS to take
 * the reply; a RELOAD waits for its reload at most CONTROL_RELOAD_SECONDS
 * and is then told that it is still running.  At most
 * CONTROL_CLIENTS_MAX clients are served at once; one more is refused
 * with an ERR, and the log says so.  A line over RM_CTL_MAX_LINE bytes
 * gets an ERR; up to CONTROL_DISCARD_MAX bytes of it are read and thrown
 * away so that the client can read the ERR, then the connection closes.
 * No client delays another, nor a milter thread.  Returns 0 or -1.
 */
#define CONTROL_CLIENTS_MAX 256
#define CONTROL_LINE_MS 2000
#define CONTROL_REPLY_MS 5000
#define CONTROL_RELOAD_SECONDS 20
#define CONTROL_DISCARD_MAX (512 * 1024)
int     control_start(void);

/* control_stop - end the thread, close and remove the socket */
void    control_stop(void);

#endif
