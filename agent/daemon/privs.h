/* privs.h — netblamed's least privilege: which user it runs as and which
 * capabilities it keeps once its privileged handles are open (privs.c says
 * which capability serves what, per role). */
#ifndef NB_PRIVS_H
#define NB_PRIVS_H

#include <stdbool.h>
#include <stddef.h>

#include "netblame/buf.h"
#include "wire/config.h"

/* Before anything is opened: resolve CFG's user (a missing one is an error,
 * never a silent run as root) and, started as root, give that user the alert
 * spool directory (created if missing). 0, or -1 with why in ERR. */
int nb_privs_init(const struct nb_config *cfg, char *err, size_t errlen);
/* Once every privileged handle is open: become CFG's user (started as root),
 * keep only the role's capabilities (none inheritable or ambient, so a child
 * such as the diagnose CLI gets none) and set no_new_privs. Logs one line of
 * the result. 0, or -1 with why in ERR. */
int nb_privs_drop(const struct nb_config *cfg, char *err, size_t errlen);
/* May this process read the /proc entries of another user's process (the
 * tap owners of cpustat.h)? True with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH. */
bool nb_privs_tap_owners(void);
/* The state for /healthz: ,"uid":N,"capabilities":"cap_a,cap_b" into B. */
void nb_privs_render(struct nb_buf *b);

#endif
