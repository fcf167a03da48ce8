/*
 * kluis — error vocabulary.
 *
 * Every fallible library call returns a kluis_rc. 0 is success. Each code has a stable name and a
 * one-line message, both generated from KLUIS_RC_MAP below. New codes are added last and are never
 * renumbered: the numbers appear in JSON output and in the HTTP API.
 *
 * Detail travels separately, in an optional struct kluis_err that the caller owns: a message for
 * people, an optional detail and hint, and the source position when the failure concerns a file
 * the caller gave (a policy, a case file). The library never prints and never exits; the CLI and
 * the server report each failure once, at their boundary.
 *
 * No key material and no personal data is ever written into a kluis_err.
 */
#ifndef KLUIS_ERROR_H
#define KLUIS_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, message) — the order is the numbering. Append only. */
#define KLUIS_RC_MAP(X)                                                                            \
    X(OK, "success")                                                                               \
    X(ENOMEM, "out of memory")                                                                     \
    X(EINVAL, "invalid argument")                                                                  \
    X(EIO, "input/output error")                                                                   \
    X(ETOOBIG, "input exceeds a size limit")                                                       \
    X(EPARSE, "malformed input")                                                                   \
    X(EPOLICY, "the policy has errors")                                                            \
    X(ENOTFOUND, "not found")                                                                      \
    X(EREFUSED, "refused by the policy")                                                           \
    X(EEXIST, "already exists")                                                                    \
    X(EUNSUPPORTED, "not supported")                                                               \
    X(ECORRUPT, "stored data is corrupt")                                                          \
    X(EINTERNAL, "internal error")

enum kluis_rc {
#define KLUIS_RC_ENUM_(name, msg) KLUIS_##name,
    KLUIS_RC_MAP(KLUIS_RC_ENUM_)
#undef KLUIS_RC_ENUM_
        KLUIS_RC_COUNT_
};

typedef enum kluis_rc kluis_rc;

/*
 * Detail of a failure. Zero-initialise one (`struct kluis_err err = {0};`) and pass its address to
 * any call; pass NULL when the detail is not wanted. A call that fails fills it; a call that
 * succeeds leaves it untouched. All strings are NUL-terminated and truncated to fit.
 */
struct kluis_err {
    kluis_rc rc;
    char message[256]; /* one sentence for people, never containing personal data */
    char detail[512];  /* optional: what exactly was found, "" when none */
    char hint[256];    /* optional: what to do about it, "" when none */
    char file[256];    /* optional: the input file concerned, "" when none */
    int line;          /* 1-based source position in file, 0 when none */
    int col;           /* 1-based column (in bytes), 0 when none */
};

/* The stable symbolic name of rc ("EPOLICY"), or "UNKNOWN" for a value outside the map. */
const char *kluis_rc_name(kluis_rc rc);

/* The one-line message of rc ("the policy has errors"), or "unknown error". */
const char *kluis_rc_message(kluis_rc rc);

/*
 * Fills err (when not NULL) with rc and a printf-style message, clearing detail, hint and the
 * position. Returns rc, so that `return kluis_err_set(err, KLUIS_EINVAL, "…");` reads naturally.
 */
kluis_rc kluis_err_set(struct kluis_err *err, kluis_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets err->detail (printf-style); no-op when err is NULL. */
void kluis_err_detail(struct kluis_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets err->hint (printf-style); no-op when err is NULL. */
void kluis_err_hint(struct kluis_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets the source position; file may be NULL (kept as is). No-op when err is NULL. */
void kluis_err_at(struct kluis_err *err, const char *file, int line, int col);

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_ERROR_H */
