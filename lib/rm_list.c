/* rm_list - an allow, deny or local-IP list: loaded into one arena, indexed */

/*
 * Layout.  A load reads the file into one buffer, validates and counts
 * every entry (pass 1), allocates one arena sized from those counts, parses
 * again straight into the arena (pass 2), sorts, and builds the index in
 * place.  Then the file buffer is freed.  So a load makes two heap
 * allocations whatever the size of the list, and a lookup makes none.
 *
 * Index.  Entries that are intervals (hosts, prefixes, ranges, contiguous
 * Exchange masks) are records sorted by (lo, hi descending, line).  A sweep
 * moves the records that some earlier record covers completely to the end
 * ("shadowed": they can never be the first answer), and trims the start of
 * a record that overlaps its predecessor partially (only ranges do that),
 * remembering the original start in a small clip table.  What remains at
 * the front is a sorted array of disjoint intervals: the candidate for an
 * address is the last record whose start is <= the address.  A
 * direct-indexed first level (DXR-style) on the bits after the common
 * prefix of all starts narrows the binary search to a few records.
 * Exchange entries with non-contiguous or dead masks are rare; they live in
 * a side table that is scanned linearly, as (IP AND mask) == net.
 */

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "rm_list.h"
#include "rm_mem.h"

#define META_LINE_BITS  28
#define META_LINE_MAX   ((1u << META_LINE_BITS) - 1)
#define META_FORM_SHIFT 28
#define META_CLIPPED    (1u << 31)
#define META_LINE(m)    ((m) & META_LINE_MAX)
#define META_FORM(m)    ((enum rm_form) (((m) >> META_FORM_SHIFT) & 7u))

typedef struct rec4 {
    uint32_t lo;
    uint32_t hi;
    uint32_t meta;
} rec4;

typedef struct rec6 {
    uint64_t lo_h, lo_l;
    uint64_t hi_h, hi_l;
    uint32_t meta;
} rec6;

typedef struct side {
    rm_u128 net;
    rm_u128 mask;
    uint32_t meta;
    uint32_t family;
} side;

typedef struct clip {
    uint32_t idx;                       /* record index (family's own array) */
    uint32_t family;
    rm_u128 orig_lo;
} clip;

typedef struct level1 {
    uint32_t *fl;                       /* 2^bits + 1 record indices */
    unsigned shift;                     /* common prefix length of the starts */
    unsigned bits;                      /* 0: no first level */
} level1;

struct rm_list {
    char   *name;
    size_t  bytes;
    uint32_t n4, k4;                    /* records, indexed records */
    uint32_t n6, k6;
    uint32_t nside;
    uint32_t nclip;
    bool    v6_maps_v4;                 /* some IPv6 entry reaches into ::ffff:0:0/96 */
    rec4   *r4;
    rec6   *r6;
    side   *sd;
    clip   *cl;
    level1  l4, l6;
};


#define R6LO(r) ((((rm_u128) (r)->lo_h) << 64) | (r)->lo_l)
#define R6HI(r) ((((rm_u128) (r)->hi_h) << 64) | (r)->hi_l)

/* Line iteration. */

typedef struct cursor {
    const char *buf;
    size_t  len;
    size_t  pos;
    unsigned line;
} cursor;

typedef struct counts {
    uint64_t n4, n6, nside, nrange;
} counts;

static size_t align_up(size_t n)
{
    return (n + 15) & ~(size_t) 15;
}

/* utf8_bad - offset of the first invalid UTF-8 byte in s[0..len), or len */

static size_t utf8_bad(const unsigned char *s, size_t len)
{
    size_t  i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t  need;
        unsigned cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
            || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return i;
        i += need + 1;
    }
    return len;
}

/*
 * scan_line - find the next line's entry text.  Returns 1 with *tok, *toklen
 * and *col set when the line holds an entry, 0 for a blank or comment line,
 * -1 for a line with a fault already reported, 2 at end of input.
 */
static int scan_line(cursor *c, const char *name, rm_diag *d,
                     const char **tok, size_t *toklen, unsigned *col)
{
    const char *s, *nl, *end, *hash;
    size_t  linelen, start, stop, bad;

    if (c->pos >= c->len)
        return 2;
    c->line++;
    s = c->buf + c->pos;
    nl = memchr(s, '\n', c->len - c->pos);
    end = nl ? nl : c->buf + c->len;
    linelen = (size_t) (end - s);
    c->pos += linelen + (nl ? 1 : 0);
    if (linelen > 0 && s[linelen - 1] == '\r')
        linelen--;
    if (linelen > RM_MAX_LINE) {
        if (d)
            rm_diag_add(d, RM_SEV_ERROR, name, c->line, RM_MAX_LINE + 1,
                        "line is longer than %d bytes", RM_MAX_LINE);
        return -1;
    }
    if (memchr(s, '\0', linelen) != NULL) {
        size_t  at = (size_t) ((const char *) memchr(s, '\0', linelen) - s);

        if (d)
            rm_diag_add(d, RM_SEV_ERROR, name, c->line, (unsigned) at + 1,
                        "NUL byte (is this a binary file?)");
        return -1;
    }
    if ((bad = utf8_bad((const unsigned char *) s, linelen)) < linelen) {
        if (d)
            rm_diag_add(d, RM_SEV_ERROR, name, c->line, (unsigned) bad + 1,
                        "not UTF-8 text: byte 0x%02X", (unsigned char) s[bad]);
        return -1;
    }
    hash = memchr(s, '#', linelen);
    stop = hash ? (size_t) (hash - s) : linelen;
    start = 0;
    while (start < stop && (s[start] == ' ' || s[start] == '\t' || s[start] == '\r'
                            || s[start] == '\f' || s[start] == '\v'))
        start++;
    while (stop > start && (s[stop - 1] == ' ' || s[stop - 1] == '\t' || s[stop - 1] == '\r'
                            || s[stop - 1] == '\f' || s[stop - 1] == '\v'))
        stop--;
    if (stop == start)
        return 0;
    *tok = s + start;
    *toklen = stop - start;
    *col = (unsigned) start + 1;
    return 1;
}

/* cursor_init - skip a UTF-8 byte order mark; refuse UTF-16 and UTF-32 */

static int cursor_init(cursor *c, const char *name, const char *buf, size_t len, rm_diag *d)
{
    const unsigned char *u = (const unsigned char *) buf;

    c->buf = buf;
    c->len = len;
    c->pos = 0;
    c->line = 0;
    if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff))) {
        rm_diag_add(d, RM_SEV_ERROR, name, 1, 1,
                    "file is UTF-16 (byte order mark %02X %02X); save it as UTF-8 or ASCII",
                    u[0], u[1]);
        return -1;
    }
    if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
        c->pos = 3;
    return 0;
}

/* Sorting: an introspective quicksort, written out per record type so that
 * the load never calls qsort() (glibc's may allocate behind our back). */

static int cmp4(const rec4 *a, const rec4 *b)
{
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    if (a->hi != b->hi)
        return a->hi > b->hi ? -1 : 1;
    if (META_LINE(a->meta) != META_LINE(b->meta))
        return META_LINE(a->meta) < META_LINE(b->meta) ? -1 : 1;
    return 0;
}

static int cmp6(const rec6 *a, const rec6 *b)
{
    rm_u128 alo = R6LO(a), blo = R6LO(b), ahi = R6HI(a), bhi = R6HI(b);

    if (alo != blo)
        return alo < blo ? -1 : 1;
    if (ahi != bhi)
        return ahi > bhi ? -1 : 1;
    if (META_LINE(a->meta) != META_LINE(b->meta))
        return META_LINE(a->meta) < META_LINE(b->meta) ? -1 : 1;
    return 0;
}

#define DEFINE_SORT(NAME, T, CMP) \
static void NAME##_sift(T *a, size_t start, size_t n) \
{ \
    size_t root = start; \
    while (2 * root + 1 < n) { \
        size_t child = 2 * root + 1, sw = root; \
        if (CMP(&a[sw], &a[child]) < 0) sw = child; \
        if (child + 1 < n && CMP(&a[sw], &a[child + 1]) < 0) sw = child + 1; \
        if (sw == root) return; \
        T t = a[root]; a[root] = a[sw]; a[sw] = t; \
        root = sw; \
    } \
} \
static void NAME##_heap(T *a, size_t n) \
{ \
    for (size_t s = n / 2; s-- > 0;) NAME##_sift(a, s, n); \
    for (size_t e = n; e-- > 1;) { \
        T t = a[0]; a[0] = a[e]; a[e] = t; \
        NAME##_sift(a, 0, e); \
    } \
} \
static void NAME(T *a, size_t n, unsigned depth) \
{ \
    while (n > 16) { \
        if (depth-- == 0) { NAME##_heap(a, n); return; } \
        size_t mid = (n - 1) / 2, i, j; \
        T t; \
        if (CMP(&a[mid], &a[0]) < 0) { t = a[mid]; a[mid] = a[0]; a[0] = t; } \
        if (CMP(&a[n - 1], &a[0]) < 0) { t = a[n - 1]; a[n - 1] = a[0]; a[0] = t; } \
        if (CMP(&a[n - 1], &a[mid]) < 0) { t = a[n - 1]; a[n - 1] = a[mid]; a[mid] = t; } \
        T pivot = a[mid]; \
        i = 0; j = n - 1; \
        for (;;) { \
            while (CMP(&a[i], &pivot) < 0) i++; \
            while (CMP(&pivot, &a[j]) < 0) j--; \
            if (i >= j) break; \
            t = a[i]; a[i] = a[j]; a[j] = t; \
            i++; j--; \
        } \
        if (j + 1 < n - j - 1) { NAME(a, j + 1, depth); a += j + 1; n -= j + 1; } \
        else { NAME(a + j + 1, n - j - 1, depth); n = j + 1; } \
    } \
    for (size_t i = 1; i < n; i++) { \
        T t = a[i]; size_t k = i; \
        while (k > 0 && CMP(&t, &a[k - 1]) < 0) { a[k] = a[k - 1]; k--; } \
        a[k] = t; \
    } \
}

DEFINE_SORT(sort4, rec4, cmp4)
DEFINE_SORT(sort6, rec6, cmp6)

static unsigned sort_depth(size_t n)
{
    unsigned d = 0;

    while (n > 1) {
        n >>= 1;
        d++;
    }
    return 2 * d + 4;
}

/* level1_bits - first-level size for k indexed records: about 4 per slot */

static unsigned level1_bits(uint64_t k)
{
    unsigned b = 0;

    while (((uint64_t) 1 << (b + 1)) <= k / 4 && b < 20)
        b++;
    return k >= 64 ? b : 0;
}

static unsigned clz128(rm_u128 x, unsigned width)
{
    unsigned n = 0;

    while (n < width && !((x >> (width - 1 - n)) & 1))
        n++;
    return n;
}

/* bucket - the first-level slot of x: bits [shift, shift+bits) of a width-bit key */

static inline uint32_t bucket(rm_u128 x, unsigned width, unsigned shift, unsigned bits)
{
    rm_u128 wmask = width == 128 ? ~(rm_u128) 0 : (((rm_u128) 1 << width) - 1);

    if (bits == 0)
        return 0;
    x = (x << shift) & wmask;
    return (uint32_t) (x >> (width - bits));
}

static void level1_build(level1 *l1, unsigned width, rm_u128 first, rm_u128 last,
                         uint32_t k, rm_u128 (*lo_at)(const void *, uint32_t), const void *recs)
{
    uint32_t slots, i = 0, j;

    l1->shift = clz128(first ^ last, width);
    if (l1->shift >= width)
        l1->bits = 0;
    if (l1->bits > width - l1->shift)
        l1->bits = width - l1->shift;
    if (l1->bits == 0)
        return;
    slots = (uint32_t) 1 << l1->bits;
    for (j = 0; j < slots; j++) {
        while (i < k && bucket(lo_at(recs, i), width, l1->shift, l1->bits) < j)
            i++;
        l1->fl[j] = i;
    }
    l1->fl[slots] = k;
}

static rm_u128 lo_at4(const void *recs, uint32_t i)
{
    return ((const rec4 *) recs)[i].lo;
}

static rm_u128 lo_at6(const void *recs, uint32_t i)
{
    return R6LO(&((const rec6 *) recs)[i]);
}

/* sweep4 - move covered records behind the indexed ones; trim overlaps */

#define DEFINE_SWEEP(NAME, T, LO, HI, SETLO, FAMILY) \
static uint32_t NAME(T *r, uint32_t n, clip *cl, uint32_t *nclip, uint32_t clipcap) \
{ \
    uint32_t w = 0, i; \
    rm_u128 maxhi = 0; \
    for (i = 0; i < n; i++) { \
        rm_u128 lo = LO(&r[i]), hi = HI(&r[i]); \
        if (w > 0 && hi <= maxhi) \
            continue; \
        if (w > 0 && lo <= maxhi) { \
            if (*nclip < clipcap) { \
                cl[*nclip].idx = w; \
                cl[*nclip].family = FAMILY; \
                cl[*nclip].orig_lo = lo; \
                (*nclip)++; \
                r[i].meta |= META_CLIPPED; \
                SETLO(&r[i], maxhi + 1); \
            } \
        } \
        if (i != w) { T t = r[w]; r[w] = r[i]; r[i] = t; } \
        maxhi = hi; \
        w++; \
    } \
    return w; \
}

#define LO4(r) ((rm_u128) (r)->lo)
#define HI4(r) ((rm_u128) (r)->hi)
#define SETLO4(r, v) ((r)->lo = (uint32_t) (v))
#define SETLO6(r, v) do { rm_u128 v_ = (v); (r)->lo_h = (uint64_t) (v_ >> 64); (r)->lo_l = (uint64_t) v_; } while (0)

DEFINE_SWEEP(sweep4, rec4, LO4, HI4, SETLO4, RM_AF_INET)
DEFINE_SWEEP(sweep6, rec6, R6LO, R6HI, SETLO6, RM_AF_INET6)

/* load_counts - pass 1: validate every line, count entries by kind */

static int load_counts(const char *name, const char *buf, size_t len, counts *ct, rm_diag *d)
{
    cursor  c;
    const char *tok;
    size_t  toklen;
    unsigned col;
    int     rc;
    size_t  errors_before = d->errors;

    memset(ct, 0, sizeof(*ct));
    if (cursor_init(&c, name, buf, len, d) < 0)
        return -1;
    while ((rc = scan_line(&c, name, d, &tok, &toklen, &col)) != 2) {
        rm_entry e;
        rm_perr err;

        if (rc != 1)
            continue;
        if (c.line > META_LINE_MAX) {
            rm_diag_add(d, RM_SEV_ERROR, name, c.line, col, "line number over %u", META_LINE_MAX);
            continue;
        }
        if (rm_entry_parse(tok, toklen, &e, &err) < 0) {
            rm_diag_add(d, RM_SEV_ERROR, name, c.line, col + (unsigned) err.off, "%s", err.msg);
            continue;
        }
        if (!e.interval)
            ct->nside++;
        else if (e.family == RM_AF_INET)
            ct->n4++;
        else
            ct->n6++;
        if (e.form == RM_FORM_RANGE)
            ct->nrange++;
    }
    return d->errors > errors_before ? -1 : 0;
}

/* rm_list_load_buffer - build a list from memory */

int     rm_list_load_buffer(const char *name, const char *buf, size_t len,
                            const rm_limits *lim, rm_list **out, rm_diag *d)
{
    counts  ct;
    uint64_t total, clipcap;
    size_t  off, size, namelen = strlen(name) + 1;
    size_t  o_r4, o_r6, o_sd, o_cl, o_fl4, o_fl6, o_name;
    unsigned b4, b6;
    char   *arena;
    rm_list *l;
    cursor  c;
    const char *tok;
    size_t  toklen;
    unsigned col;
    int     rc;
    uint32_t i4 = 0, i6 = 0, is = 0;
    uint64_t max_entries = lim ? lim->max_entries : RM_DEFAULT_MAX_ENTRIES;
    uint64_t max_bytes = lim ? lim->max_bytes : RM_DEFAULT_MAX_BYTES;

    if (len > max_bytes) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0,
                    "file is %zu bytes, over the cap of %llu bytes; nothing loaded",
                    len, (unsigned long long) max_bytes);
        return -1;
    }
    if (load_counts(name, buf, len, &ct, d) < 0)
        return -1;
    total = ct.n4 + ct.n6 + ct.nside;
    if (total > max_entries || total > UINT32_MAX / 2) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0,
                    "list has %llu entries, over max_entries = %llu; nothing loaded",
                    (unsigned long long) total, (unsigned long long) max_entries);
        return -1;
    }
    clipcap = 2 * ct.nrange;
    if (clipcap > ct.n4 + ct.n6)
        clipcap = ct.n4 + ct.n6;
    b4 = level1_bits(ct.n4);
    b6 = level1_bits(ct.n6);

    off = align_up(sizeof(rm_list));
    o_r4 = off;
    off = align_up(off + (size_t) ct.n4 * sizeof(rec4));
    o_r6 = off;
    off = align_up(off + (size_t) ct.n6 * sizeof(rec6));
    o_sd = off;
    off = align_up(off + (size_t) ct.nside * sizeof(side));
    o_cl = off;
    off = align_up(off + (size_t) clipcap * sizeof(clip));
    o_fl4 = off;
    off = align_up(off + (b4 ? (((size_t) 1 << b4) + 1) * sizeof(uint32_t) : 0));
    o_fl6 = off;
    off = align_up(off + (b6 ? (((size_t) 1 << b6) + 1) * sizeof(uint32_t) : 0));
    o_name = off;
    size = off + namelen;

    if ((arena = rm_malloc(size)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0,
                    "out of memory allocating %zu bytes for %llu entries; nothing loaded",
                    size, (unsigned long long) total);
        return -1;
    }
    l = (rm_list *) (void *) arena;
    memset(l, 0, sizeof(*l));
    l->bytes = size;
    l->r4 = (rec4 *) (void *) (arena + o_r4);
    l->r6 = (rec6 *) (void *) (arena + o_r6);
    l->sd = (side *) (void *) (arena + o_sd);
    l->cl = (clip *) (void *) (arena + o_cl);
    l->l4.fl = (uint32_t *) (void *) (arena + o_fl4);
    l->l6.fl = (uint32_t *) (void *) (arena + o_fl6);
    l->l4.bits = b4;
    l->l6.bits = b6;
    l->name = arena + o_name;
    memcpy(l->name, name, namelen);

    /* Pass 2: parse straight into the arena.  Pass 1 proved every line. */
    cursor_init(&c, name, buf, len, d);
    while ((rc = scan_line(&c, name, NULL, &tok, &toklen, &col)) != 2) {
        rm_entry e;
        rm_perr err;
        uint32_t meta;

        if (rc != 1)
            continue;
        if (rm_entry_parse(tok, toklen, &e, &err) < 0)
            continue;                   /* cannot happen: pass 1 saw it */
        meta = c.line | ((uint32_t) e.form << META_FORM_SHIFT);
        if (!e.interval) {
            if (is >= ct.nside)
                break;
            l->sd[is].net = e.net;
            l->sd[is].mask = e.mask;
            l->sd[is].meta = meta;
            l->sd[is].family = e.family;
            is++;
        } else if (e.family == RM_AF_INET) {
            if (i4 >= ct.n4)
                break;
            l->r4[i4].lo = (uint32_t) e.lo;
            l->r4[i4].hi = (uint32_t) e.hi;
            l->r4[i4].meta = meta;
            i4++;
        } else {
            rec6   *r;

            if (i6 >= ct.n6)
                break;
            r = &l->r6[i6++];
            r->lo_h = (uint64_t) (e.lo >> 64);
            r->lo_l = (uint64_t) e.lo;
            r->hi_h = (uint64_t) (e.hi >> 64);
            r->hi_l = (uint64_t) e.hi;
            r->meta = meta;
        }
    }
    l->n4 = i4;
    l->n6 = i6;
    l->nside = is;

    sort4(l->r4, l->n4, sort_depth(l->n4));
    sort6(l->r6, l->n6, sort_depth(l->n6));
    l->k4 = sweep4(l->r4, l->n4, l->cl, &l->nclip, (uint32_t) clipcap);
    l->k6 = sweep6(l->r6, l->n6, l->cl, &l->nclip, (uint32_t) clipcap);
    /* IPv4 clients are matched as IPv4, but an IPv6 entry that reaches into
     * ::ffff:0:0/96 (::/80, say) matches them too; note it so lookups of
     * IPv4 clients also try the mapped form. */
    for (uint32_t i = 0; i < l->k6 && !l->v6_maps_v4; i++)
        l->v6_maps_v4 = R6LO(&l->r6[i]) <= RM_V4_MAPPED_HI && R6HI(&l->r6[i]) >= RM_V4_MAPPED_LO;
    for (uint32_t i = 0; i < l->nside && !l->v6_maps_v4; i++)
        l->v6_maps_v4 = l->sd[i].family == RM_AF_INET6
            && ((RM_V4_MAPPED_LO ^ l->sd[i].net) & l->sd[i].mask & ~(rm_u128) 0xffffffffu) == 0;
    if (l->k4 > 1)
        level1_build(&l->l4, 32, l->r4[0].lo, l->r4[l->k4 - 1].lo, l->k4, lo_at4, l->r4);
    else
        l->l4.bits = 0;
    if (l->k6 > 1)
        level1_build(&l->l6, 128, R6LO(&l->r6[0]), R6LO(&l->r6[l->k6 - 1]), l->k6, lo_at6, l->r6);
    else
        l->l6.bits = 0;
    *out = l;
    return 0;
}

/* rm_list_load - read a list file in one read and build it */

int     rm_list_load(const char *path, const rm_limits *lim, rm_list **out, rm_diag *d)
{
    struct stat st;
    char   *buf;
    size_t  got = 0;
    int     fd, rc;
    uint64_t max_bytes = lim ? lim->max_bytes : RM_DEFAULT_MAX_BYTES;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == -1) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot stat: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "not a regular file");
        close(fd);
        return -1;
    }
    if ((uint64_t) st.st_size > max_bytes) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0,
                    "file is %llu bytes, over the cap of %llu bytes; nothing loaded",
                    (unsigned long long) st.st_size, (unsigned long long) max_bytes);
        close(fd);
        return -1;
    }
    if ((buf = rm_malloc((size_t) st.st_size + 1)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0,
                    "out of memory reading %llu bytes; nothing loaded",
                    (unsigned long long) st.st_size);
        close(fd);
        return -1;
    }
    /* Read to the size fstat saw, then insist on end of file: a list that
     * grows while it is read is being written, and is not loaded. */
    for (;;) {
        ssize_t n = read(fd, buf + got, (size_t) st.st_size + 1 - got);

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1) {
            rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "read error: %s", strerror(errno));
            rm_free(buf);
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t) n;
        if (got > (size_t) st.st_size) {
            rm_diag_add(d, RM_SEV_ERROR, path, 0, 0,
                        "file changed while it was read; nothing loaded");
            rm_free(buf);
            close(fd);
            return -1;
        }
    }
    close(fd);
    rc = rm_list_load_buffer(path, buf, got, lim, out, d);
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

/* search - last record in [lo, hi) whose start is <= x, or lo - 1 */

#define DEFINE_FIND(NAME, T, LO, WIDTH, L1) \
static inline int64_t NAME(const rm_list *l, rm_u128 x) \
{ \
    const T *r = L1##_recs(l); \
    uint32_t k = L1##_k(l), lo, hi; \
    const level1 *l1 = L1##_l1(l); \
    if (k == 0 || x < LO(&r[0])) \
        return -1; \
    if (x >= LO(&r[k - 1])) \
        return k - 1; \
    if (l1->bits) { \
        uint32_t b = bucket(x, WIDTH, l1->shift, l1->bits); \
        lo = l1->fl[b]; \
        hi = l1->fl[b + 1]; \
    } else { \
        lo = 0; \
        hi = k; \
    } \
    while (lo < hi) { \
        uint32_t mid = lo + (hi - lo) / 2; \
        if (LO(&r[mid]) <= x) lo = mid + 1; else hi = mid; \
    } \
    return (int64_t) lo - 1; \
}

static inline const rec4 *f4_recs(const rm_list *l) { return l->r4; }
static inline uint32_t f4_k(const rm_list *l) { return l->k4; }
static inline const level1 *f4_l1(const rm_list *l) { return &l->l4; }
static inline const rec6 *f6_recs(const rm_list *l) { return l->r6; }
static inline uint32_t f6_k(const rm_list *l) { return l->k6; }
static inline const level1 *f6_l1(const rm_list *l) { return &l->l6; }

DEFINE_FIND(find4, rec4, LO4, 32, f4)
DEFINE_FIND(find6, rec6, R6LO, 128, f6)

/* match_family - the interval index, then the side table, of x's family */

static bool match_family(const rm_list *l, const rm_addr *x, rm_match *m)
{
    int64_t i;

    if (x->family == RM_AF_INET) {
        if ((i = find4(l, x->v)) >= 0 && x->v <= l->r4[i].hi) {
            if (m)
                m->entry = (uint32_t) i;
            return true;
        }
    } else if (x->family == RM_AF_INET6) {
        if ((i = find6(l, x->v)) >= 0 && x->v <= R6HI(&l->r6[i])) {
            if (m)
                m->entry = l->n4 + (uint32_t) i;
            return true;
        }
    } else {
        return false;
    }
    for (uint32_t s = 0; s < l->nside; s++) {
        const side *sd = &l->sd[s];

        if (sd->family == (uint32_t) x->family && (x->v & sd->mask) == sd->net) {
            if (m)
                m->entry = l->n4 + l->n6 + s;
            return true;
        }
    }
    return false;
}

/* rm_list_match - does a match any entry?  IPv4-mapped IPv6 addresses are
 * IPv4 clients: they match IPv4 entries, and IPv6 entries that cover their
 * mapped form. */

bool    rm_list_match(const rm_list *l, const rm_addr *a, rm_match *m)
{
    rm_addr x = *a;

    rm_addr_unmap(&x);
    if (match_family(l, &x, m))
        return true;
    if (x.family == RM_AF_INET && l->v6_maps_v4) {
        rm_addr mapped = {RM_AF_INET6, RM_V4_MAPPED_LO | x.v};

        return match_family(l, &mapped, m);
    }
    return false;
}

uint32_t rm_list_count(const rm_list *l)
{
    return l->n4 + l->n6 + l->nside;
}

uint32_t rm_list_count_family(const rm_list *l, enum rm_family f)
{
    uint32_t n = f == RM_AF_INET ? l->n4 : f == RM_AF_INET6 ? l->n6 : 0;

    for (uint32_t s = 0; s < l->nside; s++)
        if (l->sd[s].family == (uint32_t) f)
            n++;
    return n;
}

const char *rm_list_name(const rm_list *l)
{
    return l->name;
}

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

static void fill_plen(rm_entry *e)
{
    unsigned bits = rm_entry_bits(e);

    e->plen = -1;
    for (unsigned p = 0; p <= bits; p++) {
        rm_u128 mask = rm_mask_from_plen(p, bits);
        rm_u128 all = bits == 32 ? 0xffffffffu : ~(rm_u128) 0;

        if ((e->lo & ~mask) == 0 && e->hi == (e->lo | (~mask & all))) {
            e->plen = (int) p;
            return;
        }
    }
}

/* rm_list_entry - describe one entry */

int     rm_list_entry(const rm_list *l, uint32_t idx, rm_entry_info *info)
{
    uint32_t meta;
    rm_entry *e = &info->entry;

    memset(info, 0, sizeof(*info));
    if (idx < l->n4) {
        const rec4 *r = &l->r4[idx];

        meta = r->meta;
        e->family = RM_AF_INET;
        e->lo = (meta & META_CLIPPED) ? orig_lo(l, RM_AF_INET, idx, r->lo) : r->lo;
        e->hi = r->hi;
        info->indexed = idx < l->k4;
    } else if (idx < l->n4 + l->n6) {
        const rec6 *r = &l->r6[idx - l->n4];

        meta = r->meta;
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
    fill_plen(e);
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
            if ((i = find4(l, x)) < 0 || x > l->r4[i].hi)
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
