/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest.c — the storage side of replication (see ingest.h): store jobs
 * decoded and verified, then checked, held back or stored in one
 * transaction; loads for the core.
 */
#include "ingest.h"

#include "archive.h"
#include "entry.h"
#include "error.h"
#include "index.h"
#include "members.h"
#include "msg.h"

#include <stdlib.h>
#include <string.h>

enum {
    MISSING_MAX = 4096, /* ids of missing bodies kept in mind */
    INDEX_CHUNK = 2000, /* backlog entries indexed per transaction */
};

struct px_ingest {
    px_store *store;
    px_members members; /* the ingester's own view of the membership */
    px_feed_ctx fc;
    uint8_t root[32];
    uint8_t me[32];
    px_index_fn index_fn; /* deferred indexing (defer_index) */
    uint8_t (*missing)[32];
    size_t n_missing, missing_cursor;
    bool missing_stale;
    bool held_left;
};

struct px_ingest_job {
    uint64_t id;
    px_core_job_kind kind;
    bool members_hint;
    uint8_t *msg;
    size_t len;
    bool prepared;
    int decode_rc;
    char decode_err[300];
    px_msg m;
    px_entry *entries;
    int *sig_rc;
    px_core_outcome out;
    px_core_seq *sent, *heads;
    size_t n_sent, n_heads, cap_sent, cap_heads;
    uint8_t want[PX_CORE_WANT_MAX][32];
};

/* --- the ingester ---------------------------------------------------------------- */

/* px_index_until_fn: our own feed counts whole; others to their cut. */
static uint64_t counts_until(void *ctx, const uint8_t author[32])
{
    px_ingest *ig = ctx;
    if (memcmp(author, ig->me, 32) == 0)
        return UINT64_MAX;
    return px_members_counts_until(&ig->members, author);
}

int px_ingest_new(const px_ingest_cfg *cfg, px_ingest **out)
{
    *out = NULL;
    px_ingest *ig = calloc(1, sizeof *ig);
    if (!ig)
        return PX_ENOMEM;
    ig->store = cfg->store;
    memcpy(ig->root, cfg->root, 32);
    memcpy(ig->me, cfg->me, 32);
    int rc = px_members_load(&ig->members, ig->store, ig->root);
    if (!rc) /* indexing follows the cuts too */
        rc = px_index_set_until(ig->store, counts_until, ig);
    if (rc) {
        px_members_free(&ig->members);
        free(ig);
        return rc;
    }
    ig->fc = cfg->feed;
    ig->fc.store = ig->store;
    ig->fc.is_member = px_members_admits;
    ig->fc.member_ctx = &ig->members;
    if (cfg->defer_index && cfg->feed.index) {
        ig->index_fn = cfg->feed.index;
        ig->fc.index = NULL;
        ig->fc.extra_flags |= PX_ENTRY_FLAG_UNINDEXED;
    }
    /* A previous run may have left held entries or missing bodies. */
    ig->held_left = true;
    ig->missing_stale = true;
    *out = ig;
    return PX_OK;
}

void px_ingest_free(px_ingest *ig)
{
    if (!ig)
        return;
    free(ig->missing);
    px_members_free(&ig->members);
    free(ig);
}

/* --- jobs -------------------------------------------------------------------------- */

int px_ingest_job_new(uint64_t job, px_core_job_kind kind, uint8_t *msg, size_t len,
                      bool members_hint, px_ingest_job **out)
{
    *out = NULL;
    px_ingest_job *j = calloc(1, sizeof *j);
    if (!j) {
        free(msg);
        return PX_ENOMEM;
    }
    j->id = job;
    j->kind = kind;
    j->msg = msg;
    j->len = len;
    j->members_hint = members_hint;
    msgpack_unpacked_init(&j->m.u);
    *out = j;
    return PX_OK;
}

void px_ingest_job_free(px_ingest_job *j)
{
    if (!j)
        return;
    px_msg_free(&j->m);
    free(j->entries);
    free(j->sig_rc);
    free(j->sent);
    free(j->heads);
    free(j->msg);
    free(j);
}

uint64_t px_ingest_job_id(const px_ingest_job *j)
{
    return j->id;
}

size_t px_ingest_job_len(const px_ingest_job *j)
{
    return j->len;
}

const px_core_outcome *px_ingest_outcome(const px_ingest_job *j)
{
    return &j->out;
}

static int put_seq(px_core_seq **v, size_t *n, size_t *cap, const uint8_t author[32], uint64_t seq)
{
    for (size_t i = 0; i < *n; i++)
        if (memcmp((*v)[i].author, author, 32) == 0) {
            if (seq > (*v)[i].seq)
                (*v)[i].seq = seq;
            return PX_OK;
        }
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 4;
        px_core_seq *nv = realloc(*v, c * sizeof *nv);
        if (!nv)
            return PX_ENOMEM;
        *v = nv;
        *cap = c;
    }
    memcpy((*v)[*n].author, author, 32);
    (*v)[*n].seq = seq;
    (*n)++;
    return PX_OK;
}

void px_ingest_prepare(px_ingest_job *j)
{
    if (j->prepared)
        return;
    j->prepared = true;
    if (j->kind == PX_CORE_JOB_RELEASE)
        return;
    px_err_clear();
    int rc = px_msg_decode(j->msg, j->len, &j->m);
    if (!rc && j->kind == PX_CORE_JOB_ENTRIES && j->m.type != PX_MSG_ENTRIES)
        rc = px_err_set(PX_EPROTO, "an entries job holds another message");
    if (!rc && j->kind == PX_CORE_JOB_BODIES && j->m.type != PX_MSG_BODIES)
        rc = px_err_set(PX_EPROTO, "a bodies job holds another message");
    if (!rc && j->kind == PX_CORE_JOB_ENTRIES) {
        size_t n = j->m.n_items;
        j->entries = calloc(n, sizeof *j->entries);
        j->sig_rc = malloc(n * sizeof *j->sig_rc);
        if (!j->entries || !j->sig_rc)
            rc = PX_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++) {
            const px_msg_item *it = &j->m.items[i];
            rc = px_entry_decode(&j->entries[i], it->header, it->header_len, it->sig,
                                 it->has_body ? it->body : NULL, it->body_len);
            if (!rc && it->has_body && !j->entries[i].body)
                j->entries[i].body = (const uint8_t *)""; /* an empty body is a body */
        }
        if (!rc)
            px_feed_verify_sigs(j->entries, n, 1, j->sig_rc);
        j->out.entries = n;
    }
    j->decode_rc = rc;
    if (rc)
        snprintf(j->decode_err, sizeof j->decode_err, "%s", px_err_message(rc));
}

/* --- storing ----------------------------------------------------------------------- */

static bool changes_membership(const px_entry *e)
{
    return strcmp(e->h.kind, "member") == 0 || strcmp(e->h.kind, "revoke") == 0;
}

/* Offer held entries again (an admission may have arrived after its
 * member's entries, or a held entry's time may have come), after
 * recomputing the membership when it may have changed (reload: entries
 * that change it were stored, here or behind the ingester's back; the
 * membership is a function of the store's entries alone, so a periodic
 * release with no such change keeps the one computed last). OUT *released. */
static int refresh_membership(px_ingest *ig, bool reload, uint64_t now, size_t *released)
{
    *released = 0;
    int rc = reload ? px_members_load(&ig->members, ig->store, ig->root) : PX_OK;
    if (!rc)
        rc = px_members_release(&ig->fc, now, released);
    if (!rc && *released > 0) /* admissions or revocations among them count at once */
        rc = px_members_load(&ig->members, ig->store, ig->root);
    /* A released entry may have come without its body: ask again (found
     * by praxis-sim with stripped bodies and clock skew). */
    ig->missing_stale |= *released > 0;
    return rc;
}

/* Store the bodies of a `bodies` reply: each must match the hash its held
 * header names; one that does not is the sender's fault. */
static int store_bodies(px_ingest *ig, px_ingest_job *j)
{
    for (size_t i = 0; i < j->m.n_bodies; i++) {
        const px_msg_body *b = &j->m.bodies[i];
        int rc = px_feed_fill_body(&ig->fc, b->id, b->body, b->len);
        if (rc == PX_OK)
            j->out.filled++;
        else if (rc != PX_ENOENT)
            return rc;
    }
    ig->missing_stale |= j->out.filled > 0;
    return PX_OK;
}

static int store_entries(px_ingest *ig, px_ingest_job *j, uint64_t now, bool *members)
{
    px_entry *entries = j->entries;
    size_t n = j->m.n_items;
    px_ingest_result res = {0};
    int rc = PX_OK;
    for (size_t i = 0; !rc && i < n; i++)
        rc = put_seq(&j->sent, &j->n_sent, &j->cap_sent, entries[i].h.author, entries[i].h.seq);
    if (!rc)
        rc = px_feed_ingest_verified(&ig->fc, entries, n, j->sig_rc, now, &res);
    if (rc == PX_ENOTMEMBER || rc == PX_EAGAIN) {
        /* Not the sender's fault: the admission may not be here yet, or
         * the entry's time has not come on our clock. Hold the author's
         * entries back until then; a bad signature among them is. */
        size_t from = res.bad_index;
        const uint8_t *author = entries[from].h.author;
        rc = PX_OK;
        for (size_t i = from; !rc && i < n; i++) {
            if (memcmp(entries[i].h.author, author, 32) != 0)
                continue;
            if (j->sig_rc[i] != PX_OK) {
                char id[65];
                rc = px_err_set(PX_ESIG, "entry %.16s (seq %llu): signature does not verify",
                                px_id_hex(id, entries[i].id), (unsigned long long)entries[i].h.seq);
            } else if (!px_members_cut_off(&ig->members, author) && /* refused for good */
                       px_members_hold(ig->store, &entries[i], now) == PX_OK) {
                j->out.held++;
            }
        }
    }
    /* Every entry the feed looked at, not only the first res.added: held
     * copies at the head of a batch shift the new ones (a revocation behind
     * a duplicate was once never applied; praxis-sim found it). Counting a
     * duplicate too only costs a membership reload. */
    size_t seen = res.rc ? (res.bad_index < n ? res.bad_index : n) : n;
    for (size_t i = 0; i < seen; i++) {
        *members |= changes_membership(&entries[i]);
        ig->missing_stale |= entries[i].body == NULL;
    }
    ig->missing_stale |= res.bodies > 0;
    j->out.added = res.added;
    j->out.dups = res.dups;
    j->out.forks = res.forks;
    j->out.sig_checks = res.sig_checks;
    j->out.bodies = res.bodies;
    return rc;
}

/* Check and store one prepared job inside the transaction. */
static void ingest_one(px_ingest *ig, px_ingest_job *j, uint64_t now)
{
    bool members = false;
    int rc = j->decode_rc;
    px_err_clear();
    if (rc) {
        j->out.rc = rc;
        snprintf(j->out.err, sizeof j->out.err, "%s", j->decode_err);
        return;
    }
    size_t released = 0;
    if (j->kind == PX_CORE_JOB_RELEASE) {
        rc = refresh_membership(ig, j->members_hint, now, &released);
        j->out.released = released;
        members = j->members_hint || released > 0;
    } else if (j->kind == PX_CORE_JOB_BODIES) {
        rc = store_bodies(ig, j);
    } else {
        rc = store_entries(ig, j, now, &members);
        if (members) { /* admissions may release held entries at once */
            int mrc = refresh_membership(ig, true, now, &released);
            if (!rc)
                rc = mrc;
            j->out.released = released;
        }
    }
    j->out.members_changed = members;
    j->out.rc = rc;
    if (rc)
        snprintf(j->out.err, sizeof j->out.err, "%s", px_err_message(rc));
}

static int collect_head(void *ctx, const px_head *h)
{
    px_ingest_job *j = ctx;
    return put_seq(&j->heads, &j->n_heads, &j->cap_heads, h->author, h->seq);
}

/* Re-read which bodies are missing and hand out the next window of them. */
static void next_want(px_ingest *ig, px_ingest_job *j)
{
    if (ig->missing_stale) {
        if (!ig->missing)
            ig->missing = malloc(MISSING_MAX * sizeof *ig->missing);
        if (!ig->missing ||
            px_store_missing_bodies(ig->store, ig->missing, MISSING_MAX, &ig->n_missing) != PX_OK)
            ig->n_missing = 0;
        ig->missing_stale = false;
        ig->missing_cursor = 0;
    } else if (ig->n_missing <= PX_CORE_WANT_MAX) {
        return; /* the core's window is the whole list already */
    }
    if (ig->missing_cursor >= ig->n_missing)
        ig->missing_cursor = 0;
    size_t k = ig->n_missing - ig->missing_cursor;
    if (k > PX_CORE_WANT_MAX)
        k = PX_CORE_WANT_MAX;
    if (k)
        memcpy(j->want, ig->missing + ig->missing_cursor, k * 32);
    j->out.want = (const uint8_t(*)[32])j->want;
    j->out.n_want = k;
    j->out.want_set = true;
    ig->missing_cursor += k;
}

int px_ingest_run(px_ingest *ig, px_ingest_job *const *jobs, size_t n, uint64_t now_ms)
{
    bool any_held = false, release = false;
    for (size_t i = 0; i < n; i++)
        px_ingest_prepare(jobs[i]);
    int rc = px_store_begin(ig->store);
    for (size_t i = 0; i < n; i++) {
        px_ingest_job *j = jobs[i];
        if (rc) {
            j->out.rc = rc;
            snprintf(j->out.err, sizeof j->out.err, "%s", px_err_message(rc));
            continue;
        }
        ingest_one(ig, j, now_ms);
        any_held |= j->out.held > 0;
        release |= j->kind == PX_CORE_JOB_RELEASE || j->out.released > 0;
    }
    if (!rc) {
        rc = px_store_commit(ig->store);
        if (rc)
            px_store_rollback(ig->store);
        for (size_t i = 0; rc && i < n; i++) {
            /* Nothing was stored after all. */
            px_core_outcome *o = &jobs[i]->out;
            o->added = o->held = o->filled = o->bodies = o->released = o->forks = 0;
            o->members_changed = false;
            o->rc = rc;
            snprintf(o->err, sizeof o->err, "%s", px_err_message(rc));
        }
    }
    uint64_t count = 0, bytes = 0;
    if ((release || any_held) && px_store_held_stats(ig->store, &count, &bytes) == PX_OK)
        ig->held_left = count > 0;
    for (size_t i = 0; i < n; i++) {
        px_ingest_job *j = jobs[i];
        if (j->out.released > 0) {
            /* Released entries grew feeds that the message did not name. */
            if (px_store_each_feed(ig->store, collect_head, j) != PX_OK)
                j->n_heads = 0;
        } else {
            for (size_t k = 0; k < j->n_sent; k++) {
                px_head h;
                if (px_store_head(ig->store, j->sent[k].author, &h) == PX_OK &&
                    collect_head(j, &h) != PX_OK)
                    break;
            }
        }
        j->out.sent = j->sent;
        j->out.n_sent = j->n_sent;
        j->out.heads = j->heads;
        j->out.n_heads = j->n_heads;
        j->out.held_left = ig->held_left;
    }
    if (n > 0) {
        next_want(ig, jobs[n - 1]);
        for (size_t i = 0; i < n; i++)
            jobs[i]->out.missing_stale = ig->missing_stale;
    }
    return rc;
}

int px_ingest_index_backlog(px_ingest *ig, size_t *indexed, bool *left)
{
    *indexed = 0;
    *left = false;
    if (!ig->index_fn)
        return PX_OK;
    uint8_t(*ids)[32] = malloc(INDEX_CHUNK * sizeof *ids);
    size_t n = 0;
    px_buf body = {0};
    int rc = ids ? px_store_begin(ig->store) : PX_ENOMEM;
    bool began = rc == PX_OK;
    if (!rc)
        rc = px_store_unindexed(ig->store, ids, INDEX_CHUNK, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        px_entry e;
        px_entry_meta m;
        rc = px_store_get(ig->store, ids[i], &e, &body, &m);
        int flags = m.flags & ~PX_ENTRY_FLAG_UNINDEXED;
        if (!rc)
            rc = ig->index_fn(ig->store, &e, flags);
        if (!rc)
            rc = px_store_set_flags(ig->store, ids[i], flags);
        if (rc == PX_EFORMAT) /* a damaged row: verify names it; do not loop on it */
            rc = px_store_set_flags(ig->store, ids[i], flags);
    }
    if (began) {
        if (!rc)
            rc = px_store_commit(ig->store);
        if (rc)
            px_store_rollback(ig->store);
    }
    *indexed = rc ? 0 : n;
    *left = !rc && n == INDEX_CHUNK;
    px_buf_free(&body);
    free(ids);
    return rc;
}

/* --- loads --------------------------------------------------------------------------- */

typedef struct load_ctx {
    px_buf *items;
    size_t count;
    uint64_t last_seq;
    uint64_t until;
    size_t max_bytes;
} load_ctx;

static int add_item(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    load_ctx *b = ctx;
    if (m->decode_rc)
        return m->decode_rc; /* a damaged store: stop; verify will name it */
    if (e->h.seq > b->until)
        return PX_EAGAIN; /* past its author's cut: evidence, not forwarded */
    int rc = px_archive_put(b->items, e);
    if (rc)
        return rc;
    b->count++;
    b->last_seq = e->h.seq;
    return b->items->len >= b->max_bytes ? PX_EAGAIN : PX_OK;
}

int px_ingest_load(px_store *s, const px_core_action *a, px_buf *items, size_t *count,
                   uint64_t *last_seq)
{
    load_ctx b = {.items = items, .until = a->until_seq, .max_bytes = a->max_bytes};
    int rc = px_store_each(s, a->author, a->from_seq, a->max_entries, add_item, &b);
    *count = b.count;
    *last_seq = b.last_seq;
    return rc == PX_EAGAIN ? PX_OK : rc;
}

void px_ingest_answer_load(px_store *s, px_core *c, const px_core_action *a, px_buf *scratch,
                           uint64_t now_ms)
{
    size_t count = 0;
    uint64_t last = 0;
    px_buf_reset(scratch);
    int rc = px_ingest_load(s, a, scratch, &count, &last);
    px_core_loaded(c, a->job, rc, scratch->data, scratch->len, count, last, now_ms);
}

void px_ingest_load_bodies(px_store *s, px_core *c, const px_core_action *a, uint64_t now_ms)
{
    px_core_body found[PX_CORE_WANT_MAX];
    px_buf bufs[PX_CORE_WANT_MAX];
    px_entry es[PX_CORE_WANT_MAX];
    size_t n = 0, bytes = 0;
    int rc = PX_OK;
    memset(bufs, 0, sizeof bufs);
    for (size_t i = 0; i < a->n_ids && n < PX_CORE_WANT_MAX && bytes < PX_CORE_BODIES_BYTES; i++) {
        int grc = px_store_get(s, a->ids[i], &es[n], &bufs[n], NULL);
        if (grc == PX_ENOENT || (!grc && !es[n].body))
            continue;
        if (grc) {
            rc = grc;
            break;
        }
        found[n].id = a->ids[i];
        found[n].author = es[n].h.author;
        found[n].seq = es[n].h.seq;
        found[n].body = es[n].body;
        found[n].len = es[n].body_len;
        bytes += es[n].body_len;
        n++;
    }
    px_core_bodies_loaded(c, a->job, rc, found, rc ? 0 : n, now_ms);
    for (size_t i = 0; i < PX_CORE_WANT_MAX; i++)
        px_buf_free(&bufs[i]);
}

/* --- what a store holds --------------------------------------------------------------- */

typedef struct feed_ctx {
    px_core_seq *v;
    size_t n, cap;
    int rc;
} feed_ctx;

static int add_head(void *ctx, const px_head *h)
{
    feed_ctx *f = ctx;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        px_core_seq *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return PX_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    memcpy(f->v[f->n].author, h->author, 32);
    f->v[f->n].seq = h->seq;
    f->n++;
    return PX_OK;
}

typedef struct fork_ctx {
    px_store *store;
    px_core *core;
} fork_ctx;

/* The proof (the second entry) and, after it, the variant this store
 * holds at that seq: a peer that holds either one learns of the other. */
static int add_fork(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    fork_ctx *f = ctx;
    px_buf items = {0}, body = {0};
    px_entry held;
    size_t count = 1;
    (void)m;
    int rc = px_archive_put(&items, e);
    if (!rc) {
        int grc = px_store_get_seq(f->store, e->h.author, e->h.seq, &held, &body, NULL);
        if (grc == PX_OK && memcmp(held.id, e->id, 32) != 0) {
            rc = px_archive_put(&items, &held);
            count = 2;
        } else if (grc != PX_OK && grc != PX_ENOENT) {
            rc = grc;
        }
    }
    if (!rc)
        rc = px_core_add_fork(f->core, e->h.author, e->h.seq, (const uint8_t *)items.data,
                              items.len, count);
    px_buf_free(&items);
    px_buf_free(&body);
    return rc;
}

int px_ingest_feed_core(px_store *s, px_core *c, uint64_t now_ms)
{
    feed_ctx f = {0};
    int rc = px_store_each_feed(s, add_head, &f);
    if (!rc)
        rc = px_store_each_fork(s, add_fork, &(fork_ctx){s, c});
    if (!rc)
        rc = px_core_local_changed(c, f.v, f.n, now_ms);
    free(f.v);
    return rc;
}
