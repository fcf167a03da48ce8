/*
 * Opening stores: URL schemes to backends, and the backend-independent handle.
 */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

kluis_rc kluis_store_open_backend(const struct kluis_store_backend *backend, const char *location,
                                  const struct kluis_keyring *keys, struct kluis_store **out_store,
                                  struct kluis_err *err)
{
    if (!backend || backend->version != KLUIS_STORE_BACKEND_VERSION)
        return kluis_err_set(err, KLUIS_EUNSUPPORTED, "store backend version mismatch");
    if (!location || !*location)
        return kluis_err_set(err, KLUIS_EINVAL, "no store location given");
    struct kluis_store *s = calloc(1, sizeof(*s));
    if (!s)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    s->backend = backend;
    s->obj = calloc(1, backend->obj_size ? backend->obj_size : 1);
    if (!s->obj) {
        free(s);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    }
    kluis_rc rc = backend->open(s->obj, location, keys, err);
    if (rc != KLUIS_OK) {
        free(s->obj);
        free(s);
        return rc;
    }
    *out_store = s;
    return KLUIS_OK;
}

kluis_rc kluis_store_open(const char *url, const struct kluis_keyring *keys,
                          struct kluis_store **out_store, struct kluis_err *err)
{
    if (!url || !*url)
        return kluis_err_set(err, KLUIS_EINVAL, "no store URL given");
    if (strncmp(url, "sqlite:", 7) == 0)
        return kluis_store_open_backend(&kluis_store_sqlite, url + 7, keys, out_store, err);
    if (strncmp(url, "postgresql:", 11) == 0 || strncmp(url, "postgres:", 9) == 0) {
        kluis_err_set(err, KLUIS_EUNSUPPORTED, "this kluis has no PostgreSQL backend yet");
        kluis_err_hint(err, "use sqlite:PATH");
        return KLUIS_EUNSUPPORTED;
    }
    const char *colon = strchr(url, ':');
    const char *slash = strchr(url, '/');
    if (colon && (!slash || colon < slash)) {
        kluis_err_set(err, KLUIS_EINVAL, "unknown store scheme in '%.*s'", (int)(colon - url), url);
        kluis_err_hint(err, "this kluis knows sqlite:PATH");
        return KLUIS_EINVAL;
    }
    /* A bare path is a SQLite file. */
    return kluis_store_open_backend(&kluis_store_sqlite, url, keys, out_store, err);
}

void kluis_store_close(struct kluis_store *s)
{
    if (!s)
        return;
    s->backend->close(s->obj);
    free(s->obj);
    free(s);
}

const struct kluis_store_backend *kluis_store_backend(const struct kluis_store *s)
{
    return s->backend;
}

void *kluis_store_obj(struct kluis_store *s)
{
    return s->obj;
}

bool kluis_links_next(const char **cursor, const char **out_line, size_t *out_len)
{
    const char *l = *cursor ? *cursor : "";
    while (*l == '\n')
        l++;
    if (!*l) {
        *cursor = l;
        return false;
    }
    size_t n = strcspn(l, "\n");
    *out_line = l;
    *out_len = n;
    *cursor = l + n;
    return true;
}
