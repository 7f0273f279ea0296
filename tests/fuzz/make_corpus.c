/* SPDX-License-Identifier: Apache-2.0 */
/*
 * make_corpus.c — writes the seed corpora of the fuzz targets:
 * tests/fuzz/corpus/<target>/<seed>, small valid inputs made with the
 * library itself (entries, exports, box-stream frames, wire messages,
 * genesis documents, records, CSV, untrusted text) and the Secret
 * Handshake messages of the shared test vectors. The outputs are
 * committed; run this again only when a format or a target's input layout
 * changes:
 *
 *   build/tests/fuzz_make_corpus tests/fuzz/corpus /work/shared/vectors/shs-vectors.json
 *
 * Everything is deterministic (fixed keys, Ed25519 signatures are
 * deterministic), so a second run rewrites identical files. Layout: output
 * helpers; one function per target, in the order of tests/CMakeLists.txt;
 * main.
 */
#include "archive.h"
#include "boxstream.h"
#include "error.h"
#include "fuzz_fixtures.h"
#include "genesis.h"
#include "jsonmp.h"
#include "wire.h"
#include "msg.h"

#include <msgpack.h>
#include <sys/stat.h>

static const char *out_root;
static int failures;

/* --- output ---------------------------------------------------------------- */

static void put(const char *target, const char *name, const void *data, size_t len)
{
    char dir[4096], path[4096];
    if (px_path_join(dir, sizeof dir, out_root, target) != PX_OK ||
        px_path_join(path, sizeof path, dir, name) != PX_OK) {
        fprintf(stderr, "make_corpus: path too long\n");
        failures++;
        return;
    }
    int rc = px_mkdirs(dir, 0755);
    if (rc == PX_OK)
        rc = px_write_file(path, data, len, 0644, false);
    if (rc) {
        fprintf(stderr, "make_corpus: %s: %s\n", path, px_err_message(rc));
        failures++;
    }
}

static void put_buf(const char *target, const char *name, const px_buf *b)
{
    put(target, name, b->data, b->len);
}

static void put_str(const char *target, const char *name, const char *s)
{
    put(target, name, s, strlen(s));
}

static int buf_write(void *data, const char *p, size_t n)
{
    return px_buf_append(data, p, n) == PX_OK ? 0 : -1;
}

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

/* JSON written with single quotes, as in tests/unit/test_records.c. */
static char *sq(const char *s)
{
    char *d = strdup(s);
    FUZZ_ASSERT(d != NULL);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

/* The msgpack body of a JSON record. */
static void json_body(const char *sq_json, px_buf *out)
{
    char *text = sq(sq_json);
    json_t *j = NULL;
    FUZZ_ASSERT(px_json_parse(text, strlen(text), "seed", &j) == PX_OK);
    FUZZ_ASSERT(px_json_to_msgpack(j, out) == PX_OK);
    json_decref(j);
    free(text);
}

/* --- records (shared by several targets) ----------------------------------- */

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct {
    const char *kind;
    const char *json;
} records[] = {
    {"case", "{'title': {'en': 'One-stop shop pilot in Astana', 'ru': 'Пилотный центр «одно окно»',"
             " 'kk': 'Астанадағы «бір терезе» пилоттық жобасы'},"
             " 'summary': {'en': 'A first one-stop shop.', 'ru': 'Первый центр.'},"
             " 'problem': {'en': 'Services were scattered.'}, 'solution': {'en': 'One place.'},"
             " 'implementation': {'en': 'Pilot ministries.'}, 'results': {'en': 'Charters.'},"
             " 'stage': 'pilot', 'start_year': 2005, 'end_year': 2007, 'country': 'KZ',"
             " 'centre': 'Agency for Civil Service Affairs', 'services': ['all'],"
             " 'channels': ['in person'], 'tags': ['one-stop shop', 'service charters'],"
             " 'lessons': {'en': 'Consult customers.'}, 'transferability': {'az-Latn': 'Yüksək.'},"
             " 'contact': 'hub@example.org', 'related_results': ['" ID_A "', '" ID_B "'],"
             " 'languages': ['en', 'ru', 'kk'], 'supersedes': '" ID_B "', 'illustrative': false,"
             " 'x-future': {'anything': [1, 2.5, null, true]}}"},
    {"indicator",
     "{'code': 'KZ-SAT-OVERALL', 'version': 1,"
     " 'name': {'en': 'Overall satisfaction', 'ru': 'Общая удовлетворённость'},"
     " 'description': {'en': 'Mean score.'}, 'domain': 'overall satisfaction',"
     " 'measure_type': 'mean score', 'scale': {'min': 1, 'max': 5, 'higher_is_better': true},"
     " 'unit': 'points', 'question': {'en': 'How satisfied are you?'},"
     " 'unit_of_analysis': {'en': 'respondent'}, 'aggregation': {'en': 'mean'},"
     " 'methodology': {'en': 'Sanj 2017'}}"},
    {"benchmark", "{'indicator': 'KZ-SAT-OVERALL', 'indicator_version': 1, 'country': 'KZ',"
                  " 'centre': 'Government for Citizens', 'service': 'all', 'channel': 'in person',"
                  " 'period': '2018', 'value': 4.66, 'n': 10000, 'ci_low': 4.6, 'ci_high': 4.7,"
                  " 'std_err': 0.02, 'method': 'questionnaire', 'status': 'normal',"
                  " 'source': 'Sanj 2018', 'notes': {'en': '60 services'}, 'illustrative': false}"},
    {"crosswalk",
     "{'from': 'KZ-SAT-OVERALL-10', 'to': 'KZ-SAT-OVERALL', 'conversion': {'type': 'endpoints'},"
     " 'grade': 'close', 'caveats': {'en': 'Scale changed.'}}"},
    {"crosswalk",
     "{'from': 'GE-PSH-SAT', 'to': 'KZ-SAT-OVERALL', 'conversion': {'type': 'linear', 'a': 0.4,"
     " 'b': 1}, 'grade': 'broad'}"},
    {"retract", "{'target': '" ID_A "', 'reason': 'duplicate'}"},
    {"retract", "{'target': '" ID_B "', 'reason': {'en': 'withdrawn', 'ru': 'отозвано'}}"},
    {"aggregate",
     "{'indicator': 'KZ-SAT-OVERALL', 'period': '2018', 'by': 'country', 'group': 'KZ',"
     " 'weighting': 'n-weighted', 'value': 4.66, 'members': 1, 'n': 10000, 'basis': 'scale',"
     " 'results': ['" ID_A "']}"},
    {"benchmark",
     "{'indicator': 'GE-PSH-SAT-DEMO', 'country': 'GE', 'period': '2018-Q1', 'value': 8,"
     " 'status': 'provisional', 'illustrative': true}"},
    {"address", "{'addresses': ['hub.example.org:7420', '10.0.0.5:7421', '[::1]:7422']}"},
    {"member", "{'key': '" ID_B "', 'organisation': 'ASAN Service', 'country': 'AZ',"
               " 'role': 'centre'}"},
    {"revoke", "{'key': '" ID_B "', 'reason': {'en': 'left the network'}}"},
};

static const struct {
    const char *name;
    const char *text;
} csvs[] = {
    {"basic.csv", "indicator,indicator_version,country,centre,period,value,n,ci_low,ci_high,"
                  "std_err,method,status,source,illustrative\n"
                  "KZ-SAT-OVERALL,1,KZ,,2018,4.66,10000,,,,questionnaire,,Sanj 2018,\n"
                  "KZ-SAT-OVERALL,,KZ,G4C Astana,2018-Q1,4.5,250,4.4,4.6,0.05,,provisional,,false\n"
                  "GE-PSH-SAT-DEMO,,GE,,2018-03,8,,,,,,,,TRUE\n"},
    {"semicolon-bom-crlf.csv",
     "\xEF\xBB\xBF"
     "Indicator; country ;period;value;n;source;centre\r\n"
     "KZ-SAT-OVERALL;KZ;2017;4.57;9517;\"Sanj; report 2017, \"\"Agency\"\"\";\r\n"
     "\r\n"
     "KZ-SAT-QUALITY-PCT;KZ;2017;65.9;9517;\"two\r\nlines\";\"Қазақстан\"\r\n"
     ";;;;;;\r\n"
     "  KZ-SAT-OVERALL ; KZ ; 2018 ; 4.66 ; 10000 ;;\r\n"},
    {"cr-only.csv", "indicator,country,period,value\rX,KZ,2018,1\rY,GE,2018,2\r"},
    {"rejected-rows.csv", "indicator;country;period;value;n;source\n"
                          "KZ-SAT-OVERALL;KZ;2018;4.66;10000;ok\n"
                          "KZ-SAT-OVERALL;KZ;2018-Q5;4.66;10000;x\n"
                          "KZ-SAT-OVERALL;kz;2018;4.66;10000;x\n"
                          "KZ-SAT-OVERALL;KZ;2018;4,66;10000;x\n"},
    {"all-columns.csv",
     "indicator,indicator_version,country,centre,service,channel,period,value,n,ci_low,"
     "ci_high,std_err,method,status,source,illustrative\n"
     "AZ-ASAN-SAT,2,AZ,ASAN Baku 1,passport,in person,2018-03,97.5,1200,96.9,98.1,0.3,"
     "mystery shopper,estimated,ASAN annual report,yes\n"},
};

/* --- fuzz_entry ---------------------------------------------------------------- */

/* [flags][header length][header][signature][body], see fuzz_entry.c. */
static void put_entry_input(const char *name, const px_entry *e, bool with_body)
{
    px_buf b = {0};
    uint8_t pre[2] = {(uint8_t)((with_body ? 1 : 0) | (e->header_len > 255 ? 2 : 0)),
                      (uint8_t)e->header_len};
    FUZZ_ASSERT(px_buf_append(&b, pre, 2) == PX_OK);
    FUZZ_ASSERT(px_buf_append(&b, e->header_bytes, e->header_len) == PX_OK);
    FUZZ_ASSERT(px_buf_append(&b, e->sig, 64) == PX_OK);
    if (with_body && e->body_len)
        FUZZ_ASSERT(px_buf_append(&b, e->body, e->body_len) == PX_OK);
    put_buf("fuzz_entry", name, &b);
    px_buf_free(&b);
}

static void corpus_entry(void)
{
    px_entry head, e2, e3;
    px_buf body = {0};

    fuzz_head_entry(&head);
    put_entry_input("seq1-head", &head, true);
    put_entry_input("seq1-head-no-body", &head, false);
    json_body(records[2].json, &body);
    fuzz_make_entry(&e2, 2, head.id, FUZZ_HEAD_TS + 1000, "benchmark", body.data, body.len);
    put_entry_input("seq2-benchmark", &e2, true);
    fuzz_make_entry(&e3, 3, e2.id, FUZZ_HEAD_TS + 1000, "case", NULL, 0);
    put_entry_input("seq3-empty-body", &e3, true);
    fuzz_make_entry(&e3, (uint64_t)1 << 40, e2.id, UINT64_MAX - 1, "member_x-2", body.data,
                    body.len);
    put_entry_input("big-seq-big-ts", &e3, true);
    px_buf_free(&body);
}

/* --- fuzz_archive ------------------------------------------------------------- */

static void corpus_archive(void)
{
    px_entry e[4];
    px_buf body = {0}, out = {0};
    uint64_t ts = FUZZ_HEAD_TS;

    put("fuzz_archive", "empty", "", 0);
    fuzz_head_entry(&e[0]);
    FUZZ_ASSERT(px_archive_put(&out, &e[0]) == PX_OK);
    put_buf("fuzz_archive", "one-entry", &out);
    for (int i = 1; i < 4; i++) {
        px_buf_reset(&body);
        json_body(records[i].json, &body);
        fuzz_make_entry(&e[i], (uint64_t)i + 1, e[i - 1].id, ts + (uint64_t)i * 60000,
                        records[i].kind, body.data, body.len);
        if (i == 2)
            e[i].body = NULL; /* purged: exported without its body */
        FUZZ_ASSERT(px_archive_put(&out, &e[i]) == PX_OK);
    }
    put_buf("fuzz_archive", "chain-of-4-one-purged", &out);
    put("fuzz_archive", "truncated", out.data, out.len - 7);
    px_buf_free(&body);
    px_buf_free(&out);
}

/* --- fuzz_wire ------------------------------------------------------------------ */

static void frame_packed(px_buf *stream, const px_buf *msg)
{
    FUZZ_ASSERT(px_wire_frame(stream, msg->data, msg->len) == PX_OK);
}

static void corpus_wire(void)
{
    px_buf stream = {0}, msg = {0};
    msgpack_packer pk;
    uint8_t net[32];
    uint8_t sel;

    fuzz_network_id(net);
    msgpack_packer_init(&pk, &msg, buf_write);

    /* hello, as schema/PROTOCOL.md describes it */
    sel = 0;
    FUZZ_ASSERT(px_buf_append(&stream, &sel, 1) == PX_OK);
    msgpack_pack_map(&pk, 4);
    pack_str(&pk, "type");
    pack_str(&pk, "hello");
    pack_str(&pk, "version");
    msgpack_pack_uint8(&pk, 1);
    pack_str(&pk, "software");
    pack_str(&pk, "praxisd/0.1.0");
    pack_str(&pk, "network_id");
    msgpack_pack_bin(&pk, 32);
    msgpack_pack_bin_body(&pk, net, 32);
    frame_packed(&stream, &msg);
    put_buf("fuzz_wire", "hello", &stream);

    /* several messages of many types, fed 5 bytes at a time */
    stream.data[0] = 5;
    px_buf_reset(&msg);
    msgpack_pack_array(&pk, 8);
    msgpack_pack_int64(&pk, -1);
    msgpack_pack_int64(&pk, INT64_MIN);
    msgpack_pack_uint64(&pk, UINT64_MAX);
    msgpack_pack_float(&pk, 1.5f);
    msgpack_pack_double(&pk, -2.25);
    msgpack_pack_nil(&pk);
    msgpack_pack_true(&pk);
    msgpack_pack_false(&pk);
    frame_packed(&stream, &msg);
    px_buf_reset(&msg);
    msgpack_pack_map(&pk, 2);
    pack_str(&pk, "type");
    pack_str(&pk, "clock");
    pack_str(&pk, "feeds");
    msgpack_pack_map(&pk, 1);
    msgpack_pack_bin(&pk, 32);
    msgpack_pack_bin_body(&pk, net, 32);
    msgpack_pack_uint32(&pk, 70000);
    frame_packed(&stream, &msg);
    px_buf_reset(&msg);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 1);
    pack_str(&pk, "deep");
    msgpack_pack_ext(&pk, 2, 7);
    msgpack_pack_ext_body(&pk, "xy", 2);
    frame_packed(&stream, &msg);
    put_buf("fuzz_wire", "mixed-chunked", &stream);

    /* the vectors' example, and a message above the small limit */
    static const uint8_t example[] = {0x00, 0x00, 0x00, 0x00, 0x15, 0x82, 0xa4, 0x74, 0x79,
                                      0x70, 0x65, 0xa5, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xa4,
                                      0x6e, 0x6f, 0x64, 0x65, 0xa3, 0x72, 0x65, 0x66};
    put("fuzz_wire", "vectors-len32-example", example, sizeof example);
    static const uint8_t too_big[] = {0x40, 0x00, 0x00, 0x20, 0x00, 0xc0};
    put("fuzz_wire", "over-small-limit", too_big, sizeof too_big);
    px_buf_free(&stream);
    px_buf_free(&msg);
}

/* --- fuzz_boxstream ------------------------------------------------------------- */

static void box_stream(px_buf *out, int near_wrap, const uint8_t *plain, size_t len, int goodbye)
{
    px_box_enc e;
    uint8_t key[32], nonce[24];
    fuzz_box_key(key, nonce, FUZZ_BOX_RAW, near_wrap);
    px_box_enc_init(&e, key, nonce);
    FUZZ_ASSERT(px_box_enc_write(&e, plain, 5, out) == PX_OK);
    FUZZ_ASSERT(px_box_enc_write(&e, plain, len, out) == PX_OK);
    if (goodbye)
        FUZZ_ASSERT(px_box_enc_goodbye(&e, out) == PX_OK);
    px_box_enc_clear(&e);
}

static void corpus_boxstream(void)
{
    uint8_t plain[5000];
    px_buf b = {0};
    for (size_t i = 0; i < sizeof plain; i++)
        plain[i] = (uint8_t)(i * 7 + 3);

    /* mode 0: raw streams made with the fixed key */
    uint8_t sel = 0; /* mode 0, nonce from 0, whole input at once */
    FUZZ_ASSERT(px_buf_append(&b, &sel, 1) == PX_OK);
    box_stream(&b, 0, plain, 4200, 1);
    put_buf("fuzz_boxstream", "raw-two-writes-goodbye", &b);
    px_buf_reset(&b);
    sel = 2 | 7 << 2; /* near the nonce wrap, 7 bytes at a time */
    FUZZ_ASSERT(px_buf_append(&b, &sel, 1) == PX_OK);
    box_stream(&b, 1, plain, 300, 1);
    put_buf("fuzz_boxstream", "raw-nonce-wrap-chunked", &b);
    px_buf_reset(&b);
    sel = 40 << 2; /* 1152-byte chunks, no goodbye */
    FUZZ_ASSERT(px_buf_append(&b, &sel, 1) == PX_OK);
    box_stream(&b, 0, plain, 4096, 0);
    put_buf("fuzz_boxstream", "raw-full-frame", &b);

    /* mode 1: [sel][L:2][flags][split][P:2][X] plaintext trailing */
    static const struct {
        const char *name;
        uint8_t sel;
        uint16_t len;
        uint8_t flags, split;
        uint16_t pos;
        uint8_t x;
        size_t trailing;
    } v[] = {
        {"valid-goodbye", 1, 100, 1, 0, 0xffff, 0, 0},
        {"valid-split-wrap", 1 | 2 | 3 << 2, 5000, 3, 77, 0xffff, 0, 0},
        {"valid-trailing-junk", 1 | 33 << 2, 300, 0, 0, 0xffff, 0, 40},
        {"mutated-header", 1, 64, 1, 0, 20, 0x01, 0},
        {"mutated-body", 1 | 1 << 2, 64, 1, 0, 40, 0x80, 0},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t pre[8] = {v[i].sel,   (uint8_t)(v[i].len >> 8), (uint8_t)v[i].len, v[i].flags,
                          v[i].split, (uint8_t)(v[i].pos >> 8), (uint8_t)v[i].pos, v[i].x};
        px_buf_reset(&b);
        FUZZ_ASSERT(px_buf_append(&b, pre, sizeof pre) == PX_OK);
        FUZZ_ASSERT(px_buf_append(&b, plain, v[i].len) == PX_OK);
        FUZZ_ASSERT(px_buf_append(&b, plain, v[i].trailing) == PX_OK);
        put_buf("fuzz_boxstream", v[i].name, &b);
    }
    px_buf_free(&b);
}

/* --- fuzz_shs_server, fuzz_shs_client -------------------------------------------- */

static void vec_bytes(const json_t *obj, const char *key, px_buf *out)
{
    const char *hex = json_string_value(json_object_get(obj, key));
    FUZZ_ASSERT(hex != NULL && strlen(hex) % 2 == 0);
    size_t n = strlen(hex) / 2;
    FUZZ_ASSERT(px_buf_reserve(out, n) == PX_OK);
    FUZZ_ASSERT(px_hex_decode(out->data + out->len, n, hex) == PX_OK);
    out->len += n;
}

static void put_mode(const char *target, const char *name, uint8_t mode, const uint8_t *rest,
                     size_t len)
{
    px_buf b = {0};
    FUZZ_ASSERT(px_buf_append(&b, &mode, 1) == PX_OK);
    FUZZ_ASSERT(px_buf_append(&b, rest, len) == PX_OK);
    put_buf(target, name, &b);
    px_buf_free(&b);
}

static void corpus_shs(const char *vectors_path)
{
    json_error_t jerr;
    json_t *root = json_load_file(vectors_path, 0, &jerr);
    if (!root) {
        fprintf(stderr, "make_corpus: cannot load %s: %s\n", vectors_path, jerr.text);
        failures++;
        return;
    }
    json_t *sets = json_object_get(root, "sets");
    size_t i;
    json_t *set;
    json_array_foreach(sets, i, set)
    {
        json_t *hs = json_object_get(set, "handshake");
        px_buf m1 = {0}, m2 = {0}, m3 = {0}, m4 = {0}, both = {0};
        char name[64];
        vec_bytes(hs, "msg1_client_hello", &m1);
        vec_bytes(hs, "msg2_server_hello", &m2);
        vec_bytes(hs, "msg3_client_authenticate", &m3);
        vec_bytes(hs, "msg4_server_accept", &m4);
        FUZZ_ASSERT(m1.len == 64 && m2.len == 64 && m3.len == 112 && m4.len == 80);
        /* set0 is the fixtures' key set: a complete, valid handshake. */
        FUZZ_ASSERT(px_buf_append(&both, m1.data, m1.len) == PX_OK);
        FUZZ_ASSERT(px_buf_append(&both, m3.data, m3.len) == PX_OK);
        snprintf(name, sizeof name, "vectors-set%zu-msg1-msg3", i);
        put_mode("fuzz_shs_server", name, FUZZ_SHS_PEER, both.data, both.len);
        px_buf_reset(&both);
        FUZZ_ASSERT(px_buf_append(&both, m2.data, m2.len) == PX_OK);
        FUZZ_ASSERT(px_buf_append(&both, m4.data, m4.len) == PX_OK);
        snprintf(name, sizeof name, "vectors-set%zu-msg2-msg4", i);
        put_mode("fuzz_shs_client", name, FUZZ_SHS_PEER, both.data, both.len);
        if (i == 0) {
            put_mode("fuzz_shs_server", "vectors-set0-msg1-only", FUZZ_SHS_PEER, m1.data, 64);
            put_mode("fuzz_shs_client", "vectors-set0-msg2-only", FUZZ_SHS_PEER, m2.data, 64);

            /* misuse: calls out of turn, wrong lengths, then the real sequence */
            px_buf ops = {0};
            static const uint8_t server_pre[] = {0x00, 0x81, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
            FUZZ_ASSERT(px_buf_append(&ops, server_pre, sizeof server_pre) == PX_OK);
            uint8_t op = 1;
            FUZZ_ASSERT(px_buf_append(&ops, &op, 1) == PX_OK);
            FUZZ_ASSERT(px_buf_append(&ops, m1.data, 64) == PX_OK);
            op = 0; /* produce msg2 */
            FUZZ_ASSERT(px_buf_append(&ops, &op, 1) == PX_OK);
            op = 1;
            FUZZ_ASSERT(px_buf_append(&ops, &op, 1) == PX_OK);
            FUZZ_ASSERT(px_buf_append(&ops, m3.data, 112) == PX_OK);
            static const uint8_t server_post[] = {3, 2, 0, 3, 2, 4, 0x0d, 0};
            FUZZ_ASSERT(px_buf_append(&ops, server_post, sizeof server_post) == PX_OK);
            put_mode("fuzz_shs_server", "misuse-then-valid", FUZZ_SHS_MISUSE, ops.data, ops.len);

            px_buf_reset(&ops);
            static const uint8_t client_pre[] = {0x80, 63, 2, 3};
            FUZZ_ASSERT(px_buf_append(&ops, client_pre, sizeof client_pre) == PX_OK);
            op = 0; /* produce msg1 */
            FUZZ_ASSERT(px_buf_append(&ops, &op, 1) == PX_OK);
            op = 1;
            FUZZ_ASSERT(px_buf_append(&ops, &op, 1) == PX_OK);
            FUZZ_ASSERT(px_buf_append(&ops, m2.data, 64) == PX_OK);
            op = 0; /* produce msg3 */
            FUZZ_ASSERT(px_buf_append(&ops, &op, 1) == PX_OK);
            op = 1;
            FUZZ_ASSERT(px_buf_append(&ops, &op, 1) == PX_OK);
            FUZZ_ASSERT(px_buf_append(&ops, m4.data, 80) == PX_OK);
            static const uint8_t client_post[] = {3, 0, 2, 4, 5, 0};
            FUZZ_ASSERT(px_buf_append(&ops, client_post, sizeof client_post) == PX_OK);
            put_mode("fuzz_shs_client", "misuse-then-valid", FUZZ_SHS_MISUSE, ops.data, ops.len);
            px_buf_free(&ops);
        }
        px_buf_free(&m1);
        px_buf_free(&m2);
        px_buf_free(&m3);
        px_buf_free(&m4);
        px_buf_free(&both);
    }
    json_decref(root);

    /* mutate mode: [which][mask...]; an empty mask is the honest handshake */
    static const uint8_t honest[] = {0};
    static const uint8_t flip_first[] = {0, 0x01};
    static const uint8_t flip_second[] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40};
    const char *targets[] = {"fuzz_shs_server", "fuzz_shs_client"};
    for (int t = 0; t < 2; t++) {
        put_mode(targets[t], "mutate-none", FUZZ_SHS_MUTATE, honest, sizeof honest);
        put_mode(targets[t], "mutate-first", FUZZ_SHS_MUTATE, flip_first, sizeof flip_first);
        put_mode(targets[t], "mutate-second", FUZZ_SHS_MUTATE, flip_second, sizeof flip_second);
    }
}

/* --- fuzz_genesis ------------------------------------------------------------------ */

static void corpus_genesis(void)
{
    px_genesis g;
    char *text;

    memset(&g, 0, sizeof g);
    memcpy(g.name, "praxis-demo", sizeof "praxis-demo");
    memset(g.network_key, 0x5a, 32);
    fuzz_author(g.root, (uint8_t[64]){0});
    px_genesis_derive_id(&g);
    text = px_genesis_to_json(&g);
    put_str("fuzz_genesis", "no-bootstrap.json", text);
    free(text);

    FUZZ_ASSERT(px_genesis_bootstrap_add(&g, "127.0.0.1:7420") == PX_OK);
    FUZZ_ASSERT(px_genesis_bootstrap_add(&g, "[::1]:7421") == PX_OK);
    FUZZ_ASSERT(px_genesis_bootstrap_add(&g, "hub.example.org:7422") == PX_OK);
    text = px_genesis_to_json(&g);
    put_str("fuzz_genesis", "three-bootstrap.json", text);
    free(text);

    /* network_id is optional; keys with an uppercase digit; an address with a key */
    put_str("fuzz_genesis", "minimal.json",
            "{\"name\": \"Regional Hub\", \"network_key\": "
            "\"D4A1CB88A66F02F8DB635CE26441CC5DAC1B08420CEAAC230839B755845A9FFB\", "
            "\"root\": \"99775ff794569e88edd65a7f2ddaefe921076b7024e58a05c9458f5973f5949f\", "
            "\"bootstrap\": [\"99775ff794569e88edd65a7f2ddaefe921076b7024e58a05c9458f5973f5949f@"
            "10.0.0.1:7000\"]}");
}

/* --- fuzz_json_records, fuzz_csv ---------------------------------------- */

static void corpus_records(void)
{
    px_buf body = {0};
    char name[64];
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        char *text = sq(records[i].json);
        snprintf(name, sizeof name, "%zu-%s.json", i, records[i].kind);
        put_str("fuzz_json_records", name, text);
        free(text);
        px_buf_reset(&body);
        json_body(records[i].json, &body);
        snprintf(name, sizeof name, "%zu-%s.msgpack", i, records[i].kind);
        put_buf("fuzz_json_records", name, &body);
    }
    px_buf_free(&body);
    for (size_t i = 0; i < sizeof csvs / sizeof csvs[0]; i++)
        put_str("fuzz_csv", csvs[i].name, csvs[i].text);
}

/* --- fuzz_text -------------------------------------------------------------- */

/* Byte 0 is the column count, the rest the text. */
static const struct {
    const char *name;
    const char *text;
} texts[] = {
    {"plain", "\x14"
              "Astana Public Service Hall"},
    {"cyrillic-cut",
     "\x05\xd2\x9a\xd0\xb0\xd0\xb7\xd0\xb0\xd2\x9b\xd1\x81\xd1\x82\xd0\xb0\xd0\xbd"},
    {"wide-and-marks", "\x04\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e e\xcc\x81"},
    {"escapes", "\x10"
                "a\x1b[2Jb\x1b]0;title\x07"
                "c\x1bP"
                "q\x1b\\d\x1b(B\x1b"
                "c"},
    {"c1", "\x08"
           "a\xc2\x9b"
           "31mb\xc2\x9d"
           "0;t\xc2\x9c"
           "c\xc2\x85"},
    {"unterminated", "\x08"
                     "a\x1b]0;never ends\x1b]\x1b_"},
    {"bidi", "\x0c\xe2\x80\xaelive.exe\xe2\x81\xa6x\xe2\x81\xa9\xe2\x80\xa8y"},
    {"invalid-utf8", "\x06"
                     "a\xff\xc0\xaf\xed\xa0\x80\xe2\x80"},
    {"formula", "\x03=HYPERLINK(\"http://evil.example/\",\"x\")"},
    {"formula-spaces", "\x03  -3.5, \"quoted\"\r\n"},
};

static void corpus_text(void)
{
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        put_str("fuzz_text", texts[i].name, texts[i].text);
}

/* Blob manifests (fuzz_blob_manifest): a limit byte, then the manifest of
 * an empty blob, of one byte, of 65537 bytes and of 17 chunks (array 16),
 * and one over a limit of 1 x 64 KiB. */
#include "blob.h"

static void manifest_seed(const char *name, uint8_t limit, uint64_t size)
{
    px_blob_manifest m = {
        .size = size, .chunk_size = PX_BLOB_CHUNK, .n = px_blob_chunk_count(size)};
    px_buf b = {0};
    m.hashes = m.n ? calloc(m.n, 32) : NULL;
    for (uint32_t i = 0; i < m.n; i++)
        memset(m.hashes[i], (int)(i + 1), 32);
    FUZZ_ASSERT(px_buf_append(&b, &limit, 1) == PX_OK);
    FUZZ_ASSERT(px_blob_manifest_encode(&m, &b) == PX_OK);
    put_buf("fuzz_blob_manifest", name, &b);
    px_buf_free(&b);
    px_blob_manifest_free(&m);
}

static void corpus_blob_manifest(void)
{
    manifest_seed("empty", 0, 0);
    manifest_seed("one_byte", 0, 1);
    manifest_seed("two_chunks", 0, PX_BLOB_CHUNK + 1);
    manifest_seed("seventeen_chunks", 0, 17u * PX_BLOB_CHUNK);
    manifest_seed("over_limit", 1, 2u * PX_BLOB_CHUNK);
}

/* --- fuzz_msg ------------------------------------------------------------------- */

/* Append a 2-byte length and the message (the core mode's stream). */
static void stream_put(px_buf *stream, const px_buf *msg)
{
    uint8_t len[2] = {(uint8_t)(msg->len >> 8), (uint8_t)msg->len};
    FUZZ_ASSERT(msg->len < 65536);
    FUZZ_ASSERT(px_buf_append(stream, len, 2) == PX_OK);
    FUZZ_ASSERT(px_buf_append(stream, msg->data, msg->len) == PX_OK);
}

static void put_msg(const char *name, uint8_t mode, const px_buf *msg)
{
    px_buf b = {0};
    FUZZ_ASSERT(px_buf_append(&b, &mode, 1) == PX_OK);
    FUZZ_ASSERT(px_buf_append(&b, msg->data, msg->len) == PX_OK);
    put_buf("fuzz_msg", name, &b);
    px_buf_free(&b);
}

static void corpus_msg(void)
{
    uint8_t net[32], pk[32], sk[64];
    px_buf m[6] = {{0}}, items = {0}, stream = {0};
    px_entry head;
    fuzz_network_id(net);
    fuzz_author(pk, sk);
    fuzz_head_entry(&head);
    FUZZ_ASSERT(px_msg_encode_hello(&m[0], 1, "praxisd/0.1.0", net) == PX_OK);
    px_msg_feed f = {pk, 1};
    FUZZ_ASSERT(px_msg_encode_feeds(&m[1], PX_MSG_CLOCK, &f, 1) == PX_OK);
    FUZZ_ASSERT(px_msg_encode_feeds(&m[2], PX_MSG_HAVE, &f, 1) == PX_OK);
    FUZZ_ASSERT(px_archive_put(&items, &head) == PX_OK);
    FUZZ_ASSERT(px_msg_encode_entries(&m[3], (const uint8_t *)items.data, items.len, 1) == PX_OK);
    FUZZ_ASSERT(px_msg_encode_want(&m[4], (const uint8_t(*)[32])head.id, 1) == PX_OK);
    px_buf_reset(&items);
    FUZZ_ASSERT(px_msg_put_body(&items, head.id, head.body, head.body_len) == PX_OK);
    FUZZ_ASSERT(px_msg_encode_bodies(&m[5], (const uint8_t *)items.data, items.len, 1) == PX_OK);
    const char *names[6] = {"hello", "clock", "have", "entries", "want_bodies", "bodies"};
    for (int i = 0; i < 6; i++)
        put_msg(names[i], 0, &m[i]);
    px_buf tree = {0};
    FUZZ_ASSERT(px_msg_encode_prune(&tree) == PX_OK);
    put_msg("prune", 0, &tree);
    px_buf_reset(&tree);
    FUZZ_ASSERT(px_msg_encode_feeds(&tree, PX_MSG_GRAFT, &f, 1) == PX_OK);
    put_msg("graft", 0, &tree);
    px_buf_free(&tree);
    for (int i = 1; i < 6; i++)
        stream_put(&stream, &m[i]);
    put_msg("core-stream", 1, &stream);
    px_buf_reset(&stream);
    stream_put(&stream, &m[1]); /* before hello */
    put_msg("core-no-hello", 3, &stream);
    px_buf_reset(&stream);
    stream_put(&stream, &m[0]);
    stream_put(&stream, &m[0]); /* a second hello */
    put_msg("core-two-hellos", 3, &stream);
    for (int i = 0; i < 6; i++)
        px_buf_free(&m[i]);
    px_buf_free(&items);
    px_buf_free(&stream);
}

/* Blob messages (fuzz_blob_msg): a mode byte, then length-prefixed
 * messages about the fixed blob of fuzz_fixtures.h. Each also seeds
 * fuzz_msg's codec mode (blob_NAME), and the sequences its core mode with
 * a fetch of that blob running (core-blob-NAME). */
static void msg_seed(const char *name, uint8_t mode, const px_msg_blob *msgs, size_t n)
{
    px_buf b = {0}, stream = {0};
    char fname[64];
    FUZZ_ASSERT(px_buf_append(&b, &mode, 1) == PX_OK);
    for (size_t i = 0; i < n; i++) {
        px_buf m = {0};
        FUZZ_ASSERT(px_msg_encode_blob(&m, &msgs[i]) == PX_OK);
        uint8_t len[4] = {(uint8_t)(m.len >> 24), (uint8_t)(m.len >> 16), (uint8_t)(m.len >> 8),
                          (uint8_t)m.len};
        FUZZ_ASSERT(px_buf_append(&b, len, 4) == PX_OK);
        FUZZ_ASSERT(px_buf_append(&b, m.data, m.len) == PX_OK);
        if (n == 1) {
            snprintf(fname, sizeof fname, "blob_%s", name);
            put_msg(fname, 0, &m);
        }
        if (m.len < 65536)
            stream_put(&stream, &m);
        px_buf_free(&m);
    }
    put_buf("fuzz_blob_msg", name, &b);
    if ((n > 1 || (mode & 3) == 3) && stream.len) {
        snprintf(fname, sizeof fname, "core-blob-%s", name);
        put_msg(fname, 5, &stream); /* mode 5: a hello, then a fetch of the blob runs */
    }
    px_buf_free(&b);
    px_buf_free(&stream);
}

static void corpus_blob_msg(void)
{
    static uint8_t chunk[65536];
    px_buf mb = {0};
    uint8_t id[32], all = 7;
    fuzz_blob(&mb, id);
    for (size_t k = 0; k < sizeof chunk; k++)
        chunk[k] = fuzz_blob_byte(65536 + k);
    px_msg_blob want = {.type = PX_MSG_BLOB_WANT, .hops = 1};
    px_msg_blob have = {.type = PX_MSG_BLOB_HAVE,
                        .manifest = mb.data,
                        .manifest_len = mb.len,
                        .have = &all,
                        .have_len = 1};
    px_msg_blob none = {.type = PX_MSG_BLOB_HAVE};
    px_msg_blob get = {.type = PX_MSG_BLOB_GET, .chunks = {0, 1, 2}, .n_chunks = 3};
    px_msg_blob good = {
        .type = PX_MSG_BLOB_CHUNK, .index = 1, .data = chunk, .data_len = sizeof chunk};
    px_msg_blob lack = {.type = PX_MSG_BLOB_CHUNK, .index = 0};
    px_msg_blob *all_msgs[] = {&want, &have, &none, &get, &good, &lack};
    for (size_t i = 0; i < sizeof all_msgs / sizeof all_msgs[0]; i++)
        memcpy(all_msgs[i]->id, id, 32);
    msg_seed("want", 0, &want, 1);
    msg_seed("have_manifest", 1, &have, 1);
    msg_seed("none", 1, &none, 1);
    msg_seed("get", 0, &get, 1);
    msg_seed("chunk_good", 3, &good, 1);
    msg_seed("chunk_lacking", 3, &lack, 1);
    px_msg_blob seq[] = {have, good, lack};
    msg_seed("have_then_chunks", 1, seq, 3);
    px_msg_blob held = have;
    msg_seed("resume", 5, &held, 1);
    good.data = NULL;
    good.data_len = 0;
    chunk[100] ^= 1;
    good.data = chunk;
    good.data_len = sizeof chunk;
    msg_seed("chunk_bad", 3, &good, 1);
    px_buf_free(&mb);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s OUTDIR SHS-VECTORS.json\n", argv[0]);
        return 2;
    }
    out_root = argv[1];
    fuzz_setup();
    corpus_entry();
    corpus_archive();
    corpus_wire();
    corpus_boxstream();
    corpus_shs(argv[2]);
    corpus_genesis();
    corpus_records();
    corpus_text();
    corpus_blob_manifest();
    corpus_msg();
    corpus_blob_msg();
    if (failures) {
        fprintf(stderr, "make_corpus: %d files could not be written\n", failures);
        return 1;
    }
    return 0;
}
