/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rm_trust - the one way a policy source is opened and trusted.
 *
 * A file that decides who may relay is only as safe as the least
 * trusted account that can change it, so the rule is the one sshd's
 * StrictModes applies: the file and every directory above it belong to
 * root or to the daemon's user, and nobody else can write them (a
 * directory writable by others is safe only when it is sticky and
 * root's, like /tmp: then nobody can rename over a file they do not
 * own).  The checks are made with fstat on descriptors: the directory is
 * opened first, its ancestors are reached through "..", and the file is
 * opened in it without following a link and without blocking (a FIFO
 * opens at once, and is then refused).  What the caller reads is the
 * descriptor that was checked.
 */

/* O_PATH: directories are opened only to be checked and walked. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rm_text.h"
#include "rm_trust.h"

#define MAX_DEPTH 256                   /* directories above a file, at most */

/* rm_trust_self - the running process's effective ids */

void    rm_trust_self(rm_trust *t)
{
    struct passwd pw, *res = NULL;
    char    buf[4096];

    t->uid = geteuid();
    t->gid = getegid();
    if ((t->ngroups = getgroups(RM_TRUST_GROUPS, t->groups)) < 0)
        t->ngroups = 0;                 /* too many: count on none of them */
    if (getpwuid_r(t->uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL
        && strlen(pw.pw_name) < sizeof(t->name))
        snprintf(t->name, sizeof(t->name), "%s", pw.pw_name);
    else
        snprintf(t->name, sizeof(t->name), "uid %lu", (unsigned long) t->uid);
}

/* rm_trust_user - the user the configuration names, with its groups */

int     rm_trust_user(rm_trust *t, const char *user, const char *file, unsigned line, rm_diag *d)
{
    struct passwd pw, *res = NULL;
    char    buf[16384], q[RM_QUOTE_LEN(64)];
    int     n = RM_TRUST_GROUPS;

    if (user == NULL || user[0] == '\0') {
        rm_trust_self(t);
        return 0;
    }
    if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL
        || strlen(user) >= sizeof(t->name)) {
        rm_diag_add(d, RM_SEV_ERROR, file, line, 0, "user %s does not exist",
                    rm_text_quote(q, sizeof(q), user, strlen(user)));
        return -1;
    }
    t->uid = pw.pw_uid;
    t->gid = pw.pw_gid;
    if (getgrouplist(user, pw.pw_gid, t->groups, &n) < 0)
        n = RM_TRUST_GROUPS;            /* more than we keep: the first ones */
    t->ngroups = n;
    snprintf(t->name, sizeof(t->name), "%s", user);
    return 0;
}

const char *rm_trust_kind(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG:
        return "a regular file";
    case S_IFDIR:
        return "a directory";
    case S_IFIFO:
        return "a FIFO";
    case S_IFCHR:
        return "a character device";
    case S_IFBLK:
        return "a block device";
    case S_IFSOCK:
        return "a socket";
    case S_IFLNK:
        return "a symbolic link";
    default:
        return "of an unknown kind";
    }
}

/* may - would t be granted this permission (4 read, 1 search) on st? */

static int may(const struct stat *st, const rm_trust *t, unsigned bit)
{
    if (t->uid == 0)
        return 1;                       /* root is never refused a read or a search */
    if (st->st_uid == t->uid)
        return ((unsigned) st->st_mode >> 6) & bit;
    if (st->st_gid == t->gid)
        return ((unsigned) st->st_mode >> 3) & bit;
    for (int i = 0; i < t->ngroups; i++)
        if (st->st_gid == t->groups[i])
            return ((unsigned) st->st_mode >> 3) & bit;
    return (unsigned) st->st_mode & bit;
}

/* owners - "root" or "root or nobody" */

static const char *owners(const rm_trust *t, char *buf, size_t len)
{
    if (t->uid == 0)
        return "root";
    snprintf(buf, len, "root or %s", t->name);
    return buf;
}

/* dir_name - the directory a descriptor is, for a message */

static const char *dir_name(int fd, char *buf, size_t len)
{
    char    link[64];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    if ((n = readlink(link, buf, len - 1)) <= 0)
        return "a directory above it";
    buf[n] = '\0';
    return buf;
}

/* check_dir - one directory above a policy source */

static int check_dir(const char *path, int fd, const struct stat *st, const rm_trust *t, rm_diag *d)
{
    char    name[PATH_MAX], who[96];

    if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !((st->st_mode & S_ISVTX) && st->st_uid == 0)) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0,
                    "refusing it: its directory %s can be written by %s (mode %04o, owner uid %lu), "
                    "who could put another file in its place; chmod go-w the directory%s",
                    dir_name(fd, name, sizeof(name)), (st->st_mode & S_IWOTH) ? "anyone" : "its group",
                    (unsigned) (st->st_mode & 07777), (unsigned long) st->st_uid,
                    (st->st_mode & S_ISVTX) ? " (sticky is not enough: the directory is not root's)" : "");
        return -1;
    }
    if (t == NULL)
        return 0;
    if (st->st_uid != 0 && st->st_uid != t->uid) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0,
                    "refusing it: its directory %s is owned by uid %lu, who could put another file "
                    "in its place; only %s may own it",
                    dir_name(fd, name, sizeof(name)), (unsigned long) st->st_uid, owners(t, who, sizeof(who)));
        return -1;
    }
    if (!may(st, t, 1)) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0,
                    "%s cannot reach it: no search permission on the directory %s (mode %04o, owner uid %lu)",
                    t->name, dir_name(fd, name, sizeof(name)), (unsigned) (st->st_mode & 07777),
                    (unsigned long) st->st_uid);
        return -1;
    }
    return 0;
}

/* check_dirs - dfd and every directory above it, through ".." */

static int check_dirs(const char *path, int dfd, const rm_trust *t, rm_diag *d)
{
    struct stat st, up;
    int     fd = dfd, next, rc = -1;

    if (fstat(fd, &st) == -1) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot stat its directory: %s", strerror(errno));
        return -1;
    }
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
        if (check_dir(path, fd, &st, t, d) < 0) {
            errno = 0;                  /* refused by the rule, not by the system */
            break;
        }
        if ((next = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 || fstat(next, &up) == -1) {
            rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot check the directories above it: %s",
                        strerror(errno));
            if (next != -1)
                close(next);
            break;
        }
        if (up.st_dev == st.st_dev && up.st_ino == st.st_ino) {
            close(next);                /* "/" is its own parent: done */
            rc = 0;
            break;
        }
        if (fd != dfd)
            close(fd);
        fd = next;
        st = up;
    }
    if (fd != dfd) {
        int     saved = errno;

        close(fd);
        errno = saved;
    }
    return rc;
}

/* check_file - the file itself, from the status of its descriptor */

static int check_file(const char *path, const struct stat *st, const rm_trust *t, rm_diag *d)
{
    char    who[96];

    if (!S_ISREG(st->st_mode)) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "not a regular file (it is %s)", rm_trust_kind(st->st_mode));
        return -1;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0,
                    "refusing a file that %s can write (mode %04o); chmod go-w it",
                    (st->st_mode & S_IWOTH) ? "anyone" : "its group", (unsigned) (st->st_mode & 07777));
        return -1;
    }
    if (t == NULL)
        return 0;
    if (st->st_uid != 0 && st->st_uid != t->uid) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0,
                    "refusing a file owned by uid %lu: only %s may own it; chown it",
                    (unsigned long) st->st_uid, owners(t, who, sizeof(who)));
        return -1;
    }
    if (!may(st, t, 4)) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0,
                    "%s cannot read it (mode %04o, owner uid %lu, group gid %lu)", t->name,
                    (unsigned) (st->st_mode & 07777), (unsigned long) st->st_uid, (unsigned long) st->st_gid);
        return -1;
    }
    return 0;
}

/*
 * blocked_dir - when the system refuses to search the way to path, say
 * which directory, as check_dir says it when root checks for t: the
 * first prefix of dir that t may not search.  Returns -1 when it said
 * so, 0 when it found none (errno kept).
 */
static int blocked_dir(const char *path, const char *dir, const rm_trust *t, rm_diag *d)
{
    char    prefix[PATH_MAX];
    int     saved = errno;

    for (size_t i = 1; i <= strlen(dir); i++) {
        struct stat st;

        if (dir[i] != '/' && dir[i] != '\0')
            continue;
        snprintf(prefix, sizeof(prefix), "%.*s", (int) i, dir);
        if (stat(prefix, &st) == -1)
            break;
        if (S_ISDIR(st.st_mode) && !may(&st, t, 1)) {
            rm_diag_add(d, RM_SEV_ERROR, path, 0, 0,
                        "%s cannot reach it: no search permission on the directory %s (mode %04o, owner uid %lu)",
                        t->name, prefix, (unsigned) (st.st_mode & 07777), (unsigned long) st.st_uid);
            errno = 0;
            return -1;
        }
    }
    errno = saved;
    return 0;
}

/* open_dir - the directory path is in, and the name in it */

static int open_dir(const char *path, const char **base, const rm_trust *t, rm_diag *d)
{
    char    dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int     fd;

    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else if ((size_t) (slash - path) < sizeof(dir))
        snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
    else {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot open: %s", strerror(ENAMETOOLONG));
        return -1;
    }
    *base = slash ? slash + 1 : path;
    if ((*base)[0] == '\0') {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "not a regular file (it is a directory)");
        return -1;
    }
    if ((fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1
        && (errno != EACCES || t == NULL || blocked_dir(path, dir, t, d) == 0))
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot open: %s", strerror(errno));
    return fd;
}

/* rm_trust_open - open without following or blocking, then check */

int     rm_trust_open(const char *path, const rm_trust *t, struct stat *st, rm_diag *d)
{
    const char *base;
    int     dfd, fd;

    if ((dfd = open_dir(path, &base, t, d)) == -1)
        return -1;
    if (check_dirs(path, dfd, t, d) < 0) {
        close(dfd);
        return -1;
    }
    fd = openat(dfd, base, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd == -1) {
        int     e = errno;

        /* Refused by the system: say why as root would have said it for t. */
        if (e == EACCES && t != NULL && fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) == 0
            && check_file(path, st, t, d) < 0) {
            close(dfd);
            errno = 0;
            return -1;
        }
        errno = e;
    }
    close(dfd);
    if (fd == -1) {
        if (errno == ELOOP) {
            rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "refusing a symbolic link: policy sources "
                        "are never read through a link; name the file itself");
            errno = 0;
        } else
            rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, st) == -1) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot stat: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (check_file(path, st, t, d) < 0) {
        close(fd);
        errno = 0;
        return -1;
    }
    return fd;
}

/* rm_trust_check_user - the owner and reader checks, done later */

int     rm_trust_check_user(const char *path, const struct stat *st, const rm_trust *t, rm_diag *d)
{
    const char *base;
    int     dfd, rc;

    if (check_file(path, st, t, d) < 0) {
        errno = 0;
        return -1;
    }
    if ((dfd = open_dir(path, &base, t, d)) == -1)
        return -1;
    rc = check_dirs(path, dfd, t, d);
    close(dfd);
    return rc;
}
