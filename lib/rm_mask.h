/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_MASK_H
#define RM_MASK_H

/*
 * rm_mask - the index of a list's Exchange entries whose masks are not
 * prefixes (255.0.255.0, say) and that therefore match no interval: one
 * hash table per distinct (family, mask), keyed by net.  A lookup probes
 * each table of its family once with (address AND mask), so it costs one
 * probe per distinct mask, not a look at every entry.  Entries with a dead
 * mask (net bits outside the mask: they match nothing) are left out.
 * When several entries match, the one written first (lowest index) is the
 * answer, as a scan in file order gives.
 *
 * The index lives in memory the caller provides (the list's arena): ask
 * rm_mask_bytes() how much, then rm_mask_build().  Neither allocates.
 */

#include <stddef.h>
#include <stdint.h>

#include "rm_addr.h"

/* One such entry, as the list keeps it. */
typedef struct rm_mask_entry {
    rm_u128 net;
    rm_u128 mask;
    uint32_t meta;                      /* the list's: line and form */
    uint32_t family;
} rm_mask_entry;

typedef struct rm_mask_group rm_mask_group;
typedef struct rm_mask_slot4 rm_mask_slot4;
typedef struct rm_mask_slot6 rm_mask_slot6;

typedef struct rm_mask_index {
    rm_mask_group *g;                   /* IPv4 groups first, then IPv6 */
    uint32_t ng4, ng6;
    rm_mask_slot4 *s4;
    uint32_t *idx4;                     /* the entry of each slot of s4 */
    rm_mask_slot6 *s6;
    uint32_t *idx6;
    uint32_t *order;                    /* scratch of the build */
    uint64_t *filter;                   /* a bit per entry, by a second hash */
    unsigned fbits;                     /* the filter has 2^fbits bits */
} rm_mask_index;

/* rm_mask_bytes - memory for the index of n entries, n6 of them IPv6 at
 * most (bounds are enough); 64-byte aligned memory is assumed. */
size_t  rm_mask_bytes(uint64_t n, uint64_t n6);

/* rm_mask_build - index e[0..n) in mem (rm_mask_bytes(n, n6) bytes) */
void    rm_mask_build(rm_mask_index *ix, void *mem, uint64_t n6, const rm_mask_entry *e, uint32_t n);

/* rm_mask_find - the first entry of family f that matches v: its index,
 * or -1 */
int64_t rm_mask_find(const rm_mask_index *ix, enum rm_family f, rm_u128 v);

/* rm_mask_groups - distinct masks indexed, for the family */
uint32_t rm_mask_groups(const rm_mask_index *ix, enum rm_family f);

#endif
