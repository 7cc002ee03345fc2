/* netblame.c — the command-line tool. Subcommands in a table; each parses its
 * own options. Exit statuses (DESIGN §5): 0 healthy, 1 a fault attributed,
 * 2 usage or config error, 3 inconclusive. */
#include <arpa/inet.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <errno.h>

#include "net/agentclient.h"
#include "wire/config.h"
#include "netblame/mem.h"
#include "cli/replay.h"
#include "wire/trace_json.h"
#include "wire/verdict_json.h"
#include "cli/verdict_text.h"
#include "cli/diag_window.h"
#include "cli/appdiag.h"
#include "cli/diagnose.h"
#include "netblame/addr.h"
#include "netblame/log.h"
#include "netblame/clock.h"

/* Parse a decimal in [LO, HI] or exit 2 naming the option. */
static unsigned parse_uint(const char *opt, const char *s, unsigned lo, unsigned hi)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "netblame: %s: expected an integer in %u..%u, got '%s'\n", opt, lo, hi, s);
        exit(NB_EXIT_USAGE);
    }
    return (unsigned)v;
}

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
    /* a daemon listening on every address answers on loopback */
    const char *api = strcmp(cfg->api_addr, "0.0.0.0") == 0 ? "127.0.0.1"
                      : strcmp(cfg->api_addr, "::") == 0    ? "::1"
                                                            : cfg->api_addr;
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

/* The end of every diagnose: classify window IN against what J says with
 * thresholds TH (NULL: the defaults), append it to RECORD_PATH (if set),
 * print REP around the verdict with how the diagnosis RUN ended, and return
 * the exit status. An inconclusive verdict of a diagnosis the deadline cut
 * short says so first in its reason. */
static int conclude(const struct nb_cls_input *in, const struct judged *j,
                    const struct nb_cls_thresholds *th, const char *record_path, int json,
                    report_json_fn to_json, report_text_fn to_text, const void *rep,
                    struct nb_diag_run *run)
{
    struct nb_verdict *v = nb_calloc(1, sizeof(*v));
    nb_classify(in, j->used ? &j->base : NULL, th, v);
    if (v->layer == NB_LAYER_INCONCLUSIVE && run->stop == NB_STOP_DEADLINE) {
        char why[NB_CLS_TEXTSIZ];
        snprintf(why, sizeof(why), "%s", v->reason);
        snprintf(v->reason, sizeof(v->reason), "stopped at the %.1f s deadline (%.60s): %.150s",
                 run->deadline_ms / 1e3, run->cut, why);
    }
    int ret = record(record_path, in) < 0 ? NB_EXIT_USAGE : nb_verdict_exit(v);
    run->ended = nb_realtime_now();
    if (json) {
        cJSON *root = to_json(rep, v);
        cJSON_AddItemToObject(root, "baseline", judged_json(j));
        cJSON_AddItemToObject(root, "diagnosis", nb_diag_run_json(run));
        char *s = cJSON_Print(root);
        printf("%s\n", s);
        free(s);
        cJSON_Delete(root);
    } else {
        to_text(rep, v, stdout);
        printf("\n  note: %s\n", j->note);
        nb_diag_run_print(run, stdout);
    }
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
            "  --record FILE       append the measured window to FILE (a JSON line that\n"
            "                      `netblame replay` classifies again)\n"
            "exit status: 0 healthy, 1 fault attributed, 2 usage/config error, 3 inconclusive\n");
}

/* --config FILE: loaded and validated, or -1 with the reason on stderr. */
static int load_config(const char *path, struct nb_config *cfg)
{
    char err[512];
    if (nb_config_load(path, cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "netblame: %s\n", err);
        return -1;
    }
    return 0;
}

static int cmd_diagnose(int argc, char **argv)
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
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct nb_diag_opts o = {.count = 100, .interval_ms = 10, .timeout_ms = 1000};
    int json = 0, c;
    const char *cfgpath = NULL, *local_agent = NULL, *record_path = NULL;
    struct nb_app_target app = {0};
    bool count_set = false, interval_set = false, timeout_set = false, no_baseline = false;
    unsigned deadline_ms = NB_DIAG_DEADLINE_MS;
    while ((c = getopt_long(argc, argv, "jn:i:t:c:L:S:B:W:E:R:D:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 'n':
            o.count = parse_uint("--count", optarg, 1, 100000);
            count_set = true;
            break;
        case 'i':
            o.interval_ms = parse_uint("--interval", optarg, 1, 60000);
            interval_set = true;
            break;
        case 'S':
            app.expect_status = (int)parse_uint("--expect-status", optarg, 100, 599);
            break;
        case 'B':
            snprintf(app.expect_body, sizeof(app.expect_body), "%s", optarg);
            break;
        case 'W':
            snprintf(app.raw_send, sizeof(app.raw_send), "%s", optarg);
            break;
        case 'E':
            snprintf(app.raw_expect, sizeof(app.raw_expect), "%s", optarg);
            break;
        case 't':
            o.timeout_ms = parse_uint("--timeout", optarg, 10, 60000);
            timeout_set = true;
            break;
        case 'c':
            cfgpath = optarg;
            break;
        case 'L':
            local_agent = optarg;
            break;
        case 'R':
            record_path = optarg;
            break;
        case 'N':
            no_baseline = true;
            break;
        case 'D':
            deadline_ms = parse_uint("--deadline", optarg, 0, 3600000);
            break;
        case 'h':
            diagnose_usage(stdout);
            return 0;
        default:
            diagnose_usage(stderr);
            return NB_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        diagnose_usage(stderr);
        return NB_EXIT_USAGE;
    }
    const char *target = argv[optind];
    /* the deadline bounds everything from here: the baseline asked of
     * netblamed, the hello, the bursts, the fetches from the host agents */
    struct nb_diag_run run = {.deadline_ms = deadline_ms, .started = nb_realtime_now()};
    if (deadline_ms)
        run.deadline = nb_mono_now() + (nb_ns)deadline_ms * 1000000;
    bool is_app = strstr(target, "://") != NULL;
    if (!is_app && (strlen(target) >= sizeof(o.target) ||
                    nb_addr_parse_hostport(target, 862, &o.addr, &o.addrlen) < 0)) {
        fprintf(stderr, "netblame: '%s' is not ADDRESS[:PORT] (numeric IPv4, or [IPv6]:PORT)\n",
                target);
        return NB_EXIT_USAGE;
    }
    struct nb_app_ports ports = {.first = NB_APP_PORT_FIRST_DEFAULT,
                                 .last = NB_APP_PORT_LAST_DEFAULT};
    uint16_t stamp_port = 0;
    struct nb_cls_thresholds cls;
    const struct nb_cls_thresholds *th = NULL; /* defaults without a config */
    struct judged j = {.used = false};
    snprintf(j.note, sizeof(j.note), "judged against absolute floors: %s",
             no_baseline ? "--no-baseline"
                         : "no --config, so no baseline from netblamed (its config names the "
                           "target and the control API)");
    if (cfgpath) {
        struct nb_config cfg;
        if (load_config(cfgpath, &cfg) < 0)
            return NB_EXIT_USAGE;
        o.mode = cfg.auth;
        o.key = cfg.key;
        o.ssid = cfg.ssid;
        if (cfg.has_host_agent) {
            snprintf(o.local_agent, sizeof(o.local_agent), "%.63s",
                     cfg.host_agent_addr); /* numeric: <= 45 */
            o.local_agent_port = cfg.host_agent_port;
        }
        ports.first = cfg.app_port_first;
        ports.last = cfg.app_port_last;
        stamp_port = cfg.stamp_port;
        cls = cfg.cls;
        th = &cls;
        if (!no_baseline)
            daemon_baseline(&cfg, target, is_app, &o.addr, &j, &run);
        nb_config_free(&cfg);
    }
    if (local_agent) {
        struct sockaddr_storage ss;
        socklen_t sl;
        if (nb_addr_parse_hostport(local_agent, 9862, &ss, &sl) < 0) {
            fprintf(stderr, "netblame: --local-agent '%s' is not ADDRESS[:PORT]\n", local_agent);
            return NB_EXIT_USAGE;
        }
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
        inet_ntop(ss.ss_family,
                  ss.ss_family == AF_INET ? (const void *)&sin->sin_addr
                                          : (const void *)&sin6->sin6_addr,
                  o.local_agent, sizeof(o.local_agent));
        o.local_agent_port = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    }
    if (is_app) {
        char err[256];
        if (strlen(target) >= 590 || nb_app_parse_url(target, &app, err, sizeof(err)) < 0) {
            fprintf(stderr, "netblame: %s\n", strlen(target) >= 590 ? "URL too long" : err);
            return NB_EXIT_USAGE;
        }
        app.timeout_ms = timeout_set ? o.timeout_ms : 5000; /* a whole app probe */
        /* start anywhere in the range: runs in a row reuse no port at once */
        ports.next = (uint16_t)(ports.first + (uint64_t)nb_mono_now() / 1000 %
                                                 ((unsigned)ports.last - ports.first + 1));
        app.ports = &ports;
        run.th = th;
        run.base = j.used ? &j.base : NULL;
        struct nb_appdiag_opts ao = {.t = &app,
                                     .url = target,
                                     .count = count_set ? o.count : 10,
                                     .interval_ms = interval_set ? o.interval_ms : 100,
                                     .local_agent_port = o.local_agent_port,
                                     .mode = o.mode,
                                     .key = o.key,
                                     .ssid = o.ssid,
                                     .stamp_port = stamp_port,
                                     .run = &run,
                                     .no_settle = count_set};
        memcpy(ao.local_agent, o.local_agent, sizeof(ao.local_agent));
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        struct nb_appdiag_report *rep = nb_calloc(1, sizeof(*rep));
        int rc = nb_appdiag_run(loop, &ao, rep, err, sizeof(err));
        ev_loop_destroy(loop);
        if (rc < 0) {
            fprintf(stderr, "netblame: %s\n", err);
            free(rep);
            return NB_EXIT_INCONCLUSIVE;
        }
        struct nb_cls_input *in = nb_calloc(1, sizeof(*in));
        nb_window_from_app(rep, in);
        if (rep->have_stamp)
            nb_window_add_diag(&rep->stamp, in); /* the network toward the server */
        rc = conclude(in, &j, th, record_path, json, app_json, app_text, rep, &run);
        free(in);
        free(rep);
        return rc;
    }
    snprintf(o.target, sizeof(o.target), "%s", target);
    o.stamp_port = stamp_port;
    o.run = &run;
    o.no_settle = count_set; /* the user asked for that many */
    run.th = th;
    run.base = j.used ? &j.base : NULL;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct nb_diag_report *rep = nb_calloc(1, sizeof(*rep));
    char err[512];
    int rc = nb_diagnose_run(loop, &o, rep, err, sizeof(err));
    ev_loop_destroy(loop);
    if (rc < 0) {
        fprintf(stderr, "netblame: %s\n", err);
        free(rep);
        return NB_EXIT_INCONCLUSIVE;
    }
    struct nb_cls_input *in = nb_calloc(1, sizeof(*in));
    nb_window_from_diag(rep, in);
    rc = conclude(in, &j, th, record_path, json, diag_json, diag_text, rep, &run);
    free(in);
    free(rep);
    return rc;
}

static void replay_usage(FILE *out)
{
    fprintf(out,
            "usage: netblame replay TRACE [--json] [--config FILE]\n"
            "  TRACE          recorded windows, one JSON line each (netblame diagnose --record),\n"
            "                 or - for standard input\n"
            "  --json         each verdict as one line of netblame.verdict/v1 JSON\n"
            "  --config FILE  judge with the classifier's thresholds of a netblamed config\n"
            "                 (its \"classifier\" object; default: the built-in ones)\n"
            "Windows are classified in order; a window judged healthy is learnt into the\n"
            "baseline the later ones are judged against, as the daemon does.\n"
            "exit status: 0 every line classified, 2 usage or config error, or a malformed line\n");
}

static void print_line(void *arg, const struct nb_cls_input *in, const struct nb_verdict *v)
{
    char ts[48], text[600];
    nb_rfc3339(in->start, ts, sizeof(ts));
    nb_verdict_line(v, text, sizeof(text));
    printf("%s %s %s\n", ts, in->target, text);
}

static void print_json(void *arg, const struct nb_cls_input *in, const struct nb_verdict *v)
{
    cJSON *o = nb_verdict_to_json(v);
    char *t = cJSON_PrintUnformatted(o);
    printf("%s\n", t);
    free(t);
    cJSON_Delete(o);
}

/* netblame replay: the classifier over a recorded trace. */
static int cmd_replay(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'},
                                         {"config", required_argument, 0, 'c'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int json = 0, c;
    const char *cfgpath = NULL;
    while ((c = getopt_long(argc, argv, "jc:h", opts, NULL)) != -1) {
        if (c == 'j') {
            json = 1;
        } else if (c == 'c') {
            cfgpath = optarg;
        } else if (c == 'h') {
            replay_usage(stdout);
            return 0;
        } else {
            replay_usage(stderr);
            return NB_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        replay_usage(stderr);
        return NB_EXIT_USAGE;
    }
    /* the config first: a bad one is refused before any verdict is printed */
    struct nb_cls_thresholds cls;
    const struct nb_cls_thresholds *th = NULL;
    if (cfgpath) {
        struct nb_config cfg;
        if (load_config(cfgpath, &cfg) < 0)
            return NB_EXIT_USAGE;
        cls = cfg.cls;
        th = &cls;
        nb_config_free(&cfg);
    }
    const char *path = argv[optind];
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "netblame: %s: %s\n", path, strerror(errno));
        return NB_EXIT_USAGE;
    }
    struct nb_replay *r = nb_calloc(1, sizeof(*r));
    nb_replay_init(r, th);
    unsigned bad = nb_replay_file(r, f, path, stderr, json ? print_json : print_line, NULL);
    if (f != stdin)
        fclose(f);
    free(r);
    return bad ? NB_EXIT_USAGE : 0;
}

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"diagnose", cmd_diagnose, "probe a target now and say which layer is at fault"},
    {"replay", cmd_replay, "classify the windows of a recorded trace"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: netblame COMMAND [options]   (netblame COMMAND --help)\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    nb_log_init("netblame");
    nb_log_set_level(NB_LOG_WARN);
    if (argc < 2) {
        usage(stderr);
        return NB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("netblame %s\n", NB_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "netblame: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return NB_EXIT_USAGE;
}
