/* host: the machine-wide files the host sampler reads (proc(5)):
 * /proc/stat's aggregate cpu line and /proc/meminfo. /proc/pressure/{cpu,memory,io,irq}
 * are read with psi.h. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "probes/flat.h"

/* /proc/stat, the "cpu" line: time all CPUs spent in each state since boot,
 * in USER_HZ ticks (sysconf(_SC_CLK_TCK)); the caller converts. guest and
 * guest_nice are also counted in user and nice. The first eight are
 * required; a kernel printing fewer of the rest leaves their bits clear. */
#define HOST_STAT_KEYS(X, a)                                                                       \
	X(a, user) X(a, nice) X(a, system) X(a, idle) X(a, iowait) X(a, irq) X(a, softirq)           \
	X(a, steal) X(a, guest) X(a, guest_nice)
FLAT_STRUCT(host_stat, HOST_STAT_, HOST_STAT_KEYS);
extern const struct flat_field host_stat_fields[HOST_STAT_COUNT];

/* 0; -EINVAL if the file does not end in \n, has no "cpu" line, or that line
 * is malformed or has fewer than eight numbers; -ERANGE past 2^64-1. Other
 * lines are not looked at. */
int host_stat_parse(const char *buf, size_t len, struct host_stat *ret);

/* /proc/meminfo, in bytes (the file says kB, meaning KiB). */
#define HOST_MEMINFO_KEYS(X, a)                                                                    \
	X(a, MemTotal) X(a, MemFree) X(a, MemAvailable) X(a, Buffers) X(a, Cached) X(a, SwapTotal)  \
	X(a, SwapFree)
FLAT_STRUCT(host_meminfo, HOST_MEMINFO_, HOST_MEMINFO_KEYS);
extern const struct flat_field host_meminfo_fields[HOST_MEMINFO_COUNT];

/* 0; -EINVAL unless every line is "Key: N" or "Key: N kB" (any number of
 * blanks after the colon); -ERANGE past 2^64-1 bytes. Unknown keys are
 * skipped. */
int host_meminfo_parse(const char *buf, size_t len, struct host_meminfo *ret);
