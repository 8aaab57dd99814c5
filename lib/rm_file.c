/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_file - reading, locking and replacing configuration and list files safely */

#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rm_file.h"
#include "rm_mem.h"
#include "rm_trust.h"

int     (*rm_file_fault_hook)(const char *step);

/* fault - let a test make a step fail with ENOSPC */

static int fault(const char *step)
{
    if (rm_file_fault_hook && rm_file_fault_hook(step)) {
        errno = ENOSPC;
        return 1;
    }
    return 0;
}

/*
 * read_fd - the whole file in one buffer, NUL-terminated.  It reads to
 * the size fstat saw and then insists on end of file there, and on the same
 * size and modification time after the read: a file that grows, shrinks or
 * is rewritten in place while it is read is being written, and is refused
 * rather than loaded half old and half new.  (A file renamed over path
 * meanwhile is no matter: the one opened is read whole.)  A rewrite to the
 * same length within one timestamp tick cannot be seen; writers that
 * replace by rename, as relayctl does, are safe from all of this.
 */
static int read_fd(int fd, const char *path, const struct stat *st, uint64_t max,
                   char **buf, size_t *len, rm_diag *d)
{
    char   *b;
    size_t  got = 0;

    if ((uint64_t) st->st_size > max) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0,
                    "file is %llu bytes, over the cap of %llu bytes; nothing loaded",
                    (unsigned long long) st->st_size, (unsigned long long) max);
        return -1;
    }
    if ((b = rm_malloc((size_t) st->st_size + 1)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "out of memory reading %llu bytes; nothing loaded",
                    (unsigned long long) st->st_size);
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, b + got, (size_t) st->st_size + 1 - got);

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1) {
            rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "read error: %s", strerror(errno));
            break;
        }
        if (n == 0) {
            struct stat after;

            if (got != (size_t) st->st_size || fstat(fd, &after) == -1
                || after.st_size != st->st_size
                || after.st_mtim.tv_sec != st->st_mtim.tv_sec
                || after.st_mtim.tv_nsec != st->st_mtim.tv_nsec) {
                rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "file changed while it was read; nothing loaded");
                break;
            }
            b[got] = '\0';
            *buf = b;
            *len = got;
            return 0;
        }
        got += (size_t) n;
        if (got > (size_t) st->st_size) {
            rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "file changed while it was read; nothing loaded");
            break;
        }
    }
    rm_free(b);
    return -1;
}

/* rm_file_read - open as a policy source, then read what was checked */

int     rm_file_read(const char *path, const rm_trust *t, uint64_t max, char **buf, size_t *len,
                     struct stat *st, rm_diag *d)
{
    struct stat sb;
    int     fd, rc;

    if (st == NULL)
        st = &sb;
    if ((fd = rm_trust_open(path, t, st, d)) == -1)
        return -1;
    rc = read_fd(fd, path, st, max, buf, len, d);
    close(fd);
    return rc;
}

/* rm_file_read_fd - a descriptor rm_trust_open or rm_file_lock returned */

int     rm_file_read_fd(int fd, const char *path, const struct stat *st, uint64_t max,
                        char **buf, size_t *len, rm_diag *d)
{
    return read_fd(fd, path, st, max, buf, len, d);
}

/* rm_file_read_input - a file that is input, not policy: only never blocking */

int     rm_file_read_input(const char *path, uint64_t max, char **buf, size_t *len, rm_diag *d)
{
    struct stat st;
    int     fd, rc;

    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) == -1) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == -1) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot stat: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "not a regular file (it is %s)",
                    rm_trust_kind(st.st_mode));
        close(fd);
        return -1;
    }
    rc = read_fd(fd, path, &st, max, buf, len, d);
    close(fd);
    return rc;
}

/* rm_file_lock - lock the file that path names, across renames */

int     rm_file_lock(const char *path, const rm_trust *t, struct stat *st, rm_diag *d)
{
    for (int tries = 0; tries < 1000; tries++) {
        struct stat now;
        int     fd;

        if ((fd = rm_trust_open(path, t, st, d)) == -1)
            return -1;
        while (flock(fd, LOCK_EX) == -1) {
            if (errno != EINTR) {
                rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot lock: %s", strerror(errno));
                close(fd);
                return -1;
            }
        }
        /* Another writer may have renamed a new file over path meanwhile. */
        if (fstat(fd, st) == 0 && lstat(path, &now) == 0
            && st->st_dev == now.st_dev && st->st_ino == now.st_ino)
            return fd;
        close(fd);
    }
    rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot lock: the file keeps being replaced");
    return -1;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n;

        if (fault("write"))
            return -1;
        n = write(fd, buf, len > (1u << 20) ? (1u << 20) : len);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            return -1;
        buf += n;
        len -= (size_t) n;
    }
    return 0;
}

/* rm_file_replace - temp, fsync, .bak, rename, fsync the directory */

int     rm_file_replace(const char *path, const char *buf, size_t len,
                        const struct stat *orig, rm_diag *d)
{
    char    tmp[PATH_MAX], bak[PATH_MAX], dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int     fd, dfd, n;

    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
    n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base);
    if (n < 0 || (size_t) n >= sizeof(tmp)
        || snprintf(bak, sizeof(bak), "%s.bak", path) >= (int) sizeof(bak)) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "path too long");
        return -1;
    }
    if (fault("create") || (fd = mkstemp(tmp)) == -1) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot create a temporary file in %s: %s; "
                    "the file is unchanged", dir, strerror(errno));
        return -1;
    }
    if (write_all(fd, buf, len) < 0
        || fchmod(fd, orig->st_mode & 07777) == -1
        || (fchown(fd, orig->st_uid, orig->st_gid) == -1 && errno != EPERM)
        || fault("fsync") || fsync(fd) == -1) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot write %s: %s; the file is unchanged",
                    tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) == -1) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot write %s: %s; the file is unchanged",
                    tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    /* The previous version stays as path.bak: a hard link is whole at once. */
    if (unlink(bak) == -1 && errno != ENOENT) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot replace %s: %s; the file is unchanged",
                    bak, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (link(path, bak) == -1 && errno != ENOENT) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot keep the previous version as %s: %s; "
                    "the file is unchanged", bak, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (fault("rename") || rename(tmp, path) == -1) {
        rm_diag_add(d, RM_SEV_ERROR, path, 0, 0, "cannot rename %s over it: %s; the file is unchanged",
                    tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}
