/* Fuzz target of pids_events_parse (probes/pids.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/pids.h"

FUZZ_PARSER(pids_events_parse, struct pids_events)
