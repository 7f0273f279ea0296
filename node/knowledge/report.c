/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.c — the self-contained HTML report (see report.h).
 *
 * Layout: escaping and small writers; choosing the indicators; the bar
 * chart and table of a comparison; the line chart and table of a trend;
 * case-study summaries; the page. Charts are drawn from the JSON documents
 * of query.h, so the report shows exactly what `compare` and `trend` show.
 */
#include "report.h"

#include "error.h"
#include "html.h"
#include "records.h"
#include "tabular.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const palette[] = {"#1b6ca8", "#d1495b", "#2e933c", "#edae49",
                                      "#6a4c93", "#00798c", "#8d6a9f", "#3d405b"};
#define NPALETTE (sizeof palette / sizeof palette[0])

void px_html_escape(FILE *out, const char *s)
{
    /* The one escaping rule (html.h), which the web interface shares. */
    px_buf b = {0};
    if (!s)
        return;
    if (px_html_append(&b, s, strlen(s)) == PX_OK && b.len)
        fwrite(b.data, 1, b.len, out);
    px_buf_free(&b);
}

static void esc_key(FILE *out, const json_t *o, const char *key)
{
    px_html_escape(out, px_json_str(o, key, ""));
}

/* A JSON number as text ("" for null). */
static const char *num(char buf[32], const json_t *v)
{
    if (json_is_integer(v))
        snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        px_num_format(buf, json_real_value(v));
    else
        buf[0] = '\0';
    return buf;
}

static const char *num1(char buf[32], const json_t *v)
{
    if (!json_is_number(v)) {
        buf[0] = '\0';
        return buf;
    }
    return px_num_fixed(buf, json_number_value(v), 1);
}

/* ---- choosing the indicators -------------------------------------------------- */

typedef struct names {
    char **v;
    size_t n;
} names;

static int names_add(names *ns, const char *s)
{
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], s) == 0)
            return PX_OK;
    char **v = realloc(ns->v, (ns->n + 1) * sizeof *v);
    if (!v)
        return PX_ENOMEM;
    ns->v = v;
    ns->v[ns->n] = strdup(s);
    if (!ns->v[ns->n])
        return PX_ENOMEM;
    ns->n++;
    return PX_OK;
}

static bool names_has(const names *ns, const char *s)
{
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], s) == 0)
            return true;
    return false;
}

static void names_free(names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
}

/* Indicators with results, minus those an endorsed crosswalk converts into
 * another indicator that is shown. */
static int choose(const px_query *q, names *out)
{
    json_t *inds = NULL;
    names cand = {0}, covered = {0};
    size_t i;
    json_t *it;
    int rc = px_query_indicators(q, &inds);
    if (rc)
        return rc;
    json_array_foreach(json_object_get(inds, "indicators"), i, it)
    {
        if (json_integer_value(json_object_get(it, "results")) > 0 && !rc)
            rc = names_add(&cand, px_json_str(it, "code", ""));
    }
    for (i = 0; !rc && i < cand.n; i++) {
        json_t *cmp = NULL;
        size_t k;
        json_t *s;
        if (px_query_compare(q, cand.v[i], NULL, PX_BY_COUNTRY, &cmp) != PX_OK)
            continue;
        json_array_foreach(json_object_get(cmp, "sources"), k, s)
        {
            json_t *cw = json_object_get(s, "crosswalk");
            if (!rc && json_is_true(json_object_get(s, "endorsed")) && json_is_object(cw) &&
                !json_is_true(json_object_get(cw, "reverse")))
                rc = names_add(&covered, px_json_str(s, "indicator", ""));
        }
        json_decref(cmp);
    }
    for (i = 0; !rc && i < cand.n; i++)
        if (!names_has(&covered, cand.v[i]))
            rc = names_add(out, cand.v[i]);
    names_free(&cand);
    names_free(&covered);
    json_decref(inds);
    return rc;
}

/* ---- comparison ------------------------------------------------------------------ */

static void row_label(FILE *out, const json_t *row, const char *target)
{
    esc_key(out, row, "group");
    const char *ind = px_json_str(row, "indicator", NULL);
    if (ind && strcmp(ind, target) != 0) {
        fputs(" (", out);
        px_html_escape(out, ind);
        fputc(')', out);
    }
}

static void bar_chart(FILE *out, const json_t *cmp, const char *target)
{
    const json_t *rows = json_object_get(cmp, "rows");
    size_t n = json_array_size(rows), i;
    const json_t *row;
    enum { LEFT = 250, BAR = 380, ROW = 26, TOP = 28 };
    int height = TOP + (int)n * ROW + 10;
    char b1[32], b2[32];
    fprintf(out,
            "<svg class=\"px-chart px-bar\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"760\" height=\"%d\" viewBox=\"0 0 760 %d\">\n",
            height, height);
    fputs("<title>", out);
    px_html_escape(out, target);
    fputs(": results rescaled to 0-100</title>\n", out);
    for (int t = 0; t <= 100; t += 25) {
        int x = LEFT + t * BAR / 100;
        fprintf(out,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>"
                "<text x=\"%d\" y=\"16\" class=\"tick\" text-anchor=\"middle\">%d</text>\n",
                x, TOP - 6, x, height - 6, x, t);
    }
    json_array_foreach(rows, i, row)
    {
        int y = TOP + (int)i * ROW;
        fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"label\" text-anchor=\"end\">", LEFT - 8,
                y + 17);
        row_label(out, row, target);
        fputs("</text>\n", out);
        const json_t *c100 = json_object_get(row, "converted_100");
        if (json_is_true(json_object_get(row, "missing"))) {
            fprintf(out,
                    "<text x=\"%d\" y=\"%d\" class=\"missing\">no result for this period "
                    "(latest: ",
                    LEFT + 6, y + 17);
            esc_key(out, row, "latest_period");
            fputs(")</text>\n", out);
        } else if (!json_is_true(json_object_get(row, "comparable")) || !json_is_number(c100)) {
            fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"nc\">not comparable: ", LEFT + 6, y + 17);
            esc_key(out, row, "note");
            fputs("</text>\n", out);
        } else {
            double v = json_number_value(c100);
            double w = v < 0 ? 0 : v > 100 ? 100 : v;
            fprintf(out,
                    "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                    "fill=\"%s\"><title>",
                    LEFT, y + 4, w * BAR / 100.0, ROW - 8,
                    json_is_true(json_object_get(row, "illustrative")) ? "#9fb8cc" : palette[0]);
            row_label(out, row, target);
            fprintf(out, ": %s of 100 (%s on %s–%s)</title></rect>\n", num1(b1, c100),
                    num(b2, json_object_get(row, "value")),
                    num((char[32]){0}, json_object_get(row, "scale_min")),
                    num((char[32]){0}, json_object_get(row, "scale_max")));
            fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"value\">%s</text>\n",
                    LEFT + w * BAR / 100.0 + 6, y + 17, b1);
        }
    }
    fputs("</svg>\n", out);
}

static void flags_cell(FILE *out, const json_t *row)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(row, "flags"), i, f)
    {
        if (i)
            fputs(", ", out);
        px_html_escape(out, json_string_value(f));
    }
    const char *note = px_json_str(row, "note", NULL);
    if (note) {
        fputs(i ? "; " : "", out);
        px_html_escape(out, note);
    }
}

static void compare_table(FILE *out, const json_t *cmp, const char *target)
{
    size_t i;
    const json_t *row;
    char b[32];
    fputs("<table><thead><tr><th>group</th><th>value</th><th>scale</th><th>0–100</th>"
          "<th>on the scale of ",
          out);
    px_html_escape(out, target);
    fputs("</th><th>n</th><th>CI</th><th>method</th><th>period</th><th>source node</th>"
          "<th>flags</th></tr></thead><tbody>\n",
          out);
    json_array_foreach(json_object_get(cmp, "rows"), i, row)
    {
        bool missing = json_is_true(json_object_get(row, "missing"));
        fprintf(out, "<tr class=\"%s\"><td>", missing ? "missing" : "");
        row_label(out, row, target);
        fprintf(out, "</td><td class=\"num\">%s</td>",
                missing ? "—" : num(b, json_object_get(row, "value")));
        fputs("<td>", out);
        if (json_is_number(json_object_get(row, "scale_min"))) {
            fputs(num(b, json_object_get(row, "scale_min")), out);
            fputs("–", out);
            fputs(num(b, json_object_get(row, "scale_max")), out);
        }
        fprintf(out, "</td><td class=\"num\">%s</td>", num1(b, json_object_get(row, "value_100")));
        fprintf(out, "<td class=\"num\">%s</td>", num(b, json_object_get(row, "converted")));
        fprintf(out, "<td class=\"num\">%s</td><td>", num(b, json_object_get(row, "n")));
        if (json_is_number(json_object_get(row, "ci_low"))) {
            fputs(num(b, json_object_get(row, "ci_low")), out);
            fputs("–", out);
            fputs(num(b, json_object_get(row, "ci_high")), out);
        }
        fputs("</td><td>", out);
        esc_key(out, row, "method");
        fputs("</td><td>", out);
        esc_key(out, row, missing ? "latest_period" : "period");
        fputs("</td><td class=\"key\">", out);
        const char *author = px_json_str(row, "author", "");
        fprintf(out, "%.16s", author);
        fputs("</td><td>", out);
        flags_cell(out, row);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

/* ---- trend -------------------------------------------------------------------- */

static int cmp_period_str(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    px_period x = {0}, y = {0};
    px_period_parse(a, strlen(a), &x);
    px_period_parse(b, strlen(b), &y);
    return px_period_cmp(&x, &y);
}

static int period_index(const char **periods, size_t n, const char *p)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(periods[i], p) == 0)
            return (int)i;
    return -1;
}

static int line_chart(FILE *out, const json_t *trend, const char *target)
{
    const json_t *series = json_object_get(trend, "series");
    size_t si, pi, np = 0, cap = 0;
    const json_t *s, *p;
    const char **periods = NULL;
    json_array_foreach(series, si, s) json_array_foreach(json_object_get(s, "points"), pi, p)
    {
        const char *per = px_json_str(p, "period", NULL);
        if (!per || period_index(periods, np, per) >= 0)
            continue;
        if (np == cap) {
            cap = cap ? cap * 2 : 16;
            const char **v = realloc(periods, cap * sizeof *v);
            if (!v) {
                free(periods);
                return PX_ENOMEM;
            }
            periods = v;
        }
        periods[np++] = per;
    }
    qsort(periods, np, sizeof *periods, cmp_period_str);
    enum { X0 = 60, X1 = 600, Y0 = 20, Y1 = 250, W = 760 };
    int legend_h = 20 * (int)json_array_size(series);
    int height = Y1 + 40 + legend_h;
#define XPOS(i) (np > 1 ? X0 + (double)(i) * (X1 - X0) / (double)(np - 1) : (X0 + X1) / 2.0)
#define YPOS(v) (Y1 - (v) * (Y1 - Y0) / 100.0)
    fprintf(out,
            "<svg class=\"px-chart px-line\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n<title>",
            W, height, W, height);
    px_html_escape(out, target);
    fputs(": series by period, rescaled to 0-100</title>\n", out);
    for (int t = 0; t <= 100; t += 25)
        fprintf(out,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>"
                "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%d</text>\n",
                X0, YPOS(t), X1, YPOS(t), X0 - 6, YPOS(t) + 4, t);
    for (size_t i = 0; i < np; i++) {
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">", XPOS(i),
                Y1 + 18);
        px_html_escape(out, periods[i]);
        fputs("</text>\n", out);
    }
    json_array_foreach(series, si, s)
    {
        const char *colour = palette[si % NPALETTE];
        bool open = false;
        json_array_foreach(json_object_get(s, "points"), pi, p)
        {
            const json_t *v = json_object_get(p, "converted_100");
            int xi = period_index(periods, np, px_json_str(p, "period", ""));
            bool brk = json_is_true(json_object_get(p, "break"));
            if (brk && open) {
                fputs("\"/>\n", out);
                open = false;
            }
            if (!json_is_number(v) || xi < 0)
                continue;
            if (!open) {
                fprintf(out,
                        "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" "
                        "stroke-width=\"2\" points=\"",
                        colour);
                open = true;
            }
            fprintf(out, "%.1f,%.1f ", XPOS(xi), YPOS(json_number_value(v)));
        }
        if (open)
            fputs("\"/>\n", out);
        json_array_foreach(json_object_get(s, "points"), pi, p)
        {
            const json_t *v = json_object_get(p, "converted_100");
            int xi = period_index(periods, np, px_json_str(p, "period", ""));
            char b[32];
            if (!json_is_number(v) || xi < 0)
                continue;
            bool brk = json_is_true(json_object_get(p, "break"));
            if (brk)
                fprintf(out,
                        "<line class=\"break\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                        "stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>\n",
                        XPOS(xi) - 8, Y0, XPOS(xi) - 8, Y1);
            fprintf(out,
                    "<circle class=\"point%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" "
                    "stroke=\"%s\"><title>",
                    brk ? " break" : "", XPOS(xi), YPOS(json_number_value(v)),
                    brk ? "#fff" : colour, brk ? "#c0392b" : colour);
            esc_key(out, s, "group");
            fputs(" ", out);
            esc_key(out, p, "period");
            fprintf(out, ": %s of 100 (", num1(b, v));
            esc_key(out, p, "indicator");
            fprintf(out, " %s)", num(b, json_object_get(p, "value")));
            if (brk) {
                fputs("; break: ", out);
                esc_key(out, p, "break_reason");
            }
            fputs("</title></circle>\n", out);
        }
        int ly = Y1 + 40 + (int)si * 20;
        fprintf(out,
                "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>"
                "<text x=\"%d\" y=\"%d\" class=\"label\">",
                X0, ly - 6, colour, X0 + 20, ly);
        esc_key(out, s, "group");
        fputs("</text>\n", out);
    }
#undef XPOS
#undef YPOS
    fputs("</svg>\n", out);
    free(periods);
    return PX_OK;
}

static void trend_table(FILE *out, const json_t *trend)
{
    size_t si, pi;
    const json_t *s, *p;
    char b[32];
    fputs("<table><thead><tr><th>series</th><th>period</th><th>indicator</th><th>value</th>"
          "<th>0–100</th><th>n</th><th>status</th><th>break</th></tr></thead><tbody>\n",
          out);
    json_array_foreach(json_object_get(trend, "series"), si, s)
        json_array_foreach(json_object_get(s, "points"), pi, p)
    {
        bool brk = json_is_true(json_object_get(p, "break"));
        fprintf(out, "<tr class=\"%s\"><td>", brk ? "break" : "");
        esc_key(out, s, "group");
        fputs("</td><td>", out);
        esc_key(out, p, "period");
        fputs("</td><td>", out);
        esc_key(out, p, "indicator");
        fprintf(out, "</td><td class=\"num\">%s</td>", num(b, json_object_get(p, "value")));
        fprintf(out, "<td class=\"num\">%s</td>", num1(b, json_object_get(p, "converted_100")));
        fprintf(out, "<td class=\"num\">%s</td><td>", num(b, json_object_get(p, "n")));
        esc_key(out, p, "status");
        fputs("</td><td>", out);
        if (brk)
            esc_key(out, p, "break_reason");
        const char *note = px_json_str(p, "note", NULL);
        if (note) {
            fputs(brk ? "; " : "", out);
            px_html_escape(out, note);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

/* ---- cases ---------------------------------------------------------------------- */

static int cases_section(const px_query *q, const px_report_opts *o, FILE *out)
{
    px_case_filter f = {.country = o->country, .limit = o->max_cases ? o->max_cases : 20};
    json_t *res = NULL;
    size_t i;
    json_t *c;
    int rc = px_query_cases(q, &f, &res);
    if (rc)
        return rc;
    fputs("<h2>Case studies</h2>\n", out);
    if (json_array_size(json_object_get(res, "cases")) == 0)
        fputs("<p class=\"none\">No case studies are held.</p>\n", out);
    json_array_foreach(json_object_get(res, "cases"), i, c)
    {
        char b[32];
        fputs("<article class=\"case\"><h3>", out);
        esc_key(out, c, "title");
        fputs("</h3>\n<p class=\"meta\">", out);
        esc_key(out, c, "country");
        fputs(" · ", out);
        esc_key(out, c, "stage");
        if (json_is_integer(json_object_get(c, "start_year"))) {
            fprintf(out, " · %s", num(b, json_object_get(c, "start_year")));
            if (json_is_integer(json_object_get(c, "end_year")))
                fprintf(out, "–%s", num(b, json_object_get(c, "end_year")));
        }
        if (px_json_str(c, "centre", NULL)) {
            fputs(" · ", out);
            esc_key(out, c, "centre");
        }
        if (json_is_true(json_object_get(c, "illustrative")))
            fputs(" · <span class=\"ill\">illustrative</span>", out);
        if (json_integer_value(json_object_get(c, "older_versions")) > 0)
            fprintf(out, " · version %s", num(b, json_object_get(c, "version")));
        fputs("</p>\n<p>", out);
        esc_key(out, c, "summary");
        fputs("</p>\n", out);
        size_t k;
        json_t *t;
        if (json_array_size(json_object_get(c, "tags"))) {
            fputs("<p class=\"tags\">", out);
            json_array_foreach(json_object_get(c, "tags"), k, t)
            {
                fputs("<span class=\"tag\">", out);
                px_html_escape(out, json_string_value(t));
                fputs("</span> ", out);
            }
            fputs("</p>\n", out);
        }
        fputs("<p class=\"key\">entry ", out);
        esc_key(out, c, "id");
        fputs("</p></article>\n", out);
    }
    size_t total = (size_t)json_integer_value(json_object_get(res, "total"));
    if (total > json_array_size(json_object_get(res, "cases")))
        fprintf(out, "<p class=\"none\">%zu of %zu case studies shown.</p>\n",
                json_array_size(json_object_get(res, "cases")), total);
    json_decref(res);
    return PX_OK;
}

/* ---- the page ------------------------------------------------------------------- */

static const char style[] =
    "body{font-family:sans-serif;margin:2em auto;max-width:64em;color:#222;line-height:1.4}"
    "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}"
    "table{border-collapse:collapse;font-size:.85em;margin:1em 0}"
    "th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}"
    "td.num{text-align:right}tr.missing td{color:#888}tr.break td{background:#fdf0ef}"
    ".key{font-family:monospace;font-size:.8em;color:#666}"
    ".px-chart text{font-size:12px;fill:#333}.px-chart .tick{fill:#777;font-size:11px}"
    ".px-chart .grid{stroke:#e3e3e3}.px-chart .missing,.px-chart .nc{fill:#888;"
    "font-style:italic}.case{border-left:3px solid #1b6ca8;padding-left:1em;margin:1.5em 0}"
    ".meta{color:#555;font-size:.9em}.tag{background:#eef3f7;border-radius:3px;"
    "padding:0 .4em;font-size:.85em}.ill{color:#a0522d}.none{color:#666}";

int px_report_html(const px_query *q, const px_report_opts *o, FILE *out)
{
    names chosen = {0};
    int rc = PX_OK;
    char when[40];
    time_t t = (time_t)(o->generated_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
    if (o->indicators) {
        for (size_t i = 0; !rc && i < o->nindicators; i++)
            rc = names_add(&chosen, o->indicators[i]);
    } else {
        rc = choose(q, &chosen);
    }
    if (rc) {
        names_free(&chosen);
        return rc;
    }
    const char *title = o->title ? o->title : "praxis report";
    fputs("<!DOCTYPE html>\n<html lang=\"", out);
    px_html_escape(out, q->lang && px_lang_valid(q->lang, strlen(q->lang)) ? q->lang : "en");
    fputs("\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          out);
    px_html_escape(out, title);
    fprintf(out, "</title>\n<style>%s</style></head><body>\n<h1>", style);
    px_html_escape(out, title);
    fputs("</h1>\n<p class=\"meta\">", out);
    if (o->network) {
        fputs("Network ", out);
        px_html_escape(out, o->network);
        fputs(" · ", out);
    }
    fprintf(out,
            "generated %s from this node's replica. Values are rescaled to 0–100 by "
            "their indicators' scale endpoints and converted through the secretariat's "
            "crosswalks; lighter bars and the flag <em>illustrative</em> mark made-up "
            "demonstration data; a missing value is never drawn as zero.</p>\n",
            when);
    if (chosen.n == 0)
        fputs("<p class=\"none\">No benchmark results are held.</p>\n", out);
    for (size_t i = 0; !rc && i < chosen.n; i++) {
        json_t *cmp = NULL, *trend = NULL;
        const char *code = chosen.v[i];
        rc = px_query_compare(q, code, o->period, o->by, &cmp);
        if (!rc)
            rc = px_query_trend(q, code, o->country, &trend);
        if (!rc) {
            const json_t *ind = json_object_get(cmp, "indicator");
            char b1[32], b2[32];
            fputs("<section class=\"indicator\"><h2>", out);
            esc_key(out, ind, "name");
            fputs(" <span class=\"key\">", out);
            px_html_escape(out, code);
            fprintf(out, "</span></h2>\n<p class=\"meta\">scale %s–%s",
                    num(b1, json_object_get(ind, "scale_min")),
                    num(b2, json_object_get(ind, "scale_max")));
            if (px_json_str(ind, "unit", NULL)) {
                fputs(" ", out);
                esc_key(out, ind, "unit");
            }
            fputs(json_is_true(json_object_get(ind, "higher_is_better")) ? ", higher is better"
                                                                         : ", lower is better",
                  out);
            fputs("</p>\n<h3>Comparison by ", out);
            esc_key(out, cmp, "by");
            fputs(", ", out);
            if (px_json_str(cmp, "period", NULL))
                esc_key(out, cmp, "period");
            else
                fputs("no results", out);
            fputs("</h3>\n", out);
            bar_chart(out, cmp, code);
            compare_table(out, cmp, code);
            fputs("<h3>Trend</h3>\n", out);
            rc = line_chart(out, trend, code);
            trend_table(out, trend);
            fputs("</section>\n", out);
        }
        json_decref(cmp);
        json_decref(trend);
    }
    if (!rc)
        rc = cases_section(q, o, out);
    if (!rc)
        fputs("</body></html>\n", out);
    names_free(&chosen);
    if (!rc && (fflush(out) != 0 || ferror(out)))
        rc = px_err_set(PX_EIO, "cannot write the report");
    return rc;
}
