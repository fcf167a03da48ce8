/*
 * Data-subject requests (art. 12–22): their clock, their steps and what fulfilling each type
 * does to the data.
 *
 * A request lives in the store as a row (tenant, subject pseudonym, type, state, receipt, due
 * date) and a JSON document with the rest of its life: the dates and how they were counted, each
 * step, the reasons given, the decisions and a summary of the answer. No value of a record and
 * no reference of the subject is in it. Every step is one transaction with its audit entry.
 *
 * The clock (art. 12(3), counted per Regulation 1182/71 as the EDPB applies it) is the calendar
 * part's: the receipt date is the calendar date in the controller's time zone; one calendar month
 * later, moved past weekends and public holidays of the controller's country, or earlier where
 * the policy promises less; three months when extended.
 */
#include "engine/engine_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/calendar.h"
#include "kluis/render.h"

static const char *const type_names[] = {"access",      "rectification", "erasure",   "restriction",
                                         "portability", "objection",     "withdrawal"};
#define N_TYPES (sizeof(type_names) / sizeof(type_names[0]))

bool kluis_request_type_parse(const char *s, enum kluis_request_type *out)
{
    for (size_t i = 0; s && i < N_TYPES; i++)
        if (strcmp(s, type_names[i]) == 0) {
            *out = (enum kluis_request_type)i;
            return true;
        }
    return false;
}

const char *kluis_request_type_name(enum kluis_request_type t)
{
    return (unsigned)t < N_TYPES ? type_names[t] : "?";
}

void kluis_answer_free(struct kluis_answer *a)
{
    if (a) {
        free(a->json);
        free(a->csv);
        a->json = a->csv = NULL;
    }
}

/* ---- A request in memory -------------------------------------------------------------------- */

struct req {
    uint64_t id;
    char tenant[KLUIS_TENANT_MAX + 1];
    struct kluis_subject_ref subject;
    enum kluis_request_type type;
    char state[16];
    int64_t received;
    int64_t due;
    json_t *doc;
    bool bad; /* the stored document did not parse */
};

static int req_cb(void *ctx, const struct kluis_request_row *r)
{
    struct req *q = ctx;
    q->id = r->id;
    snprintf(q->tenant, sizeof(q->tenant), "%s", r->tenant);
    q->subject = r->subject;
    if (!kluis_request_type_parse(r->type, &q->type))
        q->bad = true;
    snprintf(q->state, sizeof(q->state), "%s", r->state);
    q->received = r->received;
    q->due = r->due;
    q->doc = json_loads(r->doc, 0, NULL);
    if (!json_is_object(q->doc))
        q->bad = true;
    return 1;
}

static void req_clear(struct req *q)
{
    json_decref(q->doc);
    q->doc = NULL;
}

static kluis_rc req_load(struct kluis_engine *e, const char *tenant, uint64_t id, struct req *q,
                         struct kluis_err *err)
{
    req_clear(q);
    memset(q, 0, sizeof(*q));
    kluis_rc rc = e->be->request_get(e->obj, tenant, id, req_cb, q, err);
    if (rc == KLUIS_ENOTFOUND)
        return kluis_err_set(err, rc, "no request %" PRIu64 "%s%s%s", id,
                             tenant ? " for tenant '" : "", tenant ? tenant : "",
                             tenant ? "'" : "");
    if (rc == KLUIS_OK && q->bad)
        rc = kluis_err_set(err, KLUIS_ECORRUPT, "store: request %" PRIu64 " cannot be read", id);
    return rc;
}

static kluis_rc req_save(struct kluis_engine *e, struct req *q, struct kluis_err *err)
{
    char *doc = json_dumps(q->doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!doc)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    struct kluis_request_row row = {
        .id = q->id,
        .tenant = q->tenant,
        .subject = q->subject,
        .type = type_names[q->type],
        .state = q->state,
        .received = q->received,
        .due = q->due,
        .doc = doc,
    };
    kluis_rc rc = e->be->request_update(e->obj, &row, err);
    free(doc);
    return rc;
}

static json_t *date_json(int64_t day)
{
    char buf[16];
    return json_string(kluis_date_format(day, buf, sizeof(buf)));
}

static json_t *time_json(int64_t t)
{
    char buf[32];
    return json_string(kluis_time_format(t, buf, sizeof(buf)));
}

/* Appends a step to the document's history. */
static void step_add(struct kluis_engine *e, json_t *doc, const char *step, json_t *extra)
{
    json_t *steps = json_object_get(doc, "steps");
    if (!steps) {
        steps = json_array();
        json_object_set_new(doc, "steps", steps);
    }
    json_t *o = json_object();
    json_object_set_new(o, "step", json_string(step));
    json_object_set_new(o, "at", time_json(e->now));
    if (extra)
        json_object_update(o, extra);
    json_decref(extra);
    json_array_append_new(steps, o);
}

/* A step's audit entry: the request's number and type, never its reasons (free text). */
static kluis_rc step_audit(struct kluis_engine *e, const struct req *q, const char *step,
                           json_t *extra, struct kluis_err *err)
{
    char action[48];
    snprintf(action, sizeof(action), "request.%s", step);
    json_t *x = extra ? extra : json_object();
    json_object_set_new(x, "request", json_integer((json_int_t)q->id));
    json_object_set_new(x, "type", json_string(type_names[q->type]));
    return kluis__audit(e, action, q->tenant, &q->subject, NULL, 0, x, "ok", err);
}

static bool state_is(const struct req *q, const char *s)
{
    return strcmp(q->state, s) == 0;
}

static bool is_open(const struct req *q)
{
    return state_is(q, "received") || state_is(q, "verified") || state_is(q, "forwarded");
}

static bool doc_bool(const json_t *doc, const char *key)
{
    return json_is_true(json_object_get(doc, key));
}

static const char *doc_str(const json_t *doc, const char *key)
{
    return json_string_value(json_object_get(doc, key));
}

/* ---- The clock ------------------------------------------------------------------------------ */

/* The controller's zone: the organisation's where it is in that country, else the country's. */
static const char *zone_for(const struct kluis_engine *e, const char *country)
{
    const struct kluis_organisation *o = kluis_policy_organisation(e->policy);
    if (o && o->timezone && o->country && strcmp(o->country, country) == 0)
        return o->timezone;
    if (strcmp(country, "BE") == 0)
        return "Europe/Brussels";
    return "Europe/Amsterdam";
}

/* The controller's "today", the calendar date now in its zone. */
static kluis_rc today(const struct kluis_engine *e, const char *zone, int64_t *out,
                      struct kluis_err *err)
{
    return kluis_calendar_local_day(e->now, zone, out, err);
}

/* The due date of a request received on rday: extended or not, per the policy's promise. Writes
 * the dates it weighed into doc. */
static kluis_rc due_date(const struct kluis_engine *e, const char *country, int64_t rday,
                         bool extended, json_t *doc, int64_t *out_due, struct kluis_err *err)
{
    const struct kluis_rights *r = kluis_policy_rights(e->policy);
    struct kluis_duration month = {1, KLUIS_UNIT_MONTH};
    int64_t law;
    kluis_rc rc = kluis_calendar_due(country, rday, month, &law, err);
    if (rc)
        return rc;
    int64_t due = law;
    json_object_set_new(doc, "due_law", date_json(law));
    if (r && r->has_deadline) {
        int64_t promised;
        if ((rc = kluis_calendar_due(country, rday, r->deadline, &promised, err)))
            return rc;
        json_object_set_new(doc, "due_promised", date_json(promised));
        if (promised < due)
            due = promised;
    }
    json_object_set_new(doc, "first_due", date_json(due));
    if (extended) {
        /* Two further months (art. 12(3)), or what the policy promises; counted from receipt
         * as one period, as the issue and the EDPB put it: receipt + 3 months. */
        struct kluis_duration ext = {2, KLUIS_UNIT_MONTH};
        if (r && r->has_extension)
            ext = r->extension;
        int64_t ext_due;
        if (ext.unit == KLUIS_UNIT_MONTH) {
            struct kluis_duration total = {1 + ext.n, KLUIS_UNIT_MONTH};
            rc = kluis_calendar_due(country, rday, total, &ext_due, err);
        } else {
            rc =
                kluis_calendar_due(country, kluis_calendar_add_months(rday, 1), ext, &ext_due, err);
        }
        if (rc)
            return rc;
        if (ext_due > due)
            due = ext_due;
    }
    *out_due = due;
    return KLUIS_OK;
}

/* ---- What kluis holds on the subject -------------------------------------------------------- */

struct held {
    const struct kluis_engine *e;
    const char *cats[256];
    size_t n;
    uint64_t records;
};

static int held_cb(void *ctx, const struct kluis_record_row *r)
{
    struct held *h = ctx;
    if (r->expiry <= h->e->now && !r->held)
        return 0;
    h->records++;
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->cats[i], r->category) == 0)
            return 0;
    /* The policy's own string: it outlives the scan. */
    const struct kluis_category *c = kluis_policy_find_category(h->e->policy, r->category);
    if (c && h->n < sizeof(h->cats) / sizeof(h->cats[0]))
        h->cats[h->n++] = c->id;
    return 0;
}

static kluis_rc held_scan(struct kluis_engine *e, const char *tenant,
                          const struct kluis_subject_ref *subject, struct held *h,
                          struct kluis_err *err)
{
    memset(h, 0, sizeof(*h));
    h->e = e;
    struct kluis_record_filter f = {.tenant = tenant, .subject = subject};
    return e->be->records_scan(e->obj, &f, held_cb, h, err);
}

/* Recipients to inform of a rectification, erasure or restriction (art. 19): those that receive
 * one of the categories held. */
static json_t *recipients_json(const struct kluis_engine *e, const struct held *h)
{
    json_t *a = json_array();
    for (size_t i = 0; i < kluis_policy_n_subprocessors(e->policy); i++) {
        const struct kluis_subprocessor *sp = kluis_policy_subprocessor(e->policy, i);
        json_t *cats = json_array();
        for (size_t j = 0; j < sp->n_categories; j++)
            for (size_t k = 0; k < h->n; k++)
                if (strcmp(sp->categories[j], h->cats[k]) == 0)
                    json_array_append_new(cats, json_string(h->cats[k]));
        if (!json_array_size(cats)) {
            json_decref(cats);
            continue;
        }
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(sp->id));
        json_object_set_new(o, "name", json_string(sp->name));
        json_object_set_new(
            o, "role",
            json_string(sp->role == KLUIS_RECIPIENT_PROCESSOR ? "processor" : "controller"));
        json_object_set_new(o, "categories", cats);
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *cats_json(const struct held *h)
{
    json_t *a = json_array();
    for (size_t i = 0; i < h->n; i++)
        json_array_append_new(a, json_string(h->cats[i]));
    return a;
}

/* ---- Open ----------------------------------------------------------------------------------- */

/* The purposes art. 21 lets a subject object to: 6(1)(e) or (f), or direct marketing. */
static bool objectable(const struct kluis_purpose *pu)
{
    return pu->basis == KLUIS_BASIS_PUBLIC_TASK || pu->basis == KLUIS_BASIS_LEGITIMATE_INTEREST ||
           pu->direct_marketing;
}

static bool consent_based(const struct kluis_purpose *pu)
{
    return pu->basis == KLUIS_BASIS_CONSENT || pu->art9 == KLUIS_ART9_EXPLICIT_CONSENT;
}

struct open_ctx {
    const struct kluis_request_input *in;
    struct kluis__tenant_state *st;
    struct kluis_subject_ref subject;
    uint64_t id;
};

static kluis_rc open_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct open_ctx *c = vctx;
    const struct kluis_request_input *in = c->in;
    const struct kluis_organisation *org = kluis_policy_organisation(e->policy);
    struct held h;
    kluis_rc rc = held_scan(e, in->tenant, &c->subject, &h, err);
    if (rc)
        return rc;
    /* Processor mode: everything held on the subject is processed for the customer. */
    bool processor = h.n > 0;
    for (size_t i = 0; i < h.n; i++) {
        const struct kluis_category *cat = kluis_policy_find_category(e->policy, h.cats[i]);
        if (cat && cat->role != KLUIS_ROLE_PROCESSOR)
            processor = false;
    }
    json_t *doc = json_object();
    const char *country = org && org->country ? org->country : "NL";
    const char *calendar = "organisation";
    if (processor) {
        if (c->st->country[0] && kluis_calendar_country_known(c->st->country)) {
            country = c->st->country;
            calendar = "customer";
        } else if (c->st->country[0]) {
            calendar = "organisation (kluis knows the holidays of NL and BE, not of the "
                       "customer's country)";
        } else {
            calendar = "organisation (the customer has no country: kluis tenant add --country)";
        }
    }
    if (!kluis_calendar_country_known(country)) {
        json_decref(doc);
        return kluis_err_set(err, KLUIS_EUNSUPPORTED,
                             "kluis knows the public holidays of NL and BE, not of '%s', so it "
                             "cannot count this request's deadline",
                             country);
    }
    const char *zone = zone_for(e, country);
    int64_t rday, due;
    if ((rc = kluis_calendar_local_day(e->now, zone, &rday, err)) ||
        (rc = due_date(e, country, rday, false, doc, &due, err))) {
        json_decref(doc);
        return rc;
    }
    json_object_set_new(doc, "received", time_json(e->now));
    json_object_set_new(doc, "received_date", date_json(rday));
    json_object_set_new(doc, "zone", json_string(zone));
    json_object_set_new(doc, "country", json_string(country));
    json_object_set_new(doc, "calendar", json_string(calendar));
    json_object_set_new(doc, "processor", json_boolean(processor));
    json_object_set_new(doc, "lang", json_string(in->lang == KLUIS_LANG_EN ? "en" : "nl"));
    json_object_set_new(doc, "held_at_receipt", cats_json(&h));
    /* The purposes an objection or withdrawal concerns. */
    json_t *purposes = json_array();
    const struct kluis_policy *p = e->policy;
    if (in->type == KLUIS_REQUEST_OBJECTION || in->type == KLUIS_REQUEST_WITHDRAWAL) {
        for (size_t i = 0; i < in->n_purposes; i++) {
            const struct kluis_purpose *pu = kluis_policy_find_purpose(p, in->purposes[i]);
            if (!pu) {
                rc = kluis_err_set(err, KLUIS_EREFUSED, "the policy has no purpose '%s'",
                                   in->purposes[i]);
            } else if (in->type == KLUIS_REQUEST_OBJECTION && !objectable(pu)) {
                rc = kluis_err_set(err, KLUIS_EREFUSED,
                                   "purpose '%s' rests on %s: art. 21 covers purposes based on "
                                   "art. 6(1)(e) or (f) and direct marketing%s",
                                   pu->id, consent_based(pu) ? "consent" : "another basis",
                                   consent_based(pu) ? " (withdraw the consent instead)" : "");
            } else if (in->type == KLUIS_REQUEST_WITHDRAWAL && !consent_based(pu)) {
                rc = kluis_err_set(err, KLUIS_EREFUSED,
                                   "purpose '%s' does not rest on consent: there is none to "
                                   "withdraw",
                                   pu->id);
            }
            if (rc) {
                json_decref(purposes);
                json_decref(doc);
                return rc;
            }
            json_array_append_new(purposes, json_string(pu->id));
        }
        if (!in->n_purposes)
            for (size_t i = 0; i < kluis_policy_n_purposes(p); i++) {
                const struct kluis_purpose *pu = kluis_policy_purpose(p, i);
                if (in->type == KLUIS_REQUEST_OBJECTION ? objectable(pu) : consent_based(pu))
                    json_array_append_new(purposes, json_string(pu->id));
            }
        json_object_set_new(doc, "purposes", purposes);
    } else {
        json_decref(purposes);
        if (in->n_purposes) {
            json_decref(doc);
            return kluis_err_set(err, KLUIS_EINVAL,
                                 "only an objection or a withdrawal names purposes");
        }
    }
    struct kluis_request_row row = {
        .tenant = in->tenant,
        .subject = c->subject,
        .type = type_names[in->type],
        .state = "received",
        .received = e->now,
        .due = due,
    };
    step_add(e, doc, "received", NULL);
    struct req q = {.subject = c->subject, .type = in->type, .doc = doc};
    snprintf(q.tenant, sizeof(q.tenant), "%s", in->tenant);
    snprintf(q.state, sizeof(q.state), "received");
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    row.doc = text;
    rc = text ? e->be->request_insert(e->obj, &row, &c->id, err)
              : kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    free(text);
    q.id = c->id;
    if (rc == KLUIS_OK) {
        json_t *x = json_object();
        json_object_set_new(x, "due", date_json(due));
        json_object_set_new(x, "processor", json_boolean(processor));
        rc = step_audit(e, &q, "open", x, err);
    }
    /* An objection to direct marketing stops it at once and absolutely (art. 21(3)): the stop
     * protects the subject whoever sent it, so it does not wait for verification. */
    if (rc == KLUIS_OK && in->type == KLUIS_REQUEST_OBJECTION) {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(doc, "purposes"), i, v)
        {
            const struct kluis_purpose *pu = kluis_policy_find_purpose(p, json_string_value(v));
            if (rc || !pu->direct_marketing)
                continue;
            rc = kluis__ledger_add(e, in->tenant, &c->subject, "objection.stop", pu->id, NULL,
                                   c->id, err);
            if (rc == KLUIS_OK)
                rc = kluis__event_fire(e, c->st, KLUIS_EVENT_SUBJECT_OBJECTED, pu->id, &c->subject,
                                       NULL, NULL, err);
        }
    }
    json_decref(doc);
    return rc;
}

kluis_rc kluis_request_open(struct kluis_engine *e, const struct kluis_request_input *in,
                            uint64_t *out_id, struct kluis_err *err)
{
    if (!in || !in->tenant)
        return kluis_err_set(err, KLUIS_EINVAL, "a request needs a tenant and a subject");
    if ((unsigned)in->type >= N_TYPES)
        return kluis_err_set(err, KLUIS_EINVAL, "unknown request type");
    struct open_ctx c = {.in = in};
    if (!(c.st = malloc(sizeof(*c.st))))
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    kluis_rc rc = kluis__engine_tenant(e, in->tenant, c.st, err);
    if (rc == KLUIS_OK)
        rc = kluis__subject_resolve(e, in->tenant, &in->subject, false, &c.subject, err);
    if (rc == KLUIS_OK)
        rc = kluis__engine_txn(e, open_body, &c, err);
    free(c.st);
    if (rc == KLUIS_OK)
        *out_id = c.id;
    return rc;
}

/* ---- Show and list -------------------------------------------------------------------------- */

/* The request as shown: the row's fields, whether it is overdue, and its document. */
static kluis_rc req_json(struct kluis_engine *e, const struct req *q, json_t **out,
                         struct kluis_err *err)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)q->id));
    json_object_set_new(o, "tenant", json_string(q->tenant));
    json_object_set_new(o, "type", json_string(type_names[q->type]));
    json_object_set_new(o, "state", json_string(q->state));
    /* The pseudonym, shortened: enough to tell requests about one subject apart. */
    char pseud[17];
    for (int i = 0; i < 8; i++)
        snprintf(pseud + 2 * i, 3, "%02x", q->subject.hash[i]);
    json_object_set_new(o, "subject", json_string(pseud));
    json_object_set_new(o, "due", date_json(q->due));
    int64_t now_day = 0;
    const char *zone = doc_str(q->doc, "zone");
    kluis_rc rc = today(e, zone ? zone : "Europe/Amsterdam", &now_day, err);
    if (rc) {
        json_decref(o);
        return rc;
    }
    bool open = is_open(q);
    json_object_set_new(o, "open", json_boolean(open));
    json_object_set_new(o, "overdue", json_boolean(open && now_day > q->due));
    json_object_set_new(o, "days_left",
                        open ? json_integer((json_int_t)(q->due - now_day)) : json_null());
    json_object_update(o, q->doc);
    *out = o;
    return KLUIS_OK;
}

static char *dump(json_t *o)
{
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

kluis_rc kluis_request_show(struct kluis_engine *e, const char *tenant, uint64_t id,
                            char **out_json, struct kluis_err *err)
{
    struct req q = {0};
    kluis_rc rc = req_load(e, tenant, id, &q, err);
    json_t *o = NULL;
    if (rc == KLUIS_OK)
        rc = req_json(e, &q, &o, err);
    req_clear(&q);
    if (rc)
        return rc;
    *out_json = dump(o);
    return *out_json ? KLUIS_OK : kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
}

struct list_ctx {
    struct kluis_engine *e;
    bool overdue;
    json_t *items;
    kluis_rc rc;
    struct kluis_err err;
};

static int list_cb(void *ctx, const struct kluis_request_row *r)
{
    struct list_ctx *l = ctx;
    struct req q = {0};
    req_cb(&q, r);
    if (q.bad) {
        req_clear(&q);
        l->rc = kluis_err_set(&l->err, KLUIS_ECORRUPT, "store: request %" PRIu64 " cannot be read",
                              r->id);
        return 1;
    }
    json_t *o = NULL;
    if ((l->rc = req_json(l->e, &q, &o, &l->err))) {
        req_clear(&q);
        return 1;
    }
    req_clear(&q);
    if (l->overdue && !json_is_true(json_object_get(o, "overdue"))) {
        json_decref(o);
        return 0;
    }
    /* The list: what a person scans for; show gives the rest. */
    json_t *s = json_object();
    static const char *const keys[] = {"id",        "tenant",        "type", "state",
                                       "subject",   "received_date", "due",  "overdue",
                                       "days_left", "processor"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(o, keys[i]);
        if (v)
            json_object_set(s, keys[i], v);
    }
    json_decref(o);
    json_array_append_new(l->items, s);
    return 0;
}

kluis_rc kluis_request_list(struct kluis_engine *e, const char *tenant, bool overdue,
                            char **out_json, struct kluis_err *err)
{
    struct list_ctx l = {.e = e, .overdue = overdue, .items = json_array()};
    struct kluis_request_filter f = {.tenant = tenant, .open_only = overdue};
    kluis_rc rc = e->be->requests_scan(e->obj, &f, list_cb, &l, err);
    if (rc == KLUIS_OK && l.rc) {
        rc = l.rc;
        if (err)
            *err = l.err;
    }
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    *out_json = dump(l.items);
    return *out_json ? KLUIS_OK : kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
}

/* ---- Steps ---------------------------------------------------------------------------------- */

struct step_ctx {
    const char *tenant;
    uint64_t id;
    const char *text; /* method, reason */
    bool flag;        /* lift: the subject was told */
    const struct kluis_fulfil_input *fulfil;
    struct kluis_answer *answer;
    kluis_rc (*fn)(struct kluis_engine *, struct step_ctx *, struct req *, struct kluis_err *);
    struct req q;
};

static kluis_rc step_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct step_ctx *c = vctx;
    kluis_rc rc = req_load(e, c->tenant, c->id, &c->q, err);
    if (rc == KLUIS_OK)
        rc = c->fn(e, c, &c->q, err);
    if (rc == KLUIS_OK)
        rc = req_save(e, &c->q, err);
    return rc;
}

static kluis_rc run_step(struct kluis_engine *e, struct step_ctx *c, struct kluis_err *err)
{
    kluis_rc rc = kluis__engine_txn(e, step_body, c, err);
    req_clear(&c->q);
    return rc;
}

static kluis_rc refuse_closed(const struct req *q, struct kluis_err *err)
{
    return kluis_err_set(err, KLUIS_EREFUSED, "request %" PRIu64 " is %s: it is closed", q->id,
                         q->state);
}

static bool method_known(const char *m)
{
    static const char *const methods[] = {KLUIS_VERIFY_METHODS};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (strcmp(methods[i], m) == 0)
            return true;
    return false;
}

static kluis_rc verify_fn(struct kluis_engine *e, struct step_ctx *c, struct req *q,
                          struct kluis_err *err)
{
    if (!is_open(q))
        return refuse_closed(q, err);
    if (!state_is(q, "received"))
        return kluis_err_set(err, KLUIS_EREFUSED, "request %" PRIu64 " is %s already", q->id,
                             q->state);
    if (doc_bool(q->doc, "processor"))
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "request %" PRIu64 " concerns data kluis processes for customer "
                             "'%s': the customer, as controller, checks the requester (art. "
                             "28(3)(e)); forward it: kluis request forward %" PRIu64,
                             q->id, q->tenant, q->id);
    const struct kluis_rights *r = kluis_policy_rights(e->policy);
    const char *method = c->text ? c->text : r ? r->verification_method : NULL;
    if (!method)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "name how the identity was checked (--method): the policy states "
                             "no method");
    if (!method_known(method))
        return kluis_err_set(err, KLUIS_EINVAL,
                             "unknown verification method '%s' (account_login, "
                             "email_confirmation, id_document, in_person)",
                             method);
    json_t *v = json_object();
    json_object_set_new(v, "method", json_string(method));
    json_object_set_new(v, "at", time_json(e->now));
    json_object_set_new(q->doc, "verified", v);
    step_add(e, q->doc, "verified", json_pack("{s:s}", "method", method));
    snprintf(q->state, sizeof(q->state), "verified");
    return step_audit(e, q, "verify", json_pack("{s:s}", "method", method), err);
}

kluis_rc kluis_request_verify(struct kluis_engine *e, const char *tenant, uint64_t id,
                              const char *method, struct kluis_err *err)
{
    struct step_ctx c = {.tenant = tenant, .id = id, .text = method, .fn = verify_fn};
    return run_step(e, &c, err);
}

static kluis_rc reason_check(const char *reason, struct kluis_err *err)
{
    if (!reason || !*reason)
        return kluis_err_set(err, KLUIS_EINVAL, "give a reason (--reason TEXT)");
    if (strlen(reason) > 2000)
        return kluis_err_set(err, KLUIS_ETOOBIG, "a reason is at most 2000 bytes");
    return KLUIS_OK;
}

static kluis_rc extend_fn(struct kluis_engine *e, struct step_ctx *c, struct req *q,
                          struct kluis_err *err)
{
    if (!is_open(q))
        return refuse_closed(q, err);
    if (json_object_get(q->doc, "extended"))
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "request %" PRIu64 " was extended already: art. 12(3) allows one "
                             "extension",
                             q->id);
    const char *zone = doc_str(q->doc, "zone"), *country = doc_str(q->doc, "country"),
               *first = doc_str(q->doc, "first_due"), *rdate = doc_str(q->doc, "received_date");
    int64_t now_day, first_day, rday;
    kluis_rc rc;
    if (!zone || !country || !first || !rdate ||
        kluis_date_parse(first, strlen(first), &first_day, NULL) ||
        kluis_date_parse(rdate, strlen(rdate), &rday, NULL))
        return kluis_err_set(err, KLUIS_ECORRUPT, "store: request %" PRIu64 " has no dates", q->id);
    if ((rc = today(e, zone, &now_day, err)))
        return rc;
    if (now_day > first_day) {
        char buf[16];
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "request %" PRIu64 " was due on %s: an extension is possible only "
                             "before the first deadline runs out (art. 12(3))",
                             q->id, kluis_date_format(first_day, buf, sizeof(buf)));
    }
    int64_t due;
    if ((rc = due_date(e, country, rday, true, q->doc, &due, err)))
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "reason", json_string(c->text));
    json_object_set_new(x, "at", time_json(e->now));
    json_object_set_new(x, "due", date_json(due));
    json_object_set_new(q->doc, "extended", x);
    q->due = due;
    step_add(e, q->doc, "extended", json_pack("{s:o}", "due", date_json(due)));
    return step_audit(e, q, "extend", json_pack("{s:o}", "due", date_json(due)), err);
}

kluis_rc kluis_request_extend(struct kluis_engine *e, const char *tenant, uint64_t id,
                              const char *reason, struct kluis_err *err)
{
    kluis_rc rc = reason_check(reason, err);
    if (rc)
        return rc;
    struct step_ctx c = {.tenant = tenant, .id = id, .text = reason, .fn = extend_fn};
    return run_step(e, &c, err);
}

/* The authorities a subject may complain to, for an answer (art. 12(4), 77). */
static json_t *authorities_json(const struct kluis_engine *e, enum kluis_lang lang)
{
    json_t *a = json_array();
    for (size_t i = 0; i < kluis_policy_n_authorities(e->policy); i++) {
        const struct kluis_authority *au = kluis_policy_authority(e->policy, i);
        json_t *o = json_object();
        const char *name = kluis_text_get(&au->name, lang);
        json_object_set_new(o, "name", json_string(name ? name : au->id));
        json_object_set_new(o, "country", json_string(au->country));
        if (au->website)
            json_object_set_new(o, "website", json_string(au->website));
        json_array_append_new(a, o);
    }
    return a;
}

static enum kluis_lang req_lang(const struct req *q)
{
    const char *l = doc_str(q->doc, "lang");
    return l && strcmp(l, "en") == 0 ? KLUIS_LANG_EN : KLUIS_LANG_NL;
}

static json_t *answer_head(const struct req *q, const char *decision)
{
    json_t *a = json_object();
    json_object_set_new(a, "request", json_integer((json_int_t)q->id));
    json_object_set_new(a, "type", json_string(type_names[q->type]));
    json_object_set_new(a, "tenant", json_string(q->tenant));
    json_object_set_new(a, "decision", json_string(decision));
    return a;
}

static kluis_rc answer_out(json_t *a, struct kluis_answer *out, struct kluis_err *err)
{
    char *s = dump(a);
    if (!s)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    free(out->json);
    out->json = s;
    return KLUIS_OK;
}

static kluis_rc reject_fn(struct kluis_engine *e, struct step_ctx *c, struct req *q,
                          struct kluis_err *err)
{
    if (!is_open(q))
        return refuse_closed(q, err);
    enum kluis_lang lang = req_lang(q);
    json_object_set_new(q->doc, "rejected",
                        json_pack("{s:s, s:o}", "reason", c->text, "at", time_json(e->now)));
    snprintf(q->state, sizeof(q->state), "rejected");
    step_add(e, q->doc, "rejected", NULL);
    kluis_rc rc = step_audit(e, q, "reject", NULL, err);
    if (rc)
        return rc;
    json_t *a = answer_head(q, "rejected");
    json_object_set_new(a, "reason", json_string(c->text));
    json_object_set_new(
        a, "remedies",
        json_string(lang == KLUIS_LANG_EN
                        ? "You may lodge a complaint with a supervisory authority and seek a "
                          "judicial remedy (art. 12(4), 77 and 79 GDPR)."
                        : "Je kunt een klacht indienen bij een toezichthoudende autoriteit en je "
                          "tot de rechter wenden (art. 12 lid 4, 77 en 79 AVG)."));
    json_object_set_new(a, "authorities", authorities_json(e, lang));
    return answer_out(a, c->answer, err);
}

kluis_rc kluis_request_reject(struct kluis_engine *e, const char *tenant, uint64_t id,
                              const char *reason, char **out_answer, struct kluis_err *err)
{
    kluis_rc rc = reason_check(reason, err);
    if (rc)
        return rc;
    struct kluis_answer a = {0};
    struct step_ctx c = {.tenant = tenant, .id = id, .text = reason, .fn = reject_fn, .answer = &a};
    if ((rc = run_step(e, &c, err))) {
        kluis_answer_free(&a);
        return rc;
    }
    *out_answer = a.json;
    return KLUIS_OK;
}

static kluis_rc forward_fn(struct kluis_engine *e, struct step_ctx *c, struct req *q,
                           struct kluis_err *err)
{
    (void)c;
    if (!is_open(q))
        return refuse_closed(q, err);
    if (!doc_bool(q->doc, "processor"))
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "request %" PRIu64 " concerns data the organisation controls: it "
                             "answers the request itself",
                             q->id);
    if (state_is(q, "forwarded"))
        return kluis_err_set(err, KLUIS_EREFUSED, "request %" PRIu64 " was forwarded already",
                             q->id);
    json_object_set_new(q->doc, "forwarded",
                        json_pack("{s:s, s:o}", "to", q->tenant, "at", time_json(e->now)));
    snprintf(q->state, sizeof(q->state), "forwarded");
    step_add(e, q->doc, "forwarded", NULL);
    return step_audit(e, q, "forward", NULL, err);
}

kluis_rc kluis_request_forward(struct kluis_engine *e, const char *tenant, uint64_t id,
                               struct kluis_err *err)
{
    struct step_ctx c = {.tenant = tenant, .id = id, .fn = forward_fn};
    return run_step(e, &c, err);
}

/* ---- Fulfil --------------------------------------------------------------------------------- */

static bool portable(const struct kluis_engine *e, const char *category, void *ctx)
{
    (void)ctx;
    const struct kluis_category *c = kluis_policy_find_category(e->policy, category);
    return c && kluis_render_portable(e->policy, c);
}

static kluis_rc fulfil_export(struct kluis_engine *e, struct step_ctx *c, struct req *q,
                              const struct held *h, json_t *a, struct kluis_err *err)
{
    bool port = q->type == KLUIS_REQUEST_PORTABILITY;
    json_t *records = NULL;
    kluis_rc rc = kluis__export_records(e, q->tenant, &q->subject, port ? portable : NULL, NULL,
                                        &records, err);
    if (rc)
        return rc;
    if (port) {
        json_t *in = json_array(), *out = json_array();
        for (size_t i = 0; i < h->n; i++)
            json_array_append_new(portable(e, h->cats[i], NULL) ? in : out,
                                  json_string(h->cats[i]));
        json_object_set_new(a, "categories_included", in);
        json_object_set_new(a, "categories_not_portable", out);
        json_object_set_new(a, "portability_rule",
                            json_string("art. 20(1): data the subject provided, processed on "
                                        "consent or contract"));
    } else {
        char *info = NULL;
        size_t info_len = 0;
        if ((rc = kluis_render_access_info(e->policy, req_lang(q), h->cats, h->n, &info, &info_len,
                                           err))) {
            json_decref(records);
            return rc;
        }
        json_t *io = json_loadb(info, info_len, 0, NULL);
        free(info);
        json_object_set_new(a, "information", io ? io : json_null());
    }
    json_object_set_new(a, "held", json_boolean(json_array_size(records) > 0));
    if (!json_array_size(records))
        json_object_set_new(a, "note",
                            json_string(port ? "kluis holds no portable data on the subject"
                                             : "kluis holds no data on the subject"));
    if (!(c->answer->csv = kluis__export_csv(records))) {
        json_decref(records);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    }
    size_t n = json_array_size(records);
    json_object_set_new(a, "records", records);
    json_t *x = json_object();
    json_object_set_new(x, "records", json_integer((json_int_t)n));
    json_object_set_new(q->doc, "answer", json_pack("{s:I}", "records", (json_int_t)n));
    return step_audit(e, q, "fulfil", x, err);
}

/* The legal minimum of a category in words, for a kept record whose minimum has not started
 * (it waits for an event): "7y after subscription.ended". */
static void legal_words(const struct kluis_engine *e, const char *category, char *buf, size_t size)
{
    const struct kluis_category *c = kluis_policy_find_category(e->policy, category);
    snprintf(buf, size, "the legal period");
    for (size_t i = 0; c && c->retention && i < c->retention->n_clauses; i++) {
        const struct kluis_clause *cl = &c->retention->clauses[i];
        if (cl->kind != KLUIS_CLAUSE_LEGAL)
            continue;
        char d[32];
        kluis_duration_format(cl->period, d, sizeof(d));
        if (cl->anchor.kind == KLUIS_ANCHOR_EVENT && cl->anchor.n_events)
            snprintf(buf, size, "%s after %s", d, cl->anchor.events[0].event);
        else
            snprintf(buf, size, "%s", d);
        return;
    }
}

static kluis_rc fulfil_erasure(struct kluis_engine *e, struct req *q, const struct held *h,
                               json_t *a, struct kluis_err *err)
{
    /* The entry first: its pseudonym comes from a key the erasure may destroy. */
    kluis_rc rc = step_audit(e, q, "fulfil", NULL, err);
    if (rc)
        return rc;
    json_object_set_new(a, "recipients_to_inform", recipients_json(e, h));
    struct kluis_erase_report *r = calloc(1, sizeof(*r));
    if (!r)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    if ((rc = kluis__erase_in_txn(e, q->tenant, &q->subject, r, err))) {
        kluis_erase_report_free(r);
        return rc;
    }
    json_t *lines = json_array(), *summary = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct kluis_erase_line *l = &r->lines[i];
        json_t *o = json_object();
        json_object_set_new(o, "category", json_string(l->category));
        json_object_set_new(o, "erased", json_integer((json_int_t)l->erased));
        json_object_set_new(o, "kept", json_integer((json_int_t)l->kept));
        if (l->kept) {
            const char *why = l->held ? "a legal hold or a restriction (art. 17(3)(e), 18)"
                                      : "a legal obligation (art. 17(3)(b))";
            json_object_set_new(o, "kept_because", json_string(why));
            if (l->legal_source && !l->held)
                json_object_set_new(o, "legal_source", json_string(l->legal_source));
            char line[320], until[96];
            if (l->kept_until == KLUIS_TIME_NEVER && !l->held) {
                /* The minimum runs from an event that has not happened (the contract runs). */
                legal_words(e, l->category, until, sizeof(until));
                json_object_set_new(o, "kept_until", json_null());
                json_object_set_new(o, "kept_for", json_string(until));
                snprintf(line, sizeof(line), "%s kept until %s, %s", l->category, until,
                         l->legal_source ? l->legal_source : "a legal obligation");
                json_object_set_new(o, "text", json_string(line));
            } else if (l->kept_until && !l->held) {
                int64_t day = l->kept_until / 86400;
                json_object_set_new(o, "kept_until", date_json(day));
                snprintf(line, sizeof(line), "%s kept until %s, %s", l->category,
                         kluis_date_format(day, until, sizeof(until)),
                         l->legal_source ? l->legal_source : "a legal obligation");
                json_object_set_new(o, "text", json_string(line));
            }
        }
        json_array_append(summary, o);
        json_array_append_new(lines, o);
    }
    json_object_set_new(a, "categories", lines);
    json_object_set_new(a, "keys_destroyed",
                        json_string(r->shredded ? "all"
                                    : r->seq    ? "some"
                                                : "none"));
    if (!r->n)
        json_object_set_new(a, "note", json_string("kluis held no data on the subject"));
    json_object_set_new(q->doc, "answer",
                        json_pack("{s:o, s:b}", "categories", summary, "shredded", r->shredded));
    kluis_erase_report_free(r);
    return KLUIS_OK;
}

struct rect_ctx {
    bool found;
    struct kluis_subject_ref subject;
    bool has_subject;
    char category[128];
    int64_t expiry;
    bool held;
};

static int rect_cb(void *ctx, const struct kluis_record_row *r)
{
    struct rect_ctx *x = ctx;
    x->found = true;
    x->subject = r->subject;
    x->has_subject = r->has_subject;
    snprintf(x->category, sizeof(x->category), "%s", r->category);
    x->expiry = r->expiry;
    x->held = r->held;
    return 1;
}

static kluis_rc fulfil_rectify(struct kluis_engine *e, const struct kluis_fulfil_input *in,
                               struct req *q, const struct held *h, json_t *a,
                               struct kluis_err *err)
{
    json_t *done = json_array();
    kluis_rc rc = KLUIS_OK;
    for (size_t i = 0; rc == KLUIS_OK && i < in->n_records; i++) {
        struct rect_ctx x = {0};
        uint64_t id = in->records[i];
        rc = e->be->record_get(e->obj, q->tenant, id, rect_cb, &x, err);
        if (rc == KLUIS_ENOTFOUND ||
            (rc == KLUIS_OK &&
             (!x.has_subject || memcmp(x.subject.hash, q->subject.hash, 32) != 0 ||
              (x.expiry <= e->now && !x.held)))) {
            rc = kluis_err_set(err, KLUIS_EREFUSED,
                               "record %" PRIu64 " is not one of the subject's records", id);
            break;
        }
        if (rc)
            break;
        const struct kluis_category *c = kluis_policy_find_category(e->policy, x.category);
        if (c && c->fernet) {
            rc = kluis_err_set(err, KLUIS_EREFUSED,
                               "record %" PRIu64 " holds a token (category '%s'): tokens are "
                               "replaced by connecting the integration again, not rectified",
                               id, x.category);
            break;
        }
        if ((rc = e->be->record_rewrite(e->obj, q->tenant, id, in->values[i], in->value_lens[i],
                                        err)))
            break;
        /* That the value changed, never what it was or became. */
        json_t *ax = json_object();
        json_object_set_new(ax, "request", json_integer((json_int_t)q->id));
        json_object_set_new(ax, "changed", json_true());
        if ((rc = kluis__audit(e, "record.rectify", q->tenant, &q->subject, x.category, id, ax,
                               "ok", err)))
            break;
        json_array_append_new(done, json_integer((json_int_t)id));
    }
    if (rc) {
        json_decref(done);
        return rc;
    }
    json_object_set_new(a, "rectified", json_copy(done));
    json_object_set_new(a, "recipients_to_inform", recipients_json(e, h));
    json_object_set_new(q->doc, "answer", json_pack("{s:o}", "rectified", done));
    return step_audit(e, q, "fulfil", json_pack("{s:I}", "records", (json_int_t)in->n_records),
                      err);
}

static kluis_rc fulfil_restrict(struct kluis_engine *e, struct step_ctx *c, struct req *q,
                                const struct held *h, json_t *a, struct kluis_err *err)
{
    (void)c;
    struct kluis__standing s;
    kluis_rc rc = kluis__standing(e, q->tenant, &q->subject, NULL, &s, err);
    if (rc)
        return rc;
    /* The data stays and is not purged while the restriction lasts (art. 18(1)(c)): a hold. */
    char reason[96];
    snprintf(reason, sizeof(reason), "restriction of processing, art. 18, request %" PRIu64, q->id);
    struct kluis_hold_row hold = {
        .tenant = q->tenant,
        .subject = q->subject,
        .has_subject = true,
        .reason = reason,
        .placed = e->now,
    };
    uint64_t hold_id;
    if ((rc = e->be->hold_insert(e->obj, &hold, &hold_id, err)))
        return rc;
    rc = kluis__recompute_subject(e, q->tenant, &q->subject, err);
    if (rc == KLUIS_OK)
        rc = kluis__ledger_add(e, q->tenant, &q->subject, "restriction.start", NULL, NULL, q->id,
                               err);
    if (rc)
        return rc;
    json_object_set_new(q->doc, "restriction",
                        json_pack("{s:b, s:I}", "active", 1, "hold", (json_int_t)hold_id));
    json_object_set_new(a, "restricted", json_true());
    json_object_set_new(a, "categories", cats_json(h));
    json_object_set_new(a, "recipients_to_inform", recipients_json(e, h));
    json_object_set_new(q->doc, "answer", json_pack("{s:b}", "restricted", 1));
    return step_audit(e, q, "fulfil", json_pack("{s:I}", "hold", (json_int_t)hold_id), err);
}

static const char *continue_grounds(const struct kluis_fulfil_input *in, const char *purpose)
{
    for (size_t i = 0; i < in->n_continue; i++)
        if (strcmp(in->continue_purposes[i], purpose) == 0)
            return in->grounds[i];
    return NULL;
}

static kluis_rc fulfil_choices(struct kluis_engine *e, const struct kluis_fulfil_input *in,
                               struct req *q, json_t *a, struct kluis_err *err)
{
    json_t *purposes = json_object_get(q->doc, "purposes");
    bool objection = q->type == KLUIS_REQUEST_OBJECTION;
    /* Every continued purpose must be one objected to, and may continue. */
    for (size_t i = 0; i < in->n_continue; i++) {
        bool named = false;
        size_t k;
        json_t *v;
        json_array_foreach(purposes, k, v) if (strcmp(json_string_value(v),
                                                      in->continue_purposes[i]) == 0) named = true;
        if (!objection)
            return kluis_err_set(err, KLUIS_EINVAL, "only an objection is decided per purpose");
        if (!named)
            return kluis_err_set(err, KLUIS_EINVAL, "the objection does not concern purpose '%s'",
                                 in->continue_purposes[i]);
        const struct kluis_purpose *pu =
            kluis_policy_find_purpose(e->policy, in->continue_purposes[i]);
        if (pu->direct_marketing)
            return kluis_err_set(err, KLUIS_EREFUSED,
                                 "purpose '%s' is direct marketing: an objection stops it "
                                 "absolutely (art. 21(3))",
                                 pu->id);
        if (!in->grounds[i] || !*in->grounds[i] || strlen(in->grounds[i]) > 2000)
            return kluis_err_set(err, KLUIS_EINVAL,
                                 "continuing purpose '%s' needs the compelling legitimate grounds "
                                 "that override the subject's interests (art. 21(1)), 1 to 2000 "
                                 "bytes",
                                 pu->id);
    }
    struct kluis__tenant_state *st = malloc(sizeof(*st));
    if (!st)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    kluis_rc rc = kluis__engine_tenant(e, q->tenant, st, err);
    json_t *decisions = json_array();
    size_t k;
    json_t *v;
    json_array_foreach(purposes, k, v)
    {
        if (rc)
            break;
        const char *pid = json_string_value(v);
        const struct kluis_purpose *pu = kluis_policy_find_purpose(e->policy, pid);
        if (!pu)
            continue; /* the policy changed since: nothing to decide */
        struct kluis__standing s;
        if ((rc = kluis__standing(e, q->tenant, &q->subject, pid, &s, err)))
            break;
        json_t *d = json_object();
        json_object_set_new(d, "purpose", json_string(pid));
        if (objection) {
            const char *grounds = continue_grounds(in, pid);
            if (grounds) {
                json_object_set_new(d, "decision", json_string("continue"));
                json_object_set_new(d, "grounds", json_string(grounds));
                rc = kluis__ledger_add(e, q->tenant, &q->subject, "objection.continue", pid,
                                       grounds, q->id, err);
            } else if (s.objection == 1) {
                json_object_set_new(d, "decision", json_string("stopped"));
                json_object_set_new(d, "since",
                                    json_string("receipt (direct marketing, art. "
                                                "21(3))"));
            } else {
                json_object_set_new(d, "decision", json_string("stopped"));
                rc = kluis__ledger_add(e, q->tenant, &q->subject, "objection.stop", pid, NULL,
                                       q->id, err);
                if (rc == KLUIS_OK)
                    rc = kluis__event_fire(e, st, KLUIS_EVENT_SUBJECT_OBJECTED, pid, &q->subject,
                                           NULL, NULL, err);
            }
        } else if (s.consent == 1) {
            json_object_set_new(d, "decision", json_string("withdrawn"));
            rc = kluis__ledger_add(e, q->tenant, &q->subject, "consent.withdrawn", pid, NULL, q->id,
                                   err);
            if (rc == KLUIS_OK)
                rc = kluis__event_fire(e, st, KLUIS_EVENT_CONSENT_WITHDRAWN, pid, &q->subject, NULL,
                                       NULL, err);
        } else {
            json_object_set_new(d, "decision", json_string("no consent in force"));
        }
        json_array_append_new(decisions, d);
    }
    free(st);
    if (rc) {
        json_decref(decisions);
        return rc;
    }
    json_object_set_new(a, "decisions", json_copy(decisions));
    json_object_set_new(q->doc, "answer", json_pack("{s:o}", "decisions", decisions));
    return step_audit(e, q, "fulfil", NULL, err);
}

static kluis_rc fulfil_fn(struct kluis_engine *e, struct step_ctx *c, struct req *q,
                          struct kluis_err *err)
{
    const struct kluis_fulfil_input *in = c->fulfil;
    if (!is_open(q))
        return refuse_closed(q, err);
    bool processor = doc_bool(q->doc, "processor");
    if (processor && !state_is(q, "forwarded"))
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "request %" PRIu64 " concerns data kluis processes for customer "
                             "'%s', who answers it as controller (art. 28(3)(e)): forward it "
                             "first (kluis request forward %" PRIu64 "), then fulfil it on the "
                             "customer's instruction",
                             q->id, q->tenant, q->id);
    if (!processor && !state_is(q, "verified"))
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "request %" PRIu64 " is not verified: check the requester's "
                             "identity first (kluis request verify %" PRIu64 ")",
                             q->id, q->id);
    if (in->n_records && q->type != KLUIS_REQUEST_RECTIFICATION)
        return kluis_err_set(err, KLUIS_EINVAL, "only a rectification replaces values");
    if (q->type == KLUIS_REQUEST_RECTIFICATION && !in->n_records)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "a rectification names the records to correct and their values "
                             "(--record ID --value TEXT)");
    if (in->n_continue && q->type != KLUIS_REQUEST_OBJECTION)
        return kluis_err_set(err, KLUIS_EINVAL, "only an objection is decided per purpose");
    struct held h;
    kluis_rc rc = held_scan(e, q->tenant, &q->subject, &h, err);
    if (rc)
        return rc;
    json_t *a = answer_head(q, "fulfilled");
    switch (q->type) {
    case KLUIS_REQUEST_ACCESS:
    case KLUIS_REQUEST_PORTABILITY:
        rc = fulfil_export(e, c, q, &h, a, err);
        break;
    case KLUIS_REQUEST_ERASURE:
        rc = fulfil_erasure(e, q, &h, a, err);
        break;
    case KLUIS_REQUEST_RECTIFICATION:
        rc = fulfil_rectify(e, in, q, &h, a, err);
        break;
    case KLUIS_REQUEST_RESTRICTION:
        rc = fulfil_restrict(e, c, q, &h, a, err);
        break;
    case KLUIS_REQUEST_OBJECTION:
    case KLUIS_REQUEST_WITHDRAWAL:
        rc = fulfil_choices(e, in, q, a, err);
        break;
    }
    if (rc) {
        json_decref(a);
        return rc;
    }
    snprintf(q->state, sizeof(q->state), "fulfilled");
    step_add(e, q->doc, "fulfilled", NULL);
    return answer_out(a, c->answer, err);
}

kluis_rc kluis_request_fulfil(struct kluis_engine *e, const struct kluis_fulfil_input *in,
                              struct kluis_answer *out, struct kluis_err *err)
{
    if (!in)
        return kluis_err_set(err, KLUIS_EINVAL, "fulfil what?");
    for (size_t i = 0; i < in->n_records; i++)
        if (!in->values[i] && in->value_lens[i])
            return kluis_err_set(err, KLUIS_EINVAL, "a corrected value is missing");
    memset(out, 0, sizeof(*out));
    struct step_ctx c = {
        .tenant = in->tenant, .id = in->id, .fulfil = in, .fn = fulfil_fn, .answer = out};
    kluis_rc rc = run_step(e, &c, err);
    if (rc)
        kluis_answer_free(out);
    return rc;
}

static kluis_rc lift_fn(struct kluis_engine *e, struct step_ctx *c, struct req *q,
                        struct kluis_err *err)
{
    json_t *r = json_object_get(q->doc, "restriction");
    if (q->type != KLUIS_REQUEST_RESTRICTION || !state_is(q, "fulfilled") || !r ||
        !json_is_true(json_object_get(r, "active")))
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "request %" PRIu64 " placed no restriction that is in force", q->id);
    if (!c->flag)
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "tell the subject before the restriction is lifted (art. 18(3)), "
                             "then lift it with --subject-told");
    uint64_t hold = (uint64_t)json_integer_value(json_object_get(r, "hold"));
    kluis_rc rc = e->be->hold_release(e->obj, hold, e->now, err);
    if (rc == KLUIS_ENOTFOUND)
        rc = KLUIS_OK; /* released by hand already: the restriction ends all the same */
    if (rc == KLUIS_OK)
        rc = kluis__recompute_subject(e, q->tenant, &q->subject, err);
    if (rc == KLUIS_OK)
        rc = kluis__ledger_add(e, q->tenant, &q->subject, "restriction.lift", NULL, NULL, q->id,
                               err);
    if (rc)
        return rc;
    json_object_set_new(r, "active", json_false());
    json_object_set_new(r, "subject_told", time_json(e->now));
    json_object_set_new(r, "lifted", time_json(e->now));
    step_add(e, q->doc, "lifted", json_pack("{s:b}", "subject_told", 1));
    return step_audit(e, q, "lift", NULL, err);
}

kluis_rc kluis_request_lift(struct kluis_engine *e, const char *tenant, uint64_t id,
                            bool subject_told, struct kluis_err *err)
{
    struct step_ctx c = {.tenant = tenant, .id = id, .flag = subject_told, .fn = lift_fn};
    return run_step(e, &c, err);
}
