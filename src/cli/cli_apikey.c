/*
 * kluis apikey: the keys applications and people use with kluis serve. A key is printed once,
 * on stdout and nowhere else; kluis keeps only its HMAC.
 */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

enum {
    OPT_TENANT = CLI_OPT_FIRST_FREE,
    OPT_OPERATOR,
    OPT_ALL,
    OPT_ROLE,
    OPT_NAME,
};

struct key_args {
    const char *tenant, *role, *name;
    bool operator_key, all;
};

static int key_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct key_args *a = ctx;
    switch (c) {
    case OPT_TENANT:
        a->tenant = arg;
        break;
    case OPT_OPERATOR:
        a->operator_key = true;
        break;
    case OPT_ALL:
        a->all = true;
        break;
    case OPT_ROLE:
        a->role = arg;
        break;
    case OPT_NAME:
        a->name = arg;
        break;
    }
    return -1;
}

static const struct option key_opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"operator", no_argument, NULL, OPT_OPERATOR},
                                         {"all", no_argument, NULL, OPT_ALL},
                                         {"role", required_argument, NULL, OPT_ROLE},
                                         {"name", required_argument, NULL, OPT_NAME},
                                         {NULL, 0, NULL, 0}};

static int parse(const char *cmd, struct cli_env *env, int argc, char **argv, struct key_args *a)
{
    int status = cli_parse_options(cmd, env, argc, argv, NULL, key_opts, key_option, a);
    if (status >= 0)
        return status;
    if ((a->tenant != NULL) + a->operator_key + a->all > 1)
        return cli_usage(cmd, "give one of --tenant, --operator and --all");
    return -1;
}

static int apikey_create(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct key_args a = {0};
    int status = parse(cmd, &env, argc, argv, &a);
    if (status >= 0)
        return status;
    enum kluis_key_role role;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    if (a.all || (!a.tenant && !a.operator_key))
        return cli_usage(cmd, "needs --tenant T or --operator");
    if (!a.role || !kluis_key_role_parse(a.role, &role))
        return cli_usage(cmd, "needs --role app|approver|dpo|admin");
    if (!a.name || !*a.name)
        return cli_usage(cmd, "needs --name PRINCIPAL: who uses the key (audited)");
    if ((status = cli_env_open(&env)) != CLI_OK)
        return status;
    struct kluis_err err = {0};
    char key[KLUIS_APIKEY_TEXT];
    uint64_t id;
    if (kluis_apikey_create(env.engine, a.tenant, role, a.name, key, &id, &err) != KLUIS_OK) {
        status = cli_fail(cmd, &err);
    } else {
        printf("%s\n", key);
        fprintf(stderr, "key %" PRIu64 " for %s (%s, %s); shown once, kluis keeps only its HMAC\n",
                id, a.tenant ? a.tenant : "the operator", a.role, a.name);
        OPENSSL_cleanse(key, sizeof(key));
    }
    cli_env_close(&env);
    return status;
}

static int apikey_list(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct key_args a = {0};
    int status = parse(cmd, &env, argc, argv, &a);
    if (status >= 0)
        return status;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    if (a.role || a.name)
        return cli_usage(cmd, "--role and --name belong to 'apikey create'");
    if ((status = cli_env_open(&env)) != CLI_OK)
        return status;
    struct kluis_err err = {0};
    char *text = NULL;
    bool all = a.all || (!a.tenant && !a.operator_key);
    if (kluis_apikey_list(env.engine, all, a.tenant, &text, &err) != KLUIS_OK) {
        status = cli_fail(cmd, &err);
    } else {
        printf("%s\n", text);
        free(text);
    }
    cli_env_close(&env);
    return status;
}

static int apikey_revoke(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct key_args a = {0};
    int status = parse(cmd, &env, argc, argv, &a);
    if (status >= 0)
        return status;
    uint64_t id;
    if (argc - optind != 1 || !cli_parse_id(argv[optind], &id))
        return cli_usage(cmd, "needs one key id");
    if (a.role || a.name)
        return cli_usage(cmd, "--role and --name belong to 'apikey create'");
    if ((status = cli_env_open(&env)) != CLI_OK)
        return status;
    struct kluis_err err = {0};
    bool all = !a.tenant && !a.operator_key;
    if (kluis_apikey_revoke(env.engine, all, a.tenant, id, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    cli_env_close(&env);
    return status;
}

int cli_cmd_apikey(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"create", apikey_create}, {"list", apikey_list}, {"revoke", apikey_revoke}};
    return cli_dispatch("apikey", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
