/*
 * The policy loader: a YAML tree becomes the immutable model, and everything that is not the
 * language (docs/policy.md) becomes a schema finding with its position.
 *
 * Loading runs in two phases. The first reads every section into the model and keeps, beside each
 * entity, the node it came from. The second resolves references (a category's key class, a
 * purpose's categories, a clause's events), so that the order of sections in the file does not
 * matter. Every error is reported, not only the first, so one run of `kluis check` shows all.
 */
#include "policy/policy_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Reporting ---------------------------------------------------------------------------- */

void kluis__load_error(struct load_ctx *ctx, const char *rule, int line, int col, const char *fmt,
                       ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ctx->n_errors++;
    if (kluis__findings_add(ctx->findings, KLUIS_SEV_ERROR, rule, NULL, ctx->file, line, col, NULL,
                            NULL, "%s", msg) != KLUIS_OK)
        ctx->rc = KLUIS_ENOMEM;
}

void *kluis__load_oom(struct load_ctx *ctx)
{
    ctx->rc = KLUIS_ENOMEM;
    ctx->n_errors++;
    return NULL;
}

#define ERR(ctx, node, rule, ...)                                                                  \
    kluis__load_error((ctx), (rule), (node)->line, (node)->col, __VA_ARGS__)

static const char *type_name(enum ynode_type t)
{
    switch (t) {
    case YNODE_SCALAR:
        return "a value";
    case YNODE_MAP:
        return "a mapping";
    case YNODE_SEQ:
        return "a list";
    }
    return "?";
}

/* The closest candidate to word within a small edit distance, or NULL. */
static const char *did_you_mean(const char *word, const char *const *candidates)
{
    const char *best = NULL;
    size_t best_d = 0;
    size_t wlen = strlen(word);
    size_t cap = wlen <= 4 ? 1 : wlen <= 8 ? 2 : 3;
    for (size_t i = 0; candidates[i]; i++) {
        size_t d = kluis__edit_distance(word, candidates[i], cap);
        if (d <= cap && (!best || d < best_d)) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}

/* Reports every key of map that is not in allowed (a NULL-terminated list). */
static void check_keys(struct load_ctx *ctx, const struct ynode *map, const char *const *allowed,
                       const char *where)
{
    for (size_t i = 0; i < map->n_pairs; i++) {
        const struct ynode *k = map->pairs[i].key;
        bool known = false;
        for (size_t j = 0; allowed[j] && !known; j++)
            known = strlen(allowed[j]) == k->len && memcmp(allowed[j], k->str, k->len) == 0;
        if (known)
            continue;
        const char *sugg = did_you_mean(k->str, allowed);
        if (sugg)
            ERR(ctx, k, "schema-unknown-key", "unknown key '%s' in %s; did you mean '%s'?", k->str,
                where, sugg);
        else
            ERR(ctx, k, "schema-unknown-key", "unknown key '%s' in %s", k->str, where);
    }
}

static bool expect(struct load_ctx *ctx, const struct ynode *n, enum ynode_type t, const char *what)
{
    if (n->type == t)
        return true;
    ERR(ctx, n, "schema-type", "%s must be %s, not %s", what, type_name(t), type_name(n->type));
    return false;
}

static bool is_null(const struct ynode *n)
{
    return n->type == YNODE_SCALAR && n->plain &&
           (n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0);
}

/* A required key: reports its absence at the mapping. */
static const struct ynode *require(struct load_ctx *ctx, const struct ynode *map, const char *key,
                                   const char *where)
{
    const struct ynode *v = kluis__ymap_get(map, key);
    if (!v && map->key_line)
        kluis__load_error(ctx, "schema-required", map->key_line, map->key_col, "%s needs '%s'",
                          where, key);
    else if (!v)
        ERR(ctx, map, "schema-required", "%s needs '%s'", where, key);
    return v;
}

/* A non-empty string value, copied into the arena. */
static const char *str_value(struct load_ctx *ctx, const struct ynode *n, const char *what)
{
    if (!expect(ctx, n, YNODE_SCALAR, what))
        return NULL;
    if (is_null(n) || n->len == 0) {
        ERR(ctx, n, "schema-value", "%s needs a value", what);
        return NULL;
    }
    if (strlen(n->str) != n->len) {
        ERR(ctx, n, "schema-value", "%s contains a NUL byte", what);
        return NULL;
    }
    return n->str; /* already arena-owned */
}

static const char *opt_str(struct load_ctx *ctx, const struct ynode *map, const char *key,
                           const char *where)
{
    const struct ynode *v = kluis__ymap_get(map, key);
    if (!v)
        return NULL;
    char what[160];
    snprintf(what, sizeof(what), "'%s' of %s", key, where);
    return str_value(ctx, v, what);
}

static bool bool_value(struct load_ctx *ctx, const struct ynode *n, const char *what, bool *out)
{
    if (!expect(ctx, n, YNODE_SCALAR, what))
        return false;
    if (n->plain && strcmp(n->str, "true") == 0) {
        *out = true;
        return true;
    }
    if (n->plain && strcmp(n->str, "false") == 0) {
        *out = false;
        return true;
    }
    ERR(ctx, n, "schema-value", "%s must be true or false, not '%s'", what, n->str);
    return false;
}

static bool opt_bool(struct load_ctx *ctx, const struct ynode *map, const char *key,
                     const char *where, bool dflt)
{
    const struct ynode *v = kluis__ymap_get(map, key);
    bool b = dflt;
    if (v) {
        char what[160];
        snprintf(what, sizeof(what), "'%s' of %s", key, where);
        if (!bool_value(ctx, v, what, &b))
            return dflt;
    }
    return b;
}

static bool duration_value(struct load_ctx *ctx, const struct ynode *n, const char *what,
                           struct kluis_duration *out)
{
    if (!expect(ctx, n, YNODE_SCALAR, what))
        return false;
    struct kluis_err e = {0};
    if (kluis_duration_parse(n->str, n->len, out, &e) != KLUIS_OK) {
        ERR(ctx, n, "schema-value", "%s: %s; write a number and a unit: 72h, 7d, 2w, 12mo, 7y",
            what, e.message);
        return false;
    }
    return true;
}

static bool opt_duration(struct load_ctx *ctx, const struct ynode *map, const char *key,
                         const char *where, struct kluis_duration *out)
{
    const struct ynode *v = kluis__ymap_get(map, key);
    if (!v)
        return false;
    char what[160];
    snprintf(what, sizeof(what), "'%s' of %s", key, where);
    return duration_value(ctx, v, what, out);
}

static bool date_value(struct load_ctx *ctx, const struct ynode *n, const char *what, int64_t *out)
{
    if (!expect(ctx, n, YNODE_SCALAR, what))
        return false;
    if (kluis_date_parse(n->str, n->len, out, NULL) != KLUIS_OK) {
        ERR(ctx, n, "schema-value", "%s: invalid date '%s' (write YYYY-MM-DD)", what, n->str);
        return false;
    }
    return true;
}

/* A bilingual text: {nl: …, en: …}, both required. */
static void text_value(struct load_ctx *ctx, const struct ynode *n, const char *what,
                       struct kluis_text *out)
{
    static const char *const keys[] = {"nl", "en", NULL};
    if (n->type == YNODE_SCALAR && !is_null(n)) {
        ERR(ctx, n, "schema-type", "%s must be a text in both languages: {nl: \"…\", en: \"…\"}",
            what);
        return;
    }
    if (!expect(ctx, n, YNODE_MAP, what))
        return;
    char w[200];
    snprintf(w, sizeof(w), "the Dutch/English text of %s", what);
    for (size_t i = 0; i < n->n_pairs; i++) {
        const struct ynode *k = n->pairs[i].key;
        if (k->len == 2 && (memcmp(k->str, "nl", 2) == 0 || memcmp(k->str, "en", 2) == 0))
            continue;
        const char *sugg = did_you_mean(k->str, keys);
        /* In flow style a comma ends a plain scalar: `{nl: mail, notificaties, en: …}` reads
         * as the text "mail" and a key "notificaties". Unless the key is a misspelt language,
         * that is the cause, so say so. */
        if (sugg)
            ERR(ctx, k, "schema-unknown-key", "unknown key '%s' in %s; did you mean '%s'?", k->str,
                w, sugg);
        else if (n->flow)
            ERR(ctx, k, "schema-unknown-key",
                "unknown key '%s' in %s; a comma inside {nl: …, en: …} ends the text: put the "
                "text in quotes",
                k->str, w);
        else
            ERR(ctx, k, "schema-unknown-key",
                "unknown key '%s' in %s; a text has only 'nl' and 'en'", k->str, w);
    }
    const struct ynode *nl = kluis__ymap_get(n, "nl");
    const struct ynode *en = kluis__ymap_get(n, "en");
    if (!nl || !en) {
        ERR(ctx, n, "schema-required", "%s needs both languages; '%s' is missing", what,
            nl ? "en" : "nl");
        return;
    }
    snprintf(w, sizeof(w), "the Dutch text of %s", what);
    const char *snl = str_value(ctx, nl, w);
    snprintf(w, sizeof(w), "the English text of %s", what);
    const char *sen = str_value(ctx, en, w);
    if (snl && sen) {
        out->nl = snl;
        out->en = sen;
    }
}

static void opt_text(struct load_ctx *ctx, const struct ynode *map, const char *key,
                     const char *where, struct kluis_text *out)
{
    const struct ynode *v = kluis__ymap_get(map, key);
    if (!v)
        return;
    char what[160];
    snprintf(what, sizeof(what), "'%s' of %s", key, where);
    text_value(ctx, v, what, out);
}

static void req_text(struct load_ctx *ctx, const struct ynode *map, const char *key,
                     const char *where, struct kluis_text *out)
{
    if (require(ctx, map, key, where))
        opt_text(ctx, map, key, where, out);
}

bool kluis__id_valid(const char *s, size_t len)
{
    if (len == 0 || len > 64 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static const char *id_value(struct load_ctx *ctx, const struct ynode *n, const char *what)
{
    const char *s = str_value(ctx, n, what);
    if (!s)
        return NULL;
    if (!kluis__id_valid(s, n->len)) {
        ERR(ctx, n, "schema-value",
            "'%s' in %s is not a valid id (lower-case letters, digits, '_', '-' and '.', "
            "starting with a letter, at most 64)",
            s, what);
        return NULL;
    }
    return s;
}

/* A list of ids; a single id is accepted as a list of one. */
static void id_list(struct load_ctx *ctx, const struct ynode *n, const char *what,
                    const char *const **out, size_t *out_n)
{
    if (n->type == YNODE_SCALAR && !is_null(n)) {
        const char **arr = kluis__arena_array(ctx->arena, 1, sizeof(*arr));
        if (!arr) {
            kluis__load_oom(ctx);
            return;
        }
        arr[0] = id_value(ctx, n, what);
        if (arr[0]) {
            *out = arr;
            *out_n = 1;
        }
        return;
    }
    if (!expect(ctx, n, YNODE_SEQ, what))
        return;
    const char **arr = kluis__arena_array(ctx->arena, n->n_items + 1, sizeof(*arr));
    if (!arr) {
        kluis__load_oom(ctx);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n->n_items; i++) {
        const char *id = id_value(ctx, n->items[i], what);
        if (!id)
            continue;
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(arr[j], id) == 0;
        if (dup)
            ERR(ctx, n->items[i], "schema-duplicate", "'%s' is listed twice in %s", id, what);
        else
            arr[k++] = id;
    }
    *out = arr;
    *out_n = k;
}

/* One of names (NULL-terminated); returns the index or -1. */
static int enum_value(struct load_ctx *ctx, const struct ynode *n, const char *what,
                      const char *const *names)
{
    const char *s = str_value(ctx, n, what);
    if (!s)
        return -1;
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    char list[512] = "";
    for (int i = 0; names[i]; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
    }
    const char *sugg = did_you_mean(s, names);
    if (sugg)
        ERR(ctx, n, "schema-value", "%s: '%s' is not one of %s; did you mean '%s'?", what, s, list,
            sugg);
    else
        ERR(ctx, n, "schema-value", "%s: '%s' is not one of %s", what, s, list);
    return -1;
}

static const char *country_value(struct load_ctx *ctx, const struct ynode *n, const char *what)
{
    const char *s = str_value(ctx, n, what);
    if (!s)
        return NULL;
    if (!kluis_country_name(s, KLUIS_LANG_EN)) {
        ERR(ctx, n, "schema-value",
            "%s: '%s' is not an ISO 3166-1 alpha-2 country code (such as NL, BE, US) or EU/EEA",
            what, s);
        return NULL;
    }
    return s;
}

/* Contact channels: a mapping from channel kind to address. */
static void contacts_value(struct load_ctx *ctx, const struct ynode *n, const char *what,
                           const struct kluis_contact **out, size_t *out_n)
{
    static const char *const kinds[] = {"email", "phone", "whatsapp", "web", "form", "post", NULL};
    if (!expect(ctx, n, YNODE_MAP, what))
        return;
    check_keys(ctx, n, kinds, what);
    struct kluis_contact *arr = kluis__arena_array(ctx->arena, n->n_pairs + 1, sizeof(*arr));
    if (!arr) {
        kluis__load_oom(ctx);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n->n_pairs; i++) {
        const char *v = str_value(ctx, n->pairs[i].value, what);
        if (v) {
            arr[k].kind = n->pairs[i].key->str;
            arr[k].value = v;
            k++;
        }
    }
    *out = arr;
    *out_n = k;
}

/* ---- Entity lists ------------------------------------------------------------------------- */

/*
 * Reads a section that is a list of mappings with ids. fn reads one item into slot i of the
 * array; nodes[i] keeps the item's node for phase two. Duplicate ids are reported here.
 */
typedef void (*item_fn)(struct load_ctx *ctx, const struct ynode *item, void *slot);

static void *entity_list(struct load_ctx *ctx, const struct ynode *root, const char *key,
                         size_t elem_size, item_fn fn, size_t *out_n,
                         const struct ynode ***out_nodes)
{
    const struct ynode *list = kluis__ymap_get(root, key);
    *out_n = 0;
    *out_nodes = NULL;
    if (!list || is_null(list))
        return NULL;
    char what[64];
    snprintf(what, sizeof(what), "'%s'", key);
    if (!expect(ctx, list, YNODE_SEQ, what))
        return NULL;
    unsigned char *arr = kluis__arena_array(ctx->arena, list->n_items + 1, elem_size);
    const struct ynode **nodes = kluis__arena_array(ctx->arena, list->n_items + 1, sizeof(*nodes));
    if (!arr || !nodes)
        return kluis__load_oom(ctx);
    size_t k = 0;
    for (size_t i = 0; i < list->n_items; i++) {
        const struct ynode *item = list->items[i];
        snprintf(what, sizeof(what), "an item of '%s'", key);
        if (!expect(ctx, item, YNODE_MAP, what))
            continue;
        fn(ctx, item, arr + k * elem_size);
        nodes[k++] = item;
    }
    *out_n = k;
    *out_nodes = nodes;
    return arr;
}

/* Reads and checks the `id` of an item; where is "category 'x'" for later messages. */
static const char *item_id(struct load_ctx *ctx, const struct ynode *item, const char *kind)
{
    const struct ynode *v = kluis__ymap_get(item, "id");
    char what[64];
    snprintf(what, sizeof(what), "the id of a %s", kind);
    if (!v) {
        ERR(ctx, item, "schema-required", "a %s needs an 'id'", kind);
        return NULL;
    }
    return id_value(ctx, v, what);
}

static void check_dup_ids(struct load_ctx *ctx, const void *arr, size_t n, size_t elem_size,
                          size_t id_offset, const struct ynode **nodes, const char *kind)
{
    const unsigned char *base = arr;
    for (size_t i = 0; i < n; i++) {
        const char *a = *(const char *const *)(base + i * elem_size + id_offset);
        if (!a)
            continue;
        for (size_t j = 0; j < i; j++) {
            const char *b = *(const char *const *)(base + j * elem_size + id_offset);
            if (b && strcmp(a, b) == 0) {
                const struct ynode *idn = kluis__ymap_get(nodes[i], "id");
                ERR(ctx, idn ? idn : nodes[i], "schema-duplicate",
                    "duplicate %s id '%s' (first declared on line %d)", kind, a, nodes[j]->line);
                break;
            }
        }
    }
}

/* Where an entity is: the key that names it when it is a mapping's value, else the node. */
#define POS_OF(node)                                                                               \
    ((node)->key_line ? (struct kluis_pos){(node)->key_line, (node)->key_col}                      \
                      : (struct kluis_pos){(node)->line, (node)->col})

/*
 * The start every entity loader shares: its position, its id, the name used in messages
 * ("category 'mail'", written into where) and the check of its keys. Returns the id (NULL when
 * missing or invalid, already reported).
 */
static const char *entity_begin(struct load_ctx *ctx, const struct ynode *n,
                                const char *const *keys, const char *kind,
                                struct kluis_pos *out_pos, char *where, size_t where_size)
{
    *out_pos = POS_OF(n);
    const char *id = item_id(ctx, n, kind);
    snprintf(where, where_size, "%s '%s'", kind, id ? id : "?");
    check_keys(ctx, n, keys, where);
    return id;
}

/* ---- Sections ------------------------------------------------------------------------------ */

static void load_authority(struct load_ctx *ctx, const struct ynode *n, void *slot)
{
    static const char *const keys[] = {"id",      "name",  "country", "website",
                                       "address", "email", NULL};
    struct kluis_authority *a = slot;
    char where[128];
    a->id = entity_begin(ctx, n, keys, "authority", &a->pos, where, sizeof(where));
    req_text(ctx, n, "name", where, &a->name);
    const struct ynode *c = require(ctx, n, "country", where);
    if (c)
        a->country = country_value(ctx, c, "the country of an authority");
    a->website = opt_str(ctx, n, "website", where);
    a->address = opt_str(ctx, n, "address", where);
    a->email = opt_str(ctx, n, "email", where);
}

/* A named thing with only id and name: subject groups, events, key classes. */
struct named {
    const char *id;
    struct kluis_text name;
    struct kluis_pos pos;
};

static void load_named(struct load_ctx *ctx, const struct ynode *n, void *slot, const char *kind)
{
    static const char *const keys[] = {"id", "name", NULL};
    struct named *x = slot;
    char where[128];
    x->id = entity_begin(ctx, n, keys, kind, &x->pos, where, sizeof(where));
    req_text(ctx, n, "name", where, &x->name);
}

static void load_subject_group(struct load_ctx *ctx, const struct ynode *n, void *slot)
{
    load_named(ctx, n, slot, "subject group");
}

static void load_event(struct load_ctx *ctx, const struct ynode *n, void *slot)
{
    struct kluis_event_def *e = slot;
    load_named(ctx, n, slot, "event");
    if (e->id && (strcmp(e->id, KLUIS_EVENT_CONSENT_WITHDRAWN) == 0 ||
                  strcmp(e->id, KLUIS_EVENT_SUBJECT_OBJECTED) == 0))
        ERR(ctx, n, "schema-value", "event '%s' is built in; do not declare it", e->id);
}

static void load_key_class(struct load_ctx *ctx, const struct ynode *n, void *slot)
{
    load_named(ctx, n, slot, "key class");
}

static void load_retention(struct load_ctx *ctx, const struct ynode *v, struct kluis_category *c)
{
    struct kluis_retention *r = kluis__arena_alloc(ctx->arena, sizeof(*r));
    if (!r) {
        kluis__load_oom(ctx);
        return;
    }
    r->pos = POS_OF(v);
    size_t n = v->type == YNODE_SEQ ? v->n_items : 1;
    if (n == 0) {
        ERR(ctx, v, "schema-value", "the retention of category '%s' is an empty list",
            c->id ? c->id : "?");
        return;
    }
    struct kluis_clause *cl = kluis__arena_array(ctx->arena, n, sizeof(*cl));
    if (!cl) {
        kluis__load_oom(ctx);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct ynode *item = v->type == YNODE_SEQ ? v->items[i] : v;
        if (kluis__clause_parse(ctx, item, &cl[k]))
            k++;
    }
    if (k != n)
        return;
    r->clauses = cl;
    r->n_clauses = k;
    c->retention = r;
}

static void load_category(struct load_ctx *ctx, const struct ynode *n, void *slot)
{
    static const char *const keys[] = {
        "id",     "name",    "examples",  "role",     "subjects",  "special",        "provided",
        "source", "storage", "key_class", "approval", "retention", "retention_note", "note",
        "fernet", NULL};
    static const char *const roles[] = {"controller", "processor", NULL};
    static const char *const modes[] = {"stored", "transient", NULL};
    static const char *const storage_keys[] = {"default", "tenant_may_change", NULL};
    struct kluis_category *c = slot;
    char where[128];
    c->id = entity_begin(ctx, n, keys, "category", &c->pos, where, sizeof(where));
    req_text(ctx, n, "name", where, &c->name);
    opt_text(ctx, n, "examples", where, &c->examples);
    const struct ynode *v = require(ctx, n, "role", where);
    if (v) {
        int r = enum_value(ctx, v, "the role of a category", roles);
        c->role = r == 1 ? KLUIS_ROLE_PROCESSOR : KLUIS_ROLE_CONTROLLER;
    }
    if ((v = kluis__ymap_get(n, "subjects")))
        id_list(ctx, v, "the subjects of a category", &c->subjects, &c->n_subjects);
    c->special = opt_bool(ctx, n, "special", where, false);
    c->provided = opt_bool(ctx, n, "provided", where, true);
    opt_text(ctx, n, "source", where, &c->source);
    c->storage = KLUIS_STORAGE_STORED;
    if ((v = kluis__ymap_get(n, "storage"))) {
        if (v->type == YNODE_MAP) {
            check_keys(ctx, v, storage_keys, "the storage of a category");
            const struct ynode *d = require(ctx, v, "default", "the storage of a category");
            if (d && enum_value(ctx, d, "the storage mode", modes) == 1)
                c->storage = KLUIS_STORAGE_TRANSIENT;
            c->tenant_may_change_storage =
                opt_bool(ctx, v, "tenant_may_change", "the storage of a category", false);
        } else if (enum_value(ctx, v, "the storage of a category", modes) == 1) {
            c->storage = KLUIS_STORAGE_TRANSIENT;
        }
    }
    if ((v = kluis__ymap_get(n, "key_class")))
        c->key_class = id_value(ctx, v, "the key class of a category");
    c->approval = opt_bool(ctx, n, "approval", where, false);
    c->fernet = opt_bool(ctx, n, "fernet", where, false);
    if ((v = kluis__ymap_get(n, "retention")) && !is_null(v))
        load_retention(ctx, v, c);
    if (c->retention)
        opt_text(ctx, n, "retention_note", where, (struct kluis_text *)&c->retention->note);
    else if (kluis__ymap_get(n, "retention_note") && !kluis__ymap_get(n, "retention"))
        ERR(ctx, kluis__ymap_get(n, "retention_note"), "schema-value",
            "'retention_note' of %s needs a 'retention'", where);
    opt_text(ctx, n, "note", where, &c->note);
}

static void load_purpose(struct load_ctx *ctx, const struct ynode *n, void *slot)
{
    static const char *const keys[] = {
        "id",           "name",   "description",      "role",     "basis",
        "categories",   "stores", "consent",          "interest", "balancing",
        "legal_source", "art9",   "direct_marketing", "note",     NULL};
    static const char *const roles[] = {"controller", "processor", NULL};
    static const char *const bases[] = {"consent",
                                        "contract",
                                        "legal_obligation",
                                        "vital_interests",
                                        "public_task",
                                        "legitimate_interest",
                                        NULL};
    static const char *const art9[] = {"explicit_consent", "employment",  "vital_interests",
                                       "not_for_profit",   "made_public", "legal_claims",
                                       "public_interest",  "health_care", "public_health",
                                       "archiving",        NULL};
    struct kluis_purpose *p = slot;
    char where[128];
    p->id = entity_begin(ctx, n, keys, "purpose", &p->pos, where, sizeof(where));
    req_text(ctx, n, "name", where, &p->name);
    opt_text(ctx, n, "description", where, &p->description);
    const struct ynode *v;
    p->role = KLUIS_ROLE_CONTROLLER;
    if ((v = kluis__ymap_get(n, "role")) && enum_value(ctx, v, "the role of a purpose", roles) == 1)
        p->role = KLUIS_ROLE_PROCESSOR;
    if ((v = kluis__ymap_get(n, "basis"))) {
        int b = enum_value(ctx, v, "the legal basis of a purpose", bases);
        p->basis = b < 0 ? KLUIS_BASIS_NONE : (enum kluis_basis)(b + 1);
    }
    if ((v = kluis__ymap_get(n, "categories")))
        id_list(ctx, v, "the categories of a purpose", &p->categories, &p->n_categories);
    if ((v = kluis__ymap_get(n, "stores"))) {
        p->stores_given = true;
        if (!is_null(v))
            id_list(ctx, v, "the stored categories of a purpose", &p->stores, &p->n_stores);
    }
    if ((v = kluis__ymap_get(n, "consent")))
        p->consent = id_value(ctx, v, "the consent of a purpose");
    opt_text(ctx, n, "interest", where, &p->interest);
    opt_text(ctx, n, "balancing", where, &p->balancing);
    p->legal_source = opt_str(ctx, n, "legal_source", where);
    if ((v = kluis__ymap_get(n, "art9"))) {
        int c = enum_value(ctx, v, "the art. 9(2) condition of a purpose", art9);
        p->art9 = c < 0 ? KLUIS_ART9_NONE : (enum kluis_art9)(c + 1);
    }
    p->direct_marketing = opt_bool(ctx, n, "direct_marketing", where, false);
    opt_text(ctx, n, "note", where, &p->note);
}

static void load_consent(struct load_ctx *ctx, const struct ynode *n, void *slot)
{
    static const char *const keys[] = {"id", "text", "version", "withdraw", NULL};
    struct kluis_consent *c = slot;
    char where[128];
    c->id = entity_begin(ctx, n, keys, "consent", &c->pos, where, sizeof(where));
    req_text(ctx, n, "text", where, &c->text);
    c->version = opt_str(ctx, n, "version", where);
    opt_text(ctx, n, "withdraw", where, &c->withdraw);
}

static void load_subprocessor(struct load_ctx *ctx, const struct ynode *n, void *slot)
{
    static const char *const keys[] = {"id",        "name",       "purpose",  "role", "locations",
                                       "transfer",  "categories", "purposes", "dpa",  "note",
                                       "announced", "effective",  NULL};
    static const char *const roles[] = {"processor", "controller", NULL};
    static const char *const mechs[] = {"adequacy", "dpf", "scc", "bcr", "derogation", NULL};
    struct kluis_subprocessor *s = slot;
    char where[128];
    s->id = entity_begin(ctx, n, keys, "sub-processor", &s->pos, where, sizeof(where));
    const struct ynode *v = require(ctx, n, "name", where);
    if (v)
        s->name = str_value(ctx, v, "the name of a sub-processor");
    opt_text(ctx, n, "purpose", where, &s->purpose);
    if ((v = kluis__ymap_get(n, "role")) &&
        enum_value(ctx, v, "the role of a sub-processor", roles) == 1)
        s->role = KLUIS_RECIPIENT_CONTROLLER;
    if ((v = require(ctx, n, "locations", where))) {
        if (v->type == YNODE_SCALAR)
            ERR(ctx, v, "schema-type", "'locations' of %s must be a list: [%s]", where, v->str);
        else if (expect(ctx, v, YNODE_SEQ, "'locations'")) {
            const char **arr = kluis__arena_array(ctx->arena, v->n_items + 1, sizeof(*arr));
            if (!arr) {
                kluis__load_oom(ctx);
                return;
            }
            size_t k = 0;
            for (size_t i = 0; i < v->n_items; i++) {
                const char *cc = country_value(ctx, v->items[i], "a location");
                if (cc)
                    arr[k++] = cc;
            }
            s->locations = arr;
            s->n_locations = k;
        }
    }
    if ((v = kluis__ymap_get(n, "transfer")) && !is_null(v)) {
        if (v->type == YNODE_SCALAR) {
            int m = enum_value(ctx, v, "a transfer mechanism", mechs);
            if (m >= 0)
                s->transfers |= 1u << m;
        } else if (expect(ctx, v, YNODE_SEQ, "'transfer'")) {
            for (size_t i = 0; i < v->n_items; i++) {
                int m = enum_value(ctx, v->items[i], "a transfer mechanism", mechs);
                if (m >= 0)
                    s->transfers |= 1u << m;
            }
        }
    }
    if ((v = kluis__ymap_get(n, "categories")))
        id_list(ctx, v, "the categories of a sub-processor", &s->categories, &s->n_categories);
    if ((v = kluis__ymap_get(n, "purposes"))) {
        /* An empty list would silently mean "every purpose that uses its categories". */
        if (v->type == YNODE_SEQ && v->n_items == 0)
            ERR(ctx, v, "schema-value",
                "'purposes' of %s is an empty list; name the purposes it serves, or leave the "
                "key out",
                where);
        else
            id_list(ctx, v, "the purposes of a sub-processor", &s->purposes, &s->n_purposes);
    }
    s->dpa = opt_bool(ctx, n, "dpa", where, false);
    opt_text(ctx, n, "note", where, &s->note);
    if ((v = kluis__ymap_get(n, "announced")))
        s->has_announced = date_value(ctx, v, "'announced'", &s->announced);
    if ((v = kluis__ymap_get(n, "effective")))
        s->has_effective = date_value(ctx, v, "'effective'", &s->effective);
}

static void load_organisation(struct load_ctx *ctx, const struct ynode *root,
                              struct kluis_policy *p)
{
    static const char *const keys[] = {"name", "address", "country", "timezone", "registry",
                                       "vat",  "contact", "dpo",     NULL};
    static const char *const reg_keys[] = {"name", "number", NULL};
    static const char *const dpo_keys[] = {"appointed", "name", "contact", "reason", NULL};
    const struct ynode *n = require(ctx, root, "organisation", "the policy");
    if (!n || !expect(ctx, n, YNODE_MAP, "'organisation'"))
        return;
    struct kluis_organisation *o = &p->org;
    check_keys(ctx, n, keys, "'organisation'");
    o->pos = POS_OF(n);
    const struct ynode *v;
    if ((v = require(ctx, n, "name", "'organisation'")))
        o->name = str_value(ctx, v, "the organisation's name");
    if ((v = require(ctx, n, "address", "'organisation'")))
        o->address = str_value(ctx, v, "the organisation's address");
    if ((v = require(ctx, n, "country", "'organisation'")))
        o->country = country_value(ctx, v, "the organisation's country");
    o->timezone = opt_str(ctx, n, "timezone", "'organisation'");
    if (!o->timezone && o->country) {
        if (strcmp(o->country, "NL") == 0)
            o->timezone = "Europe/Amsterdam";
        else if (strcmp(o->country, "BE") == 0)
            o->timezone = "Europe/Brussels";
    }
    if (o->timezone && (strstr(o->timezone, "..") || o->timezone[0] == '/'))
        ERR(ctx, kluis__ymap_get(n, "timezone"), "schema-value",
            "'%s' is not a time zone name such as Europe/Amsterdam", o->timezone);
    if ((v = kluis__ymap_get(n, "registry")) && expect(ctx, v, YNODE_MAP, "'registry'")) {
        check_keys(ctx, v, reg_keys, "'registry'");
        req_text(ctx, v, "name", "'registry'", &o->registry_name);
        o->registry_number = opt_str(ctx, v, "number", "'registry'");
    }
    o->vat = opt_str(ctx, n, "vat", "'organisation'");
    if ((v = require(ctx, n, "contact", "'organisation'")))
        contacts_value(ctx, v, "the organisation's contact", &o->contacts, &o->n_contacts);
    if ((v = require(ctx, n, "dpo", "'organisation'")) && expect(ctx, v, YNODE_MAP, "'dpo'")) {
        check_keys(ctx, v, dpo_keys, "'dpo'");
        o->dpo.pos = POS_OF(v);
        const struct ynode *a = require(ctx, v, "appointed", "'dpo'");
        if (a)
            bool_value(ctx, a, "'appointed'", &o->dpo.appointed);
        o->dpo.name = opt_str(ctx, v, "name", "'dpo'");
        const struct ynode *c = kluis__ymap_get(v, "contact");
        if (c)
            contacts_value(ctx, c, "the DPO's contact", &o->dpo.contacts, &o->dpo.n_contacts);
        opt_text(ctx, v, "reason", "'dpo'", &o->dpo.reason);
    }
}

static void load_rights(struct load_ctx *ctx, const struct ynode *root, struct kluis_policy *p)
{
    static const char *const keys[] = {"deadline", "extension", "contact", "verification",
                                       "formats",  "note",      NULL};
    static const char *const ver_keys[] = {"method", "text", NULL};
    static const char *const methods[] = {KLUIS_VERIFY_METHODS, NULL};
    static const char *const formats[] = {"json", "csv", NULL};
    struct kluis_rights *r = &p->rights;
    const struct ynode *n = kluis__ymap_get(root, "rights");
    if (!n || !expect(ctx, n, YNODE_MAP, "'rights'"))
        return;
    check_keys(ctx, n, keys, "'rights'");
    r->pos = POS_OF(n);
    r->has_deadline = opt_duration(ctx, n, "deadline", "'rights'", &r->deadline);
    r->has_extension = opt_duration(ctx, n, "extension", "'rights'", &r->extension);
    const struct ynode *v;
    if ((v = kluis__ymap_get(n, "contact")))
        contacts_value(ctx, v, "the rights contact", &r->channels, &r->n_channels);
    if ((v = kluis__ymap_get(n, "verification")) && expect(ctx, v, YNODE_MAP, "'verification'")) {
        check_keys(ctx, v, ver_keys, "'verification'");
        const struct ynode *m = kluis__ymap_get(v, "method");
        if (m) {
            int i = enum_value(ctx, m, "the verification method", methods);
            if (i >= 0)
                r->verification_method = methods[i];
        }
        opt_text(ctx, v, "text", "'verification'", &r->verification);
    }
    if ((v = kluis__ymap_get(n, "formats")) && expect(ctx, v, YNODE_SEQ, "'formats'")) {
        const char **arr = kluis__arena_array(ctx->arena, v->n_items + 1, sizeof(*arr));
        if (!arr) {
            kluis__load_oom(ctx);
            return;
        }
        size_t k = 0;
        for (size_t i = 0; i < v->n_items; i++) {
            int f = enum_value(ctx, v->items[i], "an export format", formats);
            if (f >= 0)
                arr[k++] = formats[f];
        }
        r->formats = arr;
        r->n_formats = k;
    }
    opt_text(ctx, n, "note", "'rights'", &r->note);
}

static void load_cookies(struct load_ctx *ctx, const struct ynode *root, struct kluis_policy *p)
{
    static const char *const keys[] = {"consent", "text", "items", NULL};
    static const char *const item_keys[] = {"name",    "kind",      "third_party",
                                            "purpose", "retention", NULL};
    static const char *const kinds[] = {"functional", "analytics", "marketing", NULL};
    const struct ynode *n = kluis__ymap_get(root, "cookies");
    if (!n || !expect(ctx, n, YNODE_MAP, "'cookies'"))
        return;
    check_keys(ctx, n, keys, "'cookies'");
    p->cookies_pos = POS_OF(n);
    p->cookie_consent = opt_bool(ctx, n, "consent", "'cookies'", false);
    opt_text(ctx, n, "text", "'cookies'", &p->cookie_text);
    const struct ynode *items = kluis__ymap_get(n, "items");
    if (!items || !expect(ctx, items, YNODE_SEQ, "'items' of 'cookies'"))
        return;
    p->cookies = kluis__arena_array(ctx->arena, items->n_items + 1, sizeof(*p->cookies));
    if (!p->cookies) {
        kluis__load_oom(ctx);
        return;
    }
    for (size_t i = 0; i < items->n_items; i++) {
        const struct ynode *it = items->items[i];
        if (!expect(ctx, it, YNODE_MAP, "a cookie"))
            continue;
        struct kluis_cookie *c = &p->cookies[p->n_cookies++];
        check_keys(ctx, it, item_keys, "a cookie");
        c->pos = POS_OF(it);
        const struct ynode *v = require(ctx, it, "name", "a cookie");
        if (v)
            c->name = str_value(ctx, v, "the name of a cookie");
        if ((v = require(ctx, it, "kind", "a cookie"))) {
            int k = enum_value(ctx, v, "the kind of a cookie", kinds);
            c->kind = k < 0 ? KLUIS_COOKIE_FUNCTIONAL : (enum kluis_cookie_kind)k;
        }
        c->third_party = opt_bool(ctx, it, "third_party", "a cookie", false);
        opt_text(ctx, it, "purpose", "a cookie", &c->purpose);
        c->has_retention = opt_duration(ctx, it, "retention", "a cookie", &c->retention);
    }
}

static void load_small_sections(struct load_ctx *ctx, const struct ynode *root,
                                struct kluis_policy *p)
{
    static const char *const stmt_keys[] = {"version", "date", NULL};
    static const char *const roles_keys[] = {"controller", "processor", NULL};
    static const char *const transfers_keys[] = {"measures", NULL};
    static const char *const backups_keys[] = {"retention", "text", NULL};
    static const char *const ks_keys[] = {"backup_retention", NULL};
    static const char *const audit_keys[] = {"retention", NULL};
    static const char *const auto_keys[] = {"used", "text", "logic", NULL};
    static const char *const breach_keys[] = {"authority_within", "text", NULL};
    static const char *const changes_keys[] = {"notice", "subprocessor_notice", "text", NULL};
    const struct ynode *n;

    p->statement_date = -1;
    if ((n = kluis__ymap_get(root, "statement")) && expect(ctx, n, YNODE_MAP, "'statement'")) {
        check_keys(ctx, n, stmt_keys, "'statement'");
        p->statement_version = opt_str(ctx, n, "version", "'statement'");
        const struct ynode *d = kluis__ymap_get(n, "date");
        if (d)
            date_value(ctx, d, "the statement date", &p->statement_date);
    }
    if ((n = kluis__ymap_get(root, "roles")) && expect(ctx, n, YNODE_MAP, "'roles'")) {
        check_keys(ctx, n, roles_keys, "'roles'");
        opt_text(ctx, n, "controller", "'roles'", &p->role_text[KLUIS_ROLE_CONTROLLER]);
        opt_text(ctx, n, "processor", "'roles'", &p->role_text[KLUIS_ROLE_PROCESSOR]);
    }
    if ((n = kluis__ymap_get(root, "transfers")) && expect(ctx, n, YNODE_MAP, "'transfers'")) {
        check_keys(ctx, n, transfers_keys, "'transfers'");
        opt_text(ctx, n, "measures", "'transfers'", &p->transfer_text);
    }
    if ((n = kluis__ymap_get(root, "security")) && !is_null(n) &&
        expect(ctx, n, YNODE_SEQ, "'security'")) {
        p->security = kluis__arena_array(ctx->arena, n->n_items + 1, sizeof(*p->security));
        if (!p->security) {
            kluis__load_oom(ctx);
            return;
        }
        for (size_t i = 0; i < n->n_items; i++) {
            struct kluis_text t = {0};
            text_value(ctx, n->items[i], "a security measure", &t);
            if (t.nl)
                p->security[p->n_security++] = t;
        }
    }
    if ((n = kluis__ymap_get(root, "backups")) && expect(ctx, n, YNODE_MAP, "'backups'")) {
        check_keys(ctx, n, backups_keys, "'backups'");
        p->backups_pos = POS_OF(n);
        p->has_backup_retention =
            opt_duration(ctx, n, "retention", "'backups'", &p->backup_retention);
        opt_text(ctx, n, "text", "'backups'", &p->backup_text);
    }
    if ((n = kluis__ymap_get(root, "key_store")) && expect(ctx, n, YNODE_MAP, "'key_store'")) {
        check_keys(ctx, n, ks_keys, "'key_store'");
        p->has_key_backup_retention =
            opt_duration(ctx, n, "backup_retention", "'key_store'", &p->key_backup_retention);
    }
    if ((n = kluis__ymap_get(root, "audit")) && expect(ctx, n, YNODE_MAP, "'audit'")) {
        check_keys(ctx, n, audit_keys, "'audit'");
        p->has_audit_retention = opt_duration(ctx, n, "retention", "'audit'", &p->audit_retention);
    }
    if ((n = kluis__ymap_get(root, "automated_decisions")) &&
        expect(ctx, n, YNODE_MAP, "'automated_decisions'")) {
        check_keys(ctx, n, auto_keys, "'automated_decisions'");
        p->automated_pos = POS_OF(n);
        const struct ynode *u = require(ctx, n, "used", "'automated_decisions'");
        if (u)
            bool_value(ctx, u, "'used'", &p->automated_used);
        opt_text(ctx, n, "text", "'automated_decisions'", &p->automated_text);
        opt_text(ctx, n, "logic", "'automated_decisions'", &p->automated_logic);
    }
    if ((n = kluis__ymap_get(root, "breach")) && expect(ctx, n, YNODE_MAP, "'breach'")) {
        check_keys(ctx, n, breach_keys, "'breach'");
        p->breach_pos = POS_OF(n);
        struct kluis_duration d;
        const struct ynode *w = kluis__ymap_get(n, "authority_within");
        if (w && duration_value(ctx, w, "'authority_within'", &d)) {
            if (d.unit == KLUIS_UNIT_HOUR || d.unit == KLUIS_UNIT_DAY ||
                d.unit == KLUIS_UNIT_WEEK) {
                p->has_breach_hours = true;
                p->breach_hours = d.unit == KLUIS_UNIT_HOUR  ? d.n
                                  : d.unit == KLUIS_UNIT_DAY ? d.n * 24
                                                             : d.n * 24 * 7;
            } else {
                ERR(ctx, w, "schema-value",
                    "'authority_within' is counted in hours (72h), not months or years");
            }
        }
        opt_text(ctx, n, "text", "'breach'", &p->breach_text);
    }
    if ((n = kluis__ymap_get(root, "changes")) && expect(ctx, n, YNODE_MAP, "'changes'")) {
        check_keys(ctx, n, changes_keys, "'changes'");
        p->has_change_notice = opt_duration(ctx, n, "notice", "'changes'", &p->change_notice);
        p->has_subprocessor_notice =
            opt_duration(ctx, n, "subprocessor_notice", "'changes'", &p->subprocessor_notice);
        opt_text(ctx, n, "text", "'changes'", &p->change_text);
    }
}

static void load_section(struct load_ctx *ctx, const struct ynode *n, void *slot)
{
    static const char *const keys[] = {"title", "body", NULL};
    struct kluis_section *s = slot;
    check_keys(ctx, n, keys, "a section");
    s->pos = POS_OF(n);
    req_text(ctx, n, "title", "a section", &s->title);
    req_text(ctx, n, "body", "a section", &s->body);
}

static void load_ack(struct load_ctx *ctx, const struct ynode *n, void *slot)
{
    static const char *const keys[] = {"rule", "at", "reason", NULL};
    struct kluis_ack *a = slot;
    check_keys(ctx, n, keys, "an acknowledgement");
    a->pos = POS_OF(n);
    const struct ynode *v;
    if ((v = require(ctx, n, "rule", "an acknowledgement")))
        a->rule = str_value(ctx, v, "the rule of an acknowledgement");
    if ((v = kluis__ymap_get(n, "at")))
        a->at = str_value(ctx, v, "'at' of an acknowledgement");
    if ((v = require(ctx, n, "reason", "an acknowledgement")))
        a->reason = str_value(ctx, v, "the reason of an acknowledgement");
}

/* ---- Phase two: references ----------------------------------------------------------------- */

struct nodes {
    const struct ynode **categories, **purposes, **subprocessors, **acks, **authorities,
        **subject_groups, **events, **key_classes, **consents, **sections;
};

/* Reports a reference to an id that is not declared, with the closest declared one. */
static void dangling(struct load_ctx *ctx, const struct ynode *at, const char *kind, const char *id,
                     const char *where, const char *const *declared)
{
    const char *sugg = declared ? did_you_mean(id, declared) : NULL;
    if (sugg)
        ERR(ctx, at, "schema-reference", "%s '%s' of %s is not declared; did you mean '%s'?", kind,
            id, where, sugg);
    else
        ERR(ctx, at, "schema-reference", "%s '%s' of %s is not declared", kind, id, where);
}

/* The ids of an entity array as a NULL-terminated list, for suggestions. */
static const char *const *ids_of(struct load_ctx *ctx, const void *arr, size_t n, size_t elem_size)
{
    const char **ids = kluis__arena_array(ctx->arena, n + 1, sizeof(*ids));
    if (!ids)
        return kluis__load_oom(ctx);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *id = *(const char *const *)((const unsigned char *)arr + i * elem_size);
        if (id)
            ids[k++] = id;
    }
    return ids;
}

/* Checks each id in list (from node key of item) against declared; reports with the item
 * node's positions of the list entries when available. */
static void check_refs(struct load_ctx *ctx, const struct ynode *item, const char *key,
                       const char *const *list, size_t n, const char *kind, const char *where,
                       const char *const *declared)
{
    const struct ynode *ln = kluis__ymap_get(item, key);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; declared && declared[j] && !found; j++)
            found = strcmp(declared[j], list[i]) == 0;
        if (found)
            continue;
        const struct ynode *at = ln;
        if (ln && ln->type == YNODE_SEQ)
            for (size_t j = 0; j < ln->n_items; j++)
                if (strcmp(ln->items[j]->str ? ln->items[j]->str : "", list[i]) == 0)
                    at = ln->items[j];
        dangling(ctx, at ? at : item, kind, list[i], where, declared);
    }
}

/*
 * A built-in event must be one that can happen to its purpose: consent can only be withdrawn
 * from a purpose that rests on it (art. 7(3)), and the right to object of art. 21 exists only
 * against processing on legitimate interest or public task, and against direct marketing.
 * Otherwise the clause waits for an event that never comes.
 */
static void check_builtin_event(struct load_ctx *ctx, const struct kluis_policy *p,
                                const struct kluis_event_ref *e, const struct ynode *at,
                                const char *where)
{
    const struct kluis_purpose *pu = kluis_policy_find_purpose(p, e->purpose);
    if (!pu)
        return; /* reported as a dangling reference */
    if (strcmp(e->event, KLUIS_EVENT_CONSENT_WITHDRAWN) == 0 && pu->basis != KLUIS_BASIS_CONSENT &&
        pu->art9 != KLUIS_ART9_EXPLICIT_CONSENT)
        ERR(ctx, at, "schema-reference",
            "%s(%s) in %s: purpose '%s' does not rest on consent (basis: consent, or art9: "
            "explicit_consent), so there is no consent to withdraw",
            e->event, e->purpose, where, e->purpose);
    if (strcmp(e->event, KLUIS_EVENT_SUBJECT_OBJECTED) == 0 &&
        pu->basis != KLUIS_BASIS_LEGITIMATE_INTEREST && pu->basis != KLUIS_BASIS_PUBLIC_TASK &&
        !pu->direct_marketing)
        ERR(ctx, at, "schema-reference",
            "%s(%s) in %s: purpose '%s' rests neither on legitimate_interest nor on public_task "
            "and is not direct_marketing; the right to object (art. 21) applies only there",
            e->event, e->purpose, where, e->purpose);
}

static void check_anchor_refs(struct load_ctx *ctx, const struct kluis_policy *p,
                              const struct kluis_anchor *a, const struct ynode *at,
                              const char *where, const char *const *events,
                              const char *const *purposes)
{
    if (a->kind != KLUIS_ANCHOR_EVENT)
        return;
    for (size_t i = 0; i < a->n_events; i++) {
        const struct kluis_event_ref *e = &a->events[i];
        if (e->purpose) {
            const char *const one[] = {e->purpose, NULL};
            check_refs(ctx, at, "", one, 1, "purpose", where, purposes);
            check_builtin_event(ctx, p, e, at, where);
            continue;
        }
        const char *const one[] = {e->event, NULL};
        check_refs(ctx, at, "", one, 1, "event", where, events);
    }
}

static void resolve(struct load_ctx *ctx, struct kluis_policy *p, const struct nodes *nd)
{
    const char *const *cats = ids_of(ctx, p->categories, p->n_categories, sizeof(*p->categories));
    const char *const *purps = ids_of(ctx, p->purposes, p->n_purposes, sizeof(*p->purposes));
    const char *const *groups =
        ids_of(ctx, p->subject_groups, p->n_subject_groups, sizeof(*p->subject_groups));
    const char *const *events = ids_of(ctx, p->events, p->n_events, sizeof(*p->events));
    const char *const *classes =
        ids_of(ctx, p->key_classes, p->n_key_classes, sizeof(*p->key_classes));
    const char *const *consents = ids_of(ctx, p->consents, p->n_consents, sizeof(*p->consents));
    if (ctx->rc != KLUIS_OK)
        return;
    char where[160];

    for (size_t i = 0; i < p->n_categories; i++) {
        const struct kluis_category *c = &p->categories[i];
        snprintf(where, sizeof(where), "category '%s'", c->id ? c->id : "?");
        check_refs(ctx, nd->categories[i], "subjects", c->subjects, c->n_subjects, "subject group",
                   where, groups);
        if (c->key_class)
            check_refs(ctx, nd->categories[i], "key_class", &c->key_class, 1, "key class", where,
                       classes);
        if (!c->retention)
            continue;
        for (size_t k = 0; k < c->retention->n_clauses; k++) {
            const struct kluis_clause *cl = &c->retention->clauses[k];
            struct ynode at = {.type = YNODE_SCALAR, .line = cl->pos.line, .col = cl->pos.col};
            char w[200];
            snprintf(w, sizeof(w), "the retention of %s", where);
            check_anchor_refs(ctx, p, &cl->anchor, &at, w, events, purps);
        }
    }
    for (size_t i = 0; i < p->n_purposes; i++) {
        const struct kluis_purpose *pu = &p->purposes[i];
        snprintf(where, sizeof(where), "purpose '%s'", pu->id ? pu->id : "?");
        check_refs(ctx, nd->purposes[i], "categories", pu->categories, pu->n_categories, "category",
                   where, cats);
        check_refs(ctx, nd->purposes[i], "stores", pu->stores, pu->n_stores, "category", where,
                   cats);
        for (size_t k = 0; k < pu->n_stores; k++)
            if (!kluis_purpose_uses(pu, pu->stores[k]))
                ERR(ctx, kluis__ymap_get(nd->purposes[i], "stores"), "schema-reference",
                    "%s stores category '%s' but does not list it under 'categories'", where,
                    pu->stores[k]);
        if (pu->consent)
            check_refs(ctx, nd->purposes[i], "consent", &pu->consent, 1, "consent", where,
                       consents);
    }
    for (size_t i = 0; i < p->n_subprocessors; i++) {
        const struct kluis_subprocessor *s = &p->subprocessors[i];
        snprintf(where, sizeof(where), "sub-processor '%s'", s->id ? s->id : "?");
        check_refs(ctx, nd->subprocessors[i], "categories", s->categories, s->n_categories,
                   "category", where, cats);
        check_refs(ctx, nd->subprocessors[i], "purposes", s->purposes, s->n_purposes, "purpose",
                   where, purps);
    }
    size_t n_rules = 0;
    const struct kluis_rule_info *rules = kluis_policy_rules(&n_rules);
    const char **rule_ids = kluis__arena_array(ctx->arena, n_rules + 1, sizeof(*rule_ids));
    if (!rule_ids) {
        kluis__load_oom(ctx);
        return;
    }
    for (size_t i = 0; i < n_rules; i++)
        rule_ids[i] = rules[i].id;
    for (size_t i = 0; i < p->n_acks; i++) {
        const struct kluis_ack *a = &p->acks[i];
        if (!a->rule)
            continue;
        bool known = false;
        for (size_t j = 0; j < n_rules && !known; j++)
            known = strcmp(rules[j].id, a->rule) == 0 && strcmp(a->rule, "ack-unused") != 0;
        if (!known) {
            const struct ynode *rn = kluis__ymap_get(nd->acks[i], "rule");
            if (strncmp(a->rule, "schema-", 7) == 0 || strcmp(a->rule, "yaml") == 0)
                ERR(ctx, rn, "schema-value", "schema findings cannot be acknowledged: fix them");
            else
                dangling(ctx, rn, "rule", a->rule, "an acknowledgement", rule_ids);
        }
    }
}

/* ---- Entry points -------------------------------------------------------------------------- */

static struct kluis_policy *build(struct load_ctx *ctx, const struct ynode *root)
{
    static const char *const top_keys[] = {"kluis",       "statement",   "organisation",
                                           "authorities", "roles",       "subjects",
                                           "events",      "key_classes", "categories",
                                           "purposes",    "consents",    "subprocessors",
                                           "transfers",   "security",    "backups",
                                           "key_store",   "audit",       "automated_decisions",
                                           "breach",      "rights",      "cookies",
                                           "changes",     "sections",    "acknowledged",
                                           NULL};

    struct kluis_policy *p = kluis__arena_alloc(ctx->arena, sizeof(*p));
    if (!p)
        return kluis__load_oom(ctx);
    p->arena = ctx->arena;
    p->file = ctx->file;
    p->statement_date = -1;

    if (!root || is_null(root)) {
        kluis__load_error(ctx, "schema-required", 1, 1,
                          "the policy is empty; it needs at least 'kluis: 1', 'organisation' and "
                          "'categories'");
        return p;
    }
    if (!expect(ctx, root, YNODE_MAP, "the policy"))
        return p;
    check_keys(ctx, root, top_keys, "the policy");

    const struct ynode *ver = kluis__ymap_get(root, "kluis");
    if (!ver)
        kluis__load_error(ctx, "schema-version", 1, 1,
                          "the policy must start with 'kluis: %d' (the language version)",
                          KLUIS_POLICY_VERSION);
    else if (ver->type != YNODE_SCALAR || strcmp(ver->str, "1") != 0)
        ERR(ctx, ver, "schema-version",
            "this kluis reads policy language version %d; the file says '%s'", KLUIS_POLICY_VERSION,
            ver->type == YNODE_SCALAR ? ver->str : "?");

    struct nodes nd = {0};
    load_organisation(ctx, root, p);
    p->authorities = entity_list(ctx, root, "authorities", sizeof(*p->authorities), load_authority,
                                 &p->n_authorities, &nd.authorities);
    p->subject_groups = entity_list(ctx, root, "subjects", sizeof(*p->subject_groups),
                                    load_subject_group, &p->n_subject_groups, &nd.subject_groups);
    p->events =
        entity_list(ctx, root, "events", sizeof(*p->events), load_event, &p->n_events, &nd.events);
    p->key_classes = entity_list(ctx, root, "key_classes", sizeof(*p->key_classes), load_key_class,
                                 &p->n_key_classes, &nd.key_classes);
    p->categories = entity_list(ctx, root, "categories", sizeof(*p->categories), load_category,
                                &p->n_categories, &nd.categories);
    p->purposes = entity_list(ctx, root, "purposes", sizeof(*p->purposes), load_purpose,
                              &p->n_purposes, &nd.purposes);
    p->consents = entity_list(ctx, root, "consents", sizeof(*p->consents), load_consent,
                              &p->n_consents, &nd.consents);
    p->subprocessors = entity_list(ctx, root, "subprocessors", sizeof(*p->subprocessors),
                                   load_subprocessor, &p->n_subprocessors, &nd.subprocessors);
    p->sections = entity_list(ctx, root, "sections", sizeof(*p->sections), load_section,
                              &p->n_sections, &nd.sections);
    p->acks =
        entity_list(ctx, root, "acknowledged", sizeof(*p->acks), load_ack, &p->n_acks, &nd.acks);
    load_small_sections(ctx, root, p);
    load_rights(ctx, root, p);
    load_cookies(ctx, root, p);
    if (ctx->rc != KLUIS_OK)
        return p;

    if (!kluis__ymap_get(root, "categories"))
        kluis__load_error(ctx, "schema-required", root->line, root->col,
                          "the policy needs 'categories': at least one category of personal data");

#define DUPS(arr, n, type, nodes, kind)                                                            \
    check_dup_ids(ctx, arr, n, sizeof(type), offsetof(type, id), nodes, kind)
    DUPS(p->authorities, p->n_authorities, struct kluis_authority, nd.authorities, "authority");
    DUPS(p->subject_groups, p->n_subject_groups, struct kluis_subject_group, nd.subject_groups,
         "subject group");
    DUPS(p->events, p->n_events, struct kluis_event_def, nd.events, "event");
    DUPS(p->key_classes, p->n_key_classes, struct kluis_key_class, nd.key_classes, "key class");
    DUPS(p->categories, p->n_categories, struct kluis_category, nd.categories, "category");
    DUPS(p->purposes, p->n_purposes, struct kluis_purpose, nd.purposes, "purpose");
    DUPS(p->consents, p->n_consents, struct kluis_consent, nd.consents, "consent");
    DUPS(p->subprocessors, p->n_subprocessors, struct kluis_subprocessor, nd.subprocessors,
         "sub-processor");
#undef DUPS
    resolve(ctx, p, &nd);
    return p;
}

kluis_rc kluis_policy_load_buffer(const char *buf, size_t len, const char *name,
                                  struct kluis_findings *findings, struct kluis_policy **out_policy,
                                  struct kluis_err *err)
{
    if (!buf && len)
        return kluis_err_set(err, KLUIS_EINVAL, "no policy text given");
    if (!name)
        name = "<policy>";
    if (len > KLUIS_POLICY_MAX_BYTES) {
        kluis__findings_add(findings, KLUIS_SEV_ERROR, "schema-limit", NULL, name, 0, 0, NULL, NULL,
                            "the policy is too large (%zu bytes; at most %u)", len,
                            KLUIS_POLICY_MAX_BYTES);
        return kluis_err_set(err, KLUIS_ETOOBIG, "the policy is too large");
    }
    struct kluis_arena *arena = kluis__arena_new();
    if (!arena)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    const char *file = kluis__arena_strdup(arena, name);
    if (!file) {
        kluis__arena_free(arena);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    }
    struct ynode *root = NULL;
    kluis_rc rc = kluis__yaml_parse(arena, buf ? buf : "", len, file, findings, &root);
    if (rc != KLUIS_OK) {
        kluis__arena_free(arena);
        if (rc == KLUIS_ENOMEM)
            return kluis_err_set(err, rc, "out of memory");
        return kluis_err_set(err, KLUIS_EPOLICY, "%s: the policy is not valid YAML", name);
    }
    struct load_ctx ctx = {.arena = arena, .file = file, .findings = findings, .rc = KLUIS_OK};
    struct kluis_policy *p = build(&ctx, root);
    if (ctx.rc != KLUIS_OK) {
        kluis__arena_free(arena);
        return kluis_err_set(err, ctx.rc, "out of memory");
    }
    if (ctx.n_errors) {
        kluis__arena_free(arena);
        kluis_err_set(err, KLUIS_EPOLICY, "%s: the policy has %zu error%s", name, ctx.n_errors,
                      ctx.n_errors == 1 ? "" : "s");
        kluis_err_hint(err, "run 'kluis check %s' to see them", name);
        return KLUIS_EPOLICY;
    }
    *out_policy = p;
    return KLUIS_OK;
}

kluis_rc kluis_policy_load_file(const char *path, struct kluis_findings *findings,
                                struct kluis_policy **out_policy, struct kluis_err *err)
{
    char *data = NULL;
    size_t len = 0;
    kluis_rc rc = kluis__read_file(path, KLUIS_POLICY_MAX_BYTES, &data, &len, err);
    if (rc == KLUIS_ETOOBIG)
        kluis__findings_add(findings, KLUIS_SEV_ERROR, "schema-limit", NULL, path, 0, 0, NULL, NULL,
                            "the policy is too large (at most %u bytes)", KLUIS_POLICY_MAX_BYTES);
    if (rc != KLUIS_OK)
        return rc;
    rc = kluis_policy_load_buffer(data, len, path, findings, out_policy, err);
    free(data);
    return rc;
}

void kluis_policy_free(struct kluis_policy *p)
{
    if (p)
        kluis__arena_free(p->arena);
}
