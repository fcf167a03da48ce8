/*
 * The policy commands: check, statement, register.
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *sev_json(enum kluis_severity s)
{
    return s == KLUIS_SEV_ERROR ? "error" : s == KLUIS_SEV_WARNING ? "warning" : "acknowledged";
}

static json_t *findings_json(const char *file, const struct kluis_findings *f)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < kluis_findings_count(f); i++) {
        const struct kluis_finding *x = kluis_findings_get(f, i);
        json_t *o = json_object();
        json_object_set_new(o, "severity", json_string(sev_json(x->severity)));
        json_object_set_new(o, "rule", json_string(x->rule));
        json_object_set_new(o, "article", x->article ? json_string(x->article) : json_null());
        json_object_set_new(o, "line", json_integer(x->line));
        json_object_set_new(o, "column", json_integer(x->col));
        json_object_set_new(o, "at", x->at ? json_string(x->at) : json_null());
        json_object_set_new(o, "message", json_string(x->message));
        if (x->reason)
            json_object_set_new(o, "reason", json_string(x->reason));
        json_array_append_new(arr, o);
    }
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "errors",
                        json_integer((json_int_t)kluis_findings_count_sev(f, KLUIS_SEV_ERROR)));
    json_object_set_new(o, "warnings",
                        json_integer((json_int_t)kluis_findings_count_sev(f, KLUIS_SEV_WARNING)));
    json_object_set_new(
        o, "acknowledged",
        json_integer((json_int_t)kluis_findings_count_sev(f, KLUIS_SEV_ACKNOWLEDGED)));
    json_object_set_new(o, "findings", arr);
    return o;
}

static int list_rules(bool as_json)
{
    size_t n;
    const struct kluis_rule_info *r = kluis_policy_rules(&n);
    json_t *arr = as_json ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        const char *sev = r[i].severity == KLUIS_SEV_ERROR ? "error" : "warning";
        if (arr) {
            json_t *o = json_object();
            json_object_set_new(o, "rule", json_string(r[i].id));
            json_object_set_new(o, "article",
                                r[i].article ? json_string(r[i].article) : json_null());
            json_object_set_new(o, "severity", json_string(sev));
            json_object_set_new(o, "summary", json_string(r[i].summary));
            json_array_append_new(arr, o);
        } else {
            printf("%-30s %-7s %-28s %s\n", r[i].id, sev, r[i].article ? r[i].article : "-",
                   r[i].summary);
        }
    }
    if (arr)
        cli_print_json(arr);
    return CLI_OK;
}

/* Loads and checks one file into f; returns false when it could not be read at all. */
static bool check_one(const char *path, struct kluis_findings *f)
{
    struct kluis_policy *p = NULL;
    struct kluis_err err = {0};
    kluis_rc rc = kluis_policy_load_file(path, f, &p, &err);
    if (rc == KLUIS_OK) {
        rc = kluis_policy_check(p, f, &err);
        kluis_policy_free(p);
    }
    kluis_findings_sort(f);
    if (rc == KLUIS_EIO || rc == KLUIS_ENOMEM || rc == KLUIS_EINVAL) {
        cli_report("check", &err);
        return false;
    }
    return true;
}

int cli_cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"rules", no_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    bool as_json = false, rules = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            as_json = true;
            break;
        case 'r':
            rules = true;
            break;
        case 'h':
            return cli_help("check");
        default:
            return cli_usage("check", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rules)
        return list_rules(as_json);

    const char *fallback[] = {cli_policy_path(NULL)};
    char **files = optind < argc ? argv + optind : (char **)fallback;
    int n_files = optind < argc ? argc - optind : 1;

    int status = CLI_OK;
    json_t *all = as_json ? json_array() : NULL;
    for (int i = 0; i < n_files; i++) {
        struct kluis_findings *f = kluis_findings_new();
        if (!f) {
            cli_error("check", "out of memory");
            return CLI_FAIL;
        }
        if (!check_one(files[i], f))
            status = CLI_FAIL;
        size_t ne = kluis_findings_count_sev(f, KLUIS_SEV_ERROR);
        size_t nw = kluis_findings_count_sev(f, KLUIS_SEV_WARNING);
        size_t na = kluis_findings_count_sev(f, KLUIS_SEV_ACKNOWLEDGED);
        if (ne)
            status = CLI_FAIL;
        if (all) {
            json_array_append_new(all, findings_json(files[i], f));
        } else {
            cli_print_findings(stdout, f);
            fprintf(stderr, "%s: %zu error%s, %zu warning%s, %zu acknowledged\n", files[i], ne,
                    ne == 1 ? "" : "s", nw, nw == 1 ? "" : "s", na);
        }
        kluis_findings_free(f);
    }
    if (all) {
        json_t *o = json_object();
        json_object_set_new(o, "files", all);
        cli_print_json(o);
    }
    fflush(stdout);
    return status;
}

/* Options shared by the commands that render a policy. */
struct render_opts {
    const char *cmd;
    unsigned formats;        /* the allowed ones, 1u << enum kluis_doc_format */
    const char *format_list; /* and their names, for the message */
    bool with_tenant;        /* whether --tenant is taken */
    enum kluis_lang lang;
    enum kluis_doc_format format;
    const char *output;
    const char *tenant;
    const char *path;
};

static int render_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct render_opts *o = ctx;
    switch (c) {
    case 'l':
        if (!kluis_lang_parse(arg, &o->lang))
            return cli_usage(cmd, "--lang must be nl or en, not '%s'", arg);
        break;
    case 'f':
        if (!kluis_doc_format_parse(arg, &o->format) || !(o->formats & (1u << o->format)))
            return cli_usage(cmd, "--format must be %s, not '%s'", o->format_list, arg);
        break;
    case 't':
        if (!o->with_tenant)
            return cli_usage(cmd, "unknown option '--tenant'");
        if (!*arg)
            return cli_usage(cmd, "--tenant needs a name");
        o->tenant = arg;
        break;
    case 'o':
        o->output = arg;
        break;
    }
    return -1;
}

/*
 * Parses --lang, --format (one of o->formats), --output and, when o->with_tenant, --tenant, and
 * the optional POLICY. Returns -1 to go on, or the exit status.
 */
static int parse_render_opts(int argc, char **argv, struct render_opts *o)
{
    static const struct option opts[] = {{"lang", required_argument, NULL, 'l'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"tenant", required_argument, NULL, 't'},
                                         {"output", required_argument, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    int status = cli_parse_options(o->cmd, NULL, argc, argv, "o:", opts, render_option, o);
    if (status >= 0)
        return status;
    if (argc - optind > 1)
        return cli_usage(o->cmd, "give one policy, not %d", argc - optind);
    o->path = cli_policy_path(optind < argc ? argv[optind] : NULL);
    return -1;
}

/* Loads the policy, renders it with the given call and writes the result. */
static int render_and_write(const struct render_opts *o, bool is_register)
{
    struct kluis_policy *p = cli_load_policy(o->cmd, o->path, true);
    if (!p)
        return CLI_FAIL;
    /* An empty art. 30(2) register is a valid document, but almost certainly not what was
     * meant: say why it is empty. */
    if (is_register && o->tenant) {
        size_t n_processor = 0;
        for (size_t i = 0; i < kluis_policy_n_purposes(p); i++)
            n_processor += kluis_policy_purpose(p, i)->role == KLUIS_ROLE_PROCESSOR;
        if (n_processor == 0)
            cli_error(o->cmd, "warning: the policy has no purposes with role: processor; the "
                              "processor register is empty");
    }
    char *text = NULL;
    size_t len = 0;
    struct kluis_err err = {0};
    kluis_rc rc = is_register
                      ? kluis_render_register(p, o->tenant, o->lang, o->format, &text, &len, &err)
                      : kluis_render_statement(p, o->lang, o->format, &text, &len, &err);
    int status;
    if (rc != KLUIS_OK) {
        cli_report(o->cmd, &err);
        status = CLI_FAIL;
    } else {
        status = cli_write_output(o->cmd, o->output, text, len);
    }
    free(text);
    kluis_policy_free(p);
    return status;
}

int cli_cmd_statement(int argc, char **argv)
{
    struct render_opts o = {.cmd = "statement",
                            .formats = (1u << KLUIS_FORMAT_MD) | (1u << KLUIS_FORMAT_HTML),
                            .format_list = "md or html",
                            .lang = KLUIS_LANG_NL,
                            .format = KLUIS_FORMAT_MD};
    int status = parse_render_opts(argc, argv, &o);
    return status >= 0 ? status : render_and_write(&o, false);
}

int cli_cmd_register(int argc, char **argv)
{
    struct render_opts o = {.cmd = "register",
                            .formats = (1u << KLUIS_FORMAT_CSV) | (1u << KLUIS_FORMAT_JSON) |
                                       (1u << KLUIS_FORMAT_MD),
                            .format_list = "csv, json or md",
                            .with_tenant = true,
                            .lang = KLUIS_LANG_EN,
                            .format = KLUIS_FORMAT_CSV};
    int status = parse_render_opts(argc, argv, &o);
    return status >= 0 ? status : render_and_write(&o, true);
}
