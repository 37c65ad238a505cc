/* libFuzzer target: the workload spec parser, on top of strict JSON, and
 * the round trip through the normalized JSON the agent stores. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "agent/json.h"
#include "agent/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = {0};
	struct spec *s = NULL, *s2 = NULL;
	cJSON *j = NULL, *n;

	if (json_parse_strict((const char *)data, size, &j, &e) < 0)
		return 0;
	if (spec_parse(j, &s, &e) == 0) {
		n = spec_to_json(s);
		/* What the agent stores must parse again. */
		if (n && spec_parse(n, &s2, &e) < 0)
			abort();
		spec_free(s2);
		cJSON_Delete(n);
		spec_free(s);
	}
	cJSON_Delete(j);
	return 0;
}
