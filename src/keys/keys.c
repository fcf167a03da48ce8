/*
 * The key store: one SQLite file of its own (keys.h says what it holds and why).
 *
 * Layout (schema 1):
 *   meta(key, value)                      version, store_id, secrets, the audit signing key
 *   classes(class, version, key, created) class keys; a retired version's row is deleted
 *   data_keys(tenant, subject, category → class, version, wrapped)
 *   pseudonyms(tenant, subject → key)
 *   bucket_keys(no → key)
 *   erased(seq, tenant, subject, category, at)
 *
 * A subject is its keyed hash (32 bytes); the tenant's records without a subject use 32 zero
 * bytes. Keys are deleted with SQLite's secure delete on (the page is overwritten), and after a
 * transaction that destroyed a key the WAL is checkpointed and truncated, so no earlier copy of
 * the page stays in it.
 *
 * Unwrapped data keys and bucket keys are cached in memory (wiped on close and whenever a key
 * is destroyed), because sealing and opening a value needs both.
 */
#include "kluis/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kluis/crypto.h"

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#define KEYS_SCHEMA  1
#define CACHE_SLOTS  65536 /* data keys kept unwrapped (a 4-way cache, below) */
#define PN_SLOTS     65536 /* pseudonyms (a 4-way cache, below) */
#define BUCKET_CACHE 64
#define STMT_CACHE   48 /* prepared statements kept for the connection's life */

struct dk_slot {
    bool used;
    uint8_t id[32]; /* SHA-256(tenant 0 subject category) */
    uint8_t key[32];
};

struct pn_slot {
    bool used;
    uint8_t id[32]; /* SHA-256(tenant 0 subject) */
    char out[33];
};

/* A prepared statement kept for the connection's life; busy while a caller holds it. */
struct stmt_slot {
    const char *sql;
    sqlite3_stmt *st;
    bool busy;
};

struct bk_slot {
    int64_t no;
    uint8_t key[32];
};

struct kluis_keys {
    sqlite3 *db;
    int64_t now; /* the engine's clock, for keys the keyring makes */
    struct kluis_keyring ring;
    bool in_txn;
    bool destroyed; /* this transaction destroyed keys: truncate the WAL after it */
    struct dk_slot *dk;
    struct pn_slot *pn;
    struct bk_slot bk[BUCKET_CACHE];
    size_t n_bk;
    struct stmt_slot stmts[STMT_CACHE];
    size_t n_stmts;
};

static const char schema_v1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;"
    "CREATE TABLE classes(class TEXT NOT NULL, version INTEGER NOT NULL, key BLOB NOT NULL,"
    " created INTEGER NOT NULL, PRIMARY KEY(class, version)) WITHOUT ROWID;"
    "CREATE TABLE data_keys(tenant TEXT NOT NULL, subject BLOB NOT NULL, category TEXT NOT NULL,"
    " class TEXT NOT NULL, version INTEGER NOT NULL, wrapped BLOB NOT NULL,"
    " PRIMARY KEY(tenant, subject, category)) WITHOUT ROWID;"
    "CREATE INDEX data_keys_class ON data_keys(class, version);"
    "CREATE TABLE pseudonyms(tenant TEXT NOT NULL, subject BLOB NOT NULL, key BLOB NOT NULL,"
    " PRIMARY KEY(tenant, subject)) WITHOUT ROWID;"
    "CREATE TABLE bucket_keys(no INTEGER PRIMARY KEY, key BLOB NOT NULL);"
    "CREATE TABLE erased(seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL,"
    " subject BLOB NOT NULL, category TEXT, at INTEGER NOT NULL);";

static const uint8_t no_subject[32];

/* ---- Small helpers --------------------------------------------------------------------------- */

static kluis_rc fail(struct kluis_keys *k, struct kluis_err *err, const char *what)
{
    return kluis_err_set(err, KLUIS_EIO, "key store: %s failed: %s", what, sqlite3_errmsg(k->db));
}

static kluis_rc exec(struct kluis_keys *k, const char *sql, struct kluis_err *err)
{
    if (sqlite3_exec(k->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(k, err, "a statement");
    return KLUIS_OK;
}

/*
 * Statements come from a cache keyed by their SQL text and go back to it with done(), which
 * resets them and clears their bindings. A statement whose cached copy is in use (a nested use of
 * the same SQL), or that no longer fits in the cache, is prepared afresh and finalised by done().
 */
static kluis_rc prepare(struct kluis_keys *k, const char *sql, sqlite3_stmt **st,
                        struct kluis_err *err)
{
    struct stmt_slot *hit = NULL;
    for (size_t i = 0; i < k->n_stmts && !hit; i++)
        if (k->stmts[i].sql == sql)
            hit = &k->stmts[i];
    for (size_t i = 0; i < k->n_stmts && !hit; i++)
        if (strcmp(k->stmts[i].sql, sql) == 0)
            hit = &k->stmts[i];
    if (hit && !hit->busy) {
        hit->busy = true;
        *st = hit->st;
        return KLUIS_OK;
    }
    if (sqlite3_prepare_v3(k->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return fail(k, err, "preparing a statement");
    if (!hit && k->n_stmts < STMT_CACHE)
        k->stmts[k->n_stmts++] = (struct stmt_slot){sql, *st, true};
    return KLUIS_OK;
}

static void done(struct kluis_keys *k, sqlite3_stmt *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < k->n_stmts; i++) {
        if (k->stmts[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            k->stmts[i].busy = false;
            return;
        }
    }
    sqlite3_finalize(st);
}

/* One cached statement run to its end (BEGIN, COMMIT, ROLLBACK). */
static int run(struct kluis_keys *k, const char *sql)
{
    sqlite3_stmt *st;
    if (prepare(k, sql, &st, NULL))
        return sqlite3_errcode(k->db);
    int step = sqlite3_step(st);
    done(k, st);
    return step == SQLITE_DONE ? SQLITE_OK : step;
}

static const uint8_t *subject_bytes(const struct kluis_subject_ref *s)
{
    return s ? s->hash : no_subject;
}

/* The cache id of (tenant, subject, category); false when there is none (names too long, or
 * SHA-256 failed): then the caches are neither read nor written. */
static bool dk_id(const char *tenant, const uint8_t subject[32], const char *category,
                  uint8_t out[32])
{
    size_t tl = strlen(tenant), cl = strlen(category);
    uint8_t buf[KLUIS_TENANT_MAX + 1 + 32 + 256];
    if (tl > KLUIS_TENANT_MAX || cl > 255)
        return false;
    memcpy(buf, tenant, tl + 1);
    memcpy(buf + tl + 1, subject, 32);
    memcpy(buf + tl + 33, category, cl);
    /* Looked up for every value sealed and every audit entry: the low-level SHA-256 on a stack
     * context, without the EVP context made and freed per call by kluis_sha256 (or by
     * OpenSSL 3's one-shot SHA256()). The same digest. */
    SHA256_CTX c;
    return SHA256_Init(&c) == 1 && SHA256_Update(&c, buf, tl + 33 + cl) == 1 &&
           SHA256_Final(out, &c) == 1;
}

/*
 * Both caches are 4-way set-associative: the slot holding id, else a free slot of its set, else
 * one of the set chosen by id (a direct-mapped cache of 65 536 slots kept missing on a quarter of
 * 20 000 subjects, each miss a key-store query; docs/internals/keys.md). The caller checks for a
 * hit (used and the same id) and fills the slot on a miss.
 */
#define CACHE_WAYS 4

#define SET_OF(slots, n, id)                                                                       \
    (&(slots)[((uint32_t)(id)[0] | (uint32_t)(id)[1] << 8 | (uint32_t)(id)[2] << 16) %             \
              ((n) / CACHE_WAYS) * CACHE_WAYS])

#define SLOT_FIND(set, id)                                                                         \
    do {                                                                                           \
        for (int w_ = 0; w_ < CACHE_WAYS; w_++)                                                    \
            if ((set)[w_].used && memcmp((set)[w_].id, (id), 32) == 0)                             \
                return &(set)[w_];                                                                 \
        for (int w_ = 0; w_ < CACHE_WAYS; w_++)                                                    \
            if (!(set)[w_].used)                                                                   \
                return &(set)[w_];                                                                 \
        return &(set)[(id)[3] % CACHE_WAYS];                                                       \
    } while (0)

static struct dk_slot *dk_slot(struct kluis_keys *k, const uint8_t id[32])
{
    struct dk_slot *set = SET_OF(k->dk, CACHE_SLOTS, id);
    SLOT_FIND(set, id);
}

static struct pn_slot *pn_slot(struct kluis_keys *k, const uint8_t id[32])
{
    struct pn_slot *set = SET_OF(k->pn, PN_SLOTS, id);
    SLOT_FIND(set, id);
}

static void pn_wipe(struct kluis_keys *k)
{
    if (k->pn)
        kluis_wipe(k->pn, PN_SLOTS * sizeof(*k->pn));
}

static void caches_wipe(struct kluis_keys *k)
{
    if (k->dk)
        kluis_wipe(k->dk, CACHE_SLOTS * sizeof(*k->dk));
    pn_wipe(k);
    kluis_wipe(k->bk, sizeof(k->bk));
    k->n_bk = 0;
}

/* ---- Meta ------------------------------------------------------------------------------------ */

static kluis_rc meta_get(struct kluis_keys *k, const char *key, uint8_t *out, size_t n, bool *found,
                         struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = prepare(k, "SELECT value FROM meta WHERE key = ?1", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    *found = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        if ((size_t)sqlite3_column_bytes(st, 0) != n) {
            done(k, st);
            return kluis_err_set(err, KLUIS_ECORRUPT, "key store: '%s' has the wrong size", key);
        }
        memcpy(out, sqlite3_column_blob(st, 0), n);
        *found = true;
    }
    done(k, st);
    return KLUIS_OK;
}

static kluis_rc meta_put(struct kluis_keys *k, const char *key, const uint8_t *v, size_t n,
                         struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = prepare(k, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, v, (int)n, SQLITE_STATIC);
    int step = sqlite3_step(st);
    done(k, st);
    return step == SQLITE_DONE ? KLUIS_OK : fail(k, err, "storing a secret");
}

/* Runs body in a transaction of its own unless one is open. */
static kluis_rc in_txn(struct kluis_keys *k,
                       kluis_rc (*body)(struct kluis_keys *, void *, struct kluis_err *), void *ctx,
                       struct kluis_err *err)
{
    if (k->in_txn)
        return body(k, ctx, err);
    kluis_rc rc = kluis_keys_begin(k, err);
    if (rc)
        return rc;
    if ((rc = body(k, ctx, err)) == KLUIS_OK)
        return kluis_keys_commit(k, err);
    kluis_keys_rollback(k);
    return rc;
}

/* ---- Open / close / transactions ------------------------------------------------------------- */

static kluis_rc check_mode(const char *path, int fd, struct kluis_err *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return kluis_err_set(err, KLUIS_EIO, "key store %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return kluis_err_set(err, KLUIS_EINVAL, "key store %s is not a regular file", path);
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        kluis_err_set(err, KLUIS_EREFUSED,
                      "key store %s can be read or written by others (mode %03o); kluis opens "
                      "it only when it is private to its owner",
                      path, (unsigned)(st.st_mode & 0777));
        kluis_err_hint(err, "chmod 600 %s", path);
        return KLUIS_EREFUSED;
    }
    return KLUIS_OK;
}

static kluis_rc schema(struct kluis_keys *k, struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = prepare(
        k, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'", &st, err);
    if (rc)
        return rc;
    bool have = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    done(k, st);
    if (!have) {
        if ((rc = exec(k, "BEGIN IMMEDIATE", err)))
            return rc;
        char sql[96];
        snprintf(sql, sizeof(sql), "INSERT INTO meta VALUES('schema_version', %d);", KEYS_SCHEMA);
        if ((rc = exec(k, schema_v1, err)) || (rc = exec(k, sql, err))) {
            sqlite3_exec(k->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
        return exec(k, "COMMIT", err);
    }
    if ((rc = prepare(k, "SELECT value FROM meta WHERE key='schema_version'", &st, err)))
        return rc;
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    done(k, st);
    if (version <= 0)
        return kluis_err_set(err, KLUIS_ECORRUPT, "key store: the schema version is missing");
    if (version > KEYS_SCHEMA) {
        kluis_err_set(err, KLUIS_EUNSUPPORTED,
                      "the key store was written by a newer kluis (schema %d; this one reads up "
                      "to %d)",
                      version, KEYS_SCHEMA);
        kluis_err_hint(err, "upgrade kluis; the key store is left as it is");
        return KLUIS_EUNSUPPORTED;
    }
    return KLUIS_OK;
}

static kluis_rc ring_bucket_key(void *ctx, int64_t no, bool create, uint8_t out[32],
                                struct kluis_err *err);
static kluis_rc ring_bucket_keys_destroy(void *ctx, const int64_t *nos, size_t n,
                                         struct kluis_err *err);
static kluis_rc ring_data_key(void *ctx, const char *tenant,
                              const struct kluis_subject_ref *subject, const char *category,
                              const char *key_class, uint8_t out[32], struct kluis_err *err);

kluis_rc kluis_keys_open(const char *path, struct kluis_keys **out_keys, struct kluis_err *err)
{
    if (!path || !*path)
        return kluis_err_set(err, KLUIS_EINVAL, "no key store path");
    /* Create it private before SQLite touches it; SQLite gives its -wal and -shm files the
     * database file's permissions. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return kluis_err_set(err, KLUIS_EIO, "key store %s: %s", path, strerror(errno));
    kluis_rc rc = check_mode(path, fd, err);
    close(fd);
    if (rc)
        return rc;
    struct kluis_keys *k = calloc(1, sizeof(*k));
    if (!k || !(k->dk = calloc(CACHE_SLOTS, sizeof(*k->dk))) ||
        !(k->pn = calloc(PN_SLOTS, sizeof(*k->pn)))) {
        if (k)
            free(k->dk);
        free(k);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    }
    k->ring = (struct kluis_keyring){k, ring_bucket_key, ring_bucket_keys_destroy, ring_data_key};
    if (sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = kluis_err_set(err, KLUIS_EIO, "key store %s: %s", path,
                           k->db ? sqlite3_errmsg(k->db) : "cannot open");
        kluis_keys_close(k);
        return rc;
    }
    sqlite3_busy_timeout(k->db, 5000);
    if ((rc = exec(k,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
                   "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536;"
                   "PRAGMA mmap_size=268435456;",
                   err)) ||
        (rc = schema(k, err))) {
        if (rc == KLUIS_EIO)
            kluis_err_detail(err, "is %s a kluis key store?", path);
        kluis_keys_close(k);
        return rc;
    }
    *out_keys = k;
    return KLUIS_OK;
}

void kluis_keys_close(struct kluis_keys *k)
{
    if (!k)
        return;
    if (k->in_txn)
        kluis_keys_rollback(k);
    caches_wipe(k);
    free(k->dk);
    free(k->pn);
    for (size_t i = 0; i < k->n_stmts; i++)
        sqlite3_finalize(k->stmts[i].st);
    k->n_stmts = 0;
    sqlite3_close_v2(k->db);
    free(k);
}

void kluis_keys_set_now(struct kluis_keys *k, int64_t now)
{
    k->now = now;
}

const struct kluis_keyring *kluis_keys_keyring(struct kluis_keys *k)
{
    return &k->ring;
}

kluis_rc kluis_keys_begin(struct kluis_keys *k, struct kluis_err *err)
{
    if (k->in_txn)
        return kluis_err_set(err, KLUIS_EINTERNAL, "key store: a transaction is already open");
    if (run(k, "BEGIN IMMEDIATE") != SQLITE_OK)
        return fail(k, err, "a statement");
    k->in_txn = true;
    return KLUIS_OK;
}

kluis_rc kluis_keys_commit(struct kluis_keys *k, struct kluis_err *err)
{
    if (!k->in_txn)
        return KLUIS_OK;
    kluis_rc rc = KLUIS_OK;
    if (run(k, "COMMIT") != SQLITE_OK) {
        rc = fail(k, err, "a statement");
        run(k, "ROLLBACK");
        caches_wipe(k);
    } else if (k->destroyed) {
        /* Earlier images of a destroyed key's page may sit in the WAL. */
        sqlite3_exec(k->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    }
    k->in_txn = false;
    k->destroyed = false;
    return rc;
}

void kluis_keys_rollback(struct kluis_keys *k)
{
    if (k->in_txn)
        run(k, "ROLLBACK");
    k->in_txn = false;
    k->destroyed = false;
    /* Keys made in the transaction are gone again. */
    caches_wipe(k);
}

/* ---- Pairing and secrets ------------------------------------------------------------------- */

struct pair_ctx {
    const uint8_t *id;
};

static kluis_rc pair_body(struct kluis_keys *k, void *vctx, struct kluis_err *err)
{
    struct pair_ctx *c = vctx;
    uint8_t have[16];
    bool found;
    kluis_rc rc = meta_get(k, "store_id", have, sizeof(have), &found, err);
    if (rc)
        return rc;
    if (!found)
        return meta_put(k, "store_id", c->id, 16, err);
    if (memcmp(have, c->id, 16) != 0) {
        kluis_err_set(err, KLUIS_EREFUSED,
                      "the key store belongs to another data store; its keys would not open "
                      "this store's data");
        kluis_err_hint(err, "give the key store that was made with this data store (--keys)");
        return KLUIS_EREFUSED;
    }
    return KLUIS_OK;
}

kluis_rc kluis_keys_pair(struct kluis_keys *k, const uint8_t store_id[16], struct kluis_err *err)
{
    struct pair_ctx c = {store_id};
    return in_txn(k, pair_body, &c, err);
}

struct secret_ctx {
    const char *name;
    const uint8_t *import;
    uint8_t *out;
};

static kluis_rc secret_body(struct kluis_keys *k, void *vctx, struct kluis_err *err)
{
    struct secret_ctx *c = vctx;
    char key[64];
    snprintf(key, sizeof(key), "secret:%s", c->name);
    bool found;
    kluis_rc rc = meta_get(k, key, c->out, 32, &found, err);
    if (rc || found)
        return rc;
    if (c->import)
        memcpy(c->out, c->import, 32);
    else if ((rc = kluis_random(c->out, 32, err)))
        return rc;
    return meta_put(k, key, c->out, 32, err);
}

kluis_rc kluis_keys_secret(struct kluis_keys *k, const char *name, const uint8_t *import,
                           uint8_t out[32], struct kluis_err *err)
{
    struct secret_ctx c = {name, import, out};
    return in_txn(k, secret_body, &c, err);
}

struct signer_ctx {
    const char *origin;
    struct kluis_note_signer *out;
};

static kluis_rc signer_body(struct kluis_keys *k, void *vctx, struct kluis_err *err)
{
    struct signer_ctx *c = vctx;
    sqlite3_stmt *st;
    kluis_rc rc = prepare(k, "SELECT value FROM meta WHERE key = 'audit_signer'", &st, err);
    if (rc)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        char skey[512];
        snprintf(skey, sizeof(skey), "%.*s", sqlite3_column_bytes(st, 0),
                 (const char *)sqlite3_column_blob(st, 0));
        done(k, st);
        rc = kluis_note_signer_parse(skey, c->out, err);
        kluis_wipe(skey, sizeof(skey));
        return rc;
    }
    done(k, st);
    if ((rc = kluis_note_keygen(c->origin, c->out, err)))
        return rc;
    char skey[512];
    if ((rc = kluis_note_signer_format(c->out, skey, sizeof(skey), err)) == KLUIS_OK)
        rc = meta_put(k, "audit_signer", (const uint8_t *)skey, strlen(skey), err);
    kluis_wipe(skey, sizeof(skey));
    if (rc)
        kluis_note_signer_wipe(c->out);
    return rc;
}

kluis_rc kluis_keys_signer(struct kluis_keys *k, const char *origin, struct kluis_note_signer *out,
                           struct kluis_err *err)
{
    struct signer_ctx c = {origin, out};
    return in_txn(k, signer_body, &c, err);
}

/* ---- Classes -----------------------------------------------------------------------------------
 */

static bool class_name_valid(const char *cls)
{
    size_t n = strlen(cls);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = cls[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

/* The newest version of cls (0 when none) and, when key is not NULL, its key. */
static kluis_rc class_newest(struct kluis_keys *k, const char *cls, int *out_version, uint8_t *key,
                             struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = prepare(
        k, "SELECT version, key FROM classes WHERE class = ?1 ORDER BY version DESC LIMIT 1", &st,
        err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, cls, -1, SQLITE_STATIC);
    *out_version = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *out_version = sqlite3_column_int(st, 0);
        if (key) {
            if (sqlite3_column_bytes(st, 1) != 32) {
                done(k, st);
                return kluis_err_set(err, KLUIS_ECORRUPT, "key store: a class key is damaged");
            }
            memcpy(key, sqlite3_column_blob(st, 1), 32);
        }
    }
    done(k, st);
    return KLUIS_OK;
}

static kluis_rc class_key(struct kluis_keys *k, const char *cls, int version, uint8_t key[32],
                          struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = prepare(k, "SELECT key FROM classes WHERE class = ?1 AND version = ?2", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, cls, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, version);
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) != 32) {
        done(k, st);
        return kluis_err_set(err, KLUIS_ECORRUPT,
                             "key store: version %d of key class '%s' is missing", version, cls);
    }
    memcpy(key, sqlite3_column_blob(st, 0), 32);
    done(k, st);
    return KLUIS_OK;
}

static kluis_rc class_add(struct kluis_keys *k, const char *cls, int version, int64_t now,
                          struct kluis_err *err)
{
    uint8_t key[32];
    kluis_rc rc = kluis_random(key, sizeof(key), err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if ((rc = prepare(k, "INSERT INTO classes(class, version, key, created) VALUES(?1, ?2, ?3, ?4)",
                      &st, err))) {
        kluis_wipe(key, sizeof(key));
        return rc;
    }
    sqlite3_bind_text(st, 1, cls, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, version);
    sqlite3_bind_blob(st, 3, key, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, now);
    int step = sqlite3_step(st);
    done(k, st);
    kluis_wipe(key, sizeof(key));
    return step == SQLITE_DONE ? KLUIS_OK : fail(k, err, "storing a class key");
}

struct class_ctx {
    const char *cls;
    int64_t now;
    int version;
    bool created;
};

static kluis_rc class_init_body(struct kluis_keys *k, void *vctx, struct kluis_err *err)
{
    struct class_ctx *c = vctx;
    int v;
    kluis_rc rc = class_newest(k, c->cls, &v, NULL, err);
    if (rc || v > 0)
        return rc;
    c->created = true;
    return class_add(k, c->cls, 1, c->now, err);
}

kluis_rc kluis_keys_class_init(struct kluis_keys *k, const char *cls, int64_t now,
                               bool *out_created, struct kluis_err *err)
{
    if (!cls || !class_name_valid(cls))
        return kluis_err_set(err, KLUIS_EINVAL,
                             "a key class is 1 to 64 lower-case letters, digits, '_' or '-'");
    struct class_ctx c = {.cls = cls, .now = now};
    kluis_rc rc = in_txn(k, class_init_body, &c, err);
    if (rc == KLUIS_OK && out_created)
        *out_created = c.created;
    return rc;
}

static kluis_rc rotate_body(struct kluis_keys *k, void *vctx, struct kluis_err *err)
{
    struct class_ctx *c = vctx;
    int v;
    kluis_rc rc = class_newest(k, c->cls, &v, NULL, err);
    if (rc)
        return rc;
    if (v == 0)
        return kluis_err_set(err, KLUIS_ENOTFOUND,
                             "there is no key class '%s' (keys init makes "
                             "the policy's classes)",
                             c->cls);
    /* Versions only grow: a retired newest is impossible, so newest + 1 is unused. */
    c->version = v + 1;
    return class_add(k, c->cls, c->version, c->now, err);
}

kluis_rc kluis_keys_rotate(struct kluis_keys *k, const char *cls, int64_t now, int *out_version,
                           struct kluis_err *err)
{
    if (!cls || !class_name_valid(cls))
        return kluis_err_set(err, KLUIS_EINVAL, "'%s' is not a key class name", cls ? cls : "");
    struct class_ctx c = {.cls = cls, .now = now};
    kluis_rc rc = in_txn(k, rotate_body, &c, err);
    if (rc == KLUIS_OK && out_version)
        *out_version = c.version;
    return rc;
}

struct rewrap_ctx {
    uint64_t n;
};

static kluis_rc rewrap_body(struct kluis_keys *k, void *vctx, struct kluis_err *err)
{
    struct rewrap_ctx *c = vctx;
    sqlite3_stmt *st, *up;
    kluis_rc rc;
    /* Class by class: the data keys under an older version than the newest. */
    if ((rc = prepare(k,
                      "SELECT c.class, max(c.version) FROM classes c GROUP BY c.class ORDER BY "
                      "c.class",
                      &st, err)))
        return rc;
    if ((rc = prepare(k,
                      "UPDATE data_keys SET version = ?1, wrapped = ?2 WHERE tenant = ?3 AND "
                      "subject = ?4 AND category = ?5",
                      &up, err))) {
        done(k, st);
        return rc;
    }
    while (rc == KLUIS_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *cls = (const char *)sqlite3_column_text(st, 0);
        int newest = sqlite3_column_int(st, 1);
        uint8_t kek_new[32];
        if ((rc = class_key(k, cls, newest, kek_new, err)))
            break;
        sqlite3_stmt *q;
        if ((rc = prepare(k,
                          "SELECT tenant, subject, category, version, wrapped FROM data_keys "
                          "WHERE class = ?1 AND version < ?2",
                          &q, err))) {
            kluis_wipe(kek_new, 32);
            break;
        }
        sqlite3_bind_text(q, 1, cls, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 2, newest);
        while (rc == KLUIS_OK && sqlite3_step(q) == SQLITE_ROW) {
            uint8_t kek_old[32], dk[40], wrapped[40];
            size_t dk_len = 0, w_len = 0;
            if ((rc = class_key(k, cls, sqlite3_column_int(q, 3), kek_old, err)))
                break;
            rc = kluis_key_unwrap(kek_old, 32, sqlite3_column_blob(q, 4),
                                  (size_t)sqlite3_column_bytes(q, 4), dk, &dk_len, err);
            kluis_wipe(kek_old, 32);
            if (rc == KLUIS_OK)
                rc = kluis_key_wrap(kek_new, 32, dk, dk_len, wrapped, &w_len, err);
            kluis_wipe(dk, sizeof(dk));
            if (rc)
                break;
            sqlite3_bind_int(up, 1, newest);
            sqlite3_bind_blob(up, 2, wrapped, (int)w_len, SQLITE_TRANSIENT);
            sqlite3_bind_value(up, 3, sqlite3_column_value(q, 0));
            sqlite3_bind_value(up, 4, sqlite3_column_value(q, 1));
            sqlite3_bind_value(up, 5, sqlite3_column_value(q, 2));
            if (sqlite3_step(up) != SQLITE_DONE)
                rc = fail(k, err, "re-wrapping a data key");
            sqlite3_reset(up);
            c->n++;
        }
        done(k, q);
        kluis_wipe(kek_new, 32);
    }
    done(k, up);
    done(k, st);
    return rc;
}

kluis_rc kluis_keys_rewrap(struct kluis_keys *k, uint64_t *out_rewrapped, struct kluis_err *err)
{
    struct rewrap_ctx c = {0};
    kluis_rc rc = in_txn(k, rewrap_body, &c, err);
    if (rc == KLUIS_OK && out_rewrapped)
        *out_rewrapped = c.n;
    return rc;
}

static kluis_rc retire_body(struct kluis_keys *k, void *vctx, struct kluis_err *err)
{
    struct class_ctx *c = vctx;
    int newest;
    kluis_rc rc = class_newest(k, c->cls, &newest, NULL, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if ((rc = prepare(k, "SELECT 1 FROM classes WHERE class = ?1 AND version = ?2", &st, err)))
        return rc;
    sqlite3_bind_text(st, 1, c->cls, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, c->version);
    bool exists = sqlite3_step(st) == SQLITE_ROW;
    done(k, st);
    if (!exists)
        return kluis_err_set(err, KLUIS_ENOTFOUND, "key class '%s' has no live version %d", c->cls,
                             c->version);
    if (c->version == newest) {
        kluis_err_set(err, KLUIS_EREFUSED,
                      "version %d is the newest of key class '%s': new data keys are wrapped "
                      "under it",
                      c->version, c->cls);
        kluis_err_hint(err, "rotate the class first (kluis keys rotate %s)", c->cls);
        return KLUIS_EREFUSED;
    }
    if ((rc = prepare(k, "SELECT count(*) FROM data_keys WHERE class = ?1 AND version = ?2", &st,
                      err)))
        return rc;
    sqlite3_bind_text(st, 1, c->cls, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, c->version);
    int64_t used = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    done(k, st);
    if (used != 0) {
        kluis_err_set(err, KLUIS_EREFUSED,
                      "%" PRId64 " data keys are still wrapped under version %d of key class "
                      "'%s'",
                      used, c->version, c->cls);
        kluis_err_hint(err, "run kluis keys rewrap first");
        return KLUIS_EREFUSED;
    }
    if ((rc = prepare(k, "DELETE FROM classes WHERE class = ?1 AND version = ?2", &st, err)))
        return rc;
    sqlite3_bind_text(st, 1, c->cls, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, c->version);
    int step = sqlite3_step(st);
    done(k, st);
    if (step != SQLITE_DONE)
        return fail(k, err, "destroying a class key");
    k->destroyed = true;
    return KLUIS_OK;
}

kluis_rc kluis_keys_retire(struct kluis_keys *k, const char *cls, int version, int64_t now,
                           struct kluis_err *err)
{
    if (!cls || !class_name_valid(cls))
        return kluis_err_set(err, KLUIS_EINVAL, "'%s' is not a key class name", cls ? cls : "");
    struct class_ctx c = {.cls = cls, .now = now, .version = version};
    return in_txn(k, retire_body, &c, err);
}

kluis_rc kluis_keys_list(struct kluis_keys *k, kluis_key_version_fn fn, void *ctx,
                         struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = prepare(k,
                          "SELECT c.class, c.version, c.created, c.version = (SELECT max(version) "
                          "FROM classes m WHERE m.class = c.class), (SELECT count(*) FROM "
                          "data_keys d WHERE d.class = c.class AND d.version = c.version) FROM "
                          "classes c ORDER BY c.class, c.version",
                          &st, err);
    if (rc)
        return rc;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct kluis_key_version v = {
            .cls = (const char *)sqlite3_column_text(st, 0),
            .version = sqlite3_column_int(st, 1),
            .created = sqlite3_column_int64(st, 2),
            .newest = sqlite3_column_int(st, 3) != 0,
            .data_keys = (uint64_t)sqlite3_column_int64(st, 4),
        };
        if (fn(ctx, &v))
            break;
    }
    done(k, st);
    return KLUIS_OK;
}

/* ---- The keyring --------------------------------------------------------------------------- */

static kluis_rc ring_bucket_key(void *ctx, int64_t no, bool create, uint8_t out[32],
                                struct kluis_err *err)
{
    struct kluis_keys *k = ctx;
    for (size_t i = 0; i < k->n_bk; i++) {
        if (k->bk[i].no == no) {
            memcpy(out, k->bk[i].key, 32);
            return KLUIS_OK;
        }
    }
    sqlite3_stmt *st;
    kluis_rc rc = prepare(k, "SELECT key FROM bucket_keys WHERE no = ?1", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, no);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(out, sqlite3_column_blob(st, 0), 32);
    } else if (step == SQLITE_ROW) {
        done(k, st);
        return kluis_err_set(err, KLUIS_ECORRUPT, "key store: bucket key %" PRId64 " is damaged",
                             no);
    } else if (!create) {
        done(k, st);
        return kluis_err_set(err, KLUIS_ENOTFOUND, "bucket %" PRId64 " has no key (purged)", no);
    } else {
        done(k, st);
        if ((rc = kluis_random(out, 32, err)))
            return rc;
        if ((rc = prepare(k, "INSERT INTO bucket_keys(no, key) VALUES(?1, ?2)", &st, err)))
            return rc;
        sqlite3_bind_int64(st, 1, no);
        sqlite3_bind_blob(st, 2, out, 32, SQLITE_STATIC);
        step = sqlite3_step(st);
        done(k, st);
        if (step != SQLITE_DONE) {
            kluis_wipe(out, 32);
            return fail(k, err, "storing a bucket key");
        }
        st = NULL;
    }
    if (st)
        done(k, st);
    size_t slot = k->n_bk < BUCKET_CACHE ? k->n_bk++ : (size_t)no % BUCKET_CACHE;
    k->bk[slot].no = no;
    memcpy(k->bk[slot].key, out, 32);
    return KLUIS_OK;
}

static kluis_rc ring_bucket_keys_destroy(void *ctx, const int64_t *nos, size_t n,
                                         struct kluis_err *err)
{
    struct kluis_keys *k = ctx;
    sqlite3_stmt *st;
    kluis_rc rc = prepare(k, "DELETE FROM bucket_keys WHERE no = ?1", &st, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && rc == KLUIS_OK; i++) {
        sqlite3_bind_int64(st, 1, nos[i]);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = fail(k, err, "destroying a bucket key");
        sqlite3_reset(st);
    }
    done(k, st);
    kluis_wipe(k->bk, sizeof(k->bk));
    k->n_bk = 0;
    k->destroyed = true;
    if (!k->in_txn && rc == KLUIS_OK) {
        /* Not in a transaction: the delete is committed; empty the WAL now. */
        sqlite3_exec(k->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        k->destroyed = false;
    }
    return rc;
}

static kluis_rc ring_data_key(void *ctx, const char *tenant,
                              const struct kluis_subject_ref *subject, const char *category,
                              const char *key_class, uint8_t out[32], struct kluis_err *err)
{
    struct kluis_keys *k = ctx;
    const uint8_t *subj = subject_bytes(subject);
    uint8_t id[32];
    struct dk_slot none = {0};
    struct dk_slot *slot = dk_id(tenant, subj, category, id) ? dk_slot(k, id) : &none;
    if (slot->used && memcmp(slot->id, id, 32) == 0) {
        memcpy(out, slot->key, 32);
        return KLUIS_OK;
    }
    sqlite3_stmt *st;
    kluis_rc rc = prepare(k,
                          "SELECT class, version, wrapped FROM data_keys WHERE tenant = ?1 AND "
                          "subject = ?2 AND category = ?3",
                          &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, subj, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, category, -1, SQLITE_STATIC);
    uint8_t kek[32];
    if (sqlite3_step(st) == SQLITE_ROW) {
        char cls[80];
        snprintf(cls, sizeof(cls), "%s", (const char *)sqlite3_column_text(st, 0));
        int version = sqlite3_column_int(st, 1);
        uint8_t wrapped[64];
        size_t w_len = (size_t)sqlite3_column_bytes(st, 2), dk_len = 0;
        if (w_len > sizeof(wrapped)) {
            done(k, st);
            return kluis_err_set(err, KLUIS_ECORRUPT, "key store: a data key is damaged");
        }
        memcpy(wrapped, sqlite3_column_blob(st, 2), w_len);
        done(k, st);
        if ((rc = class_key(k, cls, version, kek, err)))
            return rc;
        uint8_t dk[64];
        rc = kluis_key_unwrap(kek, 32, wrapped, w_len, dk, &dk_len, err);
        kluis_wipe(kek, 32);
        if (rc == KLUIS_OK && dk_len != 32)
            rc = kluis_err_set(err, KLUIS_ECORRUPT, "key store: a data key is damaged");
        if (rc == KLUIS_OK)
            memcpy(out, dk, 32);
        kluis_wipe(dk, sizeof(dk));
        if (rc)
            return rc;
    } else {
        done(k, st);
        if (!key_class)
            return kluis_err_set(err, KLUIS_ENOTFOUND, "no data key (erased)");
        int version;
        if ((rc = class_newest(k, key_class, &version, kek, err)))
            return rc;
        if (version == 0) {
            /* A class the policy names but keys init has not made yet: make it now. */
            struct class_ctx c = {.cls = key_class, .now = k->now};
            if ((rc = class_init_body(k, &c, err)) ||
                (rc = class_newest(k, key_class, &version, kek, err)))
                return rc;
        }
        uint8_t wrapped[40];
        size_t w_len = 0;
        if ((rc = kluis_random(out, 32, err)) == KLUIS_OK)
            rc = kluis_key_wrap(kek, 32, out, 32, wrapped, &w_len, err);
        kluis_wipe(kek, 32);
        if (rc)
            return rc;
        if ((rc = prepare(k,
                          "INSERT INTO data_keys(tenant, subject, category, class, version, "
                          "wrapped) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                          &st, err)))
            return rc;
        sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, subj, 32, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, category, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, key_class, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, version);
        sqlite3_bind_blob(st, 6, wrapped, (int)w_len, SQLITE_STATIC);
        int step = sqlite3_step(st);
        done(k, st);
        if (step != SQLITE_DONE) {
            kluis_wipe(out, 32);
            return fail(k, err, "storing a data key");
        }
    }
    if (slot != &none) {
        slot->used = true;
        memcpy(slot->id, id, 32);
        memcpy(slot->key, out, 32);
    }
    kluis_wipe(&none, sizeof(none));
    return KLUIS_OK;
}

kluis_rc kluis_keys_fernet_key(struct kluis_keys *k, const char *tenant,
                               const struct kluis_subject_ref *subject, const char *category,
                               const char *key_class, struct kluis_fernet_key *out,
                               struct kluis_err *err)
{
    uint8_t dk[32], okm[32];
    kluis_rc rc = ring_data_key(k, tenant, subject, category, key_class, dk, err);
    if (rc)
        return rc;
    /* info: what the key is for and whose it is: tenant 0 subject(32) category. */
    uint8_t info[15 + KLUIS_TENANT_MAX + 1 + 32 + 256];
    size_t tl = strlen(tenant), cl = strlen(category), n = 0;
    if (tl > KLUIS_TENANT_MAX || cl > 255) {
        kluis_wipe(dk, sizeof(dk));
        return kluis_err_set(err, KLUIS_EINVAL, "a tenant or category name is too long");
    }
    memcpy(info, "kluis fernet v1", 15);
    n = 15;
    memcpy(info + n, tenant, tl + 1);
    n += tl + 1;
    memcpy(info + n, subject_bytes(subject), 32);
    n += 32;
    memcpy(info + n, category, cl);
    n += cl;
    rc = kluis_hkdf(dk, sizeof(dk), NULL, 0, info, n, okm, sizeof(okm), err);
    if (rc == KLUIS_OK) {
        memcpy(out->signing, okm, 16);
        memcpy(out->encryption, okm + 16, 16);
    }
    kluis_wipe(dk, sizeof(dk));
    kluis_wipe(okm, sizeof(okm));
    return rc;
}

/* ---- Subjects ---------------------------------------------------------------------------------
 */

struct pseudonym_ctx {
    const char *tenant;
    const uint8_t *subject;
    char *out;
};

static kluis_rc pseudonym_body(struct kluis_keys *k, void *vctx, struct kluis_err *err)
{
    struct pseudonym_ctx *c = vctx;
    sqlite3_stmt *st;
    kluis_rc rc =
        prepare(k, "SELECT key FROM pseudonyms WHERE tenant = ?1 AND subject = ?2", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, c->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, c->subject, 32, SQLITE_STATIC);
    uint8_t key[32];
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(key, sqlite3_column_blob(st, 0), 32);
        done(k, st);
    } else {
        done(k, st);
        if ((rc = kluis_random(key, 32, err)))
            return rc;
        if ((rc = prepare(k, "INSERT INTO pseudonyms(tenant, subject, key) VALUES(?1, ?2, ?3)", &st,
                          err))) {
            kluis_wipe(key, 32);
            return rc;
        }
        sqlite3_bind_text(st, 1, c->tenant, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, c->subject, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, key, 32, SQLITE_STATIC);
        int step = sqlite3_step(st);
        done(k, st);
        if (step != SQLITE_DONE) {
            kluis_wipe(key, 32);
            return fail(k, err, "storing a pseudonym key");
        }
    }
    uint8_t mac[32];
    kluis_hmac_sha256(key, 32, "kluis audit pseudonym v1", 24, mac);
    kluis_wipe(key, 32);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        c->out[2 * i] = hex[mac[i] >> 4];
        c->out[2 * i + 1] = hex[mac[i] & 15];
    }
    c->out[32] = '\0';
    return KLUIS_OK;
}

kluis_rc kluis_keys_pseudonym(struct kluis_keys *k, const char *tenant,
                              const struct kluis_subject_ref *subject, char out[33],
                              struct kluis_err *err)
{
    const uint8_t *subj = subject_bytes(subject);
    uint8_t id[32];
    struct pn_slot none = {0};
    struct pn_slot *slot = dk_id(tenant, subj, "", id) ? pn_slot(k, id) : &none;
    if (slot->used && memcmp(slot->id, id, 32) == 0) {
        memcpy(out, slot->out, 33);
        return KLUIS_OK;
    }
    struct pseudonym_ctx c = {tenant, subj, out};
    kluis_rc rc = in_txn(k, pseudonym_body, &c, err);
    if (rc == KLUIS_OK && slot != &none) {
        /* Kept until an erasure or a rollback (which wipe the cache) or the close. */
        slot->used = true;
        memcpy(slot->id, id, 32);
        memcpy(slot->out, out, 33);
    }
    return rc;
}

struct erase_ctx {
    const char *tenant;
    const uint8_t *subject;
    const char *const *categories;
    size_t n;
    int64_t now;
    uint64_t seq;
};

static kluis_rc erase_one(struct kluis_keys *k, struct erase_ctx *c, const char *category,
                          struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = prepare(k,
                          category ? "DELETE FROM data_keys WHERE tenant = ?1 AND subject = ?2 "
                                     "AND category = ?3"
                                   : "DELETE FROM data_keys WHERE tenant = ?1 AND subject = ?2",
                          &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, c->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, c->subject, 32, SQLITE_STATIC);
    if (category)
        sqlite3_bind_text(st, 3, category, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    done(k, st);
    if (step != SQLITE_DONE)
        return fail(k, err, "destroying a data key");
    if (!category) {
        if ((rc =
                 prepare(k, "DELETE FROM pseudonyms WHERE tenant = ?1 AND subject = ?2", &st, err)))
            return rc;
        sqlite3_bind_text(st, 1, c->tenant, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, c->subject, 32, SQLITE_STATIC);
        step = sqlite3_step(st);
        done(k, st);
        if (step != SQLITE_DONE)
            return fail(k, err, "destroying a pseudonym key");
    }
    if ((rc = prepare(k, "INSERT INTO erased(tenant, subject, category, at) VALUES(?1, ?2, ?3, ?4)",
                      &st, err)))
        return rc;
    sqlite3_bind_text(st, 1, c->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, c->subject, 32, SQLITE_STATIC);
    if (category)
        sqlite3_bind_text(st, 3, category, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, c->now);
    step = sqlite3_step(st);
    done(k, st);
    if (step != SQLITE_DONE)
        return fail(k, err, "recording an erasure");
    c->seq = (uint64_t)sqlite3_last_insert_rowid(k->db);
    return KLUIS_OK;
}

static kluis_rc erase_body(struct kluis_keys *k, void *vctx, struct kluis_err *err)
{
    struct erase_ctx *c = vctx;
    kluis_rc rc = KLUIS_OK;
    if (!c->categories || c->n == 0)
        rc = erase_one(k, c, NULL, err);
    for (size_t i = 0; rc == KLUIS_OK && c->categories && i < c->n; i++)
        rc = erase_one(k, c, c->categories[i], err);
    /* Whatever was cached may be a key just destroyed. */
    kluis_wipe(k->dk, CACHE_SLOTS * sizeof(*k->dk));
    pn_wipe(k);
    k->destroyed = true;
    return rc;
}

kluis_rc kluis_keys_erase(struct kluis_keys *k, const char *tenant,
                          const struct kluis_subject_ref *subject, const char *const *categories,
                          size_t n_categories, int64_t now, uint64_t *out_seq,
                          struct kluis_err *err)
{
    struct erase_ctx c = {tenant, subject_bytes(subject), categories, n_categories, now, 0};
    kluis_rc rc = in_txn(k, erase_body, &c, err);
    if (rc == KLUIS_OK && out_seq)
        *out_seq = c.seq;
    return rc;
}

kluis_rc kluis_keys_erasures(struct kluis_keys *k, uint64_t after, kluis_erasure_fn fn, void *ctx,
                             struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = prepare(
        k, "SELECT seq, tenant, subject, category, at FROM erased WHERE seq > ?1 ORDER BY seq", &st,
        err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)after);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct kluis_erasure e = {
            .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .tenant = (const char *)sqlite3_column_text(st, 1),
            .category = (const char *)sqlite3_column_text(st, 3),
            .at = sqlite3_column_int64(st, 4),
        };
        if (sqlite3_column_bytes(st, 2) != 32)
            continue;
        memcpy(e.subject.hash, sqlite3_column_blob(st, 2), 32);
        if (fn(ctx, &e))
            break;
    }
    done(k, st);
    return KLUIS_OK;
}
