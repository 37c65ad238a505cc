/* libFuzzer target of the limits parser: any bytes that parse as strict
 * JSON go through limits_parse; it must not crash, must name a field when
 * it refuses, and what it accepts must be in range. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/err.h"
#include "agent/json.h"
#include "agent/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct limits *l)
{
	const uint64_t sizes[] = {l->mem_max, l->mem_high, l->mem_low, l->mem_min, l->swap_max};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i] != LIMITS_MAX && sizes[i] > (uint64_t)INT64_MAX)
			abort();
	if ((l->set & LIM_CPU_PERIOD) && (l->cpu_period_us < 1000 || l->cpu_period_us > 1000000))
		abort();
	if ((l->set & LIM_CPU_WEIGHT) && (l->cpu_weight < 1 || l->cpu_weight > 10000))
		abort();
	if ((l->set & LIM_CPU_MAX) && l->cpu_max_ppm != LIMITS_MAX && l->cpu_max_ppm < 1000)
		abort();
	if (l->nio > LIMITS_IO_DEVICES || !memchr(l->cpus, 0, sizeof(l->cpus)) || !memchr(l->mems, 0, sizeof(l->mems)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = {0};
	struct limits l;
	cJSON *j = NULL;

	if (json_parse_strict((const char *)data, size, &j, &e) < 0)
		return 0;
	memset(&e, 0, sizeof(e));
	if (limits_parse(j, "limits", &l, &e) == 0)
		check(&l);
	else if (e.code == 0 || strncmp(e.field, "limits", 6) != 0 || !e.message[0])
		abort();
	cJSON_Delete(j);
	return 0;
}
