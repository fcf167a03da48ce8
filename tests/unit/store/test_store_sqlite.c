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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kluis/kluis.h"

#define DAY 86400
#define T0  1795000000

static char path[256];

static int setup(void **state)
{
    snprintf(path, sizeof(path), "/tmp/kluis-sqlite-%d.db", (int)getpid());
    unlink(path);
    struct kluis_store *s = NULL;
    if (kluis_store_open_backend(&kluis_store_sqlite, path, &s, NULL) != KLUIS_OK)
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    if (*state)
        kluis_store_close(*state);
    char p[300];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
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

static bool store_contains(const void *needle, size_t n)
{
    char wal[300];
    snprintf(wal, sizeof(wal), "%s-wal", path);
    return file_contains(path, needle, n) || file_contains(wal, needle, n);
}

static uint64_t put(struct kluis_store *s, const char *tenant, const char *value, int64_t expiry)
{
    const struct kluis_store_backend *be = kluis_store_backend(s);
    void *obj = kluis_store_obj(s);
    struct kluis_record_row r = {.tenant = tenant,
                                 .has_subject = true,
                                 .category = "mail",
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

    /* Note the bucket's key, behind the backend's back. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
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
    assert_true(store_contains(key, 32));

    /* Purge: the key is destroyed, and its bytes are gone from the file and the WAL. */
    assert_int_equal(be->begin(obj, NULL), KLUIS_OK);
    assert_int_equal(be->purge(obj, T0 + 3 * DAY, false, count_cb, NULL, NULL), KLUIS_OK);
    assert_int_equal(be->commit(obj, NULL), KLUIS_OK);
    assert_false(store_contains(key, 32));
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

/* Runs one SQL statement on the file behind the backend's back; returns the first column of the
 * first row as an integer (0 when there is none). */
static int64_t sql_int(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/*
 * A store written by schema 1 (whose link tables had no row index) is upgraded on open: the
 * indexes appear, the version moves to 2, and every record is still there and still readable.
 */
static void test_schema_1_upgraded(void **state)
{
    struct kluis_store *s = *state;
    uint64_t a = put(s, "acme", "kept across the upgrade", T0 + 5 * DAY);
    uint64_t b = put(s, "acme", "in a wide bucket", T0 + 400 * DAY);
    assert_int_not_equal(a >> 32, b >> 32);
    kluis_store_close(s);
    *state = NULL;
    /* Turn the file into what schema 1 wrote. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                        "name GLOB 'l_[0-9]*_row'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    char drops[1024] = "";
    int dropped = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(drops + strlen(drops), sizeof(drops) - strlen(drops), "DROP INDEX %s;",
                 (const char *)sqlite3_column_text(st, 0));
        dropped++;
    }
    sqlite3_finalize(st);
    assert_int_equal(dropped, 3); /* the open bucket and the two dated ones */
    assert_int_equal(sqlite3_exec(db, drops, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE meta SET value = 1 WHERE key = 'schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    assert_int_equal(kluis_store_open_backend(&kluis_store_sqlite, path, &s, NULL), KLUIS_OK);
    *state = s;
    assert_int_equal(sql_int("SELECT value FROM meta WHERE key = 'schema_version'"), 2);
    assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                             "name GLOB 'l_[0-9]*_row'"),
                     3);
    const struct kluis_store_backend *be = kluis_store_backend(s);
    int n = 0;
    assert_int_equal(be->record_get(kluis_store_obj(s), "acme", a, noop, &n, NULL), KLUIS_OK);
    assert_int_equal(be->record_get(kluis_store_obj(s), "acme", b, noop, &n, NULL), KLUIS_OK);
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_values_sealed_and_keys_destroyed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sealed_value_bound_to_its_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_1_upgraded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
