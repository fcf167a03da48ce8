/*
 * scrub — the byte scanner and the validators (docs/scrub.md gives each rule with its source).
 *
 * The scanner visits each byte once through a class table and stops only where a token may
 * start: a digit, '+' or '(' before a digit, a letter that may open an IBAN, a VAT id or an IPv6
 * address, or "::". There it reads a bounded token — at most SCRUB_GROUPS_MAX digit groups and
 * SCRUB_DIGITS_MAX digits — and asks the validators, then jumps past what it read. Nothing
 * backtracks further than one token, so the cost is linear in the text whatever it holds.
 *
 * Boundaries keep numbers inside other tokens out: a token must not follow a letter, a digit or
 * '_', nor one of . , : - / that itself follows a letter or digit (version strings, amounts,
 * UUIDs, order numbers such as ORD-123456782), and must not be followed by a letter or digit, nor
 * by . , : - / and a digit.
 */
#include "scrub/scrub_internal.h"

#include <arpa/inet.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum {
    C_DIGIT = 1,
    C_UPPER = 2,
    C_LOWER = 4,
    C_HEX = 8,
    C_WORD = 16,  /* letters, digits, '_' */
    C_PUNCT = 32, /* . , : - / : joins a token to what precedes or follows */
    C_EMAIL_LOCAL = 64,
    C_PHONE_SEP = 128, /* space - . / ( ) */
};
#define C_ALPHA (C_UPPER | C_LOWER)
#define C_ALNUM (C_DIGIT | C_ALPHA)

static unsigned char cls[256];

static void init_classes(void)
{
    if (cls['0'])
        return;
    for (int c = '0'; c <= '9'; c++)
        cls[c] = C_DIGIT | C_HEX | C_WORD | C_EMAIL_LOCAL;
    for (int c = 'A'; c <= 'Z'; c++)
        cls[c] = C_UPPER | C_WORD | C_EMAIL_LOCAL | (c <= 'F' ? C_HEX : 0);
    for (int c = 'a'; c <= 'z'; c++)
        cls[c] = C_LOWER | C_WORD | C_EMAIL_LOCAL | (c <= 'f' ? C_HEX : 0);
    cls['_'] = C_WORD | C_EMAIL_LOCAL;
    for (const char *p = ".,:-/"; *p; p++)
        cls[(unsigned char)*p] |= C_PUNCT;
    /* RFC 5322 allows more (= / ? ' ` { | }), but in logs they join an address to what comes
     * before it ("user=jan@example.nl"), so they end the local part here. */
    for (const char *p = ".!#$%&*+^~-"; *p; p++)
        cls[(unsigned char)*p] |= C_EMAIL_LOCAL;
    for (const char *p = " -./()"; *p; p++)
        cls[(unsigned char)*p] |= C_PHONE_SEP;
}

static unsigned at(const struct scrub_run *r, size_t i)
{
    return i < r->len ? cls[r->t[i]] : 0;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* May a token start at i, given what precedes it? */
/* Whether i follows a key and a colon ("BSN:123456782", "IBAN:NL91…", "tel:+3161…"): a token may
 * start there although ':' follows a letter. After a digit it may not (12:30:45, MAC and IPv6
 * pieces). */
static bool after_key(const struct scrub_run *r, size_t i)
{
    return i >= 2 && r->t[i - 1] == ':' && (cls[r->t[i - 2]] & C_ALPHA);
}

static bool start_ok(const struct scrub_run *r, size_t i)
{
    if (i == 0)
        return true;
    if (after_key(r, i))
        return true;
    unsigned p = cls[r->t[i - 1]];
    if (p & C_WORD)
        return false;
    if (r->t[i - 1] == '+' || r->t[i - 1] == '@')
        return false;
    if ((p & C_PUNCT) && i >= 2 && (cls[r->t[i - 2]] & C_ALNUM))
        return false;
    return true;
}

/* May a token end at e (exclusive), given what follows? */
static bool end_ok(const struct scrub_run *r, size_t e)
{
    if (e >= r->len)
        return true;
    unsigned n = cls[r->t[e]];
    if (n & C_WORD)
        return false;
    if ((n & C_PUNCT) && e + 1 < r->len && is_digit(r->t[e + 1]))
        return false;
    return true;
}

/* ---- Validators ------------------------------------------------------------------------------
 */

bool kluis__scrub_luhn(const char *d, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(d[n - 1 - i] - '0');
        if (i % 2 == 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

bool kluis__scrub_elfproef(const char *d)
{
    int sum = 0;
    bool zero = true;
    for (int i = 0; i < 8; i++) {
        sum += (9 - i) * (d[i] - '0');
        zero = zero && d[i] == '0';
    }
    sum -= d[8] - '0';
    return !zero && sum % 11 == 0;
}

/* The remainder mod 97 of a string of digits and letters (A = 10 … Z = 35), left to right. */
static unsigned mod97(const char *s, size_t n)
{
    unsigned m = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            m = (m * 10 + (unsigned)(c - '0')) % 97;
        } else {
            unsigned v = (unsigned)(c - 'A') + 10;
            m = (m * 100 + v) % 97;
        }
    }
    return m;
}

/* IBAN lengths per country: the SWIFT IBAN Registry (release 99, 2024). */
static const struct {
    char cc[3];
    unsigned char len;
} iban_lengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
    {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20},
    {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20},
    {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24},
    {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25},
    {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
    {"YE", 30},
};

static unsigned iban_length(const char *cc)
{
    size_t lo = 0, hi = sizeof(iban_lengths) / sizeof(iban_lengths[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(iban_lengths[mid].cc, cc, 2);
        if (c == 0)
            return iban_lengths[mid].len;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

bool kluis__scrub_iban(const char *s, size_t n)
{
    if (n < 15 || n > 34 || !(cls[(unsigned char)s[0]] & C_UPPER) ||
        !(cls[(unsigned char)s[1]] & C_UPPER) || !is_digit((unsigned char)s[2]) ||
        !is_digit((unsigned char)s[3]))
        return false;
    if (iban_length(s) != n)
        return false;
    for (size_t i = 4; i < n; i++)
        if (!(cls[(unsigned char)s[i]] & (C_DIGIT | C_UPPER)))
            return false;
    /* ISO 13616: the first four characters moved to the end, letters as numbers, mod 97 = 1. */
    unsigned m = mod97(s + 4, n - 4);
    for (size_t i = 0; i < 4; i++) {
        char c = s[i];
        m = is_digit((unsigned char)c) ? (m * 10 + (unsigned)(c - '0')) % 97
                                       : (m * 100 + (unsigned)(c - 'A') + 10) % 97;
    }
    return m == 1;
}

static unsigned num(const char *d, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned)(d[i] - '0');
    return v;
}

bool kluis__scrub_rrn(const char *d)
{
    /* YYMMDD: a BIS number adds 20 or 40 to the month; 00 stands for an unknown month or day. */
    unsigned mm = num(d + 2, 2), dd = num(d + 4, 2);
    unsigned m = mm >= 40 ? mm - 40 : mm >= 20 ? mm - 20 : mm;
    if (m > 12 || dd > 31)
        return false;
    unsigned check = num(d + 9, 2);
    unsigned first = num(d, 9);
    /* Born in 2000 or later: a 2 is put before the nine digits. */
    return check == 97 - first % 97 || check == 97 - (2000000000u + first) % 97;
}

bool kluis__scrub_kbo(const char *d)
{
    if (d[0] != '0' && d[0] != '1')
        return false;
    unsigned first = num(d, 8);
    return num(d + 8, 2) == 97 - first % 97;
}

bool kluis__scrub_nl_vat(const char *s, const char **out_rule)
{
    if (s[0] != 'N' || s[1] != 'L' || s[11] != 'B')
        return false;
    for (int i = 2; i < 14; i++)
        if (i != 11 && !is_digit((unsigned char)s[i]))
            return false;
    if (kluis__scrub_elfproef(s + 2)) {
        *out_rule = "nl-vat-elfproef";
        return true;
    }
    if (mod97(s, 14) == 1) {
        *out_rule = "nl-vat-mod97";
        return true;
    }
    return false;
}

static bool prefix_in(const char *d, unsigned lo, unsigned hi, size_t digits)
{
    unsigned v = num(d, digits);
    return v >= lo && v <= hi;
}

bool kluis__scrub_card(const char *d, size_t n)
{
    if (n < 12 || n > 19)
        return false;
    bool iin = false;
    if (d[0] == '4') /* Visa */
        iin = n == 13 || n == 16 || n == 19;
    else if (prefix_in(d, 51, 55, 2) || prefix_in(d, 2221, 2720, 4)) /* Mastercard */
        iin = n == 16;
    else if (prefix_in(d, 34, 34, 2) || prefix_in(d, 37, 37, 2)) /* American Express */
        iin = n == 15;
    else if (prefix_in(d, 6011, 6011, 4) || prefix_in(d, 644, 649, 3) || prefix_in(d, 65, 65, 2))
        iin = n >= 16;                    /* Discover */
    else if (prefix_in(d, 3528, 3589, 4)) /* JCB */
        iin = n >= 16;
    else if (prefix_in(d, 300, 305, 3) || prefix_in(d, 36, 36, 2) || prefix_in(d, 38, 39, 2))
        iin = n >= 14;                /* Diners Club */
    else if (prefix_in(d, 62, 62, 2)) /* UnionPay */
        iin = n >= 16;
    else if (prefix_in(d, 50, 50, 2) || prefix_in(d, 56, 69, 2)) /* Maestro, Bancontact */
        iin = n >= 12;
    return iin && kluis__scrub_luhn(d, n);
}

/* ---- Context keywords ------------------------------------------------------------------------
 */

/* A keyword may stand this far before a number, or this far after it, on the same line. */
#define KW_BEFORE 48
#define KW_AFTER  24

/* A keyword vouches only for the first number after it (or the last before it) on its line:
 * "KvK 12345678, opgericht 2020-01-02" names one KvK number, not two. */
static bool no_digit_or_newline(const struct scrub_run *r, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (r->t[i] == '\n' || is_digit(r->t[i]))
            return false;
    return true;
}

/* Whether the keyword ending at i introduces a number of its own: a digit follows within
 * KW_BEFORE bytes on the same line before any of ) , ; — "sofinummer 5161.80.939" does,
 * "123456782 (BSN), 37 items" does not. */
static bool introduces_number(const struct scrub_run *r, size_t i)
{
    for (size_t j = i; j < r->len && j < i + KW_BEFORE; j++) {
        if (is_digit(r->t[j]))
            return true;
        if (strchr("),;\n", r->t[j]))
            return false;
    }
    return false;
}

static bool has_context(const struct scrub_run *r, enum scrub_kw_group g, size_t start, size_t end)
{
    /* The keywords are in ascending end order: find the first whose end is near enough. */
    size_t from = start > KW_BEFORE ? start - KW_BEFORE : 0;
    size_t lo = 0, hi = r->n_kw;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->kw[mid].end < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < r->n_kw && r->kw[i].start <= end + KW_AFTER; i++) {
        const struct scrub_kw *k = &r->kw[i];
        if (k->group != g)
            continue;
        if (k->end <= start && no_digit_or_newline(r, k->end, start) &&
            !memchr(r->t + k->end, ')', start - k->end) &&
            !memchr(r->t + k->end, ';', start - k->end))
            return true;
        /* After the number, the keyword must not be followed by a number of its own
         * ("order 754529708, sofinummer 5161.80.939" vouches for the second only). */
        if (k->start >= end && no_digit_or_newline(r, end, k->start) &&
            !introduces_number(r, k->end))
            return true;
    }
    return false;
}

/* ---- E-mail ----------------------------------------------------------------------------------
 */

void kluis__scrub_email(struct scrub_run *r, size_t a)
{
    init_classes();
    /* The local part: up to 64 characters (RFC 5321, 4.5.3.1.1), no dot at either end. */
    size_t l = a;
    while (l > 0 && a - l < 64 && (cls[r->t[l - 1]] & C_EMAIL_LOCAL))
        l--;
    if (l == a || (l > 0 && (cls[r->t[l - 1]] & C_EMAIL_LOCAL)))
        return;
    while (l < a && r->t[l] == '.')
        l++;
    if (l == a || r->t[a - 1] == '.')
        return;
    /* The domain: labels of letters, digits and '-' (not at either end of a label), at most 63
     * characters each, 253 in all, at least two, and a top-level label of letters only. */
    size_t p = a + 1, end = 0, labels = 0;
    bool tld_alpha = false;
    while (p < r->len && p - a <= 253) {
        size_t s = p;
        bool alpha = true;
        while (p < r->len && ((cls[r->t[p]] & C_ALNUM) || r->t[p] == '-')) {
            alpha = alpha && (cls[r->t[p]] & C_ALPHA);
            p++;
        }
        if (p == s || p - s > 63 || r->t[s] == '-' || r->t[p - 1] == '-')
            break;
        labels++;
        end = p;
        tld_alpha = alpha && p - s >= 2;
        if (p + 1 < r->len && r->t[p] == '.' && (cls[r->t[p + 1]] & C_ALNUM))
            p++;
        else
            break;
    }
    if (labels < 2 || !tld_alpha || end - a > 254)
        return;
    if (end < r->len && ((cls[r->t[end]] & C_WORD) || r->t[end] == '-' || r->t[end] == '@'))
        return;
    kluis__scrub_add(r, l, end, KLUIS_SCRUB_EMAIL, "rfc5321");
}

/* ---- Digit groups ----------------------------------------------------------------------------
 */

#define SCRUB_GROUPS_MAX 12
#define SCRUB_DIGITS_MAX 24

/* A token of digit groups joined by separators. */
struct groups {
    size_t n;
    size_t s[SCRUB_GROUPS_MAX], e[SCRUB_GROUPS_MAX]; /* each group's bytes */
    size_t cum[SCRUB_GROUPS_MAX];                    /* digits up to and including group k */
    char d[SCRUB_DIGITS_MAX + 1];                    /* the digits, "(0)" groups left out */
    bool simple[SCRUB_GROUPS_MAX];   /* every separator before group k is one of space . - */
    bool narrow[SCRUB_GROUPS_MAX];   /* … and the same character throughout */
    bool card_sep[SCRUB_GROUPS_MAX]; /* … and that character is a space or '-' */
};

/* Reads the digit groups from i (a digit). Separators: 1 to 3 of space - . / ( ). */
static void read_groups(const struct scrub_run *r, size_t i, struct groups *g)
{
    size_t nd = 0;
    bool simple = true, narrow = true, card = true;
    unsigned char sep0 = 0;
    g->n = 0;
    size_t p = i;
    while (g->n < SCRUB_GROUPS_MAX && p < r->len && is_digit(r->t[p])) {
        size_t s = p;
        while (p < r->len && is_digit(r->t[p]))
            p++;
        size_t len = p - s;
        bool paren0 = len == 1 && r->t[s] == '0' && s > 0 && r->t[s - 1] == '(' && p < r->len &&
                      r->t[p] == ')' && g->n > 0;
        if (!paren0) {
            if (nd + len > SCRUB_DIGITS_MAX)
                break;
            memcpy(g->d + nd, r->t + s, len);
            nd += len;
        } else {
            simple = false;
        }
        g->s[g->n] = s;
        g->e[g->n] = p;
        g->cum[g->n] = nd;
        g->simple[g->n] = simple;
        g->narrow[g->n] = narrow;
        g->card_sep[g->n] = card;
        g->n++;
        /* The separator to the next group. */
        size_t q = p;
        while (q < r->len && q - p < 3 && (cls[r->t[q]] & C_PHONE_SEP))
            q++;
        if (q == p || q >= r->len || !is_digit(r->t[q]))
            break;
        if (q - p != 1 || !(r->t[p] == ' ' || r->t[p] == '.' || r->t[p] == '-')) {
            simple = false;
        } else {
            if (sep0 && sep0 != r->t[p])
                narrow = false;
            sep0 = r->t[p];
            if (sep0 == '.')
                card = false;
        }
        if (!simple)
            narrow = card = false;
        p = q;
    }
    g->d[nd] = '\0';
}

/* The group index k for which the first k+1 groups hold exactly n digits, or -1. */
static int groups_for(const struct groups *g, size_t n)
{
    for (size_t k = 0; k < g->n; k++) {
        if (g->cum[k] == n)
            return (int)k;
        if (g->cum[k] > n)
            break;
    }
    return -1;
}

/* A Dutch subscriber number after the 0 or +31: nine digits, area codes 1–5 and 7, mobile 6
 * (61–65, 68), 8 (084, 085, 087, 088). 09xx are service numbers, not people's. */
static bool nl_national(const char *n, size_t len)
{
    if (len != 9)
        return false;
    switch (n[0]) {
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '7':
        return true;
    case '6':
        return strchr("123458", n[1]) != NULL;
    case '8':
        return strchr("4578", n[1]) != NULL;
    default:
        return false;
    }
}

/* A Belgian number after 0 or +32: eight digits (fixed lines), nine for mobiles (045x–049x). */
static bool be_national(const char *n, size_t len)
{
    if (n[0] == '0')
        return false;
    if (len == 9)
        return n[0] == '4' && n[1] >= '5';
    return len == 8 && n[0] != '4';
}

struct pick {
    size_t end;
    enum kluis_scrub_type type;
    const char *validator;
    int rank; /* lower wins at the same end */
};

static void consider(struct pick *best, size_t end, enum kluis_scrub_type type,
                     const char *validator, int rank)
{
    if (end > best->end || (end == best->end && rank < best->rank)) {
        best->end = end;
        best->type = type;
        best->validator = validator;
        best->rank = rank;
    }
}

/* 0123.456.789: how the Belgian enterprise register writes its numbers, never a phone. */
static bool kbo_shape(const struct scrub_run *r, const struct groups *g, size_t k)
{
    return k == 2 && g->narrow[k] && r->t[g->e[0]] == '.' && g->e[0] - g->s[0] == 4 &&
           g->e[1] - g->s[1] == 3 && g->e[2] - g->s[2] == 3;
}

/* Phone numbers read from the digits of g: intl is true after a '+'. */
static void phones(const struct scrub_run *r, const struct groups *g, bool intl, struct pick *best)
{
    for (size_t k = 0; k < g->n; k++) {
        const char *d = g->d;
        size_t n = g->cum[k];
        size_t e = g->e[k];
        if (!end_ok(r, e))
            continue;
        bool plus = intl;
        if (!plus && n > 2 && d[0] == '0' && d[1] == '0') {
            plus = true;
            d += 2;
            n -= 2;
        }
        if (plus) {
            if (n > 2 && d[0] == '3' && d[1] == '1') {
                if (nl_national(d + 2, n - 2))
                    consider(best, e, KLUIS_SCRUB_PHONE, "nl", 6);
            } else if (n > 2 && d[0] == '3' && d[1] == '2') {
                if (be_national(d + 2, n - 2))
                    consider(best, e, KLUIS_SCRUB_PHONE, "be", 6);
            } else if (intl && n >= 8 && n <= 15 && d[0] != '0') {
                consider(best, e, KLUIS_SCRUB_PHONE, "e164", 6);
            }
        } else if (n > 1 && d[0] == '0' && g->e[0] - g->s[0] >= 2 && !kbo_shape(r, g, k)) {
            /* A lone leading 0 ("0.123456789") is a decimal fraction, not a trunk prefix. */
            /* 046x–049x are Dutch areas and Belgian mobiles both; a Belgian writes the
             * prefix as one group of four (0470 12 34 56). */
            bool be_mobile = n == 10 && be_national(d + 1, 9) && g->e[0] - g->s[0] == 4 && k > 0;
            if (n == 10 && nl_national(d + 1, 9) && !be_mobile)
                consider(best, e, KLUIS_SCRUB_PHONE, "nl", 6);
            else if (n == 10 && be_national(d + 1, 9))
                consider(best, e, KLUIS_SCRUB_PHONE, "be", 6);
            /* Nine digits are a Belgian fixed line only when written in groups: bare, they are
             * as likely a BSN or an order number. */
            else if (n == 9 && k > 0 && be_national(d + 1, 8))
                consider(best, e, KLUIS_SCRUB_PHONE, "be", 6);
        }
    }
}

/* The other numbers of g: RRN, Belgian enterprise number, BSN, KvK, card. */
static void numbers(const struct scrub_run *r, const struct groups *g, size_t start,
                    struct pick *best)
{
    int k;
    char buf[SCRUB_DIGITS_MAX + 1];
    /* The first group's length is the notation's: a decimal fraction such as 8.5073003328 has
     * the digits of a valid number but none of its shapes. */
    size_t first = g->e[0] - g->s[0];
    if ((k = groups_for(g, 11)) >= 0 && g->simple[k] && end_ok(r, g->e[k]) &&
        (first == 2 || first == 6 || first == 11) && kluis__scrub_rrn(g->d))
        consider(best, g->e[k], KLUIS_SCRUB_RRN, "mod97", 0);
    if ((k = groups_for(g, 10)) >= 0 && g->simple[k] && end_ok(r, g->e[k]) &&
        kluis__scrub_kbo(g->d)) {
        if (has_context(r, SCRUB_KW_KBO, start, g->e[k]))
            consider(best, g->e[k], KLUIS_SCRUB_VAT, "be-kbo-mod97", 1);
        /* 0123.456.789 is how the register itself writes it: no keyword needed. */
        else if (kbo_shape(r, g, (size_t)k))
            consider(best, g->e[k], KLUIS_SCRUB_VAT, "be-kbo-mod97", 5);
    }
    if ((k = groups_for(g, 9)) >= 0 && g->simple[k] && end_ok(r, g->e[k]) &&
        (first == 3 || first == 4 || first == 9) && kluis__scrub_elfproef(g->d)) {
        if (has_context(r, SCRUB_KW_BSN, start, g->e[k]))
            consider(best, g->e[k], KLUIS_SCRUB_BSN, "elfproef", 2);
        else if (r->strict)
            consider(best, g->e[k], KLUIS_SCRUB_BSN, "elfproef-strict", 7);
    }
    if ((k = groups_for(g, 8)) >= 0 && g->simple[k] && end_ok(r, g->e[k]) &&
        (first == 2 || first == 4 || first == 8) && has_context(r, SCRUB_KW_KVK, start, g->e[k]))
        consider(best, g->e[k], KLUIS_SCRUB_KVK, "context", 3);
    for (size_t n = 12; n <= 19 && n <= g->cum[g->n - 1]; n++) {
        if ((k = groups_for(g, n)) >= 0 && g->card_sep[k] && end_ok(r, g->e[k])) {
            memcpy(buf, g->d, n);
            if (kluis__scrub_card(buf, n))
                consider(best, g->e[k], KLUIS_SCRUB_CARD, "luhn", 4);
        }
    }
}

/* ---- IP addresses ----------------------------------------------------------------------------
 */

/* An IPv4 address in dotted-quad form from i; returns its end or 0. */
static size_t ipv4_at(const struct scrub_run *r, size_t i)
{
    size_t p = i;
    for (int part = 0; part < 4; part++) {
        size_t s = p;
        while (p < r->len && p - s < 4 && is_digit(r->t[p]))
            p++;
        if (p == s || p - s > 3)
            return 0;
        if (part < 3) {
            if (p >= r->len || r->t[p] != '.')
                return 0;
            p++;
        }
    }
    /* A port or a prefix length may follow; another dot and digit may not. */
    if (p < r->len &&
        ((cls[r->t[p]] & C_WORD) || (r->t[p] == '.' && p + 1 < r->len && is_digit(r->t[p + 1]))))
        return 0;
    char buf[16];
    memcpy(buf, r->t + i, p - i);
    buf[p - i] = '\0';
    struct in_addr a;
    return inet_pton(AF_INET, buf, &a) == 1 ? p : 0;
}

/* An IPv6 address from i (a hex digit or ':'); returns its end or 0. */
static size_t ipv6_at(const struct scrub_run *r, size_t i)
{
    size_t p = i, colons = 0;
    bool hex = false;
    while (p < r->len && p - i <= 45 &&
           ((cls[r->t[p]] & C_HEX) || r->t[p] == ':' || r->t[p] == '.')) {
        colons += r->t[p] == ':';
        hex = hex || (cls[r->t[p]] & C_HEX);
        p++;
    }
    if (colons < 2 || !hex || p - i > 45)
        return 0;
    /* A sentence may end after the address: a final '.' or a lone final ':' is not part of it. */
    while (p > i &&
           (r->t[p - 1] == '.' || (r->t[p - 1] == ':' && p - i >= 2 && r->t[p - 2] != ':')))
        p--;
    if (p < r->len && (cls[r->t[p]] & C_WORD))
        return 0;
    char buf[48];
    memcpy(buf, r->t + i, p - i);
    buf[p - i] = '\0';
    struct in6_addr a;
    return inet_pton(AF_INET6, buf, &a) == 1 ? p : 0;
}

/* ---- Tokens that start with letters ----------------------------------------------------------
 */

static char upper(unsigned char c)
{
    return (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
}

/* An IBAN from i (two letters, two digits): electronic (no spaces) or paper form (groups of four
 * separated by one space). Returns its end or 0. */
static size_t iban_at(const struct scrub_run *r, size_t i)
{
    char buf[35];
    char cc[2] = {upper(r->t[i]), upper(r->t[i + 1])};
    unsigned want = iban_length(cc);
    if (!want)
        return 0;
    size_t n = 0, p = i;
    while (p < r->len && n < want) {
        if (cls[r->t[p]] & C_ALNUM) {
            buf[n++] = upper(r->t[p++]);
        } else if (r->t[p] == ' ' && n % 4 == 0 && p + 1 < r->len && (cls[r->t[p + 1]] & C_ALNUM)) {
            p++;
        } else {
            break;
        }
    }
    if (n != want || (p < r->len && (cls[r->t[p]] & C_WORD)))
        return 0;
    return kluis__scrub_iban(buf, n) ? p : 0;
}

/* A Dutch VAT id from i ("NL", an optional space, 9 digits, 'B', 2 digits). */
static size_t nl_vat_at(const struct scrub_run *r, size_t i, const char **rule)
{
    char buf[15];
    size_t p = i + 2, n = 2;
    buf[0] = 'N';
    buf[1] = 'L';
    if (p < r->len && r->t[p] == ' ')
        p++;
    while (p < r->len && n < 14) {
        unsigned char c = r->t[p];
        if (n == 11 ? upper(c) != 'B' : !is_digit(c))
            return 0;
        buf[n++] = upper(c);
        p++;
    }
    if (n != 14 || (p < r->len && (cls[r->t[p]] & C_WORD)))
        return 0;
    return kluis__scrub_nl_vat(buf, rule) ? p : 0;
}

/* A Belgian VAT id from i ("BE", an optional space, the 10-digit enterprise number, maybe with
 * dots or spaces between groups of 4, 3, 3). */
static size_t be_vat_at(const struct scrub_run *r, size_t i)
{
    char buf[11];
    size_t p = i + 2, n = 0;
    if (p < r->len && r->t[p] == ' ')
        p++;
    while (p < r->len && n < 10) {
        unsigned char c = r->t[p];
        if (is_digit(c)) {
            buf[n++] = (char)c;
            p++;
        } else if ((c == '.' || c == ' ') && (n == 4 || n == 7) && p + 1 < r->len &&
                   is_digit(r->t[p + 1])) {
            p++;
        } else {
            break;
        }
    }
    if (n != 10 || !end_ok(r, p))
        return 0;
    return kluis__scrub_kbo(buf) ? p : 0;
}

/* A Dutch postcode from i: 1000–9999, an optional space, two capitals but not SA, SD or SS. */
static size_t postcode_at(const struct scrub_run *r, size_t i)
{
    if (i + 6 > r->len || r->t[i] == '0')
        return 0;
    for (size_t k = 1; k < 4; k++)
        if (!is_digit(r->t[i + k]))
            return 0;
    size_t p = i + 4;
    if (r->t[p] == ' ')
        p++;
    if (p + 2 > r->len || !(cls[r->t[p]] & C_UPPER) || !(cls[r->t[p + 1]] & C_UPPER))
        return 0;
    char a = (char)r->t[p], b = (char)r->t[p + 1];
    if (a == 'S' && (b == 'A' || b == 'D' || b == 'S'))
        return 0;
    p += 2;
    if (p < r->len && (cls[r->t[p]] & C_WORD))
        return 0;
    return p;
}

/* ---- The scanner -----------------------------------------------------------------------------
 */

/* The end of the run from i in which no token can start: letters, digits, and . , : - /
 * after a letter or digit (start_ok refuses every position in it). Used after a failure, so
 * that a timestamp or a hash is passed in one go instead of piece by piece. */
static size_t skip_joined(const struct scrub_run *r, size_t i)
{
    while (i < r->len) {
        unsigned c = cls[r->t[i]];
        if (!(c & C_WORD) && !((c & C_PUNCT) && (cls[r->t[i - 1]] & C_ALNUM)))
            break;
        if (after_key(r, i))
            break;
        i++;
    }
    return i;
}

/* Whether i starts at most four hex digits followed by ':' (the only way into an IPv6
 * address that does not start with "::"). */
static bool hex_then_colon(const struct scrub_run *r, size_t i)
{
    size_t h = i;
    while (h < r->len && h - i < 5 && (cls[r->t[h]] & C_HEX))
        h++;
    return h < r->len && h - i <= 4 && r->t[h] == ':';
}

/* Whether the digit groups from i (joined as read_groups joins them) hold at least min digits. */
static bool enough_digits(const struct scrub_run *r, size_t i, size_t min)
{
    size_t n = 0, p = i;
    while (p < r->len) {
        if (is_digit(r->t[p])) {
            if (++n >= min)
                return true;
            p++;
            continue;
        }
        size_t q = p;
        while (q < r->len && q - p < 3 && (cls[r->t[q]] & C_PHONE_SEP))
            q++;
        if (q == p || q >= r->len || !is_digit(r->t[q]))
            return false;
        p = q;
    }
    return false;
}

/* Tries every detector that can start at i; returns where to go on (> i). */
static size_t try_at(struct scrub_run *r, size_t i)
{
    unsigned char c = r->t[i];
    unsigned k = cls[c];
    size_t e;

    if (c == '+' || c == '(') {
        if (!start_ok(r, i) || !(at(r, i + 1) & C_DIGIT))
            return i + 1;
        struct groups g;
        read_groups(r, i + 1, &g);
        struct pick best = {0, KLUIS_SCRUB_PHONE, NULL, 99};
        if (c == '+') {
            phones(r, &g, true, &best);
        } else if (g.n > 1 && r->t[g.e[0]] == ')') {
            phones(r, &g, false, &best);
        }
        if (best.end) {
            kluis__scrub_add(r, i, best.end, best.type, best.validator);
            return best.end;
        }
        return i + 1;
    }
    if (c == ':') {
        if (i + 1 < r->len && r->t[i + 1] == ':' && start_ok(r, i) && (e = ipv6_at(r, i))) {
            kluis__scrub_add(r, i, e, KLUIS_SCRUB_IP, "inet_pton6");
            return e;
        }
        return i + 1;
    }
    if (!start_ok(r, i))
        return skip_joined(r, i + 1);

    if (k & C_ALPHA) {
        if (i + 3 < r->len && (at(r, i + 1) & C_ALPHA)) {
            char a = upper(c), b = upper(r->t[i + 1]);
            const char *rule = NULL;
            if ((at(r, i + 2) & C_DIGIT) && (at(r, i + 3) & C_DIGIT) && (e = iban_at(r, i))) {
                kluis__scrub_add(r, i, e, KLUIS_SCRUB_IBAN, "mod97");
                return e;
            }
            if (a == 'N' && b == 'L' && (e = nl_vat_at(r, i, &rule))) {
                kluis__scrub_add(r, i, e, KLUIS_SCRUB_VAT, rule);
                return e;
            }
            if (a == 'B' && b == 'E' && (e = be_vat_at(r, i))) {
                kluis__scrub_add(r, i, e, KLUIS_SCRUB_VAT, "be-kbo-mod97");
                return e;
            }
        }
        if ((k & C_HEX) && hex_then_colon(r, i) && (e = ipv6_at(r, i))) {
            kluis__scrub_add(r, i, e, KLUIS_SCRUB_IP, "inet_pton6");
            return e;
        }
        return skip_joined(r, i + 1);
    }

    if (!(k & C_DIGIT))
        return skip_joined(r, i + 1);
    /* Cheap looks at the first run decide which detectors can apply at all. */
    size_t run = i;
    while (run < r->len && run - i < 5 && is_digit(r->t[run]))
        run++;
    unsigned char next = run < r->len ? r->t[run] : 0;
    if (next == '.' && run - i <= 3 && (e = ipv4_at(r, i))) {
        kluis__scrub_add(r, i, e, KLUIS_SCRUB_IP, "inet_pton4");
        return e;
    }
    if (hex_then_colon(r, i) && (e = ipv6_at(r, i))) {
        kluis__scrub_add(r, i, e, KLUIS_SCRUB_IP, "inet_pton6");
        return e;
    }
    if (run - i == 4 && (next == ' ' || (cls[next] & C_UPPER)) && (e = postcode_at(r, i))) {
        kluis__scrub_add(r, i, e, KLUIS_SCRUB_POSTCODE, "nl-postcode");
        return e;
    }
    /* Every number left has at least 9 digits, or 8 for a KvK number after a keyword: a token
     * with fewer ("200 OK", "2023-2723", an ISO date) is passed before its groups are read. */
    if (!enough_digits(r, i, r->n_kw ? 8 : 9))
        return skip_joined(r, i + 1);
    struct groups g;
    read_groups(r, i, &g);
    if (g.n == 0) /* a run of more than SCRUB_DIGITS_MAX digits */
        return skip_joined(r, i + 1);
    struct pick best = {0, KLUIS_SCRUB_PHONE, NULL, 99};
    if (g.cum[g.n - 1] >= 8)
        numbers(r, &g, i, &best);
    phones(r, &g, false, &best);
    if (best.end) {
        kluis__scrub_add(r, i, best.end, best.type, best.validator);
        return best.end;
    }
    return skip_joined(r, i + 1);
}

/* The first byte at or after i that can begin or sit early in a token: a digit, ':', '+' or
 * '('. Every token the scanner knows holds one of these within its first five bytes, so the
 * bytes in between are skipped sixteen at a time. */
static size_t next_trigger(const unsigned char *t, size_t i, size_t len)
{
#if defined(__SSE2__)
    const __m128i below = _mm_set1_epi8('0' - 1), above = _mm_set1_epi8(':' + 1);
    const __m128i plus = _mm_set1_epi8('+'), paren = _mm_set1_epi8('(');
    for (; i + 16 <= len; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
        __m128i m = _mm_and_si128(_mm_cmpgt_epi8(x, below), _mm_cmplt_epi8(x, above));
        m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(x, plus), _mm_cmpeq_epi8(x, paren)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return i + (size_t)__builtin_ctz(bits);
    }
#endif
    for (; i < len; i++)
        if ((t[i] >= '0' && t[i] <= ':') || t[i] == '+' || t[i] == '(')
            return i;
    return len;
}

void kluis__scrub_scan(struct scrub_run *r)
{
    init_classes();
    size_t i = 0; /* everything before i is done */
    while (i < r->len && !r->failed) {
        size_t j = next_trigger(r->t, i, r->len);
        if (j >= r->len)
            break;
        /* The token holding j starts at most five bytes before it: "NL91 …" and "fe80::1" are
         * tried from their letters. Further back it is inside a longer word: try_at skips it. */
        size_t w = j;
        while (w > i && j - w < 6 && (cls[r->t[w - 1]] & C_WORD))
            w--;
        /* "NL 123456782B01", "BE 0403.170.701": two letters and a space before the digits. */
        if (w == j && j >= i + 3 && r->t[j - 1] == ' ' && (cls[r->t[j - 2]] & C_ALPHA) &&
            (cls[r->t[j - 3]] & C_ALPHA) && (j == 3 || !(cls[r->t[j - 4]] & C_WORD)))
            w = j - 3;
        i = try_at(r, w);
    }
}
