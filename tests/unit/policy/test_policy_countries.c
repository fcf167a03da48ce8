/*
 * Unit tests for the country table: names in both languages, EEA membership and adequacy.
 */
#include "kluis/policy.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(kluis_country_name("NL", KLUIS_LANG_NL), "Nederland");
    assert_string_equal(kluis_country_name("NL", KLUIS_LANG_EN), "Netherlands");
    assert_string_equal(kluis_country_name("BE", KLUIS_LANG_NL), "België");
    assert_string_equal(kluis_country_name("BE", KLUIS_LANG_EN), "Belgium");
    assert_string_equal(kluis_country_name("US", KLUIS_LANG_NL), "Verenigde Staten");
    assert_string_equal(kluis_country_name("US", KLUIS_LANG_EN), "United States");
    assert_string_equal(kluis_country_name("AE", KLUIS_LANG_NL), "Verenigde Arabische Emiraten");
    assert_string_equal(kluis_country_name("AE", KLUIS_LANG_EN), "United Arab Emirates");
    assert_string_equal(kluis_country_name("GB", KLUIS_LANG_NL), "Verenigd Koninkrijk");
    assert_string_equal(kluis_country_name("GB", KLUIS_LANG_EN), "United Kingdom");
    assert_string_equal(kluis_country_name("CH", KLUIS_LANG_NL), "Zwitserland");
    assert_string_equal(kluis_country_name("CH", KLUIS_LANG_EN), "Switzerland");
}

static void test_first_and_last(void **state)
{
    (void)state;
    /* The ends of the table, to catch an off-by-one in the search. */
    assert_string_equal(kluis_country_name("AD", KLUIS_LANG_EN), "Andorra");
    assert_string_equal(kluis_country_name("ZW", KLUIS_LANG_EN), "Zimbabwe");
    /* The common short name, not the official one. */
    assert_string_equal(kluis_country_name("KR", KLUIS_LANG_EN), "South Korea");
    assert_string_equal(kluis_country_name("KR", KLUIS_LANG_NL), "Zuid-Korea");
}

static void test_regions(void **state)
{
    (void)state;
    assert_string_equal(kluis_country_name("EU", KLUIS_LANG_NL), "Europese Unie");
    assert_string_equal(kluis_country_name("EU", KLUIS_LANG_EN), "European Union");
    assert_string_equal(kluis_country_name("EEA", KLUIS_LANG_NL), "Europese Economische Ruimte");
    assert_string_equal(kluis_country_name("EEA", KLUIS_LANG_EN), "European Economic Area");
    assert_true(kluis_country_in_eea("EU"));
    assert_true(kluis_country_in_eea("EEA"));
}

static void test_unknown(void **state)
{
    (void)state;
    assert_null(kluis_country_name("XX", KLUIS_LANG_NL));
    assert_null(kluis_country_name("XX", KLUIS_LANG_EN));
    assert_null(kluis_country_name("nl", KLUIS_LANG_NL));
    assert_null(kluis_country_name("eu", KLUIS_LANG_EN));
    assert_null(kluis_country_name("", KLUIS_LANG_EN));
    assert_null(kluis_country_name("NLD", KLUIS_LANG_EN));
    assert_null(kluis_country_name(NULL, KLUIS_LANG_EN));
    assert_false(kluis_country_in_eea("XX"));
    assert_false(kluis_country_in_eea("nl"));
    assert_false(kluis_country_in_eea(NULL));
    assert_false(kluis_country_adequate("XX"));
    assert_false(kluis_country_adequate("ch"));
    assert_false(kluis_country_adequate(NULL));
}

static void test_eea(void **state)
{
    (void)state;
    assert_true(kluis_country_in_eea("NL"));
    assert_true(kluis_country_in_eea("BE"));
    assert_true(kluis_country_in_eea("IE"));
    assert_true(kluis_country_in_eea("NO"));
    assert_true(kluis_country_in_eea("IS"));
    assert_true(kluis_country_in_eea("LI"));
    assert_false(kluis_country_in_eea("CH"));
    assert_false(kluis_country_in_eea("GB"));
    assert_false(kluis_country_in_eea("US"));
    assert_false(kluis_country_in_eea("AE"));
}

static void test_adequate(void **state)
{
    (void)state;
    assert_true(kluis_country_adequate("CH"));
    assert_true(kluis_country_adequate("GB"));
    assert_true(kluis_country_adequate("JP"));
    assert_true(kluis_country_adequate("KR"));
    assert_true(kluis_country_adequate("CA"));
    assert_false(kluis_country_adequate("US"));
    assert_false(kluis_country_adequate("AE"));
    /* EEA states need no adequacy decision and are not in the list. */
    assert_false(kluis_country_adequate("NL"));
    assert_false(kluis_country_adequate("EU"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),   cmocka_unit_test(test_first_and_last),
        cmocka_unit_test(test_regions), cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_eea),     cmocka_unit_test(test_adequate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
