/*
 * kluis — a GDPR/AVG personal-data engine. This header includes the whole public API.
 *
 * Parts: error.h (the error vocabulary), time.h (dates, durations), calendar.h (the GDPR request
 * clock: local dates, public holidays, due dates), policy.h (the policy model, loading and
 * checks), render.h (statement, register, art. 15 information), store.h, keys.h, audit.h,
 * crypto.h, engine.h (the policy enforced on the data).
 */
#ifndef KLUIS_KLUIS_H
#define KLUIS_KLUIS_H

#include "kluis/error.h"
#include "kluis/time.h"
#include "kluis/calendar.h"
#include "kluis/crypto.h"
#include "kluis/audit.h"
#include "kluis/policy.h"
#include "kluis/render.h"
#include "kluis/retention.h"
#include "kluis/store.h"
#include "kluis/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR.PATCH". */
const char *kluis_version(void);

/*
 * Writes len bytes to path atomically: a temporary file in the same folder, fsync, rename. A
 * failure leaves an existing file untouched. Errors: KLUIS_EIO (with the reason), KLUIS_ENOMEM.
 */
kluis_rc kluis_write_file_atomic(const char *path, const void *data, size_t len,
                                 struct kluis_err *err);

#ifdef __cplusplus
}
#endif

#endif /* KLUIS_KLUIS_H */
