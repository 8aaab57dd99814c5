/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef DOCTOR_H
#define DOCTOR_H

/*
 * doctor - relayctl doctor's shared parts: one Postfix instance examined
 * (postconf [-c DIR]), how findings are reported, and how fix lines name
 * that instance.  Each check is one function of the form
 * check(doctor *, const rm_config *, const rm_domains *); cmd_doctor.c
 * runs them in table order.
 */

#include <stdbool.h>
#include <stddef.h>

#include "relayctl.h"
#include "rm_domains.h"

typedef struct doctor {
    relayctl *rc;
    const char *pfdir;                  /* --postfix-config DIR, or NULL */
    int     problems;
    bool    first;                      /* JSON: no comma before the next check */
} doctor;

/* doctor_postconf - postconf [-c DIR] ARGS (NULL-terminated): its output */
int     doctor_postconf(const doctor *dr, const char *const *args, char *out, size_t outlen);

/* doctor_report - one finding: status ok, note or problem, and its fix */
void    doctor_report(doctor *dr, const char *status, const char *check, const char *msg, const char *fix);

/* doctor_fix - "postconf [-c DIR] ARGS && postfix [-c DIR] reload" */
void    doctor_fix(const doctor *dr, char *buf, size_t len, const char *args);

/* doctor_postfix_socket - a milter_socket or policy_socket value as
 * Postfix writes it (smtpd_milters, check_policy_service) */
void    doctor_postfix_socket(const char *socket, char *out, size_t len);

/* doctor_reachable - does something accept connections on that socket? */
bool    doctor_reachable(const char *socket);

/* doctor_has_token - is tok one of the comma/space separated words of list? */
bool    doctor_has_token(const char *list, const char *tok);

/* doctor_check_master - every smtpd listener's master.cf overrides */
void    doctor_check_master(doctor *dr, const rm_config *cfg, const rm_domains *dom);

/* doctor_check_policy - the policy deployment: the relay restrictions ask
 * relaymilter first and refuse relaying after it, the service answers,
 * its default action and mynetworks keep the relay gate shut */
void    doctor_check_policy(doctor *dr, const rm_config *cfg, const rm_domains *dom);

/* doctor_check_networks - the allow list against Postfix's mynetworks */
void    doctor_check_networks(doctor *dr, const rm_config *cfg, const rm_domains *dom);

#endif
