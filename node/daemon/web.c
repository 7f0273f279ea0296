/* SPDX-License-Identifier: Apache-2.0 */
/*
 * web.c — the web server (libmicrohttpd on a thread pool of its own), the
 * request lifecycle (Host, route, session, limits, CSRF, handler) and the
 * request/response API of web.h. The HTML builder and page skeleton are in
 * webhtml.c; pages in webpages.c and the files web_routes.c lists.
 *
 * Why a thread pool and not the libuv loop (web.h has the long version): a
 * page's queries take SQLite time, and the loop carries replication. With
 * MHD's internal polling threads every connection is served by one pool
 * thread from start to end, so a thread-local store connection is never
 * shared and never crosses threads.
 */
#include "web.h"

#include "crypto.h"
#include "datadir.h"
#include "error.h"
#include "log.h"
#include "records.h"
#include "storeinfo.h"
#include "util.h"
#include "webi18n.h"
#include "webint.h"
#include "websec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    WANT_STATUS = 1,
    WANT_APPENDED = 2,
    WANT_SYNC = 4,
    STATUS_FRESH_MS = 1000,
    MEMBERS_FRESH_MS = 2000,
};

struct px_web {
    uv_loop_t *loop;
    uv_async_t async;
    struct MHD_Daemon *mhd;
    char data_dir[PATH_MAX];
    char addr_path[PATH_MAX];
    char token_path[PATH_MAX];
    char listen[96];
    char *hosts[PX_WEB_HOSTS_MAX];
    size_t n_hosts;
    uint8_t root[32], me[32];
    char network[128];
    px_web_hooks hooks;
    px_sessions sessions;
    pthread_key_t tkey;
    bool tkey_made;
    pthread_mutex_t mu; /* token, token_st, status */
    char token[PX_WEB_TOKEN_HEX + 1];
    struct stat token_st;
    char *status_json;
    uint64_t status_ms;
    atomic_uint wants;
};

/* ---- worker thread state -------------------------------------------------- */

enum { CACHE_SLOTS = 16 };

/* A result computed from the store, kept until the store changes. */
typedef struct cache_slot {
    char *key;
    json_t *value;
    uint64_t used;
} cache_slot;

typedef struct wthread {
    px_web *w;
    cache_slot cache[CACHE_SLOTS];
    int64_t cache_version; /* PRAGMA data_version the cache belongs to */
    uint64_t cache_tick;
    px_store *store;
    px_members members;
    bool members_ok;
    uint64_t members_ms;
    px_local *local;
    bool local_failed;
    uint64_t deadline_ns;
} wthread;

static void wthread_free(void *p)
{
    wthread *t = p;
    if (!t)
        return;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(t->cache[i].key);
        json_decref(t->cache[i].value);
    }
    px_members_free(&t->members);
    px_store_close(t->store);
    if (t->local) {
        px_local_close(t->local);
        free(t->local);
    }
    free(t);
}

static int progress_cb(void *ctx)
{
    wthread *t = ctx;
    return t->deadline_ns && px_mono_ns() > t->deadline_ns;
}

static wthread *wthread_get(px_web *w)
{
    wthread *t = pthread_getspecific(w->tkey);
    if (t)
        return t;
    t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->w = w;
    pthread_setspecific(w->tkey, t);
    return t;
}

static int wthread_store(wthread *t, px_store **out)
{
    if (!t->store) {
        px_datadir d;
        int rc = px_datadir_resolve(&d, t->w->data_dir);
        if (!rc)
            rc = px_store_open(d.store, &t->store);
        if (rc)
            return rc;
        /* Read-only for good: whatever a page does, this connection never
         * writes nor takes the write lock. */
        if (px_store_make_readonly(t->store)) {
            px_store_close(t->store);
            t->store = NULL;
            return px_err_set(PX_ESTORE, "web: cannot make the store connection read-only");
        }
        px_store_set_interrupt(t->store, progress_cb, t);
    }
    *out = t->store;
    return PX_OK;
}

/* ---- request ------------------------------------------------------------------ */

typedef struct field {
    char *name;
    px_buf data;
    bool is_file;
    char *filename, *mime;
} field;

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
} arena_block;

typedef struct hdr {
    char *name, *value;
} hdr;

struct px_req {
    px_web *w;
    wthread *t;
    struct MHD_Connection *conn;
    const px_route *route;
    char *path, *param;
    bool post, get, api;
    bool has_session;
    px_session sess;
    const char *lang, *rec_lang;
    /* body */
    struct MHD_PostProcessor *pp;
    field *fields;
    size_t n_fields, cap_fields;
    size_t body_bytes, body_max;
    bool body_too_big, body_bad;
    int refuse;              /* decided before the body: status code */
    const char *refuse_text; /* its message (static) */
    /* response */
    int status;
    char *ctype;
    px_buf out;
    FILE *file;
    hdr hdrs[16];
    size_t n_hdrs;
    arena_block *arena;
    bool oom;
    uint64_t start_ns;
};

static void req_free(px_req *r)
{
    if (!r)
        return;
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    for (size_t i = 0; i < r->n_fields; i++) {
        free(r->fields[i].name);
        px_buf_free(&r->fields[i].data);
        free(r->fields[i].filename);
        free(r->fields[i].mime);
    }
    free(r->fields);
    px_buf_free(&r->out);
    if (r->file)
        fclose(r->file);
    while (r->arena) {
        arena_block *b = r->arena;
        r->arena = b->next;
        free(b);
    }
    px_memzero(&r->sess, sizeof r->sess);
    free(r);
}

void *px_req_alloc(px_req *r, size_t n)
{
    size_t need = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!need)
        need = sizeof(max_align_t);
    arena_block *b = r->arena;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > 16384 ? need : 16384;
        b = malloc(sizeof *b + cap);
        if (!b) {
            /* An allocation failure ends this request with 500. */
            r->oom = true;
            return NULL;
        }
        b->cap = cap;
        b->used = 0;
        b->next = r->arena;
        r->arena = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += need;
    return p;
}

char *px_req_strdup(px_req *r, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *p = px_req_alloc(r, n + 1);
    if (!p)
        return (char *)"";
    memcpy(p, s, n + 1);
    return p;
}

char *px_req_printf(px_req *r, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return (char *)"";
    }
    char *p = px_req_alloc(r, (size_t)n + 1);
    if (!p) {
        va_end(ap2);
        return (char *)"";
    }
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

bool px_req_is_post(const px_req *r)
{
    return r->post;
}
const char *px_req_path(const px_req *r)
{
    return r->path;
}
const char *px_req_param(const px_req *r)
{
    return r->param;
}

const char *px_req_arg(const px_req *r, const char *name)
{
    return r->conn ? MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name) : NULL;
}

const char *px_req_header_in(const px_req *r, const char *name)
{
    return r->conn ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name) : NULL;
}

px_req *px_req_detached(const char *lang)
{
    px_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->path = (char *)"/";
    r->lang = r->rec_lang = px_i18n_supported(lang) ? px_i18n_supported(lang) : "en";
    return r;
}

void px_req_detached_free(px_req *r)
{
    req_free(r);
}

const char *px_req_field(const px_req *r, const char *name)
{
    for (size_t i = 0; i < r->n_fields; i++)
        if (!r->fields[i].is_file && strcmp(r->fields[i].name, name) == 0)
            return r->fields[i].data.data ? (const char *)r->fields[i].data.data : "";
    return NULL;
}

size_t px_req_fields(const px_req *r, const char *name, const char **out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n_fields && k < max; i++)
        if (!r->fields[i].is_file && strcmp(r->fields[i].name, name) == 0)
            out[k++] = r->fields[i].data.data ? (const char *)r->fields[i].data.data : "";
    return k;
}

size_t px_req_field_names(const px_req *r, const char **out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n_fields && k < max; i++)
        out[k++] = r->fields[i].name;
    return k;
}

const px_upload *px_req_upload(const px_req *r, const char *name)
{
    for (size_t i = 0; i < r->n_fields; i++) {
        field *f = &r->fields[i];
        if (f->is_file && strcmp(f->name, name) == 0) {
            px_upload *u = px_req_alloc((px_req *)r, sizeof *u);
            if (!u)
                return NULL;
            u->filename = f->filename;
            u->mime = f->mime;
            u->data = f->data.data ? f->data.data : (const uint8_t *)"";
            u->len = f->data.len;
            return u;
        }
    }
    return NULL;
}

px_store *px_req_store(px_req *r)
{
    px_store *s = NULL;
    return wthread_store(r->t, &s) == PX_OK ? s : NULL;
}

const px_members *px_req_members(px_req *r)
{
    wthread *t = r->t;
    px_store *s = px_req_store(r);
    uint64_t now = px_now_ms();
    if (s && (!t->members_ok || now - t->members_ms > MEMBERS_FRESH_MS)) {
        int rc = px_members_load(&t->members, s, r->w->root);
        t->members_ok = rc == PX_OK;
        t->members_ms = now;
    }
    return &t->members;
}

const uint8_t *px_req_me(const px_req *r)
{
    return r->w->me;
}

px_role px_req_my_role(px_req *r)
{
    const px_members *m = px_req_members(r);
    if (memcmp(r->w->me, r->w->root, 32) == 0)
        return PX_ROLE_ROOT;
    return px_members_role(m, r->w->me);
}

static bool web_is_secretariat(void *ctx, const uint8_t key[32])
{
    const px_members *m = ctx;
    px_role role = px_members_role(m, key);
    return role == PX_ROLE_ROOT || role == PX_ROLE_SECRETARIAT;
}

px_query px_req_query(px_req *r)
{
    px_query q = {0};
    q.store = px_req_store(r);
    q.lang = px_req_rec_lang(r);
    q.is_secretariat = web_is_secretariat;
    q.secretariat_ctx = (void *)px_req_members(r);
    return q;
}

/* Empty the cache when another connection has committed since it was
 * filled (SQLite's data_version changes then). */
static void cache_check(wthread *t)
{
    if (!t->store)
        return;
    int64_t v = px_store_data_version(t->store);
    if (v == t->cache_version && v != -1)
        return;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(t->cache[i].key);
        json_decref(t->cache[i].value);
        memset(&t->cache[i], 0, sizeof t->cache[i]);
    }
    t->cache_version = v;
}

json_t *px_req_cache_get(px_req *r, const char *key)
{
    wthread *t = r->t;
    if (!t || !px_req_store(r))
        return NULL;
    cache_check(t);
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (t->cache[i].key && strcmp(t->cache[i].key, key) == 0) {
            t->cache[i].used = ++t->cache_tick;
            return json_incref(t->cache[i].value);
        }
    return NULL;
}

void px_req_cache_put(px_req *r, const char *key, json_t *value)
{
    wthread *t = r->t;
    if (!t || !value || !px_req_store(r))
        return;
    cache_check(t);
    int victim = 0;
    for (int i = 1; i < CACHE_SLOTS; i++)
        if (t->cache[i].used < t->cache[victim].used)
            victim = i;
    char *k = strdup(key);
    if (!k)
        return;
    free(t->cache[victim].key);
    json_decref(t->cache[victim].value);
    t->cache[victim].key = k;
    t->cache[victim].value = json_incref(value);
    t->cache[victim].used = ++t->cache_tick;
}

struct px_local *px_req_local(px_req *r)
{
    wthread *t = r->t;
    if (!t->local) {
        t->local = calloc(1, sizeof *t->local);
        if (!t->local) {
            px_err_set(PX_ENOMEM, "out of memory");
            return NULL;
        }
        int rc = px_local_open(t->local, r->w->data_dir);
        if (rc) {
            px_local_close(t->local);
            free(t->local);
            t->local = NULL;
            return NULL;
        }
    } else {
        int rc = px_members_load(&t->local->members, t->local->store, t->local->genesis.root);
        if (rc)
            return NULL;
    }
    return t->local;
}

static void want(px_web *w, unsigned what)
{
    atomic_fetch_or(&w->wants, what);
    uv_async_send(&w->async);
}

void px_web_entries_appended(px_req *r)
{
    want(r->w, WANT_APPENDED | WANT_STATUS);
}

void px_web_sync_now(px_req *r)
{
    want(r->w, WANT_SYNC | WANT_STATUS);
}

json_t *px_web_status(px_req *r)
{
    px_web *w = r->w;
    char *copy = NULL;
    uint64_t at;
    pthread_mutex_lock(&w->mu);
    at = w->status_ms;
    if (w->status_json)
        copy = strdup(w->status_json);
    pthread_mutex_unlock(&w->mu);
    if (px_now_ms() - at > STATUS_FRESH_MS)
        want(w, WANT_STATUS);
    json_t *o = copy ? json_loads(copy, 0, NULL) : NULL;
    free(copy);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    } else {
        json_object_set_new(o, "taken_ms", json_integer((json_int_t)at));
    }
    return o;
}

/* The loop side: run what the workers asked for. */
static void on_async(uv_async_t *a)
{
    px_web *w = a->data;
    unsigned todo = atomic_exchange(&w->wants, 0);
    if ((todo & WANT_APPENDED) && w->hooks.appended)
        w->hooks.appended(w->hooks.ctx);
    if ((todo & WANT_SYNC) && w->hooks.sync_now)
        w->hooks.sync_now(w->hooks.ctx);
    if ((todo & WANT_STATUS) && w->hooks.status) {
        json_t *st = w->hooks.status(w->hooks.ctx);
        char *text = st ? json_dumps(st, JSON_COMPACT) : NULL;
        json_decref(st);
        if (text) {
            pthread_mutex_lock(&w->mu);
            free(w->status_json);
            w->status_json = text;
            w->status_ms = px_now_ms();
            pthread_mutex_unlock(&w->mu);
        }
    }
}

/* ---- response ------------------------------------------------------------------- */

void px_req_status(px_req *r, int code)
{
    r->status = code;
}

void px_req_type(px_req *r, const char *ct)
{
    r->ctype = px_req_strdup(r, ct);
}

void px_req_header(px_req *r, const char *name, const char *value)
{
    if (r->n_hdrs == sizeof r->hdrs / sizeof r->hdrs[0])
        return;
    for (const char *p = value; *p; p++)
        if ((unsigned char)*p < 0x20) /* no header splitting */
            return;
    r->hdrs[r->n_hdrs].name = px_req_strdup(r, name);
    r->hdrs[r->n_hdrs].value = px_req_strdup(r, value);
    r->n_hdrs++;
}

void px_req_download(px_req *r, const char *filename)
{
    char safe[96];
    size_t k = 0;
    for (const char *p = filename; *p && k + 1 < sizeof safe; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_';
        safe[k++] = ok ? c : '_';
    }
    safe[k] = '\0';
    px_req_header(r, "Content-Disposition",
                  px_req_printf(r, "attachment; filename=\"%s\"", k ? safe : "download"));
}

void px_req_redirect(px_req *r, const char *location)
{
    /* Only local paths: never an open redirect. */
    if (!location || location[0] != '/' || location[1] == '/' || location[1] == '\\')
        location = "/";
    px_req_status(r, 303);
    px_req_header(r, "Location", location);
}

int px_req_write(px_req *r, const void *data, size_t len)
{
    int rc = px_buf_append(&r->out, data, len);
    if (rc)
        r->oom = true;
    return rc;
}

int px_req_json(px_req *r, const json_t *doc)
{
    char *text = px_web_json_text(doc);
    if (!text)
        return PX_ENOMEM;
    px_req_type(r, "application/json");
    int rc = px_req_write(r, text, strlen(text));
    if (!rc)
        rc = px_req_write(r, "\n", 1);
    free(text);
    return rc;
}

int px_req_send_file(px_req *r, FILE *f)
{
    if (r->file)
        fclose(r->file);
    r->file = f;
    return fflush(f) == 0 ? PX_OK : px_err_set(PX_EIO, "cannot write the download");
}

const char *px_req_csrf(const px_req *r)
{
    return r->has_session ? r->sess.csrf : "";
}

const char *px_req_lang(const px_req *r)
{
    return r->lang;
}

const char *px_req_rec_lang(const px_req *r)
{
    return r->rec_lang;
}

const char *px_t(const px_req *r, const char *msgid)
{
    return px_i18n_get(r->lang, msgid);
}

const char *px_tn(const px_req *r, const char *msgid, const char *plural, unsigned long n)
{
    return px_i18n_nget(r->lang, msgid, plural, n);
}

/* Used by webhtml.c. */
px_buf *px_req_out(px_req *r)
{
    return &r->out;
}

void px_req_oom(px_req *r)
{
    r->oom = true;
}

bool px_req_has_session(const px_req *r)
{
    return r->has_session;
}

const char *px_req_route_pattern(const px_req *r)
{
    return r->route ? r->route->pattern : "";
}

const char *px_web_network_name(const px_req *r)
{
    return r->w->network;
}

const char *px_web_address(const px_web *w)
{
    return w->listen;
}

typedef struct self_ctx {
    px_buf *b;
    bool first;
} self_ctx;

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    self_ctx *c = cls;
    (void)kind;
    if (!key)
        return MHD_YES;
    px_buf_append(c->b, c->first ? "?" : "&", 1);
    c->first = false;
    px_url_encode(c->b, key);
    if (value) {
        px_buf_append(c->b, "=", 1);
        px_url_encode(c->b, value);
    }
    return MHD_YES;
}

const char *px_req_self_url(px_req *r)
{
    px_buf b = {0};
    self_ctx c = {&b, true};
    px_buf_append(&b, r->path, strlen(r->path));
    if (r->conn)
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &c);
    px_buf_append(&b, "", 1);
    const char *out = b.data ? px_req_strdup(r, (const char *)b.data) : "/";
    px_buf_free(&b);
    return out;
}

/* ---- sending -------------------------------------------------------------------- */

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                          "frame-ancestors 'none'; base-uri 'none'";

static enum MHD_Result send_response(px_req *r)
{
    struct MHD_Response *resp = NULL;
    if (r->oom) {
        px_buf_reset(&r->out);
        if (r->file) {
            fclose(r->file);
            r->file = NULL;
        }
        r->status = 500;
        r->ctype = (char *)"text/plain; charset=utf-8";
        static const char msg[] = "The server ran out of memory while answering.\n";
        px_buf_append(&r->out, msg, sizeof msg - 1);
    }
    if (r->file) {
        struct stat st;
        int fd = dup(fileno(r->file));
        fclose(r->file);
        r->file = NULL;
        if (fd >= 0 && fstat(fd, &st) == 0 && lseek(fd, 0, SEEK_SET) == 0)
            resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
        if (!resp && fd >= 0)
            close(fd);
    } else {
        size_t len = r->out.len;
        void *data = r->out.data;
        if (!data) {
            resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        } else {
            resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
            if (resp)
                memset(&r->out, 0, sizeof r->out); /* MHD frees it */
        }
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "text/html; charset=utf-8");
    MHD_add_response_header(resp, "Content-Security-Policy", csp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* same-origin, not no-referrer: under no-referrer a browser sends
     * "Origin: null" with every form POST, which origin_ok() refuses. */
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    bool cache_set = false;
    for (size_t i = 0; i < r->n_hdrs; i++) {
        MHD_add_response_header(resp, r->hdrs[i].name, r->hdrs[i].value);
        if (strcasecmp(r->hdrs[i].name, "Cache-Control") == 0)
            cache_set = true;
    }
    if (!cache_set)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (r->status == 0)
        r->status = 200;
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    if (px_log_enabled(PX_LOG_DEBUG))
        px_debug("web", "%s %s -> %d in %.1f ms", r->post ? "POST" : "GET",
                 r->route ? r->route->pattern : "(no route)", r->status,
                 (double)(px_mono_ns() - r->start_ns) / 1e6);
    return ret;
}

/* An error answer: a page, or JSON under /api/. */
static void answer_error(px_req *r, int code, const char *message)
{
    px_buf_reset(&r->out);
    if (r->file) {
        fclose(r->file);
        r->file = NULL;
    }
    r->n_hdrs = 0;
    if (r->api) {
        json_t *o = json_pack("{s:s}", "error", message);
        px_req_status(r, code);
        if (!o || px_req_json(r, o))
            r->oom = true;
        json_decref(o);
        return;
    }
    px_page_message(r, code,
                    code == 401   ? px_t(r, "Sign-in needed")
                    : code == 403 ? px_t(r, "Refused")
                    : code == 404 ? px_t(r, "Not found")
                    : code == 405 ? px_t(r, "Method not allowed")
                    : code == 413 ? px_t(r, "Too large")
                    : code >= 500 ? px_t(r, "Server error")
                                  : px_t(r, "Bad request"),
                    message);
}

static int status_for(int rc)
{
    switch (rc) {
    case PX_ENOENT:
        return 404;
    case PX_EINVAL:
    case PX_ESCHEMA:
    case PX_EFORMAT:
        return 400;
    case PX_EPERM:
        return 403;
    case PX_ETOOBIG:
        return 413;
    default:
        return 500;
    }
}

/* ---- routing -------------------------------------------------------------------- */

/* Match path against pattern. OUT *param (in the arena) for patterns
 * that end in a wildcard segment. */
static bool route_match(px_req *r, const char *pattern, const char *path, char **param)
{
    size_t pl = strlen(pattern);
    *param = NULL;
    if (pl >= 3 && strcmp(pattern + pl - 3, "/**") == 0) {
        size_t base = pl - 2; /* keeps the '/' */
        if (strncmp(path, pattern, base) != 0 || path[base] == '\0')
            return false;
        *param = px_req_strdup(r, path + base);
        return true;
    }
    if (pl >= 2 && strcmp(pattern + pl - 2, "/*") == 0) {
        size_t base = pl - 1;
        if (strncmp(path, pattern, base) != 0 || path[base] == '\0' || strchr(path + base, '/'))
            return false;
        *param = px_req_strdup(r, path + base);
        return true;
    }
    return strcmp(pattern, path) == 0;
}

/* ---- session and token -------------------------------------------------------- */

/* The current login token; rereads the file when it changed (a new token
 * ends every session). OUT cur (PX_WEB_TOKEN_HEX + 1). */
static void current_token(px_web *w, char cur[PX_WEB_TOKEN_HEX + 1])
{
    struct stat st;
    bool have = stat(w->token_path, &st) == 0;
    pthread_mutex_lock(&w->mu);
    if (!have || st.st_ino != w->token_st.st_ino || st.st_size != w->token_st.st_size ||
        st.st_mtim.tv_sec != w->token_st.st_mtim.tv_sec ||
        st.st_mtim.tv_nsec != w->token_st.st_mtim.tv_nsec) {
        char fresh[PX_WEB_TOKEN_HEX + 1];
        int rc = have ? px_webtoken_read(w->data_dir, fresh) : PX_ENOENT;
        if (rc)
            fresh[0] = '\0'; /* nobody can log in until it is fixed */
        if (strcmp(fresh, w->token) != 0) {
            if (w->token[0])
                px_info("web", "the login token changed: every session ended");
            px_sessions_clear(&w->sessions);
            memcpy(w->token, fresh, sizeof w->token);
        }
        if (have)
            w->token_st = st;
        else
            memset(&w->token_st, 0, sizeof w->token_st);
        px_memzero(fresh, sizeof fresh);
    }
    memcpy(cur, w->token, PX_WEB_TOKEN_HEX + 1);
    pthread_mutex_unlock(&w->mu);
}

static void find_session(px_req *r)
{
    char id[PX_WEB_SESSION_HEX + 1], cur[PX_WEB_TOKEN_HEX + 1];
    const char *cookie = px_req_header_in(r, "Cookie");
    current_token(r->w, cur);
    if (cur[0] && px_websec_cookie(cookie, "px_session", id, sizeof id) &&
        px_sessions_find(&r->w->sessions, id, cur, px_now_ms(), &r->sess) == PX_OK)
        r->has_session = true;
    px_memzero(cur, sizeof cur);
}

/* GET /login?token=T */
int px_web_login(px_req *r)
{
    char cur[PX_WEB_TOKEN_HEX + 1];
    const char *token = px_req_arg(r, "token");
    if (!token) {
        if (r->has_session) {
            px_req_redirect(r, "/");
            return PX_OK;
        }
        return px_page_message(r, 401, px_t(r, "Sign-in needed"),
                               px_t(r, "Run 'praxis ui' on the machine where praxisd runs: it "
                                       "opens this interface with a login link."));
    }
    current_token(r->w, cur);
    px_session s;
    int rc = px_sessions_login(&r->w->sessions, token, cur, px_now_ms(), &s);
    px_memzero(cur, sizeof cur);
    if (rc)
        return px_page_message(r, 401, px_t(r, "Sign-in needed"),
                               px_t(r, "This login link is wrong or was replaced by a new "
                                       "one. Run 'praxis ui' again to get the current link."));
    px_req_header(r, "Set-Cookie",
                  px_req_printf(r, "px_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%u",
                                s.id, (unsigned)(PX_WEB_SESSION_MAX_MS / 1000)));
    px_memzero(&s, sizeof s);
    px_req_redirect(r, "/");
    return PX_OK;
}

/* POST /logout: end this session. */
int px_web_logout(px_req *r)
{
    px_sessions_remove(&r->w->sessions, r->sess.id);
    r->has_session = false;
    px_req_header(r, "Set-Cookie", "px_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return px_page_message(r, 200, px_t(r, "Signed out"),
                           px_t(r, "This browser's session has ended. Run 'praxis ui' to sign "
                                   "in again."));
}

/* GET /lang?set=LANG&back=PATH */
int px_web_lang(px_req *r)
{
    const char *set = px_i18n_supported(px_req_arg(r, "set"));
    const char *back = px_req_arg(r, "back");
    if (!set)
        return px_err_set(PX_EINVAL, "unknown interface language");
    px_req_header(r, "Set-Cookie",
                  px_req_printf(r, "px_lang=%s; Path=/; SameSite=Strict; Max-Age=31536000", set));
    bool ok = back && back[0] == '/' && back[1] != '/' && back[1] != '\\';
    for (const char *p = back; ok && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '\\')
            ok = false;
    px_req_redirect(r, ok ? back : "/");
    return PX_OK;
}

/* ---- POST bodies ----------------------------------------------------------------- */

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    px_req *r = cls;
    (void)kind;
    (void)transfer_encoding;
    if (!key)
        return MHD_YES;
    field *f = r->n_fields ? &r->fields[r->n_fields - 1] : NULL;
    /* A new field starts at offset 0 (a continuation has off > 0). */
    if (!f || off == 0 || strcmp(f->name, key) != 0) {
        if (r->n_fields == PX_WEB_FIELDS_MAX) {
            r->body_too_big = true;
            return MHD_NO;
        }
        if (r->n_fields == r->cap_fields) {
            size_t cap = r->cap_fields ? r->cap_fields * 2 : 16;
            field *nf = realloc(r->fields, cap * sizeof *nf);
            if (!nf) {
                r->oom = true;
                return MHD_NO;
            }
            r->fields = nf;
            r->cap_fields = cap;
        }
        f = &r->fields[r->n_fields++];
        memset(f, 0, sizeof *f);
        f->name = strdup(key);
        f->is_file = filename != NULL;
        f->filename = filename ? strdup(filename) : NULL;
        f->mime = content_type && filename ? strdup(content_type) : NULL;
        if (!f->name) {
            r->oom = true;
            return MHD_NO;
        }
    }
    if (size && px_buf_append(&f->data, data, size)) {
        r->oom = true;
        return MHD_NO;
    }
    return MHD_YES;
}

/* Text fields must be UTF-8 without NUL; all get a terminating NUL. */
static bool fields_finish(px_req *r)
{
    bool ok = true;
    for (size_t i = 0; i < r->n_fields; i++) {
        field *f = &r->fields[i];
        if (px_buf_append(&f->data, "", 1)) {
            r->oom = true;
            return false;
        }
        f->data.len--;
        if (!f->is_file && (memchr(f->data.data, '\0', f->data.len) ||
                            !px_utf8_valid((const char *)f->data.data, f->data.len)))
            ok = false;
    }
    return ok;
}

/* ---- the access handler ---------------------------------------------------------- */

static bool origin_ok(px_req *r)
{
    const char *origin = px_req_header_in(r, "Origin");
    if (!origin)
        return true;
    if (strncmp(origin, "http://", 7) != 0)
        return false;
    return px_websec_host_ok(origin + 7, r->w->listen, (const char *const *)r->w->hosts,
                             r->w->n_hosts);
}

static void choose_langs(px_req *r)
{
    char c[16];
    const char *lang = NULL;
    if (px_websec_cookie(px_req_header_in(r, "Cookie"), "px_lang", c, sizeof c))
        lang = px_i18n_supported(c);
    if (!lang)
        lang = px_i18n_negotiate(px_req_header_in(r, "Accept-Language"));
    r->lang = lang;
    const char *rl = px_req_arg(r, "lang");
    r->rec_lang = rl && px_lang_valid(rl, strlen(rl)) ? rl : lang;
}

/* First call for a request: everything that does not need the body. */
static void first_call(px_req *r, const char *url, const char *method)
{
    px_web *w = r->w;
    r->path = px_req_strdup(r, url);
    r->api = strncmp(url, "/api/", 5) == 0;
    choose_langs(r);
    if (!px_websec_host_ok(px_req_header_in(r, "Host"), w->listen, (const char *const *)w->hosts,
                           w->n_hosts)) {
        r->refuse = 403;
        r->refuse_text = PX_N_("This address is not one this interface answers to (the Host "
                               "header names another server). Open the link that 'praxis ui' "
                               "prints.");
        return;
    }
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    r->get = get;
    r->post = strcmp(method, "POST") == 0;
    if (!get && !r->post) {
        r->refuse = 405;
        r->refuse_text = PX_N_("This interface answers GET, HEAD and POST only.");
        return;
    }
    const px_route *match = NULL;
    bool path_known = false;
    for (const px_route *rt = px_web_routes; rt->pattern; rt++) {
        char *param;
        if (!route_match(r, rt->pattern, url, &param))
            continue;
        path_known = true;
        if (rt->methods & (r->post ? PX_POST : PX_GET)) {
            match = rt;
            r->param = param;
            break;
        }
    }
    find_session(r);
    if (!match) {
        if (!r->has_session) {
            r->refuse = 401;
        } else if (path_known) {
            r->refuse = 405;
            r->refuse_text = PX_N_("This page does not take that method.");
        } else {
            r->refuse = 404;
            r->refuse_text = PX_N_("There is no page at this address.");
        }
        if (r->refuse == 401)
            r->refuse_text = PX_N_("Run 'praxis ui' on the machine where praxisd runs: it opens "
                                   "this interface with a login link.");
        return;
    }
    r->route = match;
    if (!(match->flags & PX_ROUTE_PUBLIC) && !r->has_session) {
        r->refuse = 401;
        r->refuse_text = PX_N_("Run 'praxis ui' on the machine where praxisd runs: it opens "
                               "this interface with a login link.");
        return;
    }
    if (!r->post)
        return;
    if (!origin_ok(r)) {
        r->refuse = 403;
        r->refuse_text = PX_N_("This form was sent from another site and was refused.");
        return;
    }
    r->body_max = (match->flags & PX_ROUTE_UPLOAD) ? PX_WEB_UPLOAD_MAX : PX_WEB_FORM_MAX;
    const char *cl = px_req_header_in(r, "Content-Length");
    uint64_t clen = 0;
    if (cl && px_parse_u64(cl, 0, UINT64_MAX, &clen) == PX_OK && clen > r->body_max) {
        r->refuse = 413;
        r->refuse_text = (match->flags & PX_ROUTE_UPLOAD)
                             ? PX_N_("The upload is larger than 16 MiB and was refused.")
                             : PX_N_("The form is larger than 1 MiB and was refused.");
        return;
    }
    const char *ct = px_req_header_in(r, "Content-Type");
    if (ct && *ct) {
        bool multipart = strncasecmp(ct, "multipart/form-data", 19) == 0;
        bool urlenc = strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
        if (multipart && !(match->flags & PX_ROUTE_UPLOAD)) {
            r->refuse = 415;
            r->refuse_text = PX_N_("This form does not take file uploads.");
            return;
        }
        if (multipart || urlenc)
            r->pp = MHD_create_post_processor(r->conn, 16 * 1024, post_iter, r);
        if (!r->pp) {
            r->refuse = 415;
            r->refuse_text = PX_N_("The form was not sent as a form (unknown content type).");
        }
    }
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    px_web *w = cls;
    px_req *r = *con_cls;
    (void)version;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->w = w;
        r->conn = conn;
        r->start_ns = px_mono_ns();
        r->t = wthread_get(w);
        *con_cls = r;
        if (!r->t)
            return MHD_NO;
        first_call(r, url, method);
        /* A refused POST is answered before its body is read (the
         * connection then closes); everything else on the next call, once
         * MHD has the whole request, so the connection can be kept alive. */
        if (r->refuse && (r->post || !r->get)) {
            answer_error(r, r->refuse, px_t(r, r->refuse_text));
            return send_response(r);
        }
        return MHD_YES;
    } else if (r->refuse) {
        *upload_data_size = 0;
        answer_error(r, r->refuse, px_t(r, r->refuse_text));
        return send_response(r);
    } else if (!r->post && *upload_data_size) {
        *upload_data_size = 0; /* a body on a GET: ignored */
        return MHD_YES;
    } else if (r->post && *upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->body_too_big || r->oom)
            return MHD_YES; /* drain and drop */
        r->body_bytes += n;
        if (r->body_bytes > r->body_max) {
            r->body_too_big = true;
            return MHD_YES;
        }
        if (!r->pp) {
            r->body_bad = true; /* a body where none was announced */
            return MHD_YES;
        }
        if (MHD_post_process(r->pp, upload_data, n) != MHD_YES && !r->body_too_big && !r->oom)
            r->body_bad = true;
        return MHD_YES;
    }
    /* The whole request is in. */
    if (r->post) {
        const char *token = NULL;
        if (r->body_too_big) {
            answer_error(r, 413,
                         px_t(r, (r->route->flags & PX_ROUTE_UPLOAD)
                                     ? "The upload is larger than 16 MiB and was refused."
                                     : "The form is larger than 1 MiB and was refused."));
            return send_response(r);
        }
        bool text_ok = fields_finish(r);
        if (!(r->route->flags & PX_ROUTE_PUBLIC)) {
            token = px_req_field(r, PX_WEB_CSRF_FIELD);
            if (!token)
                token = px_req_header_in(r, "X-CSRF-Token");
            if (!token || !r->has_session || !px_websec_equal(token, r->sess.csrf)) {
                answer_error(r, 403,
                             px_t(r, "The form's security token is missing or stale; reload the "
                                     "page and send it again."));
                return send_response(r);
            }
        }
        if (r->body_bad || !text_ok) {
            answer_error(r, 400,
                         px_t(r, "The form could not be read: it is malformed or a text field "
                                 "is not valid UTF-8."));
            return send_response(r);
        }
    }
    r->t->deadline_ns = px_mono_ns() + (uint64_t)PX_WEB_QUERY_MS * 1000000u;
    px_err_clear();
    int rc = r->route->fn(r);
    r->t->deadline_ns = 0;
    if (rc) {
        int code = status_for(rc);
        const char *msg = px_err_detail();
        if (code == 500)
            px_warn("web", "%s: %s", r->route->pattern, px_err_message(rc));
        answer_error(r, code, msg[0] ? px_req_strdup(r, msg) : px_strerror(rc));
    }
    return send_response(r);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req_free(*con_cls);
    *con_cls = NULL;
}

/* libmicrohttpd's error log hands us its own printf format. */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[256];
    (void)cls;
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    px_debug("web", "libmicrohttpd: %s", line);
}

/* ---- start and stop ---------------------------------------------------------------- */

static void web_free(px_web *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_hosts; i++)
        free(w->hosts[i]);
    if (w->tkey_made)
        pthread_key_delete(w->tkey);
    px_sessions_free(&w->sessions);
    free(w->status_json);
    pthread_mutex_destroy(&w->mu);
    px_memzero(w->token, sizeof w->token);
    free(w);
}

static void async_closed(uv_handle_t *h)
{
    web_free(h->data);
}

int px_web_start(uv_loop_t *loop, const px_web_cfg *cfg, px_web **out)
{
    struct sockaddr_storage ss;
    char host[80];
    unsigned port = 0;
    int rc;
    *out = NULL;
    rc = px_i18n_init();
    if (rc)
        return rc;
    /* Parse HOST:PORT (numeric; v6 in brackets). */
    const char *l = cfg->listen ? cfg->listen : PX_WEB_DEFAULT_LISTEN;
    const char *colon = strrchr(l, ':');
    if (!colon || colon == l)
        return px_err_set(PX_EINVAL, "--http: '%s' is not HOST:PORT (e.g. 127.0.0.1:7480) or off",
                          l);
    size_t hl = (size_t)(colon - l);
    if (l[0] == '[') {
        if (hl < 3 || l[hl - 1] != ']')
            return px_err_set(PX_EINVAL, "--http: '%s' is not [IPv6]:PORT", l);
        hl -= 2;
        memcpy(host, l + 1, hl < sizeof host ? hl : 0);
    } else {
        memcpy(host, l, hl < sizeof host ? hl : 0);
    }
    if (hl == 0 || hl >= sizeof host)
        return px_err_set(PX_EINVAL, "--http: '%s' has no usable host", l);
    host[hl] = '\0';
    uint64_t p64;
    if (px_parse_u64(colon + 1, 0, 65535, &p64) != PX_OK)
        return px_err_set(PX_EINVAL, "--http: '%s' has no port from 0 to 65535", l);
    port = (unsigned)p64;
    memset(&ss, 0, sizeof ss);
    bool v6 = strchr(host, ':') != NULL;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            return px_err_set(PX_EINVAL, "--http: '%s' is not a numeric IPv6 address", host);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return px_err_set(PX_EINVAL,
                              "--http: '%s' is not a numeric IPv4 address (use "
                              "127.0.0.1, not localhost)",
                              host);
    }
    if (cfg->n_hosts > PX_WEB_HOSTS_MAX)
        return px_err_set(PX_EINVAL, "--http-host: at most %d names", PX_WEB_HOSTS_MAX);

    px_web *w = calloc(1, sizeof *w);
    if (!w)
        return PX_ENOMEM;
    pthread_mutex_init(&w->mu, NULL);
    w->loop = loop;
    w->hooks = cfg->hooks;
    memcpy(w->root, cfg->root, 32);
    memcpy(w->me, cfg->me, 32);
    snprintf(w->network, sizeof w->network, "%s", cfg->network_name ? cfg->network_name : "");
    snprintf(w->data_dir, sizeof w->data_dir, "%s", cfg->data_dir);
    rc = px_path_join(w->addr_path, sizeof w->addr_path, cfg->data_dir, PX_WEB_ADDR_FILE);
    if (!rc)
        rc = px_path_join(w->token_path, sizeof w->token_path, cfg->data_dir, PX_WEB_TOKEN_FILE);
    for (size_t i = 0; !rc && i < cfg->n_hosts; i++) {
        const char *h = cfg->hosts[i];
        if (!*h || strlen(h) > 255 || strpbrk(h, " /@\t"))
            rc = px_err_set(PX_EINVAL, "--http-host: '%s' is not a host name", h);
        else if (!(w->hosts[w->n_hosts++] = strdup(h)))
            rc = PX_ENOMEM;
    }
    if (!rc)
        rc = px_sessions_init(&w->sessions, 0, 0, 0);
    char tok[PX_WEB_TOKEN_HEX + 1];
    if (!rc)
        rc = px_webtoken_ensure(cfg->data_dir, tok);
    if (!rc) {
        px_memzero(tok, sizeof tok);
        if (pthread_key_create(&w->tkey, wthread_free) != 0)
            rc = PX_ENOMEM;
        else
            w->tkey_made = true;
    }
    if (rc) {
        web_free(w);
        return rc;
    }
    /* The socket is bound here, not by MHD, so that the bound address
     * (the port when 0 was asked for) is known before any worker runs. */
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1, e = 0;
    if (fd < 0) {
        e = errno;
    } else {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (v6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        socklen_t sl = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
        if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 128) != 0 ||
            getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0) {
        web_free(w);
        if (cfg->listen_is_default) {
            px_warn("web",
                    "cannot serve the web interface on %s (%s); praxisd runs without it "
                    "(choose another address with --http HOST:PORT)",
                    l, strerror(e));
            return PX_OK;
        }
        return px_err_set(PX_ENET, "--http: cannot serve on %s: %s", l, strerror(e));
    }
    port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    if (v6)
        snprintf(w->listen, sizeof w->listen, "[%s]:%u", host, port);
    else
        snprintf(w->listen, sizeof w->listen, "%s:%u", host, port);
    /* Ready before the first worker can call uv_async_send. */
    uv_async_init(loop, &w->async, on_async);
    w->async.data = w;

    unsigned threads = (unsigned)(cfg->threads > 0 ? cfg->threads : PX_WEB_THREADS);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                     (v6 ? MHD_USE_IPv6 : 0);
    w->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, w, MHD_OPTION_LISTEN_SOCKET, fd,
                              MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
                              (unsigned)PX_WEB_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
                              (unsigned)PX_WEB_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                              (size_t)64 * 1024, MHD_OPTION_NOTIFY_COMPLETED, completed, w,
                              MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w, MHD_OPTION_END);
    if (!w->mhd) {
        e = errno;
        close(fd);
        uv_close((uv_handle_t *)&w->async, async_closed); /* frees w */
        return px_err_set(PX_ENET, "--http: cannot start the web server on %s: %s", l,
                          e ? strerror(e) : "libmicrohttpd refused its options");
    }
    char line[128];
    int n = snprintf(line, sizeof line, "%s\n", w->listen);
    rc = px_write_file(w->addr_path, line, (size_t)n, 0600, false);
    if (rc) {
        MHD_stop_daemon(w->mhd);
        uv_close((uv_handle_t *)&w->async, async_closed);
        return rc;
    }
    px_info("web", "web interface on http://%s/ ('praxis ui' prints the login link)", w->listen);
    *out = w;
    return PX_OK;
}

void px_web_stop(px_web *w)
{
    if (!w)
        return;
    if (w->mhd) {
        MHD_stop_daemon(w->mhd); /* joins the pool: requests being served finish */
        w->mhd = NULL;
    }
    unlink(w->addr_path);
    uv_close((uv_handle_t *)&w->async, async_closed);
}
