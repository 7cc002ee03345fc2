/* fuzz_query.c — the control API's query strings (agent/wire/query.c) are
 * outside data from any client of the API. The input is a query string,
 * "k=v&k=v..." (as MHD hands it over: split, first value of a name wins);
 * each endpoint's reader accepts it within its bounds or refuses it with a
 * message, never reading past a value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/query.h"
#include "wire/sightings_json.h"

#define MAXP 16

struct params {
    char *k[MAXP], *v[MAXP];
    size_t n;
};

static const char *get(const void *src, const char *name)
{
    const struct params *p = src;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->k[i], name) == 0)
            return p->v[i];
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *qs = malloc(size + 1), *save = NULL;
    struct params p = {.n = 0};
    memcpy(qs, data, size);
    qs[size] = '\0';
    for (char *tok = strtok_r(qs, "&", &save); tok && p.n < MAXP;
         tok = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(tok, '=');
        p.k[p.n] = tok;
        p.v[p.n] = eq ? eq + 1 : tok + strlen(tok); /* "k" alone: an empty value */
        if (eq)
            *eq = '\0';
        p.n++;
    }
    struct nb_sightings_query sq;
    if (nb_query_sightings(get, &p, &sq) == 0 &&
        (sq.limit < 1 || sq.limit > NB_SIGHTINGS_PAGE_MAX || sq.all != !get(&p, "session")))
        abort();
    struct nb_windows_query wq;
    const char *err = NULL;
    if (nb_query_windows(get, &p, 10, &wq, &err) == 0) {
        if (wq.ms != 0 && (wq.ms < 100 || wq.ms > 10000))
            abort();
    } else if (!err || !err[0]) {
        abort();
    }
    struct nb_baselines_query bq;
    err = NULL;
    if (nb_query_baselines(get, &p, &bq, &err) == 0) {
        if (!bq.target || !bq.target[0] || !(bq.peer || bq.app))
            abort();
    } else if (!err || !err[0]) {
        abort();
    }
    free(qs);
    return 0;
}
