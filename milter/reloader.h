/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RELOADER_H
#define RELOADER_H

/* reloader - the thread that runs every reload, and merges requests for them */

#include <stddef.h>
#include <stdint.h>

/*
 * Reloads run one at a time in a thread of their own, so that no signal
 * handler, control client or milter thread ever waits for one.  A request
 * gets a ticket, a number that grows with each request.  A reload covers
 * every request made before it started: when it starts it takes the last
 * ticket handed out, and requests that arrive while it runs wait for the
 * next reload, which covers all of them at once.  So a requester always
 * gets the answer of a reload that started after its request, and a burst
 * of requests costs at most two reloads.
 *
 * Each finished reload leaves a result (the tickets it covered and the
 * control-socket reply that says how it went) in a queue that one reader,
 * the control socket, takes from; reloader_fd() becomes readable when a
 * result is waiting.
 */
enum reloader_origin {
    RELOADER_SIGHUP = 1 << 0,
    RELOADER_CONTROL = 1 << 1
};

typedef struct reloader_result {
    struct reloader_result *next;
    uint64_t covers;                    /* answers every ticket up to this one */
    size_t  len;
    char    reply[];                    /* the RELOAD reply, NUL-terminated */
} reloader_result;

/* reloader_start - start the thread; returns 0 or -1 (logged) */
int     reloader_start(void);

/* reloader_request - ask for a reload; returns the request's ticket */
uint64_t reloader_request(enum reloader_origin origin);

/* reloader_fd - readable while a result waits; read it empty before taking */
int     reloader_fd(void);

/* reloader_take - the oldest result, or NULL; the caller free()s it */
reloader_result *reloader_take(void);

/*
 * reloader_stop - ask the thread to end and wait for it at most
 * wait_ms milliseconds.  A reload stuck in I/O is left behind (the
 * process is about to exit), so a stop never hangs on one.  Returns 0
 * when the thread ended, -1 when it was left running.
 */
int     reloader_stop(int wait_ms);

#endif
