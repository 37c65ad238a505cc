/* libFuzzer target: strict JSON input (UTF-8 check, depth pre-scan,
 * duplicate keys) on top of cJSON. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = {0};
	cJSON *j = NULL;

	if (json_parse_strict((const char *)data, size, &j, &e) == 0)
		cJSON_Delete(j);
	return 0;
}
