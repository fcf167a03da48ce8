/*
 * bench/audit — the audit log and audited ingest against raw SQLite / raw SHA-256 doing the same
 * work in the same run (see bench/audit.md).
 *
 * Three questions, each answered as a ratio measured in one process on the same machine:
 *
 *   append  kluis_audit_append(), K entries per call (one transaction, one durable commit), vs
 *           raw inserts of rows of the same size into a table (seq INTEGER PRIMARY KEY, row BLOB),
 *           K per transaction; goal >= 0.8x;
 *   verify  kluis_audit_verify() over an N-entry log (default 10 M) vs raw SHA-256 (OpenSSL EVP,
 *           one context reused) of the same entry bodies; goal >= 0.5x. Also reported: the rate
 *           at which the log was built, the same SHA-256 with the bodies streamed out of SQLite,
 *           and the RFC 9162 tree (leaf hashes and compact range) with one reused context — the
 *           least work a verifier must do;
 *   ingest  kluis_record_put_batch() (values sealed under per-subject data keys and bucket keys,
 *           one audit entry per record) vs raw inserts of rows of the same size with the same
 *           indexes as kluis's record table, same batch size; goal >= 0.5x.
 *
 * The append comparison is made on the first entries of the log that verify then reads: the
 * rounds alternate kluis and raw, so drift in the disk's flush latency hits both alike; the rest
 * of the log is then appended in the same batches (the build rate). Both sides: WAL,
 * synchronous=FULL, secure_delete on, mmap_size 256 MiB (kluis's store settings).
 *
 * Progress goes to stderr, results to stdout. Nothing here is a test: the numbers are printed,
 * never asserted.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "kluis/kluis.h"
#include "store/store_internal.h"

#define T0        INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define N_TENANTS 8
#define CATEGORY  "mail_meta"
#define SUBJECTS  20000 /* distinct subjects of the audit entries */
#define PER_SUBJ  16    /* records per subject (ingest), on average */

struct cfg {
    uint64_t entries; /* the verify log */
    uint64_t append;  /* entries of the append comparison (the log's first) */
    uint64_t batch;   /* entries per kluis_audit_append / raw transaction */
    uint64_t records; /* ingest; 0: skip */
    uint64_t rbatch;  /* records per kluis_record_put_batch / raw transaction */
    size_t value_bytes;
    int rounds;
    int samples; /* runs of kluis_audit_verify */
    char dir[512];
    bool own_dir;
    bool keep;
};

static struct cfg cfg = {
    .entries = 10000000,
    .append = 1000000,
    .batch = 1000,
    .records = 500000,
    .rbatch = 1000,
    .value_bytes = 150,
    .rounds = 10,
    .samples = 2,
};

static struct kluis_policy *policy;

/* ---- Small helpers ------------------------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_audit: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (cfg.dir[0])
        fprintf(stderr, "bench_audit: databases left in %s\n", cfg.dir);
    exit(1);
}

static void die_kluis(const char *what, const struct kluis_err *err)
{
    die("%s: %s (%s)%s%s", what, err->message, kluis_rc_name(err->rc), err->detail[0] ? ": " : "",
        err->detail);
}

static void die_sqlite(sqlite3 *db, const char *what)
{
    die("%s: %s", what, db ? sqlite3_errmsg(db) : "no database");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void progress(const char *fmt, ...)
{
    static double start;
    if (start == 0)
        start = now_s();
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[%7.1f s] ", now_s() - start);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

/* "12.3 k", "1.05 M": a rate with three significant digits. */
static const char *human(double v, char *buf, size_t size)
{
    const char *unit = "";
    if (v >= 1e6) {
        v /= 1e6;
        unit = " M";
    } else if (v >= 1e3) {
        v /= 1e3;
        unit = " k";
    }
    if (v >= 100)
        snprintf(buf, size, "%.0f%s", v, unit);
    else if (v >= 10)
        snprintf(buf, size, "%.1f%s", v, unit);
    else
        snprintf(buf, size, "%.2f%s", v, unit);
    return buf;
}

static void path_in_dir(char *buf, size_t size, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", cfg.dir, name);
    if (n < 0 || (size_t)n >= size)
        die("path too long: %s/%s", cfg.dir, name);
}

/* Removes a database, its side files and a key store beside it (PATH.keys). */
static void remove_db(const char *path)
{
    const char *suffixes[] = {"", "-wal", "-shm", ".keys", ".keys-wal", ".keys-shm"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char p[640];
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

static void remove_db_unless_kept(const char *path)
{
    if (!cfg.keep)
        remove_db(path);
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static uint64_t mix(uint64_t x)
{
    /* splitmix64's finaliser. */
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    for (size_t k = 0; k < n; k += 8) {
        uint64_t x = mix(seed + k);
        memcpy(p + k, &x, n - k < 8 ? n - k : 8);
    }
}

static const char *const tenants[N_TENANTS] = {
    "tenant-00", "tenant-01", "tenant-02", "tenant-03",
    "tenant-04", "tenant-05", "tenant-06", "tenant-07",
};

static void load_policy(void)
{
    static const char yaml[] = "kluis: 1\n"
                               "organisation:\n"
                               "  name: Bench B.V.\n"
                               "  address: Benchstraat 1, 1234 AB Amsterdam\n"
                               "  country: NL\n"
                               "  contact: {email: privacy@bench.example}\n"
                               "  dpo: {appointed: false, reason: {nl: n, en: e}}\n"
                               "categories:\n"
                               "  - id: " CATEGORY "\n"
                               "    name: {nl: Mail-metadata, en: Mail metadata}\n"
                               "    role: processor\n"
                               "    retention: 30d\n"
                               "purposes:\n"
                               "  - id: service\n"
                               "    name: {nl: Dienst, en: Service}\n"
                               "    role: processor\n"
                               "    categories: [" CATEGORY "]\n";
    struct kluis_err err = {0};
    if (kluis_policy_load_buffer(yaml, strlen(yaml), "bench-policy.yaml", NULL, &policy, &err))
        die_kluis("loading the bench policy", &err);
}

/* ---- Raw SQLite --------------------------------------------------------------------------- */

/* A connection configured like kluis's store (store_sqlite.c, sq_open). */
static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        die_sqlite(db, path);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; "
                     "PRAGMA mmap_size=268435456;",
                     NULL, NULL, NULL))
        die_sqlite(db, "configuring a raw connection");
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        die_sqlite(db, sql);
}

static void prepare_or_die(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        die_sqlite(db, sql);
}

/* One number from a query on a separate connection to a kluis store (read only). */
/* The mean body of the log's entries, and the mean payload of a row holding one entry (body,
 * leaf, tenant, time): decoded from kluis's chunks (store_internal.h). */
static void body_stats(const char *path, double *out_body, double *out_row)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die_sqlite(db, path);
    sqlite3_stmt *st;
    prepare_or_die(db, "SELECT entries FROM audit_chunks", &st);
    double body = 0, row = 0, n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const uint8_t *p = sqlite3_column_blob(st, 0);
        const uint8_t *end = p + sqlite3_column_bytes(st, 0);
        struct kluis__chunk_entry x;
        while (kluis__chunk_entry_next(&p, end, &x) == 1) {
            body += (double)x.body_len;
            row += (double)(x.body_len + 32 + x.tenant_len + 8);
            n++;
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (n == 0)
        die("the kluis store has no audit entries");
    *out_body = body / n;
    if (out_row)
        *out_row = row / n;
}

/* ---- kluis -------------------------------------------------------------------------------- */

static struct kluis_engine *engine_open(const char *path, bool fresh)
{
    if (fresh)
        remove_db(path);
    struct kluis_err err = {0};
    struct kluis_engine *e = NULL;
    char keys[640];
    snprintf(keys, sizeof(keys), "%s.keys", path);
    if (kluis_engine_open(policy, path, keys, &e, &err))
        die_kluis("opening the kluis store", &err);
    kluis_engine_set_now(e, T0);
    if (fresh) {
        for (int t = 0; t < N_TENANTS; t++)
            if (kluis_tenant_add(e, tenants[t], "NL", &err))
                die_kluis("adding a tenant", &err);
    }
    return e;
}

/* ==== 1 and 2: the audit log ================================================================ */

/*
 * Entry i of the log: an action of the application ("mail.sent") on a subject (one of SUBJECTS,
 * its tenant following from it), with a detail object of the app's own fields. Its body, as kluis
 * writes it, is ~250 bytes of compact JSON.
 */
struct entry_gen {
    struct kluis_audit_input *in;
    char (*subject)[48];
    char (*detail)[96];
};

static void entry_gen_open(struct entry_gen *g, uint64_t k)
{
    g->in = calloc(k, sizeof(*g->in));
    g->subject = calloc(k, sizeof(*g->subject));
    g->detail = calloc(k, sizeof(*g->detail));
    if (!g->in || !g->subject || !g->detail)
        die("out of memory");
}

static void entry_gen_close(struct entry_gen *g)
{
    free(g->in);
    free(g->subject);
    free(g->detail);
}

/* Fills g with entries [from, from + n). */
static void entry_fill(struct entry_gen *g, uint64_t from, uint64_t n)
{
    for (uint64_t j = 0; j < n; j++) {
        uint64_t i = from + j, h = mix(i), subj = mix(h) % SUBJECTS;
        snprintf(g->subject[j], sizeof(g->subject[j]), "subj-%05" PRIx64 "@client.example", subj);
        snprintf(g->detail[j], sizeof(g->detail[j]),
                 "{\"integration\":\"gmail-%u\",\"message\":\"<%016" PRIx64 "@mail.example>\"}",
                 (unsigned)(h % 100), h);
        g->in[j] = (struct kluis_audit_input){
            .tenant = tenants[mix(subj + 1) % N_TENANTS],
            .action = "mail.sent",
            .subject = g->subject[j],
            .category = CATEGORY,
            .detail = g->detail[j],
        };
    }
}

/* Appends entries [from, to) in batches of cfg.batch; returns the seconds of the calls. */
static double kluis_append_range(struct kluis_engine *e, struct entry_gen *g, uint64_t from,
                                 uint64_t to, bool report)
{
    struct kluis_err err = {0};
    double t = 0;
    uint64_t step = to - from >= 10 ? (to - from) / 10 : 1;
    for (uint64_t at = from; at < to; at += cfg.batch) {
        uint64_t n = to - at < cfg.batch ? to - at : cfg.batch;
        entry_fill(g, at, n);
        /* The clock moves a second per batch, as it would. */
        kluis_engine_set_now(e, T0 + (int64_t)(at / cfg.batch));
        double t0 = now_s();
        if (kluis_audit_append(e, g->in, (size_t)n, &err))
            die_kluis("kluis_audit_append", &err);
        t += now_s() - t0;
        if (report && (at + n - from) / step != (at - from) / step)
            progress("  log: %" PRIu64 " of %" PRIu64 " entries (%.0f entries/s so far)", at + n,
                     cfg.entries, (double)(at + n - from) / t);
    }
    return t;
}

/* Raw rows [from, to) of row_bytes each, batch per transaction; returns the seconds. */
static double raw_append_range(sqlite3 *db, sqlite3_stmt *st, uint8_t *row, size_t row_bytes,
                               uint64_t from, uint64_t to)
{
    double t = now_s();
    for (uint64_t i = from; i < to; i++) {
        if ((i - from) % cfg.batch == 0)
            raw_exec(db, "BEGIN IMMEDIATE");
        memcpy(row, &i, sizeof(i)); /* rows differ */
        sqlite3_bind_int64(st, 1, (int64_t)i);
        sqlite3_bind_blob(st, 2, row, (int)row_bytes, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            die_sqlite(db, "a raw insert");
        sqlite3_reset(st);
        if ((i - from) % cfg.batch == cfg.batch - 1 || i + 1 == to)
            raw_exec(db, "COMMIT");
    }
    return now_s() - t;
}

/* Raw rows [from, to) in the audit schema kluis had before schema 5 (a row per entry, indexed by
 * tenant), batch per transaction; returns the seconds. */
static double raw_schema_range(sqlite3 *db, sqlite3_stmt *st, uint8_t *body, size_t body_bytes,
                               uint64_t from, uint64_t to)
{
    double t = now_s();
    for (uint64_t i = from; i < to; i++) {
        if ((i - from) % cfg.batch == 0)
            raw_exec(db, "BEGIN IMMEDIATE");
        memcpy(body, &i, sizeof(i));
        sqlite3_bind_int64(st, 1, (int64_t)i);
        sqlite3_bind_blob(st, 2, body + 8, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, body, (int)body_bytes, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, tenants[mix(i) % N_TENANTS], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, T0 + (int64_t)(i / cfg.batch));
        if (sqlite3_step(st) != SQLITE_DONE)
            die_sqlite(db, "a raw insert (audit schema)");
        sqlite3_reset(st);
        if ((i - from) % cfg.batch == cfg.batch - 1 || i + 1 == to)
            raw_exec(db, "COMMIT");
    }
    return now_s() - t;
}

struct append_result {
    double kluis_s, raw_s; /* over the timed rounds */
    double schema_s;       /* raw, in kluis's audit schema */
    double rmin, rmax;     /* per-round ratios */
    double body_bytes;     /* mean entry body */
    double row_bytes;      /* mean kluis row payload: body, leaf, tenant, at */
    double build_s;        /* the rest of the log */
    uint64_t build_n;
    uint64_t kluis_file, raw_file;
    uint64_t log_size; /* entries in the log, the setup's included */
};

/*
 * The log: a warm-up batch on each side (and the row size measured on it), the append
 * comparison in cfg.rounds alternating rounds, then the rest of the log up to cfg.entries.
 */
static void audit_build(const char *kpath, const char *rpath, const char *spath,
                        struct append_result *res)
{
    struct kluis_engine *e = engine_open(kpath, true);
    struct entry_gen g;
    entry_gen_open(&g, cfg.batch);
    uint64_t next = 0;
    /* Warm-up: one batch (pseudonym keys are made on first use: the first batches make many). */
    uint64_t warm = cfg.batch * 4 < cfg.append ? cfg.batch * 4 : cfg.batch;
    kluis_append_range(e, &g, 0, warm, false);
    next = warm;
    body_stats(kpath, &res->body_bytes, &res->row_bytes);
    size_t row_bytes = (size_t)(res->row_bytes + 0.5);

    remove_db(rpath);
    sqlite3 *db = raw_open(rpath);
    raw_exec(db, "CREATE TABLE raw(seq INTEGER PRIMARY KEY, row BLOB NOT NULL)");
    sqlite3_stmt *st;
    prepare_or_die(db, "INSERT INTO raw(seq, row) VALUES(?1, ?2)", &st);
    uint8_t *row = malloc(row_bytes + 8);
    if (!row)
        die("out of memory");
    fill_random(row, row_bytes + 8, 42);
    raw_append_range(db, st, row, row_bytes, 0, warm);
    uint64_t raw_next = warm;
    remove_db(spath);
    sqlite3 *sdb = raw_open(spath);
    raw_exec(sdb, "CREATE TABLE audit(seq INTEGER PRIMARY KEY, leaf BLOB NOT NULL, body BLOB, "
                  "tenant TEXT, at INTEGER NOT NULL);"
                  "CREATE INDEX audit_tenant ON audit(tenant, seq) WHERE tenant IS NOT NULL;");
    sqlite3_stmt *sst;
    prepare_or_die(sdb, "INSERT INTO audit(seq, leaf, body, tenant, at) VALUES(?1, ?2, ?3, ?4, ?5)",
                   &sst);
    size_t body_bytes = (size_t)(res->body_bytes + 0.5);
    raw_schema_range(sdb, sst, row, body_bytes, 0, warm);

    progress("append: %" PRIu64 " entries each side, %" PRIu64
             " per transaction, %d alternating rounds (rows of %zu bytes)",
             cfg.append, cfg.batch, cfg.rounds, row_bytes);
    uint64_t per_round = cfg.append / (uint64_t)cfg.rounds;
    per_round = (per_round + cfg.batch - 1) / cfg.batch * cfg.batch;
    res->kluis_s = res->raw_s = res->schema_s = 0;
    res->rmin = 1e9;
    res->rmax = 0;
    for (int r = 0; r < cfg.rounds; r++) {
        double tk = 0, tr = 0, ts = 0;
        for (int side = 0; side < 3; side++) {
            switch ((side + r) % 3) {
            case 0:
                tk = kluis_append_range(e, &g, next, next + per_round, false);
                next += per_round;
                break;
            case 1:
                tr = raw_append_range(db, st, row, row_bytes, raw_next, raw_next + per_round);
                break;
            default:
                ts = raw_schema_range(sdb, sst, row, body_bytes, raw_next, raw_next + per_round);
                break;
            }
        }
        raw_next += per_round;
        res->kluis_s += tk;
        res->raw_s += tr;
        res->schema_s += ts;
        double ratio = tr / tk; /* kluis rate / raw rate */
        if (ratio < res->rmin)
            res->rmin = ratio;
        if (ratio > res->rmax)
            res->rmax = ratio;
        progress("  round %d: kluis %.0f entries/s, raw %.0f rows/s, raw (audit schema) %.0f "
                 "rows/s, ratio %.2f",
                 r + 1, (double)per_round / tk, (double)per_round / tr, (double)per_round / ts,
                 ratio);
    }
    cfg.append = per_round * (uint64_t)cfg.rounds;
    sqlite3_finalize(st);
    if (sqlite3_close(db) != SQLITE_OK)
        die("closing the raw table");
    sqlite3_finalize(sst);
    if (sqlite3_close(sdb) != SQLITE_OK)
        die("closing the raw table (audit schema)");
    free(row);
    res->raw_file = file_size(rpath);
    remove_db_unless_kept(rpath);
    remove_db_unless_kept(spath);

    if (next < cfg.entries) {
        progress("log: appending the rest, up to %" PRIu64 " entries", cfg.entries);
        res->build_n = cfg.entries - next;
        res->build_s = kluis_append_range(e, &g, next, cfg.entries, true);
    } else {
        cfg.entries = next;
    }
    entry_gen_close(&g);
    /* The log also holds the entries of the store's setup (the tenants added). */
    struct kluis_err err = {0};
    if (kluis_audit_size(e, &res->log_size, &err))
        die_kluis("kluis_audit_size", &err);
    kluis_engine_close(e);
    res->kluis_file = file_size(kpath);
}

/* ---- Verify ------------------------------------------------------------------------------- */

struct verify_result {
    double kluis_s[8];
    double best;
    uint64_t size, checkpoints;
    double scan_s;  /* SQLite: SELECT body, copied out */
    double sha_s;   /* SHA-256 of each body, one context */
    double tree_s;  /* leaf hashes and the compact range, one context */
    uint64_t bytes; /* body bytes */
};

/* A compact range with one reused context (what kluis_merkle_push does, without the fetches). */
struct tree {
    EVP_MD_CTX *ctx;
    const EVP_MD *md;
    uint64_t size;
    uint8_t stack[64][32];
};

static void sha(struct tree *t, uint8_t prefix, const void *a, size_t na, const void *b, size_t nb,
                uint8_t out[32])
{
    EVP_DigestInit_ex(t->ctx, t->md, NULL);
    EVP_DigestUpdate(t->ctx, &prefix, 1);
    EVP_DigestUpdate(t->ctx, a, na);
    if (nb)
        EVP_DigestUpdate(t->ctx, b, nb);
    EVP_DigestFinal_ex(t->ctx, out, NULL);
}

static void tree_push(struct tree *t, const void *body, size_t n)
{
    uint8_t acc[32];
    sha(t, 0x00, body, n, NULL, 0, acc);
    unsigned top = (unsigned)__builtin_popcountll(t->size);
    for (uint64_t c = t->size; c & 1; c >>= 1) {
        top--;
        sha(t, 0x01, t->stack[top], 32, acc, 32, acc);
    }
    memcpy(t->stack[top], acc, 32);
    t->size++;
}

/*
 * The raw baselines, in one pass over the log's bodies read with plain SQLite: chunks of bodies
 * are copied out (timed as the scan), then hashed with SHA-256, one EVP context reused, one
 * digest per body (the baseline), then pushed through an RFC 9162 tree with one context.
 */
static void raw_verify(const char *kpath, struct verify_result *res)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(kpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die_sqlite(db, kpath);
    raw_exec(db, "PRAGMA mmap_size=268435456");
    sqlite3_stmt *st;
    prepare_or_die(db, "SELECT entries FROM audit_chunks ORDER BY first", &st);
    const size_t chunk_bytes = 64u << 20, chunk_max = 200000;
    uint8_t *buf = malloc(chunk_bytes);
    size_t *off = malloc((chunk_max + 1) * sizeof(*off));
    struct tree tr = {.ctx = EVP_MD_CTX_new(), .md = EVP_sha256()};
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const EVP_MD *md = EVP_sha256();
    if (!buf || !off || !tr.ctx || !ctx)
        die("out of memory");
    uint8_t digest[32], acc[32] = {0};
    res->scan_s = res->sha_s = res->tree_s = 0;
    res->bytes = 0;
    bool done = false;
    uint64_t rows = 0;
    while (!done) {
        size_t n = 0;
        off[0] = 0;
        double t = now_s();
        /* A store row holds up to KLUIS__CHUNK_MAX entries (at most ~1 MiB): the scan decodes
         * them (store_internal.h) and copies their bodies out. */
        while (n + KLUIS__CHUNK_MAX < chunk_max && off[n] + 2 * KLUIS__CHUNK_BYTES < chunk_bytes) {
            int step = sqlite3_step(st);
            if (step == SQLITE_DONE) {
                done = true;
                break;
            }
            if (step != SQLITE_ROW)
                die_sqlite(db, "reading the log");
            const uint8_t *p = sqlite3_column_blob(st, 0);
            const uint8_t *end = p + sqlite3_column_bytes(st, 0);
            struct kluis__chunk_entry x;
            int got;
            while ((got = kluis__chunk_entry_next(&p, end, &x)) == 1) {
                if (!x.body)
                    continue;
                memcpy(buf + off[n], x.body, x.body_len);
                off[n + 1] = off[n] + x.body_len;
                n++;
            }
            if (got < 0)
                die("a chunk of the log does not decode");
        }
        res->scan_s += now_s() - t;
        t = now_s();
        for (size_t i = 0; i < n; i++) {
            EVP_DigestInit_ex(ctx, md, NULL);
            EVP_DigestUpdate(ctx, buf + off[i], off[i + 1] - off[i]);
            EVP_DigestFinal_ex(ctx, digest, NULL);
            acc[i % 32] ^= digest[0]; /* keep the work */
        }
        res->sha_s += now_s() - t;
        t = now_s();
        for (size_t i = 0; i < n; i++)
            tree_push(&tr, buf + off[i], off[i + 1] - off[i]);
        res->tree_s += now_s() - t;
        res->bytes += off[n];
        rows += n;
    }
    if (rows != res->size)
        die("raw verify read %" PRIu64 " bodies, kluis verified %" PRIu64, rows, res->size);
    if (acc[0] == 1 && acc[1] == 2)
        fprintf(stderr, " ");
    sqlite3_finalize(st);
    sqlite3_close(db);
    EVP_MD_CTX_free(ctx);
    EVP_MD_CTX_free(tr.ctx);
    free(buf);
    free(off);
}

static void kluis_verify(const char *kpath, uint64_t expect, struct verify_result *res)
{
    res->best = 1e99;
    for (int k = 0; k < cfg.samples && k < 8; k++) {
        struct kluis_engine *e = engine_open(kpath, false);
        struct kluis_err err = {0};
        struct kluis_audit_report rep;
        double t = now_s();
        if (kluis_audit_verify(e, NULL, 0, &rep, &err))
            die_kluis("kluis_audit_verify", &err);
        t = now_s() - t;
        kluis_engine_close(e);
        if (!rep.ok)
            die("kluis_audit_verify: the log does not verify: %s", rep.problem);
        if (rep.size != expect)
            die("kluis_audit_verify read %" PRIu64 " entries, not %" PRIu64, rep.size, expect);
        res->size = rep.size;
        res->checkpoints = rep.checkpoints;
        res->kluis_s[k] = t;
        if (t < res->best)
            res->best = t;
        progress("  kluis_audit_verify: %" PRIu64 " entries, %" PRIu64 " checkpoints, %.2f s",
                 rep.size, rep.checkpoints, t);
    }
}

/* ==== 3: ingest ============================================================================= */

struct rec {
    const char *tenant;
    char subject[48];
    char msgid[40];
    char links[64];
    uint8_t raw_subject[32];
    char *value;
};

/* Record i: ~PER_SUBJ records per subject, a subject's tenant following from it, one link (a
 * message id), a value of mail metadata (purge.c's data, without its clock). */
static void gen_rec(uint64_t i, struct rec *r)
{
    uint64_t h = mix(i), subjects = cfg.records / PER_SUBJ ? cfg.records / PER_SUBJ : 1;
    uint64_t subj = mix(h) % subjects;
    snprintf(r->subject, sizeof(r->subject), "subj-%08" PRIx64 "@client.example", subj);
    r->tenant = tenants[mix(subj + 1) % N_TENANTS];
    snprintf(r->msgid, sizeof(r->msgid), "<%016" PRIx64 "@mail.example>", h);
    snprintf(r->links, sizeof(r->links), "message-id=%s\n", r->msgid);
    for (int k = 0; k < 4; k++) {
        uint64_t x = mix(subj * 4 + (uint64_t)k + 7);
        memcpy(r->raw_subject + 8 * k, &x, 8);
    }
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789 ";
    char head[160];
    int n = snprintf(head, sizeof(head),
                     "{\"from\":\"s%04x@example.org\",\"to\":\"r%04x@example.com\",\"size\":%u,"
                     "\"labels\":[\"INBOX\"],\"subject\":\"",
                     (unsigned)(h & 0xffff), (unsigned)((h >> 16) & 0xffff),
                     (unsigned)((h >> 32) % 100000));
    size_t len = cfg.value_bytes, hl = (size_t)n < len ? (size_t)n : len;
    memcpy(r->value, head, hl);
    uint64_t x = h;
    for (size_t k = hl; k < len; k++) {
        if ((k - hl) % 10 == 0)
            x = mix(x);
        r->value[k] = alphabet[(x >> (6 * ((k - hl) % 10))) % (sizeof(alphabet) - 1)];
    }
    if (len >= 2 && hl < len) {
        r->value[len - 2] = '"';
        r->value[len - 1] = '}';
    }
}

/* purge.c's raw table: the columns of a kluis row and its per-bucket indexes. */
static const char raw_schema[] =
    "CREATE TABLE raw(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, subject BLOB, category TEXT "
    "NOT NULL, links TEXT NOT NULL, created INTEGER NOT NULL, expiry INTEGER NOT NULL, floor "
    "INTEGER NOT NULL, held INTEGER NOT NULL, value BLOB);"
    "CREATE INDEX raw_subject ON raw(tenant, subject);"
    "CREATE INDEX raw_expiry ON raw(expiry);";

struct raw_writer {
    sqlite3 *db;
    sqlite3_stmt *insert;
    struct rec r;
    size_t stored_bytes; /* the value column's bytes: kluis's sealed size */
    uint8_t *sealed;     /* stand-in for a sealed value */
};

static void raw_writer_open(struct raw_writer *w, const char *path, bool with_links,
                            size_t stored_bytes)
{
    remove_db(path);
    w->db = raw_open(path);
    raw_exec(w->db, raw_schema);
    if (with_links)
        raw_exec(w->db, "CREATE INDEX raw_links ON raw(tenant, links);");
    prepare_or_die(w->db,
                   "INSERT INTO raw(tenant, subject, category, links, created, expiry, floor, "
                   "held, value) VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7)",
                   &w->insert);
    w->r.value = malloc(cfg.value_bytes + 1);
    w->stored_bytes = stored_bytes;
    w->sealed = malloc(stored_bytes + 1);
    if (!w->r.value || !w->sealed)
        die("out of memory");
}

static void raw_writer_close(struct raw_writer *w)
{
    sqlite3_finalize(w->insert);
    free(w->r.value);
    free(w->sealed);
    if (sqlite3_close(w->db) != SQLITE_OK)
        die("closing a raw table");
}

/* Rows [from, to), cfg.rbatch per transaction; the value column holds stored_bytes (kluis's
 * sealed size: the plain value, then random bytes, as a stand-in for ciphertext). Returns the
 * seconds. */
static double raw_insert(struct raw_writer *w, uint64_t from, uint64_t to)
{
    sqlite3_stmt *st = w->insert;
    struct rec *r = &w->r;
    double t = now_s();
    for (uint64_t i = from; i < to; i++) {
        if ((i - from) % cfg.rbatch == 0)
            raw_exec(w->db, "BEGIN IMMEDIATE");
        gen_rec(i, r);
        size_t vb = cfg.value_bytes < w->stored_bytes ? cfg.value_bytes : w->stored_bytes;
        memcpy(w->sealed, r->value, vb);
        if (w->stored_bytes > vb)
            fill_random(w->sealed + vb, w->stored_bytes - vb, i);
        sqlite3_bind_text(st, 1, r->tenant, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, r->raw_subject, 32, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, CATEGORY, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->links, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, T0);
        sqlite3_bind_int64(st, 6, T0 + 30 * 86400);
        sqlite3_bind_blob(st, 7, w->sealed, (int)w->stored_bytes, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            die_sqlite(w->db, "a raw insert");
        sqlite3_reset(st);
        if ((i - from) % cfg.rbatch == cfg.rbatch - 1 || i + 1 == to)
            raw_exec(w->db, "COMMIT");
    }
    return now_s() - t;
}

struct kluis_writer {
    struct kluis_engine *e;
    struct rec *recs;
    struct kluis_link *links;
    struct kluis_record_input *in;
    char *values;
};

static void kluis_writer_open(struct kluis_writer *w, const char *path)
{
    w->e = engine_open(path, true);
    uint64_t k = cfg.rbatch;
    w->recs = calloc(k, sizeof(*w->recs));
    w->links = calloc(k, sizeof(*w->links));
    w->in = calloc(k, sizeof(*w->in));
    w->values = malloc(k * (cfg.value_bytes + 1));
    if (!w->recs || !w->links || !w->in || !w->values)
        die("out of memory");
}

static void kluis_writer_close(struct kluis_writer *w)
{
    free(w->values);
    free(w->in);
    free(w->links);
    free(w->recs);
    kluis_engine_close(w->e);
}

/* Records [from, to), cfg.rbatch per kluis_record_put_batch; returns the seconds of the calls. */
static double kluis_insert(struct kluis_writer *w, uint64_t from, uint64_t to)
{
    struct kluis_err err = {0};
    double t = 0;
    for (uint64_t at = from; at < to; at += cfg.rbatch) {
        uint64_t n = to - at < cfg.rbatch ? to - at : cfg.rbatch;
        for (uint64_t i = 0; i < n; i++) {
            struct rec *r = &w->recs[i];
            r->value = w->values + i * (cfg.value_bytes + 1);
            gen_rec(at + i, r);
            w->links[i] = (struct kluis_link){"message-id", r->msgid};
            w->in[i] = (struct kluis_record_input){
                .tenant = r->tenant,
                .subject = r->subject,
                .category = CATEGORY,
                .links = &w->links[i],
                .n_links = 1,
                .value = r->value,
                .value_len = cfg.value_bytes,
            };
        }
        double t0 = now_s();
        size_t failed = 0;
        if (kluis_record_put_batch(w->e, w->in, (size_t)n, NULL, &failed, &err))
            die_kluis("kluis_record_put_batch", &err);
        t += now_s() - t0;
    }
    return t;
}

struct ingest_result {
    double kluis_s, raw_s, links_s;
    double rmin, rmax;
    double stored_value; /* kluis's mean stored value bytes */
    double audit_body;   /* kluis's mean audit body bytes (one entry per record) */
    uint64_t n;
    uint64_t kluis_file, raw_file;
};

/* kluis_record_put_batch against raw inserts (and raw inserts with a links index), in rotating
 * rounds. */
static void ingest(struct ingest_result *res)
{
    char kpath[600], rpath[600], lpath[600];
    path_in_dir(kpath, sizeof(kpath), "kluis-ingest.db");
    path_in_dir(rpath, sizeof(rpath), "raw-ingest.db");
    path_in_dir(lpath, sizeof(lpath), "raw-ingest-links.db");
    struct kluis_writer kw;
    kluis_writer_open(&kw, kpath);
    kluis_engine_set_now(kw.e, T0);
    /* Warm-up batch, and the sizes kluis stores. */
    kluis_insert(&kw, 0, cfg.rbatch);
    uint64_t next = cfg.rbatch;
    {
        sqlite3 *db = NULL;
        if (sqlite3_open_v2(kpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
            die_sqlite(db, kpath);
        /* The record tables (one per expiry bucket; some are empty): the mean stored value of
         * those that hold rows. */
        sqlite3_stmt *st, *q;
        prepare_or_die(db,
                       "SELECT name FROM sqlite_master WHERE type='table' AND name GLOB "
                       "'r_[0-9]*'",
                       &st);
        double sum = 0, rows = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            char sql[256];
            snprintf(sql, sizeof(sql), "SELECT total(length(value)), count(*) FROM \"%s\"",
                     (const char *)sqlite3_column_text(st, 0));
            prepare_or_die(db, sql, &q);
            if (sqlite3_step(q) == SQLITE_ROW) {
                sum += sqlite3_column_double(q, 0);
                rows += sqlite3_column_double(q, 1);
            }
            sqlite3_finalize(q);
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
        if (rows == 0)
            die("the kluis store has no records");
        res->stored_value = sum / rows;
        body_stats(kpath, &res->audit_body, NULL);
    }
    size_t stored = (size_t)(res->stored_value + 0.5);
    struct raw_writer rw, lw;
    raw_writer_open(&rw, rpath, false, stored);
    raw_writer_open(&lw, lpath, true, stored);
    raw_insert(&rw, 0, cfg.rbatch);
    raw_insert(&lw, 0, cfg.rbatch);

    uint64_t per_round = (cfg.records - next) / (uint64_t)cfg.rounds;
    per_round = per_round / cfg.rbatch * cfg.rbatch;
    if (per_round == 0)
        per_round = cfg.rbatch;
    progress("ingest: %" PRIu64 " records each side, %" PRIu64
             " per transaction, %d rotating rounds (values: %zu bytes stored)",
             per_round * (uint64_t)cfg.rounds, cfg.rbatch, cfg.rounds, stored);
    res->kluis_s = res->raw_s = res->links_s = 0;
    res->rmin = 1e9;
    res->rmax = 0;
    for (int r = 0; r < cfg.rounds; r++) {
        double tk = 0, tr = 0, tl = 0;
        for (int s = 0; s < 3; s++) {
            switch ((s + r) % 3) {
            case 0:
                tk = kluis_insert(&kw, next, next + per_round);
                break;
            case 1:
                tr = raw_insert(&rw, next, next + per_round);
                break;
            default:
                tl = raw_insert(&lw, next, next + per_round);
                break;
            }
        }
        next += per_round;
        res->kluis_s += tk;
        res->raw_s += tr;
        res->links_s += tl;
        double ratio = tr / tk;
        if (ratio < res->rmin)
            res->rmin = ratio;
        if (ratio > res->rmax)
            res->rmax = ratio;
        progress("  round %d: kluis %.0f rec/s, raw %.0f rows/s, raw+links %.0f rows/s, ratio "
                 "%.2f",
                 r + 1, (double)per_round / tk, (double)per_round / tr, (double)per_round / tl,
                 ratio);
    }
    res->n = per_round * (uint64_t)cfg.rounds;
    kluis_writer_close(&kw);
    raw_writer_close(&rw);
    raw_writer_close(&lw);
    res->kluis_file = file_size(kpath);
    res->raw_file = file_size(rpath);
    remove_db_unless_kept(kpath);
    remove_db_unless_kept(rpath);
    remove_db_unless_kept(lpath);
}

/* ==== main ================================================================================= */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_audit [--entries N] [--append N] [--batch K] [--records N]\n"
            "                   [--record-batch K] [--value-bytes B] [--rounds R] [--samples S]\n"
            "                   [--dir PATH] [--keep] [--quick]\n"
            "  --entries N       entries of the verify log (default 10000000)\n"
            "  --append N        entries of the append comparison, the log's first (1000000)\n"
            "  --batch K         entries per kluis_audit_append / raw transaction (1000)\n"
            "  --records N       records of the ingest comparison; 0 skips it (500000)\n"
            "  --record-batch K  records per kluis_record_put_batch / raw transaction (1000)\n"
            "  --value-bytes B   bytes of each record's value (150)\n"
            "  --rounds R        alternating rounds of each comparison (10)\n"
            "  --samples S       runs of kluis_audit_verify (2)\n"
            "  --dir PATH        where the databases go (default: a new /tmp/kluis-bench-XXXXXX)\n"
            "  --keep            keep the databases\n"
            "  --quick           1000000 entries, 200000 appended, 100000 records\n");
}

static uint64_t parse_u64(const char *s, const char *opt)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s)
        die("%s: not a number: %s", opt, s);
    return v;
}

static void parse_args(int argc, char **argv)
{
    static const struct option opts[] = {
        {"entries", required_argument, NULL, 'n'},
        {"append", required_argument, NULL, 'a'},
        {"batch", required_argument, NULL, 'b'},
        {"records", required_argument, NULL, 'r'},
        {"record-batch", required_argument, NULL, 'B'},
        {"value-bytes", required_argument, NULL, 'v'},
        {"rounds", required_argument, NULL, 'R'},
        {"samples", required_argument, NULL, 's'},
        {"dir", required_argument, NULL, 'd'},
        {"keep", no_argument, NULL, 'k'},
        {"quick", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool set_n = false, set_a = false, set_r = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            cfg.entries = parse_u64(optarg, "--entries");
            set_n = true;
            break;
        case 'a':
            cfg.append = parse_u64(optarg, "--append");
            set_a = true;
            break;
        case 'b':
            cfg.batch = parse_u64(optarg, "--batch");
            break;
        case 'r':
            cfg.records = parse_u64(optarg, "--records");
            set_r = true;
            break;
        case 'B':
            cfg.rbatch = parse_u64(optarg, "--record-batch");
            break;
        case 'v':
            cfg.value_bytes = (size_t)parse_u64(optarg, "--value-bytes");
            break;
        case 'R':
            cfg.rounds = (int)parse_u64(optarg, "--rounds");
            break;
        case 's':
            cfg.samples = (int)parse_u64(optarg, "--samples");
            break;
        case 'd':
            snprintf(cfg.dir, sizeof(cfg.dir), "%s", optarg);
            break;
        case 'k':
            cfg.keep = true;
            break;
        case 'q':
            if (!set_n)
                cfg.entries = 1000000;
            if (!set_a)
                cfg.append = 200000;
            if (!set_r)
                cfg.records = 100000;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind < argc) {
        usage(stderr);
        exit(2);
    }
    if (cfg.batch == 0 || cfg.rbatch == 0 || cfg.rbatch > KLUIS_BATCH_MAX || cfg.rounds < 1 ||
        cfg.samples < 1 || cfg.samples > 8 || cfg.value_bytes < 16)
        die("bad option values (see --help)");
    if (cfg.append < cfg.batch * (uint64_t)cfg.rounds)
        cfg.append = cfg.batch * (uint64_t)cfg.rounds;
    if (cfg.records && cfg.records < cfg.rbatch * (uint64_t)(cfg.rounds + 1))
        cfg.records = cfg.rbatch * (uint64_t)(cfg.rounds + 1);
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    if (!cfg.dir[0]) {
        snprintf(cfg.dir, sizeof(cfg.dir), "/tmp/kluis-bench-XXXXXX");
        if (!mkdtemp(cfg.dir))
            die("mkdtemp: %s", strerror(errno));
        cfg.own_dir = true;
    } else if (mkdir(cfg.dir, 0700) != 0 && errno != EEXIST) {
        die("cannot create %s: %s", cfg.dir, strerror(errno));
    }
    load_policy();
    char b[4][32];
    char kpath[600], rpath[600], spath[600];
    path_in_dir(kpath, sizeof(kpath), "kluis-audit.db");
    path_in_dir(rpath, sizeof(rpath), "raw-audit.db");
    path_in_dir(spath, sizeof(spath), "raw-audit-schema.db");

    /* ---- 1: append, and the log for 2 ---- */
    struct append_result ap = {0};
    audit_build(kpath, rpath, spath, &ap);
    double ap_kluis = (double)cfg.append / ap.kluis_s, ap_raw = (double)cfg.append / ap.raw_s;

    /* ---- 2: verify ---- */
    struct verify_result vr = {0};
    progress("verify: kluis_audit_verify over %" PRIu64 " entries (%d runs)", cfg.entries,
             cfg.samples);
    kluis_verify(kpath, ap.log_size, &vr);
    progress("verify: raw: the bodies read with SQLite, SHA-256 of each, the tree");
    raw_verify(kpath, &vr);
    remove_db_unless_kept(kpath);
    double v_kluis = (double)vr.size / vr.best, v_sha = (double)vr.size / vr.sha_s;
    double v_scan = (double)vr.size / (vr.scan_s + vr.sha_s);
    double v_tree = (double)vr.size / vr.tree_s;

    /* ---- 3: ingest ---- */
    struct ingest_result in = {0};
    if (cfg.records)
        ingest(&in);

    /* ---- Results ---- */
    printf("kluis bench/audit — kluis %s, SQLite %s, %s\n", kluis_version(), sqlite3_libversion(),
           OpenSSL_version(OPENSSL_VERSION));
    printf("store   %s; both sides: WAL, synchronous=FULL, secure_delete on, mmap_size 256 MiB\n",
           cfg.dir);
    printf("log     %" PRIu64
           " entries (\"mail.sent\" by 8 tenants on %d subjects, a detail object), "
           "body %.0f B, row %.0f B (body, leaf, tenant, at); file %.0f MB (%.0f B/entry)\n",
           cfg.entries, SUBJECTS, ap.body_bytes, ap.row_bytes, (double)ap.kluis_file / 1e6,
           (double)ap.kluis_file / (double)cfg.entries);
    printf("\n");
    printf("APPEND  %" PRIu64 " entries each side, %" PRIu64
           " per transaction, %d alternating rounds          rate       vs raw\n",
           cfg.append, cfg.batch, cfg.rounds);
    printf("  kluis_audit_append, %" PRIu64 " per call                 %14s entries/s  %.2fx "
           "(rounds %.2f..%.2f)\n",
           cfg.batch, human(ap_kluis, b[0], sizeof(b[0])), ap_kluis / ap_raw, ap.rmin, ap.rmax);
    printf("  raw INSERT (seq, %zu-byte blob), %" PRIu64 " per txn   %14s rows/s\n",
           (size_t)(ap.row_bytes + 0.5), cfg.batch, human(ap_raw, b[1], sizeof(b[1])));
    double ap_schema = (double)cfg.append / ap.schema_s;
    printf("  raw INSERT, a row per entry + tenant index %8s rows/s  (kluis vs this: %.2fx)\n",
           human(ap_schema, b[2], sizeof(b[2])), ap_kluis / ap_schema);
    if (ap.build_n)
        printf("  log build: %" PRIu64 " more entries in %.0f s       %14s entries/s\n", ap.build_n,
               ap.build_s, human((double)ap.build_n / ap.build_s, b[2], sizeof(b[2])));
    printf("\n");
    printf("VERIFY  %" PRIu64 " entries, %.0f MB of bodies, %" PRIu64
           " checkpoints; page cache warm          time        rate       vs SHA-256\n",
           vr.size, (double)vr.bytes / 1e6, vr.checkpoints);
    printf("  kluis_audit_verify (best of %d:", cfg.samples);
    for (int k = 0; k < cfg.samples; k++)
        printf(" %.2f", vr.kluis_s[k]);
    printf(")   %9.2f s %11s/s   %.2fx\n", vr.best, human(v_kluis, b[0], sizeof(b[0])),
           v_kluis / v_sha);
    printf("  raw SHA-256 of each body, one EVP context   %9.2f s %11s/s   1.00x\n", vr.sha_s,
           human(v_sha, b[1], sizeof(b[1])));
    printf("  raw SQLite scan + SHA-256                   %9.2f s %11s/s   %.2fx  (scan %.2f s)\n",
           vr.scan_s + vr.sha_s, human(v_scan, b[2], sizeof(b[2])), v_scan / v_sha, vr.scan_s);
    printf("  RFC 9162 tree (leaf + nodes), one context   %9.2f s %11s/s   %.2fx\n", vr.tree_s,
           human(v_tree, b[3], sizeof(b[3])), v_tree / v_sha);
    double i_kluis = 0, i_raw = 0, i_links = 0;
    if (cfg.records) {
        i_kluis = (double)in.n / in.kluis_s;
        i_raw = (double)in.n / in.raw_s;
        i_links = (double)in.n / in.links_s;
        printf("\n");
        printf("INGEST  %" PRIu64 " records each side, %" PRIu64
               " per transaction, %d rotating rounds; value %zu B, stored %.0f B (sealed); "
               "audit body %.0f B\n",
               in.n, cfg.rbatch, cfg.rounds, cfg.value_bytes, in.stored_value, in.audit_body);
        printf("                                                    rate       vs raw\n");
        printf("  kluis_record_put_batch (+1 audit entry each) %9s rec/s   %.2fx (rounds "
               "%.2f..%.2f)\n",
               human(i_kluis, b[0], sizeof(b[0])), i_kluis / i_raw, in.rmin, in.rmax);
        printf("  raw INSERT, same indexes                     %9s rows/s\n",
               human(i_raw, b[1], sizeof(b[1])));
        printf("  raw INSERT, + index on (tenant, links)       %9s rows/s  (kluis vs this: "
               "%.2fx)\n",
               human(i_links, b[2], sizeof(b[2])), i_kluis / i_links);
        printf("  files after ingest: kluis %.0f MB (%.0f B/record, its audit log included), raw "
               "%.0f MB (%.0f B/row)\n",
               (double)in.kluis_file / 1e6, (double)in.kluis_file / (double)(in.n + cfg.rbatch),
               (double)in.raw_file / 1e6, (double)in.raw_file / (double)(in.n + cfg.rbatch));
    }
    printf("\nSUMMARY\n");
    printf("append  kluis %s entries/s  raw %s rows/s  ratio %.2fx (kluis_audit_append vs raw "
           "inserts, %" PRIu64 " per transaction; goal >= 0.8x: %s)\n",
           human(ap_kluis, b[0], sizeof(b[0])), human(ap_raw, b[1], sizeof(b[1])),
           ap_kluis / ap_raw, cfg.batch, ap_kluis / ap_raw >= 0.8 ? "met" : "NOT met");
    printf("verify  kluis %s entries/s  SHA-256 %s bodies/s  ratio %.2fx (kluis_audit_verify over "
           "%" PRIu64 " entries vs raw SHA-256 of the bodies; goal >= 0.5x: %s)\n",
           human(v_kluis, b[0], sizeof(b[0])), human(v_sha, b[1], sizeof(b[1])), v_kluis / v_sha,
           vr.size, v_kluis / v_sha >= 0.5 ? "met" : "NOT met");
    if (ap.build_n)
        printf("build   %s entries/s (kluis_audit_append, %" PRIu64 " per call, log of %" PRIu64
               " entries)\n",
               human((double)ap.build_n / ap.build_s, b[0], sizeof(b[0])), cfg.batch, cfg.entries);
    if (cfg.records)
        printf("ingest  kluis %s rec/s  raw %s rows/s  ratio %.2fx (kluis_record_put_batch with "
               "sealing and audit vs raw inserts, same indexes, %" PRIu64
               " per transaction; goal >= 0.5x: %s)\n",
               human(i_kluis, b[0], sizeof(b[0])), human(i_raw, b[1], sizeof(b[1])),
               i_kluis / i_raw, cfg.rbatch, i_kluis / i_raw >= 0.5 ? "met" : "NOT met");
    fflush(stdout);
    if (cfg.own_dir && !cfg.keep)
        rmdir(cfg.dir);
    kluis_policy_free(policy);
    return 0;
}
