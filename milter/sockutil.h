/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SOCKUTIL_H
#define SOCKUTIL_H

/* sockutil - unix-domain socket paths: never steal a live socket */

#include <stddef.h>
#include <sys/types.h>

/*
 * sockutil_claim - make path free for bind().  A missing path is free.  A
 * socket nobody listens on (connect() fails with ECONNREFUSED) is stale
 * and is removed.  A socket somebody listens on, or anything that is not
 * a socket, is left alone: -1 with the reason in err.
 */
int     sockutil_claim(const char *path, char *err, size_t errlen);

/*
 * sockutil_listen - a listening unix stream socket at path (claimed
 * first), close-on-exec, mode 0660, owned by uid:gid when they are not
 * -1.  Returns the descriptor, or -1 with the reason in err.
 */
int     sockutil_listen(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen);

/* sockutil_same - does path still name the socket we bound (dev, ino)? */
int     sockutil_same(const char *path, dev_t dev, ino_t ino);

/*
 * sockutil_why - why libmilter could not listen on conn ("inet:PORT@HOST",
 * "inet6:PORT@HOST"; libmilter only logs it to syslog): the bind is tried
 * again, the way libmilter binds, and its error is written to why, e.g.
 * "127.0.0.1 port 8891: Address already in use".  Returns 0 with why
 * filled in, or -1 when the retry says nothing (a unix socket, or the
 * bind works now).
 */
int     sockutil_why(const char *conn, char *why, size_t whylen);

#endif
