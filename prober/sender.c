/* sender.c — STAMP session-sender: builds test packets (with the netblame
 * probe-id TLV so host agents can recognise each probe in their captures),
 * matches kernel TX stamps and replies to outstanding probes, and computes
 * RTT = (T4 - T1) - (T3 - T2), each bracket a difference on one clock. */
#include "netblame/sender.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netblame/addr.h"
#include "netblame/log.h"
#include "netblame/mem.h"
#include "seqtrack.h"
#include "tstamp.h"

#define RX_BUDGET 256 /* datagrams per readable event, so a flood cannot starve the loop */

struct nb_sender {
    struct nb_sender_cfg cfg;
    struct nb_tsock sock;
    struct nb_seqtrack track;
    struct nb_sender_stats st;
    nb_result_cb cb;
    void *cb_arg;
    char peer_str[NB_ADDRSTRLEN];
    int last_icmp_errno;
    size_t pad_payload; /* UDP payload of a padded probe, 0: none */
    unsigned pad_ip;    /* its IP packet size */
};

/* Full-size probes: the connected route's MTU (IP_MTU: the interface's,
 * or a smaller learnt path MTU) less the IP and UDP headers; DF on, PMTU
 * cache ignored, so a hop that drops big packets silently cannot hide. */
static void pad_setup(struct nb_sender *s)
{
    int v6 = s->cfg.peer.ss_family == AF_INET6;
    int mtu = 0;
    socklen_t l = sizeof(mtu);
    int probe = v6 ? IPV6_PMTUDISC_PROBE : IP_PMTUDISC_PROBE;
    if (getsockopt(s->sock.fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU, &mtu, &l) <
            0 ||
        setsockopt(s->sock.fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
                   v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &probe, sizeof(probe)) < 0) {
        nb_warn_errno("sender to %s: full-size probes disabled: MTU", s->peer_str);
        return;
    }
    size_t hdr = (v6 ? 40u : 20u) + 8u;
    if (mtu <= (int)hdr + NB_STAMP_AUTH_BASE_LEN + 128)
        return; /* nothing to pad */
    if (mtu > NB_STAMP_MAX_LEN + (int)hdr)
        mtu = NB_STAMP_MAX_LEN + (int)hdr; /* loopback's 64 KiB: a jumbo frame is enough */
    s->pad_payload = (size_t)mtu - hdr;
    s->pad_ip = (unsigned)mtu;
}

static bool is_padded(const struct nb_sender *s, uint32_t seq)
{
    return s->pad_payload && seq % s->cfg.pad_every == s->cfg.pad_every - 1;
}

struct nb_sender *nb_sender_new(const struct nb_sender_cfg *cfg, nb_result_cb cb, void *arg,
                                char *err, size_t errlen)
{
    struct nb_sender *s = nb_calloc(1, sizeof(*s));
    s->cfg = *cfg;
    s->cb = cb;
    s->cb_arg = arg;
    nb_addr_format((const struct sockaddr *)&cfg->peer, s->peer_str, sizeof(s->peer_str));
    if (nb_tsock_open(&s->sock, cfg->peer.ss_family, NULL, 0, true) < 0) {
        snprintf(err, errlen, "sender to %s: socket: %s", s->peer_str, strerror(errno));
        free(s);
        return NULL;
    }
    /* Connected: only the peer's replies reach us, and ICMP errors are reported.
     * A reply from another source (a reflector answering from its primary
     * address for a secondary one probed) never reaches this socket: the
     * kernel drops it and answers port unreachable, so here it is a loss, and
     * the reflector counts it (netblame_reflector_unreachable_total). */
    if (connect(s->sock.fd, (const struct sockaddr *)&cfg->peer, cfg->peerlen) < 0) {
        snprintf(err, errlen, "sender to %s: connect: %s", s->peer_str, strerror(errno));
        nb_tsock_close(&s->sock);
        free(s);
        return NULL;
    }
    if (cfg->pad_every)
        pad_setup(s);
    nb_seqtrack_init(&s->track, 0, cfg->outstanding);
    return s;
}

unsigned nb_sender_padded_size(const struct nb_sender *s)
{
    return s->pad_payload ? s->pad_ip : 0;
}

void nb_sender_free(struct nb_sender *s)
{
    if (!s)
        return;
    nb_tsock_close(&s->sock);
    nb_seqtrack_free(&s->track);
    free(s);
}

int nb_sender_fd(const struct nb_sender *s)
{
    return s->sock.fd;
}

const struct nb_sender_stats *nb_sender_stats(const struct nb_sender *s)
{
    return &s->st;
}

bool nb_sender_kernel_tx(const struct nb_sender *s)
{
    return s->sock.tx_kernel;
}

uint32_t nb_sender_outstanding(const struct nb_sender *s)
{
    return nb_seqtrack_outstanding(&s->track);
}

static void sync_track_stats(struct nb_sender *s)
{
    const struct nb_seqtrack_stats *t = &s->track.st;
    s->st.sent = t->sent;
    s->st.received = t->received;
    s->st.lost = t->lost;
    s->st.duplicates = t->duplicates;
    s->st.reordered = t->reordered;
    s->st.late = t->late;
    s->st.unknown = t->unknown;
}

static void deliver_lost(void *arg, const struct nb_probe *p)
{
    struct nb_sender *s = arg;
    struct nb_probe_result r = {0};
    r.seq = p->seq;
    r.probe_id = p->probe_id;
    r.lost = true;
    r.t1 = p->t1_kernel ? p->t1_kernel : p->t1_user;
    r.t1_src = p->t1_kernel ? p->t1_src : NB_TS_USER;
    r.ttl_back = -1;
    r.padded = is_padded(s, p->seq);
    sync_track_stats(s);
    s->cb(s->cb_arg, &r);
}

int nb_sender_send(struct nb_sender *s, nb_ns now_mono)
{
    uint8_t tlvbuf[NB_STAMP_MAX_LEN];
    uint8_t pkt[NB_STAMP_MAX_LEN];
    struct nb_probe *p = nb_seqtrack_sent(&s->track, now_mono, deliver_lost, s);
    p->probe_id = ((uint64_t)s->cfg.id_nonce << 32) | p->seq;

    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, tlvbuf, sizeof(tlvbuf));
    nb_tlv_put_probe_id(&w, p->probe_id);
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0);
    if (s->cfg.request_agent)
        nb_tlv_put_host_agent(&w, 0, NULL, 0);
    size_t base = s->cfg.mode == NB_STAMP_AUTH ? NB_STAMP_AUTH_BASE_LEN : NB_STAMP_BASE_LEN;
    /* authenticated: the HMAC TLV (4 + 16) follows ours */
    size_t used = base + w.len + (s->cfg.mode == NB_STAMP_AUTH ? 20 : 0) + 4;
    if (is_padded(s, p->seq) && s->pad_payload > used)
        nb_tlv_put(&w, 0, NB_TLV_EXTRA_PADDING, NULL, (uint16_t)(s->pad_payload - used));

    bool synced;
    struct nb_stamp_test t = {.seq = p->seq, .errest = nb_clock_errest(&synced), .ssid = s->cfg.ssid};
    p->t1_user = nb_realtime_now();
    t.ts = nb_ntp_from_ns(p->t1_user);
    size_t len = nb_stamp_encode_test(pkt, sizeof(pkt), s->cfg.mode, &s->cfg.key, &t, tlvbuf, w.len);
    if (len == 0) {
        nb_err("sender to %s: cannot encode a test packet (key missing?)", s->peer_str);
        nb_seqtrack_unsend(&s->track, p);
        s->st.send_errors++;
        return -1;
    }
    ssize_t n = nb_tsock_send(&s->sock, pkt, len, NULL, 0, p->seq, &p->tx_key);
    if (n < 0 && (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)) {
        /* On a connected UDP socket an ICMP error for an EARLIER probe is reported
         * by the next send, which the kernel then did not perform. The error is
         * also in the error queue (counted there); this probe deserves its send. */
        n = nb_tsock_send(&s->sock, pkt, len, NULL, 0, p->seq, &p->tx_key);
    }
    if (n < 0) {
        if (s->st.send_errors++ == 0 || errno != s->last_icmp_errno)
            nb_warn_errno("sender to %s: send", s->peer_str);
        s->last_icmp_errno = errno;
        nb_seqtrack_unsend(&s->track, p);
        sync_track_stats(s);
        return -1;
    }
    sync_track_stats(s);
    return 0;
}

static void drain_errqueue(struct nb_sender *s)
{
    for (int i = 0; i < RX_BUDGET; i++) {
        struct nb_txstamp tx;
        int e = 0;
        enum nb_errq what = nb_tsock_read_errqueue(&s->sock, &tx, &e);
        if (what == NB_ERRQ_EMPTY)
            return;
        if (what == NB_ERRQ_ICMP) {
            s->st.icmp_errors++;
            if (e != s->last_icmp_errno)
                nb_warn("sender to %s: %s (ICMP)", s->peer_str, strerror(e));
            s->last_icmp_errno = e;
            continue;
        }
        if (what != NB_ERRQ_TXSTAMP)
            continue;
        struct nb_probe *p = nb_seqtrack_by_txkey(&s->track, tx.key);
        /* Keep the stamp closest to the wire; a stamp before the user-space send
         * time cannot be ours (key reuse after a counter desync). */
        if (p && tx.ts >= p->t1_user && tx.src >= p->t1_src) {
            p->t1_kernel = tx.ts;
            p->t1_src = tx.src;
        }
    }
}

/* Did the reflector understand our TLV? A sender sets U on every TLV; a
 * netblame reflector clears it on the probe-id TLV, a foreign one leaves it. */
static bool understood_netblame_tlv(const struct nb_stamp_tlvs *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct nb_stamp_tlv *x = &t->tlv[i];
        if (x->type == NB_TLV_NETBLAME && x->len >= 8 && x->value[0] == 'N' &&
            x->value[1] == 'B' && x->value[2] == 'L' && x->value[3] == 'M' &&
            x->value[4] == NB_SUB_PROBE_ID)
            return !(x->flags & (NB_TLV_F_U | NB_TLV_F_M | NB_TLV_F_I));
    }
    return false;
}

static void handle_reply(struct nb_sender *s, const uint8_t *buf, const struct nb_rx *rx)
{
    struct nb_stamp_reflected r;
    struct nb_stamp_tlvs tlvs;
    enum nb_stamp_err e =
        nb_stamp_decode_reflected(buf, rx->len, s->cfg.mode, &s->cfg.key, &r, &tlvs);
    /* A reply whose TLV area is damaged still carries valid timestamps: a plain
     * RFC 8762 reflector may not speak RFC 8972 at all. */
    if (e != NB_STAMP_OK && e != NB_STAMP_E_TLV) {
        s->st.malformed[e]++;
        return;
    }
    struct nb_probe *p;
    bool reordered;
    enum nb_rx_class cls = nb_seqtrack_received(&s->track, r.ss_seq, &p, &reordered);
    sync_track_stats(s);
    if (cls != NB_RX_NEW)
        return;
    if (e == NB_STAMP_E_TLV)
        s->st.malformed[e]++;

    struct nb_probe_result res = {0};
    res.seq = p->seq;
    res.probe_id = p->probe_id;
    res.reordered = reordered;
    if (p->t1_kernel) {
        res.t1 = p->t1_kernel;
        res.t1_src = p->t1_src;
    } else {
        res.t1 = p->t1_user;
        res.t1_src = NB_TS_USER;
        s->st.tx_user_stamps++;
    }
    res.t4 = rx->ts;
    res.t4_src = rx->ts_src;
    res.t2 = nb_ntp_to_ns(r.rx_ts);
    res.t3 = nb_ntp_to_ns(r.ts);
    res.reflector_hold = res.t3 - res.t2;
    res.rtt = (res.t4 - res.t1) - res.reflector_hold;
    res.refl_seq = r.seq;
    res.padded = is_padded(s, res.seq);
    res.ttl_fwd = r.ss_ttl;
    res.ttl_back = rx->ttl;
    int synced = 0;
    nb_errest_ns(r.errest, &synced);
    res.refl_synced = synced;
    if (e == NB_STAMP_OK) {
        if (nb_tlv_get_host_agent(&tlvs, &res.agent_family, res.agent_addr, &res.agent_port) &&
            !nb_sender_agent_allowed(&s->cfg, res.agent_family, res.agent_addr)) {
            /* the rule is enforced here, once, for the daemon and diagnose alike */
            res.refused_family = res.agent_family;
            memcpy(res.refused_addr, res.agent_addr, sizeof(res.refused_addr));
            res.agent_family = 0;
            s->st.agent_refused++;
        }
        res.netblame_reflector = understood_netblame_tlv(&tlvs);
    }
    if (res.reflector_hold < 0 || res.rtt < 0) {
        /* A reflector whose T3 precedes T2, or holds longer than the whole round
         * trip, gives no usable figure: count it, report nothing. */
        s->st.bogus++;
        return;
    }
    s->cb(s->cb_arg, &res);
}

void nb_sender_on_readable(struct nb_sender *s)
{
    uint8_t buf[NB_STAMP_MAX_LEN + 1];
    /* TX stamps first: a reply cannot arrive before its packet's SND stamp was
     * queued, so after this drain every answered probe has its kernel T1. */
    drain_errqueue(s);
    for (int i = 0; i < RX_BUDGET; i++) {
        struct nb_rx rx;
        int got = nb_tsock_recv(&s->sock, buf, sizeof(buf), &rx);
        if (got == 0)
            return;
        if (got < 0) {
            /* Connected UDP: a pending ICMP error surfaces here too. */
            if (errno != s->last_icmp_errno)
                nb_warn_errno("sender to %s: receive", s->peer_str);
            s->last_icmp_errno = errno;
            drain_errqueue(s); /* counts the ICMP error once, from its queue entry */
            continue;
        }
        if (rx.truncated) {
            s->st.truncated++;
            continue;
        }
        handle_reply(s, buf, &rx);
    }
}

void nb_sender_expire(struct nb_sender *s, nb_ns now_mono)
{
    nb_sender_expire_after(s, now_mono, s->cfg.timeout);
}

void nb_sender_expire_after(struct nb_sender *s, nb_ns now_mono, nb_ns age)
{
    nb_seqtrack_expire(&s->track, now_mono, age, deliver_lost, s);
    sync_track_stats(s);
}

nb_ns nb_overdue_age(double p99, nb_ns timeout)
{
    nb_ns age = (nb_ns)(p99 * NB_OVERDUE_FACTOR);
    if (age < NB_OVERDUE_MIN_NS)
        age = NB_OVERDUE_MIN_NS;
    return timeout > 0 && age > timeout ? timeout : age;
}

static bool padded_seq(const void *arg, uint32_t seq)
{
    return is_padded(arg, seq);
}

unsigned nb_sender_overdue(const struct nb_sender *s, nb_ns now_mono, nb_ns age, nb_ns since_rt,
                           unsigned *full)
{
    return nb_seqtrack_overdue(&s->track, now_mono, age, since_rt, padded_seq, s, full);
}

bool nb_sender_agent_allowed(const struct nb_sender_cfg *cfg, int family, const uint8_t addr[16])
{
    struct nb_prefix self;
    const struct sockaddr *peer = (const struct sockaddr *)&cfg->peer;
    memset(&self, 0, sizeof(self));
    if (peer->sa_family == AF_INET) {
        self.family = AF_INET;
        self.len = 32;
        memcpy(self.addr, &((const struct sockaddr_in *)peer)->sin_addr, 4);
    } else if (peer->sa_family == AF_INET6) {
        self.family = AF_INET6;
        self.len = 128;
        memcpy(self.addr, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
    }
    return (self.family && nb_prefix_match_raw(&self, 1, family, addr)) ||
           nb_prefix_match_raw(cfg->agent_prefixes, cfg->n_agent_prefixes, family, addr);
}
