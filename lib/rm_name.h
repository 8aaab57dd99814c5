/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_NAME_H
#define RM_NAME_H

/*
 * rm_name - enumerated values read both ways, like Postfix's NAME_CODE
 *
 * A table lists each name with its code and ends with {NULL, -1}.  The
 * configuration parses a value with rm_name_lookup(); the programs print a
 * value with rm_name_str(); the message for a value that is none of the
 * names comes from rm_name_expect().  So a name is written once, in its
 * table, and never again in a strcasecmp chain or a ternary.
 */

#include <stddef.h>

typedef struct rm_name_code {
    const char *name;
    int     code;
} rm_name_code;

/* rm_name_lookup - the code of name (case-insensitive), or -1 */
int     rm_name_lookup(const rm_name_code *table, const char *name);

/* rm_name_str - the name of code, or NULL when the table has none */
const char *rm_name_str(const rm_name_code *table, int code);

/* rm_name_expect - "tempfail, accept or reject": the names in table
 * order, for "expected ..." messages; returns what snprintf would */
size_t  rm_name_expect(const rm_name_code *table, char *buf, size_t len);

#endif
