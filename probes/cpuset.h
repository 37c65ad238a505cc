/* cpuset: the range lists of the cpuset controller (cgroup-v2.rst,
 * "Cpuset"): cpuset.cpus.effective and cpuset.mems.effective ("0-1,3"). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define CPUSET_BITS 1024 /* CPUs or memory nodes numbered 0..1023 */

struct cpuset_list {
	uint32_t count;                  /* members in the list */
	uint64_t bits[CPUSET_BITS / 64]; /* bit i set: i is a member */
};

/* One line of comma separated numbers and ranges ("0-3,8,10-11\n"); an
 * empty line is an empty list. 0; -EINVAL if malformed (a descending range,
 * an empty element, blanks); -ERANGE for a member >= CPUSET_BITS. */
int cpuset_list_parse(const char *buf, size_t len, struct cpuset_list *ret);

/* Whether i is a member. */
#define CPUSET_HAS(list, i) ((i) < CPUSET_BITS && (((list)->bits[(i) / 64] >> ((i) % 64)) & 1))
