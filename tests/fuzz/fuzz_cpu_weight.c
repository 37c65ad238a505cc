/* Fuzz target of cpu_weight_parse (probes/cpu.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/cpu.h"

FUZZ_PARSER(cpu_weight_parse, uint64_t)
