/* num: checked decimal parsing. strtoull alone accepts blanks, signs, hex
 * and silently saturates; these reject all of that and say which error. */
#include "probes/num.h"

#include <errno.h>
#include <string.h>

/* The run of digits at s (before end): its value, and where it stops (end or
 * the first non-digit). -EINVAL if there is none; -ERANGE past 2^64-1, with
 * the whole run still consumed, so that callers can say garbage first. */
static int digits(const char *s, const char *end, const char **ret_stop, uint64_t *ret)
{
	const char *p = s;
	uint64_t v = 0;
	int r = 0;

	for (; p < end; p++) {
		unsigned d = (unsigned char)*p - '0';

		if (d > 9)
			break;
		if (p - s >= 19 && v > (UINT64_MAX - d) / 10) /* 19 digits always fit */
			r = -ERANGE;
		v = v * 10 + d;
	}
	*ret_stop = p;
	*ret = v;
	return p == s ? -EINVAL : r;
}

int num_u64(const char *s, size_t len, uint64_t *ret)
{
	const char *stop;
	uint64_t v;
	int r = digits(s, s + len, &stop, &v);

	if (stop != s + len)
		return -EINVAL; /* garbage wins over overflow: "99...9x" is malformed */
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

int num_u64_to(const char *s, const char *end, char stop, const char **ret_stop, uint64_t *ret)
{
	const char *p;
	uint64_t v;
	int r = digits(s, end, &p, &v);

	if (p == end || *p != stop)
		return -EINVAL;
	if (r < 0)
		return r;
	*ret_stop = p;
	*ret = v;
	return 0;
}

int num_u64_max(const char *s, size_t len, uint64_t *ret)
{
	if (len == 3 && memcmp(s, "max", 3) == 0) {
		*ret = NUM_MAX;
		return 0;
	}
	return num_u64(s, len, ret);
}

int num_fixed(const char *s, size_t len, unsigned digits_max, uint64_t *ret)
{
	static const uint64_t scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
	const char *end = s + len, *stop, *fstop;
	uint64_t ipart, fpart = 0;
	int r, fr = 0;

	if (digits_max < 1 || digits_max > 6)
		return -EINVAL;
	r = digits(s, end, &stop, &ipart);
	if (stop != end) {
		if (*stop != '.')
			return -EINVAL;
		fr = digits(stop + 1, end, &fstop, &fpart);
		if (fstop != end || fr == -EINVAL || (size_t)(fstop - stop - 1) > digits_max)
			return -EINVAL;
		fpart *= scale[digits_max - (size_t)(fstop - stop - 1)];
	}
	if (r < 0)
		return r;
	if (ipart > (UINT64_MAX - fpart) / scale[digits_max])
		return -ERANGE;
	*ret = ipart * scale[digits_max] + fpart;
	return 0;
}
