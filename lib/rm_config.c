/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_config - relaymilter.conf: name = value lines, like Postfix's main.cf */

/*
 * Each setting is one row of keys[]: its name, its default, how its value
 * is read (text, path, bounded number, one of a name table, or a setter of
 * its own) and where it is stored, in the way of Postfix's CONFIG_INT_TABLE
 * and CONFIG_STR_TABLE rows.  set_value() only dispatches on the row's
 * type; what a setting accepts is read from its row, and so is the
 * message that says what was expected.  A list's setting and default are
 * its list kind's (rm_kind).
 */

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rm_config.h"
#include "rm_file.h"
#include "rm_kind.h"
#include "rm_list.h"
#include "rm_mem.h"
#include "rm_scan.h"
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

_Static_assert(K__COUNT <= sizeof(((rm_config *) 0)->set_line) / sizeof(unsigned),
               "rm_config's set_line[] holds a line for every setting");

/* The enumerated values, both ways (rm_name); the first name is the default's. */
const rm_name_code rm_config_detect_names[] = {
    {"domains", RM_DETECT_DOMAINS}, {"mailer", RM_DETECT_MAILER}, {NULL, -1},
};
const rm_name_code rm_config_mode_names[] = {
    {"enforce", RM_MODE_ENFORCE}, {"report", RM_MODE_REPORT}, {NULL, -1},
};
const rm_name_code rm_config_on_error_names[] = {
    {"tempfail", RM_ON_ERROR_TEMPFAIL}, {"accept", RM_ON_ERROR_ACCEPT},
    {"reject", RM_ON_ERROR_REJECT}, {NULL, -1},
};
const rm_name_code rm_config_submission_names[] = {
    {"allow", 1}, {"policy", 0}, {NULL, -1},
};
const rm_name_code rm_config_yes_no[] = {
    {"yes", 1}, {"no", 0}, {NULL, -1},
};

/* CF_NAME stores a code in a bool or in one of these enums, as an int. */
_Static_assert(sizeof(enum rm_detect) == sizeof(int) && sizeof(enum rm_mode) == sizeof(int)
               && sizeof(enum rm_on_error) == sizeof(int) && sizeof(bool) != sizeof(int),
               "CF_NAME targets are an int-sized enum or a bool");

/* How a row's value is read. */
enum cf_type {
    CF_STR,                             /* text as written, once check() accepts it */
    CF_PATH,                            /* a path, against the file's directory */
    CF_NUM,                             /* a decimal number from min to max */
    CF_NAME,                            /* one of names[], stored as its code */
    CF_FUNC,                            /* set() reads and stores it */
};

typedef struct cf_row {
    const char *name;
    const char *dflt;                   /* as the manual shows it */
    enum cf_type type;
    size_t  off;                        /* the target in rm_config (not CF_FUNC) */
    size_t  size;
    uint64_t min, max;                  /* CF_NUM's bounds */
    const char *what;                   /* CF_NUM: "a number of ..."; CF_PATH: what
                                         * an empty value lacks, NULL: "" is off */
    const rm_name_code *names;          /* CF_NAME */
    const char *(*check) (const char *v);   /* CF_STR: NULL or what is wrong */
    const char *(*set) (rm_config *c, const struct cf_row *r, const char *v,
                        char *why, size_t whylen);  /* CF_FUNC */
    int     kind;                       /* set_list's list kind */
} cf_row;

#define TARGET(f) offsetof(rm_config, f), sizeof(((rm_config *) 0)->f)

static const char *check_milter_socket(const char *);
static const char *check_policy_socket(const char *);
static const char *check_reply(const char *);
static const char *set_flags(rm_config *, const cf_row *, const char *, char *, size_t);
static const char *set_list(rm_config *, const cf_row *, const char *, char *, size_t);
static const char *set_domains(rm_config *, const cf_row *, const char *, char *, size_t);

/* One row per setting, in the order of the manual. */
static const cf_row keys[K__COUNT] = {
    [K_MILTER_SOCKET] = {"milter_socket", "inet:8891@127.0.0.1", CF_STR, TARGET(milter_socket),
    .check = check_milter_socket},
    [K_CONTROL_SOCKET] = {"control_socket", "/run/relaymilter/control.sock", CF_PATH,
    TARGET(control_socket), .what = "a path"},
    [K_RELAY_FLAGS] = {"relay_flags", "allow, auth", CF_FUNC, .set = set_flags},
    [K_ALLOW_LIST] = {RM_VAR_ALLOW_LIST, RM_DEF_ALLOW_LIST, CF_FUNC, .set = set_list,
    .kind = RM_LIST_ALLOW},
    [K_DENY_LIST] = {RM_VAR_DENY_LIST, RM_DEF_DENY_LIST, CF_FUNC, .set = set_list,
    .kind = RM_LIST_DENY},
    [K_LOCAL_IP_LIST] = {RM_VAR_LOCAL_IP_LIST, RM_DEF_LOCAL_IP_LIST, CF_FUNC, .set = set_list,
    .kind = RM_LIST_LOCAL},
    [K_LOCAL_DOMAINS] = {"local_domains", "", CF_FUNC, .set = set_domains},
    [K_RELAY_DETECT] = {"relay_detect", "domains", CF_NAME, TARGET(relay_detect),
    .names = rm_config_detect_names},
    [K_LOCAL_MAILERS] = {"local_mailers", "local, virtual, lmtp", CF_STR, TARGET(local_mailers),
    .check = NULL},
    [K_LOCAL_SUBMISSION] = {"local_submission", "allow", CF_NAME, TARGET(local_submission_allow),
    .names = rm_config_submission_names},
    [K_MODE] = {"mode", "enforce", CF_NAME, TARGET(mode), .names = rm_config_mode_names},
    [K_ON_ERROR] = {"on_error", "tempfail", CF_NAME, TARGET(on_error),
    .names = rm_config_on_error_names},
    [K_REJECT_REPLY] = {"reject_reply", "550 5.7.1 Relay access denied", CF_STR,
    TARGET(reject_reply), .check = check_reply},
    [K_MAX_ENTRIES] = {"max_entries", "16000000", CF_NUM, TARGET(max_entries),
    .min = 1, .max = 1000000000u, .what = "a number"},
    [K_MAX_LIST_BYTES] = {"max_list_bytes", "1073741824", CF_NUM, TARGET(max_list_bytes),
    .min = 1, .max = (uint64_t) 64 << 30, .what = "a number of bytes"},
    [K_USER] = {"user", "", CF_STR, TARGET(user), .check = NULL},
    [K_PID_FILE] = {"pid_file", "", CF_PATH, TARGET(pid_file), .what = NULL},
    [K_LOG_ALLOWED] = {"log_allowed", "no", CF_NAME, TARGET(log_allowed), .names = rm_config_yes_no},
    [K_POLICY_SOCKET] = {"policy_socket", "", CF_STR, TARGET(policy_socket),
    .check = check_policy_socket},
    /* Lists for a fleet: URL lists and watched files. */
    [K_LIST_POLL_INTERVAL] = {"list_poll_interval", "60", CF_NUM, TARGET(list_poll_interval),
    .min = 1, .max = 86400, .what = "a number of seconds"},
    [K_LIST_FETCH_TIMEOUT] = {"list_fetch_timeout", "30", CF_NUM, TARGET(list_fetch_timeout),
    .min = 1, .max = 86400, .what = "a number of seconds"},
    [K_LIST_CACHE_DIR] = {"list_cache_dir", "/var/cache/relaymilter", CF_PATH,
    TARGET(list_cache_dir), .what = "a directory"},
    [K_LIST_SIGNING_KEY] = {"list_signing_key", "", CF_PATH, TARGET(list_signing_key),
    .what = NULL},
    [K_LIST_CA_FILE] = {"list_ca_file", "", CF_PATH, TARGET(list_ca_file), .what = NULL},
    [K_WATCH_FILES] = {"watch_files", "yes", CF_NAME, TARGET(watch_files), .names = rm_config_yes_no},
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

static int set_path(char *dst, size_t len, const char *dir, const char *v)
{
    int     n;

    if (v[0] == '/' || dir[0] == '\0')
        n = snprintf(dst, len, "%s", v);
    else
        n = snprintf(dst, len, "%s/%s", dir, v);
    return n < 0 || (size_t) n >= len ? -1 : 0;
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

/* check_milter_socket - inet:PORT@HOST, inet6:PORT@HOST, unix:PATH, or "" (off) */

static const char *check_milter_socket(const char *v)
{
    const char *at;
    uint64_t port;
    char    portbuf[16];
    size_t  plen;

    if (v[0] == '\0')
        return NULL;
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

/* check_policy_socket - inet:PORT@HOST, unix:PATH or "", as the policy service takes them */

static const char *check_policy_socket(const char *v)
{
    if (strncmp(v, "inet6:", 6) == 0 || strncmp(v, "local:", 6) == 0)
        return "expected inet:PORT@HOST or unix:PATH";
    return check_milter_socket(v);
}

/* check_reply - a 5xx reply with an RFC 3463 enhanced status code, and no '%' */

static const char *check_reply(const char *v)
{
    if (!(v[0] == '5' && v[1] >= '0' && v[1] <= '5' && v[2] >= '0' && v[2] <= '9' && v[3] == ' '
          && v[4] == '5' && v[5] == '.' && strchr(v + 6, ' ') != NULL))
        return "expected a 5xx reply with an enhanced status code, like \"550 5.7.1 Relay access denied\"";
    if (strchr(v, '%') != NULL)
        return "'%' is not allowed in the reply text";
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

/* set_flags - relay_flags: names or the Exchange number */

static const char *set_flags(rm_config *c, const cf_row *r, const char *v, char *why, size_t whylen)
{
    (void) r;
    if (v[0] == '\0')
        return "expected flag names (deny, allow, local, auth), none, or a number 0-15";
    if (rm_flags_parse(v, &c->relay_flags, why, whylen) < 0)
        return why;
    return NULL;
}

/* set_list - a list's file, or the URL whose cached copy is read */

static const char *set_list(rm_config *c, const cf_row *r, const char *v, char *why, size_t whylen)
{
    (void) why;
    (void) whylen;
    if (v[0] == '\0')
        return "expected a path";
    c->list_url[r->kind][0] = '\0';
    if (rm_source_is_url(v))
        return set_url(c->list_url[r->kind], v);
    return set_path(c->list_path[r->kind], RM_PATH_LEN, c->dir, v) < 0 ? "path too long" : NULL;
}

/* set_domains - local_domains, kept raw for rm_domains; url:URL is checked */

static const char *set_domains(rm_config *c, const cf_row *r, const char *v, char *why, size_t whylen)
{
    char   *copy;
    const char *e;

    (void) r;
    (void) why;
    (void) whylen;
    c->domains_url[0] = '\0';
    if (strncmp(v, "url:", 4) == 0 && (e = set_url(c->domains_url, v + 4)) != NULL)
        return e;
    if ((copy = rm_strdup(v)) == NULL)
        return "out of memory";
    rm_free(c->local_domains);
    c->local_domains = copy;
    return NULL;
}

/* set_name - CF_NAME: the code of one of the row's names */

static const char *set_name(const cf_row *r, char *dst, const char *v, char *why, size_t whylen)
{
    int     code = rm_name_lookup(r->names, v);
    int     n;

    if (code < 0) {
        n = snprintf(why, whylen, "expected ");
        if (n > 0 && (size_t) n < whylen)
            rm_name_expect(r->names, why + n, whylen - (size_t) n);
        return why;
    }
    if (r->size == sizeof(bool)) {
        bool    b = code != 0;

        memcpy(dst, &b, sizeof(b));
    } else if (r->size == sizeof(code)) {
        memcpy(dst, &code, sizeof(code));
    } else {
        return "internal error: a name's target is neither a bool nor an enum";
    }
    return NULL;
}

/* set_num - CF_NUM: a number within the row's bounds */

static const char *set_num(const cf_row *r, char *dst, const char *v, char *why, size_t whylen)
{
    uint64_t x;

    if (parse_u64(v, r->min, r->max, &x) < 0) {
        snprintf(why, whylen, "expected %s from %llu to %llu", r->what,
                 (unsigned long long) r->min, (unsigned long long) r->max);
        return why;
    }
    if (r->size == sizeof(uint64_t)) {
        memcpy(dst, &x, sizeof(x));
    } else if (r->size == sizeof(unsigned) && r->max <= UINT_MAX) {
        unsigned u = (unsigned) x;

        memcpy(dst, &u, sizeof(u));
    } else {
        return "internal error: a number's target is too small for its bounds";
    }
    return NULL;
}

/* set_value - apply one setting as its row says; returns NULL or what was wrong */

static const char *set_value(rm_config *c, enum key k, const char *v, char *why, size_t whylen)
{
    const cf_row *r = &keys[k];
    char   *dst = (char *) c + r->off;
    const char *e;

    switch (r->type) {
    case CF_STR:
        if (r->check && (e = r->check(v)) != NULL)
            return e;
        return snprintf(dst, r->size, "%s", v) >= (int) r->size ? "value too long" : NULL;
    case CF_PATH:
        if (v[0] == '\0' && r->what) {
            snprintf(why, whylen, "expected %s", r->what);
            return why;
        }
        dst[0] = '\0';
        if (v[0] == '\0')
            return NULL;
        return set_path(dst, r->size, c->dir, v) < 0 ? "path too long" : NULL;
    case CF_NUM:
        return set_num(r, dst, v, why, whylen);
    case CF_NAME:
        return set_name(r, dst, v, why, whylen);
    case CF_FUNC:
        return r->set(c, r, v, why, whylen);
    }
    return "internal error: unknown setting type";
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
        if (set_value(c, (enum key) k, keys[k].dflt, why, sizeof(why)) != NULL) {
            rm_config_free(c);
            return NULL;
        }
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
    size_t  llen = 0;
    size_t  errors_before = d->errors;
    segmap  map = {0};
    rm_scan sc;
    rm_scan_line ln;

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
    rm_scan_init(&sc, buf, len, RM_SCAN_CHECK_NUL);
    while (rm_scan_next(&sc, &ln)) {
        /* From the first non-blank to the line's end: the logical line
         * is trimmed once it is whole. */
        const char *s = ln.text + ln.col - 1;
        size_t  n = ln.textlen - (ln.col - 1);

        if (ln.fault == RM_SCAN_NUL) {
            rm_diag_add(d, RM_SEV_ERROR, name, ln.line, ln.fault_col, "NUL byte");
            continue;
        }
        if (ln.toklen == 0)
            continue;                   /* blank or comment: ends nothing */
        if (ln.col > 1) {
            /* Leading white space continues the previous setting. */
            if (llen == 0) {
                rm_diag_add(d, RM_SEV_ERROR, name, ln.line, ln.col,
                            "continuation line without a setting before it");
                continue;
            }
            logical[llen++] = '\n';
            seg_add(&map, llen, ln.line, ln.col);
            memcpy(logical + llen, s, n);
            llen += n;
            continue;
        }
        if (llen > 0)
            apply_logical_line(c, name, logical, llen, &map, d);
        memcpy(logical, s, n);
        llen = n;
        map.n = 0;
        seg_add(&map, 0, ln.line, 1);
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
    rm_scan sc;
    rm_scan_line ln;

    rm_scan_init(&sc, text, len, 0);
    while (rm_scan_next(&sc, &ln)) {
        for (size_t k = 0; k < rm_config_key_count(); k++) {
            const char *name = rm_config_key_name(k);
            size_t  n = strlen(name), j = n;

            if (ln.toklen <= n || strncmp(ln.tok, name, n) != 0)
                continue;
            while (j < ln.toklen && (ln.tok[j] == ' ' || ln.tok[j] == '\t'))
                j++;
            if (j < ln.toklen && ln.tok[j] == '=') {
                *key = k;
                return ln.line;
            }
        }
    }
    return 0;
}
