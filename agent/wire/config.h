/* config.h — netblamed's JSON configuration: the one parser of the config file.
 * cJSON stays inside config.c; everything else sees these structs. Unknown keys,
 * wrong types and out-of-range values are errors naming the file and the key
 * path ("netblame.json: peers[1].interval_ms: must be an integer in 10..60000"),
 * because a typo silently ignored is a probe that silently never runs. */
#ifndef NB_CONFIG_H
#define NB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/appprobe.h"
#include "net/apiauth.h"
#include "netblame/addr.h"
#include "netblame/stamp.h"
#include "netblame/verdict.h"
#include "wire/alerts_cfg.h"

#define NB_NAME_MAX 64
#define NB_HOST_MAX 256
#define NB_MAX_PEERS 1024 /* in "peers" */
#define NB_FABRIC_PEERS_MAX 16384 /* chosen from "fabric".inventory_file: max_peers' ceiling */
#define NB_MAX_APPS 256
#define NB_APP_URL_MAX 800 /* "http://" + host (255) + ":65535" + path (511) fits */
/* App probes' reserved source ports (appprobe.h, capture.h): just above
 * Linux's default ephemeral range (32768..60999), so the kernel never hands
 * them to other connections. */
#define NB_APP_PORT_FIRST_DEFAULT 61000
#define NB_APP_PORT_LAST_DEFAULT 61255
/* "inventory": labels of netblame_info (config_inventory.c). Bounded so one
 * file cannot blow up every series a join copies them onto. */
#define NB_INV_MAX 16        /* labels */
#define NB_INV_NAME_MAX 64   /* a name: 1..63 characters */
#define NB_INV_VALUE_MAX 128 /* a value: 1..127 bytes */

enum nb_role { NB_ROLE_HOST = 0, NB_ROLE_GUEST = 1 };

/* Probe families of DESIGN §3 (app and path come with later modules). */
enum nb_family { NB_FAMILY_VNET = 0, NB_FAMILY_FABRIC = 1, NB_FAMILY_PATH = 2, NB_FAMILY__COUNT };
const char *nb_family_name(enum nb_family f);
/* Returns 0 and sets *F, or -1 for an unknown name. */
int nb_family_parse(const char *name, enum nb_family *f);

#define NB_FULL_SIZE_EVERY 10 /* a peer's full-size probes: one in ten */

struct nb_peer_cfg {
    char name[NB_NAME_MAX];   /* label in metrics; unique; [A-Za-z0-9_.:-]+ */
    enum nb_family family;
    char host[NB_HOST_MAX];   /* numeric IPv4/IPv6 address */
    uint16_t port;            /* default NB_STAMP_PORT */
    unsigned interval_ms;     /* mean probe interval, default 1000, 10..60000 */
    unsigned timeout_ms;      /* a probe unanswered this long is lost, default 2000, 10..60000 */
    unsigned full_size_every; /* every Nth probe full size (route MTU, DF); 0: none;
                                 default NB_FULL_SIZE_EVERY, 0..1000 */
    unsigned level;           /* 0: from "peers"; from "fabric".inventory_file: 1 this
                                 host's ToR, 2 its pod's other ToRs, 3 other pods */
    bool histograms;          /* RTT and hold histograms of its own in /metrics (else
                                 only its level's: "fabric".peer_histograms) */
};

/* One continuously probed application target (appmon.h). */
struct nb_app_cfg {
    char name[NB_NAME_MAX];      /* label in metrics; unique; [A-Za-z0-9_.:-]+ */
    char url[NB_APP_URL_MAX];    /* as written: http://host[:port]/path or tcp://host:port */
    struct nb_app_target target; /* the url parsed, expectations, timeout_ms; ports NULL */
    unsigned interval_ms;        /* mean probe interval, default 1000, 100..600000 */
};

/* One inventory label: a Prometheus label name and its value. */
struct nb_inventory_label {
    char name[NB_INV_NAME_MAX];
    char value[NB_INV_VALUE_MAX];
};

struct nb_config {
    char *path;                 /* file it came from (owned) */
    enum nb_role role;
    char node[NB_NAME_MAX];     /* this agent's name; default: hostname */
    /* where it sits in the fleet (rack, tor, ...), in the file's order; none by default */
    struct nb_inventory_label inventory[NB_INV_MAX];
    size_t ninventory;
    char log_level[8];          /* err|warn|info|debug; default info */
    char user[32];              /* run as this user once started (privs.c); default
                                   "netblame"; "root": stay root */

    /* STAMP reflector listen address; default "0.0.0.0", port NB_STAMP_PORT */
    char stamp_addr[NB_HOST_MAX];
    uint16_t stamp_port;
    bool reflector;             /* default true */
    unsigned reflector_hold_us; /* lab/test knob: hold each reply (a slow reflector), default 0 */
    unsigned reflector_rate_pps, reflector_burst; /* per source; 0: no limit (ratelimit.h) */
    size_t reflector_nallow;    /* "allow": sources answered; 0: all */
    struct nb_prefix reflector_allow[NB_PREFIXES_MAX];

    /* control API; default 127.0.0.1:9862 */
    char api_addr[NB_HOST_MAX];
    uint16_t api_port;
    struct nb_api_sec api_sec;  /* its TLS and tokens (apiauth.h); none by default */

    enum nb_stamp_mode auth;    /* "none" (default) | "hmac" */
    struct nb_stamp_key key;    /* from "key_hex" (hex string) or "key_file" (raw bytes) */
    uint16_t ssid;              /* session-sender identifier, default 0 */
    size_t n_host_agent_prefixes; /* where a reflector's announced host agent may be */
    struct nb_prefix host_agent_prefixes[NB_PREFIXES_MAX];
    unsigned jitter_pct;        /* pacing jitter, percent of interval, default 10, 0..50 */

    struct nb_peer_cfg *peers;  /* owned: "peers", then those chosen from the inventory */
    size_t npeers;
    /* "fabric": peers chosen from the inventory (config_fabric.c): hosts in
     * it, peers in this host's ToR, in its pod's other ToRs, in other pods */
    bool fabric;
    size_t fabric_hosts, fabric_peers[3];

    struct nb_app_cfg *apps;    /* app probe targets (owned) */
    size_t napps;

    /* guest role: where this guest's host agent's control API is; the
     * reflector tells path senders in-band (netblame host-agent TLV). */
    bool has_host_agent;
    char host_agent_addr[NB_HOST_MAX];
    uint16_t host_agent_port;   /* default 9862 */

    /* host role: capture of probes on guest taps and the uplink NIC */
    bool capture;               /* the "capture" object is present */
    char uplink[16];            /* physical NIC (required in "capture") */
    unsigned capture_buffer_kib;/* pcap buffer for the whole host, default 4096 */
    unsigned sightings_capacity;/* sightings kept, default 65536 */
    bool tap_owners;            /* keep what reading tap owners' /proc needs (privs.c) */

    /* app probes connect from these ports (guest); their handshakes are
     * sighted (host). Default NB_APP_PORT_FIRST/LAST_DEFAULT. */
    uint16_t app_port_first, app_port_last;

    /* the classifier's thresholds: nb_cls_thresholds_default(), overridden
     * key by key by the "classifier" object (times given in µs, held in ns) */
    struct nb_cls_thresholds cls;

    /* Alertmanager notifications: mapping, enrichment, spool and sinks
     * (alerts_cfg.h); the defaults when the "alerts" object is absent */
    struct nb_alerts_cfg alerts;
};

/* Read and validate PATH. Returns 0, or -1 with a one-line message in ERR
 * (file and key named). *OUT is filled only on success; free with nb_config_free. */
int nb_config_load(const char *path, struct nb_config *out, char *err, size_t errlen);
/* Same on an in-memory document; NAME is used in messages. */
int nb_config_parse(const char *text, size_t len, const char *name, struct nb_config *out,
                    char *err, size_t errlen);
void nb_config_free(struct nb_config *c);

/* Where a client on this machine reaches C's control API: api_addr, or
 * loopback when it listens on every address ("0.0.0.0", "::"). */
const char *nb_config_api_reach(const struct nb_config *c);

#endif
