/*
 * kluis serve: the HTTP JSON API on the store (server.h). Prints the URL it serves on stdout
 * (one line, so that scripts and tests can read the port it picked), logs JSON lines on stderr
 * (or --log FILE), and on SIGTERM or SIGINT stops accepting, finishes what is in flight and
 * closes the store.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/server.h"

enum {
    OPT_LISTEN = CLI_OPT_FIRST_FREE,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_PLAIN,
    OPT_THREADS,
    OPT_BODY_MAX,
    OPT_LOG,
    OPT_ROUTES,
    OPT_TIMEOUT,
    OPT_RATE_LIMIT,
    OPT_RATE_BURST,
};

struct serve_args {
    struct kluis_server_config cfg;
    const char *log_path;
    bool routes;
    bool rate_given; /* --rate-limit (0 included) */
};

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !*s || *end || *s == '-' || v == 0 || v > max)
        return false;
    *out = v;
    return true;
}

static int serve_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct serve_args *a = ctx;
    unsigned long v;
    switch (c) {
    case OPT_LISTEN:
        a->cfg.listen = arg;
        break;
    case OPT_TLS_CERT:
        a->cfg.tls_cert = arg;
        break;
    case OPT_TLS_KEY:
        a->cfg.tls_key = arg;
        break;
    case OPT_PLAIN:
        a->cfg.allow_plain_remote = true;
        break;
    case OPT_THREADS:
        if (!parse_uint(arg, 256, &v))
            return cli_usage(cmd, "--threads is 1 to 256, not '%s'", arg);
        a->cfg.threads = (unsigned)v;
        break;
    case OPT_BODY_MAX:
        if (!parse_uint(arg, 64ul << 20, &v))
            return cli_usage(cmd, "--body-max is 1 to %lu bytes, not '%s'", 64ul << 20, arg);
        a->cfg.body_max = v;
        break;
    case OPT_LOG:
        a->log_path = arg;
        break;
    case OPT_ROUTES:
        a->routes = true;
        break;
    case OPT_TIMEOUT:
        if (!parse_uint(arg, 3600, &v))
            return cli_usage(cmd, "--timeout is 1 to 3600 seconds, not '%s'", arg);
        a->cfg.timeout_s = (unsigned)v;
        break;
    case OPT_RATE_LIMIT:
        /* 0 turns the limits off. */
        if (strcmp(arg, "0") == 0) {
            a->cfg.rate_limit_off = true;
        } else if (!parse_uint(arg, 1000000, &v)) {
            return cli_usage(cmd,
                             "--rate-limit is 0 (off) or 1 to 1000000 requests a second, "
                             "not '%s'",
                             arg);
        } else {
            a->cfg.rate_limit = (unsigned)v;
        }
        a->rate_given = true;
        break;
    case OPT_RATE_BURST:
        if (!parse_uint(arg, 1000000, &v))
            return cli_usage(cmd, "--rate-burst is 1 to 1000000 requests, not '%s'", arg);
        a->cfg.rate_burst = (unsigned)v;
        break;
    }
    return -1;
}

/* An option's environment variable, where the option was not given. */
static const char *env_or(const char *given, const char *name)
{
    const char *v = getenv(name);
    return given ? given : (v && *v ? v : NULL);
}

int cli_cmd_serve(int argc, char **argv)
{
    const char *cmd = "serve";
    static const struct option opts[] = {{"listen", required_argument, NULL, OPT_LISTEN},
                                         {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
                                         {"tls-key", required_argument, NULL, OPT_TLS_KEY},
                                         {"allow-plain-http", no_argument, NULL, OPT_PLAIN},
                                         {"threads", required_argument, NULL, OPT_THREADS},
                                         {"body-max", required_argument, NULL, OPT_BODY_MAX},
                                         {"log", required_argument, NULL, OPT_LOG},
                                         {"routes", no_argument, NULL, OPT_ROUTES},
                                         {"timeout", required_argument, NULL, OPT_TIMEOUT},
                                         {"rate-limit", required_argument, NULL, OPT_RATE_LIMIT},
                                         {"rate-burst", required_argument, NULL, OPT_RATE_BURST},
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct serve_args a = {0};
    int status = cli_parse_options(cmd, &env, argc, argv, NULL, opts, serve_option, &a);
    if (status >= 0)
        return status;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    if (a.routes) {
        /* The route table, for docs/openapi.yaml's test: METHOD PATH ROLES. */
        size_t n;
        const struct kluis_route_info *r = kluis_server_routes(&n);
        for (size_t i = 0; i < n; i++)
            printf("%s %s %s\n", r[i].method, r[i].path, r[i].roles);
        return CLI_OK;
    }
    a.cfg.listen = env_or(a.cfg.listen, "KLUIS_LISTEN");
    a.cfg.tls_cert = env_or(a.cfg.tls_cert, "KLUIS_TLS_CERT");
    a.cfg.tls_key = env_or(a.cfg.tls_key, "KLUIS_TLS_KEY");
    a.log_path = env_or(a.log_path, "KLUIS_LOG");
    /* The numeric options' variables, checked like the options. */
    static const struct {
        const char *var;
        int opt;
    } numeric[] = {{"KLUIS_THREADS", OPT_THREADS},
                   {"KLUIS_BODY_MAX", OPT_BODY_MAX},
                   {"KLUIS_TIMEOUT", OPT_TIMEOUT},
                   {"KLUIS_RATE_LIMIT", OPT_RATE_LIMIT},
                   {"KLUIS_RATE_BURST", OPT_RATE_BURST}};
    for (size_t i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++) {
        const char *v = getenv(numeric[i].var);
        bool given = numeric[i].opt == OPT_THREADS      ? a.cfg.threads
                     : numeric[i].opt == OPT_BODY_MAX   ? a.cfg.body_max
                     : numeric[i].opt == OPT_TIMEOUT    ? a.cfg.timeout_s
                     : numeric[i].opt == OPT_RATE_LIMIT ? a.rate_given
                                                        : a.cfg.rate_burst;
        if (v && *v && !given && (status = serve_option(cmd, numeric[i].opt, v, &a)) >= 0)
            return status;
    }
    const char *plain = getenv("KLUIS_ALLOW_PLAIN_HTTP");
    if (plain && strcmp(plain, "1") == 0)
        a.cfg.allow_plain_remote = true;
    a.cfg.fixed_clock = env.now_text || getenv("KLUIS_NOW");
    /* The signals are waited for, not handled: block them before any thread starts. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    FILE *log = stderr;
    if (a.log_path && strcmp(a.log_path, "-") != 0 && !(log = fopen(a.log_path, "a"))) {
        cli_error(cmd, "cannot open the log %s: %s", a.log_path, strerror(errno));
        return CLI_FAIL;
    }
    a.cfg.log = log;
    /* An SQLite store is checkpointed by a thread of its own while serving (store_sqlite.c), so
     * that no request waits for the WAL to be copied back, unless the location says otherwise. */
    char db_buf[4400];
    const char *db = cli_env_db(&env);
    if (strncmp(db, "sqlite:", 7) == 0 && !strstr(db, "checkpoint=") &&
        (size_t)snprintf(db_buf, sizeof(db_buf), "%s%scheckpoint=background", db,
                         strchr(db, '?') ? "&" : "?") < sizeof(db_buf))
        env.db = db_buf;
    if ((status = cli_env_open(&env)) != CLI_OK) {
        if (log != stderr)
            fclose(log);
        return status;
    }
    struct kluis_err err = {0};
    struct kluis_server *s = NULL;
    kluis_rc rc = kluis_server_start(env.engine, env.policy, &a.cfg, &s, &err);
    if (rc) {
        status = rc == KLUIS_EINVAL ? cli_usage(cmd, "%s", err.message) : cli_fail(cmd, &err);
    } else {
        bool tls = a.cfg.tls_cert != NULL;
        const char *host = a.cfg.listen ? a.cfg.listen : "127.0.0.1:8080";
        const char *colon = strrchr(host, ':');
        printf("%s://%.*s:%u/\n", tls ? "https" : "http", (int)(colon - host), host,
               kluis_server_port(s));
        fflush(stdout);
        int sig = 0;
        sigwait(&set, &sig);
        fprintf(log, "{\"level\":\"info\",\"message\":\"stopping on signal %d\"}\n", sig);
        kluis_server_stop(s, 10);
    }
    cli_env_close(&env);
    if (log != stderr)
        fclose(log);
    return status;
}
