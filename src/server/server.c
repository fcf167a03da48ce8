/*
 * kluis serve: the connection plumbing on libmicrohttpd (a thread pool on epoll). A request is
 * matched to a route, its bearer key authenticated, its role checked, its JSON body read (bounded)
 * and parsed, and then its handler runs with the engine to itself. Every answer is JSON or the
 * document asked for; errors are {"error":{"code","message"}} and never carry internals.
 */
#include "server/server_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/util.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- Responses ------------------------------------------------------------------------------ */

void kluis__reply_text(struct call *c, unsigned status, const char *ctype, char *text, size_t len)
{
    free(c->resp);
    c->status = status;
    c->resp = text;
    c->resp_len = len;
    c->ctype = ctype;
}

void kluis__reply_json(struct call *c, unsigned status, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!s) {
        kluis__reply_error(c, 500, "internal", "out of memory");
        return;
    }
    kluis__reply_text(c, status, "application/json", s, strlen(s));
}

void kluis__reply_error(struct call *c, unsigned status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *o = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    c->error_code = code;
    if (!s) {
        static const char oom[] =
            "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}";
        s = strdup(oom);
        status = 500;
    }
    kluis__reply_text(c, status, "application/json", s, s ? strlen(s) : 0);
}

/*
 * The engine's messages are shared with the command line, and some name its options ("give a
 * reason (--reason TEXT)") or commands ("kluis request verify 12"). Over HTTP they name the API's
 * members, query parameters and routes instead; the CLI keeps its words. '#' stands for a run of
 * digits (an id), repeated where the replacement has one. tests/http checks that every error the
 * API gives is free of command-line words, and drives each of these.
 */
static const struct {
    const char *cli, *api;
} api_words[] = {
    {"(--method)", "(\"method\")"},
    {"(--reason TEXT)", "(\"reason\")"},
    {"(--record ID --value TEXT)", "(\"records\": [{\"id\", \"value\"}])"},
    {"with --subject-told", "with \"subject_told\": true"},
    {"(--text-version)", "(\"text_version\")"},
    {"(--ground ", "(?ground="},
    {"(e.g. --link draft=981)", "(e.g. \"links\": {\"draft\": \"981\"})"},
    {"(--by USER, 1 to 128 bytes)", "(the key's principal, 1 to 128 bytes)"},
    {"kluis request forward #", "POST /v1/requests/#/forward"},
    {"kluis request verify #", "POST /v1/requests/#/verify"},
    {"kluis approval approve # --by USER", "POST /v1/approvals/#/approve with an approver's key"},
};

/* Whether pattern p (with '#' for digits) matches at s; the digits and the length matched. */
static bool words_match(const char *p, const char *s, const char **out_digits, size_t *out_nd,
                        size_t *out_len)
{
    const char *start = s;
    *out_nd = 0;
    for (; *p; p++) {
        if (*p == '#') {
            size_t n = strspn(s, "0123456789");
            if (!n)
                return false;
            *out_digits = s;
            *out_nd = n;
            s += n;
        } else if (*s++ != *p) {
            return false;
        }
    }
    *out_len = (size_t)(s - start);
    return true;
}

/* m in the API's words, into out (cut to fit). */
static void api_message(const char *m, char *out, size_t cap)
{
    size_t o = 0;
    while (*m && o + 1 < cap) {
        size_t i, len = 0, nd = 0;
        const char *digits = NULL;
        for (i = 0; i < sizeof(api_words) / sizeof(api_words[0]); i++)
            if (words_match(api_words[i].cli, m, &digits, &nd, &len))
                break;
        if (i == sizeof(api_words) / sizeof(api_words[0])) {
            out[o++] = *m++;
            continue;
        }
        for (const char *r = api_words[i].api; *r && o + 1 < cap; r++) {
            if (*r != '#') {
                out[o++] = *r;
                continue;
            }
            for (size_t k = 0; k < nd && o + 1 < cap; k++)
                out[o++] = digits[k];
        }
        m += len;
    }
    out[o] = '\0';
}

void kluis__reply_rc(struct call *c, kluis_rc rc, const struct kluis_err *err)
{
    char m[512];
    api_message(err && err->message[0] ? err->message : kluis_rc_message(rc), m, sizeof(m));
    switch (rc) {
    case KLUIS_EINVAL:
    case KLUIS_EPARSE:
        kluis__reply_error(c, 400, "invalid", "%s", m);
        break;
    case KLUIS_ETOOBIG:
        kluis__reply_error(c, 413, "too_big", "%s", m);
        break;
    case KLUIS_ENOTFOUND:
        kluis__reply_error(c, 404, "not_found", "%s", m);
        break;
    case KLUIS_EEXIST:
        kluis__reply_error(c, 409, "exists", "%s", m);
        break;
    case KLUIS_EREFUSED:
    case KLUIS_EPOLICY:
    case KLUIS_EUNSUPPORTED:
        kluis__reply_error(c, 422, "refused", "%s", m);
        break;
    default:
        /* Never internals: the operator's log has the code, the client a generic sentence. */
        kluis__reply_error(c, 500, "internal", "internal error");
        if (c->s->cfg.log) {
            flockfile(c->s->cfg.log);
            fprintf(c->s->cfg.log, "{\"level\":\"error\",\"rc\":\"%s\"}\n", kluis_rc_name(rc));
            funlockfile(c->s->cfg.log);
        }
        break;
    }
}

const char *kluis__query(struct call *c, const char *name)
{
    return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ---- Routing -------------------------------------------------------------------------------- */

/* Matches url against a pattern ("/v1/records/{id}"), taking the {…} segments into params. */
static bool path_match(const char *pattern, const char *url, struct call *c)
{
    size_t np = 0;
    while (*pattern && *url) {
        if (*pattern == '{') {
            const char *pe = strchr(pattern, '}');
            size_t n = strcspn(url, "/");
            if (!pe || n == 0 || n >= sizeof(c->params[0]) || np == MAX_PARAMS)
                return false;
            memcpy(c->params[np], url, n);
            c->params[np++][n] = '\0';
            pattern = pe + 1;
            url += n;
            continue;
        }
        if (*pattern != *url)
            return false;
        pattern++;
        url++;
    }
    return *pattern == '\0' && *url == '\0';
}

/* Finds the route; *out_path_known tells a 405 from a 404. */
static size_t route_find(struct call *c, const char *method, const char *url, bool *out_path_known)
{
    *out_path_known = false;
    for (size_t i = 0; i < kluis__n_routes; i++) {
        if (!path_match(kluis__routes[i].path, url, c))
            continue;
        *out_path_known = true;
        if (strcmp(kluis__routes[i].method, method) == 0)
            return i;
    }
    return kluis__n_routes;
}

/* ---- Rate limits ---------------------------------------------------------------------------- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Whom the address limit counts: the client's IPv4 address, or its IPv6 /64 (one host usually has
 * a whole /64, so a finer id would let it change its address to get a fresh bucket). */
static struct kluis__limit_id address_id(struct call *c)
{
    struct kluis__limit_id id;
    memset(&id, 0, sizeof(id));
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info ? info->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET) {
        id.b[0] = 4;
        memcpy(id.b + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            id.b[0] = 4;
            memcpy(id.b + 1, a->s6_addr + 12, 4);
        } else {
            id.b[0] = 6;
            memcpy(id.b + 1, a->s6_addr, 8);
        }
    }
    return id;
}

/* Counts one request against a limiter (take) or only looks; false, with the 429 set, when it is
 * over. */
static bool within_limit(struct call *c, struct kluis__limiter *l, const struct kluis__limit_id *id,
                         bool take, bool by_key)
{
    unsigned retry = 0;
    if (!l || kluis__limiter_admit(l, id, now_ns(), take, &retry))
        return true;
    struct kluis_server *s = c->s;
    pthread_mutex_lock(&s->mlock);
    if (by_key)
        s->limited_key++;
    else
        s->limited_address++;
    pthread_mutex_unlock(&s->mlock);
    c->retry_after_s = retry;
    if (by_key)
        kluis__reply_error(c, 429, "rate_limited",
                           "too many requests with this API key (at most %u a second, in bursts "
                           "of %u): retry after %u s",
                           s->cfg.rate_limit, s->cfg.rate_burst, retry);
    else
        kluis__reply_error(c, 429, "rate_limited",
                           "too many requests without a valid API key from this address: retry "
                           "after %u s",
                           retry);
    return false;
}

/* A request without a valid key: counted against its address (401 until the address is over its
 * limit, then 429). */
static void unauthenticated(struct call *c, const char *message)
{
    struct kluis__limit_id id = address_id(c);
    if (within_limit(c, c->s->by_address, &id, true, false))
        kluis__reply_error(c, 401, "unauthenticated", "%s", message);
}

/* Authentication and authorisation; false when an error response was set. */
static bool admit(struct call *c)
{
    const struct route *r = c->route;
    if (r->scope == SCOPE_PUBLIC)
        return true;
    /* An address that sent too many requests without a valid key is refused before its key is
     * looked up: that lookup takes the engine's lock, which a flood must not hold up. */
    struct kluis__limit_id addr = address_id(c);
    if (!within_limit(c, c->s->by_address, &addr, false, false))
        return false;
    const char *auth = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "Authorization");
    /* The scheme is case-insensitive (RFC 9110, 11.1). */
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) {
        unauthenticated(c, "this route needs an API key: Authorization: Bearer KEY");
        return false;
    }
    const char *key = auth + 7;
    struct kluis_err err = {0};
    pthread_mutex_lock(&c->s->lock);
    kluis_rc rc = kluis_apikey_authenticate(c->s->e, key, strlen(key), &c->who, &err);
    pthread_mutex_unlock(&c->s->lock);
    if (rc == KLUIS_EREFUSED) {
        unauthenticated(c, "invalid or revoked API key");
        return false;
    }
    if (rc) {
        kluis__reply_rc(c, rc, NULL);
        return false;
    }
    struct kluis__limit_id kid;
    memset(&kid, 0, sizeof(kid));
    memcpy(kid.b, &c->who.key_id, sizeof(c->who.key_id));
    if (!within_limit(c, c->s->by_key, &kid, true, true))
        return false;
    if (!(r->roles & (1u << c->who.role))) {
        kluis__reply_error(c, 403, "forbidden", "a key of role '%s' may not use %s %s",
                           kluis_key_role_name(c->who.role), r->method, r->path);
        return false;
    }
    if (r->scope == SCOPE_TENANT && c->who.operator_key) {
        kluis__reply_error(c, 403, "forbidden", "%s %s needs a key bound to a tenant", r->method,
                           r->path);
        return false;
    }
    if (r->scope == SCOPE_OPERATOR && !c->who.operator_key) {
        kluis__reply_error(c, 403, "forbidden", "%s %s is the operator's (an operator key)",
                           r->method, r->path);
        return false;
    }
    return true;
}

/* Runs the route with the engine to itself. */
static void run(struct call *c)
{
    struct kluis_server *s = c->s;
    if (c->len) {
        const char *ctype =
            MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!ctype || strncmp(ctype, "application/json", 16) != 0) {
            kluis__reply_error(c, 415, "unsupported_media_type",
                               "a request body is JSON (Content-Type: application/json)");
            return;
        }
        json_error_t je;
        c->json = json_loadb(c->body, c->len, JSON_REJECT_DUPLICATES, &je);
        if (!c->json) {
            kluis__reply_error(c, 400, "malformed_json", "line %d, column %d: %s", je.line,
                               je.column, je.text);
            return;
        }
        if (!json_is_object(c->json)) {
            kluis__reply_error(c, 400, "malformed_json", "the body is a JSON object");
            return;
        }
    }
    pthread_mutex_lock(&s->lock);
    if (!s->cfg.fixed_clock)
        kluis_engine_set_now(s->e, (int64_t)time(NULL));
    char actor[160];
    snprintf(actor, sizeof(actor), "api:%s", c->who.name[0] ? c->who.name : "anonymous");
    kluis_engine_set_actor(s->e, actor);
    c->route->fn(c);
    pthread_mutex_unlock(&s->lock);
}

/* ---- Framing -------------------------------------------------------------------------------- */

/*
 * libmicrohttpd answers most malformed requests itself, with HTML, before kluis sees them (see
 * docs/internals/server.md). These it passes on: a request whose body length is ambiguous, which
 * a proxy in front might read otherwise than kluis does (request smuggling, RFC 9112 6.1 and
 * 6.3), and one without its Host. They are answered here, in JSON, and the connection closes.
 */
struct framing {
    unsigned content_length; /* Content-Length headers */
    unsigned transfer_encoding;
    bool chunked_only; /* every Transfer-Encoding is exactly "chunked" */
    unsigned host;
};

static enum MHD_Result framing_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    struct framing *f = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        f->content_length++;
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
        f->host++;
    if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->transfer_encoding++;
        if (!value || strcasecmp(value, "chunked") != 0)
            f->chunked_only = false;
    }
    return MHD_YES;
}

/* False, with the answer set, when the request's framing is ambiguous or unsupported. */
static bool framing_ok(struct call *c, const char *version)
{
    struct framing f = {.chunked_only = true};
    MHD_get_connection_values(c->conn, MHD_HEADER_KIND, framing_cb, &f);
    /* RFC 9112 3.2: an HTTP/1.1 request has exactly one Host, any request at most one.
     * libmicrohttpd checks it only in its strict mode, with an HTML answer. */
    if (f.host > 1 || (f.host == 0 && version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)) {
        c->close = true;
        kluis__reply_error(c, 400, "malformed_request", "an HTTP/1.1 request has one Host header");
        return false;
    }
    if (f.transfer_encoding && !f.chunked_only) {
        c->close = true;
        kluis__reply_error(c, 501, "not_implemented",
                           "the only transfer coding of a request body is chunked");
        return false;
    }
    if (f.content_length > 1 || (f.content_length && f.transfer_encoding)) {
        c->close = true;
        kluis__reply_error(c, 400, "malformed_request",
                           "a request gives its body's length once: one Content-Length, or "
                           "Transfer-Encoding: chunked");
        return false;
    }
    return true;
}

/* ---- libmicrohttpd callbacks ---------------------------------------------------------------- */

static enum MHD_Result send_response(struct call *c)
{
    if (!c->resp)
        kluis__reply_error(c, 500, "internal", "internal error");
    struct MHD_Response *r =
        MHD_create_response_from_buffer(c->resp_len, c->resp, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, c->ctype);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (c->s->tls)
        MHD_add_response_header(r, "Strict-Transport-Security",
                                "max-age=63072000; includeSubDomains");
    if (c->status == 401)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (c->status == 429) {
        char retry[16];
        snprintf(retry, sizeof(retry), "%u", c->retry_after_s ? c->retry_after_s : 1);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    }
    if (c->close)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c->conn, c->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct kluis_server *s = cls;
    struct call *c = *con_cls;
    if (!c) {
        if (!(c = calloc(1, sizeof(*c))))
            return MHD_NO;
        *con_cls = c;
        c->s = s;
        c->conn = conn;
        c->method = method;
        c->url = url;
        c->started = now_s();
        c->route_index = kluis__n_routes; /* no route (yet): counted as "(none)" */
        __atomic_add_fetch(&s->in_flight, 1, __ATOMIC_SEQ_CST);
        c->counted = true;
        if (__atomic_load_n(&s->stopping, __ATOMIC_SEQ_CST)) {
            c->close = true;
            kluis__reply_error(c, 503, "unavailable", "the server is stopping");
            return send_response(c);
        }
        if (!framing_ok(c, version))
            return send_response(c);
        bool known;
        c->route_index = route_find(c, method, url, &known);
        c->route = c->route_index < kluis__n_routes ? &kluis__routes[c->route_index] : NULL;
        if (!c->route) {
            if (known)
                kluis__reply_error(c, 405, "method_not_allowed", "%s is not allowed here", method);
            else
                kluis__reply_error(c, 404, "not_found", "no such route");
            return send_response(c);
        }
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->cfg.body_max) {
            kluis__reply_error(c, 413, "too_big", "a request body is at most %zu bytes",
                               s->cfg.body_max);
            return send_response(c);
        }
        if (!admit(c))
            return send_response(c);
        return MHD_YES;
    }
    if (c->resp) {
        /* Answered already (an early error): drop whatever body comes. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        if (c->too_big || c->len + n > s->cfg.body_max) {
            /* Over the limit: read on and drop, so that a client that sends its whole body
             * still gets the 413 (most do not read before they finish writing); but only so
             * much — past twice the limit the answer goes at once and the connection
             * closes, so that no client can stream for ever. */
            c->too_big = true;
            c->dropped += n;
            *upload_data_size = 0;
            if (c->dropped > s->cfg.body_max) {
                c->close = true;
                kluis__reply_error(c, 413, "too_big", "a request body is at most %zu bytes",
                                   s->cfg.body_max);
                return send_response(c);
            }
            return MHD_YES;
        } else {
            if (c->len + n > c->cap) {
                size_t cap = c->cap ? c->cap : 4096;
                while (cap < c->len + n)
                    cap *= 2;
                char *b = realloc(c->body, cap);
                if (!b)
                    return MHD_NO;
                c->body = b;
                c->cap = cap;
            }
            memcpy(c->body + c->len, upload_data, n);
            c->len += n;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (c->too_big)
        kluis__reply_error(c, 413, "too_big", "a request body is at most %zu bytes",
                           s->cfg.body_max);
    else
        run(c);
    return send_response(c);
}

static const double bucket_le[N_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                            0.05,   0.1,   0.25,   0.5,   1,    2.5};

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    struct kluis_server *s = cls;
    struct call *c = *con_cls;
    if (!c)
        return;
    double dt = now_s() - c->started;
    if (c->counted)
        __atomic_sub_fetch(&s->in_flight, 1, __ATOMIC_SEQ_CST);
    /* No status: the client went away before an answer (class 0, "aborted"). */
    unsigned cls_ = c->status >= 100 && c->status < 600 ? c->status / 100 : 0;
    pthread_mutex_lock(&s->mlock);
    s->counts[c->route_index * 6 + cls_]++;
    size_t b = 0;
    while (b < N_BUCKETS && dt > bucket_le[b])
        b++;
    s->hist[b]++;
    s->latency_sum += dt;
    s->latency_n++;
    pthread_mutex_unlock(&s->mlock);
    if (s->cfg.log) {
        /* The route's pattern, never the URL: no id, no query, nothing personal. */
        char when[32];
        flockfile(s->cfg.log);
        fprintf(s->cfg.log,
                "{\"time\":\"%s\",\"method\":\"%s\",\"route\":\"%s\",\"status\":%u,%s"
                "\"ms\":%.3f,\"key\":%" PRIu64 "%s%s%s}\n",
                kluis_time_format((int64_t)time(NULL), when, sizeof(when)),
                c->route ? c->route->method : "-", c->route ? c->route->path : "(none)", c->status,
                c->status ? "" : "\"aborted\":true,", dt * 1000, c->who.key_id,
                c->error_code ? ",\"error\":\"" : "", c->error_code ? c->error_code : "",
                c->error_code ? "\"" : "");
        fflush(s->cfg.log);
        funlockfile(s->cfg.log);
    }
    json_decref(c->json);
    if (c->body)
        OPENSSL_cleanse(c->body, c->len);
    free(c->body);
    free(c->resp);
    free(c);
    *con_cls = NULL;
}

/* ---- Metrics -------------------------------------------------------------------------------- */

/* A Prometheus label value: backslash, double quote and newline escaped. */
static void put_label(struct kluis_buf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            kluis__buf_putc(b, '\\');
        if (*v == '\n')
            kluis__buf_puts(b, "\\n");
        else
            kluis__buf_putc(b, *v);
    }
}

struct live_counts {
    struct kluis_record_count *lines; /* tenant and category strdup'd */
    size_t n, cap;
    bool oom;
};

static int live_cb(void *ctx, const struct kluis_record_count *c)
{
    struct live_counts *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        void *p = realloc(l->lines, cap * sizeof(*l->lines));
        if (!p) {
            l->oom = true;
            return 1;
        }
        l->lines = p;
        l->cap = cap;
    }
    struct kluis_record_count *x = &l->lines[l->n];
    x->tenant = strdup(c->tenant);
    x->category = strdup(c->category);
    x->n = c->n;
    if (!x->tenant || !x->category) {
        free((char *)x->tenant);
        free((char *)x->category);
        l->oom = true;
        return 1;
    }
    l->n++;
    return 0;
}

static void live_free(struct live_counts *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->lines[i].tenant);
        free((char *)l->lines[i].category);
    }
    free(l->lines);
}

/*
 * The records by category (every category of the policy, 0 where there are none; a category the
 * store still holds but the policy no longer names too) and by tenant and category, counted at
 * the engine's clock through kluis_records_count (no record is read).
 */
static kluis_rc records_metrics(struct kluis_server *s, struct kluis_buf *b, struct kluis_err *err)
{
    struct live_counts l = {0};
    kluis_rc rc = kluis_records_count(s->e, NULL, live_cb, &l, err);
    if (rc == KLUIS_OK && l.oom)
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    if (rc) {
        live_free(&l);
        return rc;
    }
    kluis__buf_puts(b, "# HELP kluis_records Live records by category: not past their expiry at "
                       "the engine's clock, or held.\n# TYPE kluis_records gauge\n");
    size_t n_cat = kluis_policy_n_categories(s->p);
    for (size_t i = 0; i < n_cat; i++) {
        const char *id = kluis_policy_category(s->p, i)->id;
        uint64_t n = 0;
        for (size_t k = 0; k < l.n; k++)
            if (strcmp(l.lines[k].category, id) == 0)
                n += l.lines[k].n;
        kluis__buf_puts(b, "kluis_records{category=\"");
        put_label(b, id);
        kluis__buf_printf(b, "\"} %" PRIu64 "\n", n);
    }
    /* Categories the policy does not name (any more), each once. */
    for (size_t k = 0; k < l.n; k++) {
        const char *id = l.lines[k].category;
        bool seen = kluis_policy_find_category(s->p, id) != NULL;
        for (size_t j = 0; j < k && !seen; j++)
            seen = strcmp(l.lines[j].category, id) == 0;
        if (seen)
            continue;
        uint64_t n = 0;
        for (size_t j = k; j < l.n; j++)
            if (strcmp(l.lines[j].category, id) == 0)
                n += l.lines[j].n;
        kluis__buf_puts(b, "kluis_records{category=\"");
        put_label(b, id);
        kluis__buf_printf(b, "\"} %" PRIu64 "\n", n);
    }
    kluis__buf_puts(b, "# HELP kluis_tenant_records Live records by tenant and category (those "
                       "with any).\n# TYPE kluis_tenant_records gauge\n");
    for (size_t k = 0; k < l.n; k++) {
        kluis__buf_puts(b, "kluis_tenant_records{tenant=\"");
        put_label(b, l.lines[k].tenant);
        kluis__buf_puts(b, "\",category=\"");
        put_label(b, l.lines[k].category);
        kluis__buf_printf(b, "\"} %" PRIu64 "\n", l.lines[k].n);
    }
    live_free(&l);
    return KLUIS_OK;
}

/* The open data-subject requests due within 7 days of the engine's clock (calendar days, in the
 * request's time zone, as kluis_request_list counts them), and those past their due date. */
static kluis_rc request_metrics(struct kluis_server *s, struct kluis_buf *b, struct kluis_err *err)
{
    char *list = NULL;
    kluis_rc rc = kluis_request_list(s->e, NULL, false, &list, err);
    if (rc)
        return rc;
    json_t *a = json_loads(list, 0, NULL);
    free(list);
    if (!json_is_array(a)) {
        json_decref(a);
        return kluis_err_set(err, KLUIS_EINTERNAL, "the request list is not a JSON array");
    }
    unsigned due7 = 0, overdue = 0;
    size_t i;
    json_t *r;
    json_array_foreach(a, i, r)
    {
        json_t *left = json_object_get(r, "days_left"); /* null once closed */
        if (!json_is_integer(left))
            continue;
        if (json_integer_value(left) < 0)
            overdue++;
        else if (json_integer_value(left) <= 7)
            due7++;
    }
    json_decref(a);
    kluis__buf_printf(b,
                      "# HELP kluis_requests_due Open data-subject requests whose due date falls "
                      "within the window from today.\n# TYPE kluis_requests_due gauge\n"
                      "kluis_requests_due{within=\"7d\"} %u\n"
                      "# HELP kluis_requests_overdue Open data-subject requests past their due "
                      "date.\n# TYPE kluis_requests_overdue gauge\nkluis_requests_overdue %u\n",
                      due7, overdue);
    return KLUIS_OK;
}

kluis_rc kluis__metrics_text(struct kluis_server *s, char **out_text, size_t *out_len,
                             struct kluis_err *err)
{
    struct kluis_buf b;
    kluis__buf_init(&b, 0);
    kluis__buf_puts(&b, "# HELP kluis_http_requests_total HTTP requests by route and status "
                        "class.\n# TYPE kluis_http_requests_total counter\n");
    pthread_mutex_lock(&s->mlock);
    for (size_t i = 0; i <= kluis__n_routes; i++)
        for (unsigned k = 0; k <= 5; k++) {
            uint64_t n = s->counts[i * 6 + k];
            static const char *const classes[] = {"aborted", "1xx", "2xx", "3xx", "4xx", "5xx"};
            if (!n)
                continue;
            kluis__buf_printf(&b,
                              "kluis_http_requests_total{method=\"%s\",route=\"%s\","
                              "status=\"%s\"} %" PRIu64 "\n",
                              i < kluis__n_routes ? kluis__routes[i].method : "",
                              i < kluis__n_routes ? kluis__routes[i].path : "(none)", classes[k],
                              n);
        }
    kluis__buf_puts(&b, "# HELP kluis_http_request_duration_seconds Time to answer a request.\n"
                        "# TYPE kluis_http_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (size_t i = 0; i < N_BUCKETS; i++) {
        cum += s->hist[i];
        kluis__buf_printf(&b, "kluis_http_request_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
                          bucket_le[i], cum);
    }
    cum += s->hist[N_BUCKETS];
    kluis__buf_printf(&b,
                      "kluis_http_request_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
                      "kluis_http_request_duration_seconds_sum %.6f\n"
                      "kluis_http_request_duration_seconds_count %" PRIu64 "\n",
                      cum, s->latency_sum, s->latency_n);
    kluis__buf_printf(&b,
                      "# HELP kluis_purged_records_total Records removed by purges through "
                      "the API.\n# TYPE kluis_purged_records_total counter\n"
                      "kluis_purged_records_total %" PRIu64 "\n",
                      s->purged);
    kluis__buf_printf(&b,
                      "# HELP kluis_http_rate_limited_total Requests answered 429: by an API "
                      "key's limit, or by a client address's (requests without a valid key).\n"
                      "# TYPE kluis_http_rate_limited_total counter\n"
                      "kluis_http_rate_limited_total{by=\"key\"} %" PRIu64 "\n"
                      "kluis_http_rate_limited_total{by=\"address\"} %" PRIu64 "\n",
                      s->limited_key, s->limited_address);
    pthread_mutex_unlock(&s->mlock);
    if (s->by_key)
        kluis__buf_printf(&b,
                          "# HELP kluis_http_rate_limit_evictions_total Rate-limit buckets "
                          "given to another caller while still counting (the table is "
                          "full).\n# TYPE kluis_http_rate_limit_evictions_total counter\n"
                          "kluis_http_rate_limit_evictions_total{by=\"key\"} %" PRIu64 "\n"
                          "kluis_http_rate_limit_evictions_total{by=\"address\"} %" PRIu64 "\n",
                          kluis__limiter_evictions(s->by_key),
                          kluis__limiter_evictions(s->by_address));
    kluis_rc rc = records_metrics(s, &b, err);
    if (rc == KLUIS_OK)
        rc = request_metrics(s, &b, err);
    if (rc == KLUIS_OK && (rc = kluis__buf_steal(&b, out_text, out_len)))
        kluis_err_set(err, rc, "out of memory");
    kluis__buf_free(&b);
    return rc;
}

/* ---- Start and stop ------------------------------------------------------------------------- */

static bool parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
                         bool *loopback)
{
    char host[256];
    const char *colon;
    memset(ss, 0, sizeof(*ss));
    if (listen[0] == '[') {
        const char *end = strchr(listen, ']');
        if (!end || end[1] != ':' || (size_t)(end - listen - 1) >= sizeof(host))
            return false;
        memcpy(host, listen + 1, (size_t)(end - listen - 1));
        host[end - listen - 1] = '\0';
        colon = end + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof(host))
            return false;
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
    }
    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port > 65535)
        return false;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof(*v4);
        *loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        return true;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*v6);
        *loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
        return true;
    }
    return false;
}

kluis_rc kluis_server_start(struct kluis_engine *e, const struct kluis_policy *p,
                            const struct kluis_server_config *config,
                            struct kluis_server **out_server, struct kluis_err *err)
{
    struct kluis_server *s = calloc(1, sizeof(*s));
    if (!s)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    s->e = e;
    s->p = p;
    s->cfg = *config;
    if (!s->cfg.listen)
        s->cfg.listen = "127.0.0.1:8080";
    if (!s->cfg.body_max)
        s->cfg.body_max = 1u << 20;
    if (!s->cfg.threads)
        s->cfg.threads = 4;
    if (!s->cfg.connections_max)
        s->cfg.connections_max = 256;
    if (!s->cfg.timeout_s)
        s->cfg.timeout_s = 30;
    if (!s->cfg.rate_limit)
        s->cfg.rate_limit = 1000;
    if (!s->cfg.rate_burst)
        s->cfg.rate_burst = s->cfg.rate_limit > UINT_MAX / 2 ? UINT_MAX : 2 * s->cfg.rate_limit;
    kluis_rc rc = KLUIS_OK;
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    bool loopback = false;
    if (!parse_listen(s->cfg.listen, &ss, &sl, &loopback)) {
        rc = kluis_err_set(err, KLUIS_EINVAL,
                           "--listen '%s' is not HOST:PORT (an IPv4 or [IPv6] address)",
                           s->cfg.listen);
        goto fail;
    }
    s->tls = s->cfg.tls_cert && s->cfg.tls_key;
    if ((s->cfg.tls_cert || s->cfg.tls_key) && !s->tls) {
        rc = kluis_err_set(err, KLUIS_EINVAL, "HTTPS needs both --tls-cert and --tls-key");
        goto fail;
    }
    if (!s->tls && !loopback && !s->cfg.allow_plain_remote) {
        rc = kluis_err_set(err, KLUIS_EREFUSED,
                           "plain HTTP is served on loopback only: give --tls-cert and "
                           "--tls-key, or --allow-plain-http behind a TLS-terminating proxy");
        goto fail;
    }
    if (s->tls && ((rc = kluis__read_file(s->cfg.tls_cert, 1u << 20, &s->cert, NULL, err)) ||
                   (rc = kluis__read_file(s->cfg.tls_key, 1u << 20, &s->key, NULL, err))))
        goto fail;
    if (s->cfg.rate_limit > 1000000) {
        rc = kluis_err_set(err, KLUIS_EINVAL, "a rate limit is 1 to 1000000 requests a second");
        goto fail;
    }
    if (!(s->counts = calloc((kluis__n_routes + 1) * 6, sizeof(*s->counts)))) {
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
        goto fail;
    }
    /* Fixed tables: 1024 keys and 4096 addresses in use at once before buckets are shared out
     * (24 bytes each). */
    if (!s->cfg.rate_limit_off &&
        (!(s->by_key = kluis__limiter_new(s->cfg.rate_limit, s->cfg.rate_burst, 1024)) ||
         !(s->by_address = kluis__limiter_new(s->cfg.rate_limit, s->cfg.rate_burst, 4096)))) {
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
        goto fail;
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->mlock, NULL);
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (s->tls)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls_opts[] = {
        {s->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->cert},
        {s->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, s->key},
        {MHD_OPTION_END, 0, NULL},
    };
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_THREAD_POOL_SIZE,
        s->cfg.threads, MHD_OPTION_CONNECTION_LIMIT, s->cfg.connections_max,
        MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.timeout_s, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!s->d) {
        rc = kluis_err_set(err, KLUIS_EIO, "cannot listen on %s (in use, or not allowed)",
                           s->cfg.listen);
        pthread_mutex_destroy(&s->lock);
        pthread_mutex_destroy(&s->mlock);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    *out_server = s;
    return KLUIS_OK;
fail:
    if (s->key)
        OPENSSL_cleanse(s->key, strlen(s->key));
    free(s->key);
    free(s->cert);
    free(s->counts);
    kluis__limiter_free(s->by_key);
    kluis__limiter_free(s->by_address);
    free(s);
    return rc;
}

uint16_t kluis_server_port(const struct kluis_server *s)
{
    return s->port;
}

void kluis_server_stop(struct kluis_server *s, unsigned grace_s)
{
    if (!s)
        return;
    /* Stop accepting (new connections are refused, not left waiting), answer new requests on
     * open connections 503 with "Connection: close", let the requests in flight finish, stop. */
    __atomic_store_n(&s->stopping, true, __ATOMIC_SEQ_CST);
    MHD_socket listen_fd = MHD_quiesce_daemon(s->d);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    for (unsigned i = 0; i < grace_s * 50; i++) {
        if (__atomic_load_n(&s->in_flight, __ATOMIC_SEQ_CST) == 0)
            break;
        usleep(20000);
    }
    MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->mlock);
    if (s->key)
        OPENSSL_cleanse(s->key, strlen(s->key));
    free(s->key);
    free(s->cert);
    free(s->counts);
    kluis__limiter_free(s->by_key);
    kluis__limiter_free(s->by_address);
    free(s);
}

const struct kluis_route_info *kluis_server_routes(size_t *out_n)
{
    static struct kluis_route_info info[64];
    static char roles[64][64];
    size_t n = kluis__n_routes < 64 ? kluis__n_routes : 64;
    for (size_t i = 0; i < n; i++) {
        const struct route *r = &kluis__routes[i];
        roles[i][0] = '\0';
        if (r->scope == SCOPE_PUBLIC) {
            snprintf(roles[i], sizeof(roles[i]), "public");
        } else {
            for (int k = 0; k < 4; k++)
                if (r->roles & (1u << k)) {
                    size_t l = strlen(roles[i]);
                    snprintf(roles[i] + l, sizeof(roles[i]) - l, "%s%s", l ? " " : "",
                             kluis_key_role_name((enum kluis_key_role)k));
                }
            size_t l = strlen(roles[i]);
            snprintf(roles[i] + l, sizeof(roles[i]) - l, "%s",
                     r->scope == SCOPE_TENANT     ? " (tenant key)"
                     : r->scope == SCOPE_OPERATOR ? " (operator key)"
                                                  : "");
        }
        info[i] = (struct kluis_route_info){r->method, r->path, roles[i]};
    }
    *out_n = n;
    return info;
}
