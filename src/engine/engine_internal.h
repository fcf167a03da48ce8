/*
 * engine — internal header: what the engine's files share. The contract is
 * include/kluis/engine.h.
 */
#ifndef KLUIS_ENGINE_INTERNAL_H
#define KLUIS_ENGINE_INTERNAL_H

#include <jansson.h>

#include "kluis/engine.h"
#include "kluis/kluis.h"

/* The audit log's state in an engine (engine_audit.c). */
struct kluis__audit {
    bool ready;
    struct kluis_merkle range; /* committed */
    struct kluis_merkle next;  /* with the flushed entries, until the commit */
    bool flushed;
    bool head_ok;                    /* the committed head is the one last signed (checked once) */
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

#endif /* KLUIS_ENGINE_INTERNAL_H */
