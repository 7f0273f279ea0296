/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_shs_client.c — libFuzzer target for the client side of the Secret
 * Handshake (shs.c): a node dialling a peer reads msg2 and msg4 from
 * whatever answers. The modes and invariants are in fuzz_shs.h.
 */
#include "fuzz_shs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_shs_run(PX_SHS_CLIENT, data, size);
    return 0;
}
