/*
 * Names for people of the enums of the model: legal bases, art. 9(2) conditions and transfer
 * mechanisms, in Dutch and English as the GDPR's official texts name them.
 */
#include "kluis/policy.h"

struct names {
    const char *article;
    const char *nl;
    const char *en;
};

static const struct names bases[] = {
    [KLUIS_BASIS_NONE] = {"", "geen grondslag", "no legal basis"},
    [KLUIS_BASIS_CONSENT] = {"art. 6(1)(a)", "toestemming", "consent"},
    [KLUIS_BASIS_CONTRACT] = {"art. 6(1)(b)", "uitvoering van een overeenkomst",
                              "performance of a contract"},
    [KLUIS_BASIS_LEGAL_OBLIGATION] = {"art. 6(1)(c)", "wettelijke verplichting",
                                      "legal obligation"},
    [KLUIS_BASIS_VITAL_INTERESTS] = {"art. 6(1)(d)", "vitale belangen", "vital interests"},
    [KLUIS_BASIS_PUBLIC_TASK] = {"art. 6(1)(e)", "taak van algemeen belang", "public task"},
    [KLUIS_BASIS_LEGITIMATE_INTEREST] = {"art. 6(1)(f)", "gerechtvaardigd belang",
                                         "legitimate interest"},
};

static const struct names art9[] = {
    [KLUIS_ART9_NONE] = {"", "geen voorwaarde", "no condition"},
    [KLUIS_ART9_EXPLICIT_CONSENT] = {"art. 9(2)(a)", "uitdrukkelijke toestemming",
                                     "explicit consent"},
    [KLUIS_ART9_EMPLOYMENT] = {"art. 9(2)(b)", "arbeidsrecht en sociale zekerheid",
                               "employment and social security law"},
    [KLUIS_ART9_VITAL_INTERESTS] = {"art. 9(2)(c)", "vitale belangen", "vital interests"},
    [KLUIS_ART9_NOT_FOR_PROFIT] = {"art. 9(2)(d)",
                                   "stichting, vereniging of andere instantie "
                                   "zonder winstoogmerk",
                                   "not-for-profit body"},
    [KLUIS_ART9_MADE_PUBLIC] = {"art. 9(2)(e)", "kennelijk door de betrokkene openbaar gemaakt",
                                "manifestly made public by the data subject"},
    [KLUIS_ART9_LEGAL_CLAIMS] = {"art. 9(2)(f)", "rechtsvorderingen", "legal claims"},
    [KLUIS_ART9_PUBLIC_INTEREST] = {"art. 9(2)(g)", "zwaarwegend algemeen belang",
                                    "substantial public interest"},
    [KLUIS_ART9_HEALTH_CARE] = {"art. 9(2)(h)", "gezondheidszorg", "health or social care"},
    [KLUIS_ART9_PUBLIC_HEALTH] = {"art. 9(2)(i)", "volksgezondheid", "public health"},
    [KLUIS_ART9_ARCHIVING] = {"art. 9(2)(j)", "archivering, onderzoek of statistiek",
                              "archiving, research or statistics"},
};

const char *kluis_basis_article(enum kluis_basis b)
{
    return (unsigned)b <= KLUIS_BASIS_LEGITIMATE_INTEREST ? bases[b].article : "";
}

const char *kluis_basis_name(enum kluis_basis b, enum kluis_lang lang)
{
    if ((unsigned)b > KLUIS_BASIS_LEGITIMATE_INTEREST)
        b = KLUIS_BASIS_NONE;
    return lang == KLUIS_LANG_NL ? bases[b].nl : bases[b].en;
}

const char *kluis_art9_article(enum kluis_art9 c)
{
    return (unsigned)c <= KLUIS_ART9_ARCHIVING ? art9[c].article : "";
}

const char *kluis_art9_name(enum kluis_art9 c, enum kluis_lang lang)
{
    if ((unsigned)c > KLUIS_ART9_ARCHIVING)
        c = KLUIS_ART9_NONE;
    return lang == KLUIS_LANG_NL ? art9[c].nl : art9[c].en;
}

const char *kluis_transfer_name(enum kluis_transfer t, enum kluis_lang lang)
{
    bool nl = lang == KLUIS_LANG_NL;
    switch (t) {
    case KLUIS_TRANSFER_ADEQUACY:
        return nl ? "adequaatheidsbesluit (art. 45 AVG)" : "adequacy decision (Art. 45 GDPR)";
    case KLUIS_TRANSFER_DPF:
        return nl ? "EU-VS Data Privacy Framework" : "EU-US Data Privacy Framework";
    case KLUIS_TRANSFER_SCC:
        return nl ? "standaardcontractbepalingen (Besluit (EU) 2021/914)"
                  : "standard contractual clauses (Decision (EU) 2021/914)";
    case KLUIS_TRANSFER_BCR:
        return nl ? "bindende bedrijfsvoorschriften (art. 47 AVG)"
                  : "binding corporate rules (Art. 47 GDPR)";
    case KLUIS_TRANSFER_DEROGATION:
        return nl ? "uitzondering voor specifieke situaties (art. 49 AVG)"
                  : "derogation for specific situations (Art. 49 GDPR)";
    }
    return "";
}
