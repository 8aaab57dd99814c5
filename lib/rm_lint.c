/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_lint - warnings about loaded lists: dead, duplicate, shadowed, too wide */

#include <stdio.h>
#include <string.h>

#include "rm_lint.h"
#include "rm_mem.h"
#include "rm_scan.h"

typedef struct item {
    enum rm_family family;
    rm_u128 lo, hi;
    unsigned line;
    uint32_t idx;
} item;

static int item_before(const item *a, const item *b)
{
    if (a->family != b->family)
        return a->family < b->family;
    if (a->lo != b->lo)
        return a->lo < b->lo;
    if (a->hi != b->hi)
        return a->hi > b->hi;
    return a->line < b->line;
}

/* sort_items - heapsort: no recursion, no allocation, O(n log n) */

static void sift(item *a, size_t root, size_t n)
{
    while (2 * root + 1 < n) {
        size_t  c = 2 * root + 1, m = root;

        if (item_before(&a[m], &a[c]))
            m = c;
        if (c + 1 < n && item_before(&a[m], &a[c + 1]))
            m = c + 1;
        if (m == root)
            return;
        item    t = a[root];

        a[root] = a[m];
        a[m] = t;
        root = m;
    }
}

static void sort_items(item *a, size_t n)
{
    for (size_t s = n / 2; s-- > 0;)
        sift(a, s, n);
    for (size_t e = n; e-- > 1;) {
        item    t = a[0];

        a[0] = a[e];
        a[e] = t;
        sift(a, 0, e);
    }
}

/* The column of each line's entry, as the list loader counts it. */
typedef struct linemap {
    unsigned *col;                      /* col[line - 1]; NULL: no text */
    size_t  nlines;
} linemap;

/* linemap_build - scan the text once for the column of every line; -1 out
 * of memory */

static int linemap_build(linemap *lm, const char *text, size_t len)
{
    size_t  lines = 1;
    rm_scan sc;
    rm_scan_line ln;

    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            lines++;
    if ((lm->col = rm_malloc(lines * sizeof(unsigned))) == NULL)
        return -1;
    rm_scan_init(&sc, text, len, RM_SCAN_HASH_ANYWHERE);
    while (rm_scan_next(&sc, &ln) && lm->nlines < lines)
        lm->col[lm->nlines++] = ln.col;
    return 0;
}

/* column_of - where the entry on a line starts (a byte order mark is not a column) */

static unsigned column_of(const linemap *lm, unsigned line)
{
    if (lm->col == NULL || line == 0 || line > lm->nlines)
        return 1;
    return lm->col[line - 1];
}

/* emit - one warning about a line */

static void emit_sev(rm_lint_cb cb, void *ctx, const rm_list *l, const linemap *lm,
                     enum rm_severity sev, unsigned line, const char *text)
{
    rm_diag_msg m;

    m.severity = sev;
    m.line = line;
    m.col = line ? column_of(lm, line) : 0;
    snprintf(m.file, sizeof(m.file), "%s", rm_list_name(l));
    snprintf(m.text, sizeof(m.text), "%s", text);
    cb(ctx, &m);
}

static void emit(rm_lint_cb cb, void *ctx, const rm_list *l, const linemap *lm,
                 unsigned line, const char *text)
{
    emit_sev(cb, ctx, l, lm, RM_SEV_WARNING, line, text);
}

/* open_sev - an allow or local-IP list open to a whole family is an error */

static enum rm_severity open_sev(int kind)
{
    return kind == RM_LIST_ALLOW || kind == RM_LIST_LOCAL ? RM_SEV_ERROR : RM_SEV_WARNING;
}

/* what_open - what covering every address means for a list of this kind */

static const char *what_open(int kind)
{
    return kind == RM_LIST_DENY ? "as a deny list this refuses every client"
        : kind == RM_LIST_LOCAL ? "as a local-IP list this lets every client relay"
        : "as an allow list this opens relaying to the whole Internet";
}

/* dead_text - why a dead Exchange entry never matches, and what it meant */

static void dead_text(const rm_entry *e, char *msg, size_t len)
{
    char    etext[RM_ENTRY_STRLEN], ctext[RM_ENTRY_STRLEN];
    unsigned bits = e->family == RM_AF_INET ? 32 : 128;
    int     wp = rm_wildcard_plen(e->mask, bits);
    rm_entry fix = *e;

    rm_entry_format(e, etext, sizeof(etext));
    if (wp >= 0) {
        rm_addr a = {e->family, e->net & rm_mask_from_plen((unsigned) wp, bits)};
        char    net[RM_ADDR_STRLEN];

        rm_addr_format(&a, net, sizeof(net));
        snprintf(msg, len, "entry %s can never match: its mask is a wildcard (inverse) mask, "
                 "and Exchange matched (IP AND mask) == net (did you mean %s/%d?)", etext, net, wp);
        return;
    }
    if (e->mask == 0) {
        /* Clearing the net would suggest an entry that matches everything. */
        rm_addr a = {e->family, e->net};
        char    host[RM_ADDR_STRLEN];

        rm_addr_format(&a, host, sizeof(host));
        snprintf(msg, len, "entry %s can never match: its mask is empty, and Exchange matched "
                 "(IP AND mask) == net (did you mean the one host %s? with its net cleared, "
                 "it would match every address)", etext, host);
        return;
    }
    fix.net &= fix.mask;
    rm_entry_format(&fix, ctext, sizeof(ctext));
    snprintf(msg, len, "entry %s can never match: its net has bits outside "
             "its mask, and Exchange matched (IP AND mask) == net (did you mean %s?)", etext, ctext);
}

/* reaches_mapped - does IPv6 entry e match some IPv4-mapped address (*all: every one)? */

static bool reaches_mapped(const rm_entry *e, bool *all)
{
    rm_u128 low32 = 0xffffffffu;

    if (e->interval) {
        *all = e->lo <= RM_V4_MAPPED_LO && e->hi >= RM_V4_MAPPED_HI;
        return e->lo <= RM_V4_MAPPED_HI && e->hi >= RM_V4_MAPPED_LO;
    }
    *all = (e->mask & low32) == 0 && ((RM_V4_MAPPED_LO ^ e->net) & e->mask) == 0;
    return ((RM_V4_MAPPED_LO ^ e->net) & e->mask & ~low32) == 0;
}

/* open_text - when e alone matches every IPv4 or IPv6 client, the finding */

static bool open_text(const rm_entry *e, int kind, char *msg, size_t len)
{
    rm_u128 top = e->family == RM_AF_INET ? 0xffffffffu : ~(rm_u128) 0;
    char    etext[RM_ENTRY_STRLEN];
    bool    all = false;

    if (e->dead)
        return false;
    if (e->interval && e->lo == 0 && e->hi == top) {
        snprintf(msg, len, "entry matches every %s address: %s",
                 e->family == RM_AF_INET ? "IPv4" : "IPv6 address and, through ::ffff:0:0/96, every IPv4",
                 what_open(kind));
        return true;
    }
    if (e->family != RM_AF_INET6 || !reaches_mapped(e, &all) || !all)
        return false;
    rm_entry_format(e, etext, sizeof(etext));
    snprintf(msg, len, "entry %s covers ::ffff:0:0/96, so it matches every IPv4 client too: %s",
             etext, what_open(kind));
    return true;
}

/*
 * mapped - an IPv6 entry that reaches into ::ffff:0:0/96 matches IPv4
 * clients too (lookups try the mapped form): say so, and say when it
 * covers all of them.  Returns 1 when it warned.
 */
static int mapped(rm_lint_cb cb, void *ctx, const rm_list *l, const linemap *lm, int kind,
                  const rm_entry_info *info)
{
    const rm_entry *e = &info->entry;
    bool    all;
    char    etext[RM_ENTRY_STRLEN], msg[RM_DIAG_TEXT_LEN];

    if (e->family != RM_AF_INET6 || e->dead || (e->interval && e->lo == 0 && e->hi == ~(rm_u128) 0))
        return 0;                       /* ::/0: the whole-family check says it */
    if (!reaches_mapped(e, &all))
        return 0;
    rm_entry_format(e, etext, sizeof(etext));
    if (!all || !open_text(e, kind, msg, sizeof(msg)))
        snprintf(msg, sizeof(msg), "entry %s reaches into ::ffff:0:0/96, so it also matches "
                 "IPv4 clients", etext);
    emit_sev(cb, ctx, l, lm, all ? open_sev(kind) : RM_SEV_WARNING, info->line, msg);
    return 1;
}

/* What one lint run reads and where it reports. */
typedef struct lint {
    const rm_list *l;
    int     kind;
    linemap lm;
    rm_lint_cb cb;
    void   *ctx;
    item   *it;                         /* the interval entries, sorted */
    uint32_t ni;
} lint;

/* lint_entries - dead and IPv4-mapped findings, entry by entry; collects
 * the interval entries for the passes below */

static long lint_entries(lint *ln)
{
    uint32_t n = rm_list_count(ln->l);
    long    warnings = 0;
    char    msg[RM_DIAG_TEXT_LEN];

    for (uint32_t i = 0; i < n; i++) {
        rm_entry_info info;
        item   *t;

        if (rm_list_entry(ln->l, i, &info) < 0)
            continue;
        if (info.entry.dead) {
            dead_text(&info.entry, msg, sizeof(msg));
            emit(ln->cb, ln->ctx, ln->l, &ln->lm, info.line, msg);
            warnings++;
            continue;
        }
        warnings += mapped(ln->cb, ln->ctx, ln->l, &ln->lm, ln->kind, &info);
        if (!info.entry.interval)
            continue;                   /* non-contiguous: matched as written */
        t = &ln->it[ln->ni++];
        t->family = info.entry.family;
        t->lo = info.entry.lo;
        t->hi = info.entry.hi;
        t->line = info.line;
        t->idx = i;
    }
    sort_items(ln->it, ln->ni);
    return warnings;
}

/* lint_shadowed - shadowed and duplicate entries: the earliest-starting,
 * widest entry seen so far covers every later one that ends before it
 * does */

static long lint_shadowed(lint *ln)
{
    const item *it = ln->it;
    int64_t cover = -1;
    long    warnings = 0;
    char    etext[RM_ENTRY_STRLEN], ctext[RM_ENTRY_STRLEN];
    char    msg[RM_DIAG_TEXT_LEN];

    for (uint32_t i = 0; i < ln->ni; i++) {
        const item *c = cover >= 0 ? &it[cover] : NULL;

        if (c && c->family == it[i].family && it[i].hi <= c->hi) {
            rm_entry_info a, b;

            rm_list_entry(ln->l, it[i].idx, &a);
            rm_list_entry(ln->l, c->idx, &b);
            rm_entry_format(&a.entry, etext, sizeof(etext));
            rm_entry_format(&b.entry, ctext, sizeof(ctext));
            snprintf(msg, sizeof(msg), it[i].lo == c->lo && it[i].hi == c->hi ?
                     "entry %s repeats line %u (%s)" : "entry %s is covered by line %u (%s)",
                     etext, c->line, ctext);
            emit(ln->cb, ln->ctx, ln->l, &ln->lm, it[i].line, msg);
            warnings++;
            continue;
        }
        cover = i;
    }
    return warnings;
}

/* lint_open - whole-family coverage of family f: one entry, or the union
 * of all of them */

static long lint_open(lint *ln, enum rm_family f)
{
    const item *it = ln->it;
    rm_u128 top = f == RM_AF_INET ? 0xffffffffu : ~(rm_u128) 0;
    rm_u128 next = 0;
    bool    all = false, any = false;
    char    msg[RM_DIAG_TEXT_LEN];

    for (uint32_t i = 0; i < ln->ni; i++) {
        if (it[i].family != f)
            continue;
        if (it[i].lo == 0 && it[i].hi == top) {
            rm_entry_info info;

            rm_list_entry(ln->l, it[i].idx, &info);
            open_text(&info.entry, ln->kind, msg, sizeof(msg));
            emit_sev(ln->cb, ln->ctx, ln->l, &ln->lm, open_sev(ln->kind), it[i].line, msg);
            return 1;
        }
        if (!any) {
            if (it[i].lo != 0)
                break;
            any = true;
        } else if (it[i].lo > next) {
            break;
        }
        if (it[i].hi == top) {
            all = true;
            break;
        }
        if (it[i].hi + 1 > next)
            next = it[i].hi + 1;
    }
    if (!all)
        return 0;
    snprintf(msg, sizeof(msg), "together, the entries match every %s address: %s",
             f == RM_AF_INET ? "IPv4" : "IPv6", what_open(ln->kind));
    emit_sev(ln->cb, ln->ctx, ln->l, &ln->lm, open_sev(ln->kind), 0, msg);
    return 1;
}

/* rm_lint_list - report dead, duplicate, shadowed and all-covering entries */

long    rm_lint_list(const rm_list *l, int kind, const char *text, size_t len,
                     rm_lint_cb cb, void *ctx)
{
    uint32_t n = rm_list_count(l);
    lint    ln = {l, kind, {NULL, 0}, cb, ctx, NULL, 0};
    long    warnings;

    if ((ln.it = rm_malloc((size_t) (n ? n : 1) * sizeof(item))) == NULL)
        goto nomem;
    if (text != NULL && linemap_build(&ln.lm, text, len) < 0) {
        rm_free(ln.it);
        goto nomem;
    }
    warnings = lint_entries(&ln);
    warnings += lint_shadowed(&ln);
    warnings += lint_open(&ln, RM_AF_INET);
    warnings += lint_open(&ln, RM_AF_INET6);
    rm_free(ln.lm.col);
    rm_free(ln.it);
    return warnings;

nomem:
    {
        rm_diag_msg m;

        m.severity = RM_SEV_ERROR;
        m.line = m.col = 0;
        snprintf(m.file, sizeof(m.file), "%s", rm_list_name(l));
        snprintf(m.text, sizeof(m.text), "out of memory while checking the list");
        cb(ctx, &m);
    }
    return -1;
}

/* rm_lint_entry_refused - an entry no list of this kind should get */

bool    rm_lint_entry_refused(const rm_entry *e, int kind, char *why, size_t len)
{
    if (e->dead) {
        dead_text(e, why, len);
        return true;
    }
    return (kind == RM_LIST_ALLOW || kind == RM_LIST_LOCAL) && open_text(e, kind, why, len);
}
