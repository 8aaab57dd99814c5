/* SPDX-License-Identifier: BSD-2-Clause */
/* sockutil - unix-domain socket paths: never steal a live socket; why a bind failed */

#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockutil.h"

static int fill_sun(struct sockaddr_un *sun, const char *path, char *err, size_t errlen)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sun->sun_path)) {
        snprintf(err, errlen, "%s: path is over %zu bytes, too long for a unix socket",
                 path, sizeof(sun->sun_path) - 1);
        return -1;
    }
    memcpy(sun->sun_path, path, strlen(path) + 1);
    return 0;
}

/* sockutil_claim - remove a stale socket, refuse a live one */

int     sockutil_claim(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sun;
    struct stat st;
    int     fd, rc, e;

    if (fill_sun(&sun, path, err, errlen) < 0)
        return -1;
    if (lstat(path, &st) == -1) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket; not removing it", path);
        return -1;
    }
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    rc = connect(fd, (struct sockaddr *) &sun, sizeof(sun));
    e = errno;
    close(fd);
    if (rc == 0) {
        snprintf(err, errlen, "%s is in use: another process listens on it; not taking it over", path);
        return -1;
    }
    if (e != ECONNREFUSED) {
        snprintf(err, errlen, "%s: cannot tell whether it is in use: %s", path, strerror(e));
        return -1;
    }
    /* Stale: nobody listens.  Remove it only if it is still that socket. */
    {
        struct stat again;

        if (lstat(path, &again) == 0 && (again.st_dev != st.st_dev || again.st_ino != st.st_ino)) {
            snprintf(err, errlen, "%s changed while it was checked; not removing it", path);
            return -1;
        }
    }
    if (unlink(path) == -1 && errno != ENOENT) {
        snprintf(err, errlen, "%s: cannot remove a stale socket: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* sockutil_listen - bind, restrict, listen */

int     sockutil_listen(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
    struct sockaddr_un sun;
    mode_t  old;
    int     fd;

    if (fill_sun(&sun, path, err, errlen) < 0 || sockutil_claim(path, err, errlen) < 0)
        return -1;
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    old = umask(0117);                  /* no window in which the socket is wider than 0660 */
    if (bind(fd, (struct sockaddr *) &sun, sizeof(sun)) == -1) {
        snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
        umask(old);
        close(fd);
        return -1;
    }
    umask(old);
    if (chmod(path, 0660) == -1
        || ((uid != (uid_t) -1 || gid != (gid_t) -1) && chown(path, uid, gid) == -1)) {
        snprintf(err, errlen, "%s: cannot set owner and mode: %s", path, strerror(errno));
        unlink(path);
        close(fd);
        return -1;
    }
    if (listen(fd, SOMAXCONN) == -1) {
        snprintf(err, errlen, "listen %s: %s", path, strerror(errno));
        unlink(path);
        close(fd);
        return -1;
    }
    return fd;
}

int     sockutil_same(const char *path, dev_t dev, ino_t ino)
{
    struct stat st;

    return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev && st.st_ino == ino;
}

/* sockutil_why - bind to an inet milter socket once more, for its error */

int     sockutil_why(const char *conn, char *why, size_t whylen)
{
    char    port[16], host[256];
    const char *at, *p;
    struct addrinfo hints, *ai;
    int     fd, one = 1, e;

    if (strncmp(conn, "inet:", 5) == 0)
        p = conn + 5;
    else if (strncmp(conn, "inet6:", 6) == 0)
        p = conn + 6;
    else
        return -1;
    if ((at = strchr(p, '@')) == NULL || (size_t) (at - p) >= sizeof(port))
        return -1;
    snprintf(port, sizeof(port), "%.*s", (int) (at - p), p);
    snprintf(host, sizeof(host), "%s", at + 1);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = p == conn + 6 ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if ((e = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai)) != 0) {
        snprintf(why, whylen, "%s port %s: %s", host, port, gai_strerror(e));
        return 0;
    }
    e = 0;
    if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
        e = errno;
    } else {
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
            e = errno;
        close(fd);
    }
    freeaddrinfo(ai);
    if (e == 0)
        return -1;
    snprintf(why, whylen, "%s port %s: %s", host[0] ? host : "*", port, strerror(e));
    return 0;
}
