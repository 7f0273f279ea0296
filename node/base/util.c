/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.c — buffers, hex, files, clocks (see util.h).
 */
#include "util.h"

#include "error.h"
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int px_buf_reserve(px_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len)
        return PX_ENOMEM;
    size_t need = b->len + extra;
    if (need <= b->cap)
        return PX_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return PX_ENOMEM;
    b->data = p;
    b->cap = cap;
    return PX_OK;
}

int px_buf_append(px_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return PX_OK;
    int rc = px_buf_reserve(b, n);
    if (rc)
        return rc;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return PX_OK;
}

void px_buf_reset(px_buf *b)
{
    b->len = 0;
}

void px_buf_free(px_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void px_hex_encode(char *out, const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int px_hex_decode(uint8_t *out, size_t outlen, const char *hex)
{
    if (!hex || strlen(hex) != 2 * outlen)
        return PX_EFORMAT;
    for (size_t i = 0; i < outlen; i++) {
        int hi = hexval(hex[2 * i]);
        int lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return PX_EFORMAT;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return PX_OK;
}

int px_read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
    int rc = PX_OK;
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    px_buf b = {0};
    *out = NULL;
    *len = 0;
    if (!f)
        return px_err_set(px_err_from_errno(errno), "cannot open %s: %s", path, strerror(errno));
    for (;;) {
        rc = px_buf_reserve(&b, 65536);
        if (rc)
            goto out;
        size_t n = fread(b.data + b.len, 1, 65536, f);
        b.len += n;
        if (b.len > max) {
            rc = px_err_set(PX_ETOOBIG, "%s is larger than the limit of %zu bytes",
                            is_stdin ? "standard input" : path, max);
            goto out;
        }
        if (n < 65536) {
            if (ferror(f)) {
                rc = px_err_set(PX_EIO, "cannot read %s: %s", path, strerror(errno));
                goto out;
            }
            break;
        }
    }
    rc = px_buf_append(&b, "", 1);
    if (rc)
        goto out;
    *out = b.data;
    *len = b.len - 1;
    b.data = NULL;
out:
    px_buf_free(&b);
    if (!is_stdin)
        fclose(f);
    return rc;
}

int px_write_file(const char *path, const void *data, size_t len, int mode, bool exclusive)
{
    px_outfile o;
    int rc = px_outfile_open(&o, path, mode, exclusive);
    if (rc)
        return rc;
    /* Unbuffered: the bytes (a key, the network key) go straight from data
     * to the file, with no copy left in a stdio buffer. */
    setvbuf(o.f, NULL, _IONBF, 0);
    if (len > 0 && fwrite(data, 1, len, o.f) != len) {
        int e = errno ? errno : EIO;
        px_outfile_abort(&o);
        return px_err_set(px_err_from_errno(e), "cannot write %s: %s", path, strerror(e));
    }
    return px_outfile_commit(&o);
}

int px_path_join(char *out, size_t outlen, const char *dir, const char *name)
{
    int n = snprintf(out, outlen, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= outlen)
        return px_err_set(PX_ETOOBIG, "path too long: %s/%s", dir, name);
    return PX_OK;
}

int px_mkdirs(const char *path, int mode)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp)
        return px_err_set(PX_EINVAL, "bad directory path '%s'", path);
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST)
            return px_err_set(px_err_from_errno(errno), "cannot create directory %s: %s", tmp,
                              strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST)
        return px_err_set(px_err_from_errno(errno), "cannot create directory %s: %s", tmp,
                          strerror(errno));
    return PX_OK;
}

uint64_t px_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t px_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int px_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return PX_EINVAL;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return PX_EINVAL;
    *out = v;
    return PX_OK;
}
