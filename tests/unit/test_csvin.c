/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_csvin.c — benchmark import from CSV (csvin.c): separators, quotes,
 * CRLF, BOM, number conversion, header errors, and every rejected row
 * reported at once with the line it starts on.
 */
#include "check.h"
#include "csvin.h"
#include "error.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#define CHECK_DETAIL(sub)                                                                          \
    do {                                                                                           \
        const char *d_ = px_err_detail();                                                          \
        if (strstr(d_, (sub)) == NULL)                                                             \
            fprintf(stderr, "%s:%d: detail \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, d_, (sub)); \
        CHECK(strstr(d_, (sub)) != NULL);                                                          \
    } while (0)

static int import(const char *csv, json_t **out, char **report)
{
    px_err_clear();
    return px_csvin_benchmarks("bench.csv", csv, strlen(csv), NULL, NULL, out, report);
}

static void test_comma(void)
{
    const char *csv =
        "indicator,indicator_version,country,centre,period,value,n,ci_low,ci_high,"
        "std_err,method,status,source,illustrative\n"
        "KZ-SAT-OVERALL,1,KZ,,2018,4.66,10000,,,,questionnaire,,Sanj 2018,\n"
        "KZ-SAT-OVERALL,,KZ,G4C Astana,2018-Q1,4.5,250,4.4,4.6,0.05,,provisional,,false\n"
        "GE-PSH-SAT-DEMO,,GE,,2018-03,8,,,,,,,,TRUE\n";
    json_t *a = NULL;
    CHECK_RC(import(csv, &a, NULL), PX_OK);
    CHECK(a && json_array_size(a) == 3);
    json_t *r0 = json_array_get(a, 0), *r1 = json_array_get(a, 1), *r2 = json_array_get(a, 2);
    CHECK(json_object_size(r0) == 8); /* empty cells omitted */
    CHECK(json_is_integer(json_object_get(r0, "indicator_version")));
    CHECK(json_is_real(json_object_get(r0, "value")));
    CHECK(json_real_value(json_object_get(r0, "value")) == 4.66);
    CHECK(json_is_integer(json_object_get(r0, "n")));
    CHECK(json_integer_value(json_object_get(r0, "n")) == 10000);
    CHECK(json_object_get(r0, "centre") == NULL);
    CHECK(json_object_get(r0, "illustrative") == NULL);
    CHECK_STR(json_string_value(json_object_get(r0, "source")), "Sanj 2018");
    CHECK_STR(json_string_value(json_object_get(r0, "period")), "2018");
    CHECK(json_is_real(json_object_get(r1, "ci_low")));
    CHECK(json_real_value(json_object_get(r1, "std_err")) == 0.05);
    CHECK(json_is_false(json_object_get(r1, "illustrative")));
    CHECK_STR(json_string_value(json_object_get(r1, "centre")), "G4C Astana");
    CHECK(json_is_true(json_object_get(r2, "illustrative")));
    CHECK(json_is_real(json_object_get(r2, "value"))); /* "8" is still a number */
    /* keys keep the header's order */
    void *it = json_object_iter(r0);
    CHECK_STR(json_object_iter_key(it), "indicator");
    it = json_object_iter_next(r0, it);
    CHECK_STR(json_object_iter_key(it), "indicator_version");
    json_decref(a);
}

static void test_semicolon_quotes_crlf_bom(void)
{
    const char *csv = "\xEF\xBB\xBF"
                      "Indicator; country ;period;value;n;source;centre\r\n"
                      "KZ-SAT-OVERALL;KZ;2017;4.57;9517;\"Sanj; report 2017, \"\"Agency\"\"\";\r\n"
                      "\r\n"
                      "KZ-SAT-QUALITY-PCT;KZ;2017;65.9;9517;\"two\r\nlines\";\"Қазақстан\"\r\n"
                      ";;;;;;\r\n"
                      "  KZ-SAT-OVERALL ; KZ ; 2018 ; 4.66 ; 10000 ;;\r\n";
    json_t *a = NULL;
    CHECK_RC(import(csv, &a, NULL), PX_OK);
    CHECK(a && json_array_size(a) == 3);
    json_t *r0 = json_array_get(a, 0), *r1 = json_array_get(a, 1), *r2 = json_array_get(a, 2);
    CHECK_STR(json_string_value(json_object_get(r0, "source")), "Sanj; report 2017, \"Agency\"");
    CHECK_STR(json_string_value(json_object_get(r0, "indicator")), "KZ-SAT-OVERALL");
    CHECK(json_real_value(json_object_get(r0, "value")) == 4.57);
    CHECK_STR(json_string_value(json_object_get(r1, "source")), "two\r\nlines");
    CHECK_STR(json_string_value(json_object_get(r1, "centre")), "Қазақстан");
    CHECK_STR(json_string_value(json_object_get(r2, "country")), "KZ");
    CHECK(json_integer_value(json_object_get(r2, "n")) == 10000);
    json_decref(a);

    /* a lone BOM, CR-only line ends */
    CHECK_RC(import("\xEF\xBB\xBF", &a, NULL), PX_EFORMAT);
    CHECK(a == NULL);
    CHECK_RC(import("indicator,country,period,value\rX,KZ,2018,1\rY,GE,2018,2\r", &a, NULL), PX_OK);
    CHECK(a && json_array_size(a) == 2);
    json_decref(a);
}

/* indicator_version: digits are a number, "1.0" a text; bad ones named. */
static void test_versions(void)
{
    const char *csv = "indicator,indicator_version,country,period,value\n"
                      "KZ-SAT,1.0,KZ,2018,4\n"
                      "KZ-SAT, 1.2.0 ,KZ,2019,4\n"
                      "KZ-SAT,3,KZ,2020,4\n";
    json_t *a = NULL;
    CHECK_RC(import(csv, &a, NULL), PX_OK);
    CHECK(a && json_array_size(a) == 3);
    CHECK_STR(json_string_value(json_object_get(json_array_get(a, 0), "indicator_version")), "1.0");
    CHECK_STR(json_string_value(json_object_get(json_array_get(a, 1), "indicator_version")),
              "1.2.0");
    CHECK(json_integer_value(json_object_get(json_array_get(a, 2), "indicator_version")) == 3);
    json_decref(a);
    const char *bad = "indicator,indicator_version,country,period,value\n"
                      "KZ-SAT,1.,KZ,2018,4\n"
                      "KZ-SAT,01,KZ,2018,4\n"
                      "KZ-SAT,1.2.3.4,KZ,2018,4\n"
                      "KZ-SAT,0,KZ,2018,4\n";
    char *report = NULL;
    a = NULL;
    CHECK_RC(import(bad, &a, &report), PX_ESCHEMA);
    CHECK(a == NULL);
    CHECK_DETAIL("line 2: field 'indicator_version': '1.' is not a version");
    CHECK(report != NULL);
    if (report) {
        CHECK(strstr(report, "line 3: field 'indicator_version': '01' is not a version"));
        CHECK(strstr(report, "line 4: field 'indicator_version': '1.2.3.4' is not a version"));
        CHECK(strstr(report, "line 5: field 'indicator_version': 0 is not allowed"));
    }
    free(report);
}

static void test_rejected_rows(void)
{
    const char *csv = "indicator;country;period;value;n;source\n"   /* 1 */
                      "KZ-SAT-OVERALL;KZ;2018;4.66;10000;ok\n"      /* 2 */
                      "KZ-SAT-OVERALL;KZ;2018;4.66;10000;\"multi\n" /* 3 */
                      "line\"\n"                                    /* 4 */
                      "KZ-SAT-OVERALL;KZ;2018-Q5;4.66;10000;x\n"    /* 5: bad */
                      "\n"                                          /* 6 */
                      "KZ-SAT-OVERALL;kz;2018;4.66;10000;x\n"       /* 7: bad */
                      "KZ-SAT-OVERALL;KZ;2018;4,66;10000;x\n"       /* 8: bad */
                      "KZ-SAT-OVERALL;KZ;2018;4.66;\"10 000\";x\n"  /* 9: bad */
                      ";KZ;2018;4.66;1;x\n"                         /* 10: bad */
                      "KZ-SAT-OVERALL;KZ;2018;4.66;-5;\"x\n"        /* 11: bad */
                      "y\"\n"                                       /* 12 */
                      "KZ-SAT-OVERALL;KZ;2018;4.66\n"               /* 13: bad */
                      "KZ-SAT-OVERALL;KZ;2018;4.66;1;ok";           /* 14, no newline */
    json_t *a = NULL;
    char *report = NULL;
    CHECK_RC(import(csv, &a, &report), PX_ESCHEMA);
    CHECK(a == NULL);
    CHECK_DETAIL("bench.csv: 7 rows rejected: line 5: field 'period': '2018-Q5' is not YYYY, "
                 "YYYY-Qn or YYYY-MM");
    CHECK_DETAIL("; line 7: field 'country': 'kz' must be written in capitals");
    CHECK(report != NULL);
    if (report) {
        const char *want[] = {
            "bench.csv: 7 rows rejected:\n",
            "  line 5: field 'period': '2018-Q5' is not YYYY, YYYY-Qn or YYYY-MM",
            "  line 7: field 'country': 'kz' must be written in capitals: 'KZ'",
            "  line 8: field 'value': '4,66' is not a number; use a decimal point, e.g. 4.57\n",
            "  line 9: field 'n': '10 000' is not a whole number",
            "  line 10: field 'indicator' is missing",
            "  line 11: field 'n': -5 is not allowed; it must be 0 or more\n",
            "  line 13: the row has 4 cells, but the header has 6 columns\n",
        };
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            if (strstr(report, want[i]) == NULL)
                fprintf(stderr, "report lacks \"%s\":\n%s", want[i], report);
            CHECK(strstr(report, want[i]) != NULL);
        }
        CHECK(strstr(report, "line 2:") == NULL && strstr(report, "line 3:") == NULL);
        CHECK(strstr(report, "line 14:") == NULL);
    }
    free(report);

    /* one bad row: singular */
    CHECK_RC(import("indicator,country,period,value\nX,KZ,2018,abc\n", &a, NULL), PX_ESCHEMA);
    CHECK_DETAIL("bench.csv: 1 row rejected: line 2: field 'value': 'abc' is not a number");
    /* CI and booleans go through the same schema */
    CHECK_RC(import("indicator,country,period,value,ci_low\nX,KZ,2018,4,3\n", &a, NULL),
             PX_ESCHEMA);
    CHECK_DETAIL("line 2: field 'ci_high' is missing");
    CHECK_RC(import("indicator,country,period,value,illustrative\nX,KZ,2018,4,maybe\n", &a, NULL),
             PX_ESCHEMA);
    CHECK_DETAIL("line 2: field 'illustrative': 'maybe' is not true or false");
    CHECK_RC(import("indicator,country,period,value,method\nX,KZ,2018,4,survey\n", &a, NULL),
             PX_ESCHEMA);
    CHECK_DETAIL("line 2: field 'method': 'survey' is not one of questionnaire");
    CHECK_RC(import("indicator,country,period,value,source\nX,KZ,2018,4,\"a\xff\"\n", &a, NULL),
             PX_ESCHEMA);
    CHECK_DETAIL("line 2: field 'source': the text is not valid UTF-8");
}

static void test_many_rejected(void)
{
    px_buf csv = {0};
    const char *head = "indicator,country,period,value\n";
    px_buf_append(&csv, head, strlen(head));
    for (int i = 0; i < 500; i++) {
        const char *row = i % 2 ? "X,KZ,2018,1\n" : "X,KZ,2018-13,1\n";
        px_buf_append(&csv, row, strlen(row));
    }
    json_t *a = NULL;
    char *report = NULL;
    px_err_clear();
    CHECK_RC(
        px_csvin_benchmarks("big.csv", (const char *)csv.data, csv.len, NULL, NULL, &a, &report),
        PX_ESCHEMA);
    CHECK(a == NULL);
    CHECK_DETAIL("big.csv: 250 rows rejected: line 2: field 'period': '2018-13'");
    CHECK_DETAIL("more");
    CHECK(strlen(px_err_detail()) < 512);
    /* the report lists all of them */
    size_t lines = 0;
    for (const char *p = report; p && *p; p++)
        lines += *p == '\n';
    CHECK(lines == 251);
    CHECK(report && strstr(report, "  line 500: field 'period'") != NULL);
    CHECK(report && strstr(report, "  line 501:") == NULL);
    free(report);
    px_buf_free(&csv);
}

static void test_header_errors(void)
{
    json_t *a = NULL;
    char *report = NULL;
    CHECK_RC(import("indicator,country,period,valeu\nX,KZ,2018,1\n", &a, &report), PX_ESCHEMA);
    CHECK_DETAIL("bench.csv: line 1: column 4 'valeu' is not a benchmark field; the fields are "
                 "indicator, indicator_version");
    CHECK(a == NULL && report == NULL);
    CHECK_RC(import("\n\nindicator,country,period,value,country\n", &a, NULL), PX_ESCHEMA);
    CHECK_DETAIL("bench.csv: line 3: column 5 'country' appears twice in the header");
    CHECK_RC(import("indicator,country,value\nX,KZ,1\n", &a, NULL), PX_ESCHEMA);
    CHECK_DETAIL("bench.csv: line 1: the header has no 'period' column");
    CHECK_RC(import("indicator,country,,period,value\n", &a, NULL), PX_ESCHEMA);
    CHECK_DETAIL("column 3 of the header has no name");
    CHECK_RC(import("indicator;country;period;value\n", &a, NULL), PX_ESCHEMA);
    CHECK_DETAIL("bench.csv: no benchmark rows below the header");
    CHECK_RC(import("", &a, NULL), PX_EFORMAT);
    CHECK_DETAIL("bench.csv is empty");
    CHECK_RC(import(" \r\n\n", &a, NULL), PX_EFORMAT);
    px_buf wide = {0};
    for (int i = 0; i < 70; i++)
        px_buf_append(&wide, "value,", 6);
    px_buf_append(&wide, "\n", 1);
    px_buf_append(&wide, "", 1);
    CHECK_RC(import((const char *)wide.data, &a, NULL), PX_ESCHEMA);
    CHECK_DETAIL("the header has 71 columns");
    px_buf_free(&wide);
}

static void test_malformed(void)
{
    json_t *a = NULL;
    CHECK_RC(import("indicator,country,period,value\nX,KZ,2018,1\nX,\"KZ\"x,2018,1\n", &a, NULL),
             PX_EFORMAT);
    CHECK_DETAIL("bench.csv: line 3: malformed quotes");
    CHECK(a == NULL);
    CHECK_RC(import("indicator,country,period,value\nX,KZ,2018,1\nX,KZ,2018,\"1\n\n", &a, NULL),
             PX_EFORMAT);
    CHECK_DETAIL("bench.csv: line 3: a quoted field is not closed by the end of the file");
}

typedef struct scale_ctx {
    int calls;
    int stop_at;
} scale_ctx;

/* What the CLI does: look the indicator's scale up and check the value. */
static int scale_check(void *ctx, const px_benchmark *row)
{
    scale_ctx *c = ctx;
    c->calls++;
    if (c->stop_at && c->calls == c->stop_at)
        return px_err_set(PX_ESTORE, "store went away");
    if (strcmp(row->indicator, "KZ-SAT-OVERALL") == 0)
        return px_record_check_scale(row->value, 1, 5, row->indicator);
    if (strcmp(row->indicator, "KZ-SAT-OVERALL-10") == 0)
        return px_record_check_scale(row->value, 0, 10, row->indicator);
    return px_err_set(PX_ESCHEMA, "field 'indicator': no indicator '%s' is known", row->indicator);
}

static void test_check_callback(void)
{
    const char *csv = "indicator,country,period,value\n"
                      "KZ-SAT-OVERALL,KZ,2018,4.66\n"
                      "KZ-SAT-OVERALL,KZ,2019,5.2\n"
                      "KZ-SAT-OVERALL-10,KZ,2014,8.7\n"
                      "NOPE,KZ,2014,8.7\n";
    json_t *a = NULL;
    char *report = NULL;
    scale_ctx c = {0, 0};
    px_err_clear();
    CHECK_RC(px_csvin_benchmarks("b.csv", csv, strlen(csv), scale_check, &c, &a, &report),
             PX_ESCHEMA);
    CHECK(c.calls == 4);
    CHECK_STR(px_err_detail(), "b.csv: 2 rows rejected: line 3: field 'value': 5.2 is outside "
                               "indicator KZ-SAT-OVERALL's scale 1–5; line 5: field "
                               "'indicator': no indicator 'NOPE' is known");
    free(report);
    scale_ctx stop = {0, 2};
    CHECK_RC(px_csvin_benchmarks("b.csv", csv, strlen(csv), scale_check, &stop, &a, NULL),
             PX_ESTORE);
    CHECK(stop.calls == 2 && a == NULL);
    scale_ctx ok = {0, 0};
    const char *good = "indicator,country,period,value\nKZ-SAT-OVERALL,KZ,2018,4.66\n";
    CHECK_RC(px_csvin_benchmarks("b.csv", good, strlen(good), scale_check, &ok, &a, NULL), PX_OK);
    CHECK(a && json_array_size(a) == 1);
    json_decref(a);
}

static void test_file(void)
{
    char path[] = "/tmp/praxis-csvin-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *csv = "indicator;country;period;value\r\nKZ-SAT-OVERALL;KZ;2018;4.66\r\n";
    CHECK(write(fd, csv, strlen(csv)) == (ssize_t)strlen(csv));
    close(fd);
    json_t *a = NULL;
    CHECK_RC(px_csvin_benchmarks_file(path, NULL, NULL, &a, NULL), PX_OK);
    CHECK(a && json_array_size(a) == 1);
    json_decref(a);
    unlink(path);
    CHECK_RC(px_csvin_benchmarks_file(path, NULL, NULL, &a, NULL), PX_ENOENT);
    CHECK(a == NULL);
}

static void test_speed(void)
{
    px_buf csv = {0};
    const char *head = "indicator;country;centre;period;value;n;method;source\n";
    px_buf_append(&csv, head, strlen(head));
    char row[160];
    const int rows = 20000;
    for (int i = 0; i < rows; i++) {
        snprintf(row, sizeof row,
                 "KZ-SAT-OVERALL;KZ;Centre %d;2018-%02d;%d.%02d;%d;questionnaire;"
                 "\"Survey, wave %d\"\n",
                 i % 50, 1 + i % 12, 1 + i % 4, i % 100, 100 + i, i);
        px_buf_append(&csv, row, strlen(row));
    }
    json_t *a = NULL;
    uint64_t t0 = px_mono_ns();
    CHECK_RC(
        px_csvin_benchmarks("speed.csv", (const char *)csv.data, csv.len, NULL, NULL, &a, NULL),
        PX_OK);
    double secs = (double)(px_mono_ns() - t0) / 1e9;
    CHECK(a && json_array_size(a) == (size_t)rows);
    fprintf(stderr, "     imported %d rows in %.3f s (%.0f rows/s)\n", rows, secs, rows / secs);
    json_decref(a);
    px_buf_free(&csv);
}

int main(void)
{
    RUN(test_comma);
    RUN(test_versions);
    RUN(test_semicolon_quotes_crlf_bom);
    RUN(test_rejected_rows);
    RUN(test_many_rejected);
    RUN(test_header_errors);
    RUN(test_malformed);
    RUN(test_check_callback);
    RUN(test_file);
    RUN(test_speed);
    return check_summary();
}
