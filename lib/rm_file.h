/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_FILE_H
#define RM_FILE_H

/* rm_file - reading, locking and replacing configuration and list files safely */

#include <sys/stat.h>
#include <stddef.h>
#include <stdint.h>

#include "rm_diag.h"
#include "rm_trust.h"

/*
 * rm_file_read - a policy source (see rm_trust_open: t NULL checks only
 * what does not depend on a user) in one rm_malloc'd, NUL-terminated
 * buffer, read from the descriptor that was checked; a file over max
 * bytes, or one that changes while it is read, is refused.  st, when not
 * NULL, receives its status.
 */
int     rm_file_read(const char *path, const rm_trust *t, uint64_t max, char **buf, size_t *len,
                     struct stat *st, rm_diag *d);

/* rm_file_read_fd - the same from a descriptor already checked, whose
 * status is st (as rm_file_lock returns it) */
int     rm_file_read_fd(int fd, const char *path, const struct stat *st, uint64_t max,
                        char **buf, size_t *len, rm_diag *d);

/* rm_file_read_input - a file that is input to a command, not policy (an
 * export to import): it must be a regular file, and never blocks */
int     rm_file_read_input(const char *path, uint64_t max, char **buf, size_t *len, rm_diag *d);

/*
 * rm_file_lock - open path as a policy source for t (rm_trust_open: a
 * symbolic link is refused, so an edit never replaces a link with a
 * file) and take an exclusive flock on it, waiting for other writers.
 * Because writers replace the file by rename, the lock is retaken until
 * the locked file is the one path names.  Returns the locked descriptor
 * (close it to unlock) with its status in st, or -1.
 */
int     rm_file_lock(const char *path, const rm_trust *t, struct stat *st, rm_diag *d);

/*
 * rm_file_replace - write buf to a temporary file in path's directory,
 * give it the mode and owner of orig, fsync it, keep the current file as
 * path.bak (a hard link, so it is whole), rename the new file over path,
 * and fsync the directory.  At every moment path is the old file or the
 * new one, never a partial one.  On failure path is unchanged.
 */
int     rm_file_replace(const char *path, const char *buf, size_t len,
                        const struct stat *orig, rm_diag *d);

/* Test hook: when set, called before each step with the step's name; a
 * nonzero return makes that step fail as if the system call had. */
extern int (*rm_file_fault_hook)(const char *step);

#endif
