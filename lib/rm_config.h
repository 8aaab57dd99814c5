/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_CONFIG_H
#define RM_CONFIG_H

/* rm_config - relaymilter.conf: name = value lines, like Postfix's main.cf */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "rm_diag.h"
#include "rm_name.h"
#include "rm_policy.h"
#include "rm_trust.h"
#include "rm_source.h"

/* The build's --sysconfdir (/etc by default) decides where the
 * configuration is looked for when no -c is given. */
#ifdef SYSCONFDIR
#define RM_DEFAULT_CONFIG SYSCONFDIR "/relaymilter/relaymilter.conf"
#else
#define RM_DEFAULT_CONFIG "/etc/relaymilter/relaymilter.conf"
#endif
#define RM_PATH_LEN 4096

enum rm_detect { RM_DETECT_DOMAINS = 0, RM_DETECT_MAILER = 1 };
enum rm_mode { RM_MODE_ENFORCE = 0, RM_MODE_REPORT = 1 };
enum rm_on_error { RM_ON_ERROR_TEMPFAIL = 0, RM_ON_ERROR_ACCEPT = 1, RM_ON_ERROR_REJECT = 2 };

/*
 * The names of the enumerated settings, both ways (rm_name): the file is
 * parsed with them and the programs print a value with rm_name_str().
 * local_submission's codes are local_submission_allow's values (allow 1,
 * policy 0); rm_config_yes_no is log_allowed's and watch_files'.
 */
extern const rm_name_code rm_config_detect_names[];     /* enum rm_detect */
extern const rm_name_code rm_config_mode_names[];       /* enum rm_mode */
extern const rm_name_code rm_config_on_error_names[];   /* enum rm_on_error */
extern const rm_name_code rm_config_submission_names[]; /* allow, policy */
extern const rm_name_code rm_config_yes_no[];           /* yes, no */

/*
 * A loaded configuration.  Paths are absolute or relative to the current
 * directory: relative paths in the file are resolved against the file's
 * directory.  set_line[] says where each setting was written (0: default).
 */
typedef struct rm_config {
    char    path[RM_PATH_LEN];
    char    dir[RM_PATH_LEN];
    char    milter_socket[RM_PATH_LEN];    /* "": no milter */
    char    policy_socket[RM_PATH_LEN];    /* "": no policy service */
    char    control_socket[RM_PATH_LEN];
    unsigned relay_flags;
    char    list_path[RM_LIST__COUNT][RM_PATH_LEN];
    char   *local_domains;              /* raw value, rm_malloc'd; "" when unset */
    enum rm_detect relay_detect;
    char    local_mailers[1024];        /* comma/space separated names */
    bool    local_submission_allow;
    enum rm_mode mode;
    enum rm_on_error on_error;
    char    reject_reply[512];
    uint64_t max_entries;
    uint64_t max_list_bytes;
    char    user[256];
    char    pid_file[RM_PATH_LEN];
    bool    log_allowed;                /* log allowed relay recipients too */
    /* Lists from URLs (rm_source): a list whose list_url[] is set is read
     * from its cache file, which list_path[] then names; so is
     * local_domains = url:URL, whose value becomes file:CACHE. */
    char    list_url[RM_LIST__COUNT][RM_URL_LEN];   /* "" for a file */
    char    domains_url[RM_URL_LEN];
    unsigned list_poll_interval;        /* seconds */
    unsigned list_fetch_timeout;        /* seconds, a whole transfer */
    char    list_cache_dir[RM_PATH_LEN];
    char    list_signing_key[RM_PATH_LEN];  /* "" when lists are not signed */
    char    list_ca_file[RM_PATH_LEN];  /* "" for the system's CAs */
    bool    watch_files;
    unsigned set_line[48];
    rm_trust trust;                     /* user's ids, or the process's; from rm_config_load */
} rm_config;

/*
 * rm_config_sniff - does text look like a relaymilter configuration file
 * (a line "NAME = ..." with a known NAME)?  Returns that line's number, its
 * setting's index in *key; 0 when none does.  relayctl lint uses it to
 * say "this is a configuration, not a list".
 */
unsigned rm_config_sniff(const char *text, size_t len, size_t *key);

/* The settings, in the order of the manual; rm_config_key_count() of them. */
size_t  rm_config_key_count(void);
const char *rm_config_key_name(size_t i);
const char *rm_config_key_default(size_t i);

/* rm_config_defaults - a configuration as if the file were empty; dir is
 * where relative list paths point.  Returns NULL when out of memory. */
rm_config *rm_config_defaults(const char *dir);

/*
 * rm_config_load - read path.  Every unknown name and bad value is reported
 * with file and line (and column where it helps); returns 0 with *out set,
 * or -1 with nothing allocated.  The file is a policy source
 * (rm_trust_open): once user is known, the file must be one that root or
 * user owns and user can read, and trust holds who that is (the running
 * process's ids when user is unset), for every list read after it.
 */
int     rm_config_load(const char *path, rm_config **out, rm_diag *d);

/* rm_config_parse_buffer - the same from memory (tests, fuzzing) */
int     rm_config_parse_buffer(const char *name, const char *dir, const char *buf,
                               size_t len, rm_config **out, rm_diag *d);

void    rm_config_free(rm_config *c);

/* rm_config_key_line - the line where a setting was written; 0: default */
unsigned rm_config_key_line(const rm_config *c, const char *name);

/* rm_config_has_urls - does any list or local_domains come from a URL? */
bool    rm_config_has_urls(const rm_config *c);

/* rm_config_mailer_is_local - is this {rcpt_mailer} one of local_mailers? */
bool    rm_config_mailer_is_local(const rm_config *c, const char *mailer);

#endif
