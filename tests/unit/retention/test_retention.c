/*
 * Retention: every promise of the seeds and every clause kind, as data. A case names a category of
 * the inline policy below, the record's creation, the tenant's country and setting and the
 * events that happened; it expects the expiry, the legal floor with its source, and the clause
 * that decided. Tenant settings and event matching have tables of their own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/kluis.h"
#include "kluis/retention.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char policy_yaml[] =
    "kluis: 1\n"
    "organisation:\n"
    "  name: Test B.V.\n"
    "  address: Teststraat 1, 1234 AB Utrecht\n"
    "  country: NL\n"
    "  contact: {email: privacy@test.example}\n"
    "  dpo: {appointed: false, reason: {nl: Wij zijn klein., en: We are small.}}\n"
    "events:\n"
    "  - {id: draft.approved, name: {nl: a, en: a}}\n"
    "  - {id: draft.skipped, name: {nl: a, en: a}}\n"
    "  - {id: integration.removed, name: {nl: a, en: a}}\n"
    "  - {id: calendar.cancelled, name: {nl: a, en: a}}\n"
    "  - {id: transcription.completed, name: {nl: a, en: a}}\n"
    "  - {id: account.closed, name: {nl: a, en: a}}\n"
    "  - {id: deletion.approved, name: {nl: a, en: a}}\n"
    "  - {id: service.cancelled, name: {nl: a, en: a}}\n"
    "purposes:\n"
    "  - {id: cold_outreach, name: {nl: p, en: p}, basis: legitimate_interest, "
    "categories: [prospects]}\n"
    "  - {id: style_learning, name: {nl: p, en: p}, basis: consent, consent: style, "
    "categories: [style]}\n"
    "consents:\n"
    "  - {id: style, text: {nl: t, en: t}, withdraw: {nl: w, en: w}}\n"
    "categories:\n"
    "  - {id: mail_metadata, name: {nl: A, en: A}, role: processor, retention: 7d}\n"
    "  - id: drafts\n"
    "    name: {nl: A, en: A}\n"
    "    role: processor\n"
    "    retention: 30d after draft.approved | draft.skipped\n"
    "  - id: whatsapp\n"
    "    name: {nl: A, en: A}\n"
    "    role: processor\n"
    "    retention:\n"
    "      tenant: {default: 90d, min: 0d, max: 2y}\n"
    "  - id: calendar\n"
    "    name: {nl: A, en: A}\n"
    "    role: processor\n"
    "    retention:\n"
    "      - until integration.removed\n"
    "      - 90d after calendar.cancelled\n"
    "  - {id: tokens, name: {nl: A, en: A}, role: processor, "
    "retention: until integration.removed + 30d}\n"
    "  - id: audio\n"
    "    name: {nl: A, en: A}\n"
    "    role: processor\n"
    "    retention:\n"
    "      tenant: {default: 0d, min: 0d, max: 90d, after: transcription.completed}\n"
    "  - id: invoices\n"
    "    name: {nl: A, en: A}\n"
    "    role: controller\n"
    "    retention:\n"
    "      legal: {period: 7y, from: next 01-01, source: \"art. 52 AWR\"}\n"
    "  - id: account\n"
    "    name: {nl: A, en: A}\n"
    "    role: controller\n"
    "    retention:\n"
    "      - until account.closed + 7y\n"
    "      - legal: {period: 7y, after: account.closed, source: \"art. 52 AWR\"}\n"
    "  - id: closed_books\n"
    "    name: {nl: A, en: A}\n"
    "    role: controller\n"
    "    retention:\n"
    "      - until account.closed + 10y\n"
    "      - legal: {period: 7y, after: account.closed, from: next 01-01, source: \"art. 52 "
    "AWR\"}\n"
    "  - id: closing_year\n"
    "    name: {nl: A, en: A}\n"
    "    role: controller\n"
    "    retention:\n"
    "      legal: {period: 7y, after: account.closed, from: next 01-01, source: \"art. 52 AWR\"}\n"
    "  - id: books\n"
    "    name: {nl: A, en: A}\n"
    "    role: processor\n"
    "    retention:\n"
    "      - legal: {period: 7y, from: next 01-01, source: \"art. 52 AWR\", country: NL}\n"
    "      - legal: {period: 10y, from: next 01-01, source: \"art. III.86 WER\", country: BE}\n"
    "  - id: ledger\n"
    "    name: {nl: A, en: A}\n"
    "    role: processor\n"
    "    retention:\n"
    "      - legal: {period: 7y, source: \"art. 2:10 BW\"}\n"
    "      - legal: {period: 10y, source: \"art. III.86 WER\", country: BE}\n"
    "      - legal: {period: 7y, source: \"art. 52 AWR\", country: NL}\n"
    "  - id: short_max\n"
    "    name: {nl: A, en: A}\n"
    "    role: controller\n"
    "    retention:\n"
    "      - 30d\n"
    "      - legal: {period: 1y, source: \"art. 7:412 BW\"}\n"
    "  - id: long_max\n"
    "    name: {nl: A, en: A}\n"
    "    role: controller\n"
    "    retention:\n"
    "      - 2y\n"
    "      - legal: {period: 1y, source: \"art. 7:412 BW\"}\n"
    "  - id: prospects\n"
    "    name: {nl: A, en: A}\n"
    "    role: controller\n"
    "    retention:\n"
    "      - 24mo\n"
    "      - until subject.objected(cold_outreach)\n"
    "  - id: style\n"
    "    name: {nl: A, en: A}\n"
    "    role: controller\n"
    "    retention: until consent.withdrawn(style_learning)\n"
    "  - id: hosting\n"
    "    name: {nl: A, en: A}\n"
    "    role: processor\n"
    "    retention:\n"
    "      - until deletion.approved\n"
    "      - until service.cancelled + 14d\n"
    "  - id: hosting_after\n"
    "    name: {nl: A, en: A}\n"
    "    role: processor\n"
    "    retention:\n"
    "      - 14d after service.cancelled\n"
    "      - until deletion.approved\n"
    "  - {id: forms, name: {nl: A, en: A}, role: controller, retention: at next 01-01}\n"
    "  - {id: monthly, name: {nl: A, en: A}, role: controller, retention: 1mo}\n"
    "  - {id: yearly, name: {nl: A, en: A}, role: controller, retention: 1y}\n"
    "  - {id: twelve, name: {nl: A, en: A}, role: controller, retention: 12mo}\n"
    "  - {id: fiscal, name: {nl: A, en: A}, role: controller, retention: 7y from next 01-01}\n"
    "  - id: tenant_from\n"
    "    name: {nl: A, en: A}\n"
    "    role: processor\n"
    "    retention:\n"
    "      - tenant: {default: 1y, min: 7d, max: 5y, from: next 01-01}\n"
    "      - until integration.removed\n"
    "  - id: tenant_open\n"
    "    name: {nl: A, en: A}\n"
    "    role: processor\n"
    "    retention:\n"
    "      tenant: {default: 30d}\n"
    "  - {id: unstated, name: {nl: A, en: A}, role: controller}\n";

static struct kluis_policy *policy;

static int load_policy(void **state)
{
    (void)state;
    struct kluis_err err = {0};
    if (kluis_policy_load_buffer(policy_yaml, strlen(policy_yaml), "retention.yaml", NULL, &policy,
                                 &err) != KLUIS_OK) {
        fprintf(stderr, "the test policy does not load: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int free_policy(void **state)
{
    (void)state;
    kluis_policy_free(policy);
    return 0;
}

static const struct kluis_category *category(const char *id)
{
    const struct kluis_category *c = kluis_policy_find_category(policy, id);
    if (!c)
        fail_msg("no category '%s' in the test policy", id);
    return c;
}

/* An RFC 3339 time, or "never". */
static int64_t at(const char *s)
{
    if (strcmp(s, "never") == 0)
        return KLUIS_TIME_NEVER;
    int64_t t = 0;
    struct kluis_err err = {0};
    if (kluis_time_parse(s, &t, &err) != KLUIS_OK)
        fail_msg("bad time '%s' in a case: %s", s, err.message);
    return t;
}

static struct kluis_duration duration(const char *s)
{
    struct kluis_duration d = {0};
    struct kluis_err err = {0};
    if (kluis_duration_parse(s, strlen(s), &d, &err) != KLUIS_OK)
        fail_msg("bad duration '%s' in a case: %s", s, err.message);
    return d;
}

/* ---- Compute ------------------------------------------------------------------------------ */

#define MAX_EVENTS 3
#define NONE       (-1)

struct event_case {
    const char *event; /* NULL ends the list */
    const char *purpose;
    const char *at;
};

struct compute_case {
    const char *name;
    const char *category;
    const char *created;
    const char *country; /* NULL: none given */
    const char *tenant;  /* the tenant's period, NULL: the default */
    struct event_case events[MAX_EVENTS];
    const char *expiry; /* RFC 3339 or "never" */
    const char *floor;  /* RFC 3339, "never", or NULL: no legal clause applies */
    const char *source; /* floor source, NULL when none */
    int deciding;       /* index of the deciding clause, NONE when NULL */
};

static struct compute_case compute_cases[] = {
    /* Mail metadata, seed 000: 7 days after creation. */
    {"mail 7d",
     "mail_metadata",
     "2026-01-31T10:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2026-02-07T10:00:00Z",
     NULL,
     NULL,
     0},

    /* AI drafts: 30 days after approval or skipping, whichever comes first. */
    {"draft pending",
     "drafts",
     "2026-03-01T09:00:00Z",
     NULL,
     NULL,
     {{0}},
     "never",
     NULL,
     NULL,
     NONE},
    {"draft other event",
     "drafts",
     "2026-03-01T09:00:00Z",
     NULL,
     NULL,
     {{"integration.removed", NULL, "2026-03-02T12:00:00Z"}},
     "never",
     NULL,
     NULL,
     NONE},
    {"draft skipped",
     "drafts",
     "2026-03-01T09:00:00Z",
     NULL,
     NULL,
     {{"draft.skipped", NULL, "2026-03-02T12:00:00Z"}},
     "2026-04-01T12:00:00Z",
     NULL,
     NULL,
     0},
    {"draft approved",
     "drafts",
     "2026-03-01T09:00:00Z",
     NULL,
     NULL,
     {{"draft.approved", NULL, "2026-03-02T12:00:00Z"}},
     "2026-04-01T12:00:00Z",
     NULL,
     NULL,
     0},
    {"draft both events: the earliest",
     "drafts",
     "2026-03-01T09:00:00Z",
     NULL,
     NULL,
     {{"draft.approved", NULL, "2026-03-05T08:00:00Z"},
      {"draft.skipped", NULL, "2026-03-03T08:00:00Z"}},
     "2026-04-02T08:00:00Z",
     NULL,
     NULL,
     0},

    /* WhatsApp: the tenant sets 0d..2y, 90d until it does. */
    {"whatsapp default 90d",
     "whatsapp",
     "2026-01-01T00:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2026-04-01T00:00:00Z",
     NULL,
     NULL,
     0},
    {"whatsapp tenant 30d",
     "whatsapp",
     "2026-01-01T00:00:00Z",
     NULL,
     "30d",
     {{0}},
     "2026-01-31T00:00:00Z",
     NULL,
     NULL,
     0},
    {"whatsapp tenant 2y",
     "whatsapp",
     "2026-01-01T00:00:00Z",
     NULL,
     "2y",
     {{0}},
     "2028-01-01T00:00:00Z",
     NULL,
     NULL,
     0},
    {"whatsapp tenant 0d",
     "whatsapp",
     "2026-01-01T00:00:00Z",
     NULL,
     "0d",
     {{0}},
     "2026-01-01T00:00:00Z",
     NULL,
     NULL,
     0},

    /* Calendar events: until the integration is removed; cancelled ones 90 days after. */
    {"calendar pending",
     "calendar",
     "2026-02-01T10:00:00Z",
     NULL,
     NULL,
     {{0}},
     "never",
     NULL,
     NULL,
     NONE},
    {"calendar removed",
     "calendar",
     "2026-02-01T10:00:00Z",
     NULL,
     NULL,
     {{"integration.removed", NULL, "2026-05-01T12:00:00Z"}},
     "2026-05-01T12:00:00Z",
     NULL,
     NULL,
     0},
    {"calendar cancelled",
     "calendar",
     "2026-02-01T10:00:00Z",
     NULL,
     NULL,
     {{"calendar.cancelled", NULL, "2026-02-10T00:00:00Z"}},
     "2026-05-11T00:00:00Z",
     NULL,
     NULL,
     1},
    {"calendar cancelled, removed later",
     "calendar",
     "2026-02-01T10:00:00Z",
     NULL,
     NULL,
     {{"integration.removed", NULL, "2026-06-01T00:00:00Z"},
      {"calendar.cancelled", NULL, "2026-02-10T00:00:00Z"}},
     "2026-05-11T00:00:00Z",
     NULL,
     NULL,
     1},
    {"calendar cancelled, removed sooner",
     "calendar",
     "2026-02-01T10:00:00Z",
     NULL,
     NULL,
     {{"calendar.cancelled", NULL, "2026-02-10T00:00:00Z"},
      {"integration.removed", NULL, "2026-03-01T00:00:00Z"}},
     "2026-03-01T00:00:00Z",
     NULL,
     NULL,
     0},

    /* OAuth tokens: until the integration is removed, plus 30 days of grace. */
    {"tokens pending",
     "tokens",
     "2026-01-01T00:00:00Z",
     NULL,
     NULL,
     {{0}},
     "never",
     NULL,
     NULL,
     NONE},
    {"tokens removed",
     "tokens",
     "2026-01-01T00:00:00Z",
     NULL,
     NULL,
     {{"integration.removed", NULL, "2026-04-15T10:00:00Z"}},
     "2026-05-15T10:00:00Z",
     NULL,
     NULL,
     0},
    {"tokens removed twice: the first",
     "tokens",
     "2026-01-01T00:00:00Z",
     NULL,
     NULL,
     {{"integration.removed", NULL, "2026-06-15T10:00:00Z"},
      {"integration.removed", NULL, "2026-04-15T10:00:00Z"}},
     "2026-05-15T10:00:00Z",
     NULL,
     NULL,
     0},

    /* Raw audio, seed 001: gone when the transcription completes; a tenant may keep it 90d. */
    {"audio pending",
     "audio",
     "2026-03-01T10:00:00Z",
     NULL,
     NULL,
     {{0}},
     "never",
     NULL,
     NULL,
     NONE},
    {"audio transcribed",
     "audio",
     "2026-03-01T10:00:00Z",
     NULL,
     NULL,
     {{"transcription.completed", NULL, "2026-03-01T10:05:00Z"}},
     "2026-03-01T10:05:00Z",
     NULL,
     NULL,
     0},
    {"audio tenant 7d",
     "audio",
     "2026-03-01T10:00:00Z",
     NULL,
     "7d",
     {{"transcription.completed", NULL, "2026-03-01T10:05:00Z"}},
     "2026-03-08T10:05:00Z",
     NULL,
     NULL,
     0},

    /* Invoices: 7 years from the first 1 January after creation (art. 52 AWR). */
    {"invoice mid-year",
     "invoices",
     "2025-06-15T12:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2033-01-01T00:00:00Z",
     "2033-01-01T00:00:00Z",
     "art. 52 AWR",
     NONE},
    {"invoice on 1 January: strictly after",
     "invoices",
     "2025-01-01T00:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2033-01-01T00:00:00Z",
     "2033-01-01T00:00:00Z",
     "art. 52 AWR",
     NONE},
    {"invoice on new year's eve",
     "invoices",
     "2024-12-31T23:59:59Z",
     NULL,
     NULL,
     {{0}},
     "2032-01-01T00:00:00Z",
     "2032-01-01T00:00:00Z",
     "art. 52 AWR",
     NONE},

    /* Account data: until the closing + 7y, and the law keeps it as long. */
    {"account open",
     "account",
     "2020-03-01T00:00:00Z",
     NULL,
     NULL,
     {{0}},
     "never",
     "never",
     "art. 52 AWR",
     NONE},
    {"account closed",
     "account",
     "2020-03-01T00:00:00Z",
     NULL,
     NULL,
     {{"account.closed", NULL, "2026-03-15T10:00:00Z"}},
     "2033-03-15T10:00:00Z",
     "2033-03-15T10:00:00Z",
     "art. 52 AWR",
     0},
    {"account record written after the closing",
     "account",
     "2026-04-01T00:00:00Z",
     NULL,
     NULL,
     {{"account.closed", NULL, "2026-03-15T10:00:00Z"}},
     "2033-03-15T10:00:00Z",
     "2033-03-15T10:00:00Z",
     "art. 52 AWR",
     0},

    /* 7 years from the first 1 January after the closing; the maximum is later still. */
    {"books open",
     "closed_books",
     "2020-03-01T00:00:00Z",
     NULL,
     NULL,
     {{0}},
     "never",
     "never",
     "art. 52 AWR",
     NONE},
    {"books closed",
     "closed_books",
     "2020-03-01T00:00:00Z",
     NULL,
     NULL,
     {{"account.closed", NULL, "2026-03-15T10:00:00Z"}},
     "2036-03-15T10:00:00Z",
     "2034-01-01T00:00:00Z",
     "art. 52 AWR",
     0},
    {"books closed on 1 January",
     "closed_books",
     "2020-03-01T00:00:00Z",
     NULL,
     NULL,
     {{"account.closed", NULL, "2026-01-01T00:00:00Z"}},
     "2036-01-01T00:00:00Z",
     "2034-01-01T00:00:00Z",
     "art. 52 AWR",
     0},
    {"books written after the closing",
     "closed_books",
     "2026-04-01T00:00:00Z",
     NULL,
     NULL,
     {{"account.closed", NULL, "2026-03-15T10:00:00Z"}},
     "2036-03-15T10:00:00Z",
     "2034-01-01T00:00:00Z",
     "art. 52 AWR",
     0},

    /* Only that minimum: the record goes when it ends. */
    {"closing year open",
     "closing_year",
     "2020-03-01T00:00:00Z",
     NULL,
     NULL,
     {{0}},
     "never",
     "never",
     "art. 52 AWR",
     NONE},
    {"closing year closed",
     "closing_year",
     "2020-03-01T00:00:00Z",
     NULL,
     NULL,
     {{"account.closed", NULL, "2026-03-15T10:00:00Z"}},
     "2034-01-01T00:00:00Z",
     "2034-01-01T00:00:00Z",
     "art. 52 AWR",
     NONE},
    {"closing year, written after the closing",
     "closing_year",
     "2026-11-01T00:00:00Z",
     NULL,
     NULL,
     {{"account.closed", NULL, "2026-03-15T10:00:00Z"}},
     "2034-01-01T00:00:00Z",
     "2034-01-01T00:00:00Z",
     "art. 52 AWR",
     NONE},

    /* Per country: which legal clause applies follows the tenant's country. */
    {"books NL",
     "books",
     "2025-06-15T12:00:00Z",
     "NL",
     NULL,
     {{0}},
     "2033-01-01T00:00:00Z",
     "2033-01-01T00:00:00Z",
     "art. 52 AWR",
     NONE},
    {"books BE",
     "books",
     "2025-06-15T12:00:00Z",
     "BE",
     NULL,
     {{0}},
     "2036-01-01T00:00:00Z",
     "2036-01-01T00:00:00Z",
     "art. III.86 WER",
     NONE},
    {"books without a country",
     "books",
     "2025-06-15T12:00:00Z",
     NULL,
     NULL,
     {{0}},
     "never",
     NULL,
     NULL,
     NONE},
    {"books DE", "books", "2025-06-15T12:00:00Z", "DE", NULL, {{0}}, "never", NULL, NULL, NONE},
    {"ledger NL: the tie names the first",
     "ledger",
     "2025-06-15T12:00:00Z",
     "NL",
     NULL,
     {{0}},
     "2032-06-15T12:00:00Z",
     "2032-06-15T12:00:00Z",
     "art. 2:10 BW",
     NONE},
    {"ledger BE: the latest binds",
     "ledger",
     "2025-06-15T12:00:00Z",
     "BE",
     NULL,
     {{0}},
     "2035-06-15T12:00:00Z",
     "2035-06-15T12:00:00Z",
     "art. III.86 WER",
     NONE},
    {"ledger without a country",
     "ledger",
     "2025-06-15T12:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2032-06-15T12:00:00Z",
     "2032-06-15T12:00:00Z",
     "art. 2:10 BW",
     NONE},

    /* Never earlier than a legal minimum; a later maximum still decides. */
    {"maximum shorter than the minimum",
     "short_max",
     "2026-01-15T00:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2027-01-15T00:00:00Z",
     "2027-01-15T00:00:00Z",
     "art. 7:412 BW",
     NONE},
    {"maximum longer than the minimum",
     "long_max",
     "2026-01-15T00:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2028-01-15T00:00:00Z",
     "2027-01-15T00:00:00Z",
     "art. 7:412 BW",
     0},

    /* Prospects: 24 months, or until they object to cold outreach (art. 21). */
    {"prospect 24mo",
     "prospects",
     "2026-01-31T10:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2028-01-31T10:00:00Z",
     NULL,
     NULL,
     0},
    {"prospect objects",
     "prospects",
     "2026-01-31T10:00:00Z",
     NULL,
     NULL,
     {{"subject.objected", "cold_outreach", "2026-06-01T09:00:00Z"}},
     "2026-06-01T09:00:00Z",
     NULL,
     NULL,
     1},
    {"prospect objects to another purpose",
     "prospects",
     "2026-01-31T10:00:00Z",
     NULL,
     NULL,
     {{"subject.objected", "newsletter", "2026-06-01T09:00:00Z"}},
     "2028-01-31T10:00:00Z",
     NULL,
     NULL,
     0},
    {"prospect objection without a purpose",
     "prospects",
     "2026-01-31T10:00:00Z",
     NULL,
     NULL,
     {{"subject.objected", NULL, "2026-06-01T09:00:00Z"}},
     "2028-01-31T10:00:00Z",
     NULL,
     NULL,
     0},
    {"prospect withdraws consent instead",
     "prospects",
     "2026-01-31T10:00:00Z",
     NULL,
     NULL,
     {{"consent.withdrawn", "cold_outreach", "2026-06-01T09:00:00Z"}},
     "2028-01-31T10:00:00Z",
     NULL,
     NULL,
     0},

    /* Writing style: until consent for style learning is withdrawn (art. 7(3)). */
    {"style consented",
     "style",
     "2026-01-01T00:00:00Z",
     NULL,
     NULL,
     {{0}},
     "never",
     NULL,
     NULL,
     NONE},
    {"style withdrawn",
     "style",
     "2026-01-01T00:00:00Z",
     NULL,
     NULL,
     {{"consent.withdrawn", "style_learning", "2026-02-02T14:30:00Z"}},
     "2026-02-02T14:30:00Z",
     NULL,
     NULL,
     0},
    {"style: another consent withdrawn",
     "style",
     "2026-01-01T00:00:00Z",
     NULL,
     NULL,
     {{"consent.withdrawn", "newsletter", "2026-02-02T14:30:00Z"}},
     "never",
     NULL,
     NULL,
     NONE},

    /* Hosting data, seed 003: after approval, or at the latest 14 days after cancellation. */
    {"hosting active",
     "hosting",
     "2026-01-10T00:00:00Z",
     NULL,
     NULL,
     {{0}},
     "never",
     NULL,
     NULL,
     NONE},
    {"hosting cancelled",
     "hosting",
     "2026-01-10T00:00:00Z",
     NULL,
     NULL,
     {{"service.cancelled", NULL, "2026-03-01T00:00:00Z"}},
     "2026-03-15T00:00:00Z",
     NULL,
     NULL,
     1},
    {"hosting cancelled and approved",
     "hosting",
     "2026-01-10T00:00:00Z",
     NULL,
     NULL,
     {{"service.cancelled", NULL, "2026-03-01T00:00:00Z"},
      {"deletion.approved", NULL, "2026-03-05T00:00:00Z"}},
     "2026-03-05T00:00:00Z",
     NULL,
     NULL,
     0},
    {"hosting 14d after cancellation",
     "hosting_after",
     "2026-01-10T00:00:00Z",
     NULL,
     NULL,
     {{"service.cancelled", NULL, "2026-03-01T12:00:00Z"}},
     "2026-03-15T12:00:00Z",
     NULL,
     NULL,
     0},

    /* Web forms: cleared every 1 January. */
    {"form in March",
     "forms",
     "2026-03-10T08:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2027-01-01T00:00:00Z",
     NULL,
     NULL,
     0},
    {"form on new year's eve",
     "forms",
     "2026-12-31T23:59:59Z",
     NULL,
     NULL,
     {{0}},
     "2027-01-01T00:00:00Z",
     NULL,
     NULL,
     0},
    {"form on 1 January",
     "forms",
     "2027-01-01T00:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2028-01-01T00:00:00Z",
     NULL,
     NULL,
     0},
    {"7y from next 01-01",
     "fiscal",
     "2026-03-10T08:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2034-01-01T00:00:00Z",
     NULL,
     NULL,
     0},

    /* Month ends: the day is clamped to the month, never spills over. */
    {"1mo from 31 January",
     "monthly",
     "2026-01-31T10:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2026-02-28T10:00:00Z",
     NULL,
     NULL,
     0},
    {"1mo from 31 January, leap year",
     "monthly",
     "2024-01-31T10:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2024-02-29T10:00:00Z",
     NULL,
     NULL,
     0},
    {"1y from 29 February",
     "yearly",
     "2024-02-29T12:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2025-02-28T12:00:00Z",
     NULL,
     NULL,
     0},
    {"12mo from 29 February",
     "twelve",
     "2024-02-29T12:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2025-02-28T12:00:00Z",
     NULL,
     NULL,
     0},

    /* A tenant period counted from a date, next to a maximum that waits for an event. */
    {"tenant from next 01-01",
     "tenant_from",
     "2026-05-05T10:00:00Z",
     NULL,
     NULL,
     {{0}},
     "2028-01-01T00:00:00Z",
     NULL,
     NULL,
     0},
    {"tenant 3y from next 01-01",
     "tenant_from",
     "2026-05-05T10:00:00Z",
     NULL,
     "3y",
     {{0}},
     "2030-01-01T00:00:00Z",
     NULL,
     NULL,
     0},
    {"tenant clause, removed sooner",
     "tenant_from",
     "2026-05-05T10:00:00Z",
     NULL,
     "3y",
     {{"integration.removed", NULL, "2027-02-01T00:00:00Z"}},
     "2027-02-01T00:00:00Z",
     NULL,
     NULL,
     1},

    /* No rule: nothing says when it goes (kluis check reports it). */
    {"no retention rule",
     "unstated",
     "2026-01-01T00:00:00Z",
     "NL",
     NULL,
     {{0}},
     "never",
     NULL,
     NULL,
     NONE},
};

static void test_compute(void **state)
{
    const struct compute_case *tc = *state;
    const struct kluis_category *c = category(tc->category);

    struct kluis_event_occurrence events[MAX_EVENTS];
    size_t n_events = 0;
    for (size_t i = 0; i < MAX_EVENTS && tc->events[i].event; i++)
        events[n_events++] = (struct kluis_event_occurrence){
            tc->events[i].event, tc->events[i].purpose, at(tc->events[i].at)};
    struct kluis_duration tenant = {0};
    if (tc->tenant)
        tenant = duration(tc->tenant);
    struct kluis_retention_input in = {
        .created = at(tc->created),
        .country = tc->country,
        .tenant_period = tc->tenant ? &tenant : NULL,
        .events = n_events ? events : NULL,
        .n_events = n_events,
    };

    struct kluis_retention_result r;
    struct kluis_err err = {0};
    assert_int_equal(kluis_retention_compute(policy, c, &in, &r, &err), KLUIS_OK);
    assert_int_equal(r.expiry, at(tc->expiry));
    assert_int_equal(r.floor, tc->floor ? at(tc->floor) : 0);
    if (tc->source)
        assert_string_equal(r.floor_source, tc->source);
    else
        assert_null(r.floor_source);
    if (tc->deciding == NONE)
        assert_null(r.deciding);
    else
        assert_ptr_equal(r.deciding, &c->retention->clauses[tc->deciding]);
}

/* ---- Tenant settings ---------------------------------------------------------------------- */

struct tenant_case {
    const char *name;
    const char *category;
    const char *period;
    const char *refusal; /* NULL: accepted */
};

static struct tenant_case tenant_cases[] = {
    {"inside the bounds", "whatsapp", "30d", NULL},
    {"the default", "whatsapp", "90d", NULL},
    {"equal to the minimum", "whatsapp", "0d", NULL},
    {"equal to the maximum", "whatsapp", "2y", NULL},
    {"the maximum in months", "whatsapp", "24mo", NULL},
    {"above the maximum", "whatsapp", "5y",
     "tenant retention 5y for category 'whatsapp' is longer than the maximum 2y the policy "
     "allows"},
    {"a month above the maximum", "whatsapp", "25mo",
     "tenant retention 25mo for category 'whatsapp' is longer than the maximum 2y the policy "
     "allows"},
    {"above an event-anchored maximum", "audio", "91d",
     "tenant retention 91d for category 'audio' is longer than the maximum 90d the policy "
     "allows"},
    {"below the minimum", "tenant_from", "6d",
     "tenant retention 6d for category 'tenant_from' is shorter than the minimum 7d the policy "
     "allows"},
    {"a week is the minimum", "tenant_from", "1w", NULL},
    {"unbounded", "tenant_open", "100y", NULL},
    {"no tenant clause", "mail_metadata", "30d",
     "category 'mail_metadata' has no retention a tenant may set"},
    {"no rule at all", "unstated", "30d", "category 'unstated' has no retention a tenant may set"},
};

static void test_tenant(void **state)
{
    const struct tenant_case *tc = *state;
    struct kluis_err err = {0};
    kluis_rc rc =
        kluis_retention_check_tenant_period(category(tc->category), duration(tc->period), &err);
    if (!tc->refusal) {
        assert_int_equal(rc, KLUIS_OK);
        assert_string_equal(err.message, "");
        return;
    }
    assert_int_equal(rc, KLUIS_EREFUSED);
    assert_int_equal(err.rc, KLUIS_EREFUSED);
    assert_string_equal(err.message, tc->refusal);
}

/* ---- Which records an event concerns ------------------------------------------------------ */

struct waits_case {
    const char *category;
    const char *event;
    const char *purpose;
    bool waits;
};

static struct waits_case waits_cases[] = {
    {"drafts", "draft.approved", NULL, true},
    {"drafts", "draft.skipped", NULL, true},
    {"drafts", "draft.approved", "anything", true}, /* declared events ignore a purpose */
    {"drafts", "integration.removed", NULL, false},
    {"calendar", "integration.removed", NULL, true},
    {"calendar", "calendar.cancelled", NULL, true},
    {"tokens", "integration.removed", NULL, true},
    {"audio", "transcription.completed", NULL, true}, /* tenant: after */
    {"account", "account.closed", NULL, true},
    {"closed_books", "account.closed", NULL, true},
    {"tenant_from", "integration.removed", NULL, true},
    {"invoices", "account.closed", NULL, false},
    {"books", "account.closed", NULL, false},
    {"prospects", "subject.objected", "cold_outreach", true},
    {"prospects", "subject.objected", "newsletter", false},
    {"prospects", "subject.objected", NULL, false},
    {"prospects", "consent.withdrawn", "cold_outreach", false},
    {"style", "consent.withdrawn", "style_learning", true},
    {"style", "consent.withdrawn", "newsletter", false},
    {"hosting", "deletion.approved", NULL, true},
    {"hosting", "service.cancelled", NULL, true},
    {"hosting_after", "service.cancelled", NULL, true},
    {"mail_metadata", "integration.removed", NULL, false},
    {"forms", "draft.approved", NULL, false},
    {"whatsapp", "transcription.completed", NULL, false},
    {"unstated", "account.closed", NULL, false},
};

/* The legal-only clause: its own policy, so that no maximum clause names the event. */
static void test_waits_for_legal_only(void **state)
{
    (void)state;
    static const char yaml[] =
        "kluis: 1\n"
        "organisation:\n"
        "  name: T B.V.\n"
        "  address: Straat 1\n"
        "  country: NL\n"
        "  contact: {email: a@b.example}\n"
        "  dpo: {appointed: false, reason: {nl: n, en: e}}\n"
        "events:\n"
        "  - {id: account.closed, name: {nl: a, en: b}}\n"
        "categories:\n"
        "  - id: c\n"
        "    name: {nl: C, en: C}\n"
        "    role: controller\n"
        "    retention:\n"
        "      legal: {period: 7y, after: account.closed, source: \"art. 52 AWR\", country: BE}\n";
    struct kluis_policy *p = NULL;
    assert_int_equal(kluis_policy_load_buffer(yaml, strlen(yaml), "t.yaml", NULL, &p, NULL),
                     KLUIS_OK);
    const struct kluis_category *c = kluis_policy_find_category(p, "c");
    assert_true(kluis_retention_waits_for(c, "account.closed", NULL));
    assert_false(kluis_retention_waits_for(c, "account.opened", NULL));
    kluis_policy_free(p);
}

static void test_waits_for(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(waits_cases); i++) {
        const struct waits_case *tc = &waits_cases[i];
        bool got = kluis_retention_waits_for(category(tc->category), tc->event, tc->purpose);
        if (got != tc->waits)
            fail_msg("%s on %s(%s): expected %d, got %d", tc->category, tc->event,
                     tc->purpose ? tc->purpose : "", tc->waits, got);
    }
    assert_false(kluis_retention_waits_for(category("drafts"), NULL, NULL));
    assert_false(kluis_retention_waits_for(NULL, "draft.approved", NULL));
}

/* ---- Calendar anchors --------------------------------------------------------------------- */

struct month_day_case {
    const char *from;
    int month;
    int day;
    const char *expected;
};

static struct month_day_case month_day_cases[] = {
    {"2026-03-10T08:00:00Z", 1, 1, "2027-01-01T00:00:00Z"},
    {"2026-01-01T00:00:00Z", 1, 1, "2027-01-01T00:00:00Z"},
    {"2025-12-31T23:59:59Z", 1, 1, "2026-01-01T00:00:00Z"},
    {"2026-03-10T08:00:00Z", 7, 1, "2026-07-01T00:00:00Z"},
    {"2026-07-01T00:00:01Z", 7, 1, "2027-07-01T00:00:00Z"},
    {"2026-03-10T08:00:00Z", 12, 31, "2026-12-31T00:00:00Z"},
    {"1969-06-01T00:00:00Z", 1, 1, "1970-01-01T00:00:00Z"},
    {"2025-03-01T00:00:00Z", 2, 29, "2028-02-29T00:00:00Z"},
    {"2096-03-01T00:00:00Z", 2, 29, "2104-02-29T00:00:00Z"},
    {"2026-03-10T08:00:00Z", 13, 1, "never"},
    {"2026-03-10T08:00:00Z", 4, 31, "never"},
    {"2026-03-10T08:00:00Z", 0, 0, "never"},
};

static void test_next_month_day(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(month_day_cases); i++) {
        const struct month_day_case *tc = &month_day_cases[i];
        assert_int_equal(kluis_next_month_day(at(tc->from), tc->month, tc->day), at(tc->expected));
    }
    assert_int_equal(kluis_next_month_day(KLUIS_TIME_NEVER, 1, 1), KLUIS_TIME_NEVER);
    assert_true(kluis_next_month_day(INT64_MIN, 1, 1) > INT64_MIN);
}

/* ---- Edges: overflow and bad arguments ---------------------------------------------------- */

static void test_never_overflows(void **state)
{
    (void)state;
    struct kluis_retention_result r;
    struct kluis_retention_input in = {.created = KLUIS_TIME_NEVER - 10};

    /* A period added to a time near the end saturates instead of wrapping into the past. */
    assert_int_equal(kluis_retention_compute(policy, category("mail_metadata"), &in, &r, NULL),
                     KLUIS_OK);
    assert_int_equal(r.expiry, KLUIS_TIME_NEVER);
    assert_int_equal(kluis_retention_compute(policy, category("prospects"), &in, &r, NULL),
                     KLUIS_OK);
    assert_int_equal(r.expiry, KLUIS_TIME_NEVER);
    assert_int_equal(kluis_retention_compute(policy, category("invoices"), &in, &r, NULL),
                     KLUIS_OK);
    assert_int_equal(r.expiry, KLUIS_TIME_NEVER);
    assert_int_equal(r.floor, KLUIS_TIME_NEVER);

    struct kluis_event_occurrence late = {"account.closed", NULL, KLUIS_TIME_NEVER - 1};
    in = (struct kluis_retention_input){.created = 0, .events = &late, .n_events = 1};
    assert_int_equal(kluis_retention_compute(policy, category("account"), &in, &r, NULL), KLUIS_OK);
    assert_int_equal(r.expiry, KLUIS_TIME_NEVER);
    assert_int_equal(r.floor, KLUIS_TIME_NEVER);

    /* The longest duration a tenant can give, from a time far in the past, stays finite. */
    struct kluis_duration longest = {KLUIS_DURATION_MAX_N, KLUIS_UNIT_YEAR};
    in = (struct kluis_retention_input){.created = INT64_MIN, .tenant_period = &longest};
    assert_int_equal(kluis_retention_compute(policy, category("whatsapp"), &in, &r, NULL),
                     KLUIS_OK);
    assert_true(r.expiry > INT64_MIN);
    assert_true(r.expiry < 0);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct kluis_retention_result r = {.expiry = 42};
    struct kluis_retention_input in = {.created = 0};
    struct kluis_err err = {0};
    const struct kluis_category *c = category("whatsapp");

    assert_int_equal(kluis_retention_compute(NULL, c, &in, &r, &err), KLUIS_EINVAL);
    assert_int_equal(kluis_retention_compute(policy, NULL, &in, &r, &err), KLUIS_EINVAL);
    assert_int_equal(kluis_retention_compute(policy, c, NULL, &r, &err), KLUIS_EINVAL);
    assert_int_equal(kluis_retention_compute(policy, c, &in, NULL, &err), KLUIS_EINVAL);

    in.n_events = 1;
    assert_int_equal(kluis_retention_compute(policy, c, &in, &r, &err), KLUIS_EINVAL);
    struct kluis_event_occurrence nameless = {NULL, NULL, 0};
    in.events = &nameless;
    assert_int_equal(kluis_retention_compute(policy, c, &in, &r, &err), KLUIS_EINVAL);

    struct kluis_duration negative = {-1, KLUIS_UNIT_DAY};
    struct kluis_duration too_long = {KLUIS_DURATION_MAX_N + 1, KLUIS_UNIT_DAY};
    in = (struct kluis_retention_input){.created = 0, .tenant_period = &negative};
    assert_int_equal(kluis_retention_compute(policy, c, &in, &r, &err), KLUIS_EINVAL);
    in.tenant_period = &too_long;
    assert_int_equal(kluis_retention_compute(policy, c, &in, &r, &err), KLUIS_EINVAL);
    assert_int_equal(kluis_retention_check_tenant_period(c, too_long, &err), KLUIS_EINVAL);
    assert_int_equal(kluis_retention_check_tenant_period(NULL, negative, &err), KLUIS_EINVAL);

    /* Out-params are written only on success. */
    assert_int_equal(r.expiry, 42);
}

int main(void)
{
    struct CMUnitTest tests[ARRAY_LEN(compute_cases) + ARRAY_LEN(tenant_cases) + 5];
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_LEN(compute_cases); i++)
        tests[n++] =
            (struct CMUnitTest){compute_cases[i].name, test_compute, NULL, NULL, &compute_cases[i]};
    for (size_t i = 0; i < ARRAY_LEN(tenant_cases); i++)
        tests[n++] =
            (struct CMUnitTest){tenant_cases[i].name, test_tenant, NULL, NULL, &tenant_cases[i]};
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_waits_for);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_waits_for_legal_only);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_next_month_day);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_never_overflows);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_bad_arguments);
    return cmocka_run_group_tests(tests, load_policy, free_policy);
}
