/* Fuzz target of cgroup_events_parse (probes/cgroup.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/cgroup.h"

FUZZ_PARSER(cgroup_events_parse, struct cgroup_events)
