/* Fuzz target of num_u64, num_u64_to, num_u64_max and num_fixed
 * (probes/num.h): on success the number printed back must be the input
 * (leading zeros aside), and num_u64_to must agree with num_u64. */
#include "tests/fuzz/fuzz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char back[32];
	uint64_t v;
	size_t skip = 0;

	if (num_u64(s, size, &v) == 0) {
		while (skip + 1 < size && s[skip] == '0')
			skip++;
		snprintf(back, sizeof(back), "%" PRIu64, v);
		if (strlen(back) != size - skip || memcmp(back, s + skip, size - skip) != 0)
			abort();
	}
	if (num_u64_max(s, size, &v) == 0 && v == NUM_MAX && !(size == 3 && memcmp(s, "max", 3) == 0) &&
	    !(size >= 20 && num_u64(s, size, &v) == 0))
		abort();
	{
		const char *stop = NULL;
		uint64_t w;

		if (num_u64_to(s, s + size, '\n', &stop, &v) == 0 &&
		    (stop < s || stop >= s + size || *stop != '\n' || num_u64(s, (size_t)(stop - s), &w) != 0 || w != v))
			abort();
	}
	for (unsigned digits = 0; digits <= 7; digits++)
		(void)num_fixed(s, size, digits, &v);
	return 0;
}
