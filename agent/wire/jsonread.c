/* jsonread.c — strict typed reading of cJSON trees (see jsonread.h). */
#include "wire/jsonread.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "wire/num.h"

#define SHOW_MAX 40 /* longest piece of a user string quoted in a message */

void nb_jr_quote(char *out, size_t n, const char *s)
{
    size_t o = 0, i;

    if (n < 8) {
        if (n)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (i = 0; s[i] && i < SHOW_MAX && o + 6 < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7f) {
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    if (s[i] && o + 4 < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* KEY as messages show it: a plain name as is, anything else quoted (a key
 * is user text: it may hold quotes, newlines, or be very long). The dot is
 * plain: the wire forms have dotted names ("path.rtt"). */
static const char *show_key(char *out, size_t n, const char *key)
{
    size_t i;

    for (i = 0; key[i] && i < SHOW_MAX; i++)
        if (!(key[i] == '_' || key[i] == '-' || key[i] == '.' || (key[i] >= 'a' && key[i] <= 'z') ||
              (key[i] >= 'A' && key[i] <= 'Z') || (key[i] >= '0' && key[i] <= '9')))
            break;
    if (key[i] || i == 0)
        nb_jr_quote(out, n, key);
    else
        snprintf(out, n, "%s", key);
    return out;
}

const char *nb_jr_at(char *buf, size_t n, const char *path, const char *key)
{
    char k[NB_JR_QUOTE_MAX];

    show_key(k, sizeof(k), key ? key : "");
    snprintf(buf, n, "%s%s%s", path ? path : "", path && *path ? "." : "", k);
    return buf;
}

const char *nb_jr_index(char *buf, size_t n, const char *path, size_t i)
{
    snprintf(buf, n, "%s[%zu]", path ? path : "", i);
    return buf;
}

int nb_jr_fail(struct nb_jr *r, const char *path, const char *key, const char *fmt, ...)
{
    char msg[448], where[NB_JR_PATH_MAX + NB_JR_QUOTE_MAX + 8];
    va_list ap;

    if (!r->err || r->errlen == 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    where[0] = '\0';
    if ((path && *path) || key) {
        if (key)
            nb_jr_at(where, sizeof(where) - 2, path, key);
        else
            snprintf(where, sizeof(where) - 2, "%s", path);
        strcat(where, ": ");
    }
    snprintf(r->err, r->errlen, "%s%s%s%s", r->doc ? r->doc : "", r->doc ? ": " : "", where, msg);
    /* one line whatever the file name or a message's user text held */
    for (char *p = r->err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return -1;
}

int nb_jr_fail_at(struct nb_jr *r, const char *text, size_t off, const char *what)
{
    unsigned long line = 1, col = 1;

    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return nb_jr_fail(r, NULL, NULL, "line %lu, column %lu: %s", line, col, what);
}

int nb_jr_parse(struct nb_jr *r, const char *text, size_t len, cJSON **out)
{
    const char *nul, *end = NULL;

    *out = NULL;
    if (!text) { /* an empty answer may come without a buffer */
        text = "";
        len = 0;
    }
    nul = memchr(text, '\0', len);
    /* cJSON would stop at a NUL and take what is before it for the document */
    if (nul)
        return nb_jr_fail_at(r, text, (size_t)(nul - text), "NUL byte");
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        return nb_jr_fail_at(r, text, off, "invalid JSON");
    }
    while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (end < text + len) {
        cJSON_Delete(root);
        return nb_jr_fail_at(r, text, (size_t)(end - text), "unexpected data after the JSON value");
    }
    *out = root;
    return 0;
}

const char *nb_jr_type(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsTrue(v))
        return "true";
    if (cJSON_IsFalse(v))
        return "false";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "an invalid value";
}

/* ---- keys: unknown and repeated ---- */

struct member {
    const char *key;
    size_t at; /* place in the document */
};

static int by_key_then_place(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* The place of the first of O's first N members whose key an earlier one
 * has, or N. Sorted, not compared pairwise: an object of many members (a
 * hostile answer) must not cost their square. */
static size_t first_repeat(const cJSON *o, size_t n)
{
    struct member small[32], *m = n <= 32 ? small : nb_calloc(n, sizeof(*m));
    size_t i = 0, first = n;

    for (const cJSON *it = o->child; it && i < n; it = it->next, i++)
        m[i] = (struct member){it->string ? it->string : "", i};
    qsort(m, n, sizeof(*m), by_key_then_place);
    /* in a run of one key, the second in the run is its first repeat */
    for (i = 1; i < n; i++)
        if (strcmp(m[i].key, m[i - 1].key) == 0 && m[i].at < first)
            first = m[i].at;
    if (m != small)
        free(m);
    return first;
}

static bool is_known(const char *key, const char *const *known)
{
    for (size_t i = 0; known[i]; i++)
        if (strcmp(key, known[i]) == 0)
            return true;
    return false;
}

int nb_jr_members(struct nb_jr *r, const cJSON *o, const char *path, const char *const *known,
                  const char *noun)
{
    const cJSON *it, *unknown = NULL;
    size_t n = 0;

    if (!cJSON_IsObject(o))
        return nb_jr_fail(r, path, NULL, "must be an object (got %s)", nb_jr_type(o));
    /* Only the members before the first unknown one can repeat first. */
    for (it = o->child; it; it = it->next, n++)
        if (known && !is_known(it->string ? it->string : "", known)) {
            unknown = it;
            break;
        }
    size_t rep = first_repeat(o, n);
    if (rep < n) {
        for (it = o->child; rep--;)
            it = it->next;
        return nb_jr_fail(r, path, it->string ? it->string : "", "%s",
                          r->dup ? r->dup : "duplicate key");
    }
    if (unknown) {
        char list[512]; /* config's "classifier" lists 23 keys */
        size_t l = 0;
        list[0] = '\0';
        for (size_t j = 0; known[j] && l < sizeof(list); j++)
            l += (size_t)snprintf(list + l, sizeof(list) - l, "%s%s", j ? ", " : "", known[j]);
        return nb_jr_fail(r, path, unknown->string ? unknown->string : "", "unknown %s (known: %s)",
                          noun ? noun : "key", list);
    }
    return 0;
}

/* ---- getters ---- */

int nb_jr_value(struct nb_jr *r, const cJSON *o, const char *path, const char *key, unsigned flags,
                const cJSON **out)
{
    const cJSON *v = o;

    if (key)
        v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    if (v && (flags & NB_JR_NULLABLE) && cJSON_IsNull(v))
        v = NULL;
    *out = v;
    if (v)
        return 1;
    if (flags & NB_JR_REQUIRED)
        return nb_jr_fail(r, path, key, "missing (required)");
    return 0;
}

int nb_jr_obj(struct nb_jr *r, const cJSON *o, const char *path, const char *key, unsigned flags,
              const char *const *known, const cJSON **out)
{
    char sub[NB_JR_PATH_MAX];
    const cJSON *v;
    int rc = nb_jr_value(r, o, path, key, flags, &v);

    *out = NULL;
    if (rc <= 0)
        return rc;
    if (key)
        path = nb_jr_at(sub, sizeof(sub), path, key);
    if (nb_jr_members(r, v, path, known, NULL) < 0)
        return -1;
    *out = v;
    return 1;
}

int nb_jr_arr(struct nb_jr *r, const cJSON *o, const char *path, const char *key, unsigned flags,
              const cJSON **out)
{
    const cJSON *v;
    int rc = nb_jr_value(r, o, path, key, flags, &v);

    *out = NULL;
    if (rc <= 0)
        return rc;
    if (!cJSON_IsArray(v))
        return nb_jr_fail(r, path, key, "must be an array (got %s)", nb_jr_type(v));
    *out = v;
    return 1;
}

int nb_jr_str(struct nb_jr *r, const cJSON *o, const char *path, const char *key, unsigned flags,
              size_t max, const char **out)
{
    const cJSON *v;
    int rc = nb_jr_value(r, o, path, key, flags, &v);

    *out = NULL;
    if (rc <= 0)
        return rc;
    if (!cJSON_IsString(v) || !v->valuestring)
        return nb_jr_fail(r, path, key, "must be a string (got %s)", nb_jr_type(v));
    size_t len = strlen(v->valuestring);
    if ((flags & NB_JR_NONEMPTY) && len == 0)
        return nb_jr_fail(r, path, key, "must not be empty");
    if (len > max)
        return nb_jr_fail(r, path, key, "at most %zu bytes (got %zu)", max, len);
    *out = v->valuestring;
    return 1;
}

int nb_jr_text(struct nb_jr *r, const cJSON *o, const char *path, const char *key, unsigned flags,
               char *buf, size_t cap)
{
    const char *s;
    int rc = nb_jr_str(r, o, path, key, flags, cap ? cap - 1 : 0, &s);

    if (rc > 0)
        snprintf(buf, cap, "%s", s);
    return rc;
}

int nb_jr_enum(struct nb_jr *r, const cJSON *o, const char *path, const char *key, unsigned flags,
               const char *const *names, unsigned *idx)
{
    const char *s;
    char q[NB_JR_QUOTE_MAX], list[96];
    size_t l = 0, n = 0;
    int rc = nb_jr_str(r, o, path, key, flags, SIZE_MAX, &s);

    if (rc <= 0)
        return rc;
    for (n = 0; names[n]; n++)
        if (strcmp(s, names[n]) == 0) {
            *idx = (unsigned)n;
            return 1;
        }
    /* must be "a" or "b" / must be one of "a", "b", "c" */
    list[0] = '\0';
    if (n > 2)
        l = (size_t)snprintf(list, sizeof(list), "one of ");
    for (size_t j = 0; j < n && l < sizeof(list); j++)
        l += (size_t)snprintf(list + l, sizeof(list) - l, "%s\"%s\"",
                              j ? (n > 2 ? ", " : " or ") : "", names[j]);
    nb_jr_quote(q, sizeof(q), s);
    return nb_jr_fail(r, path, key, "must be %s (got %s)", list, q);
}

int nb_jr_bool(struct nb_jr *r, const cJSON *o, const char *path, const char *key, unsigned flags,
               bool *out)
{
    const cJSON *v;
    int rc = nb_jr_value(r, o, path, key, flags, &v);

    if (rc <= 0)
        return rc;
    if (!cJSON_IsBool(v))
        return nb_jr_fail(r, path, key, "must be true or false (got %s)", nb_jr_type(v));
    *out = cJSON_IsTrue(v);
    return 1;
}

int nb_jr_int(struct nb_jr *r, const cJSON *o, const char *path, const char *key, unsigned flags,
              int64_t lo, int64_t hi, int64_t *out)
{
    const cJSON *v;
    char range[64];
    int rc = nb_jr_value(r, o, path, key, flags, &v);

    if (rc <= 0)
        return rc;
    lo = lo < -NB_JR_INT_MAX ? -NB_JR_INT_MAX : lo;
    hi = hi > NB_JR_INT_MAX ? NB_JR_INT_MAX : hi;
    if (hi == NB_JR_INT_MAX)
        snprintf(range, sizeof(range), ">= %" PRId64, lo);
    else
        snprintf(range, sizeof(range), "in %" PRId64 "..%" PRId64, lo, hi);
    if (!cJSON_IsNumber(v))
        return nb_jr_fail(r, path, key, "must be an integer %s (got %s)", range, nb_jr_type(v));
    double d = v->valuedouble;
    /* written so that NaN and infinity fail too */
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d))
        return nb_jr_fail(r, path, key, "must be an integer %s (got %.15g)", range, d);
    *out = (int64_t)d;
    return 1;
}

int nb_jr_uint(struct nb_jr *r, const cJSON *o, const char *path, const char *key, unsigned flags,
               uint64_t lo, uint64_t hi, uint64_t *out)
{
    int64_t v;
    int rc = nb_jr_int(r, o, path, key, flags, lo > NB_JR_INT_MAX ? NB_JR_INT_MAX : (int64_t)lo,
                       hi > NB_JR_INT_MAX ? NB_JR_INT_MAX : (int64_t)hi, &v);

    if (rc > 0)
        *out = (uint64_t)v;
    return rc;
}

int nb_jr_num(struct nb_jr *r, const cJSON *o, const char *path, const char *key, unsigned flags,
              double lo, double hi, double *out)
{
    const cJSON *v;
    char range[80];
    int rc = nb_jr_value(r, o, path, key, flags, &v);

    if (rc <= 0)
        return rc;
    snprintf(range, sizeof(range), "%s %.15g and %s %.15g", flags & NB_JR_GT_LO ? ">" : ">=", lo,
             flags & NB_JR_LT_HI ? "<" : "<=", hi);
    if (!cJSON_IsNumber(v))
        return nb_jr_fail(r, path, key, "must be a number %s (got %s)", range, nb_jr_type(v));
    double d = v->valuedouble;
    if (!(flags & NB_JR_GT_LO ? d > lo : d >= lo) || !(flags & NB_JR_LT_HI ? d < hi : d <= hi))
        return nb_jr_fail(r, path, key, "must be a number %s (got %.15g)", range, d);
    *out = d;
    return 1;
}

int nb_jr_u64str(struct nb_jr *r, const cJSON *o, const char *path, const char *key, unsigned flags,
                 int base, uint64_t lo, uint64_t hi, uint64_t *out)
{
    const cJSON *v;
    char range[64] = "", got[NB_JR_QUOTE_MAX];
    uint64_t x;
    int rc = nb_jr_value(r, o, path, key, flags, &v);

    if (rc <= 0)
        return rc;
    if (lo != 0 || hi != UINT64_MAX)
        snprintf(range, sizeof(range), " in %" PRIu64 "..%" PRIu64, lo, hi);
    if (!cJSON_IsString(v) || !v->valuestring)
        snprintf(got, sizeof(got), "%s", nb_jr_type(v));
    else if (nb_parse_u64(v->valuestring, base, &x) < 0 || x < lo || x > hi)
        nb_jr_quote(got, sizeof(got), v->valuestring);
    else {
        *out = x;
        return 1;
    }
    return nb_jr_fail(r, path, key, "must be a string of %s digits%s (got %s)",
                      base == 16 ? "hex" : "decimal", range, got);
}
