/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PEERBENCH_H
#define PEERBENCH_H

/*
 * peerbench - what its two halves share: peerbench.c makes the workloads,
 * checks and times them; peer_impl.c builds each implementation's table
 * and holds its lookup passes (relaymilter and the DPDK libraries).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rm_addr.h"
#include "rm_list.h"

#define MAX_BATCH       1024

typedef struct workload_def {
    const char *name;
    int     family;
    uint64_t prefixes;
} workload_def;

typedef struct prefix {
    rm_u128 net;
    unsigned plen;
} prefix;

/* One workload's data and every implementation's table for it. */
typedef struct wl {
    const workload_def *def;
    prefix *p;                          /* ascending, no duplicates */
    uint64_t np;
    uint64_t nq;
    rm_addr *qa;                        /* relaymilter's queries */
    uint32_t *q4;                       /* the same, for rte_lpm and rte_fib */
    uint8_t (*q16)[16];                 /* the same, for rte_lpm6 and rte_fib6 */
    unsigned char *inside;              /* query i was built inside a prefix */
    rm_list *rl;
    struct rte_lpm *lpm;
    struct rte_fib *fib;
    struct rte_lpm6 *lpm6;
    struct rte_fib6 *fib6;
} wl;

/*
 * A pass looks up every query once, adds the answers up and, given out,
 * stores each (for the correctness check; the timed passes pass NULL).
 */
typedef uint64_t (*pass_fn)(const wl *, unsigned char *);

/* One row per implementation: family 0 serves both.  build returns the
 * bytes the table holds. */
typedef struct impl {
    const char *name;
    int     family;
    size_t  (*build)(wl *);
    pass_fn single;                     /* NULL: no single-address call */
    pass_fn batch;
} impl;

extern const impl impls[];              /* impls[0] is relaymilter, the reference */
extern const size_t nimpls;
extern unsigned batch;                  /* addresses per batched call */

void    peer_heap_touch(void);
void    peer_free(wl *w);

void    die(const char *fmt,...) __attribute__((noreturn, format(printf, 1, 2)));
void   *xmalloc(size_t n);

static inline void to_bytes16(rm_u128 v, uint8_t b[16])
{
    for (int i = 0; i < 16; i++)
        b[i] = (uint8_t) (v >> (8 * (15 - i)));
}

#endif
