/*
 * YAML bytes to a small tree, through libfyaml's event parser.
 *
 * The event API is used rather than libfyaml's document tree because every node of a policy needs
 * its source position (findings point at file:line:col), and because building our own nodes lets
 * us bound depth and size and refuse what a policy must not contain: anchors and aliases (a
 * policy must read the same to a person as to kluis, and aliases allow billion-laughs input),
 * tags, several documents, and non-scalar keys.
 */
#include "policy/policy_internal.h"

#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A node under construction: its children grow in a heap array until the node closes. */
struct frame {
    struct ynode *node;
    struct ynode **kids;
    size_t n_kids;
    size_t cap_kids;
};

struct yparser {
    struct kluis_arena *arena;
    const char *file;
    struct kluis_findings *findings;
    struct frame stack[KLUIS_POLICY_MAX_DEPTH + 1];
    size_t depth;
    size_t n_nodes;
    struct ynode *root;
    bool failed;
    kluis_rc rc;
};

/* Records the first failure; msg is a complete sentence, arg (may be NULL) is appended. */
static void yfail(struct yparser *y, const char *rule, int line, int col, const char *msg,
                  const char *arg)
{
    if (y->failed)
        return;
    y->failed = true;
    y->rc = kluis__findings_add(y->findings, KLUIS_SEV_ERROR, rule, NULL, y->file, line, col, NULL,
                                NULL, "%s%s", msg, arg ? arg : "");
    if (y->rc == KLUIS_OK)
        y->rc = KLUIS_EPOLICY;
}

static void mark_pos(struct fy_event *fye, int *line, int *col)
{
    const struct fy_mark *m = fy_event_start_mark(fye);
    *line = m ? m->line + 1 : 0;
    *col = m ? m->column + 1 : 0;
}

static bool frame_push_kid(struct yparser *y, struct frame *f, struct ynode *kid)
{
    if (f->n_kids == f->cap_kids) {
        size_t cap = f->cap_kids ? f->cap_kids * 2 : 8;
        struct ynode **k = realloc(f->kids, cap * sizeof(*k));
        if (!k) {
            y->failed = true;
            y->rc = KLUIS_ENOMEM;
            return false;
        }
        f->kids = k;
        f->cap_kids = cap;
    }
    f->kids[f->n_kids++] = kid;
    return true;
}

/* Attaches a finished node to its parent, or makes it the root. */
static void attach(struct yparser *y, struct ynode *n)
{
    if (y->depth == 0) {
        y->root = n;
        return;
    }
    struct frame *parent = &y->stack[y->depth - 1];
    if (parent->node->type == YNODE_MAP && parent->n_kids % 2 == 0 && n->type != YNODE_SCALAR) {
        yfail(y, "schema-type", n->line, n->col, "a mapping key must be a plain word", NULL);
        return;
    }
    if (parent->node->type == YNODE_MAP && parent->n_kids % 2 == 1) {
        /* A block mapping's own mark is its first key; findings about the mapping as a whole
         * ("needs 'address'") read better at the key that names it. */
        n->key_line = parent->kids[parent->n_kids - 1]->line;
        n->key_col = parent->kids[parent->n_kids - 1]->col;
    }
    frame_push_kid(y, parent, n);
}

static struct ynode *new_node(struct yparser *y, enum ynode_type type, struct fy_event *fye)
{
    if (++y->n_nodes > KLUIS_POLICY_MAX_NODES) {
        int line, col;
        mark_pos(fye, &line, &col);
        yfail(y, "schema-limit", line, col, "the policy has too many nodes (more than 200000)",
              NULL);
        return NULL;
    }
    struct ynode *n = kluis__arena_alloc(y->arena, sizeof(*n));
    if (!n) {
        y->failed = true;
        y->rc = KLUIS_ENOMEM;
        return NULL;
    }
    n->type = type;
    mark_pos(fye, &n->line, &n->col);
    return n;
}

static bool refuse_decorations(struct yparser *y, struct fy_event *fye, struct fy_token *anchor,
                               struct fy_token *tag)
{
    int line, col;
    mark_pos(fye, &line, &col);
    if (anchor) {
        yfail(y, "yaml", line, col,
              "anchors and aliases are not allowed in a policy; write the value out", NULL);
        return false;
    }
    if (tag) {
        yfail(y, "yaml", line, col, "tags are not allowed in a policy", NULL);
        return false;
    }
    return true;
}

static void open_collection(struct yparser *y, struct fy_event *fye, enum ynode_type type)
{
    struct ynode *n = new_node(y, type, fye);
    if (!n)
        return;
    if (type == YNODE_MAP && fye->mapping_start.mapping_start)
        n->flow = fy_token_get_type(fye->mapping_start.mapping_start) == FYTT_FLOW_MAPPING_START;
    if (y->depth >= KLUIS_POLICY_MAX_DEPTH) {
        yfail(y, "schema-limit", n->line, n->col,
              "the policy is nested too deeply (more than 32 levels)", NULL);
        return;
    }
    struct frame *f = &y->stack[y->depth++];
    memset(f, 0, sizeof(*f));
    f->node = n;
}

static void close_collection(struct yparser *y)
{
    struct frame *f = &y->stack[--y->depth];
    struct ynode *n = f->node;
    if (n->type == YNODE_SEQ) {
        n->items = kluis__arena_array(y->arena, f->n_kids ? f->n_kids : 1, sizeof(*n->items));
        if (!n->items)
            goto oom;
        if (f->n_kids)
            memcpy(n->items, f->kids, f->n_kids * sizeof(*n->items));
        n->n_items = f->n_kids;
    } else {
        size_t np = f->n_kids / 2;
        n->pairs = kluis__arena_array(y->arena, np ? np : 1, sizeof(*n->pairs));
        if (!n->pairs)
            goto oom;
        for (size_t i = 0; i < np; i++) {
            n->pairs[i].key = f->kids[2 * i];
            n->pairs[i].value = f->kids[2 * i + 1];
            for (size_t j = 0; j < i; j++) {
                const struct ynode *a = n->pairs[j].key, *b = n->pairs[i].key;
                if (a->len == b->len && memcmp(a->str, b->str, a->len) == 0) {
                    char msg[160];
                    snprintf(msg, sizeof(msg), "duplicate key '%.100s'", b->str);
                    yfail(y, "schema-duplicate", b->line, b->col, msg, NULL);
                    free(f->kids);
                    return;
                }
            }
        }
        n->n_pairs = np;
    }
    free(f->kids);
    attach(y, n);
    return;
oom:
    free(f->kids);
    y->failed = true;
    y->rc = KLUIS_ENOMEM;
}

static void on_scalar(struct yparser *y, struct fy_event *fye)
{
    /* tag_implicit is not reliably set by libfyaml 0.7; an untagged scalar has no tag token. */
    if (!refuse_decorations(y, fye, fye->scalar.anchor, fye->scalar.tag))
        return;
    struct ynode *n = new_node(y, YNODE_SCALAR, fye);
    if (!n)
        return;
    size_t len = 0;
    const char *text = fy_token_get_text(fye->scalar.value, &len);
    if (!text) {
        text = "";
        len = 0;
    }
    n->str = kluis__arena_strndup(y->arena, text, len);
    if (!n->str) {
        y->failed = true;
        y->rc = KLUIS_ENOMEM;
        return;
    }
    n->len = len;
    enum fy_scalar_style style = fy_token_scalar_style(fye->scalar.value);
    n->plain = style == FYSS_PLAIN;
    attach(y, n);
}

/*
 * libfyaml's diagnostics: the first error line it prints, "<input>:LINE:COL: error: MESSAGE".
 * Output mode is used rather than fy_diag_set_collect_errors(), whose collected errors libfyaml
 * 0.7.12 does not free (found by fuzzing).
 */
struct diag_capture {
    bool have;
    int line;
    int col;
    char msg[256];
};

static void diag_output(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    struct diag_capture *cap = user;
    (void)diag;
    if (cap->have)
        return;
    const char *err = NULL;
    for (size_t i = 0; i + 9 <= len && !err; i++)
        if (memcmp(buf + i, ": error: ", 9) == 0)
            err = buf + i;
    if (!err)
        return;
    /* Walk back over ":LINE:COL" before ": error: ". */
    const char *p = err;
    int nums[2] = {0, 0};
    for (int k = 1; k >= 0; k--) {
        const char *end = p;
        while (p > buf && p[-1] >= '0' && p[-1] <= '9')
            p--;
        if (p == end || p == buf || p[-1] != ':')
            return;
        int v = 0;
        for (const char *q = p; q < end && v < 10000000; q++)
            v = v * 10 + (*q - '0');
        nums[k] = v;
        p--;
    }
    const char *msg = err + 9;
    size_t mlen = (size_t)(buf + len - msg);
    while (mlen && (msg[mlen - 1] == '\n' || msg[mlen - 1] == '\r'))
        mlen--;
    if (mlen >= sizeof(cap->msg))
        mlen = sizeof(cap->msg) - 1;
    memcpy(cap->msg, msg, mlen);
    cap->msg[mlen] = '\0';
    cap->line = nums[0];
    cap->col = nums[1];
    cap->have = true;
}

/* The parse error libfyaml reported, as a finding. */
static void report_diag(struct yparser *y, const struct diag_capture *cap, const char *buf,
                        size_t len)
{
    if (!cap->have) {
        yfail(y, "yaml", 0, 0, "malformed YAML", NULL);
        return;
    }
    /* At the end of input libfyaml may count lines past the last one; point at the last. */
    int lines = 1;
    for (size_t i = 0; i + 1 < len; i++)
        lines += buf[i] == '\n';
    int line = cap->line, col = cap->col;
    if (line > lines) {
        line = lines;
        col = 1;
    }
    yfail(y, "yaml", line, col, "malformed YAML: ", cap->msg[0] ? cap->msg : "syntax error");
}

kluis_rc kluis__yaml_parse(struct kluis_arena *arena, const char *buf, size_t len, const char *file,
                           struct kluis_findings *findings, struct ynode **out_root)
{
    struct yparser y = {.arena = arena, .file = file, .findings = findings, .rc = KLUIS_OK};

    if (!kluis__utf8_valid(buf, len) || memchr(buf, '\0', len)) {
        yfail(&y, "yaml", 1, 1, "the policy is not UTF-8 text", NULL);
        return y.rc;
    }

    struct diag_capture cap = {0};
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_output;
    dcfg.user = &cap;
    dcfg.colorize = false;
    dcfg.show_source = false;
    dcfg.show_position = true;
    dcfg.show_type = true;
    dcfg.show_module = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag)
        return KLUIS_ENOMEM;

    struct fy_parse_cfg cfg = {
        .flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE,
        .diag = diag,
    };
    struct fy_parser *fyp = fy_parser_create(&cfg);
    if (!fyp) {
        fy_diag_unref(diag);
        return KLUIS_ENOMEM;
    }
    if (fy_parser_set_string(fyp, buf, len) != 0) {
        fy_parser_destroy(fyp);
        fy_diag_unref(diag);
        return KLUIS_ENOMEM;
    }

    int documents = 0;
    struct fy_event *fye;
    while (!y.failed && (fye = fy_parser_parse(fyp)) != NULL) {
        int line, col;
        switch (fye->type) {
        case FYET_DOCUMENT_START:
            if (++documents > 1) {
                mark_pos(fye, &line, &col);
                yfail(&y, "yaml", line, col, "a policy is one YAML document", NULL);
            }
            break;
        case FYET_MAPPING_START:
            if (refuse_decorations(&y, fye, fye->mapping_start.anchor, fye->mapping_start.tag))
                open_collection(&y, fye, YNODE_MAP);
            break;
        case FYET_SEQUENCE_START:
            if (refuse_decorations(&y, fye, fye->sequence_start.anchor, fye->sequence_start.tag))
                open_collection(&y, fye, YNODE_SEQ);
            break;
        case FYET_MAPPING_END:
        case FYET_SEQUENCE_END:
            close_collection(&y);
            break;
        case FYET_SCALAR:
            on_scalar(&y, fye);
            break;
        case FYET_ALIAS:
            mark_pos(fye, &line, &col);
            yfail(&y, "yaml", line, col,
                  "anchors and aliases are not allowed in a policy; write the value out", NULL);
            break;
        default:
            break;
        }
        fy_parser_event_free(fyp, fye);
    }
    if (!y.failed && fy_parser_get_stream_error(fyp))
        report_diag(&y, &cap, buf, len);

    /* Free what a failure left open. */
    while (y.depth > 0)
        free(y.stack[--y.depth].kids);

    fy_parser_destroy(fyp);
    fy_diag_unref(diag);

    if (y.failed)
        return y.rc == KLUIS_OK ? KLUIS_EPOLICY : y.rc;
    *out_root = y.root;
    return KLUIS_OK;
}

struct ynode *kluis__ymap_get(const struct ynode *map, const char *key)
{
    if (!map || map->type != YNODE_MAP)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < map->n_pairs; i++) {
        const struct ynode *k = map->pairs[i].key;
        if (k->len == klen && memcmp(k->str, key, klen) == 0)
            return map->pairs[i].value;
    }
    return NULL;
}
