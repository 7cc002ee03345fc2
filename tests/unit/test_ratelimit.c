/* test_ratelimit.c — the reflector's per-source token buckets and their fixed
 * table (prober/ratelimit.c): budgets, refill, a bounded table under a flood
 * of sources, and the eviction rule that keeps a flooder charged and never
 * refuses a real peer; plus the prefixes (addr.c) and the host-agent rule
 * (sender.c) that rest on the same address matching. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "netblame/addr.h"
#include "netblame/sender.h"
#include "ratelimit.h"

#define MS ((nb_ns)1000000)
#define S ((nb_ns)1000000000)

static struct nb_ratelimit *rl;

static int setup(void **state)
{
    rl = calloc(1, sizeof(*rl));
    return rl ? 0 : -1;
}

static int teardown(void **state)
{
    free(rl);
    return 0;
}

static struct sockaddr_storage v4(uint32_t host_order)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(host_order);
    sin->sin_port = htons((uint16_t)(host_order * 7));
    return ss;
}

static struct sockaddr_storage parse(const char *s, uint16_t port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    assert_int_equal(nb_addr_parse(s, port, &ss, &len), 0);
    return ss;
}

#define SA(x) ((const struct sockaddr *)&(x))

static void test_burst_then_refused_then_refilled(void **state)
{
    nb_ratelimit_init(rl, 10, 5, 1); /* 10/s, burst 5 */
    struct sockaddr_storage a = v4(0xc6120001);
    nb_ns t = 100 * S;
    for (int i = 0; i < 5; i++)
        assert_true(nb_ratelimit_admit(rl, SA(a), t));
    assert_false(nb_ratelimit_admit(rl, SA(a), t));
    assert_int_equal(nb_ratelimit_tokens(rl, SA(a), t), 0);
    /* one token per 100 ms */
    assert_false(nb_ratelimit_admit(rl, SA(a), t + 99 * MS));
    assert_true(nb_ratelimit_admit(rl, SA(a), t + 100 * MS));
    assert_false(nb_ratelimit_admit(rl, SA(a), t + 100 * MS));
    /* idle long enough: a full bucket again, never more than the burst */
    assert_int_equal(nb_ratelimit_tokens(rl, SA(a), t + 10 * S), 5);
    for (int i = 0; i < 5; i++)
        assert_true(nb_ratelimit_admit(rl, SA(a), t + 10 * S));
    assert_false(nb_ratelimit_admit(rl, SA(a), t + 10 * S));
}

static void test_steady_rate_at_budget_never_refused(void **state)
{
    nb_ratelimit_init(rl, 100, 1, 1);
    struct sockaddr_storage a = v4(0xc6120002);
    for (int i = 0; i < 1000; i++)
        assert_true(nb_ratelimit_admit(rl, SA(a), S + i * 10 * MS));
}

static void test_port_ignored_and_sources_apart(void **state)
{
    nb_ratelimit_init(rl, 1, 2, 1);
    struct sockaddr_storage a1 = parse("198.18.0.1", 1000), a2 = parse("198.18.0.1", 2000);
    struct sockaddr_storage b = parse("198.18.0.2", 1000);
    struct sockaddr_storage m = parse("::ffff:198.18.0.1", 3000); /* dual-stack view of a */
    assert_true(nb_ratelimit_admit(rl, SA(a1), S));
    assert_true(nb_ratelimit_admit(rl, SA(a2), S));
    assert_false(nb_ratelimit_admit(rl, SA(m), S));
    assert_true(nb_ratelimit_admit(rl, SA(b), S));
    /* IPv6: one bucket per /64, whatever the interface identifier */
    struct sockaddr_storage v6a = parse("2001:db8:0:1::1", 1), v6b = parse("2001:db8:0:1::ff:2", 1);
    struct sockaddr_storage v6c = parse("2001:db8:0:2::1", 1);
    assert_true(nb_ratelimit_admit(rl, SA(v6a), S));
    assert_true(nb_ratelimit_admit(rl, SA(v6b), S));
    assert_false(nb_ratelimit_admit(rl, SA(v6a), S));
    assert_true(nb_ratelimit_admit(rl, SA(v6c), S));
}

static void test_rate_zero_admits_everything(void **state)
{
    nb_ratelimit_init(rl, 0, 0, 1);
    struct sockaddr_storage a = v4(0xc6120003);
    for (int i = 0; i < 100000; i++)
        assert_true(nb_ratelimit_admit(rl, SA(a), S));
    assert_int_equal(rl->tracked, 0);
}

/* A million distinct sources: the table never holds more than its size,
 * each new source is admitted (its first packet is within any budget), and
 * what is forgotten is counted. */
static void test_table_bounded_under_many_sources(void **state)
{
    nb_ratelimit_init(rl, 10, 10, 42);
    for (uint32_t i = 0; i < 1000000; i++) {
        struct sockaddr_storage a = v4(0xc6130000u + i); /* 198.19.0.0 and up */
        assert_true(nb_ratelimit_admit(rl, SA(a), S + (nb_ns)i * 1000));
    }
    assert_int_equal(rl->tracked, NB_RL_SOURCES);
    assert_int_equal(rl->tracked + rl->evicted, 1000000);
}

/* The eviction rule: light sources flooding every set never make the table
 * forget a source in debt, so a flooder stays refused; a real peer probing
 * within its budget is never refused, evicted or not. */
static void test_flood_keeps_flooder_charged_and_peer_answered(void **state)
{
    nb_ratelimit_init(rl, 5, 10, 7);
    struct sockaddr_storage flooder = v4(0xc6120064), peer = v4(0xc6120065);
    nb_ns t = 10 * S;
    unsigned flooder_ok = 0, peer_ok = 0, peer_sent = 0;
    uint32_t spoof = 0;
    /* 10 s: the flooder at 10 kpps, 200 k spoofed one-packet sources at
     * 20 kpps, the peer once a second */
    for (int step = 0; step < 100000; step++) {
        nb_ns now = t + (nb_ns)step * 100000; /* every 100 us */
        if (nb_ratelimit_admit(rl, SA(flooder), now))
            flooder_ok++;
        for (int k = 0; k < 2; k++) {
            struct sockaddr_storage s = v4(0xc6130000u + spoof++ % 131072);
            nb_ratelimit_admit(rl, SA(s), now);
        }
        if (step % 10000 == 0) {
            peer_sent++;
            peer_ok += nb_ratelimit_admit(rl, SA(peer), now);
        }
    }
    assert_int_equal(peer_ok, peer_sent);
    /* burst + rate * 10 s, plus one burst per time it was forgotten at most */
    assert_true(flooder_ok <= 10 + 5 * 10 + 1);
    assert_true(rl->evicted > 0);
}

static void test_prefixes(void **state)
{
    struct nb_prefix p[3];
    char buf[64];
    assert_int_equal(nb_prefix_parse("198.18.0.0/15", &p[0]), 0);
    assert_int_equal(nb_prefix_parse("2001:db8::/32", &p[1]), 0);
    assert_int_equal(nb_prefix_parse("10.1.2.3", &p[2]), 0);
    assert_string_equal(nb_prefix_format(&p[0], buf, sizeof(buf)), "198.18.0.0/15");
    assert_string_equal(nb_prefix_format(&p[2], buf, sizeof(buf)), "10.1.2.3/32");
    struct sockaddr_storage in1 = parse("198.19.255.255", 1), out1 = parse("198.20.0.0", 1);
    struct sockaddr_storage in6 = parse("2001:db8:1::1", 1), out6 = parse("2001:db9::1", 1);
    struct sockaddr_storage mapped = parse("::ffff:198.18.3.4", 1), host = parse("10.1.2.3", 9);
    assert_true(nb_prefix_match(p, 3, SA(in1)));
    assert_false(nb_prefix_match(p, 3, SA(out1)));
    assert_true(nb_prefix_match(p, 3, SA(in6)));
    assert_false(nb_prefix_match(p, 3, SA(out6)));
    assert_true(nb_prefix_match(p, 3, SA(mapped)));
    assert_true(nb_prefix_match(p, 3, SA(host)));
    assert_false(nb_prefix_match(p, 0, SA(in1)));
    struct nb_prefix any;
    assert_int_equal(nb_prefix_parse("0.0.0.0/0", &any), 0);
    assert_true(nb_prefix_match(&any, 1, SA(out1)));
    assert_false(nb_prefix_match(&any, 1, SA(in6)));
    /* refused: host bits past the length, bad lengths, names, junk */
    static const char *bad[] = {"10.0.0.1/8", "198.18.0.0/33", "::/129", "198.18.0.0/",
                                "198.18.0.0/-1", "198.18.0.0/1x", "host.example", "", "/8",
                                "2001:db8::1/32"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(nb_prefix_parse(bad[i], &any), -1);
}

/* The host-agent rule: the reflector's own address, or in the prefixes. */
static void test_host_agent_rule(void **state)
{
    struct nb_sender_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.peer = parse("198.18.0.12", 862);
    uint8_t self[16] = {198, 18, 0, 12}, lab[16] = {198, 18, 0, 2}, meta[16] = {169, 254, 169, 254};
    uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    assert_true(nb_sender_agent_allowed(&cfg, 4, self));
    assert_false(nb_sender_agent_allowed(&cfg, 4, lab)); /* no prefixes: only its own */
    assert_false(nb_sender_agent_allowed(&cfg, 6, v6));
    assert_int_equal(nb_prefix_parse("198.18.0.0/15", &cfg.agent_prefixes[0]), 0);
    assert_int_equal(nb_prefix_parse("2001:db8::/32", &cfg.agent_prefixes[1]), 0);
    cfg.n_agent_prefixes = 2;
    assert_true(nb_sender_agent_allowed(&cfg, 4, lab));
    assert_true(nb_sender_agent_allowed(&cfg, 6, v6));
    assert_false(nb_sender_agent_allowed(&cfg, 4, meta));
    /* the same bytes as IPv6 are another address */
    assert_false(nb_sender_agent_allowed(&cfg, 6, self));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_burst_then_refused_then_refilled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_steady_rate_at_budget_never_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_port_ignored_and_sources_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_zero_admits_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_bounded_under_many_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flood_keeps_flooder_charged_and_peer_answered, setup,
                                        teardown),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_host_agent_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
