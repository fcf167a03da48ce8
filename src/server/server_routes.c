/*
 * The routes of the JSON API under /v1/: each one an engine call. The tenant comes from the key
 * (an operator key names it in the body or query where a route needs one); the principal from
 * the key, never from the request. docs/openapi.yaml describes every route listed here.
 */
#include "server/server_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* ---- Reading the request -------------------------------------------------------------------- */

/* A string member of the body: false (and a 400 set) when it has another type, or is missing
 * and required. */
static bool str_arg(struct call *c, const char *key, bool required, const char **out)
{
    json_t *v = c->json ? json_object_get(c->json, key) : NULL;
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            kluis__reply_error(c, 400, "invalid", "the body needs \"%s\" (a string)", key);
        return !required;
    }
    if (!json_is_string(v)) {
        kluis__reply_error(c, 400, "invalid", "\"%s\" is a string", key);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

static bool bool_arg(struct call *c, const char *key, bool *out)
{
    json_t *v = c->json ? json_object_get(c->json, key) : NULL;
    *out = false;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_boolean(v)) {
        kluis__reply_error(c, 400, "invalid", "\"%s\" is true or false", key);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

/* The tenant a call acts for: the key's; an operator names it (body "tenant", else query). */
static const char *tenant_of(struct call *c, bool required)
{
    if (!c->who.operator_key)
        return c->who.tenant;
    const char *t = NULL;
    if (!str_arg(c, "tenant", false, &t))
        return NULL;
    if (!t)
        t = kluis__query(c, "tenant");
    if (!t && required)
        kluis__reply_error(c, 400, "invalid", "an operator key names the tenant (\"tenant\")");
    return t;
}

static bool id_param(struct call *c, size_t i, uint64_t *out)
{
    char *end;
    const char *s = c->params[i];
    if (*s < '1' || *s > '9' || strlen(s) > 20) {
        kluis__reply_error(c, 404, "not_found", "no such id");
        return false;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (*end) {
        kluis__reply_error(c, 404, "not_found", "no such id");
        return false;
    }
    *out = v;
    return true;
}

/* The subject a body names: "subject", or "email" / "phone". */
static bool subject_arg(struct call *c, struct kluis_subject_name *n)
{
    memset(n, 0, sizeof(*n));
    const char *email = NULL, *phone = NULL;
    if (!str_arg(c, "subject", false, &n->ref) || !str_arg(c, "email", false, &email) ||
        !str_arg(c, "phone", false, &phone))
        return false;
    if ((n->ref != NULL) + (email != NULL) + (phone != NULL) != 1) {
        kluis__reply_error(c, 400, "invalid",
                           "name the subject once: \"subject\", \"email\" or "
                           "\"phone\"");
        return false;
    }
    if (email) {
        n->kind = "email";
        n->value = email;
    } else if (phone) {
        n->kind = "phone";
        n->value = phone;
    }
    return true;
}

/* Replies with an engine document (JSON text) as it is. */
static void reply_doc(struct call *c, unsigned status, char *text)
{
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    kluis__reply_json(c, status, o);
}

static void reply_ok(struct call *c)
{
    kluis__reply_json(c, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- Health and metrics --------------------------------------------------------------------- */

static void h_healthz(struct call *c)
{
    kluis__reply_json(c, 200, json_pack("{s:s}", "status", "ok"));
}

static void h_metrics(struct call *c)
{
    char *text = NULL;
    size_t len = 0;
    struct kluis_err err = {0};
    kluis_rc rc = kluis__metrics_text(c->s, &text, &len, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        kluis__reply_text(c, 200, "text/plain; version=0.0.4", text, len);
}

/* ---- Tenants -------------------------------------------------------------------------------- */

static void h_tenant_add(struct call *c)
{
    const char *t = NULL, *country = NULL;
    if (!str_arg(c, "tenant", true, &t) || !str_arg(c, "country", false, &country))
        return;
    struct kluis_err err = {0};
    kluis_rc rc = kluis_tenant_add(c->s->e, t, country, &err);
    if (rc) {
        kluis__reply_rc(c, rc, &err);
        return;
    }
    kluis__reply_json(c, 201, json_pack("{s:s}", "tenant", t));
}

static void h_setting(struct call *c)
{
    const char *t = tenant_of(c, true), *setting = NULL;
    if (!t || !str_arg(c, "setting", true, &setting))
        return;
    struct kluis_err err = {0};
    kluis_rc rc = kluis_tenant_set(c->s->e, t, setting, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_ok(c);
}

/* ---- Records -------------------------------------------------------------------------------- */

#define MAX_LINKS 32

struct record_in {
    struct kluis_record_input in;
    struct kluis_link links[MAX_LINKS];
    uint8_t *owned; /* a decoded base64 value */
};

/* A record from a JSON object; false with a 400 set when it is not one. */
static bool record_from(struct call *c, json_t *o, const char *tenant, struct record_in *r,
                        size_t index)
{
    memset(r, 0, sizeof(*r));
    r->in.tenant = tenant;
    char where[32] = "";
    if (index != (size_t)-1)
        snprintf(where, sizeof(where), "records[%zu]: ", index);
    json_t *subject = json_object_get(o, "subject"), *category = json_object_get(o, "category");
    json_t *value = json_object_get(o, "value"), *b64 = json_object_get(o, "value_base64");
    json_t *links = json_object_get(o, "links");
    if (!json_is_string(subject) || !json_is_string(category)) {
        kluis__reply_error(c, 400, "invalid",
                           "%sa record needs \"subject\" and \"category\" "
                           "(strings)",
                           where);
        return false;
    }
    r->in.subject = json_string_value(subject);
    r->in.category = json_string_value(category);
    if (value && b64) {
        kluis__reply_error(c, 400, "invalid", "%sgive \"value\" or \"value_base64\", not both",
                           where);
        return false;
    }
    if (value) {
        if (!json_is_string(value)) {
            kluis__reply_error(c, 400, "invalid", "%s\"value\" is a string", where);
            return false;
        }
        r->in.value = json_string_value(value);
        r->in.value_len = json_string_length(value);
    } else if (b64) {
        const char *s = json_is_string(b64) ? json_string_value(b64) : NULL;
        size_t n = s ? json_string_length(b64) : 0, out_len = 0;
        if (s && (r->owned = malloc(n / 4 * 3 + 1)) &&
            kluis_b64_decode(KLUIS_B64_STD, s, n, r->owned, &out_len, NULL) == KLUIS_OK) {
            r->in.value = r->owned;
            r->in.value_len = out_len;
        } else {
            kluis__reply_error(c, 400, "invalid", "%s\"value_base64\" is not base64", where);
            return false;
        }
    } else {
        r->in.value = "";
    }
    if (links) {
        const char *k;
        json_t *v;
        if (!json_is_object(links)) {
            kluis__reply_error(c, 400, "invalid", "%s\"links\" is an object of strings", where);
            return false;
        }
        json_object_foreach(links, k, v)
        {
            if (!json_is_string(v) || r->in.n_links == MAX_LINKS) {
                kluis__reply_error(c, 400, "invalid",
                                   "%s\"links\" is an object of at most %d strings", where,
                                   MAX_LINKS);
                return false;
            }
            r->links[r->in.n_links++] = (struct kluis_link){k, json_string_value(v)};
        }
        r->in.links = r->links;
    }
    return true;
}

static void h_record_put(struct call *c)
{
    struct record_in r;
    if (!c->json) {
        kluis__reply_error(c, 400, "invalid", "the body is a record");
        return;
    }
    if (!record_from(c, c->json, c->who.tenant, &r, (size_t)-1)) {
        free(r.owned);
        return;
    }
    struct kluis_err err = {0};
    uint64_t id;
    kluis_rc rc = kluis_record_put(c->s->e, &r.in, &id, &err);
    free(r.owned);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        kluis__reply_json(c, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

static void h_record_batch(struct call *c)
{
    json_t *a = c->json ? json_object_get(c->json, "records") : NULL;
    size_t n = json_array_size(a);
    if (!json_is_array(a) || n == 0 || n > KLUIS_BATCH_MAX) {
        kluis__reply_error(c, 400, "invalid", "the body is {\"records\": [1 to %d records]}",
                           KLUIS_BATCH_MAX);
        return;
    }
    struct record_in *rs = calloc(n, sizeof(*rs));
    struct kluis_record_input *in = calloc(n, sizeof(*in));
    uint64_t *ids = calloc(n, sizeof(*ids));
    size_t i = 0;
    if (!rs || !in || !ids) {
        kluis__reply_error(c, 500, "internal", "out of memory");
        goto done;
    }
    for (; i < n; i++) {
        if (!record_from(c, json_array_get(a, i), c->who.tenant, &rs[i], i))
            goto done;
        in[i] = rs[i].in;
        in[i].links = rs[i].links;
    }
    struct kluis_err err = {0};
    size_t failed = 0;
    kluis_rc rc = kluis_record_put_batch(c->s->e, in, n, ids, &failed, &err);
    if (rc) {
        /* Which record, then why (the message cut to fit). */
        struct kluis_err e2 = err;
        snprintf(e2.message, sizeof(e2.message), "records[%zu]: %.200s", failed, err.message);
        kluis__reply_rc(c, rc, &e2);
        goto done;
    }
    json_t *out = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(out, json_integer((json_int_t)ids[k]));
    kluis__reply_json(c, 201, json_pack("{s:o}", "ids", out));
done:
    for (size_t k = 0; rs && k < n; k++)
        free(rs[k].owned);
    free(rs);
    free(in);
    free(ids);
}

static void h_record_get(struct call *c)
{
    uint64_t id;
    if (!id_param(c, 0, &id))
        return;
    const char *purpose = kluis__query(c, "purpose"), *ground_s = kluis__query(c, "ground");
    enum kluis_ground ground = KLUIS_GROUND_NONE;
    if (!purpose || !*purpose) {
        kluis__reply_error(c, 400, "invalid", "a read names its purpose: ?purpose=P");
        return;
    }
    if (ground_s && !kluis_ground_parse(ground_s, &ground)) {
        kluis__reply_error(c, 400, "invalid",
                           "ground is consent, legal-claims, others-rights or public-interest");
        return;
    }
    struct kluis_err err = {0};
    struct kluis_record *r = NULL;
    kluis_rc rc = kluis_record_read(c->s->e, c->who.tenant, id, purpose, ground, &r, &err);
    if (rc) {
        kluis__reply_rc(c, rc, &err);
        return;
    }
    char created[32], expires[32];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)r->id));
    json_object_set_new(o, "category", json_string(r->category));
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
                            : json_string(kluis_time_format(r->expiry, expires, sizeof(expires))));
    json_t *v = json_stringn(r->value_len ? r->value : "", r->value_len);
    if (v) {
        json_object_set_new(o, "value", v);
    } else {
        char *b64 = malloc(KLUIS_B64_LEN(r->value_len) + 1);
        if (b64) {
            kluis_b64_encode(KLUIS_B64_STD, r->value, r->value_len, b64);
            json_object_set_new(o, "value_base64", json_string(b64));
            free(b64);
        }
    }
    kluis_record_free(r);
    kluis__reply_json(c, 200, o);
}

static void h_record_delete(struct call *c)
{
    uint64_t id;
    if (!id_param(c, 0, &id))
        return;
    struct kluis_err err = {0};
    kluis_rc rc = kluis_record_delete(c->s->e, c->who.tenant, id, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_ok(c);
}

/* ---- Events --------------------------------------------------------------------------------- */

static void h_event(struct call *c)
{
    const char *name = NULL, *purpose = NULL, *subject = NULL;
    if (!str_arg(c, "name", true, &name) || !str_arg(c, "purpose", false, &purpose) ||
        !str_arg(c, "subject", false, &subject))
        return;
    json_t *link = c->json ? json_object_get(c->json, "link") : NULL;
    struct kluis_link l;
    if (link) {
        const char *k;
        json_t *v;
        if (!json_is_object(link) || json_object_size(link) != 1) {
            kluis__reply_error(c, 400, "invalid", "\"link\" is an object of one string");
            return;
        }
        json_object_foreach(link, k, v)
        {
            if (!json_is_string(v)) {
                kluis__reply_error(c, 400, "invalid", "\"link\" is an object of one string");
                return;
            }
            l = (struct kluis_link){k, json_string_value(v)};
        }
    }
    struct kluis_event_input in = {.tenant = c->who.tenant,
                                   .name = name,
                                   .purpose = purpose,
                                   .subject = subject,
                                   .link = link ? &l : NULL};
    struct kluis_err err = {0};
    uint64_t affected = 0;
    kluis_rc rc = kluis_event_record(c->s->e, &in, &affected, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        kluis__reply_json(c, 200, json_pack("{s:I}", "affected", (json_int_t)affected));
}

/* ---- Subjects ------------------------------------------------------------------------------- */

static void h_subject_export(struct call *c)
{
    const char *t = tenant_of(c, true), *subject = NULL, *format = NULL;
    if (!t || !str_arg(c, "subject", true, &subject) || !str_arg(c, "format", false, &format))
        return;
    bool csv = format && strcmp(format, "csv") == 0;
    if (format && !csv && strcmp(format, "json") != 0) {
        kluis__reply_error(c, 400, "invalid", "format is json or csv");
        return;
    }
    struct kluis_err err = {0};
    char *text = NULL;
    size_t len = 0;
    kluis_rc rc = kluis_subject_export(c->s->e, t, subject, csv, &text, &len, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        kluis__reply_text(c, 200, csv ? "text/csv; charset=utf-8" : "application/json", text, len);
}

static void h_subject_erase(struct call *c)
{
    const char *t = tenant_of(c, true), *subject = NULL;
    if (!t || !str_arg(c, "subject", true, &subject))
        return;
    struct kluis_err err = {0};
    struct kluis_erase_report *r = NULL;
    kluis_rc rc = kluis_subject_erase(c->s->e, t, subject, &r, &err);
    if (rc) {
        kluis__reply_rc(c, rc, &err);
        return;
    }
    json_t *lines = json_array();
    char when[32];
    for (size_t i = 0; i < r->n; i++) {
        const struct kluis_erase_line *l = &r->lines[i];
        json_t *x = json_pack("{s:s, s:I, s:I, s:b}", "category", l->category, "erased",
                              (json_int_t)l->erased, "kept", (json_int_t)l->kept, "held", l->held);
        if (l->kept_until && l->kept_until != KLUIS_TIME_NEVER)
            json_object_set_new(x, "kept_until",
                                json_string(kluis_time_format(l->kept_until, when, 32)));
        if (l->legal_source)
            json_object_set_new(x, "legal_source", json_string(l->legal_source));
        json_array_append_new(lines, x);
    }
    json_t *o = json_pack("{s:o, s:s}", "categories", lines, "keys_destroyed",
                          r->shredded ? "all"
                          : r->seq    ? "some"
                                      : "none");
    kluis_erase_report_free(r);
    kluis__reply_json(c, 200, o);
}

static void h_subject_ident(struct call *c)
{
    const char *t = tenant_of(c, true), *subject = NULL, *email = NULL, *phone = NULL;
    if (!t || !str_arg(c, "subject", true, &subject) || !str_arg(c, "email", false, &email) ||
        !str_arg(c, "phone", false, &phone))
        return;
    if ((email != NULL) == (phone != NULL)) {
        kluis__reply_error(c, 400, "invalid", "give \"email\" or \"phone\"");
        return;
    }
    struct kluis_err err = {0};
    kluis_rc rc = kluis_subject_ident_add(c->s->e, t, subject, email ? "email" : "phone",
                                          email ? email : phone, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_ok(c);
}

static void h_subject_ledger(struct call *c)
{
    const char *t = tenant_of(c, true);
    struct kluis_subject_name n;
    if (!t || !subject_arg(c, &n))
        return;
    struct kluis_err err = {0};
    char *text = NULL;
    kluis_rc rc = kluis_subject_ledger(c->s->e, t, &n, &text, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_doc(c, 200, text);
}

/* ---- Holds ---------------------------------------------------------------------------------- */

static void h_hold_add(struct call *c)
{
    const char *t = tenant_of(c, true), *subject = NULL, *category = NULL, *reason = NULL;
    if (!t || !str_arg(c, "subject", false, &subject) ||
        !str_arg(c, "category", false, &category) || !str_arg(c, "reason", true, &reason))
        return;
    struct kluis_err err = {0};
    uint64_t id;
    kluis_rc rc = kluis_hold_add(c->s->e, t, subject, category, reason, &id, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        kluis__reply_json(c, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

static void h_hold_release(struct call *c)
{
    uint64_t id;
    if (!id_param(c, 0, &id))
        return;
    struct kluis_err err = {0};
    kluis_rc rc = kluis_hold_release(c->s->e, c->who.operator_key ? NULL : c->who.tenant, id, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_ok(c);
}

/* ---- Requests ------------------------------------------------------------------------------- */

/* The tenant whose requests a call may see: its own, or (operator) all. */
static const char *request_scope(struct call *c)
{
    return c->who.operator_key ? NULL : c->who.tenant;
}

static void h_request_open(struct call *c)
{
    const char *t = tenant_of(c, true), *type = NULL, *lang = NULL;
    struct kluis_request_input in = {.tenant = t};
    const char *purposes[64];
    if (!t || !subject_arg(c, &in.subject) || !str_arg(c, "type", true, &type) ||
        !str_arg(c, "lang", false, &lang))
        return;
    if (!kluis_request_type_parse(type, &in.type)) {
        kluis__reply_error(c, 400, "invalid",
                           "type is access, rectification, erasure, restriction, portability, "
                           "objection or withdrawal");
        return;
    }
    if (lang && !kluis_lang_parse(lang, &in.lang)) {
        kluis__reply_error(c, 400, "invalid", "lang is nl or en");
        return;
    }
    json_t *ps = json_object_get(c->json, "purposes");
    if (ps) {
        size_t i;
        json_t *v;
        if (!json_is_array(ps) || json_array_size(ps) > 64) {
            kluis__reply_error(c, 400, "invalid", "\"purposes\" is an array of strings");
            return;
        }
        json_array_foreach(ps, i, v)
        {
            if (!json_is_string(v)) {
                kluis__reply_error(c, 400, "invalid", "\"purposes\" is an array of strings");
                return;
            }
            purposes[in.n_purposes++] = json_string_value(v);
        }
        in.purposes = purposes;
    }
    struct kluis_err err = {0};
    uint64_t id;
    kluis_rc rc = kluis_request_open(c->s->e, &in, &id, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        kluis__reply_json(c, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

static void h_request_list(struct call *c)
{
    const char *overdue = kluis__query(c, "overdue");
    struct kluis_err err = {0};
    char *text = NULL;
    /* An operator sees every tenant's, or one tenant's with ?tenant=. */
    const char *t = c->who.operator_key ? kluis__query(c, "tenant") : c->who.tenant;
    kluis_rc rc =
        kluis_request_list(c->s->e, t, overdue && strcmp(overdue, "true") == 0, &text, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_doc(c, 200, text);
}

static void h_request_show(struct call *c)
{
    uint64_t id;
    if (!id_param(c, 0, &id))
        return;
    struct kluis_err err = {0};
    char *text = NULL;
    kluis_rc rc = kluis_request_show(c->s->e, request_scope(c), id, &text, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_doc(c, 200, text);
}

static void h_request_step(struct call *c)
{
    uint64_t id;
    if (!id_param(c, 0, &id))
        return;
    const char *step = strrchr(c->route->path, '/') + 1, *text = NULL;
    const char *t = request_scope(c);
    struct kluis_err err = {0};
    kluis_rc rc;
    char *answer = NULL;
    if (strcmp(step, "verify") == 0) {
        if (!str_arg(c, "method", false, &text))
            return;
        rc = kluis_request_verify(c->s->e, t, id, text, &err);
    } else if (strcmp(step, "extend") == 0 || strcmp(step, "reject") == 0) {
        if (!str_arg(c, "reason", true, &text))
            return;
        rc = step[0] == 'e' ? kluis_request_extend(c->s->e, t, id, text, &err)
                            : kluis_request_reject(c->s->e, t, id, text, &answer, &err);
    } else if (strcmp(step, "forward") == 0) {
        rc = kluis_request_forward(c->s->e, t, id, &err);
    } else if (strcmp(step, "lift") == 0) {
        bool told;
        if (!bool_arg(c, "subject_told", &told))
            return;
        rc = kluis_request_lift(c->s->e, t, id, told, &err);
    } else {
        kluis__reply_error(c, 404, "not_found", "no such route");
        return;
    }
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else if (answer)
        reply_doc(c, 200, answer);
    else if ((rc = kluis_request_show(c->s->e, t, id, &answer, &err)))
        kluis__reply_rc(c, rc, &err);
    else
        reply_doc(c, 200, answer);
}

static void h_request_fulfil(struct call *c)
{
    uint64_t id;
    if (!id_param(c, 0, &id))
        return;
    struct kluis_fulfil_input in = {.tenant = request_scope(c), .id = id};
    uint64_t records[64];
    const void *values[64];
    size_t lens[64];
    const char *cont[64], *grounds[64];
    json_t *rs = c->json ? json_object_get(c->json, "records") : NULL;
    json_t *cs = c->json ? json_object_get(c->json, "continue") : NULL;
    size_t i;
    json_t *v;
    if ((rs && (!json_is_array(rs) || json_array_size(rs) > 64)) ||
        (cs && (!json_is_array(cs) || json_array_size(cs) > 64))) {
        kluis__reply_error(c, 400, "invalid",
                           "\"records\" and \"continue\" are arrays (at most "
                           "64)");
        return;
    }
    json_array_foreach(rs, i, v)
    {
        json_t *rid = json_object_get(v, "id"), *val = json_object_get(v, "value");
        if (!json_is_integer(rid) || json_integer_value(rid) <= 0 || !json_is_string(val)) {
            kluis__reply_error(c, 400, "invalid", "records[%zu] is {\"id\": N, \"value\": S}", i);
            return;
        }
        records[i] = (uint64_t)json_integer_value(rid);
        values[i] = json_string_value(val);
        lens[i] = json_string_length(val);
    }
    json_array_foreach(cs, i, v)
    {
        json_t *p = json_object_get(v, "purpose"), *g = json_object_get(v, "grounds");
        if (!json_is_string(p) || !json_is_string(g)) {
            kluis__reply_error(c, 400, "invalid",
                               "continue[%zu] is {\"purpose\": S, \"grounds\": S}", i);
            return;
        }
        cont[i] = json_string_value(p);
        grounds[i] = json_string_value(g);
    }
    in.records = records;
    in.values = values;
    in.value_lens = lens;
    in.n_records = json_array_size(rs);
    in.continue_purposes = cont;
    in.grounds = grounds;
    in.n_continue = json_array_size(cs);
    struct kluis_err err = {0};
    struct kluis_answer a = {0};
    kluis_rc rc = kluis_request_fulfil(c->s->e, &in, &a, &err);
    if (rc) {
        kluis__reply_rc(c, rc, &err);
        return;
    }
    json_t *o = json_object();
    json_t *answer = json_loads(a.json, 0, NULL);
    json_object_set_new(o, "answer", answer ? answer : json_null());
    json_object_set_new(o, "records_csv", a.csv ? json_string(a.csv) : json_null());
    kluis_answer_free(&a);
    kluis__reply_json(c, 200, o);
}

/* ---- Consent and approvals ------------------------------------------------------------------ */

static void h_consent(struct call *c)
{
    const char *t = tenant_of(c, true), *purpose = NULL, *action = NULL, *version = NULL;
    struct kluis_subject_name n;
    if (!t || !subject_arg(c, &n) || !str_arg(c, "purpose", true, &purpose) ||
        !str_arg(c, "action", true, &action) || !str_arg(c, "text_version", false, &version))
        return;
    struct kluis_err err = {0};
    kluis_rc rc;
    if (strcmp(action, "give") == 0)
        rc = kluis_consent_give(c->s->e, t, &n, purpose, version, &err);
    else if (strcmp(action, "withdraw") == 0 && !version)
        rc = kluis_consent_withdraw(c->s->e, t, &n, purpose, &err);
    else {
        kluis__reply_error(c, 400, "invalid",
                           "action is give or withdraw (a withdrawal takes no text_version)");
        return;
    }
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_ok(c);
}

static void h_approvals(struct call *c)
{
    struct kluis_err err = {0};
    char *text = NULL;
    kluis_rc rc = kluis_approval_list(c->s->e, c->who.tenant, &text, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_doc(c, 200, text);
}

static void h_approval_decide(struct call *c)
{
    uint64_t id;
    if (!id_param(c, 0, &id))
        return;
    bool approve = strcmp(strrchr(c->route->path, '/') + 1, "approve") == 0;
    if (c->json && json_object_get(c->json, "by")) {
        kluis__reply_error(c, 400, "invalid",
                           "the approver is the key's principal, never a name in the request");
        return;
    }
    struct kluis_err err = {0};
    /* The approver is who the key says. */
    kluis_rc rc = kluis_approval_decide(c->s->e, c->who.tenant, id, approve, c->who.name, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        kluis__reply_json(c, 200,
                          json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "decision",
                                    approve ? "approved" : "skipped", "by", c->who.name));
}

/* ---- Purge, audit, documents, keys ---------------------------------------------------------- */

static void h_purge(struct call *c)
{
    bool dry = false;
    if (!bool_arg(c, "dry_run", &dry))
        return;
    struct kluis_err err = {0};
    struct kluis_purge_report *r = NULL;
    kluis_rc rc = kluis_purge(c->s->e, dry, &r, &err);
    if (rc) {
        kluis__reply_rc(c, rc, &err);
        return;
    }
    json_t *counts = json_array();
    for (size_t i = 0; i < r->n_lines; i++)
        json_array_append_new(counts, json_pack("{s:s, s:s, s:I}", "tenant", r->lines[i].tenant,
                                                "category", r->lines[i].category, "removed",
                                                (json_int_t)r->lines[i].removed));
    char at[32], oldest[32];
    json_t *o = json_pack(
        "{s:s, s:b, s:o, s:I, s:o}", "at", kluis_time_format(r->at, at, sizeof(at)), "dry_run", dry,
        "counts", counts, "total", (json_int_t)r->total, "oldest_remaining",
        r->oldest_remaining == KLUIS_TIME_NEVER
            ? json_null()
            : json_string(kluis_time_format(r->oldest_remaining, oldest, sizeof(oldest))));
    if (!dry) {
        pthread_mutex_lock(&c->s->mlock);
        c->s->purged += r->total;
        pthread_mutex_unlock(&c->s->mlock);
    }
    kluis_purge_report_free(r);
    kluis__reply_json(c, 200, o);
}

static void h_audit_verify(struct call *c)
{
    struct kluis_err err = {0};
    struct kluis_audit_report r;
    kluis_rc rc = kluis_audit_verify(c->s->e, NULL, 0, &r, &err);
    if (rc) {
        kluis__reply_rc(c, rc, &err);
        return;
    }
    json_t *o = json_pack("{s:b, s:I, s:I, s:I}", "ok", r.ok, "size", (json_int_t)r.size,
                          "checkpoints", (json_int_t)r.checkpoints, "pruned", (json_int_t)r.pruned);
    if (!r.ok) {
        json_object_set_new(o, "first_bad", json_integer((json_int_t)r.first_bad));
        json_object_set_new(o, "problem", json_string(r.problem));
    }
    kluis__reply_json(c, 200, o);
}

static void h_audit_checkpoint(struct call *c)
{
    struct kluis_err err = {0};
    char *note = NULL;
    kluis_rc rc = kluis_audit_checkpoint(c->s->e, &note, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        kluis__reply_text(c, 200, "text/plain; charset=utf-8", note, strlen(note));
}

static void h_audit_pubkey(struct call *c)
{
    struct kluis_err err = {0};
    char key[512];
    kluis_rc rc = kluis_audit_pubkey(c->s->e, key, sizeof(key), &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        kluis__reply_json(c, 200, json_pack("{s:s}", "vkey", key));
}

static bool u64_query(struct call *c, const char *name, uint64_t *out)
{
    const char *s = kluis__query(c, name);
    *out = 0;
    if (!s)
        return true;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || *s == '-') {
        kluis__reply_error(c, 400, "invalid", "%s is a number", name);
        return false;
    }
    *out = v;
    return true;
}

static void h_audit_proof(struct call *c)
{
    uint64_t seq, size;
    char *end;
    seq = strtoull(c->params[0], &end, 10);
    if (*end || !u64_query(c, "size", &size)) {
        if (!c->resp)
            kluis__reply_error(c, 404, "not_found", "no such entry");
        return;
    }
    struct kluis_err err = {0};
    char *text = NULL;
    kluis_rc rc = kluis_audit_prove(c->s->e, seq, size, c->who.operator_key ? NULL : c->who.tenant,
                                    &text, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_doc(c, 200, text);
}

static void h_audit_consistency(struct call *c)
{
    uint64_t m, n;
    if (!u64_query(c, "m", &m) || !u64_query(c, "n", &n))
        return;
    struct kluis_err err = {0};
    char *text = NULL;
    kluis_rc rc = kluis_audit_consistency(c->s->e, m, n, &text, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_doc(c, 200, text);
}

struct entries_ctx {
    json_t *a;
    size_t max;
};

static int entries_cb(void *ctx, const struct kluis_audit_entry *x)
{
    struct entries_ctx *e = ctx;
    json_t *body = x->body ? json_loadb(x->body, x->body_len, 0, NULL) : NULL;
    json_array_append_new(e->a, json_pack("{s:I, s:o}", "seq", (json_int_t)x->seq, "entry",
                                          body ? body : json_null()));
    return json_array_size(e->a) >= e->max;
}

static void h_audit_entries(struct call *c)
{
    uint64_t from;
    if (!u64_query(c, "from", &from))
        return;
    struct entries_ctx x = {.a = json_array(), .max = 1000};
    struct kluis_err err = {0};
    const char *t = c->who.operator_key ? kluis__query(c, "tenant") : c->who.tenant;
    kluis_rc rc = kluis_audit_entries(c->s->e, t, from, entries_cb, &x, &err);
    if (rc) {
        json_decref(x.a);
        kluis__reply_rc(c, rc, &err);
        return;
    }
    kluis__reply_json(c, 200, json_pack("{s:o}", "entries", x.a));
}

static void h_statement(struct call *c)
{
    const char *lang_s = kluis__query(c, "lang"), *format_s = kluis__query(c, "format");
    enum kluis_lang lang = KLUIS_LANG_NL;
    enum kluis_doc_format format = KLUIS_FORMAT_HTML;
    if ((lang_s && !kluis_lang_parse(lang_s, &lang)) ||
        (format_s && (!kluis_doc_format_parse(format_s, &format) ||
                      (format != KLUIS_FORMAT_HTML && format != KLUIS_FORMAT_MD)))) {
        kluis__reply_error(c, 400, "invalid", "lang is nl or en; format is html or md");
        return;
    }
    struct kluis_err err = {0};
    char *text = NULL;
    size_t len = 0;
    kluis_rc rc = kluis_render_statement(c->s->p, lang, format, &text, &len, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        kluis__reply_text(c, 200,
                          format == KLUIS_FORMAT_HTML ? "text/html; charset=utf-8"
                                                      : "text/markdown; charset=utf-8",
                          text, len);
}

static void h_register(struct call *c)
{
    const char *format_s = kluis__query(c, "format"), *lang_s = kluis__query(c, "lang");
    enum kluis_doc_format format = KLUIS_FORMAT_JSON;
    enum kluis_lang lang = KLUIS_LANG_NL;
    if ((lang_s && !kluis_lang_parse(lang_s, &lang)) ||
        (format_s && (!kluis_doc_format_parse(format_s, &format) || format == KLUIS_FORMAT_HTML))) {
        kluis__reply_error(c, 400, "invalid", "lang is nl or en; format is csv, json or md");
        return;
    }
    struct kluis_err err = {0};
    char *text = NULL;
    size_t len = 0;
    kluis_rc rc = kluis_render_register(c->s->p, c->who.operator_key ? NULL : c->who.tenant, lang,
                                        format, &text, &len, &err);
    static const char *const types[] = {"text/markdown; charset=utf-8", "text/html",
                                        "text/csv; charset=utf-8", "application/json"};
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        kluis__reply_text(c, 200, types[format], text, len);
}

static void h_apikey_create(struct call *c)
{
    const char *role_s = NULL, *name = NULL, *tenant = NULL;
    if (!str_arg(c, "role", true, &role_s) || !str_arg(c, "name", true, &name) ||
        !str_arg(c, "tenant", false, &tenant))
        return;
    enum kluis_key_role role;
    if (!kluis_key_role_parse(role_s, &role)) {
        kluis__reply_error(c, 400, "invalid", "role is app, approver, dpo or admin");
        return;
    }
    if (!c->who.operator_key && tenant) {
        kluis__reply_error(c, 403, "forbidden", "a tenant's admin makes keys of its own tenant");
        return;
    }
    const char *t = c->who.operator_key ? tenant : c->who.tenant;
    struct kluis_err err = {0};
    char key[KLUIS_APIKEY_TEXT];
    uint64_t id;
    kluis_rc rc = kluis_apikey_create(c->s->e, t, role, name, key, &id, &err);
    if (rc) {
        kluis__reply_rc(c, rc, &err);
        return;
    }
    kluis__reply_json(c, 201, json_pack("{s:I, s:s}", "id", (json_int_t)id, "key", key));
    OPENSSL_cleanse(key, sizeof(key));
}

static void h_apikey_list(struct call *c)
{
    struct kluis_err err = {0};
    char *text = NULL;
    kluis_rc rc = kluis_apikey_list(c->s->e, c->who.operator_key,
                                    c->who.operator_key ? NULL : c->who.tenant, &text, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_doc(c, 200, text);
}

static void h_apikey_revoke(struct call *c)
{
    uint64_t id;
    if (!id_param(c, 0, &id))
        return;
    struct kluis_err err = {0};
    kluis_rc rc = kluis_apikey_revoke(c->s->e, c->who.operator_key,
                                      c->who.operator_key ? NULL : c->who.tenant, id, &err);
    if (rc)
        kluis__reply_rc(c, rc, &err);
    else
        reply_ok(c);
}

/* ---- The table ------------------------------------------------------------------------------ */

const struct route kluis__routes[] = {
    {"GET", "/healthz", 0, SCOPE_PUBLIC, h_healthz},
    {"GET", "/metrics", R_DPO | R_ADMIN, SCOPE_OPERATOR, h_metrics},
    {"POST", "/v1/tenants", R_ADMIN, SCOPE_OPERATOR, h_tenant_add},
    {"POST", "/v1/settings", R_ADMIN, SCOPE_EITHER, h_setting},
    {"POST", "/v1/records", R_APP, SCOPE_TENANT, h_record_put},
    {"POST", "/v1/records/batch", R_APP, SCOPE_TENANT, h_record_batch},
    {"GET", "/v1/records/{id}", R_APP, SCOPE_TENANT, h_record_get},
    {"DELETE", "/v1/records/{id}", R_APP, SCOPE_TENANT, h_record_delete},
    {"POST", "/v1/events", R_APP, SCOPE_TENANT, h_event},
    {"POST", "/v1/subjects/export", R_DPO, SCOPE_EITHER, h_subject_export},
    {"POST", "/v1/subjects/erase", R_DPO, SCOPE_EITHER, h_subject_erase},
    {"POST", "/v1/subjects/ident", R_DPO | R_APP, SCOPE_EITHER, h_subject_ident},
    {"POST", "/v1/subjects/ledger", R_DPO, SCOPE_EITHER, h_subject_ledger},
    {"POST", "/v1/holds", R_DPO, SCOPE_EITHER, h_hold_add},
    {"DELETE", "/v1/holds/{id}", R_DPO, SCOPE_EITHER, h_hold_release},
    {"GET", "/v1/requests", R_DPO, SCOPE_EITHER, h_request_list},
    {"POST", "/v1/requests", R_DPO, SCOPE_EITHER, h_request_open},
    {"GET", "/v1/requests/{id}", R_DPO, SCOPE_EITHER, h_request_show},
    {"POST", "/v1/requests/{id}/fulfil", R_DPO, SCOPE_EITHER, h_request_fulfil},
    {"POST", "/v1/requests/{id}/verify", R_DPO, SCOPE_EITHER, h_request_step},
    {"POST", "/v1/requests/{id}/extend", R_DPO, SCOPE_EITHER, h_request_step},
    {"POST", "/v1/requests/{id}/reject", R_DPO, SCOPE_EITHER, h_request_step},
    {"POST", "/v1/requests/{id}/forward", R_DPO, SCOPE_EITHER, h_request_step},
    {"POST", "/v1/requests/{id}/lift", R_DPO, SCOPE_EITHER, h_request_step},
    {"POST", "/v1/consent", R_DPO | R_APP, SCOPE_EITHER, h_consent},
    {"GET", "/v1/approvals", R_APPROVER, SCOPE_TENANT, h_approvals},
    {"POST", "/v1/approvals/{id}/approve", R_APPROVER, SCOPE_TENANT, h_approval_decide},
    {"POST", "/v1/approvals/{id}/skip", R_APPROVER, SCOPE_TENANT, h_approval_decide},
    {"POST", "/v1/purge", R_ADMIN, SCOPE_OPERATOR, h_purge},
    {"GET", "/v1/audit/verify", R_DPO, SCOPE_EITHER, h_audit_verify},
    {"POST", "/v1/audit/checkpoint", R_DPO, SCOPE_OPERATOR, h_audit_checkpoint},
    {"GET", "/v1/audit/pubkey", R_DPO, SCOPE_EITHER, h_audit_pubkey},
    {"GET", "/v1/audit/entries", R_DPO, SCOPE_EITHER, h_audit_entries},
    {"GET", "/v1/audit/proof/{seq}", R_DPO, SCOPE_EITHER, h_audit_proof},
    {"GET", "/v1/audit/consistency", R_DPO, SCOPE_OPERATOR, h_audit_consistency},
    {"GET", "/v1/statement", R_ANY, SCOPE_EITHER, h_statement},
    {"GET", "/v1/register", R_DPO | R_ADMIN, SCOPE_EITHER, h_register},
    {"POST", "/v1/apikeys", R_ADMIN, SCOPE_EITHER, h_apikey_create},
    {"GET", "/v1/apikeys", R_ADMIN, SCOPE_EITHER, h_apikey_list},
    {"DELETE", "/v1/apikeys/{id}", R_ADMIN, SCOPE_EITHER, h_apikey_revoke},
};
const size_t kluis__n_routes = sizeof(kluis__routes) / sizeof(kluis__routes[0]);
