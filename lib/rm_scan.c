/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_scan - the one line reader of the project's text files */

/*
 * rm_scan owns the line-level reading that list files, the local domains
 * file and the configuration file share (see rm_scan.h); what a line
 * means is its reader's.  A list file is read twice per load (a byte
 * count, then this), so rm_scan_next is kept to two memchr calls and a
 * byte loop per line.
 */

#include <stdint.h>
#include <string.h>

#include "rm_scan.h"
#include "rm_text.h"

/* utf8_bad - offset of the first byte of s[0..len) that begins no valid
 * UTF-8 character, or len */

static size_t utf8_bad(const char *s, size_t len)
{
    size_t  i = 0;
    uint32_t cp;

    while (i < len) {
        size_t  n;
        uint64_t w;

        /* Eight ASCII bytes at a time: list lines are ASCII. */
        if (i + 8 <= len && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ull) == 0))
            i += 8;
        else if ((unsigned char) s[i] < 0x80)
            i++;
        else if ((n = rm_text_utf8(s + i, len - i, &cp)) > 0)
            i += n;
        else
            return i;
    }
    return len;
}

/* rm_scan_init - skip a UTF-8 byte order mark; notice a UTF-16 one */

int     rm_scan_init(rm_scan *sc, const char *buf, size_t len, unsigned flags)
{
    const unsigned char *u = (const unsigned char *) buf;

    sc->buf = buf;
    sc->len = len;
    sc->line = 0;
    sc->flags = flags;
    sc->bom = len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf ? 3 : 0;
    sc->pos = sc->bom;
    if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
        return -1;
    return 0;
}

/* check - the checks the format asked for, in the order rm_scan.h gives */

static void check(const rm_scan *sc, rm_scan_line *ln)
{
    const char *s = ln->text, *nul;
    size_t  n = ln->textlen, bad;

    if ((sc->flags & RM_SCAN_CHECK_TEXT) && n > RM_SCAN_MAX_LINE) {
        ln->fault = RM_SCAN_LONG;
        ln->fault_col = RM_SCAN_MAX_LINE + 1;
    } else if ((sc->flags & RM_SCAN_CHECK_NUL) && (nul = memchr(s, '\0', n)) != NULL) {
        ln->fault = RM_SCAN_NUL;
        ln->fault_col = (unsigned) (nul - s) + 1;
    } else if ((sc->flags & RM_SCAN_CHECK_TEXT) && (bad = utf8_bad(s, n)) < n) {
        ln->fault = RM_SCAN_UTF8;
        ln->fault_col = (unsigned) bad + 1;
        ln->fault_byte = (unsigned char) s[bad];
    }
}

/* rm_scan_next - cut the next line, and its content out of it */

bool    rm_scan_next(rm_scan *sc, rm_scan_line *ln)
{
    const char *s, *nl, *hash;
    size_t  n, start = 0, stop;

    if (sc->pos >= sc->len)
        return false;
    s = sc->buf + sc->pos;
    nl = memchr(s, '\n', sc->len - sc->pos);
    n = nl ? (size_t) (nl - s) : sc->len - sc->pos;
    ln->line = ++sc->line;
    ln->span = sc->line == 1 ? sc->buf : s;
    ln->spanlen = (size_t) (s - ln->span) + n + (nl ? 1 : 0);
    sc->pos += n + (nl ? 1 : 0);
    /* cppcheck-suppress knownConditionTrueFalse ; false positive: an empty line (s at its '\n') has n == 0 */
    if (n > 0 && s[n - 1] == '\r')
        n--;
    ln->text = s;
    ln->textlen = n;
    ln->tok = s;
    ln->toklen = 0;
    ln->col = 1;
    ln->fault = RM_SCAN_OK;
    ln->fault_col = 0;
    ln->fault_byte = 0;
    if (sc->flags & (RM_SCAN_CHECK_NUL | RM_SCAN_CHECK_TEXT)) {
        check(sc, ln);
        if (ln->fault != RM_SCAN_OK)
            return true;
    }
    while (start < n && rm_scan_blank(s[start]))
        start++;
    if (sc->flags & RM_SCAN_HASH_ANYWHERE)
        stop = (hash = memchr(s + start, '#', n - start)) != NULL ? (size_t) (hash - s) : n;
    else
        stop = start < n && s[start] == '#' ? start : n;
    while (stop > start && rm_scan_blank(s[stop - 1]))
        stop--;
    ln->tok = s + start;
    ln->toklen = stop - start;
    ln->col = (unsigned) start + 1;
    return true;
}
