/* SPDX-License-Identifier: Apache-2.0 */
/*
 * records.h — the domain records of praxis: what the body of each kind of
 * kinds.h's table looks like (a case study, an indicator definition, a
 * benchmark result, a crosswalk, a retraction, an aggregate, an address
 * announcement, an admission, a revocation), and the code that checks them.
 * The kinds themselves (names, who publishes them, which are indexed) are
 * kinds.h's; this module holds their schemas.
 *
 * An entry body is a msgpack map with string keys (DESIGN.md, "Feeds and
 * entries"). Bodies come from peers, so everything here treats them as
 * hostile bytes: size, nesting depth and list lengths are bounded before
 * msgpack-c builds any object, every type is checked, and nothing recurses
 * on attacker-controlled depth. The written specification of every kind,
 * with JSON examples, is schema/RECORDS.md; the two must agree.
 *
 * Layout of this header:
 *   - limits and validation (px_record_validate, px_record_check_scale);
 *   - small checkers shared with other modules (country, language tag,
 *     period, indicator code);
 *   - reading bodies (px_record_unpack, px_record_get, px_langmap_pick);
 *   - decoded C views of benchmarks, indicators and crosswalks for the
 *     query layer, and the 0-100 rescaling used by `compare`.
 *
 * JSON -> msgpack conversion (what `praxis publish` does before calling
 * px_record_validate) lives in jsonmp.h.
 */
#ifndef PX_RECORDS_H
#define PX_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "kinds.h"
#include "util.h"

/* A body is at most this many bytes, nests containers at most this deep
 * (the body map itself is level 1), and no array or map anywhere in it has
 * more than PX_RECORD_MAX_ITEMS entries. */
#define PX_RECORD_MAX_BODY (128u * 1024u)
#define PX_RECORD_MAX_DEPTH 8
#define PX_RECORD_MAX_ITEMS 1000

/* Years (start_year, end_year, periods) must lie in this range. */
#define PX_RECORD_YEAR_MIN 1900
#define PX_RECORD_YEAR_MAX 2100

/* ---- validation ------------------------------------------------------- */

/* True if kind is one this module validates: every kind of kinds.h's table
 * ("case", "indicator", ..., "member", "revoke"). kind may be NULL. */
bool px_record_kind_known(const char *kind);

/* The values allowed for enum field `name` of kind ("stage" of "case":
 * idea, pilot, ...), NULL-terminated, for pickers; NULL if that field is
 * not an enum of that kind. */
const char *const *px_record_choices(const char *kind, const char *name);

/* Check that body (len bytes) is a valid record of the given kind.
 * Unknown extra fields are allowed and ignored (forward compatibility).
 * Returns:
 *   PX_OK       the body is a valid record of that kind;
 *   PX_ESCHEMA  a field is missing, has the wrong type or a value that is
 *               not allowed; the detail names the field, what is wrong and
 *               what is allowed ("field 'stage': 'done' is not one of idea,
 *               pilot, implemented, evaluated, scaled");
 *   PX_EFORMAT  the bytes are not exactly one msgpack map with string keys,
 *               are truncated, or nest deeper than PX_RECORD_MAX_DEPTH;
 *   PX_ETOOBIG  len > PX_RECORD_MAX_BODY;
 *   PX_EINVAL   kind is not a known record kind (detail lists the kinds);
 *   PX_ENOMEM.
 * Never reads past body + len; body need not be NUL-terminated. On success
 * the thread's error detail is left as it was. */
int px_record_validate(const char *kind, const uint8_t *body, size_t len);

/* Every problem of a body, not only the first: fn is called once per
 * problem with its code (PX_ESCHEMA, PX_EFORMAT, PX_ETOOBIG), the field it
 * concerns (the top-level field name, "" for the body as a whole) and the
 * message (as px_record_validate's detail; valid during the call). One
 * problem per field at most; the cross-field rules (ci_low <= ci_high,
 * start_year <= end_year, ...) run only when every field passed.
 * flags: PX_RECORD_STRICT refuses fields the kind does not define, naming
 * the nearest known field ("field 'summmary' is not a field of a case; did
 * you mean 'summary'?"), which is what publishing uses; without it unknown
 * fields are ignored as for replicated records (forward compatibility).
 * Returns PX_OK when there is no problem, else the first problem's code
 * (PX_EINVAL for an unknown kind, reported through the detail only, and
 * PX_ENOMEM stop at once). fn may be NULL: then this stops at the first
 * problem like px_record_validate. */
#define PX_RECORD_STRICT 1u
typedef void (*px_record_issue_fn)(void *ctx, int rc, const char *name, const char *message);
int px_record_check(const char *kind, const uint8_t *body, size_t len, unsigned flags,
                    px_record_issue_fn fn, void *ctx);

/* The field of kind whose name is nearest to name[0..len) (edit distance,
 * ASCII case ignored), when it is a plausible typo (at most 2 edits, fewer
 * than half the name's length); NULL otherwise. */
const char *px_record_nearest_field(const char *kind, const char *name, size_t len);

/* The check that needs an indicator definition: is a benchmark value inside
 * its indicator's scale [scale_min, scale_max]? PX_OK, or PX_ESCHEMA with a
 * detail such as "field 'value': 5.2 is outside indicator KZ-SAT-OVERALL's
 * scale 1–5". A NaN or infinite value is outside every scale.
 * indicator_code is only used in the message (NULL prints "the"). */
int px_record_check_scale(double value, double scale_min, double scale_max,
                          const char *indicator_code);

/* ---- small checkers ---------------------------------------------------- */

/* s[0..len) is an assigned ISO 3166-1 alpha-2 code (two uppercase letters,
 * e.g. "KZ"). The list is the 249 officially assigned codes. */
bool px_country_valid(const char *s, size_t len);

/* The i-th assigned code in alphabetical order (i from 0), written to out;
 * NULL when i is past the last. For country pickers. */
const char *px_country_code(size_t i, char out[3]);

/* s[0..len) is a language tag as used for language-map keys: 2-3 lowercase
 * letters, then optionally "-Script" (four letters, first uppercase, e.g.
 * "az-Latn") and/or "-REGION" (two uppercase letters or three digits). */
bool px_lang_valid(const char *s, size_t len);

/* s[0..len) is an indicator code: 1-64 ASCII letters, digits, '-' or '_',
 * starting with a letter or digit (safe as an SDMX code id). */
bool px_code_valid(const char *s, size_t len);

/* s[0..len) is valid UTF-8 (no overlong forms, surrogates or values above
 * U+10FFFF). NUL bytes count as valid here. */
bool px_utf8_valid(const char *s, size_t len);

/* Render untrusted bytes p[0..n) for an error message into out (outlen
 * bytes, at least 8; 64 is plenty): at most 40 bytes, valid UTF-8 kept,
 * control characters and invalid bytes shown as '?', "..." appended when
 * cut. Returns out, always NUL-terminated. */
const char *px_record_show(char *out, size_t outlen, const char *p, size_t n);

/* A reporting period: "2018" (quarter = month = 0), "2018-Q1" (quarter 1-4)
 * or "2018-03" (month 1-12); year in [PX_RECORD_YEAR_MIN, _MAX]. */
typedef struct px_period {
    int year;
    int quarter; /* 1-4, or 0 */
    int month;   /* 1-12, or 0 */
} px_period;

/* Parse s[0..len). PX_OK (and *out filled, if out is not NULL) or
 * PX_EFORMAT (no detail set). */
int px_period_parse(const char *s, size_t len, px_period *out);

/* A total order for periods, for sorting series: returns <0, 0, >0. A year
 * sorts before its quarters, and a quarter before the months after its
 * start ("2018" < "2018-Q1" < "2018-01" < "2018-02" < "2018-Q2" ...). */
int px_period_cmp(const px_period *a, const px_period *b);

/* ---- reading bodies ---------------------------------------------------- */

/* Decode body into *out with the same structural checks as
 * px_record_validate (size, depth, list lengths, exactly one map with
 * string keys) but no schema check. *out is always initialised, also on
 * error; release it with msgpack_unpacked_destroy(). The root is
 * out->data (type MSGPACK_OBJECT_MAP on success). Strings inside point into
 * body: body must stay valid and unchanged while *out is used.
 * Returns PX_OK, PX_EFORMAT, PX_ETOOBIG, PX_ESCHEMA (a list is too long) or
 * PX_ENOMEM, with a detail on error. */
int px_record_unpack(const uint8_t *body, size_t len, msgpack_unpacked *out);

/* The value under the string key `key` in map, or NULL if map is NULL, not
 * a map, or has no such key. The result lives as long as map. */
const msgpack_object *px_record_get(const msgpack_object *map, const char *key);

/* Choose the text of a language map for a reader of language lang (may be
 * NULL). Order: the exact tag; the same primary language ("az" finds
 * "az-Latn" and "az-Latn" finds "az"); "en"; "ru"; the first entry.
 * A plain string (allowed for a retraction's reason) is returned as is.
 * Returns the chosen value, a msgpack str that is NOT NUL-terminated and
 * lives as long as text, or NULL if text is NULL, of another type, or has
 * no string entry. OUT lang_out (may be NULL): the chosen key (a msgpack
 * str), or NULL when text is a plain string. */
const msgpack_object *px_langmap_pick(const msgpack_object *text, const char *lang,
                                      const msgpack_object **lang_out);

/* Like px_langmap_pick, but returns NUL-terminated malloc'd copies.
 * OUT *out: the text, caller frees. OUT *lang_out (may be NULL): the
 * language chosen (malloc'd, caller frees; NULL for a plain string).
 * PX_OK, PX_ENOENT (nothing to pick; *out = NULL) or PX_ENOMEM. */
int px_langmap_pick_dup(const msgpack_object *text, const char *lang, char **out, char **lang_out);

/* ---- indicator versions (RECORDS.md, "Indicator versions") ------------- */

/* A version is a whole number 1..PX_VERSION_PART_MAX or a text of 1 to 3
 * dot-separated whole numbers without leading zeros ("1", "1.0", "1.2.0"),
 * each at most PX_VERSION_PART_MAX, not all 0. Its key orders versions by
 * components left to right, a missing component counting as 0: 2, "2" and
 * "2.0" have one key; "1.10" is above "1.9". Keys are > 0 (0 is left for
 * "no version given: the latest"). */
#define PX_VERSION_PART_MAX 999999
#define PX_VERSION_TEXT_MAX 24 /* "999999.999999.999999" and its NUL */

/* The key of the text s[0..len). PX_OK or PX_EINVAL (*key = 0). */
int px_version_parse(const char *s, size_t len, int64_t *key);
/* The key of the whole-number version v. PX_OK or PX_EINVAL. */
int px_version_number(int64_t v, int64_t *key);
/* The key of a record's version field (integer or string). PX_OK or
 * PX_EINVAL. */
int px_version_key(const msgpack_object *o, int64_t *key);
/* The version as written ("2", "1.2.0"), for display. PX_OK or PX_EINVAL
 * (out empty). */
int px_version_text(const msgpack_object *o, char out[PX_VERSION_TEXT_MAX]);
/* <0, 0, >0 as version key a is below, the same as, above b. */
int px_version_cmp(int64_t a, int64_t b);

/* ---- decoded views for the query layer --------------------------------- */

/* A benchmark result as C values. Every pointer member is a malloc'd,
 * NUL-terminated copy owned by the struct (independent of the body bytes);
 * release them all with px_benchmark_free(). */
typedef struct px_benchmark {
    char *indicator;           /* indicator code; never NULL after decode */
    int64_t indicator_version; /* its key; 0 when not given (meaning: the latest) */
    char indicator_version_text[PX_VERSION_TEXT_MAX]; /* as written; "" when not given */
    char country[3];                                  /* ISO 3166-1 alpha-2 */
    char *centre;                                     /* NULL when absent */
    char *service;                                    /* NULL when absent */
    char *channel;                                    /* NULL when absent */
    char *period;                                     /* as written: "2018", "2018-Q1", "2018-03" */
    px_period when;                                   /* period, parsed */
    double value;
    int64_t n; /* -1 when absent */
    bool has_ci;
    double ci_low, ci_high; /* valid when has_ci */
    bool has_std_err;
    double std_err;    /* valid when has_std_err */
    char *method;      /* NULL when absent */
    char *status;      /* "normal" when absent; never NULL */
    char *source;      /* NULL when absent */
    bool illustrative; /* false when absent */
} px_benchmark;

/* Validate body as a benchmark and decode it. On success *out owns its
 * strings; on error *out is zeroed (safe to free) and the return is as for
 * px_record_validate. */
int px_benchmark_decode(const uint8_t *body, size_t len, px_benchmark *out);
void px_benchmark_free(px_benchmark *b); /* NULL-safe; leaves *b zeroed */

/* An indicator definition's identity and scale as C values; strings are
 * owned as in px_benchmark. Texts (name, description, ...) stay in the body:
 * read them with px_record_get + px_langmap_pick. */
typedef struct px_indicator {
    char *code;
    int64_t version;                        /* its key (px_version_key) */
    char version_text[PX_VERSION_TEXT_MAX]; /* as written */
    char *domain;                           /* NULL when absent */
    char *measure_type;                     /* never NULL after decode */
    char *unit;                             /* NULL when absent */
    double scale_min, scale_max;
    bool higher_is_better; /* true when absent */
    bool illustrative;
} px_indicator;

int px_indicator_decode(const uint8_t *body, size_t len, px_indicator *out);
void px_indicator_free(px_indicator *ind); /* NULL-safe; leaves *ind zeroed */

typedef enum px_conversion { PX_CONV_LINEAR = 1, PX_CONV_ENDPOINTS = 2 } px_conversion;

/* A crosswalk as C values; strings owned as in px_benchmark. */
typedef struct px_crosswalk {
    char *from, *to; /* indicator codes */
    px_conversion conversion;
    double a, b; /* PX_CONV_LINEAR: to = a * from + b */
    char *grade; /* "exact", "close" or "broad" */
    bool illustrative;
} px_crosswalk;

int px_crosswalk_decode(const uint8_t *body, size_t len, px_crosswalk *out);
void px_crosswalk_free(px_crosswalk *cw); /* NULL-safe; leaves *cw zeroed */

/* Convert a value x of indicator `from` into the scale of indicator `to`
 * through crosswalk cw: linear gives a*x+b; endpoints maps [from.min,
 * from.max] onto [to.min, to.max], reversed when the two disagree on
 * higher_is_better. from/to are only read for endpoints (may be NULL for
 * linear). Returns NaN if a needed scale is missing or degenerate. */
double px_crosswalk_apply(const px_crosswalk *cw, double x, const px_indicator *from,
                          const px_indicator *to);

/* Rescale value from [scale_min, scale_max] to 0-100 by the endpoints
 * (4.66 on 1-5 gives 91.5; 8.7 on 0-10 gives 87.0). No inversion for
 * lower-is-better scales: callers show the direction beside the number.
 * NaN if the scale is degenerate or an input is not finite. */
double px_rescale_100(double value, double scale_min, double scale_max);

/* x kept to 12 significant digits: derived figures (rescaled, converted,
 * averaged) without the last-bit noise of binary arithmetic. */
double px_tidy_real(double x);

#endif
