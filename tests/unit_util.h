/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef UNIT_UTIL_H
#define UNIT_UTIL_H

/* unit_util - helpers shared by the Check suites of lib/ (header only) */

/*
 * Every helper is static and marked unused so that each suite includes
 * this header and takes only what it needs, with -Wall -Wextra -Werror.
 * Failures inside helpers are Check assertions, so they fail the test
 * that called them and say where.
 */

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rm_addr.h"
#include "rm_diag.h"
#include "rm_entry.h"
#include "rm_list.h"

#define UNUSED __attribute__((unused))

/* U_CHECK - ck_assert_msg for hot loops: Check's assertions record a mark
 * point on every success (I/O in fork mode); this one costs nothing until
 * it fails. */
#define U_CHECK(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* u_addr - parse an address the test itself wrote; fail the test if bad */

static UNUSED rm_addr u_addr(const char *s)
{
    rm_addr a;
    rm_perr err;

    memset(&a, 0, sizeof(a));
    memset(&err, 0, sizeof(err));
    ck_assert_msg(rm_addr_parse(s, strlen(s), &a, &err) == 0,
                  "test address \"%s\" does not parse: %s", s, err.msg);
    return a;
}

/* u_v4 - an IPv4 rm_addr from a 32-bit value */

static UNUSED rm_addr u_v4(uint32_t v)
{
    rm_addr a;

    a.family = RM_AF_INET;
    a.v = v;
    return a;
}

/* u_v6 - an IPv6 rm_addr from a 128-bit value */

static UNUSED rm_addr u_v6(rm_u128 v)
{
    rm_addr a;

    a.family = RM_AF_INET6;
    a.v = v;
    return a;
}

/* u_pton - an address value from libc's inet_pton, the independent
 * reference for what the library's own parser must produce */

static UNUSED rm_addr u_pton(const char *s)
{
    rm_addr a;
    unsigned char b[16];

    memset(&a, 0, sizeof(a));
    if (strchr(s, ':') != NULL) {
        ck_assert_msg(inet_pton(AF_INET6, s, b) == 1, "inet_pton(AF_INET6, \"%s\") failed", s);
        a.family = RM_AF_INET6;
        for (int i = 0; i < 16; i++)
            a.v = (a.v << 8) | b[i];
    } else {
        ck_assert_msg(inet_pton(AF_INET, s, b) == 1, "inet_pton(AF_INET, \"%s\") failed", s);
        a.family = RM_AF_INET;
        for (int i = 0; i < 4; i++)
            a.v = (a.v << 8) | b[i];
    }
    return a;
}

/* u_hex128 - a 128-bit value as 32 hex digits, for messages; buf >= 33 */

static UNUSED const char *u_hex128(rm_u128 v, char *buf)
{
    snprintf(buf, 33, "%016llx%016llx", (unsigned long long) (uint64_t) (v >> 64),
             (unsigned long long) (uint64_t) v);
    return buf;
}

/* u_fmt - an address as text, for messages; buf >= RM_ADDR_STRLEN */

static UNUSED const char *u_fmt(const rm_addr *a, char *buf)
{
    rm_addr_format(a, buf, RM_ADDR_STRLEN);
    return buf;
}

/* u_diag_str - message i of d as "FILE:LINE:COL: error: TEXT" */

static UNUSED const char *u_diag_str(const rm_diag *d, size_t i, char *buf, size_t len)
{
    if (i >= d->count) {
        snprintf(buf, len, "(no message %zu; %zu kept)", i, d->count);
        return buf;
    }
    rm_diag_format(&d->msgs[i], buf, len);
    return buf;
}

/* u_diag_dump - every kept message, one per line, for failure messages */

static UNUSED const char *u_diag_dump(const rm_diag *d, char *buf, size_t len)
{
    size_t  o = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < d->count && o + 1 < len; i++) {
        char    line[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];

        rm_diag_format(&d->msgs[i], line, sizeof(line));
        o += (size_t) snprintf(buf + o, len - o, "%s%s", i ? " | " : "", line);
        if (o >= len)
            break;
    }
    return buf;
}

/* u_tmpdir - a fresh private directory under $TMPDIR (or /tmp) */

static UNUSED char *u_tmpdir(char *buf, size_t len)
{
    const char *base = getenv("TMPDIR");

    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    snprintf(buf, len, "%s/rm-unit-XXXXXX", base);
    ck_assert_msg(mkdtemp(buf) != NULL, "mkdtemp %s: %s", buf, strerror(errno));
    return buf;
}

/* u_rmtree - remove a directory made by u_tmpdir (files one level deep) */

static UNUSED void u_rmtree(const char *dir)
{
    DIR    *dp;
    struct dirent *de;
    char    path[4096];

    if ((dp = opendir(dir)) == NULL)
        return;
    while ((de = readdir(dp)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(dp);
    rmdir(dir);
}

/* u_write_file - create path (mode 0644) holding exactly buf[0..len) */

static UNUSED void u_write_file(const char *path, const char *buf, size_t len)
{
    int     fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t  done = 0;

    ck_assert_msg(fd != -1, "open %s: %s", path, strerror(errno));
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);

        ck_assert_msg(n > 0, "write %s: %s", path, strerror(errno));
        done += (size_t) n;
    }
    ck_assert_msg(close(fd) == 0, "close %s: %s", path, strerror(errno));
    /* Group- and world-writable files are refused by the loader; the
     * umask of whoever runs the tests must not decide that. */
    ck_assert_msg(chmod(path, 0644) == 0, "chmod %s: %s", path, strerror(errno));
}

/* u_write_str - the same for a NUL-terminated text */

static UNUSED void u_write_str(const char *path, const char *text)
{
    u_write_file(path, text, strlen(text));
}

/* u_path - dir/name into buf */

static UNUSED const char *u_path(char *buf, size_t len, const char *dir, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
    return buf;
}

/* The random number generator: splitmix64, so that a seed reproduces a run
 * on every platform (rand() differs between libcs). */

typedef struct u_rng {
    uint64_t s;
} u_rng;

static UNUSED uint64_t u_rand64(u_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* u_below - uniform in [0, n), n > 0 */

static UNUSED uint64_t u_below(u_rng *r, uint64_t n)
{
    return u_rand64(r) % n;
}

static UNUSED rm_u128 u_rand128(u_rng *r)
{
    return ((rm_u128) u_rand64(r) << 64) | u_rand64(r);
}

/*
 * u_seed - RM_TEST_SEED if set, else from the clock and the pid.  The seed
 * is printed so that a failing run can be repeated exactly.
 */
static UNUSED uint64_t u_seed(const char *suite)
{
    const char *env = getenv("RM_TEST_SEED");
    uint64_t seed;

    if (env != NULL && env[0] != '\0') {
        seed = strtoull(env, NULL, 0);
    } else {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        seed = ((uint64_t) ts.tv_sec * 1000000007ull) ^ (uint64_t) ts.tv_nsec
            ^ ((uint64_t) getpid() << 32);
    }
    printf("%s: random seed %llu (set RM_TEST_SEED=%llu to repeat)\n", suite,
           (unsigned long long) seed, (unsigned long long) seed);
    fflush(stdout);
    return seed;
}

/* u_run - run a suite the way every unit test program does; exit status */

static UNUSED int u_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int     failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
