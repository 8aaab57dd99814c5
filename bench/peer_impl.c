/* SPDX-License-Identifier: BSD-2-Clause */
/* peer_impl - peerbench's implementations: tables and lookup passes */

/*
 * Each implementation gets the workload's prefixes in ascending order (the
 * order rte_fib's DIR24_8 needs to answer right) and is sized for them: as
 * many tbl8 groups as the set needs and, for the rte_fib pair, the
 * smallest next hop whose bits can also name them all.  What a DPDK table
 * holds is the growth of the EAL heap while it is built, its rule table or
 * RIB included, as relaymilter's arena includes its records.
 */

#include "config.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "peerbench.h"
#include "rm_diag.h"
#include "rm_list.h"

/* tbl8_need - the 256-entry groups a DIR-24-8 style table (24 bits, then
 * 8 a level) needs for the set: one per distinct path node below /24. */
static uint32_t tbl8_need(const wl *w)
{
    unsigned width = w->def->family == 4 ? 32 : 128;
    uint64_t total = 0;

    for (unsigned d = 24; d < width; d += 8) {
        rm_u128 last = 0;
        bool    any = false;

        /* Ascending by net, so equal nodes at depth d are adjacent. */
        for (uint64_t i = 0; i < w->np; i++) {
            rm_u128 node;

            if (w->p[i].plen <= d)
                continue;
            node = w->p[i].net >> (width - d);
            if (!any || node != last)
                total++;
            last = node;
            any = true;
        }
    }
    total += total / 20 + 16;
    return total > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t) total;
}

/* Building. */

static size_t dpdk_heap_used(void)
{
    size_t  used = 0;

    for (unsigned i = 0; i < rte_socket_count(); i++) {
        struct rte_malloc_socket_stats st;

        if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
            used += st.heap_allocsz_bytes;
    }
    return used;
}

/*
 * peer_heap_touch - write every free byte of the EAL heap once: a table
 * that rte_zmalloc() hands out from pages never written would be read
 * through the kernel's shared zero page, which always hits the cache.
 */

void    peer_heap_touch(void)
{
    for (unsigned i = 0; i < rte_socket_count(); i++) {
        struct rte_malloc_socket_stats st;
        int     sock = rte_socket_id_by_idx(i);
        void   *p;

        if (rte_malloc_get_socket_stats(sock, &st) != 0 || st.greatest_free_size < 4096)
            continue;
        if ((p = rte_malloc_socket(NULL, st.greatest_free_size - 4096, 64, sock)) == NULL)
            continue;
        memset(p, 0x5a, st.greatest_free_size - 4096);
        rte_free(p);
    }
}

static size_t build_relaymilter(wl *w)
{
    size_t  cap = w->np * 48 + 1, len = 0;
    char   *text = xmalloc(cap);
    static rm_diag diag;

    for (uint64_t i = 0; i < w->np; i++) {
        char    a[INET6_ADDRSTRLEN];

        if (w->def->family == 4) {
            uint32_t be = htonl((uint32_t) w->p[i].net);

            inet_ntop(AF_INET, &be, a, sizeof(a));
        } else {
            uint8_t b[16];

            to_bytes16(w->p[i].net, b);
            inet_ntop(AF_INET6, b, a, sizeof(a));
        }
        len += (size_t) snprintf(text + len, cap - len, "%s/%u\n", a, w->p[i].plen);
    }
    rm_diag_init(&diag);
    if (rm_list_load_buffer(w->def->name, text, len, NULL, &w->rl, &diag) != 0) {
        const rm_diag_msg *m = rm_diag_first_error(&diag);
        char    buf[1024];

        if (m != NULL)
            rm_diag_format(m, buf, sizeof(buf));
        die("relaymilter: load failed: %s", m ? buf : "(no message)");
    }
    free(text);
    return rm_list_bytes(w->rl);
}

static size_t build_lpm(wl *w)
{
    char    name[64];
    struct rte_lpm_config cf = { (uint32_t) w->np, tbl8_need(w), 0 };
    size_t  before = dpdk_heap_used();

    snprintf(name, sizeof(name), "pb_lpm_%s", w->def->name);
    if ((w->lpm = rte_lpm_create(name, SOCKET_ID_ANY, &cf)) == NULL)
        die("rte_lpm_create: %s", rte_strerror(rte_errno));
    for (uint64_t i = 0; i < w->np; i++) {
        int     rc = rte_lpm_add(w->lpm, (uint32_t) w->p[i].net, (uint8_t) w->p[i].plen, 1);

        if (rc < 0)
            die("rte_lpm_add (prefix %" PRIu64 "): %s", i, strerror(-rc));
    }
    return dpdk_heap_used() - before;
}

static size_t build_fib(wl *w)
{
    char    name[64];
    struct rte_fib_conf cf;
    size_t  before = dpdk_heap_used();

    memset(&cf, 0, sizeof(cf));
    cf.type = RTE_FIB_DIR24_8;
    cf.default_nh = 0;
    cf.max_routes = (int) w->np;
    /* The smallest next hop whose bits can also name every tbl8 group. */
    cf.dir24_8.num_tbl8 = tbl8_need(w);
    cf.dir24_8.nh_sz = cf.dir24_8.num_tbl8 < (1u << 7) ? RTE_FIB_DIR24_8_1B
        : cf.dir24_8.num_tbl8 < (1u << 15) ? RTE_FIB_DIR24_8_2B : RTE_FIB_DIR24_8_4B;
    snprintf(name, sizeof(name), "pb_fib_%s", w->def->name);
    if ((w->fib = rte_fib_create(name, SOCKET_ID_ANY, &cf)) == NULL)
        die("rte_fib_create: %s", rte_strerror(rte_errno));
    for (uint64_t i = 0; i < w->np; i++) {
        int     rc = rte_fib_add(w->fib, (uint32_t) w->p[i].net, (uint8_t) w->p[i].plen, 1);

        if (rc < 0)
            die("rte_fib_add (prefix %" PRIu64 "): %s", i, strerror(-rc));
    }
    return dpdk_heap_used() - before;
}

static size_t build_lpm6(wl *w)
{
    char    name[64];
    struct rte_lpm6_config cf = { (uint32_t) w->np, tbl8_need(w), 0 };
    size_t  before = dpdk_heap_used();

    snprintf(name, sizeof(name), "pb_lpm6_%s", w->def->name);
    if ((w->lpm6 = rte_lpm6_create(name, SOCKET_ID_ANY, &cf)) == NULL)
        die("rte_lpm6_create: %s", rte_strerror(rte_errno));
    for (uint64_t i = 0; i < w->np; i++) {
        uint8_t b[16];
        int     rc;

        to_bytes16(w->p[i].net, b);
        if ((rc = rte_lpm6_add(w->lpm6, b, (uint8_t) w->p[i].plen, 1)) < 0)
            die("rte_lpm6_add (prefix %" PRIu64 "): %s", i, strerror(-rc));
    }
    return dpdk_heap_used() - before;
}

static size_t build_fib6(wl *w)
{
    char    name[64];
    struct rte_fib6_conf cf;
    size_t  before = dpdk_heap_used();

    memset(&cf, 0, sizeof(cf));
    cf.type = RTE_FIB6_TRIE;
    cf.default_nh = 0;
    cf.max_routes = (int) w->np;
    cf.trie.num_tbl8 = tbl8_need(w);
    cf.trie.nh_sz = cf.trie.num_tbl8 < (1u << 15) ? RTE_FIB6_TRIE_2B : RTE_FIB6_TRIE_4B;
    snprintf(name, sizeof(name), "pb_fib6_%s", w->def->name);
    if ((w->fib6 = rte_fib6_create(name, SOCKET_ID_ANY, &cf)) == NULL)
        die("rte_fib6_create: %s", rte_strerror(rte_errno));
    for (uint64_t i = 0; i < w->np; i++) {
        uint8_t b[16];
        int     rc;

        to_bytes16(w->p[i].net, b);
        if ((rc = rte_fib6_add(w->fib6, b, (uint8_t) w->p[i].plen, 1)) < 0)
            die("rte_fib6_add (prefix %" PRIu64 "): %s", i, strerror(-rc));
    }
    return dpdk_heap_used() - before;
}

/*
 * The passes (see pass_fn), one single and one batched per library, made
 * from one shape each so that they differ only in the call: noinline
 * keeps each a loop of its own.  LOOKUP(i) answers query i; BULK(i, n)
 * fills nh[0..n) for queries i.. and HIT(k) reads answer k.
 */
#define DEFINE_SINGLE(NAME, LOOKUP) \
static __attribute__((noinline)) uint64_t NAME(const wl *w, unsigned char *out) \
{ \
    uint64_t hits = 0; \
    for (uint64_t i = 0; i < w->nq; i++) { \
        bool    h = LOOKUP(i); \
        if (out) \
            out[i] = (unsigned char) h; \
        hits += h; \
    } \
    return hits; \
}

#define DEFINE_BATCH(NAME, NH_T, BULK, HIT) \
static __attribute__((noinline)) uint64_t NAME(const wl *w, unsigned char *out) \
{ \
    NH_T    nh[MAX_BATCH]; \
    uint64_t hits = 0; \
    for (uint64_t i = 0; i < w->nq; i += batch) { \
        unsigned n = w->nq - i < batch ? (unsigned) (w->nq - i) : batch; \
        BULK(i, n); \
        for (unsigned k = 0; k < n; k++) { \
            bool    h = HIT(k); \
            if (out) \
                out[i + k] = (unsigned char) h; \
            hits += h; \
        } \
    } \
    return hits; \
}

#define RM_ONE(i)       rm_list_match(w->rl, &w->qa[i], NULL)
#define RM_BULK(i, n)   rm_list_match_batch(w->rl, w->qa + (i), (n), nh, NULL)
#define LPM_ONE(i)      (rte_lpm_lookup(w->lpm, w->q4[i], &(uint32_t) {0}) == 0)
#define LPM_BULK(i, n)  rte_lpm_lookup_bulk(w->lpm, w->q4 + (i), nh, (n))
#define LPM_HIT(k)      ((nh[k] & RTE_LPM_LOOKUP_SUCCESS) != 0)
#define FIB_BULK(i, n)  rte_fib_lookup_bulk(w->fib, w->q4 + (i), nh, (int) (n))
#define LPM6_ONE(i)     (rte_lpm6_lookup(w->lpm6, w->q16[i], &(uint32_t) {0}) == 0)
#define LPM6_BULK(i, n) rte_lpm6_lookup_bulk_func(w->lpm6, w->q16 + (i), nh, (n))
#define FIB6_BULK(i, n) rte_fib6_lookup_bulk(w->fib6, w->q16 + (i), nh, (int) (n))
#define AS_IS(k)        (nh[k])
#define NONZERO(k)      (nh[k] != 0)
#define FOUND6(k)       (nh[k] >= 0)

DEFINE_SINGLE(rm_single, RM_ONE)
DEFINE_BATCH(rm_batch, bool, RM_BULK, AS_IS)
DEFINE_SINGLE(lpm_single, LPM_ONE)
DEFINE_BATCH(lpm_batch, uint32_t, LPM_BULK, LPM_HIT)
DEFINE_BATCH(fib_batch, uint64_t, FIB_BULK, NONZERO)
DEFINE_SINGLE(lpm6_single, LPM6_ONE)
DEFINE_BATCH(lpm6_batch, int32_t, LPM6_BULK, FOUND6)
DEFINE_BATCH(fib6_batch, uint64_t, FIB6_BULK, NONZERO)

const impl impls[] = {
    {"relaymilter", 0, build_relaymilter, rm_single, rm_batch},
    {"rte_lpm", 4, build_lpm, lpm_single, lpm_batch},
    {"rte_fib", 4, build_fib, NULL, fib_batch},
    {"rte_lpm6", 6, build_lpm6, lpm6_single, lpm6_batch},
    {"rte_fib6", 6, build_fib6, NULL, fib6_batch},
};

const size_t nimpls = sizeof(impls) / sizeof(impls[0]);

/* peer_free - every table and array of w; w is cleared */

void    peer_free(wl *w)
{
    if (w->rl)
        rm_list_free(w->rl);
    if (w->lpm)
        rte_lpm_free(w->lpm);
    if (w->fib)
        rte_fib_free(w->fib);
    if (w->lpm6)
        rte_lpm6_free(w->lpm6);
    if (w->fib6)
        rte_fib6_free(w->fib6);
    free(w->p);
    free(w->qa);
    free(w->q4);
    free(w->q16);
    free(w->inside);
    memset(w, 0, sizeof(*w));
}
