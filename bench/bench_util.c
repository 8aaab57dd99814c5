/* SPDX-License-Identifier: BSD-2-Clause */
/* bench_util - random numbers, clock and medians for the benchmarks */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

static uint64_t rng_s[4];

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* bench_seed - start the stream that seed names */

void    bench_seed(uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng_s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* bench_rand - the next 64 random bits */

uint64_t bench_rand(void)
{
    uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;

    rng_s[2] ^= rng_s[0];
    rng_s[3] ^= rng_s[1];
    rng_s[1] ^= rng_s[2];
    rng_s[0] ^= rng_s[3];
    rng_s[2] ^= t;
    rng_s[3] = rotl(rng_s[3], 45);
    return r;
}

/* bench_below - Lemire's multiply; the bias is negligible here */

uint64_t bench_below(uint64_t n)
{
    return (uint64_t) (((rm_u128) bench_rand() * n) >> 64);
}

rm_u128 bench_rand128(void)
{
    rm_u128 hi = bench_rand();

    return (hi << 64) | bench_rand();
}

rm_u128 bench_host_mask(unsigned plen, unsigned width)
{
    rm_u128 all = width == 128 ? ~(rm_u128) 0 : (((rm_u128) 1 << width) - 1);

    if (plen >= width)
        return 0;
    return all >> plen;
}

double  bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}

double  bench_median(const double *v, size_t n)
{
    double  s[64];

    if (n == 0 || n > 64)
        return 0;
    memcpy(s, v, n * sizeof(*v));
    qsort(s, n, sizeof(*s), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int     bench_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char   *end;
    unsigned long long v;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}
