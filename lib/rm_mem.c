/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_mem - the one door through which lib/ takes heap memory */

#include <sys/mman.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rm_mem.h"

static void *default_alloc(size_t size, void *ctx)
{
    (void) ctx;
    return malloc(size);
}

static void default_release(void *ptr, void *ctx)
{
    (void) ctx;
    free(ptr);
}

static rm_allocator current = { default_alloc, default_release, NULL };

/* rm_mem_set_allocator - install an allocator, or restore the default */

void    rm_mem_set_allocator(const rm_allocator *a)
{
    if (a == NULL) {
        current.alloc = default_alloc;
        current.release = default_release;
        current.ctx = NULL;
    } else {
        current = *a;
    }
}

/* rm_malloc - allocate, returning NULL on failure (never aborts) */

void   *rm_malloc(size_t size)
{
    return current.alloc(size == 0 ? 1 : size, current.ctx);
}

/* rm_calloc - allocate zeroed memory, refusing overflowing sizes */

void   *rm_calloc(size_t nmemb, size_t size)
{
    void   *p;

    if (size != 0 && nmemb > SIZE_MAX / size)
        return NULL;
    if ((p = rm_malloc(nmemb * size)) != NULL)
        memset(p, 0, nmemb * size);
    return p;
}

/* rm_free - release memory from rm_malloc; NULL is a no-op */

void    rm_free(void *ptr)
{
    if (ptr != NULL)
        current.release(ptr, current.ctx);
}

/* rm_strdup - copy a string onto the heap */

char   *rm_strdup(const char *s)
{
    size_t  len = strlen(s) + 1;
    char   *p;

    if ((p = rm_malloc(len)) != NULL)
        memcpy(p, s, len);
    return p;
}

void    rm_mem_huge(void *p, size_t size)
{
#if defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t) 2 << 20;
    uintptr_t a = ((uintptr_t) p + huge - 1) & ~(huge - 1), e = ((uintptr_t) p + size) & ~(huge - 1);

    if (e > a)
        (void) madvise((void *) a, e - a, MADV_HUGEPAGE);
#else
    (void) p;
    (void) size;
#endif
}
