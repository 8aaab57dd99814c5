/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_MINISIGN_H
#define RM_MINISIGN_H

/*
 * rm_minisign - verify minisign detached signatures with libsodium.
 *
 * A public key file is an "untrusted comment:" line and one base64 line
 * of "Ed", an 8-byte key id and a 32-byte Ed25519 key.  A signature file
 * is an untrusted comment, base64 of an algorithm ("Ed": Ed25519 over the
 * file; "ED": over its BLAKE2b-512, minisign's default), the key id and
 * the 64-byte signature, a "trusted comment:" line, and base64 of the
 * global signature: Ed25519 over the signature and the trusted comment,
 * so that the comment cannot be changed either.
 */

#include <stddef.h>
#include <stdint.h>

#define RM_MINISIGN_MAX_SIG 4096        /* a signature file larger than this is refused */

typedef struct rm_minisign_key {
    uint8_t id[8];
    uint8_t pk[32];
} rm_minisign_key;

/*
 * rm_minisign_key_parse - a public key: the contents of minisign.pub, or
 * just its base64 line.  Returns 0, or -1 with what is wrong in err.
 */
int     rm_minisign_key_parse(const char *buf, size_t len, rm_minisign_key *k,
                              char *err, size_t errlen);

/* rm_minisign_key_id - the key id as minisign prints it (16 hex digits) */
void    rm_minisign_key_id(const uint8_t id[8], char out[17]);

/*
 * rm_minisign_verify - does sig (a .minisig file's contents) sign msg
 * with key k?  Checks the format, the key id, the signature and the
 * global signature over the trusted comment.  Returns 0, or -1 with the
 * reason in err ("signed by key ..., not by the key ...", "signature does
 * not match", ...).  The trusted comment, when wanted, goes to comment.
 */
int     rm_minisign_verify(const rm_minisign_key *k, const char *sig, size_t siglen,
                           const void *msg, size_t msglen, char *comment, size_t clen,
                           char *err, size_t errlen);

/*
 * rm_minisign_signed_at - the "timestamp:N" minisign puts in the trusted
 * comment, which the signature covers: 0 and *t set, or -1 when there is
 * none.  A list signed before the one in force is an old one replayed.
 */
int     rm_minisign_signed_at(const char *comment, long long *t);

#endif
