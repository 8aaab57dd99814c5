/* cmd_import - relayctl import-exchange: lists from an Exchange 5.5 registry export */

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relayctl.h"
#include "rm_file.h"
#include "rm_lint.h"
#include "rm_mem.h"
#include "rm_reg.h"

static const char import_usage[] =
    "usage: relayctl [-c CONFIG] import-exchange FILE.reg [--dir DIR]\n";

static const char *const file_names[RM_LIST__COUNT] = {
    [RM_LIST_DENY] = "deny.list",
    [RM_LIST_ALLOW] = "allow.list",
    [RM_LIST_LOCAL] = "local-ip.list",
};

static const char *const value_names[RM_LIST__COUNT] = {
    [RM_LIST_DENY] = "RelayDenyList",
    [RM_LIST_ALLOW] = "RelayAllowList",
    [RM_LIST_LOCAL] = "RelayLocalIPList",
};

static void warn_cb(void *ctx, const rm_diag_msg *m)
{
    char    line[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];

    (void) ctx;
    rm_diag_format(m, line, sizeof(line));
    printf("%s\n", line);
}

/* write_list - replace (keeping .bak) or create one list file */

static int write_list(const char *path, const char *body, const rm_trust *who, rm_diag *d)
{
    struct stat st;
    int     fd;

    if (lstat(path, &st) == 0) {
        /* A list already there is replaced only if it is one to trust. */
        if ((fd = rm_trust_open(path, who, &st, d)) < 0)
            return -1;
        close(fd);
        return rm_file_replace(path, body, strlen(body), &st, d);
    }
    if (errno != ENOENT) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot stat: %s", strerror(errno));
        return -1;
    }
    memset(&st, 0, sizeof(st));
    st.st_mode = 0644;
    st.st_uid = geteuid();
    st.st_gid = getegid();
    return rm_file_replace(path, body, strlen(body), &st, d);
}

/* cmd_import - relayctl import-exchange FILE.reg [--dir DIR] */

int     cmd_import(relayctl *rc, int argc, char **argv)
{
    const char *file = NULL, *dir = NULL;
    char   *raw, path[RM_PATH_LEN], flagtxt[64];
    size_t  len;
    rm_diag d;
    rm_reg_import imp;
    rm_config *cfg = NULL;
    rm_trust who;
    int     k;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(import_usage, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "%s: import-exchange: unknown option %s\n%s", rc->progname, quoted(argv[i]), import_usage);
            return EXIT_TROUBLE;
        } else if (file == NULL) {
            file = argv[i];
        } else {
            fprintf(stderr, "%s: import-exchange: one export at a time\n%s", rc->progname, import_usage);
            return EXIT_TROUBLE;
        }
    }
    if (file == NULL) {
        fprintf(stderr, "%s: import-exchange: which .reg file?\n%s", rc->progname, import_usage);
        return EXIT_TROUBLE;
    }
    rm_diag_init(&d);
    if (dir == NULL) {
        if (rm_config_load(rc->config_path, &cfg, &d) < 0) {
            print_diag(stderr, &d);
            fprintf(stderr, "%s: import-exchange: name a directory with --dir, or fix the configuration\n",
                    rc->progname);
            return EXIT_TROUBLE;
        }
        dir = cfg->dir[0] ? cfg->dir : ".";
    }
    if (cfg)
        who = cfg->trust;
    else
        rm_trust_self(&who);
    if (rm_file_read_input(file, 64u << 20, &raw, &len, &d) < 0) {
        print_diag(stderr, &d);
        rm_config_free(cfg);
        return EXIT_TROUBLE;
    }
    if (rm_reg_parse(file, (const unsigned char *) raw, len, &imp, &d) < 0) {
        print_diag(stderr, &d);
        fprintf(stderr, "%s: import-exchange: nothing was written\n", rc->progname);
        rm_free(raw);
        rm_config_free(cfg);
        return EXIT_NEGATIVE;
    }
    rm_free(raw);

    /* Write every list present; each one whole or not at all. */
    for (k = 0; k < RM_LIST__COUNT; k++) {
        char   *body;
        size_t  blen;
        time_t  now = time(NULL);
        char    when[32];
        rm_list *l;

        if (imp.lists[k] == NULL) {
            printf("%s: not in the export; %s/%s left alone\n", value_names[k], dir, file_names[k]);
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, file_names[k]);
        /* cppcheck-suppress gmtimeCalled ; relayctl runs one thread */
        strftime(when, sizeof(when), "%Y-%m-%d", gmtime(&now));
        blen = strlen(imp.lists[k]) + strlen(file) + 128;
        if ((body = rm_malloc(blen)) == NULL) {
            fprintf(stderr, "%s: import-exchange: out of memory\n", rc->progname);
            break;
        }
        snprintf(body, blen, "# %s, imported by relayctl from %s on %s\n%s",
                 value_names[k], file, when, imp.lists[k]);
        rm_diag_init(&d);
        if (rm_list_load_buffer(path, body, strlen(body), NULL, &l, &d) < 0 || write_list(path, body, &who, &d) < 0) {
            print_diag(stderr, &d);
            rm_free(body);
            break;
        }
        printf("%s: %zu entr%s written to %s\n", value_names[k], imp.count[k],
               imp.count[k] == 1 ? "y" : "ies", path);
        rm_lint_list(l, k, body, strlen(body), warn_cb, NULL);
        rm_list_free(l);
        rm_free(body);
    }
    if (k < RM_LIST__COUNT) {
        fprintf(stderr, "%s: import-exchange: stopped at %s; the lists written before it stay\n",
                rc->progname, file_names[k]);
        rm_reg_import_free(&imp);
        rm_config_free(cfg);
        return EXIT_TROUBLE;
    }
    if (imp.have_flags) {
        rm_flags_format(imp.flags, flagtxt, sizeof(flagtxt));
        printf("relay_flags = %u    # RelayFlags: %s\n", imp.flags, flagtxt);
    } else {
        printf("RelayFlags: not in the export; set relay_flags in relaymilter.conf yourself\n");
    }
    rm_reg_import_free(&imp);
    rm_config_free(cfg);
    return EXIT_OK;
}
