/*
 * bench/crypto — Fernet through kluis against Python's cryptography doing the same work in the
 * same run (see bench/crypto.md).
 *
 * Both sides encrypt messages of the same size (default 200 bytes) under one key with a fresh
 * random IV each time, and decrypt one token of that size over and over (no ttl), for a fixed
 * time, on one thread. The kluis side calls the library (kluis_fernet_encrypt/decrypt); the
 * Python side is /usr/bin/python3 running cryptography.fernet.Fernet in a loop (Python's own
 * overhead is part of what is measured: it is what a seed pays today). The rounds alternate
 * kluis and Python so that drift (frequency scaling, a noisy neighbour) hits both alike; the
 * best round of each is reported.
 *
 * Progress goes to stderr, results to stdout. Nothing here is a test: the numbers are printed,
 * never asserted.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kluis/kluis.h"

struct cfg {
    double seconds; /* per measurement */
    size_t size;    /* message bytes */
    int rounds;
    const char *python;
};

static struct cfg cfg = {.seconds = 2.0, .size = 200, .rounds = 3, .python = "/usr/bin/python3"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_crypto: %s\n", what);
    exit(1);
}

/* Operations per second of kluis encrypting (enc) or decrypting messages of cfg.size bytes. */
static double kluis_rate(bool enc, const struct kluis_fernet_key *key)
{
    uint8_t *msg = malloc(cfg.size + 1);
    size_t cap = KLUIS_FERNET_TOKEN_LEN(cfg.size) + 1;
    char *tok = malloc(cap);
    uint8_t *out = malloc(cap);
    if (!msg || !tok || !out)
        die("out of memory");
    memset(msg, 'm', cfg.size);
    const int64_t t = 1795000000;
    size_t tl = 0, n = 0;
    if (kluis_fernet_encrypt(key, t, NULL, msg, cfg.size, tok, &tl, NULL) != KLUIS_OK)
        die("kluis_fernet_encrypt failed");
    uint64_t ops = 0;
    double start = now_s(), end = start, stop = start + cfg.seconds;
    while (end < stop) {
        for (int i = 0; i < 1024; i++) {
            kluis_rc rc =
                enc ? kluis_fernet_encrypt(key, t, NULL, msg, cfg.size, tok, &tl, NULL)
                    : kluis_fernet_decrypt(key, 1, tok, tl, t, -1, out, &n, NULL, NULL, NULL);
            if (rc != KLUIS_OK)
                die(enc ? "kluis_fernet_encrypt failed" : "kluis_fernet_decrypt failed");
        }
        ops += 1024;
        end = now_s();
    }
    if (!enc && (n != cfg.size || memcmp(out, msg, n) != 0))
        die("kluis_fernet_decrypt gave another message");
    free(msg);
    free(tok);
    free(out);
    return (double)ops / (end - start);
}

/* The Python side: prints "ENC_OPS_PER_S DEC_OPS_PER_S", or "missing". */
static const char py_script[] = "import sys, time\n"
                                "try:\n"
                                "    from cryptography.fernet import Fernet\n"
                                "except ImportError:\n"
                                "    print('missing'); sys.exit(0)\n"
                                "size, secs = int(sys.argv[1]), float(sys.argv[2])\n"
                                "f = Fernet(Fernet.generate_key()); m = b'm' * size\n"
                                "def rate(fn):\n"
                                "    ops = 0; start = time.perf_counter(); stop = start + secs\n"
                                "    while True:\n"
                                "        for _ in range(256): fn()\n"
                                "        ops += 256; end = time.perf_counter()\n"
                                "        if end >= stop: return ops / (end - start)\n"
                                "tok = f.encrypt(m)\n"
                                "assert f.decrypt(tok) == m\n"
                                "print(rate(lambda: f.encrypt(m)), rate(lambda: f.decrypt(tok)))\n";

/* Runs the Python side once; false when it cannot (no interpreter, no cryptography). */
static bool python_rates(double *enc, double *dec)
{
    char path[] = "/tmp/kluis-bench-crypto-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    FILE *f = fdopen(fd, "w");
    if (!f || fputs(py_script, f) == EOF || fclose(f) != 0) {
        remove(path);
        return false;
    }
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s %s %zu %.3f", cfg.python, path, cfg.size, cfg.seconds);
    FILE *p = popen(cmd, "r");
    bool ok = false;
    if (p) {
        ok = fscanf(p, "%lf %lf", enc, dec) == 2;
        pclose(p);
    }
    remove(path);
    return ok;
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: bench_crypto [--seconds S] [--size BYTES] [--rounds N] [--python PATH]\n"
                 "\n"
                 "Fernet encrypt and decrypt of BYTES-byte messages (default 200) through kluis\n"
                 "and through Python's cryptography (PATH, default /usr/bin/python3), single-\n"
                 "threaded, S seconds per measurement (default 2), N alternating rounds (default\n"
                 "3); the best round of each side is reported.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seconds", required_argument, NULL, 's'}, {"size", required_argument, NULL, 'n'},
        {"rounds", required_argument, NULL, 'r'},  {"python", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            cfg.seconds = atof(optarg);
            break;
        case 'n':
            cfg.size = (size_t)strtoull(optarg, NULL, 10);
            break;
        case 'r':
            cfg.rounds = atoi(optarg);
            break;
        case 'p':
            cfg.python = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (cfg.seconds <= 0 || cfg.rounds < 1 || cfg.size > (1u << 20)) {
        usage(stderr);
        return 2;
    }
    struct kluis_fernet_key key;
    if (kluis_fernet_key_generate(&key, NULL) != KLUIS_OK)
        die("cannot make a key");

    double k_enc = 0, k_dec = 0, p_enc = 0, p_dec = 0;
    bool have_python = true;
    for (int r = 1; r <= cfg.rounds; r++) {
        fprintf(stderr, "round %d/%d: kluis ...\n", r, cfg.rounds);
        double e = kluis_rate(true, &key), d = kluis_rate(false, &key);
        k_enc = e > k_enc ? e : k_enc;
        k_dec = d > k_dec ? d : k_dec;
        if (have_python) {
            fprintf(stderr, "round %d/%d: python ...\n", r, cfg.rounds);
            if (python_rates(&e, &d)) {
                p_enc = e > p_enc ? e : p_enc;
                p_dec = d > p_dec ? d : p_dec;
            } else {
                fprintf(stderr, "bench_crypto: %s with cryptography is not available\n",
                        cfg.python);
                have_python = false;
            }
        }
    }

    printf("Fernet, %zu-byte messages, one thread, best of %d rounds of %.1f s\n", cfg.size,
           cfg.rounds, cfg.seconds);
    printf("%-8s %14s %14s %8s\n", "op", "kluis ops/s", "python ops/s", "ratio");
    const char *names[] = {"encrypt", "decrypt"};
    double k[] = {k_enc, k_dec}, p[] = {p_enc, p_dec};
    for (int i = 0; i < 2; i++) {
        if (have_python && p[i] > 0)
            printf("%-8s %14.0f %14.0f %7.1fx\n", names[i], k[i], p[i], k[i] / p[i]);
        else
            printf("%-8s %14.0f %14s %8s\n", names[i], k[i], "n/a", "n/a");
    }
    kluis_wipe(&key, sizeof(key));
    return 0;
}
