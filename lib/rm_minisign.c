/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_minisign - minisign public keys and detached signatures, checked with libsodium */

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "rm_minisign.h"

#define UNTRUSTED "untrusted comment:"
#define TRUSTED "trusted comment: "

/* next_line - the line at *pos (without \n or \r\n); advances *pos */

static int next_line(const char *buf, size_t len, size_t *pos, const char **s, size_t *n)
{
    const char *nl;

    if (*pos >= len)
        return -1;
    *s = buf + *pos;
    nl = memchr(*s, '\n', len - *pos);
    *n = nl ? (size_t) (nl - *s) : len - *pos;
    *pos += *n + (nl ? 1 : 0);
    /* cppcheck-suppress knownConditionTrueFalse ; false positive: an empty line has *n == 0 */
    if (*n > 0 && (*s)[*n - 1] == '\r')
        (*n)--;
    return 0;
}

/* decode - exactly want bytes of base64 from s[0..n) */

static int decode(const char *s, size_t n, uint8_t *out, size_t want)
{
    size_t  got = 0;

    if (n == 0 || sodium_base642bin(out, want, s, n, NULL, &got, NULL,
                                    sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return got == want ? 0 : -1;
}

void    rm_minisign_key_id(const uint8_t id[8], char out[17])
{
    unsigned long long v = 0;

    /* minisign prints the id as a little-endian 64-bit number, in hex */
    for (int i = 7; i >= 0; i--)
        v = v << 8 | id[i];
    snprintf(out, 17, "%llX", v);
}

/* rm_minisign_key_parse - minisign.pub, or its base64 line alone */

int     rm_minisign_key_parse(const char *buf, size_t len, rm_minisign_key *k,
                              char *err, size_t errlen)
{
    uint8_t raw[2 + 8 + 32];
    const char *s;
    size_t  n, pos = 0;

    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium cannot be initialized");
        return -1;
    }
    if (next_line(buf, len, &pos, &s, &n) < 0) {
        snprintf(err, errlen, "empty public key");
        return -1;
    }
    if (n >= strlen(UNTRUSTED) && memcmp(s, UNTRUSTED, strlen(UNTRUSTED)) == 0
        && next_line(buf, len, &pos, &s, &n) < 0) {
        snprintf(err, errlen, "no key after the comment line (expected a minisign public key)");
        return -1;
    }
    if (decode(s, n, raw, sizeof(raw)) < 0) {
        snprintf(err, errlen, "not a minisign public key (expected base64 of 42 bytes)");
        return -1;
    }
    if (raw[0] != 'E' || raw[1] != 'd') {
        snprintf(err, errlen, "not an Ed25519 minisign public key");
        return -1;
    }
    memcpy(k->id, raw + 2, 8);
    memcpy(k->pk, raw + 10, 32);
    return 0;
}

/* message_of - what the signature signs: the file, or its BLAKE2b-512 */

static const uint8_t *message_of(uint8_t alg1, const void *msg, size_t msglen,
                                 uint8_t hash[crypto_generichash_BYTES_MAX], size_t *mlen)
{
    if (alg1 == 'd') {
        *mlen = msglen;
        return msg;
    }
    crypto_generichash(hash, crypto_generichash_BYTES_MAX, msg, msglen, NULL, 0);
    *mlen = crypto_generichash_BYTES_MAX;
    return hash;
}

/* rm_minisign_verify - format, key id, signature, global signature */

int     rm_minisign_verify(const rm_minisign_key *k, const char *sig, size_t siglen,
                           const void *msg, size_t msglen, char *comment, size_t clen,
                           char *err, size_t errlen)
{
    uint8_t raw[2 + 8 + 64], global[64], hash[crypto_generichash_BYTES_MAX];
    uint8_t signed_comment[64 + 1024];
    const uint8_t *m;
    const char *s, *tc;
    size_t  n, tclen, pos = 0, mlen;
    char    want[17], got[17];

    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium cannot be initialized");
        return -1;
    }
    if (siglen > RM_MINISIGN_MAX_SIG) {
        snprintf(err, errlen, "signature file over %d bytes", RM_MINISIGN_MAX_SIG);
        return -1;
    }
    if (next_line(sig, siglen, &pos, &s, &n) < 0
        || n < strlen(UNTRUSTED) || memcmp(s, UNTRUSTED, strlen(UNTRUSTED)) != 0) {
        snprintf(err, errlen, "not a minisign signature (no \"untrusted comment:\" line)");
        return -1;
    }
    if (next_line(sig, siglen, &pos, &s, &n) < 0 || decode(s, n, raw, sizeof(raw)) < 0) {
        snprintf(err, errlen, "malformed signature line (expected base64 of 74 bytes)");
        return -1;
    }
    if (raw[0] != 'E' || (raw[1] != 'd' && raw[1] != 'D')) {
        snprintf(err, errlen, "unknown signature algorithm (expected Ed or ED)");
        return -1;
    }
    if (next_line(sig, siglen, &pos, &tc, &tclen) < 0
        || tclen < strlen(TRUSTED) || memcmp(tc, TRUSTED, strlen(TRUSTED)) != 0) {
        snprintf(err, errlen, "no \"trusted comment:\" line in the signature");
        return -1;
    }
    tc += strlen(TRUSTED);
    tclen -= strlen(TRUSTED);
    if (tclen > sizeof(signed_comment) - 64) {
        snprintf(err, errlen, "trusted comment too long");
        return -1;
    }
    if (next_line(sig, siglen, &pos, &s, &n) < 0 || decode(s, n, global, sizeof(global)) < 0) {
        snprintf(err, errlen, "malformed global signature line (expected base64 of 64 bytes)");
        return -1;
    }
    if (memcmp(raw + 2, k->id, 8) != 0) {
        rm_minisign_key_id(raw + 2, got);
        rm_minisign_key_id(k->id, want);
        snprintf(err, errlen, "signed by key %s, not by the configured key %s", got, want);
        return -1;
    }
    m = message_of(raw[1], msg, msglen, hash, &mlen);
    if (crypto_sign_verify_detached(raw + 10, m, mlen, k->pk) != 0) {
        snprintf(err, errlen, "signature does not match the list (altered, or signed over another version)");
        return -1;
    }
    memcpy(signed_comment, raw + 10, 64);
    memcpy(signed_comment + 64, tc, tclen);
    if (crypto_sign_verify_detached(global, signed_comment, 64 + tclen, k->pk) != 0) {
        snprintf(err, errlen, "the trusted comment does not match its signature (altered)");
        return -1;
    }
    if (comment && clen)
        snprintf(comment, clen, "%.*s", (int) tclen, tc);
    return 0;
}

/* rm_minisign_signed_at - minisign's timestamp:N in a trusted comment */

int     rm_minisign_signed_at(const char *comment, long long *t)
{
    const char *p = strstr(comment, "timestamp:");
    long long v = 0;
    int     digits = 0;

    if (p == NULL || (p != comment && p[-1] != '\t' && p[-1] != ' '))
        return -1;
    for (p += strlen("timestamp:"); *p >= '0' && *p <= '9' && digits < 18; p++, digits++)
        v = v * 10 + (*p - '0');
    if (digits == 0 || (*p != '\0' && *p != '\t' && *p != ' '))
        return -1;
    *t = v;
    return 0;
}
