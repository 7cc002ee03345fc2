/* fuzz_api_auth.c — the control API's Authorization header (sent by anyone
 * who reaches the API) and a token file's text: any bytes are accepted or
 * refused, never read past their length (ASan). The first byte picks the
 * parser; the rest is the input. A header is checked against two fixed
 * tokens: only "Bearer" with one of them, exactly, may pass. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/apiauth.h"

#define TOKEN_A "0123456789abcdef0123456789abcdef"
#define TOKEN_B "Zm9vYmFyYmF6cXV4cXV1eA=="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    /* exact size for the token file (ASan catches a read past it); one more
     * byte, the NUL, for a header */
    char *text = malloc(n + 1);
    memcpy(text, data + 1, n);
    struct nb_api_sec sec;
    memset(&sec, 0, sizeof(sec));
    char why[200];
    if (data[0] % 2 == 0) {
        text[n] = '\0'; /* a header value is a C string (MHD's) */
        strcpy(sec.tokens[0], TOKEN_A);
        strcpy(sec.tokens[1], TOKEN_B);
        sec.ntokens = 2;
        if (nb_api_bearer_ok(text, &sec)) {
            /* "Bearer" (any case), spaces, the token, trailing blanks: nothing else */
            const char *t = text + 7 + strspn(text + 7, " ");
            size_t tl = strcspn(t, " \t");
            if (strncasecmp(text, "Bearer ", 7) != 0 ||
                !((tl == strlen(TOKEN_A) && memcmp(t, TOKEN_A, tl) == 0) ||
                  (tl == strlen(TOKEN_B) && memcmp(t, TOKEN_B, tl) == 0)))
                abort();
        }
    } else if (nb_api_tokens_parse(text, n, &sec, why, sizeof(why)) == 0) {
        /* text is n bytes here: its (n + 1)th is never written nor read */
        if (sec.ntokens < 1 || sec.ntokens > NB_API_TOKENS)
            abort();
        for (size_t i = 0; i < sec.ntokens; i++) {
            size_t l = strlen(sec.tokens[i]);
            if (l < NB_API_TOKEN_MIN || l >= NB_API_TOKEN_MAX || !memmem(text, n, sec.tokens[i], l))
                abort();
        }
    }
    free(text);
    return 0;
}
