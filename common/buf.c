/* buf.c — growable byte buffer: HTTP bodies, Prometheus text, JSON output.
 * Storage doubles as it grows and stays NUL-terminated, so a caller can hand
 * .data to string functions at any time. Allocation failure aborts (mem.h). */
#include "netblame/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"

#define BUF_MIN_CAP 64

void nb_buf_init(struct nb_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void nb_buf_free(struct nb_buf *b)
{
    free(b->data);
    nb_buf_init(b);
}

/* Make room for EXTRA more bytes plus the terminating NUL. */
static void reserve(struct nb_buf *b, size_t extra)
{
    if (extra > (size_t)-1 - 1 - b->len)
        abort(); /* size_t overflow: no allocation could satisfy it */
    size_t need = b->len + extra + 1;
    if (b->data && need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
    while (cap < need)
        cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    b->data = nb_realloc(b->data, cap);
    b->cap = cap;
    b->data[b->len] = '\0'; /* fresh storage is a valid empty string too */
}

void nb_buf_append(struct nb_buf *b, const void *data, size_t len)
{
    reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void nb_buf_printf(struct nb_buf *b, const char *fmt, ...)
{
    va_list ap;

    reserve(b, 0);
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0'; /* encoding error: append nothing */
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

char *nb_buf_steal(struct nb_buf *b, size_t *len)
{
    reserve(b, 0); /* an empty buffer still yields a "" the caller can free() */
    char *d = b->data;
    if (len)
        *len = b->len;
    nb_buf_init(b);
    return d;
}
