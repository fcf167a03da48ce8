/*
 * kluis — the engine: the policy enforced on the data in a store.
 *
 * The engine is where an application's writes, reads and events meet the policy. It refuses what
 * the policy forbids (a category it does not know, a transient category, a tenant setting outside
 * the bounds), computes each record's expiry and legal minimum (retention.h) on write and again
 * when a matching event arrives or a tenant setting changes, never returns a record past its
 * expiry, and purges what expired.
 *
 * Time is given, never read: kluis_engine_set_now() sets the engine's clock (the CLI's --now).
 *
 * Ownership: the engine borrows the policy (which must outlive it) and owns the store it opens.
 * Strings returned through out-params are malloc()ed; free them with free(). One engine is used
 * by one thread at a time.
 */
#ifndef KLUIS_ENGINE_H
#define KLUIS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kluis/error.h"
#include "kluis/policy.h"
#include "kluis/retention.h"
#include "kluis/keys.h"
#include "kluis/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kluis_engine;

/*
 * Opens the key store at keys_path (keys.h) and the data store at db_url (store.h) for policy
 * p. A data store is paired with the key store it was made with; another one is refused
 * (KLUIS_EREFUSED). Erasures the data store has not seen yet (a restored backup) are applied
 * before it returns. Errors: those of kluis_keys_open() and kluis_store_open(). The clock starts
 * at 0: set it with kluis_engine_set_now() before any call.
 */
kluis_rc kluis_engine_open(const struct kluis_policy *p, const char *db_url, const char *keys_path,
                           struct kluis_engine **out_engine, struct kluis_err *err);

/* As kluis_engine_open(), on a key store and a store already opened with its keyring (tests:
 * faulty backends). Takes both, also when it fails. */
kluis_rc kluis_engine_open_store(const struct kluis_policy *p, struct kluis_keys *keys,
                                 struct kluis_store *store, struct kluis_engine **out_engine,
                                 struct kluis_err *err);

/* Closes the engine and its store. NULL allowed. */
void kluis_engine_close(struct kluis_engine *e);

void kluis_engine_set_now(struct kluis_engine *e, int64_t now);
int64_t kluis_engine_now(const struct kluis_engine *e);

/* ---- Tenants ------------------------------------------------------------------------------ */

/*
 * Adds a tenant (a customer of the organisation). country (ISO code, may be NULL) decides which
 * country-specific legal minimums apply to its processor data and, later, its request calendar.
 * Errors: KLUIS_EEXIST, KLUIS_EINVAL (bad name or country).
 */
kluis_rc kluis_tenant_add(struct kluis_engine *e, const char *tenant, const char *country,
                          struct kluis_err *err);

/*
 * Changes a tenant setting, "CATEGORY.retention=DURATION" or "CATEGORY.storage=stored|transient",
 * and recomputes the expiry of the tenant's records of that category. Refused (KLUIS_EREFUSED)
 * when the policy does not let a tenant choose it, or the value lies outside the policy's bounds
 * (the message names the bound). Errors: KLUIS_ENOTFOUND (tenant), KLUIS_EINVAL (syntax).
 */
kluis_rc kluis_tenant_set(struct kluis_engine *e, const char *tenant, const char *setting,
                          struct kluis_err *err);

/* ---- Records ------------------------------------------------------------------------------ */

struct kluis_link {
    const char *key;   /* "integration" */
    const char *value; /* "gmail-42" */
};

struct kluis_record_input {
    const char *tenant;
    const char *subject; /* the subject's external reference (kept only as a keyed hash) */
    const char *category;
    const struct kluis_link *links;
    size_t n_links;
    const void *value;
    size_t value_len;
};

/*
 * Stores a record and writes its id. Refused (KLUIS_EREFUSED) when the policy does not know the
 * category, when the category is never stored (unless the tenant opted in where the policy
 * allows it) or the tenant chose not to store it, or when the record would be past its expiry
 * already (an event its rule waits for has happened for its subject or link). Errors:
 * KLUIS_ENOTFOUND (tenant), KLUIS_EINVAL, KLUIS_ETOOBIG.
 */
kluis_rc kluis_record_put(struct kluis_engine *e, const struct kluis_record_input *in,
                          uint64_t *out_id, struct kluis_err *err);

/*
 * Stores n records in one transaction: all of them or none. The first refusal or error ends the
 * batch; *out_failed (may be NULL) receives its index, and nothing of the batch is stored.
 * out_ids (n entries, may be NULL) receives the ids on success. At most KLUIS_BATCH_MAX records.
 */
#define KLUIS_BATCH_MAX 10000
kluis_rc kluis_record_put_batch(struct kluis_engine *e, const struct kluis_record_input *in,
                                size_t n, uint64_t *out_ids, size_t *out_failed,
                                struct kluis_err *err);

/* A record as read back. Free with kluis_record_free(). */
struct kluis_record {
    uint64_t id;
    char *tenant;
    char *category;
    char *links;
    int64_t created;
    int64_t expiry;
    int64_t floor;
    bool held;
    void *value;
    size_t value_len;
};

void kluis_record_free(struct kluis_record *r);

/*
 * Reads a record for a purpose. KLUIS_ENOTFOUND when the tenant has no such record or it is past
 * its expiry (even before a purge removed it); KLUIS_EREFUSED when the policy does not let the
 * purpose use the category (the message says why).
 */
kluis_rc kluis_record_get(struct kluis_engine *e, const char *tenant, uint64_t id,
                          const char *purpose, struct kluis_record **out_record,
                          struct kluis_err *err);

/*
 * Deletes one record now (the application's own deletion, e.g. a user removing a message).
 * Refused (KLUIS_EREFUSED) while a legal minimum or a hold keeps it, with the date it may go;
 * KLUIS_ENOTFOUND as for a read. Audited.
 */
kluis_rc kluis_record_delete(struct kluis_engine *e, const char *tenant, uint64_t id,
                             struct kluis_err *err);

/* ---- Events ------------------------------------------------------------------------------- */

struct kluis_event_input {
    const char *tenant;
    const char *name;              /* a declared event, or consent.withdrawn / subject.objected */
    const char *purpose;           /* for the built-in events */
    const char *subject;           /* external reference, or NULL */
    const struct kluis_link *link; /* or NULL */
};

/*
 * Records an event and recomputes the expiry of the tenant's records it concerns (same subject,
 * or carrying the link, or every record of the tenant when it names neither; only categories
 * whose rules wait for the event). *out_affected (may be NULL) receives how many changed.
 * Errors: KLUIS_EREFUSED (an event the policy does not declare), KLUIS_ENOTFOUND (tenant).
 */
kluis_rc kluis_event_record(struct kluis_engine *e, const struct kluis_event_input *in,
                            uint64_t *out_affected, struct kluis_err *err);

/* ---- Legal holds -------------------------------------------------------------------------- */

/*
 * Places a hold on a tenant's records (narrowed to a subject and/or a category): they are kept
 * whatever their retention until the hold is released. Errors: KLUIS_ENOTFOUND (tenant),
 * KLUIS_EREFUSED (unknown category), KLUIS_EINVAL (no reason).
 */
kluis_rc kluis_hold_add(struct kluis_engine *e, const char *tenant, const char *subject,
                        const char *category, const char *reason, uint64_t *out_id,
                        struct kluis_err *err);

/* Releases a hold and recomputes what it kept. tenant: the caller's tenant (a hold of another
 * tenant is not found), or NULL for the operator. Errors: KLUIS_ENOTFOUND, KLUIS_EREFUSED
 * (already released). */
kluis_rc kluis_hold_release(struct kluis_engine *e, const char *tenant, uint64_t id,
                            struct kluis_err *err);

/* ---- Purge -------------------------------------------------------------------------------- */

struct kluis_purge_line {
    char *tenant;
    char *category;
    uint64_t removed;
};

struct kluis_purge_report {
    int64_t at;
    bool dry_run;
    struct kluis_purge_line *lines; /* sorted by tenant, then category */
    size_t n_lines;
    uint64_t total;
    int64_t oldest_remaining; /* earliest expiry still stored, KLUIS_TIME_NEVER when none */
    char *receipt_json;       /* the receipt as stored (NULL for a dry run) */
    /* The records are gone, but destroying the dropped buckets' keys in the key store failed;
     * it is tried again on the next purge and whenever the store is opened. keys_error says
     * why. */
    bool keys_pending;
    struct kluis_err keys_error;
};

void kluis_purge_report_free(struct kluis_purge_report *r);

/*
 * Removes every record past its expiry that no legal minimum or hold protects, and stores a
 * receipt. With dry_run, changes nothing and reports what would go.
 */
kluis_rc kluis_purge(struct kluis_engine *e, bool dry_run, struct kluis_purge_report **out_report,
                     struct kluis_err *err);

/*
 * Counts the live records — those a read would find at the engine's clock: not past their
 * expiry, or held — per tenant and category, from the store's bookkeeping: no record is read or
 * opened, and nothing is audited (a count is no personal data). Calls fn (store.h) once for each
 * tenant and category that has any, in order of tenant, then category; tenant not NULL: that
 * tenant's only (an unknown tenant has none). fn returns non-zero to stop. Costs about what a
 * purge now would remove, not a scan of what is stored. Errors: the store's.
 */
kluis_rc kluis_records_count(struct kluis_engine *e, const char *tenant, kluis_record_count_fn fn,
                             void *ctx, struct kluis_err *err);

/* ---- Subjects ----------------------------------------------------------------------------- */

/*
 * Every live record the tenant holds on the subject, as JSON ({"tenant", "subject", "records":
 * [...]}) or CSV (a header and one row per record); values are given as UTF-8 text when they are,
 * else base64. A subject kluis holds nothing on gives an empty list.
 */
kluis_rc kluis_subject_export(struct kluis_engine *e, const char *tenant, const char *subject,
                              bool csv, char **out_text, size_t *out_len, struct kluis_err *err);

/* ---- Audit log ------------------------------------------------------------------------------ */

/* Who acts, for the audit log ("cli:alice", an API key's principal); default "kluis". */
void kluis_engine_set_actor(struct kluis_engine *e, const char *actor);

struct kluis_audit_entry {
    uint64_t seq;     /* its leaf index */
    const char *body; /* the entry (compact JSON), NULL once its retention removed it */
    size_t body_len;
    const char *tenant; /* NULL: the operator's own */
    int64_t at;
    uint8_t leaf[32];
};

typedef int (*kluis_audit_entry_fn)(void *ctx, const struct kluis_audit_entry *x);

/* The entries from seq `from` on (tenant not NULL: only that tenant's), in order. */
kluis_rc kluis_audit_entries(struct kluis_engine *e, const char *tenant, uint64_t from,
                             kluis_audit_entry_fn fn, void *ctx, struct kluis_err *err);

/*
 * Actions of the application itself, for the log ("mail.sent", "draft.approved" in the app):
 * entries in[0..n) appended in one transaction (one durable commit). The action is 1 to 64
 * letters, digits, '.', '_' or '-'; subject is a reference (kept as a pseudonym) or NULL;
 * detail is a JSON object of the app's own fields (no personal data!) or NULL.
 */
struct kluis_audit_input {
    const char *tenant;
    const char *action;
    const char *subject;  /* NULL: none */
    const char *category; /* NULL: none; else a category of the policy */
    const char *detail;   /* JSON object text, or NULL */
};

kluis_rc kluis_audit_append(struct kluis_engine *e, const struct kluis_audit_input *in, size_t n,
                            struct kluis_err *err);

/* The number of entries. */
kluis_rc kluis_audit_size(struct kluis_engine *e, uint64_t *out_size, struct kluis_err *err);

/* The verification key of the log's checkpoints (a C2SP note verifier key). */
kluis_rc kluis_audit_pubkey(struct kluis_engine *e, char *out, size_t size, struct kluis_err *err);

/* A signed checkpoint (C2SP tlog-checkpoint note) of the log as it is; *out_note malloc'd. */
kluis_rc kluis_audit_checkpoint(struct kluis_engine *e, char **out_note, struct kluis_err *err);

struct kluis_audit_report {
    bool ok;
    uint64_t size;        /* entries read */
    uint64_t checkpoints; /* signed checkpoints checked */
    uint64_t pruned;      /* entries whose body retention removed (their hashes checked) */
    uint64_t first_bad;   /* when !ok: the first entry found wrong */
    char problem[256];    /* when !ok: what is wrong, naming it */
};

/*
 * Recomputes the tree from the entries and checks every signed checkpoint the log holds, and
 * `against` (a checkpoint note the auditor kept, may be NULL) — so a log truncated together with
 * its checkpoints is still caught. Returns KLUIS_OK with the verdict in *out (ok, or the first
 * bad entry and what is wrong with it); an error only when it could not check.
 */
kluis_rc kluis_audit_verify(struct kluis_engine *e, const char *against, size_t against_len,
                            struct kluis_audit_report *out, struct kluis_err *err);

/*
 * An inclusion proof of entry seq in the log's first size entries (0: all), as JSON with the
 * entry, its leaf hash, the proof and a signed checkpoint of that size; tenant not NULL: only
 * that tenant's entries can be proved (another's answers KLUIS_ENOTFOUND).
 */
kluis_rc kluis_audit_prove(struct kluis_engine *e, uint64_t seq, uint64_t size, const char *tenant,
                           char **out_json, struct kluis_err *err);

/* A consistency proof between the log's first m and first n entries, with both checkpoints. */
kluis_rc kluis_audit_consistency(struct kluis_engine *e, uint64_t m, uint64_t n, char **out_json,
                                 struct kluis_err *err);

/*
 * Checks a proof made by kluis_audit_prove or kluis_audit_consistency with the log's public key
 * alone (no store). On success writes one sentence of what it shows into what.
 */
kluis_rc kluis_audit_check_proof(const char *vkey, const char *doc, size_t doc_len, char *what,
                                 size_t what_size, struct kluis_err *err);

/* ---- Keys ---------------------------------------------------------------------------------- */

/* The key store's class operations (keys.h), each with its audit entry. keys init makes the
 * policy's key classes and the default class. */
kluis_rc kluis_engine_keys_init(struct kluis_engine *e, size_t *out_created, struct kluis_err *err);
kluis_rc kluis_engine_keys_rotate(struct kluis_engine *e, const char *cls, int *out_version,
                                  struct kluis_err *err);
kluis_rc kluis_engine_keys_rewrap(struct kluis_engine *e, uint64_t *out_rewrapped,
                                  struct kluis_err *err);
kluis_rc kluis_engine_keys_retire(struct kluis_engine *e, const char *cls, int version,
                                  struct kluis_err *err);
/* The key store itself (for listing). */
struct kluis_keys *kluis_engine_keys(struct kluis_engine *e);

/*
 * Erases what the tenant holds on the subject (art. 17): every record that may go goes now;
 * what the law makes the organisation keep stays (a legal minimum still running, art. 17(3)(b),
 * or a legal hold) and is reported with the date it may go. The data keys of every category of
 * which nothing is kept are destroyed (crypto-shredding: the values cannot be opened from any
 * copy of the data store, backups included), and when nothing is kept, the subject's audit
 * pseudonym key too. The erasure is recorded in the key store's erased list, which is applied
 * again to any data store opened later (a restored backup). A subject kluis holds nothing on is
 * erased all the same (its report has no lines).
 */
struct kluis_erase_line {
    const char *category;
    uint64_t erased;          /* records removed now */
    uint64_t kept;            /* records kept */
    int64_t kept_until;       /* the latest legal minimum among the kept, 0 when none */
    bool held;                /* some are kept under a legal hold */
    const char *legal_source; /* the law behind the legal minimum (policy), or NULL */
};

struct kluis_erase_report {
    struct kluis_erase_line *lines; /* by category, in the order met */
    size_t n;
    bool shredded; /* nothing is kept: every key of the subject is destroyed */
    uint64_t seq;  /* its place in the erased list (0: no keys were destroyed) */
};

kluis_rc kluis_subject_erase(struct kluis_engine *e, const char *tenant, const char *subject,
                             struct kluis_erase_report **out_report, struct kluis_err *err);
void kluis_erase_report_free(struct kluis_erase_report *r);

/* ---- Lookup identifiers (issue 3) ---------------------------------------------------------- */

/*
 * Links a lookup identifier to a subject, so that a request can name the subject by the e-mail
 * address or phone number it came from. kind is "email" or "phone"; the value is normalised
 * (e-mail: trimmed and in lower case; phone: digits with a leading "+", "00" read as "+") and kept
 * only as a keyed hash, like the subject's reference. Errors: KLUIS_EINVAL (kind or value),
 * KLUIS_ENOTFOUND (tenant).
 */
kluis_rc kluis_subject_ident_add(struct kluis_engine *e, const char *tenant, const char *subject,
                                 const char *kind, const char *value, struct kluis_err *err);

/* How a caller names a subject: by reference, or by a lookup identifier (kind and value). */
struct kluis_subject_name {
    const char *ref;
    const char *kind; /* "email", "phone" */
    const char *value;
};

/* ---- Consent and the purpose gate (art. 6, 7, 18, 21, 22) ---------------------------------- */

/*
 * The consent ledger: gives or withdraws the subject's consent for a purpose whose basis is
 * consent (art. 6(1)(a) or 9(2)(a)), with the version of the text the subject saw (NULL: the
 * policy's current version). A withdrawal takes effect at once on the purpose gate and fires
 * the built-in event consent.withdrawn(purpose), which retention rules may wait on. Errors:
 * KLUIS_EREFUSED (not a consent purpose; withdrawing what was not given), KLUIS_ENOTFOUND
 * (tenant).
 */
kluis_rc kluis_consent_give(struct kluis_engine *e, const char *tenant,
                            const struct kluis_subject_name *subject, const char *purpose,
                            const char *text_version, struct kluis_err *err);
kluis_rc kluis_consent_withdraw(struct kluis_engine *e, const char *tenant,
                                const struct kluis_subject_name *subject, const char *purpose,
                                struct kluis_err *err);
/* The subject's ledger (consents, objections, restrictions) as a JSON array, oldest first. */
kluis_rc kluis_subject_ledger(struct kluis_engine *e, const char *tenant,
                              const struct kluis_subject_name *subject, char **out_json,
                              struct kluis_err *err);

/* The grounds on which art. 18(2) still lets restricted data be processed. */
enum kluis_ground {
    KLUIS_GROUND_NONE,
    KLUIS_GROUND_CONSENT,         /* with the subject's consent */
    KLUIS_GROUND_LEGAL_CLAIMS,    /* establishment, exercise or defence of legal claims */
    KLUIS_GROUND_OTHERS_RIGHTS,   /* protection of the rights of another person */
    KLUIS_GROUND_PUBLIC_INTEREST, /* important public interest of the Union or a member state */
};
/* "consent", "legal-claims", "others-rights", "public-interest" to the enum. */
bool kluis_ground_parse(const char *s, enum kluis_ground *out);
const char *kluis_ground_name(enum kluis_ground g);

/*
 * As kluis_record_get(), naming an art. 18(2) ground (audited) for reading a restricted
 * subject's record. The purpose gate answers only when: the policy lets the purpose use the
 * category; the subject is not restricted (or a ground is named); the subject has not objected
 * to the purpose (an objection that was decided "stop", or any objection to direct marketing);
 * for a consent purpose, the subject's consent is given; and for a category that needs approval,
 * the record was approved. Each refusal says why (KLUIS_EREFUSED) and is audited.
 */
kluis_rc kluis_record_read(struct kluis_engine *e, const char *tenant, uint64_t id,
                           const char *purpose, enum kluis_ground ground,
                           struct kluis_record **out_record, struct kluis_err *err);

/* ---- Approvals (art. 22) -------------------------------------------------------------------- */

/* The records of the tenant that wait for a person (categories with approval), as a JSON array
 * of {"id", "category", "created", "links"}, oldest first — no values. */
kluis_rc kluis_approval_list(struct kluis_engine *e, const char *tenant, char **out_json,
                             struct kluis_err *err);
/*
 * Approves or skips a waiting record, by a named principal (over HTTP: the API key's, never a
 * name from the request). Approval releases the record to the purposes that use it; both fire
 * the policy's events draft.approved / draft.skipped (when declared) for the record's subject
 * and first link, which start the retention clocks that wait on them, and are audited with the
 * principal. Errors: KLUIS_ENOTFOUND, KLUIS_EREFUSED (not waiting: another category, decided).
 */
kluis_rc kluis_approval_decide(struct kluis_engine *e, const char *tenant, uint64_t id,
                               bool approve, const char *by, struct kluis_err *err);

/* ---- Data-subject requests (art. 12–22) ----------------------------------------------------- */

enum kluis_request_type {
    KLUIS_REQUEST_ACCESS,        /* art. 15 */
    KLUIS_REQUEST_RECTIFICATION, /* art. 16 */
    KLUIS_REQUEST_ERASURE,       /* art. 17 */
    KLUIS_REQUEST_RESTRICTION,   /* art. 18 */
    KLUIS_REQUEST_PORTABILITY,   /* art. 20 */
    KLUIS_REQUEST_OBJECTION,     /* art. 21 */
    KLUIS_REQUEST_WITHDRAWAL,    /* art. 7(3) */
};
bool kluis_request_type_parse(const char *s, enum kluis_request_type *out);
const char *kluis_request_type_name(enum kluis_request_type t);

struct kluis_request_input {
    const char *tenant;
    struct kluis_subject_name subject;
    enum kluis_request_type type;
    /* objection: the purposes objected to (none: every purpose based on art. 6(1)(e)/(f) or
     * used for direct marketing); withdrawal: the consent purposes (none: every one given) */
    const char *const *purposes;
    size_t n_purposes;
    enum kluis_lang lang; /* of the answer (the art. 15 information) */
};

/*
 * Opens a request received now: its receipt date is the calendar date in the controller's time
 * zone, and it is due one calendar month later (Regulation 1182/71: the same day-number, the
 * month's last day where there is none, moved past Saturdays, Sundays and public holidays of the
 * controller's country), or earlier where the policy promises less. Where the organisation is only
 * the processor of what it holds on the subject, the request is to be forwarded to the customer
 * (art. 28(3)(e)) and runs on the customer's calendar (the tenant's country). An objection to
 * direct marketing stops that marketing at once (art. 21(3)). Errors: KLUIS_EINVAL,
 * KLUIS_ENOTFOUND (tenant), KLUIS_EREFUSED (an objection to a purpose art. 21 does not cover, a
 * withdrawal of a purpose not based on consent).
 */
kluis_rc kluis_request_open(struct kluis_engine *e, const struct kluis_request_input *in,
                            uint64_t *out_id, struct kluis_err *err);

/* The request as JSON (its dates, steps, decisions and answer summary). tenant NULL: the
 * operator, who sees every tenant's. */
kluis_rc kluis_request_show(struct kluis_engine *e, const char *tenant, uint64_t id,
                            char **out_json, struct kluis_err *err);
/* Requests as a JSON array; overdue: only open ones past their due date. */
kluis_rc kluis_request_list(struct kluis_engine *e, const char *tenant, bool overdue,
                            char **out_json, struct kluis_err *err);
/* Records that the requester's identity was checked, and how (NULL: the policy's method). */
kluis_rc kluis_request_verify(struct kluis_engine *e, const char *tenant, uint64_t id,
                              const char *method, struct kluis_err *err);
/* Extends the deadline once, with a reason, before the first deadline has run out: the request
 * is then due three calendar months after receipt (art. 12(3)), same rules. */
kluis_rc kluis_request_extend(struct kluis_engine *e, const char *tenant, uint64_t id,
                              const char *reason, struct kluis_err *err);
/* Rejects with a reason (art. 12(4)); the answer states it and the right to complain. */
kluis_rc kluis_request_reject(struct kluis_engine *e, const char *tenant, uint64_t id,
                              const char *reason, char **out_answer, struct kluis_err *err);
/* Records that a processor request went to the customer who is the controller. */
kluis_rc kluis_request_forward(struct kluis_engine *e, const char *tenant, uint64_t id,
                               struct kluis_err *err);

/* What a fulfilment carries besides the request. */
struct kluis_fulfil_input {
    const char *tenant; /* NULL: the operator */
    uint64_t id;
    /* rectification: records and their corrected values */
    const uint64_t *records;
    const void *const *values;
    const size_t *value_lens;
    size_t n_records;
    /* objection: purposes on which processing continues, each with its compelling grounds
     * (art. 21(1)); every other purpose objected to stops */
    const char *const *continue_purposes;
    const char *const *grounds;
    size_t n_continue;
};

/* The answer to a fulfilled request: a JSON document (for access and portability with every
 * record decrypted and the art. 15 information) and, for access and portability, the records as
 * CSV too (NULL otherwise). */
struct kluis_answer {
    char *json;
    char *csv;
};
void kluis_answer_free(struct kluis_answer *a);

/*
 * Fulfils a verified request: access and portability export (portability only the categories
 * the subject provided under consent or contract, art. 20(1)); erasure erases what may go and
 * says what is kept, why and until when; rectification replaces values (the audit entry says
 * that they changed, never what); restriction keeps the data, refuses it to every purpose but
 * art. 18(2)'s and stops its purge; objection stops (or continues, with grounds) per purpose and
 * fires subject.objected; withdrawal withdraws consent. Rectification, erasure and restriction
 * list the recipients to inform (art. 19). Errors: KLUIS_EREFUSED (not verified; a forwarded
 * processor request; closed), KLUIS_ENOTFOUND.
 */
kluis_rc kluis_request_fulfil(struct kluis_engine *e, const struct kluis_fulfil_input *in,
                              struct kluis_answer *out, struct kluis_err *err);
/* Lifts a fulfilled restriction; refused unless the subject was told beforehand (art. 18(3)). */
kluis_rc kluis_request_lift(struct kluis_engine *e, const char *tenant, uint64_t id,
                            bool subject_told, struct kluis_err *err);

/* ---- API keys (kluis serve) ----------------------------------------------------------------- */

/* What a key may do: app (records, events), approver (approvals), dpo (requests, consent,
 * exports, audit), admin (the tenant's settings and keys). */
enum kluis_key_role {
    KLUIS_KEY_APP,
    KLUIS_KEY_APPROVER,
    KLUIS_KEY_DPO,
    KLUIS_KEY_ADMIN,
};
bool kluis_key_role_parse(const char *s, enum kluis_key_role *out);
const char *kluis_key_role_name(enum kluis_key_role r);

/* Who a key says the caller is. */
struct kluis_principal {
    uint64_t key_id;
    bool operator_key; /* not bound to a tenant: the operator's own work */
    char tenant[KLUIS_TENANT_MAX + 1];
    enum kluis_key_role role;
    char name[129];
};

/* A key as printed: 32 random bytes in base64url (44 characters) and a NUL. */
#define KLUIS_APIKEY_TEXT 45

/*
 * Makes a key for a tenant (NULL: an operator key), a role and a named principal, writes it to
 * out_key and its id. Only HMAC-SHA256 of the key under the engine's secret is stored: the key
 * itself is shown once. Audited. Errors: KLUIS_ENOTFOUND (tenant), KLUIS_EINVAL (name).
 */
kluis_rc kluis_apikey_create(struct kluis_engine *e, const char *tenant, enum kluis_key_role role,
                             const char *name, char out_key[KLUIS_APIKEY_TEXT], uint64_t *out_id,
                             struct kluis_err *err);
/* The principal of a presented key; KLUIS_EREFUSED for an unknown or revoked key (one message
 * for both). Takes time independent of where a wrong key differs. */
kluis_rc kluis_apikey_authenticate(struct kluis_engine *e, const char *key, size_t len,
                                   struct kluis_principal *out, struct kluis_err *err);
/* Keys as a JSON array of {id, tenant, role, name, created, revoked} (never a key): all, or
 * those of tenant (NULL: the operator's). */
kluis_rc kluis_apikey_list(struct kluis_engine *e, bool all, const char *tenant, char **out_json,
                           struct kluis_err *err);
/* Revokes a key (of tenant, or of any tenant with all). Audited. */
kluis_rc kluis_apikey_revoke(struct kluis_engine *e, bool all, const char *tenant, uint64_t id,
                             struct kluis_err *err);

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_ENGINE_H */
