/*
 * The engine: refusals, expiry on write and on events, holds, purge, export, and atomicity under
 * injected store faults (an operation interrupted at any call leaves no part of itself).
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
#include "fixture.h"

#define DAY 86400

static const char policy_yaml[] =
    "kluis: 1\n"
    "organisation:\n"
    "  name: T B.V.\n"
    "  address: Straat 1\n"
    "  country: NL\n"
    "  contact: {email: a@b.example}\n"
    "  dpo: {appointed: false, reason: {nl: n, en: e}}\n"
    "events:\n"
    "  - {id: draft.approved, name: {nl: a, en: a}}\n"
    "  - {id: draft.skipped, name: {nl: s, en: s}}\n"
    "  - {id: integration.removed, name: {nl: r, en: r}}\n"
    "  - {id: account.closed, name: {nl: c, en: c}}\n"
    "categories:\n"
    "  - {id: mail, name: {nl: M, en: M}, role: processor, retention: 7d}\n"
    "  - {id: bodies, name: {nl: B, en: B}, role: processor, storage: transient}\n"
    "  - id: audio\n"
    "    name: {nl: A, en: A}\n"
    "    role: processor\n"
    "    storage: {default: transient, tenant_may_change: true}\n"
    "    retention: {tenant: {default: 0d, min: 0d, max: 90d}}\n"
    "  - id: drafts\n"
    "    name: {nl: D, en: D}\n"
    "    role: processor\n"
    "    retention: 30d after draft.approved | draft.skipped\n"
    "  - id: whatsapp\n"
    "    name: {nl: W, en: W}\n"
    "    role: processor\n"
    "    retention: {tenant: {default: 90d, min: 0d, max: 2y}}\n"
    "  - id: tokens\n"
    "    name: {nl: T, en: T}\n"
    "    role: processor\n"
    "    retention: until integration.removed + 30d\n"
    "  - id: invoices\n"
    "    name: {nl: F, en: F}\n"
    "    role: controller\n"
    "    retention:\n"
    "      - until account.closed + 7y\n"
    "      - legal: {period: 7y, after: account.closed, source: \"art. 52 AWR\"}\n"
    "purposes:\n"
    "  - id: service\n"
    "    name: {nl: S, en: S}\n"
    "    role: processor\n"
    "    categories: [mail, bodies, audio, drafts, whatsapp, tokens]\n"
    "  - id: billing\n"
    "    name: {nl: F, en: F}\n"
    "    basis: legal_obligation\n"
    "    categories: [invoices]\n";

static struct kluis_engine *open_engine(const struct kluis_store_backend *be)
{
    struct kluis_engine *e = try_open(be);
    assert_non_null(e);
    return e;
}

static int setup(void **state)
{
    static int n;
    snprintf(db_path, sizeof(db_path), "/tmp/kluis-engine-%d-%d.db", (int)getpid(), ++n);
    remove_db();
    struct kluis_engine *e = open_engine(&kluis_store_sqlite);
    assert_int_equal(kluis_tenant_add(e, "acme", "NL", NULL), KLUIS_OK);
    assert_int_equal(kluis_tenant_add(e, "globex", "BE", NULL), KLUIS_OK);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    kluis_engine_close(*state);
    remove_db();
    return 0;
}

static kluis_rc put(struct kluis_engine *e, const char *tenant, const char *subject,
                    const char *category, const char *link_key, const char *link_value,
                    uint64_t *id, struct kluis_err *err)
{
    struct kluis_link l = {link_key, link_value};
    struct kluis_record_input in = {
        .tenant = tenant,
        .subject = subject,
        .category = category,
        .links = link_key ? &l : NULL,
        .n_links = link_key ? 1 : 0,
        .value = "value",
        .value_len = 5,
    };
    return kluis_record_put(e, &in, id, err);
}

static kluis_rc get(struct kluis_engine *e, const char *tenant, uint64_t id, const char *purpose,
                    int64_t *expiry)
{
    struct kluis_record *r = NULL;
    kluis_rc rc = kluis_record_get(e, tenant, id, purpose, &r, NULL);
    if (rc == KLUIS_OK && expiry)
        *expiry = r->expiry;
    kluis_record_free(r);
    return rc;
}

static int count_row(void *ctx, const struct kluis_record_row *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

static void test_refusals(void **state)
{
    struct kluis_engine *e = *state;
    struct kluis_err err = {0};
    uint64_t id;
    assert_int_equal(put(e, "acme", "s1", "nope", NULL, NULL, &id, &err), KLUIS_EREFUSED);
    assert_non_null(strstr(err.message, "no category 'nope'"));
    assert_int_equal(put(e, "acme", "s1", "bodies", NULL, NULL, &id, &err), KLUIS_EREFUSED);
    assert_non_null(strstr(err.message, "never stored"));
    assert_int_equal(put(e, "acme", "s1", "audio", NULL, NULL, &id, &err), KLUIS_EREFUSED);
    assert_int_equal(put(e, "nobody", "s1", "mail", NULL, NULL, &id, &err), KLUIS_ENOTFOUND);
    assert_int_equal(kluis_tenant_set(e, "acme", "whatsapp.retention=5y", &err), KLUIS_EREFUSED);
    assert_non_null(strstr(err.message, "2y"));
    assert_int_equal(kluis_tenant_set(e, "acme", "mail.storage=transient", &err), KLUIS_EREFUSED);
    assert_int_equal(kluis_tenant_set(e, "acme", "whatsapp.colour=red", &err), KLUIS_EINVAL);
    assert_int_equal(kluis_tenant_add(e, "acme", "NL", &err), KLUIS_EEXIST);
    assert_int_equal(kluis_tenant_add(e, "bad name", NULL, &err), KLUIS_EINVAL);
}

static void test_opt_in_storage_and_tenant_retention(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t id;
    int64_t expiry;
    assert_int_equal(kluis_tenant_set(e, "acme", "audio.storage=stored", NULL), KLUIS_OK);
    assert_int_equal(kluis_tenant_set(e, "acme", "audio.retention=30d", NULL), KLUIS_OK);
    assert_int_equal(put(e, "acme", "s1", "audio", NULL, NULL, &id, NULL), KLUIS_OK);
    assert_int_equal(get(e, "acme", id, "service", &expiry), KLUIS_OK);
    assert_int_equal(expiry, t0 + 30 * DAY);

    assert_int_equal(put(e, "acme", "s1", "whatsapp", NULL, NULL, &id, NULL), KLUIS_OK);
    assert_int_equal(get(e, "acme", id, "service", &expiry), KLUIS_OK);
    assert_int_equal(expiry, t0 + 90 * DAY);
    /* A changed setting recomputes what is stored. */
    assert_int_equal(kluis_tenant_set(e, "acme", "whatsapp.retention=30d", NULL), KLUIS_OK);
    assert_int_equal(get(e, "acme", id, "service", &expiry), KLUIS_OK);
    assert_int_equal(expiry, t0 + 30 * DAY);
}

static void test_expired_never_returned_and_isolation(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t id;
    assert_int_equal(put(e, "acme", "s1", "mail", NULL, NULL, &id, NULL), KLUIS_OK);
    assert_int_equal(get(e, "acme", id, "service", NULL), KLUIS_OK);
    assert_int_equal(get(e, "globex", id, "service", NULL), KLUIS_ENOTFOUND);
    assert_int_equal(get(e, "acme", id, "billing", NULL), KLUIS_EREFUSED);
    kluis_engine_set_now(e, t0 + 7 * DAY - 1);
    assert_int_equal(get(e, "acme", id, "service", NULL), KLUIS_OK);
    kluis_engine_set_now(e, t0 + 7 * DAY);
    assert_int_equal(get(e, "acme", id, "service", NULL), KLUIS_ENOTFOUND);
}

static void test_events_move_expiry(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t draft, other, token;
    int64_t expiry;
    assert_int_equal(put(e, "acme", "s1", "drafts", "draft", "981", &draft, NULL), KLUIS_OK);
    assert_int_equal(put(e, "acme", "s1", "drafts", "draft", "982", &other, NULL), KLUIS_OK);
    assert_int_equal(put(e, "acme", "s2", "tokens", "integration", "gmail-42", &token, NULL),
                     KLUIS_OK);
    assert_int_equal(get(e, "acme", draft, "service", &expiry), KLUIS_OK);
    assert_int_equal(expiry, KLUIS_TIME_NEVER);

    kluis_engine_set_now(e, t0 + DAY);
    struct kluis_link l = {"draft", "981"};
    struct kluis_event_input ev = {.tenant = "acme", .name = "draft.approved", .link = &l};
    uint64_t affected = 0;
    assert_int_equal(kluis_event_record(e, &ev, &affected, NULL), KLUIS_OK);
    assert_int_equal(affected, 1);
    assert_int_equal(get(e, "acme", draft, "service", &expiry), KLUIS_OK);
    assert_int_equal(expiry, t0 + 31 * DAY);
    assert_int_equal(get(e, "acme", other, "service", &expiry), KLUIS_OK);
    assert_int_equal(expiry, KLUIS_TIME_NEVER);

    /* Another tenant's event changes nothing here. */
    struct kluis_link li = {"integration", "gmail-42"};
    struct kluis_event_input ev2 = {.tenant = "globex", .name = "integration.removed", .link = &li};
    assert_int_equal(kluis_event_record(e, &ev2, &affected, NULL), KLUIS_OK);
    assert_int_equal(affected, 0);
    ev2.tenant = "acme";
    assert_int_equal(kluis_event_record(e, &ev2, &affected, NULL), KLUIS_OK);
    assert_int_equal(affected, 1);
    assert_int_equal(get(e, "acme", token, "service", &expiry), KLUIS_OK);
    assert_int_equal(expiry, t0 + 31 * DAY);

    struct kluis_err err = {0};
    struct kluis_event_input bad = {.tenant = "acme", .name = "draft.aproved"};
    assert_int_equal(kluis_event_record(e, &bad, NULL, &err), KLUIS_EREFUSED);

    /* The integration was removed more than 30 days ago: a token written for it now would be
     * gone at once, so it is refused rather than stored. */
    kluis_engine_set_now(e, t0 + 40 * DAY);
    assert_int_equal(put(e, "acme", "s2", "tokens", "integration", "gmail-42", &token, &err),
                     KLUIS_EREFUSED);
    assert_non_null(strstr(err.message, "past its retention already"));

    /* Once past its expiry a record stays gone: a later setting cannot bring it back. */
    assert_int_equal(get(e, "acme", draft, "service", &expiry), KLUIS_ENOTFOUND);
    struct kluis_event_input again = {.tenant = "acme", .name = "draft.skipped"};
    assert_int_equal(kluis_event_record(e, &again, NULL, NULL), KLUIS_OK);
    assert_int_equal(get(e, "acme", draft, "service", &expiry), KLUIS_ENOTFOUND);
}

static void test_legal_minimum_and_holds(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t inv, mail;
    int64_t expiry;
    assert_int_equal(put(e, "acme", "cust-1", "invoices", NULL, NULL, &inv, NULL), KLUIS_OK);
    struct kluis_event_input closed = {
        .tenant = "acme", .name = "account.closed", .subject = "cust-1"};
    kluis_engine_set_now(e, t0 + 10 * DAY);
    assert_int_equal(kluis_event_record(e, &closed, NULL, NULL), KLUIS_OK);
    struct kluis_record *r = NULL;
    assert_int_equal(kluis_record_get(e, "acme", inv, "billing", &r, NULL), KLUIS_OK);
    assert_int_equal(r->floor,
                     kluis_time_add(t0 + 10 * DAY, (struct kluis_duration){7, KLUIS_UNIT_YEAR}));
    kluis_record_free(r);

    assert_int_equal(put(e, "acme", "cust-2", "mail", NULL, NULL, &mail, NULL), KLUIS_OK);
    uint64_t hold;
    assert_int_equal(kluis_hold_add(e, "acme", "cust-2", NULL, "litigation", &hold, NULL),
                     KLUIS_OK);
    kluis_engine_set_now(e, t0 + 100 * DAY);
    struct kluis_purge_report *rep = NULL;
    assert_int_equal(kluis_purge(e, false, &rep, NULL), KLUIS_OK);
    kluis_purge_report_free(rep);
    assert_int_equal(get(e, "acme", mail, "service", &expiry), KLUIS_OK); /* held */
    assert_int_equal(kluis_hold_release(e, "globex", hold, NULL), KLUIS_ENOTFOUND);
    assert_int_equal(kluis_hold_release(e, "acme", hold, NULL), KLUIS_OK);
    assert_int_equal(kluis_hold_release(e, NULL, hold, NULL), KLUIS_EREFUSED);
    assert_int_equal(get(e, "acme", mail, "service", &expiry), KLUIS_ENOTFOUND);
    assert_int_equal(kluis_purge(e, false, &rep, NULL), KLUIS_OK);
    assert_int_equal(rep->total, 1);
    assert_non_null(rep->receipt_json);
    kluis_purge_report_free(rep);
}

static void test_purge_report_and_dry_run(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t id;
    for (int i = 0; i < 5; i++)
        assert_int_equal(put(e, "acme", "s", "mail", NULL, NULL, &id, NULL), KLUIS_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(put(e, "globex", "s", "mail", NULL, NULL, &id, NULL), KLUIS_OK);
    kluis_engine_set_now(e, t0 + 8 * DAY);
    struct kluis_purge_report *dry = NULL, *real = NULL;
    assert_int_equal(kluis_purge(e, true, &dry, NULL), KLUIS_OK);
    assert_int_equal(dry->total, 8);
    assert_null(dry->receipt_json);
    assert_int_equal(kluis_purge(e, false, &real, NULL), KLUIS_OK);
    assert_int_equal(real->total, 8);
    assert_int_equal(real->n_lines, 2);
    assert_string_equal(real->lines[0].tenant, "acme");
    assert_int_equal(real->lines[0].removed, 5);
    assert_string_equal(real->lines[1].tenant, "globex");
    assert_int_equal(real->lines[1].removed, 3);
    kluis_purge_report_free(dry);
    kluis_purge_report_free(real);
}

struct tally {
    char line[8][48]; /* "tenant/category=n" */
    int n;
};

static int tally_cb(void *ctx, const struct kluis_record_count *c)
{
    struct tally *t = ctx;
    assert_true(t->n < 8);
    snprintf(t->line[t->n++], sizeof(t->line[0]), "%s/%s=%llu", c->tenant, c->category,
             (unsigned long long)c->n);
    return 0;
}

static void tally(struct kluis_engine *e, const char *tenant, struct tally *t)
{
    memset(t, 0, sizeof(*t));
    assert_int_equal(kluis_records_count(e, tenant, tally_cb, t, NULL), KLUIS_OK);
}

/* The live counts are what reads find at the engine's clock: expired records no longer count
 * before the purge removes them, held and waiting ones do, and an erasure takes its records. */
static void test_records_count(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t id, held_mail;
    for (int i = 0; i < 3; i++)
        assert_int_equal(put(e, "acme", "s1", "mail", NULL, NULL, &id, NULL), KLUIS_OK);
    assert_int_equal(put(e, "acme", "s2", "mail", NULL, NULL, &held_mail, NULL), KLUIS_OK);
    assert_int_equal(put(e, "acme", "s1", "drafts", "draft", "1", &id, NULL), KLUIS_OK);
    assert_int_equal(put(e, "globex", "s3", "mail", NULL, NULL, &id, NULL), KLUIS_OK);
    uint64_t hold;
    assert_int_equal(kluis_hold_add(e, "acme", "s2", NULL, "litigation", &hold, NULL), KLUIS_OK);
    struct tally t;
    tally(e, NULL, &t);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.line[0], "acme/drafts=1");
    assert_string_equal(t.line[1], "acme/mail=4");
    assert_string_equal(t.line[2], "globex/mail=1");
    tally(e, "globex", &t);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.line[0], "globex/mail=1");
    tally(e, "nobody", &t);
    assert_int_equal(t.n, 0);

    /* Past the mail's 7 days, before any purge: only the held one and the waiting draft. */
    kluis_engine_set_now(e, t0 + 7 * DAY);
    tally(e, NULL, &t);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.line[0], "acme/drafts=1");
    assert_string_equal(t.line[1], "acme/mail=1");
    assert_int_equal(get(e, "acme", held_mail, "service", NULL), KLUIS_OK);
    struct kluis_purge_report *rep = NULL;
    assert_int_equal(kluis_purge(e, false, &rep, NULL), KLUIS_OK);
    assert_int_equal(rep->total, 4);
    kluis_purge_report_free(rep);
    tally(e, NULL, &t);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.line[1], "acme/mail=1");

    /* An erasure of s1 takes the draft. */
    struct kluis_erase_report *er = NULL;
    assert_int_equal(kluis_subject_erase(e, "acme", "s1", &er, NULL), KLUIS_OK);
    kluis_erase_report_free(er);
    tally(e, NULL, &t);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.line[0], "acme/mail=1");
    struct kluis_err err = {0};
    assert_int_equal(kluis_records_count(e, NULL, NULL, NULL, &err), KLUIS_EINVAL);
}

static void test_export(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t id;
    assert_int_equal(put(e, "acme", "jan@example.nl", "mail", "integration", "gmail-1", &id, NULL),
                     KLUIS_OK);
    char *text = NULL;
    assert_int_equal(kluis_subject_export(e, "acme", "jan@example.nl", false, &text, NULL, NULL),
                     KLUIS_OK);
    assert_non_null(strstr(text, "\"category\": \"mail\""));
    assert_non_null(strstr(text, "\"integration\": \"gmail-1\""));
    free(text);
    assert_int_equal(kluis_subject_export(e, "acme", "jan@example.nl", true, &text, NULL, NULL),
                     KLUIS_OK);
    assert_int_equal(
        strncmp(text, "id,category,created,expires,links,value_encoding,value\r\n", 56), 0);
    free(text);
    /* Nothing held on a subject: a valid, empty answer. Other tenants see nothing. */
    assert_int_equal(kluis_subject_export(e, "globex", "jan@example.nl", false, &text, NULL, NULL),
                     KLUIS_OK);
    assert_non_null(strstr(text, "\"records\": []"));
    free(text);
}

static void test_batch_all_or_nothing(void **state)
{
    struct kluis_engine *e = *state;
    struct kluis_record_input in[3] = {
        {.tenant = "acme", .subject = "a", .category = "mail", .value = "1", .value_len = 1},
        {.tenant = "globex", .subject = "b", .category = "mail", .value = "2", .value_len = 1},
        {.tenant = "acme", .subject = "c", .category = "bodies", .value = "3", .value_len = 1},
    };
    uint64_t ids[3] = {0, 0, 0};
    size_t failed = 99;
    struct kluis_err err = {0};
    assert_int_equal(kluis_record_put_batch(e, in, 3, ids, &failed, &err), KLUIS_EREFUSED);
    assert_int_equal(failed, 2);
    char *text = NULL;
    assert_int_equal(kluis_subject_export(e, "acme", "a", false, &text, NULL, NULL), KLUIS_OK);
    assert_non_null(strstr(text, "\"records\": []")); /* the first record was not kept either */
    free(text);
    in[2].category = "mail";
    assert_int_equal(kluis_record_put_batch(e, in, 3, ids, &failed, NULL), KLUIS_OK);
    assert_int_equal(get(e, "acme", ids[0], "service", NULL), KLUIS_OK);
    assert_int_equal(get(e, "globex", ids[1], "service", NULL), KLUIS_OK);
    assert_int_equal(get(e, "acme", ids[2], "service", NULL), KLUIS_OK);
    assert_int_equal(get(e, "acme", ids[1], "service", NULL), KLUIS_ENOTFOUND);
}

/*
 * Atomicity: fail the nth store call of an event (and of a purge) for every n until the
 * operation succeeds; after each failure the store must be exactly as before.
 */
static void test_fault_injection_atomic(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t ids[6];
    for (int i = 0; i < 6; i++)
        assert_int_equal(put(e, "acme", "s", "drafts", "integration", "x", &ids[i], NULL),
                         KLUIS_OK);
    kluis_engine_close(e);
    *state = NULL;

    for (unsigned n = 1;; n++) {
        struct kluis_engine *f = try_open(kluis_store_faulty(&kluis_store_sqlite, "*", n));
        kluis_rc rc = KLUIS_EIO;
        if (f) {
            kluis_engine_set_now(f, t0 + DAY);
            struct kluis_event_input ev = {.tenant = "acme", .name = "draft.skipped"};
            rc = kluis_event_record(f, &ev, NULL, NULL);
            kluis_engine_close(f);
        }
        struct kluis_engine *g = open_engine(&kluis_store_sqlite);
        int changed = 0;
        for (int i = 0; i < 6; i++) {
            int64_t expiry = 0;
            assert_int_equal(get(g, "acme", ids[i], "service", &expiry), KLUIS_OK);
            changed += expiry != KLUIS_TIME_NEVER;
        }
        kluis_engine_close(g);
        if (rc == KLUIS_OK) {
            assert_int_equal(changed, 6);
            break;
        }
        assert_int_equal(changed, 0); /* all or nothing */
        assert_true(n < 1000);
    }

    for (unsigned n = 1;; n++) {
        struct kluis_engine *f = try_open(kluis_store_faulty(&kluis_store_sqlite, "*", n));
        kluis_rc rc = KLUIS_EIO;
        if (f) {
            kluis_engine_set_now(f, t0 + 40 * DAY);
            struct kluis_purge_report *rep = NULL;
            rc = kluis_purge(f, false, &rep, NULL);
            kluis_purge_report_free(rep);
            kluis_engine_close(f);
        }
        struct kluis_engine *g = open_engine(&kluis_store_sqlite);
        kluis_engine_set_now(g, t0);
        int present = 0;
        for (int i = 0; i < 6; i++)
            present += get(g, "acme", ids[i], "service", NULL) == KLUIS_OK;
        kluis_engine_close(g);
        if (rc == KLUIS_OK) {
            assert_int_equal(present, 0);
            break;
        }
        assert_int_equal(present, 6);
        assert_true(n < 1000);
    }
    *state = open_engine(&kluis_store_sqlite);
}

static uint64_t audit_size(struct kluis_engine *e)
{
    uint64_t n = 0;
    assert_int_equal(kluis_audit_size(e, &n, NULL), KLUIS_OK);
    return n;
}

static void assert_log_verifies(struct kluis_engine *e)
{
    struct kluis_audit_report r;
    assert_int_equal(kluis_audit_verify(e, NULL, 0, &r, NULL), KLUIS_OK);
    if (!r.ok)
        fail_msg("audit log: %s", r.problem);
}

/*
 * An action and its audit entry are one: fail the nth store call of a write (and of a read of a
 * value) for every n until it succeeds; after each failure neither the record nor an entry is
 * there, and the log still verifies; after the success both are.
 */
static void test_audit_atomic_with_actions(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t before = audit_size(e);
    kluis_engine_close(e);
    *state = NULL;
    uint64_t id = 0;
    for (unsigned n = 1;; n++) {
        struct kluis_engine *f = try_open(kluis_store_faulty(&kluis_store_sqlite, "*", n));
        kluis_rc rc = KLUIS_EIO;
        if (f) {
            kluis_engine_set_now(f, t0);
            rc = put(f, "acme", "piet@example.nl", "mail", NULL, NULL, &id, NULL);
            kluis_engine_close(f);
        }
        struct kluis_engine *g = open_engine(&kluis_store_sqlite);
        kluis_engine_set_now(g, t0);
        char *text = NULL;
        assert_int_equal(
            kluis_subject_export(g, "acme", "piet@example.nl", false, &text, NULL, NULL), KLUIS_OK);
        bool stored = strstr(text, "\"records\": []") == NULL;
        free(text);
        /* The export itself is an entry: count before it. */
        uint64_t size = audit_size(g) - 1;
        assert_log_verifies(g);
        kluis_engine_close(g);
        if (rc == KLUIS_OK) {
            assert_true(stored);
            assert_int_equal(size, before + 1);
            break;
        }
        assert_false(stored);
        assert_int_equal(size, before);
        before = size + 1; /* the export's entry */
        assert_true(n < 1000);
    }
    /* A read of a value: no value without its entry. */
    for (unsigned n = 1;; n++) {
        struct kluis_engine *f = try_open(kluis_store_faulty(&kluis_store_sqlite, "*", n));
        struct kluis_engine *g;
        kluis_rc rc = KLUIS_EIO;
        before = 0;
        if (f) {
            kluis_engine_set_now(f, t0);
            g = open_engine(&kluis_store_sqlite);
            before = audit_size(g);
            kluis_engine_close(g);
            rc = get(f, "acme", id, "service", NULL);
            kluis_engine_close(f);
        }
        g = open_engine(&kluis_store_sqlite);
        uint64_t size = audit_size(g);
        assert_log_verifies(g);
        kluis_engine_close(g);
        if (f && rc == KLUIS_OK) {
            assert_int_equal(size, before + 1);
            break;
        }
        if (f)
            assert_int_equal(size, before);
        assert_true(n < 1000);
    }
    *state = open_engine(&kluis_store_sqlite);
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

/*
 * Crypto-shredding reaches copies: a copy of the data store taken before an erasure holds the
 * subject's sealed values, but with the key store as it is after the erasure they no longer
 * open — read through the backend directly, so kluis does not first re-apply the erasure —
 * while another subject's values in the same copy still do (the control). Opened through the
 * engine, the copy loses the subject's records (the erased list is re-applied).
 */
static void test_erasure_reaches_copies(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t gone, kept;
    assert_int_equal(put(e, "acme", "jan@example.nl", "mail", NULL, NULL, &gone, NULL), KLUIS_OK);
    assert_int_equal(put(e, "acme", "els@example.nl", "mail", NULL, NULL, &kept, NULL), KLUIS_OK);
    kluis_engine_close(e);
    *state = NULL;
    char copy[300];
    snprintf(copy, sizeof(copy), "%s.before", db_path);
    copy_file(db_path, copy); /* closed: the WAL is checkpointed into the file */

    e = open_engine(&kluis_store_sqlite);
    kluis_engine_set_now(e, t0);
    struct kluis_erase_report *r = NULL;
    assert_int_equal(kluis_subject_erase(e, "acme", "jan@example.nl", &r, NULL), KLUIS_OK);
    assert_true(r->shredded);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->lines[0].erased, 1);
    kluis_erase_report_free(r);
    assert_int_equal(get(e, "acme", gone, "service", NULL), KLUIS_ENOTFOUND);
    assert_int_equal(get(e, "acme", kept, "service", NULL), KLUIS_OK);
    kluis_engine_close(e);

    /* The copy, through the backend alone, with today's key store. */
    char keys_path[300];
    snprintf(keys_path, sizeof(keys_path), "%s.keys", db_path);
    struct kluis_keys *k = NULL;
    struct kluis_store *s = NULL;
    assert_int_equal(kluis_keys_open(keys_path, &k, NULL), KLUIS_OK);
    assert_int_equal(
        kluis_store_open_backend(&kluis_store_sqlite, copy, kluis_keys_keyring(k), &s, NULL),
        KLUIS_OK);
    const struct kluis_store_backend *be = kluis_store_backend(s);
    int seen = 0;
    struct kluis_err err = {0};
    assert_int_equal(be->record_get(kluis_store_obj(s), "acme", gone, count_row, &seen, &err),
                     KLUIS_ENOTFOUND);
    assert_non_null(strstr(err.message, "erased"));
    assert_int_equal(be->record_get(kluis_store_obj(s), "acme", kept, count_row, &seen, NULL),
                     KLUIS_OK);
    assert_int_equal(seen, 1);
    kluis_store_close(s);

    /* Through the engine the copy is brought up to date: the erasure is applied again. */
    assert_int_equal(
        kluis_store_open_backend(&kluis_store_sqlite, copy, kluis_keys_keyring(k), &s, NULL),
        KLUIS_OK);
    struct kluis_engine *c = NULL;
    assert_int_equal(kluis_engine_open_store(policy, k, s, &c, NULL), KLUIS_OK);
    kluis_engine_set_now(c, t0);
    char *text = NULL;
    assert_int_equal(kluis_subject_export(c, "acme", "jan@example.nl", false, &text, NULL, NULL),
                     KLUIS_OK);
    assert_non_null(strstr(text, "\"records\": []"));
    free(text);
    assert_int_equal(get(c, "acme", kept, "service", NULL), KLUIS_OK);
    kluis_engine_close(c);
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[320];
        snprintf(p, sizeof(p), "%s%s", copy, suffixes[i]);
        unlink(p);
    }
    *state = open_engine(&kluis_store_sqlite);
}

int main(void)
{
    struct kluis_findings *f = kluis_findings_new();
    if (kluis_policy_load_buffer(policy_yaml, strlen(policy_yaml), "engine.yaml", f, &policy,
                                 NULL) != KLUIS_OK) {
        for (size_t i = 0; i < kluis_findings_count(f); i++)
            fprintf(stderr, "%d: %s\n", kluis_findings_get(f, i)->line,
                    kluis_findings_get(f, i)->message);
        return 1;
    }
    kluis_findings_free(f);
    kluis_time_parse("2026-11-01T09:00:00Z", &t0, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_opt_in_storage_and_tenant_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_never_returned_and_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_move_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legal_minimum_and_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_report_and_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_records_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_injection_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_atomic_with_actions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erasure_reaches_copies, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    kluis_policy_free(policy);
    return rc;
}
