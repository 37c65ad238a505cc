/* Unit tests of probes/cpu: cpu.stat, cpu.max, cpu.weight. */
#include "helpers.h"

#include "probes/cpu.h"
#include "probes/num.h"

ERASED(cpu_stat_parse, struct cpu_stat)
ERASED(cpu_max_parse, struct cpu_max)
ERASED(cpu_weight_parse, uint64_t)

static void test_stat(void **state)
{
	struct cpu_stat s;

	/* Under cpu.max 1.5 CPUs with two spinning workers: throttled. */
	assert_int_equal(parse_file(CG "load/cpu.stat", cpu_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.usage_usec, 38249903);
	assert_int_equal(s.user_usec, 4333285);
	assert_int_equal(s.system_usec, 33916618);
	assert_int_equal(s.nr_periods, 760);
	assert_int_equal(s.nr_throttled, 69);
	assert_int_equal(s.throttled_usec, 6257843);
	assert_int_equal(s.nr_bursts, 0);
	assert_int_equal(s.burst_usec, 0);
	assert_int_equal(s.has[0], (UINT64_C(1) << CPU_STAT_COUNT) - 1);
	/* Without the cpu controller the core prints three keys only. */
	assert_int_equal(parse_file(CG "idle/bare/cpu.stat", cpu_stat_parse_, &s, sizeof(s)), 0);
	assert_true(FLAT_HAS(s.has, CPU_STAT_usage_usec) && FLAT_HAS(s.has, CPU_STAT_system_usec));
	assert_false(FLAT_HAS(s.has, CPU_STAT_nr_periods));
	assert_false(FLAT_HAS(s.has, CPU_STAT_burst_usec));
	assert_int_equal(s.has[0], 7);
	/* The root: no throttling there, but the keys are. */
	assert_int_equal(parse_file("cgroup/root/cpu.stat", cpu_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.usage_usec, 51484000);
	assert_int_equal(s.nr_periods, 0);
	assert_int_equal(parse_file(DERIVED "cpu.stat.u64-max", cpu_stat_parse_, &s, sizeof(s)), 0);
	assert_true(s.usage_usec == UINT64_MAX);
	assert_int_equal(parse_file(DERIVED "cpu.stat.unknown-key", cpu_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.user_usec, 4333285);
	assert_int_equal(s.has[0], (UINT64_C(1) << CPU_STAT_COUNT) - 1);
}

static void test_stat_errors(void **state)
{
	static const struct rc_case files[] = {VARIANTS("cpu.stat")};

	check_files(files, cpu_stat_parse_, sizeof(struct cpu_stat));
}

static void test_max(void **state)
{
	struct cpu_max m;

	assert_int_equal(parse_file(CG "load/cpu.max", cpu_max_parse_, &m, sizeof(m)), 0);
	assert_int_equal(m.quota, 150000);
	assert_int_equal(m.period, 100000);
	assert_int_equal(parse_file(CG "cpu.max", cpu_max_parse_, &m, sizeof(m)), 0);
	assert_true(m.quota == NUM_MAX);
	assert_int_equal(m.period, 100000);
	assert_int_equal(parse_file(DERIVED "cpu.max.u64-max", cpu_max_parse_, &m, sizeof(m)), 0);
	assert_true(m.quota == UINT64_MAX);
}

static void test_max_errors(void **state)
{
	static const struct rc_case files[] = {
		{DERIVED "cpu.max.truncated", -EINVAL},
		{DERIVED "cpu.max.garbage", -EINVAL},
		{DERIVED "cpu.max.u64-max", 0},
		{DERIVED "cpu.max.u64-max-plus-1", -ERANGE},
	};
	static const struct rc_case strs[] = {
		{"max 100000\n", 0}, {"1 1\n", 0},          {"100000\n", -EINVAL},  {"max\n", -EINVAL},
		{"1 2 3\n", -EINVAL}, {"1 max\n", -EINVAL}, {"1 0\n", -EINVAL},    {"1  2\n", -EINVAL},
		{"1 2", -EINVAL},    {"\n", -EINVAL},      {"1 " U64_PAST_STR "\n", -ERANGE},
	};

	check_files(files, cpu_max_parse_, sizeof(struct cpu_max));
	check_strs(strs, cpu_max_parse_, sizeof(struct cpu_max));
}

static void test_weight(void **state)
{
	static const struct rc_case files[] = {
		{CG "load/cpu.weight", 0},
		{DERIVED "cpu.weight.truncated", -EINVAL},
		{DERIVED "cpu.weight.garbage", -EINVAL},
		{DERIVED "cpu.weight.u64-max", -ERANGE}, /* a number, out of the weight range */
		{DERIVED "cpu.weight.u64-max-plus-1", -ERANGE},
	};
	static const struct rc_case strs[] = {
		{"1\n", 0}, {"10000\n", 0}, {"0\n", -ERANGE}, {"10001\n", -ERANGE}, {"max\n", -EINVAL},
	};
	uint64_t w;

	assert_int_equal(parse_file(CG "load/cpu.weight", cpu_weight_parse_, &w, sizeof(w)), 0);
	assert_int_equal(w, 200);
	assert_int_equal(parse_file(CG "cpu.weight", cpu_weight_parse_, &w, sizeof(w)), 0);
	assert_int_equal(w, 100);
	check_files(files, cpu_weight_parse_, sizeof(uint64_t));
	check_strs(strs, cpu_weight_parse_, sizeof(uint64_t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_stat_errors),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_max_errors),
		cmocka_unit_test(test_weight),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
