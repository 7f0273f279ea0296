/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_progress.c — the progress line (node/base/progress.c): its text, the
 * rate limit, erasing, and silence when progress is off.
 */
#include "check.h"

#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What fn writes to stderr, as a string (caller frees). */
static char *capture(void (*fn)(void))
{
    FILE *tmp = tmpfile();
    if (!tmp)
        return NULL;
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    fn();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    fseek(tmp, 0, SEEK_END);
    long n = ftell(tmp);
    rewind(tmp);
    char *s = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
    if (s && n > 0 && fread(s, 1, (size_t)n, tmp) != (size_t)n)
        s[0] = '\0';
    fclose(tmp);
    return s;
}

static void test_format(void)
{
    char buf[160];
    px_progress p;
    px_progress_enable(false);
    px_progress_start(&p, "verifying", "entries", 5000);
    CHECK_STR(px_progress_format(buf, sizeof buf, &p, 1200, 3.0),
              "verifying: 1200 of 5000 entries (24%)");
    CHECK_STR(px_progress_format(buf, sizeof buf, &p, 6000, 3.0),
              "verifying: 6000 of 5000 entries (100%)");
    px_progress_start(&p, "publishing", "records", 0);
    CHECK_STR(px_progress_format(buf, sizeof buf, &p, 1200, 2.0),
              "publishing: 1200 records (600/s)");
    CHECK_STR(px_progress_format(buf, sizeof buf, &p, 3, 0.1), "publishing: 3 records");
    char small[12];
    CHECK_STR(px_progress_format(small, sizeof small, &p, 1200, 2.0), "publishing:");
}

static void run_off(void)
{
    px_progress p;
    px_progress_enable(false);
    px_progress_start(&p, "indexing", "entries", 10);
    for (uint64_t i = 1; i <= 10; i++)
        px_progress_step(&p, i);
    px_progress_clear(&p);
    px_progress_done(&p);
}

static void run_on(void)
{
    px_progress p;
    px_progress_enable(true);
    px_progress_start(&p, "indexing", "entries", 10);
    px_progress_step(&p, 1); /* the first is drawn at once */
    px_progress_step(&p, 2); /* within 1/4 s of it: not drawn */
    px_progress_clear(&p);   /* erased, for a message */
    fputs("message\n", stderr);
    px_progress_step(&p, 3); /* drawn again at once after a clear */
    px_progress_done(&p);    /* erased */
    px_progress_done(&p);    /* nothing more */
    px_progress_step(&p, 4); /* after the end: nothing */
    px_progress_enable(false);
}

static void test_output(void)
{
    char *off = capture(run_off);
    CHECK(off && off[0] == '\0');
    free(off);
    char *on = capture(run_on);
    CHECK(on != NULL);
    if (on)
        CHECK_STR(on, "\rindexing: 1 of 10 entries (10%)\033[K\r\033[Kmessage\n"
                      "\rindexing: 3 of 10 entries (30%)\033[K\r\033[K");
    free(on);
    CHECK(!px_progress_enabled());
}

int main(void)
{
    RUN(test_format);
    RUN(test_output);
    return check_summary();
}
