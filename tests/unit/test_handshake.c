/* test_handshake.c — app probes' handshakes on the observation points
 * (handshake.c): a clean handshake splits into the segments exactly, the
 * server's kernel turnaround lands in remote_virtual and remote_app stays
 * unknown; sightings of other handshakes (other ends, other times, STAMP)
 * are kept out; retransmitted and unanswered SYNs are located by the point
 * where copies went missing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "netblame/handshake.h"

#define ID 0xc612000bee480050ULL /* 198.18.0.11:61000 -> :80 */
#define US 1000                  /* ns */

#define ISN 0x1234567u

static struct nb_sighting sight(uint64_t id, int kind, int role, int dir, nb_ns ts)
{
    struct nb_sighting s = {.probe_id = id, .ts = ts, .kind = (uint8_t)kind,
                            .role = (uint8_t)role, .dir = (uint8_t)dir, .proto = NB_PROTO_TCP,
                            .isn = ISN};
    return s;
}

/* The guest's host: SYN in by the tap, out by the NIC; SYN-ACK the other way. */
static size_t local_side(struct nb_sighting *s, uint64_t id, nb_ns base)
{
    size_t n = 0;
    s[n++] = sight(id, NB_PKT_TEST, NB_IF_TAP, NB_DIR_IN, base + 100 * US);
    s[n++] = sight(id, NB_PKT_TEST, NB_IF_NIC, NB_DIR_OUT, base + 110 * US);
    s[n++] = sight(id, NB_PKT_REPLY, NB_IF_NIC, NB_DIR_IN, base + 310 * US);
    s[n++] = sight(id, NB_PKT_REPLY, NB_IF_TAP, NB_DIR_OUT, base + 320 * US);
    return n;
}

/* The server's host, on its own clock. */
static size_t remote_side(struct nb_sighting *s, uint64_t id, nb_ns base)
{
    size_t n = 0;
    s[n++] = sight(id, NB_PKT_TEST, NB_IF_NIC, NB_DIR_IN, base + 1000 * US);
    s[n++] = sight(id, NB_PKT_TEST, NB_IF_TAP, NB_DIR_OUT, base + 1010 * US);
    s[n++] = sight(id, NB_PKT_REPLY, NB_IF_TAP, NB_DIR_IN, base + 1050 * US);
    s[n++] = sight(id, NB_PKT_REPLY, NB_IF_NIC, NB_DIR_OUT, base + 1060 * US);
    return n;
}

static const nb_ns T0 = 1764000000000000000LL;

static struct nb_handshake clean(void)
{
    return (struct nb_handshake){.id = ID, .established = true, .have_rtt = true,
                                 .rtt = 400 * US, .syn_sent = 1, .from = T0 - 1000000000LL,
                                 .to = T0 + 5000000000LL};
}

static void test_clean_handshake_splits_exactly(void **state)
{
    struct nb_handshake h = clean();
    struct nb_hs_tally t = {0};
    struct nb_sighting s[16];
    size_t n = local_side(s, ID, T0);
    nb_handshake_tally(&h, &t, 1, s, n, 1);
    n = remote_side(s, ID, T0 + 7 * 1000000LL); /* 7 ms clock offset: irrelevant */
    nb_handshake_tally(&h, &t, 1, s, n, 0);
    struct nb_waterfall w;
    nb_handshake_waterfall(&h, &t, 1, &w);
    assert_int_equal(w.answered, 1);
    assert_int_equal(w.lost, 0);
    static const double want[NB_SEG__COUNT] = {180, 20, 140, 20, 40, -1};
    for (int i = 0; i < NB_SEG__COUNT; i++) {
        if (want[i] < 0) {
            assert_int_equal(w.seg[i].known, 0); /* remote_app: a kernel answers SYNs */
            continue;
        }
        assert_int_equal(w.seg[i].known, 1);
        assert_true(w.seg[i].p50 == want[i] * US);
    }
}

static void test_foreign_sightings_ignored(void **state)
{
    struct nb_handshake h = clean();
    struct nb_hs_tally t = {0};
    struct nb_sighting s[32];
    size_t n = local_side(s, ID, T0);
    /* the same ends an hour ago (the port range wrapped), other ends, a STAMP probe */
    n += local_side(s + n, ID, T0 - 3600 * 1000000000LL);
    n += local_side(s + n, ID + 1, T0 + 5 * US);
    s[n] = sight(ID, NB_PKT_TEST, NB_IF_TAP, NB_DIR_IN, T0 + 50 * US);
    s[n++].proto = NB_PROTO_STAMP;
    /* a combination that is no point: SYN leaving the guest's host by its tap */
    s[n++] = sight(ID, NB_PKT_TEST, NB_IF_TAP, NB_DIR_OUT, T0 + 60 * US);
    nb_handshake_tally(&h, &t, 1, s, n, 1);
    assert_int_equal(t.count[NB_PT_HA_TAP_IN], 1);
    assert_int_equal(t.first[NB_PT_HA_TAP_IN], T0 + 100 * US);
    assert_int_equal(t.count[NB_PT_HA_TAP_OUT], 1);
    assert_true(t.local_ok);
    assert_false(t.remote_ok);

    /* without the server's agent: local segments known, the rest unknown */
    struct nb_waterfall w;
    nb_handshake_waterfall(&h, &t, 1, &w);
    assert_int_equal(w.seg[NB_SEG_LOCAL_VIRTUAL].known, 1);
    assert_int_equal(w.seg[NB_SEG_LOCAL_SWITCH].known, 1);
    for (int i = NB_SEG_PHYSICAL; i < NB_SEG__COUNT; i++)
        assert_int_equal(w.seg[i].known, 0);
}

/* Two handshakes on the same ends, seconds apart: each gets its own. */
static void test_reused_ports_told_apart_by_window(void **state)
{
    struct nb_handshake h[2] = {clean(), clean()};
    h[1].from = T0 + 10 * 1000000000LL;
    h[1].to = T0 + 20 * 1000000000LL;
    h[0].to = T0 + 9 * 1000000000LL;
    struct nb_hs_tally t[2] = {{0}};
    struct nb_sighting s[16];
    size_t n = local_side(s, ID, T0);
    n += local_side(s + n, ID, T0 + 12 * 1000000000LL);
    nb_handshake_tally(h, t, 2, s, n, 1);
    assert_int_equal(t[0].count[NB_PT_HA_NIC_OUT], 1);
    assert_int_equal(t[1].count[NB_PT_HA_NIC_OUT], 1);
    assert_int_equal(t[1].first[NB_PT_HA_NIC_OUT], T0 + 12 * 1000000000LL + 110 * US);
}

/* The server's host is read whole: the same ends a second earlier (another
 * run that started at the same port), inside any clock window, are told
 * apart by the ISN the local agent saw. */
static void test_remote_matched_on_isn(void **state)
{
    struct nb_handshake h = clean();
    struct nb_hs_tally t = {0};
    struct nb_sighting s[16];
    size_t n = local_side(s, ID, T0);
    nb_handshake_tally(&h, &t, 1, s, n, 1);
    n = remote_side(s, ID, T0 - 1000000000LL); /* earlier, other ISN, other figures */
    for (size_t i = 0; i < n; i++) {
        s[i].isn = ISN + 99;
        s[i].ts -= (i == 2 || i == 3) ? 0 : 500 * US;
    }
    n += remote_side(s + n, ID, T0);
    nb_handshake_tally(&h, &t, 1, s, n, 0);
    assert_int_equal(t.count[NB_PT_HB_NIC_IN], 1);
    assert_int_equal(t.first[NB_PT_HB_NIC_IN], T0 + 1000 * US);
    struct nb_waterfall w;
    nb_handshake_waterfall(&h, &t, 1, &w);
    assert_true(w.seg[NB_SEG_PHYSICAL].p50 == 140 * US);
}

/* The first SYN died on the wire, the retransmit got through: a loss located
 * in the physical segment, not a 1 s "local virtual" delay. */
static void test_retransmitted_syn_located(void **state)
{
    struct nb_handshake h = clean();
    h.syn_sent = 2;
    h.have_rtt = false;
    struct nb_hs_tally t = {0};
    struct nb_sighting s[16];
    size_t n = 0;
    for (int copy = 0; copy < 2; copy++) {
        nb_ns at = T0 + copy * 1000000000LL;
        s[n++] = sight(ID, NB_PKT_TEST, NB_IF_TAP, NB_DIR_IN, at);
        s[n++] = sight(ID, NB_PKT_TEST, NB_IF_NIC, NB_DIR_OUT, at + 10 * US);
    }
    s[n++] = sight(ID, NB_PKT_REPLY, NB_IF_NIC, NB_DIR_IN, T0 + 1000000000LL + 300 * US);
    s[n++] = sight(ID, NB_PKT_REPLY, NB_IF_TAP, NB_DIR_OUT, T0 + 1000000000LL + 310 * US);
    nb_handshake_tally(&h, &t, 1, s, n, 1);
    n = remote_side(s, ID, T0 + 1000000000LL); /* one copy of each */
    nb_handshake_tally(&h, &t, 1, s, n, 0);
    struct nb_waterfall w;
    nb_handshake_waterfall(&h, &t, 1, &w);
    assert_int_equal(w.lost, 1);
    assert_int_equal(w.seg[NB_SEG_PHYSICAL].lost, 1);
    for (int i = 0; i < NB_SEG__COUNT; i++)
        assert_int_equal(w.seg[i].known, 0);
}

/* The first SYN-ACK lost on the wire: the guest retransmits its SYN (both
 * reach the server), the server sends three SYN-ACKs (its own retransmit
 * and one per SYN), two arrive. Every point saw at least as many copies as
 * SYNs, yet copies went missing between the hosts' NICs: physical, not the
 * local guest's virtual path (as "as many as the SYNs" would have it). */
static void test_lost_synack_located(void **state)
{
    struct nb_handshake h = clean();
    h.syn_sent = 2;
    struct nb_hs_tally t = {0};
    struct nb_sighting s[16];
    size_t n = 0;
    for (int copy = 0; copy < 2; copy++) {
        nb_ns at = T0 + copy * 1000000000LL;
        s[n++] = sight(ID, NB_PKT_TEST, NB_IF_TAP, NB_DIR_IN, at);
        s[n++] = sight(ID, NB_PKT_TEST, NB_IF_NIC, NB_DIR_OUT, at + 10 * US);
        s[n++] = sight(ID, NB_PKT_REPLY, NB_IF_NIC, NB_DIR_IN, at + 1000 * 1000LL);
        s[n++] = sight(ID, NB_PKT_REPLY, NB_IF_TAP, NB_DIR_OUT, at + 1010 * 1000LL);
    }
    nb_handshake_tally(&h, &t, 1, s, n, 1);
    n = 0;
    for (int copy = 0; copy < 3; copy++) {
        nb_ns at = T0 + copy * 500000000LL;
        if (copy < 2) {
            s[n++] = sight(ID, NB_PKT_TEST, NB_IF_NIC, NB_DIR_IN, at);
            s[n++] = sight(ID, NB_PKT_TEST, NB_IF_TAP, NB_DIR_OUT, at + 10 * US);
        }
        s[n++] = sight(ID, NB_PKT_REPLY, NB_IF_TAP, NB_DIR_IN, at + 50 * US);
        s[n++] = sight(ID, NB_PKT_REPLY, NB_IF_NIC, NB_DIR_OUT, at + 60 * US);
    }
    nb_handshake_tally(&h, &t, 1, s, n, 0);
    struct nb_waterfall w;
    nb_handshake_waterfall(&h, &t, 1, &w);
    assert_int_equal(w.lost, 1);
    assert_int_equal(w.seg[NB_SEG_PHYSICAL].lost, 1);
    assert_int_equal(w.seg[NB_SEG_LOCAL_VIRTUAL].lost, 0);

    /* every copy arrived everywhere observed: lost beyond the last point,
     * into the guest (or too late) */
    struct nb_hs_tally t2 = {0};
    n = 0;
    for (int copy = 0; copy < 2; copy++) {
        nb_ns at = T0 + copy * 1000000000LL;
        n += local_side(s + n, ID, at);
    }
    nb_handshake_tally(&h, &t2, 1, s, n, 1);
    n = 0;
    for (int copy = 0; copy < 2; copy++)
        n += remote_side(s + n, ID, T0 + copy * 1000000000LL);
    nb_handshake_tally(&h, &t2, 1, s, n, 0);
    nb_handshake_waterfall(&h, &t2, 1, &w);
    assert_int_equal(w.seg[NB_SEG_LOCAL_VIRTUAL].lost, 1);

    /* a connect that timed out although a SYN-ACK reached the guest's tap
     * (late, after the first was lost on the wire): physical too */
    h.established = false;
    h.have_rtt = false;
    nb_handshake_waterfall(&h, &t, 1, &w);
    assert_int_equal(w.seg[NB_SEG_PHYSICAL].lost, 1);
    assert_int_equal(w.seg[NB_SEG_LOCAL_VIRTUAL].lost, 0);
}

/* A connect that timed out, every SYN dropped in the host bridge. */
static void test_unanswered_connect_located(void **state)
{
    struct nb_handshake h = clean();
    h.established = false;
    h.have_rtt = false;
    h.syn_sent = 3;
    struct nb_hs_tally t = {0};
    struct nb_sighting s[8];
    size_t n = 0;
    for (int copy = 0; copy < 3; copy++)
        s[n++] = sight(ID, NB_PKT_TEST, NB_IF_TAP, NB_DIR_IN, T0 + copy * 1000000000LL);
    nb_handshake_tally(&h, &t, 1, s, n, 1);
    nb_handshake_tally(&h, &t, 1, NULL, 0, 0); /* the server's agent answered: nothing */
    struct nb_waterfall w;
    nb_handshake_waterfall(&h, &t, 1, &w);
    assert_int_equal(w.lost, 1);
    assert_int_equal(w.seg[NB_SEG_LOCAL_SWITCH].lost, 1);

    /* the same without the server's agent, lost past the local NIC: the
     * span from HA.nic.out has no observer until A.rx, so it stays shared */
    struct nb_hs_tally t2 = {0};
    n = 0;
    s[n++] = sight(ID, NB_PKT_TEST, NB_IF_TAP, NB_DIR_IN, T0);
    s[n++] = sight(ID, NB_PKT_TEST, NB_IF_NIC, NB_DIR_OUT, T0 + 10 * US);
    nb_handshake_tally(&h, &t2, 1, s, n, 1);
    nb_handshake_waterfall(&h, &t2, 1, &w);
    assert_int_equal(w.seg[NB_SEG_PHYSICAL].lost, 0);
    assert_int_equal(w.seg[NB_SEG_PHYSICAL].lost_shared, 1);
    assert_int_equal(w.seg[NB_SEG_REMOTE_VIRTUAL].lost_shared, 1);
}

/* SYN delivered to the server's tap, no SYN-ACK came back out of it: the
 * server guest's stack or its virtio path (its kernel answers SYNs). */
static void test_syn_lost_inside_server_guest(void **state)
{
    struct nb_handshake h = clean();
    h.established = false;
    h.have_rtt = false;
    struct nb_hs_tally t = {0};
    struct nb_sighting s[8];
    size_t n = local_side(s, ID, T0) - 2; /* SYN only */
    nb_handshake_tally(&h, &t, 1, s, n, 1);
    n = remote_side(s, ID, T0) - 2;
    nb_handshake_tally(&h, &t, 1, s, n, 0);
    struct nb_waterfall w;
    nb_handshake_waterfall(&h, &t, 1, &w);
    assert_int_equal(w.seg[NB_SEG_REMOTE_VIRTUAL].lost, 1);
    assert_int_equal(w.seg[NB_SEG_REMOTE_APP].lost + w.seg[NB_SEG_REMOTE_APP].lost_shared, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_handshake_splits_exactly),
        cmocka_unit_test(test_foreign_sightings_ignored),
        cmocka_unit_test(test_reused_ports_told_apart_by_window),
        cmocka_unit_test(test_remote_matched_on_isn),
        cmocka_unit_test(test_lost_synack_located),
        cmocka_unit_test(test_retransmitted_syn_located),
        cmocka_unit_test(test_unanswered_connect_located),
        cmocka_unit_test(test_syn_lost_inside_server_guest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
