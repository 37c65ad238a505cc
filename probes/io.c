/* io: readers of io.stat, io.max and io.weight, and of block device names
 * from sysfs uevent files. */
#include "probes/io.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probes/cgroup.h"
#include "probes/nested.h"
#include "probes/num.h"

const struct flat_field io_stat_fields[IO_STAT_COUNT] = FLAT_FIELDS(io_counters, IO_STAT_KEYS);
const struct flat_field io_max_fields[IO_MAX_COUNT] = FLAT_FIELDS(io_limits, IO_MAX_KEYS);

int io_dev_parse(const char *s, size_t len, uint32_t *ret_major, uint32_t *ret_minor)
{
	const char *colon = memchr(s, ':', len);
	uint64_t major, minor;
	int r;

	if (!colon)
		return -EINVAL;
	r = num_u64(s, (size_t)(colon - s), &major);
	if (r < 0)
		return r;
	r = num_u64(colon + 1, len - (size_t)(colon - s) - 1, &minor);
	if (r < 0)
		return r;
	if (major > UINT32_MAX || minor > UINT32_MAX)
		return -ERANGE;
	*ret_major = (uint32_t)major;
	*ret_minor = (uint32_t)minor;
	return 0;
}

/* The one reader of io.stat and io.max: per line a device, then pairs whose
 * known keys go into a FLAT_STRUCT struct (fields) that ends each element
 * (at offset `counters`) of an array of elements of elem_size bytes led by
 * uint32_t major, minor. */
struct dev_file {
	const struct flat_field *fields;
	size_t nfields;
	bool allow_max;  /* values may be "max" */
	bool skip_empty; /* leave out lines without a known key */
	size_t elem_size, counters;
};

/* Sets *ret_n and ret_devs[0..n) when the whole file is good. */
static int dev_file_parse(const char *buf, size_t len, const struct dev_file *f, size_t *ret_n,
			  void *ret_devs)
{
	uint64_t devs[IO_DEV_MAX * sizeof(struct io_stat_dev) / sizeof(uint64_t)];
	const char *p = buf, *end = buf + len;
	size_t n = 0;

	while (p < end) {
		uint64_t c[1 + 8]; /* `has` and the fields: io_counters or io_limits */
		struct nested_row row;
		struct nested_kv kv;
		uint32_t dev[2];
		size_t hint = 0;
		int r = nested_next(&p, end, &row);

		if (r < 0)
			return r;
		r = io_dev_parse(row.key, row.key_len, &dev[0], &dev[1]);
		if (r < 0)
			return r;
		memset(c, 0, sizeof(c));
		while ((r = nested_pair(&row, &kv)) > 0) {
			size_t j = flat_find(f->fields, f->nfields, &hint, kv.key, kv.key_len);
			uint64_t v;

			if (j == f->nfields)
				continue;
			r = f->allow_max ? num_u64_max(kv.val, kv.val_len, &v) : num_u64(kv.val, kv.val_len, &v);
			if (r < 0)
				return r;
			flat_store(f->fields, j, v, c);
		}
		if (r < 0)
			return r;
		if (f->skip_empty && !c[0])
			continue;
		if (n == IO_DEV_MAX)
			return -E2BIG;
		memcpy((char *)devs + n * f->elem_size, dev, sizeof(dev));
		memcpy((char *)devs + n * f->elem_size + f->counters, c, f->elem_size - f->counters);
		n++;
	}
	*ret_n = n;
	memcpy(ret_devs, devs, n * f->elem_size);
	return 0;
}

_Static_assert(sizeof(struct io_counters) <= sizeof(uint64_t[1 + 8]), "io_counters fits dev_file_parse");
_Static_assert(sizeof(struct io_limits) <= sizeof(uint64_t[1 + 8]), "io_limits fits dev_file_parse");
_Static_assert(sizeof(struct io_max_dev) <= sizeof(struct io_stat_dev), "io_max_dev fits dev_file_parse");
_Static_assert(offsetof(struct io_stat_dev, c) + sizeof(struct io_counters) == sizeof(struct io_stat_dev),
	       "io_counters ends io_stat_dev");
_Static_assert(offsetof(struct io_max_dev, l) + sizeof(struct io_limits) == sizeof(struct io_max_dev),
	       "io_limits ends io_max_dev");

int io_stat_parse(const char *buf, size_t len, struct io_stat *ret)
{
	static const struct dev_file f = {io_stat_fields, IO_STAT_COUNT, false, true,
					  sizeof(struct io_stat_dev), offsetof(struct io_stat_dev, c)};

	return dev_file_parse(buf, len, &f, &ret->n, ret->dev);
}

int io_max_parse(const char *buf, size_t len, struct io_max *ret)
{
	static const struct dev_file f = {io_max_fields, IO_MAX_COUNT, true, false,
					  sizeof(struct io_max_dev), offsetof(struct io_max_dev, l)};

	return dev_file_parse(buf, len, &f, &ret->n, ret->dev);
}

int io_weight_parse(const char *buf, size_t len, struct io_weight *ret)
{
	const char *p = buf, *end = buf + len;
	struct io_weight out = {.n = 0};

	while (p < end) {
		struct flat_kv kv;
		int r = flat_next(&p, end, &kv);

		if (r < 0)
			return r;
		if (kv.val < CGROUP_WEIGHT_MIN || kv.val > CGROUP_WEIGHT_MAX)
			return -ERANGE;
		if (kv.key_len == 7 && memcmp(kv.key, "default", 7) == 0) {
			out.has_default = true;
			out.default_weight = kv.val;
			continue;
		}
		if (out.n == IO_DEV_MAX)
			return -E2BIG;
		r = io_dev_parse(kv.key, kv.key_len, &out.dev[out.n].major, &out.dev[out.n].minor);
		if (r < 0)
			return r;
		out.dev[out.n++].weight = kv.val;
	}
	ret->has_default = out.has_default;
	ret->default_weight = out.default_weight;
	ret->n = out.n;
	memcpy(ret->dev, out.dev, out.n * sizeof(out.dev[0]));
	return 0;
}

int io_uevent_parse(const char *buf, size_t len, struct io_uevent *ret)
{
	const char *p = buf, *end = buf + len, *name = NULL;
	size_t name_len = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eq;

		if (!nl)
			return -EINVAL;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (!eq || eq == p)
			return -EINVAL;
		if (eq - p == 7 && memcmp(p, "DEVNAME", 7) == 0) {
			name = eq + 1;
			name_len = (size_t)(nl - eq - 1);
		}
		p = nl + 1;
	}
	if (!name || name_len == 0)
		return -ENOENT;
	*ret = (struct io_uevent){.devname = name, .devname_len = name_len};
	return 0;
}

int io_devname(int sysfs_fd, uint32_t major, uint32_t minor, char *ret_name, size_t size)
{
	char path[64], buf[4096];
	struct io_uevent ev;
	size_t len = 0;
	int fd, r = 0;

	snprintf(path, sizeof(path), "dev/block/%" PRIu32 ":%" PRIu32 "/uevent", major, minor);
	fd = openat(sysfs_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (r < 0)
		return r;
	if (len == sizeof(buf))
		return -E2BIG; /* or exactly 4 KiB: no uevent is near that */
	r = io_uevent_parse(buf, len, &ev);
	if (r < 0)
		return r;
	if (ev.devname_len >= size || memchr(ev.devname, '\0', ev.devname_len))
		return -ERANGE;
	memcpy(ret_name, ev.devname, ev.devname_len);
	ret_name[ev.devname_len] = '\0';
	return 0;
}
