/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef CHECK_OUT_H
#define CHECK_OUT_H

/*
 * check_out - relayctl check's command line and its output.  The same
 * printers serve a verdict made from the files and one the daemon's CHECK
 * sent back (both are an rm_verdict_report), so `check` and `check --live`
 * print the same words and the same JSON fields.
 */

#include <stdbool.h>
#include <stdio.h>

#include "relayctl.h"
#include "rm_explain.h"
#include "rm_snapshot.h"
#include "rm_verdict.h"

typedef struct check_opts {
    const char *addr;                   /* as given: an address, "none" or "-" */
    const char *local;                  /* --local-ip, or NULL */
    const char *rcpt;                   /* --rcpt, or NULL */
    const char *mailer;                 /* --mailer, or NULL */
    bool    live, explain;
} check_opts;

/* check_args - options into o and the verdict's input; -1 to go on, or
 * the exit status (usage, --help) */
int     check_args(relayctl *rc, int argc, char **argv, check_opts *o, rm_verdict_in *in);

/* check_text - the human answer */
void    check_text(FILE *fp, const rm_verdict_report *r, const rm_explain_step *steps, size_t nsteps);

/* check_json - the JSON object, without newline */
void    check_json(FILE *fp, const char *addr, const rm_verdict_in *in, const rm_verdict_report *r,
                   const rm_explain_step *steps, size_t nsteps);

/* check_hints - on standard error, inputs that a rule that is off ignored */
void    check_hints(relayctl *rc, const rm_snapshot *s, const rm_verdict_in *in, const rm_verdict *v);

#endif
