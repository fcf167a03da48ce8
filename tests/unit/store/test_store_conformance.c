/*
 * The backend conformance suite: one set of tests that every store backend must pass. It runs
 * against each backend this build has (SQLite now; PostgreSQL when it exists), through the
 * backend table only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kluis/kluis.h"

#define DAY 86400
#define T0  1795000000 /* 2026-11-18T… */

struct fixture {
    char path[256];
    struct kluis_store *store;
    struct kluis_keys *keys; /* the keys come from a real key store beside the file */
    const struct kluis_store_backend *be;
    void *obj;
};

static const struct kluis_store_backend *backend_under_test;

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->path, sizeof(f->path), "/tmp/kluis-conformance-%d-%p.db", (int)getpid(), (void *)f);
    struct kluis_err err = {0};
    char kpath[300];
    snprintf(kpath, sizeof(kpath), "%s.keys", f->path);
    unlink(kpath);
    if (kluis_keys_open(kpath, &f->keys, &err) != KLUIS_OK) {
        fprintf(stderr, "# keys: %s\n", err.message);
        return -1;
    }
    if (kluis_store_open_backend(backend_under_test, f->path, kluis_keys_keyring(f->keys),
                                 &f->store, &err) != KLUIS_OK) {
        fprintf(stderr, "# open: %s\n", err.message);
        return -1;
    }
    f->be = kluis_store_backend(f->store);
    f->obj = kluis_store_obj(f->store);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    kluis_store_close(f->store);
    kluis_keys_close(f->keys);
    const char *suffixes[] = {"", "-wal", "-shm", ".keys", ".keys-wal", ".keys-shm"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char p[300];
        snprintf(p, sizeof(p), "%s%s", f->path, suffixes[i]);
        unlink(p);
    }
    free(f);
    return 0;
}

static void begin(struct fixture *f)
{
    assert_int_equal(f->be->begin(f->obj, NULL), KLUIS_OK);
}

static void commit(struct fixture *f)
{
    assert_int_equal(f->be->commit(f->obj, NULL), KLUIS_OK);
}

static uint64_t put(struct fixture *f, const char *tenant, uint8_t subject, const char *category,
                    const char *links, int64_t created, int64_t expiry, const char *value)
{
    struct kluis_record_row r = {
        .tenant = tenant,
        .has_subject = true,
        .category = category,
        .key_class = "default",
        .links = links,
        .created = created,
        .expiry = expiry,
        .value = value,
        .value_len = strlen(value),
    };
    memset(r.subject.hash, subject, 32);
    uint64_t id = 0;
    assert_int_equal(f->be->record_insert(f->obj, &r, &id, NULL), KLUIS_OK);
    return id;
}

struct got {
    int n;
    char value[64];
    int64_t expiry;
    char category[32];
};

static int got_cb(void *ctx, const struct kluis_record_row *r)
{
    struct got *g = ctx;
    g->n++;
    snprintf(g->value, sizeof(g->value), "%.*s", (int)r->value_len, (const char *)r->value);
    snprintf(g->category, sizeof(g->category), "%s", r->category);
    g->expiry = r->expiry;
    return 0;
}

static kluis_rc get(struct fixture *f, const char *tenant, uint64_t id, struct got *g)
{
    memset(g, 0, sizeof(*g));
    return f->be->record_get(f->obj, tenant, id, got_cb, g, NULL);
}

static void test_insert_get_and_tenant_isolation(void **state)
{
    struct fixture *f = *state;
    begin(f);
    uint64_t a = put(f, "acme", 1, "mail", "", T0, T0 + 7 * DAY, "hello");
    uint64_t b = put(f, "globex", 1, "mail", "", T0, T0 + 7 * DAY, "other");
    commit(f);
    assert_int_not_equal(a, b);
    struct got g;
    assert_int_equal(get(f, "acme", a, &g), KLUIS_OK);
    assert_string_equal(g.value, "hello");
    /* Another tenant's id answers exactly like an id that does not exist. */
    assert_int_equal(get(f, "acme", b, &g), KLUIS_ENOTFOUND);
    assert_int_equal(get(f, "acme", 999999999999ull, &g), KLUIS_ENOTFOUND);
    assert_int_equal(get(f, "acme", 0, &g), KLUIS_ENOTFOUND);
}

static void test_retain_moves_and_keeps_id(void **state)
{
    struct fixture *f = *state;
    begin(f);
    uint64_t id = put(f, "acme", 2, "drafts", "draft=9\n", T0, INT64_MAX, "draft text");
    commit(f);
    begin(f);
    assert_int_equal(f->be->record_retain(f->obj, "acme", id, T0 + 30 * DAY, 0, false, NULL),
                     KLUIS_OK);
    commit(f);
    struct got g;
    assert_int_equal(get(f, "acme", id, &g), KLUIS_OK);
    assert_int_equal(g.expiry, T0 + 30 * DAY);
    assert_string_equal(g.value, "draft text");
    /* Moved twice, still the same id, and the other tenant still cannot see it. */
    begin(f);
    assert_int_equal(f->be->record_retain(f->obj, "acme", id, T0 + 400 * DAY, 0, false, NULL),
                     KLUIS_OK);
    commit(f);
    assert_int_equal(get(f, "acme", id, &g), KLUIS_OK);
    assert_int_equal(g.expiry, T0 + 400 * DAY);
    assert_int_equal(get(f, "globex", id, &g), KLUIS_ENOTFOUND);
    begin(f);
    assert_int_equal(f->be->record_retain(f->obj, "globex", id, T0, 0, false, NULL),
                     KLUIS_ENOTFOUND);
    f->be->rollback(f->obj);
}

struct counts {
    uint64_t total;
    int lines;
};

static int count_cb(void *ctx, const struct kluis_purge_count *c)
{
    struct counts *k = ctx;
    k->total += c->removed;
    k->lines++;
    return 0;
}

static void test_purge_removes_exactly_what_expired(void **state)
{
    struct fixture *f = *state;
    begin(f);
    uint64_t ids[40];
    /* Deadlines every 6 hours over 10 days, for two tenants; and one that never expires. */
    for (int i = 0; i < 40; i++)
        ids[i] = put(f, i % 2 ? "acme" : "globex", (uint8_t)i, i % 3 ? "mail" : "chat", "", T0,
                     T0 + (int64_t)(i + 1) * 6 * 3600, "v");
    uint64_t open_id = put(f, "acme", 99, "tokens", "", T0, INT64_MAX, "token");
    commit(f);

    int64_t now = T0 + 5 * DAY + 3 * 3600; /* mid-day: deadlines up to i=20 (6h*21 > 5d3h) */
    struct counts dry = {0}, real = {0};
    begin(f);
    assert_int_equal(f->be->purge(f->obj, now, true, count_cb, &dry, NULL), KLUIS_OK);
    commit(f);
    struct got g;
    assert_int_equal(get(f, "acme", ids[1], &g), KLUIS_OK); /* dry run removed nothing */

    begin(f);
    assert_int_equal(f->be->purge(f->obj, now, false, count_cb, &real, NULL), KLUIS_OK);
    commit(f);
    assert_int_equal(dry.total, real.total);
    uint64_t expect = 0;
    for (int i = 0; i < 40; i++) {
        bool gone = T0 + (int64_t)(i + 1) * 6 * 3600 <= now;
        expect += gone;
        assert_int_equal(get(f, i % 2 ? "acme" : "globex", ids[i], &g),
                         gone ? KLUIS_ENOTFOUND : KLUIS_OK);
    }
    assert_int_equal(real.total, expect);
    assert_int_equal(get(f, "acme", open_id, &g), KLUIS_OK);

    /* A second purge at the same time removes nothing more. */
    struct counts again = {0};
    begin(f);
    assert_int_equal(f->be->purge(f->obj, now, false, count_cb, &again, NULL), KLUIS_OK);
    commit(f);
    assert_int_equal(again.total, 0);

    int64_t oldest = 0;
    assert_int_equal(f->be->oldest_expiry(f->obj, now, &oldest, NULL), KLUIS_OK);
    assert_true(oldest > now);
}

/* ---- Live counts ---- */

struct live_rec {
    const char *tenant;
    const char *category;
    int64_t expiry;
    bool held;
    bool gone; /* deleted */
};

struct live_line {
    char tenant[16];
    char category[16];
    uint64_t n;
};

struct live {
    struct live_line lines[16];
    int n;
    int calls;
    int stop_after; /* 0: never */
};

static int live_cb(void *ctx, const struct kluis_record_count *c)
{
    struct live *l = ctx;
    l->calls++;
    assert_true(l->n < 16);
    /* In order of tenant, then category. */
    if (l->n) {
        const struct live_line *p = &l->lines[l->n - 1];
        int by = strcmp(p->tenant, c->tenant);
        assert_true(by < 0 || (by == 0 && strcmp(p->category, c->category) < 0));
    }
    snprintf(l->lines[l->n].tenant, sizeof(l->lines[0].tenant), "%s", c->tenant);
    snprintf(l->lines[l->n].category, sizeof(l->lines[0].category), "%s", c->category);
    l->lines[l->n++].n = c->n;
    return l->stop_after && l->calls >= l->stop_after;
}

/* Compares records_count at now with a count of recs by hand: expiry after now, or held. */
static void live_matches(struct fixture *f, const struct live_rec *recs, size_t n_recs, int64_t now,
                         const char *tenant)
{
    struct live got = {0};
    assert_int_equal(f->be->records_count(f->obj, now, tenant, live_cb, &got, NULL), KLUIS_OK);
    uint64_t total = 0;
    for (int i = 0; i < got.n; i++) {
        uint64_t want = 0;
        for (size_t k = 0; k < n_recs; k++)
            want += !recs[k].gone && strcmp(recs[k].tenant, got.lines[i].tenant) == 0 &&
                    strcmp(recs[k].category, got.lines[i].category) == 0 &&
                    (recs[k].held || recs[k].expiry > now);
        assert_true(got.lines[i].n > 0);
        assert_int_equal(got.lines[i].n, want);
        if (tenant)
            assert_string_equal(got.lines[i].tenant, tenant);
        total += got.lines[i].n;
    }
    uint64_t want_total = 0;
    for (size_t k = 0; k < n_recs; k++)
        want_total += !recs[k].gone && (!tenant || strcmp(recs[k].tenant, tenant) == 0) &&
                      (recs[k].held || recs[k].expiry > now);
    assert_int_equal(total, want_total);
}

static void test_records_count_live(void **state)
{
    struct fixture *f = *state;
    struct live_rec recs[64];
    uint64_t ids[64];
    size_t n = 0;
    begin(f);
    /* Day buckets: deadlines every 6 hours over 10 days, two tenants, two categories. */
    for (int i = 0; i < 40; i++, n++) {
        recs[n] = (struct live_rec){i % 2 ? "acme" : "globex", i % 3 ? "mail" : "chat",
                                    T0 + (int64_t)(i + 1) * 6 * 3600, false, false};
        ids[n] = put(f, recs[n].tenant, (uint8_t)i, recs[n].category, "", T0, recs[n].expiry, "v");
    }
    /* Wide (32-day) buckets: deadlines a day apart, 200 days on. */
    for (int i = 0; i < 10; i++, n++) {
        recs[n] =
            (struct live_rec){"acme", "invoices", T0 + (200 + i) * (int64_t)DAY, false, false};
        ids[n] = put(f, "acme", (uint8_t)(50 + i), "invoices", "", T0, recs[n].expiry, "v");
    }
    /* The open bucket: waiting for an event; and a held record whose deadline has passed. */
    recs[n] = (struct live_rec){"acme", "tokens", INT64_MAX, false, false};
    ids[n++] = put(f, "acme", 90, "tokens", "", T0, INT64_MAX, "token");
    recs[n] = (struct live_rec){"globex", "mail", T0 + DAY, true, false};
    ids[n] = put(f, "globex", 91, "mail", "", T0, T0 + DAY, "held");
    assert_int_equal(f->be->record_retain(f->obj, "globex", ids[n], T0 + DAY, 0, true, NULL),
                     KLUIS_OK);
    n++;
    /* Counted before the commit, this transaction's records included. */
    live_matches(f, recs, n, T0, NULL);
    commit(f);

    live_matches(f, recs, n, T0, NULL);
    live_matches(f, recs, n, T0 + 5 * DAY + 3 * 3600, NULL); /* mid-day: a bucket half due */
    live_matches(f, recs, n, T0 + 5 * DAY + 3 * 3600, "acme");
    live_matches(f, recs, n, T0 + 203 * DAY + 7 * 3600, NULL); /* inside a wide bucket */
    live_matches(f, recs, n, T0 + 400 * DAY, NULL);            /* only the open bucket */
    live_matches(f, recs, n, T0, "nobody");

    /* A move and a deletion change the counts. */
    begin(f);
    assert_int_equal(f->be->record_retain(f->obj, "acme", ids[1], T0 + 300 * DAY, 0, false, NULL),
                     KLUIS_OK);
    recs[1].expiry = T0 + 300 * DAY;
    assert_int_equal(f->be->record_delete(f->obj, "globex", ids[2], NULL), KLUIS_OK);
    recs[2].gone = true;
    commit(f);
    live_matches(f, recs, n, T0 + 5 * DAY + 3 * 3600, NULL);
    live_matches(f, recs, n, T0 + 250 * DAY, NULL);

    /* A purge removes only what was not live: the counts stay. */
    int64_t now = T0 + 5 * DAY + 3 * 3600;
    struct counts c = {0};
    begin(f);
    assert_int_equal(f->be->purge(f->obj, now, false, count_cb, &c, NULL), KLUIS_OK);
    commit(f);
    assert_true(c.total > 0);
    live_matches(f, recs, n, now, NULL);

    /* The callback stops the count. */
    struct live one = {.stop_after = 1};
    assert_int_equal(f->be->records_count(f->obj, now, NULL, live_cb, &one, NULL), KLUIS_OK);
    assert_int_equal(one.calls, 1);
}

static void test_moved_record_purged_in_new_bucket(void **state)
{
    struct fixture *f = *state;
    begin(f);
    uint64_t id = put(f, "acme", 3, "drafts", "", T0, T0 + 200 * DAY, "long");
    commit(f);
    begin(f);
    assert_int_equal(f->be->record_retain(f->obj, "acme", id, T0 + 2 * DAY, 0, false, NULL),
                     KLUIS_OK);
    commit(f);
    struct counts c = {0};
    begin(f);
    assert_int_equal(f->be->purge(f->obj, T0 + 3 * DAY, false, count_cb, &c, NULL), KLUIS_OK);
    commit(f);
    assert_int_equal(c.total, 1);
    struct got g;
    assert_int_equal(get(f, "acme", id, &g), KLUIS_ENOTFOUND);
}

static void test_held_records_survive_purge(void **state)
{
    struct fixture *f = *state;
    begin(f);
    uint64_t id = put(f, "acme", 4, "mail", "", T0, T0 + DAY, "keep");
    assert_int_equal(f->be->record_retain(f->obj, "acme", id, T0 + DAY, 0, true, NULL), KLUIS_OK);
    commit(f);
    struct counts c = {0};
    begin(f);
    assert_int_equal(f->be->purge(f->obj, T0 + 10 * DAY, false, count_cb, &c, NULL), KLUIS_OK);
    commit(f);
    assert_int_equal(c.total, 0);
    struct got g;
    assert_int_equal(get(f, "acme", id, &g), KLUIS_OK);
}

static void test_ids_never_reused(void **state)
{
    struct fixture *f = *state;
    /* A record moves out of its bucket; the next record written to that bucket must not get the
     * moved record's id, and the moved one must still be found under it. */
    begin(f);
    uint64_t a = put(f, "acme", 1, "mail", "", T0, T0 + 5 * DAY, "first");
    assert_int_equal(f->be->record_retain(f->obj, "acme", a, T0 + 9 * DAY, 0, false, NULL),
                     KLUIS_OK);
    uint64_t b = put(f, "acme", 1, "mail", "", T0, T0 + 5 * DAY, "second");
    commit(f);
    assert_int_not_equal(a, b);
    struct got g;
    assert_int_equal(get(f, "acme", a, &g), KLUIS_OK);
    assert_string_equal(g.value, "first");
    assert_int_equal(get(f, "acme", b, &g), KLUIS_OK);
    assert_string_equal(g.value, "second");
    /* A trimmed row's id is not handed out again either. */
    begin(f);
    uint64_t c = put(f, "acme", 2, "mail", "", T0, T0 + 5 * DAY - 3600, "trimmed");
    commit(f);
    struct counts k = {0};
    begin(f);
    assert_int_equal(f->be->purge(f->obj, T0 + 5 * DAY - 1800, false, count_cb, &k, NULL),
                     KLUIS_OK);
    uint64_t d = put(f, "acme", 3, "mail", "", T0, T0 + 5 * DAY - 60, "after");
    commit(f);
    assert_int_not_equal(c, d);
    assert_int_equal(get(f, "acme", c, &g), KLUIS_ENOTFOUND);

    /* A dropped bucket's number is not handed out again: a record held (moved to the open
     * bucket) keeps its id after its old bucket is purged, and a new bucket for the same range
     * does not rebuild that id. */
    begin(f);
    uint64_t h = put(f, "acme", 4, "mail", "", T0, T0 + 40 * DAY, "held");
    assert_int_equal(f->be->record_retain(f->obj, "acme", h, T0 + 40 * DAY, 0, true, NULL),
                     KLUIS_OK);
    commit(f);
    begin(f);
    assert_int_equal(f->be->purge(f->obj, T0 + 41 * DAY, false, count_cb, &k, NULL), KLUIS_OK);
    commit(f);
    begin(f);
    uint64_t n = put(f, "acme", 5, "mail", "", T0, T0 + 40 * DAY, "new");
    commit(f);
    assert_int_not_equal(h, n);
    assert_int_equal(get(f, "acme", h, &g), KLUIS_OK);
    assert_string_equal(g.value, "held");
}

static void test_rollback_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    begin(f);
    uint64_t id = put(f, "acme", 5, "mail", "", T0, T0 + DAY, "gone");
    f->be->rollback(f->obj);
    struct got g;
    assert_int_equal(get(f, "acme", id, &g), KLUIS_ENOTFOUND);
    struct kluis_record_filter flt = {.tenant = "acme"};
    struct got all = {0};
    assert_int_equal(f->be->records_scan(f->obj, &flt, got_cb, &all, NULL), KLUIS_OK);
    assert_int_equal(all.n, 0);
}

static int event_count_cb(void *ctx, const struct kluis_event_row *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

static void test_scans_events_and_links(void **state)
{
    struct fixture *f = *state;
    begin(f);
    put(f, "acme", 6, "mail", "integration=gmail-1\n", T0, T0 + 5 * DAY, "a");
    put(f, "acme", 6, "calendar", "integration=gmail-1\n", T0, INT64_MAX, "b");
    put(f, "acme", 7, "mail", "integration=gmail-2\n", T0, T0 + 300 * DAY, "c");
    put(f, "globex", 6, "mail", "integration=gmail-1\n", T0, T0 + 5 * DAY, "d");
    struct kluis_event_row ev = {.tenant = "acme",
                                 .name = "integration.removed",
                                 .link = "integration=gmail-1",
                                 .at = T0 + DAY};
    uint64_t eid;
    assert_int_equal(f->be->event_insert(f->obj, &ev, &eid, NULL), KLUIS_OK);
    struct kluis_event_row ev2 = {.tenant = "acme", .name = "account.closed", .at = T0 + DAY};
    assert_int_equal(f->be->event_insert(f->obj, &ev2, &eid, NULL), KLUIS_OK);
    commit(f);

    struct kluis_record_filter byl = {.tenant = "acme", .link = "integration=gmail-1"};
    struct got g = {0};
    assert_int_equal(f->be->records_scan(f->obj, &byl, got_cb, &g, NULL), KLUIS_OK);
    assert_int_equal(g.n, 2);
    struct kluis_subject_ref s7;
    memset(s7.hash, 7, 32);
    struct kluis_record_filter bys = {.tenant = "acme", .subject = &s7};
    memset(&g, 0, sizeof(g));
    assert_int_equal(f->be->records_scan(f->obj, &bys, got_cb, &g, NULL), KLUIS_OK);
    assert_int_equal(g.n, 1);

    int n = 0;
    assert_int_equal(f->be->events_for_record(f->obj, "acme", &s7, "integration=gmail-1\n",
                                              event_count_cb, &n, NULL),
                     KLUIS_OK);
    assert_int_equal(n, 2); /* the link's event and the tenant-wide one */
    n = 0;
    assert_int_equal(f->be->events_for_record(f->obj, "acme", &s7, "integration=gmail-2\n",
                                              event_count_cb, &n, NULL),
                     KLUIS_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(f->be->events_for_record(f->obj, "globex", &s7, "integration=gmail-1\n",
                                              event_count_cb, &n, NULL),
                     KLUIS_OK);
    assert_int_equal(n, 0);
}

static void test_tenants_settings_holds(void **state)
{
    struct fixture *f = *state;
    begin(f);
    struct kluis_tenant_row t = {"acme", "NL", T0};
    assert_int_equal(f->be->tenant_insert(f->obj, &t, NULL), KLUIS_OK);
    assert_int_equal(f->be->tenant_insert(f->obj, &t, NULL), KLUIS_EEXIST);
    struct kluis_setting_row s = {"acme", "whatsapp.retention", "30d"};
    assert_int_equal(f->be->setting_put(f->obj, &s, NULL), KLUIS_OK);
    struct kluis_hold_row h = {.tenant = "acme", .reason = "litigation", .placed = T0};
    uint64_t hid;
    assert_int_equal(f->be->hold_insert(f->obj, &h, &hid, NULL), KLUIS_OK);
    commit(f);
    assert_int_equal(f->be->tenant_get(f->obj, "nobody", NULL, NULL, NULL), KLUIS_ENOTFOUND);
    begin(f);
    assert_int_equal(f->be->hold_release(f->obj, hid, T0 + 1, NULL), KLUIS_OK);
    assert_int_equal(f->be->hold_release(f->obj, hid, T0 + 2, NULL), KLUIS_ENOTFOUND);
    commit(f);
}

static void test_reopen_keeps_data_and_id(void **state)
{
    struct fixture *f = *state;
    uint8_t k1[16], k2[16];
    assert_int_equal(f->be->id(f->obj, k1, NULL), KLUIS_OK);
    begin(f);
    uint64_t id = put(f, "acme", 8, "mail", "", T0, T0 + 50 * DAY, "durable");
    commit(f);
    kluis_store_close(f->store);
    assert_int_equal(kluis_store_open_backend(backend_under_test, f->path,
                                              kluis_keys_keyring(f->keys), &f->store, NULL),
                     KLUIS_OK);
    f->be = kluis_store_backend(f->store);
    f->obj = kluis_store_obj(f->store);
    assert_int_equal(f->be->id(f->obj, k2, NULL), KLUIS_OK);
    assert_memory_equal(k1, k2, 16);
    struct got g;
    assert_int_equal(get(f, "acme", id, &g), KLUIS_OK);
    assert_string_equal(g.value, "durable");
}

static void test_injected_fault_rolls_back(void **state)
{
    struct fixture *f = *state;
    /* Reopen through the faulty wrapper: the second record_insert fails. */
    kluis_store_close(f->store);
    const struct kluis_store_backend *faulty =
        kluis_store_faulty(backend_under_test, "record_insert", 2);
    assert_int_equal(
        kluis_store_open_backend(faulty, f->path, kluis_keys_keyring(f->keys), &f->store, NULL),
        KLUIS_OK);
    f->be = kluis_store_backend(f->store);
    f->obj = kluis_store_obj(f->store);
    begin(f);
    struct kluis_record_row r = {.tenant = "acme",
                                 .category = "mail",
                                 .key_class = "default",
                                 .links = "",
                                 .created = T0,
                                 .expiry = T0 + DAY,
                                 .value = "x",
                                 .value_len = 1};
    uint64_t id1, id2;
    assert_int_equal(f->be->record_insert(f->obj, &r, &id1, NULL), KLUIS_OK);
    assert_int_equal(f->be->record_insert(f->obj, &r, &id2, NULL), KLUIS_EIO);
    f->be->rollback(f->obj);
    kluis_store_close(f->store);
    assert_int_equal(kluis_store_open_backend(backend_under_test, f->path,
                                              kluis_keys_keyring(f->keys), &f->store, NULL),
                     KLUIS_OK);
    f->be = kluis_store_backend(f->store);
    f->obj = kluis_store_obj(f->store);
    struct got g;
    assert_int_equal(get(f, "acme", id1, &g), KLUIS_ENOTFOUND);
}

static void test_newer_schema_refused(void **state)
{
    struct fixture *f = *state;
    kluis_store_close(f->store);
    f->store = NULL;
    /* Mark the file as written by a future version, behind the backend's back. */
    char cmd[400];
    snprintf(cmd, sizeof(cmd),
             "sqlite3 '%s' \"UPDATE meta SET value=value+1000 WHERE key='schema_version'\"",
             f->path);
    if (system(cmd) != 0)
        skip();
    struct kluis_err err = {0};
    assert_int_equal(kluis_store_open_backend(backend_under_test, f->path,
                                              kluis_keys_keyring(f->keys), &f->store, &err),
                     KLUIS_EUNSUPPORTED);
    assert_non_null(strstr(err.message, "newer kluis"));
    assert_int_equal(kluis_store_open_backend(backend_under_test, f->path,
                                              kluis_keys_keyring(f->keys), &f->store, NULL),
                     KLUIS_EUNSUPPORTED);
    /* Leave a store the teardown can close. */
    snprintf(cmd, sizeof(cmd),
             "sqlite3 '%s' \"UPDATE meta SET value=value-1000 WHERE key='schema_version'\"",
             f->path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(kluis_store_open_backend(backend_under_test, f->path,
                                              kluis_keys_keyring(f->keys), &f->store, NULL),
                     KLUIS_OK);
}

static void test_links_next(void **state)
{
    (void)state;
    const char *cursor = "a=1\n\nb=2\nc=3", *l;
    size_t n;
    char seen[64] = "";
    while (kluis_links_next(&cursor, &l, &n))
        snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "[%.*s]", (int)n, l);
    assert_string_equal(seen, "[a=1][b=2][c=3]");
    cursor = NULL;
    assert_false(kluis_links_next(&cursor, &l, &n));
    cursor = "\n\n";
    assert_false(kluis_links_next(&cursor, &l, &n));
}

/* ---- Data-subject rights ---- */

static void test_record_rewrite(void **state)
{
    struct fixture *f = *state;
    begin(f);
    uint64_t a = put(f, "acme", 1, "account", "", T0, T0 + 30 * DAY, "Anna de Vrise");
    commit(f);
    begin(f);
    /* Another tenant cannot rewrite it; the owner can, and the id and expiry stay. */
    assert_int_equal(f->be->record_rewrite(f->obj, "globex", a, "x", 1, NULL), KLUIS_ENOTFOUND);
    assert_int_equal(f->be->record_rewrite(f->obj, "acme", a, "Anna de Vries", 13, NULL), KLUIS_OK);
    commit(f);
    struct got g;
    assert_int_equal(get(f, "acme", a, &g), KLUIS_OK);
    assert_string_equal(g.value, "Anna de Vries");
    assert_int_equal(g.expiry, T0 + 30 * DAY);
}

struct req_seen {
    int n;
    uint64_t ids[8];
    char state[8][16];
    char doc[8][64];
    int64_t due[8];
};

static int req_seen_cb(void *ctx, const struct kluis_request_row *r)
{
    struct req_seen *x = ctx;
    if (x->n < 8) {
        x->ids[x->n] = r->id;
        snprintf(x->state[x->n], sizeof(x->state[0]), "%s", r->state);
        snprintf(x->doc[x->n], sizeof(x->doc[0]), "%s", r->doc);
        x->due[x->n] = r->due;
    }
    x->n++;
    return 0;
}

static void test_requests(void **state)
{
    struct fixture *f = *state;
    struct kluis_request_row r = {.tenant = "acme",
                                  .type = "access",
                                  .state = "received",
                                  .received = T0,
                                  .due = 20800,
                                  .doc = "{\"a\":1}"};
    memset(r.subject.hash, 1, 32);
    uint64_t a, b, c;
    begin(f);
    assert_int_equal(f->be->request_insert(f->obj, &r, &a, NULL), KLUIS_OK);
    r.tenant = "globex";
    assert_int_equal(f->be->request_insert(f->obj, &r, &b, NULL), KLUIS_OK);
    r.tenant = "acme";
    memset(r.subject.hash, 2, 32);
    r.type = "erasure";
    assert_int_equal(f->be->request_insert(f->obj, &r, &c, NULL), KLUIS_OK);
    commit(f);
    assert_true(a < b && b < c);
    /* Update: the state, due date and document change; another tenant's is not found. */
    struct kluis_request_row u = {
        .id = a, .tenant = "globex", .state = "fulfilled", .due = 20900, .doc = "{\"b\":2}"};
    begin(f);
    assert_int_equal(f->be->request_update(f->obj, &u, NULL), KLUIS_ENOTFOUND);
    u.tenant = "acme";
    assert_int_equal(f->be->request_update(f->obj, &u, NULL), KLUIS_OK);
    commit(f);
    struct req_seen x = {0};
    assert_int_equal(f->be->request_get(f->obj, "acme", a, req_seen_cb, &x, NULL), KLUIS_OK);
    assert_int_equal(x.n, 1);
    assert_string_equal(x.state[0], "fulfilled");
    assert_string_equal(x.doc[0], "{\"b\":2}");
    assert_int_equal(x.due[0], 20900);
    memset(&x, 0, sizeof(x));
    assert_int_equal(f->be->request_get(f->obj, "acme", b, req_seen_cb, &x, NULL), KLUIS_ENOTFOUND);
    assert_int_equal(f->be->request_get(f->obj, NULL, b, req_seen_cb, &x, NULL), KLUIS_OK);
    /* Scans: by tenant, by subject, open only; NULL tenant sees every tenant's. */
    memset(&x, 0, sizeof(x));
    struct kluis_request_filter fl = {.tenant = "acme"};
    assert_int_equal(f->be->requests_scan(f->obj, &fl, req_seen_cb, &x, NULL), KLUIS_OK);
    assert_int_equal(x.n, 2);
    memset(&x, 0, sizeof(x));
    fl.open_only = true;
    assert_int_equal(f->be->requests_scan(f->obj, &fl, req_seen_cb, &x, NULL), KLUIS_OK);
    assert_int_equal(x.n, 1);
    assert_int_equal(x.ids[0], c);
    memset(&x, 0, sizeof(x));
    struct kluis_subject_ref s1;
    memset(s1.hash, 1, 32);
    struct kluis_request_filter all = {.subject = &s1};
    assert_int_equal(f->be->requests_scan(f->obj, &all, req_seen_cb, &x, NULL), KLUIS_OK);
    assert_int_equal(x.n, 2);
}

static int ledger_count_cb(void *ctx, const struct kluis_ledger_row *r)
{
    char *out = ctx;
    strcat(out, r->kind);
    strcat(out, r->purpose ? r->purpose : "-");
    strcat(out, ";");
    return 0;
}

static void test_ledger_and_approvals(void **state)
{
    struct fixture *f = *state;
    struct kluis_ledger_row l = {
        .tenant = "acme", .kind = "consent.given", .purpose = "p", .note = "v1", .at = T0};
    memset(l.subject.hash, 1, 32);
    uint64_t id;
    begin(f);
    assert_int_equal(f->be->ledger_insert(f->obj, &l, &id, NULL), KLUIS_OK);
    l.kind = "restriction.start";
    l.purpose = NULL;
    assert_int_equal(f->be->ledger_insert(f->obj, &l, &id, NULL), KLUIS_OK);
    l.tenant = "globex";
    assert_int_equal(f->be->ledger_insert(f->obj, &l, &id, NULL), KLUIS_OK);
    struct kluis_approval_row ap = {
        .tenant = "acme", .record = 42, .state = "approved", .by = "marieke", .at = T0};
    assert_int_equal(f->be->approval_put(f->obj, &ap, NULL), KLUIS_OK);
    ap.state = "skipped";
    assert_int_equal(f->be->approval_put(f->obj, &ap, NULL), KLUIS_EEXIST);
    commit(f);
    char seen[256] = "";
    struct kluis_subject_ref s1;
    memset(s1.hash, 1, 32);
    assert_int_equal(f->be->ledger_scan(f->obj, "acme", &s1, ledger_count_cb, seen, NULL),
                     KLUIS_OK);
    assert_string_equal(seen, "consent.givenp;restriction.start-;");
    /* Erasing the subject takes its ledger with it. */
    begin(f);
    assert_int_equal(f->be->erasure_apply(f->obj, 1, "acme", &s1, NULL, NULL, NULL), KLUIS_OK);
    commit(f);
    seen[0] = '\0';
    assert_int_equal(f->be->ledger_scan(f->obj, "acme", &s1, ledger_count_cb, seen, NULL),
                     KLUIS_OK);
    assert_string_equal(seen, "");
    assert_int_equal(f->be->ledger_scan(f->obj, "globex", &s1, ledger_count_cb, seen, NULL),
                     KLUIS_OK);
    assert_string_equal(seen, "restriction.start-;");
}

static void test_idents(void **state)
{
    struct fixture *f = *state;
    struct kluis_subject_ref ident, s1, s2, out;
    memset(ident.hash, 7, 32);
    memset(s1.hash, 1, 32);
    memset(s2.hash, 2, 32);
    begin(f);
    assert_int_equal(f->be->ident_put(f->obj, "acme", "email", &ident, &s1, NULL), KLUIS_OK);
    commit(f);
    assert_int_equal(f->be->ident_find(f->obj, "acme", "email", &ident, &out, NULL), KLUIS_OK);
    assert_memory_equal(out.hash, s1.hash, 32);
    assert_int_equal(f->be->ident_find(f->obj, "globex", "email", &ident, &out, NULL),
                     KLUIS_ENOTFOUND);
    assert_int_equal(f->be->ident_find(f->obj, "acme", "phone", &ident, &out, NULL),
                     KLUIS_ENOTFOUND);
    /* A new link of the same identifier replaces the old one. */
    begin(f);
    assert_int_equal(f->be->ident_put(f->obj, "acme", "email", &ident, &s2, NULL), KLUIS_OK);
    commit(f);
    assert_int_equal(f->be->ident_find(f->obj, "acme", "email", &ident, &out, NULL), KLUIS_OK);
    assert_memory_equal(out.hash, s2.hash, 32);
}

int main(void)
{
    /* One group per backend, so that the TAP output has one plan per backend run; the links
     * helper is backend-free but cheap, so it simply runs in each. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links_next),
        cmocka_unit_test_setup_teardown(test_insert_get_and_tenant_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retain_moves_and_keeps_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_removes_exactly_what_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moved_record_purged_in_new_bucket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_records_count_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_records_survive_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_never_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scans_events_and_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tenants_settings_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data_and_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_injected_fault_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ledger_and_approvals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idents, setup, teardown),
    };
    /* Every backend this build has runs the same suite. */
    const struct kluis_store_backend *backends[] = {&kluis_store_sqlite};
    int failed = 0;
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        backend_under_test = backends[i];
        failed += cmocka_run_group_tests_name(backends[i]->name, tests, NULL, NULL);
    }
    return failed;
}
