/*
 * Kill a `kluis purge` with SIGKILL at many moments during a large purge. After each kill the
 * store must be consistent: the purge happened entirely or not at all (one transaction), every
 * record that was not due is still there, the per-bucket counts agree with the rows, and a
 * receipt exists exactly for the purge that completed. Then a purge that is left alone finishes
 * the work. TAP output.
 *
 * Usage: test_crash_purge KLUIS_BINARY [RECORDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kluis/kluis.h"

extern char **environ;

#define DAY 86400

static int n_test;
static int n_fail;

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%sok %d - ", cond ? "" : "not ", ++n_test);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    if (!cond)
        n_fail++;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Rows in every bucket table, counted directly, and the sum of the stored counts. */
static void inspect(const char *path, int64_t now, int64_t *out_due, int64_t *out_live,
                    int64_t *out_counted, int64_t *out_receipts)
{
    sqlite3 *db;
    *out_due = *out_live = *out_counted = *out_receipts = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return;
    sqlite3_stmt *st;
    int64_t due = 0, live = 0;
    if (sqlite3_prepare_v2(db, "SELECT no FROM buckets", -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            char sql[200];
            int64_t no = sqlite3_column_int64(st, 0);
            snprintf(sql, sizeof(sql),
                     "SELECT count(*) FROM sqlite_master WHERE name='r_%" PRId64 "'", no);
            if (query_int(db, sql) != 1)
                continue;
            snprintf(sql, sizeof(sql),
                     "SELECT count(*) FROM r_%" PRId64 " WHERE expiry <= %" PRId64, no, now);
            due += query_int(db, sql);
            snprintf(sql, sizeof(sql), "SELECT count(*) FROM r_%" PRId64 " WHERE expiry > %" PRId64,
                     no, now);
            live += query_int(db, sql);
        }
    }
    sqlite3_finalize(st);
    *out_due = due;
    *out_live = live;
    *out_counted = query_int(db, "SELECT coalesce(sum(n), 0) FROM bucket_counts");
    *out_receipts = query_int(db, "SELECT count(*) FROM receipts");
    sqlite3_close(db);
}

static char keys_path[600];

static int run_purge(const char *kluis, const char *db_url, const char *policy, const char *now,
                     int kill_after_us)
{
    char *argv[] = {(char *)kluis, "purge",        "--db",  (char *)db_url,
                    "--policy",    (char *)policy, "--now", (char *)now,
                    "--keys",      keys_path,      NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, kluis, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    if (kill_after_us >= 0) {
        usleep((useconds_t)kill_after_us);
        kill(pid, SIGKILL);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_crash_purge KLUIS_BINARY [RECORDS]\n");
        return 2;
    }
    const char *kluis = argv[1];
    long records = argc > 2 ? atol(argv[2]) : 200000;
    char dir[] = "/tmp/kluis-crash-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[512], url[600], policy[512];
    snprintf(path, sizeof(path), "%s/store.db", dir);
    snprintf(url, sizeof(url), "sqlite:%s", path);
    snprintf(policy, sizeof(policy), "%s/policy.yaml", dir);
    FILE *pf = fopen(policy, "w");
    fputs("kluis: 1\n"
          "organisation:\n"
          "  name: T B.V.\n"
          "  address: Straat 1\n"
          "  country: NL\n"
          "  contact: {email: a@b.example}\n"
          "  dpo: {appointed: false, reason: {nl: n, en: e}}\n"
          "categories:\n"
          "  - {id: mail, name: {nl: M, en: M}, role: processor, retention: 30d}\n"
          "purposes:\n"
          "  - {id: service, name: {nl: S, en: S}, role: processor, categories: [mail]}\n",
          pf);
    fclose(pf);

    /* Records with deadlines spread over 20 days, written in batches through the backend. */
    int64_t t0 = 1793520000; /* 2026-11-01T00:00:00Z */
    struct kluis_store *s = NULL;
    struct kluis_keys *keys = NULL;
    snprintf(keys_path, sizeof(keys_path), "%s/store.keys", dir);
    if (kluis_keys_open(keys_path, &keys, NULL) != KLUIS_OK ||
        kluis_store_open(url, kluis_keys_keyring(keys), &s, NULL) != KLUIS_OK) {
        fprintf(stderr, "cannot create the store\n");
        return 1;
    }
    const struct kluis_store_backend *be = kluis_store_backend(s);
    void *obj = kluis_store_obj(s);
    char value[160];
    memset(value, 'x', sizeof(value));
    kluis_rc rc = KLUIS_OK;
    for (long i = 0; i < records && rc == KLUIS_OK; i++) {
        if (i % 10000 == 0 && (rc = be->begin(obj, NULL)) != KLUIS_OK)
            break;
        struct kluis_record_row r = {
            .tenant = i % 3 ? "acme" : "globex",
            .has_subject = true,
            .category = "mail",
            .key_class = "default",
            .links = "",
            .created = t0,
            .expiry = t0 + (int64_t)(i % 20) * DAY + (i % 997) * 60 + 1,
            .value = value,
            .value_len = sizeof(value),
        };
        memset(r.subject.hash, (int)(i & 0xff), 32);
        uint64_t id;
        rc = be->record_insert(obj, &r, &id, NULL);
        if (rc == KLUIS_OK && (i % 10000 == 9999 || i == records - 1))
            rc = be->commit(obj, NULL);
    }
    kluis_store_close(s);
    kluis_keys_close(keys);
    ok(rc == KLUIS_OK, "created a store of %ld records", records);

    /* Purge at day 10: half the records are due. */
    int64_t now = t0 + 10 * DAY;
    char now_s[32];
    kluis_time_format(now, now_s, sizeof(now_s));
    int64_t due0, live0, counted0, receipts0;
    inspect(path, now, &due0, &live0, &counted0, &receipts0);
    ok(due0 > 0 && live0 > 0 && counted0 == due0 + live0,
       "before: %" PRId64 " due, %" PRId64 " live, counts agree", due0, live0);

    /* Kill at increasing moments; every state seen must be all-or-nothing. */
    int completed = 0;
    int64_t receipts_expected = receipts0;
    for (int k = 0; k < 12 && !completed; k++) {
        int delay = 2000 + k * 15000;
        int status = run_purge(kluis, url, policy, now_s, delay);
        int64_t due, live, counted, receipts;
        inspect(path, now, &due, &live, &counted, &receipts);
        bool none = due == due0;
        bool all = due == 0;
        if (all && status == 0)
            completed = 1;
        if (all)
            receipts_expected = receipts0 + 1;
        ok((none || all) && live == live0 && counted == due + live && receipts == receipts_expected,
           "kill after %d us (status %d): %s, %" PRId64 " live kept, counts agree, %" PRId64
           " receipt(s)",
           delay, status,
           all    ? "purged entirely"
           : none ? "not purged"
                  : "HALF PURGED",
           live, receipts);
        if (all)
            completed = 1;
    }
    int status = run_purge(kluis, url, policy, now_s, -1);
    int64_t due, live, counted, receipts;
    inspect(path, now, &due, &live, &counted, &receipts);
    ok(status == 0 && due == 0 && live == live0 && counted == live,
       "a purge left alone completes: 0 due, %" PRId64 " live", live);

    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "# could not remove %s\n", dir);
    printf("1..%d\n", n_test);
    return n_fail ? 1 : 0;
}
