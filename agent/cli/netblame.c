/* netblame.c — the command-line tool. Subcommands in a table, each in its
 * own file (cmd.h); each parses its own options. Exit statuses (DESIGN §5):
 * 0 healthy, 1 a fault attributed, 2 usage or config error, 3 inconclusive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/verdict_text.h"
#include "net/agentclient.h"
#include "netblame/log.h"
#include "netblame/version.h"
#include "wire/config.h"

/* --config FILE: loaded and validated, or -1 with the reason on stderr. */
int nb_cmd_load_config(const char *path, struct nb_config *cfg)
{
    char err[512];
    if (nb_config_load(path, cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "netblame: %s\n", err);
        return -1;
    }
    nb_agent_client_set(&cfg->api_sec); /* agents are asked as this config's API is served */
    return 0;
}

unsigned nb_cmd_parse_uint(const char *opt, const char *s, unsigned lo, unsigned hi)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "netblame: %s: expected an integer in %u..%u, got '%s'\n", opt, lo, hi, s);
        exit(NB_EXIT_USAGE);
    }
    return (unsigned)v;
}

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"diagnose", nb_cmd_diagnose, "probe a target now and say which layer is at fault"},
    {"replay", nb_cmd_replay, "classify the windows of a recorded trace"},
    {"enrich", nb_cmd_enrich, "annotate an Alertmanager notification with the verdicts"},
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
