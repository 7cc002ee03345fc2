/* standin.h — what the parts of nb-standin share: the settings, frames,
 * sides and directions of the fault pipeline and the program's state.
 * standin.c: what it is (its header), the command line and start-up;
 * standin_faults.c: each direction's fault pipeline (the data path);
 * standin_control.c: the control protocol. */
#ifndef NB_STANDIN_H
#define NB_STANDIN_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/types.h>
#include <ev.h>

#define FRAME_MAX 65536
#define READ_BUDGET 64
#define LINE_MAX_LEN 1024
#define MAX_CLIENTS 32
#define QUEUE_DEFAULT 4096
#define ETH_HLEN_ 14

struct faults {
    uint64_t delay_us, jitter_us, stall_every_ms, stall_for_ms, queue, rate_pps, mtu;
    double loss_pct;
};

extern const struct faults faults_default;

struct frame {
    struct frame *next;
    double release;
    size_t len;
    unsigned char data[];
};

struct side {
    char label;            /* 'A' or 'B' */
    char ns[NAME_MAX + 1];
    char ifname[IFNAMSIZ];
    int fd;
};

/* Heavy-tailed healthy noise (log-normal wake-up delay); off when p50_us == 0. */
struct noise {
    uint64_t p50_us, p99_us;
    double mu, sigma, cap;  /* of ln(delay in s); cap in s */
};

#define Z_99 2.3263478740408408 /* the standard normal's 99th percentile */

struct dir {
    const char *name;
    struct side *src, *dst;
    struct faults f;
    struct noise nz;
    struct {
        uint64_t in, out, drop_loss, drop_queue, drop_mtu, drop_down, write_err, stalls, wakes;
    } c;
    struct frame *head, *tail;
    uint64_t held;
    double last_release, next_allowed, wake_until;
    bool stalled;
    uint64_t rng, nz_rng;
    ev_io rx;
    ev_timer release;
    ev_timer stall;
};

struct client {
    ev_io io;
    int fd;
    size_t len;
    struct client *prev, *next;
    char buf[LINE_MAX_LEN + 2];
};

/* The program's state: its two sides, its two directions, the control socket. */
struct standin {
    struct side side[2];
    struct dir dir[2];
    bool down;
    int listen_fd;
    ev_io listen_io;
    const char *control_path;
    dev_t sock_dev;
    ino_t sock_ino;
    struct client *clients;
    int nclients;
    ev_signal sigterm, sigint;
    int exit_code;
};

extern struct standin S;

/* standin_faults.c */
uint64_t splitmix64(uint64_t *x);
void flush(struct dir *d);
void faults_apply(struct dir *d, const struct faults *nf);
int set_carrier(int on, char *err, size_t errlen);
void rx_cb(EV_P_ ev_io *w, int revents);
void release_cb(EV_P_ ev_timer *w, int revents);
void stall_cb(EV_P_ ev_timer *w, int revents);

/* standin_control.c */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
void client_close(struct client *c);
void listen_cb(EV_P_ ev_io *w, int revents);

#endif
