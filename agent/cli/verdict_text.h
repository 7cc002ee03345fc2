/* verdict_text.h — a verdict for a person on a pager: the layer and where,
 * the confidence, each finding, and the evidence sentences; or, when
 * inconclusive, why; and the exit status it means. The JSON contract is
 * verdict_json.h. */
#ifndef NB_VERDICT_TEXT_H
#define NB_VERDICT_TEXT_H

#include <stdio.h>

#include "netblame/verdict.h"

void nb_verdict_print(const struct nb_verdict *v, FILE *out);
/* One line: "virtual (local, vnetA) 0.87: <first finding's summary>". */
void nb_verdict_line(const struct nb_verdict *v, char *buf, size_t cap);

/* Exit statuses of DESIGN §5: those of `netblame` and its subcommands. */
enum nb_exit {
    NB_EXIT_HEALTHY = 0,
    NB_EXIT_FAULT = 1, /* a fault attributed */
    NB_EXIT_USAGE = 2, /* usage or config error */
    NB_EXIT_INCONCLUSIVE = 3
};

/* The exit status for V: healthy, a fault attributed, or inconclusive. */
int nb_verdict_exit(const struct nb_verdict *v);

#endif
