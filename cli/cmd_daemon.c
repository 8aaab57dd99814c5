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

static int load_config(relayctl *rc, rm_config **cfg)
{
    rm_diag d;

    rm_diag_init(&d);
    if (rm_config_load(rc->config_path, cfg, &d) < 0) {
        print_failure(rc, &d);
        return -1;
    }
    return 0;
}

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

int     daemon_reload(relayctl *rc, const rm_config *cfg, const char *cmd, const char *edited)
{
    char    reply[65536], why[512];
    enum outcome o;
    uint64_t gen = 0;

    reply[0] = '\0';
    if (ctl_request(cfg->control_socket, "RELOAD\n", reply, sizeof(reply), why, sizeof(why)) < 0) {
        o = errno == ENOENT || errno == ECONNREFUSED ? O_NOT_RUNNING : O_NO_ANSWER;
        reply[0] = '\0';
    } else {
        switch (rm_ctl_reload_outcome(reply, &gen)) {
        case RM_CTL_RELOADED:
            o = O_RELOADED;
            break;
        case RM_CTL_RELOAD_FAILED:
            o = O_FAILED;
            break;
        case RM_CTL_RELOAD_RUNNING:
            o = O_RUNNING;
            break;
        default:
            o = O_NO_ANSWER;
            if (reply[0])
                snprintf(why, sizeof(why), "relaymilter answered: %.*s", (int) strcspn(reply, "\n"), reply);
            else
                snprintf(why, sizeof(why), "relaymilter closed the connection without an answer");
            break;
        }
    }
    if (rc->json) {
        printf("{\"reloaded\":%s,\"outcome\":\"%s\",\"answer\":", o == O_RELOADED ? "true" : "false",
               outcomes[o].name);
        json_string(stdout, reply);
        printf("}\n");
    } else if (reply[0]) {
        printf("relaymilter: %s", reply);
        if (reply[strlen(reply) - 1] != '\n')
            printf("\n");
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
    if (load_config(rc, &cfg) < 0)
        return EXIT_TROUBLE;
    status = daemon_reload(rc, cfg, "reload", NULL);
    rm_config_free(cfg);
    return status;
}

/* status_value - the value of "key: value" in a STATUS reply, or NULL */

static const char *status_value(const char *reply, const char *key, char *buf, size_t len)
{
    size_t  klen = strlen(key);

    for (const char *p = reply; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, klen) == 0 && p[klen] == ':' && p[klen + 1] == ' ') {
            size_t  n = strcspn(p + klen + 2, "\n");

            snprintf(buf, len, "%.*s", (int) n, p + klen + 2);
            return buf;
        }
    }
    return NULL;
}

/* print_list_sources - each list's age, and a URL list's fetches by result */

static void print_list_sources(const char *reply)
{
    char    key[64], v[128];
    const char *name, *result;

    printf("# HELP relaymilter_list_age_seconds Seconds since the list in force was known current "
           "(fetched or confirmed by its server, or loaded from its file).\n"
           "# TYPE relaymilter_list_age_seconds gauge\n");
    for (int i = 0; i < RM_CTL_SOURCES; i++) {
        name = rm_ctl_source_name(i);
        snprintf(key, sizeof(key), "list_%s_age_seconds", name);
        if (status_value(reply, key, v, sizeof(v)))
            printf("relaymilter_list_age_seconds{list=\"%s\"} %s\n", name, v);
    }
    printf("# HELP relaymilter_list_fetches_total Fetches of URL lists, by list and result.\n"
           "# TYPE relaymilter_list_fetches_total counter\n");
    for (int i = 0; i < RM_CTL_SOURCES; i++)
        for (int r = 0; r < RM_CTL_FETCH__COUNT; r++) {
            name = rm_ctl_source_name(i);
            result = rm_ctl_fetch_name((enum rm_ctl_fetch) r);
            snprintf(key, sizeof(key), "list_%s_fetches_%s", name, result);
            if (status_value(reply, key, v, sizeof(v)))
                printf("relaymilter_list_fetches_total{list=\"%s\",result=\"%s\"} %s\n",
                       name, result, v);
        }
}

/*
 * print_prometheus - the counters in Prometheus' text exposition format,
 * for node_exporter's textfile collector.  up is 0 when the daemon did
 * not answer, so that a stopped milter shows on a graph, not a gap.
 */
static void print_prometheus(const char *reply, bool up)
{
    char    key[64], v[128];
    const char *name;

    printf("# HELP relaymilter_up Whether relaymilter answered on its control socket.\n"
           "# TYPE relaymilter_up gauge\nrelaymilter_up %d\n", up ? 1 : 0);
    if (!up)
        return;
    printf("# HELP relaymilter_decisions_total Recipients decided, by the rule that decided.\n"
           "# TYPE relaymilter_decisions_total counter\n");
    for (int i = 0; i < RM_CTL_D__COUNT; i++) {
        name = rm_ctl_decision_name((enum rm_ctl_decision) i);
        snprintf(key, sizeof(key), "decisions_%s", name);
        printf("relaymilter_decisions_total{rule=\"%s\"} %s\n", name,
               status_value(reply, key, v, sizeof(v)) ? v : "0");
    }
    printf("# HELP relaymilter_reloads_total Reloads, by result.\n"
           "# TYPE relaymilter_reloads_total counter\n");
    printf("relaymilter_reloads_total{result=\"ok\"} %s\n",
           status_value(reply, "reloads_ok", v, sizeof(v)) ? v : "0");
    printf("relaymilter_reloads_total{result=\"failed\"} %s\n",
           status_value(reply, "reloads_failed", v, sizeof(v)) ? v : "0");
    printf("# HELP relaymilter_list_entries Entries of each list in force.\n"
           "# TYPE relaymilter_list_entries gauge\n");
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        name = rm_kind_name((enum rm_list_kind) k);
        snprintf(key, sizeof(key), "entries_%s", name);
        printf("relaymilter_list_entries{list=\"%s\"} %s\n", name,
               status_value(reply, key, v, sizeof(v)) ? v : "0");
    }
    printf("# HELP relaymilter_generation Generation of the policy in force.\n"
           "# TYPE relaymilter_generation gauge\nrelaymilter_generation %s\n",
           status_value(reply, "generation", v, sizeof(v)) ? v : "0");
    printf("# HELP relaymilter_uptime_seconds Seconds since relaymilter started.\n"
           "# TYPE relaymilter_uptime_seconds gauge\nrelaymilter_uptime_seconds %s\n",
           status_value(reply, "uptime_seconds", v, sizeof(v)) ? v : "0");
    print_list_sources(reply);
    if (status_value(reply, "loaded_at", v, sizeof(v))) {
        struct tm tm;

        memset(&tm, 0, sizeof(tm));
        if (strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL)
            printf("# HELP relaymilter_loaded_timestamp_seconds When the policy in force was loaded.\n"
                   "# TYPE relaymilter_loaded_timestamp_seconds gauge\n"
                   "relaymilter_loaded_timestamp_seconds %lld\n", (long long) timegm(&tm));
    }
}

/* cmd_status - relayctl status [--prometheus] */

int     cmd_status(relayctl *rc, int argc, char **argv)
{
    rm_config *cfg;
    char    reply[65536], why[512];
    char   *line, *save = NULL;
    bool    first = true, prometheus = false;
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
    if (load_config(rc, &cfg) < 0)
        return EXIT_TROUBLE;
    if (ctl_request(cfg->control_socket, "STATUS\n", reply, sizeof(reply), why, sizeof(why)) < 0) {
        if (prometheus)
            fprintf(stderr, "%s: status: %s\n", rc->progname, why);
        else
            report_error(rc, NULL, 0, 0, "status: %s", why);
        rm_config_free(cfg);
        if (prometheus)
            print_prometheus("", false);
        return EXIT_TROUBLE;
    }
    rm_config_free(cfg);
    if (prometheus) {
        if (strncmp(reply, "OK ", 3) != 0) {
            fprintf(stderr, "%s: status: relaymilter answered: %s", rc->progname, reply);
            print_prometheus("", false);
            return EXIT_TROUBLE;
        }
        print_prometheus(reply, true);
        return EXIT_OK;
    }
    if (strncmp(reply, "OK ", 3) != 0)
        return report_error(rc, NULL, 0, 0, "status: relaymilter answered: %.*s",
                            (int) strcspn(reply, "\n"), reply);
    if (!rc->json) {
        fputs(strchr(reply, '\n') ? strchr(reply, '\n') + 1 : "", stdout);
        return EXIT_OK;
    }
    /* "key: value" lines become one JSON object; numbers stay numbers. */
    printf("{");
    for (line = strtok_r(strchr(reply, '\n') ? strchr(reply, '\n') + 1 : reply + strlen(reply), "\n", &save);
         line; line = strtok_r(NULL, "\n", &save)) {
        char   *colon = strstr(line, ": ");
        char   *v, *p;
        bool    num;

        if (colon == NULL)
            continue;
        *colon = '\0';
        v = colon + 2;
        num = *v != '\0';
        for (p = v; *p; p++)
            if (*p < '0' || *p > '9')
                num = false;
        printf("%s", first ? "" : ",");
        json_string(stdout, line);
        printf(":");
        if (num)
            printf("%s", v);
        else
            json_string_or_null(stdout, strcmp(v, "none") == 0 ? NULL : v);   /* no value: null */
        first = false;
    }
    printf("}\n");
    return EXIT_OK;
}
