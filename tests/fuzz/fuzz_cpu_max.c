/* Fuzz target of cpu_max_parse (probes/cpu.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/cpu.h"

FUZZ_PARSER(cpu_max_parse, struct cpu_max)
