/*
 * The findings list: what loading and checking a policy report. Each finding owns copies of its
 * strings, so a list outlives the policy it describes.
 */
#include "policy/policy_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* More findings than this are not kept: a garbage file must not make kluis print megabytes. */
#define FINDINGS_MAX 1000

struct kluis_findings {
    struct kluis_finding *items;
    size_t n;
    size_t cap;
    size_t dropped;
};

struct kluis_findings *kluis_findings_new(void)
{
    return calloc(1, sizeof(struct kluis_findings));
}

static void finding_free(struct kluis_finding *f)
{
    free((char *)f->rule);
    free((char *)f->article);
    free((char *)f->file);
    free((char *)f->at);
    free((char *)f->message);
    free((char *)f->reason);
}

void kluis_findings_free(struct kluis_findings *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        finding_free(&f->items[i]);
    free(f->items);
    free(f);
}

size_t kluis_findings_count(const struct kluis_findings *f)
{
    return f ? f->n : 0;
}

const struct kluis_finding *kluis_findings_get(const struct kluis_findings *f, size_t i)
{
    return f && i < f->n ? &f->items[i] : NULL;
}

size_t kluis_findings_count_sev(const struct kluis_findings *f, enum kluis_severity sev)
{
    size_t n = 0;
    for (size_t i = 0; f && i < f->n; i++)
        n += f->items[i].severity == sev;
    return n;
}

static int str_cmp0(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int finding_cmp(const void *pa, const void *pb)
{
    const struct kluis_finding *a = pa, *b = pb;
    int c = str_cmp0(a->file, b->file);
    if (c)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    c = strcmp(a->rule, b->rule);
    if (c)
        return c;
    return strcmp(a->message, b->message);
}

void kluis_findings_sort(struct kluis_findings *f)
{
    if (f && f->n > 1)
        qsort(f->items, f->n, sizeof(*f->items), finding_cmp);
}

static char *dup0(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *ok = false;
    return d;
}

kluis_rc kluis__findings_add(struct kluis_findings *f, enum kluis_severity sev, const char *rule,
                             const char *article, const char *file, int line, int col,
                             const char *at, const char *reason, const char *fmt, ...)
{
    if (!f)
        return KLUIS_OK;
    if (f->n >= FINDINGS_MAX) {
        f->dropped++;
        return KLUIS_OK;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        struct kluis_finding *items = realloc(f->items, cap * sizeof(*items));
        if (!items)
            return KLUIS_ENOMEM;
        f->items = items;
        f->cap = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    bool ok = true;
    struct kluis_finding x = {
        .severity = sev,
        .line = line,
        .col = col,
    };
    x.rule = dup0(rule, &ok);
    x.article = dup0(article, &ok);
    x.file = dup0(file, &ok);
    x.at = dup0(at, &ok);
    x.reason = dup0(reason, &ok);
    x.message = dup0(msg, &ok);
    if (!ok) {
        finding_free(&x);
        return KLUIS_ENOMEM;
    }
    f->items[f->n++] = x;
    return KLUIS_OK;
}
