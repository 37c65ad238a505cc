/* pids: the pids controller's files (cgroup-v2.rst, "PID"). pids.current is
 * read with lines_u64 and the limit pids.max with lines_u64_max (lines.h);
 * pids.events here. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "probes/flat.h"

/* pids.events: max counts the forks refused for pids.max here or above. */
#define PIDS_EVENTS_KEYS(X, a) X(a, max)
FLAT_STRUCT(pids_events, PIDS_EVENTS_, PIDS_EVENTS_KEYS);
extern const struct flat_field pids_events_fields[PIDS_EVENTS_COUNT];

/* 0, or an error of flat_map; unknown keys are skipped. */
int pids_events_parse(const char *buf, size_t len, struct pids_events *ret);
