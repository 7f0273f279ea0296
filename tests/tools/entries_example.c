/* SPDX-License-Identifier: Apache-2.0 */
/*
 * entries_example.c — generates the worked example of schema/ENTRIES.md: a
 * two-entry feed made from a fixed seed, a fixed network key and a fixed
 * clock, with every byte shown. The output depends on nothing but the code,
 * so the document can be checked against it (CTest entries_example_doc).
 *
 *   entries_example                 print the example (the text that sits
 *                                   between the example markers of the doc)
 *   entries_example --check FILE    exit 0 if FILE holds exactly that text
 *                                   between its markers, else 1 and say where
 *   entries_example --update FILE   replace the text between the markers
 *   entries_example --write DIR     write DIR/example.mp (the export file)
 *                                   and DIR/genesis.json
 *
 * Layout: a text buffer; building the example with the core library (and
 * cross-checking it with the library's own decoder and chain rules);
 * byte-level annotation of a header; the markdown writer; the modes.
 */
#include "archive.h"
#include "crypto.h"
#include "entry.h"
#include "error.h"
#include "mpcheck.h"
#include "feed.h"
#include "genesis.h"
#include "identity.h"
#include "jsonmp.h"
#include "records.h"
#include "util.h"

#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char begin_marker[] = "<!-- example:begin -->\n";
static const char end_marker[] = "<!-- example:end -->";

static const uint64_t ts1 = 1700000000000; /* 2023-11-14T22:13:20Z */
static const uint64_t ts2 = 1700000060000; /* one minute later */

/* --- a text buffer ------------------------------------------------------ */

static void die(const char *what)
{
    fprintf(stderr, "entries_example: %s\n", what);
    exit(2);
}

static void out(px_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(px_buf *b, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line)
        die("output line too long");
    if (px_buf_append(b, line, (size_t)n))
        die("out of memory");
}

/* Bytes as lowercase hex, n_per_line bytes per line, each line indented. */
static void out_hex(px_buf *b, const uint8_t *p, size_t n, size_t per_line, const char *indent,
                    bool spaced)
{
    for (size_t i = 0; i < n; i += per_line) {
        out(b, "%s", indent);
        for (size_t j = i; j < n && j < i + per_line; j++)
            out(b, spaced && j > i ? " %02x" : "%02x", p[j]);
        out(b, "\n");
    }
}

static void hex32(char dst[65], const uint8_t src[32])
{
    px_hex_encode(dst, src, 32);
}

/* --- the example -------------------------------------------------------- */

typedef struct example {
    uint8_t seed[32];
    px_identity me;
    px_genesis g;
    px_buf net_preimage;
    px_buf body1, body2;
    px_entry e1, e2;
    px_buf export_file; /* both items */
    px_buf purged_item; /* item 1 with its body purged */
    size_t item1_len;
    char *genesis_json;
} example;

static int sbuf_write(void *data, const char *p, size_t n)
{
    return px_buf_append(data, p, n) == PX_OK ? 0 : -1;
}

static void build(example *x)
{
    msgpack_packer pk;
    char id1[65];

    memset(x, 0, sizeof *x);
    if (px_crypto_init())
        die("libsodium failed to initialise");
    for (int i = 0; i < 32; i++)
        x->seed[i] = (uint8_t)(0x01 + i);
    px_identity_from_seed(&x->me, x->seed);

    /* The network: fixed key 0x21..0x40, rooted at the example identity. */
    memcpy(x->g.name, "example", sizeof "example");
    for (int i = 0; i < 32; i++)
        x->g.network_key[i] = (uint8_t)(0x21 + i);
    memcpy(x->g.root, x->me.pk, 32);
    if (px_genesis_bootstrap_add(&x->g, "192.0.2.1:8008"))
        die(px_err_detail());
    px_genesis_derive_id(&x->g);
    x->genesis_json = px_genesis_to_json(&x->g);
    if (!x->genesis_json)
        die("out of memory");

    /* The preimage of the network id, packed here independently of
     * genesis.c and checked against it. */
    msgpack_packer_init(&pk, &x->net_preimage, sbuf_write);
    msgpack_pack_array(&pk, 4);
    px_mp_pack_str(&pk, "praxis-network-v1");
    px_mp_pack_str(&pk, x->g.name);
    msgpack_pack_bin(&pk, 32);
    msgpack_pack_bin_body(&pk, x->g.network_key, 32);
    msgpack_pack_bin(&pk, 32);
    msgpack_pack_bin_body(&pk, x->g.root, 32);
    uint8_t nid[32];
    px_hash(nid, x->net_preimage.data, x->net_preimage.len);
    if (memcmp(nid, x->g.network_id, 32) != 0)
        die("network id derivation disagrees with genesis.c");

    /* Entry 1: a case study (schema/RECORDS.md). */
    msgpack_packer_init(&pk, &x->body1, sbuf_write);
    msgpack_pack_map(&pk, 4);
    px_mp_pack_str(&pk, "title");
    msgpack_pack_map(&pk, 1);
    px_mp_pack_str(&pk, "en");
    px_mp_pack_str(&pk, "SMS queue");
    px_mp_pack_str(&pk, "summary");
    msgpack_pack_map(&pk, 1);
    px_mp_pack_str(&pk, "en");
    px_mp_pack_str(&pk, "Tickets by text message.");
    px_mp_pack_str(&pk, "country");
    px_mp_pack_str(&pk, "KZ");
    px_mp_pack_str(&pk, "stage");
    px_mp_pack_str(&pk, "pilot");

    px_header h = {0};
    memcpy(h.network_id, x->g.network_id, 32);
    memcpy(h.author, x->me.pk, 32);
    h.seq = 1;
    h.timestamp_ms = ts1;
    memcpy(h.kind, "case", sizeof "case");
    if (px_entry_sign(&x->e1, &h, x->body1.data, x->body1.len, x->me.sk))
        die(px_err_detail());

    /* Entry 2: a retraction of entry 1. */
    hex32(id1, x->e1.id);
    msgpack_packer_init(&pk, &x->body2, sbuf_write);
    msgpack_pack_map(&pk, 2);
    px_mp_pack_str(&pk, "target");
    px_mp_pack_str(&pk, id1);
    px_mp_pack_str(&pk, "reason");
    px_mp_pack_str(&pk, "duplicate");

    h.seq = 2;
    h.has_prev = true;
    memcpy(h.prev, x->e1.id, 32);
    h.timestamp_ms = ts2;
    memcpy(h.kind, "retract", sizeof "retract");
    if (px_entry_sign(&x->e2, &h, x->body2.data, x->body2.len, x->me.sk))
        die(px_err_detail());

    /* The bodies are real records, valid as schema/RECORDS.md says. */
    if (px_record_validate("case", x->body1.data, x->body1.len) ||
        px_record_validate("retract", x->body2.data, x->body2.len))
        die(px_err_detail());

    if (px_archive_put(&x->export_file, &x->e1))
        die("out of memory");
    x->item1_len = x->export_file.len;
    if (px_archive_put(&x->export_file, &x->e2))
        die("out of memory");
    px_entry purged = x->e1;
    purged.body = NULL;
    purged.body_len = 0;
    if (px_archive_put(&x->purged_item, &purged))
        die("out of memory");
}

/* Read the export back with the library's reader and apply the library's
 * rules, so the example cannot show something the code would refuse. */
static void cross_check(const example *x)
{
    FILE *f = fmemopen(x->export_file.data, x->export_file.len, "rb");
    px_archive_reader r = {0};
    px_entry e;
    px_head head = {0};
    const px_entry *want[2] = {&x->e1, &x->e2};
    if (!f)
        die("fmemopen failed");
    r.f = f;
    for (int i = 0; i < 2; i++) {
        if (px_archive_next(&r, &e))
            die(px_err_detail());
        if (memcmp(e.id, want[i]->id, 32) != 0 || px_entry_verify_sig(&e) ||
            px_entry_check_body(&e) || !e.body)
            die("the example export does not read back");
        if (px_feed_check_next(x->g.network_id, i == 0 ? NULL : &head, &e))
            die(px_err_detail());
        memcpy(head.author, e.h.author, 32);
        head.seq = e.h.seq;
        memcpy(head.id, e.id, 32);
        head.timestamp_ms = e.h.timestamp_ms;
    }
    if (px_archive_next(&r, &e) != PX_ENOENT)
        die("the example export has trailing bytes");
    px_archive_reader_free(&r);
    fclose(f);
}

static void free_example(example *x)
{
    px_buf_free(&x->net_preimage);
    px_buf_free(&x->body1);
    px_buf_free(&x->body2);
    px_buf_free(&x->export_file);
    px_buf_free(&x->purged_item);
    free(x->genesis_json);
}

/* --- annotating msgpack bytes ------------------------------------------- */

/* Length of the element at p (only the types a header may hold), or 0. */
static size_t elem_len(const uint8_t *p)
{
    uint8_t t = p[0];
    if (t <= 0x7f)
        return 1;
    if (t >= 0xa0 && t <= 0xbf)
        return 1 + (size_t)(t & 0x1f);
    switch (t) {
    case 0xc0:
        return 1;
    case 0xcc:
        return 2;
    case 0xcd:
        return 3;
    case 0xce:
        return 5;
    case 0xcf:
        return 9;
    case 0xc4:
    case 0xd9:
        return 2 + (size_t)p[1];
    default:
        return 0;
    }
}

static const char *type_name(uint8_t t)
{
    if (t <= 0x7f)
        return "positive fixint";
    if (t >= 0xa0 && t <= 0xbf)
        return "fixstr";
    switch (t) {
    case 0xc0:
        return "nil";
    case 0xcc:
        return "uint 8";
    case 0xcd:
        return "uint 16";
    case 0xce:
        return "uint 32";
    case 0xcf:
        return "uint 64";
    case 0xc4:
        return "bin 8";
    case 0xd9:
        return "str 8";
    default:
        return "?";
    }
}

/* One header element: short ones on one line with a comment; 32-byte
 * binaries as their 2-byte prefix with the comment, the value below. */
static void annotate_elem(px_buf *b, const uint8_t *p, size_t n, const char *what)
{
    char bytes[64] = "";
    size_t shown = n;
    bool long_bin = p[0] == 0xc4;
    if (long_bin)
        shown = 2;
    size_t at = 0;
    for (size_t i = 0; i < shown; i++)
        at += (size_t)snprintf(bytes + at, sizeof bytes - at, i ? " %02x" : "%02x", p[i]);
    out(b, "%-28s %s (%s)\n", bytes, what, type_name(p[0]));
    if (long_bin)
        out_hex(b, p + 2, n - 2, 32, "    ", false);
}

static void annotate_header(px_buf *b, const px_entry *e)
{
    const uint8_t *p = e->header_bytes;
    size_t off = 1;
    char what[9][128];
    const px_header *h = &e->h;
    snprintf(what[0], sizeof what[0], "[0] format = 1");
    snprintf(what[1], sizeof what[1], "[1] network_id, 32 bytes");
    snprintf(what[2], sizeof what[2], "[2] author, 32 bytes");
    snprintf(what[3], sizeof what[3], "[3] seq = %llu", (unsigned long long)h->seq);
    if (h->has_prev)
        snprintf(what[4], sizeof what[4], "[4] prev = id of entry %llu",
                 (unsigned long long)h->seq - 1);
    else
        snprintf(what[4], sizeof what[4], "[4] prev = nil");
    snprintf(what[5], sizeof what[5], "[5] timestamp_ms = %llu",
             (unsigned long long)h->timestamp_ms);
    snprintf(what[6], sizeof what[6], "[6] kind = \"%s\"", h->kind);
    snprintf(what[7], sizeof what[7], "[7] body_len = %llu", (unsigned long long)h->body_len);
    snprintf(what[8], sizeof what[8], "[8] body_hash, 32 bytes");
    if (p[0] != 0x99)
        die("header does not start with fixarray 9");
    out(b, "%-28s array of 9 elements (fixarray)\n", "99");
    for (int i = 0; i < 9; i++) {
        size_t n = elem_len(p + off);
        if (n == 0 || off + n > e->header_len)
            die("header holds a type the annotator does not know");
        annotate_elem(b, p + off, n, what[i]);
        off += n;
    }
    if (off != e->header_len)
        die("header has bytes after its 9 elements");
}

/* --- the markdown ------------------------------------------------------- */

static void write_entry(px_buf *b, int n, const px_entry *e, const char *body_note)
{
    char hx[65];
    json_t *j = NULL;
    out(b, "### Entry %d\n\n", n);
    out(b, "Body (%zu bytes), %s:\n\n", e->body_len, body_note);
    if (px_msgpack_to_json(e->body, e->body_len, &j))
        die(px_err_detail());
    char *txt = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    if (!txt)
        die("out of memory");
    out(b, "```\n%s\n```\n\n", txt);
    free(txt);
    out(b, "```\n");
    out_hex(b, e->body, e->body_len, 32, "", false);
    out(b, "```\n\n");
    out(b, "body_hash = BLAKE2b-256(body) =\n`%s`\n\n", (hex32(hx, e->h.body_hash), hx));
    out(b, "Header (%zu bytes), field by field:\n\n```\n", e->header_len);
    annotate_header(b, e);
    out(b, "```\n\n");
    out(b, "The same %zu header bytes in one piece:\n\n```\n", e->header_len);
    out_hex(b, e->header_bytes, e->header_len, 32, "", false);
    out(b, "```\n\n");
    out(b,
        "Signed message (%zu bytes) = `7072617869732d656e7472792d7631` (\"praxis-entry-v1\", "
        "15 bytes) followed by the header bytes:\n\n```\n",
        15 + e->header_len);
    px_buf msg = {0};
    if (px_buf_append(&msg, "praxis-entry-v1", 15) ||
        px_buf_append(&msg, e->header_bytes, e->header_len))
        die("out of memory");
    out_hex(b, msg.data, msg.len, 32, "", false);
    px_buf_free(&msg);
    out(b, "```\n\n");
    out(b, "Signature (Ed25519, 64 bytes):\n\n```\n");
    out_hex(b, e->sig, 64, 32, "", false);
    out(b, "```\n\n");
    out(b, "Entry id = BLAKE2b-256(header bytes || signature) =\n`%s`\n\n", (hex32(hx, e->id), hx));
}

/* One line per item: where it is and how it is framed. */
static void write_item_layout(px_buf *b, int n, size_t at, const px_entry *e)
{
    size_t len = 1 + 2 + e->header_len + 2 + 64 + 2 + e->body_len;
    out(b,
        "item %d, bytes %zu..%zu (%zu): 93 | c4 %02zx + header (%zu) | c4 40 + signature (64) "
        "| c4 %02zx + body (%zu)\n",
        n, at, at + len - 1, len, e->header_len, e->header_len, e->body_len, e->body_len);
}

static void write_markdown(px_buf *b, const example *x)
{
    char hx[65];
    out(b, "### Inputs\n\n");
    out(b, "Ed25519 seed (32 bytes 0x01..0x20; never use a fixed seed for real):\n`");
    for (int i = 0; i < 32; i++)
        out(b, "%02x", x->seed[i]);
    out(b, "`\n\n");
    out(b, "Public key (the author, and the network root):\n`%s`\n\n", (hex32(hx, x->me.pk), hx));
    out(b, "Network: name `%s`, network_key = 32 bytes 0x21..0x40:\n`%s`\n\n", x->g.name,
        (hex32(hx, x->g.network_key), hx));
    out(b,
        "Network id preimage, msgpack `[\"praxis-network-v1\", \"%s\", network_key, root]` "
        "(%zu bytes):\n\n```\n",
        x->g.name, x->net_preimage.len);
    out(b, "94                           array of 4 elements (fixarray)\n");
    const uint8_t *p = x->net_preimage.data + 1;
    size_t ctx_len = 1 + 17, name_len = 1 + strlen(x->g.name);
    char bytes[16];
    snprintf(bytes, sizeof bytes, "%02x", p[0]);
    out(b, "%-28s \"praxis-network-v1\" (fixstr, 17 bytes)\n", bytes);
    out_hex(b, p + 1, 17, 32, "    ", false);
    snprintf(bytes, sizeof bytes, "%02x", p[ctx_len]);
    out(b, "%-28s \"%s\" (fixstr, %zu bytes)\n", bytes, x->g.name, strlen(x->g.name));
    out_hex(b, p + ctx_len + 1, strlen(x->g.name), 32, "    ", false);
    annotate_elem(b, p + ctx_len + name_len, 34, "network_key, 32 bytes");
    annotate_elem(b, p + ctx_len + name_len + 34, 34, "root, 32 bytes");
    out(b, "```\n\n");
    out(b, "network_id = BLAKE2b-256(preimage) =\n`%s`\n\n", (hex32(hx, x->g.network_id), hx));
    out(b,
        "The genesis document (`genesis.json`; the bootstrap address is not part of the "
        "network id):\n\n```json\n%s\n```\n\n",
        x->genesis_json);

    write_entry(b, 1, &x->e1, "a `case` record");
    write_entry(b, 2, &x->e2, "a `retract` record naming entry 1");

    out(b, "### Export file\n\n");
    out(b, "%zu bytes, two items and nothing else:\n\n```\n", x->export_file.len);
    write_item_layout(b, 1, 0, &x->e1);
    write_item_layout(b, 2, x->item1_len, &x->e2);
    out(b, "```\n\nAll %zu bytes:\n\n", x->export_file.len);
    out(b, "```\n");
    out_hex(b, x->export_file.data, x->export_file.len, 32, "", false);
    out(b, "```\n\n");
    out(b,
        "Item 1 as it is exported after its body was purged (%zu bytes): the body becomes "
        "`c0` (nil). Entry 1's id is unchanged (it covers the header, which holds body_hash, "
        "not the body), so entry 2's prev still matches and the chain verifies.\n\n```\n",
        x->purged_item.len);
    out_hex(b, x->purged_item.data, x->purged_item.len, 32, "", false);
    out(b, "```\n");
}

/* --- modes -------------------------------------------------------------- */

/* The text between the markers of doc (len bytes): OUT *start, *n. */
static int find_block(const char *doc, size_t len, size_t *start, size_t *n)
{
    const char *b = strstr(doc, begin_marker);
    if (!b)
        return -1;
    const char *e = strstr(b + strlen(begin_marker), end_marker);
    if (!e)
        return -1;
    *start = (size_t)(b - doc) + strlen(begin_marker);
    *n = (size_t)(e - doc) - *start;
    (void)len;
    return 0;
}

static int check_doc(const char *path, const px_buf *want)
{
    uint8_t *doc = NULL;
    size_t len = 0, start = 0, n = 0;
    if (px_read_file(path, 4 * 1024 * 1024, &doc, &len))
        die(px_err_detail());
    int rc = 0;
    if (find_block((const char *)doc, len, &start, &n)) {
        fprintf(stderr, "%s: no '%s' ... '%s' block\n", path, "<!-- example:begin -->", end_marker);
        rc = 1;
    } else if (n != want->len || memcmp(doc + start, want->data, n) != 0) {
        /* Name the first line that differs. */
        const char *a = (const char *)doc + start, *w = (const char *)want->data;
        size_t i = 0, line = 1, ls = 0;
        while (i < n && i < want->len && a[i] == w[i]) {
            if (a[i] == '\n') {
                line++;
                ls = i + 1;
            }
            i++;
        }
        size_t doc_line = 1;
        for (const char *q = (const char *)doc; q < a + ls; q++)
            doc_line += *q == '\n';
        const char *wl = w + ls, *wend = memchr(wl, '\n', want->len - ls);
        fprintf(stderr,
                "%s:%zu: the worked example differs from what the code produces "
                "(line %zu of the example block); the code gives:\n  %.*s\n"
                "regenerate with: entries_example --update %s\n",
                path, doc_line, line, (int)(wend ? wend - wl : (long)(want->len - ls)), wl, path);
        rc = 1;
    }
    free(doc);
    return rc;
}

static int update_doc(const char *path, const px_buf *text)
{
    uint8_t *doc = NULL;
    size_t len = 0, start = 0, n = 0;
    px_buf nd = {0};
    if (px_read_file(path, 4 * 1024 * 1024, &doc, &len))
        die(px_err_detail());
    if (find_block((const char *)doc, len, &start, &n))
        die("no example markers in the document");
    if (px_buf_append(&nd, doc, start) || px_buf_append(&nd, text->data, text->len) ||
        px_buf_append(&nd, doc + start + n, len - start - n))
        die("out of memory");
    if (px_write_file(path, nd.data, nd.len, 0644, false))
        die(px_err_detail());
    px_buf_free(&nd);
    free(doc);
    return 0;
}

static int write_files(const char *dir, const example *x)
{
    char path[4096];
    if (px_path_join(path, sizeof path, dir, "example.mp") ||
        px_write_file(path, x->export_file.data, x->export_file.len, 0644, false))
        die(px_err_detail());
    px_buf g = {0};
    if (px_buf_append(&g, x->genesis_json, strlen(x->genesis_json)) || px_buf_append(&g, "\n", 1))
        die("out of memory");
    if (px_path_join(path, sizeof path, dir, "genesis.json") ||
        px_write_file(path, g.data, g.len, 0600, false))
        die(px_err_detail());
    px_buf_free(&g);
    return 0;
}

int main(int argc, char **argv)
{
    example x;
    px_buf text = {0};
    int rc = 0;
    build(&x);
    cross_check(&x);
    write_markdown(&text, &x);
    if (argc == 1)
        rc = fwrite(text.data, 1, text.len, stdout) == text.len ? 0 : 2;
    else if (argc == 3 && strcmp(argv[1], "--check") == 0)
        rc = check_doc(argv[2], &text);
    else if (argc == 3 && strcmp(argv[1], "--update") == 0)
        rc = update_doc(argv[2], &text);
    else if (argc == 3 && strcmp(argv[1], "--write") == 0)
        rc = write_files(argv[2], &x);
    else {
        fprintf(stderr, "usage: entries_example [--check FILE | --update FILE | --write DIR]\n");
        rc = 2;
    }
    px_buf_free(&text);
    free_example(&x);
    return rc;
}
