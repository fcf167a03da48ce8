/*
 * scrub — the scrubber: one Vectorscan database of literals, the byte scanner of scrub_detect.c,
 * the merging of findings and the three ways of redacting them.
 *
 * Every pattern in the database is a pure literal (hs_compile_lit_multi): the '@' of an e-mail
 * address, the context keywords (ASCII case-insensitive), the caller's known values. A literal's
 * start is its end minus its length, so no pattern needs HS_FLAG_SOM_LEFTMOST, which would cost
 * speed. The database is compiled once, in block mode: a caller streams by giving whole lines.
 */
#include "scrub/scrub_internal.h"

#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/crypto.h"

/* Pattern ids: the '@', the keywords, then the known values. */
#define ID_AT         0u
#define ID_KW         1u
#define ID_KNOWN_BASE 1000u

/* Context keywords (docs/scrub.md): Dutch, French and English names of the numbers. */
static const struct {
    const char *text;
    enum scrub_kw_group group;
} keywords[] = {
    {"bsn", SCRUB_KW_BSN},
    {"burgerservicenummer", SCRUB_KW_BSN},
    {"burgerservicenr", SCRUB_KW_BSN},
    {"sofinummer", SCRUB_KW_BSN},
    {"sofi-nummer", SCRUB_KW_BSN},
    {"sofinr", SCRUB_KW_BSN},
    {"citizen service number", SCRUB_KW_BSN},
    {"kvk", SCRUB_KW_KVK},
    {"kamer van koophandel", SCRUB_KW_KVK},
    {"handelsregister", SCRUB_KW_KVK},
    {"chamber of commerce", SCRUB_KW_KVK},
    {"kbo", SCRUB_KW_KBO},
    {"bce", SCRUB_KW_KBO},
    {"ondernemingsnummer", SCRUB_KW_KBO},
    {"ondernemingsnr", SCRUB_KW_KBO},
    {"entreprise", SCRUB_KW_KBO},
    {"enterprise number", SCRUB_KW_KBO},
    {"btw", SCRUB_KW_KBO},
    {"tva", SCRUB_KW_KBO},
    {"vat", SCRUB_KW_KBO},
};
#define N_KEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

struct kluis_scrub {
    enum kluis_scrub_mode mode;
    bool strict;
    uint8_t key[KLUIS_SCRUB_KEY_MAX];
    size_t key_len;
    size_t *known_len; /* per known value */
    size_t n_known;
    hs_database_t *db;
    hs_scratch_t *scratch;
    struct scrub_run run;
    char *out;
    size_t out_cap;
};

static const char *const type_names[] = {"EMAIL", "PHONE", "IBAN", "BSN",      "RRN",  "KVK",
                                         "VAT",   "CARD",  "IP",   "POSTCODE", "KNOWN"};

const char *kluis_scrub_type_name(enum kluis_scrub_type type)
{
    return (unsigned)type < KLUIS_SCRUB_TYPE_COUNT_ ? type_names[type] : "?";
}

bool kluis__scrub_add(struct scrub_run *r, size_t start, size_t end, enum kluis_scrub_type type,
                      const char *validator)
{
    if (r->n_spans == r->cap_spans) {
        size_t cap = r->cap_spans ? 2 * r->cap_spans : 64;
        struct kluis_scrub_span *s = realloc(r->spans, cap * sizeof(*s));
        if (!s) {
            r->failed = true;
            return false;
        }
        r->spans = s;
        r->cap_spans = cap;
    }
    r->spans[r->n_spans++] = (struct kluis_scrub_span){start, end, type, validator};
    return true;
}

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

static bool is_alpha(unsigned char c)
{
    return (c | 32) >= 'a' && (c | 32) <= 'z';
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    (void)from;
    (void)flags;
    struct kluis_scrub *s = ctx;
    struct scrub_run *r = &s->run;
    size_t end = (size_t)to;
    if (id == ID_AT) {
        kluis__scrub_email(r, end - 1);
    } else if (id < ID_KNOWN_BASE) {
        size_t start = end - strlen(keywords[id - ID_KW].text);
        /* A keyword starts a word ("absnt" holds no keyword); it may end inside one
         * ("KvK-nummer", "BSN-nr"). */
        if (start > 0 && is_alpha(r->t[start - 1]))
            return 0;
        if (r->n_kw == r->cap_kw) {
            size_t cap = r->cap_kw ? 2 * r->cap_kw : 16;
            struct scrub_kw *k = realloc(r->kw, cap * sizeof(*k));
            if (!k) {
                r->failed = true;
                return 1;
            }
            r->kw = k;
            r->cap_kw = cap;
        }
        r->kw[r->n_kw++] = (struct scrub_kw){start, end, keywords[id - ID_KW].group};
    } else {
        size_t len = s->known_len[id - ID_KNOWN_BASE];
        size_t start = end - len;
        /* Never inside a UTF-8 character (a known value may be any bytes): cutting one would
         * make invalid UTF-8 of valid text. */
        if ((r->t[start] & 0xC0) == 0x80 || (end < r->len && (r->t[end] & 0xC0) == 0x80))
            return 0;
        /* Whole words only: a known "Jan" is not in "Januari". */
        if (is_alnum(r->t[start]) && start > 0 && is_alnum(r->t[start - 1]))
            return 0;
        if (is_alnum(r->t[end - 1]) && end < r->len && is_alnum(r->t[end]))
            return 0;
        kluis__scrub_add(r, start, end, KLUIS_SCRUB_KNOWN, "known");
    }
    return r->failed ? 1 : 0;
}

kluis_rc kluis_scrub_new(const struct kluis_scrub_config *cfg, struct kluis_scrub **out,
                         struct kluis_err *err)
{
    if (!cfg || !out)
        return kluis_err_set(err, KLUIS_EINVAL, "kluis_scrub_new needs a configuration");
    if ((unsigned)cfg->mode > KLUIS_SCRUB_MODE_PSEUDONYM)
        return kluis_err_set(err, KLUIS_EINVAL, "unknown redaction mode");
    if (cfg->mode == KLUIS_SCRUB_MODE_PSEUDONYM &&
        (!cfg->key || cfg->key_len < 16 || cfg->key_len > KLUIS_SCRUB_KEY_MAX))
        return kluis_err_set(err, KLUIS_EINVAL, "pseudonyms need a key of 16 to %d bytes",
                             KLUIS_SCRUB_KEY_MAX);
    if (cfg->n_known > KLUIS_SCRUB_KNOWN_MAX)
        return kluis_err_set(err, KLUIS_EINVAL, "more than %d known values", KLUIS_SCRUB_KNOWN_MAX);
    for (size_t i = 0; i < cfg->n_known; i++) {
        if (cfg->known_len[i] == 0 || cfg->known_len[i] > KLUIS_SCRUB_KNOWN_LEN_MAX) {
            kluis_err_set(err, KLUIS_EINVAL, "known value %zu is empty or longer than %d bytes",
                          i + 1, KLUIS_SCRUB_KNOWN_LEN_MAX);
            return KLUIS_EINVAL;
        }
    }

    struct kluis_scrub *s = calloc(1, sizeof(*s));
    size_t n = 1 + N_KEYWORDS + cfg->n_known;
    const char **exprs = calloc(n, sizeof(*exprs));
    unsigned *flags = calloc(n, sizeof(*flags));
    unsigned *ids = calloc(n, sizeof(*ids));
    size_t *lens = calloc(n, sizeof(*lens));
    if (s && cfg->n_known)
        s->known_len = calloc(cfg->n_known, sizeof(*s->known_len));
    if (!s || !exprs || !flags || !ids || !lens || (cfg->n_known && !s->known_len)) {
        free(exprs);
        free(flags);
        free(ids);
        free(lens);
        kluis_scrub_free(s);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    }
    s->mode = cfg->mode;
    s->strict = cfg->strict;
    if (cfg->mode == KLUIS_SCRUB_MODE_PSEUDONYM) {
        memcpy(s->key, cfg->key, cfg->key_len);
        s->key_len = cfg->key_len;
    }
    exprs[0] = "@";
    lens[0] = 1;
    ids[0] = ID_AT;
    for (size_t i = 0; i < N_KEYWORDS; i++) {
        exprs[1 + i] = keywords[i].text;
        lens[1 + i] = strlen(keywords[i].text);
        ids[1 + i] = ID_KW + (unsigned)i;
        flags[1 + i] = HS_FLAG_CASELESS;
    }
    for (size_t i = 0; i < cfg->n_known; i++) {
        size_t j = 1 + N_KEYWORDS + i;
        exprs[j] = cfg->known[i];
        lens[j] = cfg->known_len[i];
        ids[j] = ID_KNOWN_BASE + (unsigned)i;
        flags[j] = HS_FLAG_CASELESS;
        s->known_len[i] = cfg->known_len[i];
    }
    s->n_known = cfg->n_known;
    hs_compile_error_t *ce = NULL;
    hs_error_t hr = hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL,
                                         &s->db, &ce);
    free(exprs);
    free(flags);
    free(ids);
    free(lens);
    if (hr != HS_SUCCESS) {
        kluis_err_set(err, KLUIS_EINTERNAL, "the scrubber's patterns do not compile");
        /* The message names a pattern index, never a known value. */
        if (ce && ce->expression >= 0)
            kluis_err_detail(err, "pattern %d: %s", ce->expression, ce->message);
        else if (ce)
            kluis_err_detail(err, "%s", ce->message);
        hs_free_compile_error(ce);
        kluis_scrub_free(s);
        return KLUIS_EINTERNAL;
    }
    if (hs_alloc_scratch(s->db, &s->scratch) != HS_SUCCESS) {
        kluis_scrub_free(s);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory (Vectorscan scratch)");
    }
    s->run.strict = s->strict;
    *out = s;
    return KLUIS_OK;
}

void kluis_scrub_free(struct kluis_scrub *s)
{
    if (!s)
        return;
    kluis_wipe(s->key, sizeof(s->key));
    hs_free_scratch(s->scratch);
    hs_free_database(s->db);
    free(s->known_len);
    free(s->run.kw);
    free(s->run.spans);
    if (s->out)
        kluis_wipe(s->out, s->out_cap);
    free(s->out);
    free(s);
}

static int by_start(const void *a, const void *b)
{
    const struct kluis_scrub_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    /* The same bytes found twice: a detector's type says more than "known". */
    return (x->type == KLUIS_SCRUB_KNOWN) - (y->type == KLUIS_SCRUB_KNOWN);
}

/* Sorts the findings and keeps, of overlapping ones, the longer (the earlier at equal length). */
static void merge(struct scrub_run *r, size_t context)
{
    if (r->n_spans == 0)
        return; /* spans may still be NULL */
    qsort(r->spans, r->n_spans, sizeof(*r->spans), by_start);
    size_t n = 0;
    for (size_t i = 0; i < r->n_spans; i++) {
        struct kluis_scrub_span sp = r->spans[i];
        if (n > 0 && sp.start < r->spans[n - 1].end) {
            /* Sorted by start, so sp overlaps only the last one kept. */
            if (sp.end - sp.start > r->spans[n - 1].end - r->spans[n - 1].start)
                r->spans[n - 1] = sp;
            continue;
        }
        r->spans[n++] = sp;
    }
    /* Drop what starts in the context. */
    size_t k = 0;
    while (k < n && r->spans[k].start < context)
        k++;
    memmove(r->spans, r->spans + k, (n - k) * sizeof(*r->spans));
    r->n_spans = n - k;
}

kluis_rc kluis_scrub_find(struct kluis_scrub *s, const char *text, size_t len, size_t context,
                          const struct kluis_scrub_span **out_spans, size_t *out_n,
                          struct kluis_err *err)
{
    if (!s || (!text && len) || context > len || !out_spans || !out_n)
        return kluis_err_set(err, KLUIS_EINVAL, "kluis_scrub_find: invalid arguments");
    if (len > UINT32_MAX)
        return kluis_err_set(err, KLUIS_ETOOBIG, "a text to scrub is at most 4 GiB");
    struct scrub_run *r = &s->run;
    r->t = (const unsigned char *)(text ? text : "");
    r->len = len;
    r->n_kw = 0;
    r->n_spans = 0;
    r->failed = false;
    if (len > 0) {
        hs_error_t hr =
            hs_scan(s->db, (const char *)r->t, (unsigned)len, 0, s->scratch, on_match, s);
        if (hr != HS_SUCCESS && !(hr == HS_SCAN_TERMINATED && r->failed))
            return kluis_err_set(err, KLUIS_EINTERNAL, "the scan failed (Vectorscan error %d)",
                                 (int)hr);
        if (!r->failed)
            kluis__scrub_scan(r);
    }
    if (r->failed)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    merge(r, context);
    *out_spans = r->spans;
    *out_n = r->n_spans;
    return KLUIS_OK;
}

/* ---- Redaction -------------------------------------------------------------------------------
 */

struct out {
    char *p;
    size_t n;
};

static void put(struct out *o, const void *data, size_t n)
{
    memcpy(o->p + o->n, data, n);
    o->n += n;
}

/* The value a pseudonym is made of: the same person's datum however it was written. */
static size_t normalise(const struct kluis_scrub_span *sp, const unsigned char *v, size_t n,
                        char *buf)
{
    size_t k = 0;
    if (sp->type == KLUIS_SCRUB_EMAIL || sp->type == KLUIS_SCRUB_KNOWN) {
        for (size_t i = 0; i < n; i++)
            buf[k++] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
        return k;
    }
    bool plus = n > 0 && v[0] == '+';
    for (size_t i = 0; i < n; i++) {
        /* "(0)" in "+31 (0)6 …" is not part of the number. */
        if (sp->type == KLUIS_SCRUB_PHONE && v[i] == '(' && i + 2 < n && v[i + 1] == '0' &&
            v[i + 2] == ')' && k > 0) {
            i += 2;
            continue;
        }
        if (is_alnum(v[i]))
            buf[k++] = (char)(v[i] >= 'a' && v[i] <= 'z' ? v[i] - 32 : v[i]);
    }
    if (sp->type == KLUIS_SCRUB_PHONE && !plus && k > 1) {
        /* To international form: 00 → nothing, a national 0 → the country (10 digits NL, 9 BE). */
        if (buf[0] == '0' && buf[1] == '0') {
            memmove(buf, buf + 2, k - 2);
            k -= 2;
        } else if (buf[0] == '0' && k < 62) {
            memmove(buf + 2, buf + 1, k - 1);
            buf[0] = '3';
            buf[1] = k == 10 ? '1' : '2';
            k++;
        }
    }
    return k;
}

static void pseudonym(const struct kluis_scrub *s, const struct kluis_scrub_span *sp,
                      const unsigned char *v, size_t n, struct out *o)
{
    /* Type name, a 0 byte, the normalised value: an e-mail and a name with the same letters
     * never share a pseudonym. The value is at most 254 bytes (an e-mail) or a known value. */
    char msg[16 + KLUIS_SCRUB_KNOWN_LEN_MAX + 64];
    const char *name = kluis_scrub_type_name(sp->type);
    size_t k = strlen(name);
    memcpy(msg, name, k);
    msg[k++] = '\0';
    size_t room = sizeof(msg) - k - 2;
    k += normalise(sp, v, n < room ? n : room, msg + k);
    uint8_t mac[32];
    kluis_hmac_sha256(s->key, s->key_len, msg, k, mac);
    kluis_wipe(msg, sizeof(msg));
    char text[32];
    int t = snprintf(text, sizeof(text), "<%s:%02x%02x%02x>", name, mac[0], mac[1], mac[2]);
    put(o, text, (size_t)t);
}

/* Format mode: letters and digits become '*', each non-ASCII character one '*', separators stay;
 * a few characters that identify nobody stay too (docs/scrub.md). */
static void format(const struct kluis_scrub_span *sp, const unsigned char *v, size_t n,
                   struct out *o)
{
    size_t alnum = 0, keep_head = 0, keep_tail = 0, tld = n;
    for (size_t i = 0; i < n; i++)
        alnum += is_alnum(v[i]);
    switch (sp->type) {
    case KLUIS_SCRUB_IBAN:
        keep_head = 2; /* the country */
        keep_tail = 2;
        break;
    case KLUIS_SCRUB_PHONE:
        keep_head = v[0] == '+' || (n > 1 && v[0] == '0' && v[1] == '0') ? 2 : 0;
        if (v[0] == '0' && n > 1 && v[1] == '0')
            keep_head = 4; /* 00 and the country */
        keep_tail = 2;
        break;
    case KLUIS_SCRUB_CARD:
        keep_tail = 4; /* as on a receipt (PCI DSS 3.4) */
        break;
    case KLUIS_SCRUB_EMAIL: {
        /* The top-level domain stays: "j**@*****.nl". */
        for (size_t i = n; i > 0; i--)
            if (v[i - 1] == '.') {
                tld = i;
                break;
            }
        break;
    }
    default:
        break;
    }
    size_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = v[i];
        if (is_alnum(c)) {
            seen++;
            bool keep = seen <= keep_head || seen > alnum - keep_tail || i >= tld ||
                        (sp->type == KLUIS_SCRUB_VAT && is_alpha(c));
            o->p[o->n++] = keep ? (char)c : '*';
        } else if (c >= 0x80) {
            /* One '*' per character: continuation bytes after a lead byte add nothing. */
            if (!((c & 0xC0) == 0x80 && i > 0 && v[i - 1] >= 0x80))
                o->p[o->n++] = '*';
        } else {
            o->p[o->n++] = (char)c;
        }
    }
}

kluis_rc kluis_scrub_redact(struct kluis_scrub *s, const char *text, size_t len, size_t context,
                            const char **out_text, size_t *out_len,
                            const struct kluis_scrub_span **out_spans, size_t *out_n,
                            struct kluis_err *err)
{
    const struct kluis_scrub_span *spans;
    size_t n_spans;
    if (!out_text || !out_len)
        return kluis_err_set(err, KLUIS_EINVAL, "kluis_scrub_redact: invalid arguments");
    kluis_rc rc = kluis_scrub_find(s, text, len, context, &spans, &n_spans, err);
    if (rc != KLUIS_OK)
        return rc;
    /* A replacement is at most 24 bytes (type, pseudonym) or no longer than what it replaces
     * (format): the output holds at most len - context + 24 · n_spans bytes. */
    size_t need = len - context + 24 * n_spans + 1;
    if (need > s->out_cap) {
        char *p = realloc(s->out, need);
        if (!p)
            return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
        s->out = p;
        s->out_cap = need;
    }
    struct out o = {s->out, 0};
    const unsigned char *t = s->run.t;
    size_t pos = context;
    for (size_t i = 0; i < n_spans; i++) {
        const struct kluis_scrub_span *sp = &spans[i];
        put(&o, t + pos, sp->start - pos);
        const unsigned char *v = t + sp->start;
        size_t n = sp->end - sp->start;
        if (s->mode == KLUIS_SCRUB_MODE_FORMAT) {
            format(sp, v, n, &o);
        } else if (s->mode == KLUIS_SCRUB_MODE_PSEUDONYM) {
            pseudonym(s, sp, v, n, &o);
        } else {
            char tag[24];
            int k = snprintf(tag, sizeof(tag), "[%s]", kluis_scrub_type_name(sp->type));
            put(&o, tag, (size_t)k);
        }
        pos = sp->end;
    }
    put(&o, t + pos, len - pos);
    o.p[o.n] = '\0';
    *out_text = o.p;
    *out_len = o.n;
    if (out_spans)
        *out_spans = spans;
    if (out_n)
        *out_n = n_spans;
    return KLUIS_OK;
}
