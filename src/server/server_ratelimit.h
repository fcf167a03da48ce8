/*
 * server — rate limits (server_ratelimit.c): token buckets in a fixed-size table, one table per
 * kind of caller (API keys; client addresses that send no valid key). The server's use of them is
 * in server.c and docs/internals/server.md.
 */
#ifndef KLUIS_SERVER_RATELIMIT_H
#define KLUIS_SERVER_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kluis__limiter;

/* Whom a bucket counts: 16 bytes (a key's id; an address family and address). */
struct kluis__limit_id {
    uint8_t b[16];
};

/*
 * A table of n_slots buckets (rounded up to a power of two, at least 16; it never grows), each
 * allowing rate_per_s requests a second (1 to 1000000) in bursts of up to burst (at least 1).
 * NULL when out of memory or given a rate of 0. Free with kluis__limiter_free() (NULL allowed).
 */
struct kluis__limiter *kluis__limiter_new(unsigned rate_per_s, unsigned burst, size_t n_slots);
void kluis__limiter_free(struct kluis__limiter *l);

/*
 * One request of id at now_ns (nanoseconds of a monotonic clock; callers pass the time, so that
 * tests need not sleep). Returns true when id's bucket allows it, and with take counts it; false
 * when id is over its limit, with *out_retry_s the whole seconds (at least 1) until its bucket
 * allows one again. Without take it only looks. Thread-safe.
 */
bool kluis__limiter_admit(struct kluis__limiter *l, const struct kluis__limit_id *id,
                          int64_t now_ns, bool take, unsigned *out_retry_s);

/*
 * How many buckets were given to another caller while they still counted requests: when the
 * table is full, the bucket closest to full in a probe window makes room, and its caller starts
 * again with a full one. A count that grows says the table is too small for the callers.
 */
uint64_t kluis__limiter_evictions(struct kluis__limiter *l);

#endif /* KLUIS_SERVER_RATELIMIT_H */
