/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kinds.c — the table of entry kinds (kinds.h).
 */
#include "kinds.h"

#include <stdio.h>
#include <string.h>

static const px_kind kinds[PX_KIND_COUNT] = {
    {PX_KIND_CASE, "case", PX_PUB_CENTRE, PX_KIND_INDEXED | PX_KIND_PUBLISHABLE},
    {PX_KIND_INDICATOR, "indicator", PX_PUB_CENTRE, PX_KIND_INDEXED | PX_KIND_PUBLISHABLE},
    {PX_KIND_BENCHMARK, "benchmark", PX_PUB_CENTRE, PX_KIND_INDEXED | PX_KIND_PUBLISHABLE},
    {PX_KIND_CROSSWALK, "crosswalk", PX_PUB_CENTRE, PX_KIND_INDEXED | PX_KIND_PUBLISHABLE},
    {PX_KIND_RETRACT, "retract", PX_PUB_CENTRE, PX_KIND_INDEXED},
    {PX_KIND_AGGREGATE, "aggregate", PX_PUB_SECRETARIAT, PX_KIND_INDEXED},
    {PX_KIND_ADDRESS, "address", PX_PUB_MEMBER, PX_KIND_NEEDS_BODY},
    /* An observer's or centre's own `member` entry is a hand-over; who may
     * admit whom is the membership fold's rule (members.c). */
    {PX_KIND_MEMBER, "member", PX_PUB_MEMBER, PX_KIND_NEEDS_BODY | PX_KIND_MEMBERSHIP},
    {PX_KIND_REVOKE, "revoke", PX_PUB_SECRETARIAT, PX_KIND_NEEDS_BODY | PX_KIND_MEMBERSHIP},
};

const px_kind *px_kind_get(px_kind_id id)
{
    return (unsigned)id < PX_KIND_COUNT ? &kinds[id] : NULL;
}

const px_kind *px_kind_find(const char *name)
{
    for (size_t i = 0; name && i < PX_KIND_COUNT; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}

bool px_kind_is(const char *name, unsigned flag)
{
    const px_kind *k = px_kind_find(name);
    return k && (k->flags & flag) == flag;
}

px_publisher px_kind_publisher(const char *name)
{
    const px_kind *k = px_kind_find(name);
    return k ? k->publisher : PX_PUB_MEMBER;
}

bool px_kind_open_to(const char *name, px_publisher rights)
{
    return px_kind_publisher(name) <= rights; /* the enum widens: member, centre, secretariat */
}

const char *px_kind_list(unsigned flag, const char *last_sep, char *out, size_t outlen)
{
    size_t n = 0, total = 0, o = 0;
    for (size_t i = 0; i < PX_KIND_COUNT; i++)
        total += (kinds[i].flags & flag) == flag;
    if (outlen)
        out[0] = '\0';
    for (size_t i = 0; i < PX_KIND_COUNT && outlen; i++) {
        if ((kinds[i].flags & flag) != flag)
            continue;
        const char *sep = n == 0 ? "" : n + 1 == total ? last_sep : ", ";
        int w = snprintf(out + o, outlen - o, "%s%s", sep, kinds[i].name);
        if (w < 0 || (size_t)w >= outlen - o) {
            out[o] = '\0'; /* whole names only */
            break;
        }
        o += (size_t)w;
        n++;
    }
    return out;
}
