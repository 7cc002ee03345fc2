/* test_trace_json.c — classifier windows as JSON lines: a full window
 * survives render -> parse -> render byte for byte (64-bit times included),
 * absent parts stay absent, and malformed lines are refused with the field
 * named. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "wire/trace_json.h"

static void full(struct nb_cls_input *in)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "198.18.0.12");
    in->start = 1764000000123456789LL;
    in->end = 1764000001987654321LL;
    snprintf(in->local_host, sizeof(in->local_host), "hA");
    struct nb_cls_path *p = &in->path;
    p->present = p->local_agent = p->remote_agent = p->remote_agent_known = true;
    p->reflector = NB_REFL_NETBLAME;
    p->rtt = (struct nb_cls_rtt){true, 250000.5, 300000, 410000.25, 240000, 280000.5};
    p->wf.probes = 100, p->wf.answered = 90, p->wf.lost = 10, p->wf.lost_unlocated = 1;
    for (int i = 0; i < NB_SEG__COUNT; i++)
        p->wf.seg[i] = (struct nb_seg_figures){
            .known = 90, .p50 = 1000.0 * i - 3, .p90 = 2000.0 * i, .p99 = 3000.0 * i,
            .lost = i == NB_SEG_PHYSICAL ? 8 : 0, .lost_shared = i > NB_SEG_PHYSICAL ? 1 : 0};
    p->full_probes = 25, p->full_lost = 9;
    in->vnet = (struct nb_cls_family){
        .present = true, .probes = 50, .lost = 2, .rtt = {true, 40000, 50000, 60000, 0, 0}};
    in->fabric = (struct nb_cls_family){.present = true,
                                        .probes = 60,
                                        .lost = 7,
                                        .rtt = {false, 0, 0, 0, 0, 0},
                                        .full_probes = 6,
                                        .full_lost = 6,
                                        .overdue = 3};
    struct nb_cls_app *a = &in->app;
    a->present = true;
    a->probes = 20, a->ok = 15, a->fail[NB_AF_HTTP_STATUS] = 3, a->fail[NB_AF_TIMEOUT] = 2;
    a->timeout_established = 1, a->http_status = 503;
    a->have_connect = true, a->connect_p50 = 300000;
    a->have_handshake = true, a->handshake = p->wf;
    a->hs_local_agent = true;
    a->have_server = true, a->server_p50 = 2.5e6, a->server_p25 = 2.25e6, a->server_n = 12;
    a->have_resolve = true, a->resolved = 20, a->resolve_p50 = 1.5e9, a->resolve_p25 = 1.25e9;
    a->retrans = 4, a->syn_retrans = 1;
    in->nlinks = 2;
    in->links[0] = (struct nb_cls_link){.side = NB_SIDE_LOCAL, .role = NB_IF_TAP,
                                        .tx_dropped = 912, .up = true, .carrier = true};
    snprintf(in->links[0].ifname, sizeof(in->links[0].ifname), "vnetA");
    snprintf(in->links[0].host, sizeof(in->links[0].host), "hA");
    in->links[1] = (struct nb_cls_link){.side = NB_SIDE_REMOTE, .role = NB_IF_NIC,
                                        .carrier_changes = 2, .up = true, .carrier = false};
    snprintf(in->links[1].ifname, sizeof(in->links[1].ifname), "nicB");
    struct nb_cls_cpu *c = &in->cpu_local;
    c->pressure = true, c->pressure_some = 0.41, c->pressure_avg10 = 38.5;
    c->thread = true, c->thread_wait = 0.375, c->thread_tid = 4250, c->owner_pid = 4242;
    snprintf(c->thread_name, sizeof(c->thread_name), "CPU 0/TCG");
    snprintf(c->owner_name, sizeof(c->owner_name), "qemu-system-x86");
    snprintf(c->tap, sizeof(c->tap), "vnetA");
    c->steal = true, c->steal_share = 0;
    in->cpu_remote.pressure = true, in->cpu_remote.pressure_some = 1;
    in->cpu_remote.owners_denied = true;
}

static void test_round_trip(void **state)
{
    struct nb_cls_input in, out;
    full(&in);
    struct nb_buf a, b;
    nb_buf_init(&a);
    nb_buf_init(&b);
    nb_trace_render(&in, &a);
    assert_int_equal(a.data[a.len - 1], '\n');
    assert_null(memchr(a.data, '\n', a.len - 1)); /* one line */
    char err[256];
    if (nb_trace_parse(a.data, a.len - 1, &out, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    nb_trace_render(&out, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_int_equal(out.start, in.start);
    assert_int_equal(out.end, in.end);
    assert_true(out.path.wf.seg[NB_SEG_LOCAL_VIRTUAL].p50 == -3);
    assert_int_equal(out.links[0].tx_dropped, 912);
    assert_false(out.fabric.rtt.known);
    assert_int_equal(out.fabric.overdue, 3);
    assert_int_equal(out.path.full_lost, 9);
    assert_true(out.app.have_resolve && out.app.resolve_p25 == 1.25e9);
    assert_int_equal(out.app.server_n, 12);
    assert_int_equal(out.app.syn_retrans, 1);
    assert_true(out.app.hs_local_agent && !out.app.hs_remote_agent);
    assert_true(out.cpu_local.thread && out.cpu_local.thread_wait == 0.375);
    assert_string_equal(out.cpu_local.thread_name, "CPU 0/TCG");
    assert_int_equal(out.cpu_local.owner_pid, 4242);
    assert_true(out.cpu_local.steal && out.cpu_local.steal_share == 0); /* measured zero */
    assert_true(out.cpu_remote.pressure && !out.cpu_remote.thread && !out.cpu_remote.steal);
    assert_true(out.cpu_remote.owners_denied && !out.cpu_local.owners_denied);
    nb_buf_free(&a);
    nb_buf_free(&b);
}

static void test_absent_parts_stay_absent(void **state)
{
    struct nb_cls_input in, out;
    memset(&in, 0, sizeof(in));
    snprintf(in.target, sizeof(in.target), "x");
    struct nb_buf a;
    nb_buf_init(&a);
    nb_trace_render(&in, &a);
    char err[256];
    assert_int_equal(nb_trace_parse(a.data, a.len, &out, err, sizeof(err)), 0);
    assert_false(out.path.present || out.vnet.present || out.fabric.present || out.app.present);
    assert_int_equal(out.nlinks, 0);
    /* a window without CPU figures (every trace before them) has no "cpu" */
    assert_null(strstr(a.data, "cpu"));
    assert_false(out.cpu_local.pressure || out.cpu_local.thread || out.cpu_local.steal);
    assert_false(out.cpu_remote.pressure || out.cpu_remote.thread || out.cpu_remote.steal);
    nb_buf_free(&a);
}

/* Take the full window's line and break one thing. */
static void refused(const char *from, const char *to, const char *want_in_err)
{
    struct nb_cls_input in;
    full(&in);
    struct nb_buf a;
    nb_buf_init(&a);
    nb_trace_render(&in, &a);
    char line[8192];
    const char *at = strstr(a.data, from);
    if (!at)
        fail_msg("'%s' not in %s", from, a.data);
    snprintf(line, sizeof(line), "%.*s%s%s", (int)(at - a.data), a.data, to, at + strlen(from));
    char err[256] = "";
    if (nb_trace_parse(line, strlen(line), &in, err, sizeof(err)) != -1)
        fail_msg("accepted: %s", line);
    if (!strstr(err, want_in_err))
        fail_msg("error '%s' does not name '%s'", err, want_in_err);
    assert_int_equal(in.path.present, false); /* nothing half-filled */
    nb_buf_free(&a);
}

static void test_malformed_refused(void **state)
{
    refused("{\"schema\"", "[{\"schema\"", "not JSON");
    refused("netblame.window/v1", "netblame.window/v2", "schema");
    refused("\"target\"", "\"tagret\":1,\"target\"", "tagret");
    refused("\"known\":90,\"p50\":-3", "\"knwn\":90,\"p50\":-3", "segments[0].knwn");
    refused("\"probes\":100", "\"probes\":-1", "path.waterfall.probes");
    refused("\"probes\":100", "\"probes\":100.5", "path.waterfall.probes");
    refused("\"answered\":90", "\"answered\":190", "exceed");
    refused("\"start\":\"1764000000123456789\"", "\"start\":\"17e17\"", "window.start");
    refused("\"end\":\"1764000001987654321\"", "\"end\":\"1\"", "window.end");
    refused("\"ifname\":\"vnetA\"", "\"ifname\":\"0123456789abcdefXX\"", "links[0].ifname");
    refused("\"http_status\":3", "\"timeout\":1,\"http_status\":3", ""); /* sum > probes */
    refused("\"http_status\":503", "\"http_status\":42", "app.http_status");
    refused("\"fail\":{", "\"fail\":{\"bogus\":1,", "app.fail.bogus");
    refused("\"reflector\":\"netblame\"", "\"reflector\":\"juniper\"", "path.reflector");
    refused("\"side\":\"local\"", "\"side\":\"\"", "links[0]");
    refused("\"p50\":40000", "\"p50\":\"40000\"", "vnet.rtt.p50");
    refused("\"segments\":[", "\"segments\":[{},", "segments");
    refused("\"cpu\":{", "\"cpu\":{\"middle\":{},", "cpu.middle");
    refused("\"wait\":0.375", "\"wait\":1.5", "cpu.local.thread.wait");
    refused("\"wait\":0.375", "\"wait\":null", "cpu.local.thread");
    refused("\"pressure_some\":0.41", "\"pressure_some\":-0.1", "cpu.local.pressure_some");
    refused("\"pressure_avg10\":38.5", "\"pressure_avg10\":null", "cpu.local");
    refused("\"tid\":4250", "\"tid\":4294967296", "cpu.local.thread.tid");
    refused("\"name\":\"CPU 0/TCG\"", "\"name\":\"0123456789abcdefXX\"",
            "cpu.local.thread.name");
    refused("\"steal\":0", "\"steal\":\"0\"", "cpu.local.steal");
    refused("\"overdue\":3", "\"overdue\":8", "overdue than lost");
    refused("\"full_lost\":9", "\"full_lost\":26", "full_probes/full_lost");
    refused("\"full_lost\":6", "\"full_lost\":8", "full_probes/full_lost");
    refused("\"syn_retrans\":1", "\"syn_retrans\":5", "inconsistent");
    refused("\"server_n\":12", "\"server_n\":21", "inconsistent");
    refused("\"resolve_p25\":1250000000", "\"resolve_p25\":\"x\"", "app.resolve_p25");
}

/* A repeated key is refused wherever it stands (wire/jsonread.h's rule for
 * every parser): cJSON keeps both members and a lookup sees the first, so a
 * hand-edited trace could otherwise say two things at once. */
static void test_duplicate_keys_refused(void **state)
{
    refused("\"target\"", "\"target\":\"x\",\"target\"", "window.target: duplicate key");
    refused("\"probes\":100", "\"probes\":100,\"probes\":1", "path.waterfall.probes: duplicate key");
    refused("\"known\":90,", "\"known\":90,\"known\":90,", "segments[0].known: duplicate key");
    refused("\"fail\":{", "\"fail\":{\"timeout\":0,", "app.fail.timeout: duplicate key");
    refused("\"wait\":0.375", "\"wait\":0.375,\"wait\":0.5", "cpu.local.thread.wait: duplicate key");
    refused("\"cpu\":{", "\"cpu\":{\"remote\":null,", "cpu.remote: duplicate key");
    refused("\"links\":[", "\"links\":[],\"links\":[", "window.links: duplicate key");
}

/* A line written before the full-size, overdue, resolve and retransmission
 * figures existed is still read, with them absent (0). */
static void test_older_line_reads(void **state)
{
    const char *line =
        "{\"schema\":\"netblame.window/v1\",\"target\":\"u\",\"start\":\"1\",\"end\":\"2\","
        "\"local_host\":\"\",\"remote_host\":\"\",\"fabric\":{\"probes\":10,\"lost\":1,"
        "\"rtt\":null},\"app\":{\"probes\":5,\"ok\":5,\"fail\":{},\"timeout_established\":0,"
        "\"http_status\":0,\"connect_p50\":1000,\"server_p50\":2000,\"handshake\":null,"
        "\"hs_local_agent\":false,\"hs_remote_agent\":false},\"links\":[]}";
    struct nb_cls_input in;
    char err[256];
    if (nb_trace_parse(line, strlen(line), &in, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_true(in.app.have_server && in.app.server_p50 == 2000);
    assert_int_equal(in.app.server_n, 0);
    assert_false(in.app.have_resolve);
    assert_int_equal(in.fabric.overdue + in.fabric.full_probes + in.app.retrans, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_absent_parts_stay_absent),
        cmocka_unit_test(test_older_line_reads),
        cmocka_unit_test(test_malformed_refused),
        cmocka_unit_test(test_duplicate_keys_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
