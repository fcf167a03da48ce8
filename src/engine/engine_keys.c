/*
 * Key operations through the engine: each runs in one engine transaction with its audit entry
 * (the key store commits first, then the data store with the entry).
 */
#include "engine/engine_internal.h"

#include <stdio.h>

struct kluis_keys *kluis_engine_keys(struct kluis_engine *e)
{
    return e->keys;
}

struct init_ctx {
    size_t created;
};

static kluis_rc init_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct init_ctx *c = vctx;
    json_t *made = json_array();
    size_t n = kluis_policy_n_key_classes(e->policy);
    kluis_rc rc = KLUIS_OK;
    for (size_t i = 0; i <= n && rc == KLUIS_OK; i++) {
        const char *cls =
            i < n ? kluis_policy_key_class(e->policy, i)->id : KLUIS_KEY_CLASS_DEFAULT;
        bool created = false;
        rc = kluis_keys_class_init(e->keys, cls, e->now, &created, err);
        if (created) {
            c->created++;
            json_array_append_new(made, json_string(cls));
        }
    }
    if (rc) {
        json_decref(made);
        return rc;
    }
    json_t *x = json_object();
    json_object_set_new(x, "classes", made);
    return kluis__audit(e, "keys.init", NULL, NULL, NULL, 0, x, "ok", err);
}

kluis_rc kluis_engine_keys_init(struct kluis_engine *e, size_t *out_created, struct kluis_err *err)
{
    struct init_ctx c = {0};
    kluis_rc rc = kluis__engine_txn(e, init_body, &c, err);
    if (rc == KLUIS_OK && out_created)
        *out_created = c.created;
    return rc;
}

struct class_ctx {
    const char *cls;
    int version;
    uint64_t n;
};

static kluis_rc rotate_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct class_ctx *c = vctx;
    kluis_rc rc = kluis_keys_rotate(e->keys, c->cls, e->now, &c->version, err);
    if (rc)
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "class", json_string(c->cls));
    json_object_set_new(x, "version", json_integer(c->version));
    return kluis__audit(e, "keys.rotate", NULL, NULL, NULL, 0, x, "ok", err);
}

kluis_rc kluis_engine_keys_rotate(struct kluis_engine *e, const char *cls, int *out_version,
                                  struct kluis_err *err)
{
    struct class_ctx c = {.cls = cls};
    kluis_rc rc = kluis__engine_txn(e, rotate_body, &c, err);
    if (rc == KLUIS_OK && out_version)
        *out_version = c.version;
    return rc;
}

static kluis_rc rewrap_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct class_ctx *c = vctx;
    kluis_rc rc = kluis_keys_rewrap(e->keys, &c->n, err);
    if (rc)
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "rewrapped", json_integer((json_int_t)c->n));
    return kluis__audit(e, "keys.rewrap", NULL, NULL, NULL, 0, x, "ok", err);
}

kluis_rc kluis_engine_keys_rewrap(struct kluis_engine *e, uint64_t *out_rewrapped,
                                  struct kluis_err *err)
{
    struct class_ctx c = {0};
    kluis_rc rc = kluis__engine_txn(e, rewrap_body, &c, err);
    if (rc == KLUIS_OK && out_rewrapped)
        *out_rewrapped = c.n;
    return rc;
}

static kluis_rc retire_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct class_ctx *c = vctx;
    kluis_rc rc = kluis_keys_retire(e->keys, c->cls, c->version, e->now, err);
    if (rc)
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "class", json_string(c->cls));
    json_object_set_new(x, "version", json_integer(c->version));
    return kluis__audit(e, "keys.retire", NULL, NULL, NULL, 0, x, "ok", err);
}

kluis_rc kluis_engine_keys_retire(struct kluis_engine *e, const char *cls, int version,
                                  struct kluis_err *err)
{
    struct class_ctx c = {.cls = cls, .version = version};
    return kluis__engine_txn(e, retire_body, &c, err);
}
