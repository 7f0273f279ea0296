/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webfields.c — labelled form controls with their values and errors (see
 * webfields.h).
 */
#include "webfields.h"

#include "records.h"

#include <string.h>

/* The enum values of records, marked for translation (RECORDS.md). */
static const char *const choice_msgids[] = {PX_N_("idea"),
                                            PX_N_("pilot"),
                                            PX_N_("implemented"),
                                            PX_N_("evaluated"),
                                            PX_N_("scaled"),
                                            PX_N_("overall satisfaction"),
                                            PX_N_("accessibility"),
                                            PX_N_("information"),
                                            PX_N_("procedures"),
                                            PX_N_("staff"),
                                            PX_N_("outcome"),
                                            PX_N_("timeliness"),
                                            PX_N_("non-corruption"),
                                            PX_N_("other"),
                                            PX_N_("mean score"),
                                            PX_N_("proportion"),
                                            PX_N_("rate"),
                                            PX_N_("count"),
                                            PX_N_("duration"),
                                            PX_N_("questionnaire"),
                                            PX_N_("mystery shopper"),
                                            PX_N_("focus group"),
                                            PX_N_("interview"),
                                            PX_N_("administrative"),
                                            PX_N_("normal"),
                                            PX_N_("provisional"),
                                            PX_N_("estimated"),
                                            PX_N_("break"),
                                            PX_N_("definition differs"),
                                            PX_N_("exact"),
                                            PX_N_("close"),
                                            PX_N_("broad"),
                                            PX_N_("centre"),
                                            PX_N_("secretariat"),
                                            PX_N_("observer"),
                                            PX_N_("root"),
                                            PX_N_("endpoints"),
                                            PX_N_("linear"),
                                            NULL};

void px_fields_page_begin(px_req *r, const char *title)
{
    px_page_begin(r, title);
    /* The forms' own stylesheet (a link is allowed in the body). */
    px_h(r, "<link rel=\"stylesheet\" href=\"/assets/forms.css\">");
}

const char *px_field_choice_label(px_req *r, const char *value)
{
    for (size_t i = 0; choice_msgids[i]; i++)
        if (strcmp(choice_msgids[i], value) == 0)
            return px_t(r, choice_msgids[i]);
    return value;
}

static const char *value_of(px_fields *x, const char *name)
{
    return px_form_get(x->f, name);
}

static const char *error_of(px_fields *x, const char *name)
{
    return x->e ? px_form_error_for(x->e, name) : NULL;
}

/* <div class=field>, the label, the hint, the error; then the caller's
 * control, which ends with describedby(). */
static void begin(px_fields *x, const char *name, const char *label, const char *hint)
{
    const char *err = error_of(x, name);
    px_h(x->r, err ? "<div class=\"field has-error\">" : "<div class=\"field\">");
    px_hf(x->r, "<label for=\"%s\">%s</label>", name, label);
    if (hint)
        px_hf(x->r, "<p class=\"hint\" id=\"hint-%s\">%s</p>", name, hint);
    if (err)
        px_hf(x->r, "<p class=\"error\" id=\"err-%s\" role=\"alert\">%s</p>", name, err);
}

/* The shared attributes of a control (inside its opening tag). */
static void attrs(px_fields *x, const char *name, const char *hint)
{
    const char *err = error_of(x, name);
    px_hf(x->r, " id=\"%s\" name=\"%s\"", name, name);
    if (hint || err) {
        px_h(x->r, " aria-describedby=\"");
        if (hint)
            px_hf(x->r, "hint-%s", name);
        if (hint && err)
            px_h(x->r, " ");
        if (err)
            px_hf(x->r, "err-%s", name);
        px_h(x->r, "\"");
    }
    if (err)
        px_h(x->r, " aria-invalid=\"true\"");
}

void px_field_input(px_fields *x, const char *name, const char *label, const char *hint,
                    const char *type, const char *step)
{
    begin(x, name, label, hint);
    /* Numbers are typed as text (inputmode): the server names what is
     * wrong with "4,66" instead of the browser silently dropping it. */
    bool num = type && strcmp(type, "number") == 0;
    px_hf(x->r, "<input type=\"%s\"", num ? "text" : type ? type : "text");
    if (num)
        px_h(x->r, step ? " inputmode=\"decimal\"" : " inputmode=\"numeric\"");
    attrs(x, name, hint);
    px_hf(x->r, " value=\"%s\"></div>\n", value_of(x, name));
}

void px_field_input_list(px_fields *x, const char *name, const char *label, const char *hint,
                         const char *list)
{
    begin(x, name, label, hint);
    px_h(x->r, "<input type=\"text\"");
    attrs(x, name, hint);
    px_hf(x->r, " list=\"%s\" autocomplete=\"off\" value=\"%s\"></div>\n", list, value_of(x, name));
}

void px_field_area(px_fields *x, const char *name, const char *label, const char *hint, int rows)
{
    begin(x, name, label, hint);
    px_hf(x->r, "<textarea rows=\"%d\"", rows);
    attrs(x, name, hint);
    px_h(x->r, ">");
    /* A textarea drops one leading newline: give it one so a value that
     * starts with a line break keeps it. */
    px_h(x->r, "\n");
    px_esc(x->r, value_of(x, name));
    px_h(x->r, "</textarea></div>\n");
}

static void option(px_req *r, const char *value, const char *label, bool selected)
{
    px_hf(r, "<option value=\"%s\"%s>%s</option>", value, selected ? " selected" : "", label);
}

void px_field_select(px_fields *x, const char *name, const char *label, const char *hint,
                     const char *const *values, const char *const *labels, const char *empty_label)
{
    const char *v = value_of(x, name);
    bool found = false;
    begin(x, name, label, hint);
    px_h(x->r, "<select");
    attrs(x, name, hint);
    px_h(x->r, ">");
    if (empty_label)
        option(x->r, "", empty_label, !v || !v[0]);
    for (size_t i = 0; values && values[i]; i++) {
        bool sel = v && strcmp(v, values[i]) == 0;
        found |= sel;
        option(x->r, values[i],
               labels ? px_t(x->r, labels[i]) : px_field_choice_label(x->r, values[i]), sel);
    }
    if (v && v[0] && !found)
        option(x->r, v, v, true);
    px_h(x->r, "</select></div>\n");
}

void px_field_country(px_fields *x, const char *name, const char *label, const char *hint,
                      const char *empty_label)
{
    const char *v = value_of(x, name);
    char cc[3];
    bool found = false;
    begin(x, name, label, hint);
    px_h(x->r, "<select");
    attrs(x, name, hint);
    px_h(x->r, ">");
    if (empty_label)
        option(x->r, "", empty_label, !v || !v[0]);
    for (size_t i = 0; px_country_code(i, cc); i++) {
        bool sel = v && strcmp(v, cc) == 0;
        found |= sel;
        option(x->r, cc, cc, sel);
    }
    if (v && v[0] && !found)
        option(x->r, v, v, true);
    px_h(x->r, "</select></div>\n");
}

/* Languages offered for record text; any other tag posted stays offered. */
static const char *const langs[] = {"en", "ru", "kk", "az", "ka", "ky", "uz", "tg", "tk", "hy",
                                    "ro", "uk", "mn", "tr", "fr", "de", "es", "ar", "zh", NULL};
static const char *const lang_names[] = {
    "en — English",  "ru — Русский",    "kk — Қазақша", "az — Azərbaycanca", "ka — ქართული",
    "ky — Кыргызча", "uz — Oʻzbekcha",  "tg — Тоҷикӣ",  "tk — Türkmençe",    "hy — Հայերեն",
    "ro — Română",   "uk — Українська", "mn — Монгол",  "tr — Türkçe",       "fr — Français",
    "de — Deutsch",  "es — Español",    "ar — العربية", "zh — 中文",         NULL};

void px_field_lang(px_fields *x, const char *name, const char *label)
{
    const char *v = value_of(x, name);
    bool found = false;
    begin(x, name, label, NULL);
    px_h(x->r, "<select");
    attrs(x, name, NULL);
    px_h(x->r, ">");
    option(x->r, "", px_t(x->r, "(choose a language)"), !v || !v[0]);
    for (size_t i = 0; langs[i]; i++) {
        bool sel = v && strcmp(v, langs[i]) == 0;
        found |= sel;
        option(x->r, langs[i], lang_names[i], sel);
    }
    if (v && v[0] && !found)
        option(x->r, v, v, true);
    px_h(x->r, "</select></div>\n");
}

void px_field_check(px_fields *x, const char *name, const char *label, const char *hint)
{
    const char *v = value_of(x, name);
    const char *err = error_of(x, name);
    px_h(x->r, err ? "<div class=\"field check has-error\">" : "<div class=\"field check\">");
    if (err)
        px_hf(x->r, "<p class=\"error\" id=\"err-%s\" role=\"alert\">%s</p>", name, err);
    px_h(x->r, "<input type=\"checkbox\" value=\"1\"");
    attrs(x, name, hint);
    if (v && v[0] && strcmp(v, "false") != 0)
        px_h(x->r, " checked");
    px_hf(x->r, "> <label for=\"%s\">%s</label>", name, label);
    if (hint)
        px_hf(x->r, "<p class=\"hint\" id=\"hint-%s\">%s</p>", name, hint);
    px_h(x->r, "</div>\n");
}

void px_field_hidden(px_fields *x, const char *name)
{
    const char *v = value_of(x, name);
    if (v && v[0])
        px_hf(x->r, "<input type=\"hidden\" id=\"%s\" name=\"%s\" value=\"%s\">", name, name, v);
}

void px_fields_summary(px_fields *x, const char *heading)
{
    if (!x->e || x->e->n == 0)
        return;
    px_h(x->r, "<div class=\"errors\" id=\"form-errors\" role=\"alert\" tabindex=\"-1\">");
    px_hf(x->r, "<h2>%s</h2><ul>", heading);
    for (size_t i = 0; i < x->e->n; i++) {
        const px_form_error *er = &x->e->v[i];
        if (er->field[0])
            px_hf(x->r, "<li><a href=\"#%s\">%s</a></li>", er->field, er->message);
        else
            px_hf(x->r, "<li>%s</li>", er->message);
    }
    px_h(x->r, "</ul></div>\n");
}
