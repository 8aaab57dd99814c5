/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_edit - add or delete one entry in a list's text, keeping all else */

#include <stdio.h>
#include <string.h>

#include "rm_edit.h"
#include "rm_mem.h"
#include "rm_scan.h"

/* parse_arg - the entry an administrator typed, trimmed */

static int parse_arg(const char *entry, rm_entry *e, rm_diag *d)
{
    rm_perr err;
    size_t  len = strlen(entry);

    while (len > 0 && (entry[len - 1] == ' ' || entry[len - 1] == '\t'))
        len--;
    while (len > 0 && (*entry == ' ' || *entry == '\t')) {
        entry++;
        len--;
    }
    if (rm_entry_parse(entry, len, e, &err) < 0) {
        rm_diag_add(d, RM_SEV_ERROR, "", 0, 0, "bad entry: %s (column %u)", err.msg,
                    (unsigned) err.off + 1);
        return -1;
    }
    return 0;
}

/* load_current - the list as it is must load, or nothing is edited */

static rm_list *load_current(const char *name, const char *text, size_t len,
                             const rm_limits *lim, rm_diag *d)
{
    rm_list *l;

    if (rm_list_load_buffer(name, text, len, lim, &l, d) < 0) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0,
                    "the list has errors already; fix them first (the file is unchanged)");
        return NULL;
    }
    return l;
}

/* line_end - the line end the file uses: that of its last line that has one */

static const char *line_end(const char *text, size_t len)
{
    while (len > 0 && text[len - 1] != '\n')
        len--;
    return len > 1 && text[len - 2] == '\r' ? "\r\n" : "\n";
}

/* rm_edit_add - append one entry, ending its line (and an unended last one) as the file does */

enum rm_edit_status rm_edit_add(const char *name, const char *text, size_t len,
                                const char *entry, const char *comment,
                                const rm_limits *lim, rm_edit_result *r, rm_diag *d)
{
    rm_entry e;
    rm_list *l, *check;
    rm_match m;
    char    canon[RM_ENTRY_STRLEN];
    size_t  need, o = 0;
    bool    nl = len > 0 && text[len - 1] != '\n';
    const char *eol;

    memset(r, 0, sizeof(*r));
    if (parse_arg(entry, &e, d) < 0)
        return RM_EDIT_ERROR;
    if (comment && strpbrk(comment, "\r\n") != NULL) {
        rm_diag_add(d, RM_SEV_ERROR, "comment", 0, 0, "a comment must be one line");
        return RM_EDIT_ERROR;
    }
    if ((l = load_current(name, text, len, lim, d)) == NULL)
        return RM_EDIT_ERROR;
    if (rm_list_covers(l, &e, &m)) {
        rm_entry_info info;
        char    have[RM_ENTRY_STRLEN];

        rm_list_entry(l, m.entry, &info);
        rm_entry_format(&info.entry, have, sizeof(have));
        rm_entry_format(&e, canon, sizeof(canon));
        r->lines[0] = info.line;
        r->nlines = 1;
        snprintf(r->why, sizeof(r->why), "%s is already covered by %s:%u (%s); nothing changed",
                 canon, name, info.line, have);
        rm_list_free(l);
        return RM_EDIT_UNCHANGED;
    }
    rm_list_free(l);

    rm_entry_format(&e, canon, sizeof(canon));
    eol = line_end(text, len);
    need = len + 2 + strlen(canon) + (comment ? strlen(comment) + 4 : 0) + 3;
    if ((r->out = rm_malloc(need)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0, "out of memory; the file is unchanged");
        return RM_EDIT_ERROR;
    }
    memcpy(r->out, text, len);
    o = len;
    if (nl)
        o += (size_t) snprintf(r->out + o, need - o, "%s", eol);
    if (comment && *comment)
        o += (size_t) snprintf(r->out + o, need - o, "%s  # %s%s", canon, comment, eol);
    else
        o += (size_t) snprintf(r->out + o, need - o, "%s%s", canon, eol);
    r->outlen = o;

    /* The new text must load as the daemon will load it (caps included). */
    if (rm_list_load_buffer(name, r->out, r->outlen, lim, &check, d) < 0) {
        rm_free(r->out);
        r->out = NULL;
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0, "the edited list would not load; the file is unchanged");
        return RM_EDIT_ERROR;
    }
    rm_list_free(check);
    snprintf(r->why, sizeof(r->why), "added %s to %s", canon, name);
    return RM_EDIT_CHANGED;
}

/* still_covered - does another entry of l match all of e?  Names it in r */

static bool still_covered(const rm_list *l, const rm_entry *e, rm_edit_result *r)
{
    rm_match m;
    rm_entry_info info;

    r->covered_line = 0;
    if (!rm_list_covers(l, e, &m) || rm_list_entry(l, m.entry, &info) < 0 || rm_entry_same(&info.entry, e))
        return false;
    r->covered_line = info.line;
    rm_entry_format(&info.entry, r->covered_entry, sizeof(r->covered_entry));
    return true;
}

/* rm_edit_del - drop the lines whose entry is the same as entry */

enum rm_edit_status rm_edit_del(const char *name, const char *text, size_t len,
                                const char *entry, const rm_limits *lim,
                                rm_edit_result *r, rm_diag *d)
{
    rm_entry e;
    rm_list *l;
    size_t  o = 0;
    rm_scan sc;
    rm_scan_line ln;
    char    canon[RM_ENTRY_STRLEN];

    memset(r, 0, sizeof(*r));
    if (parse_arg(entry, &e, d) < 0)
        return RM_EDIT_ERROR;
    if ((l = load_current(name, text, len, lim, d)) == NULL)
        return RM_EDIT_ERROR;
    rm_entry_format(&e, canon, sizeof(canon));
    still_covered(l, &e, r);
    rm_list_free(l);
    if ((r->out = rm_malloc(len + 1)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0, "out of memory; the file is unchanged");
        return RM_EDIT_ERROR;
    }
    rm_scan_init(&sc, text, len, RM_SCAN_HASH_ANYWHERE);
    while (rm_scan_next(&sc, &ln)) {
        rm_entry x;
        rm_perr err;

        if (ln.toklen > 0 && rm_entry_parse(ln.tok, ln.toklen, &x, &err) == 0 && rm_entry_same(&x, &e)) {
            if (r->nlines < sizeof(r->lines) / sizeof(r->lines[0]))
                r->lines[r->nlines] = ln.line;
            r->nlines++;
            /* The line goes; a byte order mark before it stays. */
            memcpy(r->out + o, ln.span, (size_t) (ln.text - ln.span));
            o += (size_t) (ln.text - ln.span);
            continue;
        }
        memcpy(r->out + o, ln.span, ln.spanlen);
        o += ln.spanlen;
    }
    r->outlen = o;
    if (r->nlines == 0) {
        rm_free(r->out);
        r->out = NULL;
        if (r->covered_line)
            snprintf(r->why, sizeof(r->why), "%s is not a line of %s, but line %u (%s) matches it; "
                     "nothing changed", canon, name, r->covered_line, r->covered_entry);
        else
            snprintf(r->why, sizeof(r->why), "%s is not in %s; nothing changed", canon, name);
        return RM_EDIT_UNCHANGED;
    }
    r->covered_line = 0;
    if (r->nlines == 1)
        snprintf(r->why, sizeof(r->why), "removed %s from %s (line %u)", canon, name, r->lines[0]);
    else
        snprintf(r->why, sizeof(r->why), "removed %s from %s (%zu lines)", canon, name, r->nlines);

    /* A wider entry may still match what was removed: say so. */
    if (rm_list_load_buffer(name, r->out, r->outlen, lim, &l, d) < 0) {
        rm_free(r->out);
        r->out = NULL;
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0, "the edited list would not load; the file is unchanged");
        return RM_EDIT_ERROR;
    }
    if (still_covered(l, &e, r)) {
        size_t  w = strlen(r->why);

        snprintf(r->why + w, sizeof(r->why) - w, "; %s is still matched by line %u (%s)",
                 canon, r->covered_line, r->covered_entry);
    }
    rm_list_free(l);
    return RM_EDIT_CHANGED;
}
