/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_DIAG_H
#define RM_DIAG_H

/* rm_diag - collected errors and warnings, with file, line and column */

#include <stddef.h>

#define RM_DIAG_MAX      64             /* messages kept; later ones counted */
#define RM_DIAG_FILE_LEN 256
#define RM_DIAG_TEXT_LEN 384

enum rm_severity {
    RM_SEV_ERROR = 0,
    RM_SEV_WARNING = 1
};

typedef struct rm_diag_msg {
    enum rm_severity severity;
    unsigned line;                      /* 1-based; 0 when not about a line */
    unsigned col;                       /* 1-based; 0 when not about a column */
    char    file[RM_DIAG_FILE_LEN];
    char    text[RM_DIAG_TEXT_LEN];
} rm_diag_msg;

/*
 * A diag is plain memory owned by the caller (on the stack, static, or
 * inside another object); it never allocates, so reporting an error can
 * not itself fail.  Messages past RM_DIAG_MAX are counted, not kept.
 */
typedef struct rm_diag {
    size_t  count;                      /* messages kept */
    size_t  errors;                     /* errors seen, kept or not */
    size_t  warnings;                   /* warnings seen, kept or not */
    size_t  dropped;                    /* messages not kept */
    rm_diag_msg msgs[RM_DIAG_MAX];
} rm_diag;

void    rm_diag_init(rm_diag *d);
void    rm_diag_add(rm_diag *d, enum rm_severity sev, const char *file,
                    unsigned line, unsigned col, const char *fmt,...)
                    __attribute__((format(printf, 6, 7)));

/* rm_diag_format - "FILE:LINE:COL: error: TEXT" (parts that are 0 left out) */
size_t  rm_diag_format(const rm_diag_msg *m, char *buf, size_t len);

/* rm_diag_first_error - the first error kept, or NULL */
const rm_diag_msg *rm_diag_first_error(const rm_diag *d);

#endif
