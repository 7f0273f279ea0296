/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webfields.h — form controls for the web interface's publish and admin
 * pages: a labelled input, text area, picker or checkbox that shows the
 * value typed (or prefilled), its hint and, beside it, its error.
 *
 * Markup of one control named NAME (ids are stable; browser tests use
 * them):
 *   <div class="field [has-error]">
 *     <label for="NAME">Label</label>
 *     <p class="hint" id="hint-NAME">...</p>          (when there is a hint)
 *     <p class="error" id="err-NAME" role="alert">...</p> (when it has an error)
 *     <input id="NAME" name="NAME" ... aria-describedby="hint-NAME err-NAME"
 *            [aria-invalid="true"]>
 *   </div>
 * The error summary above a form is <div class="errors" id="form-errors"
 * role="alert"> with a link to each field that has an error, and the
 * errors that belong to no field.
 *
 * Every value and message goes through px_esc (web.h).
 */
#ifndef PX_WEBFIELDS_H
#define PX_WEBFIELDS_H

#include "web.h"
#include "webformrec.h"

typedef struct px_fields {
    px_req *r;
    const px_form *f;        /* the values to show */
    const px_form_errors *e; /* errors beside fields (may be NULL) */
} px_fields;

/* <input type=TYPE> ("text", "number", "search"...); step for numbers
 * ("any") may be NULL. hint may be NULL. label and hint are plain text. */
void px_field_input(px_fields *x, const char *name, const char *label, const char *hint,
                    const char *type, const char *step);
/* A text input offering the values of list (id) as suggestions. */
void px_field_input_list(px_fields *x, const char *name, const char *label, const char *hint,
                         const char *list);
void px_field_area(px_fields *x, const char *name, const char *label, const char *hint, int rows);
/* A picker: values NULL-terminated; labels (may be NULL: the values
 * themselves) are msgids translated with px_t. With empty_label (may be
 * NULL) a first option with the empty value. A posted value not among
 * values is kept as an extra option, so what was typed is never lost. */
void px_field_select(px_fields *x, const char *name, const char *label, const char *hint,
                     const char *const *values, const char *const *labels, const char *empty_label);
/* The country picker (every ISO 3166-1 alpha-2 code). */
void px_field_country(px_fields *x, const char *name, const char *label, const char *hint,
                      const char *empty_label);
/* The language picker for a text block (language tags). */
void px_field_lang(px_fields *x, const char *name, const char *label);
void px_field_check(px_fields *x, const char *name, const char *label, const char *hint);
void px_field_hidden(px_fields *x, const char *name);

/* The error summary under heading (plain text; nothing when there are no
 * errors). */
void px_fields_summary(px_fields *x, const char *heading);

/* px_page_begin, and the forms' stylesheet (web/assets/forms.css). */
void px_fields_page_begin(px_req *r, const char *title);

/* Translated label of an enum value ("pilot"), for pickers and tables. */
const char *px_field_choice_label(px_req *r, const char *value);

#endif
