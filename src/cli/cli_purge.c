/*
 * kluis purge: remove what expired (art. 5(1)(e), storage limitation) and say what went.
 */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void print_text(const struct kluis_purge_report *r)
{
    const char *verb = r->dry_run ? "would be removed" : "removed";
    for (size_t i = 0; i < r->n_lines; i++)
        printf("%s  %s  %" PRIu64 " %s\n", r->lines[i].tenant, r->lines[i].category,
               r->lines[i].removed, verb);
    printf("total: %" PRIu64 " %s\n", r->total, verb);
    char when[32];
    printf("oldest remaining: %s\n",
           r->oldest_remaining == KLUIS_TIME_NEVER
               ? "none"
               : kluis_time_format(r->oldest_remaining, when, sizeof(when)));
}

static void print_json(const struct kluis_purge_report *r)
{
    char when[32];
    json_t *o = json_object();
    json_object_set_new(o, "at", json_string(kluis_time_format(r->at, when, sizeof(when))));
    json_object_set_new(o, "dry_run", json_boolean(r->dry_run));
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n_lines; i++) {
        json_t *l = json_object();
        json_object_set_new(l, "tenant", json_string(r->lines[i].tenant));
        json_object_set_new(l, "category", json_string(r->lines[i].category));
        json_object_set_new(l, "removed", json_integer((json_int_t)r->lines[i].removed));
        json_array_append_new(arr, l);
    }
    json_object_set_new(o, "counts", arr);
    json_object_set_new(o, "total", json_integer((json_int_t)r->total));
    json_object_set_new(
        o, "oldest_remaining",
        r->oldest_remaining == KLUIS_TIME_NEVER
            ? json_null()
            : json_string(kluis_time_format(r->oldest_remaining, when, sizeof(when))));
    json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(o);
}

int cli_cmd_purge(int argc, char **argv)
{
    const char *cmd = "purge";
    enum { OPT_DRY_RUN = CLI_OPT_FIRST_FREE, OPT_JSON };
    static const struct option opts[] = {{"dry-run", no_argument, NULL, OPT_DRY_RUN},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         CLI_STORE_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    bool dry_run = false, as_json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hn", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
        case OPT_DRY_RUN:
            dry_run = true;
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
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    int status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    struct kluis_err err = {0};
    struct kluis_purge_report *r = NULL;
    if (kluis_purge(env.engine, dry_run, &r, &err) != KLUIS_OK) {
        status = cli_fail(cmd, &err);
    } else {
        if (as_json)
            print_json(r);
        else
            print_text(r);
        if (fflush(stdout) != 0) {
            cli_error(cmd, "cannot write the report");
            status = CLI_FAIL;
        }
    }
    kluis_purge_report_free(r);
    cli_env_close(&env);
    return status;
}
