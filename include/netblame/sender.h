/* sender.h — a STAMP session-sender toward one reflector (RFC 8762 §4.2), with
 * kernel TX/RX timestamps. No event loop here: the owner watches nb_sender_fd()
 * for readability, calls nb_sender_send() on its pacing schedule and
 * nb_sender_expire() periodically; finished probes (answered or lost) are
 * delivered through the result callback, in the order they complete. */
#ifndef NETBLAME_SENDER_H
#define NETBLAME_SENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "netblame/addr.h"
#include "netblame/ntp.h"
#include "netblame/stamp.h"

/* One finished probe. Times are nb_ns; t1/t4 on the sender's clock, t2/t3 on
 * the reflector's (so only differences within each pair are meaningful). */
struct nb_probe_result {
    uint32_t seq;
    uint64_t probe_id;
    bool lost;           /* no reply within the timeout */
    nb_ns t1;            /* sender transmit */
    int t1_src;          /* enum nb_ts_src: kernel_snd, kernel_sched or user */
    nb_ns t2, t3;        /* reflector receive / transmit */
    nb_ns t4;            /* sender receive */
    int t4_src;
    nb_ns rtt;           /* (t4 - t1) - (t3 - t2) */
    nb_ns reflector_hold;/* t3 - t2 */
    uint32_t refl_seq;   /* reflector's sequence (stateful reflectors count arrivals) */
    uint8_t ttl_fwd;     /* TTL the test packet arrived with at the reflector */
    int ttl_back;        /* TTL of the reply here, -1 unknown */
    bool refl_synced;    /* reflector's S bit */
    bool reordered;
    bool netblame_reflector; /* the reply's netblame TLV came back understood (U flag
                              * clear): a netblame reflector, stateful, so refl_seq
                              * counts the test packets it received */
    int agent_family;    /* reflector's host agent (from the netblame TLV), 0 if none
                          * or refused (nb_sender_agent_allowed) */
    uint8_t agent_addr[16];
    uint16_t agent_port;
    int refused_family;  /* a host agent the reply announced and the rule refused, 0 if none */
    uint8_t refused_addr[16];
    bool padded;         /* a full-size probe (nb_sender_cfg.pad_every) */
};

struct nb_sender_stats {
    uint64_t sent, received, lost, duplicates, reordered, late, unknown;
    uint64_t send_errors;      /* sendmsg failed (counted apart from loss) */
    uint64_t icmp_errors;      /* unreachable/refused reported by ICMP */
    uint64_t malformed[NB_STAMP_E__COUNT]; /* replies dropped, by reason */
    uint64_t truncated;        /* replies larger than our buffer */
    uint64_t bogus;            /* reflector hold time larger than the round trip */
    uint64_t tx_user_stamps;   /* probes with only a user-space send time */
    uint64_t agent_refused;    /* replies whose host-agent address the rule refused */
};

struct nb_sender_cfg {
    struct sockaddr_storage peer;
    socklen_t peerlen;
    enum nb_stamp_mode mode;
    struct nb_stamp_key key;
    uint16_t ssid;
    nb_ns timeout;             /* unanswered this long -> lost */
    /* Probes that may be outstanding at once (about rate x timeout; more
     * are counted lost): the session's memory, 48 bytes each, rounded up
     * to a power of two, 16..4096; 0: 4096 (a diagnosis' burst). */
    unsigned outstanding;
    uint32_t id_nonce;         /* high 32 bits of every probe id of this session */
    bool request_agent;        /* ask the reflector for its host agent (netblame TLV) */
    /* Every PAD_EVERY-th probe (0: none) is padded with an Extra Padding TLV
     * to a full-size datagram for the route's MTU, sent with DF and without
     * the kernel's PMTU cache (IP_PMTUDISC_PROBE): an MTU black hole on the
     * path loses exactly these. The reflector echoes the padding back. */
    unsigned pad_every;
    /* Host-agent addresses believed from this reflector besides its own
     * (nb_sender_agent_allowed); none: only the reflector's own address. */
    size_t n_agent_prefixes;
    struct nb_prefix agent_prefixes[NB_PREFIXES_MAX];
};

/* The host-agent rule: a reflector's host-agent TLV is unauthenticated (the
 * STAMP HMAC covers the base packet, not the TLVs), so the address it names
 * is believed only if it is the reflector's own (CFG's peer, any port) or
 * lies in CFG's agent_prefixes; otherwise a reflector could point the
 * agents' requests at any address. FAMILY 4|6, ADDR in network order. */
bool nb_sender_agent_allowed(const struct nb_sender_cfg *cfg, int family, const uint8_t addr[16]);

struct nb_sender;
typedef void (*nb_result_cb)(void *arg, const struct nb_probe_result *r);

/* Open the session's socket (connected to the peer). Returns NULL with a
 * message in ERR on failure. CB is called for every finished probe. */
struct nb_sender *nb_sender_new(const struct nb_sender_cfg *cfg, nb_result_cb cb, void *arg,
                                char *err, size_t errlen);
void nb_sender_free(struct nb_sender *s);
int nb_sender_fd(const struct nb_sender *s);
/* Send the next probe; NOW_MONO is the scheduling clock. Returns 0, -1 on send error. */
int nb_sender_send(struct nb_sender *s, nb_ns now_mono);
/* Drain the socket (error queue first, then replies). Bounded work per call. */
void nb_sender_on_readable(struct nb_sender *s);
/* Declare timed-out probes lost. */
void nb_sender_expire(struct nb_sender *s, nb_ns now_mono);
/* Declare lost now the outstanding probes sent at least AGE ago (a shorter
 * timeout: a diagnosis that must end, counting overdue probes as lost). */
void nb_sender_expire_after(struct nb_sender *s, nb_ns now_mono, nb_ns age);

/* When a reply is overdue: NB_OVERDUE_FACTOR × the p99 round trip seen
 * (P99; 0: none seen yet), at least NB_OVERDUE_MIN_NS, at most TIMEOUT. A
 * probe unanswered that long is lost in all likelihood, well before its
 * timeout: a window taken now may count it so. */
#define NB_OVERDUE_FACTOR 4
#define NB_OVERDUE_MIN_NS ((nb_ns)100 * 1000000)
nb_ns nb_overdue_age(double p99, nb_ns timeout);
/* Outstanding probes sent at least AGE before NOW_MONO (and, when SINCE_RT
 * is not 0, at or after realtime SINCE_RT): overdue. *FULL (may be NULL)
 * gets how many of them are full-size. */
unsigned nb_sender_overdue(const struct nb_sender *s, nb_ns now_mono, nb_ns age, nb_ns since_rt,
                           unsigned *full);
/* Probes sent but neither answered nor lost yet. */
uint32_t nb_sender_outstanding(const struct nb_sender *s);
const struct nb_sender_stats *nb_sender_stats(const struct nb_sender *s);
/* Bytes of a padded probe's IP packet (0 if the session pads none). */
unsigned nb_sender_padded_size(const struct nb_sender *s);
/* Whether kernel stamps are in use, for honest output. */
bool nb_sender_kernel_tx(const struct nb_sender *s);

#endif
