/* jsonread.h — the one strict way netblame reads JSON it did not write: the
 * config file, other agents' answers (/v1/sightings, /v1/links, /v1/cpu,
 * /v1/baselines), recorded windows, and the webhooks to come. One set of
 * rules everywhere, so that a parser cannot drift from the others:
 *
 *   - a repeated key is refused in every object (cJSON keeps both members and
 *     a lookup sees the first: the two copies could mean different things to
 *     two readers), and a key not in the object's list when it has one;
 *   - a value of the wrong JSON type, out of range, or a non-integral number
 *     where an integer is wanted is refused, never coerced;
 *   - every refusal is one line naming the document and the JSON path
 *     ("netblame.json: peers[2].address: must be a string (got a number)"),
 *     user text escaped and cut, no control character left in it.
 *
 * Shape: each getter reads member KEY of object O, named PATH.KEY in
 * messages (PATH "" at the root; KEY NULL reads O itself, named PATH: an
 * array element, or a member met while walking an object, whose name
 * nb_jr_at() adds to the path). Each returns 1 when it read a value, 0 when
 * the member is absent (or null with NB_JR_NULLABLE) and not required, -1 with
 * the message written. Absent leaves a value result alone, so a caller sets
 * its default first; pointer results (strings, objects, arrays) become NULL.
 * The getters take the path as a string rather than keeping a stack of it:
 * a parser names its paths as its users know them (trace_json.c calls its
 * root "window"), and no state outlives a call. */
#ifndef NB_JSONREAD_H
#define NB_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* One reading: where its refusal goes and how it is worded. */
struct nb_jr {
    const char *doc; /* first word of every message (a file name, "trace"); NULL: none */
    char *err;       /* the message; NULL or ERRLEN 0: none is written */
    size_t errlen;
    const char *dup; /* what a repeated key is called; NULL: "duplicate key" */
};

/* Flags of the getters. */
#define NB_JR_REQUIRED 0x01u /* absent is refused: "missing (required)" */
#define NB_JR_NULLABLE 0x02u /* null is the same as absent */
#define NB_JR_NONEMPTY 0x04u /* strings: "" is refused */
#define NB_JR_GT_LO 0x08u    /* nb_jr_num: > LO rather than >= LO */
#define NB_JR_LT_HI 0x10u    /* nb_jr_num: < HI rather than <= HI */

/* The largest integer a JSON number (a double) holds exactly: 2^53. Integer
 * bounds beyond ±this are taken as ±this. */
#define NB_JR_INT_MAX (INT64_C(1) << 53)
/* Room for a path built with nb_jr_at()/nb_jr_index(); longer ones are cut. */
#define NB_JR_PATH_MAX 160
/* Room for nb_jr_quote()'s output: 40 characters, each at worst \xNN, quotes, "...". */
#define NB_JR_QUOTE_MAX (40 * 4 + 8)

/* Refuse: write "DOC: PATH.KEY: message" to R's buffer and return -1. PATH
 * and KEY may each be NULL or ""; KEY is shown as is when it is a plain name
 * ([A-Za-z0-9_.-], at most 40), else quoted and escaped. */
int nb_jr_fail(struct nb_jr *r, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Refuse TEXT at byte OFF: "DOC: line L, column C: WHAT" (a syntax error
 * is found by its place in the text, not by a path). -1. */
int nb_jr_fail_at(struct nb_jr *r, const char *text, size_t off, const char *what);

/* TEXT (LEN bytes, no NUL needed after them) as one JSON value and nothing
 * after it but blanks, into *OUT (the caller's: cJSON_Delete). 0, or -1
 * with the place refused (nb_jr_fail_at): a NUL byte, invalid JSON, data
 * after the value; *OUT is then NULL. */
int nb_jr_parse(struct nb_jr *r, const char *text, size_t len, struct cJSON **out);

/* The JSON type of V as a phrase for "(got ...)": "a string", "null", ... */
const char *nb_jr_type(const struct cJSON *v);
/* S quoted for a message: escaped (control and non-ASCII bytes as \xNN), at
 * most 40 characters then "...", into OUT (N bytes, NB_JR_QUOTE_MAX is enough). */
void nb_jr_quote(char *out, size_t n, const char *s);
/* "PATH.KEY" (KEY as nb_jr_fail shows it; just KEY when PATH is empty) and
 * "PATH[I]" into BUF (N bytes); they return BUF. */
const char *nb_jr_at(char *buf, size_t n, const char *path, const char *key);
const char *nb_jr_index(char *buf, size_t n, const char *path, size_t i);

/* O must be an object whose keys are each in KNOWN (NULL-terminated; NULL:
 * any key, for forms that let a newer writer add members) and none repeated.
 * NOUN names a member in "unknown NOUN (known: ...)"; NULL: "key". The first
 * offending member in document order is the one named. 0 or -1. */
int nb_jr_members(struct nb_jr *r, const struct cJSON *o, const char *path,
                  const char *const *known, const char *noun);

/* Any member (nb_jr_members first: a lookup sees only the first of two). */
int nb_jr_value(struct nb_jr *r, const struct cJSON *o, const char *path, const char *key,
                unsigned flags, const struct cJSON **out);
/* An object, its keys checked by nb_jr_members(KNOWN). */
int nb_jr_obj(struct nb_jr *r, const struct cJSON *o, const char *path, const char *key,
              unsigned flags, const char *const *known, const struct cJSON **out);
int nb_jr_arr(struct nb_jr *r, const struct cJSON *o, const char *path, const char *key,
              unsigned flags, const struct cJSON **out);
/* A string of at most MAX bytes (SIZE_MAX: any), pointing into the tree. */
int nb_jr_str(struct nb_jr *r, const struct cJSON *o, const char *path, const char *key,
              unsigned flags, size_t max, const char **out);
/* A string copied into BUF: at most CAP-1 bytes. */
int nb_jr_text(struct nb_jr *r, const struct cJSON *o, const char *path, const char *key,
               unsigned flags, char *buf, size_t cap);
/* A string that is one of NAMES (NULL-terminated); *IDX is its index. */
int nb_jr_enum(struct nb_jr *r, const struct cJSON *o, const char *path, const char *key,
               unsigned flags, const char *const *names, unsigned *idx);
int nb_jr_bool(struct nb_jr *r, const struct cJSON *o, const char *path, const char *key,
               unsigned flags, bool *out);
/* An integral number in LO..HI (1e3 is an integer, 1.5 is not). */
int nb_jr_int(struct nb_jr *r, const struct cJSON *o, const char *path, const char *key,
              unsigned flags, int64_t lo, int64_t hi, int64_t *out);
int nb_jr_uint(struct nb_jr *r, const struct cJSON *o, const char *path, const char *key,
               unsigned flags, uint64_t lo, uint64_t hi, uint64_t *out);
/* A number in LO..HI, ends open per NB_JR_GT_LO/NB_JR_LT_HI. JSON has no
 * infinity, but cJSON reads 1e999 as one: it is refused like any value out of
 * range. */
int nb_jr_num(struct nb_jr *r, const struct cJSON *o, const char *path, const char *key,
              unsigned flags, double lo, double hi, double *out);
/* A 64-bit unsigned integer in a string (a double cannot hold a nanosecond
 * timestamp): 1..20 digits of BASE (10 or 16) by nb_parse_u64, in LO..HI. */
int nb_jr_u64str(struct nb_jr *r, const struct cJSON *o, const char *path, const char *key,
                 unsigned flags, int base, uint64_t lo, uint64_t hi, uint64_t *out);

#endif
