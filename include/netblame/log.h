/* log.h — the one logging module: levels, printf-checked, cheap when off.
 * Logs go to stderr (journald picks them up); one line per event. */
#ifndef NETBLAME_LOG_H
#define NETBLAME_LOG_H

#include <stdbool.h>

enum nb_log_level { NB_LOG_ERR = 0, NB_LOG_WARN, NB_LOG_INFO, NB_LOG_DEBUG };

extern enum nb_log_level nb_log_threshold;

/* Set the level; returns 0, or -1 if NAME is not err|warn|info|debug. */
int nb_log_set_level_name(const char *name);
void nb_log_set_level(enum nb_log_level level);
/* Prefix every line with PROG (no copy: PROG must outlive logging). */
void nb_log_init(const char *prog);

void nb_log(enum nb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like nb_log, with ": strerror(errno)" appended. */
void nb_log_errno(enum nb_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Start-up and config errors only: log and exit(2). */
void nb_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define nb_debug(...)                                                                              \
    do {                                                                                           \
        if (nb_log_threshold >= NB_LOG_DEBUG)                                                      \
            nb_log(NB_LOG_DEBUG, __VA_ARGS__);                                                     \
    } while (0)
#define nb_info(...) nb_log(NB_LOG_INFO, __VA_ARGS__)
#define nb_warn(...) nb_log(NB_LOG_WARN, __VA_ARGS__)
#define nb_warn_errno(...) nb_log_errno(NB_LOG_WARN, __VA_ARGS__)
#define nb_err(...) nb_log(NB_LOG_ERR, __VA_ARGS__)

#endif
