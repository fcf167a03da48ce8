/*
 * The statements of the real example policies, in both languages and both formats, state every
 * category with its retention in words and name every sub-processor (issue 2's acceptance), and
 * the controller register has one row per controller purpose.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/kluis.h"
#include "util/util.h"

#include "examples.h"

/* The text as the Markdown statement writes it. */
static char *as_md(const char *s)
{
    struct kluis_buf b;
    kluis__buf_init(&b, 0);
    kluis__buf_md(&b, s);
    char *out = NULL;
    assert_int_equal(kluis__buf_steal(&b, &out, NULL), KLUIS_OK);
    return out;
}

static void assert_contains(const char *hay, const char *needle, const char *what)
{
    if (!strstr(hay, needle)) {
        fprintf(stderr, "# missing %s: %s\n", what, needle);
        fail();
    }
}

static void test_statements_state_every_retention(void **state)
{
    (void)state;
    for (size_t e = 0; e < sizeof(examples) / sizeof(examples[0]); e++) {
        struct kluis_policy *p = load_example(examples[e]);
        for (int l = KLUIS_LANG_NL; l <= KLUIS_LANG_EN; l++) {
            enum kluis_lang lang = (enum kluis_lang)l;
            char *stmt = NULL;
            size_t len = 0;
            assert_int_equal(kluis_render_statement(p, lang, KLUIS_FORMAT_MD, &stmt, &len, NULL),
                             KLUIS_OK);
            for (size_t i = 0; i < kluis_policy_n_categories(p); i++) {
                const struct kluis_category *c = kluis_policy_category(p, i);
                char *name = as_md(kluis_text_get(&c->name, lang));
                assert_contains(stmt, name, "category");
                free(name);
                char *words = NULL;
                assert_int_equal(kluis_render_retention(p, c, lang, &words, NULL, NULL), KLUIS_OK);
                /* Every category of the examples states a retention. */
                assert_null(
                    strstr(words, lang == KLUIS_LANG_NL ? "niet vastgelegd" : "not stated"));
                char *md = as_md(words);
                assert_contains(stmt, md, "retention");
                free(md);
                free(words);
            }
            for (size_t i = 0; i < kluis_policy_n_subprocessors(p); i++) {
                char *name = as_md(kluis_policy_subprocessor(p, i)->name);
                assert_contains(stmt, name, "sub-processor");
                free(name);
            }
            free(stmt);
            assert_int_equal(kluis_render_statement(p, lang, KLUIS_FORMAT_HTML, &stmt, &len, NULL),
                             KLUIS_OK);
            assert_non_null(strstr(stmt, "<!DOCTYPE html>"));
            assert_non_null(strstr(stmt, lang == KLUIS_LANG_NL ? "lang=\"nl\"" : "lang=\"en\""));
            free(stmt);
        }
        kluis_policy_free(p);
    }
}

static void test_register_rows(void **state)
{
    (void)state;
    for (size_t e = 0; e < sizeof(examples) / sizeof(examples[0]); e++) {
        struct kluis_policy *p = load_example(examples[e]);
        size_t controller = 0;
        for (size_t i = 0; i < kluis_policy_n_purposes(p); i++)
            controller += kluis_policy_purpose(p, i)->role == KLUIS_ROLE_CONTROLLER;
        char *csv = NULL;
        size_t len = 0;
        assert_int_equal(
            kluis_render_register(p, NULL, KLUIS_LANG_EN, KLUIS_FORMAT_CSV, &csv, &len, NULL),
            KLUIS_OK);
        /* Rows are CRLF-terminated; quoted cells may hold bare LFs but never CRLF. */
        size_t rows = 0;
        for (const char *s = csv; (s = strstr(s, "\r\n")) != NULL; s += 2)
            rows++;
        assert_int_equal(rows, controller + 1);
        assert_int_equal(strncmp(csv,
                                 "activity_id,activity,controller,dpo,purpose,legal_basis,"
                                 "data_subjects,data_categories,recipients,transfers,"
                                 "retention,security\r\n",
                                 strlen("activity_id,activity,controller,dpo,purpose,legal_basis,"
                                        "data_subjects,data_categories,recipients,transfers,"
                                        "retention,security\r\n")),
                         0);
        free(csv);
        kluis_policy_free(p);
    }
}

int main(int argc, char **argv)
{
    source_root = argc > 1 ? argv[1] : ".";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statements_state_every_retention),
        cmocka_unit_test(test_register_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
