/* Unit tests of probes/words: space separated one-line files. */
#include "helpers.h"

#include "probes/words.h"

ERASED(words_parse, struct words)

static void test_cpu_max(void **state)
{
	struct words w;

	assert_int_equal(parse_file(CG "load/cpu.max", words_parse_, &w, sizeof(w)), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.w[0].len, 6);
	assert_memory_equal(w.w[0].s, "150000", 6);
	assert_int_equal(w.w[1].len, 6);
	assert_memory_equal(w.w[1].s, "100000", 6);
	assert_int_equal(parse_file(CG "cpu.max", words_parse_, &w, sizeof(w)), 0);
	assert_int_equal(w.n, 2);
	assert_memory_equal(w.w[0].s, "max", 3);
	/* cgroup.controllers: space separated names. */
	assert_int_equal(parse_file(CG "load/cgroup.controllers", words_parse_, &w, sizeof(w)), 0);
	assert_int_equal(w.n, 5);
	assert_memory_equal(w.w[4].s, "pids", 4);
}

static void test_errors(void **state)
{
	static const struct rc_case c[] = {
		{"\n", 0},        {"a\n", 0},         {"a b\n", 0},        {"", -EINVAL},
		{"a", -EINVAL},   {"a  b\n", -EINVAL}, {" a\n", -EINVAL},   {"a \n", -EINVAL},
		{"a\nb\n", -EINVAL}, {"a b", -EINVAL},
	};
	static const struct rc_case files[] = {{DERIVED "cpu.max.truncated", -EINVAL}};
	char many[(WORDS_MAX + 1) * 2 + 1];

	check_strs(c, words_parse_, sizeof(struct words));
	check_files(files, words_parse_, sizeof(struct words));
	for (size_t i = 0; i < WORDS_MAX + 1; i++)
		memcpy(many + 2 * i, "w ", 2);
	many[WORDS_MAX * 2 + 1] = '\n';
	many[WORDS_MAX * 2 + 2] = '\0';
	assert_int_equal(parse_str(many, words_parse_, &(struct words){0}, sizeof(struct words)), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_max),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
