/*
 * The rights commands: data-subject requests, the consent ledger, the approval queue, and the
 * subject's lookup identifiers and ledger. Answers can hold personal data (an access export):
 * they go to stdout or the files asked for, never into a message.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The most --record or --continue options one fulfilment takes. */
#define MAX_ITEMS 64

enum {
    OPT_TENANT = CLI_OPT_FIRST_FREE,
    OPT_SUBJECT,
    OPT_EMAIL,
    OPT_PHONE,
    OPT_TYPE,
    OPT_PURPOSE,
    OPT_LANG,
    OPT_OVERDUE,
    OPT_JSON,
    OPT_METHOD,
    OPT_REASON,
    OPT_RECORD,
    OPT_VALUE,
    OPT_VALUE_FILE,
    OPT_CONTINUE,
    OPT_GROUNDS,
    OPT_OUT,
    OPT_FORMAT,
    OPT_TOLD,
    OPT_TEXT_VERSION,
    OPT_BY,
};

/* Every option any of these commands takes; each command accepts what it uses and refuses the
 * rest through its own check. */
struct args {
    const char *tenant;
    struct kluis_subject_name subject;
    const char *type;
    const char *purposes[MAX_ITEMS];
    size_t n_purposes;
    const char *lang;
    bool overdue, as_json, told;
    const char *method, *reason, *text_version, *by;
    uint64_t records[MAX_ITEMS];
    const void *values[MAX_ITEMS];
    size_t value_lens[MAX_ITEMS];
    char *owned[MAX_ITEMS]; /* values read from files */
    size_t n_records, n_values;
    const char *cont[MAX_ITEMS];
    const char *grounds[MAX_ITEMS];
    size_t n_cont, n_grounds;
    const char *out_dir, *output, *format;
    int fail; /* a status an option handler set (a file that could not be read) */
};

static void args_free(struct args *a)
{
    for (size_t i = 0; i < MAX_ITEMS; i++)
        free(a->owned[i]);
}

static int on_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct args *a = ctx;
    switch (c) {
    case OPT_TENANT:
        a->tenant = arg;
        break;
    case OPT_SUBJECT:
        a->subject.ref = arg;
        break;
    case OPT_EMAIL:
    case OPT_PHONE:
        if (a->subject.kind)
            return cli_usage(cmd, "name the subject once");
        a->subject.kind = c == OPT_EMAIL ? "email" : "phone";
        a->subject.value = arg;
        break;
    case OPT_TYPE:
        a->type = arg;
        break;
    case OPT_PURPOSE:
        if (a->n_purposes == MAX_ITEMS)
            return cli_usage(cmd, "at most %d --purpose options", MAX_ITEMS);
        a->purposes[a->n_purposes++] = arg;
        break;
    case OPT_LANG:
        a->lang = arg;
        break;
    case OPT_OVERDUE:
        a->overdue = true;
        break;
    case OPT_JSON:
        a->as_json = true;
        break;
    case OPT_METHOD:
        a->method = arg;
        break;
    case OPT_REASON:
        a->reason = arg;
        break;
    case OPT_TEXT_VERSION:
        a->text_version = arg;
        break;
    case OPT_BY:
        a->by = arg;
        break;
    case OPT_TOLD:
        a->told = true;
        break;
    case OPT_RECORD:
        if (a->n_records == MAX_ITEMS)
            return cli_usage(cmd, "at most %d --record options", MAX_ITEMS);
        if (a->n_records != a->n_values)
            return cli_usage(cmd, "each --record is followed by its --value or --value-file");
        if (!cli_parse_id(arg, &a->records[a->n_records]))
            return cli_usage(cmd, "a record id is a positive number, not '%s'", arg);
        a->n_records++;
        break;
    case OPT_VALUE:
    case OPT_VALUE_FILE:
        if (a->n_values + 1 != a->n_records)
            return cli_usage(cmd, "--value and --value-file follow the --record they correct");
        if (c == OPT_VALUE) {
            a->values[a->n_values] = arg;
            a->value_lens[a->n_values] = strlen(arg);
        } else {
            char *buf = NULL;
            size_t len = 0;
            if (cli_read_file(cmd, arg, KLUIS_VALUE_MAX, &buf, &len) != CLI_OK) {
                a->fail = CLI_FAIL;
                return CLI_FAIL;
            }
            a->owned[a->n_values] = buf;
            a->values[a->n_values] = buf;
            a->value_lens[a->n_values] = len;
        }
        a->n_values++;
        break;
    case OPT_CONTINUE:
        if (a->n_cont == MAX_ITEMS)
            return cli_usage(cmd, "at most %d --continue options", MAX_ITEMS);
        if (a->n_cont != a->n_grounds)
            return cli_usage(cmd, "each --continue is followed by its --grounds");
        a->cont[a->n_cont++] = arg;
        break;
    case OPT_GROUNDS:
        if (a->n_grounds + 1 != a->n_cont)
            return cli_usage(cmd, "--grounds follows the --continue it justifies");
        a->grounds[a->n_grounds++] = arg;
        break;
    case OPT_OUT:
        a->out_dir = arg;
        break;
    case 'o':
        a->output = arg;
        break;
    case OPT_FORMAT:
        a->format = arg;
        break;
    }
    return -1;
}

/* The long options several commands share. */
// clang-format off
#define O_TENANT  {"tenant", required_argument, NULL, OPT_TENANT}
#define O_SUBJECT {"subject", required_argument, NULL, OPT_SUBJECT}
#define O_EMAIL   {"email", required_argument, NULL, OPT_EMAIL}
#define O_PHONE   {"phone", required_argument, NULL, OPT_PHONE}
#define O_PURPOSE {"purpose", required_argument, NULL, OPT_PURPOSE}
#define O_JSON    {"json", no_argument, NULL, OPT_JSON}
#define O_END     {NULL, 0, NULL, 0}
// clang-format on

/* Parses options; returns -1 to go on, else the exit status. */
static int parse(const char *cmd, struct cli_env *env, int argc, char **argv,
                 const struct option *opts, const char *short_opts, struct args *a)
{
    int status = cli_parse_options(cmd, env, argc, argv, short_opts, opts, on_option, a);
    if (a->fail)
        return a->fail;
    return status;
}

static bool subject_named(const struct args *a)
{
    return (a->subject.ref && *a->subject.ref) || (a->subject.kind && *a->subject.value);
}

/* The one operand: a request or record id. */
static int one_id(const char *cmd, int argc, char **argv, const char *what, uint64_t *out)
{
    if (argc - optind != 1)
        return cli_usage(cmd, "needs one %s id", what);
    if (!cli_parse_id(argv[optind], out))
        return cli_usage(cmd, "a %s id is a positive number, not '%s'", what, argv[optind]);
    return -1;
}

/* Opens the store and runs fn; closes it. */
static int with_engine(struct cli_env *env, int (*fn)(struct cli_env *, struct args *, uint64_t),
                       struct args *a, uint64_t id)
{
    int status = cli_env_open(env);
    if (status == CLI_OK)
        status = fn(env, a, id);
    cli_env_close(env);
    return status;
}

static int print_text(const char *cmd, char *text)
{
    int status = CLI_OK;
    if (fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        cli_error(cmd, "cannot write the output: %s", strerror(errno));
        status = CLI_FAIL;
    }
    free(text);
    return status;
}

/* ---- request -------------------------------------------------------------------------------- */

static int do_open(struct cli_env *env, struct args *a, uint64_t unused)
{
    (void)unused;
    struct kluis_request_input in = {
        .tenant = a->tenant,
        .subject = a->subject,
        .purposes = a->purposes,
        .n_purposes = a->n_purposes,
        .lang = KLUIS_LANG_NL,
    };
    kluis_request_type_parse(a->type, &in.type);
    if (a->lang)
        kluis_lang_parse(a->lang, &in.lang);
    struct kluis_err err = {0};
    uint64_t id;
    if (kluis_request_open(env->engine, &in, &id, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    printf("%" PRIu64 "\n", id);
    return CLI_OK;
}

static int request_open(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {O_TENANT,
                                         O_SUBJECT,
                                         O_EMAIL,
                                         O_PHONE,
                                         {"type", required_argument, NULL, OPT_TYPE},
                                         O_PURPOSE,
                                         {"lang", required_argument, NULL, OPT_LANG},
                                         O_END};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct args a = {0};
    int status = parse(cmd, &env, argc, argv, opts, NULL, &a);
    if (status >= 0)
        return status;
    enum kluis_request_type t;
    enum kluis_lang l;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    if (!a.tenant || !*a.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (!subject_named(&a))
        return cli_usage(cmd, "needs the subject: --subject S, --email E or --phone P");
    if (!a.type)
        return cli_usage(cmd, "needs --type access|rectification|erasure|restriction|"
                              "portability|objection|withdrawal");
    if (!kluis_request_type_parse(a.type, &t))
        return cli_usage(cmd,
                         "unknown --type '%s' (access, rectification, erasure, restriction, "
                         "portability, objection, withdrawal)",
                         a.type);
    if (a.lang && !kluis_lang_parse(a.lang, &l))
        return cli_usage(cmd, "--lang is nl or en, not '%s'", a.lang);
    return with_engine(&env, do_open, &a, 0);
}

static int do_list(struct cli_env *env, struct args *a, uint64_t unused)
{
    (void)unused;
    struct kluis_err err = {0};
    char *text = NULL;
    if (kluis_request_list(env->engine, a->tenant, a->overdue, &text, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    if (a->as_json)
        return print_text(env->cmd, text);
    json_t *list = json_loads(text, 0, NULL);
    free(text);
    size_t i;
    json_t *r;
    if (!json_array_size(list))
        printf("%s\n", a->overdue ? "no request is overdue" : "no requests");
    json_array_foreach(list, i, r)
    {
        const char *state = json_string_value(json_object_get(r, "state"));
        bool open = json_is_integer(json_object_get(r, "days_left"));
        json_int_t left = json_integer_value(json_object_get(r, "days_left"));
        char when[64];
        if (!open)
            snprintf(when, sizeof(when), "closed");
        else if (left < 0)
            snprintf(when, sizeof(when), "OVERDUE by %" JSON_INTEGER_FORMAT " day%s", -left,
                     left == -1 ? "" : "s");
        else
            snprintf(when, sizeof(when), "%" JSON_INTEGER_FORMAT " day%s left", left,
                     left == 1 ? "" : "s");
        printf("%" JSON_INTEGER_FORMAT "  %s  %s  %s  received %s  due %s  %s%s\n",
               json_integer_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "tenant")),
               json_string_value(json_object_get(r, "type")), state,
               json_string_value(json_object_get(r, "received_date")),
               json_string_value(json_object_get(r, "due")), when,
               json_is_true(json_object_get(r, "processor")) ? "  (processor: the customer's)"
                                                             : "");
    }
    json_decref(list);
    return CLI_OK;
}

static int request_list(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {
        O_TENANT, {"overdue", no_argument, NULL, OPT_OVERDUE}, O_JSON, O_END};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct args a = {0};
    int status = parse(cmd, &env, argc, argv, opts, NULL, &a);
    if (status >= 0)
        return status;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    return with_engine(&env, do_list, &a, 0);
}

static int do_show(struct cli_env *env, struct args *a, uint64_t id)
{
    struct kluis_err err = {0};
    char *text = NULL;
    if (kluis_request_show(env->engine, a->tenant, id, &text, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    return print_text(env->cmd, text);
}

static int do_verify(struct cli_env *env, struct args *a, uint64_t id)
{
    struct kluis_err err = {0};
    if (kluis_request_verify(env->engine, a->tenant, id, a->method, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    return CLI_OK;
}

static int do_extend(struct cli_env *env, struct args *a, uint64_t id)
{
    struct kluis_err err = {0};
    if (kluis_request_extend(env->engine, a->tenant, id, a->reason, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    char *text = NULL;
    if (kluis_request_show(env->engine, a->tenant, id, &text, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    printf("due %s\n", json_string_value(json_object_get(o, "due")));
    json_decref(o);
    return CLI_OK;
}

static int do_reject(struct cli_env *env, struct args *a, uint64_t id)
{
    struct kluis_err err = {0};
    char *answer = NULL;
    if (kluis_request_reject(env->engine, a->tenant, id, a->reason, &answer, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    return print_text(env->cmd, answer);
}

static int do_forward(struct cli_env *env, struct args *a, uint64_t id)
{
    struct kluis_err err = {0};
    if (kluis_request_forward(env->engine, a->tenant, id, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    return CLI_OK;
}

static int do_lift(struct cli_env *env, struct args *a, uint64_t id)
{
    struct kluis_err err = {0};
    if (kluis_request_lift(env->engine, a->tenant, id, a->told, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    return CLI_OK;
}

/* Writes the answer: into a directory (answer.json, records.csv), a file, or stdout. */
static int write_answer(struct cli_env *env, const struct args *a, const struct kluis_answer *ans)
{
    const char *cmd = env->cmd;
    if (a->out_dir) {
        if (mkdir(a->out_dir, 0700) != 0 && errno != EEXIST) {
            cli_error(cmd, "cannot make directory %s: %s", a->out_dir, strerror(errno));
            return CLI_FAIL;
        }
        size_t n = strlen(a->out_dir) + 16;
        char *path = malloc(n);
        if (!path)
            return CLI_FAIL;
        snprintf(path, n, "%s/answer.json", a->out_dir);
        int status = cli_write_output(cmd, path, ans->json, strlen(ans->json));
        if (status == CLI_OK && ans->csv) {
            snprintf(path, n, "%s/records.csv", a->out_dir);
            status = cli_write_output(cmd, path, ans->csv, strlen(ans->csv));
        }
        free(path);
        return status;
    }
    bool csv = a->format && strcmp(a->format, "csv") == 0;
    if (csv && !ans->csv) {
        cli_error(cmd, "this answer has no CSV form; it is written as JSON");
        csv = false;
    }
    const char *text = csv ? ans->csv : ans->json;
    int status = cli_write_output(cmd, a->output, text, strlen(text));
    if (status == CLI_OK && !csv && !a->output)
        fputc('\n', stdout);
    return status;
}

static int do_fulfil(struct cli_env *env, struct args *a, uint64_t id)
{
    struct kluis_fulfil_input in = {
        .tenant = a->tenant,
        .id = id,
        .records = a->records,
        .values = a->values,
        .value_lens = a->value_lens,
        .n_records = a->n_records,
        .continue_purposes = a->cont,
        .grounds = a->grounds,
        .n_continue = a->n_cont,
    };
    struct kluis_err err = {0};
    struct kluis_answer ans = {0};
    if (kluis_request_fulfil(env->engine, &in, &ans, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    int status = write_answer(env, a, &ans);
    kluis_answer_free(&ans);
    return status;
}

/* The request steps that take one id. */
static int request_step(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {O_TENANT,
                                         {"method", required_argument, NULL, OPT_METHOD},
                                         {"reason", required_argument, NULL, OPT_REASON},
                                         {"record", required_argument, NULL, OPT_RECORD},
                                         {"value", required_argument, NULL, OPT_VALUE},
                                         {"value-file", required_argument, NULL, OPT_VALUE_FILE},
                                         {"continue", required_argument, NULL, OPT_CONTINUE},
                                         {"grounds", required_argument, NULL, OPT_GROUNDS},
                                         {"out", required_argument, NULL, OPT_OUT},
                                         {"output", required_argument, NULL, 'o'},
                                         {"format", required_argument, NULL, OPT_FORMAT},
                                         {"subject-told", no_argument, NULL, OPT_TOLD},
                                         O_JSON,
                                         O_END};
    const char *step = strchr(cmd, ' ') + 1;
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct args a = {0};
    int status = parse(cmd, &env, argc, argv, opts, "o:", &a);
    uint64_t id = 0;
    if (status < 0)
        status = one_id(cmd, argc, argv, "request", &id);
    /* Each step takes its own options only. */
    struct {
        const char *name;
        bool ok;
    } checks[] = {
        {"--method", !a.method || strcmp(step, "verify") == 0},
        {"--reason", !a.reason || strcmp(step, "extend") == 0 || strcmp(step, "reject") == 0},
        {"--record", !a.n_records || strcmp(step, "fulfil") == 0},
        {"--continue", !a.n_cont || strcmp(step, "fulfil") == 0},
        {"--out, --output and --format",
         (!a.out_dir && !a.output && !a.format) || strcmp(step, "fulfil") == 0},
        {"--subject-told", !a.told || strcmp(step, "lift") == 0},
        /* show prints JSON anyway; --json is accepted there as everywhere a machine reads. */
        {"--json", !a.as_json || strcmp(step, "show") == 0},
    };
    for (size_t i = 0; status < 0 && i < sizeof(checks) / sizeof(checks[0]); i++)
        if (!checks[i].ok)
            status = cli_usage(cmd, "%s is not an option of 'request %s'", checks[i].name, step);
    if (status < 0 && a.n_records != a.n_values)
        status = cli_usage(cmd, "--record %" PRIu64 " has no --value or --value-file",
                           a.records[a.n_records - 1]);
    if (status < 0 && a.n_cont != a.n_grounds)
        status = cli_usage(cmd, "--continue %s has no --grounds", a.cont[a.n_cont - 1]);
    if (status < 0 && a.format && strcmp(a.format, "json") != 0 && strcmp(a.format, "csv") != 0)
        status = cli_usage(cmd, "--format is json or csv, not '%s'", a.format);
    if (status < 0 && a.out_dir && (a.output || a.format))
        status = cli_usage(cmd, "--out DIR writes every form; it takes no --output or --format");
    if (status < 0 && (strcmp(step, "extend") == 0 || strcmp(step, "reject") == 0) &&
        (!a.reason || !*a.reason))
        status = cli_usage(cmd, "needs --reason TEXT");
    if (status < 0) {
        int (*fn)(struct cli_env *, struct args *, uint64_t) =
            strcmp(step, "show") == 0      ? do_show
            : strcmp(step, "verify") == 0  ? do_verify
            : strcmp(step, "extend") == 0  ? do_extend
            : strcmp(step, "reject") == 0  ? do_reject
            : strcmp(step, "forward") == 0 ? do_forward
            : strcmp(step, "lift") == 0    ? do_lift
                                           : do_fulfil;
        status = with_engine(&env, fn, &a, id);
    }
    args_free(&a);
    return status;
}

int cli_cmd_request(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"open", request_open},    {"list", request_list},   {"show", request_step},
        {"verify", request_step},  {"extend", request_step}, {"reject", request_step},
        {"forward", request_step}, {"fulfil", request_step}, {"lift", request_step},
    };
    return cli_dispatch("request", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

/* ---- consent -------------------------------------------------------------------------------- */

static int do_consent(struct cli_env *env, struct args *a, uint64_t give)
{
    struct kluis_err err = {0};
    kluis_rc rc =
        give ? kluis_consent_give(env->engine, a->tenant, &a->subject, a->purposes[0],
                                  a->text_version, &err)
             : kluis_consent_withdraw(env->engine, a->tenant, &a->subject, a->purposes[0], &err);
    return rc == KLUIS_OK ? CLI_OK : cli_fail(env->cmd, &err);
}

static int do_ledger(struct cli_env *env, struct args *a, uint64_t unused)
{
    (void)unused;
    struct kluis_err err = {0};
    char *text = NULL;
    if (kluis_subject_ledger(env->engine, a->tenant, &a->subject, &text, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    return print_text(env->cmd, text);
}

static int consent_cmd(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {
        O_TENANT, O_SUBJECT, O_EMAIL,
        O_PHONE,  O_PURPOSE, {"text-version", required_argument, NULL, OPT_TEXT_VERSION},
        O_END};
    const char *sub = strchr(cmd, ' ') + 1;
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct args a = {0};
    int status = parse(cmd, &env, argc, argv, opts, NULL, &a);
    if (status >= 0)
        return status;
    bool show = strcmp(sub, "show") == 0;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    if (!a.tenant || !*a.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (!subject_named(&a))
        return cli_usage(cmd, "needs the subject: --subject S, --email E or --phone P");
    if (!show && a.n_purposes != 1)
        return cli_usage(cmd, "needs one --purpose");
    if (show && a.n_purposes)
        return cli_usage(cmd, "shows every purpose; it takes no --purpose");
    if (a.text_version && strcmp(sub, "give") != 0)
        return cli_usage(cmd, "--text-version belongs to 'consent give'");
    return with_engine(&env, show ? do_ledger : do_consent, &a, strcmp(sub, "give") == 0);
}

int cli_cmd_consent(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"give", consent_cmd}, {"withdraw", consent_cmd}, {"show", consent_cmd}};
    return cli_dispatch("consent", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

/* ---- approval ------------------------------------------------------------------------------- */

static int do_queue(struct cli_env *env, struct args *a, uint64_t unused)
{
    (void)unused;
    struct kluis_err err = {0};
    char *text = NULL;
    if (kluis_approval_list(env->engine, a->tenant, &text, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    if (a->as_json)
        return print_text(env->cmd, text);
    json_t *list = json_loads(text, 0, NULL);
    free(text);
    size_t i, k;
    json_t *r, *l;
    if (!json_array_size(list))
        printf("nothing waits for approval\n");
    json_array_foreach(list, i, r)
    {
        printf("%" JSON_INTEGER_FORMAT "  %s  %s", json_integer_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "category")),
               json_string_value(json_object_get(r, "created")));
        json_array_foreach(json_object_get(r, "links"), k, l) printf("  %s", json_string_value(l));
        printf("\n");
    }
    json_decref(list);
    return CLI_OK;
}

static int do_decide(struct cli_env *env, struct args *a, uint64_t id)
{
    struct kluis_err err = {0};
    bool approve = strcmp(env->cmd, "approval approve") == 0;
    if (kluis_approval_decide(env->engine, a->tenant, id, approve, a->by, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    return CLI_OK;
}

static int approval_cmd(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {
        O_TENANT, {"by", required_argument, NULL, OPT_BY}, O_JSON, O_END};
    bool list = strcmp(cmd, "approval list") == 0;
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct args a = {0};
    int status = parse(cmd, &env, argc, argv, opts, NULL, &a);
    if (status >= 0)
        return status;
    if (!a.tenant || !*a.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (list) {
        if (optind < argc)
            return cli_usage(cmd, "takes no arguments, only options");
        if (a.by)
            return cli_usage(cmd, "--by belongs to approve and skip");
        return with_engine(&env, do_queue, &a, 0);
    }
    uint64_t id;
    if ((status = one_id(cmd, argc, argv, "record", &id)) >= 0)
        return status;
    if (!a.by || !*a.by)
        return cli_usage(cmd, "needs --by USER: the person who decides");
    if (a.as_json)
        return cli_usage(cmd, "--json belongs to 'approval list'");
    return with_engine(&env, do_decide, &a, id);
}

int cli_cmd_approval(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"list", approval_cmd}, {"approve", approval_cmd}, {"skip", approval_cmd}};
    return cli_dispatch("approval", subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

/* ---- subject ident | ledger ------------------------------------------------------------------ */

static int do_ident(struct cli_env *env, struct args *a, uint64_t unused)
{
    (void)unused;
    struct kluis_err err = {0};
    if (kluis_subject_ident_add(env->engine, a->tenant, a->subject.ref, a->subject.kind,
                                a->subject.value, &err) != KLUIS_OK)
        return cli_fail(env->cmd, &err);
    return CLI_OK;
}

int cli_subject_ident(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {O_TENANT, O_EMAIL, O_PHONE, O_END};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct args a = {0};
    int status = parse(cmd, &env, argc, argv, opts, NULL, &a);
    if (status >= 0)
        return status;
    if (!a.tenant || !*a.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (argc - optind != 1 || !*argv[optind])
        return cli_usage(cmd, "needs one subject reference");
    if (!a.subject.kind)
        return cli_usage(cmd, "needs --email E or --phone P");
    a.subject.ref = argv[optind];
    return with_engine(&env, do_ident, &a, 0);
}

int cli_subject_ledger(const char *cmd, int argc, char **argv)
{
    static const struct option opts[] = {O_TENANT, O_EMAIL, O_PHONE, O_END};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct args a = {0};
    int status = parse(cmd, &env, argc, argv, opts, NULL, &a);
    if (status >= 0)
        return status;
    if (!a.tenant || !*a.tenant)
        return cli_usage(cmd, "needs --tenant");
    if (argc - optind == 1 && !a.subject.kind)
        a.subject.ref = argv[optind];
    else if (argc - optind != 0 || !a.subject.kind)
        return cli_usage(cmd, "needs the subject: a reference, --email E or --phone P");
    return with_engine(&env, do_ledger, &a, 0);
}
