/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webblobs.h — attachments in the web interface (webblobs.c): the list on a
 * case page, fetching from peers on demand, progress as JSON, downloads.
 */
#ifndef PX_WEBBLOBS_H
#define PX_WEBBLOBS_H

#include "web.h"

#include <msgpack.h>

/* The "Attachments" section of a case page for the record rec (its
 * msgpack map); case_path is the page's own path ("/cases/ID"), where the
 * fetch form comes back to. Nothing when the case has none. */
void px_web_attachments(px_req *r, const msgpack_object *rec, const char *case_path);

/* GET /blobs/ID?name=N: the blob as a download (404 unless held whole);
 * POST /blobs/ID: ask praxisd to fetch it, then back to the case page. */
int px_page_blob(px_req *r);
/* GET /api/blobs/ID: how a fetch goes (the control socket's blob_status);
 * POST: start or extend it (blob_fetch). */
int px_api_blob(px_req *r);

#endif
