/* ondemand.h — on-demand diagnoses run by the daemon: POST /v1/diagnose,
 * and (issue 14) the diagnosis an alert asks for when its target has no
 * fresh verdict. Each runs `netblame diagnose --json --config <this
 * daemon's config>` as a child (diagjob.h), so the answer is the CLI's,
 * byte for byte.
 *
 * Rules: only a target this daemon is configured with (a peer's name or
 * address, an app target's name or url) — the API never makes netblamed
 * probe an address its config did not name; one diagnosis per target at a
 * time (another request for it gets 429 with Retry-After: the seconds left
 * of the running one); at most NB_ONDEMAND_MAX at once (then 429 too); each
 * bounded by its deadline (the CLI's own --deadline plus NB_ONDEMAND_SLACK_MS
 * for its start and output, then killed). */
#ifndef NB_ONDEMAND_H
#define NB_ONDEMAND_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#include "net/api.h"
#include "wire/config.h"

#define NB_ONDEMAND_MAX 4
#define NB_ONDEMAND_SLACK_MS 2000
#define NB_ONDEMAND_DEADLINE_MAX_MS 30000

struct nb_ondemand;

/* CFG must outlive it (nb_ondemand_set_config on a reload). */
struct nb_ondemand *nb_ondemand_new(struct ev_loop *loop, const struct nb_config *cfg);
void nb_ondemand_set_config(struct nb_ondemand *o, const struct nb_config *cfg);
/* Kills what runs; deferred API requests get 503, callers' callbacks an
 * error. */
void nb_ondemand_free(struct nb_ondemand *o);

/* One finished diagnosis: EXIT the CLI's status (0 healthy, 1 attributed,
 * 3 inconclusive; 2 usage; -1 killed at its deadline or for its output;
 * NB_ONDEMAND_STOPPED: netblamed is stopping), JSON its output (NULL when
 * none), ERR why there is none. */
#define NB_ONDEMAND_STOPPED (-2)
typedef void (*nb_ondemand_cb)(void *arg, int exit, const char *json, const char *err);
struct nb_ondemand_req {
    const char *target;   /* a configured target's name, address or url */
    unsigned count;       /* probes; 0: the CLI's default (it may stop early) */
    unsigned interval_ms; /* 0: the CLI's default */
    unsigned deadline_ms; /* the CLI's --deadline; 0: its default (5 s) */
};
/* Start R; CB later, from the loop (never inside this call). Returns 0, -1
 * (ERR: not a configured target), -2 (busy: *RETRY_S the seconds to wait)
 * or -3 (ERR: cannot run the CLI). */
int nb_ondemand_run(struct nb_ondemand *o, const struct nb_ondemand_req *r, nb_ondemand_cb cb,
                    void *arg, unsigned *retry_s, char *err, size_t errlen);

/* A POST /v1/diagnose body (LEN bytes) read strictly into *R: the parsed
 * tree, which R's target points into (the caller cJSON_Deletes it), or NULL
 * with ERR (a 400's message). Pure: tests/fuzz/fuzz_diagnose_req.c. */
struct cJSON;
struct cJSON *nb_ondemand_req_parse(const char *body, size_t len, struct nb_ondemand_req *r,
                                    char *err, size_t errlen);

/* POST /v1/diagnose {"target": T, "count": N, "interval_ms": MS,
 * "deadline_ms": MS}: answers (deferred) with the CLI's JSON. */
void nb_ondemand_api(struct nb_ondemand *o, const struct nb_api_req *req,
                     struct nb_api_resp *resp);

#endif
