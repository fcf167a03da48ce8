/*
 * Retention: a record's deadline (expiry) and legal minimum (floor) from its category's rule
 * (docs/policy.md, "Retention rules"; the contract is include/kluis/retention.h).
 *
 * Every clause gives one moment: its anchor (creation, a date after creation, the first matching
 * event, or a date after that event) plus its period. The maximum clauses (PERIOD, UNTIL, TENANT)
 * implement storage limitation, art. 5(1)(e): the earliest of their moments is the deadline. The
 * LEGAL clauses implement the exception of art. 17(3)(b): the latest of their moments is the
 * floor, before which nothing may erase the record. The floor wins over the deadline, because
 * erasing what the law requires us to keep cannot be undone, and keeping it is what the law asks.
 *
 * "Not yet known" is KLUIS_TIME_NEVER (INT64_MAX), so that an earliest-of and a latest-of over
 * pending clauses come out right without special cases: a pending maximum never wins, a pending
 * minimum always holds the record back.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kluis/policy.h"
#include "kluis/retention.h"
#include "kluis/time.h"

#define SECS_PER_DAY INT64_C(86400)

/*
 * Times within ±2^46 s (about ±2.2 million years) go through the calendar; the int years of
 * kluis_time_add() and kluis_civil_from_days() stay far from overflow there even after the longest
 * duration (KLUIS_DURATION_MAX_N years). Outside, the caller gave a nonsensical time: later ones
 * saturate towards KLUIS_TIME_NEVER, earlier ones count by the longest length of the period (and a
 * date anchor counts from the limit), which keeps every result monotone and free of overflow.
 */
#define CALENDAR_LIMIT (INT64_C(1) << 46)

static bool duration_valid(struct kluis_duration d)
{
    if (d.n < 0 || d.n > KLUIS_DURATION_MAX_N)
        return false;
    switch (d.unit) {
    case KLUIS_UNIT_HOUR:
    case KLUIS_UNIT_DAY:
    case KLUIS_UNIT_WEEK:
    case KLUIS_UNIT_MONTH:
    case KLUIS_UNIT_YEAR:
        return true;
    }
    return false;
}

/* t + d, calendar-aware, never past KLUIS_TIME_NEVER; "never" plus anything stays never. */
static int64_t add_period(int64_t t, struct kluis_duration d)
{
    if (t == KLUIS_TIME_NEVER)
        return KLUIS_TIME_NEVER;
    if (d.n == 0)
        return t;
    if (t >= -CALENDAR_LIMIT && t <= CALENDAR_LIMIT)
        return kluis_time_add(t, d);
    int64_t min_h, max_h;
    kluis_duration_bounds_h(d, &min_h, &max_h);
    int64_t secs = max_h * 3600;
    if (t > KLUIS_TIME_NEVER - secs)
        return KLUIS_TIME_NEVER;
    return t + secs;
}

int64_t kluis_next_month_day(int64_t t, int month, int day)
{
    /* A month-day that exists in no year (13-01, 04-31) never comes. 29 February exists in a leap
     * year; the loop below finds the next one. */
    if (!kluis_date_valid(2000, month, day) || t >= CALENDAR_LIMIT)
        return KLUIS_TIME_NEVER;
    if (t < -CALENDAR_LIMIT)
        t = -CALENDAR_LIMIT;
    int64_t days = t >= 0 ? t / SECS_PER_DAY : -((-t + SECS_PER_DAY - 1) / SECS_PER_DAY);
    int y, m, d;
    kluis_civil_from_days(days, &y, &m, &d);
    /* Strictly after t: the date of this year at 00:00 counts only when t is before it. Eight
     * years cover the longest gap between two 29 Februaries (1896 to 1904). */
    for (int i = 0; i <= 8; i++) {
        if (month == 2 && day == 29 && kluis_days_in_month(y + i, 2) != 29)
            continue;
        int64_t at = kluis_days_from_civil(y + i, month, day) * SECS_PER_DAY;
        if (at > t)
            return at;
    }
    return KLUIS_TIME_NEVER;
}

/* Whether an occurrence is the event a clause names; built-in events match on their purpose. */
static bool event_matches(const struct kluis_event_ref *ref, const char *event, const char *purpose)
{
    if (!ref->event || !event || strcmp(ref->event, event) != 0)
        return false;
    if (!ref->purpose)
        return true;
    return purpose && strcmp(ref->purpose, purpose) == 0;
}

/* The first occurrence of any event the anchor names, KLUIS_TIME_NEVER when none happened. */
static int64_t first_event(const struct kluis_anchor *a, const struct kluis_retention_input *in)
{
    int64_t first = KLUIS_TIME_NEVER;
    for (size_t i = 0; i < in->n_events; i++) {
        const struct kluis_event_occurrence *ev = &in->events[i];
        if (ev->at >= first)
            continue;
        for (size_t k = 0; k < a->n_events; k++) {
            if (event_matches(&a->events[k], ev->event, ev->purpose)) {
                first = ev->at;
                break;
            }
        }
    }
    return first;
}

/* The moment a clause's period starts counting, KLUIS_TIME_NEVER while its event is pending. */
static int64_t anchor_time(const struct kluis_anchor *a, const struct kluis_retention_input *in)
{
    switch (a->kind) {
    case KLUIS_ANCHOR_CREATED:
        return in->created;
    case KLUIS_ANCHOR_DATE:
        return kluis_next_month_day(in->created, a->month, a->day);
    case KLUIS_ANCHOR_EVENT: {
        int64_t at = first_event(a, in);
        if (at == KLUIS_TIME_NEVER || a->month == 0)
            return at;
        return kluis_next_month_day(at, a->month, a->day);
    }
    }
    return KLUIS_TIME_NEVER;
}

static bool legal_applies(const struct kluis_clause *cl, const char *country)
{
    return !cl->country || (country && strcmp(cl->country, country) == 0);
}

/* The category's first TENANT clause: the one a tenant's setting concerns. */
static const struct kluis_clause *tenant_clause(const struct kluis_category *c)
{
    if (!c->retention)
        return NULL;
    for (size_t i = 0; i < c->retention->n_clauses; i++)
        if (c->retention->clauses[i].kind == KLUIS_CLAUSE_TENANT)
            return &c->retention->clauses[i];
    return NULL;
}

static kluis_rc check_input(const struct kluis_retention_input *in, struct kluis_err *err)
{
    if (in->n_events && !in->events)
        return kluis_err_set(err, KLUIS_EINVAL, "n_events is %zu but no events are given",
                             in->n_events);
    for (size_t i = 0; i < in->n_events; i++)
        if (!in->events[i].event)
            return kluis_err_set(err, KLUIS_EINVAL, "event %zu has no event id", i);
    if (in->tenant_period && !duration_valid(*in->tenant_period))
        return kluis_err_set(err, KLUIS_EINVAL,
                             "the tenant period is not a valid duration (0 to %d of a unit)",
                             KLUIS_DURATION_MAX_N);
    return KLUIS_OK;
}

kluis_rc kluis_retention_compute(const struct kluis_policy *p, const struct kluis_category *c,
                                 const struct kluis_retention_input *in,
                                 struct kluis_retention_result *out, struct kluis_err *err)
{
    if (!p || !c || !in || !out)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "retention needs a policy, a category, an input "
                             "and a result");
    kluis_rc rc = check_input(in, err);
    if (rc != KLUIS_OK)
        return rc;

    struct kluis_retention_result r = {
        .expiry = KLUIS_TIME_NEVER, .floor = 0, .floor_source = NULL, .deciding = NULL};
    if (!c->retention) {
        *out = r;
        return KLUIS_OK;
    }

    const struct kluis_clause *tenant = tenant_clause(c);
    int64_t deadline = KLUIS_TIME_NEVER;
    const struct kluis_clause *deciding = NULL;
    bool has_maximum = false;
    bool has_floor = false;
    for (size_t i = 0; i < c->retention->n_clauses; i++) {
        const struct kluis_clause *cl = &c->retention->clauses[i];
        if (cl->kind == KLUIS_CLAUSE_LEGAL && !legal_applies(cl, in->country))
            continue;
        struct kluis_duration period = cl->period;
        if (cl == tenant && in->tenant_period)
            period = *in->tenant_period;
        int64_t at = add_period(anchor_time(&cl->anchor, in), period);

        if (cl->kind == KLUIS_CLAUSE_LEGAL) {
            /* The latest minimum binds; on a tie the first clause names the source. */
            if (!has_floor || at > r.floor) {
                r.floor = at;
                r.floor_source = cl->source;
            }
            has_floor = true;
            continue;
        }
        has_maximum = true;
        /* The earliest maximum decides; a pending one (never) does not. */
        if (at < deadline) {
            deadline = at;
            deciding = cl;
        }
    }

    /*
     * A rule of legal minima only goes when the law stops requiring it. When no clause at all
     * applies (minima of other countries only), nothing says when it goes: like a category
     * without a rule, it never expires.
     */
    if (!has_maximum) {
        r.expiry = has_floor ? r.floor : KLUIS_TIME_NEVER;
    } else if (has_floor && deadline < r.floor) {
        /* Never earlier than a legal minimum, art. 17(3)(b). */
        r.expiry = r.floor;
    } else {
        r.expiry = deadline;
        r.deciding = deciding;
    }
    *out = r;
    return KLUIS_OK;
}

kluis_rc kluis_retention_check_tenant_period(const struct kluis_category *c,
                                             struct kluis_duration period, struct kluis_err *err)
{
    if (!c)
        return kluis_err_set(err, KLUIS_EINVAL, "no category given");
    const struct kluis_clause *cl = tenant_clause(c);
    if (!cl)
        return kluis_err_set(err, KLUIS_EREFUSED, "category '%s' has no retention a tenant may set",
                             c->id);
    if (!duration_valid(period))
        return kluis_err_set(err, KLUIS_EINVAL,
                             "the tenant period is not a valid duration (0 to %d of a unit)",
                             KLUIS_DURATION_MAX_N);
    char want[32], bound[32];
    if (cl->has_max && kluis_duration_cmp(period, cl->max) > 0)
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "tenant retention %s for category '%s' is longer than the maximum "
                             "%s the policy allows",
                             kluis_duration_format(period, want, sizeof(want)), c->id,
                             kluis_duration_format(cl->max, bound, sizeof(bound)));
    if (cl->has_min && kluis_duration_cmp(period, cl->min) < 0)
        return kluis_err_set(err, KLUIS_EREFUSED,
                             "tenant retention %s for category '%s' is shorter than the minimum "
                             "%s the policy allows",
                             kluis_duration_format(period, want, sizeof(want)), c->id,
                             kluis_duration_format(cl->min, bound, sizeof(bound)));
    return KLUIS_OK;
}

bool kluis_retention_waits_for(const struct kluis_category *c, const char *event,
                               const char *purpose)
{
    if (!c || !c->retention || !event)
        return false;
    /* Every kind counts, legal minima of any country too: the event may start a floor, and the
     * country is the engine's to apply when it recomputes. */
    for (size_t i = 0; i < c->retention->n_clauses; i++) {
        const struct kluis_anchor *a = &c->retention->clauses[i].anchor;
        if (a->kind != KLUIS_ANCHOR_EVENT)
            continue;
        for (size_t k = 0; k < a->n_events; k++)
            if (event_matches(&a->events[k], event, purpose))
                return true;
    }
    return false;
}
