/*
 * The statement and the register: every category and every recipient appears in both languages,
 * every category shows its retention, policy text cannot become Markdown or HTML, the HTML page
 * stands alone, the rights deadlines are worded as promised, and the art. 30 register has one
 * row per processing activity with stable column names.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/kluis.h"

/* Policy text with Markdown and HTML in it: it must come out as the same characters, inert. */
#define EVIL_NL "Gegevens <script>alert(1)</script> *vet* |pijp| [klik](javascript:alert(1))"
#define EVIL_EN "Data <script>alert(1)</script> *bold* |pipe| [click](javascript:alert(1))"

static const char policy_yaml[] =
    "kluis: 1\n"
    "statement: {version: \"3.1\", date: 2026-05-21}\n"
    "organisation:\n"
    "  name: Voorbeeld Assist B.V.\n"
    "  address: Voorbeeldstraat 1, 1234 AB Utrecht\n"
    "  country: NL\n"
    "  registry:\n"
    "    name: {nl: Kamer van Koophandel, en: Dutch Chamber of Commerce}\n"
    "    number: \"12345678\"\n"
    "  vat: NL001234567B01\n"
    "  contact:\n"
    "    email: privacy@voorbeeld.example\n"
    "    whatsapp: \"+31 6 00000000\"\n"
    "  dpo:\n"
    "    appointed: false\n"
    "    reason:\n"
    "      nl: Wij verwerken niet op grote schaal bijzondere persoonsgegevens.\n"
    "      en: We do not process special categories of data on a large scale.\n"
    "authorities:\n"
    "  - id: ap\n"
    "    name: {nl: Autoriteit Persoonsgegevens, en: Dutch Data Protection Authority}\n"
    "    country: NL\n"
    "    website: https://autoriteitpersoonsgegevens.nl\n"
    "subjects:\n"
    "  - id: customers\n"
    "    name: {nl: contactpersonen van klanten, en: contact persons of customers}\n"
    "  - id: end_clients\n"
    "    name: {nl: eindklanten van onze klanten, en: end clients of our customers}\n"
    "events:\n"
    "  - id: draft.approved\n"
    "    name: {nl: het concept is goedgekeurd, en: the draft is approved}\n"
    "key_classes:\n"
    "  - id: mail\n"
    "    name: {nl: mail, en: mail}\n"
    "categories:\n"
    "  - id: account\n"
    "    name: {nl: Accountgegevens, en: Account data}\n"
    "    examples: {nl: naam en e-mailadres, en: name and email address}\n"
    "    role: controller\n"
    "    subjects: [customers]\n"
    "    retention: 24mo\n"
    "  - id: evil\n"
    "    name: {nl: \"" EVIL_NL "\", en: \"" EVIL_EN "\"}\n"
    "    examples: {nl: \"" EVIL_NL "\", en: \"" EVIL_EN "\"}\n"
    "    role: controller\n"
    "    subjects: [customers]\n"
    "    retention: 7d\n"
    "  - id: leads\n"
    "    name: {nl: Leads, en: Leads}\n"
    "    role: controller\n"
    "    provided: false\n"
    "    source: {nl: KvK, en: Chamber of Commerce}\n"
    "    retention: 12mo\n"
    "  - id: mail_metadata\n"
    "    name: {nl: Mail-metadata, en: Mail metadata}\n"
    "    role: processor\n"
    "    subjects: [end_clients]\n"
    "    provided: false\n"
    "    source: {nl: de mailbox van de klant, en: the customer's mailbox}\n"
    "    key_class: mail\n"
    "    retention: 7d\n"
    "  - id: mail_bodies\n"
    "    name: {nl: Mail-bodies, en: Mail bodies}\n"
    "    role: processor\n"
    "    subjects: [end_clients]\n"
    "    special: true\n"
    "    storage: transient\n"
    "  - id: drafts\n"
    "    name: {nl: AI-concepten, en: AI drafts}\n"
    "    role: processor\n"
    "    subjects: [end_clients]\n"
    "    approval: true\n"
    "    retention: 30d after draft.approved\n"
    "purposes:\n"
    "  - id: service\n"
    "    name: {nl: Levering van de dienst, en: Delivery of the service}\n"
    "    basis: contract\n"
    "    categories: [account]\n"
    "  - id: security\n"
    "    name: {nl: Beveiliging, en: Security}\n"
    "    basis: legitimate_interest\n"
    "    interest: {nl: misbruik voorkomen, en: preventing abuse}\n"
    "    categories: [account, evil]\n"
    "  - id: newsletter\n"
    "    name: {nl: Nieuwsbrief, en: Newsletter}\n"
    "    basis: consent\n"
    "    consent: newsletter\n"
    "    direct_marketing: true\n"
    "    categories: [account]\n"
    "  - id: assistant\n"
    "    name: {nl: Mailassistent, en: Mail assistant}\n"
    "    role: processor\n"
    "    categories: [mail_metadata, mail_bodies, drafts]\n"
    "consents:\n"
    "  - id: newsletter\n"
    "    text: {nl: Wil je onze nieuwsbrief ontvangen?, en: Do you want our newsletter?}\n"
    "    version: \"1\"\n"
    "    withdraw: {nl: Klik op afmelden onder elke nieuwsbrief., en: Click unsubscribe below "
    "every newsletter.}\n"
    "subprocessors:\n"
    "  - id: llm\n"
    "    name: Example AI Ireland Ltd.\n"
    "    purpose: {nl: taalmodel, en: language model}\n"
    "    locations: [IE, US]\n"
    "    transfer: [scc]\n"
    "    categories: [mail_metadata, drafts]\n"
    "    dpa: true\n"
    "  - id: hosting\n"
    "    name: Hosting GmbH\n"
    "    purpose: {nl: hosting, en: hosting}\n"
    "    locations: [DE]\n"
    "    categories: [account, evil, mail_metadata, drafts]\n"
    "    dpa: true\n"
    "  - id: callcentre\n"
    "    name: Callcentre Ltd.\n"
    "    purpose: {nl: nieuwsbrieven versturen, en: sending newsletters}\n"
    "    locations: [NL]\n"
    "    categories: [account]\n"
    "    purposes: [newsletter]\n"
    "    dpa: true\n"
    "  - id: payments\n"
    "    name: \"Pay <b>Now</b> Ltd.\"\n"
    "    purpose: {nl: betalingen, en: payments}\n"
    "    role: controller\n"
    "    locations: [NL]\n"
    "    categories: [account]\n"
    "security:\n"
    "  - {nl: HTTPS met HSTS, en: HTTPS with HSTS}\n"
    "backups:\n"
    "  retention: 30d\n"
    "key_store:\n"
    "  backup_retention: 30d\n"
    "audit:\n"
    "  retention: 12mo\n"
    "automated_decisions:\n"
    "  used: false\n"
    "breach:\n"
    "  authority_within: 72h\n"
    "rights:\n"
    "  deadline: 1mo\n"
    "  extension: 2mo\n"
    "  verification:\n"
    "    method: email_confirmation\n"
    "  formats: [json, csv]\n"
    "cookies:\n"
    "  consent: true\n"
    "  items:\n"
    "    - name: session\n"
    "      kind: functional\n"
    "      purpose: {nl: sessie, en: session}\n"
    "      retention: 14mo\n"
    "changes:\n"
    "  notice: 30d\n"
    "  text: {nl: per e-mail aan het accountadres, en: by email to the account address}\n"
    "sections:\n"
    "  - title: {nl: Beperkt gebruik, en: Limited use}\n"
    "    body: {nl: Eerste alinea., en: First paragraph.}\n";

static struct kluis_policy *load_policy(const char *yaml, size_t len)
{
    struct kluis_findings *f = kluis_findings_new();
    struct kluis_policy *p = NULL;
    kluis_rc rc = kluis_policy_load_buffer(yaml, len, "test.yaml", f, &p, NULL);
    if (rc != KLUIS_OK) {
        for (size_t i = 0; i < kluis_findings_count(f); i++) {
            const struct kluis_finding *x = kluis_findings_get(f, i);
            fprintf(stderr, "# %d:%d: [%s] %s\n", x->line, x->col, x->rule, x->message);
        }
    }
    kluis_findings_free(f);
    assert_int_equal(rc, KLUIS_OK);
    return p;
}

static int setup(void **state)
{
    *state = load_policy(policy_yaml, sizeof(policy_yaml) - 1);
    return 0;
}

static int teardown(void **state)
{
    kluis_policy_free(*state);
    return 0;
}

static char *statement(const struct kluis_policy *p, enum kluis_lang lang,
                       enum kluis_doc_format format)
{
    char *text = NULL;
    size_t len = 0;
    struct kluis_err err = {0};
    assert_int_equal(kluis_render_statement(p, lang, format, &text, &len, &err), KLUIS_OK);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    return text;
}

static char *reg(const struct kluis_policy *p, const char *tenant, enum kluis_lang lang,
                 enum kluis_doc_format format)
{
    char *text = NULL;
    size_t len = 0;
    struct kluis_err err = {0};
    assert_int_equal(kluis_render_register(p, tenant, lang, format, &text, &len, &err), KLUIS_OK);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    return text;
}

/* Fails with the text shown when needle is not in haystack. */
static void has(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle)) {
        fprintf(stderr, "# missing: %s\n", needle);
        fail();
    }
}

static void lacks(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle)) {
        fprintf(stderr, "# unexpected: %s\n", needle);
        fail();
    }
}

static size_t count(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *s = strstr(haystack, needle); s; s = strstr(s + strlen(needle), needle))
        n++;
    return n;
}

static void test_every_category_and_recipient(void **state)
{
    const struct kluis_policy *p = *state;
    for (int l = 0; l < 2; l++) {
        enum kluis_lang lang = l ? KLUIS_LANG_EN : KLUIS_LANG_NL;
        for (int f = 0; f < 2; f++) {
            char *text = statement(p, lang, f ? KLUIS_FORMAT_HTML : KLUIS_FORMAT_MD);
            for (size_t i = 0; i < kluis_policy_n_categories(p); i++) {
                const struct kluis_category *c = kluis_policy_category(p, i);
                if (strcmp(c->id, "evil") == 0)
                    continue; /* checked escaped, below */
                has(text, kluis_text_get(&c->name, lang));
            }
            for (size_t i = 0; i < kluis_policy_n_subprocessors(p); i++) {
                const struct kluis_subprocessor *sp = kluis_policy_subprocessor(p, i);
                if (strcmp(sp->id, "payments") == 0)
                    has(text,
                        f ? "Pay &lt;b&gt;Now&lt;/b&gt; Ltd." : "Pay \\<b\\>Now\\</b\\> Ltd.");
                else
                    has(text, sp->name);
            }
            free(text);
        }
    }
}

static void test_every_category_shows_retention(void **state)
{
    const struct kluis_policy *p = *state;
    for (int l = 0; l < 2; l++) {
        enum kluis_lang lang = l ? KLUIS_LANG_EN : KLUIS_LANG_NL;
        char *text = statement(p, lang, KLUIS_FORMAT_MD);
        size_t n_lines = count(text, l ? "- **Retention:** " : "- **Bewaartermijn:** ");
        assert_int_equal(n_lines, kluis_policy_n_categories(p));
        for (size_t i = 0; i < kluis_policy_n_categories(p); i++) {
            char *words = NULL;
            assert_int_equal(
                kluis_render_retention(p, kluis_policy_category(p, i), lang, &words, NULL, NULL),
                KLUIS_OK);
            has(text, words);
            free(words);
        }
        has(text, l ? "- **Retention:** never stored" : "- **Bewaartermijn:** nooit opgeslagen");
        free(text);
    }
}

static void test_markdown_escapes_policy_text(void **state)
{
    const struct kluis_policy *p = *state;
    char *nl = statement(p, KLUIS_LANG_NL, KLUIS_FORMAT_MD);
    char *en = statement(p, KLUIS_LANG_EN, KLUIS_FORMAT_MD);
    has(nl, "### Gegevens \\<script\\>alert(1)\\</script\\> \\*vet\\* \\|pijp\\| "
            "\\[klik\\](javascript:alert(1))");
    has(en, "### Data \\<script\\>alert(1)\\</script\\> \\*bold\\* \\|pipe\\| "
            "\\[click\\](javascript:alert(1))");
    lacks(nl, "<script>");
    lacks(en, "<script>");
    lacks(nl, " *vet*");
    lacks(en, "|pipe|");
    free(nl);
    free(en);
}

static void test_html_is_inert_and_standalone(void **state)
{
    const struct kluis_policy *p = *state;
    for (int l = 0; l < 2; l++) {
        char *html = statement(p, l ? KLUIS_LANG_EN : KLUIS_LANG_NL, KLUIS_FORMAT_HTML);
        assert_int_equal(strncmp(html, "<!DOCTYPE html>", 15), 0);
        has(html, l ? "<html lang=\"en\">" : "<html lang=\"nl\">");
        has(html, "<meta charset=\"utf-8\">");
        has(html, "<meta name=\"viewport\"");
        has(html, "<title>");
        has(html, "<style>");
        has(html, "<main>");
        has(html, "</main>\n</body>\n</html>\n");
        /* Policy text shows as text: escaped, never as elements or links. */
        has(html, "&lt;script&gt;alert(1)&lt;/script&gt;");
        has(html, l ? "*bold* |pipe|" : "*vet* |pijp|");
        lacks(html, "<script");
        lacks(html, "<b>Now");
        lacks(html, "href=\"javascript");
        lacks(html, l ? "<em>bold</em>" : "<em>vet</em>");
        /* No external resources. */
        lacks(html, "<link");
        lacks(html, " src=");
        lacks(html, "@import");
        free(html);
    }
}

static void test_sections_in_dutch(void **state)
{
    char *md = statement(*state, KLUIS_LANG_NL, KLUIS_FORMAT_MD);
    has(md, "# Privacyverklaring\n");
    has(md, "*Versie 3.1 — laatst bijgewerkt op 21 mei 2026*");
    has(md, "Wij staan ingeschreven bij de Kamer van Koophandel onder nummer 12345678.");
    has(md, "Wij hebben geen functionaris voor gegevensbescherming (FG) aangesteld");
    has(md, "Wij verwerken niet op grote schaal bijzondere persoonsgegevens.");
    has(md, "## 4. Gegevens die wij als verwerkingsverantwoordelijke verwerken");
    has(md, "## 5. Gegevens die wij namens onze klanten verwerken");
    has(md, "- **Van wie:** eindklanten van onze klanten");
    has(md, "- **Grondslag:** uitvoering van een overeenkomst (art. 6(1)(b) AVG)");
    has(md, "- **Ons gerechtvaardigd belang:** misbruik voorkomen");
    has(md, "“Wil je onze nieuwsbrief ontvangen?”");
    has(md, "Klik op afmelden onder elke nieuwsbrief.");
    has(md, "Verenigde Staten — standaardcontractbepalingen");
    has(md, "Elk item in “AI-concepten” moet door een mens worden goedgekeurd");
    has(md, "(art. 15 AVG)");
    has(md, "(art. 20 AVG)");
    has(md, "(JSON en CSV)");
    has(md, "(art. 7(3) AVG)");
    has(md, "(art. 22 AVG)");
    has(md, "binnen één maand");
    has(md, "met ten hoogste twee maanden verlengen");
    has(md, "binnen 72 uur");
    has(md, "Autoriteit Persoonsgegevens");
    has(md, "informeren wij je ten minste 30 dagen voordat die ingaat, per e-mail aan het "
            "accountadres.");
    has(md, "## 16. Beperkt gebruik\n\nEerste alinea.");
    free(md);
}

static void test_sections_in_english(void **state)
{
    char *md = statement(*state, KLUIS_LANG_EN, KLUIS_FORMAT_MD);
    has(md, "# Privacy statement\n");
    has(md, "*Version 3.1 — last updated on 21 May 2026*");
    has(md, "We have not appointed a data protection officer (DPO)");
    has(md, "## 4. Data we process as controller");
    has(md, "## 5. Data we process on behalf of our customers");
    has(md, "- **Legal basis:** performance of a contract (Art. 6(1)(b) GDPR)");
    has(md, "- **Our legitimate interest:** preventing abuse");
    has(md, "United States — standard contractual clauses");
    has(md, "Every item of “AI drafts” requires approval by a person before it is used.");
    has(md, "within one month");
    has(md, "by at most two months");
    has(md, "within 72 hours");
    has(md, "Dutch Data Protection Authority");
    has(md, "at least 30 days before it takes effect, by email to the account address.");
    has(md, "## 16. Limited use\n\nFirst paragraph.");
    free(md);
}

/* A recipient is a recipient of the purposes it names; without them, of every purpose that uses
 * a category it receives. */
static void test_recipients_per_activity(void **state)
{
    const struct kluis_policy *p = *state;
    char *text = reg(p, NULL, KLUIS_LANG_EN, KLUIS_FORMAT_JSON);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    json_t *acts = json_object_get(root, "activities");
    for (size_t i = 0; i < json_array_size(acts); i++) {
        json_t *row = json_array_get(acts, i);
        const char *id = json_string_value(json_object_get(row, "activity_id"));
        json_t *recipients = json_object_get(row, "recipients");
        bool callcentre = false, hosting = false;
        for (size_t k = 0; k < json_array_size(recipients); k++) {
            const char *r = json_string_value(json_array_get(recipients, k));
            callcentre |= strncmp(r, "Callcentre Ltd.", 15) == 0;
            hosting |= strncmp(r, "Hosting GmbH", 12) == 0;
        }
        /* All three use account data; only the newsletter is the call centre's. */
        assert_true(hosting);
        if (strcmp(id, "newsletter") == 0)
            assert_true(callcentre);
        else
            assert_false(callcentre);
    }
    json_decref(root);
    free(text);

    char *nl = statement(p, KLUIS_LANG_NL, KLUIS_FORMAT_MD);
    char *en = statement(p, KLUIS_LANG_EN, KLUIS_FORMAT_MD);
    has(nl, "- **Ingezet voor:** \u201cNieuwsbrief\u201d\n");
    has(en, "- **Engaged for:** \u201cNewsletter\u201d\n");
    /* Purposes are named only where the policy names them. */
    assert_int_equal(count(nl, "Ingezet voor"), 1);
    assert_int_equal(count(en, "Engaged for"), 1);
    free(nl);
    free(en);
}

static void test_category_wording(void **state)
{
    const struct kluis_policy *p = *state;
    char *nl = statement(p, KLUIS_LANG_NL, KLUIS_FORMAT_MD);
    char *en = statement(p, KLUIS_LANG_EN, KLUIS_FORMAT_MD);
    /* A special category may hold such data; not every item of it does. */
    has(nl, "- Deze gegevens kunnen bijzondere persoonsgegevens bevatten (art. 9 AVG).\n");
    has(en, "- This data may include special categories of personal data (Art. 9 GDPR).\n");
    lacks(nl, "Dit zijn bijzondere persoonsgegevens");
    /* Art. 14 is the controller's duty: cited for the organisation's own data only. */
    has(nl, "- **Herkomst:** KvK (art. 14 AVG)\n");
    has(en, "- **Source:** Chamber of Commerce (Art. 14 GDPR)\n");
    has(nl, "- **Herkomst:** de mailbox van de klant\n");
    has(en, "- **Source:** the customer's mailbox\n");
    free(nl);
    free(en);
}

static void test_transfer_wording(void **state)
{
    /* Not every transfer basis is a safeguard: the statement names the chapter. */
    char *nl = statement(*state, KLUIS_LANG_NL, KLUIS_FORMAT_MD);
    char *en = statement(*state, KLUIS_LANG_EN, KLUIS_FORMAT_MD);
    has(nl, "Wij geven gegevens alleen door op een grondslag uit hoofdstuk V AVG (art. 44–49):");
    has(en, "We transfer data only on a basis under Chapter V GDPR (Art. 44–49):");
    lacks(nl, "passende waarborg (art. 44");
    lacks(en, "appropriate safeguard (Art. 44");
    has(nl, "Een kopie van de passende waarborgen (art. 46 AVG) kun je bij ons opvragen.");
    has(en, "You can ask us for a copy of the appropriate safeguards (Art. 46 GDPR).");
    free(nl);
    free(en);

    /* A derogation (art. 49) is no safeguard: there is no copy to offer. */
    static const char yaml[] = "kluis: 1\n"
                               "organisation:\n"
                               "  name: Klein\n"
                               "  address: Straat 1, Gent\n"
                               "  country: BE\n"
                               "  contact: {email: a@b.example}\n"
                               "  dpo: {appointed: false, reason: {nl: n, en: e}}\n"
                               "categories:\n"
                               "  - {id: c, name: {nl: Houders, en: Holders}, role: controller, "
                               "retention: 1y}\n"
                               "purposes:\n"
                               "  - {id: p, name: {nl: Dienst, en: Service}, basis: contract, "
                               "categories: [c]}\n"
                               "subprocessors:\n"
                               "  - {id: r, name: Registrar FZC, role: controller, locations: "
                               "[AE], transfer: [derogation], categories: [c]}\n";
    struct kluis_policy *p = load_policy(yaml, sizeof(yaml) - 1);
    nl = statement(p, KLUIS_LANG_NL, KLUIS_FORMAT_MD);
    en = statement(p, KLUIS_LANG_EN, KLUIS_FORMAT_MD);
    has(nl, "op een grondslag uit hoofdstuk V AVG (art. 44–49):\n\n- **Registrar FZC:** Verenigde "
            "Arabische Emiraten — ");
    lacks(nl, "Een kopie");
    lacks(en, "a copy of");
    free(nl);
    free(en);
    kluis_policy_free(p);
}

static void test_deadline_in_days(void **state)
{
    (void)state;
    /* A statement may promise less than the law's month: "binnen 30 dagen". */
    static const char yaml[] = "kluis: 1\n"
                               "organisation:\n"
                               "  name: Klein\n"
                               "  address: Straat 1, Gent\n"
                               "  country: BE\n"
                               "  contact: {email: a@b.example}\n"
                               "  dpo:\n"
                               "    appointed: true\n"
                               "    name: Jan Jansen\n"
                               "    contact: {email: fg@b.example}\n"
                               "categories:\n"
                               "  - {id: c, name: {nl: Klantgegevens, en: Customer data}, "
                               "role: controller, retention: 1y}\n"
                               "purposes:\n"
                               "  - {id: p, name: {nl: Dienst, en: Service}, basis: contract, "
                               "categories: [c]}\n"
                               "rights: {deadline: 30d}\n";
    struct kluis_policy *p = load_policy(yaml, sizeof(yaml) - 1);
    char *nl = statement(p, KLUIS_LANG_NL, KLUIS_FORMAT_MD);
    char *en = statement(p, KLUIS_LANG_EN, KLUIS_FORMAT_MD);
    has(nl, "binnen 30 dagen");
    has(en, "within 30 days");
    has(nl, "Wij hebben een functionaris voor gegevensbescherming (FG) aangesteld: Jan Jansen.");
    has(en, "We have appointed a data protection officer (DPO): Jan Jansen.");
    has(nl, "fg@b.example");
    has(nl, "Wij geven geen persoonsgegevens door naar landen buiten de Europese Economische "
            "Ruimte");
    has(en, "We do not share personal data with other parties.");
    lacks(nl, "namens onze klanten verwerken");
    lacks(en, "## 0.");
    free(nl);
    free(en);
    kluis_policy_free(p);
}

static void test_register_csv(void **state)
{
    const struct kluis_policy *p = *state;
    static const char header[] = "activity_id,activity,controller,dpo,purpose,legal_basis,"
                                 "data_subjects,data_categories,recipients,transfers,retention,"
                                 "security\r\n";
    size_t n_controller = 0;
    for (size_t i = 0; i < kluis_policy_n_purposes(p); i++)
        n_controller += kluis_policy_purpose(p, i)->role == KLUIS_ROLE_CONTROLLER;
    assert_int_equal(n_controller, 3);
    for (int l = 0; l < 2; l++) {
        char *csv = reg(p, NULL, l ? KLUIS_LANG_EN : KLUIS_LANG_NL, KLUIS_FORMAT_CSV);
        assert_int_equal(strncmp(csv, header, strlen(header)), 0);
        assert_int_equal(count(csv, "\r\n"), 1 + n_controller);
        has(csv, "\r\nservice,");
        has(csv, "\r\nsecurity,");
        has(csv, "\r\nnewsletter,");
        lacks(csv, "\r\nassistant,");
        has(csv, l ? "Account data: 24 months after creation"
                   : "Accountgegevens: 24 maanden na "
                     "aanmaak");
        has(csv, l ? "performance of a contract (Art. 6(1)(b) GDPR)"
                   : "uitvoering van een overeenkomst (art. 6(1)(b) AVG)");
        /* A field with a quote or comma is quoted, quotes doubled (RFC 4180). */
        has(csv, "\"Voorbeeld Assist B.V., Voorbeeldstraat 1, 1234 AB Utrecht");
        free(csv);
    }
}

static void test_register_processor(void **state)
{
    const struct kluis_policy *p = *state;
    char *csv = reg(p, "Acme, \"B.V.\"", KLUIS_LANG_NL, KLUIS_FORMAT_CSV);
    assert_int_equal(strncmp(csv,
                             "activity_id,activity,processor,dpo,controller,processing,"
                             "data_subjects,data_categories,recipients,transfers,security\r\n",
                             100),
                     0);
    assert_int_equal(count(csv, "\r\n"), 2);
    has(csv, "\r\nassistant,");
    has(csv, "\"Acme, \"\"B.V.\"\"\"");
    has(csv, "Example AI Ireland Ltd.: Verenigde Staten — standaardcontractbepalingen");
    free(csv);

    char *md = reg(p, "Acme", KLUIS_LANG_EN, KLUIS_FORMAT_MD);
    has(md, "# Record of processing activities as processor (Art. 30(2) GDPR)");
    has(md, "| assistant |");
    free(md);

    struct kluis_err err = {0};
    char *text = NULL;
    assert_int_equal(
        kluis_render_register(p, "", KLUIS_LANG_NL, KLUIS_FORMAT_CSV, &text, NULL, &err),
        KLUIS_EINVAL);
    assert_null(text);
}

static void test_register_json(void **state)
{
    const struct kluis_policy *p = *state;
    char *text = reg(p, NULL, KLUIS_LANG_EN, KLUIS_FORMAT_JSON);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "register")), "art. 30(1)");
    assert_true(json_is_null(json_object_get(root, "tenant")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(root, "organisation"), "name")),
        "Voorbeeld Assist B.V.");
    json_t *acts = json_object_get(root, "activities");
    assert_int_equal(json_array_size(acts), 3);
    json_t *first = json_array_get(acts, 0);
    assert_string_equal(json_string_value(json_object_get(first, "activity_id")), "service");
    assert_true(json_is_array(json_object_get(first, "data_categories")));
    assert_true(json_is_array(json_object_get(first, "retention")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(first, "retention"), 0)),
                        "Account data: 24 months after creation");
    json_decref(root);
    free(text);

    text = reg(p, "Acme", KLUIS_LANG_NL, KLUIS_FORMAT_JSON);
    root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "register")), "art. 30(2)");
    assert_string_equal(json_string_value(json_object_get(root, "tenant")), "Acme");
    assert_int_equal(json_array_size(json_object_get(root, "activities")), 1);
    json_decref(root);
    free(text);
}

static void test_register_markdown_escapes_pipes(void **state)
{
    char *md = reg(*state, NULL, KLUIS_LANG_NL, KLUIS_FORMAT_MD);
    has(md, "# Register van verwerkingsactiviteiten (art. 30(1) AVG)");
    has(md, "| Id | Activiteit |");
    has(md, "\\|pijp\\|");
    lacks(md, " |pijp|");
    /* One header, one separator, one row per activity. */
    assert_int_equal(count(md, "\n| "), 2 + 3);
    free(md);
}

static void test_bad_formats(void **state)
{
    const struct kluis_policy *p = *state;
    char *text = NULL;
    struct kluis_err err = {0};
    assert_int_equal(kluis_render_statement(p, KLUIS_LANG_NL, KLUIS_FORMAT_CSV, &text, NULL, &err),
                     KLUIS_EINVAL);
    assert_int_equal(err.rc, KLUIS_EINVAL);
    assert_int_equal(
        kluis_render_register(p, NULL, KLUIS_LANG_NL, KLUIS_FORMAT_HTML, &text, NULL, &err),
        KLUIS_EINVAL);
    assert_int_equal(
        kluis_render_statement(NULL, KLUIS_LANG_NL, KLUIS_FORMAT_MD, &text, NULL, NULL),
        KLUIS_EINVAL);
    assert_null(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_category_and_recipient),
        cmocka_unit_test(test_every_category_shows_retention),
        cmocka_unit_test(test_markdown_escapes_policy_text),
        cmocka_unit_test(test_html_is_inert_and_standalone),
        cmocka_unit_test(test_sections_in_dutch),
        cmocka_unit_test(test_sections_in_english),
        cmocka_unit_test(test_recipients_per_activity),
        cmocka_unit_test(test_category_wording),
        cmocka_unit_test(test_transfer_wording),
        cmocka_unit_test(test_deadline_in_days),
        cmocka_unit_test(test_register_csv),
        cmocka_unit_test(test_register_processor),
        cmocka_unit_test(test_register_json),
        cmocka_unit_test(test_register_markdown_escapes_pipes),
        cmocka_unit_test(test_bad_formats),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
