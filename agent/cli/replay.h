/* replay.h — classify windows in order, learning the baseline from the ones
 * that name no layer (healthy or inconclusive): what `netblame replay` does over a recorded trace, what
 * the tests do over the checked-in traces, and (one window at a time) what
 * the daemon does as its windows close. */
#ifndef NB_REPLAY_H
#define NB_REPLAY_H

#include <stdio.h>

#include "netblame/verdict.h"

struct nb_replay {
    struct nb_baseline base;
    struct nb_cls_thresholds th; /* for classifying and for learning alike */
    unsigned windows, healthy, learnt;
};

/* An empty baseline and thresholds TH (copied; NULL: the defaults), e.g. a
 * config's "classifier" object. */
void nb_replay_init(struct nb_replay *r, const struct nb_cls_thresholds *th);
/* Classify IN against what R has learnt into *OUT; learn IN if it names no layer. */
void nb_replay_window(struct nb_replay *r, const struct nb_cls_input *in, struct nb_verdict *out);

/* Every line of F (JSON windows; blank lines skipped) through R, calling
 * EACH (if not NULL) per verdict. Malformed lines are reported on ERRF as
 * "NAME:LINE: reason" and skipped. Returns the number of malformed lines. */
unsigned nb_replay_file(struct nb_replay *r, FILE *f, const char *name, FILE *errf,
                        void (*each)(void *arg, const struct nb_cls_input *in,
                                     const struct nb_verdict *v),
                        void *arg);

#endif
