/* SPDX-License-Identifier: BSD-2-Clause */
/* rm_text - quoting input for messages, and naming the characters that fool the eye */

#include <stdio.h>
#include <string.h>

#include "rm_text.h"

/* rm_text_utf8 - one well-formed UTF-8 character of 2 to 4 bytes (RFC 3629) */

size_t  rm_text_utf8(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *) s;
    uint32_t c, min;
    size_t  len;

    if (n == 0 || u[0] < 0xC2 || u[0] > 0xF4)
        return 0;
    if (u[0] < 0xE0)
        len = 2, c = u[0] & 0x1F, min = 0x80;
    else if (u[0] < 0xF0)
        len = 3, c = u[0] & 0x0F, min = 0x800;
    else
        len = 4, c = u[0] & 0x07, min = 0x10000;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* rm_text_quote - printable ASCII kept, everything else escaped */

const char *rm_text_quote(char *buf, size_t len, const char *s, size_t n)
{
    size_t  o = 0, i = 0;

    if (len < 6) {                      /* not even room for "..." */
        if (len)
            buf[0] = '\0';
        return buf;
    }
    buf[o++] = '"';
    while (i < n) {
        unsigned char c = (unsigned char) s[i];
        char    piece[16];
        uint32_t cp;
        size_t  used = 1, plen;

        if (c == '"' || c == '\\')
            plen = (size_t) snprintf(piece, sizeof(piece), "\\%c", c);
        else if (c >= 0x20 && c < 0x7F)
            piece[0] = (char) c, piece[1] = '\0', plen = 1;
        else if ((used = rm_text_utf8(s + i, n - i, &cp)) > 0)
            plen = (size_t) snprintf(piece, sizeof(piece), cp > 0xFFFF ? "\\U%08X" : "\\u%04X", (unsigned) cp);
        else
            used = 1, plen = (size_t) snprintf(piece, sizeof(piece), "\\x%02x", c);
        /* Keep room for the closing quote, and for "..." if more follows. */
        if (o + plen + 1 + (i + used < n ? 3 : 0) >= len) {
            while (o + 5 > len)
                o--;
            memcpy(buf + o, "...\"", 5);
            return buf;
        }
        memcpy(buf + o, piece, plen);
        o += plen;
        i += used;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/*
 * The look-alikes of the characters entries, domains and settings are
 * made of: digits, letters of hexadecimal, spaces, dashes, slashes,
 * colons, dots, brackets, and the invisible characters that hide in
 * copied text.  Runs of digits and letters are named by their first.
 */
static const struct run {
    uint32_t first, last;
    const char *name;                   /* a run: the prefix before the digit or letter */
    char    kind;                       /* '0' digits named ZERO..., 'A' letters, 0 one name */
} names[] = {
    {0x00A0, 0x00A0, "NO-BREAK SPACE", 0},
    {0x00AD, 0x00AD, "SOFT HYPHEN", 0},
    {0x00B7, 0x00B7, "MIDDLE DOT", 0},
    {0x02D0, 0x02D0, "MODIFIER LETTER TRIANGULAR COLON", 0},
    {0x02F8, 0x02F8, "MODIFIER LETTER RAISED COLON", 0},
    {0x0430, 0x0430, "CYRILLIC SMALL LETTER A", 0},
    {0x0435, 0x0435, "CYRILLIC SMALL LETTER IE", 0},
    {0x043E, 0x043E, "CYRILLIC SMALL LETTER O", 0},
    {0x0441, 0x0441, "CYRILLIC SMALL LETTER ES", 0},
    {0x0589, 0x0589, "ARMENIAN FULL STOP", 0},
    {0x05C3, 0x05C3, "HEBREW PUNCTUATION SOF PASUQ", 0},
    {0x0660, 0x0669, "ARABIC-INDIC DIGIT ", '0'},
    {0x06F0, 0x06F9, "EXTENDED ARABIC-INDIC DIGIT ", '0'},
    {0x0966, 0x096F, "DEVANAGARI DIGIT ", '0'},
    {0x2000, 0x2000, "EN QUAD", 0},
    {0x2001, 0x2001, "EM QUAD", 0},
    {0x2002, 0x2002, "EN SPACE", 0},
    {0x2003, 0x2003, "EM SPACE", 0},
    {0x2004, 0x2004, "THREE-PER-EM SPACE", 0},
    {0x2005, 0x2005, "FOUR-PER-EM SPACE", 0},
    {0x2006, 0x2006, "SIX-PER-EM SPACE", 0},
    {0x2007, 0x2007, "FIGURE SPACE", 0},
    {0x2008, 0x2008, "PUNCTUATION SPACE", 0},
    {0x2009, 0x2009, "THIN SPACE", 0},
    {0x200A, 0x200A, "HAIR SPACE", 0},
    {0x200B, 0x200B, "ZERO WIDTH SPACE", 0},
    {0x200C, 0x200C, "ZERO WIDTH NON-JOINER", 0},
    {0x200D, 0x200D, "ZERO WIDTH JOINER", 0},
    {0x200E, 0x200E, "LEFT-TO-RIGHT MARK", 0},
    {0x200F, 0x200F, "RIGHT-TO-LEFT MARK", 0},
    {0x2010, 0x2010, "HYPHEN", 0},
    {0x2011, 0x2011, "NON-BREAKING HYPHEN", 0},
    {0x2012, 0x2012, "FIGURE DASH", 0},
    {0x2013, 0x2013, "EN DASH", 0},
    {0x2014, 0x2014, "EM DASH", 0},
    {0x2015, 0x2015, "HORIZONTAL BAR", 0},
    {0x2024, 0x2024, "ONE DOT LEADER", 0},
    {0x2027, 0x2027, "HYPHENATION POINT", 0},
    {0x2028, 0x2028, "LINE SEPARATOR", 0},
    {0x2029, 0x2029, "PARAGRAPH SEPARATOR", 0},
    {0x202A, 0x202A, "LEFT-TO-RIGHT EMBEDDING", 0},
    {0x202B, 0x202B, "RIGHT-TO-LEFT EMBEDDING", 0},
    {0x202C, 0x202C, "POP DIRECTIONAL FORMATTING", 0},
    {0x202D, 0x202D, "LEFT-TO-RIGHT OVERRIDE", 0},
    {0x202E, 0x202E, "RIGHT-TO-LEFT OVERRIDE", 0},
    {0x202F, 0x202F, "NARROW NO-BREAK SPACE", 0},
    {0x2044, 0x2044, "FRACTION SLASH", 0},
    {0x205F, 0x205F, "MEDIUM MATHEMATICAL SPACE", 0},
    {0x2060, 0x2060, "WORD JOINER", 0},
    {0x2070, 0x2070, "SUPERSCRIPT ZERO", 0},
    {0x2080, 0x2089, "SUBSCRIPT ", '0'},
    {0x2212, 0x2212, "MINUS SIGN", 0},
    {0x2215, 0x2215, "DIVISION SLASH", 0},
    {0x2236, 0x2236, "RATIO", 0},
    {0x2E31, 0x2E31, "WORD SEPARATOR MIDDLE DOT", 0},
    {0x3000, 0x3000, "IDEOGRAPHIC SPACE", 0},
    {0x3002, 0x3002, "IDEOGRAPHIC FULL STOP", 0},
    {0xFE52, 0xFE52, "SMALL FULL STOP", 0},
    {0xFE55, 0xFE55, "SMALL COLON", 0},
    {0xFE63, 0xFE63, "SMALL HYPHEN-MINUS", 0},
    {0xFEFF, 0xFEFF, "ZERO WIDTH NO-BREAK SPACE", 0},
    {0xFF03, 0xFF03, "FULLWIDTH NUMBER SIGN", 0},
    {0xFF05, 0xFF05, "FULLWIDTH PERCENT SIGN", 0},
    {0xFF0C, 0xFF0C, "FULLWIDTH COMMA", 0},
    {0xFF0D, 0xFF0D, "FULLWIDTH HYPHEN-MINUS", 0},
    {0xFF0E, 0xFF0E, "FULLWIDTH FULL STOP", 0},
    {0xFF0F, 0xFF0F, "FULLWIDTH SOLIDUS", 0},
    {0xFF10, 0xFF19, "FULLWIDTH DIGIT ", '0'},
    {0xFF1A, 0xFF1A, "FULLWIDTH COLON", 0},
    {0xFF20, 0xFF20, "FULLWIDTH COMMERCIAL AT", 0},
    {0xFF21, 0xFF3A, "FULLWIDTH LATIN CAPITAL LETTER ", 'A'},
    {0xFF3B, 0xFF3B, "FULLWIDTH LEFT SQUARE BRACKET", 0},
    {0xFF3D, 0xFF3D, "FULLWIDTH RIGHT SQUARE BRACKET", 0},
    {0xFF41, 0xFF5A, "FULLWIDTH LATIN SMALL LETTER ", 'A'},
    {0xFF61, 0xFF61, "HALFWIDTH IDEOGRAPHIC FULL STOP", 0},
};

static const char *const digit[10] = {
    "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE",
};

/* rm_text_charname - the code point, and its name when the table has it */

const char *rm_text_charname(char *buf, size_t len, uint32_t cp)
{
    size_t  lo = 0, hi = sizeof(names) / sizeof(names[0]);

    while (lo < hi) {
        size_t  mid = lo + (hi - lo) / 2;
        const struct run *r = &names[mid];

        if (cp < r->first) {
            hi = mid;
        } else if (cp > r->last) {
            lo = mid + 1;
        } else {
            if (r->kind == '0')
                snprintf(buf, len, "U+%04X %s%s", (unsigned) cp, r->name, digit[cp - r->first]);
            else if (r->kind == 'A')
                snprintf(buf, len, "U+%04X %s%c", (unsigned) cp, r->name, (char) ('A' + (cp - r->first)));
            else
                snprintf(buf, len, "U+%04X %s", (unsigned) cp, r->name);
            return buf;
        }
    }
    snprintf(buf, len, "U+%04X", (unsigned) cp);
    return buf;
}

/* rm_text_what - one character or byte, named for a message */

const char *rm_text_what(char *buf, size_t len, const char *s, size_t n, size_t *used)
{
    unsigned char c = n ? (unsigned char) s[0] : 0;
    char    name[96];
    uint32_t cp;

    *used = 1;
    if (c >= 0x20 && c < 0x7F)
        snprintf(buf, len, "'%c'", c);
    else if ((*used = rm_text_utf8(s, n, &cp)) > 0)
        snprintf(buf, len, "character %s", rm_text_charname(name, sizeof(name), cp));
    else
        *used = 1, snprintf(buf, len, "byte 0x%02X", c);
    return buf;
}
