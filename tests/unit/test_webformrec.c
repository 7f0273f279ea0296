/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_webformrec.c — publish forms to records and back (node/daemon/webformrec.c):
 * what a browser posts becomes the record `praxis publish` reads, values
 * that do not convert reach the validator as text (so it names them),
 * language blocks, lists, nested maps, unknown fields passed on, a record
 * turned back into the form that shows it, and error paths mapped to the
 * field they belong beside.
 */
#include "check.h"
#include "error.h"
#include "webformrec.h"
#include "jsonmp.h"
#include "records.h"
#include "util.h"

#include <stdlib.h>

static const char *const skip[] = {"csrf", "publish", "add_lang", NULL};

static void add(px_form *f, const char *n, const char *v)
{
    CHECK_RC(px_form_add(f, n, v), PX_OK);
}

/* The record must pass the records schema, like `praxis publish`'s. */
static int validate(const char *kind, const json_t *rec)
{
    px_buf b = {0};
    int rc = px_json_to_msgpack(rec, &b);
    if (!rc)
        rc = px_record_validate(kind, b.data, b.len);
    px_buf_free(&b);
    return rc;
}

static void test_case(void)
{
    px_form f = {0};
    px_form_errors e = {0};
    json_t *rec = NULL;
    add(&f, "csrf", "token");
    add(&f, "lang_0", "en");
    add(&f, "title_0", "  One-stop shop  ");
    add(&f, "summary_0", "A summary.");
    add(&f, "problem_0", "");
    add(&f, "lang_1", "ru");
    add(&f, "title_1", "Одно окно");
    add(&f, "country", "KZ");
    add(&f, "stage", "pilot");
    add(&f, "start_year", "2005");
    add(&f, "end_year", "2007");
    add(&f, "tags", "one-stop shop\r\n\r\n  service charters \n");
    add(&f, "channels", "");
    add(&f, "illustrative", "1");
    add(&f, "publish", "Publish");
    CHECK_RC(px_formrec_build("case", &f, skip, NULL, &rec, &e), PX_OK);
    CHECK(e.n == 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(rec, "title"), "en")),
              "One-stop shop");
    CHECK_STR(json_string_value(json_object_get(json_object_get(rec, "title"), "ru")), "Одно окно");
    CHECK(json_object_get(json_object_get(rec, "summary"), "ru") == NULL);
    CHECK(json_object_get(rec, "problem") == NULL); /* empty: absent */
    CHECK(json_object_get(rec, "channels") == NULL);
    CHECK(json_integer_value(json_object_get(rec, "start_year")) == 2005);
    CHECK(json_array_size(json_object_get(rec, "tags")) == 2);
    CHECK_STR(json_string_value(json_array_get(json_object_get(rec, "tags"), 1)),
              "service charters");
    CHECK(json_is_true(json_object_get(rec, "illustrative")));
    CHECK(json_object_get(rec, "csrf") == NULL && json_object_get(rec, "publish") == NULL);
    CHECK_RC(validate("case", rec), PX_OK);
    CHECK(px_formrec_nlangs("case", &f) == 2);

    /* back to the form, and to the same record again */
    px_form g = {0};
    json_t *again = NULL;
    CHECK_RC(px_formrec_fill("case", rec, &g), PX_OK);
    CHECK_STR(px_form_get(&g, "lang_1"), "ru");
    CHECK_STR(px_form_get(&g, "title_1"), "Одно окно");
    CHECK_STR(px_form_get(&g, "tags"), "one-stop shop\nservice charters");
    CHECK_STR(px_form_get(&g, "illustrative"), "1");
    CHECK_RC(px_formrec_build("case", &g, skip, NULL, &again, &e), PX_OK);
    CHECK(json_equal(rec, again));
    json_decref(again);
    px_form_free(&g);
    json_decref(rec);
    px_form_free(&f);
    px_form_errors_free(&e);
}

static void test_values_reach_validator(void)
{
    px_form f = {0};
    px_form_errors e = {0};
    json_t *rec = NULL;
    add(&f, "indicator", "KZ-SAT");
    add(&f, "country", "KZ");
    add(&f, "period", "2018");
    add(&f, "value", "4,66");
    add(&f, "n", "12.5");
    add(&f, "ci_low", "inf");
    add(&f, "indicator_version", "1.2.0");
    CHECK_RC(px_formrec_build("benchmark", &f, skip, NULL, &rec, &e), PX_OK);
    CHECK(json_is_string(json_object_get(rec, "value")));
    CHECK(json_is_real(json_object_get(rec, "n"))); /* the validator refuses a real n */
    CHECK(json_is_string(json_object_get(rec, "ci_low")));
    CHECK(json_is_string(json_object_get(rec, "indicator_version")));
    px_err_clear();
    CHECK_RC(validate("benchmark", rec), PX_ESCHEMA);
    CHECK(strstr(px_err_detail(), "value") != NULL);
    json_decref(rec);
    px_form_free(&f);

    /* numbers as written */
    add(&f, "value", "4.66");
    add(&f, "n", "-3");
    add(&f, "ci_high", "1e1");
    add(&f, "indicator_version", "2");
    CHECK_RC(px_formrec_build("benchmark", &f, skip, NULL, &rec, &e), PX_OK);
    CHECK(json_real_value(json_object_get(rec, "value")) == 4.66);
    CHECK(json_integer_value(json_object_get(rec, "n")) == -3);
    CHECK(json_real_value(json_object_get(rec, "ci_high")) == 10.0);
    CHECK(json_integer_value(json_object_get(rec, "indicator_version")) == 2);
    json_decref(rec);
    px_form_free(&f);
    px_form_errors_free(&e);
}

static void test_nested_and_unknown(void)
{
    px_form f = {0};
    px_form_errors e = {0};
    json_t *rec = NULL;
    add(&f, "code", "KZ-SAT");
    add(&f, "version", "1");
    add(&f, "lang_0", "en");
    add(&f, "name_0", "Satisfaction");
    add(&f, "measure_type", "mean score");
    add(&f, "scale_min", "1");
    add(&f, "scale_max", "5");
    add(&f, "higher_is_better", "false");
    add(&f, "summmary", "typo");
    CHECK_RC(px_formrec_build("indicator", &f, skip, NULL, &rec, &e), PX_OK);
    json_t *scale = json_object_get(rec, "scale");
    CHECK(json_integer_value(json_object_get(scale, "min")) == 1);
    CHECK(json_is_false(json_object_get(scale, "higher_is_better")));
    CHECK_STR(json_string_value(json_object_get(rec, "summmary")), "typo"); /* passed on */
    CHECK(!px_formrec_known("indicator", "summmary"));
    CHECK(px_formrec_known("indicator", "methodology_3"));
    CHECK(!px_formrec_known("indicator", "methodology_x"));
    json_decref(rec);
    px_form_free(&f);

    add(&f, "from", "A");
    add(&f, "to", "B");
    add(&f, "conversion", "linear");
    add(&f, "a", "0.04");
    add(&f, "b", "1");
    add(&f, "grade", "broad");
    CHECK_RC(px_formrec_build("crosswalk", &f, skip, NULL, &rec, &e), PX_OK);
    CHECK_STR(json_string_value(json_object_get(json_object_get(rec, "conversion"), "type")),
              "linear");
    CHECK_RC(validate("crosswalk", rec), PX_OK);
    json_decref(rec);
    px_form_free(&f);
    CHECK(e.n == 0);
    px_form_errors_free(&e);
}

static void test_language_blocks(void)
{
    px_form f = {0};
    px_form_errors e = {0};
    json_t *rec = NULL;
    add(&f, "lang_0", "en");
    add(&f, "title_0", "A");
    add(&f, "lang_1", "en");
    add(&f, "title_1", "B");
    add(&f, "lang_2", "");
    add(&f, "summary_2", "text without a language");
    add(&f, "lang_3", "");
    CHECK_RC(px_formrec_build("case", &f, skip, NULL, &rec, &e), PX_OK);
    CHECK(e.n == 2);
    CHECK(px_form_error_for(&e, "lang_1") != NULL);
    CHECK(strstr(px_form_error_for(&e, "lang_1"), "'en'") != NULL);
    CHECK(px_form_error_for(&e, "lang_2") != NULL);
    CHECK(px_form_error_for(&e, "lang_3") == NULL); /* an empty block is no error */
    CHECK(px_formrec_nlangs("case", &f) == 4);
    json_decref(rec);
    px_form_free(&f);
    px_form_errors_free(&e);

    /* a block number beyond the limit is not a block: passed on, refused later */
    add(&f, "title_99", "x");
    CHECK(px_formrec_nlangs("case", &f) == 1);
    CHECK_RC(px_formrec_build("case", &f, skip, NULL, &rec, &e), PX_OK);
    CHECK(json_object_get(rec, "title_99") != NULL);
    json_decref(rec);
    px_form_free(&f);
    px_form_errors_free(&e);
}

static void test_field_for(void)
{
    px_form f = {0};
    char out[80];
    add(&f, "lang_0", "en");
    add(&f, "lang_1", "EN");
    add(&f, "lang_2", "ru");
    px_formrec_field_for("case", "title.ru", &f, out, sizeof out);
    CHECK_STR(out, "title_2");
    px_formrec_field_for("case", "title.EN", &f, out, sizeof out);
    CHECK_STR(out, "lang_1");
    px_formrec_field_for("case", "summary", &f, out, sizeof out);
    CHECK_STR(out, "summary_0");
    px_formrec_field_for("case", "tags[2]", &f, out, sizeof out);
    CHECK_STR(out, "tags");
    px_formrec_field_for("case", "summmary", &f, out, sizeof out);
    CHECK_STR(out, "summary_0"); /* beside the nearest field */
    px_formrec_field_for("case", "zzzzzzzzzz", &f, out, sizeof out);
    CHECK_STR(out, "");
    px_formrec_field_for("case", "", &f, out, sizeof out);
    CHECK_STR(out, "");
    px_formrec_field_for("indicator", "scale.max", &f, out, sizeof out);
    CHECK_STR(out, "scale_max");
    px_formrec_field_for("indicator", "scale", &f, out, sizeof out);
    CHECK_STR(out, "scale_min");
    px_formrec_field_for("crosswalk", "conversion.b", &f, out, sizeof out);
    CHECK_STR(out, "b");
    px_formrec_field_for("crosswalk", "conversion", &f, out, sizeof out);
    CHECK_STR(out, "conversion");
    px_formrec_field_for("benchmark", "value", &f, out, sizeof out);
    CHECK_STR(out, "value");
    px_form_free(&f);
}

int main(void)
{
    RUN(test_case);
    RUN(test_values_reach_validator);
    RUN(test_nested_and_unknown);
    RUN(test_language_blocks);
    RUN(test_field_for);
    return check_summary();
}
