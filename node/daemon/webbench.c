/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webbench.c — indicators and benchmark results: /indicators,
 * /indicators/CODE, /compare (bar chart on 0–100 and its table), /trend
 * (line chart, breaks marked), /aggregate (n-weighted and unweighted),
 * /export, and their /api/ twins. Every view downloads as CSV, JSON and
 * SDMX-CSV exactly as shown (?format=), and its URL is its state.
 *
 * Charts are SVG written here, server-side, with presentation attributes
 * and classes only (the CSP allows no inline style), each with its table.
 */
#include "error.h"
#include "export.h"
#include "index.h"
#include "query.h"
#include "records.h"
#include "tabular.h"
#include "util.h"
#include "views.h"
#include "web.h"
#include "webint.h"
#include "webpublish.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static double jnum(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *num_or_dash(px_req *r, const json_t *o, const char *k, int decimals)
{
    double v = jnum(o, k);
    return isfinite(v) ? px_req_num(r, v, decimals) : "–";
}

/* ---- pickers -------------------------------------------------------------------- */

/* The indicator codes held (live), for the pickers. OUT: new ref. */
static json_t *indicator_list(px_req *r)
{
    px_query q = px_req_query(r);
    json_t *res = NULL;
    /* Counting every indicator's results is the dearest part of a compare
     * page over a million results: kept until the store changes. */
    const char *key = px_req_printf(r, "indicators\x1f%s", q.lang ? q.lang : "");
    json_t *list = px_req_cache_get(r, key);
    if (list)
        return list;
    if (!q.store || px_query_indicators(&q, &res) != PX_OK)
        return json_array();
    list = json_incref(json_object_get(res, "indicators"));
    json_decref(res);
    if (list)
        px_req_cache_put(r, key, list);
    return list ? list : json_array();
}

static void indicator_select(px_req *r, const json_t *list, const char *current, bool required)
{
    size_t i;
    const json_t *ind;
    px_hf(r, "<label>%s<select name=\"indicator\"%s><option value=\"\">%s</option>",
          px_t(r, "Indicator"), required ? " required" : "",
          required ? px_t(r, "choose…") : px_t(r, "all"));
    const char *last = NULL;
    json_array_foreach(list, i, ind)
    {
        const char *code = jstr(ind, "code");
        if (!code || (last && strcmp(last, code) == 0)) /* versions: once per code */
            continue;
        last = code;
        px_hf(r, "<option value=\"%s\"%s>%s — %.60s</option>", code,
              current && strcmp(current, code) == 0 ? " selected" : "", code,
              jstr(ind, "name") ? jstr(ind, "name") : "");
    }
    px_h(r, "</select></label>");
}

static int period_option(void *ctx, const char *period)
{
    px_hf(ctx, "<option value=\"%s\">", period);
    return PX_OK;
}

/* A period input with the periods the indicator has results for. */
static void period_input(px_req *r, const char *indicator, const char *current, bool required)
{
    px_hf(r,
          "<label>%s<input name=\"period\" value=\"%s\" list=\"periods\" size=\"9\" "
          "placeholder=\"2018, 2018-Q1\"%s></label><datalist id=\"periods\">",
          required ? px_t(r, "Period") : px_t(r, "Period (empty: the latest)"),
          current ? current : "", required ? " required" : "");
    px_store *s = px_req_store(r);
    if (indicator && s)
        px_view_periods(s, indicator, 60, period_option, r);
    px_h(r, "</datalist>");
}

static void by_select(px_req *r, const char *current, bool network)
{
    static const char *const bys[] = {"network", "country", "centre", "service"};
    static const char *const labels[] = {PX_N_("the whole network"), PX_N_("country"),
                                         PX_N_("centre"), PX_N_("service")};
    px_hf(r, "<label>%s<select name=\"by\">", px_t(r, "Group by"));
    for (size_t i = network ? 0 : 1; i < 4; i++)
        px_hf(r, "<option value=\"%s\"%s>%s</option>", bys[i],
              current && strcmp(current, bys[i]) == 0 ? " selected" : "", px_t(r, labels[i]));
    px_h(r, "</select></label>");
}

static void downloads(px_req *r, const char *path, const char *const *args)
{
    static const char *const formats[] = {"csv", "json", "sdmx-csv", "sdmx-csv2"};
    static const char *const names[] = {"CSV", "JSON", "SDMX-CSV", "SDMX-CSV 2.0"};
    /* px_req_url stops at the first NULL name: the pairs given are packed
     * first so that "format" follows the last of them. */
    const char *a[10] = {0};
    size_t n = 0;
    for (size_t i = 0; i + 1 < 8; i += 2)
        if (args[i]) {
            a[n++] = args[i];
            a[n++] = args[i + 1];
        }
    px_hf(r, "<p class=\"downloads\"><span>%s</span>", px_t(r, "Download this view:"));
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        a[n] = "format";
        a[n + 1] = formats[i];
        px_hf(r, " <a href=\"%s\" download>%s</a>",
              px_req_url(r, path, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], NULL),
              names[i]);
    }
    px_hf(r, " · <a href=\"%s\">%s</a></p>",
          px_req_url(r, path, args[0], args[1], args[2], args[3], args[4], args[5], args[6],
                     args[7], NULL),
          px_t(r, "link to this view"));
}

/* An indicator's version as written: 2 or "1.2.0" (RECORDS.md). */
static const char *version_text(px_req *r, const json_t *ind)
{
    const json_t *v = json_object_get(ind, "version");
    if (json_is_string(v))
        return json_string_value(v);
    return px_req_printf(r, "%lld", (long long)json_integer_value(v));
}

/* The indicator heading of compare/trend/aggregate. */
static void indicator_head(px_req *r, const json_t *ind)
{
    const char *code = jstr(ind, "code");
    px_hf(r, "<h2>%s <a href=\"%s\">%s</a> v%s</h2>", jstr(ind, "name") ? jstr(ind, "name") : "",
          px_req_url(r, px_req_printf(r, "/indicators/%s", code ? code : ""), NULL), code,
          version_text(r, ind));
    px_hf(r, "<p class=\"dim\">%s %s–%s", px_t(r, "Scale"), num_or_dash(r, ind, "scale_min", -1),
          num_or_dash(r, ind, "scale_max", -1));
    if (jstr(ind, "unit"))
        px_hf(r, " %s", jstr(ind, "unit"));
    px_hf(r, " · %s",
          json_is_false(json_object_get(ind, "higher_is_better")) ? px_t(r, "lower is better")
                                                                  : px_t(r, "higher is better"));
    if (jstr(ind, "measure_type"))
        px_hf(r, " · %s", jstr(ind, "measure_type"));
    px_h(r, "</p>");
}

/* ---- CSV of a view ----------------------------------------------------------------- */

static int send_csv(px_req *r, const json_t *rows, const char *const *cols, size_t n,
                    const char *name)
{
    FILE *f = tmpfile();
    if (!f)
        return px_err_set(PX_EIO, "cannot make a temporary file for the download");
    px_csv_header(f, cols, n);
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row) px_csv_row(f, row, cols, n);
    px_req_type(r, "text/csv; charset=utf-8");
    px_req_download(r, name);
    return px_req_send_file(r, f);
}

/* SDMX-CSV of a view: 1.0, or 2.0 when v2. */
static int send_sdmx(px_req *r, const json_t *rows, const json_t *ind, const char *name, bool v2)
{
    FILE *f = tmpfile();
    if (!f)
        return px_err_set(PX_EIO, "cannot make a temporary file for the download");
    fprintf(f, "%s\r\n", v2 ? px_export_sdmx2_header : px_export_sdmx_header);
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (!json_is_number(json_object_get(row, "value")))
            continue; /* missing: SDMX has no row for it */
        json_t *copy = json_copy((json_t *)row);
        if (!copy)
            continue;
        if (!json_object_get(copy, "unit") && jstr(ind, "unit"))
            json_object_set_new(copy, "unit", json_string(jstr(ind, "unit")));
        if (v2)
            px_export_sdmx2_row(f, copy);
        else
            px_export_sdmx_row(f, copy);
        json_decref(copy);
    }
    px_req_type(r, "text/csv; charset=utf-8");
    px_req_download(r, name);
    return px_req_send_file(r, f);
}

static int send_json_download(px_req *r, const json_t *doc, const char *name)
{
    int rc = px_req_json(r, doc);
    px_req_download(r, name);
    return rc;
}

/* A view's download in format fmt (want_format: 1 CSV of rows in cols, 2
 * the query's JSON document, 3-4 SDMX-CSV of rows), exactly as shown. */
static int send_download(px_req *r, int fmt, const json_t *res, const json_t *rows,
                         const char *const *cols, size_t ncols, const char *name)
{
    return fmt == 1   ? send_csv(r, rows, cols, ncols, name)
           : fmt == 2 ? send_json_download(r, res, name)
                      : send_sdmx(r, rows, json_object_get(res, "indicator"), name, fmt == 4);
}

/* A view's query answer rc for its page: what the query refuses in what
 * was asked (nothing found, not valid) becomes *err, shown on the page; a
 * download (fmt) has no page, so for it that is the error. */
static int page_answer(px_req *r, int rc, int fmt, const char **err)
{
    if (rc != PX_ENOENT && rc != PX_EINVAL)
        return rc;
    if (fmt)
        return rc;
    *err = px_req_strdup(r, px_err_message(rc));
    return PX_OK;
}

/* What ?format= asks for: 0 the page, 1 csv, 2 json, 3 sdmx-csv, 4 sdmx-csv2. */
static int want_format(px_req *r, int *fmt)
{
    const char *f = px_req_arg(r, "format");
    *fmt = 0;
    if (!f || !*f || strcmp(f, "html") == 0)
        return PX_OK;
    if (strcmp(f, "csv") == 0)
        *fmt = 1;
    else if (strcmp(f, "json") == 0)
        *fmt = 2;
    else if (strcmp(f, "sdmx-csv") == 0)
        *fmt = 3;
    else if (strcmp(f, "sdmx-csv2") == 0)
        *fmt = 4;
    else
        return px_err_set(PX_EINVAL, "format must be csv, json, sdmx-csv or sdmx-csv2");
    return PX_OK;
}

/* A file name for a download: view-indicator-period.ext */
static const char *dl_name(px_req *r, const char *view, const char *code, const char *period,
                           int fmt)
{
    return px_req_printf(r, "%s-%s%s%s.%s", view, code ? code : "", period ? "-" : "",
                         period ? period : "", fmt == 2 ? "json" : "csv");
}

/* ---- indicators --------------------------------------------------------------------- */

int px_api_indicators(px_req *r)
{
    px_query q = px_req_query(r);
    json_t *res = NULL;
    if (!q.store)
        return PX_ESTORE;
    int rc = px_query_indicators(&q, &res);
    if (!rc)
        rc = px_req_json(r, res);
    json_decref(res);
    return rc;
}

int px_page_indicators(px_req *r)
{
    json_t *list = indicator_list(r), *ind;
    size_t i;
    px_page_begin(r, px_t(r, "Indicators"));
    px_hf(r, "<h1>%s</h1>", px_t(r, "Indicators"));
    if (json_array_size(list) == 0) {
        px_hf(r, "<p>%s</p>", px_t(r, "No indicator definitions are held yet."));
    } else {
        px_hf(r,
              "<div class=\"table-wrap\"><table><caption>%s</caption><thead><tr>"
              "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
              "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
              "<th scope=\"col\" class=\"num\">%s</th></tr></thead><tbody>",
              px_t(r, "Indicator definitions held, with their scales"), px_t(r, "Code"),
              px_t(r, "Name"), px_t(r, "Domain"), px_t(r, "Scale"), px_t(r, "Measure"),
              px_t(r, "Results"));
        json_array_foreach(list, i, ind)
        {
            const char *code = jstr(ind, "code");
            px_hf(r, "<tr><td><a href=\"%s\">%s</a> v%s</td><td>%s",
                  px_req_url(r, px_req_printf(r, "/indicators/%s", code ? code : ""), NULL), code,
                  version_text(r, ind), jstr(ind, "name") ? jstr(ind, "name") : "");
            if (json_is_true(json_object_get(ind, "illustrative")))
                px_hf(r, " <span class=\"badge\">%s</span>", px_t(r, "illustrative"));
            px_hf(r,
                  "</td><td>%s</td><td>%s–%s %s %s</td><td>%s</td><td class=\"num\">%s</td>"
                  "</tr>",
                  jstr(ind, "domain") ? jstr(ind, "domain") : "",
                  num_or_dash(r, ind, "scale_min", -1), num_or_dash(r, ind, "scale_max", -1),
                  jstr(ind, "unit") ? jstr(ind, "unit") : "",
                  json_is_false(json_object_get(ind, "higher_is_better")) ? "↓" : "↑",
                  jstr(ind, "measure_type") ? jstr(ind, "measure_type") : "",
                  px_req_int(r, (long long)json_integer_value(json_object_get(ind, "results"))));
        }
        px_h(r, "</tbody></table></div>");
    }
    px_hf(r, "<p class=\"downloads\"><a href=\"/api/indicators\">%s</a></p>",
          px_t(r, "This list as JSON"));
    px_page_end(r);
    json_decref(list);
    return PX_OK;
}

static void def_text(px_req *r, const px_web_record *rec, const char *field, const char *label)
{
    char *text = NULL, *got = NULL;
    const msgpack_object *m = px_record_get(&rec->up.data, field);
    if (!m || px_langmap_pick_dup(m, px_req_rec_lang(r), &text, &got) != PX_OK)
        return;
    px_hf(r, "<div><dt>%s</dt><dd class=\"text\" lang=\"%s\">%s</dd></div>", label, got ? got : "",
          text);
    free(text);
    free(got);
}

int px_page_indicator(px_req *r)
{
    const char *code = px_req_param(r);
    px_store *s = px_req_store(r);
    px_indicator ind;
    uint8_t id[32];
    if (!s)
        return PX_ESTORE;
    if (!code || !px_code_valid(code, strlen(code)))
        return px_err_set(PX_ENOENT, "%s", px_t(r, "This is not an indicator code."));
    int rc = px_index_indicator(s, code, 0, &ind, id);
    if (rc == PX_ENOENT)
        return px_err_set(PX_ENOENT, "%s", px_t(r, "No definition of this indicator is held."));
    if (rc)
        return rc;
    px_indicator_free(&ind);
    px_web_record rec = {0};
    rc = px_web_record_load(r, id, "indicator", &rec);
    if (rc) {
        px_web_record_free(&rec);
        return rc;
    }
    char *name = NULL, *nlang = NULL;
    px_langmap_pick_dup(px_record_get(&rec.up.data, "name"), px_req_rec_lang(r), &name, &nlang);
    px_page_begin(r, code);
    px_hf(r, "<h1>%s <span class=\"dim\">%s</span></h1>", name ? name : code, code);
    px_h(r, "<dl class=\"facts\">");
    px_indicator d;
    if (px_indicator_decode(rec.e.body, rec.e.body_len, &d) == PX_OK) {
        px_hf(r, "<div><dt>%s</dt><dd>%s</dd></div>", px_t(r, "Version"), d.version_text);
        px_hf(r, "<div><dt>%s</dt><dd>%s–%s%s%s · %s</dd></div>", px_t(r, "Scale"),
              px_req_num(r, d.scale_min, -1), px_req_num(r, d.scale_max, -1), d.unit ? " " : "",
              d.unit ? d.unit : "",
              d.higher_is_better ? px_t(r, "higher is better") : px_t(r, "lower is better"));
        px_hf(r, "<div><dt>%s</dt><dd>%s</dd></div>", px_t(r, "Measure"), d.measure_type);
        if (d.domain)
            px_hf(r, "<div><dt>%s</dt><dd>%s</dd></div>", px_t(r, "Domain"), d.domain);
        if (d.illustrative)
            px_hf(r, "<div><dt>%s</dt><dd><span class=\"badge\">%s</span></dd></div>",
                  px_t(r, "Data"), px_t(r, "illustrative"));
        px_indicator_free(&d);
    }
    px_h(r, "</dl><dl class=\"definition\">");
    def_text(r, &rec, "description", px_t(r, "Definition"));
    def_text(r, &rec, "question", px_t(r, "Question wording"));
    def_text(r, &rec, "unit_of_analysis", px_t(r, "Unit of analysis"));
    def_text(r, &rec, "aggregation", px_t(r, "Aggregation"));
    def_text(r, &rec, "methodology", px_t(r, "Methodology"));
    px_h(r, "</dl>");
    /* Latest results by country, and the crosswalks (compare's sources). */
    px_query q = px_req_query(r);
    json_t *cmp = NULL;
    if (px_query_compare(&q, code, NULL, PX_BY_COUNTRY, &cmp) == PX_OK) {
        json_t *sources = json_object_get(cmp, "sources"), *src, *row;
        size_t i;
        px_hf(r, "<h2>%s</h2>", px_t(r, "Crosswalks"));
        bool any = false;
        json_array_foreach(sources, i, src)
        {
            json_t *cw = json_object_get(src, "crosswalk");
            if (!json_is_object(cw))
                continue;
            if (!any)
                px_h(r, "<ul>");
            any = true;
            px_hf(r, "<li><a href=\"%s\">%s</a> · %s %s · %s</li>",
                  px_req_url(r, px_req_printf(r, "/indicators/%s", jstr(src, "indicator")), NULL),
                  jstr(src, "indicator"), px_t(r, "grade"), jstr(cw, "grade"),
                  json_is_true(json_object_get(src, "endorsed"))
                      ? px_t(r, "endorsed by the secretariat")
                      : px_t(r, "not endorsed: its results are not comparable"));
        }
        px_hf(r, any ? "</ul>" : "<p>%s</p>", px_t(r, "None declared."));
        px_hf(r, "<h2>%s %s</h2>", px_t(r, "Latest results by country:"),
              jstr(cmp, "period") ? jstr(cmp, "period") : "–");
        px_hf(r,
              "<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">%s</th>"
              "<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
              "<th scope=\"col\" class=\"num\">0–100</th><th scope=\"col\" class=\"num\">n</th>"
              "</tr></thead><tbody>",
              px_t(r, "Country"), px_t(r, "Period"), px_t(r, "Value"));
        json_array_foreach(json_object_get(cmp, "rows"), i, row)
        {
            bool missing = json_is_true(json_object_get(row, "missing"));
            px_hf(r,
                  "<tr><td>%s</td><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                  "<td class=\"num\">%s</td></tr>",
                  jstr(row, "group"), missing ? jstr(row, "latest_period") : jstr(row, "period"),
                  missing ? px_t(r, "no result") : num_or_dash(r, row, "value", -1),
                  num_or_dash(r, row, "value_100", 1), num_or_dash(r, row, "n", 0));
        }
        px_hf(r, "</tbody></table></div><p><a href=\"%s\">%s</a> · <a href=\"%s\">%s</a></p>",
              px_req_url(r, "/compare", "indicator", code, NULL), px_t(r, "Compare"),
              px_req_url(r, "/trend", "indicator", code, NULL), px_t(r, "Trend"));
        json_decref(cmp);
    }
    px_web_own_record_actions(r, id, "indicator", rec.e.h.author, rec.info.live,
                              rec.info.retracted);
    px_page_end(r);
    free(name);
    free(nlang);
    px_web_record_free(&rec);
    return PX_OK;
}

/* ---- compare ------------------------------------------------------------------------- */

static const char *const compare_cols[] = {
    "group",      "country", "centre",        "service",   "indicator",    "indicator_version",
    "period",     "value",   "scale_min",     "scale_max", "value_100",    "converted_100",
    "n",          "ci_low",  "ci_high",       "method",    "status",       "flags",
    "comparable", "missing", "latest_period", "note",      "illustrative", "id"};

/* Horizontal bars on 0–100, one per comparable row. */
static void bar_chart(px_req *r, const json_t *rows, const char *title)
{
    size_t i, n = 0;
    const json_t *row;
    json_array_foreach(rows, i, row) if (json_is_true(json_object_get(row, "comparable")) &&
                                         isfinite(jnum(row, "converted_100"))) n++;
    if (n == 0)
        return;
    const int left = 150, width = 560, bar_h = 22, gap = 8, top = 28;
    int height = top + (int)n * (bar_h + gap) + 24;
    px_hf(r,
          "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"chart-t\">"
          "<title id=\"chart-t\">%s</title>",
          left + width + 60, height, title);
    for (int t = 0; t <= 100; t += 25) {
        double x = left + width * t / 100.0;
        px_hf(r,
              "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>",
              x, top - 6, x, height - 20, x, height - 6, t);
    }
    int k = 0;
    json_array_foreach(rows, i, row)
    {
        double v = jnum(row, "converted_100");
        if (!json_is_true(json_object_get(row, "comparable")) || !isfinite(v))
            continue;
        if (v < 0)
            v = 0;
        if (v > 100)
            v = 100;
        int y = top + k * (bar_h + gap);
        px_hf(r,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.24s</text>"
              "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>"
              "<text x=\"%.1f\" y=\"%d\">%s</text>",
              left - 8, y + bar_h - 6, jstr(row, "group") ? jstr(row, "group") : "", left, y,
              width * v / 100.0, bar_h, left + width * v / 100.0 + 6, y + bar_h - 6,
              px_req_num(r, jnum(row, "converted_100"), 1));
        k++;
    }
    px_hf(r, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></svg>", left, top - 6,
          left, height - 20);
}

/* The arguments of /compare and /aggregate (and their /api/ twins):
 * indicator, period and by (default_by when not given); empty ones absent. */
static int view_args(px_req *r, px_by default_by, const char **code, const char **period, px_by *by,
                     const char **by_text)
{
    *code = px_req_arg(r, "indicator");
    *period = px_req_arg(r, "period");
    *by_text = px_req_arg(r, "by");
    if (*code && !**code)
        *code = NULL;
    if (*period && !**period)
        *period = NULL;
    if (*by_text && !**by_text)
        *by_text = NULL;
    *by = default_by;
    if (*by_text && px_by_parse(*by_text, by) != PX_OK)
        return px_err_set(PX_EINVAL, "by must be network, country, centre or service");
    if (*code && !px_code_valid(*code, strlen(*code)))
        return px_err_set(PX_EINVAL, "'%.70s' is not an indicator code", *code);
    return PX_OK;
}

int px_api_compare(px_req *r)
{
    const char *code, *period, *bt;
    px_by by;
    int rc = view_args(r, PX_BY_COUNTRY, &code, &period, &by, &bt);
    if (!rc && !code)
        rc = px_err_set(PX_EINVAL, "indicator is required");
    px_query q = px_req_query(r);
    json_t *res = NULL;
    if (!rc)
        rc = px_query_compare(&q, code, period, by, &res);
    if (!rc)
        rc = px_req_json(r, res);
    json_decref(res);
    return rc;
}

int px_page_compare(px_req *r)
{
    const char *code, *period, *bt;
    px_by by;
    int fmt;
    int rc = view_args(r, PX_BY_COUNTRY, &code, &period, &by, &bt);
    if (!rc)
        rc = want_format(r, &fmt);
    if (rc)
        return rc;
    json_t *res = NULL;
    px_query q = px_req_query(r);
    const char *err = NULL;
    if (code && (rc = page_answer(r, px_query_compare(&q, code, period, by, &res), fmt, &err)))
        return rc;
    if (fmt && !res)
        return px_err_set(PX_EINVAL, "indicator is required for a download");
    json_t *rows = json_object_get(res, "rows");
    json_t *ind = json_object_get(res, "indicator");
    if (fmt) {
        const char *name = dl_name(r, "compare", code, jstr(res, "period"), fmt);
        rc = send_download(r, fmt, res, rows, compare_cols,
                           sizeof compare_cols / sizeof compare_cols[0], name);
        json_decref(res);
        return rc;
    }
    json_t *list = indicator_list(r);
    px_page_begin(r, px_t(r, "Compare"));
    px_hf(r, "<h1>%s</h1>", px_t(r, "Compare countries on one indicator"));
    px_h(r, "<form class=\"pickers\" method=\"get\" action=\"/compare\">");
    indicator_select(r, list, code, true);
    period_input(r, code, period, false);
    by_select(r, bt ? bt : "country", false);
    px_hf(r, "<button type=\"submit\">%s</button></form>", px_t(r, "Show"));
    if (err) {
        px_req_status(r, rc == PX_ENOENT ? 404 : 400);
        px_hf(r, "<p class=\"error-text\" role=\"alert\">%s</p>", err);
    }
    if (res) {
        indicator_head(r, ind);
        px_hf(r, "<p>%s <strong>%s</strong>. %s</p>", px_t(r, "Period"),
              jstr(res, "period") ? jstr(res, "period") : "–",
              px_t(r, "Every value is rescaled by its own scale's endpoints to 0–100; the bars "
                      "show comparable values only, and a missing value is never drawn as "
                      "zero."));
        bar_chart(r, rows, px_req_printf(r, "%s %s, 0–100", code, jstr(res, "period") ?: ""));
        px_hf(r,
              "<div class=\"table-wrap\"><table><caption>%s</caption><thead><tr>"
              "<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
              "<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">0–100</th>"
              "<th scope=\"col\" class=\"num\">n</th><th scope=\"col\">%s</th>"
              "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
              "</tr></thead><tbody>",
              px_t(r, "The values behind the chart, each on its own scale"), px_t(r, "Group"),
              px_t(r, "Value"), px_t(r, "Scale"), px_t(r, "CI"), px_t(r, "Method"),
              px_t(r, "Flags"), px_t(r, "Comparable"));
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            bool missing = json_is_true(json_object_get(row, "missing"));
            bool comparable = json_is_true(json_object_get(row, "comparable"));
            px_hf(r, "<tr><th scope=\"row\">%s</th>", jstr(row, "group") ?: "");
            if (missing) {
                px_hf(r, "<td colspan=\"6\">%s %s</td>",
                      px_t(r, "No result for this period; latest:"),
                      jstr(row, "latest_period") ?: "–");
            } else {
                px_hf(r,
                      "<td class=\"num\">%s</td><td>%s–%s</td><td class=\"num\">%s</td>"
                      "<td class=\"num\">%s</td><td>",
                      num_or_dash(r, row, "value", -1), num_or_dash(r, row, "scale_min", -1),
                      num_or_dash(r, row, "scale_max", -1),
                      num_or_dash(r, row, comparable ? "converted_100" : "value_100", 1),
                      num_or_dash(r, row, "n", 0));
                if (isfinite(jnum(row, "ci_low")))
                    px_hf(r, "%s–%s", num_or_dash(r, row, "ci_low", -1),
                          num_or_dash(r, row, "ci_high", -1));
                else if (isfinite(jnum(row, "std_err")))
                    px_hf(r, "± %s", num_or_dash(r, row, "std_err", -1));
                px_hf(r, "</td><td>%s</td><td>", jstr(row, "method") ?: "");
                json_t *flags = json_object_get(row, "flags"), *fl;
                size_t j;
                json_array_foreach(flags, j, fl)
                    px_hf(r, "<span class=\"badge warn\">%s</span> ", json_string_value(fl) ?: "");
                if (json_array_size(flags) == 0 &&
                    json_is_true(json_object_get(row, "illustrative")))
                    px_hf(r, "<span class=\"badge\">%s</span>", px_t(r, "illustrative"));
                px_h(r, "</td>");
            }
            if (comparable)
                px_hf(r, "<td>%s</td>", px_t(r, "yes"));
            else
                px_hf(r, "<td><span class=\"badge bad\">%s</span> %s</td>",
                      missing ? px_t(r, "missing") : px_t(r, "not comparable"),
                      jstr(row, "note") ?: "");
            px_h(r, "</tr>");
        }
        px_h(r, "</tbody></table></div>");
        const char *args[8] = {"indicator", code, "period", period, "by", bt, NULL, NULL};
        downloads(r, "/compare", args);
    }
    px_page_end(r);
    json_decref(list);
    json_decref(res);
    return PX_OK;
}

/* ---- trend ---------------------------------------------------------------------------- */

static const char *const trend_cols[] = {
    "series", "period",     "value", "indicator",    "value_100",    "converted_100", "n", "method",
    "status", "comparable", "break", "break_reason", "illustrative", "note",          "id"};

typedef struct period_slot {
    char text[24];
    px_period p;
} period_slot;

static int cmp_slot(const void *a, const void *b)
{
    return px_period_cmp(&((const period_slot *)a)->p, &((const period_slot *)b)->p);
}

static void line_chart(px_req *r, const json_t *series, const char *title)
{
    enum { SLOTS_MAX = 200 };
    period_slot slots[SLOTS_MAX];
    size_t ns = 0, i, j;
    const json_t *s, *pt;
    json_array_foreach(series, i, s) json_array_foreach(json_object_get(s, "points"), j, pt)
    {
        const char *per = jstr(pt, "period");
        if (!per || strlen(per) >= sizeof slots[0].text)
            continue;
        bool have = false;
        for (size_t k = 0; k < ns && !have; k++)
            have = strcmp(slots[k].text, per) == 0;
        if (have || ns == SLOTS_MAX || px_period_parse(per, strlen(per), &slots[ns].p) != PX_OK)
            continue;
        snprintf(slots[ns].text, sizeof slots[ns].text, "%s", per);
        ns++;
    }
    if (ns == 0)
        return;
    qsort(slots, ns, sizeof *slots, cmp_slot);
    const int left = 48, width = 600, top = 16, height = 260, bottom = 40;
    px_hf(r,
          "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"trend-t\">"
          "<title id=\"trend-t\">%s</title>",
          left + width + 160, top + height + bottom, title);
    for (int t = 0; t <= 100; t += 25) {
        double y = top + height * (100 - t) / 100.0;
        px_hf(r,
              "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
              "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>",
              left, y, left + width, y, left - 6, y + 4, t);
    }
    for (size_t k = 0; k < ns; k++) {
        double x = ns == 1 ? left + width / 2.0 : left + width * (double)k / (double)(ns - 1);
        px_hf(r, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, top + height + 18,
              slots[k].text);
    }
    json_array_foreach(series, i, s)
    {
        px_buf path = {0};
        bool pen = false;
        double lx = 0, ly = 0;
        json_array_foreach(json_object_get(s, "points"), j, pt)
        {
            double v = jnum(pt, "converted_100");
            if (!isfinite(v))
                v = jnum(pt, "value_100");
            const char *per = jstr(pt, "period");
            size_t k = 0;
            while (k < ns && (!per || strcmp(slots[k].text, per) != 0))
                k++;
            if (k == ns || !isfinite(v)) {
                pen = false;
                continue;
            }
            double x = ns == 1 ? left + width / 2.0 : left + width * (double)k / (double)(ns - 1);
            double y = top + height * (100 - (v < 0 ? 0 : v > 100 ? 100 : v)) / 100.0;
            bool brk = json_is_true(json_object_get(pt, "break"));
            if (brk) { /* a break: a dashed marker, and the line does not join across it */
                px_hf(r,
                      "<line class=\"brk\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\">"
                      "<title>%s %s</title></line>",
                      x, top, x, top + height, px_t(r, "Break in the series:"),
                      jstr(pt, "break_reason") ?: "");
                pen = false;
            }
            char seg[64];
            snprintf(seg, sizeof seg, "%s%.1f %.1f ", pen ? "L" : "M", x, y);
            px_buf_append(&path, seg, strlen(seg));
            pen = true;
            lx = x;
            ly = y;
            px_hf(r,
                  "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"><title>%s %s: %s</title>"
                  "</circle>",
                  brk ? "brk-dot" : "dot", x, y, jstr(s, "group") ?: "", per, px_req_num(r, v, 1));
        }
        if (path.len) {
            px_buf_append(&path, "", 1);
            px_hf(r, "<path class=\"line\" d=\"%s\"/>", (const char *)path.data);
            px_hf(r, "<text x=\"%.1f\" y=\"%.1f\">%.20s</text>", lx + 8, ly + 4,
                  jstr(s, "group") ?: "");
        }
        px_buf_free(&path);
    }
    px_h(r, "</svg>");
}

/* The trend's points as flat rows (series label on each), as shown. */
static json_t *trend_rows(const json_t *res)
{
    json_t *rows = json_array(), *s, *pt;
    size_t i, j;
    json_array_foreach(json_object_get(res, "series"), i, s)
        json_array_foreach(json_object_get(s, "points"), j, pt)
    {
        json_t *row = json_copy(pt);
        if (!row)
            continue;
        json_object_set(row, "series", json_object_get(s, "group"));
        json_object_set(row, "country", json_object_get(s, "country"));
        json_object_set(row, "centre", json_object_get(s, "centre"));
        json_object_set(row, "service", json_object_get(s, "service"));
        json_object_set(row, "channel", json_object_get(s, "channel"));
        json_array_append_new(rows, row);
    }
    return rows;
}

int px_api_trend(px_req *r)
{
    const char *code = px_req_arg(r, "indicator"), *cc = px_req_arg(r, "country");
    if (!code || !*code)
        return px_err_set(PX_EINVAL, "indicator is required");
    if (cc && !*cc)
        cc = NULL;
    px_query q = px_req_query(r);
    json_t *res = NULL;
    int rc = px_query_trend(&q, code, cc, &res);
    if (!rc)
        rc = px_req_json(r, res);
    json_decref(res);
    return rc;
}

int px_page_trend(px_req *r)
{
    const char *code = px_req_arg(r, "indicator"), *cc = px_req_arg(r, "country");
    int fmt;
    int rc = want_format(r, &fmt);
    if (rc)
        return rc;
    if (code && !*code)
        code = NULL;
    if (cc && !*cc)
        cc = NULL;
    if (code && !px_code_valid(code, strlen(code)))
        return px_err_set(PX_EINVAL, "'%.70s' is not an indicator code", code);
    if (cc && !px_country_valid(cc, strlen(cc)))
        return px_err_set(PX_EINVAL, "%s",
                          px_t(r, "The country must be a two-letter ISO code such as KZ."));
    px_query q = px_req_query(r);
    json_t *res = NULL;
    const char *err = NULL;
    if (code && (rc = page_answer(r, px_query_trend(&q, code, cc, &res), fmt, &err)))
        return rc;
    if (fmt && !res)
        return px_err_set(PX_EINVAL, "indicator is required for a download");
    if (fmt) {
        json_t *rows = trend_rows(res);
        const char *name = dl_name(r, "trend", code, cc, fmt);
        rc = send_download(r, fmt, res, rows, trend_cols, sizeof trend_cols / sizeof trend_cols[0],
                           name);
        json_decref(rows);
        json_decref(res);
        return rc;
    }
    json_t *list = indicator_list(r);
    px_page_begin(r, px_t(r, "Trend"));
    px_hf(r, "<h1>%s</h1>", px_t(r, "An indicator over time"));
    px_h(r, "<form class=\"pickers\" method=\"get\" action=\"/trend\">");
    indicator_select(r, list, code, true);
    px_hf(r,
          "<label>%s<input name=\"country\" value=\"%s\" size=\"4\" maxlength=\"2\" "
          "pattern=\"[A-Za-z]{2}\"></label><button type=\"submit\">%s</button></form>",
          px_t(r, "Country (empty: all)"), cc ? cc : "", px_t(r, "Show"));
    if (err) {
        px_req_status(r, 404);
        px_hf(r, "<p class=\"error-text\" role=\"alert\">%s</p>", err);
    }
    if (res) {
        indicator_head(r, json_object_get(res, "indicator"));
        px_hf(r, "<p>%s</p>",
              px_t(r, "Values on 0–100 by their scales' endpoints. A dashed red line marks a "
                      "break in a series (a changed definition, method or a reported break): "
                      "the line does not join across it."));
        line_chart(r, json_object_get(res, "series"), px_req_printf(r, "%s, 0–100", code));
        px_hf(r,
              "<div class=\"table-wrap\"><table><caption>%s</caption><thead><tr>"
              "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
              "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">0–100</th>"
              "<th scope=\"col\" class=\"num\">n</th><th scope=\"col\">%s</th>"
              "<th scope=\"col\">%s</th></tr></thead><tbody>",
              px_t(r, "The values behind the chart"), px_t(r, "Series"), px_t(r, "Period"),
              px_t(r, "Value"), px_t(r, "Method"), px_t(r, "Flags"));
        json_t *s, *pt;
        size_t i, j;
        json_array_foreach(json_object_get(res, "series"), i, s)
            json_array_foreach(json_object_get(s, "points"), j, pt)
        {
            double v100 = jnum(pt, "converted_100");
            px_hf(r,
                  "<tr><th scope=\"row\">%s</th><td>%s</td><td class=\"num\">%s</td>"
                  "<td class=\"num\">%s</td><td class=\"num\">%s</td><td>%s</td><td>",
                  jstr(s, "group") ?: "", jstr(pt, "period") ?: "", num_or_dash(r, pt, "value", -1),
                  isfinite(v100) ? px_req_num(r, v100, 1) : num_or_dash(r, pt, "value_100", 1),
                  num_or_dash(r, pt, "n", 0), jstr(pt, "method") ?: "");
            if (json_is_true(json_object_get(pt, "break")))
                px_hf(r, "<span class=\"badge bad\">%s</span> %s ", px_t(r, "break"),
                      jstr(pt, "break_reason") ?: "");
            if (!json_is_true(json_object_get(pt, "comparable")))
                px_hf(r, "<span class=\"badge warn\">%s</span> %s", px_t(r, "not comparable"),
                      jstr(pt, "note") ?: "");
            px_h(r, "</td></tr>");
        }
        px_h(r, "</tbody></table></div>");
        const char *args[8] = {"indicator", code, "country", cc, NULL, NULL, NULL, NULL};
        downloads(r, "/trend", args);
    }
    px_page_end(r);
    json_decref(list);
    json_decref(res);
    return PX_OK;
}

/* ---- aggregate --------------------------------------------------------------------------- */

static const char *const agg_cols[] = {"group",
                                       "country",
                                       "centre",
                                       "service",
                                       "members",
                                       "results",
                                       "n",
                                       "without_n",
                                       "excluded",
                                       "n_weighted_value",
                                       "n_weighted_100",
                                       "unweighted_value",
                                       "unweighted_100",
                                       "illustrative"};

/* Flat rows for CSV and SDMX: the nested means made columns. */
static json_t *agg_rows(const json_t *res)
{
    json_t *rows = json_array(), *g;
    size_t i;
    json_array_foreach(json_object_get(res, "groups"), i, g)
    {
        json_t *row = json_copy(g);
        if (!row)
            continue;
        json_t *nw = json_object_get(g, "n_weighted"), *uw = json_object_get(g, "unweighted");
        json_object_set(row, "n_weighted_value", json_object_get(nw, "value"));
        json_object_set(row, "n_weighted_100", json_object_get(nw, "value_100"));
        json_object_set(row, "unweighted_value", json_object_get(uw, "value"));
        json_object_set(row, "unweighted_100", json_object_get(uw, "value_100"));
        /* for SDMX-CSV: the n-weighted mean where there is one */
        json_t *v = json_object_get(nw, "value");
        json_object_set(row, "value", json_is_number(v) ? v : json_object_get(uw, "value"));
        json_object_set(row, "indicator",
                        json_object_get(json_object_get(res, "indicator"), "code"));
        json_object_set(row, "period", json_object_get(res, "period"));
        if (!json_is_string(json_object_get(row, "country")))
            json_object_set_new(row, "country", json_string("_Z"));
        json_array_append_new(rows, row);
    }
    return rows;
}

int px_api_aggregate(px_req *r)
{
    const char *code, *period, *bt;
    px_by by;
    int rc = view_args(r, PX_BY_NETWORK, &code, &period, &by, &bt);
    if (!rc && (!code || !period))
        rc = px_err_set(PX_EINVAL, "indicator and period are required");
    px_query q = px_req_query(r);
    json_t *res = NULL;
    if (!rc)
        rc = px_query_aggregate(&q, code, period, by, &res);
    if (!rc)
        rc = px_req_json(r, res);
    json_decref(res);
    return rc;
}

int px_page_aggregate(px_req *r)
{
    const char *code, *period, *bt;
    px_by by;
    int fmt;
    int rc = view_args(r, PX_BY_NETWORK, &code, &period, &by, &bt);
    if (!rc)
        rc = want_format(r, &fmt);
    if (rc)
        return rc;
    px_query q = px_req_query(r);
    json_t *res = NULL;
    const char *err = NULL;
    if (code && period &&
        (rc = page_answer(r, px_query_aggregate(&q, code, period, by, &res), fmt, &err)))
        return rc;
    if (fmt && !res)
        return px_err_set(PX_EINVAL, "indicator and period are required for a download");
    if (fmt) {
        json_t *rows = agg_rows(res);
        const char *name = dl_name(r, "aggregate", code, period, fmt);
        rc = send_download(r, fmt, res, rows, agg_cols, sizeof agg_cols / sizeof agg_cols[0], name);
        json_decref(rows);
        json_decref(res);
        return rc;
    }
    json_t *list = indicator_list(r);
    px_page_begin(r, px_t(r, "Aggregate"));
    px_hf(r, "<h1>%s</h1>", px_t(r, "Network aggregates"));
    px_h(r, "<form class=\"pickers\" method=\"get\" action=\"/aggregate\">");
    indicator_select(r, list, code, true);
    period_input(r, code, period, true);
    by_select(r, bt ? bt : "network", true);
    px_hf(r, "<button type=\"submit\">%s</button></form>", px_t(r, "Show"));
    if (err) {
        px_req_status(r, 400);
        px_hf(r, "<p class=\"error-text\" role=\"alert\">%s</p>", err);
    }
    if (res) {
        indicator_head(r, json_object_get(res, "indicator"));
        px_hf(r, "<p>%s</p>",
              px_t(r, "Means of the comparable results, on the indicator's own scale and on "
                      "0–100: n-weighted (each result counts by its number of observations) "
                      "and unweighted (each result counts once)."));
        px_hf(r,
              "<div class=\"table-wrap\"><table><caption>%s %s</caption><thead><tr>"
              "<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
              "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">n</th>"
              "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
              "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
              "<th scope=\"col\" class=\"num\">%s</th></tr></thead><tbody>",
              px_t(r, "Period"), period, px_t(r, "Group"), px_t(r, "Members"), px_t(r, "Results"),
              px_t(r, "n-weighted"), px_t(r, "n-weighted, 0–100"), px_t(r, "unweighted"),
              px_t(r, "unweighted, 0–100"), px_t(r, "Left out"));
        json_t *g;
        size_t i;
        json_array_foreach(json_object_get(res, "groups"), i, g)
        {
            json_t *nw = json_object_get(g, "n_weighted"), *uw = json_object_get(g, "unweighted");
            px_hf(r,
                  "<tr><th scope=\"row\">%s</th><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                  "<td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                  "<td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                  "</tr>",
                  jstr(g, "group") ?: "", num_or_dash(r, g, "members", 0),
                  num_or_dash(r, g, "results", 0), num_or_dash(r, g, "n", 0),
                  num_or_dash(r, nw, "value", -1), num_or_dash(r, nw, "value_100", 1),
                  num_or_dash(r, uw, "value", -1), num_or_dash(r, uw, "value_100", 1),
                  num_or_dash(r, g, "excluded", 0));
        }
        px_h(r, "</tbody></table></div>");
        const char *args[8] = {"indicator", code, "period", period, "by", bt, NULL, NULL};
        downloads(r, "/aggregate", args);
    }
    px_page_end(r);
    json_decref(list);
    json_decref(res);
    return PX_OK;
}

/* ---- benchmarks and export ------------------------------------------------------------------ */

static int bench_filter(px_req *r, px_bench_filter *f)
{
    memset(f, 0, sizeof *f);
    f->indicator = px_req_arg(r, "indicator");
    f->country = px_req_arg(r, "country");
    f->period = px_req_arg(r, "period");
    if (f->indicator && !*f->indicator)
        f->indicator = NULL;
    if (f->country && !*f->country)
        f->country = NULL;
    if (f->period && !*f->period)
        f->period = NULL;
    if (f->indicator && !px_code_valid(f->indicator, strlen(f->indicator)))
        return px_err_set(PX_EINVAL, "'%.70s' is not an indicator code", f->indicator);
    return PX_OK;
}

int px_api_benchmarks(px_req *r)
{
    px_bench_filter f;
    int rc = bench_filter(r, &f);
    const char *lim = px_req_arg(r, "limit");
    uint64_t limit = PX_QUERY_DEFAULT_LIMIT;
    if (!rc && lim && px_parse_u64(lim, 1, 100000, &limit) != PX_OK)
        rc = px_err_set(PX_EINVAL, "limit must be a number from 1 to 100000");
    f.limit = (size_t)limit;
    px_query q = px_req_query(r);
    json_t *res = NULL;
    if (!rc)
        rc = px_query_benchmarks(&q, &f, &res);
    if (!rc)
        rc = px_req_json(r, res);
    json_decref(res);
    return rc;
}

int px_page_export(px_req *r)
{
    px_bench_filter f;
    int rc = bench_filter(r, &f);
    const char *format = px_req_arg(r, "format");
    if (rc)
        return rc;
    if (format && *format) {
        px_export_format ef;
        if (px_export_format_parse(format, &ef) != PX_OK)
            return px_err_set(PX_EINVAL, "format must be json, csv, sdmx-csv or sdmx-csv2");
        FILE *out = tmpfile();
        if (!out)
            return px_err_set(PX_EIO, "cannot make a temporary file for the export");
        px_query q = px_req_query(r);
        rc = px_export_benchmarks(&q, &f, ef, out, NULL);
        if (rc) {
            fclose(out);
            return rc;
        }
        px_req_type(r, ef == PX_EXPORT_JSON ? "application/json" : "text/csv; charset=utf-8");
        px_req_download(r, px_req_printf(r, "benchmarks%s%s.%s", f.indicator ? "-" : "",
                                         f.indicator ? f.indicator : "",
                                         ef == PX_EXPORT_JSON ? "json" : "csv"));
        return px_req_send_file(r, out);
    }
    json_t *list = indicator_list(r);
    px_page_begin(r, px_t(r, "Export"));
    px_hf(r, "<h1>%s</h1><p>%s</p>", px_t(r, "Export benchmark results"),
          px_t(r, "Every live result that matches, for statistics tools: JSON, CSV (the import "
                  "columns) or SDMX-CSV (schema/EXPORTS.md)."));
    px_h(r, "<form class=\"pickers\" method=\"get\" action=\"/export\">");
    indicator_select(r, list, f.indicator, false);
    px_hf(r, "<label>%s<input name=\"country\" value=\"%s\" size=\"4\" maxlength=\"2\"></label>",
          px_t(r, "Country (empty: all)"), f.country ? f.country : "");
    px_hf(r, "<label>%s<input name=\"period\" value=\"%s\" size=\"9\"></label>",
          px_t(r, "Period (empty: all)"), f.period ? f.period : "");
    px_hf(r,
          "<label>%s<select name=\"format\"><option value=\"csv\">CSV</option>"
          "<option value=\"json\">JSON</option><option value=\"sdmx-csv\">SDMX-CSV</option>"
          "<option value=\"sdmx-csv2\">SDMX-CSV 2.0</option></select></label>"
          "<button type=\"submit\">%s</button></form>",
          px_t(r, "Format"), px_t(r, "Download"));
    px_page_end(r);
    json_decref(list);
    return PX_OK;
}
