/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.h — small shared helpers: growable byte buffers, hex, whole-file I/O,
 * checked allocation.
 */
#ifndef PX_UTIL_H
#define PX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A macro's value as a string literal: PX_STR(PX_ENTRY_FLAG_UNINDEXED) is "2". */
#define PX_STR_(x) #x
#define PX_STR(x) PX_STR_(x)

/* The version of praxis ("0.1.0"), set once by CMakeLists.txt's project(). */
#ifndef PX_VERSION
#error "PX_VERSION is defined by CMakeLists.txt (project VERSION)"
#endif

/* A growable byte buffer. Zero-initialise ({0}) before first use; release
 * with px_buf_free(). data is NULL until the first append. */
typedef struct px_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} px_buf;

/* Ensure room for extra more bytes. PX_OK or PX_ENOMEM (buffer unchanged). */
int px_buf_reserve(px_buf *b, size_t extra);
int px_buf_append(px_buf *b, const void *p, size_t n);
void px_buf_reset(px_buf *b); /* len = 0, keeps capacity */
void px_buf_free(px_buf *b);  /* NULL-safe; leaves b zeroed */

/* Lowercase hex. out must hold 2*len+1 bytes; it is NUL-terminated. */
void px_hex_encode(char *out, const uint8_t *in, size_t len);
/* Decode exactly outlen bytes from a string of exactly 2*outlen hex digits
 * (either case). PX_OK or PX_EFORMAT. */
int px_hex_decode(uint8_t *out, size_t outlen, const char *hex);

/* Read a whole file ("-" = stdin) into a malloc'd buffer with a trailing
 * NUL (not counted in *len). Refuses files larger than max bytes with
 * PX_ETOOBIG. Caller frees *out. Sets a detail naming the path on error. */
int px_read_file(const char *path, size_t max, uint8_t **out, size_t *len);

/* Write data to path whole or not at all, with exactly the given mode
 * (px_outfile: a mkstemp file beside path, fsynced, renamed over it). With
 * exclusive, fail with PX_EEXIST if path exists. */
int px_write_file(const char *path, const void *data, size_t len, int mode, bool exclusive);

/* Join dir and name into out (size outlen). PX_ETOOBIG if it does not fit. */
int px_path_join(char *out, size_t outlen, const char *dir, const char *name);

/* Create a directory and its parents with the given mode (existing is OK). */
int px_mkdirs(const char *path, int mode);

/* Wall-clock milliseconds since the Unix epoch. */
uint64_t px_now_ms(void);
/* Monotonic nanoseconds, for measuring. */
uint64_t px_mono_ns(void);

/* Parse a decimal unsigned integer in [min, max]. PX_OK or PX_EINVAL. */
int px_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
