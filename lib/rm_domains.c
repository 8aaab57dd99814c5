/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_domains - the set of local domains and address literals */

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rm_addr.h"
#include "rm_domains.h"
#include "rm_file.h"
#include "rm_mem.h"
#include "rm_scan.h"
#include "rm_text.h"

#define MAX_DOMAIN 255
#define MAX_DOMAINS_FILE (64u * 1024u * 1024u)

struct rm_domains {
    size_t  n;
    char  **names;                      /* sorted, in the same allocation */
};

/* rm_domain_normalize - canonical form of a domain or address literal */

int     rm_domain_normalize(const char *in, size_t len, char *buf, size_t buflen)
{
    size_t  i;

    if (len > 0 && in[0] == '[') {
        char    tmp[MAX_DOMAIN + 1], txt[RM_ADDR_STRLEN];
        rm_addr a;
        const char *p;
        size_t  plen;
        int     n;

        if (len < 3 || in[len - 1] != ']' || len - 2 > MAX_DOMAIN)
            return -1;
        p = in + 1;
        plen = len - 2;
        if (plen > 5 && strncasecmp(p, "IPv6:", 5) == 0) {
            if (rm_addr_parse(p + 5, plen - 5, &a, NULL) < 0 || a.family != RM_AF_INET6)
                return -1;
        } else {
            memcpy(tmp, p, plen);
            tmp[plen] = '\0';
            if (rm_addr_parse(tmp, plen, &a, NULL) < 0 || a.family != RM_AF_INET)
                return -1;
        }
        rm_addr_format(&a, txt, sizeof(txt));
        n = snprintf(buf, buflen, a.family == RM_AF_INET6 ? "[IPv6:%s]" : "[%s]", txt);
        return n < 0 || (size_t) n >= buflen ? -1 : n;
    }
    if (len > 0 && in[len - 1] == '.')
        len--;
    if (len == 0 || len > MAX_DOMAIN || len + 1 > buflen)
        return -1;
    for (i = 0; i < len; i++) {
        char    c = in[i];

        if (c >= 'A' && c <= 'Z')
            c = (char) (c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
            return -1;
        if (c == '.' && (i == 0 || in[i - 1] == '.'))
            return -1;
        buf[i] = c;
    }
    if (buf[len - 1] == '.')
        return -1;                      /* an empty last label: "a.." */
    buf[len] = '\0';
    return (int) len;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Items are collected in two passes over the text: count and size, then copy. */

typedef struct walker {
    const char *file;
    rm_diag *d;                         /* NULL: the copying pass, quiet */
    char  **slots;                      /* NULL: the counting pass */
    char   *store;
    size_t  n, bytes;
    bool    bad;
} walker;

static bool is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* walk_items - the names in text[0..len), separated by commas and blanks */

static void walk_items(walker *w, const char *text, size_t len, unsigned line)
{
    size_t  i = 0;

    while (i < len) {
        size_t  start;
        char    norm[MAX_DOMAIN + 16];
        int     nl;

        if (is_sep(text[i])) {
            i++;
            continue;
        }
        start = i;
        while (i < len && !is_sep(text[i]))
            i++;
        if ((nl = rm_domain_normalize(text + start, i - start, norm, sizeof(norm))) < 0) {
            if (w->d) {
                char    q[RM_QUOTE_LEN(80)];

                rm_diag_add(w->d, RM_SEV_ERROR, w->file, line, 0,
                            "local_domains: %s is not a domain name or address literal",
                            rm_text_quote(q, sizeof(q), text + start, i - start));
            }
            w->bad = true;
            continue;
        }
        if (w->slots) {
            w->slots[w->n] = w->store + w->bytes;
            memcpy(w->store + w->bytes, norm, (size_t) nl + 1);
        }
        w->n++;
        w->bytes += (size_t) nl + 1;
    }
}

/* walk - the names of the setting's value (on its line), or of a file
 * (one line or more each, '#' comments) */

static int walk(walker *w, const char *text, size_t len, bool per_line, unsigned line)
{
    rm_scan sc;
    rm_scan_line ln;

    w->n = w->bytes = 0;
    w->bad = false;
    if (!per_line) {
        walk_items(w, text, len, line);
        return w->bad ? -1 : 0;
    }
    rm_scan_init(&sc, text, len, RM_SCAN_HASH_ANYWHERE);
    while (rm_scan_next(&sc, &ln))
        walk_items(w, ln.tok, ln.toklen, ln.line);
    return w->bad ? -1 : 0;
}

/* rm_domains_parse - build the set */

int     rm_domains_parse(const char *value, const char *basedir, const char *file,
                         unsigned line, const rm_trust *t, rm_domains **out, rm_diag *d)
{
    const char *text = value;
    char   *filebuf = NULL;
    size_t  len = strlen(value);
    walker  w = {file, d, NULL, NULL, 0, 0, false};
    bool    per_line = false;
    rm_domains *s;
    char    path[4096];

    while (*text == ' ' || *text == '\t')
        text++;
    if (strncmp(text, "file:", 5) == 0) {
        const char *p = text + 5;

        if (p[0] == '/' || basedir == NULL || basedir[0] == '\0')
            snprintf(path, sizeof(path), "%s", p);
        else
            snprintf(path, sizeof(path), "%s/%s", basedir, p);
        if (rm_file_read(path, t, MAX_DOMAINS_FILE, &filebuf, &len, NULL, d) < 0) {
            rm_diag_add(d, RM_SEV_ERROR, file, line, 0, "local_domains: cannot use file:%s", path);
            return -1;
        }
        text = filebuf;
        w.file = path;
        per_line = true;
    } else {
        len = strlen(text);
    }
    if (walk(&w, text, len, per_line, line) < 0) {
        rm_free(filebuf);
        return -1;
    }
    if ((s = rm_malloc(sizeof(*s) + w.n * sizeof(char *) + w.bytes)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, file, line, 0, "local_domains: out of memory");
        rm_free(filebuf);
        return -1;
    }
    s->names = (char **) (void *) (s + 1);
    w.d = NULL;
    w.slots = s->names;
    w.store = (char *) (s->names + w.n);
    walk(&w, text, len, per_line, line);
    s->n = w.n;
    rm_free(filebuf);
    qsort(s->names, s->n, sizeof(char *), name_cmp);
    *out = s;
    return 0;
}

void    rm_domains_free(rm_domains *s)
{
    rm_free(s);
}

/* rm_domains_contains - binary search of the normalized name */

bool    rm_domains_contains(const rm_domains *s, const char *domain, size_t len)
{
    char    norm[MAX_DOMAIN + 16];
    size_t  lo = 0, hi;

    if (s == NULL || rm_domain_normalize(domain, len, norm, sizeof(norm)) < 0)
        return false;
    hi = s->n;
    while (lo < hi) {
        size_t  mid = lo + (hi - lo) / 2;
        int     c = strcmp(s->names[mid], norm);

        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

size_t  rm_domains_count(const rm_domains *s)
{
    return s ? s->n : 0;
}

const char *rm_domains_get(const rm_domains *s, size_t i)
{
    return s && i < s->n ? s->names[i] : NULL;
}
