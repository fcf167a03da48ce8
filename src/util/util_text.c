/*
 * Text helpers: UTF-8 validation, escapers for the output formats, edit distance for "did you
 * mean", and whole-file reads and atomic writes.
 */
#include "kluis/kluis.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool kluis__utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            n = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

void kluis__buf_md(struct kluis_buf *b, const char *s)
{
    /* A backslash before ASCII punctuation is always a literal in CommonMark. Escape every
     * character that can open inline syntax (emphasis, code, links, HTML, entities, tables), and
     * at the start of the text whatever could open a block (heading, list, quote), so policy text
     * can never become markup. Sentence punctuation elsewhere stays as written, so the Markdown
     * source reads naturally. */
    const char *start = s;
    const char *run = s;
    while (*run >= '0' && *run <= '9')
        run++;
    for (; *s; s++) {
        char c = *s;
        if (c == '\n' || c == '\r' || c == '\t') {
            kluis__buf_putc(b, ' ');
            continue;
        }
        bool esc = strchr("\\`*_[]<>|!~&", c) != NULL;
        if (s == start && strchr("-+=#>", c))
            esc = true;
        if (run > start && s == run && (c == '.' || c == ')') &&
            (s[1] == '\0' || s[1] == ' ' || s[1] == '\t'))
            esc = true;
        if (esc)
            kluis__buf_putc(b, '\\');
        kluis__buf_putc(b, c);
    }
}

void kluis__buf_html(struct kluis_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            kluis__buf_puts(b, "&amp;");
            break;
        case '<':
            kluis__buf_puts(b, "&lt;");
            break;
        case '>':
            kluis__buf_puts(b, "&gt;");
            break;
        case '"':
            kluis__buf_puts(b, "&quot;");
            break;
        case '\'':
            kluis__buf_puts(b, "&#39;");
            break;
        default:
            kluis__buf_putc(b, *s);
        }
    }
}

void kluis__buf_csv(struct kluis_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        kluis__buf_puts(b, s);
        return;
    }
    kluis__buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            kluis__buf_putc(b, '"');
        kluis__buf_putc(b, *s);
    }
    kluis__buf_putc(b, '"');
}

size_t kluis__edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap + 1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        size_t best = row[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1;
            size_t ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
            if (row[j] < best)
                best = row[j];
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb] > cap ? cap + 1 : row[lb];
}

kluis_rc kluis__read_file(const char *path, size_t max, char **out_data, size_t *out_len,
                          struct kluis_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kluis_err_set(err, KLUIS_EIO, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return kluis_err_set(err, KLUIS_EIO, "'%s' is not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        kluis_err_set(err, KLUIS_ETOOBIG, "'%s' is too large (%lld bytes; at most %zu)", path,
                      (long long)st.st_size, max);
        return KLUIS_ETOOBIG;
    }
    struct kluis_buf b;
    kluis__buf_init(&b, max);
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            kluis__buf_free(&b);
            return kluis_err_set(err, KLUIS_EIO, "cannot read '%s': %s", path, strerror(e));
        }
        if (n == 0)
            break;
        kluis__buf_append(&b, chunk, (size_t)n);
        if (kluis__buf_rc(&b) != KLUIS_OK)
            break;
    }
    close(fd);
    kluis_rc rc = kluis__buf_steal(&b, out_data, out_len);
    if (rc == KLUIS_ETOOBIG)
        return kluis_err_set(err, rc, "'%s' is too large (at most %zu bytes)", path, max);
    if (rc != KLUIS_OK)
        return kluis_err_set(err, rc, "cannot read '%s': %s", path, kluis_rc_message(rc));
    return KLUIS_OK;
}

kluis_rc kluis_write_file_atomic(const char *path, const void *data, size_t len,
                                 struct kluis_err *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return kluis_err_set(err, KLUIS_ENOMEM, "out of memory");
    snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        kluis_err_set(err, KLUIS_EIO, "cannot write '%s': %s", path, strerror(errno));
        free(tmp);
        return KLUIS_EIO;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        p += n;
        left -= (size_t)n;
    }
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    free(tmp);
    return KLUIS_OK;
fail:
    kluis_err_set(err, KLUIS_EIO, "cannot write '%s': %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return KLUIS_EIO;
}
