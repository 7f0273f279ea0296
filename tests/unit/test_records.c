/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_records.c — schema validation of record bodies (records.c): good
 * records of every kind pass; every required field, enum, period, country,
 * language map, UTF-8 and interval rule refuses what it should with a
 * detail naming the field; hostile msgpack (deep, truncated, huge counts,
 * mutated) is refused without a crash; decoders and helpers.
 *
 * Records are written as JSON with single quotes (turned into double quotes
 * by ts_sq()) and converted with px_json_to_msgpack, as `praxis publish` does.
 */
#include "check.h"
#include "support.h"
#include "error.h"
#include "jsonmp.h"
#include "entry.h"
#include "records.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *good_case =
    "{'title': {'en': 'One-stop shop pilot in Astana', 'ru': 'Пилотный центр «одно окно» в "
    "Астане', 'kk': 'Астанадағы «бір терезе» пилоттық жобасы'},"
    " 'summary': {'en': 'A first one-stop shop.', 'ru': 'Первый центр.'},"
    " 'problem': {'en': 'Services were scattered.'}, 'solution': {'en': 'One place.'},"
    " 'implementation': {'en': 'Pilot ministries.'}, 'results': {'en': 'Charters.'},"
    " 'stage': 'pilot', 'start_year': 2005, 'end_year': 2007, 'country': 'KZ',"
    " 'centre': 'Agency for Civil Service Affairs', 'services': ['all'],"
    " 'channels': ['in person'], 'tags': ['one-stop shop', 'service charters'],"
    " 'lessons': {'en': 'Consult customers.'}, 'transferability': {'az-Latn': 'Yüksək.'},"
    " 'contact': 'hub@example.org', 'related_results': ['" ID_A "', '" ID_B "'],"
    " 'languages': ['en', 'ru', 'kk'], 'supersedes': '" ID_B "', 'illustrative': false,"
    " 'x-future': {'anything': [1, 2.5, null, true]}}";

static const char *good_indicator =
    "{'code': 'KZ-SAT-OVERALL', 'version': 1,"
    " 'name': {'en': 'Overall satisfaction', 'ru': 'Общая удовлетворённость'},"
    " 'description': {'en': 'Mean score.'}, 'domain': 'overall satisfaction',"
    " 'measure_type': 'mean score', 'scale': {'min': 1, 'max': 5, 'higher_is_better': true},"
    " 'unit': 'points', 'question': {'en': 'How satisfied are you?'},"
    " 'unit_of_analysis': {'en': 'respondent'}, 'aggregation': {'en': 'mean'},"
    " 'methodology': {'en': 'Sanj 2017'}}";

static const char *good_benchmark =
    "{'indicator': 'KZ-SAT-OVERALL', 'indicator_version': 1, 'country': 'KZ',"
    " 'centre': 'Government for Citizens', 'service': 'all', 'channel': 'in person',"
    " 'period': '2018', 'value': 4.66, 'n': 10000, 'ci_low': 4.6, 'ci_high': 4.7,"
    " 'std_err': 0.02, 'method': 'questionnaire', 'status': 'normal',"
    " 'source': 'Sanj 2018', 'notes': {'en': '60 services'}, 'illustrative': false}";

static const char *good_crosswalk =
    "{'from': 'KZ-SAT-OVERALL-10', 'to': 'KZ-SAT-OVERALL', 'conversion': {'type': 'endpoints'},"
    " 'grade': 'close', 'caveats': {'en': 'Scale changed.'}}";

static const char *good_retract = "{'target': '" ID_A "', 'reason': 'duplicate'}";

static const char *good_aggregate =
    "{'indicator': 'KZ-SAT-OVERALL', 'period': '2018', 'by': 'country', 'group': 'KZ',"
    " 'weighting': 'n-weighted', 'value': 4.66, 'members': 1, 'n': 10000, 'basis': 'scale',"
    " 'results': ['" ID_A "']}";

/* ---- helpers ---------------------------------------------------------- */

static json_t *parse(const char *sq_json)
{
    char *text = ts_sq(sq_json);
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    if (j == NULL)
        fprintf(stderr, "test JSON does not parse: %s: %s\n", e.text, text);
    free(text);
    return j;
}

static int validate_obj(const char *kind, const json_t *j)
{
    px_buf b = {0};
    int rc = px_json_to_msgpack(j, &b);
    if (rc == PX_OK)
        rc = px_record_validate(kind, b.data, b.len);
    px_buf_free(&b);
    return rc;
}

static int check_json(const char *kind, const char *sq_json)
{
    json_t *j = parse(sq_json);
    if (j == NULL)
        return -1;
    int rc = validate_obj(kind, j);
    json_decref(j);
    return rc;
}

/* base with field set to the JSON value sq_value (NULL: field removed). */
static int check_with(const char *kind, const char *base, const char *field, const char *sq_value)
{
    json_t *j = parse(base);
    if (j == NULL)
        return -1;
    if (sq_value == NULL) {
        json_object_del(j, field);
    } else {
        json_t *v = parse(sq_value);
        if (v == NULL) {
            json_decref(j);
            return -1;
        }
        json_object_set_new(j, field, v);
    }
    int rc = validate_obj(kind, j);
    json_decref(j);
    return rc;
}

#define CHECK_DETAIL(sub)                                                                          \
    do {                                                                                           \
        const char *d_ = px_err_detail();                                                          \
        if (strstr(d_, (sub)) == NULL)                                                             \
            fprintf(stderr, "%s:%d: detail \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, d_, (sub)); \
        CHECK(strstr(d_, (sub)) != NULL);                                                          \
    } while (0)

/* Expect PX_ESCHEMA from setting field to value, with sub in the detail. */
#define BAD(kind, base, field, value, sub)                                                         \
    do {                                                                                           \
        px_err_clear();                                                                            \
        CHECK_RC(check_with(kind, base, field, value), PX_ESCHEMA);                                \
        CHECK_DETAIL(sub);                                                                         \
    } while (0)

#define PX_T_HEX64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define OK(kind, base, field, value) CHECK_RC(check_with(kind, base, field, value), PX_OK)

/* Raw msgpack building for what JSON cannot express. */
typedef struct mp {
    px_buf b;
    msgpack_packer pk;
} mp;

static int mp_write(void *data, const char *p, size_t n)
{
    return px_buf_append(data, p, n) == PX_OK ? 0 : -1;
}

static void mp_init(mp *m)
{
    memset(m, 0, sizeof *m);
    msgpack_packer_init(&m->pk, &m->b, mp_write);
}

static void mp_str(mp *m, const char *s, size_t n)
{
    msgpack_pack_str_with_body(&m->pk, s, n);
}

static void mp_cstr(mp *m, const char *s)
{
    mp_str(m, s, strlen(s));
}

/* A benchmark whose 'source' (or 'notes' language map when in_map) is the
 * given bytes. */
static int benchmark_with_text(const char *s, size_t n, bool in_map)
{
    mp m;
    mp_init(&m);
    msgpack_pack_map(&m.pk, 5);
    mp_cstr(&m, "indicator");
    mp_cstr(&m, "KZ-SAT-OVERALL");
    mp_cstr(&m, "country");
    mp_cstr(&m, "KZ");
    mp_cstr(&m, "period");
    mp_cstr(&m, "2018");
    mp_cstr(&m, "value");
    msgpack_pack_double(&m.pk, 4.66);
    mp_cstr(&m, in_map ? "notes" : "source");
    if (in_map) {
        msgpack_pack_map(&m.pk, 1);
        mp_cstr(&m, "ru");
    }
    mp_str(&m, s, n);
    int rc = px_record_validate("benchmark", m.b.data, m.b.len);
    px_buf_free(&m.b);
    return rc;
}

static int pack_good(const char *kind_json, px_buf *out)
{
    json_t *j = parse(kind_json);
    int rc = j ? px_json_to_msgpack(j, out) : -1;
    json_decref(j);
    return rc;
}

/* ---- good records ----------------------------------------------------- */

static void test_good_records(void)
{
    CHECK_RC(check_json("case", good_case), PX_OK);
    CHECK_RC(check_json("indicator", good_indicator), PX_OK);
    CHECK_RC(check_json("benchmark", good_benchmark), PX_OK);
    CHECK_RC(check_json("crosswalk", good_crosswalk), PX_OK);
    CHECK_RC(check_json("retract", good_retract), PX_OK);
    CHECK_RC(check_json("aggregate", good_aggregate), PX_OK);
    /* minimal records: only the required fields */
    CHECK_RC(check_json("case", "{'title': {'en': 'T'}, 'summary': {'ru': 'С'}, 'country': 'GE',"
                                " 'stage': 'idea'}"),
             PX_OK);
    CHECK_RC(check_json("indicator", "{'code': 'X1', 'version': 3, 'name': {'en': 'X'},"
                                     " 'measure_type': 'rate', 'scale': {'min': 0, 'max': 1}}"),
             PX_OK);
    CHECK_RC(check_json("benchmark", "{'indicator': 'X1', 'country': 'CA', 'period': '2018-Q1',"
                                     " 'value': 0}"),
             PX_OK);
    CHECK_RC(check_json("crosswalk", "{'from': 'A', 'to': 'B', 'grade': 'broad',"
                                     " 'conversion': {'type': 'linear', 'a': 0.4, 'b': 1}}"),
             PX_OK);
    CHECK_RC(check_json("retract", "{'target': '" ID_B "'}"), PX_OK);
    CHECK_RC(
        check_json("retract", "{'target': '" ID_B "', 'reason': {'en': 'wrong', 'ru': 'ошибка'}}"),
        PX_OK);
    CHECK_RC(check_json("aggregate",
                        "{'indicator': 'A', 'period': '2018', 'weighting': 'unweighted',"
                        " 'value': 80, 'members': 4}"),
             PX_OK);
    /* unknown fields of any shape are ignored */
    OK("benchmark", good_benchmark, "future", "{'a': [1, {'b': 'c'}]}");
    OK("case", good_case, "languages_v2", "7");
    /* attachments: the keys an attachment has, each once */
    OK("case", good_case, "attachments",
       "[{'blob': '" PX_T_HEX64 "', 'name': 'a.pdf', 'size': 3, 'mime': 'application/pdf'}]");
    BAD("case", good_case, "attachments",
        "[{'blob': '" PX_T_HEX64 "', 'name': 'a.pdf', 'size': 3, 'path': '/etc'}]",
        "field 'attachments', item 1: unknown key 'path' (an attachment has blob, name, size, "
        "mime)");
    BAD("case", good_case, "attachments", "[{'blob': '" PX_T_HEX64 "', 'name': 'a.pdf'}]",
        "field 'attachments', item 1: an attachment needs blob, name and size");
    /* the five demo countries and the issue's examples */
    OK("case", good_case, "country", "'AZ'");
    OK("case", good_case, "country", "'CA'");
    OK("case", good_case, "country", "'GE'");
    /* both a CI and a standard error may be given */
    OK("benchmark", good_benchmark, "std_err", "0");
    /* value on the interval's edge */
    OK("benchmark", good_benchmark, "value", "4.6");
    OK("benchmark", good_benchmark, "value", "4.7");
    /* integers are numbers too */
    OK("benchmark", good_benchmark, "ci_low", "4");
    OK("benchmark", good_benchmark, "ci_high", "5");
    CHECK(px_record_kind_known("case") && px_record_kind_known("aggregate"));
    CHECK(px_record_kind_known("member") && px_record_kind_known("revoke") &&
          px_record_kind_known("address"));
    CHECK(!px_record_kind_known("recipe") && !px_record_kind_known(NULL));
}

/* ---- required fields -------------------------------------------------- */

static void test_required(void)
{
    static const char *case_req[] = {"title", "summary", "country", "stage", NULL};
    static const char *ind_req[] = {"code", "version", "name", "measure_type", "scale", NULL};
    static const char *bm_req[] = {"indicator", "country", "period", "value", NULL};
    static const char *cw_req[] = {"from", "to", "conversion", "grade", NULL};
    static const char *ag_req[] = {"indicator", "period", "weighting", "value", "members", NULL};
    char want[96];
    struct {
        const char *kind, *base;
        const char **req;
    } t[] = {{"case", good_case, case_req},
             {"indicator", good_indicator, ind_req},
             {"benchmark", good_benchmark, bm_req},
             {"crosswalk", good_crosswalk, cw_req},
             {"aggregate", good_aggregate, ag_req}};
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        for (size_t i = 0; t[k].req[i]; i++) {
            snprintf(want, sizeof want, "field '%s' is missing", t[k].req[i]);
            BAD(t[k].kind, t[k].base, t[k].req[i], NULL, want);
        }
    }
    BAD("retract", good_retract, "target", NULL, "field 'target' is missing");
    /* the message says what the kind needs */
    BAD("case", good_case, "stage", NULL, "a case needs title, summary, country and stage");
    /* optional fields may go */
    static const char *case_opt[] = {"problem",         "solution",   "start_year",
                                     "end_year",        "centre",     "tags",
                                     "related_results", "supersedes", NULL};
    for (size_t i = 0; case_opt[i]; i++)
        OK("case", good_case, case_opt[i], NULL);
    OK("benchmark", good_benchmark, "n", NULL);
    OK("benchmark", good_benchmark, "status", NULL);
    OK("retract", good_retract, "reason", NULL);
}

/* ---- enums ------------------------------------------------------------ */

static void test_enums(void)
{
    BAD("case", good_case, "stage", "'done'",
        "field 'stage': 'done' is not one of idea, pilot, implemented, evaluated, scaled");
    BAD("case", good_case, "stage", "'Pilot'", "field 'stage': 'Pilot' is not one of");
    BAD("case", good_case, "stage", "1", "field 'stage': expected a string, got an integer");
    BAD("indicator", good_indicator, "domain", "'satisfaction'",
        "field 'domain': 'satisfaction' is not one of overall satisfaction, accessibility, "
        "information, procedures, staff, outcome, timeliness, non-corruption, other");
    BAD("indicator", good_indicator, "measure_type", "'average'",
        "field 'measure_type': 'average' is not one of mean score, proportion, rate, count, "
        "duration");
    BAD("benchmark", good_benchmark, "method", "'survey'",
        "field 'method': 'survey' is not one of questionnaire, mystery shopper, focus group, "
        "interview, administrative");
    BAD("benchmark", good_benchmark, "status", "'final'",
        "field 'status': 'final' is not one of normal, provisional, estimated, break, definition "
        "differs");
    BAD("crosswalk", good_crosswalk, "grade", "'good'",
        "field 'grade': 'good' is not one of exact, close, broad");
    BAD("crosswalk", good_crosswalk, "conversion", "{'type': 'log'}",
        "field 'conversion.type': 'log' is not one of linear, endpoints");
    BAD("aggregate", good_aggregate, "weighting", "'weighted'",
        "field 'weighting': 'weighted' is not one of n-weighted, unweighted");
    BAD("aggregate", good_aggregate, "by", "'region'", "field 'by': 'region' is not one of");
    BAD("aggregate", good_aggregate, "basis", "'percent'",
        "field 'basis': 'percent' is not one of");
    static const char *all_ok[] = {"'idea'",      "'pilot'",  "'implemented'",
                                   "'evaluated'", "'scaled'", NULL};
    for (size_t i = 0; all_ok[i]; i++)
        OK("case", good_case, "stage", all_ok[i]);
    OK("benchmark", good_benchmark, "status", "'definition differs'");
    OK("benchmark", good_benchmark, "method", "'mystery shopper'");
    OK("indicator", good_indicator, "domain", "'non-corruption'");
}

/* ---- periods, years, countries ---------------------------------------- */

static void test_periods(void)
{
    static const char *good[] = {"'2018'",    "'2018-Q1'", "'2018-Q4'", "'2018-01'",
                                 "'2018-12'", "'1900'",    "'2100-Q2'", NULL};
    static const char *bad[] = {"'2018-Q5'", "'2018-Q0'", "'2018-13'",  "'2018-00'",
                                "'18'",      "'2018-3'",  "'2018Q1'",   "'2018-q1'",
                                "'1899'",    "'2101'",    "''",         "'2018-03-01'",
                                "' 2018'",   "'2018-1Q'", "'２０１８'", NULL};
    for (size_t i = 0; good[i]; i++)
        OK("benchmark", good_benchmark, "period", good[i]);
    for (size_t i = 0; bad[i]; i++)
        BAD("benchmark", good_benchmark, "period", bad[i], "is not YYYY, YYYY-Qn or YYYY-MM");
    BAD("benchmark", good_benchmark, "period", "'2018-Q5'",
        "field 'period': '2018-Q5' is not YYYY, YYYY-Qn or YYYY-MM");
    BAD("benchmark", good_benchmark, "period", "2018",
        "field 'period': write the period as a string, e.g. \"2018\"");
    BAD("aggregate", good_aggregate, "period", "'2018-Q9'", "field 'period'");

    px_period p;
    CHECK_RC(px_period_parse("2018-Q3", 7, &p), PX_OK);
    CHECK(p.year == 2018 && p.quarter == 3 && p.month == 0);
    CHECK_RC(px_period_parse("2017-11", 7, &p), PX_OK);
    CHECK(p.year == 2017 && p.quarter == 0 && p.month == 11);
    CHECK_RC(px_period_parse("2018-Q5", 7, &p), PX_EFORMAT);
    /* ordering for series */
    const char *order[] = {"2017-12", "2018",    "2018-Q1", "2018-01", "2018-02", "2018-03",
                           "2018-Q2", "2018-04", "2018-Q4", "2018-12", "2019"};
    for (size_t i = 0; i + 1 < sizeof order / sizeof order[0]; i++) {
        px_period a, b;
        CHECK_RC(px_period_parse(order[i], strlen(order[i]), &a), PX_OK);
        CHECK_RC(px_period_parse(order[i + 1], strlen(order[i + 1]), &b), PX_OK);
        CHECK(px_period_cmp(&a, &b) < 0);
        CHECK(px_period_cmp(&b, &a) > 0);
        CHECK(px_period_cmp(&a, &a) == 0);
    }
}

static void test_years(void)
{
    BAD("case", good_case, "start_year", "1850",
        "field 'start_year': 1850 is not a plausible year");
    BAD("case", good_case, "end_year", "2500", "field 'end_year': 2500 is not a plausible year");
    BAD("case", good_case, "start_year", "'2005'",
        "field 'start_year': expected a whole number, got a string");
    BAD("case", good_case, "start_year", "2005.0",
        "field 'start_year': expected a whole number, got 2005");
    BAD("case", good_case, "end_year", "2004", "field 'end_year': 2004 is before start_year 2005");
    OK("case", good_case, "end_year", "2005");
}

static void test_countries(void)
{
    BAD("case", good_case, "country", "'kz'",
        "field 'country': 'kz' must be written in capitals: 'KZ'");
    BAD("case", good_case, "country", "'XX'",
        "field 'country': 'XX' is not an assigned ISO 3166-1 alpha-2 country code");
    BAD("benchmark", good_benchmark, "country", "'KAZ'", "'KAZ' is not an assigned ISO 3166-1");
    BAD("benchmark", good_benchmark, "country", "'UK'", "'UK' is not an assigned"); /* GB is */
    BAD("benchmark", good_benchmark, "country", "'Kazakhstan'", "is not an assigned");
    BAD("benchmark", good_benchmark, "country", "398", "field 'country': expected a country code");
    CHECK(px_country_valid("GB", 2) && px_country_valid("AD", 2) && px_country_valid("ZW", 2));
    CHECK(px_country_valid("AQ", 2) && px_country_valid("SS", 2) && px_country_valid("BQ", 2));
    CHECK(!px_country_valid("XK", 2) && !px_country_valid("EU", 2) && !px_country_valid("AA", 2));
    CHECK(!px_country_valid("ZZ", 2) && !px_country_valid("K", 1) && !px_country_valid(NULL, 2));
    int n = 0;
    char cc[3] = {0};
    for (char a = 'A'; a <= 'Z'; a++) {
        for (char b = 'A'; b <= 'Z'; b++) {
            cc[0] = a;
            cc[1] = b;
            n += px_country_valid(cc, 2);
        }
    }
    CHECK(n == 249);
}

/* ---- language maps and UTF-8 ----------------------------------------- */

static void test_langmaps(void)
{
    BAD("case", good_case, "title", "'A title'",
        "field 'title': expected a language map such as {\"en\": \"text\"");
    BAD("case", good_case, "title", "{}", "field 'title': the language map is empty");
    BAD("case", good_case, "title", "{'EN': 'x'}", "field 'title': 'EN' is not a language code");
    BAD("case", good_case, "summary", "{'english': 'x'}", "'english' is not a language code");
    BAD("case", good_case, "summary", "{'e': 'x'}", "'e' is not a language code");
    BAD("case", good_case, "summary", "{'en-us': 'x'}", "'en-us' is not a language code");
    BAD("case", good_case, "summary", "{'az-latn': 'x'}", "'az-latn' is not a language code");
    BAD("case", good_case, "summary", "{'en_US': 'x'}", "'en_US' is not a language code");
    BAD("case", good_case, "summary", "{'en-': 'x'}", "is not a language code");
    BAD("case", good_case, "lessons", "{'en': ''}",
        "field 'lessons', language 'en': the text is empty");
    BAD("case", good_case, "lessons", "{'en': 5}",
        "field 'lessons', language 'en': expected a string, got an integer");
    BAD("case", good_case, "lessons", "{'en': 'ok', 'ru': null}",
        "language 'ru': expected a string");
    BAD("indicator", good_indicator, "question", "['en', 'x']",
        "field 'question': expected a language map");
    BAD("indicator", good_indicator, "methodology", "'see report'",
        "field 'methodology': expected a language map");
    OK("case", good_case, "title", "{'en': 'x', 'ru': 'х', 'kk': 'х', 'az': 'x', 'ka': 'ს'}");
    OK("case", good_case, "title", "{'az-Latn': 'x', 'az-Cyrl': 'х', 'en-GB': 'x', 'es-419': 'x'}");
    OK("case", good_case, "title", "{'zh-Hant-TW': 'x', 'kk-KZ': 'х', 'fil': 'x'}");
    BAD("case", good_case, "languages", "['en', 'RU']",
        "field 'languages', item 2: 'RU' is not a language code");
    BAD("retract", good_retract, "reason", "''", "field 'reason': the text is empty");
    BAD("retract", good_retract, "reason", "{'xx-yy': 'a'}", "is not a language code");

    CHECK(px_lang_valid("kk", 2) && px_lang_valid("az-Latn", 7) && px_lang_valid("fil", 3));
    CHECK(px_lang_valid("sr-Cyrl-RS", 10) && px_lang_valid("es-419", 6));
    CHECK(!px_lang_valid("az-Latn-Cyrl", 12) && !px_lang_valid("en-GB-US", 8));
    CHECK(!px_lang_valid("engl", 4) && !px_lang_valid("", 0) && !px_lang_valid("GB-en", 5));

    /* duplicate language keys: only raw msgpack can say that */
    mp m;
    mp_init(&m);
    msgpack_pack_map(&m.pk, 4);
    mp_cstr(&m, "title");
    msgpack_pack_map(&m.pk, 2);
    mp_cstr(&m, "en");
    mp_cstr(&m, "a");
    mp_cstr(&m, "en");
    mp_cstr(&m, "b");
    mp_cstr(&m, "summary");
    msgpack_pack_map(&m.pk, 1);
    mp_cstr(&m, "en");
    mp_cstr(&m, "s");
    mp_cstr(&m, "country");
    mp_cstr(&m, "KZ");
    mp_cstr(&m, "stage");
    mp_cstr(&m, "idea");
    px_err_clear();
    CHECK_RC(px_record_validate("case", m.b.data, m.b.len), PX_ESCHEMA);
    CHECK_DETAIL("field 'title': language 'en' appears twice");
    px_buf_free(&m.b);
}

static void test_utf8(void)
{
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {"ab\xc3(", 4},          /* bad continuation */
        {"\xc0\xaf", 2},         /* overlong '/' */
        {"\xe0\x80\xaf", 3},     /* overlong */
        {"\xed\xa0\x80", 3},     /* surrogate */
        {"\xf4\x90\x80\x80", 4}, /* above U+10FFFF */
        {"\xff", 1},
        {"abc\xe2\x82", 5}, /* truncated sequence */
        {"\x80", 1},        /* lone continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        px_err_clear();
        CHECK_RC(benchmark_with_text(bad[i].s, bad[i].n, false), PX_ESCHEMA);
        CHECK_DETAIL("field 'source': the text is not valid UTF-8");
        px_err_clear();
        CHECK_RC(benchmark_with_text(bad[i].s, bad[i].n, true), PX_ESCHEMA);
        CHECK_DETAIL("field 'notes', language 'ru': the text is not valid UTF-8");
        CHECK(!px_utf8_valid(bad[i].s, bad[i].n));
    }
    px_err_clear();
    CHECK_RC(benchmark_with_text("a\0b", 3, false), PX_ESCHEMA);
    CHECK_DETAIL("contains a NUL character");
    const char *fine = "Қазақстан — ქართული — Azərbaycan — 😀";
    CHECK_RC(benchmark_with_text(fine, strlen(fine), false), PX_OK);
    CHECK_RC(benchmark_with_text(fine, strlen(fine), true), PX_OK);
    CHECK(px_utf8_valid(fine, strlen(fine)));
}

/* ---- types and other field rules -------------------------------------- */

static void test_types(void)
{
    BAD("indicator", good_indicator, "version", "0",
        "field 'version': 0 is not allowed; it must be 1 or more");
    BAD("indicator", good_indicator, "version", "-1", "field 'version': -1 is not allowed");
    BAD("indicator", good_indicator, "version", "1.5",
        "field 'version': expected a whole number or a version text like \"1.2.0\", got 1.5");
    BAD("indicator", good_indicator, "version", "1000000",
        "field 'version': 1000000 is too large; a version is at most 999999");
    BAD("indicator", good_indicator, "version", "true",
        "field 'version': expected a whole number or a version text");
    OK("indicator", good_indicator, "version", "'1'");
    OK("indicator", good_indicator, "version", "'1.0'");
    OK("indicator", good_indicator, "version", "'1.2.0'");
    OK("indicator", good_indicator, "version", "'0.1'");
    OK("indicator", good_indicator, "version", "'999999.999999.999999'");
    static const char *const bad_versions[] = {
        "''",     "'1.'", "'.1'", "'01'", "'1.2.3.4'", "'v1'",      "'0'",    "'0.0.0'", "'1..2'",
        "'1.02'", "' 1'", "'1 '", "'-1'", "'1e3'",     "'1000000'", "'1.2.'", "'1,2'"};
    for (size_t i = 0; i < sizeof bad_versions / sizeof *bad_versions; i++) {
        BAD("indicator", good_indicator, "version", bad_versions[i],
            "is not a version; write 1 to 3 whole numbers separated by dots");
        BAD("benchmark", good_benchmark, "indicator_version", bad_versions[i],
            "field 'indicator_version': ");
    }
    BAD("indicator", good_indicator, "version", "'1.2.3.4'",
        "field 'version': '1.2.3.4' is not a version");
    OK("benchmark", good_benchmark, "indicator_version", "'1.2.0'");
    OK("aggregate", good_aggregate, "indicator_version", "'1.0'");
    BAD("benchmark", good_benchmark, "n", "-1",
        "field 'n': -1 is not allowed; it must be 0 or more");
    BAD("benchmark", good_benchmark, "n", "10000.5", "field 'n': expected a whole number");
    OK("benchmark", good_benchmark, "n", "0");
    BAD("benchmark", good_benchmark, "value", "'4.66'",
        "field 'value': expected a number, got a string");
    BAD("benchmark", good_benchmark, "value", "null", "field 'value': expected a number, got null");
    BAD("benchmark", good_benchmark, "indicator_version", "0",
        "field 'indicator_version': 0 is not allowed");
    BAD("benchmark", good_benchmark, "illustrative", "'true'",
        "field 'illustrative': expected true or false, got a string");
    BAD("benchmark", good_benchmark, "centre", "''", "field 'centre': the text is empty");
    BAD("benchmark", good_benchmark, "source", "{'en': 'x'}",
        "field 'source': expected a string, got a map");
    BAD("case", good_case, "tags", "'one-stop shop'",
        "field 'tags': expected a list of strings, got a string");
    BAD("case", good_case, "tags", "['a', '']", "field 'tags', item 2: the text is empty");
    BAD("case", good_case, "services", "['a', 3]",
        "field 'services', item 2: expected a string, got an integer");
    BAD("case", good_case, "related_results", "['" ID_A "', 'ABC']",
        "field 'related_results', item 2: 'ABC' is not an entry id (64 lowercase hex digits)");
    BAD("case", good_case, "supersedes",
        "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'",
        "field 'supersedes': 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...' is not an entry id");
    BAD("case", good_case, "supersedes", "'" ID_A "0'", "is not an entry id");
    BAD("retract", good_retract, "target", "'xyz'", "field 'target': 'xyz' is not an entry id");
    BAD("retract", good_retract, "reason", "5",
        "field 'reason': expected a string or a language map");
    BAD("indicator", good_indicator, "code", "'KZ SAT'",
        "field 'code': 'KZ SAT' is not an indicator code");
    BAD("indicator", good_indicator, "code", "'-KZ'", "is not an indicator code");
    BAD("indicator", good_indicator, "code", "''", "is not an indicator code");
    char code[80];
    memset(code, 'A', sizeof code);
    code[0] = code[66] = '\'';
    code[67] = '\0'; /* 65 characters */
    BAD("indicator", good_indicator, "code", code, "is not an indicator code");
    code[65] = '\'';
    code[66] = '\0'; /* 64 characters */
    OK("indicator", good_indicator, "code", code);
    OK("indicator", good_indicator, "code", "'kz_sat-2'");
    BAD("benchmark", good_benchmark, "indicator", "'KZ.SAT'",
        "field 'indicator': 'KZ.SAT' is not an indicator code");
    BAD("indicator", good_indicator, "unit", "''", "field 'unit': the text is empty");
    /* scale */
    BAD("indicator", good_indicator, "scale", "[1, 5]", "field 'scale': expected a map such as");
    BAD("indicator", good_indicator, "scale", "{'min': 1}", "field 'scale.max' is missing");
    BAD("indicator", good_indicator, "scale", "{'max': 1}", "field 'scale.min' is missing");
    BAD("indicator", good_indicator, "scale", "{'min': 5, 'max': 1}",
        "field 'scale': min 5 must be less than max 1");
    BAD("indicator", good_indicator, "scale", "{'min': 5, 'max': 5}", "must be less than max");
    BAD("indicator", good_indicator, "scale", "{'min': '1', 'max': 5}",
        "field 'scale.min': expected a number, got a string");
    BAD("indicator", good_indicator, "scale", "{'min': 1, 'max': 5, 'higher_is_better': 'yes'}",
        "field 'scale.higher_is_better': expected true or false");
    OK("indicator", good_indicator, "scale",
       "{'min': -3.5, 'max': 0.5, 'higher_is_better': false}");
    /* conversion */
    BAD("crosswalk", good_crosswalk, "conversion", "'linear'",
        "field 'conversion': expected a map");
    BAD("crosswalk", good_crosswalk, "conversion", "{}", "field 'conversion.type' is missing");
    BAD("crosswalk", good_crosswalk, "conversion", "{'type': 'linear', 'a': 2}",
        "field 'conversion.b' is missing");
    BAD("crosswalk", good_crosswalk, "conversion", "{'type': 'linear', 'b': 2}",
        "field 'conversion.a' is missing");
    BAD("crosswalk", good_crosswalk, "conversion", "{'type': 'linear', 'a': 0, 'b': 2}",
        "a must not be 0");
    BAD("crosswalk", good_crosswalk, "conversion", "{'type': 'linear', 'a': 'x', 'b': 2}",
        "field 'conversion.a': expected a number");
    BAD("crosswalk", good_crosswalk, "to", "'KZ-SAT-OVERALL-10'",
        "fields 'from' and 'to' both name indicator 'KZ-SAT-OVERALL-10'");
    BAD("crosswalk", good_crosswalk, "caveats", "'none'",
        "field 'caveats': expected a language map");
    /* aggregate */
    BAD("aggregate", good_aggregate, "group", NULL,
        "field 'group' is missing: an aggregate by country");
    BAD("aggregate", good_aggregate, "group", "'Kazakhstan'",
        "field 'group': 'Kazakhstan' is not an assigned");
    BAD("aggregate", good_aggregate, "members", "0", "field 'members': 0 is not allowed");
    OK("aggregate", good_aggregate, "by", "'network'");
    OK("aggregate", good_aggregate, "by", NULL);
    OK("aggregate", good_aggregate, "basis", "'0-100'");
    /* unknown kind */
    px_err_clear();
    CHECK_RC(check_json("recipe", good_case), PX_EINVAL);
    CHECK_DETAIL("'recipe' is not a record kind");
    CHECK_RC(px_record_validate(NULL, (const uint8_t *)"\x80", 1), PX_EINVAL);
}

static void test_intervals(void)
{
    BAD("benchmark", good_benchmark, "ci_high", NULL,
        "field 'ci_high' is missing: give ci_low and ci_high together, or neither");
    BAD("benchmark", good_benchmark, "ci_low", NULL, "field 'ci_low' is missing");
    BAD("benchmark", good_benchmark, "ci_low", "4.8", "field 'ci_low': 4.8 is above ci_high 4.7");
    BAD("benchmark", good_benchmark, "value", "4.5",
        "field 'value': 4.5 lies outside its confidence interval 4.6-4.7");
    BAD("benchmark", good_benchmark, "value", "4.75", "lies outside its confidence interval");
    BAD("benchmark", good_benchmark, "std_err", "-0.1", "field 'std_err': -0.1 is negative");
    json_t *j = parse(good_benchmark);
    json_object_del(j, "ci_low");
    json_object_del(j, "ci_high");
    CHECK_RC(validate_obj("benchmark", j), PX_OK); /* neither: fine */
    json_object_del(j, "std_err");
    CHECK_RC(validate_obj("benchmark", j), PX_OK);
    json_decref(j);
}

static void test_scale_check(void)
{
    CHECK_RC(px_record_check_scale(4.66, 1, 5, "KZ-SAT-OVERALL"), PX_OK);
    CHECK_RC(px_record_check_scale(4.57, 1, 5, "KZ-SAT-OVERALL"), PX_OK);
    CHECK_RC(px_record_check_scale(8.7, 0, 10, "KZ-SAT-OVERALL-10"), PX_OK);
    CHECK_RC(px_record_check_scale(72.4, 0, 100, "KZ-SAT-QUALITY-PCT"), PX_OK);
    CHECK_RC(px_record_check_scale(1, 1, 5, "X"), PX_OK);
    CHECK_RC(px_record_check_scale(5, 1, 5, "X"), PX_OK);
    px_err_clear();
    CHECK_RC(px_record_check_scale(5.2, 1, 5, "KZ-SAT-OVERALL"), PX_ESCHEMA);
    CHECK_STR(px_err_detail(),
              "field 'value': 5.2 is outside indicator KZ-SAT-OVERALL's scale 1–5");
    CHECK_RC(px_record_check_scale(8.7, 1, 5, "KZ-SAT-OVERALL"), PX_ESCHEMA);
    CHECK_STR(px_err_detail(),
              "field 'value': 8.7 is outside indicator KZ-SAT-OVERALL's scale 1–5");
    CHECK_RC(px_record_check_scale(0.99, 1, 5, "X"), PX_ESCHEMA);
    CHECK_RC(px_record_check_scale(NAN, 1, 5, "X"), PX_ESCHEMA);
    CHECK_RC(px_record_check_scale(INFINITY, 1, 5, "X"), PX_ESCHEMA);
    CHECK_RC(px_record_check_scale(-1, 0, 10, NULL), PX_ESCHEMA);
    CHECK_DETAIL("outside the indicator's scale 0–10");

    /* the comparison figures of the design */
    CHECK(fabs(px_rescale_100(4.66, 1, 5) - 91.5) < 1e-9);
    CHECK(fabs(px_rescale_100(8.7, 0, 10) - 87.0) < 1e-9);
    CHECK(isnan(px_rescale_100(3, 5, 5)));
    CHECK(isnan(px_rescale_100(NAN, 1, 5)));
}

/* ---- hostile msgpack --------------------------------------------------- */

static void test_structure(void)
{
    px_buf good = {0};
    CHECK_RC(pack_good(good_case, &good), PX_OK);
    CHECK_RC(px_record_validate("case", good.data, good.len), PX_OK);

    /* every truncation is refused, never read past */
    int refused = 0;
    for (size_t n = 0; n < good.len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, good.data, n);
        int rc = px_record_validate("case", copy, n);
        refused += rc == PX_EFORMAT;
        free(copy);
    }
    CHECK(refused == (int)good.len);
    px_err_clear();
    CHECK_RC(px_record_validate("case", good.data, good.len - 1), PX_EFORMAT);
    CHECK_DETAIL("truncated");

    /* trailing bytes */
    px_buf extra = {0};
    px_buf_append(&extra, good.data, good.len);
    px_buf_append(&extra, "\xc0", 1);
    px_err_clear();
    CHECK_RC(px_record_validate("case", extra.data, extra.len), PX_EFORMAT);
    CHECK_DETAIL("1 bytes follow the body map");
    px_buf_free(&extra);

    /* not a map; a key that is not a string; reserved byte */
    CHECK_RC(px_record_validate("case", (const uint8_t *)"\x91\x01", 2), PX_EFORMAT);
    CHECK_RC(px_record_validate("case", (const uint8_t *)"\x05", 1), PX_EFORMAT);
    CHECK_RC(px_record_validate("case", (const uint8_t *)"", 0), PX_EFORMAT);
    CHECK_RC(px_record_validate("case", NULL, 0), PX_EFORMAT);
    px_err_clear();
    CHECK_RC(px_record_validate("case", (const uint8_t *)"\x81\x01\x02", 3), PX_EFORMAT);
    CHECK_DETAIL("key 1 of the body map is not a string");
    CHECK_RC(px_record_validate("case", (const uint8_t *)"\x81\xa1x\xc1", 4), PX_EFORMAT);
    /* empty map: schema, not format */
    CHECK_RC(px_record_validate("case", (const uint8_t *)"\x80", 1), PX_ESCHEMA);

    /* huge declared counts and lengths are refused before any allocation */
    CHECK_RC(px_record_validate("case", (const uint8_t *)"\xdf\xff\xff\xff\xff", 5), PX_ESCHEMA);
    CHECK_RC(px_record_validate("case", (const uint8_t *)"\x81\xa1x\xdd\xff\xff\xff\xff", 8),
             PX_ESCHEMA);
    CHECK_RC(px_record_validate("case", (const uint8_t *)"\x81\xa1x\xdb\xff\xff\xff\xff", 8),
             PX_EFORMAT);
    CHECK_RC(px_record_validate("case", (const uint8_t *)"\x81\xa1x\xc6\x7f\xff\xff\xff", 8),
             PX_EFORMAT);
    CHECK_RC(px_record_validate("case", (const uint8_t *)"\x81\xa1x\xc9\x7f\xff\xff\xff\x01", 9),
             PX_EFORMAT);
    CHECK_RC(px_record_validate("case", (const uint8_t *)"\x81\xa1x\xdc\x00\x05\x01", 7),
             PX_EFORMAT); /* 5 items declared, 1 present */

    /* size limit */
    uint8_t *big = calloc(1, PX_RECORD_MAX_BODY + 1);
    big[0] = 0x80;
    CHECK_RC(px_record_validate("case", big, PX_RECORD_MAX_BODY + 1), PX_ETOOBIG);
    free(big);
    px_buf_free(&good);
}

/* A case body with `levels` nested arrays under an unknown field. */
static void nested_case(px_buf *out, int levels)
{
    px_buf_reset(out);
    px_buf_append(out, "\x85", 1);
    const char *pre = "\xa5title\x81\xa2"
                      "en\xa1t\xa7summary\x81\xa2"
                      "en\xa1s"
                      "\xa7"
                      "country\xa2KZ\xa5stage\xa4idea\xa4"
                      "deep";
    px_buf_append(out, pre, strlen(pre));
    for (int i = 0; i < levels; i++)
        px_buf_append(out, "\x91", 1);
    px_buf_append(out, "\x01", 1);
}

static void test_depth(void)
{
    px_buf b = {0};
    nested_case(&b, 0);
    CHECK_RC(px_record_validate("case", b.data, b.len), PX_OK);
    nested_case(&b, 7); /* body map + 7 = 8 levels */
    CHECK_RC(px_record_validate("case", b.data, b.len), PX_OK);
    nested_case(&b, 8);
    px_err_clear();
    CHECK_RC(px_record_validate("case", b.data, b.len), PX_EFORMAT);
    CHECK_DETAIL("nests deeper than 8 levels (under field 'deep')");
    nested_case(&b, 100000); /* far beyond msgpack-c's own stack */
    CHECK_RC(px_record_validate("case", b.data, b.len), PX_EFORMAT);
    /* deep but truncated */
    CHECK_RC(px_record_validate("case", b.data, b.len - 1), PX_EFORMAT);
    px_buf_free(&b);

    /* list lengths */
    json_t *j = parse(good_case);
    json_t *tags = json_array();
    for (int i = 0; i < PX_RECORD_MAX_ITEMS; i++)
        json_array_append_new(tags, json_string("t"));
    json_object_set(j, "tags", tags);
    CHECK_RC(validate_obj("case", j), PX_OK);
    json_array_append_new(tags, json_string("t"));
    px_err_clear();
    CHECK_RC(validate_obj("case", j), PX_ESCHEMA);
    CHECK_DETAIL("field 'tags': a list or map with 1001 entries; at most 1000 are allowed");
    json_decref(tags);
    json_decref(j);
}

/* Flip, insert and drop bytes of good bodies; nothing may crash (the ASan
 * build checks every read). */
static void test_mutations(void)
{
    const char *bodies[] = {good_case, good_indicator, good_benchmark, good_crosswalk,
                            good_aggregate};
    const char *kinds[] = {"case", "indicator", "benchmark", "crosswalk", "aggregate"};
    uint32_t seed = 0x9e3779b9u;
    int ok = 0, refused = 0;
    for (size_t k = 0; k < 5; k++) {
        px_buf good = {0};
        CHECK_RC(pack_good(bodies[k], &good), PX_OK);
        uint8_t *m = malloc(good.len + 8);
        for (int iter = 0; iter < 4000; iter++) {
            size_t n = good.len;
            memcpy(m, good.data, n);
            int edits = 1 + iter % 4;
            for (int e = 0; e < edits; e++) {
                seed = seed * 1664525u + 1013904223u;
                size_t at = (seed >> 8) % n;
                uint8_t byte = (uint8_t)(seed >> 24);
                switch ((seed >> 4) % 3) {
                case 0:
                    m[at] = byte;
                    break;
                case 1:
                    if (n > 1) {
                        memmove(m + at, m + at + 1, n - at - 1);
                        n--;
                    }
                    break;
                default:
                    if (n < good.len + 8) {
                        memmove(m + at + 1, m + at, n - at);
                        m[at] = byte;
                        n++;
                    }
                }
            }
            int rc = px_record_validate(kinds[k], m, n);
            CHECK(rc == PX_OK || rc == PX_ESCHEMA || rc == PX_EFORMAT);
            ok += rc == PX_OK;
            refused += rc != PX_OK;
            if (rc == PX_OK && k == 2) {
                px_benchmark b;
                CHECK_RC(px_benchmark_decode(m, n, &b), PX_OK);
                px_benchmark_free(&b);
            }
        }
        free(m);
        px_buf_free(&good);
    }
    CHECK(refused > 0);
    fprintf(stderr, "     mutations: %d accepted, %d refused\n", ok, refused);
}

static void test_duplicates_and_nan(void)
{
    /* a field given twice could mean different things to different readers */
    mp m;
    mp_init(&m);
    msgpack_pack_map(&m.pk, 5);
    mp_cstr(&m, "indicator");
    mp_cstr(&m, "X");
    mp_cstr(&m, "country");
    mp_cstr(&m, "KZ");
    mp_cstr(&m, "period");
    mp_cstr(&m, "2018");
    mp_cstr(&m, "value");
    msgpack_pack_double(&m.pk, 1);
    mp_cstr(&m, "value");
    msgpack_pack_double(&m.pk, 2);
    px_err_clear();
    CHECK_RC(px_record_validate("benchmark", m.b.data, m.b.len), PX_ESCHEMA);
    CHECK_DETAIL("field 'value' appears twice");
    px_buf_free(&m.b);

    mp_init(&m);
    msgpack_pack_map(&m.pk, 4);
    mp_cstr(&m, "indicator");
    mp_cstr(&m, "X");
    mp_cstr(&m, "country");
    mp_cstr(&m, "KZ");
    mp_cstr(&m, "period");
    mp_cstr(&m, "2018");
    mp_cstr(&m, "value");
    msgpack_pack_double(&m.pk, NAN);
    px_err_clear();
    CHECK_RC(px_record_validate("benchmark", m.b.data, m.b.len), PX_ESCHEMA);
    CHECK_DETAIL("field 'value': the number is not finite");
    px_buf_free(&m.b);

    /* scale with a duplicated key */
    mp_init(&m);
    msgpack_pack_map(&m.pk, 5);
    mp_cstr(&m, "code");
    mp_cstr(&m, "X");
    mp_cstr(&m, "version");
    msgpack_pack_int(&m.pk, 1);
    mp_cstr(&m, "name");
    msgpack_pack_map(&m.pk, 1);
    mp_cstr(&m, "en");
    mp_cstr(&m, "X");
    mp_cstr(&m, "measure_type");
    mp_cstr(&m, "rate");
    mp_cstr(&m, "scale");
    msgpack_pack_map(&m.pk, 3);
    mp_cstr(&m, "min");
    msgpack_pack_int(&m.pk, 0);
    mp_cstr(&m, "max");
    msgpack_pack_int(&m.pk, 5);
    mp_cstr(&m, "min");
    msgpack_pack_int(&m.pk, 9);
    px_err_clear();
    CHECK_RC(px_record_validate("indicator", m.b.data, m.b.len), PX_ESCHEMA);
    CHECK_DETAIL("field 'scale': key 'min' appears twice");
    px_buf_free(&m.b);

    /* float32 and big integers */
    mp_init(&m);
    msgpack_pack_map(&m.pk, 5);
    mp_cstr(&m, "indicator");
    mp_cstr(&m, "X");
    mp_cstr(&m, "country");
    mp_cstr(&m, "KZ");
    mp_cstr(&m, "period");
    mp_cstr(&m, "2018");
    mp_cstr(&m, "value");
    msgpack_pack_float(&m.pk, 4.5f);
    mp_cstr(&m, "n");
    msgpack_pack_uint64(&m.pk, UINT64_MAX);
    px_err_clear();
    CHECK_RC(px_record_validate("benchmark", m.b.data, m.b.len), PX_ESCHEMA);
    CHECK_DETAIL("field 'n': 18446744073709551615 is too large");
    px_buf_free(&m.b);

    /* a bin value where a string belongs */
    mp_init(&m);
    msgpack_pack_map(&m.pk, 1);
    mp_cstr(&m, "target");
    msgpack_pack_bin_with_body(&m.pk, "0123", 4);
    px_err_clear();
    CHECK_RC(px_record_validate("retract", m.b.data, m.b.len), PX_ESCHEMA);
    CHECK_DETAIL("field 'target': expected an entry id (a string of 64 lowercase hex digits), got "
                 "binary data");
    px_buf_free(&m.b);
}

/* ---- reading and decoding --------------------------------------------- */

static const char *pick(const char *sq_map, const char *lang, char *lang_seen, size_t n)
{
    static char text[128];
    px_buf b = {0};
    msgpack_unpacked up;
    json_t *j = parse(sq_map);
    json_t *wrap = json_pack("{s:O}", "t", j);
    px_json_to_msgpack(wrap, &b);
    text[0] = '\0';
    lang_seen[0] = '\0';
    if (px_record_unpack(b.data, b.len, &up) == PX_OK) {
        const msgpack_object *k = NULL;
        const msgpack_object *v = px_langmap_pick(px_record_get(&up.data, "t"), lang, &k);
        if (v)
            snprintf(text, sizeof text, "%.*s", (int)v->via.str.size, v->via.str.ptr);
        if (k)
            snprintf(lang_seen, n, "%.*s", (int)k->via.str.size, k->via.str.ptr);
    }
    msgpack_unpacked_destroy(&up);
    json_decref(wrap);
    json_decref(j);
    px_buf_free(&b);
    return text;
}

static void test_langmap_pick(void)
{
    char l[16];
    const char *m = "{'en': 'E', 'ru': 'R', 'kk': 'K'}";
    CHECK_STR(pick(m, "kk", l, sizeof l), "K");
    CHECK_STR(l, "kk");
    CHECK_STR(pick(m, "ru", l, sizeof l), "R");
    CHECK_STR(pick(m, "ka", l, sizeof l), "E");
    CHECK_STR(l, "en");
    CHECK_STR(pick(m, NULL, l, sizeof l), "E");
    CHECK_STR(pick("{'kk': 'K', 'ru': 'R'}", "ka", l, sizeof l), "R");
    CHECK_STR(pick("{'kk': 'K', 'ka': 'G'}", "fr", l, sizeof l), "K");
    CHECK_STR(pick("{'en': 'E', 'az-Latn': 'A'}", "az", l, sizeof l), "A");
    CHECK_STR(l, "az-Latn");
    CHECK_STR(pick("{'en': 'E', 'az': 'A'}", "az-Cyrl", l, sizeof l), "A");
    CHECK_STR(pick("{'az-Cyrl': 'C', 'az-Latn': 'L'}", "az-Latn", l, sizeof l), "L");
    CHECK_STR(pick("'plain'", "ru", l, sizeof l), "plain");
    CHECK_STR(l, "");
    CHECK_STR(pick("{}", "ru", l, sizeof l), "");
    CHECK_STR(pick("5", "ru", l, sizeof l), "");
    CHECK(px_langmap_pick(NULL, "en", NULL) == NULL);

    /* the copying form */
    px_buf b = {0};
    msgpack_unpacked up;
    CHECK_RC(pack_good(good_case, &b), PX_OK);
    CHECK_RC(px_record_unpack(b.data, b.len, &up), PX_OK);
    char *text = NULL, *lang = NULL;
    CHECK_RC(px_langmap_pick_dup(px_record_get(&up.data, "title"), "kk", &text, &lang), PX_OK);
    CHECK_STR(text, "Астанадағы «бір терезе» пилоттық жобасы");
    CHECK_STR(lang, "kk");
    free(text);
    free(lang);
    CHECK_RC(px_langmap_pick_dup(px_record_get(&up.data, "transferability"), "ru", &text, &lang),
             PX_OK);
    CHECK_STR(text, "Yüksək.");
    CHECK_STR(lang, "az-Latn");
    free(text);
    free(lang);
    CHECK_RC(px_langmap_pick_dup(px_record_get(&up.data, "nothing"), "ru", &text, NULL), PX_ENOENT);
    CHECK(text == NULL);
    CHECK(px_record_get(&up.data, "stage") != NULL);
    CHECK(px_record_get(NULL, "stage") == NULL);
    CHECK(px_record_get(px_record_get(&up.data, "stage"), "x") == NULL);
    msgpack_unpacked_destroy(&up);
    px_buf_free(&b);
}

/* The one comparison rule: components left to right, missing ones 0. */
static int64_t vkey(const char *s)
{
    int64_t k = -1;
    CHECK_RC(px_version_parse(s, strlen(s), &k), PX_OK);
    return k;
}

static void test_versions(void)
{
    int64_t k, two;
    CHECK_RC(px_version_number(2, &two), PX_OK);
    CHECK(vkey("2") == two && vkey("2.0") == two && vkey("2.0.0") == two);
    CHECK(px_version_cmp(vkey("1.0"), vkey("1")) == 0);
    CHECK(px_version_cmp(vkey("1.2.0"), vkey("1.2")) == 0);
    CHECK(px_version_cmp(vkey("1.2.0"), vkey("1.10")) < 0); /* numeric, not text order */
    CHECK(px_version_cmp(vkey("1.9"), vkey("1.10")) < 0);
    CHECK(px_version_cmp(vkey("2"), vkey("1.999999.999999")) > 0);
    CHECK(px_version_cmp(vkey("1.0.1"), vkey("1")) > 0);
    CHECK(px_version_cmp(vkey("0.1"), vkey("0.0.1")) > 0);
    CHECK(vkey("0.0.1") > 0); /* 0 stays "no version: the latest" */
    CHECK(vkey("999999.999999.999999") == 999999999999999999LL);
    static const char *const bad[] = {"",        "1.",   ".1",   "01",  "1.2.3.4", "v1", "0",
                                      "0.0",     "1..2", "1.02", " 1",  "1 ",      "+1", "-1",
                                      "1000000", "1.2.", "1,2",  "1e3", "1.0x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        k = 7;
        CHECK_RC(px_version_parse(bad[i], strlen(bad[i]), &k), PX_EINVAL);
        CHECK(k == 0);
    }
    CHECK_RC(px_version_parse("1", 2, &k), PX_EINVAL); /* "1" and a NUL */
    CHECK_RC(px_version_parse(NULL, 0, &k), PX_EINVAL);
    CHECK_RC(px_version_number(0, &k), PX_EINVAL);
    CHECK_RC(px_version_number(-3, &k), PX_EINVAL);
    CHECK_RC(px_version_number(PX_VERSION_PART_MAX + 1, &k), PX_EINVAL);
    CHECK_RC(px_version_number(PX_VERSION_PART_MAX, &k), PX_OK);

    /* as written, from a record's field */
    char t[PX_VERSION_TEXT_MAX];
    msgpack_object o = {.type = MSGPACK_OBJECT_STR};
    o.via.str.ptr = "1.2.0";
    o.via.str.size = 5;
    CHECK_RC(px_version_key(&o, &k), PX_OK);
    CHECK(k == vkey("1.2"));
    CHECK_RC(px_version_text(&o, t), PX_OK);
    CHECK_STR(t, "1.2.0");
    o.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
    o.via.u64 = 2;
    CHECK_RC(px_version_key(&o, &k), PX_OK);
    CHECK(k == two);
    CHECK_RC(px_version_text(&o, t), PX_OK);
    CHECK_STR(t, "2");
    o.via.u64 = 0;
    CHECK_RC(px_version_text(&o, t), PX_EINVAL);
    CHECK_STR(t, "");
    o.type = MSGPACK_OBJECT_BOOLEAN;
    CHECK_RC(px_version_key(&o, &k), PX_EINVAL);
    CHECK_RC(px_version_key(NULL, &k), PX_EINVAL);
}

static void test_decode(void)
{
    px_buf b = {0};
    px_benchmark bm;
    CHECK_RC(pack_good(good_benchmark, &b), PX_OK);
    CHECK_RC(px_benchmark_decode(b.data, b.len, &bm), PX_OK);
    CHECK_STR(bm.indicator, "KZ-SAT-OVERALL");
    int64_t one = 0;
    CHECK_RC(px_version_number(1, &one), PX_OK);
    CHECK(bm.indicator_version == one);
    CHECK_STR(bm.indicator_version_text, "1");
    CHECK_STR(bm.country, "KZ");
    CHECK_STR(bm.centre, "Government for Citizens");
    CHECK_STR(bm.period, "2018");
    CHECK(bm.when.year == 2018 && bm.when.quarter == 0);
    CHECK(bm.value == 4.66 && bm.n == 10000);
    CHECK(bm.has_ci && bm.ci_low == 4.6 && bm.ci_high == 4.7);
    CHECK(bm.has_std_err && bm.std_err == 0.02);
    CHECK_STR(bm.method, "questionnaire");
    CHECK_STR(bm.status, "normal");
    CHECK_STR(bm.source, "Sanj 2018");
    CHECK(!bm.illustrative);
    px_benchmark_free(&bm);
    CHECK(bm.indicator == NULL);
    px_benchmark_free(NULL);

    px_buf_reset(&b);
    CHECK_RC(pack_good("{'indicator': 'GE-PSH-SAT-DEMO', 'country': 'GE', 'period': '2018-Q2',"
                       " 'value': 8, 'illustrative': true, 'status': 'provisional'}",
                       &b),
             PX_OK);
    CHECK_RC(px_benchmark_decode(b.data, b.len, &bm), PX_OK);
    CHECK(bm.indicator_version == 0 && bm.n == -1 && !bm.has_ci && !bm.has_std_err);
    CHECK(bm.centre == NULL && bm.method == NULL && bm.source == NULL);
    CHECK(bm.value == 8 && bm.illustrative && bm.when.quarter == 2);
    CHECK_STR(bm.status, "provisional");
    px_benchmark_free(&bm);

    px_buf_reset(&b);
    CHECK_RC(pack_good("{'indicator': 'X', 'country': 'ZZ', 'period': '2018', 'value': 1}", &b),
             PX_OK);
    CHECK_RC(px_benchmark_decode(b.data, b.len, &bm), PX_ESCHEMA);
    CHECK(bm.indicator == NULL && bm.status == NULL);
    px_benchmark_free(&bm);

    px_indicator ind, ten;
    px_buf_reset(&b);
    CHECK_RC(pack_good(good_indicator, &b), PX_OK);
    CHECK_RC(px_indicator_decode(b.data, b.len, &ind), PX_OK);
    CHECK_STR(ind.code, "KZ-SAT-OVERALL");
    CHECK_STR(ind.version_text, "1");
    CHECK(ind.version == one && ind.scale_min == 1 && ind.scale_max == 5 && ind.higher_is_better);
    CHECK_STR(ind.measure_type, "mean score");
    CHECK_STR(ind.domain, "overall satisfaction");
    CHECK_STR(ind.unit, "points");
    px_buf_reset(&b);
    CHECK_RC(pack_good("{'code': 'KZ-SAT-OVERALL-10', 'version': 1, 'name': {'en': 'X'},"
                       " 'measure_type': 'mean score', 'scale': {'min': 0, 'max': 10}}",
                       &b),
             PX_OK);
    CHECK_RC(px_indicator_decode(b.data, b.len, &ten), PX_OK);
    CHECK(ten.higher_is_better && ten.domain == NULL && ten.unit == NULL);

    px_crosswalk cw;
    px_buf_reset(&b);
    CHECK_RC(pack_good(good_crosswalk, &b), PX_OK);
    CHECK_RC(px_crosswalk_decode(b.data, b.len, &cw), PX_OK);
    CHECK_STR(cw.from, "KZ-SAT-OVERALL-10");
    CHECK_STR(cw.to, "KZ-SAT-OVERALL");
    CHECK_STR(cw.grade, "close");
    CHECK(cw.conversion == PX_CONV_ENDPOINTS);
    /* 8.7 on 0-10 is 4.48 on 1-5; both are 87.0 on 0-100 */
    double y = px_crosswalk_apply(&cw, 8.7, &ten, &ind);
    CHECK(fabs(y - 4.48) < 1e-9);
    CHECK(fabs(px_rescale_100(y, 1, 5) - 87.0) < 1e-9);
    CHECK(isnan(px_crosswalk_apply(&cw, 8.7, NULL, &ind)));
    ten.higher_is_better = false;
    CHECK(fabs(px_crosswalk_apply(&cw, 10, &ten, &ind) - 1) < 1e-9);
    px_crosswalk_free(&cw);

    px_buf_reset(&b);
    CHECK_RC(pack_good("{'from': 'A', 'to': 'B', 'grade': 'exact',"
                       " 'conversion': {'type': 'linear', 'a': 0.4, 'b': 1}}",
                       &b),
             PX_OK);
    CHECK_RC(px_crosswalk_decode(b.data, b.len, &cw), PX_OK);
    CHECK(cw.conversion == PX_CONV_LINEAR && cw.a == 0.4 && cw.b == 1);
    CHECK(fabs(px_crosswalk_apply(&cw, 8.7, NULL, NULL) - 4.48) < 1e-9);
    px_crosswalk_free(&cw);
    px_crosswalk_free(NULL);
    px_indicator_free(&ind);
    px_indicator_free(&ten);
    px_indicator_free(NULL);
    px_buf_free(&b);
}

static void test_show(void)
{
    char out[64];
    CHECK_STR(px_record_show(out, sizeof out, "a\nb", 3), "a?b");
    CHECK_STR(px_record_show(out, sizeof out,
                             "\xff"
                             "ok",
                             3),
              "?ok");
    CHECK_STR(px_record_show(out, sizeof out, "Қаз", strlen("Қаз")), "Қаз");
    CHECK_STR(px_record_show(out, sizeof out, "0123456789012345678901234567890123456789AB", 42),
              "0123456789012345678901234567890123456789...");
    CHECK_STR(px_record_show(out, 4, "abc", 3), "");
}

/* member, revoke and address: the kinds membership and peers rest on. */
static void test_membership_records(void)
{
    const char *key = "'6d1f0a4c2b3e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef'";
    char good_member[512], good_revoke[256];
    snprintf(good_member, sizeof good_member,
             "{'key': %s, 'organisation': 'ASAN Service', 'country': 'AZ', 'role': 'centre'}", key);
    snprintf(good_revoke, sizeof good_revoke, "{'key': %s, 'reason': 'key leaked'}", key);
    CHECK_RC(check_json("member", good_member), PX_OK);
    CHECK_RC(check_json("revoke", good_revoke), PX_OK);
    CHECK_RC(check_with("member", good_member, "role", "'mayor'"), PX_ESCHEMA);
    CHECK_DETAIL("centre, secretariat, observer");
    CHECK_RC(check_with("member", good_member, "key", "'ABCD'"), PX_ESCHEMA);
    CHECK_DETAIL("not a public key");
    CHECK_RC(check_with("member", good_member, "country", "'XX'"), PX_ESCHEMA);
    CHECK_RC(check_with("member", good_member, "organisation", NULL), PX_ESCHEMA);
    CHECK_RC(check_with("revoke", good_revoke, "key", NULL), PX_ESCHEMA);
    CHECK_RC(check_json("address", "{'addresses': ['127.0.0.1:7420', 'hub.example.org:7420']}"),
             PX_OK);
    CHECK_RC(check_json("address", "{'addresses': []}"), PX_ESCHEMA);
    CHECK_RC(check_json("address", "{'addresses': ['no-port']}"), PX_ESCHEMA);
    CHECK_DETAIL("is not HOST:PORT");
    /* The key belongs to the entry's author: an address names none. */
    CHECK_RC(check_json("address",
                        "{'addresses': ['"
                        "6d1f0a4c2b3e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef"
                        "@127.0.0.1:7420']}"),
             PX_ESCHEMA);
}

/* kinds.h's table and the schemas agree: every kind has a schema, names are
 * unique, and the flags say what the ledger and the knowledge layer read. */
static void test_kind_table(void)
{
    for (int i = 0; i < PX_KIND_COUNT; i++) {
        const px_kind *k = px_kind_get((px_kind_id)i);
        CHECK(k != NULL && k->id == (px_kind_id)i);
        if (!k)
            continue;
        CHECK(px_kind_find(k->name) == k);
        CHECK(px_record_kind_known(k->name));
        CHECK(strlen(k->name) <= PX_KIND_MAX);
        if (k->flags & PX_KIND_PUBLISHABLE)
            CHECK(k->flags & PX_KIND_INDEXED);
        if (k->flags & PX_KIND_MEMBERSHIP)
            CHECK(k->flags & PX_KIND_NEEDS_BODY);
    }
    CHECK(px_kind_get(PX_KIND_COUNT) == NULL);
    CHECK(px_kind_find(NULL) == NULL);
    CHECK(px_kind_find("future-kind") == NULL);
    CHECK(!px_record_kind_known("future-kind"));
    CHECK(!px_kind_is("future-kind", 0));
    CHECK(px_kind_publisher("future-kind") == PX_PUB_MEMBER);
    /* what each layer used to list for itself */
    CHECK(px_kind_is("case", PX_KIND_PUBLISHABLE) && !px_kind_is("retract", PX_KIND_PUBLISHABLE));
    CHECK(px_kind_is("aggregate", PX_KIND_INDEXED) && !px_kind_is("address", PX_KIND_INDEXED));
    CHECK(px_kind_is("address", PX_KIND_NEEDS_BODY) && !px_kind_is("address", PX_KIND_MEMBERSHIP));
    CHECK(px_kind_is("revoke", PX_KIND_MEMBERSHIP) && px_kind_is("member", PX_KIND_MEMBERSHIP));
    CHECK(px_kind_publisher("revoke") == PX_PUB_SECRETARIAT);
    CHECK(px_kind_publisher("aggregate") == PX_PUB_SECRETARIAT);
    CHECK(px_kind_publisher("crosswalk") == PX_PUB_CENTRE);
    CHECK(px_kind_publisher("retract") == PX_PUB_CENTRE);
    CHECK(px_kind_publisher("member") == PX_PUB_MEMBER);
    char list[128];
    CHECK_STR(px_kind_list(PX_KIND_PUBLISHABLE, " or ", list, sizeof list),
              "case, indicator, benchmark or crosswalk");
    CHECK_STR(px_kind_list(PX_KIND_INDEXED, " and ", list, sizeof list),
              "case, indicator, benchmark, crosswalk, retract and aggregate");
    CHECK_STR(px_kind_list(PX_KIND_MEMBERSHIP, " and ", list, sizeof list), "member and revoke");
    CHECK_STR(px_kind_list(PX_KIND_PUBLISHABLE, " or ", list, 12), "case"); /* cut, whole names */
    CHECK_RC(px_record_validate("casex", (const uint8_t *)"\x80", 1), PX_EINVAL);
    CHECK(strstr(px_err_detail(), "case, indicator, benchmark, crosswalk, retract and aggregate"));
}

int main(void)
{
    RUN(test_kind_table);
    RUN(test_good_records);
    RUN(test_required);
    RUN(test_enums);
    RUN(test_periods);
    RUN(test_years);
    RUN(test_countries);
    RUN(test_langmaps);
    RUN(test_utf8);
    RUN(test_types);
    RUN(test_versions);
    RUN(test_intervals);
    RUN(test_scale_check);
    RUN(test_structure);
    RUN(test_depth);
    RUN(test_mutations);
    RUN(test_duplicates_and_nan);
    RUN(test_langmap_pick);
    RUN(test_decode);
    RUN(test_show);
    RUN(test_membership_records);
    return check_summary();
}
