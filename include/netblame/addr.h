/* addr.h — numeric socket addresses: parse and format, IPv4 and IPv6. */
#ifndef NETBLAME_ADDR_H
#define NETBLAME_ADDR_H

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

#endif
