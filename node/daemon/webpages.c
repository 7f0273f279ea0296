/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webpages.c — the home page (what is new; network and sync status, kept
 * live by /assets/app.js polling /api/status), the embedded assets, and
 * /api/status.
 */
#include "error.h"
#include "members.h"
#include "query.h"
#include "store.h"
#include "storeinfo.h"
#include "util.h"
#include "views.h"
#include "web.h"
#include "webassets.h"
#include "webint.h"

#include <string.h>

/* ---- assets ------------------------------------------------------------------------ */

int px_page_asset(px_req *r)
{
    const char *name = px_req_param(r);
    for (size_t i = 0; i < px_web_asset_count; i++) {
        const px_asset *a = &px_web_assets[i];
        size_t nl = strlen(a->name);
        if (strcmp(a->name, name) != 0 || (nl > 3 && strcmp(a->name + nl - 3, ".mo") == 0))
            continue;
        const char *type = "application/octet-stream";
        if (nl > 4 && strcmp(a->name + nl - 4, ".css") == 0)
            type = "text/css; charset=utf-8";
        else if (nl > 3 && strcmp(a->name + nl - 3, ".js") == 0)
            type = "text/javascript; charset=utf-8";
        else if (nl > 4 && strcmp(a->name + nl - 4, ".svg") == 0)
            type = "image/svg+xml";
        px_req_type(r, type);
        px_req_header(r, "Cache-Control", "no-cache");
        return px_req_write(r, a->data, a->len);
    }
    return px_err_set(PX_ENOENT, "no such file");
}

/* ---- status --------------------------------------------------------------------------- */

/* What the store says about sync: feeds, frozen feeds, the newest entry. */
static json_t *store_status(px_req *r)
{
    px_store *s = px_req_store(r);
    json_t *o = json_object();
    px_store_summary sum;
    if (!s)
        return o;
    if (px_store_summary_get(s, &sum) == PX_OK) {
        json_object_set_new(o, "feeds", json_integer((json_int_t)sum.feeds));
        json_object_set_new(o, "frozen_feeds", json_integer((json_int_t)sum.frozen_feeds));
        if (sum.has_newest)
            json_object_set_new(o, "newest_entry_ms",
                                json_integer((json_int_t)sum.newest_entry_ms));
        /* when this node last received (or published) something */
        if (sum.has_received)
            json_object_set_new(o, "last_received_ms", json_integer((json_int_t)sum.received_ms));
    }
    json_t *frozen = json_array();
    uint8_t authors[20][32];
    size_t n = 0;
    if (px_store_frozen_authors(s, authors, 20, &n) == PX_OK)
        for (size_t i = 0; i < n; i++) {
            char hex[65];
            px_hex_encode(hex, authors[i], 32);
            json_array_append_new(frozen, json_string(hex));
        }
    json_object_set_new(o, "frozen", frozen);
    return o;
}

/* The node's status for /api/status and the home page: the loop's snapshot
 * (without the ok field) plus the store's view and this node's role. */
static json_t *node_status(px_req *r)
{
    json_t *o = px_web_status(r);
    json_object_del(o, "ok");
    json_object_set_new(o, "store", store_status(r));
    char key[65];
    px_hex_encode(key, px_req_me(r), 32);
    json_object_set_new(o, "public_key", json_string(key));
    json_object_set_new(o, "role", json_string(px_role_name(px_req_my_role(r))));
    json_object_set_new(o, "network", json_string(px_web_network_name(r)));
    return o;
}

int px_api_status(px_req *r)
{
    json_t *o = node_status(r);
    int rc = px_req_json(r, o);
    json_decref(o);
    return rc;
}

/* ---- home ------------------------------------------------------------------------------ */

static long long jint(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static void status_block(px_req *r, json_t *st)
{
    json_t *conns = json_object_get(st, "connections");
    json_t *repl = json_object_get(st, "replication");
    json_t *store = json_object_get(st, "store");
    json_t *bans = json_object_get(st, "misbehaving");
    size_t connected = 0, i;
    json_t *c;
    json_array_foreach(conns, i, c) connected +=
        strcmp(json_string_value(json_object_get(c, "state")) ?: "", "connected") == 0;
    bool have_loop = json_object_get(st, "taken_ms") != NULL;

    px_hf(r,
          "<section class=\"status\" id=\"status\" aria-labelledby=\"status-h\">"
          "<h2 id=\"status-h\">%s</h2>",
          px_t(r, "Network and sync"));
    if (!have_loop)
        px_hf(r, "<p class=\"note\" data-live=\"waiting\">%s</p>",
              px_t(r, "The node's live status is being fetched; it updates by itself."));
    px_h(r, "<dl class=\"facts\">");
    px_hf(r, "<div><dt>%s</dt><dd data-live=\"connected\">%s</dd></div>", px_t(r, "Connections"),
          px_req_int(r, (long long)connected));
    px_hf(r, "<div><dt>%s</dt><dd data-live=\"remaining\">%s</dd></div>",
          px_t(r, "Entries still to fetch"), px_req_int(r, jint(repl, "remaining")));
    px_hf(r, "<div><dt>%s</dt><dd data-live=\"received\">%s</dd></div>",
          px_t(r, "Entries received since start"), px_req_int(r, jint(repl, "received")));
    px_hf(r, "<div><dt>%s</dt><dd data-live=\"unindexed\">%s</dd></div>", px_t(r, "Index backlog"),
          px_req_int(r, jint(repl, "unindexed")));
    json_t *last = json_object_get(store, "last_received_ms");
    px_hf(r, "<div><dt>%s</dt><dd data-live=\"newest\">%s</dd></div>",
          px_t(r, "Last entry received"),
          last ? px_req_date(r, (uint64_t)json_integer_value(last), true) : "–");
    px_hf(r, "<div><dt>%s</dt><dd data-live=\"feeds\">%s</dd></div>", px_t(r, "Feeds held"),
          px_req_int(r, jint(store, "feeds")));
    px_hf(r, "<div><dt>%s</dt><dd data-live=\"frozen\">%s</dd></div>",
          px_t(r, "Frozen feeds (forked)"), px_req_int(r, jint(store, "frozen_feeds")));
    px_hf(r, "<div><dt>%s</dt><dd data-live=\"misbehaving\">%s</dd></div>",
          px_t(r, "Misbehaving peers"), px_req_int(r, (long long)json_array_size(bans)));
    px_h(r, "</dl>");
    bool busy = json_is_true(json_object_get(repl, "busy")) || jint(repl, "remaining") > 0;
    px_hf(r,
          "<p class=\"sync-state\" data-live=\"state\" data-busy=\"%s\" data-idle=\"%s\" "
          "data-offline=\"%s\">%s</p>",
          px_t(r, "Catching up…"), px_t(r, "Up to date with the connected peers."),
          px_t(r, "Offline: no peer is connected."),
          !have_loop       ? ""
          : connected == 0 ? px_t(r, "Offline: no peer is connected.")
          : busy           ? px_t(r, "Catching up…")
                           : px_t(r, "Up to date with the connected peers."));
    px_hf(r, "<h3>%s</h3><ul class=\"conns\" data-live=\"conns\" data-none=\"%s\">",
          px_t(r, "Connected peers"), px_t(r, "none"));
    json_array_foreach(conns, i, c)
    {
        px_hf(r, "<li><code>%.16s</code> %s <span class=\"dim\">%s</span></li>",
              json_string_value(json_object_get(c, "public_key")) ?: "",
              json_string_value(json_object_get(c, "address")) ?: "",
              json_string_value(json_object_get(c, "direction")) ?: "");
    }
    if (json_array_size(conns) == 0)
        px_hf(r, "<li class=\"dim\">%s</li>", px_t(r, "none"));
    px_h(r, "</ul>");
    if (json_array_size(bans)) {
        px_hf(r, "<h3>%s</h3><ul>", px_t(r, "Misbehaving peers"));
        json_array_foreach(bans, i, c)
        {
            px_hf(r, "<li><code>%.16s</code> %s</li>",
                  json_string_value(json_object_get(c, "public_key")) ?: "",
                  json_string_value(json_object_get(c, "last_offence")) ?: "");
        }
        px_h(r, "</ul>");
    }
    json_t *frozen = json_object_get(store, "frozen");
    if (json_array_size(frozen)) {
        px_hf(r, "<h3>%s</h3><ul>", px_t(r, "Frozen feeds (forked)"));
        json_array_foreach(frozen, i, c)
            px_hf(r, "<li><code>%.16s</code></li>", json_string_value(c) ?: "");
        px_h(r, "</ul>");
    }
    px_h(r, "</section>");
}

static void identity_block(px_req *r)
{
    char key[65];
    px_hex_encode(key, px_req_me(r), 32);
    const px_members *m = px_req_members(r);
    const px_member *me = px_members_find(m, px_req_me(r));
    px_role role = px_req_my_role(r);
    px_hf(r, "<section aria-labelledby=\"me-h\"><h2 id=\"me-h\">%s</h2><dl class=\"facts\">",
          px_t(r, "This node"));
    px_hf(r, "<div><dt>%s</dt><dd><code class=\"key\">%s</code></dd></div>", px_t(r, "Public key"),
          key);
    px_hf(r, "<div><dt>%s</dt><dd>%s</dd></div>", px_t(r, "Role"),
          role == PX_ROLE_ROOT          ? px_t(r, "network root (secretariat)")
          : role == PX_ROLE_SECRETARIAT ? px_t(r, "secretariat")
          : role == PX_ROLE_CENTRE      ? px_t(r, "centre")
          : role == PX_ROLE_OBSERVER    ? px_t(r, "observer")
                                        : px_t(r, "not admitted yet"));
    if (me && me->organisation[0])
        px_hf(r, "<div><dt>%s</dt><dd>%s (%s)</dd></div>", px_t(r, "Organisation"),
              me->organisation, me->country);
    px_hf(r, "<div><dt>%s</dt><dd>%s</dd></div>", px_t(r, "Network"), px_web_network_name(r));
    px_h(r, "</dl></section>");
}

static void latest_cases(px_req *r)
{
    px_query q = px_req_query(r);
    px_case_filter f = {.limit = 6};
    json_t *res = NULL;
    px_hf(r, "<section aria-labelledby=\"new-cases\"><h2 id=\"new-cases\">%s</h2>",
          px_t(r, "Latest case studies"));
    if (q.store && px_query_cases(&q, &f, &res) == PX_OK) {
        json_t *cases = json_object_get(res, "cases"), *c;
        size_t i;
        if (json_array_size(cases) == 0)
            px_hf(r, "<p>%s</p>", px_t(r, "No case studies are held yet."));
        else
            px_h(r, "<ul class=\"cards\">");
        json_array_foreach(cases, i, c)
        {
            const char *id = json_string_value(json_object_get(c, "id")) ?: "";
            const char *stage = json_string_value(json_object_get(c, "stage"));
            px_hf(r, "<li><a href=\"/cases/%s\">%s</a> <span class=\"dim\">%s · %s</span></li>", id,
                  json_string_value(json_object_get(c, "title")) ?: id,
                  json_string_value(json_object_get(c, "country")) ?: "",
                  stage ? px_t(r, stage) : NULL);
        }
        if (json_array_size(cases))
            px_h(r, "</ul>");
        px_hf(r, "<p><a href=\"/cases\">%s</a></p>", px_t(r, "All case studies"));
    }
    json_decref(res);
    px_h(r, "</section>");
}

typedef struct latest_ctx {
    px_req *r;
    bool any;
} latest_ctx;

static int latest_row(void *ctx, const px_result_row *row)
{
    latest_ctx *x = ctx;
    px_req *r = x->r;
    if (!x->any)
        px_hf(r,
              "<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">%s</th><th "
              "scope=\"col\">%s</th>"
              "<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
              "<th scope=\"col\" class=\"num\">n</th></tr></thead><tbody>",
              px_t(r, "Indicator"), px_t(r, "Country"), px_t(r, "Period"), px_t(r, "Value"));
    x->any = true;
    px_hf(r,
          "<tr><td><a href=\"%s\">%s</a></td><td>%s</td><td>%s</td>"
          "<td class=\"num\">%s</td><td class=\"num\">%s</td></tr>",
          px_req_url(r, "/compare", "indicator", row->indicator, "period", row->period, NULL),
          row->indicator, row->country, row->period, px_req_num(r, row->value, -1),
          row->has_n ? px_req_int(r, row->n) : "–");
    return PX_OK;
}

static void latest_results(px_req *r)
{
    px_store *s = px_req_store(r);
    px_hf(r, "<section aria-labelledby=\"new-results\"><h2 id=\"new-results\">%s</h2>",
          px_t(r, "Latest benchmark results"));
    latest_ctx x = {r, false};
    int rc = s ? px_view_latest_results(s, 8, latest_row, &x) : PX_ENOENT;
    if (x.any)
        px_h(r, "</tbody></table></div>");
    else if (rc == PX_OK)
        px_hf(r, "<p>%s</p>", px_t(r, "No benchmark results are held yet."));
    px_h(r, "</section>");
}

int px_page_home(px_req *r)
{
    json_t *st = node_status(r);
    px_page_begin(r, px_t(r, "Home"));
    px_hf(r, "<h1>%s</h1>", px_t(r, "What is new"));
    px_h(r, "<div class=\"home\">");
    latest_cases(r);
    latest_results(r);
    status_block(r, st);
    identity_block(r);
    px_h(r, "</div>");
    px_page_end(r);
    json_decref(st);
    return PX_OK;
}
