/* SPDX-License-Identifier: BSD-2-Clause */
/* check_reg - rm_reg_parse: one table row per Regedit export */

/*
 * A row is an export as Regedit writes it and everything rm_reg_parse
 * must make of it: the status, RelayFlags, each list's text, entry count
 * and starting line, and every diag message with its line and column.
 *
 * So that rows stay readable, REG_MULTI_SZ data is written as the strings
 * it holds: "@A(a|b)" becomes hex(7) bytes of ANSI strings, "@W(a|b)" of
 * UTF-16LE ones (a Version 5.00 export), each string NUL-terminated and the
 * whole ended by an empty string; lower-case @a and @w wrap the bytes as
 * Regedit does, 16 per line with ",\" continuations.  A row with a bom
 * is converted, after that, to UTF-16LE behind it: LE (FF FE) is how
 * Regedit 5 saves an export.
 */

#include "unit_util.h"

#include "rm_mem.h"
#include "rm_reg.h"

#define NAME "ims.reg"
#define KEY "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC\\Parameters]\n"
#define R4 "REGEDIT4\n\n"
#define R5 "Windows Registry Editor Version 5.00\n\n"
#define LE "\xff\xfe"

typedef struct reg_row {
    const char *what;
    const char *in;                     /* before @A/@W expansion */
    const char *bom;                    /* NULL: as written; else UTF-16LE behind these 2 bytes */
    int     want;                       /* 0 or -1 */
    int     flags;                      /* -1: no RelayFlags */
    const char *lists[RM_LIST__COUNT];  /* NULL: the value was absent */
    size_t  count[RM_LIST__COUNT];
    unsigned value_line[RM_LIST__COUNT];
    const char *diag;                   /* every message, "a | b", or "" */
} reg_row;

static const reg_row rows[] = {
    /* -- what an Exchange 5.5 export holds -- */
    {"REGEDIT4, every value", R4 KEY "\"RelayFlags\"=dword:00000005\n"
     "\"RelayDenyList\"=hex(7):@A(192.0.2.0;255.255.255.0)\n"
     "\"RelayAllowList\"=hex(7):@A(10.0.0.0;255.0.0.0|10.1.2.3)\n"
     "\"RelayLocalIPList\"=hex(7):@A(127.0.0.1)\n", NULL, 0, 5,
     {"192.0.2.0;255.255.255.0\n", "10.0.0.0;255.0.0.0\n10.1.2.3\n", "127.0.0.1\n"}, {1, 2, 1}, {5, 6, 7}, ""},
    {"Version 5.00 in UTF-16, wide strings", R5 KEY "\"RelayFlags\"=dword:0000000f\n"
     "\"RelayAllowList\"=hex(7):@W(10.0.0.0/8|2001:db8::/32)\n", LE, 0, 15,
     {NULL, "10.0.0.0/8\n2001:db8::/32\n", NULL}, {0, 2, 0}, {0, 5, 0}, ""},
    {"Version 5.00, wrapped over continuation lines, CRLF", "Windows Registry Editor Version 5.00\r\n\r\n"
     "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC\\Parameters]\r\n"
     "\"RelayDenyList\"=hex(7):@w(192.0.2.0;255.255.255.0|198.51.100.7)\r\n\"RelayFlags\"=dword:00000000\r\n",
     LE, 0, 0, {"192.0.2.0;255.255.255.0\n198.51.100.7\n", NULL, NULL}, {2, 0, 0}, {4, 0, 0}, ""},
    {"REGEDIT4 wrapped, the lines after counted", R4 KEY "\"RelayAllowList\"=hex(7):@a(192.0.2.0;255.255.255.0)\n"
     "\"RelayLocalIPList\"=hex(7):@A(10.0.0.1)\n", NULL, 0, -1,
     {NULL, "192.0.2.0;255.255.255.0\n", "10.0.0.1\n"}, {0, 1, 1}, {0, 4, 6}, ""},
    {"a UTF-8 byte order mark", "\xef\xbb\xbf" R4 KEY "\"RelayFlags\"=dword:00000001\n", NULL, 0, 1,
     {NULL, NULL, NULL}, {0}, {0}, ""},
    {"names and key are matched without case", R4
     "[hkey_local_machine\\system\\currentcontrolset\\services\\msexchangeimc\\PARAMETERS]\n"
     "\"relayflags\"=DWORD:0000000A\n\"RELAYALLOWLIST\"=HEX(7):@A(10.0.0.1)\n", NULL, 0, 10,
     {NULL, "10.0.0.1\n", NULL}, {0, 1, 0}, {0, 5, 0}, ""},
    {"only the key's values count", R4 "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Other]\n"
     "\"RelayFlags\"=dword:00000003\n\"RelayDenyList\"=hex(7):@A(nonsense)\n" KEY
     "\"RelayAllowList\"=hex(7):@A(10.0.0.1)\n[HKEY_LOCAL_MACHINE\\MSExchangeIMC\\Parameters\\Sub]\n"
     "\"RelayDenyList\"=garbage\n", NULL, 0, -1, {NULL, "10.0.0.1\n", NULL}, {0, 1, 0}, {0, 7, 0}, ""},
    {"other settings, comments, a default value", R4 "; exported\n" KEY "@=\"x\"\n\"LogLevel\"=dword:zz\n"
     "\"RelayFlags\"=dword:00000002\n; the end\n", NULL, 0, 2, {NULL, NULL, NULL}, {0}, {0}, ""},
    {"an empty list", R4 KEY "\"RelayAllowList\"=hex(7):00,00\n", NULL, 0, -1, {NULL, "", NULL}, {0, 0, 0},
     {0, 4, 0}, ""},
    {"no bytes at all", R4 KEY "\"RelayAllowList\"=hex(7):\n", NULL, 0, -1, {NULL, "", NULL}, {0}, {0, 4, 0}, ""},
    {"an empty string ends the list", R4 KEY "\"RelayDenyList\"=hex(7):31,30,2e,30,2e,30,2e,31,00,00,"
     "6e,6f,00,00\n", NULL, 0, -1, {"10.0.0.1\n", NULL, NULL}, {1, 0, 0}, {4, 0, 0}, ""},
    {"the last string may lack its NUL", R4 KEY "\"RelayDenyList\"=hex(7):31,30,2e,30,2e,30,2e,31\n", NULL, 0,
     -1, {"10.0.0.1\n", NULL, NULL}, {1, 0, 0}, {4, 0, 0}, ""},
    {"blanks around an entry are dropped, blank entries too", R4 KEY
     "\"RelayDenyList\"=hex(7):@A( 10.0.0.1\t|  |192.0.2.1)\n", NULL, 0, -1, {"10.0.0.1\n192.0.2.1\n", NULL, NULL},
     {2, 0, 0}, {4, 0, 0}, ""},
    {"a value given twice: the last one", R4 KEY "\"RelayAllowList\"=hex(7):@A(10.0.0.1)\n"
     "\"RelayAllowList\"=hex(7):@A(10.0.0.2|10.0.0.3)\n", NULL, 0, -1, {NULL, "10.0.0.2\n10.0.0.3\n", NULL},
     {0, 2, 0}, {0, 5, 0}, ""},
    {"a key line ending in a backslash is not continued", R4
     "[HKEY_LOCAL_MACHINE\\SYSTEM\\Other\\]\n" KEY "\"RelayFlags\"=dword:00000004\n", NULL, 0, 4,
     {NULL, NULL, NULL}, {0}, {0}, ""},
    {"a continuation at the end of the file", R4 KEY "\"RelayDenyList\"=hex(7):31,30,2e,30,2e,30,2e,31,00,\\",
     NULL, 0, -1, {"10.0.0.1\n", NULL, NULL}, {1, 0, 0}, {4, 0, 0}, ""},
    {"UTF-16 with a non-ASCII key name and an odd last byte", "Windows Registry Editor Version 5.00\n\n"
     "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Caf\xc3\xa9]\n" KEY "\"RelayFlags\"=dword:00000001\n", LE, 0, 1,
     {NULL, NULL, NULL}, {0}, {0}, ""},

    {"a key line is never continued", R4 KEY "[HKEY_LOCAL_MACHINE\\SYSTEM\\Services\\\\\n"
     "MSExchangeIMC\\Parameters]\n\"RelayFlags\"=dword:00000001\n", NULL, 0, -1, {NULL, NULL, NULL}, {0}, {0}, ""},
    {"blanks between hex bytes", R4 KEY "\"RelayDenyList\"=hex(7):31, 30,\t2e,30,2e,30,2e,31,00,00\n", NULL, 0,
     -1, {"10.0.0.1\n", NULL, NULL}, {1, 0, 0}, {4, 0, 0}, ""},
    {"UTF-16: characters past U+007F and U+07FF, a surrogate pair, U+0100", R5 KEY
     "\"RelayFlags\"=dword:000000\xc3\xa9\n\"RelayFlags\"=dword:0000000\xe2\x82\xac\n"
     "\"RelayFlags\"=dword:0000000\xf0\x9f\x98\x80\n\"RelayFlags\"=dword:000000\xc4\x80\n", LE, -1, -1,
     {NULL, NULL, NULL}, {0}, {0},
     NAME ":4:14: error: RelayFlags \"000000\\u00E9\" is not a value from 0 to 15 | "
     NAME ":5:14: error: RelayFlags must be a dword:XXXXXXXX value | "
     NAME ":6:14: error: RelayFlags \"0000000?\" is not a value from 0 to 15 | "
     NAME ":7:14: error: RelayFlags \"000000\\u0100\" is not a value from 0 to 15"},
    {"a RelayFlags value is quoted with its control bytes escaped", R4 KEY "\"RelayFlags\"=dword:0000\x1b[2J\n",
     NULL, -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ":4:14: error: RelayFlags \"0000\\x1b[2J\" is not a value from 0 to 15"},
    /* -- refused, with where and why -- */
    {"an empty file", "", NULL, -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ":1:1: error: not a registry export: the first line is not \"REGEDIT4\" or "
     "\"Windows Registry Editor Version 5.00\""},
    {"not an export", "relay allow 10.0.0.1\n" KEY, NULL, -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ":1:1: error: not a registry export: the first line is not \"REGEDIT4\" or "
     "\"Windows Registry Editor Version 5.00\""},
    {"UTF-16 without its byte order mark", NULL, NULL, -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ": error: not a registry export (NUL bytes; a UTF-16 file needs its byte order mark)"},
    {"UTF-16 behind FF 00", R5 KEY, "\xff", -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ": error: not a registry export (NUL bytes; a UTF-16 file needs its byte order mark)"},
    {"UTF-16LE behind a big-endian mark", R5 KEY, "\xfe\xff", -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ": error: not a registry export (NUL bytes; a UTF-16 file needs its byte order mark)"},
    {"no IMS Parameters key", R4 "[HKEY_LOCAL_MACHINE\\SYSTEM\\Parameters]\n\"RelayFlags\"=dword:00000001\n",
     NULL, -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ": error: no [...\\Services\\MSExchangeIMC\\Parameters] key in this export"},
    {"a key that only ends like it", R4 "[HKEY_LOCAL_MACHINE\\SYSTEM\\XMSExchangeIMC\\Parameters]\n"
     "\"RelayFlags\"=dword:00000001\n", NULL, -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ": error: no [...\\Services\\MSExchangeIMC\\Parameters] key in this export"},
    {"a value line without =", R4 KEY "\"RelayFlags\" dword:00000001\n\"Relay\n", NULL, -1, -1,
     {NULL, NULL, NULL}, {0}, {0},
     NAME ":4:1: error: expected \"Name\"=value | " NAME ":5:1: error: expected \"Name\"=value"},
    {"RelayFlags not a dword", R4 KEY "\"RelayFlags\"=hex:05,00,00,00\n\"RelayFlags\"=dword:5\n", NULL, -1, -1,
     {NULL, NULL, NULL}, {0}, {0},
     NAME ":4:14: error: RelayFlags must be a dword:XXXXXXXX value | "
     NAME ":5:14: error: RelayFlags must be a dword:XXXXXXXX value"},
    {"RelayFlags out of range", R4 KEY "\"RelayFlags\"=dword:00000010\n\"RelayFlags\"=dword:0000000g\n",
     NULL, -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ":4:14: error: RelayFlags \"00000010\" is not a value from 0 to 15 | "
     NAME ":5:14: error: RelayFlags \"0000000g\" is not a value from 0 to 15"},
    {"a list that is not REG_MULTI_SZ", R4 KEY "\"RelayLocalIPList\"=\"127.0.0.1\"\n", NULL, -1, -1,
     {NULL, NULL, NULL}, {0}, {0},
     NAME ":4:20: error: RelayLocalIPList must be a REG_MULTI_SZ (hex(7):) value"},
    {"a bad hex byte", R4 KEY "\"RelayDenyList\"=hex(7):31,3x,00\n", NULL, -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ":4: error: \"RelayDenyList\": bad hex byte near \"3x,00\""},
    {"half a hex byte", R4 KEY "\"RelayDenyList\"=hex(7):31,3\n", NULL, -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ":4: error: \"RelayDenyList\": bad hex byte near \"3\""},
    {"bad entries, each one said, where the value starts", R4 KEY
     "\"RelayAllowList\"=hex(7):@a(10.0.0.1|10.0.0.300|nonsense)\n\"RelayFlags\"=dword:00000001\n", NULL, -1, -1,
     {NULL, NULL, NULL}, {0}, {0},
     NAME ":4: error: RelayAllowList entry 2: IPv4 octet 300 is over 255 in \"10.0.0.300\" | "
     NAME ":4: error: RelayAllowList entry 3: not an IP address in \"nonsense\""},
    {"a blank string is still a string", R4 KEY "\"RelayDenyList\"=hex(7):@A(10.0.0.1| |nonsense)\n", NULL, -1, -1,
     {NULL, NULL, NULL}, {0}, {0}, NAME ":4: error: RelayDenyList entry 3: not an IP address in \"nonsense\""},
    {"a wide string with a character no address has", R5 KEY "\"RelayDenyList\"=hex(7):31,00,e9,00,00,00\n",
     LE, -1, -1, {NULL, NULL, NULL}, {0}, {0},
     NAME ":4: error: RelayDenyList: a character that no address has (U+00E9)"},
    {"every problem is reported, nothing kept", R4 KEY "\"RelayFlags\"=dword:00000020\n"
     "\"RelayDenyList\"=hex(7):@A(10.0.0.1)\n\"RelayAllowList\"=dword:00000001\n", NULL, -1, -1,
     {NULL, NULL, NULL}, {0}, {0},
     NAME ":4:14: error: RelayFlags \"00000020\" is not a value from 0 to 15 | "
     NAME ":6:18: error: RelayAllowList must be a REG_MULTI_SZ (hex(7):) value"},
};

/* hex_byte - one byte of hex(7) data; wrap: 16 to a line, as Regedit */

static size_t hex_byte(char *out, size_t cap, unsigned *nbytes, bool wrap, unsigned c)
{
    const char *sep = *nbytes == 0 ? "" : wrap && *nbytes % 16 == 0 ? ",\\\n  " : ",";

    (*nbytes)++;
    return (size_t) snprintf(out, cap, "%s%02x", sep, c);
}

/* expand - @A(..)/@W(..) and @a/@w into hex(7) bytes, into an rm_malloc'd text */

static char *expand(const char *in, size_t *outlen)
{
    size_t  cap = strlen(in) * 16 + 64, o = 0;
    char   *out = rm_malloc(cap);

    ck_assert(out != NULL);
    while (*in) {
        const char *end;
        bool    wide, wrap;
        unsigned nbytes = 0;

        if (in[0] != '@' || in[1] == '\0' || strchr("AWaw", in[1]) == NULL || in[2] != '(') {
            out[o++] = *in++;
            continue;
        }
        wide = in[1] == 'W' || in[1] == 'w';
        wrap = in[1] == 'a' || in[1] == 'w';
        in += 3;
        ck_assert((end = strchr(in, ')')) != NULL);
        for (const char *p = in; p <= end; p++) {
            unsigned c = p < end && *p != '|' ? (unsigned char) *p : 0;   /* each string's NUL */

            o += hex_byte(out + o, cap - o, &nbytes, wrap, c);
            if (wide)
                o += hex_byte(out + o, cap - o, &nbytes, wrap, 0);
        }
        o += hex_byte(out + o, cap - o, &nbytes, wrap, 0);              /* the empty string */
        if (wide)
            o += hex_byte(out + o, cap - o, &nbytes, wrap, 0);
        in = end + 1;
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

/* to_utf16 - UTF-8 text to UTF-16LE behind bom, 2 bytes ("\xff": FF 00);
 * never longer than twice the UTF-8 */

static char *to_utf16(const char *bom, const char *in, size_t len, size_t *outlen)
{
    char   *out = rm_malloc(len * 2 + 4);
    size_t  o = 0;

    ck_assert(out != NULL);
    out[o++] = bom[0];
    out[o++] = bom[1];
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) in[i];
        unsigned cp = c, more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;

        if (more)
            cp = c & (0x3f >> more);
        for (; more > 0 && i + 1 < len; more--)
            cp = cp << 6 | ((unsigned char) in[++i] & 0x3f);
        if (cp >= 0x10000) {
            unsigned hi = 0xd800 + ((cp - 0x10000) >> 10), lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);

            out[o++] = (char) (hi & 0xff);
            out[o++] = (char) (hi >> 8);
            cp = lo;
        }
        out[o++] = (char) (cp & 0xff);
        out[o++] = (char) (cp >> 8);
    }
    out[o++] = 'x';                     /* an odd last byte, which no reader may trip on */
    *outlen = o;
    return out;
}

START_TEST(test_rows)
{
    const reg_row *t = &rows[_i];
    static const char plain16[] = "R\0E\0G\0E\0D\0I\0T\0" "4\0\n\0";
    char   *in = NULL, *wide;
    size_t  len;
    rm_reg_import r;
    rm_diag d;
    char    dump[4096];
    int     rc;

    if (t->in != NULL) {
        in = expand(t->in, &len);
        if (t->bom != NULL) {
            wide = to_utf16(t->bom, in, len, &len);
            rm_free(in);
            in = wide;
        }
    }
    rm_diag_init(&d);
    memset(&r, 0x5a, sizeof(r));
    rc = rm_reg_parse(NAME, t->in ? (const unsigned char *) in : (const unsigned char *) plain16,
                      t->in ? len : sizeof(plain16) - 1, &r, &d);
    u_diag_dump(&d, dump, sizeof(dump));
    ck_assert_msg(rc == t->want, "%s: returned %d, want %d (%s)", t->what, rc, t->want, dump);
    ck_assert_msg(strcmp(dump, t->diag) == 0, "%s: diag\n  got  %s\n  want %s", t->what, dump, t->diag);
    if (rc == 0) {
        ck_assert_msg(r.have_flags == (t->flags >= 0) && (t->flags < 0 || r.flags == (unsigned) t->flags),
                      "%s: flags %d/%u, want %d", t->what, r.have_flags, r.flags, t->flags);
        for (int k = 0; k < RM_LIST__COUNT; k++) {
            ck_assert_msg((r.lists[k] == NULL) == (t->lists[k] == NULL)
                          && (r.lists[k] == NULL || strcmp(r.lists[k], t->lists[k]) == 0),
                          "%s: list %d is \"%s\", want \"%s\"", t->what, k, r.lists[k] ? r.lists[k] : "(none)",
                          t->lists[k] ? t->lists[k] : "(none)");
            ck_assert_msg(r.count[k] == t->count[k], "%s: list %d has %zu entries, want %zu", t->what, k,
                          r.count[k], t->count[k]);
            ck_assert_msg(r.value_line[k] == t->value_line[k], "%s: list %d starts on line %u, want %u",
                          t->what, k, r.value_line[k], t->value_line[k]);
        }
        rm_reg_import_free(&r);
    }
    rm_free(in);
}
END_TEST

/* A big export: 50,000 entries in one wrapped Version 5.00 value. */
START_TEST(test_huge)
{
    const unsigned n = 50000;
    size_t  cap = (size_t) n * 20 + 256, len = 0, elen, wlen;
    char   *src = malloc(cap), *in, *wide;
    rm_reg_import r;
    rm_diag d;

    ck_assert(src != NULL);
    len += (size_t) snprintf(src + len, cap - len, R5 KEY "\"RelayDenyList\"=hex(7):@w(");
    for (unsigned i = 0; i < n; i++)
        len += (size_t) snprintf(src + len, cap - len, "%s10.%u.%u.%u", i ? "|" : "", i >> 16,
                                 (i >> 8) & 255, i & 255);
    len += (size_t) snprintf(src + len, cap - len, ")\n\"RelayFlags\"=dword:00000002\n");
    in = expand(src, &elen);
    wide = to_utf16(LE, in, elen, &wlen);
    rm_diag_init(&d);
    ck_assert_int_eq(rm_reg_parse(NAME, (const unsigned char *) wide, wlen, &r, &d), 0);
    ck_assert_uint_eq(r.count[RM_LIST_DENY], n);
    ck_assert_uint_eq(r.flags, 2);
    ck_assert(strncmp(r.lists[RM_LIST_DENY], "10.0.0.0\n10.0.0.1\n", 18) == 0);
    ck_assert_str_eq(r.lists[RM_LIST_DENY] + strlen(r.lists[RM_LIST_DENY]) - 12, "10.0.195.79\n"); /* 49999 */
    rm_reg_import_free(&r);
    rm_free(wide);
    rm_free(in);
    free(src);
}
END_TEST

int main(void)
{
    Suite  *s = suite_create("rm_reg");
    TCase  *tc = tcase_create("reg");

    tcase_add_loop_test(tc, test_rows, 0, (int) NELEM(rows));
    tcase_add_test(tc, test_huge);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return u_run(s);
}
