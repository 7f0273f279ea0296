/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outfile.c — files written whole through a random temporary name and a
 * rename (see outfile.h).
 */
#include "outfile.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* At most this many bytes of the target's name go into the temporary
 * name, so ".NAME.XXXXXX" fits in NAME_MAX (255) whatever NAME is. */
enum { TMP_BASE_MAX = 200 };

static void release(px_outfile *o)
{
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof *o);
}

int px_outfile_open(px_outfile *o, const char *path, int mode, bool exclusive)
{
    memset(o, 0, sizeof *o);
    size_t n = path ? strlen(path) : 0;
    if (n == 0 || path[n - 1] == '/')
        return px_err_set(PX_EINVAL, "'%s' is not a file name", path ? path : "");
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    size_t baselen = n - dirlen;
    if (baselen > TMP_BASE_MAX) {
        baselen = TMP_BASE_MAX;
        /* do not end the name inside a UTF-8 character */
        while (baselen > 0 && ((unsigned char)base[baselen] & 0xc0) == 0x80)
            baselen--;
    }
    struct stat st;
    if (exclusive && lstat(path, &st) == 0)
        return px_err_set(PX_EEXIST, "%s already exists; refusing to overwrite it", path);
    /* Only regular files are replaced (or a symlink to one, or to nothing):
     * never a directory, and never a device or pipe such as /dev/null or
     * /dev/stdout, which a rename would put a file in place of. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return px_err_set(PX_EINVAL,
                          "cannot write %s: it is not a regular file but a directory, device "
                          "or pipe; praxis writes only regular files",
                          path);
    size_t tlen = dirlen + 1 + baselen + 8; /* dir "." base ".XXXXXX" NUL */
    o->path = malloc(n + 1);
    o->tmp = malloc(tlen);
    if (!o->path || !o->tmp) {
        release(o);
        return px_err_set(PX_ENOMEM, "out of memory starting %s", path);
    }
    memcpy(o->path, path, n + 1);
    snprintf(o->tmp, tlen, "%.*s.%.*s.XXXXXX", (int)dirlen, path, (int)baselen, base);
    o->exclusive = exclusive;
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int rc = px_err_set(px_err_from_errno(errno), "cannot write %s: %s", path, strerror(errno));
        release(o);
        return rc;
    }
    int e = 0;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fchmod(fd, (mode_t)mode) != 0)
        e = errno;
    else if (!(o->f = fdopen(fd, "wb")))
        e = errno;
    if (e) {
        close(fd);
        unlink(o->tmp);
        int rc = px_err_set(px_err_from_errno(e), "cannot write %s: %s", path, strerror(e));
        release(o);
        return rc;
    }
    return PX_OK;
}

/* Make the rename durable: fsync the target's directory. Best effort: the
 * file's own data is fsynced already and the rename has happened, so a
 * directory that cannot be synced (some filesystems refuse) is no error. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash)
        memcpy(dir, ".", 2);
    else if (slash == path)
        memcpy(dir, "/", 2);
    else if ((size_t)(slash - path) < sizeof dir) {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    } else
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}

int px_outfile_commit(px_outfile *o)
{
    if (!o->f)
        return px_err_set(PX_EINVAL, "internal: commit of an output file not open");
    int e = 0;
    bool failed_before = ferror(o->f) != 0;
    errno = 0;
    if (fflush(o->f) != 0)
        e = errno ? errno : EIO;
    else if (failed_before)
        e = EIO;
    else if (fsync(fileno(o->f)) != 0)
        e = errno;
    if (fclose(o->f) != 0 && !e)
        e = errno ? errno : EIO;
    o->f = NULL;
    int rc = PX_OK;
    if (e) {
        rc = px_err_set(px_err_from_errno(e), "cannot write %s: %s", o->path, strerror(e));
    } else if (o->exclusive) {
        /* link() fails if the target exists, even as a dangling symlink:
         * no window in which another file could be replaced. */
        if (link(o->tmp, o->path) != 0)
            rc = errno == EEXIST
                     ? px_err_set(PX_EEXIST, "%s already exists; refusing to overwrite it", o->path)
                     : px_err_set(px_err_from_errno(errno), "cannot write %s: %s", o->path,
                                  strerror(errno));
    } else if (rename(o->tmp, o->path) != 0) {
        rc = px_err_set(px_err_from_errno(errno), "cannot write %s: %s", o->path, strerror(errno));
    }
    /* After a rename the temporary name is gone; after a link or a
     * failure it is removed here. */
    if (rc || o->exclusive)
        unlink(o->tmp);
    if (!rc)
        sync_dir(o->path);
    release(o);
    return rc;
}

void px_outfile_abort(px_outfile *o)
{
    if (!o)
        return;
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
        if (o->tmp)
            unlink(o->tmp);
    }
    release(o);
}
