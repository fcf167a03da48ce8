/*
 * crypto — Fernet (https://github.com/fernet/spec), byte-compatible with the spec and with
 * Python's cryptography.fernet, with stricter base64.
 *
 *   token = base64url(0x80 || timestamp (64-bit big-endian) || IV (16) || ciphertext || HMAC)
 *   ciphertext = AES-128-CBC(encryption key, IV, PKCS#7-padded message)
 *   HMAC = HMAC-SHA256(signing key, everything before it)
 *
 * Order of the checks when opening: the layout (version, lengths) first, since it is public;
 * then the HMAC under each key in turn; only an authentic token has its time looked at and its
 * ciphertext decrypted, so nothing about an unauthenticated token's contents (its padding in
 * particular) can be learnt from which error comes back. Python checks the time before the HMAC;
 * the accept/refuse outcome is the same, only the error differs.
 */
#include "crypto_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define VERSION  0x80
#define HEADER   (1 + 8 + 16) /* version, timestamp, IV */
#define HMAC_LEN 32
#define BLOCK    16
#define MIN_RAW  (HEADER + BLOCK + HMAC_LEN)
#define CLOCK_SKEW                                                                                 \
    60 /* seconds a token's time may be ahead of now (cryptography's _MAX_CLOCK_SKEW) */

/* The longest message: its token stays far inside the range of EVP's int lengths. */
#define MSG_MAX ((size_t)1 << 30)

kluis_rc kluis_fernet_key_parse(const char *text, size_t n, struct kluis_fernet_key *key,
                                struct kluis_err *err)
{
    uint8_t raw[33];
    size_t len = 0;
    if (n != KLUIS_FERNET_KEY_B64)
        return kluis_err_set(err, KLUIS_EPARSE,
                             "fernet: a key is 44 characters of base64url (32 bytes)");
    if (kluis__b64_decode_secret(KLUIS_B64_URL, text, n, raw, &len, NULL) != KLUIS_OK ||
        len != 32) {
        kluis_wipe(raw, sizeof(raw));
        return kluis_err_set(err, KLUIS_EPARSE,
                             "fernet: a key is 44 characters of canonical base64url (32 bytes)");
    }
    memcpy(key->signing, raw, 16);
    memcpy(key->encryption, raw + 16, 16);
    kluis_wipe(raw, sizeof(raw));
    return KLUIS_OK;
}

kluis_rc kluis_fernet_key_generate(struct kluis_fernet_key *key, struct kluis_err *err)
{
    uint8_t raw[32];
    kluis_rc rc = kluis_random(raw, sizeof(raw), err);
    if (rc == KLUIS_OK) {
        memcpy(key->signing, raw, 16);
        memcpy(key->encryption, raw + 16, 16);
    }
    kluis_wipe(raw, sizeof(raw));
    return rc;
}

void kluis_fernet_key_format(const struct kluis_fernet_key *key, char *out)
{
    uint8_t raw[32];
    memcpy(raw, key->signing, 16);
    memcpy(raw + 16, key->encryption, 16);
    kluis__b64_encode_secret(KLUIS_B64_URL, raw, sizeof(raw), out);
    kluis_wipe(raw, sizeof(raw));
}

/*
 * Per-thread OpenSSL contexts, reused from token to token: setting up a cipher or HMAC context in
 * OpenSSL 3 costs more than the cryptography on a short token. The HMAC context stays keyed with
 * the last signing key used (so a run of tokens under one key skips the key setup); the copy of
 * that key and both contexts are wiped and freed when the thread ends.
 */
struct fernet_tls {
    /* AES-128-CBC, one context per direction (their key schedules differ), each keeping the
     * last encryption key it was set up with: a run of tokens under one key only sets IVs. */
    EVP_CIPHER_CTX *cbc[2]; /* [0] decrypt, [1] encrypt */
    uint8_t cbc_key[2][16];
    bool cbc_keyed[2];
    EVP_MAC_CTX *hmac;    /* a dup of the HMAC-SHA256 template */
    uint8_t hmac_key[16]; /* the key hmac is initialised with, when hmac_keyed */
    bool hmac_keyed;
};

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static bool tls_key_ok;
static _Thread_local struct fernet_tls *tls;

static void tls_free(void *p)
{
    struct fernet_tls *t = p;
    if (!t)
        return;
    EVP_CIPHER_CTX_free(t->cbc[0]);
    EVP_CIPHER_CTX_free(t->cbc[1]);
    EVP_MAC_CTX_free(t->hmac);
    kluis_wipe(t, sizeof(*t));
    free(t);
}

static void tls_key_init(void)
{
    tls_key_ok = pthread_key_create(&tls_key, tls_free) == 0;
}

/* This thread's contexts, or NULL when they cannot be made (the caller then fails). */
static struct fernet_tls *tls_get(void)
{
    if (tls)
        return tls;
    const struct kluis__algs *a = kluis__algs();
    pthread_once(&tls_once, tls_key_init);
    if (!a || !tls_key_ok)
        return NULL;
    struct fernet_tls *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cbc[0] = EVP_CIPHER_CTX_new();
    t->cbc[1] = EVP_CIPHER_CTX_new();
    t->hmac = EVP_MAC_CTX_dup(a->hmac_sha256);
    if (!t->cbc[0] || !t->cbc[1] || !t->hmac || pthread_setspecific(tls_key, t) != 0) {
        tls_free(t);
        return NULL;
    }
    tls = t;
    return t;
}

/* AES-128-CBC with PKCS#7 padding, one shot. Returns the output length, or -1. */
static long cbc(bool enc, const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, size_t n,
                uint8_t *out)
{
    struct fernet_tls *t = tls_get();
    if (!t)
        return -1;
    int d = enc ? 1 : 0, len = 0, fin = 0;
    EVP_CIPHER_CTX *ctx = t->cbc[d];
    int ok;
    if (t->cbc_keyed[d] && kluis_equal(t->cbc_key[d], key, 16)) {
        /* Same key: only the IV changes (no cipher, no key: nothing is reset or re-derived). */
        ok = EVP_CipherInit_ex2(ctx, NULL, NULL, iv, d, NULL) == 1;
    } else {
        t->cbc_keyed[d] = false;
        ok = EVP_CipherInit_ex2(ctx, kluis__algs()->aes_128_cbc, key, iv, d, NULL) == 1;
        if (ok) {
            memcpy(t->cbc_key[d], key, 16);
            t->cbc_keyed[d] = true;
        }
    }
    ok = ok && EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1 &&
         EVP_CipherFinal_ex(ctx, out + len, &fin) == 1;
    if (!ok)
        t->cbc_keyed[d] = false;
    return ok ? (long)len + fin : -1;
}

/* HMAC-SHA256 under a 16-byte Fernet signing key; false when OpenSSL fails. */
static bool hmac(const uint8_t key[16], const uint8_t *msg, size_t n, uint8_t out[32])
{
    struct fernet_tls *t = tls_get();
    if (!t)
        return false;
    /* Same key as last time: initialising without a key restarts from its prepared state. */
    bool same = t->hmac_keyed && kluis_equal(t->hmac_key, key, 16);
    size_t len = 0;
    bool ok = EVP_MAC_init(t->hmac, same ? NULL : key, same ? 0 : 16, NULL) == 1;
    if (ok && !same)
        memcpy(t->hmac_key, key, 16);
    t->hmac_keyed = ok;
    ok = ok && EVP_MAC_update(t->hmac, msg, n) == 1 && EVP_MAC_final(t->hmac, out, &len, 32) == 1 &&
         len == 32;
    if (!ok) {
        t->hmac_keyed = false;
        memset(out, 0, 32);
    }
    return ok;
}

kluis_rc kluis_fernet_encrypt(const struct kluis_fernet_key *key, int64_t now, const uint8_t *iv,
                              const void *msg, size_t n, char *out, size_t *out_len,
                              struct kluis_err *err)
{
    if (n > MSG_MAX)
        return kluis_err_set(err, KLUIS_ETOOBIG, "fernet: a message is at most 1 GiB");
    if (now < 0)
        return kluis_err_set(err, KLUIS_EINVAL, "fernet: the time is before 1970");
    size_t ct_len = (n / BLOCK + 1) * BLOCK;
    size_t raw_len = HEADER + ct_len + HMAC_LEN;
    uint8_t small[512];
    uint8_t *raw = raw_len <= sizeof(small) ? small : malloc(raw_len);
    if (!raw)
        return kluis_err_set(err, KLUIS_ENOMEM, "fernet: out of memory");
    kluis_rc rc = KLUIS_OK;
    raw[0] = VERSION;
    for (int i = 0; i < 8; i++)
        raw[1 + i] = (uint8_t)((uint64_t)now >> (56 - 8 * i));
    if (iv)
        memcpy(raw + 9, iv, 16);
    else
        rc = kluis_random(raw + 9, 16, err);
    if (rc == KLUIS_OK && cbc(true, key->encryption, raw + 9, msg, n, raw + HEADER) != (long)ct_len)
        rc = kluis_err_set(err, KLUIS_EINTERNAL, "fernet: AES-128-CBC failed");
    if (rc == KLUIS_OK && !hmac(key->signing, raw, HEADER + ct_len, raw + HEADER + ct_len))
        rc = kluis_err_set(err, KLUIS_EINTERNAL, "fernet: HMAC-SHA256 failed");
    if (rc == KLUIS_OK)
        *out_len = kluis_b64_encode(KLUIS_B64_URL, raw, raw_len, out);
    if (raw != small)
        free(raw);
    return rc;
}

/* Opens an authentic-or-not token: see the header for the rules. */
static kluis_rc open_token(const struct kluis_fernet_key *keys, size_t n_keys, const char *token,
                           size_t token_len, int64_t now, int64_t ttl, uint8_t *out,
                           size_t *out_len, int64_t *ts, size_t *key_index, struct kluis_err *err)
{
    if (n_keys == 0)
        return kluis_err_set(err, KLUIS_EINVAL, "fernet: no key to open the token with");
    /* The smallest token is base64 of MIN_RAW bytes; the largest, of a MSG_MAX message. */
    if (token_len < KLUIS_B64_LEN(MIN_RAW) || token_len > KLUIS_FERNET_TOKEN_LEN(MSG_MAX))
        return kluis_err_set(err, KLUIS_ECORRUPT, "fernet: invalid token (wrong length)");
    size_t cap = token_len / 4 * 3;
    uint8_t small[512];
    uint8_t *raw = cap <= sizeof(small) ? small : malloc(cap);
    if (!raw)
        return kluis_err_set(err, KLUIS_ENOMEM, "fernet: out of memory");
    size_t raw_len = 0;
    kluis_rc rc = KLUIS_OK;
    struct kluis_err b64_err = {0};
    if (kluis_b64_decode(KLUIS_B64_URL, token, token_len, raw, &raw_len, &b64_err) != KLUIS_OK) {
        rc = kluis_err_set(err, KLUIS_ECORRUPT, "fernet: invalid token (not canonical base64url)");
        kluis_err_detail(err, "%s", b64_err.message);
        goto done;
    }
    if (raw[0] != VERSION) {
        rc = kluis_err_set(err, KLUIS_ECORRUPT, "fernet: invalid token (version 0x%02x, not 0x80)",
                           raw[0]);
        goto done;
    }
    if (raw_len < MIN_RAW || (raw_len - HEADER - HMAC_LEN) % BLOCK != 0) {
        rc = kluis_err_set(err, KLUIS_ECORRUPT,
                           "fernet: invalid token (the ciphertext is not whole blocks)");
        goto done;
    }
    size_t signed_len = raw_len - HMAC_LEN, ct_len = signed_len - HEADER;
    size_t k = 0;
    for (; k < n_keys; k++) {
        uint8_t mac[HMAC_LEN];
        bool ok = hmac(keys[k].signing, raw, signed_len, mac) &&
                  kluis_equal(mac, raw + signed_len, HMAC_LEN);
        if (ok)
            break;
    }
    if (k == n_keys) {
        rc = kluis_err_set(err, KLUIS_ECORRUPT,
                           n_keys == 1 ? "fernet: invalid token (the HMAC does not verify)"
                                       : "fernet: invalid token (no key's HMAC verifies)");
        goto done;
    }
    uint64_t t = 0;
    for (int i = 0; i < 8; i++)
        t = t << 8 | raw[1 + i];
    /* cryptography: refused when timestamp + ttl < now, or now + 60 < timestamp (kluis applies
     * the second rule without a ttl too). Written so that nothing overflows: now >= 0. */
    if (t > (uint64_t)INT64_MAX || (int64_t)t - CLOCK_SKEW > now) {
        rc = kluis_err_set(err, KLUIS_EREFUSED,
                           "fernet: token refused (its time is more than 60 s ahead of now)");
        goto done;
    }
    if (ttl >= 0 && (int64_t)t < now - ttl) {
        rc = kluis_err_set(err, KLUIS_EREFUSED, "fernet: token expired (older than its ttl)");
        goto done;
    }
    long m = cbc(false, keys[k].encryption, raw + 9, raw + HEADER, ct_len, out);
    if (m < 0) {
        kluis_wipe(out, ct_len);
        rc = kluis_err_set(err, KLUIS_ECORRUPT, "fernet: invalid token (bad padding)");
        goto done;
    }
    *out_len = (size_t)m;
    if (ts)
        *ts = (int64_t)t;
    if (key_index)
        *key_index = k;
done:
    if (raw != small)
        free(raw);
    return rc;
}

kluis_rc kluis_fernet_decrypt(const struct kluis_fernet_key *keys, size_t n_keys, const char *token,
                              size_t token_len, int64_t now, int64_t ttl, uint8_t *out,
                              size_t *out_len, int64_t *ts, size_t *key_index,
                              struct kluis_err *err)
{
    if (now < 0)
        return kluis_err_set(err, KLUIS_EINVAL, "fernet: the time is before 1970");
    return open_token(keys, n_keys, token, token_len, now, ttl, out, out_len, ts, key_index, err);
}

kluis_rc kluis_fernet_rotate(const struct kluis_fernet_key *keys, size_t n_keys, const char *token,
                             size_t token_len, int64_t now, char *out, size_t *out_len,
                             struct kluis_err *err)
{
    if (now < 0)
        return kluis_err_set(err, KLUIS_EINVAL, "fernet: the time is before 1970");
    uint8_t *msg = malloc(token_len ? token_len : 1);
    if (!msg)
        return kluis_err_set(err, KLUIS_ENOMEM, "fernet: out of memory");
    size_t n = 0;
    int64_t ts = 0;
    /* No age limit (MultiFernet.rotate), but the clock-skew rule holds: rotating a token from
     * the future would carry its future time over to the new one. */
    kluis_rc rc = open_token(keys, n_keys, token, token_len, now, -1, msg, &n, &ts, NULL, err);
    if (rc == KLUIS_OK)
        rc = kluis_fernet_encrypt(&keys[0], ts, NULL, msg, n, out, out_len, err);
    kluis_wipe(msg, token_len);
    free(msg);
    return rc;
}
