/*
 * RFC 9162 Merkle trees: hashing, the compact range of a growing tree, proofs built from range
 * roots, and the strict verifiers of §2.1.3.2 and §2.1.4.2.
 *
 * Proofs are generated from the recursive definitions (PATH and SUBPROOF of §2.1.3.1 and
 * §2.1.4.1) unrolled from the top: every step of the recursion contributes the root of the
 * sibling range, which is computed by streaming its leaves through a compact range. A proof thus
 * reads at most every leaf once (the siblings are disjoint) and holds O(log n) hashes, plus one
 * bounded chunk of leaf hashes; it never needs the whole log in memory.
 */
#include <stdlib.h>
#include <string.h>

/* The low-level SHA-256 (deprecated in OpenSSL 3 in favour of EVP, still there and the same
 * code underneath): a digest through EVP costs a provider dispatch per call, which for the
 * 65-byte node hashes that dominate a tree is a third of the work. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "kluis/audit.h"

/* SHA-256 of the empty string: the root of the empty tree (RFC 9162 §2.1.1). */
static const uint8_t empty_root[KLUIS_HASH_LEN] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};

/* The most leaf hashes asked of a kluis_leaves_fn at once (the contract in audit.h). */
#define CHUNK_MAX 65536u

/*
 * SHA-256 with OpenSSL's low-level functions on a context on the stack: nothing to fetch or
 * allocate, nothing per thread. The struct stays so that the functions below read as before.
 */
struct hasher {
    int unused;
};

static void hasher_close(struct hasher *h)
{
    (void)h;
}

static bool hasher_open(struct hasher *h)
{
    h->unused = 0;
    return true;
}

/* SHA-256(prefix || a || b). */
static bool hash_parts(struct hasher *h, uint8_t prefix, const void *a, size_t na, const void *b,
                       size_t nb, uint8_t out[KLUIS_HASH_LEN])
{
    (void)h;
    SHA256_CTX c; /* public data: nothing to wipe */
    return SHA256_Init(&c) == 1 && SHA256_Update(&c, &prefix, 1) == 1 &&
           (na == 0 || SHA256_Update(&c, a, na) == 1) &&
           (nb == 0 || SHA256_Update(&c, b, nb) == 1) && SHA256_Final(out, &c) == 1;
}

static bool hash_node(struct hasher *h, const uint8_t left[KLUIS_HASH_LEN],
                      const uint8_t right[KLUIS_HASH_LEN], uint8_t out[KLUIS_HASH_LEN])
{
    return hash_parts(h, 0x01, left, KLUIS_HASH_LEN, right, KLUIS_HASH_LEN, out);
}

/*
 * The public hashing functions cannot report a failure (only an allocation inside OpenSSL can
 * fail); they then write all zeroes, which no proof or root will ever match, so a failure can
 * make verification fail but never succeed.
 */
void kluis_merkle_leaf(const void *entry, size_t n, uint8_t out[KLUIS_HASH_LEN])
{
    struct hasher h;
    if (!hasher_open(&h)) {
        memset(out, 0, KLUIS_HASH_LEN);
        return;
    }
    if (!hash_parts(&h, 0x00, entry, n, NULL, 0, out))
        memset(out, 0, KLUIS_HASH_LEN);
    hasher_close(&h);
}

void kluis_merkle_node(const uint8_t left[KLUIS_HASH_LEN], const uint8_t right[KLUIS_HASH_LEN],
                       uint8_t out[KLUIS_HASH_LEN])
{
    struct hasher h;
    uint8_t tmp[KLUIS_HASH_LEN];
    /* Through tmp, so that out may alias left or right. */
    if (!hasher_open(&h) || !hash_node(&h, left, right, tmp))
        memset(tmp, 0, KLUIS_HASH_LEN);
    hasher_close(&h);
    memcpy(out, tmp, KLUIS_HASH_LEN);
}

/* ---- Compact ranges ------------------------------------------------------------------------ */

/*
 * The stack holds one root per set bit of the number of leaves, largest subtree first. Appending
 * a leaf merges as many subtrees as the count has trailing one bits, like a binary carry.
 */
static bool range_push(struct hasher *h, uint8_t (*stack)[KLUIS_HASH_LEN], uint64_t count,
                       const uint8_t leaf[KLUIS_HASH_LEN])
{
    unsigned top = (unsigned)__builtin_popcountll(count);
    uint8_t acc[KLUIS_HASH_LEN];
    memcpy(acc, leaf, KLUIS_HASH_LEN);
    for (uint64_t c = count; c & 1; c >>= 1) {
        top--;
        if (!hash_node(h, stack[top], acc, acc))
            return false;
    }
    memcpy(stack[top], acc, KLUIS_HASH_LEN);
    return true;
}

/*
 * The root of a compact range of count > 0 leaves: the subtrees folded from the right, which is
 * exactly MTH's split at the largest power of two below the size, applied recursively.
 */
static bool range_fold(struct hasher *h, uint8_t (*stack)[KLUIS_HASH_LEN], uint64_t count,
                       uint8_t out[KLUIS_HASH_LEN])
{
    unsigned top = (unsigned)__builtin_popcountll(count);
    uint8_t acc[KLUIS_HASH_LEN];
    memcpy(acc, stack[top - 1], KLUIS_HASH_LEN);
    for (unsigned i = top - 1; i-- > 0;)
        if (!hash_node(h, stack[i], acc, acc))
            return false;
    memcpy(out, acc, KLUIS_HASH_LEN);
    return true;
}

void kluis_merkle_init(struct kluis_merkle *m)
{
    memset(m, 0, sizeof(*m));
}

void kluis_merkle_push(struct kluis_merkle *m, const uint8_t leaf[KLUIS_HASH_LEN])
{
    struct hasher h;
    /* 2^64 - 1 leaves is the most 64 subtrees can hold; nothing real gets there. */
    if (m->size == UINT64_MAX || !hasher_open(&h))
        return;
    /* range_push writes the stack only once every hash succeeded. */
    if (range_push(&h, m->stack, m->size, leaf))
        m->size++;
    hasher_close(&h);
}

void kluis_merkle_root(const struct kluis_merkle *m, uint8_t out[KLUIS_HASH_LEN])
{
    if (m->size == 0) {
        memcpy(out, empty_root, KLUIS_HASH_LEN);
        return;
    }
    struct hasher h;
    uint8_t stack[64][KLUIS_HASH_LEN];
    memcpy(stack, m->stack, sizeof(stack));
    if (!hasher_open(&h) || !range_fold(&h, stack, m->size, out))
        memset(out, 0, KLUIS_HASH_LEN);
    hasher_close(&h);
}

/* ---- Range roots and proofs ---------------------------------------------------------------- */

/* What a proof needs while it runs: the hasher and one chunk of leaf hashes. */
struct reader {
    kluis_leaves_fn fn;
    void *ctx;
    struct hasher h;
    uint8_t (*chunk)[KLUIS_HASH_LEN];
    size_t chunk_n;
};

static kluis_rc reader_open(struct reader *r, kluis_leaves_fn fn, void *ctx, uint64_t most,
                            struct kluis_err *err)
{
    memset(r, 0, sizeof(*r));
    r->fn = fn;
    r->ctx = ctx;
    r->chunk_n = most < CHUNK_MAX ? (size_t)most : CHUNK_MAX;
    if (r->chunk_n == 0)
        r->chunk_n = 1;
    r->chunk = malloc(r->chunk_n * KLUIS_HASH_LEN);
    if (!r->chunk || !hasher_open(&r->h)) {
        free(r->chunk);
        r->chunk = NULL;
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory computing a Merkle proof");
    }
    return KLUIS_OK;
}

static void reader_close(struct reader *r)
{
    hasher_close(&r->h);
    free(r->chunk);
    r->chunk = NULL;
}

static kluis_rc hash_failed(struct kluis_err *err)
{
    return kluis_err_set(err, KLUIS_EINTERNAL, "SHA-256 failed in OpenSSL");
}

/* MTH(D[from:to]) for from < to, reading the leaves chunk by chunk. */
static kluis_rc reader_root(struct reader *r, uint64_t from, uint64_t to,
                            uint8_t out[KLUIS_HASH_LEN], struct kluis_err *err)
{
    uint8_t stack[64][KLUIS_HASH_LEN];
    uint64_t count = 0;
    for (uint64_t at = from; at < to;) {
        uint64_t want = to - at < r->chunk_n ? to - at : r->chunk_n;
        kluis_rc rc = r->fn(r->ctx, at, at + want, r->chunk, err);
        if (rc != KLUIS_OK)
            return rc;
        for (uint64_t i = 0; i < want; i++, count++)
            if (!range_push(&r->h, stack, count, r->chunk[i]))
                return hash_failed(err);
        at += want;
    }
    if (!range_fold(&r->h, stack, count, out))
        return hash_failed(err);
    return KLUIS_OK;
}

kluis_rc kluis_merkle_range_root(kluis_leaves_fn fn, void *ctx, uint64_t from, uint64_t to,
                                 uint8_t out[KLUIS_HASH_LEN], struct kluis_err *err)
{
    if (!fn || !out || from > to)
        return kluis_err_set(err, KLUIS_EINVAL, "invalid Merkle range [%llu, %llu)",
                             (unsigned long long)from, (unsigned long long)to);
    if (from == to) {
        memcpy(out, empty_root, KLUIS_HASH_LEN);
        return KLUIS_OK;
    }
    struct reader r;
    kluis_rc rc = reader_open(&r, fn, ctx, to - from, err);
    if (rc != KLUIS_OK)
        return rc;
    uint8_t root[KLUIS_HASH_LEN];
    rc = reader_root(&r, from, to, root, err);
    reader_close(&r);
    if (rc == KLUIS_OK)
        memcpy(out, root, KLUIS_HASH_LEN);
    return rc;
}

/* The largest power of two strictly below n (n >= 2): RFC 9162's k. */
static uint64_t split_point(uint64_t n)
{
    return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* Copies the hashes collected from the top of the tree down, leaf end first. */
static void emit_reversed(uint8_t (*path)[KLUIS_HASH_LEN], size_t n,
                          uint8_t (*proof)[KLUIS_HASH_LEN], size_t *n_proof)
{
    for (size_t i = 0; i < n; i++)
        memcpy(proof[i], path[n - 1 - i], KLUIS_HASH_LEN);
    *n_proof = n;
}

kluis_rc kluis_merkle_prove_inclusion(kluis_leaves_fn fn, void *ctx, uint64_t index, uint64_t size,
                                      uint8_t (*proof)[KLUIS_HASH_LEN], size_t *n_proof,
                                      struct kluis_err *err)
{
    if (!fn || !proof || !n_proof)
        return kluis_err_set(err, KLUIS_EINVAL, "invalid arguments for an inclusion proof");
    if (index >= size)
        return kluis_err_set(err, KLUIS_EINVAL, "leaf %llu is not in a tree of %llu leaves",
                             (unsigned long long)index, (unsigned long long)size);
    struct reader r;
    kluis_rc rc = reader_open(&r, fn, ctx, size, err);
    if (rc != KLUIS_OK)
        return rc;
    /* PATH(m, D[lo:hi]) unrolled: each level adds the root of the half without the leaf. */
    uint8_t path[KLUIS_PROOF_MAX][KLUIS_HASH_LEN];
    size_t depth = 0;
    uint64_t lo = 0, hi = size;
    while (hi - lo > 1 && rc == KLUIS_OK) {
        uint64_t k = split_point(hi - lo);
        if (index - lo < k) {
            rc = reader_root(&r, lo + k, hi, path[depth++], err);
            hi = lo + k;
        } else {
            rc = reader_root(&r, lo, lo + k, path[depth++], err);
            lo += k;
        }
    }
    reader_close(&r);
    if (rc == KLUIS_OK)
        emit_reversed(path, depth, proof, n_proof);
    return rc;
}

kluis_rc kluis_merkle_prove_consistency(kluis_leaves_fn fn, void *ctx, uint64_t m, uint64_t n,
                                        uint8_t (*proof)[KLUIS_HASH_LEN], size_t *n_proof,
                                        struct kluis_err *err)
{
    if (!fn || !proof || !n_proof)
        return kluis_err_set(err, KLUIS_EINVAL, "invalid arguments for a consistency proof");
    if (m == 0 || m > n)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "no consistency proof from %llu to %llu leaves (need 0 < m <= n)",
                             (unsigned long long)m, (unsigned long long)n);
    if (m == n) {
        *n_proof = 0;
        return KLUIS_OK;
    }
    struct reader r;
    kluis_rc rc = reader_open(&r, fn, ctx, n, err);
    if (rc != KLUIS_OK)
        return rc;
    /*
     * SUBPROOF(m, D[lo:hi], b) unrolled: while m falls inside the range, each level adds the root
     * of the half that does not end at m; where m is the end of the range, the range's own root
     * is added unless it is the old tree itself (b), which the verifier already has.
     */
    uint8_t path[KLUIS_PROOF_MAX][KLUIS_HASH_LEN];
    size_t depth = 0;
    uint64_t lo = 0, hi = n;
    bool whole_old_tree = true;
    while (rc == KLUIS_OK) {
        if (m == hi) {
            if (!whole_old_tree)
                rc = reader_root(&r, lo, hi, path[depth++], err);
            break;
        }
        uint64_t k = split_point(hi - lo);
        if (m - lo <= k) {
            rc = reader_root(&r, lo + k, hi, path[depth++], err);
            hi = lo + k;
        } else {
            rc = reader_root(&r, lo, lo + k, path[depth++], err);
            lo += k;
            whole_old_tree = false;
        }
    }
    reader_close(&r);
    if (rc == KLUIS_OK)
        emit_reversed(path, depth, proof, n_proof);
    return rc;
}

/* ---- Verifiers ----------------------------------------------------------------------------- */

static unsigned bit_len(uint64_t x)
{
    return x == 0 ? 0 : 64u - (unsigned)__builtin_clzll(x);
}

/* Every hash present and exactly 32 bytes: a wrong length is refused, never read past. */
static kluis_rc check_hashes(const uint8_t *const *proof, const size_t *proof_lens, size_t n_proof,
                             struct kluis_err *err)
{
    if (n_proof > KLUIS_PROOF_MAX)
        return kluis_err_set(err, KLUIS_EINVAL, "a proof of %zu hashes is too long", n_proof);
    if (n_proof > 0 && (!proof || !proof_lens))
        return kluis_err_set(err, KLUIS_EINVAL, "proof hashes missing");
    for (size_t i = 0; i < n_proof; i++)
        if (!proof[i] || proof_lens[i] != KLUIS_HASH_LEN)
            return kluis_err_set(err, KLUIS_EINVAL, "proof hash %zu is %zu bytes, not 32", i,
                                 proof[i] ? proof_lens[i] : 0);
    return KLUIS_OK;
}

static bool hash_ok(const uint8_t *h, size_t len)
{
    return h && len == KLUIS_HASH_LEN;
}

kluis_rc kluis_merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t *leaf_hash,
                                       size_t leaf_len, const uint8_t *const *proof,
                                       const size_t *proof_lens, size_t n_proof,
                                       const uint8_t *root, size_t root_len, struct kluis_err *err)
{
    if (!hash_ok(leaf_hash, leaf_len) || !hash_ok(root, root_len))
        return kluis_err_set(err, KLUIS_EINVAL, "leaf hash and root must be 32 bytes");
    kluis_rc rc = check_hashes(proof, proof_lens, n_proof, err);
    if (rc != KLUIS_OK)
        return rc;
    if (index >= size)
        return kluis_err_set(err, KLUIS_EINVAL, "leaf %llu is not in a tree of %llu leaves",
                             (unsigned long long)index, (unsigned long long)size);
    /*
     * The proof's length follows from index and size: one hash per level where the paths to the
     * leaf and to the last leaf have parted (inner), one per left sibling above (border).
     */
    unsigned inner = bit_len(index ^ (size - 1));
    size_t want = inner + (size_t)__builtin_popcountll(inner < 64 ? index >> inner : 0);
    if (n_proof != want)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "an inclusion proof for leaf %llu of %llu has %zu hashes, not %zu",
                             (unsigned long long)index, (unsigned long long)size, want, n_proof);

    struct hasher h;
    if (!hasher_open(&h))
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory verifying a proof");
    /* RFC 9162 §2.1.3.2, step by step. */
    uint64_t fn = index, sn = size - 1;
    uint8_t r[KLUIS_HASH_LEN];
    memcpy(r, leaf_hash, KLUIS_HASH_LEN);
    bool ok = true, hashed = true;
    for (size_t i = 0; i < n_proof && ok && hashed; i++) {
        if (sn == 0) {
            ok = false;
            break;
        }
        if ((fn & 1) || fn == sn) {
            hashed = hash_node(&h, proof[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            hashed = hash_node(&h, r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    hasher_close(&h);
    if (!hashed)
        return hash_failed(err);
    if (!ok || sn != 0 || memcmp(r, root, KLUIS_HASH_LEN) != 0)
        return kluis_err_set(err, KLUIS_ECORRUPT,
                             "the inclusion proof for leaf %llu does not lead to the root",
                             (unsigned long long)index);
    return KLUIS_OK;
}

kluis_rc kluis_merkle_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t *root1,
                                         size_t root1_len, const uint8_t *root2, size_t root2_len,
                                         const uint8_t *const *proof, const size_t *proof_lens,
                                         size_t n_proof, struct kluis_err *err)
{
    /* Stricter than transparency-dev: roots are checked for length even when sizes are equal. */
    if (!hash_ok(root1, root1_len) || !hash_ok(root2, root2_len))
        return kluis_err_set(err, KLUIS_EINVAL, "roots must be 32 bytes");
    kluis_rc rc = check_hashes(proof, proof_lens, n_proof, err);
    if (rc != KLUIS_OK)
        return rc;
    if (size1 == 0)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "a consistency proof from the empty tree is "
                             "meaningless");
    if (size1 > size2)
        return kluis_err_set(err, KLUIS_EINVAL, "the old tree (%llu) is larger than the new (%llu)",
                             (unsigned long long)size1, (unsigned long long)size2);
    if (size1 == size2) {
        if (n_proof != 0)
            return kluis_err_set(err, KLUIS_EINVAL, "equal sizes need an empty proof");
        if (memcmp(root1, root2, KLUIS_HASH_LEN) != 0)
            return kluis_err_set(err, KLUIS_ECORRUPT, "two roots of the same size differ");
        return KLUIS_OK;
    }
    /*
     * The expected length: the inclusion proof of leaf size1 - 1 in the new tree, less the levels
     * inside the old tree's last perfect subtree (its root is the seed), plus that seed unless the
     * old tree is that subtree (then the verifier has it as root1).
     */
    unsigned shift = (unsigned)__builtin_ctzll(size1);
    unsigned inner = bit_len((size1 - 1) ^ (size2 - 1));
    size_t border = (size_t)__builtin_popcountll(inner < 64 ? (size1 - 1) >> inner : 0);
    bool power_of_two = (size1 & (size1 - 1)) == 0;
    size_t want = (power_of_two ? 0 : 1) + (inner - shift) + border;
    if (n_proof != want)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "a consistency proof from %llu to %llu has %zu hashes, not %zu",
                             (unsigned long long)size1, (unsigned long long)size2, want, n_proof);

    /* RFC 9162 §2.1.4.2, step by step; step 2 prepends root1 when size1 is a power of two. */
    const uint8_t *first = power_of_two ? root1 : proof[0];
    size_t next = power_of_two ? 0 : 1;
    uint64_t fn = size1 - 1, sn = size2 - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[KLUIS_HASH_LEN], sr[KLUIS_HASH_LEN];
    memcpy(fr, first, KLUIS_HASH_LEN);
    memcpy(sr, first, KLUIS_HASH_LEN);
    struct hasher h;
    if (!hasher_open(&h))
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory verifying a proof");
    bool ok = true, hashed = true;
    for (size_t i = next; i < n_proof && ok && hashed; i++) {
        const uint8_t *c = proof[i];
        if (sn == 0) {
            ok = false;
            break;
        }
        if ((fn & 1) || fn == sn) {
            hashed = hash_node(&h, c, fr, fr) && hash_node(&h, c, sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            hashed = hash_node(&h, sr, c, sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    hasher_close(&h);
    if (!hashed)
        return hash_failed(err);
    if (!ok || sn != 0 || memcmp(fr, root1, KLUIS_HASH_LEN) != 0 ||
        memcmp(sr, root2, KLUIS_HASH_LEN) != 0)
        return kluis_err_set(err, KLUIS_ECORRUPT,
                             "the consistency proof from %llu to %llu leaves does not hold",
                             (unsigned long long)size1, (unsigned long long)size2);
    return KLUIS_OK;
}
