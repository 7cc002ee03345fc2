/* mem.c — aborting allocation wrappers. */
#include "netblame/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t size)
{
    fprintf(stderr, "netblame: out of memory allocating %zu bytes\n", size);
    abort();
}

void *nb_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *nb_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *nb_realloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        oom(size);
    return q;
}

void *nb_reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        oom((size_t)-1);
    return nb_realloc(p, n * size);
}

char *nb_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = nb_malloc(n);
    memcpy(d, s, n);
    return d;
}
