/* pids: reader of pids.events. */
#include "probes/pids.h"

const struct flat_field pids_events_fields[PIDS_EVENTS_COUNT] = FLAT_FIELDS(pids_events, PIDS_EVENTS_KEYS);

int pids_events_parse(const char *buf, size_t len, struct pids_events *ret)
{
	return flat_map(buf, len, pids_events_fields, PIDS_EVENTS_COUNT, ret, sizeof(*ret));
}
