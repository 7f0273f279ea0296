/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webint.h — what the web interface's own files share beyond web.h: the
 * framework's internals (webhtml.c needs the response buffer) and the
 * handlers the route table (web_routes.c) names. Pages written by others
 * need only web.h.
 */
#ifndef PX_WEBINT_H
#define PX_WEBINT_H

#include "index.h"
#include "web.h"

#include <msgpack.h>

/* web.c */
px_buf *px_req_out(px_req *r);
void px_req_oom(px_req *r);
bool px_req_has_session(const px_req *r);
const char *px_req_route_pattern(const px_req *r);
const char *px_web_network_name(const px_req *r);
int px_web_login(px_req *r);
int px_web_lang(px_req *r);
int px_web_logout(px_req *r);
/* A per-thread cache of query results (JSON) by key, emptied whenever
 * the store changed since (SQLite's data_version): get returns a new
 * reference or NULL; put keeps a reference. For results many pages repeat
 * (the pickers' indicator list, a search's facets while paging). */
json_t *px_req_cache_get(px_req *r, const char *key);
void px_req_cache_put(px_req *r, const char *key, json_t *value);

/* A request without a connection or server, for unit tests of the HTML
 * builder: no session, no store, no arguments. */
px_req *px_req_detached(const char *lang);
void px_req_detached_free(px_req *r);

/* This page's own URL (path and query), re-encoded. */
const char *px_req_self_url(px_req *r);

/* webhtml.c: percent-encode s onto b (unreserved characters kept). */
void px_url_encode(px_buf *b, const char *s);

/* webapi.c: JSON as the CLI's --json writes it (members whose value is
 * null left out, numbers in their shortest form). malloc'd, or NULL. */
char *px_web_json_text(const json_t *doc);

/* webpages.c */
int px_page_home(px_req *r);
int px_page_asset(px_req *r);
int px_api_status(px_req *r);

/* webcases.c */
int px_page_cases(px_req *r);
int px_page_case(px_req *r);
int px_api_cases(px_req *r);
int px_api_case(px_req *r);

/* A record's entry, body and what the index knows of it (webcases.c). */
typedef struct px_web_record {
    uint8_t id[32];
    px_entry e;
    px_buf body;
    msgpack_unpacked up;
    px_index_info info;
} px_web_record;
/* Load record id (of kind, or any kind when NULL). PX_ENOENT (detail) when
 * not held as that kind or purged. Free with px_web_record_free also on
 * error. */
int px_web_record_load(px_req *r, const uint8_t id[32], const char *kind, px_web_record *rec);
void px_web_record_free(px_web_record *rec);
/* {"id", "author", "seq", "timestamp_ms", "kind", "status", "version",
 *  "supersedes", "superseded_by", "retracted_by", "body"}. */
json_t *px_web_record_json(const px_web_record *rec);

/* webbench.c */
int px_page_indicators(px_req *r);
int px_page_indicator(px_req *r);
int px_page_compare(px_req *r);
int px_page_trend(px_req *r);
int px_page_aggregate(px_req *r);
int px_page_export(px_req *r);
int px_api_indicators(px_req *r);
int px_api_compare(px_req *r);
int px_api_trend(px_req *r);
int px_api_aggregate(px_req *r);
int px_api_benchmarks(px_req *r);

#endif
