/* num.h — strict parsing of unsigned numbers from outside text (query
 * strings, JSON string fields): digits of BASE only, 1..20 of them, no sign,
 * no blanks, no overflow. One rule for every parser of outside data. */
#ifndef NB_NUM_H
#define NB_NUM_H

#include <stdint.h>

/* Returns 0 and sets *OUT, or -1. BASE is 10 or 16. */
int nb_parse_u64(const char *s, int base, uint64_t *out);

#endif
