/*
 * What the SQLite backend promises about the bytes in its files: values are sealed under their
 * bucket's key (never in clear in the file), a purge destroys the bucket's key so that nothing
 * left in free pages or the WAL can be opened, and a sealed value moved onto another row does
 * not open. The file is inspected behind the backend's back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kluis/kluis.h"
#include "store/store_internal.h"

#define DAY 86400
#define T0  1795000000

static char path[256], keys_path[300];
static struct kluis_keys *keys;

static void remove_files(void)
{
    const char *suffixes[] = {"", "-wal", "-shm", ".keys", ".keys-wal", ".keys-shm"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char p[300];
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

static int setup(void **state)
{
    snprintf(path, sizeof(path), "/tmp/kluis-sqlite-%d.db", (int)getpid());
    snprintf(keys_path, sizeof(keys_path), "%s.keys", path);
    remove_files();
    struct kluis_store *s = NULL;
    if (kluis_keys_open(keys_path, &keys, NULL) != KLUIS_OK ||
        kluis_store_open_backend(&kluis_store_sqlite, path, kluis_keys_keyring(keys), &s, NULL) !=
            KLUIS_OK)
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    kluis_store_close(*state);
    kluis_keys_close(keys);
    remove_files();
    return 0;
}

/* True when needle occurs in the file (read whole). */
static bool file_contains(const char *file, const void *needle, size_t n)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return false;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    size_t got = fread(buf, 1, (size_t)size, f);
    fclose(f);
    bool found = false;
    for (size_t i = 0; i + n <= got && !found; i++)
        found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

/* In the data store's files. */
static bool store_contains(const void *needle, size_t n)
{
    char wal[300];
    snprintf(wal, sizeof(wal), "%s-wal", path);
    return file_contains(path, needle, n) || file_contains(wal, needle, n);
}

/* In the key store's files. */
static bool keys_contain(const void *needle, size_t n)
{
    char wal[320];
    snprintf(wal, sizeof(wal), "%s-wal", keys_path);
    return file_contains(keys_path, needle, n) || file_contains(wal, needle, n);
}

static uint64_t put(struct kluis_store *s, const char *tenant, const char *value, int64_t expiry)
{
    const struct kluis_store_backend *be = kluis_store_backend(s);
    void *obj = kluis_store_obj(s);
    struct kluis_record_row r = {.tenant = tenant,
                                 .has_subject = true,
                                 .category = "mail",
                                 .key_class = "default",
                                 .links = "",
                                 .created = T0,
                                 .expiry = expiry,
                                 .value = value,
                                 .value_len = strlen(value)};
    memset(r.subject.hash, 7, 32);
    uint64_t id = 0;
    assert_int_equal(be->begin(obj, NULL), KLUIS_OK);
    assert_int_equal(be->record_insert(obj, &r, &id, NULL), KLUIS_OK);
    assert_int_equal(be->commit(obj, NULL), KLUIS_OK);
    return id;
}

static int noop(void *ctx, const struct kluis_record_row *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

static int count_cb(void *ctx, const struct kluis_purge_count *c)
{
    (void)ctx;
    (void)c;
    return 0;
}

static void test_values_sealed_and_keys_destroyed(void **state)
{
    struct kluis_store *s = *state;
    const struct kluis_store_backend *be = kluis_store_backend(s);
    void *obj = kluis_store_obj(s);
    const char *secret = "Jan Jansen, IBAN NL91ABNA0417164300, afspraak dinsdag";
    uint64_t id = put(s, "acme", secret, T0 + 2 * DAY);
    /* The value is nowhere in clear, in the file or the WAL. */
    assert_false(store_contains(secret, strlen(secret)));
    int n = 0;
    assert_int_equal(be->record_get(obj, "acme", id, noop, &n, NULL), KLUIS_OK);
    assert_int_equal(n, 1);

    /* Note the bucket's key, in the key store, behind the backends' backs. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(keys_path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT key FROM bucket_keys WHERE no = ?1", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(st, 1, (int64_t)(id >> 32));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    uint8_t key[32];
    memcpy(key, sqlite3_column_blob(st, 0), 32);
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_true(keys_contain(key, 32));
    /* The data store never holds it: its backups cannot open a purged bucket. */
    assert_false(store_contains(key, 32));

    /* Purge: the bucket is dropped and its key noted as doomed, in one transaction... */
    assert_int_equal(be->begin(obj, NULL), KLUIS_OK);
    assert_int_equal(be->purge(obj, T0 + 3 * DAY, false, count_cb, NULL, NULL), KLUIS_OK);
    assert_int_equal(be->commit(obj, NULL), KLUIS_OK);
    int64_t doomed[4];
    size_t n_doomed = 0;
    assert_int_equal(be->doomed_keys(obj, doomed, 4, &n_doomed, NULL), KLUIS_OK);
    assert_int_equal(n_doomed, 1);
    assert_int_equal(doomed[0], (int64_t)(id >> 32));
    /* ...then the key is destroyed (as the engine does), and its bytes are gone from the key
     * store and its WAL. */
    const struct kluis_keyring *ring = kluis_keys_keyring(keys);
    assert_int_equal(ring->bucket_keys_destroy(ring->ctx, doomed, n_doomed, NULL), KLUIS_OK);
    assert_int_equal(be->begin(obj, NULL), KLUIS_OK);
    assert_int_equal(be->doomed_keys_done(obj, doomed, n_doomed, NULL), KLUIS_OK);
    assert_int_equal(be->commit(obj, NULL), KLUIS_OK);
    assert_int_equal(be->doomed_keys(obj, doomed, 4, &n_doomed, NULL), KLUIS_OK);
    assert_int_equal(n_doomed, 0);
    assert_false(keys_contain(key, 32));
    assert_int_equal(be->record_get(obj, "acme", id, noop, &n, NULL), KLUIS_ENOTFOUND);
}

static void test_sealed_value_bound_to_its_row(void **state)
{
    struct kluis_store *s = *state;
    const struct kluis_store_backend *be = kluis_store_backend(s);
    void *obj = kluis_store_obj(s);
    uint64_t a = put(s, "acme", "acme's secret", T0 + 5 * DAY);
    uint64_t b = put(s, "globex", "globex's own", T0 + 5 * DAY);
    assert_int_equal(a >> 32, b >> 32); /* same bucket, same key */
    /* Copy acme's sealed value onto globex's row, behind the backend's back. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[300];
    snprintf(sql, sizeof(sql),
             "UPDATE r_%1$llu SET value = (SELECT value FROM r_%1$llu WHERE row = %2$llu) "
             "WHERE row = %3$llu",
             (unsigned long long)(a >> 32), (unsigned long long)(a & 0xffffffffu),
             (unsigned long long)(b & 0xffffffffu));
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    int n = 0;
    struct kluis_err err = {0};
    assert_int_equal(be->record_get(obj, "globex", b, noop, &n, &err), KLUIS_ECORRUPT);
    assert_int_equal(n, 0);
    assert_int_equal(be->record_get(obj, "acme", a, noop, &n, NULL), KLUIS_OK);
}

/* ---- The audit log's bodies past retention (sq_audit_prune) ---------------------------------- */

/* Appends entries with these times (seq continuing the log), one transaction. */
static void audit_add(struct kluis_store *s, uint64_t first, const int64_t *at, size_t n)
{
    const struct kluis_store_backend *be = kluis_store_backend(s);
    void *obj = kluis_store_obj(s);
    struct kluis_audit_row rows[16];
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++) {
        rows[i] = (struct kluis_audit_row){
            .seq = first + i, .body = "{\"x\":1}", .body_len = 7, .tenant = "t", .at = at[i]};
        memset(rows[i].leaf, (int)(first + i), 32);
    }
    assert_int_equal(be->begin(obj, NULL), KLUIS_OK);
    assert_int_equal(be->audit_append(obj, rows, n, NULL), KLUIS_OK);
    assert_int_equal(be->commit(obj, NULL), KLUIS_OK);
}

static uint64_t audit_prune(struct kluis_store *s, int64_t before)
{
    const struct kluis_store_backend *be = kluis_store_backend(s);
    void *obj = kluis_store_obj(s);
    uint64_t pruned = 0;
    assert_int_equal(be->begin(obj, NULL), KLUIS_OK);
    assert_int_equal(be->audit_prune(obj, before, &pruned, NULL), KLUIS_OK);
    assert_int_equal(be->commit(obj, NULL), KLUIS_OK);
    return pruned;
}

/* Which entries still have a body: bit seq set. */
static int body_bits_cb(void *ctx, const struct kluis_audit_row *r)
{
    if (r->body)
        *(uint64_t *)ctx |= (uint64_t)1 << r->seq;
    return 0;
}

static uint64_t body_bits(struct kluis_store *s)
{
    uint64_t bits = 0;
    assert_int_equal(kluis_store_backend(s)->audit_scan(kluis_store_obj(s), 0, 64, NULL,
                                                        body_bits_cb, &bits, NULL),
                     KLUIS_OK);
    return bits;
}

static int64_t sql_int(const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* In time order (the engine's clock moving on): the bodies before the cut go, found by seq; no
 * index on time. */
static void test_audit_prune_in_time_order(void **state)
{
    struct kluis_store *s = *state;
    assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE name = 'audit_at'"), 0);
    const int64_t a[] = {100, 100, 200, 200, 300}, b[] = {300, 400, 500};
    audit_add(s, 0, a, 5);
    audit_add(s, 5, b, 3);
    assert_int_equal(audit_prune(s, 100), 0);
    assert_int_equal(body_bits(s), 0xff);
    assert_int_equal(audit_prune(s, 201), 4);
    assert_int_equal(body_bits(s), 0xf0);
    assert_int_equal(audit_prune(s, 201), 0);
    assert_int_equal(audit_prune(s, 300), 0);
    assert_int_equal(audit_prune(s, 450), 3);
    assert_int_equal(body_bits(s), 0x80);
    assert_int_equal(audit_prune(s, 1000), 1);
    assert_int_equal(body_bits(s), 0);
    assert_int_equal(sql_int("SELECT count(*) FROM meta WHERE key = 'audit_unordered'"), 0);
}

/* A clock set back: entries out of time order; the purge then looks at each body's time. */
static void test_audit_prune_clock_set_back(void **state)
{
    struct kluis_store *s = *state;
    const int64_t a[] = {100, 200}, b[] = {50, 300, 150};
    audit_add(s, 0, a, 2);
    audit_add(s, 2, b, 3);
    assert_int_equal(sql_int("SELECT value FROM meta WHERE key = 'audit_unordered'"), 2);
    assert_int_equal(audit_prune(s, 160), 3);
    assert_int_equal(body_bits(s), 0x0a);
    assert_int_equal(audit_prune(s, 250), 1);
    assert_int_equal(body_bits(s), 0x08);
}

/* Opens the test store again (after edits behind the backend's back) as the fixture's. */
static struct kluis_store *reopen(void **state)
{
    struct kluis_store *s = NULL;
    assert_int_equal(
        kluis_store_open_backend(&kluis_store_sqlite, path, kluis_keys_keyring(keys), &s, NULL),
        KLUIS_OK);
    *state = s;
    return s;
}

/* A schema-4 store kept its audit log a row per entry, indexed by tenant (and a schema-3 one by
 * time too): the first open moves the entries into chunks as they are, drops the old table, and
 * notes whether the log is out of time order. */
static void test_audit_rows_moved_to_chunks(void **state)
{
    struct kluis_store *s = *state;
    kluis_store_close(s);
    *state = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            db,
            "DROP TABLE audit_chunks; DROP TABLE audit_tenants;"
            "CREATE TABLE audit(seq INTEGER PRIMARY KEY, leaf BLOB NOT NULL, body BLOB,"
            " tenant TEXT, at INTEGER NOT NULL);"
            "CREATE INDEX audit_tenant ON audit(tenant, seq) WHERE tenant IS NOT NULL;"
            "CREATE INDEX audit_at ON audit(at) WHERE body IS NOT NULL;"
            "INSERT INTO audit VALUES(0, zeroblob(32), CAST('{\"a\":0}' AS BLOB), 't', 100);"
            "INSERT INTO audit VALUES(1, randomblob(32), CAST('{\"a\":1}' AS BLOB), NULL, 300);"
            "INSERT INTO audit VALUES(2, randomblob(32), CAST('{\"a\":2}' AS BLOB), 'u', 200);"
            "INSERT INTO audit VALUES(3, randomblob(32), NULL, 't', 400);"
            "UPDATE meta SET value = 4 WHERE key = 'schema_version';",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    s = reopen(state);
    assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE name LIKE 'audit%' AND "
                             "name NOT LIKE 'audit_chunks%' AND name NOT LIKE 'audit_tenants%'"),
                     0);
    assert_int_equal(sql_int("SELECT value FROM meta WHERE key = 'schema_version'"), 5);
    assert_int_equal(sql_int("SELECT value FROM meta WHERE key = 'audit_unordered'"), 2);
    assert_int_equal(sql_int("SELECT count(*) FROM audit_tenants"), 2);
    assert_int_equal(body_bits(s), 0x07);
    assert_int_equal(audit_prune(s, 250), 2);
    assert_int_equal(body_bits(s), 0x02);
}

/* What a scan gives back: the rows as appended, across chunk boundaries (a call of more than
 * KLUIS__CHUNK_MAX entries, calls of one), a tenant's view, from and to in mid-chunk. */
struct collect {
    uint64_t seqs[1024];
    size_t n;
    bool tenant_ok, body_ok;
    const char *tenant;
};

static int collect_cb(void *ctx, const struct kluis_audit_row *r)
{
    struct collect *c = ctx;
    if (c->n < 1024)
        c->seqs[c->n++] = r->seq;
    char want[32];
    snprintf(want, sizeof(want), "{\"seq\":%" PRIu64 "}", r->seq);
    c->body_ok &= r->body && r->body_len == strlen(want) && memcmp(r->body, want, r->body_len) == 0;
    c->body_ok &= r->leaf[0] == (uint8_t)r->seq && r->at == (int64_t)r->seq;
    const char *t = r->seq % 3 == 0 ? NULL : r->seq % 3 == 1 ? "acme" : "globex";
    c->tenant_ok &= (t == NULL) == (r->tenant == NULL) && (!t || strcmp(t, r->tenant) == 0);
    return 0;
}

static void append_seqs(struct kluis_store *s, uint64_t first, size_t n)
{
    const struct kluis_store_backend *be = kluis_store_backend(s);
    void *obj = kluis_store_obj(s);
    struct kluis_audit_row *rows = calloc(n, sizeof(*rows));
    char(*bodies)[32] = calloc(n, 32);
    assert_non_null(rows);
    assert_non_null(bodies);
    for (size_t i = 0; i < n; i++) {
        uint64_t seq = first + i;
        snprintf(bodies[i], 32, "{\"seq\":%" PRIu64 "}", seq);
        rows[i] = (struct kluis_audit_row){
            .seq = seq,
            .body = bodies[i],
            .body_len = strlen(bodies[i]),
            .tenant = seq % 3 == 0   ? NULL
                      : seq % 3 == 1 ? "acme"
                                     : "globex",
            .at = (int64_t)seq,
        };
        memset(rows[i].leaf, (int)(uint8_t)seq, 32);
    }
    assert_int_equal(be->begin(obj, NULL), KLUIS_OK);
    assert_int_equal(be->audit_append(obj, rows, n, NULL), KLUIS_OK);
    assert_int_equal(be->commit(obj, NULL), KLUIS_OK);
    free(rows);
    free(bodies);
}

static void test_audit_chunks_scan(void **state)
{
    struct kluis_store *s = *state;
    const struct kluis_store_backend *be = kluis_store_backend(s);
    void *obj = kluis_store_obj(s);
    append_seqs(s, 0, 600); /* three chunks: 256, 256, 88 */
    for (uint64_t i = 600; i < 603; i++)
        append_seqs(s, i, 1);
    assert_int_equal(sql_int("SELECT count(*) FROM audit_chunks"), 6);
    struct collect c = {.tenant_ok = true, .body_ok = true};
    assert_int_equal(be->audit_scan(obj, 0, 1000, NULL, collect_cb, &c, NULL), KLUIS_OK);
    assert_int_equal(c.n, 603);
    for (size_t i = 0; i < c.n; i++)
        assert_int_equal(c.seqs[i], i);
    assert_true(c.tenant_ok && c.body_ok);
    /* From and to in the middle of chunks. */
    c = (struct collect){.tenant_ok = true, .body_ok = true};
    assert_int_equal(be->audit_scan(obj, 250, 520, NULL, collect_cb, &c, NULL), KLUIS_OK);
    assert_int_equal(c.n, 270);
    assert_int_equal(c.seqs[0], 250);
    assert_int_equal(c.seqs[269], 519);
    /* A tenant's view: every third entry from 1 on, nothing else. */
    c = (struct collect){.tenant_ok = true, .body_ok = true};
    assert_int_equal(be->audit_scan(obj, 100, 603, "acme", collect_cb, &c, NULL), KLUIS_OK);
    assert_int_equal(c.n, 168);
    for (size_t i = 0; i < c.n; i++)
        assert_int_equal(c.seqs[i] % 3, 1);
    assert_int_equal(c.seqs[0], 100);
    assert_true(c.tenant_ok && c.body_ok);
    c = (struct collect){.tenant_ok = true, .body_ok = true};
    assert_int_equal(be->audit_scan(obj, 0, 1000, "nobody", collect_cb, &c, NULL), KLUIS_OK);
    assert_int_equal(c.n, 0);
    /* Leaves across the chunks. */
    uint8_t(*leaves)[32] = calloc(603, 32);
    assert_int_equal(be->audit_leaves(obj, 3, 603, leaves, NULL), KLUIS_OK);
    for (size_t i = 3; i < 603; i++)
        assert_int_equal(leaves[i - 3][31], (uint8_t)i);
    assert_int_equal(be->audit_leaves(obj, 3, 604, leaves, NULL), KLUIS_ECORRUPT);
    free(leaves);
}

/* Bytes changed behind kluis's back: a scan of the whole log names each unreadable entry as
 * damaged and goes on; a tenant's view refuses; nothing reads out of bounds. */
static int damaged_cb(void *ctx, const struct kluis_audit_row *r)
{
    struct collect *c = ctx;
    if (r->damaged && c->n < 1024)
        c->seqs[c->n++] = r->seq;
    return 0;
}

static void test_audit_chunk_damaged(void **state)
{
    struct kluis_store *s = *state;
    const struct kluis_store_backend *be = kluis_store_backend(s);
    void *obj = kluis_store_obj(s);
    append_seqs(s, 0, 10);
    append_seqs(s, 10, 5);
    kluis_store_close(s);
    *state = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    /* The first chunk cut short in its fourth entry; the second claims more entries than it
     * has leaves for. */
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE audit_chunks SET entries = substr(entries, 1, 70) "
                                  "WHERE first = 0; UPDATE audit_chunks SET n = 7 WHERE first = 10",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    s = reopen(state);
    be = kluis_store_backend(s);
    obj = kluis_store_obj(s);
    struct collect c = {0};
    assert_int_equal(be->audit_scan(obj, 0, 100, NULL, damaged_cb, &c, NULL), KLUIS_OK);
    assert_true(c.n >= 2);
    assert_true(c.seqs[0] >= 1 && c.seqs[0] <= 4);
    assert_int_equal(c.seqs[c.n - 1], 10);
    struct kluis_err err = {0};
    c = (struct collect){0};
    assert_int_equal(be->audit_scan(obj, 0, 100, "acme", damaged_cb, &c, &err), KLUIS_ECORRUPT);
    assert_non_null(strstr(err.message, "damaged"));
    uint8_t leaves[20][32];
    assert_int_equal(be->audit_leaves(obj, 0, 15, leaves, NULL), KLUIS_ECORRUPT);
    /* The prune leaves damaged chunks alone. */
    assert_int_equal(audit_prune(s, 1000), 0);
}

/* An erasure's commit empties the WAL: earlier images of the erased rows do not stay there
 * (the WAL is kept large between checkpoints; secure delete overwrites only the file). */
static void test_erasure_empties_wal(void **state)
{
    struct kluis_store *s = *state;
    put(s, "acme", "erase me", T0 + 10 * DAY);
    char wal[300];
    snprintf(wal, sizeof(wal), "%s-wal", path);
    FILE *f = fopen(wal, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    assert_true(ftell(f) > 0);
    fclose(f);
    const struct kluis_store_backend *be = kluis_store_backend(s);
    void *obj = kluis_store_obj(s);
    struct kluis_subject_ref subj;
    memset(subj.hash, 7, 32);
    uint64_t removed = 0;
    assert_int_equal(be->begin(obj, NULL), KLUIS_OK);
    assert_int_equal(be->erasure_apply(obj, 1, "acme", &subj, NULL, &removed, NULL), KLUIS_OK);
    assert_int_equal(be->commit(obj, NULL), KLUIS_OK);
    assert_int_equal(removed, 1);
    f = fopen(wal, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    assert_int_equal(ftell(f), 0);
    fclose(f);
}

/* Store options: checkpoint=background (kluis serve's) with synchronous=normal opens, writes and
 * closes (the thread stopped first); what it wrote is there on the next open; an unknown option
 * is refused with the list of known ones. */
static void test_location_options(void **state)
{
    struct kluis_store *s = *state;
    kluis_store_close(s);
    *state = NULL;
    char loc[600];
    snprintf(loc, sizeof(loc), "%s?checkpoint=background&synchronous=normal", path);
    assert_int_equal(
        kluis_store_open_backend(&kluis_store_sqlite, loc, kluis_keys_keyring(keys), &s, NULL),
        KLUIS_OK);
    append_seqs(s, 0, 300);
    kluis_store_close(s);
    snprintf(loc, sizeof(loc), "%s?checkpoint=inline", path);
    assert_int_equal(
        kluis_store_open_backend(&kluis_store_sqlite, loc, kluis_keys_keyring(keys), &s, NULL),
        KLUIS_OK);
    *state = s;
    struct collect c = {.tenant_ok = true, .body_ok = true};
    assert_int_equal(
        kluis_store_backend(s)->audit_scan(kluis_store_obj(s), 0, 1000, NULL, collect_cb, &c, NULL),
        KLUIS_OK);
    assert_int_equal(c.n, 300);
    assert_true(c.tenant_ok && c.body_ok);
    struct kluis_store *other = NULL;
    struct kluis_err err = {0};
    snprintf(loc, sizeof(loc), "%s?checkpoint=sometimes", path);
    assert_int_equal(
        kluis_store_open_backend(&kluis_store_sqlite, loc, kluis_keys_keyring(keys), &other, &err),
        KLUIS_EINVAL);
    assert_non_null(strstr(err.message, "'checkpoint=sometimes'"));
    assert_non_null(strstr(err.message, "checkpoint=inline|background"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_values_sealed_and_keys_destroyed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sealed_value_bound_to_its_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_prune_in_time_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_prune_clock_set_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_rows_moved_to_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_chunks_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_chunk_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erasure_empties_wal, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
