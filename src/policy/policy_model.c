/*
 * Accessors of the policy model (include/kluis/policy.h). The model is immutable, so each is a
 * plain read; lookups by id are linear, which is fine for the tens of entities a policy has.
 */
#include "policy/policy_internal.h"

#include <string.h>

bool kluis_lang_parse(const char *s, enum kluis_lang *out_lang)
{
    if (s && strcmp(s, "nl") == 0) {
        *out_lang = KLUIS_LANG_NL;
        return true;
    }
    if (s && strcmp(s, "en") == 0) {
        *out_lang = KLUIS_LANG_EN;
        return true;
    }
    return false;
}

const char *kluis_text_get(const struct kluis_text *t, enum kluis_lang lang)
{
    return lang == KLUIS_LANG_NL ? t->nl : t->en;
}

bool kluis_text_present(const struct kluis_text *t)
{
    return t->nl != NULL && t->en != NULL;
}

const char *kluis_policy_file(const struct kluis_policy *p)
{
    return p->file;
}

const struct kluis_organisation *kluis_policy_organisation(const struct kluis_policy *p)
{
    return &p->org;
}

const char *kluis_policy_statement_version(const struct kluis_policy *p)
{
    return p->statement_version;
}

int64_t kluis_policy_statement_date(const struct kluis_policy *p)
{
    return p->statement_date;
}

struct kluis_text kluis_policy_role_text(const struct kluis_policy *p, enum kluis_role role)
{
    return p->role_text[role == KLUIS_ROLE_PROCESSOR];
}

/* Generates count/index/find accessors for an entity array with an `id` field. */
#define ACCESSORS(plural, singular, type, arr, n)                                                  \
    size_t kluis_policy_n_##plural(const struct kluis_policy *p)                                   \
    {                                                                                              \
        return p->n;                                                                               \
    }                                                                                              \
    const type *kluis_policy_##singular(const struct kluis_policy *p, size_t i)                    \
    {                                                                                              \
        return i < p->n ? &p->arr[i] : NULL;                                                       \
    }
#define FINDER(singular, type, arr, n)                                                             \
    const type *kluis_policy_find_##singular(const struct kluis_policy *p, const char *id)         \
    {                                                                                              \
        for (size_t i = 0; id && i < p->n; i++)                                                    \
            if (p->arr[i].id && strcmp(p->arr[i].id, id) == 0)                                     \
                return &p->arr[i];                                                                 \
        return NULL;                                                                               \
    }

ACCESSORS(authorities, authority, struct kluis_authority, authorities, n_authorities)
ACCESSORS(subject_groups, subject_group, struct kluis_subject_group, subject_groups,
          n_subject_groups)
FINDER(subject_group, struct kluis_subject_group, subject_groups, n_subject_groups)
ACCESSORS(events, event, struct kluis_event_def, events, n_events)
FINDER(event, struct kluis_event_def, events, n_events)
ACCESSORS(key_classes, key_class, struct kluis_key_class, key_classes, n_key_classes)
FINDER(key_class, struct kluis_key_class, key_classes, n_key_classes)
ACCESSORS(categories, category, struct kluis_category, categories, n_categories)
FINDER(category, struct kluis_category, categories, n_categories)
ACCESSORS(purposes, purpose, struct kluis_purpose, purposes, n_purposes)
FINDER(purpose, struct kluis_purpose, purposes, n_purposes)
ACCESSORS(consents, consent, struct kluis_consent, consents, n_consents)
FINDER(consent, struct kluis_consent, consents, n_consents)
ACCESSORS(subprocessors, subprocessor, struct kluis_subprocessor, subprocessors, n_subprocessors)
ACCESSORS(cookies, cookie, struct kluis_cookie, cookies, n_cookies)
ACCESSORS(sections, section, struct kluis_section, sections, n_sections)
ACCESSORS(acks, ack, struct kluis_ack, acks, n_acks)

bool kluis_purpose_uses(const struct kluis_purpose *pu, const char *category_id)
{
    for (size_t i = 0; i < pu->n_categories; i++)
        if (strcmp(pu->categories[i], category_id) == 0)
            return true;
    return false;
}

bool kluis_purpose_stores(const struct kluis_policy *p, const struct kluis_purpose *pu,
                          const char *category_id)
{
    if (pu->stores_given) {
        for (size_t i = 0; i < pu->n_stores; i++)
            if (strcmp(pu->stores[i], category_id) == 0)
                return true;
        return false;
    }
    /* Without `stores:`, a purpose keeps what it uses, except what is never stored. */
    const struct kluis_category *c = kluis_policy_find_category(p, category_id);
    return kluis_purpose_uses(pu, category_id) && c && c->storage == KLUIS_STORAGE_STORED;
}

const struct kluis_rights *kluis_policy_rights(const struct kluis_policy *p)
{
    return &p->rights;
}

size_t kluis_policy_n_security(const struct kluis_policy *p)
{
    return p->n_security;
}

const struct kluis_text *kluis_policy_security(const struct kluis_policy *p, size_t i)
{
    return i < p->n_security ? &p->security[i] : NULL;
}

struct kluis_text kluis_policy_transfer_text(const struct kluis_policy *p)
{
    return p->transfer_text;
}

bool kluis_policy_backup_retention(const struct kluis_policy *p, struct kluis_duration *out_d)
{
    if (p->has_backup_retention && out_d)
        *out_d = p->backup_retention;
    return p->has_backup_retention;
}

struct kluis_text kluis_policy_backup_text(const struct kluis_policy *p)
{
    return p->backup_text;
}

bool kluis_policy_key_backup_retention(const struct kluis_policy *p, struct kluis_duration *out_d)
{
    if (p->has_key_backup_retention && out_d)
        *out_d = p->key_backup_retention;
    return p->has_key_backup_retention;
}

bool kluis_policy_audit_retention(const struct kluis_policy *p, struct kluis_duration *out_d)
{
    if (p->has_audit_retention && out_d)
        *out_d = p->audit_retention;
    return p->has_audit_retention;
}

bool kluis_policy_automated_decisions(const struct kluis_policy *p)
{
    return p->automated_used;
}

struct kluis_text kluis_policy_automated_text(const struct kluis_policy *p)
{
    return p->automated_text;
}

struct kluis_text kluis_policy_automated_logic(const struct kluis_policy *p)
{
    return p->automated_logic;
}

bool kluis_policy_breach_hours(const struct kluis_policy *p, int64_t *out_hours)
{
    if (p->has_breach_hours && out_hours)
        *out_hours = p->breach_hours;
    return p->has_breach_hours;
}

struct kluis_text kluis_policy_breach_text(const struct kluis_policy *p)
{
    return p->breach_text;
}

struct kluis_text kluis_policy_cookie_text(const struct kluis_policy *p)
{
    return p->cookie_text;
}

bool kluis_policy_cookie_consent(const struct kluis_policy *p)
{
    return p->cookie_consent;
}

bool kluis_policy_change_notice(const struct kluis_policy *p, struct kluis_duration *out_d)
{
    if (p->has_change_notice && out_d)
        *out_d = p->change_notice;
    return p->has_change_notice;
}

bool kluis_policy_subprocessor_notice(const struct kluis_policy *p, struct kluis_duration *out_d)
{
    if (p->has_subprocessor_notice) {
        if (out_d)
            *out_d = p->subprocessor_notice;
        return true;
    }
    return kluis_policy_change_notice(p, out_d);
}

struct kluis_text kluis_policy_change_text(const struct kluis_policy *p)
{
    return p->change_text;
}
