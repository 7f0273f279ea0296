/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control.c — the 0600 Unix-domain control socket (see control.h).
 *
 * Server: a uv_pipe_t listener; each client gets a small struct that
 * collects one line (bounded), answers it and closes. The client (plain
 * blocking socket calls, for the CLI) is app/ctlclient.c.
 */
#include "control.h"

#include "error.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct ctl_client ctl_client;

struct px_control {
    uv_pipe_t pipe;
    px_control_fn fn;
    void *ctx;
    ctl_client *clients; /* open client connections, closed on stop */
    char path[108];
};

struct ctl_client {
    uv_pipe_t pipe;
    px_control *owner; /* NULL once the server has stopped */
    ctl_client *prev, *next;
    px_buf in;
    bool answered;
    char buf[4096];
};

typedef struct ctl_write {
    uv_write_t req;
    ctl_client *client;
    char *text;
} ctl_write;

static void client_closed(uv_handle_t *h)
{
    ctl_client *cl = h->data;
    if (cl->owner) {
        if (cl->prev)
            cl->prev->next = cl->next;
        else
            cl->owner->clients = cl->next;
        if (cl->next)
            cl->next->prev = cl->prev;
    }
    px_buf_free(&cl->in);
    free(cl);
}

static void client_close(ctl_client *cl)
{
    if (!uv_is_closing((uv_handle_t *)&cl->pipe))
        uv_close((uv_handle_t *)&cl->pipe, client_closed);
}

static void on_answer_written(uv_write_t *req, int status)
{
    ctl_write *w = (ctl_write *)req;
    (void)status;
    client_close(w->client);
    free(w->text);
    free(w);
}

static void answer(ctl_client *cl, json_t *resp)
{
    ctl_write *w = calloc(1, sizeof *w);
    char *text = resp ? json_dumps(resp, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(resp);
    cl->answered = true;
    if (!w || !text) {
        free(w);
        free(text);
        client_close(cl);
        return;
    }
    size_t n = strlen(text);
    char *line = realloc(text, n + 2);
    if (!line) {
        free(text);
        free(w);
        client_close(cl);
        return;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    w->client = cl;
    w->text = line;
    uv_buf_t buf = uv_buf_init(line, (unsigned)(n + 1));
    if (uv_write(&w->req, (uv_stream_t *)&cl->pipe, &buf, 1, on_answer_written) != 0) {
        free(line);
        free(w);
        client_close(cl);
    }
}

static json_t *error_reply(const char *msg)
{
    return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

int px_control_parse(const uint8_t *in, size_t len, json_t **req, const char **op, const char **why)
{
    *req = NULL;
    *op = NULL;
    if (why)
        *why = NULL;
    if (len > PX_CONTROL_REQUEST_MAX) {
        if (why)
            *why = "request too large";
        return PX_ETOOBIG;
    }
    const uint8_t *nl = len ? memchr(in, '\n', len) : NULL;
    if (!nl)
        return PX_EAGAIN;
    json_error_t jerr;
    json_t *r = json_loadb((const char *)in, (size_t)(nl - in), 0, &jerr);
    const char *o = json_string_value(json_object_get(r, "op"));
    if (!r || !o) {
        json_decref(r);
        if (why)
            *why = "a request is one JSON object with an 'op' string";
        return PX_EPROTO;
    }
    *req = r;
    *op = o;
    return PX_OK;
}

static void on_client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    ctl_client *cl = h->data;
    (void)suggested;
    *buf = uv_buf_init(cl->buf, sizeof cl->buf);
}

static void on_client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    ctl_client *cl = s->data;
    if (cl->answered)
        return;
    if (nread < 0) {
        client_close(cl);
        return;
    }
    if (px_buf_append(&cl->in, buf->base, (size_t)nread) != PX_OK) {
        answer(cl, error_reply("request too large"));
        return;
    }
    json_t *req;
    const char *op, *why;
    int rc = px_control_parse(cl->in.data, cl->in.len, &req, &op, &why);
    if (rc == PX_EAGAIN)
        return;
    if (rc == PX_ETOOBIG) {
        answer(cl, error_reply(why));
        return;
    }
    uv_read_stop(s);
    if (rc) {
        answer(cl, error_reply(why));
        return;
    }
    json_t *resp = cl->owner->fn(cl->owner->ctx, op, req);
    json_decref(req);
    answer(cl, resp ? resp : error_reply("unknown op"));
}

static void on_connection(uv_stream_t *server, int status)
{
    px_control *c = server->data;
    if (status < 0)
        return;
    ctl_client *cl = calloc(1, sizeof *cl);
    if (!cl)
        return;
    cl->owner = c;
    cl->next = c->clients;
    if (c->clients)
        c->clients->prev = cl;
    c->clients = cl;
    uv_pipe_init(server->loop, &cl->pipe, 0);
    cl->pipe.data = cl;
    if (uv_accept(server, (uv_stream_t *)&cl->pipe) != 0 ||
        uv_read_start((uv_stream_t *)&cl->pipe, on_client_alloc, on_client_read) != 0)
        client_close(cl);
}

/* Is a daemon answering on path? */
static bool socket_alive(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool alive = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return alive;
}

int px_control_start(uv_loop_t *loop, const char *path, px_control_fn fn, void *ctx,
                     px_control **out)
{
    size_t n = strlen(path);
    *out = NULL;
    if (n >= sizeof(((px_control *)0)->path))
        return px_err_set(PX_ETOOBIG,
                          "control socket path %s is longer than 107 bytes; use a shorter --data "
                          "directory",
                          path);
    if (access(path, F_OK) == 0) {
        if (socket_alive(path))
            return px_err_set(PX_EBUSY, "another praxisd is running on this data directory (%s)",
                              path);
        unlink(path);
    }
    px_control *c = calloc(1, sizeof *c);
    if (!c)
        return PX_ENOMEM;
    c->fn = fn;
    c->ctx = ctx;
    memcpy(c->path, path, n + 1);
    uv_pipe_init(loop, &c->pipe, 0);
    c->pipe.data = c;
    /* Create the socket 0600 from the start: no window where others could
     * connect. */
    mode_t old = umask(0177);
    int uvrc = uv_pipe_bind(&c->pipe, path);
    umask(old);
    if (!uvrc)
        uvrc = uv_listen((uv_stream_t *)&c->pipe, 16, on_connection);
    if (uvrc) {
        int rc =
            px_err_set(px_err_from_uv(uvrc), "cannot listen on %s: %s", path, uv_strerror(uvrc));
        uv_close((uv_handle_t *)&c->pipe, (uv_close_cb)free);
        return rc;
    }
    chmod(path, 0600);
    *out = c;
    return PX_OK;
}

static void control_closed(uv_handle_t *h)
{
    free(h->data);
}

void px_control_stop(px_control *c)
{
    if (!c)
        return;
    unlink(c->path);
    /* A client that connected and never finished its request would
     * otherwise keep the loop, and so the daemon, running. */
    for (ctl_client *cl = c->clients; cl; cl = cl->next) {
        cl->owner = NULL;
        client_close(cl);
    }
    c->clients = NULL;
    uv_close((uv_handle_t *)&c->pipe, control_closed);
}
