/* cpu: readers of cpu.stat, cpu.max and cpu.weight. */
#include "probes/cpu.h"

#include <errno.h>

#include "probes/lines.h"
#include "probes/num.h"
#include "probes/words.h"

const struct flat_field cpu_stat_fields[CPU_STAT_COUNT] = FLAT_FIELDS(cpu_stat, CPU_STAT_KEYS);

int cpu_stat_parse(const char *buf, size_t len, struct cpu_stat *ret)
{
	return flat_map(buf, len, cpu_stat_fields, CPU_STAT_COUNT, ret, sizeof(*ret));
}

int cpu_max_parse(const char *buf, size_t len, struct cpu_max *ret)
{
	struct words w;
	uint64_t quota, period;
	int r = words_parse(buf, len, &w);

	if (r < 0)
		return r;
	if (w.n != 2)
		return -EINVAL;
	r = num_u64_max(w.w[0].s, w.w[0].len, &quota);
	if (r < 0)
		return r;
	r = num_u64(w.w[1].s, w.w[1].len, &period);
	if (r < 0)
		return r;
	if (period == 0)
		return -EINVAL;
	*ret = (struct cpu_max){.quota = quota, .period = period};
	return 0;
}

int cpu_weight_parse(const char *buf, size_t len, uint64_t *ret)
{
	uint64_t v;
	int r = lines_u64(buf, len, &v);

	if (r < 0)
		return r;
	if (v < CGROUP_WEIGHT_MIN || v > CGROUP_WEIGHT_MAX)
		return -ERANGE;
	*ret = v;
	return 0;
}
