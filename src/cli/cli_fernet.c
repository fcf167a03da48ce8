/*
 * kluis fernet: make and open Fernet tokens (the format the seeds keep OAuth tokens in), make
 * keys, and move tokens to a new key. Byte-compatible with Python's cryptography.fernet, with
 * stricter base64 (docs/crypto.md).
 *
 * The key file holds one or more keys, one per line: the first encrypts, all decrypt
 * (MultiFernet). Keys never reach stdout or stderr except from 'keygen', whose job it is.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Input limits: a message or a batch of tokens, and a key file. */
#define INPUT_MAX    ((size_t)64 << 20)
#define KEY_FILE_MAX ((size_t)64 << 10)
#define KEYS_MAX     64

enum { OPT_KEY_FILE = CLI_OPT_FIRST_FREE, OPT_TTL, OPT_NOW };

struct fernet_args {
    const char *key_file;
    const char *ttl_text;
    const char *now_text;
};

static int fernet_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct fernet_args *a = ctx;
    switch (c) {
    case OPT_KEY_FILE:
        a->key_file = arg;
        break;
    case OPT_TTL:
        a->ttl_text = arg;
        break;
    case OPT_NOW:
        a->now_text = arg;
        break;
    }
    return -1;
}

/* Loads the keys of path: one per line, empty lines skipped. Returns CLI_OK or the exit status
 * (reported). The file's text is wiped before it is freed. */
static int load_keys(const char *cmd, const char *path, struct kluis_fernet_key *keys,
                     size_t *n_keys)
{
    char *text = NULL;
    size_t len = 0;
    if (cli_read_file(cmd, path, KEY_FILE_MAX, &text, &len) != CLI_OK)
        return CLI_FAIL;
    int status = CLI_OK;
    size_t n = 0, line = 0;
    for (char *p = text; p < text + len && status == CLI_OK;) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        char *end = nl ? nl : text + len;
        size_t l = (size_t)(end - p);
        line++;
        if (l > 0 && p[l - 1] == '\r')
            l--;
        if (l > 0) {
            if (n == KEYS_MAX) {
                cli_error(cmd, "the key file %s has more than %d keys", path, KEYS_MAX);
                status = CLI_FAIL;
            } else if (kluis_fernet_key_parse(p, l, &keys[n], NULL) != KLUIS_OK) {
                /* Never the line itself: it may be a key with a typo. */
                cli_error(cmd,
                          "%s:%zu: not a Fernet key (44 characters of base64url, as 'kluis "
                          "fernet keygen' prints)",
                          path, line);
                status = CLI_FAIL;
            } else {
                n++;
            }
        }
        p = nl ? nl + 1 : text + len;
    }
    kluis_wipe(text, len);
    free(text);
    if (status == CLI_OK && n == 0) {
        cli_error(cmd, "the key file %s holds no key", path);
        status = CLI_FAIL;
    }
    if (status != CLI_OK) {
        kluis_wipe(keys, KEYS_MAX * sizeof(*keys));
        return status;
    }
    *n_keys = n;
    return CLI_OK;
}

/* The clock: --now, else $KLUIS_NOW, else the wall clock (the CLI may read it). */
static int resolve_now(const char *cmd, const char *now_text, int64_t *out_now)
{
    const char *text = now_text;
    if (!text) {
        const char *v = getenv("KLUIS_NOW");
        text = v && *v ? v : NULL;
    }
    if (text) {
        if (kluis_time_parse(text, out_now, NULL) != KLUIS_OK)
            return cli_usage(cmd, "%s must be an RFC 3339 time such as 2026-11-23T10:00:00Z",
                             now_text ? "--now" : "KLUIS_NOW");
        if (*out_now < 0)
            return cli_usage(cmd, "%s must not be before 1970", now_text ? "--now" : "KLUIS_NOW");
        return CLI_OK;
    }
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        cli_error(cmd, "cannot read the clock: %s", strerror(errno));
        return CLI_FAIL;
    }
    *out_now = (int64_t)ts.tv_sec;
    return CLI_OK;
}

/* What the key-using subcommands share: options, keys and clock. */
struct fernet_run {
    struct fernet_args a;
    struct kluis_fernet_key keys[KEYS_MAX];
    size_t n_keys;
    int64_t now;
    int64_t ttl; /* -1: none */
};

static int fernet_setup(const char *cmd, int argc, char **argv, bool takes_ttl,
                        struct fernet_run *r)
{
    static const struct option opts[] = {{"key-file", required_argument, NULL, OPT_KEY_FILE},
                                         {"ttl", required_argument, NULL, OPT_TTL},
                                         {"now", required_argument, NULL, OPT_NOW},
                                         {NULL, 0, NULL, 0}};
    memset(r, 0, sizeof(*r));
    r->ttl = -1;
    int status = cli_parse_options(cmd, NULL, argc, argv, NULL, opts, fernet_option, &r->a);
    if (status >= 0)
        return status;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments: the input is read from stdin");
    if (!r->a.key_file)
        return cli_usage(cmd, "needs --key-file FILE");
    if (r->a.ttl_text) {
        if (!takes_ttl)
            return cli_usage(cmd, "takes no --ttl (only 'fernet decrypt' does)");
        char *end = NULL;
        errno = 0;
        long long v = strtoll(r->a.ttl_text, &end, 10);
        if (errno || end == r->a.ttl_text || *end || v < 0 || r->a.ttl_text[0] == '-' ||
            r->a.ttl_text[0] == '+' || r->a.ttl_text[0] == ' ')
            return cli_usage(cmd, "--ttl must be a whole number of seconds, 0 or more");
        r->ttl = (int64_t)v;
    }
    status = resolve_now(cmd, r->a.now_text, &r->now);
    if (status != CLI_OK)
        return status;
    return load_keys(cmd, r->a.key_file, r->keys, &r->n_keys);
}

static void fernet_done(struct fernet_run *r)
{
    kluis_wipe(r->keys, sizeof(r->keys));
}

static int read_stdin(const char *cmd, char **out, size_t *out_len)
{
    return cli_read_file(cmd, NULL, INPUT_MAX, out, out_len);
}

static int write_stdout(const char *cmd, const void *data, size_t len)
{
    if ((len && fwrite(data, 1, len, stdout) != len) || fflush(stdout) != 0) {
        cli_error(cmd, "cannot write the output: %s", strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int fernet_encrypt(const char *cmd, int argc, char **argv)
{
    struct fernet_run r;
    int status = fernet_setup(cmd, argc, argv, false, &r);
    if (status != CLI_OK) {
        fernet_done(&r);
        return status;
    }
    char *msg = NULL, *tok = NULL;
    size_t n = 0, tl = 0;
    status = read_stdin(cmd, &msg, &n);
    if (status == CLI_OK) {
        tok = malloc(KLUIS_FERNET_TOKEN_LEN(n) + 2);
        struct kluis_err err = {0};
        if (!tok) {
            cli_error(cmd, "out of memory");
            status = CLI_FAIL;
        } else if (kluis_fernet_encrypt(&r.keys[0], r.now, NULL, msg, n, tok, &tl, &err) !=
                   KLUIS_OK) {
            status = cli_fail(cmd, &err);
        } else {
            tok[tl++] = '\n';
            status = write_stdout(cmd, tok, tl);
        }
    }
    if (msg) {
        kluis_wipe(msg, n);
        free(msg);
    }
    free(tok);
    fernet_done(&r);
    return status;
}

/* The text with one final line ending ("\n" or "\r\n") taken off, as a shell pipe leaves it. */
static size_t chomp(const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '\n')
        len--;
    if (len > 0 && s[len - 1] == '\r')
        len--;
    return len;
}

static int fernet_decrypt(const char *cmd, int argc, char **argv)
{
    struct fernet_run r;
    int status = fernet_setup(cmd, argc, argv, true, &r);
    if (status != CLI_OK) {
        fernet_done(&r);
        return status;
    }
    char *tok = NULL;
    size_t tl = 0;
    uint8_t *out = NULL;
    size_t n = 0;
    status = read_stdin(cmd, &tok, &tl);
    if (status == CLI_OK) {
        tl = chomp(tok, tl);
        out = malloc(tl + 1);
        struct kluis_err err = {0};
        if (!out) {
            cli_error(cmd, "out of memory");
            status = CLI_FAIL;
        } else if (kluis_fernet_decrypt(r.keys, r.n_keys, tok, tl, r.now, r.ttl, out, &n, NULL,
                                        NULL, &err) != KLUIS_OK) {
            status = cli_fail(cmd, &err);
        } else {
            status = write_stdout(cmd, out, n);
        }
    }
    if (out) {
        kluis_wipe(out, n);
        free(out);
    }
    free(tok);
    fernet_done(&r);
    return status;
}

/* Re-encrypts each line's token under the first key, keeping its time. All or nothing: the
 * output is written only when every line rotated, so it can replace the input line for line. */
static int fernet_rotate(const char *cmd, int argc, char **argv)
{
    struct fernet_run r;
    int status = fernet_setup(cmd, argc, argv, false, &r);
    if (status != CLI_OK) {
        fernet_done(&r);
        return status;
    }
    char *in = NULL, *res = NULL;
    size_t len = 0, res_len = 0, res_cap = 0;
    status = read_stdin(cmd, &in, &len);
    size_t line = 0;
    for (char *p = in; status == CLI_OK && p < in + len;) {
        char *nl = memchr(p, '\n', (size_t)(in + len - p));
        size_t l = (size_t)((nl ? nl : in + len) - p);
        line++;
        if (l > 0 && p[l - 1] == '\r')
            l--;
        /* Room for what kluis_fernet_rotate may write, and the newline. */
        size_t need = res_len + KLUIS_FERNET_TOKEN_LEN(l) + 2;
        if (need > res_cap) {
            size_t cap = need > 2 * res_cap ? need : 2 * res_cap;
            char *more = realloc(res, cap);
            if (!more) {
                cli_error(cmd, "out of memory");
                status = CLI_FAIL;
                break;
            }
            res = more;
            res_cap = cap;
        }
        struct kluis_err err = {0};
        size_t tl = 0;
        if (kluis_fernet_rotate(r.keys, r.n_keys, p, l, r.now, res + res_len, &tl, &err) !=
            KLUIS_OK) {
            cli_error(cmd, "line %zu: %s", line, err.message);
            status = CLI_FAIL;
            break;
        }
        res_len += tl;
        res[res_len++] = '\n';
        p = nl ? nl + 1 : in + len;
    }
    if (status == CLI_OK)
        status = write_stdout(cmd, res, res_len);
    free(in);
    free(res);
    fernet_done(&r);
    return status;
}

static int fernet_keygen(const char *cmd, int argc, char **argv)
{
    int status = cli_parse_options(cmd, NULL, argc, argv, NULL, NULL, NULL, NULL);
    if (status >= 0)
        return status;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments");
    struct kluis_fernet_key key;
    struct kluis_err err = {0};
    if (kluis_fernet_key_generate(&key, &err) != KLUIS_OK)
        return cli_fail(cmd, &err);
    char text[KLUIS_FERNET_KEY_B64 + 2];
    kluis_fernet_key_format(&key, text);
    kluis_wipe(&key, sizeof(key));
    text[KLUIS_FERNET_KEY_B64] = '\n';
    status = write_stdout(cmd, text, KLUIS_FERNET_KEY_B64 + 1);
    kluis_wipe(text, sizeof(text));
    return status;
}

int cli_cmd_fernet(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {{"encrypt", fernet_encrypt},
                                                 {"decrypt", fernet_decrypt},
                                                 {"rotate", fernet_rotate},
                                                 {"keygen", fernet_keygen}};
    return cli_dispatch("fernet", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
