/* libFuzzer target: the router against the real route table. The input is
 * "METHOD PATH"; any return is fine, a crash or a sanitizer report is not.
 * Captured parameters must be NUL-terminated and within bounds, and only a
 * "{x*}" capture may be empty (its handler refuses that; see router.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/api.h"
#include "agent/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *sp;
	struct route_params p;
	char allow[64];
	size_t idx;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	sp = strchr(s, ' ');
	if (sp) {
		*sp = '\0';
		if (router_match(api_routes, api_routes_count, s, sp + 1, &p, &idx, allow, sizeof(allow)) == 0) {
			if (idx >= api_routes_count)
				abort();
			const char *c = api_routes[idx].pattern;
			for (size_t i = 0; i < p.n; i++) {
				c = strchr(c, '{');
				if (!c)
					abort();
				c = strchr(c, '}');
				if (strlen(p.v[i]) >= ROUTE_PARAM_LEN || (!p.v[i][0] && c[-1] != '*'))
					abort();
			}
		}
	}
	free(s);
	return 0;
}
