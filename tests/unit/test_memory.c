/* Unit tests of probes/memory: memory.stat, memory.events(.local). */
#include "helpers.h"

#include "probes/memory.h"

ERASED(memory_stat_parse, struct memory_stat)
ERASED(memory_events_parse, struct memory_events)

/* Every key of the loaded cgroup's memory.stat, as the 6.1 kernel printed it. */
static const struct {
	unsigned field;
	uint64_t want;
} load_stat[] = {
	{MEMORY_STAT_anon, 98889728},
	{MEMORY_STAT_file, 7917568},
	{MEMORY_STAT_kernel, 2060288},
	{MEMORY_STAT_kernel_stack, 114688},
	{MEMORY_STAT_pagetables, 1019904},
	{MEMORY_STAT_sec_pagetables, 0},
	{MEMORY_STAT_percpu, 0},
	{MEMORY_STAT_sock, 0},
	{MEMORY_STAT_vmalloc, 0},
	{MEMORY_STAT_shmem, 6877184},
	{MEMORY_STAT_zswap, 0},
	{MEMORY_STAT_zswapped, 0},
	{MEMORY_STAT_file_mapped, 6889472},
	{MEMORY_STAT_file_dirty, 0},
	{MEMORY_STAT_file_writeback, 0},
	{MEMORY_STAT_swapcached, 0},
	{MEMORY_STAT_anon_thp, 90177536},
	{MEMORY_STAT_file_thp, 0},
	{MEMORY_STAT_shmem_thp, 0},
	{MEMORY_STAT_inactive_anon, 105746432},
	{MEMORY_STAT_active_anon, 20480},
	{MEMORY_STAT_inactive_file, 1028096},
	{MEMORY_STAT_active_file, 0},
	{MEMORY_STAT_unevictable, 12288},
	{MEMORY_STAT_slab_reclaimable, 121616},
	{MEMORY_STAT_slab_unreclaimable, 543520},
	{MEMORY_STAT_slab, 665136},
	{MEMORY_STAT_workingset_refault_anon, 0},
	{MEMORY_STAT_workingset_refault_file, 86683},
	{MEMORY_STAT_workingset_activate_anon, 0},
	{MEMORY_STAT_workingset_activate_file, 370},
	{MEMORY_STAT_workingset_restore_anon, 0},
	{MEMORY_STAT_workingset_restore_file, 244},
	{MEMORY_STAT_workingset_nodereclaim, 0},
	{MEMORY_STAT_pgscan, 7712381},
	{MEMORY_STAT_pgsteal, 90524},
	{MEMORY_STAT_pgscan_kswapd, 0},
	{MEMORY_STAT_pgscan_direct, 7712381},
	{MEMORY_STAT_pgsteal_kswapd, 0},
	{MEMORY_STAT_pgsteal_direct, 90524},
	{MEMORY_STAT_pgfault, 44473},
	{MEMORY_STAT_pgmajfault, 1021},
	{MEMORY_STAT_pgrefill, 13675},
	{MEMORY_STAT_pgactivate, 12569},
	{MEMORY_STAT_pgdeactivate, 12921},
	{MEMORY_STAT_pglazyfree, 0},
	{MEMORY_STAT_pglazyfreed, 0},
	{MEMORY_STAT_zswpin, 0},
	{MEMORY_STAT_zswpout, 0},
	{MEMORY_STAT_thp_fault_alloc, 3},
	{MEMORY_STAT_thp_collapse_alloc, 41},
};

static uint64_t field(const struct memory_stat *s, unsigned i)
{
	uint64_t v;

	memcpy(&v, (const char *)s + memory_stat_fields[i].offset, sizeof(v));
	return v;
}

static unsigned count_bits(const uint64_t *has, size_t words)
{
	unsigned n = 0;

	for (size_t w = 0; w < words; w++)
		n += (unsigned)__builtin_popcountll(has[w]);
	return n;
}

static void test_stat(void **state)
{
	struct memory_stat s;

	assert_int_equal(parse_file(CG "load/memory.stat", memory_stat_parse_, &s, sizeof(s)), 0);
	for (size_t i = 0; i < N(load_stat); i++) {
		unsigned f = load_stat[i].field;
		if (!FLAT_HAS(s.has, f) || field(&s, f) != load_stat[i].want)
			fail_msg("%s: has %d, %ju, want %ju", memory_stat_fields[f].key, (int)FLAT_HAS(s.has, f),
				 (uintmax_t)field(&s, f), (uintmax_t)load_stat[i].want);
	}
	/* The 51 keys of 6.1 and nothing else: later kernels' keys are absent. */
	assert_int_equal(count_bits(s.has, N(s.has)), 51);
	assert_false(FLAT_HAS(s.has, MEMORY_STAT_hugetlb));
	assert_false(FLAT_HAS(s.has, MEMORY_STAT_zswpwb));
	assert_false(FLAT_HAS(s.has, MEMORY_STAT_pgdemote_kswapd));
	assert_false(FLAT_HAS(s.has, MEMORY_STAT_numa_hint_faults));
	assert_int_equal(s.hugetlb, 0);
	/* Named fields and the table agree. */
	assert_int_equal(s.inactive_file, 1028096);
	assert_string_equal(memory_stat_fields[MEMORY_STAT_inactive_file].key, "inactive_file");
	/* The root has every key too. */
	assert_int_equal(parse_file("cgroup/root/memory.stat", memory_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.anon, 100442112);
	assert_int_equal(count_bits(s.has, N(s.has)), 51);
}

static void test_stat_variants(void **state)
{
	static const struct rc_case files[] = {VARIANTS("memory.stat")};
	struct memory_stat s;

	check_files(files, memory_stat_parse_, sizeof(struct memory_stat));
	assert_int_equal(parse_file(DERIVED "memory.stat.u64-max", memory_stat_parse_, &s, sizeof(s)), 0);
	assert_true(s.anon == UINT64_MAX);
	assert_int_equal(parse_file(DERIVED "memory.stat.unknown-key", memory_stat_parse_, &s, sizeof(s)), 0);
	assert_int_equal(s.file, 7917568);
	assert_int_equal(count_bits(s.has, N(s.has)), 51);
}

static void expect_events(const struct memory_events *e, uint64_t low, uint64_t high, uint64_t max,
			  uint64_t oom, uint64_t oom_kill, uint64_t oom_group_kill)
{
	assert_int_equal(e->has[0], (UINT64_C(1) << MEMORY_EVENTS_COUNT) - 1);
	assert_int_equal(e->low, low);
	assert_int_equal(e->high, high);
	assert_int_equal(e->max, max);
	assert_int_equal(e->oom, oom);
	assert_int_equal(e->oom_kill, oom_kill);
	assert_int_equal(e->oom_group_kill, oom_group_kill);
}

static void test_events(void **state)
{
	static const struct rc_case files[] = {VARIANTS("memory.events")};
	struct memory_events e;

	/* Over memory.high: throttled, never killed. */
	assert_int_equal(parse_file(CG "load/memory.events", memory_events_parse_, &e, sizeof(e)), 0);
	expect_events(&e, 0, 21990, 0, 0, 0, 0);
	/* OOM-killed three times, a group of two each time. */
	assert_int_equal(parse_file(CG "oom/memory.events.local", memory_events_parse_, &e, sizeof(e)), 0);
	expect_events(&e, 0, 0, 287, 3, 6, 3);
	/* The parent counts its children's events (read a little earlier than the
	 * child's file), but none of its own. */
	assert_int_equal(parse_file(CG "memory.events", memory_events_parse_, &e, sizeof(e)), 0);
	expect_events(&e, 0, 21331, 287, 3, 6, 3);
	assert_int_equal(parse_file(CG "memory.events.local", memory_events_parse_, &e, sizeof(e)), 0);
	expect_events(&e, 0, 0, 0, 0, 0, 0);
	check_files(files, memory_events_parse_, sizeof(struct memory_events));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_stat_variants),
		cmocka_unit_test(test_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
