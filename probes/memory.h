/* memory: the memory controller's files (cgroup-v2.rst, "Memory"):
 * memory.stat, memory.events and memory.events.local. The single values
 * are read with lines.h: memory.current, memory.peak and memory.swap.current
 * with lines_u64; the limits memory.max, memory.high, memory.low, memory.min
 * and memory.swap.max with lines_u64_max ("max" is NUM_MAX). All bytes. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "probes/flat.h"

/* memory.stat, every key of 6.1 (bytes for the sizes, counts for the
 * events) and those later kernels added, in the kernel's order: a key this
 * kernel does not print (or was built without: zswap, thp, numa balancing)
 * keeps its `has` bit clear. Not in 6.1, from later kernels: hugetlb,
 * pgdemote_*, pgpromote_success, pswpin, pswpout, *_khugepaged,
 * *_proactive, swpin_zero, swpout_zero, zswpwb, thp_swpout*, numa_*. */
#define MEMORY_STAT_KEYS(X, a)                                                                     \
	X(a, anon) X(a, file) X(a, kernel) X(a, kernel_stack) X(a, pagetables) X(a, sec_pagetables) \
	X(a, percpu) X(a, sock) X(a, vmalloc) X(a, shmem) X(a, zswap) X(a, zswapped)                \
	X(a, file_mapped) X(a, file_dirty) X(a, file_writeback) X(a, swapcached) X(a, anon_thp)    \
	X(a, file_thp) X(a, shmem_thp) X(a, inactive_anon) X(a, active_anon) X(a, inactive_file)   \
	X(a, active_file) X(a, unevictable) X(a, slab_reclaimable) X(a, slab_unreclaimable)        \
	X(a, slab) X(a, hugetlb) X(a, workingset_refault_anon) X(a, workingset_refault_file)       \
	X(a, workingset_activate_anon) X(a, workingset_activate_file)                              \
	X(a, workingset_restore_anon) X(a, workingset_restore_file) X(a, workingset_nodereclaim)   \
	X(a, pgdemote_kswapd) X(a, pgdemote_direct) X(a, pgdemote_khugepaged)                      \
	X(a, pgdemote_proactive) X(a, pgpromote_success) X(a, pgscan) X(a, pgsteal) X(a, pswpin)   \
	X(a, pswpout) X(a, pgscan_kswapd) X(a, pgscan_direct) X(a, pgscan_khugepaged)             \
	X(a, pgscan_proactive) X(a, pgsteal_kswapd) X(a, pgsteal_direct) X(a, pgsteal_khugepaged) \
	X(a, pgsteal_proactive) X(a, pgfault) X(a, pgmajfault) X(a, pgrefill) X(a, pgactivate)     \
	X(a, pgdeactivate) X(a, pglazyfree) X(a, pglazyfreed) X(a, swpin_zero) X(a, swpout_zero)   \
	X(a, zswpin) X(a, zswpout) X(a, zswpwb) X(a, thp_fault_alloc) X(a, thp_collapse_alloc)     \
	X(a, thp_swpout) X(a, thp_swpout_fallback) X(a, numa_pages_migrated)                      \
	X(a, numa_pte_updates) X(a, numa_hint_faults)
FLAT_STRUCT(memory_stat, MEMORY_STAT_, MEMORY_STAT_KEYS);
extern const struct flat_field memory_stat_fields[MEMORY_STAT_COUNT];

/* memory.events (this cgroup and below) and memory.events.local (this
 * cgroup only): how often each boundary was hit. */
#define MEMORY_EVENTS_KEYS(X, a)                                                                   \
	X(a, low) X(a, high) X(a, max) X(a, oom) X(a, oom_kill) X(a, oom_group_kill)
FLAT_STRUCT(memory_events, MEMORY_EVENTS_, MEMORY_EVENTS_KEYS);
extern const struct flat_field memory_events_fields[MEMORY_EVENTS_COUNT];

/* Both: 0, or an error of flat_map (-EINVAL malformed, -ERANGE overflow);
 * unknown keys are skipped. */
int memory_stat_parse(const char *buf, size_t len, struct memory_stat *ret);
int memory_events_parse(const char *buf, size_t len, struct memory_events *ret);
