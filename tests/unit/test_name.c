/* Unit tests of the workload name rule. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "agent/name.h"

static void test_names(void **state)
{
	static const struct {
		const char *name;
		int ret;
	} rows[] = {
		{"web", 0},
		{"a", 0},
		{"0", 0},
		{"web-1.blue_2", 0},
		{"", -EINVAL},
		{".", -EINVAL},
		{"..", -EINVAL},
		{"../x", -EINVAL},
		{"a/../b", -EINVAL},
		{"/abs", -EINVAL},
		{"%2e%2e", -EINVAL},
		{"Web", -EINVAL},
		{"-web", -EINVAL},
		{"_web", -EINVAL},
		{"cgroup.procs", -EINVAL},
		{"memory.max", -EINVAL},
		{"io.stat", -EINVAL},
		{"cpuset.cpus", -EINVAL},
		{"memory", 0},
		{"cpu2.x", 0},
		{"a b", -EINVAL},
		{"a\nb", -EINVAL},
		{"caf\xc3\xa9", -EINVAL},
		{"123456789012345678901234567890123456789012345678901234567890123", 0},
		{"1234567890123456789012345678901234567890123456789012345678901234", -EINVAL},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *why = NULL;
		int r = name_valid(rows[i].name, &why);
		if (r != rows[i].ret)
			fail_msg("%s: got %d want %d", rows[i].name, r, rows[i].ret);
		if (r < 0)
			assert_non_null(why);
	}
	assert_int_equal(name_valid(NULL, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_names)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
