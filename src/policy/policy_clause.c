/*
 * Retention clauses (docs/policy.md, "Retention rules").
 *
 * String clauses are read by a small hand-written scanner over words, so that an error can point
 * at the column of the word that is wrong:
 *
 *   clause  = period [ "after" events | "from next" MM-DD ]
 *           | "at next" MM-DD
 *           | "until" events [ "+" period ]
 *   events  = event { "|" event }
 *   event   = event-id | "consent.withdrawn(" purpose-id ")" | "subject.objected(" purpose-id ")"
 *
 * Mapping clauses (`tenant:` and `legal:`) are read like the rest of the schema.
 */
#include "policy/policy_internal.h"

#include <stdio.h>
#include <string.h>

/*
 * Column of byte offset off inside a one-line scalar. libfyaml marks a quoted scalar at its
 * first character inside the quotes, so the offset applies as is. (Escapes in double-quoted
 * text shift it; the line is still right.)
 */
static int col_at(const struct ynode *n, size_t off)
{
    return n->col + (int)off;
}

#define CERR(ctx, node, off, ...)                                                                  \
    kluis__load_error((ctx), "schema-value", (node)->line, col_at((node), (off)), __VA_ARGS__)

struct scan {
    const char *s;
    size_t len;
    size_t pos;
};

static void skip_ws(struct scan *sc)
{
    while (sc->pos < sc->len && (sc->s[sc->pos] == ' ' || sc->s[sc->pos] == '\t'))
        sc->pos++;
}

/* The next word: a run of characters other than space, '|' and '+'. */
static size_t next_word(struct scan *sc, const char **out_w)
{
    skip_ws(sc);
    size_t start = sc->pos;
    while (sc->pos < sc->len && sc->s[sc->pos] != ' ' && sc->s[sc->pos] != '\t' &&
           sc->s[sc->pos] != '|' && sc->s[sc->pos] != '+')
        sc->pos++;
    *out_w = sc->s + start;
    return sc->pos - start;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

static bool parse_period(struct load_ctx *ctx, const struct ynode *node, const char *w, size_t n,
                         size_t off, struct kluis_duration *out)
{
    struct kluis_err e = {0};
    if (kluis_duration_parse(w, n, out, &e) == KLUIS_OK)
        return true;
    CERR(ctx, node, off, "%s; write a number and a unit: 72h, 7d, 2w, 12mo, 7y", e.message);
    return false;
}

/* One event: an id, or a built-in event with a purpose in parentheses. */
static bool parse_event(struct load_ctx *ctx, const struct ynode *node, const char *w, size_t n,
                        size_t off, struct kluis_event_ref *out)
{
    const char *paren = memchr(w, '(', n);
    if (!paren) {
        if (!kluis__id_valid(w, n)) {
            CERR(ctx, node, off, "'%.*s' is not a valid event id", (int)n, w);
            return false;
        }
        if (word_is(w, n, KLUIS_EVENT_CONSENT_WITHDRAWN) ||
            word_is(w, n, KLUIS_EVENT_SUBJECT_OBJECTED)) {
            CERR(ctx, node, off, "'%.*s' needs the purpose it concerns: %.*s(purpose-id)", (int)n,
                 w, (int)n, w);
            return false;
        }
        out->event = kluis__arena_strndup(ctx->arena, w, n);
        out->purpose = NULL;
        return out->event || kluis__load_oom(ctx);
    }
    size_t name_len = (size_t)(paren - w);
    if (w[n - 1] != ')') {
        CERR(ctx, node, off + n, "missing ')' after the purpose of '%.*s'", (int)name_len, w);
        return false;
    }
    if (!word_is(w, name_len, KLUIS_EVENT_CONSENT_WITHDRAWN) &&
        !word_is(w, name_len, KLUIS_EVENT_SUBJECT_OBJECTED)) {
        CERR(ctx, node, off,
             "only the built-in events consent.withdrawn(P) and subject.objected(P) take a "
             "purpose, not '%.*s'",
             (int)name_len, w);
        return false;
    }
    const char *purpose = paren + 1;
    size_t plen = n - name_len - 2;
    if (!kluis__id_valid(purpose, plen)) {
        CERR(ctx, node, off + name_len + 1, "'%.*s' is not a valid purpose id", (int)plen, purpose);
        return false;
    }
    out->event = kluis__arena_strndup(ctx->arena, w, name_len);
    out->purpose = kluis__arena_strndup(ctx->arena, purpose, plen);
    return (out->event && out->purpose) || kluis__load_oom(ctx);
}

/* Reads events separated by '|' from the scanner until the end or a '+'. */
static bool scan_events(struct load_ctx *ctx, const struct ynode *node, struct scan *sc,
                        size_t base, struct kluis_anchor *out)
{
    struct kluis_event_ref refs[16];
    size_t n = 0;
    for (;;) {
        const char *w;
        size_t wl = next_word(sc, &w);
        size_t off = base + (size_t)(w - sc->s);
        if (wl == 0) {
            CERR(ctx, node, off, "an event id is missing here");
            return false;
        }
        if (n == sizeof(refs) / sizeof(refs[0])) {
            CERR(ctx, node, off, "too many events in one clause (at most 16)");
            return false;
        }
        if (!parse_event(ctx, node, w, wl, off, &refs[n]))
            return false;
        n++;
        skip_ws(sc);
        if (sc->pos < sc->len && sc->s[sc->pos] == '|') {
            sc->pos++;
            continue;
        }
        break;
    }
    struct kluis_event_ref *arr = kluis__arena_array(ctx->arena, n, sizeof(*arr));
    if (!arr)
        return kluis__load_oom(ctx);
    memcpy(arr, refs, n * sizeof(*arr));
    out->kind = KLUIS_ANCHOR_EVENT;
    out->events = arr;
    out->n_events = n;
    return true;
}

bool kluis__events_parse(struct load_ctx *ctx, const struct ynode *node, const char *s, size_t len,
                         size_t off, struct kluis_anchor *out)
{
    struct scan sc = {.s = s, .len = len};
    if (!scan_events(ctx, node, &sc, off, out))
        return false;
    skip_ws(&sc);
    if (sc.pos < sc.len) {
        CERR(ctx, node, off + sc.pos, "unexpected '%.*s' after the events", (int)(len - sc.pos),
             s + sc.pos);
        return false;
    }
    return true;
}

/* "MM-DD" into an anchor; 29 February is refused (it would skip three years in four). */
static bool parse_month_day(struct load_ctx *ctx, const struct ynode *node, const char *w, size_t n,
                            size_t off, struct kluis_anchor *out)
{
    int m, d;
    if (n != 5 || w[2] != '-' || w[0] < '0' || w[0] > '9' || w[1] < '0' || w[1] > '9' ||
        w[3] < '0' || w[3] > '9' || w[4] < '0' || w[4] > '9') {
        CERR(ctx, node, off, "'%.*s' is not a month and day; write MM-DD, e.g. 01-01", (int)n, w);
        return false;
    }
    m = (w[0] - '0') * 10 + (w[1] - '0');
    d = (w[3] - '0') * 10 + (w[4] - '0');
    if (!kluis_date_valid(2001, m, d)) {
        CERR(ctx, node, off, "'%.*s' is not a day of the year that exists every year", (int)n, w);
        return false;
    }
    out->kind = KLUIS_ANCHOR_DATE;
    out->month = m;
    out->day = d;
    return true;
}

bool kluis__date_anchor_parse(struct load_ctx *ctx, const struct ynode *node, const char *s,
                              size_t len, size_t off, struct kluis_anchor *out)
{
    struct scan sc = {.s = s, .len = len};
    const char *w;
    size_t wl = next_word(&sc, &w);
    if (!word_is(w, wl, "next")) {
        CERR(ctx, node, off + (size_t)(w - s), "write 'next MM-DD', e.g. 'next 01-01'");
        return false;
    }
    wl = next_word(&sc, &w);
    if (!parse_month_day(ctx, node, w, wl, off + (size_t)(w - s), out))
        return false;
    skip_ws(&sc);
    if (sc.pos < sc.len) {
        CERR(ctx, node, off + sc.pos, "unexpected '%.*s'", (int)(len - sc.pos), s + sc.pos);
        return false;
    }
    return true;
}

static bool string_clause(struct load_ctx *ctx, const struct ynode *node, struct kluis_clause *out)
{
    struct scan sc = {.s = node->str, .len = node->len};
    const char *w;
    size_t wl = next_word(&sc, &w);
    size_t off = (size_t)(w - sc.s);
    memset(out, 0, sizeof(*out));
    out->pos = (struct kluis_pos){node->line, node->col};
    out->anchor.kind = KLUIS_ANCHOR_CREATED;

    if (wl == 0) {
        CERR(ctx, node, 0, "an empty retention clause");
        return false;
    }
    if (word_is(w, wl, "until")) {
        out->kind = KLUIS_CLAUSE_UNTIL;
        if (!scan_events(ctx, node, &sc, 0, &out->anchor))
            return false;
        skip_ws(&sc);
        if (sc.pos < sc.len && sc.s[sc.pos] == '+') {
            sc.pos++;
            wl = next_word(&sc, &w);
            if (!parse_period(ctx, node, w, wl, (size_t)(w - sc.s), &out->period))
                return false;
        }
    } else if (word_is(w, wl, "at")) {
        out->kind = KLUIS_CLAUSE_PERIOD;
        wl = next_word(&sc, &w);
        if (!word_is(w, wl, "next")) {
            CERR(ctx, node, (size_t)(w - sc.s), "write 'at next MM-DD', e.g. 'at next 01-01'");
            return false;
        }
        wl = next_word(&sc, &w);
        if (!parse_month_day(ctx, node, w, wl, (size_t)(w - sc.s), &out->anchor))
            return false;
        out->period = (struct kluis_duration){0, KLUIS_UNIT_DAY};
    } else {
        out->kind = KLUIS_CLAUSE_PERIOD;
        if (!parse_period(ctx, node, w, wl, off, &out->period))
            return false;
        const char *kw;
        size_t kl = next_word(&sc, &kw);
        if (word_is(kw, kl, "after")) {
            if (!scan_events(ctx, node, &sc, 0, &out->anchor))
                return false;
        } else if (word_is(kw, kl, "from")) {
            wl = next_word(&sc, &w);
            if (!word_is(w, wl, "next")) {
                CERR(ctx, node, (size_t)(w - sc.s), "write 'from next MM-DD'");
                return false;
            }
            wl = next_word(&sc, &w);
            if (!parse_month_day(ctx, node, w, wl, (size_t)(w - sc.s), &out->anchor))
                return false;
        } else if (kl) {
            CERR(ctx, node, (size_t)(kw - sc.s),
                 "expected 'after EVENT' or 'from next MM-DD' after the period, not '%.*s'",
                 (int)kl, kw);
            return false;
        }
    }
    skip_ws(&sc);
    if (sc.pos < sc.len) {
        CERR(ctx, node, sc.pos, "unexpected '%.*s' at the end of the clause",
             (int)(sc.len - sc.pos), sc.s + sc.pos);
        return false;
    }
    return true;
}

/* The anchor of a tenant/legal mapping: `after:` or `from:`, not both. */
static bool mapping_anchor(struct load_ctx *ctx, const struct ynode *map, struct kluis_anchor *out)
{
    const struct ynode *after = kluis__ymap_get(map, "after");
    const struct ynode *from = kluis__ymap_get(map, "from");
    out->kind = KLUIS_ANCHOR_CREATED;
    if (after) {
        if (after->type != YNODE_SCALAR) {
            kluis__load_error(ctx, "schema-type", after->line, after->col,
                              "'after' must be events written as 'a | b'");
            return false;
        }
        if (!kluis__events_parse(ctx, after, after->str, after->len, 0, out))
            return false;
        if (!from)
            return true;
        /* Both: from the first given date after the event ("7 years from 1 January after the
         * financial year in which the account closed"). */
        struct kluis_anchor date;
        if (from->type != YNODE_SCALAR ||
            !kluis__date_anchor_parse(ctx, from, from->str, from->len, 0, &date))
            return false;
        out->month = date.month;
        out->day = date.day;
        return true;
    }
    if (from) {
        if (from->type != YNODE_SCALAR) {
            kluis__load_error(ctx, "schema-type", from->line, from->col,
                              "'from' must be 'next MM-DD'");
            return false;
        }
        return kluis__date_anchor_parse(ctx, from, from->str, from->len, 0, out);
    }
    return true;
}

static bool duration_of(struct load_ctx *ctx, const struct ynode *map, const char *key,
                        bool required, struct kluis_duration *out)
{
    const struct ynode *v = kluis__ymap_get(map, key);
    if (!v) {
        if (required)
            kluis__load_error(ctx, "schema-required", map->line, map->col, "this clause needs '%s'",
                              key);
        return false;
    }
    if (v->type != YNODE_SCALAR) {
        kluis__load_error(ctx, "schema-type", v->line, v->col, "'%s' must be a duration", key);
        return false;
    }
    return parse_period(ctx, v, v->str, v->len, 0, out);
}

static bool keys_ok(struct load_ctx *ctx, const struct ynode *map, const char *const *allowed,
                    const char *what)
{
    bool ok = true;
    for (size_t i = 0; i < map->n_pairs; i++) {
        const struct ynode *k = map->pairs[i].key;
        bool known = false;
        for (size_t j = 0; allowed[j] && !known; j++)
            known = strcmp(allowed[j], k->str) == 0;
        if (!known) {
            char list[160] = "";
            for (size_t j = 0; allowed[j]; j++) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof(list) - used, "%s%s", j ? ", " : "", allowed[j]);
            }
            kluis__load_error(ctx, "schema-unknown-key", k->line, k->col,
                              "unknown key '%s' in a %s clause (it takes %s)", k->str, what, list);
            ok = false;
        }
    }
    return ok;
}

static bool tenant_clause(struct load_ctx *ctx, const struct ynode *v, struct kluis_clause *out)
{
    static const char *const keys[] = {"default", "min", "max", "after", "from", NULL};
    if (v->type != YNODE_MAP) {
        kluis__load_error(ctx, "schema-type", v->line, v->col,
                          "'tenant' must be a mapping such as {default: 90d, min: 0d, max: 2y}");
        return false;
    }
    out->kind = KLUIS_CLAUSE_TENANT;
    bool ok = keys_ok(ctx, v, keys, "tenant");
    size_t before = ctx->n_errors;
    ok = duration_of(ctx, v, "default", true, &out->period) && ok;
    out->has_min = duration_of(ctx, v, "min", false, &out->min);
    out->has_max = duration_of(ctx, v, "max", false, &out->max);
    ok = mapping_anchor(ctx, v, &out->anchor) && ok;
    return ok && ctx->n_errors == before;
}

static bool legal_clause(struct load_ctx *ctx, const struct ynode *v, struct kluis_clause *out)
{
    static const char *const keys[] = {"period", "after", "from", "source", "country", NULL};
    if (v->type != YNODE_MAP) {
        kluis__load_error(
            ctx, "schema-type", v->line, v->col,
            "'legal' must be a mapping such as {period: 7y, source: \"art. 52 AWR\"}");
        return false;
    }
    out->kind = KLUIS_CLAUSE_LEGAL;
    bool ok = keys_ok(ctx, v, keys, "legal");
    size_t before = ctx->n_errors;
    ok = duration_of(ctx, v, "period", true, &out->period) && ok;
    ok = mapping_anchor(ctx, v, &out->anchor) && ok;
    const struct ynode *s = kluis__ymap_get(v, "source");
    if (s) {
        if (s->type != YNODE_SCALAR || s->len == 0 || strlen(s->str) != s->len) {
            kluis__load_error(ctx, "schema-value", s->line, s->col,
                              "'source' must name the legal provision, e.g. \"art. 52 AWR\"");
            ok = false;
        } else {
            out->source = s->str;
        }
    }
    const struct ynode *c = kluis__ymap_get(v, "country");
    if (c) {
        if (c->type != YNODE_SCALAR || !kluis_country_name(c->str, KLUIS_LANG_EN)) {
            kluis__load_error(ctx, "schema-value", c->line, c->col,
                              "'country' must be an ISO 3166-1 alpha-2 code such as NL or BE");
            ok = false;
        } else {
            out->country = c->str;
        }
    }
    return ok && ctx->n_errors == before;
}

bool kluis__clause_parse(struct load_ctx *ctx, const struct ynode *node, struct kluis_clause *out)
{
    memset(out, 0, sizeof(*out));
    out->pos = (struct kluis_pos){node->line, node->col};
    if (node->type == YNODE_SCALAR) {
        if (node->len == 0 || strlen(node->str) != node->len) {
            kluis__load_error(ctx, "schema-value", node->line, node->col,
                              "an empty retention clause");
            return false;
        }
        return string_clause(ctx, node, out);
    }
    if (node->type == YNODE_MAP && node->n_pairs == 1) {
        const struct ynode *k = node->pairs[0].key;
        const struct ynode *v = node->pairs[0].value;
        if (strcmp(k->str, "tenant") == 0)
            return tenant_clause(ctx, v, out);
        if (strcmp(k->str, "legal") == 0)
            return legal_clause(ctx, v, out);
        kluis__load_error(ctx, "schema-unknown-key", k->line, k->col,
                          "unknown retention clause '%s'; a mapping clause is 'tenant:' or "
                          "'legal:'",
                          k->str);
        return false;
    }
    kluis__load_error(ctx, "schema-type", node->line, node->col,
                      "a retention clause is a string such as '7d' or '30d after draft.approved', "
                      "or a mapping with 'tenant:' or 'legal:'");
    return false;
}
