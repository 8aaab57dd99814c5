/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef POLICY_H
#define POLICY_H

/*
 * policy - the Postfix policy service (check_policy_service): one thread
 * with one epoll loop serves every connection.  Postfix's smtpd processes
 * each keep a connection open across sessions and send one request per
 * recipient, possibly several before reading the replies; the loop answers
 * them in order.  Each request goes through rm_verdict, like a milter
 * RCPT, and one function turns the verdict into the access(5) action.
 */

#include <sys/types.h>

#define POLICY_MAX_CONN 4096            /* connections served at once; more are closed */
#define POLICY_STALL_TIMEOUT 10         /* s: a request half sent, or replies not taken */
#define POLICY_IDLE_TIMEOUT 3600        /* s: a connection with nothing pending */

/*
 * policy_open - listen on spec (inet:PORT@HOST or unix:PATH; a stale unix
 * socket is replaced, a live one is not, mode 0660 owned by uid:gid).
 * Call it while still privileged.  Returns 0, or -1 with the reason in err.
 */
int     policy_open(const char *spec, uid_t uid, gid_t gid, char *err, size_t errlen);

/* policy_start - serve the socket from a thread of its own; 0 or -1 */
int     policy_start(void);

/* policy_stop - end the thread, close every connection, remove a unix socket */
void    policy_stop(void);

#endif
