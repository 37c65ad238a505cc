/* workload: the registry of launched workloads and their lifecycle (state
 * machine, restart policy, the monitor process, logs, published ports).
 * What other modules may ask of it is here; the rest is internal. A
 * workload named N owns the cgroup <parent>/workloads/N: other modules reach
 * the cgroup by that path, the registry by name. */
#pragma once
#include <stdbool.h>

#include "agent/err.h"

struct agent;
struct cJSON;
struct registry;

int registry_start(struct agent *a, struct registry **ret, struct err *e);
void registry_stop(struct registry *r);

/* Whether a workload of that name exists (0 or -ENOENT). */
int registry_exists(struct registry *r, const char *name);

/* Records limits changed at run time into the workload's stored spec, so a
 * restart keeps them (the PATCH's effective limits, in the API's shape). */
int registry_note_limits(struct registry *r, const char *name, const struct cJSON *limits);
