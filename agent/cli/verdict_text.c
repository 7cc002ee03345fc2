/* verdict_text.c — verdicts as text (see verdict_text.h). */
#include "cli/verdict_text.h"

#include <string.h>

/* "local, hA, vnetA" (only the parts known). */
static void where_text(const struct nb_where *w, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    const char *parts[] = {nb_side_name(w->side), w->host, w->ifname};
    for (int i = 0; i < 3; i++)
        if (parts[i][0] && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", parts[i]);
}

void nb_verdict_line(const struct nb_verdict *v, char *buf, size_t cap)
{
    char w[160];
    where_text(&v->where, w, sizeof(w));
    if (v->layer == NB_LAYER_INCONCLUSIVE)
        snprintf(buf, cap, "inconclusive: %s", v->reason);
    else if (v->layer == NB_LAYER_HEALTHY)
        snprintf(buf, cap, "healthy %.2f", v->confidence);
    else
        snprintf(buf, cap, "%s%s%s%s %.2f: %s", nb_layer_name(v->layer), w[0] ? " (" : "", w,
                 w[0] ? ")" : "", v->confidence, v->nfindings ? v->findings[0].summary : "");
}

void nb_verdict_print(const struct nb_verdict *v, FILE *out)
{
    char w[160];
    where_text(&v->where, w, sizeof(w));
    fprintf(out, "\nverdict: %s", nb_layer_name(v->layer));
    if (w[0])
        fprintf(out, " (%s)", w);
    if (v->layer == NB_LAYER_INCONCLUSIVE)
        fprintf(out, " — %s\n", v->reason);
    else
        fprintf(out, ", confidence %.2f\n", v->confidence);
    for (size_t i = 0; i < v->nfindings; i++) {
        const struct nb_finding *f = &v->findings[i];
        where_text(&f->where, w, sizeof(w));
        fprintf(out, "  finding %zu: %s%s%s%s %.2f — %s\n", i + 1, nb_layer_name(f->layer),
                w[0] ? " (" : "", w, w[0] ? ")" : "", f->confidence, f->summary);
    }
    for (size_t i = 0; i < v->nevidence; i++)
        fprintf(out, "  - %s\n", v->evidence[i]);
}

int nb_verdict_exit(const struct nb_verdict *v)
{
    switch (v->layer) {
    case NB_LAYER_HEALTHY:
        return NB_EXIT_HEALTHY;
    case NB_LAYER_INCONCLUSIVE:
        return NB_EXIT_INCONCLUSIVE;
    default:
        return NB_EXIT_FAULT;
    }
}
