/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_trust - rm_trust_open's verdicts, one row per kind of file, owner,
 * mode and directory, with the exact message; that what is read is the
 * descriptor that was checked; and rm_text's quoting and names.  Rows
 * that chown need root and are skipped (and counted) without it.
 */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "rm_diag.h"
#include "rm_file.h"
#include "rm_mem.h"
#include "rm_text.h"
#include "rm_trust.h"
#include "unit_util.h"

#define USER  65534u                    /* the daemon's user in the table */
#define OTHER 12345u                    /* someone else */
#define ME    ((uid_t) -2)              /* the uid running the test */

enum kind { REG, FIFO, DIR_, LINK, CHR };

static const struct row {
    enum kind kind;
    uid_t   file_uid;
    mode_t  file_mode;
    uid_t   dir_uid;
    mode_t  dir_mode;
    uid_t   reader;                     /* the trust's uid */
    const char *want;                   /* NULL: accepted; {F} file, {D} dir, {U} my uid */
} rows[] = {
    {REG, 0, 0644, 0, 0755, USER, NULL},
    {REG, USER, 0644, 0, 0755, USER, NULL},
    {REG, USER, 0600, 0, 0755, USER, NULL},
    {REG, 0, 0600, 0, 0755, 0, NULL},
    {REG, 0, 0640, 0, 0711, USER, "{F}: error: rmuser cannot read it (mode 0640, owner uid 0, group gid 0)"},
    {REG, 0, 0600, 0, 0755, USER, "{F}: error: rmuser cannot read it (mode 0600, owner uid 0, group gid 0)"},
    {REG, OTHER, 0644, 0, 0755, USER, "{F}: error: refusing a file owned by uid 12345: only root or rmuser may own it; chown it"},
    {REG, OTHER, 0644, 0, 0755, 0, "{F}: error: refusing a file owned by uid 12345: only root may own it; chown it"},
    {REG, 0, 0664, 0, 0755, USER, "{F}: error: refusing a file that its group can write (mode 0664); chmod go-w it"},
    {REG, 0, 0666, 0, 0755, USER, "{F}: error: refusing a file that anyone can write (mode 0666); chmod go-w it"},
    {REG, 0, 0644, 0, 0777, USER, "{F}: error: refusing it: its directory {D} can be written by anyone (mode 0777, "
     "owner uid 0), who could put another file in its place; chmod go-w the directory"},
    {REG, 0, 0644, 0, 0775, USER, "{F}: error: refusing it: its directory {D} can be written by its group (mode 0775, "
     "owner uid 0), who could put another file in its place; chmod go-w the directory"},
    {REG, 0, 0644, 0, 01777, USER, NULL},
    {REG, 0, 0644, OTHER, 01777, USER, "{F}: error: refusing it: its directory {D} can be written by anyone (mode 1777, "
     "owner uid 12345), who could put another file in its place; chmod go-w the directory "
     "(sticky is not enough: the directory is not root's)"},
    {REG, 0, 0644, OTHER, 0755, USER, "{F}: error: refusing it: its directory {D} is owned by uid 12345, who could put "
     "another file in its place; only root or rmuser may own it"},
    {REG, 0, 0644, USER, 0755, USER, NULL},
    {REG, 0, 0644, 0, 0700, USER, "{F}: error: rmuser cannot reach it: no search permission on the directory {D} "
     "(mode 0700, owner uid 0)"},
    {REG, 0, 0644, 0, 0711, USER, NULL},
    {FIFO, 0, 0644, 0, 0755, USER, "{F}: error: not a regular file (it is a FIFO)"},
    {DIR_, 0, 0755, 0, 0755, USER, "{F}: error: not a regular file (it is a directory)"},
    {LINK, 0, 0644, 0, 0755, USER, "{F}: error: refusing a symbolic link: policy sources are never read through a "
     "link; name the file itself"},
    {CHR, 0, 0666, 0, 0755, USER, "{F}: error: not a regular file (it is a character device)"},
    /* Without root: the running uid owns everything, and is the reader. */
    {REG, ME, 0644, ME, 0755, ME, NULL},
    {REG, ME, 0600, ME, 0700, ME, NULL},
    {REG, ME, 0646, ME, 0755, ME, "{F}: error: refusing a file that anyone can write (mode 0646); chmod go-w it"},
    {REG, ME, 0644, ME, 0757, ME, "{F}: error: refusing it: its directory {D} can be written by anyone (mode 0757, "
     "owner uid {U}), who could put another file in its place; chmod go-w the directory"},
    {FIFO, ME, 0644, ME, 0755, ME, "{F}: error: not a regular file (it is a FIFO)"},
};

static uid_t real(uid_t u)
{
    return u == ME ? geteuid() : u;
}

static int needs_root(const struct row *r)
{
    return r->file_uid != ME || r->dir_uid != ME || r->reader != ME;
}

/* expand - want with {F}, {D} and {U} filled in */

static const char *expand(char *buf, size_t len, const char *want, const char *file, const char *dir)
{
    size_t  o = 0;

    for (const char *p = want; *p && o + 1 < len; p++) {
        if (strncmp(p, "{F}", 3) == 0 || strncmp(p, "{D}", 3) == 0 || strncmp(p, "{U}", 3) == 0) {
            char    uid[32];
            const char *v = p[1] == 'F' ? file : p[1] == 'D' ? dir : uid;

            snprintf(uid, sizeof(uid), "%lu", (unsigned long) geteuid());
            o += (size_t) snprintf(buf + o, len - o, "%s", v);
            p += 2;
        } else {
            buf[o++] = *p;
        }
    }
    buf[o < len ? o : len - 1] = '\0';
    return buf;
}

static void trust_for(rm_trust *t, uid_t uid)
{
    memset(t, 0, sizeof(*t));
    t->uid = uid;
    t->gid = uid == 0 ? 0 : 65534;
    snprintf(t->name, sizeof(t->name), "rmuser");
}

/* make - base/d (the directory of the row) and base/d/f (its file) */

static void make(const struct row *r, const char *base, char *dir, char *file, size_t len)
{
    char    target[4096];

    ck_assert_int_eq(chmod(base, 0755), 0);
    u_path(dir, len, base, "d");
    u_path(file, len, dir, "f");
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    switch (r->kind) {
    case REG:
        u_write_str(file, "192.0.2.1\n");
        break;
    case FIFO:
        ck_assert_int_eq(mkfifo(file, 0600), 0);
        break;
    case DIR_:
        ck_assert_int_eq(mkdir(file, 0700), 0);
        break;
    case LINK:
        u_write_str(u_path(target, sizeof(target), dir, "target"), "192.0.2.1\n");
        ck_assert_int_eq(symlink("target", file), 0);
        break;
    case CHR:
        ck_assert_int_eq(mknod(file, S_IFCHR | 0600, makedev(1, 3)), 0);
        break;
    }
    if (r->kind != LINK) {
        ck_assert_int_eq(chown(file, real(r->file_uid), (gid_t) -1), 0);
        ck_assert_int_eq(chmod(file, r->file_mode), 0);
    }
    ck_assert_int_eq(chown(dir, real(r->dir_uid), (gid_t) -1), 0);
    ck_assert_int_eq(chmod(dir, r->dir_mode), 0);
}

static void unmake(const char *base, const char *dir, const char *file)
{
    char    target[4096];

    rmdir(file);
    unlink(file);
    unlink(u_path(target, sizeof(target), dir, "target"));
    rmdir(dir);
    rmdir(base);
}

START_TEST(test_table)
{
    const struct row *r = &rows[_i];
    char    base[256], dir[512], file[512], want[2048], got[2048];
    struct stat st;
    rm_trust t;
    rm_diag d;
    int     fd;

    if (geteuid() != 0 && needs_root(r)) {
        printf("check_trust: row %d skipped: it needs root\n", _i);
        return;
    }
    u_tmpdir(base, sizeof(base));
    make(r, base, dir, file, sizeof(dir));
    trust_for(&t, real(r->reader));
    rm_diag_init(&d);
    fd = rm_trust_open(file, &t, &st, &d);
    if (r->want == NULL) {
        ck_assert_msg(fd >= 0, "row %d: refused: %s", _i, u_diag_dump(&d, got, sizeof(got)));
        ck_assert(S_ISREG(st.st_mode));
        close(fd);
    } else {
        ck_assert_msg(fd == -1, "row %d: accepted", _i);
        ck_assert_msg(errno == 0, "row %d: a refusal with errno %d", _i, errno);
        ck_assert_int_eq(d.errors, 1);
        expand(want, sizeof(want), r->want, file, dir);
        ck_assert_msg(strcmp(u_diag_str(&d, 0, got, sizeof(got)), want) == 0, "row %d:\n want %s\n got  %s",
                      _i, want, got);
    }
    chmod(dir, 0700);
    unmake(base, dir, file);
}
END_TEST

/* Without a user, the owner and reader wait for rm_trust_check_user. */
START_TEST(test_later_user)
{
    const struct row r = {REG, OTHER, 0644, 0, 0755, USER, NULL};
    char    base[256], dir[512], file[512], want[2048], got[2048];
    struct stat st;
    rm_trust t;
    rm_diag d;
    int     fd;

    if (geteuid() != 0)
        return;
    u_tmpdir(base, sizeof(base));
    make(&r, base, dir, file, sizeof(dir));
    rm_diag_init(&d);
    ck_assert_int_ge(fd = rm_trust_open(file, NULL, &st, &d), 0);
    close(fd);
    trust_for(&t, USER);
    ck_assert_int_eq(rm_trust_check_user(file, &st, &t, &d), -1);
    ck_assert_int_eq(errno, 0);
    snprintf(want, sizeof(want), "%s: error: refusing a file owned by uid 12345: only root or rmuser may own it; "
             "chown it", file);
    ck_assert_str_eq(u_diag_str(&d, 0, got, sizeof(got)), want);
    unmake(base, dir, file);
}
END_TEST

/* What is read is what was opened and checked, whatever path names after. */
START_TEST(test_reads_the_descriptor)
{
    char    base[256], path[512], other[512], *buf;
    struct stat st;
    rm_trust t;
    rm_diag d;
    size_t  len;
    int     fd;

    u_tmpdir(base, sizeof(base));
    u_write_str(u_path(path, sizeof(path), base, "allow.list"), "192.0.2.1\n");
    u_write_str(u_path(other, sizeof(other), base, "evil"), "0.0.0.0/0\n");
    rm_trust_self(&t);
    rm_diag_init(&d);
    ck_assert_int_ge(fd = rm_trust_open(path, &t, &st, &d), 0);
    ck_assert_int_eq(rename(other, path), 0);
    ck_assert_int_eq(rm_file_read_fd(fd, path, &st, 1024, &buf, &len, &d), 0);
    ck_assert_str_eq(buf, "192.0.2.1\n");
    rm_free(buf);
    close(fd);
    /* and a link put in its place is refused, not followed */
    ck_assert_int_eq(unlink(path), 0);
    u_write_str(other, "0.0.0.0/0\n");
    ck_assert_int_eq(symlink("evil", path), 0);
    ck_assert_int_eq(rm_file_read(path, &t, 1024, &buf, &len, NULL, &d), -1);
    ck_assert_uint_eq(d.errors, 1);
    unlink(path);
    unlink(other);
    rmdir(base);
}
END_TEST

/* A FIFO with no writer opens at once and is refused: nothing blocks. */
START_TEST(test_fifo_does_not_block)
{
    char    base[256], path[512], *buf;
    rm_trust t;
    rm_diag d;
    size_t  len;

    u_tmpdir(base, sizeof(base));
    ck_assert_int_eq(mkfifo(u_path(path, sizeof(path), base, "allow.list"), 0644), 0);
    rm_trust_self(&t);
    rm_diag_init(&d);
    alarm(5);                           /* the old open() blocked here forever */
    ck_assert_int_eq(rm_file_read(path, &t, 1024, &buf, &len, NULL, &d), -1);
    ck_assert_int_eq(rm_file_lock(path, &t, &(struct stat) {0}, &d), -1);
    ck_assert_int_eq(rm_file_read_input(path, 1024, &buf, &len, &d), -1);
    alarm(0);
    ck_assert_uint_eq(d.errors, 3);
    unlink(path);
    rmdir(base);
}
END_TEST

static const struct quote {
    const char *in;
    size_t  len;
    const char *want;
} quotes[] = {
    {"192.0.2.1", 9, "\"192.0.2.1\""},
    {"\x1b[2J\x1b]0;x\x07", 10, "\"\\x1b[2J\\x1b]0;x\\x07\""},
    {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
    {"\xef\xbc\x91.2.3.4", 9, "\"\\uFF11.2.3.4\""},
    {"1\xc2\xa0", 3, "\"1\\u00A0\""},
    {"\xf0\x9f\x98\x80", 4, "\"\\U0001F600\""},
    {"\xc3", 1, "\"\\xc3\""},                 /* a lone lead byte */
    {"\xed\xa0\x80", 3, "\"\\xed\\xa0\\x80\""},  /* a surrogate is not UTF-8 */
    {"a\0b", 3, "\"a\\x00b\""},
    {"\r\n\t\x7f", 4, "\"\\x0d\\x0a\\x09\\x7f\""},
};

START_TEST(test_quote)
{
    char    buf[RM_QUOTE_LEN(16)];

    ck_assert_str_eq(rm_text_quote(buf, sizeof(buf), quotes[_i].in, quotes[_i].len), quotes[_i].want);
}
END_TEST

START_TEST(test_quote_truncates)
{
    char    buf[16], big[RM_QUOTE_LEN(100)];
    char    esc[100];

    memset(esc, 0x1b, sizeof(esc));
    ck_assert_str_eq(rm_text_quote(buf, sizeof(buf), "0123456789abcdefghij", 20), "\"0123456789...\"");
    ck_assert_str_eq(rm_text_quote(buf, sizeof(buf), esc, sizeof(esc)), "\"\\x1b\\x1b...\"");
    ck_assert_uint_lt(strlen(buf), sizeof(buf));
    rm_text_quote(big, sizeof(big), esc, sizeof(esc));
    ck_assert_uint_eq(strlen(big), 2 + 4 * sizeof(esc));        /* the room it says is enough */
    ck_assert_ptr_null(memchr(big, 0x1b, strlen(big)));
}
END_TEST

static const struct name {
    uint32_t cp;
    const char *want;
} names[] = {
    {0xFF11, "U+FF11 FULLWIDTH DIGIT ONE"},
    {0xFF10, "U+FF10 FULLWIDTH DIGIT ZERO"},
    {0xFF19, "U+FF19 FULLWIDTH DIGIT NINE"},
    {0x00A0, "U+00A0 NO-BREAK SPACE"},
    {0x2013, "U+2013 EN DASH"},
    {0x2044, "U+2044 FRACTION SLASH"},
    {0xFF1A, "U+FF1A FULLWIDTH COLON"},
    {0x3002, "U+3002 IDEOGRAPHIC FULL STOP"},
    {0x0663, "U+0663 ARABIC-INDIC DIGIT THREE"},
    {0xFF26, "U+FF26 FULLWIDTH LATIN CAPITAL LETTER F"},
    {0xFF41, "U+FF41 FULLWIDTH LATIN SMALL LETTER A"},
    {0x202E, "U+202E RIGHT-TO-LEFT OVERRIDE"},
    {0xFEFF, "U+FEFF ZERO WIDTH NO-BREAK SPACE"},
    {0x00E9, "U+00E9"},
    {0x1F600, "U+1F600"},
};

START_TEST(test_names)
{
    char    buf[96];

    ck_assert_str_eq(rm_text_charname(buf, sizeof(buf), names[_i].cp), names[_i].want);
}
END_TEST

START_TEST(test_what)
{
    char    buf[128];
    size_t  used;

    ck_assert_str_eq(rm_text_what(buf, sizeof(buf), "\xef\xbc\x91x", 4, &used),
                     "character U+FF11 FULLWIDTH DIGIT ONE");
    ck_assert_uint_eq(used, 3);
    ck_assert_str_eq(rm_text_what(buf, sizeof(buf), "\x1b", 1, &used), "byte 0x1B");
    ck_assert_uint_eq(used, 1);
    ck_assert_str_eq(rm_text_what(buf, sizeof(buf), "\xef\xbc", 2, &used), "byte 0xEF");
    ck_assert_str_eq(rm_text_what(buf, sizeof(buf), "/", 1, &used), "'/'");
}
END_TEST

int     main(void)
{
    Suite  *s = suite_create("trust");
    TCase  *tc = tcase_create("open");
    TCase  *tt = tcase_create("text");

    tcase_add_loop_test(tc, test_table, 0, (int) NELEM(rows));
    tcase_add_test(tc, test_later_user);
    tcase_add_test(tc, test_reads_the_descriptor);
    tcase_add_test(tc, test_fifo_does_not_block);
    suite_add_tcase(s, tc);
    tcase_add_loop_test(tt, test_quote, 0, (int) NELEM(quotes));
    tcase_add_test(tt, test_quote_truncates);
    tcase_add_loop_test(tt, test_names, 0, (int) NELEM(names));
    tcase_add_test(tt, test_what);
    suite_add_tcase(s, tt);
    return u_run(s);
}
