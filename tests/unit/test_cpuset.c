/* Unit tests of probes/cpuset: range lists. */
#include "helpers.h"

#include "probes/cpuset.h"

ERASED(cpuset_list_parse, struct cpuset_list)

static void test_files(void **state)
{
	struct cpuset_list l;

	/* cpuset.cpus 0-1,3 of four CPUs. */
	assert_int_equal(parse_file(CG "load/cpuset.cpus.effective", cpuset_list_parse_, &l, sizeof(l)), 0);
	assert_int_equal(l.count, 3);
	assert_int_equal(l.bits[0], 0xb);
	assert_true(CPUSET_HAS(&l, 0) && CPUSET_HAS(&l, 1) && !CPUSET_HAS(&l, 2) && CPUSET_HAS(&l, 3));
	assert_false(CPUSET_HAS(&l, CPUSET_BITS));
	assert_int_equal(parse_file("cgroup/root/cpuset.cpus.effective", cpuset_list_parse_, &l, sizeof(l)), 0);
	assert_int_equal(l.count, 4);
	assert_int_equal(l.bits[0], 0xf);
	assert_int_equal(parse_file(CG "load/cpuset.mems.effective", cpuset_list_parse_, &l, sizeof(l)), 0);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.bits[0], 1);
}

static void test_strs(void **state)
{
	struct cpuset_list l;

	assert_int_equal(parse_str("\n", cpuset_list_parse_, &l, sizeof(l)), 0);
	assert_int_equal(l.count, 0);
	assert_int_equal(parse_str("0-1023\n", cpuset_list_parse_, &l, sizeof(l)), 0);
	assert_int_equal(l.count, 1024);
	assert_true(l.bits[15] == UINT64_MAX);
	/* Overlaps count once. */
	assert_int_equal(parse_str("0-3,2-5,5\n", cpuset_list_parse_, &l, sizeof(l)), 0);
	assert_int_equal(l.count, 6);
	assert_int_equal(parse_str("64,127-128\n", cpuset_list_parse_, &l, sizeof(l)), 0);
	assert_int_equal(l.count, 3);
	assert_int_equal(l.bits[1], UINT64_C(1) | UINT64_C(1) << 63);
	assert_int_equal(l.bits[2], 1);
}

static void test_errors(void **state)
{
	static const struct rc_case files[] = {
		{DERIVED "cpuset.cpus.effective.truncated", -EINVAL},
		{DERIVED "cpuset.cpus.effective.garbage", -EINVAL},
	};
	static const struct rc_case strs[] = {
		{"", -EINVAL},       {"0", -EINVAL},       {"0,\n", -EINVAL},   {",0\n", -EINVAL},
		{"0,,1\n", -EINVAL}, {"3-1\n", -EINVAL},   {"0-\n", -EINVAL},   {"-1\n", -EINVAL},
		{"1-2-3\n", -EINVAL}, {" 0\n", -EINVAL},   {"0 \n", -EINVAL},   {"0\n1\n", -EINVAL},
		{"1024\n", -ERANGE}, {"0-1024\n", -ERANGE}, {"1023\n", 0},      {U64_PAST_STR "\n", -ERANGE},
	};

	check_files(files, cpuset_list_parse_, sizeof(struct cpuset_list));
	check_strs(strs, cpuset_list_parse_, sizeof(struct cpuset_list));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_strs),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
