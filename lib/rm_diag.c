/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_diag - collected errors and warnings, with file, line and column */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rm_diag.h"

/* rm_diag_init - make an empty collection */

void    rm_diag_init(rm_diag *d)
{
    d->count = d->errors = d->warnings = d->dropped = 0;
}

/* rm_diag_add - record one message; never fails */

void    rm_diag_add(rm_diag *d, enum rm_severity sev, const char *file,
                    unsigned line, unsigned col, const char *fmt,...)
{
    rm_diag_msg *m;
    va_list ap;

    if (sev == RM_SEV_ERROR)
        d->errors++;
    else
        d->warnings++;
    if (d->count >= RM_DIAG_MAX) {
        d->dropped++;
        return;
    }
    m = &d->msgs[d->count++];
    m->severity = sev;
    m->line = line;
    m->col = col;
    snprintf(m->file, sizeof(m->file), "%s", file ? file : "");
    va_start(ap, fmt);
    vsnprintf(m->text, sizeof(m->text), fmt, ap);
    va_end(ap);
}

/* rm_diag_format - render one message the way compilers do */

size_t  rm_diag_format(const rm_diag_msg *m, char *buf, size_t len)
{
    const char *sev = m->severity == RM_SEV_ERROR ? "error" : "warning";
    int     n;

    if (m->file[0] && m->line && m->col)
        n = snprintf(buf, len, "%s:%u:%u: %s: %s", m->file, m->line, m->col, sev, m->text);
    else if (m->file[0] && m->line)
        n = snprintf(buf, len, "%s:%u: %s: %s", m->file, m->line, sev, m->text);
    else if (m->file[0])
        n = snprintf(buf, len, "%s: %s: %s", m->file, sev, m->text);
    else
        n = snprintf(buf, len, "%s: %s", sev, m->text);
    return n < 0 ? 0 : (size_t) n;
}

/* rm_diag_first_error - the first error kept, or NULL */

const rm_diag_msg *rm_diag_first_error(const rm_diag *d)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->msgs[i].severity == RM_SEV_ERROR)
            return &d->msgs[i];
    return NULL;
}
