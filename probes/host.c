/* host: readers of /proc/stat's cpu line and of /proc/meminfo. */
#include "probes/host.h"

#include <errno.h>
#include <string.h>

#include "probes/num.h"

const struct flat_field host_stat_fields[HOST_STAT_COUNT] = FLAT_FIELDS(host_stat, HOST_STAT_KEYS);
const struct flat_field host_meminfo_fields[HOST_MEMINFO_COUNT] =
	FLAT_FIELDS(host_meminfo, HOST_MEMINFO_KEYS);

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

int host_stat_parse(const char *buf, size_t len, struct host_stat *ret)
{
	const char *p = buf, *end = buf + len, *nl;
	struct host_stat out = {0};
	size_t i = 0;

	if (len == 0 || buf[len - 1] != '\n')
		return -EINVAL; /* cut short */
	/* The aggregate line is the first; look for it anyway. */
	while (!(end - p > 4 && memcmp(p, "cpu ", 4) == 0)) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return -EINVAL;
		p++;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	for (p = skip_blanks(p + 4, nl); p < nl; p = skip_blanks(p, nl)) {
		const char *sp = memchr(p, ' ', (size_t)(nl - p));
		uint64_t v;
		int r;

		if (!sp)
			sp = nl;
		r = num_u64(p, (size_t)(sp - p), &v);
		if (r < 0)
			return r;
		if (i < HOST_STAT_COUNT)
			flat_store(host_stat_fields, i, v, &out);
		i++;
		p = sp;
	}
	if (i < 8)
		return -EINVAL;
	*ret = out;
	return 0;
}

int host_meminfo_parse(const char *buf, size_t len, struct host_meminfo *ret)
{
	const char *p = buf, *end = buf + len;
	struct host_meminfo out = {0};
	size_t hint = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *colon, *num, *unit;
		uint64_t v;
		size_t j;
		int r;

		if (!nl)
			return -EINVAL;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (!colon || colon == p)
			return -EINVAL;
		num = skip_blanks(colon + 1, nl);
		unit = memchr(num, ' ', (size_t)(nl - num));
		r = num_u64(num, (size_t)((unit ? unit : nl) - num), &v);
		if (r < 0)
			return r;
		if (unit) {
			if (nl - unit != 3 || memcmp(unit, " kB", 3) != 0)
				return -EINVAL;
			if (v > UINT64_MAX / 1024)
				return -ERANGE;
			v *= 1024;
		}
		j = flat_find(host_meminfo_fields, HOST_MEMINFO_COUNT, &hint, p, (size_t)(colon - p));
		if (j < HOST_MEMINFO_COUNT)
			flat_store(host_meminfo_fields, j, v, &out);
		p = nl + 1;
	}
	*ret = out;
	return 0;
}
