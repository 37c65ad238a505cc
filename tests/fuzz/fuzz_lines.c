/* Fuzz target of lines_parse, lines_u64 and lines_u64_max (probes/lines.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lines l;
	uint64_t v;

	if (lines_parse((const char *)data, size, &l) == 0)
		for (size_t i = 0; i < l.n; i++)
			touch(l.l[i].s, l.l[i].len);
	(void)lines_u64((const char *)data, size, &v);
	(void)lines_u64_max((const char *)data, size, &v);
	return 0;
}
