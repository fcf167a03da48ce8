/*
 * The engine: the policy enforced on the store.
 *
 * Every operation is one store transaction: it reads what it needs (the tenant, its settings,
 * the events that concern a record, the active holds), asks retention.h for each record's expiry
 * and legal minimum, and writes. An operation that fails part-way is rolled back whole, so a
 * record is never written without its retention, and an event is never recorded without the
 * expiries it changes.
 *
 * Subjects are stored only as keyed hashes (HMAC-SHA256 over tenant and reference, keyed by a
 * secret of the store): the same reference finds the same records, but the store never holds it.
 */
#include "engine/engine_internal.h"

#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Open / close ------------------------------------------------------------------------- */

/* The key of subject hashes, from the key store; a store from before schema 3 brings its own,
 * which moves into the key store (and out of the data store). */
static kluis_rc engine_secret(struct kluis_engine *e, struct kluis_err *err)
{
    uint8_t legacy[32];
    kluis_rc rc = e->be->legacy_secret(e->obj, false, legacy, err);
    if (rc != KLUIS_OK && rc != KLUIS_ENOTFOUND)
        return rc;
    bool have_legacy = rc == KLUIS_OK;
    rc = kluis_keys_secret(e->keys, "subject", have_legacy ? legacy : NULL, e->secret, err);
    if (rc == KLUIS_OK && have_legacy) {
        if (!kluis_equal(legacy, e->secret, 32))
            rc = kluis_err_set(err, KLUIS_EREFUSED,
                               "the data store's subject key differs from the key store's");
        else
            rc = e->be->legacy_secret(e->obj, true, legacy, err);
    }
    kluis_wipe(legacy, sizeof(legacy));
    if (rc)
        return rc;
    kluis__hmac_state_init(&e->subject_mac, e->secret, sizeof(e->secret));
    /* The data store remembers a check value of the key store it was made with, so that a new,
     * empty key store (a typo in --keys) is refused instead of paired: with it, every value
     * would look destroyed and every checkpoint would be signed by a stranger. */
    uint8_t check[32], have[32];
    size_t n = 0;
    kluis_hmac_sha256(e->secret, sizeof(e->secret), "kluis key store check v1", 24, check);
    rc = e->be->meta_get(e->obj, "keys_check", have, sizeof(have), &n, err);
    if (rc == KLUIS_OK && (n != sizeof(have) || !kluis_equal(have, check, sizeof(check)))) {
        kluis_err_set(err, KLUIS_EREFUSED,
                      "this data store was made with another key store: the keys given do not "
                      "open it");
        kluis_err_hint(err, "give the key store that was made with this data store (--keys, "
                            "KLUIS_KEYS)");
        return KLUIS_EREFUSED;
    }
    if (rc == KLUIS_ENOTFOUND) {
        if ((rc = e->be->begin(e->obj, err)))
            return rc;
        if ((rc = e->be->meta_put(e->obj, "keys_check", check, sizeof(check), err)) ||
            (rc = e->be->commit(e->obj, err))) {
            e->be->rollback(e->obj);
            return rc;
        }
    }
    return rc;
}

kluis_rc kluis_engine_open_store(const struct kluis_policy *p, struct kluis_keys *keys,
                                 struct kluis_store *store, struct kluis_engine **out_engine,
                                 struct kluis_err *err)
{
    if (!p || !store || !keys) {
        kluis_store_close(store);
        kluis_keys_close(keys);
        return kluis_err_set(err, KLUIS_EINVAL, "kluis_engine_open: missing argument");
    }
    struct kluis_engine *e = calloc(1, sizeof(*e));
    if (!e) {
        kluis_store_close(store);
        kluis_keys_close(keys);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    }
    e->policy = p;
    e->store = store;
    e->keys = keys;
    e->be = kluis_store_backend(store);
    e->obj = kluis_store_obj(store);
    uint8_t id[16];
    kluis_rc rc = e->be->id(e->obj, id, err);
    if (rc == KLUIS_OK)
        rc = kluis_keys_pair(e->keys, id, err);
    if (rc == KLUIS_OK)
        rc = engine_secret(e, err);
    if (rc == KLUIS_OK)
        rc = kluis__engine_destroy_doomed_keys(e, err);
    if (rc == KLUIS_OK)
        rc = kluis__engine_reapply_erasures(e, err);
    if (rc != KLUIS_OK) {
        kluis_engine_close(e);
        return rc;
    }
    *out_engine = e;
    return KLUIS_OK;
}

kluis_rc kluis_engine_open(const struct kluis_policy *p, const char *db_url, const char *keys_path,
                           struct kluis_engine **out_engine, struct kluis_err *err)
{
    struct kluis_keys *keys = NULL;
    kluis_rc rc = kluis_keys_open(keys_path, &keys, err);
    if (rc != KLUIS_OK)
        return rc;
    struct kluis_store *store = NULL;
    if ((rc = kluis_store_open(db_url, kluis_keys_keyring(keys), &store, err)) != KLUIS_OK) {
        kluis_keys_close(keys);
        return rc;
    }
    return kluis_engine_open_store(p, keys, store, out_engine, err);
}

void kluis_engine_close(struct kluis_engine *e)
{
    if (!e)
        return;
    kluis__audit_free(e);
    kluis_store_close(e->store);
    kluis_keys_close(e->keys);
    OPENSSL_cleanse(e->secret, sizeof(e->secret));
    kluis__hmac_state_wipe(&e->subject_mac);
    free(e);
}

void kluis_engine_set_now(struct kluis_engine *e, int64_t now)
{
    e->now = now;
    kluis_keys_set_now(e->keys, now);
}

int64_t kluis_engine_now(const struct kluis_engine *e)
{
    return e->now;
}

/* ---- Helpers ------------------------------------------------------------------------------ */

void kluis__engine_subject(const struct kluis_engine *e, const char *tenant, const char *ref,
                           struct kluis_subject_ref *out)
{
    /* HMAC(secret, tenant || 0 || reference): the same person under two tenants gets two
     * unrelated pseudonyms, so tenants cannot be joined on them. */
    kluis__subject(e, tenant, ref, out);
}

static bool tenant_name_valid(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > KLUIS_TENANT_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

struct tenant_info {
    bool found;
    char country[8];
};

static int tenant_cb(void *ctx, const struct kluis_tenant_row *t)
{
    struct tenant_info *ti = ctx;
    ti->found = true;
    snprintf(ti->country, sizeof(ti->country), "%s", t->country ? t->country : "");
    return 0;
}

/* Loads the tenant's settings into st; KLUIS_ENOTFOUND when there is no such tenant. */
static int setting_cb(void *ctx, const struct kluis_setting_row *r)
{
    struct kluis__tenant_state *st = ctx;
    if (st->n_settings == KLUIS__MAX_SETTINGS)
        return 1;
    struct kluis__setting *s = &st->settings[st->n_settings++];
    snprintf(s->key, sizeof(s->key), "%s", r->key);
    snprintf(s->value, sizeof(s->value), "%s", r->value);
    return 0;
}

kluis_rc kluis__engine_tenant(struct kluis_engine *e, const char *tenant,
                              struct kluis__tenant_state *st, struct kluis_err *err)
{
    memset(st, 0, sizeof(*st));
    if (!tenant || !tenant_name_valid(tenant))
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no such tenant");
    struct tenant_info ti = {0};
    kluis_rc rc = e->be->tenant_get(e->obj, tenant, tenant_cb, &ti, err);
    if (rc != KLUIS_OK)
        return rc;
    snprintf(st->tenant, sizeof(st->tenant), "%s", tenant);
    snprintf(st->country, sizeof(st->country), "%s", ti.country);
    return e->be->settings_scan(e->obj, tenant, setting_cb, st, err);
}

kluis_rc kluis__tenant_known(struct kluis_engine *e, const char *tenant, struct kluis_err *err)
{
    if (!tenant || !tenant_name_valid(tenant))
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no such tenant");
    struct tenant_info ti = {0};
    return e->be->tenant_get(e->obj, tenant, tenant_cb, &ti, err);
}

kluis_rc kluis__recompute_subject(struct kluis_engine *e, const char *tenant,
                                  const struct kluis_subject_ref *subject, struct kluis_err *err)
{
    struct kluis__tenant_state *st = malloc(sizeof(*st));
    if (!st)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    struct kluis_record_filter f = {.tenant = tenant, .subject = subject};
    kluis_rc rc = kluis__engine_tenant(e, tenant, st, err);
    if (rc == KLUIS_OK)
        rc = kluis__engine_recompute_all(e, st, &f, NULL, NULL, NULL, err);
    free(st);
    return rc;
}

const char *kluis__tenant_setting(const struct kluis__tenant_state *st, const char *category,
                                  const char *what)
{
    char key[160];
    snprintf(key, sizeof(key), "%s.%s", category, what);
    for (size_t i = 0; i < st->n_settings; i++)
        if (strcmp(st->settings[i].key, key) == 0)
            return st->settings[i].value;
    return NULL;
}

/* The country whose legal minimums apply: the tenant's for processor data, else ours. */
static const char *legal_country(const struct kluis_engine *e, const struct kluis__tenant_state *st,
                                 const struct kluis_category *c)
{
    if (c->role == KLUIS_ROLE_PROCESSOR && st->country[0])
        return st->country;
    return kluis_policy_organisation(e->policy)->country;
}

/* Events of a record, gathered for retention.h (owned copies). */
struct occ_list {
    struct kluis_event_occurrence *items;
    char **strings;
    size_t n;
    size_t cap;
    bool oom;
};

static int occ_cb(void *ctx, const struct kluis_event_row *r)
{
    struct occ_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct kluis_event_occurrence *items = realloc(l->items, cap * sizeof(*items));
        char **strings = items ? realloc(l->strings, cap * 2 * sizeof(*strings)) : NULL;
        if (!items || !strings) {
            if (items)
                l->items = items;
            l->oom = true;
            return 1;
        }
        l->items = items;
        l->strings = strings;
        l->cap = cap;
    }
    char *name = strdup(r->name);
    char *purpose = r->purpose ? strdup(r->purpose) : NULL;
    if (!name || (r->purpose && !purpose)) {
        free(name);
        free(purpose);
        l->oom = true;
        return 1;
    }
    l->strings[2 * l->n] = name;
    l->strings[2 * l->n + 1] = purpose;
    l->items[l->n++] = (struct kluis_event_occurrence){name, purpose, r->at};
    return 0;
}

static void occ_free(struct occ_list *l)
{
    for (size_t i = 0; i < 2 * l->n; i++)
        free(l->strings[i]);
    free(l->strings);
    free(l->items);
}

kluis_rc kluis__engine_retention(struct kluis_engine *e, const struct kluis__tenant_state *st,
                                 const struct kluis_category *c, int64_t created,
                                 const struct kluis_subject_ref *subject, const char *links,
                                 struct kluis_retention_result *out, struct kluis_err *err)
{
    struct occ_list occ = {0};
    kluis_rc rc = e->be->events_for_record(e->obj, st->tenant, subject, links, occ_cb, &occ, err);
    if (rc == KLUIS_OK && occ.oom)
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    struct kluis_duration period;
    const char *setting = kluis__tenant_setting(st, c->id, "retention");
    bool has_period =
        setting && kluis_duration_parse(setting, strlen(setting), &period, NULL) == KLUIS_OK;
    struct kluis_retention_input in = {
        .created = created,
        .country = legal_country(e, st, c),
        .tenant_period = has_period ? &period : NULL,
        .events = occ.items,
        .n_events = occ.n,
    };
    if (rc == KLUIS_OK)
        rc = kluis_retention_compute(e->policy, c, &in, out, err);
    occ_free(&occ);
    return rc;
}

struct hold_match {
    const char *category;
    const struct kluis_subject_ref *subject;
    bool has_subject;
    bool held;
};

static int hold_cb(void *ctx, const struct kluis_hold_row *h)
{
    struct hold_match *m = ctx;
    if (h->category && strcmp(h->category, m->category) != 0)
        return 0;
    if (h->has_subject && (!m->has_subject || memcmp(h->subject.hash, m->subject->hash, 32) != 0))
        return 0;
    m->held = true;
    return 1;
}

kluis_rc kluis__engine_held(struct kluis_engine *e, const char *tenant, const char *category,
                            const struct kluis_subject_ref *subject, bool has_subject,
                            bool *out_held, struct kluis_err *err)
{
    struct hold_match m = {category, subject, has_subject, false};
    kluis_rc rc = e->be->holds_scan(e->obj, tenant, hold_cb, &m, err);
    *out_held = m.held;
    return rc;
}

/* Runs body inside a store transaction: committed when it returns KLUIS_OK, else rolled back. */
kluis_rc kluis__engine_txn(struct kluis_engine *e,
                           kluis_rc (*body)(struct kluis_engine *, void *, struct kluis_err *),
                           void *ctx, struct kluis_err *err)
{
    /* The key store's transaction around the data store's, committed first: a key is durable
     * before any data that needs it, and a destroyed key is gone before its data is dropped. */
    kluis_rc rc = kluis_keys_begin(e->keys, err);
    if (rc != KLUIS_OK)
        return rc;
    if ((rc = e->be->begin(e->obj, err)) != KLUIS_OK) {
        kluis_keys_rollback(e->keys);
        return rc;
    }
    kluis__audit_txn_begin(e);
    rc = body(e, ctx, err);
    /* The audit entries of the action, in its own transaction. */
    if (rc == KLUIS_OK)
        rc = kluis__audit_flush(e, err);
    if (rc == KLUIS_OK && (rc = kluis_keys_commit(e->keys, err)) == KLUIS_OK) {
        rc = e->be->commit(e->obj, err);
        kluis__audit_committed(e, rc == KLUIS_OK);
        return rc;
    }
    e->be->rollback(e->obj);
    kluis_keys_rollback(e->keys);
    kluis__audit_committed(e, false);
    return rc;
}

/*
 * Destroys the keys of buckets a purge dropped, then forgets them: the data store first (the
 * records go atomically with their counts and receipt), the keys after, so an interrupted purge
 * never leaves records without keys. A crash in between leaves the keys until the next open.
 */
kluis_rc kluis__engine_destroy_doomed_keys(struct kluis_engine *e, struct kluis_err *err)
{
    const struct kluis_keyring *ring = kluis_keys_keyring(e->keys);
    for (;;) {
        int64_t nos[256];
        size_t n = 0;
        kluis_rc rc = e->be->doomed_keys(e->obj, nos, 256, &n, err);
        if (rc || n == 0)
            return rc;
        if ((rc = kluis_keys_begin(e->keys, err)))
            return rc;
        if ((rc = ring->bucket_keys_destroy(ring->ctx, nos, n, err)) ||
            (rc = kluis_keys_commit(e->keys, err))) {
            kluis_keys_rollback(e->keys);
            return rc;
        }
        if ((rc = e->be->begin(e->obj, err)))
            return rc;
        if ((rc = e->be->doomed_keys_done(e->obj, nos, n, err)) ||
            (rc = e->be->commit(e->obj, err))) {
            e->be->rollback(e->obj);
            return rc;
        }
    }
}

/* ---- Tenants ------------------------------------------------------------------------------ */

struct tenant_add_ctx {
    const char *tenant;
    const char *country;
};

static kluis_rc tenant_add_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct tenant_add_ctx *c = vctx;
    struct kluis_tenant_row t = {c->tenant, c->country, e->now};
    kluis_rc rc = e->be->tenant_insert(e->obj, &t, err);
    if (rc)
        return rc;
    json_t *x = json_object();
    if (c->country)
        json_object_set_new(x, "country", json_string(c->country));
    return kluis__audit(e, "tenant.add", c->tenant, NULL, NULL, 0, x, "ok", err);
}

kluis_rc kluis_tenant_add(struct kluis_engine *e, const char *tenant, const char *country,
                          struct kluis_err *err)
{
    if (!tenant || !tenant_name_valid(tenant))
        return kluis_err_set(err, KLUIS_EINVAL,
                             "a tenant name is 1 to 64 letters, digits, '-', '_' or '.'");
    if (country && (!kluis_country_name(country, KLUIS_LANG_EN) || strcmp(country, "EU") == 0 ||
                    strcmp(country, "EEA") == 0))
        return kluis_err_set(err, KLUIS_EINVAL,
                             "'%s' is not an ISO 3166-1 alpha-2 country code such as NL or BE",
                             country);
    struct tenant_add_ctx c = {tenant, country};
    return kluis__engine_txn(e, tenant_add_body, &c, err);
}

struct id_list {
    uint64_t *ids;
    size_t n;
    size_t cap;
    bool oom;
};

static int collect_id(void *ctx, const struct kluis_record_row *r)
{
    struct id_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        uint64_t *ids = realloc(l->ids, cap * sizeof(*ids));
        if (!ids) {
            l->oom = true;
            return 1;
        }
        l->ids = ids;
        l->cap = cap;
    }
    l->ids[l->n++] = r->id;
    return 0;
}

struct rec_copy {
    struct kluis_record_row row;
    char category[128];
    char links[KLUIS_LINKS_MAX + 1];
    bool found;
};

static int rec_copy_cb(void *ctx, const struct kluis_record_row *r)
{
    struct rec_copy *c = ctx;
    c->row = *r;
    snprintf(c->category, sizeof(c->category), "%s", r->category);
    snprintf(c->links, sizeof(c->links), "%s", r->links ? r->links : "");
    c->row.category = c->category;
    c->row.links = c->links;
    c->row.value = NULL;
    c->row.value_len = 0;
    c->found = true;
    return 0;
}

kluis_rc kluis__engine_recompute(struct kluis_engine *e, const struct kluis__tenant_state *st,
                                 uint64_t id, bool *out_changed, struct kluis_err *err)
{
    struct rec_copy rc_ = {0};
    *out_changed = false;
    kluis_rc rc = e->be->record_get(e->obj, st->tenant, id, rec_copy_cb, &rc_, err);
    if (rc != KLUIS_OK)
        return rc;
    const struct kluis_category *c = kluis_policy_find_category(e->policy, rc_.row.category);
    if (!c)
        return KLUIS_OK; /* a category the policy no longer has: left as it is */
    /* Past its expiry a record is gone, whether or not a purge has removed it yet: nothing that
     * happens later (a longer tenant setting, an event, a hold) brings it back (art. 5(1)(e)). */
    if (!rc_.row.held && rc_.row.expiry <= e->now)
        return KLUIS_OK;
    struct kluis_retention_result r;
    rc = kluis__engine_retention(e, st, c, rc_.row.created,
                                 rc_.row.has_subject ? &rc_.row.subject : NULL, rc_.row.links, &r,
                                 err);
    if (rc != KLUIS_OK)
        return rc;
    bool held = false;
    rc =
        kluis__engine_held(e, st->tenant, c->id, &rc_.row.subject, rc_.row.has_subject, &held, err);
    if (rc != KLUIS_OK)
        return rc;
    if (r.expiry == rc_.row.expiry && r.floor == rc_.row.floor && held == rc_.row.held)
        return KLUIS_OK;
    *out_changed = true;
    return e->be->record_retain(e->obj, st->tenant, id, r.expiry, r.floor, held, err);
}

/* Recomputes every record of filter f; counts those that changed. */
kluis_rc kluis__engine_recompute_all(struct kluis_engine *e, const struct kluis__tenant_state *st,
                                     const struct kluis_record_filter *f,
                                     bool (*want)(const struct kluis_engine *, const char *,
                                                  void *),
                                     void *want_ctx, uint64_t *out_changed, struct kluis_err *err)
{
    struct id_list ids = {0};
    kluis_rc rc = e->be->records_scan(e->obj, f, collect_id, &ids, err);
    if (rc == KLUIS_OK && ids.oom)
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    uint64_t changed = 0;
    for (size_t i = 0; rc == KLUIS_OK && i < ids.n; i++) {
        struct rec_copy cp = {0};
        rc = e->be->record_get(e->obj, st->tenant, ids.ids[i], rec_copy_cb, &cp, err);
        if (rc != KLUIS_OK)
            break;
        if (want && !want(e, cp.category, want_ctx))
            continue;
        bool ch = false;
        rc = kluis__engine_recompute(e, st, ids.ids[i], &ch, err);
        changed += ch;
    }
    free(ids.ids);
    if (out_changed)
        *out_changed = changed;
    return rc;
}

struct tenant_set_ctx {
    const char *tenant;
    const struct kluis_category *c;
    const char *key;
    const char *value;
};

static kluis_rc tenant_set_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct tenant_set_ctx *c = vctx;
    struct kluis__tenant_state st;
    kluis_rc rc = kluis__engine_tenant(e, c->tenant, &st, err);
    if (rc != KLUIS_OK)
        return rc;
    char key[160];
    snprintf(key, sizeof(key), "%s.%s", c->c->id, c->key);
    struct kluis_setting_row row = {c->tenant, key, c->value};
    if ((rc = e->be->setting_put(e->obj, &row, err)) != KLUIS_OK)
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "setting", json_string(key));
    json_object_set_new(x, "value", json_string(c->value));
    if ((rc = kluis__audit(e, "tenant.set", c->tenant, NULL, c->c->id, 0, x, "ok", err)))
        return rc;
    if (strcmp(c->key, "retention") != 0)
        return KLUIS_OK;
    /* Reload the settings so the recomputation sees the new period. */
    if ((rc = kluis__engine_tenant(e, c->tenant, &st, err)) != KLUIS_OK)
        return rc;
    struct kluis_record_filter f = {.tenant = c->tenant, .category = c->c->id};
    return kluis__engine_recompute_all(e, &st, &f, NULL, NULL, NULL, err);
}

kluis_rc kluis_tenant_set(struct kluis_engine *e, const char *tenant, const char *setting,
                          struct kluis_err *err)
{
    const char *eq = setting ? strchr(setting, '=') : NULL;
    const char *dot = setting ? strchr(setting, '.') : NULL;
    if (!eq || !dot || dot > eq) {
        kluis_err_set(err, KLUIS_EINVAL,
                      "a setting is CATEGORY.retention=DURATION or "
                      "CATEGORY.storage=stored|transient");
        return KLUIS_EINVAL;
    }
    char cat[128], key[32];
    snprintf(cat, sizeof(cat), "%.*s", (int)(dot - setting), setting);
    snprintf(key, sizeof(key), "%.*s", (int)(eq - dot - 1), dot + 1);
    const char *value = eq + 1;
    const struct kluis_category *c = kluis_policy_find_category(e->policy, cat);
    if (!c)
        return kluis_err_set(err, KLUIS_EREFUSED, "the policy has no category '%s'", cat);
    if (strcmp(key, "retention") == 0) {
        struct kluis_duration d;
        kluis_rc rc = kluis_duration_parse(value, strlen(value), &d, err);
        if (rc != KLUIS_OK)
            return KLUIS_EINVAL;
        if ((rc = kluis_retention_check_tenant_period(c, d, err)) != KLUIS_OK)
            return rc;
    } else if (strcmp(key, "storage") == 0) {
        if (strcmp(value, "stored") != 0 && strcmp(value, "transient") != 0)
            return kluis_err_set(err, KLUIS_EINVAL, "storage is 'stored' or 'transient'");
        if (!c->tenant_may_change_storage &&
            strcmp(value, c->storage == KLUIS_STORAGE_STORED ? "stored" : "transient") != 0)
            return kluis_err_set(err, KLUIS_EREFUSED,
                                 "the policy does not let a tenant choose the storage of "
                                 "category '%s'",
                                 cat);
    } else {
        return kluis_err_set(err, KLUIS_EINVAL,
                             "unknown setting '%s'; a tenant sets CATEGORY.retention or "
                             "CATEGORY.storage",
                             key);
    }
    struct tenant_set_ctx ctx = {tenant, c, key, value};
    return kluis__engine_txn(e, tenant_set_body, &ctx, err);
}
