/* SPDX-License-Identifier: BSD-2-Clause */
/* relaybench - measure the list loader and index against a memory baseline */

/*
 * relaybench --entries N --family 4|6 [--json] [--seed S] [--lookups M]
 *            [--noncontig N]
 *
 * Builds a random list of N prefixes, writes it as a list file (one CIDR
 * prefix a line; with --noncontig, that many of the entries are Exchange
 * entries net;mask instead, their masks drawn from 16 distinct
 * non-contiguous masks with at most 8 zero bits between the ones, such as
 * 255.0.255.0) in a fresh temporary directory, loads it through the real
 * loader, rm_list_load(), and measures in the same run:
 *
 *   lookup_ns    mean time of one rm_list_match() over M pre-generated
 *                addresses (about half inside a random entry, half uniformly
 *                random), median of 5 timed passes
 *   baseline_ns  mean time of one random 8-byte read from an array as large
 *                as the arena (and given the same huge-page advice),
 *                same loop shape and count, median of 5
 *   load_ms      time of one rm_list_load(), median of 3
 *   heap_allocs  heap allocations one load makes, counted by an allocator
 *                installed with rm_mem_set_allocator() (lib's only door)
 *   arena_bytes  rm_list_bytes(): all memory the loaded list keeps
 *
 * For information only (not in the JSON) it also prints the latency of a
 * dependent random read from the same array: the baseline above is the
 * throughput of independent reads, which the CPU overlaps many at a time.
 * Every address inside an entry must match (checked untimed; exit 2 if not).
 *
 * A human readable summary goes to stdout; with --json the last line is one
 * JSON object with exactly the keys entries, family, lookup_ns, baseline_ns,
 * load_ms, heap_allocs, arena_bytes.  Bad arguments print usage, exit 2;
 * any other failure exits 2 as well (DESIGN.md: usage or system error).
 */

#include "config.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "rm_addr.h"
#include "rm_diag.h"
#include "rm_list.h"
#include "rm_mem.h"

#define DEFAULT_LOOKUPS  10000000ull
#define DEFAULT_SEED     1ull
#define MAX_ENTRIES      RM_DEFAULT_MAX_ENTRIES
#define MAX_LOOKUPS      1000000000ull
#define LOOKUP_RUNS      5
#define LOAD_RUNS        3

static const char *progname = "relaybench";
static char tmp_dir[256], tmp_list[256 + 16], tmp_plain[256 + 16];   /* removed at exit */

static void cleanup(void)
{
    if (tmp_list[0])
        unlink(tmp_list);
    if (tmp_plain[0])
        unlink(tmp_plain);
    if (tmp_dir[0])
        rmdir(tmp_dir);
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: %s --entries N --family 4|6 [--json] [--seed S] [--lookups M] [--noncontig N]\n"
            "  --entries N   prefixes in the generated list (1..%u)\n"
            "  --family F    4 (IPv4) or 6 (IPv6)\n"
            "  --json        end the output with one JSON object on its own line\n"
            "  --seed S      random seed (default %llu)\n"
            "  --lookups M   addresses per timed pass (default %llu)\n"
            "  --noncontig N make N of the entries Exchange entries with non-contiguous\n"
            "                masks, from 16 distinct masks (default 0)\n",
            progname, (unsigned) MAX_ENTRIES, (unsigned long long) DEFAULT_SEED,
            (unsigned long long) DEFAULT_LOOKUPS);
}

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt,...)
{
    va_list ap;

    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage(stderr);
    exit(2);
}

static void __attribute__((noreturn)) fail(const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", progname, what, strerror(errno));
    exit(2);
}

static void *xmalloc(size_t n)
{
    void   *p = malloc(n ? n : 1);

    if (p == NULL)
        fail("out of memory");
    return p;
}

/* parse_u64 - a plain decimal number in [min, max], or a usage error */

static uint64_t parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
    uint64_t v;

    if (bench_parse_u64(s, min, max, &v) < 0)
        usage_error("bad number for %s", opt);
    return v;
}

/*
 * Prefix lengths, in percent.  IPv4: /16../32, weighted toward /24../32.
 * IPv6: inside 2000::/3, /32../64 (mostly /48, /56, /64) and some /128.
 */
typedef struct plen_weight {
    unsigned plen;
    unsigned pct;
} plen_weight;

static const plen_weight w4[] = {
    {16, 1}, {17, 1}, {18, 1}, {19, 1}, {20, 2}, {21, 2}, {22, 3}, {23, 3},
    {24, 40}, {25, 3}, {26, 3}, {27, 3}, {28, 3}, {29, 3}, {30, 3}, {31, 3},
    {32, 25},
};

static const plen_weight w6[] = {
    {32, 5}, {33, 1}, {34, 1}, {35, 1}, {36, 1}, {37, 1}, {38, 1}, {39, 1},
    {40, 1}, {41, 1}, {42, 1}, {43, 1}, {44, 1}, {45, 1}, {46, 1}, {47, 1},
    {48, 30}, {49, 1}, {50, 1}, {51, 1}, {52, 1}, {53, 1}, {54, 1}, {55, 1},
    {56, 15}, {57, 1}, {58, 1}, {59, 1}, {60, 1}, {61, 1}, {62, 1}, {63, 1},
    {64, 11}, {128, 10},
};

static unsigned pick_plen(const plen_weight *w, size_t n)
{
    unsigned r = (unsigned) bench_below(100);

    for (size_t i = 0; i < n; i++) {
        if (r < w[i].pct)
            return w[i].plen;
        r -= w[i].pct;
    }
    return w[n - 1].plen;
}

#define V6_SPACE_BITS 125               /* 2000::/3 */
#define V6_SPACE_BASE ((rm_u128) 0x2000 << 112)

static rm_u128 random_in_space(int family)
{
    if (family == 4)
        return (rm_u128) (uint32_t) bench_rand();
    return V6_SPACE_BASE | (bench_rand128() & bench_host_mask(3, 128));
}

/* The generated list, kept for building addresses inside its entries:
 * a prefix net/plen, or with a mask an Exchange entry net;mask. */
typedef struct prefix {
    rm_u128 net;
    rm_u128 mask;                       /* 0: a prefix */
    unsigned plen;
} prefix;

#define NONCONTIG_MASKS 16

/*
 * noncontig_mask - a mask as Exchange admins wrote them (255.0.255.0, say):
 * leading ones, a hole of 1 to 8 zero bits, more ones, then zeros.  IPv4:
 * 8 to 16 leading ones; IPv6: 16 to 48.
 */
static rm_u128 noncontig_mask(int family)
{
    unsigned width = family == 4 ? 32 : 128;
    unsigned top = family == 4 ? 8 + (unsigned) bench_below(9) : 16 + (unsigned) bench_below(33);
    unsigned hole = 1 + (unsigned) bench_below(8);
    unsigned room = width - top - hole, more = 1 + (unsigned) bench_below(room < 16 ? room : 16);
    rm_u128 all = bench_host_mask(0, width);

    return (all & ~bench_host_mask(top, width))
        | ((bench_host_mask(width - more, width)) << (width - top - hole - more));
}

/* gen_prefixes - n entries; the first noncontig of them with one of 16
 * distinct non-contiguous masks (the loader sorts: file order is moot) */

static prefix *gen_prefixes(int family, uint64_t n, uint64_t noncontig)
{
    prefix *p = xmalloc(n * sizeof(*p));
    unsigned width = family == 4 ? 32 : 128;
    rm_u128 masks[NONCONTIG_MASKS];

    for (int k = 0; k < NONCONTIG_MASKS; k++) {
        int     j;

        do {
            masks[k] = noncontig_mask(family);
            for (j = 0; j < k && masks[j] != masks[k]; j++)
                continue;
        } while (j < k);
    }
    for (uint64_t i = 0; i < n; i++) {
        unsigned plen = family == 4 ? pick_plen(w4, sizeof(w4) / sizeof(w4[0]))
            : pick_plen(w6, sizeof(w6) / sizeof(w6[0]));

        p[i].plen = plen;
        p[i].mask = i < noncontig ? masks[bench_below(NONCONTIG_MASKS)] : 0;
        p[i].net = random_in_space(family) & (p[i].mask ? p[i].mask : ~bench_host_mask(plen, width));
        if (family == 4)
            p[i].net &= 0xffffffffu;
    }
    return p;
}

static void format_addr(int family, rm_u128 v, char *buf, size_t len)
{
    if (family == 4) {
        uint32_t be = htonl((uint32_t) v);

        inet_ntop(AF_INET, &be, buf, (socklen_t) len);
    } else {
        unsigned char b[16];

        for (int i = 0; i < 16; i++)
            b[i] = (unsigned char) (v >> (8 * (15 - i)));
        inet_ntop(AF_INET6, b, buf, (socklen_t) len);
    }
}

/* write_list - the list file, one prefix a line; returns its size */

static uint64_t write_list(const char *path, int family, const prefix *p, uint64_t n)
{
    FILE   *fp;
    char    addr[INET6_ADDRSTRLEN];
    uint64_t size = 0;

    if ((fp = fopen(path, "w")) == NULL)
        fail(path);
    for (uint64_t i = 0; i < n; i++) {
        int     k;

        format_addr(family, p[i].net, addr, sizeof(addr));
        if (p[i].mask) {
            char    mask[INET6_ADDRSTRLEN];

            format_addr(family, p[i].mask, mask, sizeof(mask));
            k = fprintf(fp, "%s;%s\n", addr, mask);
        } else {
            k = fprintf(fp, "%s/%u\n", addr, p[i].plen);
        }
        if (k < 0)
            fail(path);
        size += (uint64_t) k;
    }
    if (fclose(fp) != 0)
        fail(path);
    return size;
}

/* load_plain - the list again with every entry a prefix (the Exchange
 * entries' own prefix lengths), loaded before the counting allocator is
 * installed: what --noncontig's lookups are compared with, in one run. */

static rm_list *load_plain(int family, const prefix *p, uint64_t n)
{
    prefix *q = xmalloc(n * sizeof(*q));
    rm_list *l = NULL;
    static rm_diag d;
    unsigned width = family == 4 ? 32 : 128;

    for (uint64_t i = 0; i < n; i++) {
        q[i] = p[i];
        q[i].mask = 0;
        q[i].net &= ~bench_host_mask(q[i].plen, width);
    }
    snprintf(tmp_plain, sizeof(tmp_plain), "%s/plain.list", tmp_dir);
    write_list(tmp_plain, family, q, n);
    free(q);
    rm_diag_init(&d);
    if (rm_list_load(tmp_plain, NULL, NULL, &l, &d) != 0) {
        fprintf(stderr, "%s: the list without masks did not load\n", progname);
        exit(2);
    }
    return l;
}

/* The counting allocator: every rm_malloc() of lib comes through here. */

typedef struct counter {
    uint64_t allocs;
    uint64_t releases;
    uint64_t live_bytes;
} counter;

#define HDR 16                          /* keeps malloc's 16-byte alignment */

static void *count_alloc(size_t size, void *ctx)
{
    counter *c = ctx;
    unsigned char *p = malloc(size + HDR);

    if (p == NULL)
        return NULL;
    memcpy(p, &size, sizeof(size));
    c->allocs++;
    c->live_bytes += size;
    return p + HDR;
}

static void count_release(void *ptr, void *ctx)
{
    counter *c = ctx;
    unsigned char *p = (unsigned char *) ptr - HDR;
    size_t  size;

    memcpy(&size, p, sizeof(size));
    c->releases++;
    c->live_bytes -= size;
    free(p);
}

static counter heap;

static volatile uint64_t sink;

/*
 * The timed loops.  Both read their pre-generated input in order, do one
 * dependent piece of work per element, and add its result to the volatile
 * sink; noinline keeps each a loop of its own that the compiler cannot
 * merge with the setup.
 */
static __attribute__((noinline)) void loop_lookup(const rm_list *l, const rm_addr *addrs, uint64_t m)
{
    rm_match mt;

    /* No branch on the answer here: what the lookup costs is lib's alone. */
    for (uint64_t i = 0; i < m; i++) {
        mt.entry = 0;
        sink += (uint64_t) rm_list_match(l, &addrs[i], &mt) + mt.entry;
    }
}

/* loop_batch - the same lookups through rm_list_match_batch, in chunks */
static __attribute__((noinline)) void loop_batch(const rm_list *l, const rm_addr *addrs, uint64_t m)
{
    enum { CHUNK = 256 };
    bool    hit[CHUNK];
    rm_match mt[CHUNK];

    for (uint64_t i = 0; i < m; i += CHUNK) {
        size_t  n = m - i < CHUNK ? (size_t) (m - i) : CHUNK;

        rm_list_match_batch(l, addrs + i, n, hit, mt);
        for (size_t k = 0; k < n; k++)
            sink += (uint64_t) hit[k] + mt[k].entry;
    }
}

static __attribute__((noinline)) void loop_baseline(const uint64_t *arr, const uint32_t *idx, uint64_t m)
{
    for (uint64_t i = 0; i < m; i++)
        sink += arr[idx[i]];
}

/* loop_latency - the same reads, each made to wait for the one before (the
 * array holds zeros, which the compiler cannot know): the memory latency a
 * chain of dependent loads, like a search, pays per step.  Information
 * only; not one of the figures in the JSON. */
static __attribute__((noinline)) void loop_latency(const uint64_t *arr, const uint32_t *idx, uint64_t m)
{
    uint64_t v = 0;

    for (uint64_t i = 0; i < m; i++) {
        v = arr[idx[i] + v];
        sink += v;
    }
}

static void print_runs(const char *unit, const double *v, size_t n)
{
    printf(" (runs:");
    for (size_t i = 0; i < n; i++)
        printf(" %.2f", v[i]);
    printf(" %s)\n", unit);
}

int     main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"entries", required_argument, NULL, 'n'},
        {"family", required_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},
        {"seed", required_argument, NULL, 's'},
        {"lookups", required_argument, NULL, 'm'},
        {"noncontig", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t entries = 0, seed = DEFAULT_SEED, lookups = DEFAULT_LOOKUPS, noncontig = 0;
    int     family = 0, json = 0, c;
    const char *tmpdir;
    prefix *pfx;
    uint64_t file_bytes, nwords, allocs = 0, kept = 0, hits = 0, misses_inside = 0;
    rm_allocator counting = { count_alloc, count_release, &heap };
    rm_list *list = NULL, *plain = NULL;
    static rm_diag diag;
    double  plain_batch[LOOKUP_RUNS], plain_single[LOOKUP_RUNS];
    double  load_ms[LOAD_RUNS], look_ns[LOOKUP_RUNS], base_ns[LOOKUP_RUNS], lat_ns[LOOKUP_RUNS], single_ns[LOOKUP_RUNS];
    double  lookup, single, baseline, latency, load, t0;
    uint32_t *idx;
    rm_addr *addrs;
    unsigned char *inside;
    uint64_t *arr;
    size_t  arena;

    if (argc > 0 && argv[0] && strrchr(argv[0], '/'))
        progname = strrchr(argv[0], '/') + 1;
    else if (argc > 0 && argv[0] && *argv[0])
        progname = argv[0];
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            entries = parse_u64("--entries", optarg, 1, MAX_ENTRIES);
            break;
        case 'f':
            if (strcmp(optarg, "4") == 0)
                family = 4;
            else if (strcmp(optarg, "6") == 0)
                family = 6;
            else
                usage_error("--family must be 4 or 6, not '%s'", optarg);
            break;
        case 'j':
            json = 1;
            break;
        case 's':
            seed = parse_u64("--seed", optarg, 0, UINT64_MAX);
            break;
        case 'm':
            lookups = parse_u64("--lookups", optarg, 1, MAX_LOOKUPS);
            break;
        case 'c':
            noncontig = parse_u64("--noncontig", optarg, 0, MAX_ENTRIES);
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
    if (entries == 0)
        usage_error("--entries is required");
    if (family == 0)
        usage_error("--family is required");
    if (noncontig > entries)
        usage_error("--noncontig %llu is more than --entries %llu",
                    (unsigned long long) noncontig, (unsigned long long) entries);

    /* The list file, in a directory of its own. */
    bench_seed(seed);
    pfx = gen_prefixes(family, entries, noncontig);
    if ((tmpdir = getenv("TMPDIR")) == NULL || *tmpdir == '\0'
        || strlen(tmpdir) + sizeof("/relaybench.XXXXXX") > sizeof(tmp_dir))
        tmpdir = "/tmp";
    snprintf(tmp_dir, sizeof(tmp_dir), "%s/relaybench.XXXXXX", tmpdir);
    if (mkdtemp(tmp_dir) == NULL) {
        tmp_dir[0] = '\0';
        fail("mkdtemp");
    }
    atexit(cleanup);
    snprintf(tmp_list, sizeof(tmp_list), "%s/bench.list", tmp_dir);
    file_bytes = write_list(tmp_list, family, pfx, entries);
    if (noncontig)
        plain = load_plain(family, pfx, entries);

    /* Loads: all through the counting allocator, which must see the same
     * count every time; keep the last list for the lookups. */
    rm_mem_set_allocator(&counting);
    for (int r = 0; r < LOAD_RUNS; r++) {
        uint64_t before = heap.allocs;

        if (list != NULL) {
            rm_list_free(list);
            list = NULL;
        }
        if (heap.live_bytes != 0) {
            fprintf(stderr, "%s: %" PRIu64 " bytes still held after rm_list_free\n",
                    progname, heap.live_bytes);
            exit(2);
        }
        rm_diag_init(&diag);
        t0 = bench_now_ns();
        if (rm_list_load(tmp_list, NULL, NULL, &list, &diag) != 0) {
            const rm_diag_msg *m = rm_diag_first_error(&diag);
            char    buf[1024];

            if (m != NULL)
                rm_diag_format(m, buf, sizeof(buf));
            fprintf(stderr, "%s: load failed: %s\n", progname, m ? buf : "(no message)");
            exit(2);
        }
        load_ms[r] = (bench_now_ns() - t0) / 1e6;
        if (r == 0)
            allocs = heap.allocs - before;
        else if (heap.allocs - before != allocs) {
            fprintf(stderr, "%s: loads made different numbers of allocations (%" PRIu64
                    " and %" PRIu64 ")\n", progname, allocs, heap.allocs - before);
            exit(2);
        }
        kept = heap.live_bytes;
    }
    cleanup();
    tmp_list[0] = tmp_plain[0] = tmp_dir[0] = '\0';
    load = bench_median(load_ms, LOAD_RUNS);
    arena = rm_list_bytes(list);

    /* Lookup addresses: about half inside a random entry (host bits random),
     * half uniformly random (IPv4: all of it; IPv6: 2000::/3, where the
     * entries are: outside it every lookup would stop at the first test). */
    inside = xmalloc(lookups);
    addrs = xmalloc(lookups * sizeof(*addrs));
    memset(addrs, 0, lookups * sizeof(*addrs));
    for (uint64_t i = 0; i < lookups; i++) {
        rm_u128 v;

        inside[i] = (unsigned char) (bench_rand() & 1);
        if (inside[i]) {
            const prefix *p = &pfx[bench_below(entries)];

            rm_u128 host = p->mask ? ~p->mask & bench_host_mask(0, family == 4 ? 32 : 128)
                : bench_host_mask(p->plen, family == 4 ? 32 : 128);

            v = p->net | (bench_rand128() & host);
        } else {
            v = random_in_space(family);
        }
        addrs[i].family = family == 4 ? RM_AF_INET : RM_AF_INET6;
        addrs[i].v = v;
    }

    /* The baseline array: as large as the arena, every page written (with
     * zeros: loop_latency relies on them), and given the transparent huge
     * pages the loader asks for under the arena, so that both are read
     * through the same kind of page. */
    nwords = arena / sizeof(uint64_t);
    if (nwords == 0)
        nwords = 1;
    arr = xmalloc(nwords * sizeof(*arr));
    rm_mem_huge(arr, nwords * sizeof(*arr));
    memset(arr, 0, nwords * sizeof(*arr));
    idx = xmalloc(lookups * sizeof(*idx));
    for (uint64_t i = 0; i < lookups; i++)
        idx[i] = (uint32_t) bench_below(nwords);

    /* Check, untimed: every address inside an entry must match. */
    for (uint64_t i = 0; i < lookups; i++) {
        bool    hit = rm_list_match(list, &addrs[i], NULL);

        hits += hit;
        if (inside[i] && !hit)
            misses_inside++;
    }
    free(inside);
    free(pfx);

    /* Check, untimed: the batch path answers exactly as one call each. */
    {
        enum { CHUNK = 256 };
        bool    bh[CHUNK];
        rm_match bm[CHUNK], sm;

        for (uint64_t i = 0; i < lookups; i += CHUNK) {
            size_t  n = lookups - i < CHUNK ? (size_t) (lookups - i) : CHUNK;

            rm_list_match_batch(list, addrs + i, n, bh, bm);
            for (size_t k = 0; k < n; k++) {
                bool    sh = rm_list_match(list, &addrs[i + k], &sm);

                if (sh != bh[k] || (sh && sm.entry != bm[k].entry)) {
                    fprintf(stderr, "%s: batch and single lookups disagree on address %" PRIu64 "\n",
                            progname, i + k);
                    exit(2);
                }
            }
        }
    }

    /* The timed passes, lookup and baseline interleaved. */
    for (int r = 0; r < LOOKUP_RUNS; r++) {
        uint64_t before = heap.allocs;

        t0 = bench_now_ns();
        loop_batch(list, addrs, lookups);
        look_ns[r] = (bench_now_ns() - t0) / (double) lookups;
        t0 = bench_now_ns();
        loop_lookup(list, addrs, lookups);
        single_ns[r] = (bench_now_ns() - t0) / (double) lookups;
        if (heap.allocs != before) {
            fprintf(stderr, "%s: lookups allocated memory\n", progname);
            exit(2);
        }
        if (plain) {
            t0 = bench_now_ns();
            loop_batch(plain, addrs, lookups);
            plain_batch[r] = (bench_now_ns() - t0) / (double) lookups;
            t0 = bench_now_ns();
            loop_lookup(plain, addrs, lookups);
            plain_single[r] = (bench_now_ns() - t0) / (double) lookups;
        }
        t0 = bench_now_ns();
        loop_baseline(arr, idx, lookups);
        base_ns[r] = (bench_now_ns() - t0) / (double) lookups;
        t0 = bench_now_ns();
        loop_latency(arr, idx, lookups);
        lat_ns[r] = (bench_now_ns() - t0) / (double) lookups;
    }
    lookup = bench_median(look_ns, LOOKUP_RUNS);
    single = bench_median(single_ns, LOOKUP_RUNS);
    baseline = bench_median(base_ns, LOOKUP_RUNS);
    latency = bench_median(lat_ns, LOOKUP_RUNS);

    printf("relaybench: IPv%d, %" PRIu64 " entries (%" PRIu64 " with non-contiguous masks), seed %" PRIu64
           ", %" PRIu64 " lookups per pass\n", family, entries, noncontig, seed, lookups);
    printf("  list file    %" PRIu64 " bytes (%.1f bytes/line)\n", file_bytes,
           (double) file_bytes / (double) entries);
    printf("  load         %.3f ms, median of %d", load, LOAD_RUNS);
    print_runs("ms", load_ms, LOAD_RUNS);
    printf("  heap allocs  %" PRIu64 " per load; %" PRIu64 " bytes kept by the list\n",
           allocs, kept);
    printf("  arena        %zu bytes, %.2f bytes/entry\n", arena,
           (double) arena / (double) entries);
    {
        rm_index_stats st;

        rm_list_index_stats(list, &st);
        printf("  (info)       index: %u IPv4 and %u IPv6 records searched; first level %u + %u slots; "
               "IPv4 line index %u buckets (%u full); %u + %u non-contiguous masks\n", st.indexed4, st.indexed6,
               st.slots4, st.slots6, st.buckets4, st.full4, st.masks4, st.masks6);
        if (st.sum4[RM_SUM4_ALL] + st.sum4[RM_SUM4_MIXED] > 0)
            printf("  (info)       IPv4 summary: %u /24s none, %u all, %u mixed\n",
                   st.sum4[RM_SUM4_NONE], st.sum4[RM_SUM4_ALL], st.sum4[RM_SUM4_MIXED]);
    }
    printf("  lookup       %.2f ns (rm_list_match_batch, as relayctl check - looks up), median of %d",
           lookup, LOOKUP_RUNS);
    print_runs("ns", look_ns, LOOKUP_RUNS);
    printf("  (info)       %.2f ns one rm_list_match call each (the milter's one lookup per recipient), median of %d",
           single, LOOKUP_RUNS);
    print_runs("ns", single_ns, LOOKUP_RUNS);
    if (plain) {
        double  pb = bench_median(plain_batch, LOOKUP_RUNS), ps = bench_median(plain_single, LOOKUP_RUNS);

        printf("  (info)       the same list with those %" PRIu64 " entries as prefixes: %.2f ns batched, "
               "%.2f ns single; with the masks / without: %.2f batched, %.2f single\n",
               noncontig, pb, ps, lookup / pb, single / ps);
    }
    printf("  baseline     %.2f ns (random 8-byte read, %zu-byte array), median of %d",
           baseline, (size_t) (nwords * sizeof(*arr)), LOOKUP_RUNS);
    print_runs("ns", base_ns, LOOKUP_RUNS);
    printf("  ratio        %.2f (lookup / baseline)\n", lookup / baseline);
    printf("  (info)       %.2f ns per dependent random read, same array, median of %d",
           latency, LOOKUP_RUNS);
    print_runs("ns", lat_ns, LOOKUP_RUNS);
    printf("  matched      %.1f%% of addresses; %" PRIu64 " addresses inside an entry did not match\n",
           100.0 * (double) hits / (double) lookups, misses_inside);
    if (kept != arena)
        printf("  warning: the heap kept after a load (%" PRIu64 " bytes) is not rm_list_bytes (%zu)\n",
               kept, arena);
    if (json)
        printf("{\"entries\": %" PRIu64 ", \"family\": %d, \"lookup_ns\": %.2f, "
               "\"baseline_ns\": %.2f, \"load_ms\": %.3f, \"heap_allocs\": %" PRIu64
               ", \"arena_bytes\": %zu}\n",
               entries, family, lookup, baseline, load, allocs, arena);
    fflush(stdout);

    rm_list_free(list);
    rm_mem_set_allocator(NULL);
    if (plain)
        rm_list_free(plain);
    free(arr);
    free(idx);
    free(addrs);
    if (misses_inside != 0) {
        fprintf(stderr, "%s: %" PRIu64 " addresses inside an entry did not match\n",
                progname, misses_inside);
        return 2;
    }
    return 0;
}
