/* SPDX-License-Identifier: Apache-2.0 */
/*
 * progress.c — the progress line of long CLI operations (see progress.h).
 */
#include "progress.h"

#include "util.h"

#include <stdio.h>
#include <string.h>

static bool enabled;

void px_progress_enable(bool on)
{
    enabled = on;
}

bool px_progress_enabled(void)
{
    return enabled;
}

void px_progress_start(px_progress *p, const char *verb, const char *unit, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->verb = verb;
    p->unit = unit;
    p->total = total;
    p->on = enabled;
    if (p->on)
        p->t0 = px_mono_ns();
}

const char *px_progress_format(char *buf, unsigned size, const px_progress *p, uint64_t done,
                               double secs)
{
    if (p->total) {
        uint64_t pct = done >= p->total ? 100 : done * 100 / p->total;
        snprintf(buf, size, "%s: %llu of %llu %s (%llu%%)", p->verb, (unsigned long long)done,
                 (unsigned long long)p->total, p->unit, (unsigned long long)pct);
    } else if (secs >= 0.5) {
        snprintf(buf, size, "%s: %llu %s (%.0f/s)", p->verb, (unsigned long long)done, p->unit,
                 (double)done / secs);
    } else {
        /* too early for a rate that means anything */
        snprintf(buf, size, "%s: %llu %s", p->verb, (unsigned long long)done, p->unit);
    }
    return buf;
}

void px_progress_step(px_progress *p, uint64_t done)
{
    p->done = done;
    if (!p->on)
        return;
    uint64_t now = px_mono_ns();
    if (p->shown && now - p->last < 1000000000ull / PX_PROGRESS_HZ)
        return;
    char line[160];
    px_progress_format(line, sizeof line, p, done, (double)(now - p->t0) / 1e9);
    /* "\r", the text, then erase what a longer earlier line left */
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->last = now;
    p->shown = true;
}

void px_progress_clear(px_progress *p)
{
    if (!p->on || !p->shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->shown = false;
}

void px_progress_done(px_progress *p)
{
    px_progress_clear(p);
    p->on = false;
}
