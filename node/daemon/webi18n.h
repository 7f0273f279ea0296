/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webi18n.h — the web interface's message catalogues.
 *
 * The catalogues are GNU gettext .po files in po/ (po/LANG.po, and
 * po/LANG-*.po for further parts, merged with msgcat), compiled with msgfmt
 * at build time and embedded in the binary (webassets.h). They are read
 * here, not with gettext(3): the process locale is global and a web server
 * answers readers of several languages at once, so each request looks its
 * strings up in its own language's catalogue. Catalogues are read-only
 * after px_i18n_init, so lookups need no lock.
 *
 * Plural forms follow each language's rule, written here (the .po header's
 * Plural-Forms must agree; po/README.md).
 */
#ifndef PX_WEBI18N_H
#define PX_WEBI18N_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One compiled catalogue (.mo bytes, borrowed). */
typedef struct px_mo {
    const uint8_t *data;
    size_t len;
    uint32_t n;           /* strings */
    uint32_t orig, trans; /* table offsets */
    bool swap;            /* written big-endian */
    bool sorted;          /* originals in strcmp order: binary search */
} px_mo;

/* Check a .mo image (magic, revision, every offset and length inside the
 * image, every string NUL-terminated). PX_OK or PX_EFORMAT (detail). */
int px_mo_open(px_mo *mo, const uint8_t *data, size_t len);

/* The translation of msgid, or NULL when absent or untranslated. */
const char *px_mo_get(const px_mo *mo, const char *msgid);

/* The plural translation for n under lang's rule ("msgid\0plural" key),
 * or NULL. */
const char *px_mo_nget(const px_mo *mo, const char *lang, const char *msgid, const char *plural,
                       unsigned long n);

/* Index of the plural form for n in lang (en/kk/az/ka: 2 forms; ru: 3). */
unsigned px_plural_index(const char *lang, unsigned long n);

/* ---- the embedded catalogues -------------------------------------------- */

/* Open every embedded catalogue. Idempotent and thread-safe. */
int px_i18n_init(void);

/* The languages the interface speaks: "en" then each catalogue's. */
size_t px_i18n_count(void);
const char *px_i18n_lang(size_t i);
/* The language's own name ("English", "Русский"). */
const char *px_i18n_native(const char *lang);

/* A supported language from a cookie value (exact) or NULL. */
const char *px_i18n_supported(const char *lang);

/* The best supported language for an Accept-Language header (q-values
 * honoured, "ru-RU" matches "ru"); "en" when none fits or header is NULL. */
const char *px_i18n_negotiate(const char *accept_language);

/* Translate in lang (msgid itself when untranslated). */
const char *px_i18n_get(const char *lang, const char *msgid);
const char *px_i18n_nget(const char *lang, const char *msgid, const char *plural, unsigned long n);

#endif
