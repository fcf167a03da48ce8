/*
 * The encoding of audit-log entries inside a chunk (store_internal.h). Pure: no store, no
 * allocation. The decoder is fuzzed (tests/fuzz/fuzz_chunk.c).
 */
#include "store/store_internal.h"

#include <string.h>

#define F_TENANT 1u
#define F_BODY   2u

size_t kluis__chunk_entry_size(size_t tenant_len, bool has_body, size_t body_len)
{
    return 1 + 8 + (tenant_len ? 1 + tenant_len : 0) + (has_body ? 4 + body_len : 0);
}

size_t kluis__chunk_entry_put(uint8_t *out, const struct kluis__chunk_entry *e)
{
    uint8_t *p = out;
    *p++ = (uint8_t)((e->tenant && e->tenant_len ? F_TENANT : 0) | (e->body ? F_BODY : 0));
    uint64_t at = (uint64_t)e->at;
    for (int i = 0; i < 8; i++)
        *p++ = (uint8_t)(at >> (8 * i));
    if (e->tenant && e->tenant_len) {
        *p++ = (uint8_t)e->tenant_len;
        memcpy(p, e->tenant, e->tenant_len);
        p += e->tenant_len;
    }
    if (e->body) {
        uint32_t n = (uint32_t)e->body_len;
        for (int i = 0; i < 4; i++)
            *p++ = (uint8_t)(n >> (8 * i));
        if (n)
            memcpy(p, e->body, n);
        p += n;
    }
    return (size_t)(p - out);
}

int kluis__chunk_entry_next(const uint8_t **pp, const uint8_t *end, struct kluis__chunk_entry *e)
{
    const uint8_t *p = *pp;
    if (p == end)
        return 0;
    if (end - p < 9)
        return -1;
    uint8_t flags = *p++;
    if (flags & ~(F_TENANT | F_BODY))
        return -1;
    uint64_t at = 0;
    for (int i = 0; i < 8; i++)
        at |= (uint64_t)*p++ << (8 * i);
    e->at = (int64_t)at;
    e->tenant = NULL;
    e->tenant_len = 0;
    e->body = NULL;
    e->body_len = 0;
    if (flags & F_TENANT) {
        if (p == end)
            return -1;
        size_t n = *p++;
        if (n == 0 || n > KLUIS_TENANT_MAX || (size_t)(end - p) < n || memchr(p, 0, n))
            return -1;
        e->tenant = (const char *)p;
        e->tenant_len = n;
        p += n;
    }
    if (flags & F_BODY) {
        if (end - p < 4)
            return -1;
        uint32_t n = 0;
        for (int i = 0; i < 4; i++)
            n |= (uint32_t)*p++ << (8 * i);
        if ((size_t)(end - p) < n)
            return -1;
        e->body = p;
        e->body_len = n;
        p += n;
    }
    *pp = p;
    return 1;
}
