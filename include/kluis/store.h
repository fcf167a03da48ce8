/*
 * kluis — the store: where personal data lives, behind one domain-level interface.
 *
 * A backend is a const table of function pointers (like SQLite's VFS): a version, a name, the
 * size of its private object, and one function per domain operation. kluis ships a SQLite backend
 * (one file, WAL); a PostgreSQL backend implements the same operations natively. Test doubles are
 * just more backends: kluis_store_faulty() wraps any backend and fails the Nth call of an
 * operation, for atomicity tests.
 *
 * The interface speaks of tenants, records, events and holds, never of SQL. Policy logic
 * (retention, refusals) is the engine's (engine.h); a backend persists what it is given and
 * arranges records by their expiry so that purging what expired costs about the same whatever
 * the amount of live data.
 *
 * Every call carries the tenant. A backend never returns or changes a row of another tenant.
 *
 * Transactions: begin / commit / rollback bracket a unit of work; every write happens inside one.
 * A unit of work that is interrupted at any point (error, crash, kill) leaves no part of itself.
 *
 * Rows passed to callbacks are valid only during the callback.
 */
#ifndef KLUIS_STORE_H
#define KLUIS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kluis/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KLUIS_STORE_BACKEND_VERSION 4

/* Limits on what one row may hold; larger input is refused with KLUIS_ETOOBIG. */
#define KLUIS_TENANT_MAX 64          /* bytes of a tenant name */
#define KLUIS_LINKS_MAX  1024        /* bytes of a record's links, "k=v\n" lines */
#define KLUIS_VALUE_MAX  (16u << 20) /* bytes of a record's value */

/* A keyed hash of a subject's external reference (never the reference itself). */
struct kluis_subject_ref {
    uint8_t hash[32];
};

struct kluis_tenant_row {
    const char *tenant;
    const char *country; /* ISO code, or NULL */
    int64_t created;
};

struct kluis_setting_row {
    const char *tenant;
    const char *key;   /* "whatsapp.retention", "voice.storage" */
    const char *value; /* "30d", "stored" */
};

struct kluis_record_row {
    uint64_t id; /* assigned by the backend on insert; never changes */
    const char *tenant;
    struct kluis_subject_ref subject;
    bool has_subject;
    const char *category;
    const char *links; /* canonical "k=v\n" lines, sorted; "" when none */
    int64_t created;
    int64_t expiry;        /* KLUIS_TIME_NEVER (retention.h) when it waits for an event or a hold */
    int64_t floor;         /* legal minimum, 0 when none */
    const char *key_class; /* insert: the category's key class (keys.h), for a new data key */
    bool held;             /* a legal hold applies: never purged */
    const void *value;
    size_t value_len;
};

struct kluis_event_row {
    uint64_t id;
    const char *tenant;
    const char *name;
    const char *purpose; /* for the built-in events, else NULL */
    struct kluis_subject_ref subject;
    bool has_subject;
    const char *link; /* "k=v" or NULL */
    int64_t at;
};

struct kluis_hold_row {
    uint64_t id;
    const char *tenant;
    struct kluis_subject_ref subject;
    bool has_subject;
    const char *category; /* NULL: every category */
    const char *reason;
    int64_t placed;
    bool released;
    int64_t released_at;
};

/*
 * A data-subject request (art. 12–22). The store keeps what is queried in columns and the rest
 * of the request's life (steps, reasons, decisions, the answer's summary) as the engine's JSON
 * document `doc`, which never holds personal data in clear.
 */
struct kluis_request_row {
    uint64_t id; /* assigned by the backend on insert */
    const char *tenant;
    struct kluis_subject_ref subject;
    const char *type;  /* "access", "rectification", … */
    const char *state; /* "received", "verified", "forwarded", "fulfilled", "rejected" */
    int64_t received;  /* time of receipt */
    int64_t due;       /* due date, days since the epoch */
    const char *doc;   /* JSON object */
};

/*
 * The subject ledger: what a subject chose or asked that gates purposes — consent given or
 * withdrawn (with the version of the text shown), an objection decided (stop, or continue on
 * compelling grounds), a restriction placed or lifted. Append-only; the latest row of a kind
 * group and purpose is in force.
 */
struct kluis_ledger_row {
    uint64_t id;
    const char *tenant;
    struct kluis_subject_ref subject;
    const char *kind;    /* "consent.given", "consent.withdrawn", "objection.stop",
                          * "objection.continue", "restriction.start", "restriction.lift" */
    const char *purpose; /* NULL for restrictions */
    const char *note;    /* consent: the text version; objection: the grounds; or NULL */
    uint64_t request;    /* the request it answers, 0 when none */
    int64_t at;
};

/* A decision on a record that waits for a person (art. 22): approved or skipped, by whom. */
struct kluis_approval_row {
    const char *tenant;
    uint64_t record;
    const char *state; /* "approved", "skipped" */
    const char *by;    /* the principal */
    int64_t at;
};

/* An API key as stored: never the key, only HMAC-SHA256 of it under the engine's secret. */
struct kluis_apikey_row {
    uint64_t id;
    const char *tenant; /* NULL: an operator key */
    const char *role;   /* "app", "approver", "dpo", "admin" */
    const char *name;   /* the principal */
    uint8_t hash[32];
    int64_t created;
    bool revoked;
    int64_t revoked_at;
};

/* Which requests a scan visits: tenant NULL visits every tenant's (the operator's view). */
struct kluis_request_filter {
    const char *tenant;
    const struct kluis_subject_ref *subject;
    bool open_only; /* only those received, verified or forwarded */
};

/* Which records a scan visits. tenant is required; every other field narrows when set. */
struct kluis_record_filter {
    const char *tenant;
    const struct kluis_subject_ref *subject;
    const char *category;
    const char *link; /* "k=v": records carrying this link */
    bool with_values; /* pass values to the callback (costs reading them) */
};

/* What a purge removed (or would remove) for one tenant and category. */
struct kluis_purge_count {
    const char *tenant;
    const char *category;
    uint64_t removed;
};

/* How many live records a tenant holds of a category (records_count). */
struct kluis_record_count {
    const char *tenant;
    const char *category;
    uint64_t n;
};

/*
 * Where a store gets the keys that seal record values (implemented by the key store, keys.h, kept
 * apart from the data). A value is sealed (AES-256-GCM) under HMAC-SHA256(data key,
 * "kluis value v1" || bucket key), with associated data binding tenant, subject, category and the
 * record's id: destroying the bucket key purges, destroying the data key erases, in every copy.
 * Calls happen inside the engine's transaction; what they create or destroy is committed with it
 * (the key store first).
 */
struct kluis_keyring {
    void *ctx;
    /* The key of expiry bucket no, made when create is true and there is none. KLUIS_ENOTFOUND
     * when there is none (destroyed by a purge). */
    kluis_rc (*bucket_key)(void *ctx, int64_t no, bool create, uint8_t out[32],
                           struct kluis_err *err);
    /* Destroys the keys of buckets nos[0..n) (after the store dropped them: doomed_keys). */
    kluis_rc (*bucket_keys_destroy)(void *ctx, const int64_t *nos, size_t n, struct kluis_err *err);
    /* The data key of a subject's records of a category (subject NULL: the tenant's records
     * without a subject). When key_class is not NULL and there is none, one is made under that
     * class. KLUIS_ENOTFOUND when there is none (erased). */
    kluis_rc (*data_key)(void *ctx, const char *tenant, const struct kluis_subject_ref *subject,
                         const char *category, const char *key_class, uint8_t out[32],
                         struct kluis_err *err);
};

/* An audit-log entry as stored: its place (0-based), its leaf hash, its body (NULL once purged
 * by the audit retention), the tenant it concerns (NULL: the operator's) and its time. A scan
 * passes damaged (leaf zeroes, no body) for an entry whose stored bytes cannot be read, so that
 * a verifier names it. */
struct kluis_audit_row {
    uint64_t seq;
    uint8_t leaf[32];
    const void *body;
    size_t body_len;
    const char *tenant;
    int64_t at;
    bool damaged;
};

typedef int (*kluis_audit_fn)(void *ctx, const struct kluis_audit_row *row);

typedef int (*kluis_record_fn)(void *ctx, const struct kluis_record_row *row);
typedef int (*kluis_event_fn)(void *ctx, const struct kluis_event_row *row);
typedef int (*kluis_hold_fn)(void *ctx, const struct kluis_hold_row *row);
typedef int (*kluis_setting_fn)(void *ctx, const struct kluis_setting_row *row);
typedef int (*kluis_tenant_fn)(void *ctx, const struct kluis_tenant_row *row);
typedef int (*kluis_purge_fn)(void *ctx, const struct kluis_purge_count *count);
typedef int (*kluis_record_count_fn)(void *ctx, const struct kluis_record_count *count);
typedef int (*kluis_request_fn)(void *ctx, const struct kluis_request_row *row);
typedef int (*kluis_ledger_fn)(void *ctx, const struct kluis_ledger_row *row);
typedef int (*kluis_approval_fn)(void *ctx, const struct kluis_approval_row *row);
typedef int (*kluis_apikey_fn)(void *ctx, const struct kluis_apikey_row *row);
/* Callbacks return 0 to go on, non-zero to stop the scan (the scan then returns KLUIS_OK). */

struct kluis_store_backend {
    int version;      /* KLUIS_STORE_BACKEND_VERSION */
    const char *name; /* "sqlite", "faulty", … */
    size_t obj_size;  /* bytes of the private object the backend's functions receive */

    /* Opens (creating or upgrading) the store at location (backend-specific: a path for
     * SQLite). A store written by a newer version is refused with KLUIS_EUNSUPPORTED. */
    kluis_rc (*open)(void *obj, const char *location, const struct kluis_keyring *keys,
                     struct kluis_err *err);
    void (*close)(void *obj);

    kluis_rc (*begin)(void *obj, struct kluis_err *err);
    kluis_rc (*commit)(void *obj, struct kluis_err *err);
    void (*rollback)(void *obj);

    /* A store id (16 random bytes, made when the store is), which pairs it with its key store. */
    kluis_rc (*id)(void *obj, uint8_t out_id[16], struct kluis_err *err);
    /* The key of subject hashes that stores before schema 3 kept in the data store, so that the
     * engine can move it into the key store; KLUIS_ENOTFOUND when there is none (any more).
     * With drop, it is removed from the data store instead. */
    kluis_rc (*legacy_secret)(void *obj, bool drop, uint8_t out_key[32], struct kluis_err *err);

    kluis_rc (*tenant_insert)(void *obj, const struct kluis_tenant_row *t, struct kluis_err *err);
    /* KLUIS_ENOTFOUND when the tenant does not exist. */
    kluis_rc (*tenant_get)(void *obj, const char *tenant, kluis_tenant_fn fn, void *ctx,
                           struct kluis_err *err);
    kluis_rc (*tenants_scan)(void *obj, kluis_tenant_fn fn, void *ctx, struct kluis_err *err);
    kluis_rc (*setting_put)(void *obj, const struct kluis_setting_row *s, struct kluis_err *err);
    kluis_rc (*settings_scan)(void *obj, const char *tenant, kluis_setting_fn fn, void *ctx,
                              struct kluis_err *err);

    /* Inserts a record (row->id is ignored) and writes its id to *out_id. */
    kluis_rc (*record_insert)(void *obj, const struct kluis_record_row *row, uint64_t *out_id,
                              struct kluis_err *err);
    /* Calls fn once with the record, value included; KLUIS_ENOTFOUND when the tenant has no such
     * record (another tenant's id is simply not found). Expired records are still returned: the
     * engine decides. */
    kluis_rc (*record_get)(void *obj, const char *tenant, uint64_t id, kluis_record_fn fn,
                           void *ctx, struct kluis_err *err);
    /* Changes a record's expiry, floor and hold flag (moving it to another expiry bucket). */
    kluis_rc (*record_retain)(void *obj, const char *tenant, uint64_t id, int64_t expiry,
                              int64_t floor, bool held, struct kluis_err *err);
    /* Removes one record now (erasure). KLUIS_ENOTFOUND when absent. */
    kluis_rc (*record_delete)(void *obj, const char *tenant, uint64_t id, struct kluis_err *err);
    kluis_rc (*records_scan)(void *obj, const struct kluis_record_filter *f, kluis_record_fn fn,
                             void *ctx, struct kluis_err *err);

    kluis_rc (*event_insert)(void *obj, const struct kluis_event_row *row, uint64_t *out_id,
                             struct kluis_err *err);
    /* The tenant's events that concern a record with this subject and these links: events
     * naming neither subject nor link, events of that subject (and, when they also name a link,
     * of one of these links), and events of one of these links that name no subject. */
    kluis_rc (*events_for_record)(void *obj, const char *tenant,
                                  const struct kluis_subject_ref *subject, const char *links,
                                  kluis_event_fn fn, void *ctx, struct kluis_err *err);

    kluis_rc (*hold_insert)(void *obj, const struct kluis_hold_row *row, uint64_t *out_id,
                            struct kluis_err *err);
    kluis_rc (*hold_release)(void *obj, uint64_t id, int64_t at, struct kluis_err *err);
    /* Active holds of a tenant (tenant NULL: of every tenant). */
    kluis_rc (*holds_scan)(void *obj, const char *tenant, kluis_hold_fn fn, void *ctx,
                           struct kluis_err *err);
    /* KLUIS_ENOTFOUND when absent. */
    kluis_rc (*hold_get)(void *obj, uint64_t id, kluis_hold_fn fn, void *ctx,
                         struct kluis_err *err);

    /*
     * Removes every record whose expiry is at or before now and that is not held, reporting
     * per tenant and category; with dry_run, only reports. Its cost depends on what expired,
     * not on how much is stored.
     */
    kluis_rc (*purge)(void *obj, int64_t now, bool dry_run, kluis_purge_fn fn, void *ctx,
                      struct kluis_err *err);
    /* The earliest expiry later than after (of a record a purge at `after` would keep),
     * KLUIS_TIME_NEVER (INT64_MAX) when none. */
    kluis_rc (*oldest_expiry)(void *obj, int64_t after, int64_t *out_expiry, struct kluis_err *err);
    /*
     * Counts the live records at now — those whose expiry is after now, and the held ones —
     * per tenant and category (tenant not NULL: that tenant's only), calling fn once for each
     * that has any, in order of tenant, then category. Reads no record: its cost depends on
     * what is due at now, like a purge's, not on how much is stored.
     */
    kluis_rc (*records_count)(void *obj, int64_t now, const char *tenant, kluis_record_count_fn fn,
                              void *ctx, struct kluis_err *err);
    /*
     * Applies an erasure of the key store's erased list (keys.h): removes every record of the
     * subject (of category, when not NULL; with category NULL also the events that name the
     * subject) and remembers seq as applied. Idempotent.
     */
    kluis_rc (*erasure_apply)(void *obj, uint64_t seq, const char *tenant,
                              const struct kluis_subject_ref *subject, const char *category,
                              uint64_t *out_removed, struct kluis_err *err);
    /*
     * Buckets a purge dropped whose keys are still to be destroyed in the key store: a purge
     * drops a bucket and notes its key as doomed in one transaction; the engine then destroys
     * the keys and calls doomed_keys_done (again on the next open, after a crash in between).
     * Writes at most cap numbers.
     */
    kluis_rc (*doomed_keys)(void *obj, int64_t *nos, size_t cap, size_t *out_n,
                            struct kluis_err *err);
    kluis_rc (*doomed_keys_done)(void *obj, const int64_t *nos, size_t n, struct kluis_err *err);
    /* The highest erasure seq applied to this store (0: none). */
    kluis_rc (*erasures_applied)(void *obj, uint64_t *out_seq, struct kluis_err *err);
    /* ---- The audit log (the engine's; kluis/audit.h hashes it) ---- */
    /* Appends entries rows[0..n) (their seq continuing the log) in the open transaction. */
    kluis_rc (*audit_append)(void *obj, const struct kluis_audit_row *rows, size_t n,
                             struct kluis_err *err);
    /* Entries with seq in [from, to), in order; tenant not NULL: that tenant's only. */
    kluis_rc (*audit_scan)(void *obj, uint64_t from, uint64_t to, const char *tenant,
                           kluis_audit_fn fn, void *ctx, struct kluis_err *err);
    /* The leaf hashes of entries [from, to) into out (32 bytes each); KLUIS_ECORRUPT when one is
     * missing. */
    kluis_rc (*audit_leaves)(void *obj, uint64_t from, uint64_t to, uint8_t (*out)[32],
                             struct kluis_err *err);
    /* Removes the bodies of entries older than before (their leaf hashes stay). */
    kluis_rc (*audit_prune)(void *obj, int64_t before, uint64_t *out_pruned, struct kluis_err *err);
    /* Signed checkpoints (tree heads): stores one; calls fn for each with size in [from, to],
     * in order of size (text is the note). */
    kluis_rc (*checkpoint_put)(void *obj, uint64_t size, const char *note, struct kluis_err *err);
    kluis_rc (*checkpoints_scan)(void *obj, uint64_t from, uint64_t to,
                                 int (*fn)(void *ctx, uint64_t size, const char *note), void *ctx,
                                 struct kluis_err *err);
    /* A small named value of the store (the audit log's compact range): get writes at most cap
     * bytes and the length (KLUIS_ENOTFOUND when absent); put replaces it. */
    kluis_rc (*meta_get)(void *obj, const char *key, void *buf, size_t cap, size_t *out_len,
                         struct kluis_err *err);
    kluis_rc (*meta_put)(void *obj, const char *key, const void *v, size_t n,
                         struct kluis_err *err);

    /* Stores a purge receipt (a JSON document) with its time. */
    kluis_rc (*receipt_insert)(void *obj, int64_t at, const char *json, struct kluis_err *err);

    /* ---- Data-subject rights (issue 5) ---- */
    /* Replaces a record's value (rectification), sealed as on insert; its id, links, expiry and
     * keys stay. KLUIS_ENOTFOUND when the tenant has no such record. */
    kluis_rc (*record_rewrite)(void *obj, const char *tenant, uint64_t id, const void *value,
                               size_t value_len, struct kluis_err *err);
    /* Inserts a request (row->id ignored) and writes its id. */
    kluis_rc (*request_insert)(void *obj, const struct kluis_request_row *row, uint64_t *out_id,
                               struct kluis_err *err);
    /* Replaces state, due and doc of request row->id of row->tenant; KLUIS_ENOTFOUND when that
     * tenant has no such request. */
    kluis_rc (*request_update)(void *obj, const struct kluis_request_row *row,
                               struct kluis_err *err);
    /* Calls fn with request id (tenant NULL: of any tenant); KLUIS_ENOTFOUND when absent. */
    kluis_rc (*request_get)(void *obj, const char *tenant, uint64_t id, kluis_request_fn fn,
                            void *ctx, struct kluis_err *err);
    /* Requests in order of id. */
    kluis_rc (*requests_scan)(void *obj, const struct kluis_request_filter *f, kluis_request_fn fn,
                              void *ctx, struct kluis_err *err);
    kluis_rc (*ledger_insert)(void *obj, const struct kluis_ledger_row *row, uint64_t *out_id,
                              struct kluis_err *err);
    /* A subject's ledger rows in order of id. */
    kluis_rc (*ledger_scan)(void *obj, const char *tenant, const struct kluis_subject_ref *subject,
                            kluis_ledger_fn fn, void *ctx, struct kluis_err *err);
    /* Stores the decision on a record (one per record; a second is refused with KLUIS_EEXIST). */
    kluis_rc (*approval_put)(void *obj, const struct kluis_approval_row *row,
                             struct kluis_err *err);
    /* The tenant's decisions (record 0: all, else that record's), in order of record. */
    kluis_rc (*approvals_scan)(void *obj, const char *tenant, uint64_t record, kluis_approval_fn fn,
                               void *ctx, struct kluis_err *err);
    /* Lookup identifiers (an e-mail address, a phone number) as keyed hashes: put links one to a
     * subject (replacing an earlier link of the same identifier); find writes the subject or
     * returns KLUIS_ENOTFOUND. */
    kluis_rc (*ident_put)(void *obj, const char *tenant, const char *kind,
                          const struct kluis_subject_ref *ident,
                          const struct kluis_subject_ref *subject, struct kluis_err *err);
    kluis_rc (*ident_find)(void *obj, const char *tenant, const char *kind,
                           const struct kluis_subject_ref *ident,
                           struct kluis_subject_ref *out_subject, struct kluis_err *err);

    /* ---- API keys (kluis serve) ---- */
    kluis_rc (*apikey_insert)(void *obj, const struct kluis_apikey_row *row, uint64_t *out_id,
                              struct kluis_err *err);
    /* The key with this hash, revoked or not; KLUIS_ENOTFOUND when none. */
    kluis_rc (*apikey_find)(void *obj, const uint8_t hash[32], kluis_apikey_fn fn, void *ctx,
                            struct kluis_err *err);
    /* Keys in order of id: all_tenants, or those of tenant (NULL: the operator's). */
    kluis_rc (*apikeys_scan)(void *obj, bool all_tenants, const char *tenant, kluis_apikey_fn fn,
                             void *ctx, struct kluis_err *err);
    /* Revokes key id of tenant (NULL: an operator key; all_tenants: any); KLUIS_ENOTFOUND when
     * there is no such key that is not revoked yet. */
    kluis_rc (*apikey_revoke)(void *obj, bool all_tenants, const char *tenant, uint64_t id,
                              int64_t at, struct kluis_err *err);
};

/*
 * Iterates the lines of a record's links ("k=v\n" lines): writes the next non-empty line to
 * *out_line and *out_len (not NUL-terminated) and advances *cursor; returns false at the end.
 */
bool kluis_links_next(const char **cursor, const char **out_line, size_t *out_len);

/* The SQLite backend. Location: a file path. */
extern const struct kluis_store_backend kluis_store_sqlite;

/* An open store: a backend and its private object. */
struct kluis_store;

/*
 * Opens a store from a URL: "sqlite:PATH" (or a bare path). Errors: KLUIS_EINVAL (unknown
 * scheme, with the schemes this build knows), KLUIS_EIO, KLUIS_ECORRUPT, KLUIS_EUNSUPPORTED
 * (written by a newer kluis).
 */
kluis_rc kluis_store_open(const char *url, const struct kluis_keyring *keys,
                          struct kluis_store **out_store, struct kluis_err *err);

/* Opens a store with an explicit backend (tests, wrappers). */
kluis_rc kluis_store_open_backend(const struct kluis_store_backend *backend, const char *location,
                                  const struct kluis_keyring *keys, struct kluis_store **out_store,
                                  struct kluis_err *err);

/* Closes the store; NULL allowed. */
void kluis_store_close(struct kluis_store *s);

/* The backend and its object, for the engine's calls. */
const struct kluis_store_backend *kluis_store_backend(const struct kluis_store *s);
void *kluis_store_obj(struct kluis_store *s);

/*
 * Fault injection: a backend that forwards every call to inner, except that the nth call
 * (1-based) of the operation named op ("record_insert", "commit", "purge", …, or "*" for any
 * operation) fails with KLUIS_EIO. After the failure every further call also fails, like a
 * crashed disk, until the store is closed. The returned table is static per thread of use: set
 * it up, open, test, close.
 */
const struct kluis_store_backend *kluis_store_faulty(const struct kluis_store_backend *inner,
                                                     const char *op, unsigned nth);

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_STORE_H */
