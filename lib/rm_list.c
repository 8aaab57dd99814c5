/* SPDX-License-Identifier: BSD-2-Clause */
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
 * Exchange entries with non-contiguous or dead masks match no interval;
 * they live in a side table, matched as (IP AND mask) == net through
 * rm_mask's index: a hash table per distinct mask.
 *
 * Line index.  A large IPv4 list (LINE4_MIN_RECORDS and up) outgrows the
 * caches, and then the first level and the records cost a lookup two or
 * three cache misses.  So the span of its starts is also cut into buckets
 * of at most 2^16 addresses, and each bucket is one 64-byte line that
 * holds, as 16-bit offsets, where each region inside it begins (a record,
 * or a gap after one) and which of the two it is.  One line then answers
 * the lookup: whether x is inside a record, and which.  The few buckets
 * with more boundaries than a line holds are marked full, and their
 * lookups take the first-level path.
 */

#include <sys/stat.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "rm_file.h"
#include "rm_list.h"
#include "rm_list_isa.h"
#include "rm_mask.h"
#include "rm_mem.h"

#define META_LINE_BITS  28
#define META_LINE_MAX   ((1u << META_LINE_BITS) - 1)
#define META_FORM_SHIFT 28
#define META_CLIPPED    (1u << 31)
#define META_LINE(m)    ((m) & META_LINE_MAX)
#define META_FORM(m)    ((enum rm_form) (((m) >> META_FORM_SHIFT) & 7u))

/*
 * Records are kept apart from their provenance (meta: line, form, clipped)
 * so that a lookup touches only what decides: for IPv4 the 8-byte
 * [lo, hi] records, for IPv6 first a dense array of the top 64 bits of
 * each start (eight to a cache line), then one 32-byte record.
 */
typedef struct rec4 {
    uint32_t lo;
    uint32_t hi;
} rec4;

typedef struct rec6 {
    uint64_t lo_h, lo_l;
    uint64_t hi_h, hi_l;
} rec6;

typedef rm_mask_entry side;                /* rm_mask indexes them */

typedef struct clip {
    uint32_t idx;                       /* record index (family's own array) */
    uint32_t family;
    rm_u128 orig_lo;
} clip;

typedef struct level1 {
    uint32_t *fl;                       /* 2^bits + 1 record indices */
    unsigned shift;                     /* common prefix length of the starts */
    unsigned bits;                      /* 0: no first level */
    unsigned steps;                     /* 2^steps >= the most records in a slot */
} level1;

/*
 * One bucket of the line index, one cache line.  off[0..n) are the
 * boundaries in the bucket, ascending, as offsets from its first address;
 * the rest are 0xffff.  Bit i of type says whether off[i] starts a record
 * (1) or a gap (0).  base is the index of the first record that starts in
 * the bucket or after it, and carry says whether the bucket begins inside
 * record base - 1.
 */
#define LINE4_MIN_RECORDS  ((uint64_t) 6 << 16) /* 2^16 buckets, about 6 records each */
#define LINE4_LANES        28
#define LINE4_CAP          27                   /* type bits that fit beside the count */
#define LINE4_FULL         31u                  /* count value of a full bucket */
#define LINE4_TYPE_MASK    ((1u << LINE4_CAP) - 1)

typedef struct lbucket {
    _Alignas(64) uint16_t off[LINE4_LANES];
    uint32_t base;                      /* bit 31: carry; bits 0-30: first record */
    uint32_t info;                      /* bits 0-26: type; bits 27-31: count */
} lbucket;

typedef struct line4 {
    lbucket *b;
    unsigned bits;                      /* 0: no line index */
    unsigned span;                      /* a bucket covers 2^span addresses, span <= 16 */
} line4;

struct rm_list {
    char   *name;
    size_t  bytes;
    uint32_t n4, k4;                    /* records, indexed records */
    uint32_t n6, k6;
    uint32_t nside;
    uint32_t nclip;
    bool    v6_maps_v4;                 /* some IPv6 entry reaches into ::ffff:0:0/96 */
    rec4   *r4;
    uint32_t *m4;
    rec6   *r6;
    uint32_t *m6;
    uint64_t *key6;                     /* top 64 bits of r6[i].lo */
    side   *sd;
    rm_mask_index mx;                   /* the index of sd */
    clip   *cl;
    level1  l4, l6;
    line4   ln4;
    /* What the single-lookup fast path reads, beside the header's other
     * fields: the line index answers x alone when fast4 is set and
     * x - lo4 < span4 (x inside [first start, last start)). */
    bool    fast4;
    uint32_t lo4, span4;
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

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * scan_line - find the next line's entry text.  Returns 1 with *tok, *toklen
 * and *col set when the line holds an entry, 0 for a blank or comment line,
 * -1 for a line with a fault already reported, 2 at end of input.
 */
static int scan_line(cursor *c, const char *name, rm_diag *d,
                     const char **tok, size_t *toklen, unsigned *col)
{
    const char *s, *nl, *end, *hash, *nul;
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
        rm_diag_add(d, RM_SEV_ERROR, name, c->line, RM_MAX_LINE + 1,
                    "line is longer than %d bytes", RM_MAX_LINE);
        return -1;
    }
    if ((nul = memchr(s, '\0', linelen)) != NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, c->line, (unsigned) (nul - s) + 1,
                    "NUL byte (is this a binary file?)");
        return -1;
    }
    if ((bad = utf8_bad((const unsigned char *) s, linelen)) < linelen) {
        rm_diag_add(d, RM_SEV_ERROR, name, c->line, (unsigned) bad + 1,
                    "not UTF-8 text: byte 0x%02X", (unsigned char) s[bad]);
        return -1;
    }
    hash = memchr(s, '#', linelen);
    stop = hash ? (size_t) (hash - s) : linelen;
    start = 0;
    while (start < stop && is_blank(s[start]))
        start++;
    while (stop > start && is_blank(s[stop - 1]))
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
        while (i < n && (is_blank(s[i]) || (unsigned char) s[i] >= 0x80))
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

/* Sorting: an introspective quicksort over records and their meta in
 * step, written per family so that a load never calls qsort() (glibc's may
 * allocate behind our back). */

static inline int cmp4(const rec4 *a, uint32_t am, const rec4 *b, uint32_t bm)
{
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    if (a->hi != b->hi)
        return a->hi > b->hi ? -1 : 1;
    if (META_LINE(am) != META_LINE(bm))
        return META_LINE(am) < META_LINE(bm) ? -1 : 1;
    return 0;
}

static inline int cmp6(const rec6 *a, uint32_t am, const rec6 *b, uint32_t bm)
{
    if (a->lo_h != b->lo_h)
        return a->lo_h < b->lo_h ? -1 : 1;
    if (a->lo_l != b->lo_l)
        return a->lo_l < b->lo_l ? -1 : 1;
    if (a->hi_h != b->hi_h)
        return a->hi_h > b->hi_h ? -1 : 1;
    if (a->hi_l != b->hi_l)
        return a->hi_l > b->hi_l ? -1 : 1;
    if (META_LINE(am) != META_LINE(bm))
        return META_LINE(am) < META_LINE(bm) ? -1 : 1;
    return 0;
}

#define SWAP2(r, m, i, j) do { \
    T t_ = r[i]; r[i] = r[j]; r[j] = t_; \
    uint32_t u_ = m[i]; m[i] = m[j]; m[j] = u_; \
} while (0)

#define DEFINE_SORT(NAME, T_, CMP) \
static void NAME##_sift(T_ *r, uint32_t *m, size_t start, size_t n) \
{ \
    typedef T_ T; \
    size_t root = start; \
    while (2 * root + 1 < n) { \
        size_t child = 2 * root + 1, sw = root; \
        if (CMP(&r[sw], m[sw], &r[child], m[child]) < 0) sw = child; \
        if (child + 1 < n && CMP(&r[sw], m[sw], &r[child + 1], m[child + 1]) < 0) sw = child + 1; \
        if (sw == root) return; \
        SWAP2(r, m, root, sw); \
        root = sw; \
    } \
} \
static void NAME##_heap(T_ *r, uint32_t *m, size_t n) \
{ \
    typedef T_ T; \
    for (size_t s = n / 2; s-- > 0;) NAME##_sift(r, m, s, n); \
    for (size_t e = n; e-- > 1;) { \
        SWAP2(r, m, 0, e); \
        NAME##_sift(r, m, 0, e); \
    } \
} \
static void NAME(T_ *r, uint32_t *m, size_t n, unsigned depth) \
{ \
    typedef T_ T; \
    while (n > 16) { \
        if (depth-- == 0) { NAME##_heap(r, m, n); return; } \
        size_t mid = (n - 1) / 2, i, j; \
        if (CMP(&r[mid], m[mid], &r[0], m[0]) < 0) SWAP2(r, m, mid, 0); \
        if (CMP(&r[n - 1], m[n - 1], &r[0], m[0]) < 0) SWAP2(r, m, n - 1, 0); \
        if (CMP(&r[n - 1], m[n - 1], &r[mid], m[mid]) < 0) SWAP2(r, m, n - 1, mid); \
        T pivot = r[mid]; \
        uint32_t pm = m[mid]; \
        i = 0; j = n - 1; \
        for (;;) { \
            while (CMP(&r[i], m[i], &pivot, pm) < 0) i++; \
            while (CMP(&pivot, pm, &r[j], m[j]) < 0) j--; \
            if (i >= j) break; \
            SWAP2(r, m, i, j); \
            i++; j--; \
        } \
        if (j + 1 < n - j - 1) { NAME(r, m, j + 1, depth); r += j + 1; m += j + 1; n -= j + 1; } \
        else { NAME(r + j + 1, m + j + 1, n - j - 1, depth); n = j + 1; } \
    } \
    for (size_t i = 1; i < n; i++) { \
        T t = r[i]; uint32_t tm = m[i]; size_t k = i; \
        while (k > 0 && CMP(&t, tm, &r[k - 1], m[k - 1]) < 0) { r[k] = r[k - 1]; m[k] = m[k - 1]; k--; } \
        r[k] = t; m[k] = tm; \
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

/* level1_bits - first-level size for k records: about 2^spread per slot */

static unsigned level1_bits(uint64_t k, unsigned spread, unsigned max)
{
    unsigned b = 0;

    while (((uint64_t) 1 << (b + 1)) <= (k >> spread) && b < max)
        b++;
    return k >= 64 ? b : 0;
}

/* steps_for - binary search steps that cover n records */

static unsigned steps_for(uint32_t n)
{
    unsigned s = 0;

    while (((uint64_t) 1 << s) < n)
        s++;
    return s;
}

static unsigned clz128(rm_u128 x, unsigned width)
{
    unsigned n = 0;

    while (n < width && !((x >> (width - 1 - n)) & 1))
        n++;
    return n;
}

/* bucket6 - the first-level slot of x: bits [shift, shift+bits) */

static inline uint32_t bucket6(rm_u128 x, unsigned shift, unsigned bits)
{
    return (uint32_t) ((x << shift) >> (128 - bits));
}

static inline uint32_t bucket4(uint32_t x, unsigned shift, unsigned bits)
{
    return (uint32_t) (((uint64_t) x << (32 + shift)) >> (64 - bits));
}

/* level1_build - fl[j] is the first record whose slot is >= j */

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
    /* level1_bits() caps bits at 22; clang's analyzer loses that in its
     * loop, and the assertion gives it back. */
    assert(l1->bits < 32);
    slots = (uint32_t) 1 << l1->bits;
    for (j = 0; j < slots; j++) {
        while (i < k && (width == 32 ? bucket4((uint32_t) lo_at(recs, i), l1->shift, l1->bits)
                         : bucket6(lo_at(recs, i), l1->shift, l1->bits)) < j)
            i++;
        l1->fl[j] = i;
    }
    l1->fl[slots] = k;
    {
        uint32_t most = 0;

        for (j = 0; j < slots; j++)
            if (l1->fl[j + 1] - l1->fl[j] > most)
                most = l1->fl[j + 1] - l1->fl[j];
        l1->steps = steps_for(most);
    }
}

static rm_u128 lo_at4(const void *recs, uint32_t i)
{
    return ((const rec4 *) recs)[i].lo;
}

static rm_u128 lo_at6(const void *recs, uint32_t i)
{
    return R6LO(&((const rec6 *) recs)[i]);
}

/* line4_bits - line index size for n IPv4 records: 6 to 12 records a
 * bucket, and at least 2^16 buckets, so that a bucket spans at most 2^16
 * addresses whatever the common prefix; 0 below LINE4_MIN_RECORDS, where
 * the list stays in the caches and the first level is as fast. */
static unsigned line4_bits(uint64_t n)
{
    unsigned b = 16;

    if (n < LINE4_MIN_RECORDS)
        return 0;
    while (b < 24 && ((uint64_t) 12 << b) <= n)
        b++;
    return b;
}

/* pop32 - bits set in v (no popcnt instruction in the x86-64 baseline) */

static inline unsigned pop32(uint32_t v)
{
    v = v - ((v >> 1) & 0x55555555u);
    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
    return (((v + (v >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24;
}

static void line4_add(line4 *ln, unsigned shift, uint32_t x, uint32_t type)
{
    lbucket *bk = &ln->b[bucket4(x, shift, ln->bits)];
    uint32_t n = bk->info >> 27;

    if (n == LINE4_FULL)
        return;
    if (n == LINE4_CAP) {
        bk->info = LINE4_FULL << 27;
        return;
    }
    bk->off[n] = (uint16_t) (x & (((uint32_t) 1 << ln->span) - 1));
    bk->info = ((bk->info & LINE4_TYPE_MASK) | (type << n)) | ((n + 1) << 27);
}

/*
 * line4_build - fill the line index from the swept IPv4 records (disjoint,
 * ascending), after level1_build has found their common prefix.  The
 * boundaries are each record's start, and the address after its end unless
 * the next record starts there; they come in ascending order.
 */
static void line4_build(rm_list *l)
{
    line4  *ln = &l->ln4;
    const rec4 *r = l->r4;
    uint32_t k = l->k4, nb, i = 0;
    unsigned shift = l->l4.shift;
    uint32_t top, prefix;

    if (ln->bits == 0 || k < 2 || l->l4.bits == 0 || shift >= 32) {
        ln->bits = 0;
        return;
    }
    if (ln->bits > 32 - shift)
        ln->bits = 32 - shift;
    ln->span = 32 - shift - ln->bits;
    nb = (uint32_t) 1 << ln->bits;
    top = shift ? ~(0xffffffffu >> shift) : 0;
    prefix = r[0].lo & top;
    for (uint32_t j = 0; j < nb; j++) {
        uint32_t start = prefix | (uint32_t) ((uint64_t) j << ln->span);
        uint32_t carry;

        while (i < k && r[i].lo < start)
            i++;
        carry = i > 0 && r[i - 1].hi >= start;
        memset(ln->b[j].off, 0xff, sizeof(ln->b[j].off));
        ln->b[j].base = i | (carry << 31);
        ln->b[j].info = 0;
    }
    for (i = 0; i < k; i++) {
        uint32_t e = r[i].hi + 1;

        line4_add(ln, shift, r[i].lo, 1);
        if (r[i].hi != 0xffffffffu && (i + 1 == k || r[i + 1].lo != e) && (e & top) == prefix)
            line4_add(ln, shift, e, 0);
    }
}

/*
 * line4_find - answer x from its bucket: returns whether x is inside a
 * record and sets *cand to the last record starting at or below x (-1 if
 * none), as find4 would; returns -1 if the bucket is full.  The offsets are
 * compared all 28 (the compiler makes that a few vector compares), and
 * the count is clamped to the bucket's boundaries, since unused lanes hold
 * 0xffff, which an offset of 0xffff reaches.
 */
static inline uint32_t line4_le(const lbucket *bk, uint32_t o)
{
#if defined(__SSE2__)
    /* Lane i of the mask is set when off[i] <= o, that is when the
     * saturating difference off[i] - o is zero. */
    const __m128i *v = (const __m128i *) (const void *) bk;
    __m128i ov = _mm_set1_epi16((short) o), z = _mm_setzero_si128();
    __m128i a = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_load_si128(v), ov), z);
    __m128i b = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_load_si128(v + 1), ov), z);
    __m128i c = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_load_si128(v + 2), ov), z);
    __m128i d = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_load_si128(v + 3), ov), z);

    return (uint32_t) _mm_movemask_epi8(_mm_packs_epi16(a, b))
        | ((uint32_t) _mm_movemask_epi8(_mm_packs_epi16(c, d)) << 16);
#else
    uint32_t m = 0;

    for (unsigned i = 0; i < LINE4_LANES; i++)
        m |= (uint32_t) (bk->off[i] <= o) << i;
    return m;
#endif
}

static inline int line4_find(const lbucket *bk, uint32_t o, int64_t *cand)
{
    uint32_t info = bk->info, n = info >> 27, m, le, t;

    if (n == LINE4_FULL)
        return -1;
    /* The offsets ascend, so the lanes at or below o are a prefix; the
     * count clamps off the unused lanes (0xffff, which o can equal) and
     * the bucket's last 8 bytes (base and info, lanes 28 to 31). */
    m = line4_le(bk, o) & (((uint32_t) 1 << n) - 1);
    le = (uint32_t) __builtin_ctz(~m);
    /* Bit 0: the region before the first boundary (the carry); bit i+1:
     * the region off[i] begins. */
    t = ((info & LINE4_TYPE_MASK) << 1) | (bk->base >> 31);
    *cand = (int64_t) (bk->base & 0x7fffffffu) + pop32(info & m) - 1;
    return (int) ((t >> le) & 1);
}

/*
 * sweep - move the records that an earlier record covers behind the
 * indexed ones, and trim the start of a record that overlaps its
 * predecessor partially (only ranges do), remembering where it started.
 */
#define DEFINE_SWEEP(NAME, T_, LO, HI, SETLO, FAMILY) \
static uint32_t NAME(T_ *r, uint32_t *m, uint32_t n, clip *cl, uint32_t *nclip, uint32_t clipcap) \
{ \
    typedef T_ T; \
    uint32_t w = 0, i; \
    rm_u128 maxhi = 0; \
    for (i = 0; i < n; i++) { \
        rm_u128 lo = LO(&r[i]), hi = HI(&r[i]); \
        if (w > 0 && hi <= maxhi) \
            continue; \
        if (w > 0 && lo <= maxhi && *nclip < clipcap) { \
            cl[*nclip].idx = w; \
            cl[*nclip].family = FAMILY; \
            cl[*nclip].orig_lo = lo; \
            (*nclip)++; \
            m[i] |= META_CLIPPED; \
            SETLO(&r[i], maxhi + 1); \
        } \
        if (i != w) SWAP2(r, m, w, i); \
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

/* parse_into - pass 2: parse every line into the arena, reporting every
 * error; returns the number of errors. */

static size_t parse_into(rm_list *l, const char *name, const char *buf, size_t len,
                         const counts *ct, rm_diag *d)
{
    cursor  c;
    const char *tok;
    size_t  toklen, errors = 0;
    unsigned col;
    int     rc;

    if (cursor_init(&c, name, buf, len, d) < 0)
        return 1;
    while ((rc = scan_line(&c, name, d, &tok, &toklen, &col)) != 2) {
        rm_entry e;
        rm_perr err;
        uint32_t meta;

        if (rc < 0)
            errors++;
        if (rc != 1)
            continue;
        if (c.line > META_LINE_MAX) {
            rm_diag_add(d, RM_SEV_ERROR, name, c.line, col, "line number over %u", META_LINE_MAX);
            errors++;
            continue;
        }
        if (rm_entry_parse(tok, toklen, &e, &err) < 0) {
            rm_diag_add(d, RM_SEV_ERROR, name, c.line, col + (unsigned) err.off, "%s", err.msg);
            errors++;
            continue;
        }
        if (errors)
            continue;                   /* keep finding errors; store nothing more */
        meta = c.line | ((uint32_t) e.form << META_FORM_SHIFT);
        if (!e.interval) {
            if (l->nside >= ct->nside)
                goto overflow;
            l->sd[l->nside].net = e.net;
            l->sd[l->nside].mask = e.mask;
            l->sd[l->nside].meta = meta;
            l->sd[l->nside].family = e.family;
            l->nside++;
        } else if (e.family == RM_AF_INET) {
            if (l->n4 >= ct->n4)
                goto overflow;
            l->r4[l->n4].lo = (uint32_t) e.lo;
            l->r4[l->n4].hi = (uint32_t) e.hi;
            l->m4[l->n4] = meta;
            l->n4++;
        } else {
            rec6   *r;

            if (l->n6 >= ct->n6)
                goto overflow;
            r = &l->r6[l->n6];
            r->lo_h = (uint64_t) (e.lo >> 64);
            r->lo_l = (uint64_t) e.lo;
            r->hi_h = (uint64_t) (e.hi >> 64);
            r->hi_l = (uint64_t) e.hi;
            l->m6[l->n6] = meta;
            l->n6++;
        }
        continue;
overflow:
        /* The byte scan bounds every kind; reaching here is a bug, not input. */
        rm_diag_add(d, RM_SEV_ERROR, name, c.line, col, "internal error: entry count bound exceeded");
        errors++;
    }
    return errors;
}

/* rm_list_load_buffer - build a list from memory */

int     rm_list_load_buffer(const char *name, const char *buf, size_t len,
                            const rm_limits *lim, rm_list **out, rm_diag *d)
{
    counts  ct;
    uint64_t clipcap;
    size_t  off, size, namelen = strlen(name) + 1;
    size_t  o_r4, o_m4, o_r6, o_m6, o_k6, o_sd, o_mx, o_cl, o_fl4, o_fl6, o_ln4, o_name;
    unsigned b4, b6, bl4;
    char   *arena, *base;
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
    clipcap = 2 * ct.nrange;
    if (clipcap > ct.n4 + ct.n6)
        clipcap = ct.n4 + ct.n6;
    /* IPv4: a slot per record or so (4 bytes each); IPv6: one per two, to
     * stay within its memory budget. */
    b4 = level1_bits(ct.n4, 1, 22);
    b6 = level1_bits(ct.n6, 1, 21);
    bl4 = line4_bits(ct.n4);

    off = align_up(sizeof(rm_list));
    o_r4 = off;
    off = align_up(off + (size_t) ct.n4 * sizeof(rec4));
    o_m4 = off;
    off = align_up(off + (size_t) ct.n4 * sizeof(uint32_t));
    o_r6 = off;
    off = align_up(off + (size_t) ct.n6 * sizeof(rec6));
    o_m6 = off;
    off = align_up(off + (size_t) ct.n6 * sizeof(uint32_t));
    o_k6 = off;
    off = align_up(off + (size_t) ct.n6 * sizeof(uint64_t));
    o_sd = off;
    off = align_up(off + (size_t) ct.nside * sizeof(side));
    o_mx = off;
    off = align_up(off + rm_mask_bytes(ct.nside, ct.nside6));
    o_cl = off;
    off = align_up(off + (size_t) clipcap * sizeof(clip));
    o_fl4 = off;
    off = align_up(off + (b4 ? (((size_t) 1 << b4) + 1) * sizeof(uint32_t) : 0));
    o_fl6 = off;
    off = align_up(off + (b6 ? (((size_t) 1 << b6) + 1) * sizeof(uint32_t) : 0));
    o_ln4 = off;                        /* aligned to a cache line below */
    off = align_up(off + (bl4 ? ((size_t) 1 << bl4) * sizeof(lbucket) : 0));
    o_name = off;
    size = off + namelen + 63;          /* 63: to align the arrays below */

    if ((arena = rm_malloc(size)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0,
                    "out of memory allocating %zu bytes for %llu entries; nothing loaded",
                    size, (unsigned long long) ct.lines);
        return -1;
    }
    rm_mem_huge(arena, size);           /* a large list is read at random */
    l = (rm_list *) (void *) arena;
    memset(l, 0, sizeof(*l));
    l->bytes = size;
    /* The header stays at the start (it is what rm_list_free frees); the
     * arrays are laid out from the first cache line boundary on. */
    base = arena + ((64 - ((uintptr_t) arena & 63)) & 63);
    l->r4 = (rec4 *) (void *) (base + o_r4);
    l->m4 = (uint32_t *) (void *) (base + o_m4);
    l->r6 = (rec6 *) (void *) (base + o_r6);
    l->m6 = (uint32_t *) (void *) (base + o_m6);
    l->key6 = (uint64_t *) (void *) (base + o_k6);
    l->sd = (side *) (void *) (base + o_sd);
    l->cl = (clip *) (void *) (base + o_cl);
    l->l4.fl = (uint32_t *) (void *) (base + o_fl4);
    l->l6.fl = (uint32_t *) (void *) (base + o_fl6);
    l->l4.bits = b4;
    l->l6.bits = b6;
    l->ln4.b = (lbucket *) (void *) (base + o_ln4);
    l->ln4.bits = bl4;
    l->name = base + o_name;
    memcpy(l->name, name, namelen);

    if (parse_into(l, name, buf, len, &ct, d) > 0) {
        rm_free(arena);
        return -1;
    }

    rm_mask_build(&l->mx, base + o_mx, ct.nside6, l->sd, l->nside);
    sort4(l->r4, l->m4, l->n4, sort_depth(l->n4));
    sort6(l->r6, l->m6, l->n6, sort_depth(l->n6));
    l->k4 = sweep4(l->r4, l->m4, l->n4, l->cl, &l->nclip, (uint32_t) clipcap);
    l->k6 = sweep6(l->r6, l->m6, l->n6, l->cl, &l->nclip, (uint32_t) clipcap);
    for (uint32_t i = 0; i < l->n6; i++)
        l->key6[i] = l->r6[i].lo_h;

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
    if (l->l4.bits == 0)
        l->l4.steps = steps_for(l->k4);
    if (l->k6 > 1)
        level1_build(&l->l6, 128, R6LO(&l->r6[0]), R6LO(&l->r6[l->k6 - 1]), l->k6, lo_at6, l->r6);
    else
        l->l6.bits = 0;
    if (l->l6.bits == 0)
        l->l6.steps = steps_for(l->k6);
    line4_build(l);
    l->fast4 = l->ln4.bits && l->nside == 0 && !l->v6_maps_v4;
    if (l->fast4) {
        l->lo4 = l->r4[0].lo;
        l->span4 = l->r4[l->k4 - 1].lo - l->lo4;
    }
    *out = l;
    return 0;
}

/* rm_list_load - read a list file in one read and build it */

int     rm_list_load(const char *path, const rm_trust *t, const rm_limits *lim, rm_list **out, rm_diag *d)
{
    char   *buf;
    size_t  len;
    int     rc;

    if (rm_file_read(path, t, lim ? lim->max_bytes : RM_DEFAULT_MAX_BYTES, &buf, &len, NULL, d) < 0)
        return -1;
    rc = rm_list_load_buffer(path, buf, len, lim, out, d);
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

/*
 * find4 - the last indexed record whose start is <= x, or -1.  The first
 * level gives the first record of x's slot; a search of a fixed number of
 * steps (enough for the fullest slot) finds the answer there.  Records
 * past the slot start above x, so probing past it is harmless, and probes
 * past the end are clamped to the last record, which starts above x too.
 * With no data-dependent branches (a conditional move per step) the
 * processor runs several lookups' memory reads at once.
 */
/*
 * search4 - the slot of x holds records [pos, end); a fixed number of
 * steps finds the last whose start is <= x.  Probes stay inside the slot,
 * so a lookup reads the slot's cache line and no other.  If no record of
 * the slot starts at or below x, the answer is the record before it.
 */
static inline int64_t search4(const rm_list *l, uint32_t x, uint32_t pos, uint32_t end)
{
    const rec4 *r = l->r4;

    for (uint32_t step = ((uint32_t) 1 << l->l4.steps) >> 1; step > 0; step >>= 1) {
        uint32_t probe = pos + step < end ? pos + step : pos;

        pos = r[probe].lo <= x ? probe : pos;
    }
    return (int64_t) pos - (r[pos].lo > x);
}

static inline int64_t find4(const rm_list *l, uint32_t x)
{
    const rec4 *r = l->r4;
    uint32_t k = l->k4, last;

    if (k == 0 || x < r[0].lo)
        return -1;
    last = k - 1;
    if (x >= r[last].lo)
        return last;
    if (l->l4.bits) {
        uint32_t b = bucket4(x, l->l4.shift, l->l4.bits);

        return search4(l, x, l->l4.fl[b], l->l4.fl[b + 1]);
    }
    return search4(l, x, 0, k);
}

/* line4_slot - x's bucket in the line index, or -1 if the index does not
 * answer x: no index, or x outside (first start, last start), where find4
 * answers at once and x may lie outside the common prefix. */
static inline int64_t line4_slot(const rm_list *l, uint32_t x)
{
    if (l->ln4.bits == 0 || x < l->r4[0].lo || x >= l->r4[l->k4 - 1].lo)
        return -1;
    return bucket4(x, l->l4.shift, l->ln4.bits);
}

static inline uint32_t line4_off(const rm_list *l, uint32_t x)
{
    return x & (((uint32_t) 1 << l->ln4.span) - 1);
}

/* find6_full - the same over [lo, lo + n) comparing whole 128-bit starts */

static int64_t find6_full(const rm_list *l, rm_u128 x, uint32_t lo, uint32_t n)
{
    while (n > 0) {
        uint32_t half = n / 2;

        if (R6LO(&l->r6[lo + half]) <= x) {
            lo += half + 1;
            n -= half + 1;
        } else {
            n = half;
        }
    }
    return (int64_t) lo - 1;
}

/*
 * find6 - the last indexed record whose start is <= x, or -1, searched as
 * find4 does over the dense top-64-bit keys; only when a key equals x's
 * top half (hosts in one /64, say) are whole starts compared.
 */
/* search6 - over the top-64-bit keys from the first record of x's slot */

static inline int64_t search6(const rm_list *l, uint64_t xh, uint32_t pos, uint32_t end)
{
    const uint64_t *k6 = l->key6;

    for (uint32_t step = ((uint32_t) 1 << l->l6.steps) >> 1; step > 0; step >>= 1) {
        uint32_t probe = pos + step < end ? pos + step : pos;

        pos = k6[probe] <= xh ? probe : pos;
    }
    return (int64_t) pos - (k6[pos] > xh);
}

static inline int64_t find6(const rm_list *l, rm_u128 x)
{
    const uint64_t *k6 = l->key6;
    uint64_t xh = (uint64_t) (x >> 64);
    uint32_t k = l->k6, last;
    int64_t c;

    if (k == 0 || x < R6LO(&l->r6[0]))
        return -1;
    last = k - 1;
    if (x >= R6LO(&l->r6[last]))
        return last;
    if (l->l6.bits) {
        uint32_t b = bucket6(x, l->l6.shift, l->l6.bits);

        c = search6(l, xh, l->l6.fl[b], l->l6.fl[b + 1]);
    } else {
        c = search6(l, xh, 0, k);
    }
    /* Evaluated without short-circuit: inside a /64 the keys are equal
     * half the time, and a branch there would be guessed wrong as often. */
    if (c >= 0 && ((k6[c] == xh) & (l->r6[c].lo_l > (uint64_t) x))) {
        uint32_t first = 0, len = (uint32_t) c + 1;

        /* The first record with this key, then whole starts from there. */
        while (len > 0) {
            uint32_t half = len / 2;

            if (k6[first + half] < xh) {
                first += half + 1;
                len -= half + 1;
            } else {
                len = half;
            }
        }
        c = find6_full(l, x, first, (uint32_t) c - first + 1);
    }
    return c;
}

/* match_side - the side table, as (IP AND mask) == net, through its index */

static bool match_side(const rm_list *l, enum rm_family f, rm_u128 v, rm_match *m)
{
    int64_t s = rm_mask_find(&l->mx, f, v);

    if (s < 0)
        return false;
    if (m)
        m->entry = l->n4 + l->n6 + (uint32_t) s;
    return true;
}

static bool match6(const rm_list *l, rm_u128 v, rm_match *m)
{
    int64_t i = find6(l, v);
    uint32_t idx = i < 0 ? 0 : (uint32_t) i;
    /* As for IPv4: the answer is computed, not branched on; only an empty
     * family is a branch, since then there is no r6[0] in the arena to read. */
    bool    hit = l->k6 > 0 && ((i >= 0) & (v <= R6HI(&l->r6[idx])));

    if (m)
        m->entry = l->n4 + idx;
    if (l->nside == 0)
        return hit;
    return hit || match_side(l, RM_AF_INET6, v, m);
}

/* match_slow - does a match any entry?  IPv4-mapped IPv6 addresses are
 * IPv4 clients: they match IPv4 entries, and IPv6 entries that cover their
 * mapped form.  Every lookup the fast path below does not answer. */

static bool match_slow(const rm_list *l, const rm_addr *a, rm_match *m)
{
    uint32_t x;
    int64_t i;

    if (a->family == RM_AF_INET6) {
        if ((a->v >> 32) != 0xffff)
            return match6(l, a->v, m);
        x = (uint32_t) a->v;
    } else if (a->family == RM_AF_INET) {
        x = (uint32_t) a->v;
    } else {
        return false;
    }
    {
        int64_t b = line4_slot(l, x);
        int     h = b < 0 ? -1 : line4_find(&l->ln4.b[b], line4_off(l, x), &i);

        if (h < 0)
            i = find4(l, x);
    {
        /* Whether x is inside is computed, not branched on: a lookup's
         * answer is as unpredictable as the addresses are.  An empty family
         * is the one branch (as predictable as the list): with no records
         * there is no r4[0] in the arena to read. */
        uint32_t idx = i < 0 ? 0 : (uint32_t) i;
        bool    hit = h >= 0 ? h : l->k4 > 0 && ((i >= 0) & (x <= l->r4[idx].hi));

        if (m)
            m->entry = idx;
        if (l->nside == 0 && !l->v6_maps_v4)
            return hit;
        if (hit)
            return true;
    }
    }
    if (l->nside && match_side(l, RM_AF_INET, x, m))
        return true;
    return l->v6_maps_v4 && match6(l, RM_V4_MAPPED_LO | x, m);
}

/*
 * The single lookup.  The common shape, an IPv4 client of a large IPv4
 * list without side entries, is answered inline from the client's line
 * index bucket: a family test, a range test, one cache line, a few
 * vector compares; the entry's index (a popcount) is computed only when
 * the caller asks for it.  Everything else goes to match_slow.  The body
 * is compiled twice, with the generic popcount and with the processor's
 * popcnt instruction; rm_list_match calls the one this processor runs
 * (chosen once, at start), and both are tested.
 */
#define DEFINE_MATCH(NAME, POP) \
bool    NAME(const rm_list *l, const rm_addr *a, rm_match *m) \
{ \
    uint32_t x = (uint32_t) a->v; \
    if (a->family == RM_AF_INET && l->fast4 && x - l->lo4 < l->span4) { \
        const lbucket *bk = &l->ln4.b[bucket4(x, l->l4.shift, l->ln4.bits)]; \
        uint32_t info = bk->info, n = info >> 27; \
        if (n != LINE4_FULL) { \
            uint32_t le = line4_le(bk, line4_off(l, x)) & (((uint32_t) 1 << n) - 1); \
            uint32_t t = ((info & LINE4_TYPE_MASK) << 1) | (bk->base >> 31); \
            uint32_t h = (t >> __builtin_ctz(~le)) & 1; \
            if (m) \
                m->entry = h ? (bk->base & 0x7fffffffu) + POP(info & le) - 1 : 0; \
            return h; \
        } \
    } \
    return match_slow(l, a, m); \
}

DEFINE_MATCH(rm_list_match_generic, pop32)

#if RM_HAVE_POPCNT
static inline __attribute__((always_inline)) unsigned pop32_hw(uint32_t v)
{
    return (unsigned) __builtin_popcount(v);
}

__attribute__((target("popcnt"))) DEFINE_MATCH(rm_list_match_popcnt, pop32_hw)

/* Whether this processor has popcnt: asked once, at program start, by a
 * constructor (an ifunc resolver would run before the sanitizers are up). */
static bool have_popcnt;

static void __attribute__((constructor)) pick_match(void)
{
    __builtin_cpu_init();
    have_popcnt = __builtin_cpu_supports("popcnt");
}

bool    rm_list_match(const rm_list *l, const rm_addr *a, rm_match *m)
{
    return have_popcnt ? rm_list_match_popcnt(l, a, m) : rm_list_match_generic(l, a, m);
}

const char *rm_list_match_isa(void)
{
    return have_popcnt ? "popcnt" : "generic";
}
#else
bool    rm_list_match(const rm_list *l, const rm_addr *a, rm_match *m)
{
    return rm_list_match_generic(l, a, m);
}

const char *rm_list_match_isa(void)
{
    return "generic";
}
#endif

#define BATCH_GROUP 64
#define BATCH_DIRECT_BYTES (256u * 1024)  /* below: one lookup at a time */

/*
 * v6_group - a group of IPv6 lookups (no IPv4-mapped addresses) in four
 * passes, each prefetching what the next one reads: first-level slot, the
 * slot's keys, the candidate record.  Returns false, having written
 * nothing, unless every address of the group is an IPv6 client inside
 * (first start, last start).  Side entries are side_pass's.
 */
static bool v6_group(const rm_list *l, const rm_addr *a, size_t g, bool *hit, rm_match *m)
{
    uint32_t pos[BATCH_GROUP], end[BATCH_GROUP];
    int64_t c[BATCH_GROUP];
    rm_u128 first = R6LO(&l->r6[0]), last = R6LO(&l->r6[l->k6 - 1]);
    unsigned shift = l->l6.shift, bits = l->l6.bits;
    bool    all = true;

    for (size_t i = 0; i < g; i++) {
        rm_u128 v = a[i].v;

        all &= (a[i].family == RM_AF_INET6) & ((v >> 32) != 0xffff) & (v >= first) & (v < last);
        pos[i] = bucket6(v, shift, bits);
        __builtin_prefetch(&l->l6.fl[pos[i]]);
    }
    if (!all)
        return false;
    for (size_t i = 0; i < g; i++) {
        end[i] = l->l6.fl[pos[i] + 1];
        pos[i] = l->l6.fl[pos[i]];
        __builtin_prefetch(&l->key6[pos[i]]);
        __builtin_prefetch(&l->key6[end[i] - 1]);
    }
    for (size_t i = 0; i < g; i++) {
        c[i] = search6(l, (uint64_t) (a[i].v >> 64), pos[i], end[i]);
        __builtin_prefetch(&l->r6[c[i] < 0 ? 0 : c[i]]);
    }
    for (size_t i = 0; i < g; i++) {
        rm_u128 v = a[i].v;
        int64_t ci = c[i];
        uint32_t idx = ci < 0 ? 0 : (uint32_t) ci;

        /* A key equal to x's top half needs the whole start: rare. */
        if (ci >= 0 && ((l->key6[idx] == (uint64_t) (v >> 64)) & (l->r6[idx].lo_l > (uint64_t) v))) {
            ci = find6(l, v);
            idx = ci < 0 ? 0 : (uint32_t) ci;
        }
        hit[i] = (ci >= 0) & (v <= R6HI(&l->r6[idx]));
        if (m)
            m[i].entry = l->n4 + idx;
    }
    return true;
}

/*
 * line4_group - a group of lookups answered from the line index alone, in
 * two passes: the buckets of all, prefetched; then the answers.  Returns
 * false, having written nothing, unless every address of the group is an
 * IPv4 client inside (first start, last start) of a list without IPv6
 * entries over ::ffff:0:0/96.  A full bucket's address is looked up alone;
 * side entries are side_pass's.
 */
static __attribute__((noinline)) bool line4_group(const rm_list *l, const rm_addr *a, size_t g, bool *hit, rm_match *m)
{
    uint32_t bk[BATCH_GROUP], lo = l->r4[0].lo, last = l->r4[l->k4 - 1].lo;
    unsigned shift = l->l4.shift, bits = l->ln4.bits;
    bool    all = true;

    for (size_t i = 0; i < g; i++) {
        uint32_t v = (uint32_t) a[i].v;
        bool    v4 = a[i].family == RM_AF_INET
            || (a[i].family == RM_AF_INET6 && (a[i].v >> 32) == 0xffff);

        all &= v4 & (v >= lo) & (v < last);
        bk[i] = bucket4(v, shift, bits);
        __builtin_prefetch(&l->ln4.b[bk[i]]);
    }
    if (!all)
        return false;
    for (size_t i = 0; i < g; i++) {
        int64_t c;
        int     h = line4_find(&l->ln4.b[bk[i]], line4_off(l, (uint32_t) a[i].v), &c);

        if (h < 0) {
            hit[i] = rm_list_match(l, &a[i], m ? &m[i] : NULL);
            continue;
        }
        hit[i] = h;
        if (m)
            m[i].entry = c < 0 ? 0 : (uint32_t) c;
    }
    return true;
}

/*
 * batch_group - up to BATCH_GROUP lookups, each answered as rm_list_match
 * answers as far as its intervals go (side entries are side_pass's).
 * Each step's memory (first-level slot, then the slot's records,
 * then the candidate record) is prefetched for the whole group before any
 * of it is used, so that a group's cache misses are in flight together
 * instead of queueing one after another.
 * IPv4 clients of a list without IPv6 entries over ::ffff:0:0/96, and
 * IPv6 clients, take this path; any other address is looked up alone.
 */
static void batch_group(const rm_list *l, const rm_addr *a, size_t g, bool *hit, rm_match *m)
{
    enum { GROUP = BATCH_GROUP };
    const rec4 *r4 = l->r4;
    bool    fast4 = !l->v6_maps_v4 && l->l4.bits && l->k4 > 1;
    bool    fast6 = l->l6.bits && l->k6 > 1;
    uint32_t slot[GROUP], end[GROUP];
    int64_t c[GROUP];
    uint8_t how[GROUP];                 /* 0 decided, 1 IPv4 search, 2 IPv6 search, 3 alone */

    for (size_t i = 0; i < g; i++) {
        const rm_addr *x = &a[i];

        how[i] = 3;
        if (fast4 && (x->family == RM_AF_INET
                      || (x->family == RM_AF_INET6 && (x->v >> 32) == 0xffff))) {
            uint32_t v = (uint32_t) x->v;

            if (v < r4[0].lo) {
                c[i] = -1;
                how[i] = 0;
            } else if (v >= r4[l->k4 - 1].lo) {
                c[i] = l->k4 - 1;
                how[i] = 0;
            } else {
                slot[i] = bucket4(v, l->l4.shift, l->l4.bits);
                __builtin_prefetch(&l->l4.fl[slot[i]]);
                how[i] = 1;
            }
        } else if (fast6 && x->family == RM_AF_INET6 && (x->v >> 32) != 0xffff) {
            if (x->v < R6LO(&l->r6[0])) {
                c[i] = -1;
                how[i] = 0;
            } else if (x->v >= R6LO(&l->r6[l->k6 - 1])) {
                c[i] = l->k6 - 1;
                how[i] = 0;
            } else {
                slot[i] = bucket6(x->v, l->l6.shift, l->l6.bits);
                __builtin_prefetch(&l->l6.fl[slot[i]]);
                how[i] = 2;
            }
        }
    }
    for (size_t i = 0; i < g; i++) {
        if (how[i] == 1) {
            end[i] = l->l4.fl[slot[i] + 1];
            slot[i] = l->l4.fl[slot[i]];
            __builtin_prefetch(&r4[slot[i]]);
            __builtin_prefetch(&r4[end[i] - 1]);
        } else if (how[i] == 2) {
            end[i] = l->l6.fl[slot[i] + 1];
            slot[i] = l->l6.fl[slot[i]];
            __builtin_prefetch(&l->key6[slot[i]]);
            __builtin_prefetch(&l->key6[end[i] - 1]);
        }
    }
    for (size_t i = 0; i < g; i++) {
        if (how[i] == 1) {
            c[i] = search4(l, (uint32_t) a[i].v, slot[i], end[i]);
        } else if (how[i] == 2) {
            c[i] = search6(l, (uint64_t) (a[i].v >> 64), slot[i], end[i]);
            __builtin_prefetch(&l->r6[c[i] < 0 ? 0 : c[i]]);
        }
    }
    for (size_t i = 0; i < g; i++) {
        const rm_addr *x = &a[i];
        uint32_t idx;

        if (how[i] == 3) {
            hit[i] = rm_list_match(l, x, m ? &m[i] : NULL);
            continue;
        }
        idx = c[i] < 0 ? 0 : (uint32_t) c[i];   /* c[i] is set only when how[i] != 3 */
        if (x->family == RM_AF_INET || (x->v >> 32) == 0xffff) {
            hit[i] = (c[i] >= 0) & (l->k4 > 0) & ((uint32_t) x->v <= r4[idx].hi);
            if (m)
                m[i].entry = idx;
            continue;
        }
        /* A key equal to x's top half needs the whole start: rare. */
        if (c[i] >= 0 && ((l->key6[idx] == (uint64_t) (x->v >> 64))
                          & (l->r6[idx].lo_l > (uint64_t) x->v))) {
            c[i] = find6(l, x->v);
            idx = c[i] < 0 ? 0 : (uint32_t) c[i];
        }
        hit[i] = (c[i] >= 0) & (l->k6 > 0) & (x->v <= R6HI(&l->r6[idx]));
        if (m)
            m[i].entry = l->n4 + idx;
    }
}

/*
 * side_pass - the side table for the misses of a group whose intervals
 * the passes above answered.  The group paths take lists with side entries
 * too (not with IPv6 entries over ::ffff:0:0/96, which only rm_list_match
 * answers for IPv4 clients): a client is then matched by its intervals
 * first and by the side table after, as rm_list_match does.  A miss that
 * rm_list_match answered already is asked again, to no effect.
 */
static void side_pass(const rm_list *l, const rm_addr *a, size_t g, bool *hit, rm_match *m)
{
    for (size_t i = 0; i < g; i++) {
        bool    v4 = a[i].family == RM_AF_INET || (a[i].family == RM_AF_INET6 && (a[i].v >> 32) == 0xffff);

        if (!hit[i] && a[i].family != RM_AF_NONE)
            hit[i] = match_side(l, v4 ? RM_AF_INET : RM_AF_INET6, v4 ? (uint32_t) a[i].v : a[i].v,
                                m ? &m[i] : NULL);
    }
}

/*
 * rm_list_match_batch - n lookups, each answered as rm_list_match answers,
 * in groups of BATCH_GROUP: from the line index when a whole group can be
 * (line4_group), else by batch_group.
 */
void    rm_list_match_batch(const rm_list *l, const rm_addr *a, size_t n, bool *hit, rm_match *m)
{
    bool    by_line = !l->v6_maps_v4 && l->ln4.bits;
    bool    by_v6 = l->l6.bits && l->k6 > 1;

    /* A list that stays in the caches has no misses to overlap: the
     * prefetch passes would only add work to each lookup. */
    if (l->bytes <= BATCH_DIRECT_BYTES) {
        for (size_t i = 0; i < n; i++)
            hit[i] = rm_list_match(l, &a[i], m ? &m[i] : NULL);
        return;
    }

    for (size_t base = 0; base < n; base += BATCH_GROUP) {
        size_t  g = n - base < BATCH_GROUP ? n - base : BATCH_GROUP;
        rm_match *mg = m ? m + base : NULL;

        /* The next group's addresses, a line at a time: the hardware's
         * stream prefetcher falls behind while this group's misses fill
         * the queues. */
        if (base + 2 * BATCH_GROUP <= n)
            for (const char *p = (const char *) &a[base + BATCH_GROUP];
                 p < (const char *) &a[base + 2 * BATCH_GROUP]; p += 64)
                __builtin_prefetch(p);
        if (!(by_line && line4_group(l, a + base, g, hit + base, mg))
            && !(by_v6 && v6_group(l, a + base, g, hit + base, mg)))
            batch_group(l, a + base, g, hit + base, mg);
        if (l->nside)
            side_pass(l, a + base, g, hit + base, mg);
    }
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

void    rm_list_index_stats(const rm_list *l, rm_index_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->indexed4 = l->k4;
    st->indexed6 = l->k6;
    st->slots4 = l->l4.bits ? (uint32_t) 1 << l->l4.bits : 0;
    st->slots6 = l->l6.bits ? (uint32_t) 1 << l->l6.bits : 0;
    st->masks4 = rm_mask_groups(&l->mx, RM_AF_INET);
    st->masks6 = rm_mask_groups(&l->mx, RM_AF_INET6);
    if (l->ln4.bits == 0)
        return;
    st->buckets4 = (uint32_t) 1 << l->ln4.bits;
    for (uint32_t j = 0; j < st->buckets4; j++)
        st->full4 += (l->ln4.b[j].info >> 27) == LINE4_FULL;
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
