/*
 * What the commands share: reporting errors once at the boundary, output files, JSON, findings.
 */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Prints "kluis CMD: " and the message to stderr, without a newline. */
__attribute__((format(printf, 2, 0))) static void vmessage(const char *cmd, const char *fmt,
                                                           va_list ap)
{
    fprintf(stderr, "kluis %s: ", cmd);
    vfprintf(stderr, fmt, ap);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(cmd, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_report(const char *cmd, const struct kluis_err *err)
{
    if (err->file[0] && err->line)
        fprintf(stderr, "%s:%d:%d: ", err->file, err->line, err->col);
    fprintf(stderr, "kluis %s: %s\n", cmd,
            err->message[0] ? err->message : kluis_rc_message(err->rc));
    if (err->detail[0])
        fprintf(stderr, "  %s\n", err->detail);
    if (err->hint[0])
        fprintf(stderr, "  hint: %s\n", err->hint);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'kluis %s --help'.\n", cmd);
    return CLI_USAGE;
}

int cli_help(const char *cmd)
{
    const struct cli_command *c = cli_find_command(cmd);
    if (c)
        fputs(c->help, stdout);
    return CLI_OK;
}

const char *cli_policy_path(const char *positional)
{
    if (positional)
        return positional;
    const char *env = getenv("KLUIS_POLICY");
    return env && *env ? env : "kluis.yaml";
}

int cli_write_output(const char *cmd, const char *path, const char *text, size_t len)
{
    if (!path || strcmp(path, "-") == 0) {
        if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
            cli_error(cmd, "cannot write the output: %s", strerror(errno));
            return CLI_FAIL;
        }
        return CLI_OK;
    }
    struct kluis_err err = {0};
    if (kluis_write_file_atomic(path, text, len, &err) != KLUIS_OK) {
        cli_report(cmd, &err);
        return CLI_FAIL;
    }
    return CLI_OK;
}

void cli_print_json(json_t *o)
{
    json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(o);
}

static const char *sev_name(enum kluis_severity s)
{
    switch (s) {
    case KLUIS_SEV_ERROR:
        return "error";
    case KLUIS_SEV_WARNING:
        return "warning";
    case KLUIS_SEV_ACKNOWLEDGED:
        return "acknowledged";
    }
    return "?";
}

void cli_print_findings(FILE *stream, const struct kluis_findings *f)
{
    for (size_t i = 0; i < kluis_findings_count(f); i++) {
        const struct kluis_finding *x = kluis_findings_get(f, i);
        if (x->line > 0)
            fprintf(stream, "%s:%d:%d: ", x->file, x->line, x->col);
        else
            fprintf(stream, "%s: ", x->file);
        fprintf(stream, "%s: [%s] %s", sev_name(x->severity), x->rule, x->message);
        if (x->severity == KLUIS_SEV_ACKNOWLEDGED && x->reason)
            fprintf(stream, " (reason: %s)", x->reason);
        fputc('\n', stream);
    }
}

struct kluis_policy *cli_load_policy(const char *cmd, const char *path, bool check)
{
    struct kluis_findings *f = kluis_findings_new();
    if (!f) {
        cli_error(cmd, "out of memory");
        return NULL;
    }
    struct kluis_policy *p = NULL;
    struct kluis_err err = {0};
    if (kluis_policy_load_file(path, f, &p, &err) != KLUIS_OK) {
        kluis_findings_sort(f);
        cli_print_findings(stderr, f);
        cli_report(cmd, &err);
        p = NULL;
    } else if (check && kluis_policy_check(p, f, &err) == KLUIS_OK) {
        size_t n = kluis_findings_count_sev(f, KLUIS_SEV_ERROR);
        if (n)
            fprintf(stderr,
                    "kluis %s: warning: %s has %zu error%s under 'kluis check'; the output "
                    "shows the policy as it is\n",
                    cmd, path, n, n == 1 ? "" : "s");
    }
    kluis_findings_free(f);
    return p;
}

int cli_read_file(const char *cmd, const char *path, size_t max, char **out_buf, size_t *out_len)
{
    bool is_stdin = !path || strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        cli_error(cmd, "cannot open %s: %s", path, strerror(errno));
        return CLI_FAIL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int status = CLI_OK;
    while (buf) {
        if (len + 1 == cap) {
            char *bigger = cap > max ? NULL : realloc(buf, cap * 2);
            if (!bigger) {
                if (cap > max)
                    status = CLI_FAIL;
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - 1 - len, f);
        len += n;
        if (n == 0)
            break;
    }
    const char *name = is_stdin ? "standard input" : path;
    if (status == CLI_OK && buf && ferror(f)) {
        cli_error(cmd, "cannot read %s: %s", name, strerror(errno));
        status = CLI_FAIL;
    } else if (status != CLI_OK || (buf && len > max)) {
        cli_error(cmd, "%s is larger than the limit of %zu bytes", name, max);
        status = CLI_FAIL;
    } else if (!buf) {
        cli_error(cmd, "out of memory");
        status = CLI_FAIL;
    }
    if (!is_stdin)
        fclose(f);
    if (status != CLI_OK) {
        free(buf);
        return status;
    }
    buf[len] = '\0';
    *out_buf = buf;
    *out_len = len;
    return CLI_OK;
}
