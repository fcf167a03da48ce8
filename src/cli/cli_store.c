/*
 * What the commands that use a store share: parsing options, the common ones (--db, --policy,
 * --now and their environment variables), opening the policy and the engine, ids, links and
 * subcommands.
 *
 * The CLI may read the wall clock; the library never does. Without --now or KLUIS_NOW the engine
 * is given the real time here, once, when the command starts.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cli_env_init(struct cli_env *env, const char *cmd)
{
    memset(env, 0, sizeof(*env));
    env->cmd = cmd;
}

/* Takes the option c (a getopt_long result) when it is a common one; returns false otherwise. */
static bool env_option(struct cli_env *env, int c, const char *arg)
{
    switch (c) {
    case CLI_OPT_DB:
        env->db = arg;
        return true;
    case CLI_OPT_POLICY:
        env->policy_path = arg;
        return true;
    case CLI_OPT_NOW:
        env->now_text = arg;
        return true;
    case CLI_OPT_KEYS:
        env->keys = arg;
        return true;
    }
    return false;
}

/* The most long options a command has of its own. */
#define MAX_OWN_OPTIONS 16

int cli_parse_options(const char *cmd, struct cli_env *env, int argc, char **argv,
                      const char *short_opts, const struct option *opts, cli_option_fn *on_opt,
                      void *ctx)
{
    /* After the command's own options, in this order: --help, then the store options. */
    static const struct option common[] = {{"help", no_argument, NULL, 'h'},
                                           {"db", required_argument, NULL, CLI_OPT_DB},
                                           {"policy", required_argument, NULL, CLI_OPT_POLICY},
                                           {"now", required_argument, NULL, CLI_OPT_NOW},
                                           {"keys", required_argument, NULL, CLI_OPT_KEYS}};
    enum { N_COMMON = sizeof(common) / sizeof(common[0]) };
    struct option all[MAX_OWN_OPTIONS + N_COMMON + 1];
    size_t n = 0;
    for (; opts && opts[n].name; n++) {
        if (n == MAX_OWN_OPTIONS) {
            cli_error(cmd, "more than %d options", MAX_OWN_OPTIONS);
            return CLI_FAIL;
        }
        all[n] = opts[n];
    }
    size_t n_common = env ? N_COMMON : 1;
    memcpy(all + n, common, n_common * sizeof(common[0]));
    memset(&all[n + n_common], 0, sizeof(all[0]));
    char optstring[16];
    snprintf(optstring, sizeof(optstring), "h%s", short_opts ? short_opts : "");

    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, optstring, all, NULL)) != -1) {
        if (c == 'h')
            return cli_help(cmd);
        if (env && env_option(env, c, optarg))
            continue;
        if (c == '?' || !on_opt)
            return cli_usage(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
        int status = on_opt(cmd, c, optarg, ctx);
        if (status >= 0)
            return status;
    }
    return -1;
}

/* An option wins over its environment variable; an empty variable counts as unset. */
static const char *option_or_env(const char *option, const char *var, const char *fallback)
{
    if (option)
        return option;
    const char *v = getenv(var);
    return v && *v ? v : fallback;
}

const char *cli_env_db(const struct cli_env *env)
{
    return option_or_env(env->db, "KLUIS_DB", "sqlite:kluis.db");
}

const char *cli_sqlite_path(const char *url, char *buf, size_t size)
{
    const char *p = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : strstr(url, "://") ? NULL : url;
    if (!p)
        return NULL;
    snprintf(buf, size, "%.*s", (int)strcspn(p, "?"), p);
    return buf;
}

const char *cli_keys_path(const char *option, const char *db_url, char *buf, size_t size)
{
    const char *v = option_or_env(option, "KLUIS_KEYS", NULL);
    if (v)
        return v;
    char path[4096];
    if (!cli_sqlite_path(db_url, path, sizeof(path)))
        return "kluis.keys";
    snprintf(buf, size, "%s.keys", path);
    return buf;
}

const char *cli_env_keys(struct cli_env *env)
{
    return cli_keys_path(env->keys, cli_env_db(env), env->keys_buf, sizeof(env->keys_buf));
}

/* Resolves the engine's clock; returns CLI_OK or CLI_USAGE (reported). */
static int resolve_now(struct cli_env *env)
{
    const char *text = option_or_env(env->now_text, "KLUIS_NOW", NULL);
    if (text) {
        struct kluis_err err = {0};
        int64_t day;
        /* A bare date is that day at noon UTC: the same calendar date in every European zone
         * (what a request's receipt date needs). */
        if (strlen(text) == 10 && kluis_date_parse(text, 10, &day, NULL) == KLUIS_OK) {
            env->now = day * 86400 + 12 * 3600;
            return CLI_OK;
        }
        if (kluis_time_parse(text, &env->now, &err) != KLUIS_OK)
            return cli_usage(env->cmd,
                             "%s must be an RFC 3339 time such as 2026-11-23T10:00:00Z, or a "
                             "date (2026-11-23: noon UTC)",
                             env->now_text ? "--now" : "KLUIS_NOW");
        return CLI_OK;
    }
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        cli_error(env->cmd, "cannot read the clock: %s", strerror(errno));
        return CLI_FAIL;
    }
    env->now = (int64_t)ts.tv_sec;
    return CLI_OK;
}

int cli_env_open(struct cli_env *env)
{
    int status = resolve_now(env);
    if (status != CLI_OK)
        return status;
    env->policy = cli_load_policy(env->cmd, cli_policy_path(env->policy_path), false);
    if (!env->policy)
        return CLI_FAIL;
    struct kluis_err err = {0};
    if (kluis_engine_open(env->policy, cli_env_db(env), cli_env_keys(env), &env->engine, &err) !=
        KLUIS_OK) {
        cli_report(env->cmd, &err);
        cli_env_close(env);
        return CLI_FAIL;
    }
    kluis_engine_set_now(env->engine, env->now);
    /* The actor of the audit log: $KLUIS_ACTOR, else the user running the command. */
    const char *actor = option_or_env(NULL, "KLUIS_ACTOR", NULL);
    char who[160];
    if (!actor) {
        const char *user = option_or_env(NULL, "USER", "unknown");
        snprintf(who, sizeof(who), "cli:%s", user);
        actor = who;
    }
    kluis_engine_set_actor(env->engine, actor);
    return CLI_OK;
}

void cli_env_close(struct cli_env *env)
{
    kluis_engine_close(env->engine);
    env->engine = NULL;
    kluis_policy_free(env->policy);
    env->policy = NULL;
}

int cli_fail(const char *cmd, const struct kluis_err *err)
{
    cli_report(cmd, err);
    return CLI_FAIL;
}

bool cli_parse_id(const char *s, uint64_t *out_id)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    uintmax_t v = strtoumax(s, &end, 10);
    if (errno || *end || v == 0 || v > UINT64_MAX)
        return false;
    *out_id = (uint64_t)v;
    return true;
}

bool cli_parse_link(const char *s, struct kluis_link *out_link)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || !eq[1])
        return false;
    char *key = strndup(s, (size_t)(eq - s));
    if (!key)
        return false;
    out_link->key = key;
    out_link->value = eq + 1;
    return true;
}

int cli_dispatch(const char *cmd, const struct cli_subcommand *subs, size_t n_subs, int argc,
                 char **argv)
{
    if (argc < 2) {
        char names[128] = "";
        for (size_t i = 0; i < n_subs; i++) {
            size_t len = strlen(names);
            snprintf(names + len, sizeof(names) - len, "%s%s",
                     i == 0            ? ""
                     : i + 1 == n_subs ? " or "
                                       : ", ",
                     subs[i].name);
        }
        return cli_usage(cmd, "needs a subcommand: %s", names);
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
        return cli_help(cmd);
    for (size_t i = 0; i < n_subs; i++) {
        if (strcmp(subs[i].name, name) != 0)
            continue;
        char full[64];
        snprintf(full, sizeof(full), "%s %s", cmd, name);
        return subs[i].run(full, argc - 1, argv + 1);
    }
    return cli_usage(cmd, "unknown subcommand '%s'", name);
}
