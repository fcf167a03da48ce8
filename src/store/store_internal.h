/*
 * store — internal header of the store part: what its files share. The contract for the rest
 * of kluis is include/kluis/store.h.
 */
#ifndef KLUIS_STORE_INTERNAL_H
#define KLUIS_STORE_INTERNAL_H

#include "kluis/retention.h"
#include "kluis/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kluis_store {
    const struct kluis_store_backend *backend;
    void *obj;
};

/*
 * Audit-log chunks (audit_chunk.c). The SQLite backend keeps the entries one transaction appends
 * together, at most KLUIS__CHUNK_MAX of them per row: a blob of their leaf hashes and a blob of
 * the entries, each encoded as
 *
 *     flags (1 byte: 1 tenant, 2 body) | at (8 bytes, little-endian, two's complement)
 *     [tenant length (1 byte, 1..KLUIS_TENANT_MAX) | tenant bytes (no NUL)]
 *     [body length (4 bytes, little-endian) | body bytes]
 *
 * The decoder reads bytes of a store file that may have been edited behind kluis's back: it
 * checks every length and refuses what kluis never writes (docs/internals/store.md).
 */
#define KLUIS__CHUNK_MAX   256        /* entries per chunk */
#define KLUIS__CHUNK_BYTES (1u << 20) /* encoded bytes after which a chunk is closed early */

struct kluis__chunk_entry {
    int64_t at;
    const char *tenant; /* not NUL-terminated; NULL: the operator's */
    size_t tenant_len;
    const uint8_t *body; /* NULL: pruned */
    size_t body_len;
};

/* Bytes the encoding of an entry takes. */
size_t kluis__chunk_entry_size(size_t tenant_len, bool has_body, size_t body_len);

/* Encodes an entry at out (kluis__chunk_entry_size bytes); returns the bytes written. */
size_t kluis__chunk_entry_put(uint8_t *out, const struct kluis__chunk_entry *e);

/* Reads the next entry from *p (up to end): 1 with *e filled and *p moved on, 0 at end, -1 when
 * the bytes are not an entry kluis writes. */
int kluis__chunk_entry_next(const uint8_t **p, const uint8_t *end, struct kluis__chunk_entry *e);

#endif /* KLUIS_STORE_INTERNAL_H */
