/*
 * bench/http/http_lib — the library side of bench/http (README.md there), and the tool that
 * fills its store.
 *
 *   http_lib --fill N --db URL --policy FILE [--ids FILE] [--ids-max M]
 *   http_lib --bench --db URL --policy FILE --ids FILE [--seconds S] [--ops read,put,batch]
 *
 * --fill adds tenant "bench" and N records of category mail_metadata (a 150-byte value that
 * looks like mail metadata, one link), ~16 per subject ("s000000" …), in batches of 1000 through
 * kluis_record_put_batch(), and writes a sample of at most M of their ids (evenly spread) to
 * FILE, one per line, for the reads of both sides.
 *
 * --bench does, in-process on one thread, what bench/http/load.lua does over HTTP, for S
 * seconds each: kluis_record_read() of a random sampled id for purpose "service" (the purpose
 * gate and its audit entry), kluis_record_put() of one record, kluis_record_put_batch() of 100
 * records (random existing subjects, as load.lua draws them). Each operation's latency is
 * measured; the output is one line per operation,
 *
 *   RESULT lib OP ops_s=… n=… p50_ms=… p90_ms=… p99_ms=… p999_ms=… max_ms=…
 *
 * (for batch, an op is a batch of 100 records). The engine's clock is set to the real time
 * before each call, as the server does. Progress goes to stderr, results to stdout.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kluis/kluis.h"

#define TENANT   "bench"
#define CATEGORY "mail_metadata"
#define PURPOSE  "service"
#define BATCH    100
#define FILL_K   1000
#define VALUE_B  150

static struct {
    uint64_t fill;
    bool bench;
    const char *db, *keys, *policy, *ids;
    uint64_t ids_max;
    double seconds;
    const char *ops;
} cfg = {.ids_max = 100000, .seconds = 10, .ops = "read,put,batch"};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
    /* xorshift64* */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "http_lib: %s\n", what);
    exit(1);
}

static void die_kluis(const char *what, const struct kluis_err *err)
{
    fprintf(stderr, "http_lib: %s: %s\n", what, err->message[0] ? err->message : "failed");
    exit(1);
}

/* A record of the bench: subject, one link, a value that looks like mail metadata. */
struct rec {
    char subject[24];
    char msgid[32];
    char value[VALUE_B + 1];
    struct kluis_link link;
};

static void gen(struct rec *r, uint64_t subjects, struct kluis_record_input *in)
{
    uint64_t s = next_rand() % subjects, m = next_rand();
    snprintf(r->subject, sizeof(r->subject), "s%06" PRIu64, s);
    snprintf(r->msgid, sizeof(r->msgid), "m%016" PRIx64, m);
    int n = snprintf(r->value, sizeof(r->value),
                     "{\"thread\":\"%016" PRIx64 "\",\"from\":\"sender%" PRIu64
                     "@mail.example\",\"subject\":\"Re: invoice %" PRIu64 "\",\"snippet\":\"",
                     m, s, m % 100000);
    for (int i = n; i < VALUE_B - 2; i++)
        r->value[i] = (char)('a' + (next_rand() % 26));
    memcpy(r->value + VALUE_B - 2, "\"}", 3);
    r->link = (struct kluis_link){"msg", r->msgid};
    *in = (struct kluis_record_input){.tenant = TENANT,
                                      .subject = r->subject,
                                      .category = CATEGORY,
                                      .links = &r->link,
                                      .n_links = 1,
                                      .value = r->value,
                                      .value_len = VALUE_B};
}

static uint64_t subjects_of(uint64_t n)
{
    return n / 16 ? n / 16 : 1;
}

static struct kluis_engine *open_engine(struct kluis_policy **out_p)
{
    struct kluis_err err = {0};
    struct kluis_policy *p = NULL;
    if (kluis_policy_load_file(cfg.policy, NULL, &p, &err))
        die_kluis("loading the policy", &err);
    char keys[1024];
    const char *path = strncmp(cfg.db, "sqlite:", 7) == 0 ? cfg.db + 7 : cfg.db;
    size_t plen = strcspn(path, "?");
    if (cfg.keys)
        snprintf(keys, sizeof(keys), "%s", cfg.keys);
    else
        snprintf(keys, sizeof(keys), "%.*s.keys", (int)plen, path);
    struct kluis_engine *e = NULL;
    if (kluis_engine_open(p, cfg.db, keys, &e, &err))
        die_kluis("opening the store", &err);
    kluis_engine_set_now(e, (int64_t)time(NULL));
    kluis_engine_set_actor(e, "bench:http_lib");
    *out_p = p;
    return e;
}

/* ---- --fill -------------------------------------------------------------------------------- */

static void fill(void)
{
    struct kluis_policy *p;
    struct kluis_engine *e = open_engine(&p);
    struct kluis_err err = {0};
    if (kluis_tenant_add(e, TENANT, "NL", &err))
        die_kluis("adding tenant " TENANT " (fill a new store)", &err);
    FILE *ids = cfg.ids ? fopen(cfg.ids, "w") : NULL;
    if (cfg.ids && !ids)
        die("cannot write the ids file");
    uint64_t stride = (cfg.fill + cfg.ids_max - 1) / (cfg.ids_max ? cfg.ids_max : 1);
    if (!stride)
        stride = 1;
    struct rec *recs = calloc(FILL_K, sizeof(*recs));
    struct kluis_record_input *in = calloc(FILL_K, sizeof(*in));
    uint64_t *out = calloc(FILL_K, sizeof(*out));
    if (!recs || !in || !out)
        die("out of memory");
    uint64_t subjects = subjects_of(cfg.fill), done = 0, written = 0;
    double t0 = now_s(), last = t0;
    while (done < cfg.fill) {
        size_t k = cfg.fill - done < FILL_K ? (size_t)(cfg.fill - done) : FILL_K;
        for (size_t i = 0; i < k; i++)
            gen(&recs[i], subjects, &in[i]);
        kluis_engine_set_now(e, (int64_t)time(NULL));
        if (kluis_record_put_batch(e, in, k, out, NULL, &err))
            die_kluis("kluis_record_put_batch", &err);
        for (size_t i = 0; i < k; i++)
            if (ids && (done + i) % stride == 0 && written < cfg.ids_max) {
                fprintf(ids, "%" PRIu64 "\n", out[i]);
                written++;
            }
        done += k;
        double t = now_s();
        if (t - last > 5 || done == cfg.fill) {
            fprintf(stderr, "fill: %" PRIu64 " / %" PRIu64 " records (%.0f/s)\n", done, cfg.fill,
                    (double)done / (t - t0));
            last = t;
        }
    }
    if (ids && fclose(ids))
        die("cannot write the ids file");
    printf("filled %" PRIu64 " records for %" PRIu64 " subjects in %.1f s; %" PRIu64
           " ids sampled\n",
           cfg.fill, subjects, now_s() - t0, written);
    free(recs);
    free(in);
    free(out);
    kluis_engine_close(e);
    kluis_policy_free(p);
}

/* ---- --bench ------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

struct lat {
    double *v;
    size_t n, cap;
};

static void lat_add(struct lat *l, double x)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 65536;
        if (!(l->v = realloc(l->v, l->cap * sizeof(*l->v))))
            die("out of memory");
    }
    l->v[l->n++] = x;
}

static void report(const char *op, struct lat *l, double elapsed)
{
    qsort(l->v, l->n, sizeof(*l->v), cmp_double);
    printf("RESULT lib %s ops_s=%.1f n=%zu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f "
           "max_ms=%.3f\n",
           op, (double)l->n / elapsed, l->n, pct(l->v, l->n, 50) * 1e3, pct(l->v, l->n, 90) * 1e3,
           pct(l->v, l->n, 99) * 1e3, pct(l->v, l->n, 99.9) * 1e3,
           l->n ? l->v[l->n - 1] * 1e3 : 0.0);
    fflush(stdout);
    free(l->v);
    *l = (struct lat){0};
}

static uint64_t *load_ids(size_t *out_n)
{
    FILE *f = fopen(cfg.ids, "r");
    if (!f)
        die("cannot read the ids file (--ids)");
    size_t n = 0, cap = 0;
    uint64_t *ids = NULL, v;
    while (fscanf(f, "%" SCNu64, &v) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            if (!(ids = realloc(ids, cap * sizeof(*ids))))
                die("out of memory");
        }
        ids[n++] = v;
    }
    fclose(f);
    if (!n)
        die("the ids file is empty");
    *out_n = n;
    return ids;
}

static void bench(void)
{
    struct kluis_policy *p;
    struct kluis_engine *e = open_engine(&p);
    struct kluis_err err = {0};
    size_t n_ids;
    uint64_t *ids = load_ids(&n_ids);
    /* The fill made ~16 records per subject: as many subjects as the sample says, at least. */
    uint64_t subjects = subjects_of((uint64_t)n_ids);
    const char *env = getenv("KLUIS_BENCH_SUBJECTS");
    if (env && strtoull(env, NULL, 10) > 0)
        subjects = strtoull(env, NULL, 10);
    struct rec *recs = calloc(BATCH, sizeof(*recs));
    struct kluis_record_input *in = calloc(BATCH, sizeof(*in));
    uint64_t *out = calloc(BATCH, sizeof(*out));
    if (!recs || !in || !out)
        die("out of memory");
    struct lat l = {0};

    if (strstr(cfg.ops, "read")) {
        fprintf(stderr, "lib: reads for %.0f s\n", cfg.seconds);
        double start = now_s(), stop = start + cfg.seconds, t = start;
        while (t < stop) {
            uint64_t id = ids[next_rand() % n_ids];
            struct kluis_record *r = NULL;
            kluis_engine_set_now(e, (int64_t)time(NULL));
            if (kluis_record_read(e, TENANT, id, PURPOSE, KLUIS_GROUND_NONE, &r, &err))
                die_kluis("kluis_record_read", &err);
            kluis_record_free(r);
            double t2 = now_s();
            lat_add(&l, t2 - t);
            t = t2;
        }
        report("read", &l, t - start);
    }
    if (strstr(cfg.ops, "put")) {
        fprintf(stderr, "lib: single writes for %.0f s\n", cfg.seconds);
        double start = now_s(), stop = start + cfg.seconds, t = start;
        while (t < stop) {
            gen(&recs[0], subjects, &in[0]);
            kluis_engine_set_now(e, (int64_t)time(NULL));
            if (kluis_record_put(e, &in[0], &out[0], &err))
                die_kluis("kluis_record_put", &err);
            double t2 = now_s();
            lat_add(&l, t2 - t);
            t = t2;
        }
        report("put", &l, t - start);
    }
    if (strstr(cfg.ops, "batch")) {
        fprintf(stderr, "lib: batch writes of %d for %.0f s\n", BATCH, cfg.seconds);
        double start = now_s(), stop = start + cfg.seconds, t = start;
        while (t < stop) {
            for (size_t i = 0; i < BATCH; i++)
                gen(&recs[i], subjects, &in[i]);
            kluis_engine_set_now(e, (int64_t)time(NULL));
            if (kluis_record_put_batch(e, in, BATCH, out, NULL, &err))
                die_kluis("kluis_record_put_batch", &err);
            double t2 = now_s();
            lat_add(&l, t2 - t);
            t = t2;
        }
        report("batch", &l, t - start);
    }
    free(recs);
    free(in);
    free(out);
    free(ids);
    kluis_engine_close(e);
    kluis_policy_free(p);
}

static void usage(int status)
{
    fprintf(status ? stderr : stdout,
            "Usage: http_lib --fill N --db URL --policy FILE [--keys PATH] [--ids FILE] "
            "[--ids-max M]\n"
            "       http_lib --bench --db URL --policy FILE --ids FILE [--keys PATH] "
            "[--seconds S]\n"
            "                [--ops read,put,batch]\n"
            "(bench/http/README.md)\n");
    exit(status);
}

int main(int argc, char **argv)
{
    enum { O_FILL = 1, O_BENCH, O_DB, O_KEYS, O_POLICY, O_IDS, O_IDS_MAX, O_SECONDS, O_OPS };
    static const struct option opts[] = {{"fill", required_argument, NULL, O_FILL},
                                         {"bench", no_argument, NULL, O_BENCH},
                                         {"db", required_argument, NULL, O_DB},
                                         {"keys", required_argument, NULL, O_KEYS},
                                         {"policy", required_argument, NULL, O_POLICY},
                                         {"ids", required_argument, NULL, O_IDS},
                                         {"ids-max", required_argument, NULL, O_IDS_MAX},
                                         {"seconds", required_argument, NULL, O_SECONDS},
                                         {"ops", required_argument, NULL, O_OPS},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_FILL:
            cfg.fill = strtoull(optarg, NULL, 10);
            break;
        case O_BENCH:
            cfg.bench = true;
            break;
        case O_DB:
            cfg.db = optarg;
            break;
        case O_KEYS:
            cfg.keys = optarg;
            break;
        case O_POLICY:
            cfg.policy = optarg;
            break;
        case O_IDS:
            cfg.ids = optarg;
            break;
        case O_IDS_MAX:
            cfg.ids_max = strtoull(optarg, NULL, 10);
            break;
        case O_SECONDS:
            cfg.seconds = strtod(optarg, NULL);
            break;
        case O_OPS:
            cfg.ops = optarg;
            break;
        case 'h':
            usage(0);
            break;
        default:
            usage(2);
        }
    }
    if (optind < argc || !cfg.db || !cfg.policy || (cfg.fill > 0) == cfg.bench ||
        (cfg.bench && !cfg.ids) || cfg.seconds <= 0)
        usage(2);
    rng ^= (uint64_t)time(NULL) * 0x100000001b3ull;
    if (cfg.fill)
        fill();
    else
        bench();
    return 0;
}
