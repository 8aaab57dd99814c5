/* cmd_daemon - relayctl reload and status: talk to the running relaymilter */

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

/* cmd_status - relayctl status [--prometheus] */

int     cmd_status(relayctl *rc, int argc, char **argv)
{
    rm_config *cfg;
    char    reply[65536], why[512];
    char   *line, *save = NULL;
    bool    first = true;

    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            printf("usage: relayctl [-c CONFIG] [--json] status\n");
            return EXIT_OK;
        }
        fprintf(stderr, "%s: status takes no arguments\nusage: relayctl [-c CONFIG] [--json] status\n",
                rc->progname);
        return EXIT_TROUBLE;
    }
    if (load_config(rc, &cfg) < 0)
        return EXIT_TROUBLE;
    if (ctl_request(cfg->control_socket, "STATUS\n", reply, sizeof(reply), why, sizeof(why)) < 0) {
        fprintf(stderr, "%s: status: %s\n", rc->progname, why);
        rm_config_free(cfg);
        return EXIT_TROUBLE;
    }
    rm_config_free(cfg);
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
