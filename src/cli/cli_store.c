/*
 * What the commands that use a store share: the common options (--db, --policy, --now and their
 * environment variables), opening the policy and the engine, ids, links and subcommands.
 *
 * The CLI may read the wall clock; the library never does. Without --now or KLUIS_NOW the engine
 * is given the real time here, once, when the command starts.
 */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cli_env_init(struct cli_env *env, const char *cmd)
{
    memset(env, 0, sizeof(*env));
    env->cmd = cmd;
}

bool cli_env_option(struct cli_env *env, int c, const char *arg)
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
    }
    return false;
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

/* Resolves the engine's clock; returns CLI_OK or CLI_USAGE (reported). */
static int resolve_now(struct cli_env *env)
{
    const char *text = option_or_env(env->now_text, "KLUIS_NOW", NULL);
    if (text) {
        struct kluis_err err = {0};
        if (kluis_time_parse(text, &env->now, &err) != KLUIS_OK)
            return cli_usage(env->cmd, "%s must be an RFC 3339 time such as 2026-11-23T10:00:00Z",
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

/* Loads the policy for a store command: parse and schema errors refuse it. */
static struct kluis_policy *load_policy(const char *cmd, const char *path)
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
    }
    kluis_findings_free(f);
    return p;
}

int cli_env_open(struct cli_env *env)
{
    int status = resolve_now(env);
    if (status != CLI_OK)
        return status;
    env->policy = load_policy(env->cmd, cli_policy_path(env->policy_path));
    if (!env->policy)
        return CLI_FAIL;
    struct kluis_err err = {0};
    if (kluis_engine_open(env->policy, cli_env_db(env), &env->engine, &err) != KLUIS_OK) {
        cli_report(env->cmd, &err);
        cli_env_close(env);
        return CLI_FAIL;
    }
    kluis_engine_set_now(env->engine, env->now);
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
