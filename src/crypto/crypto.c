/*
 * crypto — the primitives of include/kluis/crypto.h on OpenSSL 3 libcrypto: random bytes, wiping,
 * SHA-256, HMAC-SHA256, HKDF-SHA256, AES-256-GCM sealing and AES key wrap with padding.
 *
 * Nothing here puts key material or plaintext into an error: messages say what failed, never
 * with what.
 */
#include "crypto_internal.h"

#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- Algorithms, fetched once --------------------------------------------------------------- */

static struct kluis__algs algs;
static bool algs_ok;
static CRYPTO_ONCE algs_once = CRYPTO_ONCE_STATIC_INIT;

static void algs_fetch(void)
{
    algs.aes_128_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
    algs.aes_256_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    algs.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac) {
        algs.hmac_sha256 = EVP_MAC_CTX_new(mac);
        EVP_MAC_free(mac); /* the context keeps its own reference */
    }
    if (algs.hmac_sha256) {
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
            OSSL_PARAM_construct_end(),
        };
        if (EVP_MAC_CTX_set_params(algs.hmac_sha256, params) != 1) {
            EVP_MAC_CTX_free(algs.hmac_sha256);
            algs.hmac_sha256 = NULL;
        }
    }
    algs_ok = algs.aes_128_cbc && algs.aes_256_gcm && algs.sha256 && algs.hmac_sha256;
}

const struct kluis__algs *kluis__algs(void)
{
    if (!CRYPTO_THREAD_run_once(&algs_once, algs_fetch) || !algs_ok)
        return NULL;
    return &algs;
}

/* ---- Random, wiping, hashing ---------------------------------------------------------------- */

kluis_rc kluis_random(void *buf, size_t n, struct kluis_err *err)
{
    unsigned char *p = buf;
    while (n > 0) {
        int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1)
            return kluis_err_set(err, KLUIS_EIO, "crypto: the random generator failed");
        p += chunk;
        n -= (size_t)chunk;
    }
    return KLUIS_OK;
}

void kluis_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

void kluis_sha256(const void *data, size_t n, uint8_t out[32])
{
    const struct kluis__algs *a = kluis__algs();
    unsigned int len = 0;
    if (!a || EVP_Digest(data, n, out, &len, a->sha256, NULL) != 1 || len != 32)
        memset(out, 0, 32); /* only when OpenSSL cannot allocate; see crypto.h */
}

/*
 * One HMAC-SHA256 context per thread (a dup of the template, made once), re-keyed per call; the
 * last key is kept so that a run of MACs under one key only resets the context. The context and
 * the key are wiped and freed when the thread ends.
 */
struct hmac_tls {
    EVP_MAC_CTX *ctx;
    uint8_t key[64];
    size_t key_len;
    bool keyed;
};

static pthread_key_t hmac_key;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;
static bool hmac_key_ok;
static _Thread_local struct hmac_tls *hmac_tls;

static void hmac_tls_free(void *p)
{
    struct hmac_tls *t = p;
    if (!t)
        return;
    EVP_MAC_CTX_free(t->ctx);
    kluis_wipe(t, sizeof(*t));
    free(t);
}

static void hmac_key_init(void)
{
    hmac_key_ok = pthread_key_create(&hmac_key, hmac_tls_free) == 0;
}

static struct hmac_tls *hmac_tls_get(void)
{
    if (hmac_tls)
        return hmac_tls;
    const struct kluis__algs *a = kluis__algs();
    pthread_once(&hmac_once, hmac_key_init);
    if (!a || !hmac_key_ok)
        return NULL;
    struct hmac_tls *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->ctx = EVP_MAC_CTX_dup(a->hmac_sha256);
    if (!t->ctx || pthread_setspecific(hmac_key, t) != 0) {
        hmac_tls_free(t);
        return NULL;
    }
    hmac_tls = t;
    return t;
}

bool kluis__hmac2(const void *key, size_t key_len, const void *a, size_t a_len, const void *b,
                  size_t b_len, uint8_t out[32])
{
    struct hmac_tls *t = hmac_tls_get();
    size_t len = 0;
    /* An empty key is a valid HMAC key; OpenSSL wants a non-NULL pointer for it. */
    static const uint8_t empty = 0;
    bool ok = t != NULL;
    if (ok && t->keyed && t->key_len == key_len && kluis_equal(t->key, key, key_len)) {
        /* Same key: a NULL key resets the context to the keyed state. */
        ok = EVP_MAC_init(t->ctx, NULL, 0, NULL) == 1;
    } else if (ok) {
        t->keyed = false;
        ok = EVP_MAC_init(t->ctx, key_len ? key : &empty, key_len, NULL) == 1;
        if (ok && key_len <= sizeof(t->key)) {
            memcpy(t->key, key_len ? key : &empty, key_len);
            t->key_len = key_len;
            t->keyed = true;
        }
    }
    ok = ok && EVP_MAC_update(t->ctx, a, a_len) == 1 &&
         (b_len == 0 || EVP_MAC_update(t->ctx, b, b_len) == 1) &&
         EVP_MAC_final(t->ctx, out, &len, 32) == 1 && len == 32;
    if (!ok) {
        if (t)
            t->keyed = false;
        memset(out, 0, 32);
    }
    return ok;
}

void kluis_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t n, uint8_t out[32])
{
    (void)kluis__hmac2(key, key_len, msg, n, NULL, 0, out);
}

bool kluis_equal(const void *a, const void *b, size_t n)
{
    return n == 0 || CRYPTO_memcmp(a, b, n) == 0;
}

kluis_rc kluis_hkdf(const void *ikm, size_t ikm_len, const void *salt, size_t salt_len,
                    const void *info, size_t info_len, uint8_t *out, size_t out_len,
                    struct kluis_err *err)
{
    /* RFC 5869: at most 255 blocks of output. */
    if (out_len == 0 || out_len > 255 * 32)
        return kluis_err_set(err, KLUIS_EINVAL, "crypto: HKDF output must be 1 to 8160 bytes");
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (!ctx)
        return kluis_err_set(err, KLUIS_ENOMEM, "crypto: HKDF is not available");
    char digest[] = "SHA256";
    static const uint8_t empty = 0;
    OSSL_PARAM params[5];
    size_t np = 0;
    params[np++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    params[np++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                     (void *)(ikm_len ? ikm : &empty), ikm_len);
    /* No salt is a salt of HashLen zeroes (RFC 5869 2.2); OpenSSL does that when it is absent. */
    if (salt_len)
        params[np++] =
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    if (info_len)
        params[np++] =
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    params[np] = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(ctx, out, out_len, params);
    EVP_KDF_CTX_free(ctx);
    if (ok != 1) {
        kluis_wipe(out, out_len);
        return kluis_err_set(err, KLUIS_EINTERNAL, "crypto: HKDF failed");
    }
    return KLUIS_OK;
}

/* ---- AES-256-GCM ---------------------------------------------------------------------------- */

/* The most bytes sealed or opened at once: EVP lengths are ints. */
#define SEAL_MAX ((size_t)INT_MAX - 64)

kluis_rc kluis_seal(const uint8_t key[32], const void *aad, size_t aad_len, const void *pt,
                    size_t n, uint8_t *out, struct kluis_err *err)
{
    if (n > SEAL_MAX || aad_len > SEAL_MAX)
        return kluis_err_set(err, KLUIS_ETOOBIG, "crypto: too much to seal at once");
    const struct kluis__algs *a = kluis__algs();
    EVP_CIPHER_CTX *ctx = a ? EVP_CIPHER_CTX_new() : NULL;
    if (!ctx)
        return kluis_err_set(err, KLUIS_ENOMEM, "crypto: cannot set up AES-256-GCM");
    uint8_t *nonce = out, *ct = out + KLUIS_SEAL_NONCE;
    int len = 0, fin = 0;
    kluis_rc rc = kluis_random(nonce, KLUIS_SEAL_NONCE, err);
    if (rc == KLUIS_OK) {
        if (EVP_EncryptInit_ex2(ctx, a->aes_256_gcm, key, nonce, NULL) != 1 ||
            (aad_len && EVP_EncryptUpdate(ctx, NULL, &len, aad, (int)aad_len) != 1) ||
            EVP_EncryptUpdate(ctx, ct, &len, pt, (int)n) != 1 ||
            EVP_EncryptFinal_ex(ctx, ct + len, &fin) != 1 ||
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, KLUIS_SEAL_TAG, ct + n) != 1)
            rc = kluis_err_set(err, KLUIS_EINTERNAL, "crypto: AES-256-GCM sealing failed");
    }
    EVP_CIPHER_CTX_free(ctx);
    if (rc != KLUIS_OK)
        kluis_wipe(out, n + KLUIS_SEAL_OVERHEAD);
    return rc;
}

kluis_rc kluis_unseal(const uint8_t key[32], const void *aad, size_t aad_len, const uint8_t *in,
                      size_t n, uint8_t *out, struct kluis_err *err)
{
    if (n < KLUIS_SEAL_OVERHEAD)
        return kluis_err_set(err, KLUIS_ECORRUPT, "crypto: sealed data is too short");
    if (n > SEAL_MAX || aad_len > SEAL_MAX)
        return kluis_err_set(err, KLUIS_ETOOBIG, "crypto: too much to open at once");
    const struct kluis__algs *a = kluis__algs();
    EVP_CIPHER_CTX *ctx = a ? EVP_CIPHER_CTX_new() : NULL;
    if (!ctx)
        return kluis_err_set(err, KLUIS_ENOMEM, "crypto: cannot set up AES-256-GCM");
    size_t ct_len = n - KLUIS_SEAL_OVERHEAD;
    const uint8_t *ct = in + KLUIS_SEAL_NONCE, *tag = in + n - KLUIS_SEAL_TAG;
    int len = 0, fin = 0;
    kluis_rc rc = KLUIS_OK;
    if (EVP_DecryptInit_ex2(ctx, a->aes_256_gcm, key, in, NULL) != 1 ||
        (aad_len && EVP_DecryptUpdate(ctx, NULL, &len, aad, (int)aad_len) != 1) ||
        EVP_DecryptUpdate(ctx, out, &len, ct, (int)ct_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, KLUIS_SEAL_TAG, (void *)tag) != 1 ||
        EVP_DecryptFinal_ex(ctx, out + len, &fin) != 1)
        rc = kluis_err_set(err, KLUIS_ECORRUPT,
                           "crypto: sealed data does not open (wrong key, wrong associated data, "
                           "or changed bytes)");
    EVP_CIPHER_CTX_free(ctx);
    if (rc != KLUIS_OK)
        kluis_wipe(out, ct_len);
    return rc;
}

/* ---- AES key wrap with padding (RFC 5649) -----------------------------------------------------
 */

#define WRAP_MAX 4096

static const EVP_CIPHER *wrap_cipher(size_t kek_len)
{
    switch (kek_len) {
    case 16:
        return EVP_aes_128_wrap_pad();
    case 24:
        return EVP_aes_192_wrap_pad();
    case 32:
        return EVP_aes_256_wrap_pad();
    }
    return NULL;
}

/* One wrap or unwrap: the whole input in one update, as the wrap modes require. */
static kluis_rc wrap_run(bool enc, const uint8_t *kek, size_t kek_len, const uint8_t *in, size_t n,
                         uint8_t *out, size_t *out_len, struct kluis_err *err)
{
    const EVP_CIPHER *cipher = wrap_cipher(kek_len);
    if (!cipher)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "crypto: a key-encryption key is 16, 24 or 32 "
                             "bytes");
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return kluis_err_set(err, KLUIS_ENOMEM, "crypto: cannot set up AES key wrap");
    /* The wrap modes refuse to run through EVP_Cipher* unless explicitly allowed. */
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    int len = 0, fin = 0;
    int ok = EVP_CipherInit_ex2(ctx, cipher, kek, NULL, enc ? 1 : 0, NULL) == 1 &&
             EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1 &&
             EVP_CipherFinal_ex(ctx, out + len, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        kluis_wipe(out, enc ? KLUIS_WRAP_LEN(n) : n - 8);
        if (enc)
            return kluis_err_set(err, KLUIS_EINTERNAL, "crypto: AES key wrap failed");
        return kluis_err_set(err, KLUIS_ECORRUPT,
                             "crypto: wrapped key does not unwrap (wrong key-encryption key or "
                             "changed bytes)");
    }
    *out_len = (size_t)len + (size_t)fin;
    return KLUIS_OK;
}

kluis_rc kluis_key_wrap(const uint8_t *kek, size_t kek_len, const uint8_t *key, size_t n,
                        uint8_t *out, size_t *out_len, struct kluis_err *err)
{
    if (n < 1 || n > WRAP_MAX)
        return kluis_err_set(err, KLUIS_EINVAL, "crypto: a wrapped key is 1 to %d bytes", WRAP_MAX);
    size_t len = 0;
    kluis_rc rc = wrap_run(true, kek, kek_len, key, n, out, &len, err);
    if (rc == KLUIS_OK && len != KLUIS_WRAP_LEN(n)) {
        kluis_wipe(out, len);
        return kluis_err_set(err, KLUIS_EINTERNAL, "crypto: AES key wrap gave an unexpected size");
    }
    if (rc == KLUIS_OK)
        *out_len = len;
    return rc;
}

kluis_rc kluis_key_unwrap(const uint8_t *kek, size_t kek_len, const uint8_t *in, size_t n,
                          uint8_t *out, size_t *out_len, struct kluis_err *err)
{
    if (n < 16 || n % 8 != 0 || n > KLUIS_WRAP_LEN(WRAP_MAX))
        return kluis_err_set(err, KLUIS_ECORRUPT, "crypto: a wrapped key has a wrong length");
    return wrap_run(false, kek, kek_len, in, n, out, out_len, err);
}
