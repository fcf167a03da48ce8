/*
 * Records, events, holds, purge and export: the engine's operations on personal data.
 */
#include "engine/engine_internal.h"
#include "util/util.h"

#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Links -------------------------------------------------------------------------------- */

static bool link_part_valid(const char *s, bool key)
{
    size_t n = strlen(s);
    if (n == 0 || n > 200)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c == 0x7f || (key && c == '='))
            return false;
    }
    return true;
}

static int link_cmp(const void *a, const void *b)
{
    const struct kluis_link *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->value, y->value);
}

/* Canonical "k=v\n" lines, sorted, into buf. */
static kluis_rc links_canonical(const struct kluis_link *links, size_t n, char *buf, size_t size,
                                struct kluis_err *err)
{
    buf[0] = '\0';
    if (n == 0)
        return KLUIS_OK;
    if (n > 32)
        return kluis_err_set(err, KLUIS_ETOOBIG, "a record carries at most 32 links");
    struct kluis_link sorted[32];
    for (size_t i = 0; i < n; i++) {
        if (!links[i].key || !links[i].value || !link_part_valid(links[i].key, true) ||
            !link_part_valid(links[i].value, false))
            return kluis_err_set(err, KLUIS_EINVAL,
                                 "a link is KEY=VALUE, printable, without spaces, at most 200 "
                                 "bytes each");
        sorted[i] = links[i];
    }
    qsort(sorted, n, sizeof(sorted[0]), link_cmp);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + used, size - used, "%s=%s\n", sorted[i].key, sorted[i].value);
        if (w < 0 || (size_t)w >= size - used)
            return kluis_err_set(err, KLUIS_ETOOBIG, "the links of a record are too long");
        used += (size_t)w;
    }
    return KLUIS_OK;
}

/* ---- Put ---------------------------------------------------------------------------------- */

/* What can be checked before the transaction: the input, the category, the links. */
static kluis_rc put_check(const struct kluis_engine *e, const struct kluis_record_input *in,
                          const struct kluis_category **out_c, char *links, size_t links_size,
                          struct kluis_err *err)
{
    if (!in || !in->tenant || !in->subject || !in->category || (!in->value && in->value_len))
        return kluis_err_set(err, KLUIS_EINVAL,
                             "a record needs a tenant, a subject and a category");
    if (!*in->subject || strlen(in->subject) > 1024)
        return kluis_err_set(err, KLUIS_EINVAL, "a subject reference is 1 to 1024 bytes");
    if (in->value_len > KLUIS_VALUE_MAX)
        return kluis_err_set(err, KLUIS_ETOOBIG, "a record's value is at most %u bytes",
                             KLUIS_VALUE_MAX);
    const struct kluis_category *c = kluis_policy_find_category(e->policy, in->category);
    if (!c)
        return kluis_err_set(err, KLUIS_EREFUSED, "the policy has no category '%s'", in->category);
    *out_c = c;
    kluis_rc rc = links_canonical(in->links, in->n_links, links, links_size, err);
    /* An approval (engine_rights.c) fires its event for the record's link: a record that waits
     * for a person must carry one that names it. */
    if (rc == KLUIS_OK && c->approval && !*links)
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "records of category '%s' wait for approval and need a link that "
                             "names them (e.g. --link draft=981)",
                             c->id);
    return rc;
}

/* Stores one checked record inside the caller's transaction, for the tenant st. */
/* ---- Fernet categories ---------------------------------------------------------------------- */

/*
 * A category with `fernet: true` (OAuth tokens) keeps each value as a plain Fernet token, made
 * under a key derived from the subject's data key for that category (keys.h), so the token is
 * bound to its tenant, subject and category; the store then seals it like any value.
 */
static kluis_rc fernet_seal(struct kluis_engine *e, const char *tenant,
                            const struct kluis_subject_ref *subject, const struct kluis_category *c,
                            const void *value, size_t len, char **out, size_t *out_len,
                            struct kluis_err *err)
{
    struct kluis_fernet_key key;
    kluis_rc rc =
        kluis_keys_fernet_key(e->keys, tenant, subject, c->id,
                              c->key_class ? c->key_class : KLUIS_KEY_CLASS_DEFAULT, &key, err);
    if (rc)
        return rc;
    *out = malloc(KLUIS_FERNET_TOKEN_LEN(len) + 1);
    if (!*out)
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    else if ((rc = kluis_fernet_encrypt(&key, e->now, NULL, value, len, *out, out_len, err))) {
        free(*out);
        *out = NULL;
    }
    kluis_wipe(&key, sizeof(key));
    return rc;
}

/* Opens the Fernet token of a row in place: row->value becomes the plaintext, in *plain. */
static kluis_rc fernet_open(struct kluis_engine *e, const struct kluis_record_row *row,
                            uint8_t **plain, size_t *plain_len, struct kluis_err *err)
{
    struct kluis_fernet_key key;
    kluis_rc rc =
        kluis_keys_fernet_key(e->keys, row->tenant, row->has_subject ? &row->subject : NULL,
                              row->category, NULL, &key, err);
    if (rc)
        return rc;
    *plain = malloc(row->value_len + 1);
    if (!*plain)
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    else
        rc = kluis_fernet_decrypt(&key, 1, row->value, row->value_len, e->now, -1, *plain,
                                  plain_len, NULL, NULL, err);
    kluis_wipe(&key, sizeof(key));
    if (rc) {
        free(*plain);
        *plain = NULL;
        if (rc == KLUIS_ECORRUPT)
            kluis_err_set(err, KLUIS_ECORRUPT,
                          "a Fernet token of category '%s' does not open under its row's key "
                          "(moved from another row?)",
                          row->category);
    }
    return rc;
}

static bool is_fernet(const struct kluis_engine *e, const char *category)
{
    const struct kluis_category *c = kluis_policy_find_category(e->policy, category);
    return c && c->fernet;
}

static kluis_rc put_one(struct kluis_engine *e, const struct kluis__tenant_state *st,
                        const struct kluis_category *c, const struct kluis_record_input *in,
                        const char *links, uint64_t *out_id, struct kluis_err *err)
{
    /* Storage: the policy's mode, unless it lets the tenant choose and the tenant did. */
    bool stored = c->storage == KLUIS_STORAGE_STORED;
    const char *choice = kluis__tenant_setting(st, c->id, "storage");
    if (c->tenant_may_change_storage && choice)
        stored = strcmp(choice, "stored") == 0;
    if (!stored) {
        if (c->storage == KLUIS_STORAGE_TRANSIENT)
            return kluis_err_set(
                err, KLUIS_EREFUSED,
                "category '%s' is never stored (the policy's storage is "
                "transient)%s",
                c->id,
                c->tenant_may_change_storage ? "; the tenant has not opted in to storing it" : "");
        return kluis_err_set(err, KLUIS_EREFUSED, "the tenant chose not to store category '%s'",
                             c->id);
    }
    if (!c->retention)
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "the policy states no retention for category '%s'; kluis does not "
                             "store data it could keep forever",
                             c->id);
    struct kluis_subject_ref subject;
    kluis__subject(e, in->tenant, in->subject, &subject);
    struct kluis_retention_result r;
    kluis_rc rc = kluis__engine_retention(e, st, c, e->now, &subject, links, &r, err);
    if (rc)
        return rc;
    bool held = false;
    if ((rc = kluis__engine_held(e, in->tenant, c->id, &subject, true, &held, err)))
        return rc;
    if (r.expiry <= e->now && !held)
        /* An event the rule waits for already happened (the integration was removed, consent
         * was withdrawn): the record would be gone the moment it was written. */
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "a record of category '%s' would be past its retention already: "
                             "an event its rule waits for has happened; use a new link value "
                             "for a new integration, draft or account",
                             c->id);
    char *token = NULL;
    size_t token_len = 0;
    if (c->fernet && (rc = fernet_seal(e, in->tenant, &subject, c, in->value, in->value_len, &token,
                                       &token_len, err)))
        return rc;
    struct kluis_record_row row = {
        .tenant = in->tenant,
        .subject = subject,
        .has_subject = true,
        .category = c->id,
        .links = links,
        .created = e->now,
        .expiry = r.expiry,
        .floor = r.floor,
        .key_class = c->key_class ? c->key_class : KLUIS_KEY_CLASS_DEFAULT,
        .held = held,
        .value = token ? token : in->value,
        .value_len = token ? token_len : in->value_len,
    };
    uint64_t id = 0;
    rc = e->be->record_insert(e->obj, &row, &id, err);
    free(token);
    if (rc)
        return rc;
    *out_id = id;
    /* {"expires": "<time>"} as the body holds it: a time needs no escaping. */
    char expires[40] = "\"";
    if (r.expiry != KLUIS_TIME_NEVER) {
        kluis_time_format(r.expiry, expires + 1, sizeof(expires) - 2);
        strcat(expires, "\"");
    }
    return kluis__audit_raw(e, "record.put", in->tenant, &subject, c->id, id,
                            r.expiry != KLUIS_TIME_NEVER ? "expires" : NULL, expires, "ok", err);
}

/* Tenant states a batch keeps (a batch usually names a few tenants, mixed). */
#define PUT_TENANTS 16

struct put_ctx {
    const struct kluis_record_input *in;
    size_t n;
    uint64_t *ids;
    size_t failed;
    struct kluis__tenant_state *st[PUT_TENANTS];
    size_t n_st;
};

/* The state of tenant, read once per batch (the batch is one transaction: it cannot change). */
static kluis_rc put_tenant(struct kluis_engine *e, struct put_ctx *p, const char *tenant,
                           const struct kluis__tenant_state **out, struct kluis_err *err)
{
    for (size_t i = 0; i < p->n_st; i++) {
        if (strcmp(p->st[i]->tenant, tenant) == 0) {
            *out = p->st[i];
            return KLUIS_OK;
        }
    }
    /* Full: the last slot is read again for each new tenant. */
    size_t slot = p->n_st < PUT_TENANTS ? p->n_st : PUT_TENANTS - 1;
    if (!p->st[slot] && !(p->st[slot] = malloc(sizeof(*p->st[slot]))))
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    kluis_rc rc = kluis__engine_tenant(e, tenant, p->st[slot], err);
    if (rc != KLUIS_OK)
        return rc;
    if (slot == p->n_st)
        p->n_st++;
    *out = p->st[slot];
    return KLUIS_OK;
}

static kluis_rc put_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct put_ctx *p = vctx;
    for (size_t i = 0; i < p->n; i++) {
        const struct kluis_record_input *in = &p->in[i];
        p->failed = i;
        const struct kluis_category *c = NULL;
        const struct kluis__tenant_state *st = NULL;
        char links[KLUIS_LINKS_MAX + 1];
        kluis_rc rc = put_check(e, in, &c, links, sizeof(links), err);
        if (rc == KLUIS_OK)
            rc = put_tenant(e, p, in->tenant, &st, err);
        uint64_t id = 0;
        if (rc == KLUIS_OK)
            rc = put_one(e, st, c, in, links, &id, err);
        if (rc != KLUIS_OK)
            return rc;
        if (p->ids)
            p->ids[i] = id;
    }
    return KLUIS_OK;
}

kluis_rc kluis_record_put_batch(struct kluis_engine *e, const struct kluis_record_input *in,
                                size_t n, uint64_t *out_ids, size_t *out_failed,
                                struct kluis_err *err)
{
    if (!in && n)
        return kluis_err_set(err, KLUIS_EINVAL, "no records given");
    if (n > KLUIS_BATCH_MAX)
        return kluis_err_set(err, KLUIS_ETOOBIG, "a batch holds at most %d records",
                             KLUIS_BATCH_MAX);
    if (n == 0)
        return KLUIS_OK;
    struct put_ctx p = {.in = in, .n = n, .ids = out_ids};
    kluis_rc rc = kluis__engine_txn(e, put_body, &p, err);
    for (size_t i = 0; i < PUT_TENANTS; i++)
        free(p.st[i]);
    if (rc != KLUIS_OK && out_failed)
        *out_failed = p.failed;
    return rc;
}

kluis_rc kluis_record_put(struct kluis_engine *e, const struct kluis_record_input *in,
                          uint64_t *out_id, struct kluis_err *err)
{
    uint64_t id = 0;
    kluis_rc rc = kluis_record_put_batch(e, in, 1, &id, NULL, err);
    if (rc == KLUIS_OK && out_id)
        *out_id = id;
    return rc;
}

/* ---- Get ---------------------------------------------------------------------------------- */

void kluis_record_free(struct kluis_record *r)
{
    if (!r)
        return;
    free(r->tenant);
    free(r->category);
    free(r->links);
    if (r->value) {
        /* Decrypted personal data does not linger in freed memory. */
        OPENSSL_cleanse(r->value, r->value_len);
        free(r->value);
    }
    free(r);
}

struct get_ctx {
    struct kluis_engine *e; /* to open Fernet values */
    kluis_rc rc;
    struct kluis_err err;
    struct kluis_record *out;
    struct kluis_subject_ref subject;
    bool subject_set;
    bool oom;
};

struct read_ctx {
    const char *tenant;
    uint64_t id;
    const char *purpose;
    enum kluis_ground ground;
    const struct kluis_purpose *pu;
    struct kluis_record *out;
    struct kluis_subject_ref subject;
};

static kluis_rc read_body(struct kluis_engine *e, void *vctx, struct kluis_err *err);

static int get_cb(void *ctx, const struct kluis_record_row *row)
{
    struct get_ctx *g = ctx;
    struct kluis_record *r = calloc(1, sizeof(*r));
    if (!r) {
        g->oom = true;
        return 1;
    }
    r->id = row->id;
    r->tenant = strdup(row->tenant);
    r->category = strdup(row->category);
    r->links = strdup(row->links ? row->links : "");
    r->created = row->created;
    r->expiry = row->expiry;
    r->floor = row->floor;
    r->held = row->held;
    r->value = malloc(row->value_len ? row->value_len : 1);
    r->value_len = row->value_len;
    if (!r->tenant || !r->category || !r->links || !r->value) {
        kluis_record_free(r);
        g->oom = true;
        return 1;
    }
    if (row->value_len)
        memcpy(r->value, row->value, row->value_len);
    if (g->e && is_fernet(g->e, row->category)) {
        uint8_t *plain = NULL;
        size_t plain_len = 0;
        if ((g->rc = fernet_open(g->e, row, &plain, &plain_len, &g->err))) {
            kluis_record_free(r);
            return 1;
        }
        free(r->value);
        r->value = plain;
        r->value_len = plain_len;
    }
    g->out = r;
    g->subject = row->subject;
    g->subject_set = row->has_subject;
    return 0;
}

kluis_rc kluis_record_get(struct kluis_engine *e, const char *tenant, uint64_t id,
                          const char *purpose, struct kluis_record **out_record,
                          struct kluis_err *err)
{
    return kluis_record_read(e, tenant, id, purpose, KLUIS_GROUND_NONE, out_record, err);
}

kluis_rc kluis_record_read(struct kluis_engine *e, const char *tenant, uint64_t id,
                           const char *purpose, enum kluis_ground ground,
                           struct kluis_record **out_record, struct kluis_err *err)
{
    if (!tenant || !purpose)
        return kluis_err_set(err, KLUIS_EINVAL, "a read needs a tenant and a purpose");
    const struct kluis_purpose *pu = kluis_policy_find_purpose(e->policy, purpose);
    if (!pu)
        return kluis_err_set(err, KLUIS_EREFUSED, "the policy has no purpose '%s'", purpose);
    struct read_ctx c = {
        .tenant = tenant, .id = id, .purpose = purpose, .ground = ground, .pu = pu};
    kluis_rc rc = kluis__engine_txn(e, read_body, &c, err);
    if (rc == KLUIS_EREFUSED && c.out) {
        /* A refused read is an action too: its entry, in a transaction of its own. */
        struct kluis_err e2 = {0};
        json_t *x = json_object();
        json_object_set_new(x, "purpose", json_string(purpose));
        if (ground != KLUIS_GROUND_NONE)
            json_object_set_new(x, "ground", json_string(kluis_ground_name(ground)));
        kluis_rc rc2 = kluis__audit_own(e, "record.read", tenant, &c.subject, c.out->category, id,
                                        x, "refused", &e2);
        if (rc2 != KLUIS_OK && err)
            *err = e2;
        kluis_record_free(c.out);
        return rc2 ? rc2 : rc;
    }
    if (rc != KLUIS_OK) {
        kluis_record_free(c.out);
        return rc;
    }
    *out_record = c.out;
    return KLUIS_OK;
}

/* The read itself; its audit entry commits before the value is handed out. */
static kluis_rc read_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct read_ctx *c = vctx;
    const char *tenant = c->tenant, *purpose = c->purpose;
    const struct kluis_purpose *pu = c->pu;
    uint64_t id = c->id;
    kluis_record_free(c->out);
    c->out = NULL;
    struct get_ctx g = {.e = e};
    kluis_rc rc = e->be->record_get(e->obj, tenant, id, get_cb, &g, err);
    if (rc == KLUIS_OK && g.rc) {
        if (err)
            *err = g.err;
        return g.rc;
    }
    if (rc == KLUIS_ENOTFOUND)
        return kluis_err_set(err, rc, "no record %" PRIu64 " for tenant '%s'", id, tenant);
    if (rc != KLUIS_OK)
        return rc;
    if (g.oom)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    c->subject = g.subject;
    /* Past its expiry a record does not exist, even before a purge removed it (art. 5(1)(e)):
     * the answer is the same as for an id that was never there. */
    if (g.out->expiry <= e->now && !g.out->held) {
        kluis_record_free(g.out);
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no record %" PRIu64 " for tenant '%s'", id,
                             tenant);
    }
    c->out = g.out;
    if (!kluis_purpose_uses(pu, g.out->category))
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "purpose '%s' does not use category '%s' (art. 5(1)(b): purpose "
                             "limitation)",
                             purpose, g.out->category);
    /* The subject's choices and the record's approval (engine_rights.c). */
    bool restricted = false;
    if ((rc = kluis__purpose_gate(e, tenant, g.subject_set ? &g.subject : NULL, g.out->category, id,
                                  pu, c->ground, &restricted, err)))
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "purpose", json_string(purpose));
    if (restricted)
        json_object_set_new(x, "ground", json_string(kluis_ground_name(c->ground)));
    return kluis__audit(e, "record.read", tenant, &g.subject, g.out->category, id, x, "ok", err);
}

/* ---- Events ------------------------------------------------------------------------------- */

struct event_ctx {
    const struct kluis_event_input *in;
    char link[KLUIS_LINKS_MAX + 1];
    uint64_t affected;
};

static bool waits_for(const struct kluis_engine *e, const char *category, void *vctx)
{
    const struct kluis_event_input *in = vctx;
    const struct kluis_category *c = kluis_policy_find_category(e->policy, category);
    return c && kluis_retention_waits_for(c, in->name, in->purpose);
}

kluis_rc kluis__event_fire(struct kluis_engine *e, const struct kluis__tenant_state *st,
                           const char *name, const char *purpose,
                           const struct kluis_subject_ref *subject, const char *link,
                           uint64_t *out_affected, struct kluis_err *err)
{
    struct kluis_event_row row = {
        .tenant = st->tenant,
        .name = name,
        .purpose = purpose,
        .has_subject = subject != NULL,
        .link = link,
        .at = e->now,
    };
    if (subject)
        row.subject = *subject;
    uint64_t id, affected = 0;
    kluis_rc rc = e->be->event_insert(e->obj, &row, &id, err);
    if (rc)
        return rc;
    struct kluis_record_filter f = {.tenant = st->tenant, .subject = subject, .link = link};
    struct kluis_event_input in = {.tenant = st->tenant, .name = name, .purpose = purpose};
    if ((rc = kluis__engine_recompute_all(e, st, &f, waits_for, &in, &affected, err)))
        return rc;
    if (out_affected)
        *out_affected = affected;
    /* The link's key only: its value names an integration or a draft of one customer. */
    json_t *x = json_object();
    json_object_set_new(x, "event", json_string(name));
    if (purpose)
        json_object_set_new(x, "purpose", json_string(purpose));
    json_object_set_new(x, "affected", json_integer((json_int_t)affected));
    return kluis__audit(e, "event", st->tenant, subject, NULL, 0, x, "ok", err);
}

static kluis_rc event_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct event_ctx *ec = vctx;
    const struct kluis_event_input *in = ec->in;
    struct kluis__tenant_state st;
    kluis_rc rc = kluis__engine_tenant(e, in->tenant, &st, err);
    if (rc != KLUIS_OK)
        return rc;
    struct kluis_subject_ref subject;
    if (in->subject)
        kluis__engine_subject(e, in->tenant, in->subject, &subject);
    return kluis__event_fire(e, &st, in->name, in->purpose, in->subject ? &subject : NULL,
                             in->link ? ec->link : NULL, &ec->affected, err);
}

kluis_rc kluis_event_record(struct kluis_engine *e, const struct kluis_event_input *in,
                            uint64_t *out_affected, struct kluis_err *err)
{
    if (!in || !in->tenant || !in->name)
        return kluis_err_set(err, KLUIS_EINVAL, "an event needs a tenant and a name");
    bool builtin = strcmp(in->name, KLUIS_EVENT_CONSENT_WITHDRAWN) == 0 ||
                   strcmp(in->name, KLUIS_EVENT_SUBJECT_OBJECTED) == 0;
    if (builtin) {
        if (!in->purpose || !kluis_policy_find_purpose(e->policy, in->purpose))
            return kluis_err_set(err, KLUIS_EREFUSED,
                                 "event '%s' needs a purpose the policy declares", in->name);
    } else {
        if (!kluis_policy_find_event(e->policy, in->name))
            return kluis_err_set(err, KLUIS_EREFUSED, "the policy declares no event '%s'",
                                 in->name);
        if (in->purpose)
            return kluis_err_set(err, KLUIS_EINVAL, "only the built-in events take a purpose");
    }
    if (in->subject && (!*in->subject || strlen(in->subject) > 1024))
        return kluis_err_set(err, KLUIS_EINVAL, "a subject reference is 1 to 1024 bytes");
    struct event_ctx ec = {.in = in};
    if (in->link) {
        char canon[KLUIS_LINKS_MAX + 1];
        kluis_rc rc = links_canonical(in->link, 1, canon, sizeof(canon), err);
        if (rc != KLUIS_OK)
            return rc;
        canon[strlen(canon) - 1] = '\0'; /* one link, without its newline */
        snprintf(ec.link, sizeof(ec.link), "%s", canon);
    }
    kluis_rc rc = kluis__engine_txn(e, event_body, &ec, err);
    if (rc == KLUIS_OK && out_affected)
        *out_affected = ec.affected;
    return rc;
}

/* ---- Holds -------------------------------------------------------------------------------- */

struct hold_ctx {
    const char *tenant;
    const char *subject;
    const char *category;
    const char *reason;
    uint64_t id;
};

static kluis_rc hold_add_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct hold_ctx *h = vctx;
    struct kluis__tenant_state st;
    kluis_rc rc = kluis__engine_tenant(e, h->tenant, &st, err);
    if (rc != KLUIS_OK)
        return rc;
    struct kluis_subject_ref subject;
    if (h->subject)
        kluis__engine_subject(e, h->tenant, h->subject, &subject);
    struct kluis_hold_row row = {
        .tenant = h->tenant,
        .subject = subject,
        .has_subject = h->subject != NULL,
        .category = h->category,
        .reason = h->reason,
        .placed = e->now,
    };
    if ((rc = e->be->hold_insert(e->obj, &row, &h->id, err)))
        return rc;
    /* Not the reason: it is free text someone typed and may name people. */
    json_t *x = json_object();
    json_object_set_new(x, "hold", json_integer((json_int_t)h->id));
    if ((rc = kluis__audit(e, "hold.add", h->tenant, h->subject ? &subject : NULL, h->category, 0,
                           x, "ok", err)))
        return rc;
    struct kluis_record_filter f = {
        .tenant = h->tenant,
        .subject = h->subject ? &subject : NULL,
        .category = h->category,
    };
    return kluis__engine_recompute_all(e, &st, &f, NULL, NULL, NULL, err);
}

kluis_rc kluis_hold_add(struct kluis_engine *e, const char *tenant, const char *subject,
                        const char *category, const char *reason, uint64_t *out_id,
                        struct kluis_err *err)
{
    if (!tenant)
        return kluis_err_set(err, KLUIS_EINVAL, "a hold needs a tenant");
    if (!reason || !*reason)
        return kluis_err_set(err, KLUIS_EINVAL, "a hold needs a reason");
    if (strlen(reason) > 2000)
        return kluis_err_set(err, KLUIS_ETOOBIG, "a hold's reason is at most 2000 bytes");
    if (category && !kluis_policy_find_category(e->policy, category))
        return kluis_err_set(err, KLUIS_EREFUSED, "the policy has no category '%s'", category);
    if (subject && (!*subject || strlen(subject) > 1024))
        return kluis_err_set(err, KLUIS_EINVAL, "a subject reference is 1 to 1024 bytes");
    struct hold_ctx h = {tenant, subject, category, reason, 0};
    kluis_rc rc = kluis__engine_txn(e, hold_add_body, &h, err);
    if (rc == KLUIS_OK && out_id)
        *out_id = h.id;
    return rc;
}

struct hold_copy {
    char tenant[KLUIS_TENANT_MAX + 1];
    char category[128];
    struct kluis_subject_ref subject;
    bool has_subject;
    bool has_category;
    bool released;
};

static int hold_copy_cb(void *ctx, const struct kluis_hold_row *h)
{
    struct hold_copy *c = ctx;
    snprintf(c->tenant, sizeof(c->tenant), "%s", h->tenant);
    c->has_category = h->category != NULL;
    snprintf(c->category, sizeof(c->category), "%s", h->category ? h->category : "");
    c->subject = h->subject;
    c->has_subject = h->has_subject;
    c->released = h->released;
    return 0;
}

struct release_ctx {
    const char *tenant;
    uint64_t id;
};

static kluis_rc hold_release_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct release_ctx *rc_ = vctx;
    struct hold_copy h = {0};
    kluis_rc rc = e->be->hold_get(e->obj, rc_->id, hold_copy_cb, &h, err);
    if (rc != KLUIS_OK)
        return rc;
    if (rc_->tenant && strcmp(rc_->tenant, h.tenant) != 0)
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no hold %" PRIu64, rc_->id);
    if (h.released)
        return kluis_err_set(err, KLUIS_EREFUSED, "hold %" PRIu64 " was released already", rc_->id);
    if ((rc = e->be->hold_release(e->obj, rc_->id, e->now, err)))
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "hold", json_integer((json_int_t)rc_->id));
    if ((rc = kluis__audit(e, "hold.release", h.tenant, h.has_subject ? &h.subject : NULL,
                           h.has_category ? h.category : NULL, 0, x, "ok", err)))
        return rc;
    struct kluis__tenant_state st;
    if ((rc = kluis__engine_tenant(e, h.tenant, &st, err)))
        return rc;
    struct kluis_record_filter f = {
        .tenant = h.tenant,
        .subject = h.has_subject ? &h.subject : NULL,
        .category = h.has_category ? h.category : NULL,
    };
    return kluis__engine_recompute_all(e, &st, &f, NULL, NULL, NULL, err);
}

kluis_rc kluis_hold_release(struct kluis_engine *e, const char *tenant, uint64_t id,
                            struct kluis_err *err)
{
    struct release_ctx c = {tenant, id};
    return kluis__engine_txn(e, hold_release_body, &c, err);
}

/* ---- Purge -------------------------------------------------------------------------------- */

void kluis_purge_report_free(struct kluis_purge_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_lines; i++) {
        free(r->lines[i].tenant);
        free(r->lines[i].category);
    }
    free(r->lines);
    free(r->receipt_json);
    free(r);
}

static int purge_cb(void *ctx, const struct kluis_purge_count *pc)
{
    struct kluis_purge_report *r = ctx;
    for (size_t i = 0; i < r->n_lines; i++) {
        if (strcmp(r->lines[i].tenant, pc->tenant) == 0 &&
            strcmp(r->lines[i].category, pc->category) == 0) {
            r->lines[i].removed += pc->removed;
            r->total += pc->removed;
            return 0;
        }
    }
    struct kluis_purge_line *lines = realloc(r->lines, (r->n_lines + 1) * sizeof(*lines));
    if (!lines)
        return 1;
    r->lines = lines;
    struct kluis_purge_line *l = &lines[r->n_lines];
    l->tenant = strdup(pc->tenant);
    l->category = strdup(pc->category);
    l->removed = pc->removed;
    if (!l->tenant || !l->category) {
        free(l->tenant);
        free(l->category);
        return 1;
    }
    r->n_lines++;
    r->total += pc->removed;
    return 0;
}

static int line_cmp(const void *a, const void *b)
{
    const struct kluis_purge_line *x = a, *y = b;
    int c = strcmp(x->tenant, y->tenant);
    return c ? c : strcmp(x->category, y->category);
}

static char *receipt_json(const struct kluis_purge_report *r)
{
    char at[32], oldest[32];
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string("purge"));
    json_object_set_new(o, "at", json_string(kluis_time_format(r->at, at, sizeof(at))));
    json_t *lines = json_array();
    for (size_t i = 0; i < r->n_lines; i++) {
        json_t *l = json_object();
        json_object_set_new(l, "tenant", json_string(r->lines[i].tenant));
        json_object_set_new(l, "category", json_string(r->lines[i].category));
        json_object_set_new(l, "removed", json_integer((json_int_t)r->lines[i].removed));
        json_array_append_new(lines, l);
    }
    json_object_set_new(o, "removed", lines);
    json_object_set_new(o, "total", json_integer((json_int_t)r->total));
    json_object_set_new(
        o, "oldest_remaining",
        r->oldest_remaining == KLUIS_TIME_NEVER
            ? json_null()
            : json_string(kluis_time_format(r->oldest_remaining, oldest, sizeof(oldest))));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

static kluis_rc purge_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct kluis_purge_report *r = vctx;
    kluis_rc rc = e->be->purge(e->obj, e->now, r->dry_run, purge_cb, r, err);
    if (rc != KLUIS_OK)
        return rc;
    if (r->n_lines > 1)
        qsort(r->lines, r->n_lines, sizeof(*r->lines), line_cmp);
    if ((rc = e->be->oldest_expiry(e->obj, e->now, &r->oldest_remaining, err)))
        return rc;
    if (r->dry_run)
        return KLUIS_OK;
    r->receipt_json = receipt_json(r);
    if (!r->receipt_json)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    /* The receipt is written in the same transaction as the removal, and chained into the
     * audit log: there is never a purge without its receipt, or a receipt of a purge that did
     * not happen. */
    if ((rc = e->be->receipt_insert(e->obj, r->at, r->receipt_json, err)))
        return rc;
    /* Audit entry bodies past the policy's audit retention go too (their hashes stay). The
     * shortest length of the period is used, so a body is never kept longer than promised. */
    struct kluis_duration d;
    uint64_t pruned = 0;
    if (kluis_policy_audit_retention(e->policy, &d)) {
        int64_t min_h, max_h;
        kluis_duration_bounds_h(d, &min_h, &max_h);
        if ((rc = e->be->audit_prune(e->obj, e->now - min_h * 3600, &pruned, err)))
            return rc;
    }
    json_t *x = json_object();
    json_t *receipt = json_loads(r->receipt_json, 0, NULL);
    json_object_set_new(x, "receipt", receipt ? receipt : json_null());
    json_object_set_new(x, "audit_bodies_removed", json_integer((json_int_t)pruned));
    return kluis__audit(e, "purge", NULL, NULL, NULL, 0, x, "ok", err);
}

kluis_rc kluis_purge(struct kluis_engine *e, bool dry_run, struct kluis_purge_report **out_report,
                     struct kluis_err *err)
{
    struct kluis_purge_report *r = calloc(1, sizeof(*r));
    if (!r)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    r->at = e->now;
    r->dry_run = dry_run;
    kluis_rc rc = kluis__engine_txn(e, purge_body, r, err);
    /* The dropped buckets' keys go now (and, should this fail, at the next purge or open). The
     * purge itself is done: its records are gone. */
    if (rc == KLUIS_OK && !dry_run &&
        kluis__engine_destroy_doomed_keys(e, &r->keys_error) != KLUIS_OK)
        r->keys_pending = true;
    if (rc != KLUIS_OK) {
        kluis_purge_report_free(r);
        return rc;
    }
    *out_report = r;
    return KLUIS_OK;
}

kluis_rc kluis_records_count(struct kluis_engine *e, const char *tenant, kluis_record_count_fn fn,
                             void *ctx, struct kluis_err *err)
{
    if (!fn)
        return kluis_err_set(err, KLUIS_EINVAL, "counting records needs a callback");
    return e->be->records_count(e->obj, e->now, tenant, fn, ctx, err);
}

/* ---- Export ------------------------------------------------------------------------------- */

struct export_ctx {
    struct kluis_engine *e;
    bool (*want)(const struct kluis_engine *e, const char *category, void *ctx);
    void *want_ctx;
    json_t *records;
    bool oom;
    kluis_rc rc; /* a Fernet value that did not open */
    struct kluis_err err;
};

static int export_cb(void *ctx, const struct kluis_record_row *r)
{
    struct export_ctx *x = ctx;
    if (r->expiry <= x->e->now && !r->held)
        return 0; /* past its expiry: it does not exist any more */
    if (x->want && !x->want(x->e, r->category, x->want_ctx))
        return 0;
    char created[32], expiry[32];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)r->id));
    json_object_set_new(o, "category", json_string(r->category));
    const struct kluis_category *c = kluis_policy_find_category(x->e->policy, r->category);
    if (c && c->name.en) {
        json_object_set_new(o, "category_name",
                            json_pack("{s:s, s:s}", "nl", c->name.nl, "en", c->name.en));
    }
    json_t *links = json_object();
    const char *cursor = r->links, *l;
    size_t n;
    while (kluis_links_next(&cursor, &l, &n)) {
        const char *eq = memchr(l, '=', n);
        if (eq)
            json_object_setn_new(links, l, (size_t)(eq - l),
                                 json_stringn(eq + 1, n - (size_t)(eq - l) - 1));
    }
    json_object_set_new(o, "links", links);
    json_object_set_new(o, "created",
                        json_string(kluis_time_format(r->created, created, sizeof(created))));
    json_object_set_new(o, "expires",
                        r->expiry == KLUIS_TIME_NEVER
                            ? json_null()
                            : json_string(kluis_time_format(r->expiry, expiry, sizeof(expiry))));
    /* Text stays text (jansson refuses invalid UTF-8); anything else is given as base64. */
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    struct kluis_record_row opened = *r;
    if (is_fernet(x->e, r->category)) {
        if ((x->rc = fernet_open(x->e, r, &plain, &plain_len, &x->err))) {
            json_decref(o);
            return 1;
        }
        opened.value = plain;
        opened.value_len = plain_len;
        r = &opened;
    }
    json_t *v = json_stringn(r->value_len ? r->value : "", r->value_len);
    if (v) {
        json_object_set_new(o, "value_encoding", json_string("utf-8"));
    } else {
        size_t blen = 4 * ((r->value_len + 2) / 3) + 1;
        char *b64 = malloc(blen);
        if (b64) {
            EVP_EncodeBlock((unsigned char *)b64, r->value, (int)r->value_len);
            v = json_string(b64);
            free(b64);
        }
        json_object_set_new(o, "value_encoding", json_string("base64"));
    }
    json_object_set_new(o, "value", v ? v : json_null());
    if (plain) {
        kluis_wipe(plain, plain_len);
        free(plain);
    }
    if (json_array_append_new(x->records, o) != 0)
        x->oom = true;
    return x->oom;
}

/* The export as CSV: a header and one row per record; links as "k=v; k=v". */
char *kluis__export_csv(json_t *records)
{
    struct kluis_buf b;
    kluis__buf_init(&b, 0);
    kluis__buf_puts(&b, "id,category,created,expires,links,value_encoding,value\r\n");
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r)
    {
        char id[32];
        snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(r, "id")));
        kluis__buf_puts(&b, id);
        kluis__buf_putc(&b, ',');
        kluis__buf_csv(&b, json_string_value(json_object_get(r, "category")));
        kluis__buf_putc(&b, ',');
        kluis__buf_csv(&b, json_string_value(json_object_get(r, "created")));
        kluis__buf_putc(&b, ',');
        const char *exp = json_string_value(json_object_get(r, "expires"));
        kluis__buf_csv(&b, exp ? exp : "");
        kluis__buf_putc(&b, ',');
        struct kluis_buf lb;
        kluis__buf_init(&lb, 0);
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(r, "links"), k, v)
        {
            if (lb.len)
                kluis__buf_puts(&lb, "; ");
            kluis__buf_printf(&lb, "%s=%s", k, json_string_value(v));
        }
        kluis__buf_csv(&b, lb.data ? lb.data : "");
        kluis__buf_free(&lb);
        kluis__buf_putc(&b, ',');
        kluis__buf_csv(&b, json_string_value(json_object_get(r, "value_encoding")));
        kluis__buf_putc(&b, ',');
        const char *val = json_string_value(json_object_get(r, "value"));
        kluis__buf_csv(&b, val ? val : "");
        kluis__buf_puts(&b, "\r\n");
    }
    char *text = NULL;
    return kluis__buf_steal(&b, &text, NULL) == KLUIS_OK ? text : NULL;
}

kluis_rc kluis__export_records(struct kluis_engine *e, const char *tenant,
                               const struct kluis_subject_ref *ref,
                               bool (*want)(const struct kluis_engine *, const char *, void *),
                               void *want_ctx, json_t **out_records, struct kluis_err *err)
{
    struct export_ctx x = {.e = e, .want = want, .want_ctx = want_ctx, .records = json_array()};
    struct kluis_record_filter f = {.tenant = tenant, .subject = ref, .with_values = true};
    kluis_rc rc = x.records ? e->be->records_scan(e->obj, &f, export_cb, &x, err)
                            : kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    if (rc == KLUIS_OK && x.rc) {
        rc = x.rc;
        if (err)
            *err = x.err;
    }
    if (rc == KLUIS_OK && x.oom)
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    if (rc != KLUIS_OK) {
        json_decref(x.records);
        return rc;
    }
    *out_records = x.records;
    return KLUIS_OK;
}

kluis_rc kluis_subject_export(struct kluis_engine *e, const char *tenant, const char *subject,
                              bool csv, char **out_text, size_t *out_len, struct kluis_err *err)
{
    if (!tenant || !subject || !*subject)
        return kluis_err_set(err, KLUIS_EINVAL, "an export needs a tenant and a subject");
    struct kluis__tenant_state st;
    kluis_rc rc = kluis__engine_tenant(e, tenant, &st, err);
    if (rc != KLUIS_OK)
        return rc;
    struct kluis_subject_ref ref;
    kluis__engine_subject(e, tenant, subject, &ref);
    struct export_ctx x = {.e = e};
    rc = kluis__export_records(e, tenant, &ref, NULL, NULL, &x.records, err);
    if (rc == KLUIS_OK) {
        /* The export reads values: its entry commits before they are handed out. */
        json_t *a = json_object();
        json_object_set_new(a, "records", json_integer((json_int_t)json_array_size(x.records)));
        json_object_set_new(a, "format", json_string(csv ? "csv" : "json"));
        rc = kluis__audit_own(e, "subject.export", tenant, &ref, NULL, 0, a, "ok", err);
    }
    if (rc != KLUIS_OK) {
        json_decref(x.records);
        return rc;
    }
    char *text = NULL;
    if (!csv) {
        json_t *o = json_object();
        json_object_set_new(o, "tenant", json_string(tenant));
        json_object_set_new(o, "subject", json_string(subject));
        json_object_set_new(o, "records", x.records);
        text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (text) {
            size_t n = strlen(text);
            char *t2 = realloc(text, n + 2);
            if (t2) {
                t2[n] = '\n';
                t2[n + 1] = '\0';
                text = t2;
            }
        }
    } else {
        text = kluis__export_csv(x.records);
        json_decref(x.records);
    }
    if (!text)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    *out_text = text;
    if (out_len)
        *out_len = strlen(text);
    return KLUIS_OK;
}
