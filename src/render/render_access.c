/*
 * The information of art. 15(1)(a)–(h) and 15(2) GDPR that an access or portability answer gives
 * besides the copy of the data, drawn from the policy, as one JSON object.
 *
 * The information is about the categories kluis holds records of for the data subject, not about
 * everything the policy allows: the purposes that use one of them, the recipients that receive one
 * of them for a purpose that uses it (a recipient's `purposes:` are respected, as in the register),
 * their retention, sources and transfers. Categories and everything else come out in policy
 * order, whatever order the caller gives, so the same holdings always give the same bytes.
 *
 * Keys are stable English snake_case and ids are the policy's; "article" values are
 * language-independent citations ("art. 15(1)(a)"); human texts are in the language asked for and
 * in the statement's words (kluis__render_phrase, kluis__render_right_*, the retention words), so
 * the answer promises exactly what the statement does. Optional texts the policy does not state
 * are left out rather than written empty.
 */
#include "render/render_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct info {
    const struct kluis_policy *p;
    enum kluis_lang lang;
    bool nl;
    bool *held;         /* per policy category, by index: records of it are held */
    size_t n_held;      /* how many are */
    bool *listed;       /* per policy purpose, by index: it uses a held category */
    struct kluis_buf w; /* words being built for one value */
    bool bad;           /* out of memory, or text jansson refused */
};

static const char *tr(const struct info *a, const char *nl, const char *en)
{
    return a->nl ? nl : en;
}

/* ---- Building JSON; a failure is sticky in a->bad ------------------------------------------ */

static json_t *new_object(struct info *a)
{
    json_t *o = json_object();
    a->bad |= !o;
    return o;
}

static json_t *new_array(struct info *a)
{
    json_t *v = json_array();
    a->bad |= !v;
    return v;
}

/* Takes value (which may be NULL after a failure) into o under key. */
static void put(struct info *a, json_t *o, const char *key, json_t *value)
{
    a->bad |= !value || json_object_set_new(o, key, value) != 0;
}

/* A string value; nothing when s is NULL (the policy does not state it). */
static void put_str(struct info *a, json_t *o, const char *key, const char *s)
{
    if (s)
        a->bad |= !o || kluis__render_json_str(o, key, s) != 0;
}

static void put_bool(struct info *a, json_t *o, const char *key, bool v)
{
    put(a, o, key, json_boolean(v));
}

/* A policy text in the answer's language, when stated. */
static void put_text(struct info *a, json_t *o, const char *key, const struct kluis_text *t)
{
    put_str(a, o, key, kluis__render_text(t, a->lang));
}

static void put_phrase(struct info *a, json_t *o, const char *key, enum kluis_phrase ph)
{
    put_str(a, o, key, kluis__render_phrase(ph, a->lang));
}

/* The words built in a->w, then empties it for the next value. */
static void put_words(struct info *a, json_t *o, const char *key)
{
    a->bad |= a->w.rc != KLUIS_OK;
    if (a->w.rc == KLUIS_OK)
        put_str(a, o, key, a->w.data ? a->w.data : "");
    kluis__buf_reset(&a->w);
}

static void append_str(struct info *a, json_t *arr, const char *s)
{
    json_t *v = json_string(s);
    a->bad |= !v || json_array_append_new(arr, v) != 0;
}

/* Adds a new object to arr and returns it (NULL after a failure; the put_* calls accept it). */
static json_t *append_object(struct info *a, json_t *arr)
{
    json_t *o = new_object(a);
    if (o && json_array_append_new(arr, o) != 0) {
        a->bad = true;
        return NULL;
    }
    return o;
}

/*
 * A section of the answer: {"article": …, "title": …}, added to root under key. The caller adds
 * its "text" and "items" after these, in that order.
 */
static json_t *section(struct info *a, json_t *root, const char *key, const char *article,
                       const char *nl, const char *en)
{
    json_t *o = new_object(a);
    put_str(a, o, "article", article);
    put_str(a, o, "title", tr(a, nl, en));
    put(a, root, key, o);
    return o;
}

/* An array under key in o, returned for the caller to fill. */
static json_t *put_array(struct info *a, json_t *o, const char *key)
{
    json_t *arr = new_array(a);
    put(a, o, key, arr);
    return arr;
}

/* ---- The model, narrowed to the held categories -------------------------------------------- */

/* The first held category at index *i or after, moving *i past it; NULL when none is left. */
static const struct kluis_category *next_held(const struct info *a, size_t *i)
{
    size_t n = kluis_policy_n_categories(a->p);
    for (; *i < n; (*i)++) {
        if (a->held[*i])
            return kluis_policy_category(a->p, (*i)++);
    }
    return NULL;
}

static bool is_held(const struct info *a, const char *category_id)
{
    size_t n = kluis_policy_n_categories(a->p);
    for (size_t i = 0; i < n; i++) {
        if (a->held[i] && strcmp(kluis_policy_category(a->p, i)->id, category_id) == 0)
            return true;
    }
    return false;
}

/* True when a purpose that uses the category is one the recipient serves. */
static bool serves_for(const struct info *a, const struct kluis_subprocessor *sp,
                       const char *category_id)
{
    size_t n = kluis_policy_n_purposes(a->p);
    for (size_t i = 0; i < n; i++) {
        const struct kluis_purpose *pu = kluis_policy_purpose(a->p, i);
        if (kluis_purpose_uses(pu, category_id) && kluis__render_serves(sp, pu))
            return true;
    }
    return false;
}

/*
 * True when the recipient receives the held category: it lists the category (or lists none and
 * names its purposes), and serves a purpose that uses it. A recipient that names its purposes
 * receives a category it lists only for those: a call centre that sends newsletters is not a
 * recipient of the account data used to deliver the service.
 */
static bool receives(const struct info *a, const struct kluis_subprocessor *sp,
                     const char *category_id)
{
    bool lists = sp->n_categories == 0;
    for (size_t i = 0; i < sp->n_categories && !lists; i++)
        lists = strcmp(sp->categories[i], category_id) == 0;
    return lists && serves_for(a, sp, category_id);
}

static bool receives_any(const struct info *a, const struct kluis_subprocessor *sp)
{
    const struct kluis_category *c;
    for (size_t i = 0; (c = next_held(a, &i)) != NULL;) {
        if (receives(a, sp, c->id))
            return true;
    }
    return false;
}

static bool is_consent(const struct kluis_purpose *pu)
{
    return pu->basis == KLUIS_BASIS_CONSENT || pu->art9 == KLUIS_ART9_EXPLICIT_CONSENT ||
           pu->consent != NULL;
}

static const char *category_name(const struct info *a, const struct kluis_category *c)
{
    const char *name = kluis__render_text(&c->name, a->lang);
    return name ? name : c->id;
}

/* A new item of a list about held categories: {key: its id, "name": its name}. */
static json_t *category_item(struct info *a, json_t *items, const char *key,
                             const struct kluis_category *c)
{
    json_t *o = append_object(a, items);
    put_str(a, o, key, c->id);
    put_str(a, o, "name", category_name(a, c));
    return o;
}

static const char *purpose_name(const struct info *a, const struct kluis_purpose *pu)
{
    const char *name = kluis__render_text(&pu->name, a->lang);
    return name ? name : pu->id;
}

/* ---- The controller (art. 13(1)(a)–(b), as the statement states it) ----------------------- */

static void put_controller(struct info *a, json_t *root)
{
    const struct kluis_dpo *dpo = &kluis_policy_organisation(a->p)->dpo;
    json_t *o = section(a, root, "controller", "art. 13(1)(a)", "Verwerkingsverantwoordelijke",
                        "Controller");
    a->bad |= !o || kluis__render_json_organisation(o, a->p, a->lang) != 0;

    json_t *d = new_object(a);
    put(a, o, "dpo", d);
    put_str(a, d, "article", "art. 13(1)(b)");
    put_bool(a, d, "appointed", dpo->appointed);
    if (dpo->appointed) {
        put_str(a, d, "name", dpo->name);
        put(a, d, "contact", kluis__render_json_contacts(dpo->contacts, dpo->n_contacts));
    } else {
        put_text(a, d, "reason", &dpo->reason);
    }
}

/* ---- (a) Purposes -------------------------------------------------------------------------- */

static void put_basis(struct info *a, json_t *o, const struct kluis_purpose *pu)
{
    if (pu->basis == KLUIS_BASIS_NONE) {
        put(a, o, "legal_basis", json_null());
    } else {
        json_t *b = new_object(a);
        put(a, o, "legal_basis", b);
        put_str(a, b, "article", kluis_basis_article(pu->basis));
        put_str(a, b, "name", kluis_basis_name(pu->basis, a->lang));
    }
    /* On a customer's instructions the customer, as controller, answers for the basis. */
    if (pu->role == KLUIS_ROLE_PROCESSOR)
        put_phrase(a, o, "instructions",
                   pu->basis == KLUIS_BASIS_NONE ? KLUIS_PHRASE_CUSTOMER_BASIS
                                                 : KLUIS_PHRASE_ON_INSTRUCTIONS);
    if (pu->basis == KLUIS_BASIS_LEGITIMATE_INTEREST)
        put_text(a, o, "legitimate_interest", &pu->interest);
    if (pu->consent) {
        const struct kluis_consent *cs = kluis_policy_find_consent(a->p, pu->consent);
        json_t *c = new_object(a);
        put(a, o, "consent", c);
        put_str(a, c, "id", pu->consent);
        if (cs) {
            put_str(a, c, "version", cs->version);
            put_text(a, c, "question", &cs->text);
            put_text(a, c, "withdraw", &cs->withdraw);
        }
    }
    if (pu->basis == KLUIS_BASIS_LEGAL_OBLIGATION)
        put_str(a, o, "legal_source", pu->legal_source);
    if (pu->art9 != KLUIS_ART9_NONE) {
        json_t *c = new_object(a);
        put(a, o, "special_condition", c);
        put_str(a, c, "article", kluis_art9_article(pu->art9));
        put_str(a, c, "name", kluis_art9_name(pu->art9, a->lang));
    }
}

static void put_purposes(struct info *a, json_t *root)
{
    json_t *s = section(a, root, "purposes", "art. 15(1)(a)", "Doeleinden en grondslagen",
                        "Purposes and legal bases");
    json_t *items = put_array(a, s, "items");
    size_t n = kluis_policy_n_purposes(a->p);
    for (size_t i = 0; i < n; i++) {
        const struct kluis_purpose *pu = kluis_policy_purpose(a->p, i);
        if (!a->listed[i])
            continue;
        json_t *o = append_object(a, items);
        put_str(a, o, "id", pu->id);
        put_str(a, o, "name", purpose_name(a, pu));
        put_text(a, o, "description", &pu->description);
        put_str(a, o, "role", pu->role == KLUIS_ROLE_PROCESSOR ? "processor" : "controller");
        put_basis(a, o, pu);
        put_bool(a, o, "direct_marketing", pu->direct_marketing);
        if (pu->direct_marketing)
            put_phrase(a, o, "objection", KLUIS_PHRASE_DIRECT_MARKETING);
        json_t *cats = put_array(a, o, "categories");
        for (size_t k = 0; k < pu->n_categories; k++) {
            if (is_held(a, pu->categories[k]))
                append_str(a, cats, pu->categories[k]);
        }
    }
}

/* ---- (b) Categories ------------------------------------------------------------------------ */

static void put_categories(struct info *a, json_t *root)
{
    json_t *s =
        section(a, root, "categories", "art. 15(1)(b)", "Persoonsgegevens", "Personal data");
    json_t *items = put_array(a, s, "items");
    const struct kluis_category *c;
    for (size_t i = 0; (c = next_held(a, &i)) != NULL;) {
        json_t *o = category_item(a, items, "id", c);
        put_text(a, o, "examples", &c->examples);
        put_str(a, o, "role", c->role == KLUIS_ROLE_PROCESSOR ? "processor" : "controller");
        /* Data held for a customer: the customer is the controller and can be asked too. */
        if (c->role == KLUIS_ROLE_PROCESSOR)
            put_phrase(a, o, "role_text", KLUIS_PHRASE_ON_BEHALF);
        put_bool(a, o, "special", c->special);
        if (c->special)
            put_phrase(a, o, "special_text", KLUIS_PHRASE_SPECIAL);
    }
}

/* ---- (c) Recipients ------------------------------------------------------------------------ */

/* The country names of codes, or of those outside the EEA only. */
static void put_locations(struct info *a, json_t *o, const struct kluis_subprocessor *sp,
                          bool outside_only)
{
    json_t *codes = put_array(a, o, "locations");
    json_t *names = put_array(a, o, "location_names");
    for (size_t i = 0; i < sp->n_locations; i++) {
        if (outside_only && kluis_country_in_eea(sp->locations[i]))
            continue;
        append_str(a, codes, sp->locations[i]);
        append_str(a, names, kluis__render_country(sp->locations[i], a->lang));
    }
}

static void put_recipient(struct info *a, json_t *items, const struct kluis_subprocessor *sp)
{
    json_t *o = append_object(a, items);
    put_str(a, o, "id", sp->id);
    put_str(a, o, "name", sp->name ? sp->name : sp->id);
    put_text(a, o, "purpose", &sp->purpose);
    bool controller = sp->role == KLUIS_RECIPIENT_CONTROLLER;
    put_str(a, o, "role", controller ? "controller" : "processor");
    put_phrase(a, o, "role_text",
               controller ? KLUIS_PHRASE_RECIPIENT_CONTROLLER
                          : (sp->dpa ? KLUIS_PHRASE_RECIPIENT_DPA : KLUIS_PHRASE_RECIPIENT_NO_DPA));
    put_locations(a, o, sp, false);
    put_bool(a, o, "outside_eea", kluis__render_outside_eea(sp));

    json_t *cats = put_array(a, o, "categories");
    const struct kluis_category *c;
    for (size_t i = 0; (c = next_held(a, &i)) != NULL;) {
        if (receives(a, sp, c->id))
            append_str(a, cats, c->id);
    }
    /* The processing activities it takes part in, among those the answer lists. */
    json_t *purposes = put_array(a, o, "purposes");
    size_t n_purposes = kluis_policy_n_purposes(a->p);
    for (size_t i = 0; i < n_purposes; i++) {
        const struct kluis_purpose *pu = kluis_policy_purpose(a->p, i);
        bool uses_received = false;
        for (size_t k = 0; k < pu->n_categories && !uses_received; k++)
            uses_received = is_held(a, pu->categories[k]) && receives(a, sp, pu->categories[k]);
        if (a->listed[i] && uses_received && kluis__render_serves(sp, pu))
            append_str(a, purposes, pu->id);
    }
}

static void put_recipients(struct info *a, json_t *root)
{
    json_t *s = section(a, root, "recipients", "art. 15(1)(c)", "Ontvangers", "Recipients");
    size_t n = kluis_policy_n_subprocessors(a->p);
    bool any = false;
    for (size_t i = 0; i < n && !any; i++)
        any = receives_any(a, kluis_policy_subprocessor(a->p, i));
    put_phrase(a, s, "text", any ? KLUIS_PHRASE_RECIPIENTS : KLUIS_PHRASE_NO_RECIPIENTS);
    json_t *items = put_array(a, s, "items");
    for (size_t i = 0; i < n; i++) {
        const struct kluis_subprocessor *sp = kluis_policy_subprocessor(a->p, i);
        if (receives_any(a, sp))
            put_recipient(a, items, sp);
    }
}

/* ---- (d) Retention ------------------------------------------------------------------------- */

static void put_duration(struct info *a, json_t *o, const char *key, struct kluis_duration d)
{
    char buf[32];
    put_str(a, o, key, kluis_duration_format(d, buf, sizeof(buf)));
}

/* The clause as the model holds it (include/kluis/policy.h, struct kluis_clause). */
static void put_clause(struct info *a, json_t *items, const struct kluis_clause *cl)
{
    static const char *const kinds[] = {
        [KLUIS_CLAUSE_PERIOD] = "period",
        [KLUIS_CLAUSE_UNTIL] = "until",
        [KLUIS_CLAUSE_TENANT] = "tenant",
        [KLUIS_CLAUSE_LEGAL] = "legal",
    };
    json_t *o = append_object(a, items);
    put_str(a, o, "kind", (unsigned)cl->kind <= KLUIS_CLAUSE_LEGAL ? kinds[cl->kind] : "?");
    /* For UNTIL the period is the grace after the event; none is no grace, not "0h". */
    if (cl->kind != KLUIS_CLAUSE_UNTIL || cl->period.n > 0)
        put_duration(a, o, "period", cl->period);
    if (cl->anchor.kind == KLUIS_ANCHOR_EVENT) {
        json_t *events = put_array(a, o, "events");
        for (size_t i = 0; i < cl->anchor.n_events; i++) {
            const struct kluis_event_ref *ev = &cl->anchor.events[i];
            /* As the policy writes it: "consent.withdrawn(newsletter)". */
            if (ev->purpose)
                kluis__buf_printf(&a->w, "%s(%s)", ev->event, ev->purpose);
            else
                kluis__buf_puts(&a->w, ev->event);
            a->bad |= a->w.rc != KLUIS_OK;
            if (a->w.rc == KLUIS_OK)
                append_str(a, events, a->w.data);
            kluis__buf_reset(&a->w);
        }
    }
    if (cl->anchor.month > 0) {
        kluis__buf_printf(&a->w, "next %02d-%02d", cl->anchor.month, cl->anchor.day);
        put_words(a, o, "date");
    }
    if (cl->has_min)
        put_duration(a, o, "min", cl->min);
    if (cl->has_max)
        put_duration(a, o, "max", cl->max);
    put_str(a, o, "source", cl->source);
    put_str(a, o, "country", cl->country);
}

static void put_retention(struct info *a, json_t *root)
{
    json_t *s =
        section(a, root, "retention", "art. 15(1)(d)", "Bewaartermijnen", "Retention periods");
    json_t *items = put_array(a, s, "items");
    const struct kluis_category *c;
    for (size_t i = 0; (c = next_held(a, &i)) != NULL;) {
        json_t *o = category_item(a, items, "category", c);
        /* The statement's words (kluis_render_retention), addressed to the data subject. */
        kluis__render_retention_words(&a->w, a->p, c, a->lang, KLUIS_VOICE_YOU);
        put_words(a, o, "text");
        put_str(a, o, "storage", c->storage == KLUIS_STORAGE_TRANSIENT ? "transient" : "stored");
        json_t *clauses = put_array(a, o, "clauses");
        for (size_t k = 0; c->retention && k < c->retention->n_clauses; k++)
            put_clause(a, clauses, &c->retention->clauses[k]);
    }
}

/* ---- (e)–(f) Rights and the right to complain ---------------------------------------------- */

static void put_right(struct info *a, json_t *items, const char *id, enum kluis_right r,
                      json_t **out_item)
{
    json_t *o = append_object(a, items);
    put_str(a, o, "right", id);
    put_str(a, o, "article", kluis__render_right_article(r));
    put_str(a, o, "name", kluis__render_right_name(r, a->lang));
    kluis__render_right_text(&a->w, a->p, r, a->lang);
    put_words(a, o, "text");
    if (out_item)
        *out_item = o;
}

static void put_authorities(struct info *a, json_t *o)
{
    json_t *arr = put_array(a, o, "authorities");
    size_t n = kluis_policy_n_authorities(a->p);
    for (size_t i = 0; i < n; i++) {
        const struct kluis_authority *au = kluis_policy_authority(a->p, i);
        const char *name = kluis__render_text(&au->name, a->lang);
        json_t *x = append_object(a, arr);
        put_str(a, x, "id", au->id);
        put_str(a, x, "name", name ? name : au->id);
        put_str(a, x, "country", au->country);
        if (au->country)
            put_str(a, x, "country_name", kluis__render_country(au->country, a->lang));
        put_str(a, x, "website", au->website);
        put_str(a, x, "address", au->address);
        put_str(a, x, "email", au->email);
    }
}

static void put_rights(struct info *a, json_t *root)
{
    json_t *s = section(a, root, "rights", "art. 15(1)(e)-(f)", "Je rechten", "Your rights");
    json_t *items = put_array(a, s, "items");
    put_right(a, items, "rectification", KLUIS_RIGHT_RECTIFICATION, NULL);
    put_right(a, items, "erasure", KLUIS_RIGHT_ERASURE, NULL);
    put_right(a, items, "restriction", KLUIS_RIGHT_RESTRICTION, NULL);

    /* Objection concerns processing on a legitimate interest or a public task (art. 21(1)), and
     * any direct marketing (art. 21(2)); the item names the listed purposes it reaches. */
    json_t *item = NULL;
    put_right(a, items, "objection", KLUIS_RIGHT_OBJECTION, &item);
    json_t *arr = put_array(a, item, "purposes");
    size_t n_purposes = kluis_policy_n_purposes(a->p);
    for (size_t i = 0; i < n_purposes; i++) {
        const struct kluis_purpose *pu = kluis_policy_purpose(a->p, i);
        if (a->listed[i] && (pu->basis == KLUIS_BASIS_LEGITIMATE_INTEREST ||
                             pu->basis == KLUIS_BASIS_PUBLIC_TASK || pu->direct_marketing))
            append_str(a, arr, pu->id);
    }

    /* Portability only where art. 20(1) applies to something held. */
    const struct kluis_category *c;
    bool any_portable = false;
    for (size_t i = 0; !any_portable && (c = next_held(a, &i)) != NULL;)
        any_portable = kluis_render_portable(a->p, c);
    if (any_portable) {
        put_right(a, items, "portability", KLUIS_RIGHT_PORTABILITY, &item);
        arr = put_array(a, item, "categories");
        for (size_t i = 0; (c = next_held(a, &i)) != NULL;) {
            if (kluis_render_portable(a->p, c))
                append_str(a, arr, c->id);
        }
        const struct kluis_rights *r = kluis_policy_rights(a->p);
        arr = put_array(a, item, "formats");
        for (size_t i = 0; i < r->n_formats; i++)
            append_str(a, arr, r->formats[i]);
    }

    /* Withdrawing consent, where a listed purpose rests on it (art. 7(3), 13(2)(c)). */
    bool any_consent = false;
    for (size_t i = 0; i < n_purposes && !any_consent; i++)
        any_consent = a->listed[i] && is_consent(kluis_policy_purpose(a->p, i));
    if (any_consent) {
        put_right(a, items, "withdrawal", KLUIS_RIGHT_WITHDRAWAL, &item);
        arr = put_array(a, item, "purposes");
        for (size_t i = 0; i < n_purposes; i++) {
            const struct kluis_purpose *pu = kluis_policy_purpose(a->p, i);
            if (a->listed[i] && is_consent(pu))
                append_str(a, arr, pu->id);
        }
    }

    /* (f): the right to complain, with the authorities the policy names. */
    size_t n_auth = kluis_policy_n_authorities(a->p);
    json_t *o = append_object(a, items);
    put_str(a, o, "right", "complaint");
    put_str(a, o, "article", "art. 77");
    put_str(a, o, "name", tr(a, "Klacht", "Complaint"));
    if (n_auth == 0) {
        put_phrase(a, o, "text", KLUIS_PHRASE_COMPLAINT_HOME);
    } else {
        kluis__buf_printf(&a->w, "%s.", kluis__render_phrase(KLUIS_PHRASE_COMPLAINT, a->lang));
        put_words(a, o, "text");
    }
    put_authorities(a, o);
}

/* ---- (g) Source ---------------------------------------------------------------------------- */

static void put_sources(struct info *a, json_t *root)
{
    json_t *s = section(a, root, "source", "art. 15(1)(g)", "Herkomst", "Source");
    json_t *items = put_array(a, s, "items");
    const struct kluis_category *c;
    for (size_t i = 0; (c = next_held(a, &i)) != NULL;) {
        json_t *o = category_item(a, items, "category", c);
        put_bool(a, o, "provided", c->provided);
        if (c->provided) {
            put_str(a, o, "text",
                    tr(a, "Deze gegevens heb je zelf aan ons gegeven.",
                       "You gave us this data yourself."));
            continue;
        }
        /* Art. 14(2)(f): where obtained data comes from. For data processed for a customer it is
         * the customer who informs, so only the organisation's own data cites art. 14. */
        put_text(a, o, "source", &c->source);
        put_phrase(a, o, "text",
                   c->role == KLUIS_ROLE_CONTROLLER ? KLUIS_PHRASE_NOT_FROM_YOU
                                                    : KLUIS_PHRASE_NOT_FROM_YOU_PLAIN);
    }
}

/* ---- (h) Automated decisions --------------------------------------------------------------- */

static void put_automated(struct info *a, json_t *root)
{
    json_t *s = section(a, root, "automated_decisions", "art. 15(1)(h)",
                        "Geautomatiseerde besluitvorming", "Automated decision-making");
    bool used = kluis_policy_automated_decisions(a->p);
    put_bool(a, s, "used", used);
    put_phrase(a, s, "text", used ? KLUIS_PHRASE_AUTOMATED : KLUIS_PHRASE_NO_AUTOMATED);
    struct kluis_text details = kluis_policy_automated_text(a->p);
    put_text(a, s, "details", &details);
    if (used) {
        struct kluis_text logic = kluis_policy_automated_logic(a->p);
        put_text(a, s, "logic", &logic);
        put_phrase(a, s, "safeguards", KLUIS_PHRASE_AUTOMATED_RIGHTS);
    }

    /* Outputs that wait for a person (AI drafts): none of them is a decision taken solely by
     * automated means, whatever else the policy says (art. 22(1)). */
    json_t *items = put_array(a, s, "items");
    size_t n_purposes = kluis_policy_n_purposes(a->p);
    const struct kluis_category *c;
    for (size_t i = 0; (c = next_held(a, &i)) != NULL;) {
        if (!c->approval)
            continue;
        json_t *o = category_item(a, items, "category", c);
        put_str(a, o, "article", "art. 22");
        put_bool(a, o, "human_approval", true);
        put_bool(a, o, "solely_automated", false);
        kluis__render_approval(&a->w, category_name(a, c), a->lang, kluis__buf_puts);
        put_words(a, o, "text");
        json_t *arr = put_array(a, o, "purposes");
        for (size_t k = 0; k < n_purposes; k++) {
            const struct kluis_purpose *pu = kluis_policy_purpose(a->p, k);
            if (kluis_purpose_uses(pu, c->id))
                append_str(a, arr, pu->id);
        }
    }
}

/* ---- 15(2) Transfers ----------------------------------------------------------------------- */

static void put_transfers(struct info *a, json_t *root)
{
    static const struct {
        enum kluis_transfer bit;
        const char *id; /* as the policy writes it */
    } mechanisms[] = {
        {KLUIS_TRANSFER_ADEQUACY, "adequacy"},
        {KLUIS_TRANSFER_DPF, "dpf"},
        {KLUIS_TRANSFER_SCC, "scc"},
        {KLUIS_TRANSFER_BCR, "bcr"},
        {KLUIS_TRANSFER_DEROGATION, "derogation"},
    };
    json_t *s = section(a, root, "transfers", "art. 15(2)", "Doorgifte buiten de EER",
                        "Transfers outside the EEA");
    size_t n = kluis_policy_n_subprocessors(a->p);
    bool any = false;
    for (size_t i = 0; i < n && !any; i++) {
        const struct kluis_subprocessor *sp = kluis_policy_subprocessor(a->p, i);
        any = kluis__render_outside_eea(sp) && receives_any(a, sp);
    }
    if (any) {
        kluis__buf_printf(&a->w, "%s.", kluis__render_phrase(KLUIS_PHRASE_TRANSFERS, a->lang));
        put_words(a, s, "text");
    } else {
        put_phrase(a, s, "text", KLUIS_PHRASE_NO_TRANSFERS);
    }

    json_t *items = put_array(a, s, "items");
    bool any_safeguard = false;
    for (size_t i = 0; i < n; i++) {
        const struct kluis_subprocessor *sp = kluis_policy_subprocessor(a->p, i);
        if (!kluis__render_outside_eea(sp) || !receives_any(a, sp))
            continue;
        any_safeguard |= (sp->transfers & (KLUIS_TRANSFER_SCC | KLUIS_TRANSFER_BCR)) != 0;
        json_t *o = append_object(a, items);
        put_str(a, o, "recipient", sp->id);
        put_str(a, o, "name", sp->name ? sp->name : sp->id);
        put_locations(a, o, sp, true);
        json_t *arr = put_array(a, o, "mechanisms");
        for (size_t k = 0; k < sizeof(mechanisms) / sizeof(mechanisms[0]); k++) {
            if (sp->transfers & (unsigned)mechanisms[k].bit)
                append_str(a, arr, mechanisms[k].id);
        }
        kluis__render_transfer_summary(&a->w, sp, a->lang);
        put_words(a, o, "safeguard");
    }
    if (any) {
        struct kluis_text measures = kluis_policy_transfer_text(a->p);
        put_text(a, s, "measures", &measures);
    }
    /* Art. 13(1)(f), 46: the means to obtain a copy of the safeguards, where there are any. */
    if (any_safeguard)
        put_phrase(a, s, "copy", KLUIS_PHRASE_SAFEGUARD_COPY);
}

/* ---- The answer ---------------------------------------------------------------------------- */

static void put_info(struct info *a, json_t *root)
{
    put_str(a, root, "article", "art. 15");
    put_str(a, root, "language", a->nl ? "nl" : "en");
    put_bool(a, root, "held", a->n_held > 0);
    if (a->n_held > 0)
        put_str(a, root, "text",
                tr(a,
                   "Hieronder lees je welke persoonsgegevens wij over je verwerken, waarvoor en op "
                   "welke grondslag, met wie wij ze delen, hoe lang wij ze bewaren, waar ze "
                   "vandaan komen en welke rechten je hebt (art. 15 AVG).",
                   "Below you can read which personal data we process about you, for what "
                   "purposes and on what legal basis, with whom we share it, how long we keep it, "
                   "where it comes from and what your rights are (Art. 15 GDPR)."));
    else
        put_str(a, root, "text",
                tr(a, "Wij hebben geen persoonsgegevens van je.",
                   "We hold no personal data about you."));
    put_controller(a, root);
    put_purposes(a, root);
    put_categories(a, root);
    put_recipients(a, root);
    put_retention(a, root);
    put_rights(a, root);
    put_sources(a, root);
    put_automated(a, root);
    put_transfers(a, root);
}

/* Marks the held categories and the purposes that use them; EINVAL names an unknown id. */
static kluis_rc mark_held(struct info *a, const char *const *categories, size_t n_categories,
                          struct kluis_err *err)
{
    size_t n = kluis_policy_n_categories(a->p);
    for (size_t k = 0; k < n_categories; k++) {
        const char *id = categories[k];
        if (!id)
            return kluis_err_set(err, KLUIS_EINVAL, "category %zu of the list is NULL", k);
        if (!kluis__utf8_valid(id, strlen(id)))
            return kluis_err_set(err, KLUIS_EINVAL, "category %zu of the list is not UTF-8", k);
        bool found = false;
        for (size_t i = 0; i < n && !found; i++) {
            if (strcmp(kluis_policy_category(a->p, i)->id, id) == 0) {
                a->n_held += !a->held[i];
                a->held[i] = found = true;
            }
        }
        if (!found) {
            kluis_err_set(err, KLUIS_EINVAL, "unknown category \"%.100s\"", id);
            kluis_err_hint(err, "the policy declares its categories under 'categories:'");
            return KLUIS_EINVAL;
        }
    }
    size_t n_purposes = kluis_policy_n_purposes(a->p);
    for (size_t i = 0; i < n_purposes; i++) {
        const struct kluis_purpose *pu = kluis_policy_purpose(a->p, i);
        for (size_t k = 0; k < pu->n_categories && !a->listed[i]; k++)
            a->listed[i] = is_held(a, pu->categories[k]);
    }
    return KLUIS_OK;
}

static kluis_rc render_json(struct info *a, struct kluis_buf *b)
{
    json_t *root = new_object(a);
    put_info(a, root);
    kluis_rc rc = a->bad ? KLUIS_ENOMEM : KLUIS_OK;
    if (rc == KLUIS_OK) {
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text) {
            kluis__buf_puts(b, text);
            kluis__buf_putc(b, '\n');
            free(text);
            rc = kluis__buf_rc(b);
        } else {
            rc = KLUIS_ENOMEM;
        }
    }
    json_decref(root);
    return rc;
}

kluis_rc kluis_render_access_info(const struct kluis_policy *p, enum kluis_lang lang,
                                  const char *const *categories, size_t n_categories,
                                  char **out_json, size_t *out_len, struct kluis_err *err)
{
    if (!p || !out_json || (n_categories > 0 && !categories))
        return kluis_err_set(err, KLUIS_EINVAL, "kluis_render_access_info: missing argument");
    if (lang != KLUIS_LANG_NL && lang != KLUIS_LANG_EN)
        return kluis_err_set(err, KLUIS_EINVAL, "unknown language");

    struct info a = {.p = p, .lang = lang, .nl = lang == KLUIS_LANG_NL};
    /* One more than needed, so that an empty policy still gets a non-NULL array. */
    a.held = calloc(kluis_policy_n_categories(p) + 1, sizeof(*a.held));
    a.listed = calloc(kluis_policy_n_purposes(p) + 1, sizeof(*a.listed));
    kluis__buf_init(&a.w, 0);
    struct kluis_buf b;
    kluis__buf_init(&b, 0);

    kluis_rc rc = a.held && a.listed ? mark_held(&a, categories, n_categories, err) : KLUIS_ENOMEM;
    if (rc == KLUIS_OK)
        rc = render_json(&a, &b);
    free(a.held);
    free(a.listed);
    kluis__buf_free(&a.w);
    if (rc == KLUIS_EINVAL) {
        kluis__buf_free(&b);
        return rc;
    }
    return kluis__render_finish(&b, rc, "the access information", out_json, out_len, err);
}

bool kluis_render_portable(const struct kluis_policy *p, const struct kluis_category *c)
{
    if (!p || !c || !c->provided)
        return false;
    /* Art. 20(1)(a)–(b): consent under art. 6(1)(a) or 9(2)(a), or a contract under 6(1)(b). */
    size_t n = kluis_policy_n_purposes(p);
    for (size_t i = 0; i < n; i++) {
        const struct kluis_purpose *pu = kluis_policy_purpose(p, i);
        if (!kluis_purpose_uses(pu, c->id))
            continue;
        if (pu->basis == KLUIS_BASIS_CONSENT || pu->basis == KLUIS_BASIS_CONTRACT ||
            pu->art9 == KLUIS_ART9_EXPLICIT_CONSENT)
            return true;
    }
    return false;
}
