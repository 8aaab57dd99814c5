/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_source - list sources: URL rules, cache file names, the validators sidecar */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "rm_source.h"

bool    rm_source_is_url(const char *v)
{
    return strncasecmp(v, "http://", 7) == 0 || strncasecmp(v, "https://", 8) == 0;
}

/* rm_source_check_url - the URLs relaymilter is willing to fetch */

const char *rm_source_check_url(const char *url)
{
    const char *host;
    size_t  hlen;

    if (!rm_source_is_url(url))
        return "expected a URL starting with http:// or https://";
    if (strlen(url) >= RM_URL_LEN)
        return "URL too long";
    for (const char *p = url; *p; p++)
        if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f || *p == '"' || *p == '\\')
            return "URL has white space, a quote, a backslash or a byte that is not printable ASCII";
    host = strstr(url, "//") + 2;
    hlen = strcspn(host, "/?#");
    if (hlen == 0 || host[0] == ':' || host[0] == '@')
        return "URL has no host";
    if (memchr(host, '@', hlen) != NULL)
        return "URL has user information (user@host); put credentials nowhere in a list URL";
    return NULL;
}

/* rm_source_cache_path - HASH-NAME in dir */

int     rm_source_cache_path(const char *dir, const char *url, char *out, size_t len)
{
    unsigned char h[8];
    char    name[64];
    const char *seg, *end;
    size_t  n = 0;
    int     w;

    crypto_generichash(h, sizeof(h), (const unsigned char *) url, strlen(url), NULL, 0);
    end = url + strcspn(url, "?#");
    seg = end;
    while (seg > url && seg[-1] != '/')
        seg--;
    for (; seg < end && n + 1 < sizeof(name); seg++) {
        char    c = *seg;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '-' || c == '_' || (c == '.' && n > 0))
            name[n++] = c;
        else
            name[n++] = '_';
    }
    if (n == 0)
        n = (size_t) snprintf(name, sizeof(name), "list");
    name[n] = '\0';
    w = snprintf(out, len, "%s/%02x%02x%02x%02x%02x%02x%02x%02x-%s", dir,
                 h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], name);
    return w < 0 || (size_t) w >= len ? -1 : 0;
}

int     rm_source_meta_path(const char *cache_path, char *out, size_t len)
{
    int     w = snprintf(out, len, "%s.meta", cache_path);

    return w < 0 || (size_t) w >= len ? -1 : 0;
}

bool    rm_source_validator_ok(const char *v, size_t len)
{
    if (len >= RM_VALIDATOR_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) v[i] < ' ' || (unsigned char) v[i] >= 0x7f)
            return false;
    return true;
}

size_t  rm_source_meta_format(const rm_source_meta *m, char *buf, size_t len)
{
    int     n = snprintf(buf, len, "url %s\netag %s\nlast_modified %s\nfetched %lld\nsigned %lld\n",
                         m->url, m->etag, m->last_modified, (long long) m->fetched, m->signed_at);

    return n < 0 || (size_t) n >= len ? 0 : (size_t) n;
}

/* set_field - copy one value, refusing what rm_source_meta_format could not have written */

static int set_field(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char) v[i] < ' ' || (unsigned char) v[i] >= 0x7f)
            return -1;
    memcpy(dst, v, n);
    dst[n] = '\0';
    return 0;
}

int     rm_source_meta_parse(const char *buf, size_t len, rm_source_meta *m)
{
    size_t  pos = 0;

    memset(m, 0, sizeof(*m));
    while (pos < len) {
        const char *s = buf + pos, *nl = memchr(s, '\n', len - pos), *sp;
        size_t  n = nl ? (size_t) (nl - s) : len - pos, k;

        pos += n + (nl ? 1 : 0);
        /* cppcheck-suppress knownConditionTrueFalse ; false positive: an empty line has n == 0 */
        if (n == 0)
            continue;
        if ((sp = memchr(s, ' ', n)) == NULL)
            return -1;
        k = (size_t) (sp - s);
        sp++;
        n -= k + 1;
        if (k == 3 && memcmp(s, "url", 3) == 0) {
            if (set_field(m->url, sizeof(m->url), sp, n) < 0)
                return -1;
        } else if (k == 4 && memcmp(s, "etag", 4) == 0) {
            if (set_field(m->etag, sizeof(m->etag), sp, n) < 0)
                return -1;
        } else if (k == 13 && memcmp(s, "last_modified", 13) == 0) {
            if (set_field(m->last_modified, sizeof(m->last_modified), sp, n) < 0)
                return -1;
        } else if ((k == 7 && memcmp(s, "fetched", 7) == 0) || (k == 6 && memcmp(s, "signed", 6) == 0)) {
            char    num[24], *end;
            long long t;

            if (n == 0 || n >= sizeof(num))
                return -1;
            memcpy(num, sp, n);
            num[n] = '\0';
            t = strtoll(num, &end, 10);
            if (*end != '\0' || t < 0)
                return -1;
            if (k == 7)
                m->fetched = (time_t) t;
            else
                m->signed_at = t;
        }
    }
    return m->url[0] ? 0 : -1;
}
