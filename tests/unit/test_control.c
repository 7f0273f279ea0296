/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_control.c — the control socket's request parsing (control.h,
 * px_control_parse) without a daemon: framing on the first newline, the
 * size limit, and what is not a request.
 */
#include "check.h"
#include "control.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

static int parse(const char *text, size_t len, json_t **req, const char **op, const char **why)
{
    return px_control_parse((const uint8_t *)text, len, req, op, why);
}

static void test_framing(void)
{
    json_t *req;
    const char *op, *why;
    static const char full[] = "{\"op\": \"status\"}\n";
    /* every prefix before the newline waits for more */
    for (size_t n = 0; n < sizeof full - 1; n++) {
        CHECK_RC(parse(full, n, &req, &op, &why), PX_EAGAIN);
        CHECK(req == NULL && op == NULL);
    }
    CHECK_RC(parse(full, sizeof full - 1, &req, &op, &why), PX_OK);
    CHECK(req && op && strcmp(op, "status") == 0 && why == NULL);
    json_decref(req);
    /* what follows the first line is ignored: one request per connection */
    static const char two[] = "{\"op\": \"notify\"}\n{\"op\": \"stop\"}\ngarbage";
    CHECK_RC(parse(two, sizeof two - 1, &req, &op, &why), PX_OK);
    CHECK(op && strcmp(op, "notify") == 0);
    json_decref(req);
    /* other members stay in the request for the handler */
    static const char args[] = "{\"op\": \"holding\", \"author\": \"ab\", \"seq\": 3}\n";
    CHECK_RC(parse(args, sizeof args - 1, &req, &op, &why), PX_OK);
    CHECK(json_integer_value(json_object_get(req, "seq")) == 3);
    json_decref(req);
}

static void test_not_requests(void)
{
    static const char *const bad[] = {
        "\n",                       /* empty line */
        "status\n",                 /* not JSON */
        "[\"op\", \"status\"]\n",   /* not an object */
        "{\"op\": 7}\n",            /* op not a string */
        "{\"opx\": \"status\"}\n",  /* no op */
        "{\"op\": \"status\"\n",    /* cut */
        "{\"op\": \"status\"} x\n", /* trailing text on the line */
        "\"status\"\n",             /* a bare string */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *req = (json_t *)1;
        const char *op = "x", *why = NULL;
        CHECK_RC(parse(bad[i], strlen(bad[i]), &req, &op, &why), PX_EPROTO);
        CHECK(req == NULL && op == NULL);
        CHECK(why && strstr(why, "'op' string") != NULL);
    }
    /* a NUL inside the line is not JSON either */
    static const char nul[] = "{\"op\": \"st\0atus\"}\n";
    json_t *req;
    const char *op, *why;
    CHECK_RC(parse(nul, sizeof nul - 1, &req, &op, &why), PX_EPROTO);
    /* why may be NULL */
    CHECK_RC(px_control_parse((const uint8_t *)"x\n", 2, &req, &op, NULL), PX_EPROTO);
}

static void test_limit(void)
{
    size_t n = PX_CONTROL_REQUEST_MAX + 1;
    char *big = malloc(n);
    CHECK(big != NULL);
    if (!big)
        return;
    memset(big, ' ', n);
    memcpy(big, "{\"op\": \"status\"}", 16);
    json_t *req;
    const char *op, *why;
    /* at the limit without a newline: still waiting */
    CHECK_RC(parse(big, PX_CONTROL_REQUEST_MAX, &req, &op, &why), PX_EAGAIN);
    /* a byte more, newline or not: refused */
    CHECK_RC(parse(big, n, &req, &op, &why), PX_ETOOBIG);
    CHECK(req == NULL && why && strcmp(why, "request too large") == 0);
    big[n - 1] = '\n';
    CHECK_RC(parse(big, n, &req, &op, &why), PX_ETOOBIG);
    /* the same request within the limit (spaces are JSON whitespace) */
    big[PX_CONTROL_REQUEST_MAX - 1] = '\n';
    CHECK_RC(parse(big, PX_CONTROL_REQUEST_MAX, &req, &op, &why), PX_OK);
    json_decref(req);
    free(big);
}

int main(void)
{
    RUN(test_framing);
    RUN(test_not_requests);
    RUN(test_limit);
    return check_summary();
}
