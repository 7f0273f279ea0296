/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_shs_server.c — libFuzzer target for the server side of the Secret
 * Handshake (shs.c): a node accepting a connection reads msg1 and msg3 from
 * whoever dialled it. The modes and invariants are in fuzz_shs.h.
 */
#include "fuzz_shs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_shs_run(PX_SHS_SERVER, data, size);
    return 0;
}
