/* SPDX-License-Identifier: BSD-2-Clause */
/* relayctl - the companion CLI of relaymilter: manage the lists, talk to the daemon */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "relayctl.h"

static const char usage[] =
    "usage: relayctl [-c CONFIG] [--json] COMMAND [ARGS]\n"
    "commands:\n"
    "  check ADDRESS|none [--rcpt ADDR] [--mailer NAME] [--local-ip ADDRESS] [--auth] [--live|--explain]\n"
    "                     decide as the daemon would; exit 0 allow/local, 1 deny, 2 error\n"
    "  check -            one address per line on standard input\n"
    "  lint [--strict] [FILE|URL...]\n"
    "                     validate lists (default: the configuration's); exit 1 on errors\n"
    "  list allow|deny|local\n"
    "                     the entries with line numbers and canonical forms\n"
    "  add allow|deny|local ENTRY [--comment TEXT] [--force]\n"
    "  del allow|deny|local ENTRY\n"
    "                     edit a list safely, then ask relaymilter to reload\n"
    "  reload             ask relaymilter to reload; exit 1 if it kept the old lists\n"
    "  status [--prometheus]\n"
    "                     relaymilter's lists, last reload and decision counters\n"
    "  import-exchange FILE.reg [--dir DIR] [--dry-run] [--force]\n"
    "                     lists from an Exchange 5.5 IMS registry export\n"
    "  doctor [--postfix-config DIR]\n"
    "                     check the Postfix settings relaymilter depends on\n"
    "options:\n"
    "  -c CONFIG          configuration file (default " RM_DEFAULT_CONFIG ")\n"
    "                     the environment's RELAYCTL_CONFIG names it too; -c wins\n"
    "  --json             machine-readable output\n"
    "  -V, --version      print the version\n"
    "  -h, --help         this text; COMMAND --help for one command\n";

static const struct {
    const char *name;
    int     (*run)(relayctl *, int, char **);
} commands[] = {
    {"check", cmd_check},
    {"lint", cmd_lint},
    {"list", cmd_list},
    {"add", cmd_add},
    {"del", cmd_del},
    {"reload", cmd_reload},
    {"status", cmd_status},
    {"import-exchange", cmd_import},
    {"doctor", cmd_doctor},
};

int     main(int argc, char **argv)
{
    relayctl rc = {RM_DEFAULT_CONFIG, false, false, "relayctl"};
    const char *env = getenv("RELAYCTL_CONFIG");
    int     i;

    /* The environment names the configuration as -c would; -c wins. */
    if (env != NULL && env[0] != '\0') {
        rc.config_path = env;
        rc.config_given = true;
    }

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0) {
            if (i + 1 >= argc) {
                report_error(&rc, NULL, 0, 0, "-c needs a file name");
                fputs(usage, stderr);
                return EXIT_TROUBLE;
            }
            rc.config_path = argv[++i];
            rc.config_given = true;
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            rc.config_path = argv[i] + 9;
            rc.config_given = true;
        } else if (strcmp(argv[i], "--json") == 0) {
            rc.json = true;
        } else if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
            printf("relayctl %s\n", PACKAGE_VERSION);
            return EXIT_OK;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return EXIT_OK;
        } else if (argv[i][0] == '-') {
            report_error(&rc, NULL, 0, 0, "unknown option %s", quoted(argv[i]));
            fputs(usage, stderr);
            return EXIT_TROUBLE;
        } else {
            break;
        }
    }
    if (i >= argc) {
        if (rc.json)
            return report_error(&rc, NULL, 0, 0, "which command?");
        fputs(usage, stderr);
        return EXIT_TROUBLE;
    }
    for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
        if (strcmp(argv[i], commands[k].name) == 0) {
            /* Options after the command name that are global are accepted too. */
            int     j, n = 0;

            for (j = i + 1; j < argc; j++)
                if (strcmp(argv[j], "--json") == 0)
                    rc.json = true;
            for (j = i; j < argc; j++)
                if (strcmp(argv[j], "--json") != 0)
                    argv[i + n++] = argv[j];
            return commands[k].run(&rc, n, argv + i);
        }
    }
    report_error(&rc, NULL, 0, 0, "unknown command %s", quoted(argv[i]));
    fputs(usage, stderr);
    return EXIT_TROUBLE;
}
