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

/* What add or del was asked. */
typedef struct edit_opts {
    const char *cmd;                    /* add, del: argv[0] */
    bool    add;
    bool    force;                      /* add --force */
    const char *entry;
    const char *comment;                /* add --comment, or NULL */
    int     kind;                       /* enum rm_list_kind */
} edit_opts;

/* edit_args - the command line into o: -1 to go on, else the exit status */

static int edit_args(relayctl *rc, int argc, char **argv, bool add, edit_opts *o)
{
    const char *kindword = NULL;

    memset(o, 0, sizeof(*o));
    o->cmd = argv[0];
    o->add = add;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(edit_usage, stdout);
            return EXIT_OK;
        } else if (add && strcmp(argv[i], "--comment") == 0 && i + 1 < argc) {
            o->comment = argv[++i];
        } else if (add && strncmp(argv[i], "--comment=", 10) == 0) {
            o->comment = argv[i] + 10;
        } else if (add && strcmp(argv[i], "--force") == 0) {
            o->force = true;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            report_error(rc, NULL, 0, 0, "%s: unknown option %s", argv[0], quoted(argv[i]));
            fputs(edit_usage, stderr);
            return EXIT_TROUBLE;
        } else if (kindword == NULL) {
            kindword = argv[i];
        } else if (o->entry == NULL) {
            o->entry = argv[i];
        } else {
            report_error(rc, NULL, 0, 0, "%s: one entry at a time", argv[0]);
            fputs(edit_usage, stderr);
            return EXIT_TROUBLE;
        }
    }
    if (kindword == NULL || o->entry == NULL || (o->kind = rm_kind_code(kindword)) < 0) {
        report_error(rc, NULL, 0, 0, "%s: which list (allow, deny or local) and which entry?", argv[0]);
        fputs(edit_usage, stderr);
        return EXIT_TROUBLE;
    }
    return -1;
}

/* print_unchanged - the edit had nothing to do: why */

static void print_unchanged(relayctl *rc, const rm_edit_result *r)
{
    if (rc->json) {
        printf("{\"changed\":false,\"message\":");
        json_string(stdout, r->why);
        printf("}\n");
    } else {
        printf("%s\n", r->why);
    }
}

/*
 * edit_locked - lock the list, read it from the locked descriptor, edit,
 * write beside it and rename; d holds the configuration's messages, said
 * with a failure.  Returns -1 when the new file is in place (r->why says
 * what changed), else the exit status, all said.
 */
static int edit_locked(relayctl *rc, const rm_config *cfg, const edit_opts *o, rm_edit_result *r,
                       rm_diag *d)
{
    const char *path = cfg->list_path[o->kind];
    rm_limits lim = {cfg->max_entries, cfg->max_list_bytes};
    enum rm_edit_status st;
    struct stat sb;
    char   *text = NULL;
    size_t  len;
    int     fd, status = EXIT_NEGATIVE;

    /* The lock serializes writers; the file is read from the locked descriptor. */
    if ((fd = rm_file_lock(path, &cfg->trust, &sb, d)) < 0) {
        int     refused = errno == 0;   /* by the trust rule, not by the system */

        print_failure(rc, d);
        fprintf(stderr, "%s: %s: %s is unchanged\n", rc->progname, o->cmd, path);
        return refused ? EXIT_NEGATIVE : EXIT_TROUBLE;
    }
    if (rm_file_read_fd(fd, path, &sb, lim.max_bytes, &text, &len, d) < 0) {
        print_failure(rc, d);
        close(fd);
        return EXIT_NEGATIVE;
    }
    st = o->add ? rm_edit_add(path, text, len, o->entry, o->comment, &lim, r, d)
        : rm_edit_del(path, text, len, o->entry, &lim, r, d);
    rm_free(text);
    if (st == RM_EDIT_ERROR) {
        print_failure(rc, d);
        fprintf(stderr, "%s: %s: %s is unchanged\n", rc->progname, o->cmd, path);
    } else if (st == RM_EDIT_UNCHANGED) {
        print_unchanged(rc, r);
        status = r->covered_line ? EXIT_NEGATIVE : EXIT_OK;
    } else if (rm_file_replace(path, r->out, r->outlen, &sb, d) < 0) {
        print_failure(rc, d);
        status = EXIT_TROUBLE;
    } else {
        status = -1;
    }
    if (st == RM_EDIT_CHANGED)
        rm_free(r->out);
    close(fd);                          /* unlock: the new file is in place, or none */
    return status;
}

/* edit - add or del: validate, edit under the lock, then reload */

static int edit(relayctl *rc, int argc, char **argv, bool add)
{
    static rm_diag d;
    edit_opts o;
    rm_config *cfg;
    rm_edit_result r;
    int     status;

    if ((status = edit_args(rc, argc, argv, add, &o)) >= 0)
        return status;
    if ((cfg = config_load(rc, &d, add ? "add: the configuration did not load; nothing changed"
                           : "del: the configuration did not load; nothing changed")) == NULL)
        return EXIT_TROUBLE;
    if (add && refuse_entry(rc, o.kind, o.entry, o.force)) {
        rm_config_free(cfg);
        return EXIT_NEGATIVE;
    }
    rule_off(rc, cfg, o.kind);
    if ((status = edit_locked(rc, cfg, &o, &r, &d)) < 0) {
        if (rc->json) {
            printf("{\"changed\":true,\"message\":");
            json_string(stdout, r.why);
            printf(",\"reload\":");   /* the reload's answer, inside: one document */
        } else {
            printf("%s\n", r.why);
        }
        fflush(stdout);
        status = daemon_reload(rc, cfg, o.cmd, cfg->list_path[o.kind]);
        if (rc->json)
            printf("}\n");
    }
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
