/*
 * API keys: who calls kluis serve. A key is 32 random bytes shown once in base64url; the store
 * keeps HMAC-SHA256(engine secret, "kluis apikey v1" || key), so a copy of the store does not
 * give a key that works, and a lookup by that hash needs no comparison of secrets.
 */
#include "engine/engine_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static const char *const role_names[] = {"app", "approver", "dpo", "admin"};
#define N_ROLES (sizeof(role_names) / sizeof(role_names[0]))

bool kluis_key_role_parse(const char *s, enum kluis_key_role *out)
{
    for (size_t i = 0; s && i < N_ROLES; i++)
        if (strcmp(s, role_names[i]) == 0) {
            *out = (enum kluis_key_role)i;
            return true;
        }
    return false;
}

const char *kluis_key_role_name(enum kluis_key_role r)
{
    return (unsigned)r < N_ROLES ? role_names[r] : "?";
}

static void key_hash(const struct kluis_engine *e, const char *key, size_t len, uint8_t out[32])
{
    uint8_t msg[15 + 64];
    memcpy(msg, "kluis apikey v1", 15);
    memcpy(msg + 15, key, len);
    kluis_hmac_sha256(e->secret, sizeof(e->secret), msg, 15 + len, out);
    OPENSSL_cleanse(msg, sizeof(msg));
}

static bool name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return false;
    return true;
}

struct create_ctx {
    struct kluis_apikey_row row;
    uint64_t id;
};

static kluis_rc create_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct create_ctx *c = vctx;
    kluis_rc rc = e->be->apikey_insert(e->obj, &c->row, &c->id, err);
    if (rc)
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "key", json_integer((json_int_t)c->id));
    json_object_set_new(x, "role", json_string(c->row.role));
    json_object_set_new(x, "principal", json_string(c->row.name));
    return kluis__audit(e, "apikey.create", c->row.tenant, NULL, NULL, 0, x, "ok", err);
}

kluis_rc kluis_apikey_create(struct kluis_engine *e, const char *tenant, enum kluis_key_role role,
                             const char *name, char out_key[KLUIS_APIKEY_TEXT], uint64_t *out_id,
                             struct kluis_err *err)
{
    if ((unsigned)role >= N_ROLES)
        return kluis_err_set(err, KLUIS_EINVAL, "unknown role");
    if (!name_valid(name))
        return kluis_err_set(err, KLUIS_EINVAL,
                             "a key names its principal: 1 to 128 bytes, no control characters");
    kluis_rc rc = tenant ? kluis__tenant_known(e, tenant, err) : KLUIS_OK;
    if (rc)
        return rc;
    uint8_t raw[32];
    if ((rc = kluis_random(raw, sizeof(raw), err)))
        return rc;
    char key[KLUIS_APIKEY_TEXT];
    kluis_b64_encode(KLUIS_B64_URL, raw, sizeof(raw), key);
    OPENSSL_cleanse(raw, sizeof(raw));
    struct create_ctx c = {
        .row = {.tenant = tenant, .role = role_names[role], .name = name, .created = e->now}};
    key_hash(e, key, strlen(key), c.row.hash);
    if ((rc = kluis__engine_txn(e, create_body, &c, err)) == KLUIS_OK) {
        memcpy(out_key, key, sizeof(key));
        if (out_id)
            *out_id = c.id;
    }
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

static int principal_cb(void *ctx, const struct kluis_apikey_row *r)
{
    struct kluis_principal *p = ctx;
    if (r->revoked)
        return 1; /* key_id stays 0: refused */
    p->key_id = r->id;
    p->operator_key = r->tenant == NULL;
    snprintf(p->tenant, sizeof(p->tenant), "%s", r->tenant ? r->tenant : "");
    kluis_key_role_parse(r->role, &p->role);
    snprintf(p->name, sizeof(p->name), "%s", r->name);
    return 1;
}

kluis_rc kluis_apikey_authenticate(struct kluis_engine *e, const char *key, size_t len,
                                   struct kluis_principal *out, struct kluis_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!key || len != KLUIS_APIKEY_TEXT - 1)
        return kluis_err_set(err, KLUIS_EREFUSED, "invalid or revoked API key");
    uint8_t hash[32];
    key_hash(e, key, len, hash);
    kluis_rc rc = e->be->apikey_find(e->obj, hash, principal_cb, out, NULL);
    if (rc == KLUIS_ENOTFOUND || (rc == KLUIS_OK && !out->key_id)) {
        memset(out, 0, sizeof(*out));
        return kluis_err_set(err, KLUIS_EREFUSED, "invalid or revoked API key");
    }
    if (rc)
        return kluis_err_set(err, rc, "the key store cannot be read");
    return KLUIS_OK;
}

static int list_cb(void *ctx, const struct kluis_apikey_row *r)
{
    json_t *a = ctx;
    char t[32];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)r->id));
    json_object_set_new(o, "tenant", r->tenant ? json_string(r->tenant) : json_null());
    json_object_set_new(o, "role", json_string(r->role));
    json_object_set_new(o, "name", json_string(r->name));
    json_object_set_new(o, "created", json_string(kluis_time_format(r->created, t, sizeof(t))));
    json_object_set_new(o, "revoked",
                        r->revoked ? json_string(kluis_time_format(r->revoked_at, t, sizeof(t)))
                                   : json_null());
    json_array_append_new(a, o);
    return 0;
}

kluis_rc kluis_apikey_list(struct kluis_engine *e, bool all, const char *tenant, char **out_json,
                           struct kluis_err *err)
{
    json_t *a = json_array();
    kluis_rc rc = e->be->apikeys_scan(e->obj, all, tenant, list_cb, a, err);
    if (rc == KLUIS_OK && !(*out_json = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    json_decref(a);
    return rc;
}

struct revoke_ctx {
    bool all;
    const char *tenant;
    uint64_t id;
};

static kluis_rc revoke_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct revoke_ctx *c = vctx;
    kluis_rc rc = e->be->apikey_revoke(e->obj, c->all, c->tenant, c->id, e->now, err);
    if (rc)
        return rc;
    json_t *x = json_object();
    json_object_set_new(x, "key", json_integer((json_int_t)c->id));
    return kluis__audit(e, "apikey.revoke", c->tenant, NULL, NULL, 0, x, "ok", err);
}

kluis_rc kluis_apikey_revoke(struct kluis_engine *e, bool all, const char *tenant, uint64_t id,
                             struct kluis_err *err)
{
    struct revoke_ctx c = {all, tenant, id};
    return kluis__engine_txn(e, revoke_body, &c, err);
}
