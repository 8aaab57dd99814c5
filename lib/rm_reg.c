/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_reg - read Exchange 5.5 IMS relay settings from a Regedit export */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rm_entry.h"
#include "rm_kind.h"
#include "rm_mem.h"
#include "rm_reg.h"
#include "rm_text.h"

#define KEY_SUFFIX "\\MSExchangeIMC\\Parameters"

/* value_name - the registry value a list kind imports from */

static const char *value_name(int k)
{
    return rm_kind_get((enum rm_list_kind) k)->exchange_value;
}

/* utf16_to_utf8 - decode UTF-16LE (after the BOM) into a new buffer */

static char *utf16_to_utf8(const unsigned char *b, size_t len, size_t *outlen)
{
    char   *out = rm_malloc(len / 2 * 3 + 1);
    size_t  o = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i + 1 < len; i += 2) {
        unsigned cp = b[i] | (unsigned) b[i + 1] << 8;

        if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < len) {
            unsigned lo = b[i + 2] | (unsigned) b[i + 3] << 8;

            if (lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 2;
            }
        }
        if (cp < 0x80) {
            out[o++] = (char) cp;
        } else if (cp < 0x800) {
            out[o++] = (char) (0xc0 | (cp >> 6));
            out[o++] = (char) (0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out[o++] = (char) (0xe0 | (cp >> 12));
            out[o++] = (char) (0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (char) (0x80 | (cp & 0x3f));
        } else {
            out[o++] = '?';             /* no address has these */
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* decode_multi_sz - hex(7) bytes to entries, one per line, validated */

static int decode_multi_sz(const char *name, unsigned line, const char *hex, bool wide,
                           const char *value, char **text, size_t *count, rm_diag *d)
{
    size_t  hlen = strlen(hex), nbytes = 0, o = 0, n = 0, strings = 0;
    unsigned char *bytes;
    char   *out;
    size_t  start;
    int     bad = 0;

    if ((bytes = rm_malloc(hlen / 2 + 2)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, line, 0, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < hlen;) {
        int     h, l;

        while (i < hlen && (hex[i] == ',' || hex[i] == ' ' || hex[i] == '\t'))
            i++;
        if (i >= hlen)
            break;
        if (i + 1 >= hlen || (h = hexval(hex[i])) < 0 || (l = hexval(hex[i + 1])) < 0) {
            char    qv[RM_QUOTE_LEN(40)], qh[RM_QUOTE_LEN(8)];

            rm_diag_add(d, RM_SEV_ERROR, name, line, 0, "%s: bad hex byte near %s",
                        rm_text_quote(qv, sizeof(qv), value, strlen(value)),
                        rm_text_quote(qh, sizeof(qh), hex + i, hlen - i < 8 ? hlen - i : 8));
            rm_free(bytes);
            return -1;
        }
        bytes[nbytes++] = (unsigned char) (h << 4 | l);
        i += 2;
    }
    /* Collapse UTF-16LE to bytes: addresses are ASCII. */
    if (wide) {
        size_t  k = 0;

        for (size_t i = 0; i + 1 < nbytes; i += 2) {
            if (bytes[i + 1] != 0 || bytes[i] >= 0x80) {
                rm_diag_add(d, RM_SEV_ERROR, name, line, 0,
                            "%s: a character that no address has (U+%04X)", value,
                            bytes[i] | (unsigned) bytes[i + 1] << 8);
                rm_free(bytes);
                return -1;
            }
            bytes[k++] = bytes[i];
        }
        nbytes = k;
    }
    if ((out = rm_malloc(nbytes + 2)) == NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, line, 0, "out of memory");
        rm_free(bytes);
        return -1;
    }
    start = 0;
    for (size_t i = 0; i <= nbytes; i++) {
        if (i < nbytes && bytes[i] != 0)
            continue;
        if (i > start) {
            rm_entry e;
            rm_perr err;
            const char *s = (const char *) bytes + start;
            size_t  len = i - start;

            strings++;                  /* "entry N" counts the strings Regedit shows */
            while (len > 0 && (*s == ' ' || *s == '\t')) {
                s++;
                len--;
            }
            while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
                len--;
            if (len > 0 && rm_entry_parse(s, len, &e, &err) < 0) {
                rm_diag_add(d, RM_SEV_ERROR, name, line, 0, "%s entry %zu: %s", value, strings, err.msg);
                bad = 1;
            } else if (len > 0) {
                memcpy(out + o, s, len);
                o += len;
                out[o++] = '\n';
                n++;
            }
        } else if (i < nbytes) {
            /* An empty string ends a REG_MULTI_SZ. */
            break;
        }
        start = i + 1;
    }
    rm_free(bytes);
    out[o] = '\0';
    if (bad) {
        rm_free(out);
        return -1;
    }
    *text = out;
    *count = n;
    return 0;
}

/*
 * The export as text, and the logical line being read: physical lines
 * joined where one ends in a backslash (hex values are wrapped that way).
 */
typedef struct reg_reader {
    char   *text;                       /* UTF-8, NUL-terminated */
    size_t  tlen;
    size_t  pos;                        /* where the next physical line starts */
    unsigned line;                      /* the last physical line read */
    char   *logical;                    /* tlen + 1 bytes */
    size_t  llen;
    unsigned lstart;                    /* where the logical line starts */
} reg_reader;

/* reg_text - the export as UTF-8 text: UTF-16LE decoded, a UTF-8 BOM dropped */

static int reg_text(reg_reader *rd, const unsigned char *buf, size_t len, bool *wide)
{
    *wide = false;
    if (len >= 2 && buf[0] == 0xff && buf[1] == 0xfe) {
        *wide = true;
        rd->text = utf16_to_utf8(buf + 2, len - 2, &rd->tlen);
    } else {
        size_t  skip = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

        if ((rd->text = rm_malloc(len - skip + 1)) != NULL) {
            memcpy(rd->text, buf + skip, len - skip);
            rd->text[len - skip] = '\0';
            rd->tlen = len - skip;
        }
    }
    if (rd->text == NULL || (rd->logical = rm_malloc(rd->tlen + 1)) == NULL) {
        rm_free(rd->text);
        rd->text = NULL;
        return -1;
    }
    return 0;
}

/* reg_next - the next logical line in rd->logical; false at the end */

static bool reg_next(reg_reader *rd)
{
    while (rd->pos <= rd->tlen) {
        const char *s = rd->text + rd->pos, *nl = memchr(s, '\n', rd->tlen - rd->pos);
        size_t  n = nl ? (size_t) (nl - s) : rd->tlen - rd->pos;
        bool    cont;

        rd->pos += n + 1;
        rd->line++;
        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (rd->llen > 0) {
            while (n > 0 && (*s == ' ' || *s == '\t')) {
                s++;
                n--;
            }
        } else {
            rd->lstart = rd->line;
        }
        cont = n > 0 && s[n - 1] == '\\' && rd->llen + n > 0 && !(n >= 1 && s[0] == '[');
        memcpy(rd->logical + rd->llen, s, cont ? n - 1 : n);
        rd->llen += cont ? n - 1 : n;
        if (cont && rd->pos <= rd->tlen)
            continue;
        rd->logical[rd->llen] = '\0';
        rd->llen = 0;
        return true;
    }
    return false;
}

/* reg_flags - "RelayFlags"=dword:XXXXXXXX, at column col of line */

static void reg_flags(const char *name, unsigned line, unsigned col, const char *v,
                      rm_reg_import *r, rm_diag *d)
{
    unsigned long x = 0;
    size_t  i;

    if (strncasecmp(v, "dword:", 6) != 0 || strlen(v + 6) != 8) {
        rm_diag_add(d, RM_SEV_ERROR, name, line, col, "RelayFlags must be a dword:XXXXXXXX value");
        return;
    }
    for (i = 6; v[i]; i++) {
        int     h = hexval(v[i]);

        if (h < 0)
            break;
        x = x << 4 | (unsigned long) h;
    }
    if (v[i] != '\0' || x > RM_FLAGS_ALL) {
        char    qv[RM_QUOTE_LEN(8)];

        rm_diag_add(d, RM_SEV_ERROR, name, line, col, "RelayFlags %s is not a value from 0 to 15",
                    rm_text_quote(qv, sizeof(qv), v + 6, 8));
        return;
    }
    r->have_flags = true;
    r->flags = (unsigned) x;
}

/* reg_value - one "Name"=value line under the Parameters key */

static void reg_value(const char *name, unsigned line, char *logical, bool wide,
                      rm_reg_import *r, rm_diag *d)
{
    char   *q = strchr(logical + 1, '"');
    char   *v;
    unsigned col;
    int     k;

    if (q == NULL || q[1] != '=') {
        rm_diag_add(d, RM_SEV_ERROR, name, line, 1, "expected \"Name\"=value");
        return;
    }
    *q = '\0';
    v = q + 2;
    col = (unsigned) (v - logical) + 1;
    if (strcasecmp(logical + 1, "RelayFlags") == 0) {
        reg_flags(name, line, col, v, r, d);
        return;
    }
    for (k = 0; k < RM_LIST__COUNT; k++)
        if (strcasecmp(logical + 1, value_name(k)) == 0)
            break;
    if (k == RM_LIST__COUNT)
        return;                         /* another IMS setting */
    if (strncasecmp(v, "hex(7):", 7) != 0) {
        rm_diag_add(d, RM_SEV_ERROR, name, line, col,
                    "%s must be a REG_MULTI_SZ (hex(7):) value", value_name(k));
        return;
    }
    rm_free(r->lists[k]);
    r->lists[k] = NULL;
    r->value_line[k] = line;
    decode_multi_sz(name, line, v + 7, wide, value_name(k), &r->lists[k], &r->count[k], d);
}

/* is_ims_key - "[...\MSExchangeIMC\Parameters]", in any case */

static bool is_ims_key(const char *logical)
{
    size_t  kl = strlen(logical), sl = strlen(KEY_SUFFIX);

    return kl > sl + 1 && logical[kl - 1] == ']'
        && strncasecmp(logical + kl - 1 - sl, KEY_SUFFIX, sl) == 0;
}

/* rm_reg_parse - find the relay values under the IMS Parameters key */

int     rm_reg_parse(const char *name, const unsigned char *buf, size_t len,
                     rm_reg_import *out, rm_diag *d)
{
    reg_reader rd;
    bool    wide, in_key = false, key_seen = false;
    size_t  errors_before = d->errors;
    rm_reg_import r;

    memset(&r, 0, sizeof(r));
    memset(&rd, 0, sizeof(rd));
    if (reg_text(&rd, buf, len, &wide) < 0) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0, "out of memory");
        return -1;
    }
    if (memchr(rd.text, '\0', rd.tlen) != NULL) {
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0,
                    "not a registry export (NUL bytes; a UTF-16 file needs its byte order mark)");
        goto fail;
    }
    while (reg_next(&rd)) {
        if (rd.lstart == 1) {
            if (strcmp(rd.logical, "REGEDIT4") != 0
                && strcmp(rd.logical, "Windows Registry Editor Version 5.00") != 0) {
                rm_diag_add(d, RM_SEV_ERROR, name, 1, 1,
                            "not a registry export: the first line is not \"REGEDIT4\" or "
                            "\"Windows Registry Editor Version 5.00\"");
                goto fail;
            }
            continue;
        }
        if (rd.logical[0] == '\0' || rd.logical[0] == ';')
            continue;
        if (rd.logical[0] == '[') {
            in_key = is_ims_key(rd.logical);
            key_seen |= in_key;
            continue;
        }
        if (in_key && rd.logical[0] == '"')
            reg_value(name, rd.lstart, rd.logical, wide, &r, d);
    }
    if (!key_seen)
        rm_diag_add(d, RM_SEV_ERROR, name, 0, 0,
                    "no [...\\Services\\MSExchangeIMC\\Parameters] key in this export");
    if (d->errors > errors_before)
        goto fail;
    rm_free(rd.logical);
    rm_free(rd.text);
    *out = r;
    return 0;

fail:
    rm_reg_import_free(&r);
    rm_free(rd.logical);
    rm_free(rd.text);
    return -1;
}

void    rm_reg_import_free(rm_reg_import *r)
{
    for (int k = 0; k < RM_LIST__COUNT; k++) {
        rm_free(r->lists[k]);
        r->lists[k] = NULL;
    }
}
