/* cmd_daemon - relayctl reload and status: talk to the running relaymilter */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "relayctl.h"

static int load_config(relayctl *rc, rm_config **cfg)
{
    rm_diag d;

    rm_diag_init(&d);
    if (rm_config_load(rc->config_path, cfg, &d) < 0) {
        print_diag(stderr, &d);
        return -1;
    }
    return 0;
}

/*
 * daemon_reload - ask for a reload and print the answer.  Returns 0 when
 * the daemon took the new lists, 1 when it kept the old ones, 2 when it
 * could not be asked (with *absent set when nothing listens there).
 */
int     daemon_reload(relayctl *rc, const rm_config *cfg, bool *absent)
{
    char    reply[65536], why[512];

    *absent = false;
    if (ctl_request(cfg->control_socket, "RELOAD\n", reply, sizeof(reply), why, sizeof(why)) < 0) {
        *absent = errno == ENOENT || errno == ECONNREFUSED;
        if (!*absent)
            fprintf(stderr, "%s: reload: %s\n", rc->progname, why);
        return EXIT_TROUBLE;
    }
    if (rc->json) {
        printf("{\"reloaded\":%s,\"answer\":", strncmp(reply, "OK ", 3) == 0 ? "true" : "false");
        json_string(stdout, reply);
        printf("}\n");
    } else {
        printf("relaymilter: %s", reply);
        if (reply[0] && reply[strlen(reply) - 1] != '\n')
            printf("\n");
    }
    return strncmp(reply, "OK ", 3) == 0 ? EXIT_OK : EXIT_NEGATIVE;
}

/* cmd_reload - relayctl reload */

int     cmd_reload(relayctl *rc, int argc, char **argv)
{
    rm_config *cfg;
    bool    absent;
    int     status;

    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            printf("usage: relayctl [-c CONFIG] [--json] reload\n");
            return EXIT_OK;
        }
        fprintf(stderr, "%s: reload takes no arguments\nusage: relayctl [-c CONFIG] [--json] reload\n",
                rc->progname);
        return EXIT_TROUBLE;
    }
    if (load_config(rc, &cfg) < 0)
        return EXIT_TROUBLE;
    status = daemon_reload(rc, cfg, &absent);
    if (absent)
        fprintf(stderr, "%s: reload: relaymilter is not running (nothing listens on %s)\n",
                rc->progname, cfg->control_socket);
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

/*
 * print_prometheus - the counters in Prometheus' text exposition format,
 * for node_exporter's textfile collector.  up is 0 when the daemon did
 * not answer, so that a stopped milter shows on a graph, not a gap.
 */
static void print_prometheus(const char *reply, bool up)
{
    static const char *const rules[] = {
        "deny_list", "allow_list", "local_ip", "auth", "default_deny", "deny_only",
        "local_submission", "local_recipient", "error",
    };
    static const char *const lists[] = {"deny", "allow", "local"};
    char    key[64], v[128];

    printf("# HELP relaymilter_up Whether relaymilter answered on its control socket.\n"
           "# TYPE relaymilter_up gauge\nrelaymilter_up %d\n", up ? 1 : 0);
    if (!up)
        return;
    printf("# HELP relaymilter_decisions_total Recipients decided, by the rule that decided.\n"
           "# TYPE relaymilter_decisions_total counter\n");
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        snprintf(key, sizeof(key), "decisions_%s", rules[i]);
        printf("relaymilter_decisions_total{rule=\"%s\"} %s\n", rules[i],
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
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        snprintf(key, sizeof(key), "entries_%s", lists[i]);
        printf("relaymilter_list_entries{list=\"%s\"} %s\n", lists[i],
               status_value(reply, key, v, sizeof(v)) ? v : "0");
    }
    printf("# HELP relaymilter_generation Generation of the policy in force.\n"
           "# TYPE relaymilter_generation gauge\nrelaymilter_generation %s\n",
           status_value(reply, "generation", v, sizeof(v)) ? v : "0");
    printf("# HELP relaymilter_uptime_seconds Seconds since relaymilter started.\n"
           "# TYPE relaymilter_uptime_seconds gauge\nrelaymilter_uptime_seconds %s\n",
           status_value(reply, "uptime_seconds", v, sizeof(v)) ? v : "0");
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
            fprintf(stderr, "%s: status: unknown argument %s\n%s", rc->progname, quoted(argv[i]), status_usage);
            return EXIT_TROUBLE;
        }
    }
    if (load_config(rc, &cfg) < 0)
        return EXIT_TROUBLE;
    if (ctl_request(cfg->control_socket, "STATUS\n", reply, sizeof(reply), why, sizeof(why)) < 0) {
        fprintf(stderr, "%s: status: %s\n", rc->progname, why);
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
    if (strncmp(reply, "OK ", 3) != 0) {
        fprintf(stderr, "%s: status: relaymilter answered: %s", rc->progname, reply);
        return EXIT_TROUBLE;
    }
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
            json_string(stdout, v);
        first = false;
    }
    printf("}\n");
    return EXIT_OK;
}
