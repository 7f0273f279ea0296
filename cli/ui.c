/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ui.c — `praxis ui`: the web interface's login link (and a browser on it).
 *
 * praxisd writes the address it serves on to DIR/http.addr and keeps the
 * login token in DIR/web.token (0600); the link is
 * http://ADDR/login?token=TOKEN. --new-token replaces the token, which ends
 * every open session at once (the server rereads the file).
 */
#include "cli.h"

#include "ctlclient.h"
#include "crypto.h"
#include "error.h"
#include "util.h"
#include "webtoken.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char usage[] =
    "usage: praxis ui [--url] [--new-token]\n\n"
    "Prints the login link of the web interface that praxisd serves for this\n"
    "data directory (http://HOST:PORT/login?token=T) and opens it in a browser\n"
    "when there is a display. The link holds a secret: whoever has it can use\n"
    "the interface as this node.\n"
    "  --url        only print the link\n"
    "  --new-token  make a new login token first: every open session ends and\n"
    "               old links stop working\n";

static int read_addr(const char *dir, char *out, size_t outlen)
{
    char path[PATH_MAX];
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = px_path_join(path, sizeof path, dir, PX_WEB_ADDR_FILE);
    if (!rc)
        rc = px_read_file(path, 256, &data, &len);
    if (rc) {
        free(data);
        return px_err_set(PX_ENOENT,
                          "praxisd does not serve the web interface for %s (no %s): start "
                          "praxisd (it serves on 127.0.0.1:7480 unless --http says otherwise), "
                          "then run 'praxis ui' again",
                          dir, path);
    }
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    bool ok = len > 0 && len < outlen;
    for (size_t i = 0; ok && i < len; i++)
        ok = data[i] > ' ' && data[i] < 0x7f;
    if (ok) {
        memcpy(out, data, len);
        out[len] = '\0';
    }
    free(data);
    return ok ? PX_OK : px_err_set(PX_EFORMAT, "%s does not hold HOST:PORT", path);
}

static void open_browser(const char *url)
{
    if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY"))
        return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)"xdg-open", (char *)url, NULL};
    pid_t pid;
    if (posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ) != 0)
        fprintf(stderr, "praxis: cannot start xdg-open; open the link above in a browser\n");
    posix_spawn_file_actions_destroy(&fa);
}

int px_cmd_ui(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"url", no_argument, NULL, 'u'},
                                         {"new-token", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool url_only = false, new_token = false, first = true;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'u')
            url_only = true;
        else if (c == 'n')
            new_token = true;
        else if (c == 'h')
            return px_cli_help(usage);
        else
            return px_cli_usage_error(usage, "bad option");
    }
    if (optind != argc)
        return px_cli_usage_error(usage, "ui takes no arguments");
    px_datadir d;
    int rc = px_datadir_resolve(&d, cli->data_dir);
    if (!rc && access(d.genesis, F_OK) != 0)
        rc = px_err_set(PX_ENOENT, "%s is not a praxis data directory; run 'praxis init' first",
                        d.dir);
    char token[PX_WEB_TOKEN_HEX + 1], addr[128];
    if (!rc && new_token) {
        rc = px_webtoken_new(d.dir, token);
        if (!rc)
            fprintf(stderr, "praxis: made a new login token; every open session has ended\n");
    }
    if (!rc)
        rc = px_webtoken_read(d.dir, token);
    if (rc == PX_ENOENT)
        rc = px_err_set(PX_ENOENT,
                        "no login token yet in %s: start praxisd once (it makes "
                        "one), or run 'praxis ui --new-token'",
                        d.dir);
    if (!rc)
        rc = read_addr(d.dir, addr, sizeof addr);
    if (!rc) {
        /* A stale http.addr after a crash: make sure praxisd runs. */
        json_t *req = json_pack("{s:s}", "op", "status"), *resp = NULL;
        int crc = px_control_call(d.socket, req, 2000, &resp);
        json_decref(req);
        json_decref(resp);
        if (crc == PX_ENOENT)
            rc = px_err_set(PX_ENOENT,
                            "praxisd is not running for %s; start it, then run "
                            "'praxis ui' again",
                            d.dir);
    }
    if (rc) {
        px_memzero(token, sizeof token);
        return px_cli_fail(rc);
    }
    char url[256];
    snprintf(url, sizeof url, "http://%s/login?token=%s", addr, token);
    px_memzero(token, sizeof token);
    printf("%s\n", url);
    fflush(stdout);
    if (!url_only)
        open_browser(url);
    px_memzero(url, sizeof url);
    return PX_EXIT_OK;
}
