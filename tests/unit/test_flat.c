/* Unit tests of probes/flat: flat keyed files, generic and mapped. */
#include "helpers.h"

#include "probes/flat.h"

ERASED(flat_parse, struct flat)

static void test_parse(void **state)
{
	static struct flat f;
	uint64_t v;

	assert_int_equal(parse_file(CG "load/memory.stat", flat_parse_, &f, sizeof(f)), 0);
	assert_int_equal(f.n, 51);
	assert_int_equal(f.kv[0].key_len, 4);
	assert_memory_equal(f.kv[0].key, "anon", 4);
	assert_int_equal(f.kv[0].val, 98889728);
	assert_int_equal(flat_get(&f, "pgfault", &v), 0);
	assert_int_equal(v, 44473);
	assert_int_equal(flat_get(&f, "thp_collapse_alloc", &v), 0);
	assert_int_equal(v, 41);
	assert_int_equal(flat_get(&f, "pgfaul", &v), -ENOENT);
	assert_int_equal(flat_get(&f, "pgfaults", &v), -ENOENT);
	assert_int_equal(flat_get(&f, "hugetlb", &v), -ENOENT); /* not in 6.1 */
}

static void test_errors(void **state)
{
	static const struct rc_case files[] = {VARIANTS("memory.stat"), VARIANTS("cpu.stat")};
	static const struct rc_case strs[] = {
		{"", 0},          {"a 1\n", 0},        {"a 1", -EINVAL},   {"a\n", -EINVAL},
		{" 1\n", -EINVAL}, {"a 1 2\n", -EINVAL}, {"a  1\n", -EINVAL}, {"a -1\n", -EINVAL},
		{"a \n", -EINVAL}, {"\n", -EINVAL},     {"a " U64_PAST_STR "\n", -ERANGE},
	};
	static char many[(FLAT_MAX + 1) * 4 + 1];

	check_files(files, flat_parse_, sizeof(struct flat));
	check_strs(strs, flat_parse_, sizeof(struct flat));
	for (size_t i = 0; i < FLAT_MAX + 1; i++)
		memcpy(many + 4 * i, "k 1\n", 4);
	assert_int_equal(parse_str(many, flat_parse_, &(struct flat){0}, sizeof(struct flat)), -E2BIG);
}

/* A table made by the macros, as the typed readers make theirs. */
#define TEST_KEYS(X, a) X(a, alpha) X(a, beta) X(a, gamma) X(a, delta)
FLAT_STRUCT(test_struct, TEST_, TEST_KEYS);
static const struct flat_field test_fields[TEST_COUNT] = FLAT_FIELDS(test_struct, TEST_KEYS);

static int test_map(const char *buf, size_t len, void *ret)
{
	return flat_map(buf, len, test_fields, TEST_COUNT, ret, sizeof(struct test_struct));
}

static void test_mapped(void **state)
{
	struct test_struct t;

	/* Out of order, with unknown keys: the hint wraps around. */
	assert_int_equal(parse_str("gamma 3\nzeta 9\nalpha 1\nbeta 2\nomega 8\n", test_map, &t, sizeof(t)), 0);
	assert_int_equal(t.alpha, 1);
	assert_int_equal(t.beta, 2);
	assert_int_equal(t.gamma, 3);
	assert_int_equal(t.delta, 0); /* absent: zero, and its bit clear */
	assert_true(FLAT_HAS(t.has, TEST_alpha) && FLAT_HAS(t.has, TEST_beta) && FLAT_HAS(t.has, TEST_gamma));
	assert_false(FLAT_HAS(t.has, TEST_delta));
	assert_int_equal(t.has[0], 7);
	/* A key that is a prefix of a known one, or has one as its prefix. */
	assert_int_equal(parse_str("alph 1\nalphabet 2\n", test_map, &t, sizeof(t)), 0);
	assert_int_equal(t.has[0], 0);
	/* An unknown key's value must still be a number. */
	assert_int_equal(parse_str("alpha 1\nzeta x\n", test_map, &t, sizeof(t)), -EINVAL);
	/* A key holding a NUL byte matches nothing (and reads nothing past it). */
	assert_int_equal(parse_buf("NUL", exact("al\0ha 1\n", 8), 8, test_map, &t, sizeof(t)), 0);
	assert_int_equal(t.has[0], 0);
	/* A repeated key: the last one wins. */
	assert_int_equal(parse_str("beta 1\nbeta 5\n", test_map, &t, sizeof(t)), 0);
	assert_int_equal(t.beta, 5);
	/* A struct larger than flat_map can build is refused, not overrun. */
	assert_int_equal(flat_map("", 0, test_fields, FLAT_FIELDS_MAX + 1, &t, sizeof(t)), -E2BIG);
}

static void test_find(void **state)
{
	size_t hint = 0;

	assert_int_equal(flat_find(test_fields, TEST_COUNT, &hint, "delta", 5), TEST_delta);
	assert_int_equal(hint, TEST_COUNT); /* past the end: the next search starts over */
	assert_int_equal(flat_find(test_fields, TEST_COUNT, &hint, "beta", 4), TEST_beta);
	assert_int_equal(hint, TEST_beta + 1);
	assert_int_equal(flat_find(test_fields, TEST_COUNT, &hint, "nope", 4), TEST_COUNT);
	assert_int_equal(hint, TEST_beta + 1);
	assert_int_equal(flat_find(test_fields, 0, &hint, "beta", 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_mapped),
		cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
