/*
 * A fault-injecting backend for atomicity tests: it forwards every call to an inner backend,
 * except that the nth call of one operation fails with KLUIS_EIO, and every call after it fails
 * too, as a crashed disk would. Like SQLite's test_vfs.c, it is just another backend.
 *
 * The configuration is process-global: tests set it up, open a store, run, close.
 */
#include "store/store_internal.h"

#include <string.h>

static struct {
    const struct kluis_store_backend *inner;
    char op[32];
    unsigned nth;
    unsigned seen;
    bool failed;
} fault;

static struct kluis_store_backend faulty;

/* True when this call must fail; counts calls of the chosen operation. */
static bool trip(const char *op)
{
    if (fault.failed)
        return true;
    if (strcmp(fault.op, "*") == 0 || strcmp(fault.op, op) == 0) {
        if (++fault.seen == fault.nth) {
            fault.failed = true;
            return true;
        }
    }
    return false;
}

static kluis_rc tripped(struct kluis_err *err, const char *op)
{
    return kluis_err_set(err, KLUIS_EIO, "store: injected fault in %s", op);
}

static kluis_rc f_open(void *obj, const char *location, const struct kluis_keyring *keys,
                       struct kluis_err *err)
{
    fault.seen = 0;
    fault.failed = false;
    return fault.inner->open(obj, location, keys, err);
}

static void f_close(void *obj)
{
    fault.inner->close(obj);
}

static void f_rollback(void *obj)
{
    fault.inner->rollback(obj);
}

/* Forwarders: the same shape for every operation that can fail. */
#define FWD0(name)                                                                                 \
    static kluis_rc f_##name(void *obj, struct kluis_err *err)                                     \
    {                                                                                              \
        return trip(#name) ? tripped(err, #name) : fault.inner->name(obj, err);                    \
    }
#define FWD(name, params, args)                                                                    \
    static kluis_rc f_##name params                                                                \
    {                                                                                              \
        return trip(#name) ? tripped(err, #name) : fault.inner->name args;                         \
    }

FWD0(begin)
FWD0(commit)
FWD(id, (void *obj, uint8_t id[16], struct kluis_err *err), (obj, id, err))
FWD(erasure_apply,
    (void *obj, uint64_t seq, const char *t, const struct kluis_subject_ref *s, const char *c,
     uint64_t *n, struct kluis_err *err),
    (obj, seq, t, s, c, n, err))
FWD(erasures_applied, (void *obj, uint64_t *seq, struct kluis_err *err), (obj, seq, err))
FWD(audit_append, (void *obj, const struct kluis_audit_row *r, size_t n, struct kluis_err *err),
    (obj, r, n, err))
FWD(audit_scan,
    (void *obj, uint64_t from, uint64_t to, const char *t, kluis_audit_fn fn, void *ctx,
     struct kluis_err *err),
    (obj, from, to, t, fn, ctx, err))
FWD(audit_leaves,
    (void *obj, uint64_t from, uint64_t to, uint8_t (*out)[32], struct kluis_err *err),
    (obj, from, to, out, err))
FWD(audit_prune, (void *obj, int64_t before, uint64_t *n, struct kluis_err *err),
    (obj, before, n, err))
FWD(checkpoint_put, (void *obj, uint64_t size, const char *note, struct kluis_err *err),
    (obj, size, note, err))
FWD(checkpoints_scan,
    (void *obj, uint64_t from, uint64_t to, int (*fn)(void *, uint64_t, const char *), void *ctx,
     struct kluis_err *err),
    (obj, from, to, fn, ctx, err))
FWD(meta_get,
    (void *obj, const char *key, void *buf, size_t cap, size_t *len, struct kluis_err *err),
    (obj, key, buf, cap, len, err))
FWD(meta_put, (void *obj, const char *key, const void *v, size_t n, struct kluis_err *err),
    (obj, key, v, n, err))
FWD(doomed_keys, (void *obj, int64_t *nos, size_t cap, size_t *n, struct kluis_err *err),
    (obj, nos, cap, n, err))
FWD(doomed_keys_done, (void *obj, const int64_t *nos, size_t n, struct kluis_err *err),
    (obj, nos, n, err))
FWD(legacy_secret, (void *obj, bool drop, uint8_t k[32], struct kluis_err *err),
    (obj, drop, k, err))
FWD(tenant_insert, (void *obj, const struct kluis_tenant_row *t, struct kluis_err *err),
    (obj, t, err))
FWD(tenant_get, (void *obj, const char *t, kluis_tenant_fn fn, void *ctx, struct kluis_err *err),
    (obj, t, fn, ctx, err))
FWD(tenants_scan, (void *obj, kluis_tenant_fn fn, void *ctx, struct kluis_err *err),
    (obj, fn, ctx, err))
FWD(setting_put, (void *obj, const struct kluis_setting_row *s, struct kluis_err *err),
    (obj, s, err))
FWD(settings_scan,
    (void *obj, const char *t, kluis_setting_fn fn, void *ctx, struct kluis_err *err),
    (obj, t, fn, ctx, err))
FWD(record_insert,
    (void *obj, const struct kluis_record_row *r, uint64_t *id, struct kluis_err *err),
    (obj, r, id, err))
FWD(record_get,
    (void *obj, const char *t, uint64_t id, kluis_record_fn fn, void *ctx, struct kluis_err *err),
    (obj, t, id, fn, ctx, err))
FWD(record_retain,
    (void *obj, const char *t, uint64_t id, int64_t ex, int64_t fl, bool held,
     struct kluis_err *err),
    (obj, t, id, ex, fl, held, err))
FWD(record_delete, (void *obj, const char *t, uint64_t id, struct kluis_err *err),
    (obj, t, id, err))
FWD(records_scan,
    (void *obj, const struct kluis_record_filter *f, kluis_record_fn fn, void *ctx,
     struct kluis_err *err),
    (obj, f, fn, ctx, err))
FWD(event_insert, (void *obj, const struct kluis_event_row *r, uint64_t *id, struct kluis_err *err),
    (obj, r, id, err))
FWD(events_for_record,
    (void *obj, const char *t, const struct kluis_subject_ref *s, const char *l, kluis_event_fn fn,
     void *ctx, struct kluis_err *err),
    (obj, t, s, l, fn, ctx, err))
FWD(hold_insert, (void *obj, const struct kluis_hold_row *r, uint64_t *id, struct kluis_err *err),
    (obj, r, id, err))
FWD(hold_release, (void *obj, uint64_t id, int64_t at, struct kluis_err *err), (obj, id, at, err))
FWD(holds_scan, (void *obj, const char *t, kluis_hold_fn fn, void *ctx, struct kluis_err *err),
    (obj, t, fn, ctx, err))
FWD(hold_get, (void *obj, uint64_t id, kluis_hold_fn fn, void *ctx, struct kluis_err *err),
    (obj, id, fn, ctx, err))
FWD(purge, (void *obj, int64_t now, bool dry, kluis_purge_fn fn, void *ctx, struct kluis_err *err),
    (obj, now, dry, fn, ctx, err))
FWD(oldest_expiry, (void *obj, int64_t after, int64_t *out, struct kluis_err *err),
    (obj, after, out, err))
FWD(records_count,
    (void *obj, int64_t now, const char *t, kluis_record_count_fn fn, void *ctx,
     struct kluis_err *err),
    (obj, now, t, fn, ctx, err))
FWD(receipt_insert, (void *obj, int64_t at, const char *json, struct kluis_err *err),
    (obj, at, json, err))

FWD(record_rewrite,
    (void *obj, const char *t, uint64_t id, const void *v, size_t n, struct kluis_err *err),
    (obj, t, id, v, n, err))
FWD(request_insert,
    (void *obj, const struct kluis_request_row *r, uint64_t *id, struct kluis_err *err),
    (obj, r, id, err))
FWD(request_update, (void *obj, const struct kluis_request_row *r, struct kluis_err *err),
    (obj, r, err))
FWD(request_get,
    (void *obj, const char *t, uint64_t id, kluis_request_fn fn, void *ctx, struct kluis_err *err),
    (obj, t, id, fn, ctx, err))
FWD(requests_scan,
    (void *obj, const struct kluis_request_filter *f, kluis_request_fn fn, void *ctx,
     struct kluis_err *err),
    (obj, f, fn, ctx, err))
FWD(ledger_insert,
    (void *obj, const struct kluis_ledger_row *r, uint64_t *id, struct kluis_err *err),
    (obj, r, id, err))
FWD(ledger_scan,
    (void *obj, const char *t, const struct kluis_subject_ref *s, kluis_ledger_fn fn, void *ctx,
     struct kluis_err *err),
    (obj, t, s, fn, ctx, err))
FWD(approval_put, (void *obj, const struct kluis_approval_row *r, struct kluis_err *err),
    (obj, r, err))
FWD(approvals_scan,
    (void *obj, const char *t, uint64_t rec, kluis_approval_fn fn, void *ctx,
     struct kluis_err *err),
    (obj, t, rec, fn, ctx, err))
FWD(ident_put,
    (void *obj, const char *t, const char *k, const struct kluis_subject_ref *i,
     const struct kluis_subject_ref *s, struct kluis_err *err),
    (obj, t, k, i, s, err))
FWD(ident_find,
    (void *obj, const char *t, const char *k, const struct kluis_subject_ref *i,
     struct kluis_subject_ref *s, struct kluis_err *err),
    (obj, t, k, i, s, err))
FWD(apikey_insert,
    (void *obj, const struct kluis_apikey_row *r, uint64_t *id, struct kluis_err *err),
    (obj, r, id, err))
FWD(apikey_find,
    (void *obj, const uint8_t h[32], kluis_apikey_fn fn, void *ctx, struct kluis_err *err),
    (obj, h, fn, ctx, err))
FWD(apikeys_scan,
    (void *obj, bool all, const char *t, kluis_apikey_fn fn, void *ctx, struct kluis_err *err),
    (obj, all, t, fn, ctx, err))
FWD(apikey_revoke,
    (void *obj, bool all, const char *t, uint64_t id, int64_t at, struct kluis_err *err),
    (obj, all, t, id, at, err))

const struct kluis_store_backend *kluis_store_faulty(const struct kluis_store_backend *inner,
                                                     const char *op, unsigned nth)
{
    fault.inner = inner;
    strncpy(fault.op, op ? op : "*", sizeof(fault.op) - 1);
    fault.op[sizeof(fault.op) - 1] = '\0';
    fault.nth = nth;
    fault.seen = 0;
    fault.failed = false;
    faulty = (struct kluis_store_backend){
        .version = KLUIS_STORE_BACKEND_VERSION,
        .name = "faulty",
        .obj_size = inner->obj_size,
        .open = f_open,
        .close = f_close,
        .begin = f_begin,
        .commit = f_commit,
        .rollback = f_rollback,
        .id = f_id,
        .erasure_apply = f_erasure_apply,
        .erasures_applied = f_erasures_applied,
        .audit_append = f_audit_append,
        .audit_scan = f_audit_scan,
        .audit_leaves = f_audit_leaves,
        .audit_prune = f_audit_prune,
        .checkpoint_put = f_checkpoint_put,
        .checkpoints_scan = f_checkpoints_scan,
        .meta_get = f_meta_get,
        .meta_put = f_meta_put,
        .doomed_keys = f_doomed_keys,
        .doomed_keys_done = f_doomed_keys_done,
        .legacy_secret = f_legacy_secret,
        .tenant_insert = f_tenant_insert,
        .tenant_get = f_tenant_get,
        .tenants_scan = f_tenants_scan,
        .setting_put = f_setting_put,
        .settings_scan = f_settings_scan,
        .record_insert = f_record_insert,
        .record_get = f_record_get,
        .record_retain = f_record_retain,
        .record_delete = f_record_delete,
        .records_scan = f_records_scan,
        .event_insert = f_event_insert,
        .events_for_record = f_events_for_record,
        .hold_insert = f_hold_insert,
        .hold_release = f_hold_release,
        .holds_scan = f_holds_scan,
        .hold_get = f_hold_get,
        .purge = f_purge,
        .oldest_expiry = f_oldest_expiry,
        .records_count = f_records_count,
        .receipt_insert = f_receipt_insert,
        .record_rewrite = f_record_rewrite,
        .request_insert = f_request_insert,
        .request_update = f_request_update,
        .request_get = f_request_get,
        .requests_scan = f_requests_scan,
        .ledger_insert = f_ledger_insert,
        .ledger_scan = f_ledger_scan,
        .approval_put = f_approval_put,
        .approvals_scan = f_approvals_scan,
        .ident_put = f_ident_put,
        .ident_find = f_ident_find,
        .apikey_insert = f_apikey_insert,
        .apikey_find = f_apikey_find,
        .apikeys_scan = f_apikeys_scan,
        .apikey_revoke = f_apikey_revoke,
    };
    return &faulty;
}
