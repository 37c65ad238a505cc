/* Unit tests of probes/cgroup: cgroup.events and cgroup.stat. */
#include "helpers.h"

#include "probes/cgroup.h"

ERASED(cgroup_events_parse, struct cgroup_events)
ERASED(cgroup_stat_parse, struct cgroup_stat)

static void test_events(void **state)
{
	static const struct rc_case files[] = {VARIANTS("cgroup.events")};
	struct cgroup_events e;

	assert_int_equal(parse_file(CG "load/cgroup.events", cgroup_events_parse_, &e, sizeof(e)), 0);
	assert_int_equal(e.has[0], 3);
	assert_int_equal(e.populated, 1);
	assert_int_equal(e.frozen, 0);
	/* cgroup.freeze 1, and its child frozen with it. */
	assert_int_equal(parse_file(CG "idle/cgroup.events", cgroup_events_parse_, &e, sizeof(e)), 0);
	assert_int_equal(e.populated, 0);
	assert_int_equal(e.frozen, 1);
	assert_int_equal(parse_file(CG "idle/bare/cgroup.events", cgroup_events_parse_, &e, sizeof(e)), 0);
	assert_int_equal(e.frozen, 1);
	check_files(files, cgroup_events_parse_, sizeof(struct cgroup_events));
}

static void test_stat(void **state)
{
	static const struct rc_case files[] = {VARIANTS("cgroup.stat")};
	struct cgroup_stat s;

	/* load, oom, forks, idle, idle/bare; and gone, removed with its page
	 * cache still charged. */
	assert_int_equal(parse_file(CG "cgroup.stat", cgroup_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.has[0], 3);
	assert_int_equal(s.nr_descendants, 5);
	assert_int_equal(s.nr_dying_descendants, 1);
	assert_int_equal(parse_file("cgroup/root/cgroup.stat", cgroup_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.nr_descendants, 6);
	assert_int_equal(s.nr_dying_descendants, 1);
	/* Newer kernels' per-controller counts are skipped. */
	assert_int_equal(parse_str("nr_descendants 2\nnr_subsys_cpu 3\nnr_dying_descendants 0\n", cgroup_stat_parse_,
				   &s, sizeof(s)), 0);
	assert_int_equal(s.nr_descendants, 2);
	assert_int_equal(s.has[0], 3);
	check_files(files, cgroup_stat_parse_, sizeof(struct cgroup_stat));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_stat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
