/*
 * The SQLite backend: one file in WAL mode, records arranged by expiry.
 *
 * Layout. Records live in bucket tables r_N, one per expiry range: a day for deadlines less than
 * 128 days after the record was written, 32 days beyond (so seven years of retention is about
 * eighty tables, not thousands), and one open bucket for records without a deadline (waiting for
 * an event, or held). Purging a bucket whose range has passed is a DROP TABLE; only the bucket
 * that is expiring right now is trimmed row by row. So the cost of a purge follows what expired,
 * not what is stored (docs/internals/store.md).
 *
 * Ids. A record's id is (home bucket << 32 | row in it) and never changes. A record that moves
 * (its expiry changed) is copied into its new bucket with its id in column gid, and the table
 * forward maps the id to its new place; forward rows go when that bucket is purged. Rows and
 * bucket numbers are AUTOINCREMENT: neither a row freed by a move or a trim nor the number of a
 * dropped bucket is handed out again, so an id can never come to name another record.
 *
 * Counts. bucket_counts keeps, per bucket, tenant and category, how many records there are, so
 * that a purge can report what it removed without reading the rows. Changes are gathered in
 * memory during a transaction and written once at commit.
 *
 * Every write happens inside the caller's transaction (begin/commit); DROP TABLE is
 * transactional in SQLite, so an interrupted purge leaves nothing half-done.
 *
 * Keys. No key lives in this file (include/kluis/keys.h): each bucket's key and each subject's
 * data key per category come from the key store through the keyring given at open. A value is
 * sealed with AES-256-GCM under HMAC-SHA256(data key, "kluis value v1" || bucket key), its
 * associated data binding tenant, subject, category and the record's id (which stays when the
 * record moves). A purge drops an expired bucket's tables with secure delete off and notes the
 * bucket in doomed_keys in the same transaction; the engine then destroys the bucket's key in the
 * key store and clears the note (again on the next open after a crash in between). What stays in
 * free pages, the WAL or a backup is ciphertext whose key is gone.
 *
 * Audit. The audit log's entries (in chunks: audit_chunks, audit_tenants), signed checkpoints
 * (checkpoints) and the tree's compact range (meta 'audit_range') live here, written in the
 * transactions of the actions they record.
 */
#include "store/store_internal.h"

#include "crypto/crypto_internal.h"
#include "kluis/crypto.h"
#include "util/util.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define SCHEMA_VERSION       5
#define DAY                  86400
#define NEAR_DAYS            128 /* deadlines closer than this to creation get a day bucket */
#define WIDE_DAYS            32  /* the width of a bucket beyond */
#define OPEN_BUCKET          1   /* the bucket of records without a deadline */
#define STMT_CACHE           8   /* prepared inserts kept for recently used buckets */
#define ROW_BITS             32
#define NONCE_LEN            12
#define TAG_LEN              16
#define WAL_CHECKPOINT_PAGES 32768 /* see sq_open */

struct count_delta {
    int64_t bucket;
    char tenant[KLUIS_TENANT_MAX + 1];
    char *category;
    int64_t delta;
};

/*
 * What a transaction found out about a tenant's events and holds: whether it has any at all of
 * each kind that events_for_record and holds_scan look up. Most writes (a batch of records)
 * concern tenants with no hold and few kinds of events, and would otherwise ask the same empty
 * questions for every record. Valid for one transaction (another process may write between
 * them); an event or hold written in it drops the tenant's facts.
 */
#define FACTS_MAX  16
#define NONCE_POOL 1200

struct tenant_facts {
    char tenant[KLUIS_TENANT_MAX + 1];
    bool known_events, tenant_events, subject_events, link_events;
    bool known_holds, holds;
};

struct insert_cache {
    int64_t bucket;
    sqlite3_stmt *stmt;
    sqlite3_stmt *link_stmt;
    uint64_t used;
    uint64_t txn_no;  /* next_row is valid in this transaction */
    int64_t next_row; /* the row the next insert takes */
};

/*
 * Prepared statements kept per connection, keyed by their SQL text. A scan runs one statement per
 * bucket, and a store has a few hundred buckets at most (128 days, ~80 wide ones, the open one),
 * so the cache holds that many shapes; the least recently used goes when it is full.
 */
#define SQL_CACHE 1024
#define SQL_SLOTS 2048 /* hash index, a power of two, at most half full */

struct sql_cache {
    char *sql;
    sqlite3_stmt *st;
    uint64_t used;
};

struct chunk_w;
struct checkpointer;

struct sq {
    sqlite3 *db;
    const struct kluis_keyring *ring; /* bucket and data keys (keys.h) */
    uint64_t txn_no;                  /* counts transactions: cached row numbers are per txn */
    struct sql_cache *sql_cache;      /* SQL_CACHE entries */
    int32_t *sql_slots;               /* SQL_SLOTS: index into sql_cache + 1, 0 when free */
    size_t sql_n;
    bool in_txn;
    struct count_delta *deltas;
    size_t n_deltas;
    size_t cap_deltas;
    struct insert_cache cache[STMT_CACHE];
    uint64_t tick;
    struct tenant_facts facts[FACTS_MAX]; /* valid in transaction facts_txn */
    size_t n_facts;
    uint64_t facts_txn;
    bool wal_scrub;             /* an erasure in this transaction: empty the WAL after the commit */
    EVP_CIPHER_CTX *gcm;        /* kept for every value sealed or opened */
    uint8_t nonces[NONCE_POOL]; /* random bytes for nonces, drawn NONCE_POOL at a time */
    size_t nonces_left;
    struct chunk_w *chunk;     /* the audit chunk being written (sq_audit_append) */
    struct checkpointer *ckpt; /* ?checkpoint=background: the thread copying the WAL back */
};

/* The audit log's chunks (below), also written by the migration to schema 5. */
/* The chunk being built. */
struct chunk_w {
    uint64_t first;
    size_t n;
    int64_t last_at;
    uint8_t leaves[KLUIS__CHUNK_MAX][32];
    uint8_t *bytes;
    size_t len, cap;
    char tenants[KLUIS__CHUNK_MAX][KLUIS_TENANT_MAX + 1];
    size_t n_tenants;
};
static struct chunk_w *chunk_writer(struct sq *s, struct kluis_err *err);
static void chunk_writer_free(struct sq *s);
static kluis_rc chunk_add(struct sq *s, struct chunk_w *w, const struct kluis_audit_row *r,
                          struct kluis_err *err);
static kluis_rc chunk_flush(struct sq *s, struct chunk_w *w, struct kluis_err *err);
static kluis_rc audit_note_unordered(struct sq *s, uint64_t seq, struct kluis_err *err);

/* ---- Errors ------------------------------------------------------------------------------ */

static kluis_rc sq_fail(struct sq *s, struct kluis_err *err, const char *what)
{
    int code = s->db ? sqlite3_extended_errcode(s->db) : SQLITE_ERROR;
    kluis_rc rc = KLUIS_EIO;
    if ((code & 0xff) == SQLITE_NOMEM)
        rc = KLUIS_ENOMEM;
    else if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB)
        rc = KLUIS_ECORRUPT;
    else if ((code & 0xff) == SQLITE_TOOBIG)
        rc = KLUIS_ETOOBIG;
    kluis_err_set(err, rc, "store: %s failed", what);
    kluis_err_detail(err, "sqlite: %s (%d)", s->db ? sqlite3_errmsg(s->db) : "no database", code);
    return rc;
}

static kluis_rc exec(struct sq *s, const char *sql, struct kluis_err *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sq_fail(s, err, "a statement");
    return KLUIS_OK;
}

static kluis_rc prepare(struct sq *s, const char *sql, sqlite3_stmt **out, struct kluis_err *err)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK)
        return sq_fail(s, err, "preparing a statement");
    return KLUIS_OK;
}

static uint32_t sql_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Rebuilds the hash index from the entries (after an eviction). */
static void sql_reindex(struct sq *s)
{
    memset(s->sql_slots, 0, SQL_SLOTS * sizeof(*s->sql_slots));
    for (size_t i = 0; i < s->sql_n; i++) {
        uint32_t h = sql_hash(s->sql_cache[i].sql) & (SQL_SLOTS - 1);
        while (s->sql_slots[h])
            h = (h + 1) & (SQL_SLOTS - 1);
        s->sql_slots[h] = (int32_t)i + 1;
    }
}

/*
 * A prepared statement for sql from the connection's cache, prepared on first use; statements
 * built per bucket ("SELECT … FROM r_12 …") are cached like constant ones. Hand it back with
 * release(), never sqlite3_finalize(). Each is released before the same text is asked for again.
 */
static kluis_rc cached(struct sq *s, const char *sql, sqlite3_stmt **out, struct kluis_err *err)
{
    uint32_t h = sql_hash(sql) & (SQL_SLOTS - 1);
    if (s->sql_slots) {
        for (uint32_t k = h; s->sql_slots[k]; k = (k + 1) & (SQL_SLOTS - 1)) {
            struct sql_cache *c = &s->sql_cache[s->sql_slots[k] - 1];
            if (strcmp(c->sql, sql) == 0 && !sqlite3_stmt_busy(c->st)) {
                c->used = ++s->tick;
                *out = c->st;
                return KLUIS_OK;
            }
        }
    }
    kluis_rc rc = prepare(s, sql, out, err);
    if (rc)
        return rc;
    if (!s->sql_cache) {
        s->sql_cache = calloc(SQL_CACHE, sizeof(*s->sql_cache));
        s->sql_slots = calloc(SQL_SLOTS, sizeof(*s->sql_slots));
        if (!s->sql_cache || !s->sql_slots) {
            free(s->sql_cache);
            free(s->sql_slots);
            s->sql_cache = NULL;
            s->sql_slots = NULL;
            return KLUIS_OK; /* uncached: release() finalizes it */
        }
    }
    char *key = strdup(sql);
    if (!key)
        return KLUIS_OK;
    size_t i = s->sql_n;
    if (i == SQL_CACHE) {
        /* Full: the least recently used entry that is not running makes room. */
        size_t victim = SQL_CACHE;
        for (size_t j = 0; j < SQL_CACHE; j++)
            if (!sqlite3_stmt_busy(s->sql_cache[j].st) &&
                (victim == SQL_CACHE || s->sql_cache[j].used < s->sql_cache[victim].used))
                victim = j;
        if (victim == SQL_CACHE) {
            free(key);
            return KLUIS_OK;
        }
        sqlite3_finalize(s->sql_cache[victim].st);
        free(s->sql_cache[victim].sql);
        s->sql_cache[victim] = s->sql_cache[SQL_CACHE - 1];
        s->sql_n--;
        sql_reindex(s);
        i = s->sql_n;
    }
    s->sql_cache[i] = (struct sql_cache){key, *out, ++s->tick};
    s->sql_n++;
    h = sql_hash(key) & (SQL_SLOTS - 1);
    while (s->sql_slots[h])
        h = (h + 1) & (SQL_SLOTS - 1);
    s->sql_slots[h] = (int32_t)i + 1;
    return KLUIS_OK;
}

static bool is_cached(const struct sq *s, sqlite3_stmt *st)
{
    for (size_t i = 0; s->sql_cache && i < s->sql_n; i++)
        if (s->sql_cache[i].st == st)
            return true;
    return false;
}

static void release(struct sq *s, sqlite3_stmt *st)
{
    /* Cached statements are kept; the few uncached ones (cache full, out of memory) go. Walking
     * the entries is avoided on the common path by asking SQLite first whether the statement is
     * one we keep: a kept statement's SQL is in the index. */
    const char *sql = sqlite3_sql(st);
    if (sql && s->sql_slots) {
        uint32_t h = sql_hash(sql) & (SQL_SLOTS - 1);
        for (uint32_t k = h; s->sql_slots[k]; k = (k + 1) & (SQL_SLOTS - 1)) {
            if (s->sql_cache[s->sql_slots[k] - 1].st == st) {
                sqlite3_reset(st);
                sqlite3_clear_bindings(st);
                return;
            }
        }
    }
    if (is_cached(s, st)) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return;
    }
    sqlite3_finalize(st);
}

static void sql_cache_clear(struct sq *s)
{
    for (size_t i = 0; s->sql_cache && i < s->sql_n; i++) {
        sqlite3_finalize(s->sql_cache[i].st);
        free(s->sql_cache[i].sql);
    }
    free(s->sql_cache);
    free(s->sql_slots);
    s->sql_cache = NULL;
    s->sql_slots = NULL;
    s->sql_n = 0;
}

/* ---- Schema ------------------------------------------------------------------------------- */

static const char schema_v1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;"
    "CREATE TABLE tenants(tenant TEXT PRIMARY KEY, country TEXT, created INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE settings(tenant TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY(tenant, key)) WITHOUT ROWID;"
    "CREATE TABLE events(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL,"
    " purpose TEXT, subject BLOB, link TEXT, at INTEGER NOT NULL);"
    "CREATE INDEX events_subject ON events(tenant, subject) WHERE subject IS NOT NULL;"
    "CREATE INDEX events_link ON events(tenant, link) WHERE link IS NOT NULL;"
    "CREATE INDEX events_tenant ON events(tenant) WHERE subject IS NULL AND link IS NULL;"
    "CREATE TABLE holds(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, subject BLOB,"
    " category TEXT, reason TEXT NOT NULL, placed INTEGER NOT NULL, released INTEGER);"
    "CREATE TABLE buckets(no INTEGER PRIMARY KEY AUTOINCREMENT, start INTEGER NOT NULL,"
    " end INTEGER NOT NULL);"
    "CREATE TABLE bucket_keys(no INTEGER PRIMARY KEY, key BLOB NOT NULL);"
    "CREATE UNIQUE INDEX buckets_range ON buckets(start, end);"
    "CREATE TABLE bucket_counts(bucket INTEGER NOT NULL, tenant TEXT NOT NULL,"
    " category TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(bucket, tenant, category))"
    " WITHOUT ROWID;"
    "CREATE TABLE forward(id INTEGER PRIMARY KEY, bucket INTEGER NOT NULL, row INTEGER NOT NULL);"
    "CREATE INDEX forward_bucket ON forward(bucket);"
    "CREATE TABLE receipts(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL);";

static kluis_rc bucket_create_table(struct sq *s, int64_t no, struct kluis_err *err);
static long value_crypt(struct sq *s, int64_t no, bool seal, const struct kluis_record_row *r,
                        uint64_t id, const uint8_t *in, size_t in_len, uint8_t *out,
                        struct kluis_err *err);
static void row_from(sqlite3_stmt *st, int64_t no, bool with_value, struct kluis_record_row *r);

/*
 * 3: values are sealed under HMAC(data key, bucket key) from the key store, bound to the
 * record's id; until 2 they were sealed under a bucket key kept in this file, bound to the
 * record's creation time. Every value is opened the old way and sealed the new way (its data key
 * made in the default class), the old keys are deleted with secure delete on, and the store gets
 * the id that pairs it with its key store.
 */
static kluis_rc migrate_to_3(struct sq *s, struct kluis_err *err)
{
    sqlite3_stmt *b;
    kluis_rc rc = prepare(s, "SELECT no, key FROM bucket_keys ORDER BY no", &b, err);
    if (rc)
        return rc;
    while (rc == KLUIS_OK && sqlite3_step(b) == SQLITE_ROW) {
        int64_t no = sqlite3_column_int64(b, 0);
        uint8_t old[32];
        if (sqlite3_column_bytes(b, 1) != 32) {
            rc = kluis_err_set(err, KLUIS_ECORRUPT, "store: bucket %" PRId64 " has no key", no);
            break;
        }
        memcpy(old, sqlite3_column_blob(b, 1), 32);
        uint8_t fresh[32];
        if ((rc = s->ring->bucket_key(s->ring->ctx, no, true, fresh, err)))
            break;
        OPENSSL_cleanse(fresh, sizeof(fresh));
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "SELECT row, gid, tenant, subject, category, links, created, expiry, floor, held, "
                 "value FROM r_%" PRId64,
                 no);
        sqlite3_stmt *q, *up;
        if ((rc = prepare(s, sql, &q, err)))
            break;
        snprintf(sql, sizeof(sql), "UPDATE r_%" PRId64 " SET value = ?1 WHERE row = ?2", no);
        if ((rc = prepare(s, sql, &up, err))) {
            sqlite3_finalize(q);
            break;
        }
        while (rc == KLUIS_OK && sqlite3_step(q) == SQLITE_ROW) {
            struct kluis_record_row r;
            row_from(q, no, true, &r);
            r.key_class = "default";
            /* The old associated data: tenant, subject, category, creation time. */
            uint8_t aad[KLUIS_TENANT_MAX + 1 + 32 + 256 + 8];
            size_t tl = strlen(r.tenant), cl = strlen(r.category), n = 0;
            if (tl > KLUIS_TENANT_MAX || cl > 255 || r.value_len < KLUIS_SEAL_OVERHEAD) {
                rc = kluis_err_set(err, KLUIS_ECORRUPT, "store: a record cannot be upgraded");
                break;
            }
            memcpy(aad, r.tenant, tl + 1);
            n = tl + 1;
            if (r.has_subject)
                memcpy(aad + n, r.subject.hash, 32);
            else
                memset(aad + n, 0, 32);
            n += 32;
            memcpy(aad + n, r.category, cl + 1);
            n += cl + 1;
            for (int i = 0; i < 8; i++)
                aad[n++] = (uint8_t)((uint64_t)r.created >> (56 - 8 * i));
            size_t plain_len = r.value_len - KLUIS_SEAL_OVERHEAD;
            uint8_t *plain = malloc(plain_len + 1), *sealed = malloc(r.value_len);
            if (!plain || !sealed) {
                free(plain);
                free(sealed);
                rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
                break;
            }
            rc = kluis_unseal(old, aad, n, r.value, r.value_len, plain, err);
            long sealed_n = -1;
            if (rc == KLUIS_OK &&
                (sealed_n = value_crypt(s, no, true, &r, r.id, plain, plain_len, sealed, err)) < 0)
                rc = KLUIS_ECORRUPT;
            OPENSSL_cleanse(plain, plain_len);
            free(plain);
            if (rc == KLUIS_OK) {
                sqlite3_bind_blob(up, 1, sealed, (int)sealed_n, SQLITE_TRANSIENT);
                sqlite3_bind_int64(up, 2, sqlite3_column_int64(q, 0));
                if (sqlite3_step(up) != SQLITE_DONE)
                    rc = sq_fail(s, err, "upgrading a record");
                sqlite3_reset(up);
            }
            free(sealed);
        }
        sqlite3_finalize(up);
        sqlite3_finalize(q);
        OPENSSL_cleanse(old, sizeof(old));
    }
    sqlite3_finalize(b);
    if (rc == KLUIS_OK)
        rc = exec(s,
                  "PRAGMA secure_delete = ON; DROP TABLE bucket_keys;"
                  "CREATE TABLE doomed_keys(no INTEGER PRIMARY KEY);"
                  "CREATE TABLE audit(seq INTEGER PRIMARY KEY, leaf BLOB NOT NULL, body BLOB,"
                  " tenant TEXT, at INTEGER NOT NULL);"
                  "CREATE INDEX audit_tenant ON audit(tenant, seq) WHERE tenant IS NOT NULL;"
                  "CREATE TABLE checkpoints(size INTEGER PRIMARY KEY, note TEXT NOT NULL);",
                  err);
    if (rc == KLUIS_OK) {
        uint8_t id[16];
        if ((rc = kluis_random(id, sizeof(id), err)))
            return rc;
        sqlite3_stmt *st;
        if ((rc = prepare(s, "INSERT OR IGNORE INTO meta VALUES('store_id', ?1)", &st, err)))
            return rc;
        sqlite3_bind_blob(st, 1, id, sizeof(id), SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sq_fail(s, err, "storing the store id");
        sqlite3_finalize(st);
    }
    return rc;
}

/* 4: data-subject rights — requests, the subject ledger (consent, objection, restriction),
 * approval decisions —, lookup identifiers of subjects as keyed hashes, and API keys (as
 * HMACs). */
static const char schema_v4[] =
    "CREATE TABLE requests(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, subject BLOB NOT NULL,"
    " type TEXT NOT NULL, state TEXT NOT NULL, received INTEGER NOT NULL, due INTEGER NOT NULL,"
    " doc TEXT NOT NULL);"
    "CREATE INDEX requests_subject ON requests(tenant, subject);"
    "CREATE INDEX requests_open ON requests(tenant, id)"
    " WHERE state IN ('received', 'verified', 'forwarded');"
    "CREATE TABLE ledger(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, subject BLOB NOT NULL,"
    " kind TEXT NOT NULL, purpose TEXT, note TEXT, request INTEGER NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX ledger_subject ON ledger(tenant, subject);"
    "CREATE TABLE approvals(tenant TEXT NOT NULL, record INTEGER NOT NULL, state TEXT NOT NULL,"
    " by TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY(tenant, record)) WITHOUT ROWID;"
    "CREATE TABLE idents(tenant TEXT NOT NULL, kind TEXT NOT NULL, ident BLOB NOT NULL,"
    " subject BLOB NOT NULL, PRIMARY KEY(tenant, kind, ident)) WITHOUT ROWID;"
    "CREATE TABLE apikeys(id INTEGER PRIMARY KEY, tenant TEXT, role TEXT NOT NULL,"
    " name TEXT NOT NULL, hash BLOB NOT NULL UNIQUE, created INTEGER NOT NULL, revoked INTEGER);";

/*
 * 5: the audit log in chunks (audit_chunks, audit_tenants; see the audit section below) instead of
 * a row and a tenant-index entry per entry. The entries of the old table are moved as they are,
 * damage included (a leaf that is not 32 bytes becomes zeroes, which verify names), and the old
 * table goes with its indexes. A log found out of time order is noted (meta 'audit_unordered').
 */
static kluis_rc migrate_to_5(struct sq *s, struct kluis_err *err)
{
    kluis_rc rc = exec(s,
                       "CREATE TABLE audit_chunks(first INTEGER PRIMARY KEY, n INTEGER NOT NULL,"
                       " last_at INTEGER NOT NULL, leaves BLOB NOT NULL, entries BLOB NOT NULL);"
                       "CREATE TABLE audit_tenants(tenant TEXT NOT NULL, first INTEGER NOT NULL,"
                       " PRIMARY KEY(tenant, first)) WITHOUT ROWID;",
                       err);
    if (rc)
        return rc;
    struct chunk_w *w = chunk_writer(s, err);
    if (!w)
        return KLUIS_ENOMEM;
    sqlite3_stmt *st;
    if ((rc = prepare(s, "SELECT seq, leaf, body, tenant, at FROM audit ORDER BY seq", &st, err)))
        return rc;
    int64_t last_at = INT64_MIN;
    int step;
    while (rc == KLUIS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_audit_row r = {
            .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .body = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : sqlite3_column_blob(st, 2),
            .body_len = (size_t)sqlite3_column_bytes(st, 2),
            .tenant = (const char *)sqlite3_column_text(st, 3),
            .at = sqlite3_column_int64(st, 4),
        };
        if (r.body && !r.body_len)
            r.body = "";
        if (sqlite3_column_bytes(st, 1) == 32)
            memcpy(r.leaf, sqlite3_column_blob(st, 1), 32);
        if (r.tenant && (!r.tenant[0] || strlen(r.tenant) > KLUIS_TENANT_MAX))
            r.tenant = NULL;
        if (sqlite3_column_int64(st, 0) < 0 || r.seq > (uint64_t)INT64_MAX - KLUIS__CHUNK_MAX)
            continue;
        if (r.at < last_at && (rc = audit_note_unordered(s, r.seq, err)))
            break;
        last_at = r.at > last_at ? r.at : last_at;
        rc = chunk_add(s, w, &r, err);
    }
    if (rc == KLUIS_OK && step != SQLITE_DONE)
        rc = sq_fail(s, err, "moving the audit log to chunks");
    sqlite3_finalize(st);
    if (rc == KLUIS_OK)
        rc = chunk_flush(s, w, err);
    w->n = w->len = w->n_tenants = 0;
    if (rc == KLUIS_OK)
        rc = exec(s, "DROP TABLE audit", err);
    return rc;
}

/* Upgrades from version `from` to SCHEMA_VERSION, one step at a time. */
static kluis_rc migrate(struct sq *s, int from, struct kluis_err *err)
{
    kluis_rc rc = KLUIS_OK;
    if (from < 2) {
        /* 2: a bucket's link table is indexed by row too, so that removing or moving one record
         * does not scan the bucket's links. */
        sqlite3_stmt *st;
        if ((rc = prepare(s,
                          "SELECT substr(name, 3) FROM sqlite_master WHERE type = 'table' AND "
                          "name GLOB 'l_[0-9]*'",
                          &st, err)))
            return rc;
        int step;
        while (rc == KLUIS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t no = sqlite3_column_int64(st, 0);
            char sql[128];
            snprintf(sql, sizeof(sql),
                     "CREATE INDEX IF NOT EXISTS l_%1$" PRId64 "_row ON l_%1$" PRId64 "(row)", no);
            rc = exec(s, sql, err);
        }
        sqlite3_finalize(st);
    }
    if (rc == KLUIS_OK && from < 3)
        rc = migrate_to_3(s, err);
    if (rc == KLUIS_OK && from < 4)
        rc = exec(s, schema_v4, err);
    if (rc == KLUIS_OK && from < 5)
        rc = migrate_to_5(s, err);
    return rc;
}

static kluis_rc schema_setup(struct sq *s, struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = prepare(
        s, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'", &st, err);
    if (rc)
        return rc;
    int have_meta = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    if (!have_meta) {
        /* A new store: the first schema, then every step since. */
        if ((rc = exec(s, "BEGIN IMMEDIATE", err)))
            return rc;
        if ((rc = exec(s, schema_v1, err)))
            goto undo;
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO meta VALUES('schema_version', %d);"
                 "INSERT INTO buckets VALUES(%d, %" PRId64 ", %" PRId64 ");",
                 SCHEMA_VERSION, OPEN_BUCKET, (int64_t)INT64_MAX, (int64_t)INT64_MAX);
        if ((rc = exec(s, sql, err)) || (rc = migrate(s, 1, err)))
            goto undo;
        if ((rc = bucket_create_table(s, OPEN_BUCKET, err)))
            goto undo;
        if ((rc = exec(s, "COMMIT", err)))
            goto undo;
        return KLUIS_OK;
    undo:
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if ((rc = prepare(s, "SELECT value FROM meta WHERE key='schema_version'", &st, err)))
        return rc;
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (version <= 0)
        return kluis_err_set(err, KLUIS_ECORRUPT, "store: the schema version is missing");
    if (version > SCHEMA_VERSION) {
        kluis_err_set(err, KLUIS_EUNSUPPORTED,
                      "the store was written by a newer kluis (schema %d; this one reads up to %d)",
                      version, SCHEMA_VERSION);
        kluis_err_hint(err, "upgrade kluis; the store is left as it is");
        return KLUIS_EUNSUPPORTED;
    }
    if (version == SCHEMA_VERSION)
        return KLUIS_OK;
    if (version < SCHEMA_VERSION) {
        if ((rc = exec(s, "BEGIN IMMEDIATE", err)))
            return rc;
        if ((rc = migrate(s, version, err)) == KLUIS_OK) {
            char sql[96];
            snprintf(sql, sizeof(sql), "UPDATE meta SET value=%d WHERE key='schema_version'",
                     SCHEMA_VERSION);
            rc = exec(s, sql, err);
        }
        if (rc) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
        return exec(s, "COMMIT", err);
    }
    return KLUIS_OK;
}

/* ---- Open / close / transactions ---------------------------------------------------------- */

static void cache_clear(struct sq *s)
{
    for (size_t i = 0; i < STMT_CACHE; i++) {
        sqlite3_finalize(s->cache[i].stmt);
        sqlite3_finalize(s->cache[i].link_stmt);
        memset(&s->cache[i], 0, sizeof(s->cache[i]));
    }
}

static void deltas_clear(struct sq *s)
{
    for (size_t i = 0; i < s->n_deltas; i++)
        free(s->deltas[i].category);
    s->n_deltas = 0;
}

/*
 * Location: PATH[?OPTION[&OPTION]]. synchronous=full (the default) makes every commit survive
 * power loss; synchronous=normal, in WAL mode, survives a crash of the process but may lose the
 * last commits on power loss — for throwaway stores such as the demo's. checkpoint=inline (the
 * default) copies the WAL back into the file in the commit that fills it; checkpoint=background
 * leaves that to a thread of its own (below), so that no commit waits for it — what kluis serve
 * uses, for its latency.
 */
static kluis_rc parse_location(const char *location, char *path, size_t size, bool *out_full,
                               bool *out_background, struct kluis_err *err)
{
    const char *q = strchr(location, '?');
    size_t n = q ? (size_t)(q - location) : strlen(location);
    if (n == 0 || n >= size)
        return kluis_err_set(err, KLUIS_EINVAL, "a store path is 1 to %zu bytes", size - 1);
    memcpy(path, location, n);
    path[n] = '\0';
    *out_full = true;
    *out_background = false;
    for (const char *o = q ? q + 1 : NULL; o;) {
        const char *amp = strchr(o, '&');
        size_t len = amp ? (size_t)(amp - o) : strlen(o);
#define IS(opt) (len == sizeof(opt) - 1 && memcmp(o, opt, len) == 0)
        if (IS("synchronous=normal"))
            *out_full = false;
        else if (IS("synchronous=full"))
            *out_full = true;
        else if (IS("checkpoint=background"))
            *out_background = true;
        else if (IS("checkpoint=inline"))
            *out_background = false;
        else
            return kluis_err_set(err, KLUIS_EINVAL,
                                 "unknown store option '%.*s' (sqlite: takes "
                                 "?synchronous=full|normal&checkpoint=inline|background)",
                                 (int)len, o);
#undef IS
        o = amp ? amp + 1 : NULL;
    }
    return KLUIS_OK;
}

/*
 * The background checkpointer: a thread with a connection of its own that copies the WAL back
 * into the file (a PASSIVE checkpoint: it never blocks the writer) whenever a commit has left
 * WAL_CHECKPOINT_PAGES pages or more in the WAL. The writer's connection reports that through its
 * WAL hook instead of checkpointing itself. Durability is the WAL's, synced at every commit, and
 * does not change; the writer restarts the WAL once a checkpoint has copied all of it.
 */
struct checkpointer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool due, stop;
    sqlite3 *db;
};

static void *checkpointer_main(void *arg)
{
    struct checkpointer *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->due && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop)
            break;
        c->due = false;
        pthread_mutex_unlock(&c->mu);
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static int checkpointer_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    struct checkpointer *c = arg;
    if (pages >= WAL_CHECKPOINT_PAGES) {
        pthread_mutex_lock(&c->mu);
        c->due = true;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    return SQLITE_OK;
}

static kluis_rc checkpointer_start(struct sq *s, const char *path, struct kluis_err *err)
{
    struct checkpointer *c = calloc(1, sizeof(*c));
    if (!c)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(c->db);
        free(c);
        return sq_fail(s, err, "opening the store for the background checkpoint");
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        sqlite3_close(c->db);
        free(c);
        return kluis_err_set(err, KLUIS_EIO, "store: cannot start the background checkpoint");
    }
    s->ckpt = c;
    sqlite3_wal_hook(s->db, checkpointer_hook, c);
    return KLUIS_OK;
}

static void checkpointer_stop(struct sq *s)
{
    struct checkpointer *c = s->ckpt;
    if (!c)
        return;
    sqlite3_wal_hook(s->db, NULL, NULL);
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    sqlite3_close(c->db);
    free(c);
    s->ckpt = NULL;
}

static kluis_rc sq_open(void *obj, const char *location, const struct kluis_keyring *keys,
                        struct kluis_err *err)
{
    struct sq *s = obj;
    memset(s, 0, sizeof(*s));
    if (!keys)
        return kluis_err_set(err, KLUIS_EINVAL, "store: no key store to take keys from");
    s->ring = keys;
    char path[4096];
    bool full = true, background = false;
    kluis_rc prc = parse_location(location, path, sizeof(path), &full, &background, err);
    if (prc != KLUIS_OK)
        return prc;
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        kluis_rc rc = sq_fail(s, err, "opening the store");
        kluis_err_set(err, rc, "cannot open the store '%s'", path);
        sqlite3_close(s->db);
        s->db = NULL;
        return rc;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    /* WAL for concurrent readers; synchronous FULL so that an acknowledged commit survives power
     * loss, not only a crash of the process. */
    kluis_rc rc = exec(
        s,
        full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
               "PRAGMA secure_delete=ON; PRAGMA mmap_size=268435456; PRAGMA cache_size=-65536;"
             : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
               "PRAGMA secure_delete=ON; PRAGMA mmap_size=268435456; PRAGMA cache_size=-65536;",
        err);
    /* The WAL is copied back into the file (checkpointed) once it holds WAL_CHECKPOINT_PAGES
     * pages instead of SQLite's default 1000: a batch of records dirties an index page per
     * record or so, the same pages batch after batch, and each checkpoint writes every one of
     * them again and syncs the file. Durability is the WAL's, synced at every commit, and does
     * not change; the WAL file grows to about that size (128 MiB) and stays. */
    if (rc == KLUIS_OK) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA wal_autocheckpoint=%d", WAL_CHECKPOINT_PAGES);
        rc = exec(s, sql, err);
    }
    if (rc == KLUIS_OK)
        rc = schema_setup(s, err);
    if (rc == KLUIS_OK && background)
        rc = checkpointer_start(s, path, err);
    if (rc != KLUIS_OK) {
        sqlite3_close(s->db);
        s->db = NULL;
    }
    return rc;
}

static void sq_close(void *obj)
{
    struct sq *s = obj;
    if (!s->db)
        return;
    if (s->in_txn)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    checkpointer_stop(s);
    cache_clear(s);
    sql_cache_clear(s);
    deltas_clear(s);
    free(s->deltas);
    EVP_CIPHER_CTX_free(s->gcm);
    s->gcm = NULL;
    chunk_writer_free(s);
    sqlite3_close(s->db);
    s->db = NULL;
}

static kluis_rc sq_begin(void *obj, struct kluis_err *err)
{
    struct sq *s = obj;
    kluis_rc rc = exec(s, "BEGIN IMMEDIATE", err);
    if (rc == KLUIS_OK) {
        s->in_txn = true;
        s->txn_no++;
    }
    return rc;
}

static kluis_rc flush_counts(struct sq *s, struct kluis_err *err)
{
    if (s->n_deltas == 0)
        return KLUIS_OK;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "INSERT INTO bucket_counts VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE "
                         "SET n = n + ?4",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_stmt *zero = NULL;
    for (size_t i = 0; i < s->n_deltas && rc == KLUIS_OK; i++) {
        const struct count_delta *d = &s->deltas[i];
        if (d->delta == 0)
            continue;
        sqlite3_bind_int64(st, 1, d->bucket);
        sqlite3_bind_text(st, 2, d->tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, d->category, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, d->delta);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sq_fail(s, err, "counting records");
        sqlite3_reset(st);
        if (rc == KLUIS_OK && d->delta < 0) {
            /* Only a count that went down can have reached zero. */
            if (!zero && (rc = cached(s,
                                      "DELETE FROM bucket_counts WHERE bucket = ?1 AND tenant = "
                                      "?2 AND category = ?3 AND n <= 0",
                                      &zero, err)))
                break;
            sqlite3_bind_int64(zero, 1, d->bucket);
            sqlite3_bind_text(zero, 2, d->tenant, -1, SQLITE_STATIC);
            sqlite3_bind_text(zero, 3, d->category, -1, SQLITE_STATIC);
            if (sqlite3_step(zero) != SQLITE_DONE)
                rc = sq_fail(s, err, "counting records");
            sqlite3_reset(zero);
        }
    }
    release(s, st);
    if (zero)
        release(s, zero);
    deltas_clear(s);
    return rc;
}

static kluis_rc sq_commit(void *obj, struct kluis_err *err)
{
    struct sq *s = obj;
    kluis_rc rc = flush_counts(s, err);
    if (rc == KLUIS_OK)
        rc = exec(s, "COMMIT", err);
    if (rc != KLUIS_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        deltas_clear(s);
    } else if (s->wal_scrub) {
        /* Earlier images of the erased rows' pages may sit in the WAL (secure delete overwrites
         * the file, not the WAL); copy it back and empty it, as the key store does after
         * destroying a key. Best effort: a reader may hold it, and the next erasure tries
         * again. */
        sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    }
    s->wal_scrub = false;
    s->in_txn = false;
    return rc;
}

static void sq_rollback(void *obj)
{
    struct sq *s = obj;
    if (s->in_txn)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_txn = false;
    s->wal_scrub = false;
    sqlite3_exec(s->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
    deltas_clear(s);
    /* A rolled-back transaction may have created or dropped bucket tables. */
    cache_clear(s);
}

static kluis_rc sq_id(void *obj, uint8_t out_id[16], struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = prepare(s, "SELECT value FROM meta WHERE key='store_id'", &st, err);
    if (rc)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) != 16) {
        sqlite3_finalize(st);
        return kluis_err_set(err, KLUIS_ECORRUPT, "store: the store id is missing");
    }
    memcpy(out_id, sqlite3_column_blob(st, 0), 16);
    sqlite3_finalize(st);
    return KLUIS_OK;
}

static kluis_rc sq_legacy_secret(void *obj, bool drop, uint8_t out_key[32], struct kluis_err *err)
{
    struct sq *s = obj;
    if (drop)
        return exec(s, "PRAGMA secure_delete = ON; DELETE FROM meta WHERE key='subject_secret'",
                    err);
    sqlite3_stmt *st;
    kluis_rc rc = prepare(s, "SELECT value FROM meta WHERE key='subject_secret'", &st, err);
    if (rc)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) != 32) {
        sqlite3_finalize(st);
        return kluis_err_set(err, KLUIS_ENOTFOUND, "store: no subject secret of its own");
    }
    memcpy(out_key, sqlite3_column_blob(st, 0), 32);
    sqlite3_finalize(st);
    return KLUIS_OK;
}

/* ---- Counts ------------------------------------------------------------------------------- */

static kluis_rc count_add(struct sq *s, int64_t bucket, const char *tenant, const char *category,
                          int64_t delta, struct kluis_err *err)
{
    for (size_t i = 0; i < s->n_deltas; i++) {
        struct count_delta *d = &s->deltas[i];
        if (d->bucket == bucket && strcmp(d->tenant, tenant) == 0 &&
            strcmp(d->category, category) == 0) {
            d->delta += delta;
            return KLUIS_OK;
        }
    }
    if (s->n_deltas == s->cap_deltas) {
        size_t cap = s->cap_deltas ? s->cap_deltas * 2 : 16;
        struct count_delta *n = realloc(s->deltas, cap * sizeof(*n));
        if (!n)
            return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
        s->deltas = n;
        s->cap_deltas = cap;
    }
    struct count_delta *d = &s->deltas[s->n_deltas];
    d->category = strdup(category);
    if (!d->category)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    snprintf(d->tenant, sizeof(d->tenant), "%s", tenant);
    d->bucket = bucket;
    d->delta = delta;
    s->n_deltas++;
    return KLUIS_OK;
}

/* ---- Buckets ------------------------------------------------------------------------------ */

/* The range [start, end) of the bucket a deadline belongs in. */
static void bucket_range(int64_t created, int64_t expiry, int64_t *start, int64_t *end)
{
    if (expiry == INT64_MAX) {
        *start = *end = INT64_MAX;
        return;
    }
    int64_t day = expiry >= 0 ? expiry / DAY : -((-expiry + DAY - 1) / DAY);
    int64_t cday = created >= 0 ? created / DAY : -((-created + DAY - 1) / DAY);
    int64_t width = day - cday < NEAR_DAYS ? 1 : WIDE_DAYS;
    int64_t first = day >= 0 ? day / width * width : -((-day + width - 1) / width) * width;
    /* A deadline exactly at a day's start belongs to the day before: the bucket of day D holds
     * deadlines in (D, D+1], so that dropping it at its end never removes anything early. */
    if (expiry == first * DAY) {
        first -= width;
    }
    *start = first * DAY;
    *end = (first + width) * DAY;
}

static kluis_rc bucket_create_table(struct sq *s, int64_t no, struct kluis_err *err)
{
    char sql[640];
    snprintf(sql, sizeof(sql),
             "CREATE TABLE r_%1$" PRId64 "(row INTEGER PRIMARY KEY AUTOINCREMENT, gid INTEGER, "
             "tenant TEXT NOT "
             "NULL, subject BLOB, category TEXT NOT NULL, links TEXT NOT NULL, created INTEGER "
             "NOT NULL, expiry INTEGER NOT NULL, floor INTEGER NOT NULL, held INTEGER NOT NULL, "
             "value BLOB);"
             "CREATE INDEX r_%1$" PRId64 "_subject ON r_%1$" PRId64 "(tenant, subject);"
             "CREATE INDEX r_%1$" PRId64 "_expiry ON r_%1$" PRId64 "(expiry);"
             "CREATE TABLE l_%1$" PRId64 "(row INTEGER NOT NULL, tenant TEXT NOT NULL, link TEXT "
             "NOT NULL);"
             "CREATE INDEX l_%1$" PRId64 "_link ON l_%1$" PRId64 "(tenant, link);"
             "CREATE INDEX l_%1$" PRId64 "_row ON l_%1$" PRId64 "(row);",
             no);
    kluis_rc rc = exec(s, sql, err);
    if (rc)
        return rc;
    /* The bucket's key, made with it (in the key store, not here). */
    uint8_t key[32];
    rc = s->ring->bucket_key(s->ring->ctx, no, true, key, err);
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

/* The key of bucket no, from the key store. */
static kluis_rc bucket_key(struct sq *s, int64_t no, uint8_t out[32], struct kluis_err *err)
{
    kluis_rc rc = s->ring->bucket_key(s->ring->ctx, no, false, out, err);
    if (rc == KLUIS_ENOTFOUND)
        kluis_err_set(err, KLUIS_ENOTFOUND, "the record's bucket key is destroyed (purged)");
    return rc;
}

/* Associated data of a sealed value: what the value belongs to — tenant, subject, category and
 * the record's id, which stays the same when the record moves between buckets. Returns its
 * length, 0 when the row does not fit. */
static size_t value_aad(const struct kluis_record_row *r, uint64_t id, uint8_t *aad, size_t size)
{
    size_t tl = strlen(r->tenant), cl = strlen(r->category);
    if (tl + cl + 2 + 32 + 8 > size)
        return 0;
    size_t n = 0;
    memcpy(aad + n, r->tenant, tl + 1);
    n += tl + 1;
    if (r->has_subject)
        memcpy(aad + n, r->subject.hash, 32);
    else
        memset(aad + n, 0, 32);
    n += 32;
    memcpy(aad + n, r->category, cl + 1);
    n += cl + 1;
    for (int i = 0; i < 8; i++)
        aad[n++] = (uint8_t)(id >> (56 - 8 * i));
    return n;
}

/*
 * The key of a value in bucket no: HMAC-SHA256(data key, "kluis value v1" || bucket key). Sealing
 * a new record's value makes its data key when it has none.
 */
static kluis_rc value_key(struct sq *s, int64_t no, const struct kluis_record_row *r, bool seal,
                          uint8_t out[32], struct kluis_err *err)
{
    uint8_t dk[32], msg[14 + 32];
    memcpy(msg, "kluis value v1", 14);
    kluis_rc rc = bucket_key(s, no, msg + 14, err);
    if (rc == KLUIS_OK) {
        rc = s->ring->data_key(s->ring->ctx, r->tenant, r->has_subject ? &r->subject : NULL,
                               r->category, seal ? r->key_class : NULL, dk, err);
        if (rc == KLUIS_ENOTFOUND)
            kluis_err_set(err, KLUIS_ENOTFOUND, "the record's data key is destroyed (erased)");
    }
    if (rc == KLUIS_OK && !kluis__hmac2(dk, 32, msg, sizeof(msg), NULL, 0, out))
        rc = kluis_err_set(err, KLUIS_EINTERNAL, "store: deriving a value key failed");
    OPENSSL_cleanse(dk, sizeof(dk));
    OPENSSL_cleanse(msg, sizeof(msg));
    return rc;
}

/*
 * Seals (encrypts) or opens (decrypts) a value of bucket no; sealed is nonce || ciphertext ||
 * tag. out must hold in_len + NONCE_LEN + TAG_LEN bytes when sealing, in_len when opening.
 * Returns the length of the result, or -1 (opening: the value is not what was stored here).
 */
static long value_crypt(struct sq *s, int64_t no, bool seal, const struct kluis_record_row *r,
                        uint64_t id, const uint8_t *in, size_t in_len, uint8_t *out,
                        struct kluis_err *err)
{
    uint8_t key[32], aad[KLUIS_TENANT_MAX + 1 + 32 + 256 + 8];
    size_t aad_len = value_aad(r, id, aad, sizeof(aad));
    if (!aad_len || (!seal && in_len < NONCE_LEN + TAG_LEN) || in_len > (size_t)INT32_MAX - 64) {
        kluis_err_set(err, KLUIS_ECORRUPT, "store: a value cannot be %s",
                      seal ? "sealed" : "opened");
        return -1;
    }
    if (value_key(s, no, r, seal, key, err) != KLUIS_OK)
        return -1;
    const struct kluis__algs *algs = kluis__algs();
    if (!s->gcm)
        s->gcm = EVP_CIPHER_CTX_new();
    EVP_CIPHER_CTX *ctx = s->gcm;
    long result = -1;
    int len = 0, fin = 0;
    if (!ctx || !algs)
        goto done;
    if (seal) {
        /* A random 96-bit nonce per value, as before; the bytes are drawn in blocks (a nonce is
         * public, so keeping the next ones in memory gives nothing away). */
        if (s->nonces_left < NONCE_LEN) {
            if (RAND_bytes(s->nonces, NONCE_POOL) != 1)
                goto done;
            s->nonces_left = NONCE_POOL;
        }
        memcpy(out, s->nonces + NONCE_POOL - s->nonces_left, NONCE_LEN);
        OPENSSL_cleanse(s->nonces + NONCE_POOL - s->nonces_left, NONCE_LEN);
        s->nonces_left -= NONCE_LEN;
        if (EVP_EncryptInit_ex(ctx, algs->aes_256_gcm, NULL, key, out) != 1 ||
            EVP_EncryptUpdate(ctx, NULL, &len, aad, (int)aad_len) != 1 ||
            EVP_EncryptUpdate(ctx, out + NONCE_LEN, &len, in, (int)in_len) != 1 ||
            EVP_EncryptFinal_ex(ctx, out + NONCE_LEN + len, &fin) != 1 ||
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + NONCE_LEN + len + fin) !=
                1)
            goto done;
        result = NONCE_LEN + len + fin + TAG_LEN;
    } else {
        size_t ct_len = in_len - NONCE_LEN - TAG_LEN;
        if (EVP_DecryptInit_ex(ctx, algs->aes_256_gcm, NULL, key, in) != 1 ||
            EVP_DecryptUpdate(ctx, NULL, &len, aad, (int)aad_len) != 1 ||
            EVP_DecryptUpdate(ctx, out, &len, in + NONCE_LEN, (int)ct_len) != 1 ||
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
                                (void *)(in + in_len - TAG_LEN)) != 1 ||
            EVP_DecryptFinal_ex(ctx, out + len, &fin) != 1)
            goto done;
        result = len + fin;
    }
done:
    OPENSSL_cleanse(key, sizeof(key));
    if (result < 0)
        kluis_err_set(err, KLUIS_ECORRUPT,
                      "store: a value does not open under its key (it was "
                      "changed or moved onto another record)");
    return result;
}

static void plain_free(uint8_t *p, size_t len)
{
    if (p) {
        OPENSSL_cleanse(p, len);
        free(p);
    }
}

/* Replaces r->value (sealed, as read from bucket no) by the opened value, which *out_plain owns
 * (free with plain_free()). */
static kluis_rc value_open(struct sq *s, int64_t no, struct kluis_record_row *r,
                           uint8_t **out_plain, struct kluis_err *err)
{
    *out_plain = malloc(r->value_len ? r->value_len : 1);
    if (!*out_plain)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    kluis_rc rc = KLUIS_ECORRUPT;
    struct kluis_err e2 = {0};
    long n = value_crypt(s, no, false, r, r->id, r->value, r->value_len, *out_plain, &e2);
    if (n < 0) {
        free(*out_plain);
        *out_plain = NULL;
        rc = e2.rc ? e2.rc : KLUIS_ECORRUPT;
        if (err)
            *err = e2;
        return rc;
    }
    r->value = *out_plain;
    r->value_len = (size_t)n;
    return KLUIS_OK;
}

/* The bucket for [start, end), created when missing. */
static kluis_rc bucket_for(struct sq *s, int64_t start, int64_t end, int64_t *out_no,
                           struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = cached(s, "SELECT no FROM buckets WHERE start=?1 AND end=?2", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, start);
    sqlite3_bind_int64(st, 2, end);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *out_no = sqlite3_column_int64(st, 0);
        release(s, st);
        return KLUIS_OK;
    }
    release(s, st);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "finding a bucket");
    if ((rc = cached(s, "INSERT INTO buckets(start, end) VALUES(?1, ?2)", &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, start);
    sqlite3_bind_int64(st, 2, end);
    step = sqlite3_step(st);
    release(s, st);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "creating a bucket");
    int64_t no = sqlite3_last_insert_rowid(s->db);
    if (no >= ((int64_t)1 << (63 - ROW_BITS)))
        return kluis_err_set(err, KLUIS_EINTERNAL, "store: bucket numbers exhausted");
    if ((rc = bucket_create_table(s, no, err)))
        return rc;
    *out_no = no;
    return KLUIS_OK;
}

/* Every bucket row has its tables (created and dropped together), so the row is the truth. */
static bool bucket_table_exists(struct sq *s, int64_t no)
{
    sqlite3_stmt *st;
    if (cached(s, "SELECT 1 FROM buckets WHERE no = ?1", &st, NULL) != KLUIS_OK)
        return false;
    sqlite3_bind_int64(st, 1, no);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    release(s, st);
    return found;
}

/* The prepared insert for bucket no (cached for the buckets most recently written). */
static kluis_rc insert_stmts(struct sq *s, int64_t no, struct insert_cache **out,
                             struct kluis_err *err)
{
    struct insert_cache *victim = &s->cache[0];
    for (size_t i = 0; i < STMT_CACHE; i++) {
        struct insert_cache *c = &s->cache[i];
        if (c->stmt && c->bucket == no) {
            c->used = ++s->tick;
            *out = c;
            return KLUIS_OK;
        }
        if (!c->stmt || c->used < victim->used)
            victim = c;
    }
    sqlite3_finalize(victim->stmt);
    sqlite3_finalize(victim->link_stmt);
    memset(victim, 0, sizeof(*victim));
    char sql[256];
    snprintf(sql, sizeof(sql),
             "INSERT INTO r_%" PRId64 "(gid, tenant, subject, category, links, created, expiry, "
             "floor, held, value, row) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
             no);
    kluis_rc rc = prepare(s, sql, &victim->stmt, err);
    if (rc)
        return rc;
    snprintf(sql, sizeof(sql), "INSERT INTO l_%" PRId64 "(row, tenant, link) VALUES(?1, ?2, ?3)",
             no);
    if ((rc = prepare(s, sql, &victim->link_stmt, err))) {
        sqlite3_finalize(victim->stmt);
        victim->stmt = NULL;
        return rc;
    }
    victim->bucket = no;
    victim->used = ++s->tick;
    *out = victim;
    return KLUIS_OK;
}

/*
 * The row a new row of the bucket takes. A value's associated data names its record's id, which
 * for a new record is made of its bucket and row, so the row is chosen before the insert: the
 * bucket's AUTOINCREMENT counter, read once per transaction, then counted on.
 */
static kluis_rc next_row(struct sq *s, struct insert_cache *c, int64_t *out_row,
                         struct kluis_err *err)
{
    if (c->txn_no != s->txn_no) {
        char name[32];
        snprintf(name, sizeof(name), "r_%" PRId64, c->bucket);
        sqlite3_stmt *st;
        kluis_rc rc = cached(s, "SELECT seq FROM sqlite_sequence WHERE name = ?1", &st, err);
        if (rc)
            return rc;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        c->next_row = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) + 1 : 1;
        release(s, st);
        c->txn_no = s->txn_no;
    }
    if (c->next_row >= ((int64_t)1 << ROW_BITS))
        return kluis_err_set(err, KLUIS_EINTERNAL, "store: bucket full");
    *out_row = c->next_row++;
    return KLUIS_OK;
}

/* Writes a row into bucket no (gid 0: a new record, whose id is derived from its place). */
static kluis_rc put_row(struct sq *s, int64_t no, uint64_t gid, const struct kluis_record_row *r,
                        int64_t *out_row, struct kluis_err *err)
{
    struct insert_cache *ic;
    int64_t row = 0;
    kluis_rc rc = insert_stmts(s, no, &ic, err);
    if (rc == KLUIS_OK)
        rc = next_row(s, ic, &row, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = ic->stmt, *lst = ic->link_stmt;
    uint64_t id = gid ? gid : ((uint64_t)no << ROW_BITS) | (uint64_t)row;
    sqlite3_bind_int64(st, 11, row);
    if (gid)
        sqlite3_bind_int64(st, 1, (int64_t)gid);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_text(st, 2, r->tenant, -1, SQLITE_STATIC);
    if (r->has_subject)
        sqlite3_bind_blob(st, 3, r->subject.hash, 32, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, r->category, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->links ? r->links : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, r->created);
    sqlite3_bind_int64(st, 7, r->expiry);
    sqlite3_bind_int64(st, 8, r->floor);
    sqlite3_bind_int(st, 9, r->held);
    size_t sealed_len = r->value_len + NONCE_LEN + TAG_LEN;
    uint8_t small[1024];
    uint8_t *sealed = sealed_len <= sizeof(small) ? small : malloc(sealed_len);
    if (!sealed) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    }
    struct kluis_err e2 = {0};
    long sealed_n = value_crypt(s, no, true, r, id, r->value_len ? r->value : (const uint8_t *)"",
                                r->value_len, sealed, &e2);
    if (sealed_n < 0) {
        if (sealed != small)
            free(sealed);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (err)
            *err = e2;
        return e2.rc ? e2.rc : KLUIS_ECORRUPT;
    }
    sqlite3_bind_blob(st, 10, sealed, (int)sealed_n, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (sealed != small)
        free(sealed);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "storing a record");
    /* One index row per link, for events that name a link. */
    const char *cursor = r->links, *l;
    size_t n;
    while (kluis_links_next(&cursor, &l, &n)) {
        sqlite3_bind_int64(lst, 1, row);
        sqlite3_bind_text(lst, 2, r->tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(lst, 3, l, (int)n, SQLITE_STATIC);
        step = sqlite3_step(lst);
        sqlite3_reset(lst);
        if (step != SQLITE_DONE)
            return sq_fail(s, err, "storing a record's links");
    }
    *out_row = row;
    return count_add(s, no, r->tenant, r->category, 1, err);
}

static kluis_rc sq_record_insert(void *obj, const struct kluis_record_row *r, uint64_t *out_id,
                                 struct kluis_err *err)
{
    struct sq *s = obj;
    int64_t start, end, no, row;
    bucket_range(r->created, r->held ? INT64_MAX : r->expiry, &start, &end);
    kluis_rc rc =
        start == INT64_MAX ? (no = OPEN_BUCKET, KLUIS_OK) : bucket_for(s, start, end, &no, err);
    if (rc == KLUIS_OK)
        rc = put_row(s, no, 0, r, &row, err);
    if (rc == KLUIS_OK)
        *out_id = ((uint64_t)no << ROW_BITS) | (uint64_t)row;
    return rc;
}

/* Where record id lives now: its bucket and row, or KLUIS_ENOTFOUND. */
static kluis_rc locate(struct sq *s, uint64_t id, int64_t *out_no, int64_t *out_row,
                       bool *out_moved, struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = cached(s, "SELECT bucket, row FROM forward WHERE id=?1", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *out_no = sqlite3_column_int64(st, 0);
        *out_row = sqlite3_column_int64(st, 1);
        *out_moved = true;
    } else {
        *out_no = (int64_t)(id >> ROW_BITS);
        *out_row = (int64_t)(id & (((uint64_t)1 << ROW_BITS) - 1));
        *out_moved = false;
    }
    release(s, st);
    if (*out_no <= 0 || id > (uint64_t)INT64_MAX || !bucket_table_exists(s, *out_no))
        return KLUIS_ENOTFOUND;
    return KLUIS_OK;
}

#define ROW_COLUMNS "row, gid, tenant, subject, category, links, created, expiry, floor, held"
#define ROW_COLUMNS_R                                                                              \
    "r.row, r.gid, r.tenant, r.subject, r.category, r.links, r.created, r.expiry, r.floor, r.held"

static void row_from(sqlite3_stmt *st, int64_t no, bool with_value, struct kluis_record_row *r)
{
    memset(r, 0, sizeof(*r));
    int64_t row = sqlite3_column_int64(st, 0);
    r->id = sqlite3_column_type(st, 1) == SQLITE_NULL ? ((uint64_t)no << ROW_BITS) | (uint64_t)row
                                                      : (uint64_t)sqlite3_column_int64(st, 1);
    r->tenant = (const char *)sqlite3_column_text(st, 2);
    if (sqlite3_column_bytes(st, 3) == 32) {
        memcpy(r->subject.hash, sqlite3_column_blob(st, 3), 32);
        r->has_subject = true;
    }
    r->category = (const char *)sqlite3_column_text(st, 4);
    r->links = (const char *)sqlite3_column_text(st, 5);
    r->created = sqlite3_column_int64(st, 6);
    r->expiry = sqlite3_column_int64(st, 7);
    r->floor = sqlite3_column_int64(st, 8);
    r->held = sqlite3_column_int(st, 9) != 0;
    if (with_value) {
        r->value = sqlite3_column_blob(st, 10);
        r->value_len = (size_t)sqlite3_column_bytes(st, 10);
    }
}

static kluis_rc sq_record_get(void *obj, const char *tenant, uint64_t id, kluis_record_fn fn,
                              void *ctx, struct kluis_err *err)
{
    struct sq *s = obj;
    int64_t no, row;
    bool moved;
    kluis_rc rc = locate(s, id, &no, &row, &moved, err);
    if (rc == KLUIS_ENOTFOUND)
        return kluis_err_set(err, rc, "no such record");
    if (rc)
        return rc;
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT " ROW_COLUMNS ", value FROM r_%" PRId64 " WHERE row=?1 AND tenant=?2 AND %s",
             no, moved ? "gid=?3" : "gid IS NULL");
    sqlite3_stmt *st;
    if ((rc = cached(s, sql, &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, row);
    sqlite3_bind_text(st, 2, tenant, -1, SQLITE_STATIC);
    if (moved)
        sqlite3_bind_int64(st, 3, (int64_t)id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        struct kluis_record_row r;
        row_from(st, no, true, &r);
        uint8_t *plain = NULL;
        rc = value_open(s, no, &r, &plain, err);
        if (rc == KLUIS_OK)
            fn(ctx, &r);
        plain_free(plain, r.value_len);
    } else if (step == SQLITE_DONE) {
        rc = kluis_err_set(err, KLUIS_ENOTFOUND, "no such record");
    } else {
        rc = sq_fail(s, err, "reading a record");
    }
    release(s, st);
    return rc;
}

/* Removes the row at (no, row): its links, its count, and a forward entry pointing at it. */
static kluis_rc remove_row(struct sq *s, int64_t no, int64_t row, uint64_t id, bool moved,
                           const char *tenant, const char *category, struct kluis_err *err)
{
    char sql[160];
    snprintf(sql, sizeof(sql),
             "DELETE FROM r_%1$" PRId64 " WHERE row=%2$" PRId64 ";"
             "DELETE FROM l_%1$" PRId64 " WHERE row=%2$" PRId64 ";",
             no, row);
    kluis_rc rc = exec(s, sql, err);
    if (rc == KLUIS_OK && moved) {
        snprintf(sql, sizeof(sql), "DELETE FROM forward WHERE id=%" PRId64, (int64_t)id);
        rc = exec(s, sql, err);
    }
    if (rc == KLUIS_OK)
        rc = count_add(s, no, tenant, category, -1, err);
    return rc;
}

struct copy_ctx {
    struct kluis_record_row row;
    char *tenant, *category, *links;
    void *value;
    bool found;
};

static int copy_row(void *ctx, const struct kluis_record_row *r)
{
    struct copy_ctx *c = ctx;
    c->row = *r;
    c->tenant = strdup(r->tenant);
    c->category = strdup(r->category);
    c->links = strdup(r->links ? r->links : "");
    c->value = malloc(r->value_len ? r->value_len : 1);
    if (c->value && r->value_len)
        memcpy(c->value, r->value, r->value_len);
    c->row.tenant = c->tenant;
    c->row.category = c->category;
    c->row.links = c->links;
    c->row.value = c->value;
    c->found = c->tenant && c->category && c->links && c->value;
    return 0;
}

static void copy_free(struct copy_ctx *c)
{
    free(c->tenant);
    free(c->category);
    free(c->links);
    free(c->value);
}

static kluis_rc sq_record_retain(void *obj, const char *tenant, uint64_t id, int64_t expiry,
                                 int64_t floor, bool held, struct kluis_err *err)
{
    struct sq *s = obj;
    int64_t no, row;
    bool moved;
    kluis_rc rc = locate(s, id, &no, &row, &moved, err);
    if (rc == KLUIS_ENOTFOUND)
        return kluis_err_set(err, rc, "no such record");
    if (rc)
        return rc;
    struct copy_ctx c = {0};
    if ((rc = sq_record_get(s, tenant, id, copy_row, &c, err))) {
        copy_free(&c);
        return rc;
    }
    if (!c.found) {
        copy_free(&c);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    }
    int64_t start, end, dest;
    bucket_range(c.row.created, held ? INT64_MAX : expiry, &start, &end);
    rc =
        start == INT64_MAX ? (dest = OPEN_BUCKET, KLUIS_OK) : bucket_for(s, start, end, &dest, err);
    if (rc == KLUIS_OK && dest == no) {
        /* Same bucket: update in place. */
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "UPDATE r_%" PRId64 " SET expiry=%" PRId64 ", floor=%" PRId64
                 ", held=%d WHERE row=%" PRId64,
                 no, expiry, floor, held ? 1 : 0, row);
        rc = exec(s, sql, err);
        copy_free(&c);
        return rc;
    }
    if (rc == KLUIS_OK)
        rc = remove_row(s, no, row, id, moved, c.row.tenant, c.row.category, err);
    int64_t new_row = 0;
    c.row.expiry = expiry;
    c.row.floor = floor;
    c.row.held = held;
    bool home = dest == (int64_t)(id >> ROW_BITS);
    /* Back in its home bucket a record still cannot take its old row (it may be reused), so it
     * is always written with its id and a forward entry. */
    (void)home;
    if (rc == KLUIS_OK)
        rc = put_row(s, dest, id, &c.row, &new_row, err);
    if (rc == KLUIS_OK) {
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "INSERT OR REPLACE INTO forward VALUES(%" PRId64 ", %" PRId64 ", %" PRId64 ")",
                 (int64_t)id, dest, new_row);
        rc = exec(s, sql, err);
    }
    copy_free(&c);
    return rc;
}

static kluis_rc sq_record_delete(void *obj, const char *tenant, uint64_t id, struct kluis_err *err)
{
    struct sq *s = obj;
    int64_t no, row;
    bool moved;
    kluis_rc rc = locate(s, id, &no, &row, &moved, err);
    if (rc == KLUIS_ENOTFOUND)
        return kluis_err_set(err, rc, "no such record");
    if (rc)
        return rc;
    /* Without opening the value: an erased subject's values no longer open. */
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT category FROM r_%" PRId64 " WHERE row = ?1 AND tenant = ?2",
             no);
    sqlite3_stmt *st;
    if ((rc = cached(s, sql, &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, row);
    sqlite3_bind_text(st, 2, tenant, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        release(s, st);
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no such record");
    }
    char *category = strdup((const char *)sqlite3_column_text(st, 0));
    release(s, st);
    if (!category)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    rc = remove_row(s, no, row, id, moved, tenant, category, err);
    free(category);
    return rc;
}

struct ids {
    uint64_t *v;
    size_t n, cap;
    bool oom;
};

static int collect_ids(void *ctx, const struct kluis_record_row *r)
{
    struct ids *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        uint64_t *v = realloc(l->v, cap * sizeof(*v));
        if (!v) {
            l->oom = true;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = r->id;
    return 0;
}

static kluis_rc sq_records_scan(void *obj, const struct kluis_record_filter *f, kluis_record_fn fn,
                                void *ctx, struct kluis_err *err);

static kluis_rc meta_set_int(struct sq *s, const char *key, int64_t v, struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = cached(s, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, v);
    int step = sqlite3_step(st);
    release(s, st);
    return step == SQLITE_DONE ? KLUIS_OK : sq_fail(s, err, "storing a setting of the store");
}

static kluis_rc sq_doomed_keys(void *obj, int64_t *nos, size_t cap, size_t *out_n,
                               struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s, "SELECT no FROM doomed_keys ORDER BY no", &st, err);
    if (rc)
        return rc;
    size_t n = 0;
    while (n < cap && sqlite3_step(st) == SQLITE_ROW)
        nos[n++] = sqlite3_column_int64(st, 0);
    release(s, st);
    *out_n = n;
    return KLUIS_OK;
}

static kluis_rc sq_doomed_keys_done(void *obj, const int64_t *nos, size_t n, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s, "DELETE FROM doomed_keys WHERE no = ?1", &st, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && rc == KLUIS_OK; i++) {
        sqlite3_bind_int64(st, 1, nos[i]);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sq_fail(s, err, "noting destroyed keys");
        sqlite3_reset(st);
    }
    release(s, st);
    return rc;
}

/* ---- Audit log ------------------------------------------------------------------------------ */

/*
 * The entries are kept in chunks (audit_chunks: first seq, count, time of the last entry, their
 * leaf hashes, their encoded entries; store_internal.h), one or more per transaction that
 * appends: a row per chunk instead of a row per entry, and a tenant's view found through
 * audit_tenants (a row per tenant and chunk) instead of an index entry per entry.
 */

static kluis_rc chunk_flush(struct sq *s, struct chunk_w *w, struct kluis_err *err)
{
    if (w->n == 0)
        return KLUIS_OK;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "INSERT INTO audit_chunks(first, n, last_at, leaves, entries) "
                         "VALUES(?1, ?2, ?3, ?4, ?5)",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)w->first);
    sqlite3_bind_int64(st, 2, (int64_t)w->n);
    sqlite3_bind_int64(st, 3, w->last_at);
    sqlite3_bind_blob(st, 4, w->leaves, (int)(32 * w->n), SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, w->bytes, (int)w->len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sq_fail(s, err, "appending to the audit log");
    sqlite3_clear_bindings(st);
    release(s, st);
    if (rc == KLUIS_OK && w->n_tenants) {
        if ((rc = cached(s, "INSERT OR IGNORE INTO audit_tenants(tenant, first) VALUES(?1, ?2)",
                         &st, err)))
            return rc;
        for (size_t i = 0; i < w->n_tenants && rc == KLUIS_OK; i++) {
            sqlite3_bind_text(st, 1, w->tenants[i], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, (int64_t)w->first);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = sq_fail(s, err, "appending to the audit log");
            sqlite3_reset(st);
        }
        sqlite3_clear_bindings(st);
        release(s, st);
    }
    w->n = 0;
    w->len = 0;
    w->n_tenants = 0;
    return rc;
}

/* Adds an entry to the chunk, writing the chunk first when the entry does not belong in it. */
static kluis_rc chunk_add(struct sq *s, struct chunk_w *w, const struct kluis_audit_row *r,
                          struct kluis_err *err)
{
    size_t tl = r->tenant ? strlen(r->tenant) : 0;
    if (tl > KLUIS_TENANT_MAX)
        return kluis_err_set(err, KLUIS_EINVAL, "store: a tenant name is too long");
    if (r->body_len > UINT32_MAX / 2)
        return kluis_err_set(err, KLUIS_ETOOBIG, "store: an audit entry is too large");
    size_t need = kluis__chunk_entry_size(tl, r->body != NULL, r->body_len);
    kluis_rc rc;
    if (w->n &&
        (r->seq != w->first + w->n || w->n == KLUIS__CHUNK_MAX ||
         w->len + need > KLUIS__CHUNK_BYTES) &&
        (rc = chunk_flush(s, w, err)))
        return rc;
    if (w->len + need > w->cap) {
        size_t cap = w->cap ? w->cap : 64 * 1024;
        while (cap < w->len + need)
            cap *= 2;
        uint8_t *b = realloc(w->bytes, cap);
        if (!b)
            return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
        w->bytes = b;
        w->cap = cap;
    }
    if (w->n == 0)
        w->first = r->seq;
    struct kluis__chunk_entry e = {
        .at = r->at,
        .tenant = r->tenant,
        .tenant_len = tl,
        .body = r->body,
        .body_len = r->body_len,
    };
    w->len += kluis__chunk_entry_put(w->bytes + w->len, &e);
    memcpy(w->leaves[w->n], r->leaf, 32);
    w->last_at = r->at;
    w->n++;
    if (tl) {
        size_t i = 0;
        while (i < w->n_tenants && strcmp(w->tenants[i], r->tenant) != 0)
            i++;
        if (i == w->n_tenants)
            memcpy(w->tenants[w->n_tenants++], r->tenant, tl + 1);
    }
    return KLUIS_OK;
}

static struct chunk_w *chunk_writer(struct sq *s, struct kluis_err *err)
{
    if (!s->chunk && !(s->chunk = calloc(1, sizeof(*s->chunk))))
        kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    return s->chunk;
}

static void chunk_writer_free(struct sq *s)
{
    if (s->chunk)
        free(s->chunk->bytes);
    free(s->chunk);
    s->chunk = NULL;
}

/* The time of the log's last entry (INT64_MIN: none). */
static kluis_rc audit_last_at(struct sq *s, int64_t *out, struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc =
        cached(s, "SELECT last_at FROM audit_chunks ORDER BY first DESC LIMIT 1", &st, err);
    if (rc)
        return rc;
    int step = sqlite3_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : INT64_MIN;
    release(s, st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? KLUIS_OK
                                                     : sq_fail(s, err, "reading the audit log");
}

/* Notes (once) that entries from seq on are not in time order: the purge then looks at every
 * entry's time instead of cutting the log at one place (sq_audit_prune). */
static kluis_rc audit_note_unordered(struct sq *s, uint64_t seq, struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc =
        cached(s, "INSERT OR IGNORE INTO meta(key, value) VALUES('audit_unordered', ?1)", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)seq);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sq_fail(s, err, "appending to the audit log");
    release(s, st);
    return rc;
}

static kluis_rc sq_audit_append(void *obj, const struct kluis_audit_row *rows, size_t n,
                                struct kluis_err *err)
{
    struct sq *s = obj;
    int64_t last_at = INT64_MIN;
    kluis_rc rc = n ? audit_last_at(s, &last_at, err) : KLUIS_OK;
    if (rc || n == 0)
        return rc;
    struct chunk_w *w = chunk_writer(s, err);
    if (!w)
        return KLUIS_ENOMEM;
    w->n = w->len = w->n_tenants = 0;
    for (size_t i = 0; i < n && rc == KLUIS_OK; i++) {
        const struct kluis_audit_row *r = &rows[i];
        if (r->seq > (uint64_t)INT64_MAX - KLUIS__CHUNK_MAX) {
            rc = kluis_err_set(err, KLUIS_EINVAL, "store: audit sequence out of range");
            break;
        }
        if (r->at < last_at && (rc = audit_note_unordered(s, r->seq, err)))
            break;
        last_at = r->at > last_at ? r->at : last_at;
        rc = chunk_add(s, w, r, err);
    }
    if (rc == KLUIS_OK)
        rc = chunk_flush(s, w, err);
    w->n = w->len = w->n_tenants = 0;
    return rc;
}

/* The first seq of the chunk holding seq (or seq itself when no chunk starts at or before it). */
static kluis_rc chunk_start(struct sq *s, uint64_t seq, int64_t *out, struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = cached(s, "SELECT max(first) FROM audit_chunks WHERE first <= ?1", &st, err);
    if (rc)
        return rc;
    int64_t v = seq > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)seq;
    sqlite3_bind_int64(st, 1, v);
    int step = sqlite3_step(st);
    *out = step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL
               ? sqlite3_column_int64(st, 0)
               : v;
    release(s, st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? KLUIS_OK
                                                     : sq_fail(s, err, "reading the audit log");
}

/* The row of a decoded entry; its tenant is copied into tbuf (NUL-terminated). */
static void row_of(const struct kluis__chunk_entry *e, uint64_t seq, const uint8_t *leaf,
                   char tbuf[KLUIS_TENANT_MAX + 1], struct kluis_audit_row *r)
{
    if (e->tenant) {
        memcpy(tbuf, e->tenant, e->tenant_len);
        tbuf[e->tenant_len] = '\0';
    }
    *r = (struct kluis_audit_row){
        .seq = seq,
        .body = e->body,
        .body_len = e->body_len,
        .tenant = e->tenant ? tbuf : NULL,
        .at = e->at,
    };
    memcpy(r->leaf, leaf, 32);
}

/* A chunk's count when it is one kluis could have written (0: damaged). */
static size_t chunk_count(sqlite3_stmt *st, int col_n, int col_leaves)
{
    int64_t n = sqlite3_column_int64(st, col_n);
    if (n < 1 || n > KLUIS__CHUNK_MAX || sqlite3_column_bytes(st, col_leaves) != 32 * n)
        return 0;
    return (size_t)n;
}

static kluis_rc sq_audit_scan(void *obj, uint64_t from, uint64_t to, const char *tenant,
                              kluis_audit_fn fn, void *ctx, struct kluis_err *err)
{
    struct sq *s = obj;
    int64_t lo;
    kluis_rc rc = chunk_start(s, from, &lo, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if ((rc =
             cached(s,
                    tenant ? "SELECT c.first, c.n, c.leaves, c.entries FROM audit_tenants t JOIN "
                             "audit_chunks c ON c.first = t.first WHERE t.tenant = ?3 AND "
                             "t.first >= ?1 AND t.first < ?2 ORDER BY t.first"
                           : "SELECT first, n, leaves, entries FROM audit_chunks WHERE first >= ?1 "
                             "AND first < ?2 ORDER BY first",
                    &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, to > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)to);
    if (tenant)
        sqlite3_bind_text(st, 3, tenant, -1, SQLITE_STATIC);
    size_t tlen = tenant ? strlen(tenant) : 0;
    bool stop = false;
    int step;
    while (!stop && (step = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t first = (uint64_t)sqlite3_column_int64(st, 0);
        size_t n = chunk_count(st, 1, 2);
        const uint8_t *leaves = sqlite3_column_blob(st, 2);
        const uint8_t *p = sqlite3_column_blob(st, 3);
        const uint8_t *end = p ? p + sqlite3_column_bytes(st, 3) : p;
        size_t i = 0;
        struct kluis__chunk_entry e;
        int got = 0;
        for (; n && i < n && !stop && (got = kluis__chunk_entry_next(&p, end, &e)) == 1; i++) {
            uint64_t seq = first + i;
            if (seq < from)
                continue;
            if (seq >= to) {
                stop = true;
                break;
            }
            if (tenant && (e.tenant_len != tlen || memcmp(e.tenant, tenant, tlen) != 0))
                continue;
            char tbuf[KLUIS_TENANT_MAX + 1];
            struct kluis_audit_row r;
            row_of(&e, seq, leaves + 32 * i, tbuf, &r);
            stop = fn(ctx, &r) != 0;
        }
        if (stop || (n && i == n && p == end))
            continue;
        /* Damaged from entry i on (or the whole chunk, when its count is not one kluis writes):
         * a tenant's view cannot tell whose the entries are; the whole log names each one. */
        if (tenant) {
            rc = kluis_err_set(
                err, KLUIS_ECORRUPT,
                "audit entries from %" PRIu64 " on are damaged (they cannot be read)", first + i);
            break;
        }
        size_t last = n ? n : 1;
        for (; i < last && !stop; i++) {
            uint64_t seq = first + i;
            if (seq < from)
                continue;
            if (seq >= to)
                break;
            struct kluis_audit_row r = {.seq = seq, .damaged = true};
            stop = fn(ctx, &r) != 0;
        }
        (void)got;
    }
    if (rc == KLUIS_OK && !stop && step != SQLITE_DONE)
        rc = sq_fail(s, err, "reading the audit log");
    sqlite3_reset(st);
    release(s, st);
    return rc;
}

static kluis_rc sq_audit_leaves(void *obj, uint64_t from, uint64_t to, uint8_t (*out)[32],
                                struct kluis_err *err)
{
    struct sq *s = obj;
    int64_t lo;
    kluis_rc rc = chunk_start(s, from, &lo, err);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if ((rc = cached(s,
                     "SELECT first, n, leaves FROM audit_chunks WHERE first >= ?1 AND first < ?2 "
                     "ORDER BY first",
                     &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, to > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)to);
    uint64_t next = from;
    while (rc == KLUIS_OK && next < to && sqlite3_step(st) == SQLITE_ROW) {
        uint64_t first = (uint64_t)sqlite3_column_int64(st, 0);
        size_t n = chunk_count(st, 1, 2);
        if (first > next || n == 0) {
            rc = kluis_err_set(err, KLUIS_ECORRUPT, "audit entry %" PRIu64 " is %s", next,
                               first > next ? "missing" : "missing or damaged");
            break;
        }
        const uint8_t *leaves = sqlite3_column_blob(st, 2);
        for (uint64_t seq = next; seq < first + n && seq < to; seq++)
            memcpy(out[seq - from], leaves + 32 * (seq - first), 32);
        if (first + n > next)
            next = first + n < to ? first + n : to;
    }
    sqlite3_reset(st);
    release(s, st);
    if (rc == KLUIS_OK && next < to)
        rc = kluis_err_set(err, KLUIS_ECORRUPT, "audit entry %" PRIu64 " is missing", next);
    return rc;
}

/*
 * Prunes the bodies of the chunk at `first` (entries from seq `from` on) whose time is before
 * `before`, rewriting the chunk when any goes. *out_cut: in a log in time order, the seq of the
 * first entry at or after before (UINT64_MAX: none in this chunk).
 */
static kluis_rc chunk_prune(struct sq *s, sqlite3_stmt *row, uint64_t from, int64_t before,
                            bool unordered, uint64_t *out_pruned, uint64_t *out_cut,
                            struct kluis_err *err)
{
    uint64_t first = (uint64_t)sqlite3_column_int64(row, 0);
    size_t n = chunk_count(row, 1, 2);
    const uint8_t *p = sqlite3_column_blob(row, 3);
    const uint8_t *end = p ? p + sqlite3_column_bytes(row, 3) : p;
    *out_cut = UINT64_MAX;
    if (n == 0)
        return KLUIS_OK; /* damaged: left for verify to name */
    struct chunk_w *w = chunk_writer(s, err);
    if (!w)
        return KLUIS_ENOMEM;
    w->n = w->len = w->n_tenants = 0;
    size_t pruned = 0, i = 0;
    struct kluis__chunk_entry e;
    kluis_rc rc = KLUIS_OK;
    for (; i < n && kluis__chunk_entry_next(&p, end, &e) == 1; i++) {
        uint64_t seq = first + i;
        bool old = e.at < before && seq >= from;
        if (!unordered && seq >= from && e.at >= before && *out_cut == UINT64_MAX)
            *out_cut = seq;
        if (old && e.body && (unordered || *out_cut == UINT64_MAX))
            pruned++;
        char tbuf[KLUIS_TENANT_MAX + 1];
        struct kluis_audit_row r;
        row_of(&e, seq, (const uint8_t *)sqlite3_column_blob(row, 2) + 32 * i, tbuf, &r);
        if (old && (unordered || *out_cut == UINT64_MAX)) {
            r.body = NULL;
            r.body_len = 0;
        }
        if ((rc = chunk_add(s, w, &r, err)))
            break;
    }
    if (rc == KLUIS_OK && (i != n || p != end))
        pruned = 0; /* damaged: left as it is */
    if (rc == KLUIS_OK && pruned) {
        sqlite3_stmt *st;
        if ((rc = cached(s, "UPDATE audit_chunks SET entries = ?2 WHERE first = ?1", &st, err)) ==
            KLUIS_OK) {
            sqlite3_bind_int64(st, 1, (int64_t)first);
            sqlite3_bind_blob(st, 2, w->bytes, (int)w->len, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = sq_fail(s, err, "pruning the audit log");
            sqlite3_clear_bindings(st);
            release(s, st);
        }
        *out_pruned += pruned;
    }
    w->n = w->len = w->n_tenants = 0;
    return rc;
}

/*
 * Bodies of entries older than before. The log is in time order (the engine's clock only moves
 * on), so they are the entries before the first at or after before: the chunks are visited from
 * the previous purge's cut (meta 'audit_pruned') to the chunk holding the new one. A store that
 * ever got an entry out of time order (a clock set back: meta 'audit_unordered') is pruned by
 * looking at every entry's time instead.
 */
static kluis_rc sq_audit_prune(void *obj, int64_t before, uint64_t *out_pruned,
                               struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "SELECT key, value FROM meta WHERE key IN ('audit_unordered', "
                         "'audit_pruned')",
                         &st, err);
    if (rc)
        return rc;
    bool unordered = false;
    int64_t from = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (strcmp((const char *)sqlite3_column_text(st, 0), "audit_unordered") == 0)
            unordered = true;
        else
            from = sqlite3_column_int64(st, 1);
    }
    release(s, st);
    if (unordered)
        from = 0;
    int64_t lo;
    if ((rc = chunk_start(s, (uint64_t)from, &lo, err)))
        return rc;
    uint64_t pruned = 0, cut = UINT64_MAX, next_seq = (uint64_t)from;
    /* One chunk at a time (a rewrite does not disturb a running scan). */
    if ((rc = cached(s,
                     "SELECT first, n, leaves, entries FROM audit_chunks WHERE first >= ?1 "
                     "ORDER BY first LIMIT 1",
                     &st, err)))
        return rc;
    for (int64_t at = lo; rc == KLUIS_OK && cut == UINT64_MAX;) {
        sqlite3_bind_int64(st, 1, at);
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = sq_fail(s, err, "pruning the audit log");
            break;
        }
        int64_t first = sqlite3_column_int64(st, 0);
        int64_t n = sqlite3_column_int64(st, 1);
        rc = chunk_prune(s, st, (uint64_t)from, before, unordered, &pruned, &cut, err);
        sqlite3_reset(st);
        next_seq = (uint64_t)first + (n > 0 ? (uint64_t)n : 1);
        at = first + (n > 0 ? n : 1);
    }
    sqlite3_reset(st);
    release(s, st);
    if (out_pruned)
        *out_pruned = pruned;
    if (rc == KLUIS_OK && !unordered) {
        uint64_t c = cut != UINT64_MAX ? cut : next_seq;
        if (c > (uint64_t)from)
            rc = meta_set_int(s, "audit_pruned", (int64_t)c, err);
    }
    return rc;
}

static kluis_rc sq_checkpoint_put(void *obj, uint64_t size, const char *note, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc =
        cached(s, "INSERT OR REPLACE INTO checkpoints(size, note) VALUES(?1, ?2)", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)size);
    sqlite3_bind_text(st, 2, note, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sq_fail(s, err, "storing a checkpoint");
    release(s, st);
    return rc;
}

static kluis_rc sq_checkpoints_scan(void *obj, uint64_t from, uint64_t to,
                                    int (*fn)(void *ctx, uint64_t size, const char *note),
                                    void *ctx, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(
        s, "SELECT size, note FROM checkpoints WHERE size >= ?1 AND size <= ?2 ORDER BY size", &st,
        err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, from > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)from);
    sqlite3_bind_int64(st, 2, to > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)to);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *note = (const char *)sqlite3_column_text(st, 1);
        if (fn(ctx, (uint64_t)sqlite3_column_int64(st, 0), note ? note : ""))
            break;
    }
    release(s, st);
    return KLUIS_OK;
}

static kluis_rc sq_meta_get(void *obj, const char *key, void *buf, size_t cap, size_t *out_len,
                            struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s, "SELECT value FROM meta WHERE key = ?1", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        release(s, st);
        return kluis_err_set(err, KLUIS_ENOTFOUND, "store: no '%s'", key);
    }
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    memcpy(buf, sqlite3_column_blob(st, 0), n < cap ? n : cap);
    *out_len = n;
    release(s, st);
    return KLUIS_OK;
}

static kluis_rc sq_meta_put(void *obj, const char *key, const void *v, size_t n,
                            struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, v, (int)n, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sq_fail(s, err, "storing a setting of the store");
    release(s, st);
    return rc;
}

static kluis_rc sq_erasures_applied(void *obj, uint64_t *out_seq, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s, "SELECT value FROM meta WHERE key = 'erasures_applied'", &st, err);
    if (rc)
        return rc;
    *out_seq = sqlite3_step(st) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    release(s, st);
    return KLUIS_OK;
}

static kluis_rc sq_erasure_apply(void *obj, uint64_t seq, const char *tenant,
                                 const struct kluis_subject_ref *subject, const char *category,
                                 uint64_t *out_removed, struct kluis_err *err)
{
    struct sq *s = obj;
    struct kluis_record_filter f = {.tenant = tenant, .subject = subject, .category = category};
    struct ids l = {0};
    s->wal_scrub = true;
    kluis_rc rc = sq_records_scan(s, &f, collect_ids, &l, err);
    if (rc == KLUIS_OK && l.oom)
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    for (size_t i = 0; rc == KLUIS_OK && i < l.n; i++)
        rc = sq_record_delete(s, tenant, l.v[i], err);
    free(l.v);
    /* With the whole subject go its events, its ledger and its lookup identifiers; its
     * requests stay (they show the erasure was asked and done, and name no one in clear). */
    static const char *const subject_rows[] = {
        "DELETE FROM events WHERE tenant = ?1 AND subject = ?2",
        "DELETE FROM ledger WHERE tenant = ?1 AND subject = ?2",
        "DELETE FROM idents WHERE tenant = ?1 AND subject = ?2",
    };
    for (size_t i = 0; rc == KLUIS_OK && !category && i < 3; i++) {
        sqlite3_stmt *st;
        if ((rc = cached(s, subject_rows[i], &st, err)))
            return rc;
        sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, subject->hash, 32, SQLITE_STATIC);
        int step = sqlite3_step(st);
        release(s, st);
        if (step != SQLITE_DONE)
            rc = sq_fail(s, err, "removing what names an erased subject");
    }
    uint64_t applied = 0;
    if (rc == KLUIS_OK)
        rc = sq_erasures_applied(s, &applied, err);
    if (rc == KLUIS_OK && seq > applied)
        rc = meta_set_int(s, "erasures_applied", (int64_t)seq, err);
    if (rc == KLUIS_OK && out_removed)
        *out_removed = l.n;
    return rc;
}

/* Calls fn(ctx, no) for every bucket, in order of expiry. */
static kluis_rc each_bucket(struct sq *s, int (*fn)(struct sq *, int64_t, int64_t, int64_t, void *),
                            void *ctx, struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = prepare(s, "SELECT no, start, end FROM buckets ORDER BY start, no", &st, err);
    if (rc)
        return rc;
    /* Collect first: the callback may run statements on the same connection. */
    size_t n = 0, cap = 64;
    int64_t(*b)[3] = malloc(cap * sizeof(*b));
    int step;
    while (b && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap *= 2;
            void *nb = realloc(b, cap * sizeof(*b));
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
        }
        b[n][0] = sqlite3_column_int64(st, 0);
        b[n][1] = sqlite3_column_int64(st, 1);
        b[n][2] = sqlite3_column_int64(st, 2);
        n++;
    }
    sqlite3_finalize(st);
    if (!b)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    int stop = 0;
    for (size_t i = 0; i < n && !stop; i++)
        stop = fn(s, b[i][0], b[i][1], b[i][2], ctx);
    free(b);
    return stop < 0 ? KLUIS_EIO : KLUIS_OK;
}

struct scan_ctx {
    const struct kluis_record_filter *f;
    kluis_record_fn fn;
    void *ctx;
    struct kluis_err *err;
    kluis_rc rc;
    bool stopped;
};

static int scan_bucket(struct sq *s, int64_t no, int64_t start, int64_t end, void *vctx)
{
    struct scan_ctx *c = vctx;
    (void)start;
    (void)end;
    if (!bucket_table_exists(s, no))
        return 0;
    const struct kluis_record_filter *f = c->f;
    char sql[512];
    int n = snprintf(sql, sizeof(sql), "SELECT " ROW_COLUMNS_R "%s FROM r_%" PRId64 " r",
                     f->with_values ? ", r.value" : ", NULL", no);
    if (f->link)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n,
                      " JOIN l_%" PRId64 " l ON l.row = r.row AND l.tenant = r.tenant AND "
                      "l.link = ?4",
                      no);
    snprintf(sql + n, sizeof(sql) - (size_t)n, " WHERE r.tenant = ?1%s%s ORDER BY r.created, r.row",
             f->subject ? " AND r.subject = ?2" : "", f->category ? " AND r.category = ?3" : "");
    sqlite3_stmt *st;
    if ((c->rc = cached(s, sql, &st, c->err)))
        return -1;
    sqlite3_bind_text(st, 1, f->tenant, -1, SQLITE_STATIC);
    if (f->subject)
        sqlite3_bind_blob(st, 2, f->subject->hash, 32, SQLITE_STATIC);
    if (f->category)
        sqlite3_bind_text(st, 3, f->category, -1, SQLITE_STATIC);
    if (f->link)
        sqlite3_bind_text(st, 4, f->link, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_record_row r;
        row_from(st, no, f->with_values, &r);
        uint8_t *plain = NULL;
        if (f->with_values && (c->rc = value_open(s, no, &r, &plain, c->err)) != KLUIS_OK)
            break;
        int stop = c->fn(c->ctx, &r);
        plain_free(plain, r.value_len);
        if (stop) {
            c->stopped = true;
            break;
        }
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        c->rc = sq_fail(s, c->err, "scanning records");
    release(s, st);
    return c->rc ? -1 : c->stopped ? 1 : 0;
}

static kluis_rc sq_records_scan(void *obj, const struct kluis_record_filter *f, kluis_record_fn fn,
                                void *ctx, struct kluis_err *err)
{
    struct sq *s = obj;
    if (!f || !f->tenant)
        return kluis_err_set(err, KLUIS_EINVAL, "a record scan needs a tenant");
    struct scan_ctx c = {.f = f, .fn = fn, .ctx = ctx, .err = err};
    kluis_rc rc = each_bucket(s, scan_bucket, &c, err);
    return c.rc ? c.rc : rc;
}

/* ---- Tenants and settings ----------------------------------------------------------------- */

static kluis_rc sq_tenant_insert(void *obj, const struct kluis_tenant_row *t, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = prepare(s, "INSERT INTO tenants VALUES(?1, ?2, ?3)", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, t->tenant, -1, SQLITE_STATIC);
    if (t->country)
        sqlite3_bind_text(st, 2, t->country, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, t->created);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step == SQLITE_CONSTRAINT || (sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_CONSTRAINT)
        return kluis_err_set(err, KLUIS_EEXIST, "tenant '%s' exists already", t->tenant);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "adding a tenant");
    return KLUIS_OK;
}

static kluis_rc tenant_query(struct sq *s, const char *tenant, kluis_tenant_fn fn, void *ctx,
                             bool *found, struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         tenant ? "SELECT tenant, country, created FROM tenants WHERE tenant=?1"
                                : "SELECT tenant, country, created FROM tenants ORDER BY tenant",
                         &st, err);
    if (rc)
        return rc;
    if (tenant)
        sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    int step;
    *found = false;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_tenant_row t = {
            .tenant = (const char *)sqlite3_column_text(st, 0),
            .country = (const char *)sqlite3_column_text(st, 1),
            .created = sqlite3_column_int64(st, 2),
        };
        *found = true;
        if (fn && fn(ctx, &t))
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = sq_fail(s, err, "reading tenants");
    release(s, st);
    return rc;
}

static kluis_rc sq_tenant_get(void *obj, const char *tenant, kluis_tenant_fn fn, void *ctx,
                              struct kluis_err *err)
{
    bool found;
    kluis_rc rc = tenant_query(obj, tenant, fn, ctx, &found, err);
    if (rc == KLUIS_OK && !found)
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no tenant '%s'", tenant);
    return rc;
}

static kluis_rc sq_tenants_scan(void *obj, kluis_tenant_fn fn, void *ctx, struct kluis_err *err)
{
    bool found;
    return tenant_query(obj, NULL, fn, ctx, &found, err);
}

static kluis_rc sq_setting_put(void *obj, const struct kluis_setting_row *r, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = prepare(s, "INSERT OR REPLACE INTO settings VALUES(?1, ?2, ?3)", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->value, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? KLUIS_OK : sq_fail(s, err, "changing a setting");
}

static kluis_rc sq_settings_scan(void *obj, const char *tenant, kluis_setting_fn fn, void *ctx,
                                 struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc =
        cached(s, "SELECT tenant, key, value FROM settings WHERE tenant=?1 ORDER BY key", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_setting_row r = {
            .tenant = (const char *)sqlite3_column_text(st, 0),
            .key = (const char *)sqlite3_column_text(st, 1),
            .value = (const char *)sqlite3_column_text(st, 2),
        };
        if (fn(ctx, &r))
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = sq_fail(s, err, "reading settings");
    release(s, st);
    return rc;
}

/* ---- What a transaction knows of a tenant's events and holds ------------------------------ */

/* The facts of tenant in this transaction (NULL outside one, or when there is no room). */
static struct tenant_facts *facts_of(struct sq *s, const char *tenant)
{
    if (!s->in_txn || !tenant || strlen(tenant) > KLUIS_TENANT_MAX)
        return NULL;
    if (s->facts_txn != s->txn_no) {
        s->n_facts = 0;
        s->facts_txn = s->txn_no;
    }
    for (size_t i = 0; i < s->n_facts; i++)
        if (strcmp(s->facts[i].tenant, tenant) == 0)
            return &s->facts[i];
    if (s->n_facts == FACTS_MAX)
        return NULL;
    struct tenant_facts *f = &s->facts[s->n_facts++];
    memset(f, 0, sizeof(*f));
    snprintf(f->tenant, sizeof(f->tenant), "%s", tenant);
    return f;
}

/* Forgets what is known of tenant (NULL: of every tenant): it got an event or a hold. */
static void facts_drop(struct sq *s, const char *tenant)
{
    for (size_t i = 0; i < s->n_facts; i++) {
        if (!tenant || strcmp(s->facts[i].tenant, tenant) == 0) {
            s->facts[i].known_events = false;
            s->facts[i].known_holds = false;
        }
    }
}

/* Whether the statement (one bound parameter, the tenant) finds a row. */
static kluis_rc exists(struct sq *s, const char *sql, const char *tenant, bool *out,
                       struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = cached(s, sql, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    *out = step == SQLITE_ROW;
    release(s, st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? KLUIS_OK : sq_fail(s, err, "reading events");
}

/* Which kinds of events tenant has (each through its own partial index). */
static kluis_rc event_facts(struct sq *s, struct tenant_facts *f, struct kluis_err *err)
{
    if (f->known_events)
        return KLUIS_OK;
    kluis_rc rc = exists(s,
                         "SELECT 1 FROM events WHERE tenant = ?1 AND subject IS NULL AND link IS "
                         "NULL LIMIT 1",
                         f->tenant, &f->tenant_events, err);
    if (rc == KLUIS_OK)
        rc = exists(s, "SELECT 1 FROM events WHERE tenant = ?1 AND subject IS NOT NULL LIMIT 1",
                    f->tenant, &f->subject_events, err);
    if (rc == KLUIS_OK)
        rc = exists(s,
                    "SELECT 1 FROM events WHERE tenant = ?1 AND link IS NOT NULL AND subject IS "
                    "NULL LIMIT 1",
                    f->tenant, &f->link_events, err);
    f->known_events = rc == KLUIS_OK;
    return rc;
}

/* ---- Events ------------------------------------------------------------------------------- */

static kluis_rc sq_event_insert(void *obj, const struct kluis_event_row *r, uint64_t *out_id,
                                struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "INSERT INTO events(tenant, name, purpose, subject, link, at) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
    if (r->purpose)
        sqlite3_bind_text(st, 3, r->purpose, -1, SQLITE_STATIC);
    if (r->has_subject)
        sqlite3_bind_blob(st, 4, r->subject.hash, 32, SQLITE_STATIC);
    if (r->link)
        sqlite3_bind_text(st, 5, r->link, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, r->at);
    int step = sqlite3_step(st);
    release(s, st);
    facts_drop(s, r->tenant);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "recording an event");
    *out_id = (uint64_t)sqlite3_last_insert_rowid(s->db);
    return KLUIS_OK;
}

static kluis_rc event_rows(struct sq *s, sqlite3_stmt *st, kluis_event_fn fn, void *ctx,
                           struct kluis_err *err)
{
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_event_row r = {
            .id = (uint64_t)sqlite3_column_int64(st, 0),
            .tenant = (const char *)sqlite3_column_text(st, 1),
            .name = (const char *)sqlite3_column_text(st, 2),
            .purpose = (const char *)sqlite3_column_text(st, 3),
            .link = (const char *)sqlite3_column_text(st, 5),
            .at = sqlite3_column_int64(st, 6),
        };
        if (sqlite3_column_bytes(st, 4) == 32) {
            memcpy(r.subject.hash, sqlite3_column_blob(st, 4), 32);
            r.has_subject = true;
        }
        if (fn(ctx, &r))
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return sq_fail(s, err, "reading events");
    return KLUIS_OK;
}

static kluis_rc sq_events_for_record(void *obj, const char *tenant,
                                     const struct kluis_subject_ref *subject, const char *links,
                                     kluis_event_fn fn, void *ctx, struct kluis_err *err)
{
    struct sq *s = obj;
    /* Three indexed lookups rather than one OR (which would scan every event of the tenant):
     * events naming neither subject nor link, events of the subject, events of each link. An
     * event names a subject or a link or neither, so no event is visited twice. */
    static const char q_tenant[] =
        "SELECT id, tenant, name, purpose, subject, link, at FROM events "
        "WHERE tenant = ?1 AND subject IS NULL AND link IS NULL";
    static const char q_subject[] =
        "SELECT id, tenant, name, purpose, subject, link, at FROM events WHERE tenant = ?1 AND "
        "subject = ?2 AND (link IS NULL OR instr(?3, char(10) || link || char(10)) > 0)";
    static const char q_link[] = "SELECT id, tenant, name, purpose, subject, link, at FROM events "
                                 "WHERE tenant = ?1 AND link = ?2 AND subject IS NULL";
    /* Kinds of events the tenant has none of are not looked up (facts of this transaction). */
    struct tenant_facts none = {.tenant_events = true, .subject_events = true, .link_events = true};
    struct tenant_facts *f = facts_of(s, tenant);
    kluis_rc rc = f ? event_facts(s, f, err) : KLUIS_OK;
    if (rc)
        return rc;
    if (!f)
        f = &none;
    sqlite3_stmt *st;
    if (f->tenant_events) {
        if ((rc = cached(s, q_tenant, &st, err)))
            return rc;
        sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
        rc = event_rows(s, st, fn, ctx, err);
        release(s, st);
    }
    if (rc == KLUIS_OK && subject && f->subject_events) {
        if ((rc = cached(s, q_subject, &st, err)))
            return rc;
        sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, subject->hash, 32, SQLITE_STATIC);
        /* The record's links framed by newlines, so that instr() matches whole lines. */
        size_t ll = links ? strlen(links) : 0;
        char *framed = malloc(ll + 3);
        if (!framed) {
            release(s, st);
            return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
        }
        framed[0] = '\n';
        memcpy(framed + 1, links ? links : "", ll);
        framed[ll + 1] = (ll && links[ll - 1] == '\n') ? '\0' : '\n';
        framed[ll + 2] = '\0';
        sqlite3_bind_text(st, 3, framed, -1, SQLITE_STATIC);
        rc = event_rows(s, st, fn, ctx, err);
        release(s, st);
        free(framed);
    }
    const char *cursor = f->link_events ? links : NULL, *l;
    size_t n;
    while (rc == KLUIS_OK && cursor && kluis_links_next(&cursor, &l, &n)) {
        if ((rc = cached(s, q_link, &st, err)))
            return rc;
        sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, l, (int)n, SQLITE_STATIC);
        rc = event_rows(s, st, fn, ctx, err);
        release(s, st);
    }
    return rc;
}

/* ---- Holds -------------------------------------------------------------------------------- */

static kluis_rc sq_hold_insert(void *obj, const struct kluis_hold_row *r, uint64_t *out_id,
                               struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = prepare(s,
                          "INSERT INTO holds(tenant, subject, category, reason, placed) "
                          "VALUES(?1, ?2, ?3, ?4, ?5)",
                          &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, r->tenant, -1, SQLITE_STATIC);
    if (r->has_subject)
        sqlite3_bind_blob(st, 2, r->subject.hash, 32, SQLITE_STATIC);
    if (r->category)
        sqlite3_bind_text(st, 3, r->category, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->placed);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    facts_drop(s, r->tenant);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "placing a hold");
    *out_id = (uint64_t)sqlite3_last_insert_rowid(s->db);
    return KLUIS_OK;
}

static kluis_rc sq_hold_release(void *obj, uint64_t id, int64_t at, struct kluis_err *err)
{
    struct sq *s = obj;
    char sql[128];
    snprintf(sql, sizeof(sql),
             "UPDATE holds SET released=%" PRId64 " WHERE id=%" PRId64 " AND released IS NULL", at,
             (int64_t)id);
    kluis_rc rc = exec(s, sql, err);
    facts_drop(s, NULL);
    if (rc == KLUIS_OK && sqlite3_changes(s->db) == 0)
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no active hold %" PRIu64, id);
    return rc;
}

static kluis_rc hold_rows(struct sq *s, sqlite3_stmt *st, kluis_hold_fn fn, void *ctx, bool *found,
                          struct kluis_err *err)
{
    int step;
    *found = false;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_hold_row r = {
            .id = (uint64_t)sqlite3_column_int64(st, 0),
            .tenant = (const char *)sqlite3_column_text(st, 1),
            .category = (const char *)sqlite3_column_text(st, 3),
            .reason = (const char *)sqlite3_column_text(st, 4),
            .placed = sqlite3_column_int64(st, 5),
            .released = sqlite3_column_type(st, 6) != SQLITE_NULL,
            .released_at = sqlite3_column_int64(st, 6),
        };
        if (sqlite3_column_bytes(st, 2) == 32) {
            memcpy(r.subject.hash, sqlite3_column_blob(st, 2), 32);
            r.has_subject = true;
        }
        *found = true;
        if (fn(ctx, &r))
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return sq_fail(s, err, "reading holds");
    return KLUIS_OK;
}

static kluis_rc sq_holds_scan(void *obj, const char *tenant, kluis_hold_fn fn, void *ctx,
                              struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    /* A tenant without active holds (facts of this transaction) has nothing to scan. */
    struct tenant_facts *f = tenant ? facts_of(s, tenant) : NULL;
    if (f && !f->known_holds) {
        kluis_rc rc =
            exists(s, "SELECT 1 FROM holds WHERE released IS NULL AND tenant = ?1 LIMIT 1", tenant,
                   &f->holds, err);
        if (rc)
            return rc;
        f->known_holds = true;
    }
    if (f && !f->holds)
        return KLUIS_OK;
    kluis_rc rc = cached(s,
                         "SELECT id, tenant, subject, category, reason, placed, released FROM "
                         "holds WHERE released IS NULL AND (?1 IS NULL OR tenant = ?1) "
                         "ORDER BY id",
                         &st, err);
    if (rc)
        return rc;
    if (tenant)
        sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    bool found;
    rc = hold_rows(s, st, fn, ctx, &found, err);
    release(s, st);
    return rc;
}

static kluis_rc sq_hold_get(void *obj, uint64_t id, kluis_hold_fn fn, void *ctx,
                            struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = prepare(s,
                          "SELECT id, tenant, subject, category, reason, placed, released FROM "
                          "holds WHERE id = ?1",
                          &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)id);
    bool found;
    rc = hold_rows(s, st, fn, ctx, &found, err);
    sqlite3_finalize(st);
    if (rc == KLUIS_OK && !found)
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no hold %" PRIu64, id);
    return rc;
}

/* ---- Purge -------------------------------------------------------------------------------- */

struct purge_ctx {
    int64_t now;
    bool dry_run;
    kluis_purge_fn fn;
    void *ctx;
    struct kluis_err *err;
    kluis_rc rc;
};

static int report_counts(struct sq *s, sqlite3_stmt *st, struct purge_ctx *c)
{
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_purge_count pc = {
            .tenant = (const char *)sqlite3_column_text(st, 0),
            .category = (const char *)sqlite3_column_text(st, 1),
            .removed = (uint64_t)sqlite3_column_int64(st, 2),
        };
        if (pc.removed && c->fn)
            c->fn(c->ctx, &pc);
    }
    if (step != SQLITE_DONE) {
        c->rc = sq_fail(s, c->err, "counting expired records");
        return -1;
    }
    return 0;
}

static int purge_bucket(struct sq *s, int64_t no, int64_t start, int64_t end, void *vctx)
{
    struct purge_ctx *c = vctx;
    /* A bucket holds deadlines in (start, end]: one that starts at or after now holds nothing
     * due yet, and neither do the ones after it (buckets come in order of start). */
    if (no == OPEN_BUCKET)
        return 0;
    if (start >= c->now)
        return 1;
    if (!bucket_table_exists(s, no))
        return 0;
    char sql[512];
    sqlite3_stmt *st;
    if (end <= c->now) {
        /* Wholly expired: report from the counts, then drop. Held records never sit in a
         * dated bucket (they live in the open one), and floors are part of the expiry. */
        snprintf(sql, sizeof(sql),
                 "SELECT tenant, category, n FROM bucket_counts WHERE bucket = %" PRId64
                 " ORDER BY tenant, category",
                 no);
        if ((c->rc = prepare(s, sql, &st, c->err)))
            return -1;
        int r = report_counts(s, st, c);
        sqlite3_finalize(st);
        if (r || c->dry_run)
            return r;
        /* First the key, in the key store (committed before this transaction): from then on
         * the bucket's values are unreadable wherever their bytes are, backups included. Then
         * the tables, without overwriting their pages (secure delete off): only ciphertext
         * under the destroyed key is left in them. */
        snprintf(sql, sizeof(sql),
                 "INSERT OR IGNORE INTO doomed_keys(no) VALUES(%" PRId64 ");"
                 "PRAGMA secure_delete = OFF;",
                 no);
        if ((c->rc = exec(s, sql, c->err)))
            return -1;
        snprintf(sql, sizeof(sql),
                 "DROP TABLE r_%1$" PRId64 "; DROP TABLE l_%1$" PRId64 ";"
                 "DELETE FROM forward WHERE bucket = %1$" PRId64 ";"
                 "DELETE FROM bucket_counts WHERE bucket = %1$" PRId64 ";"
                 "DELETE FROM buckets WHERE no = %1$" PRId64 ";",
                 no);
        for (size_t i = 0; i < STMT_CACHE; i++) {
            if (s->cache[i].stmt && s->cache[i].bucket == no) {
                sqlite3_finalize(s->cache[i].stmt);
                sqlite3_finalize(s->cache[i].link_stmt);
                memset(&s->cache[i], 0, sizeof(s->cache[i]));
            }
        }
        c->rc = exec(s, sql, c->err);
        /* Everything else keeps SQLite's secure delete (trims, moves, erasure). */
        kluis_rc rc2 = exec(s, "PRAGMA secure_delete = ON", c->err);
        if (c->rc == KLUIS_OK)
            c->rc = rc2;
        return c->rc ? -1 : 0;
    }
    /* Expiring now: trim what is due, row by row (at most this bucket's range). */
    snprintf(sql, sizeof(sql),
             "SELECT tenant, category, count(*) FROM r_%1$" PRId64 " INDEXED BY r_%1$" PRId64
             "_expiry WHERE expiry <= %2$" PRId64
             " AND held = 0 GROUP BY tenant, category ORDER BY tenant, category",
             no, c->now);
    if ((c->rc = prepare(s, sql, &st, c->err)))
        return -1;
    int r = report_counts(s, st, c);
    if (r == 0 && !c->dry_run) {
        sqlite3_reset(st);
        while (sqlite3_step(st) == SQLITE_ROW) {
            c->rc = count_add(s, no, (const char *)sqlite3_column_text(st, 0),
                              (const char *)sqlite3_column_text(st, 1),
                              -sqlite3_column_int64(st, 2), c->err);
            if (c->rc)
                break;
        }
    }
    sqlite3_finalize(st);
    if (r || c->rc || c->dry_run)
        return r || c->rc ? -1 : 0;
    snprintf(sql, sizeof(sql),
             "DELETE FROM forward WHERE id IN (SELECT gid FROM r_%1$" PRId64
             " WHERE expiry <= %2$" PRId64 " AND held = 0 AND gid IS NOT NULL);"
             "DELETE FROM l_%1$" PRId64 " WHERE row IN (SELECT row FROM r_%1$" PRId64
             " WHERE expiry <= %2$" PRId64 " AND held = 0);"
             "DELETE FROM r_%1$" PRId64 " WHERE expiry <= %2$" PRId64 " AND held = 0;",
             no, c->now);
    c->rc = exec(s, sql, c->err);
    return c->rc ? -1 : 0;
}

static kluis_rc sq_purge(void *obj, int64_t now, bool dry_run, kluis_purge_fn fn, void *ctx,
                         struct kluis_err *err)
{
    struct sq *s = obj;
    struct purge_ctx c = {.now = now, .dry_run = dry_run, .fn = fn, .ctx = ctx, .err = err};
    kluis_rc rc = each_bucket(s, purge_bucket, &c, err);
    return c.rc ? c.rc : rc;
}

static kluis_rc sq_oldest_expiry(void *obj, int64_t after, int64_t *out, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    /* Buckets in order of their range; the first that still holds a deadline after `after`
     * has the answer (earlier buckets hold only what a purge at `after` removes). */
    kluis_rc rc = prepare(s,
                          "SELECT b.no FROM buckets b WHERE b.no != 1 AND b.end > ?1 AND EXISTS "
                          "(SELECT 1 FROM bucket_counts c WHERE c.bucket = b.no AND c.n > 0) "
                          "ORDER BY b.start",
                          &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, after);
    *out = INT64_MAX;
    while (*out == INT64_MAX && sqlite3_step(st) == SQLITE_ROW) {
        int64_t no = sqlite3_column_int64(st, 0);
        if (!bucket_table_exists(s, no))
            continue;
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT min(expiry) FROM r_%" PRId64 " WHERE expiry > ?1", no);
        sqlite3_stmt *q;
        if ((rc = prepare(s, sql, &q, err)))
            break;
        sqlite3_bind_int64(q, 1, after);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
            *out = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- Counting live records ---------------------------------------------------------------- */

/*
 * From bucket_counts, not the rows: a bucket whose range ends after now counts whole (the open
 * bucket too: what waits for an event or is held is live), one whose range has ended counts
 * nothing (it waits for the purge to drop it), and from a bucket that holds now, the rows already
 * due are taken off through its expiry index — the rows a purge at now would trim. Both
 * statements run in one read transaction, so a purge in another process between them cannot
 * drop a table the second one names.
 */
static kluis_rc count_live(struct sq *s, int64_t now, const char *tenant, kluis_record_count_fn fn,
                           void *ctx, struct kluis_err *err)
{
    sqlite3_stmt *st;
    kluis_rc rc = prepare(s,
                          "SELECT no FROM buckets WHERE no != 1 AND start < ?1 AND end > ?1 "
                          "ORDER BY no",
                          &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    struct kluis_buf sql;
    kluis__buf_init(&sql, 0);
    kluis__buf_printf(&sql,
                      "SELECT tenant, category, sum(n) FROM (SELECT c.tenant AS tenant, "
                      "c.category AS category, c.n AS n FROM bucket_counts c JOIN buckets b ON "
                      "b.no = c.bucket WHERE b.end > ?1%s",
                      tenant ? " AND c.tenant = ?2" : "");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t no = sqlite3_column_int64(st, 0);
        kluis__buf_printf(&sql,
                          " UNION ALL SELECT tenant, category, -count(*) FROM r_%1$" PRId64
                          " INDEXED BY r_%1$" PRId64 "_expiry WHERE expiry <= ?1 AND held = 0%2$s"
                          " GROUP BY tenant, category",
                          no, tenant ? " AND tenant = ?2" : "");
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        kluis__buf_free(&sql);
        return sq_fail(s, err, "counting records");
    }
    kluis__buf_puts(&sql, ") GROUP BY tenant, category HAVING sum(n) > 0 ORDER BY tenant, "
                          "category");
    if ((rc = kluis__buf_rc(&sql))) {
        kluis__buf_free(&sql);
        return kluis_err_set(err, rc, "out of memory");
    }
    rc = prepare(s, sql.data, &st, err);
    kluis__buf_free(&sql);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    if (tenant)
        sqlite3_bind_text(st, 2, tenant, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_record_count c = {
            .tenant = (const char *)sqlite3_column_text(st, 0),
            .category = (const char *)sqlite3_column_text(st, 1),
            .n = (uint64_t)sqlite3_column_int64(st, 2),
        };
        if (fn(ctx, &c)) {
            step = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? KLUIS_OK : sq_fail(s, err, "counting records");
}

static kluis_rc sq_records_count(void *obj, int64_t now, const char *tenant,
                                 kluis_record_count_fn fn, void *ctx, struct kluis_err *err)
{
    struct sq *s = obj;
    if (s->in_txn) {
        /* This transaction's changes of the counts are still in memory: write them first. */
        kluis_rc rc = flush_counts(s, err);
        return rc ? rc : count_live(s, now, tenant, fn, ctx, err);
    }
    kluis_rc rc = exec(s, "BEGIN", err);
    if (rc)
        return rc;
    rc = count_live(s, now, tenant, fn, ctx, err);
    kluis_rc rc2 = exec(s, rc ? "ROLLBACK" : "COMMIT", err);
    return rc ? rc : rc2;
}

static kluis_rc sq_receipt_insert(void *obj, int64_t at, const char *json, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = prepare(s, "INSERT INTO receipts(at, body) VALUES(?1, ?2)", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? KLUIS_OK : sq_fail(s, err, "storing a purge receipt");
}

/* ---- Data-subject rights ------------------------------------------------------------------ */

static kluis_rc sq_record_rewrite(void *obj, const char *tenant, uint64_t id, const void *value,
                                  size_t value_len, struct kluis_err *err)
{
    struct sq *s = obj;
    int64_t no, row;
    bool moved;
    kluis_rc rc = locate(s, id, &no, &row, &moved, err);
    if (rc == KLUIS_ENOTFOUND)
        return kluis_err_set(err, rc, "no such record");
    if (rc)
        return rc;
    if (value_len > KLUIS_VALUE_MAX)
        return kluis_err_set(err, KLUIS_ETOOBIG, "a value may hold at most %u bytes",
                             KLUIS_VALUE_MAX);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT " ROW_COLUMNS " FROM r_%" PRId64 " WHERE row=?1 AND tenant=?2 AND %s", no,
             moved ? "gid=?3" : "gid IS NULL");
    sqlite3_stmt *st;
    if ((rc = prepare(s, sql, &st, err)))
        return rc;
    sqlite3_bind_int64(st, 1, row);
    sqlite3_bind_text(st, 2, tenant, -1, SQLITE_STATIC);
    if (moved)
        sqlite3_bind_int64(st, 3, (int64_t)id);
    int step = sqlite3_step(st);
    uint8_t *sealed = NULL;
    long sealed_n = -1;
    if (step == SQLITE_ROW) {
        struct kluis_record_row r;
        row_from(st, no, false, &r);
        if (!(sealed = malloc(value_len + NONCE_LEN + TAG_LEN)))
            rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
        else if ((sealed_n =
                      value_crypt(s, no, true, &r, id, value_len ? value : (const uint8_t *)"",
                                  value_len, sealed, err)) < 0)
            rc = err && err->rc ? err->rc : KLUIS_ECORRUPT;
    } else if (step == SQLITE_DONE) {
        rc = kluis_err_set(err, KLUIS_ENOTFOUND, "no such record");
    } else {
        rc = sq_fail(s, err, "reading a record");
    }
    sqlite3_finalize(st);
    if (rc == KLUIS_OK) {
        snprintf(sql, sizeof(sql), "UPDATE r_%" PRId64 " SET value=?1 WHERE row=?2", no);
        if ((rc = prepare(s, sql, &st, err)) == KLUIS_OK) {
            sqlite3_bind_blob(st, 1, sealed, (int)sealed_n, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, row);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = sq_fail(s, err, "rewriting a record");
            sqlite3_finalize(st);
        }
    }
    free(sealed);
    return rc;
}

static kluis_rc sq_request_insert(void *obj, const struct kluis_request_row *r, uint64_t *out_id,
                                  struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "INSERT INTO requests(tenant, subject, type, state, received, due, doc) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, r->subject.hash, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->received);
    sqlite3_bind_int64(st, 6, r->due);
    sqlite3_bind_text(st, 7, r->doc ? r->doc : "{}", -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    release(s, st);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "storing a request");
    *out_id = (uint64_t)sqlite3_last_insert_rowid(s->db);
    return KLUIS_OK;
}

static kluis_rc sq_request_update(void *obj, const struct kluis_request_row *r,
                                  struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "UPDATE requests SET state = ?3, due = ?4, doc = ?5 "
                         "WHERE id = ?1 AND tenant = ?2",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)r->id);
    sqlite3_bind_text(st, 2, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->due);
    sqlite3_bind_text(st, 5, r->doc ? r->doc : "{}", -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    release(s, st);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "updating a request");
    if (sqlite3_changes(s->db) == 0)
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no request %" PRIu64 " for tenant '%s'", r->id,
                             r->tenant);
    return KLUIS_OK;
}

#define REQUEST_COLUMNS "id, tenant, subject, type, state, received, due, doc"

static kluis_rc request_rows(struct sq *s, sqlite3_stmt *st, kluis_request_fn fn, void *ctx,
                             bool *found, struct kluis_err *err)
{
    int step;
    *found = false;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_request_row r = {
            .id = (uint64_t)sqlite3_column_int64(st, 0),
            .tenant = (const char *)sqlite3_column_text(st, 1),
            .type = (const char *)sqlite3_column_text(st, 3),
            .state = (const char *)sqlite3_column_text(st, 4),
            .received = sqlite3_column_int64(st, 5),
            .due = sqlite3_column_int64(st, 6),
            .doc = (const char *)sqlite3_column_text(st, 7),
        };
        if (sqlite3_column_bytes(st, 2) != 32)
            return kluis_err_set(err, KLUIS_ECORRUPT, "store: request %" PRIu64 " names no subject",
                                 r.id);
        memcpy(r.subject.hash, sqlite3_column_blob(st, 2), 32);
        *found = true;
        if (fn(ctx, &r))
            return KLUIS_OK;
    }
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "reading requests");
    return KLUIS_OK;
}

static kluis_rc sq_request_get(void *obj, const char *tenant, uint64_t id, kluis_request_fn fn,
                               void *ctx, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "SELECT " REQUEST_COLUMNS " FROM requests "
                         "WHERE id = ?1 AND (?2 IS NULL OR tenant = ?2)",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)id);
    if (tenant)
        sqlite3_bind_text(st, 2, tenant, -1, SQLITE_STATIC);
    bool found;
    rc = request_rows(s, st, fn, ctx, &found, err);
    release(s, st);
    if (rc == KLUIS_OK && !found)
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no request %" PRIu64, id);
    return rc;
}

static kluis_rc sq_requests_scan(void *obj, const struct kluis_request_filter *f,
                                 kluis_request_fn fn, void *ctx, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "SELECT " REQUEST_COLUMNS " FROM requests "
                         "WHERE (?1 IS NULL OR tenant = ?1) AND (?2 IS NULL OR subject = ?2) "
                         "AND (?3 = 0 OR state IN ('received', 'verified', 'forwarded')) "
                         "ORDER BY id",
                         &st, err);
    if (rc)
        return rc;
    if (f->tenant)
        sqlite3_bind_text(st, 1, f->tenant, -1, SQLITE_STATIC);
    if (f->subject)
        sqlite3_bind_blob(st, 2, f->subject->hash, 32, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, f->open_only);
    bool found;
    rc = request_rows(s, st, fn, ctx, &found, err);
    release(s, st);
    return rc;
}

static kluis_rc sq_ledger_insert(void *obj, const struct kluis_ledger_row *r, uint64_t *out_id,
                                 struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "INSERT INTO ledger(tenant, subject, kind, purpose, note, request, at) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, r->subject.hash, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->kind, -1, SQLITE_STATIC);
    if (r->purpose)
        sqlite3_bind_text(st, 4, r->purpose, -1, SQLITE_STATIC);
    if (r->note)
        sqlite3_bind_text(st, 5, r->note, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (int64_t)r->request);
    sqlite3_bind_int64(st, 7, r->at);
    int step = sqlite3_step(st);
    release(s, st);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "storing a ledger entry");
    *out_id = (uint64_t)sqlite3_last_insert_rowid(s->db);
    return KLUIS_OK;
}

static kluis_rc sq_ledger_scan(void *obj, const char *tenant,
                               const struct kluis_subject_ref *subject, kluis_ledger_fn fn,
                               void *ctx, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "SELECT id, tenant, kind, purpose, note, request, at FROM ledger "
                         "WHERE tenant = ?1 AND subject = ?2 ORDER BY id",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, subject->hash, 32, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_ledger_row r = {
            .id = (uint64_t)sqlite3_column_int64(st, 0),
            .tenant = (const char *)sqlite3_column_text(st, 1),
            .subject = *subject,
            .kind = (const char *)sqlite3_column_text(st, 2),
            .purpose = (const char *)sqlite3_column_text(st, 3),
            .note = (const char *)sqlite3_column_text(st, 4),
            .request = (uint64_t)sqlite3_column_int64(st, 5),
            .at = sqlite3_column_int64(st, 6),
        };
        if (fn(ctx, &r)) {
            step = SQLITE_DONE;
            break;
        }
    }
    release(s, st);
    return step == SQLITE_DONE ? KLUIS_OK : sq_fail(s, err, "reading the ledger");
}

static kluis_rc sq_approval_put(void *obj, const struct kluis_approval_row *r,
                                struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "INSERT INTO approvals(tenant, record, state, by, at) "
                         "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)r->record);
    sqlite3_bind_text(st, 3, r->state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->at);
    int step = sqlite3_step(st);
    release(s, st);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "storing an approval");
    if (sqlite3_changes(s->db) == 0)
        return kluis_err_set(err, KLUIS_EEXIST, "record %" PRIu64 " is already decided", r->record);
    return KLUIS_OK;
}

static kluis_rc sq_approvals_scan(void *obj, const char *tenant, uint64_t record,
                                  kluis_approval_fn fn, void *ctx, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "SELECT tenant, record, state, by, at FROM approvals "
                         "WHERE tenant = ?1 AND (?2 = 0 OR record = ?2) ORDER BY record",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)record);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_approval_row r = {
            .tenant = (const char *)sqlite3_column_text(st, 0),
            .record = (uint64_t)sqlite3_column_int64(st, 1),
            .state = (const char *)sqlite3_column_text(st, 2),
            .by = (const char *)sqlite3_column_text(st, 3),
            .at = sqlite3_column_int64(st, 4),
        };
        if (fn(ctx, &r)) {
            step = SQLITE_DONE;
            break;
        }
    }
    release(s, st);
    return step == SQLITE_DONE ? KLUIS_OK : sq_fail(s, err, "reading approvals");
}

static kluis_rc sq_ident_put(void *obj, const char *tenant, const char *kind,
                             const struct kluis_subject_ref *ident,
                             const struct kluis_subject_ref *subject, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "INSERT OR REPLACE INTO idents(tenant, kind, ident, subject) "
                         "VALUES(?1, ?2, ?3, ?4)",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, ident->hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, subject->hash, 32, SQLITE_STATIC);
    int step = sqlite3_step(st);
    release(s, st);
    return step == SQLITE_DONE ? KLUIS_OK : sq_fail(s, err, "storing a lookup identifier");
}

static kluis_rc sq_ident_find(void *obj, const char *tenant, const char *kind,
                              const struct kluis_subject_ref *ident,
                              struct kluis_subject_ref *out_subject, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(
        s, "SELECT subject FROM idents WHERE tenant = ?1 AND kind = ?2 AND ident = ?3", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, ident->hash, 32, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32)
        memcpy(out_subject->hash, sqlite3_column_blob(st, 0), 32);
    else if (step == SQLITE_ROW || step == SQLITE_DONE)
        rc = kluis_err_set(err, KLUIS_ENOTFOUND, "no subject has this %s", kind);
    else
        rc = sq_fail(s, err, "looking up an identifier");
    release(s, st);
    return rc;
}

static kluis_rc sq_apikey_insert(void *obj, const struct kluis_apikey_row *r, uint64_t *out_id,
                                 struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = prepare(s,
                          "INSERT INTO apikeys(tenant, role, name, hash, created) "
                          "VALUES(?1, ?2, ?3, ?4, ?5)",
                          &st, err);
    if (rc)
        return rc;
    if (r->tenant)
        sqlite3_bind_text(st, 1, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, r->hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->created);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "storing an API key");
    *out_id = (uint64_t)sqlite3_last_insert_rowid(s->db);
    return KLUIS_OK;
}

static kluis_rc apikey_rows(struct sq *s, sqlite3_stmt *st, kluis_apikey_fn fn, void *ctx,
                            bool *found, struct kluis_err *err)
{
    int step;
    *found = false;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct kluis_apikey_row r = {
            .id = (uint64_t)sqlite3_column_int64(st, 0),
            .tenant = (const char *)sqlite3_column_text(st, 1),
            .role = (const char *)sqlite3_column_text(st, 2),
            .name = (const char *)sqlite3_column_text(st, 3),
            .created = sqlite3_column_int64(st, 5),
            .revoked = sqlite3_column_type(st, 6) != SQLITE_NULL,
            .revoked_at = sqlite3_column_int64(st, 6),
        };
        if (sqlite3_column_bytes(st, 4) == 32)
            memcpy(r.hash, sqlite3_column_blob(st, 4), 32);
        *found = true;
        if (fn(ctx, &r))
            return KLUIS_OK;
    }
    return step == SQLITE_DONE ? KLUIS_OK : sq_fail(s, err, "reading API keys");
}

#define APIKEY_COLUMNS "id, tenant, role, name, hash, created, revoked"

static kluis_rc sq_apikey_find(void *obj, const uint8_t hash[32], kluis_apikey_fn fn, void *ctx,
                               struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s, "SELECT " APIKEY_COLUMNS " FROM apikeys WHERE hash = ?1", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    bool found;
    rc = apikey_rows(s, st, fn, ctx, &found, err);
    release(s, st);
    if (rc == KLUIS_OK && !found)
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no such API key");
    return rc;
}

static kluis_rc sq_apikeys_scan(void *obj, bool all_tenants, const char *tenant, kluis_apikey_fn fn,
                                void *ctx, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "SELECT " APIKEY_COLUMNS " FROM apikeys WHERE ?1 OR tenant IS ?2 "
                         "ORDER BY id",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int(st, 1, all_tenants);
    if (tenant)
        sqlite3_bind_text(st, 2, tenant, -1, SQLITE_STATIC);
    bool found;
    rc = apikey_rows(s, st, fn, ctx, &found, err);
    release(s, st);
    return rc;
}

static kluis_rc sq_apikey_revoke(void *obj, bool all_tenants, const char *tenant, uint64_t id,
                                 int64_t at, struct kluis_err *err)
{
    struct sq *s = obj;
    sqlite3_stmt *st;
    kluis_rc rc = cached(s,
                         "UPDATE apikeys SET revoked = ?4 WHERE id = ?1 AND revoked IS NULL "
                         "AND (?2 OR tenant IS ?3)",
                         &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)id);
    sqlite3_bind_int(st, 2, all_tenants);
    if (tenant)
        sqlite3_bind_text(st, 3, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, at);
    int step = sqlite3_step(st);
    release(s, st);
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "revoking an API key");
    if (sqlite3_changes(s->db) == 0)
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no API key %" PRIu64 " to revoke", id);
    return KLUIS_OK;
}

const struct kluis_store_backend kluis_store_sqlite = {
    .version = KLUIS_STORE_BACKEND_VERSION,
    .name = "sqlite",
    .obj_size = sizeof(struct sq),
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .id = sq_id,
    .erasure_apply = sq_erasure_apply,
    .erasures_applied = sq_erasures_applied,
    .audit_append = sq_audit_append,
    .audit_scan = sq_audit_scan,
    .audit_leaves = sq_audit_leaves,
    .audit_prune = sq_audit_prune,
    .checkpoint_put = sq_checkpoint_put,
    .checkpoints_scan = sq_checkpoints_scan,
    .meta_get = sq_meta_get,
    .meta_put = sq_meta_put,
    .doomed_keys = sq_doomed_keys,
    .doomed_keys_done = sq_doomed_keys_done,
    .legacy_secret = sq_legacy_secret,
    .tenant_insert = sq_tenant_insert,
    .tenant_get = sq_tenant_get,
    .tenants_scan = sq_tenants_scan,
    .setting_put = sq_setting_put,
    .settings_scan = sq_settings_scan,
    .record_insert = sq_record_insert,
    .record_get = sq_record_get,
    .record_retain = sq_record_retain,
    .record_delete = sq_record_delete,
    .records_scan = sq_records_scan,
    .event_insert = sq_event_insert,
    .events_for_record = sq_events_for_record,
    .hold_insert = sq_hold_insert,
    .hold_release = sq_hold_release,
    .holds_scan = sq_holds_scan,
    .hold_get = sq_hold_get,
    .purge = sq_purge,
    .oldest_expiry = sq_oldest_expiry,
    .records_count = sq_records_count,
    .receipt_insert = sq_receipt_insert,
    .record_rewrite = sq_record_rewrite,
    .request_insert = sq_request_insert,
    .request_update = sq_request_update,
    .request_get = sq_request_get,
    .requests_scan = sq_requests_scan,
    .ledger_insert = sq_ledger_insert,
    .ledger_scan = sq_ledger_scan,
    .approval_put = sq_approval_put,
    .approvals_scan = sq_approvals_scan,
    .ident_put = sq_ident_put,
    .ident_find = sq_ident_find,
    .apikey_insert = sq_apikey_insert,
    .apikey_find = sq_apikey_find,
    .apikeys_scan = sq_apikeys_scan,
    .apikey_revoke = sq_apikey_revoke,
};
