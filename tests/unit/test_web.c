/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_web.c — the web interface's pure parts: the escaping helper, the
 * Host check, cookie parsing, sessions and their CSRF tokens, the token
 * file, and the .mo catalogues (the embedded Russian one and hostile
 * images).
 */
#include "check.h"

#include "crypto.h"
#include "error.h"
#include "util.h"
#include "web.h"
#include "webi18n.h"
#include "webint.h"
#include "websec.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *esc(const char *s, size_t n)
{
    static char out[512];
    px_buf b = {0};
    CHECK_RC(px_web_escape(&b, s, n), PX_OK);
    size_t len = b.len < sizeof out - 1 ? b.len : sizeof out - 1;
    memcpy(out, b.data ? (const char *)b.data : "", len);
    out[len] = '\0';
    px_buf_free(&b);
    return out;
}

#define ESC(s) esc((s), sizeof(s) - 1)

static void test_escape(void)
{
    CHECK_STR(ESC("plain text"), "plain text");
    CHECK_STR(ESC("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK_STR(ESC("a & b \"q\" 'x'"), "a &amp; b &quot;q&quot; &#39;x&#39;");
    CHECK_STR(ESC("\" onmouseover=\"x"), "&quot; onmouseover=&quot;x");
    /* UTF-8 text passes unchanged: Cyrillic, Georgian, Kazakh */
    CHECK_STR(ESC("Центр «одного окна» ქართული Қазақша"), "Центр «одного окна» ქართული Қазақша");
    /* line breaks and tabs stay; other controls become visible codes */
    CHECK_STR(ESC("a\nb\tc"), "a\nb\tc");
    CHECK_STR(ESC("a\x1b[31mred"), "a[U+001B][31mred");
    CHECK_STR(ESC("x\x7fy"), "x[U+007F]y");
    CHECK_STR(ESC("c1\xc2\x85!"), "c1[U+0085]!");
    /* right-to-left override and isolates cannot reorder the page */
    CHECK_STR(ESC("abc\xe2\x80\xae"
                  "fdp.exe"),
              "abc[U+202E]fdp.exe");
    CHECK_STR(ESC("\xe2\x81\xa6x\xe2\x81\xa9"), "[U+2066]x[U+2069]");
    /* invalid UTF-8: overlong, surrogate, truncated, stray continuation */
    CHECK_STR(ESC("\xc0\xbc"), "\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_STR(ESC("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_STR(ESC("ok\xe2\x82"), "ok\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_STR(ESC("\x80<"), "\xEF\xBF\xBD&lt;");
    /* an embedded NUL is a control character, not the end */
    CHECK_STR(esc("a\0<b", 4), "a[U+0000]&lt;b");
    /* NULL appends nothing */
    px_buf b = {0};
    CHECK_RC(px_web_escape(&b, NULL, 5), PX_OK);
    CHECK(b.len == 0);
}

static void test_host(void)
{
    const char *extra[] = {"praxis.example.org", "box:9000"};
    const char *l = "127.0.0.1:7480";
    CHECK(px_websec_host_ok("127.0.0.1:7480", l, NULL, 0));
    CHECK(px_websec_host_ok("localhost:7480", l, NULL, 0));
    CHECK(px_websec_host_ok("LOCALHOST:7480", l, NULL, 0));
    CHECK(px_websec_host_ok("[::1]:7480", l, NULL, 0));
    CHECK(!px_websec_host_ok("localhost", l, NULL, 0));      /* no port */
    CHECK(!px_websec_host_ok("localhost:7481", l, NULL, 0)); /* other port */
    CHECK(!px_websec_host_ok("evil.com:7480", l, NULL, 0));  /* DNS rebinding */
    CHECK(!px_websec_host_ok("localhost.evil.com:7480", l, NULL, 0));
    CHECK(!px_websec_host_ok("127.0.0.1:7480@evil.com", l, NULL, 0));
    CHECK(!px_websec_host_ok("", l, NULL, 0));
    CHECK(!px_websec_host_ok(NULL, l, NULL, 0));
    CHECK(!px_websec_host_ok("local host:7480", l, NULL, 0));
    /* a bound address other than loopback */
    CHECK(px_websec_host_ok("10.1.2.3:8080", "10.1.2.3:8080", NULL, 0));
    CHECK(px_websec_host_ok("localhost:8080", "10.1.2.3:8080", NULL, 0));
    CHECK(!px_websec_host_ok("10.1.2.4:8080", "10.1.2.3:8080", NULL, 0));
    /* IPv6 bound */
    CHECK(px_websec_host_ok("[::1]:7480", "[::1]:7480", NULL, 0));
    CHECK(px_websec_host_ok("[fd00::5]:7480", "[fd00::5]:7480", NULL, 0));
    CHECK(!px_websec_host_ok("[fd00::6]:7480", "[fd00::5]:7480", NULL, 0));
    /* --http-host names, with the bound port implied or their own */
    CHECK(px_websec_host_ok("praxis.example.org:7480", l, extra, 2));
    CHECK(px_websec_host_ok("Praxis.Example.Org:7480", l, extra, 2));
    CHECK(!px_websec_host_ok("praxis.example.org:7481", l, extra, 2));
    CHECK(px_websec_host_ok("box:9000", l, extra, 2));
    CHECK(!px_websec_host_ok("box:7480", l, extra, 2));
    CHECK(!px_websec_host_ok("example.org:7480", l, extra, 2));
}

static void test_cookie(void)
{
    char v[80];
    CHECK(px_websec_cookie("px_session=abc", "px_session", v, sizeof v));
    CHECK_STR(v, "abc");
    CHECK(px_websec_cookie("a=1; px_lang=ru; px_session=xyz", "px_lang", v, sizeof v));
    CHECK_STR(v, "ru");
    CHECK(px_websec_cookie("a=1;px_session=\"q\"", "px_session", v, sizeof v));
    CHECK_STR(v, "q");
    CHECK(!px_websec_cookie("xpx_session=abc", "px_session", v, sizeof v));
    CHECK(!px_websec_cookie("px_session_old=abc", "px_session", v, sizeof v));
    CHECK(!px_websec_cookie("px_session=", "px_session", v, sizeof v));
    CHECK(!px_websec_cookie("px_session", "px_session", v, sizeof v));
    CHECK(!px_websec_cookie(NULL, "px_session", v, sizeof v));
    char small[4];
    CHECK(!px_websec_cookie("px_session=abcdef", "px_session", small, sizeof small));
    CHECK(px_websec_equal("abc", "abc"));
    CHECK(!px_websec_equal("abc", "abd"));
    CHECK(!px_websec_equal("abc", "abcd"));
    CHECK(!px_websec_equal("", "a"));
}

static void test_sessions(void)
{
    px_sessions s;
    px_session a, b, found;
    char tok[65], other[65];
    memset(tok, 'a', 64);
    tok[64] = '\0';
    memset(other, 'b', 64);
    other[64] = '\0';
    CHECK_RC(px_sessions_init(&s, 2, 1000, 5000), PX_OK);
    CHECK_RC(px_sessions_login(&s, "short", tok, 100, &a), PX_EPERM);
    CHECK_RC(px_sessions_login(&s, other, tok, 100, &a), PX_EPERM);
    CHECK_RC(px_sessions_login(&s, tok, tok, 100, &a), PX_OK);
    CHECK(strlen(a.id) == 64 && strlen(a.csrf) == 64 && strcmp(a.id, a.csrf) != 0);
    CHECK_RC(px_sessions_find(&s, a.id, tok, 200, &found), PX_OK);
    CHECK_STR(found.csrf, a.csrf);
    CHECK_RC(px_sessions_find(&s, "00", tok, 200, &found), PX_ENOENT);
    /* idle timeout: 1000 ms without use ends it; use refreshes it */
    CHECK_RC(px_sessions_find(&s, a.id, tok, 1100, &found), PX_OK);
    CHECK_RC(px_sessions_find(&s, a.id, tok, 2200, &found), PX_ENOENT);
    /* absolute limit, however often it is used */
    CHECK_RC(px_sessions_login(&s, tok, tok, 10000, &a), PX_OK);
    for (uint64_t t = 10500; t < 15000; t += 500)
        CHECK_RC(px_sessions_find(&s, a.id, tok, t, &found), PX_OK);
    CHECK_RC(px_sessions_find(&s, a.id, tok, 15100, &found), PX_ENOENT);
    /* workers read the clock before the lock: a request timed just before
     * another one's use, or before a login, ends nothing */
    CHECK_RC(px_sessions_login(&s, tok, tok, 16000, &a), PX_OK);
    CHECK_RC(px_sessions_find(&s, a.id, tok, 16010, &found), PX_OK);
    CHECK_RC(px_sessions_find(&s, a.id, tok, 16005, &found), PX_OK);
    CHECK_RC(px_sessions_find(&s, a.id, tok, 15990, &found), PX_OK);
    CHECK_RC(px_sessions_find(&s, a.id, tok, 16020, &found), PX_OK);
    /* a new token ends the sessions opened with the old one */
    CHECK_RC(px_sessions_login(&s, tok, tok, 20000, &a), PX_OK);
    CHECK_RC(px_sessions_find(&s, a.id, other, 20001, &found), PX_ENOENT);
    CHECK_RC(px_sessions_find(&s, a.id, tok, 20002, &found), PX_ENOENT);
    /* at the limit the least recently used goes */
    CHECK_RC(px_sessions_login(&s, tok, tok, 30000, &a), PX_OK);
    CHECK_RC(px_sessions_login(&s, tok, tok, 30001, &b), PX_OK);
    CHECK_RC(px_sessions_find(&s, a.id, tok, 30002, &found), PX_OK);
    px_session c;
    CHECK_RC(px_sessions_login(&s, tok, tok, 30003, &c), PX_OK);
    CHECK_RC(px_sessions_find(&s, b.id, tok, 30004, &found), PX_ENOENT);
    CHECK_RC(px_sessions_find(&s, a.id, tok, 30004, &found), PX_OK);
    px_sessions_clear(&s);
    CHECK_RC(px_sessions_find(&s, a.id, tok, 30005, &found), PX_ENOENT);
    px_sessions_free(&s);
}

static void test_token_file(void)
{
    char dir[] = "/tmp/px-webtok.XXXXXX", path[256], t1[65], t2[65], t3[65];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/" PX_WEB_TOKEN_FILE, dir);
    CHECK_RC(px_webtoken_read(dir, t1), PX_ENOENT);
    CHECK_RC(px_webtoken_ensure(dir, t1), PX_OK);
    CHECK(strlen(t1) == 64);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_RC(px_webtoken_ensure(dir, t2), PX_OK);
    CHECK_STR(t1, t2);
    CHECK_RC(px_webtoken_new(dir, t3), PX_OK);
    CHECK(strcmp(t1, t3) != 0);
    CHECK(chmod(path, 0644) == 0);
    CHECK_RC(px_webtoken_read(dir, t2), PX_EPERM);
    CHECK(chmod(path, 0600) == 0);
    CHECK_RC(px_write_file(path, "not a token\n", 12, 0600, false), PX_OK);
    CHECK_RC(px_webtoken_read(dir, t2), PX_EFORMAT);
    unlink(path);
    rmdir(dir);
}

/* A .mo image by hand: little-endian, n strings. */
static size_t make_mo(uint8_t *buf, size_t cap, const char *const *orig, const char *const *trans,
                      const size_t *olen, const size_t *tlen, uint32_t n)
{
    size_t off = 28 + (size_t)n * 16, pos = 28;
    memset(buf, 0, cap);
    uint32_t hdr[7] = {0x950412de, 0, n, 28, 28 + n * 8, 0, 0};
    memcpy(buf, hdr, sizeof hdr);
    for (uint32_t t = 0; t < 2; t++)
        for (uint32_t i = 0; i < n; i++) {
            const char *s = t ? trans[i] : orig[i];
            size_t l = t ? tlen[i] : olen[i];
            uint32_t pair[2] = {(uint32_t)l, (uint32_t)off};
            memcpy(buf + pos, pair, 8);
            pos += 8;
            memcpy(buf + off, s, l);
            buf[off + l] = '\0';
            off += l + 1;
        }
    return off;
}

static void test_mo(void)
{
    CHECK_RC(px_i18n_init(), PX_OK);
    /* the embedded Russian catalogue */
    CHECK(px_i18n_count() >= 2);
    CHECK_STR(px_i18n_lang(0), "en");
    CHECK(px_i18n_supported("ru") != NULL);
    CHECK(px_i18n_supported("xx") == NULL);
    CHECK_STR(px_i18n_get("ru", "Home"), "Главная");
    CHECK_STR(px_i18n_get("ru", "Case studies"), "Кейсы");
    CHECK_STR(px_i18n_get("en", "Home"), "Home");
    CHECK_STR(px_i18n_get("kk", "Home"), "Басты бет");    /* the partial Kazakh catalogue */
    CHECK_STR(px_i18n_get("kk", "Sign out"), "Sign out"); /* ...falls back to English */
    CHECK_STR(px_i18n_get("uz", "Home"), "Home");         /* no catalogue: English */
    CHECK_STR(px_i18n_get("ru", "a string nobody translated"), "a string nobody translated");
    CHECK_STR(px_i18n_nget("ru", "%s case study", "%s case studies", 1), "%s кейс");
    CHECK_STR(px_i18n_nget("ru", "%s case study", "%s case studies", 3), "%s кейса");
    CHECK_STR(px_i18n_nget("ru", "%s case study", "%s case studies", 5), "%s кейсов");
    CHECK_STR(px_i18n_nget("ru", "%s case study", "%s case studies", 21), "%s кейс");
    CHECK_STR(px_i18n_nget("ru", "%s case study", "%s case studies", 11), "%s кейсов");
    CHECK_STR(px_i18n_nget("en", "%s case study", "%s case studies", 2), "%s case studies");
    CHECK_STR(px_i18n_nget("en", "%s case study", "%s case studies", 1), "%s case study");
    CHECK(px_plural_index("ru", 22) == 1 && px_plural_index("ru", 112) == 2);
    CHECK(px_plural_index("kk", 1) == 0 && px_plural_index("kk", 2) == 1);
    /* Accept-Language */
    CHECK_STR(px_i18n_negotiate("ru-RU,ru;q=0.9,en-US;q=0.8"), "ru");
    CHECK_STR(px_i18n_negotiate("en-GB,en;q=0.9,ru;q=0.5"), "en");
    CHECK_STR(px_i18n_negotiate("uz, ru;q=0.7"), "ru");
    CHECK_STR(px_i18n_negotiate("kk-KZ, ru;q=0.7"), "kk");
    CHECK_STR(px_i18n_negotiate("fr;q=1, de;q=0.9"), "en");
    CHECK_STR(px_i18n_negotiate("ru;q=0"), "en");
    CHECK_STR(px_i18n_negotiate(NULL), "en");
    CHECK_STR(px_i18n_negotiate(";;;,,,q=,ru;q=abc"), "en");

    /* a catalogue built by hand, then broken in every way */
    uint8_t buf[512];
    const char *orig[] = {"", "apple", "one\0many", "pear"};
    const char *trans[] = {"Plural-Forms: nplurals=3;\n", "яблоко", "один\0два\0много", ""};
    size_t olen[] = {0, 5, 8, 4};
    size_t tlen[] = {sizeof "Plural-Forms: nplurals=3;\n" - 1, sizeof "яблоко" - 1,
                     sizeof "один\0два\0много" - 1, 0};
    size_t len = make_mo(buf, sizeof buf, orig, trans, olen, tlen, 4);
    px_mo mo;
    CHECK_RC(px_mo_open(&mo, buf, len), PX_OK);
    CHECK(mo.sorted);
    CHECK_STR(px_mo_get(&mo, "apple"), "яблоко");
    CHECK(px_mo_get(&mo, "pear") == NULL); /* untranslated */
    CHECK(px_mo_get(&mo, "plum") == NULL);
    CHECK(px_mo_get(&mo, "") == NULL); /* the header is not a translation */
    CHECK_STR(px_mo_nget(&mo, "ru", "one", "many", 1), "один");
    CHECK_STR(px_mo_nget(&mo, "ru", "one", "many", 2), "два");
    CHECK_STR(px_mo_nget(&mo, "ru", "one", "many", 7), "много");
    CHECK(px_mo_nget(&mo, "ru", "one", "other", 7) == NULL);
    /* truncated */
    for (size_t cut = 0; cut < len; cut += 7)
        if (px_mo_open(&mo, buf, cut) == PX_OK)
            CHECK(px_mo_get(&mo, "apple") == NULL || cut >= len - 1);
    CHECK_RC(px_mo_open(&mo, buf, 20), PX_EFORMAT);
    /* bad magic */
    uint8_t bad[512];
    memcpy(bad, buf, len);
    bad[0] ^= 1;
    CHECK_RC(px_mo_open(&mo, bad, len), PX_EFORMAT);
    /* a string count that does not fit */
    memcpy(bad, buf, len);
    uint32_t huge = 0x40000000;
    memcpy(bad + 8, &huge, 4);
    CHECK_RC(px_mo_open(&mo, bad, len), PX_EFORMAT);
    /* a string offset outside the image */
    memcpy(bad, buf, len);
    uint32_t far = 100000;
    memcpy(bad + 28 + 8 + 4, &far, 4);
    CHECK_RC(px_mo_open(&mo, bad, len), PX_EFORMAT);
    /* a string without its NUL */
    memcpy(bad, buf, len);
    uint32_t longer;
    memcpy(&longer, bad + 28 + 8, 4);
    longer += 1;
    memcpy(bad + 28 + 8, &longer, 4);
    CHECK_RC(px_mo_open(&mo, bad, len), PX_EFORMAT);
    /* unsorted originals are still found (linear search) */
    const char *o2[] = {"zeta", "alpha"};
    const char *t2[] = {"зета", "альфа"};
    size_t ol2[] = {4, 5}, tl2[] = {8, 10};
    len = make_mo(buf, sizeof buf, o2, t2, ol2, tl2, 2);
    CHECK_RC(px_mo_open(&mo, buf, len), PX_OK);
    CHECK(!mo.sorted);
    CHECK_STR(px_mo_get(&mo, "alpha"), "альфа");
    CHECK_STR(px_mo_get(&mo, "zeta"), "зета");
}

/* The builder: px_hf escapes every %s (with precision cut at a character),
 * writes numbers as printf; px_h is literal; URLs are percent-encoded;
 * numbers the reader's way. */
static void test_builder(void)
{
    px_req *r = px_req_detached("en");
    CHECK(r != NULL);
    px_h(r, "<p>");
    px_hf(r, "<a href=\"/cases/%s\">%s</a> %d %zu %.1f %5.2f%% %lld", "x\"y", "<b>&", -3, (size_t)7,
          91.54, 4.666, 10000000000LL);
    const char *none = getenv("PX_TEST_UNSET_VARIABLE"); /* NULL, unknown to the compiler */
    px_hf(r, "|%.4s|%.3s|%s|", "abcdef", "жжж", none);
    px_esc(r, "'");
    px_buf *o = px_req_out(r);
    px_buf_append(o, "", 1);
    CHECK_STR((const char *)o->data,
              "<p><a href=\"/cases/x&quot;y\">&lt;b&gt;&amp;</a> -3 7 91.5  4.67% 10000000000"
              "|abcd|\xd0\xb6||&#39;");
    CHECK_STR(px_req_url(r, "/compare", "indicator", "KZ SAT&x", "period", "", "by", NULL, "q",
                         "очередь", NULL),
              "/compare?indicator=KZ%20SAT%26x&q=%D0%BE%D1%87%D0%B5%D1%80%D0%B5%D0%B4%D1%8C");
    CHECK_STR(px_req_url(r, "/x?a=1", "b", "2", NULL), "/x?a=1&b=2");
    CHECK_STR(px_req_num(r, 91.54, 1), "91.5");
    CHECK_STR(px_req_num(r, 4.66, -1), "4.66");
    CHECK_STR(px_req_int(r, 10000), "10,000");
    CHECK_STR(px_req_int(r, -1234567), "-1,234,567");
    CHECK_STR(px_req_date(r, 1796158315216ull, false), "1 December 2026");
    px_req_detached_free(r);
    r = px_req_detached("ru");
    CHECK_STR(px_req_num(r, 91.54, 1), "91,5");
    CHECK_STR(px_req_int(r, 1234), "1234");
    CHECK_STR(px_req_int(r, 10000), "10\xe2\x80\xaf"
                                    "000");
    CHECK_STR(px_req_date(r, 1796158315216ull, true), "1 декабря 2026, 20:51 UTC");
    CHECK_STR(px_t(r, "Home"), "Главная");
    px_req_detached_free(r);
}

int main(void)
{
    px_crypto_init();
    RUN(test_escape);
    RUN(test_host);
    RUN(test_cookie);
    RUN(test_sessions);
    RUN(test_token_file);
    RUN(test_mo);
    RUN(test_builder);
    return check_summary();
}
