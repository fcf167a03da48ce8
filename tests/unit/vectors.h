/*
 * Test vectors for the unit tests: tests/vectors/REL, found through $KLUIS_TESTS (set by
 * tests/meson.build to the tests/ directory; tests never read ../shared). Include after cmocka.h
 * and jansson.h.
 */
#ifndef KLUIS_TEST_VECTORS_H
#define KLUIS_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>

/* The JSON document at tests/vectors/REL, or the test fails naming the file. */
static json_t *test_vectors(const char *rel)
{
    const char *dir = getenv("KLUIS_TESTS");
    assert_non_null(dir);
    char path[1024];
    snprintf(path, sizeof(path), "%s/vectors/%s", dir, rel);
    json_error_t jerr;
    json_t *v = json_load_file(path, 0, &jerr);
    if (!v)
        fail_msg("%s: %s", path, jerr.text);
    return v;
}

#endif
