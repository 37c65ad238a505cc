/* Fuzz target of memory_stat_parse (probes/memory.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/memory.h"

FUZZ_PARSER(memory_stat_parse, struct memory_stat)
