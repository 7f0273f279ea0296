/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webassets.h — files embedded in the binary at build time
 * (cmake/embed_files.cmake): the web interface's CSS and script
 * (node/daemon/web/assets/) and the compiled message catalogues (po/, as
 * "LANG.mo"). Nothing is read from disk at run time.
 */
#ifndef PX_WEBASSETS_H
#define PX_WEBASSETS_H

#include <stddef.h>
#include <stdint.h>

typedef struct px_asset {
    const char *name; /* "app.css", "app.js", "ru.mo" */
    const uint8_t *data;
    size_t len;
} px_asset;

extern const px_asset px_web_assets[];
extern const size_t px_web_asset_count;

#endif
