/*
 * bench/purge — kluis against raw SQLite doing the same work in the same run (issue 3).
 *
 * Three questions, each answered as a ratio against a raw SQLite table that holds rows of the
 * same size with the same indexes, on the same generated data, in the same process:
 *
 *   ingest  records written through kluis vs rows inserted into the raw table;
 *   purge   half of the records removed by kluis_purge() vs DELETE FROM raw WHERE expiry <= T;
 *   flat    the same purges (one day's records, a quarter day's) on stores of N and 10×N live
 *           records.
 *
 * Data. N records (default 2 000 000) for 8 tenants, about 16 records per subject, one link each
 * (a message id), a value of ~150 bytes of mail metadata. The policy has one category,
 * "mail_meta", with a plain rolling retention of D days (default 30); the records are written
 * while the engine clock moves uniformly across D days, so their expiries are spread uniformly
 * over the D days that follow (day buckets: D < 128).
 *
 * Ingest. kluis has no batched API: kluis_record_put() is one transaction (and with
 * synchronous=FULL one fsync) per record. The fair comparison is per-record commit against
 * per-record commit (a smaller N, fsync-bound on both sides); the raw table's batched inserts
 * (K per transaction) are printed as a second line. The purge stores are built through the
 * store backend directly (kluis_store_open, then begin / record_insert × K / commit): the same
 * storage layout kluis_record_put() produces, without one fsync per record.
 *
 * secure_delete. Debian builds SQLite with SQLITE_SECURE_DELETE: freed pages are overwritten
 * with zeros, so a DROP TABLE writes (and logs in the WAL) every page it frees. kluis_purge()
 * runs as it is (secure_delete on); the same purge is then replayed with plain SQLite on copies
 * of the store file with secure_delete on, off and fast (the library has no hook for this, by
 * design). The raw DELETE baseline runs with the default (on); an extra line gives it with off.
 *
 * Nothing here is a test: the numbers are printed, never asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
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

#include "kluis/kluis.h"

#define DAY       86400
#define T0        INT64_C(1767225600) /* 2026-01-01T00:00:00Z, a day boundary */
#define N_TENANTS 8
#define CATEGORY  "mail_meta"
#define PER_SUBJ  16 /* records per subject, on average */
#define BASE_DAYS 4  /* expiry days that hold only base records (flatness) */

struct cfg {
    uint64_t records;    /* N: the main store */
    uint64_t large;      /* live records of the second flatness store; 0: skip */
    uint64_t per_record; /* records of the per-record-commit ingest comparison; 0: skip */
    int days;            /* D */
    size_t value_bytes;
    uint64_t batch; /* K: records per transaction where batching is possible */
    char dir[512];
    bool own_dir; /* made by mkdtemp: removed at the end unless --keep */
    bool keep;
    bool engine_build; /* build the purge store through kluis_record_put() */
    int samples;       /* runs of kluis_purge and of the raw DELETE for the half purge */
    bool flat_raw;     /* raw DELETE on the flatness stores too */
};

static struct cfg cfg = {
    .records = 2000000,
    .large = 0, /* 10 × records unless given */
    .per_record = 20000,
    .days = 30,
    .value_bytes = 150,
    .batch = 10000,
    .samples = 2,
    .flat_raw = true,
};

static struct kluis_policy *policy;
static const struct kluis_category *category;

/* ---- Small helpers ------------------------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_purge: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (cfg.dir[0])
        fprintf(stderr, "bench_purge: databases left in %s\n", cfg.dir);
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

/* Progress goes to stderr, so that stdout holds only the results. */
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

/* "12.3 k", "1.05 M": a rate or a count with three significant digits. */
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

/* "2M", "200k", "20000" for a record count in a label. */
static const char *short_count(uint64_t n, char *buf, size_t size)
{
    if (n >= 1000000 && n % 1000000 == 0)
        snprintf(buf, size, "%" PRIu64 "M", n / 1000000);
    else if (n >= 1000 && n % 1000 == 0)
        snprintf(buf, size, "%" PRIu64 "k", n / 1000);
    else
        snprintf(buf, size, "%" PRIu64, n);
    return buf;
}

static void path_in_dir(char *buf, size_t size, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", cfg.dir, name);
    if (n < 0 || (size_t)n >= size)
        die("path too long: %s/%s", cfg.dir, name);
}

/* Removes a database and its WAL and shared-memory files. */
static void remove_db(const char *path)
{
    char p[640]; /* a path of up to 600 bytes and a suffix */
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
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

/* Copies a closed database (its WAL checkpointed away) to a new file. */
static void copy_db(const char *from, const char *to)
{
    char wal[640];
    snprintf(wal, sizeof(wal), "%s-wal", from);
    if (access(wal, F_OK) == 0 && file_size(wal) > 0)
        die("%s still has a WAL; close every connection first", from);
    remove_db(to);
    int in = open(from, O_RDONLY);
    if (in < 0)
        die("cannot open %s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0)
        die("cannot create %s: %s", to, strerror(errno));
    static char buf[1 << 20];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0)
                die("cannot write %s: %s", to, strerror(errno));
            off += w;
        }
    }
    if (n < 0)
        die("cannot read %s: %s", from, strerror(errno));
    /* The copy reaches the disk before anything is timed on it. */
    if (fsync(out) != 0)
        die("cannot sync %s: %s", to, strerror(errno));
    close(in);
    close(out);
}

/* ---- Generated data ----------------------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    /* splitmix64's finaliser: a cheap, well-spread 64-bit hash. */
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static const char *const tenants[N_TENANTS] = {
    "tenant-00", "tenant-01", "tenant-02", "tenant-03",
    "tenant-04", "tenant-05", "tenant-06", "tenant-07",
};

/*
 * A sequence of n_total records of which n_base are the "base" records: written while the clock
 * moves across D days from T0, so that with a D-day retention they expire uniformly over
 * [T0 + D, T0 + 2D). The others (n_total > n_base: the big flatness store) are background records
 * expiring on days BASE_DAYS + 1 to D of that range, never on the first BASE_DAYS days, so that
 * the purges the flatness comparison times remove exactly the same records from both stores.
 */
struct seq {
    uint64_t n_base;
    uint64_t n_total;
};

struct rec {
    const char *tenant;
    char subject[48];        /* the subject's external reference, as an application would pass it */
    char msgid[40];          /* the link's value */
    char links[64];          /* canonical "message-id=…\n" */
    int64_t created;         /* engine clock at the write */
    uint8_t raw_subject[32]; /* the raw table's stand-in for kluis's keyed hash */
    char *value;             /* cfg.value_bytes bytes, owned by the caller */
};

static void gen(const struct seq *s, uint64_t i, struct rec *r)
{
    uint64_t d = (uint64_t)cfg.days;
    bool base = true;
    uint64_t b = i, j = 0;
    if (s->n_total != s->n_base) {
        /* i is a base record when floor(i * n_base / n_total) steps up at i. */
        b = (uint64_t)((unsigned __int128)i * s->n_base / s->n_total);
        base = (uint64_t)((unsigned __int128)i * s->n_base % s->n_total) < s->n_base;
        j = i - b - (base ? 0 : 1);
    }
    uint64_t h;
    if (base) {
        h = mix(b);
        r->created = T0 + (int64_t)((unsigned __int128)b * d * DAY / s->n_base);
        uint64_t subjects = s->n_base / PER_SUBJ ? s->n_base / PER_SUBJ : 1;
        snprintf(r->subject, sizeof(r->subject), "subj-%08" PRIx64 "@client.example",
                 mix(h) % subjects);
    } else {
        uint64_t nb = s->n_total - s->n_base;
        h = mix(j ^ UINT64_C(0x5bd1e9955bd1e995));
        r->created =
            T0 + BASE_DAYS * DAY + 1 + (int64_t)((unsigned __int128)j * (d - BASE_DAYS) * DAY / nb);
        uint64_t subjects = nb / PER_SUBJ ? nb / PER_SUBJ : 1;
        snprintf(r->subject, sizeof(r->subject), "bg-%08" PRIx64 "@client.example",
                 mix(h) % subjects);
    }
    r->tenant = tenants[h % N_TENANTS];
    snprintf(r->msgid, sizeof(r->msgid), "<%016" PRIx64 "@mail.example>", h);
    snprintf(r->links, sizeof(r->links), "message-id=%s\n", r->msgid);
    for (int k = 0; k < 4; k++) {
        uint64_t x = mix(h + (uint64_t)k + 1);
        memcpy(r->raw_subject + 8 * k, &x, 8);
    }
    /* Mail metadata as a client would store it: sender, recipient, subject line, date, size,
     * labels; padded with pseudo-random text to exactly value_bytes. */
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789 ";
    char head[160];
    int n =
        snprintf(head, sizeof(head),
                 "{\"from\":\"s%04x@example.org\",\"to\":\"r%04x@example.com\",\"date\":%" PRId64
                 ",\"size\":%u,\"labels\":[\"INBOX\"],\"subject\":\"",
                 (unsigned)(h & 0xffff), (unsigned)((h >> 16) & 0xffff), r->created,
                 (unsigned)((h >> 32) % 100000));
    size_t len = cfg.value_bytes;
    size_t hl = (size_t)n < len ? (size_t)n : len;
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

/* ---- The policy --------------------------------------------------------------------------- */

static void load_policy(void)
{
    char yaml[1024];
    snprintf(yaml, sizeof(yaml),
             "kluis: 1\n"
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
             "    retention: %dd\n"
             "purposes:\n"
             "  - id: service\n"
             "    name: {nl: Dienst, en: Service}\n"
             "    role: processor\n"
             "    categories: [" CATEGORY "]\n",
             cfg.days);
    struct kluis_err err = {0};
    if (kluis_policy_load_buffer(yaml, strlen(yaml), "bench-policy.yaml", NULL, &policy, &err))
        die_kluis("loading the bench policy", &err);
    category = kluis_policy_find_category(policy, CATEGORY);
    if (!category)
        die("the bench policy has no category " CATEGORY);
}

/* ---- Raw SQLite --------------------------------------------------------------------------- */

/* A connection configured like kluis's: WAL, synchronous=FULL, SQLite's defaults otherwise. */
static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        die_sqlite(db, path);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL))
        die_sqlite(db, "configuring a raw connection");
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        die_sqlite(db, sql);
}

/*
 * The raw table: the columns of a kluis row (id, tenant, subject hash, category, links, created,
 * expiry, floor, held, value) and kluis's per-bucket indexes, (tenant, subject) and (expiry).
 * with_links adds an index on (tenant, links), standing in for kluis's link table.
 */
static const char raw_schema[] =
    "CREATE TABLE raw(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, subject BLOB, category TEXT "
    "NOT NULL, links TEXT NOT NULL, created INTEGER NOT NULL, expiry INTEGER NOT NULL, floor "
    "INTEGER NOT NULL, held INTEGER NOT NULL, value BLOB);"
    "CREATE INDEX raw_subject ON raw(tenant, subject);"
    "CREATE INDEX raw_expiry ON raw(expiry);";

/* An open raw table being filled. */
struct raw_writer {
    sqlite3 *db;
    sqlite3_stmt *insert;
    struct rec r;
};

static void raw_writer_open(struct raw_writer *w, const char *path, bool with_links)
{
    remove_db(path);
    w->db = raw_open(path);
    raw_exec(w->db, raw_schema);
    if (with_links)
        raw_exec(w->db, "CREATE INDEX raw_links ON raw(tenant, links);");
    if (sqlite3_prepare_v2(w->db,
                           "INSERT INTO raw(tenant, subject, category, links, created, expiry, "
                           "floor, held, value) VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7)",
                           -1, &w->insert, NULL) != SQLITE_OK)
        die_sqlite(w->db, "preparing the raw insert");
    w->r.value = malloc(cfg.value_bytes + 1);
    if (!w->r.value)
        die("out of memory");
}

static void raw_writer_close(struct raw_writer *w)
{
    sqlite3_finalize(w->insert);
    free(w->r.value);
    if (sqlite3_close(w->db) != SQLITE_OK)
        die("closing a raw table");
}

/* Inserts records [from, to) of s, batch per transaction. */
static void raw_insert(struct raw_writer *w, const struct seq *s, uint64_t from, uint64_t to,
                       uint64_t batch)
{
    sqlite3_stmt *st = w->insert;
    struct rec *r = &w->r;
    for (uint64_t i = from; i < to; i++) {
        if ((i - from) % batch == 0)
            raw_exec(w->db, "BEGIN IMMEDIATE");
        gen(s, i, r);
        sqlite3_bind_text(st, 1, r->tenant, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, r->raw_subject, 32, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, CATEGORY, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->links, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, r->created);
        sqlite3_bind_int64(st, 6, r->created + (int64_t)cfg.days * DAY);
        sqlite3_bind_blob(st, 7, r->value, (int)cfg.value_bytes, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            die_sqlite(w->db, "a raw insert");
        sqlite3_reset(st);
        if ((i - from) % batch == batch - 1 || i + 1 == to)
            raw_exec(w->db, "COMMIT");
        if (batch > 1 && s->n_total >= 1000000 && (i + 1) % (s->n_total / 4) == 0)
            progress("  raw: %" PRIu64 " of %" PRIu64, i + 1, s->n_total);
    }
}

/* A raw table with every record of s, batch per transaction; returns the inserts' seconds. */
static double raw_build(const char *path, const struct seq *s, uint64_t batch, bool with_links)
{
    struct raw_writer w;
    raw_writer_open(&w, path, with_links);
    double t = now_s();
    raw_insert(&w, s, 0, s->n_total, batch);
    t = now_s() - t;
    raw_writer_close(&w);
    return t;
}

/* DELETE FROM raw WHERE expiry <= at, in one transaction; returns its seconds. */
static double raw_purge(const char *path, int64_t at, const char *secure_delete,
                        uint64_t *out_removed)
{
    sqlite3 *db = raw_open(path);
    if (secure_delete) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA secure_delete=%s", secure_delete);
        raw_exec(db, sql);
    }
    char sql[128];
    snprintf(sql, sizeof(sql), "DELETE FROM raw WHERE expiry <= %" PRId64, at);
    double t = now_s();
    raw_exec(db, "BEGIN IMMEDIATE");
    raw_exec(db, sql);
    *out_removed = (uint64_t)sqlite3_changes(db);
    raw_exec(db, "COMMIT");
    t = now_s() - t;
    sqlite3_close(db);
    return t;
}

/* ---- kluis -------------------------------------------------------------------------------- */

static struct kluis_engine *engine_open(const char *path, bool fresh)
{
    if (fresh)
        remove_db(path);
    struct kluis_err err = {0};
    struct kluis_engine *e = NULL;
    if (kluis_engine_open(policy, path, &e, &err))
        die_kluis("opening the kluis store", &err);
    kluis_engine_set_now(e, T0);
    if (fresh) {
        for (int t = 0; t < N_TENANTS; t++)
            if (kluis_tenant_add(e, tenants[t], "NL", &err))
                die_kluis("adding a tenant", &err);
    }
    return e;
}

/* kluis_record_put() for records [from, to) of s, the clock at each record's creation. */
static void kluis_put(struct kluis_engine *e, const struct seq *s, uint64_t from, uint64_t to,
                      char *value)
{
    struct kluis_err err = {0};
    struct rec r = {.value = value};
    for (uint64_t i = from; i < to; i++) {
        gen(s, i, &r);
        struct kluis_link link = {"message-id", r.msgid};
        struct kluis_record_input in = {
            .tenant = r.tenant,
            .subject = r.subject,
            .category = CATEGORY,
            .links = &link,
            .n_links = 1,
            .value = r.value,
            .value_len = cfg.value_bytes,
        };
        uint64_t id;
        kluis_engine_set_now(e, r.created);
        if (kluis_record_put(e, &in, &id, &err))
            die_kluis("kluis_record_put", &err);
        if (s->n_total >= 100000 && (i + 1) % (s->n_total / 4) == 0)
            progress("  kluis_record_put: %" PRIu64 " of %" PRIu64, i + 1, s->n_total);
    }
}

/* A kluis store with every record of s, through kluis_record_put(); returns its seconds. */
static double kluis_build_engine(const char *path, const struct seq *s)
{
    struct kluis_engine *e = engine_open(path, true);
    char *value = malloc(cfg.value_bytes + 1);
    if (!value)
        die("out of memory");
    double t = now_s();
    kluis_put(e, s, 0, s->n_total, value);
    t = now_s() - t;
    free(value);
    kluis_engine_close(e);
    return t;
}

/*
 * The same records written through the store backend: the subject's keyed hash as the engine
 * computes it (HMAC-SHA256 over tenant, NUL, reference, keyed by the store's secret), the expiry
 * from kluis_retention_compute(), batch records per transaction. Returns its seconds.
 */
static double kluis_build_store(const char *path, const struct seq *s, uint64_t batch)
{
    struct kluis_engine *e = engine_open(path, true); /* creates the store and the tenants */
    kluis_engine_close(e);
    struct kluis_err err = {0};
    struct kluis_store *store = NULL;
    if (kluis_store_open(path, &store, &err))
        die_kluis("opening the kluis store", &err);
    const struct kluis_store_backend *be = kluis_store_backend(store);
    void *obj = kluis_store_obj(store);
    uint8_t key[32];
    if (be->secret(obj, key, &err))
        die_kluis("reading the store's secret", &err);
    struct rec r;
    r.value = malloc(cfg.value_bytes + 1);
    if (!r.value)
        die("out of memory");
    double t = now_s();
    for (uint64_t i = 0; i < s->n_total; i++) {
        if (i % batch == 0 && be->begin(obj, &err))
            die_kluis("begin", &err);
        gen(s, i, &r);
        struct kluis_record_row row = {
            .tenant = r.tenant,
            .has_subject = true,
            .category = CATEGORY,
            .links = r.links,
            .created = r.created,
            .value = r.value,
            .value_len = cfg.value_bytes,
        };
        unsigned char msg[128];
        size_t tl = strlen(r.tenant), sl = strlen(r.subject);
        memcpy(msg, r.tenant, tl + 1);
        memcpy(msg + tl + 1, r.subject, sl);
        unsigned int hl = 32;
        HMAC(EVP_sha256(), key, sizeof(key), msg, tl + 1 + sl, row.subject.hash, &hl);
        struct kluis_retention_input in = {.created = r.created, .country = "NL"};
        struct kluis_retention_result res;
        if (kluis_retention_compute(policy, category, &in, &res, &err))
            die_kluis("computing a retention", &err);
        row.expiry = res.expiry;
        row.floor = res.floor;
        uint64_t id;
        if (be->record_insert(obj, &row, &id, &err))
            die_kluis("record_insert", &err);
        if ((i % batch == batch - 1 || i + 1 == s->n_total) && be->commit(obj, &err))
            die_kluis("commit", &err);
        if (s->n_total >= 1000000 && (i + 1) % (s->n_total / 4) == 0)
            progress("  kluis store: %" PRIu64 " of %" PRIu64, i + 1, s->n_total);
    }
    t = now_s() - t;
    free(r.value);
    kluis_store_close(store);
    return t;
}

/* kluis_purge() at the given time; returns its seconds. */
static double kluis_purge_at(const char *path, int64_t at, uint64_t *out_removed)
{
    struct kluis_engine *e = engine_open(path, false);
    kluis_engine_set_now(e, at);
    struct kluis_err err = {0};
    struct kluis_purge_report *rep = NULL;
    double t = now_s();
    if (kluis_purge(e, false, &rep, &err))
        die_kluis("kluis_purge", &err);
    t = now_s() - t;
    *out_removed = rep->total;
    kluis_purge_report_free(rep);
    kluis_engine_close(e);
    return t;
}

/* A spot check that the store holds what the engine would have written, where expected. */
static void kluis_check_record(const char *path, const struct seq *s)
{
    struct kluis_engine *e = engine_open(path, false);
    struct rec r;
    r.value = malloc(cfg.value_bytes + 1);
    if (!r.value)
        die("out of memory");
    gen(s, s->n_total / 2, &r);
    kluis_engine_set_now(e, r.created);
    char *text = NULL;
    struct kluis_err err = {0};
    if (kluis_subject_export(e, r.tenant, r.subject, false, &text, NULL, &err))
        die_kluis("exporting a subject", &err);
    if (!strstr(text, r.msgid))
        die("the store does not hold a generated record");
    free(text);
    free(r.value);
    kluis_engine_close(e);
}

static void prepare_or_die(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        die_sqlite(db, sql);
}

/*
 * What kluis_purge() does to the store (store_sqlite.c, sq_purge, and the engine's receipt),
 * replayed with plain SQLite on a copy of the file with PRAGMA secure_delete=mode (and, with
 * mmap, memory-mapped reads): per bucket whose range has passed, read its counts, drop its two
 * tables and forget it; trim the bucket expiring now row by row; find the oldest remaining
 * expiry; store a receipt; one transaction. Returns its seconds.
 */
static double replica_purge(const char *path, int64_t at, const char *mode, bool mmap,
                            uint64_t *out_removed)
{
    sqlite3 *db = raw_open(path);
    char sql[1024];
    snprintf(sql, sizeof(sql), "PRAGMA secure_delete=%s; PRAGMA mmap_size=%s", mode,
             mmap ? "2147418112" : "0");
    raw_exec(db, sql);
    uint64_t removed = 0;
    double t = now_s();
    raw_exec(db, "BEGIN IMMEDIATE");
    sqlite3_stmt *st;
    prepare_or_die(db, "SELECT no, start, end FROM buckets ORDER BY start, no", &st);
    size_t n = 0, cap = 256;
    int64_t(*b)[3] = malloc(cap * sizeof(*b));
    while (b && sqlite3_step(st) == SQLITE_ROW) {
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
        for (int k = 0; k < 3; k++)
            b[n][k] = sqlite3_column_int64(st, k);
        n++;
    }
    sqlite3_finalize(st);
    if (!b)
        die("out of memory");
    for (size_t i = 0; i < n; i++) {
        int64_t no = b[i][0], start = b[i][1], end = b[i][2];
        if (no == 1)
            continue;
        if (start > at)
            break;
        snprintf(sql, sizeof(sql),
                 "SELECT 1 FROM sqlite_master WHERE type='table' AND name='r_%" PRId64 "'", no);
        prepare_or_die(db, sql, &st);
        bool exists = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        if (!exists)
            continue;
        if (end <= at) {
            snprintf(sql, sizeof(sql),
                     "SELECT tenant, category, n FROM bucket_counts WHERE bucket = %" PRId64
                     " ORDER BY tenant, category",
                     no);
            prepare_or_die(db, sql, &st);
            while (sqlite3_step(st) == SQLITE_ROW)
                removed += (uint64_t)sqlite3_column_int64(st, 2);
            sqlite3_finalize(st);
            snprintf(sql, sizeof(sql),
                     "DROP TABLE r_%1$" PRId64 "; DROP TABLE l_%1$" PRId64 ";"
                     "DELETE FROM forward WHERE bucket = %1$" PRId64 ";"
                     "DELETE FROM bucket_counts WHERE bucket = %1$" PRId64 ";"
                     "DELETE FROM buckets WHERE no = %1$" PRId64 ";",
                     no);
            raw_exec(db, sql);
            continue;
        }
        snprintf(sql, sizeof(sql),
                 "SELECT tenant, category, count(*) FROM r_%" PRId64 " WHERE expiry <= %" PRId64
                 " AND held = 0 GROUP BY tenant, category ORDER BY tenant, category",
                 no, at);
        prepare_or_die(db, sql, &st);
        sqlite3_stmt *up;
        prepare_or_die(db,
                       "INSERT INTO bucket_counts VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE "
                       "SET n = n + ?4",
                       &up);
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t c = sqlite3_column_int64(st, 2);
            removed += (uint64_t)c;
            sqlite3_bind_int64(up, 1, no);
            sqlite3_bind_text(up, 2, (const char *)sqlite3_column_text(st, 0), -1,
                              SQLITE_TRANSIENT);
            sqlite3_bind_text(up, 3, (const char *)sqlite3_column_text(st, 1), -1,
                              SQLITE_TRANSIENT);
            sqlite3_bind_int64(up, 4, -c);
            if (sqlite3_step(up) != SQLITE_DONE)
                die_sqlite(db, "updating a count");
            sqlite3_reset(up);
        }
        sqlite3_finalize(st);
        sqlite3_finalize(up);
        raw_exec(db, "DELETE FROM bucket_counts WHERE n <= 0");
        snprintf(sql, sizeof(sql),
                 "DELETE FROM forward WHERE id IN (SELECT gid FROM r_%1$" PRId64
                 " WHERE expiry <= %2$" PRId64 " AND held = 0 AND gid IS NOT NULL);"
                 "DELETE FROM l_%1$" PRId64 " WHERE row IN (SELECT row FROM r_%1$" PRId64
                 " WHERE expiry <= %2$" PRId64 " AND held = 0);"
                 "DELETE FROM r_%1$" PRId64 " WHERE expiry <= %2$" PRId64 " AND held = 0;",
                 no, at);
        raw_exec(db, sql);
    }
    free(b);
    prepare_or_die(db,
                   "SELECT b.no FROM buckets b WHERE b.no != 1 AND EXISTS (SELECT 1 FROM "
                   "bucket_counts c WHERE c.bucket = b.no AND c.n > 0) ORDER BY b.start LIMIT 1",
                   &st);
    int64_t oldest = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (oldest) {
        snprintf(sql, sizeof(sql), "SELECT min(expiry) FROM r_%" PRId64, oldest);
        raw_exec(db, sql);
    }
    snprintf(sql, sizeof(sql),
             "INSERT INTO receipts(at, body) VALUES(%" PRId64
             ", '{\"kind\":\"purge\",\"replica\":true,\"total\":%" PRIu64 "}')",
             at, removed);
    raw_exec(db, sql);
    raw_exec(db, "COMMIT");
    t = now_s() - t;
    sqlite3_close(db);
    *out_removed = removed;
    return t;
}

/* ---- Measurements ------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of n values (the mean of the middle two for even n); sorts v. */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define ROUNDS 10

struct per_record {
    double kluis_s, raw_s;       /* total seconds of each side */
    double min_ratio, max_ratio; /* of the rounds' kluis rate / raw rate */
};

/*
 * kluis_record_put() against single-row raw transactions, in ROUNDS alternating rounds on the
 * same two growing stores, so that drift in the disk's flush latency hits both sides alike.
 */
static void ingest_per_record(struct per_record *pr)
{
    struct seq s = {cfg.per_record, cfg.per_record};
    char kp[600], rp[600];
    path_in_dir(kp, sizeof(kp), "ingest-kluis.db");
    path_in_dir(rp, sizeof(rp), "ingest-raw.db");
    struct kluis_engine *e = engine_open(kp, true);
    struct raw_writer w;
    raw_writer_open(&w, rp, false);
    char *value = malloc(cfg.value_bytes + 1);
    if (!value)
        die("out of memory");
    *pr = (struct per_record){.min_ratio = 1e30};
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t from = s.n_total * (uint64_t)round / ROUNDS;
        uint64_t to = s.n_total * (uint64_t)(round + 1) / ROUNDS;
        double tk = 0, tr = 0;
        for (int side = 0; side < 2; side++) {
            double t = now_s();
            if ((side ^ round) & 1)
                raw_insert(&w, &s, from, to, 1);
            else
                kluis_put(e, &s, from, to, value);
            t = now_s() - t;
            if ((side ^ round) & 1)
                tr = t;
            else
                tk = t;
        }
        pr->kluis_s += tk;
        pr->raw_s += tr;
        if (tr / tk < pr->min_ratio)
            pr->min_ratio = tr / tk;
        if (tr / tk > pr->max_ratio)
            pr->max_ratio = tr / tk;
    }
    free(value);
    raw_writer_close(&w);
    kluis_engine_close(e);
    remove_db(kp);
    remove_db(rp);
}

/* One purge on a fresh copy of a store (so that every variant starts from the same file). */
enum variant { V_KLUIS, V_REPLICA, V_RAW };

struct purge_run {
    double s[2];
    uint64_t removed[2];
};

static void purge_on_copy(const char *src, const char *name, enum variant v, const char *mode,
                          bool mmap, int64_t at1, int64_t at2, struct purge_run *out)
{
    char path[600];
    path_in_dir(path, sizeof(path), name);
    copy_db(src, path);
    int64_t at[2] = {at1, at2};
    for (int k = 0; k < 2; k++) {
        if (v == V_KLUIS)
            out->s[k] = kluis_purge_at(path, at[k], &out->removed[k]);
        else if (v == V_REPLICA)
            out->s[k] = replica_purge(path, at[k], mode, mmap, &out->removed[k]);
        else
            out->s[k] = raw_purge(path, at[k], mode, &out->removed[k]);
    }
    remove_db_unless_kept(path);
}

#define FLAT_SAMPLES 3

struct flat_result {
    uint64_t live;
    double drop[FLAT_SAMPLES], trim[FLAT_SAMPLES];
    uint64_t drop_n[FLAT_SAMPLES], trim_n[FLAT_SAMPLES];
    double raw_drop[FLAT_SAMPLES], raw_trim[FLAT_SAMPLES];
    double drop_med, trim_med, raw_drop_med, raw_trim_med;
};

/*
 * The flatness purges, on stores whose first BASE_DAYS expiry days hold only base records: at
 * the end of each of days 1..3 (a whole day bucket dropped each time), then at 06:00, 12:00 and
 * 18:00 of day 4 (a quarter of a day trimmed row by row each time). Medians of the three.
 */
static void flat_purges(const char *kpath, const char *rpath, struct flat_result *f)
{
    int64_t e0 = T0 + (int64_t)cfg.days * DAY;
    uint64_t rn;
    for (int k = 0; k < FLAT_SAMPLES; k++) {
        int64_t at = e0 + (k + 1) * DAY;
        f->drop[k] = kluis_purge_at(kpath, at, &f->drop_n[k]);
        if (rpath) {
            f->raw_drop[k] = raw_purge(rpath, at, NULL, &rn);
            if (rn != f->drop_n[k])
                die("flat: kluis removed %" PRIu64 ", raw %" PRIu64, f->drop_n[k], rn);
        }
    }
    for (int k = 0; k < FLAT_SAMPLES; k++) {
        int64_t at = e0 + FLAT_SAMPLES * DAY + (k + 1) * DAY / 4;
        f->trim[k] = kluis_purge_at(kpath, at, &f->trim_n[k]);
        if (rpath) {
            f->raw_trim[k] = raw_purge(rpath, at, NULL, &rn);
            if (rn != f->trim_n[k])
                die("flat: kluis removed %" PRIu64 ", raw %" PRIu64, f->trim_n[k], rn);
        }
    }
    double v[FLAT_SAMPLES];
    memcpy(v, f->drop, sizeof(v));
    f->drop_med = median(v, FLAT_SAMPLES);
    memcpy(v, f->trim, sizeof(v));
    f->trim_med = median(v, FLAT_SAMPLES);
    memcpy(v, f->raw_drop, sizeof(v));
    f->raw_drop_med = median(v, FLAT_SAMPLES);
    memcpy(v, f->raw_trim, sizeof(v));
    f->raw_trim_med = median(v, FLAT_SAMPLES);
}

/* ---- The run ------------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_purge [options]\n"
            "  --records N      records of the main store (default 2000000)\n"
            "  --large N        live records of the second flatness store (default 10 x records"
            " up to 2000000\n"
            "                   records, else 0; 0: skip)\n"
            "  --per-record N   records of the per-record-commit ingest comparison (default "
            "20000; 0: skip)\n"
            "  --days D         days over which expiries are spread, 6..127 (default 30)\n"
            "  --value-bytes B  bytes of each record's value (default 150)\n"
            "  --batch K        records per transaction where batching is possible (default "
            "10000)\n"
            "  --samples S      runs of kluis_purge and of the raw DELETE, 1..9 (default 2)\n"
            "  --no-flat-raw    skip the raw DELETE on the flatness stores (saves building a raw "
            "table of --large rows)\n"
            "  --dir PATH       where the databases go (default: a new directory under /tmp)\n"
            "  --keep           keep the databases\n"
            "  --engine-build   build the purge store with kluis_record_put() (slow: one fsync "
            "per record)\n"
            "  --quick          200000 records, 2000000 for flatness, 2000 per-record\n");
}

static uint64_t parse_count(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        die("%s: not a count: '%s'", opt, s);
    return (uint64_t)v;
}

static void parse_args(int argc, char **argv)
{
    enum {
        O_RECORDS = 1,
        O_LARGE,
        O_PER_RECORD,
        O_DAYS,
        O_VALUE,
        O_BATCH,
        O_SAMPLES,
        O_NO_FLAT_RAW,
        O_DIR,
        O_KEEP,
        O_ENGINE,
        O_QUICK,
        O_HELP
    };
    static const struct option opts[] = {
        {"records", required_argument, NULL, O_RECORDS},
        {"large", required_argument, NULL, O_LARGE},
        {"per-record", required_argument, NULL, O_PER_RECORD},
        {"days", required_argument, NULL, O_DAYS},
        {"value-bytes", required_argument, NULL, O_VALUE},
        {"batch", required_argument, NULL, O_BATCH},
        {"samples", required_argument, NULL, O_SAMPLES},
        {"no-flat-raw", no_argument, NULL, O_NO_FLAT_RAW},
        {"dir", required_argument, NULL, O_DIR},
        {"keep", no_argument, NULL, O_KEEP},
        {"engine-build", no_argument, NULL, O_ENGINE},
        {"quick", no_argument, NULL, O_QUICK},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    bool quick = false, have_records = false, have_large = false, have_per_record = false;
    uint64_t v;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_RECORDS:
            cfg.records = parse_count("--records", optarg);
            have_records = true;
            break;
        case O_LARGE:
            cfg.large = parse_count("--large", optarg);
            have_large = true;
            break;
        case O_PER_RECORD:
            cfg.per_record = parse_count("--per-record", optarg);
            have_per_record = true;
            break;
        case O_DAYS:
            v = parse_count("--days", optarg);
            /* Day buckets (store_sqlite.c) hold deadlines closer than 128 days to creation;
             * flatness needs BASE_DAYS days that only base records expire on, and one more. */
            if (v < BASE_DAYS + 2 || v > 127)
                die("--days: %d to 127", BASE_DAYS + 2);
            cfg.days = (int)v;
            break;
        case O_VALUE:
            cfg.value_bytes = (size_t)parse_count("--value-bytes", optarg);
            break;
        case O_BATCH:
            cfg.batch = parse_count("--batch", optarg);
            break;
        case O_SAMPLES:
            v = parse_count("--samples", optarg);
            if (v < 1 || v > 9)
                die("--samples: 1 to 9");
            cfg.samples = (int)v;
            break;
        case O_NO_FLAT_RAW:
            cfg.flat_raw = false;
            break;
        case O_DIR:
            snprintf(cfg.dir, sizeof(cfg.dir), "%s", optarg);
            break;
        case O_KEEP:
            cfg.keep = true;
            break;
        case O_ENGINE:
            cfg.engine_build = true;
            break;
        case O_QUICK:
            quick = true;
            break;
        case O_HELP:
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
    if (quick) {
        if (!have_records)
            cfg.records = 200000;
        if (!have_per_record)
            cfg.per_record = 2000;
    }
    /* 10 × the default 2M is the 20M; 10 × a 20M main store would be 200M (~170 GB). */
    if (!have_large)
        cfg.large = cfg.records <= 2000000 ? 10 * cfg.records : 0;
    if (cfg.records < 4 * (uint64_t)cfg.days)
        die("--records: at least 4 per day");
    if (cfg.large && cfg.large < cfg.records)
        die("--large: at least --records (or 0 to skip)");
    if (cfg.per_record && cfg.per_record < ROUNDS)
        die("--per-record: at least %d (or 0 to skip)", ROUNDS);
    if (cfg.batch == 0)
        die("--batch: at least 1");
    if (cfg.value_bytes == 0 || cfg.value_bytes > 65536)
        die("--value-bytes: 1 to 65536");
    uint64_t limit = (uint64_t)1 << 31;
    if (cfg.records >= limit || cfg.large >= limit)
        die("--records/--large: below 2^31");
}

/* A row of the purge table: a label, its runs (median taken), the raw baseline's time. */
static void purge_row(const char *label, const double *s, const uint64_t *removed, int n,
                      double raw_s)
{
    double v[9];
    memcpy(v, s, (size_t)n * sizeof(*v));
    double med = median(v, n);
    char rate[32], runs[96] = "";
    if (n > 1) {
        int used = snprintf(runs, sizeof(runs), "  runs");
        for (int k = 0; k < n && used < (int)sizeof(runs); k++)
            used += snprintf(runs + used, sizeof(runs) - (size_t)used, " %.3f", s[k]);
    }
    printf("  %-40s %9" PRIu64 " %8.3f s %8s/s %7.1fx%s\n", label, removed[0], med,
           human((double)removed[0] / med, rate, sizeof(rate)), raw_s / med, runs);
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
    char buf[4][32];
    const int64_t e0 = T0 + (int64_t)cfg.days * DAY;
    const uint64_t n = cfg.records;
    const int ns = cfg.samples;

    /* ---- Ingest, per-record commits ---- */
    struct per_record pr = {0};
    if (cfg.per_record) {
        progress("ingest: %" PRIu64 " kluis_record_put and %" PRIu64
                 " single-row raw transactions, in %d alternating rounds",
                 cfg.per_record, cfg.per_record, ROUNDS);
        ingest_per_record(&pr);
    }
    double pr_kluis = pr.kluis_s > 0 ? (double)cfg.per_record / pr.kluis_s : 0;
    double pr_raw = pr.raw_s > 0 ? (double)cfg.per_record / pr.raw_s : 0;

    /* ---- Ingest, batched: the main stores ---- */
    struct seq main_seq = {n, n};
    char kpath[600], rpath[600], path[600];
    path_in_dir(kpath, sizeof(kpath), "kluis-main.db");
    path_in_dir(rpath, sizeof(rpath), "raw-main.db");
    progress("ingest: %" PRIu64 " raw inserts, %" PRIu64 " per transaction", n, cfg.batch);
    double raw_batched = (double)n / raw_build(rpath, &main_seq, cfg.batch, false);
    path_in_dir(path, sizeof(path), "raw-links.db");
    progress("ingest: %" PRIu64 " raw inserts with a (tenant, links) index too", n);
    double raw_batched_links = (double)n / raw_build(path, &main_seq, cfg.batch, true);
    remove_db(path);
    double kluis_store_rate = 0, kluis_engine_rate = 0;
    const char *build_how;
    if (cfg.engine_build) {
        progress("ingest: %" PRIu64 " kluis_record_put for the purge store", n);
        kluis_engine_rate = (double)n / kluis_build_engine(kpath, &main_seq);
        build_how = "kluis_record_put, one transaction per record";
    } else {
        progress("ingest: %" PRIu64 " records through the store backend, %" PRIu64
                 " per transaction",
                 n, cfg.batch);
        kluis_store_rate = (double)n / kluis_build_store(kpath, &main_seq, cfg.batch);
        build_how = "the store backend, begin/record_insert/commit";
    }
    kluis_check_record(kpath, &main_seq);
    uint64_t kluis_bytes = file_size(kpath), raw_bytes = file_size(rpath);

    /* ---- Purge half, each variant on a fresh copy of the same file ---- */
    const int64_t half_at = e0 + (int64_t)(cfg.days / 2) * DAY; /* 00:00 UTC */
    const int64_t noon_at = half_at + DAY / 2;                  /* 12:00 UTC the day after */
    struct purge_run kl[9], raw_on[9], rep_on, rep_off, rep_fast, rep_mmap, raw_off;
    for (int k = 0; k < ns; k++) {
        progress("purge: kluis_purge at 00:00 UTC, then 12:00 UTC the day after (run %d)", k + 1);
        purge_on_copy(kpath, "kluis-purge.db", V_KLUIS, NULL, false, half_at, noon_at, &kl[k]);
        progress("purge: raw DELETE, secure_delete on (run %d)", k + 1);
        purge_on_copy(rpath, "raw-purge.db", V_RAW, NULL, false, half_at, noon_at, &raw_on[k]);
        if (k == 0) {
            progress("purge: kluis_purge replayed with secure_delete=on, off, fast, off+mmap");
            purge_on_copy(kpath, "kluis-on.db", V_REPLICA, "ON", false, half_at, noon_at, &rep_on);
            purge_on_copy(kpath, "kluis-off.db", V_REPLICA, "OFF", false, half_at, noon_at,
                          &rep_off);
            purge_on_copy(kpath, "kluis-fast.db", V_REPLICA, "FAST", false, half_at, noon_at,
                          &rep_fast);
            purge_on_copy(kpath, "kluis-mmap.db", V_REPLICA, "OFF", true, half_at, noon_at,
                          &rep_mmap);
            progress("purge: raw DELETE, secure_delete off");
            purge_on_copy(rpath, "raw-off.db", V_RAW, "OFF", false, half_at, noon_at, &raw_off);
        }
    }
    for (int k = 0; k < ns; k++) {
        const struct purge_run *x[] = {&kl[k], &rep_on, &rep_off, &rep_fast, &rep_mmap, &raw_off};
        for (size_t j = 0; j < sizeof(x) / sizeof(x[0]); j++)
            for (int h = 0; h < 2; h++)
                if (x[j]->removed[h] != raw_on[k].removed[h])
                    die("purge: a variant removed %" PRIu64 " records, the raw DELETE %" PRIu64,
                        x[j]->removed[h], raw_on[k].removed[h]);
    }

    /* ---- Flatness ---- */
    struct flat_result fs = {.live = n}, fl = {.live = cfg.large};
    progress("flat: purges on the %" PRIu64 "-record store", n);
    {
        char kf[600], rf[600];
        path_in_dir(kf, sizeof(kf), "kluis-flat.db");
        path_in_dir(rf, sizeof(rf), "raw-flat.db");
        copy_db(kpath, kf);
        if (cfg.flat_raw)
            copy_db(rpath, rf);
        flat_purges(kf, cfg.flat_raw ? rf : NULL, &fs);
        remove_db_unless_kept(kf);
        remove_db_unless_kept(rf);
    }
    remove_db_unless_kept(kpath);
    remove_db_unless_kept(rpath);
    double large_build = 0, large_raw_build = 0;
    if (cfg.large) {
        struct seq big = {n, cfg.large};
        char kbig[600], rbig[600];
        path_in_dir(kbig, sizeof(kbig), "kluis-large.db");
        path_in_dir(rbig, sizeof(rbig), "raw-large.db");
        progress("flat: building the %" PRIu64 "-record kluis store", cfg.large);
        large_build = kluis_build_store(kbig, &big, cfg.batch);
        if (cfg.flat_raw) {
            progress("flat: building the %" PRIu64 "-row raw table", cfg.large);
            large_raw_build = raw_build(rbig, &big, cfg.batch, false);
        }
        progress("flat: purges on the %" PRIu64 "-record store", cfg.large);
        flat_purges(kbig, cfg.flat_raw ? rbig : NULL, &fl);
        remove_db_unless_kept(kbig);
        remove_db_unless_kept(rbig);
        for (int k = 0; k < FLAT_SAMPLES; k++)
            if (fl.drop_n[k] != fs.drop_n[k] || fl.trim_n[k] != fs.trim_n[k])
                die("flat: the two stores lost different records");
    }
    progress("done");

    /* ---- Report ---- */
    printf("kluis bench/purge — kluis %s, SQLite %s (compiled with SECURE_DELETE: %s)\n",
           kluis_version(), sqlite3_libversion(),
           sqlite3_compileoption_used("SECURE_DELETE") ? "yes" : "no");
    printf("data    %" PRIu64 " records, %d tenants, ~%d records per subject, 1 link each, "
           "%zu-byte values\n",
           n, N_TENANTS, PER_SUBJ, cfg.value_bytes);
    printf("expiry  one category, retention %dd; the engine clock moves uniformly across %d days "
           "while writing,\n"
           "        so expiries are uniform over the %d days after (one day bucket per day)\n",
           cfg.days, cfg.days, cfg.days);
    printf("store   %s; WAL, synchronous=FULL on both sides; files in the page cache\n", cfg.dir);
    printf("files   kluis %.0f MB (%.0f B/record), raw %.0f MB (%.0f B/row), after ingest\n\n",
           (double)kluis_bytes / 1e6, (double)kluis_bytes / (double)n, (double)raw_bytes / 1e6,
           (double)raw_bytes / (double)n);

    printf("INGEST                                                      rate      vs raw\n");
    char label[64];
    if (cfg.per_record) {
        snprintf(label, sizeof(label), "kluis_record_put, 1 per transaction");
        printf("  %-46s N=%-9" PRIu64 " %8s rec/s   %.2fx (rounds %.2f..%.2f)\n", label,
               cfg.per_record, human(pr_kluis, buf[0], sizeof(buf[0])), pr_kluis / pr_raw,
               pr.min_ratio, pr.max_ratio);
        snprintf(label, sizeof(label), "raw INSERT, 1 per transaction");
        printf("  %-46s N=%-9" PRIu64 " %8s rows/s\n", label, cfg.per_record,
               human(pr_raw, buf[0], sizeof(buf[0])));
    }
    if (kluis_engine_rate > 0) {
        snprintf(label, sizeof(label), "kluis_record_put, 1 per transaction");
        printf("  %-46s N=%-9" PRIu64 " %8s rec/s   %.4fx\n", label, n,
               human(kluis_engine_rate, buf[0], sizeof(buf[0])), kluis_engine_rate / raw_batched);
    }
    if (kluis_store_rate > 0) {
        snprintf(label, sizeof(label), "kluis store backend, %" PRIu64 " per transaction",
                 cfg.batch);
        printf("  %-46s N=%-9" PRIu64 " %8s rec/s   %.2fx\n", label, n,
               human(kluis_store_rate, buf[0], sizeof(buf[0])), kluis_store_rate / raw_batched);
    }
    snprintf(label, sizeof(label), "raw INSERT, %" PRIu64 " per transaction", cfg.batch);
    printf("  %-46s N=%-9" PRIu64 " %8s rows/s\n", label, n,
           human(raw_batched, buf[0], sizeof(buf[0])));
    snprintf(label, sizeof(label), "raw INSERT, %" PRIu64 " per transaction, +links", cfg.batch);
    printf("  %-46s N=%-9" PRIu64 " %8s rows/s  (an index on (tenant, links) too)\n\n", label, n,
           human(raw_batched_links, buf[0], sizeof(buf[0])));

    printf("PURGE   N=%" PRIu64 ", kluis store built through %s.\n"
           "        Every variant runs on a fresh copy of the same file; 'replica' is\n"
           "        kluis_purge's statements replayed with plain SQLite and the given pragmas.\n",
           n, build_how);
    printf("                                              removed     time       rate  vs raw "
           "DELETE (on)\n");
    for (int h = 0; h < 2; h++) {
        printf("  %s\n", h == 0 ? "half: 00:00 UTC mid-range, expiry <= T (whole day buckets "
                                  "dropped)"
                                : "noon: 12:00 UTC the day after (the bucket expiring then is "
                                  "trimmed row by row)");
        double ks[9], rs[9], v[9];
        uint64_t kn[9], rn[9];
        for (int k = 0; k < ns; k++) {
            ks[k] = kl[k].s[h];
            kn[k] = kl[k].removed[h];
            rs[k] = raw_on[k].s[h];
            rn[k] = raw_on[k].removed[h];
        }
        memcpy(v, rs, sizeof(v));
        double raw_med = median(v, ns);
        purge_row("kluis_purge (secure_delete on)", ks, kn, ns, raw_med);
        purge_row("replica, secure_delete=on", &rep_on.s[h], &rep_on.removed[h], 1, raw_med);
        purge_row("replica, secure_delete=off", &rep_off.s[h], &rep_off.removed[h], 1, raw_med);
        purge_row("replica, secure_delete=fast", &rep_fast.s[h], &rep_fast.removed[h], 1, raw_med);
        purge_row("replica, secure_delete=off, mmap", &rep_mmap.s[h], &rep_mmap.removed[h], 1,
                  raw_med);
        purge_row("raw DELETE, secure_delete=on", rs, rn, ns, raw_med);
        purge_row("raw DELETE, secure_delete=off", &raw_off.s[h], &raw_off.removed[h], 1, raw_med);
    }
    printf("\n");

    double fl_drop = 0, fl_trim = 0;
    if (cfg.large) {
        printf("FLAT    the same records expire in both stores: expiry days 1-3 dropped at their "
               "ends, then\n"
               "        day 4 trimmed at 06:00, 12:00, 18:00; the larger store's extra records "
               "expire on days %d-%d.\n"
               "        Medians of three purges.\n",
               BASE_DAYS + 1, cfg.days);
        printf("                    live   removed    kluis_purge    raw DELETE (on)\n");
        const struct flat_result *fr[2] = {&fs, &fl};
        for (int k = 0; k < 2; k++) {
            printf("  day boundary %10" PRIu64 " %9" PRIu64 " %10.4f s", fr[k]->live,
                   fr[k]->drop_n[1], fr[k]->drop_med);
            if (cfg.flat_raw)
                printf("  %10.4f s", fr[k]->raw_drop_med);
            printf("\n  quarter trim %10" PRIu64 " %9" PRIu64 " %10.4f s", fr[k]->live,
                   fr[k]->trim_n[1], fr[k]->trim_med);
            if (cfg.flat_raw)
                printf("  %10.4f s", fr[k]->raw_trim_med);
            printf("\n");
        }
        printf("  (the %" PRIu64 "-record store was built in %.0f s through the store backend",
               cfg.large, large_build);
        if (cfg.flat_raw)
            printf(", the raw table in %.0f s", large_raw_build);
        printf(")\n\n");
        fl_drop = fl.drop_med / fs.drop_med;
        fl_trim = fl.trim_med / fs.trim_med;
    }

    double v[9];
    double kh[9], rh[9], kn2[9], rn2[9];
    for (int k = 0; k < ns; k++) {
        kh[k] = kl[k].s[0];
        rh[k] = raw_on[k].s[0];
        kn2[k] = kl[k].s[1];
        rn2[k] = raw_on[k].s[1];
    }
    memcpy(v, kh, sizeof(v));
    double k_half = median(v, ns);
    memcpy(v, rh, sizeof(v));
    double r_half = median(v, ns);
    memcpy(v, kn2, sizeof(v));
    double k_noon = median(v, ns);
    memcpy(v, rn2, sizeof(v));
    double r_noon = median(v, ns);
    double half_n = (double)kl[0].removed[0], noon_n = (double)kl[0].removed[1];

    printf("SUMMARY\n");
    if (cfg.per_record)
        printf("ingest  kluis %s rec/s  raw %s rows/s  ratio %.2fx (per-record commits, N=%" PRIu64
               ": the goal's comparison, >= 0.8x)\n",
               human(pr_kluis, buf[0], sizeof(buf[0])), human(pr_raw, buf[1], sizeof(buf[1])),
               pr_kluis / pr_raw, cfg.per_record);
    double put_rate = kluis_engine_rate > 0 ? kluis_engine_rate : pr_kluis;
    if (put_rate > 0)
        printf("ingest  kluis %s rec/s  raw %s rows/s  ratio %.4fx (kluis_record_put vs raw "
               "batched %" PRIu64 "/txn; kluis has no batched API)\n",
               human(put_rate, buf[0], sizeof(buf[0])), human(raw_batched, buf[1], sizeof(buf[1])),
               put_rate / raw_batched, cfg.batch);
    if (kluis_store_rate > 0)
        printf("ingest  kluis %s rec/s  raw %s rows/s  ratio %.2fx (store backend batched vs raw "
               "batched, %" PRIu64 "/txn, N=%" PRIu64 ")\n",
               human(kluis_store_rate, buf[0], sizeof(buf[0])),
               human(raw_batched, buf[1], sizeof(buf[1])), kluis_store_rate / raw_batched,
               cfg.batch, n);
    printf("purge   kluis %s rec/s  raw %s rows/s  ratio %.1fx faster (half of %" PRIu64
           ", day boundary, secure_delete=on; goal >= 40x)\n",
           human(half_n / k_half, buf[0], sizeof(buf[0])),
           human(half_n / r_half, buf[1], sizeof(buf[1])), r_half / k_half, n);
    printf("purge   kluis %s rec/s  raw %s rows/s  ratio %.1fx faster (replica, secure_delete=off "
           "on both sides)\n",
           human(half_n / rep_off.s[0], buf[0], sizeof(buf[0])),
           human(half_n / raw_off.s[0], buf[1], sizeof(buf[1])), raw_off.s[0] / rep_off.s[0]);
    printf("purge   kluis %s rec/s  raw %s rows/s  ratio %.1fx faster (noon, trimming the current "
           "bucket, secure_delete=on)\n",
           human(noon_n / k_noon, buf[0], sizeof(buf[0])),
           human(noon_n / r_noon, buf[1], sizeof(buf[1])), r_noon / k_noon);
    if (cfg.large)
        printf("flat    %s: %.4f s  %s: %.4f s  ratio %.2f (one day, %" PRIu64
               " records dropped; quarter-day trim ratio %.2f)\n",
               short_count(n, buf[0], sizeof(buf[0])), fs.drop_med,
               short_count(cfg.large, buf[1], sizeof(buf[1])), fl.drop_med, fl_drop, fs.drop_n[1],
               fl_trim);

    if (!cfg.keep && cfg.own_dir)
        rmdir(cfg.dir);
    else if (cfg.keep)
        printf("\ndatabases kept in %s\n", cfg.dir);
    kluis_policy_free(policy);
    return 0;
}
