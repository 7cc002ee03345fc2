/* appprobe.h — one application probe: DNS (c-ares) -> TCP connect -> request
 * -> first byte -> total, on the libev loop, with phase timings and a typed
 * reason when it fails (the phases and reasons operators know from
 * blackbox_exporter). HTTP/1.1 GET, or raw: send bytes, expect a reply prefix. */
#ifndef NB_APPPROBE_H
#define NB_APPPROBE_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "netblame/clock.h"
#include "netblame/verdict.h" /* enum nb_app_fail */
#include "app/resolv.h"

/* Stable names: metrics label values and diagnose output. */
enum nb_app_reason {
    NB_APP_OK = 0,
    NB_APP_NXDOMAIN,
    NB_APP_SERVFAIL,
    NB_APP_DNS_TIMEOUT,
    NB_APP_DNS_REFUSED,
    NB_APP_NO_ADDRESS,
    NB_APP_DNS_ERROR,
    NB_APP_REFUSED,          /* TCP connection refused (nothing listening) */
    NB_APP_RESET,            /* connection reset by the peer */
    NB_APP_TIMEOUT,          /* no answer within the probe's timeout */
    NB_APP_UNREACHABLE,      /* host or network unreachable */
    NB_APP_HTTP_STATUS,      /* answered with another status than expected */
    NB_APP_UNEXPECTED_REPLY, /* closed without a reply, wrong body or prefix */
    NB_APP__COUNT
};
const char *nb_app_reason_name(enum nb_app_reason r);
/* The classifier's failure class of app reason R (not NB_APP_OK): enum
 * nb_app_fail is enum nb_app_reason without its "ok", in the same order. */
enum nb_app_fail nb_app_fail_of(enum nb_app_reason r);

enum nb_app_phase { NB_PH_RESOLVE = 0, NB_PH_CONNECT, NB_PH_FIRST_BYTE, NB_PH_TOTAL, NB_PH__COUNT };
const char *nb_app_phase_name(enum nb_app_phase p);

/* The reserved source ports app probes connect from, so the host agents can
 * sight their handshakes (capture.h) and tell them from the guest's other
 * connections. Owned by the caller, shared by its probes; NEXT rotates so a
 * port just closed (TIME_WAIT) is not tried first. Keep the range outside
 * net.ipv4.ip_local_port_range (or list it in ip_local_reserved_ports). */
struct nb_app_ports {
    uint16_t first, last; /* inclusive; first == 0: any (kernel-chosen) port */
    uint16_t next;
};

struct nb_app_target {
    bool raw;              /* raw TCP instead of HTTP */
    char host[256];        /* name or numeric IPv4 */
    uint16_t port;
    char path[512];        /* HTTP */
    int expect_status;     /* HTTP, default 200 */
    char expect_body[128]; /* HTTP: substring the body must contain ("" = any) */
    char raw_send[256];    /* raw: bytes to send */
    char raw_expect[128];  /* raw: the reply must start with this */
    unsigned timeout_ms;   /* whole probe, default 5000 */
    struct nb_app_ports *ports; /* NULL: any source port (handshake not sighted) */
};

/* Parse "http://host[:port]/path" or "tcp://host:port" into T (other fields
 * keep their values). Returns 0, or -1 with a reason in ERR. */
int nb_app_parse_url(const char *url, struct nb_app_target *t, char *err, size_t errlen);

/* A backend's reply, pure (tests/fuzz/fuzz_app_reply.c); REPLY is LEN bytes
 * and NUL-terminated at LEN. Complete: raw, a line; HTTP, the headers and
 * the Content-Length body (without one, only the close completes it).
 * Judged against T: NB_APP_OK, or the reason with DETAIL; *STATUS gets an
 * HTTP reply's status (untouched when there is none). */
bool nb_app_reply_complete(const struct nb_app_target *t, const char *reply, size_t len);
enum nb_app_reason nb_app_reply_judge(const struct nb_app_target *t, const char *reply, size_t len,
                                      int *status, char *detail, size_t dlen);

struct nb_app_result {
    enum nb_app_reason reason;
    enum nb_app_phase failed_in; /* with a reason other than OK */
    int status;                  /* HTTP status, 0 if none */
    bool have[NB_PH__COUNT];     /* phases that completed */
    nb_ns t[NB_PH__COUNT];       /* resolve: lookup; connect: SYN..established;
                                    first_byte: request sent..first reply byte;
                                    total: start..end */
    struct in_addr addr;
    uint16_t local_port;         /* the probe's TCP source port (host order) */
    char detail[160];
    /* The handshake as this guest's kernel saw it, for its decomposition. */
    struct in_addr local_addr;   /* source address of the connection */
    bool port_reserved;          /* LOCAL_PORT is from the reserved range */
    bool have_syn_rtt;           /* SYN..SYN-ACK round trip from TCP_INFO */
    nb_ns syn_rtt;               /* kernel-measured, us resolution (no SYN retransmit) */
    unsigned syn_retrans;        /* SYN retransmissions (TCP_INFO total_retrans) */
    unsigned data_retrans;       /* established: segments retransmitted after the SYN */
    unsigned ooo;                /* established: segments received out of order
                                    (TCP_INFO rcv_ooopack: the server retransmitted) */
    nb_ns start_realtime;        /* CLOCK_REALTIME when the probe started */
};

/* Did R's connection lose packets, as its kernel saw (a retransmitted SYN
 * or data segment, segments out of order, a SYN round trip of a second or
 * more: the server's SYN-ACK retransmitted)? Its time is then partly the
 * network's: such a probe has no server time. */
bool nb_app_retransmitted(const struct nb_app_result *r);

typedef void (*nb_app_cb)(void *arg, const struct nb_app_result *r);

struct nb_app_probe;

/* Start a probe; CB is called exactly once, from the loop, or before this
 * returns when the probe fails at once. RESOLV is used for names. Returns a
 * handle for nb_app_probe_cancel, valid until CB is called (NULL if it
 * already was); the probe owns itself and is freed after CB returns. */
struct nb_app_probe *nb_app_probe_start(struct ev_loop *loop, struct nb_resolv *resolv,
                                        const struct nb_app_target *t, nb_app_cb cb, void *arg);
/* Stop probe P (a handle whose CB has not run) without calling CB: its
 * watchers stop, its socket closes, it is freed. A probe waiting for DNS is
 * freed when its lookup returns (at the latest when RESOLV is freed); until
 * then it touches nothing of the caller's (not even T->ports). */
void nb_app_probe_cancel(struct nb_app_probe *p);

#endif
