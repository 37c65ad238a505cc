/* policy: dynamic limits driven by pressure (see policy.h and
 * docs/policies.md). One thread waits in poll() on:
 *   - a PSI trigger per policy that has one (memory.pressure of the
 *     workload, /proc/pressure/cpu for cpu-guard): POLLPRI the moment the
 *     stall threshold is crossed within the window, so a reaction takes
 *     milliseconds, not a poll interval;
 *   - a timerfd ticking every TICK_MS for the periodic steps (autosize
 *     step-downs, calm periods, budget windows);
 *   - inotify on each workload's memory.events, so an OOM kill the kernel
 *     makes is in the event log at once;
 *   - an eventfd that policies_set/remove and stop use to wake it.
 * Every change a policy makes is an event (actor "policy:<kind>") and its
 * reaction time, trigger fired -> limit written, goes to the histogram. */
#include "agent/policy.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/cg.h"
#include "agent/config.h"
#include "agent/events.h"
#include "agent/json.h"
#include "agent/limits.h"
#include "agent/log.h"
#include "agent/name.h"
#include "agent/state.h"
#include "probes/flat.h"
#include "probes/num.h"
#include "probes/psi.h"
#include "probes/words.h"

#define TICK_MS 100
#define WINDOW_US 1000000ull /* PSI trigger window */
#define POLICIES_FILE "policies.json"
#define POLICIES_FILE_MAX (8u << 20)
#define OOM_SCAN_MS 1000
#define OOM_CHECK_ALL_MS 10000
#define PAGE 4096ull
#define PPM 1000000ull
#define GUARD_SIBLINGS 512 /* cgroups beside the workload's path, at most */

enum kind { K_AUTOSIZE, K_GUARD, K_KILL, K_BUDGET, K_COUNT };
static const char *const kind_names[K_COUNT] = {"memory-autosize", "cpu-guard", "pressure-kill", "cpu-budget"};
static const char *const actors[K_COUNT] = {"policy:memory-autosize", "policy:cpu-guard", "policy:pressure-kill",
					    "policy:cpu-budget"};
static const char *const keys_of[K_COUNT][8] = {
	{"kind", "min", "max", "target_pct", "interval", "step_down_pct", "step_up_pct", NULL},
	{"kind", "threshold_pct", "restore_pct", "cap", "calm", NULL},
	{"kind", "threshold_pct", "duration", NULL},
	{"kind", "budget", "window", NULL},
};

struct params {
	enum kind kind;
	uint64_t min, max;                       /* autosize: memory.high bounds, bytes */
	double target_pct, step_down_pct, step_up_pct;
	uint64_t interval_ms;
	double threshold_pct, restore_pct;       /* cpu-guard, pressure-kill */
	uint64_t cap_ppm, calm_ms;               /* cpu-guard */
	uint64_t duration_ms;                    /* pressure-kill */
	uint64_t budget_us, window_ms;           /* cpu-budget */
};

struct pol {
	struct pol *next;
	char workload[NAME_MAX_LEN + 1];
	struct params pr;
	int cg_fd, trig_fd;
	bool started;
	uint64_t next_due; /* monotonic ms of the next periodic step */
	uint64_t actions, last_reaction_us;
	bool reacted;
	/* memory-autosize */
	uint64_t high, last_total, last_total_at, last_up;
	double last_pressure;
	/* cpu-guard: the cpu stall totals of the cgroups beside the
	 * workload's path, read once a second (the last two readings) */
	bool capped;
	char saved[64];
	uint64_t calm_since, next_read;
	struct greading {
		uint64_t t_us;
		size_t n;
		struct gsib {
			char path[200];
			uint64_t total;
		} *s;
	} g_prev, g_prev2;
	double others_pct;
	char others_worst[200];
	/* pressure-kill */
	uint64_t above_since, fired_at, kills;
	/* cpu-budget */
	uint64_t base_usage, window_start, used_us;
	bool frozen;
};

struct oomw {
	struct oomw *next;
	char name[NAME_MAX_LEN + 1];
	int wd;
	uint64_t count;
	bool seen;
};

struct policies {
	struct agent *a;
	pthread_mutex_t lock;
	pthread_t thread;
	bool running, stop;
	int wake_fd, timer_fd, ino_fd, dir_wd;
	struct pol *list, *dead; /* dead ones are freed by the thread, which may be polling them */
	struct known {
		struct known *next;
		char name[NAME_MAX_LEN + 1];
	} *known; /* workloads whose policies were set (maybe to none): what policies.json holds */
	struct oomw *ooms;
	uint64_t next_scan, next_check_all;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- the spec ------------------------------------------------------- */

static int get_pct(const cJSON *o, const char *key, const char *at, double def, double hi, double *ret,
		   struct err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char f[192];

	if (!v) {
		*ret = def;
		return 0;
	}
	json_path(f, sizeof(f), at, key);
	if (!cJSON_IsNumber(v) || !(v->valuedouble > 0 && v->valuedouble <= hi))
		return err_fail(e, -EINVAL, f, "must be a percentage above 0 and at most %g", hi);
	*ret = v->valuedouble;
	return 0;
}

/* "2s", "500ms", "1m", or a number of seconds; def 0 means required. */
static int get_duration(const cJSON *o, const char *key, const char *at, uint64_t def, uint64_t lo, uint64_t hi,
			uint64_t *ret, struct err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char f[192];
	uint64_t ms;

	json_path(f, sizeof(f), at, key);
	if (!v) {
		if (!def)
			return err_fail(e, -EINVAL, f, "is required");
		*ret = def;
		return 0;
	}
	if (cJSON_IsString(v)) {
		if (config_parse_duration_ms(v->valuestring, &ms) < 0)
			return err_fail(e, -EINVAL, f, "must be a duration like \"2s\", \"500ms\", \"1m\"");
	} else if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1e9) {
		ms = (uint64_t)(v->valuedouble * 1000 + 0.5);
	} else {
		return err_fail(e, -EINVAL, f, "must be a duration like \"2s\", \"500ms\", \"1m\", or seconds");
	}
	if (ms < lo || ms > hi)
		return err_fail(e, -ERANGE, f, "must be from %llu ms to %llu ms", (unsigned long long)lo,
				(unsigned long long)hi);
	*ret = ms;
	return 0;
}

static int get_size(const cJSON *o, const char *key, const char *at, uint64_t def, uint64_t *ret, struct err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char f[192];
	int r;

	json_path(f, sizeof(f), at, key);
	if (!v) {
		if (!def)
			return err_fail(e, -EINVAL, f, "is required");
		*ret = def;
		return 0;
	}
	r = limits_parse_size(v, f, ret, e);
	if (r == 0 && *ret == LIMITS_MAX)
		return err_fail(e, -EINVAL, f, "must be a size, not \"max\"");
	if (r == 0 && *ret < (1u << 20))
		return err_fail(e, -ERANGE, f, "must be at least 1M");
	return r;
}

static int parse_one(const cJSON *o, const char *at, struct params *ret, struct err *e)
{
	struct params pr = {0};
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kind");
	char f[192];
	int r;

	if (!cJSON_IsObject(o))
		return err_fail(e, -EINVAL, at, "must be an object with a \"kind\"");
	json_path(f, sizeof(f), at, "kind");
	if (!k)
		return err_fail(e, -EINVAL, f, "is required");
	for (pr.kind = 0; pr.kind < K_COUNT; pr.kind++)
		if (cJSON_IsString(k) && strcmp(k->valuestring, kind_names[pr.kind]) == 0)
			break;
	if (pr.kind == K_COUNT)
		return err_fail(e, -EINVAL, f, "must be one of memory-autosize, cpu-guard, pressure-kill, cpu-budget");
	r = json_only_keys(o, keys_of[pr.kind], at, e);
	if (r < 0)
		return r;
	switch (pr.kind) {
	case K_AUTOSIZE:
		r = get_size(o, "min", at, 16u << 20, &pr.min, e);
		if (r == 0)
			r = get_size(o, "max", at, 0, &pr.max, e);
		if (r == 0 && pr.min > pr.max) {
			json_path(f, sizeof(f), at, "min");
			r = err_fail(e, -ERANGE, f, "must not be above max");
		}
		if (r == 0)
			r = get_pct(o, "target_pct", at, 0.2, 100, &pr.target_pct, e);
		if (r == 0)
			r = get_duration(o, "interval", at, 5000, 500, 600000, &pr.interval_ms, e);
		if (r == 0)
			r = get_pct(o, "step_down_pct", at, 2, 50, &pr.step_down_pct, e);
		if (r == 0)
			r = get_pct(o, "step_up_pct", at, 10, 100, &pr.step_up_pct, e);
		break;
	case K_GUARD:
		r = get_pct(o, "threshold_pct", at, 50, 100, &pr.threshold_pct, e);
		if (r == 0)
			r = get_pct(o, "restore_pct", at, pr.threshold_pct / 2, pr.threshold_pct, &pr.restore_pct, e);
		if (r == 0) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "cap");
			json_path(f, sizeof(f), at, "cap");
			if (!v)
				pr.cap_ppm = 250000;
			else
				r = limits_parse_cpu(v, f, &pr.cap_ppm, e);
			if (r == 0 && pr.cap_ppm == LIMITS_MAX)
				r = err_fail(e, -EINVAL, f, "must be a share of CPU like \"20%%\", not \"max\"");
		}
		if (r == 0)
			r = get_duration(o, "calm", at, 30000, 1000, 3600000, &pr.calm_ms, e);
		break;
	case K_KILL:
		r = get_pct(o, "threshold_pct", at, 40, 100, &pr.threshold_pct, e);
		if (r == 0)
			r = get_duration(o, "duration", at, 10000, 0, 3600000, &pr.duration_ms, e);
		break;
	case K_BUDGET:
		r = get_duration(o, "window", at, 60000, 1000, 86400000, &pr.window_ms, e);
		if (r == 0) {
			uint64_t ms;
			r = get_duration(o, "budget", at, 0, 10, 86400000ull * 1024, &ms, e);
			pr.budget_us = ms * 1000;
		}
		break;
	case K_COUNT:
		break;
	}
	if (r < 0)
		return r;
	*ret = pr;
	return 0;
}

/* The array (or {"policies": [...]}) into at most one params per kind. */
static int parse_all(const cJSON *spec, const char *prefix, struct params *ret, size_t *ret_n, struct err *e)
{
	const cJSON *it;
	size_t n = 0;
	int r;

	if (!spec || cJSON_IsNull(spec)) {
		*ret_n = 0;
		return 0;
	}
	if (!cJSON_IsArray(spec))
		return err_fail(e, -EINVAL, prefix, "must be an array of policies");
	if (cJSON_GetArraySize(spec) > K_COUNT)
		return err_fail(e, -EINVAL, prefix, "at most one policy of each kind (%d)", K_COUNT);
	cJSON_ArrayForEach(it, spec)
	{
		char at[160], f[192];
		snprintf(at, sizeof(at), "%s[%zu]", prefix, n);
		r = parse_one(it, at, &ret[n], e);
		if (r < 0)
			return r;
		for (size_t k = 0; k < n; k++)
			if (ret[k].kind == ret[n].kind) {
				json_path(f, sizeof(f), at, "kind");
				return err_fail(e, -EINVAL, f, "a second %s policy (at most one of each kind)",
						kind_names[ret[n].kind]);
			}
		n++;
	}
	*ret_n = n;
	return 0;
}

int policies_validate(const cJSON *spec, const char *prefix, struct err *e)
{
	struct params pr[K_COUNT];
	size_t n;

	return parse_all(spec, prefix ? prefix : "policies", pr, &n, e);
}

static void add_duration(cJSON *o, const char *key, uint64_t ms)
{
	char s[32];

	if (ms % 1000 == 0)
		snprintf(s, sizeof(s), "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(s, sizeof(s), "%llums", (unsigned long long)ms);
	cJSON_AddStringToObject(o, key, s);
}

/* The policy as installed, every parameter spelled out (defaults too). */
static cJSON *spec_json(const struct params *pr)
{
	cJSON *o = cJSON_CreateObject();
	char s[32];

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "kind", kind_names[pr->kind]);
	switch (pr->kind) {
	case K_AUTOSIZE:
		cJSON_AddNumberToObject(o, "min", (double)pr->min);
		cJSON_AddNumberToObject(o, "max", (double)pr->max);
		cJSON_AddNumberToObject(o, "target_pct", pr->target_pct);
		add_duration(o, "interval", pr->interval_ms);
		cJSON_AddNumberToObject(o, "step_down_pct", pr->step_down_pct);
		cJSON_AddNumberToObject(o, "step_up_pct", pr->step_up_pct);
		break;
	case K_GUARD:
		cJSON_AddNumberToObject(o, "threshold_pct", pr->threshold_pct);
		cJSON_AddNumberToObject(o, "restore_pct", pr->restore_pct);
		snprintf(s, sizeof(s), "%g%%", (double)pr->cap_ppm / 10000);
		cJSON_AddStringToObject(o, "cap", s);
		add_duration(o, "calm", pr->calm_ms);
		break;
	case K_KILL:
		cJSON_AddNumberToObject(o, "threshold_pct", pr->threshold_pct);
		add_duration(o, "duration", pr->duration_ms);
		break;
	case K_BUDGET:
		add_duration(o, "budget", pr->budget_us / 1000);
		add_duration(o, "window", pr->window_ms);
		break;
	case K_COUNT:
		break;
	}
	return o;
}

/* ---- reading the kernel -------------------------------------------- */

static int read_u64_file(int fd, const char *file, uint64_t *ret)
{
	char buf[64];
	size_t len;
	int r = cg_read(fd, file, buf, sizeof(buf), &len);

	if (r < 0)
		return r;
	while (len && buf[len - 1] == '\n')
		len--;
	return num_u64_max(buf, len, ret);
}

static int read_flat_key(int fd, const char *file, const char *key, uint64_t *ret)
{
	char buf[4096];
	struct flat *f;
	size_t len;
	int r = cg_read(fd, file, buf, sizeof(buf), &len);

	if (r < 0)
		return r;
	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	r = flat_parse(buf, len, f);
	if (r == 0)
		r = flat_get(f, key, ret);
	free(f);
	return r;
}

static int read_psi_at(int dir_fd, const char *file, struct psi *ret)
{
	char buf[512];
	size_t len;
	int r = cg_read(dir_fd, file, buf, sizeof(buf), &len);

	return r < 0 ? r : psi_parse(buf, len, ret);
}

/* ---- acting --------------------------------------------------------- */

static cJSON *one_value(const char *group, const char *key, cJSON *v)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(cJSON_AddObjectToObject(o, group), key, v);
	return o;
}

static void record(struct policies *p, struct pol *pl, const char *action, cJSON *old, cJSON *new, const char *reason)
{
	events_record(p->a->events, pl->workload, actors[pl->pr.kind], action, old, new, reason);
	cJSON_Delete(old);
	cJSON_Delete(new);
	pl->actions++;
	log_info("%s %s: %s", actors[pl->pr.kind], pl->workload, reason);
}

static void reacted(struct policies *p, struct pol *pl, uint64_t t_fire)
{
	if (!t_fire)
		return;
	pl->last_reaction_us = mono_us() - t_fire;
	pl->reacted = true;
	events_observe_reaction(p->a->events, kind_names[pl->pr.kind], pl->last_reaction_us);
}

/* Writes one interface file under the group's limits lock, so an API
 * PATCH of the same group never interleaves. */
static int write_locked(struct pol *pl, const char *file, const char *val)
{
	struct limits_lock *lk;
	int r = limits_lock(pl->cg_fd, &lk);

	if (r < 0)
		return r;
	r = cg_write(pl->cg_fd, file, val);
	limits_unlock(lk);
	if (r < 0)
		log_warn("policy %s: writing %s \"%s\" for %s: %s", kind_names[pl->pr.kind], file, val, pl->workload,
			 strerror(-r));
	return r;
}

static void set_high(struct policies *p, struct pol *pl, uint64_t v, const char *why, uint64_t t_fire)
{
	char s[32], reason[256];
	uint64_t old = pl->high;

	v -= v % PAGE;
	if (v == pl->high)
		return;
	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	if (write_locked(pl, "memory.high", s) < 0)
		return;
	pl->high = v;
	reacted(p, pl, t_fire);
	snprintf(reason, sizeof(reason), "%s: memory.high %.1f MiB -> %.1f MiB", why, (double)old / 1048576,
		 (double)v / 1048576);
	record(p, pl, "memory.high", old == LIMITS_MAX ? one_value("memory", "high", cJSON_CreateString("max"))
						   : one_value("memory", "high", cJSON_CreateNumber((double)old)),
	       one_value("memory", "high", cJSON_CreateNumber((double)v)), reason);
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void step_autosize(struct policies *p, struct pol *pl, uint64_t now, uint64_t t_fire)
{
	struct psi psi;
	uint64_t cur, high, total;
	char why[160];

	if (!pl->started) {
		/* Start from what is in use (a limit already inside the bounds
		 * stays), and measure pressure from here. */
		if (read_u64_file(pl->cg_fd, "memory.current", &cur) < 0 ||
		    read_u64_file(pl->cg_fd, "memory.high", &high) < 0 ||
		    read_psi_at(pl->cg_fd, "memory.pressure", &psi) < 0)
			return;
		pl->high = high;
		pl->started = true;
		pl->last_total = psi.some.total;
		pl->last_total_at = mono_us();
		pl->next_due = now + pl->pr.interval_ms;
		if (high < pl->pr.min || high > pl->pr.max)
			set_high(p, pl, clamp(cur, pl->pr.min, pl->pr.max), "start within [min, max]", 0);
		return;
	}
	if (t_fire) {
		/* The trigger fires once per window while pressure stays over
		 * the target: each firing is one step up. */
		snprintf(why, sizeof(why), "memory pressure over %g%% (PSI trigger: some stall >= %llu us in 1 s)",
			 pl->pr.target_pct, (unsigned long long)(pl->pr.target_pct / 100 * WINDOW_US));
		pl->last_up = now;
		set_high(p, pl, clamp((uint64_t)((double)pl->high * (1 + pl->pr.step_up_pct / 100)), pl->pr.min, pl->pr.max),
			 why, t_fire);
		return;
	}
	if (now < pl->next_due)
		return;
	pl->next_due = now + pl->pr.interval_ms;
	if (read_psi_at(pl->cg_fd, "memory.pressure", &psi) < 0 || read_u64_file(pl->cg_fd, "memory.current", &cur) < 0)
		return;
	total = psi.some.total;
	{
		uint64_t t = mono_us(), dt = t - pl->last_total_at;
		pl->last_pressure = dt ? (double)(total - pl->last_total) * 100 / (double)dt : 0;
		pl->last_total = total;
		pl->last_total_at = t;
	}
	if (pl->last_pressure > pl->pr.target_pct) {
		if (now - pl->last_up < pl->pr.interval_ms)
			return; /* the trigger already stepped up in this interval */
		snprintf(why, sizeof(why), "memory pressure %.3f%% over the target %g%%", pl->last_pressure,
			 pl->pr.target_pct);
		set_high(p, pl, clamp((uint64_t)((double)pl->high * (1 + pl->pr.step_up_pct / 100)), pl->pr.min, pl->pr.max),
			 why, 0);
	} else {
		/* Below the target: squeeze, from what is in use when that is
		 * lower, so each step bites. */
		uint64_t base = cur < pl->high ? cur : pl->high;
		snprintf(why, sizeof(why), "memory pressure %.3f%% under the target %g%%", pl->last_pressure,
			 pl->pr.target_pct);
		set_high(p, pl, clamp((uint64_t)((double)base * (1 - pl->pr.step_down_pct / 100)), pl->pr.min, pl->pr.max),
			 why, 0);
	}
}

static void guard_restore(struct policies *p, struct pol *pl, const char *why)
{
	char now_val[64];
	size_t len;

	if (!pl->capped)
		return;
	if (cg_read(pl->cg_fd, "cpu.max", now_val, sizeof(now_val), &len) < 0)
		now_val[0] = '\0';
	now_val[strcspn(now_val, "\n")] = '\0';
	if (write_locked(pl, "cpu.max", pl->saved) < 0)
		return;
	pl->capped = false;
	record(p, pl, "cpu.max", one_value("cpu", "max", cJSON_CreateString(now_val)),
	       one_value("cpu", "max", cJSON_CreateString(pl->saved)), why);
}

/* Host cpu pressure without the workload's own. A capped workload's
 * throttled tasks stay runnable, so they count as stalled in the host's
 * PSI: host "some" would keep it capped for ever (and cap one for its own
 * operator-set throttling), and subtracting its own stall does not work
 * either (the host's figure is averaged over CPUs, the group's is not).
 * So the stall of everything else is read where it is: in the cgroups
 * beside the workload's path (siblings of it and of each ancestor), the
 * worst of them. Tasks in the root cgroup itself are not seen. */
static void greading_free(struct greading *g)
{
	free(g->s);
	*g = (struct greading){0};
}

static void guard_read_level(int dir_fd, const char *dir, const char *skip, struct greading *g)
{
	struct dirent *de;
	DIR *d;
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) && g->n < GUARD_SIBLINGS) {
		char file[300];
		struct psi psi;
		struct gsib *sb = &g->s[g->n];
		if (de->d_type != DT_DIR || de->d_name[0] == '.' || strcmp(de->d_name, skip) == 0)
			continue;
		if ((size_t)snprintf(file, sizeof(file), "%s/cpu.pressure", de->d_name) >= sizeof(file) ||
		    read_psi_at(dir_fd, file, &psi) < 0)
			continue;
		if ((size_t)snprintf(sb->path, sizeof(sb->path), "%s/%s", dir, de->d_name) >= sizeof(sb->path))
			continue;
		sb->total = psi.some.total;
		g->n++;
	}
	closedir(d);
}

static int guard_read(struct policies *p, struct pol *pl, struct greading *ret)
{
	char path[4200], *seg;
	int fd = -1, r;

	*ret = (struct greading){.t_us = mono_us()};
	ret->s = calloc(GUARD_SIBLINGS, sizeof(*ret->s));
	if (!ret->s)
		return -ENOMEM;
	/* "/<parent>/workloads/<name>", walked from the root down. */
	snprintf(path, sizeof(path), "%s/workloads/%s", p->a->base_path, pl->workload);
	seg = path + 1;
	for (;;) {
		char *slash = strchr(seg, '/'), dir[4200];
		int next;
		if (slash)
			*slash = '\0';
		snprintf(dir, sizeof(dir), "%.*s", (int)(seg - 1 - path), path);
		guard_read_level(fd < 0 ? p->a->root_fd : fd, dir, seg, ret);
		if (!slash)
			break;
		r = cg_open(fd < 0 ? p->a->root_fd : fd, seg, &next);
		*slash = '/';
		if (fd >= 0)
			close(fd);
		if (r < 0)
			return 0;
		fd = next;
		seg = slash + 1;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

/* The worst sibling's stall, in percent of the time between two readings. */
static double guard_others_pct(const struct greading *from, const struct greading *to, char *worst, size_t len)
{
	uint64_t dt = to->t_us - from->t_us;
	double max = 0;

	if (!from->s || dt < WINDOW_US / 4)
		return -1; /* too short to say */
	for (size_t i = 0; i < to->n; i++)
		for (size_t k = 0; k < from->n; k++)
			if (strcmp(to->s[i].path, from->s[k].path) == 0) {
				double pct = to->s[i].total > from->s[k].total
						     ? (double)(to->s[i].total - from->s[k].total) * 100 / (double)dt
						     : 0;
				if (pct > max) {
					max = pct;
					snprintf(worst, len, "%s", to->s[i].path);
				}
				break;
			}
	return max > 100 ? 100 : max;
}

static void step_guard(struct policies *p, struct pol *pl, uint64_t now, uint64_t t_fire)
{
	struct greading cur;
	struct words w;
	char cur_max[64], val[64], reason[400];
	uint64_t q, period, quota;
	size_t len;

	if (!t_fire && now < pl->next_read)
		return;
	if (guard_read(p, pl, &cur) < 0)
		return;
	if (!t_fire) {
		/* Once a second: the reading everything is measured against. */
		pl->next_read = now + 1000;
		pl->others_pct = guard_others_pct(&pl->g_prev, &cur, pl->others_worst, sizeof(pl->others_worst));
		greading_free(&pl->g_prev2);
		pl->g_prev2 = pl->g_prev;
		pl->g_prev = cur;
	} else {
		const struct greading *from = cur.t_us - pl->g_prev.t_us >= WINDOW_US / 4 ? &pl->g_prev : &pl->g_prev2;
		pl->others_pct = guard_others_pct(from, &cur, pl->others_worst, sizeof(pl->others_worst));
		greading_free(&cur);
	}

	if (t_fire && !pl->capped && pl->others_pct >= pl->pr.threshold_pct) {
		if (cg_read(pl->cg_fd, "cpu.max", cur_max, sizeof(cur_max), &len) < 0 || words_parse(cur_max, len, &w) < 0 ||
		    w.n != 2 || num_u64_max(w.w[0].s, w.w[0].len, &q) < 0 || num_u64(w.w[1].s, w.w[1].len, &period) < 0)
			return;
		quota = pl->pr.cap_ppm * period / PPM;
		if (quota < 1000)
			quota = 1000;
		if (q != LIMITS_MAX && q <= quota)
			return; /* already held below the cap */
		cur_max[strcspn(cur_max, "\n")] = '\0';
		snprintf(val, sizeof(val), "%llu %llu", (unsigned long long)quota, (unsigned long long)period);
		if (write_locked(pl, "cpu.max", val) < 0)
			return;
		snprintf(pl->saved, sizeof(pl->saved), "%s", cur_max);
		pl->capped = true;
		pl->calm_since = 0;
		reacted(p, pl, t_fire);
		snprintf(reason, sizeof(reason),
			 "host cpu pressure over %g%% (PSI trigger on /proc/pressure/cpu; %s stalled %.1f%%): capped to %g%% "
			 "of a CPU",
			 pl->pr.threshold_pct, pl->others_worst, pl->others_pct, (double)pl->pr.cap_ppm / 10000);
		record(p, pl, "cpu.max", one_value("cpu", "max", cJSON_CreateString(cur_max)),
		       one_value("cpu", "max", cJSON_CreateString(val)), reason);
		return;
	}
	/* Calm is judged once a second, over the second before. */
	if (!pl->capped || t_fire)
		return;
	if (pl->others_pct < 0 || pl->others_pct >= pl->pr.restore_pct) {
		pl->calm_since = 0;
		return;
	}
	if (!pl->calm_since)
		pl->calm_since = now - 1000;
	if (now - pl->calm_since >= pl->pr.calm_ms) {
		snprintf(reason, sizeof(reason), "host cpu pressure under %g%% (at most %.1f%%) for %.1f s: restored",
			 pl->pr.restore_pct, pl->others_pct, (double)(now - pl->calm_since) / 1000);
		guard_restore(p, pl, reason);
		pl->calm_since = 0;
	}
}

static void step_kill(struct policies *p, struct pol *pl, uint64_t now, uint64_t t_fire)
{
	struct psi psi;
	char reason[256];
	bool above;
	double avg10 = 0;

	if (t_fire) {
		pl->fired_at = now;
		if (!pl->above_since)
			pl->above_since = now;
	} else {
		if (now < pl->next_due)
			return;
		pl->next_due = now + 500;
	}
	if (read_psi_at(pl->cg_fd, "memory.pressure", &psi) == 0)
		avg10 = (double)psi.full.avg10 / 100;
	/* Above while the smoothed average says so, or while the trigger,
	 * which fires once per window, keeps firing. */
	above = avg10 >= pl->pr.threshold_pct || (pl->fired_at && now - pl->fired_at <= WINDOW_US / 1000 + 2 * TICK_MS);
	if (!above) {
		pl->above_since = 0;
		pl->fired_at = 0;
		return;
	}
	if (!pl->above_since)
		pl->above_since = now;
	if (now - pl->above_since < pl->pr.duration_ms)
		return;
	if (cg_kill(pl->cg_fd) < 0)
		return;
	reacted(p, pl, t_fire);
	pl->kills++;
	snprintf(reason, sizeof(reason),
		 "memory full pressure above %g%% for %.1f s (avg10 %.2f%%): killed every process of the cgroup",
		 pl->pr.threshold_pct, (double)(now - pl->above_since) / 1000, avg10);
	record(p, pl, "kill", NULL, NULL, reason);
	pl->above_since = 0;
	pl->fired_at = 0;
}

static void budget_freeze(struct policies *p, struct pol *pl, bool frozen, const char *why)
{
	if (cg_freeze(pl->cg_fd, frozen) < 0)
		return;
	pl->frozen = frozen;
	record(p, pl, frozen ? "freeze" : "thaw", one_value("cgroup", "frozen", cJSON_CreateBool(!frozen)),
	       one_value("cgroup", "frozen", cJSON_CreateBool(frozen)), why);
}

static void step_budget(struct policies *p, struct pol *pl, uint64_t now)
{
	char reason[256];
	uint64_t usage;

	if (now < pl->next_due)
		return;
	pl->next_due = now + clamp(pl->pr.window_ms / 50, TICK_MS, 500);
	if (read_flat_key(pl->cg_fd, "cpu.stat", "usage_usec", &usage) < 0)
		return;
	if (!pl->started) {
		char fz[8];
		size_t len;
		pl->started = true;
		pl->base_usage = usage;
		pl->window_start = now;
		/* Frozen by us before a crash: thawed when this window ends. */
		pl->frozen = cg_read(pl->cg_fd, "cgroup.freeze", fz, sizeof(fz), &len) == 0 && fz[0] == '1';
	}
	pl->used_us = usage - pl->base_usage;
	if (now - pl->window_start >= pl->pr.window_ms) {
		while (now - pl->window_start >= pl->pr.window_ms)
			pl->window_start += pl->pr.window_ms;
		pl->base_usage = usage;
		pl->used_us = 0;
		if (pl->frozen)
			budget_freeze(p, pl, false, "a new budget window began: thawed");
	} else if (!pl->frozen && pl->used_us >= pl->pr.budget_us) {
		snprintf(reason, sizeof(reason), "used %.2f of %.2f CPU-seconds in this %.1f s window: frozen until it ends",
			 (double)pl->used_us / 1e6, (double)pl->pr.budget_us / 1e6, (double)pl->pr.window_ms / 1000);
		budget_freeze(p, pl, true, reason);
	}
}

/* ---- installing ---------------------------------------------------- */

/* Opens the workload's cgroup and, for the policies that have one, its
 * PSI trigger. -ENOENT while the cgroup does not exist (yet). */
static int attach(struct policies *p, struct pol *pl)
{
	char trig[64];
	const char *file = NULL;
	int r, fd;

	r = cg_open(p->a->workloads_fd, pl->workload, &pl->cg_fd);
	if (r < 0) {
		pl->cg_fd = -1;
		return r == -ENOTDIR ? -ENOENT : r;
	}
	/* The trigger: which stall, how much of the 1 s window, in which file. */
	const char *kind = pl->pr.kind == K_KILL ? "full" : "some";
	double pct = pl->pr.kind == K_AUTOSIZE ? pl->pr.target_pct : pl->pr.threshold_pct;

	if (pl->pr.kind == K_BUDGET)
		return 0;
	file = pl->pr.kind == K_GUARD ? "/proc/pressure/cpu" : "memory.pressure";
	snprintf(trig, sizeof(trig), "%s %llu %llu", kind,
		 (unsigned long long)clamp((uint64_t)(pct / 100 * (double)WINDOW_US), 1, WINDOW_US), WINDOW_US);
	fd = file[0] == '/' ? open(file, O_RDWR | O_NONBLOCK | O_CLOEXEC)
			    : openat(pl->cg_fd, file, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || write(fd, trig, strlen(trig) + 1) < 0) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		close(pl->cg_fd);
		pl->cg_fd = -1;
		return r;
	}
	pl->trig_fd = fd;
	return 0;
}

static void detach(struct pol *pl)
{
	greading_free(&pl->g_prev);
	greading_free(&pl->g_prev2);
	if (pl->trig_fd >= 0)
		close(pl->trig_fd);
	if (pl->cg_fd >= 0)
		close(pl->cg_fd);
	pl->trig_fd = pl->cg_fd = -1;
	pl->started = false;
}

/* What a policy leaves behind when it goes: a cap is lifted, a freeze
 * thawed; memory.high stays where autosize left it. */
static void undo(struct policies *p, struct pol *pl)
{
	if (pl->cg_fd < 0)
		return;
	if (pl->pr.kind == K_GUARD && pl->capped)
		guard_restore(p, pl, "cpu-guard removed: restored");
	if (pl->pr.kind == K_BUDGET && pl->frozen)
		budget_freeze(p, pl, false, "cpu-budget removed: thawed");
}

static void wake(struct policies *p)
{
	uint64_t one = 1;

	if (write(p->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("policies: wake: %s", strerror(errno));
}

static bool known_has(struct policies *p, const char *name)
{
	for (struct known *k = p->known; k; k = k->next)
		if (strcmp(k->name, name) == 0)
			return true;
	return false;
}

static void known_add(struct policies *p, const char *name)
{
	struct known *k;

	if (known_has(p, name) || !(k = calloc(1, sizeof(*k))))
		return;
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->next = p->known;
	p->known = k;
}

static void known_del(struct policies *p, const char *name)
{
	for (struct known **kk = &p->known; *kk; kk = &(*kk)->next)
		if (strcmp((*kk)->name, name) == 0) {
			struct known *k = *kk;
			*kk = k->next;
			free(k);
			return;
		}
}

static void persist(struct policies *p)
{
	cJSON *all = cJSON_CreateObject();
	char *s;

	for (struct known *k = p->known; all && k; k = k->next) {
		cJSON *arr = cJSON_AddArrayToObject(all, k->name);
		for (struct pol *pl = p->list; arr && pl; pl = pl->next)
			if (strcmp(pl->workload, k->name) == 0)
				cJSON_AddItemToArray(arr, spec_json(&pl->pr));
	}
	s = all ? cJSON_PrintUnformatted(all) : NULL;
	if (!s || state_write(p->a->state_fd, POLICIES_FILE, s, strlen(s)) < 0)
		log_err("policies: cannot save %s: the policies will not survive a restart", POLICIES_FILE);
	free(s);
	cJSON_Delete(all);
}

/* Moves the workload's policies to the dead list (the thread frees them). */
static void drop_locked(struct policies *p, const char *workload)
{
	struct pol **pp = &p->list;

	while (*pp) {
		struct pol *pl = *pp;
		if (strcmp(pl->workload, workload) != 0) {
			pp = &pl->next;
			continue;
		}
		*pp = pl->next;
		undo(p, pl);
		detach(pl);
		pl->next = p->dead;
		p->dead = pl;
	}
}

static int set_locked(struct policies *p, const char *workload, const cJSON *spec, bool save, struct err *e)
{
	struct params pr[K_COUNT];
	struct pol *fresh[K_COUNT] = {0};
	size_t n;
	int r;

	if (name_valid(workload, NULL) < 0)
		return err_fail(e, -EINVAL, "name", "\"%s\" is not a workload name", workload);
	r = parse_all(spec, "policies", pr, &n, e);
	if (r < 0)
		return r;
	/* Everything new is ready (cgroup open, triggers accepted by the
	 * kernel) before anything old goes. */
	for (size_t i = 0; i < n; i++) {
		struct pol *pl = calloc(1, sizeof(*pl));
		if (!pl) {
			r = -ENOMEM;
			goto fail;
		}
		fresh[i] = pl;
		snprintf(pl->workload, sizeof(pl->workload), "%s", workload);
		pl->pr = pr[i];
		pl->cg_fd = pl->trig_fd = -1;
		r = attach(p, pl);
		if (r < 0 && r != -ENOENT) {
			char at[32];
			snprintf(at, sizeof(at), "policies[%zu]", i);
			r = err_fail(e, r == -EINVAL ? -ERR_KERNEL_REFUSED : r, at, "cannot install the PSI trigger: %s",
				     strerror(-r));
			goto fail;
		}
	}
	drop_locked(p, workload);
	for (size_t i = n; i-- > 0;) {
		fresh[i]->next = p->list;
		p->list = fresh[i];
	}
	known_add(p, workload);
	if (save)
		persist(p);
	wake(p);
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		if (fresh[i]) {
			detach(fresh[i]);
			free(fresh[i]);
		}
	return r;
}

int policies_set(struct policies *p, const char *workload, const cJSON *spec, struct err *e)
{
	int r;

	pthread_mutex_lock(&p->lock);
	r = set_locked(p, workload, spec, true, e);
	pthread_mutex_unlock(&p->lock);
	return r;
}

int policies_adopt(struct policies *p, const char *workload, const cJSON *spec, struct err *e)
{
	int r = 0;

	pthread_mutex_lock(&p->lock);
	if (!known_has(p, workload))
		r = set_locked(p, workload, spec, true, e);
	pthread_mutex_unlock(&p->lock);
	return r;
}

void policies_remove(struct policies *p, const char *workload)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	drop_locked(p, workload);
	known_del(p, workload);
	persist(p);
	pthread_mutex_unlock(&p->lock);
	wake(p);
}

static cJSON *state_json(const struct pol *pl)
{
	cJSON *s = cJSON_CreateObject();

	cJSON_AddBoolToObject(s, "attached", pl->cg_fd >= 0);
	cJSON_AddNumberToObject(s, "actions", (double)pl->actions);
	if (pl->reacted)
		cJSON_AddNumberToObject(s, "last_reaction_ms", (double)pl->last_reaction_us / 1000);
	switch (pl->pr.kind) {
	case K_AUTOSIZE:
		if (pl->started) {
			if (pl->high == LIMITS_MAX)
				cJSON_AddStringToObject(s, "memory_high", "max");
			else
				cJSON_AddNumberToObject(s, "memory_high", (double)pl->high);
			cJSON_AddNumberToObject(s, "pressure_pct", pl->last_pressure);
		}
		break;
	case K_GUARD:
		cJSON_AddBoolToObject(s, "capped", pl->capped);
		if (pl->capped) {
			cJSON_AddStringToObject(s, "saved_cpu_max", pl->saved);
			cJSON_AddBoolToObject(s, "calm", pl->calm_since != 0);
		}
		if (pl->g_prev.s && pl->others_pct >= 0) {
			cJSON_AddNumberToObject(s, "host_pressure_pct", pl->others_pct);
			cJSON_AddStringToObject(s, "most_stalled", pl->others_worst);
		}
		break;
	case K_KILL:
		cJSON_AddNumberToObject(s, "kills", (double)pl->kills);
		cJSON_AddBoolToObject(s, "above", pl->above_since != 0);
		break;
	case K_BUDGET:
		cJSON_AddBoolToObject(s, "frozen", pl->frozen);
		cJSON_AddNumberToObject(s, "used_s", (double)pl->used_us / 1e6);
		break;
	case K_COUNT:
		break;
	}
	return s;
}

int policies_get(struct policies *p, const char *workload, cJSON **ret)
{
	cJSON *arr = cJSON_CreateArray();

	if (!arr)
		return -ENOMEM;
	pthread_mutex_lock(&p->lock);
	for (const struct pol *pl = p->list; pl; pl = pl->next) {
		cJSON *o;
		if (strcmp(pl->workload, workload) != 0)
			continue;
		o = spec_json(&pl->pr);
		cJSON_AddItemToObject(o, "state", state_json(pl));
		cJSON_AddItemToArray(arr, o);
	}
	pthread_mutex_unlock(&p->lock);
	*ret = arr;
	return 0;
}

/* ---- OOM kills the kernel makes ------------------------------------ */

static void oom_check(struct policies *p, struct oomw *w)
{
	uint64_t n, max = LIMITS_MAX;
	char reason[200];
	int fd;

	if (cg_open(p->a->workloads_fd, w->name, &fd) < 0)
		return;
	if (read_flat_key(fd, "memory.events", "oom_kill", &n) == 0 && n > w->count) {
		read_u64_file(fd, "memory.max", &max);
		if (max == LIMITS_MAX)
			snprintf(reason, sizeof(reason), "the kernel OOM-killed %llu process(es) of the workload",
				 (unsigned long long)(n - w->count));
		else
			snprintf(reason, sizeof(reason),
				 "the kernel OOM-killed %llu process(es) of the workload at its memory.max of %llu bytes",
				 (unsigned long long)(n - w->count), (unsigned long long)max);
		cJSON *old = one_value("memory_events", "oom_kill", cJSON_CreateNumber((double)w->count));
		cJSON *new = one_value("memory_events", "oom_kill", cJSON_CreateNumber((double)n));
		events_record(p->a->events, w->name, "kernel", "oom-kill", old, new, reason);
		cJSON_Delete(old);
		cJSON_Delete(new);
		log_info("workload %s: %s", w->name, reason);
		w->count = n;
	}
	close(fd);
}

static void oom_scan(struct policies *p)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(p->a->workloads_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (struct oomw *w = p->ooms; w; w = w->next)
		w->seen = false;
	while ((de = readdir(d))) {
		struct oomw *w;
		char path[128];
		int cfd;
		if (de->d_type != DT_DIR || de->d_name[0] == '.' || name_valid(de->d_name, NULL) < 0)
			continue;
		for (w = p->ooms; w && strcmp(w->name, de->d_name) != 0; w = w->next)
			;
		if (w) {
			w->seen = true;
			continue;
		}
		w = calloc(1, sizeof(*w));
		if (!w)
			break;
		snprintf(w->name, sizeof(w->name), "%.*s", NAME_MAX_LEN, de->d_name);
		w->seen = true;
		if (cg_open(p->a->workloads_fd, w->name, &cfd) == 0) {
			read_flat_key(cfd, "memory.events", "oom_kill", &w->count);
			close(cfd);
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s/memory.events", p->a->workloads_fd, w->name);
		w->wd = p->ino_fd >= 0 ? inotify_add_watch(p->ino_fd, path, IN_MODIFY) : -1;
		w->next = p->ooms;
		p->ooms = w;
	}
	closedir(d);
	for (struct oomw **pp = &p->ooms; *pp;) {
		struct oomw *w = *pp;
		if (w->seen) {
			pp = &w->next;
			continue;
		}
		if (w->wd >= 0)
			inotify_rm_watch(p->ino_fd, w->wd);
		*pp = w->next;
		free(w);
	}
}

static void on_inotify(struct policies *p)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(p->ino_fd, buf, sizeof(buf))) > 0) {
		for (char *at = buf; at < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)at;
			if (ev->wd == p->dir_wd)
				oom_scan(p);
			else
				for (struct oomw *w = p->ooms; w; w = w->next)
					if (w->wd == ev->wd)
						oom_check(p, w);
			at += sizeof(*ev) + ev->len;
		}
	}
}

/* ---- the thread ----------------------------------------------------- */

static void step(struct policies *p, struct pol *pl, uint64_t now, uint64_t t_fire)
{
	switch (pl->pr.kind) {
	case K_AUTOSIZE:
		step_autosize(p, pl, now, t_fire);
		break;
	case K_GUARD:
		step_guard(p, pl, now, t_fire);
		break;
	case K_KILL:
		step_kill(p, pl, now, t_fire);
		break;
	case K_BUDGET:
		if (!t_fire)
			step_budget(p, pl, now);
		break;
	case K_COUNT:
		break;
	}
}

static void on_tick(struct policies *p, uint64_t now)
{
	for (struct pol *pl = p->list; pl; pl = pl->next) {
		if (pl->cg_fd < 0) {
			if (now < pl->next_due)
				continue;
			/* Not yet there, or gone and maybe back: retry now and then. */
			pl->next_due = now + 1000;
			if (attach(p, pl) < 0)
				continue;
			pl->next_due = 0;
		}
		step(p, pl, now, 0);
	}
	if (now >= p->next_scan) {
		p->next_scan = now + OOM_SCAN_MS;
		oom_scan(p);
	}
	if (now >= p->next_check_all) {
		p->next_check_all = now + OOM_CHECK_ALL_MS;
		for (struct oomw *w = p->ooms; w; w = w->next)
			oom_check(p, w);
	}
}

static void *thread_main(void *arg)
{
	struct policies *p = arg;
	struct pollfd *fds = NULL;
	struct pol **who = NULL;
	size_t cap = 0;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		size_t n = 3, k = 0;
		uint64_t t_fire, now;
		int r;

		while (p->dead) {
			struct pol *d = p->dead;
			p->dead = d->next;
			free(d);
		}
		for (struct pol *pl = p->list; pl; pl = pl->next)
			n += pl->trig_fd >= 0;
		if (n > cap) {
			struct pollfd *f = realloc(fds, n * sizeof(*f));
			struct pol **w = f ? realloc(who, n * sizeof(*w)) : NULL;
			if (f)
				fds = f;
			if (w)
				who = w;
			if (!f || !w) {
				pthread_mutex_unlock(&p->lock);
				sleep(1);
				pthread_mutex_lock(&p->lock);
				continue;
			}
			cap = n;
		}
		fds[k++] = (struct pollfd){.fd = p->wake_fd, .events = POLLIN};
		fds[k++] = (struct pollfd){.fd = p->timer_fd, .events = POLLIN};
		fds[k++] = (struct pollfd){.fd = p->ino_fd, .events = POLLIN};
		for (struct pol *pl = p->list; pl; pl = pl->next)
			if (pl->trig_fd >= 0) {
				who[k] = pl;
				fds[k++] = (struct pollfd){.fd = pl->trig_fd, .events = POLLPRI};
			}
		pthread_mutex_unlock(&p->lock);
		r = poll(fds, n, -1);
		t_fire = mono_us();
		pthread_mutex_lock(&p->lock);
		if (r < 0)
			continue;
		now = t_fire / 1000;
		if (fds[0].revents & POLLIN) {
			uint64_t v;
			if (read(p->wake_fd, &v, sizeof(v)) < 0)
				v = 0;
		}
		/* Triggers first: they are what must be quick. A policy that
		 * was replaced while we polled is on the dead list: its
		 * firing no longer matters. */
		for (size_t i = 3; i < n; i++) {
			struct pol *pl = who[i];
			bool live = false;
			if (!fds[i].revents)
				continue;
			for (struct pol *q = p->list; q && !live; q = q->next)
				live = q == pl;
			if (!live || pl->trig_fd != fds[i].fd)
				continue;
			if (fds[i].revents & (POLLERR | POLLNVAL | POLLHUP)) {
				/* The cgroup went away: retry attaching on the tick. */
				detach(pl);
				pl->next_due = now + 1000;
				continue;
			}
			if (fds[i].revents & POLLPRI)
				step(p, pl, now, t_fire);
		}
		if (fds[2].revents & POLLIN)
			on_inotify(p);
		if (fds[1].revents & POLLIN) {
			uint64_t ticks;
			if (read(p->timer_fd, &ticks, sizeof(ticks)) < 0)
				ticks = 0;
			on_tick(p, now);
		}
	}
	pthread_mutex_unlock(&p->lock);
	free(fds);
	free(who);
	return NULL;
}

static void load(struct policies *p)
{
	char *data = NULL;
	size_t len;
	cJSON *all, *it;
	int r = state_read(p->a->state_fd, POLICIES_FILE, POLICIES_FILE_MAX, &data, &len);

	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_err("policies: cannot read %s: %s", POLICIES_FILE, strerror(-r));
		return;
	}
	all = cJSON_ParseWithLength(data, len);
	free(data);
	cJSON_ArrayForEach(it, all)
	{
		struct err e = {0};
		if (set_locked(p, it->string, it, false, &e) < 0)
			log_err("policies of %s not restored: %s: %s", it->string, e.field, e.message);
	}
	cJSON_Delete(all);
}

int policies_start(struct agent *a, struct policies **ret)
{
	struct itimerspec its = {{0, TICK_MS * 1000000}, {0, TICK_MS * 1000000}};
	struct policies *p;
	char path[64];
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->a = a;
	pthread_mutex_init(&p->lock, NULL);
	p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	p->ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (p->wake_fd < 0 || p->timer_fd < 0 || p->ino_fd < 0 || timerfd_settime(p->timer_fd, 0, &its, NULL) < 0) {
		r = -errno;
		policies_stop(p);
		return r;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", a->workloads_fd);
	p->dir_wd = inotify_add_watch(p->ino_fd, path, IN_CREATE | IN_DELETE | IN_ONLYDIR);
	pthread_mutex_lock(&p->lock);
	load(p);
	oom_scan(p);
	pthread_mutex_unlock(&p->lock);
	r = -pthread_create(&p->thread, NULL, thread_main, p);
	if (r < 0) {
		policies_stop(p);
		return r;
	}
	p->running = true;
	*ret = p;
	return 0;
}

void policies_stop(struct policies *p)
{
	if (!p)
		return;
	if (p->running) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_mutex_unlock(&p->lock);
		wake(p);
		pthread_join(p->thread, NULL);
	}
	/* A cap or a freeze is the policy's to lift: it does not outlive the
	 * agent (the policies come back with it, from policies.json). */
	while (p->list) {
		struct pol *pl = p->list;
		p->list = pl->next;
		undo(p, pl);
		detach(pl);
		free(pl);
	}
	while (p->dead) {
		struct pol *pl = p->dead;
		p->dead = pl->next;
		free(pl);
	}
	while (p->ooms) {
		struct oomw *w = p->ooms;
		p->ooms = w->next;
		free(w);
	}
	while (p->known) {
		struct known *k = p->known;
		p->known = k->next;
		free(k);
	}
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	if (p->timer_fd >= 0)
		close(p->timer_fd);
	if (p->ino_fd >= 0)
		close(p->ino_fd);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
