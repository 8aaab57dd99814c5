/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef DAEMON_H
#define DAEMON_H

/* daemon - the start and the end of the process: configuration, user, sockets, pid file */

#include <stdbool.h>

/*
 * daemon_setup - everything that may need root, in order: the configuration
 * and the lists loaded (URL lists fetched once), the user looked up, the
 * milter, control and policy sockets opened, the fork (unless foreground),
 * the pid file written, privileges dropped.  Errors are logged ("not
 * starting"); returns 0, or -1 and the process should exit 1.
 */
int     daemon_setup(const char *config_path, bool foreground);

/*
 * daemon_ready - the threads serve: log the start, tell the service
 * manager, let the parent exit 0, and stop copying the log to stderr
 * (unless foreground).
 */
void    daemon_ready(void);

/* daemon_poke_listener - connect and hang up, to wake libmilter's listener */
void    daemon_poke_listener(void);

/* daemon_finish - remove the pid file and our milter socket, log the end */
void    daemon_finish(void);

#endif
