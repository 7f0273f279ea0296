/* SPDX-License-Identifier: Apache-2.0 */
/*
 * px_resolv_shim.c — an LD_PRELOAD library for tests: the host name
 * "dualstack.praxis.test" resolves to 127.0.0.1 first and ::1 second (as
 * "localhost" does on many machines, in one order or the other), so a test
 * can check that a dialler tries every address a name resolves to. Every
 * other name goes to the C library's resolver.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char NAME[] = "dualstack.praxis.test";

/* Our lists are one allocation, recognised by this canonical name. */
static char marker[] = "px-resolv-shim";

typedef struct two {
    struct addrinfo ai[2];
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} two;

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    if (!node || strcmp(node, NAME) != 0) {
        int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **) =
            (int (*)(const char *, const char *, const struct addrinfo *, struct addrinfo **))dlsym(
                RTLD_NEXT, "getaddrinfo");
        return real ? real(node, service, hints, res) : EAI_FAIL;
    }
    long port = service ? strtol(service, NULL, 10) : 0;
    two *t = calloc(1, sizeof *t);
    if (!t)
        return EAI_MEMORY;
    t->v4.sin_family = AF_INET;
    t->v4.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &t->v4.sin_addr);
    t->v6.sin6_family = AF_INET6;
    t->v6.sin6_port = htons((uint16_t)port);
    inet_pton(AF_INET6, "::1", &t->v6.sin6_addr);
    for (int i = 0; i < 2; i++) {
        t->ai[i].ai_socktype = SOCK_STREAM;
        t->ai[i].ai_protocol = IPPROTO_TCP;
        t->ai[i].ai_canonname = i == 0 ? marker : NULL;
    }
    t->ai[0].ai_family = AF_INET;
    t->ai[0].ai_addr = (struct sockaddr *)&t->v4;
    t->ai[0].ai_addrlen = sizeof t->v4;
    t->ai[0].ai_next = &t->ai[1];
    t->ai[1].ai_family = AF_INET6;
    t->ai[1].ai_addr = (struct sockaddr *)&t->v6;
    t->ai[1].ai_addrlen = sizeof t->v6;
    *res = &t->ai[0];
    return 0;
}

void freeaddrinfo(struct addrinfo *res)
{
    if (res && res->ai_canonname == marker) {
        free(res); /* the first member of one allocation */
        return;
    }
    void (*real)(struct addrinfo *) = (void (*)(struct addrinfo *))dlsym(RTLD_NEXT, "freeaddrinfo");
    if (real)
        real(res);
}
