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

#endif /* KLUIS_CRYPTO_INTERNAL_H */
