/*
 * cli — the kluis tool. Written only against the public API (include/kluis/). Each command is a
 * function taking its own argv (argv[0] is the command name) and returning the exit status:
 * 0 success, 1 findings or refusal (the reason on stderr), 2 usage error.
 */
#ifndef KLUIS_CLI_H
#define KLUIS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kluis/kluis.h"

enum {
    CLI_OK = 0,
    CLI_FAIL = 1,
    CLI_USAGE = 2,
};

struct cli_command {
    const char *name;
    const char *summary; /* one line for `kluis --help` */
    const char *help;    /* the full text for `kluis COMMAND --help` */
    int (*run)(int argc, char **argv);
};

/* The command table (cli_main.c). */
const struct cli_command *cli_find_command(const char *name);

/* Prints "kluis NAME: " and the message to stderr (printf-style). */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints err (message, detail, hint) to stderr, prefixed with the command. */
void cli_report(const char *cmd, const struct kluis_err *err);

/* Usage error: prints the message and "try 'kluis CMD --help'"; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints a command's help text to stdout; returns CLI_OK. */
int cli_help(const char *cmd);

/* The policy path: the positional argument, else $KLUIS_POLICY, else "kluis.yaml". */
const char *cli_policy_path(const char *positional);

/*
 * Writes text to the file at path atomically, or to stdout when path is NULL or "-".
 * Returns CLI_OK or CLI_FAIL (reported).
 */
int cli_write_output(const char *cmd, const char *path, const char *text, size_t len);

/* Prints findings as `FILE:LINE:COL: severity: [rule] message` lines to stream. */
void cli_print_findings(FILE *stream, const struct kluis_findings *f);

/* Loads a policy for a command that renders it: prints load findings and returns NULL on error.
 * Check errors do not stop rendering, but are announced on stderr. */
struct kluis_policy *cli_load_policy(const char *cmd, const char *path);

/* Commands. */
int cli_cmd_check(int argc, char **argv);
int cli_cmd_statement(int argc, char **argv);
int cli_cmd_register(int argc, char **argv);

#endif /* KLUIS_CLI_H */
