/* psi: the pressure stall files, /proc/pressure/{cpu,memory,io,irq} and a
 * cgroup's {cpu,memory,io,irq}.pressure (Documentation/accounting/psi.rst):
 *	some avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *	full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 * irq has only "full"; older kernels give cpu only "some". */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct psi_line {
	uint64_t avg10, avg60, avg300; /* hundredths of a percent: 3.14% is 314 */
	uint64_t total;                /* microseconds stalled, cumulative */
};

struct psi {
	bool has_some, has_full;
	struct psi_line some, full;
};

/* 0; -EINVAL on a malformed file or a line missing one of the four fields;
 * unknown lines and fields are ignored. */
int psi_parse(const char *buf, size_t len, struct psi *ret);
