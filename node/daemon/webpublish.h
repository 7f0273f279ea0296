/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webpublish.h — the web interface's pages that change things: publishing
 * a case study, an indicator, benchmark results (one by form, many by CSV
 * upload) and a crosswalk; retracting one's own record; admitting and
 * revoking members; the network page with "sync now".
 *
 * Publishing goes through publish.h, the same code as `praxis publish`:
 * every error is shown beside the form field it names, the form keeps what
 * was typed, and nothing is stored unless the whole record (or every row of
 * an upload) is good. After a publication the browser is sent to the new
 * record's page. Members and retraction go through admin.h.
 *
 * Routes (web_routes.c):
 *   GET      /publish             (the forms this node may use)
 *   GET|POST /publish/case        [?supersedes=ID]
 *   GET|POST /publish/indicator   [?supersedes=ID]
 *   GET|POST /publish/benchmark   (form; multipart with a "csv" file: upload)
 *   GET|POST /publish/crosswalk   (root and secretariat)
 *   GET|POST /retract/ID          (GET asks for the reason and confirmation)
 *   GET|POST /members             (root and secretariat; POST admits)
 *   GET|POST /members/revoke      (?key=HEX asks for the reason; POST with
 *                                  confirm=yes revokes)
 *   GET|POST /network             (POST: sync now)
 *
 * Form ids: publish-case, publish-indicator, publish-benchmark,
 * upload-benchmarks, publish-crosswalk, retract-record, admit-member,
 * revoke-member, sync-now. Field names: webformrec.h; member forms: key,
 * organisation, country, role, reason, confirm; retraction: reason,
 * reason_lang; buttons: publish, add_lang, upload, retract, admit, revoke,
 * sync. Element ids as webfields.h says; the CSV upload's rejected rows are
 * <table id="csv-errors"> with one <tr id="csv-line-N"> per line.
 */
#ifndef PX_WEBPUBLISH_H
#define PX_WEBPUBLISH_H

#include "web.h"

int px_page_publish(px_req *r); /* what can be published, with links */
int px_page_publish_case(px_req *r);
int px_page_publish_indicator(px_req *r);
int px_page_publish_benchmark(px_req *r);
int px_page_publish_crosswalk(px_req *r);
int px_page_retract(px_req *r);
int px_page_members(px_req *r);
int px_page_members_revoke(px_req *r);
int px_page_network(px_req *r);

/* On a record's page: when this node published the record (author) and
 * may publish, links to publish a new version (cases and indicators that
 * are the current version: is_live) and to retract it (when not retracted
 * already). Renders nothing otherwise. id-s: "new-version", "retract-link". */
void px_web_own_record_actions(px_req *r, const uint8_t id[32], const char *kind,
                               const uint8_t author[32], bool is_live, bool retracted);

/* Whether this node may see and use the members page (root, secretariat):
 * for the navigation. */
bool px_web_may_administer(px_req *r);

#endif
