/*
 * Bounded dynamic buffer. The maximum is set at creation so that no input can make kluis
 * allocate without bound; a failure is sticky, so a chain of appends needs one check.
 */
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kluis__buf_init(struct kluis_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max ? max : KLUIS_BUF_DEFAULT_MAX;
}

void kluis__buf_free(struct kluis_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void kluis__buf_reset(struct kluis_buf *b)
{
    b->len = 0;
    b->rc = KLUIS_OK;
    if (b->data)
        b->data[0] = '\0';
}

static bool buf_reserve(struct kluis_buf *b, size_t extra)
{
    if (b->rc != KLUIS_OK)
        return false;
    if (extra > b->max || b->len > b->max - extra) {
        b->rc = KLUIS_ETOOBIG;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->rc = KLUIS_ENOMEM;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void kluis__buf_append(struct kluis_buf *b, const void *data, size_t len)
{
    if (!buf_reserve(b, len))
        return;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void kluis__buf_puts(struct kluis_buf *b, const char *s)
{
    kluis__buf_append(b, s, strlen(s));
}

void kluis__buf_putc(struct kluis_buf *b, char c)
{
    kluis__buf_append(b, &c, 1);
}

void kluis__buf_vprintf(struct kluis_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        if (b->rc == KLUIS_OK)
            b->rc = KLUIS_EINVAL;
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void kluis__buf_printf(struct kluis_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kluis__buf_vprintf(b, fmt, ap);
    va_end(ap);
}

kluis_rc kluis__buf_rc(const struct kluis_buf *b)
{
    return b->rc;
}

kluis_rc kluis__buf_steal(struct kluis_buf *b, char **out_text, size_t *out_len)
{
    if (b->rc != KLUIS_OK) {
        kluis_rc rc = b->rc;
        kluis__buf_free(b);
        return rc;
    }
    if (!b->data && !buf_reserve(b, 0))
        return b->rc;
    if (!b->data) {
        b->data = malloc(1);
        if (!b->data)
            return KLUIS_ENOMEM;
        b->data[0] = '\0';
    }
    *out_text = b->data;
    if (out_len)
        *out_len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return KLUIS_OK;
}
