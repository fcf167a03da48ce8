/*
 * What a subject chose and what waits for a person: lookup identifiers, the consent ledger, the
 * purpose gate of every read (art. 6, 7, 18, 21, 22) and the approval queue.
 *
 * The subject ledger (store.h) is append-only: consent given and withdrawn, objections decided,
 * restrictions placed and lifted. The gate folds a subject's rows in order, so the latest row
 * of each kind and purpose is in force; it runs inside the read's transaction.
 */
#include "engine/engine_internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

/* ---- Lookup identifiers --------------------------------------------------------------------- */

/* Normalises an identifier into out (NUL-terminated); false when it is not one of its kind. */
static bool ident_normal(const char *kind, const char *value, char *out, size_t size)
{
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strlen(value);
    while (n && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    if (!n || n >= size)
        return false;
    if (strcmp(kind, "email") == 0) {
        const char *at = memchr(value, '@', n);
        if (!at || at == value || at == value + n - 1 ||
            memchr(at + 1, '@', n - (size_t)(at - value) - 1))
            return false;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)value[i];
            if (ch <= ' ' || ch == 0x7f)
                return false;
            out[i] = (char)tolower(ch);
        }
        out[n] = '\0';
        return true;
    }
    if (strcmp(kind, "phone") == 0) {
        size_t o = 0, digits = 0;
        size_t i = 0;
        if (value[0] == '+') {
            out[o++] = '+';
            i = 1;
        } else if (n > 2 && value[0] == '0' && value[1] == '0') {
            out[o++] = '+';
            i = 2;
        }
        for (; i < n; i++) {
            char ch = value[i];
            if (ch >= '0' && ch <= '9') {
                out[o++] = ch;
                digits++;
            } else if (ch != ' ' && ch != '-' && ch != '.' && ch != '(' && ch != ')') {
                return false;
            }
        }
        out[o] = '\0';
        return digits >= 6 && digits <= 15;
    }
    return false;
}

/* HMAC(secret, "ident" 0 tenant 0 kind 0 value): apart from the subject pseudonyms, so no
 * reference can collide with an identifier. */
static void ident_hash(const struct kluis_engine *e, const char *tenant, const char *kind,
                       const char *normal, struct kluis_subject_ref *out)
{
    unsigned char *msg;
    size_t tl = strlen(tenant), kl = strlen(kind), vl = strlen(normal);
    size_t n = 6 + tl + 1 + kl + 1 + vl;
    unsigned int len = 32;
    memset(out, 0, sizeof(*out));
    if (!(msg = malloc(n)))
        return;
    memcpy(msg, "ident", 6);
    memcpy(msg + 6, tenant, tl + 1);
    memcpy(msg + 7 + tl, kind, kl + 1);
    memcpy(msg + 8 + tl + kl, normal, vl);
    HMAC(EVP_sha256(), e->secret, sizeof(e->secret), msg, n, out->hash, &len);
    free(msg);
}

struct ident_ctx {
    const char *tenant;
    const char *kind;
    struct kluis_subject_ref ident;
    struct kluis_subject_ref subject;
};

static kluis_rc ident_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct ident_ctx *c = vctx;
    kluis_rc rc = e->be->ident_put(e->obj, c->tenant, c->kind, &c->ident, &c->subject, err);
    if (rc)
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "kind", json_string(c->kind));
    return kluis__audit(e, "subject.ident", c->tenant, &c->subject, NULL, 0, x, "ok", err);
}

kluis_rc kluis_subject_ident_add(struct kluis_engine *e, const char *tenant, const char *subject,
                                 const char *kind, const char *value, struct kluis_err *err)
{
    if (!tenant || !subject || !*subject || !kind || !value)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "an identifier needs a tenant, a subject, a kind and a value");
    char normal[320];
    if (strcmp(kind, "email") != 0 && strcmp(kind, "phone") != 0)
        return kluis_err_set(err, KLUIS_EINVAL, "an identifier is an email or a phone, not '%s'",
                             kind);
    if (!ident_normal(kind, value, normal, sizeof(normal)))
        return kluis_err_set(err, KLUIS_EINVAL,
                             strcmp(kind, "email") == 0
                                 ? "not an e-mail address (one '@', no spaces, at most 319 bytes)"
                                 : "not a phone number (6 to 15 digits, '+' or '00' first for "
                                   "the country code; spaces, dashes, dots and brackets allowed)");
    kluis_rc rc = kluis__tenant_known(e, tenant, err);
    if (rc)
        return rc;
    struct ident_ctx c = {.tenant = tenant, .kind = kind};
    ident_hash(e, tenant, kind, normal, &c.ident);
    kluis__engine_subject(e, tenant, subject, &c.subject);
    OPENSSL_cleanse(normal, sizeof(normal));
    return kluis__engine_txn(e, ident_body, &c, err);
}

kluis_rc kluis__subject_resolve(struct kluis_engine *e, const char *tenant,
                                const struct kluis_subject_name *n, bool must_exist,
                                struct kluis_subject_ref *out, struct kluis_err *err)
{
    if (n->ref && (n->kind || n->value))
        return kluis_err_set(err, KLUIS_EINVAL,
                             "name the subject by reference or by an identifier, not both");
    if (n->ref) {
        if (!*n->ref || strlen(n->ref) > 1024)
            return kluis_err_set(err, KLUIS_EINVAL, "a subject reference is 1 to 1024 bytes");
        kluis__engine_subject(e, tenant, n->ref, out);
        return KLUIS_OK;
    }
    if (!n->kind || !n->value)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "a subject is named by its reference, its e-mail address or its "
                             "phone number");
    char normal[320];
    if ((strcmp(n->kind, "email") != 0 && strcmp(n->kind, "phone") != 0) ||
        !ident_normal(n->kind, n->value, normal, sizeof(normal)))
        return kluis_err_set(err, KLUIS_EINVAL, "not a valid %s",
                             strcmp(n->kind, "phone") == 0 ? "phone number" : "e-mail address");
    struct kluis_subject_ref ident;
    ident_hash(e, tenant, n->kind, normal, &ident);
    OPENSSL_cleanse(normal, sizeof(normal));
    struct kluis_err e2 = {0};
    kluis_rc rc = e->be->ident_find(e->obj, tenant, n->kind, &ident, out, &e2);
    if (rc == KLUIS_ENOTFOUND && !must_exist) {
        /* Nobody kluis knows: the identifier's own pseudonym holds nothing. */
        *out = ident;
        return KLUIS_OK;
    }
    if (rc == KLUIS_ENOTFOUND)
        return kluis_err_set(err, rc, "no subject of tenant '%s' has this %s", tenant,
                             strcmp(n->kind, "phone") == 0 ? "phone number" : "e-mail address");
    if (rc && err)
        *err = e2;
    return rc;
}

kluis_rc kluis__event_fire_tenant(struct kluis_engine *e, const char *tenant, const char *name,
                                  const char *purpose, const struct kluis_subject_ref *subject,
                                  const char *link, struct kluis_err *err)
{
    struct kluis__tenant_state *st = malloc(sizeof(*st));
    if (!st)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    kluis_rc rc = kluis__engine_tenant(e, tenant, st, err);
    if (rc == KLUIS_OK)
        rc = kluis__event_fire(e, st, name, purpose, subject, link, NULL, err);
    free(st);
    return rc;
}

/* ---- The ledger and a subject's standing ---------------------------------------------------- */

kluis_rc kluis__ledger_add(struct kluis_engine *e, const char *tenant,
                           const struct kluis_subject_ref *subject, const char *kind,
                           const char *purpose, const char *note, uint64_t request,
                           struct kluis_err *err)
{
    struct kluis_ledger_row row = {
        .tenant = tenant,
        .subject = *subject,
        .kind = kind,
        .purpose = purpose,
        .note = note,
        .request = request,
        .at = e->now,
    };
    uint64_t id;
    return e->be->ledger_insert(e->obj, &row, &id, err);
}

struct standing_ctx {
    const char *purpose;
    struct kluis__standing *out;
};

static int standing_cb(void *ctx, const struct kluis_ledger_row *r)
{
    struct standing_ctx *c = ctx;
    if (strcmp(r->kind, "restriction.start") == 0)
        c->out->restricted = true;
    else if (strcmp(r->kind, "restriction.lift") == 0)
        c->out->restricted = false;
    if (!c->purpose || !r->purpose || strcmp(r->purpose, c->purpose) != 0)
        return 0;
    if (strcmp(r->kind, "consent.given") == 0)
        c->out->consent = 1;
    else if (strcmp(r->kind, "consent.withdrawn") == 0)
        c->out->consent = -1;
    else if (strcmp(r->kind, "objection.stop") == 0)
        c->out->objection = 1;
    else if (strcmp(r->kind, "objection.continue") == 0 && c->out->objection != 1)
        c->out->objection = 2; /* a stop stays a stop */
    return 0;
}

kluis_rc kluis__standing(struct kluis_engine *e, const char *tenant,
                         const struct kluis_subject_ref *subject, const char *purpose,
                         struct kluis__standing *out, struct kluis_err *err)
{
    memset(out, 0, sizeof(*out));
    struct standing_ctx c = {.purpose = purpose, .out = out};
    return e->be->ledger_scan(e->obj, tenant, subject, standing_cb, &c, err);
}

/* ---- The purpose gate ----------------------------------------------------------------------- */

static const char *const ground_names[] = {"none", "consent", "legal-claims", "others-rights",
                                           "public-interest"};

bool kluis_ground_parse(const char *s, enum kluis_ground *out)
{
    for (size_t i = 1; s && i < sizeof(ground_names) / sizeof(ground_names[0]); i++)
        if (strcmp(s, ground_names[i]) == 0) {
            *out = (enum kluis_ground)i;
            return true;
        }
    return false;
}

const char *kluis_ground_name(enum kluis_ground g)
{
    return (unsigned)g < sizeof(ground_names) / sizeof(ground_names[0]) ? ground_names[g] : "?";
}

static bool needs_consent(const struct kluis_purpose *pu)
{
    return pu->basis == KLUIS_BASIS_CONSENT || pu->art9 == KLUIS_ART9_EXPLICIT_CONSENT;
}

struct approval_find {
    bool found;
    char state[16];
};

static int approval_cb(void *ctx, const struct kluis_approval_row *r)
{
    struct approval_find *f = ctx;
    f->found = true;
    snprintf(f->state, sizeof(f->state), "%s", r->state);
    return 1;
}

kluis_rc kluis__purpose_gate(struct kluis_engine *e, const char *tenant,
                             const struct kluis_subject_ref *subject, const char *category,
                             uint64_t record, const struct kluis_purpose *pu,
                             enum kluis_ground ground, bool *out_restricted, struct kluis_err *err)
{
    *out_restricted = false;
    const struct kluis_category *c = kluis_policy_find_category(e->policy, category);
    if (c && c->approval) {
        struct approval_find f = {0};
        kluis_rc rc = e->be->approvals_scan(e->obj, tenant, record, approval_cb, &f, err);
        if (rc)
            return rc;
        if (!f.found)
            return kluis_err_set(err, KLUIS_EREFUSED,
                                 "record %" PRIu64 " waits for approval by a person (art. 22): "
                                 "kluis approval approve %" PRIu64 " --by USER",
                                 record, record);
        if (strcmp(f.state, "approved") != 0)
            return kluis_err_set(err, KLUIS_EREFUSED,
                                 "record %" PRIu64 " was skipped by its approver: it is not used",
                                 record);
    }
    if (!subject)
        return KLUIS_OK;
    struct kluis__standing s;
    kluis_rc rc = kluis__standing(e, tenant, subject, pu->id, &s, err);
    if (rc)
        return rc;
    if (s.restricted) {
        if (ground == KLUIS_GROUND_NONE)
            return kluis_err_set(err, KLUIS_EREFUSED,
                                 "the subject restricted processing (art. 18): the data is kept "
                                 "but not used, except on an art. 18(2) ground (--ground "
                                 "consent|legal-claims|others-rights|public-interest)");
        *out_restricted = true;
    }
    if (s.objection == 1)
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "the subject objected to purpose '%s' (art. 21)%s", pu->id,
                             pu->direct_marketing ? ": direct marketing stops absolutely" : "");
    if (needs_consent(pu) && s.consent != 1)
        return kluis_err_set(err, KLUIS_EREFUSED,
                             s.consent < 0 ? "the subject withdrew consent for purpose '%s' "
                                             "(art. 7(3))"
                                           : "purpose '%s' needs the subject's consent, which "
                                             "was not given (art. 6(1)(a))",
                             pu->id);
    return KLUIS_OK;
}

/* ---- Consent -------------------------------------------------------------------------------- */

struct consent_ctx {
    const char *tenant;
    struct kluis_subject_ref subject;
    const struct kluis_purpose *pu;
    const char *version;
    bool give;
};

static kluis_rc consent_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct consent_ctx *c = vctx;
    struct kluis__standing s;
    kluis_rc rc = kluis__standing(e, c->tenant, &c->subject, c->pu->id, &s, err);
    if (rc)
        return rc;
    if (!c->give && s.consent != 1)
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "no consent for purpose '%s' is in force to withdraw", c->pu->id);
    if ((rc = kluis__ledger_add(e, c->tenant, &c->subject,
                                c->give ? "consent.given" : "consent.withdrawn", c->pu->id,
                                c->version, 0, err)))
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "purpose", json_string(c->pu->id));
    if (c->version)
        json_object_set_new(x, "text_version", json_string(c->version));
    if ((rc = kluis__audit(e, c->give ? "consent.give" : "consent.withdraw", c->tenant, &c->subject,
                           NULL, 0, x, "ok", err)))
        return rc;
    if (c->give)
        return KLUIS_OK;
    /* A withdrawal starts the clocks that wait for it ("until opt-out"). */
    return kluis__event_fire_tenant(e, c->tenant, KLUIS_EVENT_CONSENT_WITHDRAWN, c->pu->id,
                                    &c->subject, NULL, err);
}

/* A purpose that rests on consent, or a refusal that says why not. */
static kluis_rc consent_purpose(struct kluis_engine *e, const char *purpose,
                                const struct kluis_purpose **out, struct kluis_err *err)
{
    const struct kluis_purpose *pu = purpose ? kluis_policy_find_purpose(e->policy, purpose) : NULL;
    if (!pu)
        return kluis_err_set(err, KLUIS_EREFUSED, "the policy has no purpose '%s'",
                             purpose ? purpose : "");
    if (!needs_consent(pu))
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "purpose '%s' does not rest on consent (art. 6(1)(a), 9(2)(a))",
                             purpose);
    *out = pu;
    return KLUIS_OK;
}

static kluis_rc consent_change(struct kluis_engine *e, const char *tenant,
                               const struct kluis_subject_name *subject, const char *purpose,
                               const char *text_version, bool give, struct kluis_err *err)
{
    if (!tenant || !subject)
        return kluis_err_set(err, KLUIS_EINVAL, "consent needs a tenant and a subject");
    struct consent_ctx c = {.tenant = tenant, .give = give};
    kluis_rc rc = consent_purpose(e, purpose, &c.pu, err);
    if (rc)
        return rc;
    if (give) {
        const struct kluis_consent *k =
            c.pu->consent ? kluis_policy_find_consent(e->policy, c.pu->consent) : NULL;
        c.version = text_version ? text_version : k ? k->version : NULL;
        if (!c.version)
            return kluis_err_set(err, KLUIS_EINVAL,
                                 "name the version of the consent text the subject saw "
                                 "(--text-version): the policy states none");
        if (strlen(c.version) > 64)
            return kluis_err_set(err, KLUIS_EINVAL, "a text version is at most 64 bytes");
    } else if (text_version) {
        return kluis_err_set(err, KLUIS_EINVAL, "a withdrawal takes no text version");
    }
    rc = kluis__tenant_known(e, tenant, err);
    if (rc == KLUIS_OK)
        rc = kluis__subject_resolve(e, tenant, subject, !give, &c.subject, err);
    if (rc)
        return rc;
    return kluis__engine_txn(e, consent_body, &c, err);
}

kluis_rc kluis_consent_give(struct kluis_engine *e, const char *tenant,
                            const struct kluis_subject_name *subject, const char *purpose,
                            const char *text_version, struct kluis_err *err)
{
    return consent_change(e, tenant, subject, purpose, text_version, true, err);
}

kluis_rc kluis_consent_withdraw(struct kluis_engine *e, const char *tenant,
                                const struct kluis_subject_name *subject, const char *purpose,
                                struct kluis_err *err)
{
    return consent_change(e, tenant, subject, purpose, NULL, false, err);
}

static int ledger_json_cb(void *ctx, const struct kluis_ledger_row *r)
{
    json_t *a = ctx;
    char at[32];
    json_t *o = json_object();
    json_object_set_new(o, "at", json_string(kluis_time_format(r->at, at, sizeof(at))));
    json_object_set_new(o, "kind", json_string(r->kind));
    json_object_set_new(o, "purpose", r->purpose ? json_string(r->purpose) : json_null());
    if (r->note)
        json_object_set_new(o, strncmp(r->kind, "consent.", 8) == 0 ? "text_version" : "grounds",
                            json_string(r->note));
    if (r->request)
        json_object_set_new(o, "request", json_integer((json_int_t)r->request));
    json_array_append_new(a, o);
    return 0;
}

kluis_rc kluis_subject_ledger(struct kluis_engine *e, const char *tenant,
                              const struct kluis_subject_name *subject, char **out_json,
                              struct kluis_err *err)
{
    struct kluis_subject_ref ref;
    kluis_rc rc = kluis__tenant_known(e, tenant, err);
    if (rc == KLUIS_OK)
        rc = kluis__subject_resolve(e, tenant, subject, false, &ref, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    if ((rc = e->be->ledger_scan(e->obj, tenant, &ref, ledger_json_cb, a, err))) {
        json_decref(a);
        return rc;
    }
    *out_json = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(a);
    return *out_json ? KLUIS_OK : kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
}

/* ---- Approvals ------------------------------------------------------------------------------ */

struct queue_ctx {
    struct kluis_engine *e;
    const char *tenant;
    json_t *items;
    kluis_rc rc;
    struct kluis_err err;
};

static int queue_cb(void *ctx, const struct kluis_record_row *r)
{
    struct queue_ctx *q = ctx;
    if (r->expiry <= q->e->now && !r->held)
        return 0;
    struct approval_find f = {0};
    if ((q->rc = q->e->be->approvals_scan(q->e->obj, q->tenant, r->id, approval_cb, &f, &q->err)))
        return 1;
    if (f.found)
        return 0;
    char created[32];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)r->id));
    json_object_set_new(o, "category", json_string(r->category));
    json_object_set_new(o, "created",
                        json_string(kluis_time_format(r->created, created, sizeof(created))));
    json_t *links = json_array();
    const char *cursor = r->links, *l;
    size_t n;
    while (kluis_links_next(&cursor, &l, &n))
        json_array_append_new(links, json_stringn(l, n));
    json_object_set_new(o, "links", links);
    json_array_append_new(q->items, o);
    return 0;
}

static int created_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(json_string_value(json_object_get(x, "created")),
                   json_string_value(json_object_get(y, "created")));
    if (c)
        return c;
    json_int_t i = json_integer_value(json_object_get(x, "id")),
               j = json_integer_value(json_object_get(y, "id"));
    return i < j ? -1 : i > j;
}

kluis_rc kluis_approval_list(struct kluis_engine *e, const char *tenant, char **out_json,
                             struct kluis_err *err)
{
    if (!tenant)
        return kluis_err_set(err, KLUIS_EINVAL, "the approval queue is a tenant's");
    kluis_rc rc = kluis__tenant_known(e, tenant, err);
    if (rc)
        return rc;
    struct queue_ctx q = {.e = e, .tenant = tenant, .items = json_array()};
    for (size_t i = 0; rc == KLUIS_OK && i < kluis_policy_n_categories(e->policy); i++) {
        const struct kluis_category *c = kluis_policy_category(e->policy, i);
        if (!c->approval)
            continue;
        struct kluis_record_filter f = {.tenant = tenant, .category = c->id};
        rc = e->be->records_scan(e->obj, &f, queue_cb, &q, err);
        if (rc == KLUIS_OK && q.rc) {
            rc = q.rc;
            if (err)
                *err = q.err;
        }
    }
    if (rc) {
        json_decref(q.items);
        return rc;
    }
    /* Oldest first: a stable order for people working the queue. */
    size_t n = json_array_size(q.items);
    json_t **v = calloc(n ? n : 1, sizeof(*v));
    json_t *sorted = json_array();
    if (v && sorted) {
        for (size_t i = 0; i < n; i++)
            v[i] = json_array_get(q.items, i);
        qsort(v, n, sizeof(*v), created_cmp);
        for (size_t i = 0; i < n; i++)
            json_array_append(sorted, v[i]);
    }
    free(v);
    json_decref(q.items);
    *out_json = sorted ? json_dumps(sorted, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(sorted);
    return *out_json ? KLUIS_OK : kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
}

struct decide_ctx {
    const char *tenant;
    uint64_t id;
    bool approve;
    const char *by;
    /* the record, copied in the callback */
    bool found;
    char category[128];
    char link[KLUIS_LINKS_MAX + 1];
    struct kluis_subject_ref subject;
    bool has_subject;
    int64_t expiry;
    bool held;
};

static int decide_cb(void *ctx, const struct kluis_record_row *r)
{
    struct decide_ctx *d = ctx;
    d->found = true;
    snprintf(d->category, sizeof(d->category), "%s", r->category);
    const char *cursor = r->links, *l;
    size_t n;
    d->link[0] = '\0';
    if (kluis_links_next(&cursor, &l, &n) && n < sizeof(d->link)) {
        memcpy(d->link, l, n);
        d->link[n] = '\0';
    }
    d->subject = r->subject;
    d->has_subject = r->has_subject;
    d->expiry = r->expiry;
    d->held = r->held;
    return 1;
}

static kluis_rc decide_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct decide_ctx *d = vctx;
    d->found = false;
    kluis_rc rc = e->be->record_get(e->obj, d->tenant, d->id, decide_cb, d, err);
    if (rc == KLUIS_ENOTFOUND || (rc == KLUIS_OK && d->expiry <= e->now && !d->held))
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no record %" PRIu64 " for tenant '%s'", d->id,
                             d->tenant);
    if (rc)
        return rc;
    const struct kluis_category *c = kluis_policy_find_category(e->policy, d->category);
    if (!c || !c->approval)
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "record %" PRIu64 " is of category '%s', which waits for no approval",
                             d->id, d->category);
    struct kluis_approval_row row = {
        .tenant = d->tenant,
        .record = d->id,
        .state = d->approve ? "approved" : "skipped",
        .by = d->by,
        .at = e->now,
    };
    if ((rc = e->be->approval_put(e->obj, &row, err)) == KLUIS_EEXIST)
        return kluis_err_set(err, KLUIS_EREFUSED, "record %" PRIu64 " was decided already", d->id);
    if (rc)
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "by", json_string(d->by));
    if ((rc = kluis__audit(e, d->approve ? "approval.approve" : "approval.skip", d->tenant,
                           d->has_subject ? &d->subject : NULL, d->category, d->id, x, "ok", err)))
        return rc;
    /* The event the draft's retention waits for, when the policy declares it. */
    const char *event = d->approve ? "draft.approved" : "draft.skipped";
    if (!kluis_policy_find_event(e->policy, event))
        return KLUIS_OK;
    return kluis__event_fire_tenant(e, d->tenant, event, NULL, d->has_subject ? &d->subject : NULL,
                                    d->link[0] ? d->link : NULL, err);
}

kluis_rc kluis_approval_decide(struct kluis_engine *e, const char *tenant, uint64_t id,
                               bool approve, const char *by, struct kluis_err *err)
{
    if (!tenant)
        return kluis_err_set(err, KLUIS_EINVAL, "an approval needs a tenant");
    if (!by || !*by || strlen(by) > 128)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "an approval names who decides (--by USER, 1 to 128 bytes)");
    struct decide_ctx d = {.tenant = tenant, .id = id, .approve = approve, .by = by};
    return kluis__engine_txn(e, decide_body, &d, err);
}
