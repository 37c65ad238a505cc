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

/* Installs (replacing) the policies of a workload; spec may be NULL or [].
 * They are saved (<state-dir>/policies.json) and come back at start. */
int policies_set(struct policies *p, const char *workload, const struct cJSON *spec, struct err *e);

/* For a workload adopted at start (the registry's reconcile): installs the
 * spec's policies only if none were saved for it, so a PUT made before the
 * restart (even PUT []) wins over the launch spec. Needs policies_start()
 * to have run first. */
int policies_adopt(struct policies *p, const char *workload, const struct cJSON *spec, struct err *e);

/* The policies of a workload as installed, with their live state. */
int policies_get(struct policies *p, const char *workload, struct cJSON **ret);

/* The workload is gone (deleted): its policies and their saved copy too. */
void policies_remove(struct policies *p, const char *workload);
void policies_stop(struct policies *p);
