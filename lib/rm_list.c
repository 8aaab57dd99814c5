/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_list - an allow, deny or local-IP list: loaded into one arena, indexed */

/*
 * rm_list owns loading: a list file read in one read, its lines scanned
 * and parsed into one arena, and the description of its entries
 * afterwards (rm_list_entry, rm_list_covers).  What the records become
 * once parsed (sorted, swept, indexed) is rm_index.c's; many lookups at
 * once are rm_batch.c's; the records' layout is rm_list_impl.h's.
 *
 * Layout.  A load reads the file into one buffer, validates and counts
 * every entry (pass 1), allocates one arena sized from those counts, parses
 * again straight into the arena (pass 2), sorts, and builds the index in
 * place.  Then the file buffer is freed.  So a load makes two heap
 * allocations whatever the size of the list, and a lookup makes none.
 * Once every line is parsed nothing reads the file buffer again, so a
 * load from a file lends it to the IPv4 records' radix sort as scratch;
 * a load from a caller's (const) buffer, or from a file too short for
 * the records, sorts by comparisons instead.
 */

#include <string.h>

#include "rm_file.h"
#include "rm_list_impl.h"
#include "rm_mem.h"
#include "rm_scan.h"

/* Upper bounds of what the lines can hold, from a cheap byte scan. */
typedef struct counts {
    uint64_t lines;                     /* lines with an entry */
    uint64_t n4, n6, nside, nside6, nrange;
} counts;

/* align_up - arrays in the arena start on a cache line: a 32-byte IPv6
 * record or a 64-byte bucket is then never split across two. */
static size_t align_up(size_t n)
{
    return (n + 63) & ~(size_t) 63;
}

/*
 * count_lines - pass 1: bound, from bytes alone, how many records of each
 * kind the lines can make, so that the arena is allocated before anything
 * is parsed and every line is parsed once.  A line with ':' may be IPv6,
 * or IPv4 folded from ::ffff:0:0/96; one with ';' may land in the side
 * table; one with '-' is a range, which may need a clip slot.
 */
static void count_lines(const char *buf, size_t len, counts *ct)
{
    size_t  pos = 0;

    memset(ct, 0, sizeof(*ct));
    while (pos < len) {
        const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
        size_t  n = nl ? (size_t) (nl - s) : len - pos, i = 0;
        bool    colon = false, semi = false, dash = false, f = false;
        unsigned fs = 0;                /* length of the current run of f */

        pos += n + 1;
        while (i < n && (rm_scan_blank(s[i]) || (unsigned char) s[i] >= 0x80))
            i++;
        if (i == n || s[i] == '#')
            continue;
        ct->lines++;
        for (; i < n && s[i] != '#'; i++) {
            char    ch = s[i];

            colon |= ch == ':';
            semi |= ch == ';';
            dash |= ch == '-';
            fs = ch == 'f' || ch == 'F' ? fs + 1 : 0;
            f |= fs >= 4;
        }
        if (colon) {
            ct->n6++;
            if (f)
                ct->n4++;               /* ::ffff:a.b.c.d folds to IPv4 */
        } else {
            ct->n4++;
        }
        if (semi)
            ct->nside++;
        if (semi && colon)
            ct->nside6++;
        if (dash)
            ct->nrange++;
    }
}

/* scan_fault - say what is wrong with a line the scan refused */

static void scan_fault(const char *name, const rm_scan_line *ln, rm_diag *d)
{
    if (ln->fault == RM_SCAN_LONG)
        rm_diag_add(d, RM_SEV_ERROR, name, ln->line, ln->fault_col,
                    "line is longer than %d bytes", RM_MAX_LINE);
    else if (ln->fault == RM_SCAN_NUL)
        rm_diag_add(d, RM_SEV_ERROR, name, ln->line, ln->fault_col,
                    "NUL byte (is this a binary file?)");
    else
        rm_diag_add(d, RM_SEV_ERROR, name, ln->line, ln->fault_col,
                    "not UTF-8 text: byte 0x%02X", ln->fault_byte);
}

/* store - put one parsed entry into the arena: a side entry, an IPv4 or
 * an IPv6 record.  -1 if its kind is full, which the byte count of pass 1
 * rules out: reaching that is a bug, not input. */

static int store(rm_list *l, const counts *ct, const rm_entry *e, uint32_t meta)
{
    if (!e->interval) {
        if (l->nside >= ct->nside)
            return -1;
        l->sd[l->nside].net = e->net;
        l->sd[l->nside].mask = e->mask;
        l->sd[l->nside].meta = meta;
        l->sd[l->nside].family = e->family;
        l->nside++;
    } else if (e->family == RM_AF_INET) {
        if (l->n4 >= ct->n4)
            return -1;
        l->r4[l->n4].lo = (uint32_t) e->lo;
        l->r4[l->n4].hi = (uint32_t) e->hi;
        l->m4[l->n4] = meta;
        l->n4++;
    } else {
        rec6   *r;

        if (l->n6 >= ct->n6)
            return -1;
        r = &l->r6[l->n6];
        r->lo_h = (uint64_t) (e->lo >> 64);
        r->lo_l = (uint64_t) e->lo;
        r->hi_h = (uint64_t) (e->hi >> 64);
        r->hi_l = (uint64_t) e->hi;
        l->m6[l->n6] = meta;
        l->n6++;
    }
    return 0;
}

/* parse_into - pass 2: parse every line into the arena, reporting every
 * error; returns the number of errors. */

static size_t parse_into(rm_list *l, const char *name, const char *buf, size_t len,
                         const counts *ct, rm_diag *d)
{
    rm_scan sc;
    rm_scan_line ln;
    size_t  errors = 0;

    if (rm_scan_init(&sc, buf, len, RM_SCAN_HASH_ANYWHERE | RM_SCAN_CHECK_NUL | RM_SCAN_CHECK_TEXT) < 0) {
        rm_diag_add(d, RM_SEV_ERROR, name, 1, 1,
                    "file is UTF-16 (byte order mark %02X %02X); save it as UTF-8 or ASCII",
                    (unsigned char) buf[0], (unsigned char) buf[1]);
        return 1;
    }
    while (rm_scan_next(&sc, &ln)) {
        rm_entry e;
        rm_perr err;

        if (ln.fault != RM_SCAN_OK) {
            scan_fault(name, &ln, d);
            errors++;
            continue;
        }
        if (ln.toklen == 0)
            continue;
        if (ln.line > META_LINE_MAX) {
            rm_diag_add(d, RM_SEV_ERROR, name, ln.line, ln.col, "line number over %u", META_LINE_MAX);
            errors++;
            continue;
        }
        if (rm_entry_parse(ln.tok, ln.toklen, &e, &err) < 0) {
            rm_diag_add(d, RM_SEV_ERROR, name, ln.line, ln.col + (unsigned) err.off, "%s", err.msg);
            errors++;
            continue;
        }
        if (errors)
            continue;                   /* keep finding errors; store nothing more */
        if (store(l, ct, &e, ln.line | ((uint32_t) e.form << META_FORM_SHIFT)) < 0) {
            rm_diag_add(d, RM_SEV_ERROR, name, ln.line, ln.col,
                        "internal error: entry count bound exceeded");
            errors++;
        }
    }
    return errors;
}

/* Where each array of the arena starts, from the first cache line
 * boundary in it, and what the index will be sized for. */
typedef struct layout {
    size_t  r4, m4, r6, m6, k6, sd, mx, cl, fl4, fl6, ln4, s4, name;
    size_t  sum4;                       /* bytes of the IPv4 summary (0: none) */
    size_t  size;                       /* the whole arena */
    unsigned b4, b6, bl4;               /* first levels and line index, in bits */
    uint64_t clipcap;
} layout;

/* plan - lay the arena out for the counts of pass 1 */

static void plan(const counts *ct, size_t namelen, layout *lo)
{
    size_t  off;

    lo->clipcap = 2 * ct->nrange;
    if (lo->clipcap > ct->n4 + ct->n6)
        lo->clipcap = ct->n4 + ct->n6;
    rm_index_plan(ct->n4, ct->n6, &lo->b4, &lo->b6, &lo->bl4, &lo->sum4);
    off = align_up(sizeof(rm_list));
    lo->r4 = off;
    off = align_up(off + (size_t) ct->n4 * sizeof(rec4));
    lo->m4 = off;
    off = align_up(off + (size_t) ct->n4 * sizeof(uint32_t));
    lo->r6 = off;
    off = align_up(off + (size_t) ct->n6 * sizeof(rec6));
    lo->m6 = off;
    off = align_up(off + (size_t) ct->n6 * sizeof(uint32_t));
    lo->k6 = off;
    off = align_up(off + (size_t) ct->n6 * sizeof(uint64_t));
    lo->sd = off;
    off = align_up(off + (size_t) ct->nside * sizeof(side));
    lo->mx = off;
    off = align_up(off + rm_mask_bytes(ct->nside, ct->nside6));
    lo->cl = off;
    off = align_up(off + (size_t) lo->clipcap * sizeof(clip));
    lo->fl4 = off;
    off = align_up(off + (lo->b4 ? (((size_t) 1 << lo->b4) + 1) * sizeof(uint32_t) : 0));
    lo->fl6 = off;
    off = align_up(off + (lo->b6 ? (((size_t) 1 << lo->b6) + 1) * sizeof(uint32_t) : 0));
    lo->ln4 = off;                      /* aligned to a cache line below */
    off = align_up(off + (lo->bl4 ? ((size_t) 1 << lo->bl4) * sizeof(lbucket) : 0));
    lo->s4 = off;
    off = align_up(off + lo->sum4);
    lo->name = off;
    lo->size = off + namelen + 63;      /* 63: to align the arrays below */
}

/* arena_base - where the arrays start: the header stays at the start of
 * the arena (it is what rm_list_free frees), the arrays are laid out from
 * the first cache line boundary on */

static char *arena_base(char *arena)
{
    return arena + ((64 - ((uintptr_t) arena & 63)) & 63);
}

/* carve - the list's header at the start of the arena, its arrays after */

static rm_list *carve(char *arena, const layout *lo, const char *name, size_t namelen)
{
    rm_list *l = (rm_list *) (void *) arena;
    char   *base;

    memset(l, 0, sizeof(*l));
    l->bytes = lo->size;
    base = arena_base(arena);
    l->r4 = (rec4 *) (void *) (base + lo->r4);
    l->m4 = (uint32_t *) (void *) (base + lo->m4);
    l->r6 = (rec6 *) (void *) (base + lo->r6);
    l->m6 = (uint32_t *) (void *) (base + lo->m6);
    l->key6 = (uint64_t *) (void *) (base + lo->k6);
    l->sd = (side *) (void *) (base + lo->sd);
    l->cl = (clip *) (void *) (base + lo->cl);
    l->l4.fl = (uint32_t *) (void *) (base + lo->fl4);
    l->l6.fl = (uint32_t *) (void *) (base + lo->fl6);
    l->l4.bits = lo->b4;
    l->l6.bits = lo->b6;
    l->ln4.b = (lbucket *) (void *) (base + lo->ln4);
    l->ln4.bits = lo->bl4;
    l->head.sum4 = lo->sum4 ? (const uint8_t *) (base + lo->s4) : NULL;
    l->name = base + lo->name;
    memcpy(l->name, name, namelen);
    return l;
}

/* load - build a list from memory: caps, pass 1, one allocation, pass 2,
 * the index; scratch (NULL or scratchlen bytes, buf itself when buf is
 * the caller's to spoil) is overwritten once buf is parsed */

static int load(const char *name, const char *buf, size_t len, void *scratch, size_t scratchlen,
                const rm_limits *lim, rm_list **out, rm_diag *d)
{
    counts  ct;
    layout  lo;
    size_t  namelen = strlen(name) + 1;
    char   *arena;
    rm_list *l;
    uint64_t max_entries = lim ? lim->max_entries : RM_DEFAULT_MAX_ENTRIES;
    uint64_t max_bytes = lim ? lim->max_bytes : RM_DEFAULT_MAX_BYTES;

    if (len > max_bytes) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0,
                    "file is %zu bytes, over the cap of %llu bytes; nothing loaded",
                    len, (unsigned long long) max_bytes);
        return -1;
    }
    count_lines(buf, len, &ct);
    if (ct.lines > max_entries || ct.lines > UINT32_MAX / 2) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0,
                    "list has %llu entries, over max_entries = %llu; nothing loaded",
                    (unsigned long long) ct.lines, (unsigned long long) max_entries);
        return -1;
    }
    plan(&ct, namelen, &lo);
    if ((arena = rm_malloc(lo.size)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0,
                    "out of memory allocating %zu bytes for %llu entries; nothing loaded",
                    lo.size, (unsigned long long) ct.lines);
        return -1;
    }
    rm_mem_huge(arena, lo.size);        /* a large list is read at random */
    l = carve(arena, &lo, name, namelen);
    if (parse_into(l, name, buf, len, &ct, d) > 0) {
        rm_free(arena);
        return -1;
    }
    rm_mask_build(&l->mx, arena_base(arena) + lo.mx, ct.nside6, l->sd, l->nside);
    (void) rm_index_radix4(l->r4, l->m4, l->n4, scratch, scratchlen);
    rm_index_build(l, (uint32_t) lo.clipcap);
    *out = l;
    return 0;
}

/* rm_list_load_buffer - build a list from memory the caller keeps */

int     rm_list_load_buffer(const char *name, const char *buf, size_t len,
                            const rm_limits *lim, rm_list **out, rm_diag *d)
{
    return load(name, buf, len, NULL, 0, lim, out, d);
}

/* rm_list_load - read a list file in one read and build it */

int     rm_list_load(const char *path, const rm_trust *t, const rm_limits *lim, rm_list **out, rm_diag *d)
{
    char   *buf;
    size_t  len;
    int     rc;

    if (rm_file_read(path, t, lim ? lim->max_bytes : RM_DEFAULT_MAX_BYTES, &buf, &len, NULL, d) < 0)
        return -1;
    rc = load(path, buf, len, buf, len, lim, out, d);
    rm_free(buf);
    return rc;
}

/* rm_list_empty - a list with no entries */

int     rm_list_empty(const char *name, rm_list **out, rm_diag *d)
{
    return rm_list_load_buffer(name, "", 0, NULL, out, d);
}

/* rm_list_free - release the arena */

void    rm_list_free(rm_list *l)
{
    rm_free(l);
}

/* rm_list_count - entries of every family */

uint32_t rm_list_count(const rm_list *l)
{
    return l->n4 + l->n6 + l->nside;
}

/* rm_list_count_family - entries of family f */

uint32_t rm_list_count_family(const rm_list *l, enum rm_family f)
{
    uint32_t n = f == RM_AF_INET ? l->n4 : f == RM_AF_INET6 ? l->n6 : 0;

    for (uint32_t s = 0; s < l->nside; s++)
        if (l->sd[s].family == (uint32_t) f)
            n++;
    return n;
}

/* rm_list_name - the display name it was loaded under */

const char *rm_list_name(const rm_list *l)
{
    return l->name;
}

/* rm_list_bytes - the arena's size: all the memory the list holds */

size_t  rm_list_bytes(const rm_list *l)
{
    return l->bytes;
}

/* orig_lo - the start an entry was written with, before any trimming */

static rm_u128 orig_lo(const rm_list *l, uint32_t family, uint32_t idx, rm_u128 lo)
{
    uint32_t a = 0, b = l->nclip;

    /* The clip table is in sweep order: IPv4 records first, each by index. */
    while (a < b) {
        uint32_t mid = a + (b - a) / 2;
        const clip *c = &l->cl[mid];

        if (c->family < family || (c->family == family && c->idx < idx))
            a = mid + 1;
        else
            b = mid;
    }
    if (a < l->nclip && l->cl[a].family == family && l->cl[a].idx == idx)
        return l->cl[a].orig_lo;
    return lo;
}

/* rm_list_entry - describe one entry */

int     rm_list_entry(const rm_list *l, uint32_t idx, rm_entry_info *info)
{
    uint32_t meta;
    rm_entry *e = &info->entry;

    memset(info, 0, sizeof(*info));
    if (idx < l->n4) {
        const rec4 *r = &l->r4[idx];

        meta = l->m4[idx];
        e->family = RM_AF_INET;
        e->lo = (meta & META_CLIPPED) ? orig_lo(l, RM_AF_INET, idx, r->lo) : r->lo;
        e->hi = r->hi;
        info->indexed = idx < l->k4;
    } else if (idx < l->n4 + l->n6) {
        const rec6 *r = &l->r6[idx - l->n4];

        meta = l->m6[idx - l->n4];
        e->family = RM_AF_INET6;
        e->lo = (meta & META_CLIPPED) ? orig_lo(l, RM_AF_INET6, idx - l->n4, R6LO(r)) : R6LO(r);
        e->hi = R6HI(r);
        info->indexed = idx - l->n4 < l->k6;
    } else if (idx < l->n4 + l->n6 + l->nside) {
        const side *s = &l->sd[idx - l->n4 - l->n6];

        meta = s->meta;
        e->family = (enum rm_family) s->family;
        e->form = RM_FORM_EXCH;
        e->net = e->lo = e->hi = s->net;
        e->mask = s->mask;
        e->plen = rm_plen_from_mask(s->mask, rm_entry_bits(e));
        e->dead = (s->net & ~s->mask) != 0;
        e->interval = false;
        info->indexed = true;
        info->line = META_LINE(meta);
        return 0;
    } else {
        return -1;
    }
    e->form = META_FORM(meta);
    e->interval = true;
    e->plen = rm_entry_interval_plen(e->lo, e->hi, rm_entry_bits(e));
    if (e->form == RM_FORM_EXCH) {
        unsigned bits = rm_entry_bits(e);

        e->net = e->lo;
        e->mask = rm_mask_from_plen((unsigned) e->plen, bits);
    }
    info->line = META_LINE(meta);
    return 0;
}

/* rm_entry_same - the same set of addresses, whatever the form */

bool    rm_entry_same(const rm_entry *a, const rm_entry *b)
{
    if (a->family != b->family || a->interval != b->interval)
        return false;
    if (a->interval)
        return a->lo == b->lo && a->hi == b->hi;
    return a->net == b->net && a->mask == b->mask;
}

/* rm_list_covers - walk the disjoint intervals from e's first address */

bool    rm_list_covers(const rm_list *l, const rm_entry *e, rm_match *m)
{
    rm_u128 x, top;
    bool    first = true;

    if (!e->interval) {
        for (uint32_t s = 0; s < l->nside; s++) {
            if (l->sd[s].family == (uint32_t) e->family && l->sd[s].net == e->net
                && l->sd[s].mask == e->mask) {
                if (m)
                    m->entry = l->n4 + l->n6 + s;
                return true;
            }
        }
        return false;
    }
    top = e->family == RM_AF_INET ? 0xffffffffu : ~(rm_u128) 0;
    x = e->lo;
    for (;;) {
        int64_t i;
        rm_u128 hi;

        if (e->family == RM_AF_INET) {
            if ((i = find4(l, (uint32_t) x)) < 0 || x > l->r4[i].hi)
                return false;
            hi = l->r4[i].hi;
        } else {
            if ((i = find6(l, x)) < 0 || x > R6HI(&l->r6[i]))
                return false;
            hi = R6HI(&l->r6[i]);
        }
        if (first && m)
            m->entry = (e->family == RM_AF_INET ? 0 : l->n4) + (uint32_t) i;
        first = false;
        if (hi >= e->hi || hi == top)
            return true;
        x = hi + 1;
    }
}
