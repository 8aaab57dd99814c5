/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_pol - the policy protocol's framing and request parser on arbitrary bytes */

#include <string.h>

#include "fuzz.h"
#include "rm_pol.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char buf[RM_POL_MAX_REQUEST * 2];
    const char *p = (const char *) data;
    rm_pol_req r, again;
    rm_verdict_in in;
    char    err[256];
    size_t  n;
    long    f;

    /* Every request in the stream, as the policy service walks it. */
    while (size > 0 && (f = rm_pol_frame(p, size)) > 0) {
        fuzz_check((size_t) f <= size && (size_t) f <= RM_POL_MAX_REQUEST);
        fuzz_check(p[f - 1] == '\n' && (f == 1 || p[f - 2] == '\n'));
        if (rm_pol_parse(p, (size_t) f, &r, err, sizeof(err)) < 0) {
            fuzz_check(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
        } else {
            /* What it accepts, formatted back, parses to the same request. */
            n = rm_pol_format_request(&r, buf, sizeof(buf));
            fuzz_check(n > 0);
            fuzz_check(rm_pol_frame(buf, n) == (long) n);
            fuzz_check(rm_pol_parse(buf, n, &again, err, sizeof(err)) == 0);
            fuzz_check(memcmp(&r, &again, sizeof(r)) == 0);
            err[0] = '\0';
            if (rm_pol_verdict_in(&r, &in, err, sizeof(err)) == RM_POL_DECIDE)
                fuzz_check(in.rcpt_is_relay && in.client_state != RM_ADDR_MISSING);
        }
        p += f;
        size -= (size_t) f;
    }
    return 0;
}
