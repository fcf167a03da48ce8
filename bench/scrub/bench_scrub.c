/*
 * bench/scrub (issue 7): how well and how fast the scrubber works.
 *
 *   bench_scrub eval TEXT LABELS   recall, precision and over-redaction per type against a
 *                                  labelled corpus (tests/scrub/gen-corpus writes one)
 *   bench_scrub speed TEXT         throughput of kluis_scrub_redact over TEXT, against one
 *                                  Vectorscan block scan for a single literal over the same bytes
 *
 * A finding counts as a true positive only when its type and both offsets equal a label's.
 * Over-redaction is the bytes of findings that overlap no label of their type. Speed is measured
 * the way `kluis scrub` works: windows of whole lines of at most 1 MiB, best of five runs.
 */
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kluis/scrub.h"

#define WINDOW ((size_t)1 << 20)

static char *slurp(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "%s: cannot read\n", path);
        exit(1);
    }
    fclose(f);
    buf[n] = '\0';
    *out_len = (size_t)n;
    return buf;
}

static struct kluis_scrub *make(bool strict)
{
    struct kluis_scrub_config cfg = {.mode = KLUIS_SCRUB_MODE_TYPE, .strict = strict};
    struct kluis_scrub *s = NULL;
    struct kluis_err err = {0};
    if (kluis_scrub_new(&cfg, &s, &err) != KLUIS_OK) {
        fprintf(stderr, "kluis_scrub_new: %s\n", err.message);
        exit(1);
    }
    return s;
}

struct label {
    size_t line, start, end;
    enum kluis_scrub_type type;
};

static enum kluis_scrub_type type_of(const char *name)
{
    for (int t = 0; t < KLUIS_SCRUB_TYPE_COUNT_; t++)
        if (strcmp(kluis_scrub_type_name((enum kluis_scrub_type)t), name) == 0)
            return (enum kluis_scrub_type)t;
    fprintf(stderr, "unknown type %s\n", name);
    exit(1);
}

static int eval(const char *text_path, const char *labels_path, bool strict, bool verbose)
{
    size_t len, llen;
    char *text = slurp(text_path, &len);
    char *lt = slurp(labels_path, &llen);
    size_t n_labels = 0, cap = 1024;
    struct label *labels = malloc(cap * sizeof(*labels));
    for (char *p = strtok(lt, "\n"); p; p = strtok(NULL, "\n")) {
        char name[32];
        struct label l;
        if (sscanf(p, "%zu\t%zu\t%zu\t%31s", &l.line, &l.start, &l.end, name) != 4)
            continue;
        l.type = type_of(name);
        if (n_labels == cap)
            labels = realloc(labels, (cap *= 2) * sizeof(*labels));
        labels[n_labels++] = l;
    }
    size_t n_label[KLUIS_SCRUB_TYPE_COUNT_] = {0}, n_found[KLUIS_SCRUB_TYPE_COUNT_] = {0},
           n_tp[KLUIS_SCRUB_TYPE_COUNT_] = {0}, over[KLUIS_SCRUB_TYPE_COUNT_] = {0};
    for (size_t i = 0; i < n_labels; i++)
        n_label[labels[i].type]++;
    struct kluis_scrub *s = make(strict);
    size_t li = 0, line = 0, bytes = 0;
    for (char *p = text; p < text + len;) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        size_t n = (size_t)((nl ? nl : text + len) - p);
        line++;
        bytes += n;
        const struct kluis_scrub_span *sp;
        size_t ns;
        if (kluis_scrub_find(s, p, n, 0, &sp, &ns, NULL) != KLUIS_OK)
            return 1;
        size_t first = li;
        while (li < n_labels && labels[li].line == line)
            li++;
        for (size_t k = 0; k < ns; k++) {
            n_found[sp[k].type]++;
            bool tp = false, overlap = false;
            for (size_t j = first; j < li; j++) {
                if (labels[j].type != sp[k].type)
                    continue;
                if (labels[j].start == sp[k].start && labels[j].end == sp[k].end)
                    tp = true;
                if (labels[j].start < sp[k].end && sp[k].start < labels[j].end)
                    overlap = true;
            }
            n_tp[sp[k].type] += tp;
            if (!overlap)
                over[sp[k].type] += sp[k].end - sp[k].start;
            if (!tp && verbose)
                printf("# FP line %zu %s [%zu,%zu) %s: %.*s\n", line,
                       kluis_scrub_type_name(sp[k].type), sp[k].start, sp[k].end, sp[k].validator,
                       (int)(sp[k].end - sp[k].start), p + sp[k].start);
        }
        if (verbose)
            for (size_t j = first; j < li; j++) {
                bool hit = false;
                for (size_t k = 0; k < ns; k++)
                    hit = hit || (labels[j].type == sp[k].type && labels[j].start == sp[k].start &&
                                  labels[j].end == sp[k].end);
                if (!hit)
                    printf("# FN line %zu %s [%zu,%zu): %.*s\n", line,
                           kluis_scrub_type_name(labels[j].type), labels[j].start, labels[j].end,
                           (int)(labels[j].end - labels[j].start), p + labels[j].start);
            }
        p = nl ? nl + 1 : text + len;
    }
    printf("corpus: %zu lines, %zu bytes, %zu labels%s\n\n", line, bytes, n_labels,
           strict ? " (--strict)" : "");
    printf("| type | labels | found | true pos. | recall | precision | over-redacted bytes |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|\n");
    int bad = 0;
    for (int t = 0; t < KLUIS_SCRUB_TYPE_COUNT_; t++) {
        if (!n_label[t] && !n_found[t])
            continue;
        double rec = n_label[t] ? (double)n_tp[t] / (double)n_label[t] : 1.0;
        double prec = n_found[t] ? (double)n_tp[t] / (double)n_found[t] : 1.0;
        printf("| %s | %zu | %zu | %zu | %.4f | %.4f | %zu |\n",
               kluis_scrub_type_name((enum kluis_scrub_type)t), n_label[t], n_found[t], n_tp[t],
               rec, prec, over[t]);
        bad += rec < 0.98 || prec < 0.98;
    }
    printf("\ngoal: every type >= 0.98 recall and >= 0.98 precision: %s\n",
           bad ? "NOT MET" : "met");
    kluis_scrub_free(s);
    free(labels);
    free(lt);
    free(text);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The end of the window that starts at p: whole lines, at most WINDOW bytes. */
static size_t window(const char *p, size_t left)
{
    if (left <= WINDOW)
        return left;
    const char *nl = memrchr(p, '\n', WINDOW);
    return nl ? (size_t)(nl - p) + 1 : WINDOW;
}

static int on_lit(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    ++*(size_t *)ctx;
    return 0;
}

static int speed(const char *text_path, const char *literal)
{
    size_t len;
    char *text = slurp(text_path, &len);
    struct kluis_scrub *s = make(false);
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    if (hs_compile_lit(literal, 0, strlen(literal), HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS) {
        fprintf(stderr, "hs_compile_lit: %s\n", ce->message);
        return 1;
    }
    hs_scratch_t *scratch = NULL;
    hs_alloc_scratch(db, &scratch);
    double best_k = 1e9, best_h = 1e9;
    size_t findings = 0, hits = 0, out_bytes = 0;
    for (int run = 0; run < 5; run++) {
        double t0 = now_s();
        findings = out_bytes = 0;
        for (size_t off = 0; off < len;) {
            size_t n = window(text + off, len - off);
            const char *out;
            size_t out_len, ns;
            if (kluis_scrub_redact(s, text + off, n, 0, &out, &out_len, NULL, &ns, NULL) !=
                KLUIS_OK)
                return 1;
            findings += ns;
            out_bytes += out_len;
            off += n;
        }
        double t1 = now_s();
        hits = 0;
        for (size_t off = 0; off < len;) {
            size_t n = window(text + off, len - off);
            hs_scan(db, text + off, (unsigned)n, 0, scratch, on_lit, &hits);
            off += n;
        }
        double t2 = now_s();
        if (t1 - t0 < best_k)
            best_k = t1 - t0;
        if (t2 - t1 < best_h)
            best_h = t2 - t1;
    }
    double gk = (double)len / best_k / 1e9, gh = (double)len / best_h / 1e9;
    printf("corpus: %zu bytes\n\n", len);
    printf("| what | time (best of 5) | GB/s |\n|---|---:|---:|\n");
    printf("| kluis_scrub_redact, type mode (%zu findings) | %.3f s | %.3f |\n", findings, best_k,
           gk);
    printf("| Vectorscan, one literal \"%s\" (%zu matches) | %.3f s | %.3f |\n", literal, hits,
           best_h, gh);
    printf("\nkluis / single literal: %.2fx (goal >= 0.6x)\n", gk / gh);
    hs_free_scratch(scratch);
    hs_free_database(db);
    kluis_scrub_free(s);
    free(text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "eval") == 0)
        return eval(argv[2], argv[3], argc > 4 && strcmp(argv[4], "--strict") == 0,
                    getenv("BENCH_VERBOSE") != NULL);
    if (argc >= 3 && strcmp(argv[1], "speed") == 0)
        return speed(argv[2], argc > 3 ? argv[3] : "ERROR");
    fprintf(stderr, "usage: bench_scrub eval TEXT LABELS [--strict]\n"
                    "       bench_scrub speed TEXT [LITERAL]\n");
    return 2;
}
