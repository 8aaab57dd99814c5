/* SPDX-License-Identifier: BSD-2-Clause */
/* check_kind - the tables that hold one fact each: list kinds, value names, counters */

/*
 * Every table is compared row by row with the test's own statement of
 * it, so that a row dropped, duplicated or changed fails here; then each
 * fact is followed to where it is used (the configuration's settings and
 * defaults, a registry export's value names), so that a table and its
 * users cannot drift apart.
 */

#include <ctype.h>
#include <stdbool.h>

#include "unit_util.h"
#include "rm_config.h"
#include "rm_ctl.h"
#include "rm_kind.h"
#include "rm_name.h"
#include "rm_reg.h"

/* The three kinds, as DESIGN.md, the README and KB Q193922 name them. */
static const rm_kind want_kinds[RM_LIST__COUNT] = {
    [RM_LIST_DENY] = {"deny", NULL, RM_FLAG_DENY, RM_RULE_DENY_LIST,
    "deny_list", "deny.list", "RelayDenyList"},
    [RM_LIST_ALLOW] = {"allow", NULL, RM_FLAG_ALLOW, RM_RULE_ALLOW_LIST,
    "allow_list", "allow.list", "RelayAllowList"},
    [RM_LIST_LOCAL] = {"local", "local-ip", RM_FLAG_LOCAL, RM_RULE_LOCAL_IP,
    "local_ip_list", "local-ip.list", "RelayLocalIPList"},
};

static void str_eq_or_null(const char *got, const char *want)
{
    if (want == NULL)
        ck_assert_ptr_null(got);
    else
        ck_assert_str_eq(got, want);
}

START_TEST(test_kind_rows)
{
    unsigned seen = 0;

    for (int k = 0; k < RM_LIST__COUNT; k++) {
        const rm_kind *got = rm_kind_get((enum rm_list_kind) k), *want = &want_kinds[k];

        ck_assert_ptr_nonnull(got);
        ck_assert_str_eq(got->name, want->name);
        str_eq_or_null(got->alias, want->alias);
        ck_assert_uint_eq(got->flag, want->flag);
        ck_assert_int_eq(got->rule, want->rule);
        ck_assert_str_eq(got->config_key, want->config_key);
        ck_assert_str_eq(got->default_file, want->default_file);
        ck_assert_str_eq(got->exchange_value, want->exchange_value);
        ck_assert_str_eq(rm_kind_name((enum rm_list_kind) k), want->name);
        ck_assert_uint_eq(rm_kind_flag((enum rm_list_kind) k), want->flag);
        ck_assert_msg((seen & got->flag) == 0, "flag %u of %s is another kind's", got->flag, got->name);
        seen |= got->flag;
    }
    ck_assert_uint_eq(seen, RM_FLAG_DENY | RM_FLAG_ALLOW | RM_FLAG_LOCAL);
    ck_assert_ptr_null(rm_kind_get(RM_LIST__COUNT));
    ck_assert_ptr_null(rm_kind_get((enum rm_list_kind) -1));
    ck_assert_str_eq(rm_kind_name(RM_LIST__COUNT), "unknown");
    ck_assert_uint_eq(rm_kind_flag(RM_LIST__COUNT), 0);
}
END_TEST

/* relayctl's words: each name and alias to its kind, and nothing else. */

START_TEST(test_kind_code)
{
    static const char *const not_kinds[] = {
        "", "Allow", "DENY", "auth", "allow_list", "local_ip", "domains", "allow ", "loca",
    };

    for (int k = 0; k < RM_LIST__COUNT; k++) {
        ck_assert_int_eq(rm_kind_code(want_kinds[k].name), k);
        if (want_kinds[k].alias)
            ck_assert_int_eq(rm_kind_code(want_kinds[k].alias), k);
    }
    for (size_t i = 0; i < NELEM(not_kinds); i++)
        ck_assert_msg(rm_kind_code(not_kinds[i]) == -1, "\"%s\" taken as a kind", not_kinds[i]);
}
END_TEST

/* key_index - the one configuration setting called name, or -1 */

static int key_index(const char *name)
{
    int     found = -1;

    for (size_t i = 0; i < rm_config_key_count(); i++)
        if (strcmp(rm_config_key_name(i), name) == 0) {
            ck_assert_msg(found < 0, "setting %s is in the table twice", name);
            found = (int) i;
        }
    return found;
}

/* Each kind's setting exists once, with the kind's default file. */

START_TEST(test_kind_config)
{
    rm_config *c;
    rm_diag d;
    char    text[256], want[RM_PATH_LEN];

    ck_assert_ptr_nonnull(c = rm_config_defaults("/etc/rm"));
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        int     i = key_index(want_kinds[k].config_key);

        ck_assert_msg(i >= 0, "no setting %s", want_kinds[k].config_key);
        ck_assert_str_eq(rm_config_key_default((size_t) i), want_kinds[k].default_file);
        snprintf(want, sizeof(want), "/etc/rm/%s", want_kinds[k].default_file);
        ck_assert_str_eq(c->list_path[k], want);
    }
    rm_config_free(c);
    /* Setting a kind's key moves that list and no other. */
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        int     n = snprintf(text, sizeof(text), "%s = /srv/moved.list\n", want_kinds[k].config_key);

        rm_diag_init(&d);
        ck_assert_int_eq(rm_config_parse_buffer("t.conf", "/etc/rm", text, (size_t) n, &c, &d), 0);
        for (int j = 0; j < RM_LIST__COUNT; j++) {
            snprintf(want, sizeof(want), "/etc/rm/%s", want_kinds[j].default_file);
            ck_assert_str_eq(c->list_path[j], j == k ? "/srv/moved.list" : want);
        }
        ck_assert_uint_eq(rm_config_key_line(c, want_kinds[k].config_key), 1);
        rm_config_free(c);
    }
}
END_TEST

/* Each kind's Exchange value imports into that kind's list, and only there. */

START_TEST(test_kind_exchange)
{
    rm_reg_import imp;
    rm_diag d;
    char    reg[512];
    /* "10.0.0.1" as REG_MULTI_SZ: the string, its NUL, the list's NUL */
    static const char hex[] = "31,30,2e,30,2e,30,2e,31,00,00";

    for (int k = 0; k < RM_LIST__COUNT; k++) {
        int     n = snprintf(reg, sizeof(reg), "REGEDIT4\r\n\r\n"
                             "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC\\Parameters]\r\n"
                             "\"%s\"=hex(7):%s\r\n", want_kinds[k].exchange_value, hex);

        rm_diag_init(&d);
        ck_assert_int_eq(rm_reg_parse("t.reg", (const unsigned char *) reg, (size_t) n, &imp, &d), 0);
        for (int j = 0; j < RM_LIST__COUNT; j++) {
            if (j == k) {
                ck_assert_ptr_nonnull(imp.lists[j]);
                ck_assert_uint_eq(imp.count[j], 1);
            } else {
                ck_assert_ptr_null(imp.lists[j]);
            }
        }
        rm_reg_import_free(&imp);
    }
}
END_TEST

/* The enumerated settings: each name, its code, and the "expected" text. */

static int get_detect(const rm_config *c) { return (int) c->relay_detect; }
static int get_mode(const rm_config *c) { return (int) c->mode; }
static int get_on_error(const rm_config *c) { return (int) c->on_error; }
static int get_submission(const rm_config *c) { return c->local_submission_allow; }
static int get_log_allowed(const rm_config *c) { return c->log_allowed; }
static int get_watch_files(const rm_config *c) { return c->watch_files; }

static const struct name_case {
    const rm_name_code *table;
    const char *key;                    /* a setting that takes these names */
    int     (*get) (const rm_config *c);
    size_t  n;
    const char *names[4];
    int     codes[4];
    const char *expect;
} name_cases[] = {
    {rm_config_detect_names, "relay_detect", get_detect, 2, {"domains", "mailer"},
    {RM_DETECT_DOMAINS, RM_DETECT_MAILER}, "domains or mailer"},
    {rm_config_mode_names, "mode", get_mode, 2, {"enforce", "report"},
    {RM_MODE_ENFORCE, RM_MODE_REPORT}, "enforce or report"},
    {rm_config_on_error_names, "on_error", get_on_error, 3, {"tempfail", "accept", "reject"},
    {RM_ON_ERROR_TEMPFAIL, RM_ON_ERROR_ACCEPT, RM_ON_ERROR_REJECT}, "tempfail, accept or reject"},
    {rm_config_submission_names, "local_submission", get_submission, 2, {"allow", "policy"},
    {1, 0}, "allow or policy"},
    {rm_config_yes_no, "log_allowed", get_log_allowed, 2, {"yes", "no"}, {1, 0}, "yes or no"},
    {rm_config_yes_no, "watch_files", get_watch_files, 2, {"yes", "no"}, {1, 0}, "yes or no"},
};

/* Both ways: every name to its code and back, every code to one name. */

START_TEST(test_name_round_trip)
{
    const struct name_case *t = &name_cases[_i];
    size_t  rows = 0;
    char    buf[64];

    while (t->table[rows].name)
        rows++;
    ck_assert_uint_eq(rows, t->n);
    ck_assert_int_eq(t->table[rows].code, -1);
    for (size_t i = 0; i < t->n; i++) {
        size_t  j;

        ck_assert_str_eq(t->table[i].name, t->names[i]);
        ck_assert_int_eq(rm_name_lookup(t->table, t->names[i]), t->codes[i]);
        ck_assert_str_eq(rm_name_str(t->table, t->codes[i]), t->names[i]);
        /* the file's value is matched without regard to case */
        for (j = 0; t->names[i][j] && j + 1 < sizeof(buf); j++)
            buf[j] = (char) toupper((unsigned char) t->names[i][j]);
        buf[j] = '\0';
        ck_assert_int_eq(rm_name_lookup(t->table, buf), t->codes[i]);
        for (j = 0; j < i; j++)
            ck_assert_int_ne(t->codes[j], t->codes[i]);
    }
    ck_assert_int_eq(rm_name_lookup(t->table, "maybe"), -1);
    ck_assert_int_eq(rm_name_lookup(t->table, ""), -1);
    ck_assert_ptr_null(rm_name_str(t->table, 99));
    ck_assert_uint_eq(rm_name_expect(t->table, buf, sizeof(buf)), strlen(t->expect));
    ck_assert_str_eq(buf, t->expect);
}
END_TEST

/* The configuration takes each name, stores its code, and names them all
 * when a value is none of them. */

START_TEST(test_name_config)
{
    const struct name_case *t = &name_cases[_i];
    rm_config *c;
    rm_diag d;
    char    text[128], want[160], got[RM_DIAG_TEXT_LEN + RM_DIAG_FILE_LEN + 64];
    int     n;

    for (size_t i = 0; i < t->n; i++) {
        n = snprintf(text, sizeof(text), "%s = %s\n", t->key, t->names[i]);
        rm_diag_init(&d);
        ck_assert_int_eq(rm_config_parse_buffer("t.conf", "/etc/rm", text, (size_t) n, &c, &d), 0);
        ck_assert_int_eq(t->get(c), t->codes[i]);
        ck_assert_str_eq(rm_name_str(t->table, t->get(c)), t->names[i]);
        rm_config_free(c);
    }
    n = snprintf(text, sizeof(text), "%s = maybe\n", t->key);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_config_parse_buffer("t.conf", "/etc/rm", text, (size_t) n, &c, &d), -1);
    snprintf(want, sizeof(want), "t.conf:1:%zu: error: bad value for %s: expected %s",
             strlen(t->key) + 4, t->key, t->expect);
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), want);
}
END_TEST

/* rm_name_expect says how long the whole text is, and never overruns. */

START_TEST(test_name_expect_short)
{
    char    buf[8];

    memset(buf, 'x', sizeof(buf));
    ck_assert_uint_eq(rm_name_expect(rm_config_on_error_names, buf, 5), strlen("tempfail, accept or reject"));
    ck_assert_str_eq(buf, "temp");
    ck_assert_int_eq(buf[5], 'x');
    ck_assert_uint_eq(rm_name_expect(rm_config_on_error_names, buf, 0), strlen("tempfail, accept or reject"));
    ck_assert_int_eq(buf[0], 't');
}
END_TEST

/* The counters STATUS reports and relayctl status --prometheus reads. */

static const char *const want_decisions[RM_CTL_D__COUNT] = {
    "deny_list", "allow_list", "local_ip", "auth", "default_deny", "deny_only",
    "local_submission", "local_recipient", "error",
};
static const char *const want_kind_counter[RM_LIST__COUNT] = {"deny_list", "allow_list", "local_ip"};
static const char *const want_sources[RM_CTL_SOURCES] = {"deny", "allow", "local", "domains"};
static const char *const want_fetches[RM_CTL_FETCH__COUNT] = {"ok", "not_modified", "failed"};

START_TEST(test_counter_names)
{
    for (int k = 0; k < RM_CTL_D__COUNT; k++)
        ck_assert_str_eq(rm_ctl_decision_name((enum rm_ctl_decision) k), want_decisions[k]);
    ck_assert_str_eq(rm_ctl_decision_name(RM_CTL_D__COUNT), "unknown");
    for (int k = 0; k < RM_LIST__COUNT; k++)
        ck_assert_str_eq(rm_ctl_decision_name(rm_ctl_decision_of_rule(rm_kind_get((enum rm_list_kind) k)->rule)),
                         want_kind_counter[k]);
    for (int i = 0; i < RM_CTL_SOURCES; i++)
        ck_assert_str_eq(rm_ctl_source_name(i), want_sources[i]);
    ck_assert_str_eq(rm_ctl_source_name(RM_CTL_SOURCES), "unknown");
    ck_assert_str_eq(rm_ctl_source_name(-1), "unknown");
    for (int r = 0; r < RM_CTL_FETCH__COUNT; r++)
        ck_assert_str_eq(rm_ctl_fetch_name((enum rm_ctl_fetch) r), want_fetches[r]);
    ck_assert_str_eq(rm_ctl_fetch_name(RM_CTL_FETCH__COUNT), "unknown");
}
END_TEST

/* has_line - does text hold the line "key: value"? */

static bool has_line(const char *text, const char *key, unsigned long long value)
{
    char    line[128];

    snprintf(line, sizeof(line), "%s: %llu\n", key, value);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if (p == text || p[-1] == '\n')
            return true;
    return false;
}

/* count_prefix - how many lines of text start with prefix */

static int count_prefix(const char *text, const char *prefix)
{
    int     n = 0;

    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += strncmp(p, prefix, strlen(prefix)) == 0;
    return n;
}

/* STATUS writes each counter under its name once, with its own value. */

START_TEST(test_counter_status)
{
    static char mem[16384];
    static rm_ctl_status st;
    rm_ctl_buf b;
    char    key[64];

    memset(&st, 0, sizeof(st));
    snprintf(st.version, sizeof(st.version), "test");
    snprintf(st.mode, sizeof(st.mode), "enforce");
    snprintf(st.last_reload, sizeof(st.last_reload), "ok");
    for (int k = 0; k < RM_CTL_D__COUNT; k++)
        st.decisions[k] = 100u + (unsigned) k;
    for (int k = 0; k < RM_LIST__COUNT; k++)
        st.entries[k] = 10u + (uint32_t) k;
    for (int i = 0; i < RM_CTL_SOURCES; i++) {
        st.sources[i].name = rm_ctl_source_name(i);
        snprintf(st.sources[i].source, sizeof(st.sources[i].source), "https://example.org/%d", i);
        st.sources[i].url = true;
        st.sources[i].fetch_ok = 1000u + 10u * (unsigned) i;
        st.sources[i].fetch_not_modified = 1001u + 10u * (unsigned) i;
        st.sources[i].fetch_failed = 1002u + 10u * (unsigned) i;
    }
    rm_ctl_buf_init(&b, mem, sizeof(mem));
    rm_ctl_reply_status(&b, &st);
    ck_assert(!b.truncated);
    for (int k = 0; k < RM_CTL_D__COUNT; k++) {
        snprintf(key, sizeof(key), "decisions_%s", want_decisions[k]);
        ck_assert_msg(has_line(mem, key, 100u + (unsigned) k), "no %s in\n%s", key, mem);
    }
    ck_assert_int_eq(count_prefix(mem, "decisions_"), RM_CTL_D__COUNT);
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        snprintf(key, sizeof(key), "entries_%s", want_kinds[k].name);
        ck_assert_msg(has_line(mem, key, 10u + (unsigned) k), "no %s in\n%s", key, mem);
    }
    ck_assert_int_eq(count_prefix(mem, "entries_"), RM_LIST__COUNT);
    for (int i = 0; i < RM_CTL_SOURCES; i++)
        for (int r = 0; r < RM_CTL_FETCH__COUNT; r++) {
            snprintf(key, sizeof(key), "list_%s_fetches_%s", want_sources[i], want_fetches[r]);
            ck_assert_msg(has_line(mem, key, 1000u + 10u * (unsigned) i + (unsigned) r), "no %s in\n%s", key, mem);
        }
}
END_TEST

int     main(void)
{
    Suite  *s = suite_create("kind");
    TCase  *tc = tcase_create("kinds");

    tcase_add_test(tc, test_kind_rows);
    tcase_add_test(tc, test_kind_code);
    tcase_add_test(tc, test_kind_config);
    tcase_add_test(tc, test_kind_exchange);
    suite_add_tcase(s, tc);
    tc = tcase_create("names");
    tcase_add_loop_test(tc, test_name_round_trip, 0, NELEM(name_cases));
    tcase_add_loop_test(tc, test_name_config, 0, NELEM(name_cases));
    tcase_add_test(tc, test_name_expect_short);
    suite_add_tcase(s, tc);
    tc = tcase_create("counters");
    tcase_add_test(tc, test_counter_names);
    tcase_add_test(tc, test_counter_status);
    suite_add_tcase(s, tc);
    return u_run(s);
}
