/* diagjob.h — an on-demand diagnosis run from the daemon: `netblame
 * diagnose … --json` as a child process on the daemon's loop, its output
 * collected, bounded by a deadline.
 *
 * Why a child process and not the CLI's code on a thread: a diagnosis
 * blocks (it runs its own loop and blocking fetches from host agents), and
 * the daemon's loop must keep serving probes, verdicts and alerts. A child
 * has its own everything, and a diagnosis that hangs is killed at its
 * deadline with certainty (its process group gets SIGKILL), which no thread
 * allows. The child is the very same `netblame diagnose` an engineer runs,
 * so the daemon's answer and the CLI's cannot drift apart.
 *
 * Needs the default libev loop (ev_child). */
#ifndef NB_DIAGJOB_H
#define NB_DIAGJOB_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#define NB_DIAGJOB_OUT_MAX (1u << 20) /* stdout kept; more kills the child */
#define NB_DIAGJOB_ERR_MAX 1024       /* stderr kept (its last bytes) */

struct nb_diagjob_result {
    int exit_status;   /* the child's exit status; -1: killed or not run */
    bool deadline;     /* killed at the deadline */
    const char *out;   /* its stdout, NUL-terminated ("" when none) */
    size_t out_len;
    const char *err;   /* its stderr's last line(s), NUL-terminated */
};
typedef void (*nb_diagjob_cb)(void *arg, const struct nb_diagjob_result *r);

struct nb_diagjob;
/* Run ARGV (ARGV[0] a path; NULL-terminated) on LOOP with stdin from
 * /dev/null, killing it (and its process group) DEADLINE_MS after the
 * start. CB is called once, from the loop, when it has exited and its
 * output is read (never from inside this call). Returns NULL with a message
 * in ERR when it cannot be started. */
struct nb_diagjob *nb_diagjob_start(struct ev_loop *loop, const char *const argv[], unsigned deadline_ms,
                                    nb_diagjob_cb cb, void *arg, char *err, size_t errlen);
/* Kill it now and forget it: CB is not called. */
void nb_diagjob_cancel(struct nb_diagjob *j);

/* The `netblame` CLI into OUT: $NETBLAME_CLI if set (an install that keeps
 * the CLI elsewhere; the tests' stand-in for a diagnosis that hangs), else
 * the one beside this program (dirname of /proc/self/exe) or in the bin/
 * beside its sbin/ (installed); -1 when there is none (a message in ERR). */
int nb_diagjob_cli_path(char *out, size_t cap, char *err, size_t errlen);

#endif
