/*
 * The GDPR rules of `kluis check`. Each rule has a stable id (never renamed: policies acknowledge
 * findings by it), the article it implements, a severity, and a message that says what to change.
 *
 * Rules run on a model that loaded without schema errors, so references resolve. Findings are
 * collected first and matched against the policy's acknowledgements afterwards, so that an
 * acknowledgement that matches nothing can be reported too.
 */
#include "policy/policy_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct kluis_rule_info rules[] = {
    {"retention-missing", "art. 5(1)(e), 13(2)(a)", KLUIS_SEV_ERROR,
     "a stored category states no retention"},
    {"retention-legal-source", "art. 17(3)(b)", KLUIS_SEV_ERROR,
     "a legal minimum retention without its legal source"},
    {"retention-tenant-bounds", "art. 5(1)(e)", KLUIS_SEV_ERROR,
     "a tenant default outside its bounds, or min > max"},
    {"retention-tenant-unbounded", "art. 5(1)(e)", KLUIS_SEV_WARNING,
     "a tenant-configurable retention with no maximum"},
    {"retention-tenant-controller", "art. 5(1)(e)", KLUIS_SEV_ERROR,
     "a tenant-configurable retention on the organisation's own (controller) data"},
    {"retention-legal-country", "art. 17(3)(b)", KLUIS_SEV_WARNING,
     "a legal minimum for another country than the organisation's on its own data"},
    {"consent-missing", "art. 6(1)(a), 7(1)", KLUIS_SEV_ERROR,
     "a consent purpose names no consent"},
    {"consent-withdrawal", "art. 7(3)", KLUIS_SEV_ERROR, "a consent without a way to withdraw it"},
    {"consent-unused", "art. 5(1)(b)", KLUIS_SEV_WARNING, "a consent no purpose rests on"},
    {"special-condition", "art. 9(2)", KLUIS_SEV_ERROR,
     "a controller purpose uses a special category without an art. 9(2) condition"},
    {"transfer-mechanism", "art. 44-46", KLUIS_SEV_ERROR,
     "a recipient outside the EEA without adequacy or a transfer mechanism, or with 'adequacy' "
     "for a country without a decision"},
    {"transfer-dpf-scope", "art. 45", KLUIS_SEV_WARNING,
     "DPF named for a recipient with no US location"},
    {"subprocessor-category-unused", "art. 5(1)(c), 28", KLUIS_SEV_ERROR,
     "a recipient receives a category no purpose uses"},
    {"subprocessor-dpa", "art. 28(3)", KLUIS_SEV_ERROR,
     "a processor without a data processing agreement"},
    {"subprocessor-notice", "art. 28(2)", KLUIS_SEV_ERROR,
     "a sub-processor change takes effect before the notice period has run"},
    {"transient-stored", "art. 5(1)(c), 25", KLUIS_SEV_ERROR,
     "a purpose stores a category that is never to be stored"},
    {"legitimate-interest", "art. 6(1)(f), 13(1)(d)", KLUIS_SEV_WARNING,
     "a legitimate interest without the interest or the balancing test"},
    {"legal-obligation-source", "art. 6(3)", KLUIS_SEV_WARNING,
     "a legal obligation without the law it comes from"},
    {"purpose-basis", "art. 6(1)", KLUIS_SEV_ERROR, "a controller purpose without a legal basis"},
    {"supervisory-authority", "art. 13(2)(d), 77", KLUIS_SEV_ERROR,
     "no supervisory authority named"},
    {"dpo", "art. 37, 13(1)(b)", KLUIS_SEV_ERROR,
     "no DPO and no reason why, or a DPO without contact"},
    {"processor-unregistered", "art. 30(2)", KLUIS_SEV_ERROR,
     "a processor category that no processor purpose covers"},
    {"processor-own-purpose", "art. 28(10)", KLUIS_SEV_ERROR,
     "a controller purpose uses data processed on behalf of customers"},
    {"category-unused", "art. 5(1)(b)", KLUIS_SEV_WARNING, "a category no purpose uses"},
    {"source-missing", "art. 14(2)(f)", KLUIS_SEV_WARNING, "obtained data without its source"},
    {"rights-deadline", "art. 12(3)", KLUIS_SEV_ERROR,
     "a promised deadline over one month, or an extension over two"},
    {"rights-channel", "art. 12(2)", KLUIS_SEV_ERROR, "no way to send a request"},
    {"breach-deadline", "art. 33(1)", KLUIS_SEV_ERROR, "the authority is told later than 72 hours"},
    {"cookies-consent", "art. 6(1)(a), ePrivacy 5(3)", KLUIS_SEV_ERROR,
     "marketing or third-party analytics cookies without consent"},
    {"automated-logic", "art. 13(2)(f)", KLUIS_SEV_ERROR,
     "automated decisions without the logic involved"},
    {"backup-retention", "art. 5(1)(e)", KLUIS_SEV_WARNING, "no retention stated for backups"},
    {"ack-unused", NULL, KLUIS_SEV_WARNING, "an acknowledgement that matches no finding"},
};

const struct kluis_rule_info *kluis_policy_rules(size_t *out_n)
{
    *out_n = sizeof(rules) / sizeof(rules[0]);
    return rules;
}

static const struct kluis_rule_info *rule_info(const char *id)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (strcmp(rules[i].id, id) == 0)
            return &rules[i];
    abort(); /* a rule used below is missing from the table: a programming error */
}

struct raw {
    const struct kluis_rule_info *rule;
    struct kluis_pos pos;
    char at[160];
    char msg[768];
};

struct check {
    const struct kluis_policy *p;
    struct raw *items;
    size_t n;
    size_t cap;
    kluis_rc rc;
};

/* Records a finding; its place is at_section, or at_section.at_id when an id is given. */
static void report(struct check *ck, const char *rule, struct kluis_pos pos, const char *at_section,
                   const char *at_id, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void report(struct check *ck, const char *rule, struct kluis_pos pos, const char *at_section,
                   const char *at_id, const char *fmt, ...)
{
    if (ck->rc != KLUIS_OK)
        return;
    if (ck->n == ck->cap) {
        size_t cap = ck->cap ? ck->cap * 2 : 32;
        struct raw *items = realloc(ck->items, cap * sizeof(*items));
        if (!items) {
            ck->rc = KLUIS_ENOMEM;
            return;
        }
        ck->items = items;
        ck->cap = cap;
    }
    struct raw *r = &ck->items[ck->n++];
    r->rule = rule_info(rule);
    r->pos = pos;
    if (at_id)
        snprintf(r->at, sizeof(r->at), "%s.%s", at_section, at_id);
    else
        snprintf(r->at, sizeof(r->at), "%s", at_section);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    va_end(ap);
}

/* ---- Helpers ------------------------------------------------------------------------------ */

static bool used_by_any_purpose(const struct kluis_policy *p, const char *cat)
{
    for (size_t i = 0; i < p->n_purposes; i++)
        if (kluis_purpose_uses(&p->purposes[i], cat))
            return true;
    return false;
}

static bool duration_over(struct kluis_duration d, struct kluis_duration limit)
{
    return kluis_duration_cmp(d, limit) > 0;
}

/*
 * True when a promised period is longer than the law's in every month it could start in. A
 * statement may promise "within 30 days" against the law's one month: in February that is later
 * than the law allows, and the engine then keeps the earlier date, so only a promise that can
 * never fit is a finding.
 */
static bool surely_longer(struct kluis_duration promise, struct kluis_duration law)
{
    if ((promise.unit == KLUIS_UNIT_MONTH || promise.unit == KLUIS_UNIT_YEAR) &&
        (law.unit == KLUIS_UNIT_MONTH || law.unit == KLUIS_UNIT_YEAR))
        return kluis_duration_cmp(promise, law) > 0;
    int64_t plo, phi, llo, lhi;
    kluis_duration_bounds_h(promise, &plo, &phi);
    kluis_duration_bounds_h(law, &llo, &lhi);
    return plo > lhi;
}

/* ---- Rules -------------------------------------------------------------------------------- */

static void check_categories(struct check *ck)
{
    const struct kluis_policy *p = ck->p;
    for (size_t i = 0; i < p->n_categories; i++) {
        const struct kluis_category *c = &p->categories[i];
        bool may_be_stored = c->storage == KLUIS_STORAGE_STORED || c->tenant_may_change_storage;
        if (!c->retention && may_be_stored)
            report(ck, "retention-missing", c->pos, "categories", c->id,
                   "category '%s' is stored but states no retention; add 'retention:' (e.g. "
                   "'24mo', 'until account.closed + 30d')",
                   c->id);
        if (c->retention) {
            for (size_t k = 0; k < c->retention->n_clauses; k++) {
                const struct kluis_clause *cl = &c->retention->clauses[k];
                if (cl->kind == KLUIS_CLAUSE_LEGAL && !cl->source)
                    report(ck, "retention-legal-source", cl->pos, "categories", c->id,
                           "the legal minimum retention of category '%s' does not name its "
                           "legal source; add 'source:' (e.g. \"art. 52 AWR\"), so erasure "
                           "refusals can cite it",
                           c->id);
                /* For the organisation's own data the organisation's country decides which
                 * legal minimum applies (the engine applies it so); another country's never
                 * does. */
                if (cl->kind == KLUIS_CLAUSE_LEGAL && cl->country &&
                    c->role == KLUIS_ROLE_CONTROLLER && p->org.country &&
                    strcmp(cl->country, p->org.country) != 0)
                    report(ck, "retention-legal-country", cl->pos, "categories", c->id,
                           "the legal minimum of category '%s' applies in %s only, but for the "
                           "organisation's own data (role: controller) the organisation's "
                           "country counts (%s), so it can never apply; remove it, or change "
                           "'country:'",
                           c->id, kluis_country_name(cl->country, KLUIS_LANG_EN),
                           kluis_country_name(p->org.country, KLUIS_LANG_EN));
                if (cl->kind != KLUIS_CLAUSE_TENANT)
                    continue;
                /* A tenant is a customer; a customer decides about the data the organisation
                 * processes for it, not about the organisation's own. */
                if (c->role == KLUIS_ROLE_CONTROLLER)
                    report(ck, "retention-tenant-controller", cl->pos, "categories", c->id,
                           "category '%s' is the organisation's own data (role: controller), "
                           "but its retention has a 'tenant:' clause; a tenant is a customer, "
                           "and customers do not set the retention of the organisation's own "
                           "data: state the period itself (e.g. '24mo')",
                           c->id);
                if (cl->has_min && cl->has_max && duration_over(cl->min, cl->max))
                    report(ck, "retention-tenant-bounds", cl->pos, "categories", c->id,
                           "the tenant bounds of category '%s' are reversed: min is more than "
                           "max",
                           c->id);
                else if ((cl->has_min && duration_over(cl->min, cl->period)) ||
                         (cl->has_max && duration_over(cl->period, cl->max)))
                    report(ck, "retention-tenant-bounds", cl->pos, "categories", c->id,
                           "the default retention of category '%s' lies outside the bounds a "
                           "tenant may choose; put 'default' between 'min' and 'max'",
                           c->id);
                if (!cl->has_max)
                    report(ck, "retention-tenant-unbounded", cl->pos, "categories", c->id,
                           "tenants may set any retention for category '%s'; add 'max:' so no "
                           "customer can keep it forever",
                           c->id);
            }
        }
        if (!used_by_any_purpose(p, c->id))
            report(ck, "category-unused", c->pos, "categories", c->id,
                   "no purpose uses category '%s'; add it to a purpose's 'categories' or stop "
                   "collecting it",
                   c->id);
        if (c->role == KLUIS_ROLE_CONTROLLER && !c->provided && !kluis_text_present(&c->source))
            report(ck, "source-missing", c->pos, "categories", c->id,
                   "category '%s' is not provided by the subject; say where it comes from with "
                   "'source:'",
                   c->id);
        if (c->role == KLUIS_ROLE_PROCESSOR) {
            bool covered = false;
            for (size_t k = 0; k < p->n_purposes && !covered; k++)
                covered = p->purposes[k].role == KLUIS_ROLE_PROCESSOR &&
                          kluis_purpose_uses(&p->purposes[k], c->id);
            if (!covered)
                report(ck, "processor-unregistered", c->pos, "categories", c->id,
                       "processor category '%s' is not used by any purpose with 'role: "
                       "processor', so the processor register has no entry for it",
                       c->id);
        }
    }
}

static void check_purposes(struct check *ck)
{
    const struct kluis_policy *p = ck->p;
    for (size_t i = 0; i < p->n_purposes; i++) {
        const struct kluis_purpose *pu = &p->purposes[i];
        if (pu->role == KLUIS_ROLE_CONTROLLER && pu->basis == KLUIS_BASIS_NONE)
            report(ck, "purpose-basis", pu->pos, "purposes", pu->id,
                   "purpose '%s' has no legal basis; add 'basis:' (consent, contract, "
                   "legal_obligation, vital_interests, public_task, legitimate_interest)",
                   pu->id);
        bool needs_consent =
            pu->basis == KLUIS_BASIS_CONSENT || pu->art9 == KLUIS_ART9_EXPLICIT_CONSENT;
        if (needs_consent && !pu->consent)
            report(ck, "consent-missing", pu->pos, "purposes", pu->id,
                   "purpose '%s' rests on consent but names none; add 'consent:' with the id "
                   "of a consent under 'consents'",
                   pu->id);
        if (pu->basis == KLUIS_BASIS_LEGITIMATE_INTEREST &&
            (!kluis_text_present(&pu->interest) || !kluis_text_present(&pu->balancing)))
            report(ck, "legitimate-interest", pu->pos, "purposes", pu->id,
                   "purpose '%s' rests on legitimate interest but does not state %s; add %s",
                   pu->id,
                   !kluis_text_present(&pu->interest) && !kluis_text_present(&pu->balancing)
                       ? "the interest or the balancing test"
                   : !kluis_text_present(&pu->interest) ? "the interest pursued"
                                                        : "the balancing test",
                   !kluis_text_present(&pu->interest) && !kluis_text_present(&pu->balancing)
                       ? "'interest:' and 'balancing:'"
                   : !kluis_text_present(&pu->interest) ? "'interest:'"
                                                        : "'balancing:'");
        if (pu->basis == KLUIS_BASIS_LEGAL_OBLIGATION && !pu->legal_source)
            report(ck, "legal-obligation-source", pu->pos, "purposes", pu->id,
                   "purpose '%s' rests on a legal obligation; name the law with "
                   "'legal_source:' (e.g. \"art. 52 AWR\")",
                   pu->id);
        for (size_t k = 0; k < pu->n_categories; k++) {
            const struct kluis_category *c = kluis_policy_find_category(p, pu->categories[k]);
            if (!c)
                continue;
            /* A processor purpose acts on the customer's instructions: the art. 9(2)
             * condition is the customer's to have, not the organisation's. */
            if (c->special && pu->art9 == KLUIS_ART9_NONE && pu->role == KLUIS_ROLE_CONTROLLER)
                report(ck, "special-condition", pu->pos, "purposes", pu->id,
                       "purpose '%s' uses special category '%s' without an art. 9(2) "
                       "condition; add 'art9:' (e.g. explicit_consent)",
                       pu->id, c->id);
            if (c->role == KLUIS_ROLE_PROCESSOR && pu->role == KLUIS_ROLE_CONTROLLER)
                report(ck, "processor-own-purpose", pu->pos, "purposes", pu->id,
                       "purpose '%s' is the organisation's own, but uses '%s', which it "
                       "processes on behalf of customers; a processor may only act on the "
                       "customer's instructions (mark the purpose 'role: processor', or stop)",
                       pu->id, c->id);
            if (c->storage == KLUIS_STORAGE_TRANSIENT && !c->tenant_may_change_storage &&
                kluis_purpose_stores(p, pu, c->id))
                report(ck, "transient-stored", pu->pos, "purposes", pu->id,
                       "purpose '%s' stores category '%s', which the policy says is never "
                       "stored; remove it from 'stores:' or change the category's storage",
                       pu->id, c->id);
        }
    }
}

static void check_consents(struct check *ck)
{
    const struct kluis_policy *p = ck->p;
    for (size_t i = 0; i < p->n_consents; i++) {
        const struct kluis_consent *c = &p->consents[i];
        bool used = false;
        for (size_t k = 0; k < p->n_purposes && !used; k++)
            used = p->purposes[k].consent && strcmp(p->purposes[k].consent, c->id) == 0;
        if (!kluis_text_present(&c->withdraw))
            report(ck, "consent-withdrawal", c->pos, "consents", c->id,
                   "consent '%s' says nothing about withdrawing it; withdrawing must be as easy "
                   "as giving: add 'withdraw:' with how",
                   c->id);
        if (!used)
            report(ck, "consent-unused", c->pos, "consents", c->id,
                   "no purpose rests on consent '%s'; remove it or name it in a purpose", c->id);
    }
}

static void check_subprocessors(struct check *ck)
{
    const struct kluis_policy *p = ck->p;
    for (size_t i = 0; i < p->n_subprocessors; i++) {
        const struct kluis_subprocessor *s = &p->subprocessors[i];
        bool has_us = false;
        for (size_t k = 0; k < s->n_locations; k++) {
            const char *loc = s->locations[k];
            if (strcmp(loc, "US") == 0)
                has_us = true;
            if (kluis_country_in_eea(loc) || kluis_country_adequate(loc))
                continue;
            unsigned ok = KLUIS_TRANSFER_SCC | KLUIS_TRANSFER_BCR | KLUIS_TRANSFER_DEROGATION;
            bool us = strcmp(loc, "US") == 0;
            if (us)
                ok |= KLUIS_TRANSFER_DPF;
            if (s->transfers & ok)
                continue;
            if ((s->transfers & KLUIS_TRANSFER_ADEQUACY) && us)
                report(ck, "transfer-mechanism", s->pos, "subprocessors", s->id,
                       "'%s' names an adequacy decision, but for the United States the only one "
                       "is the Data Privacy Framework (art. 45); write dpf for a certified "
                       "recipient, or add scc, bcr or derogation",
                       s->name ? s->name : s->id);
            else if (s->transfers & KLUIS_TRANSFER_ADEQUACY)
                report(ck, "transfer-mechanism", s->pos, "subprocessors", s->id,
                       "'%s' names an adequacy decision, but %s has no adequacy decision "
                       "(art. 45); add scc, bcr or derogation",
                       s->name ? s->name : s->id, kluis_country_name(loc, KLUIS_LANG_EN));
            else
                report(ck, "transfer-mechanism", s->pos, "subprocessors", s->id,
                       "'%s' processes data outside the EEA (%s) without a transfer "
                       "mechanism; add 'transfer:' (scc%s, bcr or derogation)",
                       s->name ? s->name : s->id, kluis_country_name(loc, KLUIS_LANG_EN),
                       us ? ", dpf" : "");
        }
        if ((s->transfers & KLUIS_TRANSFER_DPF) && !has_us)
            report(ck, "transfer-dpf-scope", s->pos, "subprocessors", s->id,
                   "'%s' names the Data Privacy Framework, which covers only transfers to the "
                   "United States, but lists no US location",
                   s->name ? s->name : s->id);
        for (size_t k = 0; k < s->n_categories; k++)
            if (!used_by_any_purpose(p, s->categories[k]))
                report(ck, "subprocessor-category-unused", s->pos, "subprocessors", s->id,
                       "'%s' receives category '%s', which no purpose uses; share only what a "
                       "purpose needs",
                       s->name ? s->name : s->id, s->categories[k]);
        if (s->role == KLUIS_RECIPIENT_PROCESSOR && !s->dpa)
            report(ck, "subprocessor-dpa", s->pos, "subprocessors", s->id,
                   "'%s' processes personal data on our behalf without a data processing "
                   "agreement; conclude one and write 'dpa: true' (or 'role: controller' for an "
                   "independent controller)",
                   s->name ? s->name : s->id);
        struct kluis_duration notice;
        if (s->has_announced && s->has_effective && kluis_policy_subprocessor_notice(p, &notice)) {
            int64_t earliest = kluis_time_add(s->announced * 86400, notice) / 86400;
            if (s->effective < earliest) {
                char d1[16], d2[16];
                report(ck, "subprocessor-notice", s->pos, "subprocessors", s->id,
                       "the change to '%s' takes effect on %s, before the notice period after "
                       "its announcement has run (not before %s)",
                       s->name ? s->name : s->id, kluis_date_format(s->effective, d1, sizeof(d1)),
                       kluis_date_format(earliest, d2, sizeof(d2)));
            }
        }
    }
}

static void check_organisation(struct check *ck)
{
    const struct kluis_policy *p = ck->p;
    const struct kluis_organisation *o = &p->org;
    if (p->n_authorities == 0)
        report(ck, "supervisory-authority", o->pos, "organisation", NULL,
               "the policy names no supervisory authority to complain to; add 'authorities:' "
               "(e.g. the Autoriteit Persoonsgegevens)");
    if (!o->dpo.appointed && !kluis_text_present(&o->dpo.reason))
        report(ck, "dpo", o->dpo.pos.line ? o->dpo.pos : o->pos, "organisation.dpo", NULL,
               "no DPO is appointed and the policy does not say why; add 'reason:' (art. 37's "
               "criteria not met)");
    if (o->dpo.appointed && o->dpo.n_contacts == 0)
        report(ck, "dpo", o->dpo.pos.line ? o->dpo.pos : o->pos, "organisation.dpo", NULL,
               "a DPO is appointed but the policy gives no way to reach them; add 'contact:'");
    if (o->n_contacts == 0 && p->rights.n_channels == 0)
        report(ck, "rights-channel", p->rights.pos.line ? p->rights.pos : o->pos, "rights", NULL,
               "the policy gives no way to send a request; add a 'contact:' to 'rights' or to "
               "'organisation'");
}

static void check_procedures(struct check *ck)
{
    const struct kluis_policy *p = ck->p;
    const struct kluis_rights *r = &p->rights;
    const struct kluis_duration month = {1, KLUIS_UNIT_MONTH};
    const struct kluis_duration two = {2, KLUIS_UNIT_MONTH};
    if (r->has_deadline && surely_longer(r->deadline, month)) {
        char b[24];
        report(ck, "rights-deadline", r->pos, "rights", NULL,
               "the promised answer time %s is longer than the one month of art. 12(3)",
               kluis_duration_format(r->deadline, b, sizeof(b)));
    }
    if (r->has_extension && surely_longer(r->extension, two)) {
        char b[24];
        report(ck, "rights-deadline", r->pos, "rights", NULL,
               "the extension %s is longer than the two further months of art. 12(3)",
               kluis_duration_format(r->extension, b, sizeof(b)));
    }
    if (p->has_breach_hours && p->breach_hours > 72)
        report(ck, "breach-deadline", p->breach_pos, "breach", NULL,
               "the authority is told within %lld hours; art. 33(1) allows at most 72",
               (long long)p->breach_hours);
    if (!p->cookie_consent) {
        for (size_t i = 0; i < p->n_cookies; i++) {
            const struct kluis_cookie *c = &p->cookies[i];
            if (c->kind == KLUIS_COOKIE_MARKETING ||
                (c->kind == KLUIS_COOKIE_ANALYTICS && c->third_party))
                report(ck, "cookies-consent", c->pos, "cookies", NULL,
                       "cookie '%s' (%s) needs consent before it is placed; set 'consent: true' "
                       "and ask first",
                       c->name ? c->name : "?",
                       c->kind == KLUIS_COOKIE_MARKETING ? "marketing" : "third-party analytics");
        }
    }
    if (p->automated_used && !kluis_text_present(&p->automated_logic))
        report(ck, "automated-logic", p->automated_pos, "automated_decisions", NULL,
               "automated decisions are taken but the logic involved is not described; add "
               "'logic:'");
    if (!p->has_backup_retention)
        report(ck, "backup-retention", p->backups_pos.line ? p->backups_pos : p->org.pos, "backups",
               NULL,
               "the policy does not say how long backups are kept; erased data lives on in them "
               "until they expire: add 'backups: {retention: …}'");
}

/* ---- Acknowledgements ---------------------------------------------------------------------- */

static bool ack_matches(const struct kluis_ack *a, const struct raw *r)
{
    if (strcmp(a->rule, r->rule->id) != 0)
        return false;
    if (!a->at)
        return true;
    size_t n = strlen(a->at);
    return strncmp(a->at, r->at, n) == 0 && (r->at[n] == '\0' || r->at[n] == '.');
}

kluis_rc kluis_policy_check(const struct kluis_policy *p, struct kluis_findings *findings,
                            struct kluis_err *err)
{
    struct check ck = {.p = p, .rc = KLUIS_OK};
    check_organisation(&ck);
    check_categories(&ck);
    check_purposes(&ck);
    check_consents(&ck);
    check_subprocessors(&ck);
    check_procedures(&ck);

    bool *ack_used = calloc(p->n_acks + 1, sizeof(bool));
    if (!ack_used)
        ck.rc = KLUIS_ENOMEM;
    for (size_t i = 0; ck.rc == KLUIS_OK && i < ck.n; i++) {
        const struct raw *r = &ck.items[i];
        const struct kluis_ack *ack = NULL;
        for (size_t k = 0; k < p->n_acks && !ack; k++) {
            if (ack_matches(&p->acks[k], r)) {
                ack = &p->acks[k];
                ack_used[k] = true;
            }
        }
        ck.rc = kluis__findings_add(findings, ack ? KLUIS_SEV_ACKNOWLEDGED : r->rule->severity,
                                    r->rule->id, r->rule->article, p->file, r->pos.line, r->pos.col,
                                    r->at, ack ? ack->reason : NULL, "%s", r->msg);
    }
    for (size_t k = 0; ck.rc == KLUIS_OK && k < p->n_acks; k++) {
        if (ack_used[k])
            continue;
        const struct kluis_ack *a = &p->acks[k];
        ck.rc = kluis__findings_add(findings, KLUIS_SEV_WARNING, "ack-unused", NULL, p->file,
                                    a->pos.line, a->pos.col, NULL, NULL,
                                    "the acknowledgement of '%s'%s%s matches no finding; remove "
                                    "it",
                                    a->rule, a->at ? " at " : "", a->at ? a->at : "");
    }
    free(ack_used);
    free(ck.items);
    if (ck.rc != KLUIS_OK)
        return kluis_err_set(err, ck.rc, "out of memory");
    return KLUIS_OK;
}
