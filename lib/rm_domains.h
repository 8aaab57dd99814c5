/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_DOMAINS_H
#define RM_DOMAINS_H

/* rm_domains - the set of local domains and address literals */

#include <stdbool.h>
#include <stddef.h>

#include "rm_diag.h"
#include "rm_trust.h"

typedef struct rm_domains rm_domains;

/*
 * rm_domains_parse - build the set from a local_domains value: names and
 * address literals separated by commas or white space, or "file:PATH"
 * (one per line, # comments; PATH relative to basedir).  Names are kept
 * in lower case without one trailing dot; literals in canonical form
 * ("[192.0.2.1]", "[IPv6:2001:db8::1]").  Errors go to d with file and
 * line (file/line say where the value was written).  The file of
 * "file:PATH" is a policy source for t (rm_trust_open).  Returns 0 or -1.
 */
int     rm_domains_parse(const char *value, const char *basedir, const char *file,
                         unsigned line, const rm_trust *t, rm_domains **out, rm_diag *d);
void    rm_domains_free(rm_domains *s);

/* rm_domains_contains - is this domain (any case, one trailing dot) local? */
bool    rm_domains_contains(const rm_domains *s, const char *domain, size_t len);

size_t  rm_domains_count(const rm_domains *s);
const char *rm_domains_get(const rm_domains *s, size_t i);

/* rm_domain_normalize - lower case, one trailing dot dropped, literals made
 * canonical; writes into buf.  Returns the length, or -1 if not a valid
 * domain or literal. */
int     rm_domain_normalize(const char *in, size_t len, char *buf, size_t buflen);

#endif
