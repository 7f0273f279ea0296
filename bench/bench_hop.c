/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_hop.c — what one hop of a new entry costs praxisd, measured on its
 * own code paths with real data directories (praxis-sim's storage model
 * takes these figures; bench/sim-calibrate.sh passes them to it).
 *
 *   bench_hop AUTHOR_DIR RECEIVER_DIR [ROUNDS] [BULK]   (defaults 200, 100)
 *
 * Both directories are made by `praxis init` of one network, the
 * receiver's key admitted by the author (the root) and the root's feed
 * imported at the receiver, as bench/spread.sh sets its nodes up (the
 * stores are wherever the directories are: put them where spread.sh puts
 * its own). Each round the author publishes one case record as `praxis
 * publish` does (px_pub: stamp, sign, store and index, commit), its
 * daemon's answer to the CLI's notification is redone (membership reload,
 * feed heads to a core) and the entry is loaded as a peer's `entries`
 * message; the receiver then takes that message as praxisd's gossip.c
 * does: decode and verify (the thread pool's part), store in one
 * transaction (the worker's), then index it (the worker's next unit when
 * no batch waits). The same is timed for BULK entries in one message,
 * nine times, so a transaction's fixed cost and each entry's cost come
 * apart. Prints the medians as `figure` lines and, last, the praxis-sim
 * arguments that model them.
 */
#include "core.h"
#include "datadir.h"
#include "error.h"
#include "ingest.h"
#include "msg.h"
#include "publish.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROUNDS_MAX = 100000, BULK_MAX = 256, BULK_ROUNDS = 9 };

typedef struct timings {
    double *publish, *notify, *load, *verify, *store, *index;
} timings;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n ? v[n / 2] : 0;
}

static double us_since(uint64_t t0)
{
    return (double)(px_mono_ns() - t0) / 1000.0;
}

/* Publish k case records in one publication, as `praxis publish` does. */
static int publish(px_local *a, int round, size_t k)
{
    px_pub *p = NULL;
    int rc = px_pub_begin(a, NULL, &p);
    for (size_t i = 0; !rc && i < k; i++) {
        char title[64];
        snprintf(title, sizeof title, "hop %d.%zu", round, i);
        json_t *rec = json_pack("{s:{s:s}, s:{s:s}, s:s, s:s}", "title", "en", title, "summary",
                                "en", "s", "country", "KZ", "stage", "idea");
        rc = rec ? px_pub_add_json(p, "case", rec, "bench", i + 1, 0) : PX_ENOMEM;
        json_decref(rec);
    }
    if (!rc)
        rc = px_pub_finish(p);
    px_pub_free(p);
    return rc;
}

/* One hop of the last k entries of the author's feed: OUT the times. */
static int hop(px_local *a, px_core *core, px_ingest *ig, int round, size_t k, timings *t, size_t i)
{
    uint64_t t0 = px_mono_ns();
    int rc = publish(a, round, k);
    t->publish[i] = us_since(t0);
    px_head h;
    if (!rc)
        rc = px_store_head(a->store, a->me.pk, &h);
    /* The author's daemon, told by the CLI (node.c's notify): membership
     * reloaded and its cuts applied, the feeds' heads given to its core. */
    t0 = px_mono_ns();
    if (!rc)
        rc = px_members_load(&a->members, a->store, a->genesis.root);
    if (!rc)
        rc = px_local_apply_cuts(a, NULL);
    if (!rc)
        px_core_members_changed(core, true, 0);
    if (!rc)
        rc = px_ingest_feed_core(a->store, core, 0);
    px_core_action act;
    while (!rc && px_core_next_action(core, &act))
        px_core_action_release(&act); /* no peers: a wake and the release job */
    t->notify[i] = us_since(t0);
    /* Its core's PX_CORE_LOAD of the new entries, and the message. */
    px_core_action la = {.type = PX_CORE_LOAD,
                         .from_seq = rc ? 0 : h.seq - k + 1,
                         .until_seq = rc ? 0 : h.seq,
                         .max_entries = k,
                         .max_bytes = 512 * 1024};
    memcpy(la.author, a->me.pk, 32);
    px_buf items = {0}, msg = {0};
    size_t count = 0;
    uint64_t last = 0;
    t0 = px_mono_ns();
    if (!rc)
        rc = px_ingest_load(a->store, &la, &items, &count, &last);
    if (!rc)
        rc = px_msg_encode_entries(&msg, items.data, items.len, count);
    t->load[i] = us_since(t0);
    px_buf_free(&items);
    if (!rc && count != k)
        rc = px_err_set(PX_EINVAL, "loaded %zu entries, not %zu", count, k);
    /* The receiver: decode and verify, store, index. */
    px_ingest_job *j = NULL;
    if (!rc) {
        rc = px_ingest_job_new((uint64_t)i + 1, PX_CORE_JOB_ENTRIES, msg.data, msg.len, false, &j);
        msg.data = NULL; /* taken over (or freed) */
    }
    px_buf_free(&msg);
    if (!rc) {
        t0 = px_mono_ns();
        px_ingest_prepare(j);
        t->verify[i] = us_since(t0);
        t0 = px_mono_ns();
        rc = px_ingest_run(ig, &j, 1, px_now_ms());
        t->store[i] = us_since(t0);
    }
    if (!rc && px_ingest_outcome(j)->added != k)
        rc = px_err_set(PX_EINVAL, "stored %zu new entries, not %zu (%s)",
                        px_ingest_outcome(j)->added, k, px_ingest_outcome(j)->err);
    px_ingest_job_free(j);
    size_t indexed = 0;
    bool left = false;
    t0 = px_mono_ns();
    if (!rc)
        rc = px_ingest_index_backlog(ig, &indexed, &left);
    t->index[i] = us_since(t0);
    if (!rc && indexed != k)
        rc = px_err_set(PX_EINVAL, "indexed %zu entries, not %zu", indexed, k);
    return rc;
}

static int alloc_timings(timings *t, size_t n)
{
    double **f[] = {&t->publish, &t->notify, &t->load, &t->verify, &t->store, &t->index};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!(*f[i] = calloc(n, sizeof(double))))
            return PX_ENOMEM;
    return PX_OK;
}

static void free_timings(timings *t)
{
    free(t->publish);
    free(t->notify);
    free(t->load);
    free(t->verify);
    free(t->store);
    free(t->index);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: bench_hop AUTHOR_DIR RECEIVER_DIR [ROUNDS] [BULK]\n");
        return 2;
    }
    long rounds = argc > 3 ? strtol(argv[3], NULL, 10) : 200;
    long bulk = argc > 4 ? strtol(argv[4], NULL, 10) : 100;
    if (rounds < 1 || rounds > ROUNDS_MAX || bulk < 2 || bulk > BULK_MAX) {
        fprintf(stderr, "bench_hop: ROUNDS must be 1-%d and BULK 2-%d\n", ROUNDS_MAX, BULK_MAX);
        return 2;
    }
    static px_local a, r;
    px_core *core = NULL;
    px_ingest *ig = NULL;
    px_store *wstore = NULL;
    timings one = {0}, many = {0};
    int rc = px_local_open(&a, argv[1]);
    if (!rc)
        rc = px_local_open(&r, argv[2]);
    /* The receiver as praxisd's gossip.c: a worker connection of its own,
     * replicated entries indexed in a unit of their own. */
    if (!rc)
        rc = px_store_open(r.paths.store, &wstore);
    if (!rc) {
        px_ingest_cfg ic = {.store = wstore,
                            .feed = r.feed,
                            .root = r.genesis.root,
                            .me = r.me.pk,
                            .defer_index = true};
        rc = px_ingest_new(&ic, &ig);
    }
    if (!rc) {
        px_core_cfg cc = {.me = a.me.pk,
                          .network_id = a.genesis.network_id,
                          .members = &a.members,
                          .seed = 1,
                          .now_ms = px_now_ms()};
        rc = px_core_new(&cc, &core);
    }
    if (!rc)
        rc = alloc_timings(&one, (size_t)rounds);
    size_t n_many = BULK_ROUNDS;
    if (!rc)
        rc = alloc_timings(&many, n_many);
    for (long i = 0; !rc && i < rounds; i++)
        rc = hop(&a, core, ig, (int)i, 1, &one, (size_t)i);
    for (size_t i = 0; !rc && i < n_many; i++)
        rc = hop(&a, core, ig, -1 - (int)i, (size_t)bulk, &many, i);
    if (rc) {
        fprintf(stderr, "bench_hop: %s\n", px_err_message(rc));
    } else {
        size_t n = (size_t)rounds;
        double pub = median(one.publish, n), notify = median(one.notify, n),
               load = median(one.load, n), verify = median(one.verify, n),
               store = median(one.store, n), index = median(one.index, n);
        double k = (double)(bulk - 1);
        /* Per entry: what BULK entries cost over one, per extra entry. */
        double verify_e = (median(many.verify, n_many) - verify) / k,
               store_e = (median(many.store, n_many) - store) / k,
               index_e = (median(many.index, n_many) - index) / k;
        if (verify_e < 0)
            verify_e = 0;
        if (store_e < 0)
            store_e = 0;
        if (index_e < 0)
            index_e = 0;
        printf("one entry a hop, medians of %ld rounds; per entry from %zu messages of %ld:\n",
               rounds, n_many, bulk);
        printf("  publish (stamp, sign, store, index, commit) %.0f us; the daemon told %.0f us; "
               "loaded as a message %.0f us\n",
               pub, notify, load);
        printf("  received: decode and verify %.0f us (%.0f per entry), store %.0f us (%.0f per "
               "entry), index %.0f us (%.0f per entry)\n",
               verify, verify_e, store, store_e, index, index_e);
        printf("figure\thop_publish\t%.0f\tus\n", pub);
        printf("figure\thop_notify\t%.0f\tus\n", notify + load);
        printf("figure\thop_verify\t%.0f\tus\n", verify);
        printf("figure\thop_store\t%.0f\tus\n", store);
        printf("figure\thop_store_per_entry\t%.0f\tus\n", store_e);
        printf("figure\thop_index\t%.0f\tus\n", index);
        printf("figure\thop_index_per_entry\t%.0f\tus\n", index_e);
        /* The model: a transaction's fixed cost is one entry's less the
         * per-entry cost; verifying is all per-entry cost, taken from one
         * entry (BULK verifications in a row measure slower on a loaded
         * machine: they outlast the scheduler's slices, one does not). */
        double batch = store - store_e, ibatch = index - index_e;
        printf("sim-args\t--publish-cost %.0f --verify-cost %.0f --batch-cost %.0f "
               "--entry-cost %.0f --index-cost %.0f --index-entry-cost %.0f\n",
               pub + notify + load, verify, batch > 0 ? batch : 0, store_e, ibatch > 0 ? ibatch : 0,
               index_e);
    }
    free_timings(&one);
    free_timings(&many);
    px_core_free(core);
    px_ingest_free(ig);
    px_store_close(wstore);
    px_local_close(&r);
    px_local_close(&a);
    return rc ? 1 : 0;
}
