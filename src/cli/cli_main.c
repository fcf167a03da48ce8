/*
 * kluis — the command-line tool: dispatch, global help and version.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct cli_command commands[] = {
    {"check", "check a policy against the GDPR rules",
     "Usage: kluis check [--json] [--rules] POLICY...\n"
     "\n"
     "Parses each policy and applies the GDPR rules (docs/policy.md lists them). Findings are\n"
     "printed one per line:\n"
     "  FILE:LINE:COL: error|warning|acknowledged: [RULE] what to change\n"
     "and a summary per file on stderr.\n"
     "\n"
     "Options:\n"
     "  --json      print the findings as JSON on stdout instead\n"
     "  --rules     list the rules (id, article, severity) and exit\n"
     "  -h, --help  show this help\n"
     "\n"
     "Without POLICY, checks $KLUIS_POLICY or kluis.yaml.\n"
     "Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage error.\n",
     cli_cmd_check},
    {"statement", "render the privacy statement (Dutch or English, Markdown or HTML)",
     "Usage: kluis statement [POLICY] [--lang nl|en] [--format md|html] [-o FILE]\n"
     "\n"
     "Renders the full privacy statement (art. 13 and 14 GDPR) from the policy: who we are,\n"
     "every category with its retention in words, purposes and legal bases, recipients and\n"
     "transfers, rights and how to exercise them, complaints, security, cookies, changes.\n"
     "\n"
     "Options:\n"
     "  --lang nl|en        language (default: nl)\n"
     "  --format md|html    Markdown, or a standalone styled HTML page (default: md)\n"
     "  -o, --output FILE   write to FILE (atomically) instead of stdout\n"
     "  -h, --help          show this help\n"
     "\n"
     "Without POLICY, uses $KLUIS_POLICY or kluis.yaml. A policy with schema errors is refused\n"
     "(exit 1); one with GDPR findings is rendered as it is, with a warning on stderr.\n",
     cli_cmd_statement},
    {"register", "render the art. 30 record of processing activities",
     "Usage: kluis register [POLICY] [--format csv|json|md] [--tenant T] [--lang nl|en]\n"
     "                      [-o FILE]\n"
     "\n"
     "Renders the record of processing activities: the controller's record (art. 30(1)),\n"
     "one row per processing activity with columns (a)-(g); with --tenant, the processor's\n"
     "record for that customer (art. 30(2)).\n"
     "\n"
     "Options:\n"
     "  --format csv|json|md   output format (default: csv)\n"
     "  --tenant T             the art. 30(2) record for customer T\n"
     "  --lang nl|en           language of the cell texts (default: en)\n"
     "  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
     "  -h, --help             show this help\n",
     cli_cmd_register},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void main_help(FILE *out)
{
    fprintf(out, "Usage: kluis COMMAND [OPTIONS] [ARGS]\n"
                 "\n"
                 "kluis keeps the promises of a privacy statement: one policy file is checked\n"
                 "against the GDPR, rendered as the statement and the art. 30 register, and\n"
                 "enforced on the data.\n"
                 "\n"
                 "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "Options:\n"
                 "  -h, --help     show this help; 'kluis COMMAND --help' for a command\n"
                 "  --version      show the version\n"
                 "\n"
                 "Exit status: 0 success, 1 findings or refusal, 2 usage error.\n"
                 "See kluis(1) and docs/ for the policy language, CLI and API.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        main_help(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        main_help(stdout);
        return CLI_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("kluis %s\n", kluis_version());
        return CLI_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            main_help(stdout);
            return CLI_OK;
        }
        if (!cli_find_command(argv[2])) {
            fprintf(stderr, "kluis: unknown command '%s'\nTry 'kluis --help'.\n", argv[2]);
            return CLI_USAGE;
        }
        return cli_help(argv[2]);
    }
    const struct cli_command *c = cli_find_command(name);
    if (!c) {
        fprintf(stderr, "kluis: unknown command '%s'\nTry 'kluis --help'.\n", name);
        return CLI_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
