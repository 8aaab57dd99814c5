/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RELAYCTL_H
#define RELAYCTL_H

/* relayctl - shared state of the companion CLI's commands */

#include <stdbool.h>
#include <stdio.h>

#include "rm_config.h"
#include "rm_ctl.h"
#include "rm_diag.h"

#define EXIT_OK       0
#define EXIT_NEGATIVE 1                 /* a deny, a lint error, a rejected input */
#define EXIT_TROUBLE  2                 /* usage or system error */
/* add and del, once the list is written (the edit stays written): */
#define EXIT_NOT_RUNNING   3            /* no daemon listens: it takes the edit when it starts */
#define EXIT_RELOAD_FAILED 4            /* the daemon refused the reload: previous lists in force */
#define EXIT_RELOAD_UNKNOWN 5           /* the reload outlasted the wait, or no answer came */

typedef struct relayctl {
    const char *config_path;
    bool    config_given;               /* -c was used */
    bool    json;
    const char *progname;
} relayctl;

/* Each command: argc/argv start at the command's name. */
int     cmd_check(relayctl *rc, int argc, char **argv);
int     cmd_lint(relayctl *rc, int argc, char **argv);
int     cmd_list(relayctl *rc, int argc, char **argv);
int     cmd_add(relayctl *rc, int argc, char **argv);
int     cmd_del(relayctl *rc, int argc, char **argv);
int     cmd_reload(relayctl *rc, int argc, char **argv);
int     cmd_status(relayctl *rc, int argc, char **argv);
int     cmd_import(relayctl *rc, int argc, char **argv);
int     cmd_doctor(relayctl *rc, int argc, char **argv);

/*
 * daemon_reload - ask the daemon to reload and say what happened; cmd
 * names the command in messages.  For relayctl reload (edited NULL): 0 it took the lists, 1 it kept the old
 * ones (failed, or still running when the daemon stopped waiting), 2 it
 * could not be asked.  After an edit of the file edited, which stays
 * written whatever the daemon says: 0, EXIT_NOT_RUNNING,
 * EXIT_RELOAD_FAILED or EXIT_RELOAD_UNKNOWN, each with its own message.
 */
int     daemon_reload(relayctl *rc, const rm_config *cfg, const char *cmd, const char *edited);

/*
 * config_load - the configuration relayctl was pointed at (-c, --config=,
 * RELAYCTL_CONFIG, or the default), its messages in d.  NULL when it did
 * not load: with a summary, the failure is reported (report_diag, exit
 * status EXIT_TROUBLE is the caller's); without one, d is the caller's to
 * show.  rm_config_free() the result.
 */
rm_config *config_load(relayctl *rc, rm_diag *d, const char *summary);

/* print_diag - every message of d on stream, compiler style, then how
 * many were not kept (print_dropped) */
void    print_diag(FILE *fp, const rm_diag *d);

/* print_diag_msg - one message on stream, compiler style */
void    print_diag_msg(FILE *fp, const rm_diag_msg *m);

/* print_dropped - "... and N more messages not shown", when n is not 0 */
void    print_dropped(FILE *fp, size_t n);

/* quoted - s in double quotes, escaped for a message (rm_text_quote); the
 * result is overwritten by the call after the next (two may be in use) */
const char *quoted(const char *s);

/* json_string - write s as a JSON string literal */
void    json_string(FILE *fp, const char *s);

/* json_string_or_null - s as a JSON string, or null when s is NULL or "" */
void    json_string_or_null(FILE *fp, const char *s);

/* json_uint_or_null - v, or null when it is 0 (no line, no column) */
void    json_uint_or_null(FILE *fp, unsigned v);

/*
 * report_error - a failure: "relayctl: TEXT" on standard error, and with
 * --json also {"error":{"file":...,"line":...,"column":...,"text":...}} on
 * standard output (file null, line and column 0 when not about a file).
 * Returns EXIT_TROUBLE.
 */
int     report_error(relayctl *rc, const char *file, unsigned line, unsigned col,
                     const char *fmt,...) __attribute__((format(printf, 5, 6)));

/* report_diag - every message of d on standard error, then summary; with
 * --json the first error (else summary) as the error object, and every
 * message in "messages".  Returns EXIT_TROUBLE. */
int     report_diag(relayctl *rc, const rm_diag *d, const char *summary);

/* print_failure - d's messages on standard error; with --json also its
 * first error as the error object on standard output */
void    print_failure(relayctl *rc, const rm_diag *d);

/* json_diag_msg - one message as {"file":..,"line":..,"column":..,"severity":..,"text":..} */
void    json_diag_msg(FILE *fp, const rm_diag_msg *m);

/* ctl_ask - send req (rm_ctl_format_request) to the daemon's control
 * socket and copy the reply to out (NUL-terminated).  Returns 0, or -1
 * with why filled in and errno as the call that failed left it (0 when
 * the request does not fit the protocol). */
int     ctl_ask(const char *socket_path, const rm_ctl_req *req, char *out, size_t outlen,
                char *why, size_t whylen);

#endif
