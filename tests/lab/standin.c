/*
 * nb-standin — the lab's user-space "virtio stand-in" and "wire" (DESIGN §7-8).
 *
 * It opens one TAP device on each of two sides, possibly in different network
 * namespaces, and shuttles Ethernet frames between them through a per-direction
 * fault pipeline: the same shape as QEMU's user-space virtio backend (a guest's
 * eth0 on one side, the host's vnetX on the other), or a cable between two hosts.
 * Both taps are real, so the kernel's counters on them are real: when a stall
 * stops the stand-in reading a tap, that tap's queue overflows into tx_dropped.
 *
 *   nb-standin --a NETNS:IFNAME --b NETNS:IFNAME --control PATH [--seed N] [--mtu-tap N]
 *
 * NETNS is a name under /var/run/netns (ip netns add) or "-" for the current
 * namespace. Each tap is created non-persistent (it disappears when the program
 * exits) and is neither addressed nor brought up: the caller does that once the
 * control socket exists. --mtu-tap N sets both taps' MTU at creation (default:
 * the kernel's, 1500). --seed N seeds the PRNG (xorshift64*, one stream per
 * direction) used for loss and jitter, so a run can be repeated; default: from
 * getrandom(), printed on stderr. Start-up errors go to stderr, exit status 1.
 * SIGTERM/SIGINT exit cleanly (taps closed, control socket unlinked).
 *
 * Directions: "ab" = frames read from A's tap, written to B's; "ba" the reverse.
 * Pipeline per frame, in order: link down -> drop_down; L3 size (frame length
 * - 14) > mtu -> drop_mtu; random loss -> drop_loss; release time = arrival +
 * delay_us + uniform[0, jitter_us], raised to the previous frame's release time
 * so that frames keep FIFO order (netem would reorder under jitter; we do not:
 * jitter here also delays the frames queued behind a slow one); queue full ->
 * drop_queue; held until release (and, with rate_pps, until the service-rate
 * slot), then written to the other tap (a failed write is counted write_err).
 * With noise set (below), the release time also carries the direction's
 * late wake-up, added before delay and jitter.
 *
 * Control: a Unix stream socket at PATH, created once both taps exist (its
 * existence means "ready"; it is unlinked at exit). Any number of clients over
 * time, each may send several commands; one command per line, one reply line
 * per command; a line over 1024 bytes gets "error: line too long" and the
 * connection is closed. Success replies start with "ok"; failures "error: ...".
 *
 *   set DIR KEY=VALUE [KEY=VALUE...]   DIR: ab, ba or both. All checked first:
 *                                      an unknown key or bad value changes nothing.
 *       delay_us=N        fixed delay (0..60000000)
 *       jitter_us=N       extra delay, uniform in [0, N] (0..60000000)
 *       loss_pct=F        independent random loss, percent (0..100, float)
 *       stall_every_ms=N  periodic stalls of a starved vhost thread: of every N
 *       stall_for_ms=M    ms, the first M the direction stops reading its source
 *                         tap and releases nothing (active when both > 0; M < N;
 *                         the first window opens when either value changes)
 *       queue=N           frames held at most (1..1000000, default 4096)
 *       rate_pps=N        release at most N frames/s (0 = unlimited)
 *       mtu=N             drop frames whose L3 size exceeds N (0 = off)
 *       down=1|0          link down: carrier off on both taps (TUNSETCARRIER),
 *                         every frame dropped, held frames flushed. Applies to
 *                         both directions whatever DIR says; the reply says so.
 *   clear [DIR]       every fault of DIR (default both) back to its default;
 *                     also brings the link back up if it was down. Noise stays.
 *   noise DIR p50_us=N p99_us=M | noise DIR off
 *                     heavy-tailed healthy noise, not a fault (clear leaves it):
 *                     the late wake-up of a busy backend thread. A frame that
 *                     arrives while no wake-up is pending draws one from a
 *                     log-normal with median N and 99th percentile M us
 *                     (0 < N <= M <= 60000000; N = M is a constant), capped at
 *                     100 M; frames arriving before that wake-up is over leave
 *                     with it. So frames keep FIFO order and the draws do not
 *                     compound under load (a running maximum of per-frame draws,
 *                     as jitter_us does, would turn a busy direction's noise
 *                     into a fault). Drawn from its own PRNG stream per
 *                     direction (from --seed), so loss and jitter draws do not
 *                     move when noise is switched.
 *   stats             one JSON line: {"ab":{"in","out","drop_loss","drop_queue",
 *                     "drop_mtu","drop_down","write_err","held","stalls","wakes"},
 *                     "ba":{..}, "faults":{"ab":{current settings},"ba":{..}},
 *                     "noise":{"ab":{"p50_us","p99_us"},"ba":{..}}}
 *   ping              -> pong
 *   quit              -> ok, then a clean exit
 *
 * Changing faults does not touch frames already held (they keep their release
 * times); lowering queue below the number held only refuses new arrivals.
 *
 * Parts: this file (command line, start-up), standin_faults.c (the data path),
 * standin_control.c (the control protocol), standin.h (what they share).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "standin.h"

struct standin S;

/* ---- start-up ---- */

static void signal_cb(EV_P_ ev_signal *w, int revents)
{
    (void)w, (void)revents;
    ev_break(EV_A_ EVBREAK_ALL);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nb-standin: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void parse_side(struct side *s, char label, const char *arg)
{
    const char *colon = strchr(arg, ':'), *ifn = colon ? colon + 1 : NULL;
    size_t nslen = colon ? (size_t)(colon - arg) : 0;

    s->label = label;
    s->fd = -1;
    if (!colon)
        die("side %c: '%s': expected NETNS:IFNAME", label, arg);
    if (!nslen || nslen >= sizeof s->ns || memchr(arg, '/', nslen) ||
        !strncmp(arg, ".:", 2) || !strncmp(arg, "..:", 3))
        die("side %c: bad namespace name in '%s'", label, arg);
    memcpy(s->ns, arg, nslen);
    s->ns[nslen] = '\0';
    if (!*ifn || strlen(ifn) >= IFNAMSIZ || strchr(ifn, '/'))
        die("side %c: bad interface name '%s'", label, ifn);
    strcpy(s->ifname, ifn);
}

static void open_side(struct side *s, int orig_ns, unsigned mtu_tap)
{
    int nsfd = -1;
    if (strcmp(s->ns, "-")) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "/var/run/netns/%s", s->ns);
        if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            die("side %c: namespace '%s': open %s: %s", s->label, s->ns, path, strerror(errno));
        if (setns(nsfd, CLONE_NEWNET) < 0)
            die("side %c: namespace '%s': setns: %s", s->label, s->ns, strerror(errno));
    }
    if ((s->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK)) < 0)
        die("side %c (%s:%s): open /dev/net/tun: %s", s->label, s->ns, s->ifname, strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, s->ifname, strlen(s->ifname));
    if (ioctl(s->fd, TUNSETIFF, &ifr) < 0)
        die("side %c (%s:%s): TUNSETIFF: %s", s->label, s->ns, s->ifname, strerror(errno));
    memcpy(s->ifname, ifr.ifr_name, IFNAMSIZ);
    s->ifname[IFNAMSIZ - 1] = '\0';
    if (mtu_tap) {
        int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ifr.ifr_mtu = (int)mtu_tap;
        if (sk < 0 || ioctl(sk, SIOCSIFMTU, &ifr) < 0)
            die("side %c (%s:%s): set MTU %u: %s", s->label, s->ns, s->ifname, mtu_tap,
                strerror(errno));
        close(sk);
    }
    if (nsfd >= 0) {
        if (setns(orig_ns, CLONE_NEWNET) < 0)
            die("side %c: back to the original namespace: %s", s->label, strerror(errno));
        close(nsfd);
    }
}

static void open_control(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;
    char tmp[sizeof sa.sun_path];

    if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp)
        die("control socket path too long: %s", path);
    if (lstat(path, &st) == 0) {  /* refuse to steal a live socket; replace a stale one */
        if (!S_ISSOCK(st.st_mode))
            die("control path %s exists and is not a socket", path);
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        strcpy(sa.sun_path, path);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0)
            die("control socket %s is in use by another process", path);
        close(probe);
    }
    strcpy(sa.sun_path, tmp);
    unlink(tmp);
    S.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (S.listen_fd < 0 || bind(S.listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(S.listen_fd, 16) < 0)
        die("control socket %s: bind %s: %s", path, tmp, strerror(errno));
    if (rename(tmp, path) < 0) {  /* atomic: the path appears already listening */
        unlink(tmp);
        die("control socket: rename %s -> %s: %s", tmp, path, strerror(errno));
    }
    S.control_path = path;
    if (lstat(path, &st) == 0) {
        S.sock_dev = st.st_dev;
        S.sock_ino = st.st_ino;
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: nb-standin --a NETNS:IFNAME --b NETNS:IFNAME --control PATH "
            "[--seed N] [--mtu-tap N]\n  NETNS: a name under /var/run/netns, or - for the "
            "current namespace\n");
    exit(1);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "a", required_argument, NULL, 'a' },
        { "b", required_argument, NULL, 'b' },
        { "control", required_argument, NULL, 'c' },
        { "seed", required_argument, NULL, 's' },
        { "mtu-tap", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *arg_a = NULL, *arg_b = NULL, *control = NULL;
    uint64_t seed = 0, mtu_tap = 0;
    bool have_seed = false;
    int o;

    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'a': arg_a = optarg; break;
        case 'b': arg_b = optarg; break;
        case 'c': control = optarg; break;
        case 's':
            if (!parse_u64(optarg, 0, UINT64_MAX, &seed))
                die("--seed: bad value '%s'", optarg);
            have_seed = true;
            break;
        case 'm':
            if (!parse_u64(optarg, 68, 65535, &mtu_tap))
                die("--mtu-tap: bad value '%s' (68..65535)", optarg);
            break;
        default: usage();
        }
    }
    if (!arg_a || !arg_b || !control || optind != argc)
        usage();
    if (!have_seed && getrandom(&seed, sizeof seed, 0) != sizeof seed)
        die("getrandom: %s", strerror(errno));
    parse_side(&S.side[0], 'A', arg_a);
    parse_side(&S.side[1], 'B', arg_b);

    int orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (orig_ns < 0)
        die("open /proc/self/ns/net: %s", strerror(errno));
    open_side(&S.side[0], orig_ns, (unsigned)mtu_tap);
    open_side(&S.side[1], orig_ns, (unsigned)mtu_tap);
    close(orig_ns);

    struct ev_loop *loop = EV_DEFAULT;
    if (!loop)
        die("libev: no default loop");
    signal(SIGPIPE, SIG_IGN);
    uint64_t sm = seed;
    for (int i = 0; i < 2; i++) {
        struct dir *d = &S.dir[i];
        d->name = i ? "ba" : "ab";
        d->src = &S.side[i];
        d->dst = &S.side[!i];
        d->f = faults_default;
        while (!(d->rng = splitmix64(&sm)))
            ;
        ev_io_init(&d->rx, rx_cb, d->src->fd, EV_READ);
        ev_init(&d->release, release_cb);
        ev_init(&d->stall, stall_cb);
        d->rx.data = d->release.data = d->stall.data = d;
        ev_io_start(loop, &d->rx);
    }
    for (int i = 0; i < 2; i++)  /* after the loss/jitter streams: those keep their draws */
        while (!(S.dir[i].nz_rng = splitmix64(&sm)))
            ;
    ev_signal_init(&S.sigterm, signal_cb, SIGTERM);
    ev_signal_init(&S.sigint, signal_cb, SIGINT);
    ev_signal_start(loop, &S.sigterm);
    ev_signal_start(loop, &S.sigint);

    open_control(control);
    ev_io_init(&S.listen_io, listen_cb, S.listen_fd, EV_READ);
    ev_io_start(loop, &S.listen_io);
    fprintf(stderr, "nb-standin: ready: A %s:%s, B %s:%s, control %s, seed %" PRIu64 "\n",
            S.side[0].ns, S.side[0].ifname, S.side[1].ns, S.side[1].ifname, control, seed);

    ev_run(loop, 0);

    while (S.clients)
        client_close(S.clients);
    struct stat st;
    if (lstat(control, &st) == 0 && st.st_dev == S.sock_dev && st.st_ino == S.sock_ino)
        unlink(control);
    close(S.listen_fd);
    for (int i = 0; i < 2; i++) {
        flush(&S.dir[i]);
        ev_timer_stop(loop, &S.dir[i].stall);
        ev_io_stop(loop, &S.dir[i].rx);
        close(S.side[i].fd);
    }
    ev_loop_destroy(loop);
    return S.exit_code;
}
