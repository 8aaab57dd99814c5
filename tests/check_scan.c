/* SPDX-License-Identifier: BSD-2-Clause */
/* check_scan - the one line reader, edge by edge, and the readers built on it */

/*
 * First the scanner alone: a table of inputs, each with the lines it must
 * cut, written "line:col[tok]/textlen/spanlen" (faults "line!kind@col"),
 * so that a row reads as input, want; a failure prints what it got.  Then
 * the readers: every one of them (list loader, edit, lint, the domains
 * file, the configuration file) must read the same edges the same way,
 * a byte order mark, CRLF, a form feed before an entry, with the loader's
 * exact messages and byte-counted columns.
 */

#include "unit_util.h"
#include "rm_config.h"
#include "rm_domains.h"
#include "rm_edit.h"
#include "rm_lint.h"
#include "rm_mem.h"
#include "rm_scan.h"

#define LIST RM_SCAN_HASH_ANYWHERE
#define CHECKED (RM_SCAN_HASH_ANYWHERE | RM_SCAN_CHECK_NUL | RM_SCAN_CHECK_TEXT)
#define CONFIG RM_SCAN_CHECK_NUL

/* esc - bytes as text: printable ASCII as is, the rest \xHH */

static void esc(char *out, size_t *o, size_t cap, const char *s, size_t n)
{
    for (size_t i = 0; i < n && *o + 5 < cap; i++) {
        unsigned char c = (unsigned char) s[i];

        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[(*o)++] = (char) c;
        else
            *o += (size_t) snprintf(out + *o, cap - *o, "\\x%02x", c);
    }
    out[*o] = '\0';
}

/* scan_all - every line of buf as the table writes them */

static int scan_all(const char *buf, size_t len, unsigned flags, char *out, size_t cap)
{
    rm_scan sc;
    rm_scan_line ln;
    size_t  o = 0;
    int     rc = rm_scan_init(&sc, buf, len, flags);
    static const char *kind[] = {"ok", "long", "nul", "utf8"};

    out[0] = '\0';
    while (rm_scan_next(&sc, &ln) && o + 64 < cap) {
        if (o)
            out[o++] = ' ';
        if (ln.fault != RM_SCAN_OK) {
            o += (size_t) snprintf(out + o, cap - o, "%u!%s@%u", ln.line, kind[ln.fault], ln.fault_col);
            if (ln.fault == RM_SCAN_UTF8)
                o += (size_t) snprintf(out + o, cap - o, "=%02X", ln.fault_byte);
            continue;
        }
        o += (size_t) snprintf(out + o, cap - o, "%u:%u[", ln.line, ln.col);
        esc(out, &o, cap, ln.tok, ln.toklen);
        o += (size_t) snprintf(out + o, cap - o, "]/%zu/%zu", ln.textlen, ln.spanlen);
        /* The spans tile the buffer: each begins where the last ended. */
        ck_assert_ptr_eq(ln.span + ln.spanlen, sc.buf + sc.pos);
    }
    return rc;
}

static const struct scan_case {
    const char *what;
    const char *text;
    size_t  len;                        /* 0: strlen(text) */
    size_t  pad;                        /* that many 'x' after text ... */
    const char *tail;                   /* ... then this */
    unsigned flags;
    int     init;                       /* rm_scan_init's answer */
    const char *want;
} scan_cases[] = {
    {"empty", "", 0, 0, "", LIST, 0, ""},
    {"BOM alone", "\xef\xbb\xbf", 0, 0, "", LIST, 0, ""},
    {"BOM alone, newline", "\xef\xbb\xbf\n", 0, 0, "", LIST, 0, "1:1[]/0/4"},
    {"BOM is not a column", "\xef\xbb\xbf" "10.0.0.1\n", 0, 0, "", LIST, 0, "1:1[10.0.0.1]/8/12"},
    {"BOM then blanks", "\xef\xbb\xbf  x", 0, 0, "", LIST, 0, "1:3[x]/3/6"},
    {"BOM mid-file is text", "a\n\xef\xbb\xbf" "b\n", 0, 0, "", LIST, 0, "1:1[a]/1/2 2:1[\\xef\\xbb\\xbfb]/4/5"},
    {"half a BOM is text", "\xef\xbb" "a", 0, 0, "", LIST, 0, "1:1[\\xef\\xbba]/3/3"},
    {"UTF-16 LE BOM", "\xff\xfe" "a", 0, 0, "", LIST, -1, "1:1[\\xff\\xfea]/3/3"},
    {"UTF-16 BE BOM", "\xfe\xff" "a", 0, 0, "", LIST, -1, "1:1[\\xfe\\xffa]/3/3"},
    {"no final newline", "a\nb", 0, 0, "", LIST, 0, "1:1[a]/1/2 2:1[b]/1/1"},
    {"blank lines", "\n\n", 0, 0, "", LIST, 0, "1:1[]/0/1 2:1[]/0/1"},
    {"CRLF", "a\r\nb\r\n", 0, 0, "", LIST, 0, "1:1[a]/1/3 2:1[b]/1/3"},
    {"CR alone is no line end", "a\rb\n", 0, 0, "", LIST, 0, "1:1[a\\x0db]/3/4"},
    {"CR at the end, no LF", "a\r", 0, 0, "", LIST, 0, "1:1[a]/1/2"},
    {"one CR is the line end's", "a\r\r\n", 0, 0, "", LIST, 0, "1:1[a]/2/4"},
    {"blanks", " \t\f\vx \t\r\n", 0, 0, "", LIST, 0, "1:5[x]/7/9"},
    {"comment after token", "10.0.0.1 # x\n", 0, 0, "", LIST, 0, "1:1[10.0.0.1]/12/13"},
    {"comment glued to token", "10.0.0.1#x", 0, 0, "", LIST, 0, "1:1[10.0.0.1]/10/10"},
    {"comment line", "  # x\n", 0, 0, "", LIST, 0, "1:3[]/5/6"},
    {"config: '#' after text is text", "a = b # x", 0, 0, "", CONFIG, 0, "1:1[a = b # x]/9/9"},
    {"config: comment line", "  # x", 0, 0, "", CONFIG, 0, "1:3[]/5/5"},
    {"continuation: col above 1", "a = 1\n  2\n\t3\n", 0, 0, "", CONFIG, 0,
     "1:1[a = 1]/5/6 2:3[2]/3/4 3:2[3]/2/3"},
    {"NUL checked", "ab\0c\n", 5, 0, "", CHECKED, 0, "1!nul@3"},
    {"NUL unchecked is text", "ab\0c\n", 5, 0, "", LIST, 0, "1:1[ab\\x00c]/4/5"},
    {"NUL after a fault line", "\xff\n\0", 3, 0, "", CHECKED, 0, "1!utf8@1=FF 2!nul@1"},
    {"NUL before bad UTF-8", "\xff\0", 2, 0, "", CHECKED, 0, "1!nul@2"},
    {"bad UTF-8", "a\xff\n", 0, 0, "", CHECKED, 0, "1!utf8@2=FF"},
    {"overlong UTF-8", "a\xc0\x80", 0, 0, "", CHECKED, 0, "1!utf8@2=C0"},
    {"surrogate", "ab\xed\xa0\x80", 0, 0, "", CHECKED, 0, "1!utf8@3=ED"},
    {"truncated UTF-8", "a\xc3", 0, 0, "", CHECKED, 0, "1!utf8@2=C3"},
    {"bad UTF-8 past eight ASCII bytes", "0123456789\xff", 0, 0, "", CHECKED, 0, "1!utf8@11=FF"},
    {"bad UTF-8 after a good character", "\xc3\xa9" "01234567\xe9x", 0, 0, "", CHECKED, 0, "1!utf8@11=E9"},
    {"good UTF-8 across words", "0123456\xc3\xa9" "0123456\xe2\x82\xac", 0, 0, "", CHECKED, 0,
     "1:1[0123456\\xc3\\xa90123456\\xe2\\x82\\xac]/19/19"},
    {"UTF-8 columns in bytes", "\xc3\xa9 x", 0, 0, "", CHECKED, 0, "1:1[\\xc3\\xa9 x]/4/4"},
    {"line of the cap", "", 0, RM_SCAN_MAX_LINE, "\n", CHECKED, 0, NULL},
    {"line of the cap, CRLF", "", 0, RM_SCAN_MAX_LINE, "\r\n", CHECKED, 0, NULL},
    {"over-long line", "a\n", 0, RM_SCAN_MAX_LINE + 1, "\nb", CHECKED, 0, "1:1[a]/1/2 2!long@4097 3:1[b]/1/1"},
    {"over-long unchecked", "", 0, RM_SCAN_MAX_LINE + 1, "", LIST, 0, NULL},
};

START_TEST(test_scan_table)
{
    static char got[4 * RM_SCAN_MAX_LINE], want[4 * RM_SCAN_MAX_LINE];

    for (size_t i = 0; i < NELEM(scan_cases); i++) {
        const struct scan_case *t = &scan_cases[i];
        size_t  tl = t->len ? t->len : strlen(t->text), n = tl + t->pad + strlen(t->tail);
        char   *buf = malloc(n + 1);
        int     rc;

        ck_assert_ptr_nonnull(buf);
        memcpy(buf, t->text, tl);
        memset(buf + tl, 'x', t->pad);
        memcpy(buf + tl + t->pad, t->tail, strlen(t->tail) + 1);
        rc = scan_all(buf, n, t->flags, got, sizeof(got));
        if (t->want)
            snprintf(want, sizeof(want), "%s", t->want);
        else                            /* one line of pad x's: the token */
            snprintf(want, sizeof(want), "1:1[%.*s]/%zu/%zu", (int) t->pad, buf, t->pad, n);
        ck_assert_msg(strcmp(got, want) == 0, "%s: want \"%.200s\", got \"%.200s\"", t->what, want, got);
        ck_assert_msg(rc == t->init, "%s: rm_scan_init gave %d, want %d", t->what, rc, t->init);
        free(buf);
    }
}
END_TEST

/* The list loader: its messages and columns over the same edges. */

static const struct load_case {
    const char *what;
    const char *text;
    size_t  len;
    const char *want;                   /* first error, or "N entries" */
} load_cases[] = {
    {"BOM alone", "\xef\xbb\xbf", 0, "0 entries"},
    {"BOM, then an entry", "\xef\xbb\xbf" "192.0.2.1\n", 0, "1 entries"},
    {"BOM is not a column", "\xef\xbb\xbf" "192.0.2.300\n", 0,
     "t.list:1:9: error: IPv4 octet 300 is over 255 in \"192.0.2.300\""},
    {"BOM mid-file", "192.0.2.1\n\xef\xbb\xbf" "192.0.2.2\n", 0,
     "t.list:2:1: error: unexpected character U+FEFF ZERO WIDTH NO-BREAK SPACE (entries are ASCII) in \"\\uFEFF192.0.2.2\""},
    {"UTF-16", "\xff\xfe" "1\0", 4,
     "t.list:1:1: error: file is UTF-16 (byte order mark FF FE); save it as UTF-8 or ASCII"},
    {"CRLF", "192.0.2.1\r\n192.0.2.2\r\n", 0, "2 entries"},
    {"CR alone", "192.0.2.1\r192.0.2.2\n", 0,
     "t.list:1:10: error: unexpected byte 0x0D (entries are ASCII) in \"192.0.2.1\\x0d192.0.2.2\""},
    {"form feed before an entry", "\f192.0.2.1\n", 0, "1 entries"},
    {"columns in bytes, not characters", "# caf\xc3\xa9\xff\n", 0,
     "t.list:1:8: error: not UTF-8 text: byte 0xFF"},
    {"NUL", "192.0.2.1\n19\0", 13, "t.list:2:3: error: NUL byte (is this a binary file?)"},
    {"bad UTF-8", "  192.0.2.1 # caf\xe9\n", 0, "t.list:1:18: error: not UTF-8 text: byte 0xE9"},
    {"comment after token", "192.0.2.1#x\n192.0.2.2 # y\n", 0, "2 entries"},
};

START_TEST(test_load_table)
{
    for (size_t i = 0; i < NELEM(load_cases); i++) {
        const struct load_case *t = &load_cases[i];
        rm_diag d;
        rm_list *l = NULL;
        char    got[512];

        rm_diag_init(&d);
        if (rm_list_load_buffer("t.list", t->text, t->len ? t->len : strlen(t->text), NULL, &l, &d) == 0) {
            snprintf(got, sizeof(got), "%u entries", rm_list_count(l));
            rm_list_free(l);
        } else {
            u_diag_str(&d, 0, got, sizeof(got));
        }
        ck_assert_msg(strcmp(got, t->want) == 0, "%s: want \"%s\", got \"%s\"", t->what, t->want, got);
    }
}
END_TEST

/* rm_edit_del reads lines as the loader does, and keeps a byte order mark. */

static const struct del_case {
    const char *what;
    const char *text;
    const char *entry;
    const char *want;                   /* the new text; NULL: unchanged */
} del_cases[] = {
    {"BOM kept when line 1 goes", "\xef\xbb\xbf" "192.0.2.1\n192.0.2.2\n", "192.0.2.1",
     "\xef\xbb\xbf" "192.0.2.2\n"},
    {"BOM kept when line 2 goes", "\xef\xbb\xbf" "192.0.2.1\n192.0.2.2\n", "192.0.2.2",
     "\xef\xbb\xbf" "192.0.2.1\n"},
    {"CRLF kept", "192.0.2.1\r\n# c\r\n192.0.2.2\r\n", "192.0.2.1", "# c\r\n192.0.2.2\r\n"},
    {"form feed before the entry", "\f192.0.2.1\n192.0.2.2\n", "192.0.2.1", "192.0.2.2\n"},
    {"comment after the entry", "192.0.2.1# why\n192.0.2.2\n", "192.0.2.1", "192.0.2.2\n"},
    {"no final newline", "192.0.2.2\n192.0.2.1", "192.0.2.1", "192.0.2.2\n"},
    {"commented out is not there", "# 192.0.2.1\n192.0.2.2\n", "192.0.2.1", NULL},
};

START_TEST(test_del_table)
{
    for (size_t i = 0; i < NELEM(del_cases); i++) {
        const struct del_case *t = &del_cases[i];
        rm_edit_result r;
        rm_diag d;
        enum rm_edit_status st;
        char    dump[1024];

        rm_diag_init(&d);
        st = rm_edit_del("t.list", t->text, strlen(t->text), t->entry, NULL, &r, &d);
        if (t->want == NULL) {
            ck_assert_msg(st == RM_EDIT_UNCHANGED, "%s: status %d (%s)", t->what, st,
                          u_diag_dump(&d, dump, sizeof(dump)));
            continue;
        }
        ck_assert_msg(st == RM_EDIT_CHANGED, "%s: status %d (%s; %s)", t->what, st, r.why,
                      u_diag_dump(&d, dump, sizeof(dump)));
        ck_assert_msg(r.outlen == strlen(t->want) && memcmp(r.out, t->want, r.outlen) == 0,
                      "%s: got \"%.*s\"", t->what, (int) r.outlen, r.out);
        rm_free(r.out);
    }
}
END_TEST

/* rm_lint_list: a warning's column is where the loader found the entry. */

static void lint_first(void *ctx, const rm_diag_msg *m)
{
    char   *got = ctx;

    if (got[0] == '\0')
        rm_diag_format(m, got, 512);
}

static const struct lint_case {
    const char *what;
    const char *text;
    const char *want;
} lint_cases[] = {
    {"BOM is not a column", "\xef\xbb\xbf" "192.0.2.1\n192.0.2.1\n",
     "t.list:2:1: warning: entry 192.0.2.1 repeats line 1 (192.0.2.1)"},
    {"BOM and blanks", "\xef\xbb\xbf" "192.0.2.1\n\n  192.0.2.1\n",
     "t.list:3:3: warning: entry 192.0.2.1 repeats line 1 (192.0.2.1)"},
    {"form feed and tab", "192.0.2.1\n\f\t192.0.2.1\n",
     "t.list:2:3: warning: entry 192.0.2.1 repeats line 1 (192.0.2.1)"},
    {"CRLF", "192.0.2.1\r\n\r\n\t192.0.2.1\r\n",
     "t.list:3:2: warning: entry 192.0.2.1 repeats line 1 (192.0.2.1)"},
};

START_TEST(test_lint_table)
{
    for (size_t i = 0; i < NELEM(lint_cases); i++) {
        const struct lint_case *t = &lint_cases[i];
        rm_diag d;
        rm_list *l;
        char    got[512] = "";

        rm_diag_init(&d);
        ck_assert_int_eq(rm_list_load_buffer("t.list", t->text, strlen(t->text), NULL, &l, &d), 0);
        rm_lint_list(l, RM_LIST_DENY, t->text, strlen(t->text), lint_first, got);
        ck_assert_msg(strcmp(got, t->want) == 0, "%s: want \"%s\", got \"%s\"", t->what, t->want, got);
        rm_list_free(l);
    }
}
END_TEST

/* The domains file: one name or more a line, '#' comments, like a list. */

static const struct domains_case {
    const char *what;
    const char *text;
    const char *want;                   /* the names, sorted, or the first error */
} domains_cases[] = {
    {"BOM", "\xef\xbb\xbf" "example.com\n", "example.com"},
    {"BOM alone", "\xef\xbb\xbf", ""},
    {"CRLF and comments", "b.example # x\r\n# y\r\na.example, c.example\r\n",
     "a.example b.example c.example"},
    {"form feed", "\fexample.org\f\n", "example.org"},
    {"BOM mid-file is a name's byte", "a.example\n\xef\xbb\xbf" "b.example\n",
     "D/f:2: error: local_domains: \"\\uFEFFb.example\" is not a domain name or address literal"},
};

START_TEST(test_domains_table)
{
    char    dir[256], path[300], value[310];

    u_tmpdir(dir, sizeof(dir));
    u_path(path, sizeof(path), dir, "f");
    snprintf(value, sizeof(value), "file:%s", path);
    for (size_t i = 0; i < NELEM(domains_cases); i++) {
        const struct domains_case *t = &domains_cases[i];
        rm_domains *s;
        rm_diag d;
        char    got[512], want[512];
        size_t  o = 0;

        u_write_str(path, t->text);
        rm_diag_init(&d);
        got[0] = '\0';
        if (rm_domains_parse(value, NULL, "c.conf", 7, NULL, &s, &d) == 0) {
            for (size_t k = 0; k < rm_domains_count(s); k++)
                o += (size_t) snprintf(got + o, sizeof(got) - o, "%s%s", k ? " " : "", rm_domains_get(s, k));
            rm_domains_free(s);
        } else {
            u_diag_str(&d, 0, got, sizeof(got));
        }
        snprintf(want, sizeof(want), "%s", t->want);
        if (strncmp(want, "D/f", 3) == 0)
            snprintf(want, sizeof(want), "%s%s", path, t->want + 3);
        ck_assert_msg(strcmp(got, want) == 0, "%s: want \"%s\", got \"%s\"", t->what, want, got);
    }
    u_rmtree(dir);
}
END_TEST

/* The configuration file: BOM, CRLF, comments and continuation lines. */

static const struct config_case {
    const char *what;
    const char *text;
    size_t  len;
    const char *want;                   /* reject_reply, or the first error */
} config_cases[] = {
    {"BOM", "\xef\xbb\xbfreject_reply = 550 5.7.1 no\n", 0, "550 5.7.1 no"},
    {"CRLF", "reject_reply = 550 5.7.1 no\r\n", 0, "550 5.7.1 no"},
    {"continuation", "reject_reply = 550\n  5.7.1\n\tno\n", 0, "550 5.7.1 no"},
    {"continuation, CRLF", "reject_reply = 550\r\n  5.7.1\r\n\tno\r\n", 0, "550 5.7.1 no"},
    {"comment between", "reject_reply = 550\n# c\n  5.7.1 no\n", 0, "550 5.7.1 no"},
    {"'#' after a value is the value's", "reject_reply = 550 5.7.1 #1\n", 0, "550 5.7.1 #1"},
    {"continuation first", "  reject_reply = 550\n", 0,
     "c.conf:1:3: error: continuation line without a setting before it"},
    {"NUL", "mode = report\nmo\0de = x\n", 24, "c.conf:2:3: error: NUL byte"},
    {"BOM mid-file", "mode = report\n\xef\xbb\xbfmode = x\n", 0,
     "c.conf:2:1: error: unknown setting \"\\uFEFFmode\""},
    {"value error on a continuation", "mode = report\nmax_entries =\n    12x\n", 0,
     "c.conf:3:5: error: bad value for max_entries: expected a number from 1 to 1000000000"},
};

START_TEST(test_config_table)
{
    for (size_t i = 0; i < NELEM(config_cases); i++) {
        const struct config_case *t = &config_cases[i];
        rm_config *c;
        rm_diag d;
        char    got[600];

        rm_diag_init(&d);
        if (rm_config_parse_buffer("c.conf", "/nonexistent", t->text, t->len ? t->len : strlen(t->text),
                                   &c, &d) == 0) {
            snprintf(got, sizeof(got), "%s", c->reject_reply);
            rm_config_free(c);
        } else {
            u_diag_str(&d, 0, got, sizeof(got));
        }
        ck_assert_msg(strcmp(got, t->want) == 0, "%s: want \"%s\", got \"%s\"", t->what, t->want, got);
    }
}
END_TEST

/* rm_config_sniff, which tells lint that a "list" is a configuration. */

static const struct sniff_case {
    const char *what;
    const char *text;
    unsigned want;                      /* the line, or 0 */
} sniff_cases[] = {
    {"plain", "# c\nmode = report\n", 2},
    {"BOM", "\xef\xbb\xbfmode = report\n", 1},
    {"CRLF, blanks", "\r\n \tmode\t= report\r\n", 2},
    {"comment", "# mode = report\n", 0},
    {"a list", "192.0.2.1\nmode\n", 0},
};

START_TEST(test_sniff_table)
{
    for (size_t i = 0; i < NELEM(sniff_cases); i++) {
        const struct sniff_case *t = &sniff_cases[i];
        size_t  key;
        unsigned got = rm_config_sniff(t->text, strlen(t->text), &key);

        ck_assert_msg(got == t->want, "%s: want line %u, got %u", t->what, t->want, got);
        if (got)
            ck_assert_str_eq(rm_config_key_name(key), "mode");
    }
}
END_TEST

static Suite *scan_suite(void)
{
    Suite  *s = suite_create("scan");
    TCase  *tc = tcase_create("scan");

    tcase_add_test(tc, test_scan_table);
    tcase_add_test(tc, test_load_table);
    tcase_add_test(tc, test_del_table);
    tcase_add_test(tc, test_lint_table);
    tcase_add_test(tc, test_domains_table);
    tcase_add_test(tc, test_config_table);
    tcase_add_test(tc, test_sniff_table);
    suite_add_tcase(s, tc);
    return s;
}

int     main(void)
{
    return u_run(scan_suite());
}
