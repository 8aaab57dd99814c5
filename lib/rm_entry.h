/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_ENTRY_H
#define RM_ENTRY_H

/* rm_entry - one list entry: the forms of DESIGN.md, parsed without allocating */

#include "rm_addr.h"

enum rm_form {
    RM_FORM_HOST = 0,                   /* 192.0.2.7 */
    RM_FORM_CIDR = 1,                   /* 192.0.2.0/24, [2001:db8::]/32 */
    RM_FORM_MASK = 2,                   /* 192.0.2.0/255.255.255.0 */
    RM_FORM_EXCH = 3,                   /* 192.0.2.0;255.255.255.0 (Exchange) */
    RM_FORM_RANGE = 4                   /* 192.0.2.10-192.0.2.20 */
};

/*
 * A parsed entry.  Every entry but a non-contiguous or dead Exchange entry
 * is an inclusive interval [lo, hi].  Exchange entries also keep net and
 * mask, and match as (IP AND mask) == net, exactly as Exchange did.
 * Entries inside ::ffff:0:0/96 are folded to IPv4.
 */
typedef struct rm_entry {
    enum rm_family family;
    enum rm_form form;
    rm_u128 lo;
    rm_u128 hi;
    rm_u128 net;                        /* RM_FORM_EXCH only */
    rm_u128 mask;                       /* RM_FORM_EXCH only */
    int     plen;                       /* prefix length, or -1 (range, odd mask) */
    bool    interval;                   /* lo..hi describes exactly what matches */
    bool    dead;                       /* Exchange net has bits outside its mask */
} rm_entry;

#define RM_ENTRY_STRLEN 100

/*
 * rm_entry_parse - parse one entry spanning s[0..len), already trimmed and
 * free of comments.  Returns 0, or -1 with err->off the byte offset of
 * the fault and err->msg saying what is wrong and quoting the text.
 */
int     rm_entry_parse(const char *s, size_t len, rm_entry *e, rm_perr *err);

/*
 * rm_wildcard_plen - when mask (of bits bits) is not a netmask but the
 * inverse of one, as Cisco writes wildcard masks (0.0.0.255 for a /24),
 * the prefix length it means; otherwise -1.
 */
int     rm_wildcard_plen(rm_u128 mask, unsigned bits);

/* rm_entry_format - the entry in its own form, canonical addresses */
size_t  rm_entry_format(const rm_entry *e, char *buf, size_t len);

/* rm_entry_interval_plen - the prefix length of [lo, hi] (addresses of
 * bits bits), or -1 when it is no prefix */
int     rm_entry_interval_plen(rm_u128 lo, rm_u128 hi, unsigned bits);

/* rm_entry_bits - 32 or 128 */
#define rm_entry_bits(e) ((e)->family == RM_AF_INET ? 32u : 128u)

#endif
