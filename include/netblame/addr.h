/* addr.h — numeric socket addresses: parse and format, IPv4 and IPv6. */
#ifndef NETBLAME_ADDR_H
#define NETBLAME_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NB_ADDRSTRLEN 64 /* "[v6]:port" fits */

/* Parse numeric HOST (IPv4 or IPv6, no names) and PORT into *SS. Returns 0 or -1. */
int nb_addr_parse(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len);
/* Parse "host:port", "[v6]:port" or "host" (port DEFPORT). Returns 0 or -1. */
int nb_addr_parse_hostport(const char *s, uint16_t defport, struct sockaddr_storage *ss,
                           socklen_t *len);
/* Format as "1.2.3.4:5" / "[::1]:5" into BUF (NB_ADDRSTRLEN). Returns BUF. */
char *nb_addr_format(const struct sockaddr *sa, char *buf, size_t cap);
/* Same address, port ignored? (family + address bytes) */
int nb_addr_same_host(const struct sockaddr *a, const struct sockaddr *b);

/* An address prefix ("198.18.0.0/15", "2001:db8::/32"; a bare address is a
 * /32 or /128). An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a
 * dual-stack socket reports) matches IPv4 prefixes. */
struct nb_prefix {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16]; /* network order, bits past LEN zeroed */
    unsigned len;
};
#define NB_PREFIXES_MAX 64 /* a list's length in the config */
/* Parse S into *P. Returns 0, or -1 (not a numeric address, a bad length, or
 * host bits set past the length: "10.0.0.1/8" is refused as a likely typo). */
int nb_prefix_parse(const char *s, struct nb_prefix *p);
/* Is the address of SA (port ignored) in any of the N prefixes of P? */
bool nb_prefix_match(const struct nb_prefix *p, size_t n, const struct sockaddr *sa);
/* Same for a raw address: FAMILY 4 or 6, ADDR 4 or 16 bytes, network order. */
bool nb_prefix_match_raw(const struct nb_prefix *p, size_t n, int family, const uint8_t *addr);
/* "198.18.0.0/15" into BUF (INET6_ADDRSTRLEN + 4 fits). Returns BUF. */
char *nb_prefix_format(const struct nb_prefix *p, char *buf, size_t cap);

#endif
