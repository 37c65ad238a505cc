/* Fuzz target of io_stat_parse (probes/io.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/io.h"

FUZZ_PARSER(io_stat_parse, struct io_stat)
