/*
 * web_routes.c — the web interface's route table: every page and API
 * address, its methods and handler (web.h, px_route). Add a page by adding
 * a line here (node/web/README.md). First match wins; HEAD is served by
 * every GET route.
 */
#include "web.h"
#include "webint.h"
#include "webpublish.h"

const px_route px_web_routes[] = {
    /* framework */
    {"/login", PX_GET, px_web_login, PX_ROUTE_PUBLIC},
    {"/lang", PX_GET, px_web_lang, PX_ROUTE_PUBLIC},
    {"/assets/*", PX_GET, px_page_asset, PX_ROUTE_PUBLIC},
    /* read-only pages */
    {"/", PX_GET, px_page_home, 0},
    /* JSON, as the CLI's --json */
    {"/api/status", PX_GET, px_api_status, 0},
    /* publishing, members, network (webpublish.h) */
    {"/publish", PX_GET, px_page_publish, 0},
    {"/publish/case", PX_GET | PX_POST, px_page_publish_case, 0},
    {"/publish/indicator", PX_GET | PX_POST, px_page_publish_indicator, 0},
    {"/publish/benchmark", PX_GET | PX_POST, px_page_publish_benchmark, PX_ROUTE_UPLOAD},
    {"/publish/crosswalk", PX_GET | PX_POST, px_page_publish_crosswalk, 0},
    {"/retract/*", PX_GET | PX_POST, px_page_retract, 0},
    {"/members", PX_GET | PX_POST, px_page_members, 0},
    {"/members/revoke", PX_GET | PX_POST, px_page_members_revoke, 0},
    {"/network", PX_GET | PX_POST, px_page_network, 0},
    {0},
};
