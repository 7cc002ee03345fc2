/* cmd_enrich.c — `netblame enrich`: an Alertmanager webhook notification
 * on standard input, the same on standard output with each alert's
 * netblame annotations (enrich_local.h; the rules: alert/enrich.h).
 *
 * A notification is never lost because of netblame: whatever the daemon
 * did or did not answer, every alert goes out, enriched or with
 * netblame_error saying why, and the exit status is 0. Only what cannot be
 * a notification at all (or a bad command line or config) exits 2, with
 * nothing on standard output. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/enrich_local.h"
#include "cli/verdict_text.h"
#include "netblame/mem.h"
#include "wire/alert_json.h"
#include "wire/config.h"

static void enrich_usage(FILE *out)
{
    fprintf(out,
            "usage: netblame enrich --config FILE [--deadline MS] < NOTIFICATION\n"
            "  --config FILE   a netblamed config: its targets (peers, app) and \"alerts\"\n"
            "                  section map each alert to a target; its api address is the\n"
            "                  netblamed whose verdicts are asked (GET /v1/verdicts)\n"
            "  --deadline MS   netblamed is asked within this long (1..600000; default the\n"
            "                  config's alerts.deadline_ms, 2000)\n"
            "Reads an Alertmanager webhook notification (version 4) and writes it back as one\n"
            "JSON line, each alert annotated with its target's verdict (netblame_verdict,\n"
            "netblame_where, netblame_confidence, netblame_summary, netblame_evidence,\n"
            "netblame_window, netblame_target) or with netblame_error saying why not.\n"
            "exit status: 0 the notification written (enriched or not), 2 usage or config\n"
            "error, input that is no notification, or output that could not be written\n");
}

/* Standard input, at most NB_ALERT_BODY_MAX bytes, into *OUT (*LEN; free()
 * it). 0, or -1 said on stderr. */
static int read_stdin(char **out, size_t *len)
{
    char *buf = nb_malloc(NB_ALERT_BODY_MAX + 1);
    size_t n = 0, r;

    /* one more byte than the limit tells a larger input */
    while (n <= NB_ALERT_BODY_MAX && (r = fread(buf + n, 1, NB_ALERT_BODY_MAX + 1 - n, stdin)))
        n += r;
    if (ferror(stdin) || n > NB_ALERT_BODY_MAX) {
        fprintf(stderr, "netblame: standard input: %s\n",
                ferror(stdin) ? "cannot read" : "more than 4 MiB: not a notification");
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

int nb_cmd_enrich(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"deadline", required_argument, 0, 'D'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *cfgpath = NULL;
    unsigned deadline_ms = 0;
    int c;

    /* the deadline runs from the start: it bounds the command, not only the fetch */
    nb_ns start = nb_mono_now();
    while ((c = getopt_long(argc, argv, "c:D:h", opts, NULL)) != -1) {
        if (c == 'c') {
            cfgpath = optarg;
        } else if (c == 'D') {
            deadline_ms = nb_cmd_parse_uint("--deadline", optarg, 1, 600000);
        } else if (c == 'h') {
            enrich_usage(stdout);
            return 0;
        } else {
            enrich_usage(stderr);
            return NB_EXIT_USAGE;
        }
    }
    if (optind != argc || !cfgpath) {
        enrich_usage(stderr);
        return NB_EXIT_USAGE;
    }
    struct nb_config cfg;
    if (nb_cmd_load_config(cfgpath, &cfg) < 0)
        return NB_EXIT_USAGE;
    if (!deadline_ms)
        deadline_ms = cfg.alerts.deadline_ms;

    char *body, err[512];
    size_t len;
    struct nb_alert_note note;
    int ret = NB_EXIT_USAGE;
    if (read_stdin(&body, &len) < 0)
        goto out;
    if (nb_alert_note_parse(body, len, &note, err, sizeof(err)) < 0) {
        fprintf(stderr, "netblame: %s\n", err);
        free(body);
        goto out;
    }
    free(body);
    nb_enrich_local(&cfg, &note, start + (nb_ns)deadline_ms * 1000000, nb_realtime_now());
    struct nb_buf b;
    nb_buf_init(&b);
    nb_alert_note_render(&note, &b);
    fwrite(b.data, 1, b.len, stdout);
    nb_buf_free(&b);
    nb_alert_note_free(&note);
    ret = 0;
    if (fflush(stdout) != 0) { /* a notification half written is lost: say so */
        perror("netblame: standard output");
        ret = NB_EXIT_USAGE;
    }
out:
    nb_config_free(&cfg);
    return ret;
}
