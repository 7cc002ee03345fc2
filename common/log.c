/* log.c — stderr logging with levels. The daemon runs in the foreground under
 * systemd, so stderr is the journal; no syslog, no files. */
#include "netblame/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum nb_log_level nb_log_threshold = NB_LOG_INFO;
static const char *log_prog = "netblame";

static const char *const level_names[] = {"err", "warn", "info", "debug"};

void nb_log_init(const char *prog)
{
    log_prog = prog;
}

void nb_log_set_level(enum nb_log_level level)
{
    nb_log_threshold = level;
}

int nb_log_set_level_name(const char *name)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            nb_log_threshold = (enum nb_log_level)i;
            return 0;
        }
    }
    return -1;
}

__attribute__((format(printf, 3, 0))) static void vlog(enum nb_log_level level,
                                                      const char *suffix, const char *fmt,
                                                      va_list ap)
{
    char line[1024];
    vsnprintf(line, sizeof(line), fmt, ap);
    fprintf(stderr, "%s[%s]: %s%s%s\n", log_prog, level_names[level], line, suffix ? ": " : "",
            suffix ? suffix : "");
}

void nb_log(enum nb_log_level level, const char *fmt, ...)
{
    if (level > nb_log_threshold)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, NULL, fmt, ap);
    va_end(ap);
}

void nb_log_errno(enum nb_log_level level, const char *fmt, ...)
{
    int saved = errno;
    if (level > nb_log_threshold)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, strerror(saved), fmt, ap);
    va_end(ap);
    errno = saved;
}

void nb_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(NB_LOG_ERR, NULL, fmt, ap);
    va_end(ap);
    exit(2);
}
