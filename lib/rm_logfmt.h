/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_LOGFMT_H
#define RM_LOGFMT_H

/*
 * rm_logfmt - the one log line written per recipient decision, and its
 * reader.  A line is space-separated key=value pairs, always the same keys
 * in the same order (rm_logfmt_key()), so that a line can be joined with
 * the MTA's own log by queue_id and grepped by any key:
 *
 *   verdict=deny action=reject queue_id=4B1C2A7 client=192.0.2.9
 *   helo=client.example sender=<a@example.org> sasl_user="" server=192.0.2.1
 *   rcpt=<u@example.net> rule=default-deny list="" entry="" relay_reason=remote-domain
 *   reason=""
 *
 * A value is written bare when it is not empty and every byte is printable
 * ASCII other than space, '"' and '\'; otherwise it is quoted: "..." with
 * \" and \\ for those two characters and \xHH (lowercase hex) for space
 * and every byte outside printable ASCII.  So a line is printable ASCII and
 * parses whatever the MTA or the client passed, and every space in it
 * separates two pairs: " key=" is found only where that key's pair starts,
 * so a value (a HELO name "x rule=allow-list") can not pass for a pair.  The milter and the policy
 * service both log through rm_logfmt_decision; tests read lines back with
 * rm_logfmt_next.
 *
 * Use: fill an rm_logfmt_facts with what the MTA said (strings borrowed,
 * NULL for unknown), call rm_logfmt_decision with the snapshot, input and
 * verdict of rm_verdict_decide, and log the buffer as it is (mlog_info
 * for a decision, mlog_warnx for verdict=no-decision).
 */

#include <stddef.h>

#include "rm_verdict.h"

struct rm_snapshot;

#define RM_LOGFMT_LINE_MAX 2000         /* fits the daemon's log buffer */

/* The facts of one decision that the verdict does not hold.  NULL or ""
 * means unknown (written as ""). */
typedef struct rm_logfmt_facts {
    const char *action;                 /* what the MTA was told: accept, reject,
                                         * would-reject, tempfail, reject-message */
    const char *queue_id;               /* the MTA's queue id (the {i} macro) */
    const char *client;                 /* address text, or "local" */
    const char *helo;
    const char *sender;                 /* MAIL FROM, with angle brackets */
    const char *sasl_user;
    const char *server;                 /* the address the client connected to */
    const char *rcpt;                   /* RCPT TO, with angle brackets */
    const char *reason;                 /* no verdict: why no decision was made */
} rm_logfmt_facts;

/*
 * rm_logfmt_decision - the line for verdict v (of input in, under snapshot
 * s; any of the three may be NULL: then verdict=no-decision with
 * f->reason) into buf.  When the whole line does not fit, the values
 * too long for a fair share of buf are cut to the same length, so that
 * every key is still there and the short values that say what was
 * decided are whole, and the line ends "truncated=yes" (a client's long
 * HELO name or sender can not push the recipient or the rule out).
 * RM_LOGFMT_LINE_MAX bytes always hold every key this way; in a buffer too
 * small for that, the pairs that do not fit are left out instead.  The
 * line always parses.  Returns the length written.
 */
size_t  rm_logfmt_decision(char *buf, size_t len, const rm_logfmt_facts *f,
                           const struct rm_snapshot *s, const rm_verdict_in *in,
                           const rm_verdict *v);

/* rm_logfmt_key - the i-th key of every line ("verdict", "action", ...);
 * NULL past the last */
const char *rm_logfmt_key(size_t i);

/*
 * rm_logfmt_next - read the pair at *p (leading spaces skipped) into key
 * and val (decoded, NUL-terminated), and advance *p past it.  Returns 1
 * for a pair, 0 at the end of the line, -1 for a malformed pair or one
 * that does not fit klen/vlen (*p is then left alone).
 */
int     rm_logfmt_next(const char **p, char *key, size_t klen, char *val, size_t vlen);

#endif
