/*
 * util — the bottom part: bounded buffers, arenas, text helpers. Internal to the library; every
 * other part may use it, it uses no other part.
 *
 * Allocation failures are reported, never ignored: a buffer remembers that it failed (like curl's
 * dynbuf) so that long chains of appends need one check at the end.
 */
#ifndef KLUIS_UTIL_H
#define KLUIS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kluis/error.h"

/* ---- Bounded dynamic buffer ------------------------------------------------------------- */

/*
 * A growable byte buffer with a maximum size set at creation. Appending past the maximum or
 * running out of memory puts the buffer in a failed state: later appends do nothing and
 * kluis__buf_rc() reports KLUIS_ETOOBIG or KLUIS_ENOMEM. The content is always NUL-terminated.
 */
struct kluis_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    kluis_rc rc;
};

#define KLUIS_BUF_DEFAULT_MAX (64u * 1024u * 1024u)

void kluis__buf_init(struct kluis_buf *b, size_t max);
void kluis__buf_free(struct kluis_buf *b);
void kluis__buf_reset(struct kluis_buf *b);
void kluis__buf_append(struct kluis_buf *b, const void *data, size_t len);
void kluis__buf_puts(struct kluis_buf *b, const char *s);
void kluis__buf_putc(struct kluis_buf *b, char c);
void kluis__buf_printf(struct kluis_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kluis__buf_vprintf(struct kluis_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
kluis_rc kluis__buf_rc(const struct kluis_buf *b);

/*
 * Hands the content to the caller (malloc'd, NUL-terminated) and leaves the buffer empty.
 * Returns KLUIS_OK, or the buffer's failure (then nothing is handed over and it is freed).
 */
kluis_rc kluis__buf_steal(struct kluis_buf *b, char **out_text, size_t *out_len);

/* ---- Arena ------------------------------------------------------------------------------ */

/*
 * An arena: many allocations, freed together. Used for a parsed policy (everything the model
 * points to) and other units of work. Allocations are 16-byte aligned and zeroed.
 */
struct kluis_arena;

struct kluis_arena *kluis__arena_new(void);
void kluis__arena_free(struct kluis_arena *a);                /* NULL allowed */
void *kluis__arena_alloc(struct kluis_arena *a, size_t size); /* NULL when out of memory */
void *kluis__arena_array(struct kluis_arena *a, size_t n, size_t size); /* overflow-checked */
char *kluis__arena_strndup(struct kluis_arena *a, const char *s, size_t len);
char *kluis__arena_strdup(struct kluis_arena *a, const char *s);
char *kluis__arena_printf(struct kluis_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- Text ------------------------------------------------------------------------------- */

/* True when the len bytes at s are valid UTF-8 (no overlongs, no surrogates). */
bool kluis__utf8_valid(const char *s, size_t len);

/*
 * Escapers append s to b:
 *   md:   every ASCII punctuation character Markdown could read as syntax is backslash-escaped,
 *         newlines become spaces — the text reads the same and can never become markup;
 *   html: & < > " ' as entities;
 *   csv:  one RFC 4180 field (quoted when it holds , " CR LF, quotes doubled).
 */
void kluis__buf_md(struct kluis_buf *b, const char *s);
void kluis__buf_html(struct kluis_buf *b, const char *s);
void kluis__buf_csv(struct kluis_buf *b, const char *s);

/* Levenshtein distance between two short strings (capped: returns cap+1 when larger). */
size_t kluis__edit_distance(const char *a, const char *b, size_t cap);

/* Reads a whole file, at most max bytes. Errors: KLUIS_EIO, KLUIS_ETOOBIG, KLUIS_ENOMEM. */
kluis_rc kluis__read_file(const char *path, size_t max, char **out_data, size_t *out_len,
                          struct kluis_err *err);

#endif /* KLUIS_UTIL_H */
