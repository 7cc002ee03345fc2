/* backend.h — what the parts of nb-backend share: its knobs, listeners,
 * connections and control clients, and the program's state. backend.c:
 * what it is (its header), the listeners and start-up; backend_conn.c: the
 * served connections (HTTP and raw); backend_ctl.c: the control protocol. */
#ifndef NB_BACKEND_H
#define NB_BACKEND_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <ev.h>

#define HDR_MAX (16 * 1024)
#define BODY_MAX 256
#define BIG_BODY_MAX 8192
#define SKIP_MAX (1024 * 1024)
#define HELD_MAX 256
#define CONN_MAX 900
#define CTL_MAX 16
#define RAW_LINE_MAX 64
#define IDLE_S 30.0
#define DRAIN_S 5.0

enum mode { MODE_NORMAL, MODE_RESET, MODE_HANG, MODE_REFUSE, MODE_CLOSE, MODE_COUNT };

struct knobs {
    unsigned delay_ms, status;
    enum mode mode;
    size_t body_len;
    char body[BODY_MAX];
    unsigned body_size; /* not 0: a body of this many bytes instead */
};

struct listener {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    const char *spec;
    bool raw;
    int fd;
    ev_io io;
};

/* READ: parsing input; DELAY: answer waits for the delay timer; WRITE:
 * answer being sent; HELD: mode=hang; DRAIN: FIN sent, reading until EOF. */
enum cstate { ST_READ, ST_DELAY, ST_WRITE, ST_HELD, ST_DRAIN };

/* Intrusive list link: the first member of struct conn and struct ctl. */
struct node {
    struct node *prev, *next;
};

struct conn {
    struct node link;
    int fd;
    enum cstate st;
    bool raw, head, close_after, reset;
    ev_io rio, wio;
    ev_timer idle, delay;
    size_t in_len, skip, out_len, out_off;
    char in[HDR_MAX];
    char out[BIG_BODY_MAX + 256];
};

struct ctl {
    struct node link;
    int fd;
    bool broken, skip_line;
    ev_io rio;
    size_t in_len;
    char in[1024];
};

/* Counters (stats command) and how many of each kind are open. */
struct stats {
    unsigned long long accepted, requests, responses, resets;
    unsigned held, conns, ctls;
};

extern struct ev_loop *loop;
extern struct knobs knobs;
extern struct stats stats;
extern struct listener listeners[2];
extern int nlisteners;
extern struct node *conns, *ctls;
extern int ctl_fd;
extern ev_io ctl_io;
extern const char *ctl_path;

/* backend.c */
void list_add(struct node *n, struct node **head);
void list_del(struct node *n, struct node **head);
bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out);
const char *listener_open(struct listener *l);
void listener_close(struct listener *l);

/* backend_conn.c */
void conn_close(struct conn *c);
void accept_cb(struct ev_loop *el, ev_io *w, int revents);

/* backend_ctl.c */
void knobs_default(struct knobs *k);
void ctl_close(struct ctl *k);
const char *ctl_open(const char *path);

#endif
