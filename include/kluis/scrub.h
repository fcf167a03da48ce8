/*
 * kluis — the scrubber: finds Dutch and Belgian personal data in free text and redacts it.
 *
 * What it finds, and the rule and source of each validator, is in docs/scrub.md: e-mail
 * addresses, phone numbers (NL, BE, E.164), IBANs (every registry country, mod-97), Dutch BSNs
 * (11-test, near a keyword unless strict), Belgian national register and BIS numbers (mod-97),
 * KvK numbers (near a keyword), Dutch and Belgian VAT/enterprise numbers, payment cards (Luhn and
 * IIN ranges), IPv4/IPv6 addresses (inet_pton), Dutch postcodes, and exact values the caller
 * knows (names, addresses of its subjects).
 *
 * Literal anchors (the '@' of an address, the context keywords, the known values) are matched by
 * one Vectorscan database in block mode; digit runs are found by a byte scanner and handed to C
 * checksum validators. There is no backtracking regular expression anywhere.
 *
 * A struct kluis_scrub is built once (kluis_scrub_new) and then used for any number of texts. It
 * holds the scratch space of its scans and the buffers it returns, so one scrubber serves one
 * thread at a time; make one per thread. Spans are byte offsets into the text given. A span
 * always starts and ends on a character boundary of valid UTF-8 text, and what replaces it is
 * ASCII, so redacted UTF-8 stays UTF-8; bytes outside spans (invalid UTF-8, NUL) are copied as
 * they are.
 */
#ifndef KLUIS_SCRUB_H
#define KLUIS_SCRUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kluis/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a span is. The order is the numbering (it appears nowhere outside the process). */
enum kluis_scrub_type {
    KLUIS_SCRUB_EMAIL,
    KLUIS_SCRUB_PHONE,
    KLUIS_SCRUB_IBAN,
    KLUIS_SCRUB_BSN,      /* Dutch citizen service number */
    KLUIS_SCRUB_RRN,      /* Belgian national register or BIS number */
    KLUIS_SCRUB_KVK,      /* Dutch chamber of commerce number */
    KLUIS_SCRUB_VAT,      /* Dutch VAT id, Belgian enterprise/VAT number */
    KLUIS_SCRUB_CARD,     /* payment card number */
    KLUIS_SCRUB_IP,       /* IPv4 or IPv6 address */
    KLUIS_SCRUB_POSTCODE, /* Dutch postcode */
    KLUIS_SCRUB_KNOWN,    /* a value the caller supplied */
    KLUIS_SCRUB_TYPE_COUNT_
};

/* The type's name as it appears in redactions and JSON: "EMAIL", "IBAN", …; "?" out of range. */
const char *kluis_scrub_type_name(enum kluis_scrub_type type);

/* How a span is replaced. */
enum kluis_scrub_mode {
    KLUIS_SCRUB_MODE_TYPE,      /* "[IBAN]" */
    KLUIS_SCRUB_MODE_FORMAT,    /* letters and digits become '*', the separators stay, and a few
                                   characters that identify nobody stay (docs/scrub.md):
                                   "NL** **** **** **** 00" */
    KLUIS_SCRUB_MODE_PSEUDONYM, /* "<EMAIL:4f1c2a>": HMAC-SHA256 under the key of the type and
                                   the normalised value; the same value gives the same pseudonym */
};

/* Limits on what a caller may configure. */
#define KLUIS_SCRUB_KNOWN_MAX     100000 /* known values */
#define KLUIS_SCRUB_KNOWN_LEN_MAX 256    /* bytes per known value */
#define KLUIS_SCRUB_KEY_MAX       256    /* bytes of pseudonym key */

struct kluis_scrub_config {
    enum kluis_scrub_mode mode;
    /* Redact every 9-digit number that passes the 11-test, whatever its context. */
    bool strict;
    /* The pseudonym key (mode PSEUDONYM only; 16 .. KLUIS_SCRUB_KEY_MAX bytes); copied. */
    const uint8_t *key;
    size_t key_len;
    /* Known values, matched as literals (ASCII case-insensitively) on word boundaries; copied.
     * Each 1 .. KLUIS_SCRUB_KNOWN_LEN_MAX bytes. */
    const char *const *known;
    const size_t *known_len;
    size_t n_known;
};

/* One finding. */
struct kluis_scrub_span {
    size_t start, end; /* byte offsets, end exclusive */
    enum kluis_scrub_type type;
    const char *validator; /* a static string naming the rule that accepted it: "mod97", … */
};

struct kluis_scrub;

/*
 * Builds a scrubber from cfg (copied; cfg and its arrays may go once this returns). Errors:
 * KLUIS_EINVAL (a missing or short key for pseudonyms, an empty or too long known value, too many
 * of them), KLUIS_ENOMEM, KLUIS_EINTERNAL (Vectorscan refused the database; the CPU lacks SSSE3).
 */
kluis_rc kluis_scrub_new(const struct kluis_scrub_config *cfg, struct kluis_scrub **out,
                         struct kluis_err *err);

/* Frees a scrubber (NULL allowed) and wipes its key. */
void kluis_scrub_free(struct kluis_scrub *s);

/*
 * Finds the personal data in len bytes of text: spans sorted by start, never overlapping (of two
 * overlapping findings the longer is kept). The first `context` bytes of text are only context:
 * keywords there count, but no span starting there is reported (for a caller that cuts a long
 * line into windows). *out_spans belongs to s and lives until the next call on s. Errors:
 * KLUIS_ENOMEM, KLUIS_EINTERNAL (a failed scan).
 */
kluis_rc kluis_scrub_find(struct kluis_scrub *s, const char *text, size_t len, size_t context,
                          const struct kluis_scrub_span **out_spans, size_t *out_n,
                          struct kluis_err *err);

/*
 * The text with the spans of kluis_scrub_find(s, text, len, context) replaced as the mode says;
 * the context bytes are not part of the output. *out_text belongs to s and lives until the next
 * call on s; it is NUL-terminated, and *out_len is at most KLUIS_SCRUB_OUT_MAX(len). The spans of
 * this call (offsets into text) go to *out_spans and *out_n when those are not NULL. Errors as
 * kluis_scrub_find.
 */
kluis_rc kluis_scrub_redact(struct kluis_scrub *s, const char *text, size_t len, size_t context,
                            const char **out_text, size_t *out_len,
                            const struct kluis_scrub_span **out_spans, size_t *out_n,
                            struct kluis_err *err);

/* The most bytes kluis_scrub_redact writes for len bytes of text: a replacement is at most 24
 * bytes (type, pseudonym) or no longer than what it replaces (format), and a span is at least one
 * byte. */
#define KLUIS_SCRUB_OUT_MAX(len) ((len)*24 + 1)

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_SCRUB_H */
