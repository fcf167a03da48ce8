/*
 * The tenant and hold commands: customers of the organisation, their settings, and legal holds
 * on their records.
 */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The most --set options one `tenant add` takes. */
#define MAX_SETS 64

/* A tenant setting taken apart: CATEGORY.KEY=VALUE. */
struct setting {
    char category[128];
    bool is_retention; /* else storage */
    struct kluis_duration period;
    enum kluis_storage storage;
};

/* Parses the form of a setting (not whether the policy allows it); false when malformed. */
static bool parse_setting(const char *s, struct setting *out)
{
    const char *eq = strchr(s, '=');
    const char *dot = strchr(s, '.');
    if (!eq || !dot || dot > eq || dot == s || (size_t)(dot - s) >= sizeof(out->category))
        return false;
    memcpy(out->category, s, (size_t)(dot - s));
    out->category[dot - s] = '\0';
    size_t key_len = (size_t)(eq - dot - 1);
    const char *value = eq + 1;
    if (key_len == strlen("retention") && strncmp(dot + 1, "retention", key_len) == 0) {
        out->is_retention = true;
        return kluis_duration_parse(value, strlen(value), &out->period, NULL) == KLUIS_OK;
    }
    if (key_len == strlen("storage") && strncmp(dot + 1, "storage", key_len) == 0) {
        out->is_retention = false;
        if (strcmp(value, "stored") == 0)
            out->storage = KLUIS_STORAGE_STORED;
        else if (strcmp(value, "transient") == 0)
            out->storage = KLUIS_STORAGE_TRANSIENT;
        else
            return false;
        return true;
    }
    return false;
}

static int setting_usage(const char *cmd, const char *s)
{
    return cli_usage(cmd,
                     "a setting is CATEGORY.retention=DURATION or "
                     "CATEGORY.storage=stored|transient, not '%s'",
                     s);
}

/*
 * Whether the policy allows the setting: the engine decides again when it applies it, but
 * `tenant add` checks first so that a refused setting leaves no tenant behind.
 */
static int setting_allowed(const char *cmd, const struct kluis_policy *p, const struct setting *s)
{
    struct kluis_err err = {0};
    const struct kluis_category *c = kluis_policy_find_category(p, s->category);
    if (!c) {
        kluis_err_set(&err, KLUIS_EREFUSED, "the policy has no category '%s'", s->category);
        return cli_fail(cmd, &err);
    }
    if (s->is_retention) {
        if (kluis_retention_check_tenant_period(c, s->period, &err) != KLUIS_OK)
            return cli_fail(cmd, &err);
    } else if (s->storage != c->storage && !c->tenant_may_change_storage) {
        kluis_err_set(&err, KLUIS_EREFUSED,
                      "the policy does not let a tenant choose how category '%s' is stored",
                      s->category);
        return cli_fail(cmd, &err);
    }
    return CLI_OK;
}

static bool country_valid(const char *s)
{
    return strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           kluis_country_name(s, KLUIS_LANG_EN) != NULL;
}

/* Applies the checked settings to a new tenant; returns the exit status. */
static int add_tenant(struct cli_env *env, const char *tenant, const char *country,
                      const char *const *sets, size_t n_sets)
{
    for (size_t i = 0; i < n_sets; i++) {
        struct setting s;
        parse_setting(sets[i], &s);
        int status = setting_allowed(env->cmd, env->policy, &s);
        if (status != CLI_OK)
            return status;
    }
    struct kluis_err err = {0};
    if (kluis_tenant_add(env->engine, tenant, country, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    for (size_t i = 0; i < n_sets; i++)
        if (kluis_tenant_set(env->engine, tenant, sets[i], &err) != KLUIS_OK)
            return cli_fail(env->cmd, &err);
    return CLI_OK;
}

static int tenant_add(const char *cmd, int argc, char **argv)
{
    enum { OPT_COUNTRY = CLI_OPT_FIRST_FREE, OPT_SET };
    static const struct option opts[] = {{"country", required_argument, NULL, OPT_COUNTRY},
                                         {"set", required_argument, NULL, OPT_SET},
                                         {"help", no_argument, NULL, 'h'},
                                         CLI_STORE_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    const char *country = NULL;
    const char *sets[MAX_SETS];
    size_t n_sets = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_COUNTRY:
            if (!country_valid(optarg))
                return cli_usage(
                    cmd, "--country must be an ISO 3166-1 code such as NL or BE, not '%s'", optarg);
            country = optarg;
            break;
        case OPT_SET: {
            struct setting s;
            if (!parse_setting(optarg, &s))
                return setting_usage(cmd, optarg);
            if (n_sets == MAX_SETS)
                return cli_usage(cmd, "at most %d --set options", MAX_SETS);
            sets[n_sets++] = optarg;
            break;
        }
        case 'h':
            return cli_help(cmd);
        default:
            if (!cli_env_option(&env, c, optarg))
                return cli_usage(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage(cmd, "needs one tenant name");
    if (!*argv[optind])
        return cli_usage(cmd, "the tenant name is empty");
    int status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    status = add_tenant(&env, argv[optind], country, sets, n_sets);
    cli_env_close(&env);
    return status;
}

static int tenant_set(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'}, CLI_STORE_OPTIONS, {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h')
            return cli_help(cmd);
        if (!cli_env_option(&env, c, optarg))
            return cli_usage(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
    }
    if (argc - optind != 2)
        return cli_usage(cmd, "needs a tenant and one setting");
    struct setting s;
    if (!parse_setting(argv[optind + 1], &s))
        return setting_usage(cmd, argv[optind + 1]);
    int status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    struct kluis_err err = {0};
    if (kluis_tenant_set(env.engine, argv[optind], argv[optind + 1], &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    cli_env_close(&env);
    return status;
}

int cli_cmd_tenant(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {{"add", tenant_add}, {"set", tenant_set}};
    return cli_dispatch("tenant", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

static int hold_add(const char *cmd, int argc, char **argv)
{
    enum { OPT_TENANT = CLI_OPT_FIRST_FREE, OPT_SUBJECT, OPT_CATEGORY, OPT_REASON };
    static const struct option opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"subject", required_argument, NULL, OPT_SUBJECT},
                                         {"category", required_argument, NULL, OPT_CATEGORY},
                                         {"reason", required_argument, NULL, OPT_REASON},
                                         {"help", no_argument, NULL, 'h'},
                                         CLI_STORE_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    const char *tenant = NULL, *subject = NULL, *category = NULL, *reason = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_TENANT:
            tenant = optarg;
            break;
        case OPT_SUBJECT:
            subject = optarg;
            break;
        case OPT_CATEGORY:
            category = optarg;
            break;
        case OPT_REASON:
            reason = optarg;
            break;
        case 'h':
            return cli_help(cmd);
        default:
            if (!cli_env_option(&env, c, optarg))
                return cli_usage(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    if (!tenant || !*tenant)
        return cli_usage(cmd, "needs --tenant");
    if (!reason || !*reason)
        return cli_usage(cmd, "needs --reason: why the records must be kept");
    int status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    struct kluis_err err = {0};
    uint64_t id;
    if (kluis_hold_add(env.engine, tenant, subject, category, reason, &id, &err) == KLUIS_OK)
        printf("%" PRIu64 "\n", id);
    else
        status = cli_fail(cmd, &err);
    cli_env_close(&env);
    return status;
}

static int hold_release(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'}, CLI_STORE_OPTIONS, {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h')
            return cli_help(cmd);
        if (!cli_env_option(&env, c, optarg))
            return cli_usage(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
    }
    uint64_t id;
    if (argc - optind != 1)
        return cli_usage(cmd, "needs one hold id");
    if (!cli_parse_id(argv[optind], &id))
        return cli_usage(cmd, "a hold id is a positive number, not '%s'", argv[optind]);
    int status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    struct kluis_err err = {0};
    if (kluis_hold_release(env.engine, NULL, id, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    cli_env_close(&env);
    return status;
}

int cli_cmd_hold(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {{"add", hold_add}, {"release", hold_release}};
    return cli_dispatch("hold", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
