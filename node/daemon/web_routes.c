/* SPDX-License-Identifier: Apache-2.0 */
/*
 * web_routes.c — the web interface's route table: every page and API
 * address, its methods and handler (web.h, px_route). Add a page by adding
 * a line here (node/daemon/web/README.md). First match wins; HEAD is served by
 * every GET route.
 */
#include "web.h"
#include "webint.h"
#include "webblobs.h"
#include "webpublish.h"

const px_route px_web_routes[] = {
    /* framework */
    {"/login", PX_GET, px_web_login, PX_ROUTE_PUBLIC},
    {"/lang", PX_GET, px_web_lang, PX_ROUTE_PUBLIC},
    {"/logout", PX_POST, px_web_logout, 0},
    {"/assets/*", PX_GET, px_page_asset, PX_ROUTE_PUBLIC},
    /* read-only pages */
    {"/", PX_GET, px_page_home, 0},
    {"/cases", PX_GET, px_page_cases, 0},
    {"/cases/*", PX_GET, px_page_case, 0},
    {"/indicators", PX_GET, px_page_indicators, 0},
    {"/indicators/*", PX_GET, px_page_indicator, 0},
    {"/compare", PX_GET, px_page_compare, 0},
    {"/trend", PX_GET, px_page_trend, 0},
    {"/aggregate", PX_GET, px_page_aggregate, 0},
    {"/export", PX_GET, px_page_export, 0},
    /* JSON, as the CLI's --json */
    {"/api/status", PX_GET, px_api_status, 0},
    {"/api/cases", PX_GET, px_api_cases, 0},
    {"/api/cases/*", PX_GET, px_api_case, 0},
    {"/api/indicators", PX_GET, px_api_indicators, 0},
    {"/api/benchmarks", PX_GET, px_api_benchmarks, 0},
    {"/api/compare", PX_GET, px_api_compare, 0},
    {"/api/trend", PX_GET, px_api_trend, 0},
    {"/api/aggregate", PX_GET, px_api_aggregate, 0},
    /* attachments (webblobs.h) */
    {"/blobs/*", PX_GET | PX_POST, px_page_blob, 0},
    {"/api/blobs/*", PX_GET | PX_POST, px_api_blob, 0},
    /* publishing, members, network (webpublish.h) */
    {"/publish", PX_GET, px_page_publish, 0},
    {"/publish/case", PX_GET | PX_POST, px_page_publish_case, PX_ROUTE_UPLOAD},
    {"/publish/indicator", PX_GET | PX_POST, px_page_publish_indicator, 0},
    {"/publish/benchmark", PX_GET | PX_POST, px_page_publish_benchmark, PX_ROUTE_UPLOAD},
    {"/publish/crosswalk", PX_GET | PX_POST, px_page_publish_crosswalk, 0},
    {"/retract/*", PX_GET | PX_POST, px_page_retract, 0},
    {"/members", PX_GET | PX_POST, px_page_members, 0},
    {"/members/revoke", PX_GET | PX_POST, px_page_members_revoke, 0},
    {"/network", PX_GET | PX_POST, px_page_network, 0},
    {0},
};
