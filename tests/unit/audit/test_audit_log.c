/*
 * The audit log's entry bodies: the engine writes them directly into a buffer, and the bytes
 * must be exactly those jansson's json_dumps(JSON_COMPACT | JSON_SORT_KEYS) gives for the same
 * object — the reference, which the log's earlier entries were made with. Compared here on
 * generated entries: every optional field present or not, extra members of every JSON type
 * (strings with quotes, backslashes, control characters and UTF-8, nested objects, reals),
 * members that sort before, between and after the fixed ones, and C strings the direct writer
 * must leave to jansson.
 *
 * And kluis_audit_verify over a log large enough to be read and checked by two threads: the
 * verdict and the entry it names are those of one thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_internal.h"

static uint64_t rnd_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    uint64_t x = rnd_state += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* A string of n characters drawn from an alphabet that needs every kind of escape. */
static void rnd_text(char *out, size_t n, bool ascii_only)
{
    static const char *const pieces[] = {"a",  "Z",  "0",    "-",    ".",    " ", "/", "\"", "\\",
                                         "\n", "\t", "\x01", "\x1f", "\x7f", "é", "€", "😀",  "~"};
    size_t used = 0, count = ascii_only ? 4 : sizeof(pieces) / sizeof(pieces[0]);
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[rnd() % count];
        size_t l = strlen(p);
        if (used + l >= 64)
            break;
        memcpy(out + used, p, l);
        used += l;
    }
    out[used] = '\0';
}

static json_t *rnd_value(int depth)
{
    char s[64];
    switch (rnd() % (depth > 1 ? 6 : 8)) {
    case 0:
        rnd_text(s, rnd() % 12, false);
        return json_string(s);
    case 1:
        return json_integer((json_int_t)(rnd() % 2 ? rnd() : -(rnd() % 100000)));
    case 2:
        return json_real((double)(rnd() % 100000) / 7.0);
    case 3:
        return json_true();
    case 4:
        return json_null();
    case 5:
        return json_false();
    case 6: {
        json_t *o = json_object();
        for (int i = 0, n = (int)(rnd() % 4); i < n; i++) {
            rnd_text(s, 1 + rnd() % 6, false);
            json_object_set_new(o, s, rnd_value(depth + 1));
        }
        return o;
    }
    default: {
        json_t *a = json_array();
        for (int i = 0, n = (int)(rnd() % 4); i < n; i++)
            json_array_append_new(a, rnd_value(depth + 1));
        return a;
    }
    }
}

static void check_same(const struct kluis__audit_fields *f, json_t *extra, const char *raw_key,
                       const char *raw_json)
{
    size_t n1 = 0, n2 = 0;
    char *direct = kluis__audit_body(f, extra, raw_key, raw_json, false, &n1);
    char *ref = kluis__audit_body(f, extra, raw_key, raw_json, true, &n2);
    assert_non_null(direct);
    assert_non_null(ref);
    assert_string_equal(direct, ref);
    assert_int_equal(n1, n2);
    assert_int_equal(n1, strlen(direct));
    free(direct);
    free(ref);
}

static void test_fixed_fields(void **state)
{
    (void)state;
    const char *actors[] = {"kluis",     "cli:alice",   "a \"quoted\" \\ actor",
                            "tab\there", "caf\xc3\xa9", "bad \xff utf-8"};
    for (unsigned mask = 0; mask < 16; mask++) {
        for (size_t a = 0; a < sizeof(actors) / sizeof(actors[0]); a++) {
            struct kluis__audit_fields f = {
                .seq = mask * 1000003u,
                .at = "2026-01-01T00:00:00Z",
                .actor = actors[a],
                .action = "record.put",
                .result = mask & 8 ? "refused" : "ok",
                .tenant = mask & 1 ? "tenant-01" : NULL,
                .category = mask & 2 ? "mail_meta" : NULL,
                .subject = mask & 4 ? "0123456789abcdef0123456789abcdef" : NULL,
                .record = mask & 1 ? ((uint64_t)7 << 32 | 12) : 0,
            };
            check_same(&f, NULL, NULL, NULL);
        }
    }
}

static void test_extras(void **state)
{
    (void)state;
    /* Keys that sort before, between and after the fixed ones, and random ones. */
    static const char *const keys[] = {"a",       "aa",      "audit_bodies_removed",
                                       "b",       "country", "detail",
                                       "expires", "hold",    "purpose",
                                       "receipt", "records", "z",
                                       "tenant",  "subject", "seq",
                                       "É"};
    for (int iter = 0; iter < 3000; iter++) {
        struct kluis__audit_fields f = {
            .seq = rnd() >> 2,
            .at = "2026-11-23T12:00:00Z",
            .actor = iter % 7 ? "kluis"
                              : "cli:b\xc3\xb8"
                                "b",
            .action = "x.y",
            .result = "ok",
            .tenant = iter % 3 ? "t" : NULL,
            .category = iter % 5 ? "c" : NULL,
            .subject = iter % 2 ? "ffffffffffffffffffffffffffffffff" : NULL,
            .record = iter % 4 ? rnd() >> 1 : 0,
        };
        json_t *extra = json_object();
        for (int i = 0, n = (int)(rnd() % 5); i < n; i++) {
            char k[64];
            if (rnd() % 2)
                snprintf(k, sizeof(k), "%s", keys[rnd() % (sizeof(keys) / sizeof(keys[0]))]);
            else
                rnd_text(k, 1 + rnd() % 5, false);
            json_object_set_new(extra, k, rnd_value(0));
        }
        check_same(&f, json_object_size(extra) || iter % 2 ? extra : NULL, NULL, NULL);
        json_decref(extra);
    }
}

/* An application's detail object, as kluis_audit_append passes it (already canonical). */
static void test_raw_detail(void **state)
{
    (void)state;
    static const char *const details[] = {
        "{}",
        "{\"integration\":\"gmail-42\",\"message\":\"<0123456789abcdef@mail.example>\"}",
        "{\"a\":1,\"b\":[1,2,{\"c\":\"\\u0001\"}],\"z\":null}",
        "{\"msg\":\"caf\xc3\xa9 \\\"x\\\"\"}",
    };
    struct kluis__audit_fields f = {
        .seq = 42,
        .at = "2026-01-01T00:00:00Z",
        .actor = "kluis",
        .action = "mail.sent",
        .result = "ok",
        .tenant = "tenant-03",
        .category = "mail_meta",
        .subject = "00112233445566778899aabbccddeeff",
    };
    for (size_t i = 0; i < sizeof(details) / sizeof(details[0]); i++) {
        json_t *d = json_loads(details[i], 0, NULL);
        assert_non_null(d);
        char *canon = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(d);
        check_same(&f, NULL, "detail", canon);
        free(canon);
    }
}

/* ---- Verify, read and checked by two threads (logs of 65536 entries or more) ---------------- */

#define BIG_LOG 70000

static char db_path[256], keys_path[300];
static struct kluis_policy *policy;

static void remove_store(void)
{
    const char *suffixes[] = {"", "-wal", "-shm", ".keys", ".keys-wal", ".keys-shm"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char p[320];
        snprintf(p, sizeof(p), "%s%s", db_path, suffixes[i]);
        unlink(p);
    }
}

static struct kluis_engine *open_engine(void)
{
    struct kluis_engine *e = NULL;
    assert_int_equal(kluis_engine_open(policy, db_path, keys_path, &e, NULL), KLUIS_OK);
    kluis_engine_set_now(e, 1767225600);
    return e;
}

static int big_setup(void **state)
{
    (void)state;
    static const char yaml[] = "kluis: 1\n"
                               "organisation:\n"
                               "  name: Test B.V.\n"
                               "  address: Teststraat 1, 1234 AB Amsterdam\n"
                               "  country: NL\n"
                               "  contact: {email: privacy@test.example}\n"
                               "  dpo: {appointed: false, reason: {nl: n, en: e}}\n"
                               "categories:\n"
                               "  - id: mail\n"
                               "    name: {nl: Mail, en: Mail}\n"
                               "    role: processor\n"
                               "    retention: 30d\n"
                               "purposes:\n"
                               "  - id: service\n"
                               "    name: {nl: Dienst, en: Service}\n"
                               "    role: processor\n"
                               "    categories: [mail]\n";
    if (kluis_policy_load_buffer(yaml, strlen(yaml), "test.yaml", NULL, &policy, NULL))
        return -1;
    snprintf(db_path, sizeof(db_path), "/tmp/kluis-audit-log-%d.db", (int)getpid());
    snprintf(keys_path, sizeof(keys_path), "%s.keys", db_path);
    remove_store();
    struct kluis_engine *e = open_engine();
    assert_int_equal(kluis_tenant_add(e, "acme", "NL", NULL), KLUIS_OK);
    static struct kluis_audit_input in[1000];
    static char subjects[1000][32];
    for (int b = 0; b < BIG_LOG / 1000; b++) {
        for (int i = 0; i < 1000; i++) {
            snprintf(subjects[i], sizeof(subjects[i]), "s%d@x.example", (b * 1000 + i) % 97);
            in[i] = (struct kluis_audit_input){.tenant = "acme",
                                               .action = "mail.sent",
                                               .subject = subjects[i],
                                               .category = "mail",
                                               .detail = "{\"n\":1}"};
        }
        assert_int_equal(kluis_audit_append(e, in, 1000, NULL), KLUIS_OK);
    }
    kluis_engine_close(e);
    return 0;
}

static int big_teardown(void **state)
{
    (void)state;
    remove_store();
    kluis_policy_free(policy);
    return 0;
}

/* Edits the audit log behind kluis's back (tests/tools/auditlog.py). */
static void log_edit(const char *edit)
{
    const char *tests = getenv("KLUIS_TESTS");
    assert_non_null(tests);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "python3 '%s/tools/auditlog.py' '%s' %s", tests, db_path, edit);
    assert_int_equal(system(cmd), 0);
}

static void verify(struct kluis_audit_report *r)
{
    struct kluis_engine *e = open_engine();
    assert_int_equal(kluis_audit_verify(e, NULL, 0, r, NULL), KLUIS_OK);
    kluis_engine_close(e);
}

/* The log verifies; a body changed in the middle, then an entry removed after it, are named. */
static void test_verify_two_threads(void **state)
{
    (void)state;
    struct kluis_audit_report r;
    verify(&r);
    assert_true(r.ok);
    assert_int_equal(r.size, BIG_LOG + 1); /* and the tenant added */
    assert_int_equal(r.checkpoints, BIG_LOG / 1000 + 1);

    log_edit("replace 40000 '\"n\":1' '\"n\":2'");
    verify(&r);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 40000);
    assert_non_null(strstr(r.problem, "entry 40000 was changed"));

    log_edit("delete 50001");
    verify(&r);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 40000);
    log_edit("replace 40000 '\"n\":2' '\"n\":1'");
    verify(&r);
    assert_false(r.ok);
    assert_int_equal(r.first_bad, 50001);
    assert_non_null(strstr(r.problem, "entry 50001 is missing"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_fields),
        cmocka_unit_test(test_extras),
        cmocka_unit_test(test_raw_detail),
        cmocka_unit_test_setup_teardown(test_verify_two_threads, big_setup, big_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
