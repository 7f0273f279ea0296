/* SPDX-License-Identifier: Apache-2.0 */
/*
 * praxisd.c — the node daemon's main: arguments, logging, then the library
 * (node.c) runs the node in the foreground until SIGINT/SIGTERM.
 */
#include "crypto.h"
#include "datadir.h"
#include "error.h"
#include "log.h"
#include "node.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static const char usage[] =
    "usage: praxisd [--data DIR] [--listen HOST:PORT] [--peer [KEY@]HOST:PORT]...\n"
    "               [--announce HOST:PORT]...\n"
    "               [--log-level debug|info|warn|error] [--max-inbound N]\n"
    "               [--handshake-timeout MS] [--max-clock-ahead SECONDS]\n"
    "               [--http HOST:PORT|off] [--http-host NAME]...\n"
    "               [--blob-max-size BYTES] [--blob-cache BYTES]\n"
    "               [--blob-quota-per-author BYTES]\n\n"
    "Runs a praxis node in the foreground: listens for peers, dials the\n"
    "network's bootstrap addresses and every --peer, and answers the CLI on\n"
    "DIR/control.sock. Stops cleanly on SIGINT or SIGTERM.\n"
    "  --data DIR         data directory made by 'praxis init' (default:\n"
    "                     $PRAXIS_DATA, $XDG_DATA_HOME/praxis, ~/.local/share/praxis);\n"
    "                     locked (DIR/praxisd.lock) before anything is bound\n"
    "  --listen HOST:PORT accept peers here (numeric address, e.g. 0.0.0.0:7420\n"
    "                     or [::1]:7420)\n"
    "  --peer ADDR        dial this peer; KEY (64 hex digits) is its public key,\n"
    "                     and may be left out for the network root's node; a\n"
    "                     HOST name is dialled at every address it resolves to\n"
    "  --passphrase-file F  the passphrase of a protected key (first line of F,\n"
    "                     which must be 0600); PRAXIS_PASSPHRASE_FILE and\n"
    "                     PRAXIS_PASSPHRASE work too\n"
    "  --log-level LEVEL  default info; logs go to stderr and never hold secrets\n"
    "  --announce H:P     publish, in this node's feed, an address where members\n"
    "                     can reach it (repeatable; only when it changed)\n"
    "  --max-outbound N   connections to members learned from their announced\n"
    "                     addresses (default 4; genesis and --peer are extra;\n"
    "                     0 dials only those and otherwise waits for inbound)\n"
    "  --max-inbound N    most inbound peer connections (default 32)\n"
    "  --handshake-timeout MS  a peer that has not completed the secret handshake\n"
    "                     by then is dropped (default 10000, 100 to 600000); so is\n"
    "                     one that has not sent its hello that long after it\n"
    "  --max-clock-ahead S  entries stamped more than S seconds ahead of this\n"
    "                     node's clock are held until then (default 600)\n"
    "  --http HOST:PORT   serve the web interface here (default 127.0.0.1:7480;\n"
    "                     'off' disables it); 'praxis ui' prints its login link\n"
    "  --http-host NAME   another name the browser may use for it (repeatable;\n"
    "                     requests naming other hosts are refused)\n"
    "  --blob-max-size B  largest blob (attachment) this node fetches or keeps\n"
    "                     (default 67108864, 64 MiB; at most 1 GiB)\n"
    "  --blob-cache B     bytes of fetched blobs kept that this node need not\n"
    "                     keep (default 1 GiB); own and pinned ones are kept\n"
    "                     apart, the others evicted least recently used first\n"
    "  --blob-quota-per-author B  bytes of blobs kept that one author's records\n"
    "                     attach (default 268435456, 256 MiB); more is refused;\n"
    "                     this node's, the root's and the secretariat's exempt\n";

/* The data directory's lock, held for the daemon's life (the kernel drops
 * it however the process ends). Taken before anything is bound, so a second
 * praxisd on the same directory stops before it touches a port. An
 * uninitialised directory is left to px_node_run to report. */
static int take_lock(const char *data_dir, int *fd)
{
    px_datadir d;
    char path[PATH_MAX + 16];
    *fd = -1;
    int rc = px_datadir_resolve(&d, data_dir);
    if (rc)
        return rc;
    if (access(d.genesis, F_OK) != 0)
        return PX_OK; /* not initialised: no lock file left in a stray directory */
    if (snprintf(path, sizeof path, "%s/praxisd.lock", d.dir) >= (int)sizeof path)
        return px_err_set(PX_ETOOBIG, "data directory path %s is too long", d.dir);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (*fd < 0)
        return errno == ENOENT ? PX_OK
                               : px_err_set(px_err_from_errno(errno), "cannot open %s: %s", path,
                                            strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(*fd);
        *fd = -1;
        if (e == EWOULDBLOCK)
            return px_err_set(PX_EBUSY,
                              "another praxisd is running on the data directory %s (it holds "
                              "%s); stop it first, or give this one another --data",
                              d.dir, path);
        return px_err_set(px_err_from_errno(e), "cannot lock %s: %s", path, strerror(e));
    }
    return PX_OK;
}

/* praxisd with its argument arrays (peers, announce, http_hosts: argc
 * entries each, zeroed), so that main frees them whichever way this returns. */
static int run(int argc, char **argv, const char **peers, const char **announce,
               const char **http_hosts)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"peer", required_argument, NULL, 'p'},
                                         {"log-level", required_argument, NULL, 'L'},
                                         {"max-inbound", required_argument, NULL, 'm'},
                                         {"max-outbound", required_argument, NULL, 'o'},
                                         {"announce", required_argument, NULL, 'a'},
                                         {"passphrase-file", required_argument, NULL, 'P'},
                                         {"handshake-timeout", required_argument, NULL, 't'},
                                         {"max-clock-ahead", required_argument, NULL, 'C'},
                                         {"http", required_argument, NULL, 'H'},
                                         {"http-host", required_argument, NULL, 'N'},
                                         {"blob-max-size", required_argument, NULL, 'B'},
                                         {"blob-cache", required_argument, NULL, 'K'},
                                         {"blob-quota-per-author", required_argument, NULL, 'Q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {0}};
    px_node_cfg cfg = {0};
    px_log_level level = PX_LOG_INFO;
    int c, rc;
    cfg.max_outbound = -1; /* the default; 0 is honoured: no learned peer is dialled */
    cfg.http_hosts = http_hosts;
    cfg.peers = peers;
    cfg.announce = announce;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!*optarg) {
                fprintf(stderr, "praxisd: --data needs a directory\n");
                return 2;
            }
            cfg.data_dir = optarg;
            break;
        case 'l':
            cfg.listen = optarg;
            break;
        case 'p':
            peers[cfg.n_peers++] = optarg;
            break;
        case 'a':
            announce[cfg.n_announce++] = optarg;
            break;
        case 'H':
            cfg.http = optarg;
            break;
        case 'N':
            http_hosts[cfg.n_http_hosts++] = optarg;
            break;
        case 'P':
            /* identity.c reads it from there; the file must be 0600. */
            setenv("PRAXIS_PASSPHRASE_FILE", optarg, 1);
            break;
        case 'o': {
            uint64_t v;
            if (px_parse_u64(optarg, 0, 64, &v) != PX_OK) {
                fprintf(stderr, "praxisd: --max-outbound needs a number from 0 to 64\n");
                return 2;
            }
            cfg.max_outbound = (int)v;
            break;
        }
        case 'L':
            if (px_log_parse_level(optarg, &level) != 0) {
                fprintf(stderr, "praxisd: --log-level must be debug, info, warn or error\n");
                return 2;
            }
            break;
        case 'm': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || v < 1 || v > 4096) {
                fprintf(stderr, "praxisd: --max-inbound needs a number from 1 to 4096\n");
                return 2;
            }
            cfg.max_inbound = (int)v;
            break;
        }
        case 't':
            if (px_parse_u64(optarg, 100, 600000, &cfg.handshake_timeout_ms) != PX_OK) {
                fprintf(stderr, "praxisd: --handshake-timeout needs milliseconds from 100 to "
                                "600000\n");
                return 2;
            }
            break;
        case 'C': {
            uint64_t v;
            if (px_parse_u64(optarg, 1, 30 * 24 * 3600, &v) != PX_OK) {
                fprintf(stderr, "praxisd: --max-clock-ahead needs seconds from 1 to 2592000\n");
                return 2;
            }
            cfg.max_clock_ahead_ms = v * 1000;
            break;
        }
        case 'B':
            if (px_parse_u64(optarg, 1, (uint64_t)1 << 30, &cfg.blob_limits.max_size) != PX_OK) {
                fprintf(stderr, "praxisd: --blob-max-size needs bytes from 1 to 1073741824\n");
                return 2;
            }
            break;
        case 'K':
            if (px_parse_u64(optarg, 1, UINT64_MAX / 2, &cfg.blob_limits.cache_max) != PX_OK) {
                fprintf(stderr, "praxisd: --blob-cache needs a number of bytes\n");
                return 2;
            }
            break;
        case 'Q':
            if (px_parse_u64(optarg, 1, UINT64_MAX / 2, &cfg.blob_limits.quota_per_author) !=
                PX_OK) {
                fprintf(stderr, "praxisd: --blob-quota-per-author needs a number of bytes\n");
                return 2;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'V':
            puts("praxisd " PX_VERSION);
            return 0;
        default: {
            /* One message: which option, and why. */
            const char *arg = argv[optind - 1];
            /* getopt leaves optopt at a long option's val when its value is
             * missing, and at 0 when the option is unknown */
            bool missing = strncmp(arg, "--", 2) == 0 && optopt != 0;
            if (strncmp(arg, "--", 2) != 0 && optopt > 32 && optopt < 127)
                fprintf(stderr, "praxisd: unknown option -%c; 'praxisd --help' lists the options\n",
                        optopt);
            else
                fprintf(
                    stderr,
                    missing
                        ? "praxisd: option %s needs a value; 'praxisd --help' lists the options\n"
                        : "praxisd: unknown option %s; 'praxisd --help' lists the options\n",
                    arg);
            return 2;
        }
        }
    }
    if (optind != argc) {
        fprintf(stderr, "praxisd: unexpected argument '%s'\n%s", argv[optind], usage);
        return 2;
    }
    px_log_set_level(level);
    if (px_crypto_init() != PX_OK) {
        fprintf(stderr, "praxisd: cannot initialise libsodium\n");
        return 1;
    }
    int lock_fd;
    rc = take_lock(cfg.data_dir, &lock_fd);
    if (!rc)
        rc = px_node_run(&cfg);
    if (lock_fd >= 0)
        close(lock_fd);
    if (rc) {
        fprintf(stderr, "praxisd: %s\n", px_err_message(rc));
        return 1;
    }
    return 0;
}

/* Blob transfers allocate and free buffers of a chunk (64 KiB) and more
 * by the hundred per second. With glibc's defaults the freed top of the
 * heap goes back to the kernel as soon as 128 KiB of it are free, and the
 * next buffers fault their pages in again, zeroed: a fifth of the CPU a
 * 64 MiB transfer costs on either end (bench/blob_net.sh). Keeping up to
 * 16 MiB of freed heap removes that. Allocations over 128 KiB stay
 * mmapped (setting the trim threshold also fixes glibc's mmap threshold
 * there): serving them from the heap too saved no CPU in a transfer, and a
 * bulk sync's messages of a few hundred KiB, freed on other threads, then
 * fragmented the heaps (bench/sync.sh receiver peak 65-68 MB against 56). */
static void tune_malloc(void)
{
#ifdef __GLIBC__
    mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
#endif
}

int main(int argc, char **argv)
{
    tune_malloc();
    const char **peers = calloc((size_t)argc, sizeof *peers);
    const char **announce = calloc((size_t)argc, sizeof *announce);
    const char **http_hosts = calloc((size_t)argc, sizeof *http_hosts);
    int rc = peers && announce && http_hosts ? run(argc, argv, peers, announce, http_hosts) : 1;
    free(peers);
    free(announce);
    free(http_hosts);
    return rc;
}
