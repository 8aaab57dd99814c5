/* SPDX-License-Identifier: BSD-2-Clause */
/* check_config - relaymilter.conf settings, and the local domains */

/*
 * Every setting is a row: its name, its default (DESIGN.md's table), values
 * that must be taken and what they become, values that must be refused and
 * the message.  The test walks rm_config_key_name(), so a setting added to
 * the library without a row here fails the suite.
 */

#include <limits.h>
#include <stdbool.h>

#include "unit_util.h"
#include "rm_config.h"
#include "rm_domains.h"
#include "rm_snapshot.h"

#define CONF "t.conf"
#define DIR "/etc/rm"

static char sentinel_storage;
#define CSENTINEL ((rm_config *) (void *) &sentinel_storage)
#define DSENTINEL ((rm_domains *) (void *) &sentinel_storage)

/* render - one setting of a loaded configuration, as text */

static const char *render(const rm_config *c, const char *key, char *buf, size_t len)
{
    static const char *const detect[] = {"domains", "mailer"};
    static const char *const mode[] = {"enforce", "report"};
    static const char *const on_error[] = {"tempfail", "accept", "reject"};

    if (strcmp(key, "milter_socket") == 0)
        snprintf(buf, len, "%s", c->milter_socket);
    else if (strcmp(key, "policy_socket") == 0)
        snprintf(buf, len, "%s", c->policy_socket);
    else if (strcmp(key, "control_socket") == 0)
        snprintf(buf, len, "%s", c->control_socket);
    else if (strcmp(key, "relay_flags") == 0)
        snprintf(buf, len, "%u", c->relay_flags);
    else if (strcmp(key, "allow_list") == 0)
        snprintf(buf, len, "%s", c->list_path[RM_LIST_ALLOW]);
    else if (strcmp(key, "deny_list") == 0)
        snprintf(buf, len, "%s", c->list_path[RM_LIST_DENY]);
    else if (strcmp(key, "local_ip_list") == 0)
        snprintf(buf, len, "%s", c->list_path[RM_LIST_LOCAL]);
    else if (strcmp(key, "local_domains") == 0)
        snprintf(buf, len, "%s", c->local_domains ? c->local_domains : "(null)");
    else if (strcmp(key, "relay_detect") == 0)
        snprintf(buf, len, "%s", (unsigned) c->relay_detect < 2 ? detect[c->relay_detect] : "?");
    else if (strcmp(key, "local_mailers") == 0)
        snprintf(buf, len, "%s", c->local_mailers);
    else if (strcmp(key, "local_submission") == 0)
        snprintf(buf, len, "%s", c->local_submission_allow ? "allow" : "policy");
    else if (strcmp(key, "mode") == 0)
        snprintf(buf, len, "%s", (unsigned) c->mode < 2 ? mode[c->mode] : "?");
    else if (strcmp(key, "on_error") == 0)
        snprintf(buf, len, "%s", (unsigned) c->on_error < 3 ? on_error[c->on_error] : "?");
    else if (strcmp(key, "reject_reply") == 0)
        snprintf(buf, len, "%s", c->reject_reply);
    else if (strcmp(key, "max_entries") == 0)
        snprintf(buf, len, "%llu", (unsigned long long) c->max_entries);
    else if (strcmp(key, "max_list_bytes") == 0)
        snprintf(buf, len, "%llu", (unsigned long long) c->max_list_bytes);
    else if (strcmp(key, "user") == 0)
        snprintf(buf, len, "%s", c->user);
    else if (strcmp(key, "pid_file") == 0)
        snprintf(buf, len, "%s", c->pid_file);
    else if (strcmp(key, "log_allowed") == 0)
        snprintf(buf, len, "%s", c->log_allowed ? "yes" : "no");
    /* Lists for a fleet. */
    else if (strcmp(key, "list_poll_interval") == 0)
        snprintf(buf, len, "%u", c->list_poll_interval);
    else if (strcmp(key, "list_fetch_timeout") == 0)
        snprintf(buf, len, "%u", c->list_fetch_timeout);
    else if (strcmp(key, "list_cache_dir") == 0)
        snprintf(buf, len, "%s", c->list_cache_dir);
    else if (strcmp(key, "list_signing_key") == 0)
        snprintf(buf, len, "%s", c->list_signing_key);
    else if (strcmp(key, "list_ca_file") == 0)
        snprintf(buf, len, "%s", c->list_ca_file);
    else if (strcmp(key, "watch_files") == 0)
        snprintf(buf, len, "%s", c->watch_files ? "yes" : "no");
    else
        return NULL;
    return buf;
}

/* The settings: DESIGN.md's table, and what the default becomes. */

static const struct {
    const char *name;
    const char *dflt;                   /* as written in the manual */
    const char *value;                  /* as loaded, relative paths resolved against DIR */
} defaults[] = {
    {"milter_socket", "inet:8891@127.0.0.1", "inet:8891@127.0.0.1"},
    {"control_socket", "/run/relaymilter/control.sock", "/run/relaymilter/control.sock"},
    {"relay_flags", "allow, auth", "10"},
    {"allow_list", "allow.list", DIR "/allow.list"},
    {"deny_list", "deny.list", DIR "/deny.list"},
    {"local_ip_list", "local-ip.list", DIR "/local-ip.list"},
    {"local_domains", "", ""},
    {"relay_detect", "domains", "domains"},
    {"local_mailers", "local, virtual, lmtp", "local, virtual, lmtp"},
    {"local_submission", "allow", "allow"},
    {"mode", "enforce", "enforce"},
    {"on_error", "tempfail", "tempfail"},
    {"reject_reply", "550 5.7.1 Relay access denied", "550 5.7.1 Relay access denied"},
    {"max_entries", "16000000", "16000000"},
    {"max_list_bytes", "1073741824", "1073741824"},     /* RM_DEFAULT_MAX_BYTES, not in DESIGN */
    {"user", "", ""},
    {"pid_file", "", ""},
    {"log_allowed", "no", "no"},
    {"policy_socket", "", ""},
    /* Lists for a fleet. */
    {"list_poll_interval", "60", "60"},
    {"list_fetch_timeout", "30", "30"},
    {"list_cache_dir", "/var/cache/relaymilter", "/var/cache/relaymilter"},
    {"list_signing_key", "", ""},
    {"list_ca_file", "", ""},
    {"watch_files", "yes", "yes"},
};

static int key_index(const char *name)
{
    for (size_t i = 0; i < rm_config_key_count(); i++)
        if (strcmp(rm_config_key_name(i), name) == 0)
            return (int) i;
    return -1;
}

static rm_config *parse_ok(const char *text, rm_diag *d)
{
    rm_config *c = CSENTINEL;
    char    dump[8192];

    rm_diag_init(d);
    ck_assert_msg(rm_config_parse_buffer(CONF, DIR, text, strlen(text), &c, d) == 0,
                  "\"%s\": %s", text, u_diag_dump(d, dump, sizeof(dump)));
    ck_assert_msg(c != CSENTINEL && c != NULL, "no configuration");
    ck_assert_uint_eq(d->errors, 0);
    return c;
}

/* Every setting of the library is in DESIGN.md's table (or known here),
 * with the documented default, and an empty file gives those defaults. */

START_TEST(test_config_defaults)
{
    rm_diag d;
    rm_config *c = parse_ok("", &d);
    char    got[RM_PATH_LEN];

    ck_assert_uint_eq(rm_config_key_count(), NELEM(defaults));
    ck_assert_ptr_null(rm_config_key_name(rm_config_key_count()));
    ck_assert_ptr_null(rm_config_key_default(rm_config_key_count()));
    for (size_t i = 0; i < rm_config_key_count(); i++) {
        const char *name = rm_config_key_name(i);
        size_t  k;

        for (k = 0; k < NELEM(defaults); k++)
            if (strcmp(defaults[k].name, name) == 0)
                break;
        ck_assert_msg(k < NELEM(defaults), "setting \"%s\" has no row in this test", name);
        ck_assert_msg(strcmp(rm_config_key_default(i), defaults[k].dflt) == 0,
                      "%s: documented default \"%s\", library says \"%s\"", name, defaults[k].dflt,
                      rm_config_key_default(i));
        ck_assert_msg(render(c, name, got, sizeof(got)) != NULL, "setting \"%s\" cannot be rendered", name);
        ck_assert_msg(strcmp(got, defaults[k].value) == 0, "%s: default want \"%s\" got \"%s\"",
                      name, defaults[k].value, got);
        ck_assert_msg(c->set_line[i] == 0, "%s: set_line %u for a default", name, c->set_line[i]);
    }
    for (size_t k = 0; k < NELEM(defaults); k++)
        ck_assert_msg(key_index(defaults[k].name) >= 0, "documented setting \"%s\" is unknown", defaults[k].name);
    ck_assert_str_eq(c->path, CONF);
    ck_assert_str_eq(c->dir, DIR);
    rm_config_free(c);

    /* rm_config_defaults is the same as an empty file */
    c = rm_config_defaults(DIR);
    ck_assert_ptr_nonnull(c);
    for (size_t k = 0; k < NELEM(defaults); k++) {
        render(c, defaults[k].name, got, sizeof(got));
        ck_assert_msg(strcmp(got, defaults[k].value) == 0, "rm_config_defaults: %s want \"%s\" got \"%s\"",
                      defaults[k].name, defaults[k].value, got);
    }
    rm_config_free(c);
}
END_TEST

/* Values that are taken, and what they become. */

static const struct {
    const char *key;
    const char *value;
    const char *want;
} good_values[] = {
    {"milter_socket", "unix:/run/relaymilter/milter.sock", "unix:/run/relaymilter/milter.sock"},
    {"milter_socket", "local:/run/m.sock", "local:/run/m.sock"},
    {"milter_socket", "inet6:8891@::1", "inet6:8891@::1"},
    {"milter_socket", "inet:65535@localhost", "inet:65535@localhost"},
    {"milter_socket", "inet:1@192.0.2.1", "inet:1@192.0.2.1"},
    {"policy_socket", "inet:10040@127.0.0.1", "inet:10040@127.0.0.1"},
    {"policy_socket", "inet:10040@::1", "inet:10040@::1"},
    {"policy_socket", "unix:/run/relaymilter/policy.sock", "unix:/run/relaymilter/policy.sock"},
    {"control_socket", "/tmp/c.sock", "/tmp/c.sock"},
    {"control_socket", "run/c.sock", DIR "/run/c.sock"},
    {"relay_flags", "deny", "1"},
    {"relay_flags", "15", "15"},
    {"relay_flags", "0", "0"},
    {"relay_flags", "none", "0"},
    {"relay_flags", "local , auth", "12"},
    {"relay_flags", "deny allow", "3"},
    {"allow_list", "a.list", DIR "/a.list"},
    {"allow_list", "/srv/lists/a.list", "/srv/lists/a.list"},
    {"allow_list", "lists/a.list", DIR "/lists/a.list"},
    {"deny_list", "d.list", DIR "/d.list"},
    {"deny_list", "/d.list", "/d.list"},
    {"local_ip_list", "l.list", DIR "/l.list"},
    {"local_ip_list", "/var/l.list", "/var/l.list"},
    {"local_domains", "example.com, example.net", "example.com, example.net"},
    {"local_domains", "file:domains", "file:domains"},
    {"relay_detect", "mailer", "mailer"},
    {"relay_detect", "Domains", "domains"},
    {"local_mailers", "local virtual", "local virtual"},
    {"local_submission", "policy", "policy"},
    {"local_submission", "allow", "allow"},
    {"log_allowed", "yes", "yes"},
    {"log_allowed", "No", "no"},
    {"mode", "report", "report"},
    {"mode", "ENFORCE", "enforce"},
    {"on_error", "accept", "accept"},
    {"on_error", "reject", "reject"},
    {"on_error", "TempFail", "tempfail"},
    {"reject_reply", "554 5.7.1 Go away", "554 5.7.1 Go away"},
    {"reject_reply", "550 5.7.1 Relaying denied: ask postmaster@example.com",
     "550 5.7.1 Relaying denied: ask postmaster@example.com"},
    {"max_entries", "1", "1"},
    {"max_entries", "1000000000", "1000000000"},
    {"max_list_bytes", "1", "1"},
    {"max_list_bytes", "68719476736", "68719476736"},
    {"user", "relaymilter", "relaymilter"},
    {"pid_file", "/run/relaymilter.pid", "/run/relaymilter.pid"},
    {"pid_file", "rm.pid", DIR "/rm.pid"},
    {"pid_file", "", ""},
    /* Lists for a fleet. */
    {"list_poll_interval", "1", "1"},
    {"list_poll_interval", "86400", "86400"},
    {"list_fetch_timeout", "5", "5"},
    {"list_cache_dir", "cache", DIR "/cache"},
    {"list_signing_key", "lists.pub", DIR "/lists.pub"},
    {"list_signing_key", "", ""},
    {"list_ca_file", "/etc/ssl/ca.pem", "/etc/ssl/ca.pem"},
    {"watch_files", "no", "no"},
    {"watch_files", "YES", "yes"},
};

START_TEST(test_config_good_values)
{
    const char *key = good_values[_i].key;
    char    text[512], got[RM_PATH_LEN];
    rm_diag d;
    rm_config *c;
    int     k = key_index(key);

    ck_assert_msg(k >= 0, "unknown setting %s", key);
    snprintf(text, sizeof(text), "# comment\n%s = %s\n", key, good_values[_i].value);
    c = parse_ok(text, &d);
    ck_assert_uint_eq(d.warnings, 0);
    render(c, key, got, sizeof(got));
    ck_assert_msg(strcmp(got, good_values[_i].want) == 0, "%s = %s: want \"%s\" got \"%s\"", key,
                  good_values[_i].value, good_values[_i].want, got);
    ck_assert_msg(c->set_line[k] == 2, "%s: set_line want 2 got %u", key, c->set_line[k]);
    rm_config_free(c);
}
END_TEST

/* Values that are refused: "t.conf:3:COL: error: bad value for KEY: WHY",
 * COL being where the value starts. */

static char long_value[1200];
static char longer_value[5000];

static const struct {
    const char *key;
    const char *value;
    const char *why;
} bad_values[] = {
    {"milter_socket", "foo", "expected inet:PORT@HOST, inet6:PORT@HOST or unix:PATH"},
    {"milter_socket", "inet:0@127.0.0.1", "port must be a number from 1 to 65535"},
    {"milter_socket", "inet:65536@127.0.0.1", "port must be a number from 1 to 65535"},
    {"milter_socket", "inet:x@127.0.0.1", "port must be a number from 1 to 65535"},
    {"milter_socket", "inet:8891", "expected PORT@HOST after inet: or inet6:"},
    {"milter_socket", "inet6:8891@", "expected PORT@HOST after inet: or inet6:"},
    {"milter_socket", "inet:@host", "bad port number"},
    {"milter_socket", "unix:run/m.sock", "a unix socket needs an absolute path (unix:/run/relaymilter/milter.sock)"},
    {"policy_socket", "foo", "expected inet:PORT@HOST, inet6:PORT@HOST or unix:PATH"},
    {"policy_socket", "inet6:10040@::1", "expected inet:PORT@HOST or unix:PATH"},
    {"policy_socket", "local:/run/p.sock", "expected inet:PORT@HOST or unix:PATH"},
    {"policy_socket", "unix:p.sock", "a unix socket needs an absolute path (unix:/run/relaymilter/milter.sock)"},
    {"policy_socket", "inet:0@127.0.0.1", "port must be a number from 1 to 65535"},
    {"control_socket", "", "expected a path"},
    {"relay_flags", "", "expected flag names (deny, allow, local, auth), none, or a number 0-15"},
    {"relay_flags", "16", "relay_flags number must be 0 to 15, not \"16\""},
    {"relay_flags", "bogus", "unknown relay flag \"bogus\" (use deny, allow, local, auth, or 0-15)"},
    {"allow_list", "", "expected a path"},
    {"deny_list", "", "expected a path"},
    {"local_ip_list", "", "expected a path"},
    {"relay_detect", "both", "expected domains or mailer"},
    {"relay_detect", "", "expected domains or mailer"},
    {"local_submission", "yes", "expected allow or policy"},
    {"log_allowed", "1", "expected yes or no"},
    {"mode", "off", "expected enforce or report"},
    {"on_error", "ignore", "expected tempfail, accept or reject"},
    {"reject_reply", "450 4.7.1 Try later", "expected a 5xx reply with an enhanced status code, like \"550 5.7.1 Relay access denied\""},
    {"reject_reply", "550 Relay denied", "expected a 5xx reply with an enhanced status code, like \"550 5.7.1 Relay access denied\""},
    {"reject_reply", "550 5.7.1", "expected a 5xx reply with an enhanced status code, like \"550 5.7.1 Relay access denied\""},
    {"reject_reply", "5", "expected a 5xx reply with an enhanced status code, like \"550 5.7.1 Relay access denied\""},
    {"reject_reply", "550 5.7.1 100% denied", "'%' is not allowed in the reply text"},
    {"max_entries", "0", "expected a number from 1 to 1000000000"},
    {"max_entries", "1000000001", "expected a number from 1 to 1000000000"},
    {"max_entries", "abc", "expected a number from 1 to 1000000000"},
    {"max_entries", "-1", "expected a number from 1 to 1000000000"},
    {"max_entries", "1e6", "expected a number from 1 to 1000000000"},
    {"max_entries", "99999999999999999999999", "expected a number from 1 to 1000000000"},
    {"max_list_bytes", "0", "expected a number of bytes from 1 to 68719476736"},
    {"max_list_bytes", "68719476737", "expected a number of bytes from 1 to 68719476736"},
    {"local_mailers", long_value, "value too long"},
    {"user", long_value, "value too long"},
    {"pid_file", longer_value, "path too long"},
    {"allow_list", longer_value, "path too long"},
    /* Lists for a fleet. */
    {"list_poll_interval", "0", "expected a number of seconds from 1 to 86400"},
    {"list_poll_interval", "86401", "expected a number of seconds from 1 to 86400"},
    {"list_fetch_timeout", "0", "expected a number of seconds from 1 to 86400"},
    {"list_cache_dir", "", "expected a directory"},
    {"watch_files", "sometimes", "expected yes or no"},
    {"allow_list", "https://", "URL has no host"},
    {"deny_list", "http://user@example.net/deny.list", "URL has user information (user@host); put credentials nowhere in a list URL"},
    {"local_domains", "url:ftp://example.net/d", "expected a URL starting with http:// or https://"},
};

static void fill_long_values(void)
{
    memset(long_value, 'x', sizeof(long_value) - 1);
    memset(longer_value, 'y', sizeof(longer_value) - 1);
}

START_TEST(test_config_bad_values)
{
    const char *key = bad_values[_i].key;
    size_t  tlen = strlen(key) + strlen(bad_values[_i].value) + 64;
    char   *text = malloc(tlen), want[1024], got[1024], dump[4096];
    rm_diag d;
    rm_config *c = CSENTINEL;

    ck_assert_ptr_nonnull(text);
    snprintf(text, tlen, "# comment\n\n%s = %s\nmode = report\n", key, bad_values[_i].value);
    snprintf(want, sizeof(want), CONF ":3:%zu: error: bad value for %s: %s", strlen(key) + 4, key, bad_values[_i].why);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_config_parse_buffer(CONF, DIR, text, strlen(text), &c, &d), -1);
    ck_assert_msg(c == CSENTINEL, "*out written on error");
    ck_assert_msg(d.errors == 1, "%s = %.40s: want 1 error, got: %s", key, bad_values[_i].value,
                  u_diag_dump(&d, dump, sizeof(dump)));
    u_diag_str(&d, 0, got, sizeof(got));
    ck_assert_msg(strcmp(got, want) == 0, "%s = %.40s:\n want \"%s\"\n got  \"%s\"", key, bad_values[_i].value, want, got);
    free(text);
}
END_TEST

/* Lines that are not settings. */

START_TEST(test_config_bad_lines)
{
#define T(s, w) { s, sizeof(s) - 1, w }
    static const struct {
        const char *text;
        size_t  len;
        const char *want;
    } t[] = {
        T("mode = report\nbogus = 1\n", CONF ":2:1: error: unknown setting \"bogus\""),
        T("Relay_Flags = 3\n", CONF ":1:1: error: unknown setting \"Relay_Flags\""),
        T("relay_flags 3\n", CONF ":1:1: error: expected \"name = value\""),
        T("mode = report\nmilter_socket =\n",
          CONF ":2: error: milter_socket and policy_socket are both empty: nothing would be served"),
        T("# c\n= 3\n", CONF ":2:1: error: missing setting name before '='"),
        T("  mode = report\n", CONF ":1:3: error: continuation line without a setting before it"),
        T("mode = report\n\tx\n", CONF ":1:8: error: bad value for mode: expected enforce or report"),
        /* the value starts on line 2, column 3 */
        T("mode =\n  bogus\n", CONF ":2:3: error: bad value for mode: expected enforce or report"),
        T("mode = re\0port\n", CONF ":1:10: error: NUL byte"),
    };
#undef T

    for (size_t i = 0; i < NELEM(t); i++) {
        rm_diag d;
        rm_config *c = CSENTINEL;
        char    got[1024], dump[4096];

        rm_diag_init(&d);
        ck_assert_msg(rm_config_parse_buffer(CONF, DIR, t[i].text, t[i].len, &c, &d) == -1, "case %zu: want -1", i);
        ck_assert_msg(c == CSENTINEL, "case %zu: *out written on error", i);
        ck_assert_msg(d.errors == 1, "case %zu: want 1 error, got: %s", i, u_diag_dump(&d, dump, sizeof(dump)));
        ck_assert_msg(strcmp(u_diag_str(&d, 0, got, sizeof(got)), t[i].want) == 0, "case %zu:\n want \"%s\"\n got  \"%s\"",
                      i, t[i].want, got);
    }
}
END_TEST

/* Every error of a file is reported, not only the first. */

START_TEST(test_config_all_errors)
{
    static const char text[] =
        "mode = off\n"                  /* 1 */
        "relay_flags = allow\n"         /* 2 fine */
        "colour = blue\n"               /* 3 */
        "max_entries = 0\n"             /* 4 */
        "on_error = reject\n";          /* 5 fine */
    static const unsigned lines[] = {1, 3, 4};
    rm_diag d;
    rm_config *c = CSENTINEL;
    char    dump[4096];

    rm_diag_init(&d);
    ck_assert_int_eq(rm_config_parse_buffer(CONF, DIR, text, sizeof(text) - 1, &c, &d), -1);
    ck_assert_msg(c == CSENTINEL, "*out written on error");
    ck_assert_msg(d.errors == NELEM(lines), "want %zu errors: %s", NELEM(lines), u_diag_dump(&d, dump, sizeof(dump)));
    for (size_t i = 0; i < NELEM(lines); i++) {
        ck_assert_uint_eq(d.msgs[i].line, lines[i]);
        ck_assert_str_eq(d.msgs[i].file, CONF);
    }
}
END_TEST

/* Continuation lines, comments, blank lines, CRLF, a byte order mark. */

START_TEST(test_config_layout)
{
    static const struct {
        const char *text;
        const char *key;
        const char *want;
        unsigned line;
    } t[] = {
        {"relay_flags = allow,\n    auth\nmode = report\n", "relay_flags", "10", 1},
        {"relay_flags = allow,\n    auth\nmode = report\n", "mode", "report", 3},
        {"local_domains = a.example,\n\tb.example\n  c.example\n", "local_domains", "a.example, b.example c.example", 1},
        {"relay_flags = deny,\n# a note\n  allow\n", "relay_flags", "3", 1},
        {"relay_flags = deny,\n\n  allow\n", "relay_flags", "3", 1},
        {"# only a comment\n\n   \n#mode = report\n", "mode", "enforce", 0},
        {"mode = report\r\nrelay_flags = 3\r\n", "mode", "report", 1},
        {"mode = report\r\nrelay_flags = 3\r\n", "relay_flags", "3", 2},
        {"\xef\xbb\xbfmode = report\n", "mode", "report", 1},
        {"mode=report\n", "mode", "report", 1},
        {"mode\t=\treport\t\n", "mode", "report", 1},
        {"reject_reply = 550 5.7.1 No relaying here\n", "reject_reply", "550 5.7.1 No relaying here", 1},
        {"mode = report", "mode", "report", 1},
    };

    for (size_t i = 0; i < NELEM(t); i++) {
        rm_diag d;
        rm_config *c = parse_ok(t[i].text, &d);
        char    got[RM_PATH_LEN];
        int     k = key_index(t[i].key);

        ck_assert_uint_eq(d.warnings, 0);
        render(c, t[i].key, got, sizeof(got));
        ck_assert_msg(strcmp(got, t[i].want) == 0, "case %zu: %s want \"%s\" got \"%s\"", i, t[i].key, t[i].want, got);
        ck_assert_msg(c->set_line[k] == t[i].line, "case %zu: %s set on line %u, want %u", i, t[i].key,
                      c->set_line[k], t[i].line);
        rm_config_free(c);
    }
}
END_TEST

/* A setting given twice: a warning, and the later value wins. */

START_TEST(test_config_duplicate)
{
    rm_diag d;
    rm_config *c = parse_ok("mode = report\nrelay_flags = 1\n\nmode = enforce\n", &d);
    char    got[1024];

    ck_assert_uint_eq(d.warnings, 1);
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)),
                     CONF ":4:1: warning: mode is set again (first on line 1); the later value wins");
    ck_assert_int_eq(c->mode, RM_MODE_ENFORCE);
    ck_assert_uint_eq(c->set_line[key_index("mode")], 4);
    rm_config_free(c);
}
END_TEST

/* rm_config_load: relative paths are relative to the file's directory. */

START_TEST(test_config_relative_paths)
{
    char    dir[256], sub[512], conf[512], want[1024], cwd[PATH_MAX], path[1024];
    rm_config *c = CSENTINEL;
    rm_diag d;

    u_tmpdir(dir, sizeof(dir));
    u_path(conf, sizeof(conf), dir, "relaymilter.conf");
    u_write_str(conf, "allow_list = lists-allow\n"
                "deny_list = /nonexistent/deny.list\n"
                "pid_file = rm.pid\n"
                "control_socket = ctl.sock\n");
    rm_diag_init(&d);
    ck_assert_msg(rm_config_load(conf, &c, &d) == 0, "%s", u_diag_dump(&d, want, sizeof(want)));
    ck_assert_str_eq(c->path, conf);
    ck_assert_str_eq(c->dir, dir);
    ck_assert_str_eq(c->list_path[RM_LIST_ALLOW], u_path(want, sizeof(want), dir, "lists-allow"));
    ck_assert_str_eq(c->list_path[RM_LIST_DENY], "/nonexistent/deny.list");
    ck_assert_str_eq(c->list_path[RM_LIST_LOCAL], u_path(want, sizeof(want), dir, "local-ip.list"));
    ck_assert_str_eq(c->pid_file, u_path(want, sizeof(want), dir, "rm.pid"));
    ck_assert_str_eq(c->control_socket, u_path(want, sizeof(want), dir, "ctl.sock"));
    rm_config_free(c);

    /* A configuration named relative to the working directory: its lists
     * must still be found next to it, from the working directory. */
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    u_path(sub, sizeof(sub), dir, "etc");
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    u_write_str(u_path(path, sizeof(path), sub, "relaymilter.conf"), "allow_list = my-allow\n");
    u_write_str(u_path(path, sizeof(path), sub, "my-allow"), "192.0.2.1\n");
    ck_assert_int_eq(chdir(dir), 0);
    c = CSENTINEL;
    rm_diag_init(&d);
    ck_assert_int_eq(rm_config_load("etc/relaymilter.conf", &c, &d), 0);
    ck_assert_msg(access(c->list_path[RM_LIST_ALLOW], R_OK) == 0, "allow_list \"%s\" does not name etc/my-allow",
                  c->list_path[RM_LIST_ALLOW]);
    rm_config_free(c);
    /* and one in the working directory itself */
    ck_assert_int_eq(chdir(sub), 0);
    c = CSENTINEL;
    rm_diag_init(&d);
    ck_assert_int_eq(rm_config_load("relaymilter.conf", &c, &d), 0);
    ck_assert_msg(access(c->list_path[RM_LIST_ALLOW], R_OK) == 0, "allow_list \"%s\" does not name my-allow",
                  c->list_path[RM_LIST_ALLOW]);
    rm_config_free(c);
    ck_assert_int_eq(chdir(cwd), 0);

    unlink(u_path(path, sizeof(path), sub, "relaymilter.conf"));
    unlink(u_path(path, sizeof(path), sub, "my-allow"));
    rmdir(sub);

    /* a missing file */
    unlink(conf);
    c = CSENTINEL;
    rm_diag_init(&d);
    ck_assert_int_eq(rm_config_load(conf, &c, &d), -1);
    ck_assert_msg(c == CSENTINEL, "*out written on error");
    snprintf(want, sizeof(want), "%s: error: cannot open: %s", conf, strerror(ENOENT));
    ck_assert_str_eq(u_diag_str(&d, 0, path, sizeof(path)), want);
    u_rmtree(dir);
}
END_TEST

/* local_mailers: which {rcpt_mailer} values mean local delivery. */

START_TEST(test_config_mailers)
{
    static const struct {
        const char *mailers;
        const char *mailer;
        bool    local;
    } t[] = {
        {NULL, "local", true}, {NULL, "virtual", true}, {NULL, "lmtp", true}, {NULL, "LMTP", true},
        {NULL, "smtp", false}, {NULL, "", false}, {NULL, "loc", false}, {NULL, "locals", false},
        {NULL, "local,", false},
        {"local_mailers = esmtp relay,  local\n", "local", true},
        {"local_mailers = esmtp relay,  local\n", "relay", true},
        {"local_mailers = esmtp relay,  local\n", "lmtp", false},
    };

    for (size_t i = 0; i < NELEM(t); i++) {
        rm_diag d;
        rm_config *c = parse_ok(t[i].mailers ? t[i].mailers : "", &d);
        bool    got = rm_config_mailer_is_local(c, t[i].mailer);

        ck_assert_msg(got == t[i].local, "mailers \"%s\", mailer \"%s\": want %d", c->local_mailers, t[i].mailer, t[i].local);
        rm_config_free(c);
    }
}
END_TEST

/* Domain names and address literals in canonical form. */

START_TEST(test_domain_normalize)
{
    static char long255[256], long256[257];
    static const struct {
        const char *in;
        const char *want;               /* NULL: refused */
    } t[] = {
        {"example.com", "example.com"},
        {"Example.COM.", "example.com"},
        {"a", "a"},
        {"a.", "a"},
        {"mail_relay.example", "mail_relay.example"},
        {"xn--bcher-kva.example", "xn--bcher-kva.example"},
        {"a..", NULL},
        {".a", NULL},
        {"a..b", NULL},
        {".", NULL},
        {"", NULL},
        {"a b", NULL},
        {"bad!name", NULL},
        {"b@d", NULL},
        {"[192.0.2.1]", "[192.0.2.1]"},
        {"[192.000.2.1]", NULL},
        {"[10.1]", NULL},
        {"[IPv6:2001:DB8:0:0::1]", "[IPv6:2001:db8::1]"},
        {"[ipv6:::1]", "[IPv6:::1]"},
        {"[IPv6:::ffff:192.0.2.1]", "[IPv6:::ffff:192.0.2.1]"},
        {"[IPv6:192.0.2.1]", NULL},
        {"[2001:db8::1]", NULL},
        {"[IPv6:fe80::1%eth0]", NULL},
        {"[]", NULL},
        {"[192.0.2.1", NULL},
        {long255, long255},
        {long256, NULL},
    };

    /* 255 bytes: labels of 63 with dots; 256: one more */
    for (size_t i = 0; i < 255; i++)
        long255[i] = (i % 64 == 63) ? '.' : 'a';
    memcpy(long256, long255, 255);
    long256[255] = 'a';
    for (size_t i = 0; i < NELEM(t); i++) {
        char    buf[512];
        int     n = rm_domain_normalize(t[i].in, strlen(t[i].in), buf, sizeof(buf));

        if (t[i].want == NULL) {
            ck_assert_msg(n == -1, "\"%.60s\": want refused, got \"%s\"", t[i].in, n >= 0 ? buf : "?");
        } else {
            ck_assert_msg(n >= 0, "\"%.60s\": want \"%.60s\", got refused", t[i].in, t[i].want);
            ck_assert_msg(strcmp(buf, t[i].want) == 0, "\"%.60s\": want \"%.60s\" got \"%.60s\"", t[i].in, t[i].want, buf);
            ck_assert_uint_eq((size_t) n, strlen(t[i].want));
        }
    }
}
END_TEST

/* The set: parsing, case, trailing dot, literals. */

START_TEST(test_domains_set)
{
    static const char *const sorted[] = {
        "[192.0.2.1]", "[IPv6:2001:db8::1]", "bar.example", "example.com", "foo.example",
    };
    static const struct {
        const char *q;
        bool    local;
    } t[] = {
        {"example.com", true}, {"EXAMPLE.COM.", true}, {"Example.Com", true},
        {"www.example.com", false}, {"example.co", false}, {"xample.com", false},
        {"foo.example", true}, {"Foo.Example.", true}, {"bar.example", true},
        {"[192.0.2.1]", true}, {"[192.0.2.2]", false}, {"192.0.2.1", false},
        {"[IPv6:2001:db8::1]", true}, {"[ipv6:2001:0db8:0:0::1]", true}, {"[2001:db8::1]", false},
        {"[IPv6:2001:db8::2]", false}, {"", false}, {"example.com..", false},
    };
    rm_domains *s = DSENTINEL;
    rm_diag d;
    char    dump[2048];

    rm_diag_init(&d);
    ck_assert_msg(rm_domains_parse("Example.COM, foo.example. [192.0.2.1]  [IPv6:2001:DB8::1]\tbar.example,",
                                   NULL, CONF, 4, NULL, &s, &d) == 0, "%s", u_diag_dump(&d, dump, sizeof(dump)));
    ck_assert_uint_eq(rm_domains_count(s), NELEM(sorted));
    for (size_t i = 0; i < NELEM(sorted); i++)
        ck_assert_str_eq(rm_domains_get(s, i), sorted[i]);
    ck_assert_ptr_null(rm_domains_get(s, NELEM(sorted)));
    for (size_t i = 0; i < NELEM(t); i++)
        ck_assert_msg(rm_domains_contains(s, t[i].q, strlen(t[i].q)) == t[i].local, "\"%s\": want %s", t[i].q,
                      t[i].local ? "local" : "not local");
    rm_domains_free(s);

    /* an empty value is an empty set */
    s = DSENTINEL;
    ck_assert_int_eq(rm_domains_parse("", NULL, CONF, 4, NULL, &s, &d), 0);
    ck_assert_uint_eq(rm_domains_count(s), 0);
    ck_assert(!rm_domains_contains(s, "example.com", 11));
    rm_domains_free(s);
    ck_assert(!rm_domains_contains(NULL, "example.com", 11));
}
END_TEST

/* Bad names: every one reported, with the file and line of the setting. */

START_TEST(test_domains_errors)
{
    rm_domains *s = DSENTINEL;
    rm_diag d;
    char    got[1024];

    rm_diag_init(&d);
    ck_assert_int_eq(rm_domains_parse("good.example, bad!name [300.1.1.1] ok.example", NULL, CONF, 4, NULL, &s, &d), -1);
    ck_assert_msg(s == DSENTINEL, "*out written on error");
    ck_assert_uint_eq(d.errors, 2);
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)),
                     CONF ":4: error: local_domains: \"bad!name\" is not a domain name or address literal");
    ck_assert_str_eq(u_diag_str(&d, 1, got, sizeof(got)),
                     CONF ":4: error: local_domains: \"[300.1.1.1]\" is not a domain name or address literal");
}
END_TEST

/* file:PATH, relative to the configuration's directory. */

START_TEST(test_domains_file)
{
    char    dir[256], path[512], value[600], want[1024], got[1024];
    rm_domains *s = DSENTINEL;
    rm_diag d;

    u_tmpdir(dir, sizeof(dir));
    u_write_str(u_path(path, sizeof(path), dir, "domains.txt"),
                "# local domains\nExample.ORG\n\n[10.0.0.1] # a literal\nmail.example.org.\n  other.example\n");
    rm_diag_init(&d);
    ck_assert_int_eq(rm_domains_parse("file:domains.txt", dir, CONF, 6, NULL, &s, &d), 0);
    ck_assert_uint_eq(rm_domains_count(s), 4);
    ck_assert(rm_domains_contains(s, "example.org", 11));
    ck_assert(rm_domains_contains(s, "MAIL.example.org", 16));
    ck_assert(rm_domains_contains(s, "[10.0.0.1]", 10));
    ck_assert(rm_domains_contains(s, "other.example", 13));
    ck_assert(!rm_domains_contains(s, "local", 5));
    ck_assert(!rm_domains_contains(s, "domains", 7));
    rm_domains_free(s);

    /* an absolute path */
    snprintf(value, sizeof(value), "file:%s", path);
    s = DSENTINEL;
    ck_assert_int_eq(rm_domains_parse(value, "/nonexistent", CONF, 6, NULL, &s, &d), 0);
    ck_assert_uint_eq(rm_domains_count(s), 4);
    rm_domains_free(s);

    /* errors name the domains file and its line */
    u_write_str(path, "ok.example\nb@d\n# fine\nalso bad\n");
    s = DSENTINEL;
    rm_diag_init(&d);
    ck_assert_int_eq(rm_domains_parse("file:domains.txt", dir, CONF, 6, NULL, &s, &d), -1);
    ck_assert_msg(s == DSENTINEL, "*out written on error");
    ck_assert_uint_eq(d.errors, 1);
    snprintf(want, sizeof(want), "%s:2: error: local_domains: \"b@d\" is not a domain name or address literal", path);
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), want);

    /* a missing file names the setting */
    s = DSENTINEL;
    rm_diag_init(&d);
    ck_assert_int_eq(rm_domains_parse("file:nope.txt", dir, CONF, 6, NULL, &s, &d), -1);
    ck_assert_msg(s == DSENTINEL, "*out written on error");
    snprintf(want, sizeof(want), "%s/nope.txt: error: cannot open: %s", dir, strerror(ENOENT));
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), want);
    snprintf(want, sizeof(want), CONF ":6: error: local_domains: cannot use file:%s/nope.txt", dir);
    ck_assert_str_eq(u_diag_str(&d, 1, got, sizeof(got)), want);
    u_rmtree(dir);
}
END_TEST

/* Through a snapshot: local_domains errors name the configuration line. */

START_TEST(test_domains_in_snapshot)
{
    char    dir[256], conf[512], path[512], want[1024], got[1024];
    rm_snapshot *s = NULL;
    rm_diag d;

    u_tmpdir(dir, sizeof(dir));
    u_path(conf, sizeof(conf), dir, "relaymilter.conf");
    u_write_str(u_path(path, sizeof(path), dir, "allow.list"), "192.0.2.0/24\n");
    u_write_str(u_path(path, sizeof(path), dir, "domains"), "example.net\n");
    u_write_str(conf, "relay_flags = allow\n# the domains\nlocal_domains = example.com,\n  file:domains\n");
    rm_diag_init(&d);
    /* "file:" must be the whole value; here it is a name, and refused */
    ck_assert_int_eq(rm_snapshot_build(conf, 1, &s, &d), -1);
    snprintf(want, sizeof(want), "%s:3: error: local_domains: \"file:domains\" is not a domain name or address literal", conf);
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), want);

    u_write_str(conf, "relay_flags = allow\nlocal_domains = file:domains\n");
    rm_diag_init(&d);
    ck_assert_msg(rm_snapshot_build(conf, 1, &s, &d) == 0, "%s", u_diag_dump(&d, got, sizeof(got)));
    ck_assert(rm_domains_contains(s->domains, "example.net", 11));
    ck_assert(!rm_domains_contains(s->domains, "example.com", 11));
    rm_snapshot_unref(s);
    unlink(path);
    unlink(conf);
    u_rmtree(dir);
}
END_TEST

static Suite *config_suite(void)
{
    Suite  *s = suite_create("config");
    TCase  *tc;

    fill_long_values();
    tc = tcase_create("settings");
    tcase_add_test(tc, test_config_defaults);
    tcase_add_loop_test(tc, test_config_good_values, 0, (int) NELEM(good_values));
    tcase_add_loop_test(tc, test_config_bad_values, 0, (int) NELEM(bad_values));
    tcase_add_test(tc, test_config_bad_lines);
    tcase_add_test(tc, test_config_all_errors);
    tcase_add_test(tc, test_config_layout);
    tcase_add_test(tc, test_config_duplicate);
    tcase_add_test(tc, test_config_relative_paths);
    tcase_add_test(tc, test_config_mailers);
    suite_add_tcase(s, tc);

    tc = tcase_create("domains");
    tcase_add_test(tc, test_domain_normalize);
    tcase_add_test(tc, test_domains_set);
    tcase_add_test(tc, test_domains_errors);
    tcase_add_test(tc, test_domains_file);
    tcase_add_test(tc, test_domains_in_snapshot);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(config_suite());
}
