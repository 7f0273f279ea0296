/* SPDX-License-Identifier: Apache-2.0 */
/*
 * idprefix.h — ids and keys that people type: any unique prefix of at least
 * PX_PREFIX_MIN hex digits (either case) of an entry id or a public key
 * names the one held that begins with it.
 *
 * A full 64-digit value is returned as it is, held or not (the caller says
 * what it means for it not to be held). A shorter prefix must match exactly
 * one id or key held, else the error names what was wrong: not hex, too
 * short, nothing held begins with it (PX_ENOENT), or it is ambiguous
 * (PX_EINVAL, listing the candidates, one per line, and asking for more
 * digits).
 */
#ifndef PX_IDPREFIX_H
#define PX_IDPREFIX_H

#include "members.h"
#include "store.h"

#include <stdint.h>

enum { PX_PREFIX_MIN = 8 };

/* An entry id: of the entries held in s. what names it in errors ("entry
 * id"). OUT out: the full id. */
int px_prefix_entry(px_store *s, const char *hex, const char *what, uint8_t out[32]);

/* A public key: of the authors of the feeds held in s, and of the members m
 * knows (admitted or revoked, and the root; m may be NULL). what names it in
 * errors ("author key", "public key"). OUT out: the full key. */
int px_prefix_key(px_store *s, const px_members *m, const char *hex, const char *what,
                  uint8_t out[32]);

#endif
