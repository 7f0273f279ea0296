/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blob.c — the blob store (blob.h, schema/BLOBS.md).
 *
 * Where the bytes go, and why: chunk bytes live in files, one per blob
 * (DIR/blobs/<id hex>.data, chunk i at offset i * 64 KiB), and everything
 * else in SQLite (table blobs: the manifest, a bitmap of the chunks held,
 * the flags). Files, because 64 MiB blobs in SQLite would pass every byte
 * through the WAL twice and leave the database file at its high-water mark
 * after eviction (SQLite does not give pages back without VACUUM), while a
 * removed file returns its space at once and a range is one pread. SQLite,
 * because "which chunks are held" and "complete" must change together and
 * atomically: a chunk counts only once its row bit is committed, which
 * happens after its bytes are written and fdatasync'ed, so a crash at any
 * point leaves at worst a chunk written but not counted (fetched again).
 * Every chunk read is verified against the manifest once more, so a file
 * damaged behind our back is noticed, and the chunk marked missing.
 *
 * Layout: paths and file I/O; the manifest codec; rows; the store (open,
 * sweep); add; put manifest/chunk; missing, read; list, remove, pin,
 * evict; id prefixes.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include "blob.h"

#include "crypto.h"
#include "entry.h"
#include "error.h"
#include "mpcheck.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* The blob px_blob_read read last: its manifest decoded and its bitmap,
 * trusted while the database is as it was when they were loaded (the data
 * version moves when another connection commits, the change count when
 * this one writes), so a blob served chunk by chunk costs a pread and a
 * hash per chunk rather than a query, a copy and a decode of its manifest
 * (a 64 MiB blob's is 34 KiB). */
typedef struct read_cache {
    bool valid;
    uint8_t id[32];
    px_blob_manifest m;
    px_buf have;
    int64_t version, changes;
} read_cache;

struct px_blobs {
    px_store *s;
    sqlite3 *db;
    char dir[PATH_MAX]; /* DIR/blobs */
    uint64_t max_size;
    uint64_t cache_max;
    uint64_t quota; /* bytes per author, schema/BLOBS.md section 6 */
    /* prepared once (lazily), reset after each use */
    sqlite3_stmt *st_info, *st_row, *st_version;
    read_cache rd;
    uint8_t *scratch; /* one chunk, for reads that start or end inside one */
};

/* --- paths and file I/O --------------------------------------------------- */

static int data_path(const px_blobs *b, const uint8_t id[32], char *out, size_t n)
{
    char hex[PX_ID_HEX], name[PX_ID_HEX + 8];
    px_id_hex(hex, id);
    snprintf(name, sizeof name, "%s.data", hex);
    return px_path_join(out, n, b->dir, name);
}

/* An errno from writing blob bytes, as one sentence. A full disk (or a file
 * size limit) is said plainly: what failed and that nothing held changed. */
static int write_err(int e, const char *what, const char *path)
{
    if (e == ENOSPC || e == EDQUOT || e == EFBIG)
        return px_err_set(PX_EIO,
                          "blob store: the disk is full (%s, %s); nothing held was changed: "
                          "free some space and try again",
                          what, path);
    px_err_set(px_err_from_errno(e), "blob store: %s (%s): %s", what, path, strerror(e));
    return PX_EIO;
}

static int pwrite_all(int fd, const uint8_t *p, size_t n, off_t off)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (w == 0)
            return EIO;
        p += w;
        n -= (size_t)w;
        off += w;
    }
    return 0;
}

/* Chunk bytes go to the file with O_DIRECT where the file system allows it
 * and the caller's buffer is aligned (PX_BLOB_DIRECT_ALIGN): a fetched chunk
 * is made durable within SYNC_MS anyway (fdatasync per batch), so the page
 * cache would only cost a copy of every byte, memory the node has no use
 * for and the flusher's work; on a VM whose free memory is handed back to
 * the host, each new page-cache page costs a host fault on top (64 MiB
 * written in 64 KiB pieces and synced: 0.12-0.27 s of CPU buffered, 0.007 s
 * direct in runs of 1 MiB, on the bench machine). Consecutive chunks go in
 * one pwritev. Anything else (the short last chunk, an unaligned buffer, a
 * file system that refuses O_DIRECT, a short direct write's rest) goes
 * through the page cache as before: both land in the same file, and the
 * same fdatasync makes both durable. */
enum { RUN_IOV = 64 };

typedef struct wchunk {
    uint32_t index;
    size_t k;
} wchunk;

static int by_index(const void *x, const void *y)
{
    uint32_t a = ((const wchunk *)x)->index, b = ((const wchunk *)y)->index;
    return (a > b) - (a < b);
}

static bool direct_ok(const uint8_t *p, size_t len)
{
    return (uintptr_t)p % PX_BLOB_DIRECT_ALIGN == 0 && len % PX_BLOB_DIRECT_ALIGN == 0 && len;
}

/* Write the first run of w[0..n) (sorted by index: consecutive chunks that
 * can go directly, else one chunk) to path, open as fd; *dfd is the O_DIRECT
 * descriptor (-2: not opened yet, -1: not to be used). OUT *used: how many
 * chunks it wrote. errno or 0. */
static int write_run(int fd, int *dfd, const char *path, const wchunk *w, size_t n,
                     const uint8_t *const *data, const size_t *len, size_t *used)
{
    struct iovec iov[RUN_IOV];
    size_t m = 0;
    if (*dfd == -2 && direct_ok(data[w[0].k], len[w[0].k])) {
        *dfd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC | O_NOFOLLOW);
        if (*dfd < 0)
            *dfd = -1; /* EINVAL where O_DIRECT is not supported: buffered */
    }
    while (*dfd >= 0 && m < n && m < RUN_IOV && direct_ok(data[w[m].k], len[w[m].k]) &&
           (m == 0 || w[m].index == w[m - 1].index + 1)) {
        iov[m].iov_base = (void *)(uintptr_t)data[w[m].k];
        iov[m].iov_len = len[w[m].k];
        m++;
    }
    size_t done = 0; /* bytes of the run written directly */
    if (m) {
        ssize_t got;
        do
            got = pwritev(*dfd, iov, (int)m, (off_t)w[0].index * PX_BLOB_CHUNK);
        while (got < 0 && errno == EINTR);
        if (got < 0 && errno != EINVAL)
            return errno;
        if (got < 0) { /* refused after all (an alignment this device wants): buffered */
            close(*dfd);
            *dfd = -1;
        } else {
            done = (size_t)got;
        }
    } else {
        m = 1; /* one chunk, buffered */
    }
    for (size_t j = 0; j < m; j++) { /* what the direct write did not cover */
        size_t l = len[w[j].k], skip = done < l ? done : l;
        done -= skip;
        if (skip < l) {
            int e = pwrite_all(fd, data[w[j].k] + skip, l - skip,
                               (off_t)w[j].index * PX_BLOB_CHUNK + (off_t)skip);
            if (e)
                return e;
        }
    }
    *used = m;
    return 0;
}

/* Read up to n bytes, looping over short reads. OUT *got; errno or 0. */
static int read_full(int fd, uint8_t *p, size_t n, size_t *got)
{
    size_t have = 0;
    while (have < n) {
        ssize_t r = read(fd, p + have, n - have);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *got = have;
            return errno;
        }
        if (r == 0)
            break;
        have += (size_t)r;
    }
    *got = have;
    return 0;
}

/* --- the manifest codec ----------------------------------------------------- */

uint32_t px_blob_chunk_count(uint64_t size)
{
    return (uint32_t)((size + PX_BLOB_CHUNK - 1) / PX_BLOB_CHUNK);
}

size_t px_blob_chunk_len(const px_blob_manifest *m, uint32_t i)
{
    if (i + 1 < m->n)
        return m->chunk_size;
    return (size_t)(m->size - (uint64_t)i * m->chunk_size);
}

/* A msgpack unsigned integer in its shortest form. */
static int put_uint(px_buf *out, uint64_t v)
{
    uint8_t t[9];
    size_t n;
    if (v <= 0x7f) {
        t[0] = (uint8_t)v;
        n = 1;
    } else if (v <= 0xff) {
        t[0] = 0xcc;
        t[1] = (uint8_t)v;
        n = 2;
    } else if (v <= 0xffff) {
        t[0] = 0xcd;
        n = 3;
    } else if (v <= 0xffffffffu) {
        t[0] = 0xce;
        n = 5;
    } else {
        t[0] = 0xcf;
        n = 9;
    }
    for (size_t i = 1; n > 2 && i < n; i++)
        t[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return px_buf_append(out, t, n);
}

static int put_array(px_buf *out, uint32_t n)
{
    uint8_t t[5];
    if (n <= 15) {
        t[0] = (uint8_t)(0x90 | n);
        return px_buf_append(out, t, 1);
    }
    if (n <= 0xffff) {
        t[0] = 0xdc;
        t[1] = (uint8_t)(n >> 8);
        t[2] = (uint8_t)n;
        return px_buf_append(out, t, 3);
    }
    t[0] = 0xdd;
    for (int i = 0; i < 4; i++)
        t[1 + i] = (uint8_t)(n >> (24 - 8 * i));
    return px_buf_append(out, t, 5);
}

int px_blob_manifest_encode(const px_blob_manifest *m, px_buf *out)
{
    static const uint8_t bin32[2] = {0xc4, 0x20};
    uint8_t arr3 = 0x93;
    int rc = px_buf_reserve(out, 1 + 9 + 9 + 5 + (size_t)m->n * 34);
    if (!rc)
        rc = px_buf_append(out, &arr3, 1);
    if (!rc)
        rc = put_uint(out, m->size);
    if (!rc)
        rc = put_uint(out, m->chunk_size);
    if (!rc)
        rc = put_array(out, m->n);
    for (uint32_t i = 0; !rc && i < m->n; i++) {
        rc = px_buf_append(out, bin32, 2);
        if (!rc)
            rc = px_buf_append(out, m->hashes[i], 32);
    }
    return rc;
}

/* A canonical unsigned integer at *pos. what names it in errors. */
static int get_uint(const uint8_t *p, size_t len, size_t *pos, const char *what, uint64_t *out)
{
    if (*pos >= len)
        return px_err_set(PX_EFORMAT, "blob manifest: ends before its %s", what);
    uint8_t t = p[(*pos)++];
    size_t n;
    uint64_t min;
    if (t <= 0x7f) {
        *out = t;
        return PX_OK;
    }
    switch (t) {
    case 0xcc:
        n = 1;
        min = 0x80;
        break;
    case 0xcd:
        n = 2;
        min = 0x100;
        break;
    case 0xce:
        n = 4;
        min = 0x10000;
        break;
    case 0xcf:
        n = 8;
        min = 0x100000000u;
        break;
    default:
        return px_err_set(
            PX_EFORMAT, "blob manifest: the %s is not an unsigned integer (byte 0x%02x)", what, t);
    }
    if (len - *pos < n)
        return px_err_set(PX_EFORMAT, "blob manifest: ends inside its %s", what);
    uint64_t v = px_be_read(p + *pos, n);
    *pos += n;
    if (v < min)
        return px_err_set(PX_EFORMAT,
                          "blob manifest: the %s %llu is not in its shortest msgpack form", what,
                          (unsigned long long)v);
    *out = v;
    return PX_OK;
}

int px_blob_manifest_decode(const uint8_t *p, size_t len, uint64_t max_size, px_blob_manifest *m)
{
    memset(m, 0, sizeof *m);
    size_t pos = 0;
    uint64_t size = 0, csize = 0, count = 0;
    if (len < 1 || p[0] != 0x93)
        return px_err_set(PX_EFORMAT,
                          "blob manifest: not a msgpack array of 3 (size, chunk size, hashes)");
    pos = 1;
    int rc = get_uint(p, len, &pos, "size", &size);
    if (!rc)
        rc = get_uint(p, len, &pos, "chunk size", &csize);
    if (rc)
        return rc;
    if (csize != PX_BLOB_CHUNK)
        return px_err_set(PX_EFORMAT, "blob manifest: chunk size %llu is not %d",
                          (unsigned long long)csize, PX_BLOB_CHUNK);
    if (size > max_size)
        return px_err_set(PX_ETOOBIG,
                          "blob manifest: the blob is %llu bytes, over the limit of %llu bytes",
                          (unsigned long long)size, (unsigned long long)max_size);
    if (pos >= len)
        return px_err_set(PX_EFORMAT, "blob manifest: ends before its hash list");
    uint8_t t = p[pos++];
    if (t >= 0x90 && t <= 0x9f) {
        count = t & 0x0f;
    } else if (t == 0xdc || t == 0xdd) {
        size_t n = t == 0xdc ? 2 : 4;
        if (len - pos < n)
            return px_err_set(PX_EFORMAT, "blob manifest: ends inside its hash list header");
        count = px_be_read(p + pos, n);
        pos += n;
        if (count < (t == 0xdc ? 16u : 0x10000u))
            return px_err_set(PX_EFORMAT,
                              "blob manifest: the hash list length is not in its shortest form");
    } else {
        return px_err_set(PX_EFORMAT, "blob manifest: the hash list is not an array");
    }
    uint32_t want = px_blob_chunk_count(size);
    if (count != want)
        return px_err_set(PX_EFORMAT, "blob manifest: %llu hashes for %llu bytes (%u chunks of %d)",
                          (unsigned long long)count, (unsigned long long)size, want, PX_BLOB_CHUNK);
    if ((len - pos) != (uint64_t)count * 34)
        return px_err_set(PX_EFORMAT,
                          "blob manifest: %zu bytes after the hash list header, %llu expected "
                          "(each hash is bin 8 of 32 bytes, and nothing follows)",
                          len - pos, (unsigned long long)count * 34);
    for (uint64_t i = 0; i < count; i++)
        if (p[pos + i * 34] != 0xc4 || p[pos + i * 34 + 1] != 0x20)
            return px_err_set(PX_EFORMAT, "blob manifest: hash %llu is not a 32-byte bin 8 value",
                              (unsigned long long)i);
    if (count > 0) {
        m->hashes = malloc((size_t)count * 32);
        if (!m->hashes)
            return px_err_set(PX_ENOMEM, "blob manifest: out of memory for %llu hashes",
                              (unsigned long long)count);
        for (uint64_t i = 0; i < count; i++)
            memcpy(m->hashes[i], p + pos + i * 34 + 2, 32);
    }
    m->size = size;
    m->chunk_size = (uint32_t)csize;
    m->n = (uint32_t)count;
    return PX_OK;
}

void px_blob_id(uint8_t id[32], const uint8_t *manifest, size_t len)
{
    px_hash(id, manifest, len);
}

void px_blob_manifest_free(px_blob_manifest *m)
{
    if (!m)
        return;
    free(m->hashes);
    memset(m, 0, sizeof *m);
}

/* --- rows ------------------------------------------------------------------ */

typedef struct row {
    px_blob_info info;
    px_buf manifest;
    px_buf have; /* bitmap */
} row;

static void row_free(row *r)
{
    px_buf_free(&r->manifest);
    px_buf_free(&r->have);
}

static bool bit(const px_buf *have, uint32_t i)
{
    return (size_t)(i / 8) < have->len && (have->data[i / 8] >> (i % 8) & 1);
}

static int prep(px_blobs *b, const char *sql, sqlite3_stmt **st)
{
    int src = sqlite3_prepare_v2(b->db, sql, -1, st, NULL);
    return src == SQLITE_OK ? PX_OK : px_store_error(b->s, src, "preparing a blob statement");
}

static void info_from(sqlite3_stmt *st, px_blob_info *i)
{
    memset(i, 0, sizeof *i);
    if (sqlite3_column_bytes(st, 0) == 32)
        memcpy(i->id, sqlite3_column_blob(st, 0), 32);
    i->size = (uint64_t)sqlite3_column_int64(st, 1);
    i->chunks = (uint32_t)sqlite3_column_int64(st, 2);
    i->held = (uint32_t)sqlite3_column_int64(st, 3);
    i->complete = sqlite3_column_int(st, 4) != 0;
    i->own = sqlite3_column_int(st, 5) != 0;
    i->pinned = sqlite3_column_int(st, 6) != 0;
    i->added_ms = (uint64_t)sqlite3_column_int64(st, 7);
    i->used_ms = (uint64_t)sqlite3_column_int64(st, 8);
    const unsigned char *why = sqlite3_column_text(st, 9);
    snprintf(i->unkept, sizeof i->unkept, "%s", why ? (const char *)why : "");
}

#define INFO_COLS "id, size, chunks, held, complete, own, pinned, added_ms, used_ms, unkept"

/* A statement kept for the life of the store (finalized by px_blobs_close). */
static int prep_kept(px_blobs *b, const char *sql, sqlite3_stmt **st)
{
    if (*st)
        return PX_OK;
    int src = sqlite3_prepare_v3(b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
    return src == SQLITE_OK ? PX_OK : px_store_error(b->s, src, "preparing a blob statement");
}

/* Load a row; with_data also the manifest and bitmap. PX_ENOENT with a
 * detail if not held. */
static int row_get(px_blobs *b, const uint8_t id[32], bool with_data, row *r)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt **kept = with_data ? &b->st_row : &b->st_info;
    int rc = prep_kept(b,
                       with_data ? "SELECT " INFO_COLS ", manifest, have FROM blobs WHERE id = ?"
                                 : "SELECT " INFO_COLS " FROM blobs WHERE id = ?",
                       kept);
    if (rc)
        return rc;
    sqlite3_stmt *st = *kept;
    sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        info_from(st, &r->info);
        if (with_data) {
            rc = px_buf_append(&r->manifest, sqlite3_column_blob(st, 10),
                               (size_t)sqlite3_column_bytes(st, 10));
            if (!rc)
                rc = px_buf_append(&r->have, sqlite3_column_blob(st, 11),
                                   (size_t)sqlite3_column_bytes(st, 11));
        }
    } else if (src == SQLITE_DONE) {
        char hex[PX_ID_HEX];
        rc = px_err_set(PX_ENOENT, "blob %s is not held here", px_id_hex(hex, id));
    } else {
        rc = px_store_error(b->s, src, "reading a blob");
    }
    sqlite3_reset(st); /* holds no read transaction between calls */
    if (rc)
        row_free(r);
    return rc;
}

static int exec_id(px_blobs *b, const char *sql, const uint8_t id[32], int64_t arg)
{
    sqlite3_stmt *st;
    int rc = prep(b, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, arg);
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        rc = px_store_error(b->s, src, "updating a blob");
    sqlite3_finalize(st);
    return rc;
}

/* Insert a blob row: the manifest m_bytes of m, bitmap have (n bits),
 * held of them. */
static int row_insert(px_blobs *b, const uint8_t id[32], const uint8_t *m_bytes, size_t m_len,
                      const px_blob_manifest *m, const px_buf *have, uint32_t held, bool own)
{
    sqlite3_stmt *st;
    int rc = prep(b,
                  "INSERT OR REPLACE INTO blobs (id, manifest, size, chunks, have, held, complete,"
                  " own, pinned, added_ms, used_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                  " coalesce((SELECT pinned FROM blobs WHERE id = ?1), 0), ?, ?)",
                  &st);
    if (rc)
        return rc;
    uint64_t now = px_now_ms();
    sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, m_bytes, (int)m_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)m->size);
    sqlite3_bind_int64(st, 4, m->n);
    sqlite3_bind_blob(st, 5, have->len ? (const void *)have->data : "", (int)have->len,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, held);
    sqlite3_bind_int(st, 7, held == m->n);
    sqlite3_bind_int(st, 8, own);
    sqlite3_bind_int64(st, 9, (int64_t)now);
    sqlite3_bind_int64(st, 10, (int64_t)now);
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        rc = px_store_error(b->s, src, "recording a blob");
    sqlite3_finalize(st);
    return rc;
}

/* --- the store --------------------------------------------------------------- */

static bool is_hex64_data(const char *name, uint8_t id[32])
{
    char hex[PX_ID_HEX];
    if (strlen(name) != 64 + 5 || strcmp(name + 64, ".data") != 0)
        return false;
    memcpy(hex, name, 64);
    hex[64] = '\0';
    return px_hex_decode(id, 32, hex) == PX_OK;
}

/* Remove files no row names (a crash between a remove's commit and its
 * unlink) and temporary files of adds that died more than a day ago. An
 * orphan is removed inside a write transaction, after looking again, so an
 * add (which renames its file into place and records the row in one
 * transaction) is never caught half-way; the write lock is taken only when
 * there is something to remove, so a plain open takes no lock. */
static int sweep(px_blobs *b)
{
    if (px_store_in_tx(b->s))
        return PX_OK; /* the caller's transaction is not ours to commit */
    DIR *d = opendir(b->dir);
    if (!d)
        return PX_OK;
    int rc = PX_OK;
    time_t now = time(NULL);
    struct dirent *de;
    while (!rc && (de = readdir(d)) != NULL) {
        char path[PATH_MAX];
        uint8_t id[32];
        if (px_path_join(path, sizeof path, b->dir, de->d_name))
            continue;
        if (is_hex64_data(de->d_name, id)) {
            row r;
            int grc = row_get(b, id, false, &r);
            row_free(&r);
            if (grc != PX_ENOENT)
                continue;
            if (!px_store_in_tx(b->s))
                rc = px_store_begin(b->s);
            if (!rc && row_get(b, id, false, &r) == PX_ENOENT)
                unlink(path);
            row_free(&r);
        } else if (strncmp(de->d_name, ".tmp-", 5) == 0) {
            struct stat sb;
            if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && now - sb.st_mtime > 86400)
                unlink(path);
        }
    }
    closedir(d);
    if (px_store_in_tx(b->s)) {
        if (rc)
            px_store_rollback(b->s);
        else
            rc = px_store_commit(b->s);
    }
    if (!rc)
        px_err_clear();
    return rc;
}

int px_blobs_open(px_blobs **out, px_store *s, const char *dir, const px_blob_limits *limits)
{
    *out = NULL;
    px_blobs *b = calloc(1, sizeof *b);
    if (!b)
        return px_err_set(PX_ENOMEM, "blob store: out of memory");
    b->s = s;
    b->db = px_store_db(s);
    b->max_size = limits && limits->max_size ? limits->max_size : PX_BLOB_MAX_DEFAULT;
    b->cache_max = limits && limits->cache_max ? limits->cache_max : PX_BLOB_CACHE_DEFAULT;
    b->quota =
        limits && limits->quota_per_author ? limits->quota_per_author : PX_BLOB_QUOTA_DEFAULT;
    int rc = PX_OK;
    if (b->max_size > PX_BLOB_MAX_LIMIT)
        rc = px_err_set(PX_EINVAL, "blob store: a size limit of %llu bytes is over the most, %llu",
                        (unsigned long long)b->max_size, (unsigned long long)PX_BLOB_MAX_LIMIT);
    if (!rc)
        rc = px_path_join(b->dir, sizeof b->dir, dir, "blobs");
    bool reader = limits && limits->reader;
    if (!rc && !reader)
        rc = px_mkdirs(b->dir, 0700);
    if (!rc && !reader)
        rc = sweep(b);
    if (rc) {
        free(b);
        return rc;
    }
    *out = b;
    return PX_OK;
}

void px_blobs_close(px_blobs *b)
{
    if (!b)
        return;
    sqlite3_finalize(b->st_info); /* NULL-safe */
    sqlite3_finalize(b->st_row);
    sqlite3_finalize(b->st_version);
    px_blob_manifest_free(&b->rd.m);
    px_buf_free(&b->rd.have);
    free(b->scratch);
    free(b);
}

/* --- add ------------------------------------------------------------------- */

int px_blob_add_file(px_blobs *b, const char *path, uint8_t id[32])
{
    bool outer = px_store_in_tx(b->s); /* publish adds files inside its transaction */
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return px_err_set(px_err_from_errno(errno), "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(in, &sb) != 0 || S_ISDIR(sb.st_mode)) {
        close(in);
        return px_err_set(PX_EINVAL, "%s is not a file", path);
    }
    if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > b->max_size) {
        close(in);
        return px_err_set(PX_ETOOBIG, "%s is %llu bytes, over the blob size limit of %llu bytes",
                          path, (unsigned long long)sb.st_size, (unsigned long long)b->max_size);
    }
    char tmp[PATH_MAX], final[PATH_MAX];
    int rc = px_path_join(tmp, sizeof tmp, b->dir, ".tmp-XXXXXX");
    if (rc) {
        close(in);
        return rc;
    }
    int out = mkstemp(tmp);
    if (out < 0) {
        rc = write_err(errno, "creating a temporary file", b->dir);
        close(in);
        return rc;
    }
    px_blob_manifest m = {.chunk_size = PX_BLOB_CHUNK};
    uint32_t cap = 0;
    uint8_t *chunk = malloc(PX_BLOB_CHUNK);
    px_buf mb = {0}, have = {0};
    if (!chunk)
        rc = px_err_set(PX_ENOMEM, "blob add: out of memory");
    while (!rc) {
        size_t got = 0;
        int e = read_full(in, chunk, PX_BLOB_CHUNK, &got);
        if (e) {
            rc = px_err_set(PX_EIO, "reading %s: %s", path, strerror(e));
            break;
        }
        if (got == 0)
            break;
        if (m.size + got > b->max_size) {
            rc = px_err_set(PX_ETOOBIG, "%s is over the blob size limit of %llu bytes", path,
                            (unsigned long long)b->max_size);
            break;
        }
        if (m.n == cap) {
            uint32_t ncap = cap ? cap * 2 : 64;
            void *nh = realloc(m.hashes, (size_t)ncap * 32);
            if (!nh) {
                rc = px_err_set(PX_ENOMEM, "blob add: out of memory");
                break;
            }
            m.hashes = nh;
            cap = ncap;
        }
        px_hash(m.hashes[m.n], chunk, got);
        e = pwrite_all(out, chunk, got, (off_t)m.size);
        if (e) {
            rc = write_err(e, "writing a chunk", tmp);
            break;
        }
        m.n++;
        m.size += got;
        if (got < PX_BLOB_CHUNK)
            break;
    }
    free(chunk);
    close(in);
    if (!rc && fsync(out) != 0)
        rc = write_err(errno, "syncing", tmp);
    if (close(out) != 0 && !rc)
        rc = write_err(errno, "closing", tmp);
    if (!rc)
        rc = px_blob_manifest_encode(&m, &mb);
    if (!rc) {
        px_blob_id(id, mb.data, mb.len);
        rc = data_path(b, id, final, sizeof final);
    }
    if (!rc)
        rc = px_buf_reserve(&have, (m.n + 7) / 8 + 1);
    if (!rc) {
        have.len = (m.n + 7) / 8;
        memset(have.data, 0, have.len);
        for (uint32_t i = 0; i < m.n; i++)
            have.data[i / 8] |= (uint8_t)(1u << (i % 8));
        if (!outer)
            rc = px_store_begin(b->s);
    }
    if (!rc) {
        row r;
        int grc = row_get(b, id, false, &r);
        row_free(&r);
        if (grc == PX_OK && r.info.complete) {
            rc = exec_id(b, "UPDATE blobs SET own = 1, used_ms = ?2 WHERE id = ?1", id,
                         (int64_t)px_now_ms());
        } else if (grc == PX_OK || grc == PX_ENOENT) {
            if (m.n > 0 && rename(tmp, final) != 0)
                rc = write_err(errno, "moving the blob into place", final);
            if (!rc)
                rc = row_insert(b, id, mb.data, mb.len, &m, &have, m.n, true);
        } else {
            rc = grc;
        }
        /* In the caller's transaction, it commits, or rolls back (and the
         * file is swept at the next open). */
        if (!outer && !rc)
            rc = px_store_commit(b->s);
        else if (!outer)
            px_store_rollback(b->s);
    }
    unlink(tmp); /* gone already if it was moved into place */
    px_buf_free(&mb);
    px_buf_free(&have);
    px_blob_manifest_free(&m);
    return rc;
}

/* --- put manifest / chunk -------------------------------------------------- */

int px_blob_put_manifest(px_blobs *b, const uint8_t id[32], const uint8_t *manifest, size_t len)
{
    px_blob_manifest m;
    uint8_t got[32];
    char hex[PX_ID_HEX];
    px_blob_id(got, manifest, len);
    if (!px_memeq(got, id, 32))
        return px_err_set(PX_EHASH, "blob manifest does not hash to the id wanted, %s",
                          px_id_hex(hex, id));
    int rc = px_blob_manifest_decode(manifest, len, b->max_size, &m);
    if (rc)
        return rc;
    row r;
    rc = row_get(b, id, false, &r);
    row_free(&r);
    if (rc != PX_ENOENT) {
        px_blob_manifest_free(&m);
        return rc;
    }
    px_err_clear();
    rc = PX_OK;
    if (m.size > b->cache_max)
        rc = px_err_set(
            PX_ETOOBIG, "blob %s is %llu bytes, more than the blob cache holds (%llu bytes)",
            px_id_hex(hex, id), (unsigned long long)m.size, (unsigned long long)b->cache_max);
    if (!rc)
        rc = px_blob_evict(b, m.size, NULL);
    px_buf have = {0};
    if (!rc)
        rc = px_buf_reserve(&have, (m.n + 7) / 8 + 1);
    if (!rc) {
        have.len = (m.n + 7) / 8;
        memset(have.data, 0, have.len);
        rc = px_store_begin(b->s);
    }
    if (!rc) {
        rc = row_get(b, id, false, &r); /* another process may have put it meanwhile */
        row_free(&r);
        if (rc == PX_ENOENT)
            rc = row_insert(b, id, manifest, len, &m, &have, 0, false);
        if (!rc)
            rc = px_store_commit(b->s);
        else
            px_store_rollback(b->s);
    }
    px_buf_free(&have);
    px_blob_manifest_free(&m);
    return rc;
}

/* Several chunks of one blob: each verified (its hash unless the caller
 * did that against this manifest already), all written, one fdatasync,
 * one transaction. rcs[k] is chunk k's own result (PX_EHASH, PX_EINVAL for a
 * chunk that does not match: nothing of it is written); the return value is
 * the batch's (PX_EIO for a full disk: none of the batch counts). */
/* write: check and write the chunks' bytes; record: sync the file and set
 * their bits (data NULL when only recording chunks written before). */
static int chunks_op(px_blobs *b, const uint8_t id[32], size_t n, const uint32_t *index,
                     const uint8_t *const *data, const size_t *len, bool hashed, int *rcs,
                     bool write, bool record)
{
    row r;
    px_blob_manifest m;
    char hex[PX_ID_HEX], path[PATH_MAX];
    int rc = row_get(b, id, true, &r);
    for (size_t k = 0; k < n; k++)
        rcs[k] = rc;
    if (rc)
        return rc;
    rc = px_blob_manifest_decode(r.manifest.data, r.manifest.len, PX_BLOB_MAX_LIMIT, &m);
    px_id_hex(hex, id);
    size_t good = 0;
    for (size_t k = 0; !rc && k < n; k++) {
        uint32_t i = index[k];
        rcs[k] = PX_OK;
        if (i >= m.n) {
            rcs[k] = px_err_set(PX_EINVAL, "blob %.16s… has %u chunks; there is no chunk %u", hex,
                                m.n, i);
        } else if (!write) {
            /* written before by this store: only its bit is set */
        } else if (len[k] != px_blob_chunk_len(&m, i)) {
            rcs[k] = px_err_set(PX_EINVAL, "chunk %u of blob %.16s… is %zu bytes, %zu expected", i,
                                hex, len[k], px_blob_chunk_len(&m, i));
        } else if (!hashed) {
            uint8_t h[32];
            px_hash(h, data[k], len[k]);
            if (!px_memeq(h, m.hashes[i], 32))
                rcs[k] = px_err_set(
                    PX_EHASH, "chunk %u of blob %.16s… does not match its manifest hash", i, hex);
        }
        if (!rcs[k] && !bit(&r.have, i))
            good++;
    }
    if (!rc && good)
        rc = data_path(b, id, path, sizeof path);
    if (!rc && good) {
        int fd = open(path, O_WRONLY | (write ? O_CREAT : 0) | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
            rc = write_err(errno, "opening the blob file", path);
        } else {
            int e = 0;
            struct stat st;
            if (!write && fstat(fd, &st) != 0)
                e = errno;
            /* Recording only: a chunk the file does not reach (it was removed
             * and made anew since) is not claimed; it is fetched again. */
            for (size_t k = 0; !write && !e && k < n; k++)
                if (!rcs[k] &&
                    (uint64_t)index[k] * PX_BLOB_CHUNK + px_blob_chunk_len(&m, index[k]) >
                        (uint64_t)st.st_size)
                    rcs[k] = px_err_set(PX_EIO, "chunk %u of blob %.16s… is not in its file",
                                        index[k], hex);
            wchunk *w = write && !e ? malloc(n * sizeof *w) : NULL;
            size_t nw = 0;
            if (write && !e && !w)
                e = ENOMEM;
            for (size_t k = 0; w && k < n; k++)
                if (!rcs[k] && !bit(&r.have, index[k]))
                    w[nw++] = (wchunk){index[k], k};
            if (w && nw) {
                int dfd = -2;
                qsort(w, nw, sizeof *w, by_index);
                for (size_t j = 0, used = 0; !e && j < nw; j += used)
                    e = write_run(fd, &dfd, path, w + j, nw - j, data, len, &used);
                if (dfd >= 0)
                    close(dfd);
            }
            free(w);
            if (!e && record && fdatasync(fd) != 0)
                e = errno;
            if (close(fd) != 0 && !e)
                e = errno;
            if (e)
                rc = write_err(e, "writing chunks", path);
        }
    }
    if (!rc && good && record)
        rc = px_store_begin(b->s);
    if (!rc && good && record) {
        row now;
        rc = row_get(b, id, true, &now);
        uint32_t added = 0;
        for (size_t k = 0; !rc && k < n; k++) {
            uint32_t i = index[k];
            if (!rcs[k] && (size_t)(i / 8) < now.have.len && !bit(&now.have, i)) {
                now.have.data[i / 8] |= (uint8_t)(1u << (i % 8));
                added++;
            }
        }
        if (!rc && added) {
            sqlite3_stmt *st;
            rc = prep(
                b,
                "UPDATE blobs SET have = ?2, held = held + ?4, complete = (held + ?4 = chunks),"
                " used_ms = ?3 WHERE id = ?1",
                &st);
            if (!rc) {
                sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
                sqlite3_bind_blob(st, 2, now.have.data, (int)now.have.len, SQLITE_STATIC);
                sqlite3_bind_int64(st, 3, (int64_t)px_now_ms());
                sqlite3_bind_int64(st, 4, added);
                int src = sqlite3_step(st);
                if (src != SQLITE_DONE)
                    rc = px_store_error(b->s, src, "recording chunks");
                sqlite3_finalize(st);
            }
        }
        row_free(&now);
        if (!rc)
            rc = px_store_commit(b->s);
        else
            px_store_rollback(b->s);
    }
    if (rc)
        for (size_t k = 0; k < n; k++)
            if (!rcs[k])
                rcs[k] = rc;
    px_blob_manifest_free(&m);
    row_free(&r);
    return rc;
}

int px_blob_put_chunks(px_blobs *b, const uint8_t id[32], size_t n, const uint32_t *index,
                       const uint8_t *const *data, const size_t *len, bool hashed, int *rcs)
{
    return chunks_op(b, id, n, index, data, len, hashed, rcs, true, true);
}

int px_blob_put_chunk(px_blobs *b, const uint8_t id[32], uint32_t index, const uint8_t *data,
                      size_t len)
{
    int rcs[1];
    int rc = chunks_op(b, id, 1, &index, &data, &len, false, rcs, true, true);
    return rc ? rc : rcs[0];
}

int px_blob_write_chunks(px_blobs *b, const uint8_t id[32], size_t n, const uint32_t *index,
                         const uint8_t *const *data, const size_t *len, bool hashed, int *rcs)
{
    return chunks_op(b, id, n, index, data, len, hashed, rcs, true, false);
}

int px_blob_record_chunks(px_blobs *b, const uint8_t id[32], size_t n, const uint32_t *index,
                          int *rcs)
{
    return chunks_op(b, id, n, index, NULL, NULL, true, rcs, false, true);
}

int px_blob_keep(px_blobs *b, const uint8_t id[32])
{
    return exec_id(b, "UPDATE blobs SET own = 1, unkept = NULL WHERE id = ?1", id, 0);
}

int px_blob_attached_by(px_store *s, const uint8_t id[32], const uint8_t (*keys)[32], size_t n,
                        bool *out)
{
    char hex[PX_ID_HEX];
    sqlite3_stmt *st;
    *out = false;
    px_id_hex(hex, id);
    /* The id is a string in the attachment's msgpack: its 64 digits appear
     * in the body as they are (a body that merely mentions them elsewhere
     * only keeps a blob that would otherwise be evicted). */
    int src = sqlite3_prepare_v2(px_store_db(s),
                                 "SELECT author FROM entries WHERE kind = 'case' AND body IS NOT "
                                 "NULL AND instr(body, CAST(?1 AS BLOB)) > 0",
                                 -1, &st, NULL);
    if (src != SQLITE_OK)
        return px_store_error(s, src, "looking up a blob's records");
    sqlite3_bind_text(st, 1, hex, 64, SQLITE_STATIC);
    while (!*out && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const void *a = sqlite3_column_blob(st, 0);
        if (a && sqlite3_column_bytes(st, 0) == 32)
            for (size_t k = 0; k < n && !*out; k++)
                *out = memcmp(a, keys[k], 32) == 0;
    }
    int rc = src == SQLITE_ROW || src == SQLITE_DONE
                 ? PX_OK
                 : px_store_error(s, src, "looking up a blob's records");
    sqlite3_finalize(st);
    return rc;
}

/* --- keepers and the quota per author (schema/BLOBS.md section 6) ------------- */

enum { QUOTA_AUTHORS_MAX = 32 }; /* authors of one blob weighed against the quota */

static bool is_key(const void *a, const uint8_t (*keys)[32], size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (memcmp(a, keys[k], 32) == 0)
            return true;
    return false;
}

int px_blob_quota_check(px_blobs *b, const uint8_t id[32], uint64_t size, const uint8_t (*keys)[32],
                        size_t n_keys, bool *kept)
{
    char hex[PX_ID_HEX], who[PX_ID_HEX];
    uint8_t authors[QUOTA_AUTHORS_MAX][32];
    size_t na = 0;
    sqlite3_stmt *st;
    *kept = false;
    px_id_hex(hex, id);
    /* Who attaches it: as px_blob_attached_by, the 64 digits in a case body. */
    int rc =
        prep(b,
             "SELECT DISTINCT author FROM entries WHERE kind = 'case' AND body IS NOT NULL AND "
             "instr(body, CAST(?1 AS BLOB)) > 0",
             &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, hex, 64, SQLITE_STATIC);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const void *a = sqlite3_column_blob(st, 0);
        if (!a || sqlite3_column_bytes(st, 0) != 32)
            continue;
        if (is_key(a, keys, n_keys))
            *kept = true;
        else if (na < QUOTA_AUTHORS_MAX)
            memcpy(authors[na++], a, 32);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return px_store_error(b->s, src, "looking up a blob's records");
    row r;
    rc = row_get(b, id, false, &r);
    row_free(&r);
    if (rc != PX_ENOENT)
        return rc; /* held already (charged when it was taken), or a store error */
    px_err_clear();
    if (*kept || na == 0)
        return PX_OK; /* a keeper's attachment, or one no record names: not charged */
    /* What each author's records attach that is held here, partial blobs at
     * their full size (as the cache counts them); room with one author is
     * enough, so attaching someone's blob never stops it being fetched. */
    rc = prep(b,
              "SELECT COALESCE(sum(b.size), 0) FROM blobs b WHERE EXISTS (SELECT 1 FROM entries e "
              "WHERE e.author = ?1 AND e.kind = 'case' AND e.body IS NOT NULL AND "
              "instr(e.body, CAST(lower(hex(b.id)) AS BLOB)) > 0)",
              &st);
    if (rc)
        return rc;
    uint64_t least = UINT64_MAX;
    size_t least_at = 0;
    for (size_t k = 0; k < na; k++) {
        sqlite3_bind_blob(st, 1, authors[k], 32, SQLITE_STATIC);
        if ((src = sqlite3_step(st)) != SQLITE_ROW) {
            sqlite3_finalize(st);
            return px_store_error(b->s, src, "adding up an author's blobs");
        }
        uint64_t used = (uint64_t)sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (used <= b->quota && size <= b->quota - used) {
            sqlite3_finalize(st);
            return PX_OK;
        }
        if (used < least) {
            least = used;
            least_at = k;
        }
    }
    sqlite3_finalize(st);
    px_id_hex(who, authors[least_at]);
    if (na == 1)
        return px_err_set(PX_ETOOBIG,
                          "blob %.16s… of %llu bytes is refused: the blobs held here that %.16s…'s "
                          "records attach take %llu bytes, and the quota per author is %llu",
                          hex, (unsigned long long)size, who, (unsigned long long)least,
                          (unsigned long long)b->quota);
    return px_err_set(PX_ETOOBIG,
                      "blob %.16s… of %llu bytes is refused: each of the %zu authors that attach "
                      "it is at its quota per author of %llu bytes (the least used, %.16s…, "
                      "has %llu)",
                      hex, (unsigned long long)size, na, (unsigned long long)b->quota, who,
                      (unsigned long long)least);
}

/* Bytes of the blobs kept here that author's records attach, but for id. */
static int kept_for(px_blobs *b, const uint8_t author[32], const uint8_t id[32], uint64_t *out)
{
    sqlite3_stmt *st;
    int rc = prep(b,
                  "SELECT COALESCE(sum(b.size), 0) FROM blobs b WHERE b.own = 1 AND b.id != ?2 AND "
                  "EXISTS (SELECT 1 FROM entries e WHERE e.author = ?1 AND e.kind = 'case' AND "
                  "e.body IS NOT NULL AND instr(e.body, CAST(lower(hex(b.id)) AS BLOB)) > 0)",
                  &st);
    if (rc)
        return rc;
    sqlite3_bind_blob(st, 1, author, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, id, 32, SQLITE_STATIC);
    int src = sqlite3_step(st);
    *out = src == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return src == SQLITE_ROW ? PX_OK : px_store_error(b->s, src, "adding up a keeper's blobs");
}

int px_blob_keep_for(px_blobs *b, const uint8_t id[32], const uint8_t (*keys)[32], size_t n_keys,
                     bool *kept)
{
    char hex[PX_ID_HEX], who[PX_ID_HEX], why[200];
    uint8_t keepers[QUOTA_AUTHORS_MAX][32];
    size_t nk = 0;
    sqlite3_stmt *st;
    bool dummy;
    if (!kept)
        kept = &dummy;
    *kept = false;
    row r;
    int rc = row_get(b, id, false, &r);
    row_free(&r);
    if (rc)
        return rc;
    if (r.info.own) {
        *kept = true;
        return PX_OK;
    }
    px_id_hex(hex, id);
    rc = prep(b,
              "SELECT DISTINCT author FROM entries WHERE kind = 'case' AND body IS NOT NULL AND "
              "instr(body, CAST(?1 AS BLOB)) > 0",
              &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, hex, 64, SQLITE_STATIC);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const void *a = sqlite3_column_blob(st, 0);
        if (a && sqlite3_column_bytes(st, 0) == 32 && is_key(a, keys, n_keys) &&
            nk < QUOTA_AUTHORS_MAX)
            memcpy(keepers[nk++], a, 32);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return px_store_error(b->s, src, "looking up a blob's records");
    if (nk == 0) /* no keeper attaches it: cache, with nothing to say */
        return r.info.unkept[0] ? exec_id(b, "UPDATE blobs SET unkept = NULL WHERE id = ?1", id, 0)
                                : PX_OK;
    /* Kept for one keeper with room is enough, as with the quota check. */
    uint64_t least = UINT64_MAX;
    size_t least_at = 0;
    for (size_t k = 0; k < nk; k++) {
        uint64_t used;
        if ((rc = kept_for(b, keepers[k], id, &used)) != PX_OK)
            return rc;
        if (used <= b->quota && r.info.size <= b->quota - used) {
            *kept = true;
            return px_blob_keep(b, id);
        }
        if (used < least) {
            least = used;
            least_at = k;
        }
    }
    px_id_hex(who, keepers[least_at]);
    snprintf(why, sizeof why,
             "not kept, only cached: the blobs kept for %.16s…, whose record attaches it, take "
             "%llu bytes, and with its %llu the quota per author of %llu would be exceeded",
             who, (unsigned long long)least, (unsigned long long)r.info.size,
             (unsigned long long)b->quota);
    if (strcmp(why, r.info.unkept) == 0)
        return PX_OK;
    rc = prep(b, "UPDATE blobs SET unkept = ?2 WHERE id = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? PX_OK : px_store_error(b->s, src, "noting why a blob is not kept");
}

typedef struct candidate {
    uint8_t id[32];
    int64_t added_ms;
} candidate;

static int by_age(const void *x, const void *y)
{
    const candidate *a = x, *b = y;
    if (a->added_ms != b->added_ms)
        return a->added_ms < b->added_ms ? -1 : 1;
    return memcmp(a->id, b->id, 32);
}

int px_blob_keep_attached(px_blobs *b, const uint8_t (*keys)[32], size_t n_keys, size_t *marked)
{
    sqlite3_stmt *st = NULL;
    candidate *v = NULL;
    size_t n = 0, cap = 0, total = 0;
    if (marked)
        *marked = 0;
    /* The candidates first (the statement is done before any is marked):
     * blobs not kept that a keeper's record attaches. */
    int rc = prep(b,
                  "SELECT id, added_ms FROM blobs WHERE own = 0 AND EXISTS (SELECT 1 FROM entries "
                  "e WHERE e.author = ?1 AND e.kind = 'case' AND e.body IS NOT NULL AND "
                  "instr(e.body, CAST(lower(hex(blobs.id)) AS BLOB)) > 0)",
                  &st);
    for (size_t k = 0; !rc && k < n_keys; k++) {
        sqlite3_bind_blob(st, 1, keys[k], 32, SQLITE_STATIC);
        int src;
        while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
            if (sqlite3_column_bytes(st, 0) != 32)
                continue;
            if (n == cap) {
                size_t ncap = cap ? 2 * cap : 16;
                candidate *nv = realloc(v, ncap * sizeof *nv);
                if (!nv) {
                    rc = px_err_set(PX_ENOMEM, "out of memory");
                    break;
                }
                v = nv;
                cap = ncap;
            }
            memcpy(v[n].id, sqlite3_column_blob(st, 0), 32);
            v[n++].added_ms = sqlite3_column_int64(st, 1);
        }
        if (!rc && src != SQLITE_DONE)
            rc = px_store_error(b->s, src, "listing blobs that kept records attach");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st); /* NULL-safe */
    /* Oldest first, so the quota goes to the blobs that came first. */
    if (n)
        qsort(v, n, sizeof *v, by_age);
    for (size_t k = 0; !rc && k < n; k++) {
        if (k > 0 && memcmp(v[k].id, v[k - 1].id, 32) == 0)
            continue; /* attached by two keepers */
        bool kept;
        rc = px_blob_keep_for(b, v[k].id, keys, n_keys, &kept);
        if (rc == PX_ENOENT) { /* removed meanwhile */
            px_err_clear();
            rc = PX_OK;
        } else if (!rc && kept) {
            total++;
        }
    }
    free(v);
    if (marked)
        *marked = total;
    return rc;
}

int px_blob_state(px_blobs *b, const uint8_t id[32], px_buf *manifest, px_buf *have)
{
    row r;
    int rc = row_get(b, id, true, &r);
    if (rc)
        return rc;
    rc = px_buf_append(manifest, r.manifest.data, r.manifest.len);
    if (!rc && r.have.len)
        rc = px_buf_append(have, r.have.data, r.have.len);
    row_free(&r);
    return rc;
}

/* --- missing, read ---------------------------------------------------------- */

int px_blob_missing(px_blobs *b, const uint8_t id[32], uint32_t from, uint32_t *out, size_t max,
                    size_t *n)
{
    row r;
    *n = 0;
    int rc = row_get(b, id, true, &r);
    if (rc)
        return rc;
    for (uint32_t i = from; i < r.info.chunks && *n < max; i++)
        if (!bit(&r.have, i))
            out[(*n)++] = i;
    row_free(&r);
    return PX_OK;
}

/* Chunk index was found damaged on disk: no longer count it. */
static void mark_missing(px_blobs *b, const uint8_t id[32], uint32_t index)
{
    b->rd.valid = false;
    if (px_store_in_tx(b->s) || px_store_begin(b->s))
        return;
    row r;
    int rc = row_get(b, id, true, &r);
    if (!rc && bit(&r.have, index)) {
        r.have.data[index / 8] &= (uint8_t) ~(1u << (index % 8));
        sqlite3_stmt *st;
        rc =
            prep(b, "UPDATE blobs SET have = ?2, held = held - 1, complete = 0 WHERE id = ?1", &st);
        if (!rc) {
            sqlite3_bind_blob(st, 1, id, 32, SQLITE_STATIC);
            sqlite3_bind_blob(st, 2, r.have.data, (int)r.have.len, SQLITE_STATIC);
            rc = sqlite3_step(st) == SQLITE_DONE ? PX_OK : PX_ESTORE;
            sqlite3_finalize(st);
        }
    }
    row_free(&r);
    if (!rc)
        px_store_commit(b->s);
    else
        px_store_rollback(b->s);
}

/* Where the database stands, as the read cache compares it. */
static int db_state(px_blobs *b, int64_t *version, int64_t *changes)
{
    int rc = prep_kept(b, "PRAGMA data_version", &b->st_version);
    if (rc)
        return rc;
    int src = sqlite3_step(b->st_version);
    *version = src == SQLITE_ROW ? sqlite3_column_int64(b->st_version, 0) : -1;
    sqlite3_reset(b->st_version);
    if (src != SQLITE_ROW)
        return px_store_error(b->s, src, "reading the store's data version");
    *changes = sqlite3_total_changes64(b->db);
    return PX_OK;
}

/* The manifest and bitmap of id into b->rd: kept from the last call while
 * the database has not changed, else loaded. */
static int read_cache_get(px_blobs *b, const uint8_t id[32])
{
    read_cache *c = &b->rd;
    int64_t version = 0, changes = 0;
    int rc = db_state(b, &version, &changes);
    if (rc)
        return rc;
    if (c->valid && c->version == version && c->changes == changes && memcmp(c->id, id, 32) == 0)
        return PX_OK;
    c->valid = false;
    px_blob_manifest_free(&c->m);
    px_buf_free(&c->have);
    row r;
    rc = row_get(b, id, true, &r);
    if (rc)
        return rc;
    rc = px_blob_manifest_decode(r.manifest.data, r.manifest.len, PX_BLOB_MAX_LIMIT, &c->m);
    if (!rc) {
        c->have = r.have; /* taken over */
        memset(&r.have, 0, sizeof r.have);
        memcpy(c->id, id, 32);
        c->version = version;
        c->changes = changes;
        c->valid = true;
    }
    row_free(&r);
    return rc;
}

int px_blob_read(px_blobs *b, const uint8_t id[32], uint64_t off, uint8_t *buf, size_t len)
{
    char hex[PX_ID_HEX], path[PATH_MAX];
    int rc = read_cache_get(b, id);
    if (rc)
        return rc;
    const px_blob_manifest *m = &b->rd.m;
    px_id_hex(hex, id);
    if (off > m->size || len > m->size - off)
        return px_err_set(PX_EINVAL,
                          "blob %.16s… is %llu bytes; %zu bytes at %llu are past its end", hex,
                          (unsigned long long)m->size, len, (unsigned long long)off);
    if (len == 0)
        return PX_OK;
    uint32_t first = (uint32_t)(off / PX_BLOB_CHUNK);
    uint32_t last = (uint32_t)((off + len - 1) / PX_BLOB_CHUNK);
    for (uint32_t i = first; i <= last; i++)
        if (!bit(&b->rd.have, i))
            return px_err_set(PX_ENOENT, "chunk %u of blob %.16s… is not held here yet", i, hex);
    rc = data_path(b, id, path, sizeof path);
    if (rc)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return px_err_set(PX_EIO, "blob store: cannot open %s: %s", path, strerror(errno));
    for (uint32_t i = first; i <= last && !rc; i++) {
        size_t clen = px_blob_chunk_len(m, i);
        uint64_t cstart = (uint64_t)i * PX_BLOB_CHUNK;
        uint64_t from = off > cstart ? off - cstart : 0;
        uint64_t to = off + len < cstart + clen ? off + len - cstart : clen;
        /* A whole chunk is read into place; a part of one through scratch. */
        bool whole = from == 0 && to == clen;
        uint8_t *dst = buf + (cstart + from - off);
        if (!whole && !b->scratch && !(b->scratch = malloc(PX_BLOB_CHUNK))) {
            rc = px_err_set(PX_ENOMEM, "blob read: out of memory");
            break;
        }
        uint8_t *chunk = whole ? dst : b->scratch;
        ssize_t got = pread(fd, chunk, clen, (off_t)cstart);
        uint8_t h[32];
        if (got == (ssize_t)clen)
            px_hash(h, chunk, clen);
        if (got != (ssize_t)clen || !px_memeq(h, m->hashes[i], 32)) {
            mark_missing(b, id, i);
            rc = px_err_set(PX_EHASH,
                            "chunk %u of blob %.16s… is damaged on disk; it is now counted as "
                            "missing and must be fetched again",
                            i, hex);
            break;
        }
        if (!whole)
            memcpy(dst, chunk + from, (size_t)(to - from));
    }
    close(fd);
    return rc;
}

int px_blob_read_chunk(px_blobs *b, const uint8_t id[32], uint32_t index, uint8_t *buf, size_t *len)
{
    *len = 0;
    int rc = read_cache_get(b, id);
    if (rc)
        return rc;
    if (index >= b->rd.m.n) {
        char hex[PX_ID_HEX];
        return px_err_set(PX_EINVAL, "blob %.16s… has %u chunks; there is no chunk %u",
                          px_id_hex(hex, id), b->rd.m.n, index);
    }
    size_t n = px_blob_chunk_len(&b->rd.m, index);
    rc = px_blob_read(b, id, (uint64_t)index * PX_BLOB_CHUNK, buf, n);
    if (!rc)
        *len = n;
    return rc;
}

int px_blob_info_get(px_blobs *b, const uint8_t id[32], px_blob_info *out)
{
    row r;
    int rc = row_get(b, id, false, &r);
    if (!rc)
        *out = r.info;
    row_free(&r);
    return rc;
}

bool px_blob_is_complete(px_blobs *b, const uint8_t id[32])
{
    px_blob_info i;
    return px_blob_info_get(b, id, &i) == PX_OK && i.complete;
}

int px_blob_manifest_get(px_blobs *b, const uint8_t id[32], px_buf *out)
{
    row r;
    int rc = row_get(b, id, true, &r);
    if (!rc)
        rc = px_buf_append(out, r.manifest.data, r.manifest.len);
    row_free(&r);
    return rc;
}

/* --- list, remove, pin, evict ------------------------------------------------ */

int px_blob_each(px_blobs *b, px_blob_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int rc = prep(b, "SELECT " INFO_COLS " FROM blobs ORDER BY id", &st);
    if (rc)
        return rc;
    int src;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        px_blob_info i;
        info_from(st, &i);
        rc = cb(ctx, &i);
    }
    if (!rc && src != SQLITE_DONE)
        rc = px_store_error(b->s, src, "listing blobs");
    sqlite3_finalize(st);
    return rc;
}

int px_blob_remove(px_blobs *b, const uint8_t id[32])
{
    char path[PATH_MAX];
    row r;
    int rc = row_get(b, id, false, &r);
    row_free(&r);
    if (!rc)
        rc = data_path(b, id, path, sizeof path);
    if (!rc)
        rc = px_store_begin(b->s);
    if (rc)
        return rc;
    rc = exec_id(b, "DELETE FROM blobs WHERE id = ?1", id, 0);
    if (!rc)
        rc = px_store_commit(b->s);
    else
        px_store_rollback(b->s);
    if (!rc)
        unlink(path); /* a crash before this: swept at the next open */
    return rc;
}

int px_blob_pin(px_blobs *b, const uint8_t id[32], bool pinned)
{
    row r;
    int rc = row_get(b, id, false, &r);
    row_free(&r);
    if (!rc)
        rc = px_store_begin(b->s);
    if (rc)
        return rc;
    rc = exec_id(b, "UPDATE blobs SET pinned = ?2 WHERE id = ?1", id, pinned);
    if (!rc)
        rc = px_store_commit(b->s);
    else
        px_store_rollback(b->s);
    return rc;
}

int px_blob_evict(px_blobs *b, uint64_t room, size_t *evicted)
{
    if (evicted)
        *evicted = 0;
    for (;;) {
        sqlite3_stmt *st;
        uint64_t total = 0;
        uint8_t oldest[32];
        bool any = false;
        int rc = prep(b,
                      "SELECT id, size FROM blobs WHERE own = 0 AND pinned = 0"
                      " ORDER BY used_ms, id",
                      &st);
        if (rc)
            return rc;
        int src;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            if (!any && sqlite3_column_bytes(st, 0) == 32) {
                memcpy(oldest, sqlite3_column_blob(st, 0), 32);
                any = true;
            }
            /* A partial blob counts at its full size: the room it will
             * take once its transfer ends, so partials cannot overrun the
             * cache between them. */
            total += (uint64_t)sqlite3_column_int64(st, 1);
        }
        if (src != SQLITE_DONE)
            rc = px_store_error(b->s, src, "listing evictable blobs");
        sqlite3_finalize(st);
        if (rc)
            return rc;
        if (!any || total + room <= b->cache_max)
            return PX_OK;
        rc = px_blob_remove(b, oldest);
        if (rc)
            return rc;
        if (evicted)
            (*evicted)++;
    }
}

/* --- id prefixes ------------------------------------------------------------- */

typedef struct prefix_ctx {
    const char *hex;
    size_t len;
    size_t matches;
    uint8_t found[32];
    px_buf list; /* candidates, one per line */
} prefix_ctx;

static int prefix_cb(void *ctx, const px_blob_info *i)
{
    prefix_ctx *p = ctx;
    char hex[PX_ID_HEX];
    px_id_hex(hex, i->id);
    if (strncmp(hex, p->hex, p->len) != 0)
        return PX_OK;
    if (p->matches++ == 0)
        memcpy(p->found, i->id, 32);
    if (p->matches <= 10) {
        px_buf_append(&p->list, "\n  ", 3);
        px_buf_append(&p->list, hex, 64);
    }
    return PX_OK;
}

int px_blob_resolve(px_blobs *b, const char *hex, uint8_t out[32])
{
    size_t n = strlen(hex);
    char lower[PX_ID_HEX];
    if (n > 64)
        return px_err_set(PX_EINVAL, "blob id '%.70s' is longer than 64 hex digits", hex);
    for (size_t i = 0; i < n; i++) {
        char c = hex[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return px_err_set(PX_EINVAL, "blob id '%s' is not hexadecimal", hex);
        lower[i] = c;
    }
    lower[n] = '\0';
    if (n == 64)
        return px_hex_decode(out, 32, lower);
    if (n < 8)
        return px_err_set(PX_EINVAL,
                          "blob id '%s' is too short: give 64 hex digits or a unique prefix of at "
                          "least 8",
                          hex);
    prefix_ctx p = {.hex = lower, .len = n};
    int rc = px_blob_each(b, prefix_cb, &p);
    if (!rc && p.matches == 0)
        rc = px_err_set(PX_ENOENT, "no blob held here has an id beginning with %s", lower);
    else if (!rc && p.matches > 1)
        rc = px_err_set(PX_EINVAL,
                        "blob id prefix %s is ambiguous: %zu blobs begin with it:%.*s\n"
                        "give more digits",
                        lower, p.matches, (int)p.list.len, p.list.data ? (char *)p.list.data : "");
    else if (!rc)
        memcpy(out, p.found, 32);
    px_buf_free(&p.list);
    return rc;
}
