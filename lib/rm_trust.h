/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_TRUST_H
#define RM_TRUST_H

/*
 * rm_trust - the one way a policy source (the configuration, every list,
 * the local_domains file, the file relayctl locks and edits) is opened:
 * without following a symbolic link, without blocking, and only when
 * nobody but root and the daemon's user can change what it says.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include "rm_diag.h"

#define RM_TRUST_GROUPS 64              /* supplementary groups considered */

/*
 * Whose files these may be, and who will read them.  The owner of a
 * policy source, and of every directory above it, must be root or uid;
 * the file must be readable, and every directory above it searchable, by
 * uid with gid and groups (so that what root checks before dropping
 * privileges is what the daemon will find after).
 */
typedef struct rm_trust {
    uid_t   uid;
    gid_t   gid;
    gid_t   groups[RM_TRUST_GROUPS];
    int     ngroups;
    char    name[64];                   /* "nobody", or "uid 1234" */
} rm_trust;

/* rm_trust_self - the process that is running: its effective ids */
void    rm_trust_self(rm_trust *t);

/*
 * rm_trust_user - the daemon's user as the configuration names it: an
 * empty name is the running process (rm_trust_self).  An unknown user is
 * an error at file:line.
 */
int     rm_trust_user(rm_trust *t, const char *user, const char *file, unsigned line, rm_diag *d);

/*
 * rm_trust_open - open path for reading with O_NOFOLLOW and O_NONBLOCK,
 * then check, on what was opened: a regular file; owned by root or t's
 * uid; not writable by group or others; readable by t; and every
 * directory above it, up to /, owned by root or t's uid, searchable by
 * t, and not writable by group or others unless it is sticky and owned
 * by root.  The directories are those the file was opened in, reached
 * through "..", not names looked up again.  Returns the descriptor (its
 * status in st) or -1 with the reason in d, and errno 0 when a rule
 * refused the file (else the system's error).  With t NULL only what does
 * not depend on a user is checked (then call rm_trust_check_user).
 */
int     rm_trust_open(const char *path, const rm_trust *t, struct stat *st, rm_diag *d);

/*
 * rm_trust_check_user - the checks that depend on t, for a file opened
 * with rm_trust_open(path, NULL, st, d): its owner and reader from st,
 * and the directories above path.  Returns 0 or -1.
 */
int     rm_trust_check_user(const char *path, const struct stat *st, const rm_trust *t, rm_diag *d);

/* rm_trust_kind - "a FIFO", "a directory", ... for a file mode */
const char *rm_trust_kind(mode_t mode);

#endif
