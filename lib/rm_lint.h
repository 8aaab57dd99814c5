/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_LINT_H
#define RM_LINT_H

/* rm_lint - warnings about loaded lists: dead, duplicate, shadowed, too wide */

#include <stdbool.h>
#include <stddef.h>

#include "rm_diag.h"
#include "rm_entry.h"
#include "rm_list.h"
#include "rm_policy.h"

/* Called once per finding, in line order within each check. */
typedef void (*rm_lint_cb)(void *ctx, const rm_diag_msg *m);

/*
 * rm_lint_list - report what a loaded list says that an administrator
 * probably did not mean: entries that can never match (Exchange nets with
 * bits outside their mask), entries that repeat or fall inside another
 * entry, and entries that cover a whole address family (for an allow or
 * local-IP list, an open relay).  kind is the list's role, or -1 when it
 * is not known.  text/len, when not NULL, is the file's content, used to
 * give each warning its column.  Returns the number of warnings, or -1
 * when out of memory (reported through cb as an error).
 */
long    rm_lint_list(const rm_list *l, int kind, const char *text, size_t len,
                     rm_lint_cb cb, void *ctx);

/*
 * rm_lint_entry_refused - would e be a mistake in a list of this kind
 * (enum rm_list_kind)?  True, with the finding's text in why, for an entry
 * that can never match, and for an allow or local-IP list an entry that
 * matches every IPv4 or every IPv6 client (an IPv6 entry over
 * ::ffff:0:0/96 matches every IPv4 client).  The text is lint's.
 */
bool    rm_lint_entry_refused(const rm_entry *e, int kind, char *why, size_t len);

#endif
