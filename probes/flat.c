/* flat: parser of flat keyed cgroup files ("KEY VAL" lines). */
#include "probes/flat.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "probes/num.h"

int flat_parse(const char *buf, size_t len, struct flat *ret)
{
	const char *p = buf, *end = buf + len;
	size_t n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *sp;
		int r;

		if (!nl)
			return -EINVAL; /* every line ends in \n: this one was cut */
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (!sp || sp == p)
			return -EINVAL;
		if (n == FLAT_MAX)
			return -E2BIG;
		r = num_u64(sp + 1, (size_t)(nl - sp - 1), &ret->kv[n].val);
		if (r < 0)
			return r;
		ret->kv[n].key = p;
		ret->kv[n].key_len = (size_t)(sp - p);
		n++;
		p = nl + 1;
	}
	ret->n = n;
	return 0;
}

static bool key_is(const struct flat_kv *kv, const char *key)
{
	size_t klen = strlen(key);

	return kv->key_len == klen && memcmp(kv->key, key, klen) == 0;
}

void flat_map(const struct flat *f, const struct flat_field *fields, size_t nfields, void *out,
	      uint64_t *ret_present)
{
	size_t next = 0; /* the field expected next if the kernel kept its order */

	memset(ret_present, 0, FLAT_BITMAP_WORDS(nfields) * sizeof(uint64_t));
	for (size_t i = 0; i < f->n; i++) {
		size_t j = next;

		if (j >= nfields || !key_is(&f->kv[i], fields[j].key))
			for (j = 0; j < nfields && !key_is(&f->kv[i], fields[j].key); j++)
				;
		if (j == nfields)
			continue;
		memcpy((char *)out + fields[j].offset, &f->kv[i].val, sizeof(uint64_t));
		ret_present[j / 64] |= UINT64_C(1) << (j % 64);
		next = j + 1;
	}
}

int flat_get(const struct flat *f, const char *key, uint64_t *ret)
{
	for (size_t i = 0; i < f->n; i++)
		if (key_is(&f->kv[i], key)) {
			*ret = f->kv[i].val;
			return 0;
		}
	return -ENOENT;
}
