/*
 * server — internal header: the connection plumbing (server.c) and the routes (server_routes.c).
 * The contract is include/kluis/server.h.
 */
#ifndef KLUIS_SERVER_INTERNAL_H
#define KLUIS_SERVER_INTERNAL_H

#include <jansson.h>
#include <pthread.h>

#include "kluis/kluis.h"
#include "kluis/server.h"
#include "server/server_ratelimit.h"

/* Who may call a route: role bits, and whether the key must be bound to a tenant. */
enum {
    R_APP = 1u << KLUIS_KEY_APP,
    R_APPROVER = 1u << KLUIS_KEY_APPROVER,
    R_DPO = 1u << KLUIS_KEY_DPO,
    R_ADMIN = 1u << KLUIS_KEY_ADMIN,
    R_ANY = R_APP | R_APPROVER | R_DPO | R_ADMIN,
};
enum scope {
    SCOPE_PUBLIC,   /* no key */
    SCOPE_TENANT,   /* a tenant's key */
    SCOPE_OPERATOR, /* an operator's key */
    SCOPE_EITHER,   /* either; an operator names the tenant where one is needed */
};

struct call;
typedef void (*route_fn)(struct call *c);

struct route {
    const char *method;
    const char *path;
    unsigned roles;
    enum scope scope;
    route_fn fn;
};

/* The route table (server_routes.c). */
extern const struct route kluis__routes[];
extern const size_t kluis__n_routes;

#define MAX_PARAMS 2
#define N_BUCKETS  12

struct kluis_server {
    struct kluis_engine *e;
    const struct kluis_policy *p;
    struct kluis_server_config cfg;
    pthread_mutex_t lock; /* the engine: one thread at a time */
    struct MHD_Daemon *d;
    uint16_t port;
    bool tls;
    char *cert, *key;
    /* metrics, under mlock */
    pthread_mutex_t mlock;
    uint64_t *counts; /* [route][status class 1..5], route kluis__n_routes: no route */
    uint64_t hist[N_BUCKETS + 1];
    double latency_sum;
    uint64_t latency_n;
    uint64_t purged;
    uint64_t limited_key, limited_address; /* requests answered 429 */
    /* rate limits (NULL when off): by API key id, and by client address for requests without a
     * valid key; each has its own lock */
    struct kluis__limiter *by_key, *by_address;
    /* shutdown */
    bool stopping;
    unsigned in_flight; /* requests begun and not completed */
};

/* One HTTP request. */
struct call {
    struct kluis_server *s;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    const struct route *route;
    size_t route_index;
    char *body;
    size_t len, cap;
    bool too_big;
    size_t dropped; /* bytes of a body over the limit, read and dropped */
    json_t *json;   /* the body, parsed (NULL when empty) */
    struct kluis_principal who;
    char params[MAX_PARAMS][160];
    /* the response */
    unsigned status;
    char *resp;
    size_t resp_len;
    const char *ctype;
    const char *error_code; /* for the log */
    bool counted;           /* in in_flight */
    bool close;             /* answer with Connection: close */
    unsigned retry_after_s; /* a 429's Retry-After */
    double started;
};

/* Responses (server.c). Each takes ownership of what it is given. */
void kluis__reply_json(struct call *c, unsigned status, json_t *o);
void kluis__reply_text(struct call *c, unsigned status, const char *ctype, char *text, size_t len);
void kluis__reply_error(struct call *c, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The status of an engine error, and its message when it is safe to show (else a generic one). */
void kluis__reply_rc(struct call *c, kluis_rc rc, const struct kluis_err *err);
/* The Prometheus text of the server's metrics (server.c), malloc'd into *out_text: the HTTP
 * counters and the engine's gauges (records, request deadlines). Reads the engine: call it with
 * the engine's lock held (a route handler). */
kluis_rc kluis__metrics_text(struct kluis_server *s, char **out_text, size_t *out_len,
                             struct kluis_err *err);
/* A query argument, or NULL. */
const char *kluis__query(struct call *c, const char *name);

#endif /* KLUIS_SERVER_INTERNAL_H */
