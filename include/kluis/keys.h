/*
 * kluis — the key store, kept apart from the data store.
 *
 * The data store's files and backups never hold a live key: every key that opens personal data
 * lives here, in a file of its own (`--keys PATH`, KLUIS_KEYS) that must not be readable by
 * anyone but its owner (mode 0600; kluis refuses a file that group or others can read). Its own
 * backups are kept only as long as the policy's `key_store.backup_retention` says, so a key
 * destroyed here cannot come back from one.
 *
 * What it holds:
 *  - key classes (the policy's key_classes, plus "default" for categories without one), each
 *    with numbered versions: new data keys are wrapped (RFC 5649) under the newest version;
 *    `rewrap` moves every data key to the newest; a version can be retired (its key destroyed)
 *    once no data key is wrapped under it;
 *  - a data key per tenant × subject × category, wrapped by its class key: a record's value is
 *    sealed under HMAC-SHA256(data key, "kluis value v1" || bucket key), so destroying either
 *    makes it unreadable everywhere — the bucket key at purge, the data key at erasure;
 *  - the key of every expiry bucket of the data store (store.h's keyring);
 *  - a pseudonym key per tenant × subject, for the audit log's subject pseudonyms, destroyed on
 *    erasure so old entries cannot be linked to the person any more;
 *  - the list of erased subjects (their keyed hashes only), re-applied to the data store
 *    whenever it is opened, so a restored backup cannot bring a subject back;
 *  - the store's secrets (the key of subject hashes, the audit log's signing key), and the id of
 *    the data store it belongs to (a key store serves one data store).
 *
 * Destroyed keys are overwritten in place (SQLite's secure delete) and the WAL is truncated
 * after the transaction that destroyed them.
 *
 * Writes join the engine's transaction: kluis_keys_begin() before the data store's, and
 * kluis_keys_commit() before the data store commits — so a key is durable before any data that
 * needs it, and a destroyed key is gone before its data is dropped.
 */
#ifndef KLUIS_KEYS_H
#define KLUIS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kluis/audit.h"
#include "kluis/crypto.h"
#include "kluis/error.h"
#include "kluis/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kluis_keys;

/* The key class of categories that name none. */
#define KLUIS_KEY_CLASS_DEFAULT "default"

/*
 * Opens the key store at path, creating it (mode 0600) when missing. KLUIS_EREFUSED when the
 * file can be read or written by group or others (with a hint: chmod 600), KLUIS_EUNSUPPORTED
 * when it was written by a newer kluis, KLUIS_EIO when it cannot be opened.
 */
kluis_rc kluis_keys_open(const char *path, struct kluis_keys **out_keys, struct kluis_err *err);
void kluis_keys_close(struct kluis_keys *k);

/* The clock for what the key store records (a class made on first use); the engine sets it. */
void kluis_keys_set_now(struct kluis_keys *k, int64_t now);

/* The keyring a data store uses (valid while k is open). */
const struct kluis_keyring *kluis_keys_keyring(struct kluis_keys *k);

/* Transactions (see above). Begin is cheap; commit without writes does no I/O. */
kluis_rc kluis_keys_begin(struct kluis_keys *k, struct kluis_err *err);
kluis_rc kluis_keys_commit(struct kluis_keys *k, struct kluis_err *err);
void kluis_keys_rollback(struct kluis_keys *k);

/*
 * Binds the key store to a data store's id (16 bytes) on first use; afterwards KLUIS_EREFUSED
 * when id is another store's.
 */
kluis_rc kluis_keys_pair(struct kluis_keys *k, const uint8_t store_id[16], struct kluis_err *err);

/*
 * A named 256-bit secret ("subject": the key of subject hashes). Created when missing, unless
 * `import` is given: then import becomes the secret when there is none yet (an upgraded store
 * brings its old one) and is ignored otherwise.
 */
kluis_rc kluis_keys_secret(struct kluis_keys *k, const char *name, const uint8_t *import,
                           uint8_t out[32], struct kluis_err *err);

/* The audit log's signing key, made for origin on first use (audit.h). */
kluis_rc kluis_keys_signer(struct kluis_keys *k, const char *origin, struct kluis_note_signer *out,
                           struct kluis_err *err);

/* ---- Key classes ------------------------------------------------------------------------------
 */

/* Makes version 1 of class when it has no version yet (keys init). *out_created: whether it did. */
kluis_rc kluis_keys_class_init(struct kluis_keys *k, const char *cls, int64_t now,
                               bool *out_created, struct kluis_err *err);

/* A new version of class; new data keys are wrapped under it. */
kluis_rc kluis_keys_rotate(struct kluis_keys *k, const char *cls, int64_t now, int *out_version,
                           struct kluis_err *err);

/* Re-wraps every data key that is not under its class's newest version. */
kluis_rc kluis_keys_rewrap(struct kluis_keys *k, uint64_t *out_rewrapped, struct kluis_err *err);

/* Destroys version of class. KLUIS_EREFUSED while data keys are wrapped under it (with how
 * many, and the hint to rewrap) or when it is the class's newest; KLUIS_ENOTFOUND when absent. */
kluis_rc kluis_keys_retire(struct kluis_keys *k, const char *cls, int version, int64_t now,
                           struct kluis_err *err);

struct kluis_key_version {
    const char *cls;
    int version;
    int64_t created;
    bool newest;
    uint64_t data_keys; /* data keys wrapped under it */
};

typedef int (*kluis_key_version_fn)(void *ctx, const struct kluis_key_version *v);

/* Every live version, by class and version. */
kluis_rc kluis_keys_list(struct kluis_keys *k, kluis_key_version_fn fn, void *ctx,
                         struct kluis_err *err);

/*
 * The Fernet key of a subject's records of a category: HKDF-SHA256 of its data key, bound to
 * tenant, subject and category, so a token moved to another row does not open. Made (with its
 * data key, under key_class) when key_class is not NULL and there is none; KLUIS_ENOTFOUND when
 * the data key is gone (erased).
 */
kluis_rc kluis_keys_fernet_key(struct kluis_keys *k, const char *tenant,
                               const struct kluis_subject_ref *subject, const char *category,
                               const char *key_class, struct kluis_fernet_key *out,
                               struct kluis_err *err);

/* ---- Subjects ----------------------------------------------------------------------------------
 */

/*
 * The audit pseudonym of a subject: 16 hex-encoded bytes (33 with the NUL) of HMAC-SHA256 under
 * the subject's pseudonym key, made on first use.
 */
kluis_rc kluis_keys_pseudonym(struct kluis_keys *k, const char *tenant,
                              const struct kluis_subject_ref *subject, char out[33],
                              struct kluis_err *err);

/*
 * Crypto-shreds a subject: destroys its data keys of the given categories (NULL, 0: every
 * category, and its pseudonym key too) and appends the erasure to the erased list. Returns the
 * list's sequence number.
 */
kluis_rc kluis_keys_erase(struct kluis_keys *k, const char *tenant,
                          const struct kluis_subject_ref *subject, const char *const *categories,
                          size_t n_categories, int64_t now, uint64_t *out_seq,
                          struct kluis_err *err);

struct kluis_erasure {
    uint64_t seq;
    const char *tenant;
    struct kluis_subject_ref subject;
    const char *category; /* NULL: every category */
    int64_t at;
};

typedef int (*kluis_erasure_fn)(void *ctx, const struct kluis_erasure *e);

/* The erased list after seq, in order. */
kluis_rc kluis_keys_erasures(struct kluis_keys *k, uint64_t after, kluis_erasure_fn fn, void *ctx,
                             struct kluis_err *err);

#ifdef __cplusplus
}
#endif

#endif
