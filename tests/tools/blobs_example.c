/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blobs_example.c — generates the worked example of schema/BLOBS.md: the
 * manifests and ids of an empty blob and of a 65,537-byte blob whose byte i
 * is i mod 251, with every byte shown. It depends on nothing but the code,
 * so the document is checked against it (CTest doc.blobs_example).
 *
 *   blobs_example                 print the example block
 *   blobs_example --check FILE    exit 0 if FILE holds exactly that block
 *                                 between its markers, else 1 and say where
 *   blobs_example --update FILE   replace the block between the markers
 *
 * The example is cross-checked: the manifest bytes decode with the store's
 * decoder to the same size and hashes, and the layout below is built by
 * hand from the rules of BLOBS.md, not by the encoder.
 */
#include "blob.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char begin_marker[] = "<!-- example:begin -->\n";
static const char end_marker[] = "<!-- example:end -->";

static void die(const char *what)
{
    fprintf(stderr, "blobs_example: %s\n", what);
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

static void out_hex(px_buf *b, const uint8_t *p, size_t n)
{
    char h[3];
    for (size_t i = 0; i < n; i++) {
        px_hex_encode(h, p + i, 1);
        out(b, "%s%s", h, (i + 1) % 32 == 0 || i + 1 == n ? "\n" : "");
    }
}

static void hex32(char out[65], const uint8_t *p)
{
    px_hex_encode(out, p, 32);
}

/* The manifest of data built by hand, byte by byte, from BLOBS.md. */
static void by_hand(const uint8_t *data, size_t size, px_buf *mb)
{
    uint8_t t[5];
    uint32_t n = px_blob_chunk_count(size);
    if (size > 0xffffffffu || n > 15)
        die("the example is small by design");
    t[0] = 0x93;
    if (px_buf_append(mb, t, 1))
        die("out of memory");
    if (size <= 0x7f) {
        t[0] = (uint8_t)size;
        px_buf_append(mb, t, 1);
    } else {
        t[0] = 0xce; /* the example's size needs uint32 */
        for (int i = 0; i < 4; i++)
            t[1 + i] = (uint8_t)(size >> (24 - 8 * i));
        px_buf_append(mb, t, 5);
    }
    static const uint8_t chunk_size[] = {0xce, 0x00, 0x01, 0x00, 0x00};
    px_buf_append(mb, chunk_size, 5);
    t[0] = (uint8_t)(0x90 | n);
    px_buf_append(mb, t, 1);
    for (uint32_t i = 0; i < n; i++) {
        size_t off = (size_t)i * PX_BLOB_CHUNK,
               len = size - off < PX_BLOB_CHUNK ? size - off : PX_BLOB_CHUNK;
        uint8_t h[32];
        px_hash(h, data + off, len);
        static const uint8_t bin[] = {0xc4, 0x20};
        px_buf_append(mb, bin, 2);
        if (px_buf_append(mb, h, 32))
            die("out of memory");
    }
}

static void cross_check(const uint8_t *data, size_t size, const px_buf *mb)
{
    px_blob_manifest m = {
        .size = size, .chunk_size = PX_BLOB_CHUNK, .n = px_blob_chunk_count(size)};
    m.hashes = m.n ? malloc((size_t)m.n * 32) : NULL;
    for (uint32_t i = 0; i < m.n; i++)
        px_hash(m.hashes[i], data + (size_t)i * PX_BLOB_CHUNK, px_blob_chunk_len(&m, i));
    px_buf enc = {0};
    if (px_blob_manifest_encode(&m, &enc) || enc.len != mb->len ||
        memcmp(enc.data, mb->data, mb->len) != 0)
        die("the encoder disagrees with the layout of BLOBS.md");
    px_blob_manifest d;
    if (px_blob_manifest_decode(mb->data, mb->len, PX_BLOB_MAX_DEFAULT, &d) || d.size != size ||
        d.n != m.n || (m.n && memcmp(d.hashes, m.hashes, (size_t)m.n * 32) != 0))
        die("the decoder disagrees with the layout of BLOBS.md");
    px_blob_manifest_free(&d);
    px_blob_manifest_free(&m);
    px_buf_free(&enc);
}

static void write_markdown(px_buf *b)
{
    px_buf empty = {0}, mb = {0};
    char h[65];
    uint8_t id[32];
    by_hand(NULL, 0, &empty);
    cross_check(NULL, 0, &empty);
    px_blob_id(id, empty.data, empty.len);
    out(b, "### The empty blob\n\n");
    out(b,
        "Size 0, no chunks. Manifest (%zu bytes): `93` array of 3, `00` size 0, "
        "`ce 00 01 00 00` chunk size 65536, `90` no hashes:\n\n```\n",
        empty.len);
    out_hex(b, empty.data, empty.len);
    hex32(h, id);
    out(b, "```\n\nId: `%s`\n\n", h);

    const size_t size = PX_BLOB_CHUNK + 1;
    uint8_t *data = malloc(size);
    if (!data)
        die("out of memory");
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)(i % 251);
    by_hand(data, size, &mb);
    cross_check(data, size, &mb);
    px_blob_id(id, mb.data, mb.len);
    uint8_t h0[32], h1[32];
    px_hash(h0, data, PX_BLOB_CHUNK);
    px_hash(h1, data + PX_BLOB_CHUNK, 1);
    out(b, "### A blob of 65537 bytes\n\n");
    out(b,
        "Byte i of the blob is i mod 251 (i = 0 .. 65536), so it has two chunks: bytes "
        "0..65535, and the one byte 65536 mod 251 = 0x%02x.\n\n",
        data[PX_BLOB_CHUNK]);
    hex32(h, h0);
    out(b, "Chunk 0 (65536 bytes), BLAKE2b-256:\n`%s`\n\n", h);
    hex32(h, h1);
    out(b, "Chunk 1 (1 byte), BLAKE2b-256:\n`%s`\n\n", h);
    out(b, "Manifest (%zu bytes):\n\n```\n", mb.len);
    out(b, "93                 array of 3\n");
    out(b, "ce 00 01 00 01     size 65537 (uint 32: it does not fit in 16 bits)\n");
    out(b, "ce 00 01 00 00     chunk size 65536\n");
    out(b, "92                 array of 2 hashes\n");
    out(b, "c4 20 <32 bytes>   chunk 0's hash (bin 8, length 32)\n");
    out(b, "c4 20 <32 bytes>   chunk 1's hash\n");
    out(b, "```\n\nAll %zu bytes:\n\n```\n", mb.len);
    out_hex(b, mb.data, mb.len);
    hex32(h, id);
    out(b, "```\n\nId, BLAKE2b-256 of those bytes:\n`%s`\n", h);
    free(data);
    px_buf_free(&empty);
    px_buf_free(&mb);
}

static int find_block(const char *doc, size_t *start, size_t *n)
{
    const char *b = strstr(doc, begin_marker);
    if (!b)
        return -1;
    const char *e = strstr(b + strlen(begin_marker), end_marker);
    if (!e)
        return -1;
    *start = (size_t)(b - doc) + strlen(begin_marker);
    *n = (size_t)(e - doc) - *start;
    return 0;
}

static int check_doc(const char *path, const px_buf *want)
{
    uint8_t *doc = NULL;
    size_t len = 0, start = 0, n = 0;
    if (px_read_file(path, 4 * 1024 * 1024, &doc, &len))
        die(px_err_detail());
    int rc = 0;
    if (find_block((const char *)doc, &start, &n)) {
        fprintf(stderr, "%s: no '<!-- example:begin -->' ... '%s' block\n", path, end_marker);
        rc = 1;
    } else if (n != want->len || memcmp(doc + start, want->data, n) != 0) {
        const char *a = (const char *)doc + start, *w = (const char *)want->data;
        size_t i = 0, line = 1, ls = 0;
        while (i < n && i < want->len && a[i] == w[i]) {
            if (a[i] == '\n') {
                line++;
                ls = i + 1;
            }
            i++;
        }
        const char *wl = w + ls, *wend = memchr(wl, '\n', want->len - ls);
        fprintf(stderr,
                "%s: the worked example differs from what the code produces (line %zu of the "
                "example block); the code gives:\n  %.*s\n"
                "regenerate with: blobs_example --update %s\n",
                path, line, (int)(wend ? wend - wl : (long)(want->len - ls)), wl, path);
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
    if (find_block((const char *)doc, &start, &n))
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

int main(int argc, char **argv)
{
    px_buf text = {0};
    int rc;
    if (px_crypto_init())
        die("cannot initialise libsodium");
    write_markdown(&text);
    if (argc == 1)
        rc = fwrite(text.data, 1, text.len, stdout) == text.len ? 0 : 2;
    else if (argc == 3 && strcmp(argv[1], "--check") == 0)
        rc = check_doc(argv[2], &text);
    else if (argc == 3 && strcmp(argv[1], "--update") == 0)
        rc = update_doc(argv[2], &text);
    else {
        fprintf(stderr, "usage: blobs_example [--check FILE | --update FILE]\n");
        rc = 2;
    }
    px_buf_free(&text);
    return rc;
}
