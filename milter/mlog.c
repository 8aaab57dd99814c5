/* SPDX-License-Identifier: BSD-2-Clause */
/* mlog - the daemon's log: syslog facility mail, and stderr with -f */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "mlog.h"

static int copy_to_stderr;

void    mlog_open(int to_stderr)
{
    openlog("relaymilter", LOG_PID | LOG_NDELAY, LOG_MAIL);
    copy_to_stderr = to_stderr;
}

void    mlog_stderr(int on)
{
    copy_to_stderr = on;
}

/* emit - one message: sanitized, to syslog and maybe to stderr in one write */

static void emit(int prio, const char *label, int errnum, const char *fmt, va_list ap)
{
    char    text[2048], line[2200];
    size_t  n;
    int     k;

    vsnprintf(text, sizeof(text), fmt, ap);
    if (errnum) {
        n = strlen(text);
        snprintf(text + n, sizeof(text) - n, ": %s", strerror(errnum));
    }
    for (char *p = text; *p; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7f)
            *p = '?';
    syslog(prio, "%s%s", label, text);
    if (copy_to_stderr) {
        k = snprintf(line, sizeof(line), "relaymilter[%ld]: %s%s\n", (long) getpid(), label, text);
        if (k > 0) {
            n = (size_t) k < sizeof(line) ? (size_t) k : sizeof(line) - 1;
            line[n - 1] = '\n';        /* a truncated line still ends the line */
            (void) !write(STDERR_FILENO, line, n);
        }
    }
}

void    mlog_info(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    emit(LOG_INFO, "", 0, fmt, ap);
    va_end(ap);
}

void    mlog_warnx(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    emit(LOG_WARNING, "warning: ", 0, fmt, ap);
    va_end(ap);
}

void    mlog_warn(const char *fmt,...)
{
    va_list ap;
    int     e = errno;

    va_start(ap, fmt);
    emit(LOG_WARNING, "warning: ", e, fmt, ap);
    va_end(ap);
}

void    mlog_errx(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    emit(LOG_ERR, "error: ", 0, fmt, ap);
    va_end(ap);
}

void    mlog_err(const char *fmt,...)
{
    va_list ap;
    int     e = errno;

    va_start(ap, fmt);
    emit(LOG_ERR, "error: ", e, fmt, ap);
    va_end(ap);
}
