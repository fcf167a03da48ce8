/*
 * Words shared by the statement, the register and the retention phrases: durations and dates
 * in Dutch and English, lists joined the way each language joins them, countries, transfer
 * mechanisms and contact channels. Plain text only; callers escape for their format.
 */
#include "render/render_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- Lists of strings ---------------------------------------------------------------------- */

void kluis__strv_init(struct kluis_strv *v)
{
    memset(v, 0, sizeof(*v));
}

void kluis__strv_free(struct kluis_strv *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++)
        free(v->items[i]);
    free(v->items);
    memset(v, 0, sizeof(*v));
}

void kluis__strv_add(struct kluis_strv *v, const char *s)
{
    if (v->rc != KLUIS_OK)
        return;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        char **items = realloc(v->items, cap * sizeof(*items));
        if (!items) {
            v->rc = KLUIS_ENOMEM;
            return;
        }
        v->items = items;
        v->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy) {
        v->rc = KLUIS_ENOMEM;
        return;
    }
    v->items[v->n++] = copy;
}

void kluis__strv_add_unique(struct kluis_strv *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++) {
        if (strcmp(v->items[i], s) == 0)
            return;
    }
    kluis__strv_add(v, s);
}

void kluis__strv_add_buf(struct kluis_strv *v, const struct kluis_buf *b)
{
    if (b->rc != KLUIS_OK) {
        if (v->rc == KLUIS_OK)
            v->rc = b->rc;
        return;
    }
    kluis__strv_add(v, b->data ? b->data : "");
}

void kluis__render_join(struct kluis_buf *b, const char *const *items, size_t n,
                        enum kluis_lang lang, enum kluis_join join, kluis_put_fn put)
{
    const char *last = " en ";
    if (join == KLUIS_JOIN_OR)
        last = lang == KLUIS_LANG_NL ? " of " : " or ";
    else if (join == KLUIS_JOIN_AND)
        last = lang == KLUIS_LANG_NL ? " en " : " and ";
    else
        last = "; ";
    const char *sep = join == KLUIS_JOIN_SEMI ? "; " : ", ";

    /* No serial comma in either language: "a, b and c" is what the seeds write. */
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            kluis__buf_puts(b, i + 1 == n ? last : sep);
        put(b, items[i]);
    }
}

/* ---- Words --------------------------------------------------------------------------------- */

const char *kluis__render_gdpr(enum kluis_lang lang)
{
    return lang == KLUIS_LANG_NL ? "AVG" : "GDPR";
}

void kluis__render_cite(struct kluis_buf *b, const char *article, enum kluis_lang lang)
{
    /* The names table writes "art. 6(1)(b)"; English citations capitalise it ("Art. 6(1)(b)
     * GDPR"), as the English text of the Regulation and the seeds do. */
    if (lang == KLUIS_LANG_EN && article[0] == 'a') {
        kluis__buf_putc(b, 'A');
        article++;
    }
    kluis__buf_printf(b, "%s %s", article, kluis__render_gdpr(lang));
}

const char *kluis__render_text(const struct kluis_text *t, enum kluis_lang lang)
{
    const char *s = kluis_text_get(t, lang);
    return s && *s ? s : NULL;
}

static const char *unit_word(enum kluis_unit unit, bool plural, enum kluis_lang lang)
{
    static const char *const nl[][2] = {
        {"uur", "uur"}, {"dag", "dagen"}, {"week", "weken"}, {"maand", "maanden"}, {"jaar", "jaar"},
    };
    static const char *const en[][2] = {
        {"hour", "hours"},   {"day", "days"},   {"week", "weeks"},
        {"month", "months"}, {"year", "years"},
    };
    size_t u = (size_t)unit;
    if (u >= sizeof(nl) / sizeof(nl[0]))
        u = KLUIS_UNIT_DAY;
    return lang == KLUIS_LANG_NL ? nl[u][plural] : en[u][plural];
}

void kluis__render_duration(struct kluis_buf *b, struct kluis_duration d, enum kluis_lang lang)
{
    kluis__buf_printf(b, "%lld %s", (long long)d.n, unit_word(d.unit, d.n != 1, lang));
}

void kluis__render_duration_spelled(struct kluis_buf *b, struct kluis_duration d,
                                    enum kluis_lang lang)
{
    static const char *const nl[] = {"nul",   "één",  "twee",  "drie", "vier", "vijf",  "zes",
                                     "zeven", "acht", "negen", "tien", "elf",  "twaalf"};
    static const char *const en[] = {"zero",  "one",   "two",  "three", "four",   "five",  "six",
                                     "seven", "eight", "nine", "ten",   "eleven", "twelve"};
    bool spell =
        d.unit == KLUIS_UNIT_WEEK || d.unit == KLUIS_UNIT_MONTH || d.unit == KLUIS_UNIT_YEAR;
    if (!spell || d.n < 1 || d.n > 12) {
        kluis__render_duration(b, d, lang);
        return;
    }
    kluis__buf_printf(b, "%s %s", lang == KLUIS_LANG_NL ? nl[d.n] : en[d.n],
                      unit_word(d.unit, d.n != 1, lang));
}

const char *kluis__render_month(int m, enum kluis_lang lang)
{
    static const char *const nl[] = {"januari",   "februari", "maart",    "april",
                                     "mei",       "juni",     "juli",     "augustus",
                                     "september", "oktober",  "november", "december"};
    static const char *const en[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};
    if (m < 1 || m > 12)
        return "?";
    return lang == KLUIS_LANG_NL ? nl[m - 1] : en[m - 1];
}

void kluis__render_date(struct kluis_buf *b, int64_t days, enum kluis_lang lang)
{
    int y, m, d;
    kluis_civil_from_days(days, &y, &m, &d);
    kluis__buf_printf(b, "%d %s %d", d, kluis__render_month(m, lang), y);
}

const char *kluis__render_country(const char *code, enum kluis_lang lang)
{
    const char *name = code ? kluis_country_name(code, lang) : NULL;
    return name ? name : (code ? code : "");
}

void kluis__render_in_country(struct kluis_buf *b, const char *code, enum kluis_lang lang)
{
    /* English puts "the" before country names that are plural or name a union or republic;
     * the names come without it because they also head lists ("Locations: United States"). */
    static const char *const with_the[] = {
        "AE", "AX", "BS", "CC", "CF", "CK", "DO", "EEA", "EU", "FK", "FO", "GB", "GM", "HM", "KM",
        "KY", "MH", "MP", "MV", "NL", "PH", "RU", "SB",  "SC", "TC", "UM", "US", "VA", "VG", "VI",
    };
    kluis__buf_puts(b, "in ");
    if (lang == KLUIS_LANG_EN && code) {
        for (size_t i = 0; i < sizeof(with_the) / sizeof(with_the[0]); i++) {
            if (strcmp(code, with_the[i]) == 0) {
                kluis__buf_puts(b, "the ");
                break;
            }
        }
    }
    kluis__buf_puts(b, kluis__render_country(code, lang));
}

const char *kluis__render_channel(const char *kind, enum kluis_lang lang)
{
    static const struct {
        const char *kind;
        const char *nl;
        const char *en;
    } channels[] = {
        {"email", "E-mail", "Email"},
        {"phone", "Telefoon", "Phone"},
        {"whatsapp", "WhatsApp", "WhatsApp"},
        {"web", "Website", "Website"},
        {"form", "Contactformulier", "Contact form"},
        {"post", "Post", "Post"},
    };
    for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++) {
        if (kind && strcmp(kind, channels[i].kind) == 0)
            return lang == KLUIS_LANG_NL ? channels[i].nl : channels[i].en;
    }
    return kind ? kind : "";
}

/* ---- Model helpers ------------------------------------------------------------------------- */

bool kluis__render_outside_eea(const struct kluis_subprocessor *sp)
{
    for (size_t i = 0; i < sp->n_locations; i++) {
        if (!kluis_country_in_eea(sp->locations[i]))
            return true;
    }
    return false;
}

void kluis__render_transfer_names(struct kluis_strv *v, unsigned bits, enum kluis_lang lang)
{
    static const enum kluis_transfer order[] = {
        KLUIS_TRANSFER_ADEQUACY, KLUIS_TRANSFER_DPF,        KLUIS_TRANSFER_SCC,
        KLUIS_TRANSFER_BCR,      KLUIS_TRANSFER_DEROGATION,
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (!(bits & (unsigned)order[i]))
            continue;
        const char *name = kluis_transfer_name(order[i], lang);
        if (name)
            kluis__strv_add(v, name);
    }
}

void kluis__render_transfer_summary(struct kluis_buf *b, const struct kluis_subprocessor *sp,
                                    enum kluis_lang lang)
{
    struct kluis_strv mechanisms, places;
    kluis__strv_init(&mechanisms);
    kluis__strv_init(&places);
    kluis__render_transfer_names(&mechanisms, sp->transfers, lang);
    for (size_t i = 0; i < sp->n_locations; i++) {
        if (!kluis_country_in_eea(sp->locations[i]))
            kluis__strv_add_unique(&places, kluis__render_country(sp->locations[i], lang));
    }

    if (mechanisms.n > 0) {
        /* The mechanisms the policy names cover every location outside the EEA. */
        kluis__render_join(b, (const char *const *)places.items, places.n, lang, KLUIS_JOIN_AND,
                           kluis__buf_puts);
        kluis__buf_puts(b, " \u2014 ");
        kluis__render_join(b, (const char *const *)mechanisms.items, mechanisms.n, lang,
                           KLUIS_JOIN_AND, kluis__buf_puts);
    } else {
        /* Without a mechanism, a country with an adequacy decision needs none; say which. */
        bool first = true;
        for (size_t i = 0; i < sp->n_locations; i++) {
            const char *code = sp->locations[i];
            if (kluis_country_in_eea(code))
                continue;
            if (!first)
                kluis__buf_puts(b, ", ");
            first = false;
            kluis__buf_puts(b, kluis__render_country(code, lang));
            if (kluis_country_adequate(code))
                kluis__buf_puts(b, lang == KLUIS_LANG_NL ? " (adequaatheidsbesluit)"
                                                         : " (adequacy decision)");
            else
                kluis__buf_puts(b, lang == KLUIS_LANG_NL ? " (geen doorgiftemechanisme vermeld)"
                                                         : " (no transfer mechanism stated)");
        }
    }
    kluis_rc rc = mechanisms.rc != KLUIS_OK ? mechanisms.rc : places.rc;
    if (rc != KLUIS_OK && b->rc == KLUIS_OK)
        b->rc = rc;
    kluis__strv_free(&mechanisms);
    kluis__strv_free(&places);
}

bool kluis__render_serves(const struct kluis_subprocessor *sp, const struct kluis_purpose *pu)
{
    /* A recipient that names its purposes serves those only. Without them, sharing a category
     * is all there is to go on, and it over-reports: a call centre that receives account data
     * is not a recipient of every activity that uses account data. */
    if (sp->n_purposes > 0) {
        for (size_t i = 0; i < sp->n_purposes; i++) {
            if (strcmp(sp->purposes[i], pu->id) == 0)
                return true;
        }
        return false;
    }
    for (size_t i = 0; i < sp->n_categories; i++) {
        if (kluis_purpose_uses(pu, sp->categories[i]))
            return true;
    }
    return false;
}

const char *kluis__render_category_name(const struct kluis_policy *p, const char *id,
                                        enum kluis_lang lang)
{
    const struct kluis_category *c = kluis_policy_find_category(p, id);
    const char *name = c ? kluis__render_text(&c->name, lang) : NULL;
    return name ? name : id;
}

kluis_rc kluis__render_finish(struct kluis_buf *b, kluis_rc rc, const char *what, char **out_text,
                              size_t *out_len, struct kluis_err *err)
{
    char *text = NULL;
    size_t len = 0;
    if (rc == KLUIS_OK)
        rc = kluis__buf_steal(b, &text, &len);
    else
        kluis__buf_free(b);
    if (rc != KLUIS_OK)
        return kluis_err_set(err, rc, "cannot render %s", what);
    *out_text = text;
    if (out_len)
        *out_len = len;
    return KLUIS_OK;
}
