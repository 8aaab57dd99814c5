#ifndef RM_FILE_H
#define RM_FILE_H

/* rm_file - reading, locking and replacing configuration and list files safely */

#include <sys/stat.h>
#include <stddef.h>
#include <stdint.h>

#include "rm_diag.h"

/* rm_file_read - the whole file in one rm_malloc'd, NUL-terminated
 * buffer, with one allocation; a file over max bytes, or one that grows
 * while it is read, is refused.  st, when not NULL, receives its status. */
int     rm_file_read(const char *path, uint64_t max, char **buf, size_t *len,
                     struct stat *st, rm_diag *d);

/*
 * rm_file_lock - take an exclusive flock on path, waiting for other
 * writers.  Because writers replace the file by rename, the lock is
 * retaken until the locked file is the one path names.  Returns the
 * locked descriptor (close it to unlock), or -1.
 */
int     rm_file_lock(const char *path, rm_diag *d);

/* rm_file_check_writers - refuse a file that group or others can write */
int     rm_file_check_writers(const char *path, const struct stat *st, rm_diag *d);

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
