/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef LOOP_H
#define LOOP_H

/* loop - the main thread once set up: signals, the service threads, the wait, the stop */

#include "rm_config.h"

/*
 * loop_start - install the signal handlers and start the reloader,
 * control, policy (if set), milter (if set), fetch and watch threads with
 * the signals blocked in them.  Errors are logged; returns 0 or -1.
 */
int     loop_start(const rm_config *cfg);

/*
 * loop_run - wait for signals: SIGHUP asks for a reload, SIGTERM or
 * SIGINT stops.  At the stop the milter and the policy service take no
 * new connections, decisions in flight get STOP_GRACE_SECONDS, and every
 * thread is stopped.  Returns the exit status: 1 when libmilter stopped
 * unasked or failed, else 0.
 */
int     loop_run(void);

#endif
