/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_EDIT_H
#define RM_EDIT_H

/* rm_edit - add or delete one entry in a list's text, keeping all else */

#include <stdbool.h>

#include "rm_diag.h"
#include "rm_entry.h"
#include "rm_list.h"

enum rm_edit_status {
    RM_EDIT_ERROR = -1,                 /* see the diag; nothing to write */
    RM_EDIT_CHANGED = 0,                /* *out holds the new text */
    RM_EDIT_UNCHANGED = 1               /* already covered / not there: why says so */
};

typedef struct rm_edit_result {
    char   *out;                        /* rm_malloc'd new text (CHANGED only) */
    size_t  outlen;
    unsigned lines[16];                 /* lines removed (del) or covering line (add) */
    size_t  nlines;                     /* lines removed may exceed the array */
    char    why[RM_DIAG_TEXT_LEN];      /* one sentence for the administrator */
    unsigned covered_line;              /* del: another line still matches the entry; 0: none */
    char    covered_entry[RM_ENTRY_STRLEN];
} rm_edit_result;

/*
 * rm_edit_add - append entry (and "# comment") to text, after checking
 * that the entry is valid, that the current text loads, that the entry is
 * not already covered, and that the new text loads within lim.  Comments,
 * order and blank lines are kept byte for byte.
 */
enum rm_edit_status rm_edit_add(const char *name, const char *text, size_t len,
                                const char *entry, const char *comment,
                                const rm_limits *lim, rm_edit_result *r, rm_diag *d);

/*
 * rm_edit_del - remove every line whose entry matches exactly the
 * addresses of entry (so 192.0.2.0/24 also removes 192.0.2.0;255.255.255.0).
 * When another line still matches all of entry (before the edit, when no
 * line is entry itself; after it otherwise), r->covered_line names it.
 */
enum rm_edit_status rm_edit_del(const char *name, const char *text, size_t len,
                                const char *entry, const rm_limits *lim,
                                rm_edit_result *r, rm_diag *d);

#endif
