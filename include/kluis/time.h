/*
 * kluis — time, dates and durations.
 *
 * Time is int64_t seconds since the Unix epoch, UTC, everywhere. The engine is always given the
 * time; nothing in the library reads the wall clock. Calendar dates are days since 1970-01-01
 * (proleptic Gregorian), so date arithmetic needs no time zone.
 *
 * Durations are written `<n><unit>`: `72h`, `0d`, `7d`, `2w`, `12mo`, `7y`. Months and years are
 * calendar-aware: adding 1mo to 31 January gives the last day of February.
 */
#ifndef KLUIS_TIME_H
#define KLUIS_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kluis/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum kluis_unit {
    KLUIS_UNIT_HOUR,
    KLUIS_UNIT_DAY,
    KLUIS_UNIT_WEEK,
    KLUIS_UNIT_MONTH,
    KLUIS_UNIT_YEAR,
};

struct kluis_duration {
    int64_t n; /* 0 .. KLUIS_DURATION_MAX_N */
    enum kluis_unit unit;
};

/* The largest count a duration may have; bounds arithmetic far from overflow. */
#define KLUIS_DURATION_MAX_N 100000

/*
 * Parses a duration ("7d", "12mo", "72h") from the first len bytes of s. The whole input must be
 * the duration (no spaces). On success writes *out_d. Errors: KLUIS_EPARSE with a message that
 * names the accepted units.
 */
kluis_rc kluis_duration_parse(const char *s, size_t len, struct kluis_duration *out_d,
                              struct kluis_err *err);

/* Writes the canonical form ("7d", "12mo") into buf (at least 24 bytes). Returns buf. */
char *kluis_duration_format(struct kluis_duration d, char *buf, size_t size);

/*
 * Compares two durations by their length from a common start: months and years compare by
 * calendar (1y == 12mo), days and weeks by days (2w == 14d), hours by hours; a month counts as
 * between 28 and 31 days, so `1mo` vs `30d` compares by the shortest month (28d < 30d: 1mo is
 * then considered shorter). Returns <0, 0, >0.
 */
int kluis_duration_cmp(struct kluis_duration a, struct kluis_duration b);

/*
 * The shortest and longest length d can have, in hours: a month is 28 to 31 days, a year 365 or
 * 366; hours, days and weeks have one length.
 */
void kluis_duration_bounds_h(struct kluis_duration d, int64_t *out_min_h, int64_t *out_max_h);

/* Adds d to the instant t (UTC); calendar-aware for months and years (day clamped to month end). */
int64_t kluis_time_add(int64_t t, struct kluis_duration d);

/* Days since 1970-01-01 of the civil date y-m-d (m 1..12, d 1..31); no validation. */
int64_t kluis_days_from_civil(int y, int m, int d);

/* The civil date of a day number. */
void kluis_civil_from_days(int64_t days, int *out_y, int *out_m, int *out_d);

/* True when y-m-d is a real calendar date (year 1..9999). */
bool kluis_date_valid(int y, int m, int d);

/* Number of days in month m of year y. */
int kluis_days_in_month(int y, int m);

/*
 * Parses an ISO 8601 calendar date "YYYY-MM-DD" (exactly 10 bytes) into days since the epoch.
 * Errors: KLUIS_EPARSE.
 */
kluis_rc kluis_date_parse(const char *s, size_t len, int64_t *out_days, struct kluis_err *err);

/* Formats days since the epoch as "YYYY-MM-DD" into buf (at least 11 bytes). Returns buf. */
char *kluis_date_format(int64_t days, char *buf, size_t size);

/*
 * Parses an RFC 3339 timestamp ("2026-11-23T10:00:00Z", "2026-11-23T11:00:00+01:00", fractional
 * seconds ignored) into seconds since the epoch, UTC. Errors: KLUIS_EPARSE.
 */
kluis_rc kluis_time_parse(const char *s, int64_t *out_t, struct kluis_err *err);

/* Formats t as RFC 3339 UTC ("2026-11-23T10:00:00Z") into buf (at least 21 bytes). */
char *kluis_time_format(int64_t t, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_TIME_H */
