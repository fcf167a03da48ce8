/*
 * crypto — strict base64 (RFC 4648, sections 4 and 5).
 *
 * OpenSSL's EVP_DecodeBlock is lenient (it skips whitespace, ignores what follows the padding and
 * does not look at the unused bits), so a token or a key could have many spellings. kluis accepts
 * exactly one: the canonical encoding, as kluis_b64_encode writes it. Every text that decodes
 * therefore encodes back to itself byte for byte (the fuzz target checks this).
 *
 * Tokens are public (ciphertext) and go through lookup tables. Keys go through the _secret
 * variants, whose mapping between symbols and values uses no table indexed by secret data and no
 * branch on it (the technique of libsodium's sodium_base642bin); in both, whether a symbol is
 * valid is accumulated and looked at once, at the end.
 */
#include "crypto_internal.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* Masks: 0xFF when the relation holds, else 0, for x and y in 0..255. */
#define EQ(x, y) ((((0U - ((unsigned)(x) ^ (unsigned)(y))) >> 8) & 0xFF) ^ 0xFF)
#define GT(x, y) ((((unsigned)(y) - (unsigned)(x)) >> 8) & 0xFF)
#define GE(x, y) (GT(y, x) ^ 0xFF)
#define LT(x, y) GT(y, x)
#define LE(x, y) GE(y, x)

static unsigned symbol_of(unsigned x, enum kluis_b64 alphabet)
{
    unsigned c62 = alphabet == KLUIS_B64_URL ? '-' : '+';
    unsigned c63 = alphabet == KLUIS_B64_URL ? '_' : '/';
    return (LT(x, 26) & (x + 'A')) | (GE(x, 26) & LT(x, 52) & (x + ('a' - 26))) |
           (GE(x, 52) & LT(x, 62) & (x + ('0' - 52))) | (EQ(x, 62) & c62) | (EQ(x, 63) & c63);
}

/* The value 0..63 of symbol c, or 0xFF when c is not a symbol of the alphabet. */
static unsigned value_of(unsigned c, enum kluis_b64 alphabet)
{
    unsigned c62 = alphabet == KLUIS_B64_URL ? '-' : '+';
    unsigned c63 = alphabet == KLUIS_B64_URL ? '_' : '/';
    unsigned x =
        (GE(c, 'A') & LE(c, 'Z') & (c - 'A')) | (GE(c, 'a') & LE(c, 'z') & (c - ('a' - 26))) |
        (GE(c, '0') & LE(c, '9') & (c - ('0' - 52))) | (EQ(c, c62) & 62) | (EQ(c, c63) & 63);
    /* x is 0 both for 'A' and for a non-symbol: tell them apart. */
    return x | (EQ(x, 0) & (EQ(c, 'A') ^ 0xFF));
}

static const char std_symbols[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_symbols[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value tables of the two alphabets (0xFF: not a symbol), made once from the symbol lists. */
static uint8_t std_values[256], url_values[256];
static pthread_once_t values_once = PTHREAD_ONCE_INIT;

static void values_init(void)
{
    memset(std_values, 0xFF, sizeof(std_values));
    memset(url_values, 0xFF, sizeof(url_values));
    for (unsigned i = 0; i < 64; i++) {
        std_values[(unsigned char)std_symbols[i]] = (uint8_t)i;
        url_values[(unsigned char)url_symbols[i]] = (uint8_t)i;
    }
}

/* The mapping between symbols and values: by table for public data, by arithmetic for secrets. */
struct b64_map {
    enum kluis_b64 alphabet;
    bool secret;
    const char *symbols;
    const uint8_t *values;
};

static struct b64_map map_of(enum kluis_b64 alphabet, bool secret)
{
    pthread_once(&values_once, values_init);
    bool url = alphabet == KLUIS_B64_URL;
    return (struct b64_map){alphabet, secret, url ? url_symbols : std_symbols,
                            url ? url_values : std_values};
}

static inline unsigned sym(const struct b64_map *m, unsigned x)
{
    return m->secret ? symbol_of(x, m->alphabet) : (unsigned char)m->symbols[x];
}

static inline unsigned val(const struct b64_map *m, unsigned char c)
{
    return m->secret ? value_of(c, m->alphabet) : m->values[c];
}

static size_t encode(const struct b64_map *m, const void *in, size_t n, char *out)
{
    const uint8_t *p = in;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = (char)sym(m, v >> 18);
        out[o++] = (char)sym(m, (v >> 12) & 63);
        out[o++] = (char)sym(m, (v >> 6) & 63);
        out[o++] = (char)sym(m, v & 63);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        out[o++] = (char)sym(m, v >> 18);
        out[o++] = (char)sym(m, (v >> 12) & 63);
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = (char)sym(m, v >> 18);
        out[o++] = (char)sym(m, (v >> 12) & 63);
        out[o++] = (char)sym(m, (v >> 6) & 63);
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static kluis_rc decode(enum kluis_b64 alphabet, bool secret, const char *in, size_t n, uint8_t *out,
                       size_t *out_len, struct kluis_err *err)
{
    const char *name = alphabet == KLUIS_B64_URL ? "base64url" : "base64";
    if (alphabet != KLUIS_B64_STD && alphabet != KLUIS_B64_URL)
        return kluis_err_set(err, KLUIS_EINVAL, "crypto: unknown base64 alphabet");
    if (n % 4 != 0)
        return kluis_err_set(err, KLUIS_EPARSE,
                             "crypto: malformed %s: the length is not a multiple of 4", name);
    if (n == 0) {
        *out_len = 0;
        return KLUIS_OK;
    }
    struct b64_map map = map_of(alphabet, secret), *m = &map;
    const unsigned char *s = (const unsigned char *)in;
    /* Padding: "xx==" or "xxx=" in the last group only. */
    size_t pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
    size_t full = pad ? n - 4 : n; /* symbols in complete groups */
    unsigned bad = 0;
    size_t o = 0;
    for (size_t i = 0; i < full; i += 4) {
        unsigned a = val(m, s[i]), b = val(m, s[i + 1]), c = val(m, s[i + 2]), d = val(m, s[i + 3]);
        bad |= a | b | c | d;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
        out[o++] = (uint8_t)(v >> 16);
        out[o++] = (uint8_t)(v >> 8);
        out[o++] = (uint8_t)v;
    }
    unsigned unused = 0;
    if (pad) {
        const unsigned char *g = s + n - 4;
        unsigned a = val(m, g[0]), b = val(m, g[1]);
        unsigned c = pad == 1 ? val(m, g[2]) : 0;
        bad |= a | b | c;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
        out[o++] = (uint8_t)(v >> 16);
        if (pad == 1)
            out[o++] = (uint8_t)(v >> 8);
        /* The bits of the last symbol that no byte takes must be zero (RFC 4648 3.5). */
        unused = pad == 2 ? (b & 0x0F) : (c & 0x03);
    }
    /* A symbol's value is at most 63: bit 7 set means a character outside the alphabet ('=' in
     * the middle included). */
    if (bad & 0x80) {
        kluis_wipe(out, o);
        return kluis_err_set(err, KLUIS_EPARSE,
                             "crypto: malformed %s: a character outside the alphabet or "
                             "misplaced padding",
                             name);
    }
    if (unused) {
        kluis_wipe(out, o);
        return kluis_err_set(err, KLUIS_EPARSE,
                             "crypto: malformed %s: not the canonical encoding (unused bits "
                             "are not zero)",
                             name);
    }
    *out_len = o;
    return KLUIS_OK;
}

size_t kluis_b64_encode(enum kluis_b64 alphabet, const void *in, size_t n, char *out)
{
    /* The hot path of every token: a plain table walk over whole groups, then encode() for the
     * last, partial group. */
    const char *t = alphabet == KLUIS_B64_URL ? url_symbols : std_symbols;
    const uint8_t *p = in;
    size_t whole = n / 3 * 3, o = 0;
    for (size_t i = 0; i < whole; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o] = t[v >> 18];
        out[o + 1] = t[(v >> 12) & 63];
        out[o + 2] = t[(v >> 6) & 63];
        out[o + 3] = t[v & 63];
        o += 4;
    }
    struct b64_map m = map_of(alphabet, false);
    return o + encode(&m, p + whole, n - whole, out + o);
}

size_t kluis__b64_encode_secret(enum kluis_b64 alphabet, const void *in, size_t n, char *out)
{
    struct b64_map m = map_of(alphabet, true);
    return encode(&m, in, n, out);
}

kluis_rc kluis_b64_decode(enum kluis_b64 alphabet, const char *in, size_t n, uint8_t *out,
                          size_t *out_len, struct kluis_err *err)
{
    return decode(alphabet, false, in, n, out, out_len, err);
}

kluis_rc kluis__b64_decode_secret(enum kluis_b64 alphabet, const char *in, size_t n, uint8_t *out,
                                  size_t *out_len, struct kluis_err *err)
{
    return decode(alphabet, true, in, n, out, out_len, err);
}
