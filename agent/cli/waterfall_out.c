/* waterfall_out.c — the per-segment decomposition as a table and the host
 * agents as JSON (see waterfall_out.h). */
#include "cli/waterfall_out.h"

#include <cjson/cJSON.h>

static const char *const seg_label[NB_SEG__COUNT] = {
    "local virtual", "local switch", "physical", "remote switch", "remote virtual", "remote app",
};

void nb_waterfall_print(const struct nb_waterfall *w, const char *local_agent,
                        const char *remote_agent, uint64_t missed, FILE *out)
{
    fprintf(out,
            "\n  %-15s %-9s %9s %9s %9s %8s   (microseconds; host agents: local %s, remote %s)\n",
            "segment", "layer", "p50", "p90", "p99", "lost", local_agent ? local_agent : "-",
            remote_agent ? remote_agent : "-");
    for (int i = 0; i < NB_SEG__COUNT; i++) {
        const struct nb_seg_figures *f = &w->seg[i];
        char lost[32];
        if (f->lost_shared)
            snprintf(lost, sizeof(lost), "%u+%u?", f->lost, f->lost_shared);
        else
            snprintf(lost, sizeof(lost), "%u", f->lost);
        if (!f->known) {
            fprintf(out, "  %-15s %-9s %9s %9s %9s %8s\n", seg_label[i],
                    nb_segment_layer((enum nb_segment)i), "unknown", "-", "-", lost);
            continue;
        }
        fprintf(out, "  %-15s %-9s %9.1f %9.1f %9.1f %8s\n", seg_label[i],
                nb_segment_layer((enum nb_segment)i), f->p50 / 1e3, f->p90 / 1e3, f->p99 / 1e3,
                lost);
    }
    if (w->lost)
        fprintf(out,
                "  lost %zu: localised by last sighting (N+M? = M more in a span shared with "
                "other segments); %zu seen nowhere\n",
                w->lost, w->lost_unlocated);
    if (missed)
        fprintf(out,
                "  warning: %llu sightings were evicted at a host agent before they were read\n",
                (unsigned long long)missed);
}

struct cJSON *nb_host_agents_json(const char *local, const char *remote, bool local_ok,
                                  bool remote_ok, uint64_t missed)
{
    cJSON *ag = cJSON_CreateObject();
    if (local[0])
        cJSON_AddStringToObject(ag, "local", local);
    if (remote[0])
        cJSON_AddStringToObject(ag, "remote", remote);
    cJSON_AddBoolToObject(ag, "local_ok", local_ok);
    cJSON_AddBoolToObject(ag, "remote_ok", remote_ok);
    cJSON_AddNumberToObject(ag, "sightings_missed", (double)missed);
    return ag;
}
