/*
 * The data commands: record put / get, event, subject export. Values and subject references are
 * personal data: they go where the user asked (stdout, a file) and never into a message.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The most --link options one record takes (the store bounds their bytes too). */
#define MAX_LINKS 32

/* The getopt_long values of the options of these commands. */
enum {
    OPT_TENANT = CLI_OPT_FIRST_FREE,
    OPT_SUBJECT,
    OPT_CATEGORY,
    OPT_PURPOSE,
    OPT_LINK,
    OPT_VALUE,
    OPT_VALUE_FILE,
    OPT_JSON,
    OPT_FORMAT,
    OPT_GROUND,
};

static void free_links(struct kluis_link *links, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)links[i].key);
}

/*
 * Reads the value from path ("-": stdin) into a malloc()ed buffer of at most KLUIS_VALUE_MAX
 * bytes. Returns CLI_OK or CLI_FAIL (reported).
 */
static int read_value(const char *cmd, const char *path, char **out_buf, size_t *out_len)
{
    return cli_read_file(cmd, path, KLUIS_VALUE_MAX, out_buf, out_len);
}

struct put_args {
    struct kluis_record_input in;
    struct kluis_link links[MAX_LINKS];
    const char *value_file;
    bool has_value;
};

static int put_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct put_args *a = ctx;
    switch (c) {
    case OPT_TENANT:
        a->in.tenant = arg;
        break;
    case OPT_SUBJECT:
        a->in.subject = arg;
        break;
    case OPT_CATEGORY:
        a->in.category = arg;
        break;
    case OPT_LINK:
        if (a->in.n_links == MAX_LINKS)
            return cli_usage(cmd, "at most %d --link options", MAX_LINKS);
        if (!cli_parse_link(arg, &a->links[a->in.n_links]))
            return cli_usage(cmd, "--link must be KEY=VALUE, with a non-empty key and value");
        a->in.n_links++;
        break;
    case OPT_VALUE:
    case OPT_VALUE_FILE:
        if (a->has_value)
            return cli_usage(cmd, "give one of --value and --value-file");
        a->has_value = true;
        if (c == OPT_VALUE) {
            a->in.value = arg;
            a->in.value_len = strlen(arg);
        } else {
            a->value_file = arg;
        }
        break;
    }
    return -1;
}

static int parse_put(const char *cmd, struct cli_env *env, int argc, char **argv,
                     struct put_args *a)
{
    static const struct option opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"subject", required_argument, NULL, OPT_SUBJECT},
                                         {"category", required_argument, NULL, OPT_CATEGORY},
                                         {"link", required_argument, NULL, OPT_LINK},
                                         {"value", required_argument, NULL, OPT_VALUE},
                                         {"value-file", required_argument, NULL, OPT_VALUE_FILE},
                                         {NULL, 0, NULL, 0}};
    int status = cli_parse_options(cmd, env, argc, argv, NULL, opts, put_option, a);
    if (status >= 0)
        return status;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    if (!a->in.tenant || !*a->in.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (!a->in.subject || !*a->in.subject)
        return cli_usage(cmd, "needs --subject");
    if (!a->in.category || !*a->in.category)
        return cli_usage(cmd, "needs --category");
    return -1;
}

static int record_put(const char *cmd, int argc, char **argv)
{
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct put_args a = {.in = {.value = ""}};
    a.in.links = a.links;
    int status = parse_put(cmd, &env, argc, argv, &a);
    char *file_value = NULL;
    if (status < 0 && a.value_file) {
        size_t len = 0;
        if (read_value(cmd, a.value_file, &file_value, &len) != CLI_OK)
            status = CLI_FAIL;
        a.in.value = file_value;
        a.in.value_len = len;
    }
    if (status < 0) {
        status = cli_env_open(&env);
        struct kluis_err err = {0};
        uint64_t id;
        if (status == CLI_OK && kluis_record_put(env.engine, &a.in, &id, &err) == KLUIS_OK)
            printf("%" PRIu64 "\n", id);
        else if (status == CLI_OK)
            status = cli_fail(cmd, &err);
    }
    cli_env_close(&env);
    free(file_value);
    free_links(a.links, a.in.n_links);
    return status;
}

struct get_args {
    const char *tenant, *purpose, *ground;
};

static int get_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct get_args *a = ctx;
    if (c == OPT_TENANT)
        a->tenant = arg;
    else if (c == OPT_GROUND)
        a->ground = arg;
    else
        a->purpose = arg;
    return -1;
}

static int record_get(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"purpose", required_argument, NULL, OPT_PURPOSE},
                                         {"ground", required_argument, NULL, OPT_GROUND},
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct get_args a = {0};
    int status = cli_parse_options(cmd, &env, argc, argv, NULL, opts, get_option, &a);
    if (status >= 0)
        return status;
    if (!a.tenant || !*a.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (!a.purpose || !*a.purpose)
        return cli_usage(cmd, "needs --purpose: what the value is read for");
    enum kluis_ground ground = KLUIS_GROUND_NONE;
    if (a.ground && !kluis_ground_parse(a.ground, &ground))
        return cli_usage(cmd,
                         "--ground is consent, legal-claims, others-rights or public-interest "
                         "(art. 18(2)), not '%s'",
                         a.ground);
    uint64_t id;
    if (argc - optind != 1)
        return cli_usage(cmd, "needs one record id");
    if (!cli_parse_id(argv[optind], &id))
        return cli_usage(cmd, "a record id is a positive number, not '%s'", argv[optind]);
    status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    struct kluis_err err = {0};
    struct kluis_record *r = NULL;
    if (kluis_record_read(env.engine, a.tenant, id, a.purpose, ground, &r, &err) != KLUIS_OK) {
        status = cli_fail(cmd, &err);
    } else if ((r->value_len && fwrite(r->value, 1, r->value_len, stdout) != r->value_len) ||
               fflush(stdout) != 0) {
        cli_error(cmd, "cannot write the value: %s", strerror(errno));
        status = CLI_FAIL;
    }
    kluis_record_free(r);
    cli_env_close(&env);
    return status;
}

int cli_cmd_record(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {{"put", record_put}, {"get", record_get}};
    return cli_dispatch("record", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

/* Prints what an event did: a count on stderr, or with as_json an object on stdout. */
static void event_result(const struct kluis_event_input *in, int64_t at, uint64_t affected,
                         bool as_json)
{
    if (!as_json) {
        fprintf(stderr, "%s: %" PRIu64 " record%s affected\n", in->name, affected,
                affected == 1 ? "" : "s");
        return;
    }
    char when[32];
    json_t *o = json_object();
    json_object_set_new(o, "tenant", json_string(in->tenant));
    json_object_set_new(o, "event", json_string(in->name));
    json_object_set_new(o, "purpose", in->purpose ? json_string(in->purpose) : json_null());
    if (in->link) {
        json_t *l = json_object();
        json_object_set_new(l, in->link->key, json_string(in->link->value));
        json_object_set_new(o, "link", l);
    } else {
        json_object_set_new(o, "link", json_null());
    }
    json_object_set_new(o, "at", json_string(kluis_time_format(at, when, sizeof(when))));
    json_object_set_new(o, "affected", json_integer((json_int_t)affected));
    cli_print_json(o);
}

struct event_args {
    struct kluis_event_input in;
    const char *link_arg;
    bool as_json;
};

static int event_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct event_args *a = ctx;
    switch (c) {
    case OPT_TENANT:
        a->in.tenant = arg;
        break;
    case OPT_PURPOSE:
        a->in.purpose = arg;
        break;
    case OPT_SUBJECT:
        a->in.subject = arg;
        break;
    case OPT_LINK:
        if (a->link_arg)
            return cli_usage(cmd, "give at most one --link");
        a->link_arg = arg;
        break;
    case OPT_JSON:
        a->as_json = true;
        break;
    }
    return -1;
}

int cli_cmd_event(int argc, char **argv)
{
    const char *cmd = "event";
    static const struct option opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"purpose", required_argument, NULL, OPT_PURPOSE},
                                         {"subject", required_argument, NULL, OPT_SUBJECT},
                                         {"link", required_argument, NULL, OPT_LINK},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct event_args a = {0};
    struct kluis_link link = {0};
    int status = cli_parse_options(cmd, &env, argc, argv, NULL, opts, event_option, &a);
    if (status >= 0)
        return status;
    if (!a.in.tenant || !*a.in.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (argc - optind != 1 || !*argv[optind])
        return cli_usage(cmd, "needs one event name, such as draft.approved");
    a.in.name = argv[optind];
    if (a.link_arg) {
        if (!cli_parse_link(a.link_arg, &link))
            return cli_usage(cmd, "--link must be KEY=VALUE, with a non-empty key and value");
        a.in.link = &link;
    }
    status = cli_env_open(&env);
    if (status == CLI_OK) {
        struct kluis_err err = {0};
        uint64_t affected = 0;
        if (kluis_event_record(env.engine, &a.in, &affected, &err) == KLUIS_OK)
            event_result(&a.in, env.now, affected, a.as_json);
        else
            status = cli_fail(cmd, &err);
    }
    free((char *)link.key);
    cli_env_close(&env);
    return status;
}

struct export_args {
    const char *tenant, *output;
    bool csv;
};

static int export_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct export_args *a = ctx;
    switch (c) {
    case OPT_TENANT:
        a->tenant = arg;
        break;
    case OPT_FORMAT:
        if (strcmp(arg, "json") != 0 && strcmp(arg, "csv") != 0)
            return cli_usage(cmd, "--format must be json or csv, not '%s'", arg);
        a->csv = strcmp(arg, "csv") == 0;
        break;
    case 'o':
        a->output = arg;
        break;
    }
    return -1;
}

struct erase_args {
    const char *tenant;
    bool as_json;
};

static int erase_option(const char *cmd, int c, const char *arg, void *ctx)
{
    (void)cmd;
    struct erase_args *a = ctx;
    if (c == OPT_TENANT)
        a->tenant = arg;
    else
        a->as_json = true;
    return -1;
}

static int subject_export(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"format", required_argument, NULL, OPT_FORMAT},
                                         {"output", required_argument, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct export_args a = {0};
    int status = cli_parse_options(cmd, &env, argc, argv, "o:", opts, export_option, &a);
    if (status >= 0)
        return status;
    if (!a.tenant || !*a.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (argc - optind != 1 || !*argv[optind])
        return cli_usage(cmd, "needs one subject reference");
    status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    struct kluis_err err = {0};
    char *text = NULL;
    size_t len = 0;
    if (kluis_subject_export(env.engine, a.tenant, argv[optind], a.csv, &text, &len, &err) !=
        KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        status = cli_write_output(cmd, a.output, text, len);
    free(text);
    cli_env_close(&env);
    return status;
}

static int subject_erase(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct erase_args a = {0};
    int status = cli_parse_options(cmd, &env, argc, argv, NULL, opts, erase_option, &a);
    if (status >= 0)
        return status;
    if (!a.tenant || !*a.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (argc - optind != 1 || !*argv[optind])
        return cli_usage(cmd, "needs one subject reference");
    status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    struct kluis_err err = {0};
    struct kluis_erase_report *r = NULL;
    if (kluis_subject_erase(env.engine, a.tenant, argv[optind], &r, &err) != KLUIS_OK) {
        status = cli_fail(cmd, &err);
    } else if (a.as_json) {
        json_t *o = json_object(), *lines = json_array();
        char when[32];
        for (size_t i = 0; i < r->n; i++) {
            const struct kluis_erase_line *l = &r->lines[i];
            json_t *x = json_object();
            json_object_set_new(x, "category", json_string(l->category));
            json_object_set_new(x, "erased", json_integer((json_int_t)l->erased));
            json_object_set_new(x, "kept", json_integer((json_int_t)l->kept));
            if (l->kept_until == KLUIS_TIME_NEVER)
                json_object_set_new(x, "kept_until", json_null());
            else if (l->kept_until)
                json_object_set_new(x, "kept_until",
                                    json_string(kluis_time_format(l->kept_until, when, 32)));
            if (l->legal_source)
                json_object_set_new(x, "legal_source", json_string(l->legal_source));
            json_object_set_new(x, "held", json_boolean(l->held));
            json_array_append_new(lines, x);
        }
        json_object_set_new(o, "tenant", json_string(a.tenant));
        json_object_set_new(o, "categories", lines);
        json_object_set_new(o, "keys_destroyed",
                            json_string(r->shredded ? "all"
                                        : r->seq    ? "some"
                                                    : "none"));
        cli_print_json(o);
    } else {
        char when[32];
        for (size_t i = 0; i < r->n; i++) {
            const struct kluis_erase_line *l = &r->lines[i];
            printf("%s  %" PRIu64 " erased", l->category, l->erased);
            if (l->kept) {
                printf(", %" PRIu64 " kept", l->kept);
                if (l->held)
                    printf(" under a legal hold");
                if (l->kept_until == KLUIS_TIME_NEVER)
                    printf("%s under a legal obligation whose period has not started yet "
                           "(legal obligation%s%s, art. 17(3)(b))",
                           l->held ? " and" : "", l->legal_source ? ": " : "",
                           l->legal_source ? l->legal_source : "");
                else if (l->kept_until)
                    printf("%s until %s (legal obligation%s%s, art. 17(3)(b))",
                           l->held ? " and" : "", kluis_time_format(l->kept_until, when, 32),
                           l->legal_source ? ": " : "", l->legal_source ? l->legal_source : "");
            }
            printf("\n");
        }
        printf("%s\n", r->n == 0 ? "nothing held on this subject; erased all the same (keys and "
                                   "pseudonym destroyed)"
                       : r->shredded ? "keys destroyed: the values cannot be read from any copy"
                                     : "keys destroyed for every category of which nothing is "
                                       "kept");
    }
    kluis_erase_report_free(r);
    cli_env_close(&env);
    return status;
}

int cli_cmd_subject(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {{"export", subject_export},
                                                 {"erase", subject_erase},
                                                 {"ident", cli_subject_ident},
                                                 {"ledger", cli_subject_ledger}};
    return cli_dispatch("subject", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
