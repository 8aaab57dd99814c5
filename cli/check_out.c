/* SPDX-License-Identifier: BSD-2-Clause */
/* check_out - relayctl check's options and output, for files and --live alike */

#include <stdio.h>
#include <string.h>

#include "check_out.h"

static const char check_usage[] =
    "usage: relayctl [-c CONFIG] [--json] check ADDRESS|none [--rcpt ADDR] [--mailer NAME] [--local-ip ADDRESS] [--auth] [--live | --explain]\n"
    "       relayctl [-c CONFIG] [--json] check -   (addresses on standard input)\n";

/* opt_value - "--name VALUE" or "--name=VALUE" at argv[*i]; NULL if not */

static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t  n = strlen(name);

    if (strcmp(argv[*i], name) == 0 && *i + 1 < argc && argv[*i + 1] != NULL)
        return argv[++*i];
    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    return NULL;
}

/* usage_error - a bad command line */

static int usage_error(relayctl *rc, const char *text)
{
    report_error(rc, NULL, 0, 0, "check: %s", text);
    fputs(check_usage, stderr);
    return EXIT_TROUBLE;
}

/* check_in - the verdict's input from the options */

static int check_in(relayctl *rc, const check_opts *o, rm_verdict_in *in)
{
    rm_perr err;

    if (o->local) {
        if (rm_addr_from_str(o->local, &in->local, &err) < 0)
            return report_error(rc, NULL, 0, 0, "check: --local-ip %s: %s", quoted(o->local), err.msg);
        in->local_state = rm_verdict_server_state(&in->local);
    }
    if (strcmp(o->addr, "none") == 0) {
        in->client_state = RM_ADDR_MISSING;
    } else if (strcmp(o->addr, "-") != 0) {
        if (rm_addr_from_str(o->addr, &in->client, &err) < 0)
            return report_error(rc, NULL, 0, 0, "check: %s is not an IP address: %s", quoted(o->addr), err.msg);
        in->client_state = RM_ADDR_KNOWN;
    } else {
        in->client_state = RM_ADDR_KNOWN;
    }
    in->rcpt_is_relay = o->rcpt == NULL;
    if (o->rcpt) {
        in->rcpt = o->rcpt;
        in->rcpt_len = strlen(o->rcpt);
    }
    in->mailer = o->mailer;
    return -1;
}

/* check_args - relayctl check's command line */

int     check_args(relayctl *rc, int argc, char **argv, check_opts *o, rm_verdict_in *in)
{
    const char *v;

    memset(o, 0, sizeof(*o));
    rm_verdict_in_init(in);
    for (int i = 1; i < argc && argv[i] != NULL; i++) {
        if ((v = opt_value(argc, argv, &i, "--local-ip")) != NULL) {
            o->local = v;
        } else if ((v = opt_value(argc, argv, &i, "--rcpt")) != NULL) {
            o->rcpt = v;
        } else if ((v = opt_value(argc, argv, &i, "--mailer")) != NULL) {
            o->mailer = v;
        } else if (strcmp(argv[i], "--auth") == 0) {
            in->auth = true;
        } else if (strcmp(argv[i], "--live") == 0) {
            o->live = true;
        } else if (strcmp(argv[i], "--explain") == 0) {
            o->explain = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(check_usage, stdout);
            return EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            char    t[300];

            snprintf(t, sizeof(t), "unknown option %.250s", quoted(argv[i]));
            return usage_error(rc, t);
        } else if (o->addr == NULL) {
            o->addr = argv[i];
        } else {
            return usage_error(rc, "one address at a time (or - for standard input)");
        }
    }
    if (o->addr == NULL)
        return usage_error(rc, "which address?");
    if (o->live && o->explain)
        return usage_error(rc, "--explain walks the rules of the files; it does not go with --live");
    if (strcmp(o->addr, "-") == 0 && (o->live || o->explain || o->rcpt || o->mailer))
        return usage_error(rc, "check - takes --local-ip and --auth only");
    return check_in(rc, o, in);
}

/* check_text - "allow", then rule and match, or the reason */

void    check_text(FILE *fp, const rm_verdict_report *r, const rm_explain_step *steps, size_t nsteps)
{
    char    line[RM_PATH_LEN + 256];

    fprintf(fp, "%s\n", rm_verdict_kind_name(r->kind));
    if (r->recipient[0])
        fprintf(fp, "recipient: %s (%s)\n", r->recipient, r->recipient_reason);
    if (r->kind == RM_VERDICT_NONE)
        fprintf(fp, "reason: %s\n", r->no_decision);
    if (r->rule[0] && r->kind != RM_VERDICT_NONE)
        fprintf(fp, "rule: %s\n", r->rule);
    if (r->file[0] && r->kind != RM_VERDICT_NONE)
        fprintf(fp, "match: %s:%u %s\n", r->file, r->line, r->entry);
    for (size_t k = 0; k < nsteps; k++) {
        rm_explain_format(&steps[k], line, sizeof(line));
        fprintf(fp, "  %zu. %s\n", k + 1, line);
    }
}

/* json_steps - --explain's rules as an array */

static void json_steps(FILE *fp, const rm_explain_step *steps, size_t nsteps)
{
    fprintf(fp, ",\"explain\":[");
    for (size_t k = 0; k < nsteps; k++) {
        fprintf(fp, "%s{\"rule\":\"%s\",\"state\":\"%s\",\"decided\":%s,\"detail\":", k ? "," : "",
                rm_rule_name(steps[k].rule), rm_step_state_name(steps[k].state),
                steps[k].decided ? "true" : "false");
        json_string_or_null(fp, steps[k].detail);
        fprintf(fp, ",\"file\":");
        json_string_or_null(fp, steps[k].file);
        fprintf(fp, ",\"line\":");
        json_uint_or_null(fp, steps[k].line);
        fprintf(fp, ",\"entry\":");
        json_string_or_null(fp, steps[k].entry);
        fputc('}', fp);
    }
    fputc(']', fp);
}

/* check_json - one object; the same fields for files and --live */

void    check_json(FILE *fp, const char *addr, const rm_verdict_in *in, const rm_verdict_report *r,
                   const rm_explain_step *steps, size_t nsteps)
{
    char    local[RM_ADDR_STRLEN] = "";

    if (in->local_state != RM_ADDR_MISSING)
        rm_addr_format(&in->local, local, sizeof(local));
    fprintf(fp, "{\"address\":");
    json_string_or_null(fp, in->client_state == RM_ADDR_MISSING ? NULL : addr);
    fprintf(fp, ",\"local_ip\":");
    json_string_or_null(fp, local);
    fprintf(fp, ",\"auth\":%s,\"rcpt\":", in->auth ? "true" : "false");
    json_string_or_null(fp, in->rcpt_is_relay ? NULL : in->rcpt);
    fprintf(fp, ",\"mailer\":");
    json_string_or_null(fp, in->mailer);
    fprintf(fp, ",\"decision\":\"%s\",\"rule\":", rm_verdict_kind_name(r->kind));
    json_string_or_null(fp, r->kind == RM_VERDICT_NONE ? NULL : r->rule);
    fprintf(fp, ",\"no_decision\":");
    json_string_or_null(fp, r->no_decision);
    fprintf(fp, ",\"recipient\":");
    json_string_or_null(fp, r->recipient);
    fprintf(fp, ",\"recipient_reason\":");
    json_string_or_null(fp, r->recipient_reason);
    fprintf(fp, ",\"list\":");
    json_string_or_null(fp, r->kind == RM_VERDICT_NONE ? NULL : r->list);
    fprintf(fp, ",\"file\":");
    json_string_or_null(fp, r->kind == RM_VERDICT_NONE ? NULL : r->file);
    fprintf(fp, ",\"line\":");
    json_uint_or_null(fp, r->kind == RM_VERDICT_NONE ? 0 : r->line);
    fprintf(fp, ",\"entry\":");
    json_string_or_null(fp, r->kind == RM_VERDICT_NONE ? NULL : r->entry);
    if (nsteps)
        json_steps(fp, steps, nsteps);
    fputc('}', fp);
}

/* check_hints - say when an input went unused because its rule is off */

void    check_hints(relayctl *rc, const rm_snapshot *s, const rm_verdict_in *in, const rm_verdict *v)
{
    unsigned f = s->cfg->relay_flags;

    if (v->kind == RM_VERDICT_NONE && v->nodec == RM_NODEC_LOCAL_ADDR_MISSING)
        fprintf(stderr, "%s: note: the local rule is on and no --local-ip was given; relaymilter "
                "cannot decide without the server address either\n", rc->progname);

    if (in->local_state != RM_ADDR_MISSING && !(f & RM_FLAG_LOCAL))
        fprintf(stderr, "%s: note: --local-ip was not consulted: the local rule is off in relay_flags\n",
                rc->progname);
    if (in->auth && !(f & RM_FLAG_AUTH))
        fprintf(stderr, "%s: note: --auth was not consulted: the auth rule is off in relay_flags\n",
                rc->progname);
}
