/* cmd.h — netblame's subcommands, a file each (cmd_*.c), and what they share
 * with its main (netblame.c), which finds them by name in its table. Each
 * parses its own options (ARGV[0] is its name) and returns the exit status
 * (enum nb_exit, verdict_text.h). */
#ifndef NB_CMD_H
#define NB_CMD_H

struct nb_config;

/* `netblame diagnose TARGET`: probe a target now and say which layer is at
 * fault (cmd_diagnose.c). */
int nb_cmd_diagnose(int argc, char **argv);
/* `netblame replay TRACE`: classify the windows of a recorded trace
 * (cmd_replay.c). */
int nb_cmd_replay(int argc, char **argv);
/* `netblame enrich`: an Alertmanager notification on standard input written
 * back with each alert's verdict annotations (cmd_enrich.c). */
int nb_cmd_enrich(int argc, char **argv);

/* --config FILE: loaded and validated, or -1 with the reason on stderr. */
int nb_cmd_load_config(const char *path, struct nb_config *cfg);
/* OPT's argument S, a decimal in [LO, HI], or exit 2 naming OPT. */
unsigned nb_cmd_parse_uint(const char *opt, const char *s, unsigned lo, unsigned hi);

#endif
