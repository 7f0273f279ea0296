/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_codecs.c — genesis documents, key files, the msgpack pre-check,
 * JSON <-> msgpack, and the export archive format.
 */
#include "archive.h"
#include "check.h"
#include "crypto.h"
#include "error.h"
#include "genesis.h"
#include "identity.h"
#include "jsonmp.h"
#include "mpcheck.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[64];

static void test_genesis(void)
{
    px_genesis g, h;
    uint8_t root[32];
    memset(root, 5, 32);
    CHECK_RC(px_genesis_create(&g, "alliance", root), PX_OK);
    char *json = px_genesis_to_json(&g);
    CHECK(json != NULL);
    CHECK_RC(px_genesis_parse(&h, json, strlen(json), "test"), PX_OK);
    CHECK_MEM(h.network_id, g.network_id, 32);
    CHECK_MEM(h.network_key, g.network_key, 32);
    /* Bootstrap addresses do not change the id. */
    CHECK_RC(px_genesis_bootstrap_add(&h, "127.0.0.1:7000"), PX_OK);
    CHECK_RC(px_genesis_bootstrap_add(&h, "127.0.0.1:7000"), PX_EEXIST);
    CHECK_RC(px_genesis_bootstrap_add(&h, "nohost"), PX_EINVAL);
    CHECK_RC(px_genesis_bootstrap_add(&h, "h:70000"), PX_EINVAL);
    px_genesis_derive_id(&h);
    CHECK_MEM(h.network_id, g.network_id, 32);
    CHECK_RC(px_genesis_bootstrap_remove(&h, "127.0.0.1:7000"), PX_OK);
    CHECK_RC(px_genesis_bootstrap_remove(&h, "127.0.0.1:7000"), PX_ENOENT);
    /* A changed name (or key, or root) changes the id; a document that
     * still claims the old id is refused. */
    char *p = strstr(json, "alliance");
    CHECK(p != NULL);
    if (p)
        p[0] = 'A';
    CHECK_RC(px_genesis_parse(&h, json, strlen(json), "test"), PX_EFORMAT);
    CHECK(strstr(px_err_detail(), "network_id") != NULL);
    free(json);
    CHECK_RC(px_genesis_parse(&h, "{\"name\": 1}", 11, "x.json"), PX_EFORMAT);
    CHECK_RC(px_genesis_parse(&h, "{\"name\": ", 9, "x.json"), PX_EFORMAT);
    CHECK(strstr(px_err_detail(), "x.json:1:") != NULL);
}

static void test_identity_file(void)
{
    px_identity a, b;
    char path[128];
    snprintf(path, sizeof path, "%s/secret.key", dir);
    px_identity_generate(&a);
    CHECK_RC(px_identity_save(&a, path), PX_OK);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_RC(px_identity_save(&a, path), PX_EEXIST); /* never overwritten */
    CHECK_RC(px_identity_load(&b, path), PX_OK);
    CHECK_MEM(a.sk, b.sk, 64);
    chmod(path, 0640);
    CHECK_RC(px_identity_load(&b, path), PX_EPERM);
    CHECK(strstr(px_err_detail(), "chmod 600") != NULL);
    chmod(path, 0600);
    FILE *f = fopen(path, "w");
    fputs("{\"format\": \"praxis-key-v1\", \"public_key\": \"00\", \"seed\": \"11\"}", f);
    fclose(f);
    CHECK_RC(px_identity_load(&b, path), PX_EFORMAT);
}

static void test_protected_key(void)
{
    px_identity a, b;
    uint8_t pk[32];
    char path[128], pass_path[128];
    snprintf(path, sizeof path, "%s/protected.key", dir);
    snprintf(pass_path, sizeof pass_path, "%s/pass", dir);
    px_identity_generate(&a);
    CHECK_RC(px_identity_save_protected(&a, path, "correct horse"), PX_OK);
    unsetenv("PRAXIS_PASSPHRASE_FILE");
    unsetenv("PRAXIS_PASSPHRASE");
    CHECK_RC(px_identity_load(&b, path), PX_EPERM); /* no source, no prompt */
    CHECK_RC(px_identity_public(path, pk), PX_OK);  /* the public key needs none */
    CHECK_MEM(pk, a.pk, 32);
    setenv("PRAXIS_PASSPHRASE", "wrong horse", 1);
    CHECK_RC(px_identity_load(&b, path), PX_ECRYPTO);
    CHECK(strstr(px_err_detail(), "wrong passphrase") != NULL);
    setenv("PRAXIS_PASSPHRASE", "correct horse", 1);
    CHECK_RC(px_identity_load(&b, path), PX_OK);
    CHECK_MEM(a.sk, b.sk, 64);
    /* The file takes precedence, and must be private. */
    FILE *f = fopen(pass_path, "w");
    fputs("wrong again\n", f);
    fclose(f);
    chmod(pass_path, 0644);
    setenv("PRAXIS_PASSPHRASE_FILE", pass_path, 1);
    CHECK_RC(px_identity_load(&b, path), PX_EPERM);
    chmod(pass_path, 0600);
    CHECK_RC(px_identity_load(&b, path), PX_ECRYPTO);
    unsetenv("PRAXIS_PASSPHRASE_FILE");
    unsetenv("PRAXIS_PASSPHRASE");
    /* The secret appears nowhere in the file. */
    uint8_t *text = NULL;
    size_t len = 0;
    char seed_hex[65];
    px_hex_encode(seed_hex, a.sk, 32);
    CHECK_RC(px_read_file(path, 4096, &text, &len), PX_OK);
    CHECK(text && strstr((const char *)text, seed_hex) == NULL);
    free(text);
}

static void test_mpcheck(void)
{
    size_t used;
    /* array32 claiming 2^31 elements in 6 bytes: never "complete". */
    const uint8_t huge[] = {0xdd, 0x7f, 0xff, 0xff, 0xff, 0x01};
    CHECK_RC(px_msgpack_check(huge, sizeof huge, 8, &used), PX_EAGAIN);
    const uint8_t bin[] = {0xc6, 0xff, 0xff, 0xff, 0xff, 0x00};
    CHECK_RC(px_msgpack_check(bin, sizeof bin, 8, &used), PX_EAGAIN);
    const uint8_t ok[] = {0x92, 0x01, 0x81, 0xa1, 'k', 0xc0, 0xff};
    CHECK_RC(px_msgpack_check(ok, sizeof ok, 8, &used), PX_OK);
    CHECK(used == 6);
    uint8_t deep[40];
    memset(deep, 0x91, sizeof deep);
    deep[39] = 0x01;
    CHECK_RC(px_msgpack_check(deep, sizeof deep, 8, &used), PX_EFORMAT);
    CHECK_RC(px_msgpack_check((const uint8_t *)"\xc1", 1, 8, &used), PX_EFORMAT);
    json_t *j;
    CHECK_RC(px_msgpack_to_json(huge, sizeof huge, &j), PX_EFORMAT);
}

static void test_json_msgpack(void)
{
    const char text[] = "{\"b\": [1, -2, 3.5, true, null, \"\xd2\x9a\xd0\xb0\"], \"a\": {}}";
    json_t *in, *out;
    px_buf mp = {0};
    CHECK_RC(px_json_parse(text, sizeof text - 1, "t", &in), PX_OK);
    CHECK_RC(px_json_to_msgpack(in, &mp), PX_OK);
    CHECK(mp.data[0] == 0x82 && mp.data[1] == 0xa1 && mp.data[2] == 'b'); /* order kept */
    CHECK_RC(px_msgpack_to_json(mp.data, mp.len, &out), PX_OK);
    CHECK(json_equal(in, out));
    json_decref(out);
    CHECK_RC(px_msgpack_to_json(mp.data, mp.len - 1, &out), PX_EFORMAT);
    json_decref(in);
    px_buf_free(&mp);
    CHECK_RC(px_json_parse("{\"a\": 1, \"a\": 2}", 16, "dup.json", &in), PX_EFORMAT);
    CHECK_RC(px_json_parse("{\n  \"a\": tru }", 14, "f.json", &in), PX_EFORMAT);
    CHECK(strstr(px_err_detail(), "f.json:2:") != NULL);
}

static void test_archive(void)
{
    px_identity a;
    px_entry e[3], got;
    px_buf out = {0};
    char path[128];
    uint8_t seed[32] = {9};
    px_identity_from_seed(&a, seed);
    for (int i = 0; i < 3; i++) {
        px_header h = {.seq = (uint64_t)i + 1, .has_prev = i > 0, .timestamp_ms = 5};
        memcpy(h.author, a.pk, 32);
        if (i)
            memcpy(h.prev, e[i - 1].id, 32);
        memcpy(h.kind, "case", 5);
        CHECK_RC(px_entry_sign(&e[i], &h, (const uint8_t *)"\x80", 1, a.sk), PX_OK);
    }
    e[1].body = NULL; /* purged: exported as nil */
    for (int i = 0; i < 3; i++)
        CHECK_RC(px_archive_put(&out, &e[i]), PX_OK);
    snprintf(path, sizeof path, "%s/x.mp", dir);
    for (int cut = 0; cut <= 1; cut++) {
        FILE *f = fopen(path, "wb");
        fwrite(out.data, 1, out.len - (size_t)cut, f);
        fclose(f);
        px_archive_reader r = {.f = fopen(path, "rb")};
        int n = 0, rc;
        while ((rc = px_archive_next(&r, &got)) == PX_OK) {
            CHECK_MEM(got.id, e[n].id, 32);
            CHECK((got.body == NULL) == (n == 1));
            n++;
        }
        if (cut == 0) {
            CHECK(n == 3 && rc == PX_ENOENT);
        } else {
            CHECK(n == 2 && rc == PX_EFORMAT);
            CHECK(strstr(px_err_detail(), "item 3 is truncated") != NULL);
        }
        fclose(r.f);
        px_archive_reader_free(&r);
    }
    px_buf_free(&out);
}

int main(void)
{
    px_crypto_init();
    snprintf(dir, sizeof dir, "/tmp/px-test-codecs-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN(test_genesis);
    RUN(test_identity_file);
    RUN(test_protected_key);
    RUN(test_mpcheck);
    RUN(test_json_msgpack);
    RUN(test_archive);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
