/*
 * The end of a period, counted as Regulation (EEC, Euratom) No 1182/71 prescribes; the EDPB
 * applies it to the month of art. 12(3) GDPR (Guidelines 01/2022 on the right of access).
 */
#include "kluis/calendar.h"

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t kluis_calendar_add_months(int64_t day, int months)
{
    int y, m, d;
    kluis_civil_from_days(day, &y, &m, &d);
    int64_t index = (int64_t)y * 12 + (m - 1) + months;
    y = (int)floor_div(index, 12);
    m = (int)(index - (int64_t)y * 12) + 1;
    /* Art. 3(2)(c): the same day of the month, or the month's last day where there is none. */
    int last = kluis_days_in_month(y, m);
    return kluis_days_from_civil(y, m, d > last ? last : d);
}

static kluis_rc refuse_country(const char *country, struct kluis_err *err)
{
    kluis_err_set(err, KLUIS_EINVAL, "no holiday calendar for country '%.8s' (known: BE, NL)",
                  country ? country : "(none)");
    kluis_err_hint(err, "give the ISO 3166-1 code in upper case, e.g. NL");
    return KLUIS_EINVAL;
}

kluis_rc kluis_calendar_due(const char *country, int64_t received_day, struct kluis_duration period,
                            int64_t *out_due, struct kluis_err *err)
{
    if (!kluis_calendar_country_known(country))
        return refuse_country(country, err);
    if (period.n < 0 || period.n > KLUIS_DURATION_MAX_N)
        return kluis_err_set(err, KLUIS_EINVAL, "period of %lld units is out of range",
                             (long long)period.n);
    const int64_t first = kluis_days_from_civil(1, 1, 1);
    const int64_t last = kluis_days_from_civil(9999, 12, 31);
    if (received_day < first || received_day > last)
        return kluis_err_set(err, KLUIS_EINVAL, "received day %lld is outside the years 1..9999",
                             (long long)received_day);

    /* Art. 3(1): the day of receipt does not count, so a period of N days ends N days later. */
    int64_t end;
    switch (period.unit) {
    case KLUIS_UNIT_DAY:
        end = received_day + period.n;
        break;
    case KLUIS_UNIT_WEEK:
        end = received_day + 7 * period.n;
        break;
    case KLUIS_UNIT_MONTH:
        end = kluis_calendar_add_months(received_day, (int)period.n);
        break;
    case KLUIS_UNIT_YEAR:
        end = kluis_calendar_add_months(received_day, (int)(12 * period.n));
        break;
    case KLUIS_UNIT_HOUR:
    default:
        kluis_err_set(err, KLUIS_EINVAL, "a period in hours has no due day");
        kluis_err_hint(err, "give the period in days, weeks, months or years");
        return KLUIS_EINVAL;
    }

    /* Art. 3(4): a period ending on a Saturday, Sunday or public holiday ends on the next working
     * day. */
    while (end <= last && !kluis_calendar_working_day(country, end))
        end++;

    /* Art. 3(5): a period of two days or more includes at least two working days. The end is now a
     * working day; look back for a second one, else extend to the next. */
    bool two_days = period.unit == KLUIS_UNIT_DAY ? period.n >= 2 : period.n >= 1;
    if (two_days) {
        int working = 0;
        for (int64_t d = end; d > received_day && working < 2; d--)
            working += kluis_calendar_working_day(country, d);
        while (working < 2 && end <= last)
            working += kluis_calendar_working_day(country, ++end);
    }

    if (end > last)
        return kluis_err_set(err, KLUIS_EINVAL, "the period ends after the year 9999");
    *out_due = end;
    return KLUIS_OK;
}
