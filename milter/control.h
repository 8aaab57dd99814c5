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
 * control_start - serve the socket from a thread of its own.  One client
 * at a time; each gets at most CONTROL_TIMEOUT seconds to send its line
 * and to take the reply, so a stuck client delays other control clients
 * at most that long and never a milter thread.  Peers are checked with
 * SO_PEERCRED: uid 0 or the daemon's own uid.  Returns 0 or -1.
 */
#define CONTROL_TIMEOUT 5
int     control_start(void);

/* control_stop - end the thread, close and remove the socket */
void    control_stop(void);

#endif
