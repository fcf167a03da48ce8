/*
 * kluis — the HTTP JSON API (kluis serve): the engine behind libmicrohttpd.
 *
 * Every route but /healthz needs a bearer API key (engine.h: kluis_apikey_*); the tenant and the
 * principal come from the key only. Routes, roles and bodies are listed in docs/openapi.yaml,
 * which a test holds against kluis_server_routes().
 *
 * The engine is used by one thread at a time: the server's worker threads take turns on it (an
 * engine call is short; SQLite has one writer anyway). A response is sent only after the
 * transaction it reports, audit entry included, has committed.
 */
#ifndef KLUIS_SERVER_H
#define KLUIS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kluis/engine.h"
#include "kluis/error.h"
#include "kluis/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kluis_server_config {
    const char *listen;      /* "HOST:PORT" ("[::1]:8080"); port 0 picks a free one */
    bool allow_plain_remote; /* plain HTTP on a non-loopback address (behind a TLS proxy) */
    const char *tls_cert;    /* PEM files: HTTPS with HSTS when both are given */
    const char *tls_key;
    size_t body_max;          /* bytes of a request body; 0: 1 MiB */
    unsigned threads;         /* worker threads; 0: 4 */
    unsigned connections_max; /* 0: 256 */
    unsigned timeout_s;       /* idle connection timeout; 0: 30 */
    /* Rate limits (429 with Retry-After): each API key may make rate_limit requests a second in
     * bursts of rate_burst, and so may each client address (IPv6: each /64) in requests without
     * a valid key; an address over its limit is refused before its key is looked at. */
    unsigned rate_limit; /* requests a second, 1 to 1000000; 0: 1000 */
    unsigned rate_burst; /* 0: twice rate_limit */
    bool rate_limit_off; /* no rate limits */
    bool fixed_clock;    /* keep the engine's clock (tests, demos); else the real time */
    FILE *log;           /* JSON access and error log lines (no personal data); NULL: none */
};

struct kluis_server;

/*
 * Starts serving engine e (with policy p) in background threads. Refused (KLUIS_EREFUSED): plain
 * HTTP on an address that is not loopback unless allow_plain_remote. Errors: KLUIS_EINVAL (bad
 * listen address), KLUIS_EIO (cannot bind, cannot read the TLS files).
 */
kluis_rc kluis_server_start(struct kluis_engine *e, const struct kluis_policy *p,
                            const struct kluis_server_config *config,
                            struct kluis_server **out_server, struct kluis_err *err);
/* The port it listens on. */
uint16_t kluis_server_port(const struct kluis_server *s);
/* Stops accepting, lets in-flight requests finish (at most grace_s seconds), then stops. */
void kluis_server_stop(struct kluis_server *s, unsigned grace_s);

/* The routes, for docs and the test that holds docs/openapi.yaml to them. */
struct kluis_route_info {
    const char *method;
    const char *path;  /* "/v1/records/{id}" */
    const char *roles; /* "app", "dpo admin", "public", "operator" … */
};
const struct kluis_route_info *kluis_server_routes(size_t *out_n);

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_SERVER_H */
