/* Fuzz target of io_max_parse (probes/io.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/io.h"

FUZZ_PARSER(io_max_parse, struct io_max)
