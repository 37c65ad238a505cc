/* lines: parser of newline separated cgroup files and single values. */
#include "probes/lines.h"

#include <errno.h>
#include <string.h>

#include "probes/num.h"

int lines_parse(const char *buf, size_t len, struct lines *ret)
{
	const char *p = buf, *end = buf + len;
	size_t n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl == p)
			return -EINVAL;
		if (n == LINES_MAX)
			return -E2BIG;
		ret->l[n].s = p;
		ret->l[n].len = (size_t)(nl - p);
		n++;
		p = nl + 1;
	}
	ret->n = n;
	return 0;
}

int lines_u64(const char *buf, size_t len, uint64_t *ret)
{
	/* One line: no struct lines needed for the poller's hottest files. */
	if (len < 2 || buf[len - 1] != '\n' || memchr(buf, '\n', len - 1))
		return -EINVAL;
	return num_u64_max(buf, len - 1, ret);
}
