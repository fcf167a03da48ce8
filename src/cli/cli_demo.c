/*
 * kluis demo: a populated store to look around in, and a month of retention to watch.
 *
 * The demo carries its own policy (the example mail assistant, embedded at build time), makes
 * four tenants in the Netherlands and Belgium, and writes two months of synthetic activity for
 * them: October as history, then November day by day, with the events that retention waits for
 * and a purge every day. At the end it says, per category, what was written, what the purges
 * removed and what is kept, with the retention rule in words: the why.
 *
 * Everything is generated: names are combinations of common first and last names, addresses are
 * under the reserved .example domain (RFC 2606), tokens and hashes are random look-alikes. The
 * random generator has a fixed seed and the clock is the demo's own, so every run prints the
 * same.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A throwaway store: commits need not survive power loss (docs/cli.md, store URLs). */
#define DEMO_DB_DEFAULT      "sqlite:kluis-demo.db?synchronous=normal"
#define DEMO_RECORDS_DEFAULT 5000
#define DEMO_RECORDS_MAX     1000000
#define DAY_S                INT64_C(86400)

#define HISTORY_DAYS 30 /* 2 to 31 October: history, purged daily but not told day by day */
#define MONTH_DAYS   30 /* 1 to 30 November */
#define TOTAL_DAYS   (HISTORY_DAYS + MONTH_DAYS)

/* The categories the demo writes, in the order of the summary. */
enum demo_cat {
    C_MAIL_METADATA,
    C_DRAFTS,
    C_WHATSAPP,
    C_TRANSCRIPTS,
    C_VOICE,
    C_CALENDAR,
    C_STYLE,
    C_TOKENS_MAIL,
    C_TOKENS_CALENDAR,
    C_TOKENS_VOICE,
    C_ACCOUNT,
    C_LOGIN,
    C_INVOICES,
    C_USAGE_LOGS,
    C_SUPPORT,
    N_CATS
};

static const char *const cat_ids[N_CATS] = {
    "mail_metadata",
    "drafts",
    "whatsapp",
    "transcripts",
    "voice_recordings",
    "calendar_events",
    "style_profile",
    "oauth_tokens_mail",
    "oauth_tokens_calendar",
    "oauth_tokens_voice",
    "account",
    "login",
    "invoices",
    "usage_logs",
    "support",
};

enum { T_BAKKERIJ, T_INSTALLATEUR, T_BRASSERIE, T_KAPSALON, N_TENANTS };

struct demo_tenant {
    const char *name;
    const char *country;
    const char *company;
    const char *settings[2]; /* applied when the tenant is added */
    const char *refused;     /* a setting it asks for that the policy does not allow */
    int n_mailboxes;         /* integrations gmail-1 .. gmail-N */
    bool voice;              /* takes phone calls through the voice assistant */
};

static const struct demo_tenant tenants[N_TENANTS] = {
    {"bakkerij-de-vries",
     "NL",
     "Bakkerij De Vries",
     {"whatsapp.retention=30d", NULL},
     NULL,
     2,
     false},
    {"installatiebedrijf-bakker",
     "NL",
     "Installatiebedrijf Bakker",
     {NULL, NULL},
     "whatsapp.retention=5y",
     1,
     true},
    {"brasserie-peeters",
     "BE",
     "Brasserie Peeters",
     {"voice_recordings.storage=stored", "voice_recordings.retention=14d"},
     NULL,
     1,
     true},
    {"kapsalon-janssens", "BE", "Kapsalon Janssens", {NULL, NULL}, NULL, 2, false},
};

/* The days (0-based over TOTAL_DAYS) of the events the summary tells about. */
#define DAY_HOLD_PLACED    (HISTORY_DAYS + 2)  /* 3 November */
#define DAY_INTEGRATION    (HISTORY_DAYS + 9)  /* 10 November */
#define DAY_CONSENT        (HISTORY_DAYS + 14) /* 15 November */
#define DAY_ACCOUNT_CLOSED (HISTORY_DAYS + 19) /* 20 November */
#define DAY_HOLD_RELEASED  (HISTORY_DAYS + 24) /* 25 November */

static const char *const first_names[] = {
    "Sanne", "Daan", "Emma",  "Lucas", "Julia", "Sem",   "Tess",  "Milan", "Lotte",  "Noah",
    "Fleur", "Bram", "Anouk", "Thijs", "Lieke", "Jesse", "Femke", "Ruben", "Sophie", "Lars",
    "Elise", "Wout", "Noor",  "Arne",  "Lien",  "Jens",  "Marie", "Stijn", "Amber",  "Pieter",
};

static const char *const last_names[] = {
    "de Vries", "Jansen",  "Visser",  "Smit",     "Meijer",   "de Boer", "Mulder",  "de Groot",
    "Bos",      "Vos",     "Peters",  "Hendriks", "Dekker",   "Brouwer", "Maes",    "Claes",
    "Goossens", "Wouters", "Willems", "Mertens",  "Jacobs",   "Dubois",  "Lambert", "Verhoeven",
    "Hermans",  "Aerts",   "Smeets",  "Kok",      "van Dijk", "Martens",
};

static const char *const mail_subjects[] = {
    "Afspraak verzetten",        "Vraag over mijn bestelling",
    "Offerteaanvraag",           "Factuur oktober",
    "Openingstijden feestdagen", "Bevestiging reservering",
    "Levering te laat",          "Bedankt!",
    "Nieuwe afspraak",           "Retourzending",
};

static const char *const snippets[] = {
    "Hallo, kan ik mijn afspraak van donderdag verzetten naar volgende week?",
    "Goedemorgen, wanneer kan ik de bestelling komen ophalen?",
    "Graag ontvang ik een offerte voor het vervangen van de ketel.",
    "In de bijlage vindt u de factuur; graag betaling binnen 14 dagen.",
    "Zijn jullie tussen kerst en oud en nieuw open?",
    "Hierbij bevestig ik de reservering voor vier personen om 19 uur.",
    "De levering die voor dinsdag gepland stond is nog niet binnen.",
    "Heel erg bedankt voor de snelle hulp gisteren!",
};

static const char *const replies[] = {
    "Dat kan zeker, ik heb je afspraak verzet.",
    "Je bestelling ligt vanaf morgen 10 uur klaar.",
    "Dank voor je aanvraag; je ontvangt de offerte deze week.",
    "We zijn op 27 en 28 december gesloten, verder gewoon open.",
    "Je reservering staat genoteerd, tot dan!",
    "Excuses voor de vertraging; de levering komt morgen.",
};

static const char *const whatsapp_texts[] = {
    "Hoi! Zijn jullie zaterdag open?",
    "Kan ik morgen om 10 uur langskomen?",
    "Top, tot dan!",
    "Is mijn bestelling al klaar?",
    "Ik ben iets later, ongeveer 10 minuten.",
    "Hebben jullie nog plek voor vanavond?",
    "Dank je wel, alles is in orde.",
};

static const char *const call_lines[] = {
    "Beller: Goedemiddag, ik wil graag een afspraak maken. Assistent: Dat kan, welke dag past u?",
    "Beller: Mijn cv-ketel geeft een storing. Assistent: Ik plan een monteur voor u in.",
    "Beller: Kan ik een tafel reserveren voor zaterdag? Assistent: Voor hoeveel personen?",
    "Beller: Ik bel over de factuur. Assistent: Ik stuur uw vraag door naar de administratie.",
};

static const char *const appointment_titles[] = {
    "Knipbeurt",     "Onderhoud cv-ketel", "Tafel voor 4",
    "Taart ophalen", "Intakegesprek",      "Storing verhelpen",
};

/* A decision the demo will report on a later day. */
struct pending {
    int day;
    int tenant;
    const char *event; /* draft.approved, draft.skipped, calendar.cancelled */
    const char *key;   /* link key: draft, appointment */
    uint64_t seq;
};

/* A line for the summary: something that happened to one category. */
struct note {
    int cat;
    char text[200];
};

struct demo {
    bool gmail2_removed; /* bakkerij-de-vries removed integration gmail-2 */
    const struct kluis_policy *p;
    struct kluis_engine *e;
    const char *db;
    uint64_t rng;
    long records; /* about this many per tenant */
    size_t n_subjects;
    bool tty;
    int64_t start; /* 1 October 09:00 UTC: the tenants are added */
    int day;       /* 0-based over TOTAL_DAYS */

    uint64_t written[N_TENANTS][N_CATS];
    uint64_t removed[N_TENANTS][N_CATS];
    uint64_t day_written, day_events, day_removed, n_events;
    bool closed[N_TENANTS];
    uint64_t seq[N_TENANTS]; /* draft, call and appointment numbers per tenant */

    struct pending *pending;
    size_t n_pending, cap_pending;
    struct note notes[32];
    size_t n_notes;

    uint64_t first_mail_id, last_mail_id; /* of the first tenant, for the spot check */
    char first_mail_date[16], last_mail_date[16];
    char held_subject[96];
    uint64_t hold_id;
    char story[1024]; /* what happened today besides the routine, printed under the day */
    char date[16];    /* today, YYYY-MM-DD */
};

/* ---- Generation -------------------------------------------------------------------------- */

/* SplitMix64: small, fast, good enough for synthetic data, and the same on every machine. */
static uint64_t next_random(struct demo *d)
{
    uint64_t z = (d->rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static size_t pick(struct demo *d, size_t n)
{
    return (size_t)(next_random(d) % n);
}

#define PICK(d, arr) ((arr)[pick((d), sizeof(arr) / sizeof((arr)[0]))])

/* How many of a flow happen today: per_mille of the tenant's records spread over the days,
 * rounded at random so that small demos still see some of everything. */
static unsigned today_count(struct demo *d, unsigned per_mille)
{
    uint64_t base = (uint64_t)d->records * per_mille;
    uint64_t whole = base / (TOTAL_DAYS * 1000u), part = base % (TOTAL_DAYS * 1000u);
    return (unsigned)(whole + (next_random(d) % (TOTAL_DAYS * 1000u) < part ? 1 : 0));
}

/* Appends the lower-case letters of s (spaces dropped) to buf. */
static void append_address_part(char *buf, size_t size, const char *s)
{
    size_t len = strlen(buf);
    for (; *s && len + 1 < size; s++)
        if (*s != ' ')
            buf[len++] = (char)tolower((unsigned char)*s);
    buf[len] = '\0';
}

/* Subject i of tenant t: a display name and an address, both generated. */
static void subject_of(size_t i, int t, char *name, size_t name_size, char *addr, size_t addr_size)
{
    const size_t nf = sizeof(first_names) / sizeof(first_names[0]);
    const size_t nl = sizeof(last_names) / sizeof(last_names[0]);
    const char *first = first_names[(i * 7 + (size_t)t * 3) % nf];
    const char *last = last_names[(i * 11 + (size_t)t * 5 + i / nf) % nl];
    snprintf(name, name_size, "%s %s", first, last);
    addr[0] = '\0';
    append_address_part(addr, addr_size, first);
    append_address_part(addr, addr_size, ".");
    append_address_part(addr, addr_size, last);
    size_t len = strlen(addr);
    snprintf(addr + len, addr_size - len, "%zu@%s.example", i + 1,
             i % 3 == 0   ? "mail"
             : i % 3 == 1 ? "post"
                          : "inbox");
}

/* A user of the tenant's own account (a customer's contact person). */
static void user_of(int t, int k, char *addr, size_t size)
{
    snprintf(addr, size, "%s@%s.example", k == 0 ? "eigenaar" : "medewerker", tenants[t].name);
}

static void random_token(struct demo *d, char *buf, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < len; i++)
        buf[i] = alphabet[pick(d, 64)];
    buf[len] = '\0';
}

/* ---- Engine calls ------------------------------------------------------------------------ */

static void set_clock(struct demo *d, int64_t t)
{
    kluis_engine_set_now(d->e, t);
}

static int put(struct demo *d, int t, enum demo_cat c, const char *subject, const void *value,
               size_t len, const struct kluis_link *links, size_t n_links, uint64_t *out_id)
{
    struct kluis_record_input in = {.tenant = tenants[t].name,
                                    .subject = subject,
                                    .category = cat_ids[c],
                                    .links = links,
                                    .n_links = n_links,
                                    .value = value,
                                    .value_len = len};
    struct kluis_err err = {0};
    uint64_t id;
    if (kluis_record_put(d->e, &in, &id, &err) != KLUIS_OK)
        return cli_fail("demo", &err);
    d->written[t][c]++;
    d->day_written++;
    if (out_id)
        *out_id = id;
    return CLI_OK;
}

static int put_text(struct demo *d, int t, enum demo_cat c, const char *subject, const char *text,
                    const struct kluis_link *links, size_t n_links, uint64_t *out_id)
{
    return put(d, t, c, subject, text, strlen(text), links, n_links, out_id);
}

static int fire(struct demo *d, int t, const char *event, const char *purpose, const char *subject,
                const char *key, const char *value, uint64_t *out_affected)
{
    struct kluis_link link = {key, value};
    struct kluis_event_input in = {.tenant = tenants[t].name,
                                   .name = event,
                                   .purpose = purpose,
                                   .subject = subject,
                                   .link = key ? &link : NULL};
    struct kluis_err err = {0};
    uint64_t affected = 0;
    if (kluis_event_record(d->e, &in, &affected, &err) != KLUIS_OK)
        return cli_fail("demo", &err);
    d->day_events++;
    d->n_events++;
    if (out_affected)
        *out_affected = affected;
    return CLI_OK;
}

static int cat_index(const char *id)
{
    for (int c = 0; c < N_CATS; c++)
        if (strcmp(cat_ids[c], id) == 0)
            return c;
    return -1;
}

static int tenant_index(const char *name)
{
    for (int t = 0; t < N_TENANTS; t++)
        if (strcmp(tenants[t].name, name) == 0)
            return t;
    return -1;
}

static int purge(struct demo *d, int64_t *out_oldest)
{
    struct kluis_err err = {0};
    struct kluis_purge_report *r = NULL;
    if (kluis_purge(d->e, false, &r, &err) != KLUIS_OK)
        return cli_fail("demo", &err);
    for (size_t i = 0; i < r->n_lines; i++) {
        int t = tenant_index(r->lines[i].tenant), c = cat_index(r->lines[i].category);
        if (t >= 0 && c >= 0)
            d->removed[t][c] += r->lines[i].removed;
    }
    d->day_removed += r->total;
    if (out_oldest)
        *out_oldest = r->oldest_remaining;
    kluis_purge_report_free(r);
    return CLI_OK;
}

static void add_note(struct demo *d, int c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void tell(struct demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds a line to today's story. */
static void tell(struct demo *d, const char *fmt, ...)
{
    size_t len = strlen(d->story);
    if (len + 8 >= sizeof(d->story))
        return;
    memcpy(d->story + len, "      ", 6);
    len += 6;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->story + len, sizeof(d->story) - len - 1, fmt, ap);
    va_end(ap);
    len = strlen(d->story);
    d->story[len] = '\n';
    d->story[len + 1] = '\0';
}

static void add_note(struct demo *d, int c, const char *fmt, ...)
{
    if (d->n_notes == sizeof(d->notes) / sizeof(d->notes[0]))
        return;
    struct note *n = &d->notes[d->n_notes++];
    n->cat = c;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->text, sizeof(n->text), fmt, ap);
    va_end(ap);
}

/* Notes tenant t's event for every category of t's records whose rule waits for it. */
static void note_event(struct demo *d, int t, const char *event, const char *purpose,
                       const char *what)
{
    for (int c = 0; c < N_CATS; c++) {
        const struct kluis_category *cat = kluis_policy_find_category(d->p, cat_ids[c]);
        if (cat && d->written[t][c] && kluis_retention_waits_for(cat, event, purpose))
            add_note(d, c, "%s %s", d->date, what);
    }
}

static int schedule(struct demo *d, int day, int t, const char *event, const char *key,
                    uint64_t seq)
{
    if (d->n_pending == d->cap_pending) {
        size_t cap = d->cap_pending ? d->cap_pending * 2 : 256;
        struct pending *bigger = realloc(d->pending, cap * sizeof(*bigger));
        if (!bigger) {
            cli_error("demo", "out of memory");
            return CLI_FAIL;
        }
        d->pending = bigger;
        d->cap_pending = cap;
    }
    d->pending[d->n_pending++] = (struct pending){day, t, event, key, seq};
    return CLI_OK;
}

/* ---- One tenant's day -------------------------------------------------------------------- */

/* A mailbox integration of tenant t that is still connected, picked at random. */
static void mailbox_of(struct demo *d, int t, char *buf, size_t size)
{
    size_t m = 1 + pick(d, (size_t)tenants[t].n_mailboxes);
    if (t == T_BAKKERIJ && d->gmail2_removed && m == 2)
        m = 1; /* a removed integration sends nothing any more */
    snprintf(buf, size, "gmail-%zu", m);
}

static int write_mail(struct demo *d, int t)
{
    char name[64], addr[96], value[512], integration[32], draft[24];
    unsigned n_mail = today_count(d, 450), n_drafts = today_count(d, 150);
    for (unsigned i = 0; i < n_mail; i++) {
        subject_of(pick(d, d->n_subjects), t, name, sizeof(name), addr, sizeof(addr));
        mailbox_of(d, t, integration, sizeof(integration));
        snprintf(value, sizeof(value), "thread=%08" PRIx64 "; from=%s <%s>; subject=%s; snippet=%s",
                 next_random(d) & 0xffffffffu, name, addr, PICK(d, mail_subjects),
                 PICK(d, snippets));
        struct kluis_link links[] = {{"integration", integration}};
        uint64_t id = 0;
        if (put_text(d, t, C_MAIL_METADATA, addr, value, links, 1, &id) != CLI_OK)
            return CLI_FAIL;
        if (t == 0 && !d->first_mail_id) {
            d->first_mail_id = id;
            memcpy(d->first_mail_date, d->date, sizeof(d->date));
        }
        if (t == 0) {
            d->last_mail_id = id;
            memcpy(d->last_mail_date, d->date, sizeof(d->date));
        }
    }
    for (unsigned i = 0; i < n_drafts; i++) {
        subject_of(pick(d, d->n_subjects), t, name, sizeof(name), addr, sizeof(addr));
        uint64_t seq = ++d->seq[t];
        snprintf(draft, sizeof(draft), "%" PRIu64, seq);
        mailbox_of(d, t, integration, sizeof(integration));
        snprintf(value, sizeof(value),
                 "Beste %s, dank voor je bericht. %s Met vriendelijke groet, %s | classifier=%.2f",
                 name, PICK(d, replies), tenants[t].company, 0.5 + (double)pick(d, 50) / 100.0);
        struct kluis_link links[] = {{"draft", draft}, {"integration", integration}};
        if (put_text(d, t, C_DRAFTS, addr, value, links, 2, NULL) != CLI_OK)
            return CLI_FAIL;
        /* Most drafts are approved or skipped within three days; some wait forever. */
        size_t r = pick(d, 100);
        if (r < 90 && schedule(d, d->day + 1 + (int)pick(d, 3), t,
                               r < 70 ? "draft.approved" : "draft.skipped", "draft", seq) != CLI_OK)
            return CLI_FAIL;
    }
    return CLI_OK;
}

static int write_whatsapp(struct demo *d, int t)
{
    char name[64], addr[96], value[256];
    unsigned n = today_count(d, 200);
    for (unsigned i = 0; i < n; i++) {
        subject_of(pick(d, d->n_subjects), t, name, sizeof(name), addr, sizeof(addr));
        snprintf(value, sizeof(value), "%s: %s", pick(d, 2) ? "in" : "uit",
                 PICK(d, whatsapp_texts));
        if (put_text(d, t, C_WHATSAPP, addr, value, NULL, 0, NULL) != CLI_OK)
            return CLI_FAIL;
    }
    /* The customer a legal hold will concern writes early in October. */
    if (t == T_BAKKERIJ && d->day < 4)
        return put_text(d, t, C_WHATSAPP, d->held_subject, "in: Mijn taart was niet geleverd!",
                        NULL, 0, NULL);
    return CLI_OK;
}

static int write_calls(struct demo *d, int t)
{
    if (!tenants[t].voice)
        return CLI_OK;
    char name[64], addr[96], value[256], call[24];
    unsigned n = today_count(d, 70);
    for (unsigned i = 0; i < n; i++) {
        subject_of(pick(d, d->n_subjects), t, name, sizeof(name), addr, sizeof(addr));
        snprintf(call, sizeof(call), "%" PRIu64, ++d->seq[t]);
        struct kluis_link links[] = {{"call", call}};
        if (t == T_BRASSERIE) {
            /* A stand-in for audio: a WAV header and noise. */
            unsigned char audio[96] = "RIFF\x58\0\0\0WAVEfmt ";
            for (size_t k = 16; k < sizeof(audio); k++)
                audio[k] = (unsigned char)next_random(d);
            if (put(d, t, C_VOICE, addr, audio, sizeof(audio), links, 1, NULL) != CLI_OK)
                return CLI_FAIL;
        }
        snprintf(value, sizeof(value), "%s (%s)", PICK(d, call_lines), name);
        if (put_text(d, t, C_TRANSCRIPTS, addr, value, links, 1, NULL) != CLI_OK ||
            fire(d, t, "transcription.completed", NULL, NULL, "call", call, NULL) != CLI_OK)
            return CLI_FAIL;
    }
    return CLI_OK;
}

static int write_calendar(struct demo *d, int t)
{
    char name[64], addr[96], value[256], integration[32], appointment[24];
    unsigned n = today_count(d, 80);
    for (unsigned i = 0; i < n; i++) {
        subject_of(pick(d, d->n_subjects), t, name, sizeof(name), addr, sizeof(addr));
        uint64_t seq = ++d->seq[t];
        snprintf(appointment, sizeof(appointment), "%" PRIu64, seq);
        mailbox_of(d, t, integration, sizeof(integration));
        int hour = 9 + (int)pick(d, 8);
        snprintf(value, sizeof(value),
                 "title=%s; start=%sT%02d:00:00+01:00; end=%sT%02d:45:00+01:00; attendees=%s",
                 PICK(d, appointment_titles), d->date, hour, d->date, hour, name);
        struct kluis_link links[] = {{"appointment", appointment}, {"integration", integration}};
        if (put_text(d, t, C_CALENDAR, addr, value, links, 2, NULL) != CLI_OK)
            return CLI_FAIL;
        if (pick(d, 10) == 0 && schedule(d, d->day + 1 + (int)pick(d, 5), t, "calendar.cancelled",
                                         "appointment", seq) != CLI_OK)
            return CLI_FAIL;
    }
    return CLI_OK;
}

static int write_own_account(struct demo *d, int t)
{
    char user[96], value[160];
    unsigned n = today_count(d, 50);
    for (unsigned i = 0; i < n; i++) {
        user_of(t, (int)pick(d, 2), user, sizeof(user));
        snprintf(value, sizeof(value), "POST /v1/drafts/%" PRIu64 "/approve 200 (%u ms)", d->seq[t],
                 (unsigned)(40 + pick(d, 200)));
        if (put_text(d, t, C_USAGE_LOGS, user, value, NULL, 0, NULL) != CLI_OK)
            return CLI_FAIL;
    }
    if ((d->day + t) % 7 == 0) {
        user_of(t, 0, user, sizeof(user));
        if (put_text(d, t, C_SUPPORT, user,
                     "Vraag: hoe koppel ik een tweede mailbox? Antwoord: via Instellingen > "
                     "Koppelingen.",
                     NULL, 0, NULL) != CLI_OK)
            return CLI_FAIL;
    }
    return CLI_OK;
}

static int invoice(struct demo *d, int t, const char *month)
{
    char user[96], value[160];
    user_of(t, 0, user, sizeof(user));
    snprintf(value, sizeof(value),
             "factuur %s-%04d; bedrag=EUR 49,00; iban=NL** **** **** **%02u; status=betaald", month,
             t + 1, (unsigned)pick(d, 100));
    return put_text(d, t, C_INVOICES, user, value, NULL, 0, NULL);
}

/* The decisions and cancellations due today. */
static int decide(struct demo *d)
{
    size_t keep = 0;
    for (size_t i = 0; i < d->n_pending; i++) {
        struct pending *x = &d->pending[i];
        if (x->day != d->day) {
            d->pending[keep++] = *x;
            continue;
        }
        if (d->closed[x->tenant])
            continue;
        char seq[24];
        snprintf(seq, sizeof(seq), "%" PRIu64, x->seq);
        if (fire(d, x->tenant, x->event, NULL, NULL, x->key, seq, NULL) != CLI_OK)
            return CLI_FAIL;
    }
    d->n_pending = keep;
    return CLI_OK;
}

/* ---- Setup ------------------------------------------------------------------------------- */

static int add_tenant(struct demo *d, int t)
{
    const struct demo_tenant *x = &tenants[t];
    struct kluis_err err = {0};
    if (kluis_tenant_add(d->e, x->name, x->country, &err) != KLUIS_OK) {
        if (err.rc == KLUIS_EEXIST)
            kluis_err_hint(&err, "the store already holds the demo; run 'kluis demo --fresh'");
        return cli_fail("demo", &err);
    }
    printf("  %-26s %s", x->name, x->country);
    for (size_t i = 0; i < 2 && x->settings[i]; i++) {
        if (kluis_tenant_set(d->e, x->name, x->settings[i], &err) != KLUIS_OK)
            return cli_fail("demo", &err);
        printf("  %s", x->settings[i]);
    }
    if (!x->settings[0] && !x->refused)
        printf("  (the policy's defaults)");
    if (!x->refused) {
        printf("\n");
        return CLI_OK;
    }
    if (kluis_tenant_set(d->e, x->name, x->refused, &err) == KLUIS_OK) {
        cli_error("demo", "the policy was expected to refuse %s", x->refused);
        return CLI_FAIL;
    }
    printf("  asks %s: refused, keeps the default\n      (%s)\n", x->refused, err.message);
    return CLI_OK;
}

/* The tenant's own account, integrations and tokens, written when it is added. */
static int onboard(struct demo *d, int t)
{
    char user[96], value[256], integration[32], token[128];
    for (int k = 0; k < 2; k++) {
        user_of(t, k, user, sizeof(user));
        char name[64], ignored[96];
        subject_of((size_t)(1000 + k), t, name, sizeof(name), ignored, sizeof(ignored));
        snprintf(value, sizeof(value), "naam=%s; e-mail=%s; rol=%s; bedrijf=%s", name, user,
                 k == 0 ? "eigenaar" : "medewerker", tenants[t].company);
        if (put_text(d, t, C_ACCOUNT, user, value, NULL, 0, NULL) != CLI_OK)
            return CLI_FAIL;
        random_token(d, token, 43);
        snprintf(value, sizeof(value), "$argon2id$v=19$m=65536,t=3,p=4$%.22s$%s", token + 21,
                 token);
        if (put_text(d, t, C_LOGIN, user, value, NULL, 0, NULL) != CLI_OK)
            return CLI_FAIL;
    }
    user_of(t, 0, user, sizeof(user));
    for (int m = 1; m <= tenants[t].n_mailboxes; m++) {
        snprintf(integration, sizeof(integration), "gmail-%d", m);
        struct kluis_link links[] = {{"integration", integration}};
        random_token(d, token, 100);
        snprintf(value, sizeof(value), "gAAAAA%s", token);
        if (put_text(d, t, C_TOKENS_MAIL, user, value, links, 1, NULL) != CLI_OK ||
            put_text(d, t, C_TOKENS_CALENDAR, user, value, links, 1, NULL) != CLI_OK)
            return CLI_FAIL;
        snprintf(value, sizeof(value), "toon=%s; gemiddelde lengte=%zu woorden; aanhef=%s",
                 m == 1 ? "informeel" : "zakelijk", 40 + pick(d, 80), m == 1 ? "Hoi" : "Beste");
        if (put_text(d, t, C_STYLE, user, value, links, 1, NULL) != CLI_OK)
            return CLI_FAIL;
    }
    if (tenants[t].voice) {
        struct kluis_link links[] = {{"integration", "twilio-1"}};
        random_token(d, token, 100);
        snprintf(value, sizeof(value), "gAAAAA%s", token);
        if (put_text(d, t, C_TOKENS_VOICE, user, value, links, 1, NULL) != CLI_OK)
            return CLI_FAIL;
    }
    return invoice(d, t, "2026-10");
}

/* A voice recording for a tenant that did not opt in: the policy says transient. */
static int show_transient_refusal(struct demo *d)
{
    struct kluis_record_input in = {.tenant = tenants[T_INSTALLATEUR].name,
                                    .subject = "demo-caller",
                                    .category = "voice_recordings",
                                    .value = "RIFF",
                                    .value_len = 4};
    struct kluis_err err = {0};
    uint64_t id;
    if (kluis_record_put(d->e, &in, &id, &err) == KLUIS_OK) {
        cli_error("demo", "the policy was expected to refuse a voice recording");
        return CLI_FAIL;
    }
    printf("  a voice recording for %s is refused\n      (%s)\n", tenants[T_INSTALLATEUR].name,
           err.message);
    return CLI_OK;
}

/* ---- The month --------------------------------------------------------------------------- */

/* How many records the store holds now (written minus purged). */
static uint64_t stored(const struct demo *d)
{
    uint64_t n = 0;
    for (int t = 0; t < N_TENANTS; t++)
        for (int c = 0; c < N_CATS; c++)
            n += d->written[t][c] - d->removed[t][c];
    return n;
}

/* One line on a terminal's stderr, rewritten in place; nothing on a pipe. */
static void progress(struct demo *d)
{
    if (!d->tty)
        return;
    if (d->day < HISTORY_DAYS)
        fprintf(stderr, "\rhistory: October day %d/%d, %" PRIu64 " records stored ", d->day + 1,
                HISTORY_DAYS, stored(d));
    else
        fprintf(stderr, "\rday %d/%d, %" PRIu64 " records stored ", d->day - HISTORY_DAYS + 1,
                MONTH_DAYS, stored(d));
    fflush(stderr);
}

/* Clears the progress line (before stdout writes on the same terminal). */
static void progress_done(struct demo *d)
{
    if (d->tty)
        fprintf(stderr, "\r%60s\r", "");
}

/* The events of the story, on their days; each prints a line under the day. */
static int story(struct demo *d)
{
    uint64_t n = 0;
    char user[96];
    struct kluis_err err = {0};
    switch (d->day) {
    case DAY_HOLD_PLACED: {
        if (kluis_hold_add(d->e, tenants[T_BAKKERIJ].name, d->held_subject, "whatsapp",
                           "dispute about a delivery: messages are evidence", &d->hold_id,
                           &err) != KLUIS_OK)
            return cli_fail("demo", &err);
        tell(d, "%s places legal hold %" PRIu64 " on one customer's WhatsApp messages (a dispute)",
             tenants[T_BAKKERIJ].name, d->hold_id);
        add_note(d, C_WHATSAPP,
                 "3 to 25 November: a legal hold kept one customer's messages of "
                 "bakkerij-de-vries past their 30 days");
        break;
    }
    case DAY_HOLD_RELEASED:
        if (kluis_hold_release(d->e, NULL, d->hold_id, &err) != KLUIS_OK)
            return cli_fail("demo", &err);
        tell(d, "%s: the dispute is settled, hold %" PRIu64 " is released",
             tenants[T_BAKKERIJ].name, d->hold_id);
        break;
    case DAY_INTEGRATION:
        if (fire(d, T_BAKKERIJ, "integration.removed", NULL, NULL, "integration", "gmail-2", &n) !=
            CLI_OK)
            return CLI_FAIL;
        tell(d, "%s removes its integration gmail-2: %" PRIu64 " record%s expire%s now",
             tenants[T_BAKKERIJ].name, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
        note_event(d, T_BAKKERIJ, "integration.removed", NULL,
                   "bakkerij-de-vries removed integration gmail-2");
        d->gmail2_removed = true;
        break;
    case DAY_CONSENT:
        user_of(T_BRASSERIE, 0, user, sizeof(user));
        if (fire(d, T_BRASSERIE, KLUIS_EVENT_CONSENT_WITHDRAWN, "style_learning", user, NULL, NULL,
                 &n) != CLI_OK)
            return CLI_FAIL;
        tell(d,
             "a user of %s withdraws consent for style learning: %" PRIu64 " record%s expire%s now",
             tenants[T_BRASSERIE].name, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
        note_event(d, T_BRASSERIE, KLUIS_EVENT_CONSENT_WITHDRAWN, "style_learning",
                   "a user of brasserie-peeters withdrew consent for style learning");
        break;
    case DAY_ACCOUNT_CLOSED: {
        uint64_t total = 0;
        const char *integrations[] = {"gmail-1", "gmail-2"};
        for (int m = 0; m < tenants[T_KAPSALON].n_mailboxes; m++) {
            if (fire(d, T_KAPSALON, "integration.removed", NULL, NULL, "integration",
                     integrations[m], &n) != CLI_OK)
                return CLI_FAIL;
            total += n;
        }
        if (fire(d, T_KAPSALON, "subscription.ended", NULL, NULL, NULL, NULL, &n) != CLI_OK)
            return CLI_FAIL;
        total += n;
        if (fire(d, T_KAPSALON, "account.closed", NULL, NULL, NULL, NULL, &n) != CLI_OK)
            return CLI_FAIL;
        total += n;
        d->closed[T_KAPSALON] = true;
        tell(d,
             "%s ends its subscription and closes its account: %" PRIu64
             " records get a new expiry",
             tenants[T_KAPSALON].name, total);
        note_event(d, T_KAPSALON, "integration.removed", NULL,
                   "kapsalon-janssens removed its integrations when it left");
        note_event(d, T_KAPSALON, "subscription.ended", NULL,
                   "kapsalon-janssens ended its subscription");
        note_event(d, T_KAPSALON, "account.closed", NULL, "kapsalon-janssens closed its account");
        break;
    }
    }
    return CLI_OK;
}

static int run_day(struct demo *d)
{
    int64_t now = d->start + (int64_t)(d->day + 1) * DAY_S;
    kluis_date_format(now / DAY_S, d->date, sizeof(d->date));
    set_clock(d, now);
    d->day_written = d->day_events = d->day_removed = 0;
    d->story[0] = '\0';
    progress(d);
    for (int t = 0; t < N_TENANTS; t++) {
        if (d->closed[t])
            continue;
        if (d->day == HISTORY_DAYS && invoice(d, t, "2026-11") != CLI_OK)
            return CLI_FAIL;
        if (write_mail(d, t) != CLI_OK || write_whatsapp(d, t) != CLI_OK ||
            write_calls(d, t) != CLI_OK || write_calendar(d, t) != CLI_OK ||
            write_own_account(d, t) != CLI_OK)
            return CLI_FAIL;
    }
    if (decide(d) != CLI_OK || story(d) != CLI_OK || purge(d, NULL) != CLI_OK)
        return CLI_FAIL;
    if (d->day >= HISTORY_DAYS) {
        progress_done(d);
        printf("  %s  written %5" PRIu64 "  events %4" PRIu64 "  removed %5" PRIu64
               "  stored %6" PRIu64 "\n%s",
               d->date, d->day_written, d->day_events, d->day_removed, stored(d), d->story);
        if (d->tty)
            fflush(stdout);
    }
    return CLI_OK;
}

/* ---- The summary ------------------------------------------------------------------------- */

/* The settings tenant t made for category c when it was added ("" when none), into buf. */
static const char *settings_for(int t, int c, char *buf, size_t size)
{
    size_t len = strlen(cat_ids[c]);
    buf[0] = '\0';
    for (size_t i = 0; i < 2 && tenants[t].settings[i]; i++) {
        const char *x = tenants[t].settings[i];
        if (strncmp(x, cat_ids[c], len) != 0 || x[len] != '.')
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", used ? ", " : "", x + len + 1);
    }
    return buf;
}

static int summary(struct demo *d)
{
    printf("\nKept and removed, per category (written over the two months, removed by the daily "
           "purges,\nkept in the store now), with the retention rule that decided it:\n");
    for (int c = 0; c < N_CATS; c++) {
        const struct kluis_category *cat = kluis_policy_find_category(d->p, cat_ids[c]);
        uint64_t w = 0, r = 0;
        for (int t = 0; t < N_TENANTS; t++) {
            w += d->written[t][c];
            r += d->removed[t][c];
        }
        char *words = NULL;
        size_t len = 0;
        struct kluis_err err = {0};
        if (kluis_render_retention(d->p, cat, KLUIS_LANG_EN, &words, &len, &err) != KLUIS_OK)
            return cli_fail("demo", &err);
        printf("\n  %s (%s)\n", cat_ids[c], kluis_text_get(&cat->name, KLUIS_LANG_EN));
        printf("    rule: %s\n", words);
        free(words);
        printf("    written %" PRIu64 ", removed %" PRIu64 ", kept %" PRIu64 "\n", w, r, w - r);
        bool per_tenant = false;
        char set[128];
        for (int t = 0; t < N_TENANTS; t++)
            per_tenant |= *settings_for(t, c, set, sizeof(set)) != '\0';
        for (int t = 0; per_tenant && t < N_TENANTS; t++) {
            if (!d->written[t][c])
                continue;
            settings_for(t, c, set, sizeof(set));
            printf("      %-26s removed %" PRIu64 ", kept %" PRIu64 "  (%s)\n", tenants[t].name,
                   d->removed[t][c], d->written[t][c] - d->removed[t][c],
                   *set ? set : "the policy's default");
        }
        for (size_t i = 0; i < d->n_notes; i++)
            if (d->notes[i].cat == c)
                printf("    why: %s\n", d->notes[i].text);
    }
    for (size_t i = 0; i < kluis_policy_n_categories(d->p); i++) {
        const struct kluis_category *cat = kluis_policy_category(d->p, i);
        if (cat->storage == KLUIS_STORAGE_TRANSIENT && !cat->tenant_may_change_storage)
            printf("\n  %s (%s)\n    never stored: the policy makes it transient\n", cat->id,
                   kluis_text_get(&cat->name, KLUIS_LANG_EN));
    }
    return CLI_OK;
}

/* A record past its expiry is never returned; a live one is. */
static int spot_check(struct demo *d)
{
    printf("\nReading back, for the purpose auto_draft (a tenant's mail metadata):\n");
    uint64_t ids[2] = {d->first_mail_id, d->last_mail_id};
    const char *when[2] = {d->first_mail_date, d->last_mail_date};
    for (int i = 0; i < 2; i++) {
        if (!ids[i])
            continue;
        struct kluis_record *r = NULL;
        struct kluis_err err = {0};
        kluis_rc rc = kluis_record_get(d->e, tenants[0].name, ids[i], "auto_draft", &r, &err);
        if (rc == KLUIS_OK)
            printf("  record %" PRIu64 " (written %s): returned, %zu bytes\n", ids[i], when[i],
                   r->value_len);
        else
            printf("  record %" PRIu64 " (written %s): %s\n", ids[i], when[i], err.message);
        kluis_record_free(r);
    }
    return CLI_OK;
}

/* A data subject's erasure request on the demo's last day: its deadline, and what the erasure
 * keeps under which law until when. */
static int erasure_request(struct demo *d)
{
    char user[96];
    user_of(0, 0, user, sizeof(user));
    printf("\nAn erasure request (art. 17) from %s's owner, received today:\n", tenants[0].name);
    struct kluis_request_input in = {.tenant = tenants[0].name,
                                     .subject = {.ref = user},
                                     .type = KLUIS_REQUEST_ERASURE,
                                     .lang = KLUIS_LANG_EN};
    struct kluis_err err = {0};
    uint64_t id;
    char *text = NULL;
    struct kluis_answer ans = {0};
    struct kluis_fulfil_input fi = {.tenant = tenants[0].name};
    if (kluis_request_open(d->e, &in, &id, &err) != KLUIS_OK ||
        kluis_request_show(d->e, tenants[0].name, id, &text, &err) != KLUIS_OK)
        return cli_fail("demo", &err);
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    printf("  request %" PRIu64 ": received %s, due %s (one calendar month, %s calendar)\n", id,
           json_string_value(json_object_get(o, "received_date")),
           json_string_value(json_object_get(o, "due")),
           json_string_value(json_object_get(o, "country")));
    json_decref(o);
    fi.id = id;
    if (kluis_request_verify(d->e, tenants[0].name, id, "account_login", &err) != KLUIS_OK ||
        kluis_request_fulfil(d->e, &fi, &ans, &err) != KLUIS_OK)
        return cli_fail("demo", &err);
    o = json_loads(ans.json, 0, NULL);
    kluis_answer_free(&ans);
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(o, "categories"), i, l)
    {
        const char *why = json_string_value(json_object_get(l, "text"));
        printf("  %-22s %" JSON_INTEGER_FORMAT " erased, %" JSON_INTEGER_FORMAT " kept%s%s\n",
               json_string_value(json_object_get(l, "category")),
               json_integer_value(json_object_get(l, "erased")),
               json_integer_value(json_object_get(l, "kept")), why ? ": " : "", why ? why : "");
    }
    printf("  keys destroyed: %s; recipients to inform (art. 19): %zu\n",
           json_string_value(json_object_get(o, "keys_destroyed")),
           json_array_size(json_object_get(o, "recipients_to_inform")));
    json_decref(o);
    return CLI_OK;
}

/* ---- The command ------------------------------------------------------------------------- */

static const char *sqlite_path(const char *url)
{
    static char path[4096];
    return cli_sqlite_path(url, path, sizeof(path));
}

static bool looks_like_sqlite(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char head[16];
    bool yes =
        fread(head, 1, sizeof(head), f) == sizeof(head) && memcmp(head, "SQLite format 3", 16) == 0;
    fclose(f);
    return yes;
}

/* Deletes an SQLite database and its side files. Returns CLI_OK or the exit status. */
static int remove_sqlite_files(const char *path)
{
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char name[4096];
        snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
        if (unlink(name) != 0 && errno != ENOENT) {
            cli_error("demo", "cannot delete %s: %s", name, strerror(errno));
            return CLI_FAIL;
        }
    }
    return CLI_OK;
}

/* Refuses a non-empty store, or deletes it with fresh. Returns CLI_OK or the exit status. */
static int prepare_store(const char *url, bool fresh)
{
    const char *path = sqlite_path(url);
    if (!path) {
        if (fresh)
            return cli_usage("demo", "--fresh deletes only a sqlite: store");
        return CLI_OK;
    }
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size == 0)
        return CLI_OK;
    if (!fresh) {
        cli_error("demo", "%s already holds a store; the demo starts from an empty one", url);
        fprintf(stderr, "  hint: add --fresh to delete it first, or give another --db\n");
        return CLI_FAIL;
    }
    if (!looks_like_sqlite(path)) {
        cli_error("demo", "%s is not an SQLite database; --fresh leaves it alone", path);
        return CLI_FAIL;
    }
    return remove_sqlite_files(path);
}

static int run(struct demo *d)
{
    const struct kluis_organisation *org = kluis_policy_organisation(d->p);
    printf("kluis demo: %s, with the example policy built in "
           "(examples/000-mail-assistant.yaml)\n",
           org->name);
    printf("store: %s\n\n", d->db);
    for (int c = 0; c < N_CATS; c++)
        if (!kluis_policy_find_category(d->p, cat_ids[c])) {
            cli_error("demo", "the built-in policy has no category '%s'", cat_ids[c]);
            return CLI_FAIL;
        }

    printf("1 October 2026: four tenants join (customers of %s)\n", org->name);
    set_clock(d, d->start);
    kluis_date_format(d->start / DAY_S, d->date, sizeof(d->date));
    for (int t = 0; t < N_TENANTS; t++)
        if (add_tenant(d, t) != CLI_OK || onboard(d, t) != CLI_OK)
            return CLI_FAIL;
    if (show_transient_refusal(d) != CLI_OK)
        return CLI_FAIL;
    {
        char name[64];
        subject_of(0, T_BAKKERIJ, name, sizeof(name), d->held_subject, sizeof(d->held_subject));
    }

    for (d->day = 0; d->day < HISTORY_DAYS; d->day++)
        if (run_day(d) != CLI_OK)
            return CLI_FAIL;
    progress_done(d);
    uint64_t written = 0, removed = 0;
    for (int t = 0; t < N_TENANTS; t++)
        for (int c = 0; c < N_CATS; c++) {
            written += d->written[t][c];
            removed += d->removed[t][c];
        }
    printf("\nOctober: %zu end clients per tenant; %" PRIu64 " records written, %" PRIu64
           " events, %" PRIu64 " removed by the daily purges\n",
           d->n_subjects, written, d->n_events, removed);

    printf("\nNovember, day by day (09:00 UTC: new records, events, then the purge):\n");
    for (; d->day < TOTAL_DAYS; d->day++)
        if (run_day(d) != CLI_OK)
            return CLI_FAIL;
    progress_done(d);
    if (summary(d) != CLI_OK || spot_check(d) != CLI_OK || erasure_request(d) != CLI_OK)
        return CLI_FAIL;
    char until[32];
    printf("\nTo look around, give the same policy (examples/000-mail-assistant.yaml in the kluis "
           "sources)\nand the demo's clock, e.g.\n  kluis purge --dry-run --db %s --policy "
           "000-mail-assistant.yaml --now %s\n",
           d->db, kluis_time_format(d->start + (int64_t)TOTAL_DAYS * DAY_S, until, sizeof(until)));
    return CLI_OK;
}

enum { OPT_RECORDS = CLI_OPT_FIRST_FREE, OPT_FRESH };

struct demo_args {
    const char *db;
    const char *keys;
    long records;
    bool fresh;
};

static int demo_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct demo_args *a = ctx;
    switch (c) {
    case CLI_OPT_DB:
        a->db = arg;
        break;
    case CLI_OPT_KEYS:
        a->keys = arg;
        break;
    case OPT_RECORDS: {
        char *end;
        errno = 0;
        long n = strtol(arg, &end, 10);
        if (errno || *end || end == arg || n < 1 || n > DEMO_RECORDS_MAX)
            return cli_usage(cmd, "--records must be a number from 1 to %d, not '%s'",
                             DEMO_RECORDS_MAX, arg);
        a->records = n;
        break;
    }
    case OPT_FRESH:
        a->fresh = true;
        break;
    }
    return -1;
}

int cli_cmd_demo(int argc, char **argv)
{
    const char *cmd = "demo";
    static const struct option opts[] = {{"db", required_argument, NULL, CLI_OPT_DB},
                                         {"keys", required_argument, NULL, CLI_OPT_KEYS},
                                         {"records", required_argument, NULL, OPT_RECORDS},
                                         {"fresh", no_argument, NULL, OPT_FRESH},
                                         {NULL, 0, NULL, 0}};
    struct demo_args a = {.records = DEMO_RECORDS_DEFAULT};
    int status = cli_parse_options(cmd, NULL, argc, argv, NULL, opts, demo_option, &a);
    if (status >= 0)
        return status;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    struct demo d = {.rng = UINT64_C(20261101), .records = a.records};
    const char *db = a.db;
    if (!db) {
        const char *env = getenv("KLUIS_DB");
        db = env && *env ? env : DEMO_DB_DEFAULT;
    }
    char keys_buf[4200];
    const char *keys = cli_keys_path(a.keys, db, keys_buf, sizeof(keys_buf));
    status = prepare_store(db, a.fresh);
    if (status == CLI_OK && a.fresh)
        status = remove_sqlite_files(keys);
    if (status != CLI_OK)
        return status;

    struct kluis_findings *f = kluis_findings_new();
    struct kluis_policy *p = NULL;
    struct kluis_err err = {0};
    if (!f ||
        kluis_policy_load_buffer(cli_demo_policy, cli_demo_policy_len,
                                 "000-mail-assistant.yaml (built in)", f, &p, &err) != KLUIS_OK) {
        if (f)
            cli_print_findings(stderr, f);
        kluis_findings_free(f);
        return f ? cli_fail(cmd, &err) : CLI_FAIL;
    }
    kluis_findings_free(f);
    if (kluis_engine_open(p, db, keys, &d.e, &err) != KLUIS_OK) {
        kluis_policy_free(p);
        return cli_fail(cmd, &err);
    }
    d.p = p;
    d.db = db;
    d.tty = isatty(STDERR_FILENO);
    d.n_subjects = (size_t)(d.records / 4 > 20 ? d.records / 4 : 20);
    /* 1 October 2026, 09:00 UTC; November starts HISTORY_DAYS days later. */
    d.start = kluis_days_from_civil(2026, 10, 1) * DAY_S + 9 * 3600;
    status = run(&d);
    if (status != CLI_OK)
        progress_done(&d);
    fflush(stdout);
    free(d.pending);
    kluis_engine_close(d.e);
    kluis_policy_free(p);
    return status;
}
