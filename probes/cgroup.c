/* cgroup: readers of the core files cgroup.events and cgroup.stat. */
#include "probes/cgroup.h"

const struct flat_field cgroup_events_fields[CGROUP_EVENTS_COUNT] =
	FLAT_FIELDS(cgroup_events, CGROUP_EVENTS_KEYS);
const struct flat_field cgroup_stat_fields[CGROUP_STAT_COUNT] = FLAT_FIELDS(cgroup_stat, CGROUP_STAT_KEYS);

int cgroup_events_parse(const char *buf, size_t len, struct cgroup_events *ret)
{
	return flat_map(buf, len, cgroup_events_fields, CGROUP_EVENTS_COUNT, ret, sizeof(*ret));
}

int cgroup_stat_parse(const char *buf, size_t len, struct cgroup_stat *ret)
{
	return flat_map(buf, len, cgroup_stat_fields, CGROUP_STAT_COUNT, ret, sizeof(*ret));
}
