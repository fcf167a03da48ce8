/*
 * Local dates in an IANA time zone, through the C library.
 *
 * glibc takes an unknown TZ name for UTC without a word, which would put a request received late
 * in the evening in Amsterdam on the wrong day. So the name is checked first: a plain relative
 * name that is a TZif file under /usr/share/zoneinfo. TZ is then set to that file's absolute
 * path (":/usr/share/zoneinfo/Europe/Amsterdam"), so the C library reads exactly the file that was
 * checked, whatever TZDIR says.
 */
#include "kluis/calendar.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZONEINFO_DIR  "/usr/share/zoneinfo"
#define ZONE_NAME_MAX 128
/* About ±2.2 million years: every year then fits an int, before and after adding 1900. */
#define TIME_LIMIT (INT64_C(1) << 46)

/* Serialises every change of TZ made here; see the thread note in calendar.h. */
static pthread_mutex_t tz_mutex = PTHREAD_MUTEX_INITIALIZER;

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '+' || c == '.';
}

/*
 * A relative name of non-empty components that do not start with '.' (so no "." or ".."), made
 * of the characters IANA names use. "localtime" is the host's zone, not a name, and the "right/"
 * zones count leap seconds, which Unix time does not.
 */
static bool name_ok(const char *zone)
{
    size_t len = strlen(zone);
    if (len == 0 || len > ZONE_NAME_MAX)
        return false;
    if (strcmp(zone, "localtime") == 0 || strncmp(zone, "right/", 6) == 0)
        return false;
    size_t comp = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = zone[i];
        if (c == '/' || c == '\0') {
            if (comp == 0 || zone[i - comp] == '.')
                return false;
            comp = 0;
        } else if (!name_char(c)) {
            return false;
        } else {
            comp++;
        }
    }
    return true;
}

/* Writes the absolute path of a valid zone's file into path; false when the zone is not valid. */
static bool zone_path(const char *zone, char *path, size_t size)
{
    if (!zone || !name_ok(zone))
        return false;
    int n = snprintf(path, size, "%s/%s", ZONEINFO_DIR, zone);
    if (n < 0 || (size_t)n >= size)
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    char magic[4];
    /* A TZif file, not a directory or one of the tables (zone.tab, tzdata.zi) beside them. */
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
              read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
              memcmp(magic, "TZif", 4) == 0;
    close(fd);
    return ok;
}

bool kluis_calendar_zone_valid(const char *zone)
{
    char path[sizeof(ZONEINFO_DIR) + ZONE_NAME_MAX + 2];
    return zone_path(zone, path, sizeof(path));
}

kluis_rc kluis_calendar_local_day(int64_t unix_seconds, const char *zone, int64_t *out_day,
                                  struct kluis_err *err)
{
    char tz[1 + sizeof(ZONEINFO_DIR) + ZONE_NAME_MAX + 2];
    tz[0] = ':';
    if (!zone_path(zone, tz + 1, sizeof(tz) - 1)) {
        kluis_err_set(err, KLUIS_EINVAL, "unknown time zone '%.64s'", zone ? zone : "(null)");
        kluis_err_hint(err, "give an IANA zone name such as Europe/Amsterdam; the names are the "
                            "files under " ZONEINFO_DIR " (Debian package tzdata)");
        return KLUIS_EINVAL;
    }
    time_t t = (time_t)unix_seconds;
    if (unix_seconds > TIME_LIMIT || unix_seconds < -TIME_LIMIT || (int64_t)t != unix_seconds)
        return kluis_err_set(err, KLUIS_EINVAL, "time %lld is out of range",
                             (long long)unix_seconds);

    pthread_mutex_lock(&tz_mutex);
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    if (old && !saved) {
        pthread_mutex_unlock(&tz_mutex);
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    }
    bool set = setenv("TZ", tz, 1) == 0;
    struct tm tm;
    bool converted = false;
    if (set) {
        /* localtime_r need not look at TZ again (glibc's does not); tzset() makes it. */
        tzset();
        converted = localtime_r(&t, &tm) != NULL;
    }
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    pthread_mutex_unlock(&tz_mutex);
    free(saved);

    if (!set)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    if (!converted)
        return kluis_err_set(err, KLUIS_EINVAL, "time %lld is out of range",
                             (long long)unix_seconds);
    *out_day = kluis_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return KLUIS_OK;
}
