/* cmd_diagnose.c — `netblame diagnose TARGET`: probe a target now, judge what
 * was measured and print it around the verdict; the exit status is the
 * verdict's (cmd.h). A step a function: the command line (parse_args); the
 * target, whose kind is a STAMP reflector (stamp_target) or a backend's URL
 * (app_target); --config, and the baseline netblamed learnt (configure);
 * the kind's run on a private loop (diagnose); the verdict, the record and
 * the report (conclude). */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <errno.h>

#include "net/agentclient.h"
#include "wire/config.h"
#include "netblame/mem.h"
#include "cli/cmd.h"
#include "wire/trace_json.h"
#include "cli/verdict_text.h"
#include "cli/diag_window.h"
#include "cli/appdiag.h"
#include "cli/diagnose_out.h"
#include "netblame/addr.h"
#include "netblame/clock.h"

/* Append window IN to PATH (NULL: nothing). Returns 0, or -1 (said on stderr). */
static int record(const char *path, const struct nb_cls_input *in)
{
    if (!path)
        return 0;
    FILE *f = fopen(path, "a");
    struct nb_buf b;
    nb_buf_init(&b);
    nb_trace_render(in, &b);
    bool ok = f && fwrite(b.data, 1, b.len, f) == b.len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "netblame: --record %s: %s\n", path, strerror(errno));
    nb_buf_free(&b);
    return ok ? 0 : -1;
}

/* How a report is printed around its verdict (REP: the report). */
typedef cJSON *(*report_json_fn)(const void *rep, const struct nb_verdict *v);
typedef void (*report_text_fn)(const void *rep, const struct nb_verdict *v, FILE *out);

static cJSON *app_json(const void *rep, const struct nb_verdict *v)
{
    return nb_appdiag_json(rep, v);
}

static void app_text(const void *rep, const struct nb_verdict *v, FILE *out)
{
    const struct nb_appdiag_report *r = rep;
    nb_appdiag_print(r, out);
    if (r->have_stamp) {
        fprintf(out, "\n");
        nb_diagnose_print(&r->stamp, out);
    }
    nb_verdict_print(v, out);
    if (r->have_stamp)
        nb_diagnose_print_notes(&r->stamp, out);
}

static cJSON *diag_json(const void *rep, const struct nb_verdict *v)
{
    return nb_diagnose_json(rep, v);
}

static void diag_text(const void *rep, const struct nb_verdict *v, FILE *out)
{
    nb_diagnose_print(rep, out);
    nb_verdict_print(v, out);
    nb_diagnose_print_notes(rep, out);
}

/* What a diagnosis is judged against: with --config, the baseline the local
 * netblamed learnt for the configured target the diagnosed one corresponds
 * to; otherwise (or when there is none yet) the absolute floors. NOTE says
 * which, or why the floors. */
struct judged {
    struct nb_baseline base;
    bool used;                /* BASE goes to the classifier */
    char target[NB_NAME_MAX]; /* the configured target matched; "" if none */
    char daemon[80];          /* the netblamed asked, "addr:port"; "" if none */
    unsigned windows;         /* windows learnt of its round trip (connect time) */
    char note[512];
};

/* Fill J->target with the configured target that TARGET (a STAMP reflector
 * at ADDR, or an app URL when IS_APP) corresponds to: a path peer at the same
 * address and port, or an app[] entry with the same url. Returns true if
 * one matched; else J->note says why not. */
static bool match_target(const struct nb_config *cfg, const char *target, bool is_app,
                         const struct sockaddr_storage *addr, struct judged *j)
{
    for (size_t i = 0; is_app && i < cfg->napps; i++)
        if (strcmp(cfg->apps[i].url, target) == 0) {
            snprintf(j->target, sizeof(j->target), "%s", cfg->apps[i].name);
            return true;
        }
    char want[NB_ADDRSTRLEN], got[NB_ADDRSTRLEN];
    const struct nb_peer_cfg *other = NULL;
    if (!is_app)
        nb_addr_format((const struct sockaddr *)addr, want, sizeof(want));
    for (size_t i = 0; !is_app && i < cfg->npeers; i++) {
        const struct nb_peer_cfg *p = &cfg->peers[i];
        struct sockaddr_storage ss;
        socklen_t sl;
        if (nb_addr_parse(p->host, p->port, &ss, &sl) < 0 ||
            strcmp(nb_addr_format((const struct sockaddr *)&ss, got, sizeof(got)), want) != 0)
            continue;
        if (p->family == NB_FAMILY_PATH) {
            snprintf(j->target, sizeof(j->target), "%s", p->name);
            return true;
        }
        other = other ? other : p;
    }
    if (other)
        snprintf(j->note, sizeof(j->note),
                 "judged against absolute floors: %s is configured as %s peer %s, not a path "
                 "peer, so its baseline measures another round trip",
                 want, nb_family_name(other->family), other->name);
    else
        snprintf(j->note, sizeof(j->note),
                 "judged against absolute floors: no configured target matches %s (a path "
                 "peer's address and port, or an app target's url)",
                 is_app ? target : want);
    return false;
}

/* With the config CFG loaded: ask the local netblamed (CFG's control API)
 * for the baseline of the configured target TARGET corresponds to. */
static void daemon_baseline(const struct nb_config *cfg, const char *target, bool is_app,
                            const struct sockaddr_storage *addr, struct judged *j,
                            struct nb_diag_run *run)
{
    if (!match_target(cfg, target, is_app, addr, j))
        return;
    const char *api = nb_config_api_reach(cfg);
    snprintf(j->daemon, sizeof(j->daemon), strchr(api, ':') ? "[%s]:%u" : "%s:%u", api,
             cfg->api_port);
    char err[300];
    long ms = nb_diag_fetch_ms(run, NB_DAEMON_TIMEOUT_MS, "netblamed's baseline");
    int rc = ms ? nb_agent_fetch_baseline(api, cfg->api_port, j->target, is_app, ms, &j->base, err,
                                          sizeof(err))
                : -1;
    if (!ms)
        snprintf(err, sizeof(err), "not asked: the deadline");
    if (rc < 0) {
        snprintf(j->note, sizeof(j->note), "judged against absolute floors: %s", err);
        return;
    }
    if (rc > 0) {
        snprintf(j->note, sizeof(j->note),
                 "judged against absolute floors: netblamed at %s has no %s %s (running with "
                 "another config?)",
                 j->daemon, is_app ? "app target" : "peer", j->target);
        return;
    }
    j->windows = j->base.m[is_app ? NB_BM_APP_CONNECT : NB_BM_PATH_RTT].n;
    if (j->windows < cfg->cls.min_base_windows) {
        snprintf(j->note, sizeof(j->note),
                 "judged against absolute floors: netblamed's baseline for %s is still learning "
                 "(%u windows learnt, min_base_windows %u)",
                 j->target, j->windows, cfg->cls.min_base_windows);
        return;
    }
    j->used = true;
    snprintf(j->note, sizeof(j->note),
             "judged against the baseline netblamed learnt for %s (%u windows learnt)", j->target,
             j->windows);
}

static cJSON *judged_json(const struct judged *j)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "used", j->used);
    if (j->target[0])
        cJSON_AddStringToObject(o, "target", j->target);
    if (j->daemon[0])
        cJSON_AddStringToObject(o, "daemon", j->daemon);
    if (j->used || j->windows)
        cJSON_AddNumberToObject(o, "windows", j->windows);
    cJSON_AddStringToObject(o, "note", j->note);
    return o;
}

/* One `netblame diagnose`: what its command line and --config asked for,
 * and what it is judged against. */
struct diag_cmd {
    const char *target; /* as the user typed it */
    bool is_app;        /* a URL: app probes (a STAMP burst beside); else a STAMP reflector */
    bool json;
    const char *cfgpath, *local_agent, *record_path;
    bool count_set, interval_set, timeout_set, no_baseline;
    struct nb_diag_opts o;     /* the STAMP burst's; count, interval, timeout for app probes too */
    struct nb_app_target app;  /* the app probes' expectations */
    struct nb_app_ports ports; /* the app probes' source ports */
    uint16_t stamp_port;       /* the agents' STAMP port (--config); 0: the default */
    struct nb_cls_thresholds cls;
    const struct nb_cls_thresholds *th; /* &cls with --config; NULL: the defaults */
    struct judged j;
    struct nb_diag_run run; /* deadline_ms from the command line; the rest once it starts */
    /* where a reflector's announced host agent may be: --config's
     * stamp.host_agent_prefixes, then --host-agent-prefix */
    struct nb_prefix agent_prefixes[NB_PREFIXES_MAX];
    size_t nagent_prefixes;
};

/* Append prefix S to C's host-agent prefixes; false if bad or too many. */
static bool add_agent_prefix(struct diag_cmd *c, const char *s)
{
    if (c->nagent_prefixes >= NB_PREFIXES_MAX ||
        nb_prefix_parse(s, &c->agent_prefixes[c->nagent_prefixes]) < 0)
        return false;
    c->nagent_prefixes++;
    return true;
}

/* A kind of target: what its diagnosis runs, and how its report becomes the
 * classifier's window and is printed around the verdict. */
struct target_kind {
    size_t report_size;
    /* Run on LOOP into REP; 0, or -1 with ERR (the diagnosis could not start). */
    int (*run)(struct ev_loop *loop, struct diag_cmd *c, void *rep, char *err, size_t errlen);
    void (*window)(const void *rep, struct nb_cls_input *in);
    report_json_fn to_json;
    report_text_fn to_text;
};

/* REP of kind K around its verdict V, with what it was judged against and
 * how the diagnosis ended: JSON or text on stdout. */
static void print_report(const struct diag_cmd *c, const struct target_kind *k, const void *rep,
                         const struct nb_verdict *v)
{
    if (c->json) {
        cJSON *root = k->to_json(rep, v);
        cJSON_AddItemToObject(root, "baseline", judged_json(&c->j));
        cJSON_AddItemToObject(root, "diagnosis", nb_diag_run_json(&c->run));
        char *s = cJSON_Print(root);
        printf("%s\n", s);
        free(s);
        cJSON_Delete(root);
    } else {
        k->to_text(rep, v, stdout);
        printf("\n  note: %s\n", c->j.note);
        nb_diag_run_print(&c->run, stdout);
    }
}

/* The end of every diagnose: classify window IN against what C is judged
 * against, append it to --record's file (if set), print REP (of kind K)
 * around the verdict, and return the exit status. An inconclusive verdict
 * of a diagnosis the deadline cut short says so first in its reason. */
static int conclude(struct diag_cmd *c, const struct nb_cls_input *in, const struct target_kind *k,
                    const void *rep)
{
    struct nb_diag_run *run = &c->run;
    struct nb_verdict *v = nb_calloc(1, sizeof(*v));
    nb_classify(in, c->j.used ? &c->j.base : NULL, c->th, v);
    if (v->layer == NB_LAYER_INCONCLUSIVE && run->stop == NB_STOP_DEADLINE) {
        char why[NB_CLS_TEXTSIZ];
        snprintf(why, sizeof(why), "%s", v->reason);
        snprintf(v->reason, sizeof(v->reason), "stopped at the %.1f s deadline (%.60s): %.150s",
                 run->deadline_ms / 1e3, run->cut, why);
    }
    int ret = record(c->record_path, in) < 0 ? NB_EXIT_USAGE : nb_verdict_exit(v);
    run->ended = nb_realtime_now();
    print_report(c, k, rep, v);
    free(v);
    return ret;
}

static void diagnose_usage(FILE *out)
{
    fprintf(out,
            "usage: netblame diagnose TARGET [options]\n"
            "  TARGET              a STAMP reflector: ADDRESS, ADDRESS:PORT or [IPv6]:PORT (port "
            "862),\n"
            "                      or a backend: http://HOST[:PORT]/PATH or tcp://HOST:PORT (app "
            "probes)\n"
            "  --expect-status N   app: the HTTP status a healthy backend answers (default 200)\n"
            "  --expect-body S     app: a substring the body must contain\n"
            "  --send S --expect S tcp:// targets: the line to send, the reply's expected prefix\n"
            "  --json              print the verdict as JSON (schema netblame.verdict/v1)\n"
            "  --count N           probes to send, all of them (default 100, app 10; without\n"
            "                      it the diagnosis stops early once its verdict is settled)\n"
            "  --interval MS       between probes (default 10)\n"
            "  --timeout MS        a probe unanswered this long is lost (default 1000; app\n"
            "                      probes: the whole probe, default 5000)\n"
            "  --deadline MS       the whole diagnosis ends by then, with what it has\n"
            "                      (default 5000; 0: none); it stops earlier once its\n"
            "                      verdict is settled\n"
            "  --config FILE       take STAMP authentication (key, SSID), the classifier's\n"
            "                      thresholds and, for a guest, its host agent from a\n"
            "                      netblamed config, and judge against the baseline that\n"
            "                      netblamed (its control API) learnt for the configured\n"
            "                      target TARGET is (a path peer's address, an app url)\n"
            "  --no-baseline       with --config: judge against absolute floors only\n"
            "  --local-agent ADDR[:PORT]  this guest's host agent (control API, port 9862), for\n"
            "                      the per-segment waterfall; the remote one is learnt in-band\n"
            "  --host-agent-prefix P  believe a remote host agent the reflector announces only\n"
            "                      in prefix P (198.18.0.0/15; repeatable, added to --config's\n"
            "                      stamp.host_agent_prefixes) or at the reflector's own address\n"
            "  --record FILE       append the measured window to FILE (a JSON line that\n"
            "                      `netblame replay` classifies again)\n"
            "exit status: 0 healthy, 1 fault attributed, 2 usage/config error, 3 inconclusive\n");
}

/* The command line into *C. Returns true to go on, or false with the exit
 * status in *STATUS (--help, or a usage error, said on stderr). */
static bool parse_args(int argc, char **argv, struct diag_cmd *c, int *status)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'},
                                         {"count", required_argument, 0, 'n'},
                                         {"interval", required_argument, 0, 'i'},
                                         {"timeout", required_argument, 0, 't'},
                                         {"config", required_argument, 0, 'c'},
                                         {"local-agent", required_argument, 0, 'L'},
                                         {"expect-status", required_argument, 0, 'S'},
                                         {"expect-body", required_argument, 0, 'B'},
                                         {"send", required_argument, 0, 'W'},
                                         {"expect", required_argument, 0, 'E'},
                                         {"record", required_argument, 0, 'R'},
                                         {"no-baseline", no_argument, 0, 'N'},
                                         {"deadline", required_argument, 0, 'D'},
                                         {"host-agent-prefix", required_argument, 0, 'P'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "jn:i:t:c:L:S:B:W:E:R:D:P:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'j':
            c->json = true;
            break;
        case 'n':
            c->o.count = nb_cmd_parse_uint("--count", optarg, 1, 100000);
            c->count_set = true;
            break;
        case 'i':
            c->o.interval_ms = nb_cmd_parse_uint("--interval", optarg, 1, 60000);
            c->interval_set = true;
            break;
        case 'S':
            c->app.expect_status = (int)nb_cmd_parse_uint("--expect-status", optarg, 100, 599);
            break;
        case 'B':
            snprintf(c->app.expect_body, sizeof(c->app.expect_body), "%s", optarg);
            break;
        case 'W':
            snprintf(c->app.raw_send, sizeof(c->app.raw_send), "%s", optarg);
            break;
        case 'E':
            snprintf(c->app.raw_expect, sizeof(c->app.raw_expect), "%s", optarg);
            break;
        case 't':
            c->o.timeout_ms = nb_cmd_parse_uint("--timeout", optarg, 10, 60000);
            c->timeout_set = true;
            break;
        case 'c':
            c->cfgpath = optarg;
            break;
        case 'L':
            c->local_agent = optarg;
            break;
        case 'R':
            c->record_path = optarg;
            break;
        case 'N':
            c->no_baseline = true;
            break;
        case 'D':
            c->run.deadline_ms = nb_cmd_parse_uint("--deadline", optarg, 0, 3600000);
            break;
        case 'P':
            if (!add_agent_prefix(c, optarg)) {
                fprintf(stderr,
                        "netblame: --host-agent-prefix %s: not an address prefix such as "
                        "198.18.0.0/15 (or more than %d)\n",
                        optarg, NB_PREFIXES_MAX);
                *status = NB_EXIT_USAGE;
                return false;
            }
            break;
        case 'h':
            diagnose_usage(stdout);
            *status = 0;
            return false;
        default:
            diagnose_usage(stderr);
            *status = NB_EXIT_USAGE;
            return false;
        }
    }
    if (optind != argc - 1) {
        diagnose_usage(stderr);
        *status = NB_EXIT_USAGE;
        return false;
    }
    c->target = argv[optind];
    c->is_app = strstr(c->target, "://") != NULL;
    return true;
}

/* A STAMP target, ADDRESS[:PORT] (port 862), into C->o. Returns 0, or
 * NB_EXIT_USAGE (said on stderr). */
static int stamp_target(struct diag_cmd *c)
{
    if (strlen(c->target) >= sizeof(c->o.target) ||
        nb_addr_parse_hostport(c->target, 862, &c->o.addr, &c->o.addrlen) < 0) {
        fprintf(stderr, "netblame: '%s' is not ADDRESS[:PORT] (numeric IPv4, or [IPv6]:PORT)\n",
                c->target);
        return NB_EXIT_USAGE;
    }
    return 0;
}

/* What --config gives C: STAMP authentication, the host agent, the app
 * probes' ports, the agents' STAMP port, the thresholds, and (unless
 * --no-baseline) the baseline netblamed learnt; without it, C->j says why
 * the floors. Returns 0, or NB_EXIT_USAGE (said on stderr). */
static int configure(struct diag_cmd *c)
{
    struct nb_diag_opts *o = &c->o;
    snprintf(c->j.note, sizeof(c->j.note), "judged against absolute floors: %s",
             c->no_baseline ? "--no-baseline"
                            : "no --config, so no baseline from netblamed (its config names the "
                              "target and the control API)");
    if (!c->cfgpath)
        return 0;
    struct nb_config cfg;
    if (nb_cmd_load_config(c->cfgpath, &cfg) < 0)
        return NB_EXIT_USAGE;
    o->mode = cfg.auth;
    o->key = cfg.key;
    o->ssid = cfg.ssid;
    for (size_t i = 0; i < cfg.n_host_agent_prefixes && c->nagent_prefixes < NB_PREFIXES_MAX; i++)
        c->agent_prefixes[c->nagent_prefixes++] = cfg.host_agent_prefixes[i];
    if (cfg.has_host_agent) {
        snprintf(o->local_agent, sizeof(o->local_agent), "%.63s",
                 cfg.host_agent_addr); /* numeric: <= 45 */
        o->local_agent_port = cfg.host_agent_port;
    }
    c->ports.first = cfg.app_port_first;
    c->ports.last = cfg.app_port_last;
    c->stamp_port = cfg.stamp_port;
    c->cls = cfg.cls;
    c->th = &c->cls;
    if (!c->no_baseline)
        daemon_baseline(&cfg, c->target, c->is_app, &o->addr, &c->j, &c->run);
    nb_config_free(&cfg);
    return 0;
}

/* --local-agent ADDR[:PORT] (port 9862) into C->o, over --config's. Returns
 * 0, or NB_EXIT_USAGE (said on stderr). */
static int set_local_agent(struct diag_cmd *c)
{
    struct nb_diag_opts *o = &c->o;
    struct sockaddr_storage ss;
    socklen_t sl;
    if (!c->local_agent)
        return 0;
    if (nb_addr_parse_hostport(c->local_agent, 9862, &ss, &sl) < 0) {
        fprintf(stderr, "netblame: --local-agent '%s' is not ADDRESS[:PORT]\n", c->local_agent);
        return NB_EXIT_USAGE;
    }
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
    inet_ntop(ss.ss_family,
              ss.ss_family == AF_INET ? (const void *)&sin->sin_addr
                                      : (const void *)&sin6->sin6_addr,
              o->local_agent, sizeof(o->local_agent));
    o->local_agent_port = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    return 0;
}

/* A URL target: its app probes' target in C->app (a whole probe's timeout,
 * 5 s unless --timeout), their first source port. Returns 0, or
 * NB_EXIT_USAGE (said on stderr). */
static int app_target(struct diag_cmd *c)
{
    char err[256];
    if (strlen(c->target) >= 590 || nb_app_parse_url(c->target, &c->app, err, sizeof(err)) < 0) {
        fprintf(stderr, "netblame: %s\n", strlen(c->target) >= 590 ? "URL too long" : err);
        return NB_EXIT_USAGE;
    }
    c->app.timeout_ms = c->timeout_set ? c->o.timeout_ms : 5000; /* a whole app probe */
    /* start anywhere in the range: runs in a row reuse no port at once */
    c->ports.next = (uint16_t)(c->ports.first + (uint64_t)nb_mono_now() / 1000 %
                                                    ((unsigned)c->ports.last - c->ports.first + 1));
    c->app.ports = &c->ports;
    return 0;
}

static int stamp_run(struct ev_loop *loop, struct diag_cmd *c, void *rep, char *err, size_t errlen)
{
    struct nb_diag_opts *o = &c->o;
    snprintf(o->target, sizeof(o->target), "%s", c->target);
    o->stamp_port = c->stamp_port;
    o->run = &c->run;
    o->no_settle = c->count_set; /* the user asked for that many */
    return nb_diagnose_run(loop, o, rep, err, errlen);
}

static void stamp_window(const void *rep, struct nb_cls_input *in)
{
    nb_window_from_diag(rep, in);
}

static int app_run(struct ev_loop *loop, struct diag_cmd *c, void *rep, char *err, size_t errlen)
{
    const struct nb_diag_opts *o = &c->o;
    struct nb_appdiag_opts ao = {.t = &c->app,
                                 .url = c->target,
                                 .count = c->count_set ? o->count : 10,
                                 .interval_ms = c->interval_set ? o->interval_ms : 100,
                                 .local_agent_port = o->local_agent_port,
                                 .mode = o->mode,
                                 .key = o->key,
                                 .ssid = o->ssid,
                                 .stamp_port = c->stamp_port,
                                 .run = &c->run,
                                 .no_settle = c->count_set};
    memcpy(ao.local_agent, o->local_agent, sizeof(ao.local_agent));
    return nb_appdiag_run(loop, &ao, rep, err, errlen);
}

static void app_window(const void *rep, struct nb_cls_input *in)
{
    const struct nb_appdiag_report *r = rep;
    nb_window_from_app(r, in);
    if (r->have_stamp)
        nb_window_add_diag(&r->stamp, in); /* the network toward the server */
}

static const struct target_kind stamp_kind = {.report_size = sizeof(struct nb_diag_report),
                                              .run = stamp_run,
                                              .window = stamp_window,
                                              .to_json = diag_json,
                                              .to_text = diag_text};
static const struct target_kind app_kind = {.report_size = sizeof(struct nb_appdiag_report),
                                            .run = app_run,
                                            .window = app_window,
                                            .to_json = app_json,
                                            .to_text = app_text};

/* Run C's diagnosis of kind K on a private loop, within its deadline, and
 * conclude. Returns the exit status. */
static int diagnose(struct diag_cmd *c, const struct target_kind *k)
{
    c->run.th = c->th;
    c->run.base = c->j.used ? &c->j.base : NULL;
    c->run.agent_prefixes = c->agent_prefixes;
    c->run.n_agent_prefixes = c->nagent_prefixes;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    void *rep = nb_calloc(1, k->report_size);
    char err[512];
    int rc = k->run(loop, c, rep, err, sizeof(err));
    ev_loop_destroy(loop);
    if (rc < 0) {
        fprintf(stderr, "netblame: %s\n", err);
        free(rep);
        return NB_EXIT_INCONCLUSIVE;
    }
    struct nb_cls_input *in = nb_calloc(1, sizeof(*in));
    k->window(rep, in);
    rc = conclude(c, in, k, rep);
    free(in);
    free(rep);
    return rc;
}

int nb_cmd_diagnose(int argc, char **argv)
{
    struct diag_cmd c = {
        .o = {.count = 100, .interval_ms = 10, .timeout_ms = 1000},
        .ports = {.first = NB_APP_PORT_FIRST_DEFAULT, .last = NB_APP_PORT_LAST_DEFAULT},
        .run = {.deadline_ms = NB_DIAG_DEADLINE_MS},
    };
    int rc;
    if (!parse_args(argc, argv, &c, &rc))
        return rc;
    /* the deadline bounds everything from here: the baseline asked of
     * netblamed, the hello, the bursts, the fetches from the host agents */
    c.run.started = nb_realtime_now();
    if (c.run.deadline_ms)
        c.run.deadline = nb_mono_now() + (nb_ns)c.run.deadline_ms * 1000000;
    if (!c.is_app && (rc = stamp_target(&c)) != 0)
        return rc;
    if ((rc = configure(&c)) != 0 || (rc = set_local_agent(&c)) != 0)
        return rc;
    /* a URL is parsed only now, after --config and --local-agent: the order
     * in which usage errors have always been said */
    if (c.is_app && (rc = app_target(&c)) != 0)
        return rc;
    return diagnose(&c, c.is_app ? &app_kind : &stamp_kind);
}
