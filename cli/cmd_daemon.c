/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_daemon - relayctl reload and status: talk to the running relaymilter */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "relayctl.h"
#include "rm_ctl.h"
#include "rm_kind.h"

/* What a reload after an edit came to: one row each, message and exit status. */
enum outcome { O_RELOADED, O_FAILED, O_RUNNING, O_NO_ANSWER, O_NOT_RUNNING };

static const struct {
    const char *name;                   /* --json "outcome" */
    int     edit_status;                /* exit status of add and del */
    int     reload_status;              /* exit status of reload */
} outcomes[] = {
    [O_RELOADED] = {"reloaded", EXIT_OK, EXIT_OK},
    [O_FAILED] = {"reload-failed", EXIT_RELOAD_FAILED, EXIT_NEGATIVE},
    [O_RUNNING] = {"reload-still-running", EXIT_RELOAD_UNKNOWN, EXIT_NEGATIVE},
    [O_NO_ANSWER] = {"no-answer", EXIT_RELOAD_UNKNOWN, EXIT_TROUBLE},
    [O_NOT_RUNNING] = {"not-running", EXIT_NOT_RUNNING, EXIT_TROUBLE},
};

/* edit_report - after an edit: what the daemon did with it, and what is in force */

static void edit_report(relayctl *rc, enum outcome o, const char *cmd, const char *edited,
                        uint64_t gen, const rm_config *cfg, const char *why)
{
    switch (o) {
    case O_RELOADED:
        break;
    case O_NOT_RUNNING:
        fprintf(stderr, "%s: %s: %s is written; relaymilter is not running (nothing listens on %s): "
                "it uses the edit when it starts\n", rc->progname, cmd, edited, cfg->control_socket);
        break;
    case O_FAILED:
        fprintf(stderr, "%s: %s: %s is written; reload failed: relaymilter still uses the previous lists "
                "(generation %llu) until a reload succeeds\n", rc->progname, cmd, edited,
                (unsigned long long) gen);
        break;
    case O_RUNNING:
        fprintf(stderr, "%s: %s: %s is written; the reload did not finish in time: relaymilter still uses "
                "the previous lists (generation %llu) until it does (relayctl status shows the generation "
                "in force)\n", rc->progname, cmd, edited, (unsigned long long) gen);
        break;
    case O_NO_ANSWER:
        fprintf(stderr, "%s: %s: %s is written; what became of the reload is unknown (%s): "
                "relayctl status shows the generation in force\n", rc->progname, cmd, edited, why);
        break;
    }
}

/* reload_outcome - what the daemon's answer to RELOAD came to; why says
 * it when the answer says nothing of the reload.  *shown: the answer
 * reads as a reply, and may be shown as it came. */

static enum outcome reload_outcome(const char *reply, uint64_t *gen, bool *shown, char *why, size_t whylen)
{
    rm_ctl_reload_reply r;
    char    err[512];

    *gen = 0;
    *shown = true;
    if (reply[0] == '\0') {
        snprintf(why, whylen, "relaymilter closed the connection without an answer");
        return O_NO_ANSWER;
    }
    switch (rm_ctl_parse_reload_reply(reply, &r, err, sizeof(err))) {
    case 0:
        *gen = r.generation;
        return r.outcome == RM_CTL_RELOADED ? O_RELOADED
            : r.outcome == RM_CTL_RELOAD_FAILED ? O_FAILED : O_RUNNING;
    case 1:
        snprintf(why, whylen, "relaymilter answered: ERR %s", err);
        return O_NO_ANSWER;
    default:
        snprintf(why, whylen, "relaymilter's answer cannot be read: %s", err);
        *shown = false;
        return O_NO_ANSWER;
    }
}

int     daemon_reload(relayctl *rc, const rm_config *cfg, const char *cmd, const char *edited)
{
    static const rm_ctl_req req = {.cmd = RM_CTL_RELOAD};
    char    reply[65536], why[1024];
    enum outcome o;
    uint64_t gen = 0;
    bool    shown = false;

    reply[0] = '\0';
    if (ctl_ask(cfg->control_socket, &req, reply, sizeof(reply), why, sizeof(why)) < 0) {
        o = errno == ENOENT || errno == ECONNREFUSED ? O_NOT_RUNNING : O_NO_ANSWER;
        reply[0] = '\0';
    } else {
        o = reload_outcome(reply, &gen, &shown, why, sizeof(why));
    }
    if (rc->json) {
        printf("{\"reloaded\":%s,\"outcome\":\"%s\",\"answer\":", o == O_RELOADED ? "true" : "false",
               outcomes[o].name);
        json_string(stdout, reply);
        printf("}\n");
    } else if (reply[0] && shown) {     /* JSON escapes any answer; text shows only a reply */
        printf("relaymilter: %s", reply);
    }
    fflush(stdout);                     /* the answer, then what it means */
    if (edited != NULL) {
        edit_report(rc, o, cmd, edited, gen, cfg, why);
        return outcomes[o].edit_status;
    }
    if (o == O_NOT_RUNNING)
        fprintf(stderr, "%s: reload: relaymilter is not running (nothing listens on %s)\n",
                rc->progname, cfg->control_socket);
    else if (o == O_NO_ANSWER)
        fprintf(stderr, "%s: reload: %s\n", rc->progname, why);
    return outcomes[o].reload_status;
}

/* cmd_reload - relayctl reload */

int     cmd_reload(relayctl *rc, int argc, char **argv)
{
    static rm_diag d;
    rm_config *cfg;
    int     status;

    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            printf("usage: relayctl [-c CONFIG] [--json] reload\n");
            return EXIT_OK;
        }
        report_error(rc, NULL, 0, 0, "reload takes no arguments");
        fputs("usage: relayctl [-c CONFIG] [--json] reload\n", stderr);
        return EXIT_TROUBLE;
    }
    if ((cfg = config_load(rc, &d, "reload: the configuration did not load; relaymilter was not asked")) == NULL)
        return EXIT_TROUBLE;
    status = daemon_reload(rc, cfg, "reload", NULL);
    rm_config_free(cfg);
    return status;
}

/* print_list_sources - each list's age, and a URL list's fetches by result */

static void print_list_sources(const rm_ctl_status *st)
{

    printf("# HELP relaymilter_list_age_seconds Seconds since the list in force was known current "
           "(fetched or confirmed by its server, or loaded from its file).\n"
           "# TYPE relaymilter_list_age_seconds gauge\n");
    for (int i = 0; i < RM_CTL_SOURCES; i++)
        if (st->sources[i].source[0])
            printf("relaymilter_list_age_seconds{list=\"%s\"} %llu\n", rm_ctl_source_name(i),
                   (unsigned long long) st->sources[i].age_seconds);
    printf("# HELP relaymilter_list_fetches_total Fetches of URL lists, by list and result.\n"
           "# TYPE relaymilter_list_fetches_total counter\n");
    for (int i = 0; i < RM_CTL_SOURCES; i++) {
        const rm_ctl_source *s = &st->sources[i];
        const uint64_t n[RM_CTL_FETCH__COUNT] = {
            [RM_CTL_FETCH_OK] = s->fetch_ok, [RM_CTL_FETCH_NOT_MODIFIED] = s->fetch_not_modified,
            [RM_CTL_FETCH_FAILED] = s->fetch_failed,
        };

        if (!s->source[0] || !s->url)
            continue;
        for (int r = 0; r < RM_CTL_FETCH__COUNT; r++)
            printf("relaymilter_list_fetches_total{list=\"%s\",result=\"%s\"} %llu\n",
                   rm_ctl_source_name(i), rm_ctl_fetch_name((enum rm_ctl_fetch) r), (unsigned long long) n[r]);
    }
}

/*
 * print_prometheus - the counters in Prometheus' text exposition format,
 * for node_exporter's textfile collector.  st is NULL when the daemon did
 * not answer: relaymilter_up 0, so that a stopped milter shows on a
 * graph, not a gap.
 */
static void print_prometheus(const rm_ctl_status *st)
{
    printf("# HELP relaymilter_up Whether relaymilter answered on its control socket.\n"
           "# TYPE relaymilter_up gauge\nrelaymilter_up %d\n", st ? 1 : 0);
    if (st == NULL)
        return;
    printf("# HELP relaymilter_decisions_total Recipients decided, by the rule that decided.\n"
           "# TYPE relaymilter_decisions_total counter\n");
    for (int k = 0; k < RM_CTL_D__COUNT; k++)
        printf("relaymilter_decisions_total{rule=\"%s\"} %llu\n", rm_ctl_decision_name((enum rm_ctl_decision) k),
               (unsigned long long) st->decisions[k]);
    printf("# HELP relaymilter_reloads_total Reloads, by result.\n"
           "# TYPE relaymilter_reloads_total counter\n");
    printf("relaymilter_reloads_total{result=\"ok\"} %llu\n", (unsigned long long) st->reloads_ok);
    printf("relaymilter_reloads_total{result=\"failed\"} %llu\n", (unsigned long long) st->reloads_failed);
    printf("# HELP relaymilter_list_entries Entries of each list in force.\n"
           "# TYPE relaymilter_list_entries gauge\n");
    for (int k = 0; k < RM_LIST__COUNT; k++)
        printf("relaymilter_list_entries{list=\"%s\"} %lu\n", rm_kind_name((enum rm_list_kind) k),
               (unsigned long) st->entries[k]);
    printf("# HELP relaymilter_generation Generation of the policy in force.\n"
           "# TYPE relaymilter_generation gauge\nrelaymilter_generation %llu\n",
           (unsigned long long) st->generation);
    printf("# HELP relaymilter_uptime_seconds Seconds since relaymilter started.\n"
           "# TYPE relaymilter_uptime_seconds gauge\nrelaymilter_uptime_seconds %llu\n",
           (unsigned long long) st->uptime_seconds);
    print_list_sources(st);
    printf("# HELP relaymilter_loaded_timestamp_seconds When the policy in force was loaded.\n"
           "# TYPE relaymilter_loaded_timestamp_seconds gauge\n"
           "relaymilter_loaded_timestamp_seconds %lld\n", (long long) st->loaded_at);
}

/* print_field - one STATUS field as the daemon wrote it */

static void print_field(void *ctx, const char *key, const char *value)
{
    (void) ctx;
    printf("%s: %s\n", key, value);
}

/* json_field - one STATUS field as a JSON member: numbers stay numbers,
 * "none" (no value) is null */

static void json_field(void *ctx, const char *key, const char *value)
{
    bool   *first = ctx;

    printf("%s", *first ? "" : ",");
    json_string(stdout, key);
    printf(":");
    if (value[0] != '\0' && strspn(value, "0123456789") == strlen(value))
        printf("%s", value);
    else
        json_string_or_null(stdout, strcmp(value, "none") == 0 ? NULL : value);
    *first = false;
}

/* ask_status - the daemon's STATUS into st, or -1 with why */

static int ask_status(const rm_config *cfg, rm_ctl_status *st, char *why, size_t whylen)
{
    static const rm_ctl_req req = {.cmd = RM_CTL_STATUS};
    static char reply[65536];
    char    err[512];

    if (ctl_ask(cfg->control_socket, &req, reply, sizeof(reply), why, whylen) < 0)
        return -1;
    switch (rm_ctl_parse_status_reply(reply, st, err, sizeof(err))) {
    case 0:
        return 0;
    case 1:
        snprintf(why, whylen, "relaymilter answered: ERR %s", err);
        return -1;
    default:
        if (reply[0] == '\0')
            snprintf(why, whylen, "relaymilter closed the connection without an answer");
        else
            snprintf(why, whylen, "relaymilter's answer cannot be read: %s", err);
        return -1;
    }
}

/* cmd_status - relayctl status [--prometheus] */

int     cmd_status(relayctl *rc, int argc, char **argv)
{
    static rm_diag d;
    static rm_ctl_status st;
    rm_config *cfg;
    char    why[1024];
    bool    first = true, prometheus = false;
    int     rv;
    static const char status_usage[] = "usage: relayctl [-c CONFIG] [--json] status [--prometheus]\n";

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(status_usage, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--prometheus") == 0) {
            prometheus = true;
        } else {
            report_error(rc, NULL, 0, 0, "status: unknown argument %s", quoted(argv[i]));
            fputs(status_usage, stderr);
            return EXIT_TROUBLE;
        }
    }
    if ((cfg = config_load(rc, &d, "status: the configuration did not load; relaymilter was not asked")) == NULL)
        return EXIT_TROUBLE;
    rv = ask_status(cfg, &st, why, sizeof(why));
    rm_config_free(cfg);
    if (prometheus) {
        if (rv < 0)
            fprintf(stderr, "%s: status: %s\n", rc->progname, why);
        print_prometheus(rv < 0 ? NULL : &st);
        return rv < 0 ? EXIT_TROUBLE : EXIT_OK;
    }
    if (rv < 0)
        return report_error(rc, NULL, 0, 0, "status: %s", why);
    if (!rc->json) {
        rm_ctl_status_fields(&st, print_field, NULL);
        return EXIT_OK;
    }
    printf("{");
    rm_ctl_status_fields(&st, json_field, &first);
    printf("}\n");
    return EXIT_OK;
}
