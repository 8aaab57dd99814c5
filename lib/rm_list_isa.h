/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_LIST_ISA_H
#define RM_LIST_ISA_H

/*
 * rm_list_isa - the builds of the single lookup, one per instruction set.
 * rm_list_match_full (rm_list.h), what rm_list_match calls past its
 * inline summary read, is one of these, chosen once for the processor it
 * runs on; the tests call each by name, so that the one this processor
 * does not choose is tested too.  Not for programs: they call
 * rm_list_match.
 */

#include "rm_list.h"

/* The popcnt build exists on x86-64 (GCC or clang). */
#if defined(__x86_64__) && defined(__GNUC__)
#define RM_HAVE_POPCNT 1
#else
#define RM_HAVE_POPCNT 0
#endif

bool    rm_list_match_generic(const rm_list *l, const rm_addr *a, rm_match *m);
#if RM_HAVE_POPCNT
bool    rm_list_match_popcnt(const rm_list *l, const rm_addr *a, rm_match *m);
#endif

/* rm_list_match_isa - "popcnt" or "generic": what rm_list_match runs */
const char *rm_list_match_isa(void);

#endif
