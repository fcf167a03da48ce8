/*
 * C2SP signed notes and tlog checkpoints: the upstream Go and C2SP notes verify, re-signing with a
 * published key reproduces a note byte for byte, the local checkpoints parse and match the 8-leaf
 * tree, and every kind of tampering or malformation is refused with the right code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/kluis.h"
#include "kluis/audit.h"
#include "../vectors.h"

static json_t *load_json(const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "merkle/%s", rel);
    return test_vectors(p);
}

static const char *str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    assert_non_null(s);
    return s;
}

static kluis_rc open_note(const char *note, const struct kluis_note_verifier *v, size_t n_v)
{
    size_t text_len = 0;
    return kluis_note_open(note, strlen(note), v, n_v, &text_len, NULL);
}

/* The text part of a note (up to and including the newline before the blank line). */
static size_t text_len_of(const char *note)
{
    const char *sep = strstr(note, "\n\n\xe2\x80\x94 ");
    assert_non_null(sep);
    return (size_t)(sep - note) + 1;
}

/* ---- Upstream notes ------------------------------------------------------------------------ */

static void test_go_note(void **state)
{
    json_t *all = load_json("signed_note/signed_note_vectors.json");
    json_t *go = json_array_get(all, 0);
    const char *vkey = str(go, "vkey"), *skey = str(go, "skey"), *note = str(go, "note");

    struct kluis_note_verifier v;
    struct kluis_note_signer s;
    assert_int_equal(kluis_note_verifier_parse(vkey, &v, NULL), KLUIS_OK);
    assert_string_equal(v.name, "PeterNeumann");
    assert_int_equal(v.key_id, 0xc74f20a3u);
    assert_int_equal(kluis_note_signer_parse(skey, &s, NULL), KLUIS_OK);
    assert_string_equal(s.name, "PeterNeumann");
    assert_int_equal(s.key_id, 0xc74f20a3u);

    /* The key texts come back as they were; the signer's verifier is the published one. */
    char text[512];
    assert_int_equal(kluis_note_verifier_format(&v, text, sizeof(text), NULL), KLUIS_OK);
    assert_string_equal(text, vkey);
    assert_int_equal(kluis_note_signer_format(&s, text, sizeof(text), NULL), KLUIS_OK);
    assert_string_equal(text, skey);
    assert_int_equal(kluis_note_signer_format(&s, text, strlen(skey), NULL), KLUIS_ETOOBIG);
    struct kluis_note_verifier of;
    kluis_note_verifier_of(&s, &of);
    assert_memory_equal(of.pub, v.pub, 32);
    assert_int_equal(of.key_id, v.key_id);
    assert_string_equal(of.name, v.name);

    size_t tl = 0;
    assert_int_equal(kluis_note_open(note, strlen(note), &v, 1, &tl, NULL), KLUIS_OK);
    assert_int_equal(tl, text_len_of(note));
    assert_memory_equal(note, "If you think", 12);

    /* Ed25519 is deterministic: the same key over the same text gives the same note. */
    char *again = NULL;
    size_t again_len = 0;
    assert_int_equal(kluis_note_sign(&s, note, tl, &again, &again_len, NULL), KLUIS_OK);
    assert_int_equal(again_len, strlen(note));
    assert_string_equal(again, note);
    free(again);
    kluis_note_signer_wipe(&s);
    uint8_t zero[32] = {0};
    assert_memory_equal(s.seed, zero, 32);
    json_decref(all);
}

static void test_c2sp_note(void **state)
{
    json_t *all = load_json("signed_note/signed_note_vectors.json");
    json_t *c2sp = json_array_get(all, 1);
    struct kluis_note_verifier v;
    assert_int_equal(kluis_note_verifier_parse(str(c2sp, "vkey"), &v, NULL), KLUIS_OK);
    assert_string_equal(v.name, "example.com/foo");
    assert_int_equal(v.key_id, 0x530d903au);
    const char *note = str(c2sp, "note");
    size_t tl = 0;
    assert_int_equal(kluis_note_open(note, strlen(note), &v, 1, &tl, NULL), KLUIS_OK);
    assert_int_equal(tl, strlen("This is an example message.\n"));

    /* Verified only by a key it knows: the Go key is a stranger to this note. */
    struct kluis_note_verifier go;
    assert_int_equal(kluis_note_verifier_parse(str(json_array_get(all, 0), "vkey"), &go, NULL),
                     KLUIS_OK);
    assert_int_equal(open_note(note, &go, 1), KLUIS_ECORRUPT);
    struct kluis_note_verifier both[2] = {go, v};
    assert_int_equal(open_note(note, both, 2), KLUIS_OK);
    json_decref(all);
}

/* ---- Checkpoints ------------------------------------------------------------------------------
 */

static void test_checkpoint_vectors(void **state)
{
    json_t *all = load_json("signed_note/checkpoint_local_vectors.json");
    json_t *trees = load_json("generated/rfc6962_8leaf_trees.json");
    json_t *roots = json_object_get(trees, "roots_by_size_hex");
    assert_int_equal(json_array_size(all), 2);
    size_t i;
    json_t *cv;
    json_array_foreach(all, i, cv)
    {
        struct kluis_note_verifier v;
        struct kluis_note_signer s;
        assert_int_equal(kluis_note_verifier_parse(str(cv, "vkey"), &v, NULL), KLUIS_OK);
        assert_int_equal(kluis_note_signer_parse(str(cv, "skey_TEST_ONLY"), &s, NULL), KLUIS_OK);
        const char *note = str(cv, "note");
        size_t tl = 0;
        assert_int_equal(kluis_note_open(note, strlen(note), &v, 1, &tl, NULL), KLUIS_OK);

        struct kluis_checkpoint c;
        assert_int_equal(kluis_checkpoint_parse(note, tl, &c, NULL), KLUIS_OK);
        assert_string_equal(c.origin, "example.com/gdpr-audit-test");
        uint64_t size = (uint64_t)json_integer_value(json_object_get(cv, "tree_size"));
        assert_int_equal(c.size, size);
        /* The root is the 8-leaf tree's at that size, computed here from the leaves. */
        struct kluis_merkle m;
        kluis_merkle_init(&m);
        json_t *data = json_object_get(trees, "leaf_data_hex");
        for (size_t k = 0; k < size; k++) {
            const char *hex = json_string_value(json_array_get(data, k));
            uint8_t entry[64], leaf[KLUIS_HASH_LEN];
            size_t n = strlen(hex) / 2;
            for (size_t b = 0; b < n; b++) {
                unsigned x;
                assert_int_equal(sscanf(hex + 2 * b, "%2x", &x), 1);
                entry[b] = (uint8_t)x;
            }
            kluis_merkle_leaf(entry, n, leaf);
            kluis_merkle_push(&m, leaf);
        }
        uint8_t root[KLUIS_HASH_LEN];
        kluis_merkle_root(&m, root);
        assert_memory_equal(c.root, root, KLUIS_HASH_LEN);
        char hex[2 * KLUIS_HASH_LEN + 1];
        for (size_t b = 0; b < KLUIS_HASH_LEN; b++)
            snprintf(hex + 2 * b, 3, "%02x", c.root[b]);
        assert_string_equal(hex, str(cv, "root_hex"));
        assert_string_equal(hex, json_string_value(json_array_get(roots, size)));

        /* The checkpoint text and the note come back byte for byte. */
        char *text = NULL, *signed_note = NULL;
        size_t text_n = 0, note_n = 0;
        assert_int_equal(kluis_checkpoint_text(&c, &text, &text_n, NULL), KLUIS_OK);
        assert_int_equal(text_n, tl);
        assert_memory_equal(text, note, tl);
        assert_int_equal(kluis_note_sign(&s, text, text_n, &signed_note, &note_n, NULL), KLUIS_OK);
        assert_string_equal(signed_note, note);
        free(text);
        free(signed_note);
        kluis_note_signer_wipe(&s);
    }
    json_decref(all);
    json_decref(trees);
}

/* ---- Tampering ------------------------------------------------------------------------------- */

static void test_tampering(void **state)
{
    json_t *all = load_json("signed_note/checkpoint_local_vectors.json");
    json_t *cv = json_array_get(all, 0);
    struct kluis_note_verifier v;
    assert_int_equal(kluis_note_verifier_parse(str(cv, "vkey"), &v, NULL), KLUIS_OK);
    const char *note = str(cv, "note");
    size_t n = strlen(note), tl = text_len_of(note);
    char *t = strdup(note);
    assert_non_null(t);

    /* Any byte of the text changed (to another printable character): a bad signature. */
    for (size_t i = 0; i < tl; i++) {
        if (t[i] == '\n')
            continue;
        char was = t[i];
        t[i] = was == 'A' ? 'B' : 'A';
        struct kluis_err err = {0};
        assert_int_equal(kluis_note_open(t, n, &v, 1, NULL, &err), KLUIS_ECORRUPT);
        assert_string_equal(err.message, "a note signature does not verify");
        t[i] = was;
    }
    /* Any base64 symbol of the signature changed: a bad signature, an unknown key id (so no
     * known signature), or not canonical base64 any more — never accepted. */
    const char *sig = strrchr(t, ' ') + 1;
    size_t sig_at = (size_t)(sig - t), n_corrupt = 0;
    for (size_t i = sig_at; i < n - 1; i++) {
        if (t[i] == '=')
            continue;
        char was = t[i];
        t[i] = was == 'A' ? 'B' : 'A';
        kluis_rc rc = open_note(t, &v, 1);
        assert_true(rc == KLUIS_ECORRUPT || rc == KLUIS_EPARSE);
        n_corrupt += rc == KLUIS_ECORRUPT;
        t[i] = was;
    }
    assert_true(n_corrupt >= 88);
    assert_int_equal(open_note(t, &v, 1), KLUIS_OK);

    /* The wrong key: a fresh key with the same name has another key id, so nothing verifies. */
    struct kluis_note_signer other;
    struct kluis_note_verifier other_v;
    assert_int_equal(kluis_note_keygen("example.com/gdpr-audit-test", &other, NULL), KLUIS_OK);
    kluis_note_verifier_of(&other, &other_v);
    assert_int_not_equal(other_v.key_id, v.key_id);
    assert_int_equal(open_note(note, &other_v, 1), KLUIS_ECORRUPT);
    /* A colliding key (same name and id, another public key) must verify, and fails. */
    other_v.key_id = v.key_id;
    struct kluis_err err = {0};
    assert_int_equal(kluis_note_open(note, n, &other_v, 1, NULL, &err), KLUIS_ECORRUPT);
    assert_string_equal(err.message, "a note signature does not verify");
    /* No verifiers at all: nothing known verifies. */
    assert_int_equal(open_note(note, NULL, 0), KLUIS_ECORRUPT);

    /* Signed by the right key and an unknown one: fine; by a known key twice: malformed. */
    struct kluis_note_signer s;
    assert_int_equal(kluis_note_signer_parse(str(cv, "skey_TEST_ONLY"), &s, NULL), KLUIS_OK);
    char *by_other = NULL;
    size_t by_other_n = 0;
    assert_int_equal(kluis_note_sign(&other, note, tl, &by_other, &by_other_n, NULL), KLUIS_OK);
    char two[1024];
    snprintf(two, sizeof(two), "%s%s", note, by_other + tl + 1);
    assert_int_equal(open_note(two, &v, 1), KLUIS_OK);
    struct kluis_note_verifier real_other;
    kluis_note_verifier_of(&other, &real_other);
    struct kluis_note_verifier both[2] = {v, real_other};
    assert_int_equal(open_note(two, both, 2), KLUIS_OK);
    snprintf(two, sizeof(two), "%s%s", note, note + tl + 1);
    assert_int_equal(open_note(two, &v, 1), KLUIS_EPARSE);
    /* A known key that signed something else in a multi-signature note: refused. */
    char *other_text = NULL;
    size_t other_text_n = 0;
    assert_int_equal(
        kluis_note_sign(&other, "something else\n", 15, &other_text, &other_text_n, NULL),
        KLUIS_OK);
    snprintf(two, sizeof(two), "%s%s", note, other_text + 16);
    assert_int_equal(open_note(two, &v, 1), KLUIS_OK);
    assert_int_equal(open_note(two, both, 2), KLUIS_ECORRUPT);
    free(other_text);
    free(by_other);
    kluis_note_signer_wipe(&other);
    kluis_note_signer_wipe(&s);
    free(t);
    json_decref(all);
}

/* ---- Malformed notes ------------------------------------------------------------------------- */

static void test_malformed_notes(void **state)
{
    json_t *all = load_json("signed_note/signed_note_vectors.json");
    json_t *c2sp = json_array_get(all, 1);
    struct kluis_note_verifier v;
    assert_int_equal(kluis_note_verifier_parse(str(c2sp, "vkey"), &v, NULL), KLUIS_OK);
    const char *sig_line = strstr(str(c2sp, "note"), "\xe2\x80\x94");
    char buf[8192];

#define NOTE(text) (snprintf(buf, sizeof(buf), "%s\n%s", text, sig_line), buf)
    assert_int_equal(open_note(NOTE("This is an example message.\n"), &v, 1), KLUIS_OK);
    /* Not signed text: changed, control character, invalid UTF-8, DEL. */
    assert_int_equal(open_note(NOTE("This is an example message!\n"), &v, 1), KLUIS_ECORRUPT);
    assert_int_equal(open_note(NOTE("This is an\texample message.\n"), &v, 1), KLUIS_EPARSE);
    assert_int_equal(open_note(NOTE("This is an\rexample message.\n"), &v, 1), KLUIS_EPARSE);
    assert_int_equal(open_note(NOTE("This is an \xc3\x28xample message.\n"), &v, 1), KLUIS_EPARSE);
    assert_int_equal(open_note(NOTE("This is an \xc0\xafxample message.\n"), &v, 1), KLUIS_EPARSE);
    assert_int_equal(open_note(NOTE("This is an \x7f example message.\n"), &v, 1), KLUIS_EPARSE);
#undef NOTE
    /* Structure: no blank line, no final newline, wrong dash, no signature, signature only. */
    const char *note = str(c2sp, "note");
    size_t n = strlen(note);
    assert_int_equal(kluis_note_open(note, n - 1, &v, 1, NULL, NULL), KLUIS_EPARSE);
    snprintf(buf, sizeof(buf), "This is an example message.\n%s", sig_line);
    assert_int_equal(open_note(buf, &v, 1), KLUIS_EPARSE);
    snprintf(buf, sizeof(buf), "This is an example message.\n\n- %s", sig_line + 4);
    assert_int_equal(open_note(buf, &v, 1), KLUIS_EPARSE);
    assert_int_equal(open_note("This is an example message.\n\n", &v, 1), KLUIS_EPARSE);
    assert_int_equal(open_note("text\n\n\xe2\x80\x94 example.com/foo\n", &v, 1), KLUIS_EPARSE);
    assert_int_equal(open_note("text\n\n\xe2\x80\x94 example.com/foo \n", &v, 1), KLUIS_EPARSE);
    assert_int_equal(open_note("text\n\n\xe2\x80\x94  AAAAAAAA\n", &v, 1), KLUIS_EPARSE);
    /* A signature of four bytes (a key id and nothing) and one with a space in its base64. */
    assert_int_equal(open_note("text\n\n\xe2\x80\x94 x AAAAAA==\n", &v, 1), KLUIS_EPARSE);
    assert_int_equal(open_note("text\n\n\xe2\x80\x94 x AAAA AAAA\n", &v, 1), KLUIS_EPARSE);
    /* Non-canonical base64 in the real signature: the last symbol's unused bits set. */
    snprintf(buf, sizeof(buf), "%s", note);
    char *eq = strrchr(buf, '=');
    assert_non_null(eq);
    assert_int_equal(eq[-1], 'M'); /* 'M' = 12: the two low (unused) bits are zero */
    eq[-1] = 'N';
    assert_int_equal(open_note(buf, &v, 1), KLUIS_EPARSE);
    eq[-1] = 'M';
    eq[0] = '\0'; /* padding missing */
    strcat(buf, "\n");
    assert_int_equal(open_note(buf, &v, 1), KLUIS_EPARSE);

    /* The text may hold blank lines: it ends at the last one. */
    snprintf(buf, sizeof(buf), "a\n\nb\n\n%s", sig_line);
    size_t tl = 0;
    assert_int_equal(kluis_note_open(buf, strlen(buf), &v, 1, &tl, NULL), KLUIS_ECORRUPT);

    /* 100 signature lines by unknown keys plus the real one is too many; 99 plus it is fine. */
    size_t at = (size_t)snprintf(buf, sizeof(buf), "This is an example message.\n\n");
    for (int i = 0; i < 99; i++)
        at += (size_t)snprintf(buf + at, sizeof(buf) - at, "\xe2\x80\x94 k%d AAAAAAAA\n", i);
    at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s", sig_line);
    assert_int_equal(kluis_note_open(buf, at, &v, 1, NULL, NULL), KLUIS_OK);
    snprintf(buf + at, sizeof(buf) - at, "\xe2\x80\x94 k AAAAAAAA\n");
    assert_int_equal(open_note(buf, &v, 1), KLUIS_EPARSE);

    /* Size limit. */
    char *big = malloc(KLUIS_NOTE_MAX + 2);
    assert_non_null(big);
    memset(big, 'a', KLUIS_NOTE_MAX + 1);
    big[KLUIS_NOTE_MAX + 1] = '\0';
    assert_int_equal(kluis_note_open(big, KLUIS_NOTE_MAX + 1, &v, 1, NULL, NULL), KLUIS_ETOOBIG);
    free(big);
    json_decref(all);
}

/* ---- Keys ------------------------------------------------------------------------------------ */

static void test_keys(void **state)
{
    struct kluis_note_verifier v;
    struct kluis_note_signer s;
    const char *good = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    assert_int_equal(kluis_note_verifier_parse(good, &v, NULL), KLUIS_OK);
    const char *bad[] = {
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", /* upper hex */
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", /* wrong hash */
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  /* 7 digits */
        "PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", /* algorithm 2 */
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",  /* short */
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter\xc2\xa0Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct kluis_note_verifier w = {.key_id = 7};
        assert_int_equal(kluis_note_verifier_parse(bad[i], &w, NULL), KLUIS_EPARSE);
        assert_int_equal(w.key_id, 7); /* untouched */
    }
    const char *skey =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    assert_int_equal(kluis_note_signer_parse(skey, &s, NULL), KLUIS_OK);
    assert_int_equal(kluis_note_signer_parse(skey + 8, &s, NULL), KLUIS_EPARSE);
    assert_int_equal(
        kluis_note_signer_parse(
            "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", &s,
            NULL),
        KLUIS_EPARSE);
    assert_int_equal(
        kluis_note_signer_parse(
            "PRIVATE+KEY+PeterNeuman+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", &s,
            NULL),
        KLUIS_EPARSE);
    /* A verifier key is not a signer key and the other way round. */
    assert_int_equal(kluis_note_signer_parse(good, &s, NULL), KLUIS_EPARSE);
    assert_int_equal(kluis_note_verifier_parse(skey, &v, NULL), KLUIS_EPARSE);

    /* New keys: names checked, texts round-trip, notes open. */
    assert_int_equal(kluis_note_keygen("has space", &s, NULL), KLUIS_EINVAL);
    assert_int_equal(kluis_note_keygen("has+plus", &s, NULL), KLUIS_EINVAL);
    assert_int_equal(kluis_note_keygen("", &s, NULL), KLUIS_EINVAL);
    assert_int_equal(kluis_note_keygen("ideo\xe3\x80\x80space", &s, NULL), KLUIS_EINVAL);
    assert_int_equal(kluis_note_keygen("kluis.example/audit/t1", &s, NULL), KLUIS_OK);
    char text[512];
    struct kluis_note_signer s2;
    assert_int_equal(kluis_note_signer_format(&s, text, sizeof(text), NULL), KLUIS_OK);
    assert_int_equal(kluis_note_signer_parse(text, &s2, NULL), KLUIS_OK);
    assert_memory_equal(&s, &s2, sizeof(s));
    kluis_note_verifier_of(&s, &v);
    assert_int_equal(kluis_note_verifier_format(&v, text, sizeof(text), NULL), KLUIS_OK);
    struct kluis_note_verifier v2;
    assert_int_equal(kluis_note_verifier_parse(text, &v2, NULL), KLUIS_OK);
    assert_memory_equal(&v, &v2, sizeof(v));

    char *note = NULL;
    size_t note_n = 0;
    const char *msg = "kluis.example/audit/t1\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    assert_int_equal(kluis_note_sign(&s, msg, strlen(msg), &note, &note_n, NULL), KLUIS_OK);
    size_t tl = 0;
    assert_int_equal(kluis_note_open(note, note_n, &v, 1, &tl, NULL), KLUIS_OK);
    assert_int_equal(tl, strlen(msg));
    struct kluis_checkpoint c;
    assert_int_equal(kluis_checkpoint_parse(note, tl, &c, NULL), KLUIS_OK);
    assert_int_equal(c.size, 0);
    uint8_t empty[KLUIS_HASH_LEN];
    struct kluis_merkle m;
    kluis_merkle_init(&m);
    kluis_merkle_root(&m, empty);
    assert_memory_equal(c.root, empty, KLUIS_HASH_LEN);
    free(note);
    /* What sign refuses to sign. */
    const char *unsignable[] = {
        "", "no newline", "blank\n\nline\n", "\nleading\n", "tab\there\n", "bad \xff utf8\n"};
    for (size_t i = 0; i < sizeof(unsignable) / sizeof(unsignable[0]); i++) {
        note = NULL;
        assert_int_equal(
            kluis_note_sign(&s, unsignable[i], strlen(unsignable[i]), &note, &note_n, NULL),
            KLUIS_EINVAL);
        assert_null(note);
    }
    kluis_note_signer_wipe(&s);
    kluis_note_signer_wipe(&s2);
}

static void test_checkpoint_parse(void **state)
{
    struct kluis_checkpoint c;
    const char *root = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
    char buf[1024];
#define CP(origin, size, r, ext)                                                                   \
    (snprintf(buf, sizeof(buf), "%s\n%s\n%s\n%s", origin, size, r, ext),                           \
     kluis_checkpoint_parse(buf, strlen(buf), &c, NULL))
    assert_int_equal(CP("o", "8", root, ""), KLUIS_OK);
    assert_int_equal(c.size, 8);
    assert_int_equal(CP("o", "0", root, ""), KLUIS_OK);
    assert_int_equal(c.size, 0);
    assert_int_equal(CP("o", "18446744073709551615", root, ""), KLUIS_OK);
    assert_int_equal(c.size, UINT64_MAX);
    assert_int_equal(CP("o", "18446744073709551616", root, ""), KLUIS_EPARSE);
    assert_int_equal(CP("o", "99999999999999999999", root, ""), KLUIS_EPARSE);
    assert_int_equal(CP("o", "08", root, ""), KLUIS_EPARSE);
    assert_int_equal(CP("o", "00", root, ""), KLUIS_EPARSE);
    assert_int_equal(CP("o", "+8", root, ""), KLUIS_EPARSE);
    assert_int_equal(CP("o", "-8", root, ""), KLUIS_EPARSE);
    assert_int_equal(CP("o", "8 ", root, ""), KLUIS_EPARSE);
    assert_int_equal(CP("o", "", root, ""), KLUIS_EPARSE);
    assert_int_equal(CP("", "8", root, ""), KLUIS_EPARSE);
    assert_int_equal(CP("o", "8", root, "ext one\next two\n"), KLUIS_OK);
    assert_int_equal(CP("o", "8", root, "ext\n\n"), KLUIS_EPARSE);
    /* The root: 31 bytes, 33 bytes, unused bits, no padding, URL alphabet. */
    assert_int_equal(CP("o", "8", "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQw==", ""),
                     KLUIS_EPARSE);
    assert_int_equal(CP("o", "8", "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyhA", ""),
                     KLUIS_EPARSE);
    assert_int_equal(CP("o", "8", "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=", ""),
                     KLUIS_EPARSE);
    assert_int_equal(CP("o", "8", "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg", ""), KLUIS_EPARSE);
    assert_int_equal(CP("o", "8", "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=", ""),
                     KLUIS_EPARSE);
#undef CP
    /* Too few lines, no final newline, control characters, long origin. */
    assert_int_equal(kluis_checkpoint_parse("o\n8\n", 4, &c, NULL), KLUIS_EPARSE);
    snprintf(buf, sizeof(buf), "o\n8\n%s", root);
    assert_int_equal(kluis_checkpoint_parse(buf, strlen(buf), &c, NULL), KLUIS_EPARSE);
    snprintf(buf, sizeof(buf), "o\x01\n8\n%s\n", root);
    assert_int_equal(kluis_checkpoint_parse(buf, strlen(buf), &c, NULL), KLUIS_EPARSE);
    char origin[300];
    memset(origin, 'o', 255);
    origin[255] = '\0';
    snprintf(buf, sizeof(buf), "%s\n8\n%s\n", origin, root);
    assert_int_equal(kluis_checkpoint_parse(buf, strlen(buf), &c, NULL), KLUIS_OK);
    assert_int_equal(strlen(c.origin), 255);
    char *text = NULL;
    size_t text_n = 0;
    assert_int_equal(kluis_checkpoint_text(&c, &text, &text_n, NULL), KLUIS_OK);
    assert_string_equal(text, buf);
    free(text);
    snprintf(buf, sizeof(buf), "%so\n8\n%s\n", origin, root);
    assert_int_equal(kluis_checkpoint_parse(buf, strlen(buf), &c, NULL), KLUIS_EPARSE);
    /* A struct that cannot be written. */
    struct kluis_checkpoint badc = {.origin = "two\nlines", .size = 1};
    assert_int_equal(kluis_checkpoint_text(&badc, &text, &text_n, NULL), KLUIS_EINVAL);
    badc.origin[0] = '\0';
    assert_int_equal(kluis_checkpoint_text(&badc, &text, &text_n, NULL), KLUIS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_note),
        cmocka_unit_test(test_c2sp_note),
        cmocka_unit_test(test_checkpoint_vectors),
        cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_malformed_notes),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_checkpoint_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
