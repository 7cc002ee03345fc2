/* mem.h — allocation wrappers that abort on exhaustion, so callers never test
 * for NULL (chrony's Malloc/Realloc). Out of memory in a prober is not a state
 * worth limping on. */
#ifndef NETBLAME_MEM_H
#define NETBLAME_MEM_H

#include <stddef.h>
#include <stdlib.h> /* free() releases what these return */

void *nb_malloc(size_t size);
void *nb_calloc(size_t n, size_t size);
void *nb_realloc(void *p, size_t size);
/* Grow-array helper: n elements of size each, checked for overflow. */
void *nb_reallocarray(void *p, size_t n, size_t size);
char *nb_strdup(const char *s);

#endif
