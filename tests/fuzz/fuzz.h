/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef FUZZ_H
#define FUZZ_H

/* fuzz.h - the one entry point every fuzz target defines (libFuzzer's) */

#include <stddef.h>
#include <stdint.h>

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_check - an invariant; a violation aborts so the fuzzer and the
 * replay both report it, in release builds too */
#define fuzz_check(cond) do { if (!(cond)) fuzz_fail(#cond, __FILE__, __LINE__); } while (0)
void    fuzz_fail(const char *what, const char *file, int line) __attribute__((noreturn));

#endif
