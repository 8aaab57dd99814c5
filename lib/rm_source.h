/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_SOURCE_H
#define RM_SOURCE_H

/*
 * rm_source - where a list comes from: a local file or an http(s) URL.
 *
 * A URL list is read, like a file, from one file: its last good copy in
 * list_cache_dir, named after the URL.  Next to it a small sidecar file
 * (the same name with ".meta") keeps the URL and the HTTP validators
 * (ETag, Last-Modified) of the copy, and when it was fetched.  This module
 * owns the URL rules, the cache names and the sidecar format; the daemon
 * moves the bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define RM_URL_LEN 2048
#define RM_VALIDATOR_LEN 256

/* rm_source_is_url - does this setting name a URL (http:// or https://)? */
bool    rm_source_is_url(const char *v);

/*
 * rm_source_check_url - NULL if url is one relaymilter fetches: http or
 * https, a host, no white space, control characters or quotes, and
 * shorter than RM_URL_LEN; otherwise what is wrong with it.
 */
const char *rm_source_check_url(const char *url);

/*
 * rm_source_cache_path - the cache file of url in dir:
 * DIR/HASH-NAME, HASH the first 16 hex digits of the URL's BLAKE2b and
 * NAME the last path segment made safe (letters, digits, ".", "-", "_"),
 * for people reading the directory.  Returns 0, or -1 if it does not fit.
 */
int     rm_source_cache_path(const char *dir, const char *url, char *out, size_t len);

/* rm_source_meta_path - the sidecar of a cache file: PATH.meta */
int     rm_source_meta_path(const char *cache_path, char *out, size_t len);

/* The sidecar: what the last good copy is, and how to ask for a newer one. */
typedef struct rm_source_meta {
    char    url[RM_URL_LEN];
    char    etag[RM_VALIDATOR_LEN];     /* "" when the server sent none */
    char    last_modified[RM_VALIDATOR_LEN];
    time_t  fetched;                    /* when this copy was fetched */
    long long signed_at;                /* its signature's timestamp; 0: unsigned */
} rm_source_meta;

/* rm_source_meta_format - "url URL\netag V\nlast_modified V\nfetched T\nsigned T\n" */
size_t  rm_source_meta_format(const rm_source_meta *m, char *buf, size_t len);

/* rm_source_meta_parse - the reverse; unknown lines are ignored, a bad
 * line is an error (-1), so that a damaged sidecar is never half used */
int     rm_source_meta_parse(const char *buf, size_t len, rm_source_meta *m);

/* rm_source_validator_ok - a header value fit to keep and send back:
 * printable ASCII, no CR/LF, shorter than RM_VALIDATOR_LEN */
bool    rm_source_validator_ok(const char *v, size_t len);

#endif
