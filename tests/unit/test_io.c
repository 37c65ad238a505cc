/* Unit tests of probes/io: io.stat, io.max, io.weight, device names. */
#include "helpers.h"

#include "probes/io.h"
#include "probes/num.h"

ERASED(io_stat_parse, struct io_stat)
ERASED(io_max_parse, struct io_max)
ERASED(io_weight_parse, struct io_weight)
ERASED(io_uevent_parse, struct io_uevent)

static void test_stat(void **state)
{
	static struct io_stat s;
	const struct io_counters *c = &s.dev[0].c;

	/* dd to and from /dev/vda with O_DIRECT, one discard; iocost's
	 * cost.usage is skipped. */
	assert_int_equal(parse_file(CG "load/io.stat", io_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.dev[0].major, 254);
	assert_int_equal(s.dev[0].minor, 0);
	assert_int_equal(c->has[0], (UINT64_C(1) << IO_STAT_COUNT) - 1);
	assert_int_equal(c->rbytes, 336613376);
	assert_int_equal(c->wbytes, 335544320);
	assert_int_equal(c->rios, 368);
	assert_int_equal(c->wios, 320);
	assert_int_equal(c->dbytes, 1048576);
	assert_int_equal(c->dios, 1);
	/* The root's has cost.vrate=100.00 too: not a u64, not looked at. */
	assert_int_equal(parse_file("cgroup/root/io.stat", io_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(c->rbytes, 252739584);
	/* A cgroup that did no io. */
	assert_int_equal(parse_file(CG "oom/io.stat", io_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(parse_file(DERIVED "io.stat.u64-max", io_stat_parse_, &s, sizeof(s)), 0);
	assert_true(c->rbytes == UINT64_MAX);
	assert_int_equal(parse_file(DERIVED "io.stat.unknown-key", io_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(c->dios, 1);
	/* Devices without counters (all zero) are left out. */
	assert_int_equal(parse_str("8:0 \n7:0\n259:1 rbytes=5 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n",
				   io_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.dev[0].major, 259);
	assert_int_equal(s.dev[0].minor, 1);
	assert_int_equal(c->rbytes, 5);
}

static void test_stat_errors(void **state)
{
	static const struct rc_case files[] = {VARIANTS("io.stat")};
	static const struct rc_case strs[] = {
		{"8:0 rbytes=-1\n", -EINVAL},
		{"8:0 rbytes=1.5\n", -EINVAL},
		{"8:0 cost.vrate=1.5 rbytes=1\n", 0},
		{"sda rbytes=1\n", -EINVAL},
		{"8 rbytes=1\n", -EINVAL},
		{"8:x rbytes=1\n", -EINVAL},
		{":0 rbytes=1\n", -EINVAL},
		{"4294967296:0 rbytes=1\n", -ERANGE},
		{"8:0 rbytes\n", -EINVAL},
	};
	static char many[(IO_DEV_MAX + 1) * 16 + 1], empty[(IO_DEV_MAX + 1) * 8 + 1];
	static struct io_stat s;
	size_t len = 0;

	check_files(files, io_stat_parse_, sizeof(struct io_stat));
	check_strs(strs, io_stat_parse_, sizeof(struct io_stat));
	for (unsigned i = 0; i < IO_DEV_MAX + 1; i++)
		len += (size_t)sprintf(many + len, "8:%u rbytes=1\n", i);
	assert_int_equal(parse_str(many, io_stat_parse_, &s, sizeof(s)), -E2BIG);
	/* As many devices without io as the root lists: they take no room. */
	for (unsigned i = 0, n = 0; i < IO_DEV_MAX + 1; i++)
		n += (unsigned)sprintf(empty + n, "7:%u \n", i % 10);
	assert_int_equal(parse_str(empty, io_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.n, 0);
}

static void test_max(void **state)
{
	static const struct rc_case files[] = {VARIANTS("io.max")};
	static struct io_max m;
	const struct io_limits *l = &m.dev[0].l;

	assert_int_equal(parse_file(CG "load/io.max", io_max_parse_, &m, sizeof(m)), 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.dev[0].major, 254);
	assert_int_equal(m.dev[0].minor, 0);
	assert_int_equal(l->has[0], (UINT64_C(1) << IO_MAX_COUNT) - 1);
	assert_true(l->rbps == NUM_MAX);
	assert_int_equal(l->wbps, 104857600);
	assert_int_equal(l->riops, 5000);
	assert_true(l->wiops == NUM_MAX);
	/* No limit set anywhere: an empty file. */
	assert_int_equal(parse_file(CG "io.max", io_max_parse_, &m, sizeof(m)), 0);
	assert_int_equal(m.n, 0);
	check_files(files, io_max_parse_, sizeof(struct io_max));
}

static void test_weight(void **state)
{
	static const struct rc_case files[] = {
		{DERIVED "io.weight.truncated", -EINVAL},
		{DERIVED "io.weight.garbage", -EINVAL},
	};
	static const struct rc_case strs[] = {
		{"default 0\n", -ERANGE},   {"default 10001\n", -ERANGE}, {"8:0 0\n", -ERANGE},
		{"8:0 max\n", -EINVAL},     {"sda 100\n", -EINVAL},       {"default 100\n8:0 1\n8:16 10000\n", 0},
		{"", 0},
	};
	static struct io_weight w;

	assert_int_equal(parse_file(CG "load/io.weight", io_weight_parse_, &w, sizeof(w)), 0);
	assert_true(w.has_default);
	assert_int_equal(w.default_weight, 150);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.dev[0].major, 254);
	assert_int_equal(w.dev[0].minor, 0);
	assert_int_equal(w.dev[0].weight, 300);
	assert_int_equal(parse_file(CG "io.weight", io_weight_parse_, &w, sizeof(w)), 0);
	assert_true(w.has_default);
	assert_int_equal(w.default_weight, 100);
	assert_int_equal(w.n, 0);
	check_files(files, io_weight_parse_, sizeof(struct io_weight));
	check_strs(strs, io_weight_parse_, sizeof(struct io_weight));
}

static void test_uevent(void **state)
{
	static const struct rc_case files[] = {
		{"sys/dev/block/254:0/uevent", 0},
		{DERIVED "uevent.truncated", -EINVAL},
		{DERIVED "uevent.garbage", -ENOENT}, /* no DEVNAME */
		{DERIVED "uevent.unknown-key", 0},
	};
	static const struct rc_case strs[] = {
		{"DEVNAME=\n", -ENOENT}, {"=x\n", -EINVAL}, {"MAJOR\n", -EINVAL}, {"", -ENOENT},
	};
	struct io_uevent u;

	assert_int_equal(parse_file("sys/dev/block/254:0/uevent", io_uevent_parse_, &u, sizeof(u)), 0);
	assert_int_equal(u.devname_len, 3);
	assert_memory_equal(u.devname, "vda", 3);
	check_files(files, io_uevent_parse_, sizeof(struct io_uevent));
	check_strs(strs, io_uevent_parse_, sizeof(struct io_uevent));
}

static void test_devname(void **state)
{
	int sysfs = open(LINUX "/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char name[16] = "unchanged";

	assert_true(sysfs >= 0);
	assert_int_equal(io_devname(sysfs, 254, 0, name, sizeof(name)), 0);
	assert_string_equal(name, "vda");
	assert_int_equal(io_devname(sysfs, 254, 0, name, 4), 0); /* "vda" and its NUL */
	assert_int_equal(io_devname(sysfs, 254, 0, name, 3), -ERANGE);
	assert_int_equal(io_devname(sysfs, 8, 0, name, sizeof(name)), -ENOENT);
	assert_string_equal(name, "vda");
	close(sysfs);
}

static void test_dev(void **state)
{
	uint32_t major = 1, minor = 1;

	assert_int_equal(io_dev_parse("259:12", 6, &major, &minor), 0);
	assert_int_equal(major, 259);
	assert_int_equal(minor, 12);
	assert_int_equal(io_dev_parse("4294967295:4294967295", 21, &major, &minor), 0);
	assert_true(major == UINT32_MAX && minor == UINT32_MAX);
	assert_int_equal(io_dev_parse("1:4294967296", 12, &major, &minor), -ERANGE);
	assert_int_equal(io_dev_parse("1:", 2, &major, &minor), -EINVAL);
	assert_int_equal(io_dev_parse("1:2:3", 5, &major, &minor), -EINVAL);
	assert_int_equal(io_dev_parse("", 0, &major, &minor), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat),   cmocka_unit_test(test_stat_errors), cmocka_unit_test(test_max),
		cmocka_unit_test(test_weight), cmocka_unit_test(test_uevent),      cmocka_unit_test(test_devname),
		cmocka_unit_test(test_dev),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
