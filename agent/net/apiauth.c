/* apiauth.c — bearer tokens of the control API (see apiauth.h).
 *
 * The comparison hashes both sides with SHA-256 and compares the digests
 * with OpenSSL's CRYPTO_memcmp: the time taken depends neither on where the
 * first differing byte is nor on the presented token's length, and every
 * configured token is tried, so a rotation's second token costs no
 * information either. */
#include "net/apiauth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netblame/mem.h"

static bool b64token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

/* Length of the b64token at S (RFC 6750 §2.1: 1*b64char *"="), 0 if none. */
static size_t b64token_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && b64token_char(s[n]))
        n++;
    if (n == 0)
        return 0;
    while (n < max && s[n] == '=')
        n++;
    return n;
}

int nb_api_tokens_parse(const char *text, size_t len, struct nb_api_sec *sec, char *why,
                        size_t whylen)
{
    size_t i = 0, n = 0;
    sec->ntokens = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len, line = end - i;
        if (line && text[i + line - 1] == '\r')
            line--;
        size_t t = b64token_len(text + i, line);
        if (line == 0 || t != line) {
            snprintf(why, whylen,
                     "line %zu is no token (one a line, 16..255 characters of "
                     "[A-Za-z0-9-._~+/] then '='s; e.g. openssl rand -hex 32)",
                     n + 1);
            goto bad;
        }
        if (line < NB_API_TOKEN_MIN || line >= NB_API_TOKEN_MAX) {
            snprintf(why, whylen, "token %zu has %zu characters, not %d..%d", n + 1, line,
                     NB_API_TOKEN_MIN, NB_API_TOKEN_MAX - 1);
            goto bad;
        }
        if (n == NB_API_TOKENS) {
            snprintf(why, whylen, "more than %d tokens (the current one and the next)",
                     NB_API_TOKENS);
            goto bad;
        }
        memcpy(sec->tokens[n], text + i, line);
        sec->tokens[n][line] = '\0';
        n++;
        i = end + 1;
    }
    if (n == 0) {
        snprintf(why, whylen, "no token in it");
        goto bad;
    }
    sec->ntokens = n;
    return 0;
bad:
    explicit_bzero(sec->tokens, sizeof(sec->tokens));
    return -1;
}

bool nb_api_bearer_ok(const char *hdr, const struct nb_api_sec *sec)
{
    unsigned char got[SHA256_DIGEST_LENGTH], want[SHA256_DIGEST_LENGTH];
    bool ok = false;
    if (!hdr || sec->ntokens == 0 || strncasecmp(hdr, "Bearer ", 7) != 0)
        return false;
    hdr += 7;
    hdr += strspn(hdr, " ");
    size_t max = strnlen(hdr, NB_API_TOKEN_MAX), n = b64token_len(hdr, max);
    if (n == 0 || n >= NB_API_TOKEN_MAX || hdr[n + strspn(hdr + n, " \t")] != '\0')
        return false;
    SHA256((const unsigned char *)hdr, n, got);
    for (size_t i = 0; i < sec->ntokens; i++) {
        SHA256((const unsigned char *)sec->tokens[i], strlen(sec->tokens[i]), want);
        ok |= CRYPTO_memcmp(got, want, sizeof(got)) == 0;
    }
    OPENSSL_cleanse(want, sizeof(want));
    return ok;
}

const char *nb_api_scheme(const struct nb_api_sec *sec)
{
    return sec && sec->tls ? "https" : "http";
}

void nb_api_sec_copy_client(struct nb_api_sec *dst, const struct nb_api_sec *src)
{
    *dst = *src;
    dst->cert_pem = dst->key_pem = NULL;
    dst->ca_file = src->ca_file ? nb_strdup(src->ca_file) : NULL;
}

void nb_api_sec_free_tls(struct nb_api_sec *sec)
{
    free(sec->cert_pem);
    if (sec->key_pem) {
        explicit_bzero(sec->key_pem, strlen(sec->key_pem));
        free(sec->key_pem);
    }
    free(sec->ca_file);
    sec->cert_pem = sec->key_pem = sec->ca_file = NULL;
}

void nb_api_sec_free(struct nb_api_sec *sec)
{
    nb_api_sec_free_tls(sec);
    explicit_bzero(sec, sizeof(*sec));
}
