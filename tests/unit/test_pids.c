/* Unit tests of probes/pids: pids.events (pids.current and pids.max are
 * single values, tested with lines). */
#include "helpers.h"

#include "probes/pids.h"

ERASED(pids_events_parse, struct pids_events)

static void test_events(void **state)
{
	static const struct rc_case files[] = {VARIANTS("pids.events")};
	struct pids_events e;

	/* Twenty sleeps under pids.max 12: forks were refused. */
	assert_int_equal(parse_file(CG "forks/pids.events", pids_events_parse_, &e, sizeof(e)), 0);
	assert_true(FLAT_HAS(e.has, PIDS_EVENTS_max));
	assert_int_equal(e.max, 1);
	assert_int_equal(parse_file(CG "load/pids.events", pids_events_parse_, &e, sizeof(e)), 0);
	assert_int_equal(e.max, 0);
	assert_int_equal(parse_file(DERIVED "pids.events.u64-max", pids_events_parse_, &e, sizeof(e)), 0);
	assert_true(e.max == UINT64_MAX);
	/* A later kernel's key is skipped; an empty file has no max. */
	assert_int_equal(parse_str("max 3\nmax.imposed 1\n", pids_events_parse_, &e, sizeof(e)), 0);
	assert_int_equal(e.max, 3);
	assert_int_equal(parse_str("", pids_events_parse_, &e, sizeof(e)), 0);
	assert_false(FLAT_HAS(e.has, PIDS_EVENTS_max));
	check_files(files, pids_events_parse_, sizeof(struct pids_events));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
