/* SPDX-License-Identifier: Apache-2.0 */
/* test_util.c — hex and buffer helpers, and the error map. */
#include "check.h"
#include "error.h"
#include "util.h"

static void test_hex(void)
{
    uint8_t in[4] = {0x00, 0xab, 0x7f, 0xff}, out[4];
    char hex[9];
    px_hex_encode(hex, in, 4);
    CHECK_STR(hex, "00ab7fff");
    CHECK_RC(px_hex_decode(out, 4, "00AB7fff"), PX_OK);
    CHECK_MEM(in, out, 4);
    CHECK_RC(px_hex_decode(out, 4, "00ab7ff"), PX_EFORMAT);
    CHECK_RC(px_hex_decode(out, 4, "00ab7ffg"), PX_EFORMAT);
}

static void test_buf(void)
{
    px_buf b = {0};
    for (int i = 0; i < 1000; i++)
        CHECK_RC(px_buf_append(&b, "abc", 3), PX_OK);
    CHECK(b.len == 3000);
    CHECK(memcmp(b.data + 2997, "abc", 3) == 0);
    px_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0);
    px_buf_free(NULL);
}

static void test_errors(void)
{
    CHECK_STR(px_strerror(PX_OK), "success");
    CHECK_STR(px_errname(PX_ESIG), "PX_ESIG");
    CHECK_STR(px_strerror(PX_ESIG), "signature does not verify");
    CHECK(px_err_set(PX_EINVAL, "field %s", "x") == PX_EINVAL);
    CHECK_STR(px_err_message(PX_EINVAL), "field x");
    px_err_clear();
    CHECK_STR(px_err_message(PX_EINVAL), "invalid argument");
    uint64_t v;
    CHECK_RC(px_parse_u64("42", 1, 100, &v), PX_OK);
    CHECK(v == 42);
    CHECK_RC(px_parse_u64("-1", 0, 100, &v), PX_EINVAL);
    CHECK_RC(px_parse_u64("101", 0, 100, &v), PX_EINVAL);
    CHECK_RC(px_parse_u64("4x", 0, 100, &v), PX_EINVAL);
}

int main(void)
{
    RUN(test_hex);
    RUN(test_buf);
    RUN(test_errors);
    return check_summary();
}
