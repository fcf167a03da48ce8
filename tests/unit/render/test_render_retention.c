/*
 * Retention in words: every clause kind of docs/policy.md, in Dutch and English, as exact
 * phrases. The cases are data: a category id with its expected phrase in both languages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/kluis.h"

static const char policy_yaml[] =
    "kluis: 1\n"
    "organisation:\n"
    "  name: Test B.V.\n"
    "  address: Teststraat 1, 1234 AB Utrecht\n"
    "  country: NL\n"
    "  contact: {email: privacy@test.example}\n"
    "  dpo:\n"
    "    appointed: false\n"
    "    reason: {nl: Wij zijn klein., en: We are small.}\n"
    "events:\n"
    "  - id: draft.approved\n"
    "    name: {nl: het concept is goedgekeurd, en: the draft is approved}\n"
    "  - id: draft.skipped\n"
    "    name: {nl: het concept is overgeslagen, en: the draft is skipped}\n"
    "  - id: integration.removed\n"
    "    name: {nl: de koppeling is verwijderd, en: the integration is removed}\n"
    "  - id: transcription.completed\n"
    "    name: {nl: de transcriptie is voltooid, en: the transcription is completed}\n"
    "  - id: account.closed\n"
    "    name: {nl: het account is opgeheven, en: the account is closed}\n"
    "categories:\n"
    "  - {id: rolling, name: {nl: A, en: A}, role: processor, retention: 7d}\n"
    "  - id: drafts\n"
    "    name: {nl: Concepten, en: Drafts}\n"
    "    role: processor\n"
    "    retention: 30d after draft.approved | draft.skipped\n"
    "  - id: tokens\n"
    "    name: {nl: Tokens, en: Tokens}\n"
    "    role: processor\n"
    "    retention: until integration.removed + 30d\n"
    "  - id: until_plain\n"
    "    name: {nl: B, en: B}\n"
    "    role: processor\n"
    "    retention: until integration.removed\n"
    "  - id: audio\n"
    "    name: {nl: Audio, en: Audio}\n"
    "    role: processor\n"
    "    retention: 0d after transcription.completed\n"
    "  - id: invoices\n"
    "    name: {nl: Facturen, en: Invoices}\n"
    "    role: controller\n"
    "    retention:\n"
    "      legal: {period: 7y, from: next 01-01, source: \"art. 52 AWR\"}\n"
    "  - id: forms\n"
    "    name: {nl: Formulieren, en: Forms}\n"
    "    role: controller\n"
    "    retention: at next 01-01\n"
    "  - id: messages\n"
    "    name: {nl: Berichten, en: Messages}\n"
    "    role: processor\n"
    "    retention:\n"
    "      tenant: {default: 90d, min: 0d, max: 2y}\n"
    "  - id: voice\n"
    "    name: {nl: Stemopnames, en: Voice recordings}\n"
    "    role: processor\n"
    "    storage: {default: transient, tenant_may_change: true}\n"
    "    retention:\n"
    "      tenant: {default: 0d, min: 0d, max: 90d, after: transcription.completed}\n"
    "  - id: closed_books\n"
    "    name: {nl: Boeken, en: Books}\n"
    "    role: controller\n"
    "    retention:\n"
    "      legal: {period: 7y, after: account.closed, from: next 01-01, source: \"art. 52 AWR\"}\n"
    "  - id: account\n"
    "    name: {nl: Account, en: Account}\n"
    "    role: controller\n"
    "    retention:\n"
    "      - until account.closed + 7y\n"
    "      - legal: {period: 7y, after: account.closed, source: \"art. 52 AWR\"}\n"
    "  - id: prospects\n"
    "    name: {nl: Prospects, en: Prospects}\n"
    "    role: controller\n"
    "    provided: false\n"
    "    source: {nl: KvK, en: Chamber of Commerce}\n"
    "    retention:\n"
    "      - 24mo\n"
    "      - until subject.objected(cold_outreach)\n"
    "  - id: style\n"
    "    name: {nl: Schrijfstijl, en: Writing style}\n"
    "    role: controller\n"
    "    retention: until consent.withdrawn(style_learning)\n"
    "  - id: style_after\n"
    "    name: {nl: C, en: C}\n"
    "    role: controller\n"
    "    retention: 30d after consent.withdrawn(style_learning)\n"
    "  - id: objected_after\n"
    "    name: {nl: D, en: D}\n"
    "    role: controller\n"
    "    retention: 7d after subject.objected(cold_outreach)\n"
    "  - id: bodies\n"
    "    name: {nl: Mail-bodies, en: Mail bodies}\n"
    "    role: processor\n"
    "    storage: transient\n"
    "  - id: unstated\n"
    "    name: {nl: E, en: E}\n"
    "    role: controller\n"
    "  - id: books\n"
    "    name: {nl: Boekhouding, en: Books}\n"
    "    role: processor\n"
    "    retention:\n"
    "      - legal: {period: 7y, from: next 01-01, source: \"art. 52 AWR\", country: NL}\n"
    "      - legal: {period: 10y, from: next 01-01, source: \"art. III.86 WER\", country: BE}\n"
    "  - id: three\n"
    "    name: {nl: F, en: F}\n"
    "    role: processor\n"
    "    retention:\n"
    "      - until integration.removed\n"
    "      - 90d after draft.skipped\n"
    "      - 12mo\n"
    "  - id: july\n"
    "    name: {nl: G, en: G}\n"
    "    role: controller\n"
    "    retention: 7y from next 07-01\n"
    "  - id: noted\n"
    "    name: {nl: H, en: H}\n"
    "    role: processor\n"
    "    retention: 7d\n"
    "    retention_note: {nl: dagelijkse purge, en: daily purge}\n"
    "  - {id: d1, name: {nl: d1, en: d1}, role: controller, retention: 1d}\n"
    "  - {id: h1, name: {nl: h1, en: h1}, role: controller, retention: 1h}\n"
    "  - {id: h72, name: {nl: h72, en: h72}, role: controller, retention: 72h}\n"
    "  - {id: w1, name: {nl: w1, en: w1}, role: controller, retention: 1w}\n"
    "  - {id: w2, name: {nl: w2, en: w2}, role: controller, retention: 2w}\n"
    "  - {id: mo1, name: {nl: mo1, en: mo1}, role: controller, retention: 1mo}\n"
    "  - {id: mo12, name: {nl: mo12, en: mo12}, role: controller, retention: 12mo}\n"
    "  - {id: y1, name: {nl: y1, en: y1}, role: controller, retention: 1y}\n"
    "  - {id: y7, name: {nl: y7, en: y7}, role: controller, retention: 7y}\n"
    "purposes:\n"
    "  - id: cold_outreach\n"
    "    name: {nl: Koude acquisitie, en: Cold outreach}\n"
    "    basis: legitimate_interest\n"
    "    interest: {nl: klanten vinden, en: finding customers}\n"
    "    categories: [prospects, objected_after]\n"
    "  - id: style_learning\n"
    "    name: {nl: Schrijfstijl leren, en: Learning your writing style}\n"
    "    basis: consent\n"
    "    consent: style\n"
    "    categories: [style, style_after]\n"
    "consents:\n"
    "  - id: style\n"
    "    text: {nl: Mag de assistent je stijl leren?, en: May the assistant learn your style?}\n"
    "    version: \"1\"\n"
    "    withdraw: {nl: Zet het uit., en: Switch it off.}\n";

struct phrase {
    const char *category;
    const char *nl;
    const char *en;
};

static const struct phrase phrases[] = {
    {"rolling", "7 dagen na aanmaak", "7 days after creation"},
    {"drafts", "30 dagen nadat het concept is goedgekeurd of het concept is overgeslagen",
     "30 days after the draft is approved or the draft is skipped"},
    {"tokens", "tot de koppeling is verwijderd, uiterlijk 30 dagen daarna",
     "until the integration is removed, at most 30 days after"},
    {"until_plain", "tot de koppeling is verwijderd", "until the integration is removed"},
    {"audio", "direct nadat de transcriptie is voltooid",
     "immediately after the transcription is completed"},
    {"invoices",
     "7 jaar vanaf 1 januari van het volgende jaar (wettelijke bewaarplicht: art. 52 "
     "AWR)",
     "7 years from 1 January of the following year (statutory retention: art. 52 AWR)"},
    {"forms", "tot de eerstvolgende 1 januari (minstens eenmaal per jaar gewist)",
     "until the next 1 January (cleared at least once a year)"},
    {"messages", "instelbaar per klant tussen 0 dagen en 2 jaar; standaard 90 dagen",
     "configurable per customer between 0 days and 2 years; default 90 days"},
    {"voice",
     "instelbaar per klant tussen 0 dagen en 90 dagen nadat de transcriptie is voltooid; "
     "standaard direct",
     "configurable per customer between 0 days and 90 days after the transcription is "
     "completed; default immediately"},
    {"closed_books",
     "7 jaar vanaf de eerste 1 januari nadat het account is opgeheven (wettelijke "
     "bewaarplicht: art. 52 AWR)",
     "7 years from the first 1 January after the account is closed (statutory retention: art. "
     "52 AWR)"},
    {"account",
     "tot het account is opgeheven, uiterlijk 7 jaar daarna; ten minste 7 jaar nadat het "
     "account is opgeheven (art. 52 AWR)",
     "until the account is closed, at most 7 years after; at least 7 years after the account is "
     "closed (art. 52 AWR)"},
    {"prospects",
     "24 maanden na aanmaak, of eerder, tot je bezwaar maakt tegen \u201cKoude acquisitie\u201d",
     "24 months after creation, or earlier, until you object to \u201c"
     "Cold outreach\u201d"},
    {"style", "tot je je toestemming voor \u201cSchrijfstijl leren\u201d intrekt",
     "until you withdraw your consent for \u201cLearning your writing style\u201d"},
    {"style_after",
     "30 dagen nadat je je toestemming voor \u201cSchrijfstijl leren\u201d hebt ingetrokken",
     "30 days after you withdraw your consent for \u201cLearning your writing style\u201d"},
    {"objected_after", "7 dagen nadat je bezwaar hebt gemaakt tegen \u201cKoude acquisitie\u201d",
     "7 days after you object to \u201c"
     "Cold outreach\u201d"},
    {"bodies", "nooit opgeslagen", "never stored"},
    {"unstated", "niet vastgelegd", "not stated"},
    {"books",
     "7 jaar vanaf 1 januari van het volgende jaar (wettelijke bewaarplicht in Nederland: art. "
     "52 AWR); 10 jaar vanaf 1 januari van het volgende jaar (wettelijke bewaarplicht in "
     "Belgi\u00eb: art. III.86 WER)",
     "7 years from 1 January of the following year (statutory retention in the Netherlands: "
     "art. 52 AWR); 10 years from 1 January of the following year (statutory retention in "
     "Belgium: art. III.86 WER)"},
    {"three",
     "tot de koppeling is verwijderd, 90 dagen nadat het concept is overgeslagen of 12 maanden "
     "na aanmaak, wat het eerst komt",
     "until the integration is removed, 90 days after the draft is skipped or 12 months after "
     "creation, whichever comes first"},
    {"july", "7 jaar vanaf de eerstvolgende 1 juli", "7 years from the next 1 July"},
    {"noted", "7 dagen na aanmaak (dagelijkse purge)", "7 days after creation (daily purge)"},
    {"d1", "1 dag na aanmaak", "1 day after creation"},
    {"h1", "1 uur na aanmaak", "1 hour after creation"},
    {"h72", "72 uur na aanmaak", "72 hours after creation"},
    {"w1", "1 week na aanmaak", "1 week after creation"},
    {"w2", "2 weken na aanmaak", "2 weeks after creation"},
    {"mo1", "1 maand na aanmaak", "1 month after creation"},
    {"mo12", "12 maanden na aanmaak", "12 months after creation"},
    {"y1", "1 jaar na aanmaak", "1 year after creation"},
    {"y7", "7 jaar na aanmaak", "7 years after creation"},
};

static int load(void **state)
{
    struct kluis_findings *f = kluis_findings_new();
    struct kluis_policy *p = NULL;
    struct kluis_err err = {0};
    kluis_rc rc =
        kluis_policy_load_buffer(policy_yaml, sizeof(policy_yaml) - 1, "test.yaml", f, &p, &err);
    if (rc != KLUIS_OK) {
        for (size_t i = 0; i < kluis_findings_count(f); i++) {
            const struct kluis_finding *x = kluis_findings_get(f, i);
            fprintf(stderr, "# %d:%d: [%s] %s\n", x->line, x->col, x->rule, x->message);
        }
    }
    kluis_findings_free(f);
    assert_int_equal(rc, KLUIS_OK);
    *state = p;
    return 0;
}

static int unload(void **state)
{
    kluis_policy_free(*state);
    return 0;
}

static void check_phrase(const struct kluis_policy *p, const char *id, enum kluis_lang lang,
                         const char *want)
{
    const struct kluis_category *c = kluis_policy_find_category(p, id);
    assert_non_null(c);
    char *text = NULL;
    size_t len = 0;
    struct kluis_err err = {0};
    assert_int_equal(kluis_render_retention(p, c, lang, &text, &len, &err), KLUIS_OK);
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    free(text);
}

static void test_phrases_nl(void **state)
{
    for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
        check_phrase(*state, phrases[i].category, KLUIS_LANG_NL, phrases[i].nl);
}

static void test_phrases_en(void **state)
{
    for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
        check_phrase(*state, phrases[i].category, KLUIS_LANG_EN, phrases[i].en);
}

/* Fails with the text shown when needle is not in haystack. */
static void has(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle)) {
        fprintf(stderr, "# missing: %s\n", needle);
        fail();
    }
}

/*
 * The register is a record about data subjects, not a text to them: the built-in events are in
 * the third person there, while kluis_render_retention() (the statement's words) says "je".
 */
static void test_register_speaks_of_the_subject(void **state)
{
    const struct kluis_policy *p = *state;
    char *nl = NULL, *en = NULL;
    assert_int_equal(
        kluis_render_register(p, NULL, KLUIS_LANG_NL, KLUIS_FORMAT_CSV, &nl, NULL, NULL), KLUIS_OK);
    assert_int_equal(
        kluis_render_register(p, NULL, KLUIS_LANG_EN, KLUIS_FORMAT_CSV, &en, NULL, NULL), KLUIS_OK);
    has(nl, "tot de betrokkene bezwaar maakt tegen \u201cKoude acquisitie\u201d");
    has(nl, "7 dagen nadat de betrokkene bezwaar heeft gemaakt tegen \u201cKoude acquisitie\u201d");
    has(nl, "tot de betrokkene de toestemming voor \u201cSchrijfstijl leren\u201d intrekt");
    has(nl, "30 dagen nadat de betrokkene de toestemming voor \u201cSchrijfstijl leren\u201d "
            "heeft ingetrokken");
    has(en, "until the data subject objects to \u201c"
            "Cold outreach\u201d");
    has(en, "7 days after the data subject objects to \u201c"
            "Cold outreach\u201d");
    has(en, "until the data subject withdraws consent for \u201cLearning your writing style\u201d");
    has(en, "30 days after the data subject withdraws consent for \u201cLearning your writing "
            "style\u201d");
    assert_null(strstr(nl, " je "));
    assert_null(strstr(en, "you "));
    free(nl);
    free(en);
}

static void test_every_category_has_words(void **state)
{
    const struct kluis_policy *p = *state;
    for (size_t i = 0; i < kluis_policy_n_categories(p); i++) {
        for (int l = 0; l < 2; l++) {
            char *text = NULL;
            assert_int_equal(kluis_render_retention(p, kluis_policy_category(p, i),
                                                    l ? KLUIS_LANG_EN : KLUIS_LANG_NL, &text, NULL,
                                                    NULL),
                             KLUIS_OK);
            assert_true(strlen(text) > 0);
            free(text);
        }
    }
}

static void test_bad_arguments(void **state)
{
    const struct kluis_policy *p = *state;
    char *text = NULL;
    struct kluis_err err = {0};
    assert_int_equal(kluis_render_retention(p, NULL, KLUIS_LANG_NL, &text, NULL, &err),
                     KLUIS_EINVAL);
    assert_int_equal(err.rc, KLUIS_EINVAL);
    assert_null(text);
    assert_int_equal(
        kluis_render_retention(p, kluis_policy_category(p, 0), KLUIS_LANG_NL, NULL, NULL, NULL),
        KLUIS_EINVAL);
}

static void test_format_parse(void **state)
{
    (void)state;
    enum kluis_doc_format f = KLUIS_FORMAT_CSV;
    assert_true(kluis_doc_format_parse("md", &f));
    assert_int_equal(f, KLUIS_FORMAT_MD);
    assert_true(kluis_doc_format_parse("html", &f));
    assert_int_equal(f, KLUIS_FORMAT_HTML);
    assert_true(kluis_doc_format_parse("csv", &f));
    assert_int_equal(f, KLUIS_FORMAT_CSV);
    assert_true(kluis_doc_format_parse("json", &f));
    assert_int_equal(f, KLUIS_FORMAT_JSON);
    f = KLUIS_FORMAT_MD;
    assert_false(kluis_doc_format_parse("HTML", &f));
    assert_false(kluis_doc_format_parse("pdf", &f));
    assert_false(kluis_doc_format_parse("", &f));
    assert_false(kluis_doc_format_parse(NULL, &f));
    assert_int_equal(f, KLUIS_FORMAT_MD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phrases_nl),
        cmocka_unit_test(test_phrases_en),
        cmocka_unit_test(test_every_category_has_words),
        cmocka_unit_test(test_register_speaks_of_the_subject),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_format_parse),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
