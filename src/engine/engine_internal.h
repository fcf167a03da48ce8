/*
 * engine — internal header: what the engine's files share. The contract is
 * include/kluis/engine.h.
 */
#ifndef KLUIS_ENGINE_INTERNAL_H
#define KLUIS_ENGINE_INTERNAL_H

#include <jansson.h>

#include "crypto/crypto_internal.h"
#include "kluis/engine.h"
#include "kluis/kluis.h"

/* The audit log's state in an engine (engine_audit.c). */
struct kluis__audit {
    bool ready;
    struct kluis_merkle range; /* committed */
    struct kluis_merkle next;  /* with the flushed entries, until the commit */
    bool flushed;
    bool head_ok;                    /* the committed head is the one last signed (checked once) */
    bool in_txn;                     /* an engine transaction is open */
    bool fresh;                      /* range re-read in it (another process may have appended) */
    struct kluis_audit_row *pending; /* this transaction's entries (bodies malloc'd) */
    char (*tenants)[KLUIS_TENANT_MAX + 1];
    size_t n, cap;
    struct kluis_note_signer signer;
    char origin[128];
    char when[32]; /* the engine's clock as entries spell it, for when_at */
    int64_t when_at;
};

struct kluis_engine {
    const struct kluis_policy *policy;
    struct kluis_store *store;
    struct kluis_keys *keys;
    const struct kluis_store_backend *be;
    void *obj;
    int64_t now;
    uint8_t secret[32];
    struct kluis__hmac_state subject_mac; /* HMAC under secret, its key states precomputed */
    char actor[128];
    struct kluis__audit audit;
};

#define KLUIS__MAX_SETTINGS 256

struct kluis__setting {
    char key[160];
    char value[32];
};

/* A tenant as an operation sees it: its country and its settings. */
struct kluis__tenant_state {
    char tenant[KLUIS_TENANT_MAX + 1];
    char country[8];
    struct kluis__setting settings[KLUIS__MAX_SETTINGS];
    size_t n_settings;
};

kluis_rc kluis__engine_tenant(struct kluis_engine *e, const char *tenant,
                              struct kluis__tenant_state *st, struct kluis_err *err);
/* KLUIS_OK when the tenant exists, else KLUIS_ENOTFOUND ("no such tenant"). */
kluis_rc kluis__tenant_known(struct kluis_engine *e, const char *tenant, struct kluis_err *err);
/* Recomputes the expiry of every record of a subject (after a hold on it came or went). */
kluis_rc kluis__recompute_subject(struct kluis_engine *e, const char *tenant,
                                  const struct kluis_subject_ref *subject, struct kluis_err *err);
const char *kluis__tenant_setting(const struct kluis__tenant_state *st, const char *category,
                                  const char *what);
void kluis__engine_subject(const struct kluis_engine *e, const char *tenant, const char *ref,
                           struct kluis_subject_ref *out);
kluis_rc kluis__engine_retention(struct kluis_engine *e, const struct kluis__tenant_state *st,
                                 const struct kluis_category *c, int64_t created,
                                 const struct kluis_subject_ref *subject, const char *links,
                                 struct kluis_retention_result *out, struct kluis_err *err);
kluis_rc kluis__engine_held(struct kluis_engine *e, const char *tenant, const char *category,
                            const struct kluis_subject_ref *subject, bool has_subject,
                            bool *out_held, struct kluis_err *err);
kluis_rc kluis__engine_destroy_doomed_keys(struct kluis_engine *e, struct kluis_err *err);
kluis_rc kluis__engine_reapply_erasures(struct kluis_engine *e, struct kluis_err *err);
/* Audit (engine_audit.c): an entry of the open transaction; extra (may be NULL) is taken. */
kluis_rc kluis__audit(struct kluis_engine *e, const char *action, const char *tenant,
                      const struct kluis_subject_ref *subject, const char *category,
                      uint64_t record, json_t *extra, const char *result, struct kluis_err *err);
/* The same with one member given as canonical JSON text (raw_key NULL: none), no jansson. */
kluis_rc kluis__audit_raw(struct kluis_engine *e, const char *action, const char *tenant,
                          const struct kluis_subject_ref *subject, const char *category,
                          uint64_t record, const char *raw_key, const char *raw_json,
                          const char *result, struct kluis_err *err);
/* What an entry body holds besides an action's own members (engine_audit.c). */
struct kluis__audit_fields {
    uint64_t seq;
    const char *at, *actor, *action, *result;
    const char *tenant, *category, *subject; /* NULL: absent; subject is the pseudonym */
    uint64_t record;                         /* 0: absent */
};
/*
 * The canonical body (compact JSON, keys sorted) of an entry with fields f, extra's members
 * (may be NULL; not taken) and raw_key whose value is the JSON text raw_json (may be NULL);
 * malloc'd, NULL when out of memory. reference: made with jansson only (what the direct writer
 * must equal; tests).
 */
char *kluis__audit_body(const struct kluis__audit_fields *f, json_t *extra, const char *raw_key,
                        const char *raw_json, bool reference, size_t *out_len);
/* A subject's keyed hash, as kluis__engine_subject (the same bytes), through a kept context. */
void kluis__subject(const struct kluis_engine *e, const char *tenant, const char *ref,
                    struct kluis_subject_ref *out);
/* The same, in a transaction of its own. */
kluis_rc kluis__audit_own(struct kluis_engine *e, const char *action, const char *tenant,
                          const struct kluis_subject_ref *subject, const char *category,
                          uint64_t record, json_t *extra, const char *result,
                          struct kluis_err *err);
kluis_rc kluis__audit_flush(struct kluis_engine *e, struct kluis_err *err);
/* A transaction begins: the log's committed range is read again before its first entry, for
 * another process (the CLI beside kluis serve) may have appended since. */
void kluis__audit_txn_begin(struct kluis_engine *e);
void kluis__audit_committed(struct kluis_engine *e, bool committed);
void kluis__audit_discard(struct kluis_engine *e);
void kluis__audit_free(struct kluis_engine *e);

kluis_rc kluis__engine_txn(struct kluis_engine *e,
                           kluis_rc (*body)(struct kluis_engine *, void *, struct kluis_err *),
                           void *ctx, struct kluis_err *err);
kluis_rc kluis__engine_recompute(struct kluis_engine *e, const struct kluis__tenant_state *st,
                                 uint64_t id, bool *out_changed, struct kluis_err *err);
kluis_rc kluis__engine_recompute_all(struct kluis_engine *e, const struct kluis__tenant_state *st,
                                     const struct kluis_record_filter *f,
                                     bool (*want)(const struct kluis_engine *, const char *,
                                                  void *),
                                     void *want_ctx, uint64_t *out_changed, struct kluis_err *err);

/* Events (engine_records.c): records an event of the tenant st for a subject and/or a canonical
 * link ("k=v") in the open transaction and recomputes the records that wait for it. */
kluis_rc kluis__event_fire(struct kluis_engine *e, const struct kluis__tenant_state *st,
                           const char *name, const char *purpose,
                           const struct kluis_subject_ref *subject, const char *link,
                           uint64_t *out_affected, struct kluis_err *err);
/* Exports (engine_records.c): the subject's live records, values opened, as a JSON array (want,
 * when not NULL, picks the categories); the same array as CSV. */
kluis_rc kluis__export_records(struct kluis_engine *e, const char *tenant,
                               const struct kluis_subject_ref *ref,
                               bool (*want)(const struct kluis_engine *, const char *, void *),
                               void *want_ctx, json_t **out_records, struct kluis_err *err);
char *kluis__export_csv(json_t *records);

/* Rights (engine_rights.c). The purpose gate of a read, inside its transaction: refuses
 * (KLUIS_EREFUSED, audited by the caller) what the subject's restriction, objections and
 * consents or the record's approval do not allow; *out_restricted tells that an art. 18(2)
 * ground let the read through. subject NULL: a record without a subject. */
kluis_rc kluis__purpose_gate(struct kluis_engine *e, const char *tenant,
                             const struct kluis_subject_ref *subject, const char *category,
                             uint64_t record, const struct kluis_purpose *pu,
                             enum kluis_ground ground, bool *out_restricted, struct kluis_err *err);
/* The subject a caller names; with must_exist false, a lookup identifier no subject has gives
 * a pseudonym of its own (a request about someone kluis holds nothing on). */
kluis_rc kluis__subject_resolve(struct kluis_engine *e, const char *tenant,
                                const struct kluis_subject_name *n, bool must_exist,
                                struct kluis_subject_ref *out, struct kluis_err *err);
/* kluis__event_fire for a tenant by name (engine_rights.c). */
kluis_rc kluis__event_fire_tenant(struct kluis_engine *e, const char *tenant, const char *name,
                                  const char *purpose, const struct kluis_subject_ref *subject,
                                  const char *link, struct kluis_err *err);
/* Appends a ledger row (engine_rights.c) in the open transaction. */
kluis_rc kluis__ledger_add(struct kluis_engine *e, const char *tenant,
                           const struct kluis_subject_ref *subject, const char *kind,
                           const char *purpose, const char *note, uint64_t request,
                           struct kluis_err *err);
/* The subject's standing: restricted, and per purpose the consent and the objection in force. */
struct kluis__standing {
    bool restricted;
    int consent;   /* for the asked purpose: 0 never given, 1 given, -1 withdrawn */
    int objection; /* for the asked purpose: 0 none, 1 stop, 2 continue */
};
kluis_rc kluis__standing(struct kluis_engine *e, const char *tenant,
                         const struct kluis_subject_ref *subject, const char *purpose,
                         struct kluis__standing *out, struct kluis_err *err);

/* Erasure (engine_erase.c) of a subject given by its pseudonym: inside the caller's transaction
 * (report empty, filled), or in a transaction of its own. */
kluis_rc kluis__erase_in_txn(struct kluis_engine *e, const char *tenant,
                             const struct kluis_subject_ref *subject,
                             struct kluis_erase_report *report, struct kluis_err *err);
kluis_rc kluis__subject_erase_ref(struct kluis_engine *e, const char *tenant,
                                  const struct kluis_subject_ref *subject,
                                  struct kluis_erase_report **out_report, struct kluis_err *err);

#endif /* KLUIS_ENGINE_INTERNAL_H */
