/* cgroup: the core files every cgroup has (cgroup-v2.rst, "Core Interface
 * Files"): cgroup.events and cgroup.stat. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "probes/flat.h"

/* The range of every cgroup weight (cpu.weight, io.weight). */
#define CGROUP_WEIGHT_MIN 1
#define CGROUP_WEIGHT_MAX 10000

/* cgroup.events (not in the root cgroup): populated is 1 while a process
 * lives in the cgroup or below, frozen is 1 once cgroup.freeze took hold. */
#define CGROUP_EVENTS_KEYS(X, a) X(a, populated) X(a, frozen)
FLAT_STRUCT(cgroup_events, CGROUP_EVENTS_, CGROUP_EVENTS_KEYS);
extern const struct flat_field cgroup_events_fields[CGROUP_EVENTS_COUNT];

/* cgroup.stat: live descendants, and removed ones the kernel still holds
 * (pinned by charged page cache, say). Newer kernels add per-controller
 * counts; they are skipped. */
#define CGROUP_STAT_KEYS(X, a) X(a, nr_descendants) X(a, nr_dying_descendants)
FLAT_STRUCT(cgroup_stat, CGROUP_STAT_, CGROUP_STAT_KEYS);
extern const struct flat_field cgroup_stat_fields[CGROUP_STAT_COUNT];

/* Both: 0, or an error of flat_map (-EINVAL malformed, -ERANGE overflow);
 * unknown keys are skipped. */
int cgroup_events_parse(const char *buf, size_t len, struct cgroup_events *ret);
int cgroup_stat_parse(const char *buf, size_t len, struct cgroup_stat *ret);
