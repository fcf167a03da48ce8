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

/* The getopt_long values of the options of these commands. */
enum {
    OPT_COUNTRY = CLI_OPT_FIRST_FREE,
    OPT_SET,
    OPT_TENANT,
    OPT_SUBJECT,
    OPT_CATEGORY,
    OPT_REASON,
};

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

struct add_args {
    const char *country;
    const char *sets[MAX_SETS];
    size_t n_sets;
};

static int add_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct add_args *a = ctx;
    if (c == OPT_COUNTRY) {
        if (!country_valid(arg))
            return cli_usage(cmd, "--country must be an ISO 3166-1 code such as NL or BE, not '%s'",
                             arg);
        a->country = arg;
        return -1;
    }
    struct setting s;
    if (!parse_setting(arg, &s))
        return setting_usage(cmd, arg);
    if (a->n_sets == MAX_SETS)
        return cli_usage(cmd, "at most %d --set options", MAX_SETS);
    a->sets[a->n_sets++] = arg;
    return -1;
}

static int tenant_add(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {{"country", required_argument, NULL, OPT_COUNTRY},
                                         {"set", required_argument, NULL, OPT_SET},
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct add_args a = {0};
    int status = cli_parse_options(cmd, &env, argc, argv, NULL, opts, add_option, &a);
    if (status >= 0)
        return status;
    if (argc - optind != 1)
        return cli_usage(cmd, "needs one tenant name");
    if (!*argv[optind])
        return cli_usage(cmd, "the tenant name is empty");
    status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    status = add_tenant(&env, argv[optind], a.country, a.sets, a.n_sets);
    cli_env_close(&env);
    return status;
}

static int tenant_set(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    cli_env_init(&env, cmd);
    int status = cli_parse_options(cmd, &env, argc, argv, NULL, NULL, NULL, NULL);
    if (status >= 0)
        return status;
    if (argc - optind != 2)
        return cli_usage(cmd, "needs a tenant and one setting");
    struct setting s;
    if (!parse_setting(argv[optind + 1], &s))
        return setting_usage(cmd, argv[optind + 1]);
    status = cli_env_open(&env);
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

struct hold_args {
    const char *tenant, *subject, *category, *reason;
};

static int hold_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct hold_args *a = ctx;
    switch (c) {
    case OPT_TENANT:
        a->tenant = arg;
        break;
    case OPT_SUBJECT:
        a->subject = arg;
        break;
    case OPT_CATEGORY:
        a->category = arg;
        break;
    case OPT_REASON:
        a->reason = arg;
        break;
    }
    return -1;
}

static int hold_add(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"subject", required_argument, NULL, OPT_SUBJECT},
                                         {"category", required_argument, NULL, OPT_CATEGORY},
                                         {"reason", required_argument, NULL, OPT_REASON},
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct hold_args a = {0};
    int status = cli_parse_options(cmd, &env, argc, argv, NULL, opts, hold_option, &a);
    if (status >= 0)
        return status;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    if (!a.tenant || !*a.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (!a.reason || !*a.reason)
        return cli_usage(cmd, "needs --reason: why the records must be kept");
    status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    struct kluis_err err = {0};
    uint64_t id;
    if (kluis_hold_add(env.engine, a.tenant, a.subject, a.category, a.reason, &id, &err) ==
        KLUIS_OK)
        printf("%" PRIu64 "\n", id);
    else
        status = cli_fail(cmd, &err);
    cli_env_close(&env);
    return status;
}

static int hold_release(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    cli_env_init(&env, cmd);
    int status = cli_parse_options(cmd, &env, argc, argv, NULL, NULL, NULL, NULL);
    if (status >= 0)
        return status;
    uint64_t id;
    if (argc - optind != 1)
        return cli_usage(cmd, "needs one hold id");
    if (!cli_parse_id(argv[optind], &id))
        return cli_usage(cmd, "a hold id is a positive number, not '%s'", argv[optind]);
    status = cli_env_open(&env);
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
