/*
 * Rate limits as token buckets, kept the GCRA way: a bucket is one number, the "theoretical
 * arrival time" (tat) at which it would be full again. A request at now is allowed when
 * tat - now <= (burst - 1) × T, T being 1/rate; it then moves tat to max(tat, now) + T. That is a
 * token bucket of burst tokens refilled at rate (the same decisions), without a refill step and
 * in 24 bytes a bucket.
 *
 * The table is fixed at creation: open addressing with a probe window of WINDOW slots from a
 * keyed hash of the id (the key is random per table, so that nobody can choose ids that crowd one
 * window). A bucket whose tat has passed is full, so forgetting it changes nothing; when an id
 * finds neither its bucket nor a free slot in its window, the bucket with the smallest tat there
 * (the closest to full) makes room. Memory never grows with the number of callers; what a full
 * table costs is counted (kluis__limiter_evictions).
 */
#include "server/server_ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#define WINDOW 8
#define NS     1000000000LL

struct slot {
    struct kluis__limit_id id;
    int64_t tat; /* 0: free */
};

struct kluis__limiter {
    pthread_mutex_t lock;
    struct slot *slots;
    size_t mask; /* slots - 1 */
    int64_t interval_ns;
    int64_t tolerance_ns; /* (burst - 1) × interval */
    uint64_t hash_key[2];
    uint64_t evictions;
};

static uint64_t mix(uint64_t x)
{
    /* splitmix64's finaliser */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static size_t slot_of(const struct kluis__limiter *l, const struct kluis__limit_id *id)
{
    uint64_t a, b;
    memcpy(&a, id->b, 8);
    memcpy(&b, id->b + 8, 8);
    return (size_t)(mix(mix(a ^ l->hash_key[0]) ^ b ^ l->hash_key[1]) & l->mask);
}

struct kluis__limiter *kluis__limiter_new(unsigned rate_per_s, unsigned burst, size_t n_slots)
{
    if (rate_per_s == 0 || rate_per_s > 1000000)
        return NULL;
    size_t n = 16;
    while (n < n_slots && n < ((size_t)1 << 24))
        n *= 2;
    struct kluis__limiter *l = calloc(1, sizeof(*l));
    if (!l || !(l->slots = calloc(n, sizeof(*l->slots)))) {
        free(l);
        return NULL;
    }
    l->mask = n - 1;
    l->interval_ns = NS / rate_per_s;
    l->tolerance_ns = (int64_t)(burst ? burst - 1 : 0) * l->interval_ns;
    if (RAND_bytes((unsigned char *)l->hash_key, sizeof(l->hash_key)) != 1) {
        /* Without randomness the table still works; its windows are only predictable. */
        l->hash_key[0] = 0x6b6c756973ULL;
        l->hash_key[1] = (uint64_t)(uintptr_t)l;
    }
    pthread_mutex_init(&l->lock, NULL);
    return l;
}

void kluis__limiter_free(struct kluis__limiter *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->lock);
    free(l->slots);
    free(l);
}

bool kluis__limiter_admit(struct kluis__limiter *l, const struct kluis__limit_id *id,
                          int64_t now_ns, bool take, unsigned *out_retry_s)
{
    /* 0 marks a free slot: a clock at 0 (or before) counts from 1. */
    if (now_ns < 1)
        now_ns = 1;
    size_t start = slot_of(l, id);
    pthread_mutex_lock(&l->lock);
    struct slot *found = NULL, *room = NULL;
    for (size_t i = 0; i < WINDOW; i++) {
        struct slot *s = &l->slots[(start + i) & l->mask];
        if (s->tat && memcmp(&s->id, id, sizeof(*id)) == 0) {
            found = s;
            break;
        }
        if (!room || s->tat < room->tat)
            room = s; /* free (0) first, then the fullest bucket */
    }
    int64_t tat = found && found->tat > now_ns ? found->tat : now_ns;
    int64_t over = tat - now_ns - l->tolerance_ns;
    bool allowed = over <= 0;
    if (allowed && take) {
        if (!found) {
            if (room->tat > now_ns)
                l->evictions++;
            found = room;
            found->id = *id;
        }
        found->tat = tat + l->interval_ns;
    }
    pthread_mutex_unlock(&l->lock);
    if (!allowed && out_retry_s) {
        int64_t s = (over + NS - 1) / NS;
        *out_retry_s = s < 1 ? 1 : s > 86400 ? 86400 : (unsigned)s;
    }
    return allowed;
}

uint64_t kluis__limiter_evictions(struct kluis__limiter *l)
{
    pthread_mutex_lock(&l->lock);
    uint64_t n = l->evictions;
    pthread_mutex_unlock(&l->lock);
    return n;
}
