/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_POL_H
#define RM_POL_H

/*
 * rm_pol - Postfix's policy delegation protocol (SMTPD_POLICY_README): a
 * request is name=value lines ended by an empty line; a reply is one
 * "action=..." line and an empty line.  This module owns the wire format
 * both ways (framing a byte stream into requests, parsing a request into
 * a struct and formatting it back, formatting a reply and parsing it
 * back), the caps on what one request may hold, and what a request means
 * for rm_verdict_decide.  It decides nothing: the policy service turns the
 * verdict into an action in one function of its own.
 */

#include <stdbool.h>
#include <stddef.h>

#include "rm_verdict.h"

#define RM_POL_MAX_REQUEST 16384        /* bytes in one request, the empty line included */
#define RM_POL_MAX_LINE 4096            /* bytes in one name=value line, newline included */
#define RM_POL_MAX_ATTRS 128            /* lines in one request */
#define RM_POL_ADDR_LEN 64              /* client_address, server_address */
#define RM_POL_NAME_LEN 512             /* sasl_username */
#define RM_POL_RCPT_LEN 1024            /* recipient */
#define RM_POL_WORD_LEN 64              /* request, protocol_state, instance */
#define RM_POL_MAX_REPLY 64             /* "action=defer_unauth_destination\n\n" and room */

/* The attributes we read; every other name is skipped. */
enum rm_pol_attr {
    RM_POL_REQUEST = 0,                 /* request=smtpd_access_policy */
    RM_POL_PROTOCOL_STATE,              /* RCPT, ... */
    RM_POL_CLIENT_ADDRESS,
    RM_POL_SERVER_ADDRESS,              /* Postfix >= 2.9 */
    RM_POL_SASL_USERNAME,
    RM_POL_RECIPIENT,
    RM_POL_INSTANCE,
    RM_POL_HELO_NAME,                   /* these three only go into the log */
    RM_POL_SENDER,
    RM_POL_QUEUE_ID,
    RM_POL_ATTR__COUNT
};

/* One parsed request: the values of the attributes we read. */
typedef struct rm_pol_req {
    unsigned have;                      /* bit (1u << enum rm_pol_attr) per attribute seen */
    char    request[RM_POL_WORD_LEN];
    char    protocol_state[RM_POL_WORD_LEN];
    char    client_address[RM_POL_ADDR_LEN];
    char    server_address[RM_POL_ADDR_LEN];
    char    sasl_username[RM_POL_NAME_LEN];
    char    recipient[RM_POL_RCPT_LEN];
    char    instance[RM_POL_WORD_LEN];
    char    helo_name[RM_POL_NAME_LEN];
    char    sender[RM_POL_RCPT_LEN];
    char    queue_id[RM_POL_WORD_LEN];
} rm_pol_req;

/* The actions the policy service answers with (access(5) actions). */
enum rm_pol_action {
    RM_POL_OK = 0,                      /* permit: the client may relay */
    RM_POL_DUNNO,                       /* no opinion: the next restriction decides */
    RM_POL_REJECT_UNAUTH,               /* reject_unauth_destination: relay recipients 5xx */
    RM_POL_DEFER_UNAUTH,                /* defer_unauth_destination: relay recipients 4xx */
    RM_POL_ACTION__COUNT
};

/* What a parsed request asks of the policy service. */
enum rm_pol_kind {
    RM_POL_DECIDE = 0,                  /* a recipient to decide: see the rm_verdict_in */
    RM_POL_NOT_RCPT,                    /* another protocol state: no relay decision is asked */
    RM_POL_UNUSABLE,                    /* no decision can be made from it: err says why */
};

/*
 * rm_pol_frame - how long is the first request in buf?  Returns its length
 * (the empty line included) when buf holds it whole, 0 when more bytes are
 * needed, -1 when it can no longer be a request within the caps (a line
 * over RM_POL_MAX_LINE, a request over RM_POL_MAX_REQUEST or
 * RM_POL_MAX_ATTRS lines, a NUL byte); then the stream can not be resynced.
 */
long    rm_pol_frame(const char *buf, size_t len);

/*
 * rm_pol_parse - one whole request (as framed by rm_pol_frame) into r.
 * Returns 0, or -1 with what was wrong (line number, escaped text) in
 * err: a line without '=', an empty name, a value over its field, an
 * attribute we read given twice, or no empty line at the end.
 */
int     rm_pol_parse(const char *buf, size_t len, rm_pol_req *r, char *err, size_t errlen);

/*
 * rm_pol_format_request - r as a request (the attributes it has, in the
 * order of enum rm_pol_attr, then the empty line).  Returns the length, or
 * 0 when it does not fit.  rm_pol_parse reads it back to the same r.
 */
size_t  rm_pol_format_request(const rm_pol_req *r, char *buf, size_t len);

/*
 * rm_pol_verdict_in - what r asks: RM_POL_DECIDE with in filled (the
 * recipient is taken as relay: Postfix's resolver decides locality, and
 * the action says what to do with a relay recipient), RM_POL_NOT_RCPT, or
 * RM_POL_UNUSABLE with the reason in err (not request=smtpd_access_policy,
 * no client_address).  in borrows r's strings.
 */
enum rm_pol_kind rm_pol_verdict_in(const rm_pol_req *r, rm_verdict_in *in, char *err, size_t errlen);

/* rm_pol_format_reply - "action=NAME\n\n"; returns the length, 0 if it does not fit */
size_t  rm_pol_format_reply(enum rm_pol_action a, char *buf, size_t len);

/* rm_pol_parse_reply - a whole reply back to its action; 0 or -1 */
int     rm_pol_parse_reply(const char *buf, size_t len, enum rm_pol_action *a);

/* rm_pol_action_name - OK, DUNNO, reject_unauth_destination, defer_unauth_destination */
const char *rm_pol_action_name(enum rm_pol_action a);

/* rm_pol_attr_name - client_address, ...; NULL out of range */
const char *rm_pol_attr_name(enum rm_pol_attr a);

#endif
