/*
 * The error vocabulary: names and messages generated from KLUIS_RC_MAP, and the helpers that fill
 * a struct kluis_err.
 */
#include "kluis/kluis.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const rc_names[] = {
#define RC_NAME_(name, msg) #name,
    KLUIS_RC_MAP(RC_NAME_)
#undef RC_NAME_
};

static const char *const rc_messages[] = {
#define RC_MSG_(name, msg) msg,
    KLUIS_RC_MAP(RC_MSG_)
#undef RC_MSG_
};

const char *kluis_rc_name(kluis_rc rc)
{
    if ((unsigned)rc >= (unsigned)KLUIS_RC_COUNT_)
        return "UNKNOWN";
    return rc_names[rc];
}

const char *kluis_rc_message(kluis_rc rc)
{
    if ((unsigned)rc >= (unsigned)KLUIS_RC_COUNT_)
        return "unknown error";
    return rc_messages[rc];
}

kluis_rc kluis_err_set(struct kluis_err *err, kluis_rc rc, const char *fmt, ...)
{
    if (!err)
        return rc;
    memset(err, 0, sizeof(*err));
    err->rc = rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return rc;
}

void kluis_err_detail(struct kluis_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
}

void kluis_err_hint(struct kluis_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
}

void kluis_err_at(struct kluis_err *err, const char *file, int line, int col)
{
    if (!err)
        return;
    if (file)
        snprintf(err->file, sizeof(err->file), "%s", file);
    err->line = line;
    err->col = col;
}

const char *kluis_version(void)
{
    return KLUIS_VERSION;
}
