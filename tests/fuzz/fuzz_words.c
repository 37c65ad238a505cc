/* Fuzz target of words_parse (probes/words.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct words w;

	if (words_parse((const char *)data, size, &w) == 0)
		for (size_t i = 0; i < w.n; i++)
			touch(w.w[i].s, w.w[i].len);
	return 0;
}
