/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_genesis.c — libFuzzer target for the genesis document parser
 * (px_genesis_parse in genesis.c) and the peer addresses in it (addr.c):
 * the file a new member is handed and `praxis init --network` reads.
 *
 * The input is the JSON text. A document that parses must serialise
 * (px_genesis_to_json) and parse again to the same network: name, key,
 * root, derived id and bootstrap list. Every bootstrap address must parse
 * as an address, and its formatted form must parse to the same address.
 */
#include "addr.h"
#include "error.h"
#include "fuzz_fixtures.h"
#include "genesis.h"

static void check_addr(const char *s)
{
    px_addr a, b;
    char text[PX_ADDR_MAX + 80];
    FUZZ_ASSERT(px_addr_check(s) == PX_OK);
    FUZZ_ASSERT(px_addr_parse(s, &a) == PX_OK);
    px_addr_format(&a, text, sizeof text);
    FUZZ_ASSERT(px_addr_parse(text, &b) == PX_OK);
    FUZZ_ASSERT(a.has_key == b.has_key && a.port == b.port && strcmp(a.host, b.host) == 0);
    FUZZ_ASSERT(!a.has_key || memcmp(a.key, b.key, 32) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    px_genesis g, g2;

    fuzz_setup();
    px_err_clear();
    int rc = px_genesis_parse(&g, (const char *)data, size, "fuzz.json");
    FUZZ_ASSERT(rc == PX_OK || rc == PX_EFORMAT || rc == PX_EINVAL);
    if (rc != PX_OK) {
        FUZZ_ASSERT(px_err_detail()[0] != '\0'); /* every refusal says why */
        return 0;
    }
    FUZZ_ASSERT(g.name[0] != '\0' && strlen(g.name) <= PX_NETWORK_NAME_MAX);
    FUZZ_ASSERT(g.n_bootstrap <= PX_BOOTSTRAP_MAX);
    for (size_t i = 0; i < g.n_bootstrap; i++)
        check_addr(g.bootstrap[i]);

    char *text = px_genesis_to_json(&g);
    FUZZ_ASSERT(text != NULL);
    rc = px_genesis_parse(&g2, text, strlen(text), "again.json");
    FUZZ_ASSERT(rc == PX_OK);
    FUZZ_ASSERT(strcmp(g.name, g2.name) == 0);
    FUZZ_ASSERT(memcmp(g.network_key, g2.network_key, 32) == 0);
    FUZZ_ASSERT(memcmp(g.root, g2.root, 32) == 0);
    FUZZ_ASSERT(memcmp(g.network_id, g2.network_id, 32) == 0);
    FUZZ_ASSERT(g.n_bootstrap == g2.n_bootstrap);
    for (size_t i = 0; i < g.n_bootstrap; i++)
        FUZZ_ASSERT(strcmp(g.bootstrap[i], g2.bootstrap[i]) == 0);
    free(text);

    /* Bootstrap edits keep the network id. */
    if (g.n_bootstrap > 0) {
        char first[PX_ADDR_MAX];
        memcpy(first, g.bootstrap[0], sizeof first);
        FUZZ_ASSERT(px_genesis_bootstrap_remove(&g, first) == PX_OK);
        FUZZ_ASSERT(px_genesis_bootstrap_remove(&g, first) == PX_ENOENT);
        FUZZ_ASSERT(px_genesis_bootstrap_add(&g, first) == PX_OK);
        FUZZ_ASSERT(px_genesis_bootstrap_add(&g, first) == PX_EEXIST);
        px_genesis_derive_id(&g);
        FUZZ_ASSERT(memcmp(g.network_id, g2.network_id, 32) == 0);
    }
    px_memzero(&g, sizeof g);
    px_memzero(&g2, sizeof g2);
    return 0;
}
