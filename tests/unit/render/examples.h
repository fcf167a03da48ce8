/*
 * What the render tests share: the example policies of the source tree (main sets source_root
 * from argv[1]) and a loader that fails the test when one does not load.
 */
#ifndef KLUIS_TEST_RENDER_EXAMPLES_H
#define KLUIS_TEST_RENDER_EXAMPLES_H

#include <stdio.h>

#include "kluis/kluis.h"

static const char *const examples[] = {"000-mail-assistant.yaml", "001-voice-agents.yaml",
                                       "003-web-hosting.yaml"};

static const char *source_root;

static struct kluis_policy *load_example(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/examples/%s", source_root, name);
    struct kluis_policy *p = NULL;
    struct kluis_err err = {0};
    kluis_rc rc = kluis_policy_load_file(path, NULL, &p, &err);
    if (rc != KLUIS_OK)
        fprintf(stderr, "# %s: %s\n", path, err.message);
    assert_int_equal(rc, KLUIS_OK);
    return p;
}

#endif /* KLUIS_TEST_RENDER_EXAMPLES_H */
