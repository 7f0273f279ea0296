/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webhtml.c — the HTML builder: the one escaping helper (px_esc), literal
 * markup (px_h), the escaping printf (px_hf), URLs, the page skeleton, and
 * numbers and dates the reader's way.
 */
#include "error.h"
#include "members.h"
#include "tabular.h"
#include "util.h"
#include "web.h"
#include "webi18n.h"
#include "webint.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- escaping ----------------------------------------------------------------- */

void px_escn(px_req *r, const char *text, size_t n)
{
    if (text && px_web_escape(px_req_out(r), text, n))
        px_req_oom(r);
}

void px_esc(px_req *r, const char *text)
{
    if (text)
        px_escn(r, text, strlen(text));
}

void px_h(px_req *r, const char *markup)
{
    if (markup && px_buf_append(px_req_out(r), markup, strlen(markup)))
        px_req_oom(r);
}

void px_hf(px_req *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *p = fmt;
    while (*p) {
        const char *pct = strchr(p, '%');
        if (!pct) {
            px_h(r, p);
            break;
        }
        if (pct > p && px_buf_append(px_req_out(r), p, (size_t)(pct - p)))
            px_req_oom(r);
        const char *q = pct + 1;
        if (*q == '%') {
            px_h(r, "%");
            p = q + 1;
            continue;
        }
        /* flags, width, precision, length */
        while (*q && strchr("-+ #0", *q))
            q++;
        while (*q >= '0' && *q <= '9')
            q++;
        long prec = -1;
        if (*q == '.') {
            q++;
            prec = 0;
            while (*q >= '0' && *q <= '9')
                prec = prec < 100000 ? prec * 10 + (*q++ - '0') : (q++, prec);
        }
        int longs = 0;
        bool size = false;
        while (*q == 'l' || *q == 'z' || *q == 'h') {
            if (*q == 'l')
                longs++;
            if (*q == 'z')
                size = true;
            q++;
        }
        char conv = *q;
        char spec[32], num[64];
        size_t sl = (size_t)(q - pct + 1);
        if (!conv || sl >= sizeof spec)
            break;
        memcpy(spec, pct, sl);
        spec[sl] = '\0';
        num[0] = '\0';
        /* spec is one conversion cut from fmt, which the compiler checked
         * against the arguments (the format attribute in web.h), holding
         * only flags, width, precision, length and the conversion. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        switch (conv) {
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (str && prec >= 0) { /* at most prec bytes, cut at a character */
                size_t n = strnlen(str, (size_t)prec);
                while (n > 0 && n < strlen(str) && ((unsigned char)str[n] & 0xc0) == 0x80)
                    n--;
                px_escn(r, str, n);
            } else {
                px_esc(r, str);
            }
            break;
        }
        case 'd':
        case 'i':
            if (size)
                snprintf(num, sizeof num, spec, va_arg(ap, ssize_t));
            else if (longs >= 2)
                snprintf(num, sizeof num, spec, va_arg(ap, long long));
            else if (longs == 1)
                snprintf(num, sizeof num, spec, va_arg(ap, long));
            else
                snprintf(num, sizeof num, spec, va_arg(ap, int));
            break;
        case 'u':
        case 'x':
        case 'X':
            if (size)
                snprintf(num, sizeof num, spec, va_arg(ap, size_t));
            else if (longs >= 2)
                snprintf(num, sizeof num, spec, va_arg(ap, unsigned long long));
            else if (longs == 1)
                snprintf(num, sizeof num, spec, va_arg(ap, unsigned long));
            else
                snprintf(num, sizeof num, spec, va_arg(ap, unsigned));
            break;
        case 'f':
        case 'g':
        case 'e':
            snprintf(num, sizeof num, spec, va_arg(ap, double));
            break;
        default:
            /* Unsupported conversions print nothing (and consume nothing):
             * the format is ours, and the compiler checks its types. */
            break;
        }
#pragma GCC diagnostic pop
        if (num[0])
            px_h(r, num);
        p = q + 1;
    }
    va_end(ap);
}

/* ---- URLs --------------------------------------------------------------------------- */

void px_url_encode(px_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == '~';
        if (plain) {
            px_buf_append(b, p, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            px_buf_append(b, e, 3);
        }
    }
}

const char *px_req_url(px_req *r, const char *path, ...)
{
    px_buf b = {0};
    va_list ap;
    bool first = strchr(path, '?') == NULL;
    px_buf_append(&b, path, strlen(path));
    va_start(ap, path);
    for (;;) {
        const char *name = va_arg(ap, const char *);
        if (!name)
            break;
        const char *value = va_arg(ap, const char *);
        if (!value || !*value)
            continue;
        px_buf_append(&b, first ? "?" : "&", 1);
        first = false;
        px_url_encode(&b, name);
        px_buf_append(&b, "=", 1);
        px_url_encode(&b, value);
    }
    va_end(ap);
    px_buf_append(&b, "", 1);
    const char *out = b.data ? px_req_strdup(r, (const char *)b.data) : path;
    px_buf_free(&b);
    return out;
}

/* ---- numbers and dates ---------------------------------------------------------------- */

const char *px_req_num(px_req *r, double v, int decimals)
{
    char raw[40], out[80];
    if (!isfinite(v))
        return "–";
    if (decimals < 0)
        px_num_format(raw, v);
    else
        px_num_fixed(raw, v, decimals);
    bool ru = strcmp(px_req_lang(r), "en") != 0;
    const char *dot = strchr(raw, '.');
    const char *digits = raw[0] == '-' ? raw + 1 : raw;
    size_t intlen = dot ? (size_t)(dot - digits) : strlen(digits);
    size_t k = 0;
    if (raw[0] == '-')
        out[k++] = '-';
    bool group = intlen >= (ru ? 5u : 4u) && !strchr(raw, 'e');
    for (size_t i = 0; i < intlen && k + 4 < sizeof out; i++) {
        out[k++] = digits[i];
        size_t left = intlen - i - 1;
        if (group && left > 0 && left % 3 == 0) {
            if (ru) { /* U+202F narrow no-break space */
                out[k++] = (char)0xe2;
                out[k++] = (char)0x80;
                out[k++] = (char)0xaf;
            } else {
                out[k++] = ',';
            }
        }
    }
    if (dot) {
        out[k++] = ru ? ',' : '.';
        for (const char *p = dot + 1; *p && k + 1 < sizeof out; p++)
            out[k++] = *p;
    }
    out[k] = '\0';
    return px_req_strdup(r, out);
}

const char *px_req_int(px_req *r, long long v)
{
    return px_req_num(r, (double)v, 0);
}

const char *px_req_date(px_req *r, uint64_t ms, bool with_time)
{
    static const char *const months[] = {
        /* TRANSLATORS: month names as they are written after a day number
         * ("1 December 2026"): Russian uses the genitive ("декабря"). */
        PX_N_("January"),   PX_N_("February"), PX_N_("March"),    PX_N_("April"),
        PX_N_("May"),       PX_N_("June"),     PX_N_("July"),     PX_N_("August"),
        PX_N_("September"), PX_N_("October"),  PX_N_("November"), PX_N_("December")};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return "";
    const char *month = px_t(r, months[tm.tm_mon]);
    if (with_time)
        return px_req_printf(r, "%d %s %d, %02d:%02d UTC", tm.tm_mday, month, tm.tm_year + 1900,
                             tm.tm_hour, tm.tm_min);
    return px_req_printf(r, "%d %s %d", tm.tm_mday, month, tm.tm_year + 1900);
}

/* ---- the page skeleton --------------------------------------------------------------- */

void px_csrf_input(px_req *r)
{
    px_hf(r, "<input type=\"hidden\" name=\"" PX_WEB_CSRF_FIELD "\" value=\"%s\">", px_req_csrf(r));
}

typedef struct nav_item {
    const char *path, *label;
    int need; /* 0 everyone, 1 may publish, 2 secretariat */
} nav_item;

static const nav_item nav[] = {
    {"/", PX_N_("Home"), 0},
    {"/cases", PX_N_("Case studies"), 0},
    {"/indicators", PX_N_("Indicators"), 0},
    {"/compare", PX_N_("Compare"), 0},
    {"/trend", PX_N_("Trend"), 0},
    {"/aggregate", PX_N_("Aggregate"), 0},
    {"/publish", PX_N_("Publish"), 1},
    {"/members", PX_N_("Members"), 2},
    {"/network", PX_N_("Network"), 0},
};

static bool in_section(const char *path, const char *section)
{
    size_t n = strlen(section);
    if (strcmp(section, "/") == 0)
        return strcmp(path, "/") == 0;
    return strncmp(path, section, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

void px_page_begin(px_req *r, const char *title)
{
    const char *lang = px_req_lang(r);
    px_hf(r,
          "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<title>%s — praxis</title>"
          "<link rel=\"stylesheet\" href=\"/assets/app.css\">"
          "<script src=\"/assets/app.js\" defer></script>",
          lang, title);
    if (px_req_has_session(r))
        px_hf(r, "<meta name=\"csrf-token\" content=\"%s\">", px_req_csrf(r));
    px_hf(r,
          "</head><body><a class=\"skip\" href=\"#main\">%s</a>"
          "<header class=\"top\"><a class=\"brand\" href=\"/\">praxis</a>",
          px_t(r, "Skip to the content"));
    if (px_req_has_session(r)) {
        px_role role = px_req_my_role(r);
        bool may_publish = px_role_may_publish(role, "case"); /* the ledger's rule */
        bool secretariat = role == PX_ROLE_ROOT || role == PX_ROLE_SECRETARIAT;
        px_hf(r, "<nav aria-label=\"%s\"><ul>", px_t(r, "Main"));
        for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
            if ((nav[i].need == 1 && !may_publish) || (nav[i].need == 2 && !secretariat))
                continue;
            bool here = in_section(px_req_path(r), nav[i].path);
            if (here)
                px_hf(r, "<li><a href=\"%s\" aria-current=\"page\">%s</a></li>", nav[i].path,
                      px_t(r, nav[i].label));
            else
                px_hf(r, "<li><a href=\"%s\">%s</a></li>", nav[i].path, px_t(r, nav[i].label));
        }
        px_h(r, "</ul></nav>");
    }
    /* The language switch: plain links, so it works without script. */
    px_hf(r, "<ul class=\"langs\" aria-label=\"%s\">", px_t(r, "Interface language"));
    const char *self = px_req_self_url(r);
    for (size_t i = 0; i < px_i18n_count(); i++) {
        const char *l = px_i18n_lang(i);
        if (strcmp(l, lang) == 0)
            px_hf(r, "<li><span lang=\"%s\" aria-current=\"true\">%s</span></li>", l,
                  px_i18n_native(l));
        else
            px_hf(r, "<li><a lang=\"%s\" hreflang=\"%s\" href=\"%s\">%s</a></li>", l, l,
                  px_req_url(r, "/lang", "set", l, "back", self, NULL), px_i18n_native(l));
    }
    px_h(r, "</ul></header><main id=\"main\" tabindex=\"-1\">");
}

void px_page_end(px_req *r)
{
    px_h(r, "</main><footer class=\"foot\">");
    if (px_req_has_session(r)) {
        char key[65];
        px_hex_encode(key, px_req_me(r), 32);
        px_hf(r, "<p>%s <code>%.16s</code> · %s <span>%s</span></p>", px_t(r, "This node:"), key,
              px_t(r, "network"), px_web_network_name(r));
        px_h(r, "<form method=\"post\" action=\"/logout\">");
        px_csrf_input(r);
        px_hf(r, "<button type=\"submit\">%s</button></form>", px_t(r, "Sign out"));
    }
    px_h(r, "</footer></body></html>\n");
}

int px_page_message(px_req *r, int code, const char *title, const char *message)
{
    px_buf_reset(px_req_out(r));
    px_req_status(r, code);
    px_req_type(r, "text/html; charset=utf-8");
    px_page_begin(r, title);
    px_hf(r, "<h1>%s</h1><p class=\"message\">%s</p>", title, message);
    if (code == 401)
        px_hf(r, "<pre class=\"cmd\"><code>praxis ui</code></pre><p>%s</p>",
              px_t(r, "'praxis ui --url' only prints the link; 'praxis ui --new-token' makes a "
                      "new one and ends every session."));
    else if (px_req_has_session(r))
        px_hf(r, "<p><a href=\"/\">%s</a></p>", px_t(r, "Back to the home page"));
    px_page_end(r);
    return PX_OK;
}
