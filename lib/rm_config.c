/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_config - relaymilter.conf: name = value lines, like Postfix's main.cf */

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rm_config.h"
#include "rm_file.h"
#include "rm_list.h"
#include "rm_mem.h"
#include "rm_text.h"

#define MAX_CONFIG_BYTES (1024u * 1024u)

enum key {
    K_MILTER_SOCKET, K_CONTROL_SOCKET, K_RELAY_FLAGS, K_ALLOW_LIST, K_DENY_LIST,
    K_LOCAL_IP_LIST, K_LOCAL_DOMAINS, K_RELAY_DETECT, K_LOCAL_MAILERS,
    K_LOCAL_SUBMISSION, K_MODE, K_ON_ERROR, K_REJECT_REPLY, K_MAX_ENTRIES,
    K_MAX_LIST_BYTES, K_USER, K_PID_FILE, K_LOG_ALLOWED, K_POLICY_SOCKET,
    K_LIST_POLL_INTERVAL, K_LIST_FETCH_TIMEOUT, K_LIST_CACHE_DIR, K_LIST_SIGNING_KEY,
    K_LIST_CA_FILE, K_WATCH_FILES,
    K__COUNT
};

/* One row per setting: name and default, as the manual shows them. */
static const struct {
    const char *name;
    const char *dflt;
} keys[K__COUNT] = {
    [K_MILTER_SOCKET] = {"milter_socket", "inet:8891@127.0.0.1"},
    [K_CONTROL_SOCKET] = {"control_socket", "/run/relaymilter/control.sock"},
    [K_RELAY_FLAGS] = {"relay_flags", "allow, auth"},
    [K_ALLOW_LIST] = {"allow_list", "allow.list"},
    [K_DENY_LIST] = {"deny_list", "deny.list"},
    [K_LOCAL_IP_LIST] = {"local_ip_list", "local-ip.list"},
    [K_LOCAL_DOMAINS] = {"local_domains", ""},
    [K_RELAY_DETECT] = {"relay_detect", "domains"},
    [K_LOCAL_MAILERS] = {"local_mailers", "local, virtual, lmtp"},
    [K_LOCAL_SUBMISSION] = {"local_submission", "allow"},
    [K_MODE] = {"mode", "enforce"},
    [K_ON_ERROR] = {"on_error", "tempfail"},
    [K_REJECT_REPLY] = {"reject_reply", "550 5.7.1 Relay access denied"},
    [K_MAX_ENTRIES] = {"max_entries", "16000000"},
    [K_MAX_LIST_BYTES] = {"max_list_bytes", "1073741824"},
    [K_USER] = {"user", ""},
    [K_PID_FILE] = {"pid_file", ""},
    [K_LOG_ALLOWED] = {"log_allowed", "no"},
    [K_POLICY_SOCKET] = {"policy_socket", ""},
    /* Lists for a fleet: URL lists and watched files. */
    [K_LIST_POLL_INTERVAL] = {"list_poll_interval", "60"},
    [K_LIST_FETCH_TIMEOUT] = {"list_fetch_timeout", "30"},
    [K_LIST_CACHE_DIR] = {"list_cache_dir", "/var/cache/relaymilter"},
    [K_LIST_SIGNING_KEY] = {"list_signing_key", ""},
    [K_LIST_CA_FILE] = {"list_ca_file", ""},
    [K_WATCH_FILES] = {"watch_files", "yes"},
};

size_t  rm_config_key_count(void)
{
    return K__COUNT;
}

const char *rm_config_key_name(size_t i)
{
    return i < K__COUNT ? keys[i].name : NULL;
}

const char *rm_config_key_default(size_t i)
{
    return i < K__COUNT ? keys[i].dflt : NULL;
}

/* set_path - resolve a path against the configuration's directory */

static int set_path(char *dst, const char *dir, const char *v)
{
    int     n;

    if (v[0] == '/' || dir[0] == '\0')
        n = snprintf(dst, RM_PATH_LEN, "%s", v);
    else
        n = snprintf(dst, RM_PATH_LEN, "%s/%s", dir, v);
    return n < 0 || n >= RM_PATH_LEN ? -1 : 0;
}

static int parse_u64(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    uint64_t x = 0;

    if (*v == '\0')
        return -1;
    for (; *v; v++) {
        if (*v < '0' || *v > '9' || x > (UINT64_MAX - 9) / 10)
            return -1;
        x = x * 10 + (uint64_t) (*v - '0');
    }
    if (x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

/* check_milter_socket - inet:PORT@HOST, inet6:PORT@HOST or unix:PATH */

static const char *check_milter_socket(const char *v)
{
    const char *at;
    uint64_t port;
    char    portbuf[16];
    size_t  plen;

    if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) {
        const char *p = strchr(v, ':') + 1;

        if (*p != '/')
            return "a unix socket needs an absolute path (unix:/run/relaymilter/milter.sock)";
        return NULL;
    }
    if (strncmp(v, "inet:", 5) != 0 && strncmp(v, "inet6:", 6) != 0)
        return "expected inet:PORT@HOST, inet6:PORT@HOST or unix:PATH";
    v = strchr(v, ':') + 1;
    if ((at = strchr(v, '@')) == NULL || at[1] == '\0')
        return "expected PORT@HOST after inet: or inet6:";
    plen = (size_t) (at - v);
    if (plen == 0 || plen >= sizeof(portbuf))
        return "bad port number";
    memcpy(portbuf, v, plen);
    portbuf[plen] = '\0';
    if (parse_u64(portbuf, 1, 65535, &port) < 0)
        return "port must be a number from 1 to 65535";
    return NULL;
}

/* check_policy_socket - inet:PORT@HOST or unix:PATH, as the policy service takes them */

static const char *check_policy_socket(const char *v)
{
    if (strncmp(v, "inet6:", 6) == 0 || strncmp(v, "local:", 6) == 0)
        return "expected inet:PORT@HOST or unix:PATH";
    return check_milter_socket(v);
}

/* set_socket - an optional socket setting: empty turns it off */

static const char *set_socket(char *dst, size_t len, const char *v, const char *(*check)(const char *))
{
    const char *e;

    if (v[0] != '\0' && (e = check(v)) != NULL)
        return e;
    if (snprintf(dst, len, "%s", v) >= (int) len)
        return "value too long";
    return NULL;
}

/* set_url - a list URL, checked */

static const char *set_url(char *dst, const char *v)
{
    const char *e = rm_source_check_url(v);

    if (e)
        return e;
    snprintf(dst, RM_URL_LEN, "%s", v);
    return NULL;
}

/* set_value - apply one setting; returns NULL or what was wrong */

static const char *set_value(rm_config *c, enum key k, const char *v, char *why, size_t whylen)
{
    switch (k) {
    case K_MILTER_SOCKET:
        return set_socket(c->milter_socket, sizeof(c->milter_socket), v, check_milter_socket);
    case K_POLICY_SOCKET:
        return set_socket(c->policy_socket, sizeof(c->policy_socket), v, check_policy_socket);
    case K_CONTROL_SOCKET:
        if (v[0] == '\0')
            return "expected a path";
        return set_path(c->control_socket, c->dir, v) < 0 ? "path too long" : NULL;
    case K_RELAY_FLAGS:
        if (v[0] == '\0')
            return "expected flag names (deny, allow, local, auth), none, or a number 0-15";
        if (rm_flags_parse(v, &c->relay_flags, why, whylen) < 0)
            return why;
        return NULL;
    case K_ALLOW_LIST:
    case K_DENY_LIST:
    case K_LOCAL_IP_LIST: {
            int     kind = k == K_ALLOW_LIST ? RM_LIST_ALLOW : k == K_DENY_LIST ? RM_LIST_DENY : RM_LIST_LOCAL;

            if (v[0] == '\0')
                return "expected a path";
            c->list_url[kind][0] = '\0';
            if (rm_source_is_url(v))
                return set_url(c->list_url[kind], v);
            return set_path(c->list_path[kind], c->dir, v) < 0 ? "path too long" : NULL;
        }
    case K_LOCAL_DOMAINS: {
            char   *copy;
            const char *e;

            c->domains_url[0] = '\0';
            if (strncmp(v, "url:", 4) == 0 && (e = set_url(c->domains_url, v + 4)) != NULL)
                return e;
            if ((copy = rm_strdup(v)) == NULL)
                return "out of memory";
            rm_free(c->local_domains);
            c->local_domains = copy;
            return NULL;
        }
    case K_RELAY_DETECT:
        if (strcasecmp(v, "domains") == 0)
            c->relay_detect = RM_DETECT_DOMAINS;
        else if (strcasecmp(v, "mailer") == 0)
            c->relay_detect = RM_DETECT_MAILER;
        else
            return "expected domains or mailer";
        return NULL;
    case K_LOCAL_MAILERS:
        if (snprintf(c->local_mailers, sizeof(c->local_mailers), "%s", v) >= (int) sizeof(c->local_mailers))
            return "value too long";
        return NULL;
    case K_LOCAL_SUBMISSION:
        if (strcasecmp(v, "allow") == 0)
            c->local_submission_allow = true;
        else if (strcasecmp(v, "policy") == 0)
            c->local_submission_allow = false;
        else
            return "expected allow or policy";
        return NULL;
    case K_MODE:
        if (strcasecmp(v, "enforce") == 0)
            c->mode = RM_MODE_ENFORCE;
        else if (strcasecmp(v, "report") == 0)
            c->mode = RM_MODE_REPORT;
        else
            return "expected enforce or report";
        return NULL;
    case K_ON_ERROR:
        if (strcasecmp(v, "tempfail") == 0)
            c->on_error = RM_ON_ERROR_TEMPFAIL;
        else if (strcasecmp(v, "accept") == 0)
            c->on_error = RM_ON_ERROR_ACCEPT;
        else if (strcasecmp(v, "reject") == 0)
            c->on_error = RM_ON_ERROR_REJECT;
        else
            return "expected tempfail, accept or reject";
        return NULL;
    case K_REJECT_REPLY:
        /* Must be a 5xx reply with an RFC 3463 enhanced status code. */
        if (!(v[0] == '5' && v[1] >= '0' && v[1] <= '5' && v[2] >= '0' && v[2] <= '9' && v[3] == ' '
              && v[4] == '5' && v[5] == '.' && strchr(v + 6, ' ') != NULL))
            return "expected a 5xx reply with an enhanced status code, like \"550 5.7.1 Relay access denied\"";
        if (strchr(v, '%') != NULL)
            return "'%' is not allowed in the reply text";
        if (snprintf(c->reject_reply, sizeof(c->reject_reply), "%s", v) >= (int) sizeof(c->reject_reply))
            return "value too long";
        return NULL;
    case K_MAX_ENTRIES:
        if (parse_u64(v, 1, 1000000000u, &c->max_entries) < 0)
            return "expected a number from 1 to 1000000000";
        return NULL;
    case K_MAX_LIST_BYTES:
        if (parse_u64(v, 1, (uint64_t) 64 << 30, &c->max_list_bytes) < 0)
            return "expected a number of bytes from 1 to 68719476736";
        return NULL;
    case K_USER:
        if (snprintf(c->user, sizeof(c->user), "%s", v) >= (int) sizeof(c->user))
            return "value too long";
        return NULL;
    case K_PID_FILE:
        if (v[0] == '\0') {
            c->pid_file[0] = '\0';
            return NULL;
        }
        return set_path(c->pid_file, c->dir, v) < 0 ? "path too long" : NULL;
    case K_LOG_ALLOWED:
        if (strcasecmp(v, "yes") == 0)
            c->log_allowed = true;
        else if (strcasecmp(v, "no") == 0)
            c->log_allowed = false;
        else
            return "expected yes or no";
        return NULL;
    case K_LIST_POLL_INTERVAL:
    case K_LIST_FETCH_TIMEOUT: {
            uint64_t x;

            if (parse_u64(v, 1, 86400, &x) < 0)
                return "expected a number of seconds from 1 to 86400";
            *(k == K_LIST_POLL_INTERVAL ? &c->list_poll_interval : &c->list_fetch_timeout) = (unsigned) x;
            return NULL;
        }
    case K_LIST_CACHE_DIR:
        if (v[0] == '\0')
            return "expected a directory";
        return set_path(c->list_cache_dir, c->dir, v) < 0 ? "path too long" : NULL;
    case K_LIST_SIGNING_KEY:
    case K_LIST_CA_FILE: {
            char   *dst = k == K_LIST_SIGNING_KEY ? c->list_signing_key : c->list_ca_file;

            dst[0] = '\0';
            return v[0] == '\0' ? NULL : set_path(dst, c->dir, v) < 0 ? "path too long" : NULL;
        }
    case K_WATCH_FILES:
        if (strcasecmp(v, "yes") == 0)
            c->watch_files = true;
        else if (strcasecmp(v, "no") == 0)
            c->watch_files = false;
        else
            return "expected yes or no";
        return NULL;
    default:
        return "internal error: unknown key";
    }
}

/* rm_config_defaults - the configuration of an empty file */

rm_config *rm_config_defaults(const char *dir)
{
    rm_config *c;
    char    why[256];

    if ((c = rm_calloc(1, sizeof(*c))) == NULL)
        return NULL;
    snprintf(c->dir, sizeof(c->dir), "%s", dir ? dir : "");
    for (size_t k = 0; k < K__COUNT; k++) {
        if (k == K_LOCAL_DOMAINS || k == K_USER || k == K_PID_FILE
            || k == K_LIST_SIGNING_KEY || k == K_LIST_CA_FILE)
            continue;
        if (set_value(c, (enum key) k, keys[k].dflt, why, sizeof(why)) != NULL) {
            rm_config_free(c);
            return NULL;
        }
    }
    if ((c->local_domains = rm_strdup("")) == NULL) {
        rm_config_free(c);
        return NULL;
    }
    return c;
}

void    rm_config_free(rm_config *c)
{
    if (c) {
        rm_free(c->local_domains);
        rm_free(c);
    }
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/*
 * A setting may span continuation lines, joined into one buffer; the map
 * remembers where each piece came from, so that a message about any byte
 * names its own line and column.
 */
typedef struct segmap {
    size_t  n;
    struct {
        size_t  off;                    /* where the piece starts in the buffer */
        unsigned line;
        unsigned col;                   /* its column in that line */
    }       seg[64];
} segmap;

static void seg_add(segmap *m, size_t off, unsigned line, unsigned col)
{
    if (m->n < sizeof(m->seg) / sizeof(m->seg[0])) {
        m->seg[m->n].off = off;
        m->seg[m->n].line = line;
        m->seg[m->n].col = col;
        m->n++;
    }
}

/* seg_where - line and column of byte off of the joined setting */

static void seg_where(const segmap *m, size_t off, unsigned *line, unsigned *col)
{
    size_t  i = 0;

    while (i + 1 < m->n && m->seg[i + 1].off <= off)
        i++;
    *line = m->seg[i].line;
    *col = m->seg[i].col + (unsigned) (off - m->seg[i].off);
}

/* apply_logical_line - "name = value" spanning s[0..len) (continuations joined) */

static void apply_logical_line(rm_config *c, const char *name, char *s, size_t len,
                               const segmap *map, rm_diag *d)
{
    char   *eq, *ks, *ke, *vs, *ve;
    size_t  k;
    char    why[256];
    const char *err;
    unsigned line = map->seg[0].line, vline, vcol;

    s[len] = '\0';
    if ((eq = strchr(s, '=')) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, line, 1, "expected \"name = value\"");
        return;
    }
    ks = s;
    while (is_space(*ks))
        ks++;
    ke = eq;
    while (ke > ks && is_space(ke[-1]))
        ke--;
    vs = eq + 1;
    while (is_space(*vs) || *vs == '\n')
        vs++;
    ve = s + len;
    while (ve > vs && (is_space(ve[-1]) || ve[-1] == '\n'))
        ve--;
    *ke = '\0';
    *ve = '\0';
    /* Continuation lines were joined with newlines; make them spaces. */
    for (char *p = vs; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    if (*ks == '\0') {
        rm_diag_add(d, RM_SEV_ERROR, name, line, 1, "missing setting name before '='");
        return;
    }
    for (k = 0; k < K__COUNT; k++)
        if (strcmp(keys[k].name, ks) == 0)
            break;
    if (k == K__COUNT) {
        char    q[RM_QUOTE_LEN(60)];

        rm_diag_add(d, RM_SEV_ERROR, name, line, (unsigned) (ks - s) + 1,
                    "unknown setting %s", rm_text_quote(q, sizeof(q), ks, strlen(ks)));
        return;
    }
    if (c->set_line[k])
        rm_diag_add(d, RM_SEV_WARNING, name, line, (unsigned) (ks - s) + 1,
                    "%s is set again (first on line %u); the later value wins",
                    keys[k].name, c->set_line[k]);
    if ((err = set_value(c, (enum key) k, vs, why, sizeof(why))) != NULL) {
        seg_where(map, (size_t) (vs - s), &vline, &vcol);
        rm_diag_add(d, RM_SEV_ERROR, name, vline, vcol, "bad value for %s: %s", keys[k].name, err);
        return;
    }
    c->set_line[k] = line;
}

/*
 * resolve_urls - a URL list is read from its cache file: point list_path
 * (and local_domains) there, now that list_cache_dir is known.
 */
static int resolve_urls(rm_config *c)
{
    char    path[RM_PATH_LEN + 8];

    for (int k = 0; k < RM_LIST__COUNT; k++)
        if (c->list_url[k][0]
            && rm_source_cache_path(c->list_cache_dir, c->list_url[k], c->list_path[k], RM_PATH_LEN) < 0)
            return -1;
    if (c->domains_url[0]) {
        char   *v;

        memcpy(path, "file:", 5);
        if (rm_source_cache_path(c->list_cache_dir, c->domains_url, path + 5, sizeof(path) - 5) < 0
            || (v = rm_strdup(path)) == NULL)
            return -1;
        rm_free(c->local_domains);
        c->local_domains = v;
    }
    return 0;
}

bool    rm_config_has_urls(const rm_config *c)
{
    for (int k = 0; k < RM_LIST__COUNT; k++)
        if (c->list_url[k][0])
            return true;
    return c->domains_url[0] != '\0';
}

/* rm_config_parse_buffer - parse settings from memory */

int     rm_config_parse_buffer(const char *name, const char *dir, const char *buf,
                               size_t len, rm_config **out, rm_diag *d)
{
    rm_config *c;
    char   *logical;
    size_t  llen = 0, pos = 0;
    unsigned line = 0;
    size_t  errors_before = d->errors;
    segmap  map = {0};

    if ((c = rm_config_defaults(dir)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0, "out of memory");
        return -1;
    }
    snprintf(c->path, sizeof(c->path), "%s", name);
    if ((logical = rm_malloc(len + 1)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0, "out of memory");
        rm_config_free(c);
        return -1;
    }
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t  n = nl ? (size_t) (nl - s) : len - pos;
        size_t  i = 0;

        pos += n + (nl ? 1 : 0);
        line++;
        if (memchr(s, '\0', n) != NULL) {
            rm_diag_add(d, RM_SEV_ERROR, name, line, (unsigned) ((const char *) memchr(s, '\0', n) - s) + 1,
                        "NUL byte");
            continue;
        }
        while (i < n && is_space(s[i]))
            i++;
        if (i == n || s[i] == '#')
            continue;                   /* blank or comment: ends nothing */
        if (i > 0) {
            /* Leading white space continues the previous setting. */
            if (llen == 0) {
                rm_diag_add(d, RM_SEV_ERROR, name, line, (unsigned) i + 1,
                            "continuation line without a setting before it");
                continue;
            }
            logical[llen++] = '\n';
            seg_add(&map, llen, line, (unsigned) i + 1);
            memcpy(logical + llen, s + i, n - i);
            llen += n - i;
            continue;
        }
        if (llen > 0)
            apply_logical_line(c, name, logical, llen, &map, d);
        memcpy(logical, s, n);
        llen = n;
        map.n = 0;
        seg_add(&map, 0, line, 1);
    }
    if (llen > 0)
        apply_logical_line(c, name, logical, llen, &map, d);
    rm_free(logical);
    if (d->errors == errors_before && c->milter_socket[0] == '\0' && c->policy_socket[0] == '\0')
        rm_diag_add(d, RM_SEV_ERROR, name, c->set_line[K_MILTER_SOCKET], 0,
                    "milter_socket and policy_socket are both empty: nothing would be served");
    if (d->errors == errors_before && resolve_urls(c) < 0)
        rm_diag_add(d, RM_SEV_ERROR, name, c->set_line[K_LIST_CACHE_DIR], 0,
                    "list_cache_dir: path too long for the cache files of URL lists");
    if (d->errors > errors_before) {
        rm_config_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

/* rm_config_load - read and parse a configuration file */

int     rm_config_load(const char *path, rm_config **out, rm_diag *d)
{
    char   *buf, dir[RM_PATH_LEN];
    const char *slash;
    struct stat st;
    size_t  len;
    int     rc;

    /* Who the daemon's user is, the file says: check ownership after. */
    if (rm_file_read(path, NULL, MAX_CONFIG_BYTES, &buf, &len, &st, d) < 0)
        return -1;
    if ((slash = strrchr(path, '/')) == NULL)
        dir[0] = '\0';                  /* relative paths stay relative to "." */
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
    rc = rm_config_parse_buffer(path, dir, buf, len, out, d);
    rm_free(buf);
    if (rc < 0)
        return rc;
    if (rm_trust_user(&(*out)->trust, (*out)->user, path, rm_config_key_line(*out, "user"), d) < 0
        || rm_trust_check_user(path, &st, &(*out)->trust, d) < 0) {
        rm_config_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* rm_config_mailer_is_local - is mailer in local_mailers? (case-insensitive) */

bool    rm_config_mailer_is_local(const rm_config *c, const char *mailer)
{
    const char *p = c->local_mailers;
    size_t  mlen = strlen(mailer);

    if (mlen == 0)
        return false;
    while (*p) {
        size_t  n = strcspn(p, ", \t");

        if (n == mlen && strncasecmp(p, mailer, n) == 0)
            return true;
        p += n;
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
    }
    return false;
}

/* rm_config_key_line - where a setting was written, for messages */

unsigned rm_config_key_line(const rm_config *c, const char *name)
{
    for (size_t k = 0; k < K__COUNT; k++)
        if (strcmp(keys[k].name, name) == 0)
            return c->set_line[k];
    return 0;
}

/* rm_config_sniff - the first line that sets a known setting, or 0 */

unsigned rm_config_sniff(const char *text, size_t len, size_t *key)
{
    unsigned line = 1;

    for (size_t i = 0; i < len; line++) {
        size_t  b = i, e;

        while (i < len && text[i] != '\n')
            i++;
        e = i++;
        while (b < e && (text[b] == ' ' || text[b] == '\t'))
            b++;
        for (size_t k = 0; k < rm_config_key_count(); k++) {
            const char *name = rm_config_key_name(k);
            size_t  n = strlen(name), j = b + n;

            /* cppcheck-suppress knownConditionTrueFalse ; false positive: e - b is the line's length, n the name's */
            if (e - b <= n || strncmp(text + b, name, n) != 0)
                continue;
            while (j < e && (text[j] == ' ' || text[j] == '\t'))
                j++;
            if (j < e && text[j] == '=') {
                *key = k;
                return line;
            }
        }
    }
    return 0;
}
