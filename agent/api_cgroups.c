/* api_cgroups: GET /api/v1/cgroups and /api/v1/cgroups/{id}: the poller's
 * latest snapshot as JSON, for curl users and the dashboard. What a file
 * absent on this kernel or controller would say is left out, never zero.
 * docs/api.md has the shape. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agent/agent.h"
#include "agent/api.h"
#include "agent/json.h"
#include "agent/limits.h"
#include "agent/poller.h"

#define HAS(s, f) ((s)->present & SAMPLE_BIT(SAMPLE_##f))

static void add_u64(cJSON *o, const char *key, uint64_t v)
{
	cJSON_AddItemToObject(o, key, json_u64(v));
}

/* Adds the present keys of a flat keyed struct (its has[] bitmap comes
 * first) to o; returns o. */
static cJSON *flat_add(cJSON *o, const void *st, const struct flat_field *fields, size_t n)
{
	const uint64_t *has = st;

	for (size_t k = 0; o && k < n; k++) {
		uint64_t v;
		if (!FLAT_HAS(has, k))
			continue;
		memcpy(&v, (const char *)st + fields[k].offset, sizeof(v));
		add_u64(o, fields[k].key, v);
	}
	return o;
}

static cJSON *flat_json(const void *st, const struct flat_field *fields, size_t n)
{
	return flat_add(cJSON_CreateObject(), st, fields, n);
}

static cJSON *psi_line_json(const struct psi_line *l)
{
	cJSON *o = cJSON_CreateObject();

	/* avg in percent, as the file has it; total in µs */
	cJSON_AddNumberToObject(o, "avg10", (double)l->avg10 / 100);
	cJSON_AddNumberToObject(o, "avg60", (double)l->avg60 / 100);
	cJSON_AddNumberToObject(o, "avg300", (double)l->avg300 / 100);
	add_u64(o, "total", l->total);
	return o;
}

static void add_psi(cJSON *psi, const char *resource, const struct psi *p)
{
	cJSON *o = cJSON_AddObjectToObject(psi, resource);

	if (p->has_some)
		cJSON_AddItemToObject(o, "some", psi_line_json(&p->some));
	if (p->has_full)
		cJSON_AddItemToObject(o, "full", psi_line_json(&p->full));
}

static cJSON *cgroup_json(const struct snapshot *snap, const struct snap_cgroup *c)
{
	const struct sample *s = &c->s;
	cJSON *o = cJSON_CreateObject(), *g, *psi, *lim = NULL;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "id", c->id);
	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddBoolToObject(o, "managed", c->managed);
	if (c->workload)
		cJSON_AddStringToObject(o, "workload", c->workload);
	if (HAS(s, CGROUP_EVENTS)) {
		if (FLAT_HAS(s->cgroup_events.has, CGROUP_EVENTS_populated))
			cJSON_AddBoolToObject(o, "populated", s->cgroup_events.populated != 0);
		if (FLAT_HAS(s->cgroup_events.has, CGROUP_EVENTS_frozen))
			cJSON_AddBoolToObject(o, "frozen", s->cgroup_events.frozen != 0);
	}
	if (HAS(s, CGROUP_STAT))
		cJSON_AddItemToObject(o, "cgroup_stat", flat_json(&s->cgroup_stat, cgroup_stat_fields, CGROUP_STAT_COUNT));
	if (HAS(s, CPU_STAT))
		cJSON_AddItemToObject(o, "cpu", flat_json(&s->cpu_stat, cpu_stat_fields, CPU_STAT_COUNT));

	g = cJSON_CreateObject();
	if (HAS(s, MEMORY_CURRENT))
		add_u64(g, "current", s->memory_current);
	if (HAS(s, MEMORY_PEAK))
		add_u64(g, "peak", s->memory_peak);
	if (HAS(s, MEMORY_SWAP_CURRENT))
		add_u64(g, "swap_current", s->memory_swap_current);
	if (HAS(s, MEMORY_STAT))
		cJSON_AddItemToObject(g, "stat", flat_json(&s->memory_stat, memory_stat_fields, MEMORY_STAT_COUNT));
	if (HAS(s, MEMORY_EVENTS))
		cJSON_AddItemToObject(g, "events",
				      flat_json(&s->memory_events, memory_events_fields, MEMORY_EVENTS_COUNT));
	if (HAS(s, MEMORY_EVENTS_LOCAL))
		cJSON_AddItemToObject(g, "events_local",
				      flat_json(&s->memory_events_local, memory_events_fields, MEMORY_EVENTS_COUNT));
	if (cJSON_GetArraySize(g))
		cJSON_AddItemToObject(o, "memory", g);
	else
		cJSON_Delete(g);

	if (HAS(s, IO_STAT)) {
		cJSON *devs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(o, "io"), "devices");
		for (size_t d = 0; devs && d < s->io_stat.n; d++) {
			const struct io_stat_dev *dv = &s->io_stat.dev[d];
			const char *name = snapshot_devname(snap, dv->major, dv->minor);
			cJSON *e = cJSON_CreateObject();
			if (!e)
				continue;
			if (name)
				cJSON_AddStringToObject(e, "device", name);
			else
				cJSON_AddNullToObject(e, "device");
			cJSON_AddNumberToObject(e, "major", dv->major);
			cJSON_AddNumberToObject(e, "minor", dv->minor);
			flat_add(e, &dv->c, io_stat_fields, IO_STAT_COUNT);
			cJSON_AddItemToArray(devs, e);
		}
	}

	if (HAS(s, PIDS_CURRENT) || HAS(s, PIDS_EVENTS)) {
		g = cJSON_AddObjectToObject(o, "pids");
		if (HAS(s, PIDS_CURRENT))
			add_u64(g, "current", s->pids_current);
		if (HAS(s, PIDS_EVENTS))
			cJSON_AddItemToObject(g, "events", flat_json(&s->pids_events, pids_events_fields, PIDS_EVENTS_COUNT));
	}

	psi = cJSON_CreateObject();
	if (HAS(s, CPU_PRESSURE))
		add_psi(psi, "cpu", &s->cpu_pressure);
	if (HAS(s, MEMORY_PRESSURE))
		add_psi(psi, "memory", &s->memory_pressure);
	if (HAS(s, IO_PRESSURE))
		add_psi(psi, "io", &s->io_pressure);
	if (HAS(s, IRQ_PRESSURE))
		add_psi(psi, "irq", &s->irq_pressure);
	if (cJSON_GetArraySize(psi))
		cJSON_AddItemToObject(o, "psi", psi);
	else
		cJSON_Delete(psi);

	if (limits_from_sample(s, &lim) == 0)
		cJSON_AddItemToObject(o, "limits", lim);
	return o;
}

static cJSON *host_json(const struct snapshot *snap)
{
	const struct sample_host *h = &snap->host;
	cJSON *o = cJSON_CreateObject(), *psi;

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "cpus", (double)snap->ncpu);
	cJSON_AddNumberToObject(o, "clk_tck", (double)snap->clk_tck);
	if (!snap->has_host)
		return o;
	if (h->present & SAMPLE_BIT(SAMPLE_HOST_STAT))
		cJSON_AddItemToObject(o, "stat", flat_json(&h->stat, host_stat_fields, HOST_STAT_COUNT));
	if (h->present & SAMPLE_BIT(SAMPLE_HOST_MEMINFO)) {
		const struct host_meminfo *m = &h->meminfo;
		cJSON *mem = cJSON_AddObjectToObject(o, "memory");
		/* bytes (the parser converts the file's kB) */
		if (FLAT_HAS(m->has, HOST_MEMINFO_MemTotal))
			add_u64(mem, "total", m->MemTotal);
		if (FLAT_HAS(m->has, HOST_MEMINFO_MemAvailable))
			add_u64(mem, "available", m->MemAvailable);
		if (FLAT_HAS(m->has, HOST_MEMINFO_MemFree))
			add_u64(mem, "free", m->MemFree);
		if (FLAT_HAS(m->has, HOST_MEMINFO_SwapTotal))
			add_u64(mem, "swap_total", m->SwapTotal);
		if (FLAT_HAS(m->has, HOST_MEMINFO_SwapFree))
			add_u64(mem, "swap_free", m->SwapFree);
	}
	psi = cJSON_AddObjectToObject(o, "psi");
	if (h->present & SAMPLE_BIT(SAMPLE_HOST_CPU_PRESSURE))
		add_psi(psi, "cpu", &h->cpu_pressure);
	if (h->present & SAMPLE_BIT(SAMPLE_HOST_MEMORY_PRESSURE))
		add_psi(psi, "memory", &h->memory_pressure);
	if (h->present & SAMPLE_BIT(SAMPLE_HOST_IO_PRESSURE))
		add_psi(psi, "io", &h->io_pressure);
	if (h->present & SAMPLE_BIT(SAMPLE_HOST_IRQ_PRESSURE))
		add_psi(psi, "irq", &h->irq_pressure);
	return o;
}

static int answer_one(struct request *rq, struct response *rs, const struct snapshot *snap, const char *id)
{
	const struct snap_cgroup *c = snapshot_find(snap, id);

	if (!c)
		return err_fail(&rq->err, -ENOENT, "id",
				"no cgroup \"%s\" is polled: it is not a workload's nor below a --watch root, or it is gone",
				id);
	return api_reply(rs, 200, cgroup_json(snap, c));
}

static struct snapshot *snapshot_of(struct request *rq)
{
	return rq->agent->poller ? poller_get(rq->agent->poller) : NULL;
}

int api_cgroups_list(struct request *rq, struct response *rs)
{
	struct snapshot *snap = snapshot_of(rq);
	char id[4096];
	cJSON *j, *arr;
	int r;

	if (!snap)
		return err_fail(&rq->err, -EAGAIN, NULL, "no poll has completed yet");
	r = http_query(rq, "id", id, sizeof(id));
	if (r == 0) {
		r = id[0] ? answer_one(rq, rs, snap, id) : err_fail(&rq->err, -EINVAL, "id", "must not be empty");
		snapshot_unref(snap);
		return r;
	}
	if (r != -ENOENT) {
		snapshot_unref(snap);
		return err_fail(&rq->err, r == -ENAMETOOLONG ? -EINVAL : r, "id",
				r == -ENAMETOOLONG ? "longer than a cgroup path can be" : "a bad percent escape");
	}
	j = cJSON_CreateObject();
	if (j) {
		add_u64(j, "seq", snap->seq);
		cJSON_AddNumberToObject(j, "time_ms", (double)snap->time_ms);
		add_u64(j, "interval_ms", snap->interval_ms);
		add_u64(j, "duration_us", snap->duration_us);
		cJSON_AddItemToObject(j, "host", host_json(snap));
		arr = cJSON_AddArrayToObject(j, "cgroups");
		for (size_t i = 0; arr && i < snap->n; i++)
			cJSON_AddItemToArray(arr, cgroup_json(snap, &snap->cg[i]));
	}
	snapshot_unref(snap);
	return api_reply(rs, 200, j);
}

int api_cgroups_get(struct request *rq, struct response *rs)
{
	struct snapshot *snap = snapshot_of(rq);
	int r;

	if (!snap)
		return err_fail(&rq->err, -EAGAIN, NULL, "no poll has completed yet");
	r = rq->params.v[0][0] ? answer_one(rq, rs, snap, rq->params.v[0])
			       : err_fail(&rq->err, -EINVAL, "id", "must not be empty");
	snapshot_unref(snap);
	return r;
}
