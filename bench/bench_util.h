/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

/*
 * bench_util - what the benchmark programs share: a seeded random source
 * (xoshiro256**, seeded through splitmix64, so that a seed names one list
 * and one query stream on every machine), a monotonic clock and medians.
 */

#include <stddef.h>
#include <stdint.h>

#include "rm_addr.h"

void    bench_seed(uint64_t seed);
uint64_t bench_rand(void);
uint64_t bench_below(uint64_t n);       /* uniform in [0, n) */
rm_u128 bench_rand128(void);

/* bench_host_mask - the host bits of a /plen in a width-bit address */
rm_u128 bench_host_mask(unsigned plen, unsigned width);

double  bench_now_ns(void);

/* bench_median - median of v[0..n), n <= 64; v is left as it was */
double  bench_median(const double *v, size_t n);

/* bench_parse_u64 - a plain decimal number in [min, max]: 0, or -1 */
int     bench_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
