/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_ctl - the control socket's command parser on arbitrary bytes */

#include <string.h>

#include "fuzz.h"
#include "rm_ctl.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rm_ctl_req req, again;
    char    err[256], line[RM_CTL_MAX_LINE + 64];
    size_t  n;

    if (rm_ctl_parse((const char *) data, size, &req, err, sizeof(err)) < 0) {
        fuzz_check(memchr(err, '\0', sizeof(err)) != NULL);
        fuzz_check(err[0] != '\0');
        return 0;
    }
    fuzz_check(req.cmd == RM_CTL_RELOAD || req.cmd == RM_CTL_STATUS || req.cmd == RM_CTL_CHECK);
    /* What it accepts, formatted back, parses to the same request. */
    n = rm_ctl_format_request(&req, line, sizeof(line));
    fuzz_check(n > 0 && n < sizeof(line));
    fuzz_check(rm_ctl_parse(line, n, &again, err, sizeof(err)) == 0);
    fuzz_check(again.cmd == req.cmd && again.auth == req.auth);
    if (req.cmd == RM_CTL_CHECK) {
        fuzz_check(again.client.family == req.client.family && again.client.v == req.client.v);
        fuzz_check(again.local.family == req.local.family && again.local.v == req.local.v);
        fuzz_check(again.client_state == req.client_state && again.local_state == req.local_state);
        fuzz_check(again.has_rcpt == req.has_rcpt && strcmp(again.rcpt, req.rcpt) == 0);
        fuzz_check(again.has_mailer == req.has_mailer && strcmp(again.mailer, req.mailer) == 0);
    }
    return 0;
}
