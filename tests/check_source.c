/* SPDX-License-Identifier: BSD-2-Clause */
/* check_source - minisign verification against the real minisign; URL sources and their cache names */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rm_config.h"
#include "rm_minisign.h"
#include "rm_source.h"

#ifndef MINISIGN_PATH
#define MINISIGN_PATH "minisign"
#endif

static char dir[] = "/tmp/check_source.XXXXXX";
static const char body[] = "# fleet allow list\n192.0.2.0/24\n2001:db8::/32\n";

/* minisign - run it with these arguments (X stands for the test directory) */

static void minisign(const char *args)
{
    char    cmd[2048];
    size_t  n = (size_t) snprintf(cmd, sizeof(cmd), "%s ", MINISIGN_PATH);

    for (const char *p = args; *p && n + sizeof(dir) < sizeof(cmd); p++)
        n += (size_t) snprintf(cmd + n, sizeof(cmd) - n, "%s", *p == 'X' ? dir : (char[2]) {*p, 0});
    snprintf(cmd + n, sizeof(cmd) - n, " </dev/null >/dev/null");
    ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static char *slurp(const char *name, size_t *len)
{
    static char buf[2][8192];
    static int which;
    char    path[512];
    FILE   *fp;
    char   *b = buf[which++ & 1];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    ck_assert_ptr_nonnull(fp = fopen(path, "r"));
    *len = fread(b, 1, sizeof(buf[0]) - 1, fp);
    b[*len] = '\0';
    fclose(fp);
    return b;
}

/* setup - two key pairs; the list signed prehashed (minisign's default) and legacy */

static void setup(void)
{
    char    path[512];
    FILE   *fp;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/list", dir);
    ck_assert_ptr_nonnull(fp = fopen(path, "w"));
    fputs(body, fp);
    fclose(fp);
    minisign("-G -W -p X/a.pub -s X/a.sec");
    minisign("-G -W -p X/b.pub -s X/b.sec");
    minisign("-S -s X/a.sec -m X/list -x X/list.ED");
    minisign("-S -l -s X/a.sec -m X/list -x X/list.Ed");
    minisign("-S -s X/b.sec -m X/list -x X/list.b");
}

static void teardown(void)
{
    char    cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    (void) !system(cmd);
}

static rm_minisign_key key(const char *name)
{
    rm_minisign_key k;
    char    err[256];
    size_t  len;
    char   *t = slurp(name, &len);

    ck_assert_msg(rm_minisign_key_parse(t, len, &k, err, sizeof(err)) == 0, "%s: %s", name, err);
    return k;
}

/* verify - 0 or -1, the reason in err */

static int verify(const char *keyname, const char *sig, size_t siglen, const char *msg, char *err)
{
    rm_minisign_key k = key(keyname);

    return rm_minisign_verify(&k, sig, siglen, msg, strlen(msg), NULL, 0, err, 256);
}

START_TEST(good_prehashed_and_legacy)
{
    char    err[256], comment[256];
    size_t  len;
    const char *sig = slurp("list.ED", &len);
    rm_minisign_key k = key("a.pub");

    ck_assert_msg(strstr(sig, "\nRUT") != NULL || sig[0] != '\0', "a signature was written");
    ck_assert_msg(rm_minisign_verify(&k, sig, len, body, strlen(body), comment, sizeof(comment),
                                     err, sizeof(err)) == 0, "prehashed: %s", err);
    ck_assert_msg(strstr(comment, "hashed") != NULL, "trusted comment: %s", comment);
    {
        long long t;

        ck_assert_int_eq(rm_minisign_signed_at(comment, &t), 0);
        ck_assert_msg(t > 1700000000LL && t <= (long long) time(NULL), "timestamp %lld", t);
        ck_assert_int_eq(rm_minisign_signed_at("timestamp:12\tfile:x", &t), 0);
        ck_assert_int_eq(t, 12);
        ck_assert_int_eq(rm_minisign_signed_at("file:x", &t), -1);
        ck_assert_int_eq(rm_minisign_signed_at("timestamp:", &t), -1);
        ck_assert_int_eq(rm_minisign_signed_at("timestamp:12x", &t), -1);
        ck_assert_int_eq(rm_minisign_signed_at("xtimestamp:12", &t), -1);
    }
    sig = slurp("list.Ed", &len);
    ck_assert_msg(verify("a.pub", sig, len, body, err) == 0, "legacy: %s", err);
}
END_TEST

START_TEST(wrong_key_id)
{
    char    err[256];
    size_t  len;
    const char *sig = slurp("list.b", &len);

    ck_assert_int_eq(verify("a.pub", sig, len, body, err), -1);
    ck_assert_msg(strstr(err, "signed by key") != NULL, "%s", err);
}
END_TEST

/* the other key under this key's id: the id matches, the signature must not */
START_TEST(other_key_same_id)
{
    char    err[256];
    size_t  len;
    rm_minisign_key a = key("a.pub"), b = key("b.pub");
    const char *sig = slurp("list.ED", &len);

    memcpy(b.id, a.id, sizeof(a.id));
    ck_assert_int_eq(rm_minisign_verify(&b, sig, len, body, strlen(body), NULL, 0, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "does not match") != NULL, "%s", err);
}
END_TEST

START_TEST(tampered_body)
{
    static const char *const sigs[] = {"list.ED", "list.Ed"};
    char    err[256], other[sizeof(body)];
    size_t  len;

    for (size_t i = 0; i < 2; i++) {
        const char *sig = slurp(sigs[i], &len);

        memcpy(other, body, sizeof(body));
        other[strlen("# fleet allow list\n192.0.2.")] = '1';    /* 192.0.2.1/24 ... */
        ck_assert_int_eq(verify("a.pub", sig, len, other, err), -1);
        ck_assert_msg(strstr(err, "does not match") != NULL, "%s: %s", sigs[i], err);
        /* a byte more at the end */
        snprintf(other, sizeof(other), "%.*s", (int) strlen(body) - 1, body);
        ck_assert_int_eq(verify("a.pub", sig, len, other, err), -1);
    }
}
END_TEST

START_TEST(tampered_trusted_comment)
{
    char    err[256], sig[8192];
    size_t  len;
    char   *p;

    const char *s = slurp("list.ED", &len);

    memcpy(sig, s, len + 1);
    ck_assert_ptr_nonnull(p = strstr(sig, "timestamp:"));
    p[strlen("timestamp:")] = p[strlen("timestamp:")] == '9' ? '8' : '9';
    ck_assert_int_eq(verify("a.pub", sig, len, body, err), -1);
    ck_assert_msg(strstr(err, "trusted comment") != NULL, "%s", err);
}
END_TEST

START_TEST(truncated_and_garbled)
{
    char    err[256], sig[8192];
    size_t  len, cut;
    const char *s = slurp("list.ED", &len);

    /* every prefix of the file but the whole is refused */
    for (cut = 0; cut + 1 < len; cut++) {
        memcpy(sig, s, cut);
        sig[cut] = '\0';
        ck_assert_msg(verify("a.pub", sig, cut, body, err) == -1, "cut at %zu accepted", cut);
    }
    /* a garbled base64 character in the signature line */
    memcpy(sig, s, len + 1);
    sig[strchr(sig, '\n') - sig + 5] = '*';
    ck_assert_int_eq(verify("a.pub", sig, len, body, err), -1);
    ck_assert_msg(strstr(err, "malformed") != NULL, "%s", err);
    /* an unknown algorithm */
    ck_assert_int_eq(verify("a.pub", "untrusted comment: x\nRXQAAAAA\n", 29, body, err), -1);
    ck_assert_int_eq(verify("a.pub", "", 0, body, err), -1);
}
END_TEST

START_TEST(public_keys)
{
    rm_minisign_key k, bare;
    char    err[256], id[17], *nl;
    size_t  len;
    const char *t = slurp("a.pub", &len);

    k = key("a.pub");
    /* the base64 line alone is the same key */
    nl = strchr(t, '\n');
    ck_assert_int_eq(rm_minisign_key_parse(nl + 1, strlen(nl + 1), &bare, err, sizeof(err)), 0);
    ck_assert_mem_eq(&k, &bare, sizeof(k));
    /* the id as minisign prints it in the comment */
    rm_minisign_key_id(k.id, id);
    ck_assert_msg(strstr(t, id) != NULL, "id %s in %s", id, t);
    ck_assert_int_eq(rm_minisign_key_parse("untrusted comment: x\n", 21, &k, err, sizeof(err)), -1);
    ck_assert_int_eq(rm_minisign_key_parse("RWQAAAA=\n", 9, &k, err, sizeof(err)), -1);
    ck_assert_int_eq(rm_minisign_key_parse("", 0, &k, err, sizeof(err)), -1);
}
END_TEST

START_TEST(urls_and_cache_names)
{
    static const struct {
        const char *url;
        int     ok;
    } t[] = {
        {"https://lists.example.net/mta/allow.list", 1},
        {"http://127.0.0.1:8080/deny.list", 1},
        {"HTTPS://example.net/", 1},
        {"ftp://example.net/allow.list", 0},
        {"https:///allow.list", 0},
        {"https://user:pw@example.net/allow.list", 0},
        {"https://example.net/a list", 0},
        {"https://example.net/a\"b", 0},
        {"https://example.net/\x7f", 0},
    };
    char    a[4096], b[4096];

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        ck_assert_msg((rm_source_check_url(t[i].url) == NULL) == t[i].ok, "%s", t[i].url);
    ck_assert_int_eq(rm_source_cache_path("/c", "https://x.example/m/allow.list?v=1", a, sizeof(a)), 0);
    ck_assert_int_eq(rm_source_cache_path("/c", "https://y.example/m/allow.list?v=1", b, sizeof(b)), 0);
    ck_assert_msg(strncmp(a, "/c/", 3) == 0 && strlen(a) == 3 + 16 + 1 + strlen("allow.list")
                  && strcmp(a + 20, "allow.list") == 0, "%s", a);
    ck_assert_str_ne(a, b);             /* the same name from two servers: two files */
    ck_assert_int_eq(rm_source_cache_path("/c", "https://x.example/../..", a, sizeof(a)), 0);
    ck_assert_ptr_null(strstr(a + 3, "/"));
    ck_assert_msg(strstr(a, "..") == NULL, "%s", a);
    ck_assert_int_eq(rm_source_cache_path("/c", "https://x.example/", a, sizeof(a)), 0);
    ck_assert_msg(strcmp(a + 20, "list") == 0, "%s", a);
    ck_assert_int_eq(rm_source_cache_path("/c", "https://x.example/", a, 10), -1);
}
END_TEST

START_TEST(meta_round_trip)
{
    rm_source_meta m = {"https://x.example/allow.list", "\"6650e0d3-2f\"", "Wed, 01 May 2024 12:00:00 GMT",
                        1714564800, 1714564700}, back;
    char    buf[4096];
    size_t  n = rm_source_meta_format(&m, buf, sizeof(buf));

    ck_assert_uint_gt(n, 0);
    ck_assert_int_eq(rm_source_meta_parse(buf, n, &back), 0);
    ck_assert_str_eq(back.url, m.url);
    ck_assert_str_eq(back.etag, m.etag);
    ck_assert_str_eq(back.last_modified, m.last_modified);
    ck_assert_int_eq(back.fetched, m.fetched);
    ck_assert_int_eq(back.signed_at, m.signed_at);
    ck_assert_int_eq(rm_source_meta_parse("url x\netag a\rb\n", 15, &back), -1);
    ck_assert_int_eq(rm_source_meta_parse("etag a\n", 7, &back), -1);      /* no url */
    ck_assert_int_eq(rm_source_meta_parse("url x\nfetched -1\n", 17, &back), -1);
    ck_assert_int_eq(rm_source_meta_parse("url x\ngarbage\n", 14, &back), -1);
}
END_TEST

/* A URL list reads from its cache file in list_cache_dir. */
START_TEST(config_urls)
{
    static const char text[] =
        "allow_list = https://lists.example.net/allow.list\n"
        "list_cache_dir = /var/cache/rm\n"
        "local_domains = url:https://lists.example.net/domains\n"
        "list_poll_interval = 2\n";
    rm_config *c;
    rm_diag d;
    char    want[4096];

    rm_diag_init(&d);
    ck_assert_int_eq(rm_config_parse_buffer("t.conf", "/etc/rm", text, strlen(text), &c, &d), 0);
    ck_assert_str_eq(c->list_url[RM_LIST_ALLOW], "https://lists.example.net/allow.list");
    rm_source_cache_path("/var/cache/rm", "https://lists.example.net/allow.list", want, sizeof(want));
    ck_assert_str_eq(c->list_path[RM_LIST_ALLOW], want);
    ck_assert_str_eq(c->list_url[RM_LIST_DENY], "");
    ck_assert_str_eq(c->list_path[RM_LIST_DENY], "/etc/rm/deny.list");
    ck_assert_str_eq(c->domains_url, "https://lists.example.net/domains");
    ck_assert_msg(strncmp(c->local_domains, "file:/var/cache/rm/", 19) == 0, "%s", c->local_domains);
    ck_assert_uint_eq(c->list_poll_interval, 2);
    ck_assert(c->watch_files);
    ck_assert(rm_config_has_urls(c));
    rm_config_free(c);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_config_parse_buffer("t.conf", "/etc/rm", "allow_list = https://u@x/a\n", 27, &c, &d), -1);
    ck_assert_int_eq(rm_config_parse_buffer("t.conf", "/etc/rm", "list_poll_interval = 0\n", 23, &c, &d), -1);
    ck_assert_int_eq(rm_config_parse_buffer("t.conf", "/etc/rm", "watch_files = maybe\n", 20, &c, &d), -1);
}
END_TEST

int     main(void)
{
    Suite  *s = suite_create("source");
    TCase  *sig = tcase_create("minisign");
    TCase  *src = tcase_create("source");
    SRunner *r;
    int     failed;

    tcase_add_unchecked_fixture(sig, setup, teardown);
    tcase_set_timeout(sig, 60);
    tcase_add_test(sig, good_prehashed_and_legacy);
    tcase_add_test(sig, wrong_key_id);
    tcase_add_test(sig, other_key_same_id);
    tcase_add_test(sig, tampered_body);
    tcase_add_test(sig, tampered_trusted_comment);
    tcase_add_test(sig, truncated_and_garbled);
    tcase_add_test(sig, public_keys);
    suite_add_tcase(s, sig);
    tcase_add_test(src, urls_and_cache_names);
    tcase_add_test(src, meta_round_trip);
    tcase_add_test(src, config_urls);
    suite_add_tcase(s, src);
    r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
