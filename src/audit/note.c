/*
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519, their key texts as
 * golang.org/x/mod/sumdb/note writes them, and tlog checkpoints (https://c2sp.org/tlog-checkpoint).
 *
 * Everything here reads text an attacker may have written (a note handed in by an auditor, a key
 * pasted into a configuration), so the parsers accept one spelling only: canonical base64,
 * lowercase hexadecimal key hashes, decimal without leading zeroes, valid UTF-8 without control
 * characters, and bounded sizes (KLUIS_NOTE_MAX bytes, KLUIS_NOTE_SIGS_MAX signature lines).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kluis/audit.h"
#include "kluis/crypto.h"
#include "util/util.h"

/* Signature type of Ed25519 in key hashes and key texts (C2SP signed-note). */
#define ALG_ED25519 0x01
/* The longest signature (base64) looked at, known key or not: post-quantum ones are < 5 kB. */
#define SIG_B64_MAX 8192
/* "— ": U+2014 EM DASH and a space, which start every signature line. */
static const char sig_prefix[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN 4
/* Base64 lengths: an Ed25519 signature with its key id (4 + 64 bytes), a hash (32 bytes). */
#define SIG_ED25519_B64 92
#define HASH_B64        44

/* ---- Base64: standard alphabet, padded, canonical only (kluis/crypto.h) ------------------- */

static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
    return kluis_b64_encode(KLUIS_B64_STD, in, n, out);
}

/* Decodes in[0..n) (at most SIG_B64_MAX symbols) into out (cap bytes); false unless canonical. */
static bool b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    if (n == 0 || n > SIG_B64_MAX || n / 4 * 3 > cap)
        return false;
    return kluis_b64_decode(KLUIS_B64_STD, in, n, out, out_len, NULL) == KLUIS_OK;
}

/* ---- Text checks ---------------------------------------------------------------------------- */

/* Valid UTF-8 and no control character but newline (DEL included, stricter than the spec). */
static bool text_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            return false;
    }
    return kluis__utf8_valid(s, n);
}

/* The code point at s (valid UTF-8, n > 0) and its length. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    uint32_t v = len == 1 ? s[0] : s[0] & (0x7F >> len);
    for (size_t k = 1; k < len && k < n; k++)
        v = v << 6 | (s[k] & 0x3F);
    *cp = v;
    return len;
}

/* Unicode White_Space (what Go's unicode.IsSpace reports), beyond the ASCII controls. */
static bool is_space(uint32_t cp)
{
    return cp == ' ' || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

/* A key name: 1..255 bytes of UTF-8, no Unicode space, no '+', no control character. */
static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 255 || !text_ok(s, n) || memchr(s, '\n', n) || memchr(s, '+', n))
        return false;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += utf8_next(u + i, n - i, &cp);
        if (is_space(cp))
            return false;
    }
    return true;
}

static bool hex8_parse(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

/* ---- Ed25519 and key ids -------------------------------------------------------------------- */

/* SHA-256(name || "\n" || 0x01 || pub)[:4], big-endian. */
static bool key_id(const char *name, size_t name_len, const uint8_t pub[32], uint32_t *out)
{
    uint8_t buf[255 + 2 + 32], md[32];
    unsigned int md_len = 0;
    memcpy(buf, name, name_len);
    buf[name_len] = '\n';
    buf[name_len + 1] = ALG_ED25519;
    memcpy(buf + name_len + 2, pub, 32);
    if (EVP_Digest(buf, name_len + 34, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
        return false;
    *out = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
    return true;
}

static bool ed25519_public(const uint8_t seed[32], uint8_t pub[32])
{
    EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    size_t len = 32;
    bool ok = pkey && EVP_PKEY_get_raw_public_key(pkey, pub, &len) == 1 && len == 32;
    EVP_PKEY_free(pkey);
    return ok;
}

static bool ed25519_sign(const uint8_t seed[32], const void *msg, size_t n, uint8_t sig[64])
{
    EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = 64;
    bool ok = pkey && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
              EVP_DigestSign(ctx, sig, &len, msg, n) == 1 && len == 64;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return ok;
}

/* 1 verified, 0 refused, -1 OpenSSL could not run (out of memory). */
static int ed25519_verify(const uint8_t pub[32], const void *msg, size_t n, const uint8_t *sig,
                          size_t sig_len)
{
    if (sig_len != 64)
        return 0;
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int r = -1;
    if (pkey && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1)
        r = EVP_DigestVerify(ctx, sig, 64, msg, n) == 1 ? 1 : 0;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return r;
}

/* ---- Keys ----------------------------------------------------------------------------------- */

static kluis_rc bad_name(struct kluis_err *err)
{
    kluis_err_set(err, KLUIS_EINVAL, "invalid note key name");
    kluis_err_hint(err, "a key name is 1 to 255 bytes of UTF-8 without spaces or '+'");
    return KLUIS_EINVAL;
}

kluis_rc kluis_note_keygen(const char *name, struct kluis_note_signer *s, struct kluis_err *err)
{
    if (!name || !s || !name_ok(name, strnlen(name, 256)))
        return bad_name(err);
    struct kluis_note_signer k = {0};
    memcpy(k.name, name, strlen(name) + 1);
    if (RAND_bytes(k.seed, sizeof(k.seed)) != 1) {
        kluis_note_signer_wipe(&k);
        return kluis_err_set(err, KLUIS_EIO, "the random generator failed");
    }
    if (!ed25519_public(k.seed, k.pub) || !key_id(k.name, strlen(k.name), k.pub, &k.key_id)) {
        kluis_note_signer_wipe(&k);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory deriving an Ed25519 key");
    }
    *s = k;
    kluis_note_signer_wipe(&k);
    return KLUIS_OK;
}

void kluis_note_signer_wipe(struct kluis_note_signer *s)
{
    if (s)
        OPENSSL_cleanse(s, sizeof(*s));
}

/* A key text at most this long: "PRIVATE+KEY+" + 255 + "+" + 8 + "+" + 44. */
#define KEY_TEXT_MAX 400

/*
 * Splits "<name>+<hash>+<base64>" (the verifier key, and the signer key after its prefix) and
 * decodes it into name, hash and the 32-byte Ed25519 key; false when malformed in any way.
 */
static bool key_fields(const char *t, size_t n, char name[256], uint32_t *hash, uint8_t key[32])
{
    const char *plus = memchr(t, '+', n);
    if (!plus)
        return false;
    size_t name_len = (size_t)(plus - t);
    if (!name_ok(t, name_len))
        return false;
    const char *h = plus + 1;
    size_t rest = n - name_len - 1;
    if (rest < 9 || h[8] != '+' || !hex8_parse(h, hash))
        return false;
    uint8_t raw[48];
    size_t raw_len = 0;
    bool ok = b64_decode(h + 9, rest - 9, raw, sizeof(raw), &raw_len) && raw_len == 33 &&
              raw[0] == ALG_ED25519;
    if (ok) {
        memcpy(key, raw + 1, 32);
        memcpy(name, t, name_len);
        name[name_len] = '\0';
    }
    OPENSSL_cleanse(raw, sizeof(raw));
    return ok;
}

kluis_rc kluis_note_signer_parse(const char *skey, struct kluis_note_signer *s,
                                 struct kluis_err *err)
{
    if (!skey || !s)
        return kluis_err_set(err, KLUIS_EINVAL, "no signer key given");
    static const char prefix[] = "PRIVATE+KEY+";
    size_t n = strnlen(skey, KEY_TEXT_MAX + 1);
    struct kluis_note_signer k = {0};
    uint32_t hash = 0;
    if (n > KEY_TEXT_MAX || n < sizeof(prefix) - 1 || memcmp(skey, prefix, sizeof(prefix) - 1) ||
        !key_fields(skey + sizeof(prefix) - 1, n - (sizeof(prefix) - 1), k.name, &hash, k.seed)) {
        kluis_note_signer_wipe(&k);
        kluis_err_set(err, KLUIS_EPARSE, "malformed note signer key");
        kluis_err_hint(err, "expected PRIVATE+KEY+<name>+<8 hex digits>+<base64>");
        return KLUIS_EPARSE;
    }
    if (!ed25519_public(k.seed, k.pub) || !key_id(k.name, strlen(k.name), k.pub, &k.key_id)) {
        kluis_note_signer_wipe(&k);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory deriving an Ed25519 key");
    }
    /* The hash names the public key, so it can only be checked once that is derived. */
    if (k.key_id != hash) {
        kluis_note_signer_wipe(&k);
        return kluis_err_set(err, KLUIS_EPARSE,
                             "the note signer key's hash does not match its key");
    }
    *s = k;
    kluis_note_signer_wipe(&k);
    return KLUIS_OK;
}

/* "<name>+<hash>+<base64(0x01 || key)>" into out, with an optional prefix. */
static kluis_rc key_format(const char *prefix, const char *name, uint32_t id, const uint8_t key[32],
                           char *out, size_t size, struct kluis_err *err)
{
    if (!name_ok(name, strnlen(name, 256)))
        return bad_name(err);
    uint8_t raw[33];
    char b64[KLUIS_HASH_LEN * 2];
    raw[0] = ALG_ED25519;
    memcpy(raw + 1, key, 32);
    b64_encode(raw, sizeof(raw), b64);
    int w = out ? snprintf(out, size, "%s%s+%08x+%s", prefix, name, (unsigned)id, b64) : -1;
    OPENSSL_cleanse(raw, sizeof(raw));
    OPENSSL_cleanse(b64, sizeof(b64));
    if (w < 0 || (size_t)w >= size) {
        if (out && size > 0)
            OPENSSL_cleanse(out, size);
        return kluis_err_set(err, KLUIS_ETOOBIG, "the key text does not fit in %zu bytes", size);
    }
    return KLUIS_OK;
}

kluis_rc kluis_note_signer_format(const struct kluis_note_signer *s, char *out, size_t size,
                                  struct kluis_err *err)
{
    if (!s)
        return kluis_err_set(err, KLUIS_EINVAL, "no signer given");
    return key_format("PRIVATE+KEY+", s->name, s->key_id, s->seed, out, size, err);
}

kluis_rc kluis_note_verifier_parse(const char *vkey, struct kluis_note_verifier *v,
                                   struct kluis_err *err)
{
    if (!vkey || !v)
        return kluis_err_set(err, KLUIS_EINVAL, "no verifier key given");
    size_t n = strnlen(vkey, KEY_TEXT_MAX + 1);
    struct kluis_note_verifier k = {0};
    uint32_t id = 0;
    if (n > KEY_TEXT_MAX || !key_fields(vkey, n, k.name, &k.key_id, k.pub)) {
        kluis_err_set(err, KLUIS_EPARSE, "malformed note verifier key");
        kluis_err_hint(err, "expected <name>+<8 hex digits>+<base64>");
        return KLUIS_EPARSE;
    }
    if (!key_id(k.name, strlen(k.name), k.pub, &id))
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory hashing a key");
    if (id != k.key_id)
        return kluis_err_set(err, KLUIS_EPARSE,
                             "the note verifier key's hash does not match its key");
    *v = k;
    return KLUIS_OK;
}

kluis_rc kluis_note_verifier_format(const struct kluis_note_verifier *v, char *out, size_t size,
                                    struct kluis_err *err)
{
    if (!v)
        return kluis_err_set(err, KLUIS_EINVAL, "no verifier given");
    return key_format("", v->name, v->key_id, v->pub, out, size, err);
}

void kluis_note_verifier_of(const struct kluis_note_signer *s, struct kluis_note_verifier *v)
{
    memset(v, 0, sizeof(*v));
    memcpy(v->name, s->name, sizeof(v->name));
    v->name[sizeof(v->name) - 1] = '\0';
    v->key_id = s->key_id;
    memcpy(v->pub, s->pub, sizeof(v->pub));
}

/* ---- Notes ---------------------------------------------------------------------------------- */

kluis_rc kluis_note_sign(const struct kluis_note_signer *s, const char *text, size_t n, char **out,
                         size_t *out_len, struct kluis_err *err)
{
    if (!s || !text || !out || !out_len)
        return kluis_err_set(err, KLUIS_EINVAL, "invalid arguments for signing a note");
    size_t name_len = strnlen(s->name, sizeof(s->name));
    if (!name_ok(s->name, name_len))
        return bad_name(err);
    /* The note is the text, a blank line and one signature line of at most 4 + 255 + 1 + 92 + 1. */
    if (n > KLUIS_NOTE_MAX - 400)
        return kluis_err_set(err, KLUIS_ETOOBIG, "a note's text is limited to %u bytes",
                             KLUIS_NOTE_MAX - 400);
    if (n == 0 || text[n - 1] != '\n' || text[0] == '\n' || !text_ok(text, n) ||
        memmem(text, n, "\n\n", 2)) {
        kluis_err_set(err, KLUIS_EINVAL, "a note's text must be lines of UTF-8 text");
        kluis_err_detail(err, "non-empty, ending in a newline, without blank lines or control "
                              "characters");
        return KLUIS_EINVAL;
    }
    uint8_t sig[4 + 64];
    sig[0] = (uint8_t)(s->key_id >> 24);
    sig[1] = (uint8_t)(s->key_id >> 16);
    sig[2] = (uint8_t)(s->key_id >> 8);
    sig[3] = (uint8_t)s->key_id;
    if (!ed25519_sign(s->seed, text, n, sig + 4))
        return kluis_err_set(err, KLUIS_ENOMEM, "Ed25519 signing failed in OpenSSL");
    char b64[SIG_ED25519_B64 + 1];
    size_t b64_len = b64_encode(sig, sizeof(sig), b64);
    size_t len = n + 1 + SIG_PREFIX_LEN + name_len + 1 + b64_len + 1;
    char *note = malloc(len + 1);
    if (!note)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory signing a note");
    char *p = note;
    memcpy(p, text, n);
    p += n;
    *p++ = '\n';
    memcpy(p, sig_prefix, SIG_PREFIX_LEN);
    p += SIG_PREFIX_LEN;
    memcpy(p, s->name, name_len);
    p += name_len;
    *p++ = ' ';
    memcpy(p, b64, b64_len);
    p += b64_len;
    *p++ = '\n';
    *p = '\0';
    *out = note;
    *out_len = len;
    return KLUIS_OK;
}

static kluis_rc malformed(struct kluis_err *err, const char *what)
{
    kluis_err_set(err, KLUIS_EPARSE, "malformed signed note");
    kluis_err_detail(err, "%s", what);
    return KLUIS_EPARSE;
}

static const struct kluis_note_verifier *find_verifier(const struct kluis_note_verifier *vs,
                                                       size_t n, const char *name, size_t name_len,
                                                       uint32_t id)
{
    for (size_t i = 0; i < n; i++)
        if (vs[i].key_id == id && strnlen(vs[i].name, sizeof(vs[i].name)) == name_len &&
            memcmp(vs[i].name, name, name_len) == 0)
            return &vs[i];
    return NULL;
}

kluis_rc kluis_note_open(const char *note, size_t n, const struct kluis_note_verifier *verifiers,
                         size_t n_verifiers, size_t *text_len, struct kluis_err *err)
{
    if (!note || (n_verifiers > 0 && !verifiers))
        return kluis_err_set(err, KLUIS_EINVAL, "invalid arguments for opening a note");
    if (n > KLUIS_NOTE_MAX)
        return kluis_err_set(err, KLUIS_ETOOBIG, "a signed note is limited to %u bytes",
                             KLUIS_NOTE_MAX);
    if (!text_ok(note, n))
        return malformed(err, "not UTF-8, or a control character other than newline");
    /* The text ends at the last blank line (the text itself may contain blank lines). */
    size_t split = n;
    for (size_t i = n; i >= 2; i--)
        if (note[i - 2] == '\n' && note[i - 1] == '\n') {
            split = i - 2;
            break;
        }
    if (split == n)
        return malformed(err, "no blank line before the signatures");
    size_t tlen = split + 1;
    const char *sigs = note + split + 2, *end = note + n;
    if (sigs == end || end[-1] != '\n')
        return malformed(err, "no signature lines, or the last one does not end in a newline");

    /* The (name, key id) pairs of known keys already seen: each may sign once. */
    const struct kluis_note_verifier *seen[KLUIS_NOTE_SIGS_MAX];
    size_t n_seen = 0, n_lines = 0, n_verified = 0;
    uint8_t raw[SIG_B64_MAX / 4 * 3];
    for (const char *line = sigs; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        size_t len = (size_t)(eol - line);
        if (++n_lines > KLUIS_NOTE_SIGS_MAX)
            return malformed(err, "more than 100 signature lines");
        if (len < SIG_PREFIX_LEN || memcmp(line, sig_prefix, SIG_PREFIX_LEN) != 0)
            return malformed(err, "a signature line does not start with an em dash and a space");
        const char *name = line + SIG_PREFIX_LEN;
        const char *sp = memchr(name, ' ', (size_t)(eol - name));
        if (!sp)
            return malformed(err, "a signature line has no signature");
        size_t name_len = (size_t)(sp - name), raw_len = 0;
        if (!name_ok(name, name_len))
            return malformed(err, "a signature line has an invalid key name");
        if (!b64_decode(sp + 1, (size_t)(eol - sp - 1), raw, sizeof(raw), &raw_len) || raw_len < 5)
            return malformed(err, "a signature is not canonical base64 of a key id and more");
        uint32_t id =
            (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
        line = eol + 1;
        const struct kluis_note_verifier *v =
            find_verifier(verifiers, n_verifiers, name, name_len, id);
        if (!v)
            continue; /* an unknown key: ignored, as the spec requires */
        for (size_t i = 0; i < n_seen; i++)
            if (seen[i] == v)
                return malformed(err, "a key signed twice");
        seen[n_seen++] = v;
        int r = ed25519_verify(v->pub, note, tlen, raw + 4, raw_len - 4);
        if (r < 0)
            return kluis_err_set(err, KLUIS_ENOMEM, "out of memory verifying a signature");
        if (r == 0) {
            kluis_err_set(err, KLUIS_ECORRUPT, "a note signature does not verify");
            kluis_err_detail(err, "key %.*s+%08x", (int)name_len, name, (unsigned)id);
            return KLUIS_ECORRUPT;
        }
        n_verified++;
    }
    if (n_verified == 0)
        return kluis_err_set(err, KLUIS_ECORRUPT, "the note has no signature by a known key");
    if (text_len)
        *text_len = tlen;
    return KLUIS_OK;
}

/* ---- Checkpoints ---------------------------------------------------------------------------- */

static bool origin_ok(const char *s, size_t n)
{
    return n > 0 && n < sizeof(((struct kluis_checkpoint *)0)->origin) && text_ok(s, n) &&
           !memchr(s, '\n', n);
}

kluis_rc kluis_checkpoint_text(const struct kluis_checkpoint *c, char **out, size_t *out_len,
                               struct kluis_err *err)
{
    if (!c || !out || !out_len)
        return kluis_err_set(err, KLUIS_EINVAL, "invalid arguments for a checkpoint");
    size_t olen = strnlen(c->origin, sizeof(c->origin));
    if (!origin_ok(c->origin, olen))
        return kluis_err_set(err, KLUIS_EINVAL, "invalid checkpoint origin");
    char root[HASH_B64 + 1];
    b64_encode(c->root, KLUIS_HASH_LEN, root);
    size_t cap = olen + 1 + 20 + 1 + HASH_B64 + 1 + 1;
    char *text = malloc(cap);
    if (!text)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory formatting a checkpoint");
    int w = snprintf(text, cap, "%s\n%llu\n%s\n", c->origin, (unsigned long long)c->size, root);
    if (w < 0 || (size_t)w >= cap) {
        free(text);
        return kluis_err_set(err, KLUIS_EINTERNAL, "formatting a checkpoint failed");
    }
    *out = text;
    *out_len = (size_t)w;
    return KLUIS_OK;
}

static kluis_rc bad_checkpoint(struct kluis_err *err, const char *what)
{
    kluis_err_set(err, KLUIS_EPARSE, "malformed checkpoint");
    kluis_err_detail(err, "%s", what);
    return KLUIS_EPARSE;
}

kluis_rc kluis_checkpoint_parse(const char *text, size_t n, struct kluis_checkpoint *c,
                                struct kluis_err *err)
{
    if (!text || !c)
        return kluis_err_set(err, KLUIS_EINVAL, "invalid arguments for a checkpoint");
    if (n > KLUIS_NOTE_MAX)
        return kluis_err_set(err, KLUIS_ETOOBIG, "a checkpoint is limited to %u bytes",
                             KLUIS_NOTE_MAX);
    if (n == 0 || text[n - 1] != '\n')
        return bad_checkpoint(err, "empty, or not ending in a newline");
    if (!text_ok(text, n))
        return bad_checkpoint(err, "not UTF-8, or a control character other than newline");
    struct kluis_checkpoint k = {0};
    const char *line = text, *end = text + n;
    for (int i = 0; line < end; i++) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        size_t len = (size_t)(eol - line);
        if (len == 0)
            return bad_checkpoint(err, "an empty line");
        if (i == 0) {
            if (!origin_ok(line, len))
                return bad_checkpoint(err, "the origin is longer than 255 bytes");
            memcpy(k.origin, line, len);
        } else if (i == 1) {
            if (len > 20 || (len > 1 && line[0] == '0'))
                return bad_checkpoint(err, "the tree size is not canonical decimal");
            uint64_t v = 0;
            for (size_t j = 0; j < len; j++) {
                unsigned d = (unsigned)(line[j] - '0');
                if (d > 9 || v > (UINT64_MAX - d) / 10)
                    return bad_checkpoint(err, "the tree size is not a 64-bit decimal number");
                v = v * 10 + d;
            }
            k.size = v;
        } else if (i == 2) {
            size_t got = 0;
            uint8_t root[33];
            if (!b64_decode(line, len, root, sizeof(root), &got) || got != KLUIS_HASH_LEN)
                return bad_checkpoint(err, "the root is not canonical base64 of 32 bytes");
            memcpy(k.root, root, KLUIS_HASH_LEN);
        }
        /* Lines after the third are extensions: opaque, non-empty, not kept. */
        line = eol + 1;
        if (line == end && i < 2)
            return bad_checkpoint(err, "fewer than three lines");
    }
    *c = k;
    return KLUIS_OK;
}
