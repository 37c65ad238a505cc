/* Fuzz target of cpu_stat_parse (probes/cpu.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/cpu.h"

FUZZ_PARSER(cpu_stat_parse, struct cpu_stat)
