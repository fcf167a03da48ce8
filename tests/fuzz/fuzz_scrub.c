/*
 * Fuzz target: the scrubber. Any bytes, in every mode, must give without a crash, a hang or a
 * leak:
 *   - spans sorted, not overlapping, inside the text, none starting in the context;
 *   - an output no longer than KLUIS_SCRUB_OUT_MAX, equal to the input outside the spans, each
 *     span replaced as its mode says ("[TYPE]", "<TYPE:hhhhhh>", or the shape kept);
 *   - valid UTF-8 out whenever the input is valid UTF-8;
 *   - the same output for the same input (pseudonyms are deterministic).
 * The first byte chooses the mode, strictness and the context length; the rest is the text. A
 * broken property aborts, so libFuzzer and the replay both report it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/scrub.h"
#include "util/util.h"

/* Checks the replacement of sp at out (avail bytes left) and moves *o past it. */
static bool check_replacement(enum kluis_scrub_mode mode, const struct kluis_scrub_span *sp,
                              const char *text, const char *out, size_t avail, size_t *o)
{
    const char *name = kluis_scrub_type_name(sp->type);
    char want[32];
    size_t n = 0;
    if (mode == KLUIS_SCRUB_MODE_TYPE) {
        n = (size_t)snprintf(want, sizeof(want), "[%s]", name);
        if (n > avail || memcmp(out, want, n) != 0)
            return false;
    } else if (mode == KLUIS_SCRUB_MODE_PSEUDONYM) {
        n = strlen(name) + 9;
        size_t k = (size_t)snprintf(want, sizeof(want), "<%s:", name);
        if (n > avail || memcmp(out, want, k) != 0 || out[n - 1] != '>')
            return false;
        for (size_t j = k; j < n - 1; j++)
            if (!strchr("0123456789abcdef", out[j]) || out[j] == '\0')
                return false;
    } else {
        /* One byte per byte of the span, but one per multi-byte character; separators stay. */
        const unsigned char *v = (const unsigned char *)text + sp->start;
        for (size_t j = 0; j < sp->end - sp->start; j++) {
            if (v[j] >= 0x80 && (v[j] & 0xC0) == 0x80 && j > 0 && v[j - 1] >= 0x80)
                continue;
            if (n >= avail || (unsigned char)out[n] >= 0x80)
                return false;
            bool alnum = (v[j] >= '0' && v[j] <= '9') || ((v[j] | 32) >= 'a' && (v[j] | 32) <= 'z');
            if (v[j] < 0x80 && !alnum && out[n] != (char)v[j])
                return false;
            n++;
        }
    }
    if (mode != KLUIS_SCRUB_MODE_FORMAT && n > 24)
        return false;
    *o += n;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kluis_scrub *scrubbers[6];

static void setup(void)
{
    static const uint8_t key[16] = "fuzz-key-0123456";
    /* The last two are pieces of UTF-8 characters: they must never cut one. */
    static const char *const known[] = {"Jan de Vries", "jan@example.nl", "Zoë",
                                        "0612345678",   "\xa9",           "\xc3"};
    static const size_t known_len[] = {12, 14, 4, 10, 1, 1};
    if (scrubbers[0])
        return;
    for (int i = 0; i < 6; i++) {
        struct kluis_scrub_config cfg = {.mode = (enum kluis_scrub_mode)(i % 3),
                                         .strict = i >= 3,
                                         .key = key,
                                         .key_len = sizeof(key),
                                         .known = known,
                                         .known_len = known_len,
                                         .n_known = 6};
        if (kluis_scrub_new(&cfg, &scrubbers[i], NULL) != KLUIS_OK)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size == 0)
        return 0;
    struct kluis_scrub *s = scrubbers[data[0] % 6];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    size_t context = (data[0] / 6) % 8 < len ? (data[0] / 6) % 8 : 0;

    const char *out;
    size_t out_len, n;
    const struct kluis_scrub_span *spans;
    if (kluis_scrub_redact(s, text, len, context, &out, &out_len, &spans, &n, NULL) != KLUIS_OK)
        return 0; /* out of memory only */
    if (out_len > KLUIS_SCRUB_OUT_MAX(len) || out[out_len] != '\0')
        abort();
    enum kluis_scrub_mode mode = (enum kluis_scrub_mode)(data[0] % 6 % 3);
    size_t pos = context, o = 0;
    for (size_t i = 0; i < n; i++) {
        const struct kluis_scrub_span *sp = &spans[i];
        if (sp->start < pos || sp->end <= sp->start || sp->end > len)
            abort();
        /* Unchanged between spans. */
        size_t gap = sp->start - pos;
        if (o + gap > out_len || memcmp(out + o, text + pos, gap) != 0)
            abort();
        o += gap;
        if (!check_replacement(mode, sp, text, out + o, out_len - o, &o))
            abort();
        pos = sp->end;
    }
    if (o + (len - pos) != out_len || memcmp(out + o, text + pos, len - pos) != 0)
        abort();
    /* The output starts at the context's end, which the caller puts on a character boundary. */
    if (kluis__utf8_valid(text + context, len - context) && !kluis__utf8_valid(out, out_len))
        abort();

    /* The same again: the same output (copy first; the buffer is the scrubber's). */
    char *first = malloc(out_len + 1);
    if (!first)
        return 0;
    memcpy(first, out, out_len);
    size_t first_len = out_len;
    if (kluis_scrub_redact(s, text, len, context, &out, &out_len, NULL, NULL, NULL) == KLUIS_OK &&
        (out_len != first_len || memcmp(out, first, out_len) != 0))
        abort();
    free(first);
    return 0;
}
