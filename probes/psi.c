/* psi: parser of pressure stall information. The format is nested keyed with
 * decimal averages; it is parsed in place (no tokenizer tables) because the
 * poller reads several PSI files per cgroup per interval. */
#include "probes/psi.h"

#include <errno.h>
#include <string.h>

#include "probes/num.h"

enum { F_AVG10, F_AVG60, F_AVG300, F_TOTAL, F_COUNT };

static int psi_line_parse(const char *p, const char *end, struct psi_line *ret)
{
	static const char *const names[F_COUNT] = {"avg10", "avg60", "avg300", "total"};
	uint64_t v[F_COUNT];
	unsigned seen = 0;

	while (p < end) {
		const char *te = memchr(p, ' ', (size_t)(end - p));
		const char *eq;
		int r;

		if (!te)
			te = end;
		eq = memchr(p, '=', (size_t)(te - p));
		if (!eq || eq == p)
			return -EINVAL;
		for (unsigned f = 0; f < F_COUNT; f++) {
			if ((size_t)(eq - p) != strlen(names[f]) || memcmp(p, names[f], (size_t)(eq - p)) != 0)
				continue;
			r = f == F_TOTAL ? num_u64(eq + 1, (size_t)(te - eq - 1), &v[f])
					 : num_fixed(eq + 1, (size_t)(te - eq - 1), 2, &v[f]);
			if (r < 0)
				return r;
			seen |= 1u << f;
		}
		p = te + 1;
	}
	if (seen != (1u << F_COUNT) - 1)
		return -EINVAL;
	*ret = (struct psi_line){v[F_AVG10], v[F_AVG60], v[F_AVG300], v[F_TOTAL]};
	return 0;
}

int psi_parse(const char *buf, size_t len, struct psi *ret)
{
	const char *p = buf, *end = buf + len;
	struct psi out = {0};

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct psi_line *line = NULL;
		bool *has = NULL;
		int r;

		if (!nl)
			return -EINVAL;
		if (nl - p > 5 && memcmp(p, "some ", 5) == 0)
			line = &out.some, has = &out.has_some;
		else if (nl - p > 5 && memcmp(p, "full ", 5) == 0)
			line = &out.full, has = &out.has_full;
		if (line) {
			r = psi_line_parse(p + 5, nl, line);
			if (r < 0)
				return r;
			*has = true;
		}
		p = nl + 1;
	}
	if (!out.has_some && !out.has_full)
		return -EINVAL;
	*ret = out;
	return 0;
}
