/*
 * The record of processing activities (art. 30 GDPR) as CSV, JSON or a Markdown table.
 *
 * Without a tenant it is the controller's record, art. 30(1): one row per purpose of the
 * controller role, with columns (a)–(g). With a tenant it is the processor's record for that
 * customer, art. 30(2): one row per purpose of the processor role. A recipient belongs to the
 * activities its `purposes:` name (kluis__render_serves), and the built-in events in retention
 * are worded in the third person: the register is a record about data subjects, not to them.
 *
 * A row is first built as one list of values per column, in plain text; each format then writes
 * the lists its own way: joined with "; " in a CSV field or a table cell, as a JSON array where a
 * column holds several values. CSV and JSON keys are stable English snake_case whatever the
 * language (a spreadsheet or a script reads them); the cell texts are in the language asked for.
 */
#include "render/render_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum col {
    COL_ID,
    COL_ACTIVITY,
    COL_CONTROLLER, /* 30(1)(a); in 30(2), the customer */
    COL_PROCESSOR,  /* 30(2)(a) */
    COL_DPO,
    COL_PURPOSE,    /* 30(1)(b) */
    COL_PROCESSING, /* 30(2)(b) */
    COL_BASIS,
    COL_SUBJECTS,   /* 30(1)(c) */
    COL_CATEGORIES, /* 30(1)(c) */
    COL_RECIPIENTS, /* 30(1)(d) */
    COL_TRANSFERS,  /* 30(1)(e), 30(2)(c) */
    COL_RETENTION,  /* 30(1)(f) */
    COL_SECURITY,   /* 30(1)(g), 30(2)(d) */
    COL_COUNT_
};

struct column {
    enum col col;
    const char *key; /* CSV header and JSON key */
    const char *nl;  /* Markdown header */
    const char *en;
    bool multi; /* several values: a JSON array */
};

static const struct column controller_columns[] = {
    {COL_ID, "activity_id", "Id", "Id", false},
    {COL_ACTIVITY, "activity", "Activiteit", "Activity", false},
    {COL_CONTROLLER, "controller", "Verwerkingsverantwoordelijke", "Controller", false},
    {COL_DPO, "dpo", "FG", "DPO", false},
    {COL_PURPOSE, "purpose", "Doel", "Purpose", false},
    {COL_BASIS, "legal_basis", "Grondslag", "Legal basis", true},
    {COL_SUBJECTS, "data_subjects", "Betrokkenen", "Data subjects", true},
    {COL_CATEGORIES, "data_categories", "Persoonsgegevens", "Personal data", true},
    {COL_RECIPIENTS, "recipients", "Ontvangers", "Recipients", true},
    {COL_TRANSFERS, "transfers", "Doorgifte", "Transfers", true},
    {COL_RETENTION, "retention", "Bewaartermijnen", "Retention", true},
    {COL_SECURITY, "security", "Beveiliging", "Security", true},
};

static const struct column processor_columns[] = {
    {COL_ID, "activity_id", "Id", "Id", false},
    {COL_ACTIVITY, "activity", "Activiteit", "Activity", false},
    {COL_PROCESSOR, "processor", "Verwerker", "Processor", false},
    {COL_DPO, "dpo", "FG", "DPO", false},
    {COL_CONTROLLER, "controller", "Verwerkingsverantwoordelijke", "Controller", false},
    {COL_PROCESSING, "processing", "Verwerking", "Processing", false},
    {COL_SUBJECTS, "data_subjects", "Betrokkenen", "Data subjects", true},
    {COL_CATEGORIES, "data_categories", "Persoonsgegevens", "Personal data", true},
    {COL_RECIPIENTS, "recipients", "Ontvangers", "Recipients", true},
    {COL_TRANSFERS, "transfers", "Doorgifte", "Transfers", true},
    {COL_SECURITY, "security", "Beveiliging", "Security", true},
};

struct reg {
    const struct kluis_policy *p;
    const char *tenant;
    enum kluis_lang lang;
    bool nl;
    const struct column *cols;
    size_t n_cols;
    struct kluis_strv cells[COL_COUNT_];
};

static const char *tr(const struct reg *r, const char *nl, const char *en)
{
    return r->nl ? nl : en;
}

static void reset_cells(struct reg *r)
{
    for (size_t i = 0; i < COL_COUNT_; i++) {
        kluis__strv_free(&r->cells[i]);
        kluis__strv_init(&r->cells[i]);
    }
}

static kluis_rc cells_rc(const struct reg *r)
{
    for (size_t i = 0; i < COL_COUNT_; i++) {
        if (r->cells[i].rc != KLUIS_OK)
            return r->cells[i].rc;
    }
    return KLUIS_OK;
}

/* Adds the words in w to a cell and empties w for the next value. */
static void add_words(struct kluis_strv *cell, struct kluis_buf *w)
{
    kluis__strv_add_buf(cell, w);
    kluis__buf_reset(w);
}

/* "E-mail: info@…" for each contact channel. */
static void add_contacts(struct reg *r, struct kluis_strv *cell, const struct kluis_contact *c,
                         size_t n, struct kluis_buf *w)
{
    for (size_t i = 0; i < n; i++) {
        kluis__buf_printf(w, "%s: %s", kluis__render_channel(c[i].kind, r->lang),
                          c[i].value ? c[i].value : "");
        add_words(cell, w);
    }
}

static void add_organisation(struct reg *r, struct kluis_strv *cell, struct kluis_buf *w)
{
    const struct kluis_organisation *org = kluis_policy_organisation(r->p);
    kluis__buf_puts(w, org->name ? org->name : "");
    if (org->address)
        kluis__buf_printf(w, ", %s", org->address);
    if (org->country)
        kluis__buf_printf(w, ", %s", kluis__render_country(org->country, r->lang));
    add_words(cell, w);
    add_contacts(r, cell, org->contacts, org->n_contacts, w);
}

static void add_dpo(struct reg *r, struct kluis_strv *cell, struct kluis_buf *w)
{
    const struct kluis_dpo *dpo = &kluis_policy_organisation(r->p)->dpo;
    if (dpo->appointed) {
        kluis__buf_puts(w, dpo->name ? dpo->name : tr(r, "aangesteld", "appointed"));
        add_words(cell, w);
        add_contacts(r, cell, dpo->contacts, dpo->n_contacts, w);
        return;
    }
    const char *reason = kluis__render_text(&dpo->reason, r->lang);
    kluis__buf_puts(w, tr(r, "niet aangesteld", "not appointed"));
    if (reason)
        kluis__buf_printf(w, ": %s", reason);
    add_words(cell, w);
}

static void add_name_and_description(struct reg *r, struct kluis_strv *cell,
                                     const struct kluis_purpose *pu, struct kluis_buf *w)
{
    const char *name = kluis__render_text(&pu->name, r->lang);
    const char *desc = kluis__render_text(&pu->description, r->lang);
    kluis__buf_puts(w, name ? name : pu->id);
    if (desc)
        kluis__buf_printf(w, ": %s", desc);
    add_words(cell, w);
}

static void add_basis(struct reg *r, struct kluis_strv *cell, const struct kluis_purpose *pu,
                      struct kluis_buf *w)
{
    const char *gdpr = kluis__render_gdpr(r->lang);
    if (pu->basis != KLUIS_BASIS_NONE) {
        const char *name = kluis_basis_name(pu->basis, r->lang);
        const char *article = kluis_basis_article(pu->basis);
        kluis__buf_puts(w, name ? name : "");
        if (article && *article) {
            kluis__buf_puts(w, name ? " (" : "");
            kluis__render_cite(w, article, r->lang);
            kluis__buf_puts(w, name ? ")" : "");
        }
        add_words(cell, w);
    }
    if (pu->legal_source) {
        kluis__buf_printf(w, "%s: %s", tr(r, "wettelijke verplichting", "legal obligation"),
                          pu->legal_source);
        add_words(cell, w);
    }
    const char *interest = kluis__render_text(&pu->interest, r->lang);
    if (interest) {
        kluis__buf_printf(w, "%s: %s", tr(r, "belang", "interest"), interest);
        add_words(cell, w);
    }
    const char *balancing = kluis__render_text(&pu->balancing, r->lang);
    if (balancing) {
        kluis__buf_printf(w, "%s: %s", tr(r, "afweging", "balancing test"), balancing);
        add_words(cell, w);
    }
    if (pu->consent) {
        const struct kluis_consent *cs = kluis_policy_find_consent(r->p, pu->consent);
        kluis__buf_printf(w, "%s: %s", tr(r, "toestemming", "consent"), pu->consent);
        if (cs && cs->version)
            kluis__buf_printf(w, " (%s %s)", tr(r, "versie", "version"), cs->version);
        add_words(cell, w);
    }
    if (pu->art9 != KLUIS_ART9_NONE) {
        const char *name = kluis_art9_name(pu->art9, r->lang);
        const char *article = kluis_art9_article(pu->art9);
        kluis__buf_printf(w, "%s (", name ? name : "");
        kluis__render_cite(w, article && *article ? article : "art. 9(2)", r->lang);
        kluis__buf_putc(w, ')');
        add_words(cell, w);
    }
    if (pu->direct_marketing) {
        kluis__buf_printf(w, "%s (%s 21(3) %s)",
                          tr(r, "direct marketing: bezwaar is absoluut",
                             "direct marketing: objection is absolute"),
                          tr(r, "art.", "Art."), gdpr);
        add_words(cell, w);
    }
    if (pu->role == KLUIS_ROLE_PROCESSOR && pu->basis == KLUIS_BASIS_NONE) {
        kluis__buf_printf(w, "%s (%s 28(3)(a) %s)",
                          tr(r, "op instructie van de klant", "on the customer's instructions"),
                          tr(r, "art.", "Art."), gdpr);
        add_words(cell, w);
    }
}

static void add_subjects_and_categories(struct reg *r, const struct kluis_purpose *pu,
                                        struct kluis_buf *w)
{
    for (size_t i = 0; i < pu->n_categories; i++) {
        const struct kluis_category *c = kluis_policy_find_category(r->p, pu->categories[i]);
        const char *cname = kluis__render_category_name(r->p, pu->categories[i], r->lang);
        kluis__buf_puts(w, cname);
        if (c && c->special)
            kluis__buf_printf(w, " (%s)", tr(r, "bijzonder, art. 9", "special, Art. 9"));
        add_words(&r->cells[COL_CATEGORIES], w);
        if (!c)
            continue;
        for (size_t k = 0; k < c->n_subjects; k++) {
            const struct kluis_subject_group *g =
                kluis_policy_find_subject_group(r->p, c->subjects[k]);
            const char *gname = g ? kluis__render_text(&g->name, r->lang) : NULL;
            kluis__strv_add_unique(&r->cells[COL_SUBJECTS], gname ? gname : c->subjects[k]);
        }
    }
}

static void add_recipients_and_transfers(struct reg *r, const struct kluis_purpose *pu,
                                         struct kluis_buf *w)
{
    size_t n = kluis_policy_n_subprocessors(r->p);
    for (size_t i = 0; i < n; i++) {
        const struct kluis_subprocessor *sp = kluis_policy_subprocessor(r->p, i);
        if (!kluis__render_serves(sp, pu))
            continue;
        const char *name = sp->name ? sp->name : sp->id;
        const char *purpose = kluis__render_text(&sp->purpose, r->lang);
        kluis__buf_puts(w, name);
        if (purpose)
            kluis__buf_printf(w, " \u2014 %s", purpose);
        add_words(&r->cells[COL_RECIPIENTS], w);
        if (kluis__render_outside_eea(sp)) {
            kluis__buf_printf(w, "%s: ", name);
            kluis__render_transfer_summary(w, sp, r->lang);
            add_words(&r->cells[COL_TRANSFERS], w);
        }
    }
    if (r->cells[COL_RECIPIENTS].n == 0)
        kluis__strv_add(&r->cells[COL_RECIPIENTS], tr(r, "geen", "none"));
    if (r->cells[COL_TRANSFERS].n == 0)
        kluis__strv_add(&r->cells[COL_TRANSFERS], tr(r, "geen", "none"));
}

static void add_retention(struct reg *r, const struct kluis_purpose *pu, struct kluis_buf *w)
{
    for (size_t i = 0; i < pu->n_categories; i++) {
        const struct kluis_category *c = kluis_policy_find_category(r->p, pu->categories[i]);
        if (!c)
            continue;
        kluis__buf_printf(w, "%s: ", kluis__render_category_name(r->p, c->id, r->lang));
        kluis__render_retention_words(w, r->p, c, r->lang, KLUIS_VOICE_SUBJECT);
        add_words(&r->cells[COL_RETENTION], w);
    }
}

static void add_security(struct reg *r, const struct kluis_purpose *pu, struct kluis_buf *w)
{
    struct kluis_strv *cell = &r->cells[COL_SECURITY];
    size_t n = kluis_policy_n_security(r->p);
    for (size_t i = 0; i < n; i++) {
        const char *m = kluis__render_text(kluis_policy_security(r->p, i), r->lang);
        if (m)
            kluis__strv_add(cell, m);
    }
    /* The key classes of this activity's categories: separate keys are a measure of their own. */
    struct kluis_strv classes;
    kluis__strv_init(&classes);
    for (size_t i = 0; i < pu->n_categories; i++) {
        const struct kluis_category *c = kluis_policy_find_category(r->p, pu->categories[i]);
        if (!c || !c->key_class)
            continue;
        const struct kluis_key_class *k = kluis_policy_find_key_class(r->p, c->key_class);
        const char *kname = k ? kluis__render_text(&k->name, r->lang) : NULL;
        kluis__strv_add_unique(&classes, kname ? kname : c->key_class);
    }
    if (classes.n > 0) {
        kluis__buf_puts(w, tr(r, "versleuteld met aparte sleutels per klasse: ",
                              "encrypted with separate keys per class: "));
        kluis__render_join(w, (const char *const *)classes.items, classes.n, r->lang,
                           KLUIS_JOIN_AND, kluis__buf_puts);
        add_words(cell, w);
    }
    if (classes.rc != KLUIS_OK && cell->rc == KLUIS_OK)
        cell->rc = classes.rc;
    kluis__strv_free(&classes);
    if (cell->n == 0)
        kluis__strv_add(cell, tr(r, "niet vastgelegd", "not stated"));
}

/* Fills r->cells for one purpose. */
static kluis_rc build_row(struct reg *r, const struct kluis_purpose *pu)
{
    struct kluis_buf w;
    kluis__buf_init(&w, 0);
    reset_cells(r);

    kluis__strv_add(&r->cells[COL_ID], pu->id);
    const char *name = kluis__render_text(&pu->name, r->lang);
    kluis__strv_add(&r->cells[COL_ACTIVITY], name ? name : pu->id);
    if (r->tenant) {
        add_organisation(r, &r->cells[COL_PROCESSOR], &w);
        kluis__strv_add(&r->cells[COL_CONTROLLER], r->tenant);
        add_name_and_description(r, &r->cells[COL_PROCESSING], pu, &w);
    } else {
        add_organisation(r, &r->cells[COL_CONTROLLER], &w);
        add_name_and_description(r, &r->cells[COL_PURPOSE], pu, &w);
        add_basis(r, &r->cells[COL_BASIS], pu, &w);
        add_retention(r, pu, &w);
    }
    add_dpo(r, &r->cells[COL_DPO], &w);
    add_subjects_and_categories(r, pu, &w);
    add_recipients_and_transfers(r, pu, &w);
    add_security(r, pu, &w);

    kluis_rc rc = w.rc;
    kluis__buf_free(&w);
    return rc != KLUIS_OK ? rc : cells_rc(r);
}

/* The cell's values as one text. */
static void put_cell(struct kluis_buf *b, const struct kluis_strv *cell, kluis_put_fn put)
{
    kluis__render_join(b, (const char *const *)cell->items, cell->n, KLUIS_LANG_EN, KLUIS_JOIN_SEMI,
                       put);
}

/* ---- CSV ----------------------------------------------------------------------------------- */

static void put_csv_row(struct kluis_buf *b, struct reg *r)
{
    struct kluis_buf cell;
    kluis__buf_init(&cell, 0);
    for (size_t i = 0; i < r->n_cols; i++) {
        if (i > 0)
            kluis__buf_putc(b, ',');
        kluis__buf_reset(&cell);
        put_cell(&cell, &r->cells[r->cols[i].col], kluis__buf_puts);
        if (cell.rc != KLUIS_OK && b->rc == KLUIS_OK)
            b->rc = cell.rc;
        kluis__buf_csv(b, cell.data ? cell.data : "");
    }
    kluis__buf_puts(b, "\r\n");
    kluis__buf_free(&cell);
}

/* ---- Markdown ------------------------------------------------------------------------------ */

/* A table cell: a pipe would end it and a newline the row; a backslash could swallow either. */
static void md_cell(struct kluis_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '\\')
            kluis__buf_putc(b, '\\');
        if (*s == '\n' || *s == '\r')
            kluis__buf_putc(b, ' ');
        else
            kluis__buf_putc(b, *s);
    }
}

static void put_md_head(struct kluis_buf *b, struct reg *r)
{
    const char *g = kluis__render_gdpr(r->lang);
    const struct kluis_organisation *org = kluis_policy_organisation(r->p);
    if (r->tenant) {
        kluis__buf_printf(b, "# %s (%s 30(2) %s)\n\n",
                          tr(r, "Register van verwerkingsactiviteiten als verwerker",
                             "Record of processing activities as processor"),
                          tr(r, "art.", "Art."), g);
        kluis__buf_printf(b, "**%s:** ", tr(r, "Verwerker", "Processor"));
        md_cell(b, org->name ? org->name : "");
        kluis__buf_printf(b, "  \n**%s:** ",
                          tr(r, "Verwerkingsverantwoordelijke (klant)", "Controller (customer)"));
        md_cell(b, r->tenant);
        kluis__buf_puts(b, "\n\n");
    } else {
        kluis__buf_printf(
            b, "# %s (%s 30(1) %s)\n\n",
            tr(r, "Register van verwerkingsactiviteiten", "Record of processing activities"),
            tr(r, "art.", "Art."), g);
        kluis__buf_printf(b, "**%s:** ", tr(r, "Verwerkingsverantwoordelijke", "Controller"));
        md_cell(b, org->name ? org->name : "");
        kluis__buf_puts(b, "\n\n");
    }
    for (size_t i = 0; i < r->n_cols; i++)
        kluis__buf_printf(b, "| %s ", tr(r, r->cols[i].nl, r->cols[i].en));
    kluis__buf_puts(b, "|\n");
    for (size_t i = 0; i < r->n_cols; i++)
        kluis__buf_puts(b, "| --- ");
    kluis__buf_puts(b, "|\n");
}

static void put_md_row(struct kluis_buf *b, struct reg *r)
{
    for (size_t i = 0; i < r->n_cols; i++) {
        kluis__buf_puts(b, "| ");
        put_cell(b, &r->cells[r->cols[i].col], md_cell);
        kluis__buf_putc(b, ' ');
    }
    kluis__buf_puts(b, "|\n");
}

/* ---- JSON ---------------------------------------------------------------------------------- */

/* json_string() refuses invalid UTF-8 by returning NULL; the policy loader should never let
 * such text through, so a NULL is treated as a failure of the whole document. */
int kluis__render_json_str(json_t *obj, const char *key, const char *value)
{
    json_t *s = json_string(value);
    if (!s)
        return -1;
    return json_object_set_new(obj, key, s);
}

json_t *kluis__render_json_contacts(const struct kluis_contact *contacts, size_t n)
{
    json_t *o = json_object();
    int bad = !o;
    for (size_t i = 0; o && i < n; i++) {
        if (contacts[i].kind && contacts[i].value)
            bad |= kluis__render_json_str(o, contacts[i].kind, contacts[i].value);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int kluis__render_json_organisation(json_t *o, const struct kluis_policy *p, enum kluis_lang lang)
{
    const struct kluis_organisation *org = kluis_policy_organisation(p);
    int bad = kluis__render_json_str(o, "name", org->name ? org->name : "");
    if (org->address)
        bad |= kluis__render_json_str(o, "address", org->address);
    if (org->country)
        bad |= kluis__render_json_str(o, "country", org->country);
    const char *registry = kluis__render_text(&org->registry_name, lang);
    if (registry)
        bad |= kluis__render_json_str(o, "registry", registry);
    if (org->registry_number)
        bad |= kluis__render_json_str(o, "registry_number", org->registry_number);
    if (org->vat)
        bad |= kluis__render_json_str(o, "vat", org->vat);
    json_t *contact = kluis__render_json_contacts(org->contacts, org->n_contacts);
    bad |= json_object_set_new(o, "contact", contact);
    return bad ? -1 : 0;
}

static json_t *json_row(struct reg *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    struct kluis_buf cell;
    kluis__buf_init(&cell, 0);
    for (size_t i = 0; i < r->n_cols && !bad; i++) {
        const struct kluis_strv *v = &r->cells[r->cols[i].col];
        if (!r->cols[i].multi) {
            kluis__buf_reset(&cell);
            put_cell(&cell, v, kluis__buf_puts);
            bad |= cell.rc != KLUIS_OK;
            if (!bad)
                bad |= kluis__render_json_str(o, r->cols[i].key, cell.data ? cell.data : "");
            continue;
        }
        json_t *a = json_array();
        bad |= json_object_set_new(o, r->cols[i].key, a);
        for (size_t k = 0; a && !bad && k < v->n; k++) {
            json_t *s = json_string(v->items[k]);
            bad |= !s || json_array_append_new(a, s) != 0;
        }
    }
    kluis__buf_free(&cell);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- The register -------------------------------------------------------------------------- */

static kluis_rc render(struct reg *r, enum kluis_doc_format format, struct kluis_buf *b,
                       json_t *activities)
{
    enum kluis_role role = r->tenant ? KLUIS_ROLE_PROCESSOR : KLUIS_ROLE_CONTROLLER;
    if (format == KLUIS_FORMAT_CSV) {
        for (size_t i = 0; i < r->n_cols; i++) {
            if (i > 0)
                kluis__buf_putc(b, ',');
            kluis__buf_puts(b, r->cols[i].key);
        }
        kluis__buf_puts(b, "\r\n");
    } else if (format == KLUIS_FORMAT_MD) {
        put_md_head(b, r);
    }

    size_t n = kluis_policy_n_purposes(r->p);
    for (size_t i = 0; i < n; i++) {
        const struct kluis_purpose *pu = kluis_policy_purpose(r->p, i);
        if (pu->role != role)
            continue;
        kluis_rc rc = build_row(r, pu);
        if (rc != KLUIS_OK)
            return rc;
        if (format == KLUIS_FORMAT_CSV) {
            put_csv_row(b, r);
        } else if (format == KLUIS_FORMAT_MD) {
            put_md_row(b, r);
        } else {
            json_t *row = json_row(r);
            if (!row || json_array_append_new(activities, row) != 0)
                return KLUIS_ENOMEM;
        }
    }
    return kluis__buf_rc(b);
}

static kluis_rc render_json(struct reg *r, struct kluis_buf *b)
{
    json_t *root = json_object();
    json_t *activities = json_array();
    json_t *org = json_object();
    kluis_rc rc = KLUIS_ENOMEM;
    if (!root || !activities || !org || kluis__render_json_organisation(org, r->p, r->lang) != 0) {
        json_decref(activities);
        json_decref(org);
        goto out;
    }
    int bad = kluis__render_json_str(root, "register", r->tenant ? "art. 30(2)" : "art. 30(1)");
    bad |= kluis__render_json_str(root, "language", r->nl ? "nl" : "en");
    bad |= json_object_set_new(root, "organisation", org);
    bad |= json_object_set_new(root, "tenant", r->tenant ? json_string(r->tenant) : json_null());
    bad |= json_object_set_new(root, "activities", activities);
    if (bad)
        goto out;
    rc = render(r, KLUIS_FORMAT_JSON, b, activities);
    if (rc != KLUIS_OK)
        goto out;
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text) {
        rc = KLUIS_ENOMEM;
        goto out;
    }
    kluis__buf_puts(b, text);
    kluis__buf_putc(b, '\n');
    free(text);
    rc = kluis__buf_rc(b);
out:
    json_decref(root);
    return rc;
}

kluis_rc kluis_render_register(const struct kluis_policy *p, const char *tenant,
                               enum kluis_lang lang, enum kluis_doc_format format, char **out_text,
                               size_t *out_len, struct kluis_err *err)
{
    if (!p || !out_text)
        return kluis_err_set(err, KLUIS_EINVAL, "kluis_render_register: missing argument");
    if (lang != KLUIS_LANG_NL && lang != KLUIS_LANG_EN)
        return kluis_err_set(err, KLUIS_EINVAL, "unknown language");
    if (format != KLUIS_FORMAT_CSV && format != KLUIS_FORMAT_JSON && format != KLUIS_FORMAT_MD)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "the register is rendered as csv, json or md, not as html");
    if (tenant && (!*tenant || !kluis__utf8_valid(tenant, strlen(tenant))))
        return kluis_err_set(err, KLUIS_EINVAL, "the tenant name must be non-empty UTF-8 text");

    struct reg r = {
        .p = p,
        .tenant = tenant,
        .lang = lang,
        .nl = lang == KLUIS_LANG_NL,
        .cols = tenant ? processor_columns : controller_columns,
        .n_cols = tenant ? sizeof(processor_columns) / sizeof(processor_columns[0])
                         : sizeof(controller_columns) / sizeof(controller_columns[0]),
    };
    for (size_t i = 0; i < COL_COUNT_; i++)
        kluis__strv_init(&r.cells[i]);

    struct kluis_buf b;
    kluis__buf_init(&b, 0);
    kluis_rc rc = format == KLUIS_FORMAT_JSON ? render_json(&r, &b) : render(&r, format, &b, NULL);
    for (size_t i = 0; i < COL_COUNT_; i++)
        kluis__strv_free(&r.cells[i]);

    return kluis__render_finish(&b, rc, "the register of processing activities", out_text, out_len,
                                err);
}
