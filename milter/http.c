/* SPDX-License-Identifier: BSD-2-Clause */
/* http - one capped, verified, conditional GET with libcurl */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"
#include "rm_file.h"
#include "rm_mem.h"
#include "rm_minisign.h"
#include <stdlib.h>

typedef struct sink {
    char   *buf;
    size_t  len;
    size_t  cap;
    uint64_t max;
    int     over;
    http_resp *resp;
} sink;

/* on_body - collect the body, refusing more than max bytes */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
    sink   *s = ctx;
    size_t  n = size * nmemb;

    if ((uint64_t) s->len + n > s->max) {
        s->over = 1;
        return 0;                       /* makes curl stop with CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap) {
        size_t  cap = s->cap ? s->cap : 65536;
        char   *b;

        while (cap < s->len + n + 1)
            cap *= 2;
        if ((uint64_t) cap > s->max + 1)
            cap = (size_t) s->max + 1;
        if ((b = realloc(s->buf, cap)) == NULL)
            return 0;
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return n;
}

/* keep_header - the validators, when the server sent usable ones */

static void keep_header(const char *p, size_t n, const char *name, char *dst)
{
    size_t  nl = strlen(name);

    if (n <= nl || strncasecmp(p, name, nl) != 0)
        return;
    p += nl;
    n -= nl;
    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' '))
        n--;
    if (rm_source_validator_ok(p, n)) {
        memcpy(dst, p, n);
        dst[n] = '\0';
    }
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
    sink   *s = ctx;
    size_t  n = size * nmemb;

    /* A redirect or a 100 Continue starts a new set of headers. */
    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        s->resp->etag[0] = '\0';
        s->resp->last_modified[0] = '\0';
    }
    keep_header(p, n, "ETag:", s->resp->etag);
    keep_header(p, n, "Last-Modified:", s->resp->last_modified);
    return n;
}

int     http_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

/* add_header - "Name: value" onto the request's list */

static struct curl_slist *add_header(struct curl_slist *h, const char *name, const char *v)
{
    char    line[RM_VALIDATOR_LEN + 64];
    struct curl_slist *n;

    if (v == NULL || v[0] == '\0' || h == NULL)
        return h;
    snprintf(line, sizeof(line), "%s: %s", name, v);
    if ((n = curl_slist_append(h, line)) == NULL)
        curl_slist_free_all(h);
    return n;
}

/* http_get - GET with the validators; a whole body or an error */

int     http_get(const http_req *r, http_resp *out, char *err, size_t errlen)
{
    char    cerr[CURL_ERROR_SIZE] = "";
    sink    s = {NULL, 0, 0, r->max_bytes, 0, out};
    struct curl_slist *h;
    CURL   *c;
    CURLcode rc;
    int     ret = -1;

    memset(out, 0, sizeof(*out));
    if ((c = curl_easy_init()) == NULL) {
        snprintf(err, errlen, "cannot start a transfer (out of memory?)");
        return -1;
    }
    /* The list of headers starts with one that changes nothing curl sends. */
    h = curl_slist_append(NULL, "Accept: text/plain, */*");
    h = add_header(h, "If-None-Match", r->etag);
    h = add_header(h, "If-Modified-Since", r->last_modified);
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    /* A redirect never takes an https list to plain http. */
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR,
                     strncasecmp(r->url, "https:", 6) == 0 ? "https" : "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (r->ca_file && r->ca_file[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, r->ca_file);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long) (r->timeout < 10 ? r->timeout : 10));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long) r->timeout);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) r->max_bytes);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "relaymilter/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    rc = h ? curl_easy_perform(c) : CURLE_OUT_OF_MEMORY;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (s.over || rc == CURLE_FILESIZE_EXCEEDED)
        snprintf(err, errlen, "the list is over max_list_bytes (%llu bytes); nothing loaded",
                 (unsigned long long) r->max_bytes);
    else if (rc != CURLE_OK)
        snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
    else if (out->status == 304)
        ret = 0;
    else if (out->status != 200)
        snprintf(err, errlen, "the server answered HTTP %ld", out->status);
    else if (s.buf == NULL && (s.buf = malloc(1)) == NULL)
        snprintf(err, errlen, "out of memory");
    else {
        s.buf[s.len] = '\0';
        out->body = s.buf;
        out->len = s.len;
        s.buf = NULL;
        ret = 0;
    }
    free(s.buf);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return ret;
}

/* http_check_signature - URL.minisig must sign body with the key in key_file */

int     http_check_signature(const http_req *r, const char *key_file, const rm_trust *t, const char *body,
                             size_t len, long long *signed_at, char *err, size_t errlen)
{
    char    sigurl[RM_URL_LEN + 16], why[400], comment[1024], *kbuf;
    size_t  klen;
    rm_minisign_key key;
    http_req sr = *r;
    http_resp sig = {0};
    rm_diag d;
    int     rc;

    rm_diag_init(&d);
    if (rm_file_read(key_file, t, 4096, &kbuf, &klen, NULL, &d) < 0) {
        rm_diag_format(rm_diag_first_error(&d), why, sizeof(why));
        snprintf(err, errlen, "list_signing_key %s; the list is refused", why);
        return -1;
    }
    rc = rm_minisign_key_parse(kbuf, klen, &key, why, sizeof(why));
    rm_free(kbuf);
    if (rc < 0) {
        snprintf(err, errlen, "list_signing_key %s: %s; the list is refused", key_file, why);
        return -1;
    }
    snprintf(sigurl, sizeof(sigurl), "%s.minisig", r->url);
    sr.url = sigurl;
    sr.max_bytes = RM_MINISIGN_MAX_SIG;
    sr.etag = sr.last_modified = NULL;
    if (http_get(&sr, &sig, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "signature %s: %s; the list is refused", sigurl, why);
        return -1;
    }
    rc = rm_minisign_verify(&key, sig.body, sig.len, body, len, comment, sizeof(comment), why, sizeof(why));
    free(sig.body);
    if (rc == 0 && rm_minisign_signed_at(comment, signed_at) < 0)
        *signed_at = 0;
    if (rc < 0) {
        snprintf(err, errlen, "signature %s: %s; the list is refused", sigurl, why);
        return -1;
    }
    return 0;
}
