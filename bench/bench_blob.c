/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_blob.c — `praxis blob add` and `praxis blob get` of one big file
 * (64 MiB by default): the real command, run as a child process, timed on
 * the wall clock and measured with wait4's rusage (CPU seconds, peak RSS of
 * the command itself). The goal for add: peak RSS <= 64 MB whatever the
 * file's size (the file is streamed a chunk at a time).
 *
 *   bench_blob PRAXIS DATADIR [MIB]    (DATADIR made by `praxis init`)
 *
 * The input is random bytes written first to DATADIR/bench-in (so it is in
 * the page cache: the figures are the store's, not the disk's read speed);
 * the chunk files and the output are synced to disk as the commands do.
 * Prints a line per command and "figure<TAB>name<TAB>value<TAB>unit" lines.
 */
#include "crypto.h"
#include "error.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct run {
    double wall, cpu, rss_mb;
    char out[128];
} run;

/* Run argv; its stdout (first line) into r->out. */
static int run_cmd(char *const argv[], run *r)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        return -1;
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    size_t n = 0;
    ssize_t got;
    while ((got = read(pfd[0], r->out + n, sizeof r->out - 1 - n)) > 0)
        n += (size_t)got;
    r->out[n] = '\0';
    r->out[strcspn(r->out, "\n")] = '\0';
    close(pfd[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return -1;
    r->wall = now_s() - t0;
    r->cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
             ru.ru_stime.tv_usec / 1e6;
    r->rss_mb = (double)ru.ru_maxrss / 1024.0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: bench_blob PRAXIS DATADIR [MIB]\n");
        return 2;
    }
    uint64_t mib = 64;
    if (argc == 4 && px_parse_u64(argv[3], 1, 64, &mib) != PX_OK) {
        fprintf(stderr, "bench_blob: MIB must be 1 to 64\n");
        return 2;
    }
    if (px_crypto_init())
        return 1;
    char in[4096], outp[4096];
    snprintf(in, sizeof in, "%s/bench-in", argv[2]);
    snprintf(outp, sizeof outp, "%s/bench-out", argv[2]);
    int fd = open(in, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    uint8_t *buf = malloc(1 << 20);
    if (fd < 0 || !buf)
        return 1;
    for (uint64_t i = 0; i < mib; i++) {
        px_random_bytes(buf, 1 << 20);
        if (write(fd, buf, 1 << 20) != 1 << 20)
            return 1;
    }
    close(fd);
    free(buf);
    double mb = (double)mib * 1048576.0 / 1e6;

    run add = {0}, get = {0};
    char *add_argv[] = {argv[1], "--data", argv[2], "blob", "add", in, NULL};
    if (run_cmd(add_argv, &add) != 0 || strlen(add.out) != 64) {
        fprintf(stderr, "bench_blob: blob add failed\n");
        return 1;
    }
    printf("blob add %llu MiB: %.3f s wall (%.1f MB/s), %.3f s CPU, peak RSS %.1f MB\n",
           (unsigned long long)mib, add.wall, mb / add.wall, add.cpu, add.rss_mb);
    char *get_argv[] = {argv[1], "--data", argv[2], "blob", "get", add.out, "--out", outp, NULL};
    if (run_cmd(get_argv, &get) != 0) {
        fprintf(stderr, "bench_blob: blob get failed\n");
        return 1;
    }
    printf("blob get %llu MiB: %.3f s wall (%.1f MB/s), %.3f s CPU, peak RSS %.1f MB\n",
           (unsigned long long)mib, get.wall, mb / get.wall, get.cpu, get.rss_mb);
    printf("figure\tblob_add_rate\t%.1f\tMB/s\n", mb / add.wall);
    printf("figure\tblob_add_rss\t%.1f\tMB\n", add.rss_mb);
    printf("figure\tblob_get_rate\t%.1f\tMB/s\n", mb / get.wall);
    printf("figure\tblob_get_rss\t%.1f\tMB\n", get.rss_mb);
    unlink(in);
    unlink(outp);
    return add.rss_mb <= 64.0 ? 0 : 1;
}
