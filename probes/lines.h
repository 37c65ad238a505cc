/* lines: the "newline separated values" cgroup file format:
 *	VAL0\n
 *	VAL1\n
 * cgroup.procs is of this shape, and so is every single-value file
 * (memory.current, memory.max, pids.current, cpu.weight, ...). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define LINES_MAX 1024

struct lines {
	size_t n;
	struct {
		const char *s; /* into the parsed buffer */
		size_t len;
	} l[LINES_MAX];
};

/* 0; -EINVAL on an empty value or a last line without \n; -E2BIG past
 * LINES_MAX values. */
int lines_parse(const char *buf, size_t len, struct lines *ret);

/* A single-value file holding an unsigned number (memory.current,
 * memory.peak, memory.swap.current, pids.current, cpu.weight): 0, -EINVAL
 * unless exactly one well-formed line, -ERANGE past 2^64-1. */
int lines_u64(const char *buf, size_t len, uint64_t *ret);

/* As lines_u64, and "max" reads as NUM_MAX: the limit files memory.max,
 * memory.high, memory.low, memory.min, memory.swap.max, pids.max. */
int lines_u64_max(const char *buf, size_t len, uint64_t *ret);
