/*
 * kluis — the policy: what an organisation promises about personal data, as a checked model.
 *
 * A policy is a YAML file (see docs/policy.md for the language). kluis_policy_load_*() parses it
 * into an immutable model; kluis_policy_check() applies the GDPR rules. Everything else — the
 * statement, the art. 30 register, retention in the store — reads the model through this header.
 *
 * Ownership: a struct kluis_policy owns every string and array reachable from it. Pointers
 * returned by the accessors stay valid until kluis_policy_free(). The model is never modified
 * after loading, so a policy may be shared between threads.
 *
 * Findings: loading and checking report problems into a struct kluis_findings that the caller
 * owns, each with a severity, a stable rule id, the article it implements, a source position and
 * a sentence that says what to change.
 */
#ifndef KLUIS_POLICY_H
#define KLUIS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kluis/error.h"
#include "kluis/time.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The language version this build reads: `kluis: 1` at the top of a policy. */
#define KLUIS_POLICY_VERSION 1

/* Limits on what a policy may be; larger input is refused with KLUIS_ETOOBIG. */
#define KLUIS_POLICY_MAX_BYTES (4u * 1024u * 1024u)
#define KLUIS_POLICY_MAX_DEPTH 32
#define KLUIS_POLICY_MAX_NODES 200000

enum kluis_lang {
    KLUIS_LANG_NL,
    KLUIS_LANG_EN,
};

/* "nl" / "en" to the enum; returns false for anything else. */
bool kluis_lang_parse(const char *s, enum kluis_lang *out_lang);

/* A source position in the policy file; 1-based, line 0 when unknown. */
struct kluis_pos {
    int line;
    int col;
};

/* A human text in both languages. Either both are set or both are NULL (absent). */
struct kluis_text {
    const char *nl;
    const char *en;
};

/* The text in lang, or NULL when absent. */
const char *kluis_text_get(const struct kluis_text *t, enum kluis_lang lang);

/* True when the text was given. */
bool kluis_text_present(const struct kluis_text *t);

/* ---- Retention ---------------------------------------------------------------------------- */

/*
 * An event a retention clause waits for. Declared events (`events:` in the policy) have an id
 * such as "draft.approved". Two events are built in and take the purpose they concern:
 * "consent.withdrawn" (the subject withdrew the consent of that purpose) and "subject.objected"
 * (the subject objected to that purpose, art. 21).
 */
struct kluis_event_ref {
    const char *event;   /* event id */
    const char *purpose; /* purpose id for the built-in events; NULL otherwise */
};

#define KLUIS_EVENT_CONSENT_WITHDRAWN "consent.withdrawn"
#define KLUIS_EVENT_SUBJECT_OBJECTED  "subject.objected"

enum kluis_anchor_kind {
    KLUIS_ANCHOR_CREATED, /* from the moment the record was written */
    KLUIS_ANCHOR_EVENT,   /* from the first matching event (any of the listed ones); with a
                           * month and day, from the first such date strictly after it */
    KLUIS_ANCHOR_DATE,    /* from the first given month-day strictly after creation */
};

struct kluis_anchor {
    enum kluis_anchor_kind kind;
    const struct kluis_event_ref *events; /* KLUIS_ANCHOR_EVENT: any of these */
    size_t n_events;
    int month; /* KLUIS_ANCHOR_DATE: 1..12; KLUIS_ANCHOR_EVENT: 0, or 1..12 (see above) */
    int day;   /* 1..31 with month, valid for it (29 Feb is refused); else 0 */
};

enum kluis_clause_kind {
    /* `7d`, `30d after draft.approved | draft.skipped`, `7y from next 01-01`, `at next 01-01`:
     * a maximum — the record is gone once the period after the anchor has passed. */
    KLUIS_CLAUSE_PERIOD,
    /* `until integration.removed`, `until integration.removed + 30d`: a maximum that ends at the
     * event, or `period` (the grace) after it. Same deadline as PERIOD with an event anchor;
     * it is kept apart because the statement words it differently. */
    KLUIS_CLAUSE_UNTIL,
    /* `tenant: {default: 90d, min: 0d, max: 2y}`: a maximum each tenant may set within the
     * bounds; `period` is the default. */
    KLUIS_CLAUSE_TENANT,
    /* `legal: {period: 7y, after: …, source: "art. 52 AWR"}`: a minimum the law imposes. The
     * record may not be erased or purged before it ends (art. 17(3)(b)); when the rule has no
     * maximum clause, the legal minimum is also when it goes. */
    KLUIS_CLAUSE_LEGAL,
};

struct kluis_clause {
    enum kluis_clause_kind kind;
    struct kluis_duration period; /* see the kinds above */
    struct kluis_anchor anchor;
    bool has_min; /* TENANT: lower bound given */
    bool has_max; /* TENANT: upper bound given */
    struct kluis_duration min;
    struct kluis_duration max;
    const char *source;  /* LEGAL: the legal source ("art. 52 AWR"), NULL when missing */
    const char *country; /* LEGAL: ISO country it applies in, NULL for everywhere */
    struct kluis_pos pos;
};

/*
 * A retention rule: a set of clauses. A record's deadline is the earliest deadline among its
 * maximum clauses (PERIOD, UNTIL, TENANT), but never earlier than a LEGAL minimum that applies.
 */
struct kluis_retention {
    const struct kluis_clause *clauses;
    size_t n_clauses;
    struct kluis_text note; /* optional words added to the statement */
    struct kluis_pos pos;
};

/* ---- The model ---------------------------------------------------------------------------- */

enum kluis_role {
    KLUIS_ROLE_CONTROLLER, /* the organisation decides (its own customers, prospects, staff) */
    KLUIS_ROLE_PROCESSOR,  /* the organisation processes on a customer's behalf (art. 28) */
};

enum kluis_storage {
    KLUIS_STORAGE_STORED,
    KLUIS_STORAGE_TRANSIENT, /* never persisted: processed in memory during one request */
};

/* Art. 6(1)(a)–(f). */
enum kluis_basis {
    KLUIS_BASIS_NONE,
    KLUIS_BASIS_CONSENT,             /* (a) */
    KLUIS_BASIS_CONTRACT,            /* (b) */
    KLUIS_BASIS_LEGAL_OBLIGATION,    /* (c) */
    KLUIS_BASIS_VITAL_INTERESTS,     /* (d) */
    KLUIS_BASIS_PUBLIC_TASK,         /* (e) */
    KLUIS_BASIS_LEGITIMATE_INTEREST, /* (f) */
};

/* Art. 9(2)(a)–(j); KLUIS_ART9_NONE when not given. */
enum kluis_art9 {
    KLUIS_ART9_NONE,
    KLUIS_ART9_EXPLICIT_CONSENT, /* (a) */
    KLUIS_ART9_EMPLOYMENT,       /* (b) */
    KLUIS_ART9_VITAL_INTERESTS,  /* (c) */
    KLUIS_ART9_NOT_FOR_PROFIT,   /* (d) */
    KLUIS_ART9_MADE_PUBLIC,      /* (e) */
    KLUIS_ART9_LEGAL_CLAIMS,     /* (f) */
    KLUIS_ART9_PUBLIC_INTEREST,  /* (g) */
    KLUIS_ART9_HEALTH_CARE,      /* (h) */
    KLUIS_ART9_PUBLIC_HEALTH,    /* (i) */
    KLUIS_ART9_ARCHIVING,        /* (j) */
};

/* Transfer mechanisms (art. 45–49), as a bit set. */
enum kluis_transfer {
    KLUIS_TRANSFER_ADEQUACY = 1u << 0,   /* art. 45 adequacy decision */
    KLUIS_TRANSFER_DPF = 1u << 1,        /* EU-US Data Privacy Framework (an art. 45 decision) */
    KLUIS_TRANSFER_SCC = 1u << 2,        /* art. 46(2)(c), Decision 2021/914 */
    KLUIS_TRANSFER_BCR = 1u << 3,        /* art. 47 binding corporate rules */
    KLUIS_TRANSFER_DEROGATION = 1u << 4, /* art. 49 */
};

struct kluis_contact {
    const char *kind; /* "email", "phone", "whatsapp", "web", "form", "post" */
    const char *value;
};

struct kluis_dpo {
    bool appointed;
    const char *name;                     /* when appointed; may be NULL (a role, not a person) */
    const struct kluis_contact *contacts; /* when appointed */
    size_t n_contacts;
    struct kluis_text reason; /* why none is appointed (art. 37), when not appointed */
    struct kluis_pos pos;
};

struct kluis_organisation {
    const char *name;
    const char *address;
    const char *country;             /* ISO 3166-1 alpha-2: the controller's country */
    const char *timezone;            /* IANA zone, e.g. "Europe/Amsterdam" */
    struct kluis_text registry_name; /* "Kamer van Koophandel" / "Chamber of Commerce" */
    const char *registry_number;     /* may be NULL */
    const char *vat;                 /* may be NULL */
    const struct kluis_contact *contacts;
    size_t n_contacts;
    struct kluis_dpo dpo;
    struct kluis_pos pos;
};

struct kluis_authority {
    const char *id;
    struct kluis_text name;
    const char *country; /* ISO 3166-1 alpha-2 */
    const char *website; /* may be NULL */
    const char *address; /* may be NULL */
    const char *email;   /* may be NULL */
    struct kluis_pos pos;
};

/* A group of data subjects (art. 30(1)(c)): "customers' contact persons", "end clients". */
struct kluis_subject_group {
    const char *id;
    struct kluis_text name;
    struct kluis_pos pos;
};

/* An event the application reports and retention waits for. */
struct kluis_event_def {
    const char *id;         /* "draft.approved" */
    struct kluis_text name; /* a clause: "het concept is goedgekeurd" / "the draft is approved" */
    struct kluis_pos pos;
};

/* A class of encryption keys (`mail`, `calendar`, `voice`): separate keys limit blast radius. */
struct kluis_key_class {
    const char *id;
    struct kluis_text name;
    struct kluis_pos pos;
};

struct kluis_category {
    const char *id;
    struct kluis_text name;
    struct kluis_text examples;
    enum kluis_role role;
    const char *const *subjects; /* subject group ids */
    size_t n_subjects;
    bool special;  /* art. 9 special category */
    bool provided; /* provided by the subject (art. 13, art. 20); else obtained (art. 14) */
    struct kluis_text source;       /* art. 14(2)(f) source, when not provided */
    enum kluis_storage storage;     /* the default storage mode */
    bool tenant_may_change_storage; /* a tenant may choose the other mode */
    const char *key_class;          /* key class id, NULL when none */
    bool approval;                  /* needs human approval before use (art. 22) */
    bool fernet; /* values kept as Fernet tokens under a key of their own (OAuth tokens) */
    const struct kluis_retention *retention; /* NULL when the policy states none */
    struct kluis_text note;
    struct kluis_pos pos;
};

struct kluis_purpose {
    const char *id;
    struct kluis_text name;
    struct kluis_text description;
    enum kluis_role role; /* processor: processing on a customer's instructions */
    enum kluis_basis basis;
    const char *const *categories; /* category ids the purpose uses */
    size_t n_categories;
    const char *const *stores; /* category ids it persists; NULL/0: every stored one it uses */
    size_t n_stores;
    bool stores_given;           /* `stores:` was written (possibly empty) */
    const char *consent;         /* consent id, for basis consent (or art. 9(2)(a)) */
    struct kluis_text interest;  /* the legitimate interest pursued (art. 13(1)(d)) */
    struct kluis_text balancing; /* the balancing test, summarised (art. 6(1)(f)) */
    const char *legal_source;    /* the law behind a legal obligation (art. 6(3)) */
    enum kluis_art9 art9;        /* condition for special categories */
    bool direct_marketing;       /* objection is absolute (art. 21(2)–(3)) */
    struct kluis_text note;
    struct kluis_pos pos;
};

struct kluis_consent {
    const char *id;
    struct kluis_text text;     /* what the subject is asked */
    const char *version;        /* version of that text */
    struct kluis_text withdraw; /* how to withdraw (art. 7(3)); absent is a finding */
    struct kluis_pos pos;
};

enum kluis_recipient_role {
    KLUIS_RECIPIENT_PROCESSOR,  /* (sub-)processor under a DPA (art. 28) */
    KLUIS_RECIPIENT_CONTROLLER, /* an independent controller (a payment provider, …) */
};

struct kluis_subprocessor {
    const char *id;
    const char *name;
    struct kluis_text purpose;
    enum kluis_recipient_role role;
    const char *const *locations; /* ISO codes, or "EU" / "EEA" */
    size_t n_locations;
    unsigned transfers; /* enum kluis_transfer bits */
    const char *const *categories;
    size_t n_categories;
    bool dpa;
    bool has_announced; /* a change announced on `announced`, effective on `effective` */
    int64_t announced;  /* days since the epoch */
    bool has_effective;
    int64_t effective;
    struct kluis_text note;
    struct kluis_pos pos;
    /* Purpose ids the recipient serves (`purposes:`); it is a recipient of those processing
     * activities only. NULL/0 when not given: then it counts as a recipient of every purpose that
     * uses a category it receives. */
    const char *const *purposes;
    size_t n_purposes;
};

enum kluis_cookie_kind {
    KLUIS_COOKIE_FUNCTIONAL,
    KLUIS_COOKIE_ANALYTICS,
    KLUIS_COOKIE_MARKETING,
};

struct kluis_cookie {
    const char *name;
    enum kluis_cookie_kind kind;
    bool third_party;
    struct kluis_text purpose;
    bool has_retention;
    struct kluis_duration retention;
    struct kluis_pos pos;
};

/* A free section of the statement (e.g. Google API Limited Use). Body is Markdown-free text. */
struct kluis_section {
    struct kluis_text title;
    struct kluis_text body;
    struct kluis_pos pos;
};

/* A finding the organisation accepts, with its reason (rule id + where). */
struct kluis_ack {
    const char *rule;
    const char *at; /* a path such as "subprocessors.freshdesk" or "categories.cookies" */
    const char *reason;
    struct kluis_pos pos;
};

/* Identity verification methods a rights procedure may name. */
#define KLUIS_VERIFY_METHODS "account_login", "email_confirmation", "id_document", "in_person"

struct kluis_rights {
    bool has_deadline;
    struct kluis_duration deadline; /* what the statement promises; at most 1mo */
    bool has_extension;
    struct kluis_duration extension; /* at most 2mo (art. 12(3)) */
    const struct kluis_contact *channels;
    size_t n_channels;
    const char *verification_method; /* one of KLUIS_VERIFY_METHODS, NULL when not stated */
    struct kluis_text verification;
    const char *const *formats; /* export formats: "json", "csv" */
    size_t n_formats;
    struct kluis_text note;
    struct kluis_pos pos;
};

/* The model's read-only view. All counts may be 0; all texts may be absent. */
struct kluis_policy;

/* ---- Findings ----------------------------------------------------------------------------- */

enum kluis_severity {
    KLUIS_SEV_ERROR,
    KLUIS_SEV_WARNING,
    KLUIS_SEV_ACKNOWLEDGED, /* a finding the policy accepts with a reason */
};

struct kluis_finding {
    enum kluis_severity severity;
    const char *rule;    /* stable id: "retention-missing", "yaml", "schema-unknown-key", … */
    const char *article; /* "art. 5(1)(e)", NULL for parse and schema findings */
    const char *file;
    int line; /* 1-based; 0 when the finding concerns the file as a whole */
    int col;
    const char *at;      /* model path ("categories.mail_metadata"), NULL when none */
    const char *message; /* what is wrong and what to change */
    const char *reason;  /* KLUIS_SEV_ACKNOWLEDGED: the policy's reason */
};

struct kluis_findings;

/* A new, empty list. Returns NULL only when out of memory. Free with kluis_findings_free(). */
struct kluis_findings *kluis_findings_new(void);

/* Frees the list and every finding in it. NULL is allowed. */
void kluis_findings_free(struct kluis_findings *f);

size_t kluis_findings_count(const struct kluis_findings *f);

/* The i-th finding, in source order after kluis_findings_sort(); valid until the list is freed. */
const struct kluis_finding *kluis_findings_get(const struct kluis_findings *f, size_t i);

/* Number of findings of severity sev. */
size_t kluis_findings_count_sev(const struct kluis_findings *f, enum kluis_severity sev);

/* Orders findings by file, line, column, then rule id (stable). */
void kluis_findings_sort(struct kluis_findings *f);

/* ---- Loading and checking ----------------------------------------------------------------- */

/*
 * Reads and parses the policy at path. On success writes *out_policy (free with
 * kluis_policy_free()) and returns KLUIS_OK; schema warnings, if any, go to findings. When the
 * file cannot be parsed into a model, returns KLUIS_EPOLICY and every parse and schema error
 * found goes to findings (findings may be NULL to discard them). Other errors: KLUIS_EIO (cannot
 * read), KLUIS_ETOOBIG (over KLUIS_POLICY_MAX_BYTES), KLUIS_ENOMEM.
 */
kluis_rc kluis_policy_load_file(const char *path, struct kluis_findings *findings,
                                struct kluis_policy **out_policy, struct kluis_err *err);

/*
 * As kluis_policy_load_file(), from len bytes at buf; name is used as the file name in findings.
 * The bytes need not be NUL-terminated and are not retained.
 */
kluis_rc kluis_policy_load_buffer(const char *buf, size_t len, const char *name,
                                  struct kluis_findings *findings, struct kluis_policy **out_policy,
                                  struct kluis_err *err);

/* Frees a policy and everything reachable from it. NULL is allowed. */
void kluis_policy_free(struct kluis_policy *p);

/*
 * Applies the GDPR rules (docs/policy.md lists them) and appends findings. Findings the policy
 * acknowledges are appended with KLUIS_SEV_ACKNOWLEDGED and their reason; an acknowledgement that
 * matches nothing is itself a warning. Returns KLUIS_OK (findings or not) or KLUIS_ENOMEM.
 */
kluis_rc kluis_policy_check(const struct kluis_policy *p, struct kluis_findings *findings,
                            struct kluis_err *err);

/* The rules kluis_policy_check() applies, for `kluis check --rules` and documentation. */
struct kluis_rule_info {
    const char *id;
    const char *article;
    enum kluis_severity severity;
    const char *summary;
};

/* The rule table; *out_n receives its length. The table is static. */
const struct kluis_rule_info *kluis_policy_rules(size_t *out_n);

/* ---- Accessors ---------------------------------------------------------------------------- */

const char *kluis_policy_file(const struct kluis_policy *p);
const struct kluis_organisation *kluis_policy_organisation(const struct kluis_policy *p);

/* Statement metadata: version string (may be NULL) and date (days, or -1 when absent). */
const char *kluis_policy_statement_version(const struct kluis_policy *p);
int64_t kluis_policy_statement_date(const struct kluis_policy *p);

/* Free texts describing the two roles (may be absent). */
struct kluis_text kluis_policy_role_text(const struct kluis_policy *p, enum kluis_role role);

size_t kluis_policy_n_authorities(const struct kluis_policy *p);
const struct kluis_authority *kluis_policy_authority(const struct kluis_policy *p, size_t i);

size_t kluis_policy_n_subject_groups(const struct kluis_policy *p);
const struct kluis_subject_group *kluis_policy_subject_group(const struct kluis_policy *p,
                                                             size_t i);
const struct kluis_subject_group *kluis_policy_find_subject_group(const struct kluis_policy *p,
                                                                  const char *id);

size_t kluis_policy_n_events(const struct kluis_policy *p);
const struct kluis_event_def *kluis_policy_event(const struct kluis_policy *p, size_t i);
const struct kluis_event_def *kluis_policy_find_event(const struct kluis_policy *p, const char *id);

size_t kluis_policy_n_key_classes(const struct kluis_policy *p);
const struct kluis_key_class *kluis_policy_key_class(const struct kluis_policy *p, size_t i);
const struct kluis_key_class *kluis_policy_find_key_class(const struct kluis_policy *p,
                                                          const char *id);

size_t kluis_policy_n_categories(const struct kluis_policy *p);
const struct kluis_category *kluis_policy_category(const struct kluis_policy *p, size_t i);
const struct kluis_category *kluis_policy_find_category(const struct kluis_policy *p,
                                                        const char *id);

size_t kluis_policy_n_purposes(const struct kluis_policy *p);
const struct kluis_purpose *kluis_policy_purpose(const struct kluis_policy *p, size_t i);
const struct kluis_purpose *kluis_policy_find_purpose(const struct kluis_policy *p, const char *id);

size_t kluis_policy_n_consents(const struct kluis_policy *p);
const struct kluis_consent *kluis_policy_consent(const struct kluis_policy *p, size_t i);
const struct kluis_consent *kluis_policy_find_consent(const struct kluis_policy *p, const char *id);

size_t kluis_policy_n_subprocessors(const struct kluis_policy *p);
const struct kluis_subprocessor *kluis_policy_subprocessor(const struct kluis_policy *p, size_t i);

/* True when the purpose uses / stores the category. */
bool kluis_purpose_uses(const struct kluis_purpose *pu, const char *category_id);
bool kluis_purpose_stores(const struct kluis_policy *p, const struct kluis_purpose *pu,
                          const char *category_id);

/* Rights procedure (never NULL; fields absent when not stated). */
const struct kluis_rights *kluis_policy_rights(const struct kluis_policy *p);

/* Security measures: bilingual items. */
size_t kluis_policy_n_security(const struct kluis_policy *p);
const struct kluis_text *kluis_policy_security(const struct kluis_policy *p, size_t i);

/* Supplementary measures for transfers (art. 46), free text; may be absent. */
struct kluis_text kluis_policy_transfer_text(const struct kluis_policy *p);

/*
 * Retention of secondary copies. Each returns false when the policy states none.
 *   backups:     how long backups of the data store are kept
 *   key backups: how long backups of the key store are kept (a destroyed key must not return)
 *   audit:       how long audit-log entry bodies are kept
 */
bool kluis_policy_backup_retention(const struct kluis_policy *p, struct kluis_duration *out_d);
struct kluis_text kluis_policy_backup_text(const struct kluis_policy *p);
bool kluis_policy_key_backup_retention(const struct kluis_policy *p, struct kluis_duration *out_d);
bool kluis_policy_audit_retention(const struct kluis_policy *p, struct kluis_duration *out_d);

/* Automated decision-making (art. 22): whether any takes place, and the words for it. */
bool kluis_policy_automated_decisions(const struct kluis_policy *p);
struct kluis_text kluis_policy_automated_text(const struct kluis_policy *p);
struct kluis_text kluis_policy_automated_logic(const struct kluis_policy *p);

/* Breach procedure: the hours within which the authority is told (false when not stated). */
bool kluis_policy_breach_hours(const struct kluis_policy *p, int64_t *out_hours);
struct kluis_text kluis_policy_breach_text(const struct kluis_policy *p);

/* Cookies. */
size_t kluis_policy_n_cookies(const struct kluis_policy *p);
const struct kluis_cookie *kluis_policy_cookie(const struct kluis_policy *p, size_t i);
struct kluis_text kluis_policy_cookie_text(const struct kluis_policy *p);
bool kluis_policy_cookie_consent(const struct kluis_policy *p); /* a consent banner asks */

/* Changes to the statement: the notice period (false when not stated) and how people are told. */
bool kluis_policy_change_notice(const struct kluis_policy *p, struct kluis_duration *out_d);

/* Notice before a sub-processor is added or replaced (art. 28(2)): `changes.subprocessor_notice`,
 * else `changes.notice`; false when neither is stated. */
bool kluis_policy_subprocessor_notice(const struct kluis_policy *p, struct kluis_duration *out_d);
struct kluis_text kluis_policy_change_text(const struct kluis_policy *p);

/* Free sections, in policy order. */
size_t kluis_policy_n_sections(const struct kluis_policy *p);
const struct kluis_section *kluis_policy_section(const struct kluis_policy *p, size_t i);

size_t kluis_policy_n_acks(const struct kluis_policy *p);
const struct kluis_ack *kluis_policy_ack(const struct kluis_policy *p, size_t i);

/* ---- Names for people --------------------------------------------------------------------- */

/* Article reference of a basis ("art. 6(1)(b)") and its name in lang ("uitvoering van een
 * overeenkomst"). */
const char *kluis_basis_article(enum kluis_basis b);
const char *kluis_basis_name(enum kluis_basis b, enum kluis_lang lang);

/* Art. 9(2) condition: "art. 9(2)(a)" and its name in lang. */
const char *kluis_art9_article(enum kluis_art9 c);
const char *kluis_art9_name(enum kluis_art9 c, enum kluis_lang lang);

/* Name of a transfer mechanism bit in lang (one bit at a time). */
const char *kluis_transfer_name(enum kluis_transfer t, enum kluis_lang lang);

/*
 * Country or region name for an ISO 3166-1 alpha-2 code (or "EU" / "EEA") in lang; NULL when the
 * code is unknown.
 */
const char *kluis_country_name(const char *code, enum kluis_lang lang);

/* True for EEA member states and for "EU" / "EEA". */
bool kluis_country_in_eea(const char *code);

/* True for countries with an art. 45 adequacy decision (the US only through DPF: false). */
bool kluis_country_adequate(const char *code);

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_POLICY_H */
