/* stamp.c — STAMP wire format (RFC 8762) with the RFC 8972 extensions netblame
 * uses: Session-Sender Identifier, the TLV area, Timestamp Information, and our
 * private-use TLV (probe id, host agent). The one place where STAMP bytes from
 * the network are parsed: every length is checked before a byte is read, fields
 * are loaded and stored with explicit big-endian helpers (no struct overlays),
 * and decoded TLVs point into the caller's buffer. No I/O, no clocks, no
 * allocation. The authenticated modes use OpenSSL's HMAC-SHA-256. */
#include "netblame/stamp.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "netblame/be.h"

/* ---- layout offsets (see the table in stamp.h) ---- */

enum {
    /* unauthenticated, both directions */
    U_SEQ = 0,
    U_TS = 4,
    U_ERREST = 12,
    U_SSID = 14,
    /* unauthenticated reflector */
    U_RX_TS = 16,
    U_SS_SEQ = 24,
    U_SS_TS = 28,
    U_SS_ERREST = 36,
    U_SS_TTL = 40,
    /* authenticated, both directions */
    A_SEQ = 0,
    A_TS = 16,
    A_ERREST = 24,
    A_SSID = 26,
    /* authenticated reflector */
    A_RX_TS = 32,
    A_SS_SEQ = 48,
    A_SS_TS = 64,
    A_SS_ERREST = 72,
    A_SS_TTL = 80,
    A_HMAC = NB_STAMP_HMAC_COVERED,
};

/* The field offsets of one mode, so every encoder and decoder reads one table. */
struct layout {
    size_t seq, ts, errest, ssid, rx_ts, ss_seq, ss_ts, ss_errest, ss_ttl;
};
static const struct layout unauth_layout = {U_SEQ,    U_TS,    U_ERREST,    U_SSID,  U_RX_TS,
                                            U_SS_SEQ, U_SS_TS, U_SS_ERREST, U_SS_TTL};
static const struct layout auth_layout = {A_SEQ,    A_TS,    A_ERREST,    A_SSID,  A_RX_TS,
                                          A_SS_SEQ, A_SS_TS, A_SS_ERREST, A_SS_TTL};

static const struct layout *layout_of(enum nb_stamp_mode mode)
{
    return mode == NB_STAMP_AUTH ? &auth_layout : &unauth_layout;
}

#define TLV_HDR_LEN 4
#define ERREST_MULT_MASK 0x00ffu

/* netblame private TLV value: magic(4) | subtype(1) | reserved(3) | payload */
#define NBTLV_HDR_LEN 8
#define NBTLV_PROBE_ID_LEN (NBTLV_HDR_LEN + 8)
#define NBTLV_AGENT_LEN (NBTLV_HDR_LEN + 20)
#define TSINFO_LEN 4
/* RFC 8972 §4: types 252-254 are Private Use, with a 4-octet vendor prefix. */
#define TLV_PRIVATE_FIRST 252
#define TLV_PRIVATE_LAST 254

static const char *const err_names[NB_STAMP_E__COUNT] = {
    [NB_STAMP_OK] = "ok",       [NB_STAMP_E_SHORT] = "short", [NB_STAMP_E_LONG] = "long",
    [NB_STAMP_E_HMAC] = "hmac", [NB_STAMP_E_TLV] = "tlv",     [NB_STAMP_E_ERREST] = "errest",
};

const char *nb_stamp_err_name(enum nb_stamp_err e)
{
    if ((unsigned)e >= NB_STAMP_E__COUNT)
        return "unknown";
    return err_names[e];
}

static size_t base_len(enum nb_stamp_mode mode)
{
    return mode == NB_STAMP_AUTH ? NB_STAMP_AUTH_BASE_LEN : NB_STAMP_BASE_LEN;
}

static bool key_usable(const struct nb_stamp_key *key)
{
    return key && key->len > 0 && key->len <= NB_STAMP_KEY_MAX;
}

/* HMAC-SHA-256 of PKT[0, 96) with KEY, truncated into MAC[16]. Returns false if
 * the key is unusable or OpenSSL fails. */
static bool stamp_hmac(const struct nb_stamp_key *key, const uint8_t *pkt,
                       uint8_t mac[NB_STAMP_HMAC_LEN])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (!key_usable(key))
        return false;
    if (!HMAC(EVP_sha256(), key->key, (int)key->len, pkt, NB_STAMP_HMAC_COVERED, md, &md_len) ||
        md_len < NB_STAMP_HMAC_LEN)
        return false;
    memcpy(mac, md, NB_STAMP_HMAC_LEN);
    return true;
}

/* Checks the sizes an encoder is asked for and returns the packet length, or 0
 * if the packet cannot be built (no room, too long, no key in auth mode). */
static size_t encode_check(size_t cap, enum nb_stamp_mode mode, const struct nb_stamp_key *key,
                           const uint8_t *tlv, size_t tlv_len)
{
    size_t base = base_len(mode);
    if (mode == NB_STAMP_AUTH && !key_usable(key))
        return 0;
    if (tlv_len > NB_STAMP_MAX_LEN - base || (tlv_len > 0 && !tlv))
        return 0;
    if (cap < base + tlv_len)
        return 0;
    return base + tlv_len;
}

/* Appends the TLV bytes after the base layout and, in authenticated mode, writes
 * the HMAC. Returns LEN, or 0 if the HMAC could not be computed. */
static size_t encode_finish(uint8_t *buf, size_t len, enum nb_stamp_mode mode,
                            const struct nb_stamp_key *key, const uint8_t *tlv, size_t tlv_len)
{
    if (tlv_len > 0)
        memmove(buf + base_len(mode), tlv, tlv_len); /* TLVs may be built in place */
    if (mode == NB_STAMP_AUTH && !stamp_hmac(key, buf, buf + A_HMAC))
        return 0;
    return len;
}

size_t nb_stamp_encode_test(uint8_t *buf, size_t cap, enum nb_stamp_mode mode,
                            const struct nb_stamp_key *key, const struct nb_stamp_test *t,
                            const uint8_t *tlv, size_t tlv_len)
{
    size_t len = encode_check(cap, mode, key, tlv, tlv_len);
    if (len == 0 || !buf || !t)
        return 0;
    const struct layout *L = layout_of(mode);
    memset(buf, 0, base_len(mode)); /* every MBZ field */
    nb_put_be32(buf + L->seq, t->seq);
    nb_put_be64(buf + L->ts, t->ts);
    nb_put_be16(buf + L->errest, t->errest);
    nb_put_be16(buf + L->ssid, t->ssid);
    return encode_finish(buf, len, mode, key, tlv, tlv_len);
}

size_t nb_stamp_encode_reflected(uint8_t *buf, size_t cap, enum nb_stamp_mode mode,
                                 const struct nb_stamp_key *key, const struct nb_stamp_reflected *r,
                                 const uint8_t *tlv, size_t tlv_len)
{
    size_t len = encode_check(cap, mode, key, tlv, tlv_len);
    if (len == 0 || !buf || !r)
        return 0;
    const struct layout *L = layout_of(mode);
    memset(buf, 0, base_len(mode)); /* every MBZ field */
    nb_put_be32(buf + L->seq, r->seq);
    nb_put_be64(buf + L->ts, r->ts);
    nb_put_be16(buf + L->errest, r->errest);
    nb_put_be16(buf + L->ssid, r->ssid);
    nb_put_be64(buf + L->rx_ts, r->rx_ts);
    nb_put_be32(buf + L->ss_seq, r->ss_seq);
    nb_put_be64(buf + L->ss_ts, r->ss_ts);
    nb_put_be16(buf + L->ss_errest, r->ss_errest);
    buf[L->ss_ttl] = r->ss_ttl;
    return encode_finish(buf, len, mode, key, tlv, tlv_len);
}

static void tlvs_reset(struct nb_stamp_tlvs *t)
{
    t->n = 0;
    t->dropped = 0;
    t->malformed = false;
    t->malformed_off = 0;
}

/* The checks both decoders share, in contract order: length, then HMAC. */
static enum nb_stamp_err decode_check(const uint8_t *buf, size_t len, enum nb_stamp_mode mode,
                                      const struct nb_stamp_key *key)
{
    if (len < base_len(mode) || !buf)
        return NB_STAMP_E_SHORT;
    if (len > NB_STAMP_MAX_LEN)
        return NB_STAMP_E_LONG;
    if (mode == NB_STAMP_AUTH) {
        uint8_t mac[NB_STAMP_HMAC_LEN];
        if (!stamp_hmac(key, buf, mac) || CRYPTO_memcmp(mac, buf + A_HMAC, NB_STAMP_HMAC_LEN) != 0)
            return NB_STAMP_E_HMAC;
    }
    return NB_STAMP_OK;
}

/* Last steps of both decoders: reject an invalid Error Estimate (the field the
 * packet's own originator wrote), then parse the TLV area if asked to. */
static enum nb_stamp_err decode_finish(const uint8_t *buf, size_t len, enum nb_stamp_mode mode,
                                       uint16_t errest, struct nb_stamp_tlvs *tlvs)
{
    if ((errest & ERREST_MULT_MASK) == 0)
        return NB_STAMP_E_ERREST;
    if (!tlvs)
        return NB_STAMP_OK;
    return nb_stamp_parse_tlvs(buf + base_len(mode), len - base_len(mode), tlvs);
}

enum nb_stamp_err nb_stamp_decode_test(const uint8_t *buf, size_t len, enum nb_stamp_mode mode,
                                       const struct nb_stamp_key *key, struct nb_stamp_test *out,
                                       struct nb_stamp_tlvs *tlvs)
{
    if (tlvs)
        tlvs_reset(tlvs);
    enum nb_stamp_err e = decode_check(buf, len, mode, key);
    if (e != NB_STAMP_OK)
        return e;
    const struct layout *L = layout_of(mode);
    struct nb_stamp_test t;
    t.seq = nb_get_be32(buf + L->seq);
    t.ts = nb_get_be64(buf + L->ts);
    t.errest = nb_get_be16(buf + L->errest);
    t.ssid = nb_get_be16(buf + L->ssid);
    if (out)
        *out = t;
    return decode_finish(buf, len, mode, t.errest, tlvs);
}

enum nb_stamp_err nb_stamp_decode_reflected(const uint8_t *buf, size_t len, enum nb_stamp_mode mode,
                                            const struct nb_stamp_key *key,
                                            struct nb_stamp_reflected *out,
                                            struct nb_stamp_tlvs *tlvs)
{
    if (tlvs)
        tlvs_reset(tlvs);
    enum nb_stamp_err e = decode_check(buf, len, mode, key);
    if (e != NB_STAMP_OK)
        return e;
    const struct layout *L = layout_of(mode);
    struct nb_stamp_reflected r;
    r.seq = nb_get_be32(buf + L->seq);
    r.ts = nb_get_be64(buf + L->ts);
    r.errest = nb_get_be16(buf + L->errest);
    r.ssid = nb_get_be16(buf + L->ssid);
    r.rx_ts = nb_get_be64(buf + L->rx_ts);
    r.ss_seq = nb_get_be32(buf + L->ss_seq);
    r.ss_ts = nb_get_be64(buf + L->ss_ts);
    r.ss_errest = nb_get_be16(buf + L->ss_errest);
    r.ss_ttl = buf[L->ss_ttl];
    if (out)
        *out = r;
    /* ss_errest is the sender's field copied back: not ours to judge. */
    return decode_finish(buf, len, mode, r.errest, tlvs);
}

/* Length of the well-formed TLV at OFF of AREA (header + value), or 0 if its
 * header or value would run past LEN. */
static size_t tlv_span(const uint8_t *area, size_t len, size_t off)
{
    if (off >= len || len - off < TLV_HDR_LEN)
        return 0;
    size_t vlen = nb_get_be16(area + off + 2);
    if (vlen > len - off - TLV_HDR_LEN)
        return 0;
    return TLV_HDR_LEN + vlen;
}

enum nb_stamp_err nb_stamp_parse_tlvs(const uint8_t *area, size_t len, struct nb_stamp_tlvs *out)
{
    tlvs_reset(out);
    size_t off = 0;
    while (off < len) {
        size_t span = tlv_span(area, len, off);
        if (span == 0) {
            out->malformed = true;
            out->malformed_off = off;
            return NB_STAMP_E_TLV;
        }
        if (out->n < NB_STAMP_MAX_TLVS) {
            struct nb_stamp_tlv *t = &out->tlv[out->n++];
            t->flags = area[off];
            t->type = area[off + 1];
            t->len = (uint16_t)(span - TLV_HDR_LEN);
            t->value = area + off + TLV_HDR_LEN;
        } else {
            out->dropped++;
        }
        off += span;
    }
    return NB_STAMP_OK;
}

/* ---- TLV writer ---- */

void nb_tlv_writer_init(struct nb_tlv_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->overflow = false;
}

/* Reserves a TLV of value length VLEN and returns its value bytes, or NULL (and
 * sets .overflow) if it does not fit. */
static uint8_t *tlv_reserve(struct nb_tlv_writer *w, uint8_t flags, uint8_t type, uint16_t vlen)
{
    if (w->overflow || w->len > w->cap || w->cap - w->len < (size_t)TLV_HDR_LEN + vlen) {
        w->overflow = true;
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    p[0] = flags;
    p[1] = type;
    nb_put_be16(p + 2, vlen);
    w->len += TLV_HDR_LEN + (size_t)vlen;
    return p + TLV_HDR_LEN;
}

void nb_tlv_put(struct nb_tlv_writer *w, uint8_t flags, uint8_t type, const void *value,
                uint16_t len)
{
    uint8_t *v = tlv_reserve(w, flags, type, len);
    if (!v || len == 0)
        return;
    if (value)
        memcpy(v, value, len);
    else
        memset(v, 0, len);
}

/* Reserves a netblame TLV (sender flags) with subtype SUB and value length VLEN,
 * writes its magic/subtype/reserved header and returns the payload, or NULL. */
static uint8_t *nbtlv_reserve(struct nb_tlv_writer *w, uint8_t sub, uint16_t vlen)
{
    uint8_t *v = tlv_reserve(w, NB_TLV_F_U, NB_TLV_NETBLAME, vlen);
    if (!v)
        return NULL;
    memset(v, 0, vlen);
    nb_put_be32(v, NB_TLV_MAGIC);
    v[4] = sub;
    return v + NBTLV_HDR_LEN;
}

void nb_tlv_put_probe_id(struct nb_tlv_writer *w, uint64_t probe_id)
{
    uint8_t *p = nbtlv_reserve(w, NB_SUB_PROBE_ID, NBTLV_PROBE_ID_LEN);
    if (p)
        nb_put_be64(p, probe_id);
}

void nb_tlv_put_timestamp_info(struct nb_tlv_writer *w, uint8_t sync_in, uint8_t method_in,
                               uint8_t sync_out, uint8_t method_out)
{
    uint8_t *v = tlv_reserve(w, NB_TLV_F_U, NB_TLV_TIMESTAMP_INFO, TSINFO_LEN);
    if (!v)
        return;
    v[0] = sync_in;
    v[1] = method_in;
    v[2] = sync_out;
    v[3] = method_out;
}

/* Writes the 20-byte host-agent payload: family(1) | reserved(1) | port(2) |
 * addr(16); family 0 (or an address we cannot read) gives all zeroes. */
static void agent_payload(uint8_t *p, int family, const void *addr, uint16_t port)
{
    memset(p, 0, 20);
    if ((family != 4 && family != 6) || !addr)
        return;
    p[0] = (uint8_t)family;
    nb_put_be16(p + 2, port);
    memcpy(p + 4, addr, family == 4 ? 4 : 16);
}

void nb_tlv_put_host_agent(struct nb_tlv_writer *w, int family, const void *addr, uint16_t port)
{
    /* Anything but a request (0) or a readable IPv4/IPv6 address is a caller
     * bug: fail the writer rather than put a TLV that lies. */
    if (family != 0 && ((family != 4 && family != 6) || !addr)) {
        w->overflow = true;
        return;
    }
    uint8_t *p = nbtlv_reserve(w, NB_SUB_HOST_AGENT, NBTLV_AGENT_LEN);
    if (p)
        agent_payload(p, family, addr, port);
}

/* ---- TLV readers ---- */

/* Payload of the first usable netblame TLV of subtype SUB with value length
 * VLEN in T (M or I flag set: not usable), or NULL. */
static const uint8_t *nbtlv_find(const struct nb_stamp_tlvs *t, uint8_t sub, uint16_t vlen)
{
    if (!t)
        return NULL;
    for (size_t i = 0; i < t->n && i < NB_STAMP_MAX_TLVS; i++) {
        const struct nb_stamp_tlv *x = &t->tlv[i];
        if (x->type != NB_TLV_NETBLAME || x->len != vlen || !x->value)
            continue;
        if (x->flags & (NB_TLV_F_M | NB_TLV_F_I))
            continue;
        if (nb_get_be32(x->value) == NB_TLV_MAGIC && x->value[4] == sub)
            return x->value + NBTLV_HDR_LEN;
    }
    return NULL;
}

bool nb_tlv_get_probe_id(const struct nb_stamp_tlvs *t, uint64_t *probe_id)
{
    const uint8_t *p = nbtlv_find(t, NB_SUB_PROBE_ID, NBTLV_PROBE_ID_LEN);
    if (!p)
        return false;
    if (probe_id)
        *probe_id = nb_get_be64(p);
    return true;
}

bool nb_tlv_get_host_agent(const struct nb_stamp_tlvs *t, int *family, uint8_t addr[16],
                           uint16_t *port)
{
    const uint8_t *p = nbtlv_find(t, NB_SUB_HOST_AGENT, NBTLV_AGENT_LEN);
    if (!p || (p[0] != 4 && p[0] != 6))
        return false; /* absent, or a request nobody answered (family 0) */
    if (family)
        *family = p[0];
    if (port)
        *port = nb_get_be16(p + 2);
    if (addr) {
        memset(addr, 0, 16);
        memcpy(addr, p + 4, p[0] == 4 ? 4 : 16);
    }
    return true;
}

/* ---- session-reflector TLV processing ---- */

enum tlv_verdict { TLV_ANSWERED, TLV_UNKNOWN, TLV_MALFORMED };

/* Answers one TLV in place: V is its value (VLEN bytes) in the reply. Returns
 * what the reflector made of it, which decides the flags. */
static enum tlv_verdict reflect_one(uint8_t type, uint8_t *v, uint16_t vlen,
                                    const struct nb_reflect_info *info)
{
    if (type >= TLV_PRIVATE_FIRST && type <= TLV_PRIVATE_LAST && vlen < 4)
        return TLV_MALFORMED; /* RFC 8972 §4: Private Use values carry a 4-octet prefix */
    switch (type) {
    case NB_TLV_EXTRA_PADDING:
        return TLV_ANSWERED;
    case NB_TLV_TIMESTAMP_INFO:
        if (vlen < TSINFO_LEN)
            return TLV_MALFORMED;
        /* Octets past the first four (optional sub-TLVs) are copied as received. */
        v[0] = info ? info->sync_src : 0;
        v[1] = info ? info->method : 0;
        v[2] = info ? info->sync_src : 0;
        v[3] = info ? info->method : 0;
        return TLV_ANSWERED;
    case NB_TLV_NETBLAME:
        if (nb_get_be32(v) != NB_TLV_MAGIC)
            return TLV_UNKNOWN; /* someone else's private TLV */
        if (vlen < NBTLV_HDR_LEN)
            return TLV_MALFORMED;
        if (v[4] == NB_SUB_PROBE_ID)
            return vlen == NBTLV_PROBE_ID_LEN ? TLV_ANSWERED : TLV_MALFORMED;
        if (v[4] == NB_SUB_HOST_AGENT) {
            if (vlen != NBTLV_AGENT_LEN)
                return TLV_MALFORMED;
            if (info)
                agent_payload(v + NBTLV_HDR_LEN, info->agent_family, info->agent_addr,
                              info->agent_port);
            else
                agent_payload(v + NBTLV_HDR_LEN, 0, NULL, 0);
            return TLV_ANSWERED;
        }
        return TLV_UNKNOWN;
    default:
        return TLV_UNKNOWN;
    }
}

/* True if PARSED describes TLV number I at OFF (TYPE, VLEN) of the area. */
static bool parsed_matches(const struct nb_stamp_tlvs *parsed, size_t i, uint8_t type,
                           uint16_t vlen)
{
    if (i < parsed->n && i < NB_STAMP_MAX_TLVS)
        return parsed->tlv[i].type == type && parsed->tlv[i].len == vlen;
    return parsed->n == NB_STAMP_MAX_TLVS && i - parsed->n < parsed->dropped;
}

size_t nb_stamp_reflect_tlvs(const uint8_t *in, size_t in_len, const struct nb_stamp_tlvs *parsed,
                             uint8_t *out, size_t cap, const struct nb_reflect_info *info)
{
    if (in_len == 0)
        return 0;
    if (!in || !out || !parsed || cap < in_len)
        return 0;
    /* Work on the copy only, so IN and OUT may be the same buffer. Everything not
     * answered below (the remainder after a malformed TLV) stays as received. */
    memmove(out, in, in_len);

    size_t off = 0;
    for (size_t i = 0; off < in_len; i++) {
        size_t span = tlv_span(out, in_len, off);
        if (span == 0) {
            /* The area ends inside this TLV (RFC 8972 §4: malformed). */
            if (!parsed->malformed || parsed->malformed_off != off)
                return 0;
            out[off] |= NB_TLV_F_M;
            return in_len;
        }
        uint8_t type = out[off + 1];
        uint16_t vlen = (uint16_t)(span - TLV_HDR_LEN);
        if (!parsed_matches(parsed, i, type, vlen))
            return 0;
        if (i >= NB_STAMP_MAX_TLVS) {
            out[off] = NB_TLV_F_U; /* past our TLV budget: not processed */
            off += span;
            continue;
        }
        switch (reflect_one(type, out + off + TLV_HDR_LEN, vlen, info)) {
        case TLV_ANSWERED:
            out[off] = 0;
            break;
        case TLV_UNKNOWN:
            out[off] = NB_TLV_F_U;
            break;
        case TLV_MALFORMED:
            /* Understood type, invalid length: processing stops here and the rest
             * goes back as received (RFC 8972 §4). */
            out[off] = NB_TLV_F_M;
            return in_len;
        }
        off += span;
    }
    if (parsed->malformed)
        return 0; /* PARSED saw a malformed TLV that IN does not have */
    return in_len;
}
