/* SPDX-License-Identifier: BSD-2-Clause */
/* doctor_master - relayctl doctor's checks of master.cf and mynetworks */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "rm_list.h"
#include "rm_mem.h"

#define OUT_LEN 65536

/* The parameters a listener may override that decide relaying. */
static const char *const relay_params[] = {
    "smtpd_relay_restrictions", "smtpd_recipient_restrictions", "mynetworks", "mynetworks_style",
    "smtpd_client_restrictions",
};

/* is_smtpd - a postconf -M line for a service run by smtpd: its name/type */

static bool is_smtpd(const char *line, char *svc, size_t len)
{
    char    name[128], type[16], f[5][32], cmd[64];

    if (sscanf(line, "%127s %15s %31s %31s %31s %31s %31s %63s", name, type, f[0], f[1], f[2], f[3],
               f[4], cmd) != 8 || strcmp(cmd, "smtpd") != 0)
        return false;
    snprintf(svc, len, "%s/%s", name, type);
    return true;
}

/* override - "svc/param = value" of postconf -P for this service, or NULL */

static const char *override(const char *params, const char *svc, const char *param, char *val, size_t len)
{
    char    key[256];
    size_t  klen;

    klen = (size_t) snprintf(key, sizeof(key), "%s/%s = ", svc, param);
    for (const char *p = params; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        const char *nl = strchr(p, '\n');
        size_t  n = nl ? (size_t) (nl - p) : strlen(p);

        /* "svc/param =" with nothing after it is an empty override */
        if (n + 1 == klen && strncmp(p, key, klen - 1) == 0) {
            val[0] = '\0';
            return val;
        }
        if (n >= klen && strncmp(p, key, klen) == 0) {
            snprintf(val, len, "%.*s", (int) (n - klen), p + klen);
            return val;
        }
    }
    return NULL;
}

/* one_listener - the overrides of one smtpd service */

static int one_listener(doctor *dr, const char *svc, const char *params, const char *want)
{
    char    val[8192], msg[sizeof(val) + 512], args[512], fix[1024 + 2 * 4096];
    int     found = 0;

    /* With the milter off (policy service alone) smtpd_milters is no concern. */
    if (want[0] != '\0' && override(params, svc, "smtpd_milters", val, sizeof(val))
        && !doctor_has_token(val, want)) {
        snprintf(msg, sizeof(msg), "master.cf service %s sets smtpd_milters = %s, which drops "
                 "relaymilter (%s): its clients relay by Postfix's rules alone", svc,
                 val[0] ? val : "(empty)", want);
        snprintf(args, sizeof(args), "-P -X '%s/smtpd_milters'", svc);
        doctor_fix(dr, fix, sizeof(fix), args);
        doctor_report(dr, "problem", "master.cf", msg, fix);
        found++;
    }
    for (size_t k = 0; k < sizeof(relay_params) / sizeof(relay_params[0]); k++) {
        if (override(params, svc, relay_params[k], val, sizeof(val)) == NULL)
            continue;
        snprintf(msg, sizeof(msg), "master.cf service %s changes %s to \"%s\": its relay "
                 "permission differs from main.cf's", svc, relay_params[k], val);
        snprintf(args, sizeof(args), "-P -X '%s/%s'", svc, relay_params[k]);
        doctor_fix(dr, fix, sizeof(fix), args);
        doctor_report(dr, "problem", "master.cf", msg, fix);
        found++;
    }
    return found;
}

/* doctor_check_master - every smtpd listener must keep relaymilter */

void    doctor_check_master(doctor *dr, const rm_config *cfg, const rm_domains *dom)
{
    static const char *const m_args[] = {"-M", NULL}, *const p_args[] = {"-Px", NULL};
    char   *services = malloc(OUT_LEN), *params = malloc(OUT_LEN), want[RM_PATH_LEN + 16];
    char    svc[200], msg[512];
    int     listeners = 0, found = 0;

    (void) dom;
    if (services == NULL || params == NULL || doctor_postconf(dr, m_args, services, OUT_LEN) < 0
        || doctor_postconf(dr, p_args, params, OUT_LEN) < 0) {
        doctor_report(dr, "note", "master.cf", "postconf -M/-P did not run; master.cf was not checked", NULL);
        free(services);
        free(params);
        return;
    }
    doctor_postfix_socket(cfg->milter_socket, want, sizeof(want));
    for (char *line = services; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (!is_smtpd(line, svc, sizeof(svc)))
            continue;
        listeners++;
        found += one_listener(dr, svc, params, want);
    }
    if (found == 0) {
        snprintf(msg, sizeof(msg), "no smtpd listener of master.cf (%d) overrides smtpd_milters or "
                 "the relay restrictions", listeners);
        doctor_report(dr, "ok", "master.cf", msg, NULL);
    }
    free(services);
    free(params);
}

/* mynetworks_list - mynetworks' address entries as a list (tables,
 * files and ! forms cannot be compared: *skipped counts them) */

static rm_list *mynetworks_list(const char *nets, int *skipped)
{
    static rm_diag d;
    char   *text = malloc(strlen(nets) + 2), *copy = strdup(nets), *save = NULL, *t;
    size_t  o = 0;
    rm_list *l = NULL;

    *skipped = 0;
    if (text == NULL || copy == NULL) {
        free(text);
        free(copy);
        return NULL;
    }
    for (t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
        rm_entry e;
        rm_perr err;

        if (rm_entry_parse(t, strlen(t), &e, &err) < 0) {
            (*skipped)++;
            continue;
        }
        o += (size_t) sprintf(text + o, "%s\n", t);
    }
    rm_diag_init(&d);
    if (rm_list_load_buffer("mynetworks", text, o, NULL, &l, &d) < 0)
        l = NULL;
    free(text);
    free(copy);
    return l;
}

/* uncovered - name the entries of a that b does not cover; how many */

static int uncovered(doctor *dr, const rm_list *a, const rm_list *b, bool allow_side)
{
    char    entry[RM_ENTRY_STRLEN], msg[RM_PATH_LEN + 512];
    rm_entry_info info;
    rm_match m;
    int     n = 0;

    for (uint32_t i = 0; i < rm_list_count(a); i++) {
        if (rm_list_entry(a, i, &info) < 0 || rm_list_covers(b, &info.entry, &m))
            continue;
        if (++n > 10)
            continue;
        rm_entry_format(&info.entry, entry, sizeof(entry));
        if (allow_side)
            snprintf(msg, sizeof(msg), "%s:%u: relaymilter allows %s to relay, but mynetworks does not "
                     "hold it: Postfix refuses those clients before relaymilter is asked",
                     rm_list_name(a), info.line, entry);
        else
            snprintf(msg, sizeof(msg), "mynetworks lets %s relay by Postfix's rules, but relaymilter's "
                     "allow list does not hold it: relaymilter decides those clients by its other rules",
                     entry);
        doctor_report(dr, allow_side ? "problem" : "note", "mynetworks", msg, NULL);
    }
    if (n > 10) {
        snprintf(msg, sizeof(msg), "... and %d more entries of %s like these", n - 10, rm_list_name(a));
        doctor_report(dr, "note", "mynetworks", msg, NULL);
    }
    return n;
}

/* doctor_check_networks - clients one side lets relay and the other refuses */

void    doctor_check_networks(doctor *dr, const rm_config *cfg, const rm_domains *dom)
{
    static const char *const r_args[] = {"-xh", "smtpd_relay_restrictions", NULL};
    static const char *const n_args[] = {"-xh", "mynetworks", NULL};
    static rm_diag d;
    char    val[8192], nets[8192], msg[sizeof(nets) + 256];
    rm_list *mine = NULL, *allow = NULL;
    rm_entry all4, all6;
    rm_match m;
    rm_perr err;
    int     skipped, n;

    (void) dom;
    if (!(cfg->relay_flags & RM_FLAG_ALLOW) || doctor_postconf(dr, r_args, val, sizeof(val)) < 0
        || !doctor_has_token(val, "permit_mynetworks") || doctor_postconf(dr, n_args, nets, sizeof(nets)) < 0)
        return;                         /* no allow rule, or mynetworks grants nothing */
    rm_diag_init(&d);
    if ((mine = mynetworks_list(nets, &skipped)) == NULL
        || rm_list_load(cfg->list_path[RM_LIST_ALLOW], &cfg->trust, NULL, &allow, &d) < 0) {
        doctor_report(dr, "note", "mynetworks", "mynetworks or the allow list did not load; not compared", NULL);
        if (mine)
            rm_list_free(mine);
        return;
    }
    if (skipped) {
        snprintf(msg, sizeof(msg), "mynetworks has %d table, file or negated entr%s that doctor cannot "
                 "compare", skipped, skipped == 1 ? "y" : "ies");
        doctor_report(dr, "note", "mynetworks", msg, NULL);
    }
    rm_entry_parse("0.0.0.0/0", 9, &all4, &err);
    rm_entry_parse("::/0", 4, &all6, &err);
    n = uncovered(dr, allow, mine, true);
    if (!(rm_list_covers(mine, &all4, &m) && rm_list_covers(mine, &all6, &m)))
        n += uncovered(dr, mine, allow, false);
    if (n == 0) {
        snprintf(msg, sizeof(msg), "mynetworks (%s) and %s agree on who may relay", nets,
                 cfg->list_path[RM_LIST_ALLOW]);
        doctor_report(dr, "ok", "mynetworks", msg, NULL);
    }
    rm_list_free(mine);
    rm_list_free(allow);
}
