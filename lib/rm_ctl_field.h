/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_ctl_field - the field walk of the control replies (private to rm_ctl_reply.c) */
#ifndef RM_CTL_FIELD_H
#define RM_CTL_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A walk over a reply's fields, one direction or the other.  Writing, each
 * field's value is turned into text and given to fn.  Reading, each field
 * is taken from the next line; the first failure is kept in err and the
 * rest of the walk does nothing.
 */
enum vtype {
    V_U64,                              /* uint64_t */
    V_U32,                              /* uint32_t */
    V_LONG,                             /* long, not negative */
    V_LINE,                             /* unsigned, not 0 */
    V_TIME,                             /* time_t, ISO 8601 */
    V_NEVER,                            /* time_t, ISO 8601, or "never" for 0 */
    V_FLAGS,                            /* unsigned relay_flags, rm_flags_format */
    V_KIND,                             /* enum rm_verdict_kind */
    V_TEXT,                             /* char[size] */
    V_SOME,                             /* char[size], not empty: a field there when it is not */
    V_NONE                              /* char[size], written "none" when empty */
};

typedef struct walker {
    bool    reading;
    void    (*fn) (void *ctx, const char *key, const char *value);
    void   *ctx;
    const char *next;                   /* reading: the next line */
    unsigned lineno;                    /* its number in the reply */
    char   *err;
    size_t  errlen;
    bool    failed;
    bool    newer;                      /* reading: skip keys a newer daemon added */
    const char *first;                  /* reading: the first field's line */
} walker;

/*
 * rm_ctlf_number - the decimal number at s (at most n bytes) into *v: the
 * count of digits taken, or 0 when there is none or it has a leading zero.
 * *over is set when it exceeds max.
 */
size_t  rm_ctlf_number(const char *s, size_t n, uint64_t max, uint64_t *v, bool *over);

/* rm_ctlf_reply_check - not empty, no control byte, the last line ended;
 * an ERR is 1 with its text in err.  0, 1, or -1 with why in err. */
int     rm_ctlf_reply_check(const char *reply, char *err, size_t errlen);

/* rm_ctlf_field - one field: written as its line, or read from the next line */
void    rm_ctlf_field(walker *w, const char *key, enum vtype t, void *val, size_t size);

/* rm_ctlf_group - whether the fields that key begins are there */
bool    rm_ctlf_group(walker *w, const char *key, bool present);

/* rm_ctlf_read_start - a walker to read a reply whose first line is first
 * (whole, or its start when prefix); 1 (ERR) or -1 as reply_check says */
int     rm_ctlf_read_start(walker *w, const char *reply, const char *first, bool prefix,
                           const char *what, char *err, size_t errlen);

/* rm_ctlf_read_end - every field read: nothing may be left over (-1) */
int     rm_ctlf_read_end(walker *w);

#endif
