/* reflector.h — STAMP session-reflector (RFC 8762 §4.3), stateful: each
 * session (source address, port, SSID) gets its own reflector sequence, so the
 * sender can tell forward loss from return loss. T2 is the kernel receive stamp;
 * T3 is taken in user space just before the reply is sent (the Timestamp
 * Information TLV says so). Bad packets are counted by reason and dropped.
 * Before anything is parsed, a packet must come from an allowed source (an
 * optional prefix list) and within its source's token bucket (ratelimit.h):
 * a reply is never sent to a source over its budget, and never larger than
 * the request it answers (same base layout, same TLV area length). */
#ifndef NETBLAME_REFLECTOR_H
#define NETBLAME_REFLECTOR_H

#include <stdint.h>
#include <sys/socket.h>

#include "netblame/addr.h"
#include "netblame/ntp.h"
#include "netblame/stamp.h"

struct nb_reflector_stats {
    uint64_t received, reflected;
    uint64_t malformed[NB_STAMP_E__COUNT]; /* dropped, by reason */
    uint64_t truncated;                    /* larger than NB_STAMP_MAX_LEN */
    uint64_t send_errors;
    uint64_t unreachable;                  /* ICMP errors for replies (port unreachable: no
                                              socket of the sender took the reply) */
    uint64_t sessions;                     /* live sessions in the table */
    uint64_t sessions_evicted;             /* table full: least recently used dropped */
    uint64_t hold_dropped;                 /* held replies over the bound, dropped */
    uint64_t ratelimited;                  /* dropped: the source was over its budget */
    uint64_t not_allowed;                  /* dropped: the source is not in the allowlist */
    uint64_t sources, sources_evicted;     /* rate-limit table: tracked, forgotten */
};

/* Per-source limit defaults (config "reflector": rate_pps, burst). A peer
 * probes at ~1/s (a fabric peer in the lab at 10/s) and `netblame diagnose`
 * at 100/s by default, 1000/s at its fastest (--interval 1): 4000/s with a
 * burst of 4000 leaves two diagnoses at their fastest and a daemon from one
 * address untouched, twice over. */
#define NB_REFLECTOR_RATE_DEFAULT 4000
#define NB_REFLECTOR_BURST_DEFAULT 4000

struct nb_reflector_cfg {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    enum nb_stamp_mode mode;
    struct nb_stamp_key key;
    struct nb_reflect_info info;  /* sync/method filled at run time; host agent from config */
    unsigned rate_pps, burst;     /* per source; rate 0: no limit */
    size_t nallow;                /* 0: every source allowed */
    struct nb_prefix allow[NB_PREFIXES_MAX];
};

struct nb_reflector;

/* Bind and return the reflector, or NULL with a message in ERR. */
struct nb_reflector *nb_reflector_new(const struct nb_reflector_cfg *cfg, char *err, size_t errlen);
void nb_reflector_free(struct nb_reflector *r);
/* Take CFG's mode, key, TLV info, allowlist and limits, keeping the socket
 * (CFG's address must be R's: the caller checks). The sources' buckets are
 * kept unless the rate or burst changed. A reload rotates the key so. */
void nb_reflector_reconfigure(struct nb_reflector *r, const struct nb_reflector_cfg *cfg);
/* Bytes of R's fixed tables (sessions, rate-limit buckets): what a flood of
 * new sources can make resident, at most. */
size_t nb_reflector_table_bytes(void);
int nb_reflector_fd(const struct nb_reflector *r);
/* Answer pending test packets (bounded work per call). */
void nb_reflector_on_readable(struct nb_reflector *r);
const struct nb_reflector_stats *nb_reflector_stats(const struct nb_reflector *r);

/* Hold every reply HOLD ns before sending it (T3 is taken at the send): a
 * reflector, or the app behind it, that is slow. A lab and test knob
 * ("reflector.hold_us"); 0, the default, answers at once. */
void nb_reflector_set_hold(struct nb_reflector *r, nb_ns hold);
/* Send the held replies that are due at NOW_MONO; returns the monotonic time
 * the next one is due, or 0 when none is held. */
nb_ns nb_reflector_flush(struct nb_reflector *r, nb_ns now_mono);

#endif
