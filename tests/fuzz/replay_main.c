/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay_main.c — a main() for the fuzz targets in builds without libFuzzer
 * (gcc, the plain and ASan builds): it runs LLVMFuzzerTestOneInput once on
 * every file named on the command line, or on every regular file of a named
 * directory, so the committed seed corpora and the saved crash inputs
 * (tests/fuzz/regressions/) are replayed by every CTest run.
 *
 *   fuzz_entry_replay DIR|FILE...
 *
 * Exit status 0 when every input ran (a bug aborts inside the target), 1 if
 * an input could not be read or no input was found at all.
 */
#include "error.h"
#include "util.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = px_read_file(path, 16u * 1024 * 1024, &data, &len);
    if (rc) {
        fprintf(stderr, "replay: cannot read %s: %s\n", path, px_err_message(rc));
        return -1;
    }
    /* An exact-size copy, so a read past the input's end is caught by ASan
     * (px_read_file adds a NUL the target must not rely on). */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(data);
        return -1;
    }
    memcpy(exact, data, len);
    free(data);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of dir, in name order. OUT: *count += files run. */
static int run_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;

    if (!d) {
        fprintf(stderr, "replay: cannot open directory %s\n", dir);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            char **p = realloc(names, ncap * sizeof *names);
            if (!p) {
                rc = -1;
                break;
            }
            names = p;
            cap = ncap;
        }
        names[n] = strdup(de->d_name);
        if (!names[n]) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[4096];
        struct stat st;
        if (px_path_join(path, sizeof path, dir, names[i]) != PX_OK) {
            rc = -1;
            break;
        }
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        rc = run_file(path);
        if (rc == 0)
            (*count)++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s does not exist\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            if (run_dir(argv[i], &count) != 0)
                return 1;
        } else {
            if (run_file(argv[i]) != 0)
                return 1;
            count++;
        }
    }
    if (count == 0) {
        fprintf(stderr, "replay: no inputs found\n");
        return 1;
    }
    fprintf(stderr, "replay: %zu inputs ran\n", count);
    return 0;
}
