/* cmd_lint - relayctl lint: validate lists, warn about what looks wrong */

#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayctl.h"
#include "rm_file.h"
#include "rm_lint.h"
#include "rm_mem.h"
#include "rm_snapshot.h"

static const char lint_usage[] =
    "usage: relayctl [-c CONFIG] [--json] lint [FILE...]\n"
    "       (no FILE: the configuration and every list it uses)\n";

typedef struct tally {
    relayctl *rc;
    size_t  errors;
    size_t  warnings;
    bool    first;                      /* JSON: no comma before the next message */
} tally;

static void show(void *ctx, const rm_diag_msg *m)
{
    tally  *t = ctx;
    char    line[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];

    if (m->severity == RM_SEV_ERROR)
        t->errors++;
    else
        t->warnings++;
    if (t->rc->json) {
        printf("%s{\"file\":", t->first ? "" : ",");
        json_string(stdout, m->file);
        printf(",\"line\":%u,\"col\":%u,\"severity\":\"%s\",\"text\":", m->line, m->col,
               m->severity == RM_SEV_ERROR ? "error" : "warning");
        json_string(stdout, m->text);
        printf("}");
        t->first = false;
        return;
    }
    rm_diag_format(m, line, sizeof(line));
    printf("%s\n", line);
}

/* show_diag - the kept messages, then a count of the ones not kept */

static void show_diag(tally *t, const rm_diag *d)
{
    size_t  kept_errors = 0, kept_warnings = 0;

    for (size_t i = 0; i < d->count; i++) {
        show(t, &d->msgs[i]);
        if (d->msgs[i].severity == RM_SEV_ERROR)
            kept_errors++;
        else
            kept_warnings++;
    }
    if (d->dropped == 0)
        return;
    t->errors += d->errors - kept_errors;
    t->warnings += d->warnings - kept_warnings;
    if (!t->rc->json)
        printf("... and %zu more messages not shown\n", d->dropped);
}

/* lint_file - read one list the way the daemon would (the same checks, as
 * the same user), load it, then lint it with its text for the columns */

static void lint_file(tally *t, const char *path, int kind, const rm_limits *lim, const rm_trust *who)
{
    rm_diag d;
    rm_list *l;
    char   *text;
    size_t  len = 0;

    rm_diag_init(&d);
    if (rm_file_read(path, who, lim->max_bytes, &text, &len, NULL, &d) < 0) {
        show_diag(t, &d);
        return;
    }
    if (rm_list_load_buffer(path, text, len, lim, &l, &d) < 0) {
        show_diag(t, &d);
        rm_free(text);
        return;
    }
    show_diag(t, &d);
    rm_lint_list(l, kind, text, len, show, t);
    rm_free(text);
    rm_list_free(l);
}

/* kind_of - which role the configuration gives this file, or -1 */

static int kind_of(const rm_config *cfg, const char *path)
{
    struct stat a, b;

    if (cfg == NULL || stat(path, &a) == -1)
        return -1;
    for (int k = 0; k < RM_LIST__COUNT; k++)
        if (stat(cfg->list_path[k], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return k;
    return -1;
}

static const unsigned flag_of[RM_LIST__COUNT] = {RM_FLAG_DENY, RM_FLAG_ALLOW, RM_FLAG_LOCAL};

/* cmd_lint - relayctl lint [FILE...] */

int     cmd_lint(relayctl *rc, int argc, char **argv)
{
    tally   t = {rc, 0, 0, true};
    rm_config *cfg = NULL;
    rm_diag d;
    rm_limits lim = {RM_DEFAULT_MAX_ENTRIES, RM_DEFAULT_MAX_BYTES};
    rm_trust who;
    int     nfiles = 0, first_file = argc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(lint_usage, stdout);
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--") == 0) {
            first_file = i + 1;
            break;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "%s: lint: unknown option %s\n%s", rc->progname, quoted(argv[i]), lint_usage);
            return EXIT_TROUBLE;
        }
        if (first_file == argc)
            first_file = i;
    }
    nfiles = argc - first_file;
    if (rc->json)
        printf("{\"messages\":[");

    /* The configuration: required without FILEs; a hint for roles with them. */
    rm_diag_init(&d);
    if (nfiles == 0 || rc->config_given || access(rc->config_path, R_OK) == 0) {
        if (rm_config_load(rc->config_path, &cfg, &d) < 0)
            cfg = NULL;
        if (nfiles == 0 || cfg == NULL) {
            show_diag(&t, &d);
        }
    }
    if (cfg) {
        lim.max_entries = cfg->max_entries;
        lim.max_bytes = cfg->max_list_bytes;
    }
    if (cfg)
        who = cfg->trust;
    else
        rm_trust_self(&who);
    if (nfiles > 0) {
        for (int i = first_file; i < argc; i++)
            lint_file(&t, argv[i], kind_of(cfg, argv[i]), &lim, &who);
    } else if (cfg) {
        for (int k = 0; k < RM_LIST__COUNT; k++) {
            if (!(cfg->relay_flags & flag_of[k]) && access(cfg->list_path[k], F_OK) != 0)
                continue;               /* rule off and no file: nothing to check */
            lint_file(&t, cfg->list_path[k], k, &lim, &who);
        }
        if (cfg->local_domains[0]) {
            rm_domains *dom;

            rm_diag_init(&d);
            if (rm_domains_parse(cfg->local_domains, cfg->dir, cfg->path, 0, &cfg->trust, &dom, &d) == 0)
                rm_domains_free(dom);
            show_diag(&t, &d);
        }
    }
    if (rc->json) {
        printf("],\"errors\":%zu,\"warnings\":%zu}\n", t.errors, t.warnings);
    } else {
        fprintf(stderr, "%s: lint: %zu error%s, %zu warning%s\n", rc->progname,
                t.errors, t.errors == 1 ? "" : "s", t.warnings, t.warnings == 1 ? "" : "s");
    }
    rm_config_free(cfg);
    if (fflush(stdout) == EOF)
        return EXIT_TROUBLE;
    return t.errors ? EXIT_NEGATIVE : EXIT_OK;
}
