/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webcases.c — case studies: /cases (search with facets, snippets, paging),
 * /cases/ID (every field in the chosen language, fallback marked; centre,
 * results, versions, retraction) and their /api/ twins.
 */
#include "error.h"
#include "index.h"
#include "jsonmp.h"
#include "members.h"
#include "query.h"
#include "records.h"
#include "util.h"
#include "web.h"
#include "webblobs.h"
#include "webint.h"
#include "webpublish.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { PAGE_SIZE = 20, PAGES_MAX = 50 };

static const char *const stages[] = {PX_N_("idea"), PX_N_("pilot"), PX_N_("implemented"),
                                     PX_N_("evaluated"), PX_N_("scaled")};

static const char *const rec_langs[] = {"en", "ru", "kk", "az", "ka"};

/* The filter a /cases request asks for (shared by the page and the API). */
static int case_filter(px_req *r, px_case_filter *f, const char **why)
{
    memset(f, 0, sizeof *f);
    const char *q = px_req_arg(r, "q"), *c = px_req_arg(r, "country");
    const char *s = px_req_arg(r, "stage"), *t = px_req_arg(r, "tag");
    const char *sv = px_req_arg(r, "service"), *ch = px_req_arg(r, "channel");
    const char *y = px_req_arg(r, "year");
    f->search = q && q[strspn(q, " \t")] ? q : NULL;
    f->country = c && *c ? c : NULL;
    f->stage = s && *s ? s : NULL;
    f->tag = t && *t ? t : NULL;
    f->service = sv && *sv ? sv : NULL;
    f->channel = ch && *ch ? ch : NULL;
    *why = NULL;
    uint64_t year = 0;
    if (y && *y && px_parse_u64(y, 1, 9999, &year) != PX_OK)
        *why = px_t(r, "The start year must be a year such as 2019.");
    f->start_year = (int64_t)year;
    if (f->country && !px_country_valid(f->country, strlen(f->country)))
        *why = px_t(r, "The country must be a two-letter ISO code such as KZ.");
    if (f->stage) {
        bool known = false;
        for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++)
            known |= strcmp(stages[i], f->stage) == 0;
        if (!known)
            *why = px_t(r, "The stage must be one of idea, pilot, implemented, evaluated, scaled.");
    }
    return *why ? PX_EINVAL : PX_OK;
}

/* A snippet from the index marks matches with [ and ]: show them as <mark>,
 * everything else escaped. */
static void snippet_html(px_req *r, const char *s)
{
    bool open = false;
    const char *run = s;
    for (const char *p = s;; p++) {
        if (*p == '[' || *p == ']' || *p == '\0') {
            px_escn(r, run, (size_t)(p - run));
            if (*p == '\0')
                break;
            if (*p == '[' && !open) {
                px_h(r, "<mark>");
                open = true;
            } else if (*p == ']' && open) {
                px_h(r, "</mark>");
                open = false;
            } else {
                px_escn(r, p, 1);
            }
            run = p + 1;
        }
    }
    if (open)
        px_h(r, "</mark>");
}

static bool lang_differs(const char *got, const char *want)
{
    if (!got || !want)
        return false;
    size_t a = strcspn(got, "-"), b = strcspn(want, "-");
    return a != b || strncmp(got, want, a) != 0;
}

static void fallback_mark(px_req *r, const char *got, const char *want)
{
    if (lang_differs(got, want))
        px_hf(r, " <span class=\"fallback\" lang=\"%s\">%s %s</span>", px_req_lang(r),
              px_t(r, "shown in"), got);
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The filters of a /cases URL, in this order. */
static const char *const filter_names[] = {"country", "stage", "tag", "service", "channel", "year"};
enum { N_FILTERS = sizeof filter_names / sizeof filter_names[0] };

static void filter_values(px_req *r, const px_case_filter *f, const char *v[N_FILTERS])
{
    v[0] = f->country;
    v[1] = f->stage;
    v[2] = f->tag;
    v[3] = f->service;
    v[4] = f->channel;
    v[5] = f->start_year ? px_req_printf(r, "%lld", (long long)f->start_year) : NULL;
}

/* path with f's search and filters, the filter named name set to value
 * (NULL: without it), the record language and the page (NULL: first). */
static const char *cases_url(px_req *r, const char *path, const px_case_filter *f, const char *lang,
                             const char *name, const char *value, const char *page)
{
    const char *v[N_FILTERS];
    filter_values(r, f, v);
    for (size_t i = 0; name && i < N_FILTERS; i++)
        if (strcmp(filter_names[i], name) == 0)
            v[i] = value;
    return px_req_url(r, path, "q", f->search, "country", v[0], "stage", v[1], "tag", v[2],
                      "service", v[3], "channel", v[4], "year", v[5], "lang", lang, "page", page,
                      NULL);
}

static void facet_list(px_req *r, const json_t *facets, const char *name, const char *title,
                       const px_case_filter *f, const char *lang)
{
    const json_t *list = json_object_get(facets, name), *v;
    size_t i;
    if (json_array_size(list) == 0)
        return;
    const char *vals[N_FILTERS], *current = NULL;
    filter_values(r, f, vals);
    for (size_t k = 0; k < N_FILTERS; k++)
        if (strcmp(filter_names[k], name) == 0)
            current = vals[k];
    /* Tags, services and channels match whatever their ASCII case. */
    bool nocase =
        strcmp(name, "tag") == 0 || strcmp(name, "service") == 0 || strcmp(name, "channel") == 0;
    px_hf(r, "<h2 id=\"facet-%s\">%s</h2><ul aria-labelledby=\"facet-%s\">", name, title, name);
    json_array_foreach(list, i, v)
    {
        const char *value = jstr(v, "value");
        if (!value)
            continue;
        const char *label = strcmp(name, "stage") == 0 ? px_t(r, value) : value;
        long long count = (long long)json_integer_value(json_object_get(v, "count"));
        bool on =
            current && (nocase ? strcasecmp(current, value) == 0 : strcmp(current, value) == 0);
        const char *url = cases_url(r, "/cases", f, lang, name, on ? NULL : value, NULL);
        if (on)
            px_hf(r,
                  "<li><a href=\"%s\" aria-current=\"true\" title=\"%s\">%s ×</a>"
                  "<span class=\"num\">%s</span></li>",
                  url, px_t(r, "Remove this filter"), label, px_req_int(r, count));
        else
            px_hf(r, "<li><a href=\"%s\">%s</a><span class=\"num\">%s</span></li>", url, label,
                  px_req_int(r, count));
    }
    px_h(r, "</ul>");
}

static void search_form(px_req *r, const px_case_filter *f, const char *lang)
{
    px_hf(r,
          "<form class=\"filters\" method=\"get\" action=\"/cases\" role=\"search\">"
          "<label>%s<input type=\"search\" name=\"q\" value=\"%s\" size=\"30\"></label>",
          px_t(r, "Words to find (every language; end a word with * for a prefix)"),
          f->search ? f->search : "");
    px_hf(r,
          "<label>%s<input name=\"country\" value=\"%s\" size=\"4\" maxlength=\"2\" "
          "pattern=\"[A-Za-z]{2}\" autocapitalize=\"characters\"></label>",
          px_t(r, "Country (ISO code)"), f->country ? f->country : "");
    px_hf(r, "<label>%s<select name=\"stage\"><option value=\"\">%s</option>", px_t(r, "Stage"),
          px_t(r, "any"));
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++)
        px_hf(r, "<option value=\"%s\"%s>%s</option>", stages[i],
              f->stage && strcmp(f->stage, stages[i]) == 0 ? " selected" : "", px_t(r, stages[i]));
    px_h(r, "</select></label>");
    const char *vals[N_FILTERS];
    filter_values(r, f, vals);
    for (size_t i = 2; i < N_FILTERS; i++) /* the facets without a control of their own */
        if (vals[i])
            px_hf(r, "<input type=\"hidden\" name=\"%s\" value=\"%s\">", filter_names[i], vals[i]);
    px_hf(r, "<label>%s<select name=\"lang\">", px_t(r, "Language of the records"));
    for (size_t i = 0; i < sizeof rec_langs / sizeof rec_langs[0]; i++)
        px_hf(r, "<option value=\"%s\"%s>%s</option>", rec_langs[i],
              strcmp(lang, rec_langs[i]) == 0 ? " selected" : "", rec_langs[i]);
    px_hf(r, "</select></label><button type=\"submit\">%s</button></form>", px_t(r, "Search"));
}

int px_page_cases(px_req *r)
{
    px_case_filter f;
    const char *why, *lang = px_req_rec_lang(r);
    int rc = case_filter(r, &f, &why);
    uint64_t page = 1;
    const char *pg = px_req_arg(r, "page");
    if (pg && px_parse_u64(pg, 1, PAGES_MAX, &page) != PX_OK)
        page = 1;
    px_query q = px_req_query(r);
    json_t *res = NULL, *facets = NULL;
    if (!rc && !q.store)
        rc = PX_ESTORE;
    if (!rc) {
        f.offset = (size_t)(page - 1) * PAGE_SIZE;
        f.limit = PAGE_SIZE;
        /* A search ranks every matching case (about 10 ms of CPU for a
         * word in most of 10,000): its answer is kept like the facets, per
         * worker until the store changes, for the same words, filters,
         * record language and page. */
        const char *key = f.search ? px_req_printf(r, "cases\x1f%s\x1f%s\x1f%s\x1f%zu", f.search,
                                                   cases_url(r, "", &f, NULL, NULL, NULL, NULL),
                                                   q.lang ? q.lang : "", f.offset)
                                   : NULL;
        res = key ? px_req_cache_get(r, key) : NULL;
        if (!res) {
            rc = px_query_cases(&q, &f, &res);
            if (rc == PX_EINVAL)
                why = px_err_detail()[0] ? px_req_strdup(r, px_err_detail()) : NULL;
            if (!rc && key)
                px_req_cache_put(r, key, res);
        }
    }
    if (!rc) {
        /* Facets do not depend on the page or the record language: kept
         * while paging, until the store changes. */
        const char *key = px_req_printf(r, "facets\x1f%s\x1f%s", f.search ? f.search : "",
                                        cases_url(r, "", &f, NULL, NULL, NULL, NULL));
        facets = px_req_cache_get(r, key);
        if (!facets) {
            rc = px_query_case_facets(&q, &f, 30, &facets);
            if (!rc)
                px_req_cache_put(r, key, facets);
        }
    }
    if (rc && rc != PX_EINVAL)
        return rc;
    px_page_begin(r, px_t(r, "Case studies"));
    px_hf(r, "<h1>%s</h1>", px_t(r, "Case studies"));
    search_form(r, &f, lang);
    if (rc) {
        px_req_status(r, 400);
        px_hf(r, "<p class=\"error-text\" role=\"alert\">%s</p>", why ? why : px_strerror(rc));
        px_page_end(r);
        return PX_OK;
    }
    long long total = (long long)json_integer_value(json_object_get(res, "total"));
    json_t *cases = json_object_get(res, "cases"), *c;
    px_h(r, "<div class=\"search-layout\"><aside class=\"facets\">");
    json_t *fc = json_object_get(facets, "facets");
    facet_list(r, fc, "country", px_t(r, "Country"), &f, lang);
    facet_list(r, fc, "stage", px_t(r, "Stage"), &f, lang);
    facet_list(r, fc, "tag", px_t(r, "Tags"), &f, lang);
    facet_list(r, fc, "service", px_t(r, "Services"), &f, lang);
    facet_list(r, fc, "channel", px_t(r, "Channels"), &f, lang);
    facet_list(r, fc, "year", px_t(r, "Start year"), &f, lang);
    px_h(r, "</aside><section aria-labelledby=\"results-h\">");
    px_hf(r, "<h2 id=\"results-h\" aria-live=\"polite\">%s</h2>",
          px_req_printf(r, px_tn(r, "%s case study", "%s case studies", (unsigned long)total),
                        px_req_int(r, total)));
    size_t i;
    px_h(r, "<ol class=\"results\">");
    json_array_foreach(cases, i, c)
    {
        const char *id = jstr(c, "id");
        const char *title = jstr(c, "title");
        px_hf(r, "<li><h2><a href=\"%s\">%s</a>",
              px_req_url(r, px_req_printf(r, "/cases/%s", id ? id : ""), "lang", lang, NULL),
              title ? title : px_t(r, "(no title)"));
        fallback_mark(r, jstr(c, "title_lang"), lang);
        px_h(r, "</h2><p class=\"dim\">");
        const char *stage = jstr(c, "stage");
        px_hf(r, "%s · %s", jstr(c, "country"), stage ? px_t(r, stage) : NULL);
        json_t *sy = json_object_get(c, "start_year"), *ey = json_object_get(c, "end_year");
        if (json_is_integer(sy))
            px_hf(r, " · %lld", (long long)json_integer_value(sy));
        if (json_is_integer(ey) && json_integer_value(ey) != json_integer_value(sy))
            px_hf(r, "–%lld", (long long)json_integer_value(ey));
        if (jstr(c, "centre"))
            px_hf(r, " · %s", jstr(c, "centre"));
        if (json_is_true(json_object_get(c, "illustrative")))
            px_hf(r, " <span class=\"badge\">%s</span>", px_t(r, "illustrative"));
        px_h(r, "</p>");
        const char *snip = jstr(c, "snippet");
        if (snip) {
            px_h(r, "<p class=\"snippet\">");
            snippet_html(r, snip);
            fallback_mark(r, jstr(c, "snippet_lang"), lang);
            px_h(r, "</p>");
        } else if (jstr(c, "summary")) {
            px_hf(r, "<p>%.300s</p>", jstr(c, "summary"));
        }
        px_h(r, "</li>");
    }
    px_h(r, "</ol><nav class=\"pager\" aria-label=\"");
    px_esc(r, px_t(r, "Pages"));
    px_h(r, "\">");
    const char *pbuf;
    if (page > 1) {
        pbuf = px_req_printf(r, "%llu", (unsigned long long)(page - 1));
        px_hf(r, "<a href=\"%s\" rel=\"prev\">%s</a>",
              cases_url(r, "/cases", &f, lang, NULL, NULL, pbuf), px_t(r, "Previous page"));
    }
    if ((long long)(page * PAGE_SIZE) < total && page < PAGES_MAX) {
        pbuf = px_req_printf(r, "%llu", (unsigned long long)(page + 1));
        px_hf(r, "<a href=\"%s\" rel=\"next\">%s</a>",
              cases_url(r, "/cases", &f, lang, NULL, NULL, pbuf), px_t(r, "Next page"));
    }
    px_hf(r, "</nav><p class=\"downloads\"><a href=\"%s\">%s</a></p>",
          cases_url(r, "/api/cases", &f, lang, NULL, NULL, NULL), px_t(r, "These results as JSON"));
    px_h(r, "</section></div>");
    px_page_end(r);
    json_decref(res);
    json_decref(facets);
    return PX_OK;
}

int px_api_cases(px_req *r)
{
    px_case_filter f;
    const char *why;
    if (case_filter(r, &f, &why))
        return px_err_set(PX_EINVAL, "%s", why);
    const char *lim = px_req_arg(r, "limit");
    uint64_t limit = 0;
    if (lim && px_parse_u64(lim, 1, 100000, &limit) != PX_OK)
        return px_err_set(PX_EINVAL, "limit must be a number from 1 to 100000");
    f.limit = (size_t)limit;
    px_query q = px_req_query(r);
    json_t *res = NULL;
    if (!q.store)
        return PX_ESTORE;
    int rc = px_query_cases(&q, &f, &res);
    if (!rc)
        rc = px_req_json(r, res);
    json_decref(res);
    return rc;
}

/* ---- one case ----------------------------------------------------------------------- */

/* The entry id in the path: 64 hex digits. */
static int path_id(px_req *r, uint8_t id[32])
{
    const char *p = px_req_param(r);
    if (!p || strlen(p) != 64 || px_hex_decode(id, 32, p) != PX_OK)
        return px_err_set(PX_ENOENT, "'%.70s' is not an entry id (64 hex digits)", p ? p : "");
    return PX_OK;
}

int px_web_record_load(px_req *r, const uint8_t id[32], const char *kind, px_web_record *rec)
{
    px_store *s = px_req_store(r);
    memcpy(rec->id, id, 32);
    msgpack_unpacked_init(&rec->up);
    if (!s)
        return PX_ESTORE;
    int rc = px_index_info_get(s, id, &rec->info);
    if (rc == PX_ENOENT || (!rc && kind && strcmp(rec->info.kind, kind) != 0))
        return px_err_set(PX_ENOENT, "%s", px_t(r, "No record with this id is held here."));
    if (!rc)
        rc = px_store_get(s, id, &rec->e, &rec->body, NULL);
    if (!rc && !rec->e.body)
        return px_err_set(PX_ENOENT, "%s", px_t(r, "This record's text was purged."));
    if (!rc) {
        msgpack_unpacked_destroy(&rec->up);
        rc = px_record_unpack(rec->e.body, rec->e.body_len, &rec->up);
    }
    return rc;
}

void px_web_record_free(px_web_record *rec)
{
    msgpack_unpacked_destroy(&rec->up);
    px_buf_free(&rec->body);
}

/* The JSON of one record: entry facts, index status and the body. */
json_t *px_web_record_json(const px_web_record *rec)
{
    char hex[65];
    json_t *o = json_object(), *body = NULL;
    px_hex_encode(hex, rec->id, 32);
    json_object_set_new(o, "id", json_string(hex));
    px_hex_encode(hex, rec->e.h.author, 32);
    json_object_set_new(o, "author", json_string(hex));
    json_object_set_new(o, "seq", json_integer((json_int_t)rec->e.h.seq));
    json_object_set_new(o, "timestamp_ms", json_integer((json_int_t)rec->e.h.timestamp_ms));
    json_object_set_new(o, "kind", json_string(rec->info.kind));
    const char *status = rec->info.retracted                      ? "retracted"
                         : rec->info.versioned && !rec->info.live ? "superseded"
                                                                  : "current";
    json_object_set_new(o, "status", json_string(status));
    if (rec->info.versioned)
        json_object_set_new(o, "version", json_integer(rec->info.version_no));
    if (rec->info.has_prev) {
        px_hex_encode(hex, rec->info.prev, 32);
        json_object_set_new(o, "supersedes", json_string(hex));
    }
    if (rec->info.has_next) {
        px_hex_encode(hex, rec->info.next, 32);
        json_object_set_new(o, "superseded_by", json_string(hex));
    }
    if (rec->info.retracted) {
        px_hex_encode(hex, rec->info.retracted_by, 32);
        json_object_set_new(o, "retracted_by", json_string(hex));
    }
    if (px_msgpack_to_json(rec->e.body, rec->e.body_len, &body) == PX_OK)
        json_object_set_new(o, "body", body);
    return o;
}

int px_api_case(px_req *r)
{
    uint8_t id[32];
    px_web_record rec = {0};
    int rc = path_id(r, id);
    if (!rc)
        rc = px_web_record_load(r, id, NULL, &rec);
    if (!rc) {
        json_t *o = px_web_record_json(&rec);
        rc = px_req_json(r, o);
        json_decref(o);
    }
    px_web_record_free(&rec);
    return rc;
}

/* A language-map field as a section, in the reader's language or the
 * nearest there is (marked). */
static void text_field(px_req *r, const px_web_record *rec, const char *field, const char *label,
                       const char *lang)
{
    char *text = NULL, *got = NULL;
    const msgpack_object *m = px_record_get(&rec->up.data, field);
    if (!m || px_langmap_pick_dup(m, lang, &text, &got) != PX_OK)
        return;
    px_hf(r, "<section class=\"field\"><h2>%s", label);
    fallback_mark(r, got, lang);
    if (got)
        px_hf(r, "</h2><div class=\"text\" lang=\"%s\">", got);
    else
        px_h(r, "</h2><div class=\"text\">");
    px_esc(r, text);
    px_h(r, "</div></section>");
    free(text);
    free(got);
}

static void str_list(px_req *r, const px_web_record *rec, const char *field, const char *label,
                     bool tag_links)
{
    const msgpack_object *a = px_record_get(&rec->up.data, field);
    if (!a || a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size == 0)
        return;
    px_hf(r, "<div><dt>%s</dt><dd>", label);
    for (uint32_t i = 0; i < a->via.array.size; i++) {
        const msgpack_object *s = &a->via.array.ptr[i];
        if (s->type != MSGPACK_OBJECT_STR)
            continue;
        char *v = px_req_alloc(r, s->via.str.size + 1);
        if (!v)
            continue;
        memcpy(v, s->via.str.ptr, s->via.str.size);
        v[s->via.str.size] = '\0';
        if (i)
            px_h(r, ", ");
        if (tag_links)
            px_hf(r, "<a href=\"%s\">%s</a>", px_req_url(r, "/cases", "tag", v, NULL), v);
        else
            px_esc(r, v);
    }
    px_h(r, "</dd></div>");
}

static const char *str_field(px_req *r, const px_web_record *rec, const char *field)
{
    const msgpack_object *s = px_record_get(&rec->up.data, field);
    if (!s || s->type != MSGPACK_OBJECT_STR)
        return NULL;
    char *v = px_req_alloc(r, s->via.str.size + 1);
    if (!v)
        return NULL;
    memcpy(v, s->via.str.ptr, s->via.str.size);
    v[s->via.str.size] = '\0';
    return v;
}

static void related_results(px_req *r, const px_web_record *rec)
{
    const msgpack_object *a = px_record_get(&rec->up.data, "related_results");
    if (!a || a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size == 0)
        return;
    px_hf(r,
          "<section><h2>%s</h2><div class=\"table-wrap\"><table><thead><tr>"
          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
          "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">n</th>"
          "</tr></thead><tbody>",
          px_t(r, "Benchmark results it refers to"), px_t(r, "Indicator"), px_t(r, "Country"),
          px_t(r, "Period"), px_t(r, "Value"));
    for (uint32_t i = 0; i < a->via.array.size && i < 100; i++) {
        const msgpack_object *s = &a->via.array.ptr[i];
        uint8_t id[32];
        char hex[65];
        if (s->type != MSGPACK_OBJECT_STR || s->via.str.size != 64)
            continue;
        memcpy(hex, s->via.str.ptr, 64);
        hex[64] = '\0';
        if (px_hex_decode(id, 32, hex) != PX_OK)
            continue;
        px_entry e;
        px_buf body = {0};
        px_benchmark b;
        if (px_store_get(px_req_store(r), id, &e, &body, NULL) == PX_OK && e.body &&
            strcmp(e.h.kind, "benchmark") == 0 &&
            px_benchmark_decode(e.body, e.body_len, &b) == PX_OK) {
            px_hf(r,
                  "<tr><td><a href=\"%s\">%s</a></td><td>%s</td><td>%s</td>"
                  "<td class=\"num\">%s</td><td class=\"num\">%s</td></tr>",
                  px_req_url(r, "/compare", "indicator", b.indicator, "period", b.period, NULL),
                  b.indicator, b.country, b.period, px_req_num(r, b.value, -1),
                  b.n >= 0 ? px_req_int(r, b.n) : "–");
            px_benchmark_free(&b);
        } else {
            px_hf(r, "<tr><td colspan=\"5\"><code>%.16s</code> %s</td></tr>", hex,
                  px_t(r, "(not held here)"));
        }
        px_buf_free(&body);
    }
    px_h(r, "</tbody></table></div></section>");
}

static void versions(px_req *r, const px_web_record *rec, const char *lang)
{
    px_store *s = px_req_store(r);
    uint8_t cur[32];
    px_index_info info;
    char hex[65];
    if (!rec->info.has_prev && !rec->info.has_next)
        return;
    px_hf(r, "<section><h2>%s</h2><ol reversed>", px_t(r, "Versions"));
    /* From the newest back to the first. */
    memcpy(cur, rec->info.has_next ? rec->info.next : rec->id, 32);
    for (int n = 0; n < 100; n++) {
        if (px_index_info_get(s, cur, &info) != PX_OK)
            break;
        px_hex_encode(hex, cur, 32);
        bool this = memcmp(cur, rec->id, 32) == 0;
        px_entry e;
        px_buf b = {0};
        const char *when = "";
        if (px_store_get(s, cur, &e, &b, NULL) == PX_OK)
            when = px_req_date(r, e.h.timestamp_ms, false);
        px_buf_free(&b);
        if (this)
            px_hf(r, "<li><strong>%s %lld</strong> · %s (%s)</li>", px_t(r, "version"),
                  (long long)info.version_no, when, px_t(r, "this page"));
        else
            px_hf(r, "<li><a href=\"%s\">%s %lld</a> · %s%s</li>",
                  px_req_url(r, px_req_printf(r, "/cases/%s", hex), "lang", lang, NULL),
                  px_t(r, "version"), (long long)info.version_no, when,
                  info.retracted ? px_t(r, " (retracted)") : "");
        if (!info.has_prev)
            break;
        memcpy(cur, info.prev, 32);
    }
    px_h(r, "</ol></section>");
}

int px_page_case(px_req *r)
{
    uint8_t id[32];
    px_web_record rec = {0};
    const char *lang = px_req_rec_lang(r);
    int rc = path_id(r, id);
    if (!rc)
        rc = px_web_record_load(r, id, "case", &rec);
    if (rc) {
        px_web_record_free(&rec);
        return rc;
    }
    char hex[65], author[65];
    px_hex_encode(hex, id, 32);
    px_hex_encode(author, rec.e.h.author, 32);
    char *title = NULL, *tlang = NULL;
    px_langmap_pick_dup(px_record_get(&rec.up.data, "title"), lang, &title, &tlang);
    px_page_begin(r, title ? title : px_t(r, "Case study"));
    if (rec.info.retracted) {
        px_hex_encode(author, rec.info.retracted_by, 32);
        px_hf(r, "<p class=\"retracted\" role=\"note\">%s</p>",
              px_t(r, "Its author has retracted this case study: it is kept as a record but "
                      "no longer stands."));
        px_hex_encode(author, rec.e.h.author, 32);
    } else if (rec.info.has_next) {
        char next[65];
        px_hex_encode(next, rec.info.next, 32);
        px_hf(r, "<p class=\"superseded\" role=\"note\">%s <a href=\"%s\">%s</a></p>",
              px_t(r, "A newer version of this case study exists."),
              px_req_url(r, px_req_printf(r, "/cases/%s", next), "lang", lang, NULL),
              px_t(r, "Read the current version"));
    }
    px_h(r, "<article><h1");
    if (tlang)
        px_hf(r, " lang=\"%s\"", tlang);
    px_hf(r, ">%s", title ? title : px_t(r, "(no title)"));
    px_h(r, "</h1>");
    fallback_mark(r, tlang, lang);
    /* Languages the case is written in: its title's keys. */
    const msgpack_object *tm = px_record_get(&rec.up.data, "title");
    if (tm && tm->type == MSGPACK_OBJECT_MAP && tm->via.map.size > 1) {
        px_hf(r, "<p class=\"langs-rec\">%s ", px_t(r, "Read in:"));
        for (uint32_t i = 0; i < tm->via.map.size && i < 16; i++) {
            const msgpack_object *k = &tm->via.map.ptr[i].key;
            if (k->type != MSGPACK_OBJECT_STR || !px_lang_valid(k->via.str.ptr, k->via.str.size))
                continue;
            char l[24];
            snprintf(l, sizeof l, "%.*s", (int)k->via.str.size, k->via.str.ptr);
            if (tlang && strcmp(l, tlang) == 0)
                px_hf(r, "<strong lang=\"%s\">%s</strong> ", l, l);
            else
                px_hf(r, "<a href=\"%s\" hreflang=\"%s\">%s</a> ",
                      px_req_url(r, px_req_printf(r, "/cases/%s", hex), "lang", l, NULL), l, l);
        }
        px_h(r, "</p>");
    }
    px_h(r, "<dl class=\"facts\">");
    const char *country = str_field(r, &rec, "country"), *stage = str_field(r, &rec, "stage");
    if (country)
        px_hf(r, "<div><dt>%s</dt><dd><a href=\"%s\">%s</a></dd></div>", px_t(r, "Country"),
              px_req_url(r, "/cases", "country", country, NULL), country);
    if (stage)
        px_hf(r, "<div><dt>%s</dt><dd>%s</dd></div>", px_t(r, "Stage"), px_t(r, stage));
    const msgpack_object *sy = px_record_get(&rec.up.data, "start_year");
    const msgpack_object *ey = px_record_get(&rec.up.data, "end_year");
    if (sy && sy->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        px_hf(r, "<div><dt>%s</dt><dd>%llu", px_t(r, "Years"), (unsigned long long)sy->via.u64);
        if (ey && ey->type == MSGPACK_OBJECT_POSITIVE_INTEGER && ey->via.u64 != sy->via.u64)
            px_hf(r, "–%llu", (unsigned long long)ey->via.u64);
        px_h(r, "</dd></div>");
    }
    const char *centre = str_field(r, &rec, "centre");
    if (centre)
        px_hf(r, "<div><dt>%s</dt><dd>%s</dd></div>", px_t(r, "Centre"), centre);
    str_list(r, &rec, "services", px_t(r, "Services"), false);
    str_list(r, &rec, "channels", px_t(r, "Channels"), false);
    str_list(r, &rec, "tags", px_t(r, "Tags"), true);
    const char *contact = str_field(r, &rec, "contact");
    if (contact)
        px_hf(r, "<div><dt>%s</dt><dd>%s</dd></div>", px_t(r, "Contact"), contact);
    const px_member *m = px_members_find(px_req_members(r), rec.e.h.author);
    px_hf(r, "<div><dt>%s</dt><dd>%s <code>%.16s</code></dd></div>", px_t(r, "Published by"),
          m && m->organisation[0] ? m->organisation : "", author);
    px_hf(r, "<div><dt>%s</dt><dd>%s</dd></div>", px_t(r, "Published"),
          px_req_date(r, rec.e.h.timestamp_ms, true));
    if (rec.info.versioned)
        px_hf(r, "<div><dt>%s</dt><dd>%lld</dd></div>", px_t(r, "Version"),
              (long long)rec.info.version_no);
    const msgpack_object *ill = px_record_get(&rec.up.data, "illustrative");
    if (ill && ill->type == MSGPACK_OBJECT_BOOLEAN && ill->via.boolean)
        px_hf(r, "<div><dt>%s</dt><dd><span class=\"badge\">%s</span></dd></div>", px_t(r, "Data"),
              px_t(r, "illustrative"));
    px_h(r, "</dl>");
    text_field(r, &rec, "summary", px_t(r, "Summary"), lang);
    text_field(r, &rec, "problem", px_t(r, "Problem"), lang);
    text_field(r, &rec, "solution", px_t(r, "Solution"), lang);
    text_field(r, &rec, "implementation", px_t(r, "Implementation"), lang);
    text_field(r, &rec, "results", px_t(r, "Results"), lang);
    text_field(r, &rec, "lessons", px_t(r, "Lessons learned"), lang);
    text_field(r, &rec, "transferability", px_t(r, "Transferability"), lang);
    related_results(r, &rec);
    px_web_attachments(r, &rec.up.data, px_req_printf(r, "/cases/%s", hex));
    versions(r, &rec, lang);
    px_hf(r,
          "<section><h2>%s</h2><p class=\"own-link\"><a href=\"%s\">%s</a> · "
          "<a href=\"%s\">%s</a></p></section>",
          px_t(r, "This case study's own link"),
          px_req_url(r, px_req_printf(r, "/cases/%s", hex), "lang", lang, NULL),
          px_req_printf(r, "/cases/%s", hex), px_req_printf(r, "/api/cases/%s", hex),
          px_t(r, "as JSON"));
    px_web_own_record_actions(r, id, "case", rec.e.h.author, rec.info.live, rec.info.retracted);
    px_h(r, "</article>");
    px_page_end(r);
    free(title);
    free(tlang);
    px_web_record_free(&rec);
    return PX_OK;
}
