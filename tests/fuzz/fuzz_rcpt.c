/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_rcpt - the RCPT address parser (relay detection) on arbitrary bytes */

#include <string.h>

#include "fuzz.h"
#include "rm_rcpt.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rm_domains *local;
    rm_rcpt r;
    enum rm_rcpt_kind k;
    rm_diag d;

    if (local == NULL) {
        rm_diag_init(&d);
        fuzz_check(rm_domains_parse("example.com, [192.0.2.1], [IPv6:2001:db8::1]", "", "fuzz",
                                    1, NULL, &local, &d) == 0);
    }
    k = rm_rcpt_classify((const char *) data, size, local, &r);
    fuzz_check(k == r.kind);
    fuzz_check(r.why < RM_RCPT_WHY__COUNT);
    if (k != RM_RCPT_INVALID) {
        /* What it found lies inside the input. */
        fuzz_check(r.local_off + r.local_len <= size);
        fuzz_check(r.domain_off + r.domain_len <= size);
    }
    /* A local recipient never routes anywhere: the relay guard holds. */
    if (k == RM_RCPT_LOCAL) {
        fuzz_check(r.routing == 0);
        fuzz_check(r.why == RM_RCPT_WHY_LOCAL_DOMAIN || r.why == RM_RCPT_WHY_POSTMASTER);
        if (r.why == RM_RCPT_WHY_LOCAL_DOMAIN)
            fuzz_check(rm_domains_contains(local, (const char *) data + r.domain_off, r.domain_len));
    }
    return 0;
}
