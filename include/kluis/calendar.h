/*
 * kluis — the request clock: local dates, public holidays and the deadline of a data-subject
 * request (art. 12(3) GDPR), exact to the day.
 *
 * Days are days since 1970-01-01 (proleptic Gregorian), as kluis_days_from_civil() in time.h.
 *
 * A period is counted as Regulation (EEC, Euratom) No 1182/71 prescribes and as the EDPB applies
 * it to art. 12(3) (Guidelines 01/2022 on the right of access):
 *   - the day the request is received does not count (art. 3(1));
 *   - a period of days ends N days after that day, one of weeks on the same weekday, one of months
 *     or years on the same day of the month, or on the month's last day when that day does not
 *     exist: received 31 January, one month ends 28 (29) February (art. 3(2)(b), (c));
 *   - a period ending on a Saturday, Sunday or public holiday of the country ends on the next
 *     working day instead (art. 3(4));
 *   - a period of two days or more includes at least two working days (art. 3(5)).
 * Holidays are those of the member state concerned (art. 2(1)): for NL the days of the Algemene
 * termijnenwet, art. 3, with the days a decree under its art. 3(3) equates with them; for BE the
 * ten legal holidays (Wet van 4 januari 1974, KB 18 april 1974). docs/internals/calendar.md gives
 * the sources, and which years the table of NL decree days covers.
 *
 * Everything here but the time-zone functions is a pure computation: no clock, no allocation, no
 * global state. Returned names are static strings.
 */
#ifndef KLUIS_CALENDAR_H
#define KLUIS_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#include "kluis/error.h"
#include "kluis/time.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * True when zone names a time zone of the IANA database installed under /usr/share/zoneinfo
 * ("Europe/Amsterdam", "UTC"): a relative name of letters, digits and "/_-+.", no ".." or empty
 * component, that is a TZif file there. The "right/" zones (which count leap seconds) are refused.
 * NULL and "" are not valid. Reads the file system; safe from any thread.
 */
bool kluis_calendar_zone_valid(const char *zone);

/*
 * The calendar date in time zone zone at the instant unix_seconds: 2026-03-28T23:30:00Z is
 * 2026-03-29 in Europe/Amsterdam. Writes *out_day on success.
 *
 * Errors: KLUIS_EINVAL for a zone kluis_calendar_zone_valid() refuses (the C library would
 * silently use UTC for an unknown name) or an instant whose year does not fit; KLUIS_ENOMEM.
 *
 * Threads: the conversion goes through the C library (TZ, tzset, localtime_r). It sets TZ for the
 * duration of the call and restores the previous value (or its absence) before returning, under a
 * mutex, so calls to this function from several threads are safe with each other. They are not
 * safe with other threads that read or change the environment or call localtime()/mktime()
 * meanwhile: call it from the thread that owns the environment, or before starting others.
 */
kluis_rc kluis_calendar_local_day(int64_t unix_seconds, const char *zone, int64_t *out_day,
                                  struct kluis_err *err);

/* True for the countries whose holidays kluis knows: "NL" and "BE" (ISO 3166-1, upper case). */
bool kluis_calendar_country_known(const char *country);

/*
 * The name of the public holiday on day in country ("Tweede Paasdag", "Nationale feestdag"), in
 * Dutch as the law names it; for NL also "Goede Vrijdag" (Atw art. 3(2)) and "gelijkgestelde dag"
 * for a day a decree equates with a holiday. NULL when day is not a holiday there, or the country
 * is unknown. Saturdays and Sundays are not holidays by themselves. The string is static.
 */
const char *kluis_calendar_holiday(const char *country, int64_t day);

/*
 * True when day is a working day in country: not a Saturday, Sunday or holiday. For an unknown
 * country only Saturdays and Sundays are not working days.
 */
bool kluis_calendar_working_day(const char *country, int64_t day);

/*
 * The day with the same day of the month, months later (months may be negative); the last day of
 * that month when it has no such day: 31 January + 1 = 28 February, or 29 in a leap year. For day
 * within the years 1..9999 and |months| up to 12 * KLUIS_DURATION_MAX_N.
 */
int64_t kluis_calendar_add_months(int64_t day, int months);

/*
 * Easter Sunday of year (Gregorian: the anonymous algorithm in Meeus, Astronomical Algorithms).
 * Meaningful from 1583, the first full Gregorian year; defined for every year from 1.
 */
int64_t kluis_calendar_easter(int year);

/*
 * The last day of period counted from received_day (the day the request arrived) in country, as
 * the comment at the top of this header describes. Callers take 1mo for the deadline of art. 12(3),
 * 3mo for an extended one, the policy's promise (e.g. 30d) where it is shorter, and keep the
 * earliest. Writes *out_due on success.
 *
 * Errors: KLUIS_EINVAL for an unknown country (the message names the known ones), a period in
 * hours (such a period ends at an hour, not on a day), a count outside 0..KLUIS_DURATION_MAX_N, or
 * a received day or result outside the years 1..9999.
 */
kluis_rc kluis_calendar_due(const char *country, int64_t received_day, struct kluis_duration period,
                            int64_t *out_due, struct kluis_err *err);

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_CALENDAR_H */
