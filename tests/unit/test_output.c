/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_output.c — what praxis writes for people and their tools: CSV cells
 * a spreadsheet would run as formulas (neutralised, numbers untouched),
 * terminal-safe text and its UTF-8-safe truncation, output files written
 * whole through a random temporary name (outfile.h), and the Argon2id
 * limits of protected key files.
 */
#include "check.h"

#include "crypto.h"
#include "error.h"
#include "identity.h"
#include "outfile.h"
#include "records.h"
#include "report.h"
#include "tabular.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

/* ---------------------------------------------------------------- CSV --- */

static char *csv_of(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    px_csv_field(f, s, strlen(s));
    fclose(f);
    return buf;
}

static void check_csv(const char *in, const char *want)
{
    char *got = csv_of(in);
    CHECK_STR(got, want);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "  csv of [%s]: [%s], wanted [%s]\n", in, got, want);
    free(got);
}

static void test_csv_formulas(void)
{
    /* text a spreadsheet would run gets a quote before it */
    check_csv("=HYPERLINK(\"http://evil.example/\",\"click\")",
              "\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"click\"\")\"");
    check_csv("+1", "'+1");
    check_csv("@SUM(A1:A9)", "'@SUM(A1:A9)");
    check_csv("-Astana", "'-Astana");
    check_csv("-3.5", "'-3.5"); /* text, even if it looks like a number */
    check_csv("\tcmd", "'\tcmd");
    check_csv("\rcmd", "\"'\rcmd\"");
    check_csv("  =1+1", "\"'  =1+1\""); /* leading spaces do not hide it */
    check_csv("=a,b", "\"'=a,b\"");     /* the quote goes inside the field's quotes */
    /* everything else as before */
    check_csv("Astana = capital", "Astana = capital");
    check_csv("a-b", "a-b");
    check_csv("", "");
    check_csv(" padded", "\" padded\"");
    CHECK(!px_csv_formula_lead("", 0));
    CHECK(!px_csv_formula_lead("   ", 3));
    CHECK(px_csv_formula_lead("=", 1));

    /* rows: numbers stay numbers, text is neutralised, arrays as one text */
    json_t *row = json_pack("{s:f, s:I, s:s, s:s, s:[s,s], s:b}", "value", -3.5, "n",
                            (json_int_t)-2, "centre", "=HYPERLINK(\"x\")", "source", "+1", "tags",
                            "-x", "ok", "illustrative", 0);
    static const char *const cols[] = {"value",        "n",     "centre", "source", "tags",
                                       "illustrative", "absent"};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    px_csv_row(f, row, cols, sizeof cols / sizeof cols[0]);
    fclose(f);
    CHECK_STR(buf, "-3.5,-2,\"'=HYPERLINK(\"\"x\"\")\",'+1,'-x; ok,false,\r\n");
    free(buf);
    json_decref(row);
}

/* ------------------------------------------------------- terminal text --- */

static char *put_of(const char *s, bool multi_line)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    px_text_put(f, s, multi_line);
    fclose(f);
    return buf;
}

static void check_put(const char *in, bool multi_line, const char *want)
{
    char *got = put_of(in, multi_line);
    CHECK_STR(got, want);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "  text_put: [%s], wanted [%s]\n", got, want);
    free(got);
}

static void test_terminal_escapes(void)
{
    /* CSI sequences, whole */
    check_put("a\x1b[2Jb", false, "a?b");
    check_put("a\x1b[38;5;196mred\x1b[0m", false, "a?red?");
    check_put("a\x1b[?1049h", false, "a?");
    check_put("a\x1b[", false, "a?");
    check_put("a\x1b[12", false, "a?");
    /* OSC: retitling the window, hyperlinks; terminated by BEL or ST */
    check_put("a\x1b]0;owned\x07z", false, "a?z");
    check_put("a\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\z", false, "a?link?z");
    check_put("a\x1b]0;\xc2\x9cz", false, "a?z");
    /* unterminated: only the introducer goes, the rest is shown */
    check_put("a\x1b]0;title", false, "a?0;title");
    /* DCS, APC, other escapes */
    check_put("a\x1bPq#0\x1b\\z", false, "a?z");
    check_put("a\x1b_hidden\x07z", false, "a?z");
    check_put("a\x1b"
              "cz",
              false, "a?z");
    check_put("a\x1b(Bz", false, "a?z");
    check_put("a\x1b$(Bz", false, "a?z");
    check_put("a\x1b", false, "a?");
    /* C1 controls in UTF-8: CSI, OSC, NEL */
    check_put("a\xc2\x9b"
              "31mz",
              false, "a?z");
    check_put("a\xc2\x9d"
              "0;t\x07z",
              false, "a?z");
    check_put("a\xc2\x85z", false, "a?z");
    /* other controls */
    check_put("a\x07\x08\x7f\rz", false, "a????z");
    check_put("a\tb", false, "a b");
    check_put("a\nb", false, "a b");
    check_put("a\nb", true, "a\nb");
    check_put("a\xe2\x80\xa8"
              "b",
              false, "a b"); /* U+2028 */
    check_put("a\xe2\x80\xa9"
              "b",
              true, "a\nb"); /* U+2029 */
    /* invalid UTF-8 */
    check_put("a\xff\xc0\xafz", false, "a???z");
    check_put("a\xe2\x80", false, "a??");
    check_put("\xed\xa0\x80", false, "???"); /* a surrogate */
    /* bidi embeddings, overrides and isolates: every one of them */
    const uint32_t bidi[] = {0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
                             0x2066, 0x2067, 0x2068, 0x2069};
    for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++) {
        char in[16];
        snprintf(in, sizeof in, "a%c%c%cb", (char)(0xe0 | bidi[i] >> 12),
                 (char)(0x80 | (bidi[i] >> 6 & 0x3f)), (char)(0x80 | (bidi[i] & 0x3f)));
        check_put(in, false, "a?b");
    }
    /* "evil.exe" shown as "exe.live" by an override: not any more */
    check_put("\xe2\x80\xaelive.exe", false, "?live.exe");
    /* ordinary text in every script passes unchanged */
    check_put("Қазақстан ქართული 日本語 e\xcc\x81 ‎€", true,
              "Қазақстан ქართული 日本語 e\xcc\x81 ‎€");
    check_put(NULL, false, "");

    /* many unterminated control strings cost one search, not one each:
     * 64 Ki introducers in 128 KiB (a whole entry body) */
    size_t nbig = 128 * 1024;
    char *big = malloc(nbig + 1);
    for (size_t i = 0; i < nbig; i += 2)
        memcpy(big + i, "\x1b]", 2);
    big[nbig] = '\0';
    uint64_t t0 = px_mono_ns();
    char *shown = put_of(big, false);
    uint64_t took = px_mono_ns() - t0;
    CHECK(strlen(shown) == nbig / 2); /* each introducer, ESC ], one "?" */
    CHECK(took < 2000000000ull);      /* linear: milliseconds; quadratic: many seconds */
    free(shown);
    free(big);

    /* the report's HTML escaping takes the bidi controls out too */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    px_html_escape(f, "<\xe2\x80\xae"
                      "fdp.exe\xe2\x81\xa6x\xe2\x81\xa9 \xe2\x80\xaf\xe2\x80\x8f\xe2");
    fclose(f);
    /* (one rule for the report and the web: px_web_escape names each
     * control as [U+XXXX]; the cut character at the end is not UTF-8) */
    CHECK(strncmp(buf, "&lt;[U+202E]fdp.exe[U+2066]x[U+2069] ", 37) == 0);
    CHECK(strstr(buf, "\xe2\x80\xae") == NULL && strstr(buf, "\xe2\x81\xa6") == NULL &&
          strstr(buf, "\xe2\x81\xa9") == NULL);
    free(buf);
}

static char *cols_of(const char *s, size_t cols, bool pad)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    size_t used = px_text_put_cols(f, s, cols, pad);
    fclose(f);
    CHECK(used <= cols);
    CHECK(!pad || used == cols);
    return buf;
}

static void check_cols(const char *in, size_t cols, bool pad, const char *want)
{
    char *got = cols_of(in, cols, pad);
    CHECK_STR(got, want);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "  put_cols(%zu): [%s], wanted [%s]\n", cols, got, want);
    free(got);
}

static void test_terminal_truncation(void)
{
    CHECK(px_text_width("abc") == 3);
    CHECK(px_text_width("ещё") == 3);
    CHECK(px_text_width("日本") == 4);
    CHECK(px_text_width("e\xcc\x81") == 1); /* e + combining acute */
    CHECK(px_text_width("a\x1b[31mb") == 3);
    CHECK(px_text_width(NULL) == 0);

    check_cols("Astana", 10, true, "Astana    ");
    check_cols("Astana", 6, true, "Astana");
    check_cols("Astana", 5, false, "Asta…");
    check_cols("Қазақстан", 5, true, "Қаза…");
    check_cols("日本語", 4, true, "日… ");
    check_cols("日本語", 5, true, "日本…");
    check_cols("e\xcc\x81"
               "e\xcc\x81"
               "e",
               2, false, "e\xcc\x81…"); /* marks stay with their letter */
    check_cols("ab\x1b[31mcd", 10, true, "ab?cd     ");
    check_cols("ab\x1b[31mcd", 3, false, "ab…");
    check_cols("\xe2\x80\xae"
               "abc",
               4, false, "?abc");
    check_cols("x", 0, true, "");
    check_cols("xy", 1, true, "…");
    check_cols(NULL, 3, true, "   ");

    /* Every width, over text mixing 1-, 2-, 3- and 4-byte characters,
     * escapes and wide characters: the output is valid UTF-8, has no
     * control character, and takes exactly the columns asked for. */
    const char *mixed = "a\xd0\xb1\xe2\x82\xac\xf0\x9f\x98\x80\x1b[1m日\xe2\x80\xaeq\xff";
    size_t full = px_text_width(mixed);
    for (size_t c = 0; c <= full + 2; c++) {
        char *got = cols_of(mixed, c, true);
        CHECK(px_utf8_valid(got, strlen(got)));
        CHECK(px_text_width(got) == c);
        for (const char *p = got; *p; p++)
            CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
        free(got);
    }
}

static void test_utf8_trunc(void)
{
    const char *s = "a\xd0\xb1\xe6\x97\xa5\xf0\x9f\x98\x80z"; /* a б 日 😀 z */
    size_t n = strlen(s);
    for (size_t max = 0; max <= n + 1; max++) {
        size_t k = px_utf8_trunc(s, n, max);
        CHECK(k <= max && k <= n);
        CHECK(px_utf8_valid(s, k));
        /* the longest such prefix: one more character would not fit */
        if (k < n && k < max) {
            size_t next = k + 1;
            while (next < n && ((unsigned char)s[next] & 0xc0) == 0x80)
                next++;
            CHECK(next > max);
        }
    }
    CHECK(px_utf8_trunc(s, n, 2) == 1);
    CHECK(px_utf8_trunc(s, n, 3) == 3);
    CHECK(px_utf8_trunc(s, n, 5) == 3);
    CHECK(px_utf8_trunc(s, n, 6) == 6);
    CHECK(px_utf8_trunc(s, n, 9) == 6);
    CHECK(px_utf8_trunc(s, n, 10) == 10);
    CHECK(px_utf8_trunc(s, n, 100) == n);
}

/* -------------------------------------------------------- output files --- */

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static void put_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static bool has_text(const char *path, const char *want)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (px_read_file(path, 1 << 20, &data, &len) != PX_OK)
        return false;
    bool same = len == strlen(want) && memcmp(data, want, len) == 0;
    free(data);
    return same;
}

/* Names in dir/sub other than . and .. */
static int entries(const char *sub)
{
    char d[128];
    path_in(d, sizeof d, sub);
    DIR *dh = opendir(d);
    int n = 0;
    struct dirent *e;
    while (dh && (e = readdir(dh)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (dh)
        closedir(dh);
    return n;
}

static void test_outfile(void)
{
    char sub[128], target[160], victim[160], tmpname[200];
    struct stat st;
    px_outfile o;
    path_in(sub, sizeof sub, "out");
    CHECK(mkdir(sub, 0700) == 0);
    snprintf(target, sizeof target, "%s/report.html", sub);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    put_text(victim, "precious\n");

    /* a new file, with exactly the mode asked for whatever the umask */
    mode_t old_umask = umask(077);
    CHECK_RC(px_outfile_open(&o, target, 0644, false), PX_OK);
    CHECK(entries("out") == 1); /* only the temporary file */
    CHECK(access(target, F_OK) != 0);
    fputs("first\n", o.f);
    CHECK_RC(px_outfile_commit(&o), PX_OK);
    umask(old_umask);
    CHECK(has_text(target, "first\n"));
    CHECK(stat(target, &st) == 0 && (st.st_mode & 07777) == 0644);
    CHECK(entries("out") == 1);
    CHECK(o.f == NULL && o.tmp == NULL); /* released */
    px_outfile_abort(&o);                /* harmless after a commit */

    /* until the commit the old content stays; an abort keeps it */
    CHECK_RC(px_outfile_open(&o, target, 0644, false), PX_OK);
    fputs("second, half writ", o.f);
    fflush(o.f);
    CHECK(has_text(target, "first\n"));
    px_outfile_abort(&o);
    CHECK(has_text(target, "first\n"));
    CHECK(entries("out") == 1);

    /* a write that fails: the target stays whole, no temporary is left */
    CHECK_RC(px_outfile_open(&o, target, 0644, false), PX_OK);
    close(fileno(o.f)); /* every later write fails (EBADF) */
    fputs("third\n", o.f);
    CHECK(px_outfile_commit(&o) != PX_OK);
    CHECK(strstr(px_err_detail(), "report.html") != NULL);
    CHECK(has_text(target, "first\n"));
    CHECK(entries("out") == 1);

    /* symlinks planted at the target and at the old predictable temporary
     * names (FILE.tmpPID, FILE.tmp.PID) are never followed */
    CHECK(unlink(target) == 0);
    CHECK(symlink(victim, target) == 0);
    snprintf(tmpname, sizeof tmpname, "%s.tmp%ld", target, (long)getpid());
    CHECK(symlink(victim, tmpname) == 0);
    snprintf(tmpname, sizeof tmpname, "%s.tmp.%ld", target, (long)getpid());
    CHECK(symlink(victim, tmpname) == 0);
    CHECK_RC(px_outfile_open(&o, target, 0644, false), PX_OK);
    fputs("fourth\n", o.f);
    CHECK_RC(px_outfile_commit(&o), PX_OK);
    CHECK(has_text(victim, "precious\n"));
    CHECK(lstat(target, &st) == 0 && S_ISREG(st.st_mode));
    CHECK(has_text(target, "fourth\n"));
    CHECK(entries("out") == 3); /* the target and the two planted links */

    /* a plain write through px_write_file, secret mode */
    char key[160];
    snprintf(key, sizeof key, "%s/secret.json", sub);
    snprintf(tmpname, sizeof tmpname, "%s.tmp.%ld", key, (long)getpid());
    CHECK(symlink(victim, tmpname) == 0);
    CHECK_RC(px_write_file(key, "{\"k\": 1}\n", 9, 0600, false), PX_OK);
    CHECK(has_text(key, "{\"k\": 1}\n"));
    CHECK(stat(key, &st) == 0 && (st.st_mode & 07777) == 0600);
    CHECK(has_text(victim, "precious\n"));

    /* exclusive: an existing target (even a dangling symlink) is refused,
     * at the start and at the commit */
    CHECK_RC(px_write_file(key, "x", 1, 0600, true), PX_EEXIST);
    CHECK(has_text(key, "{\"k\": 1}\n"));
    char late[160];
    snprintf(late, sizeof late, "%s/late.key", sub);
    CHECK_RC(px_outfile_open(&o, late, 0600, true), PX_OK);
    fputs("mine\n", o.f);
    CHECK(symlink("/nonexistent/praxis-test", late) == 0); /* planted meanwhile */
    CHECK_RC(px_outfile_commit(&o), PX_EEXIST);
    CHECK(lstat(late, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(entries("out") == 6); /* nothing else was left behind */

    /* a pipe, a symlink to it, a directory: refused, never replaced */
    char fifo[160], tofifo[160];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(tofifo, sizeof tofifo, "%s/to-fifo", sub);
    CHECK(mkfifo(fifo, 0600) == 0);
    CHECK(symlink(fifo, tofifo) == 0);
    CHECK_RC(px_outfile_open(&o, fifo, 0644, false), PX_EINVAL);
    CHECK(strstr(px_err_detail(), "not a regular file") != NULL);
    CHECK_RC(px_outfile_open(&o, tofifo, 0644, false), PX_EINVAL);
    CHECK_RC(px_outfile_open(&o, sub, 0644, false), PX_EINVAL);
    CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK(lstat(tofifo, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(entries("out") == 7);

    /* names that are not files; a directory that does not exist */
    CHECK_RC(px_outfile_open(&o, "", 0644, false), PX_EINVAL);
    CHECK_RC(px_outfile_open(&o, "somewhere/", 0644, false), PX_EINVAL);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no/such/dir/x.csv", dir);
    CHECK_RC(px_outfile_open(&o, missing, 0644, false), PX_ENOENT);
    CHECK(strstr(px_err_detail(), "x.csv") != NULL);
    px_outfile_abort(&o);

    /* a file name of 255 bytes still gets a temporary name that fits */
    char longname[400];
    int at = snprintf(longname, sizeof longname, "%s/", sub);
    for (int i = 0; i < 127; i++)
        at += snprintf(longname + at, sizeof longname - (size_t)at, "ж");
    snprintf(longname + at, sizeof longname - (size_t)at, "x");
    CHECK_RC(px_outfile_open(&o, longname, 0644, false), PX_OK);
    fputs("long\n", o.f);
    CHECK_RC(px_outfile_commit(&o), PX_OK);
    CHECK(has_text(longname, "long\n"));
}

/* --------------------------------------------------------- Argon2id key --- */

/* A protected key file whose limits are the JSON text limits_json (empty:
 * none, as an older praxis wrote), its box sealed with Argon2id at ops,
 * mem. */
static void write_key_file(const char *path, const px_identity *id, const char *pass,
                           const char *limits_json, unsigned long long ops, unsigned long long mem)
{
    uint8_t salt[16], nonce[24], key[32], box[48];
    char pk[65], salt_hex[33], nonce_hex[49], box_hex[97];
    px_random_bytes(salt, sizeof salt);
    px_random_bytes(nonce, sizeof nonce);
    CHECK_RC(px_pwhash(key, pass, strlen(pass), salt, ops, mem), PX_OK);
    px_secretbox_easy(box, id->sk, 32, nonce, key);
    px_hex_encode(pk, id->pk, 32);
    px_hex_encode(salt_hex, salt, 16);
    px_hex_encode(nonce_hex, nonce, 24);
    px_hex_encode(box_hex, box, 48);
    unlink(path);
    FILE *f = fopen(path, "w");
    fprintf(f,
            "{\"format\": \"praxis-key-v1\", \"public_key\": \"%s\", \"encrypted\": {\"kdf\": "
            "\"argon2id13\"%s, \"salt\": \"%s\", \"nonce\": \"%s\", \"box\": \"%s\"}}\n",
            pk, limits_json, salt_hex, nonce_hex, box_hex);
    fclose(f);
    chmod(path, 0600);
}

static int prompts;
static int count_prompt(char *buf, size_t n)
{
    prompts++;
    snprintf(buf, n, "correct horse");
    return PX_OK;
}

/* The file at path with its "encrypted" object's key replaced by text. */
static void set_field(const char *path, const char *key, json_t *value)
{
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    json_object_set_new(json_object_get(doc, "encrypted"), key, value);
    unlink(path);
    json_dump_file(doc, path, 0);
    json_decref(doc);
    chmod(path, 0600);
}

static void test_argon2_limits(void)
{
    unsigned long long ops, mem;
    px_pwhash_level_limits(PX_PWHASH_INTERACTIVE, &ops, &mem);
    CHECK(ops == 2 && mem == 64ull << 20);
    px_pwhash_level_limits(PX_PWHASH_MODERATE, &ops, &mem);
    CHECK(ops == 3 && mem == 256ull << 20);
    px_pwhash_level_limits(PX_PWHASH_SENSITIVE, &ops, &mem);
    CHECK(ops == 4 && mem == 1024ull << 20);
    px_pwhash_level level;
    CHECK_RC(px_pwhash_level_parse("sensitive", &level), PX_OK);
    CHECK(level == PX_PWHASH_SENSITIVE);
    CHECK_RC(px_pwhash_level_parse("paranoid", &level), PX_EINVAL);

    /* the accepted range, at its edges */
    CHECK_RC(px_pwhash_limits_check(2, 64ull << 20), PX_OK);
    CHECK_RC(px_pwhash_limits_check(4, 1024ull << 20), PX_OK);
    CHECK_RC(px_pwhash_limits_check(3, 100ull << 20), PX_OK);
    CHECK_RC(px_pwhash_limits_check(1, 64ull << 20), PX_EINVAL);
    CHECK_RC(px_pwhash_limits_check(5, 64ull << 20), PX_EINVAL);
    CHECK_RC(px_pwhash_limits_check(2, (64ull << 20) - 1), PX_EINVAL);
    CHECK_RC(px_pwhash_limits_check(2, (1024ull << 20) + 1), PX_EINVAL);
    CHECK_RC(px_pwhash_limits_check(~0ull, ~0ull), PX_EINVAL);
    CHECK(strstr(px_err_detail(), "outside what praxis accepts") != NULL);
    uint8_t k[32], salt[16] = {0};
    CHECK_RC(px_pwhash(k, "x", 1, salt, 2, 1ull << 40), PX_EINVAL); /* never allocated */

    px_identity a, b;
    char path[128];
    px_identity_generate(&a);
    unsetenv("PRAXIS_PASSPHRASE_FILE");
    setenv("PRAXIS_PASSPHRASE", "correct horse", 1);

    /* new keys: MODERATE, stored with the key */
    path_in(path, sizeof path, "moderate.key");
    CHECK_RC(px_identity_save_protected(&a, path, "correct horse"), PX_OK);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    json_t *enc = json_object_get(doc, "encrypted");
    CHECK_STR(json_string_value(json_object_get(enc, "kdf")), "argon2id13");
    CHECK(json_integer_value(json_object_get(enc, "opslimit")) == 3);
    CHECK(json_integer_value(json_object_get(enc, "memlimit")) == 256ll << 20);
    json_decref(doc);
    CHECK_RC(px_identity_load(&b, path), PX_OK);
    CHECK_MEM(a.sk, b.sk, 64);
    setenv("PRAXIS_PASSPHRASE", "wrong horse", 1);
    CHECK_RC(px_identity_load(&b, path), PX_ECRYPTO);
    setenv("PRAXIS_PASSPHRASE", "correct horse", 1);

    /* the level can be chosen; INTERACTIVE is stored as such */
    path_in(path, sizeof path, "interactive.key");
    CHECK_RC(px_identity_save_protected_at(&a, path, "correct horse", PX_PWHASH_INTERACTIVE),
             PX_OK);
    doc = json_load_file(path, 0, &je);
    enc = json_object_get(doc, "encrypted");
    CHECK(json_integer_value(json_object_get(enc, "opslimit")) == 2);
    CHECK(json_integer_value(json_object_get(enc, "memlimit")) == 64ll << 20);
    json_decref(doc);
    CHECK_RC(px_identity_load(&b, path), PX_OK);
    CHECK_MEM(a.sk, b.sk, 64);

    /* older key files: INTERACTIVE with its limits stored, and without */
    path_in(path, sizeof path, "old.key");
    write_key_file(path, &a, "correct horse", ", \"opslimit\": 2, \"memlimit\": 67108864", 2,
                   64ull << 20);
    memset(&b, 0, sizeof b);
    CHECK_RC(px_identity_load(&b, path), PX_OK);
    CHECK_MEM(a.sk, b.sk, 64);
    write_key_file(path, &a, "correct horse", "", 2, 64ull << 20);
    memset(&b, 0, sizeof b);
    CHECK_RC(px_identity_load(&b, path), PX_OK);
    CHECK_MEM(a.sk, b.sk, 64);

    /* any limits within the range open (here 4 passes over 64 MiB) */
    write_key_file(path, &a, "correct horse", ", \"opslimit\": 4, \"memlimit\": 67108864", 4,
                   64ull << 20);
    memset(&b, 0, sizeof b);
    CHECK_RC(px_identity_load(&b, path), PX_OK);
    CHECK_MEM(a.sk, b.sk, 64);

    /* limits outside the range: refused with a sentence, before the
     * passphrase is asked for and before anything is allocated */
    unsetenv("PRAXIS_PASSPHRASE");
    const struct {
        const char *key;
        json_int_t v;
    } bad[] = {{"memlimit", 1ll << 40}, {"memlimit", (1ll << 30) + 1},
               {"memlimit", 1 << 20},   {"opslimit", 5},
               {"opslimit", 1},         {"opslimit", 1ll << 40},
               {"memlimit", -67108864}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_key_file(path, &a, "correct horse", "", 2, 64ull << 20);
        set_field(path, "opslimit", json_integer(2));
        set_field(path, "memlimit", json_integer(64ll << 20));
        set_field(path, bad[i].key, json_integer(bad[i].v));
        prompts = 0;
        CHECK_RC(px_identity_load_with(&b, path, count_prompt), PX_EFORMAT);
        CHECK(prompts == 0);
        CHECK(strstr(px_err_detail(), "old.key") != NULL);
        if (bad[i].v >= 0)
            CHECK(strstr(px_err_detail(), "outside what praxis accepts") != NULL);
    }
    /* not numbers; only one of the two; another algorithm */
    write_key_file(path, &a, "correct horse", "", 2, 64ull << 20);
    set_field(path, "opslimit", json_string("2"));
    set_field(path, "memlimit", json_integer(64ll << 20));
    CHECK_RC(px_identity_load_with(&b, path, count_prompt), PX_EFORMAT);
    CHECK(strstr(px_err_detail(), "whole numbers") != NULL);
    write_key_file(path, &a, "correct horse", "", 2, 64ull << 20);
    set_field(path, "memlimit", json_integer(64ll << 20));
    CHECK_RC(px_identity_load_with(&b, path, count_prompt), PX_EFORMAT);
    write_key_file(path, &a, "correct horse", "", 2, 64ull << 20);
    set_field(path, "kdf", json_string("scrypt"));
    CHECK_RC(px_identity_load_with(&b, path, count_prompt), PX_EFORMAT);
    CHECK(strstr(px_err_detail(), "only argon2id13") != NULL);
    CHECK(prompts == 0);
    /* a well-formed file still asks */
    write_key_file(path, &a, "correct horse", "", 2, 64ull << 20);
    CHECK_RC(px_identity_load_with(&b, path, count_prompt), PX_OK);
    CHECK(prompts == 1);
    CHECK_MEM(a.sk, b.sk, 64);
    px_identity_clear(&a);
    px_identity_clear(&b);
}

int main(void)
{
    if (px_crypto_init() != PX_OK)
        return 1;
    snprintf(dir, sizeof dir, "/tmp/px-output.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN(test_csv_formulas);
    RUN(test_terminal_escapes);
    RUN(test_terminal_truncation);
    RUN(test_utf8_trunc);
    RUN(test_outfile);
    RUN(test_argon2_limits);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_summary();
}
