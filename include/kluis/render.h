/*
 * kluis — rendering a policy for people: the privacy statement, the art. 30 register and the
 * art. 15 information of an access answer.
 *
 * The statement is written as Markdown and, for HTML, rendered with cmark into a standalone,
 * styled page. Every text taken from the policy is escaped, so a policy cannot inject Markdown or
 * HTML into the page.
 *
 * Ownership: each call returns a NUL-terminated buffer allocated with malloc(); the caller frees
 * it with free(). *out_len excludes the NUL.
 */
#ifndef KLUIS_RENDER_H
#define KLUIS_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "kluis/error.h"
#include "kluis/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

enum kluis_doc_format {
    KLUIS_FORMAT_MD,
    KLUIS_FORMAT_HTML,
    KLUIS_FORMAT_CSV,
    KLUIS_FORMAT_JSON,
};

/* "md", "html", "csv", "json" to the enum; false for anything else. */
bool kluis_doc_format_parse(const char *s, enum kluis_doc_format *out_format);

/*
 * The full privacy statement (art. 13 and 14) in lang, as KLUIS_FORMAT_MD or KLUIS_FORMAT_HTML.
 * Errors: KLUIS_EINVAL (other formats), KLUIS_ENOMEM.
 */
kluis_rc kluis_render_statement(const struct kluis_policy *p, enum kluis_lang lang,
                                enum kluis_doc_format format, char **out_text, size_t *out_len,
                                struct kluis_err *err);

/*
 * The record of processing activities. With tenant == NULL: the controller's record, art. 30(1),
 * one row per processing activity (a purpose of the controller role), columns (a)–(g). With a
 * tenant name: the processor's record for that customer, art. 30(2), one row per purpose of the
 * processor role (none, and so no rows, when the policy has no processor purposes). A recipient
 * is listed under an activity when its `purposes:` name the activity's purpose, or, when it names
 * none, when it receives a category the purpose uses. Formats: CSV (RFC 4180, header row), JSON,
 * Markdown. Column texts in lang. Errors: KLUIS_EINVAL (HTML), KLUIS_ENOMEM.
 */
kluis_rc kluis_render_register(const struct kluis_policy *p, const char *tenant,
                               enum kluis_lang lang, enum kluis_doc_format format, char **out_text,
                               size_t *out_len, struct kluis_err *err);

/*
 * The retention rule in words, as one sentence fragment ("7 dagen na aanmaak", "30 days after the
 * draft is approved or the draft is skipped"). For categories without a rule: the words for
 * "not stated". The words are the statement's, which addresses the data subject ("tot je bezwaar
 * maakt tegen …", "until you withdraw your consent for …"); the register, a record about data
 * subjects, words the built-in events in the third person instead.
 */
kluis_rc kluis_render_retention(const struct kluis_policy *p, const struct kluis_category *c,
                                enum kluis_lang lang, char **out_text, size_t *out_len,
                                struct kluis_err *err);

/*
 * The information an access answer gives besides the copy of the data (art. 15(1)(a)–(h) and
 * 15(2) GDPR), drawn from the policy, as one JSON object (UTF-8, keys in a fixed order; see
 * docs/internals/access-info.md for the shape). categories are the ids of the categories kluis
 * holds records of for this data subject, in any order, duplicates allowed; the information is
 * about those only: the purposes that use them, the recipients that receive them (a recipient
 * that names its `purposes:` only for those), their retention, sources and transfers. With
 * n_categories == 0 (categories may then be NULL) the answer says that nothing is held, and still
 * states the controller, the rights and the right to complain. Human texts are in lang, in the
 * statement's words; keys, ids and "article" values are language-independent.
 * Errors: KLUIS_EINVAL (a missing argument, an unknown language, or a category id the policy does
 * not declare: the message names it), KLUIS_ENOMEM.
 */
kluis_rc kluis_render_access_info(const struct kluis_policy *p, enum kluis_lang lang,
                                  const char *const *categories, size_t n_categories,
                                  char **out_json, size_t *out_len, struct kluis_err *err);

/*
 * True when art. 20(1) portability covers the category: provided by the data subject and used by
 * at least one purpose whose basis is consent (art. 6(1)(a), or art. 9(2)(a)) or a contract
 * (art. 6(1)(b)). False for NULL arguments. A portability export is limited to these categories.
 */
bool kluis_render_portable(const struct kluis_policy *p, const struct kluis_category *c);

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_RENDER_H */
