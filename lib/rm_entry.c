/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_entry - one list entry: the forms of DESIGN.md, parsed without allocating */

#include <stdio.h>
#include <string.h>

#include "rm_entry.h"
#include "rm_text.h"


static int efail(rm_perr *err, size_t off, const char *s, size_t len, const char *what)
{
    char    q[RM_QUOTE_LEN(32)];

    err->off = off;
    snprintf(err->msg, sizeof(err->msg), "%s in %s", what, rm_text_quote(q, sizeof(q), s, len));
    return -1;
}

/* parse_one - one address, IPv6 optionally in brackets */

static int parse_one(const char *s, size_t len, size_t base, const char *whole,
                     size_t wlen, rm_addr *a, rm_perr *err)
{
    rm_perr sub;

    if (len >= 1 && s[0] == '[') {
        if (len < 2 || s[len - 1] != ']')
            return efail(err, base, whole, wlen, "'[' without a matching ']'");
        if (rm_addr_parse(s + 1, len - 2, a, &sub) < 0)
            return efail(err, base + 1 + sub.off, whole, wlen, sub.msg);
        if (a->family != RM_AF_INET6)
            return efail(err, base, whole, wlen, "brackets are only for IPv6 addresses");
        return 0;
    }
    if (rm_addr_parse(s, len, a, &sub) < 0)
        return efail(err, base + sub.off, whole, wlen, sub.msg);
    return 0;
}

/* fold_mapped - an entry entirely inside ::ffff:0:0/96 becomes IPv4 */

static void fold_mapped(rm_entry *e)
{
    if (e->family != RM_AF_INET6)
        return;
    if (e->form == RM_FORM_EXCH) {
        if ((e->mask >> 32) == ~(rm_u128) 0 >> 32 && (e->net >> 32) == 0xffff) {
            e->net &= 0xffffffffu;
            e->mask &= 0xffffffffu;
        } else {
            return;
        }
    } else if (!(e->lo >= RM_V4_MAPPED_LO && e->hi <= RM_V4_MAPPED_HI)) {
        return;
    }
    e->family = RM_AF_INET;
    e->lo &= 0xffffffffu;
    e->hi &= 0xffffffffu;
    if (e->plen >= 96)
        e->plen -= 96;
}

/* parse_plen - a decimal prefix length, no sign, no leading zero */

static int parse_plen(const char *s, size_t len, size_t base, unsigned bits,
                      const char *whole, size_t wlen, unsigned *plen, rm_perr *err)
{
    unsigned v = 0;

    if (len == 0)
        return efail(err, base, whole, wlen, "prefix length missing after '/'");
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return efail(err, base + i, whole, wlen, "prefix length must be a decimal number");
        if (i >= 3)
            return efail(err, base, whole, wlen, bits == 32 ?
                         "prefix length over 32" : "prefix length over 128");
        v = v * 10 + (unsigned) (s[i] - '0');
    }
    if (len > 1 && s[0] == '0')
        return efail(err, base, whole, wlen, "prefix length with a leading zero");
    if (v > bits)
        return efail(err, base, whole, wlen, bits == 32 ?
                     "prefix length over 32" : "prefix length over 128");
    *plen = v;
    return 0;
}

/* What each byte may be in an entry: an address byte, one of the three
 * separators, or something no entry holds (control bytes, space, non-ASCII). */
enum { PLAIN = 0, SEP = 1, BAD = 2 };

static const unsigned char byte_class[256] = {
    [0x00 ... 0x20] = BAD,
    ['/'] = SEP, [';'] = SEP, ['-'] = SEP,
    [0x7f ... 0xff] = BAD,
};

/* find_sep - check every byte of the entry, and find its one separator
 * ('/', ';' or '-'; 0 for a host): *sep is its offset, or len */

static inline __attribute__((always_inline)) int find_sep(const char *s, size_t len, size_t *sep, char *sepc, rm_perr *err)
{
    *sep = len;
    *sepc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];

        /* Most bytes are address bytes: one table look-up says so. */
        if (byte_class[c] == PLAIN)
            continue;
        if (c == 0)
            return efail(err, i, s, len, "NUL byte");
        if (c == ' ' || c == '\t')
            return efail(err, i, s, len, "unexpected space (one entry per line)");
        if (byte_class[c] == BAD) {
            char    what[128], name[96];
            size_t  used;

            snprintf(what, sizeof(what), "unexpected %s (entries are ASCII)",
                     rm_text_what(name, sizeof(name), s + i, len - i, &used));
            return efail(err, i, s, len, what);
        }
        if (*sepc == 0) {
            *sep = i;
            *sepc = (char) c;
        } else {
            char    what[64];

            snprintf(what, sizeof(what), "unexpected '%c' after '%c'", c, *sepc);
            return efail(err, i, s, len, what);
        }
    }
    return 0;
}

/* all_ones - every address bit of the family set */

static rm_u128 all_ones(unsigned bits)
{
    return bits == 32 ? 0xffffffffu : ~(rm_u128) 0;
}

/* rm_entry_interval_plen - the prefix length that [lo, hi] is, or -1 */

int     rm_entry_interval_plen(rm_u128 lo, rm_u128 hi, unsigned bits)
{
    for (unsigned p = 0; p <= bits; p++) {
        rm_u128 mask = rm_mask_from_plen(p, bits);

        if ((lo & ~mask) == 0 && hi == (lo | (~mask & all_ones(bits))))
            return (int) p;
    }
    return -1;
}

/* dotted_plen - the prefix length of an IPv4 dotted netmask after '/' */

static int dotted_plen(const char *s, size_t len, size_t sep, const rm_addr *a,
                       unsigned *plen, rm_perr *err)
{
    const char *m = s + sep + 1;
    size_t  mlen = len - sep - 1;
    rm_perr sub;
    rm_addr b;
    int     p, bad;

    if (a->family != RM_AF_INET)
        return efail(err, sep + 1, s, len, "a dotted mask needs an IPv4 address");
    bad = rm_addr_parse(m, mlen, &b, &sub) < 0;
    if (bad || b.family != RM_AF_INET)
        return efail(err, sep + 1 + (bad ? sub.off : 0), s, len, "bad dotted netmask");
    if ((p = rm_plen_from_mask(b.v, 32)) < 0 && (p = rm_wildcard_plen(b.v, 32)) >= 0) {
        char    what[RM_ADDR_STRLEN + 160], net[RM_ADDR_STRLEN];
        rm_addr n = *a;

        n.v = a->v & rm_mask_from_plen((unsigned) p, 32);
        rm_addr_format(&n, net, sizeof(net));
        snprintf(what, sizeof(what), "this is a wildcard (inverse) mask, not a netmask: "
                 "did you mean %s/%d?", net, p);
        return efail(err, sep + 1, s, len, what);
    }
    if (p < 0)
        return efail(err, sep + 1, s, len,
                     "netmask is not contiguous (write Exchange's 'net;mask' form to match with it)");
    *plen = (unsigned) p;
    return 0;
}

/* parse_prefix - a/plen or a/dotted.mask: a prefix without host bits */

static inline int parse_prefix(const char *s, size_t len, size_t sep, const rm_addr *a,
                        unsigned bits, rm_entry *e, rm_perr *err)
{
    const char *m = s + sep + 1;
    size_t  mlen = len - sep - 1;
    rm_u128 mask;
    unsigned plen = 0;

    if (mlen > 0 && memchr(m, '.', mlen) != NULL) {
        if (dotted_plen(s, len, sep, a, &plen, err) < 0)
            return -1;
        e->form = RM_FORM_MASK;
    } else {
        if (parse_plen(m, mlen, sep + 1, bits, s, len, &plen, err) < 0)
            return -1;
        e->form = RM_FORM_CIDR;
    }
    mask = rm_mask_from_plen(plen, bits);
    if ((a->v & ~mask) != 0) {
        char    what[RM_ADDR_STRLEN + 120];
        char    net[RM_ADDR_STRLEN];
        rm_addr n = *a;

        n.v = a->v & mask;
        rm_addr_format(&n, net, sizeof(net));
        snprintf(what, sizeof(what), "host bits set outside the /%u mask (did you mean %s/%u?)",
                 plen, net, plen);
        return efail(err, 0, s, len, what);
    }
    e->lo = a->v;
    e->hi = a->v | (~mask & all_ones(bits));
    e->plen = (int) plen;
    e->interval = true;
    return 0;
}

/* parse_exch - Exchange's net;mask: an interval when the mask is a
 * prefix and no net bit lies outside it, else matched as written */

static int parse_exch(const char *s, size_t len, size_t sep, const rm_addr *a,
                      unsigned bits, rm_entry *e, rm_perr *err)
{
    const char *m = s + sep + 1;
    size_t  mlen = len - sep - 1;
    rm_perr sub;
    rm_addr b;

    if (mlen == 0)
        return efail(err, sep, s, len, "mask missing after ';'");
    if (rm_addr_parse(m, mlen, &b, &sub) < 0)
        return efail(err, sep + 1 + sub.off, s, len, sub.msg);
    if (b.family != a->family)
        return efail(err, sep + 1, s, len, "mask and address are of different families");
    e->form = RM_FORM_EXCH;
    e->net = a->v;
    e->mask = b.v;
    e->plen = rm_plen_from_mask(b.v, bits);
    e->dead = (a->v & ~b.v) != 0;
    e->interval = e->plen >= 0 && !e->dead;
    if (e->interval) {
        e->lo = a->v;
        e->hi = a->v | (~b.v & all_ones(bits));
    } else {
        e->lo = e->hi = a->v;
    }
    return 0;
}

/* parse_range - a-b, both of one family, in order */

static int parse_range(const char *s, size_t len, size_t sep, const rm_addr *a,
                       unsigned bits, rm_entry *e, rm_perr *err)
{
    rm_addr b;

    if (sep + 1 >= len)
        return efail(err, sep, s, len, "range end missing after '-'");
    if (parse_one(s + sep + 1, len - sep - 1, sep + 1, s, len, &b, err) < 0)
        return -1;
    if (b.family != a->family)
        return efail(err, sep + 1, s, len, "range mixes IPv4 and IPv6");
    if (b.v < a->v)
        return efail(err, sep + 1, s, len, "range is reversed (end before start)");
    e->form = RM_FORM_RANGE;
    e->lo = a->v;
    e->hi = b.v;
    e->interval = true;
    e->plen = rm_entry_interval_plen(a->v, b.v, bits);
    return 0;
}

/* rm_entry_parse - parse one entry: its bytes, its first address, then
 * what the separator says follows */

int     rm_entry_parse(const char *s, size_t len, rm_entry *e, rm_perr *err)
{
    size_t  sep;
    char    sepc;
    rm_addr a;
    unsigned bits;
    int     rc = 0;

    memset(e, 0, sizeof(*e));
    e->plen = -1;
    if (len == 0)
        return efail(err, 0, s, len, "empty entry");
    if (find_sep(s, len, &sep, &sepc, err) < 0 || parse_one(s, sep, 0, s, len, &a, err) < 0)
        return -1;
    e->family = a.family;
    bits = a.family == RM_AF_INET ? 32 : 128;
    if (sepc == 0) {
        e->form = RM_FORM_HOST;
        e->lo = e->hi = a.v;
        e->plen = (int) bits;
        e->interval = true;
    } else if (sepc == '/') {
        rc = parse_prefix(s, len, sep, &a, bits, e, err);
    } else if (sepc == ';') {
        rc = parse_exch(s, len, sep, &a, bits, e, err);
    } else {
        rc = parse_range(s, len, sep, &a, bits, e, err);
    }
    if (rc < 0)
        return -1;
    fold_mapped(e);
    return 0;
}

/* rm_entry_format - the entry in its own form, canonical addresses */

size_t  rm_entry_format(const rm_entry *e, char *buf, size_t len)
{
    char    x[RM_ADDR_STRLEN], y[RM_ADDR_STRLEN];
    rm_addr a = {e->family, e->form == RM_FORM_EXCH ? e->net : e->lo};
    rm_addr b = {e->family, e->form == RM_FORM_EXCH ? e->mask : e->hi};
    int     n;

    rm_addr_format(&a, x, sizeof(x));
    rm_addr_format(&b, y, sizeof(y));
    switch (e->form) {
    case RM_FORM_HOST:
        n = snprintf(buf, len, "%s", x);
        break;
    case RM_FORM_CIDR:
        n = snprintf(buf, len, "%s/%d", x, e->plen);
        break;
    case RM_FORM_MASK:
        b.v = rm_mask_from_plen((unsigned) e->plen, 32);
        rm_addr_format(&b, y, sizeof(y));
        n = snprintf(buf, len, "%s/%s", x, y);
        break;
    case RM_FORM_EXCH:
        n = snprintf(buf, len, "%s;%s", x, y);
        break;
    default:
        n = snprintf(buf, len, "%s-%s", x, y);
        break;
    }
    return n < 0 ? 0 : (size_t) n;
}

/* rm_wildcard_plen - the prefix a wildcard (inverse) mask stands for */

int     rm_wildcard_plen(rm_u128 mask, unsigned bits)
{
    rm_u128 all = bits == 128 ? ~(rm_u128) 0 : (((rm_u128) 1 << bits) - 1);

    if (mask == 0 || mask == all || rm_plen_from_mask(mask, bits) >= 0)
        return -1;
    return rm_plen_from_mask(~mask & all, bits);
}
