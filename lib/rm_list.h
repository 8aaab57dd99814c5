/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_LIST_H
#define RM_LIST_H

/* rm_list - an allow, deny or local-IP list: loaded into one arena, indexed */

#include <stdbool.h>
#include <stdint.h>

#include "rm_diag.h"
#include "rm_entry.h"
#include "rm_scan.h"
#include "rm_trust.h"

typedef struct rm_list rm_list;

typedef struct rm_limits {
    uint64_t max_entries;               /* entries per list */
    uint64_t max_bytes;                 /* size of a list file */
} rm_limits;

#define RM_DEFAULT_MAX_ENTRIES 16000000u
#define RM_DEFAULT_MAX_BYTES   (1024u * 1024u * 1024u)
#define RM_MAX_LINE            RM_SCAN_MAX_LINE /* bytes per line, comment included */

/* A match: which entry, by its index in the list (see rm_list_entry). */
typedef struct rm_match {
    uint32_t entry;
} rm_match;

/* What a list knows of one of its entries. */
typedef struct rm_entry_info {
    unsigned line;                      /* 1-based line in the file */
    rm_entry entry;                     /* as parsed (text rebuilt from it) */
    bool    indexed;                    /* false: covered by another entry */
} rm_entry_info;

/*
 * rm_list_load - read a list file and build its index.  The file is read
 * with one read into one buffer; entries and index live in one arena.  The
 * heap allocations per load are a small constant (rm_malloc is the door).
 * On any error nothing is loaded: *out is left alone, every error found is
 * added to d (file, line, column, text), and -1 is returned.  The display
 * name in messages is path itself.  The file is a policy source for t
 * (rm_trust_open).
 */
int     rm_list_load(const char *path, const rm_trust *t, const rm_limits *lim, rm_list **out, rm_diag *d);

/* rm_list_load_buffer - the same, from memory; name is used in messages */
int     rm_list_load_buffer(const char *name, const char *buf, size_t len,
                            const rm_limits *lim, rm_list **out, rm_diag *d);

/* rm_list_empty - a list with no entries (for a rule that is off) */
int     rm_list_empty(const char *name, rm_list **out, rm_diag *d);

void    rm_list_free(rm_list *l);

/*
 * What the inline part of rm_list_match reads: the first bytes of every
 * list (not for programs).  A large IPv4 list has a summary, two bits per
 * /24: RM_SUM4_NONE, RM_SUM4_ALL or RM_SUM4_MIXED as none, all or some of
 * its addresses are inside the list's intervals.  decide[code] is 0 or 1
 * where the code alone answers an IPv4 client, 2 where the whole lookup
 * must (1 answers only a caller that does not ask which entry matched).
 */
typedef struct rm_list_head {
    const uint8_t *sum4;                /* NULL: no summary */
    uint8_t decide[4];
} rm_list_head;

enum { RM_SUM4_NONE, RM_SUM4_ALL, RM_SUM4_MIXED };

/* rm_list_sum4 - the summary code of x's /24 (h->sum4 is not NULL) */
static inline unsigned rm_list_sum4(const rm_list_head *h, uint32_t x)
{
    return (h->sum4[x >> 10] >> ((x >> 7) & 6)) & 3u;
}

/* rm_list_match_full - rm_list_match past its inline part */
bool    rm_list_match_full(const rm_list *l, const rm_addr *a, rm_match *m);

/*
 * rm_list_match - does a match any entry?  On a match m->entry (m may be
 * NULL) names the entry; after a miss it means nothing.  Never allocates.
 * An IPv4 client of a list with a summary is answered here, one byte read
 * and no call, unless its /24 is mixed or the caller asks which entry
 * matched it; the rest is rm_list_match_full's.
 */
static inline bool rm_list_match(const rm_list *l, const rm_addr *a, rm_match *m)
{
    const rm_list_head *h = (const rm_list_head *) (const void *) l;

    if (a->family == RM_AF_INET && h->sum4 != NULL) {
        unsigned d = h->decide[rm_list_sum4(h, (uint32_t) a->v)];

        if (d == 0 || (d == 1 && m == NULL))
            return d;
    }
    return rm_list_match_full(l, a, m);
}

/*
 * rm_list_match_batch - n lookups at once: hit[i] and m[i] (m may be NULL)
 * as rm_list_match would set them for a[i].  Faster per address than one
 * call each, because the memory reads of a group overlap; relayctl's
 * batch check uses it.  Never allocates.
 */
void    rm_list_match_batch(const rm_list *l, const rm_addr *a, size_t n, bool *hit, rm_match *m);

uint32_t rm_list_count(const rm_list *l);          /* all entries */
uint32_t rm_list_count_family(const rm_list *l, enum rm_family f);
const char *rm_list_name(const rm_list *l);
size_t  rm_list_bytes(const rm_list *l);           /* memory held, all of it */

/* What the index of a loaded list is made of: for tests, lint and the
 * benchmark, which must know which lookup paths a list takes. */
typedef struct rm_index_stats {
    uint32_t indexed4, indexed6;        /* records searched (others are shadowed) */
    uint32_t slots4, slots6;            /* first-level slots (0: no first level) */
    uint32_t buckets4;                  /* IPv4 line-index buckets (0: no line index) */
    uint32_t full4;                     /* of those, full: their lookups use the first level */
    uint32_t masks4, masks6;            /* distinct non-contiguous masks, one table each */
    uint32_t sum4[3];                   /* /24s of the IPv4 summary by code (all 0: none) */
} rm_index_stats;

void    rm_list_index_stats(const rm_list *l, rm_index_stats *st);

/* rm_list_entry - describe entry idx (0 <= idx < rm_list_count) */
int     rm_list_entry(const rm_list *l, uint32_t idx, rm_entry_info *info);

/*
 * rm_list_covers - are all addresses of e already matched by the list?
 * When they are, *m names the entry that matches e's first address.  An
 * Exchange entry with a non-contiguous or dead mask is covered only by an
 * entry with the same net and mask.
 */
bool    rm_list_covers(const rm_list *l, const rm_entry *e, rm_match *m);

/* rm_entry_same - do two entries match exactly the same addresses? */
bool    rm_entry_same(const rm_entry *a, const rm_entry *b);

#endif
