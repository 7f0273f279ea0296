/* SPDX-License-Identifier: Apache-2.0 */
/*
 * offence.c — the misbehaviour table (see offence.h).
 */
#include "offence.h"

#include "error.h"

#include <stddef.h>

enum { SEC = 1000, HOUR = 3600 * 1000 };

static const px_offence table[] = {
    {PX_ESIG, 30 * SEC, HOUR, "sent an entry whose own signature does not verify"},
    {PX_EHASH, 30 * SEC, HOUR, "sent a body or blob chunk that does not match its hash"},
    {PX_ENETWORK, 30 * SEC, HOUR, "sent an entry or hello of another network"},
    {PX_EPREV, 30 * SEC, HOUR, "sent an entry whose prev is not its predecessor's id"},
    {PX_ETIME, 30 * SEC, HOUR, "sent an entry whose timestamp goes back"},
    {PX_EFORMAT, 30 * SEC, HOUR, "sent bytes that are not a well-formed message or entry"},
    {PX_ETOOBIG, 30 * SEC, HOUR, "sent a message or entry over a size limit"},
    {PX_EPROTO, 30 * SEC, HOUR, "broke the protocol (a message out of place or malformed)"},
    {PX_ECRYPTO, 30 * SEC, HOUR, "sent box-stream bytes that do not authenticate"},
    {PX_ETIMEDOUT, 0, 0, "sent no hello within the handshake timeout"},
};

const px_offence *px_offence_of(int rc)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].rc == rc)
            return &table[i];
    return NULL;
}

uint64_t px_offence_ban_ms(int rc, uint32_t offences)
{
    const px_offence *o = px_offence_of(rc);
    if (!o || !o->ban_first_ms || offences == 0)
        return 0;
    uint64_t ms = o->ban_first_ms << (offences < 17 ? offences - 1 : 16);
    return ms > o->ban_max_ms ? o->ban_max_ms : ms;
}
