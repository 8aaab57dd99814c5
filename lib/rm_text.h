/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef RM_TEXT_H
#define RM_TEXT_H

/*
 * rm_text - input put into a message safely.  Every message that quotes
 * what a file or a user wrote quotes it with rm_text_quote, so a list
 * line cannot move the cursor, clear a screen or hide its own error, and
 * a look-alike character is named rather than shown as its first byte.
 */

#include <stddef.h>
#include <stdint.h>

/* Room for rm_text_quote of n input bytes, never truncated. */
#define RM_QUOTE_LEN(n) ((n) * 4 + 4)

/*
 * rm_text_quote - s[0..n) in double quotes: printable ASCII as it is ('"'
 * and '\' with a backslash before them), a UTF-8 character as \uXXXX or
 * \UXXXXXXXX, every other byte as \xHH.  What does not fit in buf ends in
 * "...".  Returns buf.
 */
const char *rm_text_quote(char *buf, size_t len, const char *s, size_t n);

/* rm_text_utf8 - the length (2 to 4) of the well-formed UTF-8 character
 * at s, with its code point in *cp; 0 when the bytes are not one. */
size_t  rm_text_utf8(const char *s, size_t n, uint32_t *cp);

/* rm_text_charname - "U+FF11 FULLWIDTH DIGIT ONE"; "U+XXXX" alone for a
 * character that is not in the table of look-alikes.  Returns buf. */
const char *rm_text_charname(char *buf, size_t len, uint32_t cp);

/*
 * rm_text_what - the character at s named for a message: "character
 * U+00A0 NO-BREAK SPACE" for UTF-8, "byte 0x1B" for any other byte
 * outside printable ASCII, "'x'" for a printable one.  *used receives
 * how many bytes it took.  Returns buf.
 */
const char *rm_text_what(char *buf, size_t len, const char *s, size_t n, size_t *used);

#endif
