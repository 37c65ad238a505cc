/* Unit tests of probes/num: the checked number reader. */
#include "helpers.h"

#include "probes/num.h"

struct num_case {
	const char *s;
	int rc;
	uint64_t want;
};

static void check(const struct num_case *c, size_t n, int (*fn)(const char *, size_t, uint64_t *))
{
	for (size_t i = 0; i < n; i++) {
		char *buf = exact(c[i].s, strlen(c[i].s));
		uint64_t v = 7;
		int r = fn(buf, strlen(c[i].s), &v);

		if (r != c[i].rc)
			fail_msg("\"%s\": got %d, want %d", c[i].s, r, c[i].rc);
		if (r == 0 && v != c[i].want)
			fail_msg("\"%s\": got %ju, want %ju", c[i].s, (uintmax_t)v, (uintmax_t)c[i].want);
		if (r < 0 && v != 7)
			fail_msg("\"%s\": failed but wrote its result", c[i].s);
		free(buf);
	}
}

static void test_u64(void **state)
{
	static const struct num_case c[] = {
		{"0", 0, 0},
		{"42", 0, 42},
		{"007", 0, 7},
		{U64_MAX_STR, 0, UINT64_MAX},
		{U64_PAST_STR, -ERANGE, 0},
		{"99999999999999999999", -ERANGE, 0},
		{"99999999999999999999x", -EINVAL, 0}, /* garbage wins over overflow */
		{"", -EINVAL, 0},
		{"-1", -EINVAL, 0},
		{"+1", -EINVAL, 0},
		{" 1", -EINVAL, 0},
		{"1 ", -EINVAL, 0},
		{"0x10", -EINVAL, 0},
		{"1e3", -EINVAL, 0},
		{"max", -EINVAL, 0},
	};
	check(c, N(c), num_u64);
}

static void test_u64_max(void **state)
{
	static const struct num_case c[] = {
		{"max", 0, NUM_MAX},     {"0", 0, 0},       {U64_MAX_STR, 0, UINT64_MAX},
		{U64_PAST_STR, -ERANGE, 0}, {"MAX", -EINVAL, 0}, {"max ", -EINVAL, 0},
		{"ma", -EINVAL, 0},      {"maxx", -EINVAL, 0},
	};
	check(c, N(c), num_u64_max);
}

static int fixed2(const char *s, size_t len, uint64_t *ret)
{
	return num_fixed(s, len, 2, ret);
}

static void test_fixed(void **state)
{
	static const struct num_case c[] = {
		{"0.00", 0, 0},
		{"3.14", 0, 314},
		{"88.05", 0, 8805},
		{"100.00", 0, 10000},
		{"0.5", 0, 50},
		{"7", 0, 700},
		{"184467440737095516.15", 0, UINT64_MAX},
		{"184467440737095516.16", -ERANGE, 0},
		{"1.", -EINVAL, 0},
		{".5", -EINVAL, 0},
		{"1.234", -EINVAL, 0},
		{"1.2.3", -EINVAL, 0},
		{"-1.00", -EINVAL, 0},
		{"1,00", -EINVAL, 0},
		{"99999999999999999999.00", -ERANGE, 0},
		{"99999999999999999999.x", -EINVAL, 0},
		{"", -EINVAL, 0},
		{".", -EINVAL, 0},
	};
	uint64_t v = 7;

	check(c, N(c), fixed2);
	assert_int_equal(num_fixed("1", 1, 0, &v), -EINVAL);
	assert_int_equal(num_fixed("1", 1, 7, &v), -EINVAL);
	assert_int_equal(num_fixed("1.000001", 8, 6, &v), 0);
	assert_int_equal(v, 1000001);
}

static void test_to(void **state)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t want;
		size_t stop;
	} c[] = {
		{"42\n", 0, 42, 2},
		{"42\nrest", 0, 42, 2},
		{U64_MAX_STR "\n", 0, UINT64_MAX, 20},
		{U64_PAST_STR "\n", -ERANGE, 0, 0},
		{U64_PAST_STR "x\n", -EINVAL, 0, 0}, /* garbage wins */
		{"42", -EINVAL, 0, 0},               /* no stop: cut */
		{"\n", -EINVAL, 0, 0},
		{"4 2\n", -EINVAL, 0, 0},
		{"-1\n", -EINVAL, 0, 0},
	};

	for (size_t i = 0; i < N(c); i++) {
		size_t len = strlen(c[i].s);
		char *buf = exact(c[i].s, len);
		const char *stop = NULL;
		uint64_t v = 7;
		int r = num_u64_to(buf, buf + len, '\n', &stop, &v);

		if (r != c[i].rc || (r == 0 && (v != c[i].want || stop != buf + c[i].stop)) ||
		    (r < 0 && (v != 7 || stop)))
			fail_msg("\"%s\": got %d, %ju", c[i].s, r, (uintmax_t)v);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_u64_max),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_to),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
