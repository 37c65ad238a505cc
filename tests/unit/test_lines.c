/* Unit tests of probes/lines: newline separated files and single values. */
#include "helpers.h"

#include "probes/lines.h"
#include "probes/num.h"

ERASED(lines_parse, struct lines)
ERASED(lines_u64, uint64_t)
ERASED(lines_u64_max, uint64_t)

static void test_procs(void **state)
{
	static struct lines l;

	/* cgroup.procs of the loaded cgroup: 11 pids, newest first. */
	assert_int_equal(parse_file(CG "load/cgroup.procs", lines_parse_, &l, sizeof(l)), 0);
	assert_int_equal(l.n, 11);
	assert_int_equal(l.l[0].len, 3);
	assert_memory_equal(l.l[0].s, "190", 3);
	assert_int_equal(parse_file("cgroup/root/cgroup.procs", lines_parse_, &l, sizeof(l)), 0);
	assert_int_equal(l.n, 74);
}

static void test_lines_errors(void **state)
{
	static const struct rc_case c[] = {
		{"", 0}, {"1\n", 0}, {"1\n2\n", 0}, {"1\n2", -EINVAL}, {"1\n\n2\n", -EINVAL}, {"\n", -EINVAL},
	};
	static char many[(LINES_MAX + 1) * 2 + 1];

	check_strs(c, lines_parse_, sizeof(struct lines));
	for (size_t i = 0; i < LINES_MAX + 1; i++)
		memcpy(many + 2 * i, "1\n", 2);
	assert_int_equal(parse_str(many, lines_parse_, &(struct lines){0}, sizeof(struct lines)), -E2BIG);
	many[LINES_MAX * 2] = '\0';
	assert_int_equal(parse_str(many, lines_parse_, &(struct lines){0}, sizeof(struct lines)), 0);
}

static void test_single(void **state)
{
	uint64_t v;

	assert_int_equal(parse_file(CG "load/memory.current", lines_u64_, &v, sizeof(v)), 0);
	assert_int_equal(v, 110489600);
	assert_int_equal(parse_file(CG "load/memory.peak", lines_u64_, &v, sizeof(v)), 0);
	assert_int_equal(v, 111632384);
	assert_int_equal(parse_file(CG "load/memory.swap.current", lines_u64_, &v, sizeof(v)), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_file(CG "load/pids.current", lines_u64_, &v, sizeof(v)), 0);
	assert_int_equal(v, 11);
	assert_int_equal(parse_file(CG "load/memory.max", lines_u64_max_, &v, sizeof(v)), 0);
	assert_int_equal(v, 256 << 20);
	assert_int_equal(parse_file(CG "load/memory.high", lines_u64_max_, &v, sizeof(v)), 0);
	assert_int_equal(v, 96 << 20);
	assert_int_equal(parse_file(CG "load/memory.low", lines_u64_max_, &v, sizeof(v)), 0);
	assert_int_equal(v, 16 << 20);
	assert_int_equal(parse_file(CG "load/memory.min", lines_u64_max_, &v, sizeof(v)), 0);
	assert_int_equal(v, 8 << 20);
	assert_int_equal(parse_file(CG "load/memory.swap.max", lines_u64_max_, &v, sizeof(v)), 0);
	assert_int_equal(v, 64 << 20);
	assert_int_equal(parse_file(CG "load/pids.max", lines_u64_max_, &v, sizeof(v)), 0);
	assert_int_equal(v, 64);
	/* The limits nobody set read "max". */
	assert_int_equal(parse_file(CG "memory.max", lines_u64_max_, &v, sizeof(v)), 0);
	assert_true(v == NUM_MAX);
	assert_int_equal(parse_file(CG "pids.max", lines_u64_max_, &v, sizeof(v)), 0);
	assert_true(v == NUM_MAX);
	assert_int_equal(parse_file(DERIVED "memory.current.u64-max", lines_u64_, &v, sizeof(v)), 0);
	assert_true(v == UINT64_MAX);
}

static void test_single_errors(void **state)
{
	static const struct rc_case files[] = {
		{DERIVED "memory.current.truncated", -EINVAL},
		{DERIVED "memory.current.garbage", -EINVAL},
		{DERIVED "memory.current.u64-max", 0},
		{DERIVED "memory.current.u64-max-plus-1", -ERANGE},
		{DERIVED "memory.max.max", -EINVAL}, /* "max" is no usage */
	};
	static const struct rc_case limits[] = {
		{DERIVED "memory.max.truncated", -EINVAL},
		{DERIVED "memory.max.garbage", -EINVAL},
		{DERIVED "memory.max.u64-max", 0},
		{DERIVED "memory.max.u64-max-plus-1", -ERANGE},
		{DERIVED "memory.max.max", 0},
	};
	static const struct rc_case strs[] = {
		{"", -EINVAL}, {"\n", -EINVAL}, {"1", -EINVAL}, {"1\n2\n", -EINVAL}, {"1\n\n", -EINVAL},
		{" 1\n", -EINVAL}, {"1 \n", -EINVAL}, {"-1\n", -EINVAL}, {"0\n", 0},
	};

	check_files(files, lines_u64_, sizeof(uint64_t));
	check_files(limits, lines_u64_max_, sizeof(uint64_t));
	check_strs(strs, lines_u64_, sizeof(uint64_t));
	check_strs(strs, lines_u64_max_, sizeof(uint64_t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procs),
		cmocka_unit_test(test_lines_errors),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_single_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
