/*
 * crypto — what the pieces of the crypto part share: the OpenSSL algorithms, fetched once.
 *
 * OpenSSL 3 looks an algorithm up by name each time EVP_aes_128_cbc() or a digest name is used
 * in an init call ("implicit fetch"), which costs more than encrypting a short Fernet token. The
 * algorithms are therefore fetched explicitly once per process and kept for its lifetime.
 */
#ifndef KLUIS_CRYPTO_INTERNAL_H
#define KLUIS_CRYPTO_INTERNAL_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "kluis/crypto.h"

struct kluis__algs {
    EVP_CIPHER *aes_128_cbc;
    EVP_CIPHER *aes_256_gcm;
    EVP_MD *sha256;
    EVP_MAC_CTX *hmac_sha256; /* a template with the digest set: dup it, then init with a key */
};

/* The fetched algorithms, or NULL when OpenSSL cannot provide them (out of memory, no provider). */
const struct kluis__algs *kluis__algs(void);

/*
 * HMAC-SHA256 of the concatenation of two pieces (b may be NULL/0) under key. Returns false when
 * OpenSSL fails (out is then zeroed).
 */
bool kluis__hmac2(const void *key, size_t key_len, const void *a, size_t a_len, const void *b,
                  size_t b_len, uint8_t out[32]);

/*
 * HMAC-SHA256 under a key fixed for long (the engine's subject secret): the inner and outer
 * SHA-256 states after the padded key are computed once, so that each MAC costs the message's
 * blocks and two more, with no OpenSSL dispatch (hmac_state.c). Wipe with kluis__hmac_state_wipe.
 */
struct kluis__hmac_state {
    uint8_t inner[128], outer[128]; /* SHA256_CTX, opaque here (OpenSSL's low-level API) */
    bool ready;
};

void kluis__hmac_state_init(struct kluis__hmac_state *h, const void *key, size_t key_len);
/* HMAC of a || b (b may be NULL/0); false (out zeroed) when h is not ready or SHA-256 fails. */
bool kluis__hmac_state_mac(const struct kluis__hmac_state *h, const void *a, size_t a_len,
                           const void *b, size_t b_len, uint8_t out[32]);
void kluis__hmac_state_wipe(struct kluis__hmac_state *h);

/*
 * kluis_b64_encode and kluis_b64_decode for secrets (keys): the same results, in time that does
 * not depend on the data (no table lookups indexed by it). Slower; for short inputs.
 */
size_t kluis__b64_encode_secret(enum kluis_b64 alphabet, const void *in, size_t n, char *out);
kluis_rc kluis__b64_decode_secret(enum kluis_b64 alphabet, const char *in, size_t n, uint8_t *out,
                                  size_t *out_len, struct kluis_err *err);

#endif /* KLUIS_CRYPTO_INTERNAL_H */
