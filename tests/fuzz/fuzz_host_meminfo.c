/* Fuzz target of host_meminfo_parse (probes/host.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/host.h"

FUZZ_PARSER(host_meminfo_parse, struct host_meminfo)
