/*
 * The audit log: one entry per action on personal data, appended in the transaction of the
 * action itself, as leaves of an RFC 9162 Merkle tree whose heads are signed as C2SP checkpoints.
 *
 * An entry is a compact JSON object with sorted keys: seq (its leaf index), at, actor, action,
 * tenant, subject (a pseudonym keyed per subject in the key store, destroyed on erasure),
 * category, record, result, and what the action adds (a purge's receipt, an event's name). It
 * never holds a value, a subject's reference or a reason text someone typed, so erasure never
 * has to touch the log.
 *
 * Entries gather during a transaction (kluis__audit); before the commit kluis__audit_flush
 * writes them, the log's new compact range (meta 'audit_range') and a signed checkpoint of the
 * new size, all in the same data-store transaction: an action without its entries, or entries
 * without their action, cannot be committed. A checkpoint per transaction lets a verifier name
 * the first transaction whose entries no longer match what was signed.
 *
 * Entry bodies older than the policy's audit retention are removed by the purge; their leaf
 * hashes stay, so the tree still verifies.
 */
#include "engine/engine_internal.h"

#include "crypto/crypto_internal.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RANGE_KEY "audit_range"

/* ---- The compact range, persisted ------------------------------------------------------------ */

/* Serialised: size (8 bytes, big-endian), then the roots of its perfect subtrees, one per set
 * bit of the size, largest first (struct kluis_merkle keeps them so). */
static size_t range_encode(const struct kluis_merkle *m, uint8_t *out)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(m->size >> (56 - 8 * i));
    size_t k = (size_t)__builtin_popcountll(m->size);
    memcpy(out + 8, m->stack, k * 32);
    return 8 + k * 32;
}

static bool range_decode(const uint8_t *in, size_t n, struct kluis_merkle *m)
{
    if (n < 8)
        return false;
    kluis_merkle_init(m);
    uint64_t size = 0;
    for (int i = 0; i < 8; i++)
        size = size << 8 | in[i];
    size_t k = (size_t)__builtin_popcountll(size);
    if (n != 8 + k * 32)
        return false;
    memcpy(m->stack, in + 8, k * 32);
    m->size = size;
    return true;
}

static int last_cp(void *ctx, uint64_t size, const char *note)
{
    char **out = ctx;
    (void)size;
    free(*out);
    *out = strdup(note);
    return 0;
}

/*
 * The tree head the engine appends to must be the one last signed: otherwise entries were
 * added or the head changed behind kluis's back, and signing on would make that permanent.
 */
static kluis_rc head_signed(struct kluis_engine *e, struct kluis_err *err)
{
    struct kluis__audit *a = &e->audit;
    char *note = NULL;
    kluis_rc rc =
        e->be->checkpoints_scan(e->obj, a->range.size, a->range.size, last_cp, &note, err);
    if (rc) {
        free(note);
        return rc;
    }
    if (!note && a->range.size == 0)
        return KLUIS_OK;
    struct kluis_note_verifier v;
    kluis_note_verifier_of(&a->signer, &v);
    struct kluis_checkpoint cp;
    size_t text_len = 0;
    uint8_t root[32];
    kluis_merkle_root(&a->range, root);
    bool ok = note && kluis_note_open(note, strlen(note), &v, 1, &text_len, NULL) == KLUIS_OK &&
              kluis_checkpoint_parse(note, text_len, &cp, NULL) == KLUIS_OK &&
              cp.size == a->range.size && memcmp(cp.root, root, 32) == 0;
    free(note);
    if (!ok) {
        kluis_err_set(err, KLUIS_ECORRUPT,
                      "the audit log's tree head (%" PRIu64
                      " entries) is not the one last signed: the log was changed behind "
                      "kluis's back",
                      a->range.size);
        kluis_err_hint(err, "run kluis audit verify to find where; kluis adds nothing to it "
                            "until this is resolved");
        return KLUIS_ECORRUPT;
    }
    return KLUIS_OK;
}

void kluis__audit_txn_begin(struct kluis_engine *e)
{
    e->audit.in_txn = true;
    e->audit.fresh = false;
}

/* Inside a transaction, the committed range as stored now: when another process appended
 * since it was read, it is taken again (and its head checked again before signing). */
static kluis_rc audit_refresh(struct kluis_engine *e, struct kluis_err *err)
{
    struct kluis__audit *a = &e->audit;
    uint8_t buf[8 + 64 * 32], mine[8 + 64 * 32];
    size_t n = 0;
    kluis_rc rc = e->be->meta_get(e->obj, RANGE_KEY, buf, sizeof(buf), &n, err);
    if (rc == KLUIS_ENOTFOUND) {
        rc = KLUIS_OK;
        n = 0;
    }
    if (rc)
        return rc;
    size_t m = a->range.size ? range_encode(&a->range, mine) : 0;
    if (n != m || memcmp(buf, mine, n) != 0) {
        struct kluis_merkle r;
        if (n == 0)
            kluis_merkle_init(&r);
        else if (n > sizeof(buf) || !range_decode(buf, n, &r))
            return kluis_err_set(err, KLUIS_ECORRUPT, "the audit log's tree state is damaged");
        a->range = r;
        a->head_ok = false;
    }
    a->fresh = a->in_txn; /* outside a transaction, every call looks again */
    return KLUIS_OK;
}

/* Loads the committed range and the signing key, once; in a transaction, checks the range is
 * still the stored one. */
static kluis_rc audit_ready(struct kluis_engine *e, struct kluis_err *err)
{
    struct kluis__audit *a = &e->audit;
    if (a->ready)
        return a->fresh ? KLUIS_OK : audit_refresh(e, err);
    uint8_t buf[8 + 64 * 32];
    size_t n = 0;
    kluis_rc rc = e->be->meta_get(e->obj, RANGE_KEY, buf, sizeof(buf), &n, err);
    if (rc == KLUIS_ENOTFOUND) {
        kluis_merkle_init(&a->range);
    } else if (rc) {
        return rc;
    } else if (n > sizeof(buf) || !range_decode(buf, n, &a->range)) {
        return kluis_err_set(err, KLUIS_ECORRUPT, "the audit log's tree state is damaged");
    }
    uint8_t id[16];
    if ((rc = e->be->id(e->obj, id, err)))
        return rc;
    static const char hex[] = "0123456789abcdef";
    char idhex[33];
    for (int i = 0; i < 16; i++) {
        idhex[2 * i] = hex[id[i] >> 4];
        idhex[2 * i + 1] = hex[id[i] & 15];
    }
    idhex[32] = '\0';
    snprintf(a->origin, sizeof(a->origin), "kluis.local/audit/%s", idhex);
    if ((rc = kluis_keys_signer(e->keys, a->origin, &a->signer, err)))
        return rc;
    a->ready = true;
    return KLUIS_OK;
}

/* Ready to append and sign: loaded, and the head is the one last signed (checked once). */
static kluis_rc audit_ready_to_sign(struct kluis_engine *e, struct kluis_err *err)
{
    kluis_rc rc = audit_ready(e, err);
    if (rc == KLUIS_OK && !e->audit.head_ok && (rc = head_signed(e, err)) == KLUIS_OK)
        e->audit.head_ok = true;
    return rc;
}

/* ---- Gathering entries ----------------------------------------------------------------------- */

void kluis__audit_discard(struct kluis_engine *e)
{
    struct kluis__audit *a = &e->audit;
    for (size_t i = 0; i < a->n; i++)
        free((void *)a->pending[i].body);
    a->n = 0;
}

/* HMAC(secret, tenant || 0 || reference), as kluis__engine_subject, with the thread's kept HMAC
 * context (which stays keyed with the secret across a batch) instead of a one-shot HMAC. */
void kluis__subject(const struct kluis_engine *e, const char *tenant, const char *ref,
                    struct kluis_subject_ref *out)
{
    kluis__hmac_state_mac(&e->subject_mac, tenant, strlen(tenant) + 1, ref, strlen(ref), out->hash);
}

/* ---- Entry bodies ------------------------------------------------------------------------------
 *
 * A body is compact JSON with its keys sorted (strcmp order), exactly what jansson's
 * json_dumps(JSON_COMPACT | JSON_SORT_KEYS) writes for the same object: the bytes are hashed into
 * the log, so they must not depend on how they were made. They are written straight into a
 * buffer (an entry is appended per record written, so building a jansson object and dumping it
 * would cost more than hashing it); whatever the direct writer does not know how to spell the way
 * jansson does (a C string that is not printable ASCII) is made with jansson, the reference. The
 * unit test tests/unit/audit/test_audit_log.c compares both on many generated entries.
 */

/* A growing text; failed (NULL data) after an allocation failure. */
struct text {
    char *p;
    size_t len, cap;
    bool oom;
};

static bool text_room(struct text *t, size_t n)
{
    if (t->oom)
        return false;
    if (t->len + n + 1 <= t->cap)
        return true;
    size_t cap = t->cap ? t->cap : 384;
    while (cap < t->len + n + 1)
        cap *= 2;
    char *p = realloc(t->p, cap);
    if (!p) {
        t->oom = true;
        return false;
    }
    t->p = p;
    t->cap = cap;
    return true;
}

static void text_put(struct text *t, const void *s, size_t n)
{
    if (!text_room(t, n))
        return;
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void text_putc(struct text *t, char c)
{
    text_put(t, &c, 1);
}

/* A JSON string as jansson writes it (no JSON_ENSURE_ASCII, no JSON_ESCAPE_SLASH): '"', '\\'
 * and control characters escaped, everything else (UTF-8 included) as it is. */
#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Whether any of the 8 bytes of w is a control character, '"' or '\\' (bit tricks: a byte
 * below n, for n <= 128, and a zero byte after XOR with the character). */
static bool word_needs_escape(uint64_t w)
{
    uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
    return (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
}

static void text_json_string(struct text *t, const char *s, size_t n)
{
    text_putc(t, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        /* Eight bytes at a time past what needs no escape (most of every body). */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (word_needs_escape(w))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        text_put(t, s + run, i - run);
        run = i + 1;
        char esc[8];
        const char *x = esc;
        switch (c) {
        case '"':
            x = "\\\"";
            break;
        case '\\':
            x = "\\\\";
            break;
        case '\b':
            x = "\\b";
            break;
        case '\f':
            x = "\\f";
            break;
        case '\n':
            x = "\\n";
            break;
        case '\r':
            x = "\\r";
            break;
        case '\t':
            x = "\\t";
            break;
        default:
            snprintf(esc, sizeof(esc), "\\u%04X", c);
            break;
        }
        text_put(t, x, strlen(x));
    }
    text_put(t, s + run, n - run);
    text_putc(t, '"');
}

/* Printable ASCII: what the direct writer takes from a C string (jansson would refuse invalid
 * UTF-8 where this writer could not tell). */
static bool plain_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

struct member {
    const char *key;
    size_t key_len;
    const char *s; /* a C string (plain ASCII), or canonical JSON text when raw */
    bool raw;
    bool is_int;
    int64_t i;
    json_t *v; /* a value of extra */
};

static int member_cmp(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static void text_member_value(struct text *t, const struct member *m)
{
    char num[32];
    if (m->is_int && m->i >= 0) {
        size_t k = sizeof(num);
        uint64_t v = (uint64_t)m->i;
        do {
            num[--k] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        text_put(t, num + k, sizeof(num) - k);
    } else if (m->is_int) {
        int k = snprintf(num, sizeof(num), "%" PRId64, m->i);
        text_put(t, num, (size_t)k);
    } else if (m->s && m->raw) {
        text_put(t, m->s, strlen(m->s));
    } else if (m->s) {
        text_json_string(t, m->s, strlen(m->s));
    } else if (json_is_string(m->v)) {
        text_json_string(t, json_string_value(m->v), json_string_length(m->v));
    } else if (json_is_integer(m->v)) {
        int k = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(m->v));
        text_put(t, num, (size_t)k);
    } else {
        /* Objects, arrays, reals, literals: jansson's own spelling (compact output does not
         * depend on where a value sits). */
        char *d = json_dumps(m->v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        if (!d) {
            t->oom = true;
            return;
        }
        text_put(t, d, strlen(d));
        free(d);
    }
}

#define MEMBERS_MAX 48

/* The body written directly; NULL when it must be made with jansson (or out of memory: then
 * jansson fails too). */
static char *body_direct(const struct kluis__audit_fields *f, json_t *extra, const char *raw_key,
                         const char *raw_json, size_t *out_len)
{
    const char *fixed_s[] = {f->action, f->actor,   f->at,    f->category,
                             f->result, f->subject, f->tenant};
    for (size_t i = 0; i < sizeof(fixed_s) / sizeof(fixed_s[0]); i++)
        if (fixed_s[i] && !plain_ascii(fixed_s[i]))
            return NULL;
    struct member m[MEMBERS_MAX];
    size_t n = 0;
#define FIXED(k, str) m[n++] = (struct member){.key = k, .key_len = sizeof(k) - 1, .s = (str)}
    /* In key order already, so that the sort below only places the action's own members. */
    FIXED("action", f->action);
    FIXED("actor", f->actor);
    FIXED("at", f->at);
    if (f->category)
        FIXED("category", f->category);
    if (f->record)
        m[n++] =
            (struct member){.key = "record", .key_len = 6, .is_int = true, .i = (int64_t)f->record};
    FIXED("result", f->result);
    m[n++] = (struct member){.key = "seq", .key_len = 3, .is_int = true, .i = (int64_t)f->seq};
    if (f->subject)
        FIXED("subject", f->subject);
    if (f->tenant)
        FIXED("tenant", f->tenant);
#undef FIXED
    if (raw_key) {
        if (!raw_json)
            return NULL;
        m[n++] =
            (struct member){.key = raw_key, .key_len = strlen(raw_key), .s = raw_json, .raw = true};
    }
    if (extra) {
        const char *k;
        size_t klen;
        json_t *v;
        json_object_keylen_foreach(extra, k, klen, v)
        {
            /* What the entry sets itself wins, as json_object_set_new would have it. */
            bool shadowed = false;
            for (size_t i = 0; i < n && !shadowed; i++)
                shadowed = m[i].key_len == klen && memcmp(m[i].key, k, klen) == 0;
            if (shadowed)
                return NULL; /* rare enough to leave to jansson */
            if (n == MEMBERS_MAX)
                return NULL;
            m[n++] = (struct member){.key = k, .key_len = klen, .v = v};
        }
    }
    /* Insertion sort: a handful of members, nearly in order. */
    for (size_t i = 1; i < n; i++) {
        struct member x = m[i];
        size_t j = i;
        for (; j > 0 && member_cmp(&m[j - 1], &x) > 0; j--)
            m[j] = m[j - 1];
        m[j] = x;
    }
    struct text t = {0};
    text_putc(&t, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            text_putc(&t, ',');
        text_json_string(&t, m[i].key, m[i].key_len);
        text_putc(&t, ':');
        text_member_value(&t, &m[i]);
    }
    text_putc(&t, '}');
    if (t.oom) {
        free(t.p);
        return NULL;
    }
    *out_len = t.len;
    return t.p;
}

/* The body made with jansson (the reference); raw_json is parsed. */
static char *body_jansson(const struct kluis__audit_fields *f, json_t *extra, const char *raw_key,
                          const char *raw_json, size_t *out_len)
{
    json_t *o = extra ? json_deep_copy(extra) : json_object();
    if (!o)
        return NULL;
    if (raw_key) {
        json_t *d = raw_json ? json_loads(raw_json, 0, NULL) : NULL;
        json_object_set_new(o, raw_key, d);
    }
    json_object_set_new(o, "seq", json_integer((json_int_t)f->seq));
    json_object_set_new(o, "at", json_string(f->at));
    json_object_set_new(o, "actor", json_string(f->actor));
    json_object_set_new(o, "action", json_string(f->action));
    json_object_set_new(o, "result", json_string(f->result));
    if (f->tenant)
        json_object_set_new(o, "tenant", json_string(f->tenant));
    if (f->category)
        json_object_set_new(o, "category", json_string(f->category));
    if (f->record)
        json_object_set_new(o, "record", json_integer((json_int_t)f->record));
    if (f->subject)
        json_object_set_new(o, "subject", json_string(f->subject));
    char *body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (body)
        *out_len = strlen(body);
    return body;
}

char *kluis__audit_body(const struct kluis__audit_fields *f, json_t *extra, const char *raw_key,
                        const char *raw_json, bool reference, size_t *out_len)
{
    char *body = reference ? NULL : body_direct(f, extra, raw_key, raw_json, out_len);
    return body ? body : body_jansson(f, extra, raw_key, raw_json, out_len);
}

/*
 * An application's detail object in the form the body holds it (compact, keys sorted): the text
 * itself when it is so already — a flat object of printable-ASCII strings and plain integers,
 * keys in increasing order (so no duplicates) — else parsed and written again by jansson.
 * NULL when it is not a JSON object (or out of memory: *out_oom).
 */
static bool canon_string(const char **p, const char **out, size_t *out_len)
{
    const char *s = *p;
    if (*s++ != '"')
        return false;
    const char *start = s;
    while ((unsigned char)*s >= 0x20 && (unsigned char)*s <= 0x7e && *s != '"' && *s != '\\')
        s++;
    if (*s != '"')
        return false;
    *out = start;
    *out_len = (size_t)(s - start);
    *p = s + 1;
    return true;
}

static bool canon_scalar(const char **p)
{
    const char *s = *p, *x;
    size_t n;
    if (*s == '"') {
        if (!canon_string(p, &x, &n))
            return false;
        return true;
    }
    static const char *const lit[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t l = strlen(lit[i]);
        if (strncmp(s, lit[i], l) == 0) {
            *p = s + l;
            return true;
        }
    }
    if (*s == '-')
        s++;
    if (*s == '0') {
        s++;
    } else if (*s >= '1' && *s <= '9') {
        int digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 19) {
            s++;
            digits++;
        }
        if (digits > 18)
            return false; /* may not fit jansson's integer: let it decide */
    } else {
        return false;
    }
    if (*s != ',' && *s != '}')
        return false;
    *p = s;
    return true;
}

static bool detail_is_canonical(const char *s)
{
    if (*s++ != '{')
        return false;
    if (*s == '}')
        return s[1] == '\0';
    const char *prev = NULL;
    size_t prev_len = 0;
    for (;;) {
        const char *k;
        size_t kl;
        if (!canon_string(&s, &k, &kl) || *s++ != ':' || !canon_scalar(&s))
            return false;
        if (prev) {
            size_t m = prev_len < kl ? prev_len : kl;
            int c = memcmp(prev, k, m);
            if (c > 0 || (c == 0 && prev_len >= kl))
                return false;
        }
        prev = k;
        prev_len = kl;
        if (*s == '}')
            return s[1] == '\0';
        if (*s++ != ',')
            return false;
    }
}

/* NULL with *out_oom false: not an object. The text itself when canonical (not to be freed:
 * *out_copy false), else a malloc'd canonical copy. */
static char *detail_canonical(const char *detail, bool *out_oom, bool *out_copy)
{
    *out_oom = false;
    *out_copy = false;
    if (detail_is_canonical(detail))
        return (char *)detail;
    *out_copy = true;
    json_error_t je;
    json_t *d = json_loads(detail, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(d)) {
        json_decref(d);
        return NULL;
    }
    char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    *out_oom = text == NULL;
    return text;
}

/* The entry of the open transaction: raw_key/raw_json (may be NULL) is a member whose value is
 * canonical JSON text already (an application's detail). */
static kluis_rc audit_entry(struct kluis_engine *e, const char *action, const char *tenant,
                            const struct kluis_subject_ref *subject, const char *category,
                            uint64_t record, json_t *extra, const char *raw_key,
                            const char *raw_json, const char *result, struct kluis_err *err)
{
    struct kluis__audit *a = &e->audit;
    kluis_rc rc = audit_ready_to_sign(e, err);
    if (rc) {
        json_decref(extra);
        return rc;
    }
    if (a->when_at != e->now || !a->when[0]) {
        kluis_time_format(e->now, a->when, sizeof(a->when));
        a->when_at = e->now;
    }
    struct kluis__audit_fields f = {
        .seq = a->range.size + a->n,
        .at = a->when,
        .actor = e->actor[0] ? e->actor : "kluis",
        .action = action,
        .result = result ? result : "ok",
        .tenant = tenant,
        .category = category,
        .record = record,
    };
    char pseudonym[33];
    if (subject && tenant) {
        if ((rc = kluis_keys_pseudonym(e->keys, tenant, subject, pseudonym, err))) {
            json_decref(extra);
            return rc;
        }
        f.subject = pseudonym;
    }
    size_t body_len = 0;
    char *body = kluis__audit_body(&f, extra, raw_key, raw_json, false, &body_len);
    json_decref(extra);
    if (!body)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 16;
        struct kluis_audit_row *v = realloc(a->pending, cap * sizeof(*v));
        char(*t)[KLUIS_TENANT_MAX + 1] = v ? realloc(a->tenants, cap * sizeof(*t)) : NULL;
        if (v)
            a->pending = v;
        if (!t) {
            free(body);
            return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
        }
        a->tenants = t;
        a->cap = cap;
    }
    struct kluis_audit_row *r = &a->pending[a->n];
    memset(r, 0, sizeof(*r));
    r->seq = f.seq;
    r->body = body;
    r->body_len = body_len;
    r->at = e->now;
    kluis_merkle_leaf(body, r->body_len, r->leaf);
    size_t tl = tenant ? strnlen(tenant, KLUIS_TENANT_MAX) : 0;
    memcpy(a->tenants[a->n], tenant ? tenant : "", tl);
    a->tenants[a->n][tl] = '\0';
    a->n++;
    return KLUIS_OK;
}

kluis_rc kluis__audit(struct kluis_engine *e, const char *action, const char *tenant,
                      const struct kluis_subject_ref *subject, const char *category,
                      uint64_t record, json_t *extra, const char *result, struct kluis_err *err)
{
    return audit_entry(e, action, tenant, subject, category, record, extra, NULL, NULL, result,
                       err);
}

kluis_rc kluis__audit_raw(struct kluis_engine *e, const char *action, const char *tenant,
                          const struct kluis_subject_ref *subject, const char *category,
                          uint64_t record, const char *raw_key, const char *raw_json,
                          const char *result, struct kluis_err *err)
{
    return audit_entry(e, action, tenant, subject, category, record, NULL, raw_key, raw_json,
                       result, err);
}

/* Signs a checkpoint of the tree m; *out_note is malloc'd. */
static kluis_rc sign_checkpoint(struct kluis_engine *e, const struct kluis_merkle *m,
                                char **out_note, struct kluis_err *err)
{
    struct kluis_checkpoint cp = {.size = m->size};
    snprintf(cp.origin, sizeof(cp.origin), "%s", e->audit.origin);
    kluis_merkle_root(m, cp.root);
    char *text = NULL;
    size_t len = 0, note_len = 0;
    kluis_rc rc = kluis_checkpoint_text(&cp, &text, &len, err);
    if (rc == KLUIS_OK)
        rc = kluis_note_sign(&e->audit.signer, text, len, out_note, &note_len, err);
    free(text);
    return rc;
}

kluis_rc kluis__audit_flush(struct kluis_engine *e, struct kluis_err *err)
{
    struct kluis__audit *a = &e->audit;
    if (a->n == 0)
        return KLUIS_OK;
    for (size_t i = 0; i < a->n; i++)
        a->pending[i].tenant = a->tenants[i][0] ? a->tenants[i] : NULL;
    kluis_rc rc = e->be->audit_append(e->obj, a->pending, a->n, err);
    if (rc)
        return rc;
    a->next = a->range;
    for (size_t i = 0; i < a->n; i++)
        kluis_merkle_push(&a->next, a->pending[i].leaf);
    uint8_t buf[8 + 64 * 32];
    size_t n = range_encode(&a->next, buf);
    if ((rc = e->be->meta_put(e->obj, RANGE_KEY, buf, n, err)))
        return rc;
    char *note = NULL;
    if ((rc = sign_checkpoint(e, &a->next, &note, err)))
        return rc;
    rc = e->be->checkpoint_put(e->obj, a->next.size, note, err);
    free(note);
    a->flushed = rc == KLUIS_OK;
    return rc;
}

void kluis__audit_committed(struct kluis_engine *e, bool committed)
{
    struct kluis__audit *a = &e->audit;
    if (committed && a->flushed)
        a->range = a->next;
    a->flushed = false;
    a->in_txn = false;
    a->fresh = false;
    kluis__audit_discard(e);
}

void kluis__audit_free(struct kluis_engine *e)
{
    struct kluis__audit *a = &e->audit;
    kluis__audit_discard(e);
    free(a->pending);
    free(a->tenants);
    kluis_note_signer_wipe(&a->signer);
}

void kluis_engine_set_actor(struct kluis_engine *e, const char *actor)
{
    snprintf(e->actor, sizeof(e->actor), "%s", actor ? actor : "");
}

/* An action of its own, in its own transaction (a key operation, a refusal). */
struct own_ctx {
    const char *action, *tenant, *category;
    const struct kluis_subject_ref *subject;
    uint64_t record;
    json_t *extra;
    const char *result;
};

static kluis_rc own_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct own_ctx *c = vctx;
    json_t *extra = c->extra;
    c->extra = NULL;
    return kluis__audit(e, c->action, c->tenant, c->subject, c->category, c->record, extra,
                        c->result, err);
}

kluis_rc kluis__audit_own(struct kluis_engine *e, const char *action, const char *tenant,
                          const struct kluis_subject_ref *subject, const char *category,
                          uint64_t record, json_t *extra, const char *result, struct kluis_err *err)
{
    struct own_ctx c = {action, tenant, category, subject, record, extra, result};
    kluis_rc rc = kluis__engine_txn(e, own_body, &c, err);
    json_decref(c.extra);
    return rc;
}

/* ---- The application's own actions ----------------------------------------------------------- */

static bool action_valid(const char *a)
{
    size_t n = strlen(a);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

struct append_ctx {
    const struct kluis_audit_input *in;
    size_t n;
};

/* The tenants an append has found already (most calls name a few tenants many times). */
#define TENANTS_SEEN 16

static kluis_rc append_body(struct kluis_engine *e, void *vctx, struct kluis_err *err)
{
    struct append_ctx *c = vctx;
    kluis_rc rc = KLUIS_OK;
    struct kluis__tenant_state *st = NULL;
    const char *seen[TENANTS_SEEN];
    size_t n_seen = 0;
    for (size_t i = 0; i < c->n && rc == KLUIS_OK; i++) {
        const struct kluis_audit_input *in = &c->in[i];
        if (!in->tenant || !in->action || !action_valid(in->action)) {
            rc = kluis_err_set(err, KLUIS_EINVAL,
                               "entry %zu: an action is 1 to 64 letters, digits, '.', '_' or '-', "
                               "for a tenant",
                               i);
            break;
        }
        if (in->category && !kluis_policy_find_category(e->policy, in->category)) {
            rc = kluis_err_set(err, KLUIS_EREFUSED, "entry %zu: the policy has no category '%s'", i,
                               in->category);
            break;
        }
        /* The tenant must exist (looked up once per call and tenant). */
        bool known = false;
        for (size_t k = 0; k < n_seen && !known; k++)
            known = strcmp(seen[k], in->tenant) == 0;
        if (!known) {
            if (!st && !(st = malloc(sizeof(*st)))) {
                rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
                break;
            }
            if ((rc = kluis__engine_tenant(e, in->tenant, st, err)))
                break;
            if (n_seen < TENANTS_SEEN)
                seen[n_seen++] = in->tenant;
        }
        char *detail = NULL;
        bool copy = false;
        if (in->detail) {
            bool oom = false;
            if (!(detail = detail_canonical(in->detail, &oom, &copy))) {
                rc = oom ? kluis_err_set(err, KLUIS_ENOMEM, "out of memory")
                         : kluis_err_set(err, KLUIS_EPARSE,
                                         "entry %zu: detail must be a JSON object", i);
                break;
            }
        }
        struct kluis_subject_ref ref;
        if (in->subject)
            kluis__subject(e, in->tenant, in->subject, &ref);
        rc = audit_entry(e, in->action, in->tenant, in->subject ? &ref : NULL, in->category, 0,
                         NULL, detail ? "detail" : NULL, detail, "ok", err);
        if (copy)
            free(detail);
    }
    free(st);
    return rc;
}

kluis_rc kluis_audit_append(struct kluis_engine *e, const struct kluis_audit_input *in, size_t n,
                            struct kluis_err *err)
{
    if (!in && n)
        return kluis_err_set(err, KLUIS_EINVAL, "no entries");
    struct append_ctx c = {in, n};
    return kluis__engine_txn(e, append_body, &c, err);
}

/* ---- Reading --------------------------------------------------------------------------------- */

struct entries_ctx {
    kluis_audit_entry_fn fn;
    void *ctx;
    bool damaged;
    uint64_t damaged_seq;
};

static int entry_cb(void *vctx, const struct kluis_audit_row *r)
{
    struct entries_ctx *c = vctx;
    if (r->damaged) {
        c->damaged = true;
        c->damaged_seq = r->seq;
        return 1;
    }
    struct kluis_audit_entry x = {
        .seq = r->seq,
        .body = r->body,
        .body_len = r->body_len,
        .tenant = r->tenant,
        .at = r->at,
    };
    memcpy(x.leaf, r->leaf, 32);
    return c->fn(c->ctx, &x);
}

kluis_rc kluis_audit_entries(struct kluis_engine *e, const char *tenant, uint64_t from,
                             kluis_audit_entry_fn fn, void *ctx, struct kluis_err *err)
{
    struct entries_ctx c = {fn, ctx, false, 0};
    kluis_rc rc = e->be->audit_scan(e->obj, from, UINT64_MAX >> 1, tenant, entry_cb, &c, err);
    if (rc == KLUIS_OK && c.damaged)
        rc = kluis_err_set(err, KLUIS_ECORRUPT,
                           "audit entry %" PRIu64 " is damaged (kluis audit verify tells more)",
                           c.damaged_seq);
    return rc;
}

kluis_rc kluis_audit_size(struct kluis_engine *e, uint64_t *out_size, struct kluis_err *err)
{
    kluis_rc rc = audit_ready(e, err);
    if (rc == KLUIS_OK)
        *out_size = e->audit.range.size;
    return rc;
}

kluis_rc kluis_audit_pubkey(struct kluis_engine *e, char *out, size_t size, struct kluis_err *err)
{
    kluis_rc rc = audit_ready(e, err);
    if (rc)
        return rc;
    struct kluis_note_verifier v;
    kluis_note_verifier_of(&e->audit.signer, &v);
    return kluis_note_verifier_format(&v, out, size, err);
}

static kluis_rc leaves_cb(void *ctx, uint64_t from, uint64_t to, uint8_t (*out)[KLUIS_HASH_LEN],
                          struct kluis_err *err)
{
    struct kluis_engine *e = ctx;
    return e->be->audit_leaves(e->obj, from, to, out, err);
}

/* A signed checkpoint of the first size entries (size <= the log's). */
static kluis_rc checkpoint_of(struct kluis_engine *e, uint64_t size, char **out_note,
                              struct kluis_err *err)
{
    struct kluis_merkle m;
    if (size == e->audit.range.size) {
        m = e->audit.range;
    } else {
        /* Any prefix: its root from the leaves (a true statement about the log, signed now). */
        kluis_merkle_init(&m);
        uint8_t root[32];
        kluis_rc rc = kluis_merkle_range_root(leaves_cb, e, 0, size, root, err);
        if (rc)
            return rc;
        struct kluis_checkpoint cp = {.size = size};
        snprintf(cp.origin, sizeof(cp.origin), "%s", e->audit.origin);
        memcpy(cp.root, root, 32);
        char *text = NULL;
        size_t len = 0, note_len = 0;
        rc = kluis_checkpoint_text(&cp, &text, &len, err);
        if (rc == KLUIS_OK)
            rc = kluis_note_sign(&e->audit.signer, text, len, out_note, &note_len, err);
        free(text);
        return rc;
    }
    return sign_checkpoint(e, &m, out_note, err);
}

kluis_rc kluis_audit_checkpoint(struct kluis_engine *e, char **out_note, struct kluis_err *err)
{
    kluis_rc rc = audit_ready_to_sign(e, err);
    if (rc)
        return rc;
    return checkpoint_of(e, e->audit.range.size, out_note, err);
}

static json_t *b64(const uint8_t *h)
{
    char s[KLUIS_B64_LEN(32) + 1];
    kluis_b64_encode(KLUIS_B64_STD, h, 32, s);
    return json_string(s);
}

struct one_entry {
    bool found;
    struct kluis_audit_row row;
    char *body;
    char tenant[KLUIS_TENANT_MAX + 1];
};

static int one_cb(void *ctx, const struct kluis_audit_row *r)
{
    struct one_entry *o = ctx;
    o->found = true;
    o->row = *r;
    o->body = r->body ? strndup(r->body, r->body_len) : NULL;
    snprintf(o->tenant, sizeof(o->tenant), "%s", r->tenant ? r->tenant : "");
    return 1;
}

kluis_rc kluis_audit_prove(struct kluis_engine *e, uint64_t seq, uint64_t size, const char *tenant,
                           char **out_json, struct kluis_err *err)
{
    kluis_rc rc = audit_ready_to_sign(e, err);
    if (rc)
        return rc;
    if (size == 0)
        size = e->audit.range.size;
    if (size > e->audit.range.size)
        return kluis_err_set(err, KLUIS_EINVAL, "the log has %" PRIu64 " entries, not %" PRIu64,
                             e->audit.range.size, size);
    struct one_entry o = {0};
    if (seq >= size ||
        (rc = e->be->audit_scan(e->obj, seq, seq + 1, tenant, one_cb, &o, err)) != KLUIS_OK ||
        !o.found || o.row.damaged) {
        free(o.body);
        if (rc == KLUIS_OK && o.found)
            return kluis_err_set(err, KLUIS_ECORRUPT, "audit entry %" PRIu64 " is damaged", seq);
        /* Another tenant's entry answers like one that does not exist. */
        return rc ? rc
                  : kluis_err_set(err, KLUIS_ENOTFOUND, "no audit entry %" PRIu64 "%s%s", seq,
                                  tenant ? " for tenant " : "", tenant ? tenant : "");
    }
    uint8_t proof[KLUIS_PROOF_MAX][KLUIS_HASH_LEN];
    size_t n_proof = 0;
    char *note = NULL;
    if ((rc = kluis_merkle_prove_inclusion(leaves_cb, e, seq, size, proof, &n_proof, err)) ||
        (rc = checkpoint_of(e, size, &note, err))) {
        free(o.body);
        return rc;
    }
    json_t *doc = json_object(), *arr = json_array();
    for (size_t i = 0; i < n_proof; i++)
        json_array_append_new(arr, b64(proof[i]));
    json_object_set_new(doc, "type", json_string("inclusion"));
    json_object_set_new(doc, "index", json_integer((json_int_t)seq));
    json_object_set_new(doc, "size", json_integer((json_int_t)size));
    json_object_set_new(doc, "entry", o.body ? json_string(o.body) : json_null());
    json_object_set_new(doc, "leaf_hash", b64(o.row.leaf));
    json_object_set_new(doc, "proof", arr);
    json_object_set_new(doc, "checkpoint", json_string(note));
    *out_json = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    free(note);
    free(o.body);
    return *out_json ? KLUIS_OK : kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
}

kluis_rc kluis_audit_consistency(struct kluis_engine *e, uint64_t m, uint64_t n, char **out_json,
                                 struct kluis_err *err)
{
    kluis_rc rc = audit_ready_to_sign(e, err);
    if (rc)
        return rc;
    if (m == 0 || m > n || n > e->audit.range.size)
        return kluis_err_set(err, KLUIS_EINVAL,
                             "a consistency proof needs 0 < M <= N <= %" PRIu64 " (the log's size)",
                             e->audit.range.size);
    uint8_t proof[KLUIS_PROOF_MAX][KLUIS_HASH_LEN];
    size_t n_proof = 0;
    char *note1 = NULL, *note2 = NULL;
    if ((rc = kluis_merkle_prove_consistency(leaves_cb, e, m, n, proof, &n_proof, err)) ||
        (rc = checkpoint_of(e, m, &note1, err)) || (rc = checkpoint_of(e, n, &note2, err))) {
        free(note1);
        return rc;
    }
    json_t *doc = json_object(), *arr = json_array();
    for (size_t i = 0; i < n_proof; i++)
        json_array_append_new(arr, b64(proof[i]));
    json_object_set_new(doc, "type", json_string("consistency"));
    json_object_set_new(doc, "size1", json_integer((json_int_t)m));
    json_object_set_new(doc, "size2", json_integer((json_int_t)n));
    json_object_set_new(doc, "proof", arr);
    json_object_set_new(doc, "checkpoint1", json_string(note1));
    json_object_set_new(doc, "checkpoint2", json_string(note2));
    *out_json = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    free(note1);
    free(note2);
    return *out_json ? KLUIS_OK : kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
}

/* ---- Verifying ------------------------------------------------------------------------------- */

struct cp_list {
    uint64_t *size;
    char **note;
    size_t n, cap;
    bool oom;
};

static int cp_cb(void *ctx, uint64_t size, const char *note)
{
    struct cp_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        uint64_t *s = realloc(l->size, cap * sizeof(*s));
        char **t = s ? realloc(l->note, cap * sizeof(*t)) : NULL;
        if (s)
            l->size = s;
        if (!t) {
            l->oom = true;
            return 1;
        }
        l->note = t;
        l->cap = cap;
    }
    l->size[l->n] = size;
    if (!(l->note[l->n] = strdup(note))) {
        l->oom = true;
        return 1;
    }
    l->n++;
    return 0;
}

/* Opens a note with v and parses its checkpoint. */
static kluis_rc open_checkpoint(const char *note, const struct kluis_note_verifier *v,
                                const char *origin, struct kluis_checkpoint *cp,
                                struct kluis_err *err)
{
    size_t text_len = 0;
    kluis_rc rc = kluis_note_open(note, strlen(note), v, 1, &text_len, err);
    if (rc == KLUIS_OK)
        rc = kluis_checkpoint_parse(note, text_len, cp, err);
    if (rc == KLUIS_OK && origin && strcmp(cp->origin, origin) != 0)
        rc = kluis_err_set(err, KLUIS_ECORRUPT, "the checkpoint is of another log ('%s')",
                           cp->origin);
    return rc;
}

struct verify_ctx {
    struct kluis_engine *e;
    struct kluis_audit_report *r;
    const struct kluis_note_verifier *v;
    struct cp_list *cps;
    size_t next_cp;
    const struct kluis_checkpoint *against;
    struct kluis_merkle m;
    struct kluis_err *err;
    kluis_rc rc;
};

static void bad(struct verify_ctx *c, uint64_t seq, const char *problem)
{
    if (!c->r->ok)
        return;
    c->r->ok = false;
    c->r->first_bad = seq;
    snprintf(c->r->problem, sizeof(c->r->problem), "%s", problem);
}

/* After the tree holds m.size leaves: the checkpoints of that size must match. */
static void check_roots(struct verify_ctx *c)
{
    uint8_t root[32];
    char msg[256];
    /* The root only where something is compared with it. */
    bool due = (c->next_cp < c->cps->n && c->cps->size[c->next_cp] <= c->m.size) ||
               (c->against && c->against->size == c->m.size);
    if (!due)
        return;
    kluis_merkle_root(&c->m, root);
    while (c->next_cp < c->cps->n && c->cps->size[c->next_cp] <= c->m.size) {
        size_t i = c->next_cp++;
        struct kluis_checkpoint cp;
        struct kluis_err e2 = {0};
        c->r->checkpoints++;
        if (open_checkpoint(c->cps->note[i], c->v, c->e->audit.origin, &cp, &e2) != KLUIS_OK) {
            snprintf(msg, sizeof(msg), "the stored checkpoint of size %" PRIu64 " does not verify",
                     c->cps->size[i]);
            bad(c, c->cps->size[i] ? c->cps->size[i] - 1 : 0, msg);
            continue;
        }
        if (cp.size != c->m.size || memcmp(cp.root, root, 32) != 0) {
            uint64_t prev = i > 0 ? c->cps->size[i - 1] : 0;
            snprintf(msg, sizeof(msg),
                     "entries %" PRIu64 " to %" PRIu64 " do not match what was signed (the "
                     "checkpoint of size %" PRIu64 "): entry %" PRIu64 " is the first that may "
                     "be wrong",
                     prev, c->m.size - 1, c->m.size, prev);
            bad(c, prev, msg);
        }
    }
    if (c->against && c->against->size == c->m.size && memcmp(c->against->root, root, 32) != 0) {
        snprintf(msg, sizeof(msg),
                 "the log's first %" PRIu64 " entries do not match the checkpoint given: "
                 "something was changed, removed, reordered or inserted",
                 c->against->size);
        bad(c, 0, msg);
    }
}

/* Whether body holds the member "seq":<seq> (followed by ',' or '}'). */
static bool says_seq(const char *body, size_t n, uint64_t seq)
{
    char pat[32] = "\"seq\":", digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + seq % 10);
        seq /= 10;
    } while (seq);
    size_t pl = 6;
    while (nd)
        pat[pl++] = digits[--nd];
    for (const char *at = body, *end = body + n; at < end;) {
        const char *hit = memmem(at, (size_t)(end - at), pat, pl);
        if (!hit || hit + pl >= end)
            return false;
        if (hit[pl] == ',' || hit[pl] == '}')
            return true;
        at = hit + 1;
    }
    return false;
}

/* What verify_cb computes from an entry's body: its leaf hash and whether it says its seq. */
struct entry_facts {
    uint64_t seq;
    uint8_t stored[32]; /* the leaf hash the store holds */
    uint8_t leaf[32];   /* the body's (has_body) */
    bool has_body, in_place, damaged;
};

static void entry_facts_of(const struct kluis_audit_row *r, struct entry_facts *x)
{
    x->seq = r->seq;
    memcpy(x->stored, r->leaf, 32);
    x->damaged = r->damaged;
    x->has_body = r->body != NULL && !r->damaged;
    if (x->has_body) {
        kluis_merkle_leaf(r->body, r->body_len, x->leaf);
        /* The entry must also say where it is: a body moved to another place is caught. */
        x->in_place = says_seq(r->body, r->body_len, r->seq);
    }
}

/* The checks of one entry, in log order; non-zero: stop reading. */
static int verify_entry(struct verify_ctx *c, const struct entry_facts *x)
{
    char msg[256];
    if (x->seq != c->m.size) {
        snprintf(msg, sizeof(msg),
                 x->seq > c->m.size ? "entry %" PRIu64 " is missing"
                                    : "entry %" PRIu64 " is out of order or duplicated",
                 c->m.size);
        bad(c, c->m.size, msg);
        return 1;
    }
    if (x->damaged) {
        snprintf(msg, sizeof(msg), "entry %" PRIu64 " is damaged: its stored bytes cannot be read",
                 x->seq);
        bad(c, x->seq, msg);
        kluis_merkle_push(&c->m, x->stored);
    } else if (x->has_body) {
        if (memcmp(x->leaf, x->stored, 32) != 0) {
            snprintf(msg, sizeof(msg),
                     "entry %" PRIu64 " was changed: its body no longer has its hash", x->seq);
            bad(c, x->seq, msg);
        }
        if (!x->in_place) {
            snprintf(msg, sizeof(msg), "entry %" PRIu64 " is not in its place", x->seq);
            bad(c, x->seq, msg);
        }
        kluis_merkle_push(&c->m, x->leaf);
    } else {
        c->r->pruned++;
        kluis_merkle_push(&c->m, x->stored);
    }
    check_roots(c);
    return 0;
}

static int verify_cb(void *vctx, const struct kluis_audit_row *r)
{
    struct entry_facts x;
    entry_facts_of(r, &x);
    return verify_entry(vctx, &x);
}

/*
 * A large log is verified by two threads: the caller reads it out of the store (SQLite) into
 * chunks, and a second thread hashes and checks them (entry_facts_of and verify_entry, in log
 * order), so that reading the store overlaps the hashing. The checks and their order are the
 * same as with one thread; only the second thread touches the verify context until it is
 * joined.
 */
#define PIPE_MIN   65536      /* entries below which one thread does it all */
#define PIPE_BUFS  3          /* chunks in flight */
#define PIPE_ROWS  4096       /* entries per chunk */
#define PIPE_BYTES (1u << 20) /* body bytes per chunk (grown for a larger body) */

struct pipe_row {
    uint64_t seq;
    uint8_t leaf[32];
    size_t off, len;
    bool has_body, damaged;
};

struct pipe_buf {
    struct pipe_row *rows;
    size_t n;
    char *bytes;
    size_t used, cap;
    bool full, last;
};

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pipe_buf buf[PIPE_BUFS];
    size_t head, tail; /* the reader fills buf[head], the checker takes buf[tail] */
    bool stop;         /* the checker wants no more (a missing entry) */
    bool oom;
    struct verify_ctx *c;
};

static void *pipe_checker(void *arg)
{
    struct pipe *p = arg;
    bool stop = false;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->buf[p->tail].full)
            pthread_cond_wait(&p->cv, &p->mu);
        struct pipe_buf *b = &p->buf[p->tail];
        pthread_mutex_unlock(&p->mu);
        for (size_t i = 0; i < b->n && !stop; i++) {
            struct kluis_audit_row r = {.seq = b->rows[i].seq, .damaged = b->rows[i].damaged};
            memcpy(r.leaf, b->rows[i].leaf, 32);
            if (b->rows[i].has_body) {
                r.body = b->bytes + b->rows[i].off;
                r.body_len = b->rows[i].len;
            }
            stop = verify_cb(p->c, &r) != 0;
        }
        bool last = b->last;
        pthread_mutex_lock(&p->mu);
        p->stop = stop;
        b->full = false;
        b->n = 0;
        b->used = 0;
        p->tail = (p->tail + 1) % PIPE_BUFS;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (last)
            return NULL;
    }
}

/* Hands buf[head] to the checker and, unless it is the last, waits for the next to be free;
 * returns whether the checker wants no more. */
static bool pipe_hand_over(struct pipe *p, bool last)
{
    pthread_mutex_lock(&p->mu);
    p->buf[p->head].last = last;
    p->buf[p->head].full = true;
    p->head = (p->head + 1) % PIPE_BUFS;
    pthread_cond_broadcast(&p->cv);
    while (!last && p->buf[p->head].full)
        pthread_cond_wait(&p->cv, &p->mu);
    bool stop = p->stop;
    pthread_mutex_unlock(&p->mu);
    return stop;
}

static int pipe_read_cb(void *ctx, const struct kluis_audit_row *r)
{
    struct pipe *p = ctx;
    struct pipe_buf *b = &p->buf[p->head];
    size_t len = r->body ? r->body_len : 0;
    if (b->n == PIPE_ROWS || (b->n > 0 && b->used + len > b->cap)) {
        if (pipe_hand_over(p, false))
            return 1;
        b = &p->buf[p->head];
    }
    if (len > b->cap) {
        char *bytes = realloc(b->bytes, len);
        if (!bytes) {
            p->oom = true;
            return 1;
        }
        b->bytes = bytes;
        b->cap = len;
    }
    struct pipe_row *x = &b->rows[b->n++];
    x->seq = r->seq;
    memcpy(x->leaf, r->leaf, 32);
    x->has_body = r->body != NULL;
    x->damaged = r->damaged;
    x->off = b->used;
    x->len = len;
    if (len)
        memcpy(b->bytes + b->used, r->body, len);
    b->used += len;
    return 0;
}

/* The log read by the caller, hashed and checked by a second thread; false when that thread or
 * its buffers could not be had (then nothing was read: the caller does it on one thread). */
static bool verify_piped(struct kluis_engine *e, struct verify_ctx *c, kluis_rc *out_rc,
                         struct kluis_err *err)
{
    struct pipe *p = calloc(1, sizeof(*p));
    bool ok = p != NULL;
    for (size_t i = 0; ok && i < PIPE_BUFS; i++) {
        p->buf[i].rows = malloc(PIPE_ROWS * sizeof(*p->buf[i].rows));
        p->buf[i].bytes = malloc(PIPE_BYTES);
        p->buf[i].cap = PIPE_BYTES;
        ok = p->buf[i].rows && p->buf[i].bytes;
    }
    bool started = false;
    if (ok) {
        p->c = c;
        pthread_mutex_init(&p->mu, NULL);
        pthread_cond_init(&p->cv, NULL);
        pthread_t t;
        started = pthread_create(&t, NULL, pipe_checker, p) == 0;
        if (started) {
            *out_rc = e->be->audit_scan(e->obj, 0, UINT64_MAX >> 1, NULL, pipe_read_cb, p, err);
            pipe_hand_over(p, true);
            pthread_join(t, NULL);
            if (*out_rc == KLUIS_OK && p->oom)
                *out_rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
        }
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
    }
    for (size_t i = 0; p && i < PIPE_BUFS; i++) {
        free(p->buf[i].rows);
        free(p->buf[i].bytes);
    }
    free(p);
    return started;
}

kluis_rc kluis_audit_verify(struct kluis_engine *e, const char *against, size_t against_len,
                            struct kluis_audit_report *out, struct kluis_err *err)
{
    kluis_rc rc = audit_ready(e, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof(*out));
    out->ok = true;
    struct kluis_note_verifier v;
    kluis_note_verifier_of(&e->audit.signer, &v);
    struct kluis_checkpoint given;
    if (against) {
        char *copy = strndup(against, against_len);
        if (!copy)
            return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
        rc = open_checkpoint(copy, &v, e->audit.origin, &given, err);
        free(copy);
        if (rc) {
            kluis_err_hint(err, "the checkpoint must be one this log signed (kluis audit "
                                "checkpoint), kept as printed");
            return rc;
        }
    }
    struct cp_list cps = {0};
    rc = e->be->checkpoints_scan(e->obj, 0, UINT64_MAX >> 1, cp_cb, &cps, err);
    if (rc == KLUIS_OK && cps.oom)
        rc = kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    struct verify_ctx c = {
        .e = e, .r = out, .v = &v, .cps = &cps, .against = against ? &given : NULL, .err = err};
    kluis_merkle_init(&c.m);
    if (rc == KLUIS_OK) {
        check_roots(&c); /* the empty log */
        if (e->audit.range.size < PIPE_MIN || !verify_piped(e, &c, &rc, err))
            rc = e->be->audit_scan(e->obj, 0, UINT64_MAX >> 1, NULL, verify_cb, &c, err);
    }
    if (rc == KLUIS_OK) {
        out->size = c.m.size;
        /* The tree state the engine appends to must be this very tree. */
        uint8_t r1[32], r2[32];
        kluis_merkle_root(&c.m, r1);
        kluis_merkle_root(&e->audit.range, r2);
        char msg[256];
        if (c.m.size != e->audit.range.size || memcmp(r1, r2, 32) != 0) {
            snprintf(msg, sizeof(msg),
                     "the log ends after %" PRIu64
                     " entries, but its recorded tree head has %" PRIu64,
                     c.m.size, e->audit.range.size);
            bad(&c, c.m.size < e->audit.range.size ? c.m.size : e->audit.range.size, msg);
        }
        /* Every transaction signs the size it leaves: entries after the last signed size were
         * appended behind kluis's back. */
        uint64_t signed_size = cps.n ? cps.size[cps.n - 1] : 0;
        if (c.m.size > signed_size) {
            snprintf(msg, sizeof(msg),
                     "entries from %" PRIu64 " on are covered by no signed checkpoint: they were "
                     "added behind kluis's back",
                     signed_size);
            bad(&c, signed_size, msg);
        }
        if (c.next_cp < cps.n) {
            snprintf(msg, sizeof(msg),
                     "entries from %" PRIu64 " on are missing: a checkpoint of %" PRIu64
                     " entries was signed",
                     c.m.size, cps.size[cps.n - 1]);
            bad(&c, c.m.size, msg);
        }
        if (against && given.size > c.m.size) {
            snprintf(msg, sizeof(msg),
                     "the log was truncated: it has %" PRIu64 " entries, the checkpoint given "
                     "has %" PRIu64,
                     c.m.size, given.size);
            bad(&c, c.m.size, msg);
        }
    }
    for (size_t i = 0; i < cps.n; i++)
        free(cps.note[i]);
    free(cps.note);
    free(cps.size);
    return rc;
}

/* ---- Checking a proof, with the public key alone --------------------------------------------- */

static kluis_rc hash_of(json_t *s, uint8_t *out, size_t *out_len, struct kluis_err *err)
{
    const char *t = json_string_value(s);
    if (!t)
        return kluis_err_set(err, KLUIS_EPARSE, "a hash must be a base64 string");
    size_t n = strlen(t);
    if (n > KLUIS_B64_LEN(64))
        return kluis_err_set(err, KLUIS_EPARSE, "a hash is too long");
    return kluis_b64_decode(KLUIS_B64_STD, t, n, out, out_len, err);
}

static kluis_rc proof_of(json_t *arr, uint8_t (*buf)[48], const uint8_t **ptrs, size_t *lens,
                         size_t *n, struct kluis_err *err)
{
    if (!json_is_array(arr) || json_array_size(arr) > KLUIS_PROOF_MAX)
        return kluis_err_set(err, KLUIS_EPARSE, "proof must be an array of at most %d hashes",
                             KLUIS_PROOF_MAX);
    *n = json_array_size(arr);
    for (size_t i = 0; i < *n; i++) {
        kluis_rc rc = hash_of(json_array_get(arr, i), buf[i], &lens[i], err);
        if (rc)
            return rc;
        ptrs[i] = buf[i];
    }
    return KLUIS_OK;
}

kluis_rc kluis_audit_check_proof(const char *vkey, const char *doc, size_t doc_len, char *what,
                                 size_t what_size, struct kluis_err *err)
{
    struct kluis_note_verifier v;
    kluis_rc rc = kluis_note_verifier_parse(vkey, &v, err);
    if (rc)
        return rc;
    json_error_t je;
    json_t *o = json_loadb(doc, doc_len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return kluis_err_set(err, KLUIS_EPARSE, "the proof is not JSON: %s (line %d, column %d)",
                             je.text, je.line, je.column);
    const char *type = json_string_value(json_object_get(o, "type"));
    uint8_t buf[KLUIS_PROOF_MAX][48];
    const uint8_t *ptrs[KLUIS_PROOF_MAX];
    size_t lens[KLUIS_PROOF_MAX], n = 0;
    if (type && strcmp(type, "inclusion") == 0) {
        json_t *idx = json_object_get(o, "index"), *size = json_object_get(o, "size");
        const char *note = json_string_value(json_object_get(o, "checkpoint"));
        json_t *entry = json_object_get(o, "entry");
        uint8_t leaf[48];
        size_t leaf_len = 0;
        struct kluis_checkpoint cp;
        if (!json_is_integer(idx) || !json_is_integer(size) || json_integer_value(idx) < 0 || !note)
            rc = kluis_err_set(err, KLUIS_EPARSE,
                               "an inclusion proof has index, size, leaf_hash, proof and "
                               "checkpoint");
        if (rc == KLUIS_OK)
            rc = hash_of(json_object_get(o, "leaf_hash"), leaf, &leaf_len, err);
        if (rc == KLUIS_OK && json_is_string(entry)) {
            uint8_t h[32];
            kluis_merkle_leaf(json_string_value(entry), json_string_length(entry), h);
            if (leaf_len != 32 || memcmp(h, leaf, 32) != 0)
                rc = kluis_err_set(err, KLUIS_ECORRUPT, "the entry does not hash to leaf_hash");
        }
        if (rc == KLUIS_OK)
            rc = proof_of(json_object_get(o, "proof"), buf, ptrs, lens, &n, err);
        if (rc == KLUIS_OK)
            rc = open_checkpoint(note, &v, NULL, &cp, err);
        if (rc == KLUIS_OK && (json_int_t)cp.size != json_integer_value(size))
            rc = kluis_err_set(err, KLUIS_ECORRUPT, "the checkpoint is of another size");
        if (rc == KLUIS_OK)
            rc = kluis_merkle_verify_inclusion((uint64_t)json_integer_value(idx), cp.size, leaf,
                                               leaf_len, ptrs, lens, n, cp.root, 32, err);
        if (rc == KLUIS_OK)
            snprintf(what, what_size,
                     "entry %" PRIu64 " is in the log of %" PRIu64 " entries signed by %s",
                     (uint64_t)json_integer_value(idx), cp.size, v.name);
    } else if (type && strcmp(type, "consistency") == 0) {
        const char *n1 = json_string_value(json_object_get(o, "checkpoint1"));
        const char *n2 = json_string_value(json_object_get(o, "checkpoint2"));
        struct kluis_checkpoint c1, c2;
        if (!n1 || !n2)
            rc = kluis_err_set(err, KLUIS_EPARSE,
                               "a consistency proof has proof, checkpoint1 and checkpoint2");
        if (rc == KLUIS_OK)
            rc = proof_of(json_object_get(o, "proof"), buf, ptrs, lens, &n, err);
        if (rc == KLUIS_OK)
            rc = open_checkpoint(n1, &v, NULL, &c1, err);
        if (rc == KLUIS_OK)
            rc = open_checkpoint(n2, &v, c1.origin, &c2, err);
        if (rc == KLUIS_OK)
            rc = kluis_merkle_verify_consistency(c1.size, c2.size, c1.root, 32, c2.root, 32, ptrs,
                                                 lens, n, err);
        if (rc == KLUIS_OK)
            snprintf(what, what_size,
                     "the log of %" PRIu64 " entries extends the log of %" PRIu64
                     " entries unchanged (signed by %s)",
                     c2.size, c1.size, v.name);
    } else {
        rc = kluis_err_set(err, KLUIS_EPARSE, "type must be \"inclusion\" or \"consistency\"");
    }
    json_decref(o);
    return rc;
}
