/*
 * bench/purge — kluis against raw SQLite doing the same work in the same run (issue 3).
 *
 * Three questions, each answered as a ratio against a raw SQLite table that holds rows of the
 * same size with the same indexes, on the same generated data, in the same process:
 *
 *   ingest  records written through kluis vs rows inserted into the raw table;
 *   purge   half of the records removed by kluis_purge() vs DELETE FROM raw WHERE expiry <= T;
 *   flat    the same purges (one day's records, an eighth of a day's) on stores of N and 10×N
 *           live records, with the page cache warm and cold.
 *
 * Data. N records (default 2 000 000) for 8 tenants, about 16 records per subject, one link each
 * (a message id), a value of ~150 bytes of mail metadata. The policy has one category,
 * "mail_meta", with a plain rolling retention of D days (default 30); the records are written
 * while the engine clock moves across D days, so their expiries are spread over the D days that
 * follow (day buckets: D < 128). kluis_record_put_batch() writes a batch at one moment, so the
 * clock moves one step per batch; the default batch is an hour's worth of records.
 *
 * Ingest. kluis_record_put_batch() (one transaction per batch) against the raw table's inserts
 * in transactions of the same size: the comparison. Second, kluis_record_put() (one
 * transaction, and with synchronous=FULL one fsync, per record) against single-row raw
 * transactions, on fewer records, in alternating rounds so that drift in the disk's flush latency
 * hits both sides alike.
 *
 * Purge. kluis_purge() runs as it is: it drops each expired bucket's tables with SQLite's
 * secure_delete off and notes the bucket in doomed_keys, in one transaction; after the commit it
 * destroys those buckets' keys in the key store (PATH.keys; one transaction with secure_delete on,
 * then the key store's WAL truncated) and deletes the doomed_keys rows. What stays in the data
 * file's free pages is ciphertext under keys that no longer exist. The raw DELETE runs with
 * secure_delete on (Debian's build default, and the only setting under which a raw table's
 * deleted plaintext is overwritten); an extra line gives it with off. kluis_purge()'s statements,
 * the key destruction included, are also replayed with plain SQLite on copies of the data store
 * and key store with the drops under secure_delete off (as kluis), on (every freed page
 * overwritten) and fast, and with the whole file mapped: the library has no hook for this, by
 * design. Each variant runs on a fresh copy of the same files.
 *
 * Nothing here is a test: the numbers are printed, never asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kluis/kluis.h"

#define DAY       86400
#define T0        INT64_C(1767225600) /* 2026-01-01T00:00:00Z, a day boundary */
#define N_TENANTS 8
#define CATEGORY  "mail_meta"
#define PER_SUBJ  16 /* records per subject, on average */
#define BASE_DAYS 7  /* expiry days that hold only base records (flatness) */

struct cfg {
    uint64_t records;    /* N: the main store */
    uint64_t large;      /* live records of the second flatness store; 0: skip */
    uint64_t per_record; /* records of the per-record-commit ingest comparison; 0: skip */
    int days;            /* D */
    size_t value_bytes;
    uint64_t batch; /* K: records per batch (transaction), one clock step each */
    char dir[512];
    bool own_dir; /* made by mkdtemp: removed at the end unless --keep */
    bool keep;
    int samples;   /* runs of kluis_purge and of the raw DELETE for the half purge */
    bool flat_raw; /* raw DELETE on the flatness stores too */
};

static struct cfg cfg = {
    .records = 2000000,
    .large = 0, /* 10 × records unless given */
    .per_record = 20000,
    .days = 30,
    .value_bytes = 150,
    .batch = 0, /* an hour of the clock's travel, at most KLUIS_BATCH_MAX */
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
/* Removes a database, its side files and a key store beside it (PATH.keys). */
static void remove_db(const char *path)
{
    const char *suffixes[] = {"", "-wal", "-shm", ".keys", ".keys-wal", ".keys-shm"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char p[640]; /* a path of up to 600 bytes and a suffix */
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

static void copy_file(const char *from, const char *to);

/* Copies a closed database (its WAL checkpointed away) to a new file, with its key store
 * (PATH.keys) when it has one. */
static void copy_db(const char *from, const char *to)
{
    char wal[640], fk[640], tk[640];
    snprintf(wal, sizeof(wal), "%s-wal", from);
    if (access(wal, F_OK) == 0 && file_size(wal) > 0)
        die("%s still has a WAL; close every connection first", from);
    remove_db(to);
    copy_file(from, to);
    snprintf(fk, sizeof(fk), "%s.keys", from);
    snprintf(tk, sizeof(tk), "%s.keys", to);
    if (access(fk, F_OK) == 0)
        copy_file(fk, tk);
}

static void copy_file(const char *from, const char *to)
{
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
 *
 * Records come in the order they are created, as an application writes them: first the "early"
 * base records (those created in the first BASE_DAYS days, rounded up to whole batches), then
 * base and background records interleaved evenly, both spread over the remaining days.
 *
 * The clock moves in steps of quantum records: kluis_record_put_batch() writes a batch at one
 * moment (the engine's clock), so the records of a batch share their creation time; the raw
 * table gets the same times.
 */
struct seq {
    uint64_t n_base;
    uint64_t n_total;
    uint64_t quantum; /* records per clock step: the batch size */
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

/* How many records of s come before the first background record (a multiple of the quantum). */
static uint64_t seq_early(const struct seq *s)
{
    if (s->n_total == s->n_base)
        return s->n_total;
    uint64_t d = (uint64_t)cfg.days;
    uint64_t early = (BASE_DAYS * s->n_base + d - 1) / d;
    early = (early + s->quantum - 1) / s->quantum * s->quantum;
    return early < s->n_base ? early : s->n_base;
}

static void gen(const struct seq *s, uint64_t i, struct rec *r)
{
    uint64_t d = (uint64_t)cfg.days, q = s->quantum;
    uint64_t early = seq_early(s);
    bool base = true;
    uint64_t b = i, j = 0;
    if (i < early) {
        r->created = T0 + (int64_t)((unsigned __int128)(i / q * q) * d * DAY / s->n_base);
    } else {
        /* Past the early ones, k is a base record when floor(k * rest / total) steps up at k. */
        uint64_t k = i - early, rest = s->n_base - early, total = s->n_total - early;
        uint64_t bb = (uint64_t)((unsigned __int128)k * rest / total);
        base = rest && (uint64_t)((unsigned __int128)k * rest % total) < rest;
        b = early + bb;
        j = base ? 0 : k - (rest ? bb + 1 : 0);
        r->created = T0 + BASE_DAYS * DAY + 1 +
                     (int64_t)((unsigned __int128)(k / q * q) * (d - BASE_DAYS) * DAY / total);
    }
    /* A subject belongs to one tenant (kluis's subjects, and their data keys, are per tenant):
     * the tenant follows from the subject, so that a tenant's subject has ~PER_SUBJ records. */
    uint64_t h, subj;
    if (base) {
        h = mix(b);
        uint64_t subjects = s->n_base / PER_SUBJ ? s->n_base / PER_SUBJ : 1;
        subj = mix(h) % subjects;
        snprintf(r->subject, sizeof(r->subject), "subj-%08" PRIx64 "@client.example", subj);
    } else {
        uint64_t nb = s->n_total - s->n_base;
        h = mix(j ^ UINT64_C(0x5bd1e9955bd1e995));
        uint64_t subjects = nb / PER_SUBJ ? nb / PER_SUBJ : 1;
        subj = mix(h) % subjects;
        snprintf(r->subject, sizeof(r->subject), "bg-%08" PRIx64 "@client.example", subj);
        subj = mix(subj ^ UINT64_C(0x5bd1e9955bd1e995));
    }
    r->tenant = tenants[mix(subj + 1) % N_TENANTS];
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

/*
 * A connection configured like kluis's (store_sqlite.c, sq_open): WAL, synchronous=FULL,
 * secure_delete on (Debian's default, and kluis's outside its drops), a 256 MiB memory map.
 */
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

/* kluis_record_put() for records [from, to) of s, one transaction each. */
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
    }
}

/* An open kluis store being filled through kluis_record_put_batch(). */
struct kluis_writer {
    struct kluis_engine *e;
    uint64_t k; /* records per batch: the sequence's clock step */
    struct rec *recs;
    struct kluis_link *links;
    struct kluis_record_input *in;
    char *values;
};

static void kluis_writer_open(struct kluis_writer *w, const char *path, uint64_t k)
{
    w->e = engine_open(path, true);
    w->k = k;
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

/* Records [from, to) of s in batches of k (from a multiple of k), one transaction each, the
 * clock at the batch's creation time. */
static void kluis_insert(struct kluis_writer *w, const struct seq *s, uint64_t from, uint64_t to)
{
    struct kluis_err err = {0};
    for (uint64_t at = from; at < to; at += w->k) {
        uint64_t n = to - at < w->k ? to - at : w->k;
        for (uint64_t i = 0; i < n; i++) {
            struct rec *r = &w->recs[i];
            r->value = w->values + i * (cfg.value_bytes + 1);
            gen(s, at + i, r);
            if (r->created != w->recs[0].created)
                die("a batch spans two clock steps");
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
        kluis_engine_set_now(w->e, w->recs[0].created);
        size_t failed = 0;
        if (kluis_record_put_batch(w->e, w->in, (size_t)n, NULL, &failed, &err))
            die_kluis("kluis_record_put_batch", &err);
        uint64_t quarter = s->n_total / 4;
        if (s->n_total >= 1000000 && (at + n) / quarter != at / quarter)
            progress("  kluis: %" PRIu64 " of %" PRIu64, at + n, s->n_total);
    }
}

/* A kluis store with every record of s, through kluis_record_put_batch(); returns its seconds. */
static double kluis_build(const char *path, const struct seq *s)
{
    struct kluis_writer w;
    kluis_writer_open(&w, path, s->quantum);
    double t = now_s();
    kluis_insert(&w, s, 0, s->n_total);
    t = now_s() - t;
    kluis_writer_close(&w);
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
 * What kluis_purge() does (store_sqlite.c: sq_purge, sq_oldest_expiry, sq_receipt_insert,
 * sq_commit; engine.c: kluis__engine_destroy_doomed_keys; keys.c: ring_bucket_keys_destroy),
 * replayed with plain SQLite on a copy of the data store and of its key store (PATH.keys).
 *
 * One transaction on the data store (inside an empty one on the key store, as the engine's): per
 * bucket whose range has passed, read its counts, note its number in doomed_keys, drop its two
 * tables with secure_delete=drop_mode (kluis: OFF) and forget it (forward rows, counts, the
 * bucket); stop at the first bucket that starts at or after `at`; trim the bucket expiring now
 * row by row (secure_delete on, the count through its expiry index); find the oldest remaining
 * expiry; store a receipt; commit. Then, as the engine does after the commit: destroy the doomed
 * buckets' keys in the key store (one transaction, secure_delete on, then the WAL checkpointed
 * and truncated) and delete the doomed_keys rows (one more data-store transaction). mmap: map the
 * whole data file (up to SQLite's 2 GiB limit) instead of kluis's 256 MiB. Returns its seconds,
 * and in *out_keys_s those of what follows the commit (the keys and the doomed_keys rows).
 */
static double replica_purge(const char *path, int64_t at, const char *drop_mode, bool mmap,
                            uint64_t *out_removed, double *out_keys_s)
{
    sqlite3 *db = raw_open(path);
    if (mmap)
        raw_exec(db, "PRAGMA mmap_size=2147418112");
    /* The key store's connection, as keys.c opens it (before the clock starts, like the
     * engine's). */
    char kpath[640];
    snprintf(kpath, sizeof(kpath), "%s.keys", path);
    sqlite3 *kdb = NULL;
    if (sqlite3_open_v2(kpath, &kdb, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        die_sqlite(kdb, kpath);
    sqlite3_busy_timeout(kdb, 5000);
    raw_exec(kdb, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
                  "PRAGMA foreign_keys=OFF;");
    char sql[1024];
    uint64_t removed = 0;
    size_t n_doomed = 0, cap_doomed = 64;
    int64_t *doomed = malloc(cap_doomed * sizeof(*doomed));
    if (!doomed)
        die("out of memory");
    double t = now_s();
    raw_exec(kdb, "BEGIN IMMEDIATE");
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
        /* A bucket holds deadlines in (start, end]: one starting at or after `at` holds nothing
         * due yet, and neither do those after it. */
        if (start >= at)
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
                     "INSERT OR IGNORE INTO doomed_keys(no) VALUES(%" PRId64 ");"
                     "PRAGMA secure_delete = %s;",
                     no, drop_mode);
            raw_exec(db, sql);
            if (n_doomed == cap_doomed) {
                cap_doomed *= 2;
                int64_t *nd = realloc(doomed, cap_doomed * sizeof(*doomed));
                if (!nd)
                    die("out of memory");
                doomed = nd;
            }
            doomed[n_doomed++] = no;
            snprintf(sql, sizeof(sql),
                     "DROP TABLE r_%1$" PRId64 "; DROP TABLE l_%1$" PRId64 ";"
                     "DELETE FROM forward WHERE bucket = %1$" PRId64 ";"
                     "DELETE FROM bucket_counts WHERE bucket = %1$" PRId64 ";"
                     "DELETE FROM buckets WHERE no = %1$" PRId64 ";"
                     "PRAGMA secure_delete = ON;",
                     no);
            raw_exec(db, sql);
            continue;
        }
        /* The bucket expiring now: count what is due through the expiry index (left to itself
         * SQLite picks the (tenant, subject) index for the GROUP BY and visits every row). */
        snprintf(sql, sizeof(sql),
                 "SELECT tenant, category, count(*) FROM r_%1$" PRId64 " INDEXED BY r_%1$" PRId64
                 "_expiry WHERE expiry <= %2$" PRId64
                 " AND held = 0 GROUP BY tenant, category ORDER BY tenant, category",
                 no, at);
        prepare_or_die(db, sql, &st);
        sqlite3_stmt *up, *zero;
        prepare_or_die(db,
                       "INSERT INTO bucket_counts VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE "
                       "SET n = n + ?4",
                       &up);
        prepare_or_die(db,
                       "DELETE FROM bucket_counts WHERE bucket = ?1 AND tenant = ?2 AND category "
                       "= ?3 AND n <= 0",
                       &zero);
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t c = sqlite3_column_int64(st, 2);
            removed += (uint64_t)c;
            sqlite3_stmt *both[2] = {up, zero};
            for (int k = 0; k < 2; k++) {
                sqlite3_bind_int64(both[k], 1, no);
                sqlite3_bind_text(both[k], 2, (const char *)sqlite3_column_text(st, 0), -1,
                                  SQLITE_TRANSIENT);
                sqlite3_bind_text(both[k], 3, (const char *)sqlite3_column_text(st, 1), -1,
                                  SQLITE_TRANSIENT);
                if (k == 0)
                    sqlite3_bind_int64(up, 4, -c);
                if (sqlite3_step(both[k]) != SQLITE_DONE)
                    die_sqlite(db, "updating a count");
                sqlite3_reset(both[k]);
            }
        }
        sqlite3_finalize(st);
        sqlite3_finalize(up);
        sqlite3_finalize(zero);
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
    /* The engine's oldest_expiry(after = at): the first bucket ending later that still counts
     * records, and the earliest expiry after `at` in it. */
    snprintf(sql, sizeof(sql),
             "SELECT b.no FROM buckets b WHERE b.no != 1 AND b.end > %" PRId64
             " AND EXISTS (SELECT 1 FROM bucket_counts c WHERE c.bucket = b.no AND c.n > 0) "
             "ORDER BY b.start LIMIT 1",
             at);
    prepare_or_die(db, sql, &st);
    int64_t oldest = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (oldest) {
        snprintf(sql, sizeof(sql), "SELECT min(expiry) FROM r_%" PRId64 " WHERE expiry > %" PRId64,
                 oldest, at);
        raw_exec(db, sql);
    }
    snprintf(sql, sizeof(sql),
             "INSERT INTO receipts(at, body) VALUES(%" PRId64
             ", '{\"kind\":\"purge\",\"replica\":true,\"total\":%" PRIu64 "}')",
             at, removed);
    raw_exec(db, sql);
    raw_exec(kdb, "COMMIT"); /* nothing written: no I/O */
    raw_exec(db, "COMMIT");
    /* After the commit: the doomed buckets' keys (engine.c, keys.c), then their rows. */
    double tk = now_s();
    if (n_doomed) {
        prepare_or_die(db, "SELECT no FROM doomed_keys ORDER BY no", &st);
        while (sqlite3_step(st) == SQLITE_ROW)
            ;
        sqlite3_finalize(st);
        raw_exec(kdb, "BEGIN IMMEDIATE");
        prepare_or_die(kdb, "DELETE FROM bucket_keys WHERE no = ?1", &st);
        for (size_t i = 0; i < n_doomed; i++) {
            sqlite3_bind_int64(st, 1, doomed[i]);
            if (sqlite3_step(st) != SQLITE_DONE)
                die_sqlite(kdb, "destroying a bucket key");
            if (sqlite3_changes(kdb) != 1)
                die("replica: bucket %" PRId64 " has no key in %s", doomed[i], kpath);
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
        raw_exec(kdb, "COMMIT");
        raw_exec(kdb, "PRAGMA wal_checkpoint(TRUNCATE)");
        raw_exec(db, "BEGIN IMMEDIATE");
        prepare_or_die(db, "DELETE FROM doomed_keys WHERE no = ?1", &st);
        for (size_t i = 0; i < n_doomed; i++) {
            sqlite3_bind_int64(st, 1, doomed[i]);
            if (sqlite3_step(st) != SQLITE_DONE)
                die_sqlite(db, "forgetting a doomed key");
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
        raw_exec(db, "COMMIT");
    }
    /* The engine looks once more and finds nothing left. */
    prepare_or_die(db, "SELECT no FROM doomed_keys ORDER BY no", &st);
    if (sqlite3_step(st) == SQLITE_ROW)
        die("replica: doomed_keys is not empty after the purge");
    sqlite3_finalize(st);
    double end_t = now_s();
    *out_keys_s = end_t - tk;
    t = end_t - t;
    free(doomed);
    sqlite3_close(kdb);
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
    struct seq s = {cfg.per_record, cfg.per_record, 1};
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

struct batched {
    double kluis_s, raw_s, links_s;
    double min_ratio, max_ratio; /* of the rounds' kluis rate / raw rate */
};

/*
 * The main stores: kluis_record_put_batch() against raw inserts in transactions of the same size
 * (and raw inserts with a link index too), in ROUNDS rounds of whole batches, the order of the
 * three rotating from round to round, so that drift in the disk's speed hits all alike.
 */
static void ingest_batched(const struct seq *s, const char *kpath, const char *rpath,
                           struct batched *b)
{
    char lpath[600];
    path_in_dir(lpath, sizeof(lpath), "raw-links.db");
    struct kluis_writer kw;
    struct raw_writer rw, lw;
    kluis_writer_open(&kw, kpath, s->quantum);
    raw_writer_open(&rw, rpath, false);
    raw_writer_open(&lw, lpath, true);
    *b = (struct batched){.min_ratio = 1e30};
    uint64_t batches = (s->n_total + s->quantum - 1) / s->quantum;
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t from = batches * (uint64_t)round / ROUNDS * s->quantum;
        uint64_t to = batches * (uint64_t)(round + 1) / ROUNDS * s->quantum;
        if (to > s->n_total)
            to = s->n_total;
        double t[3] = {0};
        for (int k = 0; k < 3; k++) {
            int side = (k + round) % 3;
            double t0 = now_s();
            if (side == 0)
                kluis_insert(&kw, s, from, to);
            else
                raw_insert(side == 1 ? &rw : &lw, s, from, to, s->quantum);
            t[side] = now_s() - t0;
        }
        b->kluis_s += t[0];
        b->raw_s += t[1];
        b->links_s += t[2];
        if (t[1] / t[0] < b->min_ratio)
            b->min_ratio = t[1] / t[0];
        if (t[1] / t[0] > b->max_ratio)
            b->max_ratio = t[1] / t[0];
        progress("  round %d of %d: kluis %.1f s, raw %.1f s, raw with links %.1f s", round + 1,
                 ROUNDS, t[0], t[1], t[2]);
    }
    kluis_writer_close(&kw);
    raw_writer_close(&rw);
    raw_writer_close(&lw);
    remove_db(lpath);
}

/* ---- The OS page cache ------------------------------------------------------------------- */

/* Flushes a closed database file and drops its pages from the OS page cache. */
static void cache_drop(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("cannot open %s: %s", path, strerror(errno));
    if (fdatasync(fd) != 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
        die("cannot drop %s from the page cache: %s", path, strerror(errno));
    close(fd);
}

/* The fraction of a file's pages in the OS page cache. */
static double cache_resident(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("cannot open %s: %s", path, strerror(errno));
    size_t len = (size_t)file_size(path), page = (size_t)sysconf(_SC_PAGESIZE);
    double frac = 0;
    void *map = len ? mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    unsigned char *vec = malloc((len + page - 1) / page + 1);
    if (map != MAP_FAILED && vec && mincore(map, len, vec) == 0) {
        size_t in = 0, n = (len + page - 1) / page;
        for (size_t i = 0; i < n; i++)
            in += vec[i] & 1;
        frac = n ? (double)in / (double)n : 0;
    }
    free(vec);
    if (map != MAP_FAILED)
        munmap(map, len);
    close(fd);
    return frac;
}

/* Reads a whole file, so that it sits in the OS page cache (as far as memory allows). */
static void cache_warm(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("cannot open %s: %s", path, strerror(errno));
    static char buf[1 << 20];
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
    close(fd);
}

/* ---- Measurements on copies --------------------------------------------------------------- */

/* One purge variant on a fresh copy of a store (so that every variant starts from the same
 * file), at two moments. */
enum variant { V_KLUIS, V_REPLICA, V_RAW };

struct how {
    enum variant v;
    const char *mode; /* replica: secure_delete for the drops; raw: for the DELETE (NULL: on) */
    bool mmap;        /* replica: map the whole file */
    bool cold;        /* the file dropped from the page cache before each purge */
};

struct purge_run {
    double s[2];
    double keys_s[2]; /* replica: of s, the seconds after the commit (keys, doomed_keys rows) */
    uint64_t removed[2];
};

static void purge_on_copy(const char *src, const char *name, struct how how, int64_t at1,
                          int64_t at2, struct purge_run *out)
{
    char path[600];
    path_in_dir(path, sizeof(path), name);
    copy_db(src, path);
    int64_t at[2] = {at1, at2};
    for (int k = 0; k < 2; k++) {
        if (how.cold)
            cache_drop(path);
        if (how.v == V_KLUIS)
            out->s[k] = kluis_purge_at(path, at[k], &out->removed[k]);
        else if (how.v == V_REPLICA)
            out->s[k] =
                replica_purge(path, at[k], how.mode, how.mmap, &out->removed[k], &out->keys_s[k]);
        else
            out->s[k] = raw_purge(path, at[k], how.mode, &out->removed[k]);
    }
    remove_db_unless_kept(path);
}

#define FLAT_SAMPLES 3

/* Indexes of the flatness measurements: [kind][cache][sample]. */
enum { F_DROP, F_TRIM };
enum { F_WARM, F_COLD };

struct flat_result {
    uint64_t live;
    double resident[2]; /* fraction of the kluis, raw file in the page cache when warmed */
    double kluis[2][2][FLAT_SAMPLES], raw[2][2][FLAT_SAMPLES];
    uint64_t removed[2][2][FLAT_SAMPLES];
    double kluis_med[2][2], raw_med[2][2];
};

/* The moment of flatness purge k of a kind and cache state (see flat_purges). */
static int64_t flat_at(int kind, int cache, int k)
{
    int64_t e0 = T0 + (int64_t)cfg.days * DAY;
    int step = cache * FLAT_SAMPLES + k + 1; /* 1..6 */
    if (kind == F_DROP)
        return e0 + step * DAY;
    return e0 + 2 * FLAT_SAMPLES * DAY + step * (DAY / 8);
}

/*
 * The flatness purges, on stores whose first BASE_DAYS (7) expiry days hold only base records:
 * at the end of each of days 1..6 (a whole day bucket dropped each time), then every three hours
 * of day 7 (an eighth of a day trimmed row by row each time). The first three of each kind run
 * on a warm page cache (the file read just before), the next three on a cold one (the file
 * dropped from the cache just before). The raw DELETE runs at the same moments.
 */
static void flat_purges(const char *kpath, const char *rpath, struct flat_result *f)
{
    cache_warm(kpath);
    f->resident[0] = cache_resident(kpath);
    if (rpath) {
        cache_warm(rpath);
        f->resident[1] = cache_resident(rpath);
    }
    for (int kind = 0; kind < 2; kind++) {
        for (int cache = 0; cache < 2; cache++) {
            for (int k = 0; k < FLAT_SAMPLES; k++) {
                int64_t at = flat_at(kind, cache, k);
                uint64_t *n = &f->removed[kind][cache][k], rn;
                if (cache == F_WARM)
                    cache_warm(kpath);
                else
                    cache_drop(kpath);
                f->kluis[kind][cache][k] = kluis_purge_at(kpath, at, n);
                if (!rpath)
                    continue;
                if (cache == F_WARM)
                    cache_warm(rpath);
                else
                    cache_drop(rpath);
                f->raw[kind][cache][k] = raw_purge(rpath, at, NULL, &rn);
                if (rn != *n)
                    die("flat: kluis removed %" PRIu64 ", raw %" PRIu64, *n, rn);
            }
            double v[FLAT_SAMPLES];
            memcpy(v, f->kluis[kind][cache], sizeof(v));
            f->kluis_med[kind][cache] = median(v, FLAT_SAMPLES);
            memcpy(v, f->raw[kind][cache], sizeof(v));
            f->raw_med[kind][cache] = median(v, FLAT_SAMPLES);
        }
    }
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
            "  --days D         days over which expiries are spread, 9..127 (default 30)\n"
            "  --value-bytes B  bytes of each record's value (default 150)\n"
            "  --batch K        records per transaction where batching is possible (default "
            "10000)\n"
            "  --samples S      runs of kluis_purge and of the raw DELETE, 1..9 (default 2)\n"
            "  --no-flat-raw    skip the raw DELETE on the flatness stores (saves building a raw "
            "table of --large rows)\n"
            "  --dir PATH       where the databases go (default: a new directory under /tmp)\n"
            "  --keep           keep the databases\n"
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
    /* A batch is written at one moment of the engine's clock: by default at most an hour's
     * worth of records, so that expiries stay spread over the day. */
    if (cfg.batch == 0) {
        uint64_t hourly = cfg.records / ((uint64_t)cfg.days * 24);
        cfg.batch = hourly < 1 ? 1 : hourly > KLUIS_BATCH_MAX ? KLUIS_BATCH_MAX : hourly;
    }
    if (cfg.batch > KLUIS_BATCH_MAX)
        die("--batch: at most %d (KLUIS_BATCH_MAX)", KLUIS_BATCH_MAX);
    if (cfg.value_bytes == 0 || cfg.value_bytes > 65536)
        die("--value-bytes: 1 to 65536");
    uint64_t limit = (uint64_t)1 << 31;
    if (cfg.records >= limit || cfg.large >= limit)
        die("--records/--large: below 2^31");
}

/* A row of the purge table: a label, its runs (median taken), the raw baseline's time. */
static void purge_row(const char *label, const double *s, const uint64_t *removed, int n,
                      double raw_s, const double *keys_s)
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
    if (keys_s)
        snprintf(runs, sizeof(runs), "  after commit %.3f s", *keys_s);
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
    struct seq main_seq = {n, n, cfg.batch};
    char kpath[600], rpath[600];
    path_in_dir(kpath, sizeof(kpath), "kluis-main.db");
    path_in_dir(rpath, sizeof(rpath), "raw-main.db");
    progress("ingest: %" PRIu64 " records through kluis_record_put_batch and raw inserts, %" PRIu64
             " per transaction, in %d rotating rounds",
             n, cfg.batch, ROUNDS);
    struct batched bi;
    ingest_batched(&main_seq, kpath, rpath, &bi);
    double kluis_batched = (double)n / bi.kluis_s, raw_batched = (double)n / bi.raw_s;
    double raw_batched_links = (double)n / bi.links_s;
    kluis_check_record(kpath, &main_seq);
    uint64_t kluis_bytes = file_size(kpath), raw_bytes = file_size(rpath);

    /* ---- Purge half, each variant on a fresh copy of the same file ---- */
    const int64_t half_at = e0 + (int64_t)(cfg.days / 2) * DAY; /* 00:00 UTC */
    const int64_t noon_at = half_at + DAY / 2;                  /* 12:00 UTC the day after */
    struct purge_run kl[9], raw_on[9], rep_on, rep_off, rep_fast, rep_mmap, raw_off, kl_cold,
        raw_cold;
    for (int k = 0; k < ns; k++) {
        progress("purge: kluis_purge at 00:00 UTC, then 12:00 UTC the day after (run %d)", k + 1);
        purge_on_copy(kpath, "kluis-purge.db", (struct how){.v = V_KLUIS}, half_at, noon_at,
                      &kl[k]);
        progress("purge: raw DELETE, secure_delete on (run %d)", k + 1);
        purge_on_copy(rpath, "raw-purge.db", (struct how){.v = V_RAW}, half_at, noon_at,
                      &raw_on[k]);
        if (k > 0)
            continue;
        progress("purge: kluis_purge replayed: drops with secure_delete off, on, fast; whole "
                 "file mapped");
        purge_on_copy(kpath, "kluis-off.db", (struct how){.v = V_REPLICA, .mode = "OFF"}, half_at,
                      noon_at, &rep_off);
        purge_on_copy(kpath, "kluis-on.db", (struct how){.v = V_REPLICA, .mode = "ON"}, half_at,
                      noon_at, &rep_on);
        purge_on_copy(kpath, "kluis-fast.db", (struct how){.v = V_REPLICA, .mode = "FAST"}, half_at,
                      noon_at, &rep_fast);
        purge_on_copy(kpath, "kluis-mmap.db",
                      (struct how){.v = V_REPLICA, .mode = "OFF", .mmap = true}, half_at, noon_at,
                      &rep_mmap);
        progress("purge: kluis_purge and raw DELETE on a cold page cache");
        purge_on_copy(kpath, "kluis-cold.db", (struct how){.v = V_KLUIS, .cold = true}, half_at,
                      noon_at, &kl_cold);
        purge_on_copy(rpath, "raw-cold.db", (struct how){.v = V_RAW, .cold = true}, half_at,
                      noon_at, &raw_cold);
        progress("purge: raw DELETE, secure_delete off");
        purge_on_copy(rpath, "raw-off.db", (struct how){.v = V_RAW, .mode = "OFF"}, half_at,
                      noon_at, &raw_off);
    }
    for (int k = 0; k < ns; k++) {
        const struct purge_run *x[] = {&kl[k],    &rep_on,  &rep_off, &rep_fast,
                                       &rep_mmap, &raw_off, &kl_cold, &raw_cold};
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
        struct seq big = {n, cfg.large, cfg.batch};
        char kbig[600], rbig[600];
        path_in_dir(kbig, sizeof(kbig), "kluis-large.db");
        path_in_dir(rbig, sizeof(rbig), "raw-large.db");
        progress("flat: building the %" PRIu64 "-record kluis store", cfg.large);
        large_build = kluis_build(kbig, &big);
        if (cfg.flat_raw) {
            progress("flat: building the %" PRIu64 "-row raw table", cfg.large);
            large_raw_build = raw_build(rbig, &big, cfg.batch, false);
        }
        progress("flat: purges on the %" PRIu64 "-record store", cfg.large);
        flat_purges(kbig, cfg.flat_raw ? rbig : NULL, &fl);
        remove_db_unless_kept(kbig);
        remove_db_unless_kept(rbig);
        if (memcmp(fl.removed, fs.removed, sizeof(fs.removed)) != 0)
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
    printf("expiry  one category, retention %dd; the engine clock moves across %d days while "
           "writing, one step\n"
           "        per batch of %" PRIu64 " (%.1f h), so expiries are spread over the %d days "
           "after: one day bucket\n"
           "        per day\n",
           cfg.days, cfg.days, cfg.batch, (double)cfg.batch * cfg.days * 24 / (double)n, cfg.days);
    printf("store   %s; both sides: WAL, synchronous=FULL, mmap_size 256 MiB\n", cfg.dir);
    printf("files   kluis %.0f MB (%.0f B/record), raw %.0f MB (%.0f B/row), after ingest\n\n",
           (double)kluis_bytes / 1e6, (double)kluis_bytes / (double)n, (double)raw_bytes / 1e6,
           (double)raw_bytes / (double)n);

    printf("INGEST                                                       rate      vs raw\n");
    char label[64];
    snprintf(label, sizeof(label), "kluis_record_put_batch, %" PRIu64 " per batch", cfg.batch);
    printf("  %-46s N=%-9" PRIu64 " %8s rec/s   %.2fx (rounds %.2f..%.2f)\n", label, n,
           human(kluis_batched, buf[0], sizeof(buf[0])), kluis_batched / raw_batched, bi.min_ratio,
           bi.max_ratio);
    snprintf(label, sizeof(label), "raw INSERT, %" PRIu64 " per transaction", cfg.batch);
    printf("  %-46s N=%-9" PRIu64 " %8s rows/s\n", label, n,
           human(raw_batched, buf[0], sizeof(buf[0])));
    snprintf(label, sizeof(label), "raw INSERT, %" PRIu64 " per transaction, +links", cfg.batch);
    printf("  %-46s N=%-9" PRIu64 " %8s rows/s  (and an index on (tenant, links))\n", label, n,
           human(raw_batched_links, buf[0], sizeof(buf[0])));
    if (cfg.per_record) {
        snprintf(label, sizeof(label), "kluis_record_put, 1 per transaction");
        printf("  %-46s N=%-9" PRIu64 " %8s rec/s   %.2fx (rounds %.2f..%.2f)\n", label,
               cfg.per_record, human(pr_kluis, buf[0], sizeof(buf[0])), pr_kluis / pr_raw,
               pr.min_ratio, pr.max_ratio);
        snprintf(label, sizeof(label), "raw INSERT, 1 per transaction");
        printf("  %-46s N=%-9" PRIu64 " %8s rows/s\n", label, cfg.per_record,
               human(pr_raw, buf[0], sizeof(buf[0])));
    }
    printf("\n");

    printf("PURGE   N=%" PRIu64 ". Every variant runs on a fresh copy of the same files. kluis "
           "drops each expired\n"
           "        bucket's tables with secure_delete off and notes it in doomed_keys; after the "
           "commit it destroys\n"
           "        those buckets' keys in the key store (secure_delete on, WAL truncated) and "
           "deletes the doomed_keys\n"
           "        rows. 'replica' replays all of it with plain SQLite (the key destruction on "
           "the copied key store,\n"
           "        'after commit': its share of the time), the drops under the given "
           "setting.\n",
           n);
    printf("                                              removed     time       rate   vs raw "
           "DELETE (on)\n");
    double med_k[2], med_r[2];
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
        med_r[h] = median(v, ns);
        memcpy(v, ks, sizeof(v));
        med_k[h] = median(v, ns);
        purge_row("kluis_purge", ks, kn, ns, med_r[h], NULL);
        purge_row("replica, drops secure_delete=off", &rep_off.s[h], &rep_off.removed[h], 1,
                  med_r[h], &rep_off.keys_s[h]);
        purge_row("replica, drops secure_delete=on", &rep_on.s[h], &rep_on.removed[h], 1, med_r[h],
                  &rep_on.keys_s[h]);
        purge_row("replica, drops secure_delete=fast", &rep_fast.s[h], &rep_fast.removed[h], 1,
                  med_r[h], &rep_fast.keys_s[h]);
        purge_row("replica, drops off, whole file mapped", &rep_mmap.s[h], &rep_mmap.removed[h], 1,
                  med_r[h], &rep_mmap.keys_s[h]);
        purge_row("raw DELETE, secure_delete=on", rs, rn, ns, med_r[h], NULL);
        purge_row("raw DELETE, secure_delete=off", &raw_off.s[h], &raw_off.removed[h], 1, med_r[h],
                  NULL);
        purge_row("kluis_purge, cold page cache", &kl_cold.s[h], &kl_cold.removed[h], 1, med_r[h],
                  NULL);
        purge_row("raw DELETE (on), cold page cache", &raw_cold.s[h], &raw_cold.removed[h], 1,
                  med_r[h], NULL);
    }
    printf("\n");

    double fl_ratio[2][2] = {{0}};
    if (cfg.large) {
        printf("FLAT    the same records expire in both stores (the larger store's extra records "
               "expire on days %d-%d):\n"
               "        expiry days 1-6 dropped at their ends (one day bucket each), then day 7 "
               "trimmed every\n"
               "        3 hours. Warm: the file read into the page cache just before each purge;"
               " cold: dropped\n"
               "        from it (fdatasync + POSIX_FADV_DONTNEED). Medians of three purges.\n",
               BASE_DAYS + 1, cfg.days);
        printf("                     live   removed   kluis warm   kluis cold     raw warm     "
               "raw cold\n");
        const struct flat_result *fr[2] = {&fs, &fl};
        for (int kind = 0; kind < 2; kind++) {
            for (int k = 0; k < 2; k++) {
                printf("  %-13s %10" PRIu64 " %9" PRIu64 " %10.4f s %10.4f s",
                       kind == F_DROP ? "day boundary" : "eighth trim", fr[k]->live,
                       fr[k]->removed[kind][F_WARM][1], fr[k]->kluis_med[kind][F_WARM],
                       fr[k]->kluis_med[kind][F_COLD]);
                if (cfg.flat_raw)
                    printf(" %10.4f s %10.4f s", fr[k]->raw_med[kind][F_WARM],
                           fr[k]->raw_med[kind][F_COLD]);
                printf("\n");
            }
            for (int c = 0; c < 2; c++)
                fl_ratio[kind][c] = fl.kluis_med[kind][c] / fs.kluis_med[kind][c];
        }
        printf("  page cache after warming: kluis %.0f%% / %.0f%% of the file, raw %.0f%% / "
               "%.0f%%\n",
               100 * fs.resident[0], 100 * fl.resident[0], 100 * fs.resident[1],
               100 * fl.resident[1]);
        printf("  the %" PRIu64 "-record store was built in %.0f s through kluis_record_put_batch "
               "(%s rec/s)",
               cfg.large, large_build, human((double)cfg.large / large_build, buf[0], 32));
        if (cfg.flat_raw)
            printf(", the raw table in %.0f s (%s rows/s)", large_raw_build,
                   human((double)cfg.large / large_raw_build, buf[0], 32));
        printf("\n\n");
    }

    double half_n = (double)kl[0].removed[0], noon_n = (double)kl[0].removed[1];
    printf("SUMMARY\n");
    printf("ingest  kluis %s rec/s  raw %s rows/s  ratio %.2fx (kluis_record_put_batch vs raw "
           "inserts, %" PRIu64 " per transaction, N=%" PRIu64 "; goal >= 0.8x)\n",
           human(kluis_batched, buf[0], 32), human(raw_batched, buf[1], 32),
           kluis_batched / raw_batched, cfg.batch, n);
    if (cfg.per_record)
        printf("ingest  kluis %s rec/s  raw %s rows/s  ratio %.2fx (kluis_record_put vs "
               "single-row transactions, N=%" PRIu64 ")\n",
               human(pr_kluis, buf[0], 32), human(pr_raw, buf[1], 32), pr_kluis / pr_raw,
               cfg.per_record);
    printf("purge   kluis %s rec/s  raw %s rows/s  ratio %.1fx faster (half of %" PRIu64
           ", day boundary, raw DELETE with secure_delete=on; goal >= 40x)\n",
           human(half_n / med_k[0], buf[0], 32), human(half_n / med_r[0], buf[1], 32),
           med_r[0] / med_k[0], n);
    printf("purge   kluis %s rec/s  raw %s rows/s  ratio %.1fx faster (the same, both on a cold "
           "page cache)\n",
           human(half_n / kl_cold.s[0], buf[0], 32), human(half_n / raw_cold.s[0], buf[1], 32),
           raw_cold.s[0] / kl_cold.s[0]);
    printf("purge   kluis %s rec/s  raw %s rows/s  ratio %.1fx faster (the same, raw DELETE with "
           "secure_delete=off)\n",
           human(half_n / med_k[0], buf[0], 32), human(half_n / raw_off.s[0], buf[1], 32),
           raw_off.s[0] / med_k[0]);
    printf("purge   kluis %s rec/s  raw %s rows/s  ratio %.1fx faster (noon, trimming the bucket "
           "expiring then)\n",
           human(noon_n / med_k[1], buf[0], 32), human(noon_n / med_r[1], buf[1], 32),
           med_r[1] / med_k[1]);
    if (cfg.large) {
        for (int c = 0; c < 2; c++)
            printf("flat    %s: %.4f s  %s: %.4f s  ratio %.2f (one day, %" PRIu64
                   " records dropped, %s page cache; eighth-day trim ratio %.2f)\n",
                   short_count(n, buf[0], 32), fs.kluis_med[F_DROP][c],
                   short_count(cfg.large, buf[1], 32), fl.kluis_med[F_DROP][c], fl_ratio[F_DROP][c],
                   fs.removed[F_DROP][c][1], c == F_WARM ? "warm" : "cold", fl_ratio[F_TRIM][c]);
    }

    if (!cfg.keep && cfg.own_dir)
        rmdir(cfg.dir);
    else if (cfg.keep)
        printf("\ndatabases kept in %s\n", cfg.dir);
    kluis_policy_free(policy);
    return 0;
}
