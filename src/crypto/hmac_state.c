/*
 * HMAC-SHA256 with precomputed key states (crypto_internal.h), RFC 2104: H((K ^ opad) ||
 * H((K ^ ipad) || m)). The engine hashes a subject reference for every record written and every
 * audit entry; through EVP_MAC each of those cost a key setup or a provider dispatch. The
 * low-level SHA-256 API is deprecated in OpenSSL 3 in favour of EVP but computes the same digest
 * (src/audit/merkle.c uses it for the same reason); the unit test compares with HMAC().
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/crypto_internal.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((struct kluis__hmac_state *)0)->inner),
               "SHA256_CTX fits the state");

void kluis__hmac_state_init(struct kluis__hmac_state *h, const void *key, size_t key_len)
{
    uint8_t k[64] = {0}, pad[64];
    memset(h, 0, sizeof(*h));
    SHA256_CTX c;
    bool ok = true;
    if (key_len > sizeof(k))
        ok = SHA256_Init(&c) == 1 && SHA256_Update(&c, key, key_len) == 1 &&
             SHA256_Final(k, &c) == 1;
    else if (key_len)
        memcpy(k, key, key_len);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    ok = ok && SHA256_Init(&c) == 1 && SHA256_Update(&c, pad, 64) == 1;
    memcpy(h->inner, &c, sizeof(c));
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    ok = ok && SHA256_Init(&c) == 1 && SHA256_Update(&c, pad, 64) == 1;
    memcpy(h->outer, &c, sizeof(c));
    h->ready = ok;
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(pad, sizeof(pad));
    OPENSSL_cleanse(&c, sizeof(c));
}

bool kluis__hmac_state_mac(const struct kluis__hmac_state *h, const void *a, size_t a_len,
                           const void *b, size_t b_len, uint8_t out[32])
{
    SHA256_CTX c;
    uint8_t inner[32];
    bool ok = h->ready;
    if (ok) {
        memcpy(&c, h->inner, sizeof(c));
        ok = SHA256_Update(&c, a, a_len) == 1 && (b_len == 0 || SHA256_Update(&c, b, b_len) == 1) &&
             SHA256_Final(inner, &c) == 1;
    }
    if (ok) {
        memcpy(&c, h->outer, sizeof(c));
        ok = SHA256_Update(&c, inner, 32) == 1 && SHA256_Final(out, &c) == 1;
    }
    OPENSSL_cleanse(&c, sizeof(c));
    OPENSSL_cleanse(inner, sizeof(inner));
    if (!ok)
        memset(out, 0, 32);
    return ok;
}

void kluis__hmac_state_wipe(struct kluis__hmac_state *h)
{
    OPENSSL_cleanse(h, sizeof(*h));
}
