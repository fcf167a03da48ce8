/*
 * Dates and durations: the calendar arithmetic retention and deadlines rest on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "kluis/kluis.h"

static int64_t days(int y, int m, int d)
{
    return kluis_days_from_civil(y, m, d);
}

static void test_civil_roundtrip(void **state)
{
    (void)state;
    assert_int_equal(days(1970, 1, 1), 0);
    assert_int_equal(days(2000, 3, 1), 11017);
    for (int64_t z = days(1, 1, 1); z < days(9999, 12, 31); z += 997) {
        int y, m, d;
        kluis_civil_from_days(z, &y, &m, &d);
        assert_true(kluis_date_valid(y, m, d));
        assert_int_equal(days(y, m, d), z);
    }
}

static void test_days_in_month(void **state)
{
    (void)state;
    assert_int_equal(kluis_days_in_month(2024, 2), 29);
    assert_int_equal(kluis_days_in_month(2025, 2), 28);
    assert_int_equal(kluis_days_in_month(1900, 2), 28);
    assert_int_equal(kluis_days_in_month(2000, 2), 29);
    assert_int_equal(kluis_days_in_month(2026, 4), 30);
    assert_int_equal(kluis_days_in_month(2026, 13), 0);
}

static void test_duration_parse(void **state)
{
    (void)state;
    struct kluis_duration d;
    struct kluis_err err = {0};
    assert_int_equal(kluis_duration_parse("7d", 2, &d, NULL), KLUIS_OK);
    assert_int_equal(d.n, 7);
    assert_int_equal(d.unit, KLUIS_UNIT_DAY);
    assert_int_equal(kluis_duration_parse("12mo", 4, &d, NULL), KLUIS_OK);
    assert_int_equal(d.unit, KLUIS_UNIT_MONTH);
    assert_int_equal(kluis_duration_parse("0d", 2, &d, NULL), KLUIS_OK);
    assert_int_equal(d.n, 0);
    assert_int_equal(kluis_duration_parse("72h", 3, &d, NULL), KLUIS_OK);
    assert_int_equal(d.unit, KLUIS_UNIT_HOUR);
    assert_int_equal(kluis_duration_parse("2w", 2, &d, NULL), KLUIS_OK);
    assert_int_equal(d.unit, KLUIS_UNIT_WEEK);
    const char *bad[] = {"", "d", "7", "7 d", "7m", "-7d", "7dd", "1.5y", "7D", "99999999y"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(kluis_duration_parse(bad[i], strlen(bad[i]), &d, &err), KLUIS_EPARSE);
        assert_int_equal(err.rc, KLUIS_EPARSE);
    }
    char buf[24];
    assert_string_equal(
        kluis_duration_format((struct kluis_duration){12, KLUIS_UNIT_MONTH}, buf, sizeof(buf)),
        "12mo");
}

static void test_duration_cmp(void **state)
{
    (void)state;
    struct kluis_duration y1 = {1, KLUIS_UNIT_YEAR}, m12 = {12, KLUIS_UNIT_MONTH};
    struct kluis_duration m1 = {1, KLUIS_UNIT_MONTH}, d30 = {30, KLUIS_UNIT_DAY};
    struct kluis_duration w2 = {2, KLUIS_UNIT_WEEK}, d14 = {14, KLUIS_UNIT_DAY};
    struct kluis_duration h72 = {72, KLUIS_UNIT_HOUR}, d3 = {3, KLUIS_UNIT_DAY};
    assert_int_equal(kluis_duration_cmp(y1, m12), 0);
    assert_int_equal(kluis_duration_cmp(w2, d14), 0);
    assert_int_equal(kluis_duration_cmp(h72, d3), 0);
    /* A month counts as its shortest length: 30 days is more than "1 month" at its shortest. */
    assert_true(kluis_duration_cmp(d30, m1) > 0);
    assert_true(kluis_duration_cmp(m1, d30) < 0);
    assert_true(kluis_duration_cmp((struct kluis_duration){2, KLUIS_UNIT_YEAR}, m12) > 0);
}

static void test_time_add_calendar(void **state)
{
    (void)state;
    int64_t t = days(2026, 1, 31) * 86400 + 3600;
    int64_t r = kluis_time_add(t, (struct kluis_duration){1, KLUIS_UNIT_MONTH});
    assert_int_equal(r, days(2026, 2, 28) * 86400 + 3600);
    r = kluis_time_add(days(2024, 2, 29) * 86400, (struct kluis_duration){1, KLUIS_UNIT_YEAR});
    assert_int_equal(r, days(2025, 2, 28) * 86400);
    r = kluis_time_add(days(2026, 11, 23) * 86400, (struct kluis_duration){7, KLUIS_UNIT_DAY});
    assert_int_equal(r, days(2026, 11, 30) * 86400);
    r = kluis_time_add(days(2026, 12, 15) * 86400, (struct kluis_duration){2, KLUIS_UNIT_MONTH});
    assert_int_equal(r, days(2027, 2, 15) * 86400);
}

static void test_date_and_time_parse(void **state)
{
    (void)state;
    int64_t d, t;
    assert_int_equal(kluis_date_parse("2026-05-21", 10, &d, NULL), KLUIS_OK);
    assert_int_equal(d, days(2026, 5, 21));
    assert_int_equal(kluis_date_parse("2026-02-29", 10, &d, NULL), KLUIS_EPARSE);
    assert_int_equal(kluis_date_parse("2026-5-21", 9, &d, NULL), KLUIS_EPARSE);
    assert_int_equal(kluis_time_parse("1985-10-26T01:20:01-07:00", &t, NULL), KLUIS_OK);
    assert_int_equal(t, 499162801);
    assert_int_equal(kluis_time_parse("2026-11-23T10:00:00Z", &t, NULL), KLUIS_OK);
    char buf[32];
    assert_string_equal(kluis_time_format(t, buf, sizeof(buf)), "2026-11-23T10:00:00Z");
    assert_int_equal(kluis_time_parse("2026-11-23T10:00:00.123Z", &t, NULL), KLUIS_OK);
    assert_int_equal(kluis_time_parse("2026-11-23 10:00", &t, NULL), KLUIS_EPARSE);
    assert_int_equal(kluis_time_parse("2026-11-23T25:00:00Z", &t, NULL), KLUIS_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_roundtrip),   cmocka_unit_test(test_days_in_month),
        cmocka_unit_test(test_duration_parse),    cmocka_unit_test(test_duration_cmp),
        cmocka_unit_test(test_time_add_calendar), cmocka_unit_test(test_date_and_time_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
