/*
 * The request clock: local dates, holidays, Easter and the due date of art. 12(3).
 *
 * The due dates are data (due.txt, one case per line, each its own TAP test point); Easter is
 * checked against a table (easter.txt). Both files are found through $KLUIS_TESTS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kluis/calendar.h"
#include "kluis/kluis.h"

static int64_t days(int y, int m, int d)
{
    return kluis_days_from_civil(y, m, d);
}

static int64_t parse_day(const char *s)
{
    int64_t d = 0;
    if (kluis_date_parse(s, strlen(s), &d, NULL) != KLUIS_OK)
        fail_msg("bad date '%s'", s);
    return d;
}

static int64_t parse_time(const char *s)
{
    int64_t t = 0;
    if (kluis_time_parse(s, &t, NULL) != KLUIS_OK)
        fail_msg("bad time '%s'", s);
    return t;
}

static FILE *open_data(const char *name, char *path, size_t size)
{
    const char *dir = getenv("KLUIS_TESTS");
    if (!dir) {
        fprintf(stderr, "KLUIS_TESTS is not set\n");
        exit(1);
    }
    snprintf(path, size, "%s/unit/calendar/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        exit(1);
    }
    return f;
}

/* ---- Due dates, from due.txt ----------------------------------------------------------------- */

struct due_case {
    int line;
    char country[4];
    char received[16];
    char period[16];
    char due[16];
    char why[160];
    char name[256];
};

static void test_due_case(void **state)
{
    const struct due_case *c = *state;
    struct kluis_duration period;
    assert_int_equal(kluis_duration_parse(c->period, strlen(c->period), &period, NULL), KLUIS_OK);
    int64_t due = -1;
    struct kluis_err err = {0};
    kluis_rc rc = kluis_calendar_due(c->country, parse_day(c->received), period, &due, &err);
    if (rc != KLUIS_OK)
        fail_msg("due.txt:%d: %s", c->line, err.message);
    char got[16];
    kluis_date_format(due, got, sizeof(got));
    if (strcmp(got, c->due) != 0)
        fail_msg("due.txt:%d: %s %s +%s: expected %s, got %s (%s)", c->line, c->country,
                 c->received, c->period, c->due, got, c->why);
}

/* Reads due.txt; exits when a line is malformed, so that no case is skipped silently. */
static struct due_case *load_due_cases(size_t *out_n)
{
    char path[1024];
    FILE *f = open_data("due.txt", path, sizeof(path));
    struct due_case *cases = NULL;
    size_t n = 0, cap = 0;
    char line[512];
    int no = 0;
    while (fgets(line, sizeof(line), f)) {
        no++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            cases = realloc(cases, cap * sizeof(*cases));
            if (!cases)
                exit(1);
        }
        struct due_case *c = &cases[n];
        memset(c, 0, sizeof(*c));
        int used = 0;
        if (sscanf(line, "%3s %15s %15s %15s %n", c->country, c->received, c->period, c->due,
                   &used) != 4) {
            fprintf(stderr, "%s:%d: malformed case\n", path, no);
            exit(1);
        }
        snprintf(c->why, sizeof(c->why), "%s", line + used);
        c->why[strcspn(c->why, "\n")] = '\0';
        c->line = no;
        snprintf(c->name, sizeof(c->name), "due.txt:%d %s %s +%s = %s: %s", no, c->country,
                 c->received, c->period, c->due, c->why);
        for (char *p = c->name; *p; p++)
            if (*p == '#')
                *p = ' '; /* '#' would start a TAP directive */
        n++;
    }
    fclose(f);
    *out_n = n;
    return cases;
}

/* ---- Easter ---------------------------------------------------------------------------------- */

static void test_easter_table(void **state)
{
    (void)state;
    char path[1024];
    FILE *f = open_data("easter.txt", path, sizeof(path));
    char line[256];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char date[16];
        assert_int_equal(sscanf(line, "%15s", date), 1);
        int64_t want = parse_day(date);
        char got[16];
        kluis_date_format(kluis_calendar_easter(atoi(date)), got, sizeof(got));
        if (kluis_calendar_easter(atoi(date)) != want)
            fail_msg("Easter %.4s: expected %s, got %s", date, date, got);
        n++;
    }
    fclose(f);
    assert_true(n >= 201); /* 1900..2100 and the extremes */
    assert_int_equal(kluis_calendar_easter(2024), days(2024, 3, 31));
    assert_int_equal(kluis_calendar_easter(2025), days(2025, 4, 20));
    assert_int_equal(kluis_calendar_easter(2026), days(2026, 4, 5));
    assert_int_equal(kluis_calendar_easter(2027), days(2027, 3, 28));
    assert_int_equal(kluis_calendar_easter(2028), days(2028, 4, 16));
    assert_int_equal(kluis_calendar_easter(2038), days(2038, 4, 25));
    assert_int_equal(kluis_calendar_easter(2285), days(2285, 3, 22));
}

/* Every Gregorian Easter is a Sunday from 22 March to 25 April. */
static void test_easter_range(void **state)
{
    (void)state;
    for (int y = 1583; y <= 9999; y++) {
        int64_t e = kluis_calendar_easter(y);
        assert_int_equal(((e % 7) + 7 + 3) % 7, 6);
        assert_in_range(e, days(y, 3, 22), days(y, 4, 25));
    }
}

/* ---- Months ---------------------------------------------------------------------------------- */

static void test_add_months(void **state)
{
    (void)state;
    assert_int_equal(kluis_calendar_add_months(days(2026, 1, 31), 1), days(2026, 2, 28));
    assert_int_equal(kluis_calendar_add_months(days(2028, 1, 31), 1), days(2028, 2, 29));
    assert_int_equal(kluis_calendar_add_months(days(2100, 1, 31), 1), days(2100, 2, 28));
    assert_int_equal(kluis_calendar_add_months(days(2000, 1, 31), 1), days(2000, 2, 29));
    assert_int_equal(kluis_calendar_add_months(days(2026, 8, 31), 1), days(2026, 9, 30));
    assert_int_equal(kluis_calendar_add_months(days(2026, 12, 31), 1), days(2027, 1, 31));
    assert_int_equal(kluis_calendar_add_months(days(2026, 11, 30), 3), days(2027, 2, 28));
    assert_int_equal(kluis_calendar_add_months(days(2026, 5, 21), 0), days(2026, 5, 21));
    assert_int_equal(kluis_calendar_add_months(days(2026, 3, 31), -1), days(2026, 2, 28));
    assert_int_equal(kluis_calendar_add_months(days(2026, 1, 15), -1), days(2025, 12, 15));
    assert_int_equal(kluis_calendar_add_months(days(2028, 2, 29), -12), days(2027, 2, 28));
    assert_int_equal(kluis_calendar_add_months(days(2026, 1, 31), 1200), days(2126, 1, 31));
    /* The same rule as kluis_time_add (time.h), checked over many start days. */
    for (int64_t z = days(1999, 1, 1); z < days(2031, 1, 1); z += 3) {
        for (int mo = 0; mo <= 25; mo += 5) {
            int64_t t = kluis_time_add(z * 86400, (struct kluis_duration){mo, KLUIS_UNIT_MONTH});
            assert_int_equal(kluis_calendar_add_months(z, mo) * 86400, t);
        }
    }
}

/* ---- Holidays -------------------------------------------------------------------------------- */

struct named_day {
    const char *date;
    const char *name;
};

/* Lists a whole year through kluis_calendar_holiday and compares it with want. */
static void check_year(const char *country, int year, const struct named_day *want, size_t n)
{
    size_t found = 0;
    for (int64_t d = days(year, 1, 1); d <= days(year, 12, 31); d++) {
        const char *name = kluis_calendar_holiday(country, d);
        if (!name)
            continue;
        char got[16];
        kluis_date_format(d, got, sizeof(got));
        if (found >= n)
            fail_msg("%s %d: unexpected holiday %s %s", country, year, got, name);
        if (strcmp(got, want[found].date) != 0 || strcmp(name, want[found].name) != 0)
            fail_msg("%s %d: expected %s %s, got %s %s", country, year, want[found].date,
                     want[found].name, got, name);
        found++;
    }
    assert_int_equal(found, n);
}

#define CHECK_YEAR(country, year, list)                                                            \
    check_year(country, year, list, sizeof(list) / sizeof((list)[0]))

static void test_holidays_nl(void **state)
{
    (void)state;
    static const struct named_day nl2025[] = {
        {"2025-01-01", "Nieuwjaarsdag"},      {"2025-04-18", "Goede Vrijdag"},
        {"2025-04-21", "Tweede Paasdag"},     {"2025-04-26", "Koningsdag"},
        {"2025-05-05", "Bevrijdingsdag"},     {"2025-05-29", "Hemelvaartsdag"},
        {"2025-05-30", "gelijkgestelde dag"}, {"2025-06-09", "Tweede Pinksterdag"},
        {"2025-12-25", "Eerste Kerstdag"},    {"2025-12-26", "Tweede Kerstdag"},
    };
    static const struct named_day nl2026[] = {
        {"2026-01-01", "Nieuwjaarsdag"},      {"2026-01-02", "gelijkgestelde dag"},
        {"2026-04-03", "Goede Vrijdag"},      {"2026-04-06", "Tweede Paasdag"},
        {"2026-04-27", "Koningsdag"},         {"2026-05-05", "Bevrijdingsdag"},
        {"2026-05-14", "Hemelvaartsdag"},     {"2026-05-15", "gelijkgestelde dag"},
        {"2026-05-25", "Tweede Pinksterdag"}, {"2026-12-25", "Eerste Kerstdag"},
        {"2026-12-26", "Tweede Kerstdag"},
    };
    static const struct named_day nl2027[] = {
        {"2027-01-01", "Nieuwjaarsdag"},      {"2027-03-26", "Goede Vrijdag"},
        {"2027-03-29", "Tweede Paasdag"},     {"2027-04-27", "Koningsdag"},
        {"2027-05-05", "Bevrijdingsdag"},     {"2027-05-06", "Hemelvaartsdag"},
        {"2027-05-07", "gelijkgestelde dag"}, {"2027-05-17", "Tweede Pinksterdag"},
        {"2027-12-25", "Eerste Kerstdag"},    {"2027-12-26", "Tweede Kerstdag"},
    };
    static const struct named_day nl2028[] = {
        {"2028-01-01", "Nieuwjaarsdag"},      {"2028-04-14", "Goede Vrijdag"},
        {"2028-04-17", "Tweede Paasdag"},     {"2028-04-27", "Koningsdag"},
        {"2028-04-28", "gelijkgestelde dag"}, {"2028-05-05", "Bevrijdingsdag"},
        {"2028-05-25", "Hemelvaartsdag"},     {"2028-05-26", "gelijkgestelde dag"},
        {"2028-06-05", "Tweede Pinksterdag"}, {"2028-12-25", "Eerste Kerstdag"},
        {"2028-12-26", "Tweede Kerstdag"},
    };
    /* No decree for 2029 is known yet: the Friday after Ascension Day (11 May) is not listed. */
    static const struct named_day nl2029[] = {
        {"2029-01-01", "Nieuwjaarsdag"},      {"2029-03-30", "Goede Vrijdag"},
        {"2029-04-02", "Tweede Paasdag"},     {"2029-04-27", "Koningsdag"},
        {"2029-05-05", "Bevrijdingsdag"},     {"2029-05-10", "Hemelvaartsdag"},
        {"2029-05-21", "Tweede Pinksterdag"}, {"2029-12-25", "Eerste Kerstdag"},
        {"2029-12-26", "Tweede Kerstdag"},
    };
    CHECK_YEAR("NL", 2025, nl2025);
    CHECK_YEAR("NL", 2026, nl2026);
    CHECK_YEAR("NL", 2027, nl2027);
    CHECK_YEAR("NL", 2028, nl2028);
    CHECK_YEAR("NL", 2029, nl2029);

    /* Koningsdag moves to Saturday 26 April when the 27th is a Sunday (2014, 2025). */
    assert_string_equal(kluis_calendar_holiday("NL", days(2014, 4, 26)), "Koningsdag");
    assert_null(kluis_calendar_holiday("NL", days(2014, 4, 27)));
    assert_null(kluis_calendar_holiday("NL", days(2025, 4, 27)));
    /* Before 2014: Koninginnedag, 30 April, or the 29th when the 30th is a Sunday (2006). */
    assert_string_equal(kluis_calendar_holiday("NL", days(2013, 4, 30)), "Koninginnedag");
    assert_string_equal(kluis_calendar_holiday("NL", days(2006, 4, 29)), "Koninginnedag");
    assert_null(kluis_calendar_holiday("NL", days(2006, 4, 30)));
    /* Decree days of 2017-2019 (BWBR0038666). */
    assert_string_equal(kluis_calendar_holiday("NL", days(2018, 12, 24)), "gelijkgestelde dag");
    assert_string_equal(kluis_calendar_holiday("NL", days(2019, 12, 27)), "gelijkgestelde dag");
    /* Easter Sunday and Whit Sunday are Sundays, not Atw days of their own. */
    assert_null(kluis_calendar_holiday("NL", days(2026, 4, 5)));
    assert_null(kluis_calendar_holiday("NL", days(2026, 5, 24)));
    /* One name per day: 5 May 2005 was also Ascension Day. */
    assert_string_equal(kluis_calendar_holiday("NL", days(2005, 5, 5)), "Hemelvaartsdag");
}

static void test_holidays_be(void **state)
{
    (void)state;
    static const struct named_day be2026[] = {
        {"2026-01-01", "Nieuwjaar"},
        {"2026-04-06", "Paasmaandag"},
        {"2026-05-01", "Feest van de Arbeid"},
        {"2026-05-14", "Hemelvaartsdag"},
        {"2026-05-25", "Pinkstermaandag"},
        {"2026-07-21", "Nationale feestdag"},
        {"2026-08-15", "Onze-Lieve-Vrouw-Hemelvaart"},
        {"2026-11-01", "Allerheiligen"},
        {"2026-11-11", "Wapenstilstand"},
        {"2026-12-25", "Kerstmis"},
    };
    static const struct named_day be2027[] = {
        {"2027-01-01", "Nieuwjaar"},
        {"2027-03-29", "Paasmaandag"},
        {"2027-05-01", "Feest van de Arbeid"},
        {"2027-05-06", "Hemelvaartsdag"},
        {"2027-05-17", "Pinkstermaandag"},
        {"2027-07-21", "Nationale feestdag"},
        {"2027-08-15", "Onze-Lieve-Vrouw-Hemelvaart"},
        {"2027-11-01", "Allerheiligen"},
        {"2027-11-11", "Wapenstilstand"},
        {"2027-12-25", "Kerstmis"},
    };
    /* 2008: Ascension Day fell on 1 May, so nine days (one name per day). */
    static const struct named_day be2008[] = {
        {"2008-01-01", "Nieuwjaar"},
        {"2008-03-24", "Paasmaandag"},
        {"2008-05-01", "Feest van de Arbeid"},
        {"2008-05-12", "Pinkstermaandag"},
        {"2008-07-21", "Nationale feestdag"},
        {"2008-08-15", "Onze-Lieve-Vrouw-Hemelvaart"},
        {"2008-11-01", "Allerheiligen"},
        {"2008-11-11", "Wapenstilstand"},
        {"2008-12-25", "Kerstmis"},
    };
    CHECK_YEAR("BE", 2026, be2026);
    CHECK_YEAR("BE", 2027, be2027);
    CHECK_YEAR("BE", 2008, be2008);
    assert_null(kluis_calendar_holiday("BE", days(2026, 4, 3)));   /* Good Friday */
    assert_null(kluis_calendar_holiday("BE", days(2026, 12, 26))); /* Boxing Day */
    assert_null(kluis_calendar_holiday("BE", days(2026, 11, 2)));  /* Allerzielen */
}

static void test_countries_and_working_days(void **state)
{
    (void)state;
    assert_true(kluis_calendar_country_known("NL"));
    assert_true(kluis_calendar_country_known("BE"));
    const char *unknown[] = {"", "nl", "be", "DE", "NLD", "N", "XX"};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        assert_false(kluis_calendar_country_known(unknown[i]));
        assert_null(kluis_calendar_holiday(unknown[i], days(2026, 1, 1)));
    }
    assert_false(kluis_calendar_country_known(NULL));
    assert_null(kluis_calendar_holiday(NULL, days(2026, 12, 25)));

    assert_true(kluis_calendar_working_day("NL", days(2026, 5, 21)));  /* Thursday */
    assert_false(kluis_calendar_working_day("NL", days(2026, 5, 23))); /* Saturday */
    assert_false(kluis_calendar_working_day("NL", days(2026, 5, 24))); /* Sunday */
    assert_false(kluis_calendar_working_day("NL", days(2026, 5, 15))); /* decree day */
    assert_true(kluis_calendar_working_day("BE", days(2026, 5, 15)));
    assert_false(kluis_calendar_working_day("BE", days(2026, 7, 21)));
    assert_true(kluis_calendar_working_day("NL", days(2026, 7, 21)));
    /* An unknown country has no holidays: only the weekend is not working. */
    assert_true(kluis_calendar_working_day("DE", days(2026, 12, 25)));
    assert_false(kluis_calendar_working_day("DE", days(2026, 12, 26)));
    /* Far outside the calendar's years: no holiday, no overflow. */
    assert_null(kluis_calendar_holiday("NL", INT64_MAX));
    assert_null(kluis_calendar_holiday("NL", INT64_MIN));
    (void)kluis_calendar_working_day("NL", INT64_MAX);
    (void)kluis_calendar_working_day("NL", INT64_MIN);
}

/* ---- Due: refusals --------------------------------------------------------------------------- */

static void test_due_refusals(void **state)
{
    (void)state;
    struct kluis_duration month = {1, KLUIS_UNIT_MONTH};
    int64_t due = 42;
    struct kluis_err err = {0};
    assert_int_equal(kluis_calendar_due("DE", days(2026, 1, 1), month, &due, &err), KLUIS_EINVAL);
    assert_int_equal(err.rc, KLUIS_EINVAL);
    assert_non_null(strstr(err.message, "'DE'"));
    assert_non_null(strstr(err.message, "BE, NL"));
    assert_int_equal(due, 42);
    assert_int_equal(kluis_calendar_due(NULL, days(2026, 1, 1), month, &due, NULL), KLUIS_EINVAL);
    assert_int_equal(kluis_calendar_due("nl", days(2026, 1, 1), month, &due, NULL), KLUIS_EINVAL);

    memset(&err, 0, sizeof(err));
    struct kluis_duration hours = {72, KLUIS_UNIT_HOUR};
    assert_int_equal(kluis_calendar_due("NL", days(2026, 1, 1), hours, &due, &err), KLUIS_EINVAL);
    assert_non_null(strstr(err.message, "hours"));
    struct kluis_duration negative = {-1, KLUIS_UNIT_DAY};
    assert_int_equal(kluis_calendar_due("NL", days(2026, 1, 1), negative, &due, NULL),
                     KLUIS_EINVAL);
    struct kluis_duration huge = {KLUIS_DURATION_MAX_N + 1, KLUIS_UNIT_DAY};
    assert_int_equal(kluis_calendar_due("NL", days(2026, 1, 1), huge, &due, NULL), KLUIS_EINVAL);
    /* Outside the years 1..9999, before or after counting. */
    assert_int_equal(kluis_calendar_due("NL", days(0, 12, 31), month, &due, NULL), KLUIS_EINVAL);
    assert_int_equal(kluis_calendar_due("NL", INT64_MAX, month, &due, NULL), KLUIS_EINVAL);
    assert_int_equal(kluis_calendar_due("NL", INT64_MIN, month, &due, NULL), KLUIS_EINVAL);
    struct kluis_duration day = {1, KLUIS_UNIT_DAY};
    assert_int_equal(kluis_calendar_due("NL", days(9999, 12, 31), day, &due, NULL), KLUIS_EINVAL);
    struct kluis_duration max_years = {KLUIS_DURATION_MAX_N, KLUIS_UNIT_YEAR};
    assert_int_equal(kluis_calendar_due("NL", days(2026, 1, 1), max_years, &due, NULL),
                     KLUIS_EINVAL);
    assert_int_equal(due, 42);
    /* The last representable day still works when it is a working day (Friday 31 Dec 9999). */
    struct kluis_duration none = {0, KLUIS_UNIT_DAY};
    assert_int_equal(kluis_calendar_due("BE", days(9999, 12, 30), day, &due, NULL), KLUIS_OK);
    assert_int_equal(due, days(9999, 12, 31));
    assert_int_equal(kluis_calendar_due("BE", days(9999, 12, 31), none, &due, NULL), KLUIS_OK);
    assert_int_equal(due, days(9999, 12, 31));
}

/* ---- Time zones ------------------------------------------------------------------------------ */

static int64_t local(const char *rfc3339, const char *zone)
{
    int64_t day = -1;
    struct kluis_err err = {0};
    if (kluis_calendar_local_day(parse_time(rfc3339), zone, &day, &err) != KLUIS_OK)
        fail_msg("%s in %s: %s", rfc3339, zone, err.message);
    return day;
}

static void test_local_day(void **state)
{
    (void)state;
    const char *ams = "Europe/Amsterdam";
    /* Around midnight in winter time (UTC+1). */
    assert_int_equal(local("2026-03-28T22:59:59Z", ams), days(2026, 3, 28));
    assert_int_equal(local("2026-03-28T23:00:00Z", ams), days(2026, 3, 29));
    assert_int_equal(local("2026-03-28T23:30:00Z", ams), days(2026, 3, 29));
    assert_int_equal(local("2026-03-28T23:30:00Z", "UTC"), days(2026, 3, 28));
    /* Summer time begins 29 March 2026 at 01:00 UTC; midnight is then 22:00 UTC. */
    assert_int_equal(local("2026-03-29T00:59:59Z", ams), days(2026, 3, 29));
    assert_int_equal(local("2026-03-29T01:00:00Z", ams), days(2026, 3, 29));
    assert_int_equal(local("2026-03-29T21:59:59Z", ams), days(2026, 3, 29));
    assert_int_equal(local("2026-03-29T22:00:00Z", ams), days(2026, 3, 30));
    /* Summer time ends 25 October 2026 at 01:00 UTC. */
    assert_int_equal(local("2026-10-24T21:59:59Z", ams), days(2026, 10, 24));
    assert_int_equal(local("2026-10-24T22:00:00Z", ams), days(2026, 10, 25));
    assert_int_equal(local("2026-10-25T00:59:59Z", ams), days(2026, 10, 25));
    assert_int_equal(local("2026-10-25T01:00:00Z", ams), days(2026, 10, 25));
    assert_int_equal(local("2026-10-25T22:59:59Z", ams), days(2026, 10, 25));
    assert_int_equal(local("2026-10-25T23:00:00Z", ams), days(2026, 10, 26));
    assert_int_equal(local("2026-10-31T22:59:59Z", ams), days(2026, 10, 31));
    assert_int_equal(local("2026-10-31T23:00:00Z", ams), days(2026, 11, 1));
    assert_int_equal(local("2026-12-31T22:59:59Z", "Europe/Brussels"), days(2026, 12, 31));
    assert_int_equal(local("2026-12-31T23:00:00Z", "Europe/Brussels"), days(2027, 1, 1));
    /* West and far east of UTC, and a half-hour offset. */
    assert_int_equal(local("2026-01-01T04:59:59Z", "America/New_York"), days(2025, 12, 31));
    assert_int_equal(local("2026-01-01T05:00:00Z", "America/New_York"), days(2026, 1, 1));
    assert_int_equal(local("2026-01-01T09:59:59Z", "Pacific/Kiritimati"), days(2026, 1, 1));
    assert_int_equal(local("2026-01-01T10:00:00Z", "Pacific/Kiritimati"), days(2026, 1, 2));
    assert_int_equal(local("2026-03-28T18:29:59Z", "Asia/Kolkata"), days(2026, 3, 28));
    assert_int_equal(local("2026-03-28T18:30:00Z", "Asia/Kolkata"), days(2026, 3, 29));
    /* Before the epoch. */
    int64_t day = -1;
    assert_int_equal(kluis_calendar_local_day(-1800, ams, &day, NULL), KLUIS_OK);
    assert_int_equal(day, 0);
    assert_int_equal(kluis_calendar_local_day(-1800, "UTC", &day, NULL), KLUIS_OK);
    assert_int_equal(day, -1);
}

static void test_zone_names(void **state)
{
    (void)state;
    const char *valid[] = {"Europe/Amsterdam",
                           "Europe/Brussels",
                           "UTC",
                           "Etc/GMT+5",
                           "Etc/GMT-14",
                           "America/Argentina/Buenos_Aires",
                           "CET"};
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
        if (!kluis_calendar_zone_valid(valid[i]))
            fail_msg("zone '%s' refused", valid[i]);
    char longname[300];
    memset(longname, 'A', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    const char *invalid[] = {
        "",
        "Europe/Nowhere",
        "europe/amsterdam_x",
        "../etc/passwd",
        "Europe/../Europe/Amsterdam",
        "./UTC",
        "/usr/share/zoneinfo/UTC",
        "/etc/localtime",
        "Europe//Amsterdam",
        "Europe/",
        "Europe",
        "zone.tab",
        "tzdata.zi",
        "iso3166.tab",
        "localtime",
        "right/Europe/Amsterdam",
        "Europe/Amsterdam ",
        "Europe/Amsterdam\n",
        "CET-1CEST,M3.5.0,M10.5.0/3",
        ":Europe/Amsterdam",
        longname,
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        if (kluis_calendar_zone_valid(invalid[i]))
            fail_msg("zone '%s' accepted", invalid[i]);
        int64_t day = 42;
        struct kluis_err err = {0};
        assert_int_equal(kluis_calendar_local_day(0, invalid[i], &day, &err), KLUIS_EINVAL);
        assert_int_equal(err.rc, KLUIS_EINVAL);
        assert_int_equal(day, 42);
    }
    assert_false(kluis_calendar_zone_valid(NULL));
    int64_t day = 42;
    struct kluis_err err = {0};
    assert_int_equal(kluis_calendar_local_day(0, NULL, &day, &err), KLUIS_EINVAL);
    assert_non_null(strstr(err.hint, "Europe/Amsterdam"));
    assert_int_equal(kluis_calendar_local_day(INT64_MAX, "UTC", &day, NULL), KLUIS_EINVAL);
    assert_int_equal(day, 42);
}

/* The caller's TZ, set or not, is as it was afterwards, and so is what localtime() gives. */
static void test_tz_restored(void **state)
{
    (void)state;
    const char *saved = getenv("TZ");
    char *copy = saved ? strdup(saved) : NULL;
    int64_t day;

    setenv("TZ", "America/New_York", 1);
    tzset();
    assert_int_equal(kluis_calendar_local_day(0, "Asia/Tokyo", &day, NULL), KLUIS_OK);
    assert_int_equal(day, 0);
    assert_string_equal(getenv("TZ"), "America/New_York");
    time_t t = 0;
    struct tm tm;
    assert_non_null(localtime_r(&t, &tm));
    assert_int_equal(tm.tm_hour, 19); /* 1970-01-01T00:00Z is 19:00 the day before in New York */

    unsetenv("TZ");
    tzset();
    assert_int_equal(kluis_calendar_local_day(0, "Asia/Tokyo", &day, NULL), KLUIS_OK);
    assert_null(getenv("TZ"));

    if (copy)
        setenv("TZ", copy, 1);
    tzset();
    free(copy);
}

struct zone_job {
    const char *zone;
    int64_t t;
    int64_t want;
    int failures;
};

static void *zone_worker(void *arg)
{
    struct zone_job *job = arg;
    for (int i = 0; i < 300; i++) {
        int64_t day = -1;
        if (kluis_calendar_local_day(job->t, job->zone, &day, NULL) != KLUIS_OK || day != job->want)
            job->failures++;
    }
    return NULL;
}

/* Calls from several threads at once each see their own zone (the mutex around TZ). */
static void test_local_day_threads(void **state)
{
    (void)state;
    int64_t t = parse_time("2026-03-28T23:30:00Z");
    struct zone_job jobs[] = {
        {"Europe/Amsterdam", t, days(2026, 3, 29), 0},
        {"UTC", t, days(2026, 3, 28), 0},
        {"America/New_York", t, days(2026, 3, 28), 0},
        {"Asia/Tokyo", t, days(2026, 3, 29), 0},
    };
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, zone_worker, &jobs[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(jobs[i].failures, 0);
    }
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_easter_table),      cmocka_unit_test(test_easter_range),
        cmocka_unit_test(test_add_months),        cmocka_unit_test(test_holidays_nl),
        cmocka_unit_test(test_holidays_be),       cmocka_unit_test(test_countries_and_working_days),
        cmocka_unit_test(test_due_refusals),      cmocka_unit_test(test_local_day),
        cmocka_unit_test(test_zone_names),        cmocka_unit_test(test_tz_restored),
        cmocka_unit_test(test_local_day_threads),
    };
    const size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
    size_t n_cases = 0;
    struct due_case *cases = load_due_cases(&n_cases);
    /* One TAP test point per line of due.txt. */
    struct CMUnitTest *tests = calloc(n_fixed + n_cases, sizeof(*tests));
    if (!tests)
        return 1;
    memcpy(tests, fixed, sizeof(fixed));
    for (size_t i = 0; i < n_cases; i++) {
        tests[n_fixed + i] = (struct CMUnitTest){
            .name = cases[i].name,
            .test_func = test_due_case,
            .initial_state = &cases[i],
        };
    }
    int failed = _cmocka_run_group_tests("calendar", tests, n_fixed + n_cases, NULL, NULL);
    free(tests);
    free(cases);
    return failed;
}
