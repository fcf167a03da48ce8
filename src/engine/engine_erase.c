/*
 * Erasure (art. 17) and crypto-shredding.
 *
 * An erasure touches two stores: the key store, where the subject's data keys are destroyed and
 * the erasure is appended to the erased list, and the data store, where the subject's records
 * go. Both happen in one engine transaction, the key store committing first; the data store
 * remembers the last erasure it applied. So an erasure interrupted between the two commits, or a
 * data store restored from a backup taken before it, is completed when the store is next opened
 * (kluis__engine_reapply_erasures): nothing of an erased subject comes back.
 *
 * What the law makes the organisation keep (a legal minimum still running, art. 17(3)(b); a
 * legal hold, art. 17(3)(e)) stays, with its data key; the keys of every category of which
 * nothing is kept are destroyed at once, and when nothing at all is kept, the subject's audit
 * pseudonym key too.
 */
#include "engine/engine_internal.h"

#include <inttypes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Re-applying the erased list ----------------------------------------------------------- */

struct pending {
    struct kluis_erasure *v;
    char (*tenant)[KLUIS_TENANT_MAX + 1];
    char (*category)[128];
    size_t n, cap;
    bool oom;
};

static int pending_add(void *ctx, const struct kluis_erasure *x)
{
    struct pending *p = ctx;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        struct kluis_erasure *v = realloc(p->v, cap * sizeof(*v));
        char(*t)[KLUIS_TENANT_MAX + 1] = v ? realloc(p->tenant, cap * sizeof(*t)) : NULL;
        char(*c)[128] = t ? realloc(p->category, cap * sizeof(*c)) : NULL;
        if (v)
            p->v = v;
        if (t)
            p->tenant = t;
        if (!c) {
            p->oom = true;
            return 1;
        }
        p->category = c;
        p->cap = cap;
    }
    p->v[p->n] = *x;
    snprintf(p->tenant[p->n], sizeof(p->tenant[0]), "%s", x->tenant);
    snprintf(p->category[p->n], sizeof(p->category[0]), "%s", x->category ? x->category : "");
    p->n++;
    return 0;
}

struct apply_ctx {
    const struct kluis_erasure *x;
    const char *tenant;
    const char *category;
};

static kluis_rc apply_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct apply_ctx *c = vctx;
    return e->be->erasure_apply(e->obj, c->x->seq, c->tenant, &c->x->subject, c->category, NULL,
                                err);
}

kluis_rc kluis__engine_reapply_erasures(struct kluis_engine *e, struct kluis_err *err)
{
    uint64_t applied = 0;
    kluis_rc rc = e->be->erasures_applied(e->obj, &applied, err);
    if (rc)
        return rc;
    struct pending p = {0};
    rc = kluis_keys_erasures(e->keys, applied, pending_add, &p, err);
    if (rc == KLUIS_OK && p.oom)
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    for (size_t i = 0; rc == KLUIS_OK && i < p.n; i++) {
        struct apply_ctx c = {&p.v[i], p.tenant[i], p.category[i][0] ? p.category[i] : NULL};
        rc = kluis__engine_txn(e, apply_body, &c, err);
    }
    free(p.v);
    free(p.tenant);
    free(p.category);
    return rc;
}

/* ---- Erasing a subject ---------------------------------------------------------------------- */

struct rec {
    uint64_t id;
    char category[128];
    int64_t floor;
    bool held;
};

struct erase_ctx {
    const char *tenant;
    struct kluis_subject_ref subject;
    struct rec *recs;
    size_t n, cap;
    bool oom;
    struct kluis_erase_report *report;
};

static int collect(void *ctx, const struct kluis_record_row *r)
{
    struct erase_ctx *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        struct rec *v = realloc(c->recs, cap * sizeof(*v));
        if (!v) {
            c->oom = true;
            return 1;
        }
        c->recs = v;
        c->cap = cap;
    }
    struct rec *x = &c->recs[c->n++];
    x->id = r->id;
    snprintf(x->category, sizeof(x->category), "%s", r->category);
    x->floor = r->floor;
    x->held = r->held;
    return 0;
}

/* The legal source of a category's legal minimum ("art. 52 AWR"), or NULL. */
static const char *legal_source(const struct kluis_engine *e, const char *category)
{
    const struct kluis_category *c = kluis_policy_find_category(e->policy, category);
    if (!c || !c->retention)
        return NULL;
    for (size_t i = 0; i < c->retention->n_clauses; i++)
        if (c->retention->clauses[i].kind == KLUIS_CLAUSE_LEGAL)
            return c->retention->clauses[i].source;
    return NULL;
}

static struct kluis_erase_line *line_for(struct kluis_erase_report *r, const char *category)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->lines[i].category, category) == 0)
            return &r->lines[i];
    struct kluis_erase_line *v = realloc(r->lines, (r->n + 1) * sizeof(*v));
    if (!v)
        return NULL;
    r->lines = v;
    struct kluis_erase_line *l = &r->lines[r->n];
    memset(l, 0, sizeof(*l));
    if (!(l->category = strdup(category)))
        return NULL;
    r->n++;
    return l;
}

static kluis_rc erase_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct erase_ctx *c = vctx;
    struct kluis_record_filter f = {.tenant = c->tenant, .subject = &c->subject};
    c->n = 0;
    kluis_rc rc = e->be->records_scan(e->obj, &f, collect, c, err);
    if (rc == KLUIS_OK && c->oom)
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    if (rc)
        return rc;
    struct kluis_erase_report *r = c->report;
    /* Sort each record: erased now, or kept (held, or a legal minimum still running). */
    for (size_t i = 0; i < c->n; i++) {
        struct rec *x = &c->recs[i];
        struct kluis_erase_line *l = line_for(r, x->category);
        if (!l)
            return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
        bool keep = x->held || x->floor > e->now;
        if (!keep) {
            l->erased++;
            continue;
        }
        l->kept++;
        if (x->held)
            l->held = true;
        if (x->floor > l->kept_until)
            l->kept_until = x->floor;
        l->legal_source = legal_source(e, x->category);
    }
    /* Keys: every category of which nothing is kept; everything when nothing is kept. */
    const char **cats = calloc(r->n ? r->n : 1, sizeof(*cats));
    if (!cats)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    size_t n_cats = 0;
    bool keep_any = false;
    for (size_t i = 0; i < r->n; i++) {
        if (r->lines[i].kept)
            keep_any = true;
        else
            cats[n_cats++] = r->lines[i].category;
    }
    r->shredded = !keep_any;
    /* The entry first: its pseudonym comes from the key the erasure may destroy. */
    json_t *x = json_object(), *lines = json_array();
    for (size_t i = 0; i < r->n; i++) {
        json_t *l = json_object();
        json_object_set_new(l, "category", json_string(r->lines[i].category));
        json_object_set_new(l, "erased", json_integer((json_int_t)r->lines[i].erased));
        json_object_set_new(l, "kept", json_integer((json_int_t)r->lines[i].kept));
        json_array_append_new(lines, l);
    }
    json_object_set_new(x, "categories", lines);
    json_object_set_new(x, "keys_destroyed",
                        json_string(!keep_any ? "all"
                                    : n_cats  ? "some"
                                              : "none"));
    if ((rc = kluis__audit(e, "subject.erase", c->tenant, &c->subject, NULL, 0, x, "ok", err))) {
        free(cats);
        return rc;
    }
    if (!keep_any || n_cats > 0)
        rc = kluis_keys_erase(e->keys, c->tenant, &c->subject, keep_any ? cats : NULL,
                              keep_any ? n_cats : 0, e->now, &r->seq, err);
    free(cats);
    if (rc)
        return rc;
    /* Records: whole categories through the erased list (what a restore re-applies), the
     * erasable records of kept categories one by one. */
    if (!keep_any) {
        rc = e->be->erasure_apply(e->obj, r->seq, c->tenant, &c->subject, NULL, NULL, err);
    } else {
        for (size_t i = 0; rc == KLUIS_OK && i < r->n; i++)
            if (!r->lines[i].kept)
                rc = e->be->erasure_apply(e->obj, r->seq, c->tenant, &c->subject,
                                          r->lines[i].category, NULL, err);
        for (size_t i = 0; rc == KLUIS_OK && i < c->n; i++) {
            struct rec *rec = &c->recs[i];
            struct kluis_erase_line *l = line_for(r, rec->category);
            if (l && l->kept && !rec->held && rec->floor <= e->now)
                rc = e->be->record_delete(e->obj, c->tenant, rec->id, err);
        }
    }
    return rc;
}

void kluis_erase_report_free(struct kluis_erase_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free((char *)r->lines[i].category);
    free(r->lines);
    free(r);
}

kluis_rc kluis_subject_erase(struct kluis_engine *e, const char *tenant, const char *subject,
                             struct kluis_erase_report **out_report, struct kluis_err *err)
{
    if (!tenant || !subject || !*subject)
        return kluis_err_set(err, KLUIS_EINVAL, "an erasure needs a tenant and a subject");
    struct kluis_subject_ref ref;
    kluis__engine_subject(e, tenant, subject, &ref);
    return kluis__subject_erase_ref(e, tenant, &ref, out_report, err);
}

kluis_rc kluis__erase_in_txn(struct kluis_engine *e, const char *tenant,
                             const struct kluis_subject_ref *subject,
                             struct kluis_erase_report *report, struct kluis_err *err)
{
    struct erase_ctx c = {.tenant = tenant, .subject = *subject, .report = report};
    kluis_rc rc = erase_body(e, &c, err);
    free(c.recs);
    return rc;
}

struct erase_txn {
    const char *tenant;
    const struct kluis_subject_ref *subject;
    struct kluis_erase_report *report;
};

static kluis_rc erase_txn_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct erase_txn *t = vctx;
    /* A retried body starts from an empty report. */
    for (size_t i = 0; i < t->report->n; i++)
        free((char *)t->report->lines[i].category);
    free(t->report->lines);
    memset(t->report, 0, sizeof(*t->report));
    return kluis__erase_in_txn(e, t->tenant, t->subject, t->report, err);
}

kluis_rc kluis__subject_erase_ref(struct kluis_engine *e, const char *tenant,
                                  const struct kluis_subject_ref *subject,
                                  struct kluis_erase_report **out_report, struct kluis_err *err)
{
    kluis_rc rc = kluis__tenant_known(e, tenant, err);
    if (rc)
        return rc;
    struct erase_txn t = {.tenant = tenant, .subject = subject};
    if (!(t.report = calloc(1, sizeof(*t.report))))
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    rc = kluis__engine_txn(e, erase_txn_body, &t, err);
    if (rc) {
        kluis_erase_report_free(t.report);
        return rc;
    }
    *out_report = t.report;
    return KLUIS_OK;
}

/* ---- One record ------------------------------------------------------------------------------ */

struct delete_ctx {
    const char *tenant;
    uint64_t id;
    bool found;
    char category[128];
    struct kluis_subject_ref subject;
    bool has_subject;
    int64_t expiry, floor;
    bool held;
};

static int delete_cb(void *ctx, const struct kluis_record_row *r)
{
    struct delete_ctx *d = ctx;
    d->found = true;
    snprintf(d->category, sizeof(d->category), "%s", r->category);
    d->subject = r->subject;
    d->has_subject = r->has_subject;
    d->expiry = r->expiry;
    d->floor = r->floor;
    d->held = r->held;
    return 1;
}

static kluis_rc delete_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct delete_ctx *d = vctx;
    kluis_rc rc = e->be->record_get(e->obj, d->tenant, d->id, delete_cb, d, err);
    if (rc == KLUIS_ENOTFOUND || (rc == KLUIS_OK && d->expiry <= e->now && !d->held))
        return kluis_err_set(err, KLUIS_ENOTFOUND, "no record %" PRIu64 " for tenant '%s'", d->id,
                             d->tenant);
    if (rc)
        return rc;
    if (d->held)
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "record %" PRIu64 " is kept under a legal hold or a restriction",
                             d->id);
    if (d->floor > e->now) {
        const char *src = legal_source(e, d->category);
        char when[32];
        if (d->floor == KLUIS_TIME_NEVER)
            return kluis_err_set(err, KLUIS_EREFUSED,
                                 "record %" PRIu64 " is kept under a legal obligation (%s) whose "
                                 "period has not started yet",
                                 d->id, src ? src : "art. 17(3)(b)");
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "record %" PRIu64 " is kept under a legal obligation (%s) until %s",
                             d->id, src ? src : "art. 17(3)(b)",
                             kluis_time_format(d->floor, when, sizeof(when)));
    }
    if ((rc = e->be->record_delete(e->obj, d->tenant, d->id, err)))
        return rc;
    return kluis__audit(e, "record.delete", d->tenant, d->has_subject ? &d->subject : NULL,
                        d->category, d->id, NULL, "ok", err);
}

kluis_rc kluis_record_delete(struct kluis_engine *e, const char *tenant, uint64_t id,
                             struct kluis_err *err)
{
    if (!tenant)
        return kluis_err_set(err, KLUIS_EINVAL, "a deletion needs a tenant");
    struct delete_ctx d = {.tenant = tenant, .id = id};
    return kluis__engine_txn(e, delete_body, &d, err);
}
