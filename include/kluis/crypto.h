/*
 * kluis — cryptographic building blocks, on OpenSSL 3 libcrypto.
 *
 * Thin, hard-to-misuse wrappers for what the store, the key store, the audit log and the CLI
 * need: random bytes, wiping, SHA-256 and HMAC-SHA256, HKDF-SHA256, AES-256-GCM sealing, AES key
 * wrap with padding (RFC 5649), strict base64, and Fernet (byte-compatible with the Fernet spec,
 * https://github.com/fernet/spec).
 *
 * Nothing here prints, logs or puts key material or plaintext into a kluis_err.
 */
#ifndef KLUIS_CRYPTO_H
#define KLUIS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kluis/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Random, wiping, hashing -------------------------------------------------------------- */

/* n bytes from the CSPRNG; KLUIS_EIO when it fails. */
kluis_rc kluis_random(void *buf, size_t n, struct kluis_err *err);

/* Overwrites n bytes at p with zeroes in a way the compiler keeps (OPENSSL_cleanse). */
void kluis_wipe(void *p, size_t n);

/* SHA-256 of n bytes. Only an allocation failure inside OpenSSL can stop it; out is then all
 * zeroes. */
void kluis_sha256(const void *data, size_t n, uint8_t out[32]);

/* HMAC-SHA256 of msg under key. As kluis_sha256, out is all zeroes if OpenSSL cannot allocate:
 * verify a MAC by comparing with kluis_equal against a stored value, never by its shape. */
void kluis_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t n, uint8_t out[32]);

/* Constant-time comparison of n bytes; true when equal. */
bool kluis_equal(const void *a, const void *b, size_t n);

/* HKDF-SHA256 (RFC 5869): out_len bytes from ikm, salt (may be NULL/0) and info. */
kluis_rc kluis_hkdf(const void *ikm, size_t ikm_len, const void *salt, size_t salt_len,
                    const void *info, size_t info_len, uint8_t *out, size_t out_len,
                    struct kluis_err *err);

/* ---- AES-256-GCM -------------------------------------------------------------------------- */

#define KLUIS_SEAL_NONCE    12
#define KLUIS_SEAL_TAG      16
#define KLUIS_SEAL_OVERHEAD (KLUIS_SEAL_NONCE + KLUIS_SEAL_TAG)

/*
 * Seals n bytes of plaintext under a 256-bit key with a random 96-bit nonce, binding aad.
 * out receives nonce || ciphertext || tag: n + KLUIS_SEAL_OVERHEAD bytes.
 */
kluis_rc kluis_seal(const uint8_t key[32], const void *aad, size_t aad_len, const void *pt,
                    size_t n, uint8_t *out, struct kluis_err *err);

/*
 * Opens what kluis_seal made (n bytes, at least KLUIS_SEAL_OVERHEAD); out receives
 * n - KLUIS_SEAL_OVERHEAD bytes. KLUIS_ECORRUPT when the tag does not verify (wrong key, wrong
 * aad, changed bytes); out is then wiped.
 */
kluis_rc kluis_unseal(const uint8_t key[32], const void *aad, size_t aad_len, const uint8_t *in,
                      size_t n, uint8_t *out, struct kluis_err *err);

/* ---- AES key wrap with padding (RFC 5649) --------------------------------------------------- */

/* Wrapped size of an n-byte key: n rounded up to 8, plus 8. */
#define KLUIS_WRAP_LEN(n) ((((n) + 7) / 8) * 8 + 8)

/* Wraps n bytes (1..4096) under a KEK of 16, 24 or 32 bytes; *out_len = KLUIS_WRAP_LEN(n). */
kluis_rc kluis_key_wrap(const uint8_t *kek, size_t kek_len, const uint8_t *key, size_t n,
                        uint8_t *out, size_t *out_len, struct kluis_err *err);

/* Unwraps; out holds at least n - 8 bytes. KLUIS_ECORRUPT when the integrity check fails. */
kluis_rc kluis_key_unwrap(const uint8_t *kek, size_t kek_len, const uint8_t *in, size_t n,
                          uint8_t *out, size_t *out_len, struct kluis_err *err);

/* ---- Base64 (RFC 4648), strict ----------------------------------------------------------------
 */

enum kluis_b64 {
    KLUIS_B64_STD, /* + / with = padding */
    KLUIS_B64_URL, /* - _ with = padding (as Fernet keys and tokens) */
};

/* Characters kluis_b64_encode writes for n bytes (without the NUL). */
#define KLUIS_B64_LEN(n) ((((n) + 2) / 3) * 4)

/* Encodes n bytes; out holds KLUIS_B64_LEN(n) + 1 bytes; returns the length written. */
size_t kluis_b64_encode(enum kluis_b64 alphabet, const void *in, size_t n, char *out);

/*
 * Decodes exactly the canonical encoding: padding required, no whitespace or other characters,
 * the unused bits of the last symbol zero. out holds n / 4 * 3 bytes. KLUIS_EPARSE otherwise.
 */
kluis_rc kluis_b64_decode(enum kluis_b64 alphabet, const char *in, size_t n, uint8_t *out,
                          size_t *out_len, struct kluis_err *err);

/* ---- Fernet -----------------------------------------------------------------------------------
 */

/* A Fernet key: 128-bit signing key, then 128-bit encryption key (32 bytes, base64url: 44). */
struct kluis_fernet_key {
    uint8_t signing[16];
    uint8_t encryption[16];
};

#define KLUIS_FERNET_KEY_B64 44

/* The token's length for an n-byte message: base64url of 1+8+16+ceil16(n+1)+32 bytes. */
#define KLUIS_FERNET_TOKEN_LEN(n) KLUIS_B64_LEN(57 + ((n) / 16 + 1) * 16)

/* Parses a key in its base64url text form (44 characters, strict). */
kluis_rc kluis_fernet_key_parse(const char *text, size_t n, struct kluis_fernet_key *key,
                                struct kluis_err *err);

/* A new random key. */
kluis_rc kluis_fernet_key_generate(struct kluis_fernet_key *key, struct kluis_err *err);

/* The key's text form; out holds KLUIS_FERNET_KEY_B64 + 1 bytes. */
void kluis_fernet_key_format(const struct kluis_fernet_key *key, char *out);

/*
 * Makes a token of n message bytes at time `now` (Unix seconds). iv: 16 bytes, or NULL for a
 * random one (a given IV is for test vectors only). out holds KLUIS_FERNET_TOKEN_LEN(n) + 1
 * bytes; *out_len receives the token's length (NUL-terminated).
 */
kluis_rc kluis_fernet_encrypt(const struct kluis_fernet_key *key, int64_t now, const uint8_t *iv,
                              const void *msg, size_t n, char *out, size_t *out_len,
                              struct kluis_err *err);

/*
 * Opens a token with the first of keys[0..n_keys) whose HMAC verifies (MultiFernet). ttl < 0:
 * no age limit; otherwise refused when timestamp + ttl < now. Refused, always: a timestamp more
 * than 60 s after now (clock skew), a version other than 0x80, non-canonical base64, a wrong
 * length, a bad HMAC, bad padding. out holds at least the token's length in bytes. The
 * timestamp and the index of the key that opened it go to *ts and *key_index (either may be
 * NULL). KLUIS_ECORRUPT for a token no key opens; KLUIS_EREFUSED for an expired one.
 */
kluis_rc kluis_fernet_decrypt(const struct kluis_fernet_key *keys, size_t n_keys, const char *token,
                              size_t token_len, int64_t now, int64_t ttl, uint8_t *out,
                              size_t *out_len, int64_t *ts, size_t *key_index,
                              struct kluis_err *err);

/*
 * MultiFernet.rotate: opens the token with any of keys (no age limit) and makes a new one under
 * keys[0] with the original timestamp (a random IV). The clock-skew rule of kluis_fernet_decrypt
 * holds (now is for that). out holds KLUIS_FERNET_TOKEN_LEN(token_len) + 1 bytes.
 */
kluis_rc kluis_fernet_rotate(const struct kluis_fernet_key *keys, size_t n_keys, const char *token,
                             size_t token_len, int64_t now, char *out, size_t *out_len,
                             struct kluis_err *err);

#ifdef __cplusplus
}
#endif

#endif
