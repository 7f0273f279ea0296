/* SPDX-License-Identifier: Apache-2.0 */
/*
 * publish.c — publishing records (see publish.h).
 *
 * Everything happens in one write transaction: each record is converted,
 * checked and — while nothing has been rejected — signed, appended and
 * indexed at once, so later records see earlier ones through the index
 * and memory is bounded per record. Once a record is rejected the rest are
 * only checked (every error of every record is listed) and px_pub_finish
 * rolls everything back.
 *
 * Layout: the state; the error list; indicator scales; the checks of one
 * record; adding JSON records; CSV; streaming files; finishing.
 */
#include "publish.h"

#include "blob.h"
#include "csvin.h"
#include "error.h"
#include "index.h"
#include "kinds.h"
#include "jsonmp.h"
#include "progress.h"
#include "records.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <fcntl.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A JSON record's text may be at most this long (a body is at most 128 KiB
 * of msgpack; JSON escapes can make the text several times longer). */
#define RECORD_TEXT_MAX (4u * 1024u * 1024u)
#define READ_CHUNK (256u * 1024u)

/* The kinds' names are kinds.h's (pointers into its table: compared as such). */
#define BENCHMARK (px_kind_get(PX_KIND_BENCHMARK)->name)

/* An indicator scale known to this publication. */
typedef struct scale {
    char *code;
    int64_t version;
    bool found;
    int64_t
        asked; /* -1: an indicator of this publication; else the version looked up (0: latest) */
    double min, max;
} scale;

/* The pipeline (see "the pipeline" below). */
typedef struct pub_slot {
    px_entry e;
    px_buf body;
    const char *kind; /* kinds.h's name */
    size_t nid;       /* where its id goes in px_pub's ids */
} pub_slot;

enum {
    PIPE_SLOTS = 1024, /* records handed over ahead of the storing thread */
    PIPE_REFILL = 256, /* a full ring wakes the checking thread once this many are free */
    PIPE_AFTER = 64,   /* plain case studies before the pipeline starts */
};

/* PRAXIS_PUBLISH_TIMING set (to anything but "" or "0"): the storing
 * thread writes a line to stderr per PIPE_TIMING_EVERY entries stored,
 * with the wall time and, per entry, each thread's CPU time, the storing
 * thread's split between the entries table and the records index, and
 * the time each thread waited for another. For finding where a big load
 * spends its time (bench/publish.sh); off, it costs nothing but a test. */
enum { PIPE_TIMING_EVERY = 100000 };

typedef struct pipe_timing {
    bool on;
    clockid_t reader_clock, signer_clock, storer_clock; /* thread CPU clocks */
    bool have_clocks;
    /* seconds so far: CPU of the storing thread in the two halves, wall
     * time waiting (the signer for bodies, the storer for entries, the
     * reader for room), all under the pipeline's mutex */
    double insert, index, sign_wait, store_wait, room_wait;
    /* the same at the start of the block, and the thread clocks then */
    double at_insert, at_index, at_sign_wait, at_store_wait, at_room_wait;
    double at_wall, at_reader, at_signer, at_storer;
    double signer_end; /* its CPU clock as it ended (>= 0 once it has) */
    size_t at_stored;
} pipe_timing;

/* One ring of slots and three counters: made (bodies handed over by the
 * checking thread) >= sealed (signed by the signing thread) >= stored (by
 * the storing thread) >= taken (ids copied back into px_pub's list). */
typedef struct pub_pipe {
    pthread_t signer, storer;
    bool have_signer, have_storer;
    pthread_mutex_t mu;
    pthread_cond_t to_sign, to_store, room;
    size_t made, sealed, stored, taken;
    bool stop;
    bool sign_idle, store_idle, full; /* who waits: for a body, an entry, room */
    int rc;                           /* the first failure of either thread */
    char why[512];                    /* its detail */
    px_feed_ctx fc;
    const px_identity *me;
    uint64_t now;
    px_head head;      /* the feed's head as signed so far (the signing thread's) */
    bool verified_one; /* the first entry signed was verified */
    bool head_unsaved; /* stored entries past the head in the feeds table */
    pipe_timing t;
    pub_slot slots[PIPE_SLOTS];
} pub_pipe;

typedef struct source {
    px_pub_source pub;
    char *name;
    size_t first; /* index of its first entry in ids */
} source;

struct px_pub {
    px_local *l;
    px_pub_opts o;
    bool in_tx, finished;
    uint64_t now;
    long long cache_was;  /* the connection's cache_size before (0: unchanged) */
    px_index_bulk bulk;   /* the full-text index set up for a bulk load (pipe_start) */
    px_buf body;          /* one record's msgpack */
    px_pub_fast *fast;    /* the fast reading of plain case studies (made on first use) */
    px_blobs *blobs;      /* opened for the first attachment */
    px_progress progress; /* records so far, on a terminal (progress.h) */
    uint64_t nrecords;

    px_pub_error *errs;
    size_t nkept, errcap, nerrs, rejected;

    /* the record being checked */
    source *cur;
    size_t cur_src;
    const char *cur_kind;
    size_t cur_record, cur_line;
    bool cur_bad;

    source *src;
    size_t nsrc, srccap;

    uint8_t (*ids)[32];
    uint8_t *replaced; /* one bit per entry */
    size_t nids, idcap;

    scale *scales;
    size_t nscales;

    /* the pipeline: have_head says its head is the feed's (false after
     * px_feed_append moved it); nplain counts the plain case studies */
    pub_pipe *pipe;
    bool have_head, cur_plain;
    bool verified_one; /* outside the pipeline: the first entry signed was verified */
    size_t nplain;

    /* identities of this publication's benchmarks, so a result given twice
     * is named as such (seen_add) */
    struct seen {
        uint64_t hash; /* 0: empty slot */
        uint32_t src;
        size_t record;
    } * seen;
    size_t nseen, seencap;
};

static const char *kind_name(const char *kind)
{
    const px_kind *k = px_kind_find(kind);
    return k && (k->flags & PX_KIND_PUBLISHABLE) ? k->name : NULL;
}

/* ---- the error list ------------------------------------------------------ */

static int add_error(px_pub *p, const char *field, const char *message)
{
    p->nerrs++;
    if (!p->cur_bad) {
        p->cur_bad = true;
        if (p->cur_record)
            p->rejected++;
    }
    if (p->nkept >= PX_PUB_MAX_ERRORS)
        return PX_OK;
    if (p->nkept == p->errcap) {
        size_t cap = p->errcap ? p->errcap * 2 : 16;
        px_pub_error *e = realloc(p->errs, cap * sizeof *e);
        if (!e)
            return PX_ENOMEM;
        p->errs = e;
        p->errcap = cap;
    }
    char *f = strdup(field ? field : "");
    char *m = strdup(message && *message ? message : "the record is not valid");
    if (!f || !m) {
        free(f);
        free(m);
        return PX_ENOMEM;
    }
    p->errs[p->nkept++] = (px_pub_error){.source = p->cur ? p->cur->name : "",
                                         .kind = p->cur_kind,
                                         .record = p->cur_record,
                                         .line = p->cur_line,
                                         .field = f,
                                         .message = m};
    return PX_OK;
}

static int errorf(px_pub *p, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int errorf(px_pub *p, const char *field, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return add_error(p, field, msg);
}

static bool rejection(int rc)
{
    return rc == PX_ESCHEMA || rc == PX_EFORMAT || rc == PX_ETOOBIG || rc == PX_EINVAL;
}

/* The field a message names first ("field 'x': ..."), for the list. */
static void field_of(const char *msg, char *out, size_t outlen)
{
    const char *q = strstr(msg, "field '");
    const char *e = q ? strchr(q + 7, '\'') : NULL;
    out[0] = '\0';
    if (q && e && (size_t)(e - q - 7) < outlen) {
        memcpy(out, q + 7, (size_t)(e - q - 7));
        out[e - q - 7] = '\0';
    }
}

/* A rejection rc with its detail as an error of the current record. */
static int add_rejection(px_pub *p, int rc)
{
    char field[64];
    const char *msg = px_err_message(rc);
    field_of(msg, field, sizeof field);
    return add_error(p, field, msg);
}

/* ---- indicator scales ------------------------------------------------------ */

static int scale_push(px_pub *p, scale s)
{
    scale *v = realloc(p->scales, (p->nscales + 1) * sizeof *v);
    if (!v) {
        free(s.code);
        return PX_ENOMEM;
    }
    p->scales = v;
    p->scales[p->nscales++] = s;
    return s.code ? PX_OK : PX_ENOMEM;
}

/* The scale a benchmark of (code, version) is checked against: this
 * publication's indicators first (the highest version when none is asked
 * for), then the index. OUT *out (NULL when no definition is known). */
static int scale_find(px_pub *p, const char *code, int64_t version, const scale **out)
{
    const scale *best = NULL;
    *out = NULL;
    for (size_t i = 0; i < p->nscales; i++) {
        const scale *s = &p->scales[i];
        if (s->asked != -1 || strcmp(s->code, code) != 0)
            continue;
        if (version ? s->version == version
                    : (!best || px_version_cmp(s->version, best->version) > 0))
            best = s;
    }
    if (best) {
        *out = best;
        return PX_OK;
    }
    for (size_t i = 0; i < p->nscales; i++) {
        if (p->scales[i].asked == version && strcmp(p->scales[i].code, code) == 0) {
            *out = p->scales[i].found ? &p->scales[i] : NULL;
            return PX_OK;
        }
    }
    px_indicator ind;
    int rc = px_index_indicator(p->l->store, code, version, &ind, NULL);
    if (rc && rc != PX_ENOENT)
        return rc;
    scale s = {.code = strdup(code), .asked = version, .found = rc == PX_OK};
    if (rc == PX_OK) {
        s.version = ind.version;
        s.min = ind.scale_min;
        s.max = ind.scale_max;
    }
    px_indicator_free(&ind);
    rc = scale_push(p, s);
    if (rc)
        return rc;
    *out = p->scales[p->nscales - 1].found ? &p->scales[p->nscales - 1] : NULL;
    return PX_OK;
}

/* The scale check of one benchmark: PX_OK, PX_ESCHEMA with a detail, or a
 * lookup failure. */
static int check_scale(px_pub *p, const px_benchmark *b)
{
    const scale *s;
    int rc = scale_find(p, b->indicator, b->indicator_version, &s);
    if (rc)
        return rc;
    if (!s) {
        if (b->indicator_version)
            return px_err_set(PX_ESCHEMA,
                              "field 'indicator': no definition of %s version %s is held here "
                              "or published before it in this publication; publish the "
                              "indicator first",
                              b->indicator, b->indicator_version_text);
        return px_err_set(PX_ESCHEMA,
                          "field 'indicator': no definition of %s is held here or published "
                          "before it in this publication; publish the indicator first",
                          b->indicator);
    }
    return px_record_check_scale(b->value, s->min, s->max, b->indicator);
}

/* ---- the checks of one record -------------------------------------------------- */

/* supersedes must name a case/indicator of this node: the records layer's
 * rule (px_index_check_supersedes). A benchmark's must name a live result of
 * this node with the same identity (checked in check_identity). */
static int check_supersedes(px_pub *p, const char *kind, const uint8_t *body, size_t len)
{
    return px_index_check_supersedes(p->l->store, p->l->me.pk, kind, body, len);
}

/* FNV-1a over the identity fields, for the in-memory set. */
static uint64_t identity_hash(const px_benchmark *b)
{
    uint64_t h = 1469598103934665603ull;
    const char *parts[6] = {b->indicator, b->country, b->centre, b->service, b->channel, b->period};
    for (size_t i = 0; i < 6; i++) {
        const char *s = parts[i] ? parts[i] : "";
        h ^= parts[i] ? 1 : 2;
        h *= 1099511628211ull;
        for (; *s; s++) {
            h ^= (uint8_t)*s;
            h *= 1099511628211ull;
        }
        h ^= 0xff;
        h *= 1099511628211ull;
    }
    h ^= (uint64_t)b->indicator_version;
    h *= 1099511628211ull;
    return h ? h : 1;
}

/* The identities of this publication's benchmarks: an open-addressing
 * table of (hash, where), grown at half full. */
static const struct seen *seen_find(const px_pub *p, uint64_t h)
{
    if (!p->seencap)
        return NULL;
    for (size_t i = h & (p->seencap - 1);; i = (i + 1) & (p->seencap - 1)) {
        if (p->seen[i].hash == 0)
            return NULL;
        if (p->seen[i].hash == h)
            return &p->seen[i];
    }
}

static void seen_put(struct seen *v, size_t cap, struct seen e)
{
    size_t i = e.hash & (cap - 1);
    while (v[i].hash != 0)
        i = (i + 1) & (cap - 1);
    v[i] = e;
}

static int seen_add(px_pub *p, uint64_t h)
{
    if (h == 0)
        h = 1;
    if ((p->nseen + 1) * 2 > p->seencap) {
        size_t cap = p->seencap ? p->seencap * 2 : 1024;
        struct seen *v = calloc(cap, sizeof *v);
        if (!v)
            return PX_ENOMEM;
        for (size_t i = 0; i < p->seencap; i++)
            if (p->seen[i].hash)
                seen_put(v, cap, p->seen[i]);
        free(p->seen);
        p->seen = v;
        p->seencap = cap;
    }
    seen_put(p->seen, p->seencap,
             (struct seen){.hash = h, .src = (uint32_t)p->cur_src, .record = p->cur_record});
    p->nseen++;
    return PX_OK;
}

/* A benchmark's identity against this node's live results. OUT *twin:
 * whether an earlier one exists (then twin_id names it). A rejection is
 * returned as PX_ESCHEMA with a detail. */
static int check_identity(px_pub *p, const px_benchmark *b, const char *supersedes, bool *twin,
                          uint8_t twin_id[32])
{
    char hex[PX_ID_HEX];
    const struct seen *again = seen_find(p, identity_hash(b));
    *twin = false;
    if (again)
        return px_err_set(PX_ESCHEMA,
                          "the same result (indicator %s, country %s, period %s, same centre, "
                          "service and channel) as record %zu of %s in this publication; give "
                          "each result once",
                          b->indicator, b->country, b->period, again->record,
                          p->src[again->src].name);
    int rc = px_index_benchmark_twin(p->l->store, p->l->me.pk, b, twin_id);
    *twin = rc == PX_OK;
    if (rc == PX_ENOENT)
        rc = PX_OK;
    if (rc)
        return rc;
    if (supersedes) {
        if (*twin && strcmp(supersedes, px_id_hex(hex, twin_id)) == 0)
            return PX_OK;
        return px_err_set(PX_ESCHEMA,
                          "field 'supersedes': a benchmark result supersedes this node's live "
                          "result with the same indicator, country, centre, service, channel "
                          "and period%s%s",
                          *twin ? ", which is " : "", *twin ? px_id_hex(hex, twin_id) : "");
    }
    if (*twin && !p->o.replace)
        return px_err_set(PX_ESCHEMA,
                          "this node already published this result (indicator %s, country %s, "
                          "period %s, same centre, service and channel) as entry %s; publish "
                          "with --replace to supersede it, or retract it first",
                          b->indicator, b->country, b->period, px_id_hex(hex, twin_id));
    return PX_OK;
}

static void issue_cb(void *ctx, int rc, const char *name, const char *message)
{
    px_pub *p = ctx;
    (void)rc;
    if (add_error(p, name, message) != PX_OK)
        p->cur_bad = true; /* out of memory while listing: the record still counts as rejected */
}

/* The schema hook for bodies px_record_check has just passed: no second
 * validation (the feed tells the index hook a schema hook judged them). */
static int vouched(const char *kind, const uint8_t *body, size_t len)
{
    (void)kind, (void)body, (void)len;
    return 0;
}

/* ---- the pipeline ---------------------------------------------------------- */

/* A large publication of case studies runs on both cores in three
 * stages: this thread reads, converts and checks each record; a signing
 * thread signs the bodies in order (the chain is sequential: every entry
 * names the id of the one before); a storing thread stores and indexes
 * the signed entries, up to PIPE_SLOTS behind. Signing costs about as much
 * as storing and as reading, so three stages keep two cores busy where two
 * left one of them waiting. Only plain case studies (no supersedes) go
 * through it: nothing in their checks reads the store. Every other record
 * first waits until the pipeline has emptied (pipe_drain), then runs as
 * before, so it sees every earlier record through the index. The storing
 * thread owns the store's connection while entries wait; this thread
 * touches the store only after a drain. The storing thread inserts entries
 * without moving the feed's head; pipe_drain sets the head once (the same
 * transaction, so a reader never sees one without the other). A failure
 * in either thread stops the publication at the next record or at the end
 * (nothing is committed).
 *
 * Signatures: px_feed_append verifies every entry it signs (a damaged key
 * or a faulty signer stops there). A publication verifies the first entry
 * it signs, in the pipeline and outside it, which catches a damaged key,
 * and not the rest: on the machines measured, verifying costs 2-2.5 times
 * as much as signing and was the largest cost of publishing (of a CSV of
 * benchmark results, which does not go through the pipeline, too). */

/* Sign the entry after head; the first one a publication signs is verified
 * (*verified records that), the rest are not (the comment above says why).
 * Every entry of a publication is signed here, in the pipeline or not. */
static int sign_checked(const px_feed_ctx *fc, const px_identity *me, const px_head *head,
                        const char *kind, const uint8_t *body, size_t len, uint64_t now,
                        bool *verified, px_entry *out)
{
    int rc = px_feed_sign_next(fc, me, head, kind, body, len, now, out);
    if (rc || *verified)
        return rc;
    if (px_entry_verify_sig(out) != PX_OK)
        return px_err_set(PX_ESIG, "the entry this node just signed does not verify; "
                                   "its secret key may be damaged");
    *verified = true;
    return PX_OK;
}

static void pipe_fail(pub_pipe *q, int rc)
{
    if (rc && !q->rc) {
        q->rc = rc;
        snprintf(q->why, sizeof q->why, "%s", px_err_detail());
    }
}

static double clock_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool timing_wanted(void)
{
    const char *v = getenv("PRAXIS_PUBLISH_TIMING");
    return v && *v && strcmp(v, "0") != 0;
}

/* Mark the start of a block (under the mutex, or before the threads run). */
static void timing_mark(pub_pipe *q)
{
    pipe_timing *t = &q->t;
    t->at_insert = t->insert;
    t->at_index = t->index;
    t->at_sign_wait = t->sign_wait;
    t->at_store_wait = t->store_wait;
    t->at_room_wait = t->room_wait;
    t->at_wall = clock_s(CLOCK_MONOTONIC);
    if (t->have_clocks) {
        t->at_reader = clock_s(t->reader_clock);
        t->at_signer = t->signer_end >= 0 ? t->signer_end : clock_s(t->signer_clock);
        t->at_storer = clock_s(t->storer_clock);
    }
    t->at_stored = q->stored;
}

/* The line for the entries stored since the mark (the storing thread,
 * under the mutex), then a new mark. */
static void timing_line(pub_pipe *q)
{
    pipe_timing *t = &q->t;
    size_t n = q->stored - t->at_stored;
    if (!n)
        return;
    double us = 1e6 / (double)n;
    fprintf(stderr,
            "publish timing: entries %zu-%zu: %.2f s wall = %.0f/s; per entry (us): "
            "reader CPU %.1f, waiting for room %.1f; signer CPU %.1f, idle %.1f; storer CPU "
            "%.1f (entries %.1f, index %.1f), idle %.1f\n",
            t->at_stored + 1, q->stored, clock_s(CLOCK_MONOTONIC) - t->at_wall,
            (double)n / (clock_s(CLOCK_MONOTONIC) - t->at_wall),
            t->have_clocks ? (clock_s(t->reader_clock) - t->at_reader) * us : 0,
            (t->room_wait - t->at_room_wait) * us,
            t->have_clocks
                ? ((t->signer_end >= 0 ? t->signer_end : clock_s(t->signer_clock)) - t->at_signer) *
                      us
                : 0,
            (t->sign_wait - t->at_sign_wait) * us,
            t->have_clocks ? (clock_s(t->storer_clock) - t->at_storer) * us : 0,
            (t->insert - t->at_insert) * us, (t->index - t->at_index) * us,
            (t->store_wait - t->at_store_wait) * us);
    timing_mark(q);
}

/* Sign one body after q->head (the signing thread, or this one when no
 * signing thread could be started). */
static int pipe_sign(pub_pipe *q, pub_slot *s)
{
    int rc = sign_checked(&q->fc, q->me, q->head.seq ? &q->head : NULL, s->kind, s->body.data,
                          s->body.len, q->now, &q->verified_one, &s->e);
    if (rc)
        return rc;
    q->head.seq = s->e.h.seq;
    memcpy(q->head.id, s->e.id, 32);
    q->head.timestamp_ms = s->e.h.timestamp_ms;
    return PX_OK;
}

static void *signer_main(void *arg)
{
    pub_pipe *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        double w = q->t.on ? clock_s(CLOCK_MONOTONIC) : 0;
        while (q->sealed == q->made && !q->stop) {
            q->sign_idle = true;
            pthread_cond_wait(&q->to_sign, &q->mu);
        }
        if (q->t.on)
            q->t.sign_wait += clock_s(CLOCK_MONOTONIC) - w;
        q->sign_idle = false;
        if (q->sealed == q->made)
            break;
        size_t at = q->sealed % PIPE_SLOTS;
        bool failed = q->rc != 0;
        pthread_mutex_unlock(&q->mu);
        int rc = failed ? PX_OK : pipe_sign(q, &q->slots[at]);
        pthread_mutex_lock(&q->mu);
        pipe_fail(q, rc);
        q->sealed++;
        if (q->store_idle)
            pthread_cond_signal(&q->to_store);
    }
    if (q->t.on) /* a clock of an ended thread cannot be read */
        q->t.signer_end = clock_s(CLOCK_THREAD_CPUTIME_ID);
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* Store one signed entry and index it, as px_feed_put_signed does, but
 * without moving the head (pipe_drain sets it once). */
static int pipe_store(pub_pipe *q, const px_entry *e)
{
    int flags = q->fc.extra_flags; /* the schema hook is vouched(): 0 */
    double t0 = q->t.on ? clock_s(CLOCK_THREAD_CPUTIME_ID) : 0, t1 = 0;
    int rc = px_store_insert(q->fc.store, e, flags, q->now);
    if (q->t.on)
        t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    if (!rc && q->fc.index)
        rc = q->fc.index(q->fc.store, e, flags | PX_FEED_SCHEMA_CHECKED);
    if (q->t.on) {
        q->t.insert += t1 - t0;
        q->t.index += clock_s(CLOCK_THREAD_CPUTIME_ID) - t1;
    }
    return rc;
}

static void *storer_main(void *arg)
{
    pub_pipe *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        double w = q->t.on ? clock_s(CLOCK_MONOTONIC) : 0;
        while (q->stored == q->sealed && !(q->stop && q->sealed == q->made)) {
            q->store_idle = true;
            pthread_cond_wait(&q->to_store, &q->mu);
        }
        q->store_idle = false;
        if (q->t.on)
            q->t.store_wait += clock_s(CLOCK_MONOTONIC) - w;
        if (q->stored == q->sealed)
            break;
        size_t at = q->stored % PIPE_SLOTS;
        bool failed = q->rc != 0;
        pthread_mutex_unlock(&q->mu);
        int rc = failed ? PX_OK : pipe_store(q, &q->slots[at].e);
        pthread_mutex_lock(&q->mu);
        pipe_fail(q, rc);
        q->stored++;
        q->head_unsaved = true;
        /* Someone may wait for a drain, or for room: woken when a quarter
         * of the ring is free, not at every slot, it fills that quarter
         * in one go instead of sleeping and waking once per entry. */
        if ((q->full && (q->made - q->stored <= PIPE_SLOTS - PIPE_REFILL || q->rc)) ||
            q->stored == q->made)
            pthread_cond_signal(&q->room);
        if (q->t.on && q->stored - q->t.at_stored == PIPE_TIMING_EVERY)
            timing_line(q);
    }
    if (q->t.on)
        timing_line(q);
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static int pipe_failed(pub_pipe *q)
{
    return q->why[0] ? px_err_set(q->rc, "%s", q->why) : q->rc;
}

static void pipe_free(pub_pipe *q)
{
    pthread_cond_destroy(&q->room);
    pthread_cond_destroy(&q->to_store);
    pthread_cond_destroy(&q->to_sign);
    pthread_mutex_destroy(&q->mu);
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        px_buf_free(&q->slots[i].body);
    free(q);
}

static int pipe_start(px_pub *p)
{
    /* Many case studies are coming: their full-text rows go into fewer,
     * bigger segments (index.h), or merging them would cost more per case
     * the bigger the index gets. Set up here, while this thread still owns
     * the connection; px_pub_finish puts the settings back. */
    int rc = p->l->feed.index ? px_index_bulk_begin(p->l->store, &p->bulk) : PX_OK;
    if (rc)
        return rc;
    pub_pipe *q = calloc(1, sizeof *q);
    if (!q)
        return PX_ENOMEM;
    q->fc = p->l->feed;
    if (q->fc.schema == px_index_schema)
        q->fc.schema = vouched;
    q->me = &p->l->me;
    q->now = p->now;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->to_sign, NULL);
    pthread_cond_init(&q->to_store, NULL);
    pthread_cond_init(&q->room, NULL);
    q->t.on = timing_wanted();
    q->t.signer_end = -1;
    pthread_mutex_lock(&q->mu); /* the threads start once the timing's mark is set */
    q->have_storer = pthread_create(&q->storer, NULL, storer_main, q) == 0;
    if (!q->have_storer) {
        pthread_mutex_unlock(&q->mu);
        pipe_free(q);
        return PX_OK; /* no second thread: publish on this one */
    }
    /* without a signing thread this one signs (pipe_push) */
    q->have_signer = pthread_create(&q->signer, NULL, signer_main, q) == 0;
    if (q->t.on) {
        q->t.have_clocks = q->have_signer &&
                           pthread_getcpuclockid(pthread_self(), &q->t.reader_clock) == 0 &&
                           pthread_getcpuclockid(q->signer, &q->t.signer_clock) == 0 &&
                           pthread_getcpuclockid(q->storer, &q->t.storer_clock) == 0;
        timing_mark(q);
    }
    pthread_mutex_unlock(&q->mu);
    p->pipe = q;
    return PX_OK;
}

/* Copy the ids of the stored entries back (this thread owns p->ids). */
static void pipe_take(px_pub *p, size_t upto)
{
    pub_pipe *q = p->pipe;
    for (; q->taken < upto; q->taken++) {
        const pub_slot *s = &q->slots[q->taken % PIPE_SLOTS];
        memcpy(p->ids[s->nid], s->e.id, 32);
    }
}

/* Wait until every entry handed over is stored, then set the feed's head
 * in the store. */
static int pipe_drain(px_pub *p)
{
    pub_pipe *q = p->pipe;
    if (!q)
        return PX_OK;
    pthread_mutex_lock(&q->mu);
    while (q->stored != q->made)
        pthread_cond_wait(&q->room, &q->mu);
    int rc = q->rc;
    bool unsaved = q->head_unsaved;
    q->head_unsaved = false;
    pthread_mutex_unlock(&q->mu);
    pipe_take(p, q->stored); /* after a failure too: every id is set */
    if (rc)
        return pipe_failed(q);
    if (unsaved)
        rc = px_store_set_head(p->l->store, &q->head);
    return rc;
}

/* Drain and end the pipeline's threads. */
static int pipe_stop(px_pub *p)
{
    pub_pipe *q = p->pipe;
    if (!q)
        return PX_OK;
    int rc = pipe_drain(p);
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_broadcast(&q->to_sign);
    pthread_cond_broadcast(&q->to_store);
    pthread_mutex_unlock(&q->mu);
    if (q->have_signer)
        pthread_join(q->signer, NULL);
    pthread_join(q->storer, NULL);
    pipe_free(q);
    p->pipe = NULL;
    return rc;
}

/* Hand the next body to the signing thread; its id lands in p->ids[nid]
 * once stored (pipe_take). */
static int pipe_push(px_pub *p, const char *kind, const px_buf *body, size_t nid)
{
    pub_pipe *q = p->pipe;
    int rc;
    if (!p->have_head) {
        /* drained: the store and q->head are ours */
        rc = px_store_head(p->l->store, p->l->me.pk, &q->head);
        if (rc && rc != PX_ENOENT)
            return rc;
        if (rc == PX_ENOENT)
            q->head.seq = 0;
        p->have_head = true;
    }
    pthread_mutex_lock(&q->mu);
    double w = q->t.on ? clock_s(CLOCK_MONOTONIC) : 0;
    while (q->made - q->stored == PIPE_SLOTS && !q->rc) {
        q->full = true;
        pthread_cond_wait(&q->room, &q->mu);
    }
    if (q->t.on)
        q->t.room_wait += clock_s(CLOCK_MONOTONIC) - w;
    q->full = false;
    rc = q->rc;
    size_t stored = q->stored;
    pthread_mutex_unlock(&q->mu);
    if (rc)
        return pipe_failed(q);
    pipe_take(p, stored);
    /* the slot after the last handed over: no other thread's until made
     * moves past it */
    pub_slot *s = &q->slots[q->made % PIPE_SLOTS];
    px_buf_reset(&s->body);
    rc = px_buf_append(&s->body, body->data, body->len);
    if (rc)
        return rc;
    s->kind = kind;
    s->nid = nid;
    if (!q->have_signer) {
        rc = pipe_sign(q, s);
        if (rc)
            return rc;
    }
    pthread_mutex_lock(&q->mu);
    q->made++;
    if (!q->have_signer)
        q->sealed = q->made;
    if (q->sign_idle)
        pthread_cond_signal(&q->to_sign);
    if (!q->have_signer && q->store_idle)
        pthread_cond_signal(&q->to_store);
    pthread_mutex_unlock(&q->mu);
    return PX_OK;
}

static int append(px_pub *p, const char *kind, const px_buf *body, bool replaced)
{
    px_entry e;
    px_feed_ctx fc = p->l->feed;
    if (fc.schema == px_index_schema)
        fc.schema = vouched;
    if (p->nids == p->idcap) {
        size_t cap = p->idcap ? p->idcap * 2 : 256;
        uint8_t(*ids)[32] = realloc(p->ids, cap * sizeof *ids);
        if (!ids)
            return PX_ENOMEM;
        p->ids = ids;
        uint8_t *r = realloc(p->replaced, (cap + 7) / 8);
        if (!r)
            return PX_ENOMEM;
        memset(r + (p->idcap + 7) / 8, 0, (cap + 7) / 8 - (p->idcap + 7) / 8);
        p->replaced = r;
        p->idcap = cap;
    }
    int rc = PX_OK;
    if (p->cur_plain && ++p->nplain == PIPE_AFTER && !p->pipe)
        rc = pipe_start(p);
    if (rc)
        return rc;
    if (p->cur_plain && p->pipe) {
        rc = pipe_push(p, kind, body, p->nids); /* the id comes back later */
    } else {
        px_head head;
        rc = pipe_drain(p);
        p->have_head = false; /* the head moves here, not in the pipeline */
        if (!rc) {
            rc = px_store_head(fc.store, p->l->me.pk, &head);
            if (rc == PX_ENOENT) {
                head.seq = 0;
                rc = PX_OK;
            }
        }
        if (!rc)
            rc = sign_checked(&fc, &p->l->me, head.seq ? &head : NULL, kind, body->data, body->len,
                              p->now, &p->verified_one, &e);
        if (!rc)
            rc = px_feed_put_signed(&fc, &e, p->now);
        if (!rc)
            memcpy(p->ids[p->nids], e.id, 32);
    }
    if (rc)
        return rc;
    if (replaced)
        p->replaced[p->nids / 8] |= (uint8_t)(1u << (p->nids % 8));
    p->nids++;
    return PX_OK;
}

/* What the benchmark checks read, borrowed from a record that passed its
 * schema (so every field has its type): no second decode of the body. */
static int benchmark_view(const json_t *rec, px_benchmark *b)
{
    const char *country = json_string_value(json_object_get(rec, "country"));
    const json_t *ver = json_object_get(rec, "indicator_version");
    memset(b, 0, sizeof *b);
    b->indicator = (char *)json_string_value(json_object_get(rec, "indicator"));
    b->period = (char *)json_string_value(json_object_get(rec, "period"));
    b->centre = (char *)json_string_value(json_object_get(rec, "centre"));
    b->service = (char *)json_string_value(json_object_get(rec, "service"));
    b->channel = (char *)json_string_value(json_object_get(rec, "channel"));
    if (json_is_integer(ver)) {
        px_version_number(json_integer_value(ver), &b->indicator_version);
        snprintf(b->indicator_version_text, sizeof b->indicator_version_text, "%lld",
                 (long long)json_integer_value(ver));
    } else if (json_is_string(ver)) {
        px_version_parse(json_string_value(ver), json_string_length(ver), &b->indicator_version);
        snprintf(b->indicator_version_text, sizeof b->indicator_version_text, "%s",
                 json_string_value(ver));
    }
    b->value = json_number_value(json_object_get(rec, "value"));
    if (!b->indicator || !b->period || !country || strlen(country) != 2 ||
        px_period_parse(b->period, strlen(b->period), &b->when) != PX_OK)
        return px_err_set(PX_ESCHEMA,
                          "the benchmark's fields do not read back"); /* cannot happen */
    memcpy(b->country, country, 3);
    return PX_OK;
}

/* ---- attachments ------------------------------------------------------------ */

/* A media type from a file name's extension; application/octet-stream when
 * it says nothing we know. Only a hint for the person downloading: the web
 * interface serves every attachment as a download, whatever it says. */
static const char *mime_of(const char *name)
{
    static const char *const map[][2] = {
        {"pdf", "application/pdf"},
        {"txt", "text/plain"},
        {"csv", "text/csv"},
        {"json", "application/json"},
        {"md", "text/markdown"},
        {"html", "text/html"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"zip", "application/zip"},
        {"xml", "application/xml"},
        {"odt", "application/vnd.oasis.opendocument.text"},
        {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
        {"doc", "application/msword"},
        {"xls", "application/vnd.ms-excel"},
        {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(dot + 1, map[i][0]) == 0)
            return map[i][1];
    return "application/octet-stream";
}

/* A case's attachments may name local files ({"file": PATH}) or blobs held
 * here without their size: files are added to the blob store (in this
 * transaction: if it is rolled back the file is swept later) and every item
 * becomes {blob, name, size, mime} (RECORDS.md 2.1). Blobs held here that
 * our record attaches are kept from now on. OUT *out: the record to
 * publish (a new one), or NULL when rec is refused. */
static int resolve_attachments(px_pub *p, const json_t *rec, json_t **out)
{
    *out = NULL;
    const json_t *list = json_object_get(rec, "attachments");
    if (!json_is_array(list))
        return PX_OK;
    if (json_array_size(list) == 0)
        return PX_OK;
    int rc = PX_OK;
    if (!p->blobs && (rc = px_blobs_open(&p->blobs, p->l->store, p->l->paths.dir, NULL)) != PX_OK)
        return rc;
    json_t *copy = json_deep_copy(rec);
    if (!copy)
        return PX_ENOMEM;
    json_t *items = json_object_get(copy, "attachments");
    for (size_t i = 0; !rc && i < json_array_size(items); i++) {
        json_t *a = json_array_get(items, i);
        if (!json_is_object(a))
            continue; /* the schema check says what is wrong */
        const char *file = json_string_value(json_object_get(a, "file"));
        const char *blob = json_string_value(json_object_get(a, "blob"));
        uint8_t id[32];
        char hex[PX_ID_HEX];
        if (json_object_get(a, "file") && !file) {
            rc = errorf(p, "attachments", "attachment %zu: 'file' must be a path", i + 1);
            break;
        }
        if (file) {
            if (blob) {
                rc = errorf(p, "attachments", "attachment %zu: give 'file' or 'blob', not both",
                            i + 1);
                break;
            }
            int arc = px_blob_add_file(p->blobs, file, id);
            if (arc) {
                rc =
                    rejection(arc) || arc == PX_ENOENT || arc == PX_EIO
                        ? errorf(p, "attachments", "attachment %zu: %s", i + 1, px_err_message(arc))
                        : arc;
                break;
            }
            const char *base = strrchr(file, '/');
            base = base ? base + 1 : file;
            if (!json_object_get(a, "name"))
                json_object_set_new(a, "name", json_string(base));
            const char *shown = json_string_value(json_object_get(a, "name"));
            if (!json_object_get(a, "mime"))
                json_object_set_new(a, "mime", json_string(mime_of(shown ? shown : base)));
            json_object_del(a, "file");
        } else if (blob) {
            int arc = px_blob_resolve(p->blobs, blob, id);
            if (arc == PX_ENOENT && json_object_get(a, "size") && strlen(blob) == 64) {
                px_err_clear();
                continue; /* a blob held elsewhere: its size was given */
            }
            if (arc) {
                rc = errorf(p, "attachments", "attachment %zu: %s%s", i + 1, px_err_message(arc),
                            arc == PX_ENOENT ? "; add the file here, or give the blob's size" : "");
                break;
            }
        } else {
            continue; /* the schema check says what is missing */
        }
        px_blob_info info;
        if ((rc = px_blob_info_get(p->blobs, id, &info)) != PX_OK)
            break;
        if (!p->o.check && (rc = px_blob_keep(p->blobs, id)) != PX_OK)
            break; /* attached to our own record: kept from now on */
        json_object_set_new(a, "blob", json_string(px_id_hex(hex, id)));
        json_object_set_new(a, "size", json_integer((json_int_t)info.size));
        if (!json_object_get(a, "mime") && json_is_string(json_object_get(a, "name")))
            json_object_set_new(
                a, "mime", json_string(mime_of(json_string_value(json_object_get(a, "name")))));
    }
    if (rc || p->cur_bad) {
        json_decref(copy);
        return rc;
    }
    *out = copy;
    return PX_OK;
}

/* Check (and, while nothing was rejected, publish) the current record. */
static int add_record(px_pub *p, const char *kind, const json_t *rec)
{
    int rc;
    bool replaced = false;
    json_t *copy = NULL;
    p->cur_bad = false;
    p->cur->pub.records++;
    px_progress_step(&p->progress, ++p->nrecords);
    if (!json_is_object(rec)) {
        rc = errorf(p, "", "record %zu is not a JSON object ({\"field\": value, ...})",
                    p->cur_record);
        goto out;
    }
    if (strcmp(kind, "case") == 0) {
        json_t *resolved = NULL;
        rc = resolve_attachments(p, rec, &resolved);
        if (rc || p->cur_bad)
            goto out;
        if (resolved) {
            copy = resolved;
            rec = copy;
        }
    }
    px_buf_reset(&p->body);
    rc = px_json_to_msgpack(rec, &p->body);
    if (rc) {
        rc = rejection(rc) ? add_rejection(p, rc) : rc;
        goto out;
    }
    /* Only a plain case study may be checked while earlier entries wait to
     * be stored: every other check reads the store (the pipeline). */
    p->cur_plain = strcmp(kind, "case") == 0 && !json_object_get(rec, "supersedes");
    if (!p->cur_plain && (rc = pipe_drain(p)) != PX_OK)
        goto out;
    rc = px_record_check(kind, p->body.data, p->body.len, PX_RECORD_STRICT, issue_cb, p);
    if (rc == PX_ENOMEM)
        goto out;
    if (rc) {
        rc = p->cur_bad ? PX_OK : add_rejection(p, rc);
        goto out;
    }
    if (strcmp(kind, "benchmark") == 0) {
        px_benchmark b;
        bool twin = false;
        uint8_t twin_id[32];
        const char *sup = json_string_value(json_object_get(rec, "supersedes"));
        rc = benchmark_view(rec, &b);
        if (!rc) {
            rc = check_scale(p, &b);
            if (rejection(rc))
                rc = add_rejection(p, rc);
        }
        if (!rc) {
            rc = check_identity(p, &b, sup, &twin, twin_id);
            if (rejection(rc))
                rc = add_rejection(p, rc);
        }
        if (!rc && !p->cur_bad && twin && !sup) {
            /* replace: the new result names the one it supersedes */
            char hex[PX_ID_HEX];
            copy = json_copy((json_t *)rec);
            rc = copy && json_object_set_new(copy, "supersedes",
                                             json_string(px_id_hex(hex, twin_id))) == 0
                     ? PX_OK
                     : PX_ENOMEM;
            if (!rc) {
                px_buf_reset(&p->body);
                rc = px_json_to_msgpack(copy, &p->body);
            }
            replaced = true;
        } else if (!rc && twin && sup) {
            replaced = true;
        }
        if (!rc && !p->cur_bad)
            rc = seen_add(p, identity_hash(&b));
        if (rc)
            goto out;
    } else if ((strcmp(kind, "case") == 0 || strcmp(kind, "indicator") == 0) &&
               json_object_get(rec, "supersedes")) {
        rc = check_supersedes(p, kind, p->body.data, p->body.len);
        if (rejection(rc))
            rc = add_rejection(p, rc);
        if (rc)
            goto out;
    }
    if (!p->cur_bad && strcmp(kind, "indicator") == 0) {
        px_indicator ind;
        rc = px_indicator_decode(p->body.data, p->body.len, &ind);
        if (!rc)
            rc = scale_push(p, (scale){.code = strdup(ind.code),
                                       .version = ind.version,
                                       .found = true,
                                       .asked = -1,
                                       .min = ind.scale_min,
                                       .max = ind.scale_max});
        px_indicator_free(&ind);
        if (rc)
            goto out;
    }
    if (p->cur_bad)
        goto out;
    p->cur->pub.accepted++;
    if (replaced)
        p->cur->pub.replaced++;
    if (p->rejected == 0)
        rc = append(p, kind, &p->body, replaced);
out:
    json_decref(copy);
    if (p->cur_bad)
        p->cur->pub.rejected++;
    return rc;
}

/* ---- the fast reading of plain case studies --------------------------------- */

/* A case study of a big load goes from its JSON text straight to msgpack,
 * without the jansson tree (building it was the largest cost of reading).
 * Only what is plainly valid takes this path: objects, arrays, strings
 * (escapes included, strictly valid UTF-8), integers of up to 18 digits,
 * true, false, null, nesting up to FAST_DEPTH, at most FAST_KEYS keys per
 * object. Anything else -- a real number, a duplicate key, a control
 * character, a lone surrogate, "\u0000", any error -- and every case that
 * names attachments or supersedes (their checks read the tree) goes the
 * general way, so jansson words the errors and the bytes signed are the
 * same either way: px_json_to_msgpack's (keys in document order, shortest
 * integers, msgpack-c's own headers). tests/unit/test_publish.c compares
 * the two byte for byte. */
enum { FAST_DEPTH = 8, FAST_KEYS = 64, FAST_GENERAL = -1 };

struct px_pub_fast {
    px_buf level[FAST_DEPTH]; /* the packed contents of the open containers */
    px_buf str;               /* the string being read, unescaped */
    const char *at, *end;
};

static int fast_write(void *data, const char *buf, size_t n)
{
    return px_buf_append(data, buf, n) == PX_OK ? 0 : -1;
}

static void fast_ws(px_pub_fast *f)
{
    while (f->at < f->end && (*f->at == ' ' || *f->at == '\t' || *f->at == '\n' || *f->at == '\r'))
        f->at++;
}

static int hex4(const uint8_t *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return FAST_GENERAL;
    }
    *out = v;
    return PX_OK;
}

/* The length of the well-formed UTF-8 sequence at s (Unicode's table: no
 * overlong forms, no surrogates, nothing past U+10FFFF), 0 if there is none. */
static size_t utf8_seq(const uint8_t *s, const uint8_t *e)
{
    uint8_t c = s[0];
    size_t n;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if ((size_t)(e - s) < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

static int put_utf8(px_buf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80)
        u[0] = (uint8_t)cp, n = 1;
    else if (cp < 0x800)
        u[0] = (uint8_t)(0xC0 | cp >> 6), u[1] = (uint8_t)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        u[0] = (uint8_t)(0xE0 | cp >> 12), u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)),
        u[2] = (uint8_t)(0x80 | (cp & 0x3F)), n = 3;
    else
        u[0] = (uint8_t)(0xF0 | cp >> 18), u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F)),
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (uint8_t)(0x80 | (cp & 0x3F)), n = 4;
    return px_buf_append(b, u, n);
}

/* The string at f->at (a '"'), unescaped into f->str. */
static int fast_string(px_pub_fast *f)
{
    const uint8_t *s = (const uint8_t *)f->at + 1, *e = (const uint8_t *)f->end, *run = s;
    int rc = PX_OK;
    px_buf_reset(&f->str);
    while (s < e && !rc) {
        uint8_t c = *s;
        if (c == '"') {
            rc = px_buf_append(&f->str, run, (size_t)(s - run));
            f->at = (const char *)s + 1;
            return rc;
        }
        if (c < 0x20)
            return FAST_GENERAL;
        if (c >= 0x80) {
            size_t n = utf8_seq(s, e);
            if (!n)
                return FAST_GENERAL;
            s += n;
            continue;
        }
        if (c != '\\') {
            s++;
            continue;
        }
        rc = px_buf_append(&f->str, run, (size_t)(s - run));
        if (rc || e - s < 2)
            return rc ? rc : FAST_GENERAL;
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = s[1] ? strchr(from, s[1]) : NULL;
        if (k) {
            rc = px_buf_append(&f->str, &to[k - from], 1);
            s += 2;
        } else if (s[1] == 'u') {
            uint32_t cp, low;
            if (e - s < 6 || hex4(s + 2, &cp) || cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
                return FAST_GENERAL;
            s += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (e - s < 6 || s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &low) || low < 0xDC00 ||
                    low > 0xDFFF)
                    return FAST_GENERAL;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                s += 6;
            }
            rc = put_utf8(&f->str, cp);
        } else {
            return FAST_GENERAL;
        }
        run = s;
    }
    return rc ? rc : FAST_GENERAL; /* no closing quote */
}

static int fast_value(px_pub_fast *f, int depth, msgpack_packer *pk);

/* Pack the container just read (n items in level[depth]) into pk. */
static int fast_close(px_pub_fast *f, int depth, msgpack_packer *pk, bool map, size_t n)
{
    const px_buf *b = &f->level[depth];
    if ((map ? msgpack_pack_map(pk, n) : msgpack_pack_array(pk, n)) != 0 ||
        (b->len && pk->callback(pk->data, (const char *)b->data, b->len) != 0))
        return PX_ENOMEM;
    return PX_OK;
}

static int fast_object(px_pub_fast *f, int depth, msgpack_packer *parent)
{
    if (depth >= FAST_DEPTH)
        return FAST_GENERAL;
    px_buf *b = &f->level[depth];
    msgpack_packer pk;
    size_t key_at[FAST_KEYS], key_len[FAST_KEYS], n = 0;
    int rc;
    px_buf_reset(b);
    msgpack_packer_init(&pk, b, fast_write);
    f->at++;
    fast_ws(f);
    if (f->at < f->end && *f->at == '}') {
        f->at++;
        return fast_close(f, depth, parent, true, 0);
    }
    for (;;) {
        if (f->at >= f->end || *f->at != '"' || n == FAST_KEYS)
            return FAST_GENERAL;
        if ((rc = fast_string(f)) != PX_OK)
            return rc;
        const px_buf *k = &f->str;
        for (size_t i = 0; i < n; i++)
            if (key_len[i] == k->len && memcmp(b->data + key_at[i], k->data, k->len) == 0)
                return FAST_GENERAL; /* a duplicate: jansson names it */
        if (depth == 0 && ((k->len == 11 && memcmp(k->data, "attachments", 11) == 0) ||
                           (k->len == 10 && memcmp(k->data, "supersedes", 10) == 0)))
            return FAST_GENERAL;
        if (msgpack_pack_str(&pk, k->len) != 0)
            return PX_ENOMEM;
        key_at[n] = b->len;
        key_len[n++] = k->len;
        if (msgpack_pack_str_body(&pk, k->data, k->len) != 0)
            return PX_ENOMEM;
        fast_ws(f);
        if (f->at >= f->end || *f->at != ':')
            return FAST_GENERAL;
        f->at++;
        fast_ws(f);
        if ((rc = fast_value(f, depth + 1, &pk)) != PX_OK)
            return rc;
        fast_ws(f);
        if (f->at < f->end && *f->at == ',') {
            f->at++;
            fast_ws(f);
            continue;
        }
        if (f->at < f->end && *f->at == '}') {
            f->at++;
            return fast_close(f, depth, parent, true, n);
        }
        return FAST_GENERAL;
    }
}

static int fast_array(px_pub_fast *f, int depth, msgpack_packer *parent)
{
    if (depth >= FAST_DEPTH)
        return FAST_GENERAL;
    px_buf *b = &f->level[depth];
    msgpack_packer pk;
    size_t n = 0;
    int rc;
    px_buf_reset(b);
    msgpack_packer_init(&pk, b, fast_write);
    f->at++;
    fast_ws(f);
    if (f->at < f->end && *f->at == ']') {
        f->at++;
        return fast_close(f, depth, parent, false, 0);
    }
    for (;;) {
        if ((rc = fast_value(f, depth + 1, &pk)) != PX_OK)
            return rc;
        n++;
        fast_ws(f);
        if (f->at < f->end && *f->at == ',') {
            f->at++;
            fast_ws(f);
            continue;
        }
        if (f->at < f->end && *f->at == ']') {
            f->at++;
            return fast_close(f, depth, parent, false, n);
        }
        return FAST_GENERAL;
    }
}

static bool literal(px_pub_fast *f, const char *word, size_t n)
{
    if ((size_t)(f->end - f->at) < n || memcmp(f->at, word, n) != 0)
        return false;
    f->at += n;
    return true;
}

static int fast_value(px_pub_fast *f, int depth, msgpack_packer *pk)
{
    int rc, prc;
    if (f->at >= f->end)
        return FAST_GENERAL;
    switch (*f->at) {
    case '{':
        return fast_object(f, depth, pk);
    case '[':
        return fast_array(f, depth, pk);
    case '"':
        if ((rc = fast_string(f)) != PX_OK)
            return rc;
        prc = msgpack_pack_str(pk, f->str.len);
        if (!prc)
            prc = msgpack_pack_str_body(pk, f->str.data, f->str.len);
        return prc ? PX_ENOMEM : PX_OK;
    case 't':
        return literal(f, "true", 4) ? (msgpack_pack_true(pk) ? PX_ENOMEM : PX_OK) : FAST_GENERAL;
    case 'f':
        return literal(f, "false", 5) ? (msgpack_pack_false(pk) ? PX_ENOMEM : PX_OK) : FAST_GENERAL;
    case 'n':
        return literal(f, "null", 4) ? (msgpack_pack_nil(pk) ? PX_ENOMEM : PX_OK) : FAST_GENERAL;
    default: {
        const char *s = f->at, *digits;
        bool neg = *s == '-';
        uint64_t v = 0;
        if (neg)
            s++;
        digits = s;
        while (s < f->end && *s >= '0' && *s <= '9' && s - digits < 19)
            v = v * 10 + (uint64_t)(*s++ - '0');
        size_t nd = (size_t)(s - digits);
        /* not 1-18 digits, a leading zero, "-0", or a real: the general way */
        if (nd == 0 || nd > 18 || (digits[0] == '0' && nd > 1) || (neg && v == 0) ||
            (s < f->end && (*s == '.' || *s == 'e' || *s == 'E' || (*s >= '0' && *s <= '9'))))
            return FAST_GENERAL;
        f->at = s;
        return msgpack_pack_int64(pk, neg ? -(int64_t)v : (int64_t)v) ? PX_ENOMEM : PX_OK;
    }
    }
}

int px_pub_fast_msgpack(px_pub_fast **fp, const char *text, size_t len, px_buf *out, bool *taken)
{
    px_pub_fast *f = *fp;
    msgpack_packer pk;
    size_t before = out->len;
    *taken = false;
    if (!f && !(f = *fp = calloc(1, sizeof *f)))
        return PX_ENOMEM;
    f->at = text;
    f->end = text + len;
    fast_ws(f);
    if (f->at >= f->end || *f->at != '{')
        return PX_OK;
    msgpack_packer_init(&pk, out, fast_write);
    int rc = fast_object(f, 0, &pk);
    if (!rc) {
        fast_ws(f);
        if (f->at != f->end)
            rc = FAST_GENERAL;
    }
    if (rc)
        out->len = before;
    *taken = rc == PX_OK;
    return rc == FAST_GENERAL ? PX_OK : rc;
}

void px_pub_fast_free(px_pub_fast *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < FAST_DEPTH; i++)
        px_buf_free(&f->level[i]);
    px_buf_free(&f->str);
    free(f);
}

/* A plain case study read the fast way (its msgpack in p->body): what
 * add_record does for one -- no attachments, no supersedes -- without the
 * JSON tree. */
static int add_plain_case(px_pub *p, const char *kind)
{
    int rc;
    p->cur_bad = false;
    p->cur->pub.records++;
    px_progress_step(&p->progress, ++p->nrecords);
    p->cur_plain = true;
    rc = px_record_check(kind, p->body.data, p->body.len, PX_RECORD_STRICT, issue_cb, p);
    if (rc && rc != PX_ENOMEM) {
        rc = p->cur_bad ? PX_OK : add_rejection(p, rc);
    } else if (!rc && !p->cur_bad) {
        p->cur->pub.accepted++;
        if (p->rejected == 0)
            rc = append(p, kind, &p->body, false);
    }
    if (p->cur_bad)
        p->cur->pub.rejected++;
    return rc;
}

/* ---- sources ------------------------------------------------------------------- */

static int source_open(px_pub *p, const char *kind, const char *name)
{
    if (p->finished)
        return px_err_set(PX_EINVAL, "the publication is already finished");
    if (p->nsrc == p->srccap) {
        size_t cap = p->srccap ? p->srccap * 2 : 8;
        source *v = realloc(p->src, cap * sizeof *v);
        if (!v)
            return PX_ENOMEM;
        p->src = v;
        p->srccap = cap;
    }
    char *n = strdup(name ? name : "");
    if (!n)
        return PX_ENOMEM;
    p->src[p->nsrc] = (source){.pub = {.name = n, .kind = kind}, .name = n, .first = p->nids};
    p->cur = &p->src[p->nsrc];
    p->cur_src = p->nsrc++;
    p->cur_kind = kind;
    p->cur_record = 0;
    p->cur_line = 0;
    p->cur_bad = false;
    return PX_OK;
}

/* The current source, after p->src may have moved. */
static void source_again(px_pub *p)
{
    p->cur = &p->src[p->cur_src];
}

static int unknown_kind(const char *kind)
{
    char list[128];
    return px_err_set(PX_EINVAL, "'%s' is not a kind one publishes; use %s", kind ? kind : "(none)",
                      px_kind_list(PX_KIND_PUBLISHABLE, " or ", list, sizeof list));
}

int px_pub_add_json(px_pub *p, const char *kind, const json_t *rec, const char *source_name,
                    size_t record, size_t line)
{
    const char *k = kind_name(kind);
    if (!k)
        return unknown_kind(kind);
    /* consecutive records of one source and kind share its entry */
    bool same = p->nsrc && strcmp(p->src[p->nsrc - 1].name, source_name ? source_name : "") == 0 &&
                p->src[p->nsrc - 1].pub.kind == k;
    int rc = same ? PX_OK : source_open(p, k, source_name);
    if (rc)
        return rc;
    if (same) {
        p->cur_src = p->nsrc - 1;
        source_again(p);
        p->cur_kind = k;
    }
    p->cur_record = record ? record : p->cur->pub.records + 1;
    p->cur_line = line;
    return add_record(p, k, rec);
}

/* ---- CSV ----------------------------------------------------------------------- */

static int csv_row(void *ctx, size_t record, size_t line, const json_t *obj, const char *field,
                   const char *message)
{
    px_pub *p = ctx;
    if (record != p->cur_record) {
        p->cur_record = record;
        p->cur_line = line;
        p->cur_bad = false;
    }
    if (obj)
        return add_record(p, "benchmark", obj);
    if (!p->cur_bad) { /* the row's first bad cell */
        p->cur->pub.records++;
        p->cur->pub.rejected++;
    }
    return add_error(p, field, message);
}

static int add_csv_text(px_pub *p, const char *data, size_t len)
{
    int rc = px_csvin_each(p->cur->name, data, len, csv_row, p);
    if (rejection(rc)) {
        char field[64];
        const char *msg = px_err_message(rc);
        field_of(msg, field, sizeof field);
        p->cur_record = 0;
        p->cur_line = 0;
        p->cur_bad = false;
        rc = add_error(p, field, msg);
    }
    return rc;
}

int px_pub_add_csv(px_pub *p, const char *source_name, const char *data, size_t len)
{
    int rc = source_open(p, "benchmark", source_name);
    return rc ? rc : add_csv_text(p, data, len);
}

/* ---- streaming files ------------------------------------------------------------- */

typedef struct reader {
    px_pub *p;
    int fd;
    const char *name;
    uint8_t *chunk;
    size_t len, pos;
    uint64_t total;
    bool eof;
} reader;

/* Fill the chunk when it is used up. PX_OK (r->len == 0 at the end of the
 * input), PX_EIO or PX_ETOOBIG (standard input over the limit). */
static int refill(reader *r)
{
    if (r->pos < r->len || r->eof)
        return PX_OK;
    r->pos = r->len = 0;
    for (;;) {
        ssize_t n = read(r->fd, r->chunk, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return px_err_set(PX_EIO, "%s: cannot read: %s", r->name, strerror(errno));
        if (n == 0)
            r->eof = true;
        r->len = (size_t)n;
        r->total += (uint64_t)n;
        if (r->total > PX_PUB_MAX_FILE)
            return px_err_set(PX_ETOOBIG, "%s is larger than %llu GiB; split it into several files",
                              r->name, (unsigned long long)(PX_PUB_MAX_FILE >> 30));
        return PX_OK;
    }
}

/* A problem of the file as a whole (record 0): listed, and reading stops. */
static int file_error(px_pub *p, int rc)
{
    p->cur_record = 0;
    p->cur_line = 0;
    p->cur_bad = false;
    return rejection(rc) || rc == PX_ENOENT || rc == PX_EIO || rc == PX_EPERM
               ? add_error(p, "", px_err_message(rc))
               : rc;
}

/* One element's text, complete: parse it and add it as a record. */
static int json_element(px_pub *p, const px_buf *text, size_t record, size_t line)
{
    if (p->cur_kind == px_kind_get(PX_KIND_CASE)->name) {
        bool taken;
        p->cur_record = record;
        p->cur_line = line;
        px_buf_reset(&p->body);
        int frc =
            px_pub_fast_msgpack(&p->fast, (const char *)text->data, text->len, &p->body, &taken);
        if (frc || taken)
            return frc ? frc : add_plain_case(p, p->cur_kind);
    }
    json_error_t jerr;
    json_t *rec = json_loadb((const char *)text->data, text->len,
                             JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    int rc;
    p->cur_record = record;
    p->cur_line = line;
    p->cur_bad = false;
    if (!rec) {
        p->cur->pub.records++;
        p->cur->pub.rejected++;
        return errorf(p, "", "not valid JSON (line %zu, column %d): %s",
                      line + (jerr.line > 0 ? (size_t)jerr.line - 1 : 0), jerr.column, jerr.text);
    }
    rc = add_record(p, p->cur_kind, rec);
    json_decref(rec);
    return rc;
}

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* JSON: one object, objects one after another (JSON Lines), or an array of
 * them, split element by element: depth and strings are tracked so that
 * each element's text is handed to jansson alone. */
static int read_json(reader *r)
{
    px_pub *p = r->p;
    px_buf el = {0};
    enum { UNKNOWN, ARRAY, OBJECTS } mode = UNKNOWN;
    size_t line = 1, el_line = 0, record = 0, depth = 0;
    bool in_el = false, in_str = false, esc = false, closed = false;
    int rc = PX_OK;

    for (;;) {
        rc = refill(r);
        if (rc || r->len == 0)
            break;
        const uint8_t *d = r->chunk;
        size_t i = r->pos, n = r->len, start = i;
        for (; i < n && !rc; i++) {
            uint8_t c = d[i];
            if (in_el) {
                bool end = false, keep = true;
                if (in_str) {
                    if (esc)
                        esc = false;
                    else if (c == '\\')
                        esc = true;
                    else if (c == '"')
                        in_str = false;
                } else if (c == '"') {
                    in_str = true;
                } else if (c == '{' || c == '[') {
                    depth++;
                } else if (c == '}' || c == ']') {
                    if (mode == ARRAY && depth == 1) {
                        if (c == ']') {
                            end = true;
                            keep = false;
                            closed = true;
                        }
                    } else if (depth > 0) {
                        depth--;
                        end = mode == OBJECTS && depth == 0;
                    }
                } else if (c == ',' && mode == ARRAY && depth == 1) {
                    end = true;
                    keep = false;
                }
                if (c == '\n')
                    line++;
                if (!keep || end) {
                    size_t upto = keep ? i + 1 : i;
                    rc = px_buf_append(&el, d + start, upto - start);
                    if (!rc && el.len > RECORD_TEXT_MAX)
                        goto too_big;
                    if (!rc)
                        rc = json_element(p, &el, ++record, el_line);
                    px_buf_reset(&el);
                    in_el = false;
                    start = i + 1;
                }
                continue;
            }
            if (c == '\n')
                line++;
            if (is_ws(c))
                continue;
            if (closed) {
                rc = file_error(p, px_err_set(PX_EFORMAT,
                                              "%s: line %zu: text after the array's closing ']'",
                                              r->name, line));
                goto out;
            }
            if (mode == UNKNOWN && c == '[') {
                mode = ARRAY;
                depth = 1;
                continue;
            }
            if (mode == UNKNOWN)
                mode = OBJECTS;
            if (mode == ARRAY && c == ']' && depth == 1) {
                closed = true;
                continue;
            }
            if (mode == ARRAY && c == ',') {
                rc = file_error(p, px_err_set(PX_EFORMAT,
                                              "%s: line %zu: an empty element (two commas, or a "
                                              "comma after '[')",
                                              r->name, line));
                goto out;
            }
            if (mode == OBJECTS && c != '{') {
                rc = file_error(p, px_err_set(PX_EFORMAT,
                                              "%s: line %zu: expected a JSON object ('{'); write "
                                              "one object, an array of objects, or one object per "
                                              "line (JSON Lines)",
                                              r->name, line));
                goto out;
            }
            /* an element starts here */
            in_el = true;
            el_line = line;
            start = i;
            if (c == '"')
                in_str = true;
            else if (c == '{' || c == '[')
                depth++;
        }
        if (!rc && in_el) {
            rc = px_buf_append(&el, d + start, i - start);
            if (!rc && el.len > RECORD_TEXT_MAX)
                goto too_big;
        }
        r->pos = r->len;
    }
    if (rc) {
        rc = file_error(p, rc);
        goto out;
    }
    if (in_el && mode == OBJECTS) {
        rc = file_error(p, px_err_set(PX_EFORMAT,
                                      "%s: the file ends inside record %zu, which starts on line "
                                      "%zu (a '}' is missing)",
                                      r->name, record + 1, el_line));
    } else if (mode == ARRAY && !closed) {
        rc = file_error(p,
                        px_err_set(PX_EFORMAT, "%s: the file ends before the array's closing ']'%s",
                                   r->name, in_el ? " (inside the last record)" : ""));
    } else if (mode == UNKNOWN) {
        rc = file_error(p, px_err_set(PX_EFORMAT, "%s is empty", r->name));
    } else if (record == 0) {
        rc = file_error(p, px_err_set(PX_EINVAL, "%s: the array holds no records", r->name));
    }
    goto out;
too_big:
    rc = file_error(p, px_err_set(PX_ETOOBIG,
                                  "%s: record %zu (line %zu) is larger than %u MiB of JSON; a "
                                  "record's body is at most 128 KiB",
                                  r->name, record + 1, el_line, RECORD_TEXT_MAX >> 20));
out:
    px_buf_free(&el);
    return rc;
}

/* A CSV file, chunk by chunk (memory: one line). */
static int read_csv(reader *r)
{
    px_pub *p = r->p;
    px_csvin *c = NULL;
    int rc = px_csvin_open(r->name, csv_row, p, &c);
    while (!rc && r->pos < r->len) {
        rc = px_csvin_feed(c, (const char *)r->chunk + r->pos, r->len - r->pos);
        r->pos = r->len;
        if (!rc)
            rc = refill(r);
    }
    int crc = px_csvin_close(c);
    if (!rc)
        rc = crc;
    if (rejection(rc) || rc == PX_EIO) {
        char field[64];
        const char *msg = px_err_message(rc);
        field_of(msg, field, sizeof field);
        p->cur_record = 0;
        p->cur_line = 0;
        p->cur_bad = false;
        rc = add_error(p, field, msg);
    }
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcasecmp(s + n - m, suffix) == 0;
}

/* Does the text from d look like a CSV header line (a separator before the
 * end of the first line)? */
static bool looks_csv(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n && d[i] != '\n' && d[i] != '\r'; i++)
        if (d[i] == ',' || d[i] == ';' || d[i] == '\t')
            return true;
    return false;
}

int px_pub_add_file(px_pub *p, const char *kind, const char *path, px_pub_format fmt)
{
    const char *k = kind_name(kind);
    bool is_stdin = strcmp(path, "-") == 0;
    reader r = {.p = p, .fd = -1, .name = is_stdin ? "stdin" : path};
    int rc;

    if (!k)
        return unknown_kind(kind);
    rc = source_open(p, k, r.name);
    if (rc)
        return rc;
    r.name = p->cur->name;
    if (fmt == PX_PUB_AUTO && !is_stdin) {
        if (ends_with(path, ".csv") || ends_with(path, ".tsv"))
            fmt = PX_PUB_CSV;
        else if (ends_with(path, ".json"))
            fmt = PX_PUB_JSON;
        else if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson"))
            fmt = PX_PUB_JSONL;
    }
    if (fmt == PX_PUB_CSV && k != BENCHMARK)
        return file_error(p, px_err_set(PX_EINVAL,
                                        "%s: only benchmark results can be read from CSV; "
                                        "write %s records as JSON",
                                        r.name, k));
    if (is_stdin) {
        r.fd = STDIN_FILENO;
    } else {
        r.fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r.fd < 0)
            return file_error(p, px_err_set(errno == ENOENT ? PX_ENOENT : PX_EIO,
                                            "cannot open %s: %s", path, strerror(errno)));
        struct stat st;
        if (fstat(r.fd, &st) == 0 && S_ISREG(st.st_mode) &&
            (uint64_t)st.st_size > PX_PUB_MAX_FILE) {
            close(r.fd);
            return file_error(p, px_err_set(PX_ETOOBIG,
                                            "%s is %llu MiB, larger than %llu GiB; split it "
                                            "into several files",
                                            path, (unsigned long long)(st.st_size >> 20),
                                            (unsigned long long)(PX_PUB_MAX_FILE >> 30)));
        }
        if (fstat(r.fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            close(r.fd);
            return file_error(p, px_err_set(PX_EINVAL, "%s is a directory, not a file", path));
        }
    }
    r.chunk = malloc(READ_CHUNK);
    if (!r.chunk) {
        rc = PX_ENOMEM;
        goto out;
    }
    rc = refill(&r);
    if (rc) {
        rc = file_error(p, rc);
        goto out;
    }
    /* A UTF-8 byte-order mark says nothing in JSON or CSV: drop it. (A
     * mark split across reads cannot happen: the first read of a file
     * returns at least 3 bytes unless the file is shorter.) */
    if (r.len >= 3 && memcmp(r.chunk, "\xEF\xBB\xBF", 3) == 0)
        r.pos = 3;
    if (fmt == PX_PUB_AUTO) {
        size_t i = r.pos;
        while (i < r.len && is_ws(r.chunk[i]))
            i++;
        if (i < r.len && (r.chunk[i] == '{' || r.chunk[i] == '[')) {
            fmt = PX_PUB_JSON;
        } else if (i < r.len && looks_csv(r.chunk + i, r.len - i)) {
            if (k != BENCHMARK) {
                rc = file_error(p, px_err_set(PX_EINVAL,
                                              "%s looks like CSV, but only benchmark results "
                                              "can be read from CSV; write %s records as JSON",
                                              r.name, k));
                goto out;
            }
            fmt = PX_PUB_CSV;
        } else if (i == r.len && r.eof) {
            rc = file_error(p, px_err_set(PX_EFORMAT, "%s is empty", r.name));
            goto out;
        } else {
            rc = file_error(
                p,
                px_err_set(PX_EFORMAT,
                           "%s is neither JSON (records start with '{' or '[') nor CSV (a "
                           "header line naming the fields, separated by ',', ';' or tabs)%s",
                           r.name, k == BENCHMARK ? "; give --csv to read it as CSV anyway" : ""));
            goto out;
        }
    }
    if (fmt == PX_PUB_CSV) {
        rc = read_csv(&r);
    } else {
        rc = read_json(&r);
    }
out:
    free(r.chunk);
    if (r.fd >= 0 && !is_stdin)
        close(r.fd);
    return rc;
}

/* ---- begin and finish ------------------------------------------------------------ */

/* A big publication is one transaction: its pages (the entries' id index,
 * the full-text index) stay in SQLite's cache instead of being spilled and
 * read back, which is what made publishing slow down as the store grew.
 * PUB_CACHE_KIB bounds it (the memory goal is 200 MB for a million
 * records); the connection's own size comes back at the end. */
#define PUB_CACHE_KIB 98304

static void cache_grow(px_pub *p)
{
    px_store_cache_grow(p->l->store, PUB_CACHE_KIB, &p->cache_was);
}

static void cache_restore(px_pub *p)
{
    px_store_cache_restore(p->l->store, p->cache_was);
    p->cache_was = 0;
}

int px_pub_begin(px_local *l, const px_pub_opts *opts, px_pub **out)
{
    *out = NULL;
    px_pub *p = calloc(1, sizeof *p);
    if (!p)
        return PX_ENOMEM;
    p->l = l;
    if (opts)
        p->o = *opts;
    int rc = px_store_begin(l->store);
    if (rc) {
        free(p);
        return rc;
    }
    p->in_tx = true;
    p->now = px_now_ms();
    cache_grow(p);
    px_progress_start(&p->progress, p->o.check ? "checking" : "publishing", "records", 0);
    *out = p;
    return PX_OK;
}

int px_pub_finish(px_pub *p)
{
    int rc;
    if (p->finished)
        return px_err_set(PX_EINVAL, "the publication is already finished");
    p->finished = true;
    px_progress_done(&p->progress);
    rc = pipe_stop(p);
    if (rc) { /* a failure storing an entry: nothing is committed */
        px_store_rollback(p->l->store);
        p->in_tx = false;
        cache_restore(p);
        return rc;
    }
    if (p->nerrs == 0 && !p->o.check) {
        rc = px_index_bulk_end(p->l->store, &p->bulk);
        if (!rc)
            rc = px_store_commit(p->l->store);
        if (rc)
            px_store_rollback(p->l->store);
        p->in_tx = false;
        cache_restore(p);
        return rc;
    }
    px_store_rollback(p->l->store);
    p->in_tx = false;
    cache_restore(p);
    if (p->nerrs == 0)
        return PX_OK;
    if (p->rejected)
        return px_err_set(PX_ESCHEMA, "nothing was published: %zu %s rejected (%zu %s)",
                          p->rejected, p->rejected == 1 ? "record was" : "records were", p->nerrs,
                          p->nerrs == 1 ? "error" : "errors");
    return px_err_set(PX_ESCHEMA, "nothing was published: %s", p->nkept ? p->errs[0].message : "");
}

size_t px_pub_nerrors(const px_pub *p)
{
    return p->nerrs;
}

const px_pub_error *px_pub_error_at(const px_pub *p, size_t i)
{
    return i < p->nkept ? &p->errs[i] : NULL;
}

size_t px_pub_rejected(const px_pub *p)
{
    return p->rejected;
}

size_t px_pub_count(const px_pub *p)
{
    return p->nids;
}

void px_pub_entry_get(const px_pub *p, size_t i, px_pub_entry *out)
{
    memset(out, 0, sizeof *out);
    if (i >= p->nids)
        return;
    memcpy(out->id, p->ids[i], 32);
    out->replaced = (p->replaced[i / 8] >> (i % 8)) & 1;
    for (size_t s = p->nsrc; s-- > 0;) {
        if (p->src[s].first <= i) {
            out->kind = p->src[s].pub.kind;
            out->source = p->src[s].name;
            out->record = i - p->src[s].first + 1;
            return;
        }
    }
}

size_t px_pub_nsources(const px_pub *p)
{
    return p->nsrc;
}

const px_pub_source *px_pub_source_at(const px_pub *p, size_t i)
{
    return i < p->nsrc ? &p->src[i].pub : NULL;
}

void px_pub_free(px_pub *p)
{
    if (!p)
        return;
    px_progress_done(&p->progress);
    (void)pipe_stop(p);
    if (p->in_tx)
        px_store_rollback(p->l->store);
    px_blobs_close(p->blobs);
    cache_restore(p);
    for (size_t i = 0; i < p->nkept; i++) {
        free((char *)p->errs[i].field);
        free((char *)p->errs[i].message);
    }
    free(p->errs);
    for (size_t i = 0; i < p->nsrc; i++)
        free(p->src[i].name);
    free(p->src);
    free(p->ids);
    free(p->replaced);
    for (size_t i = 0; i < p->nscales; i++)
        free(p->scales[i].code);
    free(p->scales);
    free(p->seen);
    px_buf_free(&p->body);
    px_pub_fast_free(p->fast);
    free(p);
}
