/*
 * kluis — the command-line tool: dispatch, global help and version.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* The part of the help every store command shares. */
#define STORE_HELP                                                                                 \
    "Store options (each one wins over its environment variable):\n"                               \
    "  --db URL          the store: sqlite:PATH (KLUIS_DB; default sqlite:kluis.db)\n"             \
    "  --keys PATH       the key store, kept apart from the data (KLUIS_KEYS; default: the\n"      \
    "                    store's path + .keys); mode 0600, refused when others can read it\n"      \
    "  --policy FILE     the policy (KLUIS_POLICY; default kluis.yaml)\n"                          \
    "  --now RFC3339     the engine's clock (KLUIS_NOW; default the current time); a bare\n"       \
    "                    date (2026-11-23) is noon UTC that day\n"

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
    {"tenant", "add a tenant (a customer) or change one of its settings",
     "Usage: kluis tenant add TENANT [--country CC] [--set SETTING]... [STORE OPTIONS]\n"
     "       kluis tenant set TENANT SETTING [STORE OPTIONS]\n"
     "\n"
     "A tenant is a customer of the organisation; every record belongs to one. A SETTING is\n"
     "  CATEGORY.retention=DURATION       the tenant's period, within the policy's bounds\n"
     "  CATEGORY.storage=stored|transient where the policy lets the tenant choose\n"
     "Changing a setting recomputes the expiry of the tenant's records of that category. A\n"
     "setting the policy does not allow is refused with the bound it crosses (exit 1); 'tenant\n"
     "add' then adds nothing.\n"
     "\n"
     "Options:\n"
     "  --country CC      ISO 3166-1 code (NL, BE, ...): which country's legal minimums apply\n"
     "  --set SETTING     a setting for the new tenant (repeatable)\n"
     "  -h, --help        show this help\n" STORE_HELP,
     cli_cmd_tenant},
    {"hold", "place or release a legal hold on a tenant's records",
     "Usage: kluis hold add --tenant T [--subject S] [--category C] --reason TEXT\n"
     "                      [STORE OPTIONS]\n"
     "       kluis hold release ID [STORE OPTIONS]\n"
     "\n"
     "A legal hold keeps records whatever their retention (litigation, an investigation) until\n"
     "it is released. 'hold add' narrows it to a subject and/or a category and prints only the\n"
     "hold's id on stdout; 'hold release' releases it, and the records' retention applies again.\n"
     "\n"
     "Options:\n"
     "  --tenant T        the tenant whose records are held\n"
     "  --subject S       only the records of this subject\n"
     "  --category C      only the records of this category\n"
     "  --reason TEXT     why the records must be kept (required)\n"
     "  -h, --help        show this help\n" STORE_HELP,
     cli_cmd_hold},
    {"record", "store a record, or read one for a purpose",
     "Usage: kluis record put --tenant T --subject S --category C [--link KEY=VALUE]...\n"
     "                        [--value TEXT | --value-file FILE] [STORE OPTIONS]\n"
     "       kluis record get --tenant T --purpose P [--ground G] ID [STORE OPTIONS]\n"
     "\n"
     "'record put' stores a value of a category of the policy and prints only the new record's\n"
     "id on stdout. Its expiry follows the category's retention rule; links (integration=gmail-1,\n"
     "draft=42) let events find it. Refused (exit 1): a category the policy does not know, a\n"
     "transient category, an unknown tenant.\n"
     "\n"
     "'record get' writes the value to stdout, byte for byte, when the purpose gate lets it\n"
     "through: the policy lets the purpose use the category; the subject has not restricted\n"
     "processing (art. 18) or an art. 18(2) ground is named with --ground; the subject has not\n"
     "objected to the purpose (art. 21); a consent purpose has the subject's consent; a record\n"
     "that waits for a person (AI drafts, art. 22) was approved. Each refusal says why (exit 1)\n"
     "and is an audit entry. A record of another tenant, a missing one and one past its expiry\n"
     "are all 'not found' (exit 1).\n"
     "\n"
     "Options:\n"
     "  --tenant T            the tenant\n"
     "  --subject S           the data subject's reference (kept only as a keyed hash)\n"
     "  --category C          the category\n"
     "  --link KEY=VALUE      a link events can match (repeatable)\n"
     "  --value TEXT          the value (default: empty)\n"
     "  --value-file FILE     read the value from FILE; '-' is stdin\n"
     "  --purpose P           the purpose the value is read for\n"
     "  --ground G            read a restricted subject's record on an art. 18(2) ground:\n"
     "                        consent, legal-claims, others-rights, public-interest (audited)\n"
     "  -h, --help            show this help\n" STORE_HELP,
     cli_cmd_record},
    {"event", "report an event that retention rules wait for",
     "Usage: kluis event --tenant T NAME [--purpose P] [--subject S] [--link KEY=VALUE]\n"
     "                   [--json] [STORE OPTIONS]\n"
     "\n"
     "Records that NAME happened (draft.approved, integration.removed, account.closed, or the\n"
     "built-in consent.withdrawn and subject.objected with --purpose) and recomputes the expiry\n"
     "of the tenant's records it concerns: those of the subject, or carrying the link, or every\n"
     "record of the tenant when it names neither. Prints 'NAME: N records affected' on stderr.\n"
     "An event the policy does not declare is refused (exit 1).\n"
     "\n"
     "Options:\n"
     "  --tenant T            the tenant\n"
     "  --purpose P           the purpose, for consent.withdrawn and subject.objected\n"
     "  --subject S           only the records of this subject\n"
     "  --link KEY=VALUE      only the records carrying this link\n"
     "  --json                print {tenant, event, purpose, link, at, affected} on stdout\n"
     "  -h, --help            show this help\n" STORE_HELP,
     cli_cmd_event},
    {"purge", "remove every record past its expiry",
     "Usage: kluis purge [--dry-run] [--json] [STORE OPTIONS]\n"
     "\n"
     "Removes every record whose expiry has passed and that no legal minimum or hold keeps, and\n"
     "stores a receipt. Prints one line per tenant and category,\n"
     "  TENANT  CATEGORY  N removed\n"
     "then 'total: N removed' and 'oldest remaining: TIME' (the earliest expiry still stored, or\n"
     "'none').\n"
     "\n"
     "Options:\n"
     "  -n, --dry-run     change nothing; say what 'would be removed'\n"
     "  --json            print {at, dry_run, counts: [{tenant, category, removed}], total,\n"
     "                    oldest_remaining} on stdout\n"
     "  -h, --help        show this help\n" STORE_HELP,
     cli_cmd_purge},
    {"subject", "export or erase everything a tenant holds on a data subject",
     "Usage: kluis subject export --tenant T SUBJECT [--format json|csv] [-o FILE]\n"
     "                            [STORE OPTIONS]\n"
     "       kluis subject erase --tenant T SUBJECT [--json] [STORE OPTIONS]\n"
     "       kluis subject ident --tenant T SUBJECT (--email E | --phone P) [STORE OPTIONS]\n"
     "       kluis subject ledger --tenant T (SUBJECT | --email E | --phone P) [STORE OPTIONS]\n"
     "\n"
     "'export': every live record the tenant holds on SUBJECT (art. 15 and 20), as JSON or CSV.\n"
     "A subject kluis holds nothing on gives an empty list. The export is an audit entry.\n"
     "\n"
     "'erase' (art. 17): removes every record of SUBJECT that may go and keeps what the law\n"
     "makes the organisation keep (a legal minimum still running, art. 17(3)(b), or a legal\n"
     "hold), printing per category what was erased and what is kept until when. The subject's\n"
     "data keys of every category of which nothing is kept are destroyed (crypto-shredding: no\n"
     "copy of the data store, backups included, can be read for them any more); when nothing is\n"
     "kept, its audit pseudonym key too. The erasure is recorded in the key store and applied\n"
     "again to any data store opened later (a restored backup).\n"
     "\n"
     "'ident' links a lookup identifier (an e-mail address or a phone number, normalised) to\n"
     "SUBJECT as a keyed hash, never in clear, so that a request can name the subject by it.\n"
     "'ledger' prints the subject's consents, objections and restrictions as JSON.\n"
     "\n"
     "Options:\n"
     "  --tenant T            the tenant\n"
     "  --email E, --phone P  ident, ledger: the identifier\n"
     "  --format json|csv     export: the format (default: json)\n"
     "  -o, --output FILE     export: write to FILE (atomically) instead of stdout\n"
     "  --json                erase: print the report as JSON\n"
     "  -h, --help            show this help\n" STORE_HELP,
     cli_cmd_subject},
    {"request", "data-subject requests: open, verify, extend, fulfil, reject, forward, lift",
     "Usage: kluis request open --tenant T (--subject S | --email E | --phone P) --type TYPE\n"
     "                          [--purpose P]... [--lang nl|en] [STORE OPTIONS]\n"
     "       kluis request list [--tenant T] [--overdue] [--json] [STORE OPTIONS]\n"
     "       kluis request show ID [--tenant T] [--json] [STORE OPTIONS]\n"
     "       kluis request verify ID [--method M] [STORE OPTIONS]\n"
     "       kluis request extend ID --reason TEXT [STORE OPTIONS]\n"
     "       kluis request fulfil ID [--record RID (--value V | --value-file F)]...\n"
     "                               [--continue PURPOSE --grounds TEXT]...\n"
     "                               [--out DIR | [-o FILE] [--format json|csv]] [STORE OPTIONS]\n"
     "       kluis request reject ID --reason TEXT [STORE OPTIONS]\n"
     "       kluis request forward ID [STORE OPTIONS]\n"
     "       kluis request lift ID --subject-told [STORE OPTIONS]\n"
     "\n"
     "TYPE is access, rectification, erasure, restriction, portability, objection or\n"
     "withdrawal (of consent). 'open' prints only the request id. A request is due one calendar\n"
     "month after its receipt date (the date in the controller's time zone): the same day-number,\n"
     "the month's last day where there is none, moved past Saturdays, Sundays and public\n"
     "holidays of the controller's country (NL, BE) - or earlier where the policy promises less.\n"
     "Where the organisation only processes the subject's data for the customer, the request\n"
     "runs on the customer's calendar and is forwarded to it (art. 28(3)(e)).\n"
     "\n"
     "  verify   the requester's identity was checked; --method names how (account_login,\n"
     "           email_confirmation, id_document, in_person; default: the policy's)\n"
     "  extend   once, with a reason, before the first deadline runs out: due three months\n"
     "           after receipt (art. 12(3))\n"
     "  fulfil   a verified request. access/portability: the answer with every record and\n"
     "           (access) the art. 15 information; erasure: what was erased and what is kept,\n"
     "           why and until when; rectification: --record/--value pairs; restriction: the\n"
     "           data is kept but refused to every purpose but art. 18(2)'s, and not purged;\n"
     "           objection: each purpose stops, or continues with --continue P --grounds TEXT\n"
     "           (never direct marketing, which stops at receipt); withdrawal: consent ends.\n"
     "           Prints the answer as JSON; --out DIR writes DIR/answer.json and DIR/records.csv.\n"
     "  reject   with the reason, the right to complain and the authorities (art. 12(4))\n"
     "  forward  a processor request went to the customer, who answers it\n"
     "  lift     ends a restriction, after the subject was told (art. 18(3))\n"
     "\n"
     "Every step is an audit entry; the reasons stay in the request, not in the log.\n"
     "\n"
     "Options:\n"
     "  --tenant T            the tenant (show, list: default every tenant's, the operator's "
     "view)\n"
     "  --subject S           the subject's reference; or --email E / --phone P (subject ident)\n"
     "  --purpose P           objection, withdrawal: a purpose it concerns (repeatable)\n"
     "  --lang nl|en          the language of the answer's information (default nl)\n"
     "  --overdue             list: only open requests past their due date\n"
     "  --json                list: as JSON (show always prints JSON)\n"
     "  -h, --help            show this help\n" STORE_HELP,
     cli_cmd_request},
    {"consent", "give or withdraw a subject's consent for a purpose",
     "Usage: kluis consent give --tenant T (--subject S | --email E | --phone P) --purpose P\n"
     "                          [--text-version V] [STORE OPTIONS]\n"
     "       kluis consent withdraw --tenant T (--subject S | --email E | --phone P) --purpose P\n"
     "                              [STORE OPTIONS]\n"
     "       kluis consent show --tenant T (--subject S | --email E | --phone P) [STORE OPTIONS]\n"
     "\n"
     "The consent ledger (art. 7): who gave or withdrew consent for which purpose, when, and\n"
     "which version of the consent text they saw (default: the policy's version). A withdrawal\n"
     "takes effect at once: the purpose gate refuses the purpose, and the event\n"
     "consent.withdrawn(P) starts the retention clocks that wait for it. 'show' prints the\n"
     "subject's ledger as JSON.\n"
     "\n"
     "Options:\n"
     "  --tenant T            the tenant\n"
     "  --subject S           the subject's reference; or --email E / --phone P\n"
     "  --purpose P           a purpose based on consent\n"
     "  --text-version V      the version of the consent text shown\n"
     "  -h, --help            show this help\n" STORE_HELP,
     cli_cmd_consent},
    {"approval", "the queue of records that wait for a person (AI drafts, art. 22)",
     "Usage: kluis approval list --tenant T [--json] [STORE OPTIONS]\n"
     "       kluis approval approve ID --tenant T --by USER [STORE OPTIONS]\n"
     "       kluis approval skip ID --tenant T --by USER [STORE OPTIONS]\n"
     "\n"
     "Records of a category with 'approval: true' cannot be read for any purpose until a\n"
     "person approves them. 'list' shows what waits (ids, categories, links; no values).\n"
     "'approve' releases the record; 'skip' keeps it from use. Both are audit entries with the\n"
     "approver's name and fire draft.approved or draft.skipped (when the policy declares them)\n"
     "for the record's subject and first link, which start the retention clocks that wait on\n"
     "them (\"30 days after approval\"). Over HTTP the approver is the API key's principal.\n"
     "\n"
     "Options:\n"
     "  --tenant T            the tenant\n"
     "  --by USER             who decides\n"
     "  --json                list: as JSON\n"
     "  -h, --help            show this help\n" STORE_HELP,
     cli_cmd_approval},
    {"apikey", "make, list and revoke the API keys of kluis serve",
     "Usage: kluis apikey create (--tenant T | --operator) --role ROLE --name PRINCIPAL\n"
     "                           [STORE OPTIONS]\n"
     "       kluis apikey list [--tenant T | --operator | --all] [STORE OPTIONS]\n"
     "       kluis apikey revoke ID [--tenant T | --operator] [STORE OPTIONS]\n"
     "\n"
     "'create' makes a key for a tenant (or, with --operator, for the operator's own work:\n"
     "tenants, purge, the requests it answers as controller), a role and a named principal, and\n"
     "prints only the key (base64url) on stdout: it is shown once; kluis keeps only its\n"
     "HMAC-SHA256. The principal is who the audit log and the approvals name. Roles: app\n"
     "(records, events), approver (approve and skip), dpo (requests, consent, exports, audit),\n"
     "admin (the tenant's settings and keys).\n"
     "'list' prints the keys as JSON (never a key); 'revoke' ends one at once.\n"
     "\n"
     "Options:\n"
     "  --tenant T            the tenant the key is bound to\n"
     "  --operator            a key bound to no tenant\n"
     "  --all                 list: every key\n"
     "  --role ROLE           app, approver, dpo or admin\n"
     "  --name PRINCIPAL      who uses the key\n"
     "  -h, --help            show this help\n" STORE_HELP,
     cli_cmd_apikey},
    {"serve", "serve the HTTP JSON API (bearer API keys, tenant isolation, metrics)",
     "Usage: kluis serve [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE]\n"
     "                   [--allow-plain-http] [--threads N] [--body-max BYTES]\n"
     "                   [--timeout SECONDS] [--rate-limit N [--rate-burst N]] [--log FILE]\n"
     "                   [STORE OPTIONS]\n"
     "       kluis serve --routes\n"
     "\n"
     "Serves the JSON API under /v1/ (docs/openapi.yaml) on the store, and prints the URL on\n"
     "stdout. Every route but /healthz needs 'Authorization: Bearer KEY' (kluis apikey create);\n"
     "the tenant and the principal come from the key only. With a certificate and key it\n"
     "serves HTTPS with HSTS; plain HTTP only on a loopback address, unless --allow-plain-http\n"
     "(behind a TLS-terminating proxy). Access and error logs are JSON lines without personal\n"
     "data. Each API key may make --rate-limit requests a second, in bursts of --rate-burst,\n"
     "and so may each client address in requests without a valid key: over it, 429 with\n"
     "Retry-After. SIGTERM or SIGINT: stop accepting, finish the requests in flight, close\n"
     "the store.\n"
     "With --now (KLUIS_NOW) the engine's clock stays fixed (tests, demos).\n"
     "\n"
     "Options (each with its environment variable):\n"
     "  --listen HOST:PORT    where to listen (KLUIS_LISTEN; default 127.0.0.1:8080; port 0:\n"
     "                        any free one)\n"
     "  --tls-cert FILE       PEM certificate (KLUIS_TLS_CERT)\n"
     "  --tls-key FILE        PEM private key (KLUIS_TLS_KEY)\n"
     "  --allow-plain-http    plain HTTP off loopback (KLUIS_ALLOW_PLAIN_HTTP=1)\n"
     "  --threads N           worker threads (KLUIS_THREADS; default 4)\n"
     "  --body-max BYTES      largest request body (KLUIS_BODY_MAX; default 1048576)\n"
     "  --timeout SECONDS     close a connection idle this long (KLUIS_TIMEOUT; default 30)\n"
     "  --rate-limit N        requests a second of each key, and of each address without a\n"
     "                        valid key (KLUIS_RATE_LIMIT; default 1000; 0: no limit)\n"
     "  --rate-burst N        the most requests at once (KLUIS_RATE_BURST; default twice\n"
     "                        --rate-limit)\n"
     "  --log FILE            JSON log lines (KLUIS_LOG; default stderr)\n"
     "  --routes              print the routes (METHOD PATH ROLES) and exit\n"
     "  -h, --help            show this help\n" STORE_HELP,
     cli_cmd_serve},
    {"audit", "verify the audit log, sign checkpoints, prove entries",
     "Usage: kluis audit verify [--against CHECKPOINT] [--json] [STORE OPTIONS]\n"
     "       kluis audit checkpoint | pubkey [STORE OPTIONS]\n"
     "       kluis audit prove SEQ [--size N] [--tenant T] [STORE OPTIONS]\n"
     "       kluis audit consistency M N [STORE OPTIONS]\n"
     "       kluis audit log [--tenant T] [--from SEQ] [STORE OPTIONS]\n"
     "       kluis audit check (--key VKEY | --key-file FILE) [PROOF]\n"
     "\n"
     "Every action on personal data is one entry of an RFC 9162 Merkle tree; each transaction\n"
     "signs a C2SP checkpoint of the tree with the log's Ed25519 key (kept in the key store).\n"
     "\n"
     "'verify' recomputes the tree from the entries and checks every stored checkpoint, and\n"
     "CHECKPOINT (a note the auditor kept) when given: exit 0 when all holds, 1 naming the first\n"
     "bad entry. 'checkpoint' prints a signed checkpoint of the log now; 'pubkey' the key that\n"
     "verifies them. 'prove' prints an inclusion proof of entry SEQ (JSON: the entry, its leaf\n"
     "hash, the proof and a checkpoint of size N, default the whole log); 'consistency' a proof\n"
     "that the log of N entries extends that of M. 'log' prints the entries, one per line (with\n"
     "--tenant only that tenant's). 'check' verifies a proof with the public key alone: no store.\n"
     "\n"
     "Options:\n"
     "  --against FILE    verify: also check this checkpoint note\n"
     "  --json            verify: print {ok, entries, checkpoints, first_bad, problem}\n"
     "  --size N          prove: in the log's first N entries\n"
     "  --tenant T        prove, log: only this tenant's entries\n"
     "  --from SEQ        log: start at entry SEQ\n"
     "  --key VKEY        check: the verification key ('kluis audit pubkey')\n"
     "  --key-file FILE   check: the same, from a file\n"
     "  -h, --help        show this help\n" STORE_HELP,
     cli_cmd_audit},
    {"keys", "manage the key classes of the key store",
     "Usage: kluis keys init | rewrap | list [STORE OPTIONS]\n"
     "       kluis keys rotate CLASS [STORE OPTIONS]\n"
     "       kluis keys retire CLASS VERSION [STORE OPTIONS]\n"
     "\n"
     "Key classes come from the policy's key_classes (plus 'default' for categories that name\n"
     "none). Each subject's data of a category is encrypted under its own data key, wrapped by\n"
     "the newest version of its class's key. 'init' makes version 1 of every class that has\n"
     "none; 'rotate' makes a new version (new data keys are wrapped under it); 'rewrap' moves\n"
     "every data key to its class's newest version; 'retire' destroys an older version once no\n"
     "data key uses it (refused while one does). Rotate, rewrap and retire in epochs, so that\n"
     "old key-store backups become useless as the epochs pass. Each operation is an audit entry.\n"
     "\n"
     "Options:\n"
     "  -h, --help        show this help\n" STORE_HELP,
     cli_cmd_keys},
    {"demo", "build a populated example store and watch a month of retention",
     "Usage: kluis demo [--db URL] [--records N] [--fresh]\n"
     "\n"
     "Creates a store from the built-in example policy (examples/000-mail-assistant.yaml): NL\n"
     "and BE tenants with their settings, thousands of data subjects with mail metadata, AI\n"
     "drafts, WhatsApp messages, transcripts, calendar events and tokens; then moves the clock\n"
     "day by day through November 2026 with events (drafts approved or skipped, an integration\n"
     "removed, an account closed, transcriptions completed), purging each day, and prints per\n"
     "category what was kept and removed and why. The names and addresses are generated and\n"
     "fictional; the run is the same every time.\n"
     "\n"
     "Options:\n"
     "  --db URL          the store (KLUIS_DB; default sqlite:kluis-demo.db?synchronous=normal)\n"
     "  --records N       about N records per tenant (default 5000)\n"
     "  --fresh           delete an existing demo store first\n"
     "  -h, --help        show this help\n"
     "\n"
     "An existing non-empty store is not reused without --fresh (exit 1).\n",
     cli_cmd_demo},
    {"fernet", "make and open Fernet tokens, make keys, rotate tokens to a new key",
     "Usage: kluis fernet encrypt --key-file FILE [--now RFC3339]\n"
     "       kluis fernet decrypt --key-file FILE [--ttl SECONDS] [--now RFC3339]\n"
     "       kluis fernet rotate --key-file FILE [--now RFC3339]\n"
     "       kluis fernet keygen\n"
     "\n"
     "Fernet tokens (https://github.com/fernet/spec), as Python's cryptography.fernet makes\n"
     "and opens them; kluis accepts only the canonical base64url spelling of a token.\n"
     "\n"
     "'encrypt' reads a message from stdin and prints its token (and a newline) under the\n"
     "first key. 'decrypt' reads one token from stdin (a final newline is ignored) and writes\n"
     "the message to stdout, byte for byte; any key of the file may open it. 'rotate' reads\n"
     "tokens, one per line, and prints each re-encrypted under the first key with its original\n"
     "time, in the same order; nothing is printed unless every line rotates. 'keygen' prints a\n"
     "new random key.\n"
     "\n"
     "The key file holds one or more keys (44 characters of base64url each, as 'keygen'\n"
     "prints them), one per line; empty lines are skipped. The first key encrypts, every key\n"
     "decrypts (MultiFernet): put a new key first and keep the old ones after it until\n"
     "'rotate' has moved every token.\n"
     "\n"
     "Options:\n"
     "  --key-file FILE   the keys\n"
     "  --ttl SECONDS     refuse a token older than SECONDS (decrypt; default: no limit)\n"
     "  --now RFC3339     the clock (KLUIS_NOW; default the current time)\n"
     "  -h, --help        show this help\n"
     "\n"
     "A token is always refused when its time is more than 60 seconds after now.\n"
     "Exit status: 0 success, 1 refused (an invalid or expired token, the reason on stderr)\n"
     "or another failure, 2 usage error.\n",
     cli_cmd_fernet},
    {"scrub", "redact personal data (e-mail, phone, IBAN, BSN, …) in text, line by line",
     "Usage: kluis scrub [--mode type|format|pseudonym] [--key-file FILE] [--known FILE]\n"
     "                   [--strict] [--json] [FILE]\n"
     "\n"
     "Reads text from FILE (or stdin) and writes it to stdout with the personal data in it\n"
     "redacted: e-mail addresses, phone numbers (NL, BE, international), IBANs, BSNs,\n"
     "Belgian national register and BIS numbers, KvK numbers, Dutch and Belgian VAT and\n"
     "enterprise numbers, payment card numbers, IP addresses, Dutch postcodes, and the\n"
     "values of --known. docs/scrub.md gives every rule and its source.\n"
     "\n"
     "Each line goes out as soon as it is complete; memory stays bounded however long a\n"
     "line is. Bytes that are not personal data, invalid UTF-8 and NUL included, pass\n"
     "through unchanged, and valid UTF-8 stays valid.\n"
     "\n"
     "Options:\n"
     "  --mode type       replace each finding by its type: [IBAN] (the default)\n"
     "  --mode format     keep the shape: NL** **** **** **** 00\n"
     "  --mode pseudonym  a keyed pseudonym, the same for the same value: <EMAIL:4f1c2a>\n"
     "  --key-file FILE   the pseudonym key: 16 to 256 bytes (a final newline is ignored)\n"
     "  --known FILE      known values to redact, one per line (names, e-mail addresses,\n"
     "                    phone numbers of your data subjects), matched as whole words\n"
     "                    regardless of ASCII case\n"
     "  --strict          redact every 9-digit number that passes the 11-test, not only\n"
     "                    those near a word such as BSN or burgerservicenummer\n"
     "  --json            print the findings, not the text: for each line with any,\n"
     "                    {\"line\", \"spans\": [{\"start\", \"end\", \"type\", \"validator\"}]}\n"
     "                    (byte offsets in the line; never the values)\n"
     "  -h, --help        show this help\n"
     "\n"
     "Exit status: 0 success, 1 failure (unreadable input or key), 2 usage error.\n",
     cli_cmd_scrub},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cli_command *cli_find_command(const char *name)
{
    size_t len = strcspn(name, " ");
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strlen(commands[i].name) == len && strncmp(commands[i].name, name, len) == 0)
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
        if (strchr(argv[2], ' ') || !cli_find_command(argv[2])) {
            fprintf(stderr, "kluis: unknown command '%s'\nTry 'kluis --help'.\n", argv[2]);
            return CLI_USAGE;
        }
        return cli_help(argv[2]);
    }
    const struct cli_command *c = strchr(name, ' ') ? NULL : cli_find_command(name);
    if (!c) {
        fprintf(stderr, "kluis: unknown command '%s'\nTry 'kluis --help'.\n", name);
        return CLI_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
