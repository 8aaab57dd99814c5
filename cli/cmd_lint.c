/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_lint - relayctl lint: validate lists, warn about what looks wrong */

#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "relayctl.h"
#include "rm_file.h"
#include "rm_kind.h"
#include "rm_lint.h"
#include "rm_mem.h"
#include "rm_snapshot.h"
#include "rm_source.h"

static const char lint_usage[] =
    "usage: relayctl [-c CONFIG] [--json] lint [--strict] [FILE|URL...]\n"
    "       (no FILE: the configuration and every list it uses)\n";

typedef struct tally {
    relayctl *rc;
    size_t  errors;
    size_t  warnings;
    bool    first;                      /* JSON: no comma before the next message */
} tally;

/*
 * The findings about one file, gathered from the loader and from rm_lint
 * and shown together in line order (a finding about the whole file last).
 */
typedef struct findings {
    rm_diag_msg *m;
    size_t  n, cap;
    size_t  dropped_errors, dropped_warnings;
} findings;

static void gather(void *ctx, const rm_diag_msg *m)
{
    findings *f = ctx;

    if (f->n == f->cap) {
        size_t  cap = f->cap ? 2 * f->cap : 64;
        rm_diag_msg *nm = realloc(f->m, cap * sizeof(*nm));

        if (nm == NULL) {
            if (m->severity == RM_SEV_ERROR)
                f->dropped_errors++;
            else
                f->dropped_warnings++;
            return;
        }
        f->m = nm;
        f->cap = cap;
    }
    f->m[f->n++] = *m;
}

/* gather_diag - every kept message of d, and the count of the others */

static void gather_diag(findings *f, const rm_diag *d, bool errors_too)
{
    size_t  ke = 0, kw = 0;

    for (size_t i = 0; i < d->count; i++) {
        if (d->msgs[i].severity == RM_SEV_ERROR && !errors_too)
            continue;
        gather(f, &d->msgs[i]);
        ke += d->msgs[i].severity == RM_SEV_ERROR;
        kw += d->msgs[i].severity != RM_SEV_ERROR;
    }
    if (errors_too)
        f->dropped_errors += d->errors - ke;
    f->dropped_warnings += d->warnings - kw;
}

static int by_line(const void *a, const void *b)
{
    const rm_diag_msg *x = a, *y = b;
    unsigned lx = x->line ? x->line : ~0u, ly = y->line ? y->line : ~0u;

    if (lx != ly)
        return lx < ly ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

static void show(void *ctx, const rm_diag_msg *m)
{
    tally  *t = ctx;

    if (m->severity == RM_SEV_ERROR)
        t->errors++;
    else
        t->warnings++;
    if (t->rc->json) {
        fputs(t->first ? "" : ",", stdout);
        json_diag_msg(stdout, m);
        t->first = false;
        return;
    }
    print_diag_msg(stdout, m);
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
        print_dropped(stdout, d->dropped);
}

/* blank_errors - text with every line an error names made empty */

static char *blank_errors(const char *text, size_t len, const rm_diag *d)
{
    char   *copy = malloc(len ? len : 1);
    unsigned line = 1;

    if (copy == NULL)
        return NULL;
    memcpy(copy, text, len);
    for (size_t i = 0; i < len; i++) {
        bool    bad = false;

        for (size_t k = 0; k < d->count && !bad; k++)
            bad = d->msgs[k].severity == RM_SEV_ERROR && d->msgs[k].line == line;
        if (copy[i] == '\n')
            line++;
        else if (bad)
            copy[i] = ' ';
    }
    return copy;
}

/* not_a_list - a configuration file named as a list: say what to run */

static bool not_a_list(findings *f, const char *path, const char *text, size_t len)
{
    rm_diag_msg m;
    size_t  key;

    if ((m.line = rm_config_sniff(text, len, &key)) == 0)
        return false;
    m.severity = RM_SEV_ERROR;
    m.col = 1;
    snprintf(m.file, sizeof(m.file), "%s", path);
    snprintf(m.text, sizeof(m.text), "this is a relaymilter configuration file (it sets %s), "
             "not a list: check it with relaymilter -n -c %.200s", rm_config_key_name(key), path);
    gather(f, &m);
    return true;
}

/* lint_lines - the loader's findings and rm_lint's about the lines that
 * parsed, even when others did not, so that every finding shows at once */

static void lint_lines(findings *f, const char *path, int kind, const rm_limits *lim, const rm_trust *who)
{
    static rm_diag d, again;
    rm_list *l = NULL;
    char   *text = NULL, *blanked;
    size_t  len = 0;
    int     loaded;

    /* Read as the daemon reads it (the same checks, as the same user). */
    rm_diag_init(&d);
    if (rm_file_read(path, who, lim->max_bytes, &text, &len, NULL, &d) < 0) {
        gather_diag(f, &d, true);
        return;
    }
    loaded = rm_list_load_buffer(path, text, len, lim, &l, &d) == 0;
    if (!loaded && not_a_list(f, path, text, len)) {
        rm_free(text);
        return;
    }
    gather_diag(f, &d, true);
    if (!loaded && rm_diag_first_error(&d) && rm_diag_first_error(&d)->line > 0
        && (blanked = blank_errors(text, len, &d)) != NULL) {
        rm_diag_init(&again);
        if (rm_list_load_buffer(path, blanked, len, lim, &l, &again) == 0) {
            gather_diag(f, &again, false);
            loaded = 1;
        }
        free(blanked);
    }
    if (loaded) {
        rm_lint_list(l, kind, text, len, gather, f);
        rm_list_free(l);
    }
    rm_free(text);
}

/* lint_file - load one list the way the daemon would, lint it, show it all */

static void lint_file(tally *t, const char *path, int kind, const rm_limits *lim, const rm_trust *who)
{
    findings f = {NULL, 0, 0, 0, 0};

    lint_lines(&f, path, kind, lim, who);
    if (f.n > 1)
        qsort(f.m, f.n, sizeof(*f.m), by_line);
    for (size_t i = 0; i < f.n; i++)
        show(t, &f.m[i]);
    t->errors += f.dropped_errors;
    t->warnings += f.dropped_warnings;
    if (!t->rc->json)
        print_dropped(stdout, f.dropped_errors + f.dropped_warnings);
    free(f.m);
}

/*
 * lint_url - fetch a URL list as the daemon would (the configuration's CA
 * file, timeout, byte cap and signing key), then check it as a file
 */
static void lint_url(tally *t, const char *url, int kind, const rm_limits *lim, const rm_config *cfg)
{
    http_req r = {url, cfg ? cfg->list_ca_file : NULL, cfg ? cfg->list_fetch_timeout : 30,
                  lim->max_bytes, NULL, NULL};
    http_resp resp = {0};
    char    err[1024];
    const char *bad = rm_source_check_url(url);
    rm_diag d;
    rm_list *l;
    long long signed_at;

    rm_diag_init(&d);
    if (bad || http_global_init() < 0 || http_get(&r, &resp, err, sizeof(err)) < 0) {
        rm_diag_add(&d, RM_SEV_ERROR, url, 0, 0, "%s", bad ? bad : err);
        show_diag(t, &d);
        return;
    }
    if (cfg && cfg->list_signing_key[0]
        && http_check_signature(&r, cfg->list_signing_key, &cfg->trust, resp.body, resp.len, &signed_at,
                                err, sizeof(err)) < 0) {
        rm_diag_add(&d, RM_SEV_ERROR, url, 0, 0, "%s", err);
        show_diag(t, &d);
        free(resp.body);
        return;
    }
    if (rm_list_load_buffer(url, resp.body, resp.len, lim, &l, &d) == 0) {
        show_diag(t, &d);
        rm_lint_list(l, kind, resp.body, resp.len, show, t);
        rm_list_free(l);
    } else {
        show_diag(t, &d);
    }
    free(resp.body);
}

/* kind_of - which role the configuration gives this file, or -1 */

static int kind_of(const rm_config *cfg, const char *path)
{
    struct stat a, b;

    if (cfg && rm_source_is_url(path)) {
        for (int k = 0; k < RM_LIST__COUNT; k++)
            if (strcmp(cfg->list_url[k], path) == 0)
                return k;
        return -1;
    }
    if (cfg == NULL || stat(path, &a) == -1)
        return -1;
    for (int k = 0; k < RM_LIST__COUNT; k++)
        if (stat(cfg->list_path[k], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return k;
    return -1;
}

/* cmd_lint - relayctl lint [FILE|URL...] */

int     cmd_lint(relayctl *rc, int argc, char **argv)
{
    tally   t = {rc, 0, 0, true};
    rm_config *cfg = NULL;
    rm_diag d;
    rm_limits lim = {RM_DEFAULT_MAX_ENTRIES, RM_DEFAULT_MAX_BYTES};
    rm_trust who;
    int     nfiles = 0, first_file = argc;
    bool    strict = false;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(lint_usage, stdout);
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--strict") == 0 && first_file == argc) {
            strict = true;
            continue;
        }
        if (strcmp(argv[i], "--") == 0) {
            first_file = i + 1;
            break;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            report_error(rc, NULL, 0, 0, "lint: unknown option %s", quoted(argv[i]));
            fputs(lint_usage, stderr);
            return EXIT_TROUBLE;
        }
        if (first_file == argc)
            first_file = i;
    }
    nfiles = argc - first_file;
    if (rc->json)
        printf("{\"messages\":[");

    /* The configuration: required without FILEs; a hint for roles with them. */
    if (nfiles == 0 || rc->config_given || access(rc->config_path, R_OK) == 0) {
        cfg = config_load(rc, &d, NULL);  /* its messages are findings, shown below */
        if (nfiles == 0 || cfg == NULL)
            show_diag(&t, &d);
    }
    if (cfg) {
        lim.max_entries = cfg->max_entries;
        lim.max_bytes = cfg->max_list_bytes;
        who = cfg->trust;
    } else {
        rm_trust_self(&who);
    }
    if (nfiles > 0) {
        for (int i = first_file; i < argc; i++)
            if (rm_source_is_url(argv[i]))
                lint_url(&t, argv[i], kind_of(cfg, argv[i]), &lim, cfg);
            else
                lint_file(&t, argv[i], kind_of(cfg, argv[i]), &lim, &who);
    } else if (cfg) {
        for (int k = 0; k < RM_LIST__COUNT; k++) {
            bool    there = access(cfg->list_path[k], F_OK) == 0;

            if (!(cfg->relay_flags & rm_kind_flag((enum rm_list_kind) k)) && !there)
                continue;               /* rule off and no file: nothing to check */
            /* A URL list: its cached copy, or what a start would fetch. */
            if (cfg->list_url[k][0] && !there)
                lint_url(&t, cfg->list_url[k], k, &lim, cfg);
            else
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
    return t.errors || (strict && t.warnings) ? EXIT_NEGATIVE : EXIT_OK;
}
