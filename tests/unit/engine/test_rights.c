/*
 * Data-subject rights in the engine: a fulfilment and its effects are one (fault injection at
 * every store call), the purpose gate's order of precedence, lookup identifiers.
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

static const char policy_yaml[] =
    "kluis: 1\n"
    "organisation:\n"
    "  name: T B.V.\n"
    "  address: Straat 1\n"
    "  country: NL\n"
    "  timezone: Europe/Amsterdam\n"
    "  contact: {email: a@b.example}\n"
    "  dpo: {appointed: false, reason: {nl: n, en: e}}\n"
    "categories:\n"
    "  - {id: account, name: {nl: A, en: A}, role: controller, retention: 2y}\n"
    "  - id: invoices\n"
    "    name: {nl: F, en: F}\n"
    "    role: controller\n"
    "    retention: {legal: {period: 7y, source: \"art. 52 AWR\"}}\n"
    "purposes:\n"
    "  - id: service\n"
    "    name: {nl: S, en: S}\n"
    "    basis: contract\n"
    "    categories: [account]\n"
    "  - id: news\n"
    "    name: {nl: N, en: N}\n"
    "    basis: consent\n"
    "    consent: news\n"
    "    categories: [account]\n"
    "  - id: billing\n"
    "    name: {nl: B, en: B}\n"
    "    basis: legal_obligation\n"
    "    legal_source: art. 52 AWR\n"
    "    categories: [invoices]\n"
    "consents:\n"
    "  - id: news\n"
    "    version: v3\n"
    "    text: {nl: t, en: t}\n"
    "    withdraw: {nl: w, en: w}\n";

static struct kluis_engine *open_engine(void)
{
    struct kluis_engine *e = try_open(&kluis_store_sqlite);
    assert_non_null(e);
    return e;
}

static int setup(void **state)
{
    static int n;
    snprintf(db_path, sizeof(db_path), "/tmp/kluis-rights-%d-%d.db", (int)getpid(), ++n);
    remove_db();
    struct kluis_engine *e = open_engine();
    assert_int_equal(kluis_tenant_add(e, "acme", "NL", NULL), KLUIS_OK);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    kluis_engine_close(*state);
    remove_db();
    return 0;
}

static uint64_t put(struct kluis_engine *e, const char *subject, const char *category,
                    const char *value)
{
    struct kluis_record_input in = {.tenant = "acme",
                                    .subject = subject,
                                    .category = category,
                                    .value = value,
                                    .value_len = strlen(value)};
    uint64_t id = 0;
    struct kluis_err err = {0};
    if (kluis_record_put(e, &in, &id, &err) != KLUIS_OK)
        fail_msg("put: %s", err.message);
    return id;
}

static kluis_rc read_rec(struct kluis_engine *e, uint64_t id, const char *purpose,
                         struct kluis_err *err)
{
    struct kluis_record *r = NULL;
    kluis_rc rc = kluis_record_read(e, "acme", id, purpose, KLUIS_GROUND_NONE, &r, err);
    kluis_record_free(r);
    return rc;
}

static char *show(struct kluis_engine *e, uint64_t id)
{
    char *text = NULL;
    assert_int_equal(kluis_request_show(e, NULL, id, &text, NULL), KLUIS_OK);
    return text;
}

static void assert_log_verifies(struct kluis_engine *e)
{
    struct kluis_audit_report r;
    assert_int_equal(kluis_audit_verify(e, NULL, 0, &r, NULL), KLUIS_OK);
    if (!r.ok)
        fail_msg("audit log: %s", r.problem);
}

/*
 * A fulfilled erasure and its request are one: fail the nth store call of the fulfilment for
 * every n until it succeeds. After each failure the request is still verified, the invoice is
 * there, and the account either is or is gone for good; after the success the request is
 * fulfilled, the account is gone and the invoice kept. The audit log verifies after each.
 */
static void test_erasure_fulfil_atomic(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t acc = put(e, "anna", "account", "Anna"), inv = put(e, "anna", "invoices", "F-1");
    struct kluis_request_input in = {
        .tenant = "acme", .subject = {.ref = "anna"}, .type = KLUIS_REQUEST_ERASURE};
    uint64_t req;
    assert_int_equal(kluis_request_open(e, &in, &req, NULL), KLUIS_OK);
    assert_int_equal(kluis_request_verify(e, NULL, req, "id_document", NULL), KLUIS_OK);
    kluis_engine_close(e);
    *state = NULL;
    for (unsigned n = 1;; n++) {
        struct kluis_engine *f = try_open(kluis_store_faulty(&kluis_store_sqlite, "*", n));
        kluis_rc rc = KLUIS_EIO;
        if (f) {
            struct kluis_fulfil_input fi = {.id = req};
            struct kluis_answer a = {0};
            rc = kluis_request_fulfil(f, &fi, &a, NULL);
            kluis_answer_free(&a);
            kluis_engine_close(f);
        }
        struct kluis_engine *g = open_engine();
        char *text = show(g, req);
        bool fulfilled = strstr(text, "\"state\": \"fulfilled\"") != NULL;
        free(text);
        kluis_rc acc_rc = read_rec(g, acc, "service", NULL),
                 inv_rc = read_rec(g, inv, "billing", NULL);
        assert_log_verifies(g);
        kluis_engine_close(g);
        assert_int_equal(inv_rc, KLUIS_OK); /* kept either way (art. 17(3)(b)) */
        if (rc == KLUIS_OK) {
            assert_true(fulfilled);
            assert_int_equal(acc_rc, KLUIS_ENOTFOUND);
            break;
        }
        /* Not fulfilled. The account is there, or - when the key store had committed the
         * erasure before the data store failed - gone: the erased list completes an erasure
         * on the next open, so no subject stays half-erased. */
        assert_false(fulfilled);
        assert_true(acc_rc == KLUIS_OK || acc_rc == KLUIS_ENOTFOUND);
        assert_true(n < 2000);
    }
    *state = open_engine();
}

/* The gate: consent, then withdrawal, for a consent purpose; the contract purpose is untouched;
 * a restriction stops both until a ground is named. */
static void test_gate(void **state)
{
    struct kluis_engine *e = *state;
    uint64_t acc = put(e, "anna", "account", "Anna");
    struct kluis_err err = {0};
    struct kluis_subject_name anna = {.ref = "anna"};
    assert_int_equal(read_rec(e, acc, "news", &err), KLUIS_EREFUSED);
    assert_non_null(strstr(err.message, "was not given"));
    assert_int_equal(kluis_consent_give(e, "acme", &anna, "news", NULL, NULL), KLUIS_OK);
    assert_int_equal(read_rec(e, acc, "news", NULL), KLUIS_OK);
    /* Consent for a contract purpose is refused: it does not rest on consent. */
    assert_int_equal(kluis_consent_give(e, "acme", &anna, "service", "v1", &err), KLUIS_EREFUSED);
    assert_int_equal(kluis_consent_withdraw(e, "acme", &anna, "news", NULL), KLUIS_OK);
    assert_int_equal(read_rec(e, acc, "news", &err), KLUIS_EREFUSED);
    assert_non_null(strstr(err.message, "withdrew consent"));
    assert_int_equal(kluis_consent_withdraw(e, "acme", &anna, "news", &err), KLUIS_EREFUSED);
    assert_int_equal(read_rec(e, acc, "service", NULL), KLUIS_OK);
    /* Restriction. */
    struct kluis_request_input in = {
        .tenant = "acme", .subject = {.ref = "anna"}, .type = KLUIS_REQUEST_RESTRICTION};
    uint64_t req;
    assert_int_equal(kluis_request_open(e, &in, &req, NULL), KLUIS_OK);
    assert_int_equal(kluis_request_verify(e, NULL, req, "in_person", NULL), KLUIS_OK);
    struct kluis_fulfil_input fi = {.id = req};
    struct kluis_answer a = {0};
    assert_int_equal(kluis_request_fulfil(e, &fi, &a, NULL), KLUIS_OK);
    kluis_answer_free(&a);
    assert_int_equal(read_rec(e, acc, "service", &err), KLUIS_EREFUSED);
    struct kluis_record *r = NULL;
    assert_int_equal(
        kluis_record_read(e, "acme", acc, "service", KLUIS_GROUND_LEGAL_CLAIMS, &r, NULL),
        KLUIS_OK);
    kluis_record_free(r);
    assert_int_equal(kluis_request_lift(e, NULL, req, false, &err), KLUIS_EREFUSED);
    assert_int_equal(kluis_request_lift(e, NULL, req, true, NULL), KLUIS_OK);
    assert_int_equal(read_rec(e, acc, "service", NULL), KLUIS_OK);
    assert_int_equal(kluis_request_lift(e, NULL, req, true, &err), KLUIS_EREFUSED);
}

/* Identifiers: normalised, hashed per tenant, bad ones refused. */
static void test_idents(void **state)
{
    struct kluis_engine *e = *state;
    struct kluis_err err = {0};
    assert_int_equal(
        kluis_subject_ident_add(e, "acme", "cust-1", "email", "Anna@Mail.Example", NULL), KLUIS_OK);
    assert_int_equal(
        kluis_subject_ident_add(e, "acme", "cust-1", "phone", "0031 6-1234 5678", NULL), KLUIS_OK);
    const char *bad[][2] = {{"email", "no-at-sign"},   {"email", "a@b@c"},   {"email", "a b@c"},
                            {"phone", "12345"},        {"phone", "+31x612"}, {"fax", "123456"},
                            {"email", "@mail.example"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(kluis_subject_ident_add(e, "acme", "cust-1", bad[i][0], bad[i][1], &err),
                         KLUIS_EINVAL);
    put(e, "cust-1", "account", "Anna");
    /* The same person by phone in another notation, and by e-mail in another case. */
    struct kluis_request_input in = {.tenant = "acme",
                                     .subject = {.kind = "phone", .value = "+31 612345678"},
                                     .type = KLUIS_REQUEST_ACCESS};
    uint64_t r1, r2;
    assert_int_equal(kluis_request_open(e, &in, &r1, NULL), KLUIS_OK);
    in.subject = (struct kluis_subject_name){.kind = "email", .value = "ANNA@mail.example"};
    assert_int_equal(kluis_request_open(e, &in, &r2, NULL), KLUIS_OK);
    char *a = show(e, r1), *b = show(e, r2);
    const char *sa = strstr(a, "\"subject\""), *sb = strstr(b, "\"subject\"");
    assert_non_null(sa);
    assert_non_null(sb);
    assert_memory_equal(sa, sb, 30);
    assert_non_null(strstr(a, "\"account\""));
    free(a);
    free(b);
    /* Named twice is refused. */
    in.subject = (struct kluis_subject_name){.ref = "cust-1", .kind = "email", .value = "x@y.z"};
    assert_int_equal(kluis_request_open(e, &in, &r1, &err), KLUIS_EINVAL);
}

int main(void)
{
    struct kluis_err err = {0};
    if (kluis_policy_load_buffer(policy_yaml, sizeof(policy_yaml) - 1, "test.yaml", NULL, &policy,
                                 &err) != KLUIS_OK) {
        fprintf(stderr, "# policy: %s\n", err.message);
        return 1;
    }
    kluis_time_parse("2026-11-02T08:00:00Z", &t0, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_erasure_fulfil_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idents, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("rights", tests, NULL, NULL);
    kluis_policy_free(policy);
    return failed;
}
