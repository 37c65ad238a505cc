/* limits: the API's limits shape, validated before anything is written,
 * applied all-or-nothing (each file's value is read first and written back
 * if a later write of the same change is refused), and read back from the
 * kernel (see limits.h; docs/api.md has the shape). */
#include "agent/limits.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h> /* isfinite only: the build links no libm */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "agent/cg.h"
#include "agent/json.h"
#include "agent/log.h"
#include "probes/nested.h"
#include "probes/sampler.h"
#include "probes/num.h"
#include "probes/words.h"

#define SIZE_LIMIT ((uint64_t)INT64_MAX) /* the kernel's counters are signed */
#define PPM 1000000ull
#define CPU_QUOTA_MIN 1000ull            /* us, the kernel's floor */
#define CPU_PERIOD_MIN 1000ull
#define CPU_PERIOD_MAX 1000000ull
#define CPU_PPM_MIN (CPU_QUOTA_MIN * PPM / CPU_PERIOD_MAX) /* 0.001 CPU */
#define CPU_PPM_MAX (1000000ull * PPM)  /* a million CPUs */
#define WEIGHT_MIN 1
#define WEIGHT_MAX 10000
#define PIDS_LIMIT 4194304ull /* PID_MAX_LIMIT on 64-bit */
#define IO_MIN 2ull           /* blk-throttle refuses 0 (ERANGE) and 1 (EINVAL) */
#define IOPS_LIMIT 4294967295ull /* blk-throttle clamps iops to UINT_MAX silently */
#define CPULIST_MAX_ID 65535ull
#define VAL_LEN 320

enum kind { K_SIZE, K_WEIGHT, K_PIDS, K_PERIOD, K_LIST };

/* The plain one-file fields; cpu.max and io.max are special below. */
static const struct scalar {
	unsigned bit;
	const char *group, *key, *file;
	enum kind kind;
	size_t off;
} scalars[] = {
	{LIM_CPU_PERIOD, "cpu", "period_us", NULL, K_PERIOD, offsetof(struct limits, cpu_period_us)},
	{LIM_CPU_WEIGHT, "cpu", "weight", "cpu.weight", K_WEIGHT, offsetof(struct limits, cpu_weight)},
	{LIM_MEM_MAX, "memory", "max", "memory.max", K_SIZE, offsetof(struct limits, mem_max)},
	{LIM_MEM_HIGH, "memory", "high", "memory.high", K_SIZE, offsetof(struct limits, mem_high)},
	{LIM_MEM_LOW, "memory", "low", "memory.low", K_SIZE, offsetof(struct limits, mem_low)},
	{LIM_MEM_MIN, "memory", "min", "memory.min", K_SIZE, offsetof(struct limits, mem_min)},
	{LIM_SWAP_MAX, "memory", "swap_max", "memory.swap.max", K_SIZE, offsetof(struct limits, swap_max)},
	{LIM_IO_WEIGHT, "io", "weight", "io.weight", K_WEIGHT, offsetof(struct limits, io_weight)},
	{LIM_PIDS_MAX, "pids", "max", "pids.max", K_PIDS, offsetof(struct limits, pids_max)},
	{LIM_CPUSET_CPUS, "cpuset", "cpus", "cpuset.cpus", K_LIST, offsetof(struct limits, cpus)},
	{LIM_CPUSET_MEMS, "cpuset", "mems", "cpuset.mems", K_LIST, offsetof(struct limits, mems)},
};
#define NSCALARS (sizeof(scalars) / sizeof(scalars[0]))

static const char *const groups[] = {"cpu", "memory", "io", "pids", "cpuset", NULL};
static const char *const keys_cpu[] = {"max", "period_us", "weight", NULL};
static const char *const keys_memory[] = {"max", "high", "low", "min", "swap_max", NULL};
static const char *const keys_io[] = {"max", "weight", NULL};
static const char *const keys_pids[] = {"max", NULL};
static const char *const keys_cpuset[] = {"cpus", "mems", NULL};
static const char *const *const group_keys[] = {keys_cpu, keys_memory, keys_io, keys_pids, keys_cpuset};
static const char *const io_keys[] = {"device", "rbps", "wbps", "riops", "wiops", NULL};
static const char *const io_values[] = {"rbps", "wbps", "riops", "wiops"};

static uint64_t *u64_at(struct limits *l, size_t off)
{
	return (uint64_t *)(void *)((char *)l + off);
}

static void field3(char *out, size_t len, const char *prefix, const char *group, const char *key)
{
	char g[128];

	json_path(g, sizeof(g), prefix, group);
	json_path(out, len, g, key);
}

/* ---- values ---------------------------------------------------------- */

/* A JSON number that is a whole number 0..2^53 (exact as a double). */
static bool whole_number(const cJSON *v, uint64_t *ret)
{
	double d = v->valuedouble;

	if (!cJSON_IsNumber(v) || !(d >= 0 && d <= (double)JSON_EXACT) || d != (double)(uint64_t)d)
		return false;
	*ret = (uint64_t)d;
	return true;
}

/* "512M", "1G", "4096", "max", or a whole number of bytes. */
static int parse_size(const cJSON *v, const char *field, uint64_t min, uint64_t *ret, struct err *e)
{
	static const char *const what = "must be a size: bytes, or a string like \"512M\" (K, M, G, T are 1024-based) "
					"or \"max\"";
	const char *s;
	size_t len, digits;
	unsigned shift = 0;
	uint64_t n;
	int r;

	if (cJSON_IsNumber(v)) {
		if (!whole_number(v, &n))
			return err_fail(e, -EINVAL, field, "%s; a number must be whole, from 0 to 2^53 (larger: as a string)",
					what);
	} else if (cJSON_IsString(v)) {
		s = v->valuestring;
		len = strlen(s);
		if (strcmp(s, "max") == 0) {
			*ret = LIMITS_MAX;
			return 0;
		}
		digits = strspn(s, "0123456789");
		if (digits == 0 || len - digits > 1)
			return err_fail(e, -EINVAL, field, "%s", what);
		if (len > digits) {
			const char *u = strchr("KMGT", s[digits]);
			if (!u || !s[digits])
				return err_fail(e, -EINVAL, field, "%s", what);
			shift = 10 * (unsigned)(u - "KMGT" + 1);
		}
		r = num_u64(s, digits, &n);
		if (r == -ERANGE || (r == 0 && shift && n > (SIZE_LIMIT >> shift)))
			return err_fail(e, -ERANGE, field, "must be below 2^63 bytes");
		if (r < 0)
			return err_fail(e, -EINVAL, field, "%s", what);
		n <<= shift;
	} else {
		return err_fail(e, -EINVAL, field, "%s", what);
	}
	if (n > SIZE_LIMIT)
		return err_fail(e, -ERANGE, field, "must be below 2^63 bytes");
	if (n < min)
		return err_fail(e, -ERANGE, field, "must be at least %llu, or \"max\"", (unsigned long long)min);
	*ret = n;
	return 0;
}

/* A whole number lo..hi, or "max" when allow_max. */
static int parse_count(const cJSON *v, const char *field, uint64_t lo, uint64_t hi, bool allow_max, uint64_t *ret,
		       struct err *e)
{
	uint64_t n;

	if (allow_max && cJSON_IsString(v) && strcmp(v->valuestring, "max") == 0) {
		*ret = LIMITS_MAX;
		return 0;
	}
	if (!cJSON_IsNumber(v) || !whole_number(v, &n)) {
		if (cJSON_IsNumber(v) && v->valuedouble > (double)hi)
			return err_fail(e, -ERANGE, field, "must be at most %llu", (unsigned long long)hi);
		return err_fail(e, -EINVAL, field, "must be a whole number from %llu to %llu%s", (unsigned long long)lo,
				(unsigned long long)hi, allow_max ? ", or \"max\"" : "");
	}
	if (n < lo || n > hi)
		return err_fail(e, -ERANGE, field, "must be from %llu to %llu%s", (unsigned long long)lo,
				(unsigned long long)hi, allow_max ? ", or \"max\"" : "");
	*ret = n;
	return 0;
}

/* cpu.max: "max", "50%" (of one CPU, up to 4 decimals) or a number of CPUs. */
static int parse_cpu_max(const cJSON *v, const char *field, uint64_t *ret, struct err *e)
{
	static const char *const what = "must be \"max\", a percentage of one CPU like \"50%\", or a number of CPUs "
					"like 1.5";
	uint64_t ppm;

	if (cJSON_IsString(v) && strcmp(v->valuestring, "max") == 0) {
		*ret = LIMITS_MAX;
		return 0;
	}
	if (cJSON_IsString(v)) {
		size_t len = strlen(v->valuestring);
		int r;
		if (len < 2 || v->valuestring[len - 1] != '%')
			return err_fail(e, -EINVAL, field, "%s", what);
		/* Four decimals of a percent are millionths of a CPU. */
		r = num_fixed(v->valuestring, len - 1, 4, &ppm);
		if (r == -ERANGE || (r == 0 && ppm > CPU_PPM_MAX))
			return err_fail(e, -ERANGE, field, "must be at most %llu%%", CPU_PPM_MAX / 10000);
		if (r < 0)
			return err_fail(e, -EINVAL, field, "%s (at most 4 decimals)", what);
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (!(d > 0) || !isfinite(d))
			return err_fail(e, -EINVAL, field, "%s, more than 0", what);
		if (d > (double)(CPU_PPM_MAX / PPM))
			return err_fail(e, -ERANGE, field, "must be at most %llu CPUs", CPU_PPM_MAX / PPM);
		ppm = (uint64_t)(d * (double)PPM + 0.5);
	} else {
		return err_fail(e, -EINVAL, field, "%s", what);
	}
	if (ppm < CPU_PPM_MIN)
		return err_fail(e, -ERANGE, field,
				"must be at least 0.1%% of a CPU (the kernel's minimum quota is 1000 us per period)");
	*ret = ppm;
	return 0;
}

int limits_parse_size(const cJSON *v, const char *field, uint64_t *ret, struct err *e)
{
	return parse_size(v, field, 0, ret, e);
}

int limits_parse_cpu(const cJSON *v, const char *field, uint64_t *ret_ppm, struct err *e)
{
	return parse_cpu_max(v, field, ret_ppm, e);
}

/* "0-1,3": the kernel's list format; "" means the parent's set. */
static int parse_list(const cJSON *v, const char *field, char *out, size_t len, struct err *e)
{
	static const char *const what = "must be a list like \"0-1,3\" (or \"\" for the parent's)";
	const char *s;

	if (!cJSON_IsString(v))
		return err_fail(e, -EINVAL, field, "%s", what);
	s = v->valuestring;
	if (strlen(s) >= len)
		return err_fail(e, -EINVAL, field, "is longer than %zu characters", len - 1);
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, ",");
		const char *dash = memchr(p, '-', n);
		uint64_t a, b;

		if (dash) {
			if (num_u64(p, (size_t)(dash - p), &a) < 0 || num_u64(dash + 1, n - (size_t)(dash - p) - 1, &b) < 0 ||
			    a > b)
				return err_fail(e, -EINVAL, field, "%s", what);
		} else if (num_u64(p, n, &a) < 0) {
			return err_fail(e, -EINVAL, field, "%s", what);
		} else {
			b = a;
		}
		if (b > CPULIST_MAX_ID)
			return err_fail(e, -ERANGE, field, "ids must be at most %llu", CPULIST_MAX_ID);
		p += n;
		if (*p == ',' && !*++p)
			return err_fail(e, -EINVAL, field, "%s", what);
	}
	snprintf(out, len, "%s", s);
	return 0;
}

/* "/dev/vda" (stat) or "254:0"; a whole disk, never a partition. */
static int resolve_device(const cJSON *v, const char *field, uint32_t *ret_maj, uint32_t *ret_min, struct err *e)
{
	char sys[96];
	const char *s;
	struct stat st;
	uint64_t maj, min;

	if (!cJSON_IsString(v))
		return err_fail(e, -EINVAL, field, "must be a device path like \"/dev/vda\" or \"MAJ:MIN\"");
	s = v->valuestring;
	if (s[0] == '/') {
		if (stat(s, &st) < 0)
			return err_fail(e, -EINVAL, field, "cannot find %.128s: %s", s, strerror(errno));
		if (!S_ISBLK(st.st_mode))
			return err_fail(e, -EINVAL, field, "%.128s is not a block device", s);
		maj = major(st.st_rdev);
		min = minor(st.st_rdev);
	} else {
		const char *colon = strchr(s, ':');
		if (!colon || num_u64(s, (size_t)(colon - s), &maj) < 0 || num_u64(colon + 1, strlen(colon + 1), &min) < 0 ||
		    maj > 4095 || min > 1048575)
			return err_fail(e, -EINVAL, field, "must be a device path like \"/dev/vda\" or \"MAJ:MIN\"");
	}
	snprintf(sys, sizeof(sys), "/sys/dev/block/%llu:%llu", (unsigned long long)maj, (unsigned long long)min);
	if (stat(sys, &st) < 0)
		return err_fail(e, -EINVAL, field, "%.128s (%llu:%llu) is not a block device on this host", s,
				(unsigned long long)maj, (unsigned long long)min);
	snprintf(sys, sizeof(sys), "/sys/dev/block/%llu:%llu/partition", (unsigned long long)maj,
		 (unsigned long long)min);
	if (access(sys, F_OK) == 0)
		return err_fail(e, -EINVAL, field, "%.128s is a partition; io.max takes whole disks", s);
	*ret_maj = (uint32_t)maj;
	*ret_min = (uint32_t)min;
	return 0;
}

static int parse_io_max(const cJSON *arr, const char *field, struct limits *l, struct err *e)
{
	const cJSON *it;
	size_t i = 0;
	int r;

	if (!cJSON_IsArray(arr))
		return err_fail(e, -EINVAL, field, "must be an array of {\"device\", \"rbps\", \"wbps\", \"riops\", \"wiops\"}");
	if (cJSON_GetArraySize(arr) > LIMITS_IO_DEVICES)
		return err_fail(e, -EINVAL, field, "at most %d devices", LIMITS_IO_DEVICES);
	cJSON_ArrayForEach(it, arr)
	{
		struct limits_io *d = &l->io[i];
		char at[224], f[256];
		const cJSON *dev;

		snprintf(at, sizeof(at), "%s[%zu]", field, i);
		if (!cJSON_IsObject(it))
			return err_fail(e, -EINVAL, at, "must be an object");
		r = json_only_keys(it, io_keys, at, e);
		if (r < 0)
			return r;
		json_path(f, sizeof(f), at, "device");
		dev = cJSON_GetObjectItemCaseSensitive(it, "device");
		if (!dev)
			return err_fail(e, -EINVAL, f, "is required");
		r = resolve_device(dev, f, &d->major, &d->minor, e);
		if (r < 0)
			return r;
		for (size_t k = 0; k < i; k++)
			if (l->io[k].major == d->major && l->io[k].minor == d->minor)
				return err_fail(e, -EINVAL, f, "names the same device (%u:%u) as %s[%zu]", d->major, d->minor,
						field, k);
		for (unsigned k = 0; k < 4; k++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, io_values[k]);
			uint64_t *out = k == 0 ? &d->rbps : k == 1 ? &d->wbps : k == 2 ? &d->riops : &d->wiops;
			if (!v)
				continue;
			json_path(f, sizeof(f), at, io_values[k]);
			r = k < 2 ? parse_size(v, f, IO_MIN, out, e) : parse_count(v, f, IO_MIN, IOPS_LIMIT, true, out, e);
			if (r < 0)
				return r;
			d->set |= 1u << k;
		}
		if (!d->set)
			return err_fail(e, -EINVAL, at, "give at least one of rbps, wbps, riops, wiops");
		i++;
	}
	l->nio = i;
	return 0;
}

static int parse_scalar(const struct scalar *s, const cJSON *v, const char *field, struct limits *l, struct err *e)
{
	switch (s->kind) {
	case K_SIZE:
		return parse_size(v, field, 0, u64_at(l, s->off), e);
	case K_WEIGHT:
		return parse_count(v, field, WEIGHT_MIN, WEIGHT_MAX, false, u64_at(l, s->off), e);
	case K_PERIOD:
		return parse_count(v, field, CPU_PERIOD_MIN, CPU_PERIOD_MAX, false, u64_at(l, s->off), e);
	case K_PIDS:
		return parse_count(v, field, 0, PIDS_LIMIT, true, u64_at(l, s->off), e);
	case K_LIST:
		return parse_list(v, field, (char *)l + s->off, sizeof(l->cpus), e);
	}
	return -EINVAL;
}

int limits_parse(const cJSON *j, const char *prefix, struct limits *ret, struct err *e)
{
	struct limits l;
	char gpath[128], f[192];
	const cJSON *v;
	int r;

	memset(&l, 0, sizeof(l));
	prefix = prefix ? prefix : "";
	if (!cJSON_IsObject(j))
		return err_fail(e, -EINVAL, prefix, "must be an object with cpu, memory, io, pids, cpuset");
	r = json_only_keys(j, groups, prefix, e);
	if (r < 0)
		return r;
	for (size_t g = 0; groups[g]; g++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, groups[g]);
		if (!o)
			continue;
		json_path(gpath, sizeof(gpath), prefix, groups[g]);
		if (!cJSON_IsObject(o))
			return err_fail(e, -EINVAL, gpath, "must be an object");
		r = json_only_keys(o, group_keys[g], gpath, e);
		if (r < 0)
			return r;
	}
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "cpu"), "max");
	if (v) {
		field3(f, sizeof(f), prefix, "cpu", "max");
		r = parse_cpu_max(v, f, &l.cpu_max_ppm, e);
		if (r < 0)
			return r;
		l.set |= LIM_CPU_MAX;
	}
	for (size_t i = 0; i < NSCALARS; i++) {
		const struct scalar *s = &scalars[i];
		v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, s->group), s->key);
		if (!v)
			continue;
		field3(f, sizeof(f), prefix, s->group, s->key);
		r = parse_scalar(s, v, f, &l, e);
		if (r < 0)
			return r;
		l.set |= s->bit;
	}
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "io"), "max");
	if (v) {
		field3(f, sizeof(f), prefix, "io", "max");
		r = parse_io_max(v, f, &l, e);
		if (r < 0)
			return r;
		l.set |= LIM_IO_MAX;
	}
	/* With both given, the quota they make is known now. */
	if ((l.set & LIM_CPU_MAX) && (l.set & LIM_CPU_PERIOD) && l.cpu_max_ppm != LIMITS_MAX &&
	    l.cpu_max_ppm * l.cpu_period_us / PPM < CPU_QUOTA_MIN) {
		field3(f, sizeof(f), prefix, "cpu", "max");
		return err_fail(e, -ERANGE, f, "gives a quota below 1000 us per %llu us period (the kernel's minimum)",
				(unsigned long long)l.cpu_period_us);
	}
	snprintf(l.prefix, sizeof(l.prefix), "%s", prefix);
	*ret = l;
	return 0;
}

/* ---- reading --------------------------------------------------------- */

/* Reads an interface file without its trailing newline. */
static int read_file(int cg_fd, const char *file, char *buf, size_t cap)
{
	size_t len;
	int r = cg_read(cg_fd, file, buf, cap, &len);

	if (r < 0)
		return r;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return 0;
}

/* "Q P" of cpu.max; Q is LIMITS_MAX for "max". */
static int parse_cpu_file(const char *s, uint64_t *ret_quota, uint64_t *ret_period)
{
	struct words w;
	char line[128];
	int r;

	snprintf(line, sizeof(line), "%s\n", s);
	r = words_parse(line, strlen(line), &w);
	if (r < 0 || w.n != 2)
		return -EINVAL;
	if (num_u64_max(w.w[0].s, w.w[0].len, ret_quota) < 0 || num_u64(w.w[1].s, w.w[1].len, ret_period) < 0 ||
	    *ret_period == 0)
		return -EINVAL;
	return 0;
}

/* "default N" (the first line of io.weight). */
static int parse_io_weight(const char *s, uint64_t *ret)
{
	size_t n = strcspn(s, "\n");

	if (strncmp(s, "default ", 8) != 0 || n <= 8)
		return -EINVAL;
	return num_u64(s + 8, n - 8, ret);
}

/* A value in the API's form: "max", a number, or (past 2^53) a string. */
static cJSON *value_json(uint64_t v)
{
	return v == LIMITS_MAX ? cJSON_CreateString("max") : json_u64(v);
}

static cJSON *group_of(cJSON *j, const char *name)
{
	cJSON *g = cJSON_GetObjectItemCaseSensitive(j, name);

	return g ? g : cJSON_AddObjectToObject(j, name);
}

static cJSON *io_entry_json(const char *dev, size_t dev_len, const uint64_t v[4])
{
	cJSON *o = cJSON_CreateObject();
	char d[32];

	snprintf(d, sizeof(d), "%.*s", (int)dev_len, dev);
	cJSON_AddStringToObject(o, "device", d);
	for (unsigned k = 0; k < 4; k++)
		cJSON_AddItemToObject(o, io_values[k], value_json(v[k]));
	return o;
}

static int read_io_max(int cg_fd, cJSON *j)
{
	char *buf = malloc(16384);
	struct nested *n = malloc(sizeof(*n));
	cJSON *arr;
	size_t len;
	int r;

	if (!buf || !n) {
		r = -ENOMEM;
		goto out;
	}
	r = cg_read(cg_fd, "io.max", buf, 16384, &len);
	if (r == 0)
		r = nested_parse(buf, len, n);
	if (r < 0)
		goto out;
	arr = cJSON_AddArrayToObject(group_of(j, "io"), "max");
	for (size_t i = 0; arr && i < n->nlines; i++) {
		const struct nested_line *l = &n->line[i];
		uint64_t v[4];
		for (unsigned k = 0; k < 4; k++) {
			const char *s;
			size_t sl;
			if (nested_get(n, l, io_values[k], &s, &sl) < 0 || num_u64_max(s, sl, &v[k]) < 0)
				v[k] = LIMITS_MAX;
		}
		cJSON_AddItemToArray(arr, io_entry_json(l->key, l->key_len, v));
	}
out:
	free(buf);
	free(n);
	return r;
}

/* cpu.max in the shape: cores (or "max") and the period. */
static void add_cpu_max(cJSON *j, uint64_t quota, uint64_t period)
{
	cJSON *cpu = group_of(j, "cpu");

	if (quota == LIMITS_MAX || period == 0)
		cJSON_AddStringToObject(cpu, "max", "max");
	else /* rounded to millionths, so it prints short and reads back the same */
		cJSON_AddNumberToObject(cpu, "max", (double)((quota * PPM + period / 2) / period) / (double)PPM);
	cJSON_AddNumberToObject(cpu, "period_us", (double)period);
}

int limits_read(int cg_fd, cJSON **ret)
{
	cJSON *j = cJSON_CreateObject();
	char buf[VAL_LEN];
	uint64_t q, p, v;
	int r;

	if (!j)
		return -ENOMEM;
	r = read_file(cg_fd, "cpu.max", buf, sizeof(buf));
	if (r == 0 && parse_cpu_file(buf, &q, &p) == 0) {
		add_cpu_max(j, q, p);
	} else if (r < 0 && r != -ENOENT) {
		goto fail;
	}
	for (size_t i = 0; i < NSCALARS; i++) {
		const struct scalar *s = &scalars[i];
		cJSON *g;
		if (!s->file)
			continue;
		if (s->bit == LIM_IO_WEIGHT) {
			/* io.max goes before io.weight, as in the shape. */
			r = read_io_max(cg_fd, j);
			if (r < 0 && r != -ENOENT)
				goto fail;
		}
		r = read_file(cg_fd, s->file, buf, sizeof(buf));
		if (r == -ENOENT)
			continue;
		if (r < 0)
			goto fail;
		g = group_of(j, s->group);
		if (s->kind == K_LIST) {
			cJSON_AddStringToObject(g, s->key, buf);
			continue;
		}
		if (s->bit == LIM_IO_WEIGHT ? parse_io_weight(buf, &v) < 0 : num_u64_max(buf, strlen(buf), &v) < 0)
			continue;
		cJSON_AddItemToObject(g, s->key, value_json(v));
	}
	*ret = j;
	return 0;
fail:
	cJSON_Delete(j);
	return r;
}

static void pick(cJSON *out, const cJSON *full, const char *group, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(full, group), key);

	if (v)
		cJSON_AddItemToObject(group_of(out, group), key, cJSON_Duplicate(v, true));
}

cJSON *limits_pick(const cJSON *full, const struct limits *l)
{
	cJSON *out = cJSON_CreateObject();

	if (!out)
		return NULL;
	if (l->set & LIM_CPU_MAX)
		pick(out, full, "cpu", "max");
	for (size_t i = 0; i < NSCALARS; i++)
		if (l->set & scalars[i].bit)
			pick(out, full, scalars[i].group, scalars[i].key);
	if (l->set & LIM_IO_MAX) {
		const cJSON *have = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(full, "io"), "max");
		cJSON *arr = cJSON_AddArrayToObject(group_of(out, "io"), "max");
		for (size_t i = 0; arr && i < l->nio; i++) {
			static const uint64_t none[4] = {LIMITS_MAX, LIMITS_MAX, LIMITS_MAX, LIMITS_MAX};
			char dev[32];
			const cJSON *it, *found = NULL;
			snprintf(dev, sizeof(dev), "%u:%u", l->io[i].major, l->io[i].minor);
			cJSON_ArrayForEach(it, have)
			{
				const cJSON *d = cJSON_GetObjectItemCaseSensitive(it, "device");
				if (cJSON_IsString(d) && strcmp(d->valuestring, dev) == 0)
					found = it;
			}
			/* The kernel lists only devices with a limit. */
			cJSON_AddItemToArray(arr, found ? cJSON_Duplicate(found, true) : io_entry_json(dev, strlen(dev), none));
		}
	}
	return out;
}

/* ---- writing --------------------------------------------------------- */

struct op {
	const char *file;
	char field[200];
	char val[VAL_LEN];
	char old[VAL_LEN];
};

#define OPS_MAX (NSCALARS + LIMITS_IO_DEVICES + 1)

static void fmt_value(char *out, size_t len, uint64_t v)
{
	if (v == LIMITS_MAX)
		snprintf(out, len, "max");
	else
		snprintf(out, len, "%llu", (unsigned long long)v);
}

static int read_failed(int r, const struct op *o, struct err *e)
{
	if (r == -ENOENT)
		return err_fail(e, -ERR_KERNEL_REFUSED, o->field,
				"%s does not exist in this cgroup (its controller is not enabled here, or the group is gone)",
				o->file);
	return err_fail(e, r, o->field, "cannot read %s: %s", o->file, strerror(-r));
}

/* Reads the value to restore; a missing file means the controller is not
 * enabled for this group. */
static int read_old(int cg_fd, struct op *o, struct err *e)
{
	int r = read_file(cg_fd, o->file, o->old, sizeof(o->old));

	return r < 0 ? read_failed(r, o, e) : 0;
}

static int plan_cpu_max(int cg_fd, const struct limits *l, struct op *o, struct err *e)
{
	uint64_t q, p, ppm, period, quota;
	int r;

	o->file = "cpu.max";
	field3(o->field, sizeof(o->field), l->prefix, "cpu", (l->set & LIM_CPU_MAX) ? "max" : "period_us");
	r = read_old(cg_fd, o, e);
	if (r < 0)
		return r;
	if (parse_cpu_file(o->old, &q, &p) < 0)
		return err_fail(e, -EIO, o->field, "cannot parse cpu.max \"%s\"", o->old);
	period = (l->set & LIM_CPU_PERIOD) ? l->cpu_period_us : p;
	/* A new period alone keeps the share of a CPU, not the quota. */
	ppm = (l->set & LIM_CPU_MAX) ? l->cpu_max_ppm : q == LIMITS_MAX ? LIMITS_MAX : (q * PPM + p / 2) / p;
	if (ppm == LIMITS_MAX) {
		snprintf(o->val, sizeof(o->val), "max %llu", (unsigned long long)period);
		return 0;
	}
	quota = (ppm * period + PPM / 2) / PPM;
	if (quota < CPU_QUOTA_MIN)
		return err_fail(e, -ERANGE, o->field,
				"gives a quota of %llu us per %llu us period; the kernel's minimum is 1000 us",
				(unsigned long long)quota, (unsigned long long)period);
	snprintf(o->val, sizeof(o->val), "%llu %llu", (unsigned long long)quota, (unsigned long long)period);
	return 0;
}

/* One io.max write per device, naming only the keys given; the old value
 * is the device's whole line (all "max" when the kernel lists none). */
static int plan_io(int cg_fd, const struct limits *l, size_t i, struct op *o, struct err *e)
{
	const struct limits_io *d = &l->io[i];
	char dev[32], io_field[160], *all = NULL, *line;
	size_t used, dl, len;
	int r;

	o->file = "io.max";
	field3(io_field, sizeof(io_field), l->prefix, "io", "max");
	snprintf(o->field, sizeof(o->field), "%s[%zu]", io_field, i);
	dl = (size_t)snprintf(dev, sizeof(dev), "%u:%u", d->major, d->minor);
	used = (size_t)snprintf(o->val, sizeof(o->val), "%s", dev);
	for (unsigned k = 0; k < 4; k++) {
		uint64_t v = k == 0 ? d->rbps : k == 1 ? d->wbps : k == 2 ? d->riops : d->wiops;
		char s[24];
		if (!(d->set & (1u << k)))
			continue;
		fmt_value(s, sizeof(s), v);
		used += (size_t)snprintf(o->val + used, sizeof(o->val) - used, " %s=%s", io_values[k], s);
	}
	all = malloc(16384);
	if (!all)
		return -ENOMEM;
	r = cg_read(cg_fd, "io.max", all, 16384, &len);
	if (r < 0) {
		free(all);
		return read_failed(r, o, e);
	}
	snprintf(o->old, sizeof(o->old), "%s rbps=max wbps=max riops=max wiops=max", dev);
	for (line = all; *line;) {
		size_t n = strcspn(line, "\n");
		if (n > dl && strncmp(line, dev, dl) == 0 && line[dl] == ' ')
			snprintf(o->old, sizeof(o->old), "%.*s", (int)n, line);
		line += n;
		line += *line == '\n';
	}
	free(all);
	return 0;
}

static int plan_scalar(int cg_fd, const struct limits *l, const struct scalar *s, struct op *o, struct err *e)
{
	char *nl;
	int r;

	o->file = s->file;
	field3(o->field, sizeof(o->field), l->prefix, s->group, s->key);
	r = read_old(cg_fd, o, e);
	if (r < 0)
		return r;
	if (s->kind == K_LIST) {
		/* "" writes as a lone newline: the kernel strips it, and a
		 * zero-length write() would do nothing at all. */
		const char *v = (const char *)l + s->off;
		snprintf(o->val, sizeof(o->val), "%s", *v ? v : "\n");
		if (!o->old[0])
			snprintf(o->old, sizeof(o->old), "\n");
	} else if (s->bit == LIM_IO_WEIGHT) {
		nl = strchr(o->old, '\n');
		if (nl)
			*nl = '\0'; /* per-device weights are not ours to touch */
		snprintf(o->val, sizeof(o->val), "default %llu", (unsigned long long)l->io_weight);
	} else {
		fmt_value(o->val, sizeof(o->val), *u64_at((struct limits *)l, s->off));
	}
	return 0;
}

/* The kernel's refusal as the API reports it: busy is 409, a vanished
 * group 404, anything else 422 (never 500: the value was valid to us). */
static int refused(int r, const struct op *o, bool rollback_ok, struct err *e)
{
	int code = r == -EBUSY ? -EBUSY : r == -ENODEV && strcmp(o->file, "io.max") != 0 ? -ENOENT : -ERR_KERNEL_REFUSED;

	return err_fail(e, code, o->field, "the kernel refused %s \"%s\": %s; %s", o->file,
			o->val[0] == '\n' ? "" : o->val, strerror(-r),
			rollback_ok ? "nothing was changed" : "restoring the earlier values of this change failed");
}

int limits_apply(int cg_fd, const struct limits *l, struct err *e)
{
	struct op *ops;
	size_t n = 0;
	int r = 0;

	ops = calloc(OPS_MAX, sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	/* Plan everything (and read every value to restore) before the
	 * first write. */
	if (l->set & (LIM_CPU_MAX | LIM_CPU_PERIOD))
		r = plan_cpu_max(cg_fd, l, &ops[n++], e);
	for (size_t i = 0; r == 0 && i < NSCALARS; i++)
		if ((l->set & scalars[i].bit) && scalars[i].file)
			r = plan_scalar(cg_fd, l, &scalars[i], &ops[n++], e);
	for (size_t i = 0; r == 0 && (l->set & LIM_IO_MAX) && i < l->nio; i++)
		r = plan_io(cg_fd, l, i, &ops[n++], e);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		bool ok = true;
		r = cg_write(cg_fd, ops[i].file, ops[i].val);
		if (r == 0)
			continue;
		/* A refused write changed nothing; a short one (-EIO) did. */
		for (size_t k = r == -EIO ? i + 1 : i; k-- > 0;) {
			int rr = cg_write(cg_fd, ops[k].file, ops[k].old);
			if (rr < 0) {
				log_err("limits: restoring %s to \"%s\" failed: %s", ops[k].file, ops[k].old, strerror(-rr));
				ok = false;
			}
		}
		r = refused(r, &ops[i], ok, e);
		break;
	}
out:
	free(ops);
	return r;
}

/* ---- per-cgroup serialization ---------------------------------------- */

struct limits_lock {
	struct limits_lock *next;
	dev_t dev;
	ino_t ino;
	unsigned refs;
	pthread_mutex_t m;
};

/* The table holds only groups being changed right now, so it stays tiny;
 * a process-wide table, because the lock is about the cgroup, not about
 * which part of the agent changes it. */
static pthread_mutex_t locks_mu = PTHREAD_MUTEX_INITIALIZER;
static struct limits_lock *locks;

int limits_lock(int cg_fd, struct limits_lock **ret)
{
	struct limits_lock *lk;
	struct stat st;

	if (fstat(cg_fd, &st) < 0)
		return -errno;
	pthread_mutex_lock(&locks_mu);
	for (lk = locks; lk; lk = lk->next)
		if (lk->dev == st.st_dev && lk->ino == st.st_ino)
			break;
	if (!lk) {
		lk = calloc(1, sizeof(*lk));
		if (!lk) {
			pthread_mutex_unlock(&locks_mu);
			return -ENOMEM;
		}
		lk->dev = st.st_dev;
		lk->ino = st.st_ino;
		pthread_mutex_init(&lk->m, NULL);
		lk->next = locks;
		locks = lk;
	}
	lk->refs++;
	pthread_mutex_unlock(&locks_mu);
	pthread_mutex_lock(&lk->m);
	*ret = lk;
	return 0;
}

void limits_unlock(struct limits_lock *lk)
{
	if (!lk)
		return;
	pthread_mutex_unlock(&lk->m);
	pthread_mutex_lock(&locks_mu);
	if (--lk->refs == 0) {
		struct limits_lock **pp = &locks;
		while (*pp != lk)
			pp = &(*pp)->next;
		*pp = lk->next;
		pthread_mutex_destroy(&lk->m);
		free(lk);
	}
	pthread_mutex_unlock(&locks_mu);
}

/* A cpuset list as the kernel writes it: "0-3,8". */
static void add_cpuset(cJSON *j, const char *key, const struct cpuset_list *l)
{
	char out[512];
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < CPUSET_BITS; i++) {
		unsigned k = i;
		if (!CPUSET_HAS(l, i))
			continue;
		while (k + 1 < CPUSET_BITS && CPUSET_HAS(l, k + 1))
			k++;
		if (n < sizeof(out))
			n += (size_t)snprintf(out + n, sizeof(out) - n, k == i ? "%s%u" : "%s%u-%u", n ? "," : "", i, k);
		i = k;
	}
	if (n >= sizeof(out))
		return; /* cannot be: 1024 members at most */
	cJSON_AddStringToObject(group_of(j, "cpuset"), key, out);
}

int limits_from_sample(const struct sample *s, cJSON **ret)
{
	static const struct {
		enum sample_file f;
		const char *group, *key;
		size_t off;
	} u64s[] = {
		{SAMPLE_CPU_WEIGHT, "cpu", "weight", offsetof(struct sample, cpu_weight)},
		{SAMPLE_MEMORY_MAX, "memory", "max", offsetof(struct sample, memory_max)},
		{SAMPLE_MEMORY_HIGH, "memory", "high", offsetof(struct sample, memory_high)},
		{SAMPLE_MEMORY_LOW, "memory", "low", offsetof(struct sample, memory_low)},
		{SAMPLE_MEMORY_MIN, "memory", "min", offsetof(struct sample, memory_min)},
		{SAMPLE_MEMORY_SWAP_MAX, "memory", "swap_max", offsetof(struct sample, memory_swap_max)},
		{SAMPLE_PIDS_MAX, "pids", "max", offsetof(struct sample, pids_max)},
	};
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return -ENOMEM;
	if (s->present & SAMPLE_BIT(SAMPLE_CPU_MAX))
		add_cpu_max(j, s->cpu_max.quota, s->cpu_max.period);
	for (size_t i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++) {
		uint64_t v;
		if (!(s->present & SAMPLE_BIT(u64s[i].f)))
			continue;
		memcpy(&v, (const char *)s + u64s[i].off, sizeof(v));
		cJSON_AddItemToObject(group_of(j, u64s[i].group), u64s[i].key, value_json(v));
	}
	if (s->present & SAMPLE_BIT(SAMPLE_IO_MAX)) {
		cJSON *arr = cJSON_AddArrayToObject(group_of(j, "io"), "max");
		for (size_t d = 0; arr && d < s->io_max.n; d++) {
			const struct io_max_dev *dv = &s->io_max.dev[d];
			const uint64_t v4[4] = {
				FLAT_HAS(dv->l.has, IO_MAX_rbps) ? dv->l.rbps : LIMITS_MAX,
				FLAT_HAS(dv->l.has, IO_MAX_wbps) ? dv->l.wbps : LIMITS_MAX,
				FLAT_HAS(dv->l.has, IO_MAX_riops) ? dv->l.riops : LIMITS_MAX,
				FLAT_HAS(dv->l.has, IO_MAX_wiops) ? dv->l.wiops : LIMITS_MAX,
			};
			char dev[32];
			int n = snprintf(dev, sizeof(dev), "%u:%u", dv->major, dv->minor);
			cJSON_AddItemToArray(arr, io_entry_json(dev, (size_t)n, v4));
		}
	}
	if ((s->present & SAMPLE_BIT(SAMPLE_IO_WEIGHT)) && s->io_weight.has_default)
		cJSON_AddItemToObject(group_of(j, "io"), "weight", value_json(s->io_weight.default_weight));
	if (s->present & SAMPLE_BIT(SAMPLE_CPUSET_CPUS))
		add_cpuset(j, "cpus_effective", &s->cpuset_cpus);
	if (s->present & SAMPLE_BIT(SAMPLE_CPUSET_MEMS))
		add_cpuset(j, "mems_effective", &s->cpuset_mems);
	*ret = j;
	return 0;
}
