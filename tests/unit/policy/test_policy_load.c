/*
 * The policy loader: every clause kind reaches the model as written, positions are right, and
 * hostile input gets a finding, never a crash.
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

static const char *const head = "kluis: 1\n"
                                "organisation:\n"
                                "  name: T B.V.\n"
                                "  address: Straat 1\n"
                                "  country: NL\n"
                                "  contact: {email: a@b.example}\n"
                                "  dpo: {appointed: false, reason: {nl: n, en: e}}\n"
                                "events:\n"
                                "  - {id: draft.approved, name: {nl: a, en: b}}\n"
                                "  - {id: draft.skipped, name: {nl: a, en: b}}\n"
                                "# q rests on consent and o on legitimate interest, so the "
                                "built-in events can name them\n"
                                "purposes: [{id: p, name: {nl: p, en: p}, basis: contract, "
                                "categories: [c]}, {id: q, name: {nl: q, en: q}, basis: consent, "
                                "categories: [c]}, {id: o, name: {nl: o, en: o}, basis: "
                                "legitimate_interest, categories: [c]}]\n"
                                "categories:\n"
                                "  - id: c\n"
                                "    name: {nl: C, en: C}\n"
                                "    role: controller\n";

/* Loads head + tail; returns the policy or NULL, with the findings in *out_f. */
static struct kluis_policy *load(const char *tail, struct kluis_findings **out_f)
{
    size_t n = strlen(head) + strlen(tail) + 1;
    char *buf = malloc(n);
    snprintf(buf, n, "%s%s", head, tail);
    struct kluis_findings *f = kluis_findings_new();
    struct kluis_policy *p = NULL;
    kluis_policy_load_buffer(buf, strlen(buf), "t.yaml", f, &p, NULL);
    free(buf);
    kluis_findings_sort(f);
    *out_f = f;
    return p;
}

static const struct kluis_clause *only_clause(struct kluis_policy *p, size_t i)
{
    const struct kluis_category *c = kluis_policy_find_category(p, "c");
    assert_non_null(c);
    assert_non_null(c->retention);
    assert_true(i < c->retention->n_clauses);
    return &c->retention->clauses[i];
}

static void test_rolling(void **state)
{
    (void)state;
    struct kluis_findings *f;
    struct kluis_policy *p = load("    retention: 7d\n", &f);
    assert_non_null(p);
    const struct kluis_clause *cl = only_clause(p, 0);
    assert_int_equal(cl->kind, KLUIS_CLAUSE_PERIOD);
    assert_int_equal(cl->period.n, 7);
    assert_int_equal(cl->period.unit, KLUIS_UNIT_DAY);
    assert_int_equal(cl->anchor.kind, KLUIS_ANCHOR_CREATED);
    assert_int_equal(cl->pos.line, 17);
    assert_int_equal(cl->pos.col, 16);
    kluis_policy_free(p);
    kluis_findings_free(f);
}

static void test_after_events_and_until(void **state)
{
    (void)state;
    struct kluis_findings *f;
    struct kluis_policy *p = load("    retention:\n"
                                  "      - 30d after draft.approved | draft.skipped\n"
                                  "      - until draft.approved + 2w\n"
                                  "      - until consent.withdrawn(q)|subject.objected(o)\n",
                                  &f);
    assert_non_null(p);
    const struct kluis_clause *cl = only_clause(p, 0);
    assert_int_equal(cl->kind, KLUIS_CLAUSE_PERIOD);
    assert_int_equal(cl->anchor.kind, KLUIS_ANCHOR_EVENT);
    assert_int_equal(cl->anchor.n_events, 2);
    assert_string_equal(cl->anchor.events[1].event, "draft.skipped");
    assert_null(cl->anchor.events[1].purpose);
    cl = only_clause(p, 1);
    assert_int_equal(cl->kind, KLUIS_CLAUSE_UNTIL);
    assert_int_equal(cl->period.n, 2);
    assert_int_equal(cl->period.unit, KLUIS_UNIT_WEEK);
    cl = only_clause(p, 2);
    assert_int_equal(cl->kind, KLUIS_CLAUSE_UNTIL);
    assert_int_equal(cl->period.n, 0);
    assert_string_equal(cl->anchor.events[0].event, "consent.withdrawn");
    assert_string_equal(cl->anchor.events[0].purpose, "q");
    assert_string_equal(cl->anchor.events[1].event, "subject.objected");
    kluis_policy_free(p);
    kluis_findings_free(f);
}

static void test_calendar_tenant_legal(void **state)
{
    (void)state;
    struct kluis_findings *f;
    struct kluis_policy *p =
        load("    retention:\n"
             "      - at next 01-01\n"
             "      - 7y from next 07-01\n"
             "      - tenant: {default: 90d, min: 0d, max: 2y, after: draft.approved}\n"
             "      - legal: {period: 10y, from: next 01-01, source: \"art. III.86 WER\", "
             "country: BE}\n"
             "      - legal: {period: 7y, after: draft.approved, from: next 07-01}\n",
             &f);
    assert_non_null(p);
    const struct kluis_clause *cl = only_clause(p, 0);
    assert_int_equal(cl->anchor.kind, KLUIS_ANCHOR_DATE);
    assert_int_equal(cl->anchor.month, 1);
    assert_int_equal(cl->period.n, 0);
    cl = only_clause(p, 1);
    assert_int_equal(cl->anchor.month, 7);
    assert_int_equal(cl->period.unit, KLUIS_UNIT_YEAR);
    cl = only_clause(p, 2);
    assert_int_equal(cl->kind, KLUIS_CLAUSE_TENANT);
    assert_int_equal(cl->period.n, 90);
    assert_true(cl->has_min);
    assert_true(cl->has_max);
    assert_int_equal(cl->max.unit, KLUIS_UNIT_YEAR);
    assert_int_equal(cl->anchor.kind, KLUIS_ANCHOR_EVENT);
    cl = only_clause(p, 3);
    assert_int_equal(cl->kind, KLUIS_CLAUSE_LEGAL);
    assert_string_equal(cl->source, "art. III.86 WER");
    assert_string_equal(cl->country, "BE");
    assert_int_equal(cl->anchor.kind, KLUIS_ANCHOR_DATE);
    cl = only_clause(p, 4);
    assert_int_equal(cl->anchor.kind, KLUIS_ANCHOR_EVENT);
    assert_string_equal(cl->anchor.events[0].event, "draft.approved");
    assert_int_equal(cl->anchor.month, 7);
    assert_int_equal(cl->anchor.day, 1);
    kluis_policy_free(p);
    kluis_findings_free(f);
}

/* The first finding's rule, line and column must be as given. */
static void expect_error(const char *tail, const char *rule, int line, int col)
{
    struct kluis_findings *f;
    struct kluis_policy *p = load(tail, &f);
    assert_null(p);
    assert_true(kluis_findings_count(f) >= 1);
    const struct kluis_finding *x = kluis_findings_get(f, 0);
    assert_int_equal(x->severity, KLUIS_SEV_ERROR);
    assert_string_equal(x->rule, rule);
    assert_int_equal(x->line, line);
    assert_int_equal(x->col, col);
    kluis_findings_free(f);
}

static void test_clause_errors(void **state)
{
    (void)state;
    expect_error("    retention: 7days\n", "schema-value", 17, 16);
    expect_error("    retention: 30d after\n", "schema-value", 17, 25);
    expect_error("    retention: \"30d aftre draft.approved\"\n", "schema-value", 17, 21);
    expect_error("    retention: at next 02-30\n", "schema-value", 17, 24);
    expect_error("    retention: until consent.withdrawn\n", "schema-value", 17, 22);
    expect_error("    retention: until nope.event\n", "schema-reference", 17, 16);
    expect_error("    retention: until subject.objected(nope)\n", "schema-reference", 17, 16);
    expect_error("    retention: {tenant: {min: 0d}}\n", "schema-required", 17, 25);
    expect_error("    retention: {legal: {period: 7y, sauce: x}}\n", "schema-unknown-key", 17, 37);
    expect_error("    retention: {forever: 1}\n", "schema-unknown-key", 17, 17);
}

static void test_schema_errors(void **state)
{
    (void)state;
    expect_error("    retension: 7d\n", "schema-unknown-key", 17, 5);
    expect_error("    special: yes\n", "schema-value", 17, 14);
    expect_error("    name: Plain\n", "schema-duplicate", 17, 5);
    expect_error("    storage: kept\n", "schema-value", 17, 14);
    expect_error("    key_class: mail\n", "schema-reference", 17, 16);
    expect_error("  - id: c\n    name: {nl: D, en: D}\n    role: controller\n", "schema-duplicate",
                 17, 9);
    expect_error("    examples: {nl: alleen nl}\n", "schema-required", 17, 15);
    expect_error("    subjects: [Bad Id]\n", "schema-value", 17, 16);
}

/* The policy head + tail does not load, and some error says each of the needles. */
static void expect_message(const char *tail, const char *rule, int line, int col,
                           const char *needle)
{
    struct kluis_findings *f;
    struct kluis_policy *p = load(tail, &f);
    assert_null(p);
    bool found = false;
    for (size_t i = 0; i < kluis_findings_count(f) && !found; i++) {
        const struct kluis_finding *x = kluis_findings_get(f, i);
        found = strcmp(x->rule, rule) == 0 && x->line == line && x->col == col &&
                strstr(x->message, needle) != NULL;
    }
    if (!found) {
        for (size_t i = 0; i < kluis_findings_count(f); i++) {
            const struct kluis_finding *x = kluis_findings_get(f, i);
            fprintf(stderr, "# %d:%d: [%s] %s\n", x->line, x->col, x->rule, x->message);
        }
        fprintf(stderr, "# wanted %d:%d [%s] ...%s...\n", line, col, rule, needle);
    }
    assert_true(found);
    kluis_findings_free(f);
}

static void test_builtin_events_need_their_basis(void **state)
{
    (void)state;
    /* Consent can only be withdrawn from a purpose that rests on it (art. 7(3)). */
    expect_message("    retention: until consent.withdrawn(p)\n", "schema-reference", 17, 16,
                   "purpose 'p' does not rest on consent");
    expect_message("    retention: until consent.withdrawn(o)\n", "schema-reference", 17, 16,
                   "purpose 'o' does not rest on consent");
    /* The right to object exists only against legitimate interest, public task and direct
     * marketing (art. 21). */
    expect_message("    retention: 7d after subject.objected(p)\n", "schema-reference", 17, 16,
                   "the right to object (art. 21) applies only there");
    expect_message("    retention: {tenant: {default: 7d, after: subject.objected(q)}}\n",
                   "schema-reference", 17, 16, "purpose 'q' rests neither on legitimate_interest");

    /* The right ones load. */
    struct kluis_findings *f;
    struct kluis_policy *p =
        load("    retention: until consent.withdrawn(q) | subject.objected(o)\n", &f);
    assert_non_null(p);
    kluis_policy_free(p);
    kluis_findings_free(f);
}

static const char *const recipient = "subprocessors:\n"
                                     "  - id: postmark\n"
                                     "    name: Postmark\n"
                                     "    locations: [NL]\n"
                                     "    categories: [c]\n";

static void test_subprocessor_purposes(void **state)
{
    (void)state;
    char tail[512];
    snprintf(tail, sizeof(tail), "    retention: 7d\n%s    purposes: [q, p]\n", recipient);
    struct kluis_findings *f;
    struct kluis_policy *p = load(tail, &f);
    assert_non_null(p);
    const struct kluis_subprocessor *sp = kluis_policy_subprocessor(p, 0);
    assert_int_equal(sp->n_purposes, 2);
    assert_string_equal(sp->purposes[0], "q");
    assert_string_equal(sp->purposes[1], "p");
    kluis_policy_free(p);
    kluis_findings_free(f);

    /* Without `purposes:` the list is empty (every purpose that uses its categories). */
    snprintf(tail, sizeof(tail), "    retention: 7d\n%s", recipient);
    p = load(tail, &f);
    assert_non_null(p);
    assert_int_equal(kluis_policy_subprocessor(p, 0)->n_purposes, 0);
    assert_null(kluis_policy_subprocessor(p, 0)->purposes);
    kluis_policy_free(p);
    kluis_findings_free(f);

    snprintf(tail, sizeof(tail), "    retention: 7d\n%s    purposes: [p, nope]\n", recipient);
    expect_message(tail, "schema-reference", 23, 19,
                   "purpose 'nope' of sub-processor 'postmark' is not declared");
    snprintf(tail, sizeof(tail), "    retention: 7d\n%s    purposes: []\n", recipient);
    expect_message(tail, "schema-value", 23, 15, "is an empty list");
}

static void test_text_with_a_comma(void **state)
{
    (void)state;
    char tail[512];
    /* Flow style: the comma ends the Dutch text and "notificaties" becomes a key. */
    snprintf(tail, sizeof(tail),
             "    retention: 7d\n%s    purpose: {nl: Transactionele e-mail, notificaties, en: "
             "Transactional email}\n",
             recipient);
    expect_message(tail, "schema-unknown-key", 23, 42,
                   "unknown key 'notificaties' in the Dutch/English text of 'purpose' of "
                   "sub-processor 'postmark'; a comma inside {nl: …, en: …} ends the text: put "
                   "the text in quotes");
    /* A misspelt language is named as such, in flow style too. */
    snprintf(tail, sizeof(tail), "    retention: 7d\n%s    purpose: {nl: Mail, eng: Mail}\n",
             recipient);
    expect_message(tail, "schema-unknown-key", 23, 25, "did you mean 'en'?");
    /* Block style has no such comma. */
    snprintf(tail, sizeof(tail),
             "    retention: 7d\n%s    purpose:\n      nl: Mail\n      de: Post\n      en: "
             "Mail\n",
             recipient);
    expect_message(tail, "schema-unknown-key", 25, 7, "a text has only 'nl' and 'en'");
}

/* Input that must be refused without a crash, with its rule. */
static void expect_refused(const char *buf, size_t len, const char *rule)
{
    struct kluis_findings *f = kluis_findings_new();
    struct kluis_policy *p = NULL;
    kluis_rc rc = kluis_policy_load_buffer(buf, len, "x.yaml", f, &p, NULL);
    assert_int_not_equal(rc, KLUIS_OK);
    assert_null(p);
    assert_true(kluis_findings_count(f) >= 1);
    assert_string_equal(kluis_findings_get(f, 0)->rule, rule);
    kluis_findings_free(f);
}

static void test_hostile_input(void **state)
{
    (void)state;
    expect_refused("a: [1, 2\n", 9, "yaml");
    expect_refused("a: &x 1\nb: *x\n", 14, "yaml");
    expect_refused("a: !!str 1\n", 11, "yaml");
    expect_refused("a: 1\n---\nb: 2\n", 14, "yaml");
    expect_refused("\x00\x01\xff\xfe garbage", 12, "yaml");
    expect_refused("kluis: 1\nkluis: 1\n", 18, "schema-duplicate");
    expect_refused("kluis: 2\n", 9, "schema-version");
    expect_refused("", 0, "schema-required");
    expect_refused("- just\n- a list\n", 16, "schema-type");

    /* Deep nesting: far past the limit, in flow and block style. */
    size_t n = 10000;
    char *deep = malloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    struct kluis_findings *f = kluis_findings_new();
    struct kluis_policy *p = NULL;
    assert_int_not_equal(kluis_policy_load_buffer(deep, 2 * n, "d.yaml", f, &p, NULL), KLUIS_OK);
    assert_true(kluis_findings_count(f) >= 1);
    kluis_findings_free(f);
    free(deep);

    /* Larger than the limit. */
    size_t big = KLUIS_POLICY_MAX_BYTES + 1;
    char *huge = malloc(big);
    memset(huge, '#', big);
    f = kluis_findings_new();
    assert_int_equal(kluis_policy_load_buffer(huge, big, "h.yaml", f, &p, NULL), KLUIS_ETOOBIG);
    assert_string_equal(kluis_findings_get(f, 0)->rule, "schema-limit");
    kluis_findings_free(f);
    free(huge);
}

static void test_every_error_reported(void **state)
{
    (void)state;
    struct kluis_findings *f;
    struct kluis_policy *p = load("    retension: 7d\n"
                                  "    special: maybe\n"
                                  "    key_class: nope\n",
                                  &f);
    assert_null(p);
    assert_int_equal(kluis_findings_count_sev(f, KLUIS_SEV_ERROR), 3);
    kluis_findings_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rolling),
        cmocka_unit_test(test_after_events_and_until),
        cmocka_unit_test(test_calendar_tenant_legal),
        cmocka_unit_test(test_clause_errors),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_every_error_reported),
        cmocka_unit_test(test_builtin_events_need_their_basis),
        cmocka_unit_test(test_subprocessor_purposes),
        cmocka_unit_test(test_text_with_a_comma),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
