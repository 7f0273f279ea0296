/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webadmin.c — the members page (root and secretariat: the list, admit,
 * revoke with a reason and a confirmation) and the network page
 * (connections, dial targets with their last error, misbehaving peers,
 * replication progress, "sync now"). See webpublish.h for routes and ids.
 */
#include "webpublish.h"

#include "admin.h"
#include "datadir.h"
#include "entry.h"
#include "error.h"
#include "records.h"
#include "util.h"
#include "webfields.h"
#include "webformrec.h"

#include <string.h>
#include <time.h>

/* ---- members -------------------------------------------------------------------- */

static int refuse_members(px_req *r)
{
    px_role role = px_req_my_role(r);
    return px_page_message(
        r, 403, px_t(r, "Members"),
        px_req_printf(r,
                      px_t(r, "Only the network's root and secretariat members admit and revoke "
                              "members; this node's role is %s."),
                      role == PX_ROLE_NONE ? px_t(r, "none (not a member)")
                                           : px_field_choice_label(r, px_role_name(role))));
}

/* The membership as the store holds it now: the worker's own copy
 * (px_req_members) is refreshed only every few seconds, and this page
 * must show an admission the moment after it was made. */
static const px_members *members_now(px_req *r)
{
    struct px_local *l = px_req_local(r);
    return l ? &l->members : px_req_members(r);
}

static const char *short_key(px_req *r, const uint8_t key[32])
{
    char hex[65];
    px_hex_encode(hex, key, 32);
    return px_req_printf(r, "%.16s", hex);
}

static void member_row(px_req *r, const px_member *m, bool is_root)
{
    char hex[65];
    px_hex_encode(hex, m->key, 32);
    px_hf(r, "<tr id=\"member-%s\"><td><code title=\"%s\">%s…</code></td>", hex, hex,
          short_key(r, m->key));
    if (is_root) {
        px_hf(r, "<td>%s</td><td></td><td>%s</td><td>%s</td><td></td></tr>\n",
              px_t(r, "(the network's root)"), px_field_choice_label(r, "root"), px_t(r, "member"));
        return;
    }
    px_hf(r, "<td>%s</td><td>%s</td><td>%s</td>", m->organisation, m->country,
          px_field_choice_label(r, px_role_name(m->role)));
    if (m->revoked) {
        px_hf(r, "<td>%s %s", px_t(r, "revoked"), px_req_date(r, m->revoked_ms, false));
        if (m->reason[0])
            px_hf(r, ": %s", m->reason);
        px_h(r, "</td><td></td></tr>\n");
        return;
    }
    px_hf(r, "<td>%s %s</td>", px_t(r, "admitted"), px_req_date(r, m->admitted_ms, false));
    if (memcmp(m->key, px_req_me(r), 32) == 0)
        px_hf(r, "<td>%s</td></tr>\n", px_t(r, "(this node)"));
    else
        px_hf(r, "<td><a href=\"%s\" id=\"revoke-%s\">%s</a></td></tr>\n",
              px_req_url(r, "/members/revoke", "key", hex, NULL), hex, px_t(r, "Revoke…"));
}

static const char *const role_values[] = {"centre", "secretariat", "observer", NULL};

static int members_page(px_req *r, px_form *f, const px_form_errors *e, const char *notice)
{
    const px_members *ms = members_now(r);
    px_fields x = {.r = r, .f = f, .e = e};
    const char *title = px_t(r, "Members");
    px_fields_page_begin(r, title);
    px_hf(r, "<h1>%s</h1>\n", title);
    if (notice)
        px_hf(r, "<p class=\"notice\" role=\"status\" id=\"members-notice\">%s</p>\n", notice);
    px_hf(r,
          "<div class=\"table-wrap\"><table id=\"members\"><caption>%s</caption><thead><tr><th "
          "scope=\"col\">%s</th>"
          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
          "<th scope=\"col\">%s</th><th scope=\"col\"><span class=\"visually-hidden\">%s"
          "</span></th></tr></thead><tbody>\n",
          px_t(r, "The membership as this node knows it"), px_t(r, "Key"), px_t(r, "Organisation"),
          px_t(r, "Country"), px_t(r, "Role"), px_t(r, "Status"), px_t(r, "Actions"));
    px_member root = {0};
    memcpy(root.key, ms->root, 32);
    member_row(r, &root, true);
    for (size_t i = 0; i < ms->n; i++)
        member_row(r, &ms->v[i], false);
    px_h(r, "</tbody></table></div>\n");

    px_hf(r, "<h2 id=\"admit\">%s</h2>\n", px_t(r, "Admit a member"));
    px_hf(r, "<p>%s</p>\n",
          px_t(r, "The new member runs 'praxis id' and sends you the key it prints. Admission "
                  "is an entry in this node's feed; every node accepts the member once it "
                  "arrives."));
    px_fields_summary(&x, px_t(r, "Nobody was admitted. Correct the fields below."));
    px_h(r, "<form method=\"post\" action=\"/members\" id=\"admit-member\" novalidate>\n");
    px_csrf_input(r);
    px_field_input(&x, "key", px_t(r, "Public key (required)"),
                   px_t(r, "64 hex digits, as 'praxis id' prints them."), "text", NULL);
    px_field_input(&x, "organisation", px_t(r, "Organisation (required)"), NULL, "text", NULL);
    px_field_country(&x, "country", px_t(r, "Country (required)"), NULL,
                     px_t(r, "(choose a country)"));
    px_field_select(&x, "role", px_t(r, "Role"),
                    px_t(r, "Centres publish knowledge; observers only replicate; the "
                            "secretariat also admits, revokes and aggregates."),
                    role_values, NULL, NULL);
    px_hf(r,
          "<p><button type=\"submit\" name=\"admit\" value=\"1\" id=\"admit-button\">%s"
          "</button></p>\n</form>\n",
          px_t(r, "Admit"));
    px_page_end(r);
    return PX_OK;
}

static int read_fields(px_req *r, px_form *f, const char *const *names)
{
    int rc = PX_OK;
    for (size_t i = 0; !rc && names[i]; i++) {
        const char *v = px_req_field(r, names[i]);
        if (v)
            rc = px_form_add(f, names[i], v);
    }
    return rc;
}

/* An error of admin.h: beside its field, or the action fails. */
static int admin_error(px_form_errors *e, int rc, const char *field)
{
    if (rc == PX_ENOMEM || rc == PX_ESTORE || rc == PX_EIO)
        return rc;
    return px_form_error_add(e, field ? field : "", px_err_message(rc));
}

int px_page_members(px_req *r)
{
    if (!px_web_may_administer(r))
        return refuse_members(r);
    px_form f = {0};
    px_form_errors e = {0};
    int rc = PX_OK;
    if (!px_req_is_post(r)) {
        const char *done = px_req_arg(r, "admitted"), *gone = px_req_arg(r, "revoked");
        const char *notice = NULL;
        if (done && strlen(done) <= 16)
            notice = px_req_printf(r,
                                   px_t(r, "Admitted %s…; the admission travels to every node "
                                           "with the next sync."),
                                   done);
        else if (gone && strlen(gone) <= 16)
            notice = px_req_printf(r, px_t(r, "Revoked %s… for good."), gone);
        rc = px_form_add(&f, "role", "centre");
        if (!rc)
            rc = members_page(r, &f, &e, notice);
        goto out;
    }
    static const char *const names[] = {"key", "organisation", "country", "role", NULL};
    rc = read_fields(r, &f, names);
    if (rc)
        goto out;
    struct px_local *l = px_req_local(r);
    if (!l) {
        rc = PX_EIO;
        goto out;
    }
    const char *field = "";
    uint8_t id[32];
    /* A pasted key: surrounding white space dropped, either case accepted. */
    const char *k = px_form_get(&f, "key");
    char *keyarg = px_req_strdup(r, k ? k : "");
    while (*keyarg == ' ' || *keyarg == '\t')
        keyarg++;
    size_t kl = strlen(keyarg);
    while (kl && (keyarg[kl - 1] == ' ' || keyarg[kl - 1] == '\t'))
        keyarg[--kl] = '\0';
    for (char *c = keyarg; *c; c++)
        if (*c >= 'A' && *c <= 'F')
            *c = (char)(*c - 'A' + 'a');
    int arc = px_admin_admit(l, keyarg, px_form_get(&f, "organisation"), px_form_get(&f, "country"),
                             px_form_get(&f, "role"), id, NULL, &field);
    if (arc == PX_OK) {
        px_web_entries_appended(r);
        px_req_redirect(
            r, px_req_url(r, "/members", "admitted", px_req_printf(r, "%.16s", keyarg), NULL));
    } else {
        rc = admin_error(&e, arc, field);
        if (!rc)
            rc = members_page(r, &f, &e, NULL);
    }
out:
    px_form_free(&f);
    px_form_errors_free(&e);
    return rc;
}

static int revoke_page(px_req *r, const px_member *m, px_form *f, const px_form_errors *e)
{
    char hex[65];
    px_fields x = {.r = r, .f = f, .e = e};
    const char *title = px_t(r, "Revoke a member");
    px_hex_encode(hex, m->key, 32);
    px_fields_page_begin(r, title);
    px_hf(r, "<h1>%s</h1>\n", title);
    px_hf(r,
          "<p>%s</p>\n<dl><dt>%s</dt><dd><code>%s</code></dd><dt>%s</dt><dd>%s</dd>"
          "<dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd></dl>\n",
          px_t(r, "You are about to revoke this member:"), px_t(r, "Key"), hex,
          px_t(r, "Organisation"), m->organisation, px_t(r, "Country"), m->country, px_t(r, "Role"),
          px_field_choice_label(r, px_role_name(m->role)));
    px_hf(r, "<p><strong>%s</strong></p>\n",
          px_t(r, "A revocation is permanent: every node refuses the key's entries from now "
                  "on and closes its connections, and the key can never be admitted again."));
    px_fields_summary(&x, px_t(r, "Nobody was revoked."));
    px_h(r, "<form method=\"post\" action=\"/members/revoke\" id=\"revoke-member\" "
            "novalidate>\n");
    px_csrf_input(r);
    px_hf(r,
          "<input type=\"hidden\" name=\"key\" id=\"key\" value=\"%s\">"
          "<input type=\"hidden\" name=\"confirm\" value=\"yes\">\n",
          hex);
    px_field_area(&x, "reason", px_t(r, "Reason"),
                  px_t(r, "Shown with the revocation in every node's member list."), 3);
    px_hf(r,
          "<p><button type=\"submit\" name=\"revoke\" value=\"1\" id=\"revoke-button\" "
          "class=\"danger\">%s</button> <a href=\"/members\">%s</a></p>\n</form>\n",
          px_t(r, "Revoke for good"), px_t(r, "Cancel"));
    px_page_end(r);
    return PX_OK;
}

int px_page_members_revoke(px_req *r)
{
    if (!px_web_may_administer(r))
        return refuse_members(r);
    const char *hex = px_req_is_post(r) ? px_req_field(r, "key") : px_req_arg(r, "key");
    uint8_t key[32];
    const char *title = px_t(r, "Revoke a member");
    if (!hex || strlen(hex) != 64 || px_hex_decode(key, 32, hex) != PX_OK)
        return px_page_message(r, 400, title,
                               px_t(r, "Name the member to revoke by its public key (64 hex "
                                       "digits)."));
    const px_member *m = px_members_find(members_now(r), key);
    if (!m || !m->admitted)
        return px_page_message(r, 404, title, px_t(r, "That key is not a member."));
    if (m->revoked)
        return px_page_message(r, 409, title, px_t(r, "That member is revoked already."));
    px_member shown = *m; /* the membership may be reloaded while we work */
    px_form f = {0};
    px_form_errors e = {0};
    int rc = PX_OK;
    const char *confirm = px_req_is_post(r) ? px_req_field(r, "confirm") : NULL;
    if (!confirm || strcmp(confirm, "yes") != 0) {
        /* GET, or a POST that skipped the confirmation step: ask first */
        const char *reason = px_req_is_post(r) ? px_req_field(r, "reason") : NULL;
        if (reason)
            rc = px_form_add(&f, "reason", reason);
        if (!rc)
            rc = revoke_page(r, &shown, &f, &e);
        goto out;
    }
    static const char *const names[] = {"reason", NULL};
    rc = read_fields(r, &f, names);
    struct px_local *l = rc ? NULL : px_req_local(r);
    if (!rc && !l)
        rc = PX_EIO;
    if (rc)
        goto out;
    const char *field = "";
    char lower[65];
    px_hex_encode(lower, key, 32);
    const char *reason = px_form_get(&f, "reason");
    int arc = px_admin_revoke(l, lower, reason, NULL, &field);
    if (arc == PX_OK) {
        px_web_entries_appended(r);
        px_req_redirect(
            r, px_req_url(r, "/members", "revoked", px_req_printf(r, "%.16s", lower), NULL));
    } else {
        rc = admin_error(&e, arc, strcmp(field, "key") == 0 ? "" : field);
        if (!rc)
            rc = revoke_page(r, &shown, &f, &e);
    }
out:
    px_form_free(&f);
    px_form_errors_free(&e);
    return rc;
}

/* ---- network ------------------------------------------------------------------------ */

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static long long jint(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

static void connections(px_req *r, const json_t *st)
{
    const json_t *conns = json_object_get(st, "connections");
    px_hf(r, "<h2 id=\"connections\">%s</h2>\n", px_t(r, "Connections"));
    if (!json_array_size(conns)) {
        px_hf(r, "<p id=\"no-connections\">%s</p>\n",
              px_t(r, "No peer is connected: this node is offline. Its records stay readable "
                      "and publishing works; they spread when a peer is reached."));
        return;
    }
    px_hf(r,
          "<div class=\"table-wrap\"><table id=\"connection-list\"><thead><tr><th "
          "scope=\"col\">%s</th>"
          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
          "</tr></thead><tbody>\n",
          px_t(r, "Address"), px_t(r, "Key"), px_t(r, "Direction"), px_t(r, "State"),
          px_t(r, "Since"), px_t(r, "Received"), px_t(r, "Sent"));
    size_t i;
    json_t *c;
    json_array_foreach((json_t *)conns, i, c)
    {
        const char *dir = jstr(c, "direction"), *state = jstr(c, "state");
        px_hf(r,
              "<tr><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td>"
              "<td>%s</td><td>%s</td></tr>\n",
              jstr(c, "address"),
              px_req_printf(r, "%.16s", jstr(c, "public_key") ? jstr(c, "public_key") : ""),
              dir && strcmp(dir, "outbound") == 0 ? px_t(r, "outbound") : px_t(r, "inbound"),
              state && strcmp(state, "connected") == 0 ? px_t(r, "connected")
                                                       : px_t(r, "handshake"),
              px_req_date(r, (uint64_t)jint(c, "since_ms"), true),
              px_req_printf(r, px_t(r, "%s bytes"), px_req_int(r, jint(c, "bytes_in"))),
              px_req_printf(r, px_t(r, "%s bytes"), px_req_int(r, jint(c, "bytes_out"))));
    }
    px_h(r, "</tbody></table></div>\n");
}

static void dial_targets(px_req *r, const json_t *st)
{
    const json_t *targets = json_object_get(st, "dial_targets");
    px_hf(r, "<h2 id=\"dial-targets\">%s</h2>\n", px_t(r, "Dial targets"));
    if (!json_array_size(targets)) {
        px_hf(r, "<p>%s</p>\n",
              px_t(r, "This node dials nobody: the genesis names no bootstrap address, no "
                      "--peer was given and no member announced an address yet."));
        return;
    }
    px_hf(r,
          "<div class=\"table-wrap\"><table id=\"dial-target-list\"><thead><tr><th "
          "scope=\"col\">%s</th>"
          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
          "<th scope=\"col\">%s</th></tr></thead><tbody>\n",
          px_t(r, "Address"), px_t(r, "Connected"), px_t(r, "Failures"), px_t(r, "Next try"),
          px_t(r, "Last error"));
    uint64_t now = px_now_ms();
    size_t i;
    json_t *t;
    json_array_foreach((json_t *)targets, i, t)
    {
        bool up = json_is_true(json_object_get(t, "connected"));
        uint64_t next = (uint64_t)jint(t, "next_try_ms");
        px_hf(r, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
              jstr(t, "address"), up ? px_t(r, "yes") : px_t(r, "no"),
              px_req_int(r, jint(t, "failures")),
              up            ? ""
              : next <= now ? px_t(r, "now")
                            : px_req_date(r, next, true),
              jstr(t, "last_error"));
    }
    px_h(r, "</tbody></table></div>\n");
}

static void misbehaving(px_req *r, const json_t *st)
{
    const json_t *bad = json_object_get(st, "misbehaving");
    px_hf(r, "<h2 id=\"misbehaving\">%s</h2>\n", px_t(r, "Misbehaving peers"));
    if (!json_array_size(bad)) {
        px_hf(r, "<p>%s</p>\n", px_t(r, "None: no peer broke the protocol lately."));
        return;
    }
    px_hf(r,
          "<div class=\"table-wrap\"><table id=\"misbehaving-list\"><thead><tr><th "
          "scope=\"col\">%s</th>"
          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
          "</tr></thead><tbody>\n",
          px_t(r, "Key"), px_t(r, "Offences"), px_t(r, "Last offence"), px_t(r, "Refused until"));
    size_t i;
    json_t *b;
    json_array_foreach((json_t *)bad, i, b)
        px_hf(r, "<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
              px_req_printf(r, "%.16s", jstr(b, "public_key") ? jstr(b, "public_key") : ""),
              px_req_int(r, jint(b, "offences")), jstr(b, "last_offence"),
              px_req_date(r, (uint64_t)jint(b, "refused_until_ms"), true));
    px_h(r, "</tbody></table></div>\n");
}

static void replication(px_req *r, const json_t *st)
{
    const json_t *rep = json_object_get(st, "replication");
    px_hf(r, "<h2 id=\"replication\">%s</h2>\n", px_t(r, "Replication"));
    if (!json_is_object(rep)) {
        px_hf(r, "<p>%s</p>\n", px_t(r, "No replication figures yet."));
        return;
    }
    px_hf(r,
          "<dl id=\"replication-figures\"><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd>"
          "<dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd></dl>\n",
          px_t(r, "Entries received"), px_req_int(r, jint(rep, "received")),
          px_t(r, "Still to receive from connected peers"), px_req_int(r, jint(rep, "remaining")),
          px_t(r, "Not yet indexed"), px_req_int(r, jint(rep, "unindexed")),
          px_t(r, "Peers in step"), px_req_int(r, jint(rep, "peers_synced")));
}

int px_page_network(px_req *r)
{
    const char *title = px_t(r, "Network");
    if (px_req_is_post(r)) {
        px_web_sync_now(r);
        px_req_redirect(r, "/network?synced=1");
        return PX_OK;
    }
    /* The first ask of a fresh server finds no snapshot yet: the loop
     * writes one within milliseconds. This is a worker thread, so waiting
     * a little here never holds replication up. */
    json_t *st = px_web_status(r);
    for (int i = 0; i < 20 && json_object_size(st) == 0; i++) {
        json_decref(st);
        nanosleep(&(struct timespec){.tv_nsec = 25 * 1000 * 1000}, NULL);
        st = px_web_status(r);
    }
    px_fields_page_begin(r, title);
    px_hf(r, "<h1>%s</h1>\n", title);
    if (px_req_arg(r, "synced"))
        px_hf(r, "<p class=\"notice\" role=\"status\" id=\"sync-notice\">%s</p>\n",
              px_t(r, "Dialling every target now, whatever its back-off."));
    bool known = json_object_size(st) > 0;
    if (!known)
        px_hf(r, "<p>%s</p>\n",
              px_t(r, "The network status is not known yet; reload the page in a moment."));
    px_hf(r, "<form method=\"post\" action=\"/network\" id=\"sync-now\">");
    px_csrf_input(r);
    px_hf(r,
          "<button type=\"submit\" name=\"sync\" value=\"1\" id=\"sync-button\">%s</button> "
          "<span class=\"hint\">%s</span></form>\n",
          px_t(r, "Sync now"),
          px_t(r, "Dial every target now instead of waiting for its back-off."));
    if (known) {
        connections(r, st);
        dial_targets(r, st);
        misbehaving(r, st);
        replication(r, st);
    }
    px_page_end(r);
    json_decref(st);
    return PX_OK;
}
