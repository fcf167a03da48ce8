/*
 * The scrubber: every line of tests/vectors/scrub/spans.tsv (positives per type in their
 * notations, and hard negatives) must give exactly the spans marked in it; then the validators on
 * their own, strict mode, context keywords, known values, the three redaction modes, the context
 * prefix of kluis_scrub_find, and bytes that must pass unharmed (invalid UTF-8, NUL).
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
#include "kluis/scrub.h"
#include "scrub/scrub_internal.h"

static struct kluis_scrub *make(enum kluis_scrub_mode mode, bool strict)
{
    static const uint8_t key[32] = "0123456789abcdef0123456789abcdef";
    struct kluis_scrub_config cfg = {.mode = mode, .strict = strict, .key = key, .key_len = 32};
    struct kluis_scrub *s = NULL;
    struct kluis_err err = {0};
    assert_int_equal(kluis_scrub_new(&cfg, &s, &err), KLUIS_OK);
    return s;
}

/* Redacts text (NUL-terminated) and returns a copy of the output. */
static char *redact(struct kluis_scrub *s, const char *text)
{
    const char *out;
    size_t out_len;
    assert_int_equal(kluis_scrub_redact(s, text, strlen(text), 0, &out, &out_len, NULL, NULL, NULL),
                     KLUIS_OK);
    assert_int_equal(strlen(out), out_len);
    return strdup(out);
}

static void assert_redacts(struct kluis_scrub *s, const char *text, const char *want)
{
    char *got = redact(s, text);
    assert_string_equal(got, want);
    free(got);
}

static enum kluis_scrub_type type_of(const char *name)
{
    for (int t = 0; t < KLUIS_SCRUB_TYPE_COUNT_; t++)
        if (strcmp(kluis_scrub_type_name((enum kluis_scrub_type)t), name) == 0)
            return (enum kluis_scrub_type)t;
    fail_msg("unknown type %s", name);
    return KLUIS_SCRUB_TYPE_COUNT_;
}

static void test_spans_file(void **state)
{
    (void)state;
    const char *dir = getenv("KLUIS_TESTS");
    assert_non_null(dir);
    char path[1024];
    snprintf(path, sizeof(path), "%s/vectors/scrub/spans.tsv", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    struct kluis_scrub *s = make(KLUIS_SCRUB_MODE_TYPE, false);
    char line[1024];
    int lineno = 0, cases = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *type = line, *validator = strchr(type, '\t');
        assert_non_null(validator);
        *validator++ = '\0';
        char *marked = strchr(validator, '\t');
        assert_non_null(marked);
        *marked++ = '\0';
        /* Take the markers out, remembering the spans they make. */
        char text[1024];
        size_t n = 0, want_start[16], want_end[16], n_want = 0;
        for (const char *p = marked; *p;) {
            if (strncmp(p, "[[", 2) == 0) {
                want_start[n_want] = n;
                p += 2;
            } else if (strncmp(p, "]]", 2) == 0) {
                want_end[n_want++] = n;
                p += 2;
            } else {
                text[n++] = *p++;
            }
        }
        text[n] = '\0';
        const struct kluis_scrub_span *spans;
        size_t n_spans;
        assert_int_equal(kluis_scrub_find(s, text, n, 0, &spans, &n_spans, NULL), KLUIS_OK);
        if (n_spans != n_want) {
            for (size_t i = 0; i < n_spans; i++)
                print_message("# line %d: found %s [%zu, %zu) by %s\n", lineno,
                              kluis_scrub_type_name(spans[i].type), spans[i].start, spans[i].end,
                              spans[i].validator);
            fail_msg("spans.tsv:%d: %zu spans, want %zu: %s", lineno, n_spans, n_want, text);
        }
        for (size_t i = 0; i < n_want; i++) {
            if (spans[i].start != want_start[i] || spans[i].end != want_end[i] ||
                spans[i].type != type_of(type) || strcmp(spans[i].validator, validator) != 0)
                fail_msg("spans.tsv:%d: found %s [%zu, %zu) by %s, want %s [%zu, %zu) by %s",
                         lineno, kluis_scrub_type_name(spans[i].type), spans[i].start, spans[i].end,
                         spans[i].validator, type, want_start[i], want_end[i], validator);
        }
        cases++;
    }
    fclose(f);
    kluis_scrub_free(s);
    assert_true(cases > 90);
}

static void test_validators(void **state)
{
    (void)state;
    assert_true(kluis__scrub_luhn("4111111111111111", 16));
    assert_false(kluis__scrub_luhn("4111111111111112", 16));
    assert_true(kluis__scrub_elfproef("111222333"));
    assert_true(kluis__scrub_elfproef("123456782"));
    assert_false(kluis__scrub_elfproef("123456789"));
    assert_false(kluis__scrub_elfproef("000000000"));
    assert_true(kluis__scrub_iban("NL91ABNA0417164300", 18));
    assert_false(kluis__scrub_iban("NL91ABNA041716430", 17));  /* NL is 18 long */
    assert_false(kluis__scrub_iban("XX91ABNA0417164300", 18)); /* no such country */
    assert_true(kluis__scrub_iban("BE68539007547034", 16));
    assert_true(kluis__scrub_rrn("85073003328"));
    assert_true(kluis__scrub_rrn("01020312345")); /* born 2001: the 2 before the digits */
    assert_false(kluis__scrub_rrn("85073003329"));
    assert_false(kluis__scrub_rrn("85133003328")); /* month 13 */
    assert_true(kluis__scrub_kbo("0403170701"));
    assert_false(kluis__scrub_kbo("0403170702"));
    assert_false(kluis__scrub_kbo("2403170701")); /* starts with 0 or 1 */
    const char *rule = NULL;
    assert_true(kluis__scrub_nl_vat("NL123456782B01", &rule));
    assert_string_equal(rule, "nl-vat-elfproef");
    assert_true(kluis__scrub_nl_vat("NL100000024B01", &rule));
    assert_string_equal(rule, "nl-vat-mod97");
    assert_false(kluis__scrub_nl_vat("NL123456789B01", &rule));
    assert_true(kluis__scrub_card("2221000000000009", 16));
    assert_true(kluis__scrub_card("2720990000000007", 16));
    assert_false(kluis__scrub_card("2721000000000004", 16)); /* Luhn, but no IIN range */
    assert_false(kluis__scrub_card("4111111111111111", 15));
}

static void test_strict(void **state)
{
    (void)state;
    struct kluis_scrub *s = make(KLUIS_SCRUB_MODE_TYPE, true);
    assert_redacts(s, "order 123456782 shipped", "order [BSN] shipped");
    /* Fails the 11-test: stays. */
    assert_redacts(s, "order 123456789 shipped", "order 123456789 shipped");
    const struct kluis_scrub_span *spans;
    size_t n;
    assert_int_equal(kluis_scrub_find(s, "x 111222333", 11, 0, &spans, &n, NULL), KLUIS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(spans[0].validator, "elfproef-strict");
    kluis_scrub_free(s);
}

static void test_context_same_line(void **state)
{
    (void)state;
    struct kluis_scrub *s = make(KLUIS_SCRUB_MODE_TYPE, false);
    /* The keyword on the line before does not count; the first number after it only. */
    assert_redacts(s, "BSN\n123456782", "BSN\n123456782");
    assert_redacts(s, "BSN 123456782 111222333", "BSN [BSN] 111222333");
    assert_redacts(s, "ABSNT 123456782", "ABSNT 123456782");
    kluis_scrub_free(s);
}

static void test_known(void **state)
{
    (void)state;
    const char *known[] = {"Jan de Vries", "jan@example.nl", "Zoë", "\xa9 x", "\xc3"};
    size_t lens[] = {12, 14, 4, 3, 1};
    struct kluis_scrub_config cfg = {
        .mode = KLUIS_SCRUB_MODE_TYPE, .known = known, .known_len = lens, .n_known = 5};
    struct kluis_scrub *s = NULL;
    assert_int_equal(kluis_scrub_new(&cfg, &s, NULL), KLUIS_OK);
    assert_redacts(s, "klant JAN DE VRIES belde", "klant [KNOWN] belde");
    /* A known e-mail address keeps its detector's type. */
    assert_redacts(s, "van jan@example.nl.", "van [EMAIL].");
    /* Whole words only. */
    assert_redacts(s, "Jan de Vriesland", "Jan de Vriesland");
    assert_redacts(s, "Zoë schreef", "[KNOWN] schreef");
    /* Known values that are pieces of a character never cut one: "©" is C2 A9, "é" C3 A9. */
    assert_redacts(s, "© x, é", "© x, é");
    /* As whole characters (here invalid UTF-8 already) they are found. */
    assert_redacts(s, "a \xc3 b", "a [KNOWN] b");
    kluis_scrub_free(s);

    size_t bad[] = {0};
    cfg.known_len = bad;
    cfg.n_known = 1;
    struct kluis_err err = {0};
    assert_int_equal(kluis_scrub_new(&cfg, &s, &err), KLUIS_EINVAL);
}

static void test_format(void **state)
{
    (void)state;
    struct kluis_scrub *s = make(KLUIS_SCRUB_MODE_FORMAT, false);
    assert_redacts(s, "IBAN NL91 ABNA 0417 1643 00.", "IBAN NL** **** **** **** 00.");
    assert_redacts(s, "mail jan.devries@example.nl", "mail ***.*******@*******.nl");
    assert_redacts(s, "bel +31 6 12345678", "bel +31 * ******78");
    assert_redacts(s, "card 4111 1111 1111 1111", "card **** **** **** 1111");
    assert_redacts(s, "BTW NL123456782B01", "BTW NL*********B**");
    assert_redacts(s, "1234 AB", "**** **");
    /* Longer than any type or pseudonym replacement: the output buffer must make room. */
    assert_redacts(s, "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
                   "MT** **** **** **** **** **** **** *1S");
    kluis_scrub_free(s);
}

static void test_pseudonym(void **state)
{
    (void)state;
    struct kluis_scrub *s = make(KLUIS_SCRUB_MODE_PSEUDONYM, false);
    char *a = redact(s, "jan@example.nl");
    char *b = redact(s, "JAN@Example.NL");
    char *c = redact(s, "piet@example.nl");
    assert_int_equal(strlen(a), strlen("<EMAIL:123456>"));
    assert_memory_equal(a, "<EMAIL:", 7);
    assert_string_equal(a, b); /* case is not part of an address */
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);
    /* One number, three notations, one pseudonym. */
    char *p1 = redact(s, "06-12345678");
    char *p2 = redact(s, "+31 6 1234 5678");
    char *p3 = redact(s, "0031 (0)6 12345678");
    assert_string_equal(p1, p2);
    assert_string_equal(p1, p3);
    free(p1);
    free(p2);
    free(p3);
    kluis_scrub_free(s);

    /* Another key, another pseudonym; no key, no scrubber. */
    static const uint8_t key2[16] = "another key 16b!";
    struct kluis_scrub_config cfg = {
        .mode = KLUIS_SCRUB_MODE_PSEUDONYM, .key = key2, .key_len = sizeof(key2)};
    struct kluis_scrub *s2 = NULL;
    assert_int_equal(kluis_scrub_new(&cfg, &s2, NULL), KLUIS_OK);
    s = make(KLUIS_SCRUB_MODE_PSEUDONYM, false);
    char *x = redact(s, "jan@example.nl");
    char *y = redact(s2, "jan@example.nl");
    assert_string_not_equal(x, y);
    free(x);
    free(y);
    kluis_scrub_free(s);
    kluis_scrub_free(s2);
    cfg.key_len = 8;
    assert_int_equal(kluis_scrub_new(&cfg, &s2, NULL), KLUIS_EINVAL);
}

static void test_passthrough(void **state)
{
    (void)state;
    struct kluis_scrub *s = make(KLUIS_SCRUB_MODE_TYPE, false);
    /* NUL bytes and invalid UTF-8 pass unharmed; the finding between them is still found. */
    static const char in[] = "\xff\xfe\0bel 0612345678\0\xc3(";
    static const char want[] = "\xff\xfe\0bel [PHONE]\0\xc3(";
    const char *out;
    size_t out_len;
    assert_int_equal(kluis_scrub_redact(s, in, sizeof(in) - 1, 0, &out, &out_len, NULL, NULL, NULL),
                     KLUIS_OK);
    assert_int_equal(out_len, sizeof(want) - 1);
    assert_memory_equal(out, want, out_len);
    /* UTF-8 around a finding stays UTF-8. */
    assert_redacts(s, "é 06-12345678 ü", "é [PHONE] ü");
    /* Nothing in, nothing out. */
    assert_int_equal(kluis_scrub_redact(s, "", 0, 0, &out, &out_len, NULL, NULL, NULL), KLUIS_OK);
    assert_int_equal(out_len, 0);
    kluis_scrub_free(s);
}

static void test_context_prefix(void **state)
{
    (void)state;
    struct kluis_scrub *s = make(KLUIS_SCRUB_MODE_TYPE, false);
    /* The keyword lies in the context: it counts; the e-mail there is not reported or output. */
    static const char text[] = "a@example.nl BSN: 123456782";
    const char *out;
    size_t out_len, n;
    const struct kluis_scrub_span *spans;
    assert_int_equal(
        kluis_scrub_redact(s, text, sizeof(text) - 1, 17, &out, &out_len, &spans, &n, NULL),
        KLUIS_OK);
    assert_string_equal(out, " [BSN]");
    assert_int_equal(n, 1);
    assert_int_equal(spans[0].start, 18);
    assert_int_equal(spans[0].end, 27);
    assert_int_equal(kluis_scrub_find(s, text, 3, 4, &spans, &n, NULL), KLUIS_EINVAL);
    kluis_scrub_free(s);
}

static void test_many(void **state)
{
    (void)state;
    /* Many findings and many '@': linear, and the output bound holds. */
    struct kluis_scrub *s = make(KLUIS_SCRUB_MODE_PSEUDONYM, false);
    size_t len = 1 << 16;
    char *text = malloc(len);
    for (size_t i = 0; i < len; i++)
        text[i] = "@a.b@c.de "[i % 10];
    const char *out;
    size_t out_len, n;
    assert_int_equal(kluis_scrub_redact(s, text, len, 0, &out, &out_len, NULL, &n, NULL), KLUIS_OK);
    assert_true(n > 1000);
    assert_true(out_len <= KLUIS_SCRUB_OUT_MAX(len));
    free(text);
    kluis_scrub_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spans_file),     cmocka_unit_test(test_validators),
        cmocka_unit_test(test_strict),         cmocka_unit_test(test_context_same_line),
        cmocka_unit_test(test_known),          cmocka_unit_test(test_format),
        cmocka_unit_test(test_pseudonym),      cmocka_unit_test(test_passthrough),
        cmocka_unit_test(test_context_prefix), cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
