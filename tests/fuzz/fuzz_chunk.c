/*
 * Fuzz target: the decoder of audit-log chunks (src/store/audit_chunk.c), which reads bytes of a
 * store file that may have been edited behind kluis's back. Any input is decoded entry by entry:
 * nothing may read out of bounds or loop, every decoded field must lie inside the input, and
 * whatever decodes must encode back to exactly the bytes it came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    struct kluis__chunk_entry e;
    uint8_t *again = malloc(size + 1);
    if (!again)
        return 0;
    int got;
    size_t entries = 0;
    while ((got = kluis__chunk_entry_next(&p, end, &e)) == 1) {
        if (e.tenant && ((const uint8_t *)e.tenant < data ||
                         (const uint8_t *)e.tenant + e.tenant_len > end || e.tenant_len == 0 ||
                         e.tenant_len > KLUIS_TENANT_MAX || memchr(e.tenant, 0, e.tenant_len)))
            abort();
        if (e.body && (e.body < data || e.body + e.body_len > end))
            abort();
        size_t n = kluis__chunk_entry_size(e.tenant_len, e.body != NULL, e.body_len);
        if (n > size)
            abort();
        if (kluis__chunk_entry_put(again, &e) != n || memcmp(again, p - n, n) != 0)
            abort();
        if (++entries > size)
            abort(); /* every entry takes at least 9 bytes: no loop without progress */
    }
    if (got == 0 && p != end)
        abort();
    free(again);
    return 0;
}
