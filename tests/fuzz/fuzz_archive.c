/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_archive.c — libFuzzer target for the feed export reader (archive.c):
 * the input is an export file, read through px_archive_next() from an
 * in-memory FILE (fmemopen) until the clean end or the first error.
 *
 * Every entry the reader returns is checked like an import would (signature,
 * body) and written back with px_archive_put(); reading that re-export must
 * give the same entries again, and end cleanly. Nothing is written to disk.
 */
#include "archive.h"
#include "error.h"
#include "fuzz_fixtures.h"

#include <stdio.h>

/* Read every item of f; record the ids (at most max_ids) and, if rewrite is
 * not NULL, append each entry to it again. Returns how the reading ended. */
static int read_all(FILE *f, px_buf *rewrite, uint8_t (*ids)[32], size_t max_ids, size_t *n_ids)
{
    px_archive_reader r;
    px_entry e;
    int rc = PX_OK;

    memset(&r, 0, sizeof r);
    r.f = f;
    *n_ids = 0;
    for (;;) {
        rc = px_archive_next(&r, &e);
        FUZZ_ASSERT(rc == PX_OK || rc == PX_ENOENT || rc == PX_EFORMAT || rc == PX_ETOOBIG);
        if (rc != PX_OK)
            break;
        FUZZ_ASSERT(r.index == *n_ids + 1);
        FUZZ_ASSERT(*n_ids < max_ids);
        memcpy(ids[(*n_ids)++], e.id, 32);
        int sig_rc = px_entry_verify_sig(&e);
        FUZZ_ASSERT(sig_rc == PX_OK || sig_rc == PX_ESIG);
        int body_rc = px_entry_check_body(&e);
        FUZZ_ASSERT(body_rc == PX_OK || body_rc == PX_EHASH || body_rc == PX_ETOOBIG);
        if (rewrite)
            FUZZ_ASSERT(px_archive_put(rewrite, &e) == PX_OK);
    }
    px_archive_reader_free(&r);
    return rc;
}

/* fmemopen() cannot open an empty buffer on every libc: use one byte and
 * read none of it. */
static FILE *open_mem(void *buf, size_t len)
{
    static char empty[1];
    if (len == 0) {
        FILE *f = fmemopen(empty, 1, "rb");
        if (f)
            fgetc(f);
        return f;
    }
    return fmemopen(buf, len, "rb");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    px_buf copy = {0}, rewrite = {0};
    /* An item takes more than 3 bytes (array, header bin, signature bin). */
    size_t max_ids = size / 3 + 1, n1 = 0, n2 = 0;
    uint8_t(*ids1)[32] = NULL;
    uint8_t(*ids2)[32] = NULL;
    FILE *f = NULL;

    fuzz_setup();
    /* fmemopen wants a writable buffer; give it a copy. */
    if (px_buf_append(&copy, data, size) != PX_OK)
        goto out;
    ids1 = calloc(max_ids, 32);
    ids2 = calloc(max_ids, 32);
    if (!ids1 || !ids2)
        goto out;
    f = open_mem(copy.data, size);
    if (!f)
        goto out;
    int rc = read_all(f, &rewrite, ids1, max_ids, &n1);
    fclose(f);
    f = NULL;
    (void)rc;

    /* The re-export of what was read holds the same entries and ends cleanly. */
    f = open_mem(rewrite.data, rewrite.len);
    FUZZ_ASSERT(f != NULL);
    rc = read_all(f, NULL, ids2, max_ids, &n2);
    FUZZ_ASSERT(rc == PX_ENOENT);
    FUZZ_ASSERT(n2 == n1 && (n1 == 0 || memcmp(ids1, ids2, n1 * 32) == 0));
out:
    if (f)
        fclose(f);
    free(ids1);
    free(ids2);
    px_buf_free(&copy);
    px_buf_free(&rewrite);
    return 0;
}
