/* verdicts.c — continuous per-target verdicts (see verdicts.h).
 *
 * Each target keeps a ring of its last results with their monotonic time;
 * the tick (1 s) summarises those of the last NB_VERDICT_WINDOW_S seconds
 * into a struct nb_cls_input and classifies it against the target's own
 * baseline (which its healthy windows teach). Windows overlap:
 * a verdict follows a fault within about half a window (a p50 moves once
 * half the window's probes are affected), and a healthy window is learnt
 * only every half window length, so one stretch of traffic is not counted
 * as many independent windows. */
#include "verdicts.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "netblame/log.h"
#include "netblame/mem.h"
#include "netblame/ntp.h"
#include "netblame/quantile.h"
#include "verdict_json.h"
#include "window.h"

#define RING 4096 /* results kept per target (10 s at 400/s) */

struct sample {
    nb_ns t;     /* monotonic, when the result came */
    bool lost;   /* STAMP: no reply; app: not ok */
    bool netblame;
    nb_ns rtt, hold;                 /* STAMP */
    uint8_t reason;                  /* app: enum nb_app_reason */
    bool connected, have_rtt, have_fb;
    int status;
    nb_ns syn_rtt, first_byte, connect;
};

struct target {
    char name[NB_NAME_MAX];
    bool app;
    enum nb_family family; /* STAMP peers */
    struct sample *ring;
    size_t head, n;
    struct nb_baseline base;   /* learnt from this target's healthy windows */
    struct nb_verdict verdict; /* latest */
    bool have_verdict;
    nb_ns changed;     /* realtime when the layer last changed */
    nb_ns last_learn;  /* monotonic */
    uint64_t windows;
};

struct nb_verdicts {
    struct ev_loop *loop;
    ev_timer tick;
    struct target *t;
    size_t n;
    struct nb_cls_input scratch;
    struct sample *win; /* RING samples: one target's window, reused every tick */
};

static struct target *find(const struct nb_verdicts *v, const char *name, bool app)
{
    for (size_t i = 0; v && i < v->n; i++)
        if (v->t[i].app == app && strcmp(v->t[i].name, name) == 0)
            return &v->t[i];
    return NULL;
}

static struct sample *push(struct target *t)
{
    struct sample *s = &t->ring[t->head];
    t->head = (t->head + 1) % RING;
    if (t->n < RING)
        t->n++;
    memset(s, 0, sizeof(*s));
    s->t = nb_mono_now();
    return s;
}

void nb_verdicts_stamp(struct nb_verdicts *v, const char *name, const struct nb_probe_result *r)
{
    struct target *t = find(v, name, false);
    if (!t)
        return;
    struct sample *s = push(t);
    s->lost = r->lost;
    s->netblame = r->netblame_reflector;
    s->rtt = r->rtt;
    s->hold = r->reflector_hold;
}

void nb_verdicts_app(struct nb_verdicts *v, const char *name, const struct nb_app_result *r)
{
    struct target *t = find(v, name, true);
    if (!t)
        return;
    struct sample *s = push(t);
    s->lost = r->reason != NB_APP_OK;
    s->reason = (uint8_t)r->reason;
    s->connected = r->have[NB_PH_CONNECT];
    s->have_rtt = r->have_syn_rtt;
    s->syn_rtt = r->syn_rtt;
    s->connect = r->t[NB_PH_CONNECT];
    s->have_fb = r->have[NB_PH_FIRST_BYTE];
    s->first_byte = r->t[NB_PH_FIRST_BYTE];
    s->status = r->status;
}

/* The samples of T newer than SINCE, oldest first, into OUT; returns count. */
static size_t window(const struct target *t, nb_ns since, struct sample *out)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct sample *s = &t->ring[(t->head + RING - t->n + i) % RING];
        if (s->t >= since)
            out[k++] = *s;
    }
    return k;
}

static void summary(int64_t *v, size_t n, struct nb_cls_rtt *out)
{
    struct nb_summary q;
    nb_summarise(v, n, &q);
    *out = (struct nb_cls_rtt){n > 0, q.p50, q.p90, q.p99};
}

static void stamp_input(const struct target *t, const struct sample *w, size_t n,
                        struct nb_cls_input *in)
{
    int64_t *rtt = nb_calloc(n + 1, sizeof(int64_t)), *hold = nb_calloc(n + 1, sizeof(int64_t));
    size_t k = 0;
    uint64_t lost = 0;
    bool netblame = false;
    for (size_t i = 0; i < n; i++) {
        if (w[i].lost) {
            lost++;
            continue;
        }
        rtt[k] = w[i].rtt;
        hold[k++] = w[i].hold;
        netblame |= w[i].netblame;
    }
    if (t->family == NB_FAMILY_PATH) {
        struct nb_cls_path *p = &in->path;
        p->present = true;
        p->reflector = netblame ? NB_REFL_NETBLAME : k ? NB_REFL_STAMP : NB_REFL_UNKNOWN;
        summary(rtt, k, &p->rtt);
        p->wf.probes = n;
        p->wf.answered = k;
        p->wf.lost = lost;
        p->wf.lost_unlocated = lost; /* no sightings here: located nowhere */
        struct nb_cls_rtt h;
        summary(hold, k, &h);
        p->wf.seg[NB_SEG_REMOTE_APP] = (struct nb_seg_figures){
            .known = k, .p50 = h.p50, .p90 = h.p90, .p99 = h.p99};
    } else {
        struct nb_cls_family *f = t->family == NB_FAMILY_VNET ? &in->vnet : &in->fabric;
        f->present = true;
        f->probes = n;
        f->lost = lost;
        summary(rtt, k, &f->rtt);
    }
    free(rtt);
    free(hold);
}

static void app_input(const struct sample *w, size_t n, struct nb_cls_input *in)
{
    struct nb_cls_app *a = &in->app;
    int64_t *c = nb_calloc(n + 1, sizeof(int64_t)), *srv = nb_calloc(n + 1, sizeof(int64_t));
    size_t nc = 0, ns = 0;
    a->present = true;
    a->probes = n;
    for (size_t i = 0; i < n; i++) {
        const struct sample *s = &w[i];
        if (s->reason == NB_APP_OK)
            a->ok++;
        else if (s->reason < NB_APP__COUNT)
            a->fail[nb_app_fail_of((enum nb_app_reason)s->reason)]++;
        if (s->reason == NB_APP_TIMEOUT && s->connected)
            a->timeout_established++;
        if (s->reason == NB_APP_HTTP_STATUS)
            a->http_status = s->status;
        if (s->connected)
            c[nc++] = s->have_rtt ? s->syn_rtt : s->connect;
        if (s->have_fb && s->have_rtt)
            srv[ns++] = s->first_byte - s->syn_rtt;
    }
    struct nb_cls_rtt q;
    summary(c, nc, &q);
    a->have_connect = q.known;
    a->connect_p50 = q.p50;
    summary(srv, ns, &q);
    a->have_server = q.known;
    a->server_p50 = q.p50;
    free(c);
    free(srv);
}

static void judge(struct nb_verdicts *v, struct target *t, nb_ns now_mono, nb_ns now_rt)
{
    nb_ns span = (nb_ns)NB_VERDICT_WINDOW_S * NB_NS_PER_SEC;
    struct sample *w = v->win;
    size_t n = window(t, now_mono - span, w);
    struct nb_cls_input *in = &v->scratch;
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "%s", t->name);
    in->start = now_rt - span;
    in->end = now_rt;
    if (t->app)
        app_input(w, n, in);
    else
        stamp_input(t, w, n, in);
    enum nb_layer before = t->have_verdict ? t->verdict.layer : NB_LAYER__COUNT;
    nb_classify(in, &t->base, NULL, &t->verdict);
    /* learn from a healthy window at most every half window */
    if (t->verdict.layer == NB_LAYER_HEALTHY && now_mono - t->last_learn >= span / 2) {
        nb_baseline_learn(&t->base, in, NULL);
        t->last_learn = now_mono;
    }
    t->windows++;
    t->have_verdict = true;
    if (t->verdict.layer != before) {
        t->changed = now_rt;
        const struct nb_verdict *vd = &t->verdict;
        if (vd->nfindings)
            nb_info("verdict %s: %s (%s, %.2f): %s", t->name, nb_layer_name(vd->layer),
                    nb_side_name(vd->where.side), vd->confidence, vd->findings[0].summary);
        else
            nb_info("verdict %s: %s%s%s", t->name, nb_layer_name(vd->layer),
                    vd->reason[0] ? ": " : "", vd->reason);
    }
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_verdicts *v = w->data;
    nb_ns mono = nb_mono_now(), rt = nb_realtime_now();
    for (size_t i = 0; i < v->n; i++)
        judge(v, &v->t[i], mono, rt);
}

static void add_target(struct nb_verdicts *v, const char *name, bool app, enum nb_family fam,
                       struct nb_verdicts *old)
{
    struct target *t = &v->t[v->n++];
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->app = app;
    t->family = fam;
    t->ring = nb_calloc(RING, sizeof(*t->ring));
    nb_baseline_init(&t->base);
    const struct target *o = find(old, name, app);
    if (o && (app || o->family == fam)) { /* same measurement: keep what it learnt */
        memcpy(t->ring, o->ring, RING * sizeof(*t->ring));
        t->head = o->head;
        t->n = o->n;
        t->base = o->base;
        t->last_learn = o->last_learn;
    }
}

struct nb_verdicts *nb_verdicts_new(struct ev_loop *loop, const struct nb_config *cfg,
                                    struct nb_verdicts *old)
{
    struct nb_verdicts *v = nb_calloc(1, sizeof(*v));
    v->loop = loop;
    v->t = nb_calloc(cfg->npeers + cfg->napps + 1, sizeof(*v->t));
    v->win = nb_calloc(RING, sizeof(*v->win));
    for (size_t i = 0; i < cfg->npeers; i++)
        add_target(v, cfg->peers[i].name, false, cfg->peers[i].family, old);
    for (size_t i = 0; i < cfg->napps; i++)
        add_target(v, cfg->apps[i].name, true, NB_FAMILY_PATH, old);
    ev_timer_init(&v->tick, on_tick, 1., 1.);
    v->tick.data = v;
    if (v->n)
        ev_timer_start(loop, &v->tick);
    return v;
}

void nb_verdicts_free(struct nb_verdicts *v)
{
    if (!v)
        return;
    ev_timer_stop(v->loop, &v->tick);
    for (size_t i = 0; i < v->n; i++)
        free(v->t[i].ring);
    free(v->t);
    free(v->win);
    free(v);
}

void nb_verdicts_render_metrics(const struct nb_verdicts *v, struct nb_buf *b)
{
    if (!v || v->n == 0)
        return;
    nb_prom_family(b, "netblame_verdict", "gauge",
                   "The classifier's current verdict per target: 1 for the layer it names "
                   "(healthy, app, virtual, physical, inconclusive), 0 for the others.");
    for (size_t i = 0; i < v->n; i++)
        for (int l = 0; l < NB_LAYER__COUNT && v->t[i].have_verdict; l++) {
            const char *labels[] = {"target", v->t[i].name, "verdict",
                                    nb_layer_name((enum nb_layer)l)};
            nb_prom_sample(b, "netblame_verdict", labels, 2, (int)v->t[i].verdict.layer == l);
        }
    nb_prom_family(b, "netblame_verdict_confidence", "gauge",
                   "Confidence in [0,1] of the current verdict (0 when inconclusive).");
    for (size_t i = 0; i < v->n; i++)
        if (v->t[i].have_verdict) {
            const char *labels[] = {"target", v->t[i].name};
            nb_prom_sample(b, "netblame_verdict_confidence", labels, 1,
                           v->t[i].verdict.confidence);
        }
    nb_prom_family(b, "netblame_verdict_since_seconds", "gauge",
                   "Unix time when the current verdict's layer began.");
    for (size_t i = 0; i < v->n; i++)
        if (v->t[i].have_verdict) {
            const char *labels[] = {"target", v->t[i].name};
            nb_prom_sample(b, "netblame_verdict_since_seconds", labels, 1,
                           (double)(v->t[i].changed / NB_NS_PER_SEC));
        }
    nb_prom_family(b, "netblame_baseline_windows", "gauge",
                   "Healthy windows the target's baseline has learnt from (its round trip or "
                   "connect time; 0: judged against absolute floors).");
    for (size_t i = 0; i < v->n; i++) {
        const struct target *t = &v->t[i];
        int m = t->app ? NB_BM_APP_CONNECT
                : t->family == NB_FAMILY_VNET   ? NB_BM_VNET_RTT
                : t->family == NB_FAMILY_FABRIC ? NB_BM_FABRIC_RTT
                                                : NB_BM_PATH_RTT;
        const char *labels[] = {"target", t->name};
        nb_prom_sample(b, "netblame_baseline_windows", labels, 1, t->base.m[m].n);
    }
}

void nb_verdicts_api(const struct nb_verdicts *v, const struct nb_api_req *req,
                     struct nb_api_resp *resp)
{
    const char *only = nb_api_query(req, "target");
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "verdicts");
    bool found = false;
    for (size_t i = 0; v && i < v->n; i++) {
        const struct target *t = &v->t[i];
        if (only && strcmp(only, t->name) != 0)
            continue;
        found = true;
        if (t->have_verdict)
            cJSON_AddItemToArray(arr, nb_verdict_to_json(&t->verdict));
    }
    if (only && !found) {
        cJSON_Delete(root);
        nb_api_error(resp, 404, "no such target");
        return;
    }
    char *s = cJSON_PrintUnformatted(root);
    nb_buf_printf(&resp->body, "%s\n", s);
    free(s);
    cJSON_Delete(root);
}
