/* SPDX-License-Identifier: Apache-2.0 */
/*
 * web.h — praxisd's web interface: the server, the request and response API
 * that pages are written against, the HTML builder with its one escaping
 * helper, and the interface's translations. DESIGN.md "Web interface" is the
 * contract; node/daemon/web/README.md tells how to add a page, a form and a
 * translated string.
 *
 * Threads. libmicrohttpd runs on a pool of threads of its own
 * (PX_WEB_THREADS by default), not on the libuv loop that carries
 * replication: a page runs SQLite queries that may take milliseconds, and
 * the loop must never wait for them. Each worker thread has its own
 * read-only store connection (px_req_store), so queries never share a
 * connection and never take the write lock. What lives on the loop
 * (connections, dial targets, bans, replication progress) reaches the
 * workers as a snapshot that the loop writes under a mutex when a worker
 * asks for it through a uv_async handle (px_web_status); a worker that has
 * appended entries tells the loop the same way (px_web_entries_appended).
 * Neither side ever waits for the other beyond that mutex.
 *
 * Security (SECURITY.md, "Web interface"): every request's Host header must
 * name the bound address, localhost, 127.0.0.1 or [::1] with the port (or a
 * --http-host name), else 403; every page but /login and /assets needs a
 * session, else 401; every POST needs the session's CSRF token (form field
 * PX_WEB_CSRF_FIELD or header X-CSRF-Token), else 403. The framework checks
 * all three before a handler runs. Every response carries a CSP without
 * inline script or style, nosniff, a same-origin referrer policy and no-store.
 *
 * Record text is untrusted: it reaches a page only through px_esc() (or the
 * %s of px_hf, which calls it). px_h() takes literal markup written in our
 * source and nothing else.
 */
#ifndef PX_WEB_H
#define PX_WEB_H

#include "html.h"
#include "members.h"
#include "query.h"
#include "store.h"
#include "webtoken.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#define PX_WEB_DEFAULT_LISTEN "127.0.0.1:7480"
#define PX_WEB_CSRF_FIELD "_csrf"

enum {
    PX_WEB_THREADS = 4,                        /* worker threads (each its own store connection) */
    PX_WEB_MAX_CONNECTIONS = 128,              /* open HTTP connections */
    PX_WEB_TIMEOUT_S = 30,                     /* idle connection timeout */
    PX_WEB_QUERY_MS = 10000,                   /* a page's SQLite work is cut off after this */
    PX_WEB_FORM_MAX = 1024 * 1024,             /* body of an ordinary POST */
    PX_WEB_UPLOAD_MAX = 16 * 1024 * 1024,      /* body of a PX_ROUTE_UPLOAD POST */
    PX_WEB_FIELDS_MAX = 2000,                  /* form fields in one POST */
    PX_WEB_SESSIONS_MAX = 256,                 /* live sessions (oldest dropped beyond) */
    PX_WEB_SESSION_IDLE_MS = 12 * 3600 * 1000, /* a session unused this long ends */
    PX_WEB_SESSION_MAX_MS = 7 * 24 * 3600 * 1000u, /* and every session ends after this */
    PX_WEB_HOSTS_MAX = 16,                         /* --http-host names */
};

/* ---- the server (praxisd, loop thread) ---------------------------------- */

typedef struct px_web px_web;

/* What the web server asks of the node. Every hook runs on the loop thread
 * (from a uv_async callback), never on a worker. */
typedef struct px_web_hooks {
    void *ctx;
    /* The loop-side status: the control socket's "status" answer
     * (connections, dial_targets, misbehaving, replication, ...). New ref. */
    json_t *(*status)(void *ctx);
    /* Entries were appended to the store by a web worker: push them. */
    void (*appended)(void *ctx);
    /* Dial every target now (the network page's "sync now"). */
    void (*sync_now)(void *ctx);
} px_web_hooks;

typedef struct px_web_cfg {
    const char *data_dir;     /* resolved data directory */
    const char *listen;       /* "HOST:PORT" (numeric host; [v6]:port) */
    bool listen_is_default;   /* a busy default port is a warning, not an error */
    const char *const *hosts; /* more names the Host header may carry (--http-host) */
    size_t n_hosts;
    const uint8_t *root; /* the network root key (32 bytes), for the membership */
    const uint8_t *me;   /* this node's public key (32 bytes) */
    const char *network_name;
    int threads; /* 0: PX_WEB_THREADS */
    px_web_hooks hooks;
} px_web_cfg;

/* Start serving (on the loop thread). Creates DIR/web.token (0600) if
 * missing and writes the bound address to DIR/http.addr. OUT *out: NULL
 * and PX_OK when the default address was busy (logged). */
int px_web_start(uv_loop_t *loop, const px_web_cfg *cfg, px_web **out);

/* Stop (on the loop thread): waits for requests being served, removes
 * DIR/http.addr; memory is released from the async handle's close callback.
 * NULL-safe. */
void px_web_stop(px_web *w);

/* The bound "HOST:PORT". */
const char *px_web_address(const px_web *w);

/* ---- requests (worker threads) ------------------------------------------ */

typedef struct px_req px_req;

/* A handler builds the response through r. Returning PX_OK sends what was
 * built; an error makes the framework answer with an error page (PX_ENOENT
 * 404, PX_EINVAL/PX_ESCHEMA/PX_EFORMAT 400, PX_EPERM 403, PX_ETOOBIG 413,
 * else 500) that shows px_err_message(rc), JSON under /api/. */
typedef int (*px_web_handler)(px_req *r);

enum {
    PX_GET = 1, /* GET and HEAD */
    PX_POST = 2,
};

enum {
    PX_ROUTE_PUBLIC = 1, /* no session needed (login, assets) */
    PX_ROUTE_UPLOAD = 2, /* multipart body up to PX_WEB_UPLOAD_MAX */
};

/* A route: pattern is an exact path ("/cases"), or ends in "/" "*" for
 * one more non-empty segment ("/cases/" "*": px_req_param gives it), or in
 * "/" "**" for the rest of the path (one segment or more). */
typedef struct px_route {
    const char *pattern;
    unsigned methods; /* PX_GET | PX_POST */
    px_web_handler fn;
    unsigned flags; /* PX_ROUTE_* */
} px_route;

/* The route table (web_routes.c), ended by a zeroed entry. */
extern const px_route px_web_routes[];

/* The request. Strings are NUL-terminated and live until the response is
 * sent; NULL means absent. */
bool px_req_is_post(const px_req *r);
const char *px_req_path(const px_req *r);
const char *px_req_param(const px_req *r);                 /* the wildcard part, URL-decoded */
const char *px_req_arg(const px_req *r, const char *name); /* query string */
const char *px_req_header_in(const px_req *r, const char *name);

/* A POST's fields (urlencoded or multipart; text fields only). Text fields
 * are checked to be UTF-8 without NUL before a handler runs. */
const char *px_req_field(const px_req *r, const char *name);
/* Every value of a repeated field, in order; returns how many (up to max). */
size_t px_req_fields(const px_req *r, const char *name, const char **out, size_t max);
/* The names of all fields, in order (for "add a language" style forms). */
size_t px_req_field_names(const px_req *r, const char **out, size_t max);

/* A file sent in a multipart POST (its bytes are not checked). */
typedef struct px_upload {
    const char *filename; /* as the browser sent it (untrusted), or NULL */
    const char *mime;     /* or NULL */
    const uint8_t *data;  /* NUL-terminated, but may hold NULs */
    size_t len;
} px_upload;
const px_upload *px_req_upload(const px_req *r, const char *name);

/* This worker's read-only store connection (queries only; writing fails),
 * and the membership computed from it (refreshed every few seconds). */
px_store *px_req_store(px_req *r);
const px_members *px_req_members(px_req *r);
/* This node's public key and its role. */
const uint8_t *px_req_me(const px_req *r);
px_role px_req_my_role(px_req *r);

/* A query context (query.h) over px_req_store for the record language
 * px_req_rec_lang, whose secretariat is the root and admitted secretariat
 * members. */
px_query px_req_query(px_req *r);

/* A writable local node for this worker (identity, genesis, store, feed
 * rules), opened on first use and kept; its membership is reloaded on each
 * call. For POST handlers that publish; after appending call
 * px_web_entries_appended. NULL (with the error detail set) if it cannot be
 * opened. */
struct px_local;
struct px_local *px_req_local(px_req *r);

/* Tell the loop that new local entries are in the store (gossip pushes
 * them) / to dial every target now. Thread-safe, never blocks. */
void px_web_entries_appended(px_req *r);
void px_web_sync_now(px_req *r);

/* The loop's latest status snapshot (see px_web_hooks.status) as a new
 * JSON object, {} before the first; asks the loop for a fresh one when it
 * is older than a second. Never waits for the loop. */
json_t *px_web_status(px_req *r);

/* Request-scoped memory, freed after the response. NULL when out of
 * memory (the request then ends with 500); px_req_strdup and
 * px_req_printf return "" instead. */
void *px_req_alloc(px_req *r, size_t n);
char *px_req_strdup(px_req *r, const char *s);
char *px_req_printf(px_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A URL: path plus query arguments given as name, value pairs ended by
 * NULL; pairs whose value is NULL or "" are left out; values are
 * percent-encoded. Put it in a page with %s of px_hf (which escapes it). */
const char *px_req_url(px_req *r, const char *path, ...) __attribute__((sentinel));

/* ---- responses ----------------------------------------------------------- */

void px_req_status(px_req *r, int code);               /* default 200 */
void px_req_type(px_req *r, const char *content_type); /* default text/html; charset=utf-8 */
void px_req_header(px_req *r, const char *name, const char *value);
/* Content-Disposition: attachment; filename=... (ASCII letters, digits, .-_ only). */
void px_req_download(px_req *r, const char *filename);
void px_req_redirect(px_req *r, const char *location); /* 303 See Other; location a local path */
int px_req_write(px_req *r, const void *data, size_t len); /* raw body bytes */
/* A JSON document as the body (application/json), written the way the
 * CLI's --json writes it. */
int px_req_json(px_req *r, const json_t *doc);
/* Send the contents of f (rewound; closed by the framework), e.g. a
 * tmpfile() an export streamed into: big bodies stay out of memory. */
int px_req_send_file(px_req *r, FILE *f);

/* ---- HTML ------------------------------------------------------------------ */

/* THE escaping helper: append text (untrusted: record text, arguments,
 * anything not written in our source) escaped for HTML text and quoted
 * attribute values. Invalid UTF-8 becomes U+FFFD; control characters other
 * than tab and line breaks, and the bidirectional embedding, override and
 * isolate controls (U+202A-U+202E, U+2066-U+2069) are shown as "[U+XXXX]"
 * so they cannot reorder or hide what surrounds them. NULL appends nothing. */
void px_esc(px_req *r, const char *text);
void px_escn(px_req *r, const char *text, size_t n);
/* The same into a px_buf (for tests and for code that builds outside a
 * request). PX_OK or PX_ENOMEM. The rule itself is html.h's, which the
 * static report shares. */
static inline int px_web_escape(px_buf *out, const char *text, size_t n)
{
    return px_html_append(out, text, n);
}

/* Append literal markup from our own source. Never pass record text. */
void px_h(px_req *r, const char *markup);
/* printf-like: every %s argument is escaped with px_esc (NULL prints
 * nothing); numbers as printf writes them (%d %u %ld %lld %zu %x, %.Nf
 * %g); %% a percent sign. The format is our markup. */
void px_hf(px_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The page skeleton: doctype, head (title, CSS, JS, CSRF meta), header
 * with navigation and the language switch, <main>. title is plain text. */
void px_page_begin(px_req *r, const char *title);
void px_page_end(px_req *r);
/* The hidden CSRF input every form needs. */
void px_csrf_input(px_req *r);
const char *px_req_csrf(const px_req *r);
/* A whole page that says message (plain text) with status code. */
int px_page_message(px_req *r, int code, const char *title, const char *message);

/* ---- languages --------------------------------------------------------------- */

/* The interface's language for this request: the px_lang cookie, else
 * Accept-Language, among those with a catalogue ("en", "ru", ...). */
const char *px_req_lang(const px_req *r);
/* The language asked for record text: ?lang= when valid, else
 * px_req_lang. */
const char *px_req_rec_lang(const px_req *r);

/* msgid translated into the request's language (msgid itself when there is
 * no translation). Mark strings with px_t / px_tn so xgettext finds them
 * (po/README.md). */
const char *px_t(const px_req *r, const char *msgid) __attribute__((format_arg(2)));
const char *px_tn(const px_req *r, const char *msgid, const char *plural, unsigned long n)
    __attribute__((format_arg(2))) __attribute__((format_arg(3)));
/* Mark a string for extraction without translating it here (tables). */
#define PX_N_(s) (s)

/* Numbers and dates the reader's way ("91.5" / "91,5"; "1 Dec 2026" /
 * "1 дек. 2026"). decimals < 0: shortest form. */
const char *px_req_num(px_req *r, double v, int decimals);
const char *px_req_int(px_req *r, long long v);
const char *px_req_date(px_req *r, uint64_t ms, bool with_time);

#endif
