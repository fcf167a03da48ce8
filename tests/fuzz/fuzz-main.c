/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Standalone driver for fuzz targets, used when building without libFuzzer.
 *
 * Every fuzz target is linked with this file to make a regression test over
 * its committed inputs:
 *
 *     fuzz-foo FILE|DIR...
 *
 * runs LLVMFuzzerTestOneInput() once for each FILE and for each regular,
 * non-hidden file directly in each DIR (sorted by name), and prints TAP:
 * "1..N", then "ok N - PATH" per input. A target that crashes kills the
 * process; the sanitizers report why, and the missing TAP points plus the exit
 * status tell the test harness. An input that cannot be read is "not ok" and
 * makes the exit status 1.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strdup, O_CLOEXEC when built outside meson */
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional, as in libFuzzer: called once before the first input if the target defines it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define MAX_INPUT_SIZE (8u * 1024 * 1024)

struct paths {
    char **v;
    size_t n, cap;
};

static void die_oom(void)
{
    fputs("fuzz-main: out of memory\n", stderr);
    exit(EXIT_FAILURE);
}

static void paths_add(struct paths *p, char *path)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        char **v = realloc(p->v, cap * sizeof(*v));

        if (!v)
            die_oom();
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = path;
}

static char *xstrdup(const char *s)
{
    char *r = strdup(s);

    if (!r)
        die_oom();
    return r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the regular, non-hidden files directly in dir, sorted; 0 or -errno. */
static int add_dir(struct paths *p, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t first = p->n;

    if (!d)
        return -errno;
    while ((de = readdir(d))) {
        struct stat st;
        size_t len;
        char *path;

        if (de->d_name[0] == '.')
            continue;
        len = strlen(dir) + 1 + strlen(de->d_name) + 1;
        path = malloc(len);
        if (!path)
            die_oom();
        snprintf(path, len, "%s/%s", dir, de->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            paths_add(p, path);
        else
            free(path);
    }
    closedir(d);
    qsort(p->v + first, p->n - first, sizeof(*p->v), cmp_str);
    return 0;
}

/* Read all of path into a malloc'ed buffer of exactly its size; 0 or -errno. */
static int read_input(const char *path, uint8_t **ret, size_t *ret_size)
{
    uint8_t *buf;
    size_t size = 0;
    struct stat st;
    int fd, r = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0) {
        r = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        r = -EINVAL;
        goto out;
    }
    if ((uintmax_t)st.st_size > MAX_INPUT_SIZE) {
        r = -EFBIG;
        goto out;
    }
    /* Exact size, so that the sanitizers catch any read past the end. */
    buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (!buf)
        die_oom();
    while (size < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + size, (size_t)st.st_size - size);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            r = n < 0 ? -errno : -EIO; /* error, or the file shrank */
            free(buf);
            goto out;
        }
        size += (size_t)n;
    }
    *ret = buf;
    *ret_size = size;
out:
    close(fd);
    return r;
}

int main(int argc, char **argv)
{
    struct paths inputs = {0};
    int failed = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }

    /* Collect everything first: the TAP plan comes before the first point. */
    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            int r = add_dir(&inputs, argv[i]);

            if (r < 0) {
                fprintf(stderr, "fuzz-main: %s: %s\n", argv[i], strerror(-r));
                return 1;
            }
        } else {
            paths_add(&inputs, xstrdup(argv[i])); /* errors are reported per input */
        }
    }

    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);

    printf("1..%zu\n", inputs.n);
    fflush(stdout);
    for (size_t i = 0; i < inputs.n; i++) {
        uint8_t *data = NULL;
        size_t size = 0;
        int r = read_input(inputs.v[i], &data, &size);

        if (r < 0) {
            printf("not ok %zu - %s\n# cannot read: %s\n", i + 1, inputs.v[i], strerror(-r));
            failed = 1;
        } else {
            /* Say which input is running, so a crash can be pinned on it. */
            printf("# running %s (%zu bytes)\n", inputs.v[i], size);
            fflush(stdout);
            (void)LLVMFuzzerTestOneInput(data, size);
            free(data);
            printf("ok %zu - %s\n", i + 1, inputs.v[i]);
        }
        fflush(stdout);
        free(inputs.v[i]);
    }
    free(inputs.v);
    return failed;
}
