/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_REG_H
#define RM_REG_H

/* rm_reg - read Exchange 5.5 IMS relay settings from a Regedit export */

#include <stdbool.h>
#include <stddef.h>

#include "rm_diag.h"
#include "rm_policy.h"

/*
 * What an export of ...\Services\MSExchangeIMC\Parameters says about
 * relaying.  lists[k] is the text of a list file (one entry per line,
 * exactly as Exchange stored it), or NULL when the value was absent.
 */
typedef struct rm_reg_import {
    bool    have_flags;
    unsigned flags;                     /* RelayFlags */
    char   *lists[RM_LIST__COUNT];      /* rm_malloc'd */
    size_t  count[RM_LIST__COUNT];
    unsigned value_line[RM_LIST__COUNT];/* where each value starts in the export */
} rm_reg_import;

/*
 * rm_reg_parse - parse an export as Regedit writes it: "REGEDIT4" (ANSI)
 * or "Windows Registry Editor Version 5.00" (UTF-16LE with a byte order
 * mark), dword: and hex(7): (REG_MULTI_SZ) values, with line continuations.
 * Every entry must be a valid list entry.  Returns 0, or -1 with every
 * problem in d (name, line) and nothing allocated.
 */
int     rm_reg_parse(const char *name, const unsigned char *buf, size_t len,
                     rm_reg_import *out, rm_diag *d);
void    rm_reg_import_free(rm_reg_import *r);

#endif
