/* SPDX-License-Identifier: Apache-2.0 */
/* test_cli_support.c — what the command line shares with other front ends:
 * the JSON writer of schema/CLI.md (jsonout.h) and id prefixes (idprefix.h). */
#include "check.h"
#include "error.h"
#include "idprefix.h"
#include "jsonout.h"
#include "store.h"
#include "util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dumps(json_t *v, int flags)
{
    char *s = px_json_dumps(v, flags);
    json_decref(v);
    return s;
}

static void test_shortest_reals(void)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {{4.66, "4.66"},
                 {77.5, "77.5"},
                 {0.1, "0.1"},
                 {91.45, "91.45"},
                 {1.0 / 3, "0.3333333333333333"},
                 {100.0, "100.0"},
                 {-2.5, "-2.5"},
                 {1e-7, "1e-7"},
                 {1e20, "1e20"},
                 {0.0001, "0.0001"},
                 {1234567.0, "1234567.0"},
                 {123456789.25, "123456789.25"},
                 {0.30000000000000004, "0.30000000000000004"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = dumps(json_real(cases[i].v), 0);
        CHECK(s != NULL);
        if (s && strcmp(s, cases[i].text) != 0)
            fprintf(stderr, "  %.17g printed as %s, wanted %s\n", cases[i].v, s, cases[i].text);
        CHECK(s && strcmp(s, cases[i].text) == 0);
        CHECK(s && strtod(s, NULL) == cases[i].v); /* exact: reads back as the same double */
        free(s);
    }
    /* Every printed real reads back exactly, whatever its digits. */
    for (int i = 1; i < 2000; i++) {
        double v = (double)i / 7.0 + (double)i * 1e-3;
        char *s = dumps(json_real(v), 0);
        CHECK(s && strtod(s, NULL) == v);
        free(s);
    }
}

static void test_nulls_left_out(void)
{
    json_t *o = json_pack("{s:s, s:n, s:{s:n, s:i}, s:[n, i], s:f}", "id", "ab", "prev", "nested",
                          "gone", "kept", 3, "list", 7, "x", 4.66);
    char *s = px_json_dumps(o, 0);
    CHECK_STR(s, "{\"id\":\"ab\",\"nested\":{\"kept\":3},\"list\":[null,7],\"x\":4.66}");
    free(s);
    s = dumps(o, PX_JSON_KEEP_NULL); /* the export's spec keeps them */
    CHECK_STR(s, "{\"id\":\"ab\",\"prev\":null,\"nested\":{\"gone\":null,\"kept\":3},"
                 "\"list\":[null,7],\"x\":4.66}");
    free(s);
    o = json_pack("{s:[], s:{}, s:s}", "a", "b", "t", "é\n\"");
    s = dumps(o, PX_JSON_INDENT);
    CHECK_STR(s, "{\n  \"a\": [],\n  \"b\": {},\n  \"t\": \"é\\n\\\"\"\n}");
    free(s);
    o = json_pack("{s:[i, {s:b}]}", "rows", 1, "ok", 1);
    s = dumps(o, PX_JSON_INDENT);
    CHECK_STR(s, "{\n  \"rows\": [\n    1,\n    {\n      \"ok\": true\n    }\n  ]\n}");
    free(s);
    /* What it writes is JSON jansson reads back as the same values. */
    o = json_pack("{s:f, s:s, s:I}", "v", 77.5, "k", "x", "n", (json_int_t)1 << 53);
    s = px_json_dumps(o, PX_JSON_INDENT);
    json_error_t err;
    json_t *back = s ? json_loads(s, 0, &err) : NULL;
    CHECK(back && json_equal(back, o));
    json_decref(back);
    json_decref(o);
    free(s);
}

/* Plant entries and feeds with chosen ids: the resolver reads ids only. */
static void plant(px_store *s, const char *table, const char *hex, const char *kind)
{
    char sql[512];
    if (strcmp(table, "entries") == 0)
        snprintf(sql, sizeof sql,
                 "INSERT INTO entries (id, author, seq, ts, kind, header, sig, received_ms) "
                 "VALUES (x'%s', randomblob(32), abs(random() %% 1000000), 0, '%s', x'00', "
                 "x'00', 0)",
                 hex, kind);
    else
        snprintf(
            sql, sizeof sql,
            "INSERT INTO feeds (author, seq, head_id, ts) VALUES (x'%s', 1, randomblob(32), 0)",
            hex);
    CHECK(sqlite3_exec(px_store_db(s), sql, NULL, NULL, NULL) == SQLITE_OK);
}

static char dir[] = "/tmp/px-test-cli-XXXXXX";

static void test_prefixes(void)
{
    char path[256];
    px_store *s = NULL;
    snprintf(path, sizeof path, "%s/store.db", dir);
    CHECK_RC(px_store_open(path, &s), PX_OK);
    if (!s)
        return;
    const char *a = "1a2b3c4d5e6f70810000000000000000000000000000000000000000000000aa";
    const char *b = "1a2b3c4d5e6f70820000000000000000000000000000000000000000000000bb";
    const char *c = "1a2b3c4d99999999000000000000000000000000000000000000000000000000";
    const char *d = "ffffffff00000000000000000000000000000000000000000000000000000000";
    plant(s, "entries", a, "case");
    plant(s, "entries", b, "benchmark");
    plant(s, "entries", c, "indicator");
    plant(s, "entries", d, "case");
    uint8_t out[32], want[32];
    char hex[65];

    /* 8 and 16 digits, either case; a full id passes through held or not. */
    CHECK_RC(px_prefix_entry(s, "ffffffff", "entry id", out), PX_OK);
    CHECK_STR(px_id_hex(hex, out), d);
    CHECK_RC(px_prefix_entry(s, "1A2B3C4D5E6F7081", "entry id", out), PX_OK);
    CHECK_STR(px_id_hex(hex, out), a);
    CHECK_RC(px_prefix_entry(s, "1a2b3c4d5e6f708", "entry id", out), PX_EINVAL); /* a and b */
    CHECK(strstr(px_err_detail(), "ambiguous") && strstr(px_err_detail(), a) &&
          strstr(px_err_detail(), b) && strstr(px_err_detail(), "benchmark") &&
          !strstr(px_err_detail(), c));
    CHECK_RC(px_prefix_entry(s, "1a2b3c4d", "entry id", out), PX_EINVAL);
    CHECK(strstr(px_err_detail(), "3 entries") && strstr(px_err_detail(), c) &&
          strstr(px_err_detail(), "give more digits"));
    CHECK_RC(px_prefix_entry(s, "1a2b3c4d9", "entry id", out), PX_OK); /* odd length */
    CHECK_STR(px_id_hex(hex, out), c);
    CHECK_RC(
        px_hex_decode(want, 32, "00000000000000000000000000000000000000000000000000000000000000ee"),
        PX_OK);
    CHECK_RC(px_prefix_entry(s, "00000000000000000000000000000000000000000000000000000000000000ee",
                             "entry id", out),
             PX_OK);
    CHECK_MEM(out, want, 32);
    /* The errors name what was wrong. */
    CHECK_RC(px_prefix_entry(s, "1a2b3c4", "entry id", out), PX_EINVAL);
    CHECK(strstr(px_err_detail(), "at least 8"));
    CHECK_RC(px_prefix_entry(s, "1a2b3c4g", "entry id", out), PX_EINVAL);
    CHECK(strstr(px_err_detail(), "'g'"));
    CHECK_RC(px_prefix_entry(s, "1a2b3c4d\x1b[31m", "entry id", out), PX_EINVAL);
    CHECK(strstr(px_err_detail(), "character 9") && !strchr(px_err_detail(), '\x1b'));
    char longhex[80];
    memset(longhex, 'a', 70);
    longhex[70] = '\0';
    CHECK_RC(px_prefix_entry(s, longhex, "entry id", out), PX_EINVAL);
    CHECK(strstr(px_err_detail(), "longer than 64"));
    CHECK_RC(px_prefix_entry(s, "00000000", "entry id", out), PX_ENOENT);
    CHECK(strstr(px_err_detail(), "no entry"));
    CHECK_RC(px_prefix_entry(s, "", "entry id", out), PX_EINVAL);

    /* Keys: feed authors and members (and the root). */
    const char *k1 = "abcdef0123456789000000000000000000000000000000000000000000000001";
    const char *k2 = "abcdef0199999999000000000000000000000000000000000000000000000002";
    plant(s, "feeds", k1, NULL);
    px_members m = {0};
    px_member mem = {.role = PX_ROLE_CENTRE, .admitted = true};
    CHECK_RC(px_hex_decode(mem.key, 32, k2), PX_OK);
    m.v = &mem;
    m.n = 1;
    memset(m.root, 0x77, 32);
    CHECK_RC(px_prefix_key(s, &m, "abcdef0199", "public key", out), PX_OK);
    CHECK_STR(px_id_hex(hex, out), k2);
    CHECK_RC(px_prefix_key(s, &m, "ABCDEF0123", "public key", out), PX_OK);
    CHECK_STR(px_id_hex(hex, out), k1);
    CHECK_RC(px_prefix_key(s, &m, "abcdef01", "public key", out), PX_EINVAL);
    CHECK(strstr(px_err_detail(), "2 keys") && strstr(px_err_detail(), "centre") &&
          strstr(px_err_detail(), "feed"));
    CHECK_RC(px_prefix_key(s, &m, "77777777", "public key", out), PX_OK);
    CHECK(out[0] == 0x77 && out[31] == 0x77);
    CHECK_RC(px_prefix_key(s, NULL, "abcdef01", "public key", out), PX_OK); /* feeds only */
    CHECK_STR(px_id_hex(hex, out), k1);
    px_store_close(s);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    RUN(test_shortest_reals);
    RUN(test_nulls_left_out);
    RUN(test_prefixes);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
