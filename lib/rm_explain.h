/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_EXPLAIN_H
#define RM_EXPLAIN_H

/*
 * rm_explain - every rule of the policy, in evaluation order, and what it
 * said for one verdict's input: off in relay_flags, nothing to look up,
 * not listed, matched (file, line, entry), and which rule decided.  It
 * asks the lists itself, after the verdict was made, so that a rule the
 * decision never reached still shows whether it would have matched.
 * `relayctl check --explain` prints it; it decides nothing.
 */

#include <stdbool.h>
#include <stddef.h>

#include "rm_verdict.h"

struct rm_snapshot;

enum rm_step_state {
    RM_STEP_OFF = 0,                    /* the rule is off in relay_flags */
    RM_STEP_NO_ADDRESS,                 /* on, but there is no address to look up */
    RM_STEP_NOT_LISTED,                 /* on; the address is on no entry */
    RM_STEP_MATCHED,                    /* on; an entry matches (file, line, entry) */
    RM_STEP_NO,                         /* on; its condition does not hold */
    RM_STEP_YES,                        /* on; its condition holds */
    RM_STEP__COUNT
};

typedef struct rm_explain_step {
    enum rm_rule rule;
    enum rm_step_state state;
    bool    decided;                    /* this rule made the decision */
    char    detail[64];                 /* the address looked up, or why none */
    char    file[RM_PATH_LEN];          /* RM_STEP_MATCHED: where */
    unsigned line;
    char    entry[RM_ENTRY_STRLEN];
} rm_explain_step;

#define RM_EXPLAIN_STEPS 7              /* local submission, then the six rules */

/* rm_explain - fill steps[] (RM_EXPLAIN_STEPS of them); returns how many.
 * Nothing when the policy was not asked (a local recipient, no snapshot). */
size_t  rm_explain(const struct rm_snapshot *s, const rm_verdict_in *in, const rm_verdict *v,
                   rm_explain_step *steps);

/* rm_step_state_name - off, no-address, not-listed, matched, no, yes */
const char *rm_step_state_name(enum rm_step_state st);

/* rm_explain_format - one step as a line of text, without newline */
size_t  rm_explain_format(const rm_explain_step *st, char *buf, size_t len);

#endif
