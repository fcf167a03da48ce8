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

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_ENGINE_H */
