/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_list - the list parser, loader, index and lint on arbitrary bytes */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rm_lint.h"
#include "rm_list.h"

static void ignore(void *ctx, const rm_diag_msg *m)
{
    (void) ctx;
    (void) m;
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rm_diag d;
    rm_list *l = NULL;
    rm_limits lim = {100000, 1 << 20};

    rm_diag_init(&d);
    if (rm_list_load_buffer("fuzz.list", (const char *) data, size, &lim, &l, &d) < 0) {
        fuzz_check(l == NULL);
        fuzz_check(d.errors > 0);
        return 0;
    }
    fuzz_check(d.errors == 0);

    /* Every entry matches its own first and last address, and its text
     * parses back to the same addresses. */
    for (uint32_t i = 0; i < rm_list_count(l) && i < 2000; i++) {
        rm_entry_info info;
        rm_entry back;
        rm_perr err;
        rm_match m;
        char    text[RM_ENTRY_STRLEN];

        fuzz_check(rm_list_entry(l, i, &info) == 0);
        rm_entry_format(&info.entry, text, sizeof(text));
        fuzz_check(rm_entry_parse(text, strlen(text), &back, &err) == 0);
        fuzz_check(rm_entry_same(&back, &info.entry));
        if (info.entry.interval) {
            rm_addr a = {info.entry.family, info.entry.lo};
            rm_addr b = {info.entry.family, info.entry.hi};
            rm_entry_info hit;

            fuzz_check(rm_list_match(l, &a, &m));
            fuzz_check(rm_list_entry(l, m.entry, &hit) == 0);
            /* The entry reported must really contain the address. */
            if (hit.entry.interval)
                fuzz_check(hit.entry.family == a.family && hit.entry.lo <= a.v && a.v <= hit.entry.hi);
            else
                fuzz_check((a.v & hit.entry.mask) == hit.entry.net);
            fuzz_check(rm_list_match(l, &b, &m));
            fuzz_check(rm_list_covers(l, &info.entry, NULL));
        } else if (!info.entry.dead) {
            rm_addr a = {info.entry.family, info.entry.net};

            fuzz_check(rm_list_match(l, &a, &m));
        }
    }
    /* The batch path answers exactly as one call each, on addresses at and
     * around every entry's edges. */
    {
        enum { MAX = 256 };
        rm_addr probe[MAX];
        bool    bh[MAX];
        rm_match bm[MAX], sm;
        size_t  np = 0;

        for (uint32_t i = 0; i < rm_list_count(l) && np + 4 <= MAX; i++) {
            rm_entry_info info;

            rm_list_entry(l, i, &info);
            probe[np++] = (rm_addr) {info.entry.family, info.entry.lo};
            probe[np++] = (rm_addr) {info.entry.family, info.entry.lo - 1};
            probe[np++] = (rm_addr) {info.entry.family, info.entry.hi};
            probe[np++] = (rm_addr) {info.entry.family, info.entry.hi + 1};
        }
        for (size_t i = 0; i < np; i++)
            if (probe[i].family == RM_AF_INET)
                probe[i].v &= 0xffffffffu;
        rm_list_match_batch(l, probe, np, bh, bm);
        for (size_t i = 0; i < np; i++) {
            bool    sh = rm_list_match(l, &probe[i], &sm);

            fuzz_check(sh == bh[i]);
            fuzz_check(!sh || sm.entry == bm[i].entry);
        }
    }
    rm_lint_list(l, -1, (const char *) data, size, ignore, NULL);
    rm_list_free(l);
    return 0;
}
