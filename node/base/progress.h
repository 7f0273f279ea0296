/* SPDX-License-Identifier: Apache-2.0 */
/*
 * progress.h — a progress line on standard error for long operations
 * (publishing a large file, importing a feed file, verify, reindex).
 *
 * Nothing is written unless the program turned progress on, which the CLI
 * does only when standard error is a terminal: scripts, tests, logs and the
 * daemon (whose web server publishes through the same code) see no change.
 * The line is redrawn in place ("\r", then the text, then "erase to end of
 * line"), at most PX_PROGRESS_HZ times a second, and erased by
 * px_progress_done, so what is printed afterwards starts on a clean line.
 * The text is made here from numbers and the fixed words given by the
 * caller, never from record or peer text.
 *
 * Use:
 *     px_progress pr;
 *     px_progress_start(&pr, "verifying", "entries", total);   // total 0: unknown
 *     for (...) px_progress_step(&pr, ++done);
 *     px_progress_done(&pr);
 *
 * A px_progress is used by one thread; px_progress_enable is called once,
 * before any other thread starts.
 */
#ifndef PX_PROGRESS_H
#define PX_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* Most redraws a second. */
#define PX_PROGRESS_HZ 4

/* Turn progress lines on or off for the whole process (default: off). */
void px_progress_enable(bool on);
bool px_progress_enabled(void);

typedef struct px_progress {
    const char *verb; /* "verifying" */
    const char *unit; /* "entries" */
    uint64_t total;   /* 0: not known (the rate is shown instead of "of N") */
    uint64_t done;
    uint64_t t0, last; /* px_mono_ns of the start and of the last redraw */
    bool on, shown;
} px_progress;

/* Begin an operation over total items (0: not known). verb and unit must
 * live until px_progress_done. */
void px_progress_start(px_progress *p, const char *verb, const char *unit, uint64_t total);

/* done items so far: redraws the line if the last redraw is at least
 * 1/PX_PROGRESS_HZ s old (the first one at once). Cheap when off. */
void px_progress_step(px_progress *p, uint64_t done);

/* Erase the line (if one is shown) so that a message can be printed; the
 * next step draws it again. */
void px_progress_clear(px_progress *p);

/* The end: erase the line. Safe to call more than once. */
void px_progress_done(px_progress *p);

/* The text of the line for done items after secs seconds, into buf
 * (truncated to size): "verifying: 1200 of 5000 entries (24%)", or without a total
 * "publishing: 1200 records (600/s)". */
const char *px_progress_format(char *buf, unsigned size, const px_progress *p, uint64_t done,
                               double secs);

#endif
