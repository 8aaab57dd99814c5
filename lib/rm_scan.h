/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_SCAN_H
#define RM_SCAN_H

/*
 * rm_scan - the one line reader of the project's text files: list files,
 * the local domains file and the configuration file, and every program
 * that reads them again (edits, lint, relayctl list).  It owns what those
 * formats share: a UTF-8 byte order mark before the first line (skipped;
 * not a column), LF or CRLF line ends, blanks, '#' comments, and where on
 * its line each piece of text is.  Columns are 1-based and counted in
 * bytes, as every message about these files counts them.
 *
 * A caller loops:
 *
 *      rm_scan_init(&sc, buf, len, flags);
 *      while (rm_scan_next(&sc, &ln))
 *          if (ln.toklen > 0)
 *              ... ln.tok, ln.line, ln.col ...
 *
 * Continuation lines (the configuration file's) are the caller's to join:
 * a line whose col is above 1 began with blanks.  The scanner allocates
 * nothing and never writes to the buffer; the pointers it returns point
 * into it.
 */

#include <stdbool.h>
#include <stddef.h>

#define RM_SCAN_MAX_LINE 4096           /* bytes per line, comment included */

/* How a format reads. */
enum {
    RM_SCAN_HASH_ANYWHERE = 1 << 0,     /* '#' starts a comment anywhere on a line
                                         * (lists, domains); else only as the
                                         * first non-blank (configuration) */
    RM_SCAN_CHECK_NUL = 1 << 1,         /* a NUL byte is a fault */
    RM_SCAN_CHECK_TEXT = 1 << 2         /* a line over RM_SCAN_MAX_LINE bytes or
                                         * one that is not UTF-8 is a fault */
};

/* What is wrong with a line, when a check found something (checked in
 * this order; the first found is reported). */
enum rm_scan_fault {
    RM_SCAN_OK,
    RM_SCAN_LONG,                       /* over RM_SCAN_MAX_LINE bytes; col RM_SCAN_MAX_LINE + 1 */
    RM_SCAN_NUL,                        /* a NUL byte at fault_col */
    RM_SCAN_UTF8                        /* fault_byte at fault_col begins no UTF-8 character */
};

typedef struct rm_scan {
    const char *buf;
    size_t  len;
    size_t  pos;                        /* where the next line starts */
    unsigned line;                      /* the line last read (0: none yet) */
    unsigned flags;
    size_t  bom;                        /* bytes of byte order mark skipped */
} rm_scan;

/* One line, as rm_scan_next returns it. */
typedef struct rm_scan_line {
    unsigned line;                      /* 1-based */
    const char *span;                   /* the raw span: the line's bytes in the buffer, */
    size_t  spanlen;                    /* line end and (line 1) byte order mark included */
    const char *text;                   /* the line without byte order mark, */
    size_t  textlen;                    /* line end, or the CR of a CRLF */
    const char *tok;                    /* its content: leading and trailing blanks */
    size_t  toklen;                     /* and the comment cut; 0: a blank or comment line */
    unsigned col;                       /* column of the first non-blank of text (of tok) */
    enum rm_scan_fault fault;           /* RM_SCAN_OK unless a check found something */
    unsigned fault_col;
    unsigned char fault_byte;
} rm_scan_line;

/*
 * rm_scan_init - start reading buf[0..len) (the buffer must outlive the
 * scan).  Returns 0, or -1 when the text starts with a UTF-16 byte order
 * mark (FF FE or FE FF: not a format this reader reads); the scan is set
 * up either way, and the caller says what it makes of that.
 */
int     rm_scan_init(rm_scan *sc, const char *buf, size_t len, unsigned flags);

/* rm_scan_next - the next line into *ln: true, or false at the end */
bool    rm_scan_next(rm_scan *sc, rm_scan_line *ln);

/* rm_scan_blank - is c a blank (space, tab, CR, form feed, vertical tab)?
 * Inline: the list loader's byte count asks it of every line's start. */
static inline bool rm_scan_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

#endif
