/*
 * Public holidays of the countries kluis knows, for the request clock.
 *
 * Regulation 1182/71, art. 2(1): public holidays are the days the member state designates as such.
 * NL: the Algemene termijnenwet (Atw), art. 3 — its first paragraph names the days, the second
 * equates Good Friday with them, and the third lets the government equate further days by decree
 * (published in the Staatscourant, usually for three years at a time). BE: the ten legal holidays
 * of the Wet van 4 januari 1974 and the KB of 18 april 1974, the days on which art. 53 of the
 * Judicial Code moves a period's end to the next working day.
 *
 * The holidays that follow Easter are computed; the decree days are a table, because a decree
 * chooses them. docs/internals/calendar.md lists the sources and what is not covered.
 */
#include "kluis/calendar.h"

#include <string.h>

/* The years the day arithmetic is defined for (kluis_date_valid). */
#define YEAR_MIN 1
#define YEAR_MAX 9999

int64_t kluis_calendar_easter(int year)
{
    /* The anonymous Gregorian algorithm (Meeus, Astronomical Algorithms, ch. 8). */
    int a = year % 19;
    int b = year / 100;
    int c = year % 100;
    int d = b / 4;
    int e = b % 4;
    int f = (b + 8) / 25;
    int g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4;
    int k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31;
    int day = (h + l - 7 * m + 114) % 31 + 1;
    return kluis_days_from_civil(year, month, day);
}

/* 0 for Monday .. 6 for Sunday; 1970-01-01 (day 0) was a Thursday. */
static int weekday(int64_t day)
{
    return (int)((day % 7 + 7 + 3) % 7);
}

static bool in_range(int64_t day)
{
    return day >= kluis_days_from_civil(YEAR_MIN, 1, 1) &&
           day <= kluis_days_from_civil(YEAR_MAX, 12, 31);
}

/* ---- NL ------------------------------------------------------------------------------------ */

/*
 * Days equated with a public holiday by decree under Atw art. 3(3). Only days whose decree was
 * found are listed; a year not covered has none (docs/internals/calendar.md).
 */
struct decree_day {
    int y, m, d;
    const char *source;
};

#define BESLUIT_2017_2019                                                                          \
    "Besluit van 24 oktober 2016, nr. 2016001827, houdende gelijkstelling van 28 april en 26 mei " \
    "2017, 11 mei en 24 en 31 december 2018 en 31 mei en 27 december 2019 met een algemeen "       \
    "erkende feestdag (BWBR0038666)"
#define BESLUIT_2023_2025                                                                          \
    "Besluit gelijkstelling van 28 april 2023, 19 mei 2023, 10 mei 2024, 27 december 2024 en 30 "  \
    "mei 2025 met een algemeen erkende feestdag"
#define BESLUIT_2026_2028                                                                          \
    "Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027, 28 april 2028 en 26 mei " \
    "2028 met een algemeen erkende feestdag"

static const struct decree_day nl_decree_days[] = {
    {2017, 4, 28, BESLUIT_2017_2019},  /* Friday after Koningsdag */
    {2017, 5, 26, BESLUIT_2017_2019},  /* Friday after Ascension Day */
    {2018, 5, 11, BESLUIT_2017_2019},  /* Friday after Ascension Day */
    {2018, 12, 24, BESLUIT_2017_2019}, /* Monday before Christmas on a Tuesday */
    {2018, 12, 31, BESLUIT_2017_2019}, /* Monday before New Year's Day on a Tuesday */
    {2019, 5, 31, BESLUIT_2017_2019},  /* Friday after Ascension Day */
    {2019, 12, 27, BESLUIT_2017_2019}, /* Friday after Boxing Day on a Thursday */
    {2023, 4, 28, BESLUIT_2023_2025},  /* Friday after Koningsdag */
    {2023, 5, 19, BESLUIT_2023_2025},  /* Friday after Ascension Day */
    {2024, 5, 10, BESLUIT_2023_2025},  /* Friday after Ascension Day */
    {2024, 12, 27, BESLUIT_2023_2025}, /* Friday after Boxing Day on a Thursday */
    {2025, 5, 30, BESLUIT_2023_2025},  /* Friday after Ascension Day */
    {2026, 1, 2, BESLUIT_2026_2028},   /* Friday after New Year's Day on a Thursday */
    {2026, 5, 15, BESLUIT_2026_2028},  /* Friday after Ascension Day */
    {2027, 5, 7, BESLUIT_2026_2028},   /* Friday after Ascension Day */
    {2028, 4, 28, BESLUIT_2026_2028},  /* Friday after Koningsdag */
    {2028, 5, 26, BESLUIT_2026_2028},  /* Friday after Ascension Day */
};

/*
 * The day the monarch's birthday is celebrated (Atw art. 3(1)). From 2014 the King's birthday,
 * 27 April, or 26 April when the 27th is a Sunday (KB of 30 January 2013, Stcrt. 2013, 4075,
 * "behoudens uitzonderingen in verband met zondagen"); before, Koninginnedag, 30 April, or the
 * 29th when the 30th is a Sunday (the rule of 1980 that decree withdrew).
 */
static bool nl_royal_day(int y, int m, int d)
{
    if (m != 4)
        return false;
    int day = y >= 2014 ? 27 : 30;
    if (weekday(kluis_days_from_civil(y, 4, day)) == 6)
        day--;
    return d == day;
}

static const char *nl_holiday(int y, int m, int d, int64_t day)
{
    int64_t from_easter = day - kluis_calendar_easter(y);
    if (m == 1 && d == 1)
        return "Nieuwjaarsdag";
    if (from_easter == -2)
        return "Goede Vrijdag"; /* art. 3(2) */
    if (from_easter == 1)
        return "Tweede Paasdag";
    if (from_easter == 39)
        return "Hemelvaartsdag";
    if (from_easter == 50)
        return "Tweede Pinksterdag";
    if (nl_royal_day(y, m, d))
        return y >= 2014 ? "Koningsdag" : "Koninginnedag";
    if (m == 5 && d == 5)
        return "Bevrijdingsdag"; /* "de vijfde mei": every year, not only every fifth */
    if (m == 12 && d == 25)
        return "Eerste Kerstdag";
    if (m == 12 && d == 26)
        return "Tweede Kerstdag";
    for (size_t i = 0; i < sizeof(nl_decree_days) / sizeof(nl_decree_days[0]); i++) {
        const struct decree_day *e = &nl_decree_days[i];
        if (e->y == y && e->m == m && e->d == d)
            return "gelijkgestelde dag";
    }
    return NULL;
}

/* ---- BE ------------------------------------------------------------------------------------ */

static const char *be_holiday(int y, int m, int d, int64_t day)
{
    int64_t from_easter = day - kluis_calendar_easter(y);
    if (m == 1 && d == 1)
        return "Nieuwjaar";
    if (from_easter == 1)
        return "Paasmaandag";
    if (m == 5 && d == 1)
        return "Feest van de Arbeid";
    if (from_easter == 39)
        return "Hemelvaartsdag";
    if (from_easter == 50)
        return "Pinkstermaandag";
    if (m == 7 && d == 21)
        return "Nationale feestdag";
    if (m == 8 && d == 15)
        return "Onze-Lieve-Vrouw-Hemelvaart";
    if (m == 11 && d == 1)
        return "Allerheiligen";
    if (m == 11 && d == 11)
        return "Wapenstilstand";
    if (m == 12 && d == 25)
        return "Kerstmis";
    return NULL;
}

/* ---- Countries ----------------------------------------------------------------------------- */

struct country {
    const char *code;
    const char *(*holiday)(int y, int m, int d, int64_t day);
};

static const struct country countries[] = {
    {"BE", be_holiday},
    {"NL", nl_holiday},
};

static const struct country *find_country(const char *code)
{
    if (!code)
        return NULL;
    for (size_t i = 0; i < sizeof(countries) / sizeof(countries[0]); i++)
        if (strcmp(countries[i].code, code) == 0)
            return &countries[i];
    return NULL;
}

bool kluis_calendar_country_known(const char *country)
{
    return find_country(country) != NULL;
}

const char *kluis_calendar_holiday(const char *country, int64_t day)
{
    const struct country *c = find_country(country);
    if (!c || !in_range(day))
        return NULL;
    int y, m, d;
    kluis_civil_from_days(day, &y, &m, &d);
    return c->holiday(y, m, d, day);
}

bool kluis_calendar_working_day(const char *country, int64_t day)
{
    return weekday(day) < 5 && kluis_calendar_holiday(country, day) == NULL;
}
