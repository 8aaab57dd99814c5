/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * relaymilter - decide at RCPT TO time whether the client may relay.
 * This file owns the command line and -n (check the configuration, say
 * what was found); the daemon's start and end are in daemon.c, its
 * signals, threads and stop in loop.c.
 */

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "fetch.h"
#include "loop.h"
#include "mlog.h"
#include "rm_config.h"
#include "rm_kind.h"
#include "rm_snapshot.h"
#include "state.h"

/* usage - the synopsis on stderr (exit 2), or with -h all of it on stdout (exit 0) */

static void usage(int help)
{
    static const char text[] =
        "usage: relaymilter [-c CONFIG] [-f] [-n] [-V]\n";
    static const char options[] =
        "options:\n"
        "  -c CONFIG    configuration file (default " RM_DEFAULT_CONFIG ")\n"
        "  -f           stay in the foreground; log to standard error as well as syslog\n"
        "  -n           check the configuration and every list, print what was found,\n"
        "               exit 0 (all is well) or 1\n"
        "  -V           print the version\n"
        "  -h, --help   this text\n";

    fputs(text, help ? stdout : stderr);
    if (help)
        fputs(options, stdout);
    exit(help ? 0 : 2);
}

/* absolute - the configuration path made absolute: the daemon chdirs to / */

static int absolute(const char *path, char *out, size_t len)
{
    char    cwd[PATH_MAX];
    int     n;

    if (path[0] == '/')
        n = snprintf(out, len, "%s", path);
    else if (getcwd(cwd, sizeof(cwd)) == NULL)
        return -1;
    else
        n = snprintf(out, len, "%s/%s", cwd, path);
    return n < 0 || (size_t) n >= len ? -1 : 0;
}

/* print_diag - every message kept, then how many were not */

static void print_diag(FILE *fp, const rm_diag *d)
{
    char    text[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];

    for (size_t i = 0; i < d->count; i++) {
        rm_diag_format(&d->msgs[i], text, sizeof(text));
        fprintf(fp, "%s\n", text);
    }
    if (d->dropped)
        fprintf(fp, "error: %zu more messages were not kept\n", d->dropped);
}

/* print_list - -n's line for list k: where it was read from, or why not */

static void print_list(const rm_snapshot *s, enum rm_list_kind k)
{
    const rm_list *l = s->lists[k];
    const char *key = rm_kind_get(k)->config_key;

    if (!(s->cfg->relay_flags & rm_kind_flag(k))) {
        printf("%s: %s: not read (the %s rule is off)\n", key, s->cfg->list_path[k], rm_kind_name(k));
        return;
    }
    if (s->cfg->list_url[k][0])
        printf("%s: %s (its cached copy):\n  ", key, s->cfg->list_url[k]);
    printf("%s: %s: %lu %s (%lu IPv4, %lu IPv6)\n", key, rm_list_name(l),
           (unsigned long) rm_list_count(l), rm_list_count(l) == 1 ? "entry" : "entries",
           (unsigned long) rm_list_count_family(l, RM_AF_INET),
           (unsigned long) rm_list_count_family(l, RM_AF_INET6));
}

/*
 * fetch_missing - as at start, a URL list with no cached copy yet is
 * fetched (into the cache, as the daemon would), so that -n says what
 * starting would do.  The fetch says what it did on stderr and to syslog.
 */
static int fetch_missing(const char *path)
{
    static rm_diag d;
    rm_config *c;
    bool    missing = false;

    rm_diag_init(&d);
    if (rm_config_load(path, &c, &d) < 0)
        return 0;                       /* the snapshot build reports it */
    for (int k = 0; k < RM_LIST__COUNT; k++)
        if (c->list_url[k][0] && access(c->list_path[k], F_OK) != 0)
            missing = true;
    rm_config_free(c);
    if (!missing)
        return 0;
    mlog_open(1);
    return fetch_init(path, true);
}

/* check_config - -n: load everything as the daemon would, say what was found */

static int check_config(const char *path)
{
    static rm_diag d;                   /* large; keep it off the stack */
    rm_snapshot *s = NULL;
    const rm_config *c;
    char    flags[64];
    size_t  n;
    int     bad;

    if (fetch_missing(path) < 0)
        return 1;
    rm_diag_init(&d);
    bad = rm_snapshot_build(path, 1, &s, &d) < 0;     /* every file, as user would read it */
    print_diag(stderr, &d);
    if (bad) {
        fprintf(stderr, "relaymilter: %s: %zu error%s; relaymilter would not start\n",
                path, d.errors, d.errors == 1 ? "" : "s");
        rm_snapshot_unref(s);
        return 1;
    }
    c = s->cfg;
    rm_flags_format(c->relay_flags, flags, sizeof(flags));
    printf("config: %s\n", c->path);
    printf("relay_flags: %s (%u)\n", flags, c->relay_flags);
    printf("mode: %s\n", rm_name_str(rm_config_mode_names, c->mode));
    printf("on_error: %s\n", rm_name_str(rm_config_on_error_names, c->on_error));
    printf("local_submission: %s\n", rm_name_str(rm_config_submission_names, c->local_submission_allow));
    printf("reject_reply: %s\n", c->reject_reply);
    printf("milter_socket: %s\n", c->milter_socket[0] ? c->milter_socket : "(none: the milter is off)");
    printf("policy_socket: %s\n", c->policy_socket[0] ? c->policy_socket : "(none: the policy service is off)");
    printf("control_socket: %s\n", c->control_socket);
    printf("user: %s\n", c->user[0] ? c->user : "(none: relaymilter keeps the user it starts as)");
    printf("pid_file: %s\n", c->pid_file[0] ? c->pid_file : "(none)");
    for (int k = 0; k < RM_LIST__COUNT; k++)
        print_list(s, (enum rm_list_kind) k);
    printf("relay_detect: %s", rm_name_str(rm_config_detect_names, c->relay_detect));
    if (c->relay_detect == RM_DETECT_MAILER)
        printf(" (local_mailers: %s)", c->local_mailers);
    printf("\n");
    n = rm_domains_count(s->domains);
    printf("local_domains: %zu", n);
    for (size_t i = 0; i < n && i < 20; i++)
        printf("%s%s", i ? ", " : ": ", rm_domains_get(s->domains, i));
    if (n > 20)
        printf(", ... (%zu more)", n - 20);
    printf("\n");
    if (n == 0 && c->relay_detect == RM_DETECT_DOMAINS)
        printf("note: no local_domains: every recipient but a bare postmaster is a relay recipient\n");
    printf("relaymilter: configuration OK\n");
    rm_snapshot_unref(s);
    return 0;
}

/* parse_options - the command line; -h, -V and bad usage exit here */

static void parse_options(int argc, char **argv, const char **config, bool *fflag, bool *nflag)
{
    bool    Vflag = false;
    int     ch;

    if (argc > 1 && strcmp(argv[1], "--help") == 0)
        usage(1);
    while ((ch = getopt(argc, argv, "c:fhnV")) != -1) {
        switch (ch) {
        case 'h':
            usage(1);
            break;
        case 'c':
            *config = optarg;
            break;
        case 'f':
            *fflag = true;
            break;
        case 'n':
            *nflag = true;
            break;
        case 'V':
            Vflag = true;
            break;
        default:
            usage(0);
        }
    }
    if (optind != argc || (*config)[0] == '\0')
        usage(0);
    if (Vflag) {
        printf("relaymilter %s\n", PACKAGE_VERSION);
        exit(0);
    }
}

/* main - -n checks and exits; else set up, serve until stopped, clean up */

int     main(int argc, char **argv)
{
    const char *config = RM_DEFAULT_CONFIG;
    char    config_abs[RM_PATH_LEN];
    bool    fflag = false, nflag = false;
    int     rc;

    parse_options(argc, argv, &config, &fflag, &nflag);
    if (absolute(config, config_abs, sizeof(config_abs)) < 0) {
        fprintf(stderr, "relaymilter: %s: cannot make the path absolute: %s\n", config, strerror(errno));
        return 1;
    }
    if (nflag)
        return check_config(config_abs);

    /* Until the daemon is ready, errors also go to stderr, -f or not. */
    mlog_open(1);
    if (daemon_setup(config_abs, fflag) < 0 || loop_start(state_startup_config()) < 0)
        return 1;
    daemon_ready();
    rc = loop_run();
    daemon_finish();
    return rc;
}
