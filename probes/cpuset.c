/* cpuset: reader of cpuset range lists ("0-1,3"). */
#include "probes/cpuset.h"

#include <errno.h>
#include <string.h>

#include "probes/num.h"

static int member(const char *s, size_t len, uint64_t *ret)
{
	int r = num_u64(s, len, ret);

	if (r < 0)
		return r;
	return *ret < CPUSET_BITS ? 0 : -ERANGE;
}

int cpuset_list_parse(const char *buf, size_t len, struct cpuset_list *ret)
{
	struct cpuset_list out = {0};
	const char *p = buf, *end;
	uint64_t top = 0; /* the highest member */

	if (len == 0 || buf[len - 1] != '\n' || memchr(buf, '\n', len - 1))
		return -EINVAL;
	end = buf + len - 1;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end, *dash = memchr(p, '-', (size_t)(e - p));
		uint64_t lo, hi;
		int r = member(p, (size_t)((dash ? dash : e) - p), &lo);

		if (r < 0)
			return r;
		hi = lo;
		if (dash) {
			r = member(dash + 1, (size_t)(e - dash - 1), &hi);
			if (r < 0)
				return r;
			if (hi < lo)
				return -EINVAL;
		}
		for (uint64_t i = lo; i <= hi; i++)
			out.bits[i / 64] |= UINT64_C(1) << (i % 64);
		if (hi > top)
			top = hi;
		if (comma && comma + 1 == end)
			return -EINVAL; /* a trailing comma */
		p = e + 1;
	}
	for (size_t w = 0; w <= top / 64; w++)
		out.count += (uint32_t)__builtin_popcountll(out.bits[w]);
	*ret = out;
	return 0;
}
