/* memory: readers of memory.stat and memory.events(.local). */
#include "probes/memory.h"

const struct flat_field memory_stat_fields[MEMORY_STAT_COUNT] = FLAT_FIELDS(memory_stat, MEMORY_STAT_KEYS);
const struct flat_field memory_events_fields[MEMORY_EVENTS_COUNT] =
	FLAT_FIELDS(memory_events, MEMORY_EVENTS_KEYS);

int memory_stat_parse(const char *buf, size_t len, struct memory_stat *ret)
{
	return flat_map(buf, len, memory_stat_fields, MEMORY_STAT_COUNT, ret, sizeof(*ret));
}

int memory_events_parse(const char *buf, size_t len, struct memory_events *ret)
{
	return flat_map(buf, len, memory_events_fields, MEMORY_EVENTS_COUNT, ret, sizeof(*ret));
}
