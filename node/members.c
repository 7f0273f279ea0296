/*
 * members.c — membership computed from member/revoke entries (members.h).
 *
 * Layout: collecting the events from the store; applying them in
 * (timestamp, id) order; the questions asked of the result; holding back
 * and releasing entries of non-members.
 */
#include "members.h"

#include "error.h"
#include "log.h"
#include "records.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

typedef struct event {
    uint64_t ts;
    uint8_t id[32];
    uint8_t author[32];
    bool revoke;
    uint8_t key[32];
    px_role role;
    char organisation[128];
    char country[3];
    char reason[160];
} event;

typedef struct events {
    event *v;
    size_t n, cap;
} events;

const char *px_role_name(px_role r)
{
    switch (r) {
    case PX_ROLE_ROOT:
        return "root";
    case PX_ROLE_SECRETARIAT:
        return "secretariat";
    case PX_ROLE_CENTRE:
        return "centre";
    case PX_ROLE_OBSERVER:
        return "observer";
    default:
        return "none";
    }
}

static void copy_str(char *out, size_t n, const msgpack_object *o)
{
    out[0] = '\0';
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return;
    size_t len = o->via.str.size < n - 1 ? o->via.str.size : n - 1;
    memcpy(out, o->via.str.ptr, len);
    out[len] = '\0';
}

static int collect(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    events *ev = ctx;
    bool revoke = strcmp(e->h.kind, "revoke") == 0;
    if (!e->body || (m && (m->flags & PX_ENTRY_FLAG_SCHEMA_INVALID)) ||
        px_record_validate(e->h.kind, e->body, e->body_len) != PX_OK)
        return PX_OK;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    int rc = px_record_unpack(e->body, e->body_len, &u);
    if (rc) {
        msgpack_unpacked_destroy(&u);
        return PX_OK;
    }
    if (ev->n == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 32;
        event *v = realloc(ev->v, cap * sizeof *v);
        if (!v) {
            msgpack_unpacked_destroy(&u);
            return PX_ENOMEM;
        }
        ev->v = v;
        ev->cap = cap;
    }
    event *x = &ev->v[ev->n];
    memset(x, 0, sizeof *x);
    x->ts = e->h.timestamp_ms;
    memcpy(x->id, e->id, 32);
    memcpy(x->author, e->h.author, 32);
    x->revoke = revoke;
    char hex[65];
    copy_str(hex, sizeof hex, px_record_get(&u.data, "key"));
    if (px_hex_decode(x->key, 32, hex) == PX_OK) {
        if (!revoke) {
            char role[16];
            copy_str(role, sizeof role, px_record_get(&u.data, "role"));
            x->role = strcmp(role, "secretariat") == 0 ? PX_ROLE_SECRETARIAT
                      : strcmp(role, "observer") == 0  ? PX_ROLE_OBSERVER
                                                       : PX_ROLE_CENTRE;
            copy_str(x->organisation, sizeof x->organisation,
                     px_record_get(&u.data, "organisation"));
            copy_str(x->country, sizeof x->country, px_record_get(&u.data, "country"));
        } else {
            const msgpack_object *r = px_record_get(&u.data, "reason");
            if (r && r->type == MSGPACK_OBJECT_STR)
                copy_str(x->reason, sizeof x->reason, r);
            else if (r)
                copy_str(x->reason, sizeof x->reason, px_langmap_pick(r, "en", NULL));
        }
        ev->n++;
    }
    msgpack_unpacked_destroy(&u);
    return PX_OK;
}

static int by_time(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return memcmp(x->id, y->id, 32);
}

static px_member *find_mut(px_members *m, const uint8_t key[32], bool *found, size_t *at)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(m->v[mid].key, key, 32);
        if (c == 0) {
            *found = true;
            *at = mid;
            return &m->v[mid];
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    *at = lo;
    return NULL;
}

static px_member *get_or_add(px_members *m, const uint8_t key[32], size_t *cap)
{
    bool found;
    size_t at;
    px_member *x = find_mut(m, key, &found, &at);
    if (found)
        return x;
    if (m->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        px_member *v = realloc(m->v, ncap * sizeof *v);
        if (!v)
            return NULL;
        m->v = v;
        *cap = ncap;
    }
    memmove(m->v + at + 1, m->v + at, (m->n - at) * sizeof *m->v);
    x = &m->v[at];
    memset(x, 0, sizeof *x);
    memcpy(x->key, key, 32);
    m->n++;
    return x;
}

/* Could author admit or revoke at ts? */
static bool has_authority(const px_members *m, const uint8_t author[32], uint64_t ts)
{
    if (memcmp(author, m->root, 32) == 0)
        return true;
    const px_member *a = px_members_find(m, author);
    return a && a->admitted && a->role == PX_ROLE_SECRETARIAT && (!a->revoked || ts < a->revoked_ms);
}

int px_members_load(px_members *m, px_store *s, const uint8_t root[32])
{
    events ev = {0};
    px_members fresh = {0};
    size_t cap = 0;
    memcpy(fresh.root, root, 32);
    int rc = px_store_each_kind(s, "member", collect, &ev);
    if (!rc)
        rc = px_store_each_kind(s, "revoke", collect, &ev);
    if (rc) {
        free(ev.v);
        return rc;
    }
    if (ev.n > 1) /* qsort must not see the NULL of an empty list */
        qsort(ev.v, ev.n, sizeof *ev.v, by_time);
    for (size_t i = 0; !rc && i < ev.n; i++) {
        const event *x = &ev.v[i];
        if (!has_authority(&fresh, x->author, x->ts) || memcmp(x->key, root, 32) == 0)
            continue;
        px_member *t = get_or_add(&fresh, x->key, &cap);
        if (!t) {
            rc = PX_ENOMEM;
            break;
        }
        if (x->revoke) {
            if (!t->revoked) {
                t->revoked = true;
                t->revoked_ms = x->ts;
                memcpy(t->revoked_by, x->author, 32);
                memcpy(t->reason, x->reason, sizeof t->reason);
            }
            continue;
        }
        if (t->revoked)
            continue; /* permanent */
        if (!t->admitted) {
            t->admitted = true;
            t->admitted_ms = x->ts;
            memcpy(t->admitted_by, x->author, 32);
        }
        t->role = x->role;
        memcpy(t->organisation, x->organisation, sizeof t->organisation);
        memcpy(t->country, x->country, sizeof t->country);
    }
    free(ev.v);
    if (rc) {
        free(fresh.v);
        return rc;
    }
    fresh.version = m->version + 1;
    free(m->v);
    *m = fresh;
    return PX_OK;
}

void px_members_free(px_members *m)
{
    if (!m)
        return;
    free(m->v);
    m->v = NULL;
    m->n = 0;
}

const px_member *px_members_find(const px_members *m, const uint8_t key[32])
{
    bool found;
    size_t at;
    return find_mut((px_members *)m, key, &found, &at);
}

px_role px_members_role(const px_members *m, const uint8_t key[32])
{
    if (memcmp(key, m->root, 32) == 0)
        return PX_ROLE_ROOT;
    const px_member *x = px_members_find(m, key);
    if (!x || !x->admitted || x->revoked)
        return PX_ROLE_NONE;
    return x->role;
}

static bool is_knowledge(const char *kind)
{
    static const char *const k[] = {"case", "indicator", "benchmark", "crosswalk", "retract",
                                    NULL};
    for (int i = 0; k[i]; i++)
        if (strcmp(kind, k[i]) == 0)
            return true;
    return false;
}

static bool is_secretariat_only(const char *kind)
{
    return strcmp(kind, "member") == 0 || strcmp(kind, "revoke") == 0 ||
           strcmp(kind, "aggregate") == 0;
}

bool px_members_admits(void *ctx, const uint8_t author[32], uint64_t timestamp_ms,
                       const char *kind)
{
    const px_members *m = ctx;
    if (memcmp(author, m->root, 32) == 0)
        return true;
    const px_member *x = px_members_find(m, author);
    if (!x || !x->admitted)
        return false;
    if (x->revoked && timestamp_ms >= x->revoked_ms)
        return false;
    switch (x->role) {
    case PX_ROLE_SECRETARIAT:
        return true;
    case PX_ROLE_CENTRE:
        return !is_secretariat_only(kind);
    case PX_ROLE_OBSERVER:
        return !is_secretariat_only(kind) && !is_knowledge(kind);
    default:
        return false;
    }
}

bool px_members_may_connect(const px_members *m, const uint8_t key[32])
{
    return px_members_role(m, key) != PX_ROLE_NONE;
}

/* --- held-back entries ---------------------------------------------------------- */

/* Whether e fits the held-back limits: per author and in all. */
static int held_room(px_store *s, const px_entry *e)
{
    uint64_t count = 0, bytes = 0, size = e->header_len + 64 + e->body_len;
    char id[65];
    int rc = px_store_held_author_stats(s, e->h.author, &count, &bytes);
    if (rc)
        return rc;
    if (count >= PX_HELD_MAX_PER_AUTHOR || bytes + size > PX_HELD_MAX_BYTES_PER_AUTHOR)
        return px_err_set(PX_ETOOBIG,
                          "entry %s: its author has as many entries held back "
                          "as one author may",
                          px_id_hex(id, e->id));
    rc = px_store_held_stats(s, &count, &bytes);
    if (rc)
        return rc;
    if (count >= PX_HELD_MAX_ENTRIES || bytes + size > PX_HELD_MAX_BYTES)
        return px_err_set(PX_ETOOBIG, "too many entries of non-members held back already");
    return PX_OK;
}

static uint64_t expiry_cutoff(uint64_t now_ms)
{
    return now_ms > PX_HELD_EXPIRE_MS ? now_ms - PX_HELD_EXPIRE_MS : 0;
}

int px_members_hold(px_store *s, const px_entry *e, uint64_t now_ms)
{
    /* At a limit, expired entries leave (a table scan: at most once a
     * minute per thread), so old ones cannot keep new ones out for good. */
    static __thread uint64_t last_expiry_ms;
    char id[65];
    int rc = held_room(s, e);
    if (rc == PX_ETOOBIG && now_ms - last_expiry_ms >= 60000) {
        last_expiry_ms = now_ms;
        rc = px_store_held_expire(s, expiry_cutoff(now_ms), NULL);
        if (!rc)
            rc = held_room(s, e);
    }
    if (rc)
        return rc;
    /* Only what could be accepted later is kept: the author's signature
     * and the body's hash are checked now (the rest when it is offered to
     * the feed). */
    if (px_entry_verify_sig(e) != PX_OK)
        return px_err_set(PX_ESIG, "entry %s: signature does not verify; not held",
                          px_id_hex(id, e->id));
    rc = px_entry_check_body(e);
    if (rc)
        return px_err_set(rc, "entry %s: body does not match its hash or size; not held",
                          px_id_hex(id, e->id));
    return px_store_hold(s, e, now_ms);
}

typedef struct author_list {
    uint8_t (*v)[32];
    size_t n;
} author_list;

static int add_author(void *ctx, const px_head *h)
{
    author_list *l = ctx;
    uint8_t(*v)[32] = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        return PX_ENOMEM;
    l->v = v;
    memcpy(l->v[l->n++], h->author, 32);
    return PX_OK;
}

typedef struct release_ctx {
    const px_feed_ctx *fc;
    uint64_t now_ms;
    size_t released;
    uint8_t (*done)[32]; /* ids to unhold after the walk */
    size_t n_done;
} release_ctx;

static int release_one(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    release_ctx *rc = ctx;
    if (m->decode_rc)
        return PX_OK;
    int r = px_feed_ingest(rc->fc, e, 0, rc->now_ms);
    if (r == PX_OK)
        rc->released++;
    if (r == PX_ENOTMEMBER || r == PX_EAGAIN)
        return PX_OK; /* still not admitted (for this entry's time or kind), or its time
                         has not come */
    uint8_t(*v)[32] = realloc(rc->done, (rc->n_done + 1) * sizeof *v);
    if (!v)
        return PX_ENOMEM;
    rc->done = v;
    memcpy(rc->done[rc->n_done++], e->id, 32);
    return PX_OK;
}

int px_members_release(const px_feed_ctx *fc, uint64_t now_ms, size_t *released)
{
    author_list authors = {0};
    release_ctx rc = {.fc = fc, .now_ms = now_ms};
    *released = 0;
    int r = px_store_held_expire(fc->store, expiry_cutoff(now_ms), NULL);
    if (!r)
        r = px_store_held_authors(fc->store, add_author, &authors);
    for (size_t i = 0; !r && i < authors.n; i++) {
        if (fc->is_member && !fc->is_member(fc->member_ctx, authors.v[i], 0, "address"))
            continue; /* not a member at all yet */
        r = px_store_each_held(fc->store, authors.v[i], release_one, &rc);
    }
    /* Entries that were stored, or refused for good, leave the table. */
    for (size_t i = 0; !r && i < rc.n_done; i++)
        r = px_store_unhold(fc->store, rc.done[i]);
    *released = rc.released;
    free(authors.v);
    free(rc.done);
    return r;
}
