/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h — one self-contained HTML file for people who do not use a
 * command line: a bar chart per comparison, a line chart per trend (both
 * inline SVG), the numbers beside them, and case-study summaries.
 *
 * Self-contained: no scripts, no fonts, images or styles from anywhere
 * else; a Content-Security-Policy meta tag forbids fetching anything, so
 * the file shows the same offline and leaks nothing when opened. Every
 * piece of record text is escaped (it comes from peers).
 */
#ifndef PX_REPORT_H
#define PX_REPORT_H

#include "query.h"

#include <stdint.h>
#include <stdio.h>

typedef struct px_report_opts {
    const char *title;   /* NULL: "praxis report" */
    const char *network; /* the network's name, shown in the header; may be NULL */
    /* The indicators to compare and trace. NULL: every indicator that has
     * results (of its own or through the secretariat's crosswalks) and is
     * not itself folded into another one by such a crosswalk. */
    const char *const *indicators;
    size_t nindicators;
    const char *period;    /* comparisons: this period (NULL: the latest) */
    px_by by;              /* comparisons: grouping (PX_BY_COUNTRY usually) */
    const char *country;   /* trends and cases: only this country (NULL: all) */
    size_t max_cases;      /* 0: 20 */
    uint64_t generated_ms; /* shown as the time of the report */
} px_report_opts;

/* Write the report to out. Returns PX_OK, PX_EIO if writing fails, or a
 * query error (e.g. PX_ENOENT for an indicator not held). */
int px_report_html(const px_query *q, const px_report_opts *o, FILE *out);

/* Write s HTML-escaped by px_html_append (html.h): & < > " ' become
 * entities, control and bidi override characters show as [U+XXXX],
 * invalid UTF-8 as U+FFFD. s may be NULL. */
void px_html_escape(FILE *out, const char *s);

#endif
