/* lines: parser of newline separated cgroup files and single values. */
#include "probes/lines.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "probes/num.h"

/* Two passes, so that ret is written only once the whole file is good. */
int lines_parse(const char *buf, size_t len, struct lines *ret)
{
	const char *end = buf + len;

	for (int fill = 0; fill < 2; fill++) {
		const char *p = buf;
		size_t n = 0;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl || nl == p)
				return -EINVAL;
			if (n == LINES_MAX)
				return -E2BIG;
			if (fill) {
				ret->l[n].s = p;
				ret->l[n].len = (size_t)(nl - p);
			}
			n++;
			p = nl + 1;
		}
		if (fill)
			ret->n = n;
	}
	return 0;
}

static int one_line(const char *buf, size_t len, bool max, uint64_t *ret)
{
	/* One line: no struct lines needed for the poller's hottest files. */
	if (len < 2 || buf[len - 1] != '\n' || memchr(buf, '\n', len - 1))
		return -EINVAL;
	return max ? num_u64_max(buf, len - 1, ret) : num_u64(buf, len - 1, ret);
}

int lines_u64(const char *buf, size_t len, uint64_t *ret)
{
	return one_line(buf, len, false, ret);
}

int lines_u64_max(const char *buf, size_t len, uint64_t *ret)
{
	return one_line(buf, len, true, ret);
}
