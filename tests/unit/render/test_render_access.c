/*
 * The art. 15 information of an access answer: for every example policy and every category it
 * stores, in both languages, the JSON parses and lists exactly the purposes that use the held
 * categories, the recipients that receive them (their `purposes:` respected), the retention in the
 * statement's words, the source of obtained data, each transfer outside the EEA with its
 * safeguard, and the categories that wait for human approval; "nothing held" still states the
 * controller, the rights and the authorities; art. 20 portability on concrete categories; an
 * unknown category id is refused by name.
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

#include "examples.h"

static struct kluis_policy *load_yaml(const char *yaml)
{
    struct kluis_policy *p = NULL;
    struct kluis_err err = {0};
    kluis_rc rc = kluis_policy_load_buffer(yaml, strlen(yaml), "test.yaml", NULL, &p, &err);
    if (rc != KLUIS_OK)
        fprintf(stderr, "# test.yaml: %s\n", err.message);
    assert_int_equal(rc, KLUIS_OK);
    return p;
}

/* Renders and parses the answer; the text is one JSON document ending in a newline. */
static json_t *render(const struct kluis_policy *p, enum kluis_lang lang, const char *const *ids,
                      size_t n, char **out_text)
{
    char *text = NULL;
    size_t len = 0;
    struct kluis_err err = {0};
    kluis_rc rc = kluis_render_access_info(p, lang, ids, n, &text, &len, &err);
    if (rc != KLUIS_OK)
        fprintf(stderr, "# %s\n", err.message);
    assert_int_equal(rc, KLUIS_OK);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    assert_true(len > 0 && text[len - 1] == '\n');
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (!root)
        fprintf(stderr, "# JSON: %s at %d:%d\n", jerr.text, jerr.line, jerr.column);
    assert_non_null(root);
    if (out_text)
        *out_text = text;
    else
        free(text);
    return root;
}

static json_t *section(json_t *root, const char *key)
{
    json_t *s = json_object_get(root, key);
    assert_true(json_is_object(s));
    return s;
}

static json_t *items(json_t *root, const char *key)
{
    json_t *a = json_object_get(section(root, key), "items");
    assert_true(json_is_array(a));
    return a;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s)
        fprintf(stderr, "# no string \"%s\"\n", key);
    assert_non_null(s);
    return s;
}

/* The item of arr whose key is value, or NULL. */
static json_t *find(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        const char *s = json_string_value(json_object_get(o, key));
        if (s && strcmp(s, value) == 0)
            return o;
    }
    return NULL;
}

static bool has(json_t *arr, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), value) == 0)
            return true;
    }
    return false;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        fprintf(stderr, "# \"%s\" does not contain \"%s\"\n", hay, needle);
        fail();
    }
}

/* The ids of the categories the policy stores (by default or at a customer's choice). */
static size_t stored_ids(const struct kluis_policy *p, const char **ids, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < kluis_policy_n_categories(p) && n < max; i++) {
        const struct kluis_category *c = kluis_policy_category(p, i);
        if (c->storage == KLUIS_STORAGE_STORED || c->tenant_may_change_storage)
            ids[n++] = c->id;
    }
    return n;
}

static bool in_ids(const char *const *ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ids[i], id) == 0)
            return true;
    }
    return false;
}

static bool purpose_uses_any(const struct kluis_purpose *pu, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (kluis_purpose_uses(pu, ids[i]))
            return true;
    }
    return false;
}

/* The spec of (c), restated: the recipient lists the held category (or lists none), and serves a
 * purpose that uses it — by naming it in `purposes:`, or, naming none, by receiving it. */
static bool expect_recipient(const struct kluis_policy *p, const struct kluis_subprocessor *sp,
                             const char *const *ids, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        bool lists = sp->n_categories == 0;
        for (size_t i = 0; i < sp->n_categories; i++)
            lists |= strcmp(sp->categories[i], ids[k]) == 0;
        if (!lists)
            continue;
        for (size_t i = 0; i < kluis_policy_n_purposes(p); i++) {
            const struct kluis_purpose *pu = kluis_policy_purpose(p, i);
            if (!kluis_purpose_uses(pu, ids[k]))
                continue;
            bool serves = false;
            for (size_t j = 0; j < sp->n_purposes; j++)
                serves |= strcmp(sp->purposes[j], pu->id) == 0;
            if (sp->n_purposes == 0)
                for (size_t j = 0; j < sp->n_categories; j++)
                    serves |= kluis_purpose_uses(pu, sp->categories[j]);
            if (serves)
                return true;
        }
    }
    return false;
}

static void check_purposes(const struct kluis_policy *p, json_t *root, const char *const *ids,
                           size_t n)
{
    json_t *arr = items(root, "purposes");
    size_t expected = 0;
    for (size_t i = 0; i < kluis_policy_n_purposes(p); i++) {
        const struct kluis_purpose *pu = kluis_policy_purpose(p, i);
        json_t *o = find(arr, "id", pu->id);
        if (!purpose_uses_any(pu, ids, n)) {
            assert_null(o);
            continue;
        }
        expected++;
        assert_non_null(o);
        /* Which of the held categories it uses: all of them, and nothing else. */
        json_t *cats = json_object_get(o, "categories");
        size_t used = 0;
        for (size_t k = 0; k < pu->n_categories; k++)
            used += in_ids(ids, n, pu->categories[k]);
        assert_int_equal(json_array_size(cats), used);
        for (size_t k = 0; k < pu->n_categories; k++)
            assert_int_equal(has(cats, pu->categories[k]), in_ids(ids, n, pu->categories[k]));
        json_t *basis = json_object_get(o, "legal_basis");
        if (pu->basis == KLUIS_BASIS_NONE) {
            assert_true(json_is_null(basis));
        } else {
            assert_string_equal(str(basis, "article"), kluis_basis_article(pu->basis));
        }
        if (pu->basis == KLUIS_BASIS_LEGITIMATE_INTEREST && kluis_text_present(&pu->interest))
            assert_non_null(json_object_get(o, "legitimate_interest"));
        if (pu->basis == KLUIS_BASIS_LEGAL_OBLIGATION && pu->legal_source)
            assert_string_equal(str(o, "legal_source"), pu->legal_source);
        if (pu->consent)
            assert_string_equal(str(json_object_get(o, "consent"), "id"), pu->consent);
        assert_string_equal(str(o, "role"),
                            pu->role == KLUIS_ROLE_PROCESSOR ? "processor" : "controller");
    }
    assert_int_equal(json_array_size(arr), expected);
}

static void check_recipients_and_transfers(const struct kluis_policy *p, enum kluis_lang lang,
                                           json_t *root, const char *const *ids, size_t n)
{
    json_t *recipients = items(root, "recipients");
    json_t *transfers = items(root, "transfers");
    size_t n_recipients = 0, n_transfers = 0;
    bool any_scc_bcr = false;
    for (size_t i = 0; i < kluis_policy_n_subprocessors(p); i++) {
        const struct kluis_subprocessor *sp = kluis_policy_subprocessor(p, i);
        json_t *r = find(recipients, "id", sp->id);
        json_t *t = find(transfers, "recipient", sp->id);
        if (!expect_recipient(p, sp, ids, n)) {
            assert_null(r);
            assert_null(t);
            continue;
        }
        n_recipients++;
        assert_non_null(r);
        json_t *cats = json_object_get(r, "categories");
        assert_true(json_array_size(cats) > 0);
        size_t k;
        json_t *c;
        json_array_foreach(cats, k, c) assert_true(in_ids(ids, n, json_string_value(c)));
        bool outside = false;
        for (size_t j = 0; j < sp->n_locations; j++)
            outside |= !kluis_country_in_eea(sp->locations[j]);
        assert_int_equal(json_is_true(json_object_get(r, "outside_eea")), outside);
        if (!outside) {
            assert_null(t);
            continue;
        }
        /* 15(2): every recipient outside the EEA carries its safeguard, in machine form and in
         * the statement's words. */
        n_transfers++;
        assert_non_null(t);
        json_t *mech = json_object_get(t, "mechanisms");
        const char *safeguard = str(t, "safeguard");
        static const struct {
            enum kluis_transfer bit;
            const char *id;
        } bits[] = {{KLUIS_TRANSFER_ADEQUACY, "adequacy"},
                    {KLUIS_TRANSFER_DPF, "dpf"},
                    {KLUIS_TRANSFER_SCC, "scc"},
                    {KLUIS_TRANSFER_BCR, "bcr"},
                    {KLUIS_TRANSFER_DEROGATION, "derogation"}};
        size_t n_bits = 0;
        for (size_t b = 0; b < sizeof(bits) / sizeof(bits[0]); b++) {
            bool set = (sp->transfers & (unsigned)bits[b].bit) != 0;
            n_bits += set;
            assert_int_equal(has(mech, bits[b].id), set);
            if (set)
                assert_contains(safeguard, kluis_transfer_name(bits[b].bit, lang));
        }
        assert_int_equal(json_array_size(mech), n_bits);
        assert_true(n_bits > 0); /* every example names a mechanism for each transfer */
        any_scc_bcr |= (sp->transfers & (KLUIS_TRANSFER_SCC | KLUIS_TRANSFER_BCR)) != 0;
        json_t *locs = json_object_get(t, "locations");
        json_array_foreach(locs, k, c) assert_false(kluis_country_in_eea(json_string_value(c)));
    }
    assert_int_equal(json_array_size(recipients), n_recipients);
    assert_int_equal(json_array_size(transfers), n_transfers);
    assert_int_equal(json_object_get(section(root, "transfers"), "copy") != NULL, any_scc_bcr);
}

static void check_categories(const struct kluis_policy *p, enum kluis_lang lang, json_t *root,
                             const char *const *ids, size_t n)
{
    json_t *cats = items(root, "categories");
    json_t *retention = items(root, "retention");
    json_t *sources = items(root, "source");
    json_t *approvals = items(root, "automated_decisions");
    assert_int_equal(json_array_size(cats), n);
    assert_int_equal(json_array_size(retention), n);
    assert_int_equal(json_array_size(sources), n);
    size_t n_approval = 0;
    for (size_t i = 0; i < n; i++) {
        const struct kluis_category *c = kluis_policy_find_category(p, ids[i]);
        json_t *o = find(cats, "id", c->id);
        assert_non_null(o);
        assert_string_equal(str(o, "name"), kluis_text_get(&c->name, lang));
        assert_int_equal(json_is_true(json_object_get(o, "special")), c->special);

        /* (d) the statement's retention words, and the rule's clauses. */
        json_t *r = find(retention, "category", c->id);
        assert_non_null(r);
        char *words = NULL;
        assert_int_equal(kluis_render_retention(p, c, lang, &words, NULL, NULL), KLUIS_OK);
        assert_string_equal(str(r, "text"), words);
        free(words);
        assert_int_equal(json_array_size(json_object_get(r, "clauses")),
                         c->retention ? c->retention->n_clauses : 0);

        /* (g) obtained data shows its source; provided data says so. */
        json_t *s = find(sources, "category", c->id);
        assert_non_null(s);
        assert_int_equal(json_is_true(json_object_get(s, "provided")), c->provided);
        if (!c->provided) {
            assert_string_equal(str(s, "source"), kluis_text_get(&c->source, lang));
        } else {
            assert_null(json_object_get(s, "source"));
        }

        /* (h) outputs that wait for a person. */
        json_t *a = find(approvals, "category", c->id);
        assert_int_equal(a != NULL, c->approval);
        if (a) {
            n_approval++;
            assert_false(json_is_true(json_object_get(a, "solely_automated")));
            assert_contains(str(a, "text"), kluis_text_get(&c->name, lang));
        }
    }
    assert_int_equal(json_array_size(approvals), n_approval);
}

static void check_rights(const struct kluis_policy *p, json_t *root, const char *const *ids,
                         size_t n)
{
    json_t *rights = items(root, "rights");
    static const char *const always[] = {"rectification", "erasure", "restriction", "objection",
                                         "complaint"};
    for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
        assert_non_null(find(rights, "right", always[i]));
    json_t *complaint = find(rights, "right", "complaint");
    assert_string_equal(str(complaint, "article"), "art. 77");
    json_t *auth = json_object_get(complaint, "authorities");
    assert_int_equal(json_array_size(auth), kluis_policy_n_authorities(p));
    /* "the authority where you live or work" only when the policy names none */
    const char *text = str(complaint, "text");
    assert_int_equal(strstr(text, "where you live") || strstr(text, "waar je woont"),
                     kluis_policy_n_authorities(p) == 0);
    for (size_t i = 0; i < kluis_policy_n_authorities(p); i++) {
        const struct kluis_authority *a = kluis_policy_authority(p, i);
        json_t *o = find(auth, "id", a->id);
        assert_non_null(o);
        if (a->website)
            assert_string_equal(str(o, "website"), a->website);
    }
    size_t n_portable = 0;
    for (size_t i = 0; i < n; i++)
        n_portable += kluis_render_portable(p, kluis_policy_find_category(p, ids[i]));
    json_t *port = find(rights, "right", "portability");
    assert_int_equal(port != NULL, n_portable > 0);
    if (port)
        assert_int_equal(json_array_size(json_object_get(port, "categories")), n_portable);
}

/* The top-level keys, in their fixed order. */
static void check_key_order(const char *text)
{
    static const char *const keys[] = {
        "article",    "language",   "held",      "text",   "controller", "purposes",
        "categories", "recipients", "retention", "rights", "source",     "automated_decisions",
        "transfers"};
    const char *at = text;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char needle[64];
        snprintf(needle, sizeof(needle), "\n  \"%s\":", keys[i]);
        const char *next = strstr(at, needle);
        if (!next)
            fprintf(stderr, "# key %s missing or out of order\n", keys[i]);
        assert_non_null(next);
        at = next;
    }
}

static void test_examples_stored_categories(void **state)
{
    (void)state;
    for (size_t e = 0; e < sizeof(examples) / sizeof(examples[0]); e++) {
        struct kluis_policy *p = load_example(examples[e]);
        const char *ids[64];
        size_t n = stored_ids(p, ids, 64);
        assert_true(n > 0);
        for (int l = KLUIS_LANG_NL; l <= KLUIS_LANG_EN; l++) {
            enum kluis_lang lang = (enum kluis_lang)l;
            char *text = NULL;
            json_t *root = render(p, lang, ids, n, &text);
            check_key_order(text);
            free(text);
            assert_string_equal(str(root, "language"), lang == KLUIS_LANG_NL ? "nl" : "en");
            assert_true(json_is_true(json_object_get(root, "held")));
            json_t *controller = section(root, "controller");
            assert_string_equal(str(controller, "name"), kluis_policy_organisation(p)->name);
            assert_string_equal(str(controller, "article"), "art. 13(1)(a)");
            check_purposes(p, root, ids, n);
            check_categories(p, lang, root, ids, n);
            check_recipients_and_transfers(p, lang, root, ids, n);
            check_rights(p, root, ids, n);
            json_decref(root);
        }
        kluis_policy_free(p);
    }
}

/* Each category alone, too: the narrowing is per category, not per policy. */
static void test_examples_one_category(void **state)
{
    (void)state;
    for (size_t e = 0; e < sizeof(examples) / sizeof(examples[0]); e++) {
        struct kluis_policy *p = load_example(examples[e]);
        for (size_t i = 0; i < kluis_policy_n_categories(p); i++) {
            const char *id = kluis_policy_category(p, i)->id;
            json_t *root = render(p, KLUIS_LANG_EN, &id, 1, NULL);
            check_purposes(p, root, &id, 1);
            check_categories(p, KLUIS_LANG_EN, root, &id, 1);
            check_recipients_and_transfers(p, KLUIS_LANG_EN, root, &id, 1);
            check_rights(p, root, &id, 1);
            json_decref(root);
        }
        kluis_policy_free(p);
    }
}

static void test_nothing_held(void **state)
{
    (void)state;
    for (size_t e = 0; e < sizeof(examples) / sizeof(examples[0]); e++) {
        struct kluis_policy *p = load_example(examples[e]);
        for (int l = KLUIS_LANG_NL; l <= KLUIS_LANG_EN; l++) {
            enum kluis_lang lang = (enum kluis_lang)l;
            json_t *root = render(p, lang, NULL, 0, NULL);
            assert_true(json_is_false(json_object_get(root, "held")));
            assert_string_equal(str(root, "text"), lang == KLUIS_LANG_NL
                                                       ? "Wij hebben geen persoonsgegevens van je."
                                                       : "We hold no personal data about you.");
            static const char *const empty[] = {"purposes",  "categories", "recipients",
                                                "retention", "source",     "automated_decisions",
                                                "transfers"};
            for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
                assert_int_equal(json_array_size(items(root, empty[i])), 0);
            assert_string_equal(str(section(root, "controller"), "name"),
                                kluis_policy_organisation(p)->name);
            check_rights(p, root, NULL, 0);
            /* Nothing held: nothing to port, no consent to withdraw. */
            assert_null(find(items(root, "rights"), "right", "portability"));
            assert_null(find(items(root, "rights"), "right", "withdrawal"));
            json_decref(root);
        }
        kluis_policy_free(p);
    }
}

static void assert_portable(const struct kluis_policy *p, const char *id, bool expected)
{
    const struct kluis_category *c = kluis_policy_find_category(p, id);
    assert_non_null(c);
    if (kluis_render_portable(p, c) != expected)
        fprintf(stderr, "# %s: portable should be %d\n", id, expected);
    assert_int_equal(kluis_render_portable(p, c), expected);
}

static void test_portable(void **state)
{
    (void)state;
    struct kluis_policy *p = load_example("000-mail-assistant.yaml");
    assert_portable(p, "account", true);       /* provided; service is a contract */
    assert_portable(p, "usage_logs", true);    /* provided; service is a contract */
    assert_portable(p, "invoices", false);     /* only a legal obligation (invoicing) */
    assert_portable(p, "cookies", false);      /* only a legitimate interest (website) */
    assert_portable(p, "prospects", false);    /* not provided: from public registers */
    assert_portable(p, "style_profile", true); /* style_learning is consent */
    assert_false(kluis_render_portable(p, NULL));
    assert_false(kluis_render_portable(NULL, kluis_policy_find_category(p, "account")));
    kluis_policy_free(p);

    p = load_example("001-voice-agents.yaml");
    assert_portable(p, "account", true);    /* contract (service, requests, billing) */
    assert_portable(p, "invoices", true);   /* account_billing is a contract too */
    assert_portable(p, "technical", false); /* security and improvement: legitimate interest */
    assert_portable(p, "logs", false);
    kluis_policy_free(p);

    p = load_example("003-web-hosting.yaml");
    assert_portable(p, "contact_forms", true); /* requests: steps before a contract */
    assert_portable(p, "hosted_data", false);  /* hosting states no basis of its own */
    kluis_policy_free(p);
}

static void test_unknown_category(void **state)
{
    (void)state;
    struct kluis_policy *p = load_example("000-mail-assistant.yaml");
    const char *ids[] = {"account", "no_such_category"};
    char *text = (char *)"untouched";
    size_t len = 7;
    struct kluis_err err = {0};
    assert_int_equal(kluis_render_access_info(p, KLUIS_LANG_NL, ids, 2, &text, &len, &err),
                     KLUIS_EINVAL);
    assert_int_equal(err.rc, KLUIS_EINVAL);
    assert_contains(err.message, "no_such_category");
    assert_string_equal(text, "untouched");
    assert_int_equal(len, 7);

    memset(&err, 0, sizeof(err));
    assert_int_equal(kluis_render_access_info(p, KLUIS_LANG_NL, NULL, 1, &text, &len, &err),
                     KLUIS_EINVAL);
    assert_int_equal(kluis_render_access_info(p, (enum kluis_lang)7, ids, 1, &text, &len, &err),
                     KLUIS_EINVAL);
    assert_int_equal(kluis_render_access_info(NULL, KLUIS_LANG_NL, ids, 1, &text, &len, &err),
                     KLUIS_EINVAL);
    kluis_policy_free(p);
}

/* 000's prospects: one purpose, an obtained source, only the database receives them. */
static void test_mail_assistant_prospects(void **state)
{
    (void)state;
    struct kluis_policy *p = load_example("000-mail-assistant.yaml");
    const char *id = "prospects";
    json_t *root = render(p, KLUIS_LANG_NL, &id, 1, NULL);
    json_t *purposes = items(root, "purposes");
    assert_int_equal(json_array_size(purposes), 1);
    json_t *pu = find(purposes, "id", "cold_outreach");
    assert_non_null(pu);
    assert_string_equal(str(json_object_get(pu, "legal_basis"), "article"), "art. 6(1)(f)");
    assert_string_equal(str(pu, "legitimate_interest"), "nieuwe zakelijke klanten vinden");
    assert_true(json_is_true(json_object_get(pu, "direct_marketing")));
    assert_contains(str(pu, "objection"), "art. 21(3) AVG");

    json_t *src = find(items(root, "source"), "category", "prospects");
    assert_contains(str(src, "source"), "Handelsregister KvK");
    assert_string_equal(str(src, "text"),
                        "Deze gegevens krijgen wij niet van jou zelf (art. 14 AVG).");

    json_t *recipients = items(root, "recipients");
    assert_int_equal(json_array_size(recipients), 1);
    assert_non_null(find(recipients, "id", "supabase"));
    assert_int_equal(json_array_size(items(root, "transfers")), 0);
    assert_contains(str(section(root, "transfers"), "text"), "Wij geven geen persoonsgegevens");

    json_t *objection = find(items(root, "rights"), "right", "objection");
    assert_true(has(json_object_get(objection, "purposes"), "cold_outreach"));
    assert_contains(str(find(items(root, "retention"), "category", "prospects"), "text"),
                    "tot je bezwaar maakt tegen");
    json_decref(root);
    kluis_policy_free(p);
}

/* 000's drafts: an art. 22 approval output, sent to the LLM in the US under SCCs. */
static void test_mail_assistant_drafts(void **state)
{
    (void)state;
    struct kluis_policy *p = load_example("000-mail-assistant.yaml");
    const char *id = "drafts";
    json_t *root = render(p, KLUIS_LANG_EN, &id, 1, NULL);
    json_t *ad = section(root, "automated_decisions");
    assert_true(json_is_false(json_object_get(ad, "used")));
    assert_contains(str(ad, "text"), "We do not take decisions about you");
    json_t *item = find(items(root, "automated_decisions"), "category", "drafts");
    assert_non_null(item);
    assert_string_equal(str(item, "text"), "Every item of \u201cAI draft replies\u201d requires "
                                           "approval by a person before it is used.");
    assert_true(has(json_object_get(item, "purposes"), "auto_draft"));

    json_t *t = find(items(root, "transfers"), "recipient", "anthropic");
    assert_non_null(t);
    assert_string_equal(str(t, "safeguard"),
                        "United States \u2014 standard contractual clauses (Decision (EU) "
                        "2021/914)");
    assert_non_null(json_object_get(section(root, "transfers"), "copy"));
    assert_contains(str(find(items(root, "categories"), "id", "drafts"), "role_text"),
                    "on behalf of our customers");
    json_t *pu = find(items(root, "purposes"), "id", "auto_draft");
    assert_string_equal(str(pu, "instructions"), "on our customer's instructions");
    json_decref(root);
    kluis_policy_free(p);
}

/* 003's domain holders: a registrar outside the EEA on an art. 49 derogation, one inside. */
static void test_web_hosting_domain_holders(void **state)
{
    (void)state;
    struct kluis_policy *p = load_example("003-web-hosting.yaml");
    const char *id = "domain_holders";
    json_t *root = render(p, KLUIS_LANG_NL, &id, 1, NULL);
    json_t *recipients = items(root, "recipients");
    assert_int_equal(json_array_size(recipients), 2);
    assert_string_equal(str(find(recipients, "id", "versio"), "role"), "controller");
    json_t *t = find(items(root, "transfers"), "recipient", "registrar");
    assert_non_null(t);
    assert_true(has(json_object_get(t, "mechanisms"), "derogation"));
    assert_contains(str(t, "safeguard"), "art. 49 AVG");
    assert_true(has(json_object_get(t, "location_names"), "Verenigde Arabische Emiraten"));
    /* A derogation is no art. 46 safeguard: there is no copy to offer. */
    assert_null(json_object_get(section(root, "transfers"), "copy"));
    json_decref(root);
    kluis_policy_free(p);
}

/* The caller's order and repeats do not matter: the answer follows the policy's order. */
static void test_order_and_duplicates(void **state)
{
    (void)state;
    struct kluis_policy *p = load_example("001-voice-agents.yaml");
    const char *a[] = {"logs", "account", "communication"};
    const char *b[] = {"communication", "account", "logs", "account"};
    char *ta = NULL, *tb = NULL;
    json_decref(render(p, KLUIS_LANG_NL, a, 3, &ta));
    json_decref(render(p, KLUIS_LANG_NL, b, 4, &tb));
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
    kluis_policy_free(p);
}

static const char rich_yaml[] =
    "kluis: 1\n"
    "organisation:\n"
    "  name: Proef B.V.\n"
    "  address: Proefstraat 1, Utrecht\n"
    "  country: NL\n"
    "  contact: {email: privacy@proef.example}\n"
    "  dpo:\n"
    "    appointed: true\n"
    "    name: Jan Jansen\n"
    "    contact: {email: fg@proef.example}\n"
    "subjects:\n"
    "  - id: customers\n"
    "    name: {nl: klanten, en: customers}\n"
    "events:\n"
    "  - id: account.closed\n"
    "    name: {nl: het account is gesloten, en: the account is closed}\n"
    "categories:\n"
    "  - id: account\n"
    "    name: {nl: Account, en: Account}\n"
    "    role: controller\n"
    "    subjects: [customers]\n"
    "    retention: until account.closed + 30d\n"
    "  - id: leads\n"
    "    name: {nl: Leads, en: Leads}\n"
    "    role: controller\n"
    "    subjects: [customers]\n"
    "    retention:\n"
    "      - 12mo\n"
    "      - until consent.withdrawn(outreach)\n"
    "  - id: health\n"
    "    name: {nl: Gezondheid, en: Health}\n"
    "    role: controller\n"
    "    subjects: [customers]\n"
    "    special: true\n"
    "    retention: 1y\n"
    "  - id: hosted\n"
    "    name: {nl: Gehoste data, en: Hosted data}\n"
    "    role: processor\n"
    "    subjects: [customers]\n"
    "    retention: {tenant: {default: 90d, min: 0d, max: 2y}}\n"
    "purposes:\n"
    "  - id: service\n"
    "    name: {nl: Dienst, en: Service}\n"
    "    basis: contract\n"
    "    categories: [account]\n"
    "  - id: outreach\n"
    "    name: {nl: Benadering, en: Outreach}\n"
    "    basis: consent\n"
    "    consent: outreach\n"
    "    categories: [leads]\n"
    "  - id: care\n"
    "    name: {nl: Zorg, en: Care}\n"
    "    basis: contract\n"
    "    art9: explicit_consent\n"
    "    consent: care\n"
    "    categories: [health]\n"
    "  - id: hosting\n"
    "    name: {nl: Hosting, en: Hosting}\n"
    "    role: processor\n"
    "    categories: [hosted]\n"
    "consents:\n"
    "  - id: outreach\n"
    "    text: {nl: Mogen wij je benaderen?, en: May we contact you?}\n"
    "    version: \"2\"\n"
    "    withdraw: {nl: Antwoord STOP., en: Reply STOP.}\n"
    "  - id: care\n"
    "    text: {nl: Mogen wij je gezondheid gebruiken?, en: May we use your health data?}\n"
    "    withdraw: {nl: Mail ons., en: Email us.}\n"
    "subprocessors:\n"
    "  - id: callcentre\n"
    "    name: Callcentre Ltd.\n"
    "    purpose: {nl: bellen, en: calling}\n"
    "    locations: [CH]\n"
    "    categories: [account, leads]\n"
    "    purposes: [outreach]\n"
    "    dpa: true\n"
    "  - id: cloud\n"
    "    name: Cloud GmbH\n"
    "    purpose: {nl: hosting, en: hosting}\n"
    "    locations: [DE]\n"
    "    categories: [account, leads, health, hosted]\n"
    "    dpa: true\n"
    "automated_decisions:\n"
    "  used: true\n"
    "  logic: {nl: Een model scoort leads., en: A model scores leads.}\n"
    "rights:\n"
    "  formats: [json]\n";

/* A recipient that names its purposes receives a category it lists only for those purposes. */
static void test_recipient_purposes_respected(void **state)
{
    (void)state;
    struct kluis_policy *p = load_yaml(rich_yaml);
    const char *account = "account";
    json_t *root = render(p, KLUIS_LANG_EN, &account, 1, NULL);
    json_t *recipients = items(root, "recipients");
    assert_null(find(recipients, "id", "callcentre")); /* lists account, but serves outreach */
    assert_non_null(find(recipients, "id", "cloud"));
    json_decref(root);

    const char *leads = "leads";
    root = render(p, KLUIS_LANG_EN, &leads, 1, NULL);
    json_t *r = find(items(root, "recipients"), "id", "callcentre");
    assert_non_null(r);
    assert_int_equal(json_array_size(json_object_get(r, "categories")), 1);
    assert_true(has(json_object_get(r, "categories"), "leads"));
    assert_true(has(json_object_get(r, "purposes"), "outreach"));
    /* Switzerland has an adequacy decision; no mechanism is needed, and the words say why. */
    json_t *t = find(items(root, "transfers"), "recipient", "callcentre");
    assert_non_null(t);
    assert_int_equal(json_array_size(json_object_get(t, "mechanisms")), 0);
    assert_contains(str(t, "safeguard"), "(adequacy decision)");
    json_decref(root);
    kluis_policy_free(p);
}

static void test_bases_consent_and_art22(void **state)
{
    (void)state;
    struct kluis_policy *p = load_yaml(rich_yaml);
    const char *ids[] = {"hosted", "health", "leads"};
    json_t *root = render(p, KLUIS_LANG_NL, ids, 3, NULL);

    json_t *purposes = items(root, "purposes");
    json_t *outreach = find(purposes, "id", "outreach");
    json_t *consent = json_object_get(outreach, "consent");
    assert_string_equal(str(consent, "id"), "outreach");
    assert_string_equal(str(consent, "version"), "2");
    assert_string_equal(str(consent, "withdraw"), "Antwoord STOP.");
    json_t *care = find(purposes, "id", "care");
    assert_string_equal(str(json_object_get(care, "special_condition"), "article"), "art. 9(2)(a)");
    json_t *hosting = find(purposes, "id", "hosting");
    assert_true(json_is_null(json_object_get(hosting, "legal_basis")));
    assert_contains(str(hosting, "instructions"), "die als verwerkingsverantwoordelijke");

    json_t *health = find(items(root, "categories"), "id", "health");
    assert_string_equal(str(health, "special_text"),
                        "Deze gegevens kunnen bijzondere persoonsgegevens bevatten (art. 9 AVG).");

    /* Machine form of the rules: a tenant setting, and an event with its purpose. */
    json_t *clauses =
        json_object_get(find(items(root, "retention"), "category", "hosted"), "clauses");
    json_t *cl = json_array_get(clauses, 0);
    assert_string_equal(str(cl, "kind"), "tenant");
    assert_string_equal(str(cl, "period"), "90d");
    assert_string_equal(str(cl, "min"), "0d");
    assert_string_equal(str(cl, "max"), "2y");
    clauses = json_object_get(find(items(root, "retention"), "category", "leads"), "clauses");
    cl = json_array_get(clauses, 1);
    assert_string_equal(str(cl, "kind"), "until");
    assert_null(json_object_get(cl, "period"));
    assert_true(has(json_object_get(cl, "events"), "consent.withdrawn(outreach)"));

    /* Consent is withdrawable for both consent purposes; portability covers both (6(1)(a), and
     * 9(2)(a) beside a contract), not the hosted data (no basis of its own). */
    json_t *rights = items(root, "rights");
    json_t *w = find(rights, "right", "withdrawal");
    assert_non_null(w);
    assert_true(has(json_object_get(w, "purposes"), "outreach"));
    assert_true(has(json_object_get(w, "purposes"), "care"));
    json_t *port = find(rights, "right", "portability");
    assert_int_equal(json_array_size(json_object_get(port, "categories")), 2);
    assert_false(has(json_object_get(port, "categories"), "hosted"));
    assert_contains(str(port, "text"), "(JSON)");

    /* No authorities in the policy: the one where you live or work. */
    assert_contains(str(find(rights, "right", "complaint"), "text"),
                    "in het land waar je woont of werkt");
    assert_int_equal(
        json_array_size(json_object_get(find(rights, "right", "complaint"), "authorities")), 0);

    /* Automated decisions are used: the logic and the art. 22(3) safeguards are stated. */
    json_t *ad = section(root, "automated_decisions");
    assert_true(json_is_true(json_object_get(ad, "used")));
    assert_string_equal(str(ad, "logic"), "Een model scoort leads.");
    assert_contains(str(ad, "safeguards"), "menselijke tussenkomst");

    json_t *dpo = json_object_get(section(root, "controller"), "dpo");
    assert_true(json_is_true(json_object_get(dpo, "appointed")));
    assert_string_equal(str(dpo, "name"), "Jan Jansen");
    assert_string_equal(str(json_object_get(dpo, "contact"), "email"), "fg@proef.example");
    json_decref(root);
    kluis_policy_free(p);
}

int main(int argc, char **argv)
{
    source_root = argc > 1 ? argv[1] : ".";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_stored_categories),
        cmocka_unit_test(test_examples_one_category),
        cmocka_unit_test(test_nothing_held),
        cmocka_unit_test(test_portable),
        cmocka_unit_test(test_unknown_category),
        cmocka_unit_test(test_mail_assistant_prospects),
        cmocka_unit_test(test_mail_assistant_drafts),
        cmocka_unit_test(test_web_hosting_domain_holders),
        cmocka_unit_test(test_order_and_duplicates),
        cmocka_unit_test(test_recipient_purposes_respected),
        cmocka_unit_test(test_bases_consent_and_art22),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
