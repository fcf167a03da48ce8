/*
 * render — internal interfaces between the files of the render part.
 *
 *   render_common.c     words shared by every document: durations, dates, lists, countries,
 *                       transfer mechanisms, contact channels
 *   render_retention.c  a category's retention rule in words
 *   render_statement.c  the privacy statement (Markdown, and HTML through cmark)
 *   render_register.c   the art. 30 register (CSV, JSON, Markdown)
 *   render_access.c     the art. 15 information of an access or portability answer (JSON)
 *
 * Everything here appends plain text for people to a struct kluis_buf. None of it escapes: the
 * caller escapes for its output format (kluis__buf_md, kluis__buf_csv, …), so that the same words
 * serve every format. Allocation failures are sticky in the buffer or list, as in util. The JSON
 * helpers at the end build jansson values; they return NULL or -1 when out of memory.
 */
#ifndef KLUIS_RENDER_INTERNAL_H
#define KLUIS_RENDER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "kluis/policy.h"
#include "kluis/render.h"
#include "util/util.h"

/* ---- Lists of strings ---------------------------------------------------------------------- */

/*
 * A growable list of owned strings, for values that are collected first and joined later
 * ("a, b en c" needs to know which item is the last). A failed allocation is sticky in rc.
 */
struct kluis_strv {
    char **items;
    size_t n;
    size_t cap;
    kluis_rc rc;
};

void kluis__strv_init(struct kluis_strv *v);
void kluis__strv_free(struct kluis_strv *v);

/* Appends a copy of s. */
void kluis__strv_add(struct kluis_strv *v, const char *s);

/* Appends a copy of s unless an equal string is already in the list. */
void kluis__strv_add_unique(struct kluis_strv *v, const char *s);

/* Appends the content of b (a copy), or records b's failure. */
void kluis__strv_add_buf(struct kluis_strv *v, const struct kluis_buf *b);

/* How the items of a list are joined. */
enum kluis_join {
    KLUIS_JOIN_AND,  /* "a, b en c" / "a, b and c" */
    KLUIS_JOIN_OR,   /* "a, b of c" / "a, b or c" */
    KLUIS_JOIN_SEMI, /* "a; b; c" — a cell holding several values */
};

/* Writes one item; kluis__buf_puts (plain) or an escaper such as kluis__buf_md. */
typedef void (*kluis_put_fn)(struct kluis_buf *b, const char *s);

/* Appends the n items joined as join says in lang, each written through put. */
void kluis__render_join(struct kluis_buf *b, const char *const *items, size_t n,
                        enum kluis_lang lang, enum kluis_join join, kluis_put_fn put);

/* ---- Words --------------------------------------------------------------------------------- */

/* "AVG" / "GDPR": the regulation's name in lang. */
const char *kluis__render_gdpr(enum kluis_lang lang);

/* The text in lang, or NULL when absent or empty. */
const char *kluis__render_text(const struct kluis_text *t, enum kluis_lang lang);

/* An article of the GDPR as cited in lang: "art. 6(1)(b) AVG", "Art. 6(1)(b) GDPR". */
void kluis__render_cite(struct kluis_buf *b, const char *article, enum kluis_lang lang);

/* "7 dagen", "1 day", "12 maanden", "72 hours". */
void kluis__render_duration(struct kluis_buf *b, struct kluis_duration d, enum kluis_lang lang);

/*
 * As kluis__render_duration, with counts of weeks, months and years up to twelve spelled out
 * ("één maand", "two months"), as a promise to a person is written ("binnen één maand"). Hours
 * and days keep their digits ("binnen 30 dagen").
 */
void kluis__render_duration_spelled(struct kluis_buf *b, struct kluis_duration d,
                                    enum kluis_lang lang);

/* Name of month m (1..12) in lang: "januari", "January". */
const char *kluis__render_month(int m, enum kluis_lang lang);

/*
 * Ends a rendering: when rc is KLUIS_OK, hands the buffer's text to the caller (*out_text, and
 * *out_len when not NULL); otherwise, or when the buffer failed, frees it and reports "cannot
 * render WHAT" in err. Returns the resulting code.
 */
kluis_rc kluis__render_finish(struct kluis_buf *b, kluis_rc rc, const char *what, char **out_text,
                              size_t *out_len, struct kluis_err *err);

/* A calendar date (days since the epoch) for people: "21 mei 2026", "21 May 2026". */
void kluis__render_date(struct kluis_buf *b, int64_t days, enum kluis_lang lang);

/* Country or region name; the code itself when kluis does not know it. */
const char *kluis__render_country(const char *code, enum kluis_lang lang);

/* "in Nederland", "in the Netherlands": the country as a place, with the article English needs. */
void kluis__render_in_country(struct kluis_buf *b, const char *code, enum kluis_lang lang);

/* Label of a contact channel ("E-mail", "WhatsApp", "Contactformulier"); the kind when unknown. */
const char *kluis__render_channel(const char *kind, enum kluis_lang lang);

/* ---- Model helpers ------------------------------------------------------------------------- */

/* True when the recipient processes data in at least one place outside the EEA. */
bool kluis__render_outside_eea(const struct kluis_subprocessor *sp);

/* Adds the names of the transfer mechanisms in bits to v, in the order of enum kluis_transfer. */
void kluis__render_transfer_names(struct kluis_strv *v, unsigned bits, enum kluis_lang lang);

/*
 * "Verenigde Staten — standaardcontractbepalingen (…)": the recipient's locations outside the
 * EEA with the mechanisms that cover them; without mechanisms, each country with
 * "(adequaatheidsbesluit)" where it has one. Appends nothing when every location is in the EEA.
 */
void kluis__render_transfer_summary(struct kluis_buf *b, const struct kluis_subprocessor *sp,
                                    enum kluis_lang lang);

/*
 * True when the recipient is a recipient of the purpose's processing activity: the purpose is
 * in its `purposes:`, or, when it names none, it receives a category the purpose uses.
 */
bool kluis__render_serves(const struct kluis_subprocessor *sp, const struct kluis_purpose *pu);

/* The category's name in lang, falling back to its id (never NULL). */
const char *kluis__render_category_name(const struct kluis_policy *p, const char *id,
                                        enum kluis_lang lang);

/* ---- Retention (render_retention.c) -------------------------------------------------------- */

/* Who the words about the data subject's own acts address. */
enum kluis_voice {
    KLUIS_VOICE_YOU,     /* the statement speaks to them: "tot je bezwaar maakt tegen …" */
    KLUIS_VOICE_SUBJECT, /* the register speaks of them: "tot de betrokkene bezwaar maakt …" */
};

/* Appends the category's retention in words (plain text, the note included), in voice. */
void kluis__render_retention_words(struct kluis_buf *b, const struct kluis_policy *p,
                                   const struct kluis_category *c, enum kluis_lang lang,
                                   enum kluis_voice voice);

/* ---- The statement's words, shared (render_statement.c) ----------------------------------- */

/*
 * Sentences and phrases of the statement that the access information repeats word for word, so
 * that a data subject reads the same promise in both. Plain text without Markdown; the statement
 * writes them as they are. A "sentence" ends with its full stop; a "phrase" completes a label
 * ("Grondslag: …") and has none.
 */
enum kluis_phrase {
    KLUIS_PHRASE_SPECIAL,              /* sentence: may hold art. 9 data */
    KLUIS_PHRASE_NOT_FROM_YOU,         /* sentence: obtained elsewhere (art. 14) */
    KLUIS_PHRASE_NOT_FROM_YOU_PLAIN,   /* the same without the citation (processor data) */
    KLUIS_PHRASE_ON_BEHALF,            /* sentences: data processed for customers; ask them too */
    KLUIS_PHRASE_CUSTOMER_BASIS,       /* phrase: processor purpose, the customer sets the basis */
    KLUIS_PHRASE_ON_INSTRUCTIONS,      /* phrase: "in opdracht van onze klant" */
    KLUIS_PHRASE_DIRECT_MARKETING,     /* phrase: objection to direct marketing stops it */
    KLUIS_PHRASE_RECIPIENT_CONTROLLER, /* phrase: an independent controller */
    KLUIS_PHRASE_RECIPIENT_DPA,        /* phrase: a processor under a DPA */
    KLUIS_PHRASE_RECIPIENT_NO_DPA,     /* phrase: a processor without one */
    KLUIS_PHRASE_RECIPIENTS,           /* sentence: shared only with the parties listed */
    KLUIS_PHRASE_NO_RECIPIENTS,        /* sentence: shared with no one */
    KLUIS_PHRASE_TRANSFERS,            /* sentences: outside the EEA, only under chapter V */
    KLUIS_PHRASE_NO_TRANSFERS,         /* sentence: nothing leaves the EEA */
    KLUIS_PHRASE_SAFEGUARD_COPY,       /* sentence: a copy of the safeguards on request */
    KLUIS_PHRASE_AUTOMATED,            /* sentence: solely automated decisions are taken */
    KLUIS_PHRASE_NO_AUTOMATED,         /* sentence: none are taken (art. 22) */
    KLUIS_PHRASE_AUTOMATED_RIGHTS,     /* sentence: human intervention, be heard, contest */
    KLUIS_PHRASE_COMPLAINT,            /* phrase: the right to complain to an authority */
    KLUIS_PHRASE_COMPLAINT_HOME,       /* sentence: … to the authority where you live or work */
    KLUIS_PHRASE_COUNT_
};

/* The phrase in lang; never NULL. */
const char *kluis__render_phrase(enum kluis_phrase ph, enum kluis_lang lang);

/* "Elk item in “NAME” moet door een mens worden goedgekeurd voordat het wordt gebruikt.", the
 * category's name written through put. */
void kluis__render_approval(struct kluis_buf *b, const char *name, enum kluis_lang lang,
                            kluis_put_fn put);

/* The data subject's rights as the statement lists them, in its order. */
enum kluis_right {
    KLUIS_RIGHT_ACCESS,        /* art. 15 */
    KLUIS_RIGHT_RECTIFICATION, /* art. 16 */
    KLUIS_RIGHT_ERASURE,       /* art. 17 */
    KLUIS_RIGHT_RESTRICTION,   /* art. 18 */
    KLUIS_RIGHT_PORTABILITY,   /* art. 20 */
    KLUIS_RIGHT_OBJECTION,     /* art. 21 */
    KLUIS_RIGHT_WITHDRAWAL,    /* art. 7(3) */
    KLUIS_RIGHT_AUTOMATED,     /* art. 22 */
    KLUIS_RIGHT_COUNT_
};

/* The right's article ("art. 16") and its name in lang ("Rectificatie"). */
const char *kluis__render_right_article(enum kluis_right r);
const char *kluis__render_right_name(enum kluis_right r, enum kluis_lang lang);

/* What the right means for the reader, one sentence ("je kunt onjuiste gegevens laten …");
 * portability names the policy's export formats. */
void kluis__render_right_text(struct kluis_buf *b, const struct kluis_policy *p, enum kluis_right r,
                              enum kluis_lang lang);

/* ---- JSON (render_register.c) -------------------------------------------------------------- */

struct json_t;

/* Sets obj[key] to the string value. Returns 0, or -1 when out of memory or when value is not
 * UTF-8 (json_string() refuses it; the loader never lets such text through). */
int kluis__render_json_str(struct json_t *obj, const char *key, const char *value);

/* {kind: value} for each contact channel; NULL when out of memory. */
struct json_t *kluis__render_json_contacts(const struct kluis_contact *contacts, size_t n);

/* Adds the organisation to obj as the register writes it: name, address, country, registry,
 * registry_number, vat (those stated) and contact. Returns 0 or -1. */
int kluis__render_json_organisation(struct json_t *obj, const struct kluis_policy *p,
                                    enum kluis_lang lang);

#endif /* KLUIS_RENDER_INTERNAL_H */
