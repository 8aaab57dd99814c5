/* SPDX-License-Identifier: BSD-2-Clause */
/* peerbench - relaymilter's lookups beside DPDK's, in one process */

/*
 * peerbench [--json] [--seed S] [--queries N] [--runs R] [--batch B]
 *           [--workload W[,W...]] [--prefixes N] [--eal-mb MB] [--impl I[,I...]]
 *
 * Builds, from one seed, the prefix sets of the workloads
 *
 *   v4-1m    1,000,000 IPv4 prefixes with a BGP-like length mix
 *            (60% /24, most of the rest /16../23, 5.6% longer than /24)
 *   v6-200k  200,000 IPv6 prefixes in 2000::/3 (mostly /32../48)
 *   v4-1k    1,000 IPv4 prefixes, the same mix as v4-1m
 *
 * (--prefixes overrides the count, for a quick run), sorted ascending and
 * without duplicates, and gives the same set to relaymilter (as a list
 * file, through rm_list_load_buffer) and to rte_lpm and rte_fib (IPv4) or
 * rte_lpm6 and rte_fib6 (IPv6), each sized for the set: as many tbl8
 * groups as it needs, and for the rte_fib pair the smallest next hop whose
 * bits can also name them all.
 * Then the same N queries (default 10,000,000; half inside a listed
 * prefix, half uniform over the space) go to each implementation, one call
 * at a time (single_ns) and in batches of B (batch_ns; default 256), in R
 * interleaved rounds (default 5), and each figure is the median of the
 * rounds.  rte_fib and rte_fib6 have no single-address call: their
 * single_ns is null.  bytes_per_prefix is what the implementation holds
 * for the set divided by its prefixes: rm_list_bytes() for relaymilter,
 * the growth of the DPDK heap for the others (their rule tables and RIBs
 * included, as relaymilter's arena includes its records).
 *
 * Correctness, untimed, before anything is timed: every query's any-match
 * answer from every implementation and call (single and batched) must
 * equal relaymilter's single answer, and every query built inside a
 * listed prefix must match.  mismatches counts the queries where an
 * implementation disagrees; any mismatch makes the exit status 1, after
 * the figures are printed.  Usage and system errors exit 2.
 *
 * DPDK runs without huge pages (--no-huge --no-pci -m MB --no-telemetry
 * --no-shconf -l 0), and the thread's CPU affinity is given back after
 * EAL pinned it.  The EAL heap is written once before anything is built:
 * a table that rte_zmalloc() hands out from pages never written would be
 * read through the kernel's shared zero page, which always hits the cache.
 * rte_fib's DIR24_8 answered wrongly here for routes added out of order,
 * so every implementation gets the set in ascending order.  rte_lpm's add
 * scans the rules of the same length, so building v4-1m takes minutes.
 *
 * With --json, stdout is one JSON object per line, one per implementation
 * and workload, with the keys impl, workload, prefixes, queries, single_ns,
 * batch_ns, bytes_per_prefix, build_ms and mismatches; the human-readable
 * table goes to stderr instead.
 */

#include "config.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "bench_util.h"
#include "peerbench.h"
#include "rm_addr.h"
#include "rm_diag.h"
#include "rm_list.h"

#define DEFAULT_QUERIES 10000000ull
#define MAX_QUERIES     200000000ull
#define DEFAULT_RUNS    5
#define MAX_RUNS        31
#define DEFAULT_BATCH   256
#define DEFAULT_EAL_MB  4096

static const char *progname = "peerbench";

/* Prefix lengths in per mille. */
typedef struct plen_weight {
    unsigned plen;
    unsigned pm;
} plen_weight;

static const plen_weight mix4[] = {
    {13, 1}, {14, 2}, {15, 3}, {16, 6}, {17, 8}, {18, 14}, {19, 25}, {20, 35},
    {21, 40}, {22, 110}, {23, 100}, {24, 600}, {25, 6}, {26, 6}, {27, 5},
    {28, 5}, {29, 6}, {30, 4}, {31, 2}, {32, 22},
};

static const plen_weight mix6[] = {
    {29, 20}, {32, 150}, {33, 10}, {34, 10}, {35, 10}, {36, 40}, {40, 60},
    {44, 80}, {46, 30}, {47, 30}, {48, 450}, {52, 10}, {56, 40}, {60, 10},
    {64, 40}, {128, 10},
};


static const workload_def workloads[] = {
    {"v4-1m", 4, 1000000},
    {"v6-200k", 6, 200000},
    {"v4-1k", 4, 1000},
};

#define NWORKLOADS (sizeof(workloads) / sizeof(workloads[0]))


unsigned batch = DEFAULT_BATCH;

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: %s [--json] [--seed S] [--queries N] [--runs R] [--batch B]\n"
            "          [--workload W[,W...]] [--prefixes N] [--eal-mb MB] [--impl I[,I...]]\n"
            "  --json        one JSON object per line per implementation and workload\n"
            "  --seed S      random seed (default 1)\n"
            "  --queries N   queries per timed pass (default %llu)\n"
            "  --runs R      interleaved rounds, 1..%d (default %d); figures are medians\n"
            "  --batch B     addresses per batched call, 1..%d (default %d)\n"
            "  --workload W  v4-1m, v6-200k, v4-1k, comma separated (default all)\n"
            "  --prefixes N  prefixes per workload instead of its own count\n"
            "  --eal-mb MB   DPDK heap size (default %d)\n"
            "  --impl I      only these beside relaymilter, comma separated (default all)\n",
            progname, (unsigned long long) DEFAULT_QUERIES, MAX_RUNS, DEFAULT_RUNS,
            MAX_BATCH, DEFAULT_BATCH, DEFAULT_EAL_MB);
}

/* vsay - progname: the message, on stderr */
static void vsay(const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", progname);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    usage(stderr);
    exit(2);
}

void    die(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    exit(2);
}

void   *xmalloc(size_t n)
{
    void   *p = malloc(n ? n : 1);

    if (p == NULL)
        die("out of memory (%zu bytes)", n);
    return p;
}

static uint64_t parse_num(const char *opt, const char *s, uint64_t min, uint64_t max)
{
    uint64_t v;

    if (bench_parse_u64(s, min, max, &v) < 0)
        usage_error("bad number for %s: '%s' (%llu..%llu)", opt, s,
                    (unsigned long long) min, (unsigned long long) max);
    return v;
}

/* Prefix sets and queries. */

static unsigned pick_plen(const plen_weight *w, size_t n)
{
    unsigned r = (unsigned) bench_below(1000);

    for (size_t i = 0; i < n; i++) {
        if (r < w[i].pm)
            return w[i].plen;
        r -= w[i].pm;
    }
    return w[n - 1].plen;
}

#define V6_SPACE_BASE ((rm_u128) 0x2000 << 112)         /* 2000::/3 */

static rm_u128 random_in_space(int family)
{
    if (family == 4)
        return (uint32_t) bench_rand();
    return V6_SPACE_BASE | (bench_rand128() & bench_host_mask(3, 128));
}

static int cmp_prefix(const void *a, const void *b)
{
    const prefix *x = a, *y = b;

    if (x->net != y->net)
        return x->net < y->net ? -1 : 1;
    return (x->plen > y->plen) - (x->plen < y->plen);
}

/* gen_prefixes - n random prefixes of the family's mix, ascending, unique */

static prefix *gen_prefixes(int family, uint64_t n, uint64_t *np)
{
    prefix *p = xmalloc(n * sizeof(*p));
    unsigned width = family == 4 ? 32 : 128;
    uint64_t w = 0;

    for (uint64_t i = 0; i < n; i++) {
        p[i].plen = family == 4 ? pick_plen(mix4, sizeof(mix4) / sizeof(mix4[0]))
            : pick_plen(mix6, sizeof(mix6) / sizeof(mix6[0]));
        p[i].net = random_in_space(family) & ~bench_host_mask(p[i].plen, width);
    }
    qsort(p, n, sizeof(*p), cmp_prefix);
    for (uint64_t i = 0; i < n; i++)
        if (w == 0 || cmp_prefix(&p[w - 1], &p[i]) != 0)
            p[w++] = p[i];
    *np = w;
    return p;
}

/* gen_queries - half inside a random prefix, half uniform in the space */

static void gen_queries(wl *w)
{
    int     family = w->def->family;
    unsigned width = family == 4 ? 32 : 128;

    w->qa = xmalloc(w->nq * sizeof(*w->qa));
    w->inside = xmalloc(w->nq);
    if (family == 4)
        w->q4 = xmalloc(w->nq * sizeof(*w->q4));
    else
        w->q16 = xmalloc(w->nq * sizeof(*w->q16));
    memset(w->qa, 0, w->nq * sizeof(*w->qa));
    for (uint64_t i = 0; i < w->nq; i++) {
        rm_u128 v;

        w->inside[i] = (unsigned char) (bench_rand() & 1);
        if (w->inside[i]) {
            const prefix *p = &w->p[bench_below(w->np)];

            v = p->net | (bench_rand128() & bench_host_mask(p->plen, width));
        } else {
            v = random_in_space(family);
        }
        w->qa[i].family = family == 4 ? RM_AF_INET : RM_AF_INET6;
        w->qa[i].v = v;
        if (family == 4)
            w->q4[i] = (uint32_t) v;
        else
            to_bytes16(v, w->q16[i]);
    }
}

/* skip[j]: --impl left implementation j out (relaymilter, the reference,
 * is always in) */
static bool skip[16];

static void parse_impls(const char *arg)
{
    char   *list = strdup(arg), *tok, *save;

    if (list == NULL)
        die("out of memory");
    for (size_t j = 1; j < nimpls; j++)
        skip[j] = true;
    for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t  j;

        for (j = 0; j < nimpls && strcmp(tok, impls[j].name) != 0; j++)
            continue;
        if (j == nimpls)
            usage_error("unknown implementation '%s' (relaymilter, rte_lpm, rte_fib, rte_lpm6, rte_fib6)", tok);
        skip[j] = false;
    }
    free(list);
}

typedef struct result {
    bool    used;
    double  single[MAX_RUNS], batch[MAX_RUNS];
    double  build_ms;
    size_t  bytes;
    uint64_t mismatches;
} result;

/* check - every answer of every implementation against relaymilter's */

static void check(const wl *w, result *res)
{
    unsigned char *ref = xmalloc(w->nq), *got = xmalloc(w->nq);

    impls[0].single(w, ref);
    for (uint64_t i = 0; i < w->nq; i++)
        res[0].mismatches += w->inside[i] && !ref[i];
    for (size_t j = 0; j < nimpls; j++) {
        const impl *im = &impls[j];
        bool   *bad;

        if (!res[j].used)
            continue;
        bad = calloc(w->nq, sizeof(*bad));
        if (bad == NULL)
            die("out of memory");
        for (int pass = 0; pass < 2; pass++) {
            pass_fn f = pass == 0 ? im->single : im->batch;

            if (f == NULL || (j == 0 && pass == 0))
                continue;
            f(w, got);
            for (uint64_t i = 0; i < w->nq; i++)
                if (got[i] != ref[i] && !bad[i]) {
                    if (res[j].mismatches < 5)
                        fprintf(stderr, "%s: %s, %s %s: query %" PRIu64 " answered %d, relaymilter %d\n",
                                progname, w->def->name, im->name, pass ? "batch" : "single",
                                i, got[i], ref[i]);
                    bad[i] = true;
                    res[j].mismatches++;
                }
        }
        free(bad);
    }
    free(ref);
    free(got);
}

static void json_num(double v, bool null)
{
    if (null)
        printf("null");
    else
        printf("%.2f", v);
}

/* report - the figures of one workload: a table, or JSON lines */

static void report(const wl *w, const result *res, int runs, bool json)
{
    FILE   *fp = json ? stderr : stdout;
    double  rs = bench_median(res[0].single, (size_t) runs);
    double  rb = bench_median(res[0].batch, (size_t) runs);

    fprintf(fp, "%s: %" PRIu64 " prefixes, %" PRIu64 " queries, median of %d rounds\n",
            w->def->name, w->np, w->nq, runs);
    fprintf(fp, "  %-12s %10s %10s %12s %10s %12s %12s %10s\n", "impl", "single_ns", "batch_ns",
            "bytes/prefix", "build_ms", "single/rm", "batch/rm", "mismatch");
    for (size_t j = 0; j < nimpls; j++) {
        const result *r = &res[j];
        double  s, b, bpp;

        if (!r->used)
            continue;
        s = impls[j].single ? bench_median(r->single, (size_t) runs) : 0;
        b = bench_median(r->batch, (size_t) runs);
        bpp = (double) r->bytes / (double) w->np;
        fprintf(fp, "  %-12s ", impls[j].name);
        if (impls[j].single)
            fprintf(fp, "%10.2f ", s);
        else
            fprintf(fp, "%10s ", "-");
        fprintf(fp, "%10.2f %12.1f %10.1f ", b, bpp, r->build_ms);
        if (impls[j].single)
            fprintf(fp, "%12.2f ", s / rs);
        else
            fprintf(fp, "%12s ", "-");
        fprintf(fp, "%12.2f %10" PRIu64 "\n", b / rb, r->mismatches);
        if (!json)
            continue;
        printf("{\"impl\": \"%s\", \"workload\": \"%s\", \"prefixes\": %" PRIu64
               ", \"queries\": %" PRIu64 ", \"single_ns\": ", impls[j].name, w->def->name, w->np, w->nq);
        json_num(s, impls[j].single == NULL);
        printf(", \"batch_ns\": ");
        json_num(b, false);
        printf(", \"bytes_per_prefix\": %.2f, \"build_ms\": %.1f, \"mismatches\": %" PRIu64 "}\n",
               bpp, r->build_ms, r->mismatches);
    }
    fflush(stdout);
    fflush(stderr);
}

/* run_workload - build, check, time and report one workload; returns its
 * mismatches */

static uint64_t run_workload(const workload_def *def, uint64_t seed, uint64_t prefixes,
                             uint64_t queries, int runs, bool json)
{
    wl      w;
    result  res[16];
    uint64_t bad = 0;
    static volatile uint64_t sink;

    memset(&w, 0, sizeof(w));
    memset(res, 0, sizeof(res));
    w.def = def;
    w.nq = queries;
    bench_seed(seed);                   /* a workload's data does not depend on the others */
    w.p = gen_prefixes(def->family, prefixes ? prefixes : def->prefixes, &w.np);
    gen_queries(&w);
    for (size_t j = 0; j < nimpls; j++) {
        double  t0;

        if ((impls[j].family != 0 && impls[j].family != def->family) || skip[j])
            continue;
        fprintf(stderr, "%s: %s: building %s\n", progname, def->name, impls[j].name);
        t0 = bench_now_ns();
        res[j].bytes = impls[j].build(&w);
        res[j].build_ms = (bench_now_ns() - t0) / 1e6;
        res[j].used = true;
    }
    check(&w, res);
    /* Interleaved: each round runs every implementation once, starting
     * with a different one each round. */
    for (int r = 0; r < runs; r++) {
        for (size_t o = 0; o < nimpls; o++) {
            size_t  j = (o + (size_t) r) % nimpls;
            double  t0;

            if (!res[j].used)
                continue;
            if (impls[j].single) {
                t0 = bench_now_ns();
                sink += impls[j].single(&w, NULL);
                res[j].single[r] = (bench_now_ns() - t0) / (double) w.nq;
            }
            t0 = bench_now_ns();
            sink += impls[j].batch(&w, NULL);
            res[j].batch[r] = (bench_now_ns() - t0) / (double) w.nq;
        }
    }
    report(&w, res, runs, json);
    for (size_t j = 0; j < nimpls; j++) {
        if (res[j].mismatches)
            fprintf(stderr, "%s: %s: %s disagrees with relaymilter on %" PRIu64 " queries\n",
                    progname, def->name, impls[j].name, res[j].mismatches);
        bad += res[j].mismatches;
    }
    peer_free(&w);
    return bad;
}

/* eal_start - DPDK without huge pages or devices, then the affinity back */

static void eal_start(unsigned mb)
{
    char    mem[16], fprefix[64];
    char   *args[] = {
        (char *) "peerbench", (char *) "--no-huge", (char *) "--no-pci", (char *) "-m", mem,
        (char *) "--no-telemetry", (char *) "--no-shconf", (char *) "-l", (char *) "0",
        (char *) "--log-level=error", fprefix, NULL,
    };
    cpu_set_t cpus;

    snprintf(mem, sizeof(mem), "%u", mb);
    snprintf(fprefix, sizeof(fprefix), "--file-prefix=peerbench%ld", (long) getpid());
    if (sched_getaffinity(0, sizeof(cpus), &cpus) == -1)
        die("sched_getaffinity: %s", strerror(errno));
    if (rte_eal_init((int) (sizeof(args) / sizeof(args[0]) - 1), args) < 0)
        die("rte_eal_init: %s", rte_strerror(rte_errno));
    if (pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus) != 0)
        die("pthread_setaffinity_np: cannot give the CPUs back");
    peer_heap_touch();
}

int     main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"seed", required_argument, NULL, 's'},
        {"queries", required_argument, NULL, 'q'},
        {"runs", required_argument, NULL, 'r'},
        {"batch", required_argument, NULL, 'b'},
        {"workload", required_argument, NULL, 'w'},
        {"prefixes", required_argument, NULL, 'p'},
        {"eal-mb", required_argument, NULL, 'm'},
        {"impl", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t seed = 1, queries = DEFAULT_QUERIES, prefixes = 0, mb = DEFAULT_EAL_MB, bad = 0;
    int     runs = DEFAULT_RUNS, c;
    bool    json = false, chosen[NWORKLOADS], any = false;
    char   *list, *tok, *save;

    memset(chosen, 0, sizeof(chosen));
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 's':
            seed = parse_num("--seed", optarg, 0, UINT64_MAX);
            break;
        case 'q':
            queries = parse_num("--queries", optarg, 1, MAX_QUERIES);
            break;
        case 'r':
            runs = (int) parse_num("--runs", optarg, 1, MAX_RUNS);
            break;
        case 'b':
            batch = (unsigned) parse_num("--batch", optarg, 1, MAX_BATCH);
            break;
        case 'p':
            prefixes = parse_num("--prefixes", optarg, 1, RM_DEFAULT_MAX_ENTRIES);
            break;
        case 'm':
            mb = parse_num("--eal-mb", optarg, 64, 1u << 20);
            break;
        case 'w':
            if ((list = strdup(optarg)) == NULL)
                die("out of memory");
            for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                size_t  k;

                for (k = 0; k < NWORKLOADS && strcmp(tok, workloads[k].name) != 0; k++)
                    continue;
                if (k == NWORKLOADS)
                    usage_error("unknown workload '%s' (v4-1m, v6-200k, v4-1k)", tok);
                chosen[k] = any = true;
            }
            free(list);
            break;
        case 'i':
            parse_impls(optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage_error("bad option: %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        usage_error("unexpected argument: %s", argv[optind]);
    if (!any)
        for (size_t k = 0; k < NWORKLOADS; k++)
            chosen[k] = true;
    eal_start((unsigned) mb);
    for (size_t k = 0; k < NWORKLOADS; k++)
        if (chosen[k])
            bad += run_workload(&workloads[k], seed + k, prefixes, queries, runs, json);
    rte_eal_cleanup();
    if (bad) {
        fprintf(stderr, "%s: FAILED: %" PRIu64 " answers differ from relaymilter's (see above)\n",
                progname, bad);
        return 1;
    }
    return 0;
}
