/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_blob.c — the blob store (node/ledger/blob.c): the manifest codec and its
 * refusals; add of an empty file, of exactly n x 64 KiB and n x 64 KiB + 1;
 * a chunk that does not match refused with nothing written; a manifest over
 * the limit refused before allocation; an interrupted put that stays
 * incomplete, survives a reopen and reports only the missing chunks; a
 * damaged chunk file noticed on read; eviction that keeps own and pinned
 * blobs; a full disk (a file size limit) leaves nothing behind; id prefixes;
 * the quota per author and the keep mark (schema/BLOBS.md section 6);
 * chunks written with O_DIRECT and through the page cache alike.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include "check.h"

#include "blob.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/px_test_blob_XXXXXX";
static int dirs;

typedef struct node {
    char dir[512];
    px_store *s;
    px_blobs *b;
} node;

static void node_open(node *n, const char *name, const px_blob_limits *lim)
{
    char db[600];
    snprintf(n->dir, sizeof n->dir, "%s/%s", root, name);
    px_mkdirs(n->dir, 0700);
    snprintf(db, sizeof db, "%s/store.db", n->dir);
    CHECK_RC(px_store_open(db, &n->s), PX_OK);
    CHECK_RC(px_blobs_open(&n->b, n->s, n->dir, lim), PX_OK);
}

static void node_close(node *n)
{
    px_blobs_close(n->b);
    px_store_close(n->s);
    n->b = NULL;
    n->s = NULL;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i * 131u + seed * 7u + (i >> 16)) & 0xff);
}

static char *write_tmp(const uint8_t *p, size_t n)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/in%d", root, dirs++);
    CHECK_RC(px_write_file(path, p, n, 0600, false), PX_OK);
    return path;
}

/* Add size bytes, check the id against an independent computation, read
 * everything back and compare. */
static void add_and_read(size_t size, uint32_t want_chunks)
{
    node n;
    char name[32];
    snprintf(name, sizeof name, "add%zu", size);
    node_open(&n, name, NULL);
    uint8_t *data = malloc(size + 1);
    fill(data, size, 1);
    uint8_t id[32], again[32];
    CHECK_RC(px_blob_add_file(n.b, write_tmp(data, size), id), PX_OK);

    /* The manifest by hand: [size, 65536, [hash...]]. */
    px_blob_manifest m = {
        .size = size, .chunk_size = PX_BLOB_CHUNK, .n = px_blob_chunk_count(size)};
    CHECK(m.n == want_chunks);
    m.hashes = m.n ? malloc((size_t)m.n * 32) : NULL;
    for (uint32_t i = 0; i < m.n; i++)
        px_hash(m.hashes[i], data + (size_t)i * PX_BLOB_CHUNK, px_blob_chunk_len(&m, i));
    px_buf mb = {0};
    CHECK_RC(px_blob_manifest_encode(&m, &mb), PX_OK);
    px_blob_id(again, mb.data, mb.len);
    CHECK_MEM(id, again, 32);

    px_blob_info info;
    CHECK_RC(px_blob_info_get(n.b, id, &info), PX_OK);
    CHECK(info.size == size && info.chunks == want_chunks && info.held == want_chunks);
    CHECK(info.complete && info.own && !info.pinned);
    uint8_t *back = malloc(size + 1);
    CHECK_RC(px_blob_read(n.b, id, 0, back, size), PX_OK);
    CHECK(size == 0 || memcmp(back, data, size) == 0);
    /* A range straddling a chunk boundary. */
    if (size > PX_BLOB_CHUNK + 10) {
        CHECK_RC(px_blob_read(n.b, id, PX_BLOB_CHUNK - 5, back, 10), PX_OK);
        CHECK_MEM(back, data + PX_BLOB_CHUNK - 5, 10);
    }
    CHECK_RC(px_blob_read(n.b, id, size, back, 1), PX_EINVAL);
    /* Adding the same file again: the same id, still one blob. */
    CHECK_RC(px_blob_add_file(n.b, write_tmp(data, size), again), PX_OK);
    CHECK_MEM(id, again, 32);
    size_t missing = 99;
    uint32_t idx[4];
    CHECK_RC(px_blob_missing(n.b, id, 0, idx, 4, &missing), PX_OK);
    CHECK(missing == 0);
    px_buf_free(&mb);
    px_blob_manifest_free(&m);
    free(data);
    free(back);
    node_close(&n);
}

static void test_add_sizes(void)
{
    add_and_read(0, 0);
    add_and_read(1, 1);
    add_and_read(3 * PX_BLOB_CHUNK, 3);
    add_and_read(3 * PX_BLOB_CHUNK + 1, 4);
}

static void test_empty_manifest_bytes(void)
{
    /* The empty blob's manifest is 93 00 ce 00 01 00 00 90. */
    static const uint8_t want[] = {0x93, 0x00, 0xce, 0x00, 0x01, 0x00, 0x00, 0x90};
    px_blob_manifest m = {.chunk_size = PX_BLOB_CHUNK};
    px_buf mb = {0};
    CHECK_RC(px_blob_manifest_encode(&m, &mb), PX_OK);
    CHECK(mb.len == sizeof want && memcmp(mb.data, want, sizeof want) == 0);
    px_blob_manifest d;
    CHECK_RC(px_blob_manifest_decode(mb.data, mb.len, PX_BLOB_MAX_DEFAULT, &d), PX_OK);
    CHECK(d.size == 0 && d.n == 0 && d.hashes == NULL);
    px_buf_free(&mb);
}

static void test_manifest_refusals(void)
{
    px_blob_manifest m;
    /* Non-canonical size: 5 as uint8. */
    static const uint8_t noncanon[] = {0x93, 0xcc, 0x05, 0xce, 0x00, 0x01,
                                       0x00, 0x00, 0x91, 0xc4, 0x20};
    CHECK_RC(px_blob_manifest_decode(noncanon, sizeof noncanon, PX_BLOB_MAX_DEFAULT, &m),
             PX_EFORMAT);
    /* Wrong chunk size. */
    static const uint8_t csize[] = {0x93, 0x00, 0xcd, 0x10, 0x00, 0x90};
    CHECK_RC(px_blob_manifest_decode(csize, sizeof csize, PX_BLOB_MAX_DEFAULT, &m), PX_EFORMAT);
    /* Trailing byte. */
    static const uint8_t trail[] = {0x93, 0x00, 0xce, 0x00, 0x01, 0x00, 0x00, 0x90, 0x00};
    CHECK_RC(px_blob_manifest_decode(trail, sizeof trail, PX_BLOB_MAX_DEFAULT, &m), PX_EFORMAT);
    /* Hash count that does not fit the size: 1 byte, no hashes. */
    static const uint8_t count[] = {0x93, 0x01, 0xce, 0x00, 0x01, 0x00, 0x00, 0x90};
    CHECK_RC(px_blob_manifest_decode(count, sizeof count, PX_BLOB_MAX_DEFAULT, &m), PX_EFORMAT);
    CHECK(strstr(px_err_detail(), "0 hashes for 1 bytes") != NULL);
    /* Over the limit: 2^40 bytes claimed in 18 bytes, refused with
     * PX_ETOOBIG before the hash list is even looked at (so before any
     * allocation: nothing could be allocated for 16 million hashes here). */
    static const uint8_t big[] = {0x93, 0xcf, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0xce, 0x00, 0x01, 0x00, 0x00, 0xdd, 0x01, 0x00};
    CHECK_RC(px_blob_manifest_decode(big, sizeof big, PX_BLOB_MAX_DEFAULT, &m), PX_ETOOBIG);
    CHECK(m.hashes == NULL);
    CHECK(strstr(px_err_detail(), "over the limit") != NULL);
    /* 64 MiB + 1 against the default limit. */
    static const uint8_t over[] = {0x93, 0xce, 0x04, 0x00, 0x00, 0x01, 0xce,
                                   0x00, 0x01, 0x00, 0x00, 0xdc, 0x04, 0x01};
    CHECK_RC(px_blob_manifest_decode(over, sizeof over, PX_BLOB_MAX_DEFAULT, &m), PX_ETOOBIG);
    /* The store refuses it too, with nothing recorded. */
    node n;
    node_open(&n, "limit", NULL);
    uint8_t id[32];
    px_blob_id(id, over, sizeof over);
    CHECK_RC(px_blob_put_manifest(n.b, id, over, sizeof over), PX_ETOOBIG);
    CHECK(!px_blob_is_complete(n.b, id));
    px_blob_info info;
    CHECK_RC(px_blob_info_get(n.b, id, &info), PX_ENOENT);
    /* A manifest that does not hash to the id wanted. */
    static const uint8_t empty[] = {0x93, 0x00, 0xce, 0x00, 0x01, 0x00, 0x00, 0x90};
    CHECK_RC(px_blob_put_manifest(n.b, id, empty, sizeof empty), PX_EHASH);
    /* A file over a small limit is refused before anything is written. */
    node_close(&n);
    px_blob_limits lim = {.max_size = 1000};
    node_open(&n, "limit", &lim);
    uint8_t data[1001];
    fill(data, sizeof data, 3);
    CHECK_RC(px_blob_add_file(n.b, write_tmp(data, sizeof data), id), PX_ETOOBIG);
    node_close(&n);
}

/* Build a manifest of data (size bytes). OUT mb, id. */
static void manifest_of(const uint8_t *data, size_t size, px_buf *mb, uint8_t id[32])
{
    px_blob_manifest m = {
        .size = size, .chunk_size = PX_BLOB_CHUNK, .n = px_blob_chunk_count(size)};
    m.hashes = m.n ? malloc((size_t)m.n * 32) : NULL;
    for (uint32_t i = 0; i < m.n; i++)
        px_hash(m.hashes[i], data + (size_t)i * PX_BLOB_CHUNK, px_blob_chunk_len(&m, i));
    CHECK_RC(px_blob_manifest_encode(&m, mb), PX_OK);
    px_blob_id(id, mb->data, mb->len);
    px_blob_manifest_free(&m);
}

static size_t chunk_len(size_t size, uint32_t i)
{
    size_t start = (size_t)i * PX_BLOB_CHUNK;
    return size - start < PX_BLOB_CHUNK ? size - start : PX_BLOB_CHUNK;
}

static void test_bad_chunk_and_resume(void)
{
    const size_t size = 5 * PX_BLOB_CHUNK + 100; /* 6 chunks */
    uint8_t *data = malloc(size);
    fill(data, size, 9);
    px_buf mb = {0};
    uint8_t id[32];
    manifest_of(data, size, &mb, id);
    node n;
    node_open(&n, "resume", NULL);
    CHECK_RC(px_blob_put_chunk(n.b, id, 0, data, PX_BLOB_CHUNK), PX_ENOENT); /* no manifest */
    CHECK_RC(px_blob_put_manifest(n.b, id, mb.data, mb.len), PX_OK);
    CHECK_RC(px_blob_put_manifest(n.b, id, mb.data, mb.len), PX_OK); /* again: no change */
    px_blob_info info;
    CHECK_RC(px_blob_info_get(n.b, id, &info), PX_OK);
    CHECK(info.chunks == 6 && info.held == 0 && !info.complete && !info.own);

    /* A chunk with one byte changed: refused, nothing written. */
    uint8_t *bad = malloc(PX_BLOB_CHUNK);
    memcpy(bad, data + PX_BLOB_CHUNK, PX_BLOB_CHUNK);
    bad[17] ^= 1;
    CHECK_RC(px_blob_put_chunk(n.b, id, 1, bad, PX_BLOB_CHUNK), PX_EHASH);
    /* The right bytes at the wrong index, a short chunk, a chunk past the end. */
    CHECK_RC(px_blob_put_chunk(n.b, id, 2, data + PX_BLOB_CHUNK, PX_BLOB_CHUNK), PX_EHASH);
    CHECK_RC(px_blob_put_chunk(n.b, id, 5, data + 5 * PX_BLOB_CHUNK, 99), PX_EINVAL);
    CHECK_RC(px_blob_put_chunk(n.b, id, 6, data, 1), PX_EINVAL);
    char path[700], hex[PX_ID_HEX];
    px_hex_encode(hex, id, 32);
    snprintf(path, sizeof path, "%s/blobs/%s.data", n.dir, hex);
    struct stat sb;
    CHECK(stat(path, &sb) != 0); /* no file: nothing was written */
    CHECK_RC(px_blob_info_get(n.b, id, &info), PX_OK);
    CHECK(info.held == 0);

    /* Chunks 0, 2 and 5 arrive; then the "transfer" is interrupted. */
    uint32_t got[] = {0, 2, 5};
    for (size_t k = 0; k < 3; k++)
        CHECK_RC(px_blob_put_chunk(n.b, id, got[k], data + (size_t)got[k] * PX_BLOB_CHUNK,
                                   chunk_len(size, got[k])),
                 PX_OK);
    CHECK_RC(px_blob_put_chunk(n.b, id, 2, data + 2 * PX_BLOB_CHUNK, PX_BLOB_CHUNK), PX_OK);
    CHECK(!px_blob_is_complete(n.b, id));
    uint8_t buf[16];
    CHECK_RC(px_blob_read(n.b, id, PX_BLOB_CHUNK, buf, 16), PX_ENOENT); /* chunk 1 missing */
    CHECK_RC(px_blob_read(n.b, id, 2 * PX_BLOB_CHUNK + 3, buf, 16), PX_OK);
    CHECK_MEM(buf, data + 2 * PX_BLOB_CHUNK + 3, 16);
    node_close(&n);

    /* After a restart: still incomplete, only chunks 1, 3, 4 missing. */
    node_open(&n, "resume", NULL);
    CHECK(!px_blob_is_complete(n.b, id));
    uint32_t miss[8];
    size_t nm = 0;
    CHECK_RC(px_blob_missing(n.b, id, 0, miss, 8, &nm), PX_OK);
    CHECK(nm == 3 && miss[0] == 1 && miss[1] == 3 && miss[2] == 4);
    CHECK_RC(px_blob_missing(n.b, id, 2, miss, 1, &nm), PX_OK);
    CHECK(nm == 1 && miss[0] == 3);
    for (size_t k = 0; k < 3; k++) {
        uint32_t i = k == 0 ? 1 : k == 1 ? 3 : 4;
        CHECK(!px_blob_is_complete(n.b, id));
        CHECK_RC(
            px_blob_put_chunk(n.b, id, i, data + (size_t)i * PX_BLOB_CHUNK, chunk_len(size, i)),
            PX_OK);
    }
    CHECK(px_blob_is_complete(n.b, id));
    uint8_t *back = malloc(size);
    CHECK_RC(px_blob_read(n.b, id, 0, back, size), PX_OK);
    CHECK(memcmp(back, data, size) == 0);

    /* A chunk damaged on disk behind the store's back: noticed on read,
     * counted missing again. */
    int fd = open(path, O_WRONLY);
    CHECK(fd >= 0);
    CHECK(pwrite(fd, "X", 1, 3 * PX_BLOB_CHUNK + 7) == 1);
    close(fd);
    CHECK_RC(px_blob_read(n.b, id, 0, back, size), PX_EHASH);
    CHECK(!px_blob_is_complete(n.b, id));
    CHECK_RC(px_blob_missing(n.b, id, 0, miss, 8, &nm), PX_OK);
    CHECK(nm == 1 && miss[0] == 3);
    CHECK_RC(px_blob_put_chunk(n.b, id, 3, data + 3 * PX_BLOB_CHUNK, PX_BLOB_CHUNK), PX_OK);
    CHECK(px_blob_is_complete(n.b, id));

    /* Remove: the row and the file go. */
    CHECK_RC(px_blob_remove(n.b, id), PX_OK);
    CHECK(stat(path, &sb) != 0);
    CHECK_RC(px_blob_remove(n.b, id), PX_ENOENT);
    node_close(&n);
    free(back);
    free(bad);
    free(data);
    px_buf_free(&mb);
}

/* Written, then recorded: a chunk written but not recorded is not held (it
 * is fetched again after a crash); recording claims only what its file
 * holds; the blob is complete only once its last chunk is recorded. */
static void test_write_then_record(void)
{
    const size_t size = 3 * PX_BLOB_CHUNK + 10; /* 4 chunks */
    uint8_t *data = malloc(size);
    fill(data, size, 21);
    px_buf mb = {0};
    uint8_t id[32];
    manifest_of(data, size, &mb, id);
    node n;
    node_open(&n, "record", NULL);
    CHECK_RC(px_blob_put_manifest(n.b, id, mb.data, mb.len), PX_OK);
    uint32_t idx[4] = {0, 1, 2, 3};
    const uint8_t *dp[4];
    size_t lens[4];
    int rcs[4];
    for (size_t k = 0; k < 4; k++) {
        dp[k] = data + k * PX_BLOB_CHUNK;
        lens[k] = chunk_len(size, (uint32_t)k);
    }
    lens[1] = 7; /* a short chunk: refused, nothing written for it */
    CHECK_RC(px_blob_write_chunks(n.b, id, 3, idx, dp, lens, false, rcs), PX_OK);
    CHECK(rcs[0] == PX_OK && rcs[1] == PX_EINVAL && rcs[2] == PX_OK);
    /* Unverified bytes (praxisd's worker checks the hashes here, not the
     * core): one that does not match is that chunk's PX_EHASH, the rest of
     * the batch is written. */
    uint8_t *bad = malloc(PX_BLOB_CHUNK);
    memcpy(bad, data + PX_BLOB_CHUNK, PX_BLOB_CHUNK);
    bad[100] ^= 4;
    const uint8_t *bp[2] = {data, bad};
    size_t bl[2] = {PX_BLOB_CHUNK, PX_BLOB_CHUNK};
    CHECK_RC(px_blob_write_chunks(n.b, id, 2, idx, bp, bl, false, rcs), PX_OK);
    CHECK(rcs[0] == PX_OK && rcs[1] == PX_EHASH);
    free(bad);
    px_blob_info info;
    CHECK_RC(px_blob_info_get(n.b, id, &info), PX_OK);
    CHECK(info.held == 0 && !info.complete); /* written, not claimed */
    node_close(&n);                          /* a "crash": nothing claimed, all four are missing */
    node_open(&n, "record", NULL);
    uint32_t miss[8];
    size_t nm = 0;
    CHECK_RC(px_blob_missing(n.b, id, 0, miss, 8, &nm), PX_OK);
    CHECK(nm == 4);
    /* Chunk 3 was never written: the file does not reach it, it is not claimed. */
    uint32_t rec[] = {0, 2, 3};
    CHECK_RC(px_blob_record_chunks(n.b, id, 3, rec, rcs), PX_OK);
    CHECK(rcs[0] == PX_OK && rcs[1] == PX_OK && rcs[2] == PX_EIO);
    CHECK_RC(px_blob_missing(n.b, id, 0, miss, 8, &nm), PX_OK);
    CHECK(nm == 2 && miss[0] == 1 && miss[1] == 3);
    lens[1] = PX_BLOB_CHUNK;
    CHECK_RC(px_blob_write_chunks(n.b, id, 4, idx, dp, lens, false, rcs), PX_OK);
    CHECK(!px_blob_is_complete(n.b, id));
    uint32_t last[] = {1, 3};
    CHECK_RC(px_blob_record_chunks(n.b, id, 2, last, rcs), PX_OK);
    CHECK(rcs[0] == PX_OK && rcs[1] == PX_OK);
    CHECK(px_blob_is_complete(n.b, id));
    uint8_t *back = malloc(size);
    CHECK_RC(px_blob_read(n.b, id, 0, back, size), PX_OK);
    CHECK(memcmp(back, data, size) == 0);
    node_close(&n);
    free(back);
    free(data);
    px_buf_free(&mb);
}

/* Pages of path [off, off + len) in the page cache. */
static size_t resident(const char *path, size_t off, size_t len)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    void *p = mmap(NULL, off + len, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    size_t pages = (off + len + 4095) / 4096, n = 0;
    unsigned char *v = calloc(pages, 1);
    CHECK(mincore(p, off + len, v) == 0);
    for (size_t i = off / 4096; i < pages; i++)
        n += v[i] & 1;
    free(v);
    munmap(p, off + len);
    close(fd);
    return n;
}

/* Chunks in aligned buffers go to the file directly (O_DIRECT, in runs of
 * consecutive chunks, whatever order they come in); the short last chunk
 * and an unaligned buffer through the page cache; all of them read back
 * the same. A direct run cut short by a full disk is finished buffered and
 * fails as a full disk does, nothing of the batch claimed. */
static void test_direct_writes(void)
{
    const size_t size = 9 * PX_BLOB_CHUNK + 300; /* 10 chunks */
    uint8_t *data = NULL, *odd = malloc(PX_BLOB_CHUNK + 1);
    CHECK(posix_memalign((void **)&data, PX_BLOB_DIRECT_ALIGN, size) == 0);
    fill(data, size, 31);
    px_buf mb = {0};
    uint8_t id[32];
    manifest_of(data, size, &mb, id);
    node n;
    node_open(&n, "direct", NULL);
    CHECK_RC(px_blob_put_manifest(n.b, id, mb.data, mb.len), PX_OK);
    uint32_t idx[] = {3, 1, 9, 2, 0, 5, 7, 6};
    const uint8_t *dp[8];
    size_t lens[8];
    int rcs[8];
    for (size_t k = 0; k < 8; k++) {
        dp[k] = data + (size_t)idx[k] * PX_BLOB_CHUNK;
        lens[k] = chunk_len(size, idx[k]);
    }
    memcpy(odd + 1, data + 5 * PX_BLOB_CHUNK, PX_BLOB_CHUNK);
    dp[5] = odd + 1; /* chunk 5, unaligned */
    CHECK_RC(px_blob_put_chunks(n.b, id, 8, idx, dp, lens, false, rcs), PX_OK);
    for (size_t k = 0; k < 8; k++)
        CHECK_RC(rcs[k], PX_OK);
    uint32_t rest[] = {8, 4};
    dp[0] = data + 8 * PX_BLOB_CHUNK;
    dp[1] = data + 4 * PX_BLOB_CHUNK;
    lens[0] = lens[1] = PX_BLOB_CHUNK;
    CHECK_RC(px_blob_put_chunks(n.b, id, 2, rest, dp, lens, true, rcs), PX_OK);
    CHECK(rcs[0] == PX_OK && rcs[1] == PX_OK);
    CHECK(px_blob_is_complete(n.b, id));
    char path[700], hex[PX_ID_HEX];
    px_hex_encode(hex, id, 32);
    snprintf(path, sizeof path, "%s/blobs/%s.data", n.dir, hex);
    int probe = open(path, O_RDONLY | O_DIRECT);
    if (probe >= 0) { /* the file system takes O_DIRECT: chunks 0-3 never were in the cache */
        close(probe);
        CHECK(resident(path, 0, 4 * PX_BLOB_CHUNK) == 0);
    }
    uint8_t *back = malloc(size);
    CHECK_RC(px_blob_read(n.b, id, 0, back, size), PX_OK);
    CHECK(memcmp(back, data, size) == 0);

    /* A full disk (a file size limit) in the middle of a direct run. */
    uint8_t rid[32];
    px_buf rb = {0};
    fill(data, size, 32);
    manifest_of(data, size, &rb, rid);
    CHECK_RC(px_blob_put_manifest(n.b, rid, rb.data, rb.len), PX_OK);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 100 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    uint32_t two[] = {1, 0};
    dp[0] = data + PX_BLOB_CHUNK;
    dp[1] = data;
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    CHECK_RC(px_blob_put_chunks(n.b, rid, 2, two, dp, lens, false, rcs), PX_EIO);
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    CHECK(strstr(px_err_detail(), "the disk is full") != NULL);
    CHECK(rcs[0] == PX_EIO && rcs[1] == PX_EIO);
    uint32_t miss[12];
    size_t nm = 0;
    CHECK_RC(px_blob_missing(n.b, rid, 0, miss, 12, &nm), PX_OK);
    CHECK(nm == 10);
    CHECK_RC(px_blob_put_chunks(n.b, rid, 2, two, dp, lens, false, rcs), PX_OK);
    CHECK_RC(px_blob_read(n.b, rid, 0, back, 2 * PX_BLOB_CHUNK), PX_OK);
    CHECK(memcmp(back, data, 2 * PX_BLOB_CHUNK) == 0);
    node_close(&n);
    px_buf_free(&rb);
    px_buf_free(&mb);
    free(back);
    free(odd);
    free(data);
}

/* px_blob_read keeps the blob it read last (manifest, bitmap) while the
 * database is unchanged: what another connection commits meanwhile (chunks
 * recorded, the blob removed) is seen at the next read, and so is a write
 * through this one. */
static void test_read_cache(void)
{
    const size_t size = 2 * PX_BLOB_CHUNK + 10; /* 3 chunks */
    uint8_t *data = malloc(size), *back = malloc(size);
    fill(data, size, 33);
    px_buf mb = {0};
    uint8_t id[32];
    manifest_of(data, size, &mb, id);
    node r, w;
    node_open(&r, "rcache", NULL);
    node_open(&w, "rcache", NULL); /* a second connection: the daemon's writer */
    CHECK_RC(px_blob_put_manifest(w.b, id, mb.data, mb.len), PX_OK);
    CHECK_RC(px_blob_put_chunk(w.b, id, 0, data, PX_BLOB_CHUNK), PX_OK);
    CHECK_RC(px_blob_read(r.b, id, 0, back, 16), PX_OK);
    CHECK_RC(px_blob_read(r.b, id, PX_BLOB_CHUNK, back, 16), PX_ENOENT);
    CHECK_RC(px_blob_put_chunk(w.b, id, 1, data + PX_BLOB_CHUNK, PX_BLOB_CHUNK), PX_OK);
    CHECK_RC(px_blob_read(r.b, id, PX_BLOB_CHUNK, back, PX_BLOB_CHUNK), PX_OK);
    CHECK_MEM(back, data + PX_BLOB_CHUNK, PX_BLOB_CHUNK);
    CHECK_RC(px_blob_put_chunk(r.b, id, 2, data + 2 * PX_BLOB_CHUNK, 10), PX_OK); /* this one */
    CHECK_RC(px_blob_read(r.b, id, 0, back, size), PX_OK);
    CHECK(memcmp(back, data, size) == 0);
    CHECK_RC(px_blob_remove(w.b, id), PX_OK);
    CHECK_RC(px_blob_read(r.b, id, 0, back, 16), PX_ENOENT);
    node_close(&w);
    node_close(&r);
    free(back);
    free(data);
    px_buf_free(&mb);
}

/* Put a whole non-own blob of size bytes (seed) through manifest + chunks. */
static int put_remote(node *n, size_t size, unsigned seed, uint8_t id[32])
{
    uint8_t *data = malloc(size ? size : 1);
    fill(data, size, seed);
    px_buf mb = {0};
    manifest_of(data, size, &mb, id);
    int rc = px_blob_put_manifest(n->b, id, mb.data, mb.len);
    for (uint32_t i = 0; !rc && i < px_blob_chunk_count(size); i++)
        rc = px_blob_put_chunk(n->b, id, i, data + (size_t)i * PX_BLOB_CHUNK, chunk_len(size, i));
    px_buf_free(&mb);
    free(data);
    return rc;
}

static void test_eviction(void)
{
    px_blob_limits lim = {.cache_max = 3 * PX_BLOB_CHUNK};
    node n;
    node_open(&n, "evict", &lim);
    uint8_t own[32], pinned[32], a[32], b[32], c[32];
    uint8_t data[2 * PX_BLOB_CHUNK];
    fill(data, sizeof data, 42);
    CHECK_RC(px_blob_add_file(n.b, write_tmp(data, sizeof data), own), PX_OK);
    CHECK_RC(put_remote(&n, PX_BLOB_CHUNK, 1, pinned), PX_OK);
    CHECK_RC(px_blob_pin(n.b, pinned, true), PX_OK);
    CHECK_RC(put_remote(&n, PX_BLOB_CHUNK, 2, a), PX_OK);
    usleep(2000);
    CHECK_RC(put_remote(&n, PX_BLOB_CHUNK, 3, b), PX_OK);
    usleep(2000);
    CHECK_RC(put_remote(&n, PX_BLOB_CHUNK, 4, c), PX_OK); /* a, b, c: 3 chunks: fits */
    CHECK(px_blob_is_complete(n.b, a) && px_blob_is_complete(n.b, b));
    usleep(2000);
    uint8_t d[32];
    CHECK_RC(put_remote(&n, 2 * PX_BLOB_CHUNK, 5, d), PX_OK); /* room for 2: a and b go */
    px_blob_info info;
    CHECK_RC(px_blob_info_get(n.b, a, &info), PX_ENOENT);
    CHECK_RC(px_blob_info_get(n.b, b, &info), PX_ENOENT);
    CHECK(px_blob_is_complete(n.b, c) && px_blob_is_complete(n.b, d));
    CHECK(px_blob_is_complete(n.b, own) && px_blob_is_complete(n.b, pinned));
    /* Bigger than the whole cache: refused. */
    uint8_t e[32];
    CHECK_RC(put_remote(&n, 4 * PX_BLOB_CHUNK, 6, e), PX_ETOOBIG);
    /* Unpinned, the pinned one is evictable again. */
    CHECK_RC(px_blob_pin(n.b, pinned, false), PX_OK);
    size_t ev = 0;
    CHECK_RC(px_blob_evict(n.b, 3 * PX_BLOB_CHUNK, &ev), PX_OK);
    CHECK(ev == 3);
    CHECK_RC(px_blob_info_get(n.b, pinned, &info), PX_ENOENT);
    CHECK(px_blob_is_complete(n.b, own)); /* own: never evicted */
    node_close(&n);

    /* A partial blob counts at its full size: a 2-chunk manifest with no
     * chunk yet fills a 2-chunk cache, so the next manifest evicts it. */
    lim.cache_max = 2 * PX_BLOB_CHUNK;
    node_open(&n, "evict2", &lim);
    uint8_t two[2 * PX_BLOB_CHUNK], one[PX_BLOB_CHUNK];
    px_buf m2 = {0}, m1 = {0};
    fill(two, sizeof two, 50);
    fill(one, sizeof one, 51);
    uint8_t id2[32], id1[32];
    manifest_of(two, sizeof two, &m2, id2);
    manifest_of(one, sizeof one, &m1, id1);
    CHECK_RC(px_blob_put_manifest(n.b, id2, m2.data, m2.len), PX_OK);
    CHECK_RC(px_blob_put_manifest(n.b, id1, m1.data, m1.len), PX_OK);
    CHECK_RC(px_blob_info_get(n.b, id2, &info), PX_ENOENT);
    CHECK_RC(px_blob_info_get(n.b, id1, &info), PX_OK);
    px_buf_free(&m2);
    px_buf_free(&m1);
    node_close(&n);
}

static void test_full_disk(void)
{
    node n;
    node_open(&n, "full", NULL);
    size_t size = 4 * PX_BLOB_CHUNK;
    uint8_t *data = malloc(size);
    fill(data, size, 77);
    char *in = write_tmp(data, size);
    /* A file size limit makes writes past 100 KB fail as a full disk does
     * (EFBIG instead of ENOSPC); the store's database is not grown by the
     * failed add, so it is not touched by the limit. */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 100 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    uint8_t id[32];
    CHECK_RC(px_blob_add_file(n.b, in, id), PX_EIO);
    CHECK(strstr(px_err_detail(), "the disk is full") != NULL);
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    /* Nothing listed, no file left in the blob directory. */
    char bdir[700];
    snprintf(bdir, sizeof bdir, "%s/blobs", n.dir);
    int files = 0;
    DIR *d = opendir(bdir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        files += de->d_name[0] != '.' || strncmp(de->d_name, ".tmp-", 5) == 0;
    if (d)
        closedir(d);
    CHECK(files == 0);
    CHECK_RC(px_blob_add_file(n.b, in, id), PX_OK); /* with room again, it works */
    CHECK(px_blob_is_complete(n.b, id));

    /* A chunk from a peer that does not fit on the disk: refused with the
     * same sentence, not counted; the blob stays as it was. */
    uint8_t rid[32];
    px_buf mb = {0};
    fill(data, size, 78);
    manifest_of(data, size, &mb, rid);
    CHECK_RC(px_blob_put_manifest(n.b, rid, mb.data, mb.len), PX_OK);
    CHECK_RC(px_blob_put_chunk(n.b, rid, 0, data, PX_BLOB_CHUNK), PX_OK);
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    CHECK_RC(px_blob_put_chunk(n.b, rid, 2, data + 2 * PX_BLOB_CHUNK, PX_BLOB_CHUNK), PX_EIO);
    CHECK(strstr(px_err_detail(), "the disk is full") != NULL);
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    uint32_t miss[8];
    size_t nm = 0;
    CHECK_RC(px_blob_missing(n.b, rid, 0, miss, 8, &nm), PX_OK);
    CHECK(nm == 3 && miss[0] == 1 && miss[1] == 2 && miss[2] == 3);
    px_buf_free(&mb);
    free(data);
    node_close(&n);
}

static int count_cb(void *ctx, const px_blob_info *i)
{
    (void)i;
    (*(int *)ctx)++;
    return PX_OK;
}

static void test_prefix(void)
{
    node n;
    node_open(&n, "prefix", NULL);
    uint8_t ids[40][32];
    for (int i = 0; i < 40; i++) {
        uint8_t d[8];
        fill(d, sizeof d, (unsigned)i + 100);
        d[0] = (uint8_t)i;
        CHECK_RC(px_blob_add_file(n.b, write_tmp(d, sizeof d), ids[i]), PX_OK);
    }
    int count = 0;
    CHECK_RC(px_blob_each(n.b, count_cb, &count), PX_OK);
    CHECK(count == 40);
    char hex[PX_ID_HEX];
    uint8_t out[32];
    px_hex_encode(hex, ids[7], 32);
    hex[8] = '\0';
    CHECK_RC(px_blob_resolve(n.b, hex, out), PX_OK);
    CHECK_MEM(out, ids[7], 32);
    hex[3] = '\0';
    CHECK_RC(px_blob_resolve(n.b, hex, out), PX_EINVAL); /* too short */
    CHECK_RC(px_blob_resolve(n.b, "zzzzzzzzzz", out), PX_EINVAL);
    CHECK_RC(px_blob_resolve(n.b, "0000000000000", out), PX_ENOENT);
    node_close(&n);
}

/* A case record by author whose body attaches blob id (as the quota and the
 * keep mark find attachments: the id's hex digits in a case body). */
static void attach(node *n, uint8_t author_byte, const uint8_t id[32])
{
    static int64_t seq;
    char hex[PX_ID_HEX], body[160];
    uint8_t eid[32], author[32];
    px_random_bytes(eid, 32);
    memset(author, author_byte, 32);
    snprintf(body, sizeof body, "{\"attachments\": [{\"blob\": \"%s\"}]}", px_id_hex(hex, id));
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(px_store_db(n->s),
                             "INSERT INTO entries (id, author, seq, ts, kind, header, sig, body, "
                             "received_ms) VALUES (?1, ?2, ?3, 0, 'case', x'00', x'00', ?4, 0)",
                             -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_blob(st, 1, eid, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, author, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, ++seq);
    sqlite3_bind_blob(st, 4, body, (int)strlen(body), SQLITE_STATIC);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
}

/* The manifest id of a blob of size bytes (seed), not stored. */
static void id_of(size_t size, unsigned seed, uint8_t id[32])
{
    uint8_t *data = malloc(size);
    fill(data, size, seed);
    px_buf mb = {0};
    manifest_of(data, size, &mb, id);
    px_buf_free(&mb);
    free(data);
}

static void test_quota(void)
{
    node n;
    px_blob_limits lim = {.quota_per_author = 300000};
    node_open(&n, "quota", &lim);
    uint8_t keeper[1][32], a1[32], a2[32], k1[32], free1[32], late[32];
    memset(keeper[0], 'K', 32);
    bool kept;
    /* Author A attaches a1 and a2 (200,000 bytes each): a1 fits, a2 not. */
    id_of(200000, 1, a1);
    id_of(200000, 2, a2);
    attach(&n, 'A', a1);
    attach(&n, 'A', a2);
    CHECK_RC(px_blob_quota_check(n.b, a1, 200000, keeper, 1, &kept), PX_OK);
    CHECK(!kept);
    CHECK_RC(put_remote(&n, 200000, 1, a1), PX_OK);
    CHECK_RC(px_blob_quota_check(n.b, a1, 200000, keeper, 1, &kept), PX_OK); /* held: no charge */
    CHECK_RC(px_blob_quota_check(n.b, a2, 200000, keeper, 1, &kept), PX_ETOOBIG);
    CHECK(strstr(px_err_detail(), "take 200000 bytes, and the quota per author is 300000") != NULL);
    /* Room with one author is enough: H attaches a2 as well. */
    attach(&n, 'H', a2);
    CHECK_RC(px_blob_quota_check(n.b, a2, 200000, keeper, 1, &kept), PX_OK);
    CHECK(!kept);
    /* A keeper's attachment is exempt, even over the quota on its own, and
     * kept; one no record attaches is not charged. */
    id_of(400000, 3, k1);
    attach(&n, 'K', k1);
    attach(&n, 'A', k1);
    CHECK_RC(px_blob_quota_check(n.b, k1, 400000, keeper, 1, &kept), PX_OK);
    CHECK(kept);
    id_of(400000, 4, free1);
    CHECK_RC(px_blob_quota_check(n.b, free1, 400000, keeper, 1, &kept), PX_OK);
    CHECK(!kept);
    /* A blob held before the keeper's record that attaches it: marked kept. */
    px_blob_info info;
    CHECK_RC(put_remote(&n, 70000, 5, late), PX_OK);
    CHECK_RC(px_blob_info_get(n.b, late, &info), PX_OK);
    CHECK(!info.own);
    size_t marked = 9;
    CHECK_RC(px_blob_keep_attached(n.b, keeper, 1, &marked), PX_OK);
    CHECK(marked == 0);
    attach(&n, 'A', late); /* a member's record keeps nothing */
    CHECK_RC(px_blob_keep_attached(n.b, keeper, 1, &marked), PX_OK);
    CHECK(marked == 0);
    attach(&n, 'K', late);
    CHECK_RC(px_blob_keep_attached(n.b, keeper, 1, &marked), PX_OK);
    CHECK(marked == 1);
    CHECK_RC(px_blob_info_get(n.b, late, &info), PX_OK);
    CHECK(info.own && info.unkept[0] == '\0');
    CHECK_RC(px_blob_info_get(n.b, a1, &info), PX_OK);
    CHECK(!info.own);
    /* Kept for a keeper only within its quota: late2, fetched before K's
     * record attaches it, would take K's kept blobs to 320,000 bytes: it
     * stays cache, and says why; once late is gone, it fits and is kept. */
    uint8_t late2[32];
    CHECK_RC(put_remote(&n, 250000, 6, late2), PX_OK);
    attach(&n, 'K', late2);
    CHECK_RC(px_blob_keep_attached(n.b, keeper, 1, &marked), PX_OK);
    CHECK(marked == 0);
    CHECK_RC(px_blob_info_get(n.b, late2, &info), PX_OK);
    CHECK(!info.own);
    CHECK(strstr(info.unkept, "take 70000 bytes") != NULL);
    CHECK(strstr(info.unkept, "quota per author of 300000") != NULL);
    bool now_kept = true;
    CHECK_RC(px_blob_keep_for(n.b, late2, keeper, 1, &now_kept), PX_OK); /* the same rule */
    CHECK(!now_kept);
    CHECK_RC(px_blob_remove(n.b, late), PX_OK);
    CHECK_RC(px_blob_keep_attached(n.b, keeper, 1, &marked), PX_OK);
    CHECK(marked == 1);
    CHECK_RC(px_blob_info_get(n.b, late2, &info), PX_OK);
    CHECK(info.own && info.unkept[0] == '\0');
    node_close(&n);
}

int main(void)
{
    if (px_crypto_init() || !mkdtemp(root))
        return 1;
    RUN(test_empty_manifest_bytes);
    RUN(test_manifest_refusals);
    RUN(test_add_sizes);
    RUN(test_bad_chunk_and_resume);
    RUN(test_write_then_record);
    RUN(test_direct_writes);
    RUN(test_read_cache);
    RUN(test_eviction);
    RUN(test_full_disk);
    RUN(test_prefix);
    RUN(test_quota);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return check_summary();
}
