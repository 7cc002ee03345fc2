/* apiauth.h — who may use the control API: its TLS material and bearer
 * tokens as the config gives them (config_agent.c reads them), the check of
 * a request's Authorization header (api.c), and what this agent's own
 * clients present to other agents (http.c, agentclient.c). Pure: no I/O. */
#ifndef NB_APIAUTH_H
#define NB_APIAUTH_H

#include <stdbool.h>
#include <stddef.h>

#define NB_API_TOKEN_MIN 16 /* a token: 16..255 characters of RFC 6750's b64token */
#define NB_API_TOKEN_MAX 256
#define NB_API_TOKENS 2 /* accepted at once: the current one and, in a rotation, another */
#define NB_API_PEM_MAX (64 * 1024) /* a certificate chain or a key file */

/* The config's "api" security (README "Securing the control API"). */
struct nb_api_sec {
    bool tls;       /* "tls" given: serve https; clients speak https to agents */
    char *cert_pem; /* server certificate chain, PEM (owned) */
    char *key_pem;  /* its private key, PEM (owned; wiped when freed) */
    char *ca_file;  /* the CA clients verify agents with (owned); NULL: system's */
    char tokens[NB_API_TOKENS][NB_API_TOKEN_MAX]; /* accepted; tokens[0] is sent */
    size_t ntokens;                               /* 0: no token required, none sent */
    bool metrics_open;                            /* /metrics answers without a token */
    bool insecure; /* served beyond loopback without TLS and token, on purpose */
};

/* The tokens of a token file's LEN bytes TEXT into SEC: one token a line,
 * 1..NB_API_TOKENS lines (a final newline, CRLF, allowed; nothing else), each
 * NB_API_TOKEN_MIN..NB_API_TOKEN_MAX-1 characters of [A-Za-z0-9-._~+/] then
 * '='s. Returns 0, or -1 with why in WHY (never quoting the text). */
int nb_api_tokens_parse(const char *text, size_t len, struct nb_api_sec *sec, char *why,
                        size_t whylen);

/* Does the Authorization header value HDR (NULL: none) carry one of SEC's
 * tokens ("Bearer TOKEN", the scheme in any case)? Every token is compared
 * in constant time, so the answer's timing says nothing about them. */
bool nb_api_bearer_ok(const char *hdr, const struct nb_api_sec *sec);

/* "https" with TLS on, else "http": the scheme of every agent's URL. */
const char *nb_api_scheme(const struct nb_api_sec *sec);

/* Deep copy of SRC into DST (the PEMs left out: clients need none). */
void nb_api_sec_copy_client(struct nb_api_sec *dst, const struct nb_api_sec *src);
/* Free SEC's PEMs and CA path (tls stays as it was). */
void nb_api_sec_free_tls(struct nb_api_sec *sec);
/* Free what SEC owns and wipe it. */
void nb_api_sec_free(struct nb_api_sec *sec);

#endif
