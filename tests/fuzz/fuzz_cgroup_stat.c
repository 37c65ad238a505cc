/* Fuzz target of cgroup_stat_parse (probes/cgroup.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/cgroup.h"

FUZZ_PARSER(cgroup_stat_parse, struct cgroup_stat)
