/*
 * A category's retention rule in words, as one sentence fragment that a statement can put after
 * "Bewaartermijn:" or in a register cell.
 *
 * The model's rule is a set of clauses: maxima (a period, "until" an event, a per-customer
 * setting) of which the earliest wins, and legal minima that hold a record back whatever the
 * maxima say (art. 17(3)(b)). The words follow that shape: the maxima first, joined so that a
 * reader sees the earliest one wins ("24 maanden na aanmaak, of eerder, tot je bezwaar maakt
 * tegen …"), then each legal minimum after a semicolon with the law that imposes it.
 *
 * Events are worded with the clause the policy gives them ("de koppeling is verwijderd"), so
 * that "tot" / "nadat" / "until" / "after" can be put in front; the two built-in events are
 * worded here, naming the purpose they concern.
 */
#include "render/render_internal.h"

#include <stdlib.h>
#include <string.h>

/* Whether an event follows "tot"/"until" or "nadat"/"after": Dutch needs another tense. */
enum tense {
    TENSE_UNTIL,
    TENSE_AFTER,
};

static const char *purpose_name(const struct kluis_policy *p, const char *id, enum kluis_lang lang)
{
    const struct kluis_purpose *pu = id ? kluis_policy_find_purpose(p, id) : NULL;
    const char *name = pu ? kluis__render_text(&pu->name, lang) : NULL;
    return name ? name : (id ? id : "?");
}

/*
 * The built-in events in words, around the quoted name of the purpose. The statement speaks to
 * the data subject ("tot je bezwaar maakt tegen …"); the register is a record kept about them and
 * speaks of them ("tot de betrokkene bezwaar maakt tegen …"). Dutch needs another tense after
 * "nadat" than after "tot"; English does not.
 */
struct event_words {
    const char *before;
    const char *after;
};

/* [voice][tense] */
static const struct event_words withdrawn_nl[2][2] = {
    {{"je je toestemming voor ", " intrekt"}, {"je je toestemming voor ", " hebt ingetrokken"}},
    {{"de betrokkene de toestemming voor ", " intrekt"},
     {"de betrokkene de toestemming voor ", " heeft ingetrokken"}},
};
static const struct event_words objected_nl[2][2] = {
    {{"je bezwaar maakt tegen ", ""}, {"je bezwaar hebt gemaakt tegen ", ""}},
    {{"de betrokkene bezwaar maakt tegen ", ""},
     {"de betrokkene bezwaar heeft gemaakt tegen ", ""}},
};
/* [voice] */
static const struct event_words withdrawn_en[2] = {
    {"you withdraw your consent for ", ""},
    {"the data subject withdraws consent for ", ""},
};
static const struct event_words objected_en[2] = {
    {"you object to ", ""},
    {"the data subject objects to ", ""},
};

static void put_event(struct kluis_buf *b, const struct kluis_policy *p,
                      const struct kluis_event_ref *ref, enum kluis_lang lang, enum tense tense,
                      enum kluis_voice voice)
{
    bool nl = lang == KLUIS_LANG_NL;
    int v = voice == KLUIS_VOICE_SUBJECT;
    int t = tense == TENSE_AFTER;
    const struct event_words *w = NULL;
    if (strcmp(ref->event, KLUIS_EVENT_CONSENT_WITHDRAWN) == 0)
        w = nl ? &withdrawn_nl[v][t] : &withdrawn_en[v];
    else if (strcmp(ref->event, KLUIS_EVENT_SUBJECT_OBJECTED) == 0)
        w = nl ? &objected_nl[v][t] : &objected_en[v];
    if (w) {
        kluis__buf_printf(b, "%s\u201c%s\u201d%s", w->before, purpose_name(p, ref->purpose, lang),
                          w->after);
        return;
    }
    const struct kluis_event_def *ev = kluis_policy_find_event(p, ref->event);
    const char *name = ev ? kluis__render_text(&ev->name, lang) : NULL;
    kluis__buf_puts(b, name ? name : ref->event);
}

/* "het concept is goedgekeurd of het concept is overgeslagen". */
static void put_events(struct kluis_buf *b, const struct kluis_policy *p,
                       const struct kluis_anchor *a, enum kluis_lang lang, enum tense tense,
                       enum kluis_voice voice)
{
    const char *or_word = lang == KLUIS_LANG_NL ? " of " : " or ";
    for (size_t i = 0; i < a->n_events; i++) {
        if (i > 0)
            kluis__buf_puts(b, i + 1 == a->n_events ? or_word : ", ");
        put_event(b, p, &a->events[i], lang, tense, voice);
    }
}

/* "1 januari van het volgende jaar", "the next 1 July". */
static void put_date_anchor(struct kluis_buf *b, const struct kluis_anchor *a, enum kluis_lang lang)
{
    const char *month = kluis__render_month(a->month, lang);
    bool nl = lang == KLUIS_LANG_NL;
    /* The first 1 January after any day is always in the next year: say so, as people do. */
    if (a->month == 1 && a->day == 1)
        kluis__buf_puts(b,
                        nl ? "1 januari van het volgende jaar" : "1 January of the following year");
    else
        kluis__buf_printf(b, nl ? "de eerstvolgende %d %s" : "the next %d %s", a->day, month);
}

/*
 * A period counted from an anchor: "7 dagen na aanmaak", "30 days after the draft is approved",
 * "direct nadat de transcriptie is voltooid", "7 jaar vanaf 1 januari van het volgende jaar",
 * "tot de eerstvolgende 1 januari (minstens eenmaal per jaar gewist)".
 */
static void put_period(struct kluis_buf *b, const struct kluis_policy *p, struct kluis_duration d,
                       const struct kluis_anchor *a, enum kluis_lang lang, enum kluis_voice voice)
{
    bool nl = lang == KLUIS_LANG_NL;
    switch (a->kind) {
    case KLUIS_ANCHOR_EVENT:
        if (a->month) {
            /* "7 jaar vanaf de eerste 1 januari nadat het account is gesloten". */
            if (d.n == 0)
                kluis__buf_puts(b, nl ? "tot" : "until");
            else {
                kluis__render_duration(b, d, lang);
                kluis__buf_puts(b, nl ? " vanaf" : " from");
            }
            kluis__buf_printf(b, nl ? " de eerste %d %s nadat " : " the first %d %s after ", a->day,
                              kluis__render_month(a->month, lang));
            put_events(b, p, a, lang, TENSE_AFTER, voice);
            return;
        }
        if (d.n == 0) {
            kluis__buf_puts(b, nl ? "direct nadat " : "immediately after ");
        } else {
            kluis__render_duration(b, d, lang);
            kluis__buf_puts(b, nl ? " nadat " : " after ");
        }
        put_events(b, p, a, lang, TENSE_AFTER, voice);
        return;
    case KLUIS_ANCHOR_DATE:
        if (d.n == 0) {
            kluis__buf_printf(b, nl ? "tot de eerstvolgende %d %s" : "until the next %d %s", a->day,
                              kluis__render_month(a->month, lang));
            kluis__buf_puts(b, nl ? " (minstens eenmaal per jaar gewist)"
                                  : " (cleared at least once a year)");
            return;
        }
        kluis__render_duration(b, d, lang);
        kluis__buf_puts(b, nl ? " vanaf " : " from ");
        put_date_anchor(b, a, lang);
        return;
    case KLUIS_ANCHOR_CREATED:
    default:
        if (d.n == 0) {
            kluis__buf_puts(b, nl ? "direct na aanmaak" : "immediately after creation");
        } else {
            kluis__render_duration(b, d, lang);
            kluis__buf_puts(b, nl ? " na aanmaak" : " after creation");
        }
        return;
    }
}

/* "tot de koppeling is verwijderd, uiterlijk 30 dagen daarna". */
static void put_until(struct kluis_buf *b, const struct kluis_policy *p,
                      const struct kluis_clause *cl, enum kluis_lang lang, enum kluis_voice voice)
{
    bool nl = lang == KLUIS_LANG_NL;
    kluis__buf_puts(b, nl ? "tot " : "until ");
    if (cl->anchor.kind == KLUIS_ANCHOR_EVENT)
        put_events(b, p, &cl->anchor, lang, TENSE_UNTIL, voice);
    else
        put_date_anchor(b, &cl->anchor, lang);
    if (cl->period.n > 0) {
        kluis__buf_puts(b, nl ? ", uiterlijk " : ", at most ");
        kluis__render_duration(b, cl->period, lang);
        kluis__buf_puts(b, nl ? " daarna" : " after");
    }
}

/* "instelbaar per klant tussen 0 dagen en 2 jaar; standaard 90 dagen". */
static void put_tenant(struct kluis_buf *b, const struct kluis_policy *p,
                       const struct kluis_clause *cl, enum kluis_lang lang, enum kluis_voice voice)
{
    bool nl = lang == KLUIS_LANG_NL;
    kluis__buf_puts(b, nl ? "instelbaar per klant" : "configurable per customer");
    if (cl->has_min && cl->has_max) {
        kluis__buf_puts(b, nl ? " tussen " : " between ");
        kluis__render_duration(b, cl->min, lang);
        kluis__buf_puts(b, nl ? " en " : " and ");
        kluis__render_duration(b, cl->max, lang);
    } else if (cl->has_max) {
        kluis__buf_puts(b, nl ? " tot ten hoogste " : " up to ");
        kluis__render_duration(b, cl->max, lang);
    } else if (cl->has_min) {
        kluis__buf_puts(b, nl ? ", ten minste " : ", at least ");
        kluis__render_duration(b, cl->min, lang);
    }
    /* Counted from creation needs no words ("90 dagen" is read as "after it was made"). */
    if (cl->anchor.kind == KLUIS_ANCHOR_EVENT) {
        kluis__buf_puts(b, nl ? " nadat " : " after ");
        put_events(b, p, &cl->anchor, lang, TENSE_AFTER, voice);
    } else if (cl->anchor.kind == KLUIS_ANCHOR_DATE) {
        kluis__buf_puts(b, nl ? " vanaf " : " from ");
        put_date_anchor(b, &cl->anchor, lang);
    }
    kluis__buf_puts(b, nl ? "; standaard " : "; default ");
    if (cl->period.n > 0)
        kluis__render_duration(b, cl->period, lang);
    else if (cl->anchor.kind == KLUIS_ANCHOR_EVENT)
        kluis__buf_puts(b, nl ? "direct" : "immediately");
    else
        kluis__buf_puts(b, nl ? "niet bewaard" : "not kept");
}

/*
 * A legal minimum. Alone it is the retention itself: "7 jaar vanaf 1 januari van het volgende
 * jaar (wettelijke bewaarplicht: art. 52 AWR)". Beside maxima it is a floor under them:
 * "ten minste 7 jaar nadat het account is opgeheven (art. 52 AWR)", and a clause that applies in
 * one country only begins with it: "in België ten minste 10 jaar …".
 */
static void put_legal(struct kluis_buf *b, const struct kluis_policy *p,
                      const struct kluis_clause *cl, bool alone, enum kluis_lang lang,
                      enum kluis_voice voice)
{
    bool nl = lang == KLUIS_LANG_NL;
    if (alone) {
        put_period(b, p, cl->period, &cl->anchor, lang, voice);
        kluis__buf_puts(b, nl ? " (wettelijke bewaarplicht" : " (statutory retention");
        if (cl->country) {
            kluis__buf_putc(b, ' ');
            kluis__render_in_country(b, cl->country, lang);
        }
        if (cl->source)
            kluis__buf_printf(b, ": %s", cl->source);
        kluis__buf_putc(b, ')');
        return;
    }
    if (cl->country) {
        kluis__render_in_country(b, cl->country, lang);
        kluis__buf_putc(b, ' ');
    }
    kluis__buf_puts(b, nl ? "ten minste " : "at least ");
    put_period(b, p, cl->period, &cl->anchor, lang, voice);
    if (cl->source)
        kluis__buf_printf(b, " (%s)", cl->source);
    else
        kluis__buf_puts(b, nl ? " (wettelijke bewaarplicht)" : " (statutory retention)");
}

static void put_maximum(struct kluis_buf *b, const struct kluis_policy *p,
                        const struct kluis_clause *cl, enum kluis_lang lang, enum kluis_voice voice)
{
    switch (cl->kind) {
    case KLUIS_CLAUSE_UNTIL:
        put_until(b, p, cl, lang, voice);
        break;
    case KLUIS_CLAUSE_TENANT:
        put_tenant(b, p, cl, lang, voice);
        break;
    case KLUIS_CLAUSE_PERIOD:
    case KLUIS_CLAUSE_LEGAL:
    default:
        put_period(b, p, cl->period, &cl->anchor, lang, voice);
        break;
    }
}

static void put_rule(struct kluis_buf *b, const struct kluis_policy *p,
                     const struct kluis_retention *r, enum kluis_lang lang, enum kluis_voice voice)
{
    bool nl = lang == KLUIS_LANG_NL;
    size_t n_max = 0;
    for (size_t i = 0; i < r->n_clauses; i++) {
        if (r->clauses[i].kind != KLUIS_CLAUSE_LEGAL)
            n_max++;
    }

    /* The maxima, in policy order. Two read as "A, of eerder, B" ("tot A of tot B" when both
     * wait for an event); more as a list that says the first one to come wins. */
    size_t n_until = 0;
    for (size_t i = 0; i < r->n_clauses; i++)
        n_until += r->clauses[i].kind == KLUIS_CLAUSE_UNTIL;
    bool plain_or = n_max == 2 && n_until == 2;
    size_t k = 0;
    for (size_t i = 0; i < r->n_clauses; i++) {
        const struct kluis_clause *cl = &r->clauses[i];
        if (cl->kind == KLUIS_CLAUSE_LEGAL)
            continue;
        if (k > 0 && plain_or)
            kluis__buf_puts(b, nl ? " of " : " or ");
        else if (k > 0 && n_max == 2)
            kluis__buf_puts(b, nl ? ", of eerder, " : ", or earlier, ");
        else if (k > 0)
            kluis__buf_puts(b, k + 1 == n_max ? (nl ? " of " : " or ") : ", ");
        put_maximum(b, p, cl, lang, voice);
        k++;
    }
    if (n_max > 2)
        kluis__buf_puts(b, nl ? ", wat het eerst komt" : ", whichever comes first");

    /* The legal minima: alone they are the rule; beside maxima they hold the record back. */
    bool first = n_max == 0;
    for (size_t i = 0; i < r->n_clauses; i++) {
        const struct kluis_clause *cl = &r->clauses[i];
        if (cl->kind != KLUIS_CLAUSE_LEGAL)
            continue;
        if (!first)
            kluis__buf_puts(b, "; ");
        first = false;
        put_legal(b, p, cl, n_max == 0, lang, voice);
    }
}

void kluis__render_retention_words(struct kluis_buf *b, const struct kluis_policy *p,
                                   const struct kluis_category *c, enum kluis_lang lang,
                                   enum kluis_voice voice)
{
    bool nl = lang == KLUIS_LANG_NL;
    const struct kluis_retention *r = c->retention;
    if (!r || r->n_clauses == 0) {
        /* Data that is never persisted has nothing to keep; say that instead of "not stated",
         * unless a customer may choose to store it (then the missing rule is a real gap). */
        if (c->storage == KLUIS_STORAGE_TRANSIENT && !c->tenant_may_change_storage)
            kluis__buf_puts(b, nl ? "nooit opgeslagen" : "never stored");
        else
            kluis__buf_puts(b, nl ? "niet vastgelegd" : "not stated");
    } else {
        put_rule(b, p, r, lang, voice);
    }

    const char *note = r ? kluis__render_text(&r->note, lang) : NULL;
    if (note) {
        /* A phrase that already ends in a parenthesis gets the note after a semicolon, so two
         * parentheses never stand side by side. */
        if (b->len > 0 && b->data[b->len - 1] == ')')
            kluis__buf_printf(b, "; %s", note);
        else
            kluis__buf_printf(b, " (%s)", note);
    }
}

kluis_rc kluis_render_retention(const struct kluis_policy *p, const struct kluis_category *c,
                                enum kluis_lang lang, char **out_text, size_t *out_len,
                                struct kluis_err *err)
{
    if (!p || !c || !out_text)
        return kluis_err_set(err, KLUIS_EINVAL, "kluis_render_retention: missing argument");
    if (lang != KLUIS_LANG_NL && lang != KLUIS_LANG_EN)
        return kluis_err_set(err, KLUIS_EINVAL, "unknown language");

    struct kluis_buf b;
    kluis__buf_init(&b, 0);
    kluis__render_retention_words(&b, p, c, lang, KLUIS_VOICE_YOU);
    return kluis__render_finish(&b, KLUIS_OK, "a retention rule", out_text, out_len, err);
}
