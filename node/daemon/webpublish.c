/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webpublish.c — the publish forms and the retraction page (see
 * webpublish.h). The members and network pages are in webadmin.c.
 *
 * Layout: who may publish; reading a posted form; running a publication
 * (publish.h) and turning its errors into errors beside fields; where a
 * record's page is; the four forms; the CSV upload; the handlers; the
 * retraction; the actions on one's own record's page.
 */
#include "webpublish.h"

#include "admin.h"
#include "datadir.h"
#include "entry.h"
#include "error.h"
#include "index.h"
#include "jsonmp.h"
#include "publish.h"
#include "records.h"
#include "tabular.h"
#include "util.h"
#include "webfields.h"
#include "webformrec.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

/* Rejected CSV rows listed on the page; the rest are counted. */
enum { CSV_ROWS_SHOWN = 1000 };

/* ---- who may publish ----------------------------------------------------------- */

bool px_web_may_administer(px_req *r)
{
    px_role role = px_req_my_role(r);
    return role == PX_ROLE_ROOT || role == PX_ROLE_SECRETARIAT;
}

/* PX_OK, or a 403 page saying why this node may not publish kind: the
 * ledger's rule (px_role_may_publish), which replication applies too. */
static int may_publish(px_req *r, const char *kind, bool *refused)
{
    px_role role = px_req_my_role(r);
    *refused = !px_role_may_publish(role, kind);
    if (!*refused)
        return PX_OK;
    if (role == PX_ROLE_OBSERVER)
        return px_page_message(r, 403, px_t(r, "Publish"),
                               px_t(r, "This node is an observer: observers replicate records "
                                       "but do not publish them."));
    if (role == PX_ROLE_NONE)
        return px_page_message(r, 403, px_t(r, "Publish"),
                               px_t(r, "This node is not an admitted member of the network yet, "
                                       "so what it published would be refused; ask the "
                                       "secretariat to admit its key."));
    return px_page_message(r, 403, px_t(r, "Publish"),
                           px_t(r, "Only the network's root and secretariat members publish "
                                   "records of this kind."));
}

/* ---- the posted form ----------------------------------------------------------------- */

/* Every posted field except the CSRF token, in order. */
static int read_form(px_req *r, px_form *f)
{
    const char **names = px_req_alloc(r, PX_WEB_FIELDS_MAX * sizeof *names);
    size_t n = px_req_field_names(r, names, PX_WEB_FIELDS_MAX);
    int rc = PX_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        if (strcmp(names[i], PX_WEB_CSRF_FIELD) == 0 || px_form_get(f, names[i]))
            continue;
        rc = px_form_add(f, names[i], px_req_field(r, names[i]));
    }
    return rc;
}

static const char *const skip_fields[] = {PX_WEB_CSRF_FIELD,  "publish",    "add_lang", "upload",
                                          "attachments_json", "attachment", NULL};

static const char *tr_fn(void *ctx, const char *msgid)
{
    return px_t(ctx, msgid);
}

/* ---- publishing ------------------------------------------------------------------------ */

typedef struct outcome {
    bool published;
    uint8_t id[32];
} outcome;

/* Errors of p beside the fields of form f. */
static int take_errors(px_pub *p, const char *kind, const px_form *f, px_form_errors *errs)
{
    size_t n = px_pub_nerrors(p);
    if (n > PX_PUB_MAX_ERRORS)
        n = PX_PUB_MAX_ERRORS;
    int rc = PX_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        const px_pub_error *pe = px_pub_error_at(p, i);
        char field[64];
        px_formrec_field_for(kind, pe->field, f, field, sizeof field);
        /* one message per field beside it; the summary lists them all */
        rc = px_form_error_add(errs, field, pe->message);
    }
    return rc;
}

/* Publish rec (or only check it, when the form had errors of its own),
 * with publish.h. */
static int publish_record(px_req *r, const char *kind, const json_t *rec, const px_form *f,
                          px_form_errors *errs, outcome *out)
{
    struct px_local *l = px_req_local(r);
    px_pub *p = NULL;
    out->published = false;
    if (!l)
        return PX_EIO;
    bool check = errs->n > 0;
    int rc = px_pub_begin(l, &(px_pub_opts){.check = check}, &p);
    if (rc == PX_EBUSY)
        return px_form_error_add(errs, "",
                                 px_t(r, "The store is busy with other work; publish "
                                         "again in a moment."));
    if (!rc)
        rc = px_pub_add_json(p, kind, rec, "form", 1, 0);
    if (!rc) {
        rc = px_pub_finish(p);
        if (rc == PX_OK && !check && px_pub_count(p) == 1) {
            px_pub_entry e;
            px_pub_entry_get(p, 0, &e);
            memcpy(out->id, e.id, 32);
            out->published = true;
        } else if (rc == PX_ESCHEMA || rc == PX_OK) {
            rc = take_errors(p, kind, f, errs);
        }
    }
    px_pub_free(p);
    if (out->published)
        px_web_entries_appended(r);
    return rc;
}

/* ---- record pages ------------------------------------------------------------------------- */

/* The page that shows the record id of kind whose JSON is rec: a case's
 * own page; an indicator's; a result's or a crosswalk's indicator. */
static const char *record_url(px_req *r, const char *kind, const uint8_t id[32], const json_t *rec)
{
    char hex[PX_ID_HEX];
    const char *code = NULL;
    if (strcmp(kind, "indicator") == 0)
        code = json_string_value(json_object_get(rec, "code"));
    else if (strcmp(kind, "benchmark") == 0)
        code = json_string_value(json_object_get(rec, "indicator"));
    else if (strcmp(kind, "crosswalk") == 0)
        code = json_string_value(json_object_get(rec, "from"));
    if (code && px_code_valid(code, strlen(code)))
        return px_req_printf(r, "/indicators/%s", code);
    return px_req_printf(r, "/cases/%s", px_id_hex(hex, id));
}

/* The body of entry id as JSON, from this worker's store. OUT *kind_out
 * and *author (may be NULL). PX_ENOENT when not held or without body. */
static int load_record(px_req *r, const uint8_t id[32], json_t **rec,
                       char kind_out[PX_KIND_MAX + 1], uint8_t author[32])
{
    px_entry e;
    px_buf body = {0};
    *rec = NULL;
    int rc = px_store_get(px_req_store(r), id, &e, &body, NULL);
    if (!rc && !e.body)
        rc = px_err_set(PX_ENOENT, "the body of this entry is not held here");
    if (!rc)
        rc = px_msgpack_to_json(e.body, e.body_len, rec);
    if (!rc && !json_is_object(*rec)) {
        json_decref(*rec);
        *rec = NULL;
        rc = PX_EFORMAT;
    }
    if (!rc && kind_out)
        memcpy(kind_out, e.h.kind, sizeof e.h.kind);
    if (!rc && author)
        memcpy(author, e.h.author, 32);
    px_buf_free(&body);
    return rc;
}

static bool parse_id(const char *hex, uint8_t id[32])
{
    return hex && strlen(hex) == 64 && px_hex_decode(id, 32, hex) == PX_OK;
}

/* ---- the forms ------------------------------------------------------------------------------ */

typedef struct page {
    px_req *r;
    const char *kind;
    px_form f;
    px_form_errors e;
    size_t nlangs;
    const char *notice; /* plain text shown above the form, or NULL */
} page;

static void datalist_indicators(px_req *r)
{
    px_query q = px_req_query(r);
    json_t *doc = NULL;
    if (px_query_indicators(&q, &doc) != PX_OK)
        return;
    px_h(r, "<datalist id=\"indicator-codes\">");
    size_t i;
    json_t *ind;
    json_t *seen = json_object();
    json_array_foreach(json_object_get(doc, "indicators"), i, ind)
    {
        const char *code = json_string_value(json_object_get(ind, "code"));
        const char *name = json_string_value(json_object_get(ind, "name"));
        if (!code || json_object_get(seen, code))
            continue;
        json_object_set_new(seen, code, json_true());
        px_hf(r, "<option value=\"%s\">%s</option>", code, name ? name : "");
    }
    px_h(r, "</datalist>\n");
    json_decref(seen);
    json_decref(doc);
}

static void lang_blocks(page *pg, px_fields *x)
{
    px_req *r = pg->r;
    const char *const *texts = px_formrec_text_fields(pg->kind);
    for (size_t i = 0; i < pg->nlangs; i++) {
        px_hf(r, "<fieldset class=\"lang-block\" id=\"lang-block-%zu\"><legend>%s</legend>\n", i,
              px_req_printf(r, px_t(r, "Text in language %zu"), i + 1));
        px_field_lang(x, px_req_printf(r, "lang_%zu", i), px_t(r, "Language"));
        for (size_t t = 0; texts[t]; t++) {
            const char *name = px_req_printf(r, "%s_%zu", texts[t], i);
            const char *tf = texts[t];
            if (strcmp(tf, "title") == 0)
                px_field_input(x, name, px_t(r, "Title (required)"), NULL, "text", NULL);
            else if (strcmp(tf, "summary") == 0)
                px_field_area(x, name, px_t(r, "Summary (required)"),
                              px_t(r, "A paragraph: what was done, where and with what result."),
                              4);
            else if (strcmp(tf, "problem") == 0)
                px_field_area(x, name, px_t(r, "Problem"), NULL, 3);
            else if (strcmp(tf, "solution") == 0)
                px_field_area(x, name, px_t(r, "Solution"), NULL, 3);
            else if (strcmp(tf, "implementation") == 0)
                px_field_area(x, name, px_t(r, "Implementation"), NULL, 3);
            else if (strcmp(tf, "results") == 0)
                px_field_area(x, name, px_t(r, "Results"), NULL, 3);
            else if (strcmp(tf, "lessons") == 0)
                px_field_area(x, name, px_t(r, "Lessons learned"), NULL, 3);
            else if (strcmp(tf, "transferability") == 0)
                px_field_area(x, name, px_t(r, "Transferability"),
                              px_t(r, "What another centre needs to reuse the practice."), 3);
            else if (strcmp(tf, "name") == 0)
                px_field_input(x, name, px_t(r, "Name (required)"), NULL, "text", NULL);
            else if (strcmp(tf, "description") == 0)
                px_field_area(x, name, px_t(r, "Description"), NULL, 3);
            else if (strcmp(tf, "question") == 0)
                px_field_area(x, name, px_t(r, "Question wording"),
                              px_t(r, "The survey question as respondents read it."), 2);
            else if (strcmp(tf, "unit_of_analysis") == 0)
                px_field_input(x, name, px_t(r, "Unit of analysis"),
                               px_t(r, "For example: service recipient (survey respondent)."),
                               "text", NULL);
            else if (strcmp(tf, "aggregation") == 0)
                px_field_area(x, name, px_t(r, "Aggregation rule"),
                              px_t(r, "How individual answers become the value."), 2);
            else if (strcmp(tf, "methodology") == 0)
                px_field_area(x, name, px_t(r, "Methodology"),
                              px_t(r, "Methodology and its reference (a link may stand in the "
                                      "text)."),
                              3);
            else if (strcmp(tf, "notes") == 0)
                px_field_area(x, name, px_t(r, "Notes"),
                              px_t(r, "Coverage and other remarks shown beside the value."), 2);
            else if (strcmp(tf, "caveats") == 0)
                px_field_area(x, name, px_t(r, "Caveats"),
                              px_t(r, "Shown beside every converted value."), 2);
        }
        px_h(r, "</fieldset>\n");
    }
    if (pg->nlangs < PX_FORMREC_MAX_LANGS)
        px_hf(r,
              "<p><button type=\"submit\" name=\"add_lang\" value=\"1\" id=\"add_lang\" "
              "class=\"secondary\">%s</button></p>\n",
              px_t(r, "Add a language"));
}

static const char *const bool_values[] = {"true", "false", NULL};
static const char *const direction_labels[] = {PX_N_("Higher values are better"),
                                               PX_N_("Lower values are better"), NULL};

/* A case's attachments: those it has already (a new version, or the form
 * shown again) travel in a hidden field as JSON; one more file may be
 * uploaded with each submission (PX_WEB_UPLOAD_MAX). */
static void form_attachments(page *pg, px_fields *x)
{
    px_req *r = pg->r;
    px_hf(r, "<fieldset><legend>%s</legend>\n", px_t(r, "Attachments"));
    px_field_hidden(x, "attachments_json");
    const char *kept = px_form_get(&pg->f, "attachments_json");
    json_t *have = kept && kept[0] ? json_loads(kept, 0, NULL) : NULL;
    if (json_is_array(have) && json_array_size(have) > 0) {
        px_h(r, "<ul>");
        for (size_t i = 0; i < json_array_size(have) && i < 64; i++)
            px_hf(r, "<li>%s</li>",
                  json_string_value(json_object_get(json_array_get(have, i), "name")));
        px_h(r, "</ul>");
    }
    json_decref(have);
    px_hf(r,
          "<p><label for=\"attachment\">%s</label> <input type=\"file\" id=\"attachment\" "
          "name=\"attachment\"></p><p class=\"note\">%s</p></fieldset>\n",
          px_t(r, "Attach a file (a survey report, a charter, a questionnaire)"),
          px_t(r, "At most 16 MiB from this form; larger files (up to 64 MiB) with 'praxis blob "
                  "add' and 'praxis publish'. Other members fetch it when they open the case."));
}

/* The uploaded attachment of a case form, as {"file": TMP, "name": ...}
 * added to rec's attachments (publish adds the file to the blob store in
 * its transaction). OUT tmp: the temporary file to remove afterwards ("" if
 * none). The file name the browser sent is cut to its last path component,
 * without control characters, at most 255 bytes. */
static int take_upload(px_req *r, json_t *rec, char *tmp, size_t tmplen)
{
    tmp[0] = '\0';
    const char *kept = px_req_field(r, "attachments_json");
    if (kept && kept[0]) {
        json_t *list = json_loads(kept, 0, NULL);
        if (!json_is_array(list) || json_array_size(list) > 64) {
            json_decref(list);
            return px_err_set(PX_EINVAL, "the attachments field is not a list of attachments");
        }
        json_object_set_new(rec, "attachments", list);
    }
    const px_upload *u = px_req_upload(r, "attachment");
    if (!u || (!u->len && (!u->filename || !u->filename[0])))
        return PX_OK;
    struct px_local *l = px_req_local(r);
    if (!l)
        return PX_EIO;
    char name[256];
    const char *base = u->filename && u->filename[0] ? u->filename : "attachment";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t n = 0;
    for (const char *p = base; *p && n < sizeof name - 1; p++)
        if ((unsigned char)*p >= 0x20 && *p != 0x7f)
            name[n++] = *p;
    name[px_utf8_trunc(name, n, 255)] = '\0';
    if (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        snprintf(name, sizeof name, "attachment");
    int rc = px_path_join(tmp, tmplen, l->paths.dir, "blobs/upload.XXXXXX");
    int fd = rc ? -1 : mkstemp(tmp);
    if (fd < 0) {
        tmp[0] = '\0';
        return px_err_set(PX_EIO, "no room for the uploaded file");
    }
    size_t off = 0;
    while (off < u->len) {
        ssize_t w = write(fd, u->data + off, u->len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);
    if (off != u->len)
        return px_err_set(PX_EIO, "the uploaded file could not be written (is the disk full?)");
    json_t *list = json_object_get(rec, "attachments");
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(rec, "attachments", list);
    }
    json_array_append_new(list, json_pack("{s:s, s:s}", "file", tmp, "name", name));
    return PX_OK;
}

static void form_case(page *pg, px_fields *x)
{
    px_req *r = pg->r;
    px_hf(r, "<fieldset><legend>%s</legend>\n", px_t(r, "Where and how far"));
    px_field_country(x, "country", px_t(r, "Country (required)"),
                     px_t(r, "Where the practice took place."), px_t(r, "(choose a country)"));
    px_field_select(x, "stage", px_t(r, "Stage (required)"),
                    px_t(r, "How far the practice has got."), px_record_choices("case", "stage"),
                    NULL, px_t(r, "(choose a stage)"));
    px_field_input(x, "start_year", px_t(r, "Start year"), NULL, "number", NULL);
    px_field_input(x, "end_year", px_t(r, "End year"), NULL, "number", NULL);
    px_field_input(x, "centre", px_t(r, "Centre or organisation"), NULL, "text", NULL);
    px_h(r, "</fieldset>\n");
    lang_blocks(pg, x);
    px_hf(r, "<fieldset><legend>%s</legend>\n", px_t(r, "Lists"));
    const char *one = px_t(r, "One per line.");
    px_field_area(x, "services", px_t(r, "Services"), one, 3);
    px_field_area(x, "channels", px_t(r, "Channels"),
                  px_t(r, "One per line, for example: in person, online, mobile, phone."), 3);
    px_field_area(x, "tags", px_t(r, "Tags"), one, 3);
    px_field_area(x, "related_results", px_t(r, "Related benchmark results"),
                  px_t(r, "Entry ids (64 hex digits) of the results this case refers to, one per "
                          "line."),
                  2);
    px_h(r, "</fieldset>\n");
    px_field_input(x, "contact", px_t(r, "Contact"), NULL, "text", NULL);
}

static void form_indicator(page *pg, px_fields *x)
{
    px_req *r = pg->r;
    px_hf(r, "<fieldset><legend>%s</legend>\n", px_t(r, "Identity"));
    px_field_input(x, "code", px_t(r, "Code (required)"),
                   px_t(r, "Letters, digits, - and _, for example KZ-SAT-OVERALL."), "text", NULL);
    px_field_input(x, "version", px_t(r, "Version (required)"),
                   px_t(r, "1 for a first definition; a changed definition of the same code "
                           "gets a higher version."),
                   "text", NULL);
    px_field_select(x, "measure_type", px_t(r, "Measure type (required)"), NULL,
                    px_record_choices("indicator", "measure_type"), NULL,
                    px_t(r, "(choose a measure type)"));
    px_field_select(x, "domain", px_t(r, "Domain"), NULL, px_record_choices("indicator", "domain"),
                    NULL, px_t(r, "(none)"));
    px_h(r, "</fieldset>\n");
    px_hf(r, "<fieldset><legend>%s</legend>\n", px_t(r, "Scale"));
    px_field_input(x, "scale_min", px_t(r, "Lowest value (required)"), NULL, "number", "any");
    px_field_input(x, "scale_max", px_t(r, "Highest value (required)"), NULL, "number", "any");
    px_field_select(x, "higher_is_better", px_t(r, "Direction"), NULL, bool_values,
                    direction_labels, NULL);
    px_field_input(x, "unit", px_t(r, "Unit"), px_t(r, "Short: points, %, minutes."), "text", NULL);
    px_h(r, "</fieldset>\n");
    lang_blocks(pg, x);
}

static void form_benchmark(page *pg, px_fields *x)
{
    px_req *r = pg->r;
    datalist_indicators(r);
    px_hf(r, "<fieldset><legend>%s</legend>\n", px_t(r, "What was measured"));
    px_field_input_list(x, "indicator", px_t(r, "Indicator code (required)"),
                        px_t(r, "The indicator must be held here; the value is checked against "
                                "its scale."),
                        "indicator-codes");
    px_field_input(x, "indicator_version", px_t(r, "Indicator version"),
                   px_t(r, "Leave empty for the latest version."), "text", NULL);
    px_field_country(x, "country", px_t(r, "Country (required)"), NULL,
                     px_t(r, "(choose a country)"));
    px_field_input(x, "period", px_t(r, "Period (required)"),
                   px_t(r, "A year, a quarter or a month: 2018, 2018-Q1 or 2018-03."), "text",
                   NULL);
    px_field_input(x, "centre", px_t(r, "Centre"), px_t(r, "Empty means all centres."), "text",
                   NULL);
    px_field_input(x, "service", px_t(r, "Service"), px_t(r, "Empty means all services."), "text",
                   NULL);
    px_field_input(x, "channel", px_t(r, "Channel"), px_t(r, "Empty means all channels."), "text",
                   NULL);
    px_h(r, "</fieldset>\n");
    px_hf(r, "<fieldset><legend>%s</legend>\n", px_t(r, "The result"));
    px_field_input(x, "value", px_t(r, "Value (required)"),
                   px_t(r, "On the indicator's own scale, with a decimal point: 4.66."), "number",
                   "any");
    px_field_input(x, "n", px_t(r, "Number of observations (n)"), NULL, "number", NULL);
    px_field_input(x, "ci_low", px_t(r, "Confidence interval, low"),
                   px_t(r, "Give both ends of the interval or neither."), "number", "any");
    px_field_input(x, "ci_high", px_t(r, "Confidence interval, high"), NULL, "number", "any");
    px_field_input(x, "std_err", px_t(r, "Standard error"), NULL, "number", "any");
    px_field_select(x, "method", px_t(r, "Method"), NULL, px_record_choices("benchmark", "method"),
                    NULL, px_t(r, "(not given)"));
    px_field_select(x, "status", px_t(r, "Status"), NULL, px_record_choices("benchmark", "status"),
                    NULL, px_t(r, "(normal)"));
    px_field_input(x, "source", px_t(r, "Source"), px_t(r, "Publication or report, with its link."),
                   "text", NULL);
    px_h(r, "</fieldset>\n");
    lang_blocks(pg, x);
}

static void form_crosswalk(page *pg, px_fields *x)
{
    px_req *r = pg->r;
    datalist_indicators(r);
    px_hf(r, "<fieldset><legend>%s</legend>\n", px_t(r, "The two indicators"));
    px_field_input_list(x, "from", px_t(r, "From indicator (required)"), NULL, "indicator-codes");
    px_field_input_list(x, "to", px_t(r, "To indicator (required)"), NULL, "indicator-codes");
    px_h(r, "</fieldset>\n");
    px_hf(r, "<fieldset><legend>%s</legend>\n", px_t(r, "Conversion"));
    px_field_select(x, "conversion", px_t(r, "Conversion (required)"),
                    px_t(r, "By scale endpoints, or linear: to = a × from + b."),
                    (const char *const[]){"endpoints", "linear", NULL}, NULL, NULL);
    px_field_input(x, "a", px_t(r, "a (linear only)"), NULL, "number", "any");
    px_field_input(x, "b", px_t(r, "b (linear only)"), NULL, "number", "any");
    px_field_select(x, "grade", px_t(r, "Comparability (required)"), NULL,
                    px_record_choices("crosswalk", "grade"), NULL, px_t(r, "(choose a grade)"));
    px_h(r, "</fieldset>\n");
    lang_blocks(pg, x);
}

static const char *page_title(px_req *r, const char *kind)
{
    if (strcmp(kind, "case") == 0)
        return px_t(r, "Publish a case study");
    if (strcmp(kind, "indicator") == 0)
        return px_t(r, "Publish an indicator");
    if (strcmp(kind, "benchmark") == 0)
        return px_t(r, "Publish benchmark results");
    return px_t(r, "Publish a crosswalk");
}

static void upload_form(px_req *r, const char *upload_error);

static int render(page *pg, const char *upload_error)
{
    px_req *r = pg->r;
    px_fields x = {.r = r, .f = &pg->f, .e = &pg->e};
    px_fields_page_begin(r, page_title(r, pg->kind));
    px_hf(r, "<h1>%s</h1>\n", page_title(r, pg->kind));
    if (pg->notice)
        px_hf(r, "<p class=\"notice\" role=\"status\">%s</p>\n", pg->notice);
    const char *sup = px_form_get(&pg->f, "supersedes");
    if (sup && sup[0] && strcmp(pg->kind, "case") == 0)
        px_hf(r, "<p class=\"notice\">%s <a href=\"%s\"><code>%s…</code></a></p>\n",
              px_t(r, "This is a new version of"), px_req_printf(r, "/cases/%s", sup),
              px_req_printf(r, "%.16s", sup));
    else if (sup && sup[0])
        px_hf(r, "<p class=\"notice\">%s <code>%s…</code></p>\n",
              px_t(r, "This is a new version of"), px_req_printf(r, "%.16s", sup));
    px_fields_summary(&x, px_t(r, "Nothing was published. Correct the fields below."));
    if (strcmp(pg->kind, "benchmark") == 0)
        px_hf(r, "<p><a href=\"#upload\">%s</a></p>\n<h2>%s</h2>\n",
              px_t(r, "Many results at once? Upload a CSV file."), px_t(r, "One result"));
    px_hf(r, "<form method=\"post\" action=\"/publish/%s\" id=\"publish-%s\"", pg->kind, pg->kind);
    if (strcmp(pg->kind, "case") == 0) /* it may carry a file (form_attachments) */
        px_h(r, " enctype=\"multipart/form-data\"");
    px_h(r, " novalidate>\n");
    px_csrf_input(r);
    /* Enter in a text field presses the form's first submit button: make
     * that one publish, not "add a language" further down. It has no text
     * and is hidden from assistive technology and from the tab order; the
     * visible "Publish" button at the end is the one people use. */
    px_h(r, "<button type=\"submit\" name=\"publish\" value=\"1\" class=\"visually-hidden\" "
            "tabindex=\"-1\" aria-hidden=\"true\"></button>");
    px_field_hidden(&x, "supersedes");
    if (strcmp(pg->kind, "case") == 0) {
        form_case(pg, &x);
        form_attachments(pg, &x);
    } else if (strcmp(pg->kind, "indicator") == 0)
        form_indicator(pg, &x);
    else if (strcmp(pg->kind, "benchmark") == 0)
        form_benchmark(pg, &x);
    else
        form_crosswalk(pg, &x);
    px_field_check(&x, "illustrative", px_t(r, "Illustrative (demo or made-up content)"), NULL);
    px_hf(r,
          "<p><button type=\"submit\" name=\"publish\" value=\"1\" id=\"publish\">%s</button>"
          "</p>\n</form>\n",
          px_t(r, "Publish"));
    if (strcmp(pg->kind, "benchmark") == 0)
        upload_form(r, upload_error);
    px_page_end(r);
    return PX_OK;
}

/* ---- the CSV upload ------------------------------------------------------------------------ */

static void upload_form(px_req *r, const char *upload_error)
{
    px_hf(r, "<h2 id=\"upload\">%s</h2>\n", px_t(r, "Many results from a CSV file"));
    px_hf(r, "<p>%s</p>\n",
          px_t(r, "The first line names the columns: indicator, country, period and value are "
                  "required; indicator_version, centre, service, channel, n, ci_low, ci_high, "
                  "std_err, method, status, source and illustrative may follow. Separate with "
                  "commas or semicolons and use a decimal point. Every row is checked and "
                  "nothing is published unless all rows are good."));
    px_h(r, "<form method=\"post\" action=\"/publish/benchmark\" enctype=\"multipart/form-data\" "
            "id=\"upload-benchmarks\">\n");
    px_csrf_input(r);
    px_h(r, upload_error ? "<div class=\"field has-error\">" : "<div class=\"field\">");
    px_hf(r, "<label for=\"csv\">%s</label>", px_t(r, "CSV file (UTF-8)"));
    if (upload_error)
        px_hf(r, "<p class=\"error\" id=\"err-csv\" role=\"alert\">%s</p>", upload_error);
    px_hf(r, "<input type=\"file\" id=\"csv\" name=\"csv\" accept=\".csv,text/csv\"%s></div>\n",
          upload_error ? " aria-describedby=\"err-csv\" aria-invalid=\"true\"" : "");
    px_hf(r,
          "<p><button type=\"submit\" name=\"upload\" value=\"1\" id=\"upload-button\">%s"
          "</button></p>\n</form>\n",
          px_t(r, "Check and publish the file"));
}

/* The rejected rows of an upload, one table row per error. */
static void csv_errors(px_req *r, px_pub *p)
{
    size_t n = px_pub_nerrors(p), shown = n < CSV_ROWS_SHOWN ? n : CSV_ROWS_SHOWN;
    px_h(r, "<div class=\"errors\" id=\"form-errors\" role=\"alert\" tabindex=\"-1\">");
    size_t rejected = px_pub_rejected(p);
    if (rejected)
        px_hf(r, "<h2>%s</h2>",
              px_req_printf(r,
                            px_tn(r, "Nothing was published: %zu row was rejected.",
                                  "Nothing was published: %zu rows were rejected.", rejected),
                            rejected));
    else
        px_hf(r, "<h2>%s</h2>",
              px_t(r, "Nothing was published: the file cannot be read as "
                      "benchmark results."));
    px_hf(r,
          "<div class=\"table-wrap\"><table id=\"csv-errors\"><thead><tr><th "
          "scope=\"col\">%s</th><th scope=\"col\">"
          "%s</th><th scope=\"col\">%s</th></tr></thead><tbody>\n",
          px_t(r, "Line"), px_t(r, "Field"), px_t(r, "What is wrong"));
    for (size_t i = 0; i < shown; i++) {
        const px_pub_error *e = px_pub_error_at(p, i);
        if (e->line)
            px_hf(r, "<tr id=\"csv-line-%zu\"><td>%zu</td>", e->line, e->line);
        else
            px_h(r, "<tr><td></td>");
        px_hf(r, "<td>%s</td><td>%s</td></tr>\n", e->field, e->message);
    }
    px_h(r, "</tbody></table></div>");
    if (n > shown)
        px_hf(r, "<p>%s</p>",
              px_req_printf(r, px_t(r, "… and %zu more problems not listed."), n - shown));
    px_h(r, "</div>\n");
}

/* A sentence when the upload is not something to read as CSV, else NULL. */
static const char *upload_refusal(px_req *r, const px_upload *u)
{
    if (!u || u->len == 0)
        return px_t(r, "Choose a CSV file to upload: no file, or an empty one, was sent.");
    if (u->len > PX_WEB_UPLOAD_MAX)
        return px_req_printf(r,
                             px_t(r, "The file is too big: at most %d MiB can be uploaded at "
                                     "once; split it into smaller files."),
                             (int)(PX_WEB_UPLOAD_MAX / (1024 * 1024)));
    if ((u->len >= 4 && memcmp(u->data, "PK\x03\x04", 4) == 0) ||
        (u->len >= 4 && memcmp(u->data, "\xd0\xcf\x11\xe0", 4) == 0))
        return px_t(r, "The file is a spreadsheet workbook, not CSV; save it as \"CSV UTF-8\" "
                       "and upload that.");
    if (memchr(u->data, '\0', u->len))
        return px_t(r, "The file is not CSV text (it holds binary data); upload a CSV file.");
    if (!px_utf8_valid((const char *)u->data, u->len))
        return px_t(r, "The file is not UTF-8 text; save it as \"CSV UTF-8\" and upload it "
                       "again.");
    return NULL;
}

static int upload(px_req *r, const px_upload *u)
{
    page pg = {.r = r, .kind = "benchmark", .nlangs = 1};
    const char *refusal = upload_refusal(r, u);
    int rc = PX_OK;
    if (refusal) {
        rc = render(&pg, refusal);
        goto out;
    }
    struct px_local *l = px_req_local(r);
    px_pub *p = NULL;
    if (!l) {
        rc = PX_EIO;
        goto out;
    }
    rc = px_pub_begin(l, NULL, &p);
    if (rc == PX_EBUSY) {
        rc = render(&pg, px_t(r, "The store is busy with other work; upload again in a moment."));
        goto out;
    }
    const char *name = u->filename && u->filename[0] ? u->filename : "upload.csv";
    if (!rc)
        rc = px_pub_add_csv(p, name, (const char *)u->data, u->len);
    if (!rc)
        rc = px_pub_finish(p);
    if (rc == PX_OK && px_pub_count(p) > 0) {
        px_pub_entry e;
        json_t *rec = NULL;
        px_pub_entry_get(p, 0, &e);
        px_web_entries_appended(r);
        /* the first result's indicator page */
        load_record(r, e.id, &rec, NULL, NULL);
        px_req_redirect(r, rec ? record_url(r, "benchmark", e.id, rec) : "/indicators");
        json_decref(rec);
    } else if (rc == PX_ESCHEMA || rc == PX_OK) {
        px_fields_page_begin(r, page_title(r, "benchmark"));
        px_hf(r, "<h1>%s</h1>\n", page_title(r, "benchmark"));
        if (rc == PX_OK) /* no rows at all */
            px_hf(r, "<div class=\"errors\" id=\"form-errors\" role=\"alert\"><p>%s</p></div>",
                  px_t(r, "The file holds no results: nothing was published."));
        else
            csv_errors(r, p);
        upload_form(r, NULL);
        px_page_end(r);
        rc = PX_OK;
    }
    px_pub_free(p);
out:
    px_form_free(&pg.f);
    px_form_errors_free(&pg.e);
    return rc;
}

/* ---- the handlers --------------------------------------------------------------------------- */

/* Prefill a new version of the record supersedes (hex) of kind. */
static int prefill(page *pg, const char *hex, bool *refused)
{
    px_req *r = pg->r;
    uint8_t id[32], author[32];
    char kind[PX_KIND_MAX + 1];
    json_t *rec = NULL;
    *refused = true;
    if (!parse_id(hex, id))
        return px_page_message(r, 400, page_title(r, pg->kind),
                               px_t(r, "The record to supersede must be named by its entry id "
                                       "(64 hex digits)."));
    int rc = load_record(r, id, &rec, kind, author);
    if (rc == PX_ENOENT)
        return px_page_message(r, 404, page_title(r, pg->kind),
                               px_t(r, "The record to supersede is not held here."));
    if (rc)
        return rc;
    if (strcmp(kind, pg->kind) != 0 || memcmp(author, px_req_me(r), 32) != 0) {
        json_decref(rec);
        return px_page_message(r, 403, page_title(r, pg->kind),
                               px_t(r, "Only the node that published a record publishes new "
                                       "versions of it, as a record of the same kind."));
    }
    *refused = false;
    rc = px_form_add(&pg->f, "supersedes", hex);
    json_t *ver = json_object_get(rec, "version");
    if (!rc && json_is_integer(ver))
        rc = px_form_add(&pg->f, "version",
                         px_req_printf(r, "%lld", (long long)json_integer_value(ver) + 1));
    if (!rc)
        rc = px_formrec_fill(pg->kind, rec, &pg->f);
    json_t *att = json_object_get(rec, "attachments");
    if (!rc && json_is_array(att)) { /* a new version keeps the attachments */
        char *text = json_dumps(att, JSON_COMPACT);
        rc = text ? px_form_add(&pg->f, "attachments_json", text) : PX_ENOMEM;
        free(text);
    }
    json_decref(rec);
    pg->nlangs = px_formrec_nlangs(pg->kind, &pg->f);
    return rc;
}

static int publish_page(px_req *r, const char *kind)
{
    bool refused;
    int rc = may_publish(r, kind, &refused);
    if (refused)
        return rc;
    page pg = {.r = r, .kind = kind, .nlangs = 1};
    if (!px_req_is_post(r)) {
        const char *sup = px_req_arg(r, "supersedes");
        if (sup && sup[0]) {
            rc = prefill(&pg, sup, &refused);
            if (refused)
                goto out;
        } else {
            rc = px_form_add(&pg.f, "lang_0", px_req_lang(r));
        }
        if (!rc)
            rc = render(&pg, NULL);
        goto out;
    }
    if (strcmp(kind, "benchmark") == 0 && (px_req_upload(r, "csv") || px_req_field(r, "upload"))) {
        rc = upload(r, px_req_upload(r, "csv"));
        goto out;
    }
    rc = read_form(r, &pg.f);
    if (rc)
        goto out;
    pg.nlangs = px_formrec_nlangs(kind, &pg.f);
    if (px_req_field(r, "add_lang")) {
        if (pg.nlangs < PX_FORMREC_MAX_LANGS)
            pg.nlangs++;
        rc = render(&pg, NULL);
        goto out;
    }
    json_t *rec = NULL;
    outcome res;
    rc = px_formrec_build(kind, &pg.f, skip_fields, &(px_formrec_tr){tr_fn, r}, &rec, &pg.e);
    char tmp[PATH_MAX] = "";
    if (!rc && rec && strcmp(kind, "case") == 0)
        rc = take_upload(r, rec, tmp, sizeof tmp);
    if (!rc)
        rc = publish_record(r, kind, rec, &pg.f, &pg.e, &res);
    if (tmp[0])
        unlink(tmp); /* the blob store holds its own copy */
    if (!rc && res.published)
        px_req_redirect(r, record_url(r, kind, res.id, rec));
    else if (!rc)
        rc = render(&pg, NULL); /* 200, the errors beside their fields */
    json_decref(rec);
out:
    px_form_free(&pg.f);
    px_form_errors_free(&pg.e);
    return rc;
}

int px_page_publish(px_req *r)
{
    bool refused;
    int rc = may_publish(r, "case", &refused);
    if (refused)
        return rc;
    const char *title = px_t(r, "Publish");
    px_fields_page_begin(r, title);
    px_hf(r, "<h1>%s</h1>\n<p>%s</p>\n<ul class=\"publish-kinds\" id=\"publish-kinds\">\n", title,
          px_t(r, "What this node publishes is signed with its key and spreads to every member. "
                  "Every record is checked first, with the same rules as 'praxis publish'."));
    px_hf(r, "<li><a href=\"/publish/case\">%s</a> — %s</li>\n", px_t(r, "A case study"),
          px_t(r, "a practice of your centre, in one or more languages"));
    px_hf(r, "<li><a href=\"/publish/indicator\">%s</a> — %s</li>\n", px_t(r, "An indicator"),
          px_t(r, "what a survey measures: its scale, direction and methodology"));
    px_hf(r, "<li><a href=\"/publish/benchmark\">%s</a> — %s</li>\n", px_t(r, "Benchmark results"),
          px_t(r, "one by form, or many from a CSV file"));
    if (px_role_may_publish(px_req_my_role(r), "crosswalk"))
        px_hf(r, "<li><a href=\"/publish/crosswalk\">%s</a> — %s</li>\n", px_t(r, "A crosswalk"),
              px_t(r, "declares two indicators comparable, with a conversion"));
    px_h(r, "</ul>\n");
    px_page_end(r);
    return PX_OK;
}

int px_page_publish_case(px_req *r)
{
    return publish_page(r, "case");
}

int px_page_publish_indicator(px_req *r)
{
    return publish_page(r, "indicator");
}

int px_page_publish_benchmark(px_req *r)
{
    return publish_page(r, "benchmark");
}

int px_page_publish_crosswalk(px_req *r)
{
    return publish_page(r, "crosswalk");
}

/* ---- retraction ----------------------------------------------------------------------------- */

/* A record's title (a case's title, an indicator's name) in the reader's
 * language, or NULL. */
static const char *record_title(px_req *r, const json_t *rec, const char *kind)
{
    const json_t *t = json_object_get(rec, strcmp(kind, "indicator") == 0 ? "name" : "title");
    const char *want = px_req_rec_lang(r), *v = NULL;
    if (json_is_object(t)) {
        v = json_string_value(json_object_get(t, want));
        if (!v)
            v = json_string_value(json_object_get(t, "en"));
        if (!v) {
            const char *k;
            json_t *x;
            json_object_foreach((json_t *)t, k, x)
            {
                (void)k;
                if ((v = json_string_value(x)))
                    break;
            }
        }
    }
    if (!v && strcmp(kind, "benchmark") == 0)
        return px_req_printf(r, "%s %s %s", json_string_value(json_object_get(rec, "indicator")),
                             json_string_value(json_object_get(rec, "country")),
                             json_string_value(json_object_get(rec, "period")));
    if (!v && strcmp(kind, "crosswalk") == 0)
        return px_req_printf(r, "%s → %s", json_string_value(json_object_get(rec, "from")),
                             json_string_value(json_object_get(rec, "to")));
    return v ? px_req_strdup(r, v) : NULL;
}

static const char *kind_label(px_req *r, const char *kind)
{
    if (strcmp(kind, "case") == 0)
        return px_t(r, "case study");
    if (strcmp(kind, "indicator") == 0)
        return px_t(r, "indicator");
    if (strcmp(kind, "benchmark") == 0)
        return px_t(r, "benchmark result");
    if (strcmp(kind, "crosswalk") == 0)
        return px_t(r, "crosswalk");
    return kind;
}

static int retract_form(px_req *r, const uint8_t id[32], const char *hex, const char *kind,
                        const json_t *rec, px_form *f, const px_form_errors *e)
{
    px_fields x = {.r = r, .f = f, .e = e};
    const char *title = px_t(r, "Retract a record");
    px_fields_page_begin(r, title);
    px_hf(r, "<h1>%s</h1>\n", title);
    px_hf(r, "<p>%s <strong>%s</strong> (%s, <code>%s…</code>)</p>\n",
          px_t(r, "You are about to withdraw"), record_title(r, rec, kind), kind_label(r, kind),
          px_req_printf(r, "%.16s", hex));
    px_hf(r, "<p>%s</p>\n",
          px_t(r, "The record stays in the feed (records are immutable), but every node leaves "
                  "it out of searches and comparisons from then on. This cannot be undone."));
    px_fields_summary(&x, px_t(r, "Nothing was retracted."));
    px_hf(r, "<form method=\"post\" action=\"/retract/%s\" id=\"retract-record\">\n", hex);
    px_csrf_input(r);
    px_field_area(&x, "reason", px_t(r, "Reason"),
                  px_t(r, "Why the record is withdrawn; shown with it."), 3);
    px_field_lang(&x, "reason_lang", px_t(r, "Language of the reason"));
    px_hf(r,
          "<p><button type=\"submit\" name=\"retract\" value=\"1\" id=\"retract\" "
          "class=\"danger\">%s</button> <a href=\"%s\">%s</a></p>\n</form>\n",
          px_t(r, "Retract for good"), record_url(r, kind, id, rec), px_t(r, "Cancel"));
    px_page_end(r);
    return PX_OK;
}

int px_page_retract(px_req *r)
{
    const char *hex = px_req_param(r);
    uint8_t id[32], author[32], newid[32];
    char kind[PX_KIND_MAX + 1];
    json_t *rec = NULL;
    const char *title = px_t(r, "Retract a record");
    if (!parse_id(hex, id))
        return px_page_message(r, 404, title,
                               px_t(r, "A record is named by its entry id (64 hex digits)."));
    int rc = load_record(r, id, &rec, kind, author);
    if (rc == PX_ENOENT)
        return px_page_message(r, 404, title, px_t(r, "This record is not held here."));
    if (rc)
        return rc;
    px_form f = {0};
    px_form_errors e = {0};
    if (memcmp(author, px_req_me(r), 32) != 0) {
        rc = px_page_message(r, 403, title,
                             px_t(r, "Only the node that published a record can retract it."));
        goto out;
    }
    if (!px_formrec_kind(kind)) {
        rc = px_page_message(r, 400, title,
                             px_t(r, "Only case studies, indicators, benchmark results and "
                                     "crosswalks can be retracted."));
        goto out;
    }
    px_index_info info;
    if (px_index_info_get(px_req_store(r), id, &info) == PX_OK && info.retracted) {
        rc = px_page_message(r, 409, title, px_t(r, "This record is retracted already."));
        goto out;
    }
    if (!px_req_is_post(r)) {
        rc = px_form_add(&f, "reason_lang", px_req_lang(r));
        if (!rc)
            rc = retract_form(r, id, hex, kind, rec, &f, &e);
        goto out;
    }
    rc = read_form(r, &f);
    if (rc)
        goto out;
    const char *field = "";
    struct px_local *l = px_req_local(r);
    if (!l) {
        rc = PX_EIO;
        goto out;
    }
    int arc = px_admin_retract(l, id, px_form_get(&f, "reason"), px_form_get(&f, "reason_lang"),
                               newid, &field);
    if (arc == PX_OK) {
        px_web_entries_appended(r);
        char h[PX_ID_HEX];
        px_req_redirect(r, strcmp(kind, "case") == 0
                               ? px_req_printf(r, "/cases/%s", px_id_hex(h, id))
                               : record_url(r, kind, id, rec));
    } else if (arc == PX_ENOMEM || arc == PX_ESTORE || arc == PX_EIO) {
        rc = arc;
    } else {
        rc = px_form_error_add(&e, strcmp(field, "target") == 0 ? "" : field, px_err_message(arc));
        if (!rc)
            rc = retract_form(r, id, hex, kind, rec, &f, &e);
    }
out:
    json_decref(rec);
    px_form_free(&f);
    px_form_errors_free(&e);
    return rc;
}

/* ---- on one's own record's page ------------------------------------------------------------- */

void px_web_own_record_actions(px_req *r, const uint8_t id[32], const char *kind,
                               const uint8_t author[32], bool is_live, bool retracted)
{
    px_role role = px_req_my_role(r);
    char hex[PX_ID_HEX];
    if (memcmp(author, px_req_me(r), 32) != 0 || !px_role_may_publish(role, "retract") || retracted)
        return;
    px_id_hex(hex, id);
    px_h(r, "<link rel=\"stylesheet\" href=\"/assets/forms.css\">");
    px_hf(r, "<div class=\"own-actions\" id=\"own-actions\"><h2>%s</h2><p>",
          px_t(r, "Your record"));
    if (is_live && (strcmp(kind, "case") == 0 || strcmp(kind, "indicator") == 0))
        px_hf(r,
              "<a class=\"button\" id=\"new-version\" href=\"/publish/%s?supersedes=%s\">%s"
              "</a> ",
              kind, hex, px_t(r, "Publish a new version"));
    px_hf(r, "<a class=\"button danger\" id=\"retract-link\" href=\"/retract/%s\">%s</a>", hex,
          px_t(r, "Retract…"));
    px_h(r, "</p></div>\n");
}
