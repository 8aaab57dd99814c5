/* SPDX-License-Identifier: BSD-2-Clause */
/* ctlclient - send one line to relaymilter's control socket, print the reply */

/*
 * usage: ctlclient [-i SECONDS] [-n] SOCKET [WORD...]
 *
 * Connects to the unix stream socket SOCKET, writes the WORDs joined by
 * spaces and a newline (-n: no newline), reads the reply until the daemon
 * closes, and prints it.  -i SECONDS connects and then sends nothing for
 * that long (a stuck client).  With -n the write side is shut down after
 * the line, which is how the daemon learns that the line is complete.  Exit 0 if the reply starts with "OK ", 1 if
 * with "ERR ", 2 on anything else.  A test helper; not installed.
 */

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int     main(int argc, char **argv)
{
    struct sockaddr_un sun;
    char    line[8192], reply[256 * 1024];
    size_t  len = 0, got = 0;
    int     fd, ch, idle = -1, newline = 1;
    ssize_t n;

    while ((ch = getopt(argc, argv, "i:n")) != -1) {
        if (ch == 'i')
            idle = atoi(optarg);
        else if (ch == 'n')
            newline = 0;
        else
            return 2;
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: ctlclient [-i SECONDS] [-n] SOCKET [WORD...]\n");
        return 2;
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[optind]);
    for (int i = optind + 1; i < argc; i++) {
        int     k = snprintf(line + len, sizeof(line) - len, "%s%s", i > optind + 1 ? " " : "", argv[i]);

        if (k < 0 || (size_t) k >= sizeof(line) - len)
            return 2;
        len += (size_t) k;
    }
    if (newline && len + 1 < sizeof(line))
        line[len++] = '\n';
    if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1
        || connect(fd, (struct sockaddr *) &sun, sizeof(sun)) == -1) {
        fprintf(stderr, "ctlclient: %s: %s\n", argv[optind], strerror(errno));
        return 2;
    }
    if (idle >= 0) {
        sleep((unsigned) idle);
    } else {
        for (size_t off = 0; off < len;) {
            if ((n = write(fd, line + off, len - off)) <= 0) {
                fprintf(stderr, "ctlclient: write: %s\n", strerror(errno));
                return 2;
            }
            off += (size_t) n;
        }
        if (!newline)
            shutdown(fd, SHUT_WR);
    }
    while (got < sizeof(reply) - 1 && (n = read(fd, reply + got, sizeof(reply) - 1 - got)) > 0)
        got += (size_t) n;
    reply[got] = '\0';
    fputs(reply, stdout);
    if (strncmp(reply, "OK ", 3) == 0)
        return 0;
    if (strncmp(reply, "ERR ", 4) == 0)
        return 1;
    return 2;
}
