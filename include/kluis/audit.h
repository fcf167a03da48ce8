/*
 * kluis — the verifiable parts of the audit log: RFC 9162 Merkle trees and C2SP signed notes.
 *
 * Leaves are SHA-256(0x00 || entry), nodes SHA-256(0x01 || left || right); the root of the empty
 * tree is SHA-256(""). Proofs are those of RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency);
 * the verifiers are strict: every hash is 32 bytes, sizes and indexes are checked, and a proof
 * with a hash too many or too few is refused.
 *
 * Tree heads are published as C2SP tlog-checkpoint notes (https://c2sp.org/tlog-checkpoint),
 * signed as C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 through OpenSSL.
 *
 * The log itself — entries in the store, appended in the transactions they record — is the
 * engine's (kluis/engine.h); this part knows nothing of stores.
 */
#ifndef KLUIS_AUDIT_H
#define KLUIS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kluis/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KLUIS_HASH_LEN 32
/* A proof in a tree of at most 2^64 leaves has at most 64 hashes (consistency: 64 + 1). */
#define KLUIS_PROOF_MAX 65

/* ---- Hashing -------------------------------------------------------------------------------- */

void kluis_merkle_leaf(const void *entry, size_t n, uint8_t out[KLUIS_HASH_LEN]);
void kluis_merkle_node(const uint8_t left[KLUIS_HASH_LEN], const uint8_t right[KLUIS_HASH_LEN],
                       uint8_t out[KLUIS_HASH_LEN]);

/*
 * A growing tree kept as its compact range: the roots of the perfect subtrees that make up the
 * leaves so far (at most 64), so appending is O(1) amortised and the root is O(log n).
 */
struct kluis_merkle {
    uint64_t size;
    uint8_t stack[64][KLUIS_HASH_LEN];
};

void kluis_merkle_init(struct kluis_merkle *m);
/* Appends a leaf hash (not the entry: hash it with kluis_merkle_leaf first). */
void kluis_merkle_push(struct kluis_merkle *m, const uint8_t leaf[KLUIS_HASH_LEN]);
/* The root of the leaves pushed so far (SHA-256("") for none). */
void kluis_merkle_root(const struct kluis_merkle *m, uint8_t out[KLUIS_HASH_LEN]);

/* ---- Proofs from a log ------------------------------------------------------------------------
 */

/*
 * Where proofs read leaf hashes from: fills out[0 .. to-from) with the leaf hashes of indexes
 * [from, to). Called with ranges of at most 65536 leaves.
 */
typedef kluis_rc (*kluis_leaves_fn)(void *ctx, uint64_t from, uint64_t to,
                                    uint8_t (*out)[KLUIS_HASH_LEN], struct kluis_err *err);

/* The root of leaves [from, to) (any range; a proof's building block). */
kluis_rc kluis_merkle_range_root(kluis_leaves_fn fn, void *ctx, uint64_t from, uint64_t to,
                                 uint8_t out[KLUIS_HASH_LEN], struct kluis_err *err);

/*
 * Inclusion proof of leaf `index` in the tree of the first `size` leaves (index < size). proof
 * holds KLUIS_PROOF_MAX hashes; *n_proof receives how many were written (leaf end first).
 */
kluis_rc kluis_merkle_prove_inclusion(kluis_leaves_fn fn, void *ctx, uint64_t index, uint64_t size,
                                      uint8_t (*proof)[KLUIS_HASH_LEN], size_t *n_proof,
                                      struct kluis_err *err);

/* Consistency proof between the trees of the first m and the first n leaves (0 < m <= n). */
kluis_rc kluis_merkle_prove_consistency(kluis_leaves_fn fn, void *ctx, uint64_t m, uint64_t n,
                                        uint8_t (*proof)[KLUIS_HASH_LEN], size_t *n_proof,
                                        struct kluis_err *err);

/* ---- Verifying (an auditor needs nothing else) --------------------------------------------------
 */

/*
 * RFC 9162 §2.1.3.2. Hashes are passed with their lengths so that a wrong length is refused, not
 * read past: each must be 32. KLUIS_OK when the proof shows leaf_hash at index in the tree of
 * `size` leaves with that root; KLUIS_ECORRUPT when it does not; KLUIS_EINVAL for impossible
 * arguments (index >= size, a hash of the wrong length, too many or too few proof hashes).
 */
kluis_rc kluis_merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t *leaf_hash,
                                       size_t leaf_len, const uint8_t *const *proof,
                                       const size_t *proof_lens, size_t n_proof,
                                       const uint8_t *root, size_t root_len, struct kluis_err *err);

/* RFC 9162 §2.1.4.2; size1 == 0 is always refused; size1 == size2 needs an empty proof and
 * equal roots. Same return codes as above. */
kluis_rc kluis_merkle_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t *root1,
                                         size_t root1_len, const uint8_t *root2, size_t root2_len,
                                         const uint8_t *const *proof, const size_t *proof_lens,
                                         size_t n_proof, struct kluis_err *err);

/* ---- Signed notes and checkpoints ------------------------------------------------------------ */

/* The largest note (and checkpoint text) accepted, and the most signature lines in a note. */
#define KLUIS_NOTE_MAX      (1024u * 1024u)
#define KLUIS_NOTE_SIGS_MAX 100

/* An Ed25519 note signer: its name, key hash (key id) and key pair. Wipe with
 * kluis_note_signer_wipe. */
struct kluis_note_signer {
    char name[256];
    uint32_t key_id;
    uint8_t seed[32];
    uint8_t pub[32];
};

/* A verifier key: name, key id, public key. */
struct kluis_note_verifier {
    char name[256];
    uint32_t key_id;
    uint8_t pub[32];
};

/* A new key pair for `name` (a note key name: no spaces, no '+', not empty). */
kluis_rc kluis_note_keygen(const char *name, struct kluis_note_signer *s, struct kluis_err *err);
void kluis_note_signer_wipe(struct kluis_note_signer *s);

/* "PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>" and back (as golang.org/x/mod/sumdb/note). */
kluis_rc kluis_note_signer_parse(const char *skey, struct kluis_note_signer *s,
                                 struct kluis_err *err);
/* Writes the skey text into out (size bytes); KLUIS_ETOOBIG when it does not fit. */
kluis_rc kluis_note_signer_format(const struct kluis_note_signer *s, char *out, size_t size,
                                  struct kluis_err *err);

/* "<name>+<hash>+<base64(0x01 || pub)>" and back. */
kluis_rc kluis_note_verifier_parse(const char *vkey, struct kluis_note_verifier *v,
                                   struct kluis_err *err);
kluis_rc kluis_note_verifier_format(const struct kluis_note_verifier *v, char *out, size_t size,
                                    struct kluis_err *err);
void kluis_note_verifier_of(const struct kluis_note_signer *s, struct kluis_note_verifier *v);

/*
 * Signs text (non-empty, ending in "\n", no blank line, valid UTF-8 without control characters
 * other than "\n") and returns the note: text, a blank line, the signature line. *out is
 * malloc'd, NUL-terminated.
 */
kluis_rc kluis_note_sign(const struct kluis_note_signer *s, const char *text, size_t n, char **out,
                         size_t *out_len, struct kluis_err *err);

/*
 * Parses a note and checks its signatures against verifiers[0..n). KLUIS_OK when at least one
 * signature by a known key verifies and none by a known key fails; *text_len receives the length
 * of the signed text at the start of note. Signatures by unknown keys are ignored (at most 100
 * signature lines). KLUIS_EPARSE for a malformed note; KLUIS_ECORRUPT for a bad signature by a
 * known key or no known signature; KLUIS_ETOOBIG for a note over KLUIS_NOTE_MAX bytes.
 */
kluis_rc kluis_note_open(const char *note, size_t n, const struct kluis_note_verifier *verifiers,
                         size_t n_verifiers, size_t *text_len, struct kluis_err *err);

/* A tlog checkpoint: origin line, tree size, root hash (extension lines are not kept). */
struct kluis_checkpoint {
    char origin[256];
    uint64_t size;
    uint8_t root[KLUIS_HASH_LEN];
};

/* The checkpoint's text (origin, size, base64 root, each on its own line); malloc'd. */
kluis_rc kluis_checkpoint_text(const struct kluis_checkpoint *c, char **out, size_t *out_len,
                               struct kluis_err *err);

/* Parses checkpoint text (the signed part of a note). KLUIS_EPARSE when malformed. */
kluis_rc kluis_checkpoint_parse(const char *text, size_t n, struct kluis_checkpoint *c,
                                struct kluis_err *err);

#ifdef __cplusplus
}
#endif

#endif
