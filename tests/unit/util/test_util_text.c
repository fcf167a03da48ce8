/*
 * Text helpers: UTF-8 validation, the escapers the renderers rely on, bounded buffers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static void test_utf8(void **state)
{
    (void)state;
    assert_true(kluis__utf8_valid("Beëindiging — ≤500", strlen("Beëindiging — ≤500")));
    assert_false(kluis__utf8_valid("\xc3", 1));             /* truncated */
    assert_false(kluis__utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(kluis__utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(kluis__utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(kluis__utf8_valid("\xff", 1));
}

static char *md(const char *s)
{
    struct kluis_buf b;
    kluis__buf_init(&b, 0);
    kluis__buf_md(&b, s);
    char *out = NULL;
    assert_int_equal(kluis__buf_steal(&b, &out, NULL), KLUIS_OK);
    return out;
}

static void test_md_escape(void **state)
{
    (void)state;
    char *s = md("<script>alert(1)</script> *bold* [x](y) a|b");
    assert_string_equal(s, "\\<script\\>alert(1)\\</script\\> \\*bold\\* \\[x\\](y) a\\|b");
    free(s);
    s = md("# not a heading");
    assert_string_equal(s, "\\# not a heading");
    free(s);
    s = md("2024. not a list");
    assert_string_equal(s, "2024\\. not a list");
    free(s);
    s = md("2.0 is a version");
    assert_string_equal(s, "2.0 is a version");
    free(s);
    s = md("1) a list");
    assert_string_equal(s, "1\\) a list");
    free(s);
    s = md("art. 6(1)(b), line\nbreak");
    assert_string_equal(s, "art. 6(1)(b), line break");
    free(s);
}

static void test_csv_and_html(void **state)
{
    (void)state;
    struct kluis_buf b;
    kluis__buf_init(&b, 0);
    kluis__buf_csv(&b, "plain");
    kluis__buf_putc(&b, ',');
    kluis__buf_csv(&b, "a, \"b\"");
    kluis__buf_putc(&b, ',');
    kluis__buf_html(&b, "<a href='x'>&</a>");
    assert_string_equal(b.data, "plain,\"a, \"\"b\"\"\",&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
    kluis__buf_free(&b);
}

static void test_buf_bounded(void **state)
{
    (void)state;
    struct kluis_buf b;
    kluis__buf_init(&b, 10);
    kluis__buf_puts(&b, "0123456789");
    assert_int_equal(kluis__buf_rc(&b), KLUIS_OK);
    kluis__buf_putc(&b, 'x');
    assert_int_equal(kluis__buf_rc(&b), KLUIS_ETOOBIG);
    kluis__buf_puts(&b, "more");
    assert_int_equal(b.len, 10);
    char *out = NULL;
    assert_int_equal(kluis__buf_steal(&b, &out, NULL), KLUIS_ETOOBIG);
    assert_null(out);
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(kluis__edit_distance("retension", "retention", 3), 1);
    assert_int_equal(kluis__edit_distance("abc", "abc", 3), 0);
    assert_int_equal(kluis__edit_distance("abcdefgh", "zzzzzzzz", 2), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),          cmocka_unit_test(test_md_escape),
        cmocka_unit_test(test_csv_and_html),  cmocka_unit_test(test_buf_bounded),
        cmocka_unit_test(test_edit_distance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
