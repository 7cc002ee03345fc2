/* query.h — the control API's query strings read into structs, one pure
 * function per endpoint that takes parameters: bounds and combinations are
 * checked here, without MHD, so a fuzz target drives them
 * (tests/fuzz/fuzz_query.c). A lookup gives a parameter's value, NULL when
 * absent (the server's: nb_api_query_get). */
#ifndef NB_QUERY_H
#define NB_QUERY_H

#include <stdbool.h>
#include <stdint.h>

typedef const char *(*nb_query_get)(const void *src, const char *name);

/* GET /v1/sightings?session=HEX&since=N&limit=N */
struct nb_sightings_query {
    uint64_t since;   /* absent: 0, the oldest held */
    uint32_t session; /* a probe id's upper 32 bits, with ALL false */
    bool all;         /* no session given: every session */
    uint64_t limit;   /* 1..NB_SIGHTINGS_PAGE_MAX, absent: the maximum */
};
/* Returns 0 and *Q, or -1 (a 400: NB_QUERY_SIGHTINGS_USAGE says why). */
int nb_query_sightings(nb_query_get get, const void *src, struct nb_sightings_query *q);
#define NB_QUERY_SIGHTINGS_USAGE "query: since=DECIMAL, session=HEX (8 digits max), limit=1..4096"

/* GET /v1/windows?target=NAME&seconds=N|ms=M */
struct nb_windows_query {
    const char *target; /* NULL: every target; points into SRC */
    long ms;            /* 0: the windows last judged; else the span, in ms */
};
/* MAX_S bounds seconds (1..MAX_S) and ms (100..MAX_S*1000). Returns 0 and
 * *Q, or -1 with *ERR (a 400's message). */
int nb_query_windows(nb_query_get get, const void *src, long max_s, struct nb_windows_query *q,
                     const char **err);

/* GET /v1/baselines?target=NAME&kind=peer|app */
struct nb_baselines_query {
    const char *target; /* required, not empty; points into SRC */
    bool peer, app;     /* which kinds of target to look among (kind absent: both) */
};
/* Returns 0 and *Q, or -1 with *ERR (a 400's message). */
int nb_query_baselines(nb_query_get get, const void *src, struct nb_baselines_query *q,
                       const char **err);

#endif
