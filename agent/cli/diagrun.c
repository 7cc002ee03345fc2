/* diagrun.c — the deadline, the early stop and the hello of a diagnosis
 * (see diagrun.h). */
#include "cli/diagrun.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "netblame/sender.h"

const char *nb_diag_stop_name(enum nb_diag_stop s)
{
    return s == NB_STOP_SETTLED ? "settled" : s == NB_STOP_DEADLINE ? "deadline" : "complete";
}

long nb_diag_left_ms(const struct nb_diag_run *r)
{
    if (!r || !r->deadline)
        return LONG_MAX;
    nb_ns left = r->deadline - nb_mono_now();
    return left > 0 ? (long)(left / 1000000) : 0;
}

long nb_diag_reserve_ms(const struct nb_diag_run *r)
{
    if (!r || !r->deadline)
        return 0;
    long v = (long)r->deadline_ms / 5;
    return v < 200 ? 200 : v > 1000 ? 1000 : v;
}

void nb_diag_cut(struct nb_diag_run *r, const char *fmt, ...)
{
    size_t n = strlen(r->cut);
    r->stop = NB_STOP_DEADLINE;
    if (n + 3 >= sizeof(r->cut))
        return;
    if (n) {
        memcpy(r->cut + n, "; ", 3);
        n += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->cut + n, sizeof(r->cut) - n, fmt, ap);
    va_end(ap);
}

long nb_diag_fetch_ms(struct nb_diag_run *r, long default_ms, const char *what)
{
    long left = nb_diag_left_ms(r);
    if (left != LONG_MAX)
        left -= NB_DIAG_TAIL_MS; /* the verdict is still to be made and printed */
    if (left <= 0) {
        nb_diag_cut(r, "%s not fetched", what);
        return 0;
    }
    return left < default_ms ? left : default_ms;
}

void nb_diag_fetch_failed(struct nb_diag_run *r, long ms, long default_ms, const char *what)
{
    if (ms < default_ms)
        nb_diag_cut(r, "%s: no answer before the deadline", what);
}

void nb_settle_init(struct nb_settle *s)
{
    s->layer = s->side = -1;
    s->same = 0;
}

bool nb_settle_check(struct nb_settle *s, const struct nb_verdict *v, uint64_t n, unsigned min)
{
    bool decisive = v->layer == NB_LAYER_HEALTHY        ? n >= 2 * (uint64_t)min
                    : v->layer == NB_LAYER_INCONCLUSIVE ? false
                                                        : v->confidence >= NB_SETTLE_CONFIDENCE;
    if (!decisive) {
        nb_settle_init(s);
        return false;
    }
    if (s->layer == (int)v->layer && s->side == (int)v->where.side)
        s->same++;
    else
        s->same = 1;
    s->layer = (int)v->layer;
    s->side = (int)v->where.side;
    return s->same >= 2;
}

/* ---- the hello ---- */

struct hello {
    struct ev_loop *loop;
    struct nb_sender *s;
    struct nb_hello *h;
    unsigned tries;
    struct nb_probe_result r;
    bool done;
};

static void on_hello(void *arg, const struct nb_probe_result *r)
{
    struct hello *x = arg;
    if (r->lost || x->done)
        return;
    x->r = *r;
    x->done = true;
    ev_break(x->loop, EVBREAK_ONE);
}

static void on_hello_io(struct ev_loop *loop, ev_io *w, int revents)
{
    struct hello *x = w->data;
    nb_sender_on_readable(x->s);
    if (!x->done && nb_sender_stats(x->s)->icmp_errors)
        ev_break(loop, EVBREAK_ONE); /* port unreachable: nothing reflects there */
}

static void on_hello_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct hello *x = w->data;
    if (x->h->tries >= x->tries) {
        ev_break(loop, EVBREAK_ONE);
        return;
    }
    if (nb_sender_send(x->s, nb_mono_now()) == 0)
        x->h->tries++;
    else if (x->h->tries == 0)
        ev_break(loop, EVBREAK_ONE); /* cannot send at all */
}

void nb_diag_run_agent_rule(const struct nb_diag_run *r, struct nb_sender_cfg *sc)
{
    size_t n = r && r->agent_prefixes ? r->n_agent_prefixes : 0;
    if (n > NB_PREFIXES_MAX)
        n = NB_PREFIXES_MAX;
    sc->n_agent_prefixes = n;
    if (n)
        memcpy(sc->agent_prefixes, r->agent_prefixes, n * sizeof(*r->agent_prefixes));
}

void nb_diag_hello(struct ev_loop *loop, const struct nb_sender_cfg *base, unsigned tries,
                   unsigned try_ms, struct nb_hello *h)
{
    struct hello x = {.loop = loop, .h = h, .tries = tries ? tries : 1};
    struct nb_sender_cfg sc = *base;
    char err[256];
    memset(h, 0, sizeof(*h));
    sc.id_nonce = ~base->id_nonce;
    sc.request_agent = true;
    sc.pad_every = 0; /* a small probe: the hello must pass an MTU black hole */
    sc.timeout = (nb_ns)try_ms * tries * 1000000; /* never expired early: any reply wins */
    x.s = nb_sender_new(&sc, on_hello, &x, err, sizeof(err));
    if (!x.s)
        return;
    ev_io io;
    ev_timer t;
    ev_now_update(loop);
    ev_io_init(&io, on_hello_io, nb_sender_fd(x.s), EV_READ);
    io.data = &x;
    ev_io_start(loop, &io);
    ev_timer_init(&t, on_hello_timer, 0., try_ms / 1000.0);
    t.data = &x;
    ev_timer_start(loop, &t);
    ev_run(loop, 0);
    ev_io_stop(loop, &io);
    ev_timer_stop(loop, &t);
    nb_sender_free(x.s);
    if (!x.done)
        return;
    h->answered = true;
    if (x.r.refused_family)
        inet_ntop(x.r.refused_family == 4 ? AF_INET : AF_INET6, x.r.refused_addr, h->refused,
                  sizeof(h->refused));
    if (!x.r.agent_family)
        return;
    h->agent = true;
    inet_ntop(x.r.agent_family == 4 ? AF_INET : AF_INET6, x.r.agent_addr, h->addr, sizeof(h->addr));
    h->port = x.r.agent_port;
}

unsigned nb_diag_hello_try_ms(const struct nb_diag_run *r, unsigned timeout_ms)
{
    long budget = nb_diag_left_ms(r) / 4;
    if (budget > 1500)
        budget = 1500;
    long per = budget / NB_HELLO_TRIES;
    if (per < 50)
        per = 50;
    return per > (long)timeout_ms ? timeout_ms : (unsigned)per;
}

/* ---- how it ended ---- */

static double elapsed_ms(const struct nb_diag_run *r)
{
    return round((double)(r->ended - r->started) / 1e3) / 1e3;
}

struct cJSON *nb_diag_run_json(const struct nb_diag_run *r)
{
    cJSON *o = cJSON_CreateObject();
    if (r->deadline_ms)
        cJSON_AddNumberToObject(o, "deadline_ms", r->deadline_ms);
    else
        cJSON_AddNullToObject(o, "deadline_ms");
    cJSON_AddNumberToObject(o, "elapsed_ms", elapsed_ms(r));
    cJSON_AddStringToObject(o, "stopped", nb_diag_stop_name(r->stop));
    if (r->cut[0])
        cJSON_AddStringToObject(o, "cut", r->cut);
    return o;
}

void nb_diag_run_print(const struct nb_diag_run *r, FILE *out)
{
    fprintf(out, "\n  diagnosis: %.2f s", elapsed_ms(r) / 1e3);
    if (r->deadline_ms)
        fprintf(out, " (deadline %.2f s)", r->deadline_ms / 1e3);
    fprintf(out, ", stopped: %s", nb_diag_stop_name(r->stop));
    if (r->cut[0])
        fprintf(out, " (%s)", r->cut);
    fprintf(out, "\n");
}
