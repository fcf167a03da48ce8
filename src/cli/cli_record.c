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
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        cli_error(cmd, "cannot open %s: %s", path, strerror(errno));
        return CLI_FAIL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int status = CLI_OK;
    while (buf) {
        if (len == cap) {
            if (cap > KLUIS_VALUE_MAX) {
                cli_error(cmd, "the value in %s is larger than the limit of %u bytes",
                          is_stdin ? "standard input" : path, KLUIS_VALUE_MAX);
                status = CLI_FAIL;
                break;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                cli_error(cmd, "cannot read %s: %s", is_stdin ? "standard input" : path,
                          strerror(errno));
                status = CLI_FAIL;
            }
            break;
        }
    }
    if (!buf) {
        cli_error(cmd, "out of memory");
        status = CLI_FAIL;
    }
    if (status == CLI_OK && len > KLUIS_VALUE_MAX) {
        cli_error(cmd, "the value in %s is larger than the limit of %u bytes",
                  is_stdin ? "standard input" : path, KLUIS_VALUE_MAX);
        status = CLI_FAIL;
    }
    if (!is_stdin)
        fclose(f);
    if (status != CLI_OK) {
        free(buf);
        return status;
    }
    *out_buf = buf;
    *out_len = len;
    return CLI_OK;
}

struct put_args {
    struct kluis_record_input in;
    struct kluis_link links[MAX_LINKS];
    const char *value_file;
};

static int parse_put(const char *cmd, struct cli_env *env, int argc, char **argv,
                     struct put_args *a)
{
    enum {
        OPT_TENANT = CLI_OPT_FIRST_FREE,
        OPT_SUBJECT,
        OPT_CATEGORY,
        OPT_LINK,
        OPT_VALUE,
        OPT_VALUE_FILE
    };
    static const struct option opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"subject", required_argument, NULL, OPT_SUBJECT},
                                         {"category", required_argument, NULL, OPT_CATEGORY},
                                         {"link", required_argument, NULL, OPT_LINK},
                                         {"value", required_argument, NULL, OPT_VALUE},
                                         {"value-file", required_argument, NULL, OPT_VALUE_FILE},
                                         {"help", no_argument, NULL, 'h'},
                                         CLI_STORE_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    bool has_value = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_TENANT:
            a->in.tenant = optarg;
            break;
        case OPT_SUBJECT:
            a->in.subject = optarg;
            break;
        case OPT_CATEGORY:
            a->in.category = optarg;
            break;
        case OPT_LINK:
            if (a->in.n_links == MAX_LINKS)
                return cli_usage(cmd, "at most %d --link options", MAX_LINKS);
            if (!cli_parse_link(optarg, &a->links[a->in.n_links]))
                return cli_usage(cmd, "--link must be KEY=VALUE, with a non-empty key and value");
            a->in.n_links++;
            break;
        case OPT_VALUE:
        case OPT_VALUE_FILE:
            if (has_value)
                return cli_usage(cmd, "give one of --value and --value-file");
            has_value = true;
            if (c == OPT_VALUE) {
                a->in.value = optarg;
                a->in.value_len = strlen(optarg);
            } else {
                a->value_file = optarg;
            }
            break;
        case 'h':
            return cli_help(cmd);
        default:
            if (!cli_env_option(env, c, optarg))
                return cli_usage(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
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

static int record_get(const char *cmd, int argc, char **argv)
{
    enum { OPT_TENANT = CLI_OPT_FIRST_FREE, OPT_PURPOSE };
    static const struct option opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"purpose", required_argument, NULL, OPT_PURPOSE},
                                         {"help", no_argument, NULL, 'h'},
                                         CLI_STORE_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    const char *tenant = NULL, *purpose = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_TENANT:
            tenant = optarg;
            break;
        case OPT_PURPOSE:
            purpose = optarg;
            break;
        case 'h':
            return cli_help(cmd);
        default:
            if (!cli_env_option(&env, c, optarg))
                return cli_usage(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (!tenant || !*tenant)
        return cli_usage(cmd, "needs --tenant");
    if (!purpose || !*purpose)
        return cli_usage(cmd, "needs --purpose: what the value is read for");
    uint64_t id;
    if (argc - optind != 1)
        return cli_usage(cmd, "needs one record id");
    if (!cli_parse_id(argv[optind], &id))
        return cli_usage(cmd, "a record id is a positive number, not '%s'", argv[optind]);
    int status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    struct kluis_err err = {0};
    struct kluis_record *r = NULL;
    if (kluis_record_get(env.engine, tenant, id, purpose, &r, &err) != KLUIS_OK) {
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
    json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(o);
}

int cli_cmd_event(int argc, char **argv)
{
    const char *cmd = "event";
    enum {
        OPT_TENANT = CLI_OPT_FIRST_FREE,
        OPT_PURPOSE,
        OPT_SUBJECT,
        OPT_LINK,
        OPT_JSON,
    };
    static const struct option opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"purpose", required_argument, NULL, OPT_PURPOSE},
                                         {"subject", required_argument, NULL, OPT_SUBJECT},
                                         {"link", required_argument, NULL, OPT_LINK},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         CLI_STORE_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct kluis_event_input in = {0};
    struct kluis_link link = {0};
    const char *link_arg = NULL;
    bool as_json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_TENANT:
            in.tenant = optarg;
            break;
        case OPT_PURPOSE:
            in.purpose = optarg;
            break;
        case OPT_SUBJECT:
            in.subject = optarg;
            break;
        case OPT_LINK:
            if (link_arg)
                return cli_usage(cmd, "give at most one --link");
            link_arg = optarg;
            break;
        case OPT_JSON:
            as_json = true;
            break;
        case 'h':
            return cli_help(cmd);
        default:
            if (!cli_env_option(&env, c, optarg))
                return cli_usage(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (!in.tenant || !*in.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (argc - optind != 1 || !*argv[optind])
        return cli_usage(cmd, "needs one event name, such as draft.approved");
    in.name = argv[optind];
    if (link_arg) {
        if (!cli_parse_link(link_arg, &link))
            return cli_usage(cmd, "--link must be KEY=VALUE, with a non-empty key and value");
        in.link = &link;
    }
    int status = cli_env_open(&env);
    if (status == CLI_OK) {
        struct kluis_err err = {0};
        uint64_t affected = 0;
        if (kluis_event_record(env.engine, &in, &affected, &err) == KLUIS_OK)
            event_result(&in, env.now, affected, as_json);
        else
            status = cli_fail(cmd, &err);
    }
    free((char *)link.key);
    cli_env_close(&env);
    return status;
}

static int subject_export(const char *cmd, int argc, char **argv)
{
    enum { OPT_TENANT = CLI_OPT_FIRST_FREE, OPT_FORMAT };
    static const struct option opts[] = {{"tenant", required_argument, NULL, OPT_TENANT},
                                         {"format", required_argument, NULL, OPT_FORMAT},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         CLI_STORE_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    const char *tenant = NULL, *output = NULL;
    bool csv = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case OPT_TENANT:
            tenant = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "csv") != 0)
                return cli_usage(cmd, "--format must be json or csv, not '%s'", optarg);
            csv = strcmp(optarg, "csv") == 0;
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            return cli_help(cmd);
        default:
            if (!cli_env_option(&env, c, optarg))
                return cli_usage(cmd, "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (!tenant || !*tenant)
        return cli_usage(cmd, "needs --tenant");
    if (argc - optind != 1 || !*argv[optind])
        return cli_usage(cmd, "needs one subject reference");
    int status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    struct kluis_err err = {0};
    char *text = NULL;
    size_t len = 0;
    if (kluis_subject_export(env.engine, tenant, argv[optind], csv, &text, &len, &err) != KLUIS_OK)
        status = cli_fail(cmd, &err);
    else
        status = cli_write_output(cmd, output, text, len);
    free(text);
    cli_env_close(&env);
    return status;
}

int cli_cmd_subject(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {{"export", subject_export}};
    return cli_dispatch("subject", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
