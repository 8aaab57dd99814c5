/* SPDX-License-Identifier: BSD-2-Clause */
/* check_edit - rm_edit_add and rm_edit_del: one table row per edit */

/*
 * A row is the list's text as it is on disk, the operation and its entry,
 * the limits the daemon would load the list with, and everything the
 * edit must answer: the status, the new text byte for byte, the sentence
 * for the administrator, the lines it names, and for an error every
 * message of the diag with its file, line and column.  Texts are given
 * with their length, so that NUL bytes, byte order marks and UTF-16 are
 * rows like any other.
 */

#include "unit_util.h"

#include "rm_edit.h"
#include "rm_mem.h"

#define BUF(s) {s, sizeof(s) - 1}
#define NAME "allow.txt"

typedef struct bytes {
    const char *p;
    size_t  len;
} bytes;

enum op { ADD, DEL };

typedef struct edit_row {
    const char *what;
    enum op op;
    bytes   in;
    const char *entry;
    const char *comment;                /* ADD only; NULL: none */
    uint64_t max_entries, max_bytes;    /* 0: the defaults */
    enum rm_edit_status want;
    bytes   out;                        /* CHANGED: the new text */
    const char *why;                    /* CHANGED, UNCHANGED: r->why */
    unsigned lines[3];                  /* r->lines, as many as nlines (max 3) */
    size_t  nlines;
    unsigned covered_line;              /* r->covered_line after the call */
    const char *diag;                   /* every message, "a | b", or "" */
} edit_row;

static const edit_row rows[] = {
    /* -- add: the entry an administrator typed -- */
    {"add to an empty file", ADD, BUF(""), "192.0.2.1", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("192.0.2.1\n"), "added 192.0.2.1 to " NAME, {0}, 0, 0, ""},
    {"add after the last line", ADD, BUF("# mine\n10.0.0.0/8\n"), "192.0.2.1", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("# mine\n10.0.0.0/8\n192.0.2.1\n"), "added 192.0.2.1 to " NAME, {0}, 0, 0, ""},
    {"a last line without its newline gets one", ADD, BUF("10.0.0.0/8"), "192.0.2.1", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("10.0.0.0/8\n192.0.2.1\n"), "added 192.0.2.1 to " NAME, {0}, 0, 0, ""},
    {"blank typed around the entry is not kept", ADD, BUF(""), " \t192.0.2.1\t ", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("192.0.2.1\n"), "added 192.0.2.1 to " NAME, {0}, 0, 0, ""},
    {"the entry is written in its canonical form", ADD, BUF(""), "2001:DB8:0:0::1", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("2001:db8::1\n"), "added 2001:db8::1 to " NAME, {0}, 0, 0, ""},
    {"an Exchange mask entry", ADD, BUF(""), "192.0.2.0;255.255.255.0", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("192.0.2.0;255.255.255.0\n"), "added 192.0.2.0;255.255.255.0 to " NAME,
     {0}, 0, 0, ""},
    {"a comment follows the entry", ADD, BUF("10.0.0.0/8\n"), "192.0.2.1", "ticket 42", 0, 0,
     RM_EDIT_CHANGED, BUF("10.0.0.0/8\n192.0.2.1  # ticket 42\n"), "added 192.0.2.1 to " NAME,
     {0}, 0, 0, ""},
    {"an empty comment writes none", ADD, BUF(""), "192.0.2.1", "", 0, 0,
     RM_EDIT_CHANGED, BUF("192.0.2.1\n"), "added 192.0.2.1 to " NAME, {0}, 0, 0, ""},
    {"comments, blanks and order are kept byte for byte", ADD,
     BUF("  # a\r\n\n10.0.0.1 # b\n\t\n10.0.0.0/8"), "192.0.2.1", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("  # a\r\n\n10.0.0.1 # b\n\t\n10.0.0.0/8\n192.0.2.1\n"),
     "added 192.0.2.1 to " NAME, {0}, 0, 0, ""},
    {"a byte order mark is kept", ADD, BUF("\xef\xbb\xbf" "10.0.0.1\n"), "192.0.2.1", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("\xef\xbb\xbf" "10.0.0.1\n192.0.2.1\n"), "added 192.0.2.1 to " NAME,
     {0}, 0, 0, ""},
    {"a CRLF file gets a CRLF line", ADD, BUF("10.0.0.1\r\n"), "192.0.2.1",
     NULL, 0, 0, RM_EDIT_CHANGED, BUF("10.0.0.1\r\n192.0.2.1\r\n"), "added 192.0.2.1 to " NAME,
     {0}, 0, 0, ""},
    {"a CRLF file without a last line end: both lines end in CRLF", ADD, BUF("10.0.0.1\r\n10.0.0.2"),
     "192.0.2.1", "ticket 7", 0, 0, RM_EDIT_CHANGED, BUF("10.0.0.1\r\n10.0.0.2\r\n192.0.2.1  # ticket 7\r\n"),
     "added 192.0.2.1 to " NAME, {0}, 0, 0, ""},
    {"a mixed file: the last line end decides", ADD, BUF("10.0.0.1\r\n10.0.0.2\n"), "192.0.2.1",
     NULL, 0, 0, RM_EDIT_CHANGED, BUF("10.0.0.1\r\n10.0.0.2\n192.0.2.1\n"), "added 192.0.2.1 to " NAME,
     {0}, 0, 0, ""},
    {"--force: an open entry is the caller's to refuse", ADD, BUF(""), "0.0.0.0/0", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("0.0.0.0/0\n"), "added 0.0.0.0/0 to " NAME, {0}, 0, 0, ""},
    {"--force: a dead entry is the caller's to refuse", ADD, BUF(""), "192.0.2.1;255.255.255.0",
     NULL, 0, 0, RM_EDIT_CHANGED, BUF("192.0.2.1;255.255.255.0\n"),
     "added 192.0.2.1;255.255.255.0 to " NAME, {0}, 0, 0, ""},

    /* -- add: nothing to do -- */
    {"already there", ADD, BUF("10.0.0.1\n192.0.2.1\n"), "192.0.2.1", NULL, 0, 0,
     RM_EDIT_UNCHANGED, BUF(""), "192.0.2.1 is already covered by " NAME ":2 (192.0.2.1); nothing changed",
     {2}, 1, 0, ""},
    {"covered by a wider entry", ADD, BUF("# x\n\n192.0.2.0/24\n"), "192.0.2.128/25", NULL, 0, 0,
     RM_EDIT_UNCHANGED, BUF(""),
     "192.0.2.128/25 is already covered by " NAME ":3 (192.0.2.0/24); nothing changed", {3}, 1, 0, ""},
    {"covered after a byte order mark, CRLF", ADD, BUF("\xef\xbb\xbf" "10.0.0.0/8\r\n"), "10.1.2.3",
     NULL, 0, 0, RM_EDIT_UNCHANGED, BUF(""),
     "10.1.2.3 is already covered by " NAME ":1 (10.0.0.0/8); nothing changed", {1}, 1, 0, ""},
    {"a wider entry than the one there is added", ADD, BUF("192.0.2.1\n"), "192.0.2.0/24", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("192.0.2.1\n192.0.2.0/24\n"), "added 192.0.2.0/24 to " NAME, {0}, 0, 0, ""},

    /* -- add: refused, with where and why -- */
    {"a bad entry", ADD, BUF(""), "192.0.2.300", NULL, 0, 0, RM_EDIT_ERROR, BUF(""), "", {0}, 0, 0,
     "error: bad entry: IPv4 octet 300 is over 255 in \"192.0.2.300\" (column 9)"},
    {"a bad entry's column counts from its first character", ADD, BUF(""), "  10.0.0.0/33", NULL, 0, 0,
     RM_EDIT_ERROR, BUF(""), "", {0}, 0, 0, "error: bad entry: prefix length over 32 in \"10.0.0.0/33\" (column 10)"},
    {"an empty entry", ADD, BUF(""), " ", NULL, 0, 0, RM_EDIT_ERROR, BUF(""), "", {0}, 0, 0,
     "error: bad entry: empty entry in \"\" (column 1)"},
    {"a bad entry is quoted with its control bytes escaped", ADD, BUF(""), "10.0.0.1\x1b[2J", NULL, 0, 0,
     RM_EDIT_ERROR, BUF(""), "", {0}, 0, 0,
     "error: bad entry: unexpected byte 0x1B (entries are ASCII) in \"10.0.0.1\\x1b[2J\" (column 9)"},
    {"a list that is not UTF-8", ADD, BUF("10.0.0.1 # caf\xe9\n"), "192.0.2.1", NULL, 0, 0, RM_EDIT_ERROR,
     BUF(""), "", {0}, 0, 0,
     NAME ":1:15: error: not UTF-8 text: byte 0xE9 | "
     NAME ": error: the list has errors already; fix them first (the file is unchanged)"},
    {"a comment of two lines", ADD, BUF(""), "192.0.2.1", "a\nb", 0, 0, RM_EDIT_ERROR, BUF(""), "",
     {0}, 0, 0, "comment: error: a comment must be one line"},
    {"a comment with a carriage return", ADD, BUF(""), "192.0.2.1", "a\rb", 0, 0, RM_EDIT_ERROR,
     BUF(""), "", {0}, 0, 0, "comment: error: a comment must be one line"},
    {"the list does not load as it is", ADD, BUF("10.0.0.1\nnonsense\n"), "192.0.2.1", NULL, 0, 0,
     RM_EDIT_ERROR, BUF(""), "", {0}, 0, 0,
     NAME ":2:1: error: not an IP address in \"nonsense\" | "
     NAME ": error: the list has errors already; fix them first (the file is unchanged)"},
    {"a UTF-16 list", ADD, BUF("\xff\xfe" "1\0" "0\0"), "192.0.2.1", NULL, 0, 0, RM_EDIT_ERROR,
     BUF(""), "", {0}, 0, 0,
     NAME ":1:1: error: file is UTF-16 (byte order mark FF FE); save it as UTF-8 or ASCII | "
     NAME ": error: the list has errors already; fix them first (the file is unchanged)"},
    {"a NUL byte", ADD, BUF("10.0.0.1\n10.\0" "0.0.2\n"), "192.0.2.1", NULL, 0, 0, RM_EDIT_ERROR,
     BUF(""), "", {0}, 0, 0,
     NAME ":2:4: error: NUL byte (is this a binary file?) | "
     NAME ": error: the list has errors already; fix them first (the file is unchanged)"},
    {"the list is already over max_entries", ADD, BUF("10.0.0.1\n10.0.0.2\n"), "192.0.2.1", NULL, 1, 0,
     RM_EDIT_ERROR, BUF(""), "", {0}, 0, 0,
     NAME ": error: list has 2 entries, over max_entries = 1; nothing loaded | "
     NAME ": error: the list has errors already; fix them first (the file is unchanged)"},
    {"the entry would pass max_entries", ADD, BUF("10.0.0.1\n10.0.0.2\n"), "192.0.2.1", NULL, 2, 0,
     RM_EDIT_ERROR, BUF(""), "", {0}, 0, 0,
     NAME ": error: list has 3 entries, over max_entries = 2; nothing loaded | "
     NAME ": error: the edited list would not load; the file is unchanged"},
    {"the entry would pass max_bytes", ADD, BUF("10.0.0.1\n"), "192.0.2.1", NULL, 0, 12,
     RM_EDIT_ERROR, BUF(""), "", {0}, 0, 0,
     NAME ": error: file is 19 bytes, over the cap of 12 bytes; nothing loaded | "
     NAME ": error: the edited list would not load; the file is unchanged"},
    {"exactly max_entries after the edit", ADD, BUF("10.0.0.1\n"), "192.0.2.1", NULL, 2, 19,
     RM_EDIT_CHANGED, BUF("10.0.0.1\n192.0.2.1\n"), "added 192.0.2.1 to " NAME, {0}, 0, 0, ""},

    /* -- del -- */
    {"delete the only line", DEL, BUF("192.0.2.1\n"), "192.0.2.1", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF(""), "removed 192.0.2.1 from " NAME " (line 1)", {1}, 1, 0, ""},
    {"delete keeps every other byte", DEL, BUF("# head\n10.0.0.1\r\n\n192.0.2.1\n  # tail"),
     "10.0.0.1", NULL, 0, 0, RM_EDIT_CHANGED, BUF("# head\n\n192.0.2.1\n  # tail"),
     "removed 10.0.0.1 from " NAME " (line 2)", {2}, 1, 0, ""},
    {"a line with its comment and blanks goes whole", DEL, BUF("10.0.0.1\n\t192.0.2.1  # old \r\n"),
     "192.0.2.1", NULL, 0, 0, RM_EDIT_CHANGED, BUF("10.0.0.1\n"),
     "removed 192.0.2.1 from " NAME " (line 2)", {2}, 1, 0, ""},
    {"a last line without its newline", DEL, BUF("10.0.0.1\n192.0.2.1"), "192.0.2.1", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("10.0.0.1\n"), "removed 192.0.2.1 from " NAME " (line 2)", {2}, 1, 0, ""},
    {"every form of the same addresses goes", DEL,
     BUF("192.0.2.0/24\n10.0.0.1\n192.0.2.0;255.255.255.0\n192.0.2.0-192.0.2.255\n"), "192.0.2.0/24",
     NULL, 0, 0, RM_EDIT_CHANGED, BUF("10.0.0.1\n"), "removed 192.0.2.0/24 from " NAME " (3 lines)",
     {1, 3, 4}, 3, 0, ""},
    {"the entry typed with blanks, in another form", DEL, BUF("2001:db8::1\n"), " 2001:DB8:0::1 ",
     NULL, 0, 0, RM_EDIT_CHANGED, BUF(""), "removed 2001:db8::1 from " NAME " (line 1)", {1}, 1, 0, ""},
    {"the first line after a byte order mark: the mark stays", DEL, BUF("\xef\xbb\xbf" "192.0.2.1\n10.0.0.1\n"),
     "192.0.2.1", NULL, 0, 0, RM_EDIT_CHANGED, BUF("\xef\xbb\xbf" "10.0.0.1\n"),
     "removed 192.0.2.1 from " NAME " (line 1)", {1}, 1, 0, ""},
    {"a later line of a file with a byte order mark", DEL, BUF("\xef\xbb\xbf" "10.0.0.1\n192.0.2.1\n"),
     "192.0.2.1", NULL, 0, 0, RM_EDIT_CHANGED, BUF("\xef\xbb\xbf" "10.0.0.1\n"),
     "removed 192.0.2.1 from " NAME " (line 2)", {2}, 1, 0, ""},
    {"a wider entry still matches what went", DEL, BUF("10.0.0.0/8\n10.1.2.3\n"), "10.1.2.3", NULL, 0, 0,
     RM_EDIT_CHANGED, BUF("10.0.0.0/8\n"),
     "removed 10.1.2.3 from " NAME " (line 2); 10.1.2.3 is still matched by line 1 (10.0.0.0/8)",
     {2}, 1, 1, ""},
    {"not there", DEL, BUF("10.0.0.1\n"), "192.0.2.1", NULL, 0, 0, RM_EDIT_UNCHANGED, BUF(""),
     "192.0.2.1 is not in " NAME "; nothing changed", {0}, 0, 0, ""},
    {"not there, in an empty file", DEL, BUF(""), "192.0.2.1", NULL, 0, 0, RM_EDIT_UNCHANGED, BUF(""),
     "192.0.2.1 is not in " NAME "; nothing changed", {0}, 0, 0, ""},
    {"only in a comment", DEL, BUF("10.0.0.1 # 192.0.2.1\n# 192.0.2.1\n"), "192.0.2.1", NULL, 0, 0,
     RM_EDIT_UNCHANGED, BUF(""), "192.0.2.1 is not in " NAME "; nothing changed", {0}, 0, 0, ""},
    {"not a line, but matched by one", DEL, BUF("10.0.0.1\n192.0.2.0/24\n"), "192.0.2.7", NULL, 0, 0,
     RM_EDIT_UNCHANGED, BUF(""),
     "192.0.2.7 is not a line of " NAME ", but line 2 (192.0.2.0/24) matches it; nothing changed",
     {0}, 0, 2, ""},
    {"a narrower entry is not the entry", DEL, BUF("192.0.2.1\n"), "192.0.2.0/24", NULL, 0, 0,
     RM_EDIT_UNCHANGED, BUF(""), "192.0.2.0/24 is not in " NAME "; nothing changed", {0}, 0, 0, ""},
    {"a line with a form feed, as the loader reads it", DEL, BUF("10.0.0.1\n\r\f192.0.2.1\v\n"),
     "192.0.2.1", NULL, 0, 0, RM_EDIT_CHANGED, BUF("10.0.0.1\n"),
     "removed 192.0.2.1 from " NAME " (line 2)", {2}, 1, 0, ""},
    {"del: a bad entry", DEL, BUF("10.0.0.1\n"), "10.0.0.1/", NULL, 0, 0, RM_EDIT_ERROR, BUF(""), "",
     {0}, 0, 0, "error: bad entry: prefix length missing after '/' in \"10.0.0.1/\" (column 10)"},
    {"del: the list does not load", DEL, BUF("10.0.0.1\n10.0.0.0/40\n"), "10.0.0.1", NULL, 0, 0,
     RM_EDIT_ERROR, BUF(""), "", {0}, 0, 0,
     NAME ":2:10: error: prefix length over 32 in \"10.0.0.0/40\" | "
     NAME ": error: the list has errors already; fix them first (the file is unchanged)"},
    {"del: a UTF-16 list", DEL, BUF("\xfe\xff" "\0" "1"), "10.0.0.1", NULL, 0, 0, RM_EDIT_ERROR, BUF(""),
     "", {0}, 0, 0,
     NAME ":1:1: error: file is UTF-16 (byte order mark FE FF); save it as UTF-8 or ASCII | "
     NAME ": error: the list has errors already; fix them first (the file is unchanged)"},
    {"del: over max_bytes as it is", DEL, BUF("10.0.0.1\n10.0.0.2\n"), "10.0.0.1", NULL, 0, 10,
     RM_EDIT_ERROR, BUF(""), "", {0}, 0, 0,
     NAME ": error: file is 18 bytes, over the cap of 10 bytes; nothing loaded | "
     NAME ": error: the list has errors already; fix them first (the file is unchanged)"},
};

/* run_row - one edit; returns the result for the caller to free */

static enum rm_edit_status run_row(const edit_row *t, rm_edit_result *r, rm_diag *d)
{
    rm_limits lim = {t->max_entries ? t->max_entries : RM_DEFAULT_MAX_ENTRIES,
                     t->max_bytes ? t->max_bytes : RM_DEFAULT_MAX_BYTES};

    rm_diag_init(d);
    if (t->op == ADD)
        return rm_edit_add(NAME, t->in.p, t->in.len, t->entry, t->comment, &lim, r, d);
    return rm_edit_del(NAME, t->in.p, t->in.len, t->entry, &lim, r, d);
}

START_TEST(test_rows)
{
    const edit_row *t = &rows[_i];
    rm_edit_result r;
    rm_diag d;
    enum rm_edit_status st = run_row(t, &r, &d);
    char    dump[4096];

    u_diag_dump(&d, dump, sizeof(dump));
    ck_assert_msg(st == t->want, "%s: status %d, want %d (%s; why: %s)", t->what, st, t->want, dump, r.why);
    ck_assert_msg(strcmp(dump, t->diag) == 0, "%s: diag\n  got  %s\n  want %s", t->what, dump, t->diag);
    if (st == RM_EDIT_CHANGED) {
        ck_assert_msg(r.out != NULL && r.outlen == t->out.len && memcmp(r.out, t->out.p, r.outlen) == 0,
                      "%s: new text is \"%.*s\" (%zu bytes), want \"%s\" (%zu)", t->what,
                      (int) r.outlen, r.out ? r.out : "", r.outlen, t->out.p, t->out.len);
    } else {
        ck_assert_msg(r.out == NULL, "%s: a text was returned", t->what);
    }
    if (st != RM_EDIT_ERROR)
        ck_assert_msg(strcmp(r.why, t->why) == 0, "%s: why\n  got  %s\n  want %s", t->what, r.why, t->why);
    ck_assert_msg(r.nlines == t->nlines, "%s: %zu lines named, want %zu", t->what, r.nlines, t->nlines);
    for (size_t i = 0; i < t->nlines; i++)
        ck_assert_msg(r.lines[i] == t->lines[i], "%s: line %zu is %u, want %u", t->what, i,
                      r.lines[i], t->lines[i]);
    ck_assert_msg(r.covered_line == t->covered_line, "%s: covered_line %u, want %u", t->what,
                  r.covered_line, t->covered_line);
    rm_free(r.out);
}
END_TEST

/* An added entry is found by the list the new text loads into, and a
 * deleted one no longer is: the text is what the daemon will read. */
START_TEST(test_reload)
{
    const rm_limits lim = {RM_DEFAULT_MAX_ENTRIES, RM_DEFAULT_MAX_BYTES};
    const char *text = "10.0.0.0/8\n192.0.2.1 # x\n";
    rm_edit_result r;
    rm_diag d;
    rm_list *l;
    rm_match m;
    rm_addr a = u_addr("198.51.100.7"), b = u_addr("192.0.2.1");

    rm_diag_init(&d);
    ck_assert_int_eq(rm_edit_add(NAME, text, strlen(text), "198.51.100.0/24", NULL, &lim, &r, &d),
                     RM_EDIT_CHANGED);
    ck_assert_int_eq(rm_list_load_buffer(NAME, r.out, r.outlen, &lim, &l, &d), 0);
    ck_assert(rm_list_match(l, &a, &m));
    rm_list_free(l);
    rm_free(r.out);

    ck_assert_int_eq(rm_edit_del(NAME, text, strlen(text), "192.0.2.1", &lim, &r, &d), RM_EDIT_CHANGED);
    ck_assert_int_eq(rm_list_load_buffer(NAME, r.out, r.outlen, &lim, &l, &d), 0);
    ck_assert(!rm_list_match(l, &b, &m));
    ck_assert_uint_eq(rm_list_count(l), 1);
    rm_list_free(l);
    rm_free(r.out);
}
END_TEST

/*
 * A big list: 200,000 lines, 40 of them the deleted entry in two forms.
 * r->lines keeps the first 16, r->nlines counts them all; add appends
 * after the last byte.
 */
START_TEST(test_huge)
{
    const rm_limits lim = {RM_DEFAULT_MAX_ENTRIES, RM_DEFAULT_MAX_BYTES};
    const unsigned n = 200000;
    size_t  cap = (size_t) n * 32, len = 0;
    char   *buf = malloc(cap), *want = malloc(cap);
    size_t  wlen = 0;
    unsigned hits = 0;
    rm_edit_result r;
    rm_diag d;

    ck_assert(buf != NULL && want != NULL);
    for (unsigned i = 0; i < n; i++) {
        int     k;

        if (i % 5000 == 17) {
            k = snprintf(buf + len, cap - len, hits % 2 ? "198.51.100.0;255.255.255.0\n"
                         : "198.51.100.0/24 # %u\n", i);
            hits++;
        } else {
            k = snprintf(buf + len, cap - len, "10.%u.%u.%u\n", i >> 16, (i >> 8) & 255, i & 255);
            memcpy(want + wlen, buf + len, (size_t) k);
            wlen += (size_t) k;
        }
        len += (size_t) k;
    }
    ck_assert_uint_eq(hits, 40);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_edit_del(NAME, buf, len, "198.51.100.0/24", &lim, &r, &d), RM_EDIT_CHANGED);
    ck_assert_uint_eq(r.nlines, 40);
    for (unsigned i = 0; i < 16; i++)
        ck_assert_uint_eq(r.lines[i], i * 5000 + 18);
    ck_assert_str_eq(r.why, "removed 198.51.100.0/24 from " NAME " (40 lines)");
    ck_assert(r.outlen == wlen && memcmp(r.out, want, wlen) == 0);
    rm_free(r.out);

    ck_assert_int_eq(rm_edit_add(NAME, want, wlen, "203.0.113.9", "new", &lim, &r, &d), RM_EDIT_CHANGED);
    ck_assert(r.outlen == wlen + 19 && memcmp(r.out, want, wlen) == 0
              && memcmp(r.out + wlen, "203.0.113.9  # new\n", 19) == 0);
    rm_free(r.out);
    ck_assert_int_eq(rm_edit_add(NAME, want, wlen, "10.1.0.0", NULL, &lim, &r, &d), RM_EDIT_UNCHANGED);
    ck_assert_uint_eq(r.lines[0], 65536 + 1 - 14);      /* 14 hits deleted before it */
    ck_assert_uint_eq(d.count, 0);
    free(buf);
    free(want);
}
END_TEST

/* A line of RM_MAX_LINE bytes loads and is deleted; one byte more and
 * the list is refused before anything is edited. */
START_TEST(test_long_line)
{
    const rm_limits lim = {RM_DEFAULT_MAX_ENTRIES, RM_DEFAULT_MAX_BYTES};
    static char buf[RM_MAX_LINE + 64];
    size_t  len;
    rm_edit_result r;
    rm_diag d;
    char    dump[1024];

    memset(buf, ' ', sizeof(buf));
    memcpy(buf, "192.0.2.1 #", 11);
    buf[RM_MAX_LINE] = '\n';
    memcpy(buf + RM_MAX_LINE + 1, "10.0.0.1\n", 9);
    len = RM_MAX_LINE + 10;
    rm_diag_init(&d);
    ck_assert_int_eq(rm_edit_del(NAME, buf, len, "192.0.2.1", &lim, &r, &d), RM_EDIT_CHANGED);
    ck_assert(r.outlen == 9 && memcmp(r.out, "10.0.0.1\n", 9) == 0);
    rm_free(r.out);

    memmove(buf + 1, buf, len++);
    buf[0] = ' ';
    ck_assert_int_eq(rm_edit_del(NAME, buf, len, "192.0.2.1", &lim, &r, &d), RM_EDIT_ERROR);
    ck_assert_str_eq(u_diag_str(&d, 0, dump, sizeof(dump)),
                     NAME ":1:4097: error: line is longer than 4096 bytes");
    ck_assert(r.out == NULL);
}
END_TEST

int main(void)
{
    Suite  *s = suite_create("rm_edit");
    TCase  *tc = tcase_create("edit");

    tcase_add_loop_test(tc, test_rows, 0, (int) NELEM(rows));
    tcase_add_test(tc, test_reload);
    tcase_add_test(tc, test_huge);
    tcase_add_test(tc, test_long_line);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return u_run(s);
}
