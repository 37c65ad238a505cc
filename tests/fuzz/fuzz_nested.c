/* Fuzz target of nested_parse and nested_get (probes/nested.h); the line
 * iterators run under it and under the io and psi targets. */
#include "tests/fuzz/fuzz.h"

#include "probes/nested.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nested n;
	const char *val;
	size_t len;

	if (nested_parse((const char *)data, size, &n) != 0)
		return 0;
	for (size_t i = 0; i < n.nlines; i++) {
		touch(n.line[i].key, n.line[i].key_len);
		if (nested_get(&n, &n.line[i], "rbytes", &val, &len) == 0)
			touch(val, len);
	}
	for (size_t i = 0; i < n.nkv; i++) {
		touch(n.kv[i].key, n.kv[i].key_len);
		touch(n.kv[i].val, n.kv[i].val_len);
	}
	return 0;
}
