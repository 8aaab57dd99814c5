/* cmd_check - relayctl check: decide as the daemon would, and say why */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayctl.h"
#include "rm_snapshot.h"

static const char check_usage[] =
    "usage: relayctl [-c CONFIG] [--json] check ADDRESS [--local-ip ADDRESS] [--auth] [--live]\n"
    "       relayctl [-c CONFIG] [--json] check -   (addresses on standard input)\n";

/* load_snapshot - configuration and lists, or every error and exit 2 */

static rm_snapshot *load_snapshot(relayctl *rc)
{
    static rm_diag d;
    rm_snapshot *s;

    rm_diag_init(&d);
    if (rm_snapshot_build(rc->config_path, 0, &s, &d) < 0) {
        print_diag(stderr, &d);
        fprintf(stderr, "%s: check: configuration or lists did not load; nothing was checked\n",
                rc->progname);
        return NULL;
    }
    return s;
}

/* print_one - the answer for one address, human or JSON */

static void print_one(relayctl *rc, const rm_snapshot *s, const char *addr,
                      const rm_query *q, const rm_decision *dec)
{
    char    where[RM_PATH_LEN + 16], entry[RM_ENTRY_STRLEN], local[RM_ADDR_STRLEN];
    bool    has_where = rm_snapshot_where(s, dec, where, sizeof(where), entry, sizeof(entry)) > 0;

    if (rc->json) {
        printf("{\"address\":");
        json_string(stdout, addr);
        printf(",\"local_ip\":");
        if (q->local.family != RM_AF_NONE) {
            rm_addr_format(&q->local, local, sizeof(local));
            json_string(stdout, local);
        } else {
            printf("null");
        }
        printf(",\"auth\":%s,\"decision\":\"%s\",\"rule\":\"%s\"",
               q->auth ? "true" : "false", dec->allow ? "allow" : "deny", rm_rule_name(dec->rule));
        if (has_where) {
            rm_entry_info info;
            const rm_list *l = s->lists[dec->list];

            rm_list_entry(l, dec->match.entry, &info);
            printf(",\"list\":\"%s\",\"file\":", rm_list_kind_name((enum rm_list_kind) dec->list));
            json_string(stdout, rm_list_name(l));
            printf(",\"line\":%u,\"entry\":", info.line);
            json_string(stdout, entry);
        }
        printf("}\n");
        return;
    }
    printf("%s\n", dec->allow ? "allow" : "deny");
    printf("rule: %s\n", rm_rule_name(dec->rule));
    if (has_where)
        printf("match: %s %s\n", where, entry);
}

/* print_batch_line - "ADDRESS allow|deny RULE [FILE:LINE]" or its JSON */

static void print_batch_line(relayctl *rc, const rm_snapshot *s, const char *addr,
                             const rm_query *q, const rm_decision *dec)
{
    char    where[RM_PATH_LEN + 16], entry[RM_ENTRY_STRLEN];

    if (rc->json)
        print_one(rc, s, addr, q, dec);
    else if (dec->list >= 0 && rm_snapshot_where(s, dec, where, sizeof(where), entry, sizeof(entry)) > 0)
        printf("%s %s %s %s\n", addr, dec->allow ? "allow" : "deny", rm_rule_name(dec->rule), where);
    else
        printf("%s %s %s\n", addr, dec->allow ? "allow" : "deny", rm_rule_name(dec->rule));
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

static void batch_flush(relayctl *rc, const rm_snapshot *s, const rm_query *base, batch *b)
{
    rm_addr ok[BATCH];
    rm_decision *dec = b->dec;
    size_t  nok = 0, k = 0;

    for (size_t i = 0; i < b->n; i++)
        if (b->err[i][0] == '\0')
            ok[nok++] = b->addr[i];
    rm_policy_decide_batch(&s->policy, base, ok, nok, dec);
    for (size_t i = 0; i < b->n; i++) {
        if (b->err[i][0] != '\0') {
            if (rc->json) {
                printf("{\"address\":");
                json_string(stdout, b->text[i]);
                printf(",\"error\":");
                json_string(stdout, b->err[i]);
                printf("}\n");
            } else {
                printf("%s error %s\n", b->text[i], b->err[i]);
            }
        } else {
            rm_query q = *base;

            q.client = b->addr[i];
            print_batch_line(rc, s, b->text[i], &q, &dec[k++]);
        }
        free(b->text[i]);
    }
    b->n = 0;
}

static int check_batch(relayctl *rc, const rm_snapshot *s, const rm_query *base)
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

/* check_live - ask the running daemon instead of the files */

static int check_live(relayctl *rc, const char *addr, const char *local, bool auth)
{
    rm_diag d;
    rm_config *cfg;
    char    req[512], reply[8192], why[512];

    rm_diag_init(&d);
    if (rm_config_load(rc->config_path, &cfg, &d) < 0) {
        print_diag(stderr, &d);
        return EXIT_TROUBLE;
    }
    snprintf(req, sizeof(req), "CHECK %s%s%s%s\n", addr, local ? " local=" : "", local ? local : "",
             auth ? " auth" : "");
    if (ctl_request(cfg->control_socket, req, reply, sizeof(reply), why, sizeof(why)) < 0) {
        fprintf(stderr, "%s: check --live: %s\n", rc->progname, why);
        rm_config_free(cfg);
        return EXIT_TROUBLE;
    }
    rm_config_free(cfg);
    if (strncmp(reply, "OK ", 3) != 0) {
        fprintf(stderr, "%s: check --live: relaymilter answered: %s", rc->progname, reply);
        return EXIT_TROUBLE;
    }
    /* "OK allow RULE [FILE:LINE ENTRY]" */
    {
        char    verdict[16] = "", rule[64] = "", where[RM_PATH_LEN] = "", entry[RM_ENTRY_STRLEN] = "";
        int     n = sscanf(reply + 3, "%15s %63s %4095s %99s", verdict, rule, where, entry);

        if (n < 2 || (strcmp(verdict, "allow") != 0 && strcmp(verdict, "deny") != 0)) {
            fprintf(stderr, "%s: check --live: unexpected answer: %s", rc->progname, reply);
            return EXIT_TROUBLE;
        }
        if (rc->json) {
            printf("{\"address\":");
            json_string(stdout, addr);
            printf(",\"live\":true,\"decision\":\"%s\",\"rule\":", verdict);
            json_string(stdout, rule);
            if (n >= 4) {
                printf(",\"where\":");
                json_string(stdout, where);
                printf(",\"entry\":");
                json_string(stdout, entry);
            }
            printf("}\n");
        } else {
            printf("%s\nrule: %s\n", verdict, rule);
            if (n >= 4)
                printf("match: %s %s\n", where, entry);
        }
        return strcmp(verdict, "allow") == 0 ? EXIT_OK : EXIT_NEGATIVE;
    }
}

/* cmd_check - relayctl check ADDRESS | - */

int     cmd_check(relayctl *rc, int argc, char **argv)
{
    const char *addr = NULL, *local = NULL;
    bool    auth = false, live = false;
    rm_query q;
    rm_perr err;
    rm_snapshot *s;
    int     status;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--local-ip") == 0 && i + 1 < argc) {
            local = argv[++i];
        } else if (strncmp(argv[i], "--local-ip=", 11) == 0) {
            local = argv[i] + 11;
        } else if (strcmp(argv[i], "--auth") == 0) {
            auth = true;
        } else if (strcmp(argv[i], "--live") == 0) {
            live = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(check_usage, stdout);
            return EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "%s: check: unknown option %s\n%s", rc->progname, quoted(argv[i]), check_usage);
            return EXIT_TROUBLE;
        } else if (addr == NULL) {
            addr = argv[i];
        } else {
            fprintf(stderr, "%s: check: one address at a time (or - for standard input)\n%s",
                    rc->progname, check_usage);
            return EXIT_TROUBLE;
        }
    }
    if (addr == NULL) {
        fprintf(stderr, "%s: check: which address?\n%s", rc->progname, check_usage);
        return EXIT_TROUBLE;
    }
    memset(&q, 0, sizeof(q));
    q.auth = auth;
    if (local && rm_addr_from_str(local, &q.local, &err) < 0) {
        fprintf(stderr, "%s: check: --local-ip %s: %s\n", rc->progname, quoted(local), err.msg);
        return EXIT_TROUBLE;
    }
    if (strcmp(addr, "-") != 0 && rm_addr_from_str(addr, &q.client, &err) < 0) {
        fprintf(stderr, "%s: check: %s is not an IP address: %s\n", rc->progname, quoted(addr), err.msg);
        return EXIT_TROUBLE;
    }
    if (live) {
        if (strcmp(addr, "-") == 0) {
            fprintf(stderr, "%s: check: --live takes one address, not -\n", rc->progname);
            return EXIT_TROUBLE;
        }
        return check_live(rc, addr, local, auth);
    }
    if ((s = load_snapshot(rc)) == NULL)
        return EXIT_TROUBLE;
    if (strcmp(addr, "-") == 0) {
        status = check_batch(rc, s, &q);
    } else {
        rm_decision dec;

        rm_snapshot_decide(s, &q, &dec);
        print_one(rc, s, addr, &q, &dec);
        status = dec.allow ? EXIT_OK : EXIT_NEGATIVE;
    }
    rm_snapshot_unref(s);
    return status;
}
