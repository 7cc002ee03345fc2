/* diagnose_out.h — a STAMP burst's report (diagnose.h) for a person and for
 * tools: `netblame diagnose ADDRESS` prints it around its verdict, and an app
 * diagnosis (appdiag.h) prints the burst it ran toward the server the same
 * way. */
#ifndef NB_DIAGNOSE_OUT_H
#define NB_DIAGNOSE_OUT_H

#include <stdio.h>

#include "cli/diagnose.h"
#include "netblame/verdict.h"

struct cJSON;

/* The measurement as text: counts, round trip, the waterfall. */
void nb_diagnose_print(const struct nb_diag_report *rep, FILE *out);
/* The measured sentences (figures behind a verdict), as a list. */
void nb_diagnose_print_notes(const struct nb_diag_report *rep, FILE *out);
/* The burst's figures as the "probes" object of the JSON report. */
struct cJSON *nb_diagnose_probes_json(const struct nb_diag_report *rep);
/* The report as JSON (schema netblame.verdict/v1 plus a "probes" summary;
 * the caller prints and frees it). */
struct cJSON *nb_diagnose_json(const struct nb_diag_report *rep, const struct nb_verdict *v);

#endif
