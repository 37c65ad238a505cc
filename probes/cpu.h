/* cpu: the cpu controller's files (cgroup-v2.rst, "CPU"): cpu.stat, and the
 * limits cpu.max and cpu.weight read back. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "probes/cgroup.h"
#include "probes/flat.h"

/* cpu.stat: usage_usec, user_usec and system_usec are in every cgroup (the
 * core prints them); the rest only with the cpu controller enabled, so
 * their `has` bits are clear without it. Microseconds and counts. */
#define CPU_STAT_KEYS(X, a)                                                                        \
	X(a, usage_usec) X(a, user_usec) X(a, system_usec) X(a, nr_periods) X(a, nr_throttled)     \
	X(a, throttled_usec) X(a, nr_bursts) X(a, burst_usec)
FLAT_STRUCT(cpu_stat, CPU_STAT_, CPU_STAT_KEYS);
extern const struct flat_field cpu_stat_fields[CPU_STAT_COUNT];

/* 0, or an error of flat_map: unknown keys are skipped, a malformed line is
 * -EINVAL, a value past 2^64-1 -ERANGE. */
int cpu_stat_parse(const char *buf, size_t len, struct cpu_stat *ret);

/* cpu.max: "QUOTA PERIOD\n", QUOTA "max" (NUM_MAX) for no limit. */
struct cpu_max {
	uint64_t quota;  /* microseconds per period, or NUM_MAX */
	uint64_t period; /* microseconds */
};

/* 0; -EINVAL unless exactly two well-formed words with a non-zero period;
 * -ERANGE past 2^64-1. */
int cpu_max_parse(const char *buf, size_t len, struct cpu_max *ret);

/* cpu.weight: one number in [CGROUP_WEIGHT_MIN, CGROUP_WEIGHT_MAX]. 0;
 * -EINVAL if malformed; -ERANGE outside that range. */
int cpu_weight_parse(const char *buf, size_t len, uint64_t *ret);
