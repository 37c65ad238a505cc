/* flat: parser of flat keyed cgroup files ("KEY VAL" lines). */
#include "probes/flat.h"

#include <errno.h>
#include <string.h>

#include "probes/num.h"

/* One pass over the line: the poller's hottest code (memory.stat has 50+
 * lines each read). */
int flat_next(const char **pos, const char *end, struct flat_kv *ret)
{
	const char *p = *pos, *sp, *nl;
	uint64_t val;
	int r;

	for (sp = p; sp < end && *sp != ' ' && *sp != '\n'; sp++)
		;
	if (sp == end || *sp != ' ' || sp == p)
		return -EINVAL; /* cut, no value, or no key */
	r = num_u64_to(sp + 1, end, '\n', &nl, &val);
	if (r < 0)
		return r;
	*ret = (struct flat_kv){.key = p, .key_len = (size_t)(sp - p), .val = val};
	*pos = nl + 1;
	return 0;
}

/* Two passes, so that ret is written only once the whole file is good. */
int flat_parse(const char *buf, size_t len, struct flat *ret)
{
	const char *p = buf, *end = buf + len;
	struct flat_kv kv;
	size_t n = 0;
	int r;

	while (p < end) {
		r = flat_next(&p, end, &kv);
		if (r < 0)
			return r;
		if (++n > FLAT_MAX)
			return -E2BIG;
	}
	for (p = buf, n = 0; p < end; n++)
		(void)flat_next(&p, end, &ret->kv[n]);
	ret->n = n;
	return 0;
}

/* want is a C string; key may hold any byte, a NUL included. */
static int key_is(const char *want, const char *key, size_t key_len)
{
	return strnlen(want, key_len + 1) == key_len && memcmp(want, key, key_len) == 0;
}

int flat_get(const struct flat *f, const char *key, uint64_t *ret)
{
	for (size_t i = 0; i < f->n; i++)
		if (key_is(key, f->kv[i].key, f->kv[i].key_len)) {
			*ret = f->kv[i].val;
			return 0;
		}
	return -ENOENT;
}

size_t flat_find(const struct flat_field *fields, size_t n, size_t *hint, const char *key,
		 size_t key_len)
{
	size_t j = *hint < n ? *hint : 0;

	for (size_t k = 0; k < n; k++, j = j + 1 == n ? 0 : j + 1)
		if (fields[j].key_len == key_len && memcmp(fields[j].key, key, key_len) == 0) {
			*hint = j + 1;
			return j;
		}
	return n;
}

void flat_store(const struct flat_field *fields, size_t j, uint64_t val, void *out)
{
	memcpy((char *)out + fields[j].offset, &val, sizeof(val));
	((uint64_t *)out)[j / 64] |= UINT64_C(1) << (j % 64); /* `has` leads the struct */
}

int flat_map(const char *buf, size_t len, const struct flat_field *fields, size_t n, void *ret,
	     size_t size)
{
	/* The struct is built here and copied out only when the file is good. */
	uint64_t out[FLAT_BITMAP_WORDS(FLAT_FIELDS_MAX) + FLAT_FIELDS_MAX];
	const char *p = buf, *end = buf + len;
	size_t hint = 0;

	if (n > FLAT_FIELDS_MAX || size > sizeof(out))
		return -E2BIG;
	memset(out, 0, size);
	while (p < end) {
		struct flat_kv kv;
		size_t j;
		int r = flat_next(&p, end, &kv);

		if (r < 0)
			return r;
		j = flat_find(fields, n, &hint, kv.key, kv.key_len);
		if (j < n)
			flat_store(fields, j, kv.val, out);
	}
	memcpy(ret, out, size);
	return 0;
}
