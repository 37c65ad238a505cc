/* Fuzz target of psi_parse (probes/psi.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/psi.h"

FUZZ_PARSER(psi_parse, struct psi)
