/* Fuzz target of io_weight_parse (probes/io.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/io.h"

FUZZ_PARSER(io_weight_parse, struct io_weight)
