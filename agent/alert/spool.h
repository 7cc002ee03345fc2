/* spool.h — the bounded on-disk spool of accepted Alertmanager notifications
 * (issue 14). The daemon answers Alertmanager 2xx only after nb_spool_put()
 * returned NB_SPOOL_OK, so an accepted notification survives a crash or a
 * restart and is replayed from here; a full spool answers 503 and
 * Alertmanager keeps the notification and retries.
 *
 * On disk, in DIR (created 0700 if missing):
 *   e-<seq>        one accepted notification: a header line
 *                  "NBSPOOL1 <seq hex> <accept realtime ns> <length> <fnv64 hex>\n"
 *                  and the payload. <seq> is 16 hex digits, one more than any
 *                  seen in DIR, dead/ or corrupt/ at open, so the names sort in
 *                  arrival order and keep it across restarts.
 *   e-<seq>.p      its progress, append-only: "<sink id> <event index> d|f\n"
 *                  (delivered / failed for good), fdatasync'd per line.
 *   tmp-<seq>      a put in progress; removed at open (it was never answered 2xx).
 *   dead/          entries some sink refused for good (with their .p, which
 *                  says which sink), kept for a person to look at.
 *   corrupt/       entries found unreadable at open or later (bad header,
 *                  truncated, checksum mismatch), moved aside and counted.
 * dead/ and corrupt/ keep at most NB_SPOOL_ASIDE_MAX files each, oldest
 * removed first, so neither can fill the disk.
 *
 * A put writes tmp-<seq>, fsyncs it, renames it to e-<seq> and fsyncs DIR:
 * the entry is either whole under its name or absent. Only e-* payload files
 * count toward max_bytes (a .p is a few bytes a line).
 *
 * Synchronous file I/O on the caller's thread: a put costs two fsyncs. */
#ifndef NB_ALERT_SPOOL_H
#define NB_ALERT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netblame/buf.h"
#include "netblame/clock.h"

#define NB_SPOOL_ASIDE_MAX 256

enum nb_spool_rc {
    NB_SPOOL_OK = 0,
    NB_SPOOL_FULL, /* would exceed max_bytes: answer 503, Alertmanager retries */
    NB_SPOOL_IO,   /* write, fsync or rename failed: nothing was kept; answer 503 */
};

struct nb_spool_entry {
    uint64_t seq;
    uint64_t bytes;    /* the file's size, header included */
    nb_ns accept_real; /* CLOCK_REALTIME of the accept */
};

struct nb_spool_stats {
    uint64_t entries, bytes, max_bytes;
    uint64_t full_total;      /* puts refused because the spool was full */
    uint64_t corrupt_total;   /* entries moved to corrupt/ */
    uint64_t dead_total;      /* entries moved to dead/ */
    uint64_t io_errors_total; /* failed writes, fsyncs, renames, unlinks */
};

struct nb_spool;

/* Open (creating DIR, dead/ and corrupt/ if missing) and scan DIR: valid
 * entries are listed in arrival order, corrupt ones moved aside, leftover
 * temporaries and orphan progress files removed. NULL with ERR when DIR
 * cannot be made or read. */
struct nb_spool *nb_spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen);
void nb_spool_close(struct nb_spool *sp);

/* Keep LEN bytes of DATA durably; *SEQ is its sequence number. */
enum nb_spool_rc nb_spool_put(struct nb_spool *sp, const void *data, size_t len, nb_ns accept_real,
                              uint64_t *seq, char *err, size_t errlen);

/* The entries held, oldest first (valid until the next put or finish). */
const struct nb_spool_entry *nb_spool_entries(const struct nb_spool *sp, size_t *n);

/* Read entry SEQ's payload into OUT (replaced, NUL-terminated). -1 with ERR
 * if it is gone or no longer valid; an invalid one is moved to corrupt/. */
int nb_spool_read(struct nb_spool *sp, uint64_t seq, struct nb_buf *out, char *err, size_t errlen);

/* FNV-1a, 64 bits: the payload check, and the sinks' ordering keys. */
uint64_t nb_spool_hash(const void *data, size_t len);

/* A sink's id in the progress files: a hash of NAME (a sink's type and
 * name), so a renamed sink is a new sink. */
uint64_t nb_spool_sink_id(const char *name);

/* Record durably that event INDEX of entry SEQ is finished for SINK:
 * DELIVERED, or failed for good. -1 with ERR on an I/O error (the mark may be
 * lost: after a restart that event is sent again). */
int nb_spool_mark(struct nb_spool *sp, uint64_t seq, uint64_t sink, unsigned index, bool delivered,
                  char *err, size_t errlen);

/* Call FN for every mark of entry SEQ, in the order written. A torn or
 * malformed line (a crash mid-append) ends the reading: what follows is
 * treated as not done. Returns the number of marks read. */
typedef void (*nb_spool_mark_fn)(void *arg, uint64_t sink, unsigned index, bool delivered);
size_t nb_spool_marks(struct nb_spool *sp, uint64_t seq, nb_spool_mark_fn fn, void *arg);

/* The readers of the two files, pure (tests/fuzz/fuzz_spool.c): entry SEQ's
 * whole file DATA (SIZE bytes) checked — header canonical, length and
 * checksum — true with *ACCEPT_REAL and *OFF (where the payload starts);
 * and the marks of a progress file's TEXT, as nb_spool_marks. */
bool nb_spool_entry_parse(const char *data, size_t size, uint64_t seq, nb_ns *accept_real,
                          size_t *off);
size_t nb_spool_marks_parse(const char *text, size_t len, nb_spool_mark_fn fn, void *arg);

/* Entry SEQ is finished for every sink: removed, or moved to dead/ when DEAD
 * (some sink refused it). Forgotten in memory even if the disk refuses (then
 * -1, counted): the next open finds it again with its marks all done. */
int nb_spool_finish(struct nb_spool *sp, uint64_t seq, bool dead, char *err, size_t errlen);

const struct nb_spool_stats *nb_spool_stats(const struct nb_spool *sp);

/* Tests only: replace fsync(2)/fdatasync(2) so a failing disk can be played. */
void nb_spool_set_fsync(struct nb_spool *sp, int (*fn)(int fd));

#endif
