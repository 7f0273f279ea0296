/* SPDX-License-Identifier: Apache-2.0 */
/*
 * members.c — membership computed from member/revoke entries (members.h).
 *
 * Layout: reading the events from entries; the fold (root's feed, then the
 * secretariat's entries up to their cuts, then hand-overs); the questions
 * asked of the result; holding back and releasing entries of non-members.
 */
#include "members.h"

#include "error.h"
#include "kinds.h"
#include "log.h"
#include "records.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

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

/* --- reading events -------------------------------------------------------------- */

/* Copy a string, cut (if it must be) before a UTF-8 character, never in one. */
static void copy_str(char *out, size_t n, const msgpack_object *o)
{
    out[0] = '\0';
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return;
    size_t len = o->via.str.size < n - 1 ? o->via.str.size : n - 1;
    if (len < o->via.str.size)
        while (len > 0 && ((unsigned char)o->via.str.ptr[len] & 0xc0) == 0x80)
            len--; /* the byte after the cut continues a character: cut before it */
    memcpy(out, o->via.str.ptr, len);
    out[len] = '\0';
}

static bool get_key(const msgpack_object *map, const char *name, uint8_t out[32])
{
    char hex[65];
    const msgpack_object *o = px_record_get(map, name);
    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size != 64)
        return false;
    copy_str(hex, sizeof hex, o);
    return px_hex_decode(out, 32, hex) == PX_OK;
}

static px_role role_of(const char *s)
{
    return strcmp(s, "secretariat") == 0 ? PX_ROLE_SECRETARIAT
           : strcmp(s, "observer") == 0  ? PX_ROLE_OBSERVER
                                         : PX_ROLE_CENTRE;
}

int px_member_event_from_entry(const px_entry *e, px_member_event *x)
{
    const px_kind *k = px_kind_find(e->h.kind);
    if (!k || !(k->flags & PX_KIND_MEMBERSHIP))
        return PX_EINVAL;
    bool revoke = k->id == PX_KIND_REVOKE;
    if (!e->body || px_record_validate(e->h.kind, e->body, e->body_len) != PX_OK)
        return PX_EINVAL;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    if (px_record_unpack(e->body, e->body_len, &u) != PX_OK) {
        msgpack_unpacked_destroy(&u);
        return PX_EINVAL;
    }
    memset(x, 0, sizeof *x);
    x->type = revoke ? PX_MEV_REVOKE : PX_MEV_MEMBER;
    memcpy(x->author, e->h.author, 32);
    x->seq = e->h.seq;
    memcpy(x->id, e->id, 32);
    x->ts = e->h.timestamp_ms;
    const msgpack_object *d = &u.data;
    int rc = get_key(d, "key", x->key) ? PX_OK : PX_EINVAL;
    const msgpack_object *after = px_record_get(d, "after");
    if (after && after->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        x->has_after = true;
        x->after = after->via.u64;
    }
    x->has_after_id = get_key(d, "after_id", x->after_id);
    if (!revoke) {
        char role[16];
        copy_str(role, sizeof role, px_record_get(d, "role"));
        x->role = role_of(role);
        copy_str(x->organisation, sizeof x->organisation, px_record_get(d, "organisation"));
        copy_str(x->country, sizeof x->country, px_record_get(d, "country"));
        x->has_continues = get_key(d, "continues", x->continues);
    } else {
        const msgpack_object *r = px_record_get(d, "reason");
        if (r && r->type == MSGPACK_OBJECT_STR)
            copy_str(x->reason, sizeof x->reason, r);
        else if (r)
            copy_str(x->reason, sizeof x->reason, px_langmap_pick(r, "en", NULL));
    }
    msgpack_unpacked_destroy(&u);
    return rc;
}

typedef struct events {
    px_member_event *v;
    size_t n, cap;
} events;

static int collect(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    events *ev = ctx;
    if (m && (m->flags & PX_ENTRY_FLAG_SCHEMA_INVALID))
        return PX_OK;
    if (ev->n == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 32;
        px_member_event *v = realloc(ev->v, cap * sizeof *v);
        if (!v)
            return PX_ENOMEM;
        ev->v = v;
        ev->cap = cap;
    }
    if (px_member_event_from_entry(e, &ev->v[ev->n]) == PX_OK)
        ev->n++;
    return PX_OK;
}

/* --- the fold -------------------------------------------------------------------- */

/* Working state per key, beside m->v (same index). */
typedef struct work {
    bool root_managed;    /* the root's feed has a member entry for it */
    bool was_secretariat; /* the root made it secretariat at some point */
    bool sec_fields;      /* fields from a secretariat admission so far */
    bool centre_settled;  /* centre computed */
    uint64_t fields_ts;
    uint8_t fields_id[32];
} work;

typedef struct fold {
    px_members m;
    work *w;
    const uint8_t *root;
} fold;

static int by_position(const void *a, const void *b)
{
    const px_member_event *x = a, *y = b;
    int c = memcmp(x->author, y->author, 32);
    if (c)
        return c;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return memcmp(x->id, y->id, 32);
}

static int by_key(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

static px_member *find_mut(const px_members *m, const uint8_t key[32])
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(m->v[mid].key, key, 32);
        if (c == 0)
            return &m->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Every key the events name (authors, targets, continued keys), but the root. */
static int make_table(fold *f, const px_member_event *ev, size_t n)
{
    uint8_t(*keys)[32] = n ? malloc(n * 3 * 32) : NULL;
    size_t k = 0;
    if (n && !keys)
        return PX_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        memcpy(keys[k++], ev[i].author, 32);
        memcpy(keys[k++], ev[i].key, 32);
        if (ev[i].has_continues)
            memcpy(keys[k++], ev[i].continues, 32);
    }
    if (k > 1)
        qsort(keys, k, 32, by_key);
    f->m.v = k ? calloc(k, sizeof *f->m.v) : NULL;
    f->w = k ? calloc(k, sizeof *f->w) : NULL;
    if (k && (!f->m.v || !f->w)) {
        free(keys);
        return PX_ENOMEM;
    }
    for (size_t i = 0; i < k; i++) {
        if (memcmp(keys[i], f->root, 32) == 0 ||
            (f->m.n > 0 && memcmp(f->m.v[f->m.n - 1].key, keys[i], 32) == 0))
            continue;
        px_member *x = &f->m.v[f->m.n++];
        memcpy(x->key, keys[i], 32);
        memcpy(x->centre, keys[i], 32);
    }
    free(keys);
    return PX_OK;
}

static work *work_of(fold *f, const px_member *x)
{
    return &f->w[x - f->m.v];
}

/* Entries of x's feed after seq `after` are void (the smallest cut wins). */
static void apply_cut(px_member *x, uint64_t after, const uint8_t *id)
{
    if (x->cut && x->cut_seq < after)
        return;
    if (x->cut && x->cut_seq == after && x->has_cut_id)
        return;
    x->cut = true;
    x->cut_seq = after;
    x->has_cut_id = id != NULL;
    if (id)
        memcpy(x->cut_id, id, 32);
}

static void revoke(px_member *t, const px_member_event *e, uint64_t after, const uint8_t *id,
                   const char *reason)
{
    if (!t->revoked) {
        t->revoked = true;
        t->revoked_ms = e->ts;
        memcpy(t->revoked_by, e->author, 32);
        snprintf(t->reason, sizeof t->reason, "%s", reason);
    }
    apply_cut(t, after, id);
}

static void set_fields(px_member *t, const px_member_event *e)
{
    memcpy(t->organisation, e->organisation, sizeof t->organisation);
    memcpy(t->country, e->country, sizeof t->country);
}

static void admit(px_member *t, const px_member_event *e)
{
    if (!t->admitted) {
        t->admitted = true;
        t->admitted_ms = e->ts;
        memcpy(t->admitted_by, e->author, 32);
    }
}

/* The old key of a succession (`continues`) is revoked at its last valid
 * entry; the new one continues it. */
static void succeed(fold *f, px_member *t, const px_member_event *e)
{
    px_member *o = find_mut(&f->m, e->continues);
    if (!o || o == t)
        return;
    char reason[160], hex[17];
    px_hex_encode(hex, t->key, 8);
    snprintf(reason, sizeof reason, "key lost: continued by %s", hex);
    revoke(o, e, e->has_after ? e->after : 0, e->has_after_id ? e->after_id : NULL, reason);
    if (!o->has_successor) {
        o->has_successor = true;
        memcpy(o->successor, t->key, 32);
    }
    if (!t->has_predecessor) {
        t->has_predecessor = true;
        memcpy(t->predecessor, o->key, 32);
    }
}

/* 1. The root's feed, in seq order. */
static void root_pass(fold *f, const px_member_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const px_member_event *e = &ev[i];
        if (memcmp(e->author, f->root, 32) != 0)
            continue;
        px_member *t = find_mut(&f->m, e->key);
        if (!t) /* the root itself */
            continue;
        if (e->type == PX_MEV_REVOKE) {
            revoke(t, e, e->has_after ? e->after : 0, e->has_after_id ? e->after_id : NULL,
                   e->reason);
            continue;
        }
        work *w = work_of(f, t);
        admit(t, e);
        if (e->has_continues)
            succeed(f, t, e);
        if (e->role == PX_ROLE_SECRETARIAT)
            t->admin_until = UINT64_MAX;
        else if (w->was_secretariat && !e->has_continues)
            t->admin_until = e->has_after ? e->after : 0; /* demoted: rights end there */
        else if (!w->was_secretariat)
            t->admin_until = 0;
        w->was_secretariat |= e->role == PX_ROLE_SECRETARIAT;
        w->root_managed = true;
        t->role = e->role;
        set_fields(t, e);
    }
}

/* Whether e, by a secretariat member, lies within that member's rights. */
static bool sec_counts(fold *f, const px_member_event *e, px_member **target)
{
    if (memcmp(e->author, f->root, 32) == 0)
        return false;
    px_member *a = find_mut(&f->m, e->author);
    if (!a || !a->admitted || a->admin_until == 0 || e->seq > a->admin_until)
        return false;
    if (a->cut && e->seq > a->cut_seq)
        return false;
    if (a->cut && e->seq == a->cut_seq && a->has_cut_id && memcmp(a->cut_id, e->id, 32) != 0)
        return false; /* the cut names another entry at that seq */
    px_member *t = find_mut(&f->m, e->key);
    if (!t || t == a || work_of(f, t)->was_secretariat)
        return false; /* the root, itself, or a key only the root manages */
    if (e->has_continues) {
        px_member *o = find_mut(&f->m, e->continues);
        if (!o || work_of(f, o)->was_secretariat)
            return false;
    }
    *target = t;
    return true;
}

static int by_target(const void *a, const void *b)
{
    const px_member_event *x = *(const px_member_event *const *)a,
                          *y = *(const px_member_event *const *)b;
    int c = memcmp(x->key, y->key, 32);
    return c ? c : by_position(x, y);
}

/* 2. Secretariat members' entries, each up to its author's cut: first the
 * revocations (a revocation wins over any admission, in any order), then
 * the admissions. For a key several secretariat members describe, the
 * narrowest role of their latest entries wins; organisation and country
 * (descriptive only) come from the latest of those by (timestamp, id). */
static int sec_pass(fold *f, const px_member_event *ev, size_t n)
{
    const px_member_event **adm = n ? malloc(n * sizeof *adm) : NULL;
    size_t na = 0;
    if (n && !adm)
        return PX_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        px_member *t;
        if (!sec_counts(f, &ev[i], &t))
            continue;
        if (ev[i].type == PX_MEV_REVOKE)
            revoke(t, &ev[i], ev[i].has_after ? ev[i].after : 0,
                   ev[i].has_after_id ? ev[i].after_id : NULL, ev[i].reason);
        else if (ev[i].role != PX_ROLE_SECRETARIAT && !work_of(f, t)->root_managed)
            adm[na++] = &ev[i];
    }
    if (na > 1)
        qsort(adm, na, sizeof *adm, by_target);
    for (size_t i = 0; i < na; i++) {
        const px_member_event *e = adm[i];
        if (i + 1 < na && memcmp(adm[i + 1]->key, e->key, 32) == 0 &&
            memcmp(adm[i + 1]->author, e->author, 32) == 0)
            continue; /* a later entry of the same author about the same key */
        px_member *t = find_mut(&f->m, e->key);
        work *w = work_of(f, t);
        bool first = !w->sec_fields;
        admit(t, e);
        if (e->has_continues)
            succeed(f, t, e);
        if (first || e->role == PX_ROLE_OBSERVER)
            t->role = e->role;
        if (first || e->ts > w->fields_ts ||
            (e->ts == w->fields_ts && memcmp(e->id, w->fields_id, 32) > 0)) {
            set_fields(t, e);
            w->fields_ts = e->ts;
            memcpy(w->fields_id, e->id, 32);
        }
        w->sec_fields = true;
    }
    free(adm);
    return PX_OK;
}

/* 3. Hand-overs: a centre or observer names a key of its own to continue
 * it, in a member entry of its feed whose `continues` is its own key. Its
 * feed ends there; void past a revocation's cut, so a leaked key cannot
 * hand over once revoked. Only a key's first valid hand-over counts. Keys are
 * visited from a work list (those admitted so far, in key order, then each
 * new key as it is handed over to), so chains settle in one pass and the
 * result depends only on the set of entries. */
static bool is_handover(const px_member_event *e)
{
    return e->type == PX_MEV_MEMBER && e->has_continues &&
           memcmp(e->continues, e->author, 32) == 0 && memcmp(e->key, e->author, 32) != 0;
}

/* The first event of author in ev (sorted by position), or n. */
static size_t first_of(const px_member_event *ev, size_t n, const uint8_t author[32])
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(ev[mid].author, author, 32) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int handover_pass(fold *f, const px_member_event *ev, size_t n)
{
    size_t *queue = f->m.n ? malloc(f->m.n * sizeof *queue) : NULL, head = 0, tail = 0;
    if (f->m.n && !queue)
        return PX_ENOMEM;
    for (size_t i = 0; i < f->m.n; i++)
        if (f->m.v[i].admitted)
            queue[tail++] = i;
    while (head < tail) {
        px_member *o = &f->m.v[queue[head++]];
        if (o->has_successor || work_of(f, o)->was_secretariat ||
            (o->role != PX_ROLE_CENTRE && o->role != PX_ROLE_OBSERVER))
            continue;
        for (size_t i = first_of(ev, n, o->key); i < n && memcmp(ev[i].author, o->key, 32) == 0;
             i++) {
            const px_member_event *e = &ev[i];
            if (!is_handover(e))
                continue;
            if (o->cut && e->seq > o->cut_seq)
                break; /* past its cut: void, and so is any later one */
            px_member *t = find_mut(&f->m, e->key);
            if (!t || t->admitted || t->has_predecessor || work_of(f, t)->was_secretariat)
                continue; /* names a key it cannot have: void, the feed goes on */
            o->has_successor = true;
            memcpy(o->successor, t->key, 32);
            o->retired = !o->revoked;
            apply_cut(o, e->seq, e->id);
            admit(t, e);
            t->role = o->role;
            memcpy(t->organisation, o->organisation, sizeof t->organisation);
            memcpy(t->country, o->country, sizeof t->country);
            t->has_predecessor = true;
            memcpy(t->predecessor, o->key, 32);
            queue[tail++] = (size_t)(t - f->m.v); /* each key enters once: it was not admitted */
            break;
        }
    }
    free(queue);
    return PX_OK;
}

int px_members_fold(px_members *m, const uint8_t root[32], px_member_event *ev, size_t n)
{
    fold f = {.root = root};
    memcpy(f.m.root, root, 32);
    if (n > 1) /* canonical order: the result cannot depend on arrival */
        qsort(ev, n, sizeof *ev, by_position);
    int rc = make_table(&f, ev, n);
    if (!rc) {
        root_pass(&f, ev, n);
        rc = sec_pass(&f, ev, n);
    }
    if (!rc)
        rc = handover_pass(&f, ev, n);
    if (rc) {
        free(f.m.v);
        free(f.w);
        return rc;
    }
    /* One centre per succession: its first key. Each key's centre is
     * settled once (a path walked up to a settled key or a first key is
     * settled on the way back), so long chains stay linear. */
    size_t *path = f.m.n ? malloc(f.m.n * sizeof *path) : NULL;
    if (f.m.n && !path) {
        free(f.m.v);
        free(f.w);
        return PX_ENOMEM;
    }
    for (size_t i = 0; i < f.m.n; i++) {
        size_t len = 0, at = i;
        const uint8_t *centre = NULL;
        while (len < f.m.n) {
            work *w = &f.w[at];
            const px_member *x = &f.m.v[at];
            if (w->centre_settled) {
                centre = x->centre;
                break;
            }
            path[len++] = at;
            const px_member *p = x->has_predecessor ? find_mut(&f.m, x->predecessor) : NULL;
            if (!p) {
                centre = x->key;
                break;
            }
            at = (size_t)(p - f.m.v);
        }
        uint8_t c[32];
        memcpy(c, centre ? centre : f.m.v[i].key, 32); /* no centre: a cycle, cut short */
        for (size_t k = 0; k < len; k++) {
            memcpy(f.m.v[path[k]].centre, c, 32);
            f.w[path[k]].centre_settled = true;
        }
    }
    free(path);
    for (size_t i = 0; i < f.m.n; i++) {
        f.m.v[i].root_managed = f.w[i].root_managed;
        f.m.v[i].root_only = f.w[i].was_secretariat;
    }
    /* Keep the keys that are or were members. */
    size_t k = 0;
    for (size_t i = 0; i < f.m.n; i++)
        if (f.m.v[i].admitted || f.m.v[i].revoked)
            f.m.v[k++] = f.m.v[i];
    f.m.n = k;
    free(f.w);
    f.m.version = m->version + 1;
    free(m->v);
    *m = f.m;
    return PX_OK;
}

int px_members_load(px_members *m, px_store *s, const uint8_t root[32])
{
    events ev = {0};
    int rc = px_store_each_kind(s, "member", collect, &ev);
    if (!rc)
        rc = px_store_each_kind(s, "revoke", collect, &ev);
    if (!rc)
        rc = px_members_fold(m, root, ev.v, ev.n);
    free(ev.v);
    return rc;
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
    return find_mut(m, key);
}

px_role px_members_role(const px_members *m, const uint8_t key[32])
{
    if (memcmp(key, m->root, 32) == 0)
        return PX_ROLE_ROOT;
    const px_member *x = px_members_find(m, key);
    if (!x || !x->admitted || x->revoked || x->retired)
        return PX_ROLE_NONE;
    return x->role;
}

bool px_members_admits(void *ctx, const uint8_t author[32], uint64_t seq, const char *kind)
{
    const px_members *m = ctx;
    if (memcmp(author, m->root, 32) == 0)
        return true;
    const px_member *x = px_members_find(m, author);
    if (!x || !x->admitted)
        return false;
    if (x->cut && seq > x->cut_seq)
        return false; /* past its revocation or hand-over: whatever its timestamp */
    if (seq <= x->admin_until)
        return true; /* within its secretariat rights */
    /* A secretariat member past its rights (demoted before this
     * position) publishes as a centre; an observer's `member` entry of its
     * own is a hand-over. */
    return px_role_may_publish(x->role == PX_ROLE_SECRETARIAT ? PX_ROLE_CENTRE : x->role, kind);
}

bool px_role_may_publish(px_role role, const char *kind)
{
    switch (role) {
    case PX_ROLE_ROOT:
    case PX_ROLE_SECRETARIAT:
        return px_kind_open_to(kind, PX_PUB_SECRETARIAT);
    case PX_ROLE_CENTRE:
        return px_kind_open_to(kind, PX_PUB_CENTRE);
    case PX_ROLE_OBSERVER:
        return px_kind_open_to(kind, PX_PUB_MEMBER);
    default:
        return false;
    }
}

bool px_members_may_connect(const px_members *m, const uint8_t key[32])
{
    return px_members_role(m, key) != PX_ROLE_NONE;
}

bool px_members_cut_off(const px_members *m, const uint8_t key[32])
{
    const px_member *x = px_members_find(m, key);
    return x && (x->revoked || x->retired);
}

px_holdback px_members_hold_back(const px_members *m, px_store *s, const px_entry *e, int rc,
                                 uint64_t now_ms)
{
    if (rc != PX_ENOTMEMBER && rc != PX_EAGAIN)
        return PX_HOLD_NONE;
    /* A refused entry of a revoked or handed-over key, or one stamped ahead
     * that lies past its cut: neither an admission nor time will change it. */
    if (px_members_cut_off(m, e->h.author) &&
        (rc == PX_ENOTMEMBER || e->h.seq > px_members_valid_until(m, e->h.author)))
        return PX_HOLD_CUT;
    return px_members_hold(s, e, now_ms) == PX_OK ? PX_HOLD_HELD : PX_HOLD_DROPPED;
}

uint64_t px_members_valid_until(const px_members *m, const uint8_t key[32])
{
    if (memcmp(key, m->root, 32) == 0)
        return UINT64_MAX;
    const px_member *x = px_members_find(m, key);
    if (!x || !x->admitted)
        return 0;
    return x->cut ? x->cut_seq : UINT64_MAX;
}

uint64_t px_members_counts_until(void *ctx, const uint8_t author[32])
{
    return px_members_valid_until(ctx, author);
}

const uint8_t *px_members_centre(const px_members *m, const uint8_t key[32])
{
    const px_member *x = px_members_find(m, key);
    return x ? x->centre : key;
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
    if (r == PX_ENOTMEMBER || r == PX_EAGAIN || r == PX_ESEQ)
        return PX_OK; /* still not admitted (for this entry's time or kind), its time has
                         not come, or its predecessor has not arrived yet (replication asks
                         for it from the head; the next release stores this one) */
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
