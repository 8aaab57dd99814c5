/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_addr - IPv4 and IPv6 addresses: strict parsing, formatting, masks */

#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "rm_addr.h"

static int fail(rm_perr *err, size_t off, const char *msg)
{
    if (err) {
        err->off = off;
        snprintf(err->msg, sizeof(err->msg), "%s", msg);
    }
    return -1;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* hex_value - a table, not a chain of comparisons: IPv6 parsing is most
 * of the time a large IPv6 list takes to load */

#define H(c, v) [(unsigned char) (c)] = (v) + 1
static const signed char hex_table[256] = {
    H('0', 0), H('1', 1), H('2', 2), H('3', 3), H('4', 4), H('5', 5), H('6', 6), H('7', 7),
    H('8', 8), H('9', 9), H('a', 10), H('b', 11), H('c', 12), H('d', 13), H('e', 14), H('f', 15),
    H('A', 10), H('B', 11), H('C', 12), H('D', 13), H('E', 14), H('F', 15),
};
#undef H

static inline int hex_value(char c)
{
    return hex_table[(unsigned char) c] - 1;
}

/* parse_v4 - four decimal octets, nothing else */

static int parse_v4(const char *s, size_t len, size_t base, uint32_t *out, rm_perr *err)
{
    uint32_t v = 0;
    size_t  i = 0;
    int     octets = 0;

    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return fail(err, base, "hexadecimal IPv4 forms are not accepted; write four decimal octets");
    for (;;) {
        size_t  start = i;
        unsigned octet = 0;

        while (i < len && is_digit(s[i])) {
            if (i - start >= 3) {
                if (err) {
                    err->off = base + start;
                    size_t  run = 0;

                    while (start + run < len && is_digit(s[start + run]) && run < 20)
                        run++;
                    snprintf(err->msg, sizeof(err->msg), "IPv4 octet \"%.*s\" is over 255",
                             (int) run, s + start);
                }
                return -1;
            }
            octet = octet * 10 + (unsigned) (s[i] - '0');
            i++;
        }
        if (i == start) {
            if (i < len && (s[i] == 'x' || s[i] == 'X'))
                return fail(err, base + i, "hexadecimal IPv4 forms are not accepted; write four decimal octets");
            if (octets == 0)
                return fail(err, base + i, "not an IP address");
            return fail(err, base + i, i < len ? "expected a decimal IPv4 octet" :
                        "IPv4 address is incomplete: expected four decimal octets");
        }
        if (s[start] == '0' && i - start > 1)
            return fail(err, base + start, "IPv4 octet with a leading zero is ambiguous (octal?); write it without the zero");
        if (octet > 255) {
            if (err) {
                err->off = base + start;
                snprintf(err->msg, sizeof(err->msg), "IPv4 octet %u is over 255", octet);
            }
            return -1;
        }
        v = (v << 8) | octet;
        octets++;
        if (octets == 4)
            break;
        if (i >= len)
            return fail(err, base + i, "short IPv4 forms are not accepted; write all four octets");
        if (s[i] != '.') {
            if (s[i] == 'x' || s[i] == 'X')
                return fail(err, base + i, "hexadecimal IPv4 forms are not accepted; write four decimal octets");
            return fail(err, base + i, "unexpected character in IPv4 address");
        }
        i++;
    }
    if (i < len) {
        if (s[i] == '.')
            return fail(err, base + i, "IPv4 address has more than four octets");
        return fail(err, base + i, "unexpected character after IPv4 address");
    }
    *out = v;
    return 0;
}

/* parse_v6 - RFC 4291 section 2.2 text forms */

static int parse_v6(const char *s, size_t len, size_t base, rm_u128 *out, rm_perr *err)
{
    uint16_t groups[8];
    int     ngroups = 0;
    int     gap = -1;                   /* index where "::" stands */
    size_t  i = 0;

    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len >= 1 && s[0] == ':') {
        return fail(err, base, "IPv6 address cannot start with a single ':'");
    }
    while (i < len) {
        size_t  start = i;
        unsigned g = 0;
        int     h;

        if (s[i] == '%')
            return fail(err, base + i, "IPv6 zone ids (%...) are not accepted");
        while (i < len && (h = hex_value(s[i])) >= 0) {
            if (i - start >= 4)
                return fail(err, base + start, "IPv6 group has more than four hex digits");
            g = (g << 4) | (unsigned) h;
            i++;
        }
        if (i < len && s[i] == '.') {
            /* A dotted IPv4 tail: the rest of the string. */
            uint32_t v4;

            if (ngroups > 6)
                return fail(err, base + start, "IPv6 address is too long for an IPv4 tail");
            if (parse_v4(s + start, len - start, base + start, &v4, err) < 0)
                return -1;
            groups[ngroups++] = (uint16_t) (v4 >> 16);
            groups[ngroups++] = (uint16_t) (v4 & 0xffff);
            break;
        }
        if (i == start) {
            if (i < len && s[i] == '%')
                return fail(err, base + i, "IPv6 zone ids (%...) are not accepted");
            return fail(err, base + i, i < len ? "unexpected character in IPv6 address" :
                        "IPv6 address ends with a single ':'");
        }
        if (ngroups >= 8)
            return fail(err, base + start, "IPv6 address has more than eight groups");
        groups[ngroups++] = (uint16_t) g;
        if (i == len)
            break;
        if (s[i] == '%')
            return fail(err, base + i, "IPv6 zone ids (%...) are not accepted");
        if (s[i] != ':')
            return fail(err, base + i, "unexpected character in IPv6 address");
        i++;
        if (i < len && s[i] == ':') {
            if (gap >= 0)
                return fail(err, base + i - 1, "IPv6 address has more than one '::'");
            gap = ngroups;
            i++;
        } else if (i == len) {
            return fail(err, base + i - 1, "IPv6 address ends with a single ':'");
        }
    }
    if (gap < 0 && ngroups != 8)
        return fail(err, base + len, "IPv6 address has fewer than eight groups and no '::'");
    if (gap >= 0 && ngroups > 7)
        return fail(err, base, "IPv6 '::' must stand for at least one group");
    {
        uint16_t full[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        rm_u128 v = 0;
        int     k, before = gap < 0 ? ngroups : gap;

        for (k = 0; k < before; k++)
            full[k] = groups[k];
        for (k = before; k < ngroups; k++)
            full[8 - ngroups + k] = groups[k];
        for (k = 0; k < 8; k++)
            v = (v << 16) | full[k];
        *out = v;
    }
    return 0;
}

/* rm_addr_parse - parse exactly one address spanning s[0..len) */

int     rm_addr_parse(const char *s, size_t len, rm_addr *out, rm_perr *err)
{
    size_t  i;

    if (len == 0)
        return fail(err, 0, "expected an IP address");
    for (i = 0; i < len; i++)
        if (s[i] == ':')
            break;
    if (i < len) {
        rm_u128 v6 = 0;
        int     rc = parse_v6(s, len, 0, &v6, err);

        out->family = RM_AF_INET6;
        out->v = v6;                    /* rm_addr is packed: no pointer to v */
        return rc;
    } else {
        uint32_t v4;

        if (parse_v4(s, len, 0, &v4, err) < 0)
            return -1;
        out->family = RM_AF_INET;
        out->v = v4;
        return 0;
    }
}

/* rm_addr_unmap - fold ::ffff:a.b.c.d to IPv4 */

void    rm_addr_unmap(rm_addr *a)
{
    if (a->family == RM_AF_INET6 && (a->v >> 32) == 0xffff) {
        a->family = RM_AF_INET;
        a->v &= 0xffffffffu;
    }
}

/* rm_addr_from_str - parse a NUL-terminated address, brackets allowed */

int     rm_addr_from_str(const char *s, rm_addr *out, rm_perr *err)
{
    size_t  len = strlen(s);
    int     rc;

    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        rc = rm_addr_parse(s + 1, len - 2, out, err);
        if (rc == 0 && out->family != RM_AF_INET6)
            return fail(err, 0, "brackets are only for IPv6 addresses");
        if (rc < 0 && err)
            err->off += 1;
    } else {
        rc = rm_addr_parse(s, len, out, err);
    }
    if (rc == 0)
        rm_addr_unmap(out);
    return rc;
}

/* rm_addr_from_sockaddr - convert a socket address */

void    rm_addr_from_sockaddr(const struct sockaddr *sa, rm_addr *out)
{
    out->family = RM_AF_NONE;
    out->v = 0;
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *) (const void *) sa;
        const unsigned char *b = (const unsigned char *) &sin->sin_addr;

        out->family = RM_AF_INET;
        out->v = ((uint32_t) b[0] << 24) | ((uint32_t) b[1] << 16)
            | ((uint32_t) b[2] << 8) | b[3];
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) (const void *) sa;

        out->family = RM_AF_INET6;
        for (int k = 0; k < 16; k++)
            out->v = (out->v << 8) | sin6->sin6_addr.s6_addr[k];
        rm_addr_unmap(out);
    }
}

/* rm_addr_format - canonical text: dotted quad, or RFC 5952 IPv6 */

size_t  rm_addr_format(const rm_addr *a, char *buf, size_t len)
{
    int     n;

    if (a->family == RM_AF_INET) {
        uint32_t v = (uint32_t) a->v;

        n = snprintf(buf, len, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
    } else if (a->family == RM_AF_INET6) {
        unsigned g[8];
        int     best = -1, bestlen = 0, k;
        char    tmp[RM_ADDR_STRLEN];
        size_t  o = 0;

        for (k = 0; k < 8; k++)
            g[k] = (unsigned) ((a->v >> (16 * (7 - k))) & 0xffff);
        for (k = 0; k < 8;) {
            int     run = 0;

            while (k + run < 8 && g[k + run] == 0)
                run++;
            if (run > bestlen && run >= 2) {
                best = k;
                bestlen = run;
            }
            k += run ? run : 1;
        }
        if ((a->v >> 32) == 0xffff) {
            /* IPv4-mapped: the conventional mixed notation */
            uint32_t v = (uint32_t) a->v;

            n = snprintf(buf, len, "::ffff:%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
            return n < 0 ? 0 : (size_t) n;
        }
        for (k = 0; k < 8; k++) {
            if (k == best) {
                o += (size_t) snprintf(tmp + o, sizeof(tmp) - o, "::");
                k += bestlen - 1;
                continue;
            }
            if (k > 0 && !(best >= 0 && k == best + bestlen))
                o += (size_t) snprintf(tmp + o, sizeof(tmp) - o, ":");
            o += (size_t) snprintf(tmp + o, sizeof(tmp) - o, "%x", g[k]);
        }
        n = snprintf(buf, len, "%s", tmp);
    } else {
        n = snprintf(buf, len, "-");
    }
    return n < 0 ? 0 : (size_t) n;
}

/* rm_mask_from_plen - the mask with plen leading one bits */

rm_u128 rm_mask_from_plen(unsigned plen, unsigned bits)
{
    rm_u128 all = bits == 128 ? ~(rm_u128) 0 : (((rm_u128) 1 << bits) - 1);

    if (plen == 0)
        return 0;
    return all & ~((((rm_u128) 1) << (bits - plen)) - 1);
}

/* rm_plen_from_mask - prefix length of a contiguous mask, else -1 */

int     rm_plen_from_mask(rm_u128 mask, unsigned bits)
{
    for (unsigned plen = 0; plen <= bits; plen++)
        if (rm_mask_from_plen(plen, bits) == mask)
            return (int) plen;
    return -1;
}
