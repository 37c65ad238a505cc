/* Fuzz target of host_stat_parse (probes/host.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/host.h"

FUZZ_PARSER(host_stat_parse, struct host_stat)
