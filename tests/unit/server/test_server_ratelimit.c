/*
 * The rate limiter of kluis serve (src/server/server_ratelimit.c): bursts, refill, Retry-After,
 * independent callers, a table that never grows, and exact counts under threads. The clock is
 * passed in, so nothing here sleeps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "server/server_ratelimit.h"

#define MS (1000000LL)
#define S  (1000000000LL)
#define T0 (123 * S)

static struct kluis__limit_id id_of(unsigned n)
{
    struct kluis__limit_id id;
    memset(&id, 0, sizeof(id));
    memcpy(id.b, &n, sizeof(n));
    return id;
}

/* How many of n requests at now are allowed. */
static unsigned burst_at(struct kluis__limiter *l, unsigned who, int64_t now, unsigned n)
{
    struct kluis__limit_id id = id_of(who);
    unsigned ok = 0;
    for (unsigned i = 0; i < n; i++)
        ok += kluis__limiter_admit(l, &id, now, true, NULL);
    return ok;
}

static void test_burst_then_refill(void **state)
{
    (void)state;
    struct kluis__limiter *l = kluis__limiter_new(2, 3, 64); /* 2 a second, bursts of 3 */
    assert_non_null(l);
    assert_int_equal(burst_at(l, 1, T0, 10), 3);
    struct kluis__limit_id id = id_of(1);
    unsigned retry = 0;
    assert_false(kluis__limiter_admit(l, &id, T0, true, &retry));
    assert_int_equal(retry, 1); /* 0.5 s, rounded up to whole seconds */
    /* One token back every 0.5 s; not before. */
    assert_false(kluis__limiter_admit(l, &id, T0 + 499 * MS, true, &retry));
    assert_true(kluis__limiter_admit(l, &id, T0 + 500 * MS, true, NULL));
    assert_false(kluis__limiter_admit(l, &id, T0 + 500 * MS, true, NULL));
    /* A long pause fills the bucket, to the burst and no further. */
    assert_int_equal(burst_at(l, 1, T0 + 3600 * S, 10), 3);
    kluis__limiter_free(l);
}

static void test_retry_after_counts_the_wait(void **state)
{
    (void)state;
    struct kluis__limiter *l = kluis__limiter_new(1, 5, 64);
    assert_int_equal(burst_at(l, 7, T0, 5), 5);
    struct kluis__limit_id id = id_of(7);
    unsigned retry = 0;
    assert_false(kluis__limiter_admit(l, &id, T0 + 200 * MS, true, &retry));
    assert_int_equal(retry, 1); /* 0.8 s */
    kluis__limiter_free(l);
    /* 1 a second, burst 1, after 1 request: a second. A slower rate is impossible (1 is the
     * least), so a wait of more than a second needs a deficit: none accrues, refusals are free. */
    l = kluis__limiter_new(1, 1, 64);
    assert_true(kluis__limiter_admit(l, &id, T0, true, NULL));
    for (int i = 0; i < 100; i++)
        assert_false(kluis__limiter_admit(l, &id, T0, true, &retry));
    assert_int_equal(retry, 1);
    assert_true(kluis__limiter_admit(l, &id, T0 + S, true, NULL));
    kluis__limiter_free(l);
}

static void test_look_without_taking(void **state)
{
    (void)state;
    struct kluis__limiter *l = kluis__limiter_new(1, 2, 64);
    struct kluis__limit_id id = id_of(3);
    for (int i = 0; i < 10; i++)
        assert_true(kluis__limiter_admit(l, &id, T0, false, NULL)); /* looks, counts nothing */
    assert_int_equal(burst_at(l, 3, T0, 5), 2);
    unsigned retry = 0;
    assert_false(kluis__limiter_admit(l, &id, T0, false, &retry));
    assert_int_equal(retry, 1);
    kluis__limiter_free(l);
}

static void test_callers_are_independent(void **state)
{
    (void)state;
    struct kluis__limiter *l = kluis__limiter_new(10, 4, 64);
    assert_int_equal(burst_at(l, 1, T0, 10), 4);
    assert_int_equal(burst_at(l, 2, T0, 10), 4);
    assert_int_equal(burst_at(l, 1, T0, 10), 0);
    /* Ids differing only in their last byte (addresses of one family) are different callers. */
    struct kluis__limit_id a = id_of(9), b = id_of(9);
    b.b[15] = 1;
    for (int i = 0; i < 4; i++)
        assert_true(kluis__limiter_admit(l, &a, T0, true, NULL));
    assert_false(kluis__limiter_admit(l, &a, T0, true, NULL));
    assert_true(kluis__limiter_admit(l, &b, T0, true, NULL));
    kluis__limiter_free(l);
}

static void test_table_is_bounded(void **state)
{
    (void)state;
    struct kluis__limiter *l = kluis__limiter_new(1, 1, 16);
    /* Many more callers than slots, each once, all at once: every one is allowed (a fresh
     * bucket), and the table makes room by evicting buckets that still counted. */
    for (unsigned i = 0; i < 10000; i++)
        assert_int_equal(burst_at(l, 1000 + i, T0, 1), 1);
    uint64_t evicted = kluis__limiter_evictions(l);
    assert_true(evicted >= 10000 - 16);
    /* A second later every bucket is full again: evicting one costs nothing, and is not
     * counted. */
    for (unsigned i = 0; i < 10000; i++)
        assert_int_equal(burst_at(l, 50000 + i, T0 + 2 * S, 1), 1);
    assert_int_equal(kluis__limiter_evictions(l), evicted + (10000 - 16));
    /* A caller still finds its own bucket among a few others. */
    assert_int_equal(burst_at(l, 77, T0 + 10 * S, 1), 1);
    assert_int_equal(burst_at(l, 78, T0 + 10 * S, 1), 1);
    assert_int_equal(burst_at(l, 77, T0 + 10 * S, 1), 0);
    kluis__limiter_free(l);
}

struct hammer {
    struct kluis__limiter *l;
    unsigned allowed;
};

static void *hammer_run(void *arg)
{
    struct hammer *h = arg;
    struct kluis__limit_id id = id_of(5);
    for (int i = 0; i < 20000; i++)
        h->allowed += kluis__limiter_admit(h->l, &id, T0, true, NULL);
    return NULL;
}

static void test_threads_take_exactly_the_burst(void **state)
{
    (void)state;
    struct kluis__limiter *l = kluis__limiter_new(1, 1000, 64);
    struct hammer h[4] = {{l, 0}, {l, 0}, {l, 0}, {l, 0}};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer_run, &h[i]), 0);
    unsigned total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        total += h[i].allowed;
    }
    assert_int_equal(total, 1000);
    kluis__limiter_free(l);
}

static void test_bad_config(void **state)
{
    (void)state;
    assert_null(kluis__limiter_new(0, 10, 16));
    assert_null(kluis__limiter_new(1000001, 10, 16));
    kluis__limiter_free(NULL);
    /* Burst 0 is taken as 1. */
    struct kluis__limiter *l = kluis__limiter_new(5, 0, 16);
    assert_int_equal(burst_at(l, 1, T0, 3), 1);
    kluis__limiter_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refill),
        cmocka_unit_test(test_retry_after_counts_the_wait),
        cmocka_unit_test(test_look_without_taking),
        cmocka_unit_test(test_callers_are_independent),
        cmocka_unit_test(test_table_is_bounded),
        cmocka_unit_test(test_threads_take_exactly_the_burst),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
