/* poller: one thread that reads every managed and watched cgroup, and the
 * host, into a snapshot every poll interval. Readers (/metrics, the JSON
 * API, the dashboard) take a reference to the latest complete snapshot and
 * never wait for a poll; the poller swaps in the next one when it is whole.
 *
 * Which cgroups: every cgroup below <cgroup-parent>/workloads (the managed
 * ones: a direct child is the workload of that name) and every cgroup at or
 * below each --watch root, found again each round, so a cgroup created or
 * removed shows or goes within one interval. A cgroup that vanishes while
 * it is read is dropped from that round's snapshot, quietly. */
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/sampler.h"

struct agent;
struct poller;

/* At most this many cgroups are polled; past it the rest are left out (and
 * the agent logs it once), so a runaway tree cannot exhaust descriptors. */
#define POLLER_MAX_CGROUPS 10000
/* Watch roots are walked this deep at most. */
#define POLLER_MAX_DEPTH 32
/* Buckets of the poll duration histogram (upper bounds in µs, poller.c). */
#define POLLER_BUCKETS 12

struct snap_cgroup {
	char *id;           /* "/cgwarden/workloads/web": the path below the cgroup root */
	const char *name;   /* the workload's name, or the last element of id */
	char *workload;     /* the workload it belongs to (at or below its cgroup), or NULL */
	bool managed;       /* the cgroup of a workload itself */
	struct sample s;
};

struct snap_dev {
	uint32_t major, minor;
	char name[32]; /* "vda", or "254:0" when /sys does not know it */
};

struct snapshot {
	uint64_t seq;           /* rounds since the agent started, from 1 */
	int64_t time_ms;        /* when the round started (Unix ms) */
	uint64_t interval_ms;   /* the poll interval it was taken at */
	uint64_t duration_us;   /* how long the round took */
	long ncpu;              /* online CPUs */
	long clk_tck;           /* USER_HZ of host.stat */
	bool has_host;
	struct sample_host host;
	size_t n;               /* cgroups, sorted by id */
	struct snap_cgroup *cg; /* room for cap of them */
	size_t cap;
	size_t ndev;
	struct snap_dev *dev;   /* names of the block devices the cgroups' io.stat lists */
	uint64_t poll_buckets[POLLER_BUCKETS]; /* cgwarden_poll_duration_seconds so far */
	uint64_t poll_count, poll_sum_us;
	uint64_t skipped;       /* cgroups left out past POLLER_MAX_CGROUPS */
	uint64_t unkept;        /* cgroups past the descriptor budget, opened each round */
	/* private: reference count and the /metrics text, rendered on the
	 * first scrape of this snapshot and kept for the next ones (in a
	 * buffer of metrics_cap bytes that outlives a recycling, see poller.c) */
	int refs;
	pthread_mutex_t lock;
	bool rendered;
	char *metrics;
	size_t metrics_len, metrics_cap;
};

/* Starts the thread after a first round, so the first scrape has data. */
int poller_start(struct agent *a, struct poller **ret);
void poller_stop(struct poller *p);

/* The latest snapshot with a reference taken (never NULL once started);
 * snapshot_unref drops it. */
struct snapshot *poller_get(struct poller *p);
void snapshot_unref(struct snapshot *s);

/* The cgroup of id ("/a/b" or "a/b") in s, or NULL. */
const struct snap_cgroup *snapshot_find(const struct snapshot *s, const char *id);

/* The block device name of major:minor as the snapshot has it. */
const char *snapshot_devname(const struct snapshot *s, uint32_t major, uint32_t minor);

/* The /metrics text of the snapshot: the per-cgroup families and the
 * poller's own, rendered on first use and kept while s lives. 0 or -ENOMEM. */
int snapshot_metrics(struct snapshot *s, const char **ret, size_t *ret_len);
