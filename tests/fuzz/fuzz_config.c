/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_config - the relaymilter.conf parser and local_domains on arbitrary bytes */

#include "fuzz.h"
#include "rm_config.h"
#include "rm_domains.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rm_diag d;
    rm_config *c = NULL;

    rm_diag_init(&d);
    if (rm_config_parse_buffer("fuzz.conf", "/nonexistent", (const char *) data, size, &c, &d) < 0) {
        fuzz_check(c == NULL);
        fuzz_check(d.errors > 0);
        return 0;
    }
    fuzz_check(c->relay_flags <= RM_FLAGS_ALL);
    if (c->local_domains[0] && c->local_domains[0] != 'f') {
        rm_domains *s = NULL;

        if (rm_domains_parse(c->local_domains, c->dir, c->path, 1, NULL, &s, &d) == 0) {
            for (size_t i = 0; i < rm_domains_count(s); i++) {
                const char *n = rm_domains_get(s, i);

                fuzz_check(rm_domains_contains(s, n, __builtin_strlen(n)));
            }
            rm_domains_free(s);
        }
    }
    rm_config_free(c);
    return 0;
}
