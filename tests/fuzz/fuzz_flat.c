/* Fuzz target of flat_parse and flat_get (probes/flat.h); flat_map runs
 * under the typed readers' targets. */
#include "tests/fuzz/fuzz.h"

#include "probes/flat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct flat f;
	uint64_t v;

	if (flat_parse((const char *)data, size, &f) == 0) {
		for (size_t i = 0; i < f.n; i++)
			touch(f.kv[i].key, f.kv[i].key_len);
		(void)flat_get(&f, "usage_usec", &v);
	}
	return 0;
}
