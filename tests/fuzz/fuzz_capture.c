/* fuzz_capture.c — libFuzzer target for the capture parser (capture.c): any
 * bytes as a captured DLT_LINUX_SLL2 frame, STAMP port 862, app source
 * ports 61000-61255. The parser must
 * never read past the input (ASan), must leave *OUT alone when it says no,
 * and what it accepts must be consistent with the frame: a kind and direction
 * from the enums, the direction from the SLL2 packet type, the ifindex from
 * the SLL2 header, role and ifname left empty. Any violation abort()s. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static const struct nb_capture_cfg CFG = {
    .stamp_port = 862, .app_port_first = 61000, .app_port_last = 61255};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nb_sighting s, before;
    memset(&s, 0x5a, sizeof(s));
    before = s;
    int rc = nb_capture_parse_sll2(data, size, &CFG, &s);
    CHECK(rc == 0 || rc == -1);
    if (rc != 0) {
        CHECK(memcmp(&s, &before, sizeof(s)) == 0);
        return 0;
    }
    CHECK(size >= 20 + 20 + 8);
    CHECK(s.kind == NB_PKT_TEST || s.kind == NB_PKT_REPLY);
    CHECK(s.proto == NB_PROTO_STAMP || s.proto == NB_PROTO_TCP);
    if (s.proto == NB_PROTO_TCP) { /* the guest port, in the range, is in the id */
        unsigned gport = (unsigned)(s.probe_id >> 16) & 0xffff;
        CHECK(size >= 20 + 20 + 20 && gport >= 61000 && gport <= 61255);
    }
    CHECK(s.dir == (data[10] == 4 ? NB_DIR_OUT : NB_DIR_IN));
    uint32_t ifindex =
        (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 | (uint32_t)data[6] << 8 | data[7];
    CHECK(s.ifindex > 0 && (uint32_t)s.ifindex == ifindex);
    CHECK(s.role == 0);
    for (size_t i = 0; i < sizeof(s.ifname); i++)
        CHECK(s.ifname[i] == 0);
    CHECK(s.ts == 0);

    /* deterministic, and the same answer from a copy that ends exactly at SIZE */
    struct nb_sighting again;
    uint8_t *copy = malloc(size);
    CHECK(copy != NULL);
    memcpy(copy, data, size);
    CHECK(nb_capture_parse_sll2(copy, size, &CFG, &again) == 0);
    free(copy);
    CHECK(again.probe_id == s.probe_id && again.kind == s.kind && again.dir == s.dir &&
          again.proto == s.proto && again.ifindex == s.ifindex);
    return 0;
}
