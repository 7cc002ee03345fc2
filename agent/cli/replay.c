/* replay.c — windows classified in order with a learning baseline (see
 * replay.h). */
#include "cli/replay.h"

#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "wire/trace_json.h"

void nb_replay_init(struct nb_replay *r, const struct nb_cls_thresholds *th)
{
    memset(r, 0, sizeof(*r));
    nb_baseline_init(&r->base);
    if (th)
        r->th = *th;
    else
        nb_cls_thresholds_default(&r->th);
}

void nb_replay_window(struct nb_replay *r, const struct nb_cls_input *in, struct nb_verdict *out)
{
    nb_classify(in, &r->base, &r->th, out);
    r->windows++;
    if (out->layer == NB_LAYER_HEALTHY)
        r->healthy++;
    /* as the daemon learns (verdicts_learn.c, LEARNING): every window that names
     * no layer, with the same thresholds (a window too small to judge is too
     * small to learn) */
    if (out->layer == NB_LAYER_HEALTHY || out->layer == NB_LAYER_INCONCLUSIVE)
        r->learnt += nb_baseline_learn(&r->base, in, &r->th) > 0;
}

unsigned nb_replay_file(struct nb_replay *r, FILE *f, const char *name, FILE *errf,
                        void (*each)(void *arg, const struct nb_cls_input *in,
                                     const struct nb_verdict *v),
                        void *arg)
{
    struct nb_cls_input *in = nb_calloc(1, sizeof(*in));
    struct nb_verdict *v = nb_calloc(1, sizeof(*v));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned lineno = 0, bad = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        char err[256];
        if (nb_trace_parse(line, (size_t)n, in, err, sizeof(err)) < 0) {
            if (errf)
                fprintf(errf, "%s:%u: %s\n", name, lineno, err);
            bad++;
            continue;
        }
        nb_replay_window(r, in, v);
        if (each)
            each(arg, in, v);
    }
    free(line);
    free(in);
    free(v);
    return bad;
}
