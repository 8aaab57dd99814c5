/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef CALLBACKS_H
#define CALLBACKS_H

/* callbacks - the libmilter side: negotiate, connect, MAIL, RCPT, EOM, abort, close */

/*
 * callbacks_register - smfi_register() the filter.  Returns 0 or -1.
 * The callbacks translate between libmilter and lib/: they keep the
 * per-connection and per-message state, ask rm_rcpt whether a recipient
 * is a relay recipient and the current snapshot whether this client may
 * relay, and turn the answer (or a failure, through on_error) into a
 * milter reply.
 */
int     callbacks_register(void);

/* callbacks_in_flight - how many callbacks are running right now */
int     callbacks_in_flight(void);

#endif
