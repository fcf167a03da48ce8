/*
 * Arena allocator: blocks chained in a list, freed together. A parsed policy lives in one arena,
 * so the model needs no per-object destructor and kluis_policy_free() cannot leak.
 */
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64u * 1024u)
#define ARENA_ALIGN 16u

struct arena_block {
    struct arena_block *next;
    size_t used;
    size_t size;
    _Alignas(16) unsigned char data[];
};

struct kluis_arena {
    struct arena_block *head;
};

struct kluis_arena *kluis__arena_new(void)
{
    return calloc(1, sizeof(struct kluis_arena));
}

void kluis__arena_free(struct kluis_arena *a)
{
    if (!a)
        return;
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void *kluis__arena_alloc(struct kluis_arena *a, size_t size)
{
    if (size > SIZE_MAX - ARENA_ALIGN - sizeof(struct arena_block))
        return NULL;
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (size == 0)
        size = ARENA_ALIGN;
    struct arena_block *b = a->head;
    if (!b || b->size - b->used < size) {
        size_t bsize = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        b = malloc(sizeof(struct arena_block) + bsize);
        if (!b)
            return NULL;
        b->size = bsize;
        b->used = 0;
        /* A block larger than the standard size holds one object: keep the current block in
         * front so its free space is still used. */
        if (bsize > ARENA_BLOCK && a->head) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

void *kluis__arena_array(struct kluis_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return kluis__arena_alloc(a, n * size);
}

char *kluis__arena_strndup(struct kluis_arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = kluis__arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *kluis__arena_strdup(struct kluis_arena *a, const char *s)
{
    return kluis__arena_strndup(a, s, strlen(s));
}

char *kluis__arena_printf(struct kluis_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = kluis__arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
