/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dialer.c — the dialler's pure decisions (see dialer.h).
 */
#include "dialer.h"

#include <string.h>

uint64_t px_dial_backoff_ms(uint32_t failures, px_rng *rng)
{
    uint64_t delay = (uint64_t)PX_DIAL_BACKOFF_FIRST_MS << (failures < 6 ? failures : 6);
    if (delay > PX_DIAL_BACKOFF_MAX_MS)
        delay = PX_DIAL_BACKOFF_MAX_MS;
    return delay + (rng ? px_rng_below(rng, 500) : 0);
}

void px_dial_decide(const px_dial_target *t, size_t n, const px_members *m, const px_core *core,
                    int max_outbound, uint64_t now, uint64_t *next_rotate_ms, px_rng *rng,
                    size_t *dial_out, px_dial_decision *d)
{
    memset(d, 0, sizeof *d);
    /* Learned targets that may be dialled sit at the end of dial_out
     * (eligible, from index n down); ready learned ones are counted. */
    size_t n_eligible = 0, n_ready_learned = 0;
    int active_learned = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].learned && t[i].active)
            active_learned++;
        if (t[i].learned && t[i].active && t[i].ready)
            n_ready_learned++;
        if (t[i].active || now < t[i].next_try_ms || t[i].connected ||
            px_members_cut_off(m, t[i].key) /* never dial a revoked key */ ||
            (core && px_core_banned_until(core, t[i].key) > now))
            continue;
        if (!t[i].learned)
            dial_out[d->n_dial++] = i;
        else
            dial_out[n - 1 - n_eligible++] = i;
    }
    while (active_learned < max_outbound && n_eligible > 0) {
        size_t k = (size_t)px_rng_below(rng, n_eligible);
        size_t pick = dial_out[n - 1 - k];
        dial_out[n - 1 - k] = dial_out[n - n_eligible]; /* the last eligible takes its place */
        n_eligible--;
        dial_out[d->n_dial++] = pick;
        active_learned++;
    }
    if (now < *next_rotate_ms)
        return;
    *next_rotate_ms =
        now + PX_DIAL_ROTATE_EVERY_MS + px_rng_below(rng, PX_DIAL_ROTATE_EVERY_MS / 4);
    if (n_eligible == 0 || n_ready_learned == 0)
        return;
    size_t k = (size_t)px_rng_below(rng, n_ready_learned);
    for (size_t i = 0; i < n; i++)
        if (t[i].learned && t[i].active && t[i].ready && k-- == 0) {
            d->rotate = true;
            d->rotate_index = i;
            return;
        }
}
