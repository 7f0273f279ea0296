/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h — levelled logging to stderr for praxisd.
 *
 * One line per event: "2026-11-22T08:30:00.123Z info  conn: message".
 * Never log a secret: keys are logged as public keys only, in short hex.
 */
#ifndef PX_LOG_H
#define PX_LOG_H

typedef enum px_log_level {
    PX_LOG_DEBUG = 0,
    PX_LOG_INFO,
    PX_LOG_WARN,
    PX_LOG_ERROR,
    PX_LOG_OFF,
} px_log_level;

/* Set the threshold (default INFO). */
void px_log_set_level(px_log_level level);
/* Parse "debug", "info", "warn", "error", "off". Returns 0 or -1. */
int px_log_parse_level(const char *s, px_log_level *out);
int px_log_enabled(px_log_level level);

void px_log(px_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define px_debug(mod, ...) px_log(PX_LOG_DEBUG, mod, __VA_ARGS__)
#define px_info(mod, ...) px_log(PX_LOG_INFO, mod, __VA_ARGS__)
#define px_warn(mod, ...) px_log(PX_LOG_WARN, mod, __VA_ARGS__)
#define px_error(mod, ...) px_log(PX_LOG_ERROR, mod, __VA_ARGS__)

#endif
