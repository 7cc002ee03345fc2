/* addr.c — numeric address parsing and formatting. Names are never resolved
 * here: probes target addresses, and the app family resolves with c-ares. */
#include "netblame/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nb_addr_parse(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        *len = sizeof(*sin);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        *len = sizeof(*sin6);
        return 0;
    }
    return -1;
}

int nb_addr_parse_hostport(const char *s, uint16_t defport, struct sockaddr_storage *ss,
                           socklen_t *len)
{
    char host[128];
    const char *portstr = NULL;
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof(host))
        return -1;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || (end[1] != '\0' && end[1] != ':'))
            return -1;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = '\0';
        if (end[1] == ':')
            portstr = end + 2;
    } else {
        const char *colon = strchr(s, ':');
        if (colon && !strchr(colon + 1, ':')) { /* exactly one colon: host:port */
            memcpy(host, s, (size_t)(colon - s));
            host[colon - s] = '\0';
            portstr = colon + 1;
        } else {
            memcpy(host, s, n + 1); /* bare IPv4 or IPv6 */
        }
    }
    uint16_t port = defport;
    if (portstr) {
        char *endp;
        unsigned long p = strtoul(portstr, &endp, 10);
        if (*portstr == '\0' || *endp != '\0' || p == 0 || p > 65535)
            return -1;
        port = (uint16_t)p;
    }
    return nb_addr_parse(host, port, ss, len);
}

char *nb_addr_format(const struct sockaddr *sa, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
        snprintf(buf, cap, "%s:%u", host, ntohs(sin->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
        snprintf(buf, cap, "[%s]:%u", host, ntohs(sin6->sin6_port));
    } else {
        snprintf(buf, cap, "(family %d)", sa->sa_family);
    }
    return buf;
}

int nb_addr_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family)
        return 0;
    if (a->sa_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    if (a->sa_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
    return 0;
}

int nb_prefix_parse(const char *s, struct nb_prefix *p)
{
    char host[INET6_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    memset(p, 0, sizeof(*p));
    if (n == 0 || n >= sizeof(host))
        return -1;
    memcpy(host, s, n);
    host[n] = '\0';
    if (inet_pton(AF_INET, host, p->addr) == 1)
        p->family = AF_INET;
    else if (inet_pton(AF_INET6, host, p->addr) == 1)
        p->family = AF_INET6;
    else
        return -1;
    unsigned max = p->family == AF_INET ? 32 : 128;
    p->len = max;
    if (slash) {
        char *end;
        unsigned long l = strtoul(slash + 1, &end, 10);
        if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || l > max)
            return -1;
        p->len = (unsigned)l;
    }
    for (unsigned bit = p->len; bit < max; bit++)
        if (p->addr[bit / 8] & (0x80 >> (bit % 8)))
            return -1;
    return 0;
}

static bool prefix_has(const struct nb_prefix *p, const uint8_t *a)
{
    unsigned full = p->len / 8, rest = p->len % 8;
    if (memcmp(p->addr, a, full) != 0)
        return false;
    return rest == 0 || ((p->addr[full] ^ a[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

bool nb_prefix_match_raw(const struct nb_prefix *p, size_t n, int family, const uint8_t *addr)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    int af = family == 4 ? AF_INET : AF_INET6;
    if (af == AF_INET6 && memcmp(addr, mapped, sizeof(mapped)) == 0) {
        af = AF_INET;
        addr += 12;
    }
    for (size_t i = 0; i < n; i++)
        if (p[i].family == af && prefix_has(&p[i], addr))
            return true;
    return false;
}

bool nb_prefix_match(const struct nb_prefix *p, size_t n, const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return nb_prefix_match_raw(p, n, 4,
                                   (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
    if (sa->sa_family == AF_INET6)
        return nb_prefix_match_raw(
            p, n, 6, (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return false;
}

char *nb_prefix_format(const struct nb_prefix *p, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    inet_ntop(p->family, p->addr, host, sizeof(host));
    snprintf(buf, cap, "%s/%u", host, p->len);
    return buf;
}
