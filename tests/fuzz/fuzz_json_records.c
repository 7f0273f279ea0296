/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_json_records.c — libFuzzer target for what `praxis publish KIND
 * FILE` and an incoming entry body go through: JSON text -> px_json_parse ->
 * px_json_to_msgpack (jsonmp.c) -> px_record_validate (records.c) for every
 * record kind; and the raw input as a msgpack body, validated directly (a
 * body from a peer).
 *
 * Invariants: only documented results; a body that validates as a
 * benchmark, indicator or crosswalk also decodes into its C view; JSON that
 * converts to msgpack converts back to equal JSON; an unknown kind is
 * refused with PX_EINVAL whatever the body.
 */
#include "error.h"
#include "fuzz_fixtures.h"
#include "jsonmp.h"
#include "records.h"

/* Every kind records.c knows (a kind it does not know yet is checked to be
 * refused as such). */
static const char *const kinds[] = {"case",      "indicator", "benchmark", "crosswalk", "retract",
                                    "aggregate", "address",   "member",    "revoke"};

static void validate_all(const uint8_t *body, size_t len)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (!px_record_kind_known(kinds[i])) {
            FUZZ_ASSERT(px_record_validate(kinds[i], body, len) == PX_EINVAL);
            continue;
        }
        int rc = px_record_validate(kinds[i], body, len);
        FUZZ_ASSERT(rc == PX_OK || rc == PX_ESCHEMA || rc == PX_EFORMAT || rc == PX_ETOOBIG);
        if (rc != PX_OK)
            continue;
        if (strcmp(kinds[i], "benchmark") == 0) {
            px_benchmark b;
            FUZZ_ASSERT(px_benchmark_decode(body, len, &b) == PX_OK);
            FUZZ_ASSERT(b.indicator != NULL && b.period != NULL && b.status != NULL);
            px_benchmark_free(&b);
        } else if (strcmp(kinds[i], "indicator") == 0) {
            px_indicator ind;
            FUZZ_ASSERT(px_indicator_decode(body, len, &ind) == PX_OK);
            FUZZ_ASSERT(ind.code != NULL && ind.measure_type != NULL);
            px_indicator_free(&ind);
        } else if (strcmp(kinds[i], "crosswalk") == 0) {
            px_crosswalk cw;
            FUZZ_ASSERT(px_crosswalk_decode(body, len, &cw) == PX_OK);
            FUZZ_ASSERT(cw.from != NULL && cw.to != NULL && cw.grade != NULL);
            px_crosswalk_free(&cw);
        }
    }
    FUZZ_ASSERT(!px_record_kind_known("member-x"));
    FUZZ_ASSERT(px_record_validate("member-x", body, len) == PX_EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = NULL, *back = NULL;
    px_buf mp = {0};

    fuzz_setup();
    /* A body as it arrives from a peer. */
    validate_all(data, size);

    /* JSON as a person writes it. */
    int rc = px_json_parse((const char *)data, size, "fuzz.json", &j);
    FUZZ_ASSERT(rc == PX_OK || rc == PX_EFORMAT);
    if (rc != PX_OK) {
        FUZZ_ASSERT(j == NULL);
        return 0;
    }
    rc = px_json_to_msgpack(j, &mp);
    FUZZ_ASSERT(rc == PX_OK || rc == PX_EINVAL);
    if (rc == PX_OK) {
        validate_all(mp.data, mp.len);
        rc = px_msgpack_to_json(mp.data, mp.len, &back);
        FUZZ_ASSERT(rc == PX_OK || rc == PX_EFORMAT);
        if (rc == PX_OK)
            FUZZ_ASSERT(json_equal(j, back));
    } else {
        FUZZ_ASSERT(mp.len == 0);
    }
    json_decref(back);
    json_decref(j);
    px_buf_free(&mp);
    return 0;
}
