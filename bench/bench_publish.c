/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_publish.c — publishing many records through node/app/publish.c, the
 * path `praxis publish` takes: each FILE (JSON Lines, say 100,000 case
 * studies) is added to one publication with px_pub_add_file and timed
 * alone, so the rate per file shows whether publishing slows as the store
 * grows; then the one commit is timed.
 *
 *   bench_publish DATADIR KIND FILE...   (DATADIR made by `praxis init`)
 *
 * Prints a line per file (records, seconds, records/s, peak RSS so far),
 * the commit, the total, then "figure<TAB>name<TAB>value<TAB>unit" lines.
 */
#include "crypto.h"
#include "datadir.h"
#include "error.h"
#include "publish.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process: on a shared machine the
 * wall clock says as much about the neighbours as about this code. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static long peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

static void die(int rc, const char *what)
{
    fprintf(stderr, "bench_publish: %s: %s\n", what, px_err_message(rc));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_publish DATADIR KIND FILE...\n");
        return 2;
    }
    px_local l;
    px_pub *p = NULL;
    int rc = px_crypto_init();
    if (!rc)
        rc = px_local_open(&l, argv[1]);
    if (rc)
        die(rc, "opening the data directory");
    double t0 = now_s(), first = 0, last = 0;
    size_t done = 0;
    rc = px_pub_begin(&l, NULL, &p);
    if (rc)
        die(rc, "starting");
    double c0 = cpu_s(), first_cpu = 0, last_cpu = 0;
    printf("%-6s %9s %9s %11s %9s %13s %9s\n", "file", "records", "seconds", "records/s", "CPU s",
           "per CPU-s", "peak RSS");
    for (int i = 3; i < argc; i++) {
        double t = now_s(), c = cpu_s();
        rc = px_pub_add_file(p, argv[2], argv[i], PX_PUB_AUTO);
        if (rc)
            die(rc, argv[i]);
        if (px_pub_nerrors(p)) {
            const px_pub_error *e = px_pub_error_at(p, 0);
            fprintf(stderr, "bench_publish: %s: record %zu: %s\n", e->source, e->record,
                    e->message);
            return 1;
        }
        double dt = now_s() - t, dc = cpu_s() - c;
        size_t n = px_pub_count(p) - done;
        done += n;
        double rate = n / dt, crate = n / dc;
        if (i == 3) {
            first = rate;
            first_cpu = crate;
        }
        last = rate;
        last_cpu = crate;
        printf("%-6d %9zu %9.2f %11.0f %9.2f %13.0f %6ld MB\n", i - 2, n, dt, rate, dc, crate,
               peak_rss_mb());
        fflush(stdout);
    }
    double tc = now_s();
    rc = px_pub_finish(p);
    if (rc)
        die(rc, "committing");
    double commit = now_s() - tc, total = now_s() - t0;
    double cpu = cpu_s() - c0;
    printf("commit: %.2f s; total: %zu records in %.2f s = %.0f records/s (%.0f per CPU-second); "
           "peak RSS %ld MB\n",
           commit, done, total, done / total, done / cpu, peak_rss_mb());
    printf("first to last file: %+.1f %% (wall), %+.1f %% (per CPU-second)\n",
           100.0 * (last - first) / first, 100.0 * (last_cpu - first_cpu) / first_cpu);
    printf("figure\tpublish_rate_cpu_first\t%.0f\trecords/CPU-s\n", first_cpu);
    printf("figure\tpublish_rate_cpu_last\t%.0f\trecords/CPU-s\n", last_cpu);
    printf("figure\tpublish_rate_first\t%.0f\trecords/s\n", first);
    printf("figure\tpublish_rate_last\t%.0f\trecords/s\n", last);
    printf("figure\tpublish_rate_total\t%.0f\trecords/s\n", done / total);
    printf("figure\tpublish_peak_rss\t%ld\tMB\n", peak_rss_mb());
    px_pub_free(p);
    px_local_close(&l);
    return 0;
}
