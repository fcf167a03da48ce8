/*
 * What the engine tests share: a store and its key store in /tmp, opened on a backend (a faulty
 * one for atomicity tests) for the test's policy, with the clock at t0.
 */
#ifndef KLUIS_TEST_ENGINE_FIXTURE_H
#define KLUIS_TEST_ENGINE_FIXTURE_H

#include <stdio.h>
#include <unistd.h>

#include "kluis/kluis.h"

static struct kluis_policy *policy;
static char db_path[256];
static int64_t t0;

/* Removes the store, its key store and their side files. */
static void remove_db(void)
{
    const char *suffixes[] = {"", "-wal", "-shm", ".keys", ".keys-wal", ".keys-shm"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char p[300];
        snprintf(p, sizeof(p), "%s%s", db_path, suffixes[i]);
        unlink(p);
    }
}

/* The engine on the test store, or NULL when opening fails (a fault may be injected there). */
static struct kluis_engine *try_open(const struct kluis_store_backend *be)
{
    struct kluis_store *s = NULL;
    struct kluis_keys *k = NULL;
    char keys_path[300];
    snprintf(keys_path, sizeof(keys_path), "%s.keys", db_path);
    if (kluis_keys_open(keys_path, &k, NULL) != KLUIS_OK)
        return NULL;
    if (kluis_store_open_backend(be, db_path, kluis_keys_keyring(k), &s, NULL) != KLUIS_OK) {
        kluis_keys_close(k);
        return NULL;
    }
    struct kluis_engine *e = NULL;
    if (kluis_engine_open_store(policy, k, s, &e, NULL) != KLUIS_OK)
        return NULL;
    kluis_engine_set_now(e, t0);
    return e;
}

#endif /* KLUIS_TEST_ENGINE_FIXTURE_H */
