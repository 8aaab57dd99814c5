/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_edit - relayctl add and del: edit a list safely, then reload */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "relayctl.h"
#include "rm_edit.h"
#include "rm_file.h"
#include "rm_kind.h"
#include "rm_lint.h"
#include "rm_mem.h"

static const char edit_usage[] =
    "usage: relayctl [-c CONFIG] [--json] add allow|deny|local ENTRY [--comment TEXT] [--force]\n"
    "       relayctl [-c CONFIG] [--json] del allow|deny|local ENTRY\n";

/* refuse_entry - an entry that opens the list to everyone, or never matches */

static bool refuse_entry(relayctl *rc, int kind, const char *entry, bool force)
{
    char    why[RM_DIAG_TEXT_LEN];
    rm_entry e;
    rm_perr err;

    if (rm_entry_parse(entry, strlen(entry), &e, &err) < 0
        || !rm_lint_entry_refused(&e, kind, why, sizeof(why)))
        return false;                   /* a bad entry: rm_edit_add says why */
    if (force) {
        fprintf(stderr, "%s: warning: %s (added anyway: --force)\n", rc->progname, why);
        return false;
    }
    report_error(rc, NULL, 0, 0, "add: refused: %s; nothing changed (--force adds it anyway)", why);
    return true;
}

/* rule_off - a list whose rule is off in relay_flags is never consulted */

static void rule_off(relayctl *rc, const rm_config *cfg, int kind)
{
    char    flags[64];

    if (cfg->relay_flags & rm_kind_flag((enum rm_list_kind) kind))
        return;
    rm_flags_format(cfg->relay_flags, flags, sizeof(flags));
    fprintf(stderr, "%s: warning: the %s rule is off (relay_flags = %s): relaymilter does not "
            "consult %s until it is on\n", rc->progname, rm_kind_name((enum rm_list_kind) kind),
            flags, cfg->list_path[kind]);
}

/* cmd_edit - add or del: lock, validate, write beside, fsync, rename, reload */

static int edit(relayctl *rc, int argc, char **argv, bool add)
{
    const char *kindword = NULL, *entry = NULL, *comment = NULL;
    bool    force = false;
    rm_diag d;
    rm_config *cfg;
    rm_limits lim;
    rm_edit_result r;
    enum rm_edit_status st;
    struct stat sb;
    char   *text = NULL;
    size_t  len;
    int     kind, fd, status;
    const char *path;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(edit_usage, stdout);
            return EXIT_OK;
        } else if (add && strcmp(argv[i], "--comment") == 0 && i + 1 < argc) {
            comment = argv[++i];
        } else if (add && strncmp(argv[i], "--comment=", 10) == 0) {
            comment = argv[i] + 10;
        } else if (add && strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            report_error(rc, NULL, 0, 0, "%s: unknown option %s", argv[0], quoted(argv[i]));
            fputs(edit_usage, stderr);
            return EXIT_TROUBLE;
        } else if (kindword == NULL) {
            kindword = argv[i];
        } else if (entry == NULL) {
            entry = argv[i];
        } else {
            report_error(rc, NULL, 0, 0, "%s: one entry at a time", argv[0]);
            fputs(edit_usage, stderr);
            return EXIT_TROUBLE;
        }
    }
    if (kindword == NULL || entry == NULL || (kind = rm_kind_code(kindword)) < 0) {
        report_error(rc, NULL, 0, 0, "%s: which list (allow, deny or local) and which entry?", argv[0]);
        fputs(edit_usage, stderr);
        return EXIT_TROUBLE;
    }
    rm_diag_init(&d);
    if (rm_config_load(rc->config_path, &cfg, &d) < 0) {
        print_failure(rc, &d);
        return EXIT_TROUBLE;
    }
    if (add && refuse_entry(rc, kind, entry, force)) {
        rm_config_free(cfg);
        return EXIT_NEGATIVE;
    }
    rule_off(rc, cfg, kind);
    path = cfg->list_path[kind];
    lim.max_entries = cfg->max_entries;
    lim.max_bytes = cfg->max_list_bytes;

    /* The lock serializes writers; the file is read from the locked descriptor. */
    if ((fd = rm_file_lock(path, &cfg->trust, &sb, &d)) < 0) {
        int     refused = errno == 0;   /* by the trust rule, not by the system */

        print_failure(rc, &d);
        fprintf(stderr, "%s: %s: %s is unchanged\n", rc->progname, argv[0], path);
        rm_config_free(cfg);
        return refused ? EXIT_NEGATIVE : EXIT_TROUBLE;
    }
    if (rm_file_read_fd(fd, path, &sb, lim.max_bytes, &text, &len, &d) < 0) {
        print_failure(rc, &d);
        close(fd);
        rm_config_free(cfg);
        return EXIT_NEGATIVE;
    }
    st = add ? rm_edit_add(path, text, len, entry, comment, &lim, &r, &d)
        : rm_edit_del(path, text, len, entry, &lim, &r, &d);
    rm_free(text);
    if (st == RM_EDIT_ERROR) {
        print_failure(rc, &d);
        fprintf(stderr, "%s: %s: %s is unchanged\n", rc->progname, argv[0], path);
        close(fd);
        rm_config_free(cfg);
        return EXIT_NEGATIVE;
    }
    if (st == RM_EDIT_UNCHANGED) {
        if (rc->json) {
            printf("{\"changed\":false,\"message\":");
            json_string(stdout, r.why);
            printf("}\n");
        } else {
            printf("%s\n", r.why);
        }
        close(fd);
        rm_config_free(cfg);
        return r.covered_line ? EXIT_NEGATIVE : EXIT_OK;
    }
    if (rm_file_replace(path, r.out, r.outlen, &sb, &d) < 0) {
        print_failure(rc, &d);
        rm_free(r.out);
        close(fd);
        rm_config_free(cfg);
        return EXIT_TROUBLE;
    }
    rm_free(r.out);
    close(fd);                          /* unlock: the new file is in place */
    if (rc->json) {
        printf("{\"changed\":true,\"message\":");
        json_string(stdout, r.why);
        printf(",\"reload\":");       /* the reload's answer, inside: one document */
    } else {
        printf("%s\n", r.why);
    }
    fflush(stdout);
    status = daemon_reload(rc, cfg, argv[0], path);
    if (rc->json)
        printf("}\n");
    rm_config_free(cfg);
    return status;
}

int     cmd_add(relayctl *rc, int argc, char **argv)
{
    return edit(rc, argc, argv, true);
}

int     cmd_del(relayctl *rc, int argc, char **argv)
{
    return edit(rc, argc, argv, false);
}
