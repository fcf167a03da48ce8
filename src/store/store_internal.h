/*
 * store — internal header of the store part: what its files share. The contract for the rest
 * of kluis is include/kluis/store.h.
 */
#ifndef KLUIS_STORE_INTERNAL_H
#define KLUIS_STORE_INTERNAL_H

#include "kluis/retention.h"
#include "kluis/store.h"

struct kluis_store {
    const struct kluis_store_backend *backend;
    void *obj;
};

#endif /* KLUIS_STORE_INTERNAL_H */
