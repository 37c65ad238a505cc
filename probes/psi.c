/* psi: parser of pressure stall information: nested keyed lines with
 * decimal averages, read with the nested line iterator (no tables), as the
 * poller reads four PSI files per cgroup per interval. */
#include "probes/psi.h"

#include <errno.h>
#include <string.h>

#include "probes/nested.h"
#include "probes/num.h"

enum { F_AVG10, F_AVG60, F_AVG300, F_TOTAL, F_COUNT };

static int psi_line_parse(struct nested_row *row, struct psi_line *ret)
{
	static const struct {
		const char *s;
		size_t len;
	} names[F_COUNT] = {{"avg10", 5}, {"avg60", 5}, {"avg300", 6}, {"total", 5}};
	uint64_t v[F_COUNT];
	unsigned seen = 0, pos = 0;
	struct nested_kv kv;
	int r;

	/* The fields come in the order of names: try the one due first. */
	while ((r = nested_pair(row, &kv)) > 0)
		for (unsigned k = 0, f = pos++ % F_COUNT; k < F_COUNT; k++, f = (f + 1) % F_COUNT) {
			if (kv.key_len != names[f].len || memcmp(kv.key, names[f].s, kv.key_len) != 0)
				continue;
			r = f == F_TOTAL ? num_u64(kv.val, kv.val_len, &v[f])
					 : num_fixed(kv.val, kv.val_len, 2, &v[f]);
			if (r < 0)
				return r;
			seen |= 1u << f;
			break;
		}
	if (r < 0)
		return r;
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
		struct nested_row row;
		int r = nested_next(&p, end, &row);

		if (r < 0)
			return r;
		if (row.key_len != 4)
			continue; /* a kind of stall this reader does not know */
		if (memcmp(row.key, "some", 4) == 0) {
			r = psi_line_parse(&row, &out.some);
			out.has_some = true;
		} else if (memcmp(row.key, "full", 4) == 0) {
			r = psi_line_parse(&row, &out.full);
			out.has_full = true;
		}
		if (r < 0)
			return r;
	}
	if (!out.has_some && !out.has_full)
		return -EINVAL;
	*ret = out;
	return 0;
}
