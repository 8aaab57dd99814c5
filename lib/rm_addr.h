/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_ADDR_H
#define RM_ADDR_H

/* rm_addr - IPv4 and IPv6 addresses: strict parsing, formatting, masks */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;

typedef unsigned __int128 rm_u128;

enum rm_family {
    RM_AF_NONE = 0,                     /* no address (local submission) */
    RM_AF_INET = 4,
    RM_AF_INET6 = 6
};

/* ::ffff:0:0/96, where IPv4-mapped IPv6 addresses live */
#define RM_V4_MAPPED_LO (((rm_u128) 0xffff) << 32)
#define RM_V4_MAPPED_HI (RM_V4_MAPPED_LO | 0xffffffffu)

/*
 * An address in host byte order.  IPv4 lives in the low 32 bits of v.
 * Packed to 20 bytes (from 32, most of it padding for the 16-byte
 * alignment of v): batch lookups stream arrays of these, and a third of
 * their memory traffic was that padding.  Never take the address of v.
 */
typedef struct __attribute__((packed, aligned(4))) rm_addr {
    enum rm_family family;
    rm_u128 v;
} rm_addr;

/* Where and why a parse failed.  off is the byte offset into the input. */
typedef struct rm_perr {
    size_t  off;
    char    msg[256];
} rm_perr;

#define RM_ADDR_STRLEN 48               /* enough for any formatted address */

/*
 * rm_addr_parse - parse exactly one address spanning s[0..len).
 * IPv4 must be four decimal octets without leading zeros (short, hex and
 * octal forms are refused: libc accepts them and reads them differently
 * than an administrator does).  IPv6 is RFC 4291 text, with an optional
 * dotted IPv4 tail; zone ids are refused.  IPv4-mapped IPv6 stays IPv6
 * here; rm_addr_unmap() folds it.  Returns 0, or -1 and fills err.
 */
int     rm_addr_parse(const char *s, size_t len, rm_addr *out, rm_perr *err);

/* rm_addr_from_str - parse a NUL-terminated address, IPv6 optionally in
 * brackets, and fold IPv4-mapped IPv6 to IPv4.  Returns 0 or -1. */
int     rm_addr_from_str(const char *s, rm_addr *out, rm_perr *err);

/* rm_addr_from_sockaddr - convert AF_INET/AF_INET6; others give RM_AF_NONE */
void    rm_addr_from_sockaddr(const struct sockaddr *sa, rm_addr *out);

/* rm_addr_unmap - ::ffff:a.b.c.d becomes IPv4 a.b.c.d; others unchanged */
void    rm_addr_unmap(rm_addr *a);

/* rm_addr_format - canonical text (RFC 5952 for IPv6) into buf */
size_t  rm_addr_format(const rm_addr *a, char *buf, size_t len);

/* Prefix helpers; bits is 32 or 128, plen 0..bits. */
rm_u128 rm_mask_from_plen(unsigned plen, unsigned bits);
int     rm_plen_from_mask(rm_u128 mask, unsigned bits);    /* -1: not contiguous */

#endif
