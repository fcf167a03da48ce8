/*
 * The privacy statement (art. 13 and 14 GDPR) in Dutch or English, written as Markdown and, for
 * HTML, rendered with cmark into a standalone page.
 *
 * Every text taken from the policy goes through kluis__buf_md, so the policy can never add
 * Markdown or HTML of its own; the markup in the page is only what this file writes. cmark runs
 * without CMARK_OPT_UNSAFE as a second line: raw HTML and dangerous URLs would be dropped even if
 * an escape were missed.
 *
 * The Dutch text addresses the reader as "je" throughout (as the JBSync statement does), the
 * English one as "you". Where the policy leaves something out, the sentence that would carry it
 * is left out too: a statement never prints an empty value.
 */
#include "render/render_internal.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

struct doc {
    struct kluis_buf *b;
    const struct kluis_policy *p;
    enum kluis_lang lang;
    bool nl;
    int section; /* number of the last "##" heading */
    bool has_controller_data;
    bool has_processor_data;
};

/* The same words in both languages, picked by the document's language. */
static const char *tr(const struct doc *d, const char *nl, const char *en)
{
    return d->nl ? nl : en;
}

static void lit(struct doc *d, const char *s)
{
    kluis__buf_puts(d->b, s);
}

static void md(struct doc *d, const char *s)
{
    kluis__buf_md(d->b, s);
}

static void trl(struct doc *d, const char *nl, const char *en)
{
    lit(d, tr(d, nl, en));
}

static void end_par(struct doc *d)
{
    lit(d, "\n\n");
}

/* True when the text ends a sentence already ("…", "?", "!", "."). */
static bool ends_sentence(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
        n--;
    if (n == 0)
        return true;
    char c = s[n - 1];
    if (c == '.' || c == '!' || c == '?')
        return true;
    /* "…" is E2 80 A6 in UTF-8. */
    return n >= 3 && (unsigned char)s[n - 3] == 0xE2 && (unsigned char)s[n - 2] == 0x80 &&
           (unsigned char)s[n - 1] == 0xA6;
}

/* A policy text used as a sentence: escaped, with a full stop when it has none. */
static void sentence(struct doc *d, const char *s)
{
    md(d, s);
    if (!ends_sentence(s))
        lit(d, ".");
}

/* True when a policy text reads as the rest of a sentence ("per e-mail …") rather than a new
 * one ("Per e-mail …"): it starts with a lower-case letter. */
static bool is_phrase(const char *s)
{
    return *s >= 'a' && *s <= 'z';
}

static void heading(struct doc *d, const char *nl, const char *en)
{
    d->section++;
    kluis__buf_printf(d->b, "## %d. %s\n\n", d->section, tr(d, nl, en));
}

static void subheading(struct doc *d, const char *text)
{
    lit(d, "### ");
    md(d, text);
    end_par(d);
}

/* "- **Label:** " */
static void item(struct doc *d, const char *nl, const char *en)
{
    kluis__buf_printf(d->b, "- **%s:** ", tr(d, nl, en));
}

static void put_join(struct doc *d, const struct kluis_strv *v, enum kluis_join join)
{
    kluis__render_join(d->b, (const char *const *)v->items, v->n, d->lang, join, kluis__buf_md);
    if (v->rc != KLUIS_OK && d->b->rc == KLUIS_OK)
        d->b->rc = v->rc;
}

/* Appends plain words built by a render_common helper, escaped. */
static void put_words(struct doc *d, const struct kluis_buf *words)
{
    if (words->rc != KLUIS_OK) {
        if (d->b->rc == KLUIS_OK)
            d->b->rc = words->rc;
        return;
    }
    md(d, words->data ? words->data : "");
}

static void put_duration(struct doc *d, struct kluis_duration dur, bool spelled)
{
    struct kluis_buf w;
    kluis__buf_init(&w, 0);
    if (spelled)
        kluis__render_duration_spelled(&w, dur, d->lang);
    else
        kluis__render_duration(&w, dur, d->lang);
    put_words(d, &w);
    kluis__buf_free(&w);
}

static void put_cite(struct doc *d, const char *article)
{
    struct kluis_buf w;
    kluis__buf_init(&w, 0);
    kluis__render_cite(&w, article, d->lang);
    put_words(d, &w);
    kluis__buf_free(&w);
}

static void put_date(struct doc *d, int64_t days)
{
    struct kluis_buf w;
    kluis__buf_init(&w, 0);
    kluis__render_date(&w, days, d->lang);
    put_words(d, &w);
    kluis__buf_free(&w);
}

/* True for characters that can stand in a link destination without escaping or quoting. No
 * ';', so that nothing in it can be read as an entity ("&copy;"). */
static bool url_safe(const char *s)
{
    for (; *s; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr("-._~:/?#@!$&*+,=%", c) != NULL;
        if (!ok)
            return false;
    }
    return true;
}

/*
 * A contact value, as a link where it is an e-mail address or a web address that needs no
 * escaping; otherwise as text. cmark also refuses javascript: and similar URLs.
 */
static void put_contact_value(struct doc *d, const char *kind, const char *value)
{
    bool is_mail = kind && strcmp(kind, "email") == 0 && strchr(value, '@') &&
                   !strchr(value, ':') && !strchr(value, '/');
    bool is_web = (strncmp(value, "https://", 8) == 0 || strncmp(value, "http://", 7) == 0);
    if ((is_mail || is_web) && url_safe(value)) {
        lit(d, "[");
        md(d, value);
        lit(d, "](");
        if (is_mail)
            lit(d, "mailto:");
        lit(d, value);
        lit(d, ")");
        return;
    }
    md(d, value);
}

static void put_contacts(struct doc *d, const struct kluis_contact *contacts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        kluis__buf_printf(d->b, "- %s: ", kluis__render_channel(contacts[i].kind, d->lang));
        put_contact_value(d, contacts[i].kind, contacts[i].value);
        lit(d, "\n");
    }
    if (n > 0)
        lit(d, "\n");
}

/* ---- Words shared with the access information ---------------------------------------------- */

static const char *const phrases[KLUIS_PHRASE_COUNT_][2] = {
    [KLUIS_PHRASE_SPECIAL] = {"Deze gegevens kunnen bijzondere persoonsgegevens bevatten (art. 9 "
                              "AVG).",
                              "This data may include special categories of personal data (Art. "
                              "9 GDPR)."},
    [KLUIS_PHRASE_NOT_FROM_YOU] = {"Deze gegevens krijgen wij niet van jou zelf (art. 14 AVG).",
                                   "We do not obtain this data from you directly (Art. 14 GDPR)."},
    [KLUIS_PHRASE_NOT_FROM_YOU_PLAIN] = {"Deze gegevens krijgen wij niet van jou zelf.",
                                         "We do not obtain this data from you directly."},
    [KLUIS_PHRASE_ON_BEHALF] = {"Deze gegevens verwerken wij in opdracht van onze klanten. Met "
                                "vragen of verzoeken over deze gegevens kun je ook terecht bij de "
                                "organisatie die onze dienst gebruikt.",
                                "We process this data on behalf of our customers. For questions "
                                "or requests about it you can also turn to the organisation that "
                                "uses our service."},
    [KLUIS_PHRASE_CUSTOMER_BASIS] = {"in opdracht van onze klant, die als "
                                     "verwerkingsverantwoordelijke de grondslag bepaalt (art. 28 "
                                     "AVG)",
                                     "on our customer's instructions; the customer, as "
                                     "controller, determines the legal basis (Art. 28 GDPR)"},
    [KLUIS_PHRASE_ON_INSTRUCTIONS] = {"in opdracht van onze klant",
                                      "on our customer's instructions"},
    [KLUIS_PHRASE_DIRECT_MARKETING] = {"je kunt hier altijd bezwaar tegen maken, en dan stoppen "
                                       "wij ermee (art. 21(3) AVG)",
                                       "you can object to this at any time, and we then stop "
                                       "(Art. 21(3) GDPR)"},
    [KLUIS_PHRASE_RECIPIENT_CONTROLLER] = {"zelfstandig verwerkingsverantwoordelijke",
                                           "independent controller"},
    [KLUIS_PHRASE_RECIPIENT_DPA] = {"verwerker, met een verwerkersovereenkomst",
                                    "processor, under a data processing agreement"},
    [KLUIS_PHRASE_RECIPIENT_NO_DPA] = {"verwerker, zonder verwerkersovereenkomst",
                                       "processor, without a data processing agreement"},
    [KLUIS_PHRASE_RECIPIENTS] = {"Wij delen persoonsgegevens alleen met de partijen hieronder.",
                                 "We share personal data only with the parties below."},
    [KLUIS_PHRASE_NO_RECIPIENTS] = {"Wij delen geen persoonsgegevens met andere partijen.",
                                    "We do not share personal data with other parties."},
    /* Not every basis is a safeguard: an adequacy decision (art. 45) and a derogation (art. 49)
     * are not, so the promise names the chapter, and each recipient its mechanism. */
    [KLUIS_PHRASE_TRANSFERS] = {"Deze ontvangers verwerken gegevens (ook) buiten de Europese "
                                "Economische Ruimte (EER). Wij geven gegevens alleen door op een "
                                "grondslag uit hoofdstuk V AVG (art. 44–49)",
                                "These recipients process data (also) outside the European "
                                "Economic Area (EEA). We transfer data only on a basis under "
                                "Chapter V GDPR (Art. 44–49)"},
    [KLUIS_PHRASE_NO_TRANSFERS] = {"Wij geven geen persoonsgegevens door naar landen buiten de "
                                   "Europese Economische Ruimte (EER).",
                                   "We do not transfer personal data to countries outside the "
                                   "European Economic Area (EEA)."},
    [KLUIS_PHRASE_SAFEGUARD_COPY] = {"Een kopie van de passende waarborgen (art. 46 AVG) kun je "
                                     "bij ons opvragen.",
                                     "You can ask us for a copy of the appropriate safeguards "
                                     "(Art. 46 GDPR)."},
    [KLUIS_PHRASE_AUTOMATED] = {"Wij nemen besluiten die uitsluitend op geautomatiseerde "
                                "verwerking berusten (art. 22 AVG).",
                                "We take decisions based solely on automated processing (Art. 22 "
                                "GDPR)."},
    [KLUIS_PHRASE_NO_AUTOMATED] = {"Wij nemen geen besluiten over je die uitsluitend op "
                                   "geautomatiseerde verwerking berusten en die rechtsgevolgen of "
                                   "vergelijkbare gevolgen voor je hebben (art. 22 AVG).",
                                   "We do not take decisions about you that are based solely on "
                                   "automated processing and have legal or similarly significant "
                                   "effects on you (Art. 22 GDPR)."},
    [KLUIS_PHRASE_AUTOMATED_RIGHTS] = {"Je hebt het recht op menselijke tussenkomst, om je "
                                       "standpunt kenbaar te maken en om het besluit aan te "
                                       "vechten.",
                                       "You have the right to human intervention, to express "
                                       "your point of view and to contest the decision."},
    [KLUIS_PHRASE_COMPLAINT] = {"Je hebt ook het recht een klacht in te dienen bij een "
                                "toezichthouder (art. 77 AVG)",
                                "You also have the right to lodge a complaint with a supervisory "
                                "authority (Art. 77 GDPR)"},
    [KLUIS_PHRASE_COMPLAINT_HOME] = {"Je hebt ook het recht een klacht in te dienen bij de "
                                     "toezichthouder in het land waar je woont of werkt (art. 77 "
                                     "AVG).",
                                     "You also have the right to lodge a complaint with the "
                                     "supervisory authority in the country where you live or "
                                     "work (Art. 77 GDPR)."},
};

const char *kluis__render_phrase(enum kluis_phrase ph, enum kluis_lang lang)
{
    if ((unsigned)ph >= KLUIS_PHRASE_COUNT_)
        return "";
    return phrases[ph][lang == KLUIS_LANG_EN];
}

void kluis__render_approval(struct kluis_buf *b, const char *name, enum kluis_lang lang,
                            kluis_put_fn put)
{
    bool nl = lang == KLUIS_LANG_NL;
    kluis__buf_puts(b, nl ? "Elk item in \u201c" : "Every item of \u201c");
    put(b, name);
    kluis__buf_puts(b, nl ? "\u201d moet door een mens worden goedgekeurd voordat het wordt "
                            "gebruikt."
                          : "\u201d requires approval by a person before it is used.");
}

static const struct {
    const char *article;
    const char *name[2]; /* nl, en */
    const char *text[2];
    const char *tail[2]; /* after the export formats (portability), else NULL */
} rights[KLUIS_RIGHT_COUNT_] = {
    [KLUIS_RIGHT_ACCESS] = {"art. 15",
                            {"Inzage", "Access"},
                            {"je kunt opvragen welke gegevens wij over je verwerken, waarvoor en "
                             "hoe lang.",
                             "you can ask which data we process about you, why and for how "
                             "long."},
                            {NULL, NULL}},
    [KLUIS_RIGHT_RECTIFICATION] = {"art. 16",
                                   {"Rectificatie", "Rectification"},
                                   {"je kunt onjuiste gegevens laten corrigeren en onvolledige "
                                    "laten aanvullen.",
                                    "you can have inaccurate data corrected and incomplete data "
                                    "completed."},
                                   {NULL, NULL}},
    [KLUIS_RIGHT_ERASURE] = {"art. 17",
                             {"Verwijdering", "Erasure"},
                             {"je kunt je gegevens laten wissen, tenzij een wettelijke "
                              "bewaarplicht dat verhindert; dan vertellen wij je welke gegevens "
                              "wij bewaren, waarom en tot wanneer.",
                              "you can have your data erased, unless a legal obligation requires "
                              "us to keep it; we then tell you which data we keep, why and until "
                              "when."},
                             {NULL, NULL}},
    [KLUIS_RIGHT_RESTRICTION] = {"art. 18",
                                 {"Beperking", "Restriction"},
                                 {"je kunt vragen de verwerking te beperken, bijvoorbeeld zolang "
                                  "een correctie of bezwaar wordt beoordeeld.",
                                  "you can ask us to restrict the processing, for example while a "
                                  "correction or an objection is being assessed."},
                                 {NULL, NULL}},
    [KLUIS_RIGHT_PORTABILITY] = {"art. 20",
                                 {"Overdraagbaarheid", "Portability"},
                                 {"je ontvangt de gegevens die je ons zelf hebt gegeven in een "
                                  "gestructureerde, gangbare en machineleesbare vorm",
                                  "you receive the data you gave us in a structured, commonly "
                                  "used and machine-readable format"},
                                 {", om ze aan een ander door te geven.",
                                  ", to pass on to someone else."}},
    [KLUIS_RIGHT_OBJECTION] = {"art. 21",
                               {"Bezwaar", "Objection"},
                               {"je kunt bezwaar maken tegen verwerking op grond van een "
                                "gerechtvaardigd belang; tegen direct marketing kun je altijd "
                                "bezwaar maken, en dan stoppen wij daarmee.",
                                "you can object to processing based on a legitimate interest; "
                                "you can always object to direct marketing, and we then stop."},
                               {NULL, NULL}},
    [KLUIS_RIGHT_WITHDRAWAL] = {"art. 7(3)",
                                {"Toestemming intrekken", "Withdrawing consent"},
                                {"verwerking op grond van je toestemming kun je altijd laten "
                                 "stoppen; dat heeft geen gevolgen voor de verwerking daarvóór.",
                                 "you can withdraw your consent at any time; this does not "
                                 "affect processing before the withdrawal."},
                                {NULL, NULL}},
    [KLUIS_RIGHT_AUTOMATED] = {"art. 22",
                               {"Geen geautomatiseerd besluit", "No automated decisions"},
                               {"je hebt het recht niet te worden onderworpen aan een besluit "
                                "dat uitsluitend op geautomatiseerde verwerking berust en dat "
                                "rechtsgevolgen of vergelijkbare gevolgen voor je heeft.",
                                "you have the right not to be subject to a decision based "
                                "solely on automated processing that has legal or similarly "
                                "significant effects on you."},
                               {NULL, NULL}},
};

const char *kluis__render_right_article(enum kluis_right r)
{
    return (unsigned)r < KLUIS_RIGHT_COUNT_ ? rights[r].article : "";
}

const char *kluis__render_right_name(enum kluis_right r, enum kluis_lang lang)
{
    return (unsigned)r < KLUIS_RIGHT_COUNT_ ? rights[r].name[lang == KLUIS_LANG_EN] : "";
}

void kluis__render_right_text(struct kluis_buf *b, const struct kluis_policy *p, enum kluis_right r,
                              enum kluis_lang lang)
{
    if ((unsigned)r >= KLUIS_RIGHT_COUNT_)
        return;
    int l = lang == KLUIS_LANG_EN;
    kluis__buf_puts(b, rights[r].text[l]);
    if (!rights[r].tail[l])
        return;
    /* The export formats the policy offers; format names are acronyms: "json" is JSON. */
    const struct kluis_rights *pr = kluis_policy_rights(p);
    if (pr->n_formats > 0) {
        struct kluis_strv names;
        kluis__strv_init(&names);
        for (size_t i = 0; i < pr->n_formats; i++) {
            char up[32];
            size_t k = 0;
            for (const char *s = pr->formats[i]; *s && k + 1 < sizeof(up); s++)
                up[k++] = (char)(*s >= 'a' && *s <= 'z' ? *s - ('a' - 'A') : *s);
            up[k] = '\0';
            kluis__strv_add_unique(&names, up);
        }
        kluis__buf_puts(b, " (");
        kluis__render_join(b, (const char *const *)names.items, names.n, lang, KLUIS_JOIN_AND,
                           kluis__buf_puts);
        kluis__buf_putc(b, ')');
        if (names.rc != KLUIS_OK && b->rc == KLUIS_OK)
            b->rc = names.rc;
        kluis__strv_free(&names);
    }
    kluis__buf_puts(b, rights[r].tail[l]);
}

/* A phrase of the shared table, as it is. */
static void phrase(struct doc *d, enum kluis_phrase ph)
{
    lit(d, kluis__render_phrase(ph, d->lang));
}

/* ---- Sections ------------------------------------------------------------------------------ */

static void put_title(struct doc *d)
{
    const struct kluis_organisation *org = kluis_policy_organisation(d->p);
    const char *version = kluis_policy_statement_version(d->p);
    int64_t date = kluis_policy_statement_date(d->p);

    trl(d, "# Privacyverklaring\n\n", "# Privacy statement\n\n");
    if (version || date >= 0) {
        lit(d, "*");
        if (version) {
            trl(d, "Versie ", "Version ");
            md(d, version);
        }
        if (version && date >= 0)
            lit(d, " — ");
        if (date >= 0) {
            if (version)
                trl(d, "laatst bijgewerkt op ", "last updated on ");
            else
                trl(d, "Laatst bijgewerkt op ", "Last updated on ");
            put_date(d, date);
        }
        lit(d, "*");
        end_par(d);
    }
    trl(d, "In deze privacyverklaring lees je welke persoonsgegevens ",
        "This privacy statement explains which personal data ");
    md(d, org->name ? org->name : "");
    trl(d,
        " verwerkt, waarvoor en op welke grondslag, hoe lang wij ze bewaren, met wie wij ze "
        "delen en welke rechten je hebt.",
        " processes, for what purposes and on what legal basis, how long we keep it, with whom we "
        "share it and what your rights are.");
    end_par(d);
}

static void put_who(struct doc *d)
{
    const struct kluis_organisation *org = kluis_policy_organisation(d->p);
    heading(d, "Wie wij zijn", "Who we are");

    trl(d, "Deze privacyverklaring is van **", "This privacy statement is issued by **");
    md(d, org->name ? org->name : "");
    lit(d, "**");
    if (org->address) {
        lit(d, ", ");
        md(d, org->address);
    }
    const char *country = org->country ? kluis_country_name(org->country, d->lang) : NULL;
    /* An address that already ends in the country name does not need it twice. */
    if (country && (!org->address || !strstr(org->address, country))) {
        lit(d, ", ");
        md(d, country);
    }
    lit(d, ".");
    const char *registry = kluis__render_text(&org->registry_name, d->lang);
    if (org->registry_number && registry) {
        trl(d, " Wij staan ingeschreven bij de ", " We are registered with the ");
        md(d, registry);
        trl(d, " onder nummer ", " under number ");
        md(d, org->registry_number);
        lit(d, ".");
    } else if (org->registry_number) {
        trl(d, " Ons registratienummer is ", " Our registration number is ");
        md(d, org->registry_number);
        lit(d, ".");
    }
    if (org->vat) {
        trl(d, " Ons btw-nummer is ", " Our VAT number is ");
        md(d, org->vat);
        lit(d, ".");
    }
    end_par(d);

    if (org->n_contacts > 0) {
        trl(d, "Je bereikt ons via:\n\n", "You can reach us by:\n\n");
        put_contacts(d, org->contacts, org->n_contacts);
    }
}

static void put_dpo(struct doc *d)
{
    const struct kluis_dpo *dpo = &kluis_policy_organisation(d->p)->dpo;
    heading(d, "Functionaris voor gegevensbescherming", "Data protection officer");
    if (dpo->appointed) {
        trl(d, "Wij hebben een functionaris voor gegevensbescherming (FG) aangesteld",
            "We have appointed a data protection officer (DPO)");
        if (dpo->name) {
            lit(d, ": ");
            md(d, dpo->name);
        }
        lit(d, ".");
        if (dpo->n_contacts > 0) {
            trl(d, " Je bereikt de FG via:\n\n", " You can reach the DPO by:\n\n");
            put_contacts(d, dpo->contacts, dpo->n_contacts);
        } else {
            end_par(d);
        }
        return;
    }
    trl(d, "Wij hebben geen functionaris voor gegevensbescherming (FG) aangesteld",
        "We have not appointed a data protection officer (DPO)");
    const char *reason = kluis__render_text(&dpo->reason, d->lang);
    if (reason) {
        trl(d, "; art. 37 AVG verplicht ons daar niet toe. ",
            "; Art. 37 GDPR does not require us to. ");
        sentence(d, reason);
    } else {
        lit(d, ".");
    }
    trl(d,
        " Met vragen over privacy kun je rechtstreeks bij ons terecht via de contactgegevens "
        "hierboven.",
        " For questions about privacy you can contact us directly using the details above.");
    end_par(d);
}

static void put_roles(struct doc *d)
{
    struct kluis_text ctext = kluis_policy_role_text(d->p, KLUIS_ROLE_CONTROLLER);
    struct kluis_text ptext = kluis_policy_role_text(d->p, KLUIS_ROLE_PROCESSOR);
    const char *cwords = kluis__render_text(&ctext, d->lang);
    const char *pwords = kluis__render_text(&ptext, d->lang);
    bool both = d->has_controller_data && d->has_processor_data;

    heading(d, both ? "Onze rollen" : "Onze rol", both ? "Our roles" : "Our role");
    if (both)
        trl(d, "Wij verwerken persoonsgegevens in twee rollen, elk met eigen regels.\n\n",
            "We process personal data in two roles, each with its own rules.\n\n");
    if (d->has_controller_data || cwords) {
        trl(d,
            "**Als verwerkingsverantwoordelijke** bepalen wij zelf waarvoor en hoe wij "
            "persoonsgegevens verwerken.",
            "**As controller** we decide ourselves why and how we process personal data.");
        if (cwords) {
            lit(d, " ");
            sentence(d, cwords);
        }
        end_par(d);
    }
    if (d->has_processor_data || pwords) {
        trl(d,
            "**Als verwerker** verwerken wij persoonsgegevens in opdracht van onze klanten "
            "(art. 28 AVG); de klant is dan de verwerkingsverantwoordelijke.",
            "**As processor** we process personal data on behalf of our customers (Art. 28 "
            "GDPR); the customer is then the controller.");
        if (pwords) {
            lit(d, " ");
            sentence(d, pwords);
        }
        end_par(d);
    }
}

/* True for data that is never persisted and has no rule: its retention is "never stored". */
static bool never_stored(const struct kluis_category *c)
{
    return c->storage == KLUIS_STORAGE_TRANSIENT && !c->tenant_may_change_storage &&
           (!c->retention || c->retention->n_clauses == 0);
}

static void put_storage(struct doc *d, const struct kluis_category *c)
{
    /* Data that is never stored says so on its retention line (see put_category). */
    if (never_stored(c))
        return;
    if (c->storage == KLUIS_STORAGE_TRANSIENT && !c->tenant_may_change_storage) {
        item(d, "Opslag", "Storage");
        trl(d, "nooit opgeslagen; alleen in het werkgeheugen verwerkt, zolang dat nodig is\n",
            "never stored; processed in memory only, for as long as needed\n");
    } else if (c->storage == KLUIS_STORAGE_TRANSIENT) {
        item(d, "Opslag", "Storage");
        trl(d,
            "standaard niet opgeslagen; een klant kan ervoor kiezen deze gegevens te "
            "bewaren\n",
            "not stored by default; a customer may choose to keep this data\n");
    } else if (c->tenant_may_change_storage) {
        item(d, "Opslag", "Storage");
        trl(d, "standaard opgeslagen; een klant kan kiezen voor geen opslag\n",
            "stored by default; a customer may choose not to store it\n");
    }
}

static void put_category(struct doc *d, const struct kluis_category *c)
{
    const char *name = kluis__render_text(&c->name, d->lang);
    subheading(d, name ? name : c->id);

    const char *examples = kluis__render_text(&c->examples, d->lang);
    if (examples) {
        item(d, "Voorbeelden", "Examples");
        md(d, examples);
        lit(d, "\n");
    }
    if (c->n_subjects > 0) {
        struct kluis_strv names;
        kluis__strv_init(&names);
        for (size_t i = 0; i < c->n_subjects; i++) {
            const struct kluis_subject_group *g =
                kluis_policy_find_subject_group(d->p, c->subjects[i]);
            const char *gname = g ? kluis__render_text(&g->name, d->lang) : NULL;
            kluis__strv_add_unique(&names, gname ? gname : c->subjects[i]);
        }
        item(d, "Van wie", "Whose data");
        put_join(d, &names, KLUIS_JOIN_AND);
        lit(d, "\n");
        kluis__strv_free(&names);
    }
    /* A category is special when it can hold such data (a transcript may mention health), not
     * because every item of it does. */
    if (c->special) {
        lit(d, "- ");
        phrase(d, KLUIS_PHRASE_SPECIAL);
        lit(d, "\n");
    }
    if (!c->provided) {
        /* Art. 14 is the controller's duty: for data processed on behalf of a customer it is
         * the customer who informs, so the citation is for the organisation's own data only. */
        bool own = c->role == KLUIS_ROLE_CONTROLLER;
        const char *source = kluis__render_text(&c->source, d->lang);
        if (source) {
            item(d, "Herkomst", "Source");
            md(d, source);
            if (own)
                trl(d, " (art. 14 AVG)", " (Art. 14 GDPR)");
            lit(d, "\n");
        } else {
            lit(d, "- ");
            phrase(d, own ? KLUIS_PHRASE_NOT_FROM_YOU : KLUIS_PHRASE_NOT_FROM_YOU_PLAIN);
            lit(d, "\n");
        }
    }
    put_storage(d, c);
    if (c->key_class) {
        const struct kluis_key_class *k = kluis_policy_find_key_class(d->p, c->key_class);
        const char *kname = k ? kluis__render_text(&k->name, d->lang) : NULL;
        item(d, "Versleuteling", "Encryption");
        trl(d, "met een eigen sleutel voor de klasse \u201c",
            "under a separate key for the class \u201c");
        md(d, kname ? kname : c->key_class);
        lit(d, "\u201d\n");
    }
    if (c->approval) {
        item(d, "Goedkeuring", "Approval");
        trl(d, "elk item wordt pas gebruikt nadat een mens het heeft goedgekeurd\n",
            "each item is used only after a person has approved it\n");
    }
    item(d, "Bewaartermijn", "Retention");
    struct kluis_buf w;
    kluis__buf_init(&w, 0);
    kluis__render_retention_words(&w, d->p, c, d->lang, KLUIS_VOICE_YOU);
    put_words(d, &w);
    kluis__buf_free(&w);
    if (never_stored(c))
        trl(d, "; alleen in het werkgeheugen verwerkt, zolang dat nodig is",
            "; processed in memory only, for as long as needed");
    lit(d, "\n\n");

    const char *note = kluis__render_text(&c->note, d->lang);
    if (note) {
        sentence(d, note);
        end_par(d);
    }
}

static void put_categories(struct doc *d, enum kluis_role role)
{
    size_t n = kluis_policy_n_categories(d->p);
    if (role == KLUIS_ROLE_CONTROLLER) {
        heading(d, "Gegevens die wij als verwerkingsverantwoordelijke verwerken",
                "Data we process as controller");
    } else {
        heading(d, "Gegevens die wij namens onze klanten verwerken",
                "Data we process on behalf of our customers");
        phrase(d, KLUIS_PHRASE_ON_BEHALF);
        end_par(d);
    }
    for (size_t i = 0; i < n; i++) {
        const struct kluis_category *c = kluis_policy_category(d->p, i);
        if (c->role == role)
            put_category(d, c);
    }
}

static void put_basis(struct doc *d, const struct kluis_purpose *pu)
{
    if (pu->role == KLUIS_ROLE_PROCESSOR && pu->basis == KLUIS_BASIS_NONE) {
        item(d, "Grondslag", "Legal basis");
        phrase(d, KLUIS_PHRASE_CUSTOMER_BASIS);
        lit(d, "\n");
        return;
    }
    if (pu->basis == KLUIS_BASIS_NONE)
        return;
    item(d, "Grondslag", "Legal basis");
    const char *name = kluis_basis_name(pu->basis, d->lang);
    const char *article = kluis_basis_article(pu->basis);
    if (name)
        md(d, name);
    if (article && *article) {
        lit(d, name ? " (" : "");
        put_cite(d, article);
        lit(d, name ? ")" : "");
    }
    if (pu->role == KLUIS_ROLE_PROCESSOR) {
        lit(d, ", ");
        phrase(d, KLUIS_PHRASE_ON_INSTRUCTIONS);
    }
    lit(d, "\n");
}

static void put_consent(struct doc *d, const struct kluis_purpose *pu)
{
    const struct kluis_consent *cs =
        pu->consent ? kluis_policy_find_consent(d->p, pu->consent) : NULL;
    if (!cs)
        return;
    const char *question = kluis__render_text(&cs->text, d->lang);
    if (question) {
        item(d, "Toestemming", "Consent");
        trl(d, "wij vragen je eerst: \u201c", "we first ask you: \u201c");
        md(d, question);
        lit(d, "\u201d\n");
    }
    /* Art. 7(3): how to withdraw, and that withdrawing does not undo what came before. */
    item(d, "Toestemming intrekken", "Withdrawing consent");
    const char *withdraw = kluis__render_text(&cs->withdraw, d->lang);
    if (withdraw) {
        sentence(d, withdraw);
        trl(d, " Intrekken heeft geen gevolgen voor de verwerking vóór dat moment.\n",
            " Withdrawing does not affect processing before that moment.\n");
    } else {
        trl(d, "kan altijd; het heeft geen gevolgen voor de verwerking vóór dat moment\n",
            "possible at any time; it does not affect processing before that moment\n");
    }
}

static void put_purpose(struct doc *d, const struct kluis_purpose *pu)
{
    const char *name = kluis__render_text(&pu->name, d->lang);
    subheading(d, name ? name : pu->id);
    const char *desc = kluis__render_text(&pu->description, d->lang);
    if (desc) {
        sentence(d, desc);
        end_par(d);
    }

    put_basis(d, pu);
    if (pu->legal_source) {
        item(d, "Wettelijke verplichting", "Legal obligation");
        md(d, pu->legal_source);
        lit(d, "\n");
    }
    const char *interest = kluis__render_text(&pu->interest, d->lang);
    if (interest) {
        item(d, "Ons gerechtvaardigd belang", "Our legitimate interest");
        md(d, interest);
        lit(d, "\n");
    }
    if (pu->n_categories > 0) {
        struct kluis_strv names;
        kluis__strv_init(&names);
        for (size_t i = 0; i < pu->n_categories; i++)
            kluis__strv_add(&names, kluis__render_category_name(d->p, pu->categories[i], d->lang));
        item(d, "Gegevens", "Data");
        put_join(d, &names, KLUIS_JOIN_AND);
        lit(d, "\n");
        kluis__strv_free(&names);
    }
    if (pu->art9 != KLUIS_ART9_NONE) {
        item(d, "Bijzondere persoonsgegevens", "Special categories");
        const char *cname = kluis_art9_name(pu->art9, d->lang);
        const char *article = kluis_art9_article(pu->art9);
        trl(d, "op grond van ", "under ");
        md(d, cname ? cname : "");
        if (article && *article) {
            lit(d, " (");
            put_cite(d, article);
            lit(d, ")");
        }
        lit(d, "\n");
    }
    put_consent(d, pu);
    if (pu->direct_marketing) {
        item(d, "Direct marketing", "Direct marketing");
        phrase(d, KLUIS_PHRASE_DIRECT_MARKETING);
        lit(d, "\n");
    }
    lit(d, "\n");
    const char *note = kluis__render_text(&pu->note, d->lang);
    if (note) {
        sentence(d, note);
        end_par(d);
    }
}

static void put_purposes(struct doc *d)
{
    size_t n = kluis_policy_n_purposes(d->p);
    heading(d, "Doeleinden en grondslagen", "Purposes and legal bases");
    if (n == 0) {
        trl(d, "Er zijn geen doeleinden vastgelegd.\n\n", "No purposes are stated.\n\n");
        return;
    }
    trl(d,
        "Wij gebruiken persoonsgegevens alleen voor de doeleinden hieronder, elk met een "
        "grondslag uit art. 6 AVG.\n\n",
        "We use personal data only for the purposes below, each with a legal basis under Art. 6 "
        "GDPR.\n\n");
    /* The organisation's own purposes first, then what it does on customers' instructions, in
     * the order the policy gives them; when there are both, each group says which it is. */
    size_t n_role[2] = {0, 0};
    for (size_t i = 0; i < n; i++)
        n_role[kluis_policy_purpose(d->p, i)->role == KLUIS_ROLE_PROCESSOR]++;
    for (int pass = 0; pass < 2; pass++) {
        enum kluis_role role = pass == 0 ? KLUIS_ROLE_CONTROLLER : KLUIS_ROLE_PROCESSOR;
        if (n_role[0] > 0 && n_role[1] > 0 && pass == 0)
            trl(d,
                "**Als verwerkingsverantwoordelijke** verwerken wij gegevens voor deze "
                "doeleinden:\n\n",
                "**As controller** we process data for these purposes:\n\n");
        if (n_role[0] > 0 && n_role[1] > 0 && pass == 1)
            trl(d,
                "**Namens onze klanten** verwerken wij gegevens voor deze doeleinden, op hun "
                "instructies (art. 28 AVG):\n\n",
                "**On behalf of our customers** we process data for these purposes, on their "
                "instructions (Art. 28 GDPR):\n\n");
        for (size_t i = 0; i < n; i++) {
            const struct kluis_purpose *pu = kluis_policy_purpose(d->p, i);
            if (pu->role == role)
                put_purpose(d, pu);
        }
    }
}

static void put_recipient(struct doc *d, const struct kluis_subprocessor *sp)
{
    subheading(d, sp->name ? sp->name : sp->id);
    const char *purpose = kluis__render_text(&sp->purpose, d->lang);
    if (purpose) {
        item(d, "Doel", "Purpose");
        md(d, purpose);
        lit(d, "\n");
    }
    item(d, "Rol", "Role");
    phrase(d, sp->role == KLUIS_RECIPIENT_CONTROLLER
                  ? KLUIS_PHRASE_RECIPIENT_CONTROLLER
                  : (sp->dpa ? KLUIS_PHRASE_RECIPIENT_DPA : KLUIS_PHRASE_RECIPIENT_NO_DPA));
    lit(d, "\n");
    if (sp->n_locations > 0) {
        struct kluis_strv places;
        kluis__strv_init(&places);
        for (size_t i = 0; i < sp->n_locations; i++)
            kluis__strv_add_unique(&places, kluis__render_country(sp->locations[i], d->lang));
        if (places.n == 1)
            item(d, "Locatie", "Location");
        else
            item(d, "Locaties", "Locations");
        put_join(d, &places, KLUIS_JOIN_AND);
        lit(d, "\n");
        kluis__strv_free(&places);
    }
    if (kluis__render_outside_eea(sp)) {
        item(d, "Doorgifte buiten de EER", "Transfer outside the EEA");
        struct kluis_buf w;
        kluis__buf_init(&w, 0);
        kluis__render_transfer_summary(&w, sp, d->lang);
        put_words(d, &w);
        kluis__buf_free(&w);
        lit(d, "\n");
    }
    if (sp->n_categories > 0) {
        struct kluis_strv names;
        kluis__strv_init(&names);
        for (size_t i = 0; i < sp->n_categories; i++)
            kluis__strv_add(&names, kluis__render_category_name(d->p, sp->categories[i], d->lang));
        item(d, "Ontvangt", "Receives");
        put_join(d, &names, KLUIS_JOIN_AND);
        lit(d, "\n");
        kluis__strv_free(&names);
    }
    /* Only purposes the policy names: guessing them from shared categories would tell a reader
     * that a recipient takes part in processing it has nothing to do with. */
    if (sp->n_purposes > 0) {
        struct kluis_strv names;
        struct kluis_buf w;
        kluis__strv_init(&names);
        kluis__buf_init(&w, 0);
        /* Quoted, as names of purposes often hold an "en" / "and" of their own. */
        for (size_t i = 0; i < sp->n_purposes; i++) {
            const struct kluis_purpose *pu = kluis_policy_find_purpose(d->p, sp->purposes[i]);
            const char *pname = pu ? kluis__render_text(&pu->name, d->lang) : NULL;
            kluis__buf_reset(&w);
            kluis__buf_printf(&w, "\u201c%s\u201d", pname ? pname : sp->purposes[i]);
            kluis__strv_add_buf(&names, &w);
        }
        kluis__buf_free(&w);
        item(d, "Ingezet voor", "Engaged for");
        put_join(d, &names, KLUIS_JOIN_AND);
        lit(d, "\n");
        kluis__strv_free(&names);
    }
    if (sp->has_effective) {
        item(d, "Wijziging", "Change");
        trl(d, "van kracht vanaf ", "effective from ");
        put_date(d, sp->effective);
        if (sp->has_announced) {
            trl(d, ", aangekondigd op ", ", announced on ");
            put_date(d, sp->announced);
        }
        lit(d, "\n");
    }
    lit(d, "\n");
    const char *note = kluis__render_text(&sp->note, d->lang);
    if (note) {
        sentence(d, note);
        end_par(d);
    }
}

static void put_recipients(struct doc *d)
{
    size_t n = kluis_policy_n_subprocessors(d->p);
    heading(d, "Ontvangers en sub-verwerkers", "Recipients and sub-processors");
    if (n == 0) {
        phrase(d, KLUIS_PHRASE_NO_RECIPIENTS);
        end_par(d);
        return;
    }
    bool any_processor = false;
    for (size_t i = 0; i < n; i++)
        any_processor |= kluis_policy_subprocessor(d->p, i)->role == KLUIS_RECIPIENT_PROCESSOR;
    phrase(d, KLUIS_PHRASE_RECIPIENTS);
    if (any_processor)
        trl(d, " Verwerkers verwerken de gegevens uitsluitend in onze opdracht.",
            " Processors process the data only on our instructions.");
    struct kluis_duration notice;
    if (d->has_processor_data && kluis_policy_change_notice(d->p, &notice) && notice.n > 0) {
        trl(d,
            " Voordat wij een sub-verwerker toevoegen of vervangen, laten wij dat onze klanten "
            "ten minste ",
            " Before we add or replace a sub-processor, we tell our customers at least ");
        put_duration(d, notice, false);
        trl(d, " van tevoren weten.", " in advance.");
    }
    end_par(d);
    for (size_t i = 0; i < n; i++)
        put_recipient(d, kluis_policy_subprocessor(d->p, i));
}

static void put_transfers(struct doc *d)
{
    size_t n = kluis_policy_n_subprocessors(d->p);
    size_t n_outside = 0;
    for (size_t i = 0; i < n; i++) {
        if (kluis__render_outside_eea(kluis_policy_subprocessor(d->p, i)))
            n_outside++;
    }
    heading(d, "Doorgifte buiten de EER", "Transfers outside the EEA");
    if (n_outside == 0) {
        phrase(d, KLUIS_PHRASE_NO_TRANSFERS);
        end_par(d);
        return;
    }
    phrase(d, KLUIS_PHRASE_TRANSFERS);
    lit(d, ":\n\n");
    bool any_safeguard = false;
    for (size_t i = 0; i < n; i++) {
        const struct kluis_subprocessor *sp = kluis_policy_subprocessor(d->p, i);
        if (!kluis__render_outside_eea(sp))
            continue;
        any_safeguard |= (sp->transfers & (KLUIS_TRANSFER_SCC | KLUIS_TRANSFER_BCR)) != 0;
        lit(d, "- **");
        md(d, sp->name ? sp->name : sp->id);
        lit(d, ":** ");
        struct kluis_buf w;
        kluis__buf_init(&w, 0);
        kluis__render_transfer_summary(&w, sp, d->lang);
        put_words(d, &w);
        kluis__buf_free(&w);
        lit(d, "\n");
    }
    lit(d, "\n");
    struct kluis_text mt = kluis_policy_transfer_text(d->p);
    const char *measures = kluis__render_text(&mt, d->lang);
    if (measures) {
        trl(d, "**Aanvullende maatregelen.** ", "**Supplementary measures.** ");
        sentence(d, measures);
    }
    /* Art. 13(1)(f): the means to obtain a copy of the safeguards, where there are any. */
    if (measures && any_safeguard)
        lit(d, " ");
    if (any_safeguard)
        phrase(d, KLUIS_PHRASE_SAFEGUARD_COPY);
    if (measures || any_safeguard)
        end_par(d);
}

static void put_automated(struct doc *d)
{
    heading(d, "Geautomatiseerde besluitvorming", "Automated decision-making");
    bool used = kluis_policy_automated_decisions(d->p);
    phrase(d, used ? KLUIS_PHRASE_AUTOMATED : KLUIS_PHRASE_NO_AUTOMATED);
    struct kluis_text tt = kluis_policy_automated_text(d->p);
    const char *text = kluis__render_text(&tt, d->lang);
    if (text) {
        lit(d, " ");
        sentence(d, text);
    }
    end_par(d);
    if (used) {
        struct kluis_text lt = kluis_policy_automated_logic(d->p);
        const char *logic = kluis__render_text(&lt, d->lang);
        if (logic) {
            trl(d, "**Hoe het werkt:** ", "**How it works:** ");
            sentence(d, logic);
            end_par(d);
        }
        phrase(d, KLUIS_PHRASE_AUTOMATED_RIGHTS);
        end_par(d);
    }

    /* Outputs that wait for a person are the art. 22 safeguard the seeds promise ("every AI
     * draft requires approval"); name each. */
    size_t n = kluis_policy_n_categories(d->p);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        const struct kluis_category *c = kluis_policy_category(d->p, i);
        if (!c->approval)
            continue;
        const char *name = kluis__render_text(&c->name, d->lang);
        lit(d, "- ");
        kluis__render_approval(d->b, name ? name : c->id, d->lang, kluis__buf_md);
        lit(d, "\n");
        any = true;
    }
    if (any)
        lit(d, "\n");
}

static void put_security(struct doc *d)
{
    heading(d, "Beveiliging", "Security");
    size_t n = kluis_policy_n_security(d->p);
    size_t n_keys = kluis_policy_n_key_classes(d->p);
    if (n > 0 || n_keys > 0)
        trl(d,
            "Wij beschermen persoonsgegevens met passende technische en organisatorische "
            "maatregelen (art. 32 AVG):\n\n",
            "We protect personal data with appropriate technical and organisational measures "
            "(Art. 32 GDPR):\n\n");
    else
        trl(d,
            "Wij beschermen persoonsgegevens met passende technische en organisatorische "
            "maatregelen (art. 32 AVG).\n\n",
            "We protect personal data with appropriate technical and organisational measures "
            "(Art. 32 GDPR).\n\n");
    for (size_t i = 0; i < n; i++) {
        const char *m = kluis__render_text(kluis_policy_security(d->p, i), d->lang);
        if (!m)
            continue;
        lit(d, "- ");
        md(d, m);
        lit(d, "\n");
    }
    if (n_keys > 0) {
        struct kluis_strv names;
        kluis__strv_init(&names);
        for (size_t i = 0; i < n_keys; i++) {
            const struct kluis_key_class *k = kluis_policy_key_class(d->p, i);
            const char *kname = kluis__render_text(&k->name, d->lang);
            kluis__strv_add(&names, kname ? kname : k->id);
        }
        trl(d, "- Versleuteling met aparte sleutels per klasse (",
            "- Encryption with separate keys per class (");
        put_join(d, &names, KLUIS_JOIN_AND);
        trl(d, "), zodat een gelekte sleutel maar één klasse raakt\n",
            "), so that a leaked key exposes one class only\n");
        kluis__strv_free(&names);
    }
    if (n > 0 || n_keys > 0)
        lit(d, "\n");

    struct kluis_duration dur;
    struct kluis_text bt = kluis_policy_backup_text(d->p);
    const char *btext = kluis__render_text(&bt, d->lang);
    bool has_backup = kluis_policy_backup_retention(d->p, &dur);
    if (btext || has_backup) {
        trl(d, "**Back-ups.** ", "**Backups.** ");
        if (btext) {
            sentence(d, btext);
            lit(d, " ");
        }
        if (has_backup) {
            trl(d, "Gegevens die wij wissen, zijn uiterlijk ",
                "Data we erase is also gone from every backup at most ");
            put_duration(d, dur, false);
            trl(d, " later ook uit alle back-ups verdwenen.", " later.");
        }
        end_par(d);
    }
    if (kluis_policy_key_backup_retention(d->p, &dur)) {
        trl(d, "**Sleutels.** Back-ups van onze sleutelopslag bewaren wij ten hoogste ",
            "**Keys.** We keep backups of our key store for at most ");
        put_duration(d, dur, false);
        trl(d, ", zodat een vernietigde sleutel niet uit een back-up kan terugkomen.\n\n",
            ", so that a destroyed key cannot come back from a backup.\n\n");
    }
    if (kluis_policy_audit_retention(d->p, &dur)) {
        trl(d,
            "**Auditlog.** Elke handeling met persoonsgegevens wordt vastgelegd in een "
            "auditlog dat niet ongemerkt kan worden gewijzigd. De inhoud van de regels bewaren "
            "wij ",
            "**Audit log.** Every action on personal data is recorded in an audit log that cannot "
            "be changed unnoticed. We keep the content of its entries for ");
        put_duration(d, dur, false);
        lit(d, ".\n\n");
    }
}

static void put_verification(struct doc *d, const struct kluis_rights *r)
{
    static const struct {
        const char *method;
        const char *nl;
        const char *en;
    } methods[] = {
        {"account_login",
         "Je dient een verzoek in terwijl je bent ingelogd op je account, zodat wij weten dat het "
         "van jou komt.",
         "You submit a request while logged in to your account, so that we know it comes from "
         "you."},
        {"email_confirmation",
         "Wij sturen een bevestiging naar het e-mailadres dat wij van je kennen, zodat wij weten "
         "dat het verzoek van jou komt.",
         "We send a confirmation to the email address we know for you, so that we know the "
         "request comes from you."},
        {"id_document",
         "Wij vragen je om een identiteitsbewijs, zodat wij weten dat het verzoek van jou komt; "
         "je pasfoto en burgerservicenummer mag je afschermen.",
         "We ask for an identity document, so that we know the request comes from you; you may "
         "black out the photo and national identification number."},
        {"in_person",
         "Je maakt je persoonlijk bekend, zodat wij weten dat het verzoek van jou komt.",
         "You identify yourself in person, so that we know the request comes from you."},
    };
    bool said = false;
    for (size_t i = 0; r->verification_method && i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (strcmp(r->verification_method, methods[i].method) == 0) {
            trl(d, methods[i].nl, methods[i].en);
            said = true;
        }
    }
    const char *text = kluis__render_text(&r->verification, d->lang);
    if (text) {
        if (said)
            lit(d, " ");
        sentence(d, text);
        said = true;
    }
    if (said)
        end_par(d);
}

static void put_rights(struct doc *d)
{
    const struct kluis_rights *r = kluis_policy_rights(d->p);
    heading(d, "Je rechten", "Your rights");
    trl(d, "Je hebt de volgende rechten:\n\n", "You have the following rights:\n\n");
    struct kluis_buf w;
    kluis__buf_init(&w, 0);
    for (int i = 0; i < KLUIS_RIGHT_COUNT_; i++) {
        enum kluis_right right = (enum kluis_right)i;
        kluis__buf_reset(&w);
        kluis__render_cite(&w, kluis__render_right_article(right), d->lang);
        kluis__buf_printf(d->b, "- **%s** (%s): ", kluis__render_right_name(right, d->lang),
                          w.data ? w.data : "");
        /* Our own words: written as they are, like the rest of this file's text. */
        kluis__render_right_text(d->b, d->p, right, d->lang);
        lit(d, "\n");
    }
    lit(d, "\n");
    if (w.rc != KLUIS_OK && d->b->rc == KLUIS_OK)
        d->b->rc = w.rc;
    kluis__buf_free(&w);

    lit(d, "### ");
    trl(d, "Een verzoek indienen", "Making a request");
    end_par(d);
    const struct kluis_organisation *org = kluis_policy_organisation(d->p);
    const struct kluis_contact *channels = r->n_channels ? r->channels : org->contacts;
    size_t n_channels = r->n_channels ? r->n_channels : org->n_contacts;
    if (n_channels > 0) {
        trl(d, "Stuur je verzoek naar ons via:\n\n", "Send your request to us by:\n\n");
        put_contacts(d, channels, n_channels);
    }

    /* Art. 12(3): one month unless the policy promises less; "binnen één maand", "binnen 30
     * dagen". */
    struct kluis_duration deadline = {1, KLUIS_UNIT_MONTH};
    if (r->has_deadline)
        deadline = r->deadline;
    trl(d, "Wij reageren binnen ", "We respond within ");
    put_duration(d, deadline, true);
    trl(d, " na ontvangst van je verzoek.", " of receiving your request.");
    if (r->has_extension && r->extension.n > 0) {
        trl(d,
            " Is een verzoek ingewikkeld of krijgen wij er veel, dan kunnen wij die termijn met "
            "ten hoogste ",
            " If a request is complex or we receive many, we may extend this period by at most ");
        put_duration(d, r->extension, true);
        trl(d, " verlengen; dat laten wij je binnen de eerste termijn weten, met de reden.",
            "; we will tell you so within the first period, with the reason.");
    }
    trl(d, " Een verzoek indienen is kosteloos.", " Making a request is free of charge.");
    end_par(d);
    put_verification(d, r);
    if (d->has_processor_data)
        trl(d,
            "Gaat je verzoek over gegevens die wij namens een klant verwerken, dan sturen wij "
            "het onverwijld door naar die klant en helpen wij die bij het beantwoorden (art. "
            "28(3)(e) AVG).\n\n",
            "If your request concerns data we process on behalf of a customer, we forward it to "
            "that customer without delay and help them answer it (Art. 28(3)(e) GDPR).\n\n");
    const char *note = kluis__render_text(&r->note, d->lang);
    if (note) {
        sentence(d, note);
        end_par(d);
    }
}

static void put_complaints(struct doc *d)
{
    size_t n = kluis_policy_n_authorities(d->p);
    heading(d, "Klachten", "Complaints");
    trl(d, "Ben je het niet eens met hoe wij met je gegevens omgaan, laat het ons dan weten. ",
        "If you disagree with how we handle your data, please let us know. ");
    if (n == 0) {
        phrase(d, KLUIS_PHRASE_COMPLAINT_HOME);
        end_par(d);
        return;
    }
    phrase(d, KLUIS_PHRASE_COMPLAINT);
    lit(d, ":\n\n");
    for (size_t i = 0; i < n; i++) {
        const struct kluis_authority *a = kluis_policy_authority(d->p, i);
        const char *name = kluis__render_text(&a->name, d->lang);
        lit(d, "- **");
        md(d, name ? name : a->id);
        lit(d, "**");
        const char *where = a->country ? kluis__render_country(a->country, d->lang) : NULL;
        /* "Data Protection Authority (Belgium)" names its country already. */
        if (where && (!name || !strstr(name, where))) {
            lit(d, " (");
            md(d, where);
            lit(d, ")");
        }
        const char *sep = ": ";
        if (a->website) {
            lit(d, sep);
            put_contact_value(d, "web", a->website);
            sep = ", ";
        }
        if (a->address) {
            lit(d, sep);
            md(d, a->address);
            sep = ", ";
        }
        if (a->email) {
            lit(d, sep);
            put_contact_value(d, "email", a->email);
        }
        lit(d, "\n");
    }
    lit(d, "\n");
}

static void put_breach(struct doc *d)
{
    heading(d, "Datalekken", "Data breaches");
    int64_t hours = 72;
    if (!kluis_policy_breach_hours(d->p, &hours) || hours <= 0)
        hours = 72;
    struct kluis_duration within = {hours, KLUIS_UNIT_HOUR};
    trl(d,
        "Bij een datalek dat een risico inhoudt voor je rechten en vrijheden, melden wij dat "
        "aan de toezichthouder binnen ",
        "If a personal data breach poses a risk to your rights and freedoms, we report it to the "
        "supervisory authority within ");
    put_duration(d, within, false);
    trl(d,
        " nadat wij het hebben ontdekt (art. 33 AVG). Is het risico "
        "hoog, dan laten wij het jou ook zonder onnodige vertraging weten (art. 34 AVG).",
        " of becoming aware of it (Art. 33 GDPR). If the risk is high, we also inform you "
        "without undue delay (Art. 34 GDPR).");
    if (d->has_processor_data)
        trl(d,
            " Raakt een datalek gegevens die wij namens klanten verwerken, dan lichten wij die "
            "klanten onverwijld in (art. 33(2) AVG).",
            " If a breach affects data we process on behalf of customers, we inform those "
            "customers without undue delay (Art. 33(2) GDPR).");
    struct kluis_text bt = kluis_policy_breach_text(d->p);
    const char *text = kluis__render_text(&bt, d->lang);
    if (text) {
        lit(d, " ");
        sentence(d, text);
    }
    end_par(d);
}

static void put_cookies(struct doc *d)
{
    size_t n = kluis_policy_n_cookies(d->p);
    struct kluis_text ct = kluis_policy_cookie_text(d->p);
    const char *text = kluis__render_text(&ct, d->lang);
    bool consent = kluis_policy_cookie_consent(d->p);
    if (n == 0 && !text && !consent)
        return;
    heading(d, "Cookies", "Cookies");
    if (text) {
        sentence(d, text);
        end_par(d);
    }
    if (n > 0) {
        trl(d, "Wij gebruiken deze cookies:\n\n", "We use these cookies:\n\n");
        for (size_t i = 0; i < n; i++) {
            const struct kluis_cookie *ck = kluis_policy_cookie(d->p, i);
            lit(d, "- **");
            md(d, ck->name ? ck->name : "?");
            lit(d, "** (");
            switch (ck->kind) {
            case KLUIS_COOKIE_ANALYTICS:
                trl(d, "analytisch", "analytics");
                break;
            case KLUIS_COOKIE_MARKETING:
                trl(d, "marketing", "marketing");
                break;
            case KLUIS_COOKIE_FUNCTIONAL:
            default:
                trl(d, "functioneel", "functional");
                break;
            }
            if (ck->third_party)
                trl(d, ", van een derde partij", ", third-party");
            lit(d, ")");
            const char *purpose = kluis__render_text(&ck->purpose, d->lang);
            if (purpose) {
                lit(d, ": ");
                sentence(d, purpose);
            } else {
                lit(d, ".");
            }
            if (ck->has_retention) {
                trl(d, " Bewaartermijn: ", " Retention: ");
                put_duration(d, ck->retention, false);
                lit(d, ".");
            }
            lit(d, "\n");
        }
        lit(d, "\n");
    }
    if (consent)
        trl(d,
            "Cookies die niet strikt noodzakelijk zijn, plaatsen wij pas nadat je daarvoor "
            "toestemming hebt gegeven; die toestemming kun je altijd weer intrekken.\n\n",
            "We place cookies that are not strictly necessary only after you have given your "
            "consent, which you can withdraw at any time.\n\n");
}

static void put_changes(struct doc *d)
{
    heading(d, "Wijzigingen", "Changes");
    trl(d, "Wij kunnen deze privacyverklaring aanpassen.", "We may update this privacy statement.");
    struct kluis_duration notice;
    bool has_notice = kluis_policy_change_notice(d->p, &notice) && notice.n > 0;
    struct kluis_text ct = kluis_policy_change_text(d->p);
    const char *how = kluis__render_text(&ct, d->lang);
    /* Only a notice period the policy states is promised; "how" completes that sentence when
     * it is a phrase ("per e-mail aan het accountadres") and follows it when it is a sentence. */
    if (has_notice) {
        trl(d, " Over een wezenlijke wijziging informeren wij je ten minste ",
            " We inform you of a material change at least ");
        put_duration(d, notice, false);
        trl(d, " voordat die ingaat", " before it takes effect");
    } else if (how && is_phrase(how)) {
        trl(d, " Over een wezenlijke wijziging informeren wij je",
            " We inform you of a material change");
    }
    if (how && is_phrase(how)) {
        lit(d, ", ");
        sentence(d, how);
    } else {
        if (has_notice)
            lit(d, ".");
        if (how) {
            lit(d, " ");
            sentence(d, how);
        }
    }
    if (kluis_policy_statement_date(d->p) >= 0)
        trl(d, " Bovenaan deze verklaring staat altijd de datum van de laatste wijziging.",
            " The date of the last change is always shown at the top of this statement.");
    end_par(d);
}

/* A free section; blank lines in its body separate paragraphs. */
static void put_free_section(struct doc *d, const struct kluis_section *s)
{
    const char *title = kluis__render_text(&s->title, d->lang);
    const char *body = kluis__render_text(&s->body, d->lang);
    if (!title && !body)
        return;
    d->section++;
    kluis__buf_printf(d->b, "## %d. ", d->section);
    md(d, title ? title : "");
    end_par(d);
    if (!body)
        return;
    struct kluis_buf par;
    kluis__buf_init(&par, 0);
    const char *s_at = body;
    while (*s_at) {
        const char *end = strstr(s_at, "\n\n");
        size_t len = end ? (size_t)(end - s_at) : strlen(s_at);
        kluis__buf_reset(&par);
        kluis__buf_append(&par, s_at, len);
        if (par.rc != KLUIS_OK) {
            if (d->b->rc == KLUIS_OK)
                d->b->rc = par.rc;
            break;
        }
        /* Skip paragraphs that are only white space. */
        if (strspn(par.data, " \t\r\n") < par.len) {
            const char *text = par.data + strspn(par.data, " \t\r\n");
            md(d, text);
            end_par(d);
        }
        s_at += len;
        while (*s_at == '\n')
            s_at++;
    }
    kluis__buf_free(&par);
}

static void put_statement(struct doc *d)
{
    size_t n = kluis_policy_n_categories(d->p);
    for (size_t i = 0; i < n; i++) {
        const struct kluis_category *c = kluis_policy_category(d->p, i);
        if (c->role == KLUIS_ROLE_CONTROLLER)
            d->has_controller_data = true;
        else
            d->has_processor_data = true;
    }

    put_title(d);
    put_who(d);
    put_dpo(d);
    put_roles(d);
    if (d->has_controller_data)
        put_categories(d, KLUIS_ROLE_CONTROLLER);
    if (d->has_processor_data)
        put_categories(d, KLUIS_ROLE_PROCESSOR);
    put_purposes(d);
    put_recipients(d);
    put_transfers(d);
    put_automated(d);
    put_security(d);
    put_rights(d);
    put_complaints(d);
    put_breach(d);
    put_cookies(d);
    put_changes(d);
    size_t n_sections = kluis_policy_n_sections(d->p);
    for (size_t i = 0; i < n_sections; i++)
        put_free_section(d, kluis_policy_section(d->p, i));
}

/* ---- HTML ---------------------------------------------------------------------------------- */

static const char page_style[] =
    ":root{color-scheme:light dark}"
    "body{margin:0;font:1rem/1.6 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\","
    "Arial,sans-serif;color:#1f2328;background:#fff}"
    "main{max-width:48rem;margin:0 auto;padding:2.5rem 1.25rem 4rem}"
    "h1{font-size:2rem;line-height:1.2;margin:0 0 .5rem}"
    "h2{font-size:1.35rem;line-height:1.3;margin:2.5rem 0 .75rem;padding-top:1.25rem;"
    "border-top:1px solid #d0d7de}"
    "h3{font-size:1.1rem;line-height:1.3;margin:1.75rem 0 .5rem}"
    "p,ul{margin:0 0 1rem}ul{padding-left:1.4rem}li{margin:.3rem 0}"
    "strong{font-weight:600}em{color:#57606a}"
    "a{color:#0b57d0;overflow-wrap:anywhere}"
    "@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}"
    "h2{border-color:#30363d}em{color:#8b949e}a{color:#58a6ff}}"
    "@media print{main{max-width:none;padding:0}a{color:inherit}}";

static kluis_rc to_html(const struct doc *d, const char *markdown, size_t len,
                        struct kluis_buf *out)
{
    char *body = cmark_markdown_to_html(markdown, len, CMARK_OPT_DEFAULT);
    if (!body)
        return KLUIS_ENOMEM;
    const char *name = kluis_policy_organisation(d->p)->name;
    kluis__buf_printf(out,
                      "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<title>",
                      d->nl ? "nl" : "en");
    kluis__buf_puts(out, d->nl ? "Privacyverklaring" : "Privacy statement");
    if (name) {
        kluis__buf_puts(out, " — ");
        kluis__buf_html(out, name);
    }
    kluis__buf_puts(out, "</title>\n<style>");
    kluis__buf_puts(out, page_style);
    kluis__buf_puts(out, "</style>\n</head>\n<body>\n<main>\n");
    kluis__buf_puts(out, body);
    kluis__buf_puts(out, "</main>\n</body>\n</html>\n");
    free(body);
    return kluis__buf_rc(out);
}

kluis_rc kluis_render_statement(const struct kluis_policy *p, enum kluis_lang lang,
                                enum kluis_doc_format format, char **out_text, size_t *out_len,
                                struct kluis_err *err)
{
    if (!p || !out_text)
        return kluis_err_set(err, KLUIS_EINVAL, "kluis_render_statement: missing argument");
    if (lang != KLUIS_LANG_NL && lang != KLUIS_LANG_EN)
        return kluis_err_set(err, KLUIS_EINVAL, "unknown language");
    if (format != KLUIS_FORMAT_MD && format != KLUIS_FORMAT_HTML)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "a statement is rendered as md or html, not as csv or json");

    struct kluis_buf b;
    kluis__buf_init(&b, 0);
    struct doc d = {.b = &b, .p = p, .lang = lang, .nl = lang == KLUIS_LANG_NL};
    put_statement(&d);
    kluis_rc rc = kluis__buf_rc(&b);

    if (rc == KLUIS_OK && format == KLUIS_FORMAT_HTML) {
        struct kluis_buf html;
        kluis__buf_init(&html, 0);
        rc = to_html(&d, b.data ? b.data : "", b.len, &html);
        kluis__buf_free(&b);
        b = html;
    }
    return kluis__render_finish(&b, rc, "the privacy statement", out_text, out_len, err);
}

bool kluis_doc_format_parse(const char *s, enum kluis_doc_format *out_format)
{
    static const struct {
        const char *name;
        enum kluis_doc_format format;
    } formats[] = {
        {"md", KLUIS_FORMAT_MD},
        {"html", KLUIS_FORMAT_HTML},
        {"csv", KLUIS_FORMAT_CSV},
        {"json", KLUIS_FORMAT_JSON},
    };
    if (!s || !out_format)
        return false;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (strcmp(s, formats[i].name) == 0) {
            *out_format = formats[i].format;
            return true;
        }
    }
    return false;
}
