/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_reg - the Exchange registry-export reader on arbitrary bytes */

#include <string.h>

#include "fuzz.h"
#include "rm_list.h"
#include "rm_reg.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rm_diag d;
    rm_reg_import r;

    rm_diag_init(&d);
    if (rm_reg_parse("fuzz.reg", data, size, &r, &d) < 0) {
        fuzz_check(d.errors > 0);
        return 0;
    }
    /* What it accepts, the list loader must accept too. */
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        rm_list *l;

        if (r.lists[k] == NULL)
            continue;
        fuzz_check(rm_list_load_buffer("import", r.lists[k], strlen(r.lists[k]), NULL, &l, &d) == 0);
        fuzz_check(rm_list_count(l) == r.count[k]);
        rm_list_free(l);
    }
    fuzz_check(!r.have_flags || r.flags <= RM_FLAGS_ALL);
    rm_reg_import_free(&r);
    return 0;
}
