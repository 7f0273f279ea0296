/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_fuzz_regressions.c — one small unit test per bug the fuzz targets
 * (tests/fuzz/) found, written against the API with the smallest input
 * that shows it. The exact crashing inputs are kept in
 * tests/fuzz/regressions/<target>/ and replayed by the fuzz_replay.* and
 * fuzz.* tests; these say in plain code what was wrong. Under the ASan
 * build a reintroduced huge allocation aborts here too.
 */
#include "check.h"
#include "archive.h"
#include "entry.h"
#include "error.h"
#include "jsonmp.h"
#include "records.h"

#include <stdio.h>
#include <stdlib.h>

/* entry.c, px_entry_decode: a header declaring an array32 of 2^32-1
 * elements made msgpack-c allocate ~96 GB before noticing the bytes were
 * missing (fuzz_entry, regressions/fuzz_entry/header-huge-container-count).
 * Fixed by running px_msgpack_check() on the header first. */
static void test_entry_header_huge_count(void)
{
    static const uint8_t array32[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t map32_inside[] = {0x99, 0x01, 0xdf, 0x7f, 0xff, 0xff, 0xff};
    uint8_t sig[64] = {0};
    px_entry e;
    CHECK_RC(px_entry_decode(&e, array32, sizeof array32, sig, NULL, 0), PX_EFORMAT);
    CHECK_RC(px_entry_decode(&e, map32_inside, sizeof map32_inside, sig, NULL, 0), PX_EFORMAT);
}

/* archive.c -> entry.c: the same header inside an export item
 * (fuzz_archive, regressions/fuzz_archive/header-huge-container-count). */
static void test_archive_header_huge_count(void)
{
    uint8_t item[3 + 5 + 2 + 64 + 1];
    size_t n = 0;
    item[n++] = 0x93; /* [ */
    item[n++] = 0xc4; /* header: bin8 of 5 bytes */
    item[n++] = 5;
    item[n++] = 0xdd; /* array32 of 2^32-1 */
    memset(item + n, 0xff, 4);
    n += 4;
    item[n++] = 0xc4; /* signature: bin8 of 64 bytes */
    item[n++] = 64;
    memset(item + n, 0, 64);
    n += 64;
    item[n++] = 0xc0; /* body: nil ] */
    FILE *f = fmemopen(item, n, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    px_archive_reader r;
    px_entry e;
    memset(&r, 0, sizeof r);
    r.f = f;
    CHECK_RC(px_archive_next(&r, &e), PX_EFORMAT);
    CHECK(strstr(px_err_detail(), "item 1") != NULL);
    px_archive_reader_free(&r);
    fclose(f);
}

/* jsonmp.c, px_msgpack_to_json: msgpack-c gives an empty string a NULL
 * pointer when no other string was read before it. An empty map key then
 * reached memcpy(key, NULL, 0) (undefined behaviour, UBSan), and an empty
 * string value reached json_stringn_nocheck(NULL, 0), which returns NULL,
 * so [""] failed with PX_ENOMEM (fuzz_wire and fuzz_json_records,
 * regressions/fuzz_wire/msgpack-to-json-empty-key,
 * regressions/fuzz_json_records/msgpack-to-json-empty-key.json). */
static void test_msgpack_to_json_empty_strings(void)
{
    static const uint8_t empty_key[] = {0x81, 0xa0, 0x01}; /* {"": 1} */
    static const uint8_t empty_value[] = {0x91, 0xa0};     /* [""] */
    json_t *j = NULL;
    CHECK_RC(px_msgpack_to_json(empty_key, sizeof empty_key, &j), PX_OK);
    CHECK(j && json_integer_value(json_object_get(j, "")) == 1);
    json_decref(j);
    j = NULL;
    CHECK_RC(px_msgpack_to_json(empty_value, sizeof empty_value, &j), PX_OK);
    CHECK(j && json_is_string(json_array_get(j, 0)) &&
          json_string_length(json_array_get(j, 0)) == 0);
    json_decref(j);
}

/* records.c, the duplicate-key checks (body map, language maps, key maps):
 * two empty keys reached memcmp(NULL, NULL, 0), undefined behaviour that
 * UBSan reports (fuzz_json_records,
 * regressions/fuzz_json_records/body-two-empty-keys.msgpack). */
static void test_record_two_empty_keys(void)
{
    static const uint8_t body[] = {0x82, 0xa0, 0x65, 0xa0, 0x6d}; /* {"": 101, "": 109} */
    CHECK_RC(px_record_validate("case", body, sizeof body), PX_ESCHEMA);
    CHECK(strstr(px_err_detail(), "appears twice") != NULL);
}

int main(void)
{
    RUN(test_entry_header_huge_count);
    RUN(test_archive_header_huge_count);
    RUN(test_msgpack_to_json_empty_strings);
    RUN(test_record_two_empty_keys);
    return check_summary();
}
