/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_doctor - relayctl doctor: the local Postfix settings relaymilter depends on */

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netdb.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "rm_domains.h"

static const char doctor_usage[] =
    "usage: relayctl [-c CONFIG] [--json] doctor [--postfix-config DIR]\n";


/* doctor_postconf - run postconf [-c DIR] ARGS... without a shell; its
 * standard output in out, trailing white space cut.  Returns 0 or -1. */

int     doctor_postconf(const doctor *dr, const char *const *args, char *out, size_t outlen)
{
    int     pipefd[2], status;
    pid_t   pid;
    size_t  got = 0;
    const char *argv[12];
    int     n = 0;

    argv[n++] = "postconf";
    if (dr->pfdir) {
        argv[n++] = "-c";
        argv[n++] = dr->pfdir;
    }
    while (*args && n < 11)
        argv[n++] = *args++;
    argv[n] = NULL;
    if (pipe(pipefd) == -1)
        return -1;
    if ((pid = fork()) == -1) {
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        int     devnull = open("/dev/null", O_WRONLY);

        dup2(pipefd[1], 1);
        if (devnull != -1)
            dup2(devnull, 2);
        close(pipefd[0]);
        close(pipefd[1]);
        execvp("postconf", (char *const *) argv);
        execv("/usr/sbin/postconf", (char *const *) argv);
        _exit(127);
    }
    close(pipefd[1]);
    for (;;) {
        ssize_t r;

        if (got + 1 >= outlen)
            break;
        r = read(pipefd[0], out + got, outlen - 1 - got);
        if (r == -1 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t) r;
    }
    close(pipefd[0]);
    out[got] = '\0';
    while (got > 0 && (out[got - 1] == '\n' || out[got - 1] == ' '))
        out[--got] = '\0';
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* postconf - one main.cf parameter's value.  expand: -x. */

static int postconf(const doctor *dr, const char *name, bool expand, char *out, size_t outlen)
{
    const char *args[] = {expand ? "-xh" : "-h", name, NULL};

    return doctor_postconf(dr, args, out, outlen);
}

/* doctor_fix - a fix command for the instance examined: postconf [-c DIR] ARGS && postfix [-c DIR] reload */

void    doctor_fix(const doctor *dr, char *buf, size_t len, const char *args)
{
    if (dr->pfdir)
        snprintf(buf, len, "postconf -c %s %s && postfix -c %s reload", dr->pfdir, args, dr->pfdir);
    else
        snprintf(buf, len, "postconf %s && postfix reload", args);
}

void    doctor_report(doctor *dr, const char *status, const char *check, const char *msg, const char *fix)
{
    if (strcmp(status, "problem") == 0)
        dr->problems++;
    if (dr->rc->json) {
        printf("%s{\"check\":\"%s\",\"status\":\"%s\",\"message\":", dr->first ? "" : ",", check, status);
        json_string(stdout, msg);
        if (fix) {
            printf(",\"fix\":");
            json_string(stdout, fix);
        }
        printf("}");
        dr->first = false;
        return;
    }
    printf("%-8s %s: %s\n", status, check, msg);
    if (fix)
        printf("         fix: %s\n", fix);
}

/* doctor_postfix_socket - one of relaymilter's sockets as Postfix writes it
 * (smtpd_milters, check_policy_service): inet:HOST:PORT or unix:PATH */

void    doctor_postfix_socket(const char *ms, char *out, size_t len)
{
    const char *at = strchr(ms, '@');

    if (strncmp(ms, "inet:", 5) == 0 && at)
        snprintf(out, len, "inet:%s:%.*s", at + 1, (int) (at - ms - 5), ms + 5);
    else if (strncmp(ms, "inet6:", 6) == 0 && at)
        snprintf(out, len, "inet:[%s]:%.*s", at + 1, (int) (at - ms - 6), ms + 6);
    else if (strncmp(ms, "local:", 6) == 0)
        snprintf(out, len, "unix:%s", ms + 6);
    else
        snprintf(out, len, "%s", ms);
}

/* doctor_reachable - does something accept connections on this socket
 * (milter_socket or policy_socket syntax)? */

bool    doctor_reachable(const char *ms)
{
    int     fd = -1;
    bool    ok = false;

    if (strncmp(ms, "unix:", 5) == 0 || strncmp(ms, "local:", 6) == 0) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        const char *p = strchr(ms, ':') + 1;

        if (strlen(p) >= sizeof(sun.sun_path) || (fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
            return false;
        strcpy(sun.sun_path, p);
        ok = connect(fd, (struct sockaddr *) &sun, sizeof(sun)) == 0;
    } else {
        const char *c = strchr(ms, ':'), *at = strchr(ms, '@');
        char    port[16], host[256];
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;

        if (c == NULL || at == NULL || at - c - 1 >= (long) sizeof(port))
            return false;
        snprintf(port, sizeof(port), "%.*s", (int) (at - c - 1), c + 1);
        snprintf(host, sizeof(host), "%s", at + 1);
        if (getaddrinfo(host, port, &hints, &ai) != 0)
            return false;
        if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) != -1)
            ok = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
        freeaddrinfo(ai);
    }
    if (fd != -1)
        close(fd);
    return ok;
}

bool    doctor_has_token(const char *list, const char *tok)
{
    char    buf[4096], *save = NULL, *t;

    snprintf(buf, sizeof(buf), "%s", list);
    for (t = strtok_r(buf, ", \t{}", &save); t; t = strtok_r(NULL, ", \t{}", &save))
        if (strcmp(t, tok) == 0)
            return true;
    return false;
}

/* check_domains - every domain Postfix delivers or relays for must be local */

static void check_domains(doctor *dr, const rm_config *cfg, const rm_domains *dom)
{
    static const char *const params[] = {
        "mydestination", "virtual_alias_domains", "virtual_mailbox_domains", "relay_domains"
    };
    char    val[8192], msg[1024], fix[1024];
    char    seen[8192] = " ";
    int     missing = 0;

    for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        char   *save = NULL, *t;

        if (postconf(dr, params[i], true, val, sizeof(val)) < 0)
            continue;
        for (t = strtok_r(val, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
            if (strchr(t, ':') != NULL || t[0] == '/') {
                snprintf(msg, sizeof(msg), "%s uses the table %s, which doctor cannot list; "
                         "make sure local_domains holds its domains", params[i], t);
                doctor_report(dr, "note", "local_domains", msg, NULL);
                continue;
            }
            if (!rm_domains_contains(dom, t, strlen(t))) {
                char    key[300];

                /* relay_domains often repeats $mydestination: say each once. */
                snprintf(key, sizeof(key), " %s ", t);
                if (strstr(seen, key) != NULL)
                    continue;
                if (strlen(seen) + strlen(key) < sizeof(seen))
                    strcat(seen, key + 1);
                snprintf(msg, sizeof(msg), "%s lists %s, which is not in local_domains: "
                         "its recipients would be treated as relay recipients", params[i], t);
                snprintf(fix, sizeof(fix), "add %s to local_domains in %s", t, cfg->path);
                doctor_report(dr, "problem", "local_domains", msg, fix);
                missing++;
            }
        }
    }
    if (missing == 0)
        doctor_report(dr, "ok", "local_domains", "local_domains covers mydestination, the virtual "
               "and the relay domains", NULL);
}

/* check_version - {daemon_addr} for the local rule needs Postfix 3.2 */

static void check_version(doctor *dr, const rm_config *cfg, const rm_domains *dom)
{
    char    val[256], msg[512];
    int     major = 0, minor = 0;

    (void) dom;
    if (postconf(dr, "mail_version", false, val, sizeof(val)) < 0)
        return;
    sscanf(val, "%d.%d", &major, &minor);
    snprintf(msg, sizeof(msg), "Postfix %s", val);
    if ((cfg->relay_flags & RM_FLAG_LOCAL) && (major < 3 || (major == 3 && minor < 2)))
        doctor_report(dr, "problem", "version", "the local rule needs {daemon_addr}, which Postfix sends "
                      "from 3.2 on", "upgrade Postfix, or take local out of relay_flags");
    else
        doctor_report(dr, "ok", "version", msg, NULL);
}

/* check_milters - smtpd_milters names relaymilter, and it answers */

static void check_milters(doctor *dr, const rm_config *cfg, const rm_domains *dom)
{
    char    val[8192], want[RM_PATH_LEN + 16], msg[sizeof(val) + RM_PATH_LEN + 128];
    char    args[sizeof(val) + RM_PATH_LEN + 64], fix[sizeof(args) + 2 * RM_PATH_LEN + 64];

    (void) dom;
    if (cfg->milter_socket[0] == '\0') {
        doctor_report(dr, "note", "smtpd_milters", "the milter is off (milter_socket is empty)", NULL);
        return;
    }
    doctor_postfix_socket(cfg->milter_socket, want, sizeof(want));
    if (postconf(dr, "smtpd_milters", true, val, sizeof(val)) == 0 && doctor_has_token(val, want)) {
        snprintf(msg, sizeof(msg), "smtpd_milters has %s", want);
        doctor_report(dr, "ok", "smtpd_milters", msg, NULL);
        if (doctor_reachable(cfg->milter_socket)) {
            doctor_report(dr, "ok", "reachable", "relaymilter answers on its milter socket", NULL);
        } else {
            snprintf(msg, sizeof(msg), "nothing answers on %s", cfg->milter_socket);
            doctor_report(dr, "problem", "reachable", msg, "start relaymilter (systemctl start relaymilter)");
        }
        return;
    }
    snprintf(msg, sizeof(msg), "smtpd_milters (%s) does not name relaymilter's socket %s",
             val[0] ? val : "empty", want);
    snprintf(args, sizeof(args), "-e 'smtpd_milters = %s%s%s'", val[0] ? val : "", val[0] ? ", " : "", want);
    doctor_fix(dr, fix, sizeof(fix), args);
    doctor_report(dr, "problem", "smtpd_milters", msg, fix);
}

/* check_default_action - when relaymilter is down, nothing must relay */

static void check_default_action(doctor *dr, const rm_config *cfg, const rm_domains *dom)
{
    char    val[256], msg[512], fix[2 * RM_PATH_LEN + 128];

    (void) dom;
    if (cfg->milter_socket[0] == '\0'
        || postconf(dr, "milter_default_action", false, val, sizeof(val)) < 0)
        return;
    if (strcmp(val, "tempfail") == 0) {
        doctor_report(dr, "ok", "milter_default_action", "tempfail: while relaymilter is down, "
                      "mail is deferred, not relayed", NULL);
    } else if (strcmp(val, "accept") == 0) {
        doctor_fix(dr, fix, sizeof(fix), "-e 'milter_default_action = tempfail'");
        doctor_report(dr, "problem", "milter_default_action", "accept: while relaymilter is down, "
                      "Postfix accepts every recipient its own rules allow", fix);
    } else {
        snprintf(msg, sizeof(msg), "%s: while relaymilter is down, mail is refused", val);
        doctor_report(dr, "note", "milter_default_action", msg, NULL);
    }
}

/* check_relay_restrictions - a milter can only take away relaying that
 * Postfix's own rules grant */

static void check_relay_restrictions(doctor *dr, const rm_config *cfg, const rm_domains *dom)
{
    char    val[8192], nets[4096], msg[sizeof(val) + sizeof(nets) + 256];
    const char *which = "smtpd_relay_restrictions";

    (void) dom;
    if (cfg->policy_socket[0] != '\0')
        return;                         /* doctor_check_policy: the gate stays shut there */
    if (postconf(dr, "smtpd_relay_restrictions", true, val, sizeof(val)) < 0)
        return;
    /* Below compatibility level 1, relay control lives in the recipient restrictions. */
    if (val[0] == '\0' && postconf(dr, "smtpd_recipient_restrictions", true, val, sizeof(val)) == 0)
        which = "smtpd_recipient_restrictions";
    if (strstr(val, "permit") == NULL && strstr(val, "check_") == NULL) {
        snprintf(msg, sizeof(msg), "%s (%s) lets no client relay, so "
                 "relaymilter has nothing to decide", which, val[0] ? val : "empty");
        doctor_report(dr, "problem", "relay_restrictions", msg,
                      "open Postfix's relay check to the networks relaymilter governs, e.g. "
                      "mynetworks = 0.0.0.0/0 [::]/0 with permit_mynetworks, and let relaymilter decide");
        return;
    }
    if (postconf(dr, "mynetworks", true, nets, sizeof(nets)) < 0)
        nets[0] = '\0';
    snprintf(msg, sizeof(msg), "Postfix grants relaying by %s (%s); mynetworks = %s: "
             "relaymilter decides among those clients", which, val, nets);
    doctor_report(dr, "ok", "relay_restrictions", msg, NULL);
}

/* check_local_domains - with relay_detect = domains, Postfix's domains */

static void check_local_domains(doctor *dr, const rm_config *cfg, const rm_domains *dom)
{
    if (cfg->relay_detect == RM_DETECT_DOMAINS)
        check_domains(dr, cfg, dom);
}

/* Every check, in the order they print.  One function each; a new
 * deployment's checks are new rows. */
static void (*const checks[])(doctor *, const rm_config *, const rm_domains *) = {
    check_version,
    check_milters,
    doctor_check_master,
    check_default_action,
    doctor_check_policy,
    check_relay_restrictions,
    doctor_check_networks,
    check_local_domains,
};

/* cmd_doctor - run every check; exit 1 when any found a problem */

int     cmd_doctor(relayctl *rc, int argc, char **argv)
{
    doctor  dr = {rc, NULL, 0, true};
    rm_config *cfg;
    rm_domains *dom = NULL;
    static rm_diag d;
    char    val[256];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(doctor_usage, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--postfix-config") == 0 && i + 1 < argc) {
            dr.pfdir = argv[++i];
        } else {
            report_error(rc, NULL, 0, 0, "doctor: unknown argument %s", quoted(argv[i]));
            fputs(doctor_usage, stderr);
            return EXIT_TROUBLE;
        }
    }
    if ((cfg = config_load(rc, &d, "doctor: the configuration did not load")) == NULL)
        return EXIT_TROUBLE;
    if (cfg->local_domains[0] && rm_domains_parse(cfg->local_domains, cfg->dir, cfg->path, 0, &cfg->trust, &dom, &d) < 0) {
        rm_config_free(cfg);
        return report_diag(rc, &d, "doctor: local_domains did not load");
    }
    if (postconf(&dr, "mail_version", false, val, sizeof(val)) < 0) {
        rm_domains_free(dom);
        rm_config_free(cfg);
        return report_error(rc, NULL, 0, 0, "doctor: cannot run postconf%s%s: is Postfix installed?",
                            dr.pfdir ? " -c " : "", dr.pfdir ? dr.pfdir : "");
    }
    if (rc->json)
        printf("{\"checks\":[");
    for (size_t k = 0; k < sizeof(checks) / sizeof(checks[0]); k++)
        checks[k](&dr, cfg, dom);
    if (rc->json)
        printf("],\"problems\":%d}\n", dr.problems);
    else
        printf("%d problem%s found\n", dr.problems, dr.problems == 1 ? "" : "s");
    rm_domains_free(dom);
    rm_config_free(cfg);
    return dr.problems ? EXIT_NEGATIVE : EXIT_OK;
}
