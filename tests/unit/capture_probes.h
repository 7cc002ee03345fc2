/* capture_probes.h — what the capture tests (test_capture.c, the parser;
 * test_capture_live.c, real packets) both build: the capture's config (the
 * STAMP port and the app probes' reserved source ports) and STAMP packets
 * carrying a netblame probe id. */
#ifndef NB_TEST_CAPTURE_PROBES_H
#define NB_TEST_CAPTURE_PROBES_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "netblame/capture.h"
#include "netblame/stamp.h"

#define PORT 862
#define APP_FIRST 61000
#define APP_LAST 61255
static const struct nb_capture_cfg CFG = {
    .stamp_port = PORT, .app_port_first = APP_FIRST, .app_port_last = APP_LAST};

static const struct nb_stamp_key KEY = {.key = "netblame capture key", .len = 20};

/* A STAMP packet: test or reflected, in MODE, with the probe-id TLV first (if
 * WITH_ID) then a Timestamp Information TLV. Returns its length. */
static inline size_t stamp(uint8_t *buf, size_t cap, enum nb_stamp_mode mode, bool reflected,
                           bool with_id, uint64_t id)
{
    uint8_t tlv[64];
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, tlv, sizeof(tlv));
    if (with_id)
        nb_tlv_put_probe_id(&w, id);
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0);
    assert_false(w.overflow);
    size_t n;
    if (reflected) {
        struct nb_stamp_reflected r = {.seq = 1,
                                       .ts = 0x0102030405060708ULL,
                                       .errest = 1,
                                       .ssid = 7,
                                       .rx_ts = 0x1112131415161718ULL,
                                       .ss_seq = 1,
                                       .ss_ts = 0x2122232425262728ULL,
                                       .ss_errest = 1,
                                       .ss_ttl = 64};
        n = nb_stamp_encode_reflected(buf, cap, mode, &KEY, &r, tlv, w.len);
    } else {
        struct nb_stamp_test t = {.seq = 1, .ts = 0x0102030405060708ULL, .errest = 1, .ssid = 7};
        n = nb_stamp_encode_test(buf, cap, mode, &KEY, &t, tlv, w.len);
    }
    assert_true(n > 0);
    return n;
}

#endif
