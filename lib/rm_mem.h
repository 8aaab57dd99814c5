/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_MEM_H
#define RM_MEM_H

/* rm_mem - the one door through which lib/ takes heap memory */

#include <stddef.h>

/*
 * Every heap allocation the library makes goes through rm_malloc(), so that
 * tests and benchmarks can count allocations and make the Nth one fail.
 * The library never calls malloc() or stdio (which allocates) anywhere else.
 */
typedef struct rm_allocator {
    void   *(*alloc)(size_t size, void *ctx);
    void    (*release)(void *ptr, void *ctx);
    void   *ctx;
} rm_allocator;

void   *rm_malloc(size_t size);
void   *rm_calloc(size_t nmemb, size_t size);
void    rm_free(void *ptr);
char   *rm_strdup(const char *s);

/* rm_mem_set_allocator - install an allocator; NULL restores malloc/free.
 * Not thread safe: call it before any other thread uses the library. */
void    rm_mem_set_allocator(const rm_allocator *a);

/*
 * rm_mem_huge - ask for transparent huge pages under [p, p + size), before
 * its pages are first touched: random reads over tens of megabytes
 * otherwise miss the TLB nearly every time.  Only a hint: where the kernel
 * has none to give, or no such call exists, nothing changes.
 */
void    rm_mem_huge(void *p, size_t size);

#endif
