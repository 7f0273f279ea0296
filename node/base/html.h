/* SPDX-License-Identifier: Apache-2.0 */
/*
 * html.h — THE escaping rule for HTML (the web interface's pages and the
 * static report both write through it).
 */
#ifndef PX_HTML_H
#define PX_HTML_H

#include "util.h"

#include <stddef.h>

/* Append text[0..n) (untrusted: record text, arguments, anything not
 * written in our source) to out, escaped for HTML text and quoted attribute
 * values: & < > " ' become entities; invalid UTF-8 becomes U+FFFD; control
 * characters other than tab and line breaks, and the bidirectional
 * embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069)
 * are shown as "[U+XXXX]" so they cannot reorder or hide what surrounds
 * them. NULL appends nothing. PX_OK or PX_ENOMEM. */
int px_html_append(px_buf *out, const char *text, size_t n);

#endif
