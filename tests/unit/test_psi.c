/* Unit tests of probes/psi: pressure stall files. */
#include "helpers.h"

#include "probes/psi.h"

ERASED(psi_parse, struct psi)

static void expect_line(const struct psi_line *l, uint64_t a10, uint64_t a60, uint64_t a300,
			uint64_t total)
{
	assert_int_equal(l->avg10, a10);
	assert_int_equal(l->avg60, a60);
	assert_int_equal(l->avg300, a300);
	assert_int_equal(l->total, total);
}

static void test_files(void **state)
{
	struct psi p;

	assert_int_equal(parse_file(CG "load/memory.pressure", psi_parse_, &p, sizeof(p)), 0);
	assert_true(p.has_some && p.has_full);
	expect_line(&p.some, 8995, 6718, 2241, 75832866);
	expect_line(&p.full, 8472, 6318, 2107, 71305263);
	assert_int_equal(parse_file(CG "load/cpu.pressure", psi_parse_, &p, sizeof(p)), 0);
	expect_line(&p.some, 205, 272, 121, 4779397);
	expect_line(&p.full, 99, 156, 72, 3061668);
	assert_int_equal(parse_file(CG "load/io.pressure", psi_parse_, &p, sizeof(p)), 0);
	expect_line(&p.some, 3248, 1944, 571, 19533393);
	expect_line(&p.full, 3012, 1749, 512, 17661526);
	assert_int_equal(parse_file("proc/pressure/cpu", psi_parse_, &p, sizeof(p)), 0);
	expect_line(&p.some, 403, 446, 252, 11623745);
	expect_line(&p.full, 0, 0, 0, 0);
	assert_int_equal(parse_file("proc/pressure/memory", psi_parse_, &p, sizeof(p)), 0);
	expect_line(&p.some, 7021, 6775, 3353, 134071478);
	expect_line(&p.full, 5599, 5412, 2715, 109411819);
	assert_int_equal(parse_file("proc/pressure/io", psi_parse_, &p, sizeof(p)), 0);
	expect_line(&p.some, 2871, 2408, 1119, 44467981);
	expect_line(&p.full, 2267, 1815, 846, 34043360);
	/* Unknown lines and fields are skipped. */
	assert_int_equal(parse_file(DERIVED "cpu.pressure.unknown-key", psi_parse_, &p, sizeof(p)), 0);
	expect_line(&p.some, 205, 272, 121, 4779397);
	assert_int_equal(parse_file(DERIVED "cpu.pressure.u64-max", psi_parse_, &p, sizeof(p)), 0);
	assert_true(p.some.total == UINT64_MAX);
}

static void test_shapes(void **state)
{
	struct psi p;

	/* irq.pressure has only "full"; old kernels' cpu only "some". */
	assert_int_equal(parse_str("full avg10=1.50 avg60=0.00 avg300=0.00 total=42\n", psi_parse_, &p, sizeof(p)), 0);
	assert_false(p.has_some);
	assert_true(p.has_full);
	expect_line(&p.full, 150, 0, 0, 42);
	assert_int_equal(parse_str("some avg10=0.00 avg60=0.00 avg300=0.00 total=7\n", psi_parse_, &p, sizeof(p)), 0);
	assert_true(p.has_some && !p.has_full);
	/* Fields in another order. */
	assert_int_equal(parse_str("some total=1 avg300=0.03 avg60=0.02 avg10=0.01\n", psi_parse_, &p, sizeof(p)), 0);
	expect_line(&p.some, 1, 2, 3, 1);
}

static void test_errors(void **state)
{
	static const struct rc_case files[] = {VARIANTS("cpu.pressure")};
	static const struct rc_case strs[] = {
		{"", -EINVAL},
		{"\n", -EINVAL},
		{"other a=1\n", -EINVAL}, /* nothing known */
		{"some avg10=0.00 avg60=0.00 avg300=0.00\n", -EINVAL},
		{"some avg10=0.00 avg60=0.00 avg300=0.00 total=0", -EINVAL},
		{"some avg10=0.001 avg60=0.00 avg300=0.00 total=0\n", -EINVAL},
		{"some avg10=x avg60=0.00 avg300=0.00 total=0\n", -EINVAL},
		{"some avg10=0.00 avg60=0.00 avg300=0.00 total=1.5\n", -EINVAL},
		{"some avg10=0.00 avg60=0.00 avg300=0.00 total=0 junk\n", -EINVAL},
		{"some avg10=0.00 avg60=0.00 avg300=0.00 total=" U64_PAST_STR "\n", -ERANGE},
	};

	check_files(files, psi_parse_, sizeof(struct psi));
	check_strs(strs, psi_parse_, sizeof(struct psi));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
