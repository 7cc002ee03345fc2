/* reflector.c — STAMP session-reflector with a bounded session table.
 *
 * The table is set-associative (SETS x WAYS): a session hashes to one set and
 * takes a free way or evicts that set's least recently used way. Lookup and
 * insertion are O(WAYS) whatever arrives, so a flood of spoofed sources costs
 * evictions (counted), never a scan of the whole table.
 *
 * Each datagram passes, in order: the allowlist (reflector.allow; dropped and
 * counted if the source is in none of its prefixes), the source's token
 * bucket (ratelimit.c states the table's eviction rule; dropped and counted
 * when over budget), then the decoder (malformed and HMAC failures counted by
 * reason). Only then does the source get a session and a reply, and the reply
 * has the request's length: the base layout of the mode is the same size for
 * test and reflected packets, and nb_stamp_reflect_tlvs writes exactly the
 * TLV area it read. A reply leaves from the address its request was sent to
 * (IP_PKTINFO / IPV6_PKTINFO, tstamp.h): bound to a wildcard address, the
 * reflector answers for every address of the host, secondary ones included,
 * and a sender matches replies by their source. Both tables are inside
 * struct nb_reflector, allocated once: memory is the same for one source and
 * for a million. */
#include "netblame/reflector.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "netblame/addr.h"
#include "netblame/log.h"
#include "netblame/mem.h"
#include "netblame/clock.h"
#include "ratelimit.h"
#include "tstamp.h"

#define SETS 1024
#define WAYS 4
#define RX_BUDGET 256
#define RCVBUF (4 << 20)
#define RX_BATCH 16 /* datagrams per recvmmsg */

struct session {
    struct sockaddr_storage peer;
    uint16_t ssid;
    uint32_t next_seq;
    uint64_t last_used; /* reflector-wide packet counter: LRU without clock reads */
    int used;
};

/* A reply held back (lab knob: a slow reflector / app, see nb_reflector_set_hold). */
#define HOLD_MAX 4096
struct held {
    struct held *next;
    nb_ns due; /* monotonic */
    struct nb_stamp_reflected out;
    struct sockaddr_storage to;
    socklen_t tolen;
    struct nb_local from;
    size_t tlvlen;
    uint8_t tlv[];
};

struct nb_reflector {
    struct nb_reflector_cfg cfg;
    nb_ns hold;
    struct held *held_head, *held_tail;
    size_t nheld;
    struct nb_tsock sock;
    struct nb_reflector_stats st;
    struct session table[SETS][WAYS];
    uint64_t tick;
    struct nb_ratelimit rl;
    uint8_t rxbuf[RX_BATCH][NB_STAMP_MAX_LEN + 1]; /* one byte more: a longer datagram is seen */
    struct nb_rx rx[RX_BATCH];
};

size_t nb_reflector_table_bytes(void)
{
    return sizeof(((struct nb_reflector *)0)->table) + sizeof(struct nb_ratelimit);
}

static void limits_init(struct nb_reflector *r)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
        seed = (uint64_t)nb_mono_now() ^ (uint64_t)(uintptr_t)r; /* still unknown off-host */
    nb_ratelimit_init(&r->rl, r->cfg.rate_pps, r->cfg.burst, seed);
}

void nb_reflector_reconfigure(struct nb_reflector *r, const struct nb_reflector_cfg *cfg)
{
    bool same = cfg->rate_pps == r->cfg.rate_pps && cfg->burst == r->cfg.burst;
    r->cfg = *cfg;
    if (!same)
        limits_init(r);
}

struct nb_reflector *nb_reflector_new(const struct nb_reflector_cfg *cfg, char *err, size_t errlen)
{
    struct nb_reflector *r = nb_calloc(1, sizeof(*r));
    char a[NB_ADDRSTRLEN];
    r->cfg = *cfg;
    limits_init(r);
    if (nb_tsock_open(&r->sock, cfg->addr.ss_family, (const struct sockaddr *)&cfg->addr,
                      cfg->addrlen, false) < 0) {
        snprintf(err, errlen, "reflector on %s: %s",
                 nb_addr_format((const struct sockaddr *)&cfg->addr, a, sizeof(a)),
                 strerror(errno));
        free(r);
        return NULL;
    }
    /* Room for a burst (~5k datagrams) while the loop is busy: a flood's
     * datagrams are dropped by the rate limit, not by the kernel's queue in
     * front of it. FORCE needs CAP_NET_ADMIN (at start, as root); otherwise
     * the kernel caps it at net.core.rmem_max. */
    int rcvbuf = RCVBUF;
    if (setsockopt(r->sock.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        (void)setsockopt(r->sock.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (nb_tsock_want_local(&r->sock) < 0)
        nb_warn_errno("reflector: no IP_PKTINFO: a reply to a secondary address may leave "
                      "from another");
    return r;
}

void nb_reflector_free(struct nb_reflector *r)
{
    if (!r)
        return;
    while (r->held_head) {
        struct held *h = r->held_head;
        r->held_head = h->next;
        free(h);
    }
    nb_tsock_close(&r->sock);
    free(r);
}

int nb_reflector_fd(const struct nb_reflector *r)
{
    return r->sock.fd;
}

const struct nb_reflector_stats *nb_reflector_stats(const struct nb_reflector *r)
{
    return &r->st;
}

/* FNV-1a over the address bytes, port and SSID. */
static uint32_t session_hash(const struct sockaddr_storage *ss, uint16_t ssid)
{
    const uint8_t *p;
    size_t n;
    uint16_t port;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        p = (const uint8_t *)&sin->sin_addr;
        n = 4;
        port = sin->sin_port;
    } else {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        p = (const uint8_t *)&sin6->sin6_addr;
        n = 16;
        port = sin6->sin6_port;
    }
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    h = (h ^ (port & 0xff)) * 16777619u;
    h = (h ^ (port >> 8)) * 16777619u;
    h = (h ^ (ssid & 0xff)) * 16777619u;
    h = (h ^ (ssid >> 8)) * 16777619u;
    return h;
}

static int same_session(const struct session *s, const struct sockaddr_storage *ss, uint16_t ssid)
{
    if (!s->used || s->ssid != ssid ||
        !nb_addr_same_host((const struct sockaddr *)&s->peer, (const struct sockaddr *)ss))
        return 0;
    if (ss->ss_family == AF_INET)
        return ((const struct sockaddr_in *)&s->peer)->sin_port ==
               ((const struct sockaddr_in *)ss)->sin_port;
    return ((const struct sockaddr_in6 *)&s->peer)->sin6_port ==
           ((const struct sockaddr_in6 *)ss)->sin6_port;
}

/* The session for (SS, SSID), created (possibly evicting) if new. */
static struct session *session_get(struct nb_reflector *r, const struct sockaddr_storage *ss,
                                   uint16_t ssid)
{
    struct session *set = r->table[session_hash(ss, ssid) % SETS];
    struct session *victim = &set[0];
    r->tick++;
    for (int i = 0; i < WAYS; i++) {
        if (same_session(&set[i], ss, ssid)) {
            set[i].last_used = r->tick;
            return &set[i];
        }
        if (!set[i].used)
            victim = &set[i];
        else if (victim->used && set[i].last_used < victim->last_used)
            victim = &set[i];
    }
    if (victim->used)
        r->st.sessions_evicted++;
    else
        r->st.sessions++;
    memset(victim, 0, sizeof(*victim));
    victim->peer = *ss;
    victim->ssid = ssid;
    victim->used = 1;
    victim->last_used = r->tick;
    return victim;
}

/* Stamp T3 now, encode and send one reply from FROM (the request's destination). */
static void send_reply(struct nb_reflector *r, struct nb_stamp_reflected *out, const uint8_t *tlv,
                       size_t tlvlen, const struct sockaddr_storage *to, socklen_t tolen,
                       const struct nb_local *from)
{
    uint8_t pkt[NB_STAMP_MAX_LEN];
    out->ts = nb_ntp_from_ns(nb_realtime_now());
    size_t len =
        nb_stamp_encode_reflected(pkt, sizeof(pkt), r->cfg.mode, &r->cfg.key, out, tlv, tlvlen);
    if (len == 0 ||
        nb_tsock_send_from(&r->sock, pkt, len, (const struct sockaddr *)to, tolen, from) < 0) {
        if (r->st.send_errors++ == 0)
            nb_warn_errno("reflector: cannot send a reply");
        return;
    }
    r->st.reflected++;
}

/* Queue a reply for release HOLD later (bounded; overflow dropped, counted). */
static void hold_reply(struct nb_reflector *r, const struct nb_stamp_reflected *out,
                       const uint8_t *tlv, size_t tlvlen, const struct sockaddr_storage *to,
                       socklen_t tolen, const struct nb_local *from)
{
    if (r->nheld >= HOLD_MAX) {
        r->st.hold_dropped++;
        return;
    }
    struct held *h = nb_malloc(sizeof(*h) + tlvlen);
    h->next = NULL;
    h->due = nb_mono_now() + r->hold;
    h->out = *out;
    h->to = *to;
    h->tolen = tolen;
    h->from = *from;
    h->tlvlen = tlvlen;
    memcpy(h->tlv, tlv, tlvlen);
    if (r->held_tail)
        r->held_tail->next = h;
    else
        r->held_head = h;
    r->held_tail = h;
    r->nheld++;
}

void nb_reflector_set_hold(struct nb_reflector *r, nb_ns hold)
{
    r->hold = hold > 0 ? hold : 0;
}

nb_ns nb_reflector_flush(struct nb_reflector *r, nb_ns now_mono)
{
    while (r->held_head && r->held_head->due <= now_mono) {
        struct held *h = r->held_head;
        r->held_head = h->next;
        if (!r->held_head)
            r->held_tail = NULL;
        r->nheld--;
        send_reply(r, &h->out, h->tlv, h->tlvlen, &h->to, h->tolen, &h->from);
        free(h);
    }
    return r->held_head ? r->held_head->due : 0;
}

/* ERREST/SYNCED: the clock's error estimate, read once per batch (adjtimex
 * costs a kernel lock: once per reply, it was a tenth of a flood's work). */
static void reflect_one(struct nb_reflector *r, const uint8_t *buf, const struct nb_rx *rx,
                        uint16_t errest, bool synced)
{
    struct nb_stamp_test t;
    struct nb_stamp_tlvs tlvs;
    enum nb_stamp_err e = nb_stamp_decode_test(buf, rx->len, r->cfg.mode, &r->cfg.key, &t, &tlvs);
    /* A malformed TLV area is answered (with the M flag, RFC 8972 §4); anything
     * else wrong is dropped and counted. */
    if (e != NB_STAMP_OK && e != NB_STAMP_E_TLV) {
        r->st.malformed[e]++;
        return;
    }
    if (e == NB_STAMP_E_TLV)
        r->st.malformed[e]++;

    size_t base = r->cfg.mode == NB_STAMP_AUTH ? NB_STAMP_AUTH_BASE_LEN : NB_STAMP_BASE_LEN;
    uint8_t tlvout[NB_STAMP_MAX_LEN];
    size_t tlvlen = rx->len - base;
    struct nb_reflect_info info = r->cfg.info;
    info.sync_src = synced ? NB_SYNC_NTP : NB_SYNC_FREE;
    info.method = NB_TSM_SW;
    if (tlvlen &&
        nb_stamp_reflect_tlvs(buf + base, tlvlen, &tlvs, tlvout, sizeof(tlvout), &info) != tlvlen) {
        r->st.malformed[NB_STAMP_E_TLV]++;
        return;
    }

    struct session *sess = session_get(r, &rx->from, t.ssid);
    struct nb_stamp_reflected out = {
        .seq = sess->next_seq++,
        .errest = errest,
        .ssid = t.ssid,
        .rx_ts = nb_ntp_from_ns(rx->ts),
        .ss_seq = t.seq,
        .ss_ts = t.ts,
        .ss_errest = t.errest,
        .ss_ttl = rx->ttl < 0 ? 0 : (uint8_t)rx->ttl,
    };
    if (r->hold > 0) {
        hold_reply(r, &out, tlvout, tlvlen, &rx->from, rx->fromlen, &rx->local);
        return;
    }
    send_reply(r, &out, tlvout, tlvlen, &rx->from, rx->fromlen, &rx->local);
}

/* Allowlist, budget, size, then the reply: one received datagram. */
static void admit_one(struct nb_reflector *r, const uint8_t *buf, const struct nb_rx *rx,
                      nb_ns now, uint16_t errest, bool synced)
{
    r->st.received++;
    if (r->cfg.nallow &&
        !nb_prefix_match(r->cfg.allow, r->cfg.nallow, (const struct sockaddr *)&rx->from)) {
        r->st.not_allowed++;
        return;
    }
    bool admit = nb_ratelimit_admit(&r->rl, (const struct sockaddr *)&rx->from, now);
    r->st.sources = r->rl.tracked;
    r->st.sources_evicted = r->rl.evicted;
    if (!admit) {
        r->st.ratelimited++;
        return;
    }
    if (rx->truncated || rx->len > NB_STAMP_MAX_LEN) {
        r->st.truncated++;
        return;
    }
    reflect_one(r, buf, rx, errest, synced);
}

void nb_reflector_on_readable(struct nb_reflector *r)
{
    /* ICMP errors for earlier replies (IP_RECVERR) sit in the error queue and keep
     * the fd readable until read: drain them so the loop does not spin, and
     * count them: a sender gone, or one that dropped a reply from an address
     * it did not probe (its connected socket does not take it; the kernel
     * answers port unreachable, itself rate-limited, so a lower bound). */
    struct nb_txstamp tx;
    int e;
    for (int i = 0; i < RX_BUDGET; i++) {
        enum nb_errq q = nb_tsock_read_errqueue(&r->sock, &tx, &e);
        if (q == NB_ERRQ_EMPTY)
            break;
        if (q == NB_ERRQ_ICMP)
            r->st.unreachable++;
    }
    nb_ns now = nb_mono_now();
    bool synced;
    uint16_t errest = nb_clock_errest(&synced);
    /* up to RX_BATCH datagrams per system call (a flood costs a syscall per
     * batch, not per packet), RX_BUDGET per call so the loop keeps turning */
    for (int done = 0; done < RX_BUDGET;) {
        int got = nb_tsock_recv_many(&r->sock, &r->rxbuf[0][0], sizeof(r->rxbuf[0]), r->rx,
                                     RX_BATCH);
        if (got == 0)
            return;
        if (got < 0) { /* an ICMP error for an earlier reply: counted from its queue entry */
            done++;
            continue;
        }
        for (int i = 0; i < got; i++)
            admit_one(r, r->rxbuf[i], &r->rx[i], now, errest, synced);
        done += got;
    }
}
