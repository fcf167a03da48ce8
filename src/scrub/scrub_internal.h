/*
 * scrub — internals shared by the scrubber's files and its unit tests.
 *
 * scrub.c owns the scrubber: the Vectorscan database of literal anchors (the '@' of e-mail
 * addresses, context keywords, known values), the merging of findings and the redaction.
 * scrub_detect.c holds the byte scanner for digit runs and the checksum validators.
 */
#ifndef KLUIS_SCRUB_INTERNAL_H
#define KLUIS_SCRUB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kluis/scrub.h"

/* Context keyword groups: which numbers a keyword vouches for. */
enum scrub_kw_group {
    SCRUB_KW_BSN,
    SCRUB_KW_KVK,
    SCRUB_KW_KBO, /* Belgian enterprise number */
};

/* A keyword found in the text: bytes [start, end). */
struct scrub_kw {
    size_t start, end;
    enum scrub_kw_group group;
};

/* The state of one kluis_scrub_find call. */
struct scrub_run {
    const unsigned char *t;
    size_t len;
    bool strict;
    struct scrub_kw *kw; /* in ascending end order, as Vectorscan reports them */
    size_t n_kw, cap_kw;
    struct kluis_scrub_span *spans;
    size_t n_spans, cap_spans;
    bool failed; /* out of memory */
};

/* Appends a finding (no merging yet); false when out of memory (run->failed is then set). */
bool kluis__scrub_add(struct scrub_run *run, size_t start, size_t end, enum kluis_scrub_type type,
                      const char *validator);

/* Finds the e-mail address around the '@' at offset at, if any, and adds it. */
void kluis__scrub_email(struct scrub_run *run, size_t at);

/* Runs the byte scanner over the whole text and adds every number, address and postcode found. */
void kluis__scrub_scan(struct scrub_run *run);

/* ---- Validators, on ASCII digit strings (exposed for the unit tests) ------------------------ */

/* Luhn (ISO/IEC 7812-1) over n digits. */
bool kluis__scrub_luhn(const char *d, size_t n);

/* The 11-test of a 9-digit BSN: 9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 (mod 11), and not 000000000. */
bool kluis__scrub_elfproef(const char *d);

/* An IBAN (n alphanumerics, upper case, no spaces): the country's length and mod-97 = 1. */
bool kluis__scrub_iban(const char *s, size_t n);

/* A Belgian national register or BIS number (11 digits): date part and mod-97 check, either
 * century. */
bool kluis__scrub_rrn(const char *d);

/* A Belgian enterprise number (10 digits, first 0 or 1): 97 − (first 8 mod 97) = last 2. */
bool kluis__scrub_kbo(const char *d);

/* A Dutch VAT id "NL" + 9 digits + "B" + 2 digits (s: 14 characters, upper case): the 11-test of
 * the 9 digits, or mod-97 = 1 over the whole id (sole proprietors since 2020). Sets *out_rule to
 * "nl-vat-elfproef" or "nl-vat-mod97". */
bool kluis__scrub_nl_vat(const char *s, const char **out_rule);

/* A payment card number of n digits: a known IIN range for that length, and Luhn. */
bool kluis__scrub_card(const char *d, size_t n);

#endif /* KLUIS_SCRUB_INTERNAL_H */
