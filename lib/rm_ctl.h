/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_CTL_H
#define RM_CTL_H

/* rm_ctl - the control-socket protocol: requests and replies, written and read back */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rm_addr.h"
#include "rm_diag.h"
#include "rm_policy.h"
#include "rm_verdict.h"
#include "rm_source.h"

/*
 * The protocol.  One command per connection: the client writes one line
 * (at most RM_CTL_MAX_LINE bytes, newline included), the daemon writes
 * the reply and closes.  A reply's first line starts with "OK " or "ERR ";
 * detail lines follow.
 *
 *   RELOAD                              OK reloaded generation N: deny N, allow N, local N entries
 *                                       ERR reload failed; previous lists remain in force (generation N)
 *                                           + one FILE:LINE:COL: error: TEXT line per error
 *                                       ERR reload still running after S seconds; generation N stays in force until it ends
 *   STATUS                              OK status, then "key: value" lines
 *   CHECK ADDRESS|none [local=ADDRESS] [auth] [rcpt=XTEXT] [mailer=XTEXT]
 *                                       OK allow|deny RULE [FILE:LINE ENTRY]
 *                                       OK local RECIPIENT-REASON
 *                                       OK no-decision REASON
 *                                           + "key: value" lines, one per field
 *                                             of rm_verdict_report that applies
 *
 * CHECK takes what a recipient decision takes (rm_verdict_in): "none" is a
 * client without an address (local submission); local=0.0.0.0 or local=::
 * is a wildcard server address; without rcpt= the recipient counts as
 * relay.  rcpt= and mailer= are xtext (RFC 3461: "+" and "=", spaces and
 * control bytes as +HH), so that any recipient fits on the line.
 *
 * Every line is written and read back here (rm_ctl.c the requests,
 * rm_ctl_reply.c the replies).  Nothing here does I/O: the daemon and
 * relayctl move the bytes, and never write or scan protocol text
 * themselves.
 */
#define RM_CTL_MAX_LINE 1024

enum rm_ctl_cmd {
    RM_CTL_RELOAD = 0,
    RM_CTL_STATUS = 1,
    RM_CTL_CHECK = 2
};

#define RM_CTL_MAILER_LEN 128

typedef struct rm_ctl_req {
    enum rm_ctl_cmd cmd;
    rm_addr client;                     /* CHECK: the client address */
    enum rm_addr_state client_state;    /* KNOWN, or MISSING ("none") */
    rm_addr local;                      /* CHECK local=: RM_AF_NONE when not given */
    enum rm_addr_state local_state;     /* MISSING without local=, WILDCARD, KNOWN */
    bool    auth;                       /* CHECK auth */
    bool    has_rcpt;                   /* CHECK rcpt= */
    char    rcpt[RM_CTL_MAX_LINE];      /* decoded; may not hold NUL */
    bool    has_mailer;                 /* CHECK mailer= */
    char    mailer[RM_CTL_MAILER_LEN];
} rm_ctl_req;

/*
 * rm_ctl_parse - parse one command line (its \n or \r\n may be present).
 * Returns 0, or -1 with the text of the error reply (without "ERR ") in
 * err, e.g. unknown command "FOO".
 */
int     rm_ctl_parse(const char *line, size_t len, rm_ctl_req *req, char *err, size_t errlen);

/* rm_ctl_format_request - the line a client sends for req, \n included.
 * Returns its length; a result >= RM_CTL_MAX_LINE does not fit the
 * protocol (the daemon would refuse it). */
size_t  rm_ctl_format_request(const rm_ctl_req *req, char *buf, size_t len);

/* rm_ctl_req_check - the CHECK request for in.  Returns 0, or -1 with
 * the reason in err when the protocol cannot carry it (a bad or wildcard
 * client address, a recipient with NUL, a mailer over the size). */
int     rm_ctl_req_check(const rm_verdict_in *in, rm_ctl_req *req, char *err, size_t errlen);

/* rm_ctl_req_verdict_in - what a CHECK request asks, as the verdict's
 * input; strings point into req */
void    rm_ctl_req_verdict_in(const rm_ctl_req *req, rm_verdict_in *in);

/*
 * A reply under construction, in memory the caller owns.  Appending never
 * writes past cap; what does not fit is dropped and truncated is set.
 * Every line is made safe: control characters become '?'.
 */
typedef struct rm_ctl_buf {
    char   *data;                       /* always NUL-terminated */
    size_t  len;
    size_t  cap;
    bool    truncated;
} rm_ctl_buf;

void    rm_ctl_buf_init(rm_ctl_buf *b, char *mem, size_t cap);
void    rm_ctl_line(rm_ctl_buf *b, const char *fmt,...) __attribute__((format(printf, 2, 3)));

/* The decision counters the daemon keeps, in STATUS order. */
enum rm_ctl_decision {
    RM_CTL_D_DENY_LIST = 0,
    RM_CTL_D_ALLOW_LIST,
    RM_CTL_D_LOCAL_IP,
    RM_CTL_D_AUTH,
    RM_CTL_D_DEFAULT_DENY,
    RM_CTL_D_DENY_ONLY,
    RM_CTL_D_LOCAL_SUBMISSION,
    RM_CTL_D_LOCAL_RECIPIENT,           /* a local recipient: the policy was not asked */
    RM_CTL_D_ERROR,                     /* no decision could be made: on_error applied */
    RM_CTL_D__COUNT
};

/* rm_ctl_decision_name - "deny_list", ... (STATUS shows decisions_NAME) */
const char *rm_ctl_decision_name(enum rm_ctl_decision k);

/* rm_ctl_decision_of_rule - the counter of a policy rule */
enum rm_ctl_decision rm_ctl_decision_of_rule(enum rm_rule r);

/*
 * Where each list comes from, for STATUS: "list_NAME_KEY: value" lines.
 * name is rm_ctl_source_name's (deny, allow, local, domains); an entry
 * with source "" is not shown.  Times are 0 when the thing never
 * happened.  A file has no cache, validators or fetch counters.
 */
#define RM_CTL_SOURCES 4

/* rm_ctl_source_name - source i's NAME: a list kind's name, then "domains" */
const char *rm_ctl_source_name(int i);

/* A URL list's fetches are counted by result: list_NAME_fetches_RESULT. */
enum rm_ctl_fetch { RM_CTL_FETCH_OK = 0, RM_CTL_FETCH_NOT_MODIFIED, RM_CTL_FETCH_FAILED, RM_CTL_FETCH__COUNT };

/* rm_ctl_fetch_name - "ok", "not_modified", "failed"; "unknown" otherwise */
const char *rm_ctl_fetch_name(enum rm_ctl_fetch r);
typedef struct rm_ctl_source {
    const char *name;
    char    source[RM_URL_LEN];         /* the URL, or the file's path */
    char    cache[4096];                /* a URL list's cache file */
    char    etag[RM_VALIDATOR_LEN];
    char    last_modified[RM_VALIDATOR_LEN];
    time_t  last_fetch;                 /* last attempt */
    time_t  last_change;                /* a new version was fetched (or the file loaded) */
    char    last_error[512];            /* "" when the last attempt worked */
    uint64_t age_seconds;               /* since the copy in force was known current */
    bool    url;
    uint64_t fetch_ok, fetch_not_modified, fetch_failed;
} rm_ctl_source;

#define RM_CTL_ERROR_LEN (RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64)

/* What STATUS reports: the daemon fills it, relayctl reads it back. */
typedef struct rm_ctl_status {
    long    pid;
    char    version[64];
    uint64_t uptime_seconds;
    uint64_t generation;
    time_t  loaded_at;
    unsigned relay_flags;
    char    mode[16];                   /* enforce, report; none before the first load */
    uint32_t entries[RM_LIST__COUNT];   /* by enum rm_list_kind */
    uint64_t reloads_ok;
    uint64_t reloads_failed;
    char    last_reload[16];            /* ok, failed, none */
    char    last_reload_error[RM_CTL_ERROR_LEN];   /* "" when there was none */
    uint64_t decisions[RM_CTL_D__COUNT];
    rm_ctl_source sources[RM_CTL_SOURCES];
} rm_ctl_status;

void    rm_ctl_reply_err(rm_ctl_buf *b, const char *text);
void    rm_ctl_reply_reload_ok(rm_ctl_buf *b, uint64_t generation, const uint32_t entries[RM_LIST__COUNT]);
void    rm_ctl_reply_reload_failed(rm_ctl_buf *b, uint64_t generation, const rm_diag *d);
void    rm_ctl_reply_reload_timeout(rm_ctl_buf *b, unsigned seconds, uint64_t generation);
void    rm_ctl_reply_status(rm_ctl_buf *b, const rm_ctl_status *st);

/*
 * Replies read back.  Each rm_ctl_parse_*_reply takes a reply's whole
 * text (NUL-terminated) and returns 0 when it is a reply of its kind, 1
 * when it is an ERR of another kind (its text, without "ERR ", in err),
 * or -1 when it is no reply at all, with what is wrong in err: cut short
 * (the last line without its newline), a control byte, a line out of
 * place or left over, a number out of range.  The daemon writes nothing
 * those refuse.
 */

/* rm_ctl_status_fields - each "key: value" line of a STATUS reply after
 * its first, in order, as text; rm_ctl_reply_status writes these */
void    rm_ctl_status_fields(const rm_ctl_status *st,
                             void (*fn)(void *ctx, const char *key, const char *value), void *ctx);

int     rm_ctl_parse_status_reply(const char *reply, rm_ctl_status *st, char *err, size_t errlen);

/*
 * What a RELOAD reply says: the lists were reloaded, the reload failed
 * (the previous lists stay; the errors follow, one a line), or the
 * reload was still running when the daemon stopped waiting for it.
 */
enum rm_ctl_outcome {
    RM_CTL_RELOADED = 0,
    RM_CTL_RELOAD_FAILED,
    RM_CTL_RELOAD_RUNNING
};

typedef struct rm_ctl_reload_reply {
    enum rm_ctl_outcome outcome;
    uint64_t generation;                /* the generation in force */
    uint32_t entries[RM_LIST__COUNT];   /* RELOADED: by enum rm_list_kind */
    unsigned seconds;                   /* RUNNING: how long the daemon waited */
    size_t  errors;                     /* FAILED: the lines of errors that follow */
} rm_ctl_reload_reply;

int     rm_ctl_parse_reload_reply(const char *reply, rm_ctl_reload_reply *r, char *err, size_t errlen);

/* rm_ctl_reply_check - the reply to CHECK: the summary line, then the
 * report's fields */
void    rm_ctl_reply_check(rm_ctl_buf *b, const rm_verdict_report *r);

/* rm_ctl_parse_check_reply - the report back from a CHECK reply */
int     rm_ctl_parse_check_reply(const char *reply, rm_verdict_report *r, char *err, size_t errlen);

/* rm_ctl_format_time - ISO 8601 UTC, "2024-05-01T12:00:00Z" */
size_t  rm_ctl_format_time(time_t t, char *buf, size_t len);

#endif
