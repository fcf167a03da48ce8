/*
 * Fuzz target: signed notes, checkpoints and note key texts. Any input must be refused or
 * accepted without a crash, a hang or a leak, and what is accepted must round-trip:
 *   - a checkpoint that parses writes back to text that parses to the same checkpoint;
 *   - a verifier or signer key that parses formats back to exactly the input (one spelling);
 *   - a text that kluis signs opens again under the signer's verifier.
 * A broken round trip aborts, so libFuzzer and the replay both report it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kluis/kluis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* TEST-ONLY key of tests/vectors/merkle/signed_note/checkpoint_local_vectors.json. */
static const char test_skey[] =
    "PRIVATE+KEY+example.com/gdpr-audit-test+9c8152c5+AUdGVA/Qp0yVjJ+k8nfycFjLkOV0Noo+9SgToKauC+B/";
static const char *const vkeys[] = {
    "example.com/gdpr-audit-test+9c8152c5+ATCldOsjQuYTq1vWSio1vshjG8w3ylTkZpvFmD4quEqD",
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
};
#define N_VKEYS (sizeof(vkeys) / sizeof(vkeys[0]))

static struct kluis_note_verifier verifiers[N_VKEYS];
static struct kluis_note_signer signer;
static int ready;

static void setup(void)
{
    if (ready)
        return;
    for (size_t i = 0; i < N_VKEYS; i++)
        if (kluis_note_verifier_parse(vkeys[i], &verifiers[i], NULL) != KLUIS_OK)
            abort();
    if (kluis_note_signer_parse(test_skey, &signer, NULL) != KLUIS_OK)
        abort();
    ready = 1;
}

static void check_checkpoint(const char *text, size_t n)
{
    struct kluis_checkpoint c, again;
    if (kluis_checkpoint_parse(text, n, &c, NULL) != KLUIS_OK)
        return;
    char *out = NULL;
    size_t out_n = 0;
    if (kluis_checkpoint_text(&c, &out, &out_n, NULL) != KLUIS_OK)
        abort();
    if (kluis_checkpoint_parse(out, out_n, &again, NULL) != KLUIS_OK ||
        strcmp(c.origin, again.origin) != 0 || c.size != again.size ||
        memcmp(c.root, again.root, sizeof(c.root)) != 0)
        abort();
    /* Without extension lines the text is the input itself. */
    if (out_n <= n && memcmp(out, text, out_n) != 0)
        abort();
    free(out);
}

static void check_keys(const char *s)
{
    char out[512];
    struct kluis_note_verifier v;
    if (kluis_note_verifier_parse(s, &v, NULL) == KLUIS_OK) {
        if (kluis_note_verifier_format(&v, out, sizeof(out), NULL) != KLUIS_OK ||
            strcmp(out, s) != 0)
            abort();
    }
    struct kluis_note_signer k;
    if (kluis_note_signer_parse(s, &k, NULL) == KLUIS_OK) {
        if (kluis_note_signer_format(&k, out, sizeof(out), NULL) != KLUIS_OK || strcmp(out, s) != 0)
            abort();
        kluis_note_signer_wipe(&k);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    const char *text = (const char *)data;

    size_t text_len = 0;
    if (kluis_note_open(text, size, verifiers, N_VKEYS, &text_len, NULL) == KLUIS_OK) {
        if (text_len == 0 || text_len > size)
            abort();
        check_checkpoint(text, text_len);
    }
    check_checkpoint(text, size);

    char *note = NULL;
    size_t note_n = 0;
    if (kluis_note_sign(&signer, text, size, &note, &note_n, NULL) == KLUIS_OK) {
        if (kluis_note_open(note, note_n, verifiers, 1, &text_len, NULL) != KLUIS_OK ||
            text_len != size || memcmp(note, text, size) != 0)
            abort();
        free(note);
    }

    /* Key texts are NUL-terminated strings. */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    check_keys(s);
    free(s);
    return 0;
}
