/* SPDX-License-Identifier: BSD-2-Clause */
/* check_file - rm_file_replace when the disk fails: the list is untouched */

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rm_file.h"
#include "rm_mem.h"

static const char old_text[] = "# office\n192.0.2.0/24\n";
static const char new_text[] = "# office\n192.0.2.0/24\n198.51.100.0/24\n";
static const char *fail_step;           /* the step the fault hook fails */

static int fault_at(const char *step)
{
    return fail_step != NULL && strcmp(step, fail_step) == 0;
}

static void write_file(const char *path, const char *text)
{
    FILE   *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fputs(text, fp) >= 0, 1);
    ck_assert_int_eq(fclose(fp), 0);
}

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE   *fp = fopen(path, "r");
    size_t  n;

    if (fp == NULL)
        return NULL;
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* leftovers - files in dir other than the list and its .bak */

static int leftovers(const char *dir)
{
    DIR    *d = opendir(dir);
    struct dirent *e;
    int     n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")
            && strcmp(e->d_name, "allow.list") && strcmp(e->d_name, "allow.list.bak"))
            n++;
    closedir(d);
    return n;
}

/* A step of the write failing, as a full disk makes it fail: the list
 * keeps its old text, the error says so, and no temporary file is left. */
static const char *const steps[] = {"create", "write", "fsync", "rename"};

START_TEST(test_disk_full_at_each_step)
{
    char    dir[] = "/tmp/check_file.XXXXXX", path[256], bak[256];
    struct stat st;
    rm_diag d;
    const rm_diag_msg *m;
    char    line[1024];

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/allow.list", dir);
    snprintf(bak, sizeof(bak), "%s/allow.list.bak", dir);
    write_file(path, old_text);
    ck_assert_int_eq(stat(path, &st), 0);

    rm_file_fault_hook = fault_at;
    fail_step = steps[_i];
    rm_diag_init(&d);
    ck_assert_int_eq(rm_file_replace(path, new_text, strlen(new_text), &st, &d), -1);
    rm_file_fault_hook = NULL;

    ck_assert_str_eq(slurp(path), old_text);
    ck_assert_int_eq(leftovers(dir), 0);
    m = rm_diag_first_error(&d);
    ck_assert_ptr_nonnull(m);
    rm_diag_format(m, line, sizeof(line));
    ck_assert_msg(strstr(line, "the file is unchanged") != NULL, "message: %s", line);
    ck_assert_msg(strstr(line, strerror(ENOSPC)) != NULL, "message: %s", line);

    /* And the next write, with room again, goes through. */
    rm_diag_init(&d);
    ck_assert_int_eq(rm_file_replace(path, new_text, strlen(new_text), &st, &d), 0);
    ck_assert_str_eq(slurp(path), new_text);
    ck_assert_str_eq(slurp(bak), old_text);
    ck_assert_int_eq(leftovers(dir), 0);

    unlink(path);
    unlink(bak);
    rmdir(dir);
}
END_TEST

/* The new file takes the old one's mode: a 0640 list stays 0640. */
START_TEST(test_mode_kept)
{
    char    dir[] = "/tmp/check_file.XXXXXX", path[256], bak[256];
    struct stat st, after;
    rm_diag d;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/allow.list", dir);
    snprintf(bak, sizeof(bak), "%s/allow.list.bak", dir);
    write_file(path, old_text);
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_file_replace(path, new_text, strlen(new_text), &st, &d), 0);
    ck_assert_int_eq(stat(path, &after), 0);
    ck_assert_int_eq(after.st_mode & 07777, 0640);
    unlink(path);
    unlink(bak);
    rmdir(dir);
}
END_TEST

int     main(void)
{
    Suite  *s = suite_create("file");
    TCase  *tc = tcase_create("replace");
    SRunner *sr;
    int     failed;

    tcase_add_loop_test(tc, test_disk_full_at_each_step, 0, (int) (sizeof(steps) / sizeof(steps[0])));
    tcase_add_test(tc, test_mode_kept);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
