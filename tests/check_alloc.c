/* SPDX-License-Identifier: BSD-2-Clause */
/* check_alloc - heap use: constant per load, failure at every step, threads */

/*
 * A counting allocator stands behind rm_malloc (rm_mem_set_allocator): it
 * counts allocations, knows how many are outstanding, and can make the Nth
 * one fail.  With it: (a) a load makes the same small number of
 * allocations for 10 entries as for 1,000,000; (b) every allocation of
 * rm_list_load, rm_config_load and rm_snapshot_build can fail, and each
 * failure returns -1 with an error, leaks nothing, and leaves the snapshot
 * in force untouched; (c) readers on four threads never see a snapshot that
 * is not wholly one list set or the other while the main thread rebuilds
 * and swaps it a thousand times.
 */

#include <pthread.h>
#include <stdbool.h>

#include "unit_util.h"
#include "rm_config.h"
#include "rm_mem.h"
#include "rm_policy.h"
#include "rm_snapshot.h"

/* The counting allocator.  Counters are atomic: in (c) the last reader of
 * an old snapshot frees it on its own thread. */

typedef struct counter {
    long    allocs;                     /* successful allocations, ever */
    long    outstanding;                /* allocated and not yet freed */
    long    seen;                       /* allocation calls since arm() */
    long    fail_at;                    /* the call (1-based) that fails; 0: none */
    long    failed;                     /* calls refused */
} counter;

static counter cnt;

static void *count_alloc(size_t size, void *ctx)
{
    counter *c = ctx;
    long    n = __atomic_add_fetch(&c->seen, 1, __ATOMIC_RELAXED);
    void   *p;

    if (n == __atomic_load_n(&c->fail_at, __ATOMIC_RELAXED)) {
        __atomic_add_fetch(&c->failed, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    if ((p = malloc(size)) != NULL) {
        __atomic_add_fetch(&c->allocs, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&c->outstanding, 1, __ATOMIC_RELAXED);
    }
    return p;
}

static void count_release(void *p, void *ctx)
{
    counter *c = ctx;

    free(p);
    __atomic_sub_fetch(&c->outstanding, 1, __ATOMIC_RELAXED);
}

static long outstanding(void)
{
    return __atomic_load_n(&cnt.outstanding, __ATOMIC_SEQ_CST);
}

static long allocs(void)
{
    return __atomic_load_n(&cnt.allocs, __ATOMIC_SEQ_CST);
}

/* arm - from now on, the nth allocation call fails (0: none) */

static void arm(long n)
{
    cnt.seen = 0;
    cnt.failed = 0;
    cnt.fail_at = n;
}

/* disarm - no more failures; what failed stays counted */

static void disarm(void)
{
    cnt.fail_at = 0;
}

static void setup_counter(void)
{
    static const rm_allocator a = {count_alloc, count_release, &cnt};

    memset(&cnt, 0, sizeof(cnt));
    rm_mem_set_allocator(&a);
}

static void teardown_counter(void)
{
    rm_mem_set_allocator(NULL);
}

static char sentinel_storage;
#define SENTINEL(T) ((T *) (void *) &sentinel_storage)

/* (a) The number of heap allocations per load does not depend on the
 * number of entries; lookups allocate nothing. */

/* gen_list - n entries of every form, written to path */

static void gen_list(const char *path, unsigned n)
{
    size_t  cap = (size_t) n * 48 + 64, len = 0;
    char   *buf = malloc(cap);

    ck_assert_ptr_nonnull(buf);
    len += (size_t) snprintf(buf + len, cap - len, "# %u entries\n", n);
    for (unsigned i = 0; i < n; i++) {
        unsigned a = i >> 16 & 255, b = i >> 8 & 255, c = i & 255;

        switch (i % 8) {
        case 0:
        case 1:
            len += (size_t) snprintf(buf + len, cap - len, "10.%u.%u.%u\n", a, b, c);
            break;
        case 2:
            len += (size_t) snprintf(buf + len, cap - len, "2001:db8:%x:%x::/64\n", a, i & 0xffff);
            break;
        case 3:
            len += (size_t) snprintf(buf + len, cap - len, "%u.%u.%u.0/24\n", 64 + (i % 64), a, b);
            break;
        case 4:
            len += (size_t) snprintf(buf + len, cap - len, "172.%u.%u.%u-172.%u.%u.%u\n",
                                     16 + (a & 15), b, c, 16 + (a & 15), b, c | 15);
            break;
        case 5:
            len += (size_t) snprintf(buf + len, cap - len, "192.%u.%u.0;255.255.255.0\n", 168 ^ (a & 1), b);
            break;
        case 6:
            len += (size_t) snprintf(buf + len, cap - len, "2001:db8:ffff:%x::%x\n", a, i & 0xffff);
            break;
        default:
            if (i % 1000 == 7)          /* a few Exchange odd masks: a side table */
                len += (size_t) snprintf(buf + len, cap - len, "11.%u.0.%u;255.255.0.255\n", a, c);
            else
                len += (size_t) snprintf(buf + len, cap - len, "  10.%u.%u.%u/32  # host %u\n", a, b, c, i);
            break;
        }
    }
    u_write_file(path, buf, len);
    free(buf);
}

static long load_count(const char *path, unsigned n)
{
    rm_list *l = SENTINEL(rm_list);
    rm_diag d;
    long    before = allocs(), during, out_before = outstanding();
    rm_addr q[4];
    char    dump[2048];

    rm_diag_init(&d);
    ck_assert_msg(rm_list_load(path, NULL, NULL, &l, &d) == 0, "%s", u_diag_dump(&d, dump, sizeof(dump)));
    during = allocs() - before;
    ck_assert_uint_eq(rm_list_count(l), n);
    q[0] = u_addr("10.0.0.0");
    q[1] = u_addr("2001:db8::1");
    q[2] = u_addr("11.0.0.7");
    q[3] = u_addr("::ffff:172.16.0.5");
    before = allocs();
    for (unsigned i = 0; i < 100000; i++) {
        rm_match m;

        q[i & 3].v ^= i & 0xff;
        (void) rm_list_match(l, &q[i & 3], &m);
    }
    ck_assert_msg(allocs() == before, "lookups allocated %ld times", allocs() - before);
    rm_list_free(l);
    ck_assert_msg(outstanding() == out_before, "%ld allocations outstanding after rm_list_free",
                  outstanding() - out_before);
    return during;
}

START_TEST(test_alloc_count_constant)
{
    char    dir[256], small[512], big[512];
    long    n10, n1m;

    u_tmpdir(dir, sizeof(dir));
    gen_list(u_path(small, sizeof(small), dir, "small.list"), 10);
    gen_list(u_path(big, sizeof(big), dir, "big.list"), 1000000);
    n10 = load_count(small, 10);
    n1m = load_count(big, 1000000);
    printf("check_alloc: rm_list_load allocations: %ld for 10 entries, %ld for 1000000\n", n10, n1m);
    ck_assert_msg(n10 == n1m, "10 entries: %ld allocations; 1000000 entries: %ld", n10, n1m);
    ck_assert_msg(n1m >= 1 && n1m <= 8, "%ld allocations per load", n1m);
    ck_assert_int_eq(outstanding(), 0);
    u_rmtree(dir);
}
END_TEST

/* Two list sets whose answers differ, and the queries that tell them apart. */

typedef struct set {
    const char *deny, *allow, *local;
    const char *conf;
} set;

static const set set_a = {
    "192.0.2.66\n",
    "192.0.2.0/24\n2001:db8::/32\n",
    "10.0.0.25\n",
    "relay_flags = 15\nlocal_domains = example.com, [192.0.2.1]\n",
};
static const set set_b = {
    "192.0.2.0/24\n",
    "# b\n198.51.100.0/24\n",
    "10.0.0.26\n",
    "relay_flags = deny allow local auth\nlocal_domains = example.net\nlocal_submission = policy\n",
};
static const set set_broken = {
    "192.0.2.0/24\n",
    "198.51.100.0/24\n10.1\n",
    "10.0.0.26\n",
    "relay_flags = 15\n",
};

typedef struct query {
    const char *client, *local;
    bool    auth;
    bool    a_allow;
    enum rm_rule a_rule;
    bool    b_allow;
    enum rm_rule b_rule;
} query;

static const query queries[] = {
    {"192.0.2.5", "10.0.0.1", false, true, RM_RULE_ALLOW_LIST, false, RM_RULE_DENY_LIST},
    {"192.0.2.66", "10.0.0.1", false, false, RM_RULE_DENY_LIST, false, RM_RULE_DENY_LIST},
    {"198.51.100.7", "10.0.0.1", false, false, RM_RULE_DEFAULT, true, RM_RULE_ALLOW_LIST},
    {"203.0.113.1", "10.0.0.25", false, true, RM_RULE_LOCAL_IP, false, RM_RULE_DEFAULT},
    {"203.0.113.1", "10.0.0.26", false, false, RM_RULE_DEFAULT, true, RM_RULE_LOCAL_IP},
    {"203.0.113.1", "10.0.0.1", true, true, RM_RULE_AUTH, true, RM_RULE_AUTH},
    {"2001:db8::1", "10.0.0.1", false, true, RM_RULE_ALLOW_LIST, false, RM_RULE_DEFAULT},
    {"::ffff:192.0.2.66", "10.0.0.25", true, false, RM_RULE_DENY_LIST, false, RM_RULE_DENY_LIST},
    {NULL, "10.0.0.1", false, true, RM_RULE_LOCAL_SUBMISSION, false, RM_RULE_DEFAULT},
};

static rm_query mkquery(const query *q)
{
    rm_query r;

    memset(&r, 0, sizeof(r));
    if (q->client)
        r.client = u_pton(q->client);
    r.local = u_pton(q->local);
    r.auth = q->auth;
    return r;
}

static void write_set(const char *dir, const set *s, char *conf, size_t conflen)
{
    char    path[512];

    u_write_str(u_path(path, sizeof(path), dir, "deny.list"), s->deny);
    u_write_str(u_path(path, sizeof(path), dir, "allow.list"), s->allow);
    u_write_str(u_path(path, sizeof(path), dir, "local-ip.list"), s->local);
    u_write_str(u_path(conf, conflen, dir, "relaymilter.conf"), s->conf);
}

static void remove_set(const char *dir)
{
    u_rmtree(dir);
}

/* check_answers - the snapshot answers every query as set a (or b) must */

static void check_answers(const rm_snapshot *s, bool is_a, const char *ctx)
{
    for (size_t i = 0; i < NELEM(queries); i++) {
        rm_query q = mkquery(&queries[i]);
        rm_decision d;
        bool    allow = is_a ? queries[i].a_allow : queries[i].b_allow;
        enum rm_rule rule = is_a ? queries[i].a_rule : queries[i].b_rule;

        rm_snapshot_decide(s, &q, &d);
        ck_assert_msg(d.allow == allow && d.rule == rule, "%s: %s to %s: want %s by %s (set %s), got %s by %s",
                      ctx, queries[i].client ? queries[i].client : "(local)", queries[i].local,
                      allow ? "allow" : "deny", rm_rule_name(rule), is_a ? "A" : "B",
                      d.allow ? "allow" : "deny", rm_rule_name(d.rule));
    }
}

/* check_in_force - the holder still holds s0, and it still answers as set A */

static void check_in_force(rm_holder *h, rm_snapshot *s0, const char *ctx)
{
    rm_snapshot *s = rm_holder_acquire(h);

    ck_assert_msg(s == s0, "%s: the snapshot in force changed", ctx);
    ck_assert_uint_eq(s->generation, 1);
    ck_assert_uint_eq(rm_list_count(s->lists[RM_LIST_ALLOW]), 2);
    ck_assert_uint_eq(rm_list_count(s->lists[RM_LIST_DENY]), 1);
    ck_assert_uint_eq(rm_list_count(s->lists[RM_LIST_LOCAL]), 1);
    ck_assert(rm_domains_contains(s->domains, "example.com", 11));
    check_answers(s, true, ctx);
    rm_snapshot_unref(s);
}

static bool has_oom(const rm_diag *d)
{
    for (size_t i = 0; i < d->count; i++)
        if (strstr(d->msgs[i].text, "out of memory") != NULL)
            return true;
    return false;
}

/* (b) Every allocation can fail.  The function under test is one of: */

enum target { T_LIST_LOAD, T_CONFIG_LOAD, T_SNAPSHOT_BUILD, T__COUNT };
static const char *const target_name[T__COUNT] = {"rm_list_load", "rm_config_load", "rm_snapshot_build"};

START_TEST(test_alloc_failures)
{
    enum target t = (enum target) _i;
    char    dir_a[256], dir_b[256], conf_a[512], conf_b[512], path[512], ctx[128], dump[4096];
    rm_holder h;
    rm_snapshot *s0 = NULL;
    rm_diag d;
    long    base, n;
    rm_limits lim = {1000, 1 << 20};

    u_tmpdir(dir_a, sizeof(dir_a));
    u_tmpdir(dir_b, sizeof(dir_b));
    write_set(dir_a, &set_a, conf_a, sizeof(conf_a));
    write_set(dir_b, &set_b, conf_b, sizeof(conf_b));
    ck_assert_int_eq(rm_holder_init(&h), 0);
    rm_diag_init(&d);
    ck_assert_msg(rm_snapshot_build(conf_a, 1, &s0, &d) == 0, "%s", u_diag_dump(&d, dump, sizeof(dump)));
    rm_holder_swap(&h, s0);
    check_in_force(&h, s0, "before");
    base = outstanding();

    for (n = 1;; n++) {
        rm_list *l = SENTINEL(rm_list);
        rm_config *c = SENTINEL(rm_config);
        rm_snapshot *s = SENTINEL(rm_snapshot);
        int     rc = -2;

        ck_assert_msg(n < 200, "%s: still failing after %ld allocations", target_name[t], n);
        snprintf(ctx, sizeof(ctx), "%s, allocation %ld failing", target_name[t], n);
        rm_diag_init(&d);
        arm(n);
        switch (t) {
        case T_LIST_LOAD:
            rc = rm_list_load(u_path(path, sizeof(path), dir_b, "allow.list"), NULL, &lim, &l, &d);
            break;
        case T_CONFIG_LOAD:
            rc = rm_config_load(conf_b, &c, &d);
            break;
        default:
            rc = rm_snapshot_build(conf_b, 2, &s, &d);
            break;
        }
        disarm();
        if (cnt.failed == 0) {
            /* n is past the last allocation: this run must have worked */
            ck_assert_msg(rc == 0, "%s: no allocation failed, yet rc %d: %s", ctx, rc, u_diag_dump(&d, dump, sizeof(dump)));
        }
        if (rc == 0) {
            ck_assert_msg(cnt.failed == 0, "%s: an allocation failed and the call still returned 0", ctx);
            ck_assert_uint_eq(d.errors, 0);
            switch (t) {
            case T_LIST_LOAD:
                ck_assert_uint_eq(rm_list_count(l), 1);
                rm_list_free(l);
                break;
            case T_CONFIG_LOAD:
                ck_assert_uint_eq(c->relay_flags, 15);
                ck_assert_str_eq(c->local_domains, "example.net");
                rm_config_free(c);
                break;
            default:
                /* the reload worked: swap it in, and B is in force */
                ck_assert_uint_eq(s->generation, 2);
                rm_holder_swap(&h, s);
                s = rm_holder_acquire(&h);
                check_answers(s, false, "after the reload");
                rm_snapshot_unref(s);
                break;
            }
            break;
        }
        ck_assert_msg(rc == -1, "%s: want -1, got %d", ctx, rc);
        ck_assert_msg(d.errors >= 1, "%s: failed without an error", ctx);
        ck_assert_msg(has_oom(&d), "%s: no \"out of memory\" among: %s", ctx, u_diag_dump(&d, dump, sizeof(dump)));
        ck_assert_msg(l == SENTINEL(rm_list) && c == SENTINEL(rm_config) && s == SENTINEL(rm_snapshot),
                      "%s: *out written on failure", ctx);
        ck_assert_msg(outstanding() == base, "%s: %ld allocations leaked", ctx, outstanding() - base);
        check_in_force(&h, s0, ctx);
    }
    printf("check_alloc: %s: %ld allocations, each made to fail once\n", target_name[t], n - 1);
    ck_assert_msg(n > 1, "%s made no allocation at all", target_name[t]);
    rm_holder_destroy(&h);
    ck_assert_msg(outstanding() == 0, "%ld allocations outstanding after rm_holder_destroy", outstanding());
    remove_set(dir_a);
    remove_set(dir_b);
}
END_TEST

/* The snapshot build count, like the list's, does not grow with the lists. */

START_TEST(test_alloc_snapshot_count_constant)
{
    char    dir[256], conf[512], path[512], dump[4096];
    long    counts[2];

    u_tmpdir(dir, sizeof(dir));
    for (int k = 0; k < 2; k++) {
        unsigned n = k == 0 ? 3 : 100000;
        rm_snapshot *s = NULL;
        rm_diag d;
        long    before;

        gen_list(u_path(path, sizeof(path), dir, "allow.list"), n);
        gen_list(u_path(path, sizeof(path), dir, "deny.list"), n);
        gen_list(u_path(path, sizeof(path), dir, "local-ip.list"), n);
        u_write_str(u_path(conf, sizeof(conf), dir, "relaymilter.conf"), "relay_flags = 15\n");
        rm_diag_init(&d);
        before = allocs();
        ck_assert_msg(rm_snapshot_build(conf, 1, &s, &d) == 0, "%s", u_diag_dump(&d, dump, sizeof(dump)));
        counts[k] = allocs() - before;
        rm_snapshot_unref(s);
        ck_assert_int_eq(outstanding(), 0);
    }
    ck_assert_msg(counts[0] == counts[1], "snapshot build: %ld allocations for 3-entry lists, %ld for 100000",
                  counts[0], counts[1]);
    u_rmtree(dir);
}
END_TEST

/* (c) Readers on four threads, a writer swapping a thousand times. */

#define READERS 4
#define SWAPS 1000

typedef struct reader {
    pthread_t tid;
    rm_holder *h;
    const int *done;
    rm_query q[NELEM(queries)];
    unsigned long batches;
    unsigned long seen_a, seen_b;
    unsigned long bad;                  /* answers that fit neither */
    char    first_bad[256];
} reader;

static void *reader_main(void *arg)
{
    reader *r = arg;

    do {
        rm_snapshot *s = rm_holder_acquire(r->h);
        bool    is_a;

        if (s == NULL) {
            r->bad++;
            snprintf(r->first_bad, sizeof(r->first_bad), "no snapshot in the holder");
            break;
        }
        /* odd generations are built from set A, even ones from set B */
        is_a = s->generation % 2 == 1;
        for (size_t i = 0; i < NELEM(queries); i++) {
            rm_decision d;
            bool    allow = is_a ? queries[i].a_allow : queries[i].b_allow;
            enum rm_rule rule = is_a ? queries[i].a_rule : queries[i].b_rule;

            rm_snapshot_decide(s, &r->q[i], &d);
            if (d.allow != allow || d.rule != rule) {
                if (r->bad++ == 0)
                    snprintf(r->first_bad, sizeof(r->first_bad),
                             "generation %llu (set %s), query %zu: want %s by %s, got %s by %s",
                             (unsigned long long) s->generation, is_a ? "A" : "B", i,
                             allow ? "allow" : "deny", rm_rule_name(rule),
                             d.allow ? "allow" : "deny", rm_rule_name(d.rule));
            }
        }
        if (is_a)
            r->seen_a++;
        else
            r->seen_b++;
        r->batches++;
        rm_snapshot_unref(s);
    } while (!__atomic_load_n(r->done, __ATOMIC_ACQUIRE));
    return NULL;
}

START_TEST(test_alloc_concurrent_swaps)
{
    char    dir_a[256], dir_b[256], dir_c[256], conf_a[512], conf_b[512], conf_c[512], dump[4096];
    rm_holder h;
    rm_snapshot *s;
    rm_diag d;
    reader  r[READERS];
    int     done = 0;
    unsigned long batches = 0, seen_a = 0, seen_b = 0, refused = 0;
    bool    differ = false;

    for (size_t i = 0; i < NELEM(queries); i++)
        differ |= queries[i].a_allow != queries[i].b_allow;
    ck_assert_msg(differ, "sets A and B answer alike: the test could not tell them apart");
    u_tmpdir(dir_a, sizeof(dir_a));
    u_tmpdir(dir_b, sizeof(dir_b));
    u_tmpdir(dir_c, sizeof(dir_c));
    write_set(dir_a, &set_a, conf_a, sizeof(conf_a));
    write_set(dir_b, &set_b, conf_b, sizeof(conf_b));
    write_set(dir_c, &set_broken, conf_c, sizeof(conf_c));
    ck_assert_int_eq(rm_holder_init(&h), 0);
    ck_assert_ptr_null(rm_holder_acquire(&h));
    rm_diag_init(&d);
    ck_assert_msg(rm_snapshot_build(conf_a, 1, &s, &d) == 0, "%s", u_diag_dump(&d, dump, sizeof(dump)));
    rm_holder_swap(&h, s);

    memset(r, 0, sizeof(r));
    for (int k = 0; k < READERS; k++) {
        r[k].h = &h;
        r[k].done = &done;
        for (size_t i = 0; i < NELEM(queries); i++)
            r[k].q[i] = mkquery(&queries[i]);
        ck_assert_int_eq(pthread_create(&r[k].tid, NULL, reader_main, &r[k]), 0);
    }
    for (uint64_t gen = 2; gen <= SWAPS + 1; gen++) {
        rm_snapshot *next = NULL;

        /* Now and then a reload that fails: the old snapshot stays. */
        if (gen % 50 == 0) {
            rm_snapshot *cur = rm_holder_acquire(&h), *bad = SENTINEL(rm_snapshot);

            rm_diag_init(&d);
            ck_assert_int_eq(rm_snapshot_build(conf_c, gen, &bad, &d), -1);
            ck_assert_ptr_eq(bad, SENTINEL(rm_snapshot));
            ck_assert_uint_ge(d.errors, 1);
            ck_assert_msg(rm_holder_acquire(&h) == cur, "a failed reload changed the snapshot in force");
            rm_snapshot_unref(cur);
            rm_snapshot_unref(cur);
            refused++;
        }
        rm_diag_init(&d);
        ck_assert_msg(rm_snapshot_build(gen % 2 ? conf_a : conf_b, gen, &next, &d) == 0, "generation %llu: %s",
                      (unsigned long long) gen, u_diag_dump(&d, dump, sizeof(dump)));
        rm_holder_swap(&h, next);
    }
    __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
    for (int k = 0; k < READERS; k++) {
        ck_assert_int_eq(pthread_join(r[k].tid, NULL), 0);
        ck_assert_msg(r[k].bad == 0, "reader %d: %lu batches with a wrong answer; first: %s", k, r[k].bad, r[k].first_bad);
        ck_assert_uint_ge(r[k].batches, 1);
        batches += r[k].batches;
        seen_a += r[k].seen_a;
        seen_b += r[k].seen_b;
    }
    printf("check_alloc: %d readers, %lu batches (%lu on set A, %lu on set B), %d swaps, %lu failed reloads\n",
           READERS, batches, seen_a, seen_b, SWAPS, refused);
    /* the last swap installed generation SWAPS + 1, from set B */
    s = rm_holder_acquire(&h);
    ck_assert_uint_eq(s->generation, SWAPS + 1);
    check_answers(s, (SWAPS + 1) % 2 == 1, "the last snapshot");
    rm_snapshot_unref(s);
    rm_holder_destroy(&h);
    ck_assert_msg(outstanding() == 0, "%ld allocations outstanding after rm_holder_destroy", outstanding());
    remove_set(dir_a);
    remove_set(dir_b);
    remove_set(dir_c);
}
END_TEST

static Suite *alloc_suite(void)
{
    Suite  *s = suite_create("alloc");
    TCase  *tc;

    tc = tcase_create("count");
    tcase_add_checked_fixture(tc, setup_counter, teardown_counter);
    tcase_add_test(tc, test_alloc_count_constant);
    tcase_add_test(tc, test_alloc_snapshot_count_constant);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);

    tc = tcase_create("failure");
    tcase_add_checked_fixture(tc, setup_counter, teardown_counter);
    tcase_add_loop_test(tc, test_alloc_failures, 0, T__COUNT);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_add_checked_fixture(tc, setup_counter, teardown_counter);
    tcase_add_test(tc, test_alloc_concurrent_swaps);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(alloc_suite());
}
