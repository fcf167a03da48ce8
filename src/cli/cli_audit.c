/*
 * kluis audit …: the audit log (verify, checkpoint, pubkey, prove, consistency, log, check) and
 * kluis keys …: the key store's classes (init, rotate, rewrap, retire, list).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTE_FILE_MAX (1u << 20)

enum {
    OPT_AGAINST = CLI_OPT_FIRST_FREE,
    OPT_JSON,
    OPT_SIZE,
    OPT_TENANT,
    OPT_FROM,
    OPT_KEY,
    OPT_KEY_FILE,
};

struct audit_args {
    const char *against, *tenant, *key, *key_file;
    bool as_json;
    uint64_t size, from;
};

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static int audit_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct audit_args *a = ctx;
    switch (c) {
    case OPT_AGAINST:
        a->against = arg;
        break;
    case OPT_JSON:
        a->as_json = true;
        break;
    case OPT_TENANT:
        a->tenant = arg;
        break;
    case OPT_KEY:
        a->key = arg;
        break;
    case OPT_KEY_FILE:
        a->key_file = arg;
        break;
    case OPT_SIZE:
    case OPT_FROM:
        if (!parse_u64(arg, c == OPT_SIZE ? &a->size : &a->from) || (c == OPT_SIZE && a->size == 0))
            return cli_usage(cmd, "--%s must be a %snumber", c == OPT_SIZE ? "size" : "from",
                             c == OPT_SIZE ? "positive " : "");
        break;
    }
    return -1;
}

static const struct option audit_opts[] = {{"against", required_argument, NULL, OPT_AGAINST},
                                           {"json", no_argument, NULL, OPT_JSON},
                                           {"size", required_argument, NULL, OPT_SIZE},
                                           {"tenant", required_argument, NULL, OPT_TENANT},
                                           {"from", required_argument, NULL, OPT_FROM},
                                           {NULL, 0, NULL, 0}};

/* Parses the options (opts and on_opt may be NULL: none of its own), checks the number of
 * operands and opens the engine; returns -1 to go on, else the exit status. */
static int parse_and_open(const char *cmd, struct cli_env *env, const struct option *opts,
                          cli_option_fn *on_opt, void *ctx, int argc, char **argv, int operands)
{
    cli_env_init(env, cmd);
    int status = cli_parse_options(cmd, env, argc, argv, NULL, opts, on_opt, ctx);
    if (status >= 0)
        return status;
    if (argc - optind != operands)
        return operands ? cli_usage(cmd, "takes %d argument%s", operands, operands > 1 ? "s" : "")
                        : cli_usage(cmd, "takes no arguments, only options");
    status = cli_env_open(env);
    return status == CLI_OK ? -1 : status;
}

static int open_with(const char *cmd, struct cli_env *env, struct audit_args *a, int argc,
                     char **argv, int operands)
{
    return parse_and_open(cmd, env, audit_opts, audit_option, a, argc, argv, operands);
}

static int audit_verify(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    struct audit_args a = {0};
    int status = open_with(cmd, &env, &a, argc, argv, 0);
    if (status >= 0)
        return status;
    status = CLI_OK;
    char *against = NULL;
    size_t against_len = 0;
    if (a.against && cli_read_file(cmd, a.against, NOTE_FILE_MAX, &against, &against_len)) {
        cli_env_close(&env);
        return CLI_FAIL;
    }
    struct kluis_err err = {0};
    struct kluis_audit_report r;
    if (kluis_audit_verify(env.engine, against, against_len, &r, &err) != KLUIS_OK) {
        status = cli_fail(cmd, &err);
    } else if (a.as_json) {
        json_t *o = json_object();
        json_object_set_new(o, "ok", json_boolean(r.ok));
        json_object_set_new(o, "entries", json_integer((json_int_t)r.size));
        json_object_set_new(o, "checkpoints", json_integer((json_int_t)r.checkpoints));
        json_object_set_new(o, "bodies_removed", json_integer((json_int_t)r.pruned));
        if (!r.ok) {
            json_object_set_new(o, "first_bad", json_integer((json_int_t)r.first_bad));
            json_object_set_new(o, "problem", json_string(r.problem));
        }
        cli_print_json(o);
        status = r.ok ? CLI_OK : CLI_FAIL;
    } else if (r.ok) {
        printf("ok: %" PRIu64 " entries, %" PRIu64 " signed checkpoints verified", r.size,
               r.checkpoints);
        if (r.pruned)
            printf(" (%" PRIu64 " entries past the audit retention checked by their hashes)",
                   r.pruned);
        printf("%s\n", a.against ? "; the checkpoint given matches" : "");
        status = CLI_OK;
    } else {
        printf("FAILED at entry %" PRIu64 ": %s\n", r.first_bad, r.problem);
        status = CLI_FAIL;
    }
    free(against);
    cli_env_close(&env);
    return status;
}

static int audit_checkpoint(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    struct audit_args a = {0};
    int status = open_with(cmd, &env, &a, argc, argv, 0);
    if (status >= 0)
        return status;
    status = CLI_OK;
    struct kluis_err err = {0};
    char *note = NULL;
    if (kluis_audit_checkpoint(env.engine, &note, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        status = cli_write_output(cmd, NULL, note, strlen(note));
    free(note);
    cli_env_close(&env);
    return status;
}

static int audit_pubkey(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    struct audit_args a = {0};
    int status = open_with(cmd, &env, &a, argc, argv, 0);
    if (status >= 0)
        return status;
    status = CLI_OK;
    struct kluis_err err = {0};
    char vkey[512];
    if (kluis_audit_pubkey(env.engine, vkey, sizeof(vkey), &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        printf("%s\n", vkey);
    cli_env_close(&env);
    return status;
}

static int print_doc(const char *cmd, char *doc)
{
    size_t n = strlen(doc);
    int status = cli_write_output(cmd, NULL, doc, n);
    if (status == CLI_OK)
        status = cli_write_output(cmd, NULL, "\n", 1);
    free(doc);
    return status;
}

static int audit_prove(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    struct audit_args a = {0};
    int status = open_with(cmd, &env, &a, argc, argv, 1);
    if (status >= 0)
        return status;
    status = CLI_OK;
    uint64_t seq;
    if (!parse_u64(argv[optind], &seq)) {
        cli_env_close(&env);
        return cli_usage(cmd, "SEQ must be an entry number (0 is the first)");
    }
    struct kluis_err err = {0};
    char *doc = NULL;
    if (kluis_audit_prove(env.engine, seq, a.size, a.tenant, &doc, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        status = print_doc(cmd, doc);
    cli_env_close(&env);
    return status;
}

static int audit_consistency(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    struct audit_args a = {0};
    int status = open_with(cmd, &env, &a, argc, argv, 2);
    if (status >= 0)
        return status;
    status = CLI_OK;
    uint64_t m, n;
    if (!parse_u64(argv[optind], &m) || !parse_u64(argv[optind + 1], &n)) {
        cli_env_close(&env);
        return cli_usage(cmd, "M and N must be tree sizes (numbers of entries)");
    }
    if (m == 0 || m > n) {
        cli_env_close(&env);
        return cli_usage(cmd, "needs 0 < M <= N");
    }
    struct kluis_err err = {0};
    char *doc = NULL;
    if (kluis_audit_consistency(env.engine, m, n, &doc, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        status = print_doc(cmd, doc);
    cli_env_close(&env);
    return status;
}

static int log_line(void *ctx, const struct kluis_audit_entry *x)
{
    (void)ctx;
    if (x->body) {
        printf("%" PRIu64 " %.*s\n", x->seq, (int)x->body_len, x->body);
    } else {
        char h[KLUIS_B64_LEN(32) + 1];
        kluis_b64_encode(KLUIS_B64_STD, x->leaf, 32, h);
        printf("%" PRIu64 " (body removed by the audit retention; leaf hash %s)\n", x->seq, h);
    }
    return 0;
}

static int audit_log(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    struct audit_args a = {0};
    int status = open_with(cmd, &env, &a, argc, argv, 0);
    if (status >= 0)
        return status;
    status = CLI_OK;
    struct kluis_err err = {0};
    if (kluis_audit_entries(env.engine, a.tenant, a.from, log_line, NULL, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
    cli_env_close(&env);
    return status;
}

/* kluis audit check: no store, only the public key and the proof. */
static int audit_check(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, OPT_KEY},
                                         {"key-file", required_argument, NULL, OPT_KEY_FILE},
                                         {NULL, 0, NULL, 0}};
    struct audit_args a = {0};
    int status = cli_parse_options(cmd, NULL, argc, argv, NULL, opts, audit_option, &a);
    if (status >= 0)
        return status;
    status = CLI_OK;
    if (argc - optind > 1)
        return cli_usage(cmd, "takes one proof file (or standard input)");
    if (!a.key == !a.key_file)
        return cli_usage(cmd, "needs --key VKEY or --key-file FILE (what 'kluis audit pubkey' "
                              "prints)");
    char *keybuf = NULL, *doc = NULL;
    size_t keylen = 0, len = 0;
    if (a.key_file) {
        if (cli_read_file(cmd, a.key_file, 4096, &keybuf, &keylen))
            return CLI_FAIL;
        keybuf[strcspn(keybuf, "\r\n")] = '\0';
    }
    if (cli_read_file(cmd, optind < argc ? argv[optind] : NULL, 1u << 22, &doc, &len)) {
        free(keybuf);
        return CLI_FAIL;
    }
    struct kluis_err err = {0};
    char what[512];
    if (kluis_audit_check_proof(a.key ? a.key : keybuf, doc, len, what, sizeof(what), &err) !=
        KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        printf("ok: %s\n", what);
    free(keybuf);
    free(doc);
    return status;
}

int cli_cmd_audit(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"verify", audit_verify}, {"checkpoint", audit_checkpoint},   {"pubkey", audit_pubkey},
        {"prove", audit_prove},   {"consistency", audit_consistency}, {"log", audit_log},
        {"check", audit_check}};
    return cli_dispatch("audit", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

/* ---- kluis keys ------------------------------------------------------------------------------ */

static int keys_open(const char *cmd, struct cli_env *env, int argc, char **argv, int operands)
{
    return parse_and_open(cmd, env, NULL, NULL, NULL, argc, argv, operands);
}

static int keys_init(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    int status = keys_open(cmd, &env, argc, argv, 0);
    if (status >= 0)
        return status;
    status = CLI_OK;
    struct kluis_err err = {0};
    size_t created = 0;
    if (kluis_engine_keys_init(env.engine, &created, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        printf("%zu key class%s made\n", created, created == 1 ? "" : "es");
    cli_env_close(&env);
    return status;
}

static int keys_rotate(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    int status = keys_open(cmd, &env, argc, argv, 1);
    if (status >= 0)
        return status;
    status = CLI_OK;
    struct kluis_err err = {0};
    int version = 0;
    if (kluis_engine_keys_rotate(env.engine, argv[optind], &version, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        printf("%s %d\n", argv[optind], version);
    cli_env_close(&env);
    return status;
}

static int keys_rewrap(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    int status = keys_open(cmd, &env, argc, argv, 0);
    if (status >= 0)
        return status;
    status = CLI_OK;
    struct kluis_err err = {0};
    uint64_t n = 0;
    if (kluis_engine_keys_rewrap(env.engine, &n, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        printf("%" PRIu64 " data key%s re-wrapped\n", n, n == 1 ? "" : "s");
    cli_env_close(&env);
    return status;
}

static int keys_retire(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    int status = keys_open(cmd, &env, argc, argv, 2);
    if (status >= 0)
        return status;
    status = CLI_OK;
    uint64_t v;
    if (!parse_u64(argv[optind + 1], &v) || v == 0 || v > 1000000) {
        cli_env_close(&env);
        return cli_usage(cmd, "VERSION must be a version number such as 1");
    }
    struct kluis_err err = {0};
    if (kluis_engine_keys_retire(env.engine, argv[optind], (int)v, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        printf("%s %d retired: its key is destroyed\n", argv[optind], (int)v);
    cli_env_close(&env);
    return status;
}

static int list_line(void *ctx, const struct kluis_key_version *v)
{
    (void)ctx;
    char when[32];
    printf("%-16s %3d  %s  %8" PRIu64 " data keys%s\n", v->cls, v->version,
           kluis_time_format(v->created, when, sizeof(when)), v->data_keys,
           v->newest ? "  (newest)" : "");
    return 0;
}

static int keys_list(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    int status = keys_open(cmd, &env, argc, argv, 0);
    if (status >= 0)
        return status;
    status = CLI_OK;
    struct kluis_err err = {0};
    if (kluis_keys_list(kluis_engine_keys(env.engine), list_line, NULL, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    cli_env_close(&env);
    return status;
}

int cli_cmd_keys(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {{"init", keys_init},
                                                 {"rotate", keys_rotate},
                                                 {"rewrap", keys_rewrap},
                                                 {"retire", keys_retire},
                                                 {"list", keys_list}};
    return cli_dispatch("keys", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
