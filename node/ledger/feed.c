/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed.c — append, ingest, fork detection, whole-store verification and
 * purge (see feed.h).
 *
 * Layout: naming helpers for error details; the pure next-entry check;
 * append; ingest; verify (a single SQLite walk that checks chains and
 * bodies, while signatures are checked in batches across threads); purge.
 */
#include "feed.h"

#include "crypto.h"
#include "error.h"
#include "kinds.h"
#include "progress.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "entry 1a2b3c4d… (seq 7 of feed 9f8e7d6c…)" — short, but enough to find
 * it with `praxis show` / `praxis log`. */
static const char *name_entry(char buf[96], const px_entry *e)
{
    char id[65], author[65];
    px_hex_encode(id, e->id, 32);
    px_hex_encode(author, e->h.author, 32);
    snprintf(buf, 96, "entry %.16s (seq %llu of feed %.16s)", id, (unsigned long long)e->h.seq,
             author);
    return buf;
}

int px_feed_check_next(const uint8_t network_id[32], const px_head *head, const px_entry *e)
{
    char who[96];
    if (memcmp(e->h.network_id, network_id, 32) != 0)
        return px_err_set(PX_ENETWORK, "%s was signed for another network", name_entry(who, e));
    if (!head) {
        if (e->h.seq != 1)
            return px_err_set(PX_ESEQ, "%s: feed not held, so the next entry must be seq 1",
                              name_entry(who, e));
        return PX_OK;
    }
    if (e->h.seq != head->seq + 1)
        return px_err_set(PX_ESEQ, "%s does not follow the held head (seq %llu)",
                          name_entry(who, e), (unsigned long long)head->seq);
    if (!e->h.has_prev || memcmp(e->h.prev, head->id, 32) != 0)
        return px_err_set(PX_EPREV, "%s: its prev is not the id of entry seq %llu",
                          name_entry(who, e), (unsigned long long)head->seq);
    if (e->h.timestamp_ms < head->timestamp_ms)
        return px_err_set(PX_ETIME, "%s: timestamp %llu is before its predecessor's %llu",
                          name_entry(who, e), (unsigned long long)e->h.timestamp_ms,
                          (unsigned long long)head->timestamp_ms);
    return PX_OK;
}

static int schema_flags(const px_feed_ctx *fc, const px_entry *e)
{
    int flags = fc->extra_flags;
    if (fc->schema && e->body)
        flags |= fc->schema(e->h.kind, e->body, e->body_len);
    return flags;
}

/* Let the index hook see e, stored with flags; it is told whether the
 * schema hook has judged the body. */
static int index_hook(const px_feed_ctx *fc, const px_entry *e, int flags)
{
    if (!fc->index)
        return PX_OK;
    if (fc->schema && e->body)
        flags |= PX_FEED_SCHEMA_CHECKED;
    return fc->index(fc->store, e, flags);
}

/* Store an entry as the new head, then let the index hook see it. */
static int put_indexed(const px_feed_ctx *fc, const px_entry *e, uint64_t now_ms)
{
    int flags = schema_flags(fc, e);
    int rc = px_store_put(fc->store, e, flags, now_ms);
    if (!rc)
        rc = index_hook(fc, e, flags);
    return rc;
}

int px_feed_sign_next(const px_feed_ctx *fc, const px_identity *me, const px_head *head,
                      const char *kind, const uint8_t *body, size_t len, uint64_t now_ms,
                      px_entry *out)
{
    px_header h = {0};
    bool empty = head == NULL;
    if (px_is_zero(me->sk, 32))
        return px_err_set(PX_EPERM, "no secret key is loaded to sign with (the data directory "
                                    "was opened for reading only)");
    if (!empty && head->frozen)
        return px_err_set(PX_EFORK, "this node's own feed is frozen by a fork; it cannot grow");
    if (!px_kind_valid(kind))
        return px_err_set(PX_EINVAL, "kind '%s' is not a valid kind name", kind);
    memcpy(h.network_id, fc->network_id, 32);
    memcpy(h.author, me->pk, 32);
    h.seq = empty ? 1 : head->seq + 1;
    h.has_prev = !empty;
    if (!empty)
        memcpy(h.prev, head->id, 32);
    h.timestamp_ms = (!empty && head->timestamp_ms > now_ms) ? head->timestamp_ms : now_ms;
    memcpy(h.kind, kind, strlen(kind) + 1);
    return px_entry_sign(out, &h, body, len, me->sk);
}

int px_feed_put_signed(const px_feed_ctx *fc, const px_entry *e, uint64_t now_ms)
{
    return put_indexed(fc, e, now_ms);
}

int px_feed_append(const px_feed_ctx *fc, const px_identity *me, const char *kind,
                   const uint8_t *body, size_t len, uint64_t now_ms, px_entry *out)
{
    px_head head;
    int rc = px_store_head(fc->store, me->pk, &head);
    bool empty = rc == PX_ENOENT;
    if (rc && !empty)
        return rc;
    rc = px_feed_sign_next(fc, me, empty ? NULL : &head, kind, body, len, now_ms, out);
    if (rc)
        return rc;
    /* One verdict everywhere: what we publish passes the same check as
     * what we receive (a damaged key or a faulty signer stops here). */
    if (px_entry_verify_sig(out) != PX_OK)
        return px_err_set(PX_ESIG, "the entry this node just signed does not verify; "
                                   "its secret key may be damaged");
    return put_indexed(fc, out, now_ms);
}

bool px_feed_needs_body(const char *kind)
{
    return px_kind_is(kind, PX_KIND_NEEDS_BODY);
}

/* The held copy of e came without its body and e carries it (checked
 * against the hash already): fill it in, with the flags a whole entry
 * would have got, and let the index see it. */
static int fill_body(const px_feed_ctx *fc, const px_entry *e, size_t *filled)
{
    int flags = schema_flags(fc, e);
    int rc = px_store_fill_body(fc->store, e->id, e->body, e->body_len, flags);
    if (rc == PX_ENOENT)
        return PX_OK; /* purged here on purpose, or filled meanwhile */
    if (!rc)
        rc = index_hook(fc, e, flags);
    if (!rc && filled)
        (*filled)++;
    return rc;
}

/* An entry for a seq we already hold: the same one, or a fork. sig_rc:
 * the verdict on e's signature if known, or 1 to verify it here. frozen:
 * the feed has a fork proof already (one per feed is enough). */
static int check_held(const px_feed_ctx *fc, const px_entry *e, int sig_rc, bool frozen,
                      uint64_t now_ms, size_t *filled)
{
    px_entry held;
    px_entry_meta meta;
    char who[96];
    int rc = px_store_get_seq(fc->store, e->h.author, e->h.seq, &held, NULL, &meta);
    if (rc == PX_ENOENT)
        return px_err_set(PX_ESEQ, "%s: earlier entries of this feed are missing",
                          name_entry(who, e));
    if (rc)
        return rc;
    if (memcmp(held.id, e->id, 32) == 0) {
        if (!held.body && !meta.purged && e->body) {
            rc = fill_body(fc, e, filled);
            if (rc)
                return rc;
        }
        return PX_EDUP;
    }
    /* Only a validly signed second entry proves a fork: anyone could make
     * up an unsigned one (and whoever sends one is at fault). */
    if (sig_rc > 0)
        sig_rc = px_entry_verify_sig(e);
    if (sig_rc)
        return px_err_set(PX_ESIG, "%s: signature does not verify", name_entry(who, e));
    if (frozen)
        return PX_EFORK; /* proven already: further variants are not kept */
    rc = px_store_put_fork(fc->store, e, now_ms);
    if (rc)
        return rc;
    return px_err_set(PX_EFORK, "%s conflicts with the held entry of the same seq: feed frozen",
                      name_entry(who, e));
}

/* Checks that need no head: network, membership, body, clock. */
static int precheck(const px_feed_ctx *fc, const px_entry *e, uint64_t now_ms)
{
    char who[96];
    if (memcmp(e->h.network_id, fc->network_id, 32) != 0)
        return px_err_set(PX_ENETWORK, "%s was signed for another network", name_entry(who, e));
    if (fc->is_member && !fc->is_member(fc->member_ctx, e->h.author, e->h.seq, e->h.kind))
        return px_err_set(PX_ENOTMEMBER, "%s: its author is not an admitted member",
                          name_entry(who, e));
    int rc = px_entry_check_body(e);
    if (rc)
        return px_err_set(rc, "%s: body does not match its hash or size", name_entry(who, e));
    if (!e->body && px_feed_needs_body(e->h.kind))
        return px_err_set(PX_ENOENT,
                          "%s: a %s entry arrived without its body; it counts only whole",
                          name_entry(who, e), e->h.kind);
    uint64_t ahead = fc->max_ahead_ms ? fc->max_ahead_ms : PX_FEED_MAX_AHEAD_MS;
    if (e->h.timestamp_ms > now_ms && e->h.timestamp_ms - now_ms > ahead)
        return px_err_set(
            PX_EAGAIN, "%s is stamped %llu s ahead of this node's clock; held until then",
            name_entry(who, e), (unsigned long long)((e->h.timestamp_ms - now_ms) / 1000));
    return PX_OK;
}

int px_feed_ingest(const px_feed_ctx *fc, const px_entry *e, unsigned opts, uint64_t now_ms)
{
    px_head head;
    char who[96];
    int rc = precheck(fc, e, now_ms);
    if (rc)
        return rc;
    rc = px_store_head(fc->store, e->h.author, &head);
    if (rc && rc != PX_ENOENT)
        return rc;
    bool empty = rc == PX_ENOENT;
    int sig_rc = (opts & PX_INGEST_SIG_CHECKED) ? PX_OK : 1;
    if (!empty && e->h.seq <= head.seq)
        return check_held(fc, e, sig_rc, head.frozen, now_ms, NULL);
    if (!empty && head.frozen)
        return px_err_set(PX_EFORK, "%s extends a feed frozen by a fork", name_entry(who, e));
    rc = px_feed_check_next(fc->network_id, empty ? NULL : &head, e);
    if (rc)
        return rc;
    if (sig_rc > 0 && px_entry_verify_sig(e) != PX_OK)
        return px_err_set(PX_ESIG, "%s: signature does not verify", name_entry(who, e));
    return put_indexed(fc, e, now_ms);
}

int px_feed_fill_body(const px_feed_ctx *fc, const uint8_t id[32], const uint8_t *body, size_t len)
{
    px_entry e;
    px_entry_meta m;
    char who[96];
    int rc = px_store_get(fc->store, id, &e, NULL, &m);
    if (rc)
        return rc;
    if (e.body || m.purged)
        return PX_ENOENT; /* not missing */
    e.body = body ? body : (const uint8_t *)"";
    e.body_len = len;
    rc = px_entry_check_body(&e);
    if (rc)
        return px_err_set(rc, "%s: the body sent for it does not match its hash or size",
                          name_entry(who, &e));
    size_t filled = 0;
    rc = fill_body(fc, &e, &filled);
    return rc ? rc : filled ? PX_OK : PX_ENOENT;
}

/* --- batches: every signature, verified in parallel ------------------------- */

typedef struct sig_part {
    const px_entry *entries;
    size_t n;
    int *rc;
} sig_part;

static void *verify_part(void *arg)
{
    sig_part *p = arg;
    for (size_t i = 0; i < p->n; i++)
        p->rc[i] = px_entry_verify_sig(&p->entries[i]) == PX_OK ? PX_OK : PX_ESIG;
    return NULL;
}

int px_feed_sig_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

void px_feed_verify_sigs(const px_entry *entries, size_t n, int threads, int *sig_rc)
{
    enum { MAX_THREADS = 8, MIN_PER_THREAD = 16 };
    pthread_t tid[MAX_THREADS];
    sig_part parts[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    int nt = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
    if ((size_t)nt > n / MIN_PER_THREAD + 1)
        nt = (int)(n / MIN_PER_THREAD + 1); /* small batches: not worth a thread */
    size_t per = (n + (size_t)nt - 1) / (size_t)nt;
    for (int t = 0; t < nt; t++) {
        size_t from = (size_t)t * per;
        parts[t] = (sig_part){.entries = entries + from,
                              .n = from >= n ? 0 : (from + per > n ? n - from : per),
                              .rc = sig_rc + from};
        /* The last part runs here; so does any part whose thread fails. */
        if (t < nt - 1 && parts[t].n > 0 &&
            pthread_create(&tid[t], NULL, verify_part, &parts[t]) == 0)
            started[t] = true;
        else if (parts[t].n > 0)
            verify_part(&parts[t]);
    }
    for (int t = 0; t < nt; t++)
        if (started[t])
            pthread_join(tid[t], NULL);
}

/* Store entries[from, to) of one feed, whose links, rules and signatures
 * are checked, and set the head once. */
static int store_run(const px_feed_ctx *fc, const px_entry *entries, size_t from, size_t to,
                     uint64_t now_ms, px_ingest_result *res)
{
    int xrc = PX_OK; /* the index hook failed: what was inserted keeps its head */
    size_t end = to;
    for (size_t k = from; k < to; k++) {
        int flags = schema_flags(fc, &entries[k]);
        int irc = px_store_insert(fc->store, &entries[k], flags, now_ms);
        if (irc)
            return irc;
        res->added++;
        xrc = index_hook(fc, &entries[k], flags);
        if (xrc) {
            end = k + 1;
            break;
        }
    }
    const px_entry *last = &entries[end - 1];
    px_head h = {.seq = last->h.seq, .timestamp_ms = last->h.timestamp_ms};
    memcpy(h.author, last->h.author, 32);
    memcpy(h.id, last->id, 32);
    int hrc = px_store_set_head(fc->store, &h);
    return hrc ? hrc : xrc;
}

int px_feed_ingest_batch(const px_feed_ctx *fc, const px_entry *entries, size_t n, uint64_t now_ms,
                         px_ingest_result *res)
{
    int *sig_rc = malloc((n ? n : 1) * sizeof *sig_rc);
    if (!sig_rc) {
        memset(res, 0, sizeof *res);
        return res->rc = PX_ENOMEM;
    }
    px_feed_verify_sigs(entries, n, px_feed_sig_threads(), sig_rc);
    int rc = px_feed_ingest_verified(fc, entries, n, sig_rc, now_ms, res);
    free(sig_rc);
    return rc;
}

int px_feed_ingest_verified(const px_feed_ctx *fc, const px_entry *entries, size_t n,
                            const int *sig_rc, uint64_t now_ms, px_ingest_result *res)
{
    char who[96];
    memset(res, 0, sizeof *res);
    res->sig_checks = n;
    size_t i = 0;
    while (i < n) {
        const px_entry *e = &entries[i];
        px_head head;
        int rc = precheck(fc, e, now_ms);
        if (!rc) {
            rc = px_store_head(fc->store, e->h.author, &head);
            if (rc == PX_ENOENT) {
                rc = PX_OK;
                memset(&head, 0, sizeof head);
            }
        }
        if (!rc && head.seq > 0 && e->h.seq <= head.seq) {
            rc = check_held(fc, e, sig_rc[i], head.frozen, now_ms, &res->bodies);
            if (rc == PX_EDUP || rc == PX_EFORK) {
                *(rc == PX_EDUP ? &res->dups : &res->forks) += 1;
                i++;
                continue;
            }
        } else if (!rc && head.seq > 0 && head.frozen) {
            res->forks++; /* a frozen feed does not grow; not the sender's fault */
            i++;
            continue;
        }
        if (rc) {
            res->rc = rc;
            res->bad_index = i;
            return rc;
        }
        /* Collect the run of this feed that links onto the head; it ends at
         * the first entry that breaks a rule, its signature included. */
        size_t j = i;
        int run_rc = PX_OK;
        px_head prev = head;
        while (j < n && memcmp(entries[j].h.author, e->h.author, 32) == 0) {
            if (entries[j].h.seq <= prev.seq && prev.seq > 0)
                break; /* a duplicate inside the batch: handled on the next turn */
            run_rc = j == i ? PX_OK : precheck(fc, &entries[j], now_ms);
            if (!run_rc)
                run_rc = px_feed_check_next(fc->network_id, prev.seq ? &prev : NULL, &entries[j]);
            if (!run_rc && sig_rc[j] != PX_OK)
                run_rc = px_err_set(PX_ESIG, "%s: signature does not verify",
                                    name_entry(who, &entries[j]));
            if (run_rc)
                break;
            prev.seq = entries[j].h.seq;
            memcpy(prev.id, entries[j].id, 32);
            prev.timestamp_ms = entries[j].h.timestamp_ms;
            j++;
        }
        if (j > i) {
            char detail[512];
            snprintf(detail, sizeof detail, "%s", px_err_detail());
            rc = store_run(fc, entries, i, j, now_ms, res);
            if (rc) {
                res->rc = rc;
                res->bad_index = j;
                return rc;
            }
            if (run_rc) /* keep the refusal's detail, not the store's */
                px_err_set(run_rc, "%s", detail);
        }
        if (run_rc) {
            res->rc = run_rc;
            res->bad_index = j;
            return run_rc;
        }
        i = j;
    }
    return PX_OK;
}

/* --- verify ---------------------------------------------------------------
 * The walk over SQLite is sequential (one connection); signature checks,
 * the expensive part, are queued and checked in batches by `threads`
 * threads. A problem found by the walk first drains the queue, so the
 * report always names the earliest bad entry in (author, seq) order. */

enum { BATCH = 4096 };

typedef struct sig_job {
    uint8_t msg[15 + PX_HEADER_MAX];
    size_t msg_len;
    uint8_t sig[64];
    uint8_t author[32];
    uint8_t id[32];
    uint64_t seq;
    int rc;
} sig_job;

typedef struct verify_walk {
    px_store *store;
    const uint8_t *network_id;
    int threads;
    px_verify_report *rep;
    sig_job *jobs;
    size_t n_jobs;
    bool have_prev;
    px_head prev; /* the previous entry of the current feed */
    px_progress progress;
    uint64_t seen; /* entries walked */
} verify_walk;

typedef struct sig_slice {
    sig_job *jobs;
    size_t n;
} sig_slice;

static void *verify_slice(void *arg)
{
    sig_slice *sl = arg;
    for (size_t i = 0; i < sl->n; i++) {
        sig_job *j = &sl->jobs[i];
        j->rc = px_sign_verify(j->sig, j->msg, j->msg_len, j->author);
    }
    return NULL;
}

static void fill_bad(px_verify_report *rep, const uint8_t id[32], const uint8_t author[32],
                     uint64_t seq)
{
    rep->bad = true;
    memcpy(rep->bad_id, id, 32);
    memcpy(rep->bad_author, author, 32);
    rep->bad_seq = seq;
}

static int drain(verify_walk *w)
{
    enum { MAX_THREADS = 16 };
    pthread_t tid[MAX_THREADS];
    sig_slice slices[MAX_THREADS];
    int nt = w->threads < 1 ? 1 : (w->threads > MAX_THREADS ? MAX_THREADS : w->threads);
    size_t per = (w->n_jobs + (size_t)nt - 1) / (size_t)nt;
    int started = 0;
    for (int t = 0; t < nt; t++) {
        size_t from = (size_t)t * per;
        if (from >= w->n_jobs)
            break;
        slices[t].jobs = w->jobs + from;
        slices[t].n = from + per > w->n_jobs ? w->n_jobs - from : per;
        if (t == nt - 1 || pthread_create(&tid[t], NULL, verify_slice, &slices[t]) != 0) {
            verify_slice(&slices[t]); /* last slice (or no thread): on this one */
            continue;
        }
        started |= 1 << t;
    }
    for (int t = 0; t < nt; t++)
        if (started & (1 << t))
            pthread_join(tid[t], NULL);
    size_t n = w->n_jobs;
    w->n_jobs = 0;
    for (size_t i = 0; i < n; i++) {
        sig_job *j = &w->jobs[i];
        if (j->rc) {
            char id[65], author[65];
            fill_bad(w->rep, j->id, j->author, j->seq);
            return px_err_set(PX_ESIG, "entry %s (seq %llu of feed %s): signature does not verify",
                              px_id_hex(id, j->id), (unsigned long long)j->seq,
                              px_id_hex(author, j->author));
        }
    }
    return PX_OK;
}

/* Report a problem found by the walk, unless a queued signature failure
 * comes before it. The entry is named by its id as stored, which is what
 * `praxis log` showed the user. */
static int walk_fail(verify_walk *w, const px_entry *e, const px_entry_meta *m, int rc,
                     const char *what)
{
    char detail[512], id[65], author[65];
    snprintf(detail, sizeof detail, "%s", px_err_detail());
    int drc = drain(w);
    if (drc)
        return drc;
    fill_bad(w->rep, m->stored_id, e->h.author, e->h.seq);
    return px_err_set(rc, "entry %s (seq %llu of feed %s): %s%s%s", px_id_hex(id, m->stored_id),
                      (unsigned long long)e->h.seq, px_id_hex(author, e->h.author), what,
                      detail[0] ? ": " : "", detail);
}

static int verify_one(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    verify_walk *w = ctx;
    int rc;
    px_progress_step(&w->progress, ++w->seen);
    px_err_clear();
    if (m->decode_rc)
        return walk_fail(w, e, m, m->decode_rc, "stored header is damaged");
    if (memcmp(e->id, m->stored_id, 32) != 0) {
        px_err_clear();
        return walk_fail(w, e, m, PX_EHASH,
                         "stored id is not the hash of its header and signature");
    }
    bool new_feed = !w->have_prev || memcmp(w->prev.author, e->h.author, 32) != 0;
    if (new_feed)
        w->rep->feeds++;
    px_err_clear();
    rc = px_feed_check_next(w->network_id, new_feed ? NULL : &w->prev, e);
    if (rc)
        return walk_fail(w, e, m, rc, "broken chain");
    if (e->body) {
        rc = px_entry_check_body(e);
        if (rc)
            return walk_fail(w, e, m, rc, "body does not match its hash");
    } else {
        w->rep->purged++;
    }
    sig_job *j = &w->jobs[w->n_jobs++];
    memcpy(j->msg, "praxis-entry-v1", 15);
    memcpy(j->msg + 15, e->header_bytes, e->header_len);
    j->msg_len = 15 + e->header_len;
    memcpy(j->sig, e->sig, 64);
    memcpy(j->author, e->h.author, 32);
    memcpy(j->id, e->id, 32);
    j->seq = e->h.seq;
    w->rep->entries++;
    w->have_prev = true;
    memcpy(w->prev.author, e->h.author, 32);
    w->prev.seq = e->h.seq;
    memcpy(w->prev.id, e->id, 32);
    w->prev.timestamp_ms = e->h.timestamp_ms;
    return w->n_jobs == BATCH ? drain(w) : PX_OK;
}

/* Each feed head must name the last entry of its feed. */
static int verify_head(void *ctx, const px_head *h)
{
    verify_walk *w = ctx;
    px_entry last, next;
    char author[65];
    if (h->frozen)
        w->rep->forks++;
    int rc = px_store_get_seq(w->store, h->author, h->seq, &last, NULL, NULL);
    bool ok = rc == PX_OK && memcmp(last.id, h->id, 32) == 0 &&
              px_store_get_seq(w->store, h->author, h->seq + 1, &next, NULL, NULL) == PX_ENOENT;
    if (rc && rc != PX_ENOENT)
        return rc;
    if (!ok) {
        w->rep->bad = true;
        memcpy(w->rep->bad_author, h->author, 32);
        memcpy(w->rep->bad_id, h->id, 32);
        w->rep->bad_seq = h->seq;
        return px_err_set(PX_ESTORE, "feed %s: recorded head (seq %llu) is not its last entry",
                          px_id_hex(author, h->author), (unsigned long long)h->seq);
    }
    return PX_OK;
}

int px_feed_verify(px_store *s, const uint8_t network_id[32], int threads, px_verify_report *out)
{
    int rc = PX_OK;
    verify_walk w = {.store = s, .network_id = network_id, .threads = threads, .rep = out};
    memset(out, 0, sizeof *out);
    w.jobs = malloc(sizeof(sig_job) * BATCH);
    if (!w.jobs)
        return PX_ENOMEM;
    uint64_t total = 0;
    if (px_progress_enabled() && px_store_count(s, &total) != PX_OK)
        total = 0; /* only the progress line needs it */
    px_progress_start(&w.progress, "verifying", "entries", total);
    rc = px_store_each(s, NULL, 0, 0, verify_one, &w);
    px_progress_done(&w.progress);
    if (!rc)
        rc = drain(&w);
    if (!rc)
        rc = px_store_each_feed(s, verify_head, &w);
    free(w.jobs);
    return rc;
}

int px_feed_purge(px_store *s, const uint8_t id[32])
{
    return px_store_purge(s, id);
}
