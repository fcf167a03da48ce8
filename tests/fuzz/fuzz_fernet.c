/*
 * Fuzz target: Fernet tokens and strict base64. Any input is opened as a token under a fixed key
 * (at the vectors' time, with and without a ttl, and with a second key in front: MultiFernet) and
 * decoded as base64 and base64url. Nothing may crash, leak or read out of bounds; and the
 * strictness promise is checked: whatever decodes encodes back to exactly the input, and a token
 * that opens is made again, byte for byte, from its parts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/kluis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key of the spec's vectors, and the time of the local ones (2023-11-14T22:13:20Z). */
static const char KEY[] = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
static const char OTHER[] = "KSuY4lk--Lm3JI5kOaPZFWr_4PXWkDmKJ40H1V-tw-Q=";
#define NOW 1700000000

static void b64_round_trip(enum kluis_b64 alphabet, const char *text, size_t size)
{
    uint8_t *bin = malloc(size / 4 * 3 + 1);
    if (!bin)
        return;
    size_t n = 0;
    if (kluis_b64_decode(alphabet, text, size, bin, &n, NULL) == KLUIS_OK) {
        char *again = malloc(KLUIS_B64_LEN(n) + 1);
        if (!again)
            abort();
        size_t len = kluis_b64_encode(alphabet, bin, n, again);
        /* Strict: exactly one spelling decodes. */
        if (len != size || memcmp(again, text, size) != 0)
            abort();
        free(again);
    }
    free(bin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    /* An exact-size copy, so that a read past the end is caught. */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    struct kluis_fernet_key keys[2];
    if (kluis_fernet_key_parse(OTHER, strlen(OTHER), &keys[0], NULL) != KLUIS_OK ||
        kluis_fernet_key_parse(KEY, strlen(KEY), &keys[1], NULL) != KLUIS_OK)
        abort();

    b64_round_trip(KLUIS_B64_STD, text, size);
    b64_round_trip(KLUIS_B64_URL, text, size);

    uint8_t *out = malloc(size ? size : 1);
    if (!out)
        abort();
    size_t n = 0, idx = 0;
    int64_t ts = 0;
    kluis_rc rc = kluis_fernet_decrypt(&keys[1], 1, text, size, NOW, 60, out, &n, NULL, NULL, NULL);
    (void)rc;
    rc = kluis_fernet_decrypt(keys, 2, text, size, NOW, -1, out, &n, &ts, &idx, NULL);
    if (rc == KLUIS_OK) {
        if (idx > 1 || n > size)
            abort();
        /* An authentic token is what encrypting its message at its time with its IV gives. The
         * IV is the 16 bytes after version and time: decode them from the token. */
        uint8_t raw[27];
        size_t raw_len = 0;
        if (size < 36 || kluis_b64_decode(KLUIS_B64_URL, text, 36, raw, &raw_len, NULL) != KLUIS_OK)
            abort();
        char *again = malloc(KLUIS_FERNET_TOKEN_LEN(n) + 1);
        size_t len = 0;
        if (!again ||
            kluis_fernet_encrypt(&keys[idx], ts, raw + 9, out, n, again, &len, NULL) != KLUIS_OK)
            abort();
        if (len != size || memcmp(again, text, size) != 0)
            abort();
        free(again);
        /* And it rotates to a token the first key opens, with the same message and time. */
        char *rot = malloc(KLUIS_FERNET_TOKEN_LEN(size) + 1);
        uint8_t *back = malloc(size + 1);
        size_t rl = 0, bl = 0;
        int64_t ts2 = 0;
        if (!rot || !back ||
            kluis_fernet_rotate(keys, 2, text, size, NOW, rot, &rl, NULL) != KLUIS_OK ||
            kluis_fernet_decrypt(keys, 1, rot, rl, NOW, -1, back, &bl, &ts2, NULL, NULL) !=
                KLUIS_OK ||
            bl != n || memcmp(back, out, n) != 0 || ts2 != ts)
            abort();
        free(rot);
        free(back);
    }
    free(out);
    free(text);
    return 0;
}
