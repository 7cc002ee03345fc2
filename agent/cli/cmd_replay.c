/* cmd_replay.c — `netblame replay`: the classifier over a recorded trace,
 * window by window, as the daemon would have judged them (replay.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cmd.h"
#include "cli/replay.h"
#include "cli/verdict_text.h"
#include "netblame/mem.h"
#include "wire/config.h"
#include "wire/verdict_json.h"

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
int nb_cmd_replay(int argc, char **argv)
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
        if (nb_cmd_load_config(cfgpath, &cfg) < 0)
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
