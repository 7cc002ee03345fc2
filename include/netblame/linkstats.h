/* linkstats.h — passive evidence (DESIGN.md §2): per-interface kernel counters
 * sampled on demand, and link events (appeared, vanished, admin up/down,
 * carrier on/off) as they happen, through the libnl-3 route API.
 *
 * No event loop inside: the owner watches nb_linkstats_fd() for reading and
 * calls nb_linkstats_on_readable(), which fires the event callback. Everything
 * is scoped to the network namespace current when nb_linkstats_new() ran. */
#ifndef NETBLAME_LINKSTATS_H
#define NETBLAME_LINKSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netblame/ntp.h"

#define NB_LINK_NAMESIZ 16 /* IFNAMSIZ, with the NUL */

/* Cumulative kernel counters (IFLA_STATS64, RTNL_LINK_*); they only go up
 * while the interface exists. */
struct nb_link_counters {
    uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
    uint64_t rx_dropped, tx_dropped, rx_errors, tx_errors;
    uint64_t carrier_changes; /* IFLA_CARRIER_CHANGES */
    uint64_t qdisc_drops;     /* drops of the root qdisc; 0 if it has no stats */
};

struct nb_link_state {
    int ifindex;
    char name[NB_LINK_NAMESIZ];
    bool up;                    /* IFF_UP: administratively up */
    bool carrier;               /* IFLA_CARRIER */
    unsigned operstate;         /* IF_OPER_* (RFC 2863) */
    int master;                 /* ifindex of the bridge/bond it is enslaved to, or 0 */
    char kind[NB_LINK_NAMESIZ]; /* "veth", "bridge", "tun" (taps too), ...; "" if none */
    struct nb_link_counters c;
    nb_ns sampled; /* CLOCK_REALTIME when the kernel's answer arrived */
};

enum nb_link_event_kind {
    NB_LINK_APPEARED,
    NB_LINK_VANISHED,
    NB_LINK_UP,
    NB_LINK_DOWN,
    NB_LINK_CARRIER_ON,
    NB_LINK_CARRIER_OFF,
};

struct nb_link_event {
    enum nb_link_event_kind kind;
    int ifindex;
    char name[NB_LINK_NAMESIZ];
    nb_ns when; /* CLOCK_REALTIME when the notification was processed */
};

/* Events report real transitions of (present, admin up, carrier), once each,
 * in kernel order. A link that appears already up gives APPEARED, then UP,
 * then CARRIER_ON. VANISHED implies down and no carrier; the kernel closes a
 * link before unregistering it, so an up link usually gives DOWN (and
 * CARRIER_OFF) just before its VANISHED. The kernel notifies carrier changes
 * late and coalesced (linkwatch): a flap faster than that still gives its
 * CARRIER_OFF/CARRIER_ON pair, recovered from IFLA_CARRIER_CHANGES, but many
 * flaps between two notifications give one pair (carrier_changes counts them
 * all). Links present when nb_linkstats_new() ran give no events: use
 * nb_linkstats_foreach(). EV is only valid during the call; the callback may
 * call nb_linkstats_get*() and _foreach(), but must not free LS. */
typedef void (*nb_link_event_cb)(void *arg, const struct nb_link_event *ev);

struct nb_linkstats;

/* "appeared", "vanished", "up", "down", "carrier_on", "carrier_off"; "?" otherwise. */
const char *nb_link_event_kind_name(enum nb_link_event_kind kind);

/* Open a route/link cache manager and a query socket in the current network
 * namespace. Returns the handle, or NULL with a message in ERR. */
struct nb_linkstats *nb_linkstats_new(nb_link_event_cb cb, void *arg, char *err, size_t errlen);
/* Close both sockets and free everything; LS may be NULL. */
void nb_linkstats_free(struct nb_linkstats *ls);
/* The notification socket (non-blocking), for an EV_READ watcher. */
int nb_linkstats_fd(const struct nb_linkstats *ls);
/* Process every pending notification and fire the callbacks; resynchronises
 * with a full dump (still firing only real transitions) if notifications
 * were lost to a socket overrun. */
void nb_linkstats_on_readable(struct nb_linkstats *ls);
/* Objects in the event cache (returned) and links known as present (*KNOWN):
 * both follow what the kernel has now, not what came and went (tests). */
size_t nb_linkstats_cached(const struct nb_linkstats *ls, size_t *known);

/* Current state of an interface, counters fresh from the kernel (one
 * RTM_GETLINK plus one qdisc dump of all interfaces: ~30 us with a few links,
 * ~1.2 ms with 500). Returns 0, or -1 if it does not exist (or the kernel
 * could not be asked: logged). */
int nb_linkstats_get(struct nb_linkstats *ls, const char *name, struct nb_link_state *out);
int nb_linkstats_get_index(struct nb_linkstats *ls, int ifindex, struct nb_link_state *out);
/* The same for N interfaces sharing one qdisc dump: use it to sample several
 * links at once. OUT[i] is all zeros (ifindex 0) for one that does not exist.
 * Returns how many exist. */
size_t nb_linkstats_get_many(struct nb_linkstats *ls, const int *ifindex, size_t n,
                             struct nb_link_state *out);
/* Call FN for every present link, with fresh counters (one link dump and one
 * qdisc dump for all: ~0.7 ms with 100 links). ST is only valid during the
 * call. */
void nb_linkstats_foreach(struct nb_linkstats *ls,
                          void (*fn)(void *arg, const struct nb_link_state *st), void *arg);

/* OUT = B - A field by field, 0 for a field that went backwards (the
 * interface was re-created between the samples). OUT may alias A or B. */
void nb_link_counters_delta(const struct nb_link_counters *a, const struct nb_link_counters *b,
                            struct nb_link_counters *out);

#endif
