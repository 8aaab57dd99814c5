/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_list - relayctl list: the entries as written, with canonical forms */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libcidr.h>

#include "relayctl.h"
#include "rm_file.h"
#include "rm_kind.h"
#include "rm_list.h"
#include "rm_mem.h"
#include "rm_scan.h"

static const char list_usage[] = "usage: relayctl [-c CONFIG] [--json] list allow|deny|local\n";

/* canonical - libcidr's form of a host or prefix; NULL for ranges and
 * non-contiguous masks, which have no CIDR form. */

static char *canonical(const rm_entry *e)
{
    char    a[RM_ADDR_STRLEN], txt[RM_ADDR_STRLEN + 8];
    rm_addr lo = {e->family, e->lo};
    CIDR   *c;
    char   *s;

    if (!e->interval || e->plen < 0)
        return NULL;
    rm_addr_format(&lo, a, sizeof(a));
    snprintf(txt, sizeof(txt), "%s/%d", a, e->plen);
    if ((c = cidr_from_str(txt)) == NULL)
        return NULL;
    s = cidr_to_str(c, (unsigned) e->plen == rm_entry_bits(e) ? CIDR_ONLYADDR : CIDR_NOFLAGS);
    cidr_free(c);
    return s;
}

/* cmd_list - relayctl list KIND */

int     cmd_list(relayctl *rc, int argc, char **argv)
{
    rm_diag d;
    rm_config *cfg;
    char   *text;
    size_t  len;
    unsigned n = 0;
    rm_scan sc;
    rm_scan_line ln;
    int     kind;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(list_usage, stdout);
        return EXIT_OK;
    }
    if (argc != 2 || (kind = rm_kind_code(argv[1])) < 0) {
        report_error(rc, NULL, 0, 0, "list: which list: allow, deny or local?");
        fputs(list_usage, stderr);
        return EXIT_TROUBLE;
    }
    rm_diag_init(&d);
    if (rm_config_load(rc->config_path, &cfg, &d) < 0) {
        print_failure(rc, &d);
        return EXIT_TROUBLE;
    }
    if (rm_file_read(cfg->list_path[kind], &cfg->trust, cfg->max_list_bytes, &text, &len, NULL, &d) < 0) {
        print_failure(rc, &d);
        rm_config_free(cfg);
        return EXIT_TROUBLE;
    }
    if (rc->json) {
        printf("{\"list\":\"%s\",\"file\":", rm_kind_name((enum rm_list_kind) kind));
        json_string(stdout, cfg->list_path[kind]);
        printf(",\"entries\":[");
    }
    rm_scan_init(&sc, text, len, RM_SCAN_HASH_ANYWHERE);
    while (rm_scan_next(&sc, &ln)) {
        size_t  a = (size_t) (ln.tok - text), b = a + ln.toklen;
        rm_entry e;
        rm_perr err;
        char   *canon, mine[RM_ENTRY_STRLEN];
        bool    ok;

        if (ln.toklen == 0)
            continue;
        ok = rm_entry_parse(text + a, b - a, &e, &err) == 0;
        canon = ok ? canonical(&e) : NULL;
        if (ok && canon == NULL) {
            rm_entry_format(&e, mine, sizeof(mine));
            canon = strdup(mine);
        }
        if (rc->json) {
            printf("%s{\"line\":%u,\"entry\":", n ? "," : "", ln.line);
            text[b] = '\0';                /* past the entry: a blank, '#' or line end */
            json_string(stdout, text + a);
            if (ok) {
                printf(",\"canonical\":");
                json_string(stdout, canon ? canon : "");
            } else {
                printf(",\"error\":");
                json_string(stdout, err.msg);
            }
            printf("}");
        } else {
            printf("%6u  %.*s", ln.line, (int) (b - a), text + a);
            if (!ok)
                printf("    (error: %s)", err.msg);
            else if (canon && (strlen(canon) != b - a || memcmp(canon, text + a, b - a) != 0))
                printf("    = %s", canon);
            printf("\n");
        }
        free(canon);
        n++;
    }
    if (rc->json)
        printf("]}\n");
    rm_free(text);
    rm_config_free(cfg);
    return EXIT_OK;
}
