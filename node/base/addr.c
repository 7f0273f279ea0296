/* SPDX-License-Identifier: Apache-2.0 */
/*
 * addr.c — parse and format "[KEY@]HOST:PORT" (see addr.h).
 */
#include "addr.h"

#include "error.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '_';
}

int px_addr_parse(const char *s, px_addr *out)
{
    memset(out, 0, sizeof *out);
    const char *at = strchr(s, '@');
    const char *rest = s;
    if (at) {
        char key[65];
        if (at - s != 64)
            return px_err_set(PX_EINVAL, "address '%s': the key before '@' must be 64 hex digits",
                              s);
        memcpy(key, s, 64);
        key[64] = '\0';
        if (px_hex_decode(out->key, 32, key) != PX_OK)
            return px_err_set(PX_EINVAL, "address '%s': the key before '@' is not hex", s);
        out->has_key = true;
        rest = at + 1;
    }
    const char *colon = strrchr(rest, ':');
    if (!colon || colon == rest)
        return px_err_set(PX_EINVAL, "address '%s' is not [KEY@]HOST:PORT", s);
    uint64_t port;
    if (px_parse_u64(colon + 1, 1, 65535, &port) != PX_OK)
        return px_err_set(PX_EINVAL, "address '%s' has no port in 1-65535", s);
    const char *h = rest;
    size_t hn = (size_t)(colon - rest);
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    if (hn == 0 || hn >= sizeof out->host)
        return px_err_set(PX_EINVAL, "address '%s' has an empty or overlong host", s);
    for (size_t i = 0; i < hn; i++)
        if (!host_char(h[i]))
            return px_err_set(PX_EINVAL, "address '%s' has a character not allowed in a host", s);
    memcpy(out->host, h, hn);
    out->host[hn] = '\0';
    out->port = (uint16_t)port;
    return PX_OK;
}

void px_addr_format(const px_addr *a, char *out, size_t n)
{
    char key[65] = "";
    bool v6 = strchr(a->host, ':') != NULL;
    if (a->has_key)
        px_hex_encode(key, a->key, 32);
    snprintf(out, n, "%s%s%s%s%s:%u", key, a->has_key ? "@" : "", v6 ? "[" : "", a->host,
             v6 ? "]" : "", (unsigned)a->port);
}
