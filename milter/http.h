/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef HTTP_H
#define HTTP_H

/*
 * http - one HTTP(S) GET with libcurl, for URL lists (the daemon's fetcher
 * and relayctl lint).  TLS peers are always verified; nothing is decided
 * here beyond "did a whole, capped body arrive".
 */

#include <stddef.h>
#include <stdint.h>

#include "rm_source.h"
#include "rm_trust.h"

typedef struct http_req {
    const char *url;
    const char *ca_file;                /* NULL or "": the system's CAs */
    unsigned timeout;                   /* seconds for the whole transfer */
    uint64_t max_bytes;                 /* a longer body is refused */
    const char *etag;                   /* conditional GET; NULL or "": none */
    const char *last_modified;
} http_req;

typedef struct http_resp {
    long    status;                     /* 200, 304, 404, ...; 0 when none came */
    char   *body;                       /* malloc(3)ed, NUL-terminated; NULL unless 200 */
    size_t  len;
    char    etag[RM_VALIDATOR_LEN];     /* the validators the server sent */
    char    last_modified[RM_VALIDATOR_LEN];
} http_resp;

/* http_global_init - once, before any thread fetches */
int     http_global_init(void);

/*
 * http_get - fetch r->url.  Returns 0 when the server answered 200 with a
 * whole body, or 304; -1 otherwise (no answer, a timeout, a transfer cut
 * short, a body over the cap, any other status) with the reason in err.
 * On 0 with status 200 the caller free()s body.
 */
int     http_get(const http_req *r, http_resp *out, char *err, size_t errlen);

/*
 * http_check_signature - fetch r->url with ".minisig" appended and check
 * that it signs body with the minisign public key in key_file, a policy
 * source read under the trust rules t (r's other settings apply to that
 * fetch; its cap is the signature's).  Returns 0,
 * or -1 with the reason in err, which ends in "the list is refused".
 * *signed_at is the signature's timestamp (0 when it has none).
 */
int     http_check_signature(const http_req *r, const char *key_file, const rm_trust *t, const char *body,
                             size_t len, long long *signed_at, char *err, size_t errlen);

#endif
