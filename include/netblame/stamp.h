/* stamp.h — STAMP (RFC 8762) wire format with RFC 8972 TLVs. Pure: no I/O,
 * no clocks; encoders write into caller buffers, decoders never read a byte
 * past LEN and point TLV values into the caller's buffer (no copies).
 *
 * Layouts (offsets in bytes, all big-endian):
 *  session-sender, unauthenticated (44 + TLVs):
 *    0 seq(4) | 4 timestamp(8) | 12 errest(2) | 14 SSID(2, RFC 8972) | 16 MBZ(28) | 44 TLVs
 *  session-reflector, unauthenticated (44 + TLVs):
 *    0 seq(4) | 4 timestamp T3(8) | 12 errest(2) | 14 SSID(2) | 16 receive T2(8)
 *    | 24 sender seq(4) | 28 sender timestamp(8) | 36 sender errest(2) | 38 MBZ(2)
 *    | 40 sender TTL(1) | 41 MBZ(3) | 44 TLVs
 *  session-sender, authenticated (112 + TLVs):
 *    0 seq(4) | 4 MBZ(12) | 16 timestamp(8) | 24 errest(2) | 26 SSID(2) | 28 MBZ(68)
 *    | 96 HMAC(16) | 112 TLVs
 *  session-reflector, authenticated (112 + TLVs):
 *    0 seq(4) | 4 MBZ(12) | 16 timestamp(8) | 24 errest(2) | 26 SSID(2) | 28 MBZ(4)
 *    | 32 receive(8) | 40 MBZ(8) | 48 sender seq(4) | 52 MBZ(12) | 64 sender ts(8)
 *    | 72 sender errest(2) | 74 MBZ(6) | 80 sender TTL(1) | 81 MBZ(15) | 96 HMAC(16) | 112 TLVs
 *  The HMAC is HMAC-SHA-256 truncated to 16 bytes over bytes [0, 96).
 *
 * TLV (RFC 8972 §4): flags(1: U=0x80 M=0x40 I=0x20) | type(1) | length(2, value
 * bytes only) | value. */
#ifndef NETBLAME_STAMP_H
#define NETBLAME_STAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NB_STAMP_PORT 862
#define NB_STAMP_BASE_LEN 44
#define NB_STAMP_AUTH_BASE_LEN 112
#define NB_STAMP_HMAC_LEN 16
#define NB_STAMP_HMAC_COVERED 96
#define NB_STAMP_MAX_LEN 9000 /* largest packet we build or accept (jumbo frame payload) */
#define NB_STAMP_MAX_TLVS 32  /* TLVs past this are counted, not parsed */
#define NB_STAMP_KEY_MAX 64

/* TLV flags (RFC 8972 §4.1) */
#define NB_TLV_F_U 0x80 /* unrecognized: sender sets it, reflector clears it if understood */
#define NB_TLV_F_M 0x40 /* malformed */
#define NB_TLV_F_I 0x20 /* integrity check failed */

/* TLV types (IANA "STAMP TLV Types") */
enum nb_tlv_type {
    NB_TLV_EXTRA_PADDING = 1,
    NB_TLV_LOCATION = 2,
    NB_TLV_TIMESTAMP_INFO = 3,
    NB_TLV_COS = 4,
    NB_TLV_DIRECT_MEASUREMENT = 5,
    NB_TLV_ACCESS_REPORT = 6,
    NB_TLV_FOLLOWUP_TELEMETRY = 7,
    NB_TLV_HMAC = 8,
    /* Private-use range: netblame's own TLV. Value starts with NB_TLV_MAGIC so a
     * foreign TLV of the same type is never mistaken for ours. RFC 8972 §4 wants
     * a vendor's SMI Private Enterprise Code in these four octets; netblame has
     * none, and "NBLM" (1313033293) lies far outside the assigned range. */
    NB_TLV_NETBLAME = 252,
};
#define NB_TLV_MAGIC 0x4e424c4du /* "NBLM" */

/* netblame TLV value: magic(4) | subtype(1) | reserved(3) | payload */
enum nb_tlv_sub {
    NB_SUB_PROBE_ID = 1,   /* payload: uint64 probe id (8 bytes) */
    NB_SUB_HOST_AGENT = 2, /* payload: family(1: 0|4|6) | reserved(1) | port(2) | addr(16) */
};

/* Timestamp Information TLV (RFC 8972 §4.3) values */
enum nb_sync_src { NB_SYNC_NTP = 1, NB_SYNC_PTP = 2, NB_SYNC_SSU = 3, NB_SYNC_GPS = 4, NB_SYNC_FREE = 5 };
enum nb_ts_method { NB_TSM_HW = 1, NB_TSM_SW = 2, NB_TSM_CONTROL_PLANE = 3 };

enum nb_stamp_mode { NB_STAMP_UNAUTH = 0, NB_STAMP_AUTH = 1 };

/* Decode results. Names are stable: they label netblame_stamp_malformed_total{reason}. */
enum nb_stamp_err {
    NB_STAMP_OK = 0,
    NB_STAMP_E_SHORT,    /* shorter than the base layout of the mode */
    NB_STAMP_E_LONG,     /* longer than NB_STAMP_MAX_LEN */
    NB_STAMP_E_HMAC,     /* authenticated mode: HMAC mismatch (or no key) */
    NB_STAMP_E_TLV,      /* TLV area malformed: a length runs past the packet */
    NB_STAMP_E_ERREST,   /* error estimate with multiplier 0 (RFC 4656: invalid) */
    NB_STAMP_E__COUNT
};
const char *nb_stamp_err_name(enum nb_stamp_err e);

struct nb_stamp_key {
    uint8_t key[NB_STAMP_KEY_MAX];
    size_t len; /* 0: no key */
};

struct nb_stamp_tlv {
    uint8_t flags;
    uint8_t type;
    uint16_t len;         /* value length */
    const uint8_t *value; /* points into the decoded buffer */
};

struct nb_stamp_tlvs {
    size_t n;                               /* parsed, <= NB_STAMP_MAX_TLVS */
    size_t dropped;                         /* well-formed TLVs past NB_STAMP_MAX_TLVS */
    bool malformed;                         /* a length ran past the end: parsing stopped */
    size_t malformed_off;                   /* offset of that TLV within the TLV area */
    struct nb_stamp_tlv tlv[NB_STAMP_MAX_TLVS];
};

/* Session-sender test packet. */
struct nb_stamp_test {
    uint32_t seq;
    uint64_t ts; /* NTP format */
    uint16_t errest;
    uint16_t ssid;
};

/* Session-reflector packet. */
struct nb_stamp_reflected {
    uint32_t seq;    /* reflector's own sequence (stateful) or the sender's (stateless) */
    uint64_t ts;     /* T3: reflector transmit, NTP */
    uint16_t errest;
    uint16_t ssid;
    uint64_t rx_ts;  /* T2: reflector receive, NTP */
    uint32_t ss_seq; /* copied from the test packet */
    uint64_t ss_ts;  /* T1 as written by the sender, NTP */
    uint16_t ss_errest;
    uint8_t ss_ttl;  /* TTL / hop limit the test packet arrived with */
};

/* Encoders: write the base layout of MODE plus TLV bytes (already built with
 * nb_tlv_put*) into BUF; in authenticated mode compute the HMAC with KEY.
 * Return the packet length, or 0 if CAP is too small, KEY missing for
 * authenticated mode, or the result would exceed NB_STAMP_MAX_LEN. */
size_t nb_stamp_encode_test(uint8_t *buf, size_t cap, enum nb_stamp_mode mode,
                            const struct nb_stamp_key *key, const struct nb_stamp_test *t,
                            const uint8_t *tlv, size_t tlv_len);
size_t nb_stamp_encode_reflected(uint8_t *buf, size_t cap, enum nb_stamp_mode mode,
                                 const struct nb_stamp_key *key, const struct nb_stamp_reflected *r,
                                 const uint8_t *tlv, size_t tlv_len);

/* Decoders: check length first, then HMAC (authenticated mode), then parse TLVs.
 * TLVS may be NULL (TLVs then not parsed). A TLV area with a bad length gives
 * NB_STAMP_E_TLV but *OUT and the TLVs before the bad one are still filled, so a
 * reflector can answer with the M flag as RFC 8972 asks. */
enum nb_stamp_err nb_stamp_decode_test(const uint8_t *buf, size_t len, enum nb_stamp_mode mode,
                                       const struct nb_stamp_key *key, struct nb_stamp_test *out,
                                       struct nb_stamp_tlvs *tlvs);
enum nb_stamp_err nb_stamp_decode_reflected(const uint8_t *buf, size_t len, enum nb_stamp_mode mode,
                                            const struct nb_stamp_key *key,
                                            struct nb_stamp_reflected *out,
                                            struct nb_stamp_tlvs *tlvs);

/* Parse a TLV area (bytes after the base layout). Returns NB_STAMP_OK or NB_STAMP_E_TLV. */
enum nb_stamp_err nb_stamp_parse_tlvs(const uint8_t *area, size_t len, struct nb_stamp_tlvs *out);

/* TLV writer: appends to BUF; any overflow sets .overflow and writes nothing more.
 * nb_tlv_put with VALUE NULL writes LEN zero bytes. The nb_tlv_put_* helpers write
 * session-sender TLVs, so they set the U flag as RFC 8972 §4 requires of a sender. */
struct nb_tlv_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
};
void nb_tlv_writer_init(struct nb_tlv_writer *w, uint8_t *buf, size_t cap);
void nb_tlv_put(struct nb_tlv_writer *w, uint8_t flags, uint8_t type, const void *value,
                uint16_t len);
void nb_tlv_put_probe_id(struct nb_tlv_writer *w, uint64_t probe_id);
/* Timestamp Information TLV: sync source and method for the reflector's in/out stamps.
 * A sender puts it with zeroes; the reflector fills it in its reply. */
void nb_tlv_put_timestamp_info(struct nb_tlv_writer *w, uint8_t sync_in, uint8_t method_in,
                               uint8_t sync_out, uint8_t method_out);
/* Host-agent TLV: FAMILY 4 or 6, ADDR 4 or 16 bytes in network order, PORT host order.
 * Always written with a 16-byte address field (IPv4 in the first 4), so the same
 * TLV size serves as a request (family 0) and as an answer. Any other FAMILY, or
 * ADDR NULL with 4 or 6, sets .overflow. */
void nb_tlv_put_host_agent(struct nb_tlv_writer *w, int family, const void *addr, uint16_t port);

/* Readers over parsed TLVs: return true and fill the out parameter when found.
 * TLVs flagged M or I are skipped; a host-agent request (family 0) is not found. */
bool nb_tlv_get_probe_id(const struct nb_stamp_tlvs *t, uint64_t *probe_id);
bool nb_tlv_get_host_agent(const struct nb_stamp_tlvs *t, int *family, uint8_t addr[16],
                           uint16_t *port);

/* What a reflector knows about itself, used to answer TLVs. */
struct nb_reflect_info {
    uint8_t sync_src;     /* enum nb_sync_src of the reflector's clock */
    uint8_t method;       /* enum nb_ts_method of its T2/T3 */
    int agent_family;     /* 0: no host agent known; else 4 or 6 */
    uint8_t agent_addr[16];
    uint16_t agent_port;  /* host order */
};

/* Session-reflector TLV processing (RFC 8972 §4): build the reply's TLV area from the
 * test packet's TLV area IN (IN_LEN bytes, already parsed into PARSED), same total
 * length, so reply and test packet have equal size.
 *  - Timestamp Information: filled with INFO's sync source and method (in and out).
 *  - netblame probe-id TLV, Extra Padding: echoed.
 *  - netblame host-agent TLV: a sender sends it zeroed as a request (family 0, room
 *    for IPv6); the reflector fills in INFO's host agent if known, else echoes zeroes.
 *  - unrecognised types (and netblame TLVs without our magic): copied, U flag set.
 *    TLVs handled above go back with U, M and I clear (RFC 8972 §4).
 *  - malformed area: TLVs before the bad offset handled as above; the rest copied
 *    as-is with the M flag set on the TLV header at the bad offset. A TLV of a type
 *    we handle whose length is wrong for it (Timestamp Information < 4, netblame
 *    subtypes != their size, Private Use < 4) is malformed the same way (RFC 8972 §4).
 *  - TLVs past NB_STAMP_MAX_TLVS: copied, U flag set (not processed).
 * IN and OUT may be the same buffer.
 * Returns bytes written (== IN_LEN), or 0 if CAP < IN_LEN or PARSED does not
 * describe IN. */
size_t nb_stamp_reflect_tlvs(const uint8_t *in, size_t in_len, const struct nb_stamp_tlvs *parsed,
                             uint8_t *out, size_t cap, const struct nb_reflect_info *info);

#endif
