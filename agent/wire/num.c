/* num.c — strict unsigned parsing (see num.h). */
#include "wire/num.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int nb_parse_u64(const char *s, int base, uint64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (base == 16 ? !isxdigit((unsigned char)s[i]) : !isdigit((unsigned char)s[i]))
            return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, base);
    if (errno || *end)
        return -1;
    *out = x;
    return 0;
}
