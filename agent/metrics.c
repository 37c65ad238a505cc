/* metrics: renders /metrics (see metrics.h). */
#include "agent/metrics.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "agent/agent.h"
#include "agent/api.h"
#include "agent/events.h"
#include "agent/poller.h"
#include "agent/prom.h"
#include "probes/num.h"
#include "probes/psi.h"

static const char *const psi_resources[] = {"cpu", "memory", "io", "irq"};

/* Build info, and the host PSI files of /proc/pressure as the poll read them. */
static void render_host(const struct snapshot *snap, struct buf *b)
{
	const struct sample_host *h = &snap->host;
	const struct psi *psi[4] = {&h->cpu_pressure, &h->memory_pressure, &h->io_pressure, &h->irq_pressure};
	bool have[4];
	struct utsname u;
	char name[96];

	uname(&u);
	prom_family(b, "cgwarden_build_info", PROM_GAUGE,
		    "Always 1; the labels name the cgwarden version and revision and the kernel.");
	prom_sample(b, "cgwarden_build_info",
		    (const struct prom_label[]){{"version", CGW_VERSION}, {"revision", CGW_GITREV},
						{"kernel", u.release}, {NULL, NULL}},
		    1, 0);

	for (int i = 0; i < 4; i++) /* the pressure files in psi_resources' order */
		have[i] = snap->has_host && (h->present & SAMPLE_BIT(SAMPLE_HOST_CPU_PRESSURE + i));
	/* Counters of stall time, as node_exporter names them, one family per
	 * resource and kind: "waiting" is PSI some, "stalled" is PSI full. */
	for (int kind = 0; kind < 2; kind++)
		for (int i = 0; i < 4; i++) {
			const struct psi_line *l = kind == 0 ? &psi[i]->some : &psi[i]->full;
			bool present = have[i] && (kind == 0 ? psi[i]->has_some : psi[i]->has_full);
			char help[160];

			if (!present)
				continue;
			snprintf(name, sizeof(name), "cgwarden_host_pressure_%s_%s_seconds_total", psi_resources[i],
				 kind == 0 ? "waiting" : "stalled");
			snprintf(help, sizeof(help), "Host time in seconds that %s tasks were %s on %s (/proc/pressure/%s %s total).",
				 kind == 0 ? "some" : "all non-idle", kind == 0 ? "waiting" : "stalled", psi_resources[i],
				 psi_resources[i], kind == 0 ? "some" : "full");
			prom_family(b, name, PROM_COUNTER, help);
			prom_sample(b, name, NULL, l->total, 6);
		}
	prom_family(b, "cgwarden_host_pressure_avg10_ratio", PROM_GAUGE,
		    "Share of the last 10 s that some (or all non-idle: kind=full) tasks on the host were stalled "
		    "on the resource (/proc/pressure/<resource> avg10 / 100).");
	for (int i = 0; i < 4; i++)
		for (int kind = 0; have[i] && kind < 2; kind++)
			if (kind == 0 ? psi[i]->has_some : psi[i]->has_full)
				prom_sample(b, "cgwarden_host_pressure_avg10_ratio",
					    (const struct prom_label[]){{"resource", psi_resources[i]},
									{"kind", kind == 0 ? "some" : "full"},
									{NULL, NULL}},
					    kind == 0 ? psi[i]->some.avg10 : psi[i]->full.avg10, 4);
}

/* ---- per-cgroup families, from a snapshot ----
 * One table row per family: its getter says whether the cgroup has the value
 * (a file absent on this kernel or controller means no sample, not zero). */

typedef bool (*getter)(const struct sample *s, uint64_t *ret);

#define HAS(f) (s->present & SAMPLE_BIT(SAMPLE_##f))

/* A key of a flat keyed file. */
#define FLAT_GET(fn, FILE, member, PREFIX, key)                                                    \
	static bool fn(const struct sample *s, uint64_t *ret)                                      \
	{                                                                                          \
		if (!HAS(FILE) || !FLAT_HAS(s->member.has, PREFIX##key))                           \
			return false;                                                              \
		*ret = s->member.key;                                                              \
		return true;                                                                       \
	}
/* A single-value file; with no_max, "max" means no sample. */
#define U64_GET(fn, FILE, member, no_max)                                                          \
	static bool fn(const struct sample *s, uint64_t *ret)                                      \
	{                                                                                          \
		if (!HAS(FILE) || ((no_max) && s->member == NUM_MAX))                              \
			return false;                                                              \
		*ret = s->member;                                                                  \
		return true;                                                                       \
	}

FLAT_GET(cpu_usage, CPU_STAT, cpu_stat, CPU_STAT_, usage_usec)
FLAT_GET(cpu_user, CPU_STAT, cpu_stat, CPU_STAT_, user_usec)
FLAT_GET(cpu_system, CPU_STAT, cpu_stat, CPU_STAT_, system_usec)
FLAT_GET(cpu_periods, CPU_STAT, cpu_stat, CPU_STAT_, nr_periods)
FLAT_GET(cpu_throttled, CPU_STAT, cpu_stat, CPU_STAT_, nr_throttled)
FLAT_GET(cpu_throttled_usec, CPU_STAT, cpu_stat, CPU_STAT_, throttled_usec)
FLAT_GET(mem_anon, MEMORY_STAT, memory_stat, MEMORY_STAT_, anon)
FLAT_GET(mem_file, MEMORY_STAT, memory_stat, MEMORY_STAT_, file)
FLAT_GET(mem_mapped, MEMORY_STAT, memory_stat, MEMORY_STAT_, file_mapped)
FLAT_GET(mem_kernel, MEMORY_STAT, memory_stat, MEMORY_STAT_, kernel)
FLAT_GET(mem_oom_kill, MEMORY_EVENTS, memory_events, MEMORY_EVENTS_, oom_kill)
FLAT_GET(pids_max_events, PIDS_EVENTS, pids_events, PIDS_EVENTS_, max)
FLAT_GET(populated, CGROUP_EVENTS, cgroup_events, CGROUP_EVENTS_, populated)
FLAT_GET(frozen, CGROUP_EVENTS, cgroup_events, CGROUP_EVENTS_, frozen)
FLAT_GET(descendants, CGROUP_STAT, cgroup_stat, CGROUP_STAT_, nr_descendants)
FLAT_GET(dying, CGROUP_STAT, cgroup_stat, CGROUP_STAT_, nr_dying_descendants)
U64_GET(mem_current, MEMORY_CURRENT, memory_current, false)
U64_GET(mem_peak, MEMORY_PEAK, memory_peak, false)
U64_GET(mem_swap, MEMORY_SWAP_CURRENT, memory_swap_current, false)
U64_GET(mem_max, MEMORY_MAX, memory_max, true)
U64_GET(mem_high, MEMORY_HIGH, memory_high, true)
U64_GET(mem_low, MEMORY_LOW, memory_low, false)
U64_GET(mem_min, MEMORY_MIN, memory_min, false)
U64_GET(swap_max, MEMORY_SWAP_MAX, memory_swap_max, true)
U64_GET(pids_current, PIDS_CURRENT, pids_current, false)
U64_GET(pids_max, PIDS_MAX, pids_max, true)
U64_GET(cpu_weight, CPU_WEIGHT, cpu_weight, false)

/* What the kernel counts as the working set, as cAdvisor does: usage less
 * the inactive file cache, not below zero. */
static bool mem_working_set(const struct sample *s, uint64_t *ret)
{
	uint64_t inactive = 0;

	if (!HAS(MEMORY_CURRENT))
		return false;
	if (HAS(MEMORY_STAT) && FLAT_HAS(s->memory_stat.has, MEMORY_STAT_inactive_file))
		inactive = s->memory_stat.inactive_file;
	*ret = s->memory_current > inactive ? s->memory_current - inactive : 0;
	return true;
}

static bool cpu_quota(const struct sample *s, uint64_t *ret)
{
	if (!HAS(CPU_MAX) || s->cpu_max.quota == NUM_MAX)
		return false;
	*ret = s->cpu_max.quota;
	return true;
}

static bool cpu_period(const struct sample *s, uint64_t *ret)
{
	if (!HAS(CPU_MAX))
		return false;
	*ret = s->cpu_max.period;
	return true;
}

static const struct family {
	const char *name;
	enum prom_type type;
	unsigned scale; /* value / 10^scale: µs counters as seconds */
	getter get;
	const char *help;
} families[] = {
	{"container_cpu_usage_seconds_total", PROM_COUNTER, 6, cpu_usage, "Cumulative CPU time consumed (cpu.stat usage_usec)."},
	{"container_cpu_user_seconds_total", PROM_COUNTER, 6, cpu_user, "Cumulative user CPU time (cpu.stat user_usec)."},
	{"container_cpu_system_seconds_total", PROM_COUNTER, 6, cpu_system, "Cumulative system CPU time (cpu.stat system_usec)."},
	{"container_cpu_cfs_periods_total", PROM_COUNTER, 0, cpu_periods, "Number of elapsed enforcement periods (cpu.stat nr_periods)."},
	{"container_cpu_cfs_throttled_periods_total", PROM_COUNTER, 0, cpu_throttled, "Number of throttled periods (cpu.stat nr_throttled)."},
	{"container_cpu_cfs_throttled_seconds_total", PROM_COUNTER, 6, cpu_throttled_usec, "Total time the cgroup was throttled (cpu.stat throttled_usec)."},
	{"container_spec_cpu_quota", PROM_GAUGE, 0, cpu_quota, "CPU quota in microseconds per period (cpu.max; absent when max)."},
	{"container_spec_cpu_period", PROM_GAUGE, 0, cpu_period, "CPU period in microseconds (cpu.max)."},
	{"cgwarden_cpu_weight", PROM_GAUGE, 0, cpu_weight, "CPU weight, 1 to 10000 (cpu.weight)."},
	{"container_memory_usage_bytes", PROM_GAUGE, 0, mem_current, "Current memory usage in bytes, all memory regardless of when it was accessed (memory.current)."},
	{"container_memory_working_set_bytes", PROM_GAUGE, 0, mem_working_set, "Current working set in bytes: memory.current less memory.stat inactive_file."},
	{"container_memory_rss", PROM_GAUGE, 0, mem_anon, "Size of anonymous memory in bytes (memory.stat anon)."},
	{"container_memory_cache", PROM_GAUGE, 0, mem_file, "Page cache in bytes (memory.stat file)."},
	{"container_memory_mapped_file", PROM_GAUGE, 0, mem_mapped, "Size of memory mapped files in bytes (memory.stat file_mapped)."},
	{"container_memory_kernel_usage", PROM_GAUGE, 0, mem_kernel, "Kernel memory in bytes (memory.stat kernel)."},
	{"container_memory_swap", PROM_GAUGE, 0, mem_swap, "Swap usage in bytes (memory.swap.current)."},
	{"container_memory_max_usage_bytes", PROM_GAUGE, 0, mem_peak, "Peak memory usage in bytes (memory.peak)."},
	{"container_oom_events_total", PROM_COUNTER, 0, mem_oom_kill, "Processes killed by the OOM killer in this cgroup and below (memory.events oom_kill)."},
	{"container_spec_memory_limit_bytes", PROM_GAUGE, 0, mem_max, "Memory limit in bytes (memory.max; absent when max)."},
	{"container_spec_memory_reservation_limit_bytes", PROM_GAUGE, 0, mem_low, "Memory reservation in bytes (memory.low)."},
	{"container_spec_memory_swap_limit_bytes", PROM_GAUGE, 0, swap_max, "Swap limit in bytes (memory.swap.max; absent when max)."},
	{"cgwarden_memory_high_bytes", PROM_GAUGE, 0, mem_high, "Memory throttle limit in bytes (memory.high; absent when max)."},
	{"cgwarden_memory_min_bytes", PROM_GAUGE, 0, mem_min, "Hard memory protection in bytes (memory.min)."},
	{"cgwarden_pids_current", PROM_GAUGE, 0, pids_current, "Number of processes and threads (pids.current)."},
	{"cgwarden_pids_limit", PROM_GAUGE, 0, pids_max, "Maximum number of processes and threads (pids.max; absent when max)."},
	{"cgwarden_pids_max_events_total", PROM_COUNTER, 0, pids_max_events, "Forks refused because of pids.max (pids.events max)."},
	{"cgwarden_cgroup_populated", PROM_GAUGE, 0, populated, "1 if the cgroup or a descendant has a live process (cgroup.events populated)."},
	{"cgwarden_cgroup_frozen", PROM_GAUGE, 0, frozen, "1 if the cgroup is frozen (cgroup.events frozen)."},
	{"cgwarden_cgroup_descendants", PROM_GAUGE, 0, descendants, "Number of live descendant cgroups (cgroup.stat nr_descendants)."},
	{"cgwarden_cgroup_dying_descendants", PROM_GAUGE, 0, dying, "Number of dying descendant cgroups (cgroup.stat nr_dying_descendants)."},
};

/* The PSI files of a cgroup, and what cAdvisor calls them. */
static const struct {
	const char *resource;
	size_t offset; /* of the struct psi in struct sample */
	enum sample_file file;
	const char *some_name, *full_name; /* NULL: the kind has no family */
} pressures[] = {
	{"cpu", offsetof(struct sample, cpu_pressure), SAMPLE_CPU_PRESSURE, "container_pressure_cpu_waiting_seconds_total",
	 "container_pressure_cpu_stalled_seconds_total"},
	{"memory", offsetof(struct sample, memory_pressure), SAMPLE_MEMORY_PRESSURE,
	 "container_pressure_memory_waiting_seconds_total", "container_pressure_memory_stalled_seconds_total"},
	{"io", offsetof(struct sample, io_pressure), SAMPLE_IO_PRESSURE, "container_pressure_io_waiting_seconds_total",
	 "container_pressure_io_stalled_seconds_total"},
	{"irq", offsetof(struct sample, irq_pressure), SAMPLE_IRQ_PRESSURE, NULL, "cgwarden_pressure_irq_stalled_seconds_total"},
};

static const struct psi *psi_of(const struct sample *s, size_t i)
{
	if (!(s->present & SAMPLE_BIT(pressures[i].file)))
		return NULL;
	return (const struct psi *)((const char *)s + pressures[i].offset);
}

/* The io.stat counters as cAdvisor names them. */
static const struct {
	const char *name;
	size_t key; /* IO_STAT_* */
	const char *help;
} fs_families[] = {
	{"container_fs_reads_bytes_total", IO_STAT_rbytes, "Cumulative bytes read (io.stat rbytes)."},
	{"container_fs_writes_bytes_total", IO_STAT_wbytes, "Cumulative bytes written (io.stat wbytes)."},
	{"container_fs_reads_total", IO_STAT_rios, "Cumulative reads completed (io.stat rios)."},
	{"container_fs_writes_total", IO_STAT_wios, "Cumulative writes completed (io.stat wios)."},
	{"cgwarden_io_discarded_bytes_total", IO_STAT_dbytes, "Cumulative bytes discarded (io.stat dbytes)."},
};

void metrics_render_snapshot(const struct snapshot *snap, const uint64_t *bucket_us, struct buf *b)
{
	uint64_t v;

	render_host(snap, b);
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		prom_family(b, families[f].name, families[f].type, families[f].help);
		for (size_t i = 0; i < snap->n; i++) {
			const struct snap_cgroup *c = &snap->cg[i];
			if (families[f].get(&c->s, &v))
				prom_sample(b, families[f].name,
					    (const struct prom_label[]){{"id", c->id}, {"name", c->name}, {NULL, NULL}}, v,
					    families[f].scale);
		}
	}

	prom_family(b, "cgwarden_memory_events_total", PROM_COUNTER,
		    "Memory events of the cgroup and below (memory.events: low, high, max, oom, oom_kill, oom_group_kill).");
	for (size_t i = 0; i < snap->n; i++) {
		const struct snap_cgroup *c = &snap->cg[i];
		if (!(c->s.present & SAMPLE_BIT(SAMPLE_MEMORY_EVENTS)))
			continue;
		for (size_t k = 0; k < MEMORY_EVENTS_COUNT; k++) {
			if (!FLAT_HAS(c->s.memory_events.has, k))
				continue;
			memcpy(&v, (const char *)&c->s.memory_events + memory_events_fields[k].offset, sizeof(v));
			prom_sample(b, "cgwarden_memory_events_total",
				    (const struct prom_label[]){{"id", c->id}, {"name", c->name},
								{"event", memory_events_fields[k].key}, {NULL, NULL}},
				    v, 0);
		}
	}

	for (size_t f = 0; f < sizeof(fs_families) / sizeof(fs_families[0]); f++) {
		prom_family(b, fs_families[f].name, PROM_COUNTER, fs_families[f].help);
		for (size_t i = 0; i < snap->n; i++) {
			const struct snap_cgroup *c = &snap->cg[i];
			if (!(c->s.present & SAMPLE_BIT(SAMPLE_IO_STAT)))
				continue;
			for (size_t d = 0; d < c->s.io_stat.n; d++) {
				const struct io_stat_dev *dv = &c->s.io_stat.dev[d];
				const char *dn = snapshot_devname(snap, dv->major, dv->minor);
				char dev[48];
				if (!FLAT_HAS(dv->c.has, fs_families[f].key))
					continue;
				snprintf(dev, sizeof(dev), "%s%s", dn && !strchr(dn, ':') ? "/dev/" : "", dn ? dn : "?");
				memcpy(&v, (const char *)&dv->c + io_stat_fields[fs_families[f].key].offset, sizeof(v));
				prom_sample(b, fs_families[f].name,
					    (const struct prom_label[]){{"id", c->id}, {"name", c->name}, {"device", dev},
									{NULL, NULL}},
					    v, 0);
			}
		}
	}

	for (size_t kind = 0; kind < 2; kind++)
		for (size_t r = 0; r < sizeof(pressures) / sizeof(pressures[0]); r++) {
			const char *name = kind == 0 ? pressures[r].some_name : pressures[r].full_name;
			char help[200];
			if (!name)
				continue;
			snprintf(help, sizeof(help), "Total time in seconds %s on %s (%s.pressure %s total).",
				 kind == 0 ? "some tasks were waiting" : "all non-idle tasks were stalled",
				 pressures[r].resource, pressures[r].resource, kind == 0 ? "some" : "full");
			prom_family(b, name, PROM_COUNTER, help);
			for (size_t i = 0; i < snap->n; i++) {
				const struct snap_cgroup *c = &snap->cg[i];
				const struct psi *p = psi_of(&c->s, r);
				if (!p || !(kind == 0 ? p->has_some : p->has_full))
					continue;
				prom_sample(b, name, (const struct prom_label[]){{"id", c->id}, {"name", c->name}, {NULL, NULL}},
					    kind == 0 ? p->some.total : p->full.total, 6);
			}
		}

	prom_family(b, "cgwarden_pressure_avg10_ratio", PROM_GAUGE,
		    "Share of the last 10 s that some (or all non-idle: kind=full) tasks were stalled on the "
		    "resource (<resource>.pressure avg10 / 100).");
	for (size_t i = 0; i < snap->n; i++) {
		const struct snap_cgroup *c = &snap->cg[i];
		for (size_t r = 0; r < sizeof(pressures) / sizeof(pressures[0]); r++) {
			const struct psi *p = psi_of(&c->s, r);
			for (size_t kind = 0; p && kind < 2; kind++)
				if (kind == 0 ? p->has_some : p->has_full)
					prom_sample(b, "cgwarden_pressure_avg10_ratio",
						    (const struct prom_label[]){{"id", c->id},
										{"name", c->name},
										{"resource", pressures[r].resource},
										{"kind", kind == 0 ? "some" : "full"},
										{NULL, NULL}},
						    kind == 0 ? p->some.avg10 : p->full.avg10, 4);
		}
	}

	prom_family(b, "cgwarden_scrape_cgroups", PROM_GAUGE,
		    "Cgroups in the snapshot this scrape was served from (managed and watched).");
	prom_sample(b, "cgwarden_scrape_cgroups", NULL, snap->n, 0);
	prom_family(b, "cgwarden_poll_cgroups_skipped", PROM_GAUGE,
		    "Cgroups left out of the last poll because there were more than the poller takes.");
	prom_sample(b, "cgwarden_poll_cgroups_skipped", NULL, snap->skipped, 0);
	prom_family(b, "cgwarden_poll_cgroups_unkept", PROM_GAUGE,
		    "Cgroups past the open files budget, whose files the poll opens and closes each round "
		    "instead of keeping open.");
	prom_sample(b, "cgwarden_poll_cgroups_unkept", NULL, snap->unkept, 0);
	prom_family(b, "cgwarden_poll_timestamp_seconds", PROM_GAUGE,
		    "When the poll this scrape was served from started (Unix time).");
	prom_sample(b, "cgwarden_poll_timestamp_seconds", NULL, (uint64_t)snap->time_ms, 3);
	prom_family(b, "cgwarden_poll_duration_seconds", PROM_HISTOGRAM,
		    "Time a poll round took: finding the cgroups, reading and parsing every file.");
	prom_histogram_us(b, "cgwarden_poll_duration_seconds", NULL, POLLER_BUCKETS, bucket_us, snap->poll_buckets,
			  snap->poll_count, snap->poll_sum_us);
}

static void unref_snapshot(void *snap)
{
	snapshot_unref(snap);
}

int metrics_handle(struct request *rq, struct response *rs)
{
	struct snapshot *snap = rq->agent->poller ? poller_get(rq->agent->poller) : NULL;
	struct buf b = BUF_INIT;
	const char *text = NULL;
	size_t len = 0;
	int r = snap ? snapshot_metrics(snap, &text, &len) : 0;

	if (r == 0) {
		events_render_metrics(rq->agent->events, &b);
		rs->body = buf_steal(&b, &rs->body_len);
		if (!rs->body)
			r = -ENOMEM;
	}
	if (r < 0) {
		snapshot_unref(snap);
		return r;
	}
	/* The snapshot's text goes out as it is (megabytes at 1000 cgroups,
	 * rendered once per poll), the live counters of the events after it;
	 * the snapshot is held until the response is sent. */
	if (snap) {
		rs->head = text;
		rs->head_len = len;
		rs->head_free = unref_snapshot;
		rs->head_cls = snap;
	}
	rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
	rs->no_store = true;
	return 0;
}
