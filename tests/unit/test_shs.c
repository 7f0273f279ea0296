/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_shs.c — the Secret Handshake v1 state machine against the shared
 * vectors (every field of every set: keys, messages, secrets, signatures,
 * session keys and nonces, and the whole box-stream wire built from them),
 * then the ways a handshake must fail, then full handshakes between random
 * identities whose box-streams must interoperate.
 */
#include "boxstream.h"
#include "check.h"
#include "crypto.h"
#include "error.h"
#include "shs.h"
#include "util.h"
#include "vectors.h"

#include <stdlib.h>
#include <string.h>

static json_t *vectors;

/* Everything one vector set fixes, decoded. */
typedef struct set {
    const char *name;
    uint8_t K[32];
    uint8_t client_seed[32], server_seed[32];
    uint8_t a_sk[32], b_sk[32];
    uint8_t A_pk[32], A_sk[64], B_pk[32], B_sk[64];
    uint8_t a_pk[32], b_pk[32];
    uint8_t A_curve_pk[32], A_curve_sk[32], B_curve_pk[32], B_curve_sk[32];
    uint8_t msg1[64], msg2[64], msg3[112], msg4[80];
    uint8_t client_hmac[32], server_hmac[32];
    uint8_t sig_A[64], sig_B[64], msg3_plain[96];
    uint8_t ab[32], aB[32], Ab[32], ab_hash[32], msg3_key[32], msg4_key[32], session[32];
    uint8_t c2s_key[32], c2s_nonce[24], s2c_key[32], s2c_nonce[24];
} set;

static void load_set(const json_t *js, set *s)
{
    const json_t *in = vec_get(js, "inputs"), *k = vec_get(js, "keys");
    const json_t *h = vec_get(js, "handshake"), *sec = vec_get(js, "secrets");
    const json_t *bs = vec_get(js, "boxstream");
    const json_t *c2s = vec_get(bs, "client_to_server"), *s2c = vec_get(bs, "server_to_client");

    s->name = vec_str(js, "name");
    vec_hex(in, "network_key", s->K, 32);
    vec_hex(in, "client_longterm_seed", s->client_seed, 32);
    vec_hex(in, "server_longterm_seed", s->server_seed, 32);
    vec_hex(in, "client_ephemeral_sk", s->a_sk, 32);
    vec_hex(in, "server_ephemeral_sk", s->b_sk, 32);
    vec_hex(k, "client_longterm_pk", s->A_pk, 32);
    vec_hex(k, "client_longterm_sk", s->A_sk, 64);
    vec_hex(k, "server_longterm_pk", s->B_pk, 32);
    vec_hex(k, "server_longterm_sk", s->B_sk, 64);
    vec_hex(k, "client_ephemeral_pk", s->a_pk, 32);
    vec_hex(k, "server_ephemeral_pk", s->b_pk, 32);
    vec_hex(k, "client_longterm_curve_pk", s->A_curve_pk, 32);
    vec_hex(k, "client_longterm_curve_sk", s->A_curve_sk, 32);
    vec_hex(k, "server_longterm_curve_pk", s->B_curve_pk, 32);
    vec_hex(k, "server_longterm_curve_sk", s->B_curve_sk, 32);
    vec_hex(h, "msg1_client_hello", s->msg1, 64);
    vec_hex(h, "msg2_server_hello", s->msg2, 64);
    vec_hex(h, "msg3_client_authenticate", s->msg3, 112);
    vec_hex(h, "msg4_server_accept", s->msg4, 80);
    vec_hex(h, "client_hmac", s->client_hmac, 32);
    vec_hex(h, "server_hmac", s->server_hmac, 32);
    vec_hex(h, "detached_signature_A", s->sig_A, 64);
    vec_hex(h, "detached_signature_B", s->sig_B, 64);
    vec_hex(h, "msg3_plaintext", s->msg3_plain, 96);
    vec_hex(sec, "shared_secret_ab", s->ab, 32);
    vec_hex(sec, "shared_secret_aB", s->aB, 32);
    vec_hex(sec, "shared_secret_Ab", s->Ab, 32);
    vec_hex(sec, "sha256_ab", s->ab_hash, 32);
    vec_hex(sec, "msg3_box_key", s->msg3_key, 32);
    vec_hex(sec, "msg4_box_key", s->msg4_key, 32);
    vec_hex(sec, "session_secret", s->session, 32);
    vec_hex(c2s, "key", s->c2s_key, 32);
    vec_hex(c2s, "nonce", s->c2s_nonce, 24);
    vec_hex(s2c, "key", s->s2c_key, 32);
    vec_hex(s2c, "nonce", s->s2c_nonce, 24);
}

static size_t nsets(void)
{
    return json_array_size(json_object_get(vectors, "sets"));
}

static void get_set(size_t i, set *s)
{
    load_set(json_array_get(json_object_get(vectors, "sets"), i), s);
}

static int client_init(px_shs *c, const set *s)
{
    return px_shs_client_init(c, s->K, s->A_pk, s->A_sk, s->B_pk, s->a_sk);
}

static int server_init(px_shs *sv, const set *s)
{
    return px_shs_server_init(sv, s->K, s->B_pk, s->B_sk, s->b_sk);
}

/* --- the vectors ---------------------------------------------------------- */

/* keys.*: everything derived from the inputs alone. */
static void check_keys(const set *s)
{
    uint8_t pk[32], sk[64], c[32];

    px_sign_seed_keypair(pk, sk, s->client_seed);
    CHECK_MEM(pk, s->A_pk, 32);
    CHECK_MEM(sk, s->A_sk, 64);
    px_sign_seed_keypair(pk, sk, s->server_seed);
    CHECK_MEM(pk, s->B_pk, 32);
    CHECK_MEM(sk, s->B_sk, 64);
    px_scalarmult_base(c, s->a_sk);
    CHECK_MEM(c, s->a_pk, 32);
    px_scalarmult_base(c, s->b_sk);
    CHECK_MEM(c, s->b_pk, 32);
    CHECK_RC(px_sign_pk_to_curve(c, s->A_pk), PX_OK);
    CHECK_MEM(c, s->A_curve_pk, 32);
    CHECK_RC(px_sign_sk_to_curve(c, s->A_sk), PX_OK);
    CHECK_MEM(c, s->A_curve_sk, 32);
    CHECK_RC(px_sign_pk_to_curve(c, s->B_pk), PX_OK);
    CHECK_MEM(c, s->B_curve_pk, 32);
    CHECK_RC(px_sign_sk_to_curve(c, s->B_sk), PX_OK);
    CHECK_MEM(c, s->B_curve_sk, 32);
}

/* secrets.* and the signatures, computed from the guide's formulas with the
 * crypto wrappers: an oracle independent of shs.c. */
static void check_secrets(const set *s)
{
    uint8_t x[32], buf[32 + 64 + 32 + 32], sig[64], plain[96];

    CHECK_RC(px_scalarmult(x, s->a_sk, s->b_pk), PX_OK);
    CHECK_MEM(x, s->ab, 32);
    CHECK_RC(px_scalarmult(x, s->b_sk, s->a_pk), PX_OK);
    CHECK_MEM(x, s->ab, 32);
    CHECK_RC(px_scalarmult(x, s->a_sk, s->B_curve_pk), PX_OK);
    CHECK_MEM(x, s->aB, 32);
    CHECK_RC(px_scalarmult(x, s->B_curve_sk, s->a_pk), PX_OK);
    CHECK_MEM(x, s->aB, 32);
    CHECK_RC(px_scalarmult(x, s->A_curve_sk, s->b_pk), PX_OK);
    CHECK_MEM(x, s->Ab, 32);
    CHECK_RC(px_scalarmult(x, s->b_sk, s->A_curve_pk), PX_OK);
    CHECK_MEM(x, s->Ab, 32);
    px_sha256(x, s->ab, 32);
    CHECK_MEM(x, s->ab_hash, 32);

    memcpy(buf, s->K, 32);
    memcpy(buf + 32, s->ab, 32);
    memcpy(buf + 64, s->aB, 32);
    px_sha256(x, buf, 96);
    CHECK_MEM(x, s->msg3_key, 32);
    memcpy(buf + 96, s->Ab, 32);
    px_sha256(x, buf, 128);
    CHECK_MEM(x, s->msg4_key, 32);
    px_sha256(x, s->msg4_key, 32);
    CHECK_MEM(x, s->session, 32);

    memcpy(buf, s->session, 32);
    memcpy(buf + 32, s->B_pk, 32);
    px_sha256(x, buf, 64);
    CHECK_MEM(x, s->c2s_key, 32);
    memcpy(buf + 32, s->A_pk, 32);
    px_sha256(x, buf, 64);
    CHECK_MEM(x, s->s2c_key, 32);

    /* hmacs and the starting nonces */
    px_auth(x, s->a_pk, 32, s->K);
    CHECK_MEM(x, s->client_hmac, 32);
    px_auth(x, s->b_pk, 32, s->K);
    CHECK_MEM(x, s->server_hmac, 32);
    CHECK_MEM(s->c2s_nonce, s->server_hmac, 24);
    CHECK_MEM(s->s2c_nonce, s->client_hmac, 24);

    /* signature A over K || B || sha256(ab); msg3 plaintext = sig_A || A */
    memcpy(buf, s->K, 32);
    memcpy(buf + 32, s->B_pk, 32);
    memcpy(buf + 64, s->ab_hash, 32);
    px_sign_detached(sig, buf, 96, s->A_sk);
    CHECK_MEM(sig, s->sig_A, 64);
    CHECK_RC(px_sign_verify(s->sig_A, buf, 96, s->A_pk), PX_OK);
    CHECK_MEM(s->msg3_plain, s->sig_A, 64);
    CHECK_MEM(s->msg3_plain + 64, s->A_pk, 32);
    /* signature B over K || sig_A || A || sha256(ab) */
    memcpy(buf, s->K, 32);
    memcpy(buf + 32, s->sig_A, 64);
    memcpy(buf + 96, s->A_pk, 32);
    memcpy(buf + 128, s->ab_hash, 32);
    px_sign_detached(sig, buf, 160, s->B_sk);
    CHECK_MEM(sig, s->sig_B, 64);
    CHECK_RC(px_sign_verify(s->sig_B, buf, 160, s->B_pk), PX_OK);

    /* the two boxes open under the vector's keys to the vector's plaintexts */
    static const uint8_t zero_nonce[24];
    CHECK_RC(px_secretbox_open_easy(plain, s->msg3, 112, zero_nonce, s->msg3_key), PX_OK);
    CHECK_MEM(plain, s->msg3_plain, 96);
    CHECK_RC(px_secretbox_open_easy(sig, s->msg4, 80, zero_nonce, s->msg4_key), PX_OK);
    CHECK_MEM(sig, s->sig_B, 64);
}

/* Both state machines, lock-step, must put the vector's bytes on the wire
 * and come out with the vector's session keys. */
static void check_machines(const set *s)
{
    px_shs c, sv;
    px_shs_keys ck, sk;
    uint8_t m[PX_SHS_MSG_MAX];
    size_t n = 0;

    CHECK_RC(client_init(&c, s), PX_OK);
    CHECK_RC(server_init(&sv, s), PX_OK);
    CHECK(px_shs_peer_pk(&sv) == NULL);
    CHECK(px_shs_peer_pk(&c) != NULL && memcmp(px_shs_peer_pk(&c), s->B_pk, 32) == 0);

    CHECK(px_shs_next(&c, &n) == PX_SHS_WRITE && n == 64);
    CHECK(px_shs_next(&sv, &n) == PX_SHS_READ && n == 64);
    CHECK_RC(px_shs_produce(&c, m, 64), PX_OK);
    CHECK_MEM(m, s->msg1, 64);
    CHECK_RC(px_shs_consume(&sv, m, 64), PX_OK);

    CHECK(px_shs_next(&sv, &n) == PX_SHS_WRITE && n == 64);
    CHECK(px_shs_next(&c, &n) == PX_SHS_READ && n == 64);
    CHECK_RC(px_shs_produce(&sv, m, 64), PX_OK);
    CHECK_MEM(m, s->msg2, 64);
    CHECK_RC(px_shs_consume(&c, m, 64), PX_OK);

    CHECK(px_shs_next(&c, &n) == PX_SHS_WRITE && n == 112);
    CHECK(px_shs_next(&sv, &n) == PX_SHS_READ && n == 112);
    CHECK_RC(px_shs_produce(&c, m, 112), PX_OK);
    CHECK_MEM(m, s->msg3, 112);
    CHECK_RC(px_shs_consume(&sv, m, 112), PX_OK);

    CHECK(px_shs_next(&sv, &n) == PX_SHS_DECIDE && n == 0);
    CHECK(px_shs_peer_pk(&sv) != NULL && memcmp(px_shs_peer_pk(&sv), s->A_pk, 32) == 0);
    CHECK_RC(px_shs_accept(&sv), PX_OK);
    CHECK(px_shs_next(&sv, &n) == PX_SHS_WRITE && n == 80);
    CHECK(px_shs_next(&c, &n) == PX_SHS_READ && n == 80);
    CHECK_RC(px_shs_produce(&sv, m, 80), PX_OK);
    CHECK_MEM(m, s->msg4, 80);
    CHECK_RC(px_shs_consume(&c, m, 80), PX_OK);

    CHECK(px_shs_next(&c, NULL) == PX_SHS_DONE);
    CHECK(px_shs_next(&sv, NULL) == PX_SHS_DONE);
    CHECK_RC(px_shs_session(&c, &ck), PX_OK);
    CHECK_RC(px_shs_session(&sv, &sk), PX_OK);
    CHECK_MEM(ck.enc_key, s->c2s_key, 32);
    CHECK_MEM(ck.enc_nonce, s->c2s_nonce, 24);
    CHECK_MEM(ck.dec_key, s->s2c_key, 32);
    CHECK_MEM(ck.dec_nonce, s->s2c_nonce, 24);
    CHECK_MEM(ck.peer_pk, s->B_pk, 32);
    CHECK_MEM(sk.enc_key, s->s2c_key, 32);
    CHECK_MEM(sk.enc_nonce, s->s2c_nonce, 24);
    CHECK_MEM(sk.dec_key, s->c2s_key, 32);
    CHECK_MEM(sk.dec_nonce, s->c2s_nonce, 24);
    CHECK_MEM(sk.peer_pk, s->A_pk, 32);

    px_shs_clear(&c);
    px_shs_clear(&sv);
    CHECK(px_shs_next(&c, NULL) == PX_SHS_FAILED);
    CHECK_RC(px_shs_session(&c, &ck), PX_EINVAL);
}

/* Encode the set's plaintexts with the session keys the machines derived:
 * the result must be the vector's whole wire for each direction, and
 * decoding that wire must give the plaintexts back then the goodbye. */
static void check_session_wire(const json_t *js, const set *s)
{
    const json_t *pts = vec_get(js, "plaintexts");
    const json_t *bs = vec_get(js, "boxstream");
    const char *dirs[2] = {"client_to_server", "server_to_client"};
    const uint8_t *keys[2] = {s->c2s_key, s->s2c_key};
    const uint8_t *nonces[2] = {s->c2s_nonce, s->s2c_nonce};

    for (int d = 0; d < 2; d++) {
        px_box_enc e;
        px_box_dec *dec = malloc(sizeof *dec);
        px_buf out = {0}, got = {0};
        size_t wire_len = 0;
        uint8_t *wire = vec_hex_alloc(vec_get(bs, dirs[d]), "wire", &wire_len);

        CHECK(dec != NULL);
        if (!dec)
            return;
        px_box_enc_init(&e, keys[d], nonces[d]);
        for (size_t i = 0; i < json_array_size(pts); i++) {
            const char *hex = json_string_value(json_array_get(pts, i));
            size_t n = hex ? strlen(hex) / 2 : 0;
            uint8_t *p = malloc(n + 1);
            CHECK(hex != NULL && p != NULL && px_hex_decode(p, n, hex) == PX_OK);
            CHECK_RC(px_box_enc_write(&e, p, n, &out), PX_OK);
            free(p);
        }
        CHECK_RC(px_box_enc_goodbye(&e, &out), PX_OK);
        CHECK(out.len == wire_len);
        CHECK(out.len == wire_len && memcmp(out.data, wire, wire_len) == 0);

        /* and back */
        px_box_dec_init(dec, keys[d], nonces[d]);
        size_t pos = 0;
        int rc = PX_OK;
        for (;;) {
            size_t used = 0, plen = 0;
            const uint8_t *plain = NULL;
            rc = px_box_dec_feed(dec, wire + pos, wire_len - pos, &used, &plain, &plen);
            pos += used;
            if (rc != PX_OK)
                break;
            CHECK_RC(px_buf_append(&got, plain, plen), PX_OK);
        }
        CHECK_RC(rc, PX_ECLOSED);
        CHECK(pos == wire_len);
        size_t total = 0;
        for (size_t i = 0; i < json_array_size(pts); i++)
            total += strlen(json_string_value(json_array_get(pts, i))) / 2;
        CHECK(got.len == total);

        px_box_enc_clear(&e);
        px_box_dec_clear(dec);
        free(dec);
        free(wire);
        px_buf_free(&out);
        px_buf_free(&got);
    }
}

static void test_vectors(void)
{
    json_t *sets = json_object_get(vectors, "sets");
    CHECK(json_array_size(sets) == 3);
    for (size_t i = 0; i < nsets(); i++) {
        set s;
        get_set(i, &s);
        fprintf(stderr, "     set %zu: %s\n", i, s.name ? s.name : "?");
        check_keys(&s);
        check_secrets(&s);
        check_machines(&s);
        check_session_wire(json_array_get(sets, i), &s);
    }
}

/* --- failures ------------------------------------------------------------- */

/* Run the client up to the message the server is about to consume. */
static void run_to_msg1(const set *s, px_shs *c, px_shs *sv, uint8_t msg1[64])
{
    CHECK_RC(client_init(c, s), PX_OK);
    CHECK_RC(server_init(sv, s), PX_OK);
    CHECK_RC(px_shs_produce(c, msg1, 64), PX_OK);
}

static void run_to_msg3(const set *s, px_shs *c, px_shs *sv, uint8_t msg3[112])
{
    uint8_t m[64];
    run_to_msg1(s, c, sv, m);
    CHECK_RC(px_shs_consume(sv, m, 64), PX_OK);
    CHECK_RC(px_shs_produce(sv, m, 64), PX_OK);
    CHECK_RC(px_shs_consume(c, m, 64), PX_OK);
    CHECK_RC(px_shs_produce(c, msg3, 112), PX_OK);
}

static void run_to_msg4(const set *s, px_shs *c, px_shs *sv, uint8_t msg4[80])
{
    uint8_t m[112];
    run_to_msg3(s, c, sv, m);
    CHECK_RC(px_shs_consume(sv, m, 112), PX_OK);
    CHECK_RC(px_shs_accept(sv), PX_OK);
    CHECK_RC(px_shs_produce(sv, msg4, 80), PX_OK);
}

static int detail_has(const char *needle)
{
    int ok = strstr(px_err_detail(), needle) != NULL;
    if (!ok)
        fprintf(stderr, "detail \"%s\" lacks \"%s\"\n", px_err_detail(), needle);
    return ok;
}

static void check_failed(const px_shs *x)
{
    px_shs_keys k;
    CHECK(px_shs_next(x, NULL) == PX_SHS_FAILED);
    CHECK_RC(px_shs_session(x, &k), PX_EINVAL);
    CHECK(px_shs_peer_pk(x) == NULL);
}

static void test_wrong_network_key(void)
{
    set s, other;
    px_shs c, sv;
    uint8_t m[64];

    get_set(0, &s);
    get_set(1, &other); /* another network key */
    CHECK(memcmp(s.K, other.K, 32) != 0);

    /* server on another network: fails at msg1 */
    CHECK_RC(client_init(&c, &s), PX_OK);
    CHECK_RC(px_shs_server_init(&sv, other.K, s.B_pk, s.B_sk, s.b_sk), PX_OK);
    CHECK_RC(px_shs_produce(&c, m, 64), PX_OK);
    CHECK_RC(px_shs_consume(&sv, m, 64), PX_EHANDSHAKE);
    CHECK(detail_has("client hello hmac does not match the network key"));
    check_failed(&sv);

    /* client on another network, against a server that (wrongly) answers:
     * the client fails at msg2 */
    CHECK_RC(px_shs_client_init(&c, other.K, s.A_pk, s.A_sk, s.B_pk, s.a_sk), PX_OK);
    CHECK_RC(px_shs_consume(&c, s.msg2, 64), PX_EINVAL); /* not its turn: unchanged */
    CHECK(px_shs_next(&c, NULL) == PX_SHS_WRITE);
    CHECK_RC(px_shs_produce(&c, m, 64), PX_OK);
    CHECK_RC(px_shs_consume(&c, s.msg2, 64), PX_EHANDSHAKE);
    CHECK(detail_has("server hello hmac does not match the network key"));
    check_failed(&c);

    /* a random hello */
    CHECK_RC(server_init(&sv, &s), PX_OK);
    px_random_bytes(m, 64);
    CHECK_RC(px_shs_consume(&sv, m, 64), PX_EHANDSHAKE);
    px_shs_clear(&c);
    px_shs_clear(&sv);
}

static void test_low_order_ephemeral(void)
{
    set s;
    px_shs sv, c;
    uint8_t m[64];

    get_set(0, &s);
    /* a correctly authenticated hello carrying a low-order point (0 and 1
     * are of order 1 and 4 on curve25519): refused */
    static const uint8_t low[2][32] = {{0}, {1}};
    for (int i = 0; i < 2; i++) {
        CHECK_RC(server_init(&sv, &s), PX_OK);
        px_auth(m, low[i], 32, s.K);
        memcpy(m + 32, low[i], 32);
        CHECK_RC(px_shs_consume(&sv, m, 64), PX_EHANDSHAKE);
        CHECK(detail_has("low-order"));
        check_failed(&sv);

        CHECK_RC(client_init(&c, &s), PX_OK);
        CHECK_RC(px_shs_produce(&c, m, 64), PX_OK);
        px_auth(m, low[i], 32, s.K);
        memcpy(m + 32, low[i], 32);
        CHECK_RC(px_shs_consume(&c, m, 64), PX_EHANDSHAKE);
        CHECK(detail_has("low-order"));
        check_failed(&c);
    }
}

static void test_tampered_msg3(void)
{
    set s;
    px_shs c, sv;
    uint8_t m[112];
    const size_t positions[] = {0, 15, 16, 50, 79, 80, 111};

    get_set(0, &s);
    for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++) {
        run_to_msg3(&s, &c, &sv, m);
        CHECK_MEM(m, s.msg3, 112);
        m[positions[i]] ^= 0x01;
        CHECK_RC(px_shs_consume(&sv, m, 112), PX_EHANDSHAKE);
        CHECK(detail_has("client authenticate does not decrypt"));
        check_failed(&sv);
        px_shs_clear(&c);
    }

    /* a well-boxed msg3 whose signature is wrong (signed for another
     * server key) */
    {
        uint8_t buf[96], plain[96];
        static const uint8_t zero_nonce[24];
        run_to_msg3(&s, &c, &sv, m);
        memcpy(buf, s.K, 32);
        memcpy(buf + 32, s.A_pk, 32); /* should be B */
        memcpy(buf + 64, s.ab_hash, 32);
        px_sign_detached(plain, buf, 96, s.A_sk);
        memcpy(plain + 64, s.A_pk, 32);
        px_secretbox_easy(m, plain, 96, zero_nonce, s.msg3_key);
        CHECK_RC(px_shs_consume(&sv, m, 112), PX_EHANDSHAKE);
        CHECK(detail_has("client authenticate signature does not verify"));
        check_failed(&sv);
        px_shs_clear(&c);
    }

    /* a client that dialled another server key: the server cannot open msg3 */
    {
        set other;
        get_set(1, &other);
        CHECK_RC(px_shs_client_init(&c, s.K, s.A_pk, s.A_sk, other.B_pk, s.a_sk), PX_OK);
        CHECK_RC(server_init(&sv, &s), PX_OK);
        CHECK_RC(px_shs_produce(&c, m, 64), PX_OK);
        CHECK_RC(px_shs_consume(&sv, m, 64), PX_OK);
        CHECK_RC(px_shs_produce(&sv, m, 64), PX_OK);
        CHECK_RC(px_shs_consume(&c, m, 64), PX_OK);
        CHECK_RC(px_shs_produce(&c, m, 112), PX_OK);
        CHECK_RC(px_shs_consume(&sv, m, 112), PX_EHANDSHAKE);
        CHECK(detail_has("client authenticate does not decrypt"));
        px_shs_clear(&c);
        px_shs_clear(&sv);
    }
}

static void test_tampered_msg4(void)
{
    set s;
    px_shs c, sv;
    uint8_t m[80];
    const size_t positions[] = {0, 15, 16, 40, 79};

    get_set(2, &s);
    for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++) {
        run_to_msg4(&s, &c, &sv, m);
        CHECK_MEM(m, s.msg4, 80);
        m[positions[i]] ^= 0x80;
        CHECK_RC(px_shs_consume(&c, m, 80), PX_EHANDSHAKE);
        CHECK(detail_has("server accept does not decrypt"));
        check_failed(&c);
        px_shs_clear(&sv);
    }

    /* a well-boxed msg4 carrying a signature by the wrong key */
    {
        uint8_t buf[160], sig[64];
        static const uint8_t zero_nonce[24];
        run_to_msg4(&s, &c, &sv, m);
        memcpy(buf, s.K, 32);
        memcpy(buf + 32, s.sig_A, 64);
        memcpy(buf + 96, s.A_pk, 32);
        memcpy(buf + 128, s.ab_hash, 32);
        px_sign_detached(sig, buf, 160, s.A_sk); /* not B */
        px_secretbox_easy(m, sig, 64, zero_nonce, s.msg4_key);
        CHECK_RC(px_shs_consume(&c, m, 80), PX_EHANDSHAKE);
        CHECK(detail_has("server accept signature does not verify"));
        check_failed(&c);
        px_shs_clear(&sv);
    }
}

/* Driver mistakes are PX_EINVAL and change nothing. */
static void test_misuse(void)
{
    set s;
    px_shs c, sv;
    uint8_t m[PX_SHS_MSG_MAX], sk_bad[64];
    px_shs_keys k;

    get_set(0, &s);
    memcpy(sk_bad, s.A_sk, 64);
    sk_bad[40] ^= 1;
    CHECK_RC(px_shs_client_init(&c, s.K, s.A_pk, sk_bad, s.B_pk, s.a_sk), PX_EINVAL);
    check_failed(&c);
    CHECK_RC(px_shs_server_init(&sv, s.K, s.A_pk, s.B_sk, s.b_sk), PX_EINVAL);
    check_failed(&sv);
    /* a server key of small order (the Ed25519 identity, y = 1) */
    static const uint8_t small_order[32] = {1};
    CHECK_RC(px_shs_client_init(&c, s.K, s.A_pk, s.A_sk, small_order, s.a_sk), PX_EINVAL);
    check_failed(&c);

    CHECK_RC(client_init(&c, &s), PX_OK);
    CHECK_RC(px_shs_produce(&c, m, 63), PX_EINVAL);
    CHECK_RC(px_shs_consume(&c, m, 64), PX_EINVAL);
    CHECK_RC(px_shs_accept(&c), PX_EINVAL);
    CHECK_RC(px_shs_session(&c, &k), PX_EINVAL);
    CHECK(px_shs_next(&c, NULL) == PX_SHS_WRITE);
    CHECK_RC(px_shs_produce(&c, m, 64), PX_OK);
    CHECK_MEM(m, s.msg1, 64);

    /* the server may not send msg4 before it has decided */
    run_to_msg3(&s, &c, &sv, m);
    CHECK_RC(px_shs_consume(&sv, m, 111), PX_EINVAL);
    CHECK_RC(px_shs_consume(&sv, m, 112), PX_OK);
    CHECK(px_shs_next(&sv, NULL) == PX_SHS_DECIDE);
    CHECK_RC(px_shs_produce(&sv, m, 80), PX_EINVAL);
    CHECK(px_shs_next(&sv, NULL) == PX_SHS_DECIDE);
    /* refusing = clearing without writing */
    px_shs_clear(&sv);
    check_failed(&sv);
    px_shs_clear(&c);
    px_shs_clear(NULL);
}

/* --- random identities, full handshake, box-streams both ways ------------- */

/* Drive two machines against each other the way a connection would: each
 * side does what px_shs_next() says; bytes go through a one-message pipe. */
static int handshake(px_shs *c, px_shs *sv, int admit)
{
    uint8_t pipe[PX_SHS_MSG_MAX];
    size_t n = 0;
    for (int turns = 0; turns < 10; turns++) {
        px_shs *w = px_shs_next(c, NULL) == PX_SHS_WRITE ? c : sv;
        px_shs *r = w == c ? sv : c;
        if (px_shs_next(sv, NULL) == PX_SHS_DECIDE) {
            if (!admit)
                return PX_EPERM;
            if (px_shs_accept(sv) != PX_OK)
                return PX_EINVAL;
            continue;
        }
        if (px_shs_next(c, NULL) == PX_SHS_DONE && px_shs_next(sv, NULL) == PX_SHS_DONE)
            return PX_OK;
        if (px_shs_next(w, &n) != PX_SHS_WRITE)
            return PX_EINVAL;
        int rc = px_shs_produce(w, pipe, n);
        if (rc)
            return rc;
        size_t want = 0;
        if (px_shs_next(r, &want) != PX_SHS_READ || want != n)
            return PX_EINVAL;
        rc = px_shs_consume(r, pipe, n);
        if (rc)
            return rc;
    }
    return PX_EINVAL;
}

/* Send len bytes from enc to dec, feeding the wire in chunks of `chunk`
 * bytes; expect the same bytes out. */
static void pump(px_box_enc *e, px_box_dec *d, const uint8_t *data, size_t len, size_t chunk)
{
    px_buf wire = {0}, got = {0};
    CHECK_RC(px_box_enc_write(e, data, len, &wire), PX_OK);
    CHECK(wire.len == px_box_enc_size(len));
    for (size_t pos = 0; pos < wire.len;) {
        size_t n = wire.len - pos < chunk ? wire.len - pos : chunk;
        size_t off = 0;
        while (off < n) {
            size_t used = 0, plen = 0;
            const uint8_t *plain = NULL;
            int rc = px_box_dec_feed(d, wire.data + pos + off, n - off, &used, &plain, &plen);
            off += used;
            if (rc == PX_EAGAIN)
                break;
            CHECK_RC(rc, PX_OK);
            if (rc != PX_OK)
                goto out;
            CHECK_RC(px_buf_append(&got, plain, plen), PX_OK);
        }
        pos += n;
    }
    CHECK(got.len == len && (len == 0 || memcmp(got.data, data, len) == 0));
out:
    px_buf_free(&wire);
    px_buf_free(&got);
}

static void test_random_handshakes(void)
{
    static uint8_t data[3 * 4096 + 17];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);

    for (int round = 0; round < 8; round++) {
        uint8_t K[32], seed[32], A[32], Ask[64], B[32], Bsk[64], a[32], b[32];
        px_shs c, sv;
        px_shs_keys ck, sk;
        px_box_enc ce, se;
        px_box_dec *cd = malloc(sizeof *cd), *sd = malloc(sizeof *sd);
        CHECK(cd && sd);
        if (!cd || !sd) {
            free(cd);
            free(sd);
            return;
        }

        px_random_bytes(K, 32);
        px_random_bytes(seed, 32);
        px_sign_seed_keypair(A, Ask, seed);
        px_sign_keypair(B, Bsk);
        px_random_bytes(a, 32);
        px_random_bytes(b, 32);
        CHECK_RC(px_shs_client_init(&c, K, A, Ask, B, a), PX_OK);
        CHECK_RC(px_shs_server_init(&sv, K, B, Bsk, b), PX_OK);
        CHECK_RC(handshake(&c, &sv, 1), PX_OK);
        CHECK_RC(px_shs_session(&c, &ck), PX_OK);
        CHECK_RC(px_shs_session(&sv, &sk), PX_OK);
        CHECK_MEM(ck.enc_key, sk.dec_key, 32);
        CHECK_MEM(ck.enc_nonce, sk.dec_nonce, 24);
        CHECK_MEM(ck.dec_key, sk.enc_key, 32);
        CHECK_MEM(ck.dec_nonce, sk.enc_nonce, 24);
        CHECK(memcmp(ck.enc_key, ck.dec_key, 32) != 0);
        CHECK_MEM(ck.peer_pk, B, 32);
        CHECK_MEM(sk.peer_pk, A, 32);
        px_shs_clear(&c);
        px_shs_clear(&sv);

        px_box_enc_init(&ce, ck.enc_key, ck.enc_nonce);
        px_box_dec_init(sd, sk.dec_key, sk.dec_nonce);
        px_box_enc_init(&se, sk.enc_key, sk.enc_nonce);
        px_box_dec_init(cd, ck.dec_key, ck.dec_nonce);
        size_t chunk = round == 0 ? 1 : (size_t)(round * 997);
        pump(&ce, sd, data, 5, chunk);
        pump(&se, cd, data, sizeof data, chunk);
        pump(&ce, sd, data, sizeof data, chunk);
        pump(&se, cd, data + 1, 4096, chunk);

        /* the goodbye ends each direction */
        px_buf w = {0};
        size_t used = 0, plen = 0;
        const uint8_t *plain = NULL;
        CHECK_RC(px_box_enc_goodbye(&ce, &w), PX_OK);
        CHECK_RC(px_box_dec_feed(sd, w.data, w.len, &used, &plain, &plen), PX_ECLOSED);
        CHECK(used == PX_BOX_HEADER_BYTES);
        /* a server->client stream cannot be read with the c->s key */
        px_buf_reset(&w);
        CHECK_RC(px_box_enc_write(&se, data, 10, &w), PX_OK);
        px_box_dec_init(sd, ck.enc_key, ck.enc_nonce);
        CHECK_RC(px_box_dec_feed(sd, w.data, w.len, &used, &plain, &plen), PX_ECRYPTO);
        px_buf_free(&w);

        px_box_enc_clear(&ce);
        px_box_enc_clear(&se);
        px_box_dec_clear(cd);
        px_box_dec_clear(sd);
        free(cd);
        free(sd);
    }

    /* a server that refuses the client's key sends nothing more */
    {
        uint8_t K[32], A[32], Ask[64], B[32], Bsk[64], a[32], b[32];
        px_shs c, sv;
        px_random_bytes(K, 32);
        px_sign_keypair(A, Ask);
        px_sign_keypair(B, Bsk);
        px_random_bytes(a, 32);
        px_random_bytes(b, 32);
        CHECK_RC(px_shs_client_init(&c, K, A, Ask, B, a), PX_OK);
        CHECK_RC(px_shs_server_init(&sv, K, B, Bsk, b), PX_OK);
        CHECK_RC(handshake(&c, &sv, 0), PX_EPERM);
        CHECK(px_shs_next(&sv, NULL) == PX_SHS_DECIDE);
        CHECK(memcmp(px_shs_peer_pk(&sv), A, 32) == 0);
        CHECK(px_shs_next(&c, NULL) == PX_SHS_READ);
        px_shs_clear(&c);
        px_shs_clear(&sv);
    }
}

int main(void)
{
    if (px_crypto_init() != PX_OK) {
        fprintf(stderr, "FATAL: libsodium init failed\n");
        return 1;
    }
    vectors = vectors_load();
    RUN(test_vectors);
    RUN(test_wrong_network_key);
    RUN(test_low_order_ephemeral);
    RUN(test_tampered_msg3);
    RUN(test_tampered_msg4);
    RUN(test_misuse);
    RUN(test_random_handshakes);
    json_decref(vectors);
    return check_summary();
}
