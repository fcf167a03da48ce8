/*
 * Fuzz target: the policy parser, loader and checks. Any input must give findings or a model,
 * never a crash, a hang or a leak; and a model that loads must check and render.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kluis/kluis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kluis_findings *f = kluis_findings_new();
    if (!f)
        return 0;
    struct kluis_policy *p = NULL;
    if (kluis_policy_load_buffer((const char *)data, size, "fuzz.yaml", f, &p, NULL) == KLUIS_OK) {
        kluis_policy_check(p, f, NULL);
        for (int lang = KLUIS_LANG_NL; lang <= KLUIS_LANG_EN; lang++) {
            char *text = NULL;
            size_t len = 0;
            if (kluis_render_statement(p, (enum kluis_lang)lang, KLUIS_FORMAT_HTML, &text, &len,
                                       NULL) == KLUIS_OK)
                free(text);
            if (kluis_render_register(p, NULL, (enum kluis_lang)lang, KLUIS_FORMAT_CSV, &text, &len,
                                      NULL) == KLUIS_OK)
                free(text);
        }
        kluis_policy_free(p);
    }
    kluis_findings_sort(f);
    kluis_findings_free(f);
    return 0;
}
