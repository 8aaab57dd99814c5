/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_check - relayctl check: decide as the daemon would, and say why */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayctl.h"
#include "rm_text.h"
#include "check_out.h"
#include "rm_ctl.h"
#include "rm_explain.h"
#include "rm_snapshot.h"

/* load_snapshot - configuration and lists, or every error and exit 2 */

static rm_snapshot *load_snapshot(relayctl *rc)
{
    static rm_diag d;
    rm_snapshot *s;

    rm_diag_init(&d);
    if (rm_snapshot_build(rc->config_path, 0, &s, &d) < 0) {
        report_diag(rc, &d, "check: configuration or lists did not load; nothing was checked");
        return NULL;
    }
    return s;
}

/* print_one - the answer for one address, human or JSON; the exit status */

static int print_one(relayctl *rc, const char *addr, const rm_verdict_in *in,
                     const rm_verdict_report *r, const rm_explain_step *steps, size_t nsteps)
{
    if (rc->json) {
        check_json(stdout, addr, in, r, steps, nsteps);
        fputc('\n', stdout);
    } else {
        check_text(stdout, r, steps, nsteps);
    }
    return r->kind == RM_VERDICT_DENY ? EXIT_NEGATIVE : r->kind == RM_VERDICT_NONE ? EXIT_TROUBLE : EXIT_OK;
}

/* print_batch_line - "ADDRESS allow|deny RULE [FILE:LINE]" or its JSON */

static void print_batch_line(relayctl *rc, const rm_snapshot *s, const char *addr,
                             const rm_verdict_in *in, rm_verdict *v)
{
    rm_verdict_report r;

    rm_verdict_of_decision(s, in, v);
    rm_verdict_report_make(s, in, v, &r);
    if (rc->json)
        print_one(rc, addr, in, &r, NULL, 0);
    else if (r.kind == RM_VERDICT_NONE)
        printf("%s no-decision %s\n", addr, r.no_decision);
    else if (r.file[0])
        printf("%s %s %s %s:%u\n", addr, rm_verdict_kind_name(r.kind), r.rule, r.file, r.line);
    else
        printf("%s %s %s\n", addr, rm_verdict_kind_name(r.kind), r.rule);
}

/*
 * check_batch - one address per line in, one line out, in input order.
 * Lines are read a chunk at a time and decided together, so that the list
 * lookups overlap (rm_policy_decide_batch).
 */
enum { BATCH = 4096 };

typedef struct batch {
    char   *text[BATCH];                /* the address as given */
    rm_addr addr[BATCH];
    rm_decision dec[BATCH];
    char    err[BATCH][200];            /* empty: parsed */
    size_t  n;
} batch;

/* print_batch_error - "TEXT error WHY"; a line holding anything but
 * printable ASCII is quoted escaped, so that no input byte reaches the
 * terminal raw */

static void print_batch_error(const char *text, const char *why)
{
    char    q[RM_QUOTE_LEN(256)];
    size_t  n = strlen(text);

    for (size_t i = 0; i < n; i++)
        if ((unsigned char) text[i] < 0x21 || (unsigned char) text[i] > 0x7e) {
            printf("%s error %s\n", rm_text_quote(q, sizeof(q), text, n), why);
            return;
        }
    printf("%s error %s\n", text, why);
}

static void batch_flush(relayctl *rc, const rm_snapshot *s, const rm_verdict_in *base, batch *b)
{
    rm_addr ok[BATCH];
    rm_decision *dec = b->dec;
    rm_query q;
    size_t  nok = 0, k = 0;

    for (size_t i = 0; i < b->n; i++)
        if (b->err[i][0] == '\0')
            ok[nok++] = b->addr[i];
    rm_verdict_query(base, &q);
    rm_policy_decide_batch(&s->policy, &q, ok, nok, dec);
    for (size_t i = 0; i < b->n; i++) {
        if (b->err[i][0] != '\0') {
            if (rc->json) {
                printf("{\"address\":");
                json_string(stdout, b->text[i]);
                printf(",\"error\":");
                json_string(stdout, b->err[i]);
                printf("}\n");
            } else {
                print_batch_error(b->text[i], b->err[i]);
            }
        } else {
            rm_verdict_in in = *base;
            rm_verdict v;

            memset(&v, 0, sizeof(v));
            in.client = b->addr[i];
            v.decision = dec[k++];
            print_batch_line(rc, s, b->text[i], &in, &v);
        }
        free(b->text[i]);
    }
    b->n = 0;
}

static int check_batch(relayctl *rc, const rm_snapshot *s, const rm_verdict_in *base)
{
    char   *line = NULL;
    size_t  cap = 0;
    ssize_t n;
    int     status = EXIT_OK;
    bool    first = true;
    static char outbuf[1 << 16];
    static batch b;

    setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
    while ((n = getline(&line, &cap, stdin)) != -1) {
        rm_perr err;
        char   *addr, *hash;

        /* As in a list file: a byte order mark may come first, "#" starts a
         * comment, white space around is no part of it. */
        if (first && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
            memmove(line, line + 3, (size_t) n - 2);
            n -= 3;
        }
        first = false;
        if ((hash = strchr(line, '#')) != NULL) {
            *hash = '\0';
            n = hash - line;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '
                         || line[n - 1] == '\t'))
            line[--n] = '\0';
        addr = line + strspn(line, " \t");
        if (*addr == '\0')
            continue;
        if ((b.text[b.n] = strdup(addr)) == NULL) {
            fprintf(stderr, "%s: check: out of memory\n", rc->progname);
            free(line);
            return EXIT_TROUBLE;
        }
        b.err[b.n][0] = '\0';
        if (rm_addr_from_str(addr, &b.addr[b.n], &err) < 0) {
            snprintf(b.err[b.n], sizeof(b.err[b.n]), "%s", err.msg);
            status = EXIT_TROUBLE;
        }
        if (++b.n == BATCH)
            batch_flush(rc, s, base, &b);
    }
    batch_flush(rc, s, base, &b);
    free(line);
    if (fflush(stdout) == EOF || ferror(stdout)) {
        fprintf(stderr, "%s: check: write error on standard output\n", rc->progname);
        return EXIT_TROUBLE;
    }
    return status;
}

/* check_live - ask the running daemon's CHECK instead of the files */

static int check_live(relayctl *rc, const char *addr, const rm_verdict_in *in)
{
    static rm_ctl_req req;
    static rm_diag d;
    rm_config *cfg;
    rm_verdict_report r;
    char    reply[16384], why[512];

    if (rm_ctl_req_check(in, &req, why, sizeof(why)) < 0)
        return report_error(rc, NULL, 0, 0, "check --live: %s", why);
    if ((cfg = config_load(rc, &d, "check --live: the configuration did not load; nothing was checked")) == NULL)
        return EXIT_TROUBLE;
    if (ctl_ask(cfg->control_socket, &req, reply, sizeof(reply), why, sizeof(why)) < 0) {
        rm_config_free(cfg);
        return report_error(rc, NULL, 0, 0, "check --live: %s", why);
    }
    rm_config_free(cfg);
    if (rm_ctl_parse_check_reply(reply, &r, why, sizeof(why)) != 0)
        return report_error(rc, NULL, 0, 0, "check --live: relaymilter answered: %s", why);
    return print_one(rc, addr, in, &r, NULL, 0);
}

/* check_files - decide from the configuration and lists on disk */

static int check_files(relayctl *rc, const char *addr, const rm_verdict_in *in, bool explain)
{
    static rm_explain_step steps[RM_EXPLAIN_STEPS];
    rm_verdict_report r;
    rm_verdict v;
    rm_snapshot *s;
    size_t  nsteps = 0;
    int     status;

    if ((s = load_snapshot(rc)) == NULL)
        return EXIT_TROUBLE;
    if (strcmp(addr, "-") == 0) {
        status = check_batch(rc, s, in);
        rm_snapshot_unref(s);
        return status;
    }
    rm_verdict_decide(s, in, &v);
    rm_verdict_report_make(s, in, &v, &r);
    if (explain)
        nsteps = rm_explain(s, in, &v, steps);
    check_hints(rc, s, in, &v);
    status = print_one(rc, addr, in, &r, steps, nsteps);
    rm_snapshot_unref(s);
    return status;
}

/* cmd_check - relayctl check ADDRESS | - */

int     cmd_check(relayctl *rc, int argc, char **argv)
{
    check_opts o;
    rm_verdict_in in;
    int     status;

    if ((status = check_args(rc, argc, argv, &o, &in)) >= 0)
        return status;
    if (o.live)
        return check_live(rc, o.addr, &in);
    return check_files(rc, o.addr, &in, o.explain);
}
