/* Fuzz target of memory_events_parse (probes/memory.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/memory.h"

FUZZ_PARSER(memory_events_parse, struct memory_events)
