/* policy: dynamic limits driven by pressure (PSI triggers, poll() on
 * POLLPRI): memory-autosize, cpu-guard, pressure-kill, cpu-budget. One
 * thread; each workload's policies act on its cgroup and record events.
 * docs/policies.md describes each policy and its parameters. */
#pragma once
#include "agent/err.h"

struct agent;
struct cJSON;
struct policies;

int policies_start(struct agent *a, struct policies **ret);

/* Validates a "policies" array (of a launch spec or a PUT). */
int policies_validate(const struct cJSON *spec, const char *prefix, struct err *e);

/* Installs (replacing) the policies of a workload; spec may be NULL or []. */
int policies_set(struct policies *p, const char *workload, const struct cJSON *spec, struct err *e);

/* The policies of a workload as installed, with their live state. */
int policies_get(struct policies *p, const char *workload, struct cJSON **ret);

void policies_remove(struct policies *p, const char *workload);
void policies_stop(struct policies *p);
