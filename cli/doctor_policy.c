/* SPDX-License-Identifier: BSD-2-Clause */
/* doctor_policy - relayctl doctor: the policy-service deployment */

#include <stdio.h>
#include <string.h>

#include "doctor.h"

/*
 * The deployment checked here (README, "The policy service, the single
 * source of truth"): Postfix's relay gate stays shut, and its relay
 * restrictions ask relaymilter first:
 *
 *   smtpd_relay_restrictions = check_policy_service SOCKET, reject_unauth_destination
 *   smtpd_policy_service_default_action = defer_unauth_destination
 *
 * relaymilter answers OK (may relay) or reject_unauth_destination (may
 * not), and DUNNO in report mode: what follows the policy service must
 * then still refuse relay recipients, and nothing before it may grant
 * relaying, or the policy is never asked.
 */

/* words - split a restriction list into words, as Postfix does */

static size_t words(char *list, char **w, size_t max)
{
    char   *save = NULL, *t;
    size_t  n = 0;

    for (t = strtok_r(list, ", \t\r\n{}", &save); t && n < max; t = strtok_r(NULL, ", \t\r\n{}", &save))
        w[n++] = t;
    return n;
}

/* grants - does this restriction permit relaying by itself? */

static bool grants(const char *w)
{
    return strncmp(w, "permit", 6) == 0 || strncmp(w, "check_", 6) == 0;
}

/* refuses_relay - does this restriction refuse every relay recipient? */

static bool refuses_relay(const char *w)
{
    return strcmp(w, "reject_unauth_destination") == 0 || strcmp(w, "defer_unauth_destination") == 0
        || strcmp(w, "reject") == 0 || strcmp(w, "defer") == 0;
}

/* check_order - where check_policy_service SOCKET stands in the list */

static void check_order(doctor *dr, const char *which, char *val, const char *want)
{
    char    copy[8192], *w[512], msg[9000], args[9000], fix[9600];
    size_t  n, i, at = (size_t) -1;

    snprintf(copy, sizeof(copy), "%s", val);
    n = words(copy, w, sizeof(w) / sizeof(w[0]));
    for (i = 0; i + 1 < n; i++)
        if (strcmp(w[i], "check_policy_service") == 0 && strcmp(w[i + 1], want) == 0) {
            at = i;
            break;
        }
    snprintf(args, sizeof(args), "-e '%s = check_policy_service %s, reject_unauth_destination'",
             which, want);
    doctor_fix(dr, fix, sizeof(fix), args);
    if (at == (size_t) -1) {
        snprintf(msg, sizeof(msg), "%s (%s) does not ask relaymilter's policy service "
                 "(check_policy_service %s)", which, val[0] ? val : "empty", want);
        doctor_report(dr, "problem", "policy_service", msg, fix);
        return;
    }
    for (i = 0; i < at; i++)
        if (grants(w[i])) {
            snprintf(msg, sizeof(msg), "%s grants relaying with %s before check_policy_service %s: "
                     "those clients relay without relaymilter being asked", which, w[i], want);
            doctor_report(dr, "problem", "policy_service", msg, fix);
            return;
        }
    for (i = at + 2; i < n; i++) {
        if (refuses_relay(w[i]))
            break;
        if (grants(w[i])) {
            snprintf(msg, sizeof(msg), "%s grants relaying with %s after check_policy_service %s: "
                     "a client relaymilter answers DUNNO for (report mode) would relay", which, w[i], want);
            doctor_report(dr, "problem", "policy_service", msg, fix);
            return;
        }
    }
    if (i >= n) {
        snprintf(msg, sizeof(msg), "%s has nothing after check_policy_service %s that refuses "
                 "relay recipients: put reject_unauth_destination after it", which, want);
        doctor_report(dr, "problem", "policy_service", msg, fix);
        return;
    }
    snprintf(msg, sizeof(msg), "%s asks relaymilter first (check_policy_service %s), then %s",
             which, want, w[i]);
    doctor_report(dr, "ok", "policy_service", msg, NULL);
}

/* check_default - while the service is down, nothing may relay */

static void check_default(doctor *dr)
{
    const char *args[] = {"-h", "smtpd_policy_service_default_action", NULL};
    char    val[512], msg[1024], fix[2 * RM_PATH_LEN + 256];

    if (doctor_postconf(dr, args, val, sizeof(val)) < 0)
        return;
    doctor_fix(dr, fix, sizeof(fix), "-e 'smtpd_policy_service_default_action = defer_unauth_destination'");
    if (strcmp(val, "defer_unauth_destination") == 0 || strcmp(val, "reject_unauth_destination") == 0) {
        snprintf(msg, sizeof(msg), "%s: while relaymilter is down, relay recipients are refused "
                 "and local mail still comes in", val);
        doctor_report(dr, "ok", "policy_default_action", msg, NULL);
    } else if (strncmp(val, "4", 1) == 0 || strncmp(val, "defer", 5) == 0 || strncmp(val, "reject", 6) == 0
               || strncmp(val, "5", 1) == 0) {
        snprintf(msg, sizeof(msg), "%s: while relaymilter is down, local mail is refused too", val);
        doctor_report(dr, "note", "policy_default_action", msg, fix);
    } else {
        snprintf(msg, sizeof(msg), "%s: while relaymilter is down, Postfix may let clients relay", val);
        doctor_report(dr, "problem", "policy_default_action", msg, fix);
    }
}

/* check_gate - the relay gate stays shut: no 0/0 mynetworks */

static void check_gate(doctor *dr)
{
    const char *args[] = {"-xh", "mynetworks", NULL};
    char    val[4096], copy[4096], *w[256], msg[4400];
    size_t  n;

    if (doctor_postconf(dr, args, val, sizeof(val)) < 0)
        return;
    snprintf(copy, sizeof(copy), "%s", val);
    n = words(copy, w, sizeof(w) / sizeof(w[0]));
    for (size_t i = 0; i < n; i++)
        if (strcmp(w[i], "0.0.0.0/0") == 0 || strcmp(w[i], "[::]/0") == 0 || strcmp(w[i], "::/0") == 0) {
            snprintf(msg, sizeof(msg), "mynetworks holds %s: any listener or restriction list that "
                     "uses permit_mynetworks without the policy service is an open relay", w[i]);
            doctor_report(dr, "problem", "relay_gate", msg,
                          "keep mynetworks to the hosts Postfix itself must trust (127.0.0.0/8 [::1]/128)");
            return;
        }
    doctor_report(dr, "ok", "relay_gate", "mynetworks opens no relay to the whole Internet", NULL);
}

/* doctor_check_policy - the policy deployment, when policy_socket is set */

void    doctor_check_policy(doctor *dr, const rm_config *cfg, const rm_domains *dom)
{
    const char *args[] = {"-xh", "smtpd_relay_restrictions", NULL};
    char    want[RM_PATH_LEN + 16], val[8192], msg[RM_PATH_LEN + 64];

    (void) dom;
    if (cfg->policy_socket[0] == '\0')
        return;
    doctor_postfix_socket(cfg->policy_socket, want, sizeof(want));
    if (doctor_postconf(dr, args, val, sizeof(val)) == 0)
        check_order(dr, "smtpd_relay_restrictions", val, want);
    if (doctor_reachable(cfg->policy_socket)) {
        doctor_report(dr, "ok", "policy_reachable", "relaymilter answers on its policy socket", NULL);
    } else {
        snprintf(msg, sizeof(msg), "nothing answers on %s", cfg->policy_socket);
        doctor_report(dr, "problem", "policy_reachable", msg, "start relaymilter (systemctl start relaymilter)");
    }
    check_default(dr);
    check_gate(dr);
}
