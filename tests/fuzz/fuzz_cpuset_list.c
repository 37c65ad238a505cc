/* Fuzz target of cpuset_list_parse (probes/cpuset.h): on success the count
 * must be the number of bits set. */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>

#include "probes/cpuset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuset_list l;
	unsigned n = 0;

	if (cpuset_list_parse((const char *)data, size, &l) != 0)
		return 0;
	for (unsigned i = 0; i < CPUSET_BITS; i++)
		n += CPUSET_HAS(&l, i);
	if (n != l.count)
		abort();
	return 0;
}
