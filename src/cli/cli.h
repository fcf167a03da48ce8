/*
 * cli — the kluis tool. Written only against the public API (include/kluis/). Each command is a
 * function taking its own argv (argv[0] is the command name) and returning the exit status:
 * 0 success, 1 findings or refusal (the reason on stderr), 2 usage error.
 */
#ifndef KLUIS_CLI_H
#define KLUIS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kluis/kluis.h"
#include "kluis/engine.h"

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

/* The command table (cli_main.c). A subcommand's name ("tenant add") finds its command. */
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

/* Reads the file at path (stdin when NULL or "-"), at most max bytes, NUL-terminated, into a
 * malloc'd *out_buf. Returns CLI_OK or CLI_FAIL (reported). */
int cli_read_file(const char *cmd, const char *path, size_t max, char **out_buf, size_t *out_len);

struct json_t; /* <jansson.h> */

/* Prints o to stdout as indented JSON in its own key order, then a newline; frees o. */
void cli_print_json(struct json_t *o);

/* Prints findings as `FILE:LINE:COL: severity: [rule] message` lines to stream. */
void cli_print_findings(FILE *stream, const struct kluis_findings *f);

/* Loads a policy: a policy with parse or schema errors is refused (its findings and the error on
 * stderr, NULL returned). With check (a command that renders it), check errors do not stop it,
 * but are announced on stderr. */
struct kluis_policy *cli_load_policy(const char *cmd, const char *path, bool check);

/* ---- Commands that use a store (cli_store.c) ------------------------------------------- */

struct option; /* <getopt.h> */

/* getopt_long values of the options every store command takes. */
enum {
    CLI_OPT_DB = 0x100,
    CLI_OPT_POLICY,
    CLI_OPT_NOW,
    CLI_OPT_KEYS,
    CLI_OPT_FIRST_FREE, /* a command's own long-only options start here */
};

/*
 * What a store command runs in: the store, the policy and the clock, from the common options or
 * their environment variables (KLUIS_DB, KLUIS_POLICY, KLUIS_NOW), and, once opened, the policy
 * and the engine.
 */
struct cli_env {
    const char *cmd;         /* for messages: "record put" */
    const char *db;          /* --db, else NULL */
    const char *keys;        /* --keys, else NULL */
    char keys_buf[4200];     /* the key store's path when derived from the store's */
    const char *policy_path; /* --policy, else NULL */
    const char *now_text;    /* --now, else NULL */
    int64_t now;
    struct kluis_policy *policy;
    struct kluis_engine *engine;
};

void cli_env_init(struct cli_env *env, const char *cmd);

/* Takes a command's own option c (a getopt_long value) and its argument, if any; returns -1 to
 * go on, or the exit status (after reporting). */
typedef int cli_option_fn(const char *cmd, int c, const char *arg, void *ctx);

/*
 * Parses the options of cmd in argv (argv[0] is the command name). opts are the command's own
 * long options, ended by a zeroed entry (NULL: none), short_opts its own short ones in getopt
 * form ("n", "o:"; NULL: none). -h/--help is added, and with env (NULL for a command without a
 * store) the store options --db, --policy and --now, taken into env. Each own option goes, in
 * order, to on_opt(cmd, c, arg, ctx). Returns -1 when the options are done (optind is then the
 * first operand), else the exit status: CLI_OK after the help, CLI_USAGE for an unknown option or
 * a missing value, or what on_opt returned.
 */
int cli_parse_options(const char *cmd, struct cli_env *env, int argc, char **argv,
                      const char *short_opts, const struct option *opts, cli_option_fn *on_opt,
                      void *ctx);

/* The store URL: --db, else $KLUIS_DB, else "sqlite:kluis.db". */
const char *cli_env_db(const struct cli_env *env);

/* The file of a sqlite: URL (or a bare path) without its options, in buf; NULL for others. */
const char *cli_sqlite_path(const char *url, char *buf, size_t size);

/* The key store's path: option, else $KLUIS_KEYS, else beside an SQLite store (PATH.keys), else
 * "kluis.keys". buf holds a derived path. */
const char *cli_keys_path(const char *option, const char *db_url, char *buf, size_t size);

/* The key store of a store command (cli_keys_path of --keys and the store). */
const char *cli_env_keys(struct cli_env *env);

/*
 * Resolves the clock (--now, $KLUIS_NOW, else the real time), loads the policy (a policy with
 * parse or schema errors is refused, its findings on stderr) and opens the engine on the store.
 * Returns CLI_OK, or the exit status after reporting: CLI_USAGE for a malformed time, CLI_FAIL
 * for everything else.
 */
int cli_env_open(struct cli_env *env);

/* Closes the engine and frees the policy; safe after a failed or no cli_env_open(). */
void cli_env_close(struct cli_env *env);

/* Reports err for the command and returns CLI_FAIL. */
int cli_fail(const char *cmd, const struct kluis_err *err);

/* Parses a decimal record or hold id (1 .. UINT64_MAX); false for anything else. */
bool cli_parse_id(const char *s, uint64_t *out_id);

/* Splits "KEY=VALUE" at the first '=' into a malloc()ed key and a pointer into s; false when
 * there is no '=', or the key or value is empty, or out of memory. */
bool cli_parse_link(const char *s, struct kluis_link *out_link);

/* Runs a command with subcommands: argv[1] names one of subs; "kluis CMD --help" prints help. */
struct cli_subcommand {
    const char *name;
    int (*run)(const char *cmd, int argc, char **argv); /* cmd: "tenant add" */
};
int cli_dispatch(const char *cmd, const struct cli_subcommand *subs, size_t n_subs, int argc,
                 char **argv);

/* The demo's policy: examples/000-mail-assistant.yaml, embedded by embed.py at build time. */
extern const char cli_demo_policy[];
extern const size_t cli_demo_policy_len;

/* Commands. */
int cli_cmd_check(int argc, char **argv);
int cli_cmd_statement(int argc, char **argv);
int cli_cmd_register(int argc, char **argv);
int cli_cmd_tenant(int argc, char **argv);
int cli_cmd_hold(int argc, char **argv);
int cli_cmd_record(int argc, char **argv);
int cli_cmd_event(int argc, char **argv);
int cli_cmd_purge(int argc, char **argv);
int cli_cmd_subject(int argc, char **argv);
int cli_cmd_demo(int argc, char **argv);
int cli_cmd_fernet(int argc, char **argv);
int cli_cmd_audit(int argc, char **argv);
int cli_cmd_keys(int argc, char **argv);
int cli_cmd_request(int argc, char **argv);
int cli_cmd_consent(int argc, char **argv);
int cli_cmd_approval(int argc, char **argv);
int cli_cmd_apikey(int argc, char **argv);
int cli_cmd_serve(int argc, char **argv);
int cli_cmd_scrub(int argc, char **argv);
/* kluis subject ident | ledger (cli_rights.c). */
int cli_subject_ident(const char *cmd, int argc, char **argv);
int cli_subject_ledger(const char *cmd, int argc, char **argv);

#endif /* KLUIS_CLI_H */
