/*
 * web_routes.c — the web interface's route table: every page and API
 * address, its methods and handler (web.h, px_route). Add a page by adding
 * a line here (node/web/README.md). First match wins; HEAD is served by
 * every GET route.
 */
#include "web.h"
#include "webint.h"

const px_route px_web_routes[] = {
    /* framework */
    {"/login", PX_GET, px_web_login, PX_ROUTE_PUBLIC},
    {"/lang", PX_GET, px_web_lang, PX_ROUTE_PUBLIC},
    {"/assets/*", PX_GET, px_page_asset, PX_ROUTE_PUBLIC},
    /* read-only pages */
    {"/", PX_GET, px_page_home, 0},
    /* JSON, as the CLI's --json */
    {"/api/status", PX_GET, px_api_status, 0},
    /* publishing, members, network: add them here */
    {0},
};
