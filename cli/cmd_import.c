/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_import - relayctl import-exchange: lists from an Exchange 5.5 registry export */

#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relayctl.h"
#include "rm_file.h"
#include "rm_kind.h"
#include "rm_lint.h"
#include "rm_mem.h"
#include "rm_reg.h"

static const char import_usage[] =
    "usage: relayctl [-c CONFIG] [--json] import-exchange FILE.reg [--dir DIR] [--dry-run] [--force]\n";

/* kind - list k's row: its file, setting and registry value */

static const rm_kind *kind(int k)
{
    return rm_kind_get((enum rm_list_kind) k);
}

static void warn_cb(void *ctx, const rm_diag_msg *m)
{
    (void) ctx;
    print_diag_msg(stderr, m);
}

/* write_list - replace (keeping .bak) or create one list file */

static int write_list(const char *path, const char *body, const rm_trust *who, rm_diag *d)
{
    struct stat st;
    int     fd;

    if (lstat(path, &st) == 0) {
        /* A list already there is replaced only if it is one to trust. */
        if ((fd = rm_trust_open(path, who, &st, d)) < 0)
            return -1;
        close(fd);
        return rm_file_replace(path, body, strlen(body), &st, d);
    }
    if (errno != ENOENT) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot stat: %s", strerror(errno));
        return -1;
    }
    memset(&st, 0, sizeof(st));
    st.st_mode = 0644;
    st.st_uid = geteuid();
    st.st_gid = getegid();
    return rm_file_replace(path, body, strlen(body), &st, d);
}

/* One list of the export, ready to write. */
typedef struct planned {
    char    path[RM_PATH_LEN];
    char   *body;                       /* NULL: not in the export */
    rm_list *list;                      /* body, loaded: lint reads it */
    bool    exists;                     /* a file is there now */
    long    old_entries;                /* its entries; -1: it does not load */
} planned;

typedef struct import_opts {
    const char *file, *dir;
    bool    dry_run, force;
} import_opts;

/* import_args - the command line */

static int import_args(relayctl *rc, int argc, char **argv, import_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(import_usage, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            o->dir = argv[++i];
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            o->dry_run = true;
        } else if (strcmp(argv[i], "--force") == 0) {
            o->force = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            report_error(rc, NULL, 0, 0, "import-exchange: unknown option %s", quoted(argv[i]));
            fputs(import_usage, stderr);
            return EXIT_TROUBLE;
        } else if (o->file == NULL) {
            o->file = argv[i];
        } else {
            report_error(rc, NULL, 0, 0, "import-exchange: one export at a time");
            fputs(import_usage, stderr);
            return EXIT_TROUBLE;
        }
    }
    if (o->file == NULL) {
        report_error(rc, NULL, 0, 0, "import-exchange: which .reg file?");
        fputs(import_usage, stderr);
        return EXIT_TROUBLE;
    }
    return -1;
}

/* plan - every list's new text, loaded with the daemon's loader, and
 * what is in its place now; nothing is written yet.  The lists go to dir,
 * or without one to the configured lists themselves. */

static int plan(relayctl *rc, const import_opts *o, const char *dir, const rm_config *cfg,
                const rm_trust *who, const rm_reg_import *imp, planned *p)
{
    static rm_diag d;
    time_t  now = time(NULL);
    char    when[32];

    /* cppcheck-suppress gmtimeCalled ; relayctl runs one thread */
    strftime(when, sizeof(when), "%Y-%m-%d", gmtime(&now));
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        struct stat st;
        rm_list *old;
        size_t  blen;

        if (dir)
            snprintf(p[k].path, sizeof(p[k].path), "%s/%s", dir, kind(k)->default_file);
        else
            snprintf(p[k].path, sizeof(p[k].path), "%s", cfg->list_path[k]);
        if (imp->lists[k] == NULL)
            continue;
        blen = strlen(imp->lists[k]) + strlen(o->file) + 128;
        if ((p[k].body = rm_malloc(blen)) == NULL)
            return report_error(rc, NULL, 0, 0, "import-exchange: out of memory; nothing was written");
        snprintf(p[k].body, blen, "# %s, imported by relayctl from %s on %s\n%s",
                 kind(k)->exchange_value, o->file, when, imp->lists[k]);
        rm_diag_init(&d);
        if (rm_list_load_buffer(p[k].path, p[k].body, strlen(p[k].body), NULL, &p[k].list, &d) < 0)
            return report_diag(rc, &d, "import-exchange: nothing was written");
        p[k].exists = stat(p[k].path, &st) == 0;
        rm_diag_init(&d);
        p[k].old_entries = -1;
        if (p[k].exists && rm_list_load(p[k].path, who, NULL, &old, &d) == 0) {
            p[k].old_entries = (long) rm_list_count(old);
            rm_list_free(old);
        }
    }
    return -1;
}

/* refuse_replace - without --force, an existing list is never replaced */

static int refuse_replace(relayctl *rc, const import_opts *o, const planned *p)
{
    int     n = 0;

    if (o->force)
        return -1;
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        if (p[k].body == NULL || !p[k].exists)
            continue;
        if (p[k].old_entries >= 0)
            fprintf(stderr, "%s: import-exchange: %s exists (%ld entr%s)\n", rc->progname, p[k].path,
                    p[k].old_entries, p[k].old_entries == 1 ? "y" : "ies");
        else
            fprintf(stderr, "%s: import-exchange: %s exists (it does not load)\n", rc->progname, p[k].path);
        n++;
    }
    if (n == 0)
        return -1;
    report_error(rc, NULL, 0, 0, "import-exchange: %d list%s would be replaced; nothing was written "
                 "(--force replaces them, keeping each as FILE.bak)", n, n == 1 ? "" : "s");
    return EXIT_NEGATIVE;
}

/* write_all - each list whole, or not at all; what it replaced, said */

static int write_all(relayctl *rc, const import_opts *o, const rm_trust *who, const rm_reg_import *imp,
                     planned *p)
{
    static rm_diag d;

    for (int k = 0; k < RM_LIST__COUNT; k++) {
        if (p[k].body == NULL) {
            if (!rc->json)
                printf("# %s: not in the export; %s left alone\n", kind(k)->exchange_value, p[k].path);
            continue;
        }
        rm_diag_init(&d);
        if (!o->dry_run && write_list(p[k].path, p[k].body, who, &d) < 0) {
            report_diag(rc, &d, "import-exchange: stopped; the lists written before it stay");
            return EXIT_TROUBLE;
        }
        rm_lint_list(p[k].list, k, p[k].body, strlen(p[k].body), warn_cb, NULL);
        if (rc->json)
            continue;
        printf("# %s: %zu entr%s %s %s", kind(k)->exchange_value, imp->count[k], imp->count[k] == 1 ? "y" : "ies",
               o->dry_run ? "would be written to" : "written to", p[k].path);
        if (p[k].exists && p[k].old_entries >= 0)
            printf(", replacing its %ld entr%s (%s.bak)", p[k].old_entries,
                   p[k].old_entries == 1 ? "y" : "ies", p[k].path);
        else if (p[k].exists)
            printf(", replacing a list that did not load (%s.bak)", p[k].path);
        printf("\n");
    }
    return -1;
}

/* dir_of - the directory part of path, in buf */

static const char *dir_of(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');

    snprintf(buf, len, "%.*s", slash ? (int) (slash - path) : 1, slash ? path : ".");
    return buf;
}

/* print_config - lines that paste into relaymilter.conf as they are */

static void print_config(const rm_reg_import *imp, const planned *p)
{
    char    flagtxt[64];

    printf("# relaymilter.conf settings for this export:\n");
    if (imp->have_flags) {
        rm_flags_format(imp->flags, flagtxt, sizeof(flagtxt));
        printf("# RelayFlags = %u\n", imp->flags);
        printf("relay_flags = %s\n", flagtxt);
    } else {
        printf("# RelayFlags is not in the export: set relay_flags yourself\n");
    }
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        char    abs[PATH_MAX];

        if (p[k].body == NULL)
            continue;
        /* relaymilter.conf reads relative paths from its own directory */
        if (p[k].path[0] != '/' && realpath(dir_of(p[k].path, abs, sizeof(abs)), abs) != NULL)
            printf("%s = %s/%s\n", kind(k)->config_key, abs, strrchr(p[k].path, '/') ? strrchr(p[k].path, '/') + 1 : p[k].path);
        else
            printf("%s = %s\n", kind(k)->config_key, p[k].path);
    }
}

/* print_json - the same as one JSON object */

static void print_json(const import_opts *o, const rm_reg_import *imp, const planned *p)
{
    char    flagtxt[64];
    bool    first = true;

    printf("{\"dry_run\":%s,\"lists\":[", o->dry_run ? "true" : "false");
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        if (p[k].body == NULL)
            continue;
        printf("%s{\"value\":\"%s\",\"file\":", first ? "" : ",", kind(k)->exchange_value);
        json_string(stdout, p[k].path);
        printf(",\"entries\":%zu,\"replaced\":%s,\"replaced_entries\":", imp->count[k],
               p[k].exists ? "true" : "false");
        if (p[k].exists && p[k].old_entries >= 0)
            printf("%ld}", p[k].old_entries);
        else
            printf("null}");
        first = false;
    }
    printf("],\"relay_flags\":");
    if (imp->have_flags) {
        rm_flags_format(imp->flags, flagtxt, sizeof(flagtxt));
        json_string(stdout, flagtxt);
    } else {
        printf("null");
    }
    printf("}\n");
}

/* configured - did we write one of the lists the configuration names? */

static bool configured(const rm_config *cfg, const planned *p)
{
    struct stat a, b;

    for (int k = 0; cfg && k < RM_LIST__COUNT; k++)
        if (p[k].body && stat(p[k].path, &a) == 0 && stat(cfg->list_path[k], &b) == 0
            && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return true;
    return false;
}

/* first_written - a list this import wrote, for the reload's messages */

static const char *first_written(const planned *p)
{
    for (int k = 0; k < RM_LIST__COUNT; k++)
        if (p[k].body)
            return p[k].path;
    return NULL;
}

/* cmd_import - relayctl import-exchange FILE.reg [--dir DIR] [--dry-run] [--force] */

int     cmd_import(relayctl *rc, int argc, char **argv)
{
    import_opts o;
    char   *raw;
    size_t  len;
    static rm_diag d;
    rm_reg_import imp;
    rm_config *cfg;
    rm_trust who;
    planned p[RM_LIST__COUNT];
    int     status;

    if ((status = import_args(rc, argc, argv, &o)) >= 0)
        return status;
    /* With --dir, the configuration is a hint: the lists go there anyway. */
    cfg = config_load(rc, &d, o.dir ? NULL : "import-exchange: name a directory with --dir, or fix the configuration");
    if (cfg == NULL && o.dir == NULL)
        return EXIT_TROUBLE;
    rm_diag_init(&d);
    if (cfg)
        who = cfg->trust;
    else
        rm_trust_self(&who);
    if (rm_file_read_input(o.file, 64u << 20, &raw, &len, &d) < 0) {
        rm_config_free(cfg);
        return report_diag(rc, &d, "import-exchange: nothing was written");
    }
    if (rm_reg_parse(o.file, (const unsigned char *) raw, len, &imp, &d) < 0) {
        rm_free(raw);
        rm_config_free(cfg);
        report_diag(rc, &d, "import-exchange: nothing was written");
        return EXIT_NEGATIVE;
    }
    rm_free(raw);
    memset(p, 0, sizeof(p));
    if ((status = plan(rc, &o, o.dir, cfg, &who, &imp, p)) < 0 && (status = refuse_replace(rc, &o, p)) < 0
        && (status = write_all(rc, &o, &who, &imp, p)) < 0) {
        if (rc->json)
            print_json(&o, &imp, p);
        else
            print_config(&imp, p);
        status = EXIT_OK;
        if (!o.dry_run && configured(cfg, p))
            status = daemon_reload(rc, cfg, "import-exchange", first_written(p));
    }
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        rm_free(p[k].body);
        if (p[k].list)
            rm_list_free(p[k].list);
    }
    rm_reg_import_free(&imp);
    rm_config_free(cfg);
    return status;
}
