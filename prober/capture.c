/* capture.c — the host agent's sightings (DESIGN §2: the *.tap.* and *.nic.*
 * points): netblame STAMP probes captured on guest taps and the physical NIC,
 * each turned into a struct nb_sighting.
 *
 * Why one capture on "any" and not one per tap. A host runs hundreds of
 * guests. A pcap handle per tap costs, per tap, a packet socket, its own
 * mmap'ed ring (libpcap's default 2 MiB: 1 GiB of unswappable kernel memory
 * for 500 taps, nearly all of it idle), its own filter and a descriptor in the
 * event loop, so a burst across N taps costs N wake-ups and N reads. One
 * handle on "any" has one ring sized for the whole host (4 MiB by default:
 * ~11,900 frames of 256 bytes, measured), one descriptor, one read that drains
 * every interface, and taps coming and going change only the kernel filter
 * (pcap_setfilter: no reopen, nothing queued is lost). The price: "any" sees a
 * bridged frame once per device it crosses (nicX, br0, vnetX), and it sees
 * every device of the host. The kernel filter answers both: it passes only
 * netblame STAMP packets (UDP to or from the STAMP port whose first TLV
 * carries the "NBLM" magic, unauthenticated or authenticated layout) and only
 * on the watched ifindexes (libpcap 1.10's "ifindex" on DLT_LINUX_SLL2, run by
 * the kernel as its SKF_AD_IFINDEX load), so user space wakes only for frames
 * it reports. SLL2 also gives each frame's ifindex and packet type
 * (PACKET_OUTGOING = out).
 *
 * A kernel that refuses the filter (too long, net.core.optmem_max) would make
 * libpcap filter in user space — every packet of the host copied into our
 * ring — so after each install we ask the socket (SO_GET_FILTER) and undo the
 * change if the kernel does not hold our program. */
#include "netblame/capture.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <pcap/sll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netblame/be.h"
#include "netblame/log.h"
#include "netblame/mem.h"
#include "netblame/stamp.h"

#define RX_BUDGET 256      /* frames per readable event, so a burst cannot starve the loop */
#define BPF_MAX_INSNS 4096 /* the kernel's BPF_MAXINSNS for classic socket filters */

/* DLT_LINUX_SLL2 header (pcap/sll.h): protocol(2) | MBZ(2) | ifindex(4) |
 * hatype(2) | pkttype(1) | halen(1) | addr(8) */
#define SLL2_OFF_PROTO 0
#define SLL2_OFF_IFINDEX 4
#define SLL2_OFF_PKTTYPE 10

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IPV4_HDR_MIN 20
#define IPV6_HDR_LEN 40
#define UDP_HDR_LEN 8
#define TCP_HDR_MIN 20
#define TCP_OFF_FLAGS 13
#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define TLV_HDR_LEN 4

struct watch {
    int ifindex;
    uint8_t role; /* enum nb_if_role */
    char name[sizeof(((struct nb_sighting *)0)->ifname)];
};

struct nb_capture {
    pcap_t *p;
    int fd;
    struct nb_capture_cfg cfg; /* stamp_port resolved */
    nb_sighting_cb cb;
    void *arg;
    struct watch *w; /* sorted by ifindex: a lookup per frame is a binary search */
    size_t n, cap;
    struct nb_capture_stats st;
    struct bpf_program proto; /* protocol part of the filter, compiled once */
    bool proto_ok;
    uint32_t accept;            /* PROTO's "accept" return (the snaplen) */
    struct bpf_insn ld_ifindex; /* libpcap's code for "ifindex": load the SLL2 ifindex */
};

enum parse_res { PARSE_OK, PARSE_MALFORMED, PARSE_NO_PROBE_ID };

/* ---- parsing (pure) ---- */

/* Probe id from the TLV area starting BASE bytes into the STAMP payload PL
 * (LEN captured bytes). A TLV cut off by the snaplen ends the area: the TLVs
 * before it still count. */
static bool probe_id_at(const uint8_t *pl, size_t len, size_t base, uint64_t *id)
{
    struct nb_stamp_tlvs t;
    if (len <= base)
        return false;
    (void)nb_stamp_parse_tlvs(pl + base, len - base, &t);
    return nb_tlv_get_probe_id(&t, id);
}

/* The transport segment of the IPv4 or IPv6 packet in L3 (AVAIL captured
 * bytes, PROTO the ethertype), if it is UDP or TCP: fills *L4 (*L4LEN captured
 * bytes of it, trimmed to what the IP header says is the packet), its IP
 * protocol, and where the source and destination addresses sit. Returns
 * false for anything else (fragments, extension headers, cut short). */
struct l4 {
    const uint8_t *p;
    size_t len;
    uint8_t ipproto;
    bool v6;
    const uint8_t *src, *dst;
};

static bool find_l4(const uint8_t *l3, size_t avail, uint16_t proto, struct l4 *out)
{
    if (proto == ETHERTYPE_IPV4) {
        if (avail < IPV4_HDR_MIN || l3[0] >> 4 != 4)
            return false;
        size_t ihl = (size_t)(l3[0] & 0x0f) * 4;
        size_t total = nb_get_be16(l3 + 2);
        if (ihl < IPV4_HDR_MIN || avail < ihl || total < ihl)
            return false;
        if ((nb_get_be16(l3 + 6) & 0x1fff) != 0)
            return false; /* a fragment without the transport header */
        if (avail > total)
            avail = total; /* link-layer padding is not IP */
        *out = (struct l4){.p = l3 + ihl, .len = avail - ihl, .ipproto = l3[9], .v6 = false,
                           .src = l3 + 12, .dst = l3 + 16};
    } else if (proto == ETHERTYPE_IPV6) {
        if (avail < IPV6_HDR_LEN || l3[0] >> 4 != 6)
            return false;
        size_t plen = nb_get_be16(l3 + 4);
        avail -= IPV6_HDR_LEN;
        if (avail > plen)
            avail = plen;
        /* extension headers: netblame sends none, the kernel's SYNs carry none */
        *out = (struct l4){.p = l3 + IPV6_HDR_LEN, .len = avail, .ipproto = l3[6], .v6 = true,
                           .src = l3 + 8, .dst = l3 + 24};
    } else {
        return false;
    }
    return out->ipproto == IPPROTO_UDP || out->ipproto == IPPROTO_TCP;
}

/* A netblame STAMP probe in the UDP datagram UDP (ULEN captured bytes). */
static enum parse_res parse_stamp(const uint8_t *udp, size_t ulen, uint16_t port,
                                  struct nb_sighting *out)
{
    if (ulen < UDP_HDR_LEN)
        return PARSE_MALFORMED;
    uint16_t sport = nb_get_be16(udp), dport = nb_get_be16(udp + 2);
    size_t udp_len = nb_get_be16(udp + 4);
    if (udp_len < UDP_HDR_LEN)
        return PARSE_MALFORMED;
    if (dport == port)
        out->kind = NB_PKT_TEST;
    else if (sport == port)
        out->kind = NB_PKT_REPLY;
    else
        return PARSE_MALFORMED;

    const uint8_t *pl = udp + UDP_HDR_LEN;
    size_t plen = ulen - UDP_HDR_LEN;
    if (plen > udp_len - UDP_HDR_LEN)
        plen = udp_len - UDP_HDR_LEN;
    if (!probe_id_at(pl, plen, NB_STAMP_BASE_LEN, &out->probe_id) &&
        !probe_id_at(pl, plen, NB_STAMP_AUTH_BASE_LEN, &out->probe_id))
        return PARSE_NO_PROBE_ID;
    out->proto = NB_PROTO_STAMP;
    return PARSE_OK;
}

/* An app probe's handshake: a SYN from a guest port in [FIRST, LAST] (the
 * test packet) or the SYN-ACK back to it (the reply). */
static enum parse_res parse_tcp(const struct l4 *l, uint16_t first, uint16_t last,
                                struct nb_sighting *out)
{
    if (first == 0 || l->len < TCP_HDR_MIN)
        return PARSE_MALFORMED;
    uint16_t sport = nb_get_be16(l->p), dport = nb_get_be16(l->p + 2);
    uint8_t flags = l->p[TCP_OFF_FLAGS] & (TCP_SYN | TCP_ACK);
    uint16_t gport, server_port;
    const uint8_t *gaddr;
    if (flags == TCP_SYN && sport >= first && sport <= last) {
        out->kind = NB_PKT_TEST;
        gport = sport, server_port = dport, gaddr = l->src;
        out->isn = nb_get_be32(l->p + 4); /* seq */
    } else if (flags == (TCP_SYN | TCP_ACK) && dport >= first && dport <= last) {
        out->kind = NB_PKT_REPLY;
        gport = dport, server_port = sport, gaddr = l->dst;
        out->isn = nb_get_be32(l->p + 8) - 1; /* ack: the guest's ISN + 1 */
    } else {
        return PARSE_MALFORMED;
    }
    out->probe_id = nb_tcp_probe_id(nb_tcp_session(gaddr, l->v6), gport, server_port);
    out->proto = NB_PROTO_TCP;
    return PARSE_OK;
}

static enum parse_res parse(const uint8_t *f, size_t caplen, const struct nb_capture_cfg *cfg,
                            struct nb_sighting *out)
{
    if (!f || caplen < SLL2_HDR_LEN)
        return PARSE_MALFORMED;
    uint32_t ifindex = nb_get_be32(f + SLL2_OFF_IFINDEX);
    if (ifindex == 0 || ifindex > INT_MAX)
        return PARSE_MALFORMED;

    struct l4 l;
    if (!find_l4(f + SLL2_HDR_LEN, caplen - SLL2_HDR_LEN, nb_get_be16(f + SLL2_OFF_PROTO), &l))
        return PARSE_MALFORMED;
    struct nb_sighting s = {0};
    enum parse_res r = l.ipproto == IPPROTO_TCP
                           ? parse_tcp(&l, cfg->app_port_first, cfg->app_port_last, &s)
                           : parse_stamp(l.p, l.len, cfg->stamp_port, &s);
    if (r != PARSE_OK)
        return r;
    s.dir = f[SLL2_OFF_PKTTYPE] == LINUX_SLL_OUTGOING ? NB_DIR_OUT : NB_DIR_IN;
    s.ifindex = (int)ifindex;
    *out = s;
    return PARSE_OK;
}

int nb_capture_parse_sll2(const uint8_t *frame, size_t caplen, const struct nb_capture_cfg *cfg,
                          struct nb_sighting *out)
{
    struct nb_capture_cfg c = *cfg;
    if (!c.stamp_port)
        c.stamp_port = NB_STAMP_PORT;
    return parse(frame, caplen, &c, out) == PARSE_OK ? 0 : -1;
}

/* ---- the watched set ---- */

/* Index of IFINDEX in C's set, or of where it would go; *FOUND says which. */
static size_t watch_pos(const struct nb_capture *c, int ifindex, bool *found)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->w[mid].ifindex < ifindex)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < c->n && c->w[lo].ifindex == ifindex;
    return lo;
}

static const struct watch *watch_find(const struct nb_capture *c, int ifindex)
{
    bool found;
    size_t i = watch_pos(c, ifindex, &found);
    return found ? &c->w[i] : NULL;
}

static const char *role_name(uint8_t role)
{
    return role == NB_IF_NIC ? "nic" : "tap";
}

/* ---- the kernel filter ----
 *
 * Program = PROTO, then the interface test. PROTO is compiled once by libpcap
 * from the filter language: IPv4/IPv6 UDP to or from the STAMP port whose
 * first TLV carries the magic; its "accept" returns become jumps to the
 * interface test. Protocol first, so the host's other traffic (every packet
 * of every interface meets this filter) is rejected in a handful of
 * instructions. The interface test loads the SLL2 ifindex exactly as
 * libpcap's "ifindex N" primitive does (its instruction, copied: libpcap maps
 * it to SKF_AD_IFINDEX for the kernel) and searches the sorted watched set as
 * a binary tree with linear leaves. Building it by hand is O(n) and costs
 * microseconds; "ifindex a or ifindex b or ..." through pcap_compile took 7 ms
 * at 500 interfaces and 31 ms at 1,000 (quadratic: 10.7 s to watch 1,000 one
 * by one) and is a linear chain per probe frame. */

#define LEAF_KEYS 16 /* keys per leaf: jt offsets stay below 255, ~1.25 instructions per key */

struct prog {
    struct bpf_insn *v;
    size_t n, cap;
};

static size_t emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->v = nb_reallocarray(p->v, p->cap, sizeof(*p->v));
    }
    p->v[p->n] = (struct bpf_insn){.code = code, .jt = jt, .jf = jf, .k = k};
    return p->n++;
}

/* Accept (return ACCEPT) iff the accumulator is one of the ifindexes of
 * W[LO, HI), sorted ascending, HI > LO. */
static void emit_tree(struct prog *p, const struct watch *w, size_t lo, size_t hi, uint32_t accept)
{
    if (hi - lo <= LEAF_KEYS) {
        /* jeq k_i -> the "ret accept" after the "ret 0": hi - i ahead */
        for (size_t i = lo; i < hi; i++)
            emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(hi - i), 0, (uint32_t)w[i].ifindex);
        emit(p, BPF_RET | BPF_K, 0, 0, 0);
        emit(p, BPF_RET | BPF_K, 0, 0, accept);
        return;
    }
    size_t mid = lo + (hi - lo) / 2;
    /* above the left half's largest: "ja" to the right half; else skip it */
    emit(p, BPF_JMP | BPF_JGT | BPF_K, 0, 1, (uint32_t)w[mid - 1].ifindex);
    size_t ja = emit(p, BPF_JMP | BPF_JA, 0, 0, 0);
    emit_tree(p, w, lo, mid, accept);
    p->v[ja].k = (uint32_t)(p->n - ja - 1);
    emit_tree(p, w, mid, hi, accept);
}

/* PROTO's filter text for CFG. */
static void proto_text(char *buf, size_t len, const struct nb_capture_cfg *cfg)
{
    /* The magic sits 4 bytes into the first TLV; udp[] is relative to the UDP
     * header (IPv4 only in libpcap, IHL honoured), ip6[] to the IPv6 header
     * (no extension headers, as "udp port" already requires). The unauthenticated
     * offset is tested first: in classic BPF a load past the packet ends the
     * program with "reject", and an unauthenticated probe is shorter than the
     * authenticated offset. */
    unsigned u = UDP_HDR_LEN + NB_STAMP_BASE_LEN + TLV_HDR_LEN;
    unsigned a = UDP_HDR_LEN + NB_STAMP_AUTH_BASE_LEN + TLV_HDR_LEN;
    unsigned port = cfg->stamp_port;
    int n = snprintf(buf, len,
                     "(udp port %u and ("
                     "(ip and (udp[%u:4] = 0x%08x or udp[%u:4] = 0x%08x)) or "
                     "(ip6 and (ip6[%u:4] = 0x%08x or ip6[%u:4] = 0x%08x))))",
                     port, u, NB_TLV_MAGIC, a, NB_TLV_MAGIC, IPV6_HDR_LEN + u, NB_TLV_MAGIC,
                     IPV6_HDR_LEN + a, NB_TLV_MAGIC);
    if (!cfg->app_port_first || n < 0 || (size_t)n >= len)
        return;
    /* App probes' handshakes: a SYN from the reserved source ports, the
     * SYN-ACK back to them; nothing else of the connection (tcp[13] is the
     * flags byte; SYN 0x02, ACK 0x10). tcp[] is IPv4 only in libpcap: ip6[53]
     * is the same byte behind a bare IPv6 header. */
    unsigned f = cfg->app_port_first, l = cfg->app_port_last;
    snprintf(buf + n, len - (size_t)n,
             " or (ip and tcp and ((tcp[13] & 0x12 = 0x02 and tcp src portrange %u-%u) or "
             "(tcp[13] & 0x12 = 0x12 and tcp dst portrange %u-%u)))"
             " or (ip6 and ip6[6] = 6 and ((ip6[53] & 0x12 = 0x02 and tcp src portrange %u-%u) or "
             "(ip6[53] & 0x12 = 0x12 and tcp dst portrange %u-%u)))",
             f, l, f, l, f, l, f, l);
}

/* Compile PROTO and the ifindex load into C. Returns 0, or -1 with ERR set. */
static int proto_compile(struct nb_capture *c, char *err, size_t errlen)
{
    char text[1024];
    struct bpf_program ifx;
    proto_text(text, sizeof(text), &c->cfg);
    if (pcap_compile(c->p, &c->proto, text, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        snprintf(err, errlen, "capture on any: filter \"%s\": %s", text, pcap_geterr(c->p));
        return -1;
    }
    c->proto_ok = true;
    bool ok = true;
    for (u_int i = 0; i < c->proto.bf_len; i++) {
        const struct bpf_insn *x = &c->proto.bf_insns[i];
        if (BPF_CLASS(x->code) == BPF_RET && x->code != (BPF_RET | BPF_K))
            ok = false; /* a computed return could not be told accept from reject */
        else if (x->code == (BPF_RET | BPF_K) && x->k != 0)
            c->accept = x->k;
    }
    if (pcap_compile(c->p, &ifx, "ifindex 1", 1, PCAP_NETMASK_UNKNOWN) < 0) {
        snprintf(err, errlen, "capture on any: \"ifindex\" (libpcap >= 1.10 needed): %s",
                 pcap_geterr(c->p));
        return -1;
    }
    /* libpcap 1.10 compiles it to "ld [4]": the SLL2 ifindex, SKF_AD_IFINDEX in the kernel */
    c->ld_ifindex = ifx.bf_insns[0];
    ok = ok && c->accept != 0 && ifx.bf_len > 0 &&
         c->ld_ifindex.code == (BPF_LD | BPF_W | BPF_ABS) && c->ld_ifindex.k == SLL2_OFF_IFINDEX;
    pcap_freecode(&ifx);
    if (!ok) {
        snprintf(err, errlen, "capture on any: unexpected code from libpcap's filter compiler");
        return -1;
    }
    return 0;
}

/* Instructions of the classic filter the kernel holds on C's socket (0: none). */
static int kernel_filter_len(const struct nb_capture *c)
{
    socklen_t n = 0;
    if (getsockopt(pcap_fileno(c->p), SOL_SOCKET, SO_GET_FILTER, NULL, &n) < 0)
        return -1;
    return (int)n;
}

/* Install the N-instruction program V and check that the kernel runs it.
 * Returns 0, or -1 (logged). */
static int prog_install(struct nb_capture *c, struct bpf_insn *v, size_t n)
{
    if (n > BPF_MAX_INSNS) {
        nb_err("capture: filter for %zu interfaces needs %zu instructions, the kernel allows %d",
               c->n, n, BPF_MAX_INSNS);
        return -1;
    }
    struct bpf_program prog = {.bf_len = (u_int)n, .bf_insns = v};
    if (pcap_setfilter(c->p, &prog) < 0) {
        nb_err("capture: set filter for %zu interfaces: %s", c->n, pcap_geterr(c->p));
        return -1;
    }
    int klen = kernel_filter_len(c);
    if (klen != (int)n) {
        nb_err("capture: kernel refused the %zu-instruction filter for %zu interfaces (holds %d;"
               " net.core.optmem_max?)",
               n, c->n, klen);
        return -1;
    }
    nb_debug("capture: filter of %zu instructions for %zu interfaces", n, c->n);
    c->st.filter_insns = n;
    return 0;
}

/* Build and install the filter for C's watched set. Returns 0, or -1 (logged). */
static int filter_install(struct nb_capture *c)
{
    struct prog p = {0};
    if (c->n == 0) {
        emit(&p, BPF_RET | BPF_K, 0, 0, 0);
    } else {
        for (u_int i = 0; i < c->proto.bf_len; i++) {
            struct bpf_insn x = c->proto.bf_insns[i];
            if (x.code == (BPF_RET | BPF_K) && x.k != 0) /* accept: go on to the ifindex test */
                x = (struct bpf_insn){.code = BPF_JMP | BPF_JA, .k = c->proto.bf_len - i - 1};
            emit(&p, x.code, x.jt, x.jf, x.k);
        }
        emit(&p, c->ld_ifindex.code, c->ld_ifindex.jt, c->ld_ifindex.jf, c->ld_ifindex.k);
        emit_tree(&p, c->w, 0, c->n, c->accept);
    }
    int rc = prog_install(c, p.v, p.n);
    free(p.v);
    return rc;
}

/* After a failed change: re-install the filter for the (restored) set. If even
 * that fails, pass nothing rather than leave libpcap filtering every packet of
 * the host in user space. */
static void filter_restore(struct nb_capture *c)
{
    struct bpf_insn reject = BPF_STMT(BPF_RET | BPF_K, 0);
    if (filter_install(c) == 0)
        return;
    nb_err("capture: cannot restore the filter for %zu interfaces: no sightings until the"
           " next change",
           c->n);
    (void)prog_install(c, &reject, 1);
}

/* ---- the capture ---- */

struct nb_capture *nb_capture_new(const struct nb_capture_cfg *cfg, nb_sighting_cb cb, void *arg,
                                  char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    size_t bufsz = cfg->buffer_bytes ? cfg->buffer_bytes : NB_CAPTURE_BUFFER_DEFAULT;
    if (bufsz > INT_MAX) {
        snprintf(err, errlen, "capture: buffer of %zu bytes is too large", bufsz);
        return NULL;
    }
    pcap_t *p = pcap_create("any", ebuf);
    if (!p) {
        snprintf(err, errlen, "capture on any: %s", ebuf);
        return NULL;
    }
    const char *what = "set options";
    if (pcap_set_snaplen(p, NB_CAPTURE_SNAPLEN) != 0 || pcap_set_immediate_mode(p, 1) != 0 ||
        pcap_set_buffer_size(p, (int)bufsz) != 0)
        goto fail;
    what = "nanosecond time stamps";
    if (pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) != 0)
        goto fail;
    int rc = pcap_activate(p);
    if (rc < 0) {
        snprintf(err, errlen, "capture on any: %s%s%s", pcap_statustostr(rc),
                 pcap_geterr(p)[0] ? ": " : "", pcap_geterr(p));
        pcap_close(p);
        return NULL;
    }
    if (rc > 0)
        nb_warn("capture on any: %s: %s", pcap_statustostr(rc), pcap_geterr(p));
    what = "DLT_LINUX_SLL2 (libpcap >= 1.10 needed)";
    if (pcap_set_datalink(p, DLT_LINUX_SLL2) != 0 || pcap_datalink(p) != DLT_LINUX_SLL2)
        goto fail;
    what = "nanosecond time stamps";
    if (pcap_get_tstamp_precision(p) != PCAP_TSTAMP_PRECISION_NANO)
        goto fail;

    struct nb_capture *c = nb_calloc(1, sizeof(*c));
    c->p = p;
    c->cfg = *cfg;
    if (!c->cfg.stamp_port)
        c->cfg.stamp_port = NB_STAMP_PORT;
    c->cb = cb;
    c->arg = arg;
    if (proto_compile(c, err, errlen) < 0) {
        nb_capture_free(c);
        return NULL;
    }
    if (filter_install(c) < 0) {
        snprintf(err, errlen, "capture on any: cannot install a kernel filter");
        nb_capture_free(c);
        return NULL;
    }
    if (pcap_setnonblock(p, 1, ebuf) < 0) {
        snprintf(err, errlen, "capture on any: non-blocking: %s", ebuf);
        nb_capture_free(c);
        return NULL;
    }
    c->fd = pcap_get_selectable_fd(p);
    if (c->fd < 0) {
        snprintf(err, errlen, "capture on any: no selectable descriptor");
        nb_capture_free(c);
        return NULL;
    }
    if (c->cfg.app_port_first)
        nb_info("capture on any: %zu KiB ring, snaplen %d, STAMP port %u, app handshakes from"
                " ports %u-%u",
                bufsz / 1024, NB_CAPTURE_SNAPLEN, c->cfg.stamp_port, c->cfg.app_port_first,
                c->cfg.app_port_last);
    else
        nb_info("capture on any: %zu KiB ring, snaplen %d, STAMP port %u", bufsz / 1024,
                NB_CAPTURE_SNAPLEN, c->cfg.stamp_port);
    return c;

fail:
    snprintf(err, errlen, "capture on any: %s: %s", what, pcap_geterr(p));
    pcap_close(p);
    return NULL;
}

void nb_capture_free(struct nb_capture *c)
{
    if (!c)
        return;
    if (c->proto_ok)
        pcap_freecode(&c->proto);
    if (c->p)
        pcap_close(c->p);
    free(c->w);
    free(c);
}

int nb_capture_fd(const struct nb_capture *c)
{
    return c->fd;
}

size_t nb_capture_watched(const struct nb_capture *c)
{
    return c->n;
}

/* Put IFINDEX (NAME, ROLE) in C's set, the filter untouched: 1 if it is new
 * there, 0 if it was there (name and role updated), -1 if it cannot be
 * watched (logged). */
static int set_add(struct nb_capture *c, int ifindex, const char *name, enum nb_if_role role,
                   struct watch *out)
{
    struct watch nw = {.ifindex = ifindex, .role = (uint8_t)role};
    if (ifindex <= 0 || (role != NB_IF_TAP && role != NB_IF_NIC)) {
        nb_err("capture: cannot watch ifindex %d as role %d", ifindex, (int)role);
        return -1;
    }
    if (name && name[0])
        snprintf(nw.name, sizeof(nw.name), "%s", name);
    else
        snprintf(nw.name, sizeof(nw.name), "if%d", ifindex);
    *out = nw;

    bool found;
    size_t i = watch_pos(c, ifindex, &found);
    if (found) { /* same ifindex: the filter does not change */
        c->w[i] = nw;
        return 0;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->w = nb_reallocarray(c->w, c->cap, sizeof(*c->w));
    }
    memmove(&c->w[i + 1], &c->w[i], (c->n - i) * sizeof(*c->w));
    c->w[i] = nw;
    c->n++;
    return 1;
}

/* Take IFINDEX, present, out of C's set, the filter untouched. */
static void set_remove(struct nb_capture *c, int ifindex)
{
    bool found;
    size_t i = watch_pos(c, ifindex, &found);
    if (!found)
        return;
    memmove(&c->w[i], &c->w[i + 1], (c->n - i - 1) * sizeof(*c->w));
    c->n--;
}

size_t nb_capture_watch_many(struct nb_capture *c, const struct nb_capture_if *v, size_t n,
                             bool *ok)
{
    bool *fresh = nb_calloc(n ? n : 1, sizeof(*fresh));
    size_t added = 0, good = 0;
    struct watch nw;
    for (size_t i = 0; i < n; i++) {
        int r = set_add(c, v[i].ifindex, v[i].name, v[i].role, &nw);
        ok[i] = r >= 0;
        fresh[i] = r == 1;
        added += r == 1;
    }
    if (added > 0 && filter_install(c) < 0) {
        /* refused all at once: back to the set before, then one at a time */
        for (size_t i = 0; i < n; i++)
            if (fresh[i])
                set_remove(c, v[i].ifindex);
        filter_restore(c);
        for (size_t i = 0; i < n; i++)
            if (fresh[i])
                ok[i] = nb_capture_watch(c, v[i].ifindex, v[i].name, v[i].role) == 0;
    }
    for (size_t i = 0; i < n; i++)
        good += ok[i];
    nb_debug("capture: %zu of %zu interfaces watched at once; %zu interfaces", good, n, c->n);
    free(fresh);
    return good;
}

int nb_capture_watch(struct nb_capture *c, int ifindex, const char *name, enum nb_if_role role)
{
    struct watch nw;
    int r = set_add(c, ifindex, name, role, &nw);
    if (r <= 0)
        return r;
    if (filter_install(c) < 0) {
        set_remove(c, ifindex);
        filter_restore(c);
        nb_err("capture: not watching %s (ifindex %d)", nw.name, ifindex);
        return -1;
    }
    nb_debug("capture: watching %s (ifindex %d) as %s; %zu interfaces", nw.name, ifindex,
             role_name(nw.role), c->n);
    return 0;
}

int nb_capture_unwatch(struct nb_capture *c, int ifindex)
{
    bool found;
    size_t i = watch_pos(c, ifindex, &found);
    if (!found) {
        nb_warn("capture: ifindex %d is not watched", ifindex);
        return -1;
    }
    struct watch old = c->w[i];
    memmove(&c->w[i], &c->w[i + 1], (c->n - i - 1) * sizeof(*c->w));
    c->n--;
    if (filter_install(c) < 0) {
        memmove(&c->w[i + 1], &c->w[i], (c->n - i) * sizeof(*c->w));
        c->w[i] = old;
        c->n++;
        filter_restore(c);
        nb_err("capture: still watching %s (ifindex %d)", old.name, ifindex);
        return -1;
    }
    nb_debug("capture: stopped watching %s (ifindex %d); %zu interfaces", old.name, ifindex, c->n);
    return 0;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct nb_capture *c = (struct nb_capture *)user;
    struct nb_sighting s;
    c->st.packets++;
    switch (parse(bytes, h->caplen, &c->cfg, &s)) {
    case PARSE_OK:
        break;
    case PARSE_NO_PROBE_ID:
        c->st.no_probe_id++;
        return;
    default:
        c->st.malformed++;
        return;
    }
    /* Frames queued before a filter change can still belong to a dropped
     * interface: the watched set, not the filter, has the last word. */
    const struct watch *w = watch_find(c, s.ifindex);
    if (!w) {
        c->st.not_watched++;
        return;
    }
    s.role = w->role;
    memcpy(s.ifname, w->name, sizeof(s.ifname));
    /* PCAP_TSTAMP_PRECISION_NANO: tv_usec holds nanoseconds */
    s.ts = (nb_ns)h->ts.tv_sec * NB_NS_PER_SEC + (nb_ns)h->ts.tv_usec;
    c->st.sightings++;
    c->cb(c->arg, &s);
}

void nb_capture_on_readable(struct nb_capture *c)
{
    if (pcap_dispatch(c->p, RX_BUDGET, on_frame, (u_char *)c) == PCAP_ERROR)
        nb_warn("capture on any: read: %s", pcap_geterr(c->p));
}

size_t nb_capture_drain(struct nb_capture *c)
{
    /* The ring holds ~12k probe frames at the default size: 64 rounds of
     * RX_BUDGET cover it, and bound the work if frames keep arriving. */
    size_t got = 0;
    for (int i = 0; i < 64; i++) {
        int n = pcap_dispatch(c->p, RX_BUDGET, on_frame, (u_char *)c);
        if (n == PCAP_ERROR)
            nb_warn("capture on any: read: %s", pcap_geterr(c->p));
        if (n > 0)
            got += (size_t)n;
        if (n < RX_BUDGET)
            break;
    }
    return got;
}

void nb_capture_stats(struct nb_capture *c, struct nb_capture_stats *out)
{
    struct pcap_stat ps;
    if (pcap_stats(c->p, &ps) == 0) {
        c->st.kernel_drops = ps.ps_drop;
        c->st.kernel_ifdrops = ps.ps_ifdrop;
    }
    *out = c->st;
}
