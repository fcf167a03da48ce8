/*
 * kluis scrub: redacts personal data in text, line by line, from a file or stdin to stdout
 * (docs/scrub.md). Memory stays bounded whatever the input: lines are handed to the library in
 * windows of at most WINDOW bytes; a longer line is cut at a space (or, without one, anywhere),
 * and the CONTEXT bytes before the cut go along with the next window as context only, so a
 * keyword just before the cut still vouches for a number just after it.
 *
 * What is found is never printed: --json gives offsets and types, not values.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kluis/scrub.h"

#define WINDOW         ((size_t)1 << 20)
#define CONTEXT        256
#define OVERLAP        4096 /* no finding is longer: a long line is cut this far from the end */
#define KEY_FILE_MAX   4096
#define KNOWN_FILE_MAX ((size_t)32 << 20)

enum { OPT_MODE = CLI_OPT_FIRST_FREE, OPT_KEY_FILE, OPT_KNOWN, OPT_STRICT, OPT_JSON };

struct scrub_args {
    const char *mode;
    const char *key_file;
    const char *known_file;
    bool strict;
    bool json;
};

static int scrub_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct scrub_args *a = ctx;
    switch (c) {
    case OPT_MODE:
        a->mode = arg;
        break;
    case OPT_KEY_FILE:
        a->key_file = arg;
        break;
    case OPT_KNOWN:
        a->known_file = arg;
        break;
    case OPT_STRICT:
        a->strict = true;
        break;
    case OPT_JSON:
        a->json = true;
        break;
    }
    return -1;
}

/* The known values of path, one per line (CR LF or LF; empty lines skipped), pointing into
 * *out_text. */
static int load_known(const char *cmd, const char *path, char **out_text, const char ***out_v,
                      size_t **out_len, size_t *out_n)
{
    char *text = NULL;
    size_t len = 0;
    if (cli_read_file(cmd, path, KNOWN_FILE_MAX, &text, &len) != CLI_OK)
        return CLI_FAIL;
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    const char **v = calloc(lines, sizeof(*v));
    size_t *lens = calloc(lines, sizeof(*lens));
    if (!v || !lens) {
        free(v);
        free(lens);
        free(text);
        cli_error(cmd, "out of memory");
        return CLI_FAIL;
    }
    size_t n = 0, line = 0;
    for (char *p = text; p < text + len;) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        size_t l = (size_t)((nl ? nl : text + len) - p);
        line++;
        if (l > 0 && p[l - 1] == '\r')
            l--;
        if (l > KLUIS_SCRUB_KNOWN_LEN_MAX) {
            cli_error(cmd, "%s:%zu: a known value is at most %d bytes", path, line,
                      KLUIS_SCRUB_KNOWN_LEN_MAX);
            free(v);
            free(lens);
            free(text);
            return CLI_FAIL;
        }
        if (l > 0) {
            v[n] = p;
            lens[n++] = l;
        }
        p = nl ? nl + 1 : text + len;
    }
    *out_text = text;
    *out_v = v;
    *out_len = lens;
    *out_n = n;
    return CLI_OK;
}

struct scrub_io {
    const char *cmd;
    struct kluis_scrub *s;
    bool json;
    FILE *in;
    size_t line;        /* 1-based number of the line the next byte belongs to */
    size_t line_offset; /* offset of the next byte in its line */
};

static int write_out(const char *cmd, const void *data, size_t len)
{
    if (len && fwrite(data, 1, len, stdout) != len) {
        cli_error(cmd, "cannot write the output: %s", strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* Prints the spans of text[context, end) as JSON lines, one per line with findings. */
static int print_spans(struct scrub_io *io, const char *text, size_t context, size_t end,
                       const struct kluis_scrub_span *spans, size_t n)
{
    size_t i = 0;
    size_t line_start = context; /* where the current line starts in text */
    size_t base = io->line_offset;
    for (size_t p = context; p <= end;) {
        const char *nl = p < end ? memchr(text + p, '\n', end - p) : NULL;
        size_t line_end = nl ? (size_t)(nl - text) : end;
        json_t *arr = NULL;
        for (; i < n && spans[i].start < line_end; i++) {
            if (!arr)
                arr = json_array();
            json_t *o = json_object();
            json_object_set_new(o, "start",
                                json_integer((json_int_t)(spans[i].start - line_start + base)));
            json_object_set_new(o, "end",
                                json_integer((json_int_t)(spans[i].end - line_start + base)));
            json_object_set_new(o, "type", json_string(kluis_scrub_type_name(spans[i].type)));
            json_object_set_new(o, "validator", json_string(spans[i].validator));
            json_array_append_new(arr, o);
        }
        if (arr) {
            json_t *o = json_object();
            json_object_set_new(o, "line", json_integer((json_int_t)io->line));
            json_object_set_new(o, "spans", arr);
            char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
            json_decref(o);
            if (!s) {
                cli_error(io->cmd, "out of memory");
                return CLI_FAIL;
            }
            int status = write_out(io->cmd, s, strlen(s));
            free(s);
            if (status != CLI_OK || write_out(io->cmd, "\n", 1) != CLI_OK)
                return CLI_FAIL;
        }
        if (!nl) {
            io->line_offset = base + (end - line_start);
            break;
        }
        io->line++;
        base = 0;
        line_start = line_end + 1;
        p = line_start;
    }
    return CLI_OK;
}

/* Scrubs buf[context, end) (buf[0, context) is context only) and writes the result. */
static int emit(struct scrub_io *io, const char *buf, size_t end, size_t context)
{
    const char *out;
    size_t out_len, n;
    const struct kluis_scrub_span *spans;
    struct kluis_err err = {0};
    if (kluis_scrub_redact(io->s, buf, end, context, &out, &out_len, &spans, &n, &err) != KLUIS_OK)
        return cli_fail(io->cmd, &err);
    if (io->json)
        return print_spans(io, buf, context, end, spans, n);
    return write_out(io->cmd, out, out_len);
}

/* Where to cut a window of len bytes that holds no line end. */
static size_t cut_point(const char *buf, size_t len)
{
    size_t cut = len - OVERLAP;
    for (size_t i = cut; i > cut - OVERLAP / 2; i--)
        if (buf[i - 1] == ' ' || buf[i - 1] == '\t')
            return i;
    /* No space: keep a UTF-8 character whole. */
    while (cut > 1 && ((unsigned char)buf[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

/* Reads with read(2), not stdio, so that each complete line goes out as soon as it came in
 * (tail -f | kluis scrub). */
static int scrub_stream(struct scrub_io *io)
{
    char *buf = malloc(WINDOW);
    if (!buf) {
        cli_error(io->cmd, "out of memory");
        return CLI_FAIL;
    }
    int fd = fileno(io->in);
    size_t len = 0, context = 0;
    bool eof = false;
    int status = CLI_OK;
    while (status == CLI_OK) {
        if (!eof) {
            ssize_t got = read(fd, buf + len, WINDOW - len);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0) {
                cli_error(io->cmd, "cannot read the input: %s", strerror(errno));
                status = CLI_FAIL;
                break;
            }
            eof = got == 0;
            len += (size_t)got;
        }
        size_t end;
        bool cut = false;
        if (eof) {
            end = len;
        } else {
            const char *nl = memrchr(buf + context, '\n', len - context);
            if (nl) {
                end = (size_t)(nl - buf) + 1;
            } else if (len == WINDOW) {
                end = cut_point(buf, len);
                cut = true;
            } else {
                continue;
            }
        }
        if (end > context)
            status = emit(io, buf, end, context);
        if (status == CLI_OK && fflush(stdout) != 0) {
            cli_error(io->cmd, "cannot write the output: %s", strerror(errno));
            status = CLI_FAIL;
        }
        if (eof)
            break;
        /* Keep what follows, and when a line was cut, its last bytes as context. */
        size_t keep_from = cut && end > CONTEXT ? end - CONTEXT : end;
        memmove(buf, buf + keep_from, len - keep_from);
        context = end - keep_from;
        len -= keep_from;
    }
    free(buf);
    return status;
}

int cli_cmd_scrub(int argc, char **argv)
{
    const char *cmd = "scrub";
    static const struct option opts[] = {{"mode", required_argument, NULL, OPT_MODE},
                                         {"key-file", required_argument, NULL, OPT_KEY_FILE},
                                         {"known", required_argument, NULL, OPT_KNOWN},
                                         {"strict", no_argument, NULL, OPT_STRICT},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {NULL, 0, NULL, 0}};
    struct scrub_args a = {0};
    int status = cli_parse_options(cmd, NULL, argc, argv, NULL, opts, scrub_option, &a);
    if (status >= 0)
        return status;
    if (argc - optind > 1)
        return cli_usage(cmd, "takes at most one file");
    const char *path = optind < argc ? argv[optind] : NULL;

    struct kluis_scrub_config cfg = {.mode = KLUIS_SCRUB_MODE_TYPE, .strict = a.strict};
    if (!a.mode || strcmp(a.mode, "type") == 0)
        cfg.mode = KLUIS_SCRUB_MODE_TYPE;
    else if (strcmp(a.mode, "format") == 0)
        cfg.mode = KLUIS_SCRUB_MODE_FORMAT;
    else if (strcmp(a.mode, "pseudonym") == 0)
        cfg.mode = KLUIS_SCRUB_MODE_PSEUDONYM;
    else
        return cli_usage(cmd, "--mode is type, format or pseudonym, not '%s'", a.mode);
    if (cfg.mode == KLUIS_SCRUB_MODE_PSEUDONYM && !a.key_file)
        return cli_usage(cmd, "--mode pseudonym needs --key-file");
    if (cfg.mode != KLUIS_SCRUB_MODE_PSEUDONYM && a.key_file)
        return cli_usage(cmd, "--key-file is for --mode pseudonym");

    char *key = NULL, *known_text = NULL;
    size_t key_len = 0;
    const char **known = NULL;
    size_t *known_len = NULL;
    struct kluis_scrub *s = NULL;
    FILE *in = NULL;
    status = CLI_OK;
    if (a.key_file) {
        status = cli_read_file(cmd, a.key_file, KEY_FILE_MAX, &key, &key_len);
        while (status == CLI_OK && key_len > 0 &&
               (key[key_len - 1] == '\n' || key[key_len - 1] == '\r'))
            key_len--;
        if (status == CLI_OK && (key_len < 16 || key_len > KLUIS_SCRUB_KEY_MAX)) {
            cli_error(cmd,
                      "the key file %s must hold 16 to %d bytes (try: head -c 32 "
                      "/dev/urandom | base64 > %s)",
                      a.key_file, KLUIS_SCRUB_KEY_MAX, a.key_file);
            status = CLI_FAIL;
        }
        cfg.key = (const uint8_t *)key;
        cfg.key_len = key_len;
    }
    if (status == CLI_OK && a.known_file)
        status = load_known(cmd, a.known_file, &known_text, &known, &known_len, &cfg.n_known);
    cfg.known = known;
    cfg.known_len = known_len;
    struct kluis_err err = {0};
    if (status == CLI_OK && kluis_scrub_new(&cfg, &s, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    if (status == CLI_OK) {
        in = path && strcmp(path, "-") != 0 ? fopen(path, "rb") : stdin;
        if (!in) {
            cli_error(cmd, "cannot open %s: %s", path, strerror(errno));
            status = CLI_FAIL;
        }
    }
    if (status == CLI_OK) {
        struct scrub_io io = {cmd, s, a.json, in, 1, 0};
        status = scrub_stream(&io);
    }
    if (in && in != stdin)
        fclose(in);
    kluis_scrub_free(s);
    if (key) {
        kluis_wipe(key, key_len);
        free(key);
    }
    if (known_text) {
        size_t total = 0;
        for (size_t i = 0; i < cfg.n_known; i++)
            total = (size_t)(known[i] - known_text) + known_len[i];
        kluis_wipe(known_text, total);
    }
    free(known_text);
    free(known);
    free(known_len);
    return status;
}
