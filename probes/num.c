/* num: checked decimal parsing. strtoull alone accepts blanks, signs, hex
 * and silently saturates; these reject all of that and say which error. */
#include "probes/num.h"

#include <errno.h>
#include <string.h>

int num_u64(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;
	int r = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return -EINVAL; /* garbage wins over overflow: "99...9x" is malformed */
		if (v > (UINT64_MAX - d) / 10)
			r = -ERANGE;
		v = v * 10 + d;
	}
	if (r < 0)
		return r;
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

int num_fixed(const char *s, size_t len, unsigned digits, uint64_t *ret)
{
	static const uint64_t scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
	const char *dot = memchr(s, '.', len);
	size_t ilen = dot ? (size_t)(dot - s) : len;
	uint64_t ipart, fpart = 0;
	int r;

	if (digits < 1 || digits > 6)
		return -EINVAL;
	r = num_u64(s, ilen, &ipart);
	if (r < 0)
		return r;
	if (dot) {
		size_t flen = len - ilen - 1;
		if (flen == 0 || flen > digits)
			return -EINVAL;
		r = num_u64(dot + 1, flen, &fpart);
		if (r < 0)
			return r;
		fpart *= scale[digits - flen];
	}
	if (ipart > (UINT64_MAX - fpart) / scale[digits])
		return -ERANGE;
	*ret = ipart * scale[digits] + fpart;
	return 0;
}
