/* buf.h — a growable byte buffer for building HTTP bodies and text output. */
#ifndef NETBLAME_BUF_H
#define NETBLAME_BUF_H

#include <stddef.h>

struct nb_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
};

void nb_buf_init(struct nb_buf *b);
void nb_buf_free(struct nb_buf *b);
void nb_buf_append(struct nb_buf *b, const void *data, size_t len);
void nb_buf_printf(struct nb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the storage to the caller (free() it); B is left empty. */
char *nb_buf_steal(struct nb_buf *b, size_t *len);

#endif
