/*
 * The GDPR rules of kluis_policy_check(): each case is a small policy that differs from a clean
 * one in one place, and the findings it must (or must not) produce.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/kluis.h"

/*
 * A policy that checks clean. The %s are, in order: more top-level sections, the retention of the
 * controller category, whether the processor category is special, and its retention.
 */
#define CLEAN                                                                                      \
    "kluis: 1\n"                                                                                   \
    "organisation:\n"                                                                              \
    "  name: T B.V.\n"                                                                             \
    "  address: Straat 1\n"                                                                        \
    "  country: NL\n"                                                                              \
    "  contact: {email: a@b.example}\n"                                                            \
    "  dpo: {appointed: false, reason: {nl: n, en: e}}\n"                                          \
    "authorities:\n"                                                                               \
    "  - {id: ap, name: {nl: AP, en: AP}, country: NL}\n"                                          \
    "backups: {retention: 30d}\n"                                                                  \
    "purposes:\n"                                                                                  \
    "  - {id: own, name: {nl: o, en: o}, basis: contract, categories: [account]}\n"                \
    "  - {id: theirs, name: {nl: t, en: t}, role: processor, categories: [calls]}\n"               \
    "%s"                                                                                           \
    "categories:\n"                                                                                \
    "  - id: account\n"                                                                            \
    "    name: {nl: A, en: A}\n"                                                                   \
    "    role: controller\n"                                                                       \
    "    retention: %s\n"                                                                          \
    "  - id: calls\n"                                                                              \
    "    name: {nl: C, en: C}\n"                                                                   \
    "    role: processor\n"                                                                        \
    "    special: %s\n"                                                                            \
    "    retention: %s\n"

struct variant {
    const char *extra;             /* more top-level sections */
    const char *account_retention; /* the controller category's rule */
    const char *calls_special;     /* "true" / "false" */
    const char *calls_retention;   /* the processor category's rule */
};

/* Loads and checks the variant; returns the findings (the policy must load). */
static struct kluis_findings *check(const struct variant *v)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), CLEAN, v->extra ? v->extra : "",
             v->account_retention ? v->account_retention : "24mo",
             v->calls_special ? v->calls_special : "false",
             v->calls_retention ? v->calls_retention : "7d");
    struct kluis_findings *f = kluis_findings_new();
    struct kluis_policy *p = NULL;
    kluis_rc rc = kluis_policy_load_buffer(buf, strlen(buf), "t.yaml", f, &p, NULL);
    if (rc != KLUIS_OK) {
        for (size_t i = 0; i < kluis_findings_count(f); i++)
            fprintf(stderr, "# [%s] %s\n", kluis_findings_get(f, i)->rule,
                    kluis_findings_get(f, i)->message);
    }
    assert_int_equal(rc, KLUIS_OK);
    assert_int_equal(kluis_policy_check(p, f, NULL), KLUIS_OK);
    kluis_findings_sort(f);
    kluis_policy_free(p);
    return f;
}

/* The finding of rule, or NULL. */
static const struct kluis_finding *find(const struct kluis_findings *f, const char *rule)
{
    for (size_t i = 0; i < kluis_findings_count(f); i++) {
        if (strcmp(kluis_findings_get(f, i)->rule, rule) == 0)
            return kluis_findings_get(f, i);
    }
    return NULL;
}

static void print_all(const struct kluis_findings *f)
{
    for (size_t i = 0; i < kluis_findings_count(f); i++)
        fprintf(stderr, "# [%s] %s\n", kluis_findings_get(f, i)->rule,
                kluis_findings_get(f, i)->message);
}

static void expect_clean(const struct variant *v)
{
    struct kluis_findings *f = check(v);
    if (kluis_findings_count(f) != 0)
        print_all(f);
    assert_int_equal(kluis_findings_count(f), 0);
    kluis_findings_free(f);
}

/* Exactly one finding, of rule and severity, whose message says needle. */
static void expect_one(const struct variant *v, const char *rule, enum kluis_severity sev,
                       const char *needle)
{
    struct kluis_findings *f = check(v);
    const struct kluis_finding *x = find(f, rule);
    if (kluis_findings_count(f) != 1 || !x || !strstr(x->message, needle))
        print_all(f);
    assert_int_equal(kluis_findings_count(f), 1);
    assert_non_null(x);
    assert_int_equal(x->severity, sev);
    assert_non_null(strstr(x->message, needle));
    kluis_findings_free(f);
}

static void test_clean(void **state)
{
    (void)state;
    expect_clean(&(struct variant){0});
}

static void test_special_condition_is_the_controllers(void **state)
{
    (void)state;
    /* Special data processed on a customer's instructions: the art. 9(2) condition is the
     * customer's, so the processor purpose needs none. */
    expect_clean(&(struct variant){.calls_special = "true"});
}

static void test_retention_tenant_controller(void **state)
{
    (void)state;
    expect_one(&(struct variant){.account_retention = "{tenant: {default: 90d, max: 2y}}"},
               "retention-tenant-controller", KLUIS_SEV_ERROR,
               "customers do not set the retention of the organisation's own data");
    /* On data processed for customers it is what a tenant clause is for. */
    expect_clean(&(struct variant){.calls_retention = "{tenant: {default: 90d, max: 2y}}"});
}

static void test_retention_legal_country(void **state)
{
    (void)state;
    expect_one(&(struct variant){.account_retention = "{legal: {period: 10y, source: \"art. "
                                                      "III.86 WER\", country: BE}}"},
               "retention-legal-country", KLUIS_SEV_WARNING,
               "applies in Belgium only, but for the organisation's own data (role: controller) "
               "the organisation's country counts (Netherlands), so it can never apply");
    expect_clean(&(struct variant){
        .account_retention = "{legal: {period: 7y, source: \"art. 52 AWR\", country: NL}}"});
    /* For processor data the tenant's country decides: any country may apply. */
    expect_clean(&(struct variant){.calls_retention = "{legal: {period: 10y, source: \"art. "
                                                      "III.86 WER\", country: BE}}"});
}

static void test_adequacy_without_decision(void **state)
{
    (void)state;
    expect_one(&(struct variant){.extra = "subprocessors:\n"
                                          "  - {id: cc, name: Callcentre, locations: [IN], "
                                          "transfer: [adequacy], categories: [account], dpa: "
                                          "true}\n"},
               "transfer-mechanism", KLUIS_SEV_ERROR,
               "India has no adequacy decision (art. 45); add scc, bcr or derogation");
    expect_one(&(struct variant){.extra = "subprocessors:\n"
                                          "  - {id: us, name: Cloud, locations: [US], "
                                          "transfer: [adequacy], categories: [account], dpa: "
                                          "true}\n"},
               "transfer-mechanism", KLUIS_SEV_ERROR, "write dpf for a certified recipient");
    /* Where there is a decision, naming it is right. */
    expect_clean(&(struct variant){.extra = "subprocessors:\n"
                                            "  - {id: ch, name: Bank, locations: [CH], "
                                            "transfer: [adequacy], categories: [account], dpa: "
                                            "true}\n"});
}

static void test_rights_channel_place(void **state)
{
    (void)state;
    /* The place of the finding is "rights", so `at: rights` acknowledges it. */
    static const char yaml[] = "kluis: 1\n"
                               "organisation:\n"
                               "  name: T B.V.\n"
                               "  address: Straat 1\n"
                               "  country: NL\n"
                               "  contact: {}\n"
                               "  dpo: {appointed: false, reason: {nl: n, en: e}}\n"
                               "categories:\n"
                               "  - {id: c, name: {nl: C, en: C}, role: controller}\n";
    struct kluis_findings *f = kluis_findings_new();
    struct kluis_policy *p = NULL;
    assert_int_equal(kluis_policy_load_buffer(yaml, sizeof(yaml) - 1, "t.yaml", f, &p, NULL),
                     KLUIS_OK);
    assert_int_equal(kluis_policy_check(p, f, NULL), KLUIS_OK);
    const struct kluis_finding *x = find(f, "rights-channel");
    assert_non_null(x);
    assert_string_equal(x->at, "rights");
    kluis_policy_free(p);
    kluis_findings_free(f);
}

static void test_every_rule_has_article_and_summary(void **state)
{
    (void)state;
    size_t n = 0;
    const struct kluis_rule_info *r = kluis_policy_rules(&n);
    bool tenant_controller = false, legal_country = false;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(r[i].summary);
        if (strcmp(r[i].id, "ack-unused") != 0)
            assert_non_null(r[i].article);
        if (strcmp(r[i].id, "retention-tenant-controller") == 0) {
            tenant_controller = true;
            assert_int_equal(r[i].severity, KLUIS_SEV_ERROR);
        }
        if (strcmp(r[i].id, "retention-legal-country") == 0) {
            legal_country = true;
            assert_int_equal(r[i].severity, KLUIS_SEV_WARNING);
        }
    }
    assert_true(tenant_controller);
    assert_true(legal_country);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_special_condition_is_the_controllers),
        cmocka_unit_test(test_retention_tenant_controller),
        cmocka_unit_test(test_retention_legal_country),
        cmocka_unit_test(test_adequacy_without_decision),
        cmocka_unit_test(test_rights_channel_place),
        cmocka_unit_test(test_every_rule_has_article_and_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
