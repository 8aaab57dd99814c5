/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef MLOG_H
#define MLOG_H

/* mlog - the daemon's log: syslog facility mail, and stderr with -f */

/*
 * mlog_open - openlog("relaymilter", LOG_PID, LOG_MAIL); to_stderr also
 * copies every message to stderr (the -f and -n cases).  Messages are one
 * line each: control characters are replaced, so a crafted recipient can
 * not forge log lines.  Safe to call from any thread.
 */
void    mlog_open(int to_stderr);
void    mlog_stderr(int on);            /* change the stderr copy later */

void    mlog_info(const char *fmt,...) __attribute__((format(printf, 1, 2)));
void    mlog_warnx(const char *fmt,...) __attribute__((format(printf, 1, 2)));
void    mlog_warn(const char *fmt,...) __attribute__((format(printf, 1, 2)));   /* appends ": strerror(errno)" */
void    mlog_errx(const char *fmt,...) __attribute__((format(printf, 1, 2)));
void    mlog_err(const char *fmt,...) __attribute__((format(printf, 1, 2)));    /* appends ": strerror(errno)" */

#endif
