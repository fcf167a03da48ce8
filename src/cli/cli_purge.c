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
    cli_print_json(o);
}

enum { OPT_DRY_RUN = CLI_OPT_FIRST_FREE, OPT_JSON };

struct purge_args {
    bool dry_run, as_json;
};

static int purge_option(const char *cmd, int c, const char *arg, void *ctx)
{
    struct purge_args *a = ctx;
    if (c == OPT_JSON)
        a->as_json = true;
    else
        a->dry_run = true; /* -n, OPT_DRY_RUN */
    return -1;
}

int cli_cmd_purge(int argc, char **argv)
{
    const char *cmd = "purge";
    static const struct option opts[] = {{"dry-run", no_argument, NULL, OPT_DRY_RUN},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {NULL, 0, NULL, 0}};
    struct cli_env env;
    cli_env_init(&env, cmd);
    struct purge_args a = {0};
    int status = cli_parse_options(cmd, &env, argc, argv, "n", opts, purge_option, &a);
    if (status >= 0)
        return status;
    if (optind < argc)
        return cli_usage(cmd, "takes no arguments, only options");
    status = cli_env_open(&env);
    if (status != CLI_OK)
        return status;
    struct kluis_err err = {0};
    struct kluis_purge_report *r = NULL;
    if (kluis_purge(env.engine, a.dry_run, &r, &err) != KLUIS_OK) {
        status = cli_fail(cmd, &err);
    } else {
        if (a.as_json)
            print_json(r);
        else
            print_text(r);
        if (r->keys_pending) {
            cli_error(cmd, "the records are gone, but their keys are not destroyed yet: %s",
                      r->keys_error.message);
            fprintf(stderr, "  hint: the next purge, or opening the store, tries again\n");
            status = CLI_FAIL;
        }
        if (fflush(stdout) != 0) {
            cli_error(cmd, "cannot write the report");
            status = CLI_FAIL;
        }
    }
    kluis_purge_report_free(r);
    cli_env_close(&env);
    return status;
}
