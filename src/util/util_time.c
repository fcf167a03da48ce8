/*
 * Dates and durations. Civil-date arithmetic uses Howard Hinnant's days_from_civil algorithms
 * (proleptic Gregorian, exact for every year kluis accepts), so no time zone or libc state is
 * involved.
 */
#include "kluis/time.h"

#include <stdio.h>
#include <string.h>

#define SECS_PER_DAY 86400

int64_t kluis_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void kluis_civil_from_days(int64_t z, int *out_y, int *out_m, int *out_d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = yoe + era * 400;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *out_y = (int)(y + (m <= 2));
    *out_m = (int)m;
    *out_d = (int)d;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int kluis_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool kluis_date_valid(int y, int m, int d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= kluis_days_in_month(y, m);
}

static const char *unit_suffix(enum kluis_unit u)
{
    switch (u) {
    case KLUIS_UNIT_HOUR:
        return "h";
    case KLUIS_UNIT_DAY:
        return "d";
    case KLUIS_UNIT_WEEK:
        return "w";
    case KLUIS_UNIT_MONTH:
        return "mo";
    case KLUIS_UNIT_YEAR:
        return "y";
    }
    return "?";
}

kluis_rc kluis_duration_parse(const char *s, size_t len, struct kluis_duration *out_d,
                              struct kluis_err *err)
{
    size_t i = 0;
    int64_t n = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        n = n * 10 + (s[i] - '0');
        if (n > KLUIS_DURATION_MAX_N)
            return kluis_err_set(err, KLUIS_EPARSE,
                                 "duration '%.*s' is too long (at most %d units)",
                                 (int)(len > 40 ? 40 : len), s, KLUIS_DURATION_MAX_N);
        i++;
    }
    const char *unit = s + i;
    size_t ulen = len - i;
    struct kluis_duration d = {.n = n};
    if (i == 0 || ulen == 0)
        goto bad;
    if (ulen == 1 && unit[0] == 'h')
        d.unit = KLUIS_UNIT_HOUR;
    else if (ulen == 1 && unit[0] == 'd')
        d.unit = KLUIS_UNIT_DAY;
    else if (ulen == 1 && unit[0] == 'w')
        d.unit = KLUIS_UNIT_WEEK;
    else if (ulen == 2 && unit[0] == 'm' && unit[1] == 'o')
        d.unit = KLUIS_UNIT_MONTH;
    else if (ulen == 1 && unit[0] == 'y')
        d.unit = KLUIS_UNIT_YEAR;
    else
        goto bad;
    *out_d = d;
    return KLUIS_OK;
bad:
    kluis_err_set(err, KLUIS_EPARSE, "invalid duration '%.*s'", (int)(len > 40 ? 40 : len), s);
    kluis_err_hint(err, "write a number and a unit: 72h, 7d, 2w, 12mo, 7y");
    return KLUIS_EPARSE;
}

char *kluis_duration_format(struct kluis_duration d, char *buf, size_t size)
{
    snprintf(buf, size, "%lld%s", (long long)d.n, unit_suffix(d.unit));
    return buf;
}

void kluis_duration_bounds_h(struct kluis_duration d, int64_t *lo, int64_t *hi)
{
    switch (d.unit) {
    case KLUIS_UNIT_HOUR:
        *lo = *hi = d.n;
        return;
    case KLUIS_UNIT_DAY:
        *lo = *hi = d.n * 24;
        return;
    case KLUIS_UNIT_WEEK:
        *lo = *hi = d.n * 7 * 24;
        return;
    case KLUIS_UNIT_MONTH:
        *lo = d.n * 28 * 24;
        *hi = d.n * 31 * 24;
        return;
    case KLUIS_UNIT_YEAR:
        *lo = d.n * 365 * 24;
        *hi = d.n * 366 * 24;
        return;
    }
    *lo = *hi = 0;
}

static bool calendar_unit(enum kluis_unit u)
{
    return u == KLUIS_UNIT_MONTH || u == KLUIS_UNIT_YEAR;
}

int kluis_duration_cmp(struct kluis_duration a, struct kluis_duration b)
{
    if (calendar_unit(a.unit) && calendar_unit(b.unit)) {
        int64_t ma = a.unit == KLUIS_UNIT_YEAR ? a.n * 12 : a.n;
        int64_t mb = b.unit == KLUIS_UNIT_YEAR ? b.n * 12 : b.n;
        return (ma > mb) - (ma < mb);
    }
    /* Mixed units compare by the shortest length of the calendar side, so that a bound written
     * in months is never taken to allow more than its shortest month does. */
    int64_t alo, ahi, blo, bhi;
    kluis_duration_bounds_h(a, &alo, &ahi);
    kluis_duration_bounds_h(b, &blo, &bhi);
    return (alo > blo) - (alo < blo);
}

int64_t kluis_time_add(int64_t t, struct kluis_duration d)
{
    switch (d.unit) {
    case KLUIS_UNIT_HOUR:
        return t + d.n * 3600;
    case KLUIS_UNIT_DAY:
        return t + d.n * SECS_PER_DAY;
    case KLUIS_UNIT_WEEK:
        return t + d.n * 7 * SECS_PER_DAY;
    case KLUIS_UNIT_MONTH:
    case KLUIS_UNIT_YEAR: {
        int64_t days = t >= 0 ? t / SECS_PER_DAY : -((-t + SECS_PER_DAY - 1) / SECS_PER_DAY);
        int64_t secs = t - days * SECS_PER_DAY;
        int y, m, dd;
        kluis_civil_from_days(days, &y, &m, &dd);
        int64_t months = (int64_t)y * 12 + (m - 1) + (d.unit == KLUIS_UNIT_YEAR ? d.n * 12 : d.n);
        y = (int)(months / 12);
        m = (int)(months % 12) + 1;
        int last = kluis_days_in_month(y, m);
        if (dd > last)
            dd = last;
        return kluis_days_from_civil(y, m, dd) * SECS_PER_DAY + secs;
    }
    }
    return t;
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

kluis_rc kluis_date_parse(const char *s, size_t len, int64_t *out_days, struct kluis_err *err)
{
    int y, m, d;
    if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m) ||
        !digits(s + 8, 2, &d) || !kluis_date_valid(y, m, d))
        return kluis_err_set(err, KLUIS_EPARSE, "invalid date '%.*s' (expected YYYY-MM-DD)",
                             (int)(len > 40 ? 40 : len), s);
    *out_days = kluis_days_from_civil(y, m, d);
    return KLUIS_OK;
}

char *kluis_date_format(int64_t days, char *buf, size_t size)
{
    int y, m, d;
    kluis_civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
    return buf;
}

kluis_rc kluis_time_parse(const char *s, int64_t *out_t, struct kluis_err *err)
{
    size_t len = strlen(s);
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (len < 20 || kluis_date_parse(s, 10, &(int64_t){0}, NULL) != KLUIS_OK ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        goto bad;
    digits(s, 4, &y);
    digits(s + 5, 2, &mo);
    digits(s + 8, 2, &d);
    if (!digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se) || h > 23 ||
        mi > 59 || se > 60)
        goto bad;
    size_t i = 19;
    if (s[i] == '.') {
        i++;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start || i - start > 9)
            goto bad;
    }
    int64_t offset = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
        offset = 0;
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh, om;
        if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            goto bad;
        offset = (int64_t)(oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
    } else {
        goto bad;
    }
    if (se == 60)
        se = 59; /* a leap second is read as the second before it */
    *out_t = kluis_days_from_civil(y, mo, d) * SECS_PER_DAY + h * 3600 + mi * 60 + se - offset;
    return KLUIS_OK;
bad:
    kluis_err_set(err, KLUIS_EPARSE, "invalid time '%.*s'", (int)(len > 40 ? 40 : len), s);
    kluis_err_hint(err, "write an RFC 3339 timestamp, e.g. 2026-11-23T10:00:00Z");
    return KLUIS_EPARSE;
}

char *kluis_time_format(int64_t t, char *buf, size_t size)
{
    int64_t days = t >= 0 ? t / SECS_PER_DAY : -((-t + SECS_PER_DAY - 1) / SECS_PER_DAY);
    int64_t secs = t - days * SECS_PER_DAY;
    int y, m, d;
    kluis_civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
    return buf;
}
