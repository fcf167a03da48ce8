/*
 * kluis — retention: when a record must be gone, and until when it may not be.
 *
 * A pure computation over the policy model (no store, no clock): given a record's category, when
 * it was written, the tenant's chosen period and the events that already happened to it, it
 * gives the record's deadline (expiry) and its legal minimum (floor). The engine calls it on
 * every write, every matching event and every change of a tenant setting, and stores the result
 * so that purge can work by deadline.
 *
 * The rules (docs/policy.md, "Retention rules"):
 *   - each maximum clause (PERIOD, UNTIL, TENANT) gives a deadline, or none while the event it
 *     waits for has not happened; the record's deadline is the earliest of them;
 *   - each LEGAL clause that applies (no country, or the given country) gives a floor; a legal
 *     clause waiting for an event gives an unknown floor: the record cannot be erased until the
 *     event happens and the period has run;
 *   - the expiry is the deadline, never earlier than the floor; a rule with only legal clauses
 *     expires at its floor;
 *   - a matching event is the earliest occurrence of any event the clause names (occurrences
 *     before the record was written count too: an invoice written after the account closed is
 *     kept 7 years from the closing);
 *   - calendar anchors ("from next 01-01") are dates in UTC: the first such date strictly after
 *     the moment (creation, or the event), at 00:00 UTC;
 *   - periods are added calendar-aware (kluis_time_add: 31 January + 1mo = 28/29 February).
 */
#ifndef KLUIS_RETENTION_H
#define KLUIS_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kluis/error.h"
#include "kluis/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "Never" as a time: a deadline or floor that is not (yet) known. */
#define KLUIS_TIME_NEVER INT64_MAX

/* An event that happened and matches the record. */
struct kluis_event_occurrence {
    const char *event;   /* event id, e.g. "draft.approved" or "consent.withdrawn" */
    const char *purpose; /* for the built-in events; NULL otherwise */
    int64_t at;          /* when it happened */
};

struct kluis_retention_input {
    int64_t created;     /* when the record was written */
    const char *country; /* ISO code whose legal clauses apply; NULL: only country-less ones */
    /* The tenant's chosen period for the category's TENANT clause; NULL: the policy default. */
    const struct kluis_duration *tenant_period;
    const struct kluis_event_occurrence *events; /* any order */
    size_t n_events;
};

struct kluis_retention_result {
    /* When the record must be gone, KLUIS_TIME_NEVER while it waits for an event. From this
     * moment on it is never returned, and purge removes it. */
    int64_t expiry;
    /* Until when the law requires keeping it: erasure and purge are refused before. 0 when no
     * legal clause applies; KLUIS_TIME_NEVER while the event it waits for has not happened. */
    int64_t floor;
    const char *floor_source; /* the legal source of the binding floor, NULL when none */
    /* The clause that set the deadline (NULL when the expiry is the floor or never). */
    const struct kluis_clause *deciding;
};

/*
 * Computes the retention of a record of category c. Returns KLUIS_OK, or KLUIS_EINVAL when an
 * argument is missing. A category without a retention rule never expires (expiry
 * KLUIS_TIME_NEVER): kluis check reports such policies, and the engine refuses to store them.
 */
kluis_rc kluis_retention_compute(const struct kluis_policy *p, const struct kluis_category *c,
                                 const struct kluis_retention_input *in,
                                 struct kluis_retention_result *out, struct kluis_err *err);

/*
 * Checks a tenant's chosen period against the category's TENANT clause. Returns KLUIS_OK, or
 * KLUIS_EREFUSED with a message naming the bound ("at most 2y for category 'whatsapp'") when it
 * lies outside, or when the category has no tenant-configurable clause.
 */
kluis_rc kluis_retention_check_tenant_period(const struct kluis_category *c,
                                             struct kluis_duration period, struct kluis_err *err);

/*
 * True when the category's rule waits for the event (any clause names it; for the built-in events
 * with that purpose). The engine uses it to find which records an event concerns.
 */
bool kluis_retention_waits_for(const struct kluis_category *c, const char *event,
                               const char *purpose);

/* The first time strictly after t that is month-day md at 00:00 UTC. */
int64_t kluis_next_month_day(int64_t t, int month, int day);

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_RETENTION_H */
