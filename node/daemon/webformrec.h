/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webformrec.h — the bridge between the web interface's publish forms and
 * records: form fields (name = value pairs, as a browser posts them) to the
 * JSON record that `praxis publish` would read, record to form fields (to
 * prefill a new version), and the record's field paths that publish.h's
 * errors name back to the form field they belong beside.
 *
 * This module decides no rule about records: it only converts. Every value
 * that does not convert (a number field holding "4,66", a year holding
 * "20x5") is passed on as text, so that the one validation code — the
 * CLI's, publish.h — rejects it and names the field. A posted field that no
 * form of the kind has is passed on too, and the strict schema refuses it.
 * The only errors found here are ones a record cannot even express: the
 * same language given twice, or text given without its language.
 *
 * Form field names (stable: the browser tests and the templates use them;
 * the element id of each input is its name, and its error's id is
 * "err-" followed by the name):
 *
 *   case       country stage start_year end_year centre contact services
 *              channels tags related_results (one item per line)
 *              supersedes illustrative; per language N = 0, 1, ...:
 *              lang_N title_N summary_N problem_N solution_N
 *              implementation_N results_N lessons_N transferability_N
 *   indicator  code version measure_type domain scale_min scale_max
 *              higher_is_better ("true" | "false") unit supersedes
 *              illustrative; per language: lang_N name_N description_N
 *              question_N unit_of_analysis_N aggregation_N methodology_N
 *   benchmark  indicator indicator_version country period value centre
 *              service channel n ci_low ci_high std_err method status
 *              source illustrative; per language: lang_N notes_N
 *   crosswalk  from to conversion ("endpoints" | "linear") a b grade
 *              illustrative; per language: lang_N caveats_N
 *
 * A checkbox (illustrative) is true when posted with any non-empty value.
 * Empty fields are left out of the record. Text is trimmed of surrounding
 * ASCII white space.
 */
#ifndef PX_WEBFORMREC_H
#define PX_WEBFORMREC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Most language blocks a form may carry. */
#define PX_FORMREC_MAX_LANGS 16

/* One posted field. */
typedef struct px_kv {
    const char *name;
    const char *value;
} px_kv;

/* Fields posted with a form. Names are copied; px_form_free releases. */
typedef struct px_form {
    px_kv *v;
    size_t n, cap;
} px_form;

int px_form_add(px_form *f, const char *name, const char *value);
/* The value of the first field called name, or NULL. */
const char *px_form_get(const px_form *f, const char *name);
void px_form_free(px_form *f); /* NULL-safe; leaves *f zeroed */

/* A problem found while converting, beside form field `field` (a form
 * name as above, or "" for the form as a whole). */
typedef struct px_form_error {
    char field[64];
    char message[512];
} px_form_error;

typedef struct px_form_errors {
    px_form_error *v;
    size_t n, cap;
} px_form_errors;

int px_form_error_add(px_form_errors *e, const char *field, const char *message);
/* The message for field (the first one), or NULL. */
const char *px_form_error_for(const px_form_errors *e, const char *field);
void px_form_errors_free(px_form_errors *e);

/* True for "case", "indicator", "benchmark" and "crosswalk". */
bool px_formrec_kind(const char *kind);

/* The record fields of kind that are language maps, NULL-terminated, in
 * form order (the first is the one a new language block needs first). */
const char *const *px_formrec_text_fields(const char *kind);

/* True if name is a field of kind's form (a per-language name included). */
bool px_formrec_known(const char *kind, const char *name);

/* How many language blocks the form f carries: one more than the highest
 * N of a posted lang_N/TEXT_N (at least 1, at most PX_FORMREC_MAX_LANGS). */
size_t px_formrec_nlangs(const char *kind, const px_form *f);

/* Build the record of kind from the posted form f. Names in skip
 * (NULL-terminated; may be NULL) are the framework's and the buttons'
 * (CSRF token, "publish", "add_lang") and are not part of the record.
 * tr (may be NULL) translates this module's two messages.
 * OUT *rec: a new JSON object (also when errors were found, so the caller
 * can still have it checked); OUT errs: conversion errors (see above).
 * PX_OK, PX_EINVAL (unknown kind) or PX_ENOMEM. */
typedef struct px_formrec_tr {
    const char *(*fn)(void *ctx, const char *msgid); /* gettext-like; NULL: English */
    void *ctx;
} px_formrec_tr;

int px_formrec_build(const char *kind, const px_form *f, const char *const *skip,
                     const px_formrec_tr *tr, json_t **rec, px_form_errors *errs);

/* The form fields that show record rec (a JSON object of kind) — for a
 * new version prefilled from the old one. Fields the form does not have
 * are left out. PX_OK, PX_EINVAL or PX_ENOMEM. */
int px_formrec_fill(const char *kind, const json_t *rec, px_form *out);

/* The form field beside which an error about record field path (as
 * publish.h names it: "summary", "title.en", "scale.min", "tags[2]",
 * "conversion.a", "") is shown, given the posted form f: written to out
 * (outlen bytes). A field no form has goes beside the known field nearest
 * to its name (px_record_nearest_field: "summmary" beside summary_0);
 * "" when the error belongs to the form as a whole. */
void px_formrec_field_for(const char *kind, const char *path, const px_form *f, char *out,
                          size_t outlen);

#endif
