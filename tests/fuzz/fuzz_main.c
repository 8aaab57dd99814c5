/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_main - what a fuzz target needs besides its entry point, under libFuzzer */

#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void    fuzz_fail(const char *what, const char *file, int line)
{
    fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
    abort();
}
