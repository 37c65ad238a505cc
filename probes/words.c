/* words: parser of space separated single-line cgroup files. */
#include "probes/words.h"

#include <errno.h>
#include <string.h>

/* Two passes, so that ret is written only once the whole line is good. */
int words_parse(const char *buf, size_t len, struct words *ret)
{
	const char *end;

	if (len == 0 || buf[len - 1] != '\n' || memchr(buf, '\n', len - 1))
		return -EINVAL;
	end = buf + len - 1;
	for (int fill = 0; fill < 2; fill++) {
		const char *p = buf;
		size_t n = 0;

		while (p < end) {
			const char *sp = memchr(p, ' ', (size_t)(end - p));
			if (!sp)
				sp = end;
			if (sp == p || (sp < end && sp + 1 == end))
				return -EINVAL; /* double, leading or trailing blank */
			if (n == WORDS_MAX)
				return -E2BIG;
			if (fill) {
				ret->w[n].s = p;
				ret->w[n].len = (size_t)(sp - p);
			}
			n++;
			p = sp + 1;
		}
		if (fill)
			ret->n = n;
	}
	return 0;
}
