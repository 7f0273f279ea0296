/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outfile.h — the one way praxis writes a file for the user or itself
 * (exports, reports, feed exports, the genesis, key files).
 *
 * The bytes go to a new file with a random name beside the target
 * (".NAME.XXXXXX" in the target's directory, created by mkstemp, so
 * O_CREAT|O_EXCL: a symlink or file already at that name is never opened,
 * let alone followed). px_outfile_commit flushes, fsyncs and closes it, then
 * renames it over the target (a symlink at the target is replaced, never
 * followed) and fsyncs the directory. Until the commit the target is
 * untouched; after it the target holds the whole new content. A failed or
 * abandoned write removes the temporary file and leaves the target as it
 * was: the output appears whole or not at all.
 *
 * The file gets exactly `mode` (0600 for anything secret, 0644 otherwise),
 * whatever the umask. A target that is (or leads by symlink to) a
 * directory, device or pipe is refused: it is never replaced by a file.
 */
#ifndef PX_OUTFILE_H
#define PX_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

typedef struct px_outfile {
    FILE *f;    /* write the content here */
    char *path; /* the target */
    char *tmp;  /* the temporary file beside it */
    bool exclusive;
} px_outfile;

/* Start a file that will replace path. With exclusive, the commit fails with
 * PX_EEXIST if path exists by then (checked here too, before anything is
 * written). PX_OK, or an error with a detail naming path; o is then empty
 * and px_outfile_abort on it is harmless. */
int px_outfile_open(px_outfile *o, const char *path, int mode, bool exclusive);

/* Flush, fsync, close and rename over the target. On any error the
 * temporary file is removed, the target is as it was, and the detail names
 * the target. o is released either way. */
int px_outfile_commit(px_outfile *o);

/* Give up: close and remove the temporary file; the target is untouched.
 * Safe on a released or never-opened (zeroed) px_outfile. */
void px_outfile_abort(px_outfile *o);

#endif
