/* Unit tests of probes/host: /proc/stat's cpu line and /proc/meminfo. */
#include "helpers.h"

#include "probes/host.h"

ERASED(host_stat_parse, struct host_stat)
ERASED(host_meminfo_parse, struct host_meminfo)

static void test_stat(void **state)
{
	struct host_stat s;

	/* cpu  2589 0 13922 31059 8597 0 1140 0 0 0 */
	assert_int_equal(parse_file("proc/stat", host_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.has[0], (UINT64_C(1) << HOST_STAT_COUNT) - 1);
	assert_int_equal(s.user, 2589);
	assert_int_equal(s.nice, 0);
	assert_int_equal(s.system, 13922);
	assert_int_equal(s.idle, 31059);
	assert_int_equal(s.iowait, 8597);
	assert_int_equal(s.irq, 0);
	assert_int_equal(s.softirq, 1140);
	assert_int_equal(s.steal, 0);
	assert_int_equal(s.guest, 0);
	assert_int_equal(s.guest_nice, 0);
	/* An eleventh number and an unknown line are skipped. */
	assert_int_equal(parse_file(DERIVED "stat.unknown-key", host_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.idle, 31059);
	assert_int_equal(parse_file(DERIVED "stat.u64-max", host_stat_parse_, &s, sizeof(s)), 0);
	assert_true(s.user == UINT64_MAX);
	/* An old kernel's eight numbers: guest and guest_nice absent. */
	assert_int_equal(parse_str("cpu  1 2 3 4 5 6 7 8\ncpu0 1 2 3 4 5 6 7 8\n", host_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.steal, 8);
	assert_false(FLAT_HAS(s.has, HOST_STAT_guest));
	assert_int_equal(s.has[0], 0xff);
	/* Not the first line: still found; a cpuN line is not it. */
	assert_int_equal(parse_str("cpu0 9 9 9 9 9 9 9 9\ncpu 1 2 3 4 5 6 7 8\n", host_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.user, 1);
}

static void test_stat_errors(void **state)
{
	static const struct rc_case files[] = {VARIANTS("stat")};
	static const struct rc_case strs[] = {
		{"", -EINVAL},
		{"cpu  1 2 3 4 5 6 7\n", -EINVAL},
		{"cpu  1 2 3 4 5 6 7 8", -EINVAL},
		{"cpu0 1 2 3 4 5 6 7 8\n", -EINVAL},
		{"cpu  1 2 3 4 5 6 7 x\n", -EINVAL},
		{"cpu  1 2 3 4 5 6 7 -8\n", -EINVAL},
		{"intr 1 2\n", -EINVAL},
		{"cpu\n", -EINVAL},
	};

	check_files(files, host_stat_parse_, sizeof(struct host_stat));
	check_strs(strs, host_stat_parse_, sizeof(struct host_stat));
}

static void test_meminfo(void **state)
{
	struct host_meminfo m;

	assert_int_equal(parse_file("proc/meminfo", host_meminfo_parse_, &m, sizeof(m)), 0);
	assert_int_equal(m.has[0], (UINT64_C(1) << HOST_MEMINFO_COUNT) - 1);
	assert_int_equal(m.MemTotal, UINT64_C(2011624) * 1024);
	assert_int_equal(m.MemFree, UINT64_C(1822004) * 1024);
	assert_int_equal(m.MemAvailable, UINT64_C(1756292) * 1024);
	assert_int_equal(m.Buffers, 0);
	assert_int_equal(m.Cached, UINT64_C(23800) * 1024);
	assert_int_equal(m.SwapTotal, 0);
	assert_int_equal(m.SwapFree, 0);
	/* The largest kB count that fits in bytes. */
	assert_int_equal(parse_file(DERIVED "meminfo.u64-max", host_meminfo_parse_, &m, sizeof(m)), 0);
	assert_int_equal(m.MemTotal, UINT64_C(18014398509481983) * 1024);
	assert_int_equal(parse_file(DERIVED "meminfo.unknown-key", host_meminfo_parse_, &m, sizeof(m)), 0);
	assert_int_equal(m.MemFree, UINT64_C(1822004) * 1024);
	/* Lines without a unit (HugePages_Total) are counts. */
	assert_int_equal(parse_str("HugePages_Total:       3\nMemTotal: 1 kB\n", host_meminfo_parse_, &m, sizeof(m)), 0);
	assert_int_equal(m.has[0], 1);
	assert_int_equal(m.MemTotal, 1024);
}

static void test_meminfo_errors(void **state)
{
	static const struct rc_case files[] = {
		{DERIVED "meminfo.truncated", -EINVAL},
		{DERIVED "meminfo.garbage", -EINVAL},
		{DERIVED "meminfo.u64-max", 0},
		{DERIVED "meminfo.u64-max-plus-1", -ERANGE},
		{DERIVED "meminfo.unknown-key", 0},
	};
	static const struct rc_case strs[] = {
		{"", 0},
		{"MemTotal: 1 kB", -EINVAL},
		{"MemTotal 1 kB\n", -EINVAL},
		{": 1 kB\n", -EINVAL},
		{"MemTotal: 1 MB\n", -EINVAL},
		{"MemTotal: 1 kB \n", -EINVAL},
		{"MemTotal: \n", -EINVAL},
		{"MemTotal: " U64_MAX_STR "\n", 0},
		{"MemTotal: " U64_PAST_STR "\n", -ERANGE},
	};

	check_files(files, host_meminfo_parse_, sizeof(struct host_meminfo));
	check_strs(strs, host_meminfo_parse_, sizeof(struct host_meminfo));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_stat_errors),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_meminfo_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
