/* SPDX-License-Identifier: BSD-2-Clause */
/* util - output helpers, the configuration and the control-socket client shared by commands */

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "relayctl.h"
#include "rm_text.h"

/* print_diag_msg - "FILE:LINE:COL: error: TEXT" */

void    print_diag_msg(FILE *fp, const rm_diag_msg *m)
{
    char    line[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];

    rm_diag_format(m, line, sizeof(line));
    fprintf(fp, "%s\n", line);
}

/* print_dropped - how many messages were not kept, when some were not */

void    print_dropped(FILE *fp, size_t n)
{
    if (n)
        fprintf(fp, "... and %zu more messages not shown\n", n);
}

/* print_diag - every message, then how many were not kept */

void    print_diag(FILE *fp, const rm_diag *d)
{
    for (size_t i = 0; i < d->count; i++)
        print_diag_msg(fp, &d->msgs[i]);
    print_dropped(fp, d->dropped);
}

/* quoted - what a user typed, safe to print; two buffers in turn */

const char *quoted(const char *s)
{
    static char buf[2][RM_QUOTE_LEN(64)];
    static int next;

    next = !next;
    return rm_text_quote(buf[next], sizeof(buf[next]), s, strlen(s));
}

/* json_string - RFC 8259 string with the required escapes */

void    json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;

        if (c == '"' || c == '\\')
            fprintf(fp, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", fp);
        else if (c == '\t')
            fputs("\\t", fp);
        else if (c < 0x20)
            fprintf(fp, "\\u%04x", c);
        else
            fputc(c, fp);
    }
    fputc('"', fp);
}

/* json_string_or_null - a string, or null for none */

void    json_string_or_null(FILE *fp, const char *s)
{
    if (s == NULL || s[0] == '\0')
        fputs("null", fp);
    else
        json_string(fp, s);
}

/* json_uint_or_null - a positive number, or null for 0 (none) */

void    json_uint_or_null(FILE *fp, unsigned v)
{
    if (v)
        fprintf(fp, "%u", v);
    else
        fputs("null", fp);
}

/* json_error - the error object of every failure */

static void json_error(const char *file, unsigned line, unsigned col, const char *text)
{
    printf("{\"error\":{\"file\":");
    json_string_or_null(stdout, file);
    printf(",\"line\":");
    json_uint_or_null(stdout, line);
    printf(",\"column\":");
    json_uint_or_null(stdout, col);
    printf(",\"text\":");
    json_string(stdout, text);
    printf("}");
}

/* report_error - one failure, for people and for programs */

int     report_error(relayctl *rc, const char *file, unsigned line, unsigned col, const char *fmt,...)
{
    char    text[RM_DIAG_TEXT_LEN + RM_PATH_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", rc->progname, text);
    if (rc->json) {
        json_error(file, line, col, text);
        printf("}\n");
    }
    return EXIT_TROUBLE;
}

/* json_diag_msg - one message of a diag */

void    json_diag_msg(FILE *fp, const rm_diag_msg *m)
{
    fprintf(fp, "{\"file\":");
    json_string_or_null(fp, m->file);
    fprintf(fp, ",\"line\":");
    json_uint_or_null(fp, m->line);
    fprintf(fp, ",\"column\":");
    json_uint_or_null(fp, m->col);
    fprintf(fp, ",\"severity\":\"%s\",\"text\":", m->severity == RM_SEV_ERROR ? "error" : "warning");
    json_string(fp, m->text);
    fputc('}', fp);
}

/* print_failure - a failure described by a diag */

void    print_failure(relayctl *rc, const rm_diag *d)
{
    const rm_diag_msg *e = rm_diag_first_error(d);

    print_diag(stderr, d);
    if (rc->json) {
        if (e)
            json_error(e->file, e->line, e->col, e->text);
        else
            json_error(NULL, 0, 0, "failed");
        printf("}\n");
    }
}

/* report_diag - a load that failed */

int     report_diag(relayctl *rc, const rm_diag *d, const char *summary)
{
    const rm_diag_msg *e = rm_diag_first_error(d);

    print_diag(stderr, d);
    fprintf(stderr, "%s: %s\n", rc->progname, summary);
    if (rc->json) {
        if (e)
            json_error(e->file, e->line, e->col, e->text);
        else
            json_error(NULL, 0, 0, summary);
        printf(",\"messages\":[");
        for (size_t i = 0; i < d->count; i++) {
            fputs(i ? "," : "", stdout);
            json_diag_msg(stdout, &d->msgs[i]);
        }
        printf("]}\n");
    }
    return EXIT_TROUBLE;
}

/* config_load - the configuration, or NULL once its failure is said */

rm_config *config_load(relayctl *rc, rm_diag *d, const char *summary)
{
    rm_config *cfg;

    rm_diag_init(d);
    if (rm_config_load(rc->config_path, &cfg, d) == 0)
        return cfg;
    if (summary)
        report_diag(rc, d, summary);
    return NULL;
}

/* ctl_ask - one request, one reply, on the daemon's control socket */

int     ctl_ask(const char *socket_path, const rm_ctl_req *req, char *out, size_t outlen,
                char *why, size_t whylen)
{
    struct sockaddr_un sun;
    char    line[RM_CTL_MAX_LINE * 3 + 64];
    size_t  len = rm_ctl_format_request(req, line, sizeof(line)), off = 0, got = 0;
    int     fd;

    errno = 0;
    if (len >= RM_CTL_MAX_LINE) {
        snprintf(why, whylen, "the request is over %d bytes", RM_CTL_MAX_LINE - 1);
        return -1;
    }

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if (strlen(socket_path) >= sizeof(sun.sun_path)) {
        snprintf(why, whylen, "control socket path is too long: %s", socket_path);
        return -1;
    }
    strcpy(sun.sun_path, socket_path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
        snprintf(why, whylen, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) == -1) {
        snprintf(why, whylen, "cannot reach relaymilter at %s: %s", socket_path, strerror(errno));
        close(fd);
        return -1;
    }
    /*
     * A daemon that refuses the client (over its client limit, say) may
     * answer and close before the line is written: then the write fails,
     * and the answer is still there to read.
     */
    while (off < len) {
        ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1) {
            snprintf(why, whylen, "write to %s: %s", socket_path, strerror(errno));
            break;
        }
        off += (size_t) n;
    }
    if (off == len)
        shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;
        int     r = poll(&p, 1, 30000);

        if (r == -1 && errno == EINTR)
            continue;
        if (r == 0) {
            snprintf(why, whylen, "relaymilter did not answer within 30 seconds");
            close(fd);
            return -1;
        }
        if (got + 1 >= outlen)
            break;
        n = read(fd, out + got, outlen - 1 - got);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && got == 0 && off < len) {
            close(fd);                  /* why says what the write met */
            return -1;
        }
        if (n == -1) {
            snprintf(why, whylen, "read from %s: %s", socket_path, strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t) n;
    }
    out[got] = '\0';
    close(fd);
    if (got == 0 && off < len)
        return -1;
    return 0;
}
