/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_name - enumerated values read both ways, like Postfix's NAME_CODE */

#include <stdio.h>
#include <strings.h>

#include "rm_name.h"

/* rm_name_lookup - look a name up; the terminator's code when absent */

int     rm_name_lookup(const rm_name_code *table, const char *name)
{
    const rm_name_code *p;

    for (p = table; p->name; p++)
        if (strcasecmp(p->name, name) == 0)
            break;
    return p->code;
}

/* rm_name_str - look a code up; the first name wins */

const char *rm_name_str(const rm_name_code *table, int code)
{
    for (const rm_name_code *p = table; p->name; p++)
        if (p->code == code)
            return p->name;
    return NULL;
}

/* rm_name_expect - every name, joined by commas and a final "or" */

size_t  rm_name_expect(const rm_name_code *table, char *buf, size_t len)
{
    size_t  n = 0, o = 0;
    int     w;

    while (table[n].name)
        n++;
    if (len > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        w = snprintf(buf + (o < len ? o : len), o < len ? len - o : 0, "%s%s",
                     i == 0 ? "" : i + 1 == n ? " or " : ", ", table[i].name);
        if (w > 0)
            o += (size_t) w;
    }
    return o;
}
