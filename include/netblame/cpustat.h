/* cpustat.h — CPU contention as passive evidence (DESIGN §1: a starved
 * vhost/QEMU thread is a virtual-network fault): the host's CPU pressure
 * (PSI, /proc/pressure/cpu), the run-queue wait of the threads that forward a
 * guest tap's frames (/proc/PID/task/TID/schedstat of the process that holds
 * the tap open, and of its vhost-PID kernel threads), and a guest's own steal
 * time (/proc/stat).
 *
 * Every figure is a cumulative kernel counter, sampled on demand: the caller
 * takes two samples and divides the difference by the time between them (its
 * share of the window). Nothing is kept between samples but the list of tap
 * owners, which nb_tapowners_scan() rebuilds (on link events, and on a slow
 * timer while a tap has none; never per probe: a scan walks every process's fds).
 *
 * All of this is outside data: the text parsers (nb_*_parse) take a buffer
 * and its length, check bounds first and never read past LEN; files that are
 * missing (a kernel without PSI or schedstats, a process that exited
 * mid-read) give -1, never a crash. Needs root (or CAP_SYS_PTRACE) to read
 * other processes' fds. */
#ifndef NETBLAME_CPUSTAT_H
#define NETBLAME_CPUSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "netblame/ntp.h"

#define NB_COMM_SIZ 16         /* TASK_COMM_LEN, with the NUL */
#define NB_CPU_IFNAMSIZ 16     /* IFNAMSIZ, with the NUL */
#define NB_CPU_THREADS_MAX 1024 /* threads reported per sample, all taps together */

/* /proc/pressure/cpu, the "some" line: the share of time at least one
 * runnable task waited for a CPU. */
struct nb_psi {
    double avg10, avg60, avg300; /* %, the kernel's running averages */
    uint64_t total_us;           /* cumulative stall time, µs */
};

/* /proc/stat's "cpu" line (all CPUs), in USER_HZ ticks. */
struct nb_cpu_times {
    uint64_t total; /* user + nice + system + idle + iowait + irq + softirq + steal */
    uint64_t steal; /* time a hypervisor ran something else while this guest wanted to run */
};

/* One thread that forwards a tap's frames, as sampled. */
struct nb_cpu_thread {
    char tap[NB_CPU_IFNAMSIZ]; /* the tap it serves */
    int32_t pid;               /* the process that holds the tap open */
    int32_t tid;               /* this thread (a vhost kernel thread: its own pid) */
    char comm[NB_COMM_SIZ];    /* its name ("vhost-1234", "CPU 0/TCG", "nb-standin") */
    uint64_t run_ns;           /* schedstat: time on a CPU */
    uint64_t wait_ns;          /* schedstat: time runnable, waiting on a run queue */
};

/* ---- parsers of /proc text (pure; bounds first) ---- */

/* The "some" line of /proc/pressure/cpu in TEXT[0..LEN). Returns 0, or -1 if
 * it is missing or malformed (avg outside 0..100, total not a decimal). */
int nb_psi_parse(const char *text, size_t len, struct nb_psi *out);
/* /proc/PID/task/TID/schedstat: "RUN_NS WAIT_NS SLICES". Returns 0, or -1. */
int nb_schedstat_parse(const char *text, size_t len, uint64_t *run_ns, uint64_t *wait_ns);
/* The first line of /proc/stat ("cpu  user nice system idle iowait irq
 * softirq steal ..."). Returns 0, or -1 (a kernel without the steal column:
 * fewer than 8 figures). */
int nb_procstat_parse(const char *text, size_t len, struct nb_cpu_times *out);
/* /proc/PID/fdinfo/FD of a /dev/net/tun fd: the interface it is attached to
 * (its "iff:" line) into NAME (CAP bytes). Returns 1, 0 if the fd is not
 * attached (no iff line), or -1 if the text is malformed. */
int nb_fdinfo_iff(const char *text, size_t len, char *name, size_t cap);
/* /proc/.../comm: the name without its newline into OUT (NB_COMM_SIZ bytes;
 * control characters become '?'). Returns 0, or -1 if empty. */
int nb_comm_parse(const char *text, size_t len, char out[NB_COMM_SIZ]);

/* ---- readers ---- */

/* This host's CPU pressure. Returns 0, or -1 (no PSI: an old kernel, or
 * booted with psi=0). */
int nb_psi_read(struct nb_psi *out);
/* This machine's CPU times. Returns 0, or -1. */
int nb_procstat_read(struct nb_cpu_times *out);
/* A procfs file PATH (relative to DIRFD, or AT_FDCWD) into BUF, at most
 * CAP - 1 bytes and NUL-terminated (a longer file is cut). Returns its
 * length, or -1. */
ssize_t nb_proc_read(int dirfd, const char *path, char *buf, size_t cap);

/* ---- the processes and threads behind taps ---- */

struct nb_tapowners;

/* Empty; PROC is the procfs mount ("/proc"). */
struct nb_tapowners *nb_tapowners_new(const char *proc);
/* Closes the pidfds it holds. T may be NULL. */
void nb_tapowners_free(struct nb_tapowners *t);
/* Forget the owners and find them again: every process holding a
 * /dev/net/tun fd attached to one of the N interfaces NAMES in this network
 * namespace (a tap of the same name in another namespace is not ours; when
 * the kernel cannot say, pidfd_getfd() or TUNGETDEVNETNS refused, a name match
 * is taken), and the vhost-PID kernel threads of those processes. Returns how
 * many (tap, process) pairs were found. */
size_t nb_tapowners_scan(struct nb_tapowners *t, const char *const *names, size_t n);
/* How many distinct taps the last scan found an owner for. */
size_t nb_tapowners_taps(const struct nb_tapowners *t);
/* Sample every thread of every owner (a thread that exits while it is read is
 * left out; an owner that exited gives nothing) into OUT (CAP entries),
 * grouped by tap. Returns the count; *TRUNCATED (may be NULL) says threads
 * were left out for want of room. */
size_t nb_tapowners_sample(struct nb_tapowners *t, struct nb_cpu_thread *out, size_t cap,
                           bool *truncated);

#endif
