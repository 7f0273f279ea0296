/* SPDX-License-Identifier: Apache-2.0 */
/*
 * addr.h — peer addresses: "[KEY@]HOST:PORT".
 *
 * The Secret Handshake needs the server's public key before the first byte
 * is sent, so a dialable address names it: KEY is 64 hex digits. Without a
 * KEY the address is taken to be the node of the network's root (the hub
 * secretariat runs the bootstrap nodes). HOST is an IPv4/IPv6 literal or a
 * name; IPv6 literals go in brackets ("[::1]:7000").
 */
#ifndef PX_ADDR_H
#define PX_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { PX_ADDR_TEXT_MAX = 200 }; /* longest "[KEY@]HOST:PORT" text */

typedef struct px_addr {
    bool has_key;
    uint8_t key[32];
    char host[100];
    uint16_t port;
} px_addr;

/* Parse s. PX_OK or PX_EINVAL with a detail naming what is wrong. */
int px_addr_parse(const char *s, px_addr *out);

/* Format as "[KEY@]HOST:PORT" into out (size n). */
void px_addr_format(const px_addr *a, char *out, size_t n);

#endif
