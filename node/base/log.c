/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.c — levelled logging to stderr (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static px_log_level threshold = PX_LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error", "off"};

void px_log_set_level(px_log_level level)
{
    threshold = level;
}

int px_log_parse_level(const char *s, px_log_level *out)
{
    for (int i = 0; i <= PX_LOG_OFF; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (px_log_level)i;
            return 0;
        }
    }
    return -1;
}

int px_log_enabled(px_log_level level)
{
    return level >= threshold && threshold != PX_LOG_OFF;
}

void px_log(px_log_level level, const char *module, const char *fmt, ...)
{
    if (!px_log_enabled(level))
        return;
    char line[1024], when[32];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    int n = snprintf(line, sizeof line, "%s.%03ldZ %-5s %s: ", when, ts.tv_nsec / 1000000L,
                     names[level], module);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line so lines from threads do not interleave. */
    fprintf(stderr, "%s\n", line);
}
